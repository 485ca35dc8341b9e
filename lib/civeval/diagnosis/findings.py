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

from civeval import plausibility
from civeval.diagnosis.grid import (
    OPERATORS,
    SYMBOLS,
    Grid,
    Rule,
    diagnostic_settings,
    fold,
    study_grid,
    threshold_text,
)
from civeval.errors import InputError
from civeval.evidence import registry as indicators
from civeval.evidence.record import Evidence, Position, Trend
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
               "weakness": "weakness", "faiblesse": "weakness", "point faible": "weakness",
               "vigilance": "vigilance", "point de vigilance": "vigilance"}
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


def adverse(trend: Trend | None, better: str | None) -> bool:
    """Whether ``trend`` is a significant change the wrong way (a decline of a figure for
    which higher is better), across comparable editions."""
    return (trend is not None and trend.significant is True and better in ("higher", "lower")
            and trend.direction == ("down" if better == "higher" else "up"))


def favourable(trend: Trend | None, better: str | None) -> bool:
    """Whether ``trend`` is a significant change the right way."""
    return (trend is not None and trend.significant is True and better in ("higher", "lower")
            and trend.direction == ("up" if better == "higher" else "down"))


def worse_quarter(position: Position | None, better: str | None) -> bool:
    """Whether the figure sits in the worse quarter of enough comparable peers (a rank is
    only given with at least ``min_peers`` of them)."""
    if position is None or not position.ranked or better not in ("higher", "lower"):
        return False
    return position.percentile <= 25 if better == "higher" else position.percentile >= 75


def evaluate(grid: Grid, evidence: Mapping[str, Evidence], language: str = "fr"
             ) -> pd.DataFrame:
    """Apply the grid's rules to a study's evidence, weighing level, trend and benchmark.

    For a **level** rule, a figure that does not reach the threshold is a weakness; one
    that reaches it is a strength only when nothing contradicts it: a significant trend
    the wrong way across comparable editions, or (unless the rule says ``benchmark:
    false``) a place in the worse quarter of enough comparable peers, makes it a point of
    **vigilance** that says both. A strength also
    needs the rule's ``also`` conditions. For a **trend** rule, a significant change the
    wrong way is a weakness, the right way a strength. Finally, any figure whose trend is a
    significant change the wrong way and that no rule judged a weakness or a point of
    vigilance becomes one: a significant decline is never left out of the diagnosis. A rule
    whose figure the study did not record (or recorded empty, or suppressed) is skipped.

    Parameters
    ----------
    grid : Grid
        From :func:`civeval.diagnosis.grid.load_grid`.
    evidence : mapping
        The study's records (:meth:`civeval.workbench.study.Study.evidence`).
    language : {"fr", "en"}
        Language of the findings and evidence.

    Returns
    -------
    DataFrame
        One row per finding, in the grid's order, then the declines no rule judged:
        ``rule, criterion, phase, oecd_stage, kind`` (strength, weakness or vigilance),
        ``finding, indicator, label, value, value_kind, threshold, operator`` (as readers see
        it: ≥ or ≤), ``section`` (that shows the figure), ``source`` ("rule", or "trend" for
        an unjudged decline), ``reference`` (the source of the threshold) and ``evidence``
        (the figure, its threshold, trend and rank, in words). ``attrs``: ``not_evaluated``
        (ids of the rules skipped), ``evaluated``, and the grid's ``criteria``, ``phases``
        and ``oecd_stages`` as ``{id: label}``.

    Examples
    --------
    >>> from civeval.diagnosis.grid import load_grid
    >>> from civeval.evidence.record import Evidence, Trend
    >>> decline = Trend(first="2023", last="2025", change=-0.099, test="régression binomiale",
    ...                 p_value=0.023, significant=True, first_value=0.658, last_value=0.593,
    ...                 value_kind="percent")
    >>> attendance = Evidence(key="attendance_rate", value=0.593, kind="percent",
    ...                       label="Taux de présence", section="30_participation",
    ...                       trend=decline)
    >>> found = evaluate(load_grid(), {"attendance_rate": attendance})
    >>> found[["rule", "kind"]].values.tolist()
    [['attendance_level', 'vigilance']]
    >>> found.loc[0, "finding"].replace("\xa0", " ")  # doctest: +NORMALIZE_WHITESPACE
    'Les membres des conseils sont assidus (59,3 % de présence aux séances), mais leur
    présence est en baisse significative depuis 2023 (de 65,8 % à 59,3 %).'
    """
    t = i18n.translator(language)
    rows, skipped, evaluated, judged = [], [], [], set()
    for rule in grid.rules:
        record = evidence.get(rule.indicator)
        if record is None or record.suppressed or not _number(record.value):
            skipped.append(rule.id)
            continue
        others = [evidence.get(c.indicator) for c in rule.also]
        if rule.judge == "trend":
            kind = ("weakness" if adverse(record.trend, rule.better)
                    else "strength" if favourable(record.trend, rule.better) else None)
            if record.trend is None or not record.trend.tested:
                skipped.append(rule.id)
                continue
        elif not rule.meets(record.value):
            kind = "weakness"
        else:
            signals = _signals(rule, record, t, language)
            reached = all(other is not None and _number(other.value)
                          and OPERATORS[c.operator](other.value, c.threshold)
                          for c, other in zip(rule.also, others, strict=True))
            # Without what a strength also needs, the level proves nothing either way.
            kind = None if not reached else "vigilance" if signals else "strength"
        evaluated.append(rule.id)
        text = _finding_text(rule, kind, record, t, language)
        if text is None:
            continue
        if kind != "strength":
            judged.add(rule.indicator)
        rows.append(_row(rule.id, rule.criterion, rule.phase, rule.oecd_stage, kind, text,
                         record, rule.threshold, rule.operator, "rule", rule.source,
                         _evidence_text(record, t, language, rule, others)))
    for record in evidence.values():
        entry = indicators.indicator(record.key)
        better = (entry or {}).get("better")
        if (record.key not in judged and not record.suppressed
                and adverse(record.trend, better)):
            rows.append(_row(None, (entry or {}).get("criterion"), None, None, "vigilance",
                             t("diagnostic.decline", label=record.label,
                               **_trend_words(record.trend, language)),
                             record, None, None, "trend", None,
                             _evidence_text(record, t, language)))
    findings = _frame(rows)
    findings.attrs.update(_grid_attrs(grid, language), not_evaluated=skipped,
                          evaluated=evaluated)
    return findings


