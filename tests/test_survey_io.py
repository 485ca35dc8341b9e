"""Survey exports are imported tidy, without personal data, and checked against a codebook."""

from pathlib import Path

import pandas as pd
import pytest

import civeval.survey.io  # noqa: F401  (registers the survey formats of the data catalogue)
from civeval.errors import CatalogError, SurveyError
from civeval.survey.codebook import (
    Codebook,
    Question,
    apply_codebook,
    load_codebook,
    normalise_label,
)
from civeval.survey.io import read_survey
from civeval.workbench.study import load_study
from conftest import MINIMAL_STUDY, write_study

FIXTURES = Path(__file__).parent / "fixtures" / "survey"
LIMESURVEY = FIXTURES / "limesurvey.csv"
CODEBOOK = FIXTURES / "codebook.yml"
AGREEMENT = ["Tout à fait d'accord", "Plutôt d'accord", "Plutôt pas d'accord",
             "Pas du tout d'accord"]
NA = pd.NA


def variant(tmp_path, old: str, new: str, source: Path = LIMESURVEY) -> Path:
    """A copy of a fixture export with ``old`` replaced by ``new`` (which must occur)."""
    text = source.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / source.name
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def cells(series: pd.Series) -> list:
    """Values with every kind of missing value shown as pd.NA, for exact comparisons."""
    return [NA if pd.isna(value) else value for value in series]


# --- codebooks ----------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["plutot d'accord", "PLUTÔT D’ACCORD", "Plutôt d‘accord",
                                   "Plutôt dʼaccord", "Plutôt d`accord", " Plutôt\u00a0 d'accord "])
def test_labels_match_whatever_their_typography(typed):
    assert normalise_label(typed) == normalise_label("Plutôt d’accord") == "plutot d'accord"


def test_yaml_and_csv_codebooks_declare_the_same_questions():
    from_yaml, from_csv = load_codebook(CODEBOOK), load_codebook(FIXTURES / "codebook.csv")
    assert from_yaml == from_csv
    assert [question.id for question in from_yaml] == ["Q1", "Q2", "Q3", "Q4"]
    assert from_yaml["Q1"] == Question(
        id="Q1", type="likert", label="Que pensez-vous des affirmations suivantes ?",
        levels=tuple(AGREEMENT), missing=("Ne sait pas", "NSP"), columns=("SQ001", "SQ002"))
    assert from_yaml["Q3"].neutral == "Moyennement"  # declared "moyennement"
    assert from_yaml["Q3"].reversed is True
    assert (from_yaml["Q4"].minimum, from_yaml["Q4"].maximum) == (16, 110)


@pytest.mark.parametrize(("yaml_text", "line", "message"), [
    ("questions:\n  - {id: Q1, type: echelle}\n", 2,
     "question Q1: unknown type 'echelle'; types: single, multiple, likert, numeric, text"),
    ("questions:\n  - {id: Q1, type: likert}\n", 2,
     "question Q1: a likert question needs its levels"),
    ("questions:\n  - {id: Q1, type: single, levels: [Oui, Non], neutral: Bof}\n", 2,
     "question Q1: the neutral level 'Bof' is not one of its levels"),
    ("questions:\n  - {id: Q1, type: single, levels: [Oui, OUI]}\n", 2,
     "question Q1: the answer 'OUI' is declared twice (case, accents and spaces are ignored)"),
    ("questions:\n  - {id: Q1, type: text}\n  - {id: Q1, type: text}\n", 3,
     "question Q1 is declared twice (first on line 2)"),
    ("questions:\n  - {id: Q1, type: text, level: [a]}\n", 2,
     "unknown key(s) level; allowed: id, type, label, levels, codes, neutral, reversed, "
     "missing, columns, item_labels, minimum, maximum"),
    ("questions:\n  - {id: Q1, type: numeric, minimum: dix}\n", 2,
     "question Q1: minimum must be a number, not 'dix'"),
])
def test_codebook_mistakes_are_located(tmp_path, yaml_text, line, message):
    path = tmp_path / "codebook.yml"
    path.write_text(yaml_text, encoding="utf-8")
    with pytest.raises(SurveyError) as caught:
        load_codebook(path)
    assert str(caught.value) == f"{path}, line {line}: {message}"


