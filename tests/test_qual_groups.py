"""Stakeholder groups a report may show: small groups merged with their family, or hidden
with the secondary suppression of survey tables."""

import pandas as pd
import pytest

from civeval.qual.groups import anonymous_documents, count_people, regroup, shown_groups


def test_a_group_of_3_is_shown_with_its_whole_family():
    shown = shown_groups({"élu": 3, "agent": 6, "association": 5, "habitant": 12})
    # Agents alone beside « acteurs institutionnels » would give the élus away.
    assert shown == {"élu": "institution", "agent": "institution",
                     "association": "association", "habitant": "habitant"}


def test_a_family_still_under_the_threshold_is_hidden():
    shown = shown_groups({"élu": 2, "agent": 2, "habitant": 12, "commerçant": 7})
    assert shown == {"élu": None, "agent": None, "habitant": "habitant",
                     "commerçant": "commerçant"}


def test_a_single_hidden_group_hides_the_smallest_group_shown_when_a_total_is_published():
    people = {"élu": 2, "habitant": 12, "commerçant": 7}
    assert shown_groups(people) == {"élu": None, "habitant": "habitant",
                                    "commerçant": "commerçant"}
    # The total of 21 minus 12 and 7 would give the 2 élus back: commerçants go too.
    assert shown_groups(people, secondary=True) == {"élu": None, "habitant": "habitant",
                                                    "commerçant": None}
    # Two hidden groups of 5 people together protect each other: nothing more to hide.
    two = {"élu": 2, "riverain": 3, "habitant": 12, "commerçant": 7}
    assert shown_groups(two, secondary=True) == {"élu": None, "riverain": None,
                                                 "habitant": "habitant",
                                                 "commerçant": "commerçant"}
    # 1 and 2: the total minus 12 and 7 would give back 3 people together.
    few = {"élu": 1, "riverain": 2, "habitant": 12, "commerçant": 7}
    assert shown_groups(few, secondary=True) == {"élu": None, "riverain": None,
                                                 "habitant": "habitant", "commerçant": None}
    # A group nobody spoke for hides nobody, and needs no protection.
    empty = {"élu": 0, "habitant": 12, "commerçant": 7}
    assert shown_groups(empty, secondary=True) == {"élu": None, "habitant": "habitant",
                                                   "commerçant": "commerçant"}


def test_groups_at_the_threshold_keep_their_name():
    people = {"élu": 5, "agent": 5, "habitant": 5}
    assert shown_groups(people, secondary=True) == {g: g for g in people}
    assert shown_groups(people, 6) == {"élu": "institution", "agent": "institution",
                                       "habitant": None}
    with pytest.raises(ValueError, match="threshold"):
        shown_groups(people, 0)


def test_people_are_speakers_or_else_documents():
    named = pd.DataFrame({"document": ["E1", "E1", "E2"], "speaker": ["P1", "P2", "P1"]})
    assert count_people(named) == 2
    assert count_people(named.assign(speaker=[None, "P2", "P1"])) == 2  # two documents
    assert count_people(named.iloc[:0]) == 0


def test_regroup_relabels_and_leaves_hidden_groups_out():
    segments = pd.DataFrame({"document": ["E1", "A1", "C1", "X1"],
                             "speaker_role": ["élu", "agent", "commerçant", None]})
    merged = regroup(segments, {"élu": "institution", "agent": "institution",
                                "commerçant": None})
    assert merged.to_dict("list") == {"document": ["E1", "A1"],
                                      "speaker_role": ["institution", "institution"]}


def test_interviews_are_renumbered_in_an_order_that_ignores_the_source():
    documents = [f"E0{n}" for n in range(1, 4)] + [f"H0{n}" for n in range(1, 8)]
    names = anonymous_documents(documents, "Entretien")
    assert sorted(names.values()) == [f"Entretien {n:02d}" for n in range(1, 11)]
    # The three élus (listed first in the source) are not numbers 1 to 3.
    assert sorted(names[d] for d in documents[:3]) != ["Entretien 01", "Entretien 02",
                                                       "Entretien 03"]
    assert anonymous_documents(reversed(documents), "Entretien") == names
