"""The library of recommendations, and those that answer the weaknesses a diagnostic found.

A library of recommendations (``data/reference/recommandations.yml``, :func:`load_library`),
organised by the improvement levers (``communication``, ``outils``, ``transparence``,
``organisation``), says which weaknesses each one answers; :func:`recommend` keeps those
that answer the weaknesses found by the diagnostic (:mod:`civeval.diagnosis.findings`). The
consultant then accepts, adapts or replaces them in the action plan
(:mod:`civeval.diagnosis.actionplan`).

Priority
--------
Each action has an impact and an effort from 1 (low) to 3 (high). Its **score** is
``impact × (4 − effort)``, from 1 to 9: impact counts for the gain, effort against it, both
on the same footing. Actions with a score of 6 or more (strong impact at low or moderate
effort, or moderate impact at low effort) are **priority** actions, 3 or 4 are **to
schedule**, 1 or 2 **to consider** (catalogue keys ``actionplan.priority.*``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

import pandas as pd
import yaml
from pydantic import Field, ValidationError

from civeval.diagnosis.validation import (
    ActionPlanError,
    StrictModel,
    check_language,
    unknown_indicator,
    validation_problems,
)
from civeval.diagnosis.values import checked_value
from civeval.errors import combine
from civeval.evidence import registry
from civeval.presentation import i18n
from civeval.workbench import paths, yamlsource

__all__ = [
    "LEVERS",
    "LIBRARY_FILE",
    "RECOMMENDATION_COLUMNS",
    "Library",
    "Recommendation",
    "lever_label",
    "load_library",
    "priority_label",
    "priority_score",
    "recommend",
]

Lever = Literal["communication", "outils", "transparence", "organisation"]
LEVERS: tuple[str, ...] = get_args(Lever)
LIBRARY_FILE = Path("data") / "reference" / "recommandations.yml"

RECOMMENDATION_COLUMNS = ("id", "lever", "title", "description", "addresses", "answers",
                          "impact", "effort", "score", "priority")
_LEVELS = (1, 2, 3)
PRIORITY_SCORE = 6  # the lowest priority score of a priority recommendation or action


# --------------------------------------------------------------------------- priority

def priority_score(impact: int, effort: int) -> int:
    """The priority score of an action: ``impact × (4 − effort)``, from 1 to 9.

    Parameters
    ----------
    impact, effort : {1, 2, 3}
        Expected effect, and resources and time it takes (3 = strong, heavy).

    Returns
    -------
    int

    Examples
    --------
    >>> priority_score(3, 1), priority_score(2, 2), priority_score(1, 3)
    (9, 4, 1)
    """
    for name, value in (("impact", impact), ("effort", effort)):
        if isinstance(value, bool) or value not in _LEVELS:
            raise ValueError(f"{name} must be 1, 2 or 3, not {value!r}")
    return int(impact) * (4 - int(effort))


def priority_label(score: int, language: str = "fr") -> str:
    """The priority level of a score, in ``language``: 6–9 priority, 3–4 to schedule,
    1–2 to consider.

    Examples
    --------
    >>> priority_label(6), priority_label(4), priority_label(2, "en")
    ('prioritaire', 'à programmer', 'to consider')
    """
    level = "high" if score >= PRIORITY_SCORE else "medium" if score >= 3 else "low"
    return i18n.translator(language)(f"actionplan.priority.{level}")


def lever_label(lever: str, language: str = "fr") -> str:
    """The name of an improvement lever in ``language`` (the code itself when unknown).

    Examples
    --------
    >>> lever_label("outils"), lever_label("transparence", "en")
    ('Outils et méthodes participatifs', 'Transparency of decisions')
    """
    if lever not in LEVERS:
        return str(lever)
    return i18n.translator(language)(f"actionplan.lever.{lever}")


# --------------------------------------------------------------------------- YAML schema

class Text(StrictModel):
    """A text in both report languages."""

    fr: str = Field(min_length=1)
    en: str = Field(min_length=1)


class SuggestedIndicator(StrictModel):
    indicator: str
    target: Any


class Recommendation(StrictModel):
    """One recommendation of the library (see ``data/reference/README.md``)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    lever: Lever
    title: Text
    description: Text
    addresses: list[str] = Field(min_length=1)
    impact: Literal[1, 2, 3]
    effort: Literal[1, 2, 3]
    owner: Text
    indicators: list[SuggestedIndicator] = Field(min_length=1)


class _LibraryFile(StrictModel):
    recommendations: list[Recommendation] = Field(min_length=1)


# --------------------------------------------------------------------------- the library

@dataclass(frozen=True)
class Library:
    """The recommendations of a library file, by id, in the file's order."""

    recommendations: tuple[Recommendation, ...]
    file: Path

    def __getitem__(self, recommendation_id: str) -> Recommendation:
        for recommendation in self.recommendations:
            if recommendation.id == recommendation_id:
                return recommendation
        raise KeyError(recommendation_id)

    def __contains__(self, recommendation_id) -> bool:
        return any(r.id == recommendation_id for r in self.recommendations)

    def __iter__(self) -> Iterator[Recommendation]:
        return iter(self.recommendations)

    def __len__(self) -> int:
        return len(self.recommendations)

    @property
    def ids(self) -> list[str]:
        return [r.id for r in self.recommendations]


def _library_path() -> Path:
    """The project's copy of the library, else the one in the source checkout."""
    return paths.reference_file(LIBRARY_FILE)


def _yaml_file(path: Path, shown: str) -> tuple[Any, yaml.Node]:
    return yamlsource.load(path, ActionPlanError, shown=shown,
                           missing="the library of recommendations does not exist")