def test_yaml_levels_are_kept_as_typed(tmp_path):
    # YAML would read an unquoted No as false and 10 as a number.
    path = tmp_path / "codebook.yml"
    path.write_text("questions:\n  - {id: q1, type: single, levels: [Yes, No, 10]}\n",
                    encoding="utf-8")
    assert load_codebook(path)["q1"].levels == ("Yes", "No", "10")


# --- LimeSurvey ---------------------------------------------------------------------------

LIMESURVEY_COLUMNS = ["respondent_id", "submitted_at", "Q1[SQ001]", "Q1[SQ002]", "Q2[SQ001]",
                      "Q2[SQ002]", "Q2[other]", "Q2[comment]", "Q3[SQ001][1]", "Q3[SQ001][2]",
                      "Q4"]


def test_limesurvey_export_is_tidy():
    survey = read_survey(LIMESURVEY)
    responses = survey.responses
    assert (survey.source, survey.incomplete, survey.excluded) == ("limesurvey", 2, 2)
    assert survey.personal_columns_dropped == ["ipaddr", "email"]
    assert responses.columns.tolist() == LIMESURVEY_COLUMNS
    # Response 2 has a comment on two lines, so response 4 starts on line 6, not 5.
    assert responses.index.tolist() == [2, 3, 6, 8]
    assert responses["respondent_id"].tolist() == [1, 2, 4, 6]
    assert responses["submitted_at"].iloc[0] == pd.Timestamp("2025-04-10 19:36:00")
    assert responses["Q2[SQ001]"].tolist() == [True, False, True, False]
    assert responses["Q2[SQ002]"].tolist() == [False, True, True, False]
    assert cells(responses["Q2[other]"]) == [NA, "Affiche en mairie", NA, NA]
    assert cells(responses["Q2[comment]"]) == [NA, "Vu en passant\ndevant la mairie", NA,
                                               "Très bien"]
    assert responses["Q3[SQ001][1]"].tolist() == [4, 2, 5, 1]
    assert responses["Q1[SQ002]"].tolist() == ["Plutôt d’accord", "NSP", "Plutôt pas d'accord",
                                               "Tout à fait d'accord"]
    assert survey.codebook is None


def test_the_codebook_travels_with_the_responses_uncopied():
    responses = read_survey(LIMESURVEY, codebook=CODEBOOK).responses
    codebook = responses.attrs["codebook"]
    # pandas deep-copies attrs after each operation: the codebook is shared, not copied.
    assert responses[responses["respondent_id"] > 1].attrs["codebook"] is codebook


def test_incomplete_responses_are_kept_on_request():
    survey = read_survey(LIMESURVEY, include_incomplete=True)
    responses = survey.responses
    assert (survey.incomplete, survey.excluded) == (2, 0)
    assert responses["respondent_id"].tolist() == [1, 2, 3, 4, 5, 6]
    assert responses.index.tolist() == [2, 3, 5, 6, 7, 8]
    assert responses["submitted_at"].isna().tolist() == [False, False, True, False, True, False]


def test_underscore_headings_are_read_as_brackets(tmp_path):
    header = LIMESURVEY.read_text(encoding="utf-8").splitlines()[0]
    underscored = header.replace("[", "_").replace("]", "")  # Q3[SQ001][1] -> Q3_SQ001_1
    assert '"Q3_SQ001_1"' in underscored and '"Q2_other"' in underscored
    path = variant(tmp_path, header, underscored)
    expected = read_survey(LIMESURVEY, codebook=CODEBOOK).responses
    pd.testing.assert_frame_equal(read_survey(path, codebook=CODEBOOK).responses, expected)


def test_codebook_converts_answers():
    survey = read_survey(LIMESURVEY, codebook=CODEBOOK)
    responses = survey.responses
    assert responses.columns.tolist() == LIMESURVEY_COLUMNS
    q1 = responses["Q1[SQ001]"]
    assert q1.cat.categories.tolist() == AGREEMENT and q1.cat.ordered
    # "plutot d'accord", "Plutôt d’accord" and "Plutôt d'accord" are one level; NSP and
    # "Ne sait pas" are missing codes.
    assert cells(q1) == ["Tout à fait d'accord", "Plutôt d'accord", NA, "Plutôt d'accord"]
    assert cells(responses["Q1[SQ002]"]) == ["Plutôt d'accord", NA, "Plutôt pas d'accord",
                                             "Tout à fait d'accord"]
    # Likert codes n are the n-th level as declared.
    assert responses["Q3[SQ001][1]"].tolist() == ["Plutôt pas", "Plutôt", "Pas du tout",
                                                  "Tout à fait"]
    assert str(responses["Q4"].dtype) == "Int64"
    assert responses["Q4"].tolist() == [34, 58, 41, 27]
    assert survey.missing.to_dict() == {"Q1[SQ001]": 1, "Q1[SQ002]": 1, "Q2[SQ001]": 0,
                                        "Q2[SQ002]": 0, "Q3[SQ001][1]": 0, "Q3[SQ001][2]": 0,
                                        "Q4": 0}
    assert survey.codebook == load_codebook(CODEBOOK)


