"""Compare answers between groups and between waves: cross-tables and tests.

Each public function computes one statistic and returns a tidy DataFrame (one row per
cell or group) ready for :func:`civeval.presentation.report.table`, after
:func:`civeval.privacy.suppress_small_cells` when it describes people. Proportions are
returned as ratios in [0, 1] (``report.table(..., kinds={"row_percent": "percent"})``
shows them as percentages). Tests carry an English identifier in ``test`` (stable, for
code) and a French ``label`` (for readers).

Weights are taken into account where a design-based method is standard and documented
(:func:`crosstab`, :func:`chi2_independence`); rank tests and paired tests are unweighted
and say so. The reliability of a scale is in :mod:`civeval.survey.reliability`, the ordinal
model in :mod:`civeval.survey.models`.

Missing answers are left out of each computation; how many were left out is stored in
``result.attrs``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.contingency_tables import mcnemar

from civeval.errors import InputError, WeightingError
from civeval.survey.answers import display_levels, ordinal_scores, require_columns

__all__ = [
    "chi2_independence",
    "compare_groups",
    "crosstab",
    "pre_post",
]

_CELL_COLUMNS = ("count", "n", "row_percent", "column_percent", "total_percent",
                 "adjusted_residual")

LABELS = {
    "pearson": "test du khi-deux de Pearson",
    "rao_scott": "test du khi-deux de Rao-Scott (correction d'ordre 1)",
    "mann_whitney": "test de Mann-Whitney",
    "kruskal_wallis": "test de Kruskal-Wallis",
    "wilcoxon": "test des rangs signés de Wilcoxon",
    "mcnemar": "test de McNemar",
    "mcnemar_exact": "test exact de McNemar",
}
"""French label shown to readers for each test identifier."""

# Answers accepted as yes / no in a paired binary question (LimeSurvey exports Y/N).
_YES = {"1", "y", "yes", "o", "oui", "true", "vrai"}
_NO = {"0", "n", "no", "non", "false", "faux"}


# --------------------------------------------------------------------------- helpers

def _weights(data: pd.DataFrame, weight: str | None) -> pd.Series:
    """The weight of each row (1 when ``weight`` is None), checked: numbers, none missing."""
    if weight is None:
        return pd.Series(1.0, index=data.index)
    values = data[weight]
    if not (pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)):
        raise WeightingError("weights must be numbers", column=weight)
    values = values.astype(float)
    if values.isna().any():
        raise WeightingError(f"{int(values.isna().sum())} weight(s) are missing",
                             column=weight)
    if not np.isfinite(values).all() or (values < 0).any():
        raise WeightingError("weights must be finite and not negative", column=weight)
    return values


def _cells(data: pd.DataFrame, row: str, column: str, weight: str | None):
    """Weighted counts, unweighted counts and sums of squared weights of each cell."""
    require_columns(data, row, column, weight)
    if row == column:
        raise InputError("the row and column variables must differ", column=column)
    complete = data[row].notna() & data[column].notna()
    frame = pd.DataFrame({
        "row": pd.Categorical(data.loc[complete, row], categories=display_levels(data[row])),
        "column": pd.Categorical(data.loc[complete, column],
                                 categories=display_levels(data[column])),
        "w": _weights(data, weight)[complete],
    })
    frame["w2"] = frame["w"] ** 2
    # observed=False keeps empty levels, so a segment without some answer still has its row
    grouped = frame.groupby(["row", "column"], observed=False)
    cells = grouped[["w", "w2"]].sum().join(grouped.size().rename("n"))
    shape = (len(cells.index.levels[0]), len(cells.index.levels[1]))
    return {
        "rows": list(cells.index.levels[0]),
        "columns": list(cells.index.levels[1]),
        "count": cells["w"].to_numpy(float).reshape(shape),
        "n": cells["n"].to_numpy(int).reshape(shape),
        "w2": cells["w2"].to_numpy(float).reshape(shape),
        "n_missing": int((~complete).sum()),
    }


def _non_empty(cells: dict, row: str, column: str) -> dict:
    """The cells restricted to rows and columns with a positive weighted total."""
    keep_rows = cells["count"].sum(axis=1) > 0
    keep_columns = cells["count"].sum(axis=0) > 0
    for name, kept in ((row, keep_rows), (column, keep_columns)):
        if kept.sum() < 2:
            raise InputError(f"needs at least two answered categories to test an "
                             f"association; found {int(kept.sum())}", column=name)
    return {key: (value[np.ix_(keep_rows, keep_columns)] if key in {"count", "n", "w2"}
                  else value) for key, value in cells.items()}


def _mean_design_effect(cells: dict) -> float:
    """Rao & Scott's (1984) mean generalised design effect for independence (see
    :func:`chi2_independence`), from cell, row and column design effects."""
    n = cells["n"].sum()
    total_weight = cells["count"].sum()
    total_w2 = cells["w2"].sum()

    def weighted_variance_terms(weight_sums, w2_sums):
        # Σ_k z_k² = [Σ_{k in cell} w_k² (1 - p)² + Σ_{k not in cell} w_k² p²] / W², i.e.
        # [S2_cell (1 - 2p) + p² S2] / W² with S2 sums of squared weights: no need for an
        # (n × cells) indicator matrix. Then (1 - p) deff(p) = n V(p) / p, which stays
        # finite (0) for an empty cell where deff itself is 0 / 0.
        p = weight_sums / total_weight
        variance = n / (n - 1) * (w2_sums * (1 - 2 * p) + p ** 2 * total_w2) / total_weight ** 2
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(p > 0, n * variance / p, 0.0).sum()

    count, w2 = cells["count"], cells["w2"]
    trace = (weighted_variance_terms(count, w2)
             - weighted_variance_terms(count.sum(axis=1), w2.sum(axis=1))
             - weighted_variance_terms(count.sum(axis=0), w2.sum(axis=0)))
    dof = (count.shape[0] - 1) * (count.shape[1] - 1)
    return float(trace / dof)


def _adjusted_residuals(table: np.ndarray) -> np.ndarray:
    """Haberman's adjusted residuals of a table of counts (NaN where undefined)."""
    total = table.sum()
    row_share = table.sum(axis=1, keepdims=True) / total
    column_share = table.sum(axis=0, keepdims=True) / total
    expected = total * row_share * column_share
    with np.errstate(invalid="ignore", divide="ignore"):
        return (table - expected) / np.sqrt(expected * (1 - row_share) * (1 - column_share))


