"""Benchmarking (*parangonnage*): how a client's scheme compares with similar ones.

Two sources make the benchmark table, both in the same long format (one row per
collectivité, scheme type, year and indicator):

- the **reference table** shipped with the workbench, ``data/reference/participatory_budgets.csv``
  (:func:`load_reference`): published figures only, each with its source (listed in
  ``data/reference/README.md``), all ``public``;
- the **portfolio** (:func:`portfolio`): the key figures of every study the workbench has
  run (``reports/<slug>/indicators.json``), so that a consultancy's past clients become its
  benchmark. These rows are **not public**: another client's report may place them on a
  chart, never name them.

Then :func:`peer_group` keeps the collectivités running the same type of scheme in the
client's population band, :func:`compare` ranks the client among them (percentile rank and
z-score), :func:`anonymise` replaces every non-public peer's name by a letter, its kind and
its band ("Commune B, 20–50 000 hab.") and drops what could identify it, and
:func:`benchmark_chart` draws the dot plot. Every step works on whole columns, so a table
of all 35,000 communes is ranked and drawn in a few seconds.

Columns of the benchmark table
------------------------------
``name``, ``kind`` (``national``, ``commune``, ``EPCI``, ``département``, ``région``),
``population`` (INSEE, total), ``population_year``, ``scheme_type`` (the study vocabulary:
``budget participatif``…), ``year`` (of the figure), ``indicator`` (the key under which
studies record it, e.g. ``turnout_rate``: participants ÷ total population, a ratio),
``statistic`` (``value`` for one collectivité; ``median``, ``mean`` or ``count`` for a
national aggregate), ``value``, ``source``, ``note``, ``public``.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import yaml
from matplotlib.figure import Figure
from scipy import stats

from civeval.errors import CatalogError, InputError
from civeval.presentation import charts, fmt
from civeval.workbench import paths, tables

__all__ = [
    "BANDS",
    "COLUMNS",
    "anonymise",
    "band_label",
    "benchmark_chart",
    "compare",
    "load_reference",
    "peer_group",
    "portfolio",
]

COLUMNS = ("name", "kind", "population", "population_year", "scheme_type", "year",
           "indicator", "statistic", "value", "source", "note", "public")
KINDS = ("national", "commune", "EPCI", "département", "région")
STATISTICS = ("value", "median", "mean", "count")
BANDS = ((0, 20_000), (20_000, 50_000), (50_000, 100_000), (100_000, math.inf))
REFERENCE_FILE = Path("data") / "reference" / "participatory_budgets.csv"

# Key figures of the framing section: they describe the study, not the scheme's results.
_BOOKKEEPING = {"population", "schemes", "editions", "evaluation_questions", "datasets",
                "records"}
_NUMERIC_KINDS = {"number", "percent", "euro", "coefficient"}
_TRUE, _FALSE = {"true", "vrai", "oui", "yes", "1"}, {"false", "faux", "non", "no", "0"}

_WORDS = {
    "fr": {"inhabitants": "hab.", "under": "moins de {high} hab.",
           "over": "{low} hab. et plus", "kinds": {"commune": "Commune",
                                                   "EPCI": "Intercommunalité",
                                                   "département": "Département",
                                                   "région": "Région"},
           "other": "Collectivité", "median": "médiane", "mean": "moyenne",
           "count": "nombre", "value": "", "peers": "Collectivités comparables",
           "client": "{name} : {value}",
           "percentile": "{rank} % des collectivités comparables font moins ou autant"},
    "en": {"inhabitants": "inhabitants", "under": "under {high} inhabitants",
           "over": "{low} inhabitants and over", "kinds": {"commune": "Municipality",
                                                           "EPCI": "Intercommunality",
                                                           "département": "Département",
                                                           "région": "Région"},
           "other": "Local authority", "median": "median", "mean": "mean", "count": "count",
           "value": "", "peers": "Comparable local authorities",
           "client": "{name}: {value}",
           "percentile": "{rank} % of comparable authorities are at or below"},
}


def _words(language: str) -> dict:
    if language not in _WORDS:
        raise InputError(f"language must be one of {', '.join(_WORDS)}, not {language!r}")
    return _WORDS[language]


# --- the reference table -----------------------------------------------------------------

def _reference_path() -> Path:
    """The project's copy of the reference table, else the one in the source checkout."""
    return paths.reference_file(REFERENCE_FILE)


