"""Budgets of winning projects: totals counted once per project, and euros funded per
inhabitant by district.

Decisions, stated once
----------------------
*One project, several rows.* A project shared by two districts may be listed once per
district, each row with its own id and the project's whole budget (Paris, 2018: « Rénovation
de la rue de Belleville », 750,000 € in the 19th and again in the 20th arrondissement). Rows
of one edition with the same title (ignoring case and spacing) and the same budget are one
project: its budget counts once in totals, and is shared equally among its rows when split
by district or by status. Rows without a title or a budget are projects of their own.

*Funded* means voted and not abandoned: an abandoned project's budget is not spent on it.

*District shares.* City-wide projects are left out of the euros per inhabitant by district
when the table gives the scale: they serve every district (see
:mod:`civeval.transparency.implementation`).
"""

from __future__ import annotations

import pandas as pd

from civeval.errors import InputError
from civeval.participation.inputs import as_population
from civeval.transparency.inputs import group_columns, require_columns

__all__ = [
    "budget_shares",
    "budget_totals",
    "funded_by_district",
]


def budget_shares(projects: pd.DataFrame) -> pd.DataFrame:
    """Which rows are one project, and each row's share of that project's budget.

    Parameters
    ----------
    projects : DataFrame
        As :func:`~civeval.transparency.tracking.read_project_tracking` returns it:
        ``project_id``, ``edition``, ``budget`` and, when mapped, ``title``.

    Returns
    -------
    DataFrame
        Indexed like ``projects``: ``project`` (a number shared by the rows of one
        project), ``rows`` (how many rows the project has) and ``share``, the row's part
        of the project's budget (missing when the budget is).

    Notes
    -----
    Rows :math:`r` of project :math:`p` (same edition, title and budget :math:`b_p`; see
    the module's decisions), :math:`k_p` of them, each carry
    :math:`s_r = b_p / k_p`, so that :math:`\\sum_{r \\in p} s_r = b_p`.

    Examples
    --------
    >>> projects = pd.DataFrame({"project_id": ["6194", "6427", "7001"],
    ...                          "edition": [2018, 2018, 2018],
    ...                          "title": ["Rue de Belleville", "Rue de  belleville", None],
    ...                          "budget": [750000.0, 750000.0, 750000.0]})
    >>> budget_shares(projects)
       project  rows     share
    0        0     2  375000.0
    1        0     2  375000.0
    2        1     1  750000.0
    """
    require_columns(projects, ["project_id", "edition", "budget"], "budget_shares")
    budget = pd.to_numeric(projects["budget"]).astype(float)
    key = projects["project_id"].astype(str).radd("id:")
    if "title" in projects:
        title = (projects["title"].astype("string").str.casefold()
                 .str.split().str.join(" "))
        known = title.notna() & (title != "") & budget.notna()
        key = key.mask(known, "title:" + projects["edition"].astype(str) + "|"
                       + title.astype(str) + "|" + budget.astype(str))
    project = pd.Series(pd.factorize(key)[0], index=projects.index)
    rows = project.map(project.value_counts())
    return pd.DataFrame({"project": project, "rows": rows, "share": budget / rows},
                        index=projects.index)


def budget_totals(projects: pd.DataFrame, by="edition") -> pd.DataFrame:
    """Budgets of winning projects, each project counted once: voted, funded (not
    abandoned), delivered and abandoned.

    Parameters
    ----------
    projects : DataFrame
        As :func:`~civeval.transparency.tracking.read_project_tracking` returns it
        (``project_id``, ``edition``, ``budget``, ``status``, and ``title`` when mapped).
    by : str, list of str or None
        Grouping column(s); default one row per edition, None for one row overall.

    Returns
    -------
    DataFrame
        One row per group: ``rows`` (rows of the table), ``projects`` (distinct projects,
        see :func:`budget_shares`), ``budget`` (€ voted), ``funded_budget`` (€ of
        projects not abandoned), ``delivered_budget`` (€ of finished projects),
        ``abandoned_budget`` and ``without_budget`` (rows whose budget is missing, left
        out of the sums).

    Notes
    -----
    With :math:`s_r` the budget share of row :math:`r` (:func:`budget_shares`),

    .. math::

        B = \\sum_r s_r, \\qquad
        B_\\text{funded} = \\sum_{r : \\text{not abandoned}} s_r, \\qquad
        B_\\text{delivered} = \\sum_{r : \\text{finished}} s_r

    so a project listed on two rows counts once.

    Examples
    --------
    >>> projects = pd.DataFrame({
    ...     "project_id": ["1", "2", "3", "4"], "edition": [2018, 2018, 2018, 2019],
    ...     "title": ["Rue de Belleville", "Rue de Belleville", "Jardin", "Piste"],
    ...     "budget": [750000.0, 750000.0, 100000.0, 50000.0],
    ...     "status": ["finished", "finished", "abandoned", "works"]})
    >>> budget_totals(projects)[["edition", "rows", "projects", "budget", "funded_budget"]]
       edition  rows  projects    budget  funded_budget
    0     2018     3         2  850000.0       750000.0
    1     2019     1         1   50000.0        50000.0
    """
    groups = group_columns(by)
    require_columns(projects, ["status", *groups], "budget_totals")
    shares = budget_shares(projects)
    status = projects["status"].astype(str)
    share = shares["share"].fillna(0.0)
    parts = pd.DataFrame({
        "rows": 1,
        "budget": share,
        "funded_budget": share.where(status != "abandoned", 0.0),
        "delivered_budget": share.where(status == "finished", 0.0),
        "abandoned_budget": share.where(status == "abandoned", 0.0),
        "without_budget": shares["share"].isna().astype(int),
    }, index=projects.index)
    if groups:
        parts[groups] = projects[groups]
        grouped = parts.groupby(groups, dropna=False, sort=True)
        table = grouped.sum().reset_index()
        distinct = shares["project"].groupby([projects[g] for g in groups], dropna=False,
                                             sort=True).nunique()
        table.insert(len(groups) + 1, "projects", distinct.to_numpy())
    else:
        table = parts.sum().to_frame().T.reset_index(drop=True)
        table.insert(1, "projects", shares["project"].nunique())
        table = table.astype({"rows": int, "without_budget": int})
    return table