# --------------------------------------------------------------------------- cross-tables

def crosstab(data: pd.DataFrame, row: str, column: str, weight: str | None = None
             ) -> pd.DataFrame:
    """Cross-tabulate two categorical variables, one row per cell.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    row, column : str
        The two variables. Every level of a categorical is kept, answered or not
        (``observed=False``), so tables of different segments have the same cells.
    weight : str, optional
        Column of survey weights; counts and percentages are then weighted.

    Returns
    -------
    DataFrame
        One row per cell, in category order, with columns ``<row>``, ``<column>``,
        ``count`` (sum of weights, the number of people when unweighted), ``n``
        (respondents, unweighted), ``row_percent``, ``column_percent``, ``total_percent``
        (ratios in [0, 1]; NaN for an empty row or column) and ``adjusted_residual``.
        ``attrs["n_missing"]`` counts respondents left out because either answer is
        missing.

    Notes
    -----
    The adjusted residual of cell (i, j) is Haberman's (1973)

    .. math:: r_{ij} = \\frac{n_{ij} - \\hat\\mu_{ij}}
              {\\sqrt{\\hat\\mu_{ij}(1 - p_{i+})(1 - p_{+j})}},
              \\qquad \\hat\\mu_{ij} = n\\,p_{i+}\\,p_{+j},

    approximately standard normal under independence: beyond ±2, the cell holds more
    (or fewer) people than independence predicts (Agresti 2007, §2.4.5). With weights it
    is computed on the weighted proportions scaled to the number of respondents
    (:math:`n\\hat p_{ij}`) and divided by :math:`\\sqrt{\\bar\\delta}`, the mean design
    effect of the Rao–Scott correction (see :func:`chi2_independence`), so that residuals
    and test agree; it is NaN when fewer than two rows or columns are answered.

    References
    ----------
    Haberman, S. J. (1973). The analysis of residuals in cross-classified tables.
    *Biometrics*, 29(1), 205–220.
    Agresti, A. (2007). *An Introduction to Categorical Data Analysis* (2nd ed.). Wiley.

    Examples
    --------
    >>> answers = pd.DataFrame({"sexe": ["F", "F", "F", "H", "H"],
    ...                         "avis": ["oui", "oui", "non", "non", "non"]})
    >>> crosstab(answers, "sexe", "avis")[["sexe", "avis", "n", "row_percent"]]
      sexe avis  n  row_percent
    0    F  non  1     0.333333
    1    F  oui  2     0.666667
    2    H  non  2     1.000000
    3    H  oui  0     0.000000
    """
    for name in (row, column):
        if name in _CELL_COLUMNS:
            raise InputError(f"a variable named {name!r} clashes with a result column; "
                             "rename it", column=name)
    cells = _cells(data, row, column, weight)
    count = cells["count"]
    total = count.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        row_percent = count / count.sum(axis=1, keepdims=True)
        column_percent = count / count.sum(axis=0, keepdims=True)
        total_percent = count / total
    residuals = np.full(count.shape, np.nan)
    answered_rows = count.sum(axis=1) > 0
    answered_columns = count.sum(axis=0) > 0
    if answered_rows.sum() >= 2 and answered_columns.sum() >= 2:
        kept = _non_empty(cells, row, column)
        if weight is None:
            kept_residuals = _adjusted_residuals(kept["count"])
        else:
            n = kept["n"].sum()
            scaled = n * kept["count"] / kept["count"].sum()
            kept_residuals = (_adjusted_residuals(scaled)
                              / np.sqrt(_mean_design_effect(kept)))
        residuals[np.ix_(answered_rows, answered_columns)] = kept_residuals
    result = pd.DataFrame({
        row: pd.Categorical(np.repeat(cells["rows"], len(cells["columns"])),
                            categories=cells["rows"]),
        column: pd.Categorical(np.tile(cells["columns"], len(cells["rows"])),
                               categories=cells["columns"]),
        "count": count.ravel() if weight is not None else cells["n"].ravel(),
        "n": cells["n"].ravel(),
        "row_percent": row_percent.ravel(),
        "column_percent": column_percent.ravel(),
        "total_percent": total_percent.ravel(),
        "adjusted_residual": residuals.ravel(),
    })
    result.attrs["n_missing"] = cells["n_missing"]
    return result


