"""Coded qualitative material is imported exactly, through the codebook, and every fault is
located (file, line, column)."""

import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from civeval.errors import CatalogError, SurveyError
from civeval.qual import SEGMENT_COLUMNS
from civeval.qual.codebook import Codebook, UnknownCodeError, read_codebook
from civeval.qual.coding import open_answers
from civeval.qual.qdpx import read_qdpx
from civeval.qual.qualcoder import read_qualcoder
from civeval.qual.segments import read_coded_segments
from civeval.qual.taguette import read_taguette
from civeval.qual.votes import read_workshop
from civeval.workbench import formats

FIXTURES = Path(__file__).parent / "fixtures" / "qual"
CODEBOOK = FIXTURES / "codebook.csv"


def rows(frame: pd.DataFrame, columns=SEGMENT_COLUMNS) -> list[list]:
    """Rows with every missing value as None, for exact comparisons."""
    return [[None if pd.isna(value) else value for value in row]
            for row in frame[list(columns)].itertuples(index=False)]


def error_of(function, *args, **kwargs) -> str:
    with pytest.raises(CatalogError) as caught:
        function(*args, **kwargs)
    return str(caught.value)


def variant(tmp_path: Path, fixture: str, old: str, new: str, encoding="utf-8") -> Path:
    """A copy of a fixture with ``old`` (which must occur once) replaced by ``new``."""
    text = (FIXTURES / fixture).read_bytes().decode(encoding)
    assert text.count(old) == 1, old
    path = tmp_path / fixture
    path.write_bytes(text.replace(old, new).encode(encoding))
    return path


