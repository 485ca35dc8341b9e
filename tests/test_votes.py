"""Votes of several editions and districts: binding, winners under each file's rule,
voters' attributes, the participation section built on them, and the plausibility checks.

Reference values are computed here by hand or with plain pandas on the fixture files
(tests/fixtures/participation/testville_*.pb and district_17.pb, made for these tests).
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pandas as pd
import pytest

from civeval import load_study
from civeval.participation import voters as attributes
from civeval.participation import votes as vote_files
from civeval.participation import winners as rules
from civeval.participation.pabulib import (
    read_pabulib,
    read_pabulib_projects,
    summarise_pabulib,
)
from civeval.participation.vote_checks import (
    check_district_votes_within_city,
    check_winners_follow_rule,
    check_winners_within_budget,
)
from civeval.sections import participation as section
from conftest import write_study

FIXTURES = Path(__file__).parent / "fixtures" / "participation"
CITY_2023 = FIXTURES / "testville_2023.pb"
CITY_2024 = FIXTURES / "testville_2024.pb"
NORD, SUD = FIXTURES / "testville_2024_nord.pb", FIXTURES / "testville_2024_sud.pb"
DISTRICT_17 = FIXTURES / "district_17.pb"


@pytest.fixture(autouse=True)
def reports_elsewhere(tmp_path, monkeypatch):
    monkeypatch.setenv("CIVEVAL_REPORTS", str(tmp_path / "reports"))


def pb(tmp_path: Path, meta: str, projects: str, votes: str, name: str = "bp.pb") -> Path:
    """A Pabulib file from its three sections' lines (without their titles)."""
    path = tmp_path / name
    path.write_text(f"META\nkey;value\n{meta}PROJECTS\n{projects}VOTES\n{votes}",
                    encoding="utf-8")
    return path


def approvals_by_hand(path: Path) -> pd.Series:
    """Approvals per project counted with plain pandas on the VOTES lines."""
    lines = path.read_text(encoding="utf-8").splitlines()
    rows = [line.split(";") for line in lines[lines.index("VOTES") + 2:]]
    return pd.Series([p for row in rows for p in row[1].split(",") if p]).value_counts()


def greedy_by_hand(costs: dict, scores: dict, budget: float) -> list:
    """The greedy rule, written out: by decreasing score (ties: the file's order, which
    ``costs`` keeps), each project that still fits."""
    funded, left = [], budget
    for project in sorted(costs, key=lambda p: -scores.get(p, 0)):
        if costs[project] <= left:
            funded.append(project)
            left -= costs[project]
    return funded


# --- the reader's summaries ---------------------------------------------------

def test_a_summary_is_read_once_per_file_version(tmp_path):
    path = tmp_path / "bp.pb"
    shutil.copy(CITY_2023, path)
    summary = summarise_pabulib(path)
    assert summarise_pabulib(path) is summary
    assert summary.ballots == 40 and summary.scored is False
    assert summary.voters.columns.tolist() == ["age", "sex", "voting_method"]
    assert summary.meta_lines["instance"] == 6
    # Each catalogue read is a table of its own: changing it changes no other.
    table = read_pabulib_projects(path)
    table.loc[:, "cost"] = 0
    assert read_pabulib_projects(path)["cost"].tolist() == [50000, 30000, 40000, 20000, 10000]
    path.write_text(path.read_text().replace("budget;100000", "budget;90000"))
    assert summarise_pabulib(path).budget == 90000  # a changed file is read again


# --- winners -----------------------------------------------------------------------------------

def test_greedy_winners_recomputed_match_a_hand_computation():
    summary = summarise_pabulib(CITY_2024)
    costs = dict(zip(summary.projects["project_id"], summary.projects["cost"], strict=True))
    expected = greedy_by_hand(costs, approvals_by_hand(CITY_2024).to_dict(), 120000)
    assert rules.recomputed_winners(summary) == tuple(expected) == ("2", "3", "4")
    table = rules.winners(summary)
    assert table.attrs == {"source": "rule", "rule": "greedy", "problem": None}
    assert table.loc[table["winner"], "project_id"].tolist() == ["2", "3", "4"]
    result = rules.outcome(table, summary.budget)
    assert (result["winners"], result["spent"]) == (3, 110000.0)
    assert result["spent_share"] == pytest.approx(110000 / 120000)
    # Winners 2, 3, 4 against the three most voted (2, 3, 1): two of three.
    assert result["top_share"] == pytest.approx(2 / 3)


