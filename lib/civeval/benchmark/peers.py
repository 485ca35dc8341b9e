"""Peers, ranks and anonymity: who compares with a client, where it ranks, who is named.

:func:`peer_group` keeps the collectivités running the same type of scheme in the client's
population band, :func:`compare` ranks the client among them (percentile rank and z-score),
and :func:`anonymise` replaces every non-public peer's name by a letter, its kind and its
band ("Commune B, 20–50 000 hab.") and drops what could identify it. Every step works on
whole columns, so a table of all 35,000 communes is ranked in a few seconds.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence

from civeval.benchmark.wording import wording
from civeval.errors import InputError
from civeval.presentation import fmt
from civeval.workbench.exports import lazy_module

# Planning asks which population band a study is in (band_of) without any table.
np = lazy_module("numpy")
pd = lazy_module("pandas")

__all__ = ["BANDS", "anonymise", "band_label", "compare", "peer_group"]

BANDS = ((0, 20_000), (20_000, 50_000), (50_000, 100_000), (100_000, math.inf))


def band_of(population: float, bands: Sequence[tuple[float, float]] = BANDS
            ) -> tuple[float, float]:
    """The band (low included, high excluded) a population falls in."""
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
    words, locale = wording(language), fmt.LOCALES[language]
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
        Benchmark rows (:func:`~civeval.benchmark.reference.load_reference`,
        :func:`~civeval.benchmark.past_studies.portfolio`, or both concatenated).
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
        them as reference lines (:func:`~civeval.benchmark.chart.benchmark_chart`).
        ``attrs`` holds ``band`` (low, high), ``band_label`` and ``scheme_type``.

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
    low, high = band_of(float(population), bands)
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
    from scipy import stats  # slow to import: planning a study reads this module's bands

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
    words = wording(language)
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
