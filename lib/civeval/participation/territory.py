"""Territorial equity: participation and funding per district, and the gap between the most
and the least participating districts.

The population is given per district (see :mod:`civeval.participation.reach`); every
district of the population is listed, 0 participants included. Counts of people must go
through :func:`civeval.privacy.suppress_small_cells` before they are published.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from civeval.errors import InputError
from civeval.participation.inputs import as_population, check_frame, require_columns, shown
from civeval.participation.reach import participation_rate

__all__ = [
    "territorial_equity",
]


def territorial_equity(participants: pd.DataFrame, population_by_district, funded=None, *,
                       district_column: str | None = None, amount_column: str | None = None,
                       id_column: str | None = None) -> pd.DataFrame:
    """Participation and funding per district, and the gap between districts.

    Parameters
    ----------
    participants : DataFrame
        One row per participant (or vote, or project) **of one edition**: filter the
        edition first, or pass ``id_column`` to count people once over several.
    population_by_district : mapping, Series or two-column DataFrame
        Inhabitants per district (``study.load("population_quartiers")``).
    funded : mapping, Series or DataFrame, optional
        Euros funded per district, or a table of funded projects (one row each) with
        ``district_column`` and ``amount_column``, summed per district.
    district_column : str, optional
        The district column of ``participants`` (and of ``funded``). By default the
        name of the population's key column or index.
    amount_column : str, optional
        The amount column of a ``funded`` table; needed when it has more than two columns.
    id_column : str, optional
        Count distinct people rather than rows.

    Returns
    -------
    DataFrame
        One row per district of the population with ``<district>``, ``participants``,
        ``population``, ``participation_rate`` and, when ``funded`` is given, ``funded``
        (€) and ``funded_per_inhabitant``. ``attrs``:

        - ``overall_rate``: all participants ÷ total population;
        - ``max_district``, ``max_rate``, ``min_district``, ``min_rate``: the most and
          least participating districts;
        - ``rate_ratio`` = max_rate ÷ min_rate (``inf`` when a district has nobody) and
          ``rate_difference`` = max_rate − min_rate (in rate points: 0.03 = 3 points);
        - with ``funded``: ``funded_total`` and ``funded_per_inhabitant`` (overall).

    Notes
    -----
    .. math::

        r_d = \\frac{n_d}{P_d}, \\qquad
        \\text{gap ratio} = \\frac{\\max_d r_d}{\\min_d r_d}, \\qquad
        \\text{gap difference} = \\max_d r_d - \\min_d r_d, \\qquad
        \\text{€ per inhabitant}_d = \\frac{F_d}{P_d}

    A ratio of 2 means the most participating district votes twice as much, relative to
    its size, as the least participating one.

    Examples
    --------
    >>> voters = pd.DataFrame({"quartier": ["Nord"] * 6 + ["Sud"] * 3})
    >>> population = pd.DataFrame({"quartier": ["Nord", "Sud"], "population": [100, 150]})
    >>> table = territorial_equity(voters, population, funded={"Nord": 5000})
    >>> print(table.to_string())
      quartier  participants  population  participation_rate  funded  funded_per_inhabitant
    0     Nord             6       100.0                0.06  5000.0                   50.0
    1      Sud             3       150.0                0.02     0.0                    0.0
    >>> table.attrs["rate_ratio"], round(table.attrs["rate_difference"], 2)
    (3.0, 0.04)
    """
    check_frame(participants)
    population = as_population(population_by_district)
    if not isinstance(population, pd.Series):
        raise InputError("territorial equity needs the population of each district, not a "
                         "total")
    if district_column is None:
        district_column = population.index.name
        if district_column is None:
            raise InputError("name the district column: district_column=...")
    require_columns(participants, district_column, id_column)
    population = population.rename_axis(district_column)
    table = participation_rate(participants, population, by=district_column,
                               id_column=id_column)
    table.attrs.pop("population_key", None)
    rates = table.set_index(district_column)["participation_rate"]
    high, low = rates.idxmax(), rates.idxmin()
    with np.errstate(divide="ignore"):
        ratio = float(np.float64(rates[high]) / rates[low]) if rates[low] > 0 else math.inf
    table.attrs.update(
        overall_rate=float(table["participants"].sum() / population.sum()),
        max_district=high, max_rate=float(rates[high]),
        min_district=low, min_rate=float(rates[low]),
        rate_ratio=ratio, rate_difference=float(rates[high] - rates[low]),
    )
    if funded is not None:
        amounts = _funded(funded, district_column, amount_column)
        unknown = [d for d in amounts.index if d not in population.index]
        if unknown:
            raise InputError(f"{shown(unknown)} funded but not in the population's "
                             "districts", column=district_column)
        table["funded"] = table[district_column].map(amounts).fillna(0.0).astype(float)
        table["funded_per_inhabitant"] = (table["funded"] / table["population"]).where(
            table["population"] > 0)
        table.attrs.update(funded_total=float(amounts.sum()),
                           funded_per_inhabitant=float(amounts.sum() / population.sum()))
    return table


def _funded(funded, district_column: str, amount_column: str | None) -> pd.Series:
    """Euros per district from a mapping, a Series or a table of funded projects."""
    if isinstance(funded, pd.DataFrame):
        require_columns(funded, district_column)
        if amount_column is None:
            others = [c for c in funded.columns if c != district_column]
            if len(others) != 1:
                raise InputError("name the amount column of the funded table: "
                                 "amount_column=...")
            amount_column = others[0]
        require_columns(funded, amount_column)
        values = funded[amount_column]
        if not pd.api.types.is_numeric_dtype(values) or values.isna().any():
            raise InputError("funded amounts must be numbers, none missing",
                             column=amount_column)
        if funded[district_column].isna().any():
            raise InputError("funded projects without a district", column=district_column)
        return funded.groupby(district_column)[amount_column].sum().astype(float)
    if isinstance(funded, Mapping):
        funded = pd.Series(dict(funded), dtype=float)
    if not isinstance(funded, pd.Series):
        raise InputError("funded must map each district to euros, or be a table of "
                         "funded projects")
    if not pd.api.types.is_numeric_dtype(funded) or funded.isna().any():
        raise InputError("funded amounts must be numbers, none missing")
    return funded.groupby(level=0).sum().astype(float)
