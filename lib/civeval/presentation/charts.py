"""The house style of charts: one seaborn theme, a colour-blind-safe palette, French axes.

Templates draw with seaborn or matplotlib after :func:`civeval.presentation.report.setup` and show
the figure with :func:`civeval.presentation.report.figure`, which puts the title and the source
under it.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # reports are rendered without a screen

import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from civeval.presentation import fmt  # noqa: E402

# Okabe–Ito: distinguishable with the common forms of colour blindness.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#000000"]


def use_house_style() -> None:
    """Apply the theme to every chart drawn from now on."""
    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE, rc={
        "figure.figsize": (8, 4.5),
        "axes.titleweight": "bold",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "svg.hashsalt": "civeval",  # stable ids if a chart is ever saved as SVG
    })


def format_axis(axis, kind: str = "number", decimals: int = 0) -> None:
    """Label the ticks of a matplotlib axis (``ax.yaxis``) the report's way.

    ``kind`` is ``number``, ``percent`` (values are ratios) or ``euro``.
    """
    formatters = {
        "number": lambda value, _: fmt.number(value, decimals),
        "percent": lambda value, _: fmt.percent(value, decimals),
        "euro": lambda value, _: fmt.euro(value, decimals),
    }
    axis.set_major_formatter(FuncFormatter(formatters[kind]))


def close(fig) -> None:
    plt.close(fig)
