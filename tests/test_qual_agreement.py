"""Inter-coder agreement against published values: Cohen's kappa, Krippendorff's alpha."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from civeval.errors import InputError
from civeval.qual import SEGMENT_COLUMNS
from civeval.qual.agreement import OVERALL, coding_agreement, cohen_kappa, krippendorff_alpha


def from_table(table) -> tuple[list, list]:
    """Two raters' ratings (categories 1..k) reproducing a k × k contingency table."""
    a, b = [], []
    for i, row in enumerate(table, start=1):
        for j, count in enumerate(row, start=1):
            a += [i] * count
            b += [j] * count
    return a, b


# --------------------------------------------------------------------------- Cohen's kappa

def test_wikipedia_worked_example():
    # Wikipedia, "Cohen's kappa": 50 grant proposals, yes/yes 20, yes/no 5, no/yes 10,
    # no/no 15 → p_o = 0.7, p_e = 0.5, κ = 0.4
    a = ["yes"] * 25 + ["no"] * 25
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    row = cohen_kappa(a, b).iloc[0]
    assert row["kappa"] == pytest.approx(0.4)
    assert row["observed_agreement"] == pytest.approx(0.7)
    assert row["expected_agreement"] == pytest.approx(0.5)
    assert row["n"] == 50
    assert row["weights"] == "none"


# The SAS PROC FREQ example that statsmodels' own tests check against (table10 of
# statsmodels/stats/tests/test_inter_rater.py): kappa, ASE and 95 % limits.
SAS_TABLE = [[0, 4, 1], [0, 8, 0], [0, 1, 5]]


def test_sas_example_simple_kappa_with_standard_error():
    row = cohen_kappa(*from_table(SAS_TABLE)).iloc[0]
    assert row[["kappa", "se", "ci_low", "ci_high"]].tolist() == pytest.approx(
        [0.4842, 0.1380, 0.2137, 0.7547], abs=5e-5)
    assert row["p_value"] == pytest.approx(0.0011, abs=5e-5)


def test_sas_example_linear_weighted_kappa():
    row = cohen_kappa(*from_table(SAS_TABLE), weights="linear").iloc[0]
    assert row[["kappa", "se", "ci_low", "ci_high"]].tolist() == pytest.approx(
        [0.4701, 0.1457, 0.1845, 0.7558], abs=5e-5)
    # weighted agreements are consistent with kappa
    p_o, p_e = row["observed_agreement"], row["expected_agreement"]
    assert (p_o - p_e) / (1 - p_e) == pytest.approx(row["kappa"])


# R package irr, data(anxiety), raters 2 and 3: kappa2() values (also in statsmodels'
# test_cohens_kappa_irr). Level 5 is used by neither rater: categories are the values seen.
RATER2 = [3, 6, 4, 6, 2, 4, 2, 4, 3, 3, 2, 3, 3, 3, 2, 2, 1, 3, 3, 4]
RATER3 = [2, 1, 4, 4, 3, 2, 1, 6, 1, 1, 1, 2, 3, 3, 1, 1, 3, 3, 2, 2]


@pytest.mark.parametrize(("weights", "kappa", "p_value"), [
    (None, -0.006289308, 0.9518317),
    ("linear", 0.1459075, 0.1996772),     # irr "equal"
    ("quadratic", 0.2520325, 0.1505898),  # irr "squared"
])
def test_irr_anxiety_example(weights, kappa, p_value):
    row = cohen_kappa(RATER2, RATER3, weights=weights).iloc[0]
    assert row["kappa"] == pytest.approx(kappa, abs=1e-6)
    assert row["p_value"] == pytest.approx(p_value, abs=1e-6)
    assert cohen_kappa(RATER2, RATER3).attrs["categories"] == [1, 2, 3, 4, 6]


def test_missing_pairs_are_dropped_and_counted():
    a = RATER2 + [None, 3]
    b = RATER3 + [2, np.nan]
    row = cohen_kappa(a, b)
    assert row.loc[0, "n"] == 20
    assert row.attrs["n_dropped"] == 2
    assert row.loc[0, "kappa"] == pytest.approx(-0.006289308, abs=1e-6)


