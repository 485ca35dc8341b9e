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
    """Public references plus a portfolio of past (non-public) clients under 20,000
    inhabitants: six with a turnout (enough for a rank), two with a cost per participant."""
    reference = benchmark.load_reference()
    turnout = [0.03, 0.05, 0.09, 0.04, 0.07, 0.02]
    portfolio = pd.DataFrame({
        "name": [f"Ville {n}" for n in "UVWXYZ"] + ["Ville X", "Ville Y"],
        "kind": "commune", "population": [11_000, 15_000, 9_000, 11_000, 15_000, 8_000,
                                          11_000, 15_000],
        "scheme_type": "budget participatif", "year": 2024,
        "indicator": ["turnout_rate"] * 6 + ["cost_per_participant"] * 2,
        "statistic": "value", "value": [*turnout, 30.0, 60.0], "public": False})
    return pd.concat([reference, portfolio], ignore_index=True)


def test_a_rank_only_with_enough_peers_and_every_position_in_the_evidence(study):
    comparisons = parangonnage.compare_all(study, peers_table(), "budget participatif",
                                           INDICATORS)
    # answer_rate was never recorded: nothing to compare.
    assert list(comparisons) == ["turnout_rate", "implementation_rate", "cost_per_participant"]
    turnout = comparisons["turnout_rate"].attrs
    # Six peers under 20,000 inhabitants: four of them (0.02 to 0.05) are below 0.066.
    assert (turnout["n_peers"], turnout["ranked"]) == (6, True)
    assert turnout["percentile_rank"] == pytest.approx(400 / 6)
    # Only Paris has an implementation rate, in another band: no peer, no rank, and no
    # widening to every size.
    implementation = comparisons["implementation_rate"].attrs
    assert (implementation["n_peers"], implementation["ranked"]) == (0, False)
    cost = comparisons["cost_per_participant"].attrs
    assert (cost["n_peers"], cost["ranked"]) == (2, False)
    recorded = study.evidence()
    assert recorded["turnout_rate"].position.percentile == pytest.approx(400 / 6)
    assert recorded["turnout_rate"].position.peers == 6
    assert recorded["cost_per_participant"].position.percentile is None
    assert recorded["cost_per_participant"].position.median == 45.0


def test_min_peers_comes_from_the_study(study):
    study.config = study.config.model_copy(update={
        "benchmark": study.config.benchmark.model_copy(update={"min_peers": 2})})
    cost = parangonnage.compare(study, peers_table(), "budget participatif",
                                "cost_per_participant").attrs
    assert cost["ranked"] and cost["percentile_rank"] == 50


def test_overview_formats_each_row_by_its_kind_and_hides_names(study):
    comparisons = parangonnage.compare_all(study, peers_table(), "budget participatif",
                                           INDICATORS)
    overview = parangonnage.overview(study, comparisons).set_index("indicator")
    assert overview.loc["Taux de participation", "client_value"] == "6,6\u00a0%"
    assert overview.loc["Taux de participation", "percentile_rank"] == pytest.approx(400 / 6)
    cost = overview.loc["Coût de fonctionnement par participant"]
    assert cost["client_value"] == "43\u00a0€"
    assert cost["peers"] == 2 and pd.isna(cost["percentile_rank"]) and pd.isna(cost["z_score"])
    names = set(comparisons["turnout_rate"]["name"])
    assert not names & {f"Ville {n}" for n in "UVWXYZ"}
    assert any(name.startswith("Commune A, moins de 20") for name in names)


def test_summary_ranks_only_with_enough_peers(study):
    comparisons = parangonnage.compare_all(study, peers_table(), "budget participatif",
                                           INDICATORS)
    ranked = parangonnage.summary(study, comparisons["turnout_rate"]).data
    assert "67 % des 6 collectivités comparables" in ranked
    context = parangonnage.summary(study, comparisons["cost_per_participant"]).data
    assert context.startswith("<p>Coût de fonctionnement par participant : 43")
    assert "Seulement 2 collectivités comparables" in context and "sans rang" in context
    assert "%" not in context
    none = parangonnage.summary(study, comparisons["implementation_rate"]).data
    assert "Aucune collectivité comparable" in none
    figure = parangonnage.chart(study, comparisons["cost_per_participant"],
                                parangonnage.references(peers_table(),
                                                        "cost_per_participant")).data
    assert "Coût de fonctionnement par participant : la collectivité" in figure


def test_sources_list_public_figures_only_with_site_names(study):
    table = parangonnage.sources(study, peers_table(), INDICATORS)
    assert set(table["reference"]) == {"France", "Rennes", "Angers", "Paris"}
    paris = table[table["reference"] == "Paris"].iloc[0]
    assert paris["source"] == "opendata.paris.fr"
    assert paris["reference_value"] == "56,3\u00a0%"
    # Formatted by the indicator's kind even when the study does not record it.
    answered = parangonnage.sources(study, peers_table(), ["turnout_rate"])
    assert set(answered["reference_value"]) == {"4,0\u00a0%", "5,0\u00a0%", "8,0\u00a0%",
                                                "14,0\u00a0%"}


def past_study(reports, slug, demo):
    past = reports / slug
    past.mkdir(parents=True)
    (past / "evidence.json").write_text(json.dumps(
        {"implementation_rate": {"value": 0.8, "label": "x", "kind": "percent"}}))
    (past / "run.json").write_text(json.dumps(
        {"slug": slug, "client": f"Client {slug}", "client_kind": "commune",
         "population": 13_000, "scheme_types": ["budget participatif"], "year": 2023,
         "status": "success", "demo": demo}))


def test_demo_studies_and_real_ones_are_never_peers_of_each_other(tmp_path, study):
    past_study(tmp_path / "reports", "ancienne-etude", demo=False)
    past_study(tmp_path / "reports", "autre-demo", demo=True)
    assert study.is_demo
    rows = parangonnage.table(study)
    assert set(rows["study"].dropna()) == {"autre-demo"}
    comparison = parangonnage.compare(study, rows, "budget participatif",
                                      "implementation_rate")
    assert comparison.attrs["n_peers"] == 1
    assert "Client autre-demo" not in set(comparison["name"])
    real = study.config.model_copy(update={"demo": False})
    study.config = real
    assert set(parangonnage.table(study)["study"].dropna()) == {"ancienne-etude"}
