"""Instruments from the question bank: the bank's checks, a study's selection, the files
``civeval instrument`` writes, and round trips through the existing readers (answers in Kobo
and LimeSurvey exports, coded interviews, workshop dot votes)."""

from __future__ import annotations

import random
import shutil
import textwrap

import pandas as pd
import pytest

from civeval.errors import InstrumentError
from civeval.instruments.bank import load_bank
from civeval.instruments.coverage import coverage
from civeval.instruments.forms import check_xlsform
from civeval.instruments.select import select_items
from civeval.instruments.write import write_instruments
from civeval.qual.codebook import read_codebook
from civeval.qual.segments import read_coded_segments
from civeval.qual.votes import read_workshop
from civeval.survey.codebook import load_codebook
from civeval.survey.io import read_survey
from civeval.survey.xlsform import read_xlsform
from civeval.workbench.study import load_study
from conftest import run_cli, write_study

MARGINS = """\
variable;categorie;population
sexe;Une femme;5200
sexe;Un homme;4800
age;18-29;1800
age;30-44;2500
age;45-59;2400
age;60-74;2100
age;75+;1200
quartier;Centre;4000
quartier;Gare;3500
quartier;Plateau;2500
"""

STUDY = """\
title: "Évaluation du budget participatif de Testville"
demo: true
client: {name: "Testville", kind: commune, insee_code: "35238", population: 12000}
schemes:
  - name: "Budget participatif"
    type: budget participatif
    editions:
      - {label: "2024", start: 2024-03-01, end: 2024-10-31}
evaluation_questions:
  efficacité:
    - question: "Les échanges ont-ils été de qualité ?"
      indicators: [agreement_echparole]
      items: [echrespect, G08]
  efficience:
    - "Le dispositif est-il efficient ?"
  impact:
    - question: "Les participants savent-ils ce que deviennent leurs projets ?"
      indicators: [answer_rate]
  cohérence:
    - "Le budget participatif s'articule-t-il avec les conseils de quartier ?"
data:
  marges: {file: data/marges.csv, format: margins}
instruments:
  margins: marges
  drop: [pcs]
  reword:
    infoclaire: {fr: "L'information sur le budget participatif était claire"}
  items:
    - {name: navette, theme: accessibilite, type: likert, scale: accord, criterion: efficacité,
       fr: "La navette gratuite m'a permis de venir voter", en: "The free shuttle let me vote",
       indicator: "agreement_<item>"}
  groups: [élu, agent, habitant]
"""


@pytest.fixture
def study(project):
    write_study(project, "test-instruments", STUDY, {"data/marges.csv": MARGINS})
    return load_study("test-instruments")


@pytest.fixture
def written(study):
    return write_instruments(study, pdf=False)


# --- the bank ---------------------------------------------------------------------------------

def test_the_bank_covers_every_theme_the_method_needs():
    bank = load_bank()
    themes = {item.theme for item in bank.items}
    assert {"information", "accessibilite", "echanges", "influence", "confiance", "bilan",
            "ouvertes", "profil"} <= themes
    for item in bank.items:
        if item.type == "likert":
            assert len(item.levels) >= 4 and item.missing.fr == "Ne sait pas", item.name
    profile = {item.name: item for item in bank.items if item.margin}
    assert [c.fr for c in profile["age"].levels] == ["18-29", "30-44", "45-59", "60-74", "75+"]
    assert [c.fr for c in profile["sexe"].levels] == ["Une femme", "Un homme"]
    assert profile["quartier"].levels_from_margins
    assert {group for theme in bank.guide_themes for q in theme.questions
            for group in q.groups} == set(bank.groups)


MINI_BANK = """\
scales:
  accord:
    levels: [{code: "1", fr: "D'accord"}, {code: "2", fr: "Pas d'accord"}]
    missing: {code: "99", fr: "Ne sait pas"}
themes:
  t: {fr: "Thème"}
items:
  - {name: a, theme: t, type: likert, scale: accord, fr: "A", criterion: impact}
  - {name: b, theme: t, type: likert, scale: accord, fr: "B", criterion: impact}
"""


