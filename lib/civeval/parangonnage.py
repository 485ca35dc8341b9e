"""The benchmark section (template ``40_parangonnage``): the client among comparable
collectivités, from public reference figures and the consultancy's own portfolio.

The computations are in :mod:`civeval.benchmark`; this module picks the peers, says how
they were chosen, and prepares what the report shows. Peers whose data is not public are
always anonymised before anything reaches the report.
"""

from __future__ import annotations

from urllib.parse import urlparse

import pandas as pd

from civeval import benchmark, fmt, report
from civeval.study import Study

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


def compare(study: Study, rows: pd.DataFrame, scheme_type: str, indicator: str):
    """The client's ``indicator`` among its peers, anonymised; None without the figure.

    Returns ``(comparison, widened)``: the anonymised comparison table and whether the
    population band had to be dropped for lack of peers.
    """
    figures = study.indicators()
    if indicator not in figures:
        return None, False
    value = float(figures[indicator]["value"])
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
                     label=study.t("benchmark.percentile"), kind="percent")
    anonymised = benchmark.anonymise(comparison, study.client.name, language=study.language)
    anonymised.attrs.update(facts, band_label=band)
    return anonymised, widened


def chart(study: Study, comparison: pd.DataFrame, national: pd.DataFrame):
    """The dot plot of the client and its peers, with the national references as lines."""
    t = study.t
    facts = comparison.attrs
    figure = benchmark.benchmark_chart(comparison, national, language=study.language)
    return report.figure(
        figure, title=t("benchmark.chart_title"),
        alt=t("benchmark.chart_alt", client=study.client.name, n=facts["n_peers"],
              value=fmt.percent(facts["client_value"])),
        source=t("benchmark.chart_source"))


def summary(study: Study, comparison: pd.DataFrame, widened: bool):
    """One sentence: where the client stands, among how many, and how peers were chosen."""
    t = study.t
    facts = comparison.attrs
    if not facts["n_peers"]:
        return report.text(t("benchmark.no_peers"))
    scope = (t("benchmark.widened", band=facts["band_label"]) if widened
             else t("benchmark.band", band=facts["band_label"]))
    return report.text(t("benchmark.summary", client="{client}",
                         value=fmt.percent(facts["client_value"]),
                         rank=fmt.number(facts["percentile_rank"], 0), n=facts["n_peers"],
                         median=fmt.percent(facts["peer_median"]), scope=scope),
                       client=study.client.name)


def sources(study: Study, national: pd.DataFrame) -> pd.DataFrame:
    """The national reference figures with their year and source, for the table."""
    shown = national[["name", "statistic", "year", "value", "source"]]
    shown = shown.assign(statistic=shown["statistic"].map(lambda s: study.t(f"statistic.{s}")))
    return shown.rename(columns={"name": "reference", "value": "reference_value"})
