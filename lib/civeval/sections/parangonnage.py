"""The benchmark section (template ``40_parangonnage``): the client among comparable
collectivités, from public reference figures and the consultancy's own portfolio.

The computations are in :mod:`civeval.benchmark`; this module picks the peers, says how
they were chosen, and prepares what the report shows. Peers whose data is not public are
always anonymised before anything reaches the report.
"""

from __future__ import annotations

from urllib.parse import urlparse

import pandas as pd

from civeval import benchmark
from civeval.presentation import fmt, i18n, report
from civeval.workbench.study import Study

# Fewer comparable collectivités than this in the client's population band, and the
# comparison widens to every size, saying so.
MIN_PEERS = 3


def table(study: Study) -> pd.DataFrame:
    """The reference table and the portfolio of past studies, in one benchmark table."""
    frames = [benchmark.load_reference(), benchmark.portfolio()]
    return pd.concat([frame for frame in frames if len(frame)], ignore_index=True)


def references(rows: pd.DataFrame, indicator: str) -> pd.DataFrame:
    """National figures of ``indicator`` (median, mean…) for reference lines and the table
    of sources; sources are shown by their site's name, never as links."""
    national = rows[(rows["indicator"] == indicator) & (rows["statistic"] != "value")]
    return national.assign(source=national["source"].map(source_label))


def source_label(address) -> str:
    """``lesbudgetsparticipatifs.fr`` for a web address: reports hold no external URL."""
    if pd.isna(address):
        return fmt.MISSING
    return urlparse(str(address)).netloc or str(address)


def compare(study: Study, rows: pd.DataFrame, scheme_type: str,
            indicator: str) -> pd.DataFrame | None:
    """The client's ``indicator`` among its peers, anonymised; None without the figure.

    The table's ``attrs`` hold :func:`civeval.benchmark.compare`'s facts, the figure's
    ``label`` and ``kind``, the population band and ``widened``: whether the band had to
    be dropped for lack of peers.
    """
    figures = study.indicators()
    figure = figures.get(indicator)
    # A figure that measures another of the study's schemes is not this scheme's.
    if figure is None or figure.get("scheme_type", scheme_type) != scheme_type:
        return None
    value = float(figure["value"])
    peers = benchmark.peer_group(rows, scheme_type, study.client.population,
                                 language=study.language)
    band = peers.attrs["band_label"]
    peers = peers[peers["indicator"] == indicator]
    widened = len(peers[peers["name"] != study.client.name]) < MIN_PEERS
    if widened:
        everyone = benchmark.peer_group(rows, scheme_type, study.client.population,
                                        bands=((0, float("inf")),), language=study.language)
        peers = everyone[everyone["indicator"] == indicator]
    comparison = benchmark.compare(value, peers, indicator, client=study.client.name)
    facts = comparison.attrs
    if facts["n_peers"]:
        study.record(f"{indicator}_percentile", float(facts["percentile_rank"]) / 100,
                     label=study.t("benchmark.percentile", indicator=figure["label"]),
                     kind="percent")
    anonymised = benchmark.anonymise(comparison, study.client.name, language=study.language)
    # The catalogue's general name: the recorded label may name the client's last edition.
    label = i18n.catalogue(study.language).get(f"indicator.{indicator}", figure["label"])
    anonymised.attrs.update(facts, band_label=band, label=label,
                            kind=figure.get("kind") or "number", widened=widened)
    return anonymised


def compare_all(study: Study, rows: pd.DataFrame, scheme_type: str,
                indicators) -> dict[str, pd.DataFrame]:
    """:func:`compare` for each of ``indicators`` the study recorded, by indicator."""
    comparisons = {key: compare(study, rows, scheme_type, key) for key in indicators}
    return {key: table for key, table in comparisons.items() if table is not None}


def overview(study: Study, comparisons: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per compared indicator: the client's value, the number of peers, their
    median, the client's percentile rank and z-score. Values are formatted by their kind
    (a rate as a percentage, an amount in euros), so the table mixes units safely."""
    rows = []
    for comparison in comparisons.values():
        facts = comparison.attrs
        rows.append({
            "indicator": facts["label"],
            "client_value": fmt.by_kind(facts["client_value"], facts["kind"]),
            "peers": facts["n_peers"],
            "peer_median": (fmt.by_kind(facts["peer_median"], facts["kind"])
                            if facts["n_peers"] else fmt.MISSING),
            "percentile_rank": facts["percentile_rank"],
            "z_score": facts["z_score"]})
    return pd.DataFrame(rows, columns=["indicator", "client_value", "peers", "peer_median",
                                       "percentile_rank", "z_score"])


def chart(study: Study, comparison: pd.DataFrame, national: pd.DataFrame):
    """The dot plot of the client and its peers, with the national references as lines."""
    t = study.t
    facts = comparison.attrs
    figure = benchmark.benchmark_chart(comparison, national, percent=facts["kind"] == "percent",
                                       language=study.language)
    return report.figure(
        figure, title=t("benchmark.chart_title", indicator=facts["label"]),
        alt=t("benchmark.chart_alt", client=study.client.name, n=facts["n_peers"],
              value=fmt.by_kind(facts["client_value"], facts["kind"])),
        source=t("benchmark.chart_source"))


def summary(study: Study, comparison: pd.DataFrame):
    """One sentence: where the client stands, among how many peers, and how they were
    chosen (a comparison with at least one peer)."""
    t = study.t
    facts = comparison.attrs
    scope = (t("benchmark.widened", band=facts["band_label"]) if facts["widened"]
             else t("benchmark.band", band=facts["band_label"]))
    return report.text(t("benchmark.summary", client="{client}", indicator="{indicator}",
                         value=fmt.by_kind(facts["client_value"], facts["kind"]),
                         rank=fmt.number(facts["percentile_rank"], 0), n=facts["n_peers"],
                         median=fmt.by_kind(facts["peer_median"], facts["kind"]),
                         scope=scope),
                       client=study.client.name, indicator=facts["label"])


def sources(study: Study, rows: pd.DataFrame, indicators) -> pd.DataFrame:
    """The public figures of ``indicators`` (national aggregates and named collectivités),
    with their year and source, formatted by the kind the study records them with."""
    figures = study.indicators()
    catalogue = i18n.catalogue(study.language)
    public = rows[rows["indicator"].isin(list(indicators))
                  & rows["public"].astype("boolean").fillna(False).astype(bool)]
    public = public.assign(source=public["source"].map(source_label))
    return pd.DataFrame({
        "reference": public["name"],
        "indicator": public["indicator"].map(lambda key: catalogue.get(f"indicator.{key}", key)),
        "statistic": public["statistic"].map(lambda s: study.t(f"statistic.{s}")),
        "year": public["year"],
        "reference_value": [fmt.by_kind(value, figures.get(key, {}).get("kind") or "number")
                            for key, value in zip(public["indicator"], public["value"],
                                                  strict=True)],
        "source": public["source"]}).reset_index(drop=True)