def _flags(values: pd.Series, path: Path, column: str) -> pd.Series:
    text = values.astype("string").str.strip().str.lower()
    flags = text.map(lambda v: True if v in _TRUE else False if v in _FALSE else None,
                     na_action="ignore")
    bad = flags.isna()
    if bad.any():
        position = int(np.flatnonzero(bad.to_numpy())[0])
        raise CatalogError(f"{values.iloc[position]!r} is not true or false", file=path,
                           row=position + 2, column=column)
    return flags.astype(bool)


def _closed(values: pd.Series, allowed: Sequence[str], path: Path, column: str) -> None:
    bad = ~values.isin(allowed)
    if bad.any():
        position = int(np.flatnonzero(bad.to_numpy())[0])
        raise CatalogError(f"{values.iloc[position]!r} is not one of {', '.join(allowed)}",
                           file=path, row=position + 2, column=column)


def load_reference(path=None) -> pd.DataFrame:
    """Read the reference table of published benchmark figures.

    Parameters
    ----------
    path : path, optional
        A CSV file in the format of ``data/reference/participatory_budgets.csv``
        (``,``-separated, ``.`` decimals, one line per row). Default: that file in the
        project, else in the workbench's source tree.

    Returns
    -------
    DataFrame
        The columns of :data:`COLUMNS` (see the module notes): ``population`` and ``year``
        as integers (missing for national aggregates), ``value`` as float, ``public`` as
        bool.

    Raises
    ------
    CatalogError
        A missing column, or a value out of its vocabulary (``kind``, ``statistic``,
        ``public``), not a number or empty where required, with its line and column.

    Examples
    --------
    >>> table = load_reference()
    >>> national = table[(table["kind"] == "national") & (table["indicator"] == "turnout_rate")]
    >>> print(national[["year", "statistic", "value"]].to_string(index=False))
     year statistic  value
     2018    median   0.04
     2018      mean   0.05
     2022      mean   0.08
    """
    path = Path(path) if path is not None else _reference_path()
    if not path.is_file():
        raise CatalogError("reference table not found", file=path)
    table = tables.read_csv(path, sep=",", decimal=".",
                             text_columns=["name", "kind", "scheme_type", "indicator",
                                           "statistic", "source", "note", "public"])
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise CatalogError(f"the reference table needs the column(s) {', '.join(missing)}",
                           file=path, row=1)
    for column in ("name", "indicator", "source"):
        empty = table[column].isna() | (table[column].astype("string").str.strip() == "")
        if empty.any():
            raise CatalogError(f"the {column} is empty", file=path,
                               row=int(np.flatnonzero(empty.to_numpy())[0]) + 2, column=column)
    _closed(table["kind"], KINDS, path, "kind")
    _closed(table["statistic"], STATISTICS, path, "statistic")
    for column in ("population", "population_year", "year", "value"):
        numbers = pd.to_numeric(table[column], errors="coerce")
        bad = table[column].notna() & numbers.isna()
        if bad.any():
            position = int(np.flatnonzero(bad.to_numpy())[0])
            raise CatalogError(f"{table[column].iloc[position]!r} is not a number", file=path,
                               row=position + 2, column=column)
        if column != "value" and (numbers.dropna() % 1 != 0).any():
            position = int(np.flatnonzero((numbers % 1 != 0).fillna(False).to_numpy())[0])
            raise CatalogError(f"{table[column].iloc[position]!r} is not a whole number",
                               file=path, row=position + 2, column=column)
        table[column] = numbers.astype("Float64" if column == "value" else "Int64")
    table["value"] = table["value"].astype(float)
    table["public"] = _flags(table["public"], path, "public")
    return table[list(COLUMNS)]


# --- the portfolio of studies ------------------------------------------------------------

def _read_json(file: Path) -> dict:
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise CatalogError(f"cannot be read as JSON: {error}", file=file) from None


def _study_yml(file: Path) -> dict:
    """What the study file says about the client and its schemes ({} when unreadable)."""
    try:
        config = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return {}
    if not isinstance(config, dict):
        return {}
    client = config.get("client") or {}
    schemes = [s for s in (config.get("schemes") or []) if isinstance(s, dict)]
    years = [int(y) for s in schemes for e in (s.get("editions") or []) if isinstance(e, dict)
             for key in ("end", "start") if e.get(key) is not None
             for y in re.findall(r"(?:19|20)\d{2}", str(e[key]))]
    return {"kind": client.get("kind"), "population": client.get("population"),
            "scheme_types": [str(s["type"]) for s in schemes if s.get("type")],
            "year": max(years) if years else None}


