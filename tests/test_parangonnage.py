"""The benchmark section: every recorded indicator placed among peers, peers anonymised."""

import json

import pandas as pd
import pytest

from civeval import benchmark, load_study
from civeval.sections import parangonnage

INDICATORS = ["turnout_rate", "implementation_rate", "cost_per_participant", "answer_rate"]


@pytest.fixture
def study(tmp_path, monkeypatch):
    """Saint-Aubin with three recorded figures, its report folder in tmp_path."""
    monkeypatch.setenv("CIVEVAL_REPORTS", str(tmp_path / "reports"))
    study = load_study("demo-saint-aubin")
    study.record("turnout_rate", 0.066, label="Taux de participation en 2024", kind="percent")
    study.record("implementation_rate", 0.5, label="Taux de réalisation", kind="percent")
    study.record("cost_per_participant", 43.0, label="Coût par participant", kind="euro")
    return study


def peers_table() -> pd.DataFrame:
    """Public references plus a portfolio of past (non-public) clients of the same size."""
    reference = benchmark.load_reference()
    portfolio = pd.DataFrame({
        "name": ["Ville X", "Ville Y", "Ville Z", "Ville X", "Ville Y"],
        "kind": "commune", "population": [11_000, 15_000, 9_000, 11_000, 15_000],
        "scheme_type": "budget participatif", "year": 2024,
        "indicator": ["turnout_rate"] * 3 + ["cost_per_participant"] * 2,
        "statistic": "value", "value": [0.03, 0.05, 0.09, 30.0, 60.0], "public": False})
    return pd.concat([reference, portfolio], ignore_index=True)


def test_each_recorded_indicator_is_ranked_and_unrecorded_ones_left_out(study):
    comparisons = parangonnage.compare_all(study, peers_table(), "budget participatif",
                                           INDICATORS)
    # answer_rate was never recorded: nothing to compare.
    assert list(comparisons) == ["turnout_rate", "implementation_rate", "cost_per_participant"]
    turnout = comparisons["turnout_rate"].attrs
    # Three peers under 20,000 inhabitants: 0.03 and 0.05 are below 0.066.
    assert (turnout["n_peers"], turnout["widened"]) == (3, False)
    assert turnout["percentile_rank"] == pytest.approx(200 / 3)
    # Paris is the only collectivité with an implementation rate: the band is widened.
    implementation = comparisons["implementation_rate"].attrs
    assert implementation["widened"] and implementation["n_peers"] == 1
    assert implementation["percentile_rank"] == 0
    recorded = study.indicators()
    assert recorded["turnout_rate_percentile"]["value"] == pytest.approx(2 / 3)
    assert "Taux de participation" in recorded["turnout_rate_percentile"]["label"]


def test_overview_formats_each_row_by_its_kind_and_hides_names(study):
    comparisons = parangonnage.compare_all(study, peers_table(), "budget participatif",
                                           INDICATORS)
    overview = parangonnage.overview(study, comparisons).set_index("indicator")
    assert overview.loc["Taux de participation (participants ÷ population totale)",
                        "client_value"] == "6,6\u00a0%"
    cost = overview.loc["Coût de fonctionnement par participant"]
    assert cost["client_value"] == "43\u00a0€"
    assert cost["peers"] == 2 and cost["percentile_rank"] == 50
    names = set(comparisons["turnout_rate"]["name"])
    assert not names & {"Ville X", "Ville Y", "Ville Z"}
    assert any(name.startswith("Commune A, moins de 20") for name in names)


def test_summary_and_chart_name_the_indicator(study):
    comparison = parangonnage.compare(study, peers_table(), "budget participatif",
                                      "cost_per_participant")
    sentence = parangonnage.summary(study, comparison).data
    assert sentence.startswith("<p>Coût de fonctionnement par participant : 43")
    assert "50 % des 2 collectivités comparables" in sentence
    figure = parangonnage.chart(study, comparison, parangonnage.references(
        peers_table(), "cost_per_participant")).data
    assert "Coût de fonctionnement par participant : la collectivité" in figure


def test_sources_list_public_figures_only_with_site_names(study):
    table = parangonnage.sources(study, peers_table(), INDICATORS)
    assert set(table["reference"]) == {"France", "Rennes", "Angers", "Paris"}
    paris = table[table["reference"] == "Paris"].iloc[0]
    assert paris["source"] == "opendata.paris.fr"
    assert paris["reference_value"] == "56,3\u00a0%"


def test_the_report_figures_of_a_past_study_feed_the_portfolio(tmp_path, monkeypatch, study):
    # indicators.json and run.json as a previous run leaves them.
    past = tmp_path / "reports" / "ancienne-etude"
    past.mkdir(parents=True)
    (past / "indicators.json").write_text(json.dumps(
        {"implementation_rate": {"value": 0.8, "label": "x", "kind": "percent"}}))
    (past / "run.json").write_text(json.dumps(
        {"slug": "ancienne-etude", "client": "Ville W", "client_kind": "commune",
         "population": 13_000, "scheme_types": ["budget participatif"], "year": 2023,
         "status": "success"}))
    rows = parangonnage.table(study)
    comparison = parangonnage.compare(study, rows, "budget participatif",
                                      "implementation_rate")
    assert comparison.attrs["n_peers"] == 2  # Paris and the past study, band widened
    assert "Ville W" not in set(comparison["name"])
