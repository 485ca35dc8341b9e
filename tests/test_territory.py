"""District geometry (catalogue format ``geometry``) and the matching of district names."""

import json
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Polygon, box

from civeval.cli import main
from civeval.errors import CatalogError
from civeval.territory import district_key, match_districts, read_geometry
from civeval.workbench import formats, tables
from civeval.workbench.paths import studies_dir
from conftest import MINIMAL_STUDY, write_study

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts" / "demo"))
import recipe as demo  # noqa: E402

DEMO_GEOMETRIES = {
    "demo-saint-aubin": ("quartiers.geojson", "population_quartiers.csv", "votants.csv"),
    "demo-villeneuve-ardre": ("quartiers.geojson", "population_quartiers.csv", "membres.csv"),
    "demo-val-de-brenne": ("communes.geojson", "population_communes.csv", None),
}


def _square(x: float, y: float = 0.0) -> dict:
    return {"type": "Polygon",
            "coordinates": [[[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]]]}


def _geojson(path: Path, features: list[tuple[dict, dict | None]]) -> Path:
    """A FeatureCollection of (properties, geometry) pairs written to ``path``."""
    collection = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": properties, "geometry": geometry}
        for properties, geometry in features]}
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    return path


def _three_districts(path: Path, **extra) -> Path:
    names = ["Centre-Bourg", "Les Rivières", "Le Val d'Aubin"]
    return _geojson(path, [({"NOM_QUARTIER": name, "Code": f"0{i + 1}", **extra}, _square(i))
                           for i, name in enumerate(names)])


# --- reading ---------------------------------------------------------------------------


def test_geojson_name_and_code_properties_are_found_whatever_their_case(tmp_path):
    districts = read_geometry(_three_districts(tmp_path / "q.geojson", commune="Saint-Aubin"))
    # nom_quartier wins over commune: a quartiers file also names its commune.
    assert districts["district"].tolist() == ["Centre-Bourg", "Les Rivières", "Le Val d'Aubin"]
    assert districts["code"].tolist() == ["01", "02", "03"]
    assert list(districts.columns) == ["district", "code", "geometry"]
    assert districts.crs.to_epsg() == 4326
    assert districts.geometry.bounds["minx"].tolist() == [0.0, 1.0, 2.0]


@pytest.mark.parametrize("prop", ["Libellé", "LIBELLE", "nom", "Name", "l_qu", "nom_commune"])
def test_usual_french_name_properties_are_recognised(tmp_path, prop):
    path = _geojson(tmp_path / "d.geojson", [({prop: "Nord", "surface": 3}, _square(0))])
    assert read_geometry(path)["district"].tolist() == ["Nord"]


def test_a_code_alone_serves_as_the_name_and_integer_codes_become_text(tmp_path):
    path = _geojson(tmp_path / "ar.geojson", [({"c_ar": 1}, _square(0)),
                                              ({"c_ar": 12}, _square(1))])
    districts = read_geometry(path)
    assert districts["district"].tolist() == ["1", "12"]
    assert districts["code"].tolist() == ["1", "12"]


def test_options_name_and_code_choose_the_properties(tmp_path):
    path = _geojson(tmp_path / "d.geojson", [({"NOM": "x", "LIB_SECTEUR": "Nord",
                                               "ID_SECT": "S1"}, _square(0))])
    districts = read_geometry(path, name="lib_secteur", code="ID_SECT")
    assert districts[["district", "code"]].values.tolist() == [["Nord", "S1"]]
    with pytest.raises(CatalogError) as caught:
        read_geometry(path, name="secteur")
    assert str(caught.value) == (f"{path}: no property 'secteur' (option name); properties: "
                                 "'NOM', 'LIB_SECTEUR', 'ID_SECT'")


def test_geopackage_is_read_the_same_way_and_its_crs_is_kept(tmp_path):
    frame = gpd.GeoDataFrame({"libelle": ["Nord", "Sud"], "code_insee": ["01001", "01002"]},
                             geometry=[box(0, 1000, 1000, 2000), box(0, 0, 1000, 1000)],
                             crs="EPSG:2154")
    path = tmp_path / "communes.gpkg"
    frame.to_file(path, layer="communes")
    districts = read_geometry(path)
    assert districts["district"].tolist() == ["Nord", "Sud"]
    assert districts["code"].tolist() == ["01001", "01002"]
    assert districts.crs.to_epsg() == 2154
    assert districts.geometry.area.tolist() == [1e6, 1e6]


