"""The demo studies: their data is exactly what the recipe makes, and it is realistic."""

import sys
from pathlib import Path

import pandas as pd

from civeval import load_study
from civeval.workbench.paths import studies_dir

# The recipe lives in the repository, not in the package: python scripts/demo.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts" / "demo"))
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
    assert study.load("membres")["quartier"].str.contains("É").any()  # Windows-1252 decoded


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
