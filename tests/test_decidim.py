"""Decidim open data, old and current column sets, read into the same normalised tables."""

import zipfile
from pathlib import Path

import pandas as pd
import pytest

from civeval.errors import CatalogError
from civeval.participation.decidim import ENTITIES, read_decidim, read_decidim_entity
from civeval.workbench import formats

FIXTURES = Path(__file__).parent / "fixtures" / "participation" / "decidim"
OLD_PROPOSALS = FIXTURES / "old" / "bp.example.org-open-data-proposals.csv"
NEW_PROPOSALS = FIXTURES / "new" / "ville.example.fr-open-data-proposals.csv"
UTC = "UTC"


def cells(series: pd.Series) -> list:
    """Values with every kind of missing value shown as None, for exact comparisons."""
    return [None if pd.isna(value) else value for value in series]


def make_zip(path: Path, members: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return path


def fixture_zip(tmp_path: Path, version: str, replace: tuple[str, str] | None = None) -> Path:
    """The open-data zip of the fixture folder ``version``, one member edited if asked."""
    members = {}
    for file in sorted((FIXTURES / version).iterdir()):
        text = file.read_text(encoding="utf-8")
        if replace and file.name.endswith("open-data-proposals.csv"):
            assert text.count(replace[0]) == 1, replace[0]
            text = text.replace(*replace)
        members[file.name] = text
    return make_zip(tmp_path / f"{version}-open-data.zip", members)


def error_of(*args, **kwargs) -> str:
    with pytest.raises(CatalogError) as caught:
        read_decidim(*args, **kwargs)
    return str(caught.value)


# --- the older column set -----------------------------------------------------------------

@pytest.fixture
def old(tmp_path):
    return read_decidim(fixture_zip(tmp_path, "old"))


def test_zip_gives_one_table_per_entity(old):
    assert sorted(old) == ["comments", "meetings", "proposals", "results"]


def test_old_proposals_are_normalised(old):
    proposals = old["proposals"]
    assert proposals.columns.tolist() == [
        "id", "category_id", "category", "scope_id", "scope", "space_id", "space_url",
        "component_id", "title", "body", "state", "reference", "answer", "answered_at", "votes",
        "endorsements", "comments", "attachments", "followers", "published_at", "url",
        "meeting_urls", "related_proposals", "is_amend", "original_proposal_title",
        "original_proposal_url"]
    assert proposals["id"].tolist() == [101, 102, 103]
    # French first; where it is empty, the first language of the header that has one.
    assert proposals["title"].tolist() == ["Planter des arbres", "Bancs", "Piste cyclable"]
    assert proposals["body"].tolist() == ["Des arbres\nrue Victor-Hugo", "Més bancs",
                                          "Une piste avenue Jean-Jaurès"]
    assert cells(proposals["state"]) == ["accepted", "rejected", None]
    assert cells(proposals["answer"]) == ["Retenue pour le vote", "Hors compétence", None]
    assert proposals["votes"].tolist() == [42, 8, 0]  # "supports" in these exports
    assert proposals["endorsements"].tolist() == [3, 0, 1]
    assert proposals["comments"].tolist() == [5, 1, 0]
    assert cells(proposals["category"]) == ["Environnement", None, "Mobilité"]
    assert cells(proposals["category_id"]) == ["4", None, "5"]
    assert cells(proposals["scope"]) == ["Quartier Nord", None, "Quartier Sud"]
    assert proposals["is_amend"].tolist() == [False, False, False]
    assert proposals["published_at"].tolist() == [
        pd.Timestamp("2021-03-01 10:00", tz=UTC), pd.Timestamp("2021-03-03 18:45", tz=UTC),
        pd.Timestamp("2021-03-20 08:00", tz=UTC)]
    assert cells(proposals["answered_at"]) == [
        pd.Timestamp("2021-04-02 09:30", tz=UTC), pd.Timestamp("2021-04-10 14:00", tz=UTC), None]
    assert proposals.attrs["personal_columns_dropped"] == ["endorsements/user_endorsements"]


def test_old_results_meetings_and_comments(old):
    results = old["results"]
    assert results["title"].tolist() == ["Plantation rue Victor-Hugo", "Piste avenue Jean-Jaurès"]
    assert results["status"].tolist() == ["Travaux", "Études"]
    assert results["status_key"].tolist() == ["works", "studies"]
    assert results["progress"].tolist() == [60.5, 0.0]
    assert results["start_date"].tolist() == [pd.Timestamp("2021-10-01"),
                                              pd.Timestamp("2021-11-01")]
    assert cells(results["end_date"]) == [pd.Timestamp("2022-03-31"), None]
    assert results["parent_id"].dtype == "Int64"  # empty, still a number column

    meetings = old["meetings"]
    assert meetings["title"].tolist() == ["Atelier du Nord"]
    assert meetings["location"].tolist() == ["Salle des fêtes"]
    assert meetings["start_time"].tolist() == [pd.Timestamp("2021-02-10 18:00")]
    assert (meetings["attendees"].tolist(), meetings["contributions"].tolist()) == ([25], [9])
    assert meetings["published"].tolist() == [True]

    comments = old["comments"]
    assert comments.columns.tolist() == [
        "id", "resource", "created_at", "body", "locale", "author_id", "alignment", "depth",
        "user_group_id", "commentable_id", "commentable_type", "root_commentable_url"]
    assert comments["id"].tolist() == [501, 502, 601]
    assert comments["resource"].tolist() == ["proposals", "proposals", "results"]
    assert comments["author_id"].tolist() == ["77", "78", "79"]
    assert comments["alignment"].tolist() == [1, -1, 0]
    assert cells(comments["user_group_id"]) == [None, 3, None]
    assert comments.attrs["personal_columns_dropped"] == ["author/name", "user_group/name/fr"]


# --- the current column set ---------------------------------------------------------------

@pytest.fixture
def new(tmp_path):
    return read_decidim(fixture_zip(tmp_path, "new"))


def test_new_proposals_map_to_the_same_names(new, old):
    proposals = new["proposals"]
    assert proposals["id"].tolist() == [9001, 9002]
    assert proposals["title"].tolist() == ["Arceaux vélo", "Fountain"]  # no French: English
    assert proposals["votes"].tolist() == [31, 12]
    assert proposals["endorsements"].tolist() == [4, 0]  # likes/total_count
    assert proposals["followers"].tolist() == [9, 2]  # follows_count
    assert proposals["comments"].tolist() == [6, 0]
    assert cells(proposals["category"]) == ["Mobilité, Quartier Nord", None]  # taxonomies
    assert cells(proposals["category_id"]) == ["18, 22", None]
    assert proposals["author_id"].tolist() == ["314", "315, 316"]
    assert proposals["withdrawn"].tolist() == [False, True]
    assert proposals["state"].tolist() == ["accepted", "evaluating"]
    assert proposals["answered_at"].iloc[0] == pd.Timestamp("2025-04-01 08:00", tz=UTC)
    assert proposals["published_at"].tolist() == [pd.Timestamp("2025-03-02 08:15", tz=UTC),
                                                  pd.Timestamp("2025-03-05 13:00", tz=UTC)]
    assert proposals["latitude"].tolist()[0] == 43.6
    assert proposals["cost"].dtype == "float64"  # empty in every row, a number all the same
    assert not [name for name in proposals.columns if "machine" in name or "likes" in name]
    assert proposals.attrs["personal_columns_dropped"] == ["author/name", "author/url",
                                                           "likes/user_likes"]
    stable = ["id", "state", "answered_at", "published_at", "votes", "comments",
              "endorsements", "category", "category_id", "title", "body", "answer", "reference"]
    assert set(stable) <= set(proposals.columns)
    assert set(stable) <= set(old["proposals"].columns)
    for name in stable:
        assert proposals[name].dtype == old["proposals"][name].dtype, name


def test_new_budget_projects(new):
    projects = new["projects"]
    assert projects["title"].tolist() == ["Arceaux vélo"]
    assert projects["votes"].tolist() == [212]  # confirmed_votes
    assert projects["budget_amount"].tolist() == [15000]
    assert projects["category"].tolist() == ["Mobilité"]
    assert projects["budget_id"].tolist() == [3]


def test_language_parameter_chooses_the_translation(tmp_path):
    proposals = read_decidim(fixture_zip(tmp_path, "new"), "proposals",
                             language="en")["proposals"]
    assert proposals["title"].tolist() == ["Bike racks", "Fountain"]
    assert proposals["body"].tolist() == ["Near the school", "Drinking water"]
    assert cells(proposals["category"]) == ["Mobility, North", None]
    old_titles = read_decidim(OLD_PROPOSALS, language="ca")["proposals"]["title"]
    assert old_titles.tolist() == ["Arbres", "Bancs", "Piste cyclable"]


# --- single files, entity selection, the data catalogue -----------------------------------

def test_single_csv_entity_from_its_name(tmp_path):
    tables = read_decidim(OLD_PROPOSALS)
    assert list(tables) == ["proposals"]
    comments = read_decidim(FIXTURES / "old" / "bp.example.org-open-data-result_comments.csv")
    assert comments["comments"]["resource"].tolist() == ["results"]
    admin = tmp_path / "proposals-2024-03-05.csv"
    admin.write_text(OLD_PROPOSALS.read_text(encoding="utf-8"), encoding="utf-8")
    assert list(read_decidim(admin)) == ["proposals"]
    odd = tmp_path / "export.csv"
    odd.write_text(OLD_PROPOSALS.read_text(encoding="utf-8"), encoding="utf-8")
    assert read_decidim(odd, entity="proposal")["proposals"]["id"].tolist() == [101, 102, 103]


def test_entity_reads_one_member_only(tmp_path):
    path = fixture_zip(tmp_path, "old")
    tables = read_decidim(path, entity="results")
    assert list(tables) == ["results"]
    assert read_decidim(path, entity="comments")["comments"]["id"].tolist() == [501, 502, 601]
    on_results = read_decidim(path, entity="result_comments")
    assert list(on_results) == ["comments"]
    assert on_results["comments"]["id"].tolist() == [601]
    assert error_of(path, entity="meeting_comments") == (
        f"{path}: the zip has no comments on meetings; it has: comments, meetings, "
        "proposals, results")


def test_empty_member_is_an_empty_table(tmp_path):
    path = make_zip(tmp_path / "open-data.zip", {"x-open-data-debates.csv": "",
                                                 "x-open-data-proposals.csv": "id;title/fr\n"})
    tables = read_decidim(path)
    assert tables["debates"].empty and tables["proposals"].empty


def test_catalogue_format_returns_one_entity(tmp_path):
    path = fixture_zip(tmp_path, "old")
    results = formats.read(path, fmt="decidim", entity="results")
    assert results["status"].tolist() == ["Travaux", "Études"]
    catalan = formats.read(path, fmt="decidim", entity="proposals", language="ca")
    assert catalan["title"].tolist()[0] == "Arbres"
    one = make_zip(tmp_path / "one.zip", {"x-open-data-meetings.csv": "id;title/fr\n1;A\n"})
    assert read_decidim_entity(one)["title"].tolist() == ["A"]
    with pytest.raises(CatalogError) as caught:
        formats.read(path, fmt="decidim")
    assert str(caught.value) == (f"{path}: this export holds several entities (comments, "
                                 "meetings, proposals, results); set the catalogue option entity")


# --- errors -------------------------------------------------------------------------------

def test_comma_separated_csv(tmp_path):
    path = tmp_path / "site-open-data-proposals.csv"
    path.write_text("id,title/fr,state\n1,Arbres,accepted\n", encoding="utf-8")
    assert error_of(path) == (f"{path}, line 1: expected ';'-separated Decidim export: the "
                              "header has one column and no ';', so this file seems "
                              "','-separated")
    path.write_text("id\ttitle/fr\n1\tArbres\n", encoding="utf-8")
    assert error_of(path).endswith(": the header has one column and no ';', so this file "
                                   "seems '\\t'-separated")


def test_comma_separated_member_is_named(tmp_path):
    path = make_zip(tmp_path / "open-data.zip",
                    {"site-open-data-proposals.csv": "id,title/fr\n1,Arbres\n"})
    assert error_of(path) == (f"{path}, line 1: in site-open-data-proposals.csv: expected "
                              "';'-separated Decidim export: the header has one column and no "
                              "';', so this file seems ','-separated")


def test_zip_without_open_data(tmp_path):
    path = make_zip(tmp_path / "export.zip", {"notes.txt": "x", "proposals.csv": "id\n1\n"})
    assert error_of(path) == (f"{path}: the zip holds no Decidim open-data CSV (files named "
                              "<host>-open-data-<entity>.csv); it holds: notes.txt, "
                              "proposals.csv")


def test_unknown_entity(tmp_path):
    path = fixture_zip(tmp_path, "old")
    known = ", ".join(sorted(ENTITIES))
    assert error_of(path, entity="petitions") == (
        f"{path}: unknown Decidim entity 'petitions'; known: {known}")
    assert error_of(OLD_PROPOSALS, entity="petitions") == (
        f"{OLD_PROPOSALS}: unknown Decidim entity 'petitions'; known: {known}")
    assert known.startswith("assemblies, budgets, collaborative_drafts, comments")


def test_entity_absent_from_the_zip(tmp_path):
    path = fixture_zip(tmp_path, "old")
    assert error_of(path, entity="debates") == (
        f"{path}: the zip has no debates file; it has: comments, meetings, proposals, results")


def test_file_name_that_does_not_say_the_entity(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("id;title/fr\n1;A\n", encoding="utf-8")
    assert error_of(path) == (
        f"{path}: cannot tell which Decidim entity this file holds: name it "
        "<host>-open-data-<entity>.csv or give the entity (proposals, meetings, results, "
        "projects, comments...)")


def test_date_that_is_not_one_is_located_after_a_multiline_text(tmp_path):
    # Proposal 101's body spans lines 2-3, so proposal 102 is on line 4.
    path = fixture_zip(tmp_path, "old", ("2021-03-03 18:45:00 UTC", "hier"))
    assert error_of(path) == (f"{path}, line 4, column 'published_at': in "
                              "bp.example.org-open-data-proposals.csv: 'hier' is not a date")


def test_row_with_the_wrong_number_of_fields(tmp_path):
    path = tmp_path / OLD_PROPOSALS.name
    text = OLD_PROPOSALS.read_text(encoding="utf-8")
    assert text.count(";101;false;;\n") == 1  # proposal 102, after a text on two lines
    path.write_text(text.replace(";101;false;;\n", ";101;false;;;\n"), encoding="utf-8")
    assert error_of(path) == (f"{path}, line 4: expected 32 fields separated by ';' as in the "
                              "header, found 33")


def test_empty_csv_and_broken_zip(tmp_path):
    empty = tmp_path / "site-open-data-proposals.csv"
    empty.write_text("", encoding="utf-8")
    assert error_of(empty) == f"{empty}: the file is empty"
    broken = tmp_path / "open-data.zip"
    broken.write_bytes(b"PK\x03\x04 not really")
    assert error_of(broken) == f"{broken}: cannot be opened as a zip archive"