def portfolio(reports_dir=None, studies_dir=None) -> pd.DataFrame:
    """The key figures of every study the workbench has run, as benchmark rows.

    Parameters
    ----------
    reports_dir : path, optional
        The reports folder (default: the project's, or ``CIVEVAL_REPORTS``). Every
        ``<slug>/run.json`` found there is one study; its ``indicators.json`` gives the
        figures.
    studies_dir : path, optional
        The studies folder (default: the project's). Used only for what ``run.json`` does
        not record: the client's kind, its population and the scheme types come from
        ``run.json`` (``client_kind``, ``population``, ``scheme_types``, ``year``) when it
        has them, else from ``indicators.json`` (``population``), else from
        ``<studies_dir>/<slug>/study.yml``.

    Returns
    -------
    DataFrame
        The columns of :data:`COLUMNS` plus ``study`` (the slug) and ``run_status``:
        one row per numeric key figure (kinds number, percent, euro; the framing
        section's bookkeeping counts such as ``datasets`` are left out) and per scheme
        type of the study. ``statistic`` is ``value``, ``public`` is False, ``note`` the
        figure's label, ``year`` the study's last edition year (else the year of the run).

    Notes
    -----
    A figure recorded after :meth:`civeval.workbench.study.Study.measure` carries its scheme's type
    and goes to that type only; otherwise a study of two types of scheme gives each figure
    to both. A failed run still lists the figures it recorded; ``run_status`` says so.

    Examples
    --------
    >>> import tempfile, pathlib, json
    >>> reports = pathlib.Path(tempfile.mkdtemp())
    >>> (reports / "ville-a").mkdir()
    >>> _ = (reports / "ville-a" / "run.json").write_text(json.dumps({
    ...     "slug": "ville-a", "client": "Ville A", "status": "success",
    ...     "started_at": "2025-01-15T10:00:00+00:00", "client_kind": "commune",
    ...     "scheme_types": ["budget participatif"], "year": 2024}))
    >>> _ = (reports / "ville-a" / "indicators.json").write_text(json.dumps({
    ...     "population": {"value": 31000, "kind": "number"},
    ...     "turnout_rate": {"value": 0.061, "label": "Taux de participation",
    ...                      "kind": "percent"}}))
    >>> portfolio(reports, studies_dir=reports)[["name", "population", "indicator", "value",
    ...                                           "public"]]
          name  population     indicator  value  public
    0  Ville A       31000  turnout_rate  0.061   False
    """
    reports_dir = Path(reports_dir) if reports_dir is not None else paths.reports_dir()
    studies_dir = Path(studies_dir) if studies_dir is not None else paths.studies_dir()
    rows = []
    for run_file in sorted(reports_dir.glob("*/run.json")):
        run = _read_json(run_file)
        slug = str(run.get("slug") or run_file.parent.name)
        indicators_file = run_file.parent / "indicators.json"
        figures = _read_json(indicators_file) if indicators_file.is_file() else {}
        fallback = _study_yml(studies_dir / slug / "study.yml")
        population = (run.get("population")
                      or (figures.get("population") or {}).get("value")
                      or fallback.get("population"))
        scheme_types = run.get("scheme_types") or fallback.get("scheme_types") or [None]
        started = str(run.get("started_at") or "")
        year = run.get("year") or fallback.get("year") or (int(started[:4]) if
                                                            started[:4].isdigit() else None)
        common = {"name": run.get("client") or slug,
                  "kind": run.get("client_kind") or fallback.get("kind"),
                  "population": population, "population_year": None, "year": year,
                  "statistic": "value",
                  "source": f"civeval study {slug} (run of {started[:10] or 'unknown date'})",
                  "public": False, "study": slug, "run_status": run.get("status")}
        for key, figure in figures.items():
            if not isinstance(figure, dict) or key in _BOOKKEEPING:
                continue
            value = figure.get("value")
            if (figure.get("kind", "number") not in _NUMERIC_KINDS or isinstance(value, bool)
                    or not isinstance(value, int | float) or not math.isfinite(value)):
                continue
            for scheme_type in ([figure["scheme_type"]] if figure.get("scheme_type")
                                else scheme_types):
                rows.append({**common, "scheme_type": scheme_type, "indicator": key,
                             "value": float(value), "note": figure.get("label")})
    table = pd.DataFrame(rows, columns=[*COLUMNS, "study", "run_status"])
    for column in ("population", "population_year", "year"):
        table[column] = pd.to_numeric(table[column]).astype("Int64")
    table["value"] = table["value"].astype(float)
    table["public"] = table["public"].astype(bool)
    return table


