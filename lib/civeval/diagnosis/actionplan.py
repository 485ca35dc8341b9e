"""Recommendations and the action plan: from the weaknesses found to actions someone runs.

Three steps follow the diagnostic (:mod:`civeval.diagnosis.grid`):

1. **Recommend.** A library of recommendations (``data/reference/recommandations.yml``,
   :func:`load_library`), organised by the improvement levers (``communication``, ``outils``,
   ``transparence``, ``organisation``), says which weaknesses each one answers;
   :func:`recommend` keeps those that answer the weaknesses found.
2. **Plan.** The consultant accepts recommendations as they are, adapts them or writes new
   actions under ``action_plan:`` in ``study.yml``; :func:`action_plan` turns that into the
   table of actions (priority, owner, deadline, resources) and the table of follow-up
   indicators (baseline, target, date), and :func:`export_xlsx` into a workbook the
   client's services fill in.
3. **Follow up.** The study of the next evaluation wave names this one
   (``previous_wave: <slug>``); :func:`follow_up` sets each follow-up indicator's baseline
   and target beside the value measured now, and says whether the target is reached.

Priority
--------
Each action has an impact and an effort from 1 (low) to 3 (high). Its **score** is
``impact × (4 − effort)``, from 1 to 9: impact counts for the gain, effort against it, both
on the same footing. Actions with a score of 6 or more (strong impact at low or moderate
effort, or moderate impact at low effort) are **priority** actions, 3 or 4 are **to
schedule**, 1 or 2 **to consider** (catalogue keys ``actionplan.priority.*``).

Defaults of an accepted recommendation
--------------------------------------
An accepted recommendation becomes an action whose id is the recommendation's, with the
library's title, lever, impact, effort, owner role and follow-up indicators and targets, in
the report's language. Its **deadline** is the plan's horizon, ``action_plan.deadline``,
when ``study.yml`` gives one, and is otherwise left empty for the client to set (the
workbook has the column): the workbench does not commit a client to a date, and a date
derived from the editions evaluated would often be past already. An action written with
``from: <id>`` adapts a recommendation: every field it does not give comes from these
defaults, and its ``indicators``, when given, replace the suggested ones. Any action
without a deadline takes the plan's horizon; a follow-up indicator without a date takes its
action's deadline; without a baseline, the value the study recorded for it (none when the
study has not recorded it).

The action plan in ``study.yml``
--------------------------------
.. code-block:: yaml

    action_plan:
      deadline: 2027-06-30               # optional: the plan's horizon, default deadline
      accept: [reponse_motivee, suivi_public_projets]
      actions:
        - id: A1
          from: cibler_publics_absents   # optional: the recommendation it adapts
          title: "…"                     # new actions need title, lever, impact, effort
          lever: transparence
          impact: 3
          effort: 1
          owner: "Service démocratie participative"   # every action needs an owner
          deadline: 2026-06-30
          resources: "0,2 ETP ; 5 000 €"
          indicators:                    # and at least one follow-up indicator
            - {indicator: implementation_rate, target: 0.8, date: 2027-12-31}

Targets (and baselines given by hand) must suit the indicator's kind in the registry
(:mod:`civeval.diagnosis.indicators`): a percentage is a ratio between −1 and 1 (0.8 for 80 %), a
number or an amount in euros is a number, a date is a date. Every mistake is one
:class:`ActionPlanError` naming the file, line and column.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal, get_args

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from civeval.diagnosis import indicators as registry
from civeval.errors import InputError
from civeval.presentation import i18n
from civeval.qual.analysis import _format_sheet, _sheet_names
from civeval.workbench import paths, yamlsource
from civeval.workbench.atomic import atomic_path
from civeval.workbench.study import Study, _locate, combine, load_study

__all__ = [
    "ACTION_COLUMNS",
    "FOLLOW_UP_COLUMNS",
    "INDICATOR_COLUMNS",
    "LEVERS",
    "LIBRARY_FILE",
    "RECOMMENDATION_COLUMNS",
    "ActionPlanError",
    "Library",
    "Recommendation",
    "action_plan",
    "export_xlsx",
    "follow_up",
    "lever_label",
    "load_library",
    "priority_label",
    "priority_score",
    "recommend",
    "target_reached",
]

Lever = Literal["communication", "outils", "transparence", "organisation"]
LEVERS: tuple[str, ...] = get_args(Lever)
LIBRARY_FILE = Path("data") / "reference" / "recommandations.yml"

RECOMMENDATION_COLUMNS = ("id", "lever", "title", "description", "addresses", "answers",
                          "impact", "effort", "score", "priority")
ACTION_COLUMNS = ("id", "title", "lever", "impact", "effort", "score", "priority", "owner",
                  "deadline", "resources", "from_recommendation")
INDICATOR_COLUMNS = ("action", "indicator", "label", "kind", "baseline", "target", "date")
FOLLOW_UP_COLUMNS = (*INDICATOR_COLUMNS, "measured", "reached")

_NUMERIC_KINDS = {"number", "percent", "euro", "p_value", "coefficient"}
_DATE_EXAMPLE = "a date such as 2026-06-30 (or 30/06/2026)"
_LEVELS = (1, 2, 3)


class ActionPlanError(InputError):
    """The library of recommendations or the action plan of ``study.yml`` is wrong."""


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
    level = "high" if score >= 6 else "medium" if score >= 3 else "low"
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


# --------------------------------------------------------------------------- values

def _french_date(value):
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        text = value.strip()
        for pattern, layout in ((r"^\d{4}-\d{2}-\d{2}$", "%Y-%m-%d"),
                                (r"^\d{1,2}/\d{1,2}/\d{4}$", "%d/%m/%Y")):
            if re.match(pattern, text):
                try:
                    return datetime.strptime(text, layout).date()
                except ValueError:
                    break
    return value


def _as_date(value):
    """``value`` as a date, or ValueError (pydantic would read 2026 as a Unix time)."""
    value = _french_date(value)
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    raise ValueError(f"{value!r} is not {_DATE_EXAMPLE}")


def _number_text(text: str) -> float | None:
    """The number a text such as ``"80 %"`` or ``"0,8"`` stands for, or None."""
    clean = text.replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    clean = clean.rstrip("%").replace(",", ".")
    try:
        return float(clean)
    except ValueError:
        return None


def _checked(value, kind: str, key: str, field: str = "target"):
    """``value`` as a value of an indicator of ``kind``; ValueError saying how to write it."""
    shown = f"{field} {value!r} of {key}"
    if kind in _NUMERIC_KINDS:
        if isinstance(value, str):
            number = _number_text(value)
            if number is None:
                raise ValueError(f"{shown} must be a number")
            if kind == "percent" and ("%" in value or abs(number) > 1):
                raise ValueError(f"{shown} must be a number, a ratio between 0 and 1: "
                                 f"write {number / 100:g} for {number:g} %")
            raise ValueError(f"{shown} must be a number: write {number:g}")
        if isinstance(value, bool) or not isinstance(value, int | float) or (
                isinstance(value, float) and not math.isfinite(value)):
            raise ValueError(f"{shown} must be a number")
        if kind == "percent" and abs(value) > 1:
            raise ValueError(f"{shown} is a percentage, written as a ratio between 0 and 1: "
                             f"write {value / 100:g} for {value:g} %")
        if kind == "p_value" and not 0 <= value <= 1:
            raise ValueError(f"{shown} is a p-value, between 0 and 1")
        return value
    if kind == "date":
        converted = _french_date(value)
        if isinstance(converted, date):
            return converted
        raise ValueError(f"{shown} must be {_DATE_EXAMPLE}")
    if isinstance(value, list | dict):
        raise ValueError(f"{shown} must be a text")
    return str(value)


def _recorded(value, kind: str):
    """A recorded figure as :func:`_checked` would hold it (dates are ISO text in JSON)."""
    if kind == "date" and value is not None:
        converted = _french_date(value)
        return converted if isinstance(converted, date) else value
    return value


# --------------------------------------------------------------------------- YAML schemas

class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Text(_Strict):
    """A text in both report languages."""

    fr: str = Field(min_length=1)
    en: str = Field(min_length=1)


class SuggestedIndicator(_Strict):
    indicator: str
    target: Any


class Recommendation(_Strict):
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


class _LibraryFile(_Strict):
    recommendations: list[Recommendation] = Field(min_length=1)


def _text(value):
    # YAML reads an id such as 1 or a resource such as 5000 as numbers; they are labels.
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


def _blank_to_none(value):
    return None if isinstance(value, str) and not value.strip() else value


class _PlannedIndicator(_Strict):
    indicator: str
    target: Any = None
    date: dt.date | None = None  # the field's name hides the type inside the class
    baseline: Any = None

    @field_validator("date", mode="before")
    @classmethod
    def _strict_date(cls, value):
        return _as_date(value)


class _PlannedAction(_Strict):
    id: str = Field(min_length=1)
    from_: str | None = Field(None, alias="from")
    title: str | None = None
    lever: Lever | None = None
    impact: Literal[1, 2, 3] | None = None
    effort: Literal[1, 2, 3] | None = None
    owner: str | None = None
    deadline: date | None = None
    resources: str | None = None
    indicators: list[_PlannedIndicator] | None = None

    @field_validator("id", "resources", "title", "owner", mode="before")
    @classmethod
    def _texts(cls, value):
        return _blank_to_none(_text(value))

    @field_validator("impact", "effort", mode="before")
    @classmethod
    def _levels(cls, value):
        # "impact: '3'" means 3, as a spreadsheet-minded user types it.
        return int(value) if isinstance(value, str) and value.strip() in ("1", "2", "3") else value

    @field_validator("deadline", mode="before")
    @classmethod
    def _strict_date(cls, value):
        return _as_date(value)


class _ActionPlanConfig(_Strict):
    deadline: date | None = None
    accept: list[str] = []
    actions: list[_PlannedAction] = []

    @field_validator("deadline", mode="before")
    @classmethod
    def _strict_date(cls, value):
        return _as_date(value)


def _fields_at(model: type[BaseModel], loc: tuple) -> list[str]:
    """The keys allowed in the mapping that holds ``loc`` (for "did you mean")."""
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        info = next((f for name, f in model.model_fields.items()
                     if (f.alias or name) == part), None)
        if info is None:
            return []
        stack, found = [info.annotation], None
        while stack and found is None:
            candidate = stack.pop()
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                found = candidate
            stack.extend(get_args(candidate))
        if found is None:
            return []
        model = found
    return [f.alias or name for name, f in model.model_fields.items()]


def _did_you_mean(word, choices) -> str:
    close = difflib.get_close_matches(str(word), list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


_SHAPES = {"model_type": "a mapping of keys", "dict_type": "a mapping of keys",
           "list_type": "a list", "string_type": "a text"}


def _problem_text(error: dict, model: type[BaseModel], prefix: tuple) -> str:
    loc = error["loc"]
    path = ".".join(str(part) for part in (*prefix, *loc))
    kind = error["type"]
    if kind == "extra_forbidden":
        where = ".".join(str(part) for part in (*prefix, *loc[:-1]))
        return (f"unknown key {loc[-1]!r} in {where}"
                + _did_you_mean(loc[-1], _fields_at(model, loc)))
    if kind == "missing":
        return f"missing required key {path!r}"
    if kind == "literal_error":
        choices = re.findall(r"'([^']*)'|(\d+)", error.get("ctx", {}).get("expected", ""))
        choices = [text or digits for text, digits in choices]
        value = error.get("input")
        return (f"{path}: {value!r} is not allowed; expected one of: {', '.join(choices)}"
                + _did_you_mean(value, choices))
    if kind in _SHAPES:
        return f"{path}: must be {_SHAPES[kind]}"
    return f"{path}: {error['msg'].removeprefix('Value error, ')}"


def _validation_problems(error: ValidationError, model, prefix: tuple, where) -> InputError:
    """One located error for every problem pydantic found (``where(*loc)`` locates)."""
    problems = [ActionPlanError(_problem_text(item, model, prefix), **where(*item["loc"]))
                for item in error.errors()]
    return combine(problems)


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


def _unknown_indicator(key: str) -> str:
    plain = [row["key"] for row in registry.known_indicators() if not row["pattern"]]
    return f"indicator {key!r} is not in the registry of indicators" + _did_you_mean(key, plain)


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
        mark = _locate(root, loc)
        return {"file": shown, "row": mark.line + 1 if mark else None,
                "column": mark.column + 1 if mark else None}

    if not isinstance(raw, dict):
        raise ActionPlanError("must be a mapping with one key, recommendations", file=shown,
                              row=1)
    try:
        parsed = _LibraryFile.model_validate(raw)
    except ValidationError as error:
        raise _validation_problems(error, _LibraryFile, (), where) from None
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
                    f"recommendation {recommendation.id}: {_unknown_indicator(item.indicator)}",
                    **where("recommendations", i, "indicators", j, "indicator")))
                continue
            try:
                target = _checked(item.target, entry["kind"], item.indicator)
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


def _check_language(language: str) -> None:
    if language not in i18n.LANGUAGES:
        raise ValueError(f"unknown report language {language!r}; expected one of "
                         f"{i18n.LANGUAGES}")


def recommend(findings: pd.DataFrame, library: Library | str | Path | None = None,
              language: str = "fr") -> pd.DataFrame:
    """The recommendations that answer the weaknesses found by the diagnostic.

    Parameters
    ----------
    findings : DataFrame
        As :func:`civeval.diagnosis.grid.diagnose` returns it; only ``rule`` and ``kind``
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
    >>> findings = pd.DataFrame({"rule": ["proposals_unanswered", "implementation_high"],
    ...                          "kind": ["weakness", "strength"]})
    >>> table = recommend(findings)
    >>> table[["id", "answers", "score", "priority"]].head(2).to_dict("records")
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'id': 'reponse_motivee', 'answers': ['proposals_unanswered'], 'score': 9,
      'priority': 'prioritaire'},
     {'id': 'restitution_annuelle', 'answers': ['proposals_unanswered'], 'score': 6,
      'priority': 'prioritaire'}]
    """
    _check_language(language)
    if not isinstance(library, Library):
        library = load_library(library)
    if len(findings):
        missing = [c for c in ("rule", "kind") if c not in findings.columns]
        if missing:
            raise ValueError(f"the findings need the column(s) {', '.join(missing)}")
        weaknesses = list(dict.fromkeys(findings.loc[findings["kind"] == "weakness", "rule"]))
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


# --------------------------------------------------------------------------- the action plan

def _plan_config(study: Study) -> _ActionPlanConfig:
    raw = study.config.action_plan
    try:
        return _ActionPlanConfig.model_validate(raw)
    except ValidationError as error:
        raise _validation_problems(error, _ActionPlanConfig, ("action_plan",),
                                   lambda *loc: study.where("action_plan", *loc)) from None


def action_plan(study: Study, library: Library | str | Path | None = None
                ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The action plan of ``study.yml`` (``action_plan:``), checked and completed.

    Parameters
    ----------
    study : Study
        Its ``action_plan`` is read; its recorded figures give the baselines, its language
        the texts of accepted recommendations and priority levels.
    library : Library or path, optional
        The library that ``accept`` and ``from`` refer to; by default :func:`load_library` ().

    Returns
    -------
    actions : DataFrame
        ``id``, ``title``, ``lever`` (code), ``impact``, ``effort``, ``score``, ``priority``,
        ``owner``, ``deadline`` (date or None), ``resources`` (text or None) and
        ``from_recommendation`` (the recommendation accepted or adapted, or None), sorted by
        score then impact, then in the order of ``study.yml`` (accepted ones first).
    indicators : DataFrame
        One row per follow-up indicator of each action, in the order of the actions:
        ``action`` (its id), ``indicator`` (registry key), ``label`` (registry label),
        ``kind``, ``baseline`` (given, else the recorded value, else None), ``target``,
        ``date`` (given, else the action's deadline).

    Raises
    ------
    ActionPlanError
        Located at ``study.yml``'s line and column: an unknown key or a value out of range;
        an accepted or adapted recommendation the library lacks; an action id twice; a
        new action without title, lever, impact or effort; an action without owner or
        follow-up indicator; an indicator not in the registry; a target or baseline of the
        wrong type for its indicator (a percentage as 80 instead of 0.8, a text for a
        number); a date that is not a date. All problems are listed in one error.

    Examples
    --------
    >>> import tempfile, textwrap
    >>> folder = Path(tempfile.mkdtemp()) / "exemple"
    >>> folder.mkdir()
    >>> _ = (folder / "study.yml").write_text(textwrap.dedent('''\\
    ...     title: Exemple
    ...     client: {name: Testville, kind: commune, insee_code: "35238", population: 12000}
    ...     schemes:
    ...       - name: Budget participatif
    ...         type: budget participatif
    ...         editions: [{label: "2024", start: 2024-03-01, end: 2024-10-31}]
    ...     action_plan:
    ...       deadline: 2026-06-30
    ...       accept: [reponse_motivee]
    ...     '''), encoding="utf-8")
    >>> study = load_study(folder, output_dir=folder / "rapport")
    >>> actions, indicators = action_plan(study)
    >>> actions.loc[0, ["id", "priority", "owner", "deadline"]].tolist()
    ['reponse_motivee', 'prioritaire', 'Service démocratie participative', datetime.date(2026, 6, 30)]
    >>> indicators.loc[0, ["indicator", "kind", "baseline", "target"]].tolist()
    ['answer_rate', 'percent', None, 1.0]
    """  # noqa: E501
    config = _plan_config(study)
    if not isinstance(library, Library):
        library = load_library(library)
    language = study.language
    figures = study.indicators()
    deadline = config.deadline
    problems: list[InputError] = []

    def problem(message: str, *keys) -> None:
        problems.append(ActionPlanError(message, **study.where("action_plan", *keys)))

    def suggested(recommendation: Recommendation, due: date | None, keys: tuple) -> list[dict]:
        return [{"indicator": item.indicator, "target": item.target, "date": due,
                 "baseline": None, "keys": keys} for item in recommendation.indicators]

    actions: list[dict] = []
    accepted: dict[str, int] = {}
    for k, recommendation_id in enumerate(config.accept):
        if recommendation_id not in library:
            problem(f"action_plan.accept: no recommendation {recommendation_id!r} in the "
                    f"library {paths.display_path(library.file)}"
                    + _did_you_mean(recommendation_id, library.ids), "accept", k)
            continue
        if recommendation_id in accepted:
            problem(f"recommendation {recommendation_id!r} is accepted twice", "accept", k)
            continue
        accepted[recommendation_id] = k
        recommendation = library[recommendation_id]
        actions.append({
            "id": recommendation.id, "title": getattr(recommendation.title, language),
            "lever": recommendation.lever, "impact": recommendation.impact,
            "effort": recommendation.effort, "owner": getattr(recommendation.owner, language),
            "deadline": deadline, "resources": None, "from_recommendation": recommendation.id,
            "indicators": suggested(recommendation, deadline, ("accept", k))})

    ids = dict.fromkeys(accepted, "accept")
    for i, planned in enumerate(config.actions):
        here = ("actions", i)
        if planned.id in ids:
            problem(f"action id {planned.id!r} is used twice"
                    + (" (an accepted recommendation has that id)"
                       if ids[planned.id] == "accept" else ""), *here, "id")
        ids.setdefault(planned.id, "action")
        base: dict[str, Any] = {}
        if planned.from_ is not None:
            if planned.from_ not in library:
                problem(f"action {planned.id}: from: no recommendation {planned.from_!r} in "
                        f"the library {paths.display_path(library.file)}"
                        + _did_you_mean(planned.from_, library.ids), *here, "from")
            else:
                if planned.from_ in accepted:
                    problem(f"recommendation {planned.from_!r} is both accepted as it is and "
                            f"adapted by action {planned.id}: remove it from accept",
                            *here, "from")
                recommendation = library[planned.from_]
                due = planned.deadline or deadline
                base = {"title": getattr(recommendation.title, language),
                        "lever": recommendation.lever, "impact": recommendation.impact,
                        "effort": recommendation.effort,
                        "owner": getattr(recommendation.owner, language),
                        "deadline": due,
                        "indicators": suggested(recommendation, due, (*here, "from"))}
        given = {name: getattr(planned, name)
                 for name in ("title", "lever", "impact", "effort", "owner", "deadline")
                 if getattr(planned, name) is not None}
        action = {"id": planned.id, "resources": planned.resources,
                  "from_recommendation": planned.from_ if base else None,
                  "deadline": deadline, **base, **given}
        # An unknown "from" is reported once, not again for each field it would have given.
        unresolved = planned.from_ is not None and not base
        for name, hint in (("title", ""), ("lever", f" (one of: {', '.join(LEVERS)})"),
                           ("impact", " (1, 2 or 3)"), ("effort", " (1, 2 or 3)")):
            if action.get(name) is None and not unresolved:
                problem(f"action {planned.id} has no {name}{hint}", *here, name)
        if action.get("owner") is None and not unresolved:
            problem(f"action {planned.id} has no owner: give the service or role in charge "
                    "(owner: ...)", *here, "owner")
        if planned.indicators is not None:
            action["indicators"] = [
                {"indicator": item.indicator, "target": item.target,
                 "date": item.date or action["deadline"], "baseline": item.baseline,
                 "keys": (*here, "indicators", j)}
                for j, item in enumerate(planned.indicators)]
        if not action.get("indicators") and not unresolved:
            problem(f"action {planned.id} has no follow-up indicator: give at least one "
                    "under indicators (indicator, target, date)", *here, "indicators")
        actions.append(action)

    rows = []
    for action in actions:
        for item in action.get("indicators") or []:
            keys = item["keys"]
            entry = registry.indicator(item["indicator"], language)
            if entry is None:
                problem(f"action {action['id']}: {_unknown_indicator(item['indicator'])}",
                        *keys, "indicator")
                continue
            kind = entry["kind"]
            values = {}
            for field in ("target", "baseline"):
                value = item[field]
                if value is None:
                    if field == "target":
                        problem(f"action {action['id']}: indicator {item['indicator']} has no "
                                "target", *keys, "target")
                    continue
                try:
                    values[field] = _checked(value, kind, item["indicator"], field)
                except ValueError as error:
                    problem(f"action {action['id']}: {error}", *keys, field)
            baseline = values.get("baseline")
            if baseline is None:
                baseline = _recorded(figures.get(item["indicator"], {}).get("value"), kind)
            rows.append({"action": action["id"], "indicator": item["indicator"],
                         "label": entry["label"], "kind": kind, "baseline": baseline,
                         "target": values.get("target"), "date": item["date"]})
    if problems:
        # Read from the top of study.yml down, as the user will fix them.
        raise combine(sorted(problems, key=lambda p: (p.row or 0, p.column or 0)))

    for position, action in enumerate(actions):
        action["score"] = priority_score(action["impact"], action["effort"])
        action["priority"] = priority_label(action["score"], language)
        action["_order"] = position
    table = pd.DataFrame(actions, columns=[*ACTION_COLUMNS, "_order"])
    table = table.sort_values(["score", "impact", "_order"], ascending=[False, False, True],
                              kind="stable").drop(columns="_order").reset_index(drop=True)
    table = table.astype(object).where(table.notna(), None).astype(
        {"impact": int, "effort": int, "score": int})
    order = {action_id: position for position, action_id in enumerate(table["id"])}
    followed = pd.DataFrame(rows, columns=list(INDICATOR_COLUMNS))
    followed = followed.sort_values("action", key=lambda s: s.map(order), kind="stable")
    followed = followed.reset_index(drop=True).astype(object)
    return table, followed.where(followed.notna(), None)


