"""The delivery section (template 35_realisation): what became of the winning projects, on
the demo study, on small fixtures, and on the real Paris file."""

from __future__ import annotations

import html
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from civeval import load_study
from civeval.presentation import report
from civeval.sections import realisation as section
from conftest import MINIMAL_STUDY, REPO, run_cli, write_study

REAL_DATA = Path(__file__).resolve().parents[2] / "shared" / "real-data"
PARIS = REAL_DATA / "paris_bp_projets_gagnants.csv"
DEMO_TRACKING = REPO / "studies" / "demo-saint-aubin" / "data" / "suivi_laureats.csv"


@pytest.fixture(autouse=True)
def reports_elsewhere(tmp_path, monkeypatch):
    monkeypatch.setenv("CIVEVAL_REPORTS", str(tmp_path / "reports"))


@pytest.fixture
def demo():
    study = load_study("demo-saint-aubin")
    report.setup(study)
    return study, study.load("suivi_laureats")


@pytest.fixture
def figures(monkeypatch) -> list:
    """The matplotlib figures the section draws, kept before report.figure closes them."""
    drawn, original = [], report.figure

    def keep(fig, **options):
        drawn.append({"ticks": list(fig.axes[0].get_xticks()),
                      "xlim": fig.axes[0].get_xlim(),
                      "lines": [(line.get_label(), line.get_color(), line.get_linestyle())
                                for line in fig.axes[0].get_lines()]})
        return original(fig, **options)

    monkeypatch.setattr(report, "figure", keep)
    return drawn


def said(shown) -> str:
    """The text of an HTML output as a reader gets it (no entities)."""
    return html.unescape(shown.data)


NBSP = "\u00a0"  # before % and € in French


def demo_raw() -> pd.DataFrame:
    """The demo's tracking table read with plain pandas, for reference values."""
    return pd.read_csv(DEMO_TRACKING, sep=";", encoding="utf-8-sig")


# --- the demo study -----------------------------------------------------------------------

def test_projects_delivered_and_abandoned_per_edition(demo):
    study, winners = demo
    raw = demo_raw()
    table = section.by_edition(study, winners, 5)
    per_edition = table.iloc[:-1].set_index("edition")
    status = raw.groupby("Année")["État d'avancement"]
    assert per_edition["winners"].tolist() == status.size().tolist()  # 7, 6, 3
    assert per_edition["delivered"].tolist() == status.apply(lambda s: (s == "FIN").sum()).tolist()
    assert per_edition.loc[2022, "abandoned"] == 1
    total = table.iloc[-1]
    assert total["edition"] == "Ensemble" and total["winners"] == len(raw)
    # No edition is five years old in June 2025: the column saying so is left out.
    assert "mature" not in table.columns
    evidence = study.evidence()
    delivered = (raw["État d'avancement"] == "FIN").sum()
    assert evidence["implementation_rate"].value == pytest.approx(delivered / len(raw))
    assert evidence["abandonment_rate"].value == pytest.approx(1 / 16)
    assert evidence["winning_projects"].value == 16
    assert evidence["implementation_rate"].caveats == (
        "Éditions votées il y a moins de 5 ans, dont des projets sont encore en cours : "
        "2022, 2023, 2024.",)
    sentence = said(section.maturity(study, winners, 5))
    assert sentence.startswith("<p>Aucune édition n'a encore été votée 5 ans ou plus avant "
                               "l'extraction du 30/06/2025 : beaucoup de projets sont encore "
                               f"en cours et le taux de réalisation (43,8{NBSP}%) va encore "
                               "progresser.")
    assert "implementation_rate_mature" not in study.evidence()


