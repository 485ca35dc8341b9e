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

__all__ = ["COLUMNS", "load_reference", "load_sources"]

COLUMNS = ("name", "kind", "population", "population_year", "scheme_type", "year",
           "indicator", "statistic", "value", "source", "note", "public")
KINDS = ("national", "commune", "EPCI", "département", "région")
STATISTICS = ("value", "median", "mean", "count")
REFERENCE_FILE = Path("data") / "reference" / "participatory_budgets.csv"
SOURCES_FILE = Path("data") / "reference" / "sources.yml"
SOURCE_FIELDS = ("title", "publisher", "year")

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


def load_sources(path=None) -> dict[str, dict]:
    """Read the full references of the reference table's sources.

    Parameters
    ----------
    path : path, optional
        A YAML file in the format of ``data/reference/sources.yml``: under ``sources:``,
        each web address of the table's ``source`` column with its ``title``,
        ``publisher``, ``year`` and, when it has one, ``author``. Default: that file in the
        project, else in the workbench's source tree.

    Returns
    -------
    dict
        Address → its reference (``url`` the address, ``author`` None when not given).

    Raises
    ------
    CatalogError
        With the file and line: not YAML, no ``sources`` mapping, or a reference without
        its title, publisher or year.

    Examples
    --------
    >>> sources = load_sources()
    >>> sorted(set(load_reference()["source"]) - set(sources))
    []
    >>> sources["https://lbp-participation.fr/budget-participatif-la-participation-au-vote-en-question"]["year"]
    2022
    """  # noqa: E501
    from civeval.workbench import yamlsource

    path = Path(path) if path is not None else paths.reference_file(SOURCES_FILE)
    data, root = yamlsource.load(path, CatalogError, missing="the sources file does not exist")
    entries = data.get("sources") if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        raise CatalogError("expected `sources:`, a mapping of web addresses to references",
                           file=path)
    references = {}
    for address, entry in entries.items():
        entry = entry if isinstance(entry, dict) else {}
        missing = [field for field in SOURCE_FIELDS if entry.get(field) in (None, "")]
        if missing:
            mark = yamlsource.mark(root, ("sources", address))
            raise CatalogError(f"{address}: give its {', '.join(missing)}", file=path,
                               row=mark.line + 1 if mark else None)
        references[str(address)] = {"url": str(address), "author": entry.get("author"),
                                    **{field: entry[field] for field in SOURCE_FIELDS}}
    return references
