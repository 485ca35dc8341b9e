"""Tables as French exports write them: CSV with its conventions detected, and Excel sheets.

French exports rarely follow one convention, so the CSV reader *detects* them rather than
assuming them: UTF-8 with or without BOM or Windows-1252, ``;``/``,``/tab separators,
decimal comma, ``dd/mm/yyyy`` dates, and identifiers with leading zeros (INSEE codes) kept
as text. Every failure is an :class:`~civeval.errors.CatalogError` naming the file and,
where it can be known, the line and the column.

These are the catalogue formats ``csv`` and ``xlsx`` (:mod:`civeval.workbench.formats`), and
the building blocks (:func:`decode`, :func:`sniff_separator`) of the platform readers.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

from civeval.errors import CatalogError

# --- CSV -------------------------------------------------------------------------------

_SEPARATORS = ";,\t|"
_SPACES = " \u00a0\u202f"
_INT = re.compile(r"^[+-]?\d+$")
_DOT_DECIMAL = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_COMMA_DECIMAL = re.compile(rf"^[+-]?\d{{1,3}}([{_SPACES}]\d{{3}})*(,\d+)?$|^[+-]?\d+,\d+$")
_FRENCH_DATE = re.compile(r"^\d{1,2}/\d{1,2}/\d{4}( \d{1,2}:\d{2}(:\d{2})?)?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$")


def decode(data: bytes, path: Path, encoding: str | None = None) -> str:
    """The text of a file's bytes: UTF-8 (with or without BOM), UTF-16 with its BOM (Excel's
    « Texte Unicode »), else Windows-1252, unless ``encoding`` is given; a byte that does not
    decode is located by its line, and UTF-16 without a BOM is refused rather than read as
    Windows-1252 (every other byte would be a NUL)."""
    if encoding is None:
        if data.startswith(b"\xef\xbb\xbf"):
            encoding = "utf-8-sig"
        elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
            encoding = "utf-16"
        elif b"\x00" in data[:4096]:
            raise CatalogError("looks like UTF-16 text without a byte order mark (it holds NUL "
                               "bytes): save it as UTF-8, or set the catalogue option "
                               "encoding: utf-16-le", file=path)
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


def sniff_separator(text: str) -> str:
    """The separator of a CSV text (``;``, ``,``, tab or ``|``), from its first 50 lines."""
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


def read_csv(path: Path, sep: str | None = None, encoding: str | None = None,
             decimal: str | None = None, text_columns: list[str] | None = None,
             skip_rows: int = 0, unique_names: bool = True) -> pd.DataFrame:
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
    unique_names : bool
        Refuse a header that names two columns alike; when False, the second is named
        ``name.1`` (pandas' way), for exports headed by texts that may repeat.

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
    text = decode(data, path, encoding)
    del data  # large exports: keep one copy of the file in memory, not two
    if skip_rows:
        text = "\n".join(text.splitlines()[skip_rows:])
    if not text.strip():
        raise CatalogError("the file is empty", file=path)
    sep = sep or sniff_separator(text)
    decimal = decimal or ("," if sep != "," else ".")
    _check_field_counts(text, sep, path, skip_rows)
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
    check_header(frame, path, unique_names)
    if frame.empty:
        raise CatalogError("the file has a header but no data rows", file=path)
    keep = set(text_columns or ())
    for name in frame.columns:
        if name not in keep:
            frame[name] = _convert_column(frame[name], decimal)
    return frame


def _check_field_counts(text: str, sep: str, path: Path, skip_rows: int) -> None:
    """Refuse a row with fewer fields than the header (a row written with another
    separator would otherwise become one cell and empty ones, silently); pandas itself
    refuses a row with more. Lines holding quotes are left to the CSV parser: a quoted field
    may hold the separator or a line break."""
    lines = pd.Series(text.splitlines())
    plain = lines[~lines.str.contains('"', regex=False) & (lines.str.strip() != "")]
    if plain.empty or lines.iloc[0].count('"'):
        return
    expected = lines.iloc[0].count(sep)
    counts = plain.str.count(re.escape(sep))
    short = counts[counts < expected]
    if len(short):
        line = int(short.index[0])
        raise CatalogError(f"expected {expected + 1} fields separated by {sep!r}, found "
                           f"{int(short.iloc[0]) + 1}", file=path, row=line + 1 + skip_rows)


def check_header(frame: pd.DataFrame, path: Path, unique_names: bool = True) -> None:
    seen = set()
    for number, name in enumerate(frame.columns, start=1):
        if str(name).startswith("Unnamed: "):
            raise CatalogError("a column has no name in the header line", file=path, row=1,
                               column=number)
        base = re.sub(r"\.\d+$", "", str(name))
        if unique_names and base in seen and base != name:
            raise CatalogError(f"the column name {base!r} appears twice in the header",
                               file=path, row=1, column=number)
        seen.add(name)


# --- Excel -----------------------------------------------------------------------------

def read_excel(path: Path, sheet: str | int = 0, skip_rows: int = 0,
               unique_names: bool = True) -> pd.DataFrame:
    """Read one sheet of an Excel workbook (the first one unless ``sheet`` names another);
    ``unique_names`` as for :func:`read_csv`."""
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
    check_header(frame, path, unique_names)
    return frame
