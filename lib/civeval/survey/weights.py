"""Survey weights: post-stratification, raking, and what the weights cost in precision.

A questionnaire answered by the residents who chose to answer is rarely a miniature of the
population: older, already-involved residents are over-represented. Weighting gives each
respondent the number of residents they stand for, so that the weighted sample reproduces
known population counts (INSEE margins by sex, age band, district, PCS).

- :func:`poststratify` matches the joint distribution of one or more variables, cell by cell.
- :func:`rake` matches several one-way margins when their crossing is unknown or too thin.
- :func:`design_effect` and :func:`effective_sample_size` measure the precision that the
  unequal weights cost (Kish).

Every weighting function takes a plain :class:`pandas.DataFrame` and returns weights aligned
on its index. Problems that the user must fix in the data or the margins raise
:class:`~civeval.errors.WeightingError`, naming the column concerned; the checks that raise it
(:func:`require_columns`, :func:`require_no_missing`) are shared with
:mod:`civeval.survey.estimates`.

References
----------
Kalton, G. and Flores-Cervantes, I. (2003). Weighting methods. *Journal of Official
Statistics* 19(2), 81-97.

Deming, W. E. and Stephan, F. F. (1940). On a least squares adjustment of a sampled frequency
table when the expected marginal totals are known. *Annals of Mathematical Statistics* 11(4),
427-444.

Kish, L. (1992). Weighting for unequal Pi. *Journal of Official Statistics* 8(2), 183-200.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import numpy as np
import pandas as pd

from civeval.errors import WeightingError

__all__ = ["design_effect", "effective_sample_size", "poststratify", "rake"]

#: Margins whose totals differ by less than this fraction are taken as equal (rounding in
#: published tables).
MARGIN_TOTAL_TOLERANCE = 1e-6


def poststratify(data: pd.DataFrame, cells: str | Sequence[str],
                 population: Mapping | pd.Series, weight: str | None = None) -> pd.Series:
    """Post-stratification weights: each cell of respondents is scaled to its population count.

    For a respondent *i* in post-stratum *c* (a value of ``cells``, or a combination of values
    when several columns are given), the weight is

    .. math:: w_i^{ps} = w_i \\, \\frac{N_c}{\\sum_{j \\in c} w_j}

    where :math:`w_i` is the initial weight (1 when ``weight`` is None) and :math:`N_c` the
    population count of the cell. The weights of each cell therefore add up to :math:`N_c`;
    with unit initial weights every respondent of the cell weighs :math:`N_c / n_c`.
    This is the *cell weighting* of Kalton and Flores-Cervantes (2003).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    cells : str or list of str
        The column, or columns, whose values (combinations of values) define the post-strata.
    population : dict or pandas.Series
        Population count of each post-stratum: keyed by the value for one column, by a tuple of
        values (or a MultiIndex) for several columns, in the order of ``cells``. A cell of
        count 0 may have no respondent; any other cell needs at least one.
    weight : str, optional
        Column of initial (design) weights. Unit weights when omitted.

    Returns
    -------
    pandas.Series
        The post-stratified weights, named ``weight``, aligned on ``data.index``.

    Raises
    ------
    WeightingError
        A respondent has no value in a cell column; a population count is not a number, zero
        or more; a post-stratum with respondents has no population count, or a count of 0; a
        post-stratum of the population has no respondent (it is empty and must be merged with
        a neighbouring one); an initial weight is missing, zero or negative.

    References
    ----------
    Kalton, G. and Flores-Cervantes, I. (2003). Weighting methods. *Journal of Official
    Statistics* 19(2), 81-97.

    Examples
    --------
    Three women and one man answered; the commune has 600 women and 400 men.

    >>> import pandas as pd
    >>> answers = pd.DataFrame({"sex": ["F", "F", "F", "M"]})
    >>> poststratify(answers, "sex", {"F": 600, "M": 400}).tolist()
    [200.0, 200.0, 200.0, 400.0]
    """
    cell_columns = [cells] if isinstance(cells, str) else list(cells)
    require_columns(data, cell_columns)
    initial = _initial_weights(data, weight)
    label = ", ".join(cell_columns)
    for column in cell_columns:
        require_no_missing(data, column, "post-strata need a value for every respondent")

    population_counts = {}
    for cell, raw_count in population.items():
        if len(cell_columns) == 1 and isinstance(cell, tuple) and len(cell) == 1:
            cell = cell[0]
        population_counts[cell] = _population_count(
            raw_count, f"post-stratum {_describe_cell(cell_columns, cell)}", label)
    # .array: group by the values as they stand, without aligning on a possibly duplicated index
    grouped = initial.groupby([data[c].array for c in cell_columns], sort=False, observed=True)
    weight_sums, respondents = grouped.sum(), grouped.size()

    for cell, n_respondents in respondents.items():
        described = _describe_cell(cell_columns, cell)
        if cell not in population_counts:
            raise WeightingError(
                f"post-stratum {described} has {n_respondents} respondent(s) "
                "but no population count", column=label)
        if population_counts[cell] == 0:
            raise WeightingError(
                f"post-stratum {described} has {n_respondents} respondent(s) but a population "
                "count of 0", column=label)
    observed_cells = set(respondents.index)
    for cell, count in population_counts.items():
        # A population cell of size zero needs no respondent; any other one would be
        # represented by nobody, so the weighted total would fall short of the population.
        if cell not in observed_cells and count != 0:
            raise WeightingError(
                f"post-stratum {_describe_cell(cell_columns, cell)} is empty: no respondent "
                f"stands for its population of {_format_number(count)}; merge it with a "
                "neighbouring post-stratum", column=label)

    # ngroup() numbers the cells in the groupby's iteration order, which is weight_sums' order.
    factors = np.array([population_counts[cell] / total for cell, total in weight_sums.items()])
    weights = initial * factors[grouped.ngroup().to_numpy()]
    return weights.rename("weight")


def rake(data: pd.DataFrame, margins: Mapping[str, Mapping | pd.Series],
         weight: str | None = None, max_iter: int = 100, tol: float = 1e-6,
         bounds: tuple[float, float] | None = None) -> pd.Series:
    """Raking weights (iterative proportional fitting) that reproduce several one-way margins.

    Starting from the initial weights :math:`w_i^{(0)}`, each iteration visits the margins in
    turn and, for the margin of variable *v*, multiplies the weight of every respondent in
    category *k* of *v* by

    .. math:: \\frac{N_{vk}}{\\sum_{j: v_j = k} w_j}

    so that the weighted counts of *v* equal the population counts :math:`N_{vk}`
    (Deming and Stephan 1940; Kalton and Flores-Cervantes 2003). Iterations stop
    when every weighted margin is within ``tol`` of its target, in relative terms:

    .. math:: \\max_{v,k} \\frac{|\\sum_{j: v_j = k} w_j - N_{vk}|}{N_{vk}} \\le \\mathrm{tol}

    With ``bounds=(low, high)`` the weights are also *trimmed* at the end of every iteration:
    clipped to ``[low * N / n, high * N / n]``, where :math:`N / n` is the mean of the final
    weights (the population total over the number of respondents). The following iterations
    restore the margins, so the result honours both the margins and the bounds when they are
    compatible (the trimming-within-raking of Izrael, Battaglia and Frankel 2009); otherwise
    raking does not converge and says so.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    margins : dict
        Maps each raking column to its population counts ``{category: count}`` (a dict or a
        Series). All margins must add up to the same population total.
    weight : str, optional
        Column of initial (design) weights. Unit weights when omitted.
    max_iter : int, default 100
        Maximum number of iterations (each one visits every margin).
    tol : float, default 1e-6
        Convergence tolerance on the relative gap between weighted and population counts.
    bounds : (float, float), optional
        Lower and upper bounds on the weights, as multiples of the mean weight, e.g.
        ``(0.3, 3.0)``; ``0 <= low <= 1 <= high``.

    Returns
    -------
    pandas.Series
        The raking weights, named ``weight``, aligned on ``data.index``. Its ``attrs`` hold
        the convergence diagnostics: ``iterations`` (number done), ``converged`` (True) and
        ``max_margin_gap`` (the largest relative gap left, at most ``tol``).

    Raises
    ------
    WeightingError
        A raking column has missing values; a category occurs in the data but not in its
        margin; a category of a margin has no respondent (it is empty); a margin count is not
        a number, zero or more, or is 0 where there are respondents; the margins add up to
        different totals; an initial weight is missing, zero or negative; raking did not
        converge in ``max_iter`` iterations.

    See Also
    --------
    poststratify : matches the joint distribution instead of the margins.

    References
    ----------
    Deming, W. E. and Stephan, F. F. (1940). On a least squares adjustment of a sampled
    frequency table when the expected marginal totals are known. *Annals of Mathematical
    Statistics* 11(4), 427-444.

    Kalton, G. and Flores-Cervantes, I. (2003). Weighting methods. *Journal of Official
    Statistics* 19(2), 81-97.

    Izrael, D., Battaglia, M. P. and Frankel, M. R. (2009). Extreme survey weight adjustment as
    a component of sample balancing (a.k.a. raking). *SAS Global Forum*, paper 247-2009.

    Examples
    --------
    >>> import pandas as pd
    >>> answers = pd.DataFrame({"sex": ["F", "F", "M", "M", "M"],
    ...                         "age": ["young", "old", "old", "old", "young"]})
    >>> weights = rake(answers, {"sex": {"F": 520, "M": 480},
    ...                          "age": {"young": 450, "old": 550}})
    >>> weights.round(1).tolist()
    [276.3, 243.7, 153.2, 153.2, 173.7]
    >>> weights.groupby(answers["sex"]).sum().round(3).to_dict()
    {'F': 520.0, 'M': 480.0}
    >>> weights.attrs["converged"]
    True
    """
    if max_iter < 1:
        raise ValueError(f"max_iter must be at least 1, not {max_iter}")
    if not tol > 0:
        raise ValueError(f"tol must be positive, not {tol}")
    if not margins:
        raise ValueError("rake needs at least one margin")
    columns = list(margins)
    require_columns(data, columns)
    initial = _initial_weights(data, weight)

    targets, codes = {}, {}
    for column in columns:
        require_no_missing(data, column, "raking needs a category for every respondent")
        target, code = _margin_codes(data[column], margins[column], column)
        targets[column], codes[column] = target, code
    _require_consistent_totals(targets)

    population_total = float(next(iter(targets.values())).sum())
    if bounds is not None:
        low, high = bounds
        if not 0 <= low <= 1 <= high:
            raise ValueError(f"bounds must satisfy 0 <= low <= 1 <= high, not {bounds}")
        mean_weight = population_total / len(data)
        floor, ceiling = low * mean_weight, high * mean_weight

    weights = initial.to_numpy(dtype=float).copy()
    iterations = 0
    while True:
        iterations += 1
        for column in columns:
            weighted = np.bincount(codes[column], weights=weights,
                                   minlength=len(targets[column]))
            ratio = np.divide(targets[column], weighted, out=np.ones_like(weighted),
                              where=weighted > 0)
            weights *= ratio[codes[column]]
        if bounds is not None:
            np.clip(weights, floor, ceiling, out=weights)
        gaps = {c: _largest_relative_gap(weights, codes[c], targets[c]) for c in columns}
        worst = max(gaps, key=gaps.get)
        gap = gaps[worst]
        if gap <= tol:
            break
        if iterations == max_iter:
            raise WeightingError(
                f"raking did not converge after {max_iter} iterations: the weighted margin "
                f"still differs from the population by {gap:.3g} (relative gap; tolerance "
                f"{tol:g}). Check that the margins are compatible with the sample"
                + (" and the bounds" if bounds is not None else "")
                + ", or merge sparse categories", column=worst)

    result = pd.Series(weights, index=data.index, name="weight")
    result.attrs.update(iterations=iterations, converged=True, max_margin_gap=float(gap))
    return result


def design_effect(weights: Sequence[float] | pd.Series) -> float:
    """Kish's design effect due to unequal weighting.

    .. math:: \\mathrm{deff} = \\frac{n \\sum_i w_i^2}{\\left(\\sum_i w_i\\right)^2}
              = 1 + \\mathrm{CV}^2(w)

    It is the factor by which unequal weights inflate the variance of a mean compared with
    a sample of the same size and equal weights (1 when all weights are equal).

    Parameters
    ----------
    weights : array-like or pandas.Series
        Non-negative weights, not all zero.

    Returns
    -------
    float

    Raises
    ------
    WeightingError
        A weight is missing or negative, or all weights are zero.

    References
    ----------
    Kish, L. (1992). Weighting for unequal Pi. *Journal of Official Statistics* 8(2),
    183-200.

    Examples
    --------
    >>> design_effect([1, 3])
    1.25
    """
    values = _weight_values(weights)
    return float(len(values) * np.sum(values ** 2) / np.sum(values) ** 2)


def effective_sample_size(weights: Sequence[float] | pd.Series) -> float:
    """Kish's effective sample size: the number of equally weighted respondents worth as much.

    .. math:: n_{\\mathrm{eff}} = \\frac{\\left(\\sum_i w_i\\right)^2}{\\sum_i w_i^2}
              = \\frac{n}{\\mathrm{deff}}

    Parameters
    ----------
    weights : array-like or pandas.Series
        Non-negative weights, not all zero.

    Returns
    -------
    float

    Raises
    ------
    WeightingError
        A weight is missing or negative, or all weights are zero.

    References
    ----------
    Kish, L. (1992). Weighting for unequal Pi. *Journal of Official Statistics* 8(2),
    183-200.

    Examples
    --------
    >>> effective_sample_size([1, 3])
    1.6
    """
    values = _weight_values(weights)
    return float(np.sum(values) ** 2 / np.sum(values ** 2))


# --- helpers ------------------------------------------------------------------------------


def require_columns(data: pd.DataFrame, columns: Sequence[Hashable]) -> None:
    """Raise :class:`~civeval.errors.WeightingError` for the first of ``columns`` that is no
    column of ``data``."""
    for column in columns:
        if column not in data.columns:
            raise WeightingError(f"no column {column!r} in the data", column=str(column))


def require_no_missing(data: pd.DataFrame, column: str, why: str) -> None:
    """Raise :class:`~civeval.errors.WeightingError` if ``column`` has missing values, saying
    which respondents and ``why`` a value is needed."""
    missing = data[column].isna()
    if missing.any():
        raise WeightingError(
            f"{int(missing.sum())} respondent(s) have no value (index "
            f"{some_labels(data.index[missing])}); {why}", column=column)


def _initial_weights(data: pd.DataFrame, weight: str | None) -> pd.Series:
    """The initial weights, checked: present, numeric and positive for every respondent."""
    if len(data) == 0:
        raise WeightingError("there is no respondent to weight")
    if weight is None:
        return pd.Series(1.0, index=data.index)
    require_columns(data, [weight])
    values = pd.to_numeric(data[weight], errors="coerce")
    unreadable = values.isna() & data[weight].notna()
    if unreadable.any():
        raise WeightingError(
            f"weights must be numbers (index {some_labels(data.index[unreadable])})",
            column=weight)
    require_no_missing(data, weight, "every respondent needs a weight")
    not_positive = values <= 0
    if not_positive.any():
        raise WeightingError(
            f"weights must be positive: {int(not_positive.sum())} respondent(s) have a zero "
            f"or negative weight (index {some_labels(data.index[not_positive])})",
            column=weight)
    return values.astype(float)


def _weight_values(weights: Sequence[float] | pd.Series) -> np.ndarray:
    column = weights.name if isinstance(weights, pd.Series) else None
    column = None if column is None else str(column)
    values = np.asarray(pd.to_numeric(pd.Series(weights), errors="coerce"), dtype=float)
    if np.isnan(values).any():
        raise WeightingError("weights must be numbers, with none missing", column=column)
    if (values < 0).any():
        raise WeightingError("weights must not be negative", column=column)
    if len(values) == 0 or not (values > 0).any():
        raise WeightingError("at least one weight must be positive", column=column)
    return values


def _describe_cell(columns: list[str], cell) -> str:
    values = cell if isinstance(cell, tuple) else (cell,)
    return ", ".join(f"{column}={_plain(value)!r}"
                     for column, value in zip(columns, values, strict=False))


def _margin_codes(values: pd.Series, margin: Mapping | pd.Series,
                  column: str) -> tuple[np.ndarray, np.ndarray]:
    """Population counts of a margin as an array, and each respondent's position in it."""
    categories = list(margin.keys())
    targets = np.array([_population_count(margin[c], f"category {_plain(c)!r}", column)
                        for c in categories])
    position = {category: i for i, category in enumerate(categories)}
    values = values.astype(object)  # categorical dtypes: match on values, not on codes
    counts = values.value_counts(sort=False)
    unknown = [_plain(value) for value in counts.index if value not in position]
    if unknown:
        listed = ", ".join(repr(v) for v in unknown)
        raise WeightingError(
            (f"category {listed} occurs" if len(unknown) == 1 else f"categories {listed} occur")
            + " in the data but not in the margin; add a population count or recode the "
            "respondents", column=column)
    observed = {position[value] for value in counts.index}
    for i, category in enumerate(categories):
        if i not in observed and targets[i] != 0:
            raise WeightingError(
                f"category {_plain(category)!r} of the margin is empty: no respondent stands "
                f"for its population of {_format_number(targets[i])}; merge it with a "
                "neighbouring category", column=column)
        if i in observed and targets[i] == 0:
            raise WeightingError(
                f"category {_plain(category)!r} has {counts[category]} respondent(s) but a "
                "population count of 0", column=column)
    codes = values.map(position).to_numpy(dtype=np.intp)
    return targets, codes


