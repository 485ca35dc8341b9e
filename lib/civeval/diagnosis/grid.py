"""The diagnostic grid: strengths and weaknesses of a scheme per criterion and phase.

A grid (``data/reference/grille_diagnostic.yml`` by default, or the study's own with
``diagnostic: {grid: data/ma_grille.yml}`` in ``study.yml``) holds the three phases of a
scheme and their expected outputs, the keys to success and points of vigilance, the OECD
stages of deliberative processes, the French evaluation criteria, and **rules**: automatic
checks over the key figures the report sections record (``indicators.json``, see
:mod:`civeval.diagnosis.indicators`). The consultant adds assessments of their own in ``study.yml``
(``diagnostic: {assessments: [...]}``) or in an XLSX grid (``diagnostic:
{assessments_file: data/grille.xlsx}``).

Every finding cites its evidence: for a rule, the indicator, its value, the threshold, the
section that recorded it and the threshold's source; for an assessment, what the consultant
wrote in ``evidence``.
"""

from __future__ import annotations

import operator as op
import re
import string
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from civeval.diagnosis import indicators
from civeval.errors import InputError
from civeval.presentation import fmt, i18n
from civeval.workbench import paths, yamlsource

GRID_FILE = Path("data/reference/grille_diagnostic.yml")
LANGUAGES = ("fr", "en")
KINDS = ("strength", "weakness")
OPERATORS = {"<": op.lt, "<=": op.le, ">": op.gt, ">=": op.ge, "==": op.eq}
# How the evidence shows each operator to readers.
SYMBOLS = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "="}
COLUMNS = ["rule", "criterion", "phase", "oecd_stage", "kind", "finding", "indicator",
           "label", "value", "value_kind", "threshold", "operator", "section", "source",
           "reference", "evidence"]
# Columns whose missing values stay None (pandas would turn them into NaN next to text).
_OPTIONAL = ["rule", "phase", "oecd_stage", "indicator", "label", "value", "value_kind",
             "threshold", "operator", "section"]
SCORE_BY = {"criterion": "criteria", "phase": "phases", "oecd_stage": "oecd_stages"}
STUDY_KEYS = ("grid", "assessments", "assessments_file", "sheet")
ASSESSMENT_KEYS = ("id", "criterion", "phase", "oecd_stage", "kind", "finding", "evidence")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_KIND_NAMES = {"strength": "strength", "force": "strength", "point fort": "strength",
               "weakness": "weakness", "faiblesse": "weakness", "point faible": "weakness"}
# XLSX headers (French first, English accepted), compared without case nor accents.
_XLSX_HEADERS = {"critere": "criterion", "criterion": "criterion", "phase": "phase",
                 "etape": "phase", "type": "kind", "kind": "kind", "constat": "finding",
                 "finding": "finding", "source": "evidence", "evidence": "evidence",
                 "preuve": "evidence", "preuves": "evidence", "id": "id",
                 "oecd_stage": "oecd_stage", "etape ocde": "oecd_stage"}


class GridError(InputError):
    """A diagnostic grid, or the diagnostic part of ``study.yml``, is not valid."""


class AssessmentError(InputError):
    """A consultant's assessment (``study.yml`` or XLSX grid) is not valid."""


@dataclass(frozen=True)
class Condition:
    """``indicator operator threshold``, e.g. ``turnout_rate < 0.04``."""

    indicator: str
    operator: str
    threshold: float | str


@dataclass(frozen=True)
class Outcome:
    """What a rule says: strength or weakness, and the finding in each language."""

    kind: str
    finding: dict[str, str]


@dataclass(frozen=True)
class Rule:
    """An automatic check over recorded indicators (all conditions must hold)."""

    id: str
    criterion: str
    phase: str
    oecd_stage: str | None
    conditions: tuple[Condition, ...]
    source: str
    outcome: Outcome
    otherwise: Outcome | None = None
    concerns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Grid:
    """A validated diagnostic grid (see :func:`load_grid`)."""

    path: Path
    title: dict[str, str]
    criteria: dict[str, dict]
    phases: dict[str, dict]
    oecd_stages: dict[str, dict]
    keys_to_success: list[dict]
    points_of_vigilance: list[dict]
    rules: tuple[Rule, ...]
    sources: list[dict] = field(default_factory=list)

    def label(self, part: str, key: str | None, language: str = "fr") -> str | None:
        """The name of a criterion, phase or OECD stage (``part`` = ``criteria``,
        ``phases`` or ``oecd_stages``) in ``language``; None for None."""
        if key is None:
            return None
        return getattr(self, part)[key]["label"][language]

    def criterion_id(self, text) -> str | None:
        """The criterion ``text`` names (its id, label or an alias, any case or accents)."""
        return _resolve(self.criteria, text)

    def phase_id(self, text) -> str | None:
        """The phase ``text`` names (its id, label or an alias, any case or accents)."""
        return _resolve(self.phases, text)

    def oecd_stage_id(self, text) -> str | None:
        """The OECD stage ``text`` names (its id or label, any case or accents)."""
        return _resolve(self.oecd_stages, text)