def test_a_shorter_maturity_threshold_states_the_rate_of_older_editions(demo):
    study, winners = demo
    # 2022 was voted in October 2022: two years before the extraction of June 2025.
    sentence = said(section.maturity(study, winners, 2))
    assert ("Parmi les projets votés au moins 2 ans avant l'extraction du 30/06/2025 "
            f"(édition 2022), 71,4{NBSP}% sont réalisés (5 sur 7) et 14,3{NBSP}% abandonnés, "
            f"contre 43,8{NBSP}% de projets réalisés toutes éditions confondues.") in sentence
    assert study.evidence()["implementation_rate_mature"].value == pytest.approx(5 / 7)
    assert study.evidence()["implementation_rate_mature"].editions == ("2022",)
    assert section.by_edition(study, winners, 2)["mature"].tolist()[:3] == [True, False, False]


def test_only_the_splits_the_table_can_make_are_shown(demo):
    study, winners = demo
    reading, parts = section.splits(study, winners, 5)
    # The table gives no scale nor theme: the priority neighbourhood (Le Val d'Aubin) and
    # the districts are the only splits.
    assert [split for split, _, _ in parts] == ["priority_area", "district"]
    _, table, notes = parts[1]
    raw = demo_raw()
    finished = raw["État d'avancement"] == "FIN"
    expected = finished.groupby(raw["Quartier"]).mean()
    assert dict(zip(table["group"], table["implementation_rate"], strict=True)) == \
        pytest.approx(expected.to_dict())
    assert notes == []
    priority = raw["QPV"] == "Oui"
    assert study.evidence()["implementation_rate_priority_area"].value == pytest.approx(
        finished[priority].mean())
    assert "lire le nombre de lauréats avant le taux" in said(reading)
    intro = said(section.introduction(study, winners, 5, True))
    assert ("<li>les taux selon la situation en quartier populaire ou prioritaire et le "
            "quartier</li>") in intro
    assert "éditions votées il y a au moins" not in intro  # none is mature yet
    assert intro.count("<li>") == 5


def test_delivery_curves_one_per_edition_with_month_ticks(demo, figures):
    study, winners = demo
    figure, sentence, medians = section.delivery_curves(study, winners)
    drawn = figures[0]
    assert [label for label, _, _ in drawn["lines"]] == ["2022", "2023", "2024"]
    assert len({colour for _, colour, _ in drawn["lines"]}) == 3
    # Under three years of hindsight (the 2022 vote was 32 months before): every 6 months.
    assert all(tick % 6 == 0 for tick in drawn["ticks"])
    assert drawn["xlim"] == (0.0, 36.0)
    assert 'alt="Courbes en escalier, une par édition (3 éditions, de 2022 à 2024)' \
        in figure.data
    assert study.evidence()["median_delivery_months"].value == 18
    assert "Délai médian entre le vote et la mise en service, toutes éditions confondues : " \
        "18 mois" in sentence.data
    assert medians["edition"].tolist() == [2022, 2023, 2024]
    assert medians["months_since_vote"].tolist() == [32, 20, 8]  # October votes, June 2025


def test_budgets_and_euros_per_inhabitant(demo):
    study, winners = demo
    raw = demo_raw()
    table, sentence = section.budgets(study, winners)
    kept = raw[raw["État d'avancement"] != "ABANDONNÉ"]
    assert table.iloc[-1]["budget"] == raw["Montant voté"].sum()
    assert table.iloc[-1]["funded_budget"] == kept["Montant voté"].sum()
    assert study.evidence()["funded_budget"].value == kept["Montant voté"].sum()
    assert study.evidence()["funded_budget"].kind == "euro"
    assert "doublons" not in sentence.data  # one row per project in the demo
    population = study.load("population_quartiers")
    funded, sentences = section.funding_by_district(study, winners, population)
    funded = funded.set_index("district")
    by_district = kept.groupby("Quartier")["Montant voté"].sum()
    inhabitants = population.set_index("quartier")["population"]
    assert funded["funded_per_inhabitant"].to_dict() == pytest.approx(
        (by_district.reindex(inhabitants.index, fill_value=0) / inhabitants).to_dict())
    # Every district had a project funded in some edition.
    assert said(sentences[0]).endswith(
        f"Les Rivières reçoit le plus par habitant (48{NBSP}€), Centre-Bourg le moins "
        f"(18{NBSP}€).</p>\n")
    assert study.evidence()["districts_without_funding"].value == 0