def _require_consistent_totals(targets: dict[str, np.ndarray]) -> None:
    totals = {column: float(np.sum(t)) for column, t in targets.items()}
    reference = max(abs(t) for t in totals.values())
    if max(totals.values()) - min(totals.values()) > MARGIN_TOTAL_TOLERANCE * reference:
        listed = ", ".join(f"{column!r} sums to {_format_number(total)}"
                           for column, total in totals.items())
        raise WeightingError(
            f"the margins do not add up to the same population total: {listed}; "
            "raking needs one population total")


def _largest_relative_gap(weights: np.ndarray, codes: np.ndarray, targets: np.ndarray) -> float:
    weighted = np.bincount(codes, weights=weights, minlength=len(targets))
    present = np.bincount(codes, minlength=len(targets)) > 0
    return float(np.max(np.abs(weighted - targets)[present] / targets[present]))


def some_labels(index: pd.Index, limit: int = 5) -> str:
    """The first ``limit`` labels of ``index``, for an error message ("3, 8, 12, …")."""
    labels = ", ".join(str(label) for label in index[:limit])
    return labels + (", …" if len(index) > limit else "")


def _plain(value):
    """A NumPy scalar as the Python value it holds, so messages show ``2``, not
    ``np.int64(2)``."""
    return value.item() if isinstance(value, np.generic) else value


def _population_count(raw, what: str, column: str) -> float:
    """A population count as a float, checked: a number, zero or more."""
    try:
        count = float(raw)
    except (TypeError, ValueError):
        count = np.nan
    if not (np.isfinite(count) and count >= 0):
        raise WeightingError(
            f"the population count of {what} must be a number, zero or more, not {raw!r}",
            column=column)
    return count


def _format_number(value: float) -> str:
    return f"{value:.10g}"
