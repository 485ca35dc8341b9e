"""Implementation and abandonment rates of winning projects.

Decisions, stated once
----------------------
*Delivered* means status ``finished`` (Paris: ``FIN``, the project is open to the public).
``delivery`` (``LIVRAISON``: being handed over) is still in progress: counting it would
count promises, and the Paris file gives no opening date for it.
"""

from __future__ import annotations

import pandas as pd

from civeval.errors import InputError
from civeval.transparency.inputs import group_columns, require_columns
from civeval.transparency.tracking import STATUSES

__all__ = [
    "implementation_rates",
]


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
