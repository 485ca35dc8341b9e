"""Workshop priorities: rankings, group shares, consensus and Kendall's W."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from civeval.errors import InputError
from civeval.qual.workshops import (
    consensus,
    group_priorities,
    group_sizes,
    kendall_w,
    merge_groups,
    rank_proposals,
)


def workshop(rows, participants=None) -> pd.DataFrame:
    """(proposal, group, votes) tuples → a votes table."""
    frame = pd.DataFrame(rows, columns=["proposal", "group", "votes"])
    frame.insert(0, "workshop", "atelier 1")
    if participants is not None:
        frame["participants"] = frame["group"].map(participants)
    return frame


# 30 residents and 3 elected officials: the residents' votes would swamp the officials'.
VOTES = workshop([
    ("pistes cyclables", "habitant", 30), ("pistes cyclables", "élu", 1),
    ("bancs", "habitant", 20), ("bancs", "élu", 4),
    ("jardin partagé", "habitant", 20), ("jardin partagé", "élu", 0),
    ("parking", "habitant", 5), ("parking", "élu", 5),
], participants={"habitant": 30, "élu": 3})


# --------------------------------------------------------------------------- Kendall's W

def test_kendall_w_published_example():
    # influentialpoints.com, "Kendall coefficient of concordance", worked example:
    # 4 raters rank the strawberries of 8 farms; SS = 500, W = 500 / 672 = 0.744,
    # χ² = k(N − 1)W = 20.83, P = 0.004
    ratings = pd.DataFrame({"A": [8, 4, 2, 3, 5, 1, 6, 7], "B": [7, 3, 1, 4, 5, 2, 6, 8],
                            "C": [8, 2, 5, 6, 7, 1, 4, 3], "D": [8, 3, 4, 2, 5, 1, 6, 7]})
    row = kendall_w(ratings).iloc[0]
    assert row["w"] == pytest.approx(500 / 672)
    assert row["chi2"] == pytest.approx(20.83, abs=0.005)
    assert row["df"] == 7
    assert row["p_value"] == pytest.approx(0.004, abs=0.0005)
    assert (row["raters"], row["objects"], row["tie_correction"]) == (4, 8, 0)


def test_kendall_w_tie_correction_by_hand():
    # 3 raters, 4 objects. Rank sums 3.5, 6, 9, 11.5 around m(n+1)/2 = 7.5: S = 36.5.
    # Ties: rater 2 one pair (2³−2 = 6), rater 3 two pairs (12): ΣT = 18.
    # W = 12·36.5 / (3²·(4³−4) − 3·18) = 438 / 486; uncorrected 438 / 540.
    ratings = np.array([[1, 1, 1], [2, 2.5, 1], [3, 2.5, 3], [4, 4, 3]])
    corrected = kendall_w(ratings).iloc[0]
    assert corrected["w"] == pytest.approx(438 / 486)
    assert corrected["tie_correction"] == 18
    assert kendall_w(ratings, correct=False).loc[0, "w"] == pytest.approx(438 / 540)
    # χ² = m(n − 1)W is the tie-corrected Friedman statistic (objects as treatments)
    friedman = stats.friedmanchisquare(*ratings)
    assert corrected["chi2"] == pytest.approx(friedman.statistic)
    assert corrected["p_value"] == pytest.approx(friedman.pvalue)


def test_kendall_w_bounds_and_errors():
    assert kendall_w([[1, 1], [2, 2], [3, 3]]).loc[0, "w"] == pytest.approx(1)
    assert kendall_w([[1, 2], [2, 1]]).loc[0, "w"] == pytest.approx(0)
    assert np.isnan(kendall_w([[1, 1], [1, 1]]).loc[0, "w"])  # every rater ties everything
    with pytest.raises(InputError, match="two objects and two raters"):
        kendall_w([[1], [2], [3]])
    with pytest.raises(InputError, match="none missing"):
        kendall_w([[1, np.nan], [2, 1]])


# --------------------------------------------------------------------------- rankings

def test_rank_proposals_pools_groups_with_competition_ranks():
    table = rank_proposals(VOTES)
    assert table.columns.tolist() == ["proposal", "votes", "share", "rank", "groups"]
    assert table["proposal"].tolist() == ["pistes cyclables", "bancs", "jardin partagé",
                                          "parking"]
    assert table["votes"].tolist() == [31, 24, 20, 10]
    assert table["share"].sum() == pytest.approx(1)
    assert table["share"].iloc[0] == pytest.approx(31 / 85)
    assert table["groups"].tolist() == [2, 2, 1, 2]
    tied = rank_proposals(workshop([("a", "élu", 3), ("b", "élu", 3), ("c", "élu", 1)]))
    assert tied["rank"].tolist() == [1, 1, 3]


def test_rows_of_the_same_proposal_and_group_are_added_up():
    split = workshop([("a", "élu", 2), ("a", "élu", 3), ("b", "élu", 1)])
    assert rank_proposals(split)["votes"].tolist() == [5, 1]


def test_group_priorities_give_each_group_the_same_weight():
    table = group_priorities(VOTES)
    assert table.columns.tolist() == ["group", "proposal", "votes", "group_votes", "share",
                                      "rank"]
    assert table.groupby("group")["share"].sum().tolist() == pytest.approx([1, 1])
    officials = table[table["group"] == "élu"].set_index("proposal")
    # the officials' first choice is parking (5 of their 10 votes), last pooled
    assert officials.loc["parking", "share"] == pytest.approx(0.5)
    assert officials.loc["parking", "rank"] == 1
    assert officials.loc["jardin partagé", "votes"] == 0  # listed, with no vote
    residents = table[table["group"] == "habitant"].set_index("proposal")
    assert residents.loc["bancs", "rank"] == residents.loc["jardin partagé", "rank"] == 2
    assert table["group"].iloc[0] == "élu"  # groups in the order of ROLES


def test_consensus_labels_and_concordance():
    table = consensus(VOTES).set_index("proposal")
    # shares: pistes 0.4 vs 0.1, bancs 0.267 vs 0.4, jardin 0.267 vs 0, parking 0.067 vs 0.5
    assert table.loc["pistes cyclables", "share_range"] == pytest.approx(0.3)
    assert table.loc["parking", "share_range"] == pytest.approx(0.5 - 5 / 75)
    assert table.loc["bancs", "share_sd"] == pytest.approx(abs(0.4 - 20 / 75) / 2)
    # rule: clivant when the range reaches 1/4 (four proposals)
    assert table["label"].to_dict() == {"pistes cyclables": "clivant", "bancs": "consensus",
                                        "jardin partagé": "clivant", "parking": "clivant"}
    assert table.loc["parking", "top_group"] == "élu"
    assert table.attrs["threshold"] == 0.25
    assert consensus(VOTES, threshold=0.4)["label"].value_counts()["clivant"] == 1
    w = kendall_w(pd.DataFrame({"habitant": [30, 20, 20, 5], "élu": [1, 4, 0, 5]})).iloc[0]
    assert table.attrs["kendall_w"] == pytest.approx(w["w"])
    assert table.attrs["p_value"] == pytest.approx(w["p_value"])
    assert table.attrs["df"] == 3


def test_consensus_needs_two_groups():
    with pytest.raises(InputError, match="two groups at least"):
        consensus(workshop([("a", "élu", 3), ("b", "élu", 1)]))


# --------------------------------------------------------------------------- small groups

def test_small_groups_are_flagged():
    for table in (rank_proposals(VOTES), group_priorities(VOTES), consensus(VOTES)):
        assert table.attrs["small_groups"] == ["élu"]
        assert table.attrs["group_participants"] == {"élu": 3, "habitant": 30}
    assert "small_groups" not in rank_proposals(VOTES.drop(columns="participants")).attrs


def test_participants_of_several_workshops_add_up():
    second = VOTES.assign(workshop="atelier 2")
    table = rank_proposals(pd.concat([VOTES, second], ignore_index=True))
    assert table.attrs["group_participants"] == {"élu": 6, "habitant": 60}
    assert table.attrs["small_groups"] == []


def test_small_tables_merge_with_their_family_votes_and_people_added_up():
    votes = workshop([("a", "élu", 2), ("b", "élu", 4), ("a", "agent", 3), ("b", "agent", 3),
                      ("a", "habitant", 9), ("b", "habitant", 12)],
                     participants={"élu": 2, "agent": 3, "habitant": 7})
    assert group_sizes(votes) == {"élu": 2, "agent": 3, "habitant": 7}
    merged = merge_groups(votes, {"élu": "institution", "agent": "institution",
                                  "habitant": "habitant"})
    assert merged.to_dict("list") == {
        "workshop": ["atelier 1"] * 4, "proposal": ["a", "b", "a", "b"],
        "group": ["institution", "institution", "habitant", "habitant"],
        "votes": [5, 7, 9, 12], "participants": [5, 5, 7, 7]}
    # A hidden table leaves no vote behind, and every group needs a decision.
    hidden = merge_groups(votes, {"élu": None, "agent": None, "habitant": "habitant"})
    assert hidden["votes"].sum() == 21 and set(hidden["group"]) == {"habitant"}
    with pytest.raises(ValueError, match="no shown group given for 'agent'"):
        merge_groups(votes, {"élu": None, "habitant": "habitant"})


def test_inconsistent_participants_are_refused():
    votes = VOTES.copy()
    votes.loc[1, "participants"] = 4
    with pytest.raises(InputError, match="participants of .*élu.* differ"):
        rank_proposals(votes)


# --------------------------------------------------------------------------- bad input

def test_bad_votes_point_at_the_file_row():
    votes = VOTES.copy()
    votes.loc[2, "votes"] = -1
    votes.attrs["source"] = "ateliers.csv"
    with pytest.raises(InputError) as error:
        rank_proposals(votes)
    assert (str(error.value.file), error.value.row, error.value.column) == (
        "ateliers.csv", 4, "votes")
    with pytest.raises(InputError, match="no column named 'group'"):
        rank_proposals(VOTES.drop(columns="group"))
    with pytest.raises(InputError, match="no vote"):
        rank_proposals(VOTES.assign(votes=0))
    with pytest.raises(InputError, match=r"no proposal \(row 1 of the table\)"):
        rank_proposals(VOTES.assign(proposal=None))


def test_nullable_columns_of_the_reader_are_read_alike():
    # civeval.qual.votes.read_workshop returns strings and Int64 counts
    as_read = VOTES.astype({"workshop": "string", "proposal": "string", "group": "string",
                            "votes": "Int64", "participants": "Int64"})
    assert rank_proposals(as_read)["votes"].tolist() == [31, 24, 20, 10]
    table = consensus(as_read)
    assert table["share_range"].dtype == float
    assert table.attrs["kendall_w"] == pytest.approx(consensus(VOTES).attrs["kendall_w"])
    assert table.attrs["small_groups"] == ["élu"]