def test_greedy_ranks_cumulative_votes_by_points_not_voters(tmp_path):
    path = pb(tmp_path, "vote_type;cumulative\nbudget;500\nrule;greedy\n",
              "project_id;cost\n10;100\n20;200\n30;300\n",
              "voter_id;vote;points\n1;30,10;4,1\n2;20;5\n3;10,20,30;1,1,1\n")
    # Points: 10 → 2, 20 → 6, 30 → 5; every project has two voters.
    assert rules.recomputed_winners(summarise_pabulib(path)) == ("20", "30")


def test_selected_winners_are_read_from_the_file():
    table = rules.winners(summarise_pabulib(CITY_2023))
    assert table.attrs["source"] == "file"
    assert table.loc[table["winner"], "project_id"].tolist() == ["1", "2", "4"]
    assert table["rank"].tolist() == [1, 2, 3, 4, 5]


def test_equal_shares_and_its_add1_completion(tmp_path):
    # Four voters, budget 100: each has 25. A (60) and B (40) are approved by voters 1-3,
    # C (40) by voter 4. Equal shares buys B (13.33 each), after which A costs more than
    # the 35 left to its supporters and C more than voter 4's 25: {B}. Raising each share
    # one unit at a time, at 34 A fits after B (3 × 20.67 ≥ 60): {A, B}, which uses the
    # whole budget. Greedy would fund A and B by their three votes each.
    meta = "vote_type;approval\nbudget;100\nrule;{rule}\n"
    projects = "project_id;cost\nA;60\nB;40\nC;40\n"
    votes = "voter_id;vote\n1;A,B\n2;A,B\n3;A,B\n4;C\n"
    plain = pb(tmp_path, meta.format(rule="equalshares"), projects, votes, "mes.pb")
    add1 = pb(tmp_path, meta.format(rule="equalshares/add1"), projects, votes, "add1.pb")
    assert rules.recomputed_winners(summarise_pabulib(plain)) == ("B",)
    assert set(rules.recomputed_winners(summarise_pabulib(add1))) == {"A", "B"}


def test_greedy_with_a_threshold_leaves_projects_under_it_out(tmp_path):
    path = pb(tmp_path, "vote_type;approval\nbudget;100\nrule;greedy-threshold\n"
                        "min_project_score_threshold;2\n",
              "project_id;cost\na;50\nb;30\nc;10\n", "voter_id;vote\n1;a,b\n2;a\n3;c,a\n")
    # c (1 vote) would fit after a and b, but is under the threshold of 2 votes.
    assert rules.recomputed_winners(summarise_pabulib(path)) == ("a",)


@pytest.mark.parametrize("meta, problem", [
    ("vote_type;approval\nbudget;100\nrule;greedy-exclusive\n", "exclusive"),
    ("vote_type;approval\nbudget;100\nrule;poznan\n", "unknown_rule"),
    ("vote_type;approval\nbudget;100\nrule;unknown\n", "no_rule"),
    ("vote_type;approval\nbudget;100\n", "no_rule"),
    ("vote_type;approval\nrule;greedy\n", "no_budget"),
    ("vote_type;cumulative\nbudget;100\nrule;equalshares\n", "vote_type"),
    ("vote_type;ordinal\nbudget;100\nrule;greedy\n", "vote_type"),
    ("vote_type;approval\nbudget;100\nrule;greedy-threshold\n", "no_threshold"),
])
def test_a_rule_that_cannot_be_run_is_said_not_guessed(tmp_path, meta, problem):
    points = "cumulative" in meta
    path = pb(tmp_path, meta, "project_id;cost\na;50\nb;30\n",
              "voter_id;vote;points\n1;a;1\n2;a,b;1,1\n" if points
              else "voter_id;vote\n1;a\n2;a,b\n")
    summary = summarise_pabulib(path)
    assert rules.rule_problem(summary) == problem
    assert rules.recomputed_winners(summary) is None
    table = rules.winners(summary)
    assert table.attrs["source"] is None and table.attrs["problem"] == problem
    assert table["winner"].isna().all()
    assert pd.isna(rules.outcome(table, 100)["spent"])