# --------------------------------------------------------------------------- follow-up

def _comparable(value, kind: str):
    if kind == "date":
        converted = _french_date(value)
        return converted if isinstance(converted, date) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def target_reached(baseline, target, measured, kind: str = "number") -> bool | None:
    """Whether ``measured`` has moved from ``baseline`` to or past ``target``.

    The target may lie above the baseline (a rate to raise) or below it (an abandonment
    rate to lower); equal to it, the value must be kept exactly. A text target is reached
    when the measured text is the same.

    Returns
    -------
    bool or None
        None when nothing was measured, or when the baseline is unknown (the direction
        of the target is then unknown too).

    Examples
    --------
    >>> target_reached(0.54, 0.8, 0.83), target_reached(0.15, 0.05, 0.08)
    (True, False)
    >>> target_reached(0.15, 0.05, None), target_reached(None, 0.8, 0.9)
    (None, None)
    """
    if measured is None or target is None:
        return None
    if kind == "text":
        return str(measured) == str(target)
    baseline, target, measured = (_comparable(v, kind) for v in (baseline, target, measured))
    if baseline is None or target is None or measured is None:
        return None
    if kind != "date" and math.isclose(measured, target, rel_tol=1e-9, abs_tol=1e-12):
        return True
    if target > baseline:
        return measured >= target
    if target < baseline:
        return measured <= target
    return measured == target