def test_maps_of_the_implementation_rate_and_of_the_euros_per_inhabitant(demo):
    study, winners = demo
    geometry = study.load("quartiers")
    rates = said(section.implementation_map(study, winners, geometry))
    assert 'src="data:image/png;base64,' in rates
    assert ("Carte des quartiers, colorés selon la part de leurs projets lauréats réalisés "
            "(projets pour toute la ville exclus). Valeur la plus élevée : Centre-Bourg "
            f"(66,7{NBSP}%) ; la plus basse : Le Val d'Aubin (25,0{NBSP}%).") in rates
    funded, _ = section.funding_by_district(study, winners, study.load("population_quartiers"))
    euros = said(section.funding_map(study, winners, funded, geometry))
    assert (f"Valeur la plus élevée : Les Rivières (48{NBSP}€) ; la plus basse : Centre-Bourg "
            f"(18{NBSP}€).") in euros
    assert "Source : suivi des projets lauréats, extraction du 30/06/2025 ; population INSEE" \
        in euros
    # Districts written otherwise in the table are matched to the geometry's names.
    upper = winners.assign(district=winners["district"].str.upper())
    upper.attrs = winners.attrs
    assert "Centre-Bourg (66,7" in said(section.implementation_map(study, upper, geometry))


# --- small fixtures -----------------------------------------------------------------------

PARIS_LIKE = pd.DataFrame({
    "project_id": [str(n) for n in range(1, 9)],
    "edition": pd.array([2018, 2018, 2018, 2018, 2023, 2023, 2023, 2023], dtype="Int64"),
    "title": ["Rue", "Rue", "Jardin", "Halle", "Piste", "Préau", "Fresque", "Banc"],
    "theme": ["Cadre de vie"] * 4 + ["Sport"] * 4,
    "budget": [600_000.0, 600_000.0, 50_000.0, 2_000_000.0, 80_000.0, 90_000.0, 10_000.0,
               5_000.0],
    "scale": ["district", "district", "district", "city"] + ["district"] * 4,
    "district": ["75019", "75020", "75019", "75004", "75019", "75020", "75020", "75019"],
    "priority_area": pd.array([True, False, True, False, True, False, False, True],
                              dtype="boolean"),
    "status": ["finished", "finished", "abandoned", "finished", "finished", "studies",
               "works", "not_started"],
    "vote_date": pd.to_datetime(["2018-09-01"] * 4 + ["2023-09-01"] * 4),
    "delivery_date": pd.to_datetime(["2020-03-01", "2020-03-01", None, "2021-09-01",
                                     "2024-03-01", None, None, None])})
PARIS_LIKE.attrs["as_of"] = pd.Timestamp("2024-10-01")


def test_splits_with_the_rate_of_mature_editions_beside(demo):
    study, _ = demo
    reading, parts = section.splits(study, PARIS_LIKE, 5)
    tables = {split: table for split, table, _ in parts}
    assert list(tables) == ["scale", "priority_area", "theme", "district"]
    scale = tables["scale"].set_index("group")
    # City-wide: the hall (2018, open). District: 7 projects, 3 open; in 2018, 2 of 3.
    assert scale.loc["Projets pour toute la ville", "implementation_rate"] == 1
    assert scale.loc["Projets d'un quartier ou d'un arrondissement",
                     "implementation_rate"] == pytest.approx(3 / 7)
    assert scale.loc["Projets d'un quartier ou d'un arrondissement",
                     "implementation_rate_mature"] == pytest.approx(2 / 3)
    priority = tables["priority_area"].set_index("group")
    assert priority.loc["Oui", ["winners", "delivered", "abandoned"]].tolist() == [4, 2, 1]
    assert study.evidence()["implementation_rate_priority_area"].value == 0.5
    assert "la dernière colonne ne compte que les éditions votées il y a au moins 5 ans" \
        in said(reading)
    notes = dict((split, notes) for split, _, notes in parts)["district"]
    assert notes[0].data.startswith("<p>Projets pour toute la ville, non comptés par "
                                    "quartier : 1.")
    assert tables["district"]["group"].tolist() == ["75019", "75020"]


