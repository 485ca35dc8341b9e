"""LimeSurvey exports in every variant real users produce read to the same tidy table, and
the survey structure (.lss) serves as the codebook."""

from pathlib import Path

import pandas as pd
import pytest

from civeval.errors import CatalogError, SurveyError
from civeval.survey.io import read_survey
from civeval.survey.limesurvey import SYSTEM_COLUMNS
from civeval.survey.lss import read_lss

FIXTURES = Path(__file__).parent / "fixtures" / "survey" / "limesurvey"
LSS = FIXTURES / "enquete_654321.lss"
CODES_TEXT = FIXTURES / "results-survey654321_codes_texte.csv"
FULL_TEXT = FIXTURES / "results-survey654321_texte_complet.csv"
R_DATA = FIXTURES / "survey_654321_R_data_file.csv"
AGREEMENT = ["Tout à fait d'accord", "Plutôt d'accord", "Plutôt pas d'accord",
             "Pas du tout d'accord"]
COLUMNS = ["respondent_id", "submitted_at", "Q1[SQ001]", "Q1[SQ002]", "Q2[SQ001]",
           "Q2[SQ002]", "Q2[other]", "Q3", "Q4", "Q5", "Q6", "Q7"]
NA = pd.NA


def cells(series: pd.Series) -> list:
    return [NA if pd.isna(value) else value for value in series]


def copy(tmp_path: Path, source: Path, replacements: dict[str, str], name: str | None = None
         ) -> Path:
    text = source.read_text(encoding="utf-8-sig")
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / (name or source.name)
    path.write_text(text, encoding="utf-8")
    return path


def test_the_structure_file_is_the_codebook():
    codebook = read_lss(LSS).codebook
    assert [(q.id, q.type) for q in codebook] == [
        ("Q1", "likert"), ("Q2", "multiple"), ("Q3", "single"), ("Q4", "numeric"),
        ("Q5", "text"), ("Q6", "text"), ("Q7", "single")]  # INFO (a text display) has none
    q1 = codebook["Q1"]
    assert q1.label == "Que pensez-vous des affirmations suivantes ?"  # HTML removed
    assert (q1.levels, q1.codes) == (tuple(AGREEMENT), ("A1", "A2", "A3", "A4"))
    assert q1.item_label("SQ002") == "Les arrêts sont proches"
    assert (codebook["Q7"].levels, codebook["Q7"].codes) == (("Oui", "Non"), ("Y", "N"))


def check_expected(survey) -> None:
    """The five responses of every fixture, as written by hand in the fixtures."""
    responses = survey.responses
    assert responses.columns.tolist() == COLUMNS
    assert (survey.incomplete, survey.excluded) == (1, 1)
    assert survey.personal_columns_dropped == [next(
        name for name in survey.personal_reasons)]  # the IP address column, and no other
    assert list(survey.personal_reasons.values()) == ["trace"]
    assert responses["respondent_id"].tolist() == [1, 2, 4, 5]
    assert responses["submitted_at"].iloc[0] == pd.Timestamp("2025-04-10 19:36:00")
    assert responses["Q1[SQ001]"].tolist() == [AGREEMENT[0], AGREEMENT[1], AGREEMENT[2],
                                               AGREEMENT[0]]
    assert responses["Q1[SQ001]"].cat.ordered
    assert responses["Q2[SQ001]"].tolist() == [True, False, True, False]
    assert responses["Q2[SQ002]"].tolist() == [False, True, True, False]
    assert cells(responses["Q2[other]"]) == [NA, "Affiche en mairie", NA, NA]
    assert responses["Q3"].tolist() == ["Bus", "À pied", "Vélo", "Bus"]
    assert responses["Q4"].tolist() == [34, 58, 41, 27]
    # Two questions worded alike stay two questions, each with its own answers.
    assert cells(responses["Q5"]) == ["Plus de bancs", "Trop long\nvraiment", NA, "RAS"]
    assert cells(responses["Q6"]) == ["Rien", NA, "Bien", NA]
    assert responses["Q7"].tolist() == ["Oui", "Non", "Oui", "Non"]


@pytest.mark.parametrize("export, variant", [
    (CODES_TEXT, 'LimeSurvey, headings "code. text"'),
    (FULL_TEXT, "LimeSurvey, headings « full question text »"),
    (R_DATA, "LimeSurvey, « R (data file) »"),
])
def test_every_export_variant_reads_alike_with_the_structure_file(export, variant):
    survey = read_survey(export, codebook=LSS)
    assert (survey.source, survey.variant) == ("limesurvey", variant)
    check_expected(survey)


def test_code_headings_in_an_excel_workbook(tmp_path):
    # LimeSurvey's « Microsoft Excel » export: the same headings, one sheet.
    frame = pd.read_csv(CODES_TEXT, sep=";", dtype=str, keep_default_na=False)
    frame.columns = [name.split(". ", 1)[0] for name in frame.columns]
    path = tmp_path / "results-survey654321.xlsx"
    frame.replace("", None).to_excel(path, index=False)
    survey = read_survey(path, codebook=LSS)
    assert survey.variant == "LimeSurvey, headings « question code »"
    check_expected(survey)


ENGLISH = {"ID de la réponse": "Response ID", "Date de soumission": "Date submitted",
           "Dernière page": "Last page", "Langue de départ": "Start language",
           "Tête de série": "Seed", "Date de lancement": "Date started",
           "Date de la dernière action": "Date last action", "Adresse IP": "IP address"}
