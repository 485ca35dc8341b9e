"""Population margins: the INSEE counts that weighting reproduces.

A margins table has one row per category of each variable, with the columns ``variable``,
``categorie`` (or ``category``) and ``population``::

    variable;categorie;population
    age;18-29;4300
    sexe;Une femme;16100

It is the catalogue format ``margins``, so a study that declares one has it checked before
any kernel starts: counts must be numbers ≥ 0, a category may appear once per variable, and
every variable must add up to the same population, since raking cannot meet margins that
describe different populations.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from civeval.errors import CatalogError, WeightingError
from civeval.workbench import tables

COLUMNS = ("variable", "category", "population")
# Totals that differ by less than this share are rounding, not different populations.
TOLERANCE = 1e-6


def read_margins(path: Path, sep: str | None = None, encoding: str | None = None) -> pd.DataFrame:
    """Read and check a margins table (CSV); return its ``variable, category, population``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "marges.csv"
    >>> _ = path.write_text("variable;categorie;population\\nsexe;F;52\\nsexe;H;48\\n"
    ...                     "age;18-59;70\\nage;60+;30\\n", encoding="utf-8")
    >>> as_margins(read_margins(path))
    {'sexe': {'F': 52.0, 'H': 48.0}, 'age': {'18-59': 70.0, '60+': 30.0}}
    """
    path = Path(path)
    table = tables.read_csv(path, sep=sep, encoding=encoding,
                             text_columns=["variable", "categorie", "category"])
    table = table.rename(columns={"categorie": "category"})
    absent = [column for column in COLUMNS if column not in table.columns]
    if absent:
        raise CatalogError(f"a margins table needs the column(s) {', '.join(absent)}",
                           file=path, row=1)
    for number, value in enumerate(table["population"], start=2):
        if pd.isna(pd.to_numeric(value, errors="coerce")) or float(value) < 0:
            raise WeightingError(f"the population must be a number ≥ 0, not {str(value)!r}",
                                 file=path, row=number, column="population")
    table["population"] = table["population"].astype(float)
    repeated = table.duplicated(["variable", "category"])
    if repeated.any():
        number = int(repeated.to_numpy().nonzero()[0][0]) + 2
        raise WeightingError(f"the category {table.loc[repeated, 'category'].iloc[0]!r} of "
                             f"{table.loc[repeated, 'variable'].iloc[0]!r} appears twice",
                             file=path, row=number, column="category")
    totals = table.groupby("variable", sort=False)["population"].sum()
    if (totals.max() - totals.min()) > TOLERANCE * totals.max():
        detail = ", ".join(f"{variable} {total:,.0f}".replace(",", " ")
                           for variable, total in totals.items())
        raise WeightingError(f"the variables describe different populations ({detail}); "
                             "every variable must add up to the same total",
                             file=path, column="population")
    return table[list(COLUMNS)]


def as_margins(table: pd.DataFrame) -> dict[str, dict[str, float]]:
    """``{variable: {category: population}}``, the form :func:`~civeval.survey.weights.rake`
    takes."""
    return {variable: dict(zip(group["category"], group["population"], strict=True))
            for variable, group in table.groupby("variable", sort=False)}
