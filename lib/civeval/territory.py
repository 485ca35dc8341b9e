"""District geometry, and the names that tie a study's tables to it.

A study's districts (quartiers, communes of an intercommunalité, arrondissements) appear in
several files, each written its own way: the population table says « Le Val d'Aubin », the
vote export « VAL D AUBIN », the open-data geometry « Quartier du Val-d’Aubin » or a code.

- :func:`read_geometry` is the catalogue format ``geometry``: a GeoJSON or GeoPackage of
  district polygons, read with geopandas, whose name and code properties are recognised
  among the usual French ones (or named by the options ``name`` and ``code``);
- :func:`match_districts` maps the districts of one table to those of another (the
  geometry, or the population table) by code, else by name, and names every district that
  does not match, on each side, with the closest candidate;
- :func:`district_key` is the form in which names are compared.

Nothing here draws: the maps are :mod:`civeval.presentation.maps`.
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from civeval.errors import CatalogError

__all__ = ["district_key", "match_districts", "read_geometry"]

# Properties that hold a district's name or code in French open data, most specific first:
# a quartiers file may also carry the name or code of its commune or arrondissement.
NAME_PROPERTIES = ("nom_quartier", "quartier", "l_qu", "lib_quartier", "libelle_quartier",
                   "nom", "name", "libelle", "lib", "nom_iris", "l_ar", "l_aroff",
                   "nom_commune", "nom_com", "commune", "libgeo")
CODE_PROPERTIES = ("code_quartier", "num_quartier", "c_qu", "c_quinsee", "code", "code_iris",
                   "iris", "c_ar", "c_arinsee", "code_insee", "insee", "insee_com",
                   "code_commune", "codgeo")
POLYGONS = ("Polygon", "MultiPolygon")
JSON_SUFFIXES = (".geojson", ".json")
GEOJSON_TYPES = ("FeatureCollection", "Feature")
# « Quartier du Centre », « Les Rivières », « L'Ouest »: words that may lead a name in one
# file and not in another.
_LEADING_WORDS = re.compile(r"^(?:quartier (?:(?:de la|de l|du|des|de|d) )?)?"
                            r"(?:(?:le|la|les|l) )?")
_ABBREVIATIONS = {"st": "saint", "ste": "sainte"}
# « 6 - Saint-Cyprien »: a code, a dash, a name (Pabulib's district files are named so).
_CODE_THEN_NAME = re.compile(r"^\s*(\d[\w.]*)\s*[-–—:]\s*(.+)$")


def district_key(name) -> str:
    """The form in which district names are compared.

    Case, accents, apostrophe styles, hyphens, slashes and runs of spaces are ignored, and
    « St » / « Ste » are read as « Saint » / « Sainte ».

    Examples
    --------
    >>> district_key("Le Val d’Aubin") == district_key("LE VAL-D'AUBIN")
    True
    >>> district_key("St-Cyprien")
    'saint cyprien'
    """
    text = unicodedata.normalize("NFKD", str(name))
    text = "".join(char for char in text if not unicodedata.combining(char)).casefold()
    words = re.findall(r"[^\W_]+", text)
    return " ".join(_ABBREVIATIONS.get(word, word) for word in words)


def _loose_key(name) -> str:
    """:func:`district_key` without a leading « quartier (du…) » or article."""
    key = district_key(name)
    return _LEADING_WORDS.sub("", key) or key


def _code_key(code) -> str | None:
    """A code as compared: text, no case, leading zeros of numbers dropped (``07`` = 7)."""
    if code is None or (not isinstance(code, str) and pd.isna(code)):
        return None
    if isinstance(code, float) and code.is_integer():
        code = int(code)
    text = str(code).strip().casefold()
    return (text.lstrip("0") or "0") if text.isdigit() else text or None


def _property_key(column: str) -> str:
    return "_".join(district_key(column).split())


# --- reading ---------------------------------------------------------------------------


def read_geometry(path, name: str | None = None, code: str | None = None,
                  layer: str | None = None) -> gpd.GeoDataFrame:
    """Read the district polygons of a GeoJSON or GeoPackage file (catalogue format
    ``geometry``).

    Parameters
    ----------
    path : path
        A ``.geojson`` (or ``.json``) or ``.gpkg`` file, one feature per district.
    name : str, optional
        The property holding each district's name. By default the first found among
        :data:`NAME_PROPERTIES` (``nom``, ``quartier``, ``libellé``, ``l_qu``,
        ``commune``…), compared without case or accents.
    code : str, optional
        The property holding each district's code, likewise among :data:`CODE_PROPERTIES`
        (``code``, ``code_insee``, ``c_qu``, ``c_ar``…). A file needs a name or a code; with
        a code only, the code is the name.
    layer : str, optional
        The layer of a GeoPackage holding several.

    Returns
    -------
    GeoDataFrame
        One row per district, in the file's order: ``district`` (text), ``code`` (text,
        when the file has one) and ``geometry`` (polygons), in the file's CRS.

    Raises
    ------
    CatalogError
        Naming the file: it does not parse (with the parser's words, and the line and
        column of a JSON syntax error), has no feature, no name or code property (its
        properties are listed), several layers and no ``layer``, or a district whose name
        is missing or appears twice, or whose geometry is empty, invalid or not a polygon.

    Examples
    --------
    >>> from civeval.workbench.paths import studies_dir
    >>> districts = read_geometry(studies_dir() / "demo-saint-aubin/data/quartiers.geojson")
    >>> districts["district"].tolist()
    ['Centre-Bourg', 'Les Rivières', 'La Croix-Verte', "Le Val d'Aubin"]
    >>> districts.crs.to_string()
    'EPSG:4326'
    """
    path = Path(path)
    if path.suffix.lower() in JSON_SUFFIXES:
        _check_json(path)
    frame = _read_features(path, layer)
    if frame.empty:
        raise CatalogError("the file holds no district (no feature)", file=path)
    properties = [column for column in frame.columns if column != frame.geometry.name]
    name = _property(path, properties, name, NAME_PROPERTIES, "name")
    code = _property(path, properties, code, CODE_PROPERTIES, "code")
    if name is None and code is None:
        shown = ", ".join(repr(p) for p in properties) or "none"
        raise CatalogError(
            f"no property gives the districts' name or code (properties: {shown}); name "
            "the property with the option name (or code) of the catalogue entry",
            file=path)
    codes = frame[code].map(_code_text) if code else None
    names = frame[name].map(_name_text) if name else codes
    _check_present(path, names, name or code)
    districts = gpd.GeoDataFrame({"district": names.to_numpy()}, geometry=frame.geometry.values,
                                 crs=frame.crs)
    if codes is not None:
        districts.insert(1, "code", codes.to_numpy())
    _check_unique(path, districts["district"].map(district_key), districts["district"],
                  "name the same district", "one feature per district (merge its parts into "
                  "one multipolygon)")
    if name and code:
        _check_unique(path, districts["code"].map(_code_key), districts["district"],
                      f"have the same {code!r}", "each district needs its own code")
    _check_polygons(path, districts)
    return districts


def _check_json(path: Path) -> None:
    """Locate a GeoJSON syntax error by line and column, which GDAL's message may not."""
    data = path.read_bytes()
    try:
        parsed = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise CatalogError("GeoJSON must be UTF-8; this byte does not decode",
                           file=path, row=data[: error.start].count(b"\n") + 1) from None
    except json.JSONDecodeError as error:
        raise CatalogError(f"not valid GeoJSON: {error.msg}", file=path, row=error.lineno,
                           column=error.colno) from None
    if not isinstance(parsed, dict) or parsed.get("type") not in GEOJSON_TYPES:
        raise CatalogError('JSON but not GeoJSON: expected an object whose "type" is '
                           '"FeatureCollection"', file=path)


