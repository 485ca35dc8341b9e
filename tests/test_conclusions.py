"""Conclusions that hold: read every page of each demo study as a sceptical reviewer would.

Each figure of the summary must appear, identically formatted, in the section it links to;
no significant decline may be called a strength; the method names only the material the
study holds; every evaluation question gets an answer."""

import re

import pytest
from bs4 import BeautifulSoup

from civeval import load_study
from civeval.evidence.store import read

DEMOS = ("demo-saint-aubin", "demo-val-de-brenne", "demo-villeneuve-ardre")


def soup(path):
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def section_of(page, title):
    """The headings' text and everything after a heading, up to the next of its level."""
    heading = next(h for h in page.find_all(["h2", "h3"]) if h.get_text(strip=True) == title)
    parts = []
    for sibling in heading.find_all_next():
        if sibling.name == heading.name:
            break
        parts.append(sibling)
    return parts


@pytest.mark.slow
@pytest.mark.parametrize("slug", DEMOS)
def test_every_summary_figure_is_in_its_section_with_the_same_text(demo_reports, slug):
    folder = demo_reports / slug
    page = soup(folder / "index.html")
    summary = next(t for t in page.find_all("table")
                   if t.caption and t.caption.get_text(strip=True) == "Chiffres clés de "
                   "l'évaluation")
    links = summary.find_all("a")
    assert links, "the summary shows no figure"
    for link in links:
        target, anchor = link["href"].split("#")
        row = soup(folder / target).find(id=anchor)
        assert row is not None, f"{link['href']} has no row {anchor}"
        shown = row.find_all("td")[1].get_text(strip=True)
        assert shown == link.get_text(strip=True), (slug, anchor)


@pytest.mark.slow
@pytest.mark.parametrize("slug", DEMOS)
def test_no_significant_decline_is_a_strength(demo_reports, slug):
    folder = demo_reports / slug
    records = read(folder)
    declining = {record.label for record in records.values()
                 if record.trend is not None and record.trend.significant
                 and record.trend.direction == "down"}
    page = soup(folder / "index.html")
    table = next(t for t in page.find_all("table")
                 if t.caption and "preuves" in t.caption.get_text())
    for row in table.find_all("tr")[1:]:
        cells = [c.get_text(" ", strip=True) for c in row.find_all("td")]
        if cells[1] == "Point fort":
            assert not any(label in cells[3] for label in declining), cells
            assert "baisse significative" not in cells[3], cells


@pytest.mark.slow
@pytest.mark.parametrize("slug", DEMOS)
def test_the_method_names_only_the_material_the_study_holds(demo_reports, slug):
    study = load_study(slug)
    kinds = {str(study.dataset_kind(name)) for name in study.datasets()}
    method = " ".join(element.get_text(" ") for element in section_of(
        soup(demo_reports / slug / "index.html"), "Contexte et méthode"))
    for words, kind in (("questionnaire", "survey"), ("entretiens", "interviews"),
                        ("atelier", "workshop"), ("bulletins", "vote"),
                        ("plateforme de participation", "platform"),
                        ("tableau de suivi", "tracking"), ("registre des séances", "register")):
        said = re.search(rf"\b{words}\b", method, re.IGNORECASE) is not None
        assert said == (kind in kinds), (slug, words)


@pytest.mark.slow
@pytest.mark.parametrize("slug", DEMOS)
def test_every_evaluation_question_is_answered_with_its_solidity(demo_reports, slug):
    study = load_study(slug)
    page = soup(demo_reports / slug / "index.html")
    answers = page.find_all("div", class_="cv-answer")
    assert [a.find("strong").get_text(strip=True) for a in answers] == [
        question.question for _, _, question in study.config.questions()]
    for answer in answers:
        assert "Solidité de la réponse" in answer.get_text()


def test_retention_needs_ids_declared_stable_that_recur(tmp_path, monkeypatch):
    from civeval.sections import participation as section

    monkeypatch.setenv("CIVEVAL_REPORTS", str(tmp_path))
    study = load_study("demo-saint-aubin")
    voters = study.load("votants")
    said = section.retention(study, voters, "id_votant", "edition", stable_ids=False)
    assert "n'est pas mesuré : rien n'indique" in said.data
    assert "retention_rate" not in study.evidence()
    shown = section.retention(study, voters, "id_votant", "edition", stable_ids=True)
    assert shown.data.count("<tr") == 3  # a header and two editions after the first
    assert "retention_rate" in study.evidence()
    # Ids renumbered in each edition never recur: not "nobody came back", unmeasured.
    study = load_study("demo-saint-aubin", output_dir=tmp_path / "renumbered")
    renumbered = voters.assign(id_votant=voters["edition"].astype(str) + voters["id_votant"])
    said = section.retention(study, renumbered, "id_votant", "edition", stable_ids=True)
    assert "aucun identifiant de participant ne se retrouve" in said.data
    assert "retention_rate" not in study.evidence()


RULE_CHANGE = """\
title: "Évaluation test"
client: {name: "Testville", kind: commune, insee_code: "35238", population: 12000}
schemes:
  - name: "Budget participatif"
    type: budget participatif
    editions:
      - {label: "2019", budget: 20000}
      - {label: "2020", budget: 20000}
      - {label: "2022", budget: 100000}
      - {label: "2023", budget: 100000, changes: "vote en ligne seulement"}
      - {label: "2024", budget: 100000}
"""


def test_a_trend_is_never_tested_across_a_rule_change(project, monkeypatch, tmp_path):
    import pandas as pd

    from civeval.sections import participation as section
    from conftest import write_study

    monkeypatch.setenv("CIVEVAL_REPORTS", str(tmp_path / "reports"))
    write_study(project, "regles", RULE_CHANGE)
    study = load_study("regles")
    counts = pd.DataFrame({"edition": [2019, 2020, 2022, 2023, 2024],
                           "count": [400, 380, 900, 700, 500]})
    trend = section.edition_trend(study, counts, "edition", "count")
    # The budget per inhabitant went from 1,67 € to 8,33 € in 2022 and the vote moved
    # online in 2023: only 2023-2024 are comparable.
    assert (trend.first, trend.last, trend.excluded) == ("2023", "2024", ("2019", "2020", "2022"))
    assert trend.tested and trend.change == pytest.approx(500 / 700 - 1)
    assert trend.breaks == ("2022 : budget par habitant : 1,67\xa0€ → 8,33\xa0€",
                            "2023 : vote en ligne seulement")
    sentence = section.trend_sentence(study, trend).data
    assert "les éditions antérieures à 2023 (2019, 2020, 2022) ne sont pas comparées" in sentence
    only_one = section.edition_trend(study, counts[counts["edition"] <= 2022], "edition",
                                     "count")
    assert not only_one.tested and only_one.first == "2019"  # the whole span, untested
    assert "non testée" in section.trend_sentence(study, only_one).data
