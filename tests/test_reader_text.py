"""The text of every page of the demo batch, read as a director of citizen participation
reads it: no unfilled placeholder, no identifier of the catalogue or the plan, no optional
plural « (s) », no file name, minus signs that are minus signs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from civeval import load_study
from civeval.diagnosis.recommendations import load_library
from conftest import REPO

pytestmark = pytest.mark.slow

PLACEHOLDER = re.compile(r"<[a-z_]+>|\{[a-z_]+\}")
OPTIONAL_PLURAL = re.compile(r"\w\((s|e|es|x|ies)\)")
# A hyphen-minus written before a number: « -27,9 % » (ranges such as 18-29 or 2022-2024
# follow a digit, and words such as Saint-Aubin a letter).
HYPHEN_MINUS = re.compile(r"(?<![\w/–-])-\d")
FILE_NAMES = re.compile(r"study\.yml|\bdata/|\.(csv|xlsx|pb|geojson)\b")


def reader_text(path: Path) -> str:
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    for hidden in soup.find_all(["style", "script"]):
        hidden.decompose()
    return re.sub(r"\s+", " ", soup.get_text(" "))


def identifiers(slug: str, reports: Path) -> set[str]:
    """Snake_case names a study is made of and a reader must never see: its datasets,
    the variables of its margins tables, its key figures, its actions and the library's
    recommendations."""
    study = load_study(slug)
    names = set(study.config.data)
    for name, entry in study.config.data.items():
        if entry.format == "margins":
            names |= set(study.load(name)["variable"])
    names |= set(json.loads((reports / slug / "evidence.json").read_text(encoding="utf-8")))
    plan = study.config.action_plan or {}
    names |= set(plan.get("accept", [])) | {str(a["id"]) for a in plan.get("actions", [])}
    names |= {recommendation.id for recommendation in load_library()}
    return {name for name in names if "_" in name}


def slugs() -> list[str]:
    return sorted(path.parent.name for path in (REPO / "studies").glob("demo-*/study.yml"))


def test_every_page_reads_as_clean_french(demo_reports):
    problems = []
    for slug in slugs():
        hidden = identifiers(slug, demo_reports)
        word = re.compile(r"(?<![\w.])(" + "|".join(map(re.escape, sorted(hidden))) + r")\b")
        for path in sorted((demo_reports / slug).glob("*.html")):
            text = reader_text(path)
            for name, pattern in (("placeholder", PLACEHOLDER), ("« (s) »", OPTIONAL_PLURAL),
                                  ("hyphen for a minus", HYPHEN_MINUS),
                                  ("file name", FILE_NAMES), ("identifier", word)):
                for match in pattern.finditer(text):
                    around = text[max(0, match.start() - 50):match.end() + 30]
                    problems.append(f"{slug}/{path.name}: {name}: …{around}…")
    assert problems == [], "\n".join(problems[:40])


def test_the_footer_names_the_version_and_the_annex_keeps_the_code_version(demo_reports):
    page = BeautifulSoup((demo_reports / "demo-saint-aubin" / "90_rapport.html").read_text(
        encoding="utf-8"), "html.parser")
    footer = page.find("footer", class_="cv-footer").get_text(" ")
    assert "Produit par civeval" in footer and "version du code" not in footer
    text = reader_text(demo_reports / "demo-saint-aubin" / "90_rapport.html")
    assert "Traçabilité" in text and "Version du code" in text and "Empreinte du code" in text


def test_the_action_plan_shows_titles_and_says_what_was_set_aside(demo_reports):
    text = reader_text(demo_reports / "demo-saint-aubin" / "90_rapport.html")
    plan = yaml.safe_load((REPO / "studies" / "demo-saint-aubin" / "study.yml").read_text(
        encoding="utf-8"))["action_plan"]
    for aside in plan["set_aside"]:
        assert aside["reason"] in text
    for action in plan["actions"]:
        assert f" {action['id']} " not in text
