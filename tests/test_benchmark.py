"""Benchmarking: the reference table, the portfolio of past studies, peers, ranks,
anonymity and the chart."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from scipy import stats

from civeval.benchmark import (
    BANDS,
    COLUMNS,
    anonymise,
    band_label,
    benchmark_chart,
    compare,
    load_reference,
    peer_group,
    portfolio,
)
from civeval.errors import CatalogError, InputError
from civeval.presentation import charts

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO / "data" / "reference" / "participatory_budgets.csv"
NNBSP = "\u202f"  # French thousands separator


# --- the reference table ------------------------------------------------------------------

def test_reference_table_holds_the_published_figures():
    table = load_reference(REFERENCE)
    assert list(table.columns) == list(COLUMNS)
    assert table["public"].all()
    turnout = table[table["indicator"] == "turnout_rate"]
    national = turnout[turnout["kind"] == "national"].set_index(["year", "statistic"])
    # Bézard, national surveys: median 4 % in 2018, mean 8 % in 2022 (data/reference/README.md).
    assert national.loc[(2018, "median"), "value"] == 0.04
    assert national.loc[(2022, "mean"), "value"] == 0.08
    cities = turnout[turnout["kind"] == "commune"].set_index("name")
    assert cities.loc["Rennes", "value"] == cities.loc["Angers", "value"] == 0.14
    assert cities.loc["Angers", "population"] == 155_876  # INSEE RP2020, commune 49007
    count = table[table["indicator"] == "collectivities"].iloc[0]
    assert count["value"] == 465 and "plus de 460" in count["note"]


def test_every_source_of_the_reference_table_is_listed_in_its_readme():
    table = load_reference(REFERENCE)
    readme = (REFERENCE.parent / "README.md").read_text(encoding="utf-8")
    for source in table["source"].unique():
        assert f"<{source}>" in readme, source
    assert table["source"].str.match(r"^https://").all()


def write_reference(tmp_path: Path, **changes) -> Path:
    row = {"name": "Rennes", "kind": "commune", "population": "222485",
           "population_year": "2020", "scheme_type": "budget participatif", "year": "2022",
           "indicator": "turnout_rate", "statistic": "value", "value": "0.14",
           "source": "https://example.org", "note": "", "public": "true"}
    row.update(changes)
    path = tmp_path / "reference.csv"
    path.write_text(",".join(row) + "\n" + ",".join(row.values()) + "\n", encoding="utf-8")
    return path


def test_reference_errors_name_the_line_and_column(tmp_path):
    path = write_reference(tmp_path, kind="ville")
    with pytest.raises(CatalogError) as caught:
        load_reference(path)
    assert str(caught.value) == (f"{path}, line 2, column 'kind': 'ville' is not one of "
                                 "national, commune, EPCI, département, région")
    path = write_reference(tmp_path, public="peut-être")
    with pytest.raises(CatalogError, match="line 2, column 'public': 'peut-être' is not "
                                           "true or false"):
        load_reference(path)
    path = write_reference(tmp_path, value="14 %")
    with pytest.raises(CatalogError, match="line 2, column 'value': '14 %' is not a number"):
        load_reference(path)


# --- the portfolio ------------------------------------------------------------------------

def write_run(reports: Path, slug: str, run: dict, indicators: dict) -> None:
    folder = reports / slug
    folder.mkdir(parents=True)
    (folder / "run.json").write_text(json.dumps({"slug": slug, "status": "success",
                                                 "started_at": "2025-03-01T09:00:00+00:00",
                                                 **run}), encoding="utf-8")
    (folder / "evidence.json").write_text(json.dumps(indicators), encoding="utf-8")


def test_portfolio_turns_past_studies_into_non_public_rows(tmp_path):
    reports, studies = tmp_path / "reports", tmp_path / "studies"
    write_run(reports, "ville-a", {"client": "Ville A", "client_kind": "commune",
                                   "population": 31_000, "scheme_types": ["budget participatif"],
                                   "year": 2024},
              {"turnout_rate": {"value": 0.061, "label": "Taux de participation",
                                "kind": "percent"},
               "datasets": {"value": 3, "kind": "number"},
               "first_edition": {"value": "2022-03-01", "kind": "date"}})
    # A run that does not record the client's kind nor the schemes: taken from study.yml.
    write_run(reports, "agglo-b", {"client": "Agglo B"},
              {"population": {"value": 88_000, "kind": "number"},
               "turnout_rate": {"value": 0.032, "kind": "percent"},
               "cost_per_participant": {"value": 41.5, "kind": "euro"}})
    (studies / "agglo-b").mkdir(parents=True)
    (studies / "agglo-b" / "study.yml").write_text(
        'client: {name: "Agglo B", kind: EPCI, insee_code: "243500139", population: 88000}\n'
        "schemes:\n"
        "  - {name: BP, type: budget participatif,\n"
        "     editions: [{label: '2023', start: 01/02/2023, end: 30/10/2023}]}\n"
        "  - {name: Conseils, type: conseil de quartier}\n", encoding="utf-8")
    table = portfolio(reports, studies)
    assert not table["public"].any()
    assert set(table["indicator"]) == {"turnout_rate", "cost_per_participant"}  # no bookkeeping
    a = table[table["study"] == "ville-a"].iloc[0]
    assert (a["name"], a["kind"], a["population"], a["year"]) == ("Ville A", "commune", 31_000,
                                                                  2024)
    assert a["source"] == "civeval study ville-a (run of 2025-03-01)"
    b = table[(table["study"] == "agglo-b") & (table["indicator"] == "turnout_rate")]
    assert sorted(b["scheme_type"]) == ["budget participatif", "conseil de quartier"]
    assert set(b["kind"]) == {"EPCI"} and set(b["population"]) == {88_000}
    assert set(b["year"]) == {2023}


def test_each_study_file_is_parsed_once_while_it_stays_the_same(tmp_path, monkeypatch):
    from civeval.benchmark import past_studies
    from civeval.workbench import yamlsource

    reports, studies = tmp_path / "reports", tmp_path / "studies"
    write_run(reports, "agglo-c", {"client": "Agglo C"},
              {"turnout_rate": {"value": 0.032, "kind": "percent"}})
    study_file = studies / "agglo-c" / "study.yml"
    study_file.parent.mkdir(parents=True)
    study_file.write_text("client: {name: Agglo C, kind: EPCI}\n", encoding="utf-8")
    parsed = []
    safe_load = yamlsource.safe_load

    def counted(text):
        parsed.append(text)
        return safe_load(text)

    monkeypatch.setattr(yamlsource, "safe_load", counted)

    # Planning a batch of n studies reads the portfolio n times.
    for _ in range(3):
        assert {row["kind"] for row in past_studies.portfolio_rows(reports, studies)} == {
            "EPCI"}
    assert len(parsed) == 1
    study_file.write_text("client: {name: Agglo C, kind: commune, population: 9000}\n",
                          encoding="utf-8")
    assert {row["kind"] for row in past_studies.portfolio_rows(reports, studies)} == {
        "commune"}
    assert len(parsed) == 2


def test_portfolio_of_an_empty_reports_folder(tmp_path):
    table = portfolio(tmp_path, tmp_path)
    assert table.empty and list(table.columns[:len(COLUMNS)]) == list(COLUMNS)


def test_a_corrupt_run_file_is_named(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "run.json").write_text("{", encoding="utf-8")
    with pytest.raises(CatalogError, match=re.escape(str(tmp_path / "x" / "run.json"))):
        portfolio(tmp_path, tmp_path)


# --- peers --------------------------------------------------------------------------------

def benchmark_rows(names, populations, values, *, public=False, kind="commune",
                   scheme="budget participatif", year=2023) -> pd.DataFrame:
    return pd.DataFrame({"name": names, "kind": kind, "population": populations,
                         "scheme_type": scheme, "year": year, "indicator": "turnout_rate",
                         "statistic": "value", "value": values, "source": "test",
                         "public": public})


def test_peer_group_keeps_the_same_scheme_in_the_same_band():
    table = pd.concat([
        load_reference(REFERENCE),
        benchmark_rows(["A", "B", "C", "D"], [19_999, 20_000, 49_999, 50_000],
                       [0.05, 0.06, 0.07, 0.08]),
        benchmark_rows(["E"], [30_000], [0.09], scheme="conseil de quartier"),
    ], ignore_index=True)
    peers = peer_group(table, "Budget participatif", 31_000)
    assert peers["name"].tolist() == ["B", "C"]  # bands include low, exclude high
    assert set(peers["band"]) == {f"20–50{NNBSP}000 hab."}
    big = peer_group(table, "budget participatif", 160_000)
    # National aggregates are no peers; Paris has two indicators, so two rows.
    assert sorted(big["name"]) == ["Angers", "Paris", "Paris", "Rennes"]
    assert big.attrs["band"] == (100_000, math.inf)
    with pytest.raises(InputError, match="the population 10 is in none of the bands"):
        peer_group(table, "budget participatif", 10, bands=((1000, 5000),))


def test_band_labels():
    assert [band_label(low, high) for low, high in BANDS] == [
        f"moins de 20{NNBSP}000 hab.", f"20–50{NNBSP}000 hab.", f"50–100{NNBSP}000 hab.",
        f"100{NNBSP}000 hab. et plus"]
    assert band_label(0, 20_000, "en") == "under 20,000 inhabitants"


# --- ranks --------------------------------------------------------------------------------

def test_compare_ranks_the_client_by_hand():
    peers = benchmark_rows(["B", "C", "D", "E", "F"], 30_000,
                           [0.02, 0.03, 0.05, 0.05, 0.10])
    table = compare(0.05, peers, "turnout_rate", client="Ville A")
    # 4 of the 5 peers are at or below 5 %: weak percentile rank 80.
    assert table.attrs["percentile_rank"] == 80
    values = np.array([0.02, 0.03, 0.05, 0.05, 0.10])
    assert table.attrs["z_score"] == pytest.approx((0.05 - values.mean()) / values.std(ddof=1))
    assert table.attrs["n_peers"] == 5 and table.attrs["peer_median"] == 0.05
    client = table[table["is_client"]].iloc[0]
    assert client["name"] == "Ville A" and client["percentile_rank"] == 80
    # Each peer's rank is scipy's weak percentile among the peers.
    peers_only = table[~table["is_client"]]
    expected = [stats.percentileofscore(values, v, kind="weak") for v in peers_only["value"]]
    assert peers_only["percentile_rank"].tolist() == pytest.approx(expected)
    assert peers_only["z_score"].tolist() == pytest.approx(
        stats.zscore(peers_only["value"], ddof=1).tolist())
    assert table["value"].is_monotonic_increasing


def test_compare_leaves_the_client_out_and_keeps_each_peers_latest_year():
    peers = pd.concat([
        benchmark_rows(["Ville A", "B", "B", "C"], 30_000, [0.2, 0.01, 0.04, 0.06],
                       year=[2023, 2021, 2023, 2023]),
    ], ignore_index=True)
    table = compare(0.05, peers, "turnout_rate", client="Ville A")
    assert table.attrs["n_peers"] == 2
    assert table.loc[table["name"] == "B", "value"].tolist() == [0.04]
    assert table.attrs["percentile_rank"] == 50
    lonely = compare(0.05, peers.iloc[:2], "turnout_rate", client="Ville A")
    assert lonely.attrs["n_peers"] == 1 and math.isnan(lonely.attrs["z_score"])


# --- anonymity ----------------------------------------------------------------------------

def test_anonymise_hides_non_public_peers_but_not_public_ones_nor_the_client():
    peers = pd.concat([
        benchmark_rows(["Rennes"], [222_485], [0.14], public=True),
        benchmark_rows(["Ville X", "Ville Y", "Ville A"], [31_000, 42_000, 28_000],
                       [0.05, 0.07, 0.06]).assign(study=["x", "y", "a"]),
    ], ignore_index=True)
    out = anonymise(peers, client="Ville A")
    hidden = out[out["anonymised"]]
    assert out["name"].tolist()[0] == "Rennes" and out["name"].tolist()[-1] == "Ville A"
    assert sorted(hidden["name"]) == [f"Commune A, 20–50{NNBSP}000 hab.",
                                      f"Commune B, 20–50{NNBSP}000 hab."]
    # Nothing that could name them: no population, source nor study slug.
    assert hidden[["population", "source", "study"]].isna().all().all()
    assert out.loc[0, "population"] == 222_485
    # Letters do not depend on the row order.
    shuffled = anonymise(peers.iloc[[2, 0, 3, 1]], client="Ville A")
    assert dict(zip(peers["study"], out["name"], strict=True)) == \
        dict(zip(peers["study"].iloc[[2, 0, 3, 1]], shuffled["name"], strict=True))
    english = anonymise(peers, client="Ville A", language="en")
    assert english.loc[english["anonymised"], "name"].str.match(
        r"^Municipality [AB], 20,000–50,000 inhabitants$").all()


def test_a_peer_on_several_rows_keeps_one_letter():
    peers = benchmark_rows(["Ville X", "Ville X", "Ville Y"], 31_000, [0.05, 0.06, 0.07],
                           year=[2022, 2023, 2023])
    names = anonymise(peers, client="Ville A")["name"]
    assert names.iloc[0] == names.iloc[1] != names.iloc[2]


# --- chart --------------------------------------------------------------------------------

def test_chart_refuses_to_name_non_public_peers():
    peers = benchmark_rows(["Ville X", "Rennes"], [160_000, 222_485], [0.05, 0.14],
                           public=[False, True])
    table = compare(0.08, peers, "turnout_rate", client="Ville A")
    with pytest.raises(InputError, match="1 non-public peer\\(s\\) would be named; pass the "
                                         "table through anonymise\\(\\) first"):
        benchmark_chart(table)


def test_chart_highlights_the_client_and_draws_references():
    reference = load_reference(REFERENCE)
    national = reference[(reference["kind"] == "national")
                         & (reference["indicator"] == "turnout_rate")]
    peers = benchmark_rows(["Ville X", "Ville Y", "Rennes"], [160_000, 170_000, 222_485],
                           [0.05, 0.09, 0.14], public=[False, False, True])
    table = anonymise(compare(0.08, peers, "turnout_rate", client="Ville A"), "Ville A")
    figure = benchmark_chart(table, national)
    try:
        assert isinstance(figure, Figure)
        axis = figure.axes[0]
        labels = [label.get_text() for label in axis.get_yticklabels()]
        assert labels[1] == "Ville A" and "Rennes" in labels
        assert axis.get_yticklabels()[1].get_fontweight() == "bold"
        legend = [text.get_text() for text in axis.get_legend().get_texts()]
        assert "France, médiane 2018" in legend and "France, moyenne 2022" in legend
        assert axis.xaxis.get_major_formatter()(0.05, 0).endswith("%")
    finally:
        charts.close(figure)


# --- scale --------------------------------------------------------------------------------

def test_thirty_five_thousand_communes_are_ranked_anonymised_and_drawn():
    # Functional check at the size of France's communes; timing is benchmarks/' business.
    rng = np.random.default_rng(7)
    n = 35_000
    communes = benchmark_rows([f"Commune {i:05d}" for i in range(n)],
                              np.round(np.exp(rng.normal(7.2, 1.4, n))).astype(int) + 50,
                              rng.beta(2, 30, n))
    table = pd.concat([load_reference(REFERENCE), communes], ignore_index=True)
    peers = peer_group(table, "budget participatif", 25_000)
    expected = int(((communes["population"] >= 20_000) & (communes["population"] < 50_000)).sum())
    assert len(peers) == expected > 100
    comparison = compare(0.06, peers, "turnout_rate", client="Ville A")
    assert len(comparison) == expected + 1
    assert comparison["percentile_rank"].between(0, 100).all()
    assert comparison.attrs["percentile_rank"] == pytest.approx(
        100 * (peers["value"] <= 0.06).mean())
    hidden = anonymise(comparison, "Ville A")
    assert hidden["anonymised"].sum() == expected
    assert hidden.loc[hidden["anonymised"], "name"].nunique() == expected
    assert hidden["population"].isna().sum() == expected + 1  # the client row has none
    whole = anonymise(compare(0.06, peer_group(table, "budget participatif", 3_000),
                              "turnout_rate", client="Ville A"), "Ville A")
    assert len(whole) > 30_000
    figure = benchmark_chart(whole)
    try:
        assert figure.axes[0].get_yticks().size == 0  # a strip, no names
    finally:
        charts.close(figure)