@pytest.mark.parametrize("change, message, line", [
    ("  - {name: a, theme: t, type: text, fr: \"Encore A\", criterion: impact}\n",
     "two items are named 'a' (first on line 8", 10),
    ("  - {name: c, theme: t, type: likert, fr: \"C\", criterion: impact}\n",
     "item c: a likert item needs its levels", 10),
    ("  - {name: c, theme: t, type: text, fr: \"C\", criterion: impact,"
     " ask_if: {item: d, answers: ['1']}}\n"
     "  - {name: d, theme: t, type: likert, scale: accord, fr: \"D\", criterion: impact}\n",
     "depending on 'd', which comes later", 10),
    ("  - {name: c, theme: t, type: text, fr: \"C\", criterion: impact,"
     " ask_if: {item: zz, answers: ['1']}}\n",
     "depending on 'zz', which is not an item", 10),
    ("  - {name: c, theme: t, type: text, fr: \"C\", criterion: impact,"
     " ask_if: {item: a, answers: ['7']}}\n",
     "answer(s) 7 of a, whose codes are 1, 2, 99", 10),
    ("  - {name: c_1, theme: t, type: text, fr: \"C\", criterion: impact}\n",
     "must be letters and digits", 10),
])
def test_bank_faults_name_the_file_and_line(tmp_path, change, message, line):
    path = tmp_path / "banque.yml"
    path.write_text(MINI_BANK + change, encoding="utf-8")
    with pytest.raises(InstrumentError) as raised:
        load_bank(path)
    assert message in str(raised.value)
    assert raised.value.row == line and "banque.yml" in str(raised.value.file)


# --- a study's selection ------------------------------------------------------------------

def test_selection_follows_the_schemes_and_study_yml(study):
    selection = select_items(study, load_bank())
    names = [item.name for item in selection.items]
    assert "bpsuivi" in names and "cqordre" not in names  # by scheme type
    assert "pcs" not in names and "navette" in names
    assert names.index("navette") < names.index("echrespect")  # in its theme's place
    assert selection.item("infoclaire").fr.startswith("L'information sur le budget")
    assert [c.fr for c in selection.item("quartier").levels] == ["Centre", "Gare", "Plateau"]
    assert list(selection.groups) == ["élu", "agent", "habitant"]
    assert names[-3:] == ["sexe", "age", "quartier"]


def _study_with(project, slug, instruments: str, margins: str = MARGINS):
    text = STUDY.split("instruments:")[0] + instruments
    write_study(project, slug, text, {"data/marges.csv": margins})
    return load_study(slug)


def test_an_unknown_item_is_refused_with_a_suggestion(project):
    study = _study_with(project, "typo", "instruments:\n  drop: [echrepsect]\n")
    with pytest.raises(InstrumentError) as raised:
        select_items(study, load_bank())
    assert "the bank has no item 'echrepsect' (did you mean echrespect?)" in str(raised.value)
    assert raised.value.row == 24 and "study.yml" in str(raised.value.file)


def test_profile_categories_that_differ_from_the_margins_are_listed(project):
    margins = MARGINS.replace("sexe;Une femme", "sexe;F").replace("sexe;Un homme", "sexe;H")
    study = _study_with(project, "margins", "instruments:\n  margins: marges\n", margins)
    with pytest.raises(InstrumentError) as raised:
        select_items(study, load_bank())
    message = str(raised.value)
    assert "in the item, not in the margins: Une femme, Un homme" in message
    assert "in the margins, not in the item: F, H" in message
    fixed = _study_with(project, "margins-fixed",
                        "instruments:\n  margins: marges\n  levels: {sexe: [F, H]}\n", margins)
    assert [c.fr for c in select_items(fixed, load_bank()).item("sexe").levels] == ["F", "H"]


def test_dropping_an_item_others_are_routed_on_is_refused(project):
    study = _study_with(project, "routed", "instruments:\n  drop: [participe]\n")
    with pytest.raises(InstrumentError, match="premiere, echrespect.* asked depending on"):
        select_items(study, load_bank())


def test_coverage_links_questions_and_flags_the_uncovered(study):
    table = coverage(study, select_items(study, load_bank())).set_index("question")
    quality = table.loc["Les échanges ont-ils été de qualité ?"]
    assert quality["status"] == "covered"
    assert quality["items"] == ["echrespect", "echparole"]
    assert quality["guide_questions"] == ["G08"]
    assert "agreement_echrespect" in quality["indicators"]
    assert table.loc["Les participants savent-ils ce que deviennent leurs projets ?",
                     "status"] == "data only"
    efficient = table.loc["Le dispositif est-il efficient ?"]
    assert efficient["status"] == "to confirm"
    assert efficient["candidates"] == ["tempsutile", "G12"]


