"""Pabulib files are read exactly, counted per project, and every fault is located."""

from pathlib import Path

import pandas as pd
import pytest

from civeval.errors import CatalogError
from civeval.participation.pabulib import (
    PabulibElection,
    pabulib_vote_counts,
    read_pabulib,
    read_pabulib_projects,
)
from civeval.workbench import formats

FIXTURE = Path(__file__).parent / "fixtures" / "participation" / "approval.pb"
REAL_DATA = Path(__file__).resolve().parents[2] / "shared" / "real-data"
TOULOUSE = REAL_DATA / "France_Toulouse_2019.pb"


def cells(series: pd.Series) -> list:
    """Values with every kind of missing value shown as None, for exact comparisons."""
    return [None if pd.isna(value) else value for value in series]


def variant(tmp_path: Path, old: str, new: str, name: str = "bp.pb") -> Path:
    """A copy of the fixture with ``old`` (which must occur once) replaced by ``new``."""
    text = FIXTURE.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path = tmp_path / name
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def write(tmp_path: Path, text: str, name: str = "bp.pb") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path) -> str:
    with pytest.raises(CatalogError) as caught:
        read_pabulib(path)
    return str(caught.value)


CUMULATIVE = ("META\nkey;value\nvote_type;cumulative\nmax_sum_points;5\n"
              "PROJECTS\nproject_id;cost\n10;100\n20;200\n30;300\n"
              "VOTES\nvoter_id;vote;points\n1;30,10;4,1\n2;20;5\n3;10,20,30;1,1,1\n")


# --- reading ------------------------------------------------------------------------------

def test_meta_numbers_are_numbers_and_the_rest_text():
    election = read_pabulib(FIXTURE)
    assert isinstance(election, PabulibElection)
    assert election.meta == {
        "description": "Budget participatif de Testville 2024", "country": "France",
        "unit": "Testville", "instance": "2024", "num_projects": 4, "num_votes": 5,
        "budget": 100000, "vote_type": "approval", "rule": "greedy", "max_length": 3,
        "language": "fr"}
    assert (election.vote_type, election.budget) == ("approval", 100000)
    assert election.path == FIXTURE


def test_projects_keep_ids_as_text_and_convert_numbers():
    projects = read_pabulib(FIXTURE).projects
    assert projects.columns.tolist() == ["project_id", "cost", "votes", "name", "category",
                                         "district", "selected"]
    assert projects.index.tolist() == [16, 17, 18, 19]  # lines in the file
    assert projects["project_id"].tolist() == ["1", "2", "3", "4"]
    assert projects["cost"].tolist() == [60000.0, 25000.5, 40000.0, 15000.0]  # decimal comma
    assert projects["votes"].dtype == "Int64"
    assert projects["selected"].tolist() == [1, 1, 0, 0]
    assert projects.loc[16, "name"] == "Parc; jeux"  # quoted, with the separator inside
    assert projects.loc[16, "category"] == "environment,sport"
    assert cells(projects["district"]) == ["Centre", "Nord", None, "Sud"]  # None is missing


def test_votes_one_row_per_voter_with_ballots_as_lists():
    votes = read_pabulib(FIXTURE).votes
    assert votes.columns.tolist() == ["voter_id", "vote", "age", "sex", "voting_method"]
    assert votes.index.tolist() == [22, 23, 24, 25, 26]
    assert votes["voter_id"].tolist() == ["a1", "a2", "a3", "a4", "a5"]
    # The file's order, an empty ballot as an empty list, spaces after commas ignored.
    assert votes["vote"].tolist() == [["1", "2"], ["2", "1", "3"], ["1"], [], ["1", "2"]]
    assert votes["age"].dtype == "Int64"
    assert cells(votes["age"]) == [34, None, 71, 19, 45]
    assert cells(votes["sex"]) == ["F", "M", "F", "M", None]
    assert votes["voting_method"].tolist() == ["internet", "paper", "internet", "internet",
                                               "paper"]


def test_cumulative_points_are_aligned_with_the_ballot(tmp_path):
    votes = read_pabulib(write(tmp_path, CUMULATIVE)).votes
    assert votes["vote"].tolist() == [["30", "10"], ["20"], ["10", "20", "30"]]
    assert votes["points"].tolist() == [[4, 1], [5], [1, 1, 1]]


def test_ordinal_ballots_keep_the_ranking(tmp_path):
    path = write(tmp_path, "META\nkey;value\nvote_type;ordinal\nPROJECTS\nproject_id;cost\n"
                           "a;1\nb;2\nc;3\nVOTES\nvoter_id;vote\n1;c,a,b\n2;b,c\n")
    assert read_pabulib(path).votes["vote"].tolist() == [["c", "a", "b"], ["b", "c"]]


