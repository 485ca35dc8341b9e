"""Regression models of survey answers: the proportional-odds model of an ordinal answer.

Like the tests of :mod:`civeval.survey.compare`, it returns a tidy DataFrame (one row per
term) ready for :func:`civeval.presentation.report.table`. It is unweighted; respondents
with a missing value are left out and counted in ``result.attrs``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.miscmodels.ordinal_model import OrderedModel

from civeval.errors import InputError
from civeval.survey.answers import display_levels, require_columns

__all__ = ["ordinal_model"]


def ordinal_model(data: pd.DataFrame, outcome: str, predictors, ci: float = 0.95
                  ) -> pd.DataFrame:
    """Proportional-odds (ordinal logistic) regression of an ordinal answer.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    outcome : str
        The ordinal answer: an ordered categorical, or numbers (their sorted values are
        the levels).
    predictors : str or list of str
        Explanatory columns: numbers, booleans, or categories (each level but the first
        becomes a 0/1 indicator named ``<column>[<level>]``). Respondents with a missing
        value in any of them are left out (``attrs["n_missing"]``).
    ci : float
        Confidence level of the Wald intervals.

    Returns
    -------
    DataFrame
        One row per term: ``term``, ``coefficient`` (log odds ratio), ``odds_ratio``,
        ``ci_low``, ``ci_high`` (of the odds ratio), ``p_value`` (Wald).
        ``attrs`` holds ``n``, ``n_missing`` and the cut-points (``thresholds``).

    Notes
    -----
    ``statsmodels.miscmodels.ordinal_model.OrderedModel`` with ``distr="logit"``:

    .. math:: \\operatorname{logit} P(Y \\le j \\mid x) = \\theta_j - x^\\top\\beta

    so :math:`e^{\\beta}` is the odds ratio of answering *higher* for one unit more of
    the predictor, the same at every cut-point j (proportional odds; McCullagh 1980).
    Unweighted.

    References
    ----------
    McCullagh, P. (1980). Regression models for ordinal data. *JRSS B*, 42(2), 109–142.
    Agresti, A. (2010). *Analysis of Ordinal Categorical Data* (2nd ed.), ch. 3. Wiley.

    Examples
    --------
    >>> answers = pd.DataFrame({"avis": [1, 1, 2, 1, 2, 3, 2, 3, 3, 2, 1, 3],
    ...                         "age": [20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 30, 70]})
    >>> model = ordinal_model(answers, "avis", "age")
    >>> model[["term", "odds_ratio"]].round(2)
      term  odds_ratio
    0  age        1.16
    """
    predictors = [predictors] if isinstance(predictors, str) else list(predictors)
    require_columns(data, outcome, *predictors)
    if not predictors:
        raise ValueError("give at least one predictor")
    if not 0 < ci < 1:
        raise ValueError(f"ci must be between 0 and 1, not {ci!r}")
    used = data[[outcome, *predictors]].dropna()
    answer = used[outcome]
    if isinstance(answer.dtype, pd.CategoricalDtype):
        if not answer.cat.ordered:
            raise InputError("is an unordered categorical; the ordinal model needs an "
                             "ordered one (or numbers)", column=outcome)
        answer = answer.cat.remove_unused_categories()
    elif pd.api.types.is_numeric_dtype(answer):
        answer = pd.Series(pd.Categorical(answer, ordered=True), index=answer.index)
    else:
        raise InputError(f"holds {answer.dtype} values; the ordinal model needs numbers "
                         "or an ordered categorical", column=outcome)
    if len(answer.cat.categories) < 3:
        raise InputError("needs at least three answered levels for an ordinal model "
                         f"(found {len(answer.cat.categories)}); use a logistic regression",
                         column=outcome)
    design = []
    for name in predictors:
        values = used[name]
        if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
            design.append(values.astype(float).rename(name))
        else:
            levels = display_levels(values)
            for level in levels[1:]:  # the first level is the reference
                design.append((values == level).astype(float).rename(f"{name}[{level}]"))
    exog = pd.concat(design, axis=1)
    fitted = OrderedModel(answer, exog, distr="logit").fit(method="bfgs", disp=False,
                                                           maxiter=1000)
    terms = list(exog.columns)
    intervals = fitted.conf_int(alpha=1 - ci).loc[terms]
    result = pd.DataFrame({
        "term": terms,
        "coefficient": fitted.params[terms].to_numpy(),
        "odds_ratio": np.exp(fitted.params[terms].to_numpy()),
        "ci_low": np.exp(intervals.iloc[:, 0].to_numpy()),
        "ci_high": np.exp(intervals.iloc[:, 1].to_numpy()),
        "p_value": fitted.pvalues[terms].to_numpy(),
    })
    result.attrs.update(n=len(used), n_missing=len(data) - len(used),
                        thresholds=fitted.model.transform_threshold_params(
                            fitted.params.to_numpy())[1:-1].tolist())
    return result
