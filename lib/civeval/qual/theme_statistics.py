"""What a validated coding of open answers says: how far the analyst kept the suggested
coding, which groups raise each theme, and which themes moved between two waves.

Each function takes the coding as :func:`civeval.qual.validated.load_validated` (or the
catalogue format ``validated_coding``) returns it, and gives one tidy table:

- :func:`theme_agreement`: Cohen's kappa per theme between the suggested and the
  validated coding (:func:`civeval.qual.agreement.cohen_kappa`);
- :func:`theme_shares`: the share of answers raising each theme, overall or by group
  (age band, sex, district, channel), weighted when the responses are, with its
  confidence interval (:func:`civeval.survey.estimates.estimate_proportion`);
- :func:`theme_group_differences`: whether groups raise a theme unequally (the same tests,
  by group);
- :func:`theme_changes`: each theme's share in two waves or editions, the change and its
  test (Pearson's χ², Rao–Scott's with weights: :func:`civeval.survey.compare.
  chi2_independence`), p-values adjusted for the number of themes tested (Holm).

Answers are the unit: an answer raising two themes counts in both, so shares add up to
more than 1. Tables count people; pass them through
:func:`civeval.privacy.suppress_small_cells` before publishing them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from civeval.errors import InputError
from civeval.qual.agreement import cohen_kappa
from civeval.qual.coding import code_key
from civeval.survey.compare import chi2_independence
from civeval.survey.estimates import estimate_proportion

__all__ = ["theme_agreement", "theme_changes", "theme_group_differences", "theme_shares"]

MENTIONS = "_mentions"
WAVE = "_wave"


def _per_answer(validated: pd.DataFrame) -> pd.DataFrame:
    per_answer = validated.attrs.get("per_answer") if isinstance(validated, pd.DataFrame) \
        else None
    if per_answer is None:
        raise InputError("pass the coding as load_validated (or the catalogue format "
                         "validated_coding) returns it")
    return per_answer


def _themes(validated: pd.DataFrame, *, suggested: bool = False) -> list[str]:
    """The themes of a coding: its themes file's, else those its answers carry."""
    per_answer = _per_answer(validated)
    found = {code for codes in per_answer["final_codes"] for code in codes}
    if suggested:
        found |= {code for codes in per_answer["proposed_codes"] for code in codes}
    named = list(validated.attrs.get("theme_names") or [])
    return named + sorted(found - set(named), key=code_key)


def _mentions(per_answer: pd.DataFrame, theme: str, column: str = "final_codes") -> np.ndarray:
    return np.array([theme in codes for codes in per_answer[column]])


# --------------------------------------------------------------------------- agreement

def theme_agreement(validated: pd.DataFrame) -> pd.DataFrame:
    """How far the validated coding kept the suggested one, theme by theme.

    Each theme is a yes/no judgement on every answer, made twice: by the suggestion
    (theme discovery, or keyword rules) and by the analyst; Cohen's kappa compares them
    beyond chance (1: the analyst kept every suggestion of the theme and added none; 0: no
    better than chance).

    Parameters
    ----------
    validated : DataFrame
        From :func:`~civeval.qual.validated.load_validated`.

    Returns
    -------
    DataFrame
        One row per theme: ``theme``, ``suggested`` (answers suggested the theme),
        ``validated`` (answers the analyst gave it), ``both``, ``kappa`` with ``ci_low``
        and ``ci_high`` (95 % Wald interval, clipped to [−1, 1]; missing when neither
        coding gave the theme, or both gave it to every answer). ``attrs``: ``answers``,
        ``unchanged`` (share of answers whose validated themes are the suggested ones),
        ``mean_kappa`` (mean over the themes that have one).

    Examples
    --------
    >>> validated = pd.DataFrame(columns=["respondent", "answer", "code"])
    >>> validated.attrs["per_answer"] = pd.DataFrame({
    ...     "respondent": range(6),
    ...     "proposed_codes": [["bus"], ["bus"], ["vélo"], ["vélo"], ["bus"], []],
    ...     "final_codes": [["bus"], ["bus"], ["vélo"], ["vélo"], ["vélo"], ["bus"]]})
    >>> table = theme_agreement(validated)
    >>> table[["theme", "suggested", "validated", "both"]].values.tolist()
    [['bus', 3, 3, 2], ['vélo', 2, 3, 2]]
    >>> table["kappa"].round(3).tolist(), round(table.attrs["unchanged"], 3)
    ([0.333, 0.667], 0.667)
    """
    per_answer = _per_answer(validated)
    rows = []
    for theme in _themes(validated, suggested=True):
        suggested = _mentions(per_answer, theme, "proposed_codes")
        kept = _mentions(per_answer, theme)
        result = cohen_kappa(suggested, kept, categories=[False, True]).iloc[0]
        rows.append({"theme": theme, "suggested": int(suggested.sum()),
                     "validated": int(kept.sum()), "both": int((suggested & kept).sum()),
                     "kappa": result["kappa"],
                     "ci_low": max(-1.0, result["ci_low"]) if pd.notna(result["ci_low"])
                     else np.nan,
                     "ci_high": min(1.0, result["ci_high"]) if pd.notna(result["ci_high"])
                     else np.nan})
    table = pd.DataFrame(rows, columns=["theme", "suggested", "validated", "both", "kappa",
                                        "ci_low", "ci_high"])
    same = [sorted(a) == sorted(b) for a, b in zip(per_answer["proposed_codes"],
                                                   per_answer["final_codes"], strict=True)]
    table.attrs.update(answers=len(per_answer), unchanged=float(np.mean(same)) if same else
                       np.nan, mean_kappa=float(table["kappa"].mean()) if
                       table["kappa"].notna().any() else np.nan)
    return table