def test_windows_line_ends_and_a_bom_change_nothing(tmp_path):
    text = FIXTURE.read_text(encoding="utf-8").replace("\n", "\r\n")
    path = tmp_path / "crlf.pb"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    election, reference = read_pabulib(path), read_pabulib(FIXTURE)
    assert election.meta == reference.meta
    pd.testing.assert_frame_equal(election.projects, reference.projects)
    pd.testing.assert_frame_equal(election.votes, reference.votes)


# --- counting -----------------------------------------------------------------------------

def test_vote_counts_per_project_include_projects_nobody_chose():
    counts = pabulib_vote_counts(read_pabulib(FIXTURE))
    assert counts.columns.tolist() == ["project_id", "voters", "points", "voter_share"]
    assert counts["project_id"].tolist() == ["1", "2", "3", "4"]
    assert counts["voters"].tolist() == [4, 3, 1, 0]
    assert counts["points"].tolist() == [4, 3, 1, 0]  # approval: one point per approval
    assert counts["voter_share"].tolist() == [0.8, 0.6, 0.2, 0.0]  # of the 5 ballots


def test_vote_counts_add_up_points(tmp_path):
    counts = pabulib_vote_counts(read_pabulib(write(tmp_path, CUMULATIVE)))
    assert counts[["project_id", "voters", "points"]].values.tolist() == [
        ["10", 2, 2], ["20", 2, 6], ["30", 2, 5]]


def test_catalogue_format_is_the_projects_with_their_counts():
    assert formats.format_for(FIXTURE) == "pabulib"
    table = formats.read(FIXTURE)
    assert table.columns.tolist() == ["project_id", "cost", "votes", "name", "category",
                                      "district", "selected", "voters", "points", "voter_share"]
    assert table["voters"].tolist() == table["votes"].tolist() == [4, 3, 1, 0]
    assert table.attrs["meta"]["budget"] == 100000
    pd.testing.assert_frame_equal(table, read_pabulib_projects(FIXTURE))


# --- the real Toulouse 2019 file ----------------------------------------------------------

@pytest.fixture
def toulouse():
    if not TOULOUSE.is_file():
        pytest.skip(f"real data not available ({TOULOUSE})")
    return read_pabulib(TOULOUSE)


def test_toulouse_2019_reads_as_published(toulouse):
    assert len(toulouse.projects) == 30
    assert len(toulouse.votes) == 1494
    assert toulouse.vote_type == "cumulative"
    assert toulouse.meta["max_sum_points"] == 7
    assert toulouse.meta["max_points"] == 3
    assert toulouse.meta["budget"] == 1000000
    first = toulouse.projects.iloc[0]
    assert (first["project_id"], first["cost"], first["subunit"]) == ("4", 390000, "PRADETTES")
    assert first["name"] == "Tous à la Ramée à vélo ! A pied, en trottinette et rollers !"
    voter = toulouse.votes.iloc[0]
    assert (voter["voter_id"], voter["vote"], voter["points"]) == (
        "0", ["15", "22", "25", "10"], [2, 2, 2, 1])
    assert max(sum(points) for points in toulouse.votes["points"]) <= 7


def test_toulouse_2019_counts_match_the_published_votes_and_scores(toulouse):
    counts = pabulib_vote_counts(toulouse).set_index("project_id")
    published = toulouse.projects.set_index("project_id")
    assert counts["voters"].tolist() == published["votes"].tolist()
    assert counts["points"].tolist() == published["score"].tolist()
    assert counts.loc["4", "voters"] == 471 and counts.loc["4", "points"] == 1090


# --- errors -------------------------------------------------------------------------------

def test_empty_file(tmp_path):
    path = write(tmp_path, "\n  \n")
    assert error_of(path) == f"{path}: the file is empty"


def test_missing_meta(tmp_path):
    text = FIXTURE.read_text(encoding="utf-8")
    path = write(tmp_path, text[text.index("PROJECTS"):])
    assert error_of(path) == (
        f"{path}, line 1: the section META is missing: a Pabulib file has the sections META, "
        "PROJECTS and VOTES, each opened by a line that says just its name")


def test_text_before_meta(tmp_path):
    path = write(tmp_path, "Budget 2024\n" + FIXTURE.read_text(encoding="utf-8"))
    assert error_of(path) == (
        f"{path}, line 1: the section META is missing: a Pabulib file starts with a line that "
        "says just META, not 'Budget 2024'")


def test_missing_votes_points_at_the_end_of_the_file(tmp_path):
    text = FIXTURE.read_text(encoding="utf-8")
    path = write(tmp_path, text[:text.index("VOTES")])
    assert error_of(path) == (
        f"{path}, line 19: the section VOTES is missing: a Pabulib file has the sections META, "
        "PROJECTS and VOTES, each opened by a line that says just its name")


