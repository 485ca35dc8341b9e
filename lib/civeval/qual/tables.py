"""Tables read with their line numbers, shared by the readers of qualitative material.

A CSV file (separator and encoding detected as in :mod:`civeval.workbench.tables`) or an
Excel sheet is read as text cells, each row with its line as an editor shows it, so that
every fault can name its file, line and column; a field's column is found by its header
(:func:`find_columns`: case, accents, punctuation and parentheses ignored). The codebook
(:mod:`civeval.qual.codebook`) and the readers of coded segments and workshop votes
(:mod:`civeval.qual.segments`, :mod:`civeval.qual.taguette`, :mod:`civeval.qual.qualcoder`,
:mod:`civeval.qual.votes`) read their tables this way.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from civeval.errors import CatalogError
from civeval.qual.roles import fold

__all__ = ["Table", "exact_columns", "find_columns", "header_key", "load_table",
           "text_or_none"]

EXCEL_SUFFIXES = (".xlsx", ".xlsm")


@dataclass
class Table:
    """A CSV file or a sheet, as text cells with the line of each row as an editor shows it.

    ``rows`` holds ``(line, cells)`` pairs, cells aligned on ``header`` (missing when empty);
    a quoted CSV cell spanning several lines counts them all.
    """

    path: Path
    header: list[str]
    header_line: int
    rows: list[tuple[int, list[str | None]]]
    sep: str | None = None


def load_table(path: str | Path, *, sep: str | None = None, encoding: str | None = None,
               sheet: str | int | None = None, duplicates: bool = False) -> Table:
    """Read a CSV file (separator and encoding detected) or an Excel sheet as text.

    ``duplicates`` allows repeated header names (QualCoder repeats ``Category``).
    """
    path = Path(path)
    if not path.is_file():
        raise CatalogError("file not found", file=path)
    if path.suffix.lower() in EXCEL_SUFFIXES:
        records = _excel_records(path, sheet)
        sep = None
    else:
        records, sep = _csv_records(path, sep, encoding)
    records = [(line, cells) for line, cells in records if any(cells)]
    if not records:
        raise CatalogError("the file is empty", file=path)
    header_line, header = records[0]
    header = [(name or "").replace("\ufeff", "").strip() for name in header]
    rows = records[1:]
    # Spreadsheets and French exports often end lines with a separator: an unnamed last
    # column is harmless when it is empty everywhere.
    while header and not header[-1] and not any(
            len(cells) >= len(header) and cells[len(header) - 1] for _, cells in rows):
        header.pop()
    width = len(header)
    for number, name in enumerate(header, start=1):
        if not name:
            raise CatalogError("a column has no name in the header line", file=path,
                               row=header_line, column=number)
        if not duplicates and name in header[: number - 1]:
            raise CatalogError(f"the column name {name!r} appears twice in the header",
                               file=path, row=header_line, column=number)
    aligned = []
    for line, cells in rows:
        if len(cells) > width and any(cells[width:]):
            if sep is None:
                raise CatalogError(f"a value beyond the last named column ({width})",
                                   file=path, row=line, column=width + 1)
            raise CatalogError(f"expected {width} fields separated by {sep!r}, found "
                               f"{len(cells)}", file=path, row=line)
        aligned.append((line, (cells + [None] * width)[:width]))
    if not aligned:
        raise CatalogError("the file has a header but no data rows", file=path)
    return Table(path, header, header_line, aligned, sep)


def _csv_records(path: Path, sep: str | None, encoding: str | None):
    from civeval.workbench import tables

    text = tables.decode(path.read_bytes(), path, encoding)
    if not text.strip():
        raise CatalogError("the file is empty", file=path)
    sep = sep or tables.sniff_separator(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    records, previous = [], 0
    try:
        for record in reader:
            records.append((previous + 1, [text_or_none(cell) for cell in record]))
            previous = reader.line_num
    except csv.Error as error:
        raise CatalogError(f"cannot be parsed as CSV: {error}", file=path,
                           row=reader.line_num) from None
    return records, sep


def _excel_records(path: Path, sheet):
    import openpyxl  # slow to import: most tables are CSV

    try:
        workbook = openpyxl.load_workbook(path, data_only=True)
    except Exception as error:  # openpyxl raises many types for a corrupt file
        raise CatalogError(f"cannot be opened as an Excel workbook: {error}",
                           file=path) from None
    try:
        if sheet is None:
            worksheet = workbook.worksheets[0]
        elif isinstance(sheet, int):
            if not 0 <= sheet < len(workbook.worksheets):
                raise CatalogError(f"no sheet number {sheet}; the workbook has "
                                   f"{len(workbook.worksheets)}", file=path)
            worksheet = workbook.worksheets[sheet]
        elif sheet in workbook.sheetnames:
            worksheet = workbook[sheet]
        else:
            raise CatalogError(f"no sheet named {sheet!r}; sheets: "
                               f"{', '.join(workbook.sheetnames)}", file=path)
        return [(number, [_cell_text(value) for value in row]) for number, row
                in enumerate(worksheet.iter_rows(values_only=True), start=1)]
    finally:
        workbook.close()


def _cell_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return text_or_none(value)


def text_or_none(value) -> str | None:
    """A cell as stripped text, None when it is missing or blank."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    value = str(value).strip()
    return value or None