# --------------------------------------------------------------------------- who says it

def _with_respondents(validated: pd.DataFrame, respondents: pd.DataFrame | None,
                      id_column: str, columns: Sequence[str]) -> pd.DataFrame:
    """One row per validated answer with the respondents' columns it needs."""
    per_answer = _per_answer(validated)
    frame = per_answer[["respondent", "line", "final_codes"]].copy()
    if respondents is None or not columns:
        return frame
    if id_column not in respondents.columns:
        raise InputError(f"the responses have no column {id_column!r} to find the coding's "
                         "respondents in", column=id_column)
    for column in columns:
        if column not in respondents.columns:
            raise InputError(f"no column {column!r} in the responses; columns: "
                             f"{', '.join(map(str, respondents.columns))}", column=column)
    table = respondents[[id_column, *columns]].drop_duplicates(id_column)
    table = table.assign(**{id_column: table[id_column].astype(str)})
    found = frame.assign(_key=frame["respondent"].astype(str)).merge(
        table, how="left", left_on="_key", right_on=id_column, indicator=True)
    missing = found[found["_merge"] == "left_only"]
    if len(missing):
        first = missing.iloc[0]
        answers = "1 answer" if len(missing) == 1 else f"{len(missing)} answers"
        raise InputError(f"respondent {str(first['respondent'])!r} of the coding is not in the "
                         f"responses ({answers} of the coding in all): code the answers of "
                         "this questionnaire", file=validated.attrs.get("file"),
                         row=int(first["line"]), column="respondent")
    return found.drop(columns=["_key", "_merge", *([id_column] if id_column != "respondent"
                                                   else [])])


