"""Who takes part, compared with who lives there: representation ratios and dissimilarity.

Used for survey respondents, participants and voters alike: each is compared with the
population margins (INSEE counts by sex, age band, PCS, district…) category by category.
The table describes people, so pass it through
:func:`civeval.privacy.suppress_small_cells` (``count_columns="n"``) before publishing it.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

from civeval.errors import InputError, WeightingError

__all__ = ["dissimilarity_index", "representativeness"]


def _shares(values, name: str) -> pd.Series:
    """``values`` (mapping, Series or array-like) as shares adding up to 1."""
    if isinstance(values, Mapping):
        values = pd.Series(dict(values), dtype=float)
    elif isinstance(values, pd.Series):
        values = values.astype(float)
    else:
        values = pd.Series(np.asarray(values, dtype=float))
    if values.isna().any() or (values < 0).any() or not np.isfinite(values).all():
        raise InputError(f"the {name} distribution must hold numbers ≥ 0, none missing")
    total = values.sum()
    if total <= 0:
        raise InputError(f"the {name} distribution adds up to zero")
    return values / total


def dissimilarity_index(shares_a, shares_b) -> float:
    """Duncan's dissimilarity index between two distributions over the same categories.

    Parameters
    ----------
    shares_a, shares_b : mapping, Series or array-like
        Shares (or counts: each distribution is divided by its total first) per category.
        Mappings and Series are matched on their labels, a category absent from one side
        counting 0; array-likes are matched by position and must have the same length.

    Returns
    -------
    float
        D, from 0 (same distribution) to 1 (no category in common).

    Notes
    -----
    .. math:: D = \\tfrac12 \\sum_i |p_i - q_i|

    the share of either group that would have to change category for both
    distributions to be the same (Duncan & Duncan 1955). Comparing participants with the
    population, D = 0.12 means 12 % of participants would have to be "replaced" for the
    participants to mirror the population.

    References
    ----------
    Duncan, O. D. & Duncan, B. (1955). A methodological analysis of segregation indexes.
    *American Sociological Review*, 20(2), 210–217.

    Examples
    --------
    >>> round(dissimilarity_index({"F": 0.5, "H": 0.5}, {"F": 0.8, "H": 0.2}), 3)
    0.3
    >>> round(dissimilarity_index([30, 70], [50, 50]), 3)  # counts become shares
    0.2
    """
    labelled = [isinstance(s, (Mapping, pd.Series)) for s in (shares_a, shares_b)]
    a, b = _shares(shares_a, "first"), _shares(shares_b, "second")
    if all(labelled):
        a, b = a.align(b, fill_value=0.0)
    elif len(a) != len(b):
        raise InputError(f"the two distributions have {len(a)} and {len(b)} categories")
    else:
        a, b = a.to_numpy(), b.to_numpy()
    return float(0.5 * np.abs(np.asarray(a) - np.asarray(b)).sum())


def representativeness(data: pd.DataFrame, column: str, population,
                       weight: str | None = None) -> pd.DataFrame:
    """Compare the respondents' distribution over ``column`` with the population's.

    Parameters
    ----------
    data : DataFrame
        One row per respondent (or participant, or voter).
    column : str
        The variable: sex, age band, district…; its values must be categories of
        ``population``. Missing values are left out of the shares and counted.
    population : mapping or Series
        Category → number of inhabitants (e.g. INSEE census counts).
    weight : str, optional
        Column of survey weights: respondents' shares are then weighted (to show how
        well the weights correct the sample).

    Returns
    -------
    DataFrame
        One row per population category, in the population's order, with ``<column>``,
        ``n`` (respondents, unweighted), ``share_respondents`` (weighted when ``weight``
        is given), ``population``, ``share_population`` and ``representation_ratio``
        (share among respondents ÷ share in population: 1 is fair representation, 0.5
        half as many as expected). Values describing the whole variable are in
        ``attrs``, so that the table itself stays one row per category:

        - ``dissimilarity_index``: D between respondents' and population shares
          (see :func:`dissimilarity_index`);
        - ``chi2_statistic``, ``chi2_dof``, ``chi2_p_value``: goodness of fit of the
          *unweighted* respondent counts to the population shares;
        - ``n`` (respondents with an answer), ``n_missing`` (without), ``weighted``.

    Raises
    ------
    InputError
        When a value of ``column`` is not a population category (the error names it),
        when the population counts are negative, missing or add up to zero, when a
        category with respondents has no inhabitants, or when nobody answered.

    Notes
    -----
    With :math:`p_i` the share of respondents in category i and :math:`q_i =
    N_i / N` the population share, the representation ratio is :math:`p_i / q_i` and
    the dissimilarity index :math:`D = \\tfrac12 \\sum_i |p_i - q_i|` (Duncan & Duncan
    1955). The goodness-of-fit test (``scipy.stats.chisquare``) compares the counts
    :math:`n_i` with :math:`n q_i`: :math:`X^2 = \\sum_i (n_i - n q_i)^2 / (n q_i)` on
    k − 1 degrees of freedom (categories without inhabitants left out). It uses the
    unweighted counts on purpose: it asks whether the raw sample looks like the
    population; after weighting on the same variable the shares match by construction.

    References
    ----------
    Duncan, O. D. & Duncan, B. (1955). A methodological analysis of segregation indexes.
    *American Sociological Review*, 20(2), 210–217.

    Examples
    --------
    >>> participants = pd.DataFrame({"sexe": ["F"] * 30 + ["H"] * 20 + [None] * 2})
    >>> table = representativeness(participants, "sexe", {"F": 5200, "H": 4800})
    >>> print(table.to_string())
      sexe   n  share_respondents  population  share_population  representation_ratio
    0    F  30                0.6        5200              0.52              1.153846
    1    H  20                0.4        4800              0.48              0.833333
    >>> round(table.attrs["dissimilarity_index"], 3), table.attrs["n_missing"]
    (0.08, 2)
    """
    if column not in data.columns:
        raise InputError(f"no column named {column!r} in the data", column=column)
    if weight is not None and weight not in data.columns:
        raise InputError(f"no column named {weight!r} in the data", column=weight)
    if not isinstance(population, (Mapping, pd.Series)):
        raise InputError("the population must map each category to its number of "
                         "inhabitants", column=column)
    counts = (pd.Series(dict(population)) if isinstance(population, Mapping)
              else population.copy())
    if not counts.index.is_unique:
        duplicated = counts.index[counts.index.duplicated()].unique().tolist()
        raise InputError(f"population categories appear twice: {duplicated}", column=column)
    if not pd.api.types.is_numeric_dtype(counts) or counts.isna().any() or (counts < 0).any():
        raise InputError("population counts must be numbers ≥ 0, none missing",
                         column=column)
    if counts.sum() <= 0:
        raise InputError("the population counts add up to zero", column=column)

    answers = data[column]
    answered = answers.notna()
    unknown = [value for value in pd.unique(answers[answered]) if value not in counts.index]
    if unknown:
        shown = ", ".join(repr(value) for value in unknown[:5])
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        raise InputError(f"{shown}{more} in the data but not in the population categories "
                         f"({', '.join(repr(c) for c in counts.index)})", column=column)
    if not answered.any():
        raise InputError("nobody answered", column=column)
    if weight is None:
        weights = pd.Series(1.0, index=data.index)
    else:
        weights = data[weight]
        if (not pd.api.types.is_numeric_dtype(weights) or weights.isna().any()
                or (weights < 0).any()):
            raise WeightingError("weights must be numbers ≥ 0, none missing", column=weight)

    observed = answers[answered]
    n = observed.value_counts().reindex(counts.index, fill_value=0).astype(int)
    weighted = weights[answered].groupby(observed.to_numpy()).sum()
    weighted = weighted.reindex(counts.index, fill_value=0.0)
    if weighted.sum() <= 0:
        raise WeightingError("the weights of the respondents add up to zero", column=weight)
    empty = [category for category in counts.index if n[category] > 0 and counts[category] == 0]
    if empty:
        raise InputError(f"{empty[0]!r} has respondents but no inhabitants in the population",
                         column=column)

    share_respondents = weighted / weighted.sum()
    share_population = counts / counts.sum()
    inhabited = share_population > 0
    expected = n.sum() * share_population[inhabited]
    fit = stats.chisquare(n[inhabited].to_numpy(float), expected.to_numpy())
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = (share_respondents / share_population).where(inhabited)
    result = pd.DataFrame({
        column: list(counts.index),
        "n": n.to_numpy(),
        "share_respondents": share_respondents.to_numpy(),
        "population": counts.to_numpy(),
        "share_population": share_population.to_numpy(),
        "representation_ratio": ratio.to_numpy(),
    })
    result.attrs.update(
        dissimilarity_index=dissimilarity_index(share_respondents, share_population),
        chi2_statistic=float(fit.statistic),
        chi2_dof=int(inhabited.sum() - 1),
        chi2_p_value=float(fit.pvalue),
        n=int(answered.sum()),
        n_missing=int((~answered).sum()),
        weighted=weight is not None,
    )
    return result
