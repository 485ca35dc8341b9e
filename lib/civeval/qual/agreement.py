"""Inter-coder agreement: Cohen's kappa, Krippendorff's alpha, and the check of a double coding.

Before counting codes, an evaluation shows that the codebook can be applied consistently:
two coders code the same sample of segments independently and their agreement is
measured. :func:`coding_agreement` does that on the segments table; :func:`cohen_kappa`
and :func:`krippendorff_alpha` compute the coefficients on any pair of ratings or any
coders × units table.

The statistics are delegated: Cohen's kappa and its standard error to
:func:`statsmodels.stats.inter_rater.cohens_kappa`, Krippendorff's alpha to the
``krippendorff`` package. Common benchmarks (Landis & Koch 1977 for kappa; Krippendorff
2004 for alpha: α ≥ 0.800 to rely on the data, 0.667 ≤ α < 0.800 for tentative
conclusions only) are the reader's, not encoded here.
"""

from __future__ import annotations

import itertools

import krippendorff
import numpy as np
import pandas as pd
from statsmodels.stats.inter_rater import cohens_kappa

from civeval.errors import InputError

__all__ = ["OVERALL", "coding_agreement", "cohen_kappa", "krippendorff_alpha"]

LEVELS = ("nominal", "ordinal", "interval", "ratio")
"""Levels of measurement Krippendorff's alpha knows."""

OVERALL = "(ensemble des codes)"
"""Label of the row of :func:`coding_agreement` that pools all codes."""

_KEY = ["document", "segment_id"]
_WEIGHTS = {None: None, "linear": "linear", "quadratic": "quadratic"}


# --------------------------------------------------------------------------- Cohen's kappa

def _ratings(values, name: str) -> pd.Series:
    if isinstance(values, pd.DataFrame):
        raise InputError(f"{name} must be one column of ratings, not a table")
    series = values if isinstance(values, pd.Series) else pd.Series(list(values),
                                                                    dtype=object)
    return series.reset_index(drop=True)


def _sorted(values) -> list:
    try:
        return sorted(values)
    except TypeError:  # numbers and words mixed: any stable order will do for nominal data
        return sorted(values, key=str)


def _categories(a: pd.Series, b: pd.Series, categories) -> list:
    """The ordered categories: given, an ordered categorical's, or the sorted union."""
    seen = set(a) | set(b)
    if categories is not None:
        categories = list(categories)
        unknown = [value for value in seen if value not in categories]
        if unknown:
            raise InputError(f"ratings {_sorted(unknown)} are not among the categories "
                             f"{categories}")
        return categories
    for series in (a, b):
        if isinstance(series.dtype, pd.CategoricalDtype) and series.dtype.ordered:
            return [value for value in series.cat.categories if value in seen]
    return _sorted(seen)


def _kappa_row(table: np.ndarray, weights, n_dropped: int, categories: list) -> pd.DataFrame:
    """Delegate to statsmodels; a table with one category leaves kappa undefined."""
    n = table.sum()
    probs = table / n
    expected = np.outer(probs.sum(axis=1), probs.sum(axis=0))
    observed_agreement = float(np.trace(probs))
    expected_agreement = float(np.trace(expected))
    if np.isclose(expected_agreement, 1.0):
        # both coders used one and the same category: kappa is 0/0 (Cohen 1960)
        kappa = se = low = high = p_value = np.nan
    else:
        # a coder who used one category makes the null variance 0: z and p are undefined
        with np.errstate(divide="ignore", invalid="ignore"):
            result = cohens_kappa(table, wt=_WEIGHTS[weights])
        kappa, se = float(result.kappa), float(result.std_kappa)
        low, high = float(result.kappa_low), float(result.kappa_upp)
        p_value = float(result.pvalue_two_sided)
        if weights is not None:
            disagreement = np.asarray(result.weights, dtype=float)
            observed_agreement = float(1 - (disagreement * probs).sum())
            expected_agreement = float(1 - (disagreement * expected).sum())
    row = pd.DataFrame({
        "kappa": [kappa], "se": [se], "ci_low": [low], "ci_high": [high],
        "p_value": [p_value], "n": [int(n)], "observed_agreement": [observed_agreement],
        "expected_agreement": [expected_agreement], "weights": [weights or "none"]})
    row.attrs.update(n_dropped=int(n_dropped), categories=list(categories),
                     table=table.astype(int))
    return row


