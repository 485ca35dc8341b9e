"""Stakeholder groups a report may show: small groups merged into their broader group, or
hidden.

A report describes groups of people, never people. A group counting fewer people than the
study's small-cell threshold (3 elected officials interviewed, 4 at a workshop table) is
shown under its broader group (:data:`civeval.qual.roles.BROADER`: « acteurs
institutionnels », « société civile ») together with every other group of that family,
since showing « Agent·es » beside « Acteurs institutionnels » would tell the reader that
the difference is the few elected officials. A group whose family is still under the
threshold, or that has no family (a study's own group), is hidden.

Tables that publish a total (the interviews heard, all groups together) also apply the
secondary suppression of survey tables (:func:`civeval.privacy.secondary_suppression`):
total minus the groups shown gives back the people of the hidden ones together, so the
smallest groups shown are hidden too until at least two are hidden and they hold the
threshold together.

:func:`shown_groups` decides; :func:`count_people` counts the people of coded segments;
:func:`regroup` relabels a segments table with the groups shown and drops the hidden ones;
:func:`anonymous_documents` numbers interviews anew for tables that show them one by one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

import pandas as pd

from civeval.privacy import THRESHOLD, secondary_suppression
from civeval.qual.roles import ROLES

__all__ = ["anonymous_documents", "count_people", "regroup", "shown_groups"]


def count_people(rows: pd.DataFrame) -> int:
    """People of a set of segments: distinct speakers when every row names one, else
    distinct documents (an interview is one voice).

    Examples
    --------
    >>> count_people(pd.DataFrame({"document": ["E1", "E1", "E2"],
    ...                            "speaker": ["P1", "P2", None]}))
    2
    """
    if rows.empty:
        return 0
    if rows["speaker"].notna().all():
        return int(rows["speaker"].nunique())
    return int(rows["document"].nunique(dropna=False))


def shown_groups(people: Mapping[str, int], threshold: int = THRESHOLD, *,
                 secondary: bool = False) -> dict[str, str | None]:
    """The group each group is shown under: itself, its broader group, or None (hidden).

    Parameters
    ----------
    people : mapping of str to int
        Group → number of people (interviewees, workshop participants). Groups of
        :data:`civeval.qual.roles.ROLES` have a broader group; others have none.
    threshold : int
        Smallest number of people a group shown may describe.
    secondary : bool
        Whether a total over every group is published: then the hidden groups are
        protected by hiding the smallest groups shown as well, until the hidden ones are
        two or more and hold the threshold together (the rule of
        :func:`civeval.privacy.secondary_suppression`).

    Returns
    -------
    dict
        Every group of ``people`` → the group it is shown under, or None when hidden.

    Notes
    -----
    A group under the threshold merges its whole family (its broader group gathers every
    group of ``people`` that shares it, their people added up) when that family reaches
    the threshold; otherwise the group is hidden, and so are its siblings under the
    threshold, the others keeping their own name.

    Examples
    --------
    >>> shown_groups({"élu": 3, "agent": 5, "association": 6, "habitant": 9})
    ... # doctest: +NORMALIZE_WHITESPACE
    {'élu': 'institution', 'agent': 'institution', 'association': 'association',
     'habitant': 'habitant'}
    >>> shown_groups({"élu": 2, "agent": 2, "habitant": 9, "commerçant": 6})
    {'élu': None, 'agent': None, 'habitant': 'habitant', 'commerçant': 'commerçant'}
    >>> shown_groups({"élu": 2, "habitant": 9, "commerçant": 6}, secondary=True)
    {'élu': None, 'habitant': 'habitant', 'commerçant': None}
    """
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
        raise ValueError(f"threshold must be a whole number ≥ 1, not {threshold!r}")
    family = {group: ROLES[group]["broader"] for group in people if group in ROLES}
    family_people: dict[str, int] = {}
    for group, broader in family.items():
        family_people[broader] = family_people.get(broader, 0) + int(people[group])
    merged = {broader for group, broader in family.items() if people[group] < threshold}

    def shown(group: str) -> str | None:
        broader = family.get(group)
        if broader in merged:  # a family under the threshold has no group at it
            return broader if family_people[broader] >= threshold else None
        return group if people[group] >= threshold else None

    units = {group: shown(group) for group in people}
    if secondary:
        units = _protect(people, units, threshold)
    return units


def _protect(people: Mapping[str, int], units: dict[str, str | None],
             threshold: int) -> dict[str, str | None]:
    """Hide the smallest groups shown until the total gives back no hidden group, nor the
    hidden ones together under the threshold."""
    sizes: dict[str, int] = {}
    for group, unit in units.items():
        key = unit if unit is not None else f"hidden:{group}"
        sizes[key] = sizes.get(key, 0) + int(people[group])
    # The hidden groups (each under the threshold; an empty one hides nobody) are the
    # primary cells; the groups shown, all at the threshold or above, go only to protect them.
    hidden, _ = secondary_suppression(
        list(sizes.values()), [key.startswith("hidden:") and size > 0
                               for key, size in sizes.items()], threshold)
    gone = {key for key, out in zip(sizes, hidden, strict=True) if out}
    return {group: None if unit in gone else unit for group, unit in units.items()}


def regroup(segments: pd.DataFrame, units: Mapping[str, str | None],
            by: str = "speaker_role") -> pd.DataFrame:
    """``segments`` with each group replaced by the group it is shown under, the rows of
    hidden groups (and of no group) left out.

    Examples
    --------
    >>> segments = pd.DataFrame({"document": ["E1", "A1", "H1"],
    ...                          "speaker_role": ["élu", "agent", "habitant"]})
    >>> regroup(segments, {"élu": "institution", "agent": "institution", "habitant": None})
      document speaker_role
    0       E1  institution
    1       A1  institution
    """
    shown = segments[by].map(lambda group: units.get(group) if pd.notna(group) else None)
    return segments.assign(**{by: shown})[shown.notna()]


def anonymous_documents(documents: Iterable, name: str) -> dict:
    """Each document → « <name> <number> », numbered in an order that tells nothing of the
    source: files list one group after another (E01… for elected officials) and are often
    named after the person.

    The order is that of a hash of each document's name: the same documents are numbered
    the same way in every run. Numbers are zero-padded so that names sort as numbers.

    Examples
    --------
    >>> names = anonymous_documents(["E01", "E02", "H01", "Mme Dupont"], "Entretien")
    >>> sorted(names.values())
    ['Entretien 1', 'Entretien 2', 'Entretien 3', 'Entretien 4']
    >>> names == anonymous_documents(["Mme Dupont", "H01", "E02", "E01", "E01"], "Entretien")
    True
    """
    distinct = sorted(set(documents),
                      key=lambda document: hashlib.sha256(str(document).encode()).hexdigest())
    width = len(str(len(distinct)))
    return {document: f"{name} {number:0{width}d}"
            for number, document in enumerate(distinct, start=1)}
