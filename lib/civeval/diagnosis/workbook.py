"""The action plan as a workbook the client's services fill in (:func:`export_xlsx`).

The plan (:func:`civeval.diagnosis.actionplan.action_plan`) is written with a sheet of
actions and a sheet of follow-up indicators, formatted by
:mod:`civeval.presentation.spreadsheets`, with blank columns for the services to report
progress and measured values.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from civeval.diagnosis.actionplan import ACTION_COLUMNS, INDICATOR_COLUMNS
from civeval.diagnosis.recommendations import lever_label, priority_label, priority_score
from civeval.diagnosis.validation import check_language
from civeval.diagnosis.values import parse_date
from civeval.presentation import i18n
from civeval.presentation.spreadsheets import sheet_names, write_sheet
from civeval.workbench.atomic import atomic_path

__all__ = ["export_xlsx"]

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
    converted = parse_date(value)
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
        As :func:`civeval.diagnosis.actionplan.action_plan` returns them.
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
    check_language(language)
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
    names = sheet_names([t("actionplan.sheet.actions"), t("actionplan.sheet.indicators")])
    with atomic_path(path) as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        for name, table in zip(names, (sheet_actions, sheet_indicators), strict=True):
            write_sheet(writer, name, table, index=False)
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