def cohen_kappa(rater_a, rater_b, weights: str | None = None, *,
                categories=None) -> pd.DataFrame:
    """Cohen's kappa between two coders, unweighted or weighted, with its 95 % interval.

    Parameters
    ----------
    rater_a, rater_b : array-like or Series
        The two coders' ratings of the same units, in the same order (matched by
        position). A unit missing for either coder (None, NaN) is dropped.
    weights : {None, "linear", "quadratic"}
        None for Cohen's kappa; ``"linear"`` (Cicchetti-Allison) or ``"quadratic"``
        (Fleiss-Cohen) for the weighted kappa of ordered categories, the disagreement
        between categories i and j being :math:`|i-j|/(k-1)` or :math:`((i-j)/(k-1))^2`
        by their positions in the ordered categories.
    categories : list, optional
        The categories in their order. By default: the values both coders used, in the
        order of an ordered categorical if one is given, else sorted (numbers by value,
        words alphabetically). The order only matters for weighted kappa.

    Returns
    -------
    DataFrame
        One row: ``kappa``, ``se`` (asymptotic standard error), ``ci_low``, ``ci_high``
        (95 % Wald interval), ``p_value`` (two-sided test of κ = 0), ``n`` (units rated
        by both), ``observed_agreement`` and ``expected_agreement`` (weighted ones for a
        weighted kappa), ``weights``. ``attrs``: ``n_dropped`` (units left out for a
        missing rating), ``categories`` and ``table`` (the k × k contingency table, coder
        a in rows). Kappa is missing when both coders used one and the same category.

    Notes
    -----
    .. math:: \\kappa = \\frac{p_o - p_e}{1 - p_e}, \\qquad
              p_o = \\sum_i p_{ii}, \\qquad p_e = \\sum_i p_{i\\cdot}\\, p_{\\cdot i}

    and for weighted kappa, with disagreement weights :math:`w_{ij}`,
    :math:`p_o = 1 - \\sum_{ij} w_{ij} p_{ij}` and
    :math:`p_e = 1 - \\sum_{ij} w_{ij} p_{i\\cdot} p_{\\cdot j}` (Cohen 1960, 1968). The
    computation and the standard error (Fleiss, Cohen & Everitt 1969, as in SAS PROC
    FREQ) are those of :func:`statsmodels.stats.inter_rater.cohens_kappa`.

    Examples
    --------
    Wikipedia's worked example: of 50 proposals, both readers say yes to 20 and no to 15,
    A alone says yes to 5, B alone to 10.

    >>> a = ["oui"] * 25 + ["non"] * 25
    >>> b = ["oui"] * 20 + ["non"] * 5 + ["oui"] * 10 + ["non"] * 15
    >>> row = cohen_kappa(a, b)
    >>> print(row[["kappa", "n", "observed_agreement", "expected_agreement"]].to_string())
       kappa   n  observed_agreement  expected_agreement
    0    0.4  50                 0.7                 0.5
    """
    if weights not in _WEIGHTS:
        raise ValueError(f"weights must be None, 'linear' or 'quadratic', not {weights!r}")
    a, b = _ratings(rater_a, "rater_a"), _ratings(rater_b, "rater_b")
    if len(a) != len(b):
        raise InputError(f"the two coders rated different numbers of units ({len(a)} and "
                         f"{len(b)}): give their ratings of the same units, in the same order")
    complete = a.notna().to_numpy() & b.notna().to_numpy()
    if not complete.any():
        raise InputError("no unit was rated by both coders")
    a, b = a[complete], b[complete]
    ordered = _categories(a, b, categories)
    position = {value: i for i, value in enumerate(ordered)}
    table = np.zeros((len(ordered), len(ordered)))
    np.add.at(table, (a.map(position).to_numpy(int), b.map(position).to_numpy(int)), 1)
    return _kappa_row(table, weights, int((~complete).sum()), ordered)


# --------------------------------------------------------------------------- Krippendorff

def _reliability_matrix(reliability_data, level: str) -> np.ndarray:
    """Coders × units as floats with NaN for missing; words coded as numbers if nominal."""
    frame = reliability_data
    if not isinstance(frame, pd.DataFrame):
        try:
            array = np.asarray(reliability_data, dtype=object)
        except ValueError:  # rows of different lengths
            array = None
        frame = pd.DataFrame(array) if array is not None and array.ndim == 2 else None
    if frame is None or frame.empty:
        raise InputError("reliability data must be a table of coders (rows) × units "
                         "(columns), every row as long as the others")
    flat = frame.to_numpy(dtype=object).ravel()
    missing = pd.isna(flat)
    values = pd.to_numeric(pd.Series(flat[~missing]), errors="coerce")
    matrix = np.full(flat.shape, np.nan)
    if values.notna().all():
        matrix[~missing] = values.to_numpy(dtype=float)
    elif level == "nominal":
        matrix[~missing], _ = pd.factorize(pd.Series(flat[~missing]))
    else:
        word = pd.Series(flat[~missing])[values.isna()].iloc[0]
        raise InputError(f"{level} reliability data must be numbers (found {word!r}); code "
                         "ordered categories as numbers in their order")
    return matrix.reshape(frame.shape)


