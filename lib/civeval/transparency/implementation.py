"""Implementation and abandonment rates of winning projects.

Decisions, stated once
----------------------
*Delivered* means status ``finished`` (Paris: ``FIN``, the project is open to the public).
``delivery`` (``LIVRAISON``: being handed over) is still in progress: counting it would
count promises, and the Paris file gives no opening date for it.

*Mature editions.* A recent edition's projects are still under way, so an overall rate
mixes finished business with work in progress. An edition is *mature* when it was voted
at least ``maturity_years`` (default 5) before the extraction date: the rate on mature
editions says what becomes of projects once they have had time; the overall rate says
where the whole portfolio stands today.

*District split.* A city-wide project's district is where it is managed (Paris files
them all under the 4th arrondissement, at the Hôtel de Ville), not whom it serves: when
the table gives each project's scale, the split by district counts district projects only.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from civeval.errors import InputError
from civeval.transparency.inputs import group_columns, months_between, require_columns
from civeval.transparency.tracking import STATUSES, as_timestamp

__all__ = [
    "SPLITS",
    "edition_maturity",
    "implementation_rates",
    "implementation_splits",
    "mature_rates",
]

#: The characteristics :func:`implementation_splits` splits by, in the order reports show
#: them: city-wide or district project, priority neighbourhood or not, theme, district.
SPLITS = ("scale", "priority_area", "theme", "district")
_COUNTS = ["winners", "delivered", "in_progress", "abandoned", "implementation_rate",
           "abandonment_rate"]


def implementation_rates(projects: pd.DataFrame, by="edition") -> pd.DataFrame:
    """Implementation and abandonment rates of winning projects.

    Parameters
    ----------
    projects : DataFrame
        As :func:`~civeval.transparency.tracking.read_project_tracking` returns it
        (``status`` is needed, plus the ``by`` columns).
    by : str, list of str or None
        Grouping column(s); default one row per edition, None for one row overall.

    Returns
    -------
    DataFrame
        One row per group: ``winners`` (projects), ``delivered`` (status ``finished``),
        ``in_progress`` (neither finished nor abandoned), ``abandoned``,
        ``implementation_rate`` and ``abandonment_rate``.

    Notes
    -----
    .. math::

        \\text{implementation rate} = \\frac{\\#\\{\\text{finished}\\}}{\\#\\text{winners}}
        \\qquad
        \\text{abandonment rate} = \\frac{\\#\\{\\text{abandoned}\\}}{\\#\\text{winners}}

    A project being delivered (``delivery``) is not delivered yet. Recent editions have
    low rates because their projects are still under way: read the rate with the delay
    of :func:`~civeval.transparency.delivery.delivery_delay`, which accounts for that.

    Examples
    --------
    >>> projects = pd.DataFrame({"edition": [2019, 2019, 2019, 2019, 2023],
    ...                          "status": ["finished", "finished", "abandoned", "works",
    ...                                     "studies"]})
    >>> rates = implementation_rates(projects)
    >>> rates[["edition", "winners", "delivered", "abandoned", "implementation_rate"]]
       edition  winners  delivered  abandoned  implementation_rate
    0     2019        4          2          1                  0.5
    1     2023        1          0          0                  0.0
    >>> rates["abandonment_rate"].tolist()
    [0.25, 0.0]
    """
    groups = group_columns(by)
    require_columns(projects, ["status", *groups], "implementation_rates")
    unknown = set(projects["status"].dropna()) - set(STATUSES)
    if unknown or projects["status"].isna().any():
        shown = ", ".join(sorted(map(str, unknown))) or "a missing status"
        raise InputError(f"implementation_rates: status must be one of {', '.join(STATUSES)}"
                         f", not {shown} (read the table with read_project_tracking)")
    status = projects["status"].astype(str)
    counts = pd.DataFrame({
        "winners": 1,
        "delivered": (status == "finished").astype(int),
        "in_progress": (~status.isin(["finished", "abandoned"])).astype(int),
        "abandoned": (status == "abandoned").astype(int),
    }, index=projects.index)
    if groups:
        counts[groups] = projects[groups]
        table = counts.groupby(groups, dropna=False, sort=True).sum().reset_index()
    else:
        table = counts.sum().to_frame().T.reset_index(drop=True)
    table["implementation_rate"] = table["delivered"] / table["winners"]
    table["abandonment_rate"] = table["abandoned"] / table["winners"]
    return table


def implementation_splits(projects: pd.DataFrame, splits: Sequence[str] = SPLITS, *,
                          district_scale_only: bool = True) -> pd.DataFrame:
    """Implementation and abandonment rates split by each characteristic in turn.

    Parameters
    ----------
    projects : DataFrame
        As :func:`~civeval.transparency.tracking.read_project_tracking` returns it.
    splits : sequence of str
        Columns to split by, one after the other (default :data:`SPLITS`). A column that
        is absent, or empty in every row, is left out.
    district_scale_only : bool
        When the table gives projects' ``scale``, count only district projects in the
        split by ``district`` (default; see the module's decisions).

    Returns
    -------
    DataFrame
        One row per split and value: ``split`` (the column), ``group`` (its value), then
        the columns of :func:`implementation_rates`. ``attrs["unknown"]`` gives, per
        split, the projects without a value (left out of that split);
        ``attrs["city_wide_left_out"]`` the city-wide projects left out of the split by
        district.

    Notes
    -----
    For each split :math:`s` and value :math:`g`, with :math:`W_{s,g}` the winners whose
    :math:`s` is :math:`g`,

    .. math::

        \\text{implementation rate}_{s,g}
        = \\frac{\\#\\{p \\in W_{s,g} : \\text{finished}\\}}{\\#W_{s,g}}

    and likewise for the abandonment rate (:func:`implementation_rates` computes both).

    Examples
    --------
    >>> projects = pd.DataFrame({
    ...     "status": ["finished", "finished", "abandoned", "works", "finished"],
    ...     "scale": ["district", "district", "district", "city", "city"],
    ...     "district": ["11", "11", "18", "4", "4"],
    ...     "priority_area": [True, False, True, False, False]})
    >>> table = implementation_splits(projects).round(2)
    >>> table[["split", "group", "winners", "delivered", "implementation_rate"]]
               split     group  winners  delivered  implementation_rate
    0          scale      city        2          1                 0.50
    1          scale  district        3          2                 0.67
    2  priority_area     False        3          2                 0.67
    3  priority_area      True        2          1                 0.50
    4       district        11        2          2                 1.00
    5       district        18        1          0                 0.00
    >>> table.attrs["city_wide_left_out"]
    2
    """
    require_columns(projects, ["status"], "implementation_splits")
    scale_known = "scale" in projects and projects["scale"].notna().any()
    tables, unknown, left_out = [], {}, 0
    for split in splits:
        if split not in projects or projects[split].isna().all():
            continue
        rows = projects
        if split == "district" and district_scale_only and scale_known:
            city_wide = (projects["scale"] == "city").fillna(False)
            left_out = int(city_wide.sum())
            rows = projects[~city_wide]
        unknown[split] = int(rows[split].isna().sum())
        table = implementation_rates(rows[rows[split].notna()], by=split)
        tables.append(table.rename(columns={split: "group"}).assign(split=split))
    columns = ["split", "group", *_COUNTS]
    result = (pd.concat(tables, ignore_index=True)[columns] if tables
              else pd.DataFrame(columns=columns))
    result.attrs.update(unknown=unknown, city_wide_left_out=left_out)
    return result


def edition_maturity(projects: pd.DataFrame, maturity_years: int = 5,
                     as_of=None) -> pd.DataFrame:
    """Whether each edition is mature: voted at least ``maturity_years`` before ``as_of``.

    Parameters
    ----------
    projects : DataFrame
        With ``edition`` and ``vote_date`` (as the reader sets it).
    maturity_years : int
        Years of hindsight that make an edition mature (default 5).
    as_of : date or str, optional
        Extraction date. Default: ``projects.attrs["as_of"]`` (set by the reader), else
        today.

    Returns
    -------
    DataFrame
        One row per edition: ``edition``, ``vote_date`` (its latest vote date),
        ``months_since_vote`` (to ``as_of``, in calendar months) and ``mature``.
        ``attrs``: ``as_of``, ``maturity_years`` and ``threshold``, the latest vote date
        a mature edition may have.

    Notes
    -----
    Edition :math:`e` is mature when :math:`\\max_{p \\in e} v_p \\le a - y` years,
    with :math:`v_p` the vote dates of its projects, :math:`a` the extraction date and
    :math:`y` = ``maturity_years`` (calendar years: 1 October 2024 − 5 years is
    1 October 2019).

    Examples
    --------
    >>> projects = pd.DataFrame({"edition": [2019, 2019, 2020],
    ...                          "vote_date": pd.to_datetime(["2019-09-01"] * 2
    ...                                                      + ["2020-09-01"])})
    >>> maturity = edition_maturity(projects, 5, as_of="2024-10-01")
    >>> maturity[["edition", "months_since_vote", "mature"]]
       edition  months_since_vote  mature
    0     2019               61.0    True
    1     2020               49.0   False
    >>> maturity.attrs["threshold"]
    Timestamp('2019-10-01 00:00:00')
    """
    if isinstance(maturity_years, bool) or not isinstance(maturity_years, int) \
            or maturity_years < 0:
        raise InputError(f"edition_maturity: maturity_years must be a whole number of years "
                         f"≥ 0, not {maturity_years!r}")
    require_columns(projects, ["edition", "vote_date"], "edition_maturity")
    if as_of is None:
        as_of = projects.attrs.get("as_of", pd.Timestamp.today().normalize())
    as_of = as_timestamp(as_of, "as_of")
    threshold = as_of - pd.DateOffset(years=maturity_years)
    votes = pd.to_datetime(projects["vote_date"]).groupby(projects["edition"], sort=True).max()
    if votes.isna().any():
        raise InputError(f"edition_maturity: the edition {votes.index[votes.isna()][0]!r} has "
                         "no vote date")
    table = votes.rename("vote_date").reset_index()
    table["months_since_vote"] = months_between(table["vote_date"],
                                                pd.Series(as_of, index=table.index))
    table["mature"] = table["vote_date"] <= threshold
    table.attrs.update(as_of=as_of, maturity_years=maturity_years, threshold=threshold)
    return table


def mature_rates(projects: pd.DataFrame, maturity_years: int = 5,
                 as_of=None) -> pd.DataFrame:
    """Implementation and abandonment rates over all editions and over mature ones.

    Parameters
    ----------
    projects : DataFrame
        As :func:`~civeval.transparency.tracking.read_project_tracking` returns it.
    maturity_years, as_of
        As for :func:`edition_maturity`.

    Returns
    -------
    DataFrame
        Two rows, ``scope`` ``all`` then ``mature``: ``editions`` (how many),
        ``first_edition``, ``last_edition`` and the columns of
        :func:`implementation_rates`; rates are missing when no edition is mature yet.
        ``attrs``: those of :func:`edition_maturity`, and ``mature_editions`` (a list).

    Notes
    -----
    With :math:`M` the winners of mature editions (see :func:`edition_maturity`),

    .. math::

        \\text{implementation rate}_M
        = \\frac{\\#\\{p \\in M : \\text{finished}\\}}{\\#M}

    Examples
    --------
    >>> projects = pd.DataFrame({
    ...     "edition": [2018, 2018, 2019, 2023],
    ...     "status": ["finished", "abandoned", "finished", "studies"],
    ...     "vote_date": pd.to_datetime(["2018-09-01", "2018-09-01", "2019-09-01",
    ...                                  "2023-09-01"])})
    >>> rates = mature_rates(projects, 5, as_of="2024-10-01")
    >>> rates[["scope", "first_edition", "last_edition", "winners", "implementation_rate"]]
        scope  first_edition  last_edition  winners  implementation_rate
    0     all           2018          2023        4             0.500000
    1  mature           2018          2019        3             0.666667
    """
    maturity = edition_maturity(projects, maturity_years, as_of)
    mature = maturity.loc[maturity["mature"], "edition"].tolist()
    rows = []
    for scope, subset in (("all", projects),
                          ("mature", projects[projects["edition"].isin(mature)])):
        editions = subset["edition"].drop_duplicates().sort_values()
        rates = implementation_rates(subset, by=None)[_COUNTS]
        rates.insert(0, "scope", scope)
        rates.insert(1, "editions", len(editions))
        rates.insert(2, "first_edition", editions.iloc[0] if len(editions) else pd.NA)
        rates.insert(3, "last_edition", editions.iloc[-1] if len(editions) else pd.NA)
        rows.append(rates)
    table = pd.concat(rows, ignore_index=True)
    table.attrs.update(maturity.attrs, mature_editions=mature)
    return table
