"""The reliability of a scale: Cronbach's α, with Feldt's confidence interval.

Like the tests of :mod:`civeval.survey.compare`, it returns a tidy DataFrame (one row) ready
for :func:`civeval.presentation.report.table`. It is unweighted; respondents who skipped an
item are left out and counted (``n_excluded``).
"""

from __future__ import annotations

import pandas as pd
from scipy import stats

from civeval.errors import InputError
from civeval.survey.answers import ordinal_scores

__all__ = ["cronbach_alpha"]


def cronbach_alpha(items: pd.DataFrame, ci: float = 0.95) -> pd.DataFrame:
    """Internal consistency of a scale: Cronbach's α with Feldt's confidence interval.

    Parameters
    ----------
    items : DataFrame
        One column per item of the scale, one row per respondent: numbers or ordered
        categoricals (scored 1, 2, 3…). Reverse-coded items must be reversed first.
    ci : float
        Confidence level of the interval.

    Returns
    -------
    DataFrame
        One row: ``alpha``, ``ci_low``, ``ci_high``, ``n_items``, ``n`` (respondents
        used) and ``n_excluded`` (respondents left out).

    Notes
    -----
    .. math:: \\alpha = \\frac{k}{k-1}\\left(1 - \\frac{\\sum_i \\sigma^2_i}
              {\\sigma^2_{total}}\\right)

    with k items, :math:`\\sigma^2_i` the variance of item i and
    :math:`\\sigma^2_{total}` that of the sum of the items (both with n − 1 divisor).
    **Listwise deletion**: a respondent who skipped any item is left out, so every
    variance is computed on the same people (as ``psych::alpha(use="complete.obs")``).
    The interval is Feldt's (1965; Feldt, Woodruff & Salih 1987): with
    :math:`F_q` the q-quantile of :math:`F(n-1, (n-1)(k-1))`,
    :math:`[1 - (1-\\alpha)F_{1-a/2},\\ 1 - (1-\\alpha)F_{a/2}]`, :math:`a = 1 - ci`.

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    *Psychometrika*, 16(3), 297–334.
    Feldt, L. S., Woodruff, D. J. & Salih, F. A. (1987). Statistical inference for
    coefficient alpha. *Applied Psychological Measurement*, 11(1), 93–103.

    Examples
    --------
    >>> scale = pd.DataFrame({"q1": [1, 2, 3, 4, 5], "q2": [2, 2, 3, 5, 5],
    ...                       "q3": [1, 3, 3, 4, None]})
    >>> cronbach_alpha(scale)[["alpha", "n_items", "n", "n_excluded"]].round(3)
       alpha  n_items  n  n_excluded
    0  0.947        3  4           1
    """
    if not isinstance(items, pd.DataFrame) or items.shape[1] < 2:
        raise InputError("Cronbach's alpha needs a table of at least two items")
    if not 0 < ci < 1:
        raise ValueError(f"ci must be between 0 and 1, not {ci!r}")
    scores = pd.DataFrame({name: ordinal_scores(items[name], name) for name in items.columns})
    complete = scores.dropna()
    n, k = len(complete), scores.shape[1]
    if n < 2:
        raise InputError(f"Cronbach's alpha needs at least two respondents who answered "
                         f"every item; found {n}")
    item_variances = complete.var(ddof=1).sum()
    total_variance = complete.sum(axis=1).var(ddof=1)
    alpha = k / (k - 1) * (1 - item_variances / total_variance)
    dof_between, dof_error = n - 1, (n - 1) * (k - 1)
    tail = (1 - ci) / 2
    return pd.DataFrame([{
        "alpha": alpha,
        "ci_low": 1 - (1 - alpha) * stats.f.isf(tail, dof_between, dof_error),
        "ci_high": 1 - (1 - alpha) * stats.f.isf(1 - tail, dof_between, dof_error),
        "n_items": k,
        "n": n,
        "n_excluded": len(scores) - n,
    }])
