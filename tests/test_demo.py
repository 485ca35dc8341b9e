"""The demo studies: their data is exactly what the recipe makes, and it is realistic."""

import sys
from pathlib import Path

import pandas as pd

from civeval import load_study
from civeval.workbench.paths import studies_dir

# The recipe lives in the repository, not in the package: python scripts/demo.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts" / "demo"))
import qualitative  # noqa: E402
import recipe as demo  # noqa: E402


def test_committed_demo_data_is_what_the_recipe_makes():
    generated = demo.generate()
    assert generated, "the recipe makes no file"
    for relative, data in generated.items():
        committed = studies_dir() / relative
        assert committed.read_bytes() == data, f"{relative} differs: run python scripts/demo"


def test_demo_studies_cover_different_sizes_and_schemes():
    studies = [load_study(slug) for slug in demo.RECIPES]
    populations = sorted(s.client.population for s in studies)
    assert populations[0] < 20_000 and populations[-1] >= 100_000
    assert {s.client.kind for s in studies} >= {"commune", "EPCI"}
    types = {str(scheme.type) for s in studies for scheme in s.schemes}
    assert {"budget participatif", "conseil de quartier", "consultation"} <= types
    for study in studies:
        study.check_data()


def test_participatory_budget_turnout_is_realistic_and_declining():
    study = load_study("demo-saint-aubin")
    voters = study.load("votants")
    turnout = voters.groupby("edition").size() / study.client.population
    # French participatory budgets: median turnout 4 % (2018), average 8 % (2022).
    assert turnout.between(0.04, 0.12).all()
    assert turnout.is_monotonic_decreasing
    assert not voters.duplicated(["edition", "id_votant"]).any()
    returning = voters.groupby("id_votant")["edition"].nunique().gt(1).mean()
    assert 0.1 < returning < 0.5  # some voters come back: retention can be measured


def test_neighbourhood_council_register_is_consistent():
    study = load_study("demo-villeneuve-ardre")
    meetings = study.load("seances")
    assert (meetings["membres_presents"] <= meetings["membres_inscrits"]).all()
    assert meetings["date"].dtype.kind == "M"  # dd/mm/yyyy read as dates
    assert meetings["duree_heures"].dtype == "float64"  # decimal comma read as numbers
    assert meetings["quartier"].str.contains("É").any()  # Windows-1252 decoded


def test_consultation_export_has_incomplete_responses():
    responses = load_study("demo-val-de-brenne").load("questionnaire")
    incomplete = responses.attrs["survey"]["incomplete"]
    assert 0.05 < incomplete / (incomplete + len(responses)) < 0.25
    assert pd.api.types.is_datetime64_any_dtype(responses["submitted_at"])


def test_demo_interviews_are_many_varied_and_partly_double_coded():
    study = load_study("demo-saint-aubin")
    coded = study.load("entretiens")
    assert coded["document"].nunique() >= 15
    assert coded["speaker_role"].nunique() >= 4
    double = coded.groupby("document")["coder"].nunique()
    assert 0 < (double == 2).sum() < len(double)  # a subset, not all
    workshop = study.load("atelier")
    assert workshop["group"].nunique() >= 4 and (workshop["votes"] >= 0).all()


def test_winners_follow_the_vote_and_the_envelope_in_every_edition():
    study = load_study("demo-saint-aubin")
    projects = study.load("projets")
    tracked = study.load("suivi_laureats")
    for edition in study.schemes[0].editions:
        rows = projects[projects["edition"] == int(edition.label)]
        won = rows["statut"] == "lauréat"
        assert rows.loc[won, "cout_estime"].sum() <= edition.budget
        # Greedy: each project left out costs more than what the better-voted winners left.
        left = edition.budget
        for row in rows.sort_values(["votes", "id_projet"],
                                    ascending=[False, True]).itertuples(index=False):
            fits = row.cout_estime <= left
            assert fits == (row.statut == "lauréat"), (edition.label, row.id_projet)
            left -= row.cout_estime if fits else 0
        assert set(tracked.loc[tracked["edition"] == int(edition.label), "project_id"]) \
            == set(rows.loc[won, "id_projet"])


