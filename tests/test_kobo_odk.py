"""KoboToolbox and ODK Central exports as they come: label headings, duplicate submissions,
geopoints, repeat groups, and the XLSForm as the codebook."""

from pathlib import Path

import pandas as pd
import pytest

from civeval.errors import CatalogError, SurveyError
from civeval.survey.codebook import Codebook
from civeval.survey.io import read_survey
from civeval.survey.repeats import read_odk_repeat
from civeval.survey.xlsform import read_xlsform
from civeval.workbench import formats

FIXTURES = Path(__file__).parent / "fixtures" / "survey"
KOBO_LABELS = FIXTURES / "kobo" / "avis_labels.csv"
ODK_MAIN = FIXTURES / "odk" / "visite.csv"
ODK_TREES = FIXTURES / "odk" / "visite-arbre.csv"
NA = pd.NA

# The XLSForm of avis_labels.csv, as a form designer writes it (two languages, groups, a
# question labelled « Commentaire » twice, a geopoint, a phone number question).
SURVEY = [("start", "start", "", ""), ("end", "end", "", ""),
          ("text", "nom", "Votre nom", "Your name"),
          ("phonenumber", "telephone_appel", "Téléphone", "Phone"),
          ("begin_group", "avis", "Avis", "Opinion"),
          ("select_one oui_non", "q1", "Êtes-vous satisfait ?", "Are you satisfied?"),
          ("text", "commentaire_avis", "Commentaire", "Comment"),
          ("end_group", "", "", ""),
          ("begin_group", "mobilite", "Mobilité", "Mobility"),
          ("select_multiple modes", "q3", "Comment venez-vous ?", "How do you come?"),
          ("text", "commentaire_mobilite", "Commentaire", "Comment"),
          ("end_group", "", "", ""),
          ("geopoint", "lieu", "Lieu", "Place")]
CHOICES = [("oui_non", "oui", "Oui", "Yes"), ("oui_non", "non", "Non", "No"),
           ("modes", "bus", "Bus", "Bus"), ("modes", "velo", "Vélo", "Bike")]


@pytest.fixture
def xlsform(tmp_path) -> Path:
    path = tmp_path / "avis.xlsx"
    columns = ["type", "name", "label::Français (fr)", "label::English (en)"]
    with pd.ExcelWriter(path) as book:
        pd.DataFrame(SURVEY, columns=columns).to_excel(book, sheet_name="survey", index=False)
        pd.DataFrame(CHOICES, columns=["list_name", *columns[1:]]).to_excel(
            book, sheet_name="choices", index=False)
        pd.DataFrame({"default_language": ["Français (fr)"]}).to_excel(
            book, sheet_name="settings", index=False)
    return path


def test_the_xlsform_is_the_codebook(xlsform):
    form = read_xlsform(xlsform)
    codebook = form.codebook
    assert [(q.id, q.type) for q in codebook] == [
        ("nom", "text"), ("q1", "single"), ("commentaire_avis", "text"), ("q3", "multiple"),
        ("commentaire_mobilite", "text")]
    assert (codebook["q1"].levels, codebook["q1"].codes) == (("Oui", "Non"), ("oui", "non"))
    assert (codebook["q3"].columns, codebook["q3"].item_labels) == (("bus", "velo"),
                                                                    ("Bus", "Vélo"))
    assert codebook.personal == {"telephone_appel": "form"}
    english = read_xlsform(xlsform, language="en").codebook
    assert english["q1"].levels == ("Yes", "No") and english["q1"].label == "Are you satisfied?"


def test_kobo_labels_export_with_its_form(xlsform):
    survey = read_survey(KOBO_LABELS, "kobo", codebook=xlsform)
    responses = survey.responses
    assert survey.variant == "KoboToolbox, labels"
    assert responses.columns.tolist() == [
        "respondent_id", "submitted_at", "q1", "commentaire_avis", "q3[bus]", "q3[velo]",
        "commentaire_mobilite", "lieu_latitude", "lieu_longitude", "lieu_altitude",
        "lieu_precision"]
    # The submission sent twice (same _uuid, _id 101 and 103): the later one is kept.
    assert survey.duplicates == 1
    assert responses.index.tolist() == [3, 4]
    assert responses["respondent_id"].tolist() == ["7a1d9c3b-2e4f-4a6b-9c8d-b2c3d4e5f6a7",
                                                   "5f2c8e4a-1b2c-4d5e-8f90-a1b2c3d4e5f6"]
    assert responses["q1"].tolist() == ["Non", "Non"]
    assert responses["commentaire_avis"].tolist()[1] == "Trop de bruit, finalement"
    assert responses["q3[velo]"].tolist() == [True, False]
    assert responses["lieu_latitude"].tolist() == [47.2101, 47.2184]
    assert survey.personal_columns_dropped == ["Votre nom"]
    assert responses.attrs["survey"]["duplicates_dropped"] == 1


