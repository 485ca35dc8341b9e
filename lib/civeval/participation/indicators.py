"""Participation indicators: reach, diversity, territorial equity and essoufflement.

Each public function computes one indicator of the DOMAIN table and returns a tidy DataFrame (one
row per edition, district, channel or category), ready for
:func:`civeval.presentation.report.table`. Rates and shares are ratios in [0, 1]; values describing
the whole table (gaps, number of rows left out, tests) are in ``result.attrs``.

Input tables hold one row per participation (a voter in an edition, a contribution, a
meeting of a council); the functions count rows, or distinct people when an id column is
named. Rows whose grouping value is missing are left out and counted in
``attrs["n_missing"]``.

Tables that count people (``participants``, ``returning``...) must go through
:func:`civeval.privacy.suppress_small_cells` before they are published.

Population
----------
``population`` is either a number (the total INSEE population: French practice divides by
the *total* population, minors included) or a mapping / Series / two-column DataFrame
(key, inhabitants) keyed by the values of one of the ``by`` columns, usually the district
(``study.load("population_quartiers")`` can be passed as it is). A per-district rate then
divides by that district's population, and districts without participants are listed
with 0.

Trends
------
:func:`trend` and :func:`attendance` state a verdict in plain French only when the test
supports it (p < ``alpha``); otherwise the verdict says there is no significant change,
whatever the raw numbers seem to show.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from civeval.errors import InputError
from civeval.presentation import fmt
from civeval.representativeness import representativeness

__all__ = [
    "attendance",
    "channel_shares",
    "diversity",
    "participation_rate",
    "proposals_per_thousand",
    "retention",
    "territorial_equity",
    "trend",
    "unique_participants",
]

LABELS = {
    "poisson": "régression de Poisson",
    "negative_binomial": "régression binomiale négative",
    "quasi_poisson": "régression de quasi-Poisson",
    "mann_kendall": "test de Mann-Kendall",
    "binomial": "régression logistique binomiale",
    "quasi_binomial": "régression quasi-binomiale",
}
"""French label shown to readers for each test identifier."""

OVERDISPERSION = 1.5
"""Pearson χ² ÷ residual degrees of freedom above which counts are overdispersed."""

_TREND_METHODS = ("auto", "poisson", "negative_binomial", "mann_kendall")
_FR = "fr_FR"  # verdicts are French sentences: their numbers are formatted the French way


# --------------------------------------------------------------------------- helpers

def _as_list(columns) -> list:
    if columns is None:
        return []
    return [columns] if isinstance(columns, str) else list(columns)


def _check_frame(data, name: str = "data") -> None:
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"the {name} must be a table (DataFrame), not "
                         f"{type(data).__name__}")


def _require_columns(data: pd.DataFrame, *names) -> None:
    for name in names:
        if name is not None and name not in data.columns:
            raise InputError(f"no column named {name!r} in the data", column=name)


def _population(population):
    """A total (float) or a Series of inhabitants keyed by category, checked."""
    if isinstance(population, pd.DataFrame):
        columns = list(population.columns)
        if len(columns) == 2:
            key, value = columns
            if value != "population" and key == "population":
                key, value = value, key
        else:
            raise InputError("a population table must have two columns: the category "
                             f"(district...) and its inhabitants; got {columns}")
        if population[key].duplicated().any():
            twice = population.loc[population[key].duplicated(), key].unique().tolist()
            raise InputError(f"population categories appear twice: {twice}", column=key)
        population = population.set_index(key)[value]
    if isinstance(population, Mapping):
        population = pd.Series(dict(population))
    if isinstance(population, pd.Series):
        if not population.index.is_unique:
            twice = population.index[population.index.duplicated()].unique().tolist()
            raise InputError(f"population categories appear twice: {twice}")
        if (not pd.api.types.is_numeric_dtype(population) or population.isna().any()
                or (population < 0).any()):
            raise InputError("population counts must be numbers ≥ 0, none missing",
                             column=population.name if isinstance(population.name, str)
                             else None)
        if population.sum() <= 0:
            raise InputError("the population counts add up to zero")
        return population.astype(float)
    if isinstance(population, bool) or not isinstance(population, int | float | np.number):
        raise InputError("the population must be a number of inhabitants or map each "
                         f"category to its inhabitants, not {type(population).__name__}")
    if not math.isfinite(population) or population <= 0:
        raise InputError(f"the population must be a positive number, not {population}")
    return float(population)


def _population_key(rows: pd.DataFrame, by: list, population: pd.Series) -> str | None:
    """The ``by`` column whose values are the population's categories.

    None when no ``by`` column shares a value with the population's categories (a
    per-district population with ``by="edition"``): the total population is used.
    """
    if not by:
        return None
    if population.index.name in by:
        return population.index.name
    keys = set(population.index)
    candidates = [column for column in by if set(rows[column].unique()) <= keys]
    if len(candidates) == 1:
        return candidates[0]
    if candidates:
        raise InputError(f"the population's categories match several columns {candidates}: "
                         "name the right one as the index name of the population Series")
    overlapping = [column for column in by if keys & set(rows[column].unique())]
    if not overlapping:
        return None
    return overlapping[0]  # its values outside the population are reported by the caller


def _rates(data, population, by, id_column, count_name: str, rate_name: str,
           factor: float) -> pd.DataFrame:
    """Counts per group of ``by`` and count ÷ population × ``factor``."""
    _check_frame(data)
    by = _as_list(by)
    _require_columns(data, *by, id_column)
    population = _population(population)
    rows = data.dropna(subset=by) if by else data
    n_missing = len(data) - len(rows)
    if id_column is not None:
        rows = rows.dropna(subset=[id_column])

    key = _population_key(rows, by, population) if isinstance(population, pd.Series) else None
    if key is not None:
        unknown = [value for value in rows[key].unique() if value not in population.index]
        if unknown:
            raise InputError(f"{_shown(unknown)} in the data but not in the population "
                             f"categories ({_shown(population.index, 20)})", column=key)

    if by:
        groups = rows.groupby(by, sort=True)
        counts = groups[id_column].nunique() if id_column else groups.size()
        if key is not None:
            levels = [pd.Index(population.index, name=column) if column == key
                      else counts.index.get_level_values(column).unique()
                      for column in by]
            full = (pd.MultiIndex.from_product(levels) if len(by) > 1
                    else pd.Index(levels[0], name=by[0]))
            counts = counts.reindex(full, fill_value=0)
        table = counts.rename(count_name).reset_index()
        if key is not None:
            table["population"] = table[key].map(population).astype(float)
        else:
            total = population.sum() if isinstance(population, pd.Series) else population
            table["population"] = total
    else:
        count = rows[id_column].nunique() if id_column else len(rows)
        total = population.sum() if isinstance(population, pd.Series) else population
        table = pd.DataFrame({count_name: [count], "population": [total]})
    table[count_name] = table[count_name].astype(int)
    with np.errstate(divide="ignore", invalid="ignore"):
        table[rate_name] = (table[count_name] / table["population"] * factor).where(
            table["population"] > 0)
    table.attrs.update(n_missing=int(n_missing), population_key=key)
    return table


def _shown(values, limit: int = 5) -> str:
    """Values quoted for an error message, at most ``limit`` of them."""
    values = list(values)
    text = ", ".join(repr(v.item() if isinstance(v, np.generic) else v)
                     for v in values[:limit])
    return text + (f" and {len(values) - limit} more" if len(values) > limit else "")


def edition_label(value) -> str:
    """An edition as readers write it: 2022, not 2022.0 nor 2 022."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _percent(ratio) -> str:
    """A change shown as a percentage: no decimal from 10 % up, one below."""
    return fmt.percent(abs(ratio), 0 if abs(ratio) >= 0.1 else 1, locale=_FR)