# --- the files written --------------------------------------------------------------------

def test_instrument_writes_every_file_and_the_xlsform_converts(written):
    folder = written.folder
    expected = {"questionnaire.xlsx", "questionnaire_limesurvey.txt", "codebook.yml",
                "questionnaire_papier.html", "guide_elu.html", "guide_elu.docx",
                "guide_agent.docx", "guide_habitant.html", "codebook_entretiens.csv",
                "protocole_atelier.html", "protocole_atelier.docx", "gommettes.xlsx",
                "grille_observation.html", "grille_observation.xlsx", "couverture.csv",
                "couverture.html"}
    assert expected <= set(written.files)
    assert "guide_association.html" not in written.files  # groups: élu, agent, habitant
    xform = check_xlsform((folder / "questionnaire.xlsx").read_bytes())
    assert "/data/influence/bpsuivi" in xform and "jr:itext" in xform  # two languages
    paper = (folder / "questionnaire_papier.html").read_text(encoding="utf-8")
    assert "Seulement si vous avez répondu « Oui » à la question 1 (participe)" in paper
    assert "<script" not in paper and "http" not in paper.replace("http-equiv", "")


def test_nothing_is_written_when_the_study_is_wrong(project):
    study = _study_with(project, "wrong", "instruments:\n  add: [bpsuvi]\n")
    code = run_cli("instrument", "wrong", "--no-pdf", root=project)
    assert code.returncode == 2
    assert "did you mean bpsuivi?" in code.stderr and "study.yml, line 24" in code.stderr
    assert not (study.output_dir / "instruments").exists()


@pytest.mark.parametrize("instruments, margins, message, line", [
    ("instruments:\n  add: [bpsuvi]\n", MARGINS,
     "add: the bank has no item 'bpsuvi' (did you mean bpsuivi?)", 24),
    ("instruments:\n  margins: marges\n",
     MARGINS.replace("sexe;Une femme", "sexe;F").replace("sexe;Un homme", "sexe;H"),
     "in the margins, not in the item: F, H", 22),
    ("instruments:\n  items:\n    - {name: navette, theme: accessibilite, type: text, "
     "criterion: efficacité, fr: \"Navette\", ask_if: {item: venu, answers: ['1']}}\n",
     MARGINS, "item navette is asked depending on 'venu', which is not an item", 25),
])
def test_validate_refuses_what_instrument_would(project, instruments, margins, message, line):
    _study_with(project, "invalid", instruments, margins)

    done = run_cli("validate", "invalid", root=project)

    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr
    assert f"studies/invalid/study.yml, line {line}" in done.stderr


def test_validate_accepts_a_study_that_designs_its_instruments(project, study):
    done = run_cli("validate", "test-instruments", root=project)
    assert done.returncode == 0, done.stderr


def test_cli_writes_the_instruments(project, study):
    done = run_cli("instrument", "test-instruments", "--no-pdf", root=project)
    assert done.returncode == 0, done.stderr
    assert (project / "reports" / "test-instruments" / "instruments" / "codebook.yml").is_file()


def test_a_run_of_the_study_keeps_its_instruments(project, study):
    assert run_cli("instrument", "test-instruments", "--no-pdf", root=project).returncode == 0
    codebook = project / "reports" / "test-instruments" / "instruments" / "codebook.yml"
    made = codebook.read_bytes()

    done = run_cli("run", "test-instruments", "--force", "--no-progress", root=project)

    assert done.returncode == 0, done.stdout + done.stderr
    assert codebook.read_bytes() == made


# --- round trips ----------------------------------------------------------------------------

def _answers(codebook, rng) -> dict[str, str]:
    """One respondent's answers, as codes, to every question of the codebook."""
    row = {}
    for question in codebook:
        if question.type in ("likert", "single"):
            row[question.id] = rng.choice([*question.codes, *question.missing[1:]])
        elif question.type == "multiple":
            row[question.id] = rng.sample(question.columns, 2)
        elif question.type == "numeric":
            row[question.id] = str(rng.randint(1, 9))
        else:
            row[question.id] = rng.choice(["Plus de réunions le soir", "Rien", ""])
    return row