# --- peers, ranks, anonymity -------------------------------------------------------------

def _band_of(population: float, bands: Sequence[tuple[float, float]]) -> tuple[float, float]:
    for low, high in bands:
        if low <= population < high:
            return low, high
    shown = ", ".join(f"[{low:g}, {high:g})" for low, high in bands)
    raise InputError(f"the population {population:g} is in none of the bands {shown}")


def band_label(low: float, high: float, language: str = "fr") -> str:
    """How a population band reads in a report.

    Examples
    --------
    >>> band_label(20_000, 50_000)
    '20–50\\u202f000 hab.'
    >>> band_label(0, 20_000), band_label(100_000, float("inf"))
    ('moins de 20\\u202f000 hab.', '100\\u202f000 hab. et plus')
    >>> band_label(20_000, 50_000, "en")
    '20,000–50,000 inhabitants'
    """
    words, locale = _words(language), fmt.LOCALES[language]
    if low <= 0:
        return words["under"].format(high=fmt.integer(high, locale))
    if math.isinf(high):
        return words["over"].format(low=fmt.integer(low, locale))
    if language == "fr" and low % 1000 == 0 and high % 1000 == 0:  # "20–50 000 hab."
        return f"{fmt.integer(low // 1000, locale)}–{fmt.integer(high, locale)} " \
               f"{words['inhabitants']}"
    return f"{fmt.integer(low, locale)}–{fmt.integer(high, locale)} {words['inhabitants']}"


def _bands_of(population: pd.Series, bands, language: str) -> pd.Series:
    """The band label of each population (missing when it is in no band)."""
    values = pd.to_numeric(population, errors="coerce").astype(float).to_numpy()
    labels = np.full(len(values), None, dtype=object)
    for low, high in bands:
        labels[(values >= low) & (values < high)] = band_label(low, high, language)
    return pd.Series(labels, index=population.index, dtype="string")


def peer_group(table: pd.DataFrame, scheme_type: str, population: float,
               bands: Sequence[tuple[float, float]] = BANDS, *,
               language: str = "fr") -> pd.DataFrame:
    """The collectivités comparable with a client: same scheme type, same population band.

    Parameters
    ----------
    table : DataFrame
        Benchmark rows (:func:`load_reference`, :func:`portfolio`, or both concatenated).
    scheme_type : str
        The client's scheme type (``"budget participatif"``), compared without case.
    population : number
        The client's total INSEE population.
    bands : sequence of (low, high)
        Population bands, each from ``low`` included to ``high`` excluded: a commune of
        exactly 20,000 inhabitants is in 20,000–50,000.

    Returns
    -------
    DataFrame
        The rows of single collectivités (``statistic == "value"``) of that scheme type
        whose population is in the client's band, with a ``band`` column (its label, in
        ``language``). National aggregates have no population and are never peers: draw
        them as reference lines (:func:`benchmark_chart`). ``attrs`` holds ``band``
        (low, high), ``band_label`` and ``scheme_type``.

    Examples
    --------
    >>> table = pd.DataFrame({
    ...     "name": ["A", "B", "C", "D"], "kind": "commune",
    ...     "population": [19_999, 20_000, 49_999, 50_000],
    ...     "scheme_type": "budget participatif", "statistic": "value",
    ...     "indicator": "turnout_rate", "value": [0.05, 0.06, 0.07, 0.08]})
    >>> peer_group(table, "Budget participatif", 31_000)["name"].tolist()
    ['B', 'C']
    """
    low, high = _band_of(float(population), bands)
    for column in ("scheme_type", "population"):
        if column not in table.columns:
            raise InputError(f"peer_group needs the column {column}")
    same_scheme = (table["scheme_type"].astype("string").str.strip().str.casefold()
                   == str(scheme_type).strip().casefold()).fillna(False)
    sizes = pd.to_numeric(table["population"], errors="coerce").astype(float)
    in_band = (sizes >= low) & (sizes < high)
    single = (table["statistic"] == "value") if "statistic" in table else True
    peers = table[same_scheme & in_band & single].copy()
    label = band_label(low, high, language)
    peers["band"] = pd.Series(label, index=peers.index, dtype="string")
    peers.attrs.update(band=(low, high), band_label=label, scheme_type=str(scheme_type))
    return peers


