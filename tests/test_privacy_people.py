"""The study's list of people (``people:`` in study.yml): read from study.yml or a file in the
study's folder, checked at validation, and replacing names in every free text."""

from __future__ import annotations

import pandas as pd
import pytest

from civeval import load_study
from civeval.errors import CatalogError, StudyError
from civeval.privacy import place_names, pseudonymise_texts, read_people_file, study_people
from conftest import MINIMAL_STUDY, run_cli, write_study


def test_a_list_and_a_mapping_in_study_yml(project):
    write_study(project, "liste", MINIMAL_STUDY + "people: [Zoé Kermarrec, Karim Benali]\n")
    write_study(project, "groupes", MINIMAL_STUDY + "people: {Zoé Kermarrec: élu, Karim: }\n")
    write_study(project, "personne", MINIMAL_STUDY)
    assert study_people(load_study("liste")) == ["Zoé Kermarrec", "Karim Benali"]
    assert study_people(load_study("groupes")) == {"Zoé Kermarrec": "élu", "Karim": None}
    assert study_people(load_study("personne")) == []


def test_a_text_file_one_name_per_line(project):
    write_study(project, "texte", MINIMAL_STUDY + "people: personnes.txt\n",
                {"personnes.txt": "# entretiens de mars\nZoé Kermarrec\n\n  Karim Benali  \n"})
    study = load_study("texte")
    assert study_people(study) == ["Zoé Kermarrec", "Karim Benali"]
    assert study.path / "personnes.txt" in study.input_files()  # a change re-runs the study


def test_a_csv_file_of_names_and_groups_in_french_conventions(tmp_path):
    path = tmp_path / "personnes.csv"
    path.write_bytes("Nom;Groupe\nZoé Kermarrec;élu\nKarim Benali;\n;agent\n".encode("cp1252"))
    assert read_people_file(path) == {"Zoé Kermarrec": "élu", "Karim Benali": None}
    path.write_text("name\nZoé Kermarrec\n", encoding="utf-8")
    assert read_people_file(path) == ["Zoé Kermarrec"]


def test_a_csv_without_a_name_column_is_located(tmp_path):
    path = tmp_path / "personnes.csv"
    path.write_text("prenom;groupe\nZoé;élu\n", encoding="utf-8")
    with pytest.raises(CatalogError, match=r"no column of names: name one nom or name "
                                           r"\(columns: prenom, groupe\)") as caught:
        read_people_file(path)
    assert (caught.value.file, caught.value.row) == (path, 1)


def test_a_missing_file_stops_validation_with_one_message(project):
    write_study(project, "absente", MINIMAL_STUDY + "people: personnes.csv\n")
    result = run_cli("validate", "absente", root=project)
    assert result.returncode == 2
    assert ("studies/absente/personnes.csv: the list of people (people: in study.yml) is not "
            "found") in result.stdout + result.stderr


def test_a_file_outside_the_study_folder_is_refused_with_its_line(project):
    write_study(project, "client-a", MINIMAL_STUDY, {"personnes.txt": "Zoé Kermarrec\n"})
    write_study(project, "client-b", MINIMAL_STUDY + "people: ../client-a/personnes.txt\n")
    with pytest.raises(StudyError, match="is outside the study's folder") as caught:
        load_study("client-b")
    assert (caught.value.row, caught.value.column) == (MINIMAL_STUDY.count("\n") + 1, 1)


def test_a_listed_name_is_replaced_whatever_its_writing(project):
    write_study(project, "texte", MINIMAL_STUDY + "people: personnes.txt\n",
                {"personnes.txt": "Zoé Kermarrec\n"})
    people = study_people(load_study("texte"))
    assert pseudonymise_texts(["on a vu kermarrec hier", "Mme KERMARREC a signé",
                               "zoe kermarrec est venue"], people) == [
        "on a vu [personne] hier", "[personne] a signé", "[personne] est venue"]


def test_the_study_places_are_not_taken_for_people():
    # The small French model tags these communes as persons (checked when written).
    answers = pd.DataFrame({"commune": ["Douadic", "Paulnay"]})
    texts = ["À Douadic, il manque des abris à vélos couverts.",
             "Plus de bus entre Paulnay et Saint-Martin, Mme Durand l'a demandé.",
             "Les trottoirs de Douadic sont étroits, dit Karim Benali."]

    kept = pseudonymise_texts(texts, places=place_names(answers))
    hidden = pseudonymise_texts(texts)

    assert kept == ["À Douadic, il manque des abris à vélos couverts.",
                    "Plus de bus entre Paulnay et Saint-Martin, [personne] l'a demandé.",
                    "Les trottoirs de Douadic sont étroits, dit [personne]."]
    assert "Douadic" not in hidden[0]  # without the study's places, a doubt hides the word