def _check_every_item(survey, selection):
    codebook = survey.codebook
    for item in selection.items:
        question = codebook[item.name]
        assert question.label == item.fr
        if item.type == "multiple":
            for choice in item.levels:
                assert survey.responses[f"{item.name}[{choice.code}]"].dtype == "boolean"
        else:
            assert item.name in survey.responses.columns
        if item.type == "likert":
            assert list(survey.responses[item.name].cat.categories) == [c.fr for c in item.levels]


def test_kobo_export_of_the_generated_form_imports_with_no_mapping(study, written, tmp_path):
    folder = written.folder
    codebook = load_codebook(folder / "codebook.yml")
    form = pd.read_excel(folder / "questionnaire.xlsx", sheet_name="survey", dtype=str)
    group, paths = None, {}
    for kind, name in zip(form["type"], form["name"].fillna(""), strict=True):
        if kind == "begin_group":
            group = name
        elif kind == "end_group":
            group = None
        elif name and kind != "note":
            paths[name] = f"{group}/{name}" if group else name
    rng = random.Random(7)
    rows = []
    for number in range(40):
        answers = _answers(codebook, rng)
        row = {"start": "2024-11-02T10:00:00", "end": "2024-11-02T10:09:00"}
        for question in codebook:
            value = answers[question.id]
            if question.type == "multiple":
                row[paths[question.id]] = " ".join(value)
                for option in question.columns:
                    row[f"{paths[question.id]}/{option}"] = int(option in value)
            else:
                row[paths[question.id]] = value
        row.update({"_id": 1000 + number, "_uuid": f"uuid-{number:03d}",
                    "_submission_time": "2024-11-02T10:09:30", "_index": number + 1})
        rows.append(row)
    export = tmp_path / "export_kobo.csv"
    pd.DataFrame(rows).to_csv(export, sep=";", index=False)
    selection = select_items(study, load_bank())
    survey = read_survey(export, codebook=folder / "codebook.yml")
    assert survey.source == "kobo" and len(survey.responses) == 40
    _check_every_item(survey, selection)
    # The XLSForm is a codebook too: the same export reads with it.
    form_survey = read_survey(export, codebook=folder / "questionnaire.xlsx")
    assert {q.id for q in form_survey.codebook} == {item.name for item in selection.items}
    assert read_xlsform(folder / "questionnaire.xlsx").codebook["navette"].label == \
        selection.item("navette").fr


def _limesurvey_columns(structure: str) -> list[str]:
    """The response columns LimeSurvey creates from the structure file (French rows)."""
    table = pd.read_csv(pd.io.common.StringIO(structure), sep="\t", dtype=str).fillna("")
    table = table[table["language"] == "fr"]
    columns, question = [], None
    for row in table.itertuples(index=False):
        if row[2] == "Q":
            question = row[4]
            if row[3] != "M":
                columns.append(question)
        elif row[2] == "SQ":
            columns.append(f"{question}[{row[4]}]")
    return columns


def test_limesurvey_export_of_the_generated_structure_imports_with_no_mapping(
        study, written, tmp_path):
    folder = written.folder
    codebook = load_codebook(folder / "codebook.yml")
    columns = _limesurvey_columns((folder / "questionnaire_limesurvey.txt").read_text("utf-8"))
    expected = [f"{q.id}[{code}]" for q in codebook for code in q.columns] + \
        [q.id for q in codebook if q.type != "multiple"]
    assert sorted(columns) == sorted(expected)
    rng = random.Random(11)
    rows = []
    for number in range(30):
        answers = _answers(codebook, rng)
        row = {"id": number + 1, "submitdate": "2024-11-02 10:09:30", "lastpage": 9,
               "startlanguage": "fr", "seed": 123, "startdate": "2024-11-02 10:00:00",
               "datestamp": "2024-11-02 10:09:30"}
        for column in columns:
            stem, _, option = column.partition("[")
            row[column] = ("Y" if option.rstrip("]") in answers[stem] else "") if option \
                else answers[stem]
        rows.append(row)
    export = tmp_path / "results-survey123456.csv"
    pd.DataFrame(rows).to_csv(export, index=False)
    survey = read_survey(export, codebook=folder / "codebook.yml")
    assert survey.source == "limesurvey" and len(survey.responses) == 30
    _check_every_item(survey, select_items(study, load_bank()))
    dont_know = survey.missing.get("satglobal", 0)
    assert dont_know == sum(row["satglobal"] == "99" for row in rows)