# --- voters' attributes ------------------------------------------------------------------------

def test_ages_go_into_the_margins_bands():
    ages = pd.Series([0, 17, 18, 29, 44.9, 75, 101, None])
    bands = attributes.age_bands(ages)
    assert bands.iloc[:7].tolist() == ["0-17", "0-17", "18-29", "18-29", "30-44", "75+", "75+"]
    assert pd.isna(bands.iloc[7])
    bands = attributes.age_bands(pd.Series([16, 18, 80]), ["18 à 29 ans", "75 ans et plus"])
    assert pd.isna(bands.iloc[0]) and bands.iloc[1:].tolist() == ["18 à 29 ans",
                                                                  "75 ans et plus"]
    assert attributes.age_band_limits("moins de 18 ans") == (0, 17)
    with pytest.raises(Exception, match="'Cadres' is not an age band"):
        attributes.age_bands(ages, ["18-29", "Cadres"])
    with pytest.raises(Exception, match="the age bands '18-29' and '25-40' overlap"):
        attributes.age_bands(ages, ["18-29", "25-40"])


def test_sexes_are_written_as_the_margins_write_them():
    sexes = pd.Series(["F", "M", "O", None, "f"])
    assert attributes.sex_categories(sexes, ["F", "H"]).tolist()[:2] == ["F", "H"]
    assert attributes.sex_categories(sexes, ["Femmes", "Hommes", "Autre"]).tolist()[:3] == [
        "Femmes", "Hommes", "Autre"]
    assert attributes.sex_categories(sexes, ["F", "H"]).iloc[4] == "F"
    assert attributes.margin_variables({"sexe": {"F": 1, "H": 1},
                                        "quartier": {"Faubourg": 1, "Moulins": 1},
                                        "age": {"18-29": 1, "30+": 1}}) == {
        "sex": "sexe", "age": "age"}


def test_voter_profile_counts_against_pandas():
    voters = vote_files.voters([vote_files.bind_vote(summarise_pabulib(CITY_2023), "v")])
    table = attributes.voter_profile(voters, "sex")
    raw = voters["sex"].value_counts()
    assert dict(zip(table["category"], table["voters"], strict=True)) == raw.to_dict()
    assert table["share"].sum() == pytest.approx(1)


# --- binding and the per-edition and per-district tables ----------------------------------

def test_files_are_bound_by_their_meta_unless_the_catalogue_says():
    nord = vote_files.bind_vote(summarise_pabulib(NORD), "nord", territory="Testville")
    assert (nord.edition, nord.district, nord.citywide) == ("2024", "1 - Nord", False)
    city = vote_files.bind_vote(summarise_pabulib(CITY_2024), "city", territory="Testville")
    assert city.citywide
    moved = vote_files.bind_vote(summarise_pabulib(NORD), "nord", edition="2025",
                                 district="Nord")
    assert (moved.edition, moved.district) == ("2025", "Nord")
    assert vote_files.covers_territory("Wesoła", "Wesoła (Warszawa)", unit="Warszawa")
    assert not vote_files.covers_territory("Wesoła", "Warszawa", unit="Warszawa")