def chi2_independence(data: pd.DataFrame, row: str, column: str, weight: str | None = None
                      ) -> pd.DataFrame:
    """Test the independence of two categorical variables (χ², G², Cramér's V).

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    row, column : str
        The two variables; rows or columns nobody answered are left out of the test.
    weight : str, optional
        Column of survey weights: the test is then Rao and Scott's first-order corrected
        χ² (below) instead of Pearson's.

    Returns
    -------
    DataFrame
        One row: ``test`` (``pearson`` or ``rao_scott``), ``label`` (French),
        ``statistic`` (X²), ``dof``, ``p_value``, ``likelihood_ratio`` (G²) and its
        ``likelihood_ratio_p_value``, ``cramers_v``, ``n`` (respondents),
        ``design_effect`` (the mean design effect δ̄ dividing both statistics; NaN when
        unweighted) and ``share_expected_below_5`` (share of cells whose expected count is
        below 5: above 0.2, Cochran's rule says the χ² approximation is doubtful).
        ``attrs["n_missing"]`` counts respondents left out.

    Notes
    -----
    **Unweighted.** Pearson's :math:`X^2 = \\sum_{ij} (n_{ij} - \\hat\\mu_{ij})^2 /
    \\hat\\mu_{ij}` and the likelihood ratio :math:`G^2 = 2\\sum_{ij} n_{ij}
    \\ln(n_{ij}/\\hat\\mu_{ij})`, with :math:`\\hat\\mu_{ij} = n_{i+}n_{+j}/n`, on
    :math:`(I-1)(J-1)` degrees of freedom (``scipy.stats.chi2_contingency``, without
    Yates's correction).

    **Weighted (Rao–Scott, first order).** With weights :math:`w_k`,
    :math:`\\hat p_{ij} = \\sum_{k \\in ij} w_k / \\sum_k w_k`; :math:`X^2_P` and
    :math:`G^2_P` are the statistics above computed on :math:`n\\hat p_{ij}` (weighted
    proportions scaled to the number of respondents, not to the sum of weights). Each
    estimated proportion :math:`\\hat p` (cell :math:`\\hat p_{ij}`, row
    :math:`\\hat p_{i+}`, column :math:`\\hat p_{+j}`) has a design effect

    .. math:: d = \\hat V(\\hat p) \\big/ \\left(\\hat p(1-\\hat p)/n\\right), \\qquad
              \\hat V(\\hat p) = \\frac{n}{n-1}\\sum_k z_k^2, \\quad
              z_k = \\frac{w_k (y_k - \\hat p)}{\\sum_l w_l},

    the linearised variance of a ratio under with-replacement sampling of individuals
    (:math:`y_k = 1` when respondent k is in the cell). The mean generalised design
    effect (Rao & Scott 1984, eq. 4.3; Lohr 2010, §10.3.2) is

    .. math:: \\bar\\delta = \\frac{\\sum_{ij}(1-\\hat p_{ij})d_{ij}
              - \\sum_i (1-\\hat p_{i+})d_{i+} - \\sum_j (1-\\hat p_{+j})d_{+j}}{(I-1)(J-1)}

    and :math:`X^2_{RS} = X^2_P/\\bar\\delta`, :math:`G^2_{RS} = G^2_P/\\bar\\delta` are
    referred to :math:`\\chi^2_{(I-1)(J-1)}`. No stratum or cluster is modelled.

    With all weights equal (1, 3 or any constant), every :math:`d = n/(n-1)` (the
    design variance divides by :math:`n-1`, the simple-random-sampling one by
    :math:`n`, as R's ``survey::svychisq`` does), so
    :math:`X^2_{RS} = X^2 \\cdot (n-1)/n`: the unweighted Pearson statistic up to that
    factor.

    Cramér's :math:`V = \\sqrt{X^2_P / (n (\\min(I, J) - 1))}` describes the strength of
    the association in the (weighted) table; it is not design-corrected.

    References
    ----------
    Agresti, A. (2007). *An Introduction to Categorical Data Analysis* (2nd ed.), §2.4.
    Wiley.
    Rao, J. N. K. & Scott, A. J. (1981). The analysis of categorical data from complex
    sample surveys. *JASA*, 76(374), 221–230.
    Rao, J. N. K. & Scott, A. J. (1984). On chi-squared tests for multiway contingency
    tables with cell proportions estimated from survey data. *Annals of Statistics*,
    12(1), 46–60.
    Lohr, S. L. (2010). *Sampling: Design and Analysis* (2nd ed.), §10.3. Brooks/Cole.

    Examples
    --------
    Party identification by gender, GSS 2000 (Agresti 2007, Table 2.5):

    >>> cells = {("F", "Dem"): 762, ("F", "Ind"): 327, ("F", "Rep"): 468,
    ...          ("M", "Dem"): 484, ("M", "Ind"): 239, ("M", "Rep"): 477}
    >>> gss = pd.DataFrame([key for key, count in cells.items() for _ in range(count)],
    ...                    columns=["gender", "party"])
    >>> result = chi2_independence(gss, "gender", "party")
    >>> result[["test", "statistic", "dof", "likelihood_ratio"]].round(2)
          test  statistic  dof  likelihood_ratio
    0  pearson      30.07    2             30.02
    """
    all_cells = _cells(data, row, column, weight)
    cells = _non_empty(all_cells, row, column)
    n = int(cells["n"].sum())
    if weight is None:
        table = cells["n"].astype(float)
        design_effect = float("nan")
    else:
        table = n * cells["count"] / cells["count"].sum()
        design_effect = _mean_design_effect(cells)
    pearson = stats.chi2_contingency(table, correction=False)
    ratio = stats.chi2_contingency(table, correction=False, lambda_="log-likelihood")
    dof = int(pearson.dof)
    divisor = 1.0 if weight is None else design_effect
    statistic = pearson.statistic / divisor
    likelihood_ratio = ratio.statistic / divisor
    test = "pearson" if weight is None else "rao_scott"
    result = pd.DataFrame([{
        "test": test,
        "label": LABELS[test],
        "statistic": statistic,
        "dof": dof,
        "p_value": stats.chi2.sf(statistic, dof),
        "likelihood_ratio": likelihood_ratio,
        "likelihood_ratio_p_value": stats.chi2.sf(likelihood_ratio, dof),
        "cramers_v": np.sqrt(pearson.statistic / (n * (min(table.shape) - 1))),
        "n": n,
        "design_effect": design_effect,
        "share_expected_below_5": float((pearson.expected_freq < 5).mean()),
    }])
    result.attrs["n_missing"] = all_cells["n_missing"]
    return result