def test_single_choice_is_categorical_without_order():
    codebook = Codebook((Question("mode", "single", levels=("Bus", "Vélo"),
                                  missing=("Sans opinion",)),))
    coded, missing = apply_codebook(pd.DataFrame({"mode": ["velo", "Sans opinion", None]}),
                                    codebook)
    assert cells(coded["mode"]) == ["Vélo", NA, NA]
    assert not coded["mode"].cat.ordered
    assert missing.to_dict() == {"mode": 1}  # a blank answer is not a missing code


# --- KoboToolbox, ODK, Decidim ------------------------------------------------------------

def test_kobo_export_is_tidy():
    survey = read_survey(FIXTURES / "kobo.csv")
    responses = survey.responses
    assert survey.source == "kobo"
    assert survey.personal_columns_dropped == ["identite/nom", "identite/telephone"]
    assert responses.columns.tolist() == ["respondent_id", "submitted_at", "q1", "q2",
                                          "q3[bus]", "q3[velo]", "q3[voiture]", "q4"]
    assert responses["respondent_id"].tolist() == ["5f2c8e4a-1b2c-4d5e-8f90-a1b2c3d4e5f6",
                                                   "7a1d9c3b-2e4f-4a6b-9c8d-b2c3d4e5f6a7",
                                                   "c4e8a2f1-3b5d-4c7e-8a9b-c3d4e5f6a7b8"]
    assert responses["q2"].tolist() == [8, 3, 10]
    # The third respondent was not asked q3: its options stay missing rather than unticked.
    assert cells(responses["q3[bus]"]) == [True, False, NA]
    assert cells(responses["q3[voiture]"]) == [False, True, NA]
    assert str(responses["q3[velo]"].dtype) == "boolean"


def test_odk_export_is_tidy():
    survey = read_survey(FIXTURES / "odk.csv")
    responses = survey.responses
    assert survey.source == "odk"
    assert survey.personal_columns_dropped == ["meta-instanceName", "SubmitterName"]
    assert responses.columns.tolist() == ["respondent_id", "submitted_at", "q1", "q2",
                                          "q3[bus]", "q3[velo]", "commentaire"]
    assert responses["respondent_id"].tolist() == ["uuid:0b9d6c1e-5f3a-4e2b-9d7c-1a2b3c4d5e6f",
                                                   "uuid:9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"]
    assert responses["q3[bus]"].tolist() == [True, False]
    assert responses["q1"].tolist() == ["Oui", "Non"]


def test_decidim_export_is_tidy_with_a_codebook_skeleton():
    survey = read_survey(FIXTURES / "decidim.csv")
    responses = survey.responses
    assert survey.source == "decidim"
    assert survey.personal_columns_dropped == ["ip_hash", "session_token",
                                               "4. Votre adresse e-mail"]
    assert responses.columns.tolist() == ["respondent_id", "submitted_at", "q1", "q2",
                                          "q3[Information]", "q3[Réunions publiques]"]
    assert responses["respondent_id"].tolist() == [1, 2, 3]
    assert responses["submitted_at"].iloc[1] == pd.Timestamp("2024-05-04 18:40")
    assert cells(responses["q3[Réunions publiques]"]) == ["Très satisfait", "Satisfait", NA]
    assert [(q.id, q.type, q.label, q.columns) for q in survey.codebook] == [
        ("q1", "text", "Comment avez-vous connu la consultation ?", ()),
        ("q2", "text", "Quel est votre âge ?", ()),
        ("q3", "text", "Êtes-vous satisfait·e de ces aspects ?",
         ("Information", "Réunions publiques")),
    ]