def test_the_pabulib_file_says_who_won_as_its_rule_does():
    from pabutools.election import Cost_Sat, parse_pabulib
    from pabutools.rules import greedy_utilitarian_welfare

    study = load_study("demo-saint-aubin")
    path = study.dataset_path("vote_2024")
    instance, profile = parse_pabulib(str(path))
    # With approvals, a satisfaction of the projects' cost makes pabutools' greedy rule
    # fund the most-approved projects first, as the file's rule;greedy says.
    computed = {p.name for p in greedy_utilitarian_welfare(instance, profile,
                                                           sat_class=Cost_Sat)}
    vote = study.load("vote_2024")
    assert set(vote.loc[vote["selected"] == 1, "project_id"]) == computed
    projects = study.load("projets")
    assert computed == set(projects.loc[(projects["edition"] == 2024)
                                        & (projects["statut"] == "lauréat"), "id_projet"])


def test_every_district_has_a_funded_project_in_some_edition():
    study = load_study("demo-saint-aubin")
    tracked = study.load("suivi_laureats")
    funded = set(tracked.loc[tracked["status"] != "abandoned", "district"])
    assert funded == set(study.load("population_quartiers")["quartier"])


def test_interview_quotes_are_varied_and_some_name_people_on_purpose():
    coded = load_study("demo-saint-aubin").load("entretiens")
    segments = coded.drop_duplicates(["document", "segment_id"])
    texts = segments["text"].str.casefold()
    # No thought comes back in two segments, whatever the words around it.
    for code, thoughts in qualitative.SAYINGS.items():
        for thought in thoughts:
            assert texts.str.contains(thought.casefold(), regex=False).sum() <= 1, code
    assert segments.groupby("code")["text"].nunique().min() >= 5
    named = segments["text"].str.contains("Lefèvre|Paul Girard|Karim")
    assert 0 < named.sum() < 5


def test_the_bank_study_answers_the_form_civeval_instrument_writes(tmp_path):
    """demo-saint-aubin designs its questionnaire from the question bank: its committed
    codebook is what `civeval instrument` writes, and its Kobo export reads with it, every
    item under its wording, the routed items asked only of those the form routes to them."""
    from civeval.instruments.bank import load_bank
    from civeval.instruments.select import select_items
    from civeval.instruments.write import write_instruments

    study = load_study("demo-saint-aubin", output_dir=tmp_path)
    written = write_instruments(study, pdf=False)
    committed = study.dataset_path("questionnaire").parent / "codebook_questionnaire.yml"
    assert (written.folder / "codebook.yml").read_bytes() == committed.read_bytes()
    answers = study.load("questionnaire")
    survey = answers.attrs["survey"]
    assert survey["source"] == "kobo" and survey["duplicates_dropped"] == 4
    items = select_items(study, load_bank()).items
    assert {"votepapier", "bpsuivi", "ouvnonpart"} <= {item.name for item in items}
    for item in items:
        if item.type == "multiple":
            assert all(f"{item.name}[{choice.code}]" in answers for choice in item.levels)
        else:
            assert answers[item.name].notna().any(), item.name
    took_part = answers["participe"] == "Oui"
    assert 0.35 < took_part.mean() < 0.7  # participants answer more, not only them
    assert answers.loc[~took_part, "tempsutile"].isna().all()
    assert answers.loc[took_part, "ouvnonpart"].isna().all()
    # What the interviews say, the answers say: few know what became of the projects.
    known = answers["bpsuivi"].isin(["Tout à fait d'accord", "Plutôt d'accord"])
    assert known.sum() < 0.35 * answers["bpsuivi"].notna().sum()


def test_the_observation_grid_is_the_instrument_filled_in_at_three_meetings():
    from civeval.instruments.bank import load_bank
    from civeval.qual.observation import as_grid, speaking_representation

    study = load_study("demo-saint-aubin")
    grid = as_grid(study.load("observation"))
    assert len(grid.sessions) == 3 and grid.sessions["hours"].between(1, 3).all()
    # The review workshop's people are those of its dot votes.
    workshop = study.load("atelier").drop_duplicates("group")
    present = grid.attendees[grid.attendees["seance"].str.startswith("Atelier-bilan")]
    assert present.groupby("role")["nombre"].sum().to_dict() == {
        group.lower(): people for group, people in zip(workshop["group"],
                                                       workshop["participants"], strict=True)}
    assert set(grid.events["evenement"]) <= {event.code for event in load_bank().events}
    by_role = speaking_representation(grid, "role").set_index("role")["time_ratio"]
    assert by_role["élu"] > 2 and by_role["habitant"] < 1
    by_gender = speaking_representation(grid, "genre").set_index("genre")["time_ratio"]
    assert by_gender["homme"] > by_gender["femme"]