def _previous_study(study: Study) -> Study:
    slug = study.config.previous_wave
    where = study.where("previous_wave")
    if slug == study.slug:
        raise ActionPlanError(f"previous_wave: {slug!r} is this study; name the study of the "
                              "previous evaluation wave", **where)
    known = [s for s in paths.list_studies() if s != study.slug]
    if slug not in known:
        raise ActionPlanError(f"previous_wave: no study {slug!r}" + _did_you_mean(slug, known)
                              + f"; studies: {', '.join(known) or 'none'}", **where)
    previous = load_study(slug)
    if not previous.indicators_file.is_file():
        raise ActionPlanError(
            f"previous_wave: the report of study {slug!r} has not been run yet "
            f"({paths.display_path(previous.indicators_file)} is missing); run it first: "
            f"civeval run {slug}", **where)
    return previous


def follow_up(study: Study, library: Library | str | Path | None = None
              ) -> pd.DataFrame | None:
    """Each follow-up indicator of the previous wave's action plan, measured now.

    Parameters
    ----------
    study : Study
        A study whose ``study.yml`` may name ``previous_wave: <slug>``.
    library : Library or path, optional
        The library the previous wave's plan refers to; by default :func:`load_library` ().

    Returns
    -------
    DataFrame or None
        None when the study names no previous wave. Otherwise one row per follow-up
        indicator of the previous wave's plan (:func:`action_plan` of that study, whose
        baselines are its own recorded figures): ``action``, ``indicator``, ``label`` (in
        this study's language), ``kind``, ``baseline``, ``target``, ``date``, ``measured``
        (this study's recorded value, or None) and ``reached`` (:func:`target_reached`).

    Raises
    ------
    ActionPlanError
        At ``previous_wave`` in ``study.yml``: a study that does not exist (the message
        lists the known ones), or one whose report has not been run yet. Errors in the
        previous wave's own action plan are located in its ``study.yml``.

    Examples
    --------
    >>> follow_up(load_study("demo-saint-aubin")) is None
    True
    """
    if study.config.previous_wave is None:
        return None
    previous = _previous_study(study)
    _, planned = action_plan(previous, library)
    figures = study.indicators()
    rows = []
    for row in planned.to_dict("records"):
        entry = registry.indicator(row["indicator"], study.language)
        measured = _recorded(figures.get(row["indicator"], {}).get("value"), row["kind"])
        rows.append({**row, "label": entry["label"] if entry else row["label"],
                     "measured": measured,
                     "reached": target_reached(row["baseline"], row["target"], measured,
                                               row["kind"])})
    table = pd.DataFrame(rows, columns=list(FOLLOW_UP_COLUMNS)).astype(object)
    return table.where(table.notna(), None)