def _read_features(path: Path, layer: str | None) -> gpd.GeoDataFrame:
    try:
        if layer is None:
            layers = pyogrio.list_layers(path)[:, 0].tolist()
            if len(layers) > 1:
                raise CatalogError(
                    f"the file holds {len(layers)} layers ({', '.join(layers)}); name the "
                    "districts' one with the option layer of the catalogue entry", file=path)
        return gpd.read_file(path, layer=layer)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError,
            pyogrio.errors.FieldError, pyogrio.errors.GeometryError,
            pyogrio.errors.FeatureError, pyogrio.errors.CRSError) as error:
        raise CatalogError(f"cannot be read as a district geometry: {error}",
                           file=path) from None


def _property(path: Path, properties: list[str], given: str | None,
              usual: Sequence[str], role: str) -> str | None:
    """The property holding the districts' ``role`` (name or code): ``given``, or the first
    of ``usual`` the file has; None when neither."""
    by_key = {}
    for prop in properties:
        by_key.setdefault(_property_key(prop), prop)
    if given is not None:
        if given in properties:
            return given
        if _property_key(given) in by_key:
            return by_key[_property_key(given)]
        shown = ", ".join(repr(p) for p in properties) or "none"
        raise CatalogError(f"no property {given!r} (option {role}); properties: {shown}",
                           file=path)
    return next((by_key[key] for key in usual if key in by_key), None)