def write(tmp_path: Path, name: str, text: str, encoding="utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# --- codebook -----------------------------------------------------------------------------

def test_codebook_hierarchy_and_aliases():
    book = read_codebook(CODEBOOK)
    assert rows(book.codes, ["code", "parent", "path"]) == [
        ["Mobilisation", None, "Mobilisation"],
        ["Essoufflement", "Mobilisation", "Mobilisation/Essoufflement"],
        ["Public habituel", "Mobilisation", "Mobilisation/Public habituel"],
        ["Transparence", None, "Transparence"],
        ["Retour aux participants", "Transparence", "Transparence/Retour aux participants"],
        ["Délais de réalisation", "Transparence", "Transparence/Délais de réalisation"],
        ["Animation", None, "Animation"],
        ["Neutralité de l'animation", "Animation", "Animation/Neutralité de l'animation"],
        ["Communication", None, "Communication"],
        ["Réseaux sociaux", "Communication", "Communication/Réseaux sociaux"],
    ]
    assert book.codes.loc[1, "description"] == "Moins de participants d'une édition à l'autre"
    assert pd.isna(book.codes.loc[7, "description"])
    assert book.aliases == {"Boîte noire": "Retour aux participants",
                            "Mêmes têtes": "Public habituel"}
    assert len(book) == 10
    assert book.children("Transparence") == ["Retour aux participants", "Délais de réalisation"]
    assert book.children("Essoufflement") == []
    assert book.ancestors("Boîte noire") == ["Transparence"]
    assert book.ancestors("Animation") == []
    assert book.roll_up("Mêmes têtes") == "Mobilisation"
    assert book.roll_up("Public habituel", depth=2) == "Public habituel"
    assert book.roll_up("Transparence", depth=2) == "Transparence"


def test_codebook_resolves_aliases_paths_and_other_spellings():
    book = read_codebook(CODEBOOK)
    assert book.resolve("Réseaux sociaux") == "Réseaux sociaux"
    assert book.resolve("Boîte noire") == "Retour aux participants"
    assert book.resolve("Transparence / Délais de réalisation") == "Délais de réalisation"
    assert book.resolve("  boite NOIRE ") == "Retour aux participants"
    assert "reseaux sociaux" in book and "Réseaux" not in book
    with pytest.raises(UnknownCodeError) as caught:
        book.resolve("Reseau social")
    assert str(caught.value) == ("the code 'Reseau social' is not in the codebook "
                                 "codebook.csv; did you mean 'Réseaux sociaux'?")
    with pytest.raises(KeyError):  # an UnknownCodeError is a KeyError too
        book.roll_up("Budget")
    # A path must be the code's own: Délais de réalisation is not under Mobilisation.
    assert "Mobilisation/Délais de réalisation" not in book


def test_yaml_codebook_reads_as_the_csv_one():
    from_csv, from_yaml = read_codebook(CODEBOOK), read_codebook(FIXTURES / "codebook.yml")
    pd.testing.assert_frame_equal(from_yaml.codes, from_csv.codes)
    assert from_yaml.aliases == from_csv.aliases


def test_codebook_built_in_python():
    book = Codebook(pd.DataFrame({"code": ["Cadre de vie", "Propreté", "Bancs"],
                                  "parent": [None, "Cadre de vie", "Cadre de vie"],
                                  "description": [None, "Dépôts sauvages", None]}),
                    aliases={"Mobilier urbain": "Bancs"})
    assert rows(book.codes, ["code", "path", "description"]) == [
        ["Cadre de vie", "Cadre de vie", None],
        ["Propreté", "Cadre de vie/Propreté", "Dépôts sauvages"],
        ["Bancs", "Cadre de vie/Bancs", None]]
    assert book.resolve("mobilier urbain") == "Bancs"
    assert repr(book) == "<Codebook: 3 codes, 1 aliases>"


@pytest.mark.parametrize("text", [
    # Taguette 1.x: tags written as paths, parents implied.
    "tag,description,number of highlights\n"
    "Mobilisation/Essoufflement,Moins de monde,4\nMobilisation,,0\nTransparence,,2\n",
    # Later Taguette: the parent's path in its own column.
    "tag,parent,description,number of highlights\n"
    "Mobilisation,,,0\nEssoufflement,Mobilisation,Moins de monde,4\nTransparence,,,2\n",
    # Taguette forks with the full path.
    "tag,tag_parent,tag_full_path,description,number of highlights,number of documents\n"
    "Mobilisation,,Mobilisation,,0,0\nEssoufflement,Mobilisation,Mobilisation/Essoufflement,"
    "Moins de monde,4,2\nTransparence,,Transparence,,2,1\n",
])
def test_taguette_codebook_exports(tmp_path, text):
    book = read_codebook(write(tmp_path, "codebook.csv", text))
    assert sorted(rows(book.codes, ["path", "description"])) == [
        ["Mobilisation", None], ["Mobilisation/Essoufflement", "Moins de monde"],
        ["Transparence", None]]


def test_codebook_from_a_workbook(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["Code", "Catégorie", "Définition"])
    workbook.active.append(["Réseaux sociaux", "Communication", "Facebook, Instagram…"])
    workbook.active.append(["Communication", None, None])
    workbook.save(tmp_path / "codebook.xlsx")
    book = read_codebook(tmp_path / "codebook.xlsx")
    assert rows(book.codes, ["code", "parent", "description"]) == [
        ["Réseaux sociaux", "Communication", "Facebook, Instagram…"],
        ["Communication", None, None]]


QDC = """<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="QualCoder 3.6">
  <Codes>
    <Code guid="A1" name="Transparence" isCodable="false">
      <Description>Ce que deviennent les contributions</Description>
      <Code guid="A2" name="Retour aux participants" isCodable="true"/>
    </Code>
    <Code guid="A3" name="Animation" isCodable="true"/>
  </Codes>
  <Sets/>
</CodeBook>
"""


def test_refi_qda_codebook(tmp_path):
    book = read_codebook(write(tmp_path, "codebook.qdc", QDC))
    assert rows(book.codes, ["code", "parent", "description"]) == [
        ["Transparence", None, "Ce que deviennent les contributions"],
        ["Retour aux participants", "Transparence", None], ["Animation", None, None]]


@pytest.mark.parametrize("text, message", [
    ("nom;parent\nMobilisation;\nEssoufflement;Mobilisation\nMobilisation;\n",
     "line 4, column 'nom': the code 'Mobilisation' is declared twice (lines 2 and 4)"),
    ("nom;parent\nA;C\nB;A\nC;B\n",
     "line 2, column 'parent': the parents of these codes form a cycle: A → C → B → A "
     "(each is the parent of the previous one)"),
    ("nom;parent\nTransparence;\nRetour;Transparance\n",
     "line 3, column 'parent': the parent 'Transparance' of the code 'Retour' is not a code "
     "of the codebook"),
    ("nom;merge_into\nTransparence;\nBoîte noire;Retour aux participants\n",
     "line 3, column 'merge_into': 'Boîte noire' is merged into 'Retour aux participants', "
     "which is not a code of the codebook"),
    ("nom;merge_into\nTransparence;\nBoîte noire;Opacité\nOpacité;Boîte noire\n",
     "line 3, column 'merge_into': these merges form a cycle: Boîte noire → Opacité → "
     "Boîte noire"),
    ("nom;merge_into\nTransparence;\nTransparence;Retour\n",
     "line 3, column 'nom': 'Transparence' is a code (line 2) and is also merged into 'Retour'"),
    ("nom;parent\nTransparence/Retour;Animation\nAnimation;\n",
     "line 2, column 'parent': the code 'Transparence/Retour' is under 'Transparence' by its "
     "path but under 'Animation' by its parent"),
    ("nom;parent\nTransparence/Retour\nAnimation/Retour\n",
     "line 3, column 'nom': the code 'Retour' is declared twice (lines 2 and 3)"),
    ("nom;parent\nTransparence;\n;Transparence\n",
     "line 3, column 'nom': a code has no name"),
    ("libellé court;description\nTransparence;x\n",
     "line 1: no column of code names: expected a header such as 'name', 'code' or 'tag'; "
     "found: libellé court, description"),
    ("", "the file is empty"),
    ("nom;parent\n", "the file has a header but no data rows"),
])
def test_codebook_errors(tmp_path, text, message):
    path = write(tmp_path, "codebook.csv", text)
    where = f"{path}, " if "line" in message else f"{path}: "
    assert error_of(read_codebook, path) == where + message


@pytest.mark.parametrize("text, message", [
    ("codes:\n  Transparence:\n    codes:\n      Retour:\n  Retour:\n",
     "line 5: the code 'Retour' is declared twice (lines 4 and 5)"),
    ("codes:\n  Transparence:\n    sous_codes:\n      Retour:\n",
     "line 3: the code 'Transparence' has an unknown key 'sous_codes'; keys: description, "
     "codes, merge_into, rename_to"),
    ("codes:\n  Transparence: [Retour\n",
     "line 3, column 1: not valid YAML: expected ',' or ']', but got '<stream end>'"),
    ("- Transparence\n- Retour\n",
     "line 1: a YAML codebook holds a mapping of codes under the key 'codes'"),
])
def test_yaml_codebook_errors(tmp_path, text, message):
    path = write(tmp_path, "codebook.yml", text)
    assert error_of(read_codebook, path) == f"{path}, {message}"


def test_codebook_xml_errors(tmp_path):
    path = write(tmp_path, "codebook.qdc", QDC.replace("</Codes>", "</Code>"))
    assert error_of(read_codebook, path) == (
        f"{path}, line 9, column 5: not well-formed XML (mismatched tag)")


# --- a consultant's spreadsheet -----------------------------------------------------------

ELUE = ("Chaque année on a moins de monde aux réunions de quartier, c'est un vrai "
        "essoufflement.")
AGENT = ("Les projets votés mettent deux ou trois ans à sortir ;\n"
         "les habitants pensent qu'on les a oubliés.")
ASSO = "On dépose des idées et ensuite c'est la boîte noire."
HABITANTE = ("Je l'ai su par Facebook, sinon je n'aurais jamais entendu parler du budget "
             "participatif.")


def test_coded_segments_csv_in_windows_1252():
    segments = read_coded_segments(FIXTURES / "segments.csv", codebook=CODEBOOK)
    assert segments.columns.tolist() == list(SEGMENT_COLUMNS)
    assert rows(segments) == [
        ["S01", "E01-adjointe", "élu", None, ELUE, "Essoufflement", "Claire"],
        ["S01", "E01-adjointe", "élu", None, ELUE, "Public habituel", "Claire"],
        ["S01", "E01-adjointe", "élu", None, ELUE, "Essoufflement", "Karim"],
        ["S02", "E02-service-participation", "agent", None, AGENT, "Délais de réalisation",
         "Claire"],
        ["S02", "E02-service-participation", "agent", None, AGENT, "Retour aux participants",
         "Claire"],
        ["S03", "E03-comite-quartier", "association", None, ASSO, "Retour aux participants",
         "Claire"],
        ["S04", "E04-habitante-nord", "habitant", None, HABITANTE, "Réseaux sociaux",
         "Claire"],
    ]
    assert segments.attrs["uncoded_segments"] == 1
    assert all(str(dtype) == "string" for dtype in segments.dtypes)


def test_without_codebook_codes_are_kept_as_written():
    segments = read_coded_segments(FIXTURES / "segments.csv")
    assert segments["code"].tolist()[:2] == ["Essoufflement", "Mêmes têtes"]
    assert segments["code"].tolist()[-2:] == ["Boîte noire", "Réseaux sociaux"]


def test_coded_segments_workbook_with_numbered_code_columns():
    segments = read_coded_segments(FIXTURES / "segments.xlsx", codebook=CODEBOOK,
                                   roles={"riverain": "habitant"})
    ids = segments["segment_id"].tolist()
    assert rows(segments, ["document", "speaker_role", "speaker", "code", "coder"]) == [
        ["E05", "élu", "L05", "Animation", None],
        ["E05", "élu", "L05", "Public habituel", None],
        ["E06", "habitant", "L06", "Communication", None],
        ["7", "association", None, "Délais de réalisation", None],
        ["7", "association", None, "Retour aux participants", None],
    ]
    # No id column: one id per passage, the same whoever codes it, from document and text.
    assert ids[0] == ids[1] != ids[2] != ids[3] == ids[4]
    assert ids[0].startswith("E05#") and len(ids[0]) == len("E05#") + 10
    again = read_coded_segments(FIXTURES / "segments.xlsx", roles={"riverain": "habitant"})
    assert again["segment_id"].tolist() == ids


def test_derived_ids_ignore_spacing_so_two_coders_meet(tmp_path):
    path = write(tmp_path, "double.csv",
                 "entretien;groupe;verbatim;code;codeur\n"
                 "E1;agent;Le  budget est trop faible.;Moyens;A\n"
                 "E1;agent;Le budget est trop faible. ;Moyens;B\n"
                 "E2;agent;Le budget est trop faible.;Moyens;A\n")
    ids = read_coded_segments(path)["segment_id"].tolist()
    assert ids[0] == ids[1] != ids[2]


def test_columns_option_and_study_roles(tmp_path):
    path = write(tmp_path, "grille.csv",
                 "Qui;Personne;Ce qui a été dit;Idée principale;Idée secondaire\n"
                 "Entretien 3;Riveraine;Trop de bruit le soir.;Cadre de vie;Nuisances\n"
                 "Entretien 4;Commerçant;Les travaux ont fait fuir les clients.;Travaux;\n")
    segments = read_coded_segments(
        path, columns={"document": "Qui", "speaker_role": "Personne", "text": "Ce qui a été dit",
                       "code": ["Idée principale", "Idée secondaire"]},
        roles={"Riveraine": "habitant", "commerçant": "commerçant"})
    assert rows(segments, ["document", "speaker_role", "code"]) == [
        ["Entretien 3", "habitant", "Cadre de vie"], ["Entretien 3", "habitant", "Nuisances"],
        ["Entretien 4", "commerçant", "Travaux"]]


def test_commas_split_codes_unless_the_codebook_knows_the_name(tmp_path):
    path = write(tmp_path, "virgules.csv",
                 "document;rôle;extrait;codes\n"
                 "E1;élu;On informe mal.;Information, communication\n"
                 "E2;élu;Il faut des relais.;\"Information, communication; Relais\"\n")
    plain = read_coded_segments(path)
    assert plain["code"].tolist() == ["Information", "communication", "Information",
                                      "communication", "Relais"]
    book = Codebook(["Information, communication", "Relais"])
    assert read_coded_segments(path, codebook=book)["code"].tolist() == [
        "Information, communication", "Information, communication", "Relais"]


def test_unknown_code_is_located_after_a_multiline_cell(tmp_path):
    path = variant(tmp_path, "segments.csv", "Boîte noire;Claire", "Boite nouare;Claire",
                   encoding="cp1252")
    assert error_of(read_coded_segments, path, codebook=CODEBOOK) == (
        f"{path}, line 6, column 'Thèmes': the code 'Boite nouare' is not in the codebook "
        "codebook.csv; did you mean 'Boîte noire'?")


def test_unknown_role_lists_the_known_ones(tmp_path):
    path = variant(tmp_path, "segments.csv", "S04;E04-habitante-nord;habitante",
                   "S04;E04-habitante-nord;Journaliste", encoding="cp1252")
    assert error_of(read_coded_segments, path) == (
        f"{path}, line 7, column 'Rôle': unknown speaker role 'Journaliste'; known roles: "
        "agent, association, élu, habitant, membre, partenaire. Add the study's own "
        "spellings or groups with the catalogue option roles (e.g. roles: "
        "{Journaliste: habitant} or roles: [Journaliste])")


def test_unknown_role_in_a_workbook_gives_the_excel_row():
    # Row 3 of the sheet is blank: E06 is on row 4.
    assert error_of(read_coded_segments, FIXTURES / "segments.xlsx") == (
        f"{FIXTURES / 'segments.xlsx'}, line 4, column 'Profil': unknown speaker role "
        "'Riverain'; known roles: agent, association, élu, habitant, membre, partenaire. Add the "
        "study's own spellings or groups with the catalogue option roles (e.g. roles: "
        "{Riverain: habitant} or roles: [Riverain])")


@pytest.mark.parametrize("text, message", [
    ("Entretien;Extrait;Thèmes\nE1;Bonjour.;Accueil\n",
     "line 1: no column for the speaker role: expected a header such as 'rôle', 'groupe' or "
     "'profil'; or name it in the catalogue option columns; found: Entretien, Extrait, Thèmes"),
    ("Entretien;Document;Rôle;Extrait;Thèmes\nE1;D1;élu;Bonjour.;Accueil\n",
     "line 1: the columns 'Entretien' and 'Document' could both be the document (interview); "
     "keep one or say which in the catalogue option columns (document: <header>)"),
    ("Entretien;Rôle;Extrait;Thèmes\nE1;élu;Bonjour.;Accueil;Politesse\n",
     "line 2: expected 4 fields separated by ';', found 5"),
    ("Entretien;Rôle;Extrait;Thèmes\nE1;élu;;Accueil\n",
     "line 2, column 'Extrait': the segment has no text"),
    ("Entretien;Rôle;Extrait;Thèmes\n;élu;Bonjour.;Accueil\n",
     "line 2, column 'Entretien': the segment has no document (interview)"),
    ("Entretien;Rôle;Extrait;Thèmes;Rôle\nE1;élu;Bonjour.;Accueil;agent\n",
     "line 1, column 5: the column name 'Rôle' appears twice in the header"),
    ("id;Entretien;Rôle;Extrait;Thèmes\n1;E1;élu;Bonjour.;Accueil\n1;E2;élu;Salut.;Accueil\n",
     "line 3, column 'id': the segment id '1' is used for the document 'E1' on line 2 and for "
     "'E2' here"),
    ("", "the file is empty"),
    ("\n\n", "the file is empty"),
    ("Entretien;Rôle;Extrait;Thèmes\n", "the file has a header but no data rows"),
])
def test_coded_segments_errors(tmp_path, text, message):
    path = write(tmp_path, "segments.csv", text)
    where = f"{path}, " if message.startswith("line") else f"{path}: "
    assert error_of(read_coded_segments, path) == where + message


def test_columns_option_naming_a_missing_header(tmp_path):
    path = write(tmp_path, "segments.csv", "Entretien;Qui;Extrait;Thèmes\nE1;élu;Bonjour.;A\n")
    assert error_of(read_coded_segments, path, columns={"speaker_role": "Profil"}) == (
        f"{path}, line 1: the catalogue option columns gives the column 'Profil' for "
        "speaker_role, but the header has no such column; found: Entretien, Qui, Extrait, "
        "Thèmes")
    assert error_of(read_coded_segments, path, columns={"role": "Qui"}) == (
        f"{path}: the catalogue option columns names an unknown field 'role'; fields: "
        "segment_id, document, speaker_role, speaker, text, code, coder")


def test_catalogue_reads_coded_segments_with_a_codebook(tmp_path):
    for name in ("segments.csv", "codebook.csv"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    frame = formats.read(tmp_path / "segments.csv", "coded_segments", base_dir=tmp_path,
                         codebook="codebook.csv")
    expected = read_coded_segments(FIXTURES / "segments.csv", codebook=CODEBOOK)
    pd.testing.assert_frame_equal(frame, expected)
    assert formats.FORMATS["coded_segments"].path_options == {"codebook"}
    with pytest.raises(CatalogError, match="unknown option"):
        formats.read(tmp_path / "segments.csv", "coded_segments", documents="x.csv")


# --- Taguette -----------------------------------------------------------------------------

def test_taguette_highlights_with_documents_table():
    segments = read_taguette(FIXTURES / "taguette_highlights.csv", codebook=CODEBOOK,
                             documents=FIXTURES / "taguette_documents.csv",
                             roles={"collectif d'habitants": "association"})
    reunions = "Les réunions se vident, on voit toujours les mêmes."
    assert rows(segments, ["document", "speaker_role", "speaker", "text", "code", "coder"]) == [
        ["Entretien élue Centre", "élu", "P01", reunions, "Essoufflement", None],
        ["Entretien élue Centre", "élu", "P01", reunions, "Public habituel", None],
        ["Entretien agent BP", "agent", "P02",
         "Le délai entre le vote et la réalisation décourage.", "Délais de réalisation", None],
        ["Conseil citoyen Nord", "association", "P03",
         "On ne sait jamais ce que deviennent nos avis.", "Retour aux participants", None],
    ]
    ids = segments["segment_id"].tolist()
    assert ids[0] == ids[1] and len(set(ids)) == 3
    assert segments.attrs["uncoded_segments"] == 1


def test_taguette_without_documents_leaves_roles_missing():
    segments = read_taguette(FIXTURES / "taguette_highlights.csv")
    assert segments["speaker_role"].isna().all()
    assert segments["code"].tolist()[-1] == "boite noire"


def test_taguette_document_missing_from_the_table(tmp_path):
    documents = variant(tmp_path, "taguette_documents.csv", "Entretien agent BP;agente;P02\n",
                        "")
    path = FIXTURES / "taguette_highlights.csv"
    assert error_of(read_taguette, path, documents=documents,
                    roles={"collectif d'habitants": "association"}) == (
        f"{path}, line 4, column 'document': the document 'Entretien agent BP' is not in the "
        "documents table taguette_documents.csv, which gives each document's speaker role; "
        "add it there")


def test_taguette_unknown_role_in_the_documents_table():
    documents = FIXTURES / "taguette_documents.csv"
    message = error_of(read_taguette, FIXTURES / "taguette_highlights.csv", documents=documents)
    assert message.startswith(f"{documents}, line 4, column 'role': unknown speaker role "
                              "\"collectif d'habitants\"; known roles: agent, association")


def test_taguette_needs_its_columns(tmp_path):
    path = write(tmp_path, "highlights.csv", "id,document,content\n1,E1,Bonjour\n")
    assert error_of(read_taguette, path) == (
        f"{path}, line 1: not a Taguette highlights export: no column 'tag'; found: id, "
        "document, content")


def test_catalogue_reads_taguette_with_its_documents(tmp_path):
    for name in ("taguette_highlights.csv", "taguette_documents.csv", "codebook.csv"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    frame = formats.read(tmp_path / "taguette_highlights.csv", "taguette", base_dir=tmp_path,
                         codebook="codebook.csv", documents="taguette_documents.csv",
                         roles={"collectif d'habitants": "association"})
    assert frame["speaker_role"].tolist() == ["élu", "élu", "agent", "association"]


# --- QualCoder ----------------------------------------------------------------------------

def test_qualcoder_coding_report():
    segments = read_qualcoder(FIXTURES / "qualcoder_report.csv", codebook=CODEBOOK)
    maire = "Le conseil municipal tranche, mais on explique chaque refus."
    assert rows(segments, ["document", "speaker_role", "text", "code", "coder"]) == [
        ["entretien_maire.txt", "élu", maire, "Retour aux participants", "claire"],
        ["entretien_maire.txt", "élu", maire, "Retour aux participants", "karim"],
        ["entretien_asso.txt", "association",
         "Les réunions sont toujours à 18 h, les actifs ne peuvent pas venir.",
         "Neutralité de l'animation", "claire"],
    ]
    # Double coding: the two coders' rows share the segment id.
    assert segments["segment_id"][0] == segments["segment_id"][1] != segments["segment_id"][2]
    assert segments.attrs["skipped_media_codings"] == 1


def test_qualcoder_by_case_with_categories_and_documents(tmp_path):
    path = write(tmp_path, "report.csv",
                 '"Case","Filename","Coder","Coded","Id","Codename","Coded_Memo","Category",'
                 '"Category"\n"Groupe jeunes","atelier_jeunes.txt","claire","Personne ne nous '
                 'demande notre avis.","ctid:1","Écoute","","Relation aux élus","Confiance"\n',
                 encoding="utf-8-sig")
    documents = write(tmp_path, "documents.csv", "document;groupe\natelier_jeunes.txt;habitants\n")
    book = Codebook(["Confiance/Relation aux élus/Écoute", "Confiance/Relation aux élus/Accueil",
                     "Animation/Écoute active"])
    segments = read_qualcoder(path, codebook=book, documents=documents)
    assert rows(segments, ["document", "speaker_role", "code", "coder"]) == [
        ["atelier_jeunes.txt", "habitant", "Écoute", "claire"]]


def test_qualcoder_rejects_other_files(tmp_path):
    path = write(tmp_path, "report.csv", "Document,Coder,Coded,Codename\nE1,a,b,c\n")
    assert error_of(read_qualcoder, path) == (
        f"{path}, line 1, column 1: not a QualCoder coding report: its first column is 'File' "
        "or 'Case', not 'Document'")


def test_qualcoder_unknown_code(tmp_path):
    path = variant(tmp_path, "qualcoder_report.csv", '"Neutralité de l\'animation"',
                   '"Horaires"', encoding="utf-8-sig")
    assert error_of(read_qualcoder, path, codebook=CODEBOOK) == (
        f"{path}, line 5, column 'Codename': the code 'Horaires' is not in the codebook "
        "codebook.csv")


# --- REFI-QDA -----------------------------------------------------------------------------

PROJECT = """<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Évaluation BP Testville" origin="QualCoder 3.6">
  <Users>
    <User guid="u-claire" name="Claire"/>
    <User guid="u-karim" name="Karim"/>
  </Users>
  <CodeBook>
    <Codes>
      <Code guid="c-transparence" name="Transparence" isCodable="false">
        <Description>Ce que deviennent les contributions</Description>
        <Code guid="c-retour" name="Retour aux participants" isCodable="true"/>
        <Code guid="c-delais" name="Délais de réalisation" isCodable="true"/>
      </Code>
      <Code guid="c-mobilisation" name="Mobilisation" isCodable="false">
        <Code guid="c-habituel" name="Public habituel" isCodable="true"/>
      </Code>
    </Codes>
  </CodeBook>
  <Variables>
    <Variable guid="v-age" name="Âge" typeOfVariable="Integer"/>
    <Variable guid="v-role" name="Rôle" typeOfVariable="Text"/>
  </Variables>
  <Cases>
    <Case guid="k-a" name="Mme A.">
      <VariableValue><VariableRef targetGUID="v-age"/><IntegerValue>54</IntegerValue>
      </VariableValue>
      <VariableValue><VariableRef targetGUID="v-role"/><TextValue>Élue</TextValue></VariableValue>
      <SourceRef targetGUID="s-elue"/>
    </Case>
    <Case guid="k-b" name="M. B.">
      <VariableValue><VariableRef targetGUID="v-role"/><TextValue>habitant</TextValue>
      </VariableValue>
      <SourceRef targetGUID="s-habitant"/>
    </Case>
  </Cases>
  <Sources>
    <TextSource guid="s-elue" name="Entretien élue" plainTextPath="internal://s-elue.txt">
      <PlainTextSelection guid="p1" startPosition="30" endPosition="80" creatingUser="u-claire">
        <Coding guid="k1" creatingUser="u-claire"><CodeRef targetGUID="c-retour"/></Coding>
      </PlainTextSelection>
      <PlainTextSelection guid="p2" startPosition="30" endPosition="80" creatingUser="u-karim">
        <Coding guid="k2" creatingUser="u-karim"><CodeRef targetGUID="c-retour"/></Coding>
        <Coding guid="k3" creatingUser="u-karim"><CodeRef targetGUID="c-delais"/></Coding>
      </PlainTextSelection>
      <PlainTextSelection guid="p3" startPosition="82" endPosition="112" creatingUser="u-claire">
        <Coding guid="k4" creatingUser="u-claire"><CodeRef targetGUID="c-retour"/></Coding>
      </PlainTextSelection>
    </TextSource>
    <TextSource guid="s-habitant" name="Entretien habitant">
      <PlainTextContent>Les ateliers sont toujours à 18 h.</PlainTextContent>
      <PlainTextSelection guid="p4" startPosition="18" endPosition="33" creatingUser="u-karim">
        <Coding guid="k5" creatingUser="u-karim"><CodeRef targetGUID="c-habituel"/></Coding>
      </PlainTextSelection>
    </TextSource>
  </Sources>
</Project>
"""
ELUE_TEXT = ("Élue depuis 2014, je vois que les comptes rendus n'arrivent jamais aux habitants.\n"
             "Il faut expliquer chaque refus.")


def make_qdpx(tmp_path: Path, old: str = "", new: str = "", name="projet.qdpx",
              sources=None) -> Path:
    """A .qdpx of PROJECT (with ``old`` replaced by ``new``) and its source text."""
    if old:
        assert PROJECT.count(old) == 1, old
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", PROJECT.replace(old, new) if old else PROJECT)
        if sources is None:
            sources = {"sources/s-elue.txt": ELUE_TEXT}
        for member, text in sources.items():
            archive.writestr(member, "\ufeff" + text)  # exporters often write a BOM
    return path


def line_of(needle: str) -> int:
    return PROJECT[:PROJECT.index(needle)].count("\n") + 1


def test_read_qdpx(tmp_path):
    segments = read_qdpx(make_qdpx(tmp_path))
    comptes = "les comptes rendus n'arrivent jamais aux habitants"
    assert rows(segments) == [
        ["Entretien élue:30-80", "Entretien élue", "élu", None, comptes,
         "Retour aux participants", "Claire"],
        ["Entretien élue:30-80", "Entretien élue", "élu", None, comptes,
         "Retour aux participants", "Karim"],
        ["Entretien élue:30-80", "Entretien élue", "élu", None, comptes,
         "Délais de réalisation", "Karim"],
        ["Entretien élue:82-112", "Entretien élue", "élu", None, "Il faut expliquer chaque refus",
         "Retour aux participants", "Claire"],
        ["Entretien habitant:18-33", "Entretien habitant", "habitant", None, "toujours à 18 h",
         "Public habituel", "Karim"],
    ]


def test_qdpx_codes_through_a_codebook_and_the_project_hierarchy(tmp_path):
    path = make_qdpx(tmp_path, sources={"Sources/s-elue.txt": ELUE_TEXT})
    book = Codebook(["Transparence/Retour aux participants", "Transparence/Délais de réalisation",
                     "Mobilisation/Habitués"], aliases={"Public habituel": "Habitués"})
    assert read_qdpx(path, codebook=book)["code"].tolist() == [
        "Retour aux participants", "Retour aux participants", "Délais de réalisation",
        "Retour aux participants", "Habitués"]
    project_book = read_codebook(path)
    assert rows(project_book.codes, ["path", "description"]) == [
        ["Transparence", "Ce que deviennent les contributions"],
        ["Transparence/Retour aux participants", None],
        ["Transparence/Délais de réalisation", None],
        ["Mobilisation", None], ["Mobilisation/Public habituel", None]]


def test_qdpx_without_role_variable_and_with_a_chosen_one(tmp_path):
    path = make_qdpx(tmp_path, 'name="Rôle"', 'name="Collège"')
    assert read_qdpx(path)["speaker_role"].isna().all()
    assert read_qdpx(path, role_variable="college")["speaker_role"].tolist() == [
        "élu", "élu", "élu", "élu", "habitant"]


def qdpx_error(tmp_path, old, new, **options) -> str:
    return error_of(read_qdpx, make_qdpx(tmp_path, old, new), **options)


def test_qdpx_malformed_xml(tmp_path):
    message = qdpx_error(tmp_path, "  </Users>", "  </User>")
    # expat points at the name of the mismatched tag.
    assert message == (f"{tmp_path / 'projet.qdpx'}, line {line_of('  </Users>')}, column 5: "
                       "in project.qde: not well-formed XML (mismatched tag)")


def test_qdpx_unknown_code_reference(tmp_path):
    message = qdpx_error(tmp_path, '<CodeRef targetGUID="c-habituel"/></Coding>\n      </Plain',
                         '<CodeRef targetGUID="c-inconnu"/></Coding>\n      </Plain')
    line = line_of('guid="k5"')
    assert message == (f"{tmp_path / 'projet.qdpx'}, line {line}, column "
                       "'targetGUID': in project.qde: the CodeRef targets 'c-inconnu', which is "
                       "not a code of the CodeBook")


def test_qdpx_selection_outside_the_text(tmp_path):
    message = qdpx_error(tmp_path, 'startPosition="18" endPosition="33"',
                         'startPosition="18" endPosition="40"')
    line = line_of('guid="p4"')
    assert message == (f"{tmp_path / 'projet.qdpx'}, line {line}, column "
                       "'endPosition': in project.qde: the selection 18-40 of 'Entretien "
                       "habitant' is outside the text (34 characters)")


def test_qdpx_unknown_role(tmp_path):
    message = qdpx_error(tmp_path, "<TextValue>habitant</TextValue>",
                         "<TextValue>journaliste</TextValue>")
    assert message == (
        f"{tmp_path / 'projet.qdpx'}, line {line_of('<TextValue>habitant')}: in project.qde: "
        "unknown speaker role 'journaliste'; known roles: agent, association, élu, habitant, "
        "membre, partenaire. Add the study's own spellings or groups with the catalogue option "
        "roles (e.g. roles: {journaliste: habitant} or roles: [journaliste])")
    path = make_qdpx(tmp_path, "<TextValue>habitant</TextValue>",
                     "<TextValue>journaliste</TextValue>")
    assert read_qdpx(path, roles={"journaliste": "partenaire"})["speaker_role"].tolist()[-1] == (
        "partenaire")


def test_qdpx_source_without_a_case(tmp_path):
    message = qdpx_error(tmp_path, '<SourceRef targetGUID="s-habitant"/>', "")
    line = line_of('name="Entretien habitant"')
    assert message == (f"{tmp_path / 'projet.qdpx'}, line {line}: in project.qde: the source "
                       "'Entretien habitant' belongs to no case with a value of the role "
                       "variable 'Rôle'")


def test_qdpx_missing_source_text(tmp_path):
    path = make_qdpx(tmp_path, sources={})
    line = line_of('name="Entretien élue"')
    assert error_of(read_qdpx, path) == (
        f"{path}, line {line}, column 'plainTextPath': in "
        "project.qde: the text of 'Entretien élue' (internal://s-elue.txt) is not in the archive")


def test_qdpx_that_is_not_a_project(tmp_path):
    not_zip = write(tmp_path, "faux.qdpx", "<Project/>")
    assert error_of(read_qdpx, not_zip) == (
        f"{not_zip}: not a REFI-QDA project: a .qdpx file is a zip archive, and this one is not")
    empty = write(tmp_path, "vide.qdpx", "")
    assert error_of(read_qdpx, empty) == f"{empty}: the file is empty"
    no_project = tmp_path / "sans_projet.qdpx"
    with zipfile.ZipFile(no_project, "w") as archive:
        archive.writestr("sources/a.txt", "Bonjour")
    assert error_of(read_qdpx, no_project) == (
        f"{no_project}: not a REFI-QDA project: the archive has no project.qde")


NVIVO = FIXTURES / "nvivo"
NVIVO_TEXTS = ["Senkit nem lehet kötelezni", "Les comptes rendus n’arrivent jamais",
               "aux habitants", "Il faut expliquer chaque refus",
               "Nous publierons les réponses 📣\nsur le site en juin", "Atelier du 12 mars 🙂"]


def make_nvivo_qdpx(tmp_path: Path, old: str = "", new: str = "") -> Path:
    """The NVivo-shaped project of fixtures/qual/nvivo zipped as NVivo does, its source text
    (UTF-8 with a BOM, CRLF line endings, emoji) under Sources/."""
    qde = (NVIVO / "project.qde").read_text(encoding="utf-8")
    if old:
        assert qde.count(old) == 1, old
        qde = qde.replace(old, new)
    path = tmp_path / "atelier.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", qde)
        archive.writestr("Sources/3F9A8B7C-6D5E-4F3A-2B1C-0D9E8F7A6B01.txt",
                         (NVIVO / "entretien_atelier.txt").read_bytes())
    return path


def test_nvivo_positions_count_utf16_code_units(tmp_path):
    # NVivo counts an emoji as two positions (UTF-16); every selection must still start and
    # end on the words coded, after one emoji or several, flags and CRLF line endings.
    segments = read_qdpx(make_nvivo_qdpx(tmp_path))
    assert segments["text"].tolist() == NVIVO_TEXTS  # the CRLF inside one becomes \n
    assert segments["segment_id"].tolist()[0] == "Atelier bilan:52-78"
    assert set(segments["speaker_role"]) == {"habitant"}


def test_qdpx_positions_in_code_points_on_request(tmp_path):
    # The same selections counted in code points (one per emoji), read with offsets: codepoints.
    in_code_points = {"52": "51", "78": "77", "123": "120", "159": "156", "165": "160",
                      "178": "173", "190": "185", "220": "215", "258": "252", "310": "303",
                      "21": "20"}
    path = tmp_path / "atelier.qdpx"
    qde = re.sub(r'(start|end)Position="(\d+)"',
                 lambda found: f'{found[1]}Position="{in_code_points.get(found[2], found[2])}"',
                 (NVIVO / "project.qde").read_text(encoding="utf-8"))
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", qde)
        archive.writestr("Sources/3F9A8B7C-6D5E-4F3A-2B1C-0D9E8F7A6B01.txt",
                         (NVIVO / "entretien_atelier.txt").read_bytes())
    assert read_qdpx(path, offsets="codepoints")["text"].tolist() == NVIVO_TEXTS


def test_qdpx_position_inside_a_surrogate_pair(tmp_path):
    # Offset 20 falls between the two UTF-16 halves of 🙂: the project does not count UTF-16.
    path = make_nvivo_qdpx(tmp_path, 'startPosition="0" endPosition="21"',
                           'startPosition="0" endPosition="20"')
    qde = (NVIVO / "project.qde").read_text(encoding="utf-8")
    line = qde[:qde.index('guid="A0000000-0000-4000-8000-000000000006"')].count("\n") + 1
    assert error_of(read_qdpx, path) == (
        f"{path}, line {line}, column 'endPosition': in project.qde: the selection 0-20 of "
        "'Atelier bilan' ends inside a character written as two UTF-16 code units; if the "
        "project counts code points, set the catalogue option offsets: codepoints")


def test_qdpx_source_text_missing_for_a_selection(tmp_path):
    # The uncoded note's text is absent and not needed; the coded source's text is needed.
    path = make_nvivo_qdpx(tmp_path, "internal://3F9A8B7C-6D5E-4F3A-2B1C-0D9E8F7A6B01.txt",
                           "internal://absent.txt")
    qde = (NVIVO / "project.qde").read_text(encoding="utf-8")
    line = qde[:qde.index('name="Atelier bilan"\n')].count("\n") + 1
    assert error_of(read_qdpx, path) == (
        f"{path}, line {line}, column 'plainTextPath': in project.qde: the text of 'Atelier "
        "bilan' (internal://absent.txt) is not in the archive")


def test_qdpx_is_a_catalogue_format_by_its_suffix(tmp_path):
    path = make_qdpx(tmp_path)
    assert formats.format_for(path) == "qdpx"
    pd.testing.assert_frame_equal(formats.read(path), read_qdpx(path))


# --- workshops and open answers -----------------------------------------------------------

def test_workshop_votes():
    frame = read_workshop(FIXTURES / "workshop.csv")
    assert frame.columns.tolist() == ["workshop", "proposal", "group", "votes", "participants"]
    assert rows(frame, frame.columns) == [
        ["Atelier Nord 12/03", "Des bancs le long du canal", "habitant", 14, 18],
        ["Atelier Nord 12/03", "Des bancs le long du canal", "élu", 2, 4],
        ["Atelier Nord 12/03", "Un composteur partagé", "habitant", 9, 18],
        ["Atelier Nord 12/03", "Un composteur partagé", "Table des jeunes", 5, None],
        ["Atelier Nord 12/03", "Un composteur partagé", "élu", 0, 4],
    ]
    assert str(frame["votes"].dtype) == "Int64"


def test_workshop_from_a_workbook(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["Proposition", "Table", "Points"])
    workbook.active.append(["Un marché du soir", "Table 1", 6])
    workbook.active.append(["Un marché du soir", "Associations", 3.0])
    workbook.save(tmp_path / "atelier.xlsx")
    frame = formats.read(tmp_path / "atelier.xlsx", "workshop")
    assert rows(frame, frame.columns) == [[None, "Un marché du soir", "Table 1", 6, None],
                                          [None, "Un marché du soir", "association", 3, None]]


@pytest.mark.parametrize("old, new, message", [
    ("Habitants;14;18", "Habitants;-2;18",
     "line 2, column 'Gommettes': votes must be a whole number, 0 or more; found '-2'"),
    ("Habitants;9;18", "Habitants;2,5;18",
     "line 4, column 'Gommettes': votes must be a whole number, 0 or more; found '2,5'"),
    ("Habitants;9;18", "Habitants;9;17",
     "line 4, column 'Participants': the group 'habitant' has 18 participants on line 2 but 17 "
     "here"),
    ("Table des jeunes;5;", "Habitante;5;",
     "line 5, column 'Proposition': the proposal 'Un composteur partagé' is listed twice for "
     "the group 'habitant' (lines 4 and 5)"),
    ("Gommettes", "Avis",
     "line 1: no column for the votes (stickers, points): expected a header such as 'votes', "
     "'gommettes' or 'points'; found: Atelier, Proposition, Groupe, Avis, Participants"),
])
def test_workshop_errors(tmp_path, old, new, message):
    path = variant(tmp_path, "workshop.csv", old, new)
    assert error_of(read_workshop, path) == f"{path}, {message}"


def test_open_answers():
    responses = pd.DataFrame(
        {"respondent_id": ["r1", "r2", "r3", "r4"],
         "Q12": ["  Des réunions le samedi matin ", "", None, "Plus de retours\n"],
         "quartier": ["Centre", "Nord", "Sud", "Gare"], "age": ["18-29", "30-44", "45-59", "60+"]},
        index=pd.Index([2, 3, 4, 5], name="line"))
    answers = open_answers(responses, "Q12", ["quartier", "age"])
    assert answers.columns.tolist() == ["respondent", "answer", "quartier", "age"]
    assert answers.values.tolist() == [["r1", "Des réunions le samedi matin", "Centre", "18-29"],
                                       ["r4", "Plus de retours", "Gare", "60+"]]
    assert answers.index.tolist() == [2, 5]
    by_index = open_answers(responses.drop(columns="respondent_id"), "Q12", "quartier")
    assert by_index["respondent"].tolist() == [2, 5]
    with pytest.raises(SurveyError) as caught:
        open_answers(responses, "Q13")
    assert str(caught.value) == ("column 'Q13': no column 'Q13' in the responses; columns: "
                                 "respondent_id, Q12, quartier, age")
