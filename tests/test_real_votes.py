"""Real studies described in study.yml only, from the public Pabulib files of
../shared/real-data: Toulouse (2019 city-wide, three 2022 district files) and Warsaw-Wesoła
(five editions, 2020-2024). Each validates and runs with no hand-written code; its figures
are checked against values computed here with plain pandas on the files."""

from __future__ import annotations

import html
import io
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from civeval import load_study
from conftest import REPO, run_cli, write_study

REAL_DATA = Path(__file__).resolve().parents[2] / "shared" / "real-data"
TOULOUSE = ["France_Toulouse_2019.pb",
            "France_Toulouse_2022_1_-_Capitole_Arnaud_Bernard_Carmes.pb",
            "France_Toulouse_2022_5_-_Saint-Michel_Saint-Agne_Empalot_Le_Busca_Ile_du_Ramier_"
            "Monplaisir.pb",
            "France_Toulouse_2022_6_-_Saint-Cyprien.pb"]
WESOLA = [f"Poland_Warszawa_{year}_Wesola.pb" for year in range(2020, 2025)]
TOULOUSE_POPULATION = 504078  # INSEE, population municipale 2021 of Toulouse (31555)
WESOLA_POPULATION = 25000  # an order of magnitude of the Wesoła district: for this test only

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not all((REAL_DATA / name).is_file() for name in TOULOUSE + WESOLA),
                       reason="real data folder absent"),
]

TOULOUSE_STUDY = f"""\
title: "Évaluation du budget participatif de Toulouse (2019-2022)"
client:
  name: "Toulouse"
  kind: commune
  insee_code: "31555"
  population: {TOULOUSE_POPULATION}  # INSEE, population municipale 2021
schemes:
  - name: "Budget participatif"
    type: budget participatif
    editions:
      - {{label: "2019"}}
      - {{label: "2022"}}
data:
  vote_2019: {{file: data/{TOULOUSE[0]}}}
  vote_2022_q1: {{file: data/{TOULOUSE[1]}}}
  vote_2022_q5: {{file: data/{TOULOUSE[2]}}}
  vote_2022_q6: {{file: data/{TOULOUSE[3]}}}
components:
  - template: 30_participation
    parameters:
      ballots: [vote_2019, vote_2022_q1, vote_2022_q5, vote_2022_q6]
"""

WESOLA_STUDY = f"""\
title: "Évaluation du budget participatif de Wesoła (2020-2024)"
client:
  name: "Warszawa-Wesoła"
  country: PL
  kind: commune
  # An order of magnitude of the district's population, for this test only: turnout is
  # voters ÷ this figure.
  population: {WESOLA_POPULATION}
schemes:
  - name: "Budget participatif"
    type: budget participatif
    editions:
""" + "".join(f'      - {{label: "{year}"}}\n' for year in range(2020, 2025)) + "data:\n" + "".join(
    f"  vote_{year}: {{file: data/{name}}}\n"
    for year, name in zip(range(2020, 2025), WESOLA, strict=True)) + """\
components:
  - template: 30_participation
    parameters:
      ballots: [vote_2020, vote_2021, vote_2022, vote_2023, vote_2024]
"""


# --- the files, read with plain pandas ---------------------------------------------------

def sections(name: str) -> dict[str, pd.DataFrame]:
    """META as a Series, PROJECTS and VOTES as tables, read with pandas."""
    lines = (REAL_DATA / name).read_text(encoding="utf-8-sig").splitlines()
    starts = {title: lines.index(title) for title in ("META", "PROJECTS", "VOTES")}
    meta = pd.read_csv(io.StringIO("\n".join(lines[starts["META"] + 1:starts["PROJECTS"]])),
                       sep=";", dtype=str).set_index("key")["value"]
    projects = pd.read_csv(io.StringIO("\n".join(lines[starts["PROJECTS"] + 1:
                                                       starts["VOTES"]])),
                           sep=";", dtype={"project_id": str})
    votes = pd.read_csv(io.StringIO("\n".join(lines[starts["VOTES"] + 1:])), sep=";",
                        dtype={"voter_id": str, "vote": str, "points": str})
    return {"meta": meta, "projects": projects, "votes": votes}


def scores(files: dict) -> pd.Series:
    """Points per project (approvals when ballots carry no points)."""
    votes = files["votes"]
    chosen = votes["vote"].str.split(",").explode()
    if "points" in votes:
        points = votes["points"].str.split(",").explode().astype(int)
    else:
        points = pd.Series(1, index=chosen.index)
    return points.groupby(chosen.to_numpy()).sum()


def greedy(files: dict) -> list[str]:
    """The greedy rule written out: by decreasing score (ties: the file's order), each
    project that still fits."""
    projects = files["projects"].set_index("project_id")
    score = scores(files).reindex(projects.index, fill_value=0)
    left, funded = float(files["meta"]["budget"]), []
    for project in sorted(projects.index, key=lambda p: -score[p]):
        if projects.loc[project, "cost"] <= left:
            funded.append(project)
            left -= projects.loc[project, "cost"]
    return funded


