"""The house style of charts: one seaborn theme, a colour-blind-safe palette, French axes.

Templates draw with seaborn or matplotlib after :func:`civeval.presentation.report.setup` and show
the figure with :func:`civeval.presentation.report.figure`, which puts the title and the source
under it.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # reports are rendered without a screen

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402
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


def _date_ticks(span_days: float):
    """Calendar tick choices from the finest to the coarsest: ``(locator, format, ticks)``
    with ``ticks`` about how many fall on a span of ``span_days``."""
    for interval in (1, 2, 7):
        yield mdates.DayLocator(interval=interval), "%d/%m/%Y", span_days / interval + 1
    yield mdates.DayLocator(bymonthday=[1, 15]), "%d/%m/%Y", span_days / 15.2 + 1
    for step in (1, 2, 3, 4, 6):  # every twelve months is every year, written 2024
        yield (mdates.MonthLocator(bymonth=range(1, 13, step)), "%m/%Y",
               span_days / 30.4 / step + 1)
    for step in (1, 2, 5, 10, 20, 50, 100):
        yield mdates.YearLocator(step), "%Y", span_days / 365.25 / step + 1


def date_axis(axis, start, end, max_ticks: int = 7) -> None:
    """Ticks on whole calendar units over ``start`` … ``end`` on a matplotlib date axis
    (``ax.xaxis``), each label written once and apart from the next: days (``15/04/2025``)
    over a few days or weeks, months (``07/2024``) over a few years, years beyond. It takes
    the finest unit whose labels fit the axis as it is laid out now (lay the figure out
    first: long labels of the other axis narrow this one), and never more than
    ``max_ticks``. The axis spans the period with a small margin.

    Examples
    --------
    >>> fig, ax = plt.subplots(figsize=(8, 3))
    >>> date_axis(ax.xaxis, "2025-04-01", "2025-05-15")
    >>> [label.get_text() for label in ax.get_xticklabels()]
    ['01/04/2025', '15/04/2025', '01/05/2025', '15/05/2025']
    >>> close(fig)
    """
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    days = max((end - start).days, 1)
    margin = pd.Timedelta(days=max(1, round(days * 0.03)))
    axes = axis.axes
    axes.set_xlim(mdates.date2num(start - margin), mdates.date2num(end + margin))
    width = axes.get_position().width * axes.figure.get_figwidth()  # inches
    size = FontProperties(size=plt.rcParams["xtick.labelsize"]).get_size_in_points()

    def fits(choice) -> bool:
        _, label, ticks = choice
        # A label of n characters is about 0.6 n ems wide; a quarter of an inch between two.
        room = width / (len(pd.Timestamp(2000, 1, 1).strftime(label)) * 0.6 * size / 72 + 0.25)
        return ticks <= min(max_ticks, room)

    choices = list(_date_ticks(days + 2 * margin.days))
    locator, label, _ = next(filter(fits, choices), choices[-1])
    axis.set_major_locator(locator)
    axis.set_major_formatter(mdates.DateFormatter(label))
    axis.set_minor_locator(mdates.MonthLocator() if label != "%Y" else mdates.YearLocator())


def value_axis_from_zero(axis, values) -> None:
    """Stretch a value axis (``ax.xaxis`` or ``ax.yaxis``) so that it includes zero: a dot
    plot around a single comparator otherwise magnifies a small gap into a large one."""
    shown = pd.Series(list(values), dtype=float).dropna()
    if shown.empty:
        return
    low, high = min(0.0, shown.min()), max(0.0, shown.max())
    pad = (high - low) * 0.05 or 1.0
    limits = (low - pad if low < 0 else 0.0, high + pad if high > 0 else 0.0)
    (axis.axes.set_xlim if axis is axis.axes.xaxis else axis.axes.set_ylim)(*limits)


def close(fig) -> None:
    plt.close(fig)