def test_editions_count_voters_from_the_city_wide_file_and_districts_as_ballots():
    votes = [vote_files.bind_vote(summarise_pabulib(path), path.stem, territory="Testville")
             for path in (CITY_2023, CITY_2024, NORD, SUD)]
    shares = {"1 - Nord": 4000.0, "2 - Sud": 3000.0}
    table = vote_files.editions(votes, 12000, shares).set_index("edition")
    assert table["voters"].tolist() == [40, 30]
    assert table["turnout"].tolist() == pytest.approx([40 / 12000, 30 / 12000])
    assert table.loc["2024", "district_votes"] == 2
    assert table.loc["2024", "district_ballots"] == 12 + 9  # ballots, never voters
    assert pd.isna(table.loc["2023", "district_ballots"])
    assert table["budget_per_inhabitant"].tolist() == pytest.approx([100000 / 12000,
                                                                     120000 / 12000])
    assert table["duration_days"].tolist() == [21, 21]
    facts = vote_files.edition_facts(table.reset_index())
    assert facts["districts"].tolist() == [0, 2]
    by_district = vote_files.districts(votes, shares).set_index("district")
    assert by_district["ballots"].tolist() == [12, 9]
    assert by_district["turnout"].tolist() == pytest.approx([12 / 4000, 9 / 3000])
    assert by_district["spent"].tolist() == [40000, 40000]


def test_an_edition_of_district_files_only_has_no_voters():
    votes = [vote_files.bind_vote(summarise_pabulib(path), path.stem, territory="Testville")
             for path in (NORD, SUD)]
    row = vote_files.editions(votes, 12000).iloc[0]
    assert pd.isna(row["voters"]) and math.isnan(row["turnout"])
    assert row["projects"] == 6 and row["budget"] == 80000
    # Its budget covers the two districts: per inhabitant only with their population.
    assert math.isnan(row["budget_per_inhabitant"])
    with_population = vote_files.editions(votes, 12000, {"1 - Nord": 4000, "2 - Sud": 3000})
    assert with_population["budget_per_inhabitant"].iloc[0] == pytest.approx(80000 / 7000)


def test_vote_dates_as_pabulib_writes_them():
    assert vote_files.vote_dates({"date_begin": "2024-03-01", "date_end": "2024"})[1] \
        .isoformat() == "2024-12-31"
    assert vote_files.vote_dates({}) == (None, None)


# --- studies ---------------------------------------------------------------------------------

STUDY = """\
title: "Évaluation test"
client: {name: "Testville", kind: commune, insee_code: "35238", population: 12000}
schemes:
  - name: "Budget participatif"
    type: budget participatif
    editions:
"""


def votes_study(project: Path, slug: str, files: dict[str, Path], editions=("2023", "2024"),
                parameters: str = "", catalogue: str = "", extra: dict | None = None
                ) -> Path:
    """A study whose catalogue holds ``files`` (name → fixture) and a 30_participation
    component reading them all."""
    data = "".join(f"  {name}: {{file: data/{path.name}}}\n" for name, path in files.items())
    text = (STUDY + "".join(f'      - {{label: "{e}"}}\n' for e in editions)
            + "data:\n" + data + catalogue
            + "components:\n  - template: 30_participation\n"
            + f"    parameters: {{ballots: [{', '.join(files)}]{parameters}}}\n")
    folder = write_study(project, slug, text)
    (folder / "data").mkdir(exist_ok=True)
    for path in [*files.values(), *(extra or {}).values()]:
        shutil.copy(path, folder / "data" / path.name)
    return folder


def test_an_edition_the_study_does_not_declare_stops_validation(project, capsys):
    from civeval.cli import main

    votes_study(project, "editions", {"vote_2023": CITY_2023, "vote_2024": CITY_2024},
                editions=("2024",))
    assert main(["validate", "editions"]) == 2
    assert capsys.readouterr().err.startswith(
        "civeval: error: study 'editions', studies/editions/data/testville_2023.pb, line 6, "
        "column 'value': edition '2023' (META instance) is not an edition of the scheme in "
        "study.yml (its editions: 2024): declare it, or bind data.vote_2023 to an edition "
        "in the catalogue (edition: ...)")