def theme_shares(validated: pd.DataFrame, respondents: pd.DataFrame | None = None,
                 by: str | None = None, weight: str | None = None,
                 id_column: str = "respondent_id", level: float = 0.95) -> pd.DataFrame:
    """The share of answers raising each theme, overall or by group, with its interval.

    Parameters
    ----------
    validated : DataFrame
        From :func:`~civeval.qual.validated.load_validated`.
    respondents : DataFrame, optional
        The responses (one row per respondent) holding ``by`` and ``weight``, found by
        ``id_column``; not needed for unweighted overall shares.
    by : str, optional
        A respondents' column: age band, sex, district, channel…
    weight : str, optional
        The respondents' survey weights (after raking): shares are then weighted.
    id_column : str
        The respondents' id column, matched with the coding's ``respondent``.
    level : float
        Of the confidence interval.

    Returns
    -------
    DataFrame
        One row per theme (and group): ``theme``, the ``by`` column, ``answers`` (validated
        answers of the group: the base), ``mentions`` (those raising the theme,
        unweighted), ``share`` (weighted when ``weight``), ``ci_low``, ``ci_high``:
        Wilson's interval without weights, the logit interval of the design-based
        standard error with them (:func:`~civeval.survey.estimates.estimate_proportion`).
        Answers with no group are left out of the groups.

    Raises
    ------
    InputError
        A column missing from the responses, or a respondent of the coding missing from
        them (naming the coding's file and line).

    Examples
    --------
    >>> validated = pd.DataFrame(columns=["respondent", "answer", "code"])
    >>> validated.attrs["per_answer"] = pd.DataFrame({
    ...     "respondent": [1, 2, 3, 4], "line": [2, 3, 4, 5],
    ...     "final_codes": [["bus"], ["bus", "vélo"], ["vélo"], []]})
    >>> responses = pd.DataFrame({"respondent_id": [1, 2, 3, 4],
    ...                           "age": ["18-29", "18-29", "60+", "60+"]})
    >>> shares = theme_shares(validated, responses, by="age")
    >>> shares[["theme", "age", "answers", "mentions", "share"]].values.tolist()
    [['bus', '18-29', 2, 2, 1.0], ['bus', '60+', 2, 0, 0.0], ['vélo', '18-29', 2, 1, 0.5], \
['vélo', '60+', 2, 1, 0.5]]
    """
    columns = [c for c in (by, weight) if c]
    frame = _with_respondents(validated, respondents, id_column, columns)
    if by:
        frame = frame[frame[by].notna()]
    rows = []
    for theme in _themes(validated):
        mentions = _mentions(frame, theme)
        data = frame.assign(**{MENTIONS: pd.Categorical(mentions, categories=[False, True])})
        estimates = estimate_proportion(data, MENTIONS, category=True, weight=weight, by=by,
                                        level=level)
        counts = data.groupby(by, observed=True, sort=False)[MENTIONS].apply(
            lambda values: int((values == True).sum())) if by else pd.Series(  # noqa: E712
            {None: int(mentions.sum())})
        for estimate in estimates.itertuples(index=False):
            group = getattr(estimate, by) if by else None
            rows.append({"theme": theme, **({by: group} if by else {}),
                         "answers": int(estimate.n), "mentions": int(counts[group]),
                         "share": estimate.estimate, "ci_low": estimate.ci_low,
                         "ci_high": estimate.ci_high})
    table = pd.DataFrame(rows, columns=["theme", *([by] if by else []), "answers",
                                        "mentions", "share", "ci_low", "ci_high"])
    table.attrs.update(weighted=weight is not None, answers=len(frame))
    return table


def theme_group_differences(validated: pd.DataFrame, respondents: pd.DataFrame, by: str,
                            weight: str | None = None, id_column: str = "respondent_id",
                            alpha: float = 0.05) -> pd.DataFrame:
    """Whether each theme is raised more by some groups than by others.

    Parameters
    ----------
    validated, respondents, by, weight, id_column
        As for :func:`theme_shares`.
    alpha : float
        Level of the tests, after adjustment.

    Returns
    -------
    DataFrame
        One row per theme: ``theme``, ``test`` (``pearson``, or ``rao_scott`` with
        weights), ``statistic``, ``dof``, ``p_value`` of the test of independence between
        raising the theme and the group (:func:`~civeval.survey.compare.
        chi2_independence`; missing when nobody or everybody raised it),
        ``p_adjusted`` (Holm, over the themes) and ``significant``.

    Examples
    --------
    >>> validated = pd.DataFrame(columns=["respondent", "answer", "code"])
    >>> validated.attrs["per_answer"] = pd.DataFrame({
    ...     "respondent": range(80), "line": range(2, 82),
    ...     "final_codes": [["vélo"]] * 30 + [["bus"]] * 10 + [["vélo"]] * 5 + [["bus"]] * 35})
    >>> responses = pd.DataFrame({"respondent_id": range(80),
    ...                           "age": ["18-29"] * 40 + ["60+"] * 40})
    >>> theme_group_differences(validated, responses, "age")[["theme", "significant"]
    ...                                                       ].values.tolist()
    [['bus', True], ['vélo', True]]
    """
    frame = _with_respondents(validated, respondents, id_column,
                              [by, *([weight] if weight else [])])
    frame = frame[frame[by].notna()]
    rows = []
    for theme in _themes(validated):
        mentions = _mentions(frame, theme)
        row = {"theme": theme, "test": "pearson" if weight is None else "rao_scott",
               "statistic": np.nan, "dof": np.nan, "p_value": np.nan}
        if 0 < mentions.sum() < len(mentions) and frame[by].nunique() > 1:
            test = chi2_independence(frame.assign(**{MENTIONS: mentions}), MENTIONS, by,
                                     weight=weight).iloc[0]
            row.update(statistic=float(test["statistic"]), dof=int(test["dof"]),
                       p_value=float(test["p_value"]))
        rows.append(row)
    table = pd.DataFrame(rows, columns=["theme", "test", "statistic", "dof", "p_value"])
    table["p_adjusted"] = _holm(table["p_value"].to_numpy(float))
    table["significant"] = table["p_adjusted"] < alpha
    return table


