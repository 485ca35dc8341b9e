"""The benchmark chart: a dot plot of the peers' values with the client highlighted.

It draws the table of :func:`civeval.benchmark.peers.compare`, passed through
:func:`civeval.benchmark.peers.anonymise`, and refuses to name a non-public peer.
"""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from civeval.benchmark.wording import wording
from civeval.errors import InputError
from civeval.presentation import charts, fmt

__all__ = ["benchmark_chart"]


def _is_ratio(comparison: pd.DataFrame) -> bool:
    indicator = str(comparison.attrs.get("indicator", ""))
    if re.search(r"(rate|share|ratio)$", indicator):
        return True
    values = comparison["value"].dropna()
    return bool(len(values)) and bool(values.between(0, 1).all())


def benchmark_chart(comparison: pd.DataFrame, references: pd.DataFrame | None = None, *,
                    percent: bool | None = None, language: str = "fr",
                    max_labels: int = 40) -> Figure:
    """Dot plot of the peers' values with the client highlighted.

    Parameters
    ----------
    comparison : DataFrame
        :func:`~civeval.benchmark.peers.compare`'s table, passed through
        :func:`~civeval.benchmark.peers.anonymise` when it holds non-public peers (the
        chart refuses to name them).
    references : DataFrame, optional
        Rows of the reference table to draw as vertical lines (national median and
        mean…): ``name``, ``statistic``, ``year``, ``value``.
    percent : bool, optional
        Format the axis as percentages; default: when the indicator's name ends in
        ``rate``, ``share`` or ``ratio``, or every value is between 0 and 1.
    language : {"fr", "en"}
        Language of the labels.
    max_labels : int
        Up to this many peers, one labelled line per collectivité (a Cleveland dot plot);
        beyond, a single strip of dots without names, so that thousands of communes stay
        readable.

    Returns
    -------
    matplotlib.figure.Figure
        The figure, untitled: the report puts its title, source and alt text (given by
        the caller) around it.

    Raises
    ------
    InputError
        When a non-public peer has not been anonymised.

    Examples
    --------
    >>> from civeval.benchmark.peers import anonymise, compare
    >>> peers = pd.DataFrame({"name": ["Angers", "Ville X"], "kind": "commune",
    ...                       "population": [155_876, 160_000], "indicator": "turnout_rate",
    ...                       "value": [0.14, 0.05], "public": [True, False]})
    >>> table = anonymise(compare(0.08, peers, "turnout_rate", client="Ville A"), "Ville A")
    >>> figure = benchmark_chart(table)
    >>> [label.get_text() for label in figure.axes[0].get_yticklabels()]
    ['Commune A, 100\\u202f000 hab. et plus', 'Ville A', 'Angers']
    >>> charts.close(figure)
    """
    words = wording(language)
    for column in ("name", "value", "is_client", "percentile_rank"):
        if column not in comparison:
            raise InputError(f"benchmark_chart needs compare()'s table (no column {column})")
    client_rows = comparison["is_client"].fillna(False).astype(bool)
    public = (comparison["public"].astype("boolean").fillna(False).astype(bool)
              if "public" in comparison else pd.Series(False, index=comparison.index))
    anonymised = (comparison["anonymised"].fillna(False).astype(bool) if "anonymised" in
                  comparison else pd.Series(False, index=comparison.index))
    exposed = ~public & ~client_rows & ~anonymised
    if exposed.any():
        raise InputError(f"benchmark_chart: {int(exposed.sum())} non-public peer(s) would be "
                         "named; pass the table through anonymise() first")
    data = comparison.sort_values("value", kind="stable").reset_index(drop=True)
    peers, client = data[~data["is_client"].astype(bool)], data[data["is_client"].astype(bool)]
    ratio = _is_ratio(data) if percent is None else percent
    labelled = len(data) <= max_labels
    colour_peer, colour_client = charts.PALETTE[0], charts.PALETTE[5]
    if labelled:
        fig, ax = plt.subplots(figsize=(8, max(2.5, 0.3 * len(data) + 1)))
        ax.scatter(peers["value"], peers.index, s=36, color=colour_peer,
                   label=words["peers"], zorder=3)
        ax.scatter(client["value"], client.index, s=110, color=colour_client,
                   edgecolor="black", zorder=4)
        ax.hlines(data.index, data["value"].min(), data["value"], color="#dddddd", zorder=1)
        ax.set_yticks(data.index, data["name"].astype(str))
        for tick, is_client in zip(ax.get_yticklabels(), data["is_client"], strict=True):
            if is_client:
                tick.set_fontweight("bold")
                tick.set_color(colour_client)
        ax.set_ylim(-0.8, len(data) - 0.2)
    else:
        fig, ax = plt.subplots(figsize=(8, 2.8))
        jitter = np.random.default_rng(0).uniform(-0.3, 0.3, len(peers))
        ax.scatter(peers["value"], jitter, s=8, alpha=0.35, color=colour_peer,
                   linewidths=0, label=words["peers"], rasterized=True)
        ax.scatter(client["value"], np.zeros(len(client)), s=140, color=colour_client,
                   edgecolor="black", zorder=4)
        ax.set_yticks([])
        ax.set_ylim(-0.6, 0.9)
    if not labelled:  # in a strip the client's name and rank are written above its dot
        for row in client.itertuples():
            shown = fmt.percent(row.value) if ratio else fmt.number(row.value)
            rank = fmt.number(row.percentile_rank, 0) if pd.notna(row.percentile_rank) else "–"
            ax.annotate(words["client"].format(name=row.name, value=shown) + "\n"
                        + words["percentile"].format(rank=rank),
                        (row.value, 0), xytext=(0, 0.62), textcoords=("offset points", "data"),
                        ha="center", va="bottom", fontsize=8, color=colour_client,
                        arrowprops={"arrowstyle": "-", "color": colour_client})
    if references is not None:
        for number, row in enumerate(references.itertuples()):
            statistic = words.get(str(getattr(row, "statistic", "")), "")
            year = getattr(row, "year", None)
            detail = " ".join(str(p) for p in (statistic, "" if pd.isna(year) else int(year))
                              if p)
            ax.axvline(row.value, linestyle="--", linewidth=1,
                       color=charts.PALETTE[(2 + number) % len(charts.PALETTE)],
                       label=f"{row.name}, {detail}" if detail else str(row.name))
    # From zero: a dot plot around a single comparator would make a small gap look large.
    charts.value_axis_from_zero(ax.xaxis, [*data["value"], *(
        references["value"] if references is not None else [])])
    ticks = ax.xaxis.get_majorticklocs() * (100 if ratio else 1)
    decimals = 0 if np.allclose(ticks, np.round(ticks)) else 1
    charts.format_axis(ax.xaxis, "percent" if ratio else "number", decimals)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, fontsize=8,
              frameon=False)
    fig.tight_layout()
    return fig