def _is_years(values) -> bool:
    return all(1900 <= float(v) <= 2200 for v in values)


def _wald(estimate: float, se: float, alpha: float) -> tuple[float, float, float, float]:
    """z, p-value and confidence bounds (on the estimate's scale) of a Wald test."""
    if not (np.isfinite(se) and se > 0):
        return math.nan, math.nan, math.nan, math.nan
    z = estimate / se
    half = stats.norm.ppf(1 - alpha / 2) * se
    return z, float(2 * stats.norm.sf(abs(z))), estimate - half, estimate + half


def _fit_quietly(fit, *args, **kwargs):
    """Fit without the warnings of saturated models (two editions: a perfect fit)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit(*args, **kwargs)


# --------------------------------------------------------------------------- reach

def participation_rate(participants: pd.DataFrame, population, by=None, *,
                       id_column: str | None = None) -> pd.DataFrame:
    """Share of the population that took part, overall or per edition, phase, district...

    Parameters
    ----------
    participants : DataFrame
        One row per participation (a voter in an edition, a contributor in a phase).
    population : number, mapping, Series or two-column DataFrame
        The total INSEE population, or inhabitants per category of one ``by`` column
        (e.g. per district; see the module's notes). When no ``by`` column shares a
        value with its categories (``by="edition"`` with a per-district population), its
        sum is the total population.
    by : str or list of str, optional
        Columns to group by: edition, phase, channel, district.
    id_column : str, optional
        Count distinct values of this column (people) rather than rows.

    Returns
    -------
    DataFrame
        One row per group with the ``by`` columns, ``participants``, ``population`` and
        ``participation_rate``. With a per-district population, every district is listed
        (0 participants included). ``attrs``: ``n_missing`` (rows left out for a missing
        ``by`` value) and ``population_key`` (the column matched to the population).

    Raises
    ------
    InputError
        When a column is missing, the population is not a positive number or mapping of
        counts, or a district of the data is not in the population.

    Notes
    -----
    .. math:: \\text{participation rate}_g = \\frac{n_g}{P_g}

    with :math:`n_g` the participants of group g and :math:`P_g` the total population
    (or the population of the district of g). French practice divides by the **total**
    population, not by the population allowed to take part: the 2018 median turnout of
    French participatory budgets was 4 %, the 2022 average 8 %, Rennes and Angers reach
    about 14 %.

    Examples
    --------
    >>> voters = pd.DataFrame({"edition": [2023] * 3 + [2024] * 2,
    ...                        "quartier": ["Nord", "Nord", "Sud", "Nord", "Nord"]})
    >>> print(participation_rate(voters, 100, by="edition").to_string())
       edition  participants  population  participation_rate
    0     2023             3       100.0                0.03
    1     2024             2       100.0                0.02
    >>> table = participation_rate(voters, {"Nord": 40, "Sud": 60}, by=["edition", "quartier"])
    >>> print(table.to_string())
       edition quartier  participants  population  participation_rate
    0     2023     Nord             2        40.0            0.050000
    1     2023      Sud             1        60.0            0.016667
    2     2024     Nord             2        40.0            0.050000
    3     2024      Sud             0        60.0            0.000000
    """
    return _rates(participants, population, by, id_column, "participants",
                  "participation_rate", 1.0)


def unique_participants(table: pd.DataFrame, id_column: str, by=None) -> pd.DataFrame:
    """Distinct participants per group (phase: submit, support, vote; edition...).

    Parameters
    ----------
    table : DataFrame
        One row per action (a proposal submitted, a support, a ballot).
    id_column : str
        The (pseudonymous) participant identifier.
    by : str or list of str, optional
        Columns to group by, e.g. ``"phase"`` or ``["edition", "phase"]``.

    Returns
    -------
    DataFrame
        One row per group with the ``by`` columns, ``participations`` (rows),
        ``unique_participants`` and ``participations_per_participant``. ``attrs``:
        ``unique_participants`` (distinct people over the whole table: one person active
        in several phases counts once), ``participations``, ``n_missing_id`` (rows
        without an id, left out) and ``n_missing`` (rows without a ``by`` value).

    Notes
    -----
    :math:`u_g = |\\{\\text{id} : \\text{id has a row in group } g\\}|`; the overall count
    is not the sum of the groups' counts.

    Examples
    --------
    >>> actions = pd.DataFrame({"personne": ["a", "a", "b", "a", "c"],
    ...                         "phase": ["dépôt", "vote", "vote", "vote", "vote"]})
    >>> table = unique_participants(actions, "personne", by="phase")
    >>> print(table.to_string())
       phase  participations  unique_participants  participations_per_participant
    0  dépôt               1                    1                        1.000000
    1   vote               4                    3                        1.333333
    >>> table.attrs["unique_participants"]
    3
    """
    _check_frame(table)
    by = _as_list(by)
    _require_columns(table, id_column, *by)
    with_id = table.dropna(subset=[id_column])
    rows = with_id.dropna(subset=by) if by else with_id
    if by:
        groups = rows.groupby(by, sort=True)[id_column]
        result = pd.DataFrame({"participations": groups.size(),
                               "unique_participants": groups.nunique()}).reset_index()
    else:
        result = pd.DataFrame({"participations": [len(rows)],
                               "unique_participants": [rows[id_column].nunique()]})
    result["participations_per_participant"] = (result["participations"]
                                                / result["unique_participants"])
    result.attrs.update(unique_participants=int(rows[id_column].nunique()),
                        participations=len(rows),
                        n_missing_id=len(table) - len(with_id),
                        n_missing=len(with_id) - len(rows))
    return result


def proposals_per_thousand(proposals: pd.DataFrame, population, by="edition"
                           ) -> pd.DataFrame:
    """Proposals (projects, contributions) per 1,000 inhabitants.

    Parameters
    ----------
    proposals : DataFrame
        One row per proposal.
    population : number, mapping, Series or two-column DataFrame
        Total population, or inhabitants per district (see :func:`participation_rate`).
    by : str or list of str, optional
        Columns to group by (``"edition"`` by default; None for the whole table).

    Returns
    -------
    DataFrame
        The ``by`` columns, ``proposals``, ``population`` and ``proposals_per_thousand``.

    Notes
    -----
    .. math:: \\frac{\\text{proposals}_g}{P_g} \\times 1000

    Examples
    --------
    >>> projects = pd.DataFrame({"edition": [2023, 2023, 2023, 2024]})
    >>> print(proposals_per_thousand(projects, 1500).to_string())
       edition  proposals  population  proposals_per_thousand
    0     2023          3      1500.0                2.000000
    1     2024          1      1500.0                0.666667
    """
    return _rates(proposals, population, by, None, "proposals", "proposals_per_thousand",
                  1000.0)


def channel_shares(participants: pd.DataFrame, channel_column: str, by="edition"
                   ) -> pd.DataFrame:
    """Share of each channel (online, in person, by post...) among participants.

    Parameters
    ----------
    participants : DataFrame
        One row per participation.
    channel_column : str
        The channel (``canal``: ``en ligne``, ``urne``...).
    by : str or list of str, optional
        Columns to group by (``"edition"`` by default; None for the whole table).

    Returns
    -------
    DataFrame
        One row per group and channel (every channel seen in the data is listed in every
        group, 0 included) with the ``by`` columns, ``<channel_column>``,
        ``participants`` and ``share`` (of the group's participants with a known
        channel). ``attrs["n_missing"]``: rows without a channel or ``by`` value.

    Notes
    -----
    :math:`s_{g,c} = n_{g,c} / \\sum_{c'} n_{g,c'}`.

    Examples
    --------
    >>> voters = pd.DataFrame({"edition": [2023, 2023, 2023, 2024],
    ...                        "canal": ["en ligne", "urne", "urne", "en ligne"]})
    >>> print(channel_shares(voters, "canal").to_string())
       edition     canal  participants     share
    0     2023  en ligne             1  0.333333
    1     2023      urne             2  0.666667
    2     2024  en ligne             1  1.000000
    3     2024      urne             0  0.000000
    """
    _check_frame(participants)
    by = _as_list(by)
    _require_columns(participants, channel_column, *by)
    keys = [*by, channel_column]
    rows = participants.dropna(subset=keys)
    counts = rows.groupby(keys, sort=True).size()
    if by:
        levels = [counts.index.get_level_values(column).unique() for column in keys]
        counts = counts.reindex(pd.MultiIndex.from_product(levels), fill_value=0)
    table = counts.rename("participants").reset_index()
    table["participants"] = table["participants"].astype(int)
    totals = (table.groupby(by)["participants"].transform("sum") if by
              else table["participants"].sum())
    table["share"] = table["participants"] / totals
    table.attrs["n_missing"] = len(participants) - len(rows)
    return table


# --------------------------------------------------------------------------- diversity

def diversity(participants: pd.DataFrame, column: str, population, by=None
              ) -> pd.DataFrame:
    """Who takes part compared with who lives there, per edition if ``by`` is given.

    A thin wrapper over :func:`civeval.representativeness.representativeness`, applied to
    each group of ``by``.

    Parameters
    ----------
    participants : DataFrame
        One row per participant.
    column : str
        Sex, age band, district, PCS, QPV flag...
    population : mapping, Series or two-column DataFrame
        Inhabitants per category of ``column``.
    by : str or list of str, optional
        Columns to group by (typically ``"edition"``).

    Returns
    -------
    DataFrame
        The table of :func:`~civeval.representativeness.representativeness` (``n``,
        ``share_respondents``, ``population``, ``share_population``,
        ``representation_ratio`` per category), with the ``by`` columns first when given.
        Without ``by`` its ``attrs`` are kept (dissimilarity index, χ² test...); with
        ``by``, ``attrs["summary"]`` holds them one row per group (``n``, ``n_missing``,
        ``dissimilarity_index``, ``chi2_statistic``, ``chi2_dof``, ``chi2_p_value``).

    Notes
    -----
    Representation ratio :math:`p_i / q_i` and dissimilarity index
    :math:`D = \\tfrac12 \\sum_i |p_i - q_i|`, with :math:`p_i` the share of participants
    and :math:`q_i` the share of the population in category i.

    Examples
    --------
    >>> voters = pd.DataFrame({"edition": [2023] * 4 + [2024] * 2,
    ...                        "sexe": ["F", "F", "F", "H", "F", "H"]})
    >>> table = diversity(voters, "sexe", {"F": 52, "H": 48}, by="edition")
    >>> print(table[["edition", "sexe", "n", "representation_ratio"]].to_string())
       edition sexe  n  representation_ratio
    0     2023    F  3              1.442308
    1     2023    H  1              0.520833
    2     2024    F  1              0.961538
    3     2024    H  1              1.041667
    >>> table.attrs["summary"]["dissimilarity_index"].round(2).tolist()
    [0.23, 0.02]
    """
    _check_frame(participants)
    by = _as_list(by)
    _require_columns(participants, column, *by)
    if isinstance(population, pd.DataFrame):
        population = _population(population)
    if not by:
        return representativeness(participants, column, population)
    rows = participants.dropna(subset=by)
    tables, summary = [], []
    for key, group in rows.groupby(by, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        table = representativeness(group, column, population)
        labels = dict(zip(by, key, strict=True))
        tables.append(table.assign(**labels)[[*by, *table.columns]])
        summary.append({**labels, **{name: table.attrs[name] for name in (
            "n", "n_missing", "dissimilarity_index", "chi2_statistic", "chi2_dof",
            "chi2_p_value")}})
    result = pd.concat(tables, ignore_index=True)
    result.attrs = {"summary": pd.DataFrame(summary), "n_missing": len(participants) - len(rows)}
    return result


# --------------------------------------------------------------------------- territories

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
    _check_frame(participants)
    population = _population(population_by_district)
    if not isinstance(population, pd.Series):
        raise InputError("territorial equity needs the population of each district, not a "
                         "total")
    if district_column is None:
        district_column = population.index.name
        if district_column is None:
            raise InputError("name the district column: district_column=...")
    _require_columns(participants, district_column, id_column)
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
            raise InputError(f"{_shown(unknown)} funded but not in the population's "
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
        _require_columns(funded, district_column)
        if amount_column is None:
            others = [c for c in funded.columns if c != district_column]
            if len(others) != 1:
                raise InputError("name the amount column of the funded table: "
                                 "amount_column=...")
            amount_column = others[0]
        _require_columns(funded, amount_column)
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


# --------------------------------------------------------------------------- essoufflement

def _editions(values: pd.Series, column: str) -> pd.Series:
    """Editions as numbers (years), checked."""
    if values.isna().any():
        raise InputError(f"{int(values.isna().sum())} row(s) have no edition", column=column)
    numbers = pd.to_numeric(values, errors="coerce")
    if numbers.isna().any():
        bad = values[numbers.isna()].iloc[0]
        raise InputError(f"editions must be numbers (years) to measure a trend; {bad!r} is "
                         "not", column=column)
    return numbers


def _verdict(direction: int, significant: bool, first, last, size: str | None,
             subject: str = "") -> str:
    """The French sentence: "baisse significative de 28 % entre 2022 et 2024"."""
    span = f"entre {edition_label(first)} et {edition_label(last)}"
    if not significant or direction == 0:
        return f"pas d'évolution significative{subject} {span}"
    word = "baisse" if direction < 0 else "hausse"
    return f"{word} significative{subject}{size or ''} {span}"


def trend(counts: pd.DataFrame, edition_column: str, count_column: str | None = None, *,
          method: str = "auto", alpha: float = 0.05) -> pd.DataFrame:
    """Test whether participation rises or falls across editions (essoufflement).

    Parameters
    ----------
    counts : DataFrame
        One row per edition with a count (participants, proposals, votes); several rows
        of an edition (e.g. one per district) are added up. Without ``count_column``,
        one row per participant: rows are counted per edition.
    edition_column : str
        The edition, as a number (the year).
    count_column : str, optional
        The count; whole numbers ≥ 0.
    method : {"auto", "poisson", "negative_binomial", "mann_kendall"}
        ``auto`` (default): Poisson regression, negative binomial when the counts are
        overdispersed (below). ``mann_kendall``: the rank test instead (no rate ratio).
    alpha : float
        Significance level of the verdict, and 1 − confidence level of the interval.

    Returns
    -------
    DataFrame
        One row: ``test`` (``poisson``, ``negative_binomial``, ``quasi_poisson`` or
        ``mann_kendall``), ``label`` (French), ``n_editions``, ``first_edition``,
        ``last_edition``, ``first_count``, ``last_count``, ``change`` (observed, first to
        last: −0.28 is −28 %), ``rate_ratio`` (per unit of edition: per year),
        ``ci_low``, ``ci_high``, ``fitted_change`` (first to last, from the model),
        ``statistic`` (Wald z; Kendall's τ for Mann–Kendall), ``p_value``,
        ``dispersion`` (Pearson χ² ÷ residual df of the Poisson fit) and ``verdict``.

    Raises
    ------
    InputError
        With fewer than two editions, editions that are not numbers, counts that are
        missing, negative or not whole, or counts that are all zero.

    Notes
    -----
    **Count model.** Counts :math:`y_t` at edition :math:`t` follow a log-linear model
    :math:`\\log E[y_t] = \\beta_0 + \\beta_1 (t - t_0)` (``statsmodels`` GLM, Poisson
    family). The rate ratio :math:`e^{\\beta_1}` is the factor applied to the count each
    year (0.9: −10 % a year); its Wald CI is :math:`e^{\\hat\\beta_1 \\pm z_{1-\\alpha/2}
    \\, se}` and the p-value tests :math:`\\beta_1 = 0`. On an exactly geometric series
    (100, 90, 81) the fit is exact and the rate ratio is exactly 0.9.

    **Overdispersion.** Poisson assumes variance = mean. When the Pearson statistic
    :math:`\\sum (y_t - \\hat\\mu_t)^2/\\hat\\mu_t` divided by the residual degrees of
    freedom exceeds 1.5 (``OVERDISPERSION``), ``auto`` switches to a negative binomial
    (NB2, variance :math:`\\mu + \\alpha\\mu^2`, ``statsmodels`` ``NegativeBinomial``,
    α by maximum likelihood), whose CI is wider. The negative binomial has three
    parameters: with three editions or fewer, or if it does not converge, a
    quasi-Poisson fit (Poisson with standard errors multiplied by the square root of
    the dispersion) is used instead. With two editions there is no residual degree of
    freedom: the dispersion is unknown and the Poisson test is used.

    **Mann–Kendall.** Kendall's τ between edition and count
    (``scipy.stats.kendalltau``): with editions all different, it is the Mann–Kendall
    trend test; without tied counts scipy uses the exact null distribution, with ties the
    normal approximation with tie-corrected variance (τ-b). It ignores the size of the
    counts: with 3 editions its smallest two-sided p-value is 1/3, with 4 it is 1/12;
    it can be significant only from 5 editions on.

    The p-value is Wald's, consistent with the interval. When the first or last
    editions count zero the fitted trend runs to infinity and the Wald test loses all
    power (Hauck–Donner effect): such a series is reported as not significant.

    **Verdict.** Only when p < ``alpha``: "baisse significative de 28 % entre 2022 et
    2024" (the observed change first → last; when it goes against the fitted trend, the
    fitted yearly change is given instead); otherwise "pas d'évolution significative
    entre 2022 et 2024", however large the raw change.

    Examples
    --------
    >>> counts = pd.DataFrame({"edition": [2022, 2023, 2024], "votants": [100, 90, 81]})
    >>> result = trend(counts, "edition", "votants")
    >>> result.loc[0, "test"], round(float(result.loc[0, "rate_ratio"]), 6)
    ('poisson', 0.9)
    >>> result.loc[0, "verdict"]
    "pas d'évolution significative entre 2022 et 2024"
    >>> counts["votants"] = [1130, 960, 815]
    >>> trend(counts, "edition", "votants").loc[0, "verdict"]
    'baisse significative de 28\\xa0% entre 2022 et 2024'
    """
    if method not in _TREND_METHODS:
        raise ValueError(f"method must be one of {_TREND_METHODS}, not {method!r}")
    _check_frame(counts, "counts")
    _require_columns(counts, edition_column, count_column)
    editions = _editions(counts[edition_column], edition_column)
    if count_column is None:
        values = pd.Series(1.0, index=counts.index)
    else:
        values = counts[count_column]
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            raise InputError("counts must be numbers", column=count_column)
        values = values.astype(float)
        if values.isna().any():
            raise InputError(f"{int(values.isna().sum())} count(s) are missing",
                             column=count_column)
        if (values < 0).any() or not (values == values.round()).all():
            raise InputError("counts must be whole numbers ≥ 0", column=count_column)
    series = values.groupby(editions.to_numpy()).sum().sort_index()
    if len(series) < 2:
        raise InputError("a trend needs at least two editions", column=edition_column)
    if series.sum() <= 0:
        raise InputError("all counts are zero", column=count_column)

    x = series.index.to_numpy(float)
    y = series.to_numpy(float)
    first, last = (int(v) if float(v).is_integer() else float(v)
                   for v in (series.index[0], series.index[-1]))
    change = y[-1] / y[0] - 1 if y[0] > 0 else math.nan
    design = sm.add_constant(x - x[0])
    poisson = _fit_quietly(sm.GLM(y, design, family=sm.families.Poisson()).fit)
    df_resid = len(y) - 2
    dispersion = float(poisson.pearson_chi2 / df_resid) if df_resid > 0 else math.nan

    result = {"test": method, "n_editions": len(y), "first_edition": first,
              "last_edition": last, "first_count": y[0], "last_count": y[-1],
              "change": change}
    if method == "mann_kendall":
        tau, p_value = stats.kendalltau(x, y)
        result.update(rate_ratio=math.nan, ci_low=math.nan, ci_high=math.nan,
                      fitted_change=math.nan, statistic=float(tau), p_value=float(p_value),
                      dispersion=dispersion)
        direction = int(np.sign(tau)) if np.isfinite(tau) else 0
        fitted_direction = direction
    else:
        test = method
        if method == "auto":
            test = ("negative_binomial" if df_resid > 0 and dispersion > OVERDISPERSION
                    else "poisson")
        beta, se = float(poisson.params[1]), float(poisson.bse[1])
        if test == "negative_binomial":
            fitted = None
            if len(y) > 3:
                model = sm.NegativeBinomial(y, design, loglike_method="nb2")
                fitted = _fit_quietly(model.fit, disp=0, maxiter=500)
                if not (fitted.mle_retvals.get("converged", False)
                        and np.all(np.isfinite(fitted.bse))):
                    fitted = None
            if fitted is None:
                test = "quasi_poisson"
                se = se * math.sqrt(max(dispersion, 1.0)) if np.isfinite(dispersion) else se
            else:
                beta, se = float(fitted.params[1]), float(fitted.bse[1])
        z, p_value, low, high = _wald(beta, se, alpha)
        with np.errstate(over="ignore"):
            result.update(test=test, rate_ratio=float(np.exp(beta)), ci_low=float(np.exp(low)),
                          ci_high=float(np.exp(high)),
                          fitted_change=float(np.exp(beta * (x[-1] - x[0])) - 1),
                          statistic=z, p_value=p_value, dispersion=dispersion)
        direction = fitted_direction = int(np.sign(beta))
    significant = bool(np.isfinite(result["p_value"]) and result["p_value"] < alpha)
    if np.isfinite(change) and np.sign(change) == fitted_direction:
        size = f" de {_percent(change)}"
    elif result["test"] != "mann_kendall":
        unit = "par an" if _is_years(x) else "par unité d'édition"
        sign = "−" if result["rate_ratio"] < 1 else "+"
        size = f" (tendance de {sign}{_percent(result['rate_ratio'] - 1)} {unit})"
    else:
        size = None
    result["verdict"] = _verdict(direction, significant, first, last, size)
    result["label"] = LABELS[result["test"]]
    columns = ["test", "label", "n_editions", "first_edition", "last_edition", "first_count",
               "last_count", "change", "rate_ratio", "ci_low", "ci_high", "fitted_change",
               "statistic", "p_value", "dispersion", "verdict"]
    return pd.DataFrame([result])[columns]


def retention(participants: pd.DataFrame, id_column: str, edition_column: str
              ) -> pd.DataFrame:
    """Who comes back: participants of edition n who took part in edition n − 1.

    Parameters
    ----------
    participants : DataFrame
        One row per participant and edition, with a pseudonymous id that persists from
        one edition to the next (repeated rows of a person in an edition count once).
    id_column : str
        The participant id.
    edition_column : str
        The edition; editions are taken in sorted order (in category order for an
        ordered categorical), n − 1 being the previous edition present in the data.

    Returns
    -------
    DataFrame
        One row per edition from the second with ``edition``, ``previous_edition``,
        ``participants`` (of n), ``previous_participants`` (of n − 1), ``returning``
        (in both), ``retention_rate``, ``first_time`` (in no earlier edition) and
        ``first_time_share``. ``attrs["n_missing"]``: rows without id or edition, left out.

    Notes
    -----
    With :math:`A_n` the set of participants of edition n:

    .. math::

        \\text{retention}_n = \\frac{|A_n \\cap A_{n-1}|}{|A_{n-1}|}, \\qquad
        \\text{first-time share}_n = \\frac{|A_n \\setminus (A_1 \\cup \\dots \\cup
        A_{n-1})|}{|A_n|}

    The retention rate answers "what share of last edition's participants came back";
    the first-time share "what share of this edition's participants is new". A person
    back after a gap is neither returning nor first-time.

    Examples
    --------
    >>> rows = pd.DataFrame({"id": ["a", "b", "c", "a", "b", "d", "a", "c", "e"],
    ...                      "edition": [2022] * 3 + [2023] * 3 + [2024] * 3})
    >>> table = retention(rows, "id", "edition")
    >>> print(table[["edition", "participants", "returning", "retention_rate",
    ...              "first_time_share"]].to_string())
       edition  participants  returning  retention_rate  first_time_share
    0     2023             3          2        0.666667          0.333333
    1     2024             3          1        0.333333          0.333333
    """
    _check_frame(participants)
    _require_columns(participants, id_column, edition_column)
    rows = participants.dropna(subset=[id_column, edition_column])
    editions = rows[edition_column]
    if isinstance(editions.dtype, pd.CategoricalDtype):
        order = [c for c in editions.cat.categories if c in set(editions)]
    else:
        order = sorted(editions.unique())
    if len(order) < 2:
        raise InputError("retention needs at least two editions", column=edition_column)
    people = {edition: set(group[id_column]) for edition, group in
              rows.groupby(edition_column, sort=False, observed=True)}
    records, seen = [], set(people[order[0]])
    for previous, edition in zip(order, order[1:], strict=False):
        now, before = people[edition], people[previous]
        returning = len(now & before)
        first_time = len(now - seen)
        records.append({
            "edition": edition, "previous_edition": previous, "participants": len(now),
            "previous_participants": len(before), "returning": returning,
            "retention_rate": returning / len(before),
            "first_time": first_time,
            "first_time_share": first_time / len(now) if now else math.nan,
        })
        seen |= now
    result = pd.DataFrame(records)
    result.attrs["n_missing"] = len(participants) - len(rows)
    return result


def attendance(register: pd.DataFrame, members_column: str, present_column: str,
               date_column: str, by=None, *, per: str = "year", alpha: float = 0.05
               ) -> pd.DataFrame:
    """Attendance of council members over time, and its trend.

    Parameters
    ----------
    register : DataFrame
        One row per meeting (``seances``): members expected, members present, date.
    members_column : str
        Members expected (enrolled) at the meeting.
    present_column : str
        Members present.
    date_column : str
        The meeting's date (datetime, ``dd/mm/yyyy`` or ISO text), or a year.
    by : str or list of str, optional
        Columns to break the table down by (a council, a district).
    per : {"year", "meeting"}
        One row per year (default) or per meeting.
    alpha : float
        Significance level of the verdict, and 1 − confidence level of the interval.

    Returns
    -------
    DataFrame
        Per year: the ``by`` columns, ``year``, ``meetings``, ``members`` (member-seats:
        the sum over meetings), ``present`` and ``attendance_rate``; per meeting: the
        ``by`` columns, ``date``, ``year``, ``members``, ``present``, ``attendance_rate``.
        ``attrs["trend"]``: one row (all meetings) with ``test`` (``binomial`` or
        ``quasi_binomial``), ``label``, ``first_year``, ``last_year``, ``first_rate``,
        ``last_rate`` (pooled rates of those years), ``change`` (in rate points),
        ``odds_ratio`` (per year), ``ci_low``, ``ci_high``, ``statistic`` (Wald z),
        ``p_value``, ``dispersion`` and ``verdict``; with ``by``, ``attrs["trend_by"]``
        holds the same per group. With a single year, the test columns are missing.

    Raises
    ------
    InputError
        When counts are missing, negative, or more members are present than expected.

    Notes
    -----
    .. math:: \\text{attendance rate} = \\frac{\\sum \\text{present}}{\\sum
              \\text{members}}

    over the meetings of the period (a pooled rate: a large council weighs more).
    **Trend**: each meeting is a binomial observation (present out of members) in a
    logistic regression on the year, :math:`\\operatorname{logit} \\pi = \\beta_0 +
    \\beta_1 (\\text{year} - \\text{first year})` (``statsmodels`` GLM, binomial
    family); the odds ratio :math:`e^{\\beta_1}` below 1 means attendance falls. When the
    Pearson χ² ÷ residual df exceeds 1.5 (meetings vary more than chance allows:
    councils differ), the standard errors are multiplied by its square root
    (quasi-binomial). The verdict ("baisse significative du taux de présence entre 2023
    et 2025 (de 65,8 % à 59,3 %)") is stated only when p < ``alpha``.

    Examples
    --------
    >>> register = pd.DataFrame({
    ...     "date": ["15/01/2023", "15/06/2023", "15/01/2024", "15/06/2024"],
    ...     "inscrits": [20, 20, 20, 20], "presents": [18, 16, 12, 10]})
    >>> table = attendance(register, "inscrits", "presents", "date")
    >>> print(table.to_string())
       year  meetings  members  present  attendance_rate
    0  2023         2       40       34             0.85
    1  2024         2       40       22             0.55
    >>> table.attrs["trend"].loc[0, "verdict"]  # no-break spaces before %, as in French
    'baisse significative du taux de présence entre 2023 et 2024 (de 85\\xa0% à 55\\xa0%)'
    """
    if per not in ("year", "meeting"):
        raise ValueError(f"per must be 'year' or 'meeting', not {per!r}")
    _check_frame(register, "register")
    by = _as_list(by)
    _require_columns(register, members_column, present_column, date_column, *by)
    data = register.dropna(subset=by) if by else register
    members = _meeting_counts(data, members_column)
    present = _meeting_counts(data, present_column)
    over = present > members
    if over.any():
        raise InputError(f"more members present than expected on {int(over.sum())} "
                         f"meeting(s) (first: row index {over[over].index[0]!r})",
                         column=present_column)
    dates = data[date_column]
    if dates.isna().any():
        raise InputError(f"{int(dates.isna().sum())} meeting(s) without a date",
                         column=date_column)
    if pd.api.types.is_numeric_dtype(dates):
        years = dates.astype(int)
    else:
        if not pd.api.types.is_datetime64_any_dtype(dates):
            text = dates.astype(str).str.strip()
            parsed = pd.to_datetime(text, format="%d/%m/%Y", errors="coerce")
            iso = pd.to_datetime(text[parsed.isna()], format="ISO8601", errors="coerce")
            parsed = parsed.fillna(iso)
            if parsed.isna().any():
                bad = dates[parsed.isna()].iloc[0]
                raise InputError(f"{bad!r} is not a date", column=date_column)
            dates = parsed
        years = dates.dt.year
    meetings = pd.DataFrame({**{column: data[column] for column in by},
                             "date": dates, "year": years.astype(int),
                             "members": members.astype(int), "present": present.astype(int)})
    if per == "meeting":
        table = meetings.sort_values([*by, "date"], kind="stable").reset_index(drop=True)
    else:
        table = (meetings.groupby([*by, "year"], sort=True)
                 .agg(meetings=("members", "size"), members=("members", "sum"),
                      present=("present", "sum")).reset_index())
    with np.errstate(divide="ignore", invalid="ignore"):
        table["attendance_rate"] = (table["present"] / table["members"]).where(
            table["members"] > 0)
    table.attrs["trend"] = pd.DataFrame([_attendance_trend(meetings, alpha)])
    if by:
        rows = [{**dict(zip(by, key if isinstance(key, tuple) else (key,), strict=True)),
                 **_attendance_trend(group, alpha)}
                for key, group in meetings.groupby(by, sort=True)]
        table.attrs["trend_by"] = pd.DataFrame(rows)
    table.attrs["n_missing"] = len(register) - len(data)
    return table


def _meeting_counts(data: pd.DataFrame, column: str) -> pd.Series:
    values = data[column]
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        raise InputError("must hold numbers of members", column=column)
    if values.isna().any():
        raise InputError(f"{int(values.isna().sum())} meeting(s) without a number",
                         column=column)
    values = values.astype(float)
    if (values < 0).any() or not (values == values.round()).all():
        raise InputError("numbers of members must be whole numbers ≥ 0", column=column)
    return values


def _attendance_trend(meetings: pd.DataFrame, alpha: float) -> dict:
    """Binomial (or quasi-binomial) regression of attendance on the year."""
    kept = meetings[meetings["members"] > 0]
    yearly = kept.groupby("year")[["present", "members"]].sum()
    result = {"test": "binomial", "label": LABELS["binomial"],
              "first_year": int(yearly.index.min()) if len(yearly) else None,
              "last_year": int(yearly.index.max()) if len(yearly) else None,
              "first_rate": math.nan, "last_rate": math.nan, "change": math.nan,
              "odds_ratio": math.nan, "ci_low": math.nan, "ci_high": math.nan,
              "statistic": math.nan, "p_value": math.nan, "dispersion": math.nan,
              "verdict": "pas de tendance mesurable (une seule année)"}
    if len(yearly) == 0:
        result["verdict"] = "pas de séance avec des membres inscrits"
        return result
    rates = yearly["present"] / yearly["members"]
    result.update(first_rate=float(rates.iloc[0]), last_rate=float(rates.iloc[-1]),
                  change=float(rates.iloc[-1] - rates.iloc[0]))
    if len(yearly) < 2:
        return result
    present = kept["present"].to_numpy(float)
    members = kept["members"].to_numpy(float)
    year = kept["year"].to_numpy(float)
    design = sm.add_constant(year - year.min(), has_constant="add")
    endog = np.column_stack([present, members - present])
    fitted = _fit_quietly(sm.GLM(endog, design, family=sm.families.Binomial()).fit)
    # Dispersion from pearson_chi2, which is right; fit(scale="X2") is not with a
    # two-column endog (it takes the proportions' residuals, unweighted by members).
    df_resid = len(present) - 2
    dispersion = float(fitted.pearson_chi2 / df_resid) if df_resid > 0 else math.nan
    beta, se = float(fitted.params[1]), float(fitted.bse[1])
    if df_resid > 0 and dispersion > OVERDISPERSION:
        result.update(test="quasi_binomial", label=LABELS["quasi_binomial"])
        se *= math.sqrt(dispersion)
    z, p_value, low, high = _wald(beta, se, alpha)
    significant = bool(np.isfinite(p_value) and p_value < alpha)
    direction = int(np.sign(beta))
    size = ""
    if significant and direction != 0 and np.sign(result["change"]) == direction:
        decimals = 0 if _whole_percents(rates.iloc[0], rates.iloc[-1]) else 1
        size = (f" (de {fmt.percent(rates.iloc[0], decimals, _FR)}"
                f" à {fmt.percent(rates.iloc[-1], decimals, _FR)})")
    result.update(odds_ratio=math.exp(beta), ci_low=math.exp(low), ci_high=math.exp(high),
                  statistic=z, p_value=p_value, dispersion=dispersion,
                  verdict=_verdict(direction, significant, result["first_year"],
                                   result["last_year"], None, " du taux de présence") + size)
    return result


def _whole_percents(*ratios) -> bool:
    """Whether the ratios read well as whole percentages (85 %, 55 %)."""
    return all(abs(r * 100 - round(r * 100)) < 1e-9 for r in ratios)
