"""The benchmark section (template ``40_parangonnage``): the client among comparable
collectivités, from public reference figures and the consultancy's own portfolio.

The computations are in :mod:`civeval.benchmark`; this module picks the peers, says how
they were chosen, and prepares what the report shows. Peers whose data is not public are
always anonymised before anything reaches the report.
"""

from __future__ import annotations

import os
from urllib.parse import urlparse

import pandas as pd

from civeval import benchmark
from civeval.evidence import registry
from civeval.evidence.record import Position
from civeval.presentation import fmt, i18n, report
from civeval.workbench.study import Study


def table(study: Study) -> pd.DataFrame:
    """The reference table and the portfolio of past studies, in one benchmark table.

    A fictional (demo) study is never a peer of a real one, nor a real one of it: the
    portfolio keeps only the studies of the same kind as this one, and never this one.
    """
    past = benchmark.portfolio()
    if len(past):
        same_kind = past["demo"].fillna(False).astype(bool) == study.is_demo
        past = past[same_kind & (past["study"] != study.slug)]
    frames = [benchmark.load_reference(), past]
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

    Peers run the same type of scheme in the client's population band. With at least
    ``benchmark.min_peers`` of them (``study.yml``, 5 by default) the client is ranked;
    with fewer, they are shown as context and no rank is given. Either way the figure's
    evidence records its position (:meth:`~civeval.workbench.study.Study.record_position`).
    The table's ``attrs`` hold :func:`civeval.benchmark.compare`'s facts, the figure's
    ``label`` and ``kind`` (from the registry of key figures), the population band,
    ``ranked`` and ``min_peers``.
    """
    record = study.evidence().get(indicator)
    # A figure that measures another of the study's schemes is not this scheme's.
    if record is None or record.suppressed or (record.scheme_type or scheme_type) != scheme_type:
        return None
    peers = benchmark.peer_group(rows, scheme_type, study.client.population,
                                 language=study.language)
    band = peers.attrs["band_label"]
    comparison = benchmark.compare(float(record.value), peers[peers["indicator"] == indicator],
                                   indicator, client=study.client.name)
    facts = comparison.attrs
    needed = study.config.benchmark.min_peers
    ranked = facts["n_peers"] >= needed
    study.record_position(indicator, Position(
        peers=facts["n_peers"], min_peers=needed,
        percentile=float(facts["percentile_rank"]) if ranked else None,
        median=float(facts["peer_median"]) if facts["n_peers"] else None,
        scope=study.t("benchmark.band", band=band), section=_section()))
    anonymised = benchmark.anonymise(comparison, study.client.name, language=study.language)
    entry = registry.indicator(indicator, study.language)
    anonymised.attrs.update(facts, band_label=band, label=entry["label"], kind=entry["kind"],
                            ranked=ranked, min_peers=needed)
    return anonymised


def _section() -> str:
    return os.environ.get("CIVEVAL_SECTION", "40_parangonnage")


def compare_all(study: Study, rows: pd.DataFrame, scheme_type: str,
                indicators) -> dict[str, pd.DataFrame]:
    """:func:`compare` for each of ``indicators`` the study recorded, by indicator."""
    comparisons = {key: compare(study, rows, scheme_type, key) for key in indicators}
    return {key: table for key, table in comparisons.items() if table is not None}


def overview(study: Study, comparisons: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per compared indicator: the client's value, the number of peers, their
    median, and, with enough peers, the client's percentile rank and z-score. Values are
    formatted by their indicator's kind (a rate as a percentage, an amount in euros), so
    the table mixes units safely."""
    rows = []
    for comparison in comparisons.values():
        facts = comparison.attrs
        rows.append({
            "indicator": facts["label"],
            "client_value": fmt.by_kind(facts["client_value"], facts["kind"]),
            "peers": facts["n_peers"],
            "peer_median": (fmt.by_kind(facts["peer_median"], facts["kind"])
                            if facts["n_peers"] else fmt.MISSING),
            "percentile_rank": facts["percentile_rank"] if facts["ranked"] else None,
            "z_score": facts["z_score"] if facts["ranked"] else None})
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
        alt=t("benchmark.chart_alt", client=study.client.name, count=facts["n_peers"],
              value=fmt.by_kind(facts["client_value"], facts["kind"])),
        source=t("benchmark.chart_source"))


def summary(study: Study, comparison: pd.DataFrame):
    """One sentence: where the client stands among how many peers chosen how, or, with too
    few of them, why no rank is given."""
    t = study.t
    facts = comparison.attrs
    values = {"value": fmt.by_kind(facts["client_value"], facts["kind"]),
              "count": facts["n_peers"],
              "median": fmt.by_kind(facts["peer_median"], facts["kind"]),
              "band": facts["band_label"], "needed": facts["min_peers"]}
    if facts["ranked"]:
        key, values["rank"] = "benchmark.summary", fmt.number(facts["percentile_rank"], 0)
    else:
        key = "benchmark.summary_unranked" if facts["n_peers"] else "benchmark.summary_none"
    return report.text(t(key, client="{client}", indicator="{indicator}", **values),
                       client=study.client.name, indicator=facts["label"])


def sources(study: Study, rows: pd.DataFrame, indicators) -> pd.DataFrame:
    """The public figures of ``indicators`` (national aggregates and named collectivités),
    with their year and source, each formatted by its indicator's kind (a rate as a
    percentage), whether or not the study recorded it."""
    catalogue = i18n.catalogue(study.language)
    public = rows[rows["indicator"].isin(list(indicators))
                  & rows["public"].astype("boolean").fillna(False).astype(bool)]
    public = public.assign(source=public["source"].map(source_label))
    return pd.DataFrame({
        "reference": public["name"],
        "indicator": public["indicator"].map(lambda key: catalogue.get(f"indicator.{key}", key)),
        "statistic": public["statistic"].map(lambda s: study.t(f"statistic.{s}")),
        "year": public["year"],
        "reference_value": [fmt.by_kind(value, _kind(key))
                            for key, value in zip(public["indicator"], public["value"],
                                                  strict=True)],
        "source": public["source"]}).reset_index(drop=True)


def _kind(indicator: str) -> str:
    entry = registry.indicator(indicator)
    return entry["kind"] if entry else "number"