def test_a_geopackage_of_several_layers_needs_the_option_layer(tmp_path):
    path = tmp_path / "decoupages.gpkg"
    gpd.GeoDataFrame({"nom": ["A"]}, geometry=[box(0, 0, 1, 1)], crs=2154).to_file(
        path, layer="quartiers")
    gpd.GeoDataFrame({"nom": ["B", "C"]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)],
                     crs=2154).to_file(path, layer="iris")
    with pytest.raises(CatalogError, match="holds 2 layers \\(quartiers, iris\\); name the "
                                           "districts' one with the option layer"):
        read_geometry(path)
    assert read_geometry(path, layer="iris")["district"].tolist() == ["B", "C"]


def test_the_catalogue_reads_geometry_by_suffix_and_by_format_name(tmp_path):
    path = _three_districts(tmp_path / "quartiers.geojson")
    assert formats.format_for(path) == "geometry"
    assert formats.format_for(tmp_path / "q.gpkg") == "geometry"
    assert formats.FORMATS["geometry"].options == {"name", "code", "layer"}
    read = formats.read(path, "geometry", name="Code")
    assert read["district"].tolist() == ["01", "02", "03"]


# --- bad geometry files -----------------------------------------------------------------


def test_a_geojson_that_does_not_parse_is_located(tmp_path):
    path = tmp_path / "q.geojson"
    path.write_text('{"type": "FeatureCollection",\n "features": [\n  {"type": "Feature",}]}')
    with pytest.raises(CatalogError) as caught:
        read_geometry(path)
    error = caught.value
    assert (error.file, error.row, error.column) == (path, 3, 22)
    assert str(error) == f"{path}, line 3, column 22: not valid GeoJSON: Expecting property " \
                         "name enclosed in double quotes"


def test_json_that_is_not_geojson_says_so(tmp_path):
    path = tmp_path / "q.geojson"
    path.write_text('[{"nom": "Nord"}]')
    with pytest.raises(CatalogError, match='JSON but not GeoJSON: expected an object whose '
                                           '"type" is "FeatureCollection"'):
        read_geometry(path)


def test_a_geopackage_that_does_not_parse_reports_what_the_reader_said(tmp_path):
    path = tmp_path / "q.gpkg"
    path.write_bytes(b"SQLite format 3\x00 but truncated")
    with pytest.raises(CatalogError) as caught:
        read_geometry(path)
    assert str(caught.value).startswith(f"{path}: cannot be read as a district geometry: ")
    assert "not recognized as being in a supported file format" in str(caught.value)


def test_a_file_without_name_or_code_lists_its_properties(tmp_path):
    path = _geojson(tmp_path / "q.geojson", [({"id": 1, "surface": 2.5}, _square(0))])
    with pytest.raises(CatalogError) as caught:
        read_geometry(path)
    assert str(caught.value) == (
        f"{path}: no property gives the districts' name or code (properties: 'id', "
        "'surface'); name the property with the option name (or code) of the catalogue entry")


def test_an_empty_file_is_refused(tmp_path):
    path = _geojson(tmp_path / "q.geojson", [])
    with pytest.raises(CatalogError, match="the file holds no district \\(no feature\\)"):
        read_geometry(path)


def test_a_district_named_twice_is_refused_even_spelt_differently(tmp_path):
    path = _geojson(tmp_path / "q.geojson", [({"nom": "Centre"}, _square(0)),
                                             ({"nom": "Nord"}, _square(1)),
                                             ({"nom": "CENTRE"}, _square(2))])
    with pytest.raises(CatalogError) as caught:
        read_geometry(path)
    assert str(caught.value) == (
        f"{path}: features 1, 3 name the same district ('Centre', 'CENTRE'): one feature "
        "per district (merge its parts into one multipolygon)")


def test_a_code_given_twice_is_refused(tmp_path):
    path = _geojson(tmp_path / "q.geojson", [({"nom": "A", "code": "07"}, _square(0)),
                                             ({"nom": "B", "code": "7"}, _square(1))])
    with pytest.raises(CatalogError, match="features 1, 2 have the same 'code' \\('A', "
                                           "'B'\\): each district needs its own code"):
        read_geometry(path)


def test_a_feature_without_a_name_is_located(tmp_path):
    path = _geojson(tmp_path / "q.geojson", [({"nom": "A"}, _square(0)),
                                             ({"nom": None}, _square(1))])
    with pytest.raises(CatalogError) as caught:
        read_geometry(path)
    assert str(caught.value) == (f"{path}, column 'nom': feature 2 has no 'nom': every "
                                 "district needs one")