GERMAN = {"ID de la réponse": "Antwort ID", "Date de soumission": "Datum Abgeschickt",
          "Dernière page": "Letzte Seite", "Langue de départ": "Start-Sprache",
          "Tête de série": "Zufallsstartwert", "Date de lancement": "Datum gestartet",
          "Date de la dernière action": "Datum letzte Aktivität", "Adresse IP": "IP-Adresse"}


@pytest.mark.parametrize("interface", [ENGLISH, GERMAN])
def test_system_headings_in_english_and_german(tmp_path, interface):
    for source in (FULL_TEXT, CODES_TEXT):
        path = copy(tmp_path, source, interface)
        survey = read_survey(path, codebook=LSS)
        check_expected(survey)
    assert set(interface.values()) <= {text for texts in SYSTEM_COLUMNS.values()
                                       for text in texts}


def test_full_text_headings_without_the_structure_file_are_numbered():
    survey = read_survey(FULL_TEXT)
    responses = survey.responses
    assert survey.source == "limesurvey"
    assert responses.columns.tolist() == [
        "respondent_id", "submitted_at", "q1[Les horaires me conviennent]",
        "q1[Les arrêts sont proches]", "q2[Journal municipal]", "q2[Réseaux sociaux]",
        "q2[Autre]", "q3", "q4", "q5", "q6", "q7"]
    assert responses["respondent_id"].tolist() == [1, 2, 4, 5]  # not renumbered 1..n
    assert responses["q2[Journal municipal]"].tolist() == [True, False, True, False]
    assert [(q.id, q.label) for q in survey.codebook][4:6] == [("q5", "Votre avis"),
                                                               ("q6", "Votre avis")]


def test_code_and_text_headings_without_the_structure_file():
    survey = read_survey(CODES_TEXT)
    assert survey.responses.columns.tolist() == COLUMNS
    assert survey.responses["Q2[SQ001]"].tolist() == [True, False, True, False]
    assert survey.responses["Q1[SQ001]"].tolist() == ["A1", "A2", "A3", "A1"]


def test_incomplete_responses_kept_on_request():
    survey = read_survey(FULL_TEXT, codebook=LSS, include_incomplete=True)
    assert (survey.incomplete, survey.excluded) == (1, 0)
    assert survey.responses["respondent_id"].tolist() == [1, 2, 3, 4, 5]


def test_headings_of_no_variant_say_how_to_export(tmp_path):
    path = copy(tmp_path, CODES_TEXT, {"id. ID de la réponse": "Numéro",
                                       "submitdate. Date de soumission": "Envoyé le"})
    with pytest.raises(CatalogError) as caught:
        read_survey(path, source="limesurvey")
    assert str(caught.value) == (
        f"{path}, line 1: the headings match none of LimeSurvey's export variants (question "
        "codes such as id, submitdate, Q1[SQ001]; « code. text » such as « id. Response ID »; "
        "full question texts such as « Response ID » or « ID de la réponse »): export the "
        "responses again from LimeSurvey (Responses → Export → Export responses) as CSV or "
        "Excel, with Headings « Question code » and Responses « Answer codes », or catalogue "
        "the survey structure (.lss) as the codebook to read any other headings")


def test_a_structure_file_of_another_survey_lists_the_codes_on_either_side(tmp_path):
    path = copy(tmp_path, CODES_TEXT, {"Q7. Reviendrez-vous ?": "Q8. Reviendrez-vous ?"})
    with pytest.raises(SurveyError) as caught:
        read_survey(path, codebook=LSS)
    assert str(caught.value) == (
        f"{path}, line 1, column 'Q8. Reviendrez-vous ?': the survey structure (.lss) does not "
        "match the export: column(s) of the export absent from the survey structure: Q8; "
        "question column(s) of the survey structure absent from the export: Q7; export both "
        "from the same survey, with every question column")


def test_a_full_text_heading_the_structure_does_not_know(tmp_path):
    path = copy(tmp_path, FULL_TEXT, {'"Reviendrez-vous ?"': '"Reviendrez-vous l’an prochain ?"'})
    with pytest.raises(SurveyError) as caught:
        read_survey(path, codebook=LSS)
    assert str(caught.value) == (
        f"{path}, line 1, column 'Reviendrez-vous l’an prochain ?': the survey structure (.lss) "
        "does not match the export: heading(s) of the export absent from the survey structure: "
        "Reviendrez-vous l’an prochain ?; question column(s) of the survey structure absent "
        "from the export: Q7; export both from the same survey, with every question column")


def test_an_answer_code_the_structure_does_not_know(tmp_path):
    path = copy(tmp_path, CODES_TEXT, {'"A2";"41"': '"A9";"41"'})
    with pytest.raises(SurveyError) as caught:
        read_survey(path, codebook=LSS)
    assert str(caught.value) == (
        f"{path}, line 6, column 'Q3. Comment venez-vous en mairie ?': unknown answer \"A9\" to "
        'question Q3; allowed: "Bus", "Vélo", "À pied", or codes "A1", "A2", "A3"')


def test_a_structure_file_that_is_not_one(tmp_path):
    path = tmp_path / "enquete.lss"
    path.write_text("<document><LimeSurveyDocType>Group</LimeSurveyDocType></document>",
                    encoding="utf-8")
    with pytest.raises(SurveyError) as caught:
        read_lss(path)
    assert str(caught.value) == (f"{path}, line 1: not a LimeSurvey survey structure (.lss): "
                                 "export it from LimeSurvey with Display/Export → Survey "
                                 "structure (.lss)")
    path.write_text("<document><LimeSurveyDocType>Survey</LimeSurveyDocType>\n<languages>",
                    encoding="utf-8")
    with pytest.raises(CatalogError) as caught:
        read_lss(path)
    assert str(caught.value).startswith(f"{path}, line 2, column")