def test_the_street_on_two_rows_counts_once_in_the_budgets(demo):
    study, _ = demo
    table, sentence = section.budgets(study, PARIS_LIKE)
    per_edition = table.set_index("edition")
    assert per_edition.loc[2018, ["projects", "budget", "funded_budget"]].tolist() == [
        3, 2_650_000, 2_600_000]
    assert per_edition.loc["Ensemble", "budget"] == 2_650_000 + 185_000
    assert "(doublons écartés : 1)" in said(sentence)
    assert study.evidence()["funded_budget"].value == 2_600_000 + 185_000


def test_the_introduction_says_what_the_table_allows(demo):
    study, _ = demo
    intro = said(section.introduction(study, PARIS_LIKE, 5, False))
    assert "les 8 projets lauréats des 2 éditions de 2018 à 2023" in intro
    assert ("<li>les taux selon l'échelle du projet (toute la ville ou un quartier), la "
            "situation en quartier populaire ou prioritaire, le thème et le quartier</li>") \
        in intro
    assert "<li>le taux de réalisation des éditions votées il y a au moins 5 ans" in intro
    assert "par habitant" not in intro  # no population table
    no_budget = PARIS_LIKE.assign(budget=pd.NA)
    no_budget.attrs = PARIS_LIKE.attrs
    assert "montants" not in section.introduction(study, no_budget, 5, True).data
    assert section.budgets(study, no_budget) == (None, None)


def test_editions_declared_without_winners_are_named(demo):
    study, winners = demo
    assert section.missing_editions(study, winners) is None
    assert said(section.missing_editions(study, winners[winners["edition"] != 2023])) == (
        "<p>Éditions de l'évaluation absentes du tableau de suivi (aucun projet lauréat) "
        ": 2023.</p>\n")


def test_paris_scale_curves_tick_every_twelve_months(demo, figures):
    study, _ = demo
    long_ago = PARIS_LIKE.assign(vote_date=pd.to_datetime(["2014-09-01"] * 4
                                                          + ["2023-09-01"] * 4))
    long_ago.attrs = PARIS_LIKE.attrs
    section.delivery_curves(study, long_ago)
    # The 2014 projects were delivered within 84 months: the axis stops there.
    assert figures[0]["xlim"] == (0.0, 84.0)
    assert [tick for tick in figures[0]["ticks"] if 0 <= tick <= 84] == [
        0, 12, 24, 36, 48, 60, 72, 84]


# --- validation ---------------------------------------------------------------------------

TRACKING_STUDY = MINIMAL_STUDY + """\
data:
  suivi:
    file: data/suivi.csv
    format: project_tracking
    options:
      as_of: 2024-12-31
      mapping: {project_id: id, edition: edition, status: statut, district: quartier}
  population: {file: data/population.csv}
components:
  - template: 35_realisation
    parameters: {tracking: suivi, population: population, maturity_years: %s}
"""
TRACKING_FILES = {"data/suivi.csv": "id;edition;statut;quartier\n1;2024;ETUDES;Centre\n"
                                    "2;2024;ETUDES;Nord\n",
                  "data/population.csv": "quartier;population\nCentre;5000\nSud;7000\n"}


def test_a_district_missing_from_the_population_stops_validation(project, capsys):
    from civeval.cli import main

    write_study(project, "suivi", TRACKING_STUDY % 5, files=TRACKING_FILES)
    assert main(["validate", "suivi"]) == 2
    assert capsys.readouterr().err.startswith(
        "civeval: error: study 'suivi', studies/suivi/data/suivi.csv, line 3, column "
        "'quartier': the district(s) Nord of the winning projects are not in the population "
        "table (data/population.csv); districts there: Centre, Sud")


GEOMETRY = json.dumps({"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"nom": name}, "geometry": {
        "type": "Polygon", "coordinates": [[[x, 0], [x + 1, 0], [x + 1, 1], [x, 1], [x, 0]]]}}
    for x, name in enumerate(["Centre", "Sud"])]})