def compare(client_value: float, peers: pd.DataFrame, indicator: str,
            client: str = "client") -> pd.DataFrame:
    """Rank a client's value of ``indicator`` among its peers.

    Parameters
    ----------
    client_value : number
        The client's value (a ratio for a rate: 0.061 for 6.1 %).
    peers : DataFrame
        :func:`peer_group`'s result. A peer named like the client is left out (the
        client's own past study in the portfolio); a peer with several years keeps its
        latest.
    indicator : str
        The indicator to compare (``"turnout_rate"``).
    client : str
        The client's name, shown as is.

    Returns
    -------
    DataFrame
        One row per peer and one for the client (``is_client``), sorted by value, with
        ``percentile_rank`` and ``z_score``; ``attrs`` holds the client's
        ``percentile_rank`` and ``z_score``, ``n_peers``, ``peer_mean``,
        ``peer_median``, ``peer_sd``, ``indicator``, ``client`` and ``client_value``.

    Notes
    -----
    With the :math:`n` peers' values :math:`x_1 \\dots x_n`, the client's value :math:`x`
    has

    .. math::

        \\text{percentile rank} = 100 \\cdot \\frac{\\#\\{i : x_i \\le x\\}}{n}
        \\qquad
        z = \\frac{x - \\bar x}{s}, \\quad s^2 = \\frac{\\sum_i (x_i - \\bar x)^2}{n - 1}

    the percentile rank being :func:`scipy.stats.percentileofscore` with
    ``kind="weak"`` ("x % of comparable collectivités do as well or less"). A peer's own
    rank and z-score are taken among the peers (itself included), with
    :func:`scipy.stats.rankdata` (``method="max"``, the same definition, in
    :math:`O(n \\log n)`) and :func:`scipy.stats.zscore` (``ddof=1``). The z-score is
    missing with fewer than two peers or when they all have the same value.

    Examples
    --------
    >>> peers = pd.DataFrame({"name": ["B", "C", "D", "E"], "indicator": "turnout_rate",
    ...                       "value": [0.02, 0.04, 0.04, 0.10], "public": False})
    >>> table = compare(0.04, peers, "turnout_rate", client="Ville A")
    >>> table.attrs["percentile_rank"], round(table.attrs["z_score"], 3)
    (75.0, -0.289)
    """
    for column in ("name", "indicator", "value"):
        if column not in peers.columns:
            raise InputError(f"compare needs the column {column}")
    rows = peers[(peers["indicator"] == indicator) & peers["value"].notna()
                 & (peers["name"] != client)]
    if "year" in rows.columns:
        rows = rows.sort_values("year", na_position="first", kind="stable")
    rows = rows.drop_duplicates("name", keep="last").copy()
    values = rows["value"].to_numpy(dtype=float)
    n = len(values)
    spread = float(np.std(values, ddof=1)) if n > 1 else math.nan
    mean = float(values.mean()) if n else math.nan
    usable = n > 1 and spread > 0
    rows["is_client"] = False
    rows["percentile_rank"] = stats.rankdata(values, method="max") * (100.0 / n) if n else []
    rows["z_score"] = stats.zscore(values, ddof=1) if usable else math.nan
    client_rank = float(stats.percentileofscore(values, client_value, kind="weak")) if n \
        else math.nan
    client_z = (client_value - mean) / spread if usable else math.nan
    client_row = {"name": client, "indicator": indicator, "value": float(client_value),
                  "is_client": True, "percentile_rank": client_rank, "z_score": client_z,
                  "public": False}
    if "band" in rows.columns and n:  # the client is in its peers' band
        client_row["band"] = rows["band"].iloc[0]
    table = pd.concat([rows, pd.DataFrame([client_row])], ignore_index=True)
    table = table.sort_values(["value", "is_client"], kind="stable").reset_index(drop=True)
    first = ["name", "kind", "population", "band", "year", "indicator", "value", "public",
             "is_client", "percentile_rank", "z_score"]
    table = table[[c for c in first if c in table] + [c for c in table if c not in first]]
    table.attrs.update(indicator=indicator, client=client, client_value=float(client_value),
                       percentile_rank=client_rank, z_score=client_z, n_peers=n,
                       peer_mean=mean, peer_median=float(np.median(values)) if n else math.nan,
                       peer_sd=spread, percentile_kind="weak")
    return table


def _letters(number: int) -> str:
    """0 → A, 25 → Z, 26 → AA: spreadsheet-style letters."""
    text = ""
    number += 1
    while number:
        number, rest = divmod(number - 1, 26)
        text = chr(65 + rest) + text
    return text