def test_order_of_word_categories_drives_weighted_kappa():
    scale = ["pas du tout", "plutôt pas", "plutôt", "tout à fait"]
    to_words = dict(zip([1, 2, 3, 4], scale, strict=True))
    a = [to_words[v] for v in [1, 2, 2, 3, 4, 4, 1, 3, 2, 4]]
    b = [to_words[v] for v in [1, 2, 3, 3, 4, 3, 2, 3, 1, 4]]
    numeric = cohen_kappa([scale.index(v) for v in a], [scale.index(v) for v in b],
                          weights="quadratic").loc[0, "kappa"]
    assert cohen_kappa(a, b, weights="quadratic", categories=scale).loc[0, "kappa"] == (
        pytest.approx(numeric))
    ordered = pd.Categorical(a, categories=scale, ordered=True)
    assert cohen_kappa(pd.Series(ordered), b, weights="quadratic").loc[0, "kappa"] == (
        pytest.approx(numeric))
    # alphabetical order ("pas du tout" < "plutôt" < "plutôt pas" < …) gives another value
    assert cohen_kappa(a, b, weights="quadratic").loc[0, "kappa"] != pytest.approx(numeric)


def test_kappa_is_undefined_when_both_coders_use_one_category():
    row = cohen_kappa(["oui"] * 4, ["oui"] * 4).iloc[0]
    assert np.isnan(row["kappa"])
    assert row["observed_agreement"] == 1


def test_kappa_input_errors():
    with pytest.raises(InputError, match="different numbers of units"):
        cohen_kappa([1, 2, 3], [1, 2])
    with pytest.raises(InputError, match="no unit was rated by both"):
        cohen_kappa([1, None], [None, 2])
    with pytest.raises(InputError, match=r"\['peut-être'\] are not among the categories"):
        cohen_kappa(["oui", "peut-être"], ["oui", "non"], categories=["oui", "non"])
    with pytest.raises(ValueError, match="weights"):
        cohen_kappa([1, 2], [1, 2], weights="squared")


# --------------------------------------------------------------------------- Krippendorff

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": 4 coders × 12 units
# with missing values. The paper gives α = 0.743 (nominal), 0.815 (ordinal), 0.849
# (interval), 0.797 (ratio), from n = 40 pairable values.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]


