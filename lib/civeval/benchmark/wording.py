"""The words of the benchmark's labels (population bands, kinds, chart), in French and English.

Shared by :mod:`civeval.benchmark.peers` and :mod:`civeval.benchmark.chart`.
"""

from __future__ import annotations

from civeval.errors import InputError

WORDING = {
    "fr": {"inhabitants": "hab.", "under": "moins de {high} hab.",
           "over": "{low} hab. et plus", "kinds": {"commune": "Commune",
                                                   "EPCI": "Intercommunalité",
                                                   "département": "Département",
                                                   "région": "Région"},
           "other": "Collectivité", "median": "médiane", "mean": "moyenne",
           "count": "nombre", "value": "", "peers": "Collectivités comparables",
           "client": "{name} : {value}",
           "percentile": "{rank} % des collectivités comparables font moins ou autant"},
    "en": {"inhabitants": "inhabitants", "under": "under {high} inhabitants",
           "over": "{low} inhabitants and over", "kinds": {"commune": "Municipality",
                                                           "EPCI": "Intercommunality",
                                                           "département": "Département",
                                                           "région": "Région"},
           "other": "Local authority", "median": "median", "mean": "mean", "count": "count",
           "value": "", "peers": "Comparable local authorities",
           "client": "{name}: {value}",
           "percentile": "{rank} % of comparable authorities are at or below"},
}


def wording(language: str) -> dict:
    """The labels of ``language`` (``fr`` or ``en``); an InputError for another language."""
    if language not in WORDING:
        raise InputError(f"language must be one of {', '.join(WORDING)}, not {language!r}")
    return WORDING[language]
