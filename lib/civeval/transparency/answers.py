"""Answers to proposals: the share of proposals answered, with reasons, and how fast.

The input is a proposals table as Decidim exports it (one row per proposal with its state
and the dates it was published and answered).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from civeval.errors import InputError
from civeval.transparency.inputs import group_columns, require_columns

__all__ = [
    "answer_rates",
]

#: Decidim proposal states and what they mean here.
PROPOSAL_STATES = ("accepted", "rejected", "evaluating", "withdrawn", "not_answered")
_ANSWERED = ("accepted", "rejected", "evaluating")
_TAGS = re.compile(r"<[^>]*>")


def _proposal_states(states: pd.Series, extra: Mapping[str, str] | None) -> pd.Series:
    labels = {s: s for s in PROPOSAL_STATES}
    labels.update({"": "not_answered", "published": "not_answered",
                   "state_not_published": "not_answered"})
    for raw, state in (extra or {}).items():
        if state not in PROPOSAL_STATES:
            raise InputError(f"answer_rates: states maps {raw!r} to {state!r}, not one of "
                             f"{', '.join(PROPOSAL_STATES)}")
        labels[str(raw).strip().lower()] = state
    text = states.astype("string").str.strip().str.lower().fillna("")
    mapped = text.map(labels)
    if mapped.isna().any():
        unknown = ", ".join(repr(v) for v in sorted(set(text[mapped.isna()]))[:5])
        raise InputError(f"answer_rates: unknown proposal state(s) {unknown}; known: "
                         f"{', '.join(PROPOSAL_STATES)} (or pass states={{...}})",
                         column="state")
    return mapped


def _timestamps(values: pd.Series, column: str) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values):
        parsed = values
    else:
        text = values.astype("string").str.strip()
        parsed = pd.to_datetime(text.mask(text == ""), utc=True, format="mixed",
                                errors="coerce")
        bad = text.notna() & (text != "") & parsed.isna()
        if bad.any():
            raise InputError(f"answer_rates: {text[bad].iloc[0]!r} is not a date",
                             column=column)
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    return parsed


def answer_rates(proposals: pd.DataFrame, by=None, *,
                 states: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Share of proposals answered, with reasons, and the delay from submission to answer.

    Parameters
    ----------
    proposals : DataFrame
        One row per proposal, Decidim-like, with the normalised columns ``id`` and
        ``state`` (``accepted``, ``rejected``, ``evaluating``, ``withdrawn``, empty or
        ``not_answered``), and, when available, ``published_at`` and ``answered_at``
        (dates) and ``answer`` (the answer's text; a Decidim export's ``answer/fr``
        is used when ``answer`` is absent). A ``withdrawn`` column (true/false, newer
        Decidim) marks withdrawn proposals too.
    by : str, list of str or None
        Grouping column(s), e.g. a category or a participatory process.
    states : mapping, optional
        Extra raw state → one of ``accepted, rejected, evaluating, withdrawn,
        not_answered`` (custom states of Decidim 0.28).

    Returns
    -------
    DataFrame
        One row per group: ``proposals`` (withdrawn ones left out), ``withdrawn``,
        ``answered``, ``answer_rate``, ``accepted``, ``rejected``, ``evaluating``,
        ``not_answered``, ``accepted_with_reason``, ``rejected_with_reason``,
        ``rejection_reason_rate`` and ``median_answer_delay_days``.

    Notes
    -----
    A proposal is *answered* when its state is accepted, rejected or evaluating (Decidim
    shows "evaluating" to the author as an answer):

    .. math::

        \\text{answer rate} = \\frac{\\#\\{\\text{accepted, rejected, evaluating}\\}}
                                   {\\#\\{\\text{proposals not withdrawn}\\}}
        \\qquad
        \\text{rejection reason rate} = \\frac{\\#\\{\\text{rejected with a reason}\\}}
                                             {\\#\\{\\text{rejected}\\}}

    A reason is present when the answer holds text once HTML tags and spaces are removed
    (Decidim stores answers as HTML, an empty one as ``<p></p>``). The delay is
    ``answered_at − published_at`` in days, its median taken over answered proposals with
    both dates: it says how long answered authors waited, not how long the unanswered
    ones have been waiting (their count is ``not_answered``).

    Examples
    --------
    >>> proposals = pd.DataFrame({
    ...     "id": [1, 2, 3, 4, 5],
    ...     "state": ["accepted", "rejected", "rejected", None, "withdrawn"],
    ...     "published_at": ["2024-03-01", "2024-03-01", "2024-03-05", "2024-03-09",
    ...                      "2024-03-10"],
    ...     "answered_at": ["2024-03-11", "2024-03-31", "2024-04-04", None, None],
    ...     "answer": ["<p>Retenu</p>", "<p>Hors compétence</p>", "<p></p>", None, None]})
    >>> row = answer_rates(proposals).iloc[0]
    >>> int(row["proposals"]), int(row["answered"]), float(row["answer_rate"])
    (4, 3, 0.75)
    >>> int(row["rejected_with_reason"]), float(row["median_answer_delay_days"])
    (1, 30.0)
    """
    groups = group_columns(by)
    frame = proposals
    if "answer" not in frame.columns:
        localised = [c for c in frame.columns if str(c).startswith("answer/")]
        if localised:
            frame = frame.assign(answer=frame[localised[0]])
    require_columns(frame, ["id", "state", *groups], "answer_rates")
    state = _proposal_states(frame["state"], states)
    if "withdrawn" in frame.columns:
        flag = frame["withdrawn"].astype("string").str.strip().str.lower().isin(
            ["true", "1", "1.0", "yes", "oui", "vrai"]).fillna(False)
        state = state.where(~flag.to_numpy(bool), "withdrawn")
    if "answer" in frame.columns:
        text = frame["answer"].astype("string").fillna("").str.replace(_TAGS, "", regex=True)
        reason = text.str.replace(r"(&nbsp;|\s)+", "", regex=True) != ""
    else:
        reason = pd.Series(pd.NA, index=frame.index, dtype="boolean")
    delay = pd.Series(np.nan, index=frame.index)
    if {"published_at", "answered_at"} <= set(frame.columns):
        published = _timestamps(frame["published_at"], "published_at")
        answered_at = _timestamps(frame["answered_at"], "answered_at")
        delay = (answered_at - published).dt.total_seconds() / 86400
        negative = delay < 0
        if negative.any():
            raise InputError(f"answer_rates: proposal {frame.loc[negative, 'id'].iloc[0]} "
                             "was answered before it was published", column="answered_at")
        delay = delay.where(state.isin(_ANSWERED))
    parts = pd.DataFrame({
        "proposals": (state != "withdrawn").astype(int),
        "withdrawn": (state == "withdrawn").astype(int),
        "answered": state.isin(_ANSWERED).astype(int),
        "accepted": (state == "accepted").astype(int),
        "rejected": (state == "rejected").astype(int),
        "evaluating": (state == "evaluating").astype(int),
        "not_answered": (state == "not_answered").astype(int),
        "accepted_with_reason": ((state == "accepted") & reason).astype("Int64"),
        "rejected_with_reason": ((state == "rejected") & reason).astype("Int64"),
        "delay": delay,
    }, index=frame.index)
    if groups:
        parts[groups] = frame[groups]
        grouped = parts.groupby(groups, dropna=False, sort=True)
        table = grouped.sum(min_count=1).drop(columns="delay")
        table["median_answer_delay_days"] = grouped["delay"].median()
        table = table.reset_index()
    else:
        table = parts.drop(columns="delay").sum(min_count=1).to_frame().T
        table["median_answer_delay_days"] = parts["delay"].median()
    counts = ["proposals", "withdrawn", "answered", "accepted", "rejected", "evaluating",
              "not_answered"]
    table[counts] = table[counts].astype(int)
    table["answer_rate"] = table["answered"] / table["proposals"].where(table["proposals"] > 0)
    table["rejection_reason_rate"] = (table["rejected_with_reason"].astype(float)
                                      / table["rejected"].where(table["rejected"] > 0))
    order = [*groups, "proposals", "withdrawn", "answered", "answer_rate", "accepted",
             "rejected", "evaluating", "not_answered", "accepted_with_reason",
             "rejected_with_reason", "rejection_reason_rate", "median_answer_delay_days"]
    return table[order].reset_index(drop=True)