def test_excel_exports_are_read_like_csv(tmp_path):
    # In a workbook, 0/1 option columns with empty cells come back as 1.0 and 0.0.
    path = tmp_path / "kobo.xlsx"
    pd.read_csv(FIXTURES / "kobo.csv", sep=";").to_excel(path, index=False)
    from_excel = read_survey(path).responses
    from_csv = read_survey(FIXTURES / "kobo.csv").responses
    assert from_excel.columns.tolist() == from_csv.columns.tolist()
    assert from_excel.index.tolist() == [2, 3, 4]
    for column in ["respondent_id", "q1", "q3[bus]", "q3[voiture]"]:
        assert cells(from_excel[column]) == cells(from_csv[column])


def test_generic_file_with_a_codebook(tmp_path):
    path = tmp_path / "saisie.csv"
    path.write_text("Nom;quartier;satisfaction\nMme A;Centre;Très satisfaite\n"
                    "M. B;Nord;SANS OPINION\n", encoding="utf-8")
    codebook = Codebook((Question("satisfaction", "likert",
                                  levels=("Très satisfaite", "Peu satisfaite"),
                                  missing=("Sans opinion",)),))
    survey = read_survey(path, codebook=codebook)
    assert (survey.source, survey.personal_columns_dropped) == ("generic", ["Nom"])
    assert survey.responses.columns.tolist() == ["respondent_id", "quartier", "satisfaction"]
    assert survey.responses["respondent_id"].tolist() == [1, 2]  # numbered in file order
    assert cells(survey.responses["satisfaction"]) == ["Très satisfaite", NA]
    assert survey.missing.to_dict() == {"satisfaction": 1}


@pytest.mark.parametrize(("name", "source"), [
    ("limesurvey.csv", "limesurvey"), ("kobo.csv", "kobo"), ("odk.csv", "odk"),
    ("decidim.csv", "decidim"), ("codebook.csv", "generic"),
])
def test_source_is_detected_from_the_headers(name, source):
    assert read_survey(FIXTURES / name).source == source


PERSONAL_VALUES = {
    "limesurvey.csv": ["claire.martin@example.org", "awa.diallo@example.org", "192.168.1.20"],
    "kobo.csv": ["Martin", "0612345678", "Dupont"],
    "odk.csv": ["Réponse de Martin", "Enquêtrice Sud"],
    "decidim.csv": ["claire.martin@example.org", "5d41402abc4b2a76b9719d911017c592",
                    "9f86d081884c7d659a2feaa0c55ad015"],
}


@pytest.mark.parametrize("name", sorted(PERSONAL_VALUES))
def test_personal_values_go_nowhere(name):
    survey = read_survey(FIXTURES / name, include_incomplete=True)
    shown = survey.responses.to_csv() + repr(survey.responses.attrs) + repr(survey)
    for value in PERSONAL_VALUES[name]:
        assert value not in shown


# --- errors -------------------------------------------------------------------------------

@pytest.mark.parametrize(("old", "new", "where", "message"), [
    ('"Plutôt pas d\'accord"', '"Bof"', "line 6, column 'Q1[SQ002]'",
     'unknown answer "Bof" to question Q1; allowed: "Tout à fait d\'accord", '
     '"Plutôt d\'accord", "Plutôt pas d\'accord", "Pas du tout d\'accord", or codes 1 to 4; '
     'missing codes: "Ne sait pas", "NSP"'),
    ('"5","4","41"', '"5","7","41"', "line 6, column 'Q3[SQ001][2]'",
     "answer 7 to question Q3 is out of range: codes go from 1 to 5"),
    ('"27"', '"7"', "line 8, column 'Q4'",
     "answer 7 to question Q4 is out of range: expected 16 to 110"),
    ('"27"', '"vingt-sept"', "line 8, column 'Q4'",
     'answer "vingt-sept" to question Q4 is not a number'),
    ('"6","2025-04-14', '"4","2025-04-14', "line 8, column 'id'",
     "respondent id 4 is repeated (first seen on line 6)"),
    ('"Q1[SQ002]"', '"Q1[SQ003]"', "line 1, column 'Q1[SQ002]'",
     "question Q1 of the codebook has no column Q1[SQ002] in the data"),
    ('"Q4"', '"age"', "line 1, column 'Q4'",
     "question Q4 of the codebook has no column in the data (expected Q4 or Q4[...])"),
])
def test_answers_that_do_not_fit_the_codebook_are_located(tmp_path, old, new, where, message):
    path = variant(tmp_path, old, new)
    with pytest.raises(SurveyError) as caught:
        read_survey(path, codebook=CODEBOOK)
    assert str(caught.value) == f"{path}, {where}: {message}"


