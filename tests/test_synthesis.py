"""The main report (90_rapport): the study page of the demo, in French and in English,
with its PDF and action plan, and its inputs checked before anything runs."""

import shutil

import openpyxl
import pytest
import yaml
from bs4 import BeautifulSoup

from conftest import REPO, run_cli

pytestmark = pytest.mark.slow


def test_the_main_report_is_the_study_page_with_its_pdf_and_action_plan(demo_reports):
    folder = demo_reports / "demo-saint-aubin"
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert page == (folder / "90_rapport.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(page, "html.parser")
    assert len(soup.find_all("h1")) == 1
    # Headings never skip a level: the table of contents follows them.
    levels = [int(h.name[1]) for h in soup.find("main").find_all(["h1", "h2", "h3", "h4"])]
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), levels
    titles = [h.get_text(strip=True) for h in soup.find_all("h2")]
    for title in ("Synthèse", "Contexte et méthode", "Résultats par composante", "Diagnostic",
                  "Recommandations", "Plan d'action", "Annexes"):
        assert title in titles
    links = {a["href"] for a in soup.find_all("a", href=True)}
    assert {"20_entretiens.html", "30_participation.html", "plan_action.xlsx",
            "90_rapport.pdf", "execution.html"} <= links
    for table in soup.find("main").find_all("table"):
        assert all(th.get("scope") for th in table.find_all("th")) or not table.find("thead")
    workbook = openpyxl.load_workbook(folder / "plan_action.xlsx")
    assert len(workbook.sheetnames) == 2
    if shutil.which("chromium"):
        assert (folder / "90_rapport.pdf").read_bytes().startswith(b"%PDF")


def test_weaknesses_cite_their_evidence(demo_reports):
    page = (demo_reports / "demo-saint-aubin" / "index.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(page, "html.parser")
    table = next(t for t in soup.find_all("table")
                 if t.caption and "preuves" in t.caption.get_text())
    rows = [[c.get_text(" ", strip=True) for c in tr.find_all("td")] for tr in table.find_all("tr")]
    decline = next(r for r in rows if r and r[2].startswith("Le dispositif s'essouffle"))
    assert decline[1] == "Point faible" and "\u221227,9\u00a0%" in decline[3]


def english_copy(tmp_path):
    root = tmp_path / "project"
    (root / "studies").mkdir(parents=True)
    for folder in ("notebooks", "data"):
        shutil.copytree(REPO / folder, root / folder)
    shutil.copytree(REPO / "studies" / "demo-saint-aubin", root / "studies" / "saint-aubin-en")
    study_file = root / "studies" / "saint-aubin-en" / "study.yml"
    config = yaml.safe_load(study_file.read_text(encoding="utf-8"))
    config["report"]["language"] = "en"
    study_file.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return root, config


def test_language_en_gives_the_same_report_in_english(tmp_path):
    root, _ = english_copy(tmp_path)
    result = run_cli("run", "saint-aubin-en", "--no-progress", root=root)
    assert result.returncode == 0, result.stdout + result.stderr
    page = (root / "reports" / "saint-aubin-en" / "index.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(page, "html.parser")
    titles = [h.get_text(strip=True) for h in soup.find_all("h2")]
    assert {"Summary", "Context and method", "Diagnostic", "Recommendations",
            "Action plan", "Annexes"} <= set(titles)
    text = soup.get_text(" ")
    for french in ("Synthèse", "Points forts", "Chiffres clés", "Constat", "Télécharger"):
        assert french not in text
    assert soup.html["lang"] == "en"


@pytest.mark.parametrize("change, message", [
    (lambda c: c["action_plan"]["actions"][1].pop("owner"), "owner"),
    (lambda c: c["action_plan"]["actions"][1]["indicators"][0].update(target=60),
     "write 0.6"),
    (lambda c: c.update(previous_wave="saint-aubin-2021"), "saint-aubin-2021"),
])
def test_a_bad_action_plan_or_wave_stops_before_anything_runs(tmp_path, change, message):
    root, config = english_copy(tmp_path)
    change(config)
    study_file = root / "studies" / "saint-aubin-en" / "study.yml"
    study_file.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    result = run_cli("run", "saint-aubin-en", "--no-progress", root=root)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "studies/saint-aubin-en/study.yml, line" in result.stderr
    assert message in result.stderr
    assert not (root / "reports").exists()  # nothing written