_IDENTIFYING = ("population", "population_year", "source", "note", "study", "insee_code")


def anonymise(peers: pd.DataFrame, client: str, *, language: str = "fr",
              bands: Sequence[tuple[float, float]] = BANDS) -> pd.DataFrame:
    """Hide the names of non-public peers: "Commune B, 20–50 000 hab.".

    Parameters
    ----------
    peers : DataFrame
        Benchmark rows or :func:`compare`'s table.
    client : str
        The client's name: its row keeps it (as do rows flagged ``is_client``).
    language : {"fr", "en"}
        Language of the labels.
    bands : sequence of (low, high)
        Bands used when ``peers`` has no ``band`` column.

    Returns
    -------
    DataFrame
        A copy where each non-public, non-client row has ``name`` = its kind, a letter and
        its population band, and no ``population``, ``population_year``, ``source``,
        ``note``, ``study`` nor ``insee_code`` (an exact population or a study's slug
        would name the commune); public rows keep their names. ``anonymised`` flags the
        rows changed.

    Notes
    -----
    Letters follow a stable order: the SHA-256 digest of each hidden name, so a peer gets
    the same letter whatever the row order, and the order reveals nothing (alphabetical
    order would). A peer appearing on several rows (several years) keeps one letter.

    Examples
    --------
    >>> peers = pd.DataFrame({"name": ["Rennes", "Ville X", "Ville Y", "Ville A"],
    ...                       "kind": ["commune", "commune", "EPCI", "commune"],
    ...                       "population": [222_485, 31_000, 42_000, 28_000],
    ...                       "public": [True, False, False, False]})
    >>> for name in anonymise(peers, client="Ville A")["name"]:
    ...     print(name)
    Rennes
    Commune A, 20–50\u202f000 hab.
    Intercommunalité B, 20–50\u202f000 hab.
    Ville A
    """
    words = _words(language)
    out = peers.copy()
    is_client = (out["name"] == client).fillna(False).to_numpy(bool)
    if "is_client" in out:
        is_client = is_client | out["is_client"].fillna(False).astype(bool).to_numpy()
    public = (out["public"].astype("boolean").fillna(False).to_numpy(bool) if "public" in out
              else np.zeros(len(out), bool))
    hide = ~public & ~is_client
    if "band" in out and out["band"].notna().all():
        band = out["band"].astype("string")
    else:
        band = _bands_of(out.get("population", pd.Series(np.nan, index=out.index)), bands,
                         language)
        if "band" in out:
            band = out["band"].astype("string").fillna(band)
    names = out["name"].astype(str)
    hidden = pd.unique(names[hide])
    order = sorted(hidden, key=lambda n: hashlib.sha256(n.encode("utf-8")).hexdigest())
    letter = names.map({name: _letters(i) for i, name in enumerate(order)})
    kind = (out["kind"].map(words["kinds"]) if "kind" in out
            else pd.Series(np.nan, index=out.index)).fillna(words["other"])
    label = kind + " " + letter.astype(object).fillna("") + (", " + band).fillna("")
    out["name"] = out["name"].astype(object).where(~hide, label.astype(object))
    for column in _IDENTIFYING:
        if column in out:
            out[column] = out[column].where(~hide)
    if "band" in out or band.notna().any():
        out["band"] = band
    out["anonymised"] = hide
    return out


# --- chart -------------------------------------------------------------------------------

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
        :func:`compare`'s table, passed through :func:`anonymise` when it holds
        non-public peers (the chart refuses to name them).
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
    >>> peers = pd.DataFrame({"name": ["Angers", "Ville X"], "kind": "commune",
    ...                       "population": [155_876, 160_000], "indicator": "turnout_rate",
    ...                       "value": [0.14, 0.05], "public": [True, False]})
    >>> table = anonymise(compare(0.08, peers, "turnout_rate", client="Ville A"), "Ville A")
    >>> figure = benchmark_chart(table)
    >>> [label.get_text() for label in figure.axes[0].get_yticklabels()]
    ['Commune A, 100\\u202f000 hab. et plus', 'Ville A', 'Angers']
    >>> charts.close(figure)
    """
    words = _words(language)
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
    ticks = ax.xaxis.get_majorticklocs() * (100 if ratio else 1)
    decimals = 0 if np.allclose(ticks, np.round(ticks)) else 1
    charts.format_axis(ax.xaxis, "percent" if ratio else "number", decimals)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, fontsize=8,
              frameon=False)
    fig.tight_layout()
    return fig