def integer(value) -> str:
    """As the report writes a whole number: a narrow no-break space between thousands."""
    return f"{value:,}".replace(",", "\u202f")


def percent(ratio: float) -> str:
    return f"{ratio * 100:.1f}".replace(".", ",") + "\u00a0%"


# --- running a study ------------------------------------------------------------------------

def run_study(root: Path, slug: str, text: str, files: list[str]):
    """In a new project under ``root``, write the study, copy the real files into its data
    folder, validate and run it; return its participation page and its evidence."""
    project = root / "project"
    shutil.copytree(REPO / "notebooks", project / "notebooks")
    shutil.copytree(REPO / "data" / "reference", project / "data" / "reference")
    folder = write_study(project, slug, text)
    (folder / "data").mkdir()
    for name in files:
        shutil.copy(REAL_DATA / name, folder / "data" / name)
    reports = project / "reports"
    environment = {"CIVEVAL_REPORTS": str(reports)}
    validated = run_cli("validate", slug, root=project, env=environment)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    done = run_cli("run", slug, "--no-progress", root=project, env=environment)
    assert done.returncode == 0, done.stdout + done.stderr
    page = BeautifulSoup((reports / slug / "30_participation.html").read_text(encoding="utf-8"),
                         "html.parser")
    return page, load_study(folder, output_dir=reports / slug).evidence()


def table_by_caption(page: BeautifulSoup, caption: str) -> pd.DataFrame:
    table = next(t for t in page.find_all("table")
                 if t.caption and t.caption.get_text() == caption)
    heads = [th.get_text() for th in table.thead.find_all("th")]
    rows = [[td.get_text() for td in tr.find_all("td")] for tr in table.tbody.find_all("tr")]
    return pd.DataFrame(rows, columns=heads)


def said(page: BeautifulSoup) -> str:
    return html.unescape(page.get_text())


# --- Toulouse ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def toulouse(tmp_path_factory):
    return run_study(tmp_path_factory.mktemp("toulouse"), "toulouse", TOULOUSE_STUDY, TOULOUSE)


def test_toulouse_voters_turnout_and_district_ballots(toulouse):
    page, evidence = toulouse
    files = {name: sections(name) for name in TOULOUSE}
    voters_2019 = len(files[TOULOUSE[0]]["votes"])  # 1,494
    ballots_2022 = [len(files[name]["votes"]) for name in TOULOUSE[1:]]  # 972, 423, 436
    editions = table_by_caption(page, "Votants, projets et budget par édition") \
        .set_index("Édition")
    assert editions.loc["2019", "Votants"] == integer(voters_2019)
    assert editions.loc["2019", "Taux de participation"] == percent(
        voters_2019 / TOULOUSE_POPULATION)
    # 2022 has district files only: no voters, their ballots never added into voters.
    assert editions.loc["2022", "Votants"] == "–"
    assert editions.loc["2022", "Bulletins des votes de quartier"] == integer(
        sum(ballots_2022))
    assert evidence["participants_2019"].value == voters_2019 == 1494
    assert evidence["turnout_rate"].value == pytest.approx(voters_2019 / TOULOUSE_POPULATION)
    assert evidence["pb_district_ballots"].value == sum(ballots_2022) == 972 + 423 + 436
    assert "participants_2022" not in evidence and "participants_change" not in evidence
    districts = table_by_caption(page, "Votes de quartier : bulletins, projets, budget et "
                                       "lauréats")
    assert districts["Bulletins"].tolist() == [integer(n) for n in ballots_2022]
    assert districts["Quartier"].tolist() == [files[n]["meta"]["subunit"] for n in TOULOUSE[1:]]


def test_toulouse_winners_under_each_files_greedy_rule(toulouse):
    page, evidence = toulouse
    outcomes = table_by_caption(page, "Lauréats et budget engagé, vote par vote")
    for row, name in zip(outcomes.itertuples(index=False), TOULOUSE, strict=True):
        files = sections(name)
        funded = greedy(files)  # 2019: by points of the cumulative vote; 2022: by approvals
        spent = files["projects"].set_index("project_id").loc[funded, "cost"].sum()
        assert row[outcomes.columns.get_loc("Lauréats")] == str(len(funded))
        assert row[outcomes.columns.get_loc("Montant des lauréats")] == \
            f"{integer(int(spent))}\u00a0€"
        assert row[outcomes.columns.get_loc("Lauréats d'après")] == "la règle, recalculée"
    last = [sections(name) for name in TOULOUSE[1:]]
    spent_2022 = sum(f["projects"].set_index("project_id").loc[greedy(f), "cost"].sum()
                     for f in last)
    assert evidence["pb_budget_spent"].value == pytest.approx(spent_2022)
    assert evidence["pb_spent_share"].value == pytest.approx(spent_2022 / 1_200_000)


def test_toulouse_says_what_changed_in_2022(toulouse):
    page, _ = toulouse
    rules = table_by_caption(page, "Règles de vote de chaque édition et changements depuis "
                                   "l'édition précédente").set_index("Édition")
    assert rules.loc["2019", "Type de vote"] == "cumulatif"
    assert rules.loc["2022", "Type de vote"] == "approbation"
    assert rules.loc["2022", "Changements depuis l'édition précédente"] == (
        "type de vote : cumulatif → approbation ; territoire : 0 → 3 votes de quartier")
    assert "Hausse significative" not in said(page) and "Baisse significative" not in said(page)


