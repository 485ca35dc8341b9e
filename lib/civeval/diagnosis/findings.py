"""The findings of the diagnostic: the grid's rules over a study's figures, the
consultant's own assessments, and their scores per criterion, phase or OECD stage.

:func:`evaluate` applies the rules of a grid (:mod:`civeval.diagnosis.grid`) to the key
figures the report sections record (``indicators.json``, see
:mod:`civeval.evidence.registry`). The consultant adds assessments of their own in
``study.yml`` (``diagnostic: {assessments: [...]}``) or in an XLSX grid (``diagnostic:
{assessments_file: data/grille.xlsx}``), read by :func:`assessments`; :func:`diagnose`
gives both, :func:`scores` counts them and :func:`summary_chart` draws the counts.

Every finding cites its evidence: for a rule, the indicator, its value, the threshold, the
section that recorded it and the threshold's source; for an assessment, what the consultant
wrote in ``evidence``.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from civeval.diagnosis.grid import (
    OPERATORS,
    SYMBOLS,
    Grid,
    diagnostic_settings,
    fold,
    study_grid,
    threshold_text,
)
from civeval.errors import InputError
from civeval.evidence import registry as indicators
from civeval.presentation import fmt, i18n
from civeval.workbench import paths

COLUMNS = ["rule", "criterion", "phase", "oecd_stage", "kind", "finding", "indicator",
           "label", "value", "value_kind", "threshold", "operator", "section", "source",
           "reference", "evidence"]
# Columns whose missing values stay None (pandas would turn them into NaN next to text).
_OPTIONAL = ["rule", "phase", "oecd_stage", "indicator", "label", "value", "value_kind",
             "threshold", "operator", "section"]
SCORE_BY = {"criterion": "criteria", "phase": "phases", "oecd_stage": "oecd_stages"}
ASSESSMENT_KEYS = ("id", "criterion", "phase", "oecd_stage", "kind", "finding", "evidence")
_KIND_NAMES = {"strength": "strength", "force": "strength", "point fort": "strength",
               "weakness": "weakness", "faiblesse": "weakness", "point faible": "weakness"}
# XLSX headers (French first, English accepted), compared without case nor accents.
_XLSX_HEADERS = {"critere": "criterion", "criterion": "criterion", "phase": "phase",
                 "etape": "phase", "type": "kind", "kind": "kind", "constat": "finding",
                 "finding": "finding", "source": "evidence", "evidence": "evidence",
                 "preuve": "evidence", "preuves": "evidence", "id": "id",
                 "oecd_stage": "oecd_stage", "etape ocde": "oecd_stage"}


class AssessmentError(InputError):
    """A consultant's assessment (``study.yml`` or XLSX grid) is not valid."""


# ----------------------------------------------------------------------------- evaluation

def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def evaluate(grid: Grid, figures: Mapping[str, dict], language: str = "fr") -> pd.DataFrame:
    """Apply the grid's rules to a study's recorded key figures.

    A rule holds when all its conditions hold; it then gives its finding, else its
    ``otherwise`` finding when it has one, else nothing. A rule needing a figure the study
    did not record (or recorded empty) is skipped.

    Parameters
    ----------
    grid : Grid
        From :func:`civeval.diagnosis.grid.load_grid`.
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
    >>> from civeval.diagnosis.grid import load_grid
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
            shown[f"threshold{suffix}"] = threshold_text(fact["condition"].threshold,
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
    kind = _KIND_NAMES.get(fold(values["kind"]))
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
    settings = diagnostic_settings(study)
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
        if heading is not None and (field_name := _XLSX_HEADERS.get(fold(heading))):
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