def load_library(path: str | Path | None = None) -> Library:
    """Read and check a library of recommendations.

    Parameters
    ----------
    path : path, optional
        A YAML library; by default ``data/reference/recommandations.yml`` of the project
        (so that a consultancy can keep its own), else of the workbench's source checkout.

    Returns
    -------
    Library
        The recommendations, each with its suggested targets checked against the
        indicator's kind (percentages as ratios, dates as dates).

    Raises
    ------
    ActionPlanError
        Naming the file, line and column of each problem: not YAML, a key twice, an unknown
        or missing key, a lever, impact or effort out of range, an id twice, an indicator
        that is not in the registry, a target of the wrong type for its indicator.

    Examples
    --------
    >>> library = load_library()
    >>> len(library) >= 15, library["reponse_motivee"].lever
    (True, 'transparence')
    >>> library["reponse_motivee"].indicators[0].target
    1.0
    """
    path = Path(path) if path is not None else _library_path()
    shown = paths.display_path(path)
    raw, root = _yaml_file(path, shown)

    def where(*loc) -> dict:
        mark = yamlsource.location_mark(root, loc)
        return {"file": shown, "row": mark.line + 1 if mark else None,
                "column": mark.column + 1 if mark else None}

    if not isinstance(raw, dict):
        raise ActionPlanError("must be a mapping with one key, recommendations", file=shown,
                              row=1)
    try:
        parsed = _LibraryFile.model_validate(raw)
    except ValidationError as error:
        raise validation_problems(error, _LibraryFile, (), where) from None
    problems, seen, checked = [], set(), []
    for i, recommendation in enumerate(parsed.recommendations):
        if recommendation.id in seen:
            problems.append(ActionPlanError(
                f"recommendation id {recommendation.id!r} is used twice",
                **where("recommendations", i, "id")))
        seen.add(recommendation.id)
        suggested = []
        for j, item in enumerate(recommendation.indicators):
            entry = registry.indicator(item.indicator)
            if entry is None:
                problems.append(ActionPlanError(
                    f"recommendation {recommendation.id}: {unknown_indicator(item.indicator)}",
                    **where("recommendations", i, "indicators", j, "indicator")))
                continue
            try:
                target = checked_value(item.target, entry["kind"], item.indicator)
            except ValueError as error:
                problems.append(ActionPlanError(
                    f"recommendation {recommendation.id}: {error}",
                    **where("recommendations", i, "indicators", j, "target")))
                continue
            suggested.append(item.model_copy(update={"target": target}))
        checked.append(recommendation.model_copy(update={"indicators": suggested}))
    if problems:
        raise combine(problems)
    return Library(tuple(checked), path)


def recommend(findings: pd.DataFrame, library: Library | str | Path | None = None,
              language: str = "fr") -> pd.DataFrame:
    """The recommendations that answer the weaknesses found by the diagnostic.

    Parameters
    ----------
    findings : DataFrame
        As :func:`civeval.diagnosis.findings.diagnose` returns it; only ``rule`` and ``kind``
        (``strength`` or ``weakness``) are read.
    library : Library or path, optional
        By default :func:`load_library` ().
    language : {"fr", "en"}
        The language of titles, descriptions and priority levels.

    Returns
    -------
    DataFrame
        One row per recommendation answering at least one weakness: ``id``, ``lever`` (its
        code), ``title``, ``description``, ``addresses`` (every rule id it answers),
        ``answers`` (the rule ids of the weaknesses found that it answers, in the findings'
        order), ``impact``, ``effort``, ``score`` and ``priority`` (see the module notes).
        Sorted by score, then by the number of weaknesses answered, then in library order.

    Examples
    --------
    >>> findings = pd.DataFrame({"rule": ["proposals_answered", "implementation_high"],
    ...                          "kind": ["weakness", "strength"]})
    >>> table = recommend(findings)
    >>> table[["id", "answers", "score", "priority"]].head(2).to_dict("records")
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'id': 'reponse_motivee', 'answers': ['proposals_answered'], 'score': 9,
      'priority': 'prioritaire'},
     {'id': 'restitution_annuelle', 'answers': ['proposals_answered'], 'score': 6,
      'priority': 'prioritaire'}]
    """
    check_language(language)
    if not isinstance(library, Library):
        library = load_library(library)
    if len(findings):
        missing = [c for c in ("rule", "kind") if c not in findings.columns]
        if missing:
            raise ValueError(f"the findings need the column(s) {', '.join(missing)}")
        # A point of vigilance calls for action too: a level reached but declining.
        weaknesses = list(dict.fromkeys(findings.loc[findings["kind"].isin(
            ["weakness", "vigilance"]), "rule"].dropna()))
    else:
        weaknesses = []
    rows = []
    for order, recommendation in enumerate(library):
        answers = [rule for rule in weaknesses if rule in recommendation.addresses]
        if not answers:
            continue
        score = priority_score(recommendation.impact, recommendation.effort)
        rows.append({
            "id": recommendation.id, "lever": recommendation.lever,
            "title": getattr(recommendation.title, language),
            "description": getattr(recommendation.description, language),
            "addresses": list(recommendation.addresses), "answers": answers,
            "impact": recommendation.impact, "effort": recommendation.effort,
            "score": score, "priority": priority_label(score, language),
            "_answered": len(answers), "_order": order})
    table = pd.DataFrame(rows, columns=[*RECOMMENDATION_COLUMNS, "_answered", "_order"])
    table = table.sort_values(["score", "_answered", "_order"], ascending=[False, False, True],
                              kind="stable")
    return table.drop(columns=["_answered", "_order"]).reset_index(drop=True)
