"""Personal data never reaches a report: the corpus of French variants, and the demo's
planted names, e-mails and phones in every HTML page, PDF and workbook it produces."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from hostile_studies import NAMED_INTERVIEW, PLANTED_PII, run_project
from report_outputs import output_texts

from civeval import load_study
from civeval.privacy import pseudonymise_text
from civeval.sections import entretiens, questionnaire
from civeval.survey.codebook import Codebook

HERE = Path(__file__).parent
REPO = HERE.parents[1]
CORPUS = yaml.safe_load((HERE / "pii_corpus.yml").read_text(encoding="utf-8"))
CASES = [pytest.param(case, id=f"{family}-{number}")
         for family, cases in CORPUS.items() for number, case in enumerate(cases, start=1)]


def test_the_corpus_holds_at_least_60_variants():
    assert len(CASES) >= 60


@pytest.mark.parametrize("case", CASES)
def test_personal_data_is_replaced(case):
    shown = pseudonymise_text(case["text"], case.get("people", ()),
                              case.get("label", "[personne]"))
    if case.get("known_miss"):
        assert shown != case["expected"], "caught now: drop known_miss from the corpus"
    else:
        assert shown == case["expected"]


# --------------------------------------------------------------------------- the demo

# What scripts/demo plants in the interviews of demo-saint-aubin, as transcripts do.
PLANTED = {
    "studies/demo-saint-aubin/data/entretiens_codes.csv": [
        "Lefèvre", "budget.participatif@saint-aubin-sur-loire.fr", "Paul Girard", "Girard",
        "Karim", "06 12 34 56 78", "4 rue des Tilleuls"],
}


def test_the_demo_plants_what_the_next_test_looks_for():
    for file, planted in PLANTED.items():
        data = (REPO / file).read_text(encoding="utf-8")
        assert [item for item in planted if item not in data] == []


def test_no_planted_name_email_or_phone_reaches_any_output_of_the_demo(demo_reports):
    texts = output_texts(demo_reports)
    assert {".html", ".ipynb", ".pdf", ".xlsx"} <= {path.suffix for path in texts}
    planted = [item for items in PLANTED.values() for item in items]
    leaks = [(path.relative_to(demo_reports).as_posix(), item)
             for path, text in texts.items() for item in planted if item in text]
    assert leaks == []


@pytest.fixture(scope="module")
def hostile_reports(tmp_path_factory):
    return run_project(tmp_path_factory)


def test_no_personal_data_typed_into_any_free_text_reaches_any_output(hostile_reports):
    # Interview segments and ids, survey answers and a workshop proposal hold names, phones
    # in every format, e-mails, an IBAN, a birth date and an address (hostile_studies.py).
    texts = output_texts(hostile_reports / "petits-groupes")
    assert {".html", ".ipynb", ".pdf", ".xlsx"} <= {path.suffix for path in texts}
    leaks = [(path.relative_to(hostile_reports).as_posix(), item)
             for path, text in texts.items() for item in [*PLANTED_PII, NAMED_INTERVIEW]
             if item in text]
    assert leaks == []
    quotes = texts[hostile_reports / "petits-groupes" / "10_questionnaire.html"]
    assert "« Je suis né le [date de naissance] et je n" in quotes  # the answer is shown
    workshop = texts[hostile_reports / "petits-groupes" / "20_entretiens.html"]
    assert "Confier le comité de suivi à [personne]" in workshop
    # A person of the study's list (people: personnes.csv), written in lower case by her
    # last name alone, in an answer and in an interview quote.
    assert "a bien animé la réunion avec [personne]." in quotes
    assert "« On en a parlé avec [acteur·rice institutionnel·le], qui a promis" in workshop


# --------------------------------------------------------------------------- the list of people

LISTED = {"Zoé Kermarrec": None}
"""A person of the study's list, written below as only the list can find her: in lower
case, by her last name alone."""
WRITTEN = "on a vu kermarrec hier, elle était contente du projet de jardin partagé."


@pytest.fixture
def study(tmp_path, monkeypatch):
    monkeypatch.setenv("CIVEVAL_REPORTS", str(tmp_path / "reports"))
    study = load_study("demo-saint-aubin")
    study.output_dir.mkdir(parents=True)
    return study


def test_the_list_of_people_reaches_interview_quotes(study):
    segments = study.load("entretiens").assign(text=WRITTEN)
    quoted = entretiens.quotations(study, segments, count=1, per_group=1, people=LISTED)
    shown = " ".join(html.data for _, html in quoted)
    assert "kermarrec" not in shown and "on a vu [personne] hier" in shown


def test_the_list_of_people_reaches_workshop_proposals(study):
    votes = study.load("atelier")
    top = votes.groupby("proposal")["votes"].sum().idxmax()
    votes["proposal"] = votes["proposal"].replace(top, "Confier le suivi à kermarrec")
    table, _, _ = entretiens.workshop(study, votes, people=list(LISTED))
    assert table["proposal"].iloc[0] == "Confier le suivi à [personne]"
    assert study.evidence()["workshop_top_proposal"].value == "Confier le suivi à [personne]"


def test_the_list_of_people_reaches_survey_answers():
    answers = questionnaire.Questionnaire("q", pd.DataFrame({"avis": [WRITTEN]}), Codebook([]))
    assert questionnaire.verbatims(answers, "avis", people=LISTED) == [
        "on a vu [personne] hier, elle était contente du projet de jardin partagé."]