def test_two_files_of_the_same_edition_and_district_stop_validation(project, capsys):
    from civeval.cli import main

    folder = votes_study(project, "twice", {"vote_a": CITY_2024})
    shutil.copy(CITY_2024, folder / "data" / "copy.pb")
    text = (folder / "study.yml").read_text().replace(
        "  vote_a: {file: data/testville_2024.pb}\n",
        "  vote_a: {file: data/testville_2024.pb}\n  vote_b: {file: data/copy.pb}\n").replace(
        "ballots: [vote_a]", "ballots: [vote_a, vote_b]")
    (folder / "study.yml").write_text(text)
    assert main(["validate", "twice"]) == 2
    assert "data.vote_b and data.vote_a are both the vote of edition 2024, the whole " \
           "territory" in capsys.readouterr().err


def test_districts_missing_from_the_population_and_geometry_are_listed(project, capsys):
    from civeval.cli import main

    folder = votes_study(
        project, "carte", {"nord": NORD, "quartier_17": DISTRICT_17}, editions=("2022", "2024"),
        parameters=", population: population, geometry: quartiers",
        catalogue="  population: {file: data/testville_population.csv, kind: population}\n"
                  "  quartiers: {file: data/testville_quartiers.geojson}\n",
        extra={"p": FIXTURES / "testville_population.csv",
               "g": FIXTURES / "testville_quartiers.geojson"})
    assert main(["validate", "carte"]) == 2
    error = capsys.readouterr().err
    # The district of quartier 17 is in neither; Nord (« 1 - Nord ») is in both.
    assert ("studies/carte/data/district_17.pb, line 6, column 'value': 1 district of "
            "studies/carte/data/district_17.pb is not in data/testville_population.csv: "
            "'17 - Quartier des Sources'") in error
    assert "is not in data/testville_quartiers.geojson: '17 - Quartier des Sources'" in error
    assert "Nord" not in error.replace("1 - Nord", "")
    assert folder.is_dir() and not (project / "reports").exists()  # nothing written


def test_a_single_district_file_is_shown_with_its_ballots(project):
    votes_study(project, "q17", {"quartier_17": DISTRICT_17}, editions=("2022",))
    study = load_study("q17")
    votes = section.votes(study, "quartier_17")
    by_edition, rules_table, verdict = section.vote_editions(study, votes)
    assert verdict is None  # no city-wide vote: no voters, no trend
    row = by_edition.iloc[0]
    assert pd.isna(row["voters"]) and row["district_ballots"] == 93
    districts = section.vote_districts(study, votes)
    assert districts[["district", "ballots"]].values.tolist() == [
        ["17 - Quartier des Sources", 93]]
    figures = study.evidence()
    assert figures["pb_district_ballots"].value == 93
    assert "turnout_rate" not in figures and "participants_change" not in figures
    assert "Des bulletins, pas des personnes" in figures["pb_district_ballots"].caveats[0]
    outcome, notes = section.vote_outcomes(study, votes)
    summary = summarise_pabulib(DISTRICT_17)
    costs = dict(zip(summary.projects["project_id"], summary.projects["cost"], strict=True))
    funded = greedy_by_hand(costs, approvals_by_hand(DISTRICT_17).to_dict(), 400000)
    assert outcome["winners"].tolist() == [len(funded)] and notes == []
    assert outcome["spent"].iloc[0] == sum(costs[p] for p in funded)
    top = section.top_projects(study, votes)
    assert top["voters"].tolist() == sorted(approvals_by_hand(DISTRICT_17), reverse=True)