def _number(value) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and not _missing(value))


def _signals(rule: Rule, record: Evidence, t, language: str) -> list[str]:
    """What contradicts a level that reaches its threshold, in words."""
    found = []
    if adverse(record.trend, rule.better):  # a significant decline is never a strength
        found.append(t("diagnostic.signal.trend", **_trend_words(record.trend, language)))
    if rule.benchmark and worse_quarter(record.position, rule.better):
        found.append(t("diagnostic.signal.benchmark", count=record.position.peers,
                       percentile=fmt.number(record.position.percentile, 0)))
    return found


def _trend_words(trend: Trend, language: str) -> dict:
    locale = fmt.LOCALES[language]
    return {"change": fmt.change(trend.change, locale=locale), "first": trend.first,
            "last": trend.last, "test": trend.test or "",
            "p": fmt.p_clause(trend.p_value, locale=locale) if trend.p_value is not None
            else "", "start": fmt.by_kind(trend.first_value, trend.value_kind, locale=locale),
            "end": fmt.by_kind(trend.last_value, trend.value_kind, locale=locale)}


def _finding_text(rule: Rule, kind: str | None, record: Evidence, t,
                  language: str) -> str | None:
    """The rule's text for ``kind``, its placeholders filled; a point of vigilance without a
    text of its own is the strength's text followed by what contradicts it."""
    if kind is None:
        return None
    locale = fmt.LOCALES[language]
    entry = indicators.indicator(rule.indicator, language)
    values = {"value": record.text(language), "label": record.label,
              "threshold": (threshold_text(rule.threshold, entry["kind"], locale)
                            if rule.threshold is not None else ""),
              "peers": record.position.peers if record.position else "",
              "percentile": (fmt.number(record.position.percentile, 0)
                             if record.position and record.position.ranked else ""),
              **({key: "" for key in ("change", "first", "last", "test", "p")}
                 | (_trend_words(record.trend, language) if record.trend else {}))}
    signals = _signals(rule, record, t, language)
    values["signals"] = t("diagnostic.signals_join").join(signals)
    if kind in rule.findings:
        return rule.findings[kind][language].format(**values)
    if kind == "vigilance" and "strength" in rule.findings:
        strength = rule.findings["strength"][language].format(**values).rstrip(". ")
        return t("diagnostic.vigilance_text", finding=strength, signals=values["signals"])
    return None


