"""Message catalogues for text the workbench writes into reports.

Reports are in French; ``report.language: en`` in ``study.yml`` switches to the English
catalogue. Both catalogues live in ``locales/<lang>.yml`` as flat ``key: text`` pairs whose
text may hold ``{placeholders}``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib import resources

import yaml

LANGUAGES = ("fr", "en")


@cache
def catalogue(language: str) -> dict[str, str]:
    """The ``key → text`` catalogue of ``language``."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown report language {language!r}; expected one of {LANGUAGES}")
    locales = resources.files("civeval.presentation") / "locales"
    text = locales.joinpath(f"{language}.yml").read_text("utf-8")
    return yaml.safe_load(text)


def translator(language: str = "fr") -> Callable[..., str]:
    """Return ``t(key, **values)``, the text of ``key`` in ``language`` with values filled in.

    Examples
    --------
    >>> t = translator("fr")
    >>> t("status.success")
    'réussi'
    """
    messages = catalogue(language)

    def t(key: str, **values) -> str:
        try:
            text = messages[key]
        except KeyError:
            raise KeyError(f"no message {key!r} in the {language!r} catalogue") from None
        return text.format(**values) if values else text

    return t
