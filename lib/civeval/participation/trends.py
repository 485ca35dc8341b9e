"""Essoufflement: whether participation rises or falls across editions, who comes back
from one edition to the next, and the attendance of councils over time.

:func:`trend` and :func:`attendance` state a verdict in plain French only when the test
supports it (p < ``alpha``); otherwise the verdict says there is no significant change,
whatever the raw numbers seem to show. Tables that count people (``participants``,
``returning``...) must go through :func:`civeval.privacy.suppress_small_cells` before they
are published.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from scipy import stats

# The modules themselves, not statsmodels.api, which imports all of statsmodels (time
# series, graphics, formulas): 0.2 s more of every run's start.
from statsmodels.discrete.discrete_model import NegativeBinomial
from statsmodels.genmod import families
from statsmodels.genmod.generalized_linear_model import GLM
from statsmodels.tools.tools import add_constant

from civeval.errors import InputError
from civeval.participation.inputs import as_list, check_frame, edition_label, require_columns
from civeval.presentation import fmt

__all__ = [
    "attendance",
    "retention",
    "trend",
]

LABELS = {
    "poisson": "régression de Poisson",
    "negative_binomial": "régression binomiale négative",
    "quasi_poisson": "régression de quasi-Poisson",
    "mann_kendall": "test de Mann-Kendall",
    "binomial": "régression logistique binomiale",
    "quasi_binomial": "régression quasi-binomiale",
}
"""French label shown to readers for each test identifier."""

OVERDISPERSION = 1.5
"""Pearson χ² ÷ residual degrees of freedom above which counts are overdispersed."""

_TREND_METHODS = ("auto", "poisson", "negative_binomial", "mann_kendall")
_FR = "fr_FR"  # verdicts are French sentences: their numbers are formatted the French way


def _percent(ratio) -> str:
    """A change shown as a percentage: no decimal from 10 % up, one below."""
    return fmt.percent(abs(ratio), 0 if abs(ratio) >= 0.1 else 1, locale=_FR)


def _is_years(values) -> bool:
    return all(1900 <= float(v) <= 2200 for v in values)


def _wald(estimate: float, se: float, alpha: float) -> tuple[float, float, float, float]:
    """z, p-value and confidence bounds (on the estimate's scale) of a Wald test."""
    if not (np.isfinite(se) and se > 0):
        return math.nan, math.nan, math.nan, math.nan
    z = estimate / se
    half = stats.norm.ppf(1 - alpha / 2) * se
    return z, float(2 * stats.norm.sf(abs(z))), estimate - half, estimate + half


def _fit_quietly(fit, *args, **kwargs):
    """Fit without the warnings of saturated models (two editions: a perfect fit)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit(*args, **kwargs)


def _editions(values: pd.Series, column: str) -> pd.Series:
    """Editions as numbers (years), checked."""
    if values.isna().any():
        raise InputError(f"{int(values.isna().sum())} row(s) have no edition", column=column)
    numbers = pd.to_numeric(values, errors="coerce")
    if numbers.isna().any():
        bad = values[numbers.isna()].iloc[0]
        raise InputError(f"editions must be numbers (years) to measure a trend; {bad!r} is "
                         "not", column=column)
    return numbers


def _verdict(direction: int, significant: bool, first, last, size: str | None,
             subject: str = "") -> str:
    """The French sentence: "baisse significative de 28 % entre 2022 et 2024"."""
    span = f"entre {edition_label(first)} et {edition_label(last)}"
    if not significant or direction == 0:
        return f"pas d'évolution significative{subject} {span}"
    word = "baisse" if direction < 0 else "hausse"
    return f"{word} significative{subject}{size or ''} {span}"


def trend(counts: pd.DataFrame, edition_column: str, count_column: str | None = None, *,
          method: str = "auto", alpha: float = 0.05) -> pd.DataFrame:
    """Test whether participation rises or falls across editions (essoufflement).

    Parameters
    ----------
    counts : DataFrame
        One row per edition with a count (participants, proposals, votes); several rows
        of an edition (e.g. one per district) are added up. Without ``count_column``,
        one row per participant: rows are counted per edition.
    edition_column : str
        The edition, as a number (the year).
    count_column : str, optional
        The count; whole numbers ≥ 0.
    method : {"auto", "poisson", "negative_binomial", "mann_kendall"}
        ``auto`` (default): Poisson regression, negative binomial when the counts are
        overdispersed (below). ``mann_kendall``: the rank test instead (no rate ratio).
    alpha : float
        Significance level of the verdict, and 1 − confidence level of the interval.

    Returns
    -------
    DataFrame
        One row: ``test`` (``poisson``, ``negative_binomial``, ``quasi_poisson`` or
        ``mann_kendall``), ``label`` (French), ``n_editions``, ``first_edition``,
        ``last_edition``, ``first_count``, ``last_count``, ``change`` (observed, first to
        last: −0.28 is −28 %), ``rate_ratio`` (per unit of edition: per year),
        ``ci_low``, ``ci_high``, ``fitted_change`` (first to last, from the model),
        ``statistic`` (Wald z; Kendall's τ for Mann–Kendall), ``p_value``,
        ``dispersion`` (Pearson χ² ÷ residual df of the Poisson fit) and ``verdict``.

    Raises
    ------
    InputError
        With fewer than two editions, editions that are not numbers, counts that are
        missing, negative or not whole, or counts that are all zero.

    Notes
    -----
    **Count model.** Counts :math:`y_t` at edition :math:`t` follow a log-linear model
    :math:`\\log E[y_t] = \\beta_0 + \\beta_1 (t - t_0)` (``statsmodels`` GLM, Poisson
    family). The rate ratio :math:`e^{\\beta_1}` is the factor applied to the count each
    year (0.9: −10 % a year); its Wald CI is :math:`e^{\\hat\\beta_1 \\pm z_{1-\\alpha/2}
    \\, se}` and the p-value tests :math:`\\beta_1 = 0`. On an exactly geometric series
    (100, 90, 81) the fit is exact and the rate ratio is exactly 0.9.

    **Overdispersion.** Poisson assumes variance = mean. When the Pearson statistic
    :math:`\\sum (y_t - \\hat\\mu_t)^2/\\hat\\mu_t` divided by the residual degrees of
    freedom exceeds 1.5 (``OVERDISPERSION``), ``auto`` switches to a negative binomial
    (NB2, variance :math:`\\mu + \\alpha\\mu^2`, ``statsmodels`` ``NegativeBinomial``,
    α by maximum likelihood), whose CI is wider. The negative binomial has three
    parameters: with three editions or fewer, or if it does not converge, a
    quasi-Poisson fit (Poisson with standard errors multiplied by the square root of
    the dispersion) is used instead. With two editions there is no residual degree of
    freedom: the dispersion is unknown and the Poisson test is used.

    **Mann–Kendall.** Kendall's τ between edition and count
    (``scipy.stats.kendalltau``): with editions all different, it is the Mann–Kendall
    trend test; without tied counts scipy uses the exact null distribution, with ties the
    normal approximation with tie-corrected variance (τ-b). It ignores the size of the
    counts: with 3 editions its smallest two-sided p-value is 1/3, with 4 it is 1/12;
    it can be significant only from 5 editions on.

    The p-value is Wald's, consistent with the interval. When the first or last
    editions count zero the fitted trend runs to infinity and the Wald test loses all
    power (Hauck–Donner effect): such a series is reported as not significant.

    **Verdict.** Only when p < ``alpha``: "baisse significative de 28 % entre 2022 et
    2024" (the observed change first → last; when it goes against the fitted trend, the
    fitted yearly change is given instead); otherwise "pas d'évolution significative
    entre 2022 et 2024", however large the raw change.

    Examples
    --------
    >>> counts = pd.DataFrame({"edition": [2022, 2023, 2024], "votants": [100, 90, 81]})
    >>> result = trend(counts, "edition", "votants")
    >>> result.loc[0, "test"], round(float(result.loc[0, "rate_ratio"]), 6)
    ('poisson', 0.9)
    >>> result.loc[0, "verdict"]
    "pas d'évolution significative entre 2022 et 2024"
    >>> counts["votants"] = [1130, 960, 815]
    >>> trend(counts, "edition", "votants").loc[0, "verdict"]
    'baisse significative de 28\\xa0% entre 2022 et 2024'
    """
    if method not in _TREND_METHODS:
        raise ValueError(f"method must be one of {_TREND_METHODS}, not {method!r}")
    check_frame(counts, "counts")
    require_columns(counts, edition_column, count_column)
    editions = _editions(counts[edition_column], edition_column)
    if count_column is None:
        values = pd.Series(1.0, index=counts.index)
    else:
        values = counts[count_column]
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            raise InputError("counts must be numbers", column=count_column)
        values = values.astype(float)
        if values.isna().any():
            raise InputError(f"{int(values.isna().sum())} count(s) are missing",
                             column=count_column)
        if (values < 0).any() or not (values == values.round()).all():
            raise InputError("counts must be whole numbers ≥ 0", column=count_column)
    series = values.groupby(editions.to_numpy()).sum().sort_index()
    if len(series) < 2:
        raise InputError("a trend needs at least two editions", column=edition_column)
    if series.sum() <= 0:
        raise InputError("all counts are zero", column=count_column)

    x = series.index.to_numpy(float)
    y = series.to_numpy(float)
    first, last = (int(v) if float(v).is_integer() else float(v)
                   for v in (series.index[0], series.index[-1]))
    change = y[-1] / y[0] - 1 if y[0] > 0 else math.nan
    design = add_constant(x - x[0])
    poisson = _fit_quietly(GLM(y, design, family=families.Poisson()).fit)
    df_resid = len(y) - 2
    dispersion = float(poisson.pearson_chi2 / df_resid) if df_resid > 0 else math.nan

    result = {"test": method, "n_editions": len(y), "first_edition": first,
              "last_edition": last, "first_count": y[0], "last_count": y[-1],
              "change": change}
    if method == "mann_kendall":
        tau, p_value = stats.kendalltau(x, y)
        result.update(rate_ratio=math.nan, ci_low=math.nan, ci_high=math.nan,
                      fitted_change=math.nan, statistic=float(tau), p_value=float(p_value),
                      dispersion=dispersion)
        direction = int(np.sign(tau)) if np.isfinite(tau) else 0
        fitted_direction = direction
    else:
        test = method
        if method == "auto":
            test = ("negative_binomial" if df_resid > 0 and dispersion > OVERDISPERSION
                    else "poisson")
        beta, se = float(poisson.params[1]), float(poisson.bse[1])
        if test == "negative_binomial":
            fitted = None
            if len(y) > 3:
                model = NegativeBinomial(y, design, loglike_method="nb2")
                fitted = _fit_quietly(model.fit, disp=0, maxiter=500)
                if not (fitted.mle_retvals.get("converged", False)
                        and np.all(np.isfinite(fitted.bse))):
                    fitted = None
            if fitted is None:
                test = "quasi_poisson"
                se = se * math.sqrt(max(dispersion, 1.0)) if np.isfinite(dispersion) else se
            else:
                beta, se = float(fitted.params[1]), float(fitted.bse[1])
        z, p_value, low, high = _wald(beta, se, alpha)
        with np.errstate(over="ignore"):
            result.update(test=test, rate_ratio=float(np.exp(beta)), ci_low=float(np.exp(low)),
                          ci_high=float(np.exp(high)),
                          fitted_change=float(np.exp(beta * (x[-1] - x[0])) - 1),
                          statistic=z, p_value=p_value, dispersion=dispersion)
        direction = fitted_direction = int(np.sign(beta))
    significant = bool(np.isfinite(result["p_value"]) and result["p_value"] < alpha)
    if np.isfinite(change) and np.sign(change) == fitted_direction:
        size = f" de {_percent(change)}"
    elif result["test"] != "mann_kendall":
        unit = "par an" if _is_years(x) else "par unité d'édition"
        sign = "−" if result["rate_ratio"] < 1 else "+"
        size = f" (tendance de {sign}{_percent(result['rate_ratio'] - 1)} {unit})"
    else:
        size = None
    result["verdict"] = _verdict(direction, significant, first, last, size)
    result["label"] = LABELS[result["test"]]
    columns = ["test", "label", "n_editions", "first_edition", "last_edition", "first_count",
               "last_count", "change", "rate_ratio", "ci_low", "ci_high", "fitted_change",
               "statistic", "p_value", "dispersion", "verdict"]
    return pd.DataFrame([result])[columns]


def retention(participants: pd.DataFrame, id_column: str, edition_column: str
              ) -> pd.DataFrame:
    """Who comes back: participants of edition n who took part in edition n − 1.

    Parameters
    ----------
    participants : DataFrame
        One row per participant and edition, with a pseudonymous id that persists from
        one edition to the next (repeated rows of a person in an edition count once).
    id_column : str
        The participant id.
    edition_column : str
        The edition; editions are taken in sorted order (in category order for an
        ordered categorical), n − 1 being the previous edition present in the data.

    Returns
    -------
    DataFrame
        One row per edition from the second with ``edition``, ``previous_edition``,
        ``participants`` (of n), ``previous_participants`` (of n − 1), ``returning``
        (in both), ``retention_rate``, ``first_time`` (in no earlier edition) and
        ``first_time_share``. ``attrs["n_missing"]``: rows without id or edition, left out.

    Notes
    -----
    With :math:`A_n` the set of participants of edition n:

    .. math::

        \\text{retention}_n = \\frac{|A_n \\cap A_{n-1}|}{|A_{n-1}|}, \\qquad
        \\text{first-time share}_n = \\frac{|A_n \\setminus (A_1 \\cup \\dots \\cup
        A_{n-1})|}{|A_n|}

    The retention rate answers "what share of last edition's participants came back";
    the first-time share "what share of this edition's participants is new". A person
    back after a gap is neither returning nor first-time.

    Examples
    --------
    >>> rows = pd.DataFrame({"id": ["a", "b", "c", "a", "b", "d", "a", "c", "e"],
    ...                      "edition": [2022] * 3 + [2023] * 3 + [2024] * 3})
    >>> table = retention(rows, "id", "edition")
    >>> print(table[["edition", "participants", "returning", "retention_rate",
    ...              "first_time_share"]].to_string())
       edition  participants  returning  retention_rate  first_time_share
    0     2023             3          2        0.666667          0.333333
    1     2024             3          1        0.333333          0.333333
    """
    check_frame(participants)
    require_columns(participants, id_column, edition_column)
    rows = participants.dropna(subset=[id_column, edition_column])
    editions = rows[edition_column]
    if isinstance(editions.dtype, pd.CategoricalDtype):
        order = [c for c in editions.cat.categories if c in set(editions)]
    else:
        order = sorted(editions.unique())
    if len(order) < 2:
        raise InputError("retention needs at least two editions", column=edition_column)
    people = {edition: set(group[id_column]) for edition, group in
              rows.groupby(edition_column, sort=False, observed=True)}
    records, seen = [], set(people[order[0]])
    for previous, edition in zip(order, order[1:], strict=False):
        now, before = people[edition], people[previous]
        returning = len(now & before)
        first_time = len(now - seen)
        records.append({
            "edition": edition, "previous_edition": previous, "participants": len(now),
            "previous_participants": len(before), "returning": returning,
            "retention_rate": returning / len(before),
            "first_time": first_time,
            "first_time_share": first_time / len(now) if now else math.nan,
        })
        seen |= now
    result = pd.DataFrame(records)
    result.attrs["n_missing"] = len(participants) - len(rows)
    return result


def attendance(register: pd.DataFrame, members_column: str, present_column: str,
               date_column: str, by=None, *, per: str = "year", alpha: float = 0.05
               ) -> pd.DataFrame:
    """Attendance of council members over time, and its trend.

    Parameters
    ----------
    register : DataFrame
        One row per meeting (``seances``): members expected, members present, date.
    members_column : str
        Members expected (enrolled) at the meeting.
    present_column : str
        Members present.
    date_column : str
        The meeting's date (datetime, ``dd/mm/yyyy`` or ISO text), or a year.
    by : str or list of str, optional
        Columns to break the table down by (a council, a district).
    per : {"year", "meeting"}
        One row per year (default) or per meeting.
    alpha : float
        Significance level of the verdict, and 1 − confidence level of the interval.

    Returns
    -------
    DataFrame
        Per year: the ``by`` columns, ``year``, ``meetings``, ``members`` (member-seats:
        the sum over meetings), ``present`` and ``attendance_rate``; per meeting: the
        ``by`` columns, ``date``, ``year``, ``members``, ``present``, ``attendance_rate``.
        ``attrs["trend"]``: one row (all meetings) with ``test`` (``binomial`` or
        ``quasi_binomial``), ``label``, ``first_year``, ``last_year``, ``first_rate``,
        ``last_rate`` (pooled rates of those years), ``change`` (in rate points),
        ``odds_ratio`` (per year), ``ci_low``, ``ci_high``, ``statistic`` (Wald z),
        ``p_value``, ``dispersion`` and ``verdict``; with ``by``, ``attrs["trend_by"]``
        holds the same per group. With a single year, the test columns are missing.

    Raises
    ------
    InputError
        When counts are missing, negative, or more members are present than expected.

    Notes
    -----
    .. math:: \\text{attendance rate} = \\frac{\\sum \\text{present}}{\\sum
              \\text{members}}

    over the meetings of the period (a pooled rate: a large council weighs more).
    **Trend**: each meeting is a binomial observation (present out of members) in a
    logistic regression on the year, :math:`\\operatorname{logit} \\pi = \\beta_0 +
    \\beta_1 (\\text{year} - \\text{first year})` (``statsmodels`` GLM, binomial
    family); the odds ratio :math:`e^{\\beta_1}` below 1 means attendance falls. When the
    Pearson χ² ÷ residual df exceeds 1.5 (meetings vary more than chance allows:
    councils differ), the standard errors are multiplied by its square root
    (quasi-binomial). The verdict ("baisse significative du taux de présence entre 2023
    et 2025 (de 65,8 % à 59,3 %)") is stated only when p < ``alpha``.

    Examples
    --------
    >>> register = pd.DataFrame({
    ...     "date": ["15/01/2023", "15/06/2023", "15/01/2024", "15/06/2024"],
    ...     "inscrits": [20, 20, 20, 20], "presents": [18, 16, 12, 10]})
    >>> table = attendance(register, "inscrits", "presents", "date")
    >>> print(table.to_string())
       year  meetings  members  present  attendance_rate
    0  2023         2       40       34             0.85
    1  2024         2       40       22             0.55
    >>> table.attrs["trend"].loc[0, "verdict"]  # no-break spaces before %, as in French
    'baisse significative du taux de présence entre 2023 et 2024 (de 85\\xa0% à 55\\xa0%)'
    """
    if per not in ("year", "meeting"):
        raise ValueError(f"per must be 'year' or 'meeting', not {per!r}")
    check_frame(register, "register")
    by = as_list(by)
    require_columns(register, members_column, present_column, date_column, *by)
    data = register.dropna(subset=by) if by else register
    members = _meeting_counts(data, members_column)
    present = _meeting_counts(data, present_column)
    over = present > members
    if over.any():
        raise InputError(f"more members present than expected on {int(over.sum())} "
                         f"meeting(s) (first: row index {over[over].index[0]!r})",
                         column=present_column)
    dates = data[date_column]
    if dates.isna().any():
        raise InputError(f"{int(dates.isna().sum())} meeting(s) without a date",
                         column=date_column)
    if pd.api.types.is_numeric_dtype(dates):
        years = dates.astype(int)
    else:
        if not pd.api.types.is_datetime64_any_dtype(dates):
            text = dates.astype(str).str.strip()
            parsed = pd.to_datetime(text, format="%d/%m/%Y", errors="coerce")
            iso = pd.to_datetime(text[parsed.isna()], format="ISO8601", errors="coerce")
            parsed = parsed.fillna(iso)
            if parsed.isna().any():
                bad = dates[parsed.isna()].iloc[0]
                raise InputError(f"{bad!r} is not a date", column=date_column)
            dates = parsed
        years = dates.dt.year
    meetings = pd.DataFrame({**{column: data[column] for column in by},
                             "date": dates, "year": years.astype(int),
                             "members": members.astype(int), "present": present.astype(int)})
    if per == "meeting":
        table = meetings.sort_values([*by, "date"], kind="stable").reset_index(drop=True)
    else:
        table = (meetings.groupby([*by, "year"], sort=True)
                 .agg(meetings=("members", "size"), members=("members", "sum"),
                      present=("present", "sum")).reset_index())
    with np.errstate(divide="ignore", invalid="ignore"):
        table["attendance_rate"] = (table["present"] / table["members"]).where(
            table["members"] > 0)
    table.attrs["trend"] = pd.DataFrame([_attendance_trend(meetings, alpha)])
    if by:
        rows = [{**dict(zip(by, key if isinstance(key, tuple) else (key,), strict=True)),
                 **_attendance_trend(group, alpha)}
                for key, group in meetings.groupby(by, sort=True)]
        table.attrs["trend_by"] = pd.DataFrame(rows)
    table.attrs["n_missing"] = len(register) - len(data)
    return table


def _meeting_counts(data: pd.DataFrame, column: str) -> pd.Series:
    values = data[column]
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        raise InputError("must hold numbers of members", column=column)
    if values.isna().any():
        raise InputError(f"{int(values.isna().sum())} meeting(s) without a number",
                         column=column)
    values = values.astype(float)
    if (values < 0).any() or not (values == values.round()).all():
        raise InputError("numbers of members must be whole numbers ≥ 0", column=column)
    return values


def _attendance_trend(meetings: pd.DataFrame, alpha: float) -> dict:
    """Binomial (or quasi-binomial) regression of attendance on the year."""
    kept = meetings[meetings["members"] > 0]
    yearly = kept.groupby("year")[["present", "members"]].sum()
    result = {"test": "binomial", "label": LABELS["binomial"],
              "first_year": int(yearly.index.min()) if len(yearly) else None,
              "last_year": int(yearly.index.max()) if len(yearly) else None,
              "first_rate": math.nan, "last_rate": math.nan, "change": math.nan,
              "odds_ratio": math.nan, "ci_low": math.nan, "ci_high": math.nan,
              "statistic": math.nan, "p_value": math.nan, "dispersion": math.nan,
              "verdict": "pas de tendance mesurable (une seule année)"}
    if len(yearly) == 0:
        result["verdict"] = "pas de séance avec des membres inscrits"
        return result
    rates = yearly["present"] / yearly["members"]
    result.update(first_rate=float(rates.iloc[0]), last_rate=float(rates.iloc[-1]),
                  change=float(rates.iloc[-1] - rates.iloc[0]))
    if len(yearly) < 2:
        return result
    present = kept["present"].to_numpy(float)
    members = kept["members"].to_numpy(float)
    year = kept["year"].to_numpy(float)
    design = add_constant(year - year.min(), has_constant="add")
    endog = np.column_stack([present, members - present])
    fitted = _fit_quietly(GLM(endog, design, family=families.Binomial()).fit)
    # Dispersion from pearson_chi2, which is right; fit(scale="X2") is not with a
    # two-column endog (it takes the proportions' residuals, unweighted by members).
    df_resid = len(present) - 2
    dispersion = float(fitted.pearson_chi2 / df_resid) if df_resid > 0 else math.nan
    beta, se = float(fitted.params[1]), float(fitted.bse[1])
    if df_resid > 0 and dispersion > OVERDISPERSION:
        result.update(test="quasi_binomial", label=LABELS["quasi_binomial"])
        se *= math.sqrt(dispersion)
    z, p_value, low, high = _wald(beta, se, alpha)
    significant = bool(np.isfinite(p_value) and p_value < alpha)
    direction = int(np.sign(beta))
    size = ""
    if significant and direction != 0 and np.sign(result["change"]) == direction:
        decimals = 0 if _whole_percents(rates.iloc[0], rates.iloc[-1]) else 1
        size = (f" (de {fmt.percent(rates.iloc[0], decimals, _FR)}"
                f" à {fmt.percent(rates.iloc[-1], decimals, _FR)})")
    result.update(odds_ratio=math.exp(beta), ci_low=math.exp(low), ci_high=math.exp(high),
                  statistic=z, p_value=p_value, dispersion=dispersion,
                  verdict=_verdict(direction, significant, result["first_year"],
                                   result["last_year"], None, " du taux de présence") + size)
    return result


def _whole_percents(*ratios) -> bool:
    """Whether the ratios read well as whole percentages (85 %, 55 %)."""
    return all(abs(r * 100 - round(r * 100)) < 1e-9 for r in ratios)
