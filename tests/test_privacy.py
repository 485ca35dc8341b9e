"""Small-cell suppression: primary (fewer than 5 people) and secondary (recoverable by
subtraction from a published total)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from civeval.errors import InputError
from civeval.presentation import fmt, report
from civeval.privacy import secondary_suppression, suppress_small_cells
from civeval.survey.compare import crosstab


@pytest.fixture
def districts() -> pd.DataFrame:
    return pd.DataFrame({"quartier": ["Nord", "Centre", "Sud"], "n": [3, 12, 40],
                         "part": [3 / 55, 12 / 55, 40 / 55]})


def test_a_cell_of_3_people_is_hidden_with_its_percentage(districts):
    published = suppress_small_cells(districts, "n", dependent_columns="part",
                                     secondary=False)
    assert published["n"].isna().tolist() == [True, False, False]
    assert published["part"].isna().tolist() == [True, False, False]
    assert published["suppressed"].tolist() == [True, False, False]
    assert published.loc[1, "n"] == 12
    assert published.attrs["suppressed_cells"] == 1


def test_a_single_hidden_cell_takes_the_next_smallest_with_it(districts):
    # The total (55 respondents) is published: 55 − 12 − 40 would give the 3 back.
    published = suppress_small_cells(districts, "n", dependent_columns="part")
    assert published["n"].isna().tolist() == [True, True, False]
    assert published["part"].isna().tolist() == [True, True, False]
    assert published.attrs["suppressed_cells"] == 2
    assert published.attrs["primary_suppressed_cells"] == 1
    assert published.attrs["secondary_suppressed_cells"] == 1


def test_the_threshold_argument_is_respected(districts):
    strict = suppress_small_cells(districts, "n", threshold=15)
    assert strict["n"].isna().tolist() == [True, True, False]
    assert strict.attrs["primary_suppressed_cells"] == 2  # two hidden: no secondary
    assert strict.attrs["suppression_threshold"] == 15
    lenient = suppress_small_cells(districts, "n", threshold=3)
    assert lenient["n"].tolist() == [3, 12, 40]  # 3 is not below 3
    assert lenient.attrs["suppressed_cells"] == 0


def test_the_original_table_is_not_modified(districts):
    before = districts.copy()
    suppress_small_cells(districts, "n", dependent_columns="part")
    pd.testing.assert_frame_equal(districts, before)
    assert "suppressed" not in districts.columns


def test_zero_is_published_and_can_be_the_complement():
    table = pd.DataFrame({"reponse": ["oui", "non", "nsp"], "n": [4, 0, 30]})
    published = suppress_small_cells(table, "n")
    # the 4 is hidden; the smallest non-zero other count is hidden with it, not the 0
    assert published["n"].isna().tolist() == [True, False, True]
    alone = suppress_small_cells(pd.DataFrame({"n": [4, 0]}), "n")
    assert alone["n"].isna().tolist() == [True, True]  # a + b = 4: a is no longer known


def test_secondary_suppression_closes_rows_and_columns_of_a_crosstab():
    answers = pd.DataFrame({
        "sexe": ["A"] * 53 + ["B"] * 100,
        "avis": ["x"] * 3 + ["y"] * 20 + ["z"] * 30 + ["x"] * 10 + ["y"] * 40 + ["z"] * 50,
    })
    table = crosstab(answers, "sexe", "avis")
    published = suppress_small_cells(
        table, "n", dependent_columns=["count", "row_percent", "column_percent",
                                       "total_percent", "adjusted_residual"],
        groups=["sexe", "avis"])
    hidden = published.set_index(["sexe", "avis"])["n"].isna()
    # (A, x) = 3 is hidden; row A then hides (A, y) = 20, column x hides (B, x) = 10,
    # and column y, left with one hidden cell, hides (B, y) = 40.
    assert sorted(hidden[hidden].index) == [("A", "x"), ("A", "y"), ("B", "x"), ("B", "y")]
    assert published.attrs["secondary_suppressed_cells"] == 3
    assert published.loc[published["suppressed"], "row_percent"].isna().all()


def test_no_group_is_left_with_a_single_hidden_cell():
    rng = np.random.default_rng(11)
    for _ in range(50):
        table = pd.DataFrame([(r, c, int(rng.choice([0, 1, 2, 6, 9, 15, 40])))
                              for r in range(4) for c in range(5)], columns=["r", "c", "n"])
        published = suppress_small_cells(table, "n", groups=["r", "c"])
        hidden = published["n"].isna()
        for group in ("r", "c"):
            assert not (hidden.groupby(table[group]).sum() == 1).any()
        assert (hidden[(table["n"] > 0) & (table["n"] < 5)]).all()


def test_hidden_counts_stay_integers_and_show_as_missing_in_reports(districts):
    published = suppress_small_cells(districts, "n")
    assert published["n"].dtype == "Int64"
    html = report.table_html(published[["quartier", "n"]])
    assert f"<td>{fmt.MISSING}</td>" in html
    assert '<td class="cv-num">40</td>' in html


def test_attrs_of_the_table_are_kept_and_columns_checked(districts):
    districts.attrs["dissimilarity_index"] = 0.2
    assert suppress_small_cells(districts, "n").attrs["dissimilarity_index"] == 0.2
    with pytest.raises(InputError) as error:
        suppress_small_cells(districts, "effectif")
    assert str(error.value) == "column 'effectif': no column named 'effectif' in the table"
    with pytest.raises(InputError) as error:
        suppress_small_cells(districts, "quartier")
    assert str(error.value) == "column 'quartier': counts must be numbers"


# --- the rule for a published total: secondary_suppression ----------------------------------

def test_a_single_hidden_cell_is_never_left_alone():
    hidden, total_shown = secondary_suppression([3, 12, 40], [True, False, False])
    # 55 − 12 − 40 would give the 3 back; hidden with the 12, the sum left is 15
    assert hidden.tolist() == [True, True, False] and total_shown
    # even a large cell hidden for another group: a zero is the only one left to go with it
    hidden, total_shown = secondary_suppression([20, 0, 0], [True, False, False])
    assert hidden.tolist() == [True, True, False] and total_shown


def test_hidden_cells_holding_fewer_people_than_the_threshold_take_another_with_them():
    # 1 and 2 hidden: 41 − 30 − 8 = 3 people, under 5, would be given back together
    hidden, _ = secondary_suppression([1, 2, 30, 8], [True, True, False, False])
    assert hidden.tolist() == [True, True, False, True]  # 41 − 30 = 11 now
    # 2 and 3: 5 people together, the threshold: nothing more
    hidden, _ = secondary_suppression([2, 3, 30, 8], [True, True, False, False])
    assert hidden.tolist() == [True, True, False, False]
    hidden, _ = secondary_suppression([2, 3, 30, 8], [True, True, False, False], threshold=6)
    assert hidden.tolist() == [True, True, False, True]


def test_a_group_of_fewer_people_than_the_threshold_hides_its_total():
    hidden, total_shown = secondary_suppression([3, 0, 1], [True, False, True])
    assert hidden.tolist() == [True, True, True] and not total_shown
    # nothing hidden, nothing to protect: the total is shown
    hidden, total_shown = secondary_suppression([30, 0, 8], [False, False, False])
    assert hidden.tolist() == [False, False, False] and total_shown


def test_the_caller_mask_is_left_as_it_was_and_bad_input_is_refused():
    mask = np.array([True, False, False])
    secondary_suppression([3, 12, 40], mask)
    assert mask.tolist() == [True, False, False]
    with pytest.raises(ValueError, match="same length"):
        secondary_suppression([3, 12], [True, False, False])
    with pytest.raises(ValueError, match="missing count"):
        secondary_suppression([3, np.nan, 40], [True, False, False])


def test_hidden_cells_of_a_table_hold_the_threshold_together():
    table = pd.DataFrame({"quartier": ["Nord", "Sud", "Est", "Ouest"], "n": [1, 2, 30, 8]})
    # two primary cells would protect each other from being given back one by one, but
    # 41 − 30 − 8 = 3 people would be given back together: the 8 goes too
    published = suppress_small_cells(table, "n")
    assert published["n"].isna().tolist() == [True, True, False, True]
    assert published.attrs["secondary_suppressed_cells"] == 1
    # 2 and 3 hold 5 people: nothing more
    table["n"] = [2, 3, 30, 8]
    assert suppress_small_cells(table, "n")["n"].isna().tolist() == [True, True, False, False]