def _evidence_text(record: Evidence, t, language: str, rule: Rule | None = None,
                   others=()) -> str:
    """The figure, its threshold, its trend and its rank, in words."""
    locale = fmt.LOCALES[language]
    parts = [t("diagnostic.evidence_value", label=record.label, value=record.text(language))]
    if rule is not None and rule.threshold is not None:
        entry = indicators.indicator(rule.indicator, language)
        parts[0] = t("diagnostic.evidence", label=record.label, value=record.text(language),
                     operator=SYMBOLS[rule.operator],
                     threshold=threshold_text(rule.threshold, entry["kind"], locale))
    for condition, other in zip(rule.also if rule else (), others, strict=False):
        if other is not None:
            entry = indicators.indicator(condition.indicator, language)
            parts.append(t("diagnostic.evidence", label=other.label,
                           value=other.text(language), operator=SYMBOLS[condition.operator],
                           threshold=threshold_text(condition.threshold, entry["kind"],
                                                    locale)))
    trend = record.trend
    if trend is not None:
        words = _trend_words(trend, language)
        key = ("diagnostic.evidence_trend" if trend.tested
               else "diagnostic.evidence_trend_untested")
        parts.append(t(key, significance=t("diagnostic.significant" if trend.significant
                                           else "diagnostic.not_significant"), **words))
        if trend.breaks:
            parts.append(t("diagnostic.evidence_breaks",
                           breaks=t("diagnostic.signals_join").join(trend.breaks)))
    position = record.position
    if position is not None:
        parts.append(t("diagnostic.evidence_rank", percentile=fmt.number(
            position.percentile, 0, locale=locale), count=position.peers) if position.ranked
            else t("diagnostic.evidence_unranked", count=position.peers,
                   needed=position.min_peers))
    return t("diagnostic.separator").join(parts)


def _row(rule_id, criterion, phase, stage, kind, text, record: Evidence, threshold,
         operator, source, reference, evidence) -> dict:
    return {"rule": rule_id, "criterion": criterion, "phase": phase, "oecd_stage": stage,
            "kind": kind, "finding": text, "indicator": record.key, "label": record.label,
            "value": record.value, "value_kind": record.kind, "threshold": threshold,
            "operator": SYMBOLS[operator] if operator else None, "section": record.section,
            "source": source, "reference": reference, "evidence": evidence}


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
    file = study.inside(name, "diagnostic", "assessments_file")
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
    """The study's diagnostic: the grid's rules over its evidence, then the consultant's
    assessments; records the ``strengths``, ``weaknesses`` and ``vigilance_points`` counts.

    Returns
    -------
    DataFrame
        The columns of :func:`evaluate`; ``attrs`` as there (``not_evaluated``…).
    """
    grid = study_grid(study)
    ruled = evaluate(grid, plausibility.conclusive(study.evidence()), study.language)
    assessed = assessments(study, grid)
    findings = _frame(ruled.to_dict("records") + assessed.to_dict("records"))
    findings.attrs = {**ruled.attrs}
    for key, kind in (("strengths", "strength"), ("weaknesses", "weakness"),
                      ("vigilance_points", "vigilance")):
        study.record(key, int((findings["kind"] == kind).sum()),
                     label=indicators.indicator(key, study.language)["label"], kind="number")
    return findings


