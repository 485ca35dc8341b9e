"""Choropleth maps of an indicator by district, drawn from the study's own geometry.

A map colours each district of a geometry (:func:`civeval.territory.read_geometry`) on one
sequential, colour-blind-safe scale, writes its value on it (a missing or suppressed value is
hatched grey and written « – »), and puts a colour bar with French ticks under it. Nothing is
fetched: no tiles, no web fonts, only the polygons. The values are keyed by the geometry's
district names; tables whose names are written otherwise are matched first with
:func:`civeval.territory.match_districts`.

:func:`choropleth` returns the report figure; :func:`map_table` the table shown beside it.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize, to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator

from civeval.errors import InputError
from civeval.presentation import fmt, i18n, report

# Sequential, perceptually uniform and readable with the common colour-vision deficiencies;
# reversed so that more is darker, as readers of choropleths expect.
COLORMAP = "cividis_r"
MISSING_COLOUR = "#d9d9d9"
MISSING_HATCH = "////"
# Up to this many districts, each is labelled with its name; beyond, its value only (the
# table beside the map names them).
NAMED_UP_TO = 12
KINDS = ("number", "percent", "euro")


def district_values(geometry, values) -> pd.Series:
    """The values of ``geometry``'s districts, in its order, as floats (NaN where missing).

    ``values`` maps district names to numbers (a mapping or a Series indexed by name);
    missing, ``pd.NA`` and suppressed values become NaN. A name that is not a district of
    the geometry raises InputError: match the names first.

    Examples
    --------
    >>> geometry = pd.DataFrame({"district": ["Nord", "Sud"]})
    >>> district_values(geometry, {"Sud": 3}).tolist()
    [nan, 3.0]
    """
    values = pd.Series(dict(values) if isinstance(values, Mapping) else values)
    districts = geometry["district"]
    known = set(districts)
    unknown = [str(name) for name in values.index if name not in known]
    if unknown:
        raise InputError(f"not districts of the geometry: {', '.join(map(repr, unknown))}; "
                         "match the names first (civeval.territory.match_districts)")
    try:
        numbers = pd.to_numeric(values).astype("Float64")
    except (ValueError, TypeError) as error:
        raise InputError(f"the values to map must be numbers: {error}") from None
    return pd.Series(numbers.reindex(districts.to_numpy()).to_numpy(dtype=float, na_value=np.nan),
                     index=districts.to_numpy(), name="value")


def map_table(geometry, values, *, name: str = "value") -> pd.DataFrame:
    """The table shown beside a map: ``district`` and the value column ``name``, highest
    first, missing values last.

    Examples
    --------
    >>> geometry = pd.DataFrame({"district": ["Nord", "Sud", "Est"]})
    >>> map_table(geometry, {"Nord": 0.04, "Sud": 0.07}, name="participation_rate")
      district  participation_rate
    0      Sud                0.07
    1     Nord                0.04
    2      Est                 NaN
    """
    shown = district_values(geometry, values).rename(name).rename_axis("district")
    return shown.sort_values(ascending=False, na_position="last",
                             kind="stable").reset_index()


def draw_choropleth(geometry, values, *, kind: str, language: str = "fr"):
    """The map of ``values`` over ``geometry`` as a matplotlib figure (see :func:`choropleth`).

    Returns
    -------
    matplotlib.figure.Figure
        The map's axes first, the colour bar's second (absent when fewer than two distinct
        values are known: they are written on the map).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> geometry = gpd.GeoDataFrame({"district": ["Nord", "Sud"]},
    ...                             geometry=[box(0, 1, 1, 2), box(0, 0, 1, 1)])
    >>> fig = draw_choropleth(geometry, {"Nord": 0.04, "Sud": 0.07}, kind="percent")
    >>> sorted(text.get_text() for text in fig.axes[0].texts)
    ['Nord\\n4,0\\xa0%', 'Sud\\n7,0\\xa0%']
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    locale = fmt.LOCALES[language]
    shown = district_values(geometry, values)
    known = shown.notna().to_numpy()
    norm = _scale(shown[known])
    cmap = colormaps[COLORMAP]
    fig = Figure(figsize=_size(geometry))
    axis = fig.add_subplot()
    if known.any():
        colours = [cmap(norm(v)) for v in shown[known]]
        geometry[known].plot(ax=axis, color=colours, edgecolor="white", linewidth=0.8)
    if not known.all():
        geometry[~known].plot(ax=axis, facecolor=MISSING_COLOUR, hatch=MISSING_HATCH,
                              edgecolor="#8c8c8c", linewidth=0)
        geometry[~known].boundary.plot(ax=axis, color="white", linewidth=0.8)
        axis.legend(handles=[Patch(facecolor=MISSING_COLOUR, hatch=MISSING_HATCH,
                                   edgecolor="#8c8c8c",
                                   label=i18n.translator(language)("map.missing"))],
                    loc="lower left", bbox_to_anchor=(0, 1), frameon=False, fontsize=8)
    _label(axis, geometry, shown, norm, cmap, kind, locale)
    axis.set_axis_off()
    if shown[known].nunique() > 1:  # a scale of one value would say nothing
        _colour_bar(fig, axis, norm, cmap, kind, locale)
    return fig


