"""Representation ratios, dissimilarity index and goodness of fit to population margins."""

from __future__ import annotations

import pandas as pd
import pytest

from civeval.errors import InputError, WeightingError
from civeval.privacy import suppress_small_cells
from civeval.representativeness import dissimilarity_index, representativeness


def people(counts: dict, column: str = "sexe") -> pd.DataFrame:
    return pd.DataFrame({column: [value for value, n in counts.items() for _ in range(n)]})


def test_goodness_of_fit_matches_mendels_peas():
    # Mendel's dihybrid cross, 556 peas against the 9:3:3:1 law: X² = 0.470 on 3 df,
    # p = 0.925 (the textbook example of the chi-square goodness-of-fit test).
    peas = people({"rond jaune": 315, "ridé jaune": 101, "rond vert": 108, "ridé vert": 32},
                  "pois")
    law = {"rond jaune": 9, "rond vert": 3, "ridé jaune": 3, "ridé vert": 1}
    table = representativeness(peas, "pois", law)
    assert round(table.attrs["chi2_statistic"], 3) == 0.470
    assert table.attrs["chi2_dof"] == 3
    assert round(table.attrs["chi2_p_value"], 3) == 0.925
    assert table["pois"].tolist() == list(law)  # the population's order
    expected_d = 0.5 * sum(abs(n / 556 - law[k] / 16) for k, n in
                           {"rond jaune": 315, "rond vert": 108, "ridé jaune": 101,
                            "ridé vert": 32}.items())
    assert table.attrs["dissimilarity_index"] == pytest.approx(expected_d)


def test_shares_and_representation_ratio_by_hand():
    participants = people({"18-29": 5, "30-59": 25, "60+": 20}, "age")
    population = pd.Series({"18-29": 2000, "30-59": 5000, "60+": 3000})
    table = representativeness(participants, "age", population).set_index("age")
    assert table["n"].tolist() == [5, 25, 20]
    assert table["share_respondents"].tolist() == pytest.approx([0.1, 0.5, 0.4])
    assert table["share_population"].tolist() == pytest.approx([0.2, 0.5, 0.3])
    assert table["representation_ratio"].tolist() == pytest.approx([0.5, 1.0, 4 / 3])
    assert table["population"].tolist() == [2000, 5000, 3000]
    assert table.attrs["dissimilarity_index"] == pytest.approx(0.1)
    assert (table.attrs["n"], table.attrs["n_missing"], table.attrs["weighted"]) == \
        (50, 0, False)


def test_weights_change_the_shares_but_not_the_goodness_of_fit():
    participants = people({"F": 30, "H": 20})
    population = {"F": 5000, "H": 5000}
    # post-stratification weights: each sex weighs its population share / sample share
    participants["poids"] = participants["sexe"].map({"F": 0.5 / 0.6, "H": 0.5 / 0.4})
    raw = representativeness(participants, "sexe", population)
    weighted = representativeness(participants, "sexe", population, weight="poids")
    assert weighted["share_respondents"].tolist() == pytest.approx([0.5, 0.5])
    assert weighted["representation_ratio"].tolist() == pytest.approx([1.0, 1.0])
    assert weighted.attrs["dissimilarity_index"] == pytest.approx(0.0)
    assert weighted["n"].tolist() == raw["n"].tolist() == [30, 20]
    assert weighted.attrs["chi2_statistic"] == raw.attrs["chi2_statistic"]
    assert weighted.attrs["weighted"] is True


def test_missing_answers_are_counted_and_kept_out_of_the_shares():
    participants = pd.DataFrame({"sexe": ["F", "H", None, "F", None]})
    table = representativeness(participants, "sexe", {"F": 1, "H": 1})
    assert table["share_respondents"].tolist() == pytest.approx([2 / 3, 1 / 3])
    assert (table.attrs["n"], table.attrs["n_missing"]) == (3, 2)


def test_a_population_category_nobody_answered_has_a_zero_ratio():
    participants = people({"Nord": 10, "Sud": 10}, "quartier")
    table = representativeness(participants, "quartier",
                               {"Nord": 100, "Centre": 100, "Sud": 200})
    row = table.set_index("quartier").loc["Centre"]
    assert (row["n"], row["share_respondents"], row["representation_ratio"]) == (0, 0, 0)


def test_a_category_missing_from_the_population_is_named():
    participants = people({"F": 3, "H": 2, "X": 1})
    with pytest.raises(InputError) as error:
        representativeness(participants, "sexe", {"F": 10, "H": 10})
    assert str(error.value) == ("column 'sexe': 'X' in the data but not in the population "
                                "categories ('F', 'H')")


def test_population_counts_must_be_usable():
    participants = people({"F": 3, "H": 2})
    with pytest.raises(InputError) as error:
        representativeness(participants, "sexe", {"F": 0, "H": 0})
    assert str(error.value) == "column 'sexe': the population counts add up to zero"
    with pytest.raises(InputError) as error:
        representativeness(participants, "sexe", {"F": 10, "H": 0})
    assert str(error.value) == ("column 'sexe': 'H' has respondents but no inhabitants in "
                                "the population")
    with pytest.raises(InputError, match="population counts must be numbers ≥ 0"):
        representativeness(participants, "sexe", {"F": 10, "H": -1})
    with pytest.raises(InputError) as error:
        representativeness(participants, "genre", {"F": 10, "H": 10})
    assert str(error.value) == "column 'genre': no column named 'genre' in the data"
    participants["poids"] = [1.0, None, 1.0, 1.0, 1.0]
    with pytest.raises(WeightingError) as error:
        representativeness(participants, "sexe", {"F": 10, "H": 10}, weight="poids")
    assert str(error.value) == "column 'poids': weights must be numbers ≥ 0, none missing"


def test_dissimilarity_index_properties():
    assert dissimilarity_index({"a": 1, "b": 3}, {"a": 1, "b": 3}) == 0
    assert dissimilarity_index({"a": 1}, {"b": 1}) == 1  # nothing in common
    a, b = {"a": 0.2, "b": 0.3, "c": 0.5}, {"a": 0.4, "b": 0.4, "c": 0.2}
    assert dissimilarity_index(a, b) == pytest.approx(0.3)
    assert dissimilarity_index(a, b) == pytest.approx(dissimilarity_index(b, a))
    # counts are turned into shares; labels are matched, not positions
    assert dissimilarity_index(pd.Series([40, 60], index=["x", "y"]),
                               pd.Series([0.5, 0.5], index=["y", "x"])) == pytest.approx(0.1)
    with pytest.raises(InputError) as error:
        dissimilarity_index([0.5, 0.5], [1, 0, 0])
    assert str(error.value) == "the two distributions have 2 and 3 categories"


def test_representativeness_table_survives_small_cell_suppression():
    participants = people({"18-29": 3, "30-59": 30, "60+": 40}, "age")
    table = representativeness(participants, "age", {"18-29": 30, "30-59": 50, "60+": 20})
    published = suppress_small_cells(
        table, "n", dependent_columns=["share_respondents", "representation_ratio"])
    row = published.set_index("age")
    assert row.loc["18-29", ["n", "share_respondents", "representation_ratio"]].isna().all()
    assert row.loc["18-29", "population"] == 30  # public census counts stay
    assert published.attrs["dissimilarity_index"] == table.attrs["dissimilarity_index"]