def test_missing_projects(tmp_path):
    text = FIXTURE.read_text(encoding="utf-8")
    path = write(tmp_path, text[:text.index("PROJECTS")] + text[text.index("VOTES"):])
    assert error_of(path) == (
        f"{path}, line 20: the section PROJECTS is missing: a Pabulib file has the sections "
        "META, PROJECTS and VOTES, each opened by a line that says just its name")


def test_section_twice(tmp_path):
    path = variant(tmp_path, "a5;1, 2;45;None;paper\n", "a5;1, 2;45;None;paper\nVOTES\n")
    assert error_of(path) == f"{path}, line 27: the section VOTES appears twice"


def test_vote_for_an_unknown_project(tmp_path):
    path = variant(tmp_path, "a3;1;71", "a3;1,9;71")
    assert error_of(path) == (f"{path}, line 24, column 'vote': voter 'a3' votes for project "
                              "'9', which is not in the PROJECTS section")


def test_same_project_twice_on_a_ballot(tmp_path):
    path = variant(tmp_path, "a2;2,1,3;", "a2;2,1,2;")
    assert error_of(path) == f"{path}, line 23, column 'vote': voter 'a2' names project '2' twice"


def test_cost_that_is_not_a_number(tmp_path):
    path = variant(tmp_path, "2;25000,5;", "2;25 k€;")
    assert error_of(path) == (f"{path}, line 17, column 'cost': the cost of project '2' must be "
                              "a number, not '25 k€'")


def test_voter_id_repeated(tmp_path):
    path = variant(tmp_path, "a5;1, 2", "a1;1, 2")
    assert error_of(path) == (f"{path}, line 26, column 'voter_id': the voter id 'a1' appears "
                              "twice (first on line 22)")


def test_project_id_repeated(tmp_path):
    path = variant(tmp_path, "4;15000;", "3;15000;")
    assert error_of(path) == (f"{path}, line 19, column 'project_id': the project id '3' "
                              "appears twice (first on line 18)")


def test_row_with_the_wrong_number_of_fields(tmp_path):
    path = variant(tmp_path, "a4;;19;M;internet", "a4;;19;M;internet;extra")
    assert error_of(path) == (f"{path}, line 25: expected 5 fields separated by ';' as in the "
                              "VOTES header, found 6")


def test_missing_required_column(tmp_path):
    path = variant(tmp_path, "project_id;cost;votes", "project_id;budget;votes")
    assert error_of(path) == f"{path}, line 15: the PROJECTS header lacks the column(s) cost"


def test_meta_number_that_is_not_one(tmp_path):
    path = variant(tmp_path, "budget;100000", "budget;100 000 €")
    assert error_of(path) == (f"{path}, line 9, column 'value': budget must be a number, "
                              "not '100 000 €'")


def test_unknown_vote_type(tmp_path):
    path = variant(tmp_path, "vote_type;approval", "vote_type;approbation")
    assert error_of(path) == (f"{path}, line 10, column 'value': unknown vote_type "
                              "'approbation'; Pabulib knows approval, choose-1, ordinal, "
                              "cumulative, scoring")


def test_cumulative_vote_without_points(tmp_path):
    path = write(tmp_path, CUMULATIVE.replace("voter_id;vote;points", "voter_id;vote")
                 .replace(";4,1", "").replace(";5\n", "\n").replace(";1,1,1", ""))
    assert error_of(path) == (f"{path}, line 11, column 'points': a cumulative vote needs a "
                              "points column")


def test_points_that_do_not_match_the_ballot(tmp_path):
    path = write(tmp_path, CUMULATIVE.replace("1;30,10;4,1", "1;30,10;4"))
    assert error_of(path) == f"{path}, line 12, column 'points': voter '1' gives 1 points for 2 " \
                             "projects"
    path = write(tmp_path, CUMULATIVE.replace("2;20;5", "2;20;cinq"))
    assert error_of(path) == (f"{path}, line 13, column 'points': voter '2' has points 'cinq', "
                              "not a number")


def test_not_utf8(tmp_path):
    path = tmp_path / "bp.pb"
    path.write_bytes(FIXTURE.read_text(encoding="utf-8").encode("cp1252"))
    assert error_of(path) == (f"{path}, line 18: cannot be decoded as UTF-8 (byte 0xe9); "
                              "Pabulib files are UTF-8")


def test_meta_counts_that_disagree_with_the_sections(tmp_path):
    # A file cut short, or two files pasted together, no longer has the rows META counts.
    path = variant(tmp_path, "num_votes;5", "num_votes;6")
    assert error_of(path) == (f"{path}, line 8, column 'value': META says num_votes;6 but the "
                              "VOTES section holds 5 votes: the file is cut, or its META is "
                              "wrong")
    path = variant(tmp_path, "num_projects;4", "num_projects;3")
    assert error_of(path) == (f"{path}, line 7, column 'value': META says num_projects;3 but "
                              "the PROJECTS section holds 4 projects: the file is cut, or its "
                              "META is wrong")