def scores(findings: pd.DataFrame, by: str = "criterion") -> pd.DataFrame:
    """Strengths, weaknesses, points of vigilance and a score per criterion (or phase, or
    OECD stage).

    score = (strengths − weaknesses) ÷ (strengths + weaknesses + points of vigilance), from
    −1 (weaknesses only) to +1 (strengths only), 0 when they balance; a point of vigilance
    weighs neither way but keeps the score from claiming more than the findings show. Empty
    (NaN) without any finding.

    Parameters
    ----------
    findings : DataFrame
        From :func:`evaluate`, :func:`assessments` or :func:`diagnose`.
    by : {"criterion", "phase", "oecd_stage"}

    Returns
    -------
    DataFrame
        ``<by>, label, strengths, weaknesses, vigilance, findings, score``: every criterion
        (phase,
        stage) of the grid in its order, then, when some findings have none, a row with
        ``<by>`` empty for them.

    Examples
    --------
    >>> findings = pd.DataFrame({"criterion": ["impact", "impact", "impact", "pertinence",
    ...                                        "pertinence"],
    ...                          "kind": ["strength", "strength", "weakness", "weakness",
    ...                                   "vigilance"]})
    >>> scores(findings).round(3)
        criterion       label  strengths  weaknesses  vigilance  findings  score
    0      impact      impact          2           1          0         3  0.333
    1  pertinence  pertinence          0           1          1         2 -0.500
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
        watch = int((chosen["kind"] == "vigilance").sum())
        total = strong + weak + watch
        rows.append({by: key, "label": label, "strengths": strong, "weaknesses": weak,
                     "vigilance": watch, "findings": total,
                     "score": (strong - weak) / total if total else float("nan")})
    table = pd.DataFrame(rows, columns=[by, "label", "strengths", "weaknesses", "vigilance",
                                        "findings", "score"])
    table[by] = table[by].astype(object).where(table[by].notna(), None)
    return table


def summary_chart(table: pd.DataFrame, language: str = "fr"):
    """Diverging horizontal bars, one row per criterion (phase…): weaknesses, then points of
    vigilance, to the left, strengths to the right, each count written on its bar, the
    left-hand bars hatched differently, so that nothing rests on colour alone. Untitled: the
    report adds the title and alt text.

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
    ...                       "weaknesses": [1], "vigilance": [1], "findings": [4],
    ...                       "score": [1 / 4]})
    >>> fig = summary_chart(table)
    >>> [text.get_text() for text in fig.axes[0].texts]
    ['1', '1', '2']
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    from civeval.presentation import charts

    t = i18n.translator(language)
    locale = fmt.LOCALES[language]
    positions = list(range(len(table)))[::-1]  # the grid's first criterion on top
    fig, axis = plt.subplots(figsize=(8, 0.55 * len(table) + 1.4))
    weaknesses = table["weaknesses"].to_numpy()
    vigilance = table["vigilance"].to_numpy()
    weak = axis.barh(positions, -weaknesses, color=charts.PALETTE[5],
                     hatch="//", edgecolor="white", label=t("diagnostic.weaknesses"))
    watch = axis.barh(positions, -vigilance, left=-weaknesses, color=charts.PALETTE[1],
                      hatch="..", edgecolor="white", label=t("diagnostic.vigilance_points"))
    strong = axis.barh(positions, table["strengths"].to_numpy(), color=charts.PALETTE[0],
                       label=t("diagnostic.strengths"))
    for bars, counts in ((weak, table["weaknesses"]), (watch, table["vigilance"]),
                         (strong, table["strengths"])):
        axis.bar_label(bars, labels=[fmt.integer(c, locale=locale) if c else ""
                                     for c in counts], label_type="center")
    axis.set_yticks(positions, table["label"].astype(str))
    widest = max(int(table["strengths"].max() or 0), int((weaknesses + vigilance).max() or 0),
                 1)
    axis.set_xlim(-widest - 0.8, widest + 0.8)
    axis.axvline(0, color="black", linewidth=0.8)
    axis.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    axis.xaxis.set_major_formatter(FuncFormatter(
        lambda value, _: fmt.integer(abs(value), locale=locale)))
    axis.set_xlabel(t("diagnostic.chart_axis"))
    axis.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, frameon=False)
    fig.tight_layout()
    return fig
