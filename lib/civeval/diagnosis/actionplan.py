"""The action plan: the actions agreed in ``study.yml``, and their follow-up at the next wave.

Two steps follow the recommendations (:mod:`civeval.diagnosis.recommendations`):

1. **Plan.** The consultant accepts recommendations as they are, adapts them or writes new
   actions under ``action_plan:`` in ``study.yml``; :func:`action_plan` turns that into the
   table of actions (priority, owner, deadline, resources) and the table of follow-up
   indicators (baseline, target, date), and :func:`civeval.diagnosis.workbook.export_xlsx`
   into a workbook the client's services fill in. Actions are ranked by their priority
   score (:func:`civeval.diagnosis.recommendations.priority_score`).
2. **Follow up.** The study of the next evaluation wave names this one
   (``previous_wave: <slug>``); :func:`follow_up` sets each follow-up indicator's baseline
   and target beside the value measured now, and says whether the target is reached.

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
        - id: A2
          title: "…"                     # an action no recommendation calls for
          added_by_client: true          # says it was the client's own
          ...
      set_aside:                         # priority recommendations not taken up, and why
        - {recommendation: relancer_anciens_participants, reason: "…"}

Consistency
-----------
Checked with the plan, at validation (one :class:`ActionPlanError` at the line): an action
that traces to no recommendation (neither accepted nor ``from:``) must say it was added by
the client (``added_by_client: true``); an indicator may have only one target for one date;
a recommendation set aside (``set_aside:``) must exist and give its reason. Checked against
the diagnosis and the report's date, in the report (:func:`inconsistencies`): a deadline or
a target date already past, and a priority recommendation with neither an action nor a
reason to set it aside.

Targets (and baselines given by hand) must suit the indicator's kind in the registry
(:mod:`civeval.evidence.registry`): a percentage is a ratio between −1 and 1 (0.8 for
80 %), a number or an amount in euros is a number, a date is a date (see
:mod:`civeval.diagnosis.values`). Every mistake is one
:class:`~civeval.diagnosis.validation.ActionPlanError` naming the file, line and column.
"""

from __future__ import annotations

import datetime as dt
import math
from datetime import date
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import Field, ValidationError, field_validator

from civeval.diagnosis.recommendations import (
    LEVERS,
    PRIORITY_SCORE,
    Lever,
    Library,
    Recommendation,
    load_library,
    priority_label,
    priority_score,
)
from civeval.diagnosis.validation import (
    ActionPlanError,
    StrictModel,
    did_you_mean,
    unknown_indicator,
    validation_problems,
)
from civeval.diagnosis.values import as_date, checked_value, parse_date, recorded_value
from civeval.errors import InputError, combine
from civeval.evidence import registry, store
from civeval.workbench import paths
from civeval.workbench.study import Study, load_study

__all__ = [
    "ACTION_COLUMNS",
    "FOLLOW_UP_COLUMNS",
    "INDICATOR_COLUMNS",
    "action_plan",
    "follow_up",
    "inconsistencies",
    "set_aside",
    "target_reached",
]

ACTION_COLUMNS = ("id", "title", "lever", "impact", "effort", "score", "priority", "owner",
                  "deadline", "resources", "from_recommendation")
INDICATOR_COLUMNS = ("action", "indicator", "label", "kind", "baseline", "target", "date")
FOLLOW_UP_COLUMNS = (*INDICATOR_COLUMNS, "measured", "reached")


# --------------------------------------------------------------------------- YAML schema

def _text(value):
    # YAML reads an id such as 1 or a resource such as 5000 as numbers; they are labels.
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


def _blank_to_none(value):
    return None if isinstance(value, str) and not value.strip() else value


class _PlannedIndicator(StrictModel):
    indicator: str
    target: Any = None
    date: dt.date | None = None  # the field's name hides the type inside the class
    baseline: Any = None

    @field_validator("date", mode="before")
    @classmethod
    def _strict_date(cls, value):
        return as_date(value)


class _PlannedAction(StrictModel):
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
    added_by_client: bool = False  # an action of the client's own, no recommendation behind

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
        return as_date(value)


