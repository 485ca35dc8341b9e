"""Excel sheets that read well: names Excel accepts, bold frozen headers, fitted columns.

Workbooks the workbench writes (:func:`civeval.qual.analysis.export_xlsx`,
:func:`civeval.diagnosis.workbook.export_xlsx`) write each table with pandas, then
:func:`format_sheet` formats the sheet; :func:`sheet_names` makes the wished sheet names
acceptable to Excel first.
"""

from __future__ import annotations

import re

import pandas as pd

__all__ = ["format_sheet", "sheet_names"]

_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_MAX_WIDTH = 60


def sheet_names(names) -> list[str]:
    """Names Excel accepts: at most 31 characters, none of []:*?/\\, unique.

    Parameters
    ----------
    names : iterable
        The wished names, in the order of the sheets (each turned into text).

    Returns
    -------
    list of str
        One name per wished name: ``[]:*?/\\`` replaced by ``-``, cut to 31 characters,
        "Feuille" for an empty one, and duplicates (whatever their case) numbered.

    Examples
    --------
    >>> sheet_names(["Codes: groupes", "codes: groupes", ""])
    ['Codes- groupes', 'codes- groupes (2)', 'Feuille']
    """
    result, seen = [], set()
    for name in names:
        clean = _FORBIDDEN.sub("-", str(name)).strip("'").strip() or "Feuille"
        candidate, number = clean[:31], 1
        while candidate.casefold() in seen:
            number += 1
            suffix = f" ({number})"
            candidate = clean[:31 - len(suffix)] + suffix
        seen.add(candidate.casefold())
        result.append(candidate)
    return result


def format_sheet(sheet, table: pd.DataFrame, index: bool) -> None:
    """Format a sheet that ``table.to_excel`` has just written, for reading on screen.

    Parameters
    ----------
    sheet : openpyxl.worksheet.worksheet.Worksheet
        The sheet, as ``pandas.ExcelWriter.sheets[name]`` holds it.
    table : DataFrame
        The table written to it, whose headers and values give the column widths.
    index : bool
        Whether the table's index was written too, as its first column(s).

    Notes
    -----
    The header row is bold and frozen (with the index columns, when written); each
    column is as wide as its longest header or value, plus 2, at most 60 characters
    (empty cells count as nothing); columns whose header contains ``share`` (or is
    ``jaccard``) are formatted as percentages with one decimal.
    """
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    n_index = table.index.nlevels if index else 0
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = sheet.cell(row=2, column=n_index + 1).coordinate
    headers = ([str(name or "") for name in table.index.names] if index else []) + [
        str(column) for column in table.columns]
    values = ([table.index.get_level_values(i) for i in range(n_index)]
              + [table[column] for column in table.columns])
    for position, (header, column) in enumerate(zip(headers, values, strict=True), start=1):
        # Empty cells count as nothing: pandas 3 keeps them missing through astype(str).
        lengths = pd.Series(column, dtype=object).map(
            lambda value: 0 if pd.api.types.is_scalar(value) and pd.isna(value)
            else len(str(value)))
        width = max([len(header), *([int(lengths.max())] if len(lengths) else [])])
        letter = get_column_letter(position)
        sheet.column_dimensions[letter].width = min(width + 2, _MAX_WIDTH)
        if position > n_index and ("share" in header or header == "jaccard"):
            for (cell,) in sheet.iter_rows(min_row=2, min_col=position, max_col=position):
                cell.number_format = "0.0%"
