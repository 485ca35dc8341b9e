"""The reference table of published benchmark figures, and the benchmark table's vocabulary.

The reference table is shipped with the workbench, ``data/reference/participatory_budgets.csv``
(:func:`load_reference`): published figures only, each with its source (listed in
``data/reference/README.md``), all ``public``. The portfolio of past studies
(:func:`civeval.benchmark.past_studies.portfolio`) gives rows of the same columns.

Columns of the benchmark table
------------------------------
``name``, ``kind`` (``national``, ``commune``, ``EPCI``, ``département``, ``région``),
``population`` (INSEE, total), ``population_year``, ``scheme_type`` (the study vocabulary:
``budget participatif``…), ``year`` (of the figure), ``indicator`` (the key under which
studies record it, e.g. ``turnout_rate``: participants ÷ total population, a ratio),
``statistic`` (``value`` for one collectivité; ``median``, ``mean`` or ``count`` for a
national aggregate), ``value``, ``source``, ``note``, ``public``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from civeval.errors import CatalogError
from civeval.workbench import paths
from civeval.workbench.exports import lazy_module

# COLUMNS names the portfolio's columns too, which planning reads without a table.
np = lazy_module("numpy")
pd = lazy_module("pandas")
tables = lazy_module("civeval.workbench.tables")

__all__ = ["COLUMNS", "load_reference"]

COLUMNS = ("name", "kind", "population", "population_year", "scheme_type", "year",
           "indicator", "statistic", "value", "source", "note", "public")
KINDS = ("national", "commune", "EPCI", "département", "région")
STATISTICS = ("value", "median", "mean", "count")
REFERENCE_FILE = Path("data") / "reference" / "participatory_budgets.csv"

_TRUE, _FALSE = {"true", "vrai", "oui", "yes", "1"}, {"false", "faux", "non", "no", "0"}


def _reference_path() -> Path:
    """The project's copy of the reference table, else the one in the source checkout."""
    return paths.reference_file(REFERENCE_FILE)


def _flags(values: pd.Series, path: Path, column: str) -> pd.Series:
    text = values.astype("string").str.strip().str.lower()
    flags = text.map(lambda v: True if v in _TRUE else False if v in _FALSE else None,
                     na_action="ignore")
    bad = flags.isna()
    if bad.any():
        position = int(np.flatnonzero(bad.to_numpy())[0])
        raise CatalogError(f"{values.iloc[position]!r} is not true or false", file=path,
                           row=position + 2, column=column)
    return flags.astype(bool)


def _closed(values: pd.Series, allowed: Sequence[str], path: Path, column: str) -> None:
    bad = ~values.isin(allowed)
    if bad.any():
        position = int(np.flatnonzero(bad.to_numpy())[0])
        raise CatalogError(f"{values.iloc[position]!r} is not one of {', '.join(allowed)}",
                           file=path, row=position + 2, column=column)


def load_reference(path=None) -> pd.DataFrame:
    """Read the reference table of published benchmark figures.

    Parameters
    ----------
    path : path, optional
        A CSV file in the format of ``data/reference/participatory_budgets.csv``
        (``,``-separated, ``.`` decimals, one line per row). Default: that file in the
        project, else in the workbench's source tree.

    Returns
    -------
    DataFrame
        The columns of :data:`COLUMNS` (see the module notes): ``population`` and ``year``
        as integers (missing for national aggregates), ``value`` as float, ``public`` as
        bool.

    Raises
    ------
    CatalogError
        A missing column, or a value out of its vocabulary (``kind``, ``statistic``,
        ``public``), not a number or empty where required, with its line and column.

    Examples
    --------
    >>> table = load_reference()
    >>> national = table[(table["kind"] == "national") & (table["indicator"] == "turnout_rate")]
    >>> print(national[["year", "statistic", "value"]].to_string(index=False))
     year statistic  value
     2018    median   0.04
     2018      mean   0.05
     2022      mean   0.08
    """
    path = Path(path) if path is not None else _reference_path()
    if not path.is_file():
        raise CatalogError("reference table not found", file=path)
    table = tables.read_csv(path, sep=",", decimal=".",
                             text_columns=["name", "kind", "scheme_type", "indicator",
                                           "statistic", "source", "note", "public"])
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise CatalogError(f"the reference table needs the column(s) {', '.join(missing)}",
                           file=path, row=1)
    for column in ("name", "indicator", "source"):
        empty = table[column].isna() | (table[column].astype("string").str.strip() == "")
        if empty.any():
            raise CatalogError(f"the {column} is empty", file=path,
                               row=int(np.flatnonzero(empty.to_numpy())[0]) + 2, column=column)
    _closed(table["kind"], KINDS, path, "kind")
    _closed(table["statistic"], STATISTICS, path, "statistic")
    for column in ("population", "population_year", "year", "value"):
        numbers = pd.to_numeric(table[column], errors="coerce")
        bad = table[column].notna() & numbers.isna()
        if bad.any():
            position = int(np.flatnonzero(bad.to_numpy())[0])
            raise CatalogError(f"{table[column].iloc[position]!r} is not a number", file=path,
                               row=position + 2, column=column)
        if column != "value" and (numbers.dropna() % 1 != 0).any():
            position = int(np.flatnonzero((numbers % 1 != 0).fillna(False).to_numpy())[0])
            raise CatalogError(f"{table[column].iloc[position]!r} is not a whole number",
                               file=path, row=position + 2, column=column)
        table[column] = numbers.astype("Float64" if column == "value" else "Int64")
    table["value"] = table["value"].astype(float)
    table["public"] = _flags(table["public"], path, "public")
    return table[list(COLUMNS)]
