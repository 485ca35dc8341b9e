"""Choropleth maps by district: colours, written values, alt text, edge cases."""

import base64
import io
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from matplotlib import colormaps
from matplotlib.colors import Normalize, to_rgba
from PIL import Image
from shapely.geometry import box

from civeval.errors import InputError
from civeval.presentation import maps
from civeval.territory import read_geometry
from civeval.workbench.paths import studies_dir

NBSP = "\u00a0"


def _grid(count: int, columns: int = 8, crs="EPSG:2154", size: float = 1000.0,
          west: float = 400_000.0, south: float = 6_700_000.0) -> gpd.GeoDataFrame:
    """``count`` square districts named « Quartier 1 »… on a grid."""
    cells = [box(west + (i % columns) * size, south + (i // columns) * size,
                 west + (i % columns + 1) * size, south + (i // columns + 1) * size)
             for i in range(count)]
    return gpd.GeoDataFrame({"district": [f"Quartier {i + 1}" for i in range(count)]},
                            geometry=cells, crs=crs)


def _png(html: str) -> Image.Image:
    data = html.split('src="data:image/png;base64,')[1].split('"')[0]
    return Image.open(io.BytesIO(base64.b64decode(data)))


def _alt(html: str) -> str:
    return html.split('alt="')[1].split('"')[0]


def _labels(fig) -> list[str]:
    return [text.get_text() for text in fig.axes[0].texts]


def _tick_labels(fig) -> list[str]:
    bar = fig.axes[1].xaxis
    return [bar.get_major_formatter()(tick, i) for i, tick in enumerate(bar.get_majorticklocs())]


def test_each_district_is_coloured_on_the_sequential_scale_and_labelled():
    geometry = _grid(4, columns=2)
    values = {"Quartier 1": 0.02, "Quartier 2": 0.05, "Quartier 3": 0.08, "Quartier 4": 0.11}
    fig = maps.draw_choropleth(geometry, values, kind="percent")
    colours = fig.axes[0].collections[0].get_facecolor()
    expected = colormaps["cividis_r"](Normalize(0.02, 0.11)(list(values.values())))
    assert np.allclose(colours, expected)
    assert maps.COLORMAP == "cividis_r"
    # Sequential: the more, the darker, step by step.
    luminance = [maps._luminance(tuple(c[:3])) for c in colours]
    assert luminance == sorted(luminance, reverse=True)
    assert sorted(_labels(fig)) == [f"Quartier {i}\n{v}{NBSP}%" for i, v in
                                    [(1, "2,0"), (2, "5,0"), (3, "8,0"), (4, "11,0")]]
    assert _tick_labels(fig)[:2] == [f"2{NBSP}%", f"4{NBSP}%"]
    assert not fig.axes[0].axison  # no coordinates, no ticks
    assert fig.axes[0].get_aspect() == 1.0  # projected CRS: metres both ways


def test_label_text_reads_on_its_fill():
    fig = maps.draw_choropleth(_grid(2), {"Quartier 1": 0, "Quartier 2": 100}, kind="number")
    colours = {t.get_text().split("\n")[0]: to_rgba(t.get_color()) for t in fig.axes[0].texts}
    # cividis_r: light yellow for the least (black text), dark blue for the most (white).
    assert colours == {"Quartier 1": to_rgba("black"), "Quartier 2": to_rgba("white")}


def test_choropleth_returns_a_png_with_the_alt_text_completed_and_no_network_resource():
    geometry = _grid(3, columns=3)
    html = maps.choropleth(geometry, {"Quartier 1": 12.4, "Quartier 2": 30, "Quartier 3": 7},
                           kind="euro", title="Euros par habitant", alt="Carte des quartiers.",
                           source="Ville de Saint-Aubin").data
    assert _png(html).format == "PNG"
    assert _alt(html) == (f"Carte des quartiers. Valeur la plus élevée : Quartier 2 "
                          f"(30{NBSP}€) ; la plus basse : Quartier 3 (7{NBSP}€).")
    assert "<strong>Euros par habitant</strong>" in html
    assert "Source : Ville de Saint-Aubin" in html
    assert "http" not in html and "<script" not in html


def test_a_missing_or_suppressed_value_is_hatched_grey_written_as_a_dash_and_said():
    geometry = _grid(4, columns=2)
    # Small-cell suppression leaves nullable integers with pd.NA.
    values = pd.Series([120, pd.NA, 80], dtype="Int64",
                       index=["Quartier 1", "Quartier 2", "Quartier 3"])
    fig = maps.draw_choropleth(geometry, values, kind="number")
    missing = fig.axes[0].collections[1]
    assert missing.get_hatch() == maps.MISSING_HATCH
    assert np.allclose(missing.get_facecolor(), to_rgba(maps.MISSING_COLOUR))
    assert sorted(_labels(fig)) == ["Quartier 1\n120", "Quartier 2\n–", "Quartier 3\n80",
                                    "Quartier 4\n–"]
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == [
        "Donnée manquante ou masquée (–)"]
    html = maps.choropleth(geometry, values, kind="number", title="t", alt="Carte.",
                           source="s").data
    assert _alt(html).endswith("Sans valeur (donnée manquante ou masquée) : Quartier 2, "
                               "Quartier 4.")


def test_forty_districts_are_labelled_with_their_values_only():
    geometry = _grid(40)
    values = {f"Quartier {i + 1}": 1000 * i for i in range(40)}
    fig = maps.draw_choropleth(geometry, values, kind="number")
    # No names: the table beside gives them. Thousands take a narrow no-break space.
    assert sorted(_labels(fig)) == sorted(["0"] + [f"{i}\u202f000" for i in range(1, 40)])
    assert len(fig.axes[0].collections[0].get_paths()) == 40
    html = maps.choropleth(geometry, values, kind="number", title="t", alt="Carte.",
                           source="s").data
    assert _png(html).size[0] > 500
    assert "Quartier 40 (39\u202f000)" in _alt(html) and "Quartier 1 (0)" in _alt(html)


def test_one_district_or_equal_values_draw_without_a_colour_bar():
    fig = maps.draw_choropleth(_grid(1), {"Quartier 1": 0.05}, kind="percent")
    assert len(fig.axes) == 1 and _labels(fig) == [f"Quartier 1\n5,0{NBSP}%"]
    html = maps.choropleth(_grid(1), {"Quartier 1": 0.05}, kind="percent", title="t",
                           alt="Carte.", source="s").data
    assert _alt(html) == f"Carte. Quartier 1 : 5,0{NBSP}%."
    equal = {f"Quartier {i + 1}": 0.05 for i in range(5)}
    fig = maps.draw_choropleth(_grid(5), equal, kind="percent")
    assert len(fig.axes) == 1
    assert len({tuple(c) for c in fig.axes[0].collections[0].get_facecolor()}) == 1
    html = maps.choropleth(_grid(5), equal, kind="percent", title="t", alt="Carte.",
                           source="s").data
    assert _alt(html) == f"Carte. Même valeur partout : 5,0{NBSP}%."


def test_no_value_at_all_still_draws_the_districts():
    fig = maps.draw_choropleth(_grid(3), {}, kind="euro")
    assert len(fig.axes) == 1 and _labels(fig) == ["Quartier 1\n–", "Quartier 2\n–",
                                                   "Quartier 3\n–"]


def test_colour_bar_ticks_have_the_decimals_a_narrow_range_needs():
    values = {"Quartier 1": 0.051, "Quartier 2": 0.054}
    fig = maps.draw_choropleth(_grid(2), values, kind="percent")
    ticks = _tick_labels(fig)
    assert len(set(ticks)) == len(ticks) > 1
    assert ticks == [f"5,1{NBSP}%", f"5,2{NBSP}%", f"5,3{NBSP}%", f"5,4{NBSP}%"]


def test_geographic_crs_is_drawn_with_the_aspect_of_its_latitude(tmp_path):
    geometry = read_geometry(studies_dir() / "demo-val-de-brenne/data/communes.geojson")
    values = dict(zip(geometry["district"], range(len(geometry)), strict=True))
    fig = maps.draw_choropleth(geometry, values, kind="number")
    latitude = geometry.total_bounds[[1, 3]].mean()
    assert fig.axes[0].get_aspect() == pytest.approx(1 / math.cos(math.radians(latitude)))
    assert sorted(_labels(fig))[0] == "Azay-le-Rond\n9"


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg"])
def test_maps_draw_from_either_file_format(tmp_path, suffix):
    path = tmp_path / f"quartiers{suffix}"
    _grid(6, columns=3).rename(columns={"district": "nom"}).to_file(path)
    geometry = read_geometry(path)
    html = maps.choropleth(geometry, {"Quartier 1": 0.3, "Quartier 6": 0.6}, kind="percent",
                           title="Taux", alt="Carte.", source="s").data
    assert _png(html).format == "PNG"
    assert "Quartier 6 (60,0" in _alt(html)


def test_english_reports_write_numbers_and_added_text_in_english():
    html = maps.choropleth(_grid(2), {"Quartier 1": 0.25, "Quartier 2": None}, kind="percent",
                           title="Turnout", alt="Map.", source="s", language="en").data
    assert _alt(html) == ("Map. Quartier 1: 25.0%. No value (missing or suppressed): "
                          "Quartier 2.")


def test_values_of_districts_the_geometry_does_not_have_are_refused():
    with pytest.raises(InputError, match="not districts of the geometry: 'Nord', 'Sud'; match "
                                         "the names first"):
        maps.draw_choropleth(_grid(2), {"Nord": 1, "Quartier 1": 2, "Sud": 3}, kind="number")
    with pytest.raises(InputError, match="the values to map must be numbers"):
        maps.draw_choropleth(_grid(2), {"Quartier 1": "beaucoup"}, kind="number")
    with pytest.raises(ValueError, match="kind must be one of"):
        maps.draw_choropleth(_grid(2), {}, kind="date")


def test_the_table_beside_lists_every_district_highest_first():
    values = pd.Series({"Quartier 2": 0.4, "Quartier 3": 0.9, "Quartier 1": pd.NA})
    table = maps.map_table(_grid(4), values, name="participation_rate")
    assert table["district"].tolist() == ["Quartier 3", "Quartier 2", "Quartier 1",
                                          "Quartier 4"]
    assert table["participation_rate"].tolist()[:2] == [0.9, 0.4]
    assert table["participation_rate"].isna().tolist() == [False, False, True, True]
