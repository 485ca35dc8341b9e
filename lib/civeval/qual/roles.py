"""Stakeholder groups of interviews and workshops, and how reports name them.

A study may add groups of its own (``roles`` option of the qualitative readers); these are
the ones evaluations of French participation schemes meet everywhere.
"""

from __future__ import annotations

import unicodedata

# Canonical group → the label that replaces a person's name in a quote, and the broader
# group a quote is attributed to when its own group counts fewer people than the study's
# threshold (so that nobody is recognised).
ROLES = {
    "élu": {"label": "[élu·e]", "broader": "institution"},
    "agent": {"label": "[agent·e]", "broader": "institution"},
    "partenaire": {"label": "[partenaire]", "broader": "institution"},
    "association": {"label": "[membre d'association]", "broader": "société civile"},
    "habitant": {"label": "[habitant·e]", "broader": "société civile"},
}
BROADER = {
    "institution": "[acteur·rice institutionnel·le]",
    "société civile": "[membre de la société civile]",
}

# Spellings met in real spreadsheets, folded (lower case, no accents, no inclusive dots).
SYNONYMS = {
    "elu": "élu", "elue": "élu", "elus": "élu", "elues": "élu", "elu e": "élu",
    "elected": "élu",
    "elu municipal": "élu", "adjoint": "élu", "maire": "élu",
    "agent": "agent", "agente": "agent", "agents": "agent", "agentes": "agent",
    "technicien": "agent", "technicienne": "agent",
    "service": "agent", "staff": "agent",
    "association": "association", "associatif": "association", "associations": "association",
    "asso": "association",
    "habitant": "habitant", "habitante": "habitant", "habitants": "habitant",
    "habitantes": "habitant",
    "habitant e": "habitant", "citoyen": "habitant", "citoyenne": "habitant",
    "resident": "habitant",
    "partenaire": "partenaire", "partenaires": "partenaire", "partner": "partenaire",
}


def fold(text: str) -> str:
    """Lower case, accents and inclusive-writing dots removed, spaces collapsed."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    text = text.lower().replace("·", " ").replace(".", " ").replace("-", " ")
    return " ".join(text.split())


def normalise_role(value: str, extra: dict[str, str] | None = None) -> str | None:
    """The canonical group of ``value`` ("Élue" → "élu"), None when unknown.

    ``extra`` maps a study's own spellings or groups to canonical names.

    >>> normalise_role("Élu·e"), normalise_role("Habitante"), normalise_role("journaliste")
    ('élu', 'habitant', None)
    """
    folded = fold(value)
    for source in (extra or {}), SYNONYMS:
        for spelling, role in source.items():
            if fold(spelling) == folded:
                return role
    return next((role for role in ROLES if fold(role) == folded), None)
