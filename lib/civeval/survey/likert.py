"""Likert items: the weighted distribution of answers and the diverging stacked chart.

The chart follows Heiberger & Robbins (2014), "Design of diverging stacked bar charts for
Likert scales and other applications", *Journal of Statistical Software* 57(5): agreement
extends to the right of zero, disagreement to the left, the neutral level is split across
zero (or set aside), and "ne sait pas" is a separate bar so it does not distort the scale.
Items are sorted by net agreement.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import to_hex

from civeval.presentation import fmt

DONT_KNOW = "dont_know"
# Characters per line of a bar's label: long statements wrap instead of squeezing the bars.
LABEL_WIDTH = 40


def scale_sides(levels: Sequence[str],
                neutral: str | None) -> tuple[list[str], list[str], str | None]:
    """Positive levels, negative levels and the neutral one, for levels ordered from the
    most positive to the most negative (the middle level is neutral when there is one)."""
    levels = list(levels)
    if neutral is None and len(levels) % 2 == 1:
        neutral = levels[len(levels) // 2]
    scale = [level for level in levels if level != neutral]
    half = len(scale) // 2
    return scale[:half], scale[half:], neutral


def likert_table(data: pd.DataFrame, items: Sequence[str], levels: Sequence[str],
                 weight: str | None = None, by: str | None = None,
                 dont_know: Sequence[str] = (), neutral: str | None = None,
                 labels: dict[str, str] | None = None) -> pd.DataFrame:
    """Weighted share of each answer level, per item (and per group).

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    items : list of str
        Columns holding the answers of each item.
    levels : list of str
        Answer levels from the most positive to the most negative.
    weight : str, optional
        Column of survey weights; each answer counts 1 without it.
    by : str, optional
        Column of segments: one distribution per item and segment. Every level of
        every segment appears, with 0 when nobody chose it.
    dont_know : list of str
        Answers meaning "ne sait pas", counted apart from the scale.
    neutral : str, optional
        The neutral level; by default the middle one when the scale is odd.
    labels : dict, optional
        Item column → wording shown to readers.

    Returns
    -------
    DataFrame
        One row per item (× segment) × level: ``item``, ``label``, [``by``], ``level``,
        ``side`` (``positive``, ``neutral``, ``negative`` or ``dont_know``), ``n`` (unweighted
        respondents), ``weighted``, ``percent`` (share of the item's answers on the scale,
        ``dont_know`` excluded; for the ``dont_know`` rows, share of all answers) and
        ``net_agreement`` (positive minus negative share, repeated on each row of the
        item), sorted by net agreement, highest first.

    Notes
    -----
    percent_l = Σ_{i answered l} w_i / Σ_{i answered on the scale} w_i; net agreement =
    Σ_{l positive} percent_l − Σ_{l negative} percent_l. Missing answers are left out.

    Examples
    --------
    >>> answers = pd.DataFrame({"q1": ["Oui", "Oui", "Non", "NSP"]})
    >>> table = likert_table(answers, ["q1"], ["Oui", "Non"], dont_know=["NSP"])
    >>> table[["level", "n", "percent"]].to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
    [{'level': 'Oui', 'n': 2, 'percent': 0.6666666666666666},
     {'level': 'Non', 'n': 1, 'percent': 0.3333333333333333},
     {'level': 'NSP', 'n': 1, 'percent': 0.25}]
    """
    positive, negative, neutral = scale_sides(levels, neutral)
    side = {**dict.fromkeys(positive, "positive"), **dict.fromkeys(negative, "negative"),
            **({neutral: "neutral"} if neutral else {}), **dict.fromkeys(dont_know, DONT_KNOW)}
    all_levels = [*levels, *dont_know]
    weights = data[weight] if weight else pd.Series(1.0, index=data.index)
    groups = [(None, data.index)] if by is None else [
        (name, index) for name, index in data.groupby(by, observed=False).groups.items()]
    rows = []
    for item in items:
        for group, index in groups:
            answers = data.loc[index, item].astype("object")
            unknown = set(answers.dropna()) - set(all_levels)
            if unknown:
                raise ValueError(f"item {item!r} has answers outside the levels: "
                                 f"{', '.join(sorted(map(str, unknown)))}")
            counts = pd.DataFrame({"answer": answers, "w": weights.loc[index]}).dropna()
            weighted = counts.groupby("answer")["w"].sum()
            n = counts.groupby("answer").size()
            on_scale = weighted.reindex(list(levels)).fillna(0).sum()
            everything = weighted.sum()
            for level in all_levels:
                total = everything if side[level] == DONT_KNOW else on_scale
                value = float(weighted.get(level, 0.0))
                rows.append({"item": item, "label": (labels or {}).get(item, item),
                             "group": group, "level": level, "side": side[level],
                             "n": int(n.get(level, 0)), "weighted": value,
                             "percent": value / total if total else np.nan})
    table = pd.DataFrame(rows)
    signed = table["percent"] * table["side"].map({"positive": 1.0, "negative": -1.0}).fillna(0)
    table["net_agreement"] = signed.groupby([table["item"], table["group"]], dropna=False,
                                            sort=False).transform("sum")
    order = table.groupby("item")["net_agreement"].mean().sort_values(ascending=False).index
    table["item"] = pd.Categorical(table["item"], categories=list(order), ordered=True)
    table = table.sort_values(["item", "group"], kind="stable").reset_index(drop=True)
    table["item"] = table["item"].astype(str)
    if by is None:
        return table.drop(columns="group")
    return table.rename(columns={"group": by})


def _colours(positive: int, negative: int, neutral: bool) -> tuple[list, list, str]:
    # PuOr is diverging and readable with the common colour-vision deficiencies.
    ramp = plt.get_cmap("PuOr_r")
    steps = max(positive, negative)
    positives = [to_hex(ramp(0.5 + 0.45 * (k + 1) / steps)) for k in range(positive)][::-1]
    negatives = [to_hex(ramp(0.5 - 0.45 * (k + 1) / steps)) for k in range(negative)]
    return positives, negatives, "#d9d9d9" if neutral else ""


def likert_chart(table: pd.DataFrame, levels: Sequence[str], neutral: str | None = None,
                 by: str | None = None, neutral_centred: bool = True):
    """Diverging stacked bars of :func:`likert_table`; returns the matplotlib figure.

    Positive levels extend to the right of 0, negative ones to the left, the neutral level
    is split across 0 (``neutral_centred=True``) or drawn apart on the right, and the
    "ne sait pas" share is a separate grey bar on the far right. A label longer than
    ``LABEL_WIDTH`` characters wraps over several lines; the chart grows with its bars.
    """
    positive, negative, neutral = scale_sides(levels, neutral)
    pos_colours, neg_colours, neutral_colour = _colours(len(positive), len(negative),
                                                         bool(neutral))
    keys = ["item"] + ([by] if by else [])
    bars = table.drop_duplicates(keys)[keys + ["label"]].reset_index(drop=True)
    share = table.pivot_table(index=keys, columns="level", values="percent", aggfunc="sum",
                              observed=False, sort=False).fillna(0)
    apart = table[table["side"] == DONT_KNOW]
    dont_know = apart.groupby(keys, sort=False)["percent"].sum() if len(apart) else None
    dont_know_label = " / ".join(dict.fromkeys(apart["level"]))
    names = [textwrap.fill(name, LABEL_WIDTH) for name in
             bars["label"] + (" — " + bars[by].astype(str) if by else "")]
    # Each bar gets room for its label's lines; the chart grows with the number of bars.
    pitch = max(0.5, 0.2 * max((name.count("\n") + 1 for name in names), default=1) + 0.1)
    height = max(pitch * len(bars) + 1.8, 2.8)
    # A side panel only for what is shown apart from the scale.
    if dont_know is not None or (neutral and not neutral_centred):
        fig, (axis, aside) = plt.subplots(
            1, 2, figsize=(9, height), sharey=True, gridspec_kw={"width_ratios": [5, 1]})
    else:
        fig, axis = plt.subplots(figsize=(9, height))
        aside = None
    positions = np.arange(len(bars))[::-1]
    for row, position in zip(bars.itertuples(index=False), positions, strict=True):
        key = tuple(getattr(row, k) for k in keys) if by else row.item
        values = share.loc[key]
        half = values.get(neutral, 0) / 2 if neutral and neutral_centred else 0.0
        start = half
        for level, colour in zip(positive, pos_colours, strict=True):
            axis.barh(position, values.get(level, 0), left=start, color=colour,
                      edgecolor="white", label=level)
            start += values.get(level, 0)
        if neutral and neutral_centred:
            axis.barh(position, 2 * half, left=-half, color=neutral_colour, edgecolor="white",
                      label=neutral)
        start = -half
        for level, colour in zip(negative, neg_colours, strict=True):
            start -= values.get(level, 0)
            axis.barh(position, values.get(level, 0), left=start, color=colour,
                      edgecolor="white", label=level)
        if neutral and not neutral_centred:
            aside.barh(position, values.get(neutral, 0), color=neutral_colour, label=neutral)
        if dont_know is not None:
            aside.barh(position, dont_know.get(key, 0), color="#9e9e9e",
                       label=dont_know_label)
    axis.set_yticks(positions, names)
    axis.axvline(0, color="#333333", linewidth=0.8)
    axis.set_xlim(-1, 1)
    axis.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: fmt.percent(abs(v), 0)))
    if aside is not None:
        aside.set_xlim(0, max(0.25, float(dont_know.max()) if dont_know is not None else 0))
        aside.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: fmt.percent(v, 0)))
    seen = {}
    for ax in filter(None, (axis, aside)):
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            seen.setdefault(label, handle)
    order = [*positive, *([neutral] if neutral else []), *negative]
    order += [label for label in seen if label not in order]
    handles = [seen[label] for label in order if label in seen]
    fig.legend(handles, [label for label in order if label in seen], loc="lower center",
               ncol=min(len(handles), 3), frameon=False, bbox_to_anchor=(0.5, 0.0))
    fig.tight_layout(rect=(0, 0.8 / height, 1, 1))
    return fig