def test_editions_of_the_files_make_the_reach_and_its_trend(project):
    votes_study(project, "deux", {"vote_2023": CITY_2023, "vote_2024": CITY_2024,
                                  "nord": NORD, "sud": SUD},
                parameters=", population: population",
                catalogue="  population: {file: data/testville_population.csv}\n",
                extra={"p": FIXTURES / "testville_population.csv"})
    study = load_study("deux")
    votes = section.votes(study, ["vote_2024", "nord", "vote_2023", "sud"])
    assert [(v.edition, v.district) for v in votes] == [
        ("2023", None), ("2024", None), ("2024", "1 - Nord"), ("2024", "2 - Sud")]
    by_edition, rules_table, verdict = section.vote_editions(
        study, votes, study.load("population"))
    figures = study.evidence()
    assert (figures["participants_2023"].value, figures["participants_2024"].value) == (40, 30)
    assert figures["turnout_rate"].value == pytest.approx(30 / 12000)
    assert figures["participants_change"].value == pytest.approx(30 / 40 - 1)
    # From no district vote to two: a change of territory, so 2023 is not compared.
    trend = figures["participants_change"].trend
    assert trend.significant is None and trend.excluded == ("2023",)
    assert figures["turnout_rate"].trend == trend
    changes = rules_table.set_index("edition")["changes"]
    assert changes["2024"] == "territoire : 0 → 2 votes de quartier"
    assert "la tendance n'est pas testée à travers ce changement" in verdict.data
    assert figures["budget_per_inhabitant"].value == pytest.approx(120000 / 12000)
    districts = section.vote_districts(study, votes, study.load("population"))
    assert districts["turnout"].tolist() == pytest.approx([12 / 4000, 9 / 3000])


def test_voters_attributes_against_margins_feed_diversity_and_channels(project):
    margins = "variable;categorie;population\n" + "".join(
        f"tranche_age;{band};{n}\n" for band, n in
        (("18-29", 2000), ("30-44", 2500), ("45-59", 2500), ("60-74", 2000), ("75+", 1000))) \
        + "sexe;F;5200\nsexe;H;4800\n"
    folder = votes_study(project, "profil", {"vote_2023": CITY_2023}, editions=("2023",),
                         parameters=", margins: marges",
                         catalogue="  marges: {file: data/marges.csv, format: margins}\n")
    (folder / "data" / "marges.csv").write_text(margins)
    study = load_study("profil")
    from civeval.survey.margins import as_margins

    shown = section.voter_tables(study, section.votes(study, "vote_2023"),
                                 as_margins(study.load("marges")))
    assert len(shown) == 4  # heading, text, diversity, channels
    raw = read_pabulib(CITY_2023).votes
    young = ((raw["age"] >= 18) & (raw["age"] <= 29)).mean()
    women = (raw["sex"] == "F").mean()
    figures = study.evidence()
    assert figures["young_representation_ratio"].value == pytest.approx(young / 0.2)
    assert "dissimilarity_tranche_age" in figures and "dissimilarity_sexe" in figures
    assert f"{women * 100:.1f}".replace(".", ",") in shown[2].data
    online = (raw["voting_method"] == "internet").mean()
    assert f"{online * 100:.1f}".replace(".", ",") in shown[3].data


def test_district_maps_of_turnout_and_ballots(project):
    from civeval.territory import read_geometry

    votes_study(project, "cartes", {"nord": NORD, "sud": SUD}, editions=("2024",))
    study = load_study("cartes")
    votes = section.votes(study, ["nord", "sud"])
    population = pd.read_csv(FIXTURES / "testville_population.csv", sep=";")
    table = section.vote_districts(study, votes, population)
    figures = section.district_maps(study, table, read_geometry(
        FIXTURES / "testville_quartiers.geojson"))
    assert len(figures) == 2
    assert "Participation aux votes de quartier en 2024" in figures[0].data
    assert "Valeur la plus élevée : Nord (12)" in figures[1].data.replace("\u202f", " ")
    assert "Sans valeur (donnée manquante ou masquée) : Centre." in figures[1].data


# --- plausibility checks -----------------------------------------------------------------------

def checked(project: Path, slug: str, files: dict[str, Path], editions=("2023", "2024"),
            catalogue: str = ""):
    votes_study(project, slug, files, editions=editions, catalogue=catalogue)
    study = load_study(slug)
    return (check_winners_within_budget(study), check_winners_follow_rule(study),
            check_district_votes_within_city(study))