def funded_by_district(projects: pd.DataFrame, population=None, *,
                       district_scale_only: bool = True) -> pd.DataFrame:
    """Euros funded per district, and per inhabitant when the population is given.

    Parameters
    ----------
    projects : DataFrame
        As :func:`~civeval.transparency.tracking.read_project_tracking` returns it, with
        ``district`` filled.
    population : mapping, Series or DataFrame, optional
        Inhabitants per district: a Series, a mapping, or a table whose first column is
        the district and whose ``population`` column (else its second) the inhabitants.
        Districts are matched as text (``75011`` and ``"75011"`` are one district).
    district_scale_only : bool
        Leave out city-wide projects when the table gives the scale (default).

    Returns
    -------
    DataFrame
        One row per district (every district of the population when given, else of the
        projects): ``district``, ``projects`` (distinct projects, not abandoned, with a
        share in it), ``funded`` (€, over all editions) and, with the population,
        ``population`` and ``funded_per_inhabitant``. ``attrs``: ``funded_total``,
        ``city_wide_left_out`` (rows), ``without_district`` (rows left out).

    Raises
    ------
    InputError
        When districts of the projects are missing from the population, listing them.

    Notes
    -----
    With :math:`s_r` the budget share of row :math:`r` (:func:`budget_shares`) and
    :math:`P_d` the inhabitants of district :math:`d`,

    .. math::

        F_d = \\sum_{r \\in d,\\ \\text{not abandoned}} s_r, \\qquad
        \\text{€ per inhabitant}_d = F_d / P_d

    Examples
    --------
    >>> projects = pd.DataFrame({
    ...     "project_id": ["1", "2", "3", "4"], "edition": [2018, 2018, 2019, 2019],
    ...     "title": ["Rue", "Rue", "Jardin", "Halle"],
    ...     "budget": [600000.0, 600000.0, 100000.0, 2000000.0],
    ...     "status": ["finished", "finished", "abandoned", "works"],
    ...     "scale": ["district", "district", "district", "city"],
    ...     "district": ["75019", "75020", "75019", "75004"]})
    >>> population = pd.DataFrame({"arrondissement": [75004, 75019, 75020],
    ...                            "population": [28000, 180000, 190000]})
    >>> table = funded_by_district(projects, population)
    >>> table[["district", "funded", "funded_per_inhabitant"]].round(2)
      district    funded  funded_per_inhabitant
    0    75004       0.0                   0.00
    1    75019  300000.0                   1.67
    2    75020  300000.0                   1.58
    """
    require_columns(projects, ["status", "district"], "funded_by_district")
    shares = budget_shares(projects)
    rows = projects["status"].astype(str) != "abandoned"
    city_wide = pd.Series(False, index=projects.index)
    if district_scale_only and "scale" in projects and projects["scale"].notna().any():
        city_wide = (projects["scale"] == "city").fillna(False).astype(bool)
    district = projects["district"].astype("string").str.strip()
    without = district.isna() | (district == "")
    kept = rows & ~city_wide & ~without
    funded = pd.DataFrame({"district": district[kept], "project": shares.loc[kept, "project"],
                           "funded": shares.loc[kept, "share"].fillna(0.0)})
    table = funded.groupby("district", sort=True).agg(
        projects=("project", "nunique"), funded=("funded", "sum"))
    if population is not None:
        inhabitants = _population(population)
        unknown = sorted(set(table.index) - set(inhabitants.index))
        if unknown:
            raise InputError(f"funded_by_district: district(s) {', '.join(unknown)} of the "
                             "winning projects are not in the population table; districts "
                             f"there: {', '.join(inhabitants.index)}")
        table = table.reindex(inhabitants.index, fill_value=0)
        table["population"] = inhabitants
        table["funded_per_inhabitant"] = table["funded"] / table["population"]
    table = table.rename_axis("district").reset_index()
    table["funded"] = table["funded"].astype(float)
    table.attrs.update(funded_total=float(table["funded"].sum()),
                       city_wide_left_out=int((rows & city_wide).sum()),
                       without_district=int((rows & ~city_wide & without).sum()))
    return table


def _population(population) -> pd.Series:
    """Inhabitants keyed by district as text: the first column of a table is the
    district, its ``population`` column (else its second) the inhabitants."""
    if isinstance(population, pd.DataFrame):
        if population.shape[1] < 2:
            raise InputError("the population table needs a district column and a "
                             "population column")
        value = "population" if "population" in population.columns[1:] \
            else population.columns[1]
        population = population[[population.columns[0], value]]
    series = as_population(population)
    if not isinstance(series, pd.Series):
        raise InputError("funded_by_district needs the population of each district, "
                         "not a total")
    series.index = series.index.astype(str).str.strip()
    return series
