"""The delay from the vote to the delivery of winning projects: a Kaplan–Meier estimate,
since most recent projects are not delivered yet.

Decisions, stated once
----------------------
A project is delivered when its status is ``finished`` (see
:mod:`civeval.transparency.implementation`); the vote date is the one
:mod:`civeval.transparency.tracking` sets.

*Delivery date* of a finished project: its opening to the public (``opening_date``) when
known, else ``delivery_date``. In the Paris file ``delivery_date`` is the *planned* delivery
("Date prévisonnelle de livraison", sic) and is used as the actual date only for a finished
project without opening date.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.duration.survfunc import SurvfuncRight

from civeval.errors import InputError
from civeval.transparency.inputs import group_columns, months_between, require_columns
from civeval.transparency.tracking import as_timestamp

__all__ = [
    "delay_summary",
    "delivery_delay",
]

_SUMMARY = ("n", "events", "excluded", "median", "median_ci_low", "median_ci_high",
            "follow_up")


def _kaplan_meier(time: np.ndarray, event: np.ndarray, alpha: float):
    """The curve (with pointwise log-log intervals) and the median with its interval."""
    n, events = len(time), int(event.sum())
    follow_up = float(time.max()) if n else np.nan
    start = pd.DataFrame({"time": [0.0], "survival": [1.0], "ci_low": [1.0],
                          "ci_high": [1.0], "n_risk": [n], "events": [0]})
    if n == 0 or events == 0:
        return start, {"n": n, "events": events, "median": np.nan,
                       "median_ci_low": np.nan, "median_ci_high": np.nan,
                       "follow_up": follow_up}
    fit = SurvfuncRight(time, event)
    surv, se = fit.surv_prob, fit.surv_prob_se
    z = stats.norm.ppf(1 - alpha / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_surv = np.log(surv)
        theta = np.log(-log_surv)
        spread = z * se / np.abs(surv * log_surv)
        low, high = np.exp(-np.exp(theta + spread)), np.exp(-np.exp(theta - spread))
    low = np.where(surv >= 1, 1.0, np.where(surv <= 0, 0.0, low))
    high = np.where(surv >= 1, 1.0, np.where(surv <= 0, 0.0, high))
    curve = pd.DataFrame({"time": fit.surv_times, "survival": surv, "ci_low": low,
                          "ci_high": high, "n_risk": fit.n_risk.astype(int),
                          "events": fit.n_events.astype(int)})
    median = float(fit.quantile(0.5))
    with np.errstate(divide="ignore", invalid="ignore"):  # S = 0 or 1 at some times
        ci = fit.quantile_ci(0.5, alpha=alpha, method="cloglog")
    ci = [float(v) if np.isfinite(v) else np.nan for v in ci]
    summary = {"n": n, "events": events, "median": median, "median_ci_low": ci[0],
               "median_ci_high": ci[1], "follow_up": follow_up}
    return pd.concat([start, curve], ignore_index=True), summary


def _delay_data(projects: pd.DataFrame, as_of: pd.Timestamp, abandoned: str) -> pd.DataFrame:
    status = projects["status"].astype(str)
    vote = pd.to_datetime(projects["vote_date"])
    delivered_on = pd.Series(pd.NaT, index=projects.index, dtype="datetime64[ns]")
    for key in ("delivery_date", "opening_date"):  # the opening wins when both are known
        if key in projects:
            dates = pd.to_datetime(projects[key]).astype("datetime64[ns]")
            delivered_on = dates.where(dates.notna(), delivered_on)
    finished = status == "finished"
    censor_on = pd.Series(as_of, index=projects.index, dtype="datetime64[ns]")
    if abandoned == "censor":
        milestones = [pd.to_datetime(projects[k]).astype("datetime64[ns]")
                      for k in ("studies_date", "procedures_date", "works_date") if k in projects]
        last = pd.concat([vote.astype("datetime64[ns]"), *milestones], axis=1)
        last = last.where(last <= as_of).max(axis=1)
        censor_on = censor_on.where(status != "abandoned", last.fillna(vote))
    end = delivered_on.where(finished, censor_on)
    usable = vote.notna() & ~(finished & delivered_on.isna())
    data = pd.DataFrame({"time": months_between(vote, end).clip(lower=0.0),
                         "event": finished.astype(int), "usable": usable},
                        index=projects.index)
    early = finished & (delivered_on < vote)
    if early.any():
        ids = ", ".join(map(str, projects.loc[early, "project_id"].head(5)))
        raise InputError(f"delivery_delay: project(s) {ids} delivered before the vote date; "
                         "check the vote date (vote_month) or the delivery dates")
    return data


def delivery_delay(projects: pd.DataFrame, as_of=None, by=None, *, abandoned: str = "censor",
                   alpha: float = 0.05) -> pd.DataFrame:
    """Kaplan–Meier estimate of the delay from the vote to the delivery, in months.

    Parameters
    ----------
    projects : DataFrame
        As :func:`~civeval.transparency.tracking.read_project_tracking` returns it:
        ``project_id``, ``status``, ``vote_date`` and ``delivery_date`` / ``opening_date``;
        ``studies_date``, ``procedures_date``, ``works_date`` place an abandoned project's
        last known date.
    as_of : date or str, optional
        Extraction date: projects not delivered by then are censored at it. Default:
        ``projects.attrs["as_of"]`` (set by the reader), else today.
    by : str, list of str or None
        One curve per group (``"edition"``, ``"priority_area"``…).
    abandoned : {"censor", "never"}
        ``"censor"`` (default): an abandoned project is censored at its last known date
        (its latest studies/procedures/works date not after ``as_of``, else the vote), so
        the curve describes projects that are pursued. ``"never"``: it stays at risk until
        ``as_of`` and is never delivered, so 1 − survival is the share of *all* winners
        delivered within t months.
    alpha : float
        1 − confidence level of the intervals (default 95 %).

    Returns
    -------
    DataFrame
        The survival curve, one row per delivery time plus time 0: ``time`` (months
        since the vote), ``survival`` (share of projects not yet delivered), ``ci_low``,
        ``ci_high`` (pointwise, log-log transform), ``n_risk``, ``events`` and the
        ``by`` columns. ``attrs`` holds ``median`` (median delay in months; NaN when the
        curve never falls below 0.5), ``median_ci_low``, ``median_ci_high`` (Brookmeyer–
        Crowley interval, log-log transform; NaN when unbounded), ``n``, ``events``,
        ``excluded`` (projects left out: no vote date, or finished without any delivery
        date) and ``follow_up`` (the longest time observed, delivered or not: where the
        curve is known up to) — scalars, or dictionaries keyed by group when ``by`` is
        given —, ``as_of`` and ``by`` (the grouping columns, a list).
        :func:`delay_summary` turns them into a table.

    Notes
    -----
    The time of project *i* is :math:`t_i = \\text{months}(v_i, e_i)` from its vote date
    :math:`v_i` to :math:`e_i`, its delivery date if finished (opening to the public,
    else ``delivery_date``), else the censoring date; months are calendar months, whole
    between first days of months. With :math:`d_j` deliveries among the :math:`n_j`
    projects still waiting at time :math:`t_j`,

    .. math:: \\hat S(t) = \\prod_{t_j \\le t} \\left(1 - \\frac{d_j}{n_j}\\right)

    computed by :class:`statsmodels.duration.survfunc.SurvfuncRight` (Greenwood standard
    errors). The median delay is the first time with :math:`\\hat S(t) < 0.5`
    (``SurvfuncRight.quantile``, a strict inequality; when the curve sits exactly at 0.5
    over an interval, R's ``survfit`` reports its midpoint instead). A plain
    median of the delivered projects' delays would ignore the slow projects not
    delivered yet and understate the delay.

    Examples
    --------
    Five projects voted in September 2020: delivered after 6, 10 and 12 months, one still
    waiting at the extraction date (14 months), one abandoned after its studies began
    (3 months).

    >>> projects = pd.DataFrame({
    ...     "project_id": ["a", "b", "c", "d", "e"],
    ...     "status": ["finished", "finished", "finished", "works", "abandoned"],
    ...     "vote_date": pd.to_datetime(["2020-09-01"] * 5),
    ...     "delivery_date": pd.to_datetime(["2021-03-01", "2021-07-01", "2021-09-01",
    ...                                      None, None]),
    ...     "studies_date": pd.to_datetime([None, None, None, "2021-01-01",
    ...                                     "2020-12-01"])})
    >>> curve = delivery_delay(projects, as_of="2021-11-01")
    >>> curve[["time", "survival", "n_risk", "events"]]
       time  survival  n_risk  events
    0   0.0      1.00       5       0
    1   6.0      0.75       4       1
    2  10.0      0.50       3       1
    3  12.0      0.25       2       1
    >>> curve.attrs["median"]
    12.0

    Exactly half the projects are delivered at 10 months; the median is the first time
    the curve falls *below* one half, 12 months.
    """
    if abandoned not in ("censor", "never"):
        raise InputError(f"delivery_delay: abandoned must be 'censor' or 'never', "
                         f"not {abandoned!r}")
    groups = group_columns(by)
    require_columns(projects, ["project_id", "status", "vote_date", *groups], "delivery_delay")
    if "delivery_date" not in projects and "opening_date" not in projects:
        raise InputError("delivery_delay needs a delivery_date or an opening_date column")
    if as_of is None:
        as_of = projects.attrs.get("as_of", pd.Timestamp.today().normalize())
    as_of = as_timestamp(as_of, "as_of")
    data = _delay_data(projects, as_of, abandoned)
    summaries, curves = {}, []
    parts = [((), data)]
    if groups:
        grouper = groups[0] if len(groups) == 1 else groups
        parts = [(key if isinstance(key, tuple) else (key,), data.loc[index]) for key, index
                 in projects.groupby(grouper, dropna=False, sort=True).groups.items()]
    for key, part in parts:
        usable = part[part["usable"]]
        curve, summary = _kaplan_meier(usable["time"].to_numpy(float),
                                       usable["event"].to_numpy(int), alpha)
        summary["excluded"] = int((~part["usable"]).sum())
        for position, (column, value) in enumerate(zip(groups, key, strict=True)):
            curve.insert(position, column, value)
        curves.append(curve)
        key = tuple(k.item() if isinstance(k, np.generic) else k for k in key)
        summaries[key[0] if len(key) == 1 else key] = summary
    result = pd.concat(curves, ignore_index=True)
    for name in _SUMMARY:
        result.attrs[name] = (summaries[()][name] if not groups
                              else {k: s[name] for k, s in summaries.items()})
    result.attrs["as_of"] = as_of
    result.attrs["by"] = groups
    result.attrs["abandoned"] = abandoned
    return result


def delay_summary(curve: pd.DataFrame) -> pd.DataFrame:
    """The median delay of each curve of :func:`delivery_delay`, one row per group.

    Parameters
    ----------
    curve : DataFrame
        What :func:`delivery_delay` returns (its ``attrs`` hold the figures).

    Returns
    -------
    DataFrame
        The ``by`` columns, then ``n`` (projects followed), ``events`` (delivered),
        ``excluded``, ``median`` (months; missing while fewer than half are delivered),
        ``median_ci_low``, ``median_ci_high`` and ``follow_up`` (months); one row when the
        curve has no groups.

    Notes
    -----
    The median is :math:`\\min\\{t : \\hat S(t) < 0.5\\}` on each group's own
    Kaplan–Meier curve (see :func:`delivery_delay`): in 2020 below, one of two projects
    is delivered at 12 months (:math:`\\hat S = 0.5`, not below one half), the other at 18.

    Examples
    --------
    >>> projects = pd.DataFrame({
    ...     "project_id": ["a", "b", "c"], "edition": [2020, 2020, 2021],
    ...     "status": ["finished", "finished", "works"],
    ...     "vote_date": pd.to_datetime(["2020-09-01", "2020-09-01", "2021-09-01"]),
    ...     "delivery_date": pd.to_datetime(["2021-09-01", "2022-03-01", None])})
    >>> curve = delivery_delay(projects, as_of="2023-09-01", by="edition")
    >>> delay_summary(curve)[["edition", "n", "events", "median"]]
       edition  n  events  median
    0     2020  2       2    18.0
    1     2021  1       0     NaN
    """
    groups = list(curve.attrs.get("by", []))
    missing = [name for name in _SUMMARY if name not in curve.attrs]
    if missing:
        raise InputError("delay_summary needs the curve delivery_delay returns (its attrs "
                         f"lack {', '.join(missing)})")
    if not groups:
        return pd.DataFrame([{name: curve.attrs[name] for name in _SUMMARY}])
    keys = list(curve.attrs["n"])
    rows = [dict(zip(groups, key if isinstance(key, tuple) else (key,), strict=True))
            for key in keys]
    for row, key in zip(rows, keys, strict=True):
        row.update({name: curve.attrs[name][key] for name in _SUMMARY})
    return pd.DataFrame(rows, columns=[*groups, *_SUMMARY])