def variant(tmp_path: Path, source: Path, *changes: tuple[str, str]) -> Path:
    text = source.read_text(encoding="utf-8")
    for old, new in changes:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / source.name
    path.write_text(text, encoding="utf-8")
    return path


def test_good_files_pass_every_check(project):
    assert checked(project, "bons", {"a": CITY_2023, "b": CITY_2024, "n": NORD, "s": SUD}) \
        == ([], [], [])


def test_winners_over_the_budget(project, tmp_path):
    # Project 3 (40,000) selected too: 140,000 for an envelope of 100,000.
    bad = variant(tmp_path, CITY_2023, ("3;40000;18;Jardin partagé;0",
                                        "3;40000;18;Jardin partagé;1"))
    within, follow, _ = checked(project, "trop", {"a": bad}, editions=("2023",))
    assert [(f.check, f.dataset, f.message) for f in within] == [
        ("winners_within_budget", "a", "the 4 winners cost 140,000 EUR, more than the "
                                       "envelope of 100,000 EUR (META budget)")]
    assert follow[0].message.endswith("selected but not funded by the rule: 3")


def test_winners_over_the_edition_budget_of_the_study(project, tmp_path):
    bad = variant(tmp_path, CITY_2023, ("budget;100000\n", ""))
    folder = votes_study(project, "enveloppe", {"a": bad}, editions=("2023",))
    text = (folder / "study.yml").read_text().replace('{label: "2023"}',
                                                      '{label: "2023", budget: 90000}')
    (folder / "study.yml").write_text(text)
    failures = check_winners_within_budget(load_study("enveloppe"))
    assert failures[0].message == ("the 3 winners cost 100,000 EUR, more than the envelope "
                                   "of 90,000 EUR (the edition's budget in study.yml)")


def test_wrong_winners_under_greedy(project, tmp_path):
    # Project 5 (5 votes) selected instead of project 4 (10 votes), which fits.
    bad = variant(tmp_path, CITY_2023, ("4;20000;10;Boîte à livres;1",
                                        "4;20000;10;Boîte à livres;0"),
                  ("5;10000;5;Nichoirs;0", "5;10000;5;Nichoirs;1"))
    within, follow, _ = checked(project, "regle", {"a": bad}, editions=("2023",))
    assert within == []  # 90,000: within the envelope, yet not the rule's winners
    assert [(f.check, f.dataset) for f in follow] == [("winners_follow_rule", "a")]
    assert follow[0].message == (
        "the file's winners (column selected) differ from those of its rule 'greedy', "
        "recomputed with pabutools: selected but not funded by the rule: 5; funded by the "
        "rule but not selected: 4")


def test_district_files_over_the_city_wide_vote(project, tmp_path):
    city = variant(tmp_path, CITY_2024, ("budget;120000", "budget;60000"))
    sud = FIXTURES / "testville_2024_sud.pb"
    text = sud.read_text(encoding="utf-8")
    ballots = "".join(f"2-x{i};2a\n" for i in range(30))
    big = tmp_path / "sud_big.pb"
    big.write_text(text.replace("num_votes;9", "num_votes;39").replace("2a;25000;8",
                                                                        "2a;25000;38")
                   + ballots, encoding="utf-8")
    *_, districts = checked(project, "quartiers", {"ville": city, "nord": NORD, "sud": big},
                            editions=("2024",))
    assert [(f.check, f.dataset, f.message) for f in districts] == [
        ("district_votes_within_city", "sud", "39 ballots in district '2 - Sud', more than "
                                              "the 30 voters of the city-wide vote 2024 "
                                              "(data.ville)"),
        ("district_votes_within_city", "ville", "the 2 district envelopes of 2024 add up to "
                                                "80,000 EUR, more than the city-wide envelope "
                                                "of 60,000 EUR")]