def header_key(name: str) -> str:
    """A header as compared with known names: folded, no parentheses, punctuation as spaces.

    >>> header_key("Code(s)"), header_key("Rôle du locuteur"), header_key("codeur/codeuse")
    ('code', 'role du locuteur', 'codeur codeuse')
    """
    name = re.sub(r"\([^)]*\)", " ", str(name))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold(name)).split())


def find_columns(table: Table, fields: dict[str, Iterable[str]], *, required: Iterable[str],
                 labels: dict[str, str] | None = None, option: dict | None = None,
                 option_name: str | None = "columns", multiple: Iterable[str] = (),
                 numbered: dict[str, Iterable[str]] | None = None,
                 examples: dict[str, str] | None = None) -> dict[str, list[int]]:
    """Which columns of ``table`` hold each field, by header name.

    ``fields`` maps a field to the header keys (:func:`header_key`) that name it;
    ``option`` (the catalogue option ``option_name``) maps fields to headers and wins;
    ``multiple`` fields may have several columns, ``numbered`` ones also match ``<key> <n>``
    (``code_1``, ``thème 2``). A field that several columns could be, a required field with
    no column, an option naming no column: an error, with the header found (``examples``
    gives, per field, the headers the message suggests).
    """
    labels = labels or {}
    multiple = set(multiple)
    keys = [header_key(name) for name in table.header]
    found: dict[str, list[int]] = {}
    hint = (f"; or name it in the catalogue option {option_name}" if option_name else "")
    for name, headers in (option or {}).items():
        if name not in fields:
            raise CatalogError(f"the catalogue option {option_name} names an unknown field "
                               f"{name!r}; fields: {', '.join(fields)}", file=table.path)
        headers = [headers] if isinstance(headers, str) else list(headers)
        if len(headers) > 1 and name not in multiple:
            raise CatalogError(f"the catalogue option {option_name} gives several columns "
                               f"for {name}, which takes one", file=table.path)
        found[name] = []
        for header in headers:
            matches = [i for i, column in enumerate(table.header) if column == header]
            matches = matches or [i for i, key in enumerate(keys) if key == header_key(header)]
            if not matches:
                raise CatalogError(
                    f"the catalogue option {option_name} gives the column {header!r} for "
                    f"{name}, but the header has no such column; found: "
                    f"{', '.join(table.header)}", file=table.path, row=table.header_line)
            found[name].append(matches[0])
    taken = {index for indices in found.values() for index in indices}
    for name, synonyms in fields.items():
        if name in found:
            continue
        synonyms = set(synonyms)
        pattern = None
        if numbered and name in numbered:
            stems = "|".join(re.escape(stem) for stem in numbered[name])
            pattern = re.compile(rf"^(?:{stems}) ?\d+$")
        matches = [i for i, key in enumerate(keys) if i not in taken and (
            key in synonyms or (pattern is not None and pattern.match(key)))]
        if len(matches) > 1 and name not in multiple:
            shown = " and ".join(repr(table.header[i]) for i in matches)
            raise CatalogError(
                f"the columns {shown} could both be the {labels.get(name, name)}; keep one"
                + (f" or say which in the catalogue option {option_name} ({name}: <header>)"
                   if option_name else ""), file=table.path, row=table.header_line)
        if matches:
            found[name] = matches
            taken.update(matches)
    for name in required:
        if name not in found:
            shown = (examples or {}).get(name) or ", ".join(
                repr(key) for key in list(fields[name])[:3])
            raise CatalogError(
                f"no column for the {labels.get(name, name)}: expected a header such as "
                f"{shown}{hint}; found: {', '.join(table.header)}", file=table.path,
                row=table.header_line)
    return found


def exact_columns(table: Table, names: Iterable[str], what: str) -> dict[str, int]:
    """The column of each of ``names``, the headers of a tool's export (by
    :func:`header_key`); a missing one says the file is not ``what``."""
    keys = [header_key(name) for name in table.header]
    index = {}
    for name in names:
        if header_key(name) not in keys:
            raise CatalogError(f"not {what}: no column {name!r}; found: "
                               f"{', '.join(table.header)}", file=table.path,
                               row=table.header_line)
        index[name] = keys.index(header_key(name))
    return index