def test_errors_name_the_column_as_the_export_does(tmp_path):
    path = variant(tmp_path, '"Q1[SQ002]"', '"Q1_SQ002"')
    path.write_text(path.read_text(encoding="utf-8").replace('"Plutôt pas d\'accord"', '"Bof"'),
                    encoding="utf-8")
    with pytest.raises(SurveyError) as caught:
        read_survey(path, codebook=CODEBOOK)
    assert (caught.value.row, caught.value.column) == (6, "Q1_SQ002")


def test_repeated_respondents_are_refused_without_a_codebook(tmp_path):
    path = variant(tmp_path, '"6","2025-04-14', '"4","2025-04-14')
    with pytest.raises(SurveyError) as caught:
        read_survey(path)
    assert str(caught.value) == (f"{path}, line 8, column 'id': respondent id 4 is repeated "
                                 "(first seen on line 6)")


def test_undecodable_file_with_a_forced_encoding(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(LIMESURVEY.read_text(encoding="utf-8").encode("cp1252"))
    with pytest.raises(CatalogError) as caught:
        read_survey(path, encoding="utf-8")
    assert str(caught.value) == (f"{path}, line 2: cannot be decoded as utf-8 (byte 0xe0); "
                                 "save it as UTF-8 or set the catalogue option encoding")
    # Detected rather than forced, the same bytes are read as Windows-1252.
    assert read_survey(path).responses["Q2[comment]"].iloc[3] == "Très bien"


def test_empty_file(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(b"")
    with pytest.raises(CatalogError) as caught:
        read_survey(path, source="limesurvey")
    assert str(caught.value) == f"{path}: the file is empty"


@pytest.mark.parametrize(("source", "message"), [
    ("kobo", "the KoboToolbox system column(s) _uuid, _submission_time are missing from the "
             "header; export the data from KoboToolbox (Data → Downloads) as CSV or XLS"),
    ("odk", "the ODK system column(s) KEY, SubmissionDate are missing from the header; export "
            "the submissions from ODK Central (Submissions → Download → CSV)"),
    ("decidim", "no Decidim survey question header such as '1. Question text'"),
])
def test_a_chosen_source_needs_its_system_columns(source, message):
    with pytest.raises(CatalogError) as caught:
        read_survey(LIMESURVEY, source=source)
    assert str(caught.value) == f"{LIMESURVEY}, line 1: {message}"


# --- the data catalogue -------------------------------------------------------------------

def test_survey_formats_load_through_the_catalogue(project):
    write_study(project, "enquete", MINIMAL_STUDY + """\
data:
  questionnaire: {file: data/export.csv, format: limesurvey, options: {codebook: codebook.yml}}
  brouillons:
    file: data/export.csv
    format: limesurvey
    options: {codebook: codebook.yml, include_incomplete: true}
""", files={"data/export.csv": LIMESURVEY.read_text(encoding="utf-8"),
            "codebook.yml": CODEBOOK.read_text(encoding="utf-8")})
    study = load_study("enquete")
    responses = study.load("questionnaire")
    assert responses.columns.tolist() == LIMESURVEY_COLUMNS
    assert responses["Q1[SQ001]"].cat.categories.tolist() == AGREEMENT
    assert responses.attrs["survey"] == {
        "source": "limesurvey", "variant": "LimeSurvey, headings « question code »",
        "incomplete": 2, "excluded": 2, "duplicates_dropped": 0,
        "personal_columns_dropped": ["ipaddr", "email"],
        "personal_reasons": {"ipaddr": "trace", "email": "contact"},
        "missing": {"Q1[SQ001]": 1, "Q1[SQ002]": 1, "Q2[SQ001]": 0, "Q2[SQ002]": 0,
                    "Q3[SQ001][1]": 0, "Q3[SQ001][2]": 0, "Q4": 0},
    }
    assert responses.attrs["codebook"] == load_codebook(CODEBOOK)
    drafts = study.load("brouillons")
    assert len(drafts) == 6 and drafts.attrs["survey"]["excluded"] == 0