# --------------------------------------------------------------------------- between waves

def theme_changes(before: pd.DataFrame, after: pd.DataFrame,
                  respondents_before: pd.DataFrame | None = None,
                  respondents_after: pd.DataFrame | None = None, weight: str | None = None,
                  id_column: str = "respondent_id", alpha: float = 0.05) -> pd.DataFrame:
    """Each theme's share in two waves (or editions) of the same question, and its test.

    Parameters
    ----------
    before, after : DataFrame
        The validated codings of the two waves, with the same themes (a theme missing from
        one wave has a share of 0 there).
    respondents_before, respondents_after : DataFrame, optional
        Each wave's responses, needed only for ``weight``.
    weight : str, optional
        The survey weights' column in both waves' responses.
    id_column : str
        The respondents' id column.
    alpha : float
        Level of the test, after adjustment.

    Returns
    -------
    DataFrame
        One row per theme: ``theme``, ``answers_before``, ``mentions_before``,
        ``share_before``, the same ``…_after``, ``change`` (after − before, in share
        points), ``test`` (``pearson`` or ``rao_scott``), ``p_value`` (of the 2 × 2 test
        of independence between the theme and the wave, :func:`~civeval.survey.compare.
        chi2_independence`; missing when nobody or everybody raised the theme),
        ``p_adjusted`` (Holm's adjustment over the themes tested) and ``significant``
        (``p_adjusted < alpha``).

    Notes
    -----
    The waves are treated as independent samples: a respondent of both waves counts in
    both, as in a repeated cross-section. Holm (1979) keeps the chance of declaring any
    unchanged theme changed below ``alpha``, whatever the number of themes.

    Examples
    --------
    >>> def coding(themes):
    ...     frame = pd.DataFrame(columns=["respondent", "answer", "code"])
    ...     frame.attrs["per_answer"] = pd.DataFrame({
    ...         "respondent": range(len(themes)), "line": range(2, len(themes) + 2),
    ...         "final_codes": [[t] for t in themes]})
    ...     return frame
    >>> table = theme_changes(coding(["bus"] * 60 + ["vélo"] * 40),
    ...                       coding(["bus"] * 35 + ["vélo"] * 65))
    >>> table[["theme", "share_before", "share_after", "significant"]].values.tolist()
    [['bus', 0.6, 0.35, True], ['vélo', 0.4, 0.65, True]]
    """
    waves = []
    for label, validated, respondents in (("before", before, respondents_before),
                                          ("after", after, respondents_after)):
        if weight and respondents is None:
            raise InputError(f"weights need the responses of both waves: the {label} wave's "
                             "are missing")
        frame = _with_respondents(validated, respondents, id_column, [weight] if weight else [])
        waves.append(frame.assign(**{WAVE: label}))
    themes = list(dict.fromkeys([*_themes(after), *_themes(before)]))
    pooled = pd.concat(waves, ignore_index=True)
    rows = []
    for theme in themes:
        mentions = _mentions(pooled, theme)
        row = {"theme": theme}
        for label in ("before", "after"):
            inside = (pooled[WAVE] == label).to_numpy()
            values = mentions[inside]
            row[f"answers_{label}"] = int(inside.sum())
            row[f"mentions_{label}"] = int(values.sum())
            weights = pooled.loc[inside, weight].to_numpy(float) if weight else None
            row[f"share_{label}"] = (float(np.average(values, weights=weights))
                                     if inside.any() else np.nan)
        row["change"] = row["share_after"] - row["share_before"]
        if 0 < mentions.sum() < len(mentions):
            data = pooled.assign(**{MENTIONS: mentions})
            test = chi2_independence(data, MENTIONS, WAVE, weight=weight).iloc[0]
            row.update(test=test["test"], p_value=float(test["p_value"]))
        else:
            row.update(test="pearson" if weight is None else "rao_scott", p_value=np.nan)
        rows.append(row)
    table = pd.DataFrame(rows)
    table["p_adjusted"] = _holm(table["p_value"].to_numpy(float))
    table["significant"] = table["p_adjusted"] < alpha
    return table


def _holm(p_values: np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment of the p-values that are not missing."""
    from statsmodels.stats.multitest import multipletests

    adjusted = np.full(len(p_values), np.nan)
    tested = ~np.isnan(p_values)
    if tested.any():
        adjusted[tested] = multipletests(p_values[tested], method="holm")[1]
    return adjusted