def _alpha(matrix: np.ndarray, level: str) -> float:
    """Alpha, or NaN when the pairable values show no variation (α = 0/0)."""
    pairable = (~np.isnan(matrix)).sum(axis=0) >= 2
    observed = matrix[:, pairable]
    if len(np.unique(observed[~np.isnan(observed)])) < 2:
        return np.nan
    return float(krippendorff.alpha(reliability_data=matrix, level_of_measurement=level))


def krippendorff_alpha(reliability_data, level: str = "nominal") -> pd.DataFrame:
    """Krippendorff's alpha for any number of coders, with missing ratings allowed.

    Parameters
    ----------
    reliability_data : DataFrame or 2-D array-like
        One row per coder, one column per unit (segment, answer); None or NaN where a
        coder did not code the unit. Nominal data may be words; the other levels need
        numbers.
    level : {"nominal", "ordinal", "interval", "ratio"}
        The level of measurement, which sets the difference function.

    Returns
    -------
    DataFrame
        One row: ``alpha``, ``level``, ``coders`` (coders with at least one value),
        ``units`` (pairable units: coded by at least two coders) and ``values`` (values
        in pairable units, Krippendorff's n). Alpha is missing when the pairable values
        are all the same (no variation: α = 0/0).

    Notes
    -----
    .. math:: \\alpha = 1 - \\frac{D_o}{D_e}

    with :math:`D_o` the observed disagreement among values within units and
    :math:`D_e` the disagreement expected by chance among all pairable values, both
    measured by the level's difference function (Krippendorff 2011, "Computing
    Krippendorff's Alpha-Reliability"). Computed by the ``krippendorff`` package.

    Examples
    --------
    Krippendorff (2011), the example with four coders, twelve units and missing values:

    >>> nan = None
    >>> data = [[1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    ...         [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
    ...         [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
    ...         [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan]]
    >>> print(krippendorff_alpha(data).round(3).to_string())
       alpha    level  coders  units  values
    0  0.743  nominal       4     11      40
    >>> round(float(krippendorff_alpha(data, "interval").loc[0, "alpha"]), 3)
    0.849
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    matrix = _reliability_matrix(reliability_data, level)
    present = ~np.isnan(matrix)
    coders = int(present.any(axis=1).sum())
    if coders < 2:
        raise InputError(f"reliability needs at least two coders (rows); the data have "
                         f"{coders}")
    pairable = present.sum(axis=0) >= 2
    if not pairable.any():
        raise InputError("no unit was coded by two coders: alpha cannot be computed")
    return pd.DataFrame({"alpha": [_alpha(matrix, level)], "level": [level],
                         "coders": [coders], "units": [int(pairable.sum())],
                         "values": [int(present[:, pairable].sum())]})


# --------------------------------------------------------------------------- double coding

def _double_coded(segments: pd.DataFrame):
    """Rows of segments coded by two coders or more, with the coders' names."""
    source = segments.attrs.get("source")
    if "coder" not in segments.columns:
        raise InputError("the segments have no 'coder' column: double coding needs two "
                         "coders, each named on the rows they coded", file=source,
                         column="coder")
    for name in [*_KEY, "code"]:
        if name not in segments.columns:
            raise InputError(f"the segments table has no column {name!r}", file=source,
                             column=name)
    coders = list(pd.unique(segments["coder"].dropna()))
    if not coders:
        raise InputError("the 'coder' column is empty: double coding needs two coders",
                         file=source, column="coder")
    if len(coders) == 1:
        raise InputError(f"double coding needs two coders; the file has only {coders[0]}",
                         file=source, column="coder")
    rows = segments.dropna(subset=["coder"])
    unit = pd.MultiIndex.from_frame(rows[_KEY])
    rows = rows.assign(unit=unit.to_flat_index())
    per_unit = rows.groupby("unit", sort=False)["coder"].nunique()
    double = per_unit.index[per_unit >= 2]
    if double.empty:
        raise InputError(f"no segment is coded by two coders (coders {', '.join(map(str, coders))}"
                         "): give the same segment_id and document to the rows of both "
                         "coders", file=source, column="segment_id")
    return rows[rows["unit"].isin(double)], coders, list(double)


def _pair_statistics(matrix: np.ndarray) -> tuple[list[float], int, int]:
    """Cohen's kappa for each pair of coders; agreeing and total pairable decisions."""
    kappas, agree, total = [], 0, 0
    for i, j in itertools.combinations(range(len(matrix)), 2):
        both = ~np.isnan(matrix[i]) & ~np.isnan(matrix[j])
        if not both.any():
            continue
        a, b = matrix[i, both].astype(int), matrix[j, both].astype(int)
        table = np.zeros((2, 2))
        np.add.at(table, (a, b), 1)
        kappas.append(float(_kappa_row(table, None, 0, [0, 1]).loc[0, "kappa"]))
        agree += int((a == b).sum())
        total += int(both.sum())
    return kappas, agree, total