def test_the_checks_are_registered_and_block_the_report(project, tmp_path):
    from civeval import plausibility
    from civeval.workbench.runner import plan_study

    bad = variant(tmp_path, CITY_2023, ("3;40000;18;Jardin partagé;0",
                                        "3;40000;18;Jardin partagé;1"))
    votes_study(project, "bloque", {"a": bad}, editions=("2023",))
    for check in ("winners_within_budget", "winners_follow_rule",
                  "district_votes_within_city"):
        assert check in plausibility.CHECKS
    plan = plan_study("bloque")
    assert [f.check for f in plan.blocked] == ["winners_within_budget", "winners_follow_rule"]


def test_the_vote_phase_counts_the_last_editions_city_wide_voters_only(project):
    votes_study(project, "phase", {"vote_2023": CITY_2023, "nord": NORD}, parameters="")
    study = load_study("phase")
    votes = section.votes(study, ["vote_2023", "nord"])
    # The last edition (2024) has a district file only: its ballots are not voters.
    assert section.last_vote_table(votes) is None
    assert section.last_vote_table(votes[:1]).attrs["voters"] == 40


def test_voter_profiles_without_margins_hide_small_cells(project):
    votes_study(project, "profils", {"vote_2023": CITY_2023}, editions=("2023",))
    study = load_study("profils")
    voters = section.vote_voters(study, section.votes(study, "vote_2023"))
    table = section.voter_profiles(study, voters).set_index(["variable", "category"])
    raw = read_pabulib(CITY_2023).votes
    bands = pd.cut(raw["age"].astype(float), [0, 18, 30, 45, 60, 75, 200], right=False,
                   labels=list(attributes.DEFAULT_AGE_BANDS)).value_counts()
    bands = bands[bands > 0]  # a band nobody falls in is not listed
    shown = table.loc["Tranche d'âge", "voters"]
    small = bands[bands < 5].index
    assert len(small) and shown[small].isna().all()
    # The others are shown as counted, but for one more hidden so that none can be deduced
    # from the total.
    visible = shown.drop(small)
    assert visible.isna().sum() <= 1
    assert visible.dropna().to_dict() == bands[visible.dropna().index].to_dict()
    assert table.loc[("Sexe", "Femmes"), "voters"] == (raw["sex"] == "F").sum()
    assert table.loc[("Sexe", "Hommes"), "share"] == pytest.approx((raw["sex"] == "M").mean())


def test_population_districts_missing_from_the_geometry_are_listed(project, capsys):
    from civeval.cli import main

    folder = votes_study(
        project, "geo", {"nord": NORD}, editions=("2024",),
        parameters=", population: population, geometry: quartiers",
        catalogue="  population: {file: data/population.csv, kind: population}\n"
                  "  quartiers: {file: data/testville_quartiers.geojson}\n",
        extra={"g": FIXTURES / "testville_quartiers.geojson"})
    (folder / "data" / "population.csv").write_text(
        "quartier;population\nNord;4000\nSud;3000\nOuest;2000\nEst;1000\n")
    assert main(["validate", "geo"]) == 2
    assert capsys.readouterr().err.startswith(
        "civeval: error: study 'geo', studies/geo/data/population.csv, line 4, column "
        "'quartier': 2 districts of studies/geo/data/population.csv (column 'quartier') are "
        "not in data/testville_quartiers.geojson: 'Ouest', 'Est'")


def test_the_report_says_when_a_rule_cannot_be_recomputed(project, tmp_path):
    exclusive = variant(tmp_path, CITY_2024, ("rule;greedy", "rule;greedy-exclusive"))
    votes_study(project, "exclusif", {"vote_2024": exclusive}, editions=("2024",))
    study = load_study("exclusif")
    table, notes = section.vote_outcomes(study, section.votes(study, "vote_2024"))
    assert table["winners"].isna().all() and table["winners_source"].tolist() == ["–"]
    assert [note.data.strip() for note in notes] == [
        "<p>Toute la ville (2024) : la règle « glouton exclusif » écarte, selon une "
        "hiérarchie propre à la collectivité, les projets qui s'excluent (sur un même lieu) ; "
        "le fichier ne dit pas lesquels et ne désigne pas les lauréats : ils ne sont pas "
        "recalculés.</p>"]
    assert "pb_budget_spent" not in study.evidence()