# --------------------------------------------------------------------------- export

_PROGRESS = ("not_started", "in_progress", "done", "abandoned")
_EXTRA_ROWS = 100  # rows below the plan where the services may add actions
_FORMATS = {"percent": "0.0%", "euro": '#,##0 "€"', "p_value": "0.000",
            "coefficient": "0.00", "date": "dd/mm/yyyy"}
_DATE_FORMAT = "dd/mm/yyyy"


def _day(value):
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp | datetime):
        return value.date()
    converted = _french_date(value)
    return converted if isinstance(converted, date) else value


def _cell(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def export_xlsx(actions: pd.DataFrame, indicators: pd.DataFrame, path: str | Path,
                language: str = "fr") -> Path:
    """Write the action plan to a workbook the client's services can fill in, atomically.

    Parameters
    ----------
    actions, indicators : DataFrame
        As :func:`action_plan` returns them.
    path : path
        The ``.xlsx`` file to write; its folder is created if needed.
    language : {"fr", "en"}
        The language of sheet names, headers, levers, priority levels and progress choices.

    Returns
    -------
    Path
        ``path``.

    Notes
    -----
    Sheet "Actions" has one row per action and two blank columns to fill in, progress
    (with a drop-down list: not started, in progress, done, abandoned, on the plan's rows
    and 100 more) and comment. Sheet "Indicateurs de suivi" ("Follow-up indicators") has
    the baseline, target and target date, and two blank columns, measured value and date
    of measurement. Percentages are formatted as percentages (baseline, target and the
    blank measured value of a percentage indicator alike), euros in euros, dates as
    dates; the header is bold and frozen, columns as wide as their content (at most 60
    characters), as :func:`civeval.qual.analysis.export_xlsx` does.

    Examples
    --------
    >>> import tempfile, openpyxl
    >>> actions = pd.DataFrame([{"id": "A1", "title": "Répondre", "lever": "transparence",
    ...     "impact": 3, "effort": 1, "owner": "Service participation",
    ...     "deadline": date(2026, 6, 30), "resources": None, "from_recommendation": None}])
    >>> followed = pd.DataFrame([{"action": "A1", "indicator": "answer_rate",
    ...     "label": "Part des propositions ayant reçu une réponse", "kind": "percent",
    ...     "baseline": 0.54, "target": 1.0, "date": date(2026, 6, 30)}])
    >>> path = export_xlsx(actions, followed, Path(tempfile.mkdtemp()) / "plan.xlsx")
    >>> book = openpyxl.load_workbook(path)
    >>> book.sheetnames, book["Indicateurs de suivi"]["E2"].number_format
    (['Actions', 'Indicateurs de suivi'], '0.0%')
    """
    _check_language(language)
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise ValueError(f"the workbook must be an .xlsx file, not {path.name!r}")
    for table, columns in ((actions, ACTION_COLUMNS), (indicators, INDICATOR_COLUMNS)):
        needed = [c for c in columns if c not in ("score", "priority")]
        missing = [c for c in needed if c not in table.columns]
        if missing:
            raise ValueError(f"the table lacks the column(s) {', '.join(missing)}")
    t = i18n.translator(language)
    header = {name: t(f"actionplan.column.{name}") for name in (
        "id", "title", "lever", "priority", "impact", "effort", "owner", "deadline",
        "resources", "recommendation", "progress", "comment", "action", "indicator", "key",
        "baseline", "target", "target_date", "measured", "measured_on")}
    sheet_actions = pd.DataFrame({
        header["id"]: actions["id"].astype(object),
        header["title"]: actions["title"],
        header["lever"]: [lever_label(lever, language) for lever in actions["lever"]],
        header["priority"]: [priority_label(priority_score(int(i), int(e)), language)
                             for i, e in zip(actions["impact"], actions["effort"],
                                             strict=True)],
        header["impact"]: actions["impact"].astype(int),
        header["effort"]: actions["effort"].astype(int),
        header["owner"]: actions["owner"],
        header["deadline"]: [_day(d) for d in actions["deadline"]],
        header["resources"]: [_cell(v) for v in actions["resources"]],
        header["recommendation"]: [_cell(v) for v in actions["from_recommendation"]],
        header["progress"]: [None] * len(actions),
        header["comment"]: [None] * len(actions)})
    kinds = list(indicators["kind"])
    sheet_indicators = pd.DataFrame({
        header["action"]: indicators["action"].astype(object),
        header["indicator"]: indicators["label"],
        header["key"]: indicators["indicator"],
        header["baseline"]: [_day(v) if k == "date" else _cell(v)
                             for v, k in zip(indicators["baseline"], kinds, strict=True)],
        header["target"]: [_day(v) if k == "date" else _cell(v)
                           for v, k in zip(indicators["target"], kinds, strict=True)],
        header["target_date"]: [_day(d) for d in indicators["date"]],
        header["measured"]: [None] * len(indicators),
        header["measured_on"]: [None] * len(indicators)})
    names = _sheet_names([t("actionplan.sheet.actions"), t("actionplan.sheet.indicators")])
    with atomic_path(path) as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        for name, table in zip(names, (sheet_actions, sheet_indicators), strict=True):
            table.to_excel(writer, sheet_name=name, index=False)
            _format_sheet(writer.sheets[name], table, index=False)
        _finish_actions(writer.sheets[names[0]], sheet_actions, header, t)
        _finish_indicators(writer.sheets[names[1]], sheet_indicators, header, kinds)
    return path


def _column_of(table: pd.DataFrame, name: str) -> int:
    return list(table.columns).index(name) + 1


def _finish_actions(sheet, table: pd.DataFrame, header: dict, t) -> None:
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    column = _column_of(table, header["deadline"])
    for row in range(2, len(table) + 2):
        sheet.cell(row=row, column=column).number_format = _DATE_FORMAT
    letter = get_column_letter(_column_of(table, header["progress"]))
    choices = ",".join(t(f"actionplan.status.{status}") for status in _PROGRESS)
    validation = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=True,
                                showErrorMessage=True)
    validation.add(f"{letter}2:{letter}{len(table) + 1 + _EXTRA_ROWS}")
    sheet.add_data_validation(validation)


def _finish_indicators(sheet, table: pd.DataFrame, header: dict, kinds: list[str]) -> None:
    columns = {name: _column_of(table, header[name])
               for name in ("baseline", "target", "measured", "target_date", "measured_on")}
    for row, kind in enumerate(kinds, start=2):
        if kind in _FORMATS:
            for name in ("baseline", "target", "measured"):
                sheet.cell(row=row, column=columns[name]).number_format = _FORMATS[kind]
        for name in ("target_date", "measured_on"):
            sheet.cell(row=row, column=columns[name]).number_format = _DATE_FORMAT
