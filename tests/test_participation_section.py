"""The participation section on the demo studies: what the report states, and why."""

import json

import pandas as pd
import pytest

from civeval import load_study
from civeval.sections import participation as section


@pytest.fixture(autouse=True)
def reports_elsewhere(tmp_path, monkeypatch):
    monkeypatch.setenv("CIVEVAL_REPORTS", str(tmp_path / "reports"))


def test_reach_and_trend_of_a_declining_participatory_budget():
    study = load_study("demo-saint-aubin")
    voters = study.load("votants")
    reach = section.reach(study, voters, "edition")
    assert reach["participants"].tolist() == voters.groupby("edition").size().tolist()
    assert reach["participation_rate"].iloc[-1] == pytest.approx(
        (voters["edition"] == 2024).sum() / 12400)
    verdict = section.essoufflement(study, voters, "edition").data
    assert verdict.startswith("<p>Baisse significative de \u221227,9")
    assert "de 1\u202f130 à 815" in verdict and "p &lt; 0,001" in verdict
    figures = study.evidence()
    assert figures["turnout_rate"].kind == "percent"
    assert figures["participants_change"].value == pytest.approx(815 / 1130 - 1)
    trend = figures["participants_change"].trend
    assert (trend.first, trend.last, trend.significant, trend.breaks) == (
        "2022", "2024", True, ())
    assert figures["turnout_rate"].trend == trend  # the turnout carries the same trend


def test_districts_name_the_extremes_and_hide_small_cells():
    study = load_study("demo-saint-aubin")
    voters = study.load("votants")
    object.__setattr__(study.config.report, "small_cell_threshold", 150)
    table, sentence = section.districts(study, voters, study.load("population_quartiers"),
                                        "edition")
    assert "Centre-Bourg participe le plus" in sentence.data
    hidden = table[table["participants"].isna()]
    # Le Val d'Aubin (106 voters in 2024) is under 150; the next smallest district is hidden
    # too, or the total would give its count away.
    assert hidden["district"].tolist() == ["La Croix-Verte", "Le Val d'Aubin"]
    assert hidden["participation_rate"].isna().all()


def test_council_attendance_declines_significantly():
    study = load_study("demo-villeneuve-ardre")
    table, verdict = section.attendance(study, study.load("seances"), "membres_inscrits",
                                        "membres_presents", "date")
    assert table["year"].tolist() == [2023, 2024, 2025]
    assert table["attendance_rate"].is_monotonic_decreasing
    assert verdict.data.startswith("<p>Baisse significative")


def test_answers_to_the_proposals_of_a_platform():
    consultation = load_study("demo-val-de-brenne")
    answers = section.answers(consultation, consultation.load("propositions"))
    values = dict(zip(answers["indicator"], answers["value"], strict=True))
    proposals = consultation.load("propositions")
    assert values["Propositions déposées"] == len(proposals)
    assert values["Propositions ayant reçu une réponse"] == proposals["answered_at"].notna().sum()


def test_diversity_of_voters_against_adult_margins():
    from civeval.survey.margins import as_margins

    study = load_study("demo-saint-aubin")
    voters = study.load("votants")
    margins = as_margins(study.load("marges_insee"))
    table = section.diversity(study, voters, margins, "edition")
    # Readers see labels, never the margins table's identifiers.
    assert set(table["variable"]) == {"Tranche d'âge", "Sexe"}
    assert {"Femmes", "Hommes"} <= set(table["category"])
    young = table[(table["variable"] == "Tranche d'âge") & (table["category"] == "18-29")].iloc[0]
    last = voters[voters["edition"] == 2024]
    share = (last["tranche_age"] == "18-29").mean()
    assert young["share_participants"] == pytest.approx(share)
    assert young["representation_ratio"] == pytest.approx(share / (1650 / 9800))
    assert study.evidence()["dissimilarity_tranche_age"].label == (
        "Indice de dissimilarité des participants (tranche d'âge)")


def test_efficiency_from_the_editions_budget_and_cost():
    study = load_study("demo-saint-aubin")
    voters = study.load("votants")
    table = section.efficiency(study, section.reach(study, voters, "edition"), "edition")
    last = table.iloc[-1]
    assert last["budget_per_inhabitant"] == pytest.approx(150000 / 12400)
    assert last["cost_per_participant"] == pytest.approx(35000 / (voters["edition"] == 2024).sum())
    assert study.evidence()["cost_per_participant"].kind == "euro"
    assert section.efficiency(load_study("demo-villeneuve-ardre"), table, "edition") is None


