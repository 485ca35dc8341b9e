"""Readers for the data catalogue: one function per file format, registered by name.

French exports rarely follow one convention, so the CSV reader *detects* them rather than
assuming them: UTF-8 with or without BOM or Windows-1252, ``;``/``,``/tab separators,
decimal comma, ``dd/mm/yyyy`` dates, and identifiers with leading zeros (INSEE codes) kept
as text. Every failure is an :class:`~civeval.errors.CatalogError` naming the file and,
where it can be known, the line and the column.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from civeval.errors import CatalogError


@dataclass(frozen=True)
class Reader:
    """A registered file format: its reading function, file suffixes and accepted options.

    ``path_options`` are the options that name another file (a codebook, say); the study
    resolves them relative to its own folder before calling the reader.
    """

    name: str
    read: Callable[..., pd.DataFrame]
    suffixes: tuple[str, ...]
    options: frozenset[str] = field(default_factory=frozenset)
    path_options: frozenset[str] = field(default_factory=frozenset)


READERS: dict[str, Reader] = {}


def register_reader(name: str, suffixes: tuple[str, ...] = (), options: tuple[str, ...] = (),
                    path_options: tuple[str, ...] = ()):
    """Register ``function(path, **options) -> DataFrame`` as the reader of format ``name``."""

    def decorate(function):
        READERS[name] = Reader(name, function, tuple(suffixes),
                               frozenset(options) | frozenset(path_options),
                               frozenset(path_options))
        return function

    return decorate


def format_for(path: Path) -> str | None:
    """The registered format whose suffix matches ``path``, or None."""
    suffix = Path(path).suffix.lower()
    for reader in READERS.values():
        if suffix in reader.suffixes:
            return reader.name
    return None


def reader_for(path: Path, fmt: str | None = None) -> Reader:
    """The reader of ``fmt``, or of the format guessed from the suffix of ``path``."""
    fmt = fmt or format_for(path)
    if fmt not in READERS:
        known = ", ".join(sorted(READERS))
        raise CatalogError(f"unknown format {fmt!r}; known formats: {known}", file=path)
    return READERS[fmt]


def read(path: Path, fmt: str | None = None, base_dir: Path | None = None,
         **options) -> pd.DataFrame:
    """Read ``path`` with the reader of ``fmt`` (guessed from the suffix when None).

    Options naming other files (the reader's ``path_options``) are taken relative to
    ``base_dir`` when given.
    """
    path = Path(path)
    reader = reader_for(path, fmt)
    unknown = set(options) - reader.options
    if unknown:
        allowed = ", ".join(sorted(reader.options)) or "none"
        raise CatalogError(
            f"unknown option(s) {', '.join(sorted(unknown))} for format {fmt!r}; "
            f"allowed: {allowed}",
            file=path,
        )
    if not path.is_file():
        raise CatalogError("file not found", file=path)
    if base_dir is not None:
        options = {k: (Path(base_dir) / v if k in reader.path_options else v)
                   for k, v in options.items()}
    return reader.read(path, **options)


# --- CSV -------------------------------------------------------------------------------

_SEPARATORS = ";,\t|"
_SPACES = " \u00a0\u202f"
_INT = re.compile(r"^[+-]?\d+$")
_DOT_DECIMAL = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_COMMA_DECIMAL = re.compile(rf"^[+-]?\d{{1,3}}([{_SPACES}]\d{{3}})*(,\d+)?$|^[+-]?\d+,\d+$")
_FRENCH_DATE = re.compile(r"^\d{1,2}/\d{1,2}/\d{4}( \d{1,2}:\d{2}(:\d{2})?)?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$")


def _decode(data: bytes, path: Path, encoding: str | None) -> str:
    if encoding is None:
        if data.startswith(b"\xef\xbb\xbf"):
            encoding = "utf-8-sig"
        else:
            try:
                return data.decode("utf-8")
            except UnicodeDecodeError:
                encoding = "cp1252"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise CatalogError(
            f"cannot be decoded as {encoding} (byte 0x{data[error.start]:02x}); "
            "save it as UTF-8 or set the catalogue option encoding",
            file=path, row=line,
        ) from None
    except LookupError:
        raise CatalogError(f"unknown encoding {encoding!r}", file=path) from None


def _sniff_separator(text: str) -> str:
    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=_SEPARATORS).delimiter
    except csv.Error:
        header = text.splitlines()[0]
        return max(_SEPARATORS, key=header.count)


def _all_match(values: pd.Series, pattern: re.Pattern) -> bool:
    return bool(len(values)) and all(pattern.match(value) for value in values)


_LEADING_ZERO = re.compile(r"^0\d+$")


def _has_leading_zero(values: pd.Series) -> bool:
    """Whether some value is an identifier such as an INSEE code (``01053``), not a number."""
    return any(_LEADING_ZERO.match(value) for value in values)


def _convert_column(column: pd.Series, decimal: str) -> pd.Series:
    """Turn a column of strings into numbers or dates when *every* value agrees."""
    # Patterns are tested on the distinct values: far fewer than the rows of a large file.
    values = pd.Series(column.dropna().unique()).str.strip()
    values = values[values != ""]
    if values.empty or _has_leading_zero(values):
        return column
    if _all_match(values, _INT):
        return pd.to_numeric(column, errors="raise").astype("Int64")
    if decimal == "," and _all_match(values, _COMMA_DECIMAL):
        cleaned = column.str.replace(rf"[{_SPACES}]", "", regex=True).str.replace(",", ".")
        return pd.to_numeric(cleaned, errors="raise")
    if decimal == "." and _all_match(values, _DOT_DECIMAL):
        return pd.to_numeric(column, errors="raise")
    if _all_match(values, _FRENCH_DATE):
        return pd.to_datetime(column, dayfirst=True, format="mixed")
    if _all_match(values, _ISO_DATE):
        return pd.to_datetime(column, format="ISO8601")
    return column


_TOKENIZE_LINE = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


@register_reader("csv", suffixes=(".csv", ".txt", ".tsv"),
                 options=("sep", "encoding", "decimal", "text_columns", "skip_rows"))
def read_csv(path: Path, sep: str | None = None, encoding: str | None = None,
             decimal: str | None = None, text_columns: list[str] | None = None,
             skip_rows: int = 0) -> pd.DataFrame:
    """Read a CSV file, detecting French conventions.

    Parameters
    ----------
    path : path
        The file.
    sep, encoding, decimal : str, optional
        Force a separator, an encoding or a decimal mark instead of detecting them.
    text_columns : list of str, optional
        Columns kept as text even when they look like numbers or dates.
    skip_rows : int
        Lines to skip before the header (titles some exports put on top).

    Returns
    -------
    pandas.DataFrame
        Integers as ``Int64``, decimals as ``float64``, dates as ``datetime64``, other
        columns as text; empty cells are missing values.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "budget.csv"
    >>> text = "quartier;montant;date\\nCentre;1 234,5;05/03/2024\\n"
    >>> _ = path.write_bytes(text.encode("cp1252"))
    >>> frame = read_csv(path)
    >>> frame["montant"].iloc[0], frame["date"].iloc[0].strftime("%Y-%m-%d")
    (np.float64(1234.5), '2024-03-05')
    """
    path = Path(path)
    data = path.read_bytes()
    text = _decode(data, path, encoding)
    del data  # large exports: keep one copy of the file in memory, not two
    if skip_rows:
        text = "\n".join(text.splitlines()[skip_rows:])
    if not text.strip():
        raise CatalogError("the file is empty", file=path)
    sep = sep or _sniff_separator(text)
    decimal = decimal or ("," if sep != "," else ".")
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                            na_values=[""], skipinitialspace=False)
    except pd.errors.ParserError as error:
        match = _TOKENIZE_LINE.search(str(error))
        if match:
            expected, line, saw = match.groups()
            raise CatalogError(
                f"expected {expected} fields separated by {sep!r}, found {saw}",
                file=path, row=int(line) + skip_rows,
            ) from None
        raise CatalogError(f"cannot be parsed as CSV: {error}", file=path) from None
    _check_header(frame, path)
    if frame.empty:
        raise CatalogError("the file has a header but no data rows", file=path)
    keep = set(text_columns or ())
    for name in frame.columns:
        if name not in keep:
            frame[name] = _convert_column(frame[name], decimal)
    return frame


def _check_header(frame: pd.DataFrame, path: Path) -> None:
    seen = set()
    for number, name in enumerate(frame.columns, start=1):
        if str(name).startswith("Unnamed: "):
            raise CatalogError("a column has no name in the header line", file=path, row=1,
                               column=number)
        base = re.sub(r"\.\d+$", "", str(name))
        if base in seen and base != name:
            raise CatalogError(f"the column name {base!r} appears twice in the header",
                               file=path, row=1, column=number)
        seen.add(name)


# --- Excel -----------------------------------------------------------------------------

@register_reader("xlsx", suffixes=(".xlsx", ".xlsm"), options=("sheet", "skip_rows"))
def read_excel(path: Path, sheet: str | int = 0, skip_rows: int = 0) -> pd.DataFrame:
    """Read one sheet of an Excel workbook (the first one unless ``sheet`` names another)."""
    path = Path(path)
    try:
        workbook = pd.ExcelFile(path, engine="openpyxl")
    except Exception as error:  # openpyxl raises many types for a corrupt file
        raise CatalogError(f"cannot be opened as an Excel workbook: {error}", file=path) from None
    with workbook:
        if isinstance(sheet, str) and sheet not in workbook.sheet_names:
            raise CatalogError(
                f"no sheet named {sheet!r}; sheets: {', '.join(workbook.sheet_names)}", file=path
            )
        frame = pd.read_excel(workbook, sheet_name=sheet, skiprows=skip_rows)
    if frame.empty:
        raise CatalogError(f"the sheet {sheet!r} has no data rows", file=path)
    _check_header(frame, path)
    return frame


# Platform and survey exports and population margins are catalogue formats too.
import civeval.participation.decidim  # noqa: E402, F401
import civeval.participation.pabulib  # noqa: E402, F401
import civeval.qual.coding  # noqa: E402, F401
import civeval.qual.io  # noqa: E402, F401
import civeval.survey.io  # noqa: E402, F401
import civeval.survey.margins  # noqa: E402, F401
import civeval.transparency  # noqa: E402, F401