def test_kobo_labels_export_without_its_form_keeps_repeated_labels_apart():
    survey = read_survey(KOBO_LABELS)
    assert survey.source == "kobo" and survey.duplicates == 1
    names = survey.responses.columns.tolist()
    assert "Avis_Commentaire" in names and "Mobilité_Commentaire" in names


def test_odk_geopoints_duplicates_and_people(tmp_path):
    survey = read_survey(ODK_MAIN)
    responses = survey.responses
    assert survey.source == "odk"
    assert responses.columns.tolist() == [
        "respondent_id", "submitted_at", "Site_name", "quartier", "corner1_latitude",
        "corner1_longitude", "corner1_altitude", "corner1_accuracy", "corner2_latitude",
        "corner2_longitude", "corner2_altitude", "corner2_accuracy", "equipements"]
    assert responses["corner2_accuracy"].tolist() == [6.0, 4.5]
    assert survey.duplicates == 1 and responses.index.tolist() == [3, 4]
    assert responses["equipements"].tolist() == ["jeux", "banc"]  # the edited version
    # People's names go, places stay; a study may keep or drop any column itself.
    assert survey.personal_reasons == {"Collector": "role", "SubmitterName": "person"}
    kept = read_survey(ODK_MAIN, keep_columns=["Collector"], personal_columns=["quartier"])
    assert "Collector" in kept.responses and "quartier" not in kept.responses
    assert kept.personal_reasons == {"quartier": "study", "SubmitterName": "person"}


def test_odk_repeat_group_linked_to_its_submissions():
    trees = read_odk_repeat(ODK_TREES, main=ODK_MAIN)
    assert trees.columns.tolist() == [
        "respondent_id", "parent_key", "repeat_key", "espece", "hauteur", "position_latitude",
        "position_longitude", "position_altitude", "position_accuracy"]
    assert trees["espece"].tolist() == ["chene", "tilleul", "platane"]
    main = read_survey(ODK_MAIN).responses
    joined = trees.merge(main[["respondent_id", "quartier"]], on="respondent_id")
    assert joined.groupby("quartier")["hauteur"].sum().to_dict() == {"Nord": 20, "Sud": 20}


def test_odk_repeat_through_the_catalogue(tmp_path):
    frame = formats.read(ODK_TREES, "odk_repeat", base_dir=ODK_MAIN.parent,
                         main="visite.csv")
    assert len(frame) == 3


def test_a_repeat_file_without_its_main_file(tmp_path):
    with pytest.raises(CatalogError) as caught:
        read_odk_repeat(ODK_TREES)
    assert str(caught.value) == (f"{ODK_TREES}: a repeat-group file is read with the form's "
                                 "main export: set the catalogue option main (the CSV with "
                                 "SubmissionDate and KEY)")
    with pytest.raises(CatalogError) as caught:
        read_survey(ODK_TREES, "odk")
    assert str(caught.value) == (f"{ODK_TREES}, line 1: this is a repeat-group file of ODK "
                                 "Central (it has PARENT_KEY): catalogue it with format "
                                 "odk_repeat and the option main naming the form's main export")


def test_a_repeat_row_whose_submission_is_not_in_the_main_file(tmp_path):
    path = tmp_path / "visite-arbre.csv"
    path.write_text(ODK_TREES.read_text(encoding="utf-8").replace(
        "uuid:9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b,", "uuid:ffffffff-0000,"), encoding="utf-8")
    with pytest.raises(SurveyError) as caught:
        read_odk_repeat(path, main=ODK_MAIN)
    assert str(caught.value) == (f"{path}, line 4, column 'PARENT_KEY': PARENT_KEY "
                                 "uuid:ffffffff-0000 is not a submission of the main export "
                                 "visite.csv")


def test_select_multiple_summary_split_by_the_form(tmp_path, xlsform):
    # An export with only the summary column (« Single column » for select_many), read with
    # the form's question.
    codebook = Codebook((read_xlsform(xlsform).codebook["q3"],))
    path = tmp_path / "kobo.csv"
    path.write_text('"mobilite/q3";"_id";"_uuid";"_submission_time"\n'
                    '"bus velo";"1";"u1";"2025-03-01T09:06:15"\n'
                    '"velo";"2";"u2";"2025-03-02T09:06:15"\n', encoding="utf-8")
    responses = read_survey(path, codebook=codebook).responses
    assert responses[["q3[bus]", "q3[velo]"]].values.tolist() == [[True, True], [False, True]]
    path.write_text(path.read_text(encoding="utf-8").replace('"velo";"2"', '"train";"2"'),
                    encoding="utf-8")
    with pytest.raises(SurveyError) as caught:
        read_survey(path, codebook=codebook)
    assert str(caught.value) == (f"{path}, line 3, column 'mobilite/q3': option 'train' of "
                                 "question q3 is not one of its choices: bus, velo")