def test_a_district_missing_from_the_population_stops_validation(project, capsys):
    from civeval.cli import main
    from conftest import MINIMAL_STUDY, write_study

    write_study(project, "quartiers", MINIMAL_STUDY + """\
data:
  votants: {file: data/votants.csv}
  population: {file: data/population.csv}
components:
  - template: 30_participation
    parameters: {participants: votants, person: id, population: population}
""", files={"data/votants.csv": "id;edition;quartier\nA;2024;Centre\nB;2024;Nord\nC;2024;Centre\n",
            "data/population.csv": "quartier;population\nCentre;5000\nSud;7000\n"})
    assert main(["validate", "quartiers"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("civeval: error: study 'quartiers', "
                            "studies/quartiers/data/votants.csv, line 3, column 'quartier': "
                            "the district 'Nord' is not in the population table "
                            "(data/population.csv); districts there: Centre, Sud")


def test_proposals_trend_is_not_overstated():
    study = load_study("demo-saint-aubin")
    projects = study.load("projets")
    table, verdict = section.proposals_by_edition(study, projects, "edition")
    assert table["proposals"].tolist() == projects.groupby("edition").size().tolist()
    # 12, 14, 15 proposals: no test could call that a significant change.
    assert verdict.data.startswith("<p>Pas d'évolution significative entre 2022 et 2024")
    assert study.evidence()["proposals_change"].trend.significant is False


def test_platform_contributors_by_phase_are_unique_people():
    from civeval.participation.decidim import read_decidim

    study = load_study("demo-val-de-brenne")
    path = study.dataset_path("propositions")
    table = section.phases(study, path).set_index("phase")
    assert table.index.tolist() == ["Dépôt de propositions", "Commentaires",
                                    "Soutiens aux propositions"]
    export = read_decidim(path)
    assert table.loc["Dépôt de propositions", "participations"] == len(export["proposals"])
    assert (table.loc["Dépôt de propositions", "unique_participants"]
            == export["proposals"]["author_id"].nunique())
    assert table.loc["Commentaires", "unique_participants"] == export["comments"][
        "author_id"].nunique()
    # Supports are known as totals only: no count of people, hence no rate.
    support = table.loc["Soutiens aux propositions"]
    assert support["participations"] == export["proposals"]["votes"].sum()
    assert pd.isna(support["unique_participants"]) and pd.isna(support["participation_rate"])
    assert study.evidence()["platform_contributors"].value == pd.concat(
        [export["proposals"]["author_id"], export["comments"]["author_id"]]).nunique()


def test_voters_of_a_pabulib_file_make_the_vote_phase():
    study = load_study("demo-saint-aubin")
    ballots = study.load("vote_2024")
    table = section.phases(study, ballots=ballots).set_index("phase")
    voters = (study.load("votants")["edition"] == 2024).sum()
    assert table.loc["Vote", "unique_participants"] == voters == ballots.attrs["voters"]
    assert table.loc["Vote", "participation_rate"] == pytest.approx(voters / 12400)
    assert section.phases(study) is None


def test_proposals_chart_names_the_first_and_last_editions():
    study = load_study("demo-saint-aubin")
    projects = study.load("projets")
    submitted, _ = section.proposals_by_edition(study, projects, "edition")
    figure = section.proposals_chart(study, submitted, "edition").data
    # The demo's counts, read from its file (scripts/demo may redraw them).
    first, last = projects.groupby("edition").size().iloc[[0, -1]]
    assert (f'alt="Diagramme en barres : {first} propositions en 2022, {last} en 2024."'
            in figure)


def test_an_unknown_measured_scheme_stops_validation(project, capsys):
    from civeval.cli import main
    from conftest import MINIMAL_STUDY, write_study

    write_study(project, "deux", MINIMAL_STUDY + """\
components:
  - template: 30_participation
    parameters: {scheme: "Budget participatf"}
""")
    assert main(["validate", "deux"]) == 2
    assert capsys.readouterr().err.startswith(
        "civeval: error: study 'deux', studies/deux/study.yml, line 10, column 18: "
        "no scheme named 'Budget participatf' in this study (its schemes: "
        "'Budget participatif')")


def test_figures_of_a_measured_scheme_go_to_its_type_only(tmp_path, monkeypatch):
    from civeval import benchmark
    from civeval.sections import parangonnage

    reports = tmp_path / "reports"
    monkeypatch.setenv("CIVEVAL_REPORTS", str(reports))
    study = load_study("demo-villeneuve-ardre")  # councils and a deliberative poll
    study.record("population_share", 0.5, kind="percent")
    study.measure("Conseils de quartier")
    section.attendance(study, study.load("seances"), "membres_inscrits", "membres_presents",
                       "date")
    figures = study.evidence()
    assert figures["attendance_rate"].scheme_type == "conseil de quartier"
    assert figures["population_share"].scheme_type is None
    (reports / study.slug / "run.json").write_text(json.dumps(
        {"slug": study.slug, "client": "Villeneuve", "client_kind": "commune",
         "population": 150_000, "scheme_types": ["conseil de quartier", "sondage délibératif"],
         "status": "success"}))
    rows = benchmark.portfolio()
    assert set(rows.loc[rows["indicator"] == "attendance_rate", "scheme_type"]) == {
        "conseil de quartier"}
    assert set(rows.loc[rows["indicator"] == "population_share", "scheme_type"]) == {
        "conseil de quartier", "sondage délibératif"}
    # The poll's benchmark does not take the councils' attendance for its own.
    assert parangonnage.compare(study, rows, "sondage délibératif", "attendance_rate") is None
    assert parangonnage.compare(study, rows, "conseil de quartier",
                                "attendance_rate") is not None


def test_the_vote_file_beside_a_participants_table_adds_its_winners_only():
    study = load_study("demo-saint-aubin")
    votes = section.votes(study, "vote_2024")
    by_edition, _, verdict = section.vote_editions(study, votes, measure_reach=False)
    ballots = study.load("vote_2024").attrs["voters"]
    assert by_edition["voters"].tolist() == [ballots]
    figures = study.evidence()
    # The participants table measures reach: the vote file records its own figures only.
    assert figures["pb_voters"].value == ballots
    assert "turnout_rate" not in figures and "participants_2024" not in figures
    assert verdict is None  # one edition of votes: no trend
    outcomes, notes = section.vote_outcomes(study, votes)
    projects = study.load("vote_2024")
    won = projects["selected"] == 1
    assert outcomes["winners"].tolist() == [won.sum()] and notes == []
    figures = study.evidence()
    assert figures["pb_budget_spent"].value == projects.loc[won, "cost"].sum()
    assert figures["pb_spent_share"].value <= 1