def _fold(text) -> str:
    """Lower case without accents, separators as spaces: "Décision_suivi" → "decision suivi"."""
    plain = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[_\-'’]", " ", plain).lower().split())


def _resolve(entries: Mapping[str, dict], text) -> str | None:
    if text is None:
        return None
    wanted = _fold(text)
    for key, entry in entries.items():
        names = [key, *entry.get("label", {}).values(), *entry.get("aliases", [])]
        if wanted in {_fold(name) for name in names}:
            return key
    return None


# ----------------------------------------------------------------------------- locating

class _Checker:
    """Raises located :class:`GridError`s while a grid file is validated."""

    def __init__(self, file: Path, root):
        self.file, self.root = file, root

    def error(self, message: str, *path) -> GridError:
        mark = yamlsource.mark(self.root, path)
        return GridError(message, file=paths.display_path(self.file),
                         row=mark.line + 1 if mark else None,
                         column=mark.column + 1 if mark else None)

    def mapping(self, value, *path, allowed=None, required=()) -> dict:
        if not isinstance(value, dict):
            raise self.error("must be a mapping (key: value lines)", *path)
        for key in value:
            if allowed is not None and key not in allowed:
                raise self.error(f"unknown key {key!r}; expected one of {', '.join(allowed)}",
                                 *path, key)
        for key in required:
            if value.get(key) in (None, "", [], {}):
                raise self.error(f"{key!r} is missing", *path)
        return value

    def texts(self, value, *path) -> dict[str, str]:
        """A ``{fr, en}`` pair of non-empty texts."""
        self.mapping(value, *path, allowed=LANGUAGES)
        for language in LANGUAGES:
            if not isinstance(value.get(language), str) or not value[language].strip():
                raise self.error(f"needs a text in {language!r}", *path)
        return {language: value[language].strip() for language in LANGUAGES}

    def listing(self, value, *path) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error("must be a list", *path)
        return value


def _read_yaml(file: Path):
    raw, root = yamlsource.load(file, GridError, shown=paths.display_path(file))
    if root is None:
        raise GridError("the diagnostic grid is empty", file=paths.display_path(file))
    return raw, root


# ----------------------------------------------------------------------------- the grid

def reference_grid_path() -> Path:
    """The project's copy of the reference grid, else the one in the source checkout."""
    return paths.reference_file(GRID_FILE)


def load_grid(path: str | Path | None = None) -> Grid:
    """Read and validate a diagnostic grid.

    Parameters
    ----------
    path : path, optional
        A grid file; the reference grid ``data/reference/grille_diagnostic.yml`` by default
        (found in the project root, else in the source checkout).

    Returns
    -------
    Grid
        Criteria, phases and OECD stages (each with ``label: {fr, en}``), keys to success,
        points of vigilance and rules, in the file's order.

    Raises
    ------
    GridError
        With the file, line and column of the first problem: a rule whose indicator no
        section records (not in :mod:`civeval.diagnosis.indicators`), an unknown criterion, phase,
        OECD stage or operator, a threshold of the wrong type, a finding with an unknown
        placeholder, a duplicate rule id…

    Examples
    --------
    >>> grid = load_grid()
    >>> list(grid.phases)
    ['cadrage', 'travail_collectif', 'decision_suivi']
    >>> rule = next(r for r in grid.rules if r.id == "turnout_below_median")
    >>> rule.conditions[0], rule.outcome.kind, rule.otherwise.kind
    (Condition(indicator='turnout_rate', operator='<', threshold=0.04), 'weakness', 'strength')
    """
    file = Path(path) if path is not None else reference_grid_path()
    if not file.is_file():
        raise GridError("the diagnostic grid does not exist", file=paths.display_path(file))
    raw, root = _read_yaml(file)
    check = _Checker(file, root)
    check.mapping(raw, allowed=("title", "sources", "criteria", "phases", "oecd_stages",
                                "keys_to_success", "points_of_vigilance", "rules"),
                  required=("criteria", "phases", "rules"))
    title = check.texts(raw["title"], "title") if raw.get("title") else {"fr": "", "en": ""}
    criteria = _named_parts(check, raw, "criteria", ("label", "question", "aliases"))
    phases = _named_parts(check, raw, "phases",
                          ("label", "stake", "expected_outputs", "aliases"))
    oecd_stages = _named_parts(check, raw, "oecd_stages", ("label", "description"))
    concerns = {}
    lists = {}
    for part in ("keys_to_success", "points_of_vigilance"):
        lists[part] = []
        for i, item in enumerate(check.listing(raw.get(part), part)):
            check.mapping(item, part, i, allowed=("id", "phase", "fr", "en"),
                          required=("id", "fr", "en"))
            if item.get("phase") is not None and item["phase"] not in phases:
                raise check.error(f"unknown phase {item['phase']!r}; phases: "
                                  f"{', '.join(phases)}", part, i, "phase")
            concerns[item["id"]] = part
            lists[part].append({"id": item["id"], "phase": item.get("phase"),
                                "fr": item["fr"], "en": item["en"]})
    sources = [check.mapping(item, "sources", i, allowed=("id", "text"), required=("text",))
               for i, item in enumerate(check.listing(raw.get("sources"), "sources"))]
    grid = Grid(path=file, title=title, criteria=criteria, phases=phases,
                oecd_stages=oecd_stages, rules=(), sources=sources, **lists)
    rules, seen = [], set()
    for i, item in enumerate(check.listing(raw["rules"], "rules")):
        rule = _rule(check, grid, concerns, item, i)
        if rule.id in seen:
            raise check.error(f"the rule id {rule.id!r} is used twice", "rules", i, "id")
        seen.add(rule.id)
        rules.append(rule)
    return replace(grid, rules=tuple(rules))


def _named_parts(check: _Checker, raw: dict, part: str, allowed: tuple) -> dict[str, dict]:
    entries = check.mapping(raw.get(part) or {}, part)
    parsed = {}
    for key, entry in entries.items():
        check.mapping(entry, part, key, allowed=allowed, required=("label",))
        parsed[key] = {"label": check.texts(entry["label"], part, key, "label")}
        for name in ("question", "stake", "description"):
            if entry.get(name) is not None:
                parsed[key][name] = check.texts(entry[name], part, key, name)
        if "expected_outputs" in entry:
            parsed[key]["expected_outputs"] = [
                check.texts(output, part, key, "expected_outputs", j)
                for j, output in enumerate(check.listing(entry["expected_outputs"], part, key,
                                                         "expected_outputs"))]
        aliases = check.listing(entry.get("aliases"), part, key, "aliases")
        parsed[key]["aliases"] = [str(alias) for alias in aliases]
    return parsed


def _rule(check: _Checker, grid: Grid, concerns: dict, item, i: int) -> Rule:
    where = ("rules", i)
    check.mapping(item, *where, allowed=("id", "criterion", "phase", "oecd_stage", "concerns",
                                         "when", "source", "kind", "finding", "otherwise"),
                  required=("id", "criterion", "phase", "when", "source", "kind", "finding"))
    rule_id = item["id"]
    if not isinstance(rule_id, str) or not _ID.match(rule_id):
        raise check.error(f"the rule id {rule_id!r} must be snake_case (a-z, 0-9, _)",
                          *where, "id")
    criterion = grid.criterion_id(item["criterion"])
    if criterion is None:
        raise check.error(f"unknown criterion {item['criterion']!r}; criteria: "
                          f"{', '.join(grid.criteria)}", *where, "criterion")
    phase = grid.phase_id(item["phase"])
    if phase is None:
        raise check.error(f"unknown phase {item['phase']!r}; phases: {', '.join(grid.phases)}",
                          *where, "phase")
    stage = None
    if item.get("oecd_stage") is not None:
        stage = grid.oecd_stage_id(item["oecd_stage"])
        if stage is None:
            raise check.error(f"unknown OECD stage {item['oecd_stage']!r}; stages: "
                              f"{', '.join(grid.oecd_stages)}", *where, "oecd_stage")
    for j, concern in enumerate(check.listing(item.get("concerns"), *where, "concerns")):
        if concern not in concerns:
            raise check.error(f"unknown key to success or point of vigilance {concern!r}",
                              *where, "concerns", j)
    conditions = _conditions(check, item["when"], (*where, "when"))
    if not isinstance(item["source"], str) or not item["source"].strip():
        raise check.error("the source of the threshold must be a text", *where, "source")
    outcome = _outcome(check, item, where, len(conditions))
    otherwise = None
    if item.get("otherwise") is not None:
        check.mapping(item["otherwise"], *where, "otherwise", allowed=("kind", "finding"),
                      required=("kind", "finding"))
        otherwise = _outcome(check, item["otherwise"], (*where, "otherwise"), len(conditions))
    return Rule(id=rule_id, criterion=criterion, phase=phase, oecd_stage=stage,
                conditions=conditions, source=item["source"].strip(), outcome=outcome,
                otherwise=otherwise, concerns=tuple(item.get("concerns") or ()))


def _conditions(check: _Checker, when, where: tuple) -> tuple[Condition, ...]:
    check.mapping(when, *where)
    if "all" in when:
        check.mapping(when, *where, allowed=("all",))
        items = check.listing(when["all"], *where, "all")
        if not items:
            raise check.error("'all' needs at least one condition", *where, "all")
        return tuple(_condition(check, c, (*where, "all", j)) for j, c in enumerate(items))
    return (_condition(check, when, where),)


def _condition(check: _Checker, item, where: tuple) -> Condition:
    check.mapping(item, *where, allowed=("indicator", "operator", "threshold"),
                  required=("indicator", "operator"))
    if "threshold" not in item:
        raise check.error("'threshold' is missing", *where)
    key = str(item["indicator"])
    entry = indicators.indicator(key)
    if entry is None:
        raise check.error(f"no section records the indicator {key!r}: it is not in the "
                          "registry of key figures (civeval.diagnosis.indicators)",
                          *where, "indicator")
    operator = item["operator"]
    if operator not in OPERATORS:
        raise check.error(f"unknown operator {operator!r}; operators: "
                          f"{', '.join(OPERATORS)}", *where, "operator")
    threshold = item["threshold"]
    if entry["kind"] in ("text", "date"):
        if operator != "==" or not isinstance(threshold, str):
            raise check.error(f"{key!r} is a {entry['kind']}: compare it with == to a text",
                              *where, "operator")
    elif isinstance(threshold, bool) or not isinstance(threshold, int | float):
        raise check.error(f"the threshold {threshold!r} of {key!r} must be a number",
                          *where, "threshold")
    elif entry["kind"] in ("percent", "p_value") and abs(threshold) > 1:
        raise check.error(f"{key!r} is a {entry['kind'].replace('_', '-')}, written as a ratio: "
                          f"0.04 for 4 %, not {threshold}", *where, "threshold")
    return Condition(indicator=key, operator=operator, threshold=threshold)


def _outcome(check: _Checker, item: dict, where: tuple, conditions: int) -> Outcome:
    kind = item["kind"]
    if kind not in KINDS:
        raise check.error(f"unknown kind {kind!r}; expected strength or weakness",
                          *where, "kind")
    finding = check.texts(item["finding"], *where, "finding")
    allowed = {"value", "threshold"} | {f"{name}_{n}" for n in range(2, conditions + 1)
                                        for name in ("value", "threshold")}
    for language, text in finding.items():
        try:
            names = {name for _, name, _, _ in string.Formatter().parse(text) if name}
        except ValueError as error:
            raise check.error(f"the finding has a broken placeholder ({error})",
                              *where, "finding", language) from None
        if unknown := sorted(names - allowed):
            raise check.error(f"unknown placeholder {{{unknown[0]}}}; placeholders: "
                              f"{', '.join('{' + a + '}' for a in sorted(allowed))}",
                              *where, "finding", language)
    return Outcome(kind=kind, finding=finding)


# ----------------------------------------------------------------------------- evaluation

def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _threshold_text(threshold, kind: str, locale: str) -> str:
    """A threshold as written in the grid, no more decimals than it has (4 %, 0,667)."""
    if isinstance(threshold, str):
        return threshold
    if kind == "percent":
        decimals = next((d for d in range(4) if abs(round(threshold * 100, d)
                                                    - threshold * 100) < 1e-9), 4)
        return fmt.percent(threshold, decimals, locale=locale)
    if kind == "euro":
        return fmt.euro(threshold, 0 if float(threshold).is_integer() else 2, locale=locale)
    return fmt.number(threshold, None, locale=locale)


def evaluate(grid: Grid, figures: Mapping[str, dict], language: str = "fr") -> pd.DataFrame:
    """Apply the grid's rules to a study's recorded key figures.

    A rule holds when all its conditions hold; it then gives its finding, else its
    ``otherwise`` finding when it has one, else nothing. A rule needing a figure the study
    did not record (or recorded empty) is skipped.

    Parameters
    ----------
    grid : Grid
        From :func:`load_grid`.
    figures : mapping
        ``study.indicators()``: ``{key: {value, label, kind, section?}}``.
    language : {"fr", "en"}
        Language of the findings and evidence.

    Returns
    -------
    DataFrame
        One row per finding, in the grid's order, columns ``rule, criterion, phase,
        oecd_stage, kind`` (strength or weakness), ``finding, indicator, label, value,
        value_kind`` (the indicator's kind, to format value and threshold), ``threshold,
        operator`` (as readers see it: <, ≤, >, ≥, =), ``section`` (that recorded the
        figure), ``source`` ("rule"), ``reference`` (the source of the threshold) and
        ``evidence`` (the figures, values and thresholds in words). For a rule of several
        conditions, the indicator columns describe the first; ``evidence`` lists them all.
        ``attrs``: ``not_evaluated`` (ids of the rules skipped), ``evaluated``, and the
        grid's ``criteria``, ``phases`` and ``oecd_stages`` as ``{id: label}``.

    Examples
    --------
    >>> grid = load_grid()
    >>> figures = {"turnout_rate": {"value": 0.031, "label": "Taux de participation",
    ...                             "kind": "percent", "section": "30_participation"}}
    >>> findings = evaluate(grid, figures)
    >>> findings[["rule", "kind", "value", "threshold", "operator"]].to_dict("records")
    [{'rule': 'turnout_below_median', 'kind': 'weakness', 'value': 0.031, 'threshold': 0.04, \
'operator': '<'}]
    >>> print(evaluate(grid, figures, language="en").loc[0, "finding"][:60])
    Turnout (3.1% of the population) is below the national media
    >>> "proposals_unanswered" in findings.attrs["not_evaluated"]
    True
    """
    locale = fmt.LOCALES[language]
    t = i18n.translator(language)
    rows, skipped, evaluated = [], [], []
    for rule in grid.rules:
        facts = []
        for condition in rule.conditions:
            figure = figures.get(condition.indicator)
            if figure is None or _missing(figure.get("value")):
                break
            entry = indicators.indicator(condition.indicator, language)
            kind = entry["kind"] if entry else figure.get("kind") or "number"
            value = figure["value"]
            if kind not in ("text", "date") and (isinstance(value, bool)
                                                 or not isinstance(value, int | float)):
                break  # a figure recorded as text cannot be compared with a number
            facts.append({"condition": condition, "figure": figure, "kind": kind,
                          "label": figure.get("label") or (entry or {}).get("label"),
                          "section": figure.get("section") or (entry or {}).get("section")})
        if len(facts) < len(rule.conditions):
            skipped.append(rule.id)
            continue
        evaluated.append(rule.id)
        holds = all(OPERATORS[f["condition"].operator](f["figure"]["value"],
                                                       f["condition"].threshold)
                    for f in facts)
        outcome = rule.outcome if holds else rule.otherwise
        if outcome is None:
            continue
        shown = {}
        for n, fact in enumerate(facts, start=1):
            suffix = "" if n == 1 else f"_{n}"
            shown[f"value{suffix}"] = fmt.by_kind(fact["figure"]["value"], fact["kind"],
                                                  locale=locale)
            shown[f"threshold{suffix}"] = _threshold_text(fact["condition"].threshold,
                                                          fact["kind"], locale)
        evidence = t("diagnostic.separator").join(
            t("diagnostic.evidence", label=f["label"],
              value=shown["value" + ("" if n == 1 else f"_{n}")],
              operator=SYMBOLS[f["condition"].operator],
              threshold=shown["threshold" + ("" if n == 1 else f"_{n}")])
            for n, f in enumerate(facts, start=1))
        first = facts[0]
        rows.append({
            "rule": rule.id, "criterion": rule.criterion, "phase": rule.phase,
            "oecd_stage": rule.oecd_stage, "kind": outcome.kind,
            "finding": outcome.finding[language].format(**shown),
            "indicator": first["condition"].indicator, "label": first["label"],
            "value": first["figure"]["value"], "value_kind": first["kind"],
            "threshold": first["condition"].threshold,
            "operator": SYMBOLS[first["condition"].operator], "section": first["section"],
            "source": "rule", "reference": rule.source, "evidence": evidence})
    findings = _frame(rows)
    findings.attrs.update(_grid_attrs(grid, language), not_evaluated=skipped,
                          evaluated=evaluated)
    return findings


def _frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame[_OPTIONAL] = frame[_OPTIONAL].astype(object).where(frame[_OPTIONAL].notna(), None)
    return frame


def _grid_attrs(grid: Grid, language: str) -> dict:
    return {"language": language,
            **{part: {key: entry["label"][language] for key, entry in getattr(grid, part).items()}
               for part in ("criteria", "phases", "oecd_stages")}}


# ----------------------------------------------------------------------------- assessments

def study_grid(study) -> Grid:
    """The grid of a study: ``diagnostic: {grid: ...}`` in ``study.yml`` (a path relative
    to the study's folder), else the reference grid. The diagnostic part of ``study.yml``
    is checked on the way."""
    settings = _settings(study)
    if settings.get("grid") is None:
        return load_grid()
    file = study.path / str(settings["grid"])
    if not file.is_file():
        raise GridError(f"the diagnostic grid {settings['grid']} does not exist (path "
                        "relative to the study's folder)", **study.where("diagnostic", "grid"))
    return load_grid(file)


def _settings(study) -> dict:
    settings = study.config.diagnostic or {}
    for key in settings:
        if key not in STUDY_KEYS:
            raise GridError(f"unknown key {key!r} under diagnostic; expected one of "
                            f"{', '.join(STUDY_KEYS)}", **study.where("diagnostic", key))
    return settings


def _assessment_row(grid: Grid, values: dict, language: str, reference: str,
                    error) -> dict:
    """One consultant's assessment as a finding row; ``error(message, field)`` locates."""
    for name in ("criterion", "kind", "finding", "evidence"):
        if _missing(values.get(name)) or str(values.get(name)).strip() == "":
            raise error(f"the assessment needs its {name}", name)
    criterion = grid.criterion_id(values["criterion"])
    if criterion is None:
        raise error(f"unknown criterion {values['criterion']!r}; criteria of the grid: "
                    f"{', '.join(grid.criteria)}", "criterion")
    phase = None
    if not _missing(values.get("phase")) and str(values["phase"]).strip():
        phase = grid.phase_id(values["phase"])
        if phase is None:
            raise error(f"unknown phase {values['phase']!r}; phases of the grid: "
                        f"{', '.join(grid.phases)}", "phase")
    stage = None
    if not _missing(values.get("oecd_stage")) and str(values["oecd_stage"]).strip():
        stage = grid.oecd_stage_id(values["oecd_stage"])
        if stage is None:
            raise error(f"unknown OECD stage {values['oecd_stage']!r}; stages of the grid: "
                        f"{', '.join(grid.oecd_stages)}", "oecd_stage")
    kind = _KIND_NAMES.get(_fold(values["kind"]))
    if kind is None:
        raise error(f"unknown type {values['kind']!r}; expected force or faiblesse "
                    "(strength or weakness)", "kind")
    finding = values["finding"]
    if isinstance(finding, dict):
        if not isinstance(finding.get(language), str):
            raise error(f"the finding needs a text in {language!r}", "finding")
        finding = finding[language]
    identifier = values.get("id")
    return {"rule": None if _missing(identifier) else str(identifier), "criterion": criterion,
            "phase": phase, "oecd_stage": stage, "kind": kind,
            "finding": str(finding).strip(), "indicator": None, "label": None, "value": None,
            "value_kind": None, "threshold": None, "operator": None, "section": None,
            "source": "consultant", "reference": reference,
            "evidence": str(values["evidence"]).strip()}


def assessments(study, grid: Grid | None = None) -> pd.DataFrame:
    """The consultant's own assessments, from ``study.yml`` and/or an XLSX grid.

    In ``study.yml``::

        diagnostic:
          assessments:
            - criterion: cohérence        # a criterion of the grid (id, label or alias)
              phase: cadrage              # optional
              kind: faiblesse             # force | faiblesse | strength | weakness
              finding: "Le rôle des élus n'est pas défini dans la charte."
              evidence: "Charte du budget participatif 2023 ; entretiens avec les élus"
          assessments_file: data/grille.xlsx   # optional, relative to the study's folder
          sheet: Constats                      # optional, first sheet by default

    The XLSX grid has one assessment per row under a header row: ``critère, phase, type
    (force / faiblesse), constat, source`` (English headers ``criterion, phase, kind,
    finding, evidence`` accepted; other columns are ignored, empty rows skipped).

    Parameters
    ----------
    study : Study
    grid : Grid, optional
        The grid the criteria and phases are checked against; the study's by default.

    Returns
    -------
    DataFrame
        The columns of :func:`evaluate`, ``source`` = "consultant", ``evidence`` as written,
        ``reference`` where the assessment was written (file and line); the indicator
        columns are empty.

    Raises
    ------
    AssessmentError
        Located in ``study.yml`` (line and column of the field) or in the XLSX sheet (row
        and column heading): an unknown criterion, phase or type, a missing field.

    Examples
    --------
    >>> from civeval.workbench.study import load_study
    >>> assessments(load_study("demo-saint-aubin")).columns.tolist() == COLUMNS
    True
    """
    grid = grid or study_grid(study)
    settings = _settings(study)
    rows = []
    items = settings.get("assessments") or []
    if not isinstance(items, list):
        raise AssessmentError("diagnostic.assessments must be a list of assessments",
                              **study.where("diagnostic", "assessments"))
    for i, item in enumerate(items):
        where = ("diagnostic", "assessments", i)
        if not isinstance(item, dict):
            raise AssessmentError("an assessment is a mapping: criterion, phase, kind, "
                                  "finding, evidence", **study.where(*where))
        for key in item:
            if key not in ASSESSMENT_KEYS:
                raise AssessmentError(f"unknown key {key!r}; expected one of "
                                      f"{', '.join(ASSESSMENT_KEYS)}",
                                      **study.where(*where, key))

        def error(message, name, where=where, item=item):
            located = study.where(*where, name) if name in item else study.where(*where)
            return AssessmentError(message, **located)

        location = study.where(*where)
        rows.append(_assessment_row(grid, item, study.language,
                                    f"{location['file']}:{location['row']}", error))
    if settings.get("assessments_file") is not None:
        rows.extend(_xlsx_assessments(study, grid, settings))
    findings = _frame(rows)
    findings.attrs.update(_grid_attrs(grid, study.language))
    return findings


def _xlsx_assessments(study, grid: Grid, settings: dict) -> list[dict]:
    from openpyxl import load_workbook

    name = str(settings["assessments_file"])
    file = study.path / name
    if not file.is_file():
        raise AssessmentError(f"the assessment grid {name} does not exist (path relative to "
                              "the study's folder)", **study.where("diagnostic",
                                                                   "assessments_file"))
    shown = paths.display_path(file)
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for a corrupt file
        raise AssessmentError(f"cannot be opened as an Excel workbook: {error}",
                              file=shown) from None
    try:
        sheet = settings.get("sheet")
        if sheet is not None and sheet not in workbook.sheetnames:
            raise AssessmentError(f"no sheet named {sheet!r}; sheets: "
                                  f"{', '.join(workbook.sheetnames)}", file=shown)
        worksheet = workbook[sheet] if sheet is not None else workbook.worksheets[0]
        lines = list(worksheet.iter_rows(values_only=True))
    finally:
        workbook.close()
    if not lines:
        raise AssessmentError("the sheet is empty: it needs a header row (critère, phase, "
                              "type, constat, source)", file=shown, row=1)
    headers = {}
    for position, heading in enumerate(lines[0]):
        if heading is not None and (field_name := _XLSX_HEADERS.get(_fold(heading))):
            headers[field_name] = (position, str(heading))
    for needed, french in (("criterion", "critère"), ("kind", "type"),
                           ("finding", "constat"), ("evidence", "source")):
        if needed not in headers:
            raise AssessmentError(f"the column {french!r} is missing from the header row",
                                  file=shown, row=1)
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        if all(cell is None or str(cell).strip() == "" for cell in line):
            continue
        values = {name: line[position] if position < len(line) else None
                  for name, (position, _) in headers.items()}
        values = {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}

        def error(message, name, number=number):
            return AssessmentError(message, file=shown, row=number,
                                   column=headers.get(name, (None, None))[1])

        rows.append(_assessment_row(grid, values, study.language, f"{shown}:{number}", error))
    return rows


# ----------------------------------------------------------------------------- diagnosis

def diagnose(study) -> pd.DataFrame:
    """The study's diagnostic: the grid's rules over its recorded figures, then the
    consultant's assessments; records the ``strengths`` and ``weaknesses`` counts.

    Returns
    -------
    DataFrame
        The columns of :func:`evaluate`; ``attrs`` as there (``not_evaluated``…).
    """
    grid = study_grid(study)
    ruled = evaluate(grid, study.indicators(), study.language)
    assessed = assessments(study, grid)
    findings = _frame(ruled.to_dict("records") + assessed.to_dict("records"))
    findings.attrs = {**ruled.attrs}
    for key, kind in (("strengths", "strength"), ("weaknesses", "weakness")):
        study.record(key, int((findings["kind"] == kind).sum()),
                     label=indicators.indicator(key, study.language)["label"], kind="number")
    return findings


def scores(findings: pd.DataFrame, by: str = "criterion") -> pd.DataFrame:
    """Strengths, weaknesses and a score per criterion (or phase, or OECD stage).

    score = (strengths − weaknesses) ÷ (strengths + weaknesses), from −1 (weaknesses only)
    to +1 (strengths only), 0 when they balance; empty (NaN) without any finding.

    Parameters
    ----------
    findings : DataFrame
        From :func:`evaluate`, :func:`assessments` or :func:`diagnose`.
    by : {"criterion", "phase", "oecd_stage"}

    Returns
    -------
    DataFrame
        ``<by>, label, strengths, weaknesses, findings, score``: every criterion (phase,
        stage) of the grid in its order, then, when some findings have none, a row with
        ``<by>`` empty for them.

    Examples
    --------
    >>> findings = pd.DataFrame({"criterion": ["impact", "impact", "impact", "pertinence"],
    ...                          "kind": ["strength", "strength", "weakness", "weakness"]})
    >>> scores(findings).round(3)
        criterion       label  strengths  weaknesses  findings  score
    0      impact      impact          2           1         3  0.333
    1  pertinence  pertinence          0           1         1 -1.000
    """
    if by not in SCORE_BY:
        raise ValueError(f"cannot score by {by!r}; expected one of {', '.join(SCORE_BY)}")
    labels = dict(findings.attrs.get(SCORE_BY[by]) or {})
    keys = findings[by] if by in findings else pd.Series([None] * len(findings))
    for key in keys.dropna().unique():
        labels.setdefault(key, str(key))
    groups = list(labels.items())
    if keys.isna().any():
        t = i18n.translator(findings.attrs.get("language", "fr"))
        groups.append((None, t("diagnostic.unassigned")))
    rows = []
    for key, label in groups:
        chosen = findings[keys.isna()] if key is None else findings[keys == key]
        strong = int((chosen["kind"] == "strength").sum())
        weak = int((chosen["kind"] == "weakness").sum())
        rows.append({by: key, "label": label, "strengths": strong, "weaknesses": weak,
                     "findings": strong + weak,
                     "score": (strong - weak) / (strong + weak) if strong + weak else float("nan")})
    table = pd.DataFrame(rows, columns=[by, "label", "strengths", "weaknesses", "findings",
                                        "score"])
    table[by] = table[by].astype(object).where(table[by].notna(), None)
    return table


def summary_chart(table: pd.DataFrame, language: str = "fr"):
    """Diverging horizontal bars, one row per criterion (phase…): weaknesses to the left,
    strengths to the right, each count written on its bar, weaknesses hatched, so that
    nothing rests on colour alone. Untitled: the report adds the title and alt text.

    Parameters
    ----------
    table : DataFrame
        From :func:`scores`.
    language : {"fr", "en"}

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> table = pd.DataFrame({"criterion": ["impact"], "label": ["Impact"], "strengths": [2],
    ...                       "weaknesses": [1], "findings": [3], "score": [1 / 3]})
    >>> fig = summary_chart(table)
    >>> [text.get_text() for text in fig.axes[0].texts]
    ['1', '2']
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    from civeval.presentation import charts

    t = i18n.translator(language)
    locale = fmt.LOCALES[language]
    positions = list(range(len(table)))[::-1]  # the grid's first criterion on top
    fig, axis = plt.subplots(figsize=(8, 0.55 * len(table) + 1.4))
    weak = axis.barh(positions, -table["weaknesses"].to_numpy(), color=charts.PALETTE[5],
                     hatch="//", edgecolor="white", label=t("diagnostic.weaknesses"))
    strong = axis.barh(positions, table["strengths"].to_numpy(), color=charts.PALETTE[0],
                       label=t("diagnostic.strengths"))
    for bars, counts in ((weak, table["weaknesses"]), (strong, table["strengths"])):
        axis.bar_label(bars, labels=[fmt.integer(c, locale=locale) if c else ""
                                     for c in counts], padding=3)
    axis.set_yticks(positions, table["label"].astype(str))
    widest = max(int(table["strengths"].max() or 0), int(table["weaknesses"].max() or 0), 1)
    axis.set_xlim(-widest - 0.8, widest + 0.8)
    axis.axvline(0, color="black", linewidth=0.8)
    axis.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    axis.xaxis.set_major_formatter(FuncFormatter(
        lambda value, _: fmt.integer(abs(value), locale=locale)))
    axis.set_xlabel(t("diagnostic.chart_axis"))
    axis.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- annexes

def phases_table(grid: Grid, language: str = "fr") -> pd.DataFrame:
    """The three phases of a scheme, their stake and expected outputs, for the annex.

    Columns ``phase, stake, expected_outputs`` (outputs joined by " ; "); ``attrs["labels"]``
    holds the headings in ``language`` for :func:`civeval.presentation.report.table`.

    Examples
    --------
    >>> phases_table(load_grid(), "en").loc[0, "phase"]
    'Framework and preparation'
    """
    t = i18n.translator(language)
    separator = t("diagnostic.separator")
    table = pd.DataFrame([
        {"phase": entry["label"][language],
         "stake": entry.get("stake", {}).get(language, ""),
         "expected_outputs": separator.join(o[language]
                                            for o in entry.get("expected_outputs", []))}
        for entry in grid.phases.values()], columns=["phase", "stake", "expected_outputs"])
    table.attrs["labels"] = {c: t(f"diagnostic.column.{c}") for c in table.columns}
    return table


def rules_table(grid: Grid, language: str = "fr") -> pd.DataFrame:
    """The grid's rules in words, for the annex: criterion, phase, condition, kind, source.

    Columns ``rule, criterion, phase, condition, kind, source``; ``attrs["labels"]`` holds
    the headings in ``language``.

    Examples
    --------
    >>> table = rules_table(load_grid(), "fr")
    >>> table.loc[table["rule"] == "turnout_below_median", "condition"].item()
    'Taux de participation < 4\\xa0%'
    """
    t = i18n.translator(language)
    locale = fmt.LOCALES[language]
    rows = []
    for rule in grid.rules:
        parts = []
        for condition in rule.conditions:
            entry = indicators.indicator(condition.indicator, language)
            parts.append(f"{entry['label']} {SYMBOLS[condition.operator]} "
                         f"{_threshold_text(condition.threshold, entry['kind'], locale)}")
        kind = t(f"diagnostic.{rule.outcome.kind}")
        if rule.otherwise is not None:
            kind = t("diagnostic.otherwise", kind=kind,
                     otherwise=t(f"diagnostic.{rule.otherwise.kind}"))
        rows.append({"rule": rule.id, "criterion": grid.label("criteria", rule.criterion,
                                                              language),
                     "phase": grid.label("phases", rule.phase, language),
                     "condition": t("diagnostic.and").join(parts), "kind": kind,
                     "source": rule.source})
    table = pd.DataFrame(rows, columns=["rule", "criterion", "phase", "condition", "kind",
                                        "source"])
    table.attrs["labels"] = {c: t(f"diagnostic.column.{c}") for c in table.columns}
    return table
