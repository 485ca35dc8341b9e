"""Design-based estimates from questionnaires: means and proportions with standard errors.

Each function returns a tidy :class:`pandas.DataFrame` with one row per domain (and category):
``estimate, se, ci_low, ci_high, n``, preceded by the ``by`` columns. The standard errors take
the sampling design into account the way R's ``survey`` package does (Lumley 2004), so that a
table produced here can be checked against ``svymean``/``svyby``/``svyciprop``:

- **weights** (``weight``): the estimate is the ratio mean
  :math:`\\hat{\\bar y} = \\sum_i w_i y_i / \\sum_i w_i`;
- **strata** (``strata``) and **primary sampling units** (``psu``, e.g. districts or
  meetings drawn first), the PSUs being treated as drawn with replacement within strata and
  their identifiers read *within* each stratum (R's ``nest=TRUE``); without ``psu`` each
  respondent is its own PSU;
- **finite-population correction** (``fpc``): a column holding either the number of PSUs of
  the stratum in the population :math:`N_h` (R's ``fpc=~Nh``) or the sampling fraction
  :math:`f_h` (when every value is at most 1).

Variance by Taylor linearisation (Wolter 2007). The mean of a domain *d* (a group
of ``by``, and the respondents who answered: a missing answer only takes the respondent out
of the domain) has the linearised scores

.. math:: z_i = \\frac{w_i \\, \\delta_i \\, (y_i - \\hat{\\bar y}_d)}{\\sum_j w_j \\delta_j}

where :math:`\\delta_i` is 1 in the domain and 0 elsewhere. With :math:`z_{hi}` the total of
the scores of PSU *i* of stratum *h*, :math:`\\bar z_h` their mean over the :math:`n_h` PSUs of
the stratum,

.. math:: \\widehat{V}(\\hat{\\bar y}_d) = \\sum_h (1 - f_h) \\frac{n_h}{n_h - 1}
          \\sum_{i=1}^{n_h} (z_{hi} - \\bar z_h)^2 .

Respondents outside the domain stay in the design with a zero score. This is what
``svymean(..., na.rm=TRUE)`` and ``svyby`` do, and it matters: dropping them would change the
number of PSUs per stratum and so the variance. For an unweighted simple random sample the
formula reduces to :math:`s / \\sqrt n`.

Why not a survey library. The issue asked to delegate to a maintained library where one fits.
``samplics`` 0.6.1 reproduces R's values for the ``fpc`` example, but its own metadata
declares it inactive ("no longer maintained", superseded by ``svy``), it pulls in Polars and
PyArrow (about 110 MB of wheels), its ``fpc`` argument means :math:`1 - f_h`, its
``remove_nan`` drops rows with a missing answer (which changes the design, unlike R), and it
fails with a division by zero on a domain whose mean is 0. Its successor ``svy`` (0.35, beta)
is Polars-first with a compiled core and the same weight of dependencies. The estimator
needed here fits in a few dozen lines of NumPy, so it is written out and checked against
R's published values instead.

References
----------
Lumley, T. (2004). Analysis of complex survey samples. *Journal of Statistical Software*
9(1), 1-19.

Wolter, K. M. (2007). *Introduction to Variance Estimation*, 2nd ed. Springer.

Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference.
*Journal of the American Statistical Association* 22(158), 209-212.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from civeval.errors import WeightingError
from civeval.survey.weights import require_columns, require_no_missing, some_labels

__all__ = ["estimate_mean", "estimate_proportion"]

STATISTICS = ["estimate", "se", "ci_low", "ci_high", "n"]
INTERVAL_METHODS = ("wilson", "logit", "wald")


def estimate_mean(data: pd.DataFrame, column: str, weight: str | None = None,
                  strata: str | None = None, psu: str | None = None, fpc: str | None = None,
                  by: str | Sequence[str] | None = None, level: float = 0.95) -> pd.DataFrame:
    """Mean of a numeric answer, with its design-based standard error and confidence interval.

    .. math:: \\hat{\\bar y} = \\frac{\\sum_i w_i y_i}{\\sum_i w_i}, \\qquad
              \\mathrm{CI} = \\hat{\\bar y} \\pm z_{1 - \\alpha/2} \\, \\widehat{\\mathrm{se}}

    The standard error is the Taylor linearisation described in the module documentation
    (stratified, with-replacement PSUs, optional finite-population correction), as R's
    ``svymean``; the interval uses the normal quantile, as R's ``confint(svymean(...))``.
    Respondents without an answer are a domain (R's ``na.rm=TRUE``): they do not count in the
    mean but stay in the design.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    column : str
        The numeric answer (a score, an age, a 0/1 indicator...).
    weight : str, optional
        Column of weights (e.g. from :func:`civeval.survey.weights.rake`). Unit weights when
        omitted.
    strata : str, optional
        Column of sampling strata.
    psu : str, optional
        Column of primary sampling units, identified within strata.
    fpc : str, optional
        Column of population sizes :math:`N_h` (in PSUs) or sampling fractions :math:`f_h`,
        constant within each stratum. As in R, the values are read as fractions when they are
        all at most 1, as population sizes when they are all at least 1.
    by : str or list of str, optional
        Column(s) defining domains, each estimated as a subpopulation of the whole design
        (R's ``svyby``). Respondents with no value in ``by`` belong to no domain.
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        One row per domain: the ``by`` columns, then ``estimate``, ``se``, ``ci_low``,
        ``ci_high`` and ``n`` (the number of respondents who answered). A domain where nobody
        answered has ``n`` 0 and missing statistics.

    Raises
    ------
    WeightingError
        A named column is absent; ``column`` is not numeric; a weight is missing or negative;
        a stratum, PSU or fpc value is missing; fpc varies within a stratum or is smaller than
        the number of sampled PSUs; a stratum has a single PSU (its variance cannot be
        estimated: merge it with a similar stratum, as R's ``survey.lonely.psu="fail"``).
    ValueError
        ``level`` is not between 0 and 1.

    References
    ----------
    Lumley, T. (2004). Analysis of complex survey samples. *Journal of Statistical Software*
    9(1), 1-19.

    Wolter, K. M. (2007). *Introduction to Variance Estimation*, 2nd ed. Springer.

    Examples
    --------
    R's ``fpc`` example data: two strata of PSUs drawn with weights 3 and 4.

    >>> import pandas as pd
    >>> fpc = pd.DataFrame({
    ...     "stratid": [1, 1, 1, 1, 1, 2, 2, 2], "psuid": [1, 2, 3, 4, 5, 1, 2, 3],
    ...     "weight": [3, 3, 3, 3, 3, 4, 4, 4], "Nh": [15, 15, 15, 15, 15, 12, 12, 12],
    ...     "x": [2.8, 4.1, 6.8, 6.8, 9.2, 3.7, 6.6, 4.2]})
    >>> result = estimate_mean(fpc, "x", weight="weight", strata="stratid", psu="psuid",
    ...                        fpc="Nh")
    >>> result.round(4)
       estimate     se  ci_low  ci_high  n
    0    5.4481  0.616  4.2407   6.6556  8
    """
    _check_level(level)
    by_columns = _as_list(by)
    require_columns(data, [column, *by_columns])
    values = data[column]
    if not (pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)):
        raise WeightingError(
            f"a mean needs numbers, but the column holds {values.dtype} values; "
            "use estimate_proportion for categories", column=column)
    values = values.astype(float).to_numpy()
    design = _design(data, weight, strata, psu, fpc)
    normal_quantile = stats.norm.ppf(0.5 + level / 2)

    rows = []
    for key, in_domain in _domains(data, by_columns):
        estimate, se, n, _ = _domain_mean(design, values, in_domain)
        half_width = normal_quantile * se
        rows.append([*key, estimate, se, estimate - half_width, estimate + half_width, n])
    return pd.DataFrame(rows, columns=[*by_columns, *STATISTICS])


def estimate_proportion(data: pd.DataFrame, column: str, category: Hashable | None = None,
                        weight: str | None = None, strata: str | None = None,
                        psu: str | None = None, fpc: str | None = None,
                        by: str | Sequence[str] | None = None, level: float = 0.95,
                        method: str | None = None) -> pd.DataFrame:
    """Share of respondents in each category of an answer, with standard error and interval.

    The proportion of category *k* is the design-based mean of the indicator
    :math:`1[y_i = k]` over the respondents who answered (see :func:`estimate_mean`), so
    ``se`` is always the Taylor-linearised standard error. The interval depends on ``method``:

    - ``"wilson"`` (default for a simple random sample: no ``weight``, ``strata``, ``psu`` nor
      ``fpc``), Wilson's score interval from the count *x* out of *n* answers,
      computed by ``statsmodels.stats.proportion.proportion_confint(method="wilson")``:

      .. math:: \\frac{\\hat p + \\frac{z^2}{2n} \\pm z \\sqrt{\\frac{\\hat p (1 - \\hat p)}{n}
                + \\frac{z^2}{4n^2}}}{1 + \\frac{z^2}{n}}

    - ``"logit"`` (default otherwise), R's ``svyciprop(method="logit")``: a Wald interval on
      the log-odds scale, transformed back, so it stays within [0, 1]:

      .. math:: \\operatorname{expit}\\left(\\operatorname{logit} \\hat p \\pm
                t_{\\mathrm{df}, 1 - \\alpha/2} \\,
                \\frac{\\widehat{\\mathrm{se}}}{\\hat p (1 - \\hat p)}\\right)

      with the design's degrees of freedom, as ``svyciprop``'s default ``df=degf(design)``:
      the number of PSUs minus the number of strata among the respondents of the domain who
      answered. When :math:`\\hat p` is 0 or 1 the interval is that single point.

    - ``"wald"``, R's ``confint(svymean(...))``: :math:`\\hat p \\pm z \\, \\widehat{\\mathrm{se}}`
      (not clipped to [0, 1]).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    column : str
        The categorical answer. For a categorical dtype every category gets a row, in the
        dtype's order, even unchosen ones; otherwise the values that occur, sorted.
    category : optional
        Estimate this category only.
    weight, strata, psu, fpc, by, level
        As for :func:`estimate_mean`.
    method : {"wilson", "logit", "wald"}, optional
        Confidence interval; see above. ``"wilson"`` needs a simple random sample.

    Returns
    -------
    pandas.DataFrame
        One row per domain and category: the ``by`` columns, ``category``, then ``estimate``,
        ``se``, ``ci_low``, ``ci_high`` and ``n`` (the number of respondents of the domain who
        answered the question: the base of the proportion).

    Raises
    ------
    WeightingError
        ``category`` is not a category of the column; otherwise as :func:`estimate_mean`.
    ValueError
        ``level`` is not between 0 and 1; ``method`` is unknown, or ``"wilson"`` with a
        design.

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
    inference. *Journal of the American Statistical Association* 22(158), 209-212.

    Lumley, T. (2004). Analysis of complex survey samples. *Journal of Statistical Software*
    9(1), 1-19.

    Examples
    --------
    Seven of twenty participants heard of the scheme through the municipal magazine:

    >>> import pandas as pd
    >>> answers = pd.DataFrame({"channel": ["magazine"] * 7 + ["other"] * 13})
    >>> estimate_proportion(answers, "channel", category="magazine").round(4)
       category  estimate      se  ci_low  ci_high   n
    0  magazine      0.35  0.1094  0.1812   0.5671  20
    """
    _check_level(level)
    simple_random = weight is None and strata is None and psu is None and fpc is None
    if method is None:
        method = "wilson" if simple_random else "logit"
    if method not in INTERVAL_METHODS:
        raise ValueError(f"method must be one of {', '.join(INTERVAL_METHODS)}, not {method!r}")
    if method == "wilson" and not simple_random:
        raise ValueError("method='wilson' assumes a simple random sample; with weights, "
                         "strata, PSUs or an fpc use 'logit' or 'wald'")
    by_columns = _as_list(by)
    require_columns(data, [column, *by_columns])
    answers = data[column]
    categories = _categories(answers)
    if category is not None:
        if category not in categories:
            listed = ", ".join(repr(c) for c in categories)
            raise WeightingError(f"category {category!r} does not occur (values: {listed})",
                                 column=column)
        categories = [category]
    design = _design(data, weight, strata, psu, fpc)
    answered = answers.notna().to_numpy()
    normal_quantile = stats.norm.ppf(0.5 + level / 2)

    # 1 for the category, 0 for another answer, NaN for no answer (out of the domain)
    indicators = {value: np.where(answered, answers.eq(value).fillna(False).to_numpy(float),
                                  np.nan) for value in categories}

    rows = []
    for key, in_domain in _domains(data, by_columns):
        for value, indicator in indicators.items():
            estimate, se, n, df = _domain_mean(design, indicator, in_domain)
            if n == 0:
                low = high = np.nan
            elif method == "wilson":
                count = int(np.nansum(indicator[in_domain]))
                low, high = proportion_confint(count, n, alpha=1 - level, method="wilson")
            elif method == "wald":
                low, high = estimate - normal_quantile * se, estimate + normal_quantile * se
            else:
                low, high = _logit_interval(estimate, se, df, level)
            rows.append([*key, value, estimate, se, low, high, n])
    return pd.DataFrame(rows, columns=[*by_columns, "category", *STATISTICS])


# --- the design and its variance ----------------------------------------------------------


@dataclass(frozen=True)
class _Design:
    """A stratified design with PSUs drawn with replacement, coded for fast aggregation."""

    weights: np.ndarray  # one per respondent
    psu: np.ndarray  # PSU number of each respondent, 0..P-1, unique across strata
    stratum_of_psu: np.ndarray  # stratum number of each PSU, 0..H-1
    psus_per_stratum: np.ndarray  # n_h
    finite_population_factor: np.ndarray  # 1 - f_h

    def variance(self, scores: np.ndarray) -> float:
        """Sum over strata of (1 - f_h) n_h/(n_h - 1) times the spread of PSU score totals."""
        n_psus, n_h = len(self.stratum_of_psu), self.psus_per_stratum
        totals = np.bincount(self.psu, weights=scores, minlength=n_psus)
        stratum_means = np.bincount(self.stratum_of_psu, weights=totals, minlength=len(n_h)) / n_h
        squares = np.bincount(self.stratum_of_psu, minlength=len(n_h),
                              weights=(totals - stratum_means[self.stratum_of_psu]) ** 2)
        # Single-PSU strata reach here only when fully sampled (f_h = 1): they add nothing.
        scale = np.divide(n_h, n_h - 1, out=np.zeros(len(n_h)), where=n_h > 1)
        return float(np.sum(self.finite_population_factor * scale * squares))

    def degrees_of_freedom(self, rows: np.ndarray) -> int:
        """PSUs minus strata among ``rows``, as R's ``degf`` of a subset design."""
        psus = np.unique(self.psu[rows])
        return len(psus) - len(np.unique(self.stratum_of_psu[psus]))


def _design(data: pd.DataFrame, weight: str | None, strata: str | None, psu: str | None,
            fpc: str | None) -> _Design:
    if len(data) == 0:
        raise WeightingError("there is no respondent to estimate from")
    require_columns(data, [c for c in (weight, strata, psu, fpc) if c is not None])
    weights = np.ones(len(data)) if weight is None else _design_weights(data, weight)

    if strata is None:
        stratum = np.zeros(len(data), dtype=np.intp)
    else:
        require_no_missing(data, strata, "every respondent needs a stratum")
        stratum = pd.factorize(data[strata], sort=True)[0]
    if psu is None:
        psu_number = np.arange(len(data))
    else:
        require_no_missing(data, psu, "every respondent needs a PSU")
        # PSU identifiers are read within strata (R's nest=TRUE): PSU 1 of stratum 1 and
        # PSU 1 of stratum 2 are different units.
        pairs = pd.DataFrame({"stratum": stratum, "psu": data[psu].to_numpy()})
        psu_number = pairs.groupby(["stratum", "psu"], sort=True).ngroup().to_numpy()
    stratum_of_psu = np.zeros(psu_number.max() + 1, dtype=np.intp)
    stratum_of_psu[psu_number] = stratum
    psus_per_stratum = np.bincount(stratum_of_psu)

    factor = np.ones(len(psus_per_stratum))
    if fpc is not None:
        factor = 1 - _sampling_fractions(data, fpc, strata, stratum, psus_per_stratum)

    lonely = (psus_per_stratum == 1) & (factor > 0)
    if lonely.any():
        if strata is None:
            raise WeightingError(
                "the design has a single PSU, so no variance can be estimated",
                column=psu)
        label = _stratum_label(data, strata, np.flatnonzero(lonely)[0])
        raise WeightingError(
            f"stratum {label!r} has a single PSU, so its variance cannot be estimated; "
            "merge it with a similar stratum", column=strata)
    return _Design(weights, psu_number, stratum_of_psu, psus_per_stratum, factor)


def _design_weights(data: pd.DataFrame, weight: str) -> np.ndarray:
    values = pd.to_numeric(data[weight], errors="coerce")
    if values.isna().any():
        bad = data.index[values.isna()]
        raise WeightingError(
            f"{len(bad)} respondent(s) have no usable weight (index {some_labels(bad)})",
            column=weight)
    if (values < 0).any():
        bad = data.index[values < 0]
        raise WeightingError(
            f"weights must not be negative (index {some_labels(bad)})", column=weight)
    if not (values > 0).any():
        raise WeightingError("all weights are zero", column=weight)
    return values.to_numpy(dtype=float)


def _sampling_fractions(data: pd.DataFrame, fpc: str, strata: str | None,
                        stratum: np.ndarray, psus_per_stratum: np.ndarray) -> np.ndarray:
    """f_h per stratum, from population sizes N_h or from the fractions themselves."""
    values = pd.to_numeric(data[fpc], errors="coerce")
    if values.isna().any() or (values <= 0).any():
        bad = data.index[values.isna() | (values <= 0)]
        raise WeightingError(
            f"the finite-population correction must be a positive number for every "
            f"respondent (index {some_labels(bad)})", column=fpc)
    per_stratum = values.groupby(stratum).agg(["min", "max"])
    varying = per_stratum.index[per_stratum["min"] != per_stratum["max"]]
    if len(varying):
        where = "" if strata is None else (
            f" in stratum {_stratum_label(data, strata, varying[0])!r}")
        raise WeightingError(
            f"the finite-population correction must be the same for a whole stratum; it "
            f"varies{where}", column=fpc)
    given = per_stratum["min"].to_numpy()
    # R's rule: all values <= 1 are sampling fractions, all values >= 1 population sizes.
    if (given <= 1).all():
        return given
    if (given < 1).any():
        raise WeightingError(
            "the finite-population correction mixes sampling fractions (< 1) and "
            "population sizes (> 1); give one or the other", column=fpc)
    too_small = np.flatnonzero(given < psus_per_stratum)
    if len(too_small):
        h = too_small[0]
        where = "" if strata is None else (
            f"stratum {_stratum_label(data, strata, h)!r}: ")
        raise WeightingError(
            f"{where}{psus_per_stratum[h]} PSUs were sampled from a population of "
            f"{given[h]:g}", column=fpc)
    return psus_per_stratum / given


def _stratum_label(data: pd.DataFrame, strata: str, number: int):
    """The value of ``strata`` that the design numbered ``number`` (strata are sorted)."""
    return pd.factorize(data[strata], sort=True)[1].tolist()[number]


def _domain_mean(design: _Design, values: np.ndarray,
                 in_domain: np.ndarray) -> tuple[float, float, int, int]:
    """Ratio mean over a domain, its linearised standard error, answer count and df."""
    used = in_domain & ~np.isnan(values)
    n = int(used.sum())
    weights = np.where(used, design.weights, 0.0)
    total_weight = weights.sum()
    if total_weight == 0:
        return np.nan, np.nan, n, 0
    y = np.where(used, values, 0.0)
    estimate = float(np.sum(weights * y) / total_weight)
    scores = weights * (y - estimate) / total_weight
    se = float(np.sqrt(design.variance(scores)))
    return estimate, se, n, design.degrees_of_freedom(used & (design.weights > 0))


def _logit_interval(p: float, se: float, df: int, level: float) -> tuple[float, float]:
    if p in (0.0, 1.0) or se == 0:
        return p, p
    if df < 1:
        # No degrees of freedom left (the domain lies in one PSU per stratum): R's qt(., 0)
        # is NaN too.
        return np.nan, np.nan
    half_width = stats.t.ppf(0.5 + level / 2, df) * se / (p * (1 - p))
    logit = np.log(p / (1 - p))
    return float(_expit(logit - half_width)), float(_expit(logit + half_width))


def _expit(x: float) -> float:
    return 1 / (1 + np.exp(-x))


# --- helpers ------------------------------------------------------------------------------


def _domains(data: pd.DataFrame, by_columns: list[str]):
    """(key, mask) for each domain: a tuple of ``by`` values and the rows that have them."""
    if not by_columns:
        yield (), np.ones(len(data), dtype=bool)
        return
    groups = data.groupby(by_columns, sort=True, observed=True, dropna=True).indices
    for key, positions in groups.items():
        mask = np.zeros(len(data), dtype=bool)
        mask[positions] = True
        yield (key if isinstance(key, tuple) else (key,)), mask


def _categories(answers: pd.Series) -> list:
    if isinstance(answers.dtype, pd.CategoricalDtype):
        return list(answers.cat.categories)
    values = list(pd.unique(answers.dropna()))
    try:
        return sorted(values)
    except TypeError:  # mixed types: keep the order of appearance
        return values


def _as_list(columns: str | Sequence[str] | None) -> list[str]:
    if columns is None:
        return []
    return [columns] if isinstance(columns, str) else list(columns)


def _check_level(level: float) -> None:
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, not {level}")