@pytest.mark.parametrize(("level", "alpha"), [
    ("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)])
def test_krippendorff_2011_example(level, alpha):
    row = krippendorff_alpha(KRIPPENDORFF_2011, level).iloc[0]
    assert round(row["alpha"], 3) == alpha
    assert (row["level"], row["coders"], row["units"], row["values"]) == (level, 4, 11, 40)


def test_wikipedia_example_with_words_and_a_dataframe():
    # Wikipedia, "Krippendorff's alpha", computational example: 3 coders × 15 units,
    # nominal α = 0.691 (0.691358 in the krippendorff package's tests)
    data = [[None] * 5 + [3, 4, 1, 2, 1, 1, 3, 3, None, 3],
            [1, None, 2, 1, 3, 3, 4, 3] + [None] * 7,
            [None, None, 2, 1, 3, 4, 4, None, 2, 1, 1, 3, 3, None, 4]]
    assert krippendorff_alpha(data).loc[0, "alpha"] == pytest.approx(0.691358, abs=1e-6)
    words = {1: "budget", 2: "confiance", 3: "délais", 4: "information"}
    frame = pd.DataFrame(data, index=["A", "B", "C"]).map(
        lambda v: words[v] if pd.notna(v) else None)
    assert krippendorff_alpha(frame).loc[0, "alpha"] == pytest.approx(0.691358, abs=1e-6)
    with pytest.raises(InputError, match="interval reliability data must be numbers"):
        krippendorff_alpha(frame, "interval")


def test_krippendorff_input_errors():
    with pytest.raises(InputError, match="at least two coders"):
        krippendorff_alpha([[1, 2, 3]])
    with pytest.raises(InputError, match="no unit was coded by two coders"):
        krippendorff_alpha([[1, None], [None, 2]])
    with pytest.raises(InputError, match="coders \\(rows\\) × units"):
        krippendorff_alpha([[1, 2, 3], [1, 2]])
    with pytest.raises(ValueError, match="level"):
        krippendorff_alpha(KRIPPENDORFF_2011, "binary")
    assert np.isnan(krippendorff_alpha([[1, 1], [1, 1]]).loc[0, "alpha"])


# --------------------------------------------------------------------------- double coding

def segments(rows) -> pd.DataFrame:
    """(document, segment_id, code, coder) tuples → a segments table."""
    frame = pd.DataFrame(rows, columns=["document", "segment_id", "code", "coder"])
    frame[["speaker_role", "speaker", "text"]] = [None, None, "…"]
    return frame[list(SEGMENT_COLUMNS)]


def double_coding() -> pd.DataFrame:
    # Six segments coded by A and B, a seventh by A only (not part of the check).
    rows = []
    for number, (codes_a, codes_b) in enumerate([
            (["budget"], ["budget"]),
            (["confiance"], ["budget"]),
            (["budget", "confiance"], ["budget"]),
            (["confiance"], ["confiance"]),
            (["budget"], ["confiance"]),
            ([None], ["confiance"])], start=1):
        rows += [("E1", number, code, "A") for code in codes_a]
        rows += [("E1", number, code, "B") for code in codes_b]
    rows.append(("E2", 1, "budget", "A"))
    return segments(rows)


def test_coding_agreement_matches_the_coefficients_on_presence_absence():
    table = coding_agreement(double_coding()).set_index("code")
    assert table.index.tolist() == ["budget", "confiance", OVERALL]
    assert table["segments"].tolist() == [6, 6, 6]
    assert table.loc["budget", "applied"] == 4
    # budget present/absent per segment: A 1 0 1 0 1 0, B 1 1 1 0 0 0
    a, b = [1, 0, 1, 0, 1, 0], [1, 1, 1, 0, 0, 0]
    assert table.loc["budget", "kappa"] == pytest.approx(cohen_kappa(a, b).loc[0, "kappa"])
    assert table.loc["budget", "kappa"] == pytest.approx(1 / 3)
    assert table.loc["budget", "alpha"] == pytest.approx(
        krippendorff_alpha([a, b]).loc[0, "alpha"])
    assert table.loc["budget", "agreement"] == pytest.approx(4 / 6)
    # confiance: A 0 1 1 1 0 0, B 0 0 0 1 1 1 (segment 6: A coded it, with no code)
    c, d = [0, 1, 1, 1, 0, 0], [0, 0, 0, 1, 1, 1]
    assert table.loc["confiance", "kappa"] == pytest.approx(cohen_kappa(c, d).loc[0, "kappa"])
    assert table.loc["confiance", "agreement"] == pytest.approx(2 / 6)
    # overall: alpha over the 12 pooled decisions per coder, mean of the kappas
    assert table.loc[OVERALL, "alpha"] == pytest.approx(
        krippendorff_alpha([a + c, b + d]).loc[0, "alpha"])
    assert table.loc[OVERALL, "kappa"] == pytest.approx(
        table.loc[["budget", "confiance"], "kappa"].mean())
    assert table.loc[OVERALL, "agreement"] == pytest.approx(6 / 12)
    assert table.attrs["double_coded_segments"] == 6
    assert table.attrs["coders"] == ["A", "B"]


def test_three_coders_give_the_mean_pairwise_kappa():
    rows = []
    decisions = {"A": [1, 1, 0, 0, 1, 0], "B": [1, 0, 0, 0, 1, 1], "C": [1, 1, 0, 1, 1, 0]}
    for coder, marks in decisions.items():
        rows += [("E1", i, "budget" if mark else None, coder) for i, mark in enumerate(marks)]
    table = coding_agreement(segments(rows)).set_index("code")
    pairs = [("A", "B"), ("A", "C"), ("B", "C")]
    light = np.mean([cohen_kappa(decisions[x], decisions[y]).loc[0, "kappa"]
                     for x, y in pairs])
    assert table.loc["budget", "kappa"] == pytest.approx(light)
    assert table.loc["budget", "alpha"] == pytest.approx(
        krippendorff_alpha(list(decisions.values())).loc[0, "alpha"])


def test_double_coding_errors_say_what_is_missing():
    one_coder = segments([("E1", 1, "budget", "Alice"), ("E1", 2, "budget", "Alice")])
    with pytest.raises(InputError, match="double coding needs two coders; the file has "
                                         "only Alice"):
        coding_agreement(one_coder)
    no_overlap = segments([("E1", 1, "budget", "Alice"), ("E1", 2, "budget", "Bruno")])
    no_overlap.attrs["source"] = "codage.csv"
    with pytest.raises(InputError, match="codage.csv.*no segment is coded by two coders"):
        coding_agreement(no_overlap)
    with pytest.raises(InputError, match="no 'coder' column"):
        coding_agreement(one_coder.drop(columns="coder"))
    with pytest.raises(InputError, match="'coder' column is empty"):
        coding_agreement(one_coder.assign(coder=None))


def test_coder_using_one_category_leaves_the_test_undefined():
    # kappa = 0 (p_o = p_e = 0.5) but the variance under the null is 0: no z, no p-value
    row = cohen_kappa([0, 1], [0, 0]).iloc[0]
    assert row["kappa"] == 0
    assert np.isnan(row["p_value"])