@pytest.mark.parametrize("geometry, message", [
    (None, "the district 'Sud' has an empty geometry"),
    ({"type": "Polygon", "coordinates": []}, "the district 'Sud' has an empty geometry"),
    ({"type": "Point", "coordinates": [0, 0]}, "the district 'Sud' is a Point, not a polygon"),
    # A bow tie: its edges cross.
    ({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
     "the district 'Sud' has an invalid geometry: Self-intersection[0.5 0.5]"),
])
def test_empty_invalid_or_non_polygon_geometries_are_named(tmp_path, geometry, message):
    path = _geojson(tmp_path / "q.geojson", [({"nom": "Nord"}, _square(5)),
                                             ({"nom": "Sud"}, geometry)])
    with pytest.raises(CatalogError) as caught:
        read_geometry(path)
    assert str(caught.value) == f"{path}: {message}"


# --- matching ---------------------------------------------------------------------------

GEOMETRY = pd.DataFrame({
    "district": ["Centre-Bourg", "Les Rivières", "Le Val d'Aubin", "Saint-Cyprien",
                 "Quartier de la Gare"],
    "code": ["01", "02", "03", "6", "07"]})


def test_district_key_ignores_case_accents_apostrophes_hyphens_and_spacing():
    assert district_key("Le Val d’Aubin") == district_key("LE  VAL-D'AUBIN") == "le val d aubin"
    assert district_key("Gare–Écluse / Nord") == "gare ecluse nord"
    assert district_key("Ste-Anne") == district_key("Sainte Anne")


def test_names_match_without_case_accents_hyphens_article_or_quartier_word():
    values = pd.Series(["CENTRE BOURG", "rivieres", "Quartier du Val d’Aubin", "St Cyprien",
                        "la gare", "Gare"])
    assert match_districts(values, GEOMETRY) == {
        "CENTRE BOURG": "Centre-Bourg", "rivieres": "Les Rivières",
        "Quartier du Val d’Aubin": "Le Val d'Aubin", "St Cyprien": "Saint-Cyprien",
        "la gare": "Quartier de la Gare", "Gare": "Quartier de la Gare"}


def test_codes_match_first_leading_zeros_aside_and_code_dash_name_is_understood():
    values = pd.Series([1, "02", "3", 7.0, "6 - Saint-Cyprien", "99 - Les Rivières"])
    assert match_districts(values, GEOMETRY) == {
        1: "Centre-Bourg", "02": "Les Rivières", "3": "Le Val d'Aubin",
        7.0: "Quartier de la Gare", "6 - Saint-Cyprien": "Saint-Cyprien",
        # An unknown code before a known name: the name decides.
        "99 - Les Rivières": "Les Rivières"}


def test_missing_values_are_skipped_and_a_population_table_serves_as_reference():
    population = pd.DataFrame({"quartier": ["Nord", "Sud"], "population": [100, 200]})
    votes = pd.Series(["nord", None, "SUD", float("nan")], name="quartier")
    assert match_districts(votes, population) == {"nord": "Nord", "SUD": "Sud"}
    assert match_districts(["Nord"], ["Nord", "Sud"]) == {"Nord": "Nord"}


def test_a_stripped_name_shared_by_two_districts_matches_neither():
    reference = ["Les Rivières", "Rivières"]
    assert match_districts(["rivieres"], reference) == {"rivieres": "Rivières"}
    with pytest.raises(CatalogError, match="'Quartier des Rivières'"):
        match_districts(["Quartier des Rivières"], reference)


def test_unmatched_districts_are_all_listed_with_their_closest_name_and_first_line():
    votes = pd.Series(["Centre-Bourg", "Rivieres Nord", "Centre-Bourg", "Zone artisanale",
                       "Val d'Aubn"], name="quartier")
    with pytest.raises(CatalogError) as caught:
        match_districts(votes, GEOMETRY, file="data/votants.csv",
                        reference_file="data/quartiers.geojson")
    error = caught.value
    assert (str(error.file), error.row, error.column) == ("data/votants.csv", 3, "quartier")
    assert str(error) == (
        "data/votants.csv, line 3, column 'quartier': 3 districts of data/votants.csv (column "
        "'quartier') are not in data/quartiers.geojson: 'Rivieres Nord' (closest: 'Les "
        "Rivières'), 'Zone artisanale', \"Val d'Aubn\" (closest: \"Le Val d'Aubin\"); names are "
        "compared without case, accents, hyphens or a leading article: correct the spelling, "
        "or use codes")


def test_complete_matching_lists_the_reference_districts_left_without_a_match_too():
    population = pd.Series(["Centre-Bourg", "Les Rivieres", "Val d'Aubin", "Saint-Cyprien",
                            "Gare", "Port"], name="quartier")
    with pytest.raises(CatalogError) as caught:
        match_districts(population, GEOMETRY.iloc[:4], file="population.csv",
                        reference_file="quartiers.geojson", complete=True)
    assert str(caught.value) == (
        "population.csv, line 6, column 'quartier': 2 districts of population.csv (column "
        "'quartier') are not in quartiers.geojson: 'Gare', 'Port'; names are compared "
        "without case, accents, hyphens or a leading article: correct the spelling, or use "
        "codes")
    with pytest.raises(CatalogError) as caught:
        match_districts(population.iloc[:3], GEOMETRY, file="population.csv",
                        reference_file="quartiers.geojson", complete=True)
    assert str(caught.value) == (
        "population.csv: 2 districts of quartiers.geojson have no match in population.csv "
        "(column 'quartier'): 'Saint-Cyprien', 'Quartier de la Gare'; names are compared "
        "without case, accents, hyphens or a leading article: correct the spelling, or use "
        "codes")


def test_both_sides_are_listed_and_values_not_from_a_file_have_no_line():
    with pytest.raises(CatalogError) as caught:
        match_districts(["Capitole", "Saint Cyprien"], ["Capitole / Carmes", "Saint-Cyprien"],
                        first_line=None, complete=True)
    error = caught.value
    assert (error.file, error.row, error.column) == (None, None, None)
    assert str(error) == (
        "1 district of the data is not in the reference: 'Capitole' (closest: 'Capitole / "
        "Carmes'); 1 district of the reference has no match in the data: 'Capitole / Carmes' "
        "(closest: 'Capitole'); names are compared without case, accents, hyphens or a "
        "leading article: correct the spelling, or use codes")


# --- the demo geometry ------------------------------------------------------------------


@pytest.mark.parametrize("slug", DEMO_GEOMETRIES)
def test_demo_geometry_matches_its_population_table_and_data_exactly(slug):
    geometry_file, population_file, data_file = DEMO_GEOMETRIES[slug]
    data = studies_dir() / slug / "data"
    geometry = read_geometry(data / geometry_file)
    population = tables.read_csv(data / population_file)
    names = population.iloc[:, 0]
    mapping = match_districts(names, geometry, file=population_file,
                              reference_file=geometry_file, complete=True)
    assert mapping == {name: name for name in names}  # spelt the same, no guessing needed
    if data_file:
        districts = tables.read_csv(data / data_file)["quartier"]
        assert set(match_districts(districts, geometry).values()) == set(names)


@pytest.mark.parametrize("slug", DEMO_GEOMETRIES)
def test_demo_districts_tile_their_territory_in_a_small_stable_file(slug):
    path = studies_dir() / slug / "data" / DEMO_GEOMETRIES[slug][0]
    geometry = read_geometry(path).to_crs(2154)  # metres, Lambert-93
    assert geometry.geometry.is_valid.all()
    union = geometry.union_all()
    assert union.geom_type == "Polygon"  # one piece: neighbours touch
    assert union.area == pytest.approx(geometry.area.sum(), rel=1e-9)  # and never overlap
    assert 500 < path.stat().st_size < 8000
    coordinates = [c for f in json.loads(path.read_text("utf-8"))["features"]
                   for c in f["geometry"]["coordinates"][0]]
    assert all(round(x, 5) == x and round(y, 5) == y for x, y in coordinates)
    assert all(-5 < x < 3 and 43 < y < 49 for x, y in coordinates)  # western France


def test_district_polygons_recipe_is_deterministic_and_counter_clockwise():
    made = demo.district_polygons(["A", "B", "C", "D", "E", "F"], west=0, south=45,
                                  width=0.06, height=0.04, columns=3, seed=1)
    assert made == demo.district_polygons(["A", "B", "C", "D", "E", "F"], west=0, south=45,
                                          width=0.06, height=0.04, columns=3, seed=1)
    rings = [Polygon(f["geometry"]["coordinates"][0]) for f in json.loads(made)["features"]]
    assert all(ring.exterior.is_ccw for ring in rings)
    assert sum(ring.area for ring in rings) == pytest.approx(
        gpd.GeoSeries(rings).union_all().area)


# --- through the catalogue ---------------------------------------------------------------


@pytest.mark.parametrize("content, fragment", [
    ('{"type": "FeatureCollection", "features": [}',
     "line 1, column 44: not valid GeoJSON: Expecting value"),
    (json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": 1}, "geometry": _square(0)}]}),
     "no property gives the districts' name or code (properties: 'id')"),
])
def test_validate_stops_on_a_bad_geometry_with_its_file_and_exit_2(project, capsys, content,
                                                                   fragment):
    write_study(project, "carte", MINIMAL_STUDY + "data:\n  quartiers: {file: data/q.geojson}\n",
                files={"data/q.geojson": content})
    assert main(["validate", "carte"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("civeval: error: ") and "Traceback" not in error
    assert "studies/carte/data/q.geojson" in error and fragment in error