def choropleth(geometry, values, *, kind: str, title: str, alt: str, source: str,
               language: str = "fr"):
    """A report figure mapping one indicator by district.

    Parameters
    ----------
    geometry : GeoDataFrame
        The districts (:func:`civeval.territory.read_geometry`), any CRS: a geographic one is
        drawn with the aspect of its latitude.
    values : mapping or Series
        District name (the geometry's) → value; a district without a value, or with a
        missing or suppressed one, is hatched grey and written « – ».
    kind : {"number", "percent", "euro"}
        How values are written (:func:`civeval.presentation.fmt.by_kind`); a percent is a
        ratio from 0 to 1.
    title, alt, source : str
        The figure's title, alt text and source line (see
        :func:`civeval.presentation.report.figure`). The alt text is completed with the
        highest and lowest districts, and those without a value.
    language : {"fr", "en"}
        The report language of numbers and added text.

    Returns
    -------
    IPython.display.HTML
        The figure, its PNG embedded.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> geometry = gpd.GeoDataFrame({"district": ["Nord", "Sud"]},
    ...                             geometry=[box(0, 1, 1, 2), box(0, 0, 1, 1)])
    >>> shown = choropleth(geometry, {"Nord": 12.5, "Sud": 30}, kind="euro",
    ...                    title="Euros par habitant", alt="Carte des euros par habitant.",
    ...                    source="Ville")
    >>> 'src="data:image/png;base64,' in shown.data
    True
    >>> print(shown.data.split('alt="')[1].split('"')[0].replace("\\xa0", " "))
    Carte des euros par habitant. Valeur la plus élevée : Sud (30 €) ; la plus basse : Nord (13 €).
    """
    fig = draw_choropleth(geometry, values, kind=kind, language=language)
    described = f"{alt} {_described(district_values(geometry, values), kind, language)}"
    return report.figure(fig, title=title, alt=described.strip(), source=source)


def _scale(known: pd.Series) -> Normalize:
    """The colour scale of the known values; a scale centred on the value when all agree."""
    if known.empty:
        return Normalize(0, 1)
    low, high = float(known.min()), float(known.max())
    if low == high:
        spread = abs(low) * 0.1 or 1.0
        return Normalize(low - spread, high + spread)
    return Normalize(low, high)


def _size(geometry) -> tuple[float, float]:
    """Seven inches wide, as tall as the territory's shape asks (within reason)."""
    west, south, east, north = geometry.total_bounds
    width, height = east - west, north - south
    if geometry.crs is not None and geometry.crs.is_geographic:
        width *= math.cos(math.radians((south + north) / 2))
    ratio = height / width if width > 0 else 1.0
    return 7.0, min(max(7.0 * ratio, 3.5), 8.0) + 0.8


def _label(axis, geometry, shown: pd.Series, norm, cmap, kind: str, locale: str) -> None:
    """Each district's value (and name, when few) at a point inside it, in a colour that
    reads on its fill."""
    named = len(shown) <= NAMED_UP_TO
    size = 9 if named else 7 if len(shown) <= 30 else 6
    points = geometry.geometry.representative_point()
    for point, (district, value) in zip(points, shown.items(), strict=True):
        written = fmt.by_kind(value, kind, locale=locale)
        label = f"{textwrap.fill(district, 16)}\n{written}" if named else written
        fill = MISSING_COLOUR if math.isnan(value) else cmap(norm(value))
        axis.annotate(label, (point.x, point.y), ha="center", va="center", fontsize=size,
                      color="black" if _luminance(fill) > 0.45 else "white")


def _luminance(colour) -> float:
    red, green, blue = to_rgb(colour)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def _colour_bar(fig, axis, norm, cmap, kind: str, locale: str) -> None:
    bar = fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=axis,
                       orientation="horizontal", fraction=0.05, pad=0.03, shrink=0.7)
    bar.outline.set_visible(False)
    ticks = [t for t in MaxNLocator(5, steps=[1, 2, 5, 10]).tick_values(norm.vmin, norm.vmax)
             if norm.vmin - 1e-12 <= t <= norm.vmax + 1e-12]
    bar.ax.xaxis.set_major_locator(FixedLocator(ticks))
    bar.ax.xaxis.set_major_formatter(FuncFormatter(_tick_writer(ticks, kind, locale)))
    bar.ax.tick_params(labelsize=8)


def _tick_writer(ticks: list[float], kind: str, locale: str):
    """Tick labels for ``kind`` with as many decimals as the ticks have, no more."""
    scale = 100 if kind == "percent" else 1
    decimals = next((d for d in range(3) if all(
        math.isclose(round(t * scale, d), t * scale, abs_tol=1e-9) for t in ticks)), 3)
    writers = {"number": fmt.number, "percent": fmt.percent, "euro": fmt.euro}
    return lambda value, _: writers[kind](value, decimals, locale=locale)


def _described(shown: pd.Series, kind: str, language: str) -> str:
    """The extremes, and the districts without a value, in words for the alt text."""
    t = i18n.translator(language)
    locale = fmt.LOCALES[language]
    known, missing = shown.dropna(), shown[shown.isna()]
    parts = []
    if len(known) == 1:
        parts.append(t("map.alt_single", district=known.index[0],
                       value=fmt.by_kind(known.iloc[0], kind, locale=locale)))
    elif len(known) > 1 and known.min() == known.max():
        parts.append(t("map.alt_equal", value=fmt.by_kind(known.iloc[0], kind, locale=locale)))
    elif len(known) > 1:
        parts.append(t("map.alt_extremes",
                       highest=known.idxmax(),
                       high=fmt.by_kind(known.max(), kind, locale=locale),
                       lowest=known.idxmin(),
                       low=fmt.by_kind(known.min(), kind, locale=locale)))
    if len(missing):
        parts.append(t("map.alt_missing", districts=", ".join(missing.index)))
    return " ".join(parts)
