"""The diagnostic grid: its file, checked, and the tables that describe it in the annex.

A grid (``data/reference/grille_diagnostic.yml`` by default, or the study's own with
``diagnostic: {grid: data/ma_grille.yml}`` in ``study.yml``) holds the three phases of a
scheme and their expected outputs, the keys to success and points of vigilance, the OECD
stages of deliberative processes, the French evaluation criteria, and **rules**: automatic
checks over the key figures the report sections record (``indicators.json``, see
:mod:`civeval.evidence.registry`). :func:`load_grid` reads and validates a grid file,
locating each mistake; :func:`study_grid` finds a study's grid. The rules are applied, and
the consultant's own assessments added, by :mod:`civeval.diagnosis.findings`.
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

from civeval.errors import InputError
from civeval.evidence import registry as indicators
from civeval.presentation import fmt, i18n
from civeval.workbench import paths, yamlsource

GRID_FILE = Path("data/reference/grille_diagnostic.yml")
LANGUAGES = ("fr", "en")
KINDS = ("strength", "weakness", "vigilance")
# What a rule judges: the figure's level against a threshold (weighed with its trend and its
# benchmark position), or its trend across comparable editions.
JUDGES = ("level", "trend")
# Placeholders the findings' texts may use, filled by civeval.diagnosis.findings.
PLACEHOLDERS = ("value", "threshold", "label", "change", "first", "last", "start", "end",
                "test", "p", "signals", "peers", "percentile")
OPERATORS = {"<": op.lt, "<=": op.le, ">": op.gt, ">=": op.ge, "==": op.eq}
# How the evidence shows each operator to readers.
SYMBOLS = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "="}
STUDY_KEYS = ("grid", "assessments", "assessments_file", "sheet")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")


class GridError(InputError):
    """A diagnostic grid, or the diagnostic part of ``study.yml``, is not valid."""


@dataclass(frozen=True)
class Condition:
    """``indicator operator threshold``, e.g. ``turnout_rate < 0.04``."""

    indicator: str
    operator: str
    threshold: float | str


@dataclass(frozen=True)
class Rule:
    """An automatic check over one recorded figure, and how it weighs the signals.

    A **level** rule compares the figure with ``threshold`` on the side ``better`` says is
    good (``higher`` or ``lower``, from the registry of key figures): a figure that does not
    reach it gives the ``weakness``; one that reaches it gives the ``strength``, unless a
    signal contradicts it, which makes it a point of ``vigilance`` saying both: a
    significant trend the wrong way across comparable editions (always: a significant
    decline is never a strength) or, unless ``benchmark`` is False, a place in the worse
    quarter of enough comparable peers. ``also`` lists other conditions a strength needs.
    A **trend** rule judges the figure's trend: a significant change the wrong way gives
    the ``weakness``, the right way the ``strength``; no significant change gives nothing.
    ``findings`` holds the texts by kind, in French and English.
    """

    id: str
    criterion: str
    phase: str
    oecd_stage: str | None
    indicator: str
    judge: str
    better: str
    source: str
    findings: dict[str, dict[str, str]]
    threshold: float | None = None
    benchmark: bool = True
    also: tuple[Condition, ...] = ()
    concerns: tuple[str, ...] = ()

    @property
    def operator(self) -> str:
        """How a figure reaches the threshold: ``>=`` when higher is better, else ``<=``."""
        return ">=" if self.better == "higher" else "<="

    def meets(self, value) -> bool:
        return OPERATORS[self.operator](value, self.threshold)


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


def fold(text) -> str:
    """Lower case without accents, separators as spaces: "Décision_suivi" → "decision suivi"."""
    plain = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[_\-'’]", " ", plain).lower().split())


def _resolve(entries: Mapping[str, dict], text) -> str | None:
    if text is None:
        return None
    wanted = fold(text)
    for key, entry in entries.items():
        names = [key, *entry.get("label", {}).values(), *entry.get("aliases", [])]
        if wanted in {fold(name) for name in names}:
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
        section records (not in :mod:`civeval.evidence.registry`), an unknown criterion, phase,
        OECD stage or operator, a threshold of the wrong type, a finding with an unknown
        placeholder, a duplicate rule id…

    Examples
    --------
    >>> grid = load_grid()
    >>> list(grid.phases)
    ['cadrage', 'travail_collectif', 'decision_suivi']
    >>> rule = next(r for r in grid.rules if r.id == "turnout_level")
    >>> rule.indicator, rule.judge, rule.operator, rule.threshold, sorted(rule.findings)
    ('turnout_rate', 'level', '>=', 0.04, ['strength', 'weakness'])
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
                                         "indicator", "judge", "threshold", "better",
                                         "benchmark", "also", "source", *KINDS),
                  required=("id", "criterion", "phase", "indicator", "source"))
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
    if not isinstance(item["source"], str) or not item["source"].strip():
        raise check.error("the source of the threshold must be a text", *where, "source")
    key = str(item["indicator"])
    entry = _numeric_indicator(check, key, (*where, "indicator"))
    judge = item.get("judge", "level")
    if judge not in JUDGES:
        raise check.error(f"unknown judge {judge!r}; expected one of {', '.join(JUDGES)}",
                          *where, "judge")
    better = item.get("better", entry.get("better"))
    if better not in ("higher", "lower"):
        raise check.error(f"the registry does not say whether a higher or a lower {key!r} is "
                          "better: give `better: higher` or `better: lower`", *where,
                          "better" if "better" in item else "indicator")
    threshold = None
    if judge == "level":
        if "threshold" not in item:
            raise check.error("'threshold' is missing: a level rule compares the figure "
                              "with it", *where)
        threshold = _threshold(check, key, entry, item["threshold"], (*where, "threshold"))
    elif "threshold" in item:
        raise check.error("a trend rule has no threshold: it judges the trend's test",
                          *where, "threshold")
    findings = {kind: check.texts(item[kind], *where, kind) for kind in KINDS if kind in item}
    if not set(findings) & {"strength", "weakness"}:
        raise check.error("a rule needs a 'strength' or a 'weakness' text", *where)
    for kind, texts in findings.items():
        for language, text in texts.items():
            _check_placeholders(check, text, (*where, kind, language))
    benchmark = item.get("benchmark", True)
    if not isinstance(benchmark, bool):
        raise check.error("benchmark is true or false: whether a place in the worse quarter "
                          "of comparable peers turns a strength into a point of vigilance",
                          *where, "benchmark")
    also = tuple(_condition(check, condition, (*where, "also", j))
                 for j, condition in enumerate(check.listing(item.get("also"), *where,
                                                             "also")))
    return Rule(id=rule_id, criterion=criterion, phase=phase, oecd_stage=stage, indicator=key,
                judge=judge, better=better, source=item["source"].strip(), findings=findings,
                threshold=threshold, benchmark=benchmark, also=also,
                concerns=tuple(item.get("concerns") or ()))


def _numeric_indicator(check: _Checker, key: str, where: tuple) -> dict:
    entry = indicators.indicator(key)
    if entry is None:
        raise check.error(f"no section records the indicator {key!r}: it is not in the "
                          "registry of key figures (civeval.evidence.registry)", *where)
    if entry["kind"] in ("text", "date"):
        raise check.error(f"{key!r} is a {entry['kind']}: a rule judges a number", *where)
    return entry


def _threshold(check: _Checker, key: str, entry: dict, threshold, where: tuple) -> float:
    if isinstance(threshold, bool) or not isinstance(threshold, int | float):
        raise check.error(f"the threshold {threshold!r} of {key!r} must be a number", *where)
    if entry["kind"] in ("percent", "change", "p_value") and abs(threshold) > 1:
        raise check.error(f"{key!r} is a {entry['kind'].replace('_', '-')}, written as a ratio: "
                          f"0.04 for 4 %, not {threshold}", *where)
    return threshold


def _check_placeholders(check: _Checker, text: str, where: tuple) -> None:
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name}
    except ValueError as error:
        raise check.error(f"the finding has a broken placeholder ({error})", *where) from None
    if unknown := sorted(names - set(PLACEHOLDERS)):
        raise check.error(f"unknown placeholder {{{unknown[0]}}}; placeholders: "
                          f"{', '.join('{' + a + '}' for a in PLACEHOLDERS)}", *where)


def _condition(check: _Checker, item, where: tuple) -> Condition:
    check.mapping(item, *where, allowed=("indicator", "operator", "threshold"),
                  required=("indicator", "operator"))
    if "threshold" not in item:
        raise check.error("'threshold' is missing", *where)
    key = str(item["indicator"])
    entry = _numeric_indicator(check, key, (*where, "indicator"))
    operator = item["operator"]
    if operator not in OPERATORS:
        raise check.error(f"unknown operator {operator!r}; operators: "
                          f"{', '.join(OPERATORS)}", *where, "operator")
    threshold = _threshold(check, key, entry, item["threshold"], (*where, "threshold"))
    return Condition(indicator=key, operator=operator, threshold=threshold)


# ----------------------------------------------------------------------------- the study's grid

def study_grid(study) -> Grid:
    """The grid of a study: ``diagnostic: {grid: ...}`` in ``study.yml`` (a path relative
    to the study's folder), else the reference grid. The diagnostic part of ``study.yml``
    is checked on the way."""
    settings = diagnostic_settings(study)
    if settings.get("grid") is None:
        return load_grid()
    file = study.inside(settings["grid"], "diagnostic", "grid")
    if not file.is_file():
        raise GridError(f"the diagnostic grid {settings['grid']} does not exist (path "
                        "relative to the study's folder)", **study.where("diagnostic", "grid"))
    return load_grid(file)


def diagnostic_settings(study) -> dict:
    """The ``diagnostic:`` part of a study's ``study.yml``, its keys checked.

    Raises
    ------
    GridError
        At the key, for a key other than those of ``STUDY_KEYS``.
    """
    settings = study.config.diagnostic or {}
    for key in settings:
        if key not in STUDY_KEYS:
            raise GridError(f"unknown key {key!r} under diagnostic; expected one of "
                            f"{', '.join(STUDY_KEYS)}", **study.where("diagnostic", key))
    return settings


# ----------------------------------------------------------------------------- annexes

def threshold_text(threshold, kind: str, locale: str) -> str:
    """A threshold as written in the grid, no more decimals than it has (4 %, 0,667).

    Parameters
    ----------
    threshold : number or str
        A condition's threshold; a text is returned as it is.
    kind : str
        The kind of the condition's indicator in :mod:`civeval.evidence.registry`.
    locale : str
        A locale of :data:`civeval.presentation.fmt.LOCALES`.
    """
    if isinstance(threshold, str):
        return threshold
    if kind == "percent":
        decimals = next((d for d in range(4) if abs(round(threshold * 100, d)
                                                    - threshold * 100) < 1e-9), 4)
        return fmt.percent(threshold, decimals, locale=locale)
    if kind == "euro":
        return fmt.euro(threshold, 0 if float(threshold).is_integer() else 2, locale=locale)
    return fmt.number(threshold, None, locale=locale)


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
    >>> table.loc[table["rule"] == "turnout_level", "condition"].item()
    'Taux de participation ≥ 4\xa0% ; pèsent aussi sa tendance et son rang parmi les comparables'
    """
    t = i18n.translator(language)
    locale = fmt.LOCALES[language]
    rows = []
    for rule in grid.rules:
        entry = indicators.indicator(rule.indicator, language)
        if rule.judge == "trend":
            condition = t("diagnostic.condition_trend", indicator=entry["label"])
        else:
            parts = [f"{entry['label']} {SYMBOLS[rule.operator]} "
                     f"{threshold_text(rule.threshold, entry['kind'], locale)}"]
            for also in rule.also:
                other = indicators.indicator(also.indicator, language)
                parts.append(f"{other['label']} {SYMBOLS[also.operator]} "
                             f"{threshold_text(also.threshold, other['kind'], locale)}")
            weighs = "trend_benchmark" if rule.benchmark else "trend"
            condition = t("diagnostic.and").join(parts) + t(f"diagnostic.weighs.{weighs}")
        kinds = [t(f"diagnostic.{kind}") for kind in KINDS if kind in rule.findings]
        rows.append({"rule": rule.id, "criterion": grid.label("criteria", rule.criterion,
                                                              language),
                     "phase": grid.label("phases", rule.phase, language),
                     "condition": condition, "kind": t("diagnostic.or").join(kinds),
                     "source": rule.source})
    table = pd.DataFrame(rows, columns=["rule", "criterion", "phase", "condition", "kind",
                                        "source"])
    table.attrs["labels"] = {c: t(f"diagnostic.column.{c}") for c in table.columns}
    return table