MAPPED_STUDY = TRACKING_STUDY.replace(
    "  population: {file: data/population.csv}\n",
    "  population: {file: data/population.csv}\n"
    "  quartiers: {file: data/quartiers.geojson}\n").replace(
    "maturity_years: %s}", "maturity_years: %s, geometry: quartiers}")


def test_a_district_missing_from_the_geometry_stops_validation(project, capsys):
    from civeval.cli import main

    files = {"data/suivi.csv": "id;edition;statut;quartier\n1;2024;ETUDES;Centre\n"
                               "2;2024;ETUDES;Sud\n3;2024;ETUDES;Sud\n",
             "data/population.csv": "quartier;population\nCentre;5000\nSud;7000\nNord;900\n"
                                    "Est;800\n",
             "data/quartiers.geojson": GEOMETRY}
    write_study(project, "carte", MAPPED_STUDY % 5, files=files)
    assert main(["validate", "carte"]) == 2
    assert capsys.readouterr().err.startswith(
        "civeval: error: study 'carte', studies/carte/data/population.csv, line 4, column "
        "'quartier': 2 districts of studies/carte/data/population.csv (column 'quartier') are "
        "not in studies/carte/data/quartiers.geojson: 'Nord', 'Est'")
    files["data/suivi.csv"] += "4;2024;ETUDES;Nord\n"
    write_study(project, "carte-2", MAPPED_STUDY % 5, files={
        **files, "data/population.csv": "quartier;population\nCentre;5000\nSud;7000\n"})
    assert main(["validate", "carte-2"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("civeval: error: study 'carte-2'")
    assert "1 district of studies/carte-2/data/suivi.csv (column 'quartier') is not in " \
        "studies/carte-2/data/quartiers.geojson: 'Nord'" in error


def test_a_negative_maturity_stops_validation(project, capsys):
    from civeval.cli import main

    files = {**TRACKING_FILES, "data/suivi.csv": "id;edition;statut;quartier\n"
                                                 "1;2024;ETUDES;Centre\n"}
    write_study(project, "suivi", TRACKING_STUDY % -1, files=files)
    assert main(["validate", "suivi"]) == 2
    assert capsys.readouterr().err == (
        "civeval: error: study 'suivi', studies/suivi/study.yml, line 18, column 59: template "
        "35_realisation: maturity_years must be a number of years ≥ 0, not -1\n")


# --- the real Paris file, as a consultant would run it -----------------------------------

PARIS_EDITIONS = "\n".join(f'      - {{label: "{year}", start: {year}-09-01}}'
                           for year in range(2014, 2024))
PARIS_STUDY = f"""\
title: "Réalisation des projets du budget participatif de Paris"
client: {{name: "Paris", kind: commune, insee_code: "75056", population: 2133111}}
schemes:
  - name: "Budget participatif"
    type: budget participatif
    editions:
{PARIS_EDITIONS}
data:
  projets_gagnants:
    file: data/paris_bp_projets_gagnants.csv
    format: project_tracking
    options: {{as_of: "2024-10-01"}}
    description: "Projets lauréats du budget participatif parisien (open data, ODbL)"
components:
  - 00_cadrage
  - template: 35_realisation
    parameters: {{tracking: projets_gagnants}}
  - 90_rapport
acknowledge:
  - check: dates_in_order
    dataset: projets_gagnants
    reason: "Le fichier open data date des étapes dans le désordre pour 44 projets (travaux
      lancés avant les procédures, par exemple) ; les délais ne lisent que le vote et la mise
      en service."
"""


def table_by_caption(page: BeautifulSoup, caption: str) -> pd.DataFrame:
    """A report table as text cells, headed by its column headings."""
    table = next(t for t in page.find_all("table")
                 if t.caption and t.caption.get_text() == caption)
    heads = [th.get_text() for th in table.thead.find_all("th")]
    rows = [[td.get_text() for td in tr.find_all("td")] for tr in table.tbody.find_all("tr")]
    return pd.DataFrame(rows, columns=heads)


def percent(ratio: float) -> str:
    """As the report writes it: one decimal, comma, no-break space before %."""
    return f"{ratio * 100:.1f}".replace(".", ",") + "\u00a0%"


@pytest.mark.slow
@pytest.mark.skipif(not PARIS.is_file(), reason="real data folder absent")
def test_a_paris_implementation_study_runs_from_the_open_data_file(project):
    shutil.copytree(REPO / "data" / "reference", project / "data" / "reference")
    folder = write_study(project, "paris", PARIS_STUDY)
    (folder / "data").mkdir()
    shutil.copy(PARIS, folder / "data" / PARIS.name)

    validated = run_cli("validate", "paris", root=project)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    done = run_cli("run", "paris", "--no-progress", root=project)
    assert done.returncode == 0, done.stdout + done.stderr

    # Reference values, from the published file with plain pandas.
    raw = pd.read_csv(PARIS, sep=";", encoding="utf-8-sig")
    finished = raw["Avancement du projet"] == "FIN"
    abandoned = raw["Avancement du projet"] == "ABANDONNÉ"
    city = raw["Echelle du Budget participatif"] == "Budget participatif parisien"
    popular = raw["Projet en Quartier populaire"] == "Oui"
    mature = raw["Edition"] <= 2019  # voted by September 2019, five years before Oct. 2024

    page = BeautifulSoup((project / "reports" / "paris" / "35_realisation.html").read_text(),
                         "html.parser")
    assert page.title.get_text() == "Réalisation des projets — Paris"
    assert page.h1.get_text() == "Réalisation des projets"
    editions = table_by_caption(page, "Projets lauréats réalisés, en cours et abandonnés, "
                                      "par édition").set_index("Édition")
    for year, rows in raw.groupby("Edition"):
        shown = editions.loc[str(year)]
        assert shown["Lauréats"] == str(len(rows))
        assert shown["Abandonnés"] == str(int(abandoned[rows.index].sum()))
        assert shown["Taux de réalisation"] == percent(finished[rows.index].mean())
    assert editions.loc["Ensemble", "Taux de réalisation"] == percent(finished.mean())

    scale = table_by_caption(page, "Réalisation selon l'échelle du projet").set_index(
        "Échelle du projet")["Taux de réalisation"]
    assert scale["Projets d'un quartier ou d'un arrondissement"] == percent(
        finished[~city].mean()) == "56,9\u00a0%"
    assert scale["Projets pour toute la ville"] == percent(finished[city].mean()) \
        == "44,4\u00a0%"
    priority = table_by_caption(page, "Réalisation selon la situation en quartier populaire "
                                      "ou prioritaire").set_index(
        "En quartier populaire ou prioritaire")["Taux de réalisation"]
    assert priority["Oui"] == percent(finished[popular].mean()) == "48,8\u00a0%"
    assert priority["Non"] == percent(finished[~popular].mean()) == "59,0\u00a0%"
    text = page.get_text()
    assert (f"(éditions 2014 à 2019), {percent(finished[mature].mean())} sont réalisés "
            f"({finished[mature].sum()} sur {mature.sum()})") in text
    assert percent(finished[mature].mean()) == "68,9\u00a0%"
    assert "Éditions de l'évaluation absentes du tableau de suivi (aucun projet lauréat) " \
           ": 2020." in text

    evidence = load_study("paris").evidence()
    assert evidence["implementation_rate"].value == pytest.approx(finished.mean())  # 56,3 %
    assert round(evidence["implementation_rate"].value, 3) == 0.563
    assert evidence["abandonment_rate"].value == pytest.approx(abandoned.mean())
    assert evidence["implementation_rate_mature"].value == pytest.approx(
        finished[mature].mean())
    assert evidence["implementation_rate_priority_area"].value == pytest.approx(
        finished[popular].mean())
    assert evidence["implementation_rate"].section == "35_realisation"
    assert evidence["median_delivery_months"].value == 42