def test_the_questionnaire_section_reads_the_generated_form(project, study, written, tmp_path):
    """Catalogued with the generated codebook, a LimeSurvey export goes through the section
    of 10_questionnaire: each Likert item's agreement recorded under its registry key."""
    from civeval.sections import questionnaire

    folder = study.path
    shutil.copy(written.folder / "codebook.yml", folder / "codebook.yml")
    codebook = load_codebook(folder / "codebook.yml")
    rng = random.Random(3)
    rows = []
    for number in range(60):
        answers = _answers(codebook, rng)
        row = {"id": number + 1, "submitdate": "2024-11-02 10:09:30"}
        for question in codebook:
            if question.type == "multiple":
                row.update({f"{question.id}[{option}]": "Y" if option in answers[question.id]
                            else "" for option in question.columns})
            else:
                row[question.id] = answers[question.id]
        rows.append(row)
    (folder / "data").mkdir(exist_ok=True)
    pd.DataFrame(rows).to_csv(folder / "data" / "reponses.csv", index=False)
    text = (folder / "study.yml").read_text("utf-8").replace(
        "data:\n", "data:\n  questionnaire: {file: data/reponses.csv, format: limesurvey, "
        "options: {codebook: codebook.yml}}\n", 1)
    (folder / "study.yml").write_text(text, encoding="utf-8")
    study = load_study("test-instruments")
    loaded = questionnaire.load(study, "questionnaire")
    selection = select_items(study, load_bank())
    likert = [item for item in selection.items if item.type == "likert"]
    for item in likert:
        table = questionnaire.agreement(study, loaded, loaded.codebook[item.name])
        assert table["item"].tolist() == [item.fr]
    recorded = set(study.evidence())
    assert {item.feeds for item in likert} <= recorded
    quality = coverage(study, selection).set_index("question").loc[
        "Les échanges ont-ils été de qualité ?"]
    assert set(quality["indicators"]) <= recorded


def test_interviews_coded_with_the_guide_themes_read_back(written, tmp_path):
    codebook_file = written.folder / "codebook_entretiens.csv"
    codebook = read_codebook(codebook_file)
    themes = [code for code in pd.read_csv(codebook_file, sep=";")["code"]]
    segments = tmp_path / "segments.csv"
    segments.write_text(textwrap.dedent(f"""\
        entretien;role;extrait;codes
        E01;Élu;La réunion était un mardi à 18 heures.;{themes[1]}
        E02;Habitante;On ne sait pas ce qu'est devenu le projet.;Retour aux participants
        E03;Agent;Le service a passé trois mois sur l'instruction.;Charge des services
        E04;Membre du dispositif;Le conseil choisit ses sujets.;{themes[1]}
        """), encoding="utf-8")
    read = read_coded_segments(segments, codebook=codebook_file)  # the guides' groups: no roles
    assert set(read["code"]) == {themes[1], "Retour aux participants", "Charge des services"}
    assert set(read["speaker_role"]) == {"élu", "habitant", "agent", "membre"}
    assert codebook.ancestors("Retour aux participants") == ["Prise en compte et retours"]


def test_the_dot_vote_sheet_reads_as_a_workshop(written, tmp_path):
    sheet = pd.read_excel(written.folder / "gommettes.xlsx")
    filled = pd.concat([sheet, pd.DataFrame([
        {"atelier": "Atelier du 12 mars", "proposition": "Publier le suivi des projets",
         "groupe": "Habitant", "gommettes": 9, "participants": 12},
        {"atelier": "Atelier du 12 mars", "proposition": "Voter dans les écoles",
         "groupe": "Agent", "gommettes": 4, "participants": 6}])])
    path = tmp_path / "gommettes.xlsx"
    filled.to_excel(path, index=False)
    votes = read_workshop(path)
    assert sorted(votes["votes"].tolist()) == [4, 9]
