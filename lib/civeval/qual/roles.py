"""Stakeholder groups of interviews and workshops: how readers recognise them, how reports
name them.

A study may add groups of its own (``roles`` option of the qualitative readers); these are
the ones evaluations of French participation schemes meet everywhere.

A speaker role is read as :func:`normalise_role` reads it ("Élue", "adjoint" → ``élu``); the
catalogue option ``roles`` (:func:`role_map`) adds a study's own spellings
(``{riverain: habitant}``) or groups (``[commerçant]``, a group of that name). An unknown
role is an error listing the known ones (:func:`known_role`).
"""

from __future__ import annotations

import unicodedata

from civeval.errors import CatalogError

# Canonical group → the label that replaces a person's name in a quote, and the broader
# group a quote is attributed to when its own group counts fewer people than the study's
# threshold (so that nobody is recognised).
ROLES = {
    "élu": {"label": "[élu·e]", "broader": "institution"},
    "agent": {"label": "[agent·e]", "broader": "institution"},
    "partenaire": {"label": "[partenaire]", "broader": "institution"},
    "association": {"label": "[membre d'association]", "broader": "société civile"},
    "habitant": {"label": "[habitant·e]", "broader": "société civile"},
    # Members of the scheme evaluated (a neighbourhood council, a citizens' assembly).
    "membre": {"label": "[membre du dispositif]", "broader": "société civile"},
}
BROADER = {
    "institution": "[acteur·rice institutionnel·le]",
    "société civile": "[membre de la société civile]",
}


def order_groups(values) -> list:
    """Groups in the order of :data:`ROLES`, a broader group where its first member stands,
    then a study's own groups alphabetically.

    >>> order_groups(["habitant", "commerçant", "institution", "association"])
    ['institution', 'association', 'habitant', 'commerçant']
    """
    rank = {role: number for number, role in enumerate(ROLES)}
    for role, number in list(rank.items()):
        rank.setdefault(ROLES[role]["broader"], number)
    values = list(values)
    known = sorted((v for v in values if v in rank), key=rank.__getitem__)
    return known + sorted((v for v in values if v not in rank), key=str)


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
    "membre": "membre", "membres": "membre", "membre du dispositif": "membre",
    "membres du dispositif": "membre", "member": "membre",
}

# Variable names (folded) that hold a speaker's group in QualCoder and REFI-QDA projects.
ROLE_VARIABLES = ("role", "groupe", "group", "profil", "profile")


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


def role_map(roles) -> dict[str, str]:
    """The ``roles`` option: spellings → groups, or a list of a study's own groups."""
    if roles is None:
        return {}
    if isinstance(roles, dict):
        return {str(k): str(v) for k, v in roles.items()}
    if isinstance(roles, str):
        return {roles: roles}
    return {str(role): str(role) for role in roles}


def unknown_role_message(value: str, extra: dict[str, str]) -> str:
    """The error message for an unknown role: the known ones, and how to add it."""
    known = ", ".join(sorted({*ROLES, *extra.values()}, key=fold))
    return (f"unknown speaker role {value!r}; known roles: {known}. Add the study's own "
            "spellings or groups with the catalogue option roles (e.g. roles: "
            f"{{{value}: habitant}} or roles: [{value}])")


def known_role(value: str, extra: dict[str, str], **where) -> str:
    """The canonical group of ``value``; a :class:`CatalogError` located by ``where``
    when it is unknown."""
    role = normalise_role(value, extra)
    if role is None:
        raise CatalogError(unknown_role_message(value, extra), **where)
    return role