def _code_text(value) -> str | None:
    if value is None or pd.isna(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip() or None


def _name_text(value) -> str | None:
    if value is None or pd.isna(value):
        return None
    return " ".join(str(value).split()) or None


def _check_present(path: Path, names: pd.Series, prop: str) -> None:
    missing = names.isna().to_numpy().nonzero()[0]
    if len(missing):
        raise CatalogError(f"feature {missing[0] + 1} has no {prop!r}: every district needs "
                           "one", file=path, column=prop)


def _check_unique(path: Path, keys: pd.Series, names: pd.Series, problem: str,
                  remedy: str) -> None:
    """Raise when two features share a key: ``features 1, 3 <problem> (names): <remedy>``."""
    repeated = keys[keys.duplicated(keep=False) & keys.notna()]
    if len(repeated):
        same = (keys == repeated.iloc[0]).to_numpy()
        features = ", ".join(str(i + 1) for i in same.nonzero()[0])
        shown = ", ".join(repr(n) for n in names[same])
        raise CatalogError(f"features {features} {problem} ({shown}): {remedy}", file=path)


def _check_polygons(path: Path, districts: gpd.GeoDataFrame) -> None:
    for district, shape in zip(districts["district"], districts.geometry, strict=True):
        if shape is None or shape.is_empty:
            raise CatalogError(f"the district {district!r} has an empty geometry", file=path)
        if shape.geom_type not in POLYGONS:
            raise CatalogError(f"the district {district!r} is a {shape.geom_type}, not a "
                               "polygon", file=path)
        if not shape.is_valid:
            raise CatalogError(f"the district {district!r} has an invalid geometry: "
                               f"{shapely.is_valid_reason(shape)}", file=path)


# --- matching --------------------------------------------------------------------------


def match_districts(values, reference, *, file=None, reference_file=None,
                    first_line: int | None = 2, complete: bool = False) -> dict:
    """Map the districts of one table to those of a reference, or say which do not match.

    Each value is looked up among the reference's codes, then among its names compared
    with :func:`district_key`, then among its names without a leading « quartier (du…) »
    or article when that designates one district only; a value written « 6 -
    Saint-Cyprien » (code, dash, name) is also tried as its code, then its name.

    Parameters
    ----------
    values : Series or sequence
        The districts of the table to match: a column (``people["quartier"]``; its name is
        the column reported), or names (the districts of several vote files). Missing
        values are skipped.
    reference : DataFrame or sequence
        The districts to match to: a geometry from :func:`read_geometry` (names in
        ``district``, codes in ``code``), a population table (names in its first column,
        or in ``district``; codes in ``code`` when it has one), or names.
    file, reference_file : path, optional
        The files the two sides come from, named in the error.
    first_line : int or None
        The line of the file holding the first value (2: under a header), so that the
        first unmatched value is located; None when values are not lines of a file.
    complete : bool
        Whether every district of the reference must be matched too (a population table
        against its geometry), rather than only every value.

    Returns
    -------
    dict
        Each distinct value (as given) → the reference's district name, to join on:
        ``people["quartier"].map(mapping)``.

    Raises
    ------
    CatalogError
        Listing every value that matches no district and, with ``complete``, every
        district no value matched, each with the closest name of the other side when one
        is close; located at ``file``, the line and column of the first unmatched value.

    Examples
    --------
    >>> geometry = pd.DataFrame({"district": ["Centre-Bourg", "Les Rivières"],
    ...                          "code": ["01", "02"]})
    >>> match_districts(pd.Series(["centre bourg", "Rivieres", "2"]), geometry)
    {'centre bourg': 'Centre-Bourg', 'Rivieres': 'Les Rivières', '2': 'Les Rivières'}
    >>> votes = pd.Series(["Les Rivières", "Centre"], name="quartier")
    >>> try:
    ...     match_districts(votes, geometry, file="votes.csv", reference_file="quartiers.gpkg")
    ... except CatalogError as error:
    ...     print(error)  # doctest: +NORMALIZE_WHITESPACE
    votes.csv, line 3, column 'quartier': 1 district of votes.csv (column 'quartier') is not
    in quartiers.gpkg: 'Centre' (closest: 'Centre-Bourg'); names are compared without case,
    accents, hyphens or a leading article: correct the spelling, or use codes
    """
    values = values if isinstance(values, pd.Series) else pd.Series(list(values))
    names, codes = _reference(reference)
    lookup = _Lookup(names, codes)
    mapping, unmatched = {}, []
    for value in pd.unique(values.dropna()):
        found = lookup.find(value)
        if found is None:
            unmatched.append(value)
        else:
            mapping[value] = found
    matched = set(mapping.values())
    unused = [n for n in names if n not in matched] if complete else []
    if unmatched or unused:
        raise _mismatch(values, unmatched, unused, names, mapping, file, reference_file,
                        first_line)
    return mapping


def _reference(reference) -> tuple[list[str], list[str | None]]:
    """The reference's district names, and their codes (None where there is none)."""
    if isinstance(reference, pd.DataFrame):
        column = "district" if "district" in reference.columns else reference.columns[0]
        names = reference[column].astype(str).tolist()
        codes = (reference["code"].tolist() if "code" in reference.columns
                 else [None] * len(names))
        return names, codes
    names = [str(name) for name in reference]
    return names, [None] * len(names)


class _Lookup:
    """The reference's districts by code, by name key and by loose name key."""

    def __init__(self, names: list[str], codes: list):
        self.by_code = {_code_key(c): n for n, c in zip(names, codes, strict=True)
                        if _code_key(c) is not None}
        self.by_key = {district_key(n): n for n in names}
        loose: dict[str, set[str]] = {}
        for n in names:
            loose.setdefault(_loose_key(n), set()).add(n)
        self.by_loose = {key: found.pop() for key, found in loose.items() if len(found) == 1}

    def find(self, value) -> str | None:
        found = self._find_code(value) or self._find_name(value)
        if found is None and (parts := _CODE_THEN_NAME.match(str(value))):
            found = self._find_code(parts[1]) or self._find_name(parts[2])
        return found

    def _find_code(self, value) -> str | None:
        return self.by_code.get(_code_key(value))

    def _find_name(self, value) -> str | None:
        return self.by_key.get(district_key(value)) or self.by_loose.get(_loose_key(value))


def _closest(name, candidates: Sequence[str]) -> str | None:
    keys = {district_key(c): c for c in candidates}
    close = difflib.get_close_matches(district_key(name), list(keys), n=1, cutoff=0.6)
    return keys[close[0]] if close else None


def _listed(names: Sequence, candidates: Sequence[str]) -> str:
    shown = []
    for name in names:
        closest = _closest(name, candidates)
        shown.append(f"{str(name)!r} (closest: {closest!r})" if closest else repr(str(name)))
    return ", ".join(shown)


def _mismatch(values: pd.Series, unmatched: list, unused: list[str], names: list[str],
              mapping: dict, file, reference_file, first_line: int | None) -> CatalogError:
    column = values.name if isinstance(values.name, str) else None
    here = str(file) if file is not None else "the data"
    if column:
        here += f" (column {column!r})"
    there = str(reference_file) if reference_file is not None else "the reference"
    parts = []
    if unmatched:
        taken = set(mapping.values())
        free = [n for n in names if n not in taken] or names
        count = len(unmatched)
        parts.append(f"{count} district{'s' if count > 1 else ''} of {here} "
                     f"{'are' if count > 1 else 'is'} not in {there}: "
                     f"{_listed(unmatched, free)}")
    if unused:
        count = len(unused)
        parts.append(f"{count} district{'s' if count > 1 else ''} of {there} "
                     f"{'have' if count > 1 else 'has'} no match in {here}: "
                     f"{_listed(unused, [str(v) for v in unmatched or mapping])}")
    message = ("; ".join(parts) + "; names are compared without case, accents, hyphens or a "
               "leading article: correct the spelling, or use codes")
    row = None
    if unmatched and first_line is not None:
        position = values.reset_index(drop=True).isin([unmatched[0]]).idxmax()
        row = int(position) + first_line
    return CatalogError(message, file=file, row=row, column=column if unmatched else None)