# --------------------------------------------------------------------------- rank tests

def compare_groups(data: pd.DataFrame, column: str, group: str, weight: str | None = None
                   ) -> pd.DataFrame:
    """Compare an ordinal answer between groups: Mann–Whitney (2) or Kruskal–Wallis (> 2).

    The tests are **unweighted**: weighted rank tests are out of scope, and passing
    ``weight`` raises an error rather than silently ignoring it.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    column : str
        The answer: an ordered categorical (a Likert scale, scored 1, 2, 3… in its
        order) or numbers.
    group : str
        The groups to compare; missing groups are left out, and so are levels nobody in
        the data belongs to (they keep a row with ``n`` = 0).
    weight : None
        Must be None.

    Returns
    -------
    DataFrame
        One row per group, with ``<group>``, ``n``, ``median`` and ``mean`` of the
        scores, then the test, repeated on every row: ``test`` (``mann_whitney`` or
        ``kruskal_wallis``), ``label`` (French), ``statistic`` (U of the first group, or
        H), ``p_value``, ``effect_size`` and ``effect_size_name`` (``rank_biserial`` or
        ``epsilon_squared``). ``attrs["n_missing"]`` counts respondents left out.

    Notes
    -----
    Two groups: ``scipy.stats.mannwhitneyu`` (two-sided; exact for small samples without
    ties, else normal approximation corrected for ties), with :math:`U_1` the number of
    pairs (first group, second group) where the first answers higher, ties counting ½.
    The rank-biserial correlation (Kerby 2014) is
    :math:`r = 2U_1/(n_1 n_2) - 1`, from −1 to 1, positive when the first group (in
    category order) tends to answer higher.

    More groups: ``scipy.stats.kruskal`` (H corrected for ties), and
    :math:`\\varepsilon^2 = H / ((n^2 - 1)/(n + 1)) = H/(n-1)`, from 0 to 1
    (Tomczak & Tomczak 2014).

    References
    ----------
    Mann, H. B. & Whitney, D. R. (1947). *Ann. Math. Statist.*, 18(1), 50–60.
    Kruskal, W. H. & Wallis, W. A. (1952). *JASA*, 47(260), 583–621.
    Kerby, D. S. (2014). The simple difference formula: an approach to teaching
    nonparametric correlation. *Comprehensive Psychology*, 3, 11.IT.3.1.
    Tomczak, M. & Tomczak, E. (2014). The need to report effect size estimates revisited.
    *Trends in Sport Sciences*, 1(21), 19–25.

    Examples
    --------
    >>> answers = pd.DataFrame({"note": [19, 22, 16, 29, 24, 20, 11, 17, 12],
    ...                         "sexe": ["H"] * 5 + ["F"] * 4})
    >>> result = compare_groups(answers, "note", "sexe")
    >>> result[["sexe", "n", "test", "statistic", "effect_size"]].round(3)
      sexe  n          test  statistic  effect_size
    0    F  4  mann_whitney        3.0         -0.7
    1    H  5  mann_whitney        3.0         -0.7
    >>> print(f"{result['p_value'].iloc[0]:.4f}")
    0.1111
    """
    require_columns(data, column, group, weight)
    if weight is not None:
        raise InputError("rank tests are unweighted; call compare_groups without weight",
                         column=weight)
    scores = ordinal_scores(data[column], column)
    complete = scores.notna() & data[group].notna()
    levels = display_levels(data[group])
    samples = {level: scores[complete & (data[group] == level)].to_numpy()
               for level in levels}
    tested = [level for level in levels if len(samples[level]) > 0]
    if len(tested) < 2:
        raise InputError(f"needs at least two groups with answers to {column!r}; found "
                         f"{len(tested)}", column=group)
    if len(tested) == 2:
        first, second = (samples[level] for level in tested)
        outcome = stats.mannwhitneyu(first, second, alternative="two-sided")
        test, effect_name = "mann_whitney", "rank_biserial"
        effect = 2 * outcome.statistic / (len(first) * len(second)) - 1
    else:
        outcome = stats.kruskal(*(samples[level] for level in tested))
        test, effect_name = "kruskal_wallis", "epsilon_squared"
        effect = outcome.statistic / (int(complete.sum()) - 1)
    result = pd.DataFrame({
        group: pd.Categorical(levels, categories=levels),
        "n": [len(samples[level]) for level in levels],
        "median": [np.median(samples[level]) if len(samples[level]) else np.nan
                   for level in levels],
        "mean": [samples[level].mean() if len(samples[level]) else np.nan
                 for level in levels],
        "test": test,
        "label": LABELS[test],
        "statistic": float(outcome.statistic),
        "p_value": float(outcome.pvalue),
        "effect_size": float(effect),
        "effect_size_name": effect_name,
    })
    result.attrs["n_missing"] = int((~complete).sum())
    return result


