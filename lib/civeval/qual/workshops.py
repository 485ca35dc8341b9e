"""Workshop priorities: which proposals came first, for whom, and where groups disagree.

Workshops often end with a vote on the proposals (dots on a wall, points to share out, a
show of hands), counted per stakeholder group. The input is one row per proposal and group
(several rows for the same pair are added up):

``workshop``
    The workshop (optional; several workshops voting on the same proposals are pooled).
``proposal``
    The proposal voted on.
``group``
    The stakeholder group of the voters (see :data:`civeval.qual.roles.ROLES`).
``votes``
    Votes (dots, points) the group gave the proposal: a number ≥ 0.
``participants``
    Optional: how many people of the group took part in the workshop (repeated on the
    group's rows). Groups of fewer than :data:`civeval.privacy.THRESHOLD` people are
    flagged in ``attrs["small_groups"]``: their priorities describe a handful of people,
    who may be recognised and who speak for nobody but themselves.

Every function returns a tidy DataFrame; ``attrs`` hold ``group_participants`` and
``small_groups`` when participants are given.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

from civeval.errors import InputError
from civeval.privacy import THRESHOLD
from civeval.qual.roles import order_groups

__all__ = ["consensus", "group_priorities", "group_sizes", "kendall_w", "merge_groups",
           "rank_proposals"]

CONSENSUS, DIVISIVE = "consensus", "clivant"
"""Labels of :func:`consensus`."""


# --------------------------------------------------------------------------- input

def _fail(message: str, votes: pd.DataFrame, position: int | None = None, column=None):
    """An InputError located in the source file when the table came from one."""
    source = votes.attrs.get("source")
    if source is None:
        where = f" (row {position + 1} of the table)" if position is not None else ""
        return InputError(message + where, column=column)
    return InputError(message, file=source, row=None if position is None else position + 2,
                      column=column)


def _votes(votes) -> tuple[pd.DataFrame, dict]:
    """Votes summed per proposal and group, checked; and the attrs about group sizes."""
    if not isinstance(votes, pd.DataFrame):
        raise InputError(f"the votes must be a table (DataFrame), not {type(votes).__name__}")
    for name in ("proposal", "group", "votes"):
        if name not in votes.columns:
            raise _fail(f"no column named {name!r}: the votes table has the columns "
                        "workshop, proposal, group, votes and optionally participants",
                        votes, column=name)
    if votes.empty:
        raise _fail("the votes table is empty", votes)
    for name in ("proposal", "group"):
        missing = np.flatnonzero(votes[name].isna().to_numpy())
        if missing.size:
            raise _fail(f"a row has no {name}", votes, int(missing[0]), name)
    counts = pd.to_numeric(votes["votes"], errors="coerce")
    bad = np.flatnonzero((counts.isna() | (counts < 0)).to_numpy(dtype=bool))
    if bad.size:
        value = votes["votes"].iloc[bad[0]]
        raise _fail(f"votes must be numbers ≥ 0, not {value!r}", votes, int(bad[0]), "votes")
    rows = votes.assign(votes=counts.astype(float))  # nullable Int64 from the reader
    if rows["votes"].sum() <= 0:
        raise _fail("the table holds no vote (every count is 0)", votes, column="votes")
    table = rows.groupby(["proposal", "group"], sort=False)["votes"].sum().reset_index()
    return table, _participants(votes)


def _participants(votes: pd.DataFrame) -> dict:
    if "participants" not in votes.columns:
        return {}
    people = pd.to_numeric(votes["participants"], errors="coerce")
    bad = np.flatnonzero((votes["participants"].notna() & (people.isna() | (people < 0)))
                         .to_numpy(dtype=bool))
    if bad.size:
        value = votes["participants"].iloc[bad[0]]
        raise _fail(f"participants must be a number of people, not {value!r}", votes,
                    int(bad[0]), "participants")
    keys = ["workshop", "group"] if "workshop" in votes.columns else ["group"]
    frame = votes[keys].assign(participants=people).dropna(subset=["participants"])
    distinct = frame.groupby(keys, dropna=False)["participants"].nunique()
    if (distinct > 1).any():
        key = distinct.index[distinct > 1][0]
        raise _fail(f"the participants of {key!r} differ from one row to another: give the "
                    "same number on every row of a group", votes, column="participants")
    per_group = frame.groupby(keys, dropna=False)["participants"].first().groupby(
        "group").sum()
    sizes = {group: int(per_group[group]) for group in order_groups(per_group.index)}
    return {"group_participants": sizes,
            "small_groups": [group for group, n in sizes.items() if n < THRESHOLD],
            "small_group_threshold": THRESHOLD}


def group_sizes(votes: pd.DataFrame) -> dict[str, int]:
    """People per group, all workshops together, from ``participants``; empty when the
    table does not give them.

    Examples
    --------
    >>> votes = pd.DataFrame({"proposal": ["bancs", "parc", "bancs"],
    ...                       "group": ["habitant", "habitant", "élu"], "votes": [3, 2, 1],
    ...                       "participants": [12, 12, 3]})
    >>> group_sizes(votes)
    {'élu': 3, 'habitant': 12}
    """
    return _votes(votes)[1].get("group_participants", {})


def merge_groups(votes: pd.DataFrame, shown: Mapping[str, str | None]) -> pd.DataFrame:
    """The votes table with each group replaced by the group it is shown under, their
    votes and participants added up, and the rows of hidden groups left out.

    Parameters
    ----------
    votes : DataFrame
        One row per proposal and group (see the module's notes).
    shown : mapping
        Every group of ``votes`` → the group it is shown under, or None when hidden (see
        :func:`civeval.qual.groups.shown_groups`).

    Returns
    -------
    DataFrame
        ``[workshop,] proposal, group, votes[, participants]``, one row per proposal and
        group shown (and workshop), in the order groups and proposals first appear.

    Examples
    --------
    >>> votes = pd.DataFrame({"proposal": ["bancs", "bancs", "bancs", "parc"],
    ...                       "group": ["élu", "agent", "habitant", "élu"],
    ...                       "votes": [1, 4, 6, 2], "participants": [3, 5, 9, 3]})
    >>> print(merge_groups(votes, {"élu": "institution", "agent": "institution",
    ...                            "habitant": None}).to_string())
      proposal        group  votes  participants
    0    bancs  institution      5             8
    1     parc  institution      2             8
    """
    _votes(votes)
    unknown = sorted(set(votes["group"]) - set(shown), key=str)
    if unknown:
        raise ValueError(f"no shown group given for {', '.join(map(repr, unknown))}")
    keys = ["workshop"] if "workshop" in votes.columns else []
    kept = votes.assign(group=votes["group"].map(shown),
                        votes=pd.to_numeric(votes["votes"]))
    kept = kept[kept["group"].notna()]
    merged = kept.groupby([*keys, "proposal", "group"], sort=False, dropna=False)[
        "votes"].sum().reset_index()
    if "participants" in votes.columns:
        # Each group's participants are repeated on its rows: once per group, then added up.
        people = votes.drop_duplicates([*keys, "group"]).assign(
            group=lambda table: table["group"].map(shown)).dropna(subset=["group"])
        people = people.groupby([*keys, "group"], sort=False, dropna=False)[
            "participants"].sum().reset_index()
        merged = merged.merge(people, on=[*keys, "group"], how="left")
    return merged


def _grid(table: pd.DataFrame) -> pd.DataFrame:
    """Proposals × groups of votes, 0 where a group gave a proposal none."""
    wide = table.pivot(index="proposal", columns="group", values="votes")
    wide = wide.reindex(columns=order_groups(wide.columns)).fillna(0)
    return wide.rename_axis(index="proposal", columns="group")


# --------------------------------------------------------------------------- rankings

def rank_proposals(votes: pd.DataFrame) -> pd.DataFrame:
    """Proposals ranked by their votes, all groups together.

    Parameters
    ----------
    votes : DataFrame
        One row per proposal and group (see the module's notes).

    Returns
    -------
    DataFrame
        One row per proposal, first ranked first: ``proposal``, ``votes``, ``share`` (of
        all votes), ``rank`` (1 = most votes; tied proposals share the best rank:
        1, 2, 2, 4) and ``groups`` (groups that gave it at least one vote). ``attrs``:
        ``votes`` (total), ``groups``, and group sizes when ``participants`` is given.

    Notes
    -----
    :math:`\\text{share}_p = v_p / \\sum_q v_q`; ranks use the "min" (competition) rule.
    Pooled votes favour the groups that brought the most people:
    :func:`group_priorities` gives each group the same weight.

    Examples
    --------
    >>> votes = pd.DataFrame({
    ...     "proposal": ["pistes cyclables", "pistes cyclables", "bancs", "bancs", "jardin"],
    ...     "group": ["habitant", "élu", "habitant", "élu", "habitant"],
    ...     "votes": [12, 2, 4, 6, 6]})
    >>> print(rank_proposals(votes).to_string())
               proposal  votes     share  rank  groups
    0  pistes cyclables     14  0.466667     1       2
    1             bancs     10  0.333333     2       2
    2            jardin      6  0.200000     3       1
    """
    table, sizes = _votes(votes)
    grid = _grid(table)
    result = pd.DataFrame({"votes": grid.sum(axis=1), "groups": (grid > 0).sum(axis=1)})
    result["share"] = result["votes"] / result["votes"].sum()
    result["rank"] = result["votes"].rank(method="min", ascending=False).astype(int)
    result = result.reset_index()
    result["name"] = result["proposal"].astype(str)
    result = result.sort_values(["rank", "name"], kind="stable").reset_index(drop=True)
    result = result[["proposal", "votes", "share", "rank", "groups"]]
    if (result["votes"] % 1 == 0).all():
        result["votes"] = result["votes"].astype(int)
    result.attrs.update(votes=float(grid.to_numpy().sum()), groups=list(grid.columns),
                        **sizes)
    return result


def group_priorities(votes: pd.DataFrame) -> pd.DataFrame:
    """Each group's priorities: its share of votes for each proposal and its own ranking.

    Parameters
    ----------
    votes : DataFrame
        One row per proposal and group (see the module's notes).

    Returns
    -------
    DataFrame
        One row per group and proposal (every proposal for every group, 0 votes
        included), groups in the order of :data:`civeval.qual.roles.ROLES`, each group's
        first choice first: ``group``, ``proposal``, ``votes``, ``group_votes`` (all the
        group's votes), ``share`` (``votes`` ÷ ``group_votes``) and ``rank`` (within the
        group, ties sharing the best rank). Pivot ``share`` for a proposals × groups
        table. ``attrs``: ``groups``, ``groups_without_votes``, group sizes when
        ``participants`` is given.

    Notes
    -----
    .. math:: s_{p,g} = \\frac{v_{p,g}}{\\sum_q v_{q,g}}

    Dividing by the group's own votes gives every group the same weight: 40 residents
    and 3 elected officials each have their priorities read on a 0–1 scale, so that the
    larger group does not dominate. A group that gave no vote has missing shares.

    Examples
    --------
    >>> votes = pd.DataFrame({
    ...     "proposal": ["pistes cyclables", "pistes cyclables", "bancs", "bancs", "jardin"],
    ...     "group": ["habitant", "élu", "habitant", "élu", "habitant"],
    ...     "votes": [12, 2, 4, 6, 6]})
    >>> table = group_priorities(votes)
    >>> print(table.round(3).to_string())
          group          proposal  votes  group_votes  share  rank
    0       élu             bancs      6            8  0.750     1
    1       élu  pistes cyclables      2            8  0.250     2
    2       élu            jardin      0            8  0.000     3
    3  habitant  pistes cyclables     12           22  0.545     1
    4  habitant            jardin      6           22  0.273     2
    5  habitant             bancs      4           22  0.182     3
    """
    table, sizes = _votes(votes)
    grid = _grid(table)
    totals = grid.sum(axis=0)
    long = grid.stack().rename("votes").reset_index()
    long["group_votes"] = long["group"].map(totals)
    long["share"] = (long["votes"] / long["group_votes"]).where(long["group_votes"] > 0)
    long["rank"] = long.groupby("group")["votes"].rank(method="min", ascending=False)
    long["rank"] = long["rank"].astype(int)
    long["order"] = long["group"].map({g: i for i, g in enumerate(grid.columns)})
    long["name"] = long["proposal"].astype(str)
    long = long.sort_values(["order", "rank", "name"], kind="stable").reset_index(drop=True)
    long = long[["group", "proposal", "votes", "group_votes", "share", "rank"]]
    if (long["votes"] % 1 == 0).all():
        long[["votes", "group_votes"]] = long[["votes", "group_votes"]].astype(int)
    long.attrs.update(groups=list(grid.columns),
                      groups_without_votes=[g for g in grid.columns if totals[g] == 0],
                      **sizes)
    return long


# --------------------------------------------------------------------------- concordance

def kendall_w(ratings, correct: bool = True) -> pd.DataFrame:
    """Kendall's coefficient of concordance W between raters ranking the same objects.

    Parameters
    ----------
    ratings : DataFrame or 2-D array-like
        One row per object (proposal), one column per rater (group); values are scores
        or ranks, ranked within each column (ties get their average rank). No missing
        value.
    correct : bool
        Correct for ties within raters (default), as the votes of a workshop always have
        some (proposals with no vote).

    Returns
    -------
    DataFrame
        One row: ``w``, ``chi2``, ``df``, ``p_value``, ``raters`` (m), ``objects`` (n)
        and ``tie_correction`` (:math:`\\sum T`, 0 without ties). W is missing when every
        rater ties every object.

    Notes
    -----
    With :math:`R_j` the sum of the ranks of object j over the m raters,

    .. math:: S = \\sum_j \\left(R_j - \\frac{m(n+1)}{2}\\right)^2, \\qquad
              W = \\frac{12\\, S}{m^2 (n^3 - n) - m \\sum_i T_i}, \\qquad
              T_i = \\sum_{\\text{ties of rater } i} (t^3 - t)

    W runs from 0 (no agreement between the raters' rankings) to 1 (identical
    rankings). :math:`\\chi^2 = m (n - 1) W` follows a χ² law with n − 1 degrees of
    freedom under the hypothesis of independent rankings (p-value from
    :data:`scipy.stats.chi2`); it is the Friedman statistic. Kendall & Babington Smith
    (1939); tie correction and its use as in Legendre (2005), "Species associations: the
    Kendall coefficient of concordance revisited", JABES 10: 226–245.

    Examples
    --------
    Four raters rank eight farms' strawberries (influentialpoints.com worked example):
    W = 0.744, χ² = 20.83 on 7 df.

    >>> ratings = pd.DataFrame({"A": [8, 4, 2, 3, 5, 1, 6, 7], "B": [7, 3, 1, 4, 5, 2, 6, 8],
    ...                         "C": [8, 2, 5, 6, 7, 1, 4, 3], "D": [8, 3, 4, 2, 5, 1, 6, 7]})
    >>> print(kendall_w(ratings).round(4).to_string())
           w     chi2  df  p_value  raters  objects  tie_correction
    0  0.744  20.8333   7    0.004       4        8             0.0
    """
    frame = ratings if isinstance(ratings, pd.DataFrame) else pd.DataFrame(
        np.asarray(ratings, dtype=float))
    values = frame.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    if values.ndim != 2 or np.isnan(values).any():
        raise InputError("Kendall's W needs a table of objects (rows) × raters (columns) "
                         "holding numbers, none missing")
    n, m = values.shape
    if n < 2 or m < 2:
        raise InputError(f"Kendall's W needs two objects and two raters at least; got {n} "
                         f"object(s) and {m} rater(s)")
    ranks = np.column_stack([stats.rankdata(values[:, i]) for i in range(m)])
    ties = 0.0
    if correct:
        for i in range(m):
            _, t = np.unique(values[:, i], return_counts=True)
            ties += float((t ** 3 - t).sum())
    s = float(((ranks.sum(axis=1) - m * (n + 1) / 2) ** 2).sum())
    denominator = m ** 2 * (n ** 3 - n) - m * ties
    w = 12 * s / denominator if denominator > 0 else np.nan
    chi2 = m * (n - 1) * w
    return pd.DataFrame({"w": [w], "chi2": [chi2], "df": [n - 1],
                         "p_value": [float(stats.chi2.sf(chi2, n - 1))],
                         "raters": [m], "objects": [n], "tie_correction": [ties]})


def consensus(votes: pd.DataFrame, threshold: float | None = None) -> pd.DataFrame:
    """Where groups agree and where they split: per proposal, and overall (Kendall's W).

    Parameters
    ----------
    votes : DataFrame
        One row per proposal and group (see the module's notes); two groups at least.
    threshold : float, optional
        Gap between groups' shares from which a proposal is ``"clivant"``. By default
        1 / (number of proposals): the share each proposal would get if votes were
        spread evenly.

    Returns
    -------
    DataFrame
        One row per proposal, highest mean share first: ``proposal``, ``mean_share``
        (mean of the groups' shares, each group weighing the same), ``share_min``,
        ``share_max``, ``share_range`` (max − min), ``share_sd`` (standard deviation of
        the groups' shares), ``top_group`` (the group giving it its largest share) and
        ``label`` (``"consensus"`` or ``"clivant"``). ``attrs``: ``kendall_w``, ``chi2``,
        ``df``, ``p_value`` (concordance of the groups' rankings, :func:`kendall_w` with
        the groups as raters), ``threshold``, ``groups`` (groups that voted), and group
        sizes when ``participants`` is given.

    Notes
    -----
    With :math:`s_{p,g}` the share of group g's votes going to proposal p
    (:func:`group_priorities`), the disagreement on p is the range
    :math:`\\max_g s_{p,g} - \\min_g s_{p,g}` (and, for information, the population
    standard deviation over the groups). **Rule**: p is *clivant* when the range reaches
    ``threshold`` — by default one "fair share" 1/n, i.e. one group gives it at least as
    much more of its votes as an average proposal receives in all — and *consensus*
    otherwise (including proposals that no group supports). Kendall's W says whether the
    groups rank the proposals alike overall (W near 1) or not (near 0); with few
    proposals or groups its χ² test has little power.

    Examples
    --------
    >>> votes = pd.DataFrame({
    ...     "proposal": ["pistes", "bancs", "jardin", "parking"] * 2,
    ...     "group": ["habitant"] * 4 + ["élu"] * 4,
    ...     "votes": [10, 5, 5, 0, 2, 4, 2, 4]})
    >>> table = consensus(votes)
    >>> print(table.round(3).to_string())
      proposal  mean_share  share_min  share_max  share_range  share_sd top_group      label
    0   pistes       0.333      0.167      0.500        0.333     0.167  habitant    clivant
    1    bancs       0.292      0.250      0.333        0.083     0.042       élu  consensus
    2   jardin       0.208      0.167      0.250        0.083     0.042  habitant  consensus
    3  parking       0.167      0.000      0.333        0.333     0.167       élu    clivant
    >>> round(table.attrs["kendall_w"], 3), round(table.attrs["p_value"], 2)
    (0.147, 0.83)
    """
    table, sizes = _votes(votes)
    grid = _grid(table)
    voted = grid.loc[:, grid.sum(axis=0) > 0]
    if voted.shape[1] < 2:
        raise _fail("consensus compares groups: the votes need two groups at least, got "
                    f"{', '.join(map(str, voted.columns))}", votes, column="group")
    n = len(voted)
    if threshold is None:
        threshold = 1 / n
    elif not (isinstance(threshold, int | float) and 0 < threshold <= 1):
        raise ValueError(f"threshold must be a share in (0, 1], not {threshold!r}")
    shares = voted / voted.sum(axis=0)
    result = pd.DataFrame({
        "mean_share": shares.mean(axis=1),
        "share_min": shares.min(axis=1),
        "share_max": shares.max(axis=1),
    })
    result["share_range"] = result["share_max"] - result["share_min"]
    result["share_sd"] = shares.std(axis=1, ddof=0)
    result["top_group"] = shares.idxmax(axis=1)
    # a small tolerance so that a gap of exactly one fair share is not lost to rounding
    divisive = result["share_range"] >= threshold - 1e-12
    result["label"] = np.where(divisive, DIVISIVE, CONSENSUS)
    result = result.reset_index()
    result["name"] = result["proposal"].astype(str)
    result = result.sort_values(["mean_share", "name"], ascending=[False, True],
                                kind="stable").drop(columns="name").reset_index(drop=True)
    concordance = kendall_w(voted) if n >= 2 else None
    result.attrs.update(
        kendall_w=float(concordance.loc[0, "w"]) if concordance is not None else np.nan,
        chi2=float(concordance.loc[0, "chi2"]) if concordance is not None else np.nan,
        df=int(concordance.loc[0, "df"]) if concordance is not None else 0,
        p_value=float(concordance.loc[0, "p_value"]) if concordance is not None else np.nan,
        threshold=float(threshold), groups=list(voted.columns), **sizes)
    return result