# --- Warsaw-Wesoła ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def wesola(tmp_path_factory):
    return run_study(tmp_path_factory.mktemp("wesola"), "wesola", WESOLA_STUDY, WESOLA)


def test_wesola_voters_decline_and_the_2024_rule_change(wesola):
    page, evidence = wesola
    voters = [len(sections(name)["votes"]) for name in WESOLA]
    assert voters == [1505, 1487, 1320, 1181, 1009]
    editions = table_by_caption(page, "Votants, projets et budget par édition")
    assert editions["Votants"].tolist() == [integer(n) for n in voters]
    assert editions["Taux de participation"].tolist() == [
        percent(n / WESOLA_POPULATION) for n in voters]
    for year, count in zip(range(2020, 2025), voters, strict=True):
        assert evidence[f"participants_{year}"].value == count
    assert evidence["turnout_rate"].value == pytest.approx(1009 / WESOLA_POPULATION)
    change = evidence["participants_change"]
    assert change.value == pytest.approx(1009 / 1505 - 1)
    # The rule changed in 2024: only 2024 is comparable since, so nothing is tested.
    assert change.trend.significant is None
    assert change.trend.excluded == ("2020", "2021", "2022", "2023")
    rules = table_by_caption(page, "Règles de vote de chaque édition et changements depuis "
                                   "l'édition précédente").set_index("Édition")
    assert rules.loc["2024", "Changements depuis l'édition précédente"] == (
        "règle de sélection des lauréats : glouton (les plus soutenus tant que le budget le "
        "permet) → glouton exclusif")
    text = said(page)
    assert ("Évolution de −33,0\u00a0% entre 2020 et 2024 (de 1\u202f505 à 1\u202f009), non "
            "testée") in text
    assert ("2024 : règle de sélection des lauréats : glouton (les plus soutenus tant que le "
            "budget le permet) → glouton exclusif) : la tendance n'est pas testée à travers ce "
            "changement") in text
    # Budgets are in złoty: never written as euros.
    assert "Budget alloué (PLN)" in editions.columns
    assert "budget_per_inhabitant" not in evidence and "pb_budget_spent" not in evidence


def test_wesola_winners_follow_greedy_and_the_budget_spent(wesola):
    page, evidence = wesola
    outcomes = table_by_caption(page, "Lauréats et budget engagé, vote par vote")
    for row, name in zip(outcomes.itertuples(index=False), WESOLA, strict=True):
        files = sections(name)
        projects = files["projects"].set_index("project_id")
        selected = projects.index[projects["selected"] == 1]
        if files["meta"]["rule"] == "greedy":  # the file's rule, recomputed by hand
            assert sorted(greedy(files)) == sorted(selected)
        spent = int(projects.loc[selected, "cost"].sum())
        assert row[outcomes.columns.get_loc("Lauréats")] == str(len(selected))
        assert row[outcomes.columns.get_loc("Montant des lauréats (PLN)")] == integer(spent)
        assert row[outcomes.columns.get_loc("Part du budget engagée")] == percent(
            spent / float(files["meta"]["budget"]))
    last = sections(WESOLA[-1])["projects"]
    won = last["selected"] == 1
    most_voted = last["votes"].rank(method="min", ascending=False) <= won.sum()
    assert evidence["pb_winners_top_share"].value == pytest.approx((won & most_voted).sum()
                                                                   / won.sum())


def test_wesola_voters_by_age_and_sex(wesola):
    page, _ = wesola
    votes = sections(WESOLA[-1])["votes"]
    ages = pd.to_numeric(votes["age"], errors="coerce")
    bands = pd.cut(ages, [0, 18, 30, 45, 60, 75, np.inf], right=False,
                   labels=["0-17", "18-29", "30-44", "45-59", "60-74", "75+"])
    profile = table_by_caption(page, "Votants de 2024 par tranche d'âge et par sexe")
    by_age = profile[profile["Variable"] == "Tranche d'âge"].set_index("Modalité")
    counts = bands.value_counts()
    for band, count in counts.items():
        if count >= 5:
            assert by_age.loc[band, "Votants"] == integer(count)
            assert by_age.loc[band, "Part"] == percent(count / bands.notna().sum())
    by_sex = profile[profile["Variable"] == "Sexe"].set_index("Modalité")
    sexes = votes["sex"].value_counts()
    assert by_sex.loc["Femmes", "Votants"] == integer(sexes["F"])
    assert by_sex.loc["Hommes", "Part"] == percent(sexes["M"] / sexes.sum())
    channels = table_by_caption(page, "Canaux de participation par édition")
    online = channels[(channels["Édition"] == "2023") & (channels["Canal"] == "en ligne")]
    methods = sections(WESOLA[3])["votes"]["voting_method"]
    assert online["Part"].iloc[0] == percent((methods == "internet").mean())