# --------------------------------------------------------------------------- paired tests

def _binary(values: pd.Series, name) -> pd.Series:
    """Yes/no answers as 1.0 / 0.0 (NaN when missing)."""
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
        numbers = values.astype(float)
        unexpected = set(numbers.dropna().unique()) - {0.0, 1.0}
    else:
        text = values.astype("string").str.strip().str.lower()
        numbers = pd.Series(np.where(text.isin(_YES), 1.0,
                                     np.where(text.isin(_NO), 0.0, np.nan)),
                            index=values.index)
        unexpected = set(values[numbers.isna() & values.notna()].unique())
    if unexpected:
        shown = ", ".join(repr(value) for value in sorted(unexpected, key=str)[:5])
        raise InputError(f"is not a yes/no answer: unexpected value(s) {shown}", column=name)
    return numbers


def pre_post(before, after, kind: str = "ordinal") -> pd.DataFrame:
    """Test the change of the same people's answers between two waves (deliberative poll).

    Parameters
    ----------
    before, after : Series
        The answers of the same respondents before and after, paired on their index
        (the respondent identifier); array-likes are paired by position. A pair with a
        missing side is dropped and counted.
    kind : {"ordinal", "binary"}
        ``ordinal``: numbers or an ordered categorical (scored 1, 2, 3…), tested with
        Wilcoxon's signed-rank test. ``binary``: yes/no answers (booleans, 0/1, or the
        texts Y/N, yes/no, oui/non, true/false, vrai/faux), tested with McNemar's test.

    Returns
    -------
    DataFrame
        One row: ``test``, ``label`` (French), ``statistic``, ``p_value``, ``n_pairs``
        (complete pairs), ``n_dropped`` (pairs with a missing side), ``n_up`` and
        ``n_down`` (pairs whose answer rose or fell: for yes/no, from no to yes and from
        yes to no), ``before`` and ``after`` (mean score, or proportion of yes) and
        ``change`` (after − before).

    Notes
    -----
    **Ordinal** (``scipy.stats.wilcoxon``, two-sided): the differences
    :math:`d_k = after_k - before_k` are ranked by absolute value, zero differences left
    out (Wilcoxon's method); ``statistic`` is the smaller of the sums of ranks of the
    positive and of the negative differences, :math:`\\min(W^+, W^-)`.

    **Binary** (``statsmodels.stats.contingency_tables.mcnemar``): with :math:`b` people
    moving from yes to no and :math:`c` from no to yes, McNemar's statistic is
    :math:`(b - c)^2/(b + c)` on 1 degree of freedom, without continuity correction
    (Agresti 2007, §8.1). When :math:`b + c < 25` the exact binomial test is used
    instead (test ``mcnemar_exact``; its ``statistic`` is :math:`\\min(b, c)`), which
    makes a continuity correction unnecessary.

    References
    ----------
    Wilcoxon, F. (1945). Individual comparisons by ranking methods. *Biometrics
    Bulletin*, 1(6), 80–83.
    McNemar, Q. (1947). Note on the sampling error of the difference between correlated
    proportions or percentages. *Psychometrika*, 12(2), 153–157.
    Agresti, A. (2007). *An Introduction to Categorical Data Analysis* (2nd ed.), §8.1.

    Examples
    --------
    >>> before = pd.Series([True, True, False, False, False, True])
    >>> after = pd.Series([True, True, True, True, None, False])
    >>> result = pre_post(before, after, kind="binary")
    >>> result[["test", "n_pairs", "n_dropped", "n_up", "n_down", "before", "after"]]
                test  n_pairs  n_dropped  n_up  n_down  before  after
    0  mcnemar_exact        5          1     2       1     0.6    0.8
    """
    if kind not in {"ordinal", "binary"}:
        raise ValueError(f"kind must be 'ordinal' or 'binary', not {kind!r}")
    before, after = (values if isinstance(values, pd.Series) else pd.Series(values)
                     for values in (before, after))
    names = [before.name if before.name is not None else "before",
             after.name if after.name is not None else "after"]
    for values, name in zip((before, after), names, strict=True):
        if not values.index.is_unique:
            raise InputError("respondent identifiers (the index) appear more than once",
                             column=name)
    categories = [values.cat.categories for values in (before, after)
                  if isinstance(values.dtype, pd.CategoricalDtype)]
    if kind == "ordinal" and len(categories) == 2 and not categories[0].equals(categories[1]):
        raise InputError("before and after answers use different scales (categories)",
                         column=names[1])
    convert = ordinal_scores if kind == "ordinal" else _binary
    pairs = pd.concat([convert(before, names[0]).rename("before"),
                       convert(after, names[1]).rename("after")], axis=1)
    complete = pairs.dropna()
    if complete.empty:
        raise InputError("no respondent answered both before and after", column=names[1])
    if kind == "ordinal":
        outcome = stats.wilcoxon(complete["after"], complete["before"])
        test, statistic, p_value = "wilcoxon", outcome.statistic, outcome.pvalue
    else:
        yes_before, yes_after = complete["before"] == 1, complete["after"] == 1
        table = [[int((yes_before & yes_after).sum()), int((yes_before & ~yes_after).sum())],
                 [int((~yes_before & yes_after).sum()), int((~yes_before & ~yes_after).sum())]]
        exact = table[0][1] + table[1][0] < 25
        outcome = mcnemar(table, exact=exact, correction=False)
        test = "mcnemar_exact" if exact else "mcnemar"
        statistic, p_value = outcome.statistic, outcome.pvalue
    mean_before, mean_after = complete["before"].mean(), complete["after"].mean()
    return pd.DataFrame([{
        "test": test,
        "label": LABELS[test],
        "statistic": float(statistic),
        "p_value": float(p_value),
        "n_pairs": len(complete),
        "n_dropped": len(pairs) - len(complete),
        "n_up": int((complete["after"] > complete["before"]).sum()),
        "n_down": int((complete["after"] < complete["before"]).sum()),
        "before": mean_before,
        "after": mean_after,
        "change": mean_after - mean_before,
    }])