def coding_agreement(segments: pd.DataFrame) -> pd.DataFrame:
    """Agreement of a double coding, code by code and overall.

    Parameters
    ----------
    segments : DataFrame
        The segments table with a ``coder`` column; a segment is double-coded when rows
        of two coders or more share its ``(document, segment_id)``.

    Returns
    -------
    DataFrame
        One row per code given to a double-coded segment, then a last row
        :data:`OVERALL`, with ``code``, ``segments`` (double-coded segments: the units of
        every coefficient), ``applied`` (of those, segments at least one coder gave the
        code), ``kappa``, ``alpha`` and ``agreement`` (observed share of agreeing
        decisions). ``attrs``: ``coders``, ``double_coded_segments``, ``segments`` (all
        segments), ``rows_without_coder``.

    Raises
    ------
    InputError
        When there is no ``coder`` column, only one coder, or no segment coded by two.

    Notes
    -----
    Each double-coded segment gives each coder one decision per code: present (the
    coder gave it the code) or absent (the coder coded the segment, without that code).
    Per code, ``kappa`` is Cohen's kappa between the two coders' decisions (with more
    than two coders, the mean of the pairwise kappas: Light's kappa, Light 1971),
    ``alpha`` Krippendorff's nominal alpha, and

    .. math:: \\text{agreement} = \\frac{\\text{agreeing pairs of decisions}}
              {\\text{pairs of decisions}}

    The overall row pools every code × segment decision for ``alpha`` and
    ``agreement`` (Krippendorff 2011 recommends pooling binary decisions this way), and
    gives the mean of the codes' kappas. A code that both coders gave to every
    double-coded segment leaves kappa and alpha undefined (missing), agreement 1. Kappa
    and alpha are unstable for codes applied to few segments: read ``applied``.

    Examples
    --------
    >>> segments = pd.DataFrame({
    ...     "segment_id": [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6],
    ...     "document": ["E1"] * 12,
    ...     "code": ["budget", "budget", "confiance", "budget", "budget", "budget",
    ...              "confiance", "confiance", "budget", "confiance", "confiance",
    ...              "confiance"],
    ...     "coder": ["A", "B"] * 6})
    >>> print(coding_agreement(segments).round(3).to_string())
                       code  segments  applied  kappa  alpha  agreement
    0                budget         6        4  0.333  0.389      0.667
    1             confiance         6        4  0.333  0.389      0.667
    2  (ensemble des codes)         6        6  0.333  0.361      0.667
    """
    rows, coders, units = _double_coded(segments)
    order = [coder for coder in coders if coder in set(rows["coder"])]
    coder_index = {coder: i for i, coder in enumerate(order)}
    unit_index = {unit: j for j, unit in enumerate(units)}
    base = np.full((len(order), len(units)), np.nan)
    seen = rows[["coder", "unit"]].drop_duplicates()
    base[seen["coder"].map(coder_index).to_numpy(), seen["unit"].map(unit_index).to_numpy()] = 0
    applied = rows.dropna(subset=["code"])[["code", "coder", "unit"]].drop_duplicates()
    codes = _sorted(pd.unique(applied["code"]))

    records, blocks, all_kappas = [], [], []
    agree_all = total_all = 0
    for code in codes:
        mine = applied[applied["code"] == code]
        matrix = base.copy()
        matrix[mine["coder"].map(coder_index).to_numpy(),
               mine["unit"].map(unit_index).to_numpy()] = 1
        kappas, agree, total = _pair_statistics(matrix)
        kappa = float(np.nanmean(kappas)) if not np.isnan(kappas).all() else np.nan
        all_kappas.append(kappa)
        agree_all, total_all = agree_all + agree, total_all + total
        blocks.append(matrix)
        records.append({"code": code, "segments": len(units),
                        "applied": int(mine["unit"].nunique()), "kappa": kappa,
                        "alpha": _alpha(matrix, "nominal"),
                        "agreement": agree / total if total else np.nan})
    pooled = np.concatenate(blocks, axis=1) if blocks else base
    records.append({"code": OVERALL, "segments": len(units),
                    "applied": int(applied["unit"].nunique()),
                    "kappa": (float(np.nanmean(all_kappas))
                              if all_kappas and not np.isnan(all_kappas).all() else np.nan),
                    "alpha": _alpha(pooled, "nominal") if blocks else np.nan,
                    "agreement": agree_all / total_all if total_all else np.nan})
    result = pd.DataFrame(records, columns=["code", "segments", "applied", "kappa", "alpha",
                                            "agreement"])
    all_units = segments[_KEY].drop_duplicates()
    result.attrs.update(coders=order, double_coded_segments=len(units),
                        segments=len(all_units),
                        rows_without_coder=int(segments["coder"].isna().sum()))
    return result