class _SetAside(StrictModel):
    recommendation: str = Field(min_length=1)
    reason: str = Field(min_length=1)

    @field_validator("reason", mode="before")
    @classmethod
    def _no_blank_reason(cls, value):
        return _blank_to_none(value)


class _ActionPlanConfig(StrictModel):
    deadline: date | None = None
    accept: list[str] = []
    actions: list[_PlannedAction] = []
    set_aside: list[_SetAside] = []

    @field_validator("deadline", mode="before")
    @classmethod
    def _strict_date(cls, value):
        return as_date(value)


# --------------------------------------------------------------------------- the action plan

def _plan_config(study: Study) -> _ActionPlanConfig:
    raw = study.config.action_plan
    try:
        return _ActionPlanConfig.model_validate(raw)
    except ValidationError as error:
        raise validation_problems(error, _ActionPlanConfig, ("action_plan",),
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
        The library that ``accept`` and ``from`` refer to; by default
        :func:`civeval.diagnosis.recommendations.load_library` ().

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
    figures = {key: record.value for key, record in study.evidence().items()}
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
                    + did_you_mean(recommendation_id, library.ids), "accept", k)
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
                        + did_you_mean(planned.from_, library.ids), *here, "from")
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
        if planned.from_ is None and not planned.added_by_client:
            problem(f"action {planned.id} traces to no recommendation: adapt one (from: "
                    "<recommendation id>) or say the client added it (added_by_client: true)",
                    *here, "id")
        actions.append(action)

    for k, item in enumerate(config.set_aside):
        if item.recommendation not in library:
            problem(f"action_plan.set_aside: no recommendation {item.recommendation!r} in the "
                    f"library {paths.display_path(library.file)}"
                    + did_you_mean(item.recommendation, library.ids),
                    "set_aside", k, "recommendation")
        elif item.recommendation in accepted or any(
                a.get("from_recommendation") == item.recommendation for a in actions):
            problem(f"recommendation {item.recommendation!r} is both set aside and taken up "
                    "by an action", "set_aside", k, "recommendation")

    rows = []
    targets: dict[tuple, list[tuple]] = {}
    for action in actions:
        for item in action.get("indicators") or []:
            keys = item["keys"]
            entry = registry.indicator(item["indicator"], language)
            if entry is None:
                problem(f"action {action['id']}: {unknown_indicator(item['indicator'])}",
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
                    values[field] = checked_value(value, kind, item["indicator"], field)
                except ValueError as error:
                    problem(f"action {action['id']}: {error}", *keys, field)
            baseline = values.get("baseline")
            if baseline is None:
                baseline = recorded_value(figures.get(item["indicator"]), kind)
            rows.append({"action": action["id"], "indicator": item["indicator"],
                         "label": entry["label"], "kind": kind, "baseline": baseline,
                         "target": values.get("target"), "date": item["date"]})
            targets.setdefault((item["indicator"], item["date"]), []).append(
                (values.get("target"), action["id"], keys))
    for (key, due), given in targets.items():
        first_target, first_action, _ = given[0]
        for target, action_id, keys in given[1:]:
            if target is not None and first_target is not None and target != first_target:
                problem(f"action {action_id}: indicator {key} already has the target "
                        f"{first_target!r} for {due or 'the same date'} (action {first_action}); "
                        "one indicator has one target per date", *keys, "target")
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


def set_aside(study: Study) -> dict[str, str]:
    """The recommendations the plan sets aside (``action_plan.set_aside``), each with why.

    Examples
    --------
    >>> sorted(set_aside(load_study("demo-saint-aubin")))
    ['cibler_publics_absents', 'diversifier_modes_participation', 'restitution_annuelle']
    """
    return {item.recommendation: item.reason for item in _plan_config(study).set_aside}


def inconsistencies(study: Study, actions: pd.DataFrame, indicators: pd.DataFrame,
                    recommendations: pd.DataFrame, on: date) -> list[str]:
    """What the report must flag in an action plan that passed validation: what only the
    report's date and the diagnosis can tell.

    Parameters
    ----------
    study : Study
        Gives the language of the messages and the recommendations set aside.
    actions, indicators : DataFrame
        As :func:`action_plan` returns them.
    recommendations : DataFrame
        As :func:`civeval.diagnosis.recommendations.recommend` returns them for the study's
        findings (``id``, ``title``, ``score``).
    on : date
        The report's date.

    Returns
    -------
    list of str
        One sentence per problem, in the report's language: an action whose deadline, or a
        follow-up indicator whose date, is already past on ``on``; a priority
        recommendation (score 6 or more) with neither an action nor a reason to set it
        aside.

    Examples
    --------
    >>> study = load_study("demo-saint-aubin")
    >>> actions = pd.DataFrame({"id": ["A1"], "title": ["Publier le suivi"],
    ...                         "deadline": [date(2026, 3, 31)], "from_recommendation": [None]})
    >>> indicators = pd.DataFrame({"action": [], "label": [], "date": []})
    >>> advice = pd.DataFrame({"id": ["reponse_motivee"], "title": ["Répondre"], "score": [9]})
    >>> for line in inconsistencies(study, actions, indicators, advice, date(2026, 12, 6)):
    ...     print(line)
    L'échéance de l'action « Publier le suivi » (31/03/2026) est déjà passée à la date du rapport (06/12/2026).
    La recommandation prioritaire « Répondre » n'a ni action ni raison de l'écarter.
    """  # noqa: E501
    from civeval.presentation import fmt

    t = study.t
    found = []
    titles = dict(zip(actions["id"], actions["title"], strict=True))
    deadlines = dict(zip(actions["id"], actions["deadline"], strict=True))
    for action in actions.itertuples():
        if action.deadline is not None and action.deadline < on:
            found.append(t("actionplan.past_deadline", action=action.title,
                           deadline=fmt.date(action.deadline), today=fmt.date(on)))
    for row in indicators.itertuples():
        # A target dated at its action's deadline is said once, with the action.
        if row.date is not None and row.date < on and row.date != deadlines.get(row.action):
            found.append(t("actionplan.past_target", indicator=row.label,
                           action=titles.get(row.action, row.action),
                           date=fmt.date(row.date), today=fmt.date(on)))
    taken = set(actions["from_recommendation"].dropna()) | set(actions["id"])
    reasons = set_aside(study)
    for advice in recommendations.itertuples():
        if advice.score >= PRIORITY_SCORE and advice.id not in taken | set(reasons):
            found.append(t("actionplan.priority_untaken", recommendation=advice.title))
    return found


# --------------------------------------------------------------------------- follow-up

def _comparable(value, kind: str):
    if kind == "date":
        converted = parse_date(value)
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
        raise ActionPlanError(f"previous_wave: no study {slug!r}" + did_you_mean(slug, known)
                              + f"; studies: {', '.join(known) or 'none'}", **where)
    previous = load_study(slug)
    mine, theirs = study.client, previous.client
    if (mine.country, mine.insee_code or mine.name) != (theirs.country,
                                                        theirs.insee_code or theirs.name):
        # Another client's figures would reach this client's report.
        raise ActionPlanError(
            f"previous_wave: study {slug!r} evaluates another client ({theirs.name}, "
            f"{theirs.insee_code or theirs.country}); the previous wave must be a study of "
            f"{mine.name} ({mine.insee_code or mine.country})", **where)
    evidence_file = previous.output_dir / store.EVIDENCE_FILE
    if not evidence_file.is_file():
        raise ActionPlanError(
            f"previous_wave: the report of study {slug!r} has not been run yet "
            f"({paths.display_path(evidence_file)} is missing); run it first: "
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
        The library the previous wave's plan refers to; by default
        :func:`civeval.diagnosis.recommendations.load_library` ().

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
    figures = {key: record.value for key, record in study.evidence().items()}
    rows = []
    for row in planned.to_dict("records"):
        entry = registry.indicator(row["indicator"], study.language)
        measured = recorded_value(figures.get(row["indicator"]), row["kind"])
        rows.append({**row, "label": entry["label"] if entry else row["label"],
                     "measured": measured,
                     "reached": target_reached(row["baseline"], row["target"], measured,
                                               row["kind"])})
    table = pd.DataFrame(rows, columns=list(FOLLOW_UP_COLUMNS)).astype(object)
    return table.where(table.notna(), None)
