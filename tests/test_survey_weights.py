"""Survey weights: post-stratification, raking, Kish's design effect.

Reference values come from the worked example of Kalton and Flores-Cervantes (2003),
"Weighting methods", Journal of Official Statistics 19(2):81-97: 1,000 respondents cross-classified
by A (4 classes) and B (3 classes), a population of 1,500, and the adjustment factors that the
paper publishes for cell weighting and raking (two decimals). The counts were transcribed from
the paper by a public test suite (a GitHub file citing the paper); all 24 published factors
below follow from them, which confirms the transcription.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from civeval.errors import WeightingError
from civeval.survey.weights import design_effect, effective_sample_size, poststratify, rake

A_CLASSES = ["a1", "a2", "a3", "a4"]
B_CLASSES = ["b1", "b2", "b3"]
# Kalton & Flores-Cervantes (2003): respondents and population counts by A (rows), B (columns).
RESPONDENTS = np.array([[20, 40, 40], [50, 140, 310], [100, 50, 50], [30, 100, 70]])
POPULATION = np.array([[80, 40, 55], [60, 150, 340], [170, 60, 200], [55, 165, 125]])
# Adjustment factors published in the paper, same layout.
PUBLISHED_CELL_WEIGHTS = np.array([[4.00, 1.00, 1.38], [1.20, 1.07, 1.10],
                                   [1.70, 1.20, 4.00], [1.83, 1.65, 1.79]])
PUBLISHED_RAKING_WEIGHTS = np.array([[1.81, 1.45, 2.02], [1.08, 0.87, 1.21],
                                     [2.20, 1.76, 2.45], [1.83, 1.47, 2.04]])


def kalton_sample() -> pd.DataFrame:
    rows = [(a, b) for i, a in enumerate(A_CLASSES) for j, b in enumerate(B_CLASSES)
            for _ in range(RESPONDENTS[i, j])]
    return pd.DataFrame(rows, columns=["A", "B"])


def kalton_margins() -> dict:
    return {"A": dict(zip(A_CLASSES, POPULATION.sum(axis=1).tolist(), strict=True)),
            "B": dict(zip(B_CLASSES, POPULATION.sum(axis=0).tolist(), strict=True))}


def weight_table(data: pd.DataFrame, weights: pd.Series) -> np.ndarray:
    """The (single) weight of each A x B cell, laid out as the paper's tables."""
    per_cell = weights.groupby([data["A"], data["B"]])
    assert (per_cell.nunique() == 1).all()  # every respondent of a cell weighs the same
    return per_cell.first().unstack().loc[A_CLASSES, B_CLASSES].to_numpy()


# --- post-stratification ------------------------------------------------------------------


def test_cell_weighting_reproduces_kalton_flores_cervantes():
    data = kalton_sample()
    population = {(a, b): int(POPULATION[i, j])
                  for i, a in enumerate(A_CLASSES) for j, b in enumerate(B_CLASSES)}
    weights = poststratify(data, ["A", "B"], population)
    table = weight_table(data, weights)
    np.testing.assert_allclose(table, POPULATION / RESPONDENTS, rtol=1e-12)
    np.testing.assert_allclose(table, PUBLISHED_CELL_WEIGHTS, atol=0.005)
    assert weights.sum() == pytest.approx(1500)


def test_poststratify_gives_population_over_respondents_per_cell():
    data = pd.DataFrame({"district": ["nord", "nord", "sud", "sud", "sud", "est"]},
                        index=[10, 11, 12, 13, 14, 15])
    weights = poststratify(data, "district", {"nord": 300, "sud": 900, "est": 50})
    assert weights.index.tolist() == [10, 11, 12, 13, 14, 15]
    assert weights.name == "weight"
    assert weights.tolist() == [150.0, 150.0, 300.0, 300.0, 300.0, 50.0]


def test_poststratify_scales_initial_weights_within_each_cell():
    data = pd.DataFrame({"sex": ["F", "F", "M"], "w": [1.0, 3.0, 2.0]})
    weights = poststratify(data, "sex", {"F": 100, "M": 50}, weight="w")
    # w_i * N_c / sum of w in c: 1 * 100/4, 3 * 100/4, 2 * 50/2
    assert weights.tolist() == [25.0, 75.0, 50.0]


def test_poststratify_accepts_a_series_with_a_multiindex():
    data = pd.DataFrame({"sex": ["F", "M", "M"], "age": ["-30", "-30", "30+"]})
    population = pd.Series([40, 60, 100], index=pd.MultiIndex.from_tuples(
        [("F", "-30"), ("M", "-30"), ("M", "30+")]))
    assert poststratify(data, ["sex", "age"], population).tolist() == [40.0, 60.0, 100.0]


def test_poststratify_does_not_rely_on_a_unique_index():
    data = pd.DataFrame({"sex": ["M", "F", "F"], "w": [1.0, 1.0, 3.0]}, index=[7, 7, 7])
    weights = poststratify(data, "sex", {"F": 100, "M": 50}, weight="w")
    assert weights.tolist() == [50.0, 25.0, 75.0]
    assert rake(data, {"sex": {"F": 100, "M": 50}}, weight="w").tolist() == [50.0, 25.0, 75.0]


def test_poststratify_ignores_a_population_cell_of_size_zero():
    data = pd.DataFrame({"sex": ["F", "M"]})
    assert poststratify(data, "sex", {"F": 10, "M": 20, "X": 0}).tolist() == [10.0, 20.0]


def test_poststratify_rejects_a_cell_without_population_count():
    data = pd.DataFrame({"sex": ["F", "M", "M"], "age": ["-30", "-30", "30+"]})
    with pytest.raises(WeightingError) as error:
        poststratify(data, ["sex", "age"], {("F", "-30"): 40, ("M", "-30"): 60})
    assert error.value.message == (
        "post-stratum sex='M', age='30+' has 1 respondent(s) but no population count")
    assert error.value.column == "sex, age"


def test_poststratify_names_an_empty_cell():
    data = pd.DataFrame({"age": ["-30", "30-59", "-30"]})
    with pytest.raises(WeightingError) as error:
        poststratify(data, "age", {"-30": 400, "30-59": 500, "60+": 350})
    assert str(error.value) == (
        "column 'age': post-stratum age='60+' is empty: no respondent stands for its "
        "population of 350; merge it with a neighbouring post-stratum")


@pytest.mark.parametrize(("count", "message"), [
    (-5, "the population count of post-stratum age='30+' must be a number, zero or more, "
         "not -5"),
    (None, "the population count of post-stratum age='30+' must be a number, zero or more, "
           "not None"),
    ("beaucoup", "the population count of post-stratum age='30+' must be a number, zero or "
                 "more, not 'beaucoup'"),
    (0, "post-stratum age='30+' has 1 respondent(s) but a population count of 0"),
])
def test_poststratify_rejects_a_bad_population_count(count, message):
    data = pd.DataFrame({"age": ["-30", "30+"]})
    with pytest.raises(WeightingError) as error:
        poststratify(data, "age", {"-30": 400, "30+": count})
    assert error.value.message == message
    assert error.value.column == "age"


@pytest.mark.parametrize(("weights", "message"), [
    ([1.0, None, 2.0], "1 respondent(s) have no value (index 1); every respondent needs a weight"),
    ([1.0, 0.0, 2.0], "weights must be positive: 1 respondent(s) have a zero or negative "
                      "weight (index 1)"),
    ([-1.0, 2.0, -3.0], "weights must be positive: 2 respondent(s) have a zero or negative "
                        "weight (index 0, 2)"),
    (["1", "x", "2"], "weights must be numbers (index 1)"),
])
def test_poststratify_rejects_bad_initial_weights(weights, message):
    data = pd.DataFrame({"sex": ["F", "F", "M"], "w": weights})
    with pytest.raises(WeightingError) as error:
        poststratify(data, "sex", {"F": 10, "M": 10}, weight="w")
    assert error.value.message == message
    assert error.value.column == "w"


def test_poststratify_rejects_a_respondent_without_cell():
    data = pd.DataFrame({"sex": ["F", None, "M"]})
    with pytest.raises(WeightingError) as error:
        poststratify(data, "sex", {"F": 10, "M": 10})
    assert str(error.value) == ("column 'sex': 1 respondent(s) have no value (index 1); "
                                "post-strata need a value for every respondent")


def test_poststratify_rejects_an_unknown_column():
    with pytest.raises(WeightingError, match="no column 'sexe' in the data"):
        poststratify(pd.DataFrame({"sex": ["F"]}), "sexe", {"F": 1})


# --- raking -------------------------------------------------------------------------------


def test_raking_reproduces_kalton_flores_cervantes():
    data = kalton_sample()
    weights = rake(data, kalton_margins(), tol=1e-10)
    np.testing.assert_allclose(weight_table(data, weights), PUBLISHED_RAKING_WEIGHTS, atol=0.005)
    assert weights.attrs["converged"] is True
    assert weights.attrs["max_margin_gap"] <= 1e-10


def test_raking_reproduces_every_margin():
    data = kalton_sample()
    margins = kalton_margins()
    weights = rake(data, margins, tol=1e-12)
    for column, margin in margins.items():
        totals = weights.groupby(data[column]).sum()
        for category, count in margin.items():
            assert totals[category] == pytest.approx(count, rel=1e-8)


def test_raking_a_hand_computed_two_by_two_table():
    # Respondents: (r1,c1) 10, (r1,c2) 30, (r2,c1) 20, (r2,c2) 60: rows and columns are
    # independent, so raking converges in one iteration to w_ij = R_i C_j n / (r_i c_j N):
    # 60*50*120/(40*30*120) = 2.5, 60*70/(40*90) = 7/6, 60*50/(80*30) = 1.25, 60*70/(80*90) = 7/12.
    cells = {("r1", "c1"): 10, ("r1", "c2"): 30, ("r2", "c1"): 20, ("r2", "c2"): 60}
    data = pd.DataFrame([key for key, count in cells.items() for _ in range(count)],
                        columns=["row", "col"])
    weights = rake(data, {"row": {"r1": 60, "r2": 60}, "col": {"c1": 50, "c2": 70}})
    per_cell = weights.groupby([data["row"], data["col"]]).first()
    assert per_cell[("r1", "c1")] == pytest.approx(2.5, rel=1e-12)
    assert per_cell[("r1", "c2")] == pytest.approx(7 / 6, rel=1e-12)
    assert per_cell[("r2", "c1")] == pytest.approx(1.25, rel=1e-12)
    assert per_cell[("r2", "c2")] == pytest.approx(7 / 12, rel=1e-12)
    assert weights.attrs["iterations"] == 1


def test_raking_on_one_margin_is_post_stratification():
    data = kalton_sample()
    margin = kalton_margins()["A"]
    np.testing.assert_allclose(rake(data, {"A": margin}), poststratify(data, "A", margin))


def test_raking_does_not_depend_on_the_scale_of_initial_weights_nor_row_order():
    data = kalton_sample()
    data["w"] = np.resize([1.0, 2.0, 0.5], len(data))
    reference = rake(data, kalton_margins(), weight="w", tol=1e-12)
    rescaled = rake(data.assign(w=data["w"] * 37), kalton_margins(), weight="w", tol=1e-12)
    np.testing.assert_allclose(rescaled, reference, rtol=1e-9)
    shuffled = data.sample(frac=1, random_state=3)
    permuted = rake(shuffled, kalton_margins(), weight="w", tol=1e-12)
    np.testing.assert_allclose(permuted.loc[reference.index], reference, rtol=1e-9)


def test_raking_with_bounds_keeps_weights_within_them_and_fits_the_margins():
    data = kalton_sample()
    weights = rake(data, kalton_margins(), bounds=(0.6, 1.5), max_iter=500, tol=1e-8)
    mean_weight = 1500 / 1000
    assert weights.min() >= 0.6 * mean_weight - 1e-12
    assert weights.max() <= 1.5 * mean_weight + 1e-12
    assert weights.max() == pytest.approx(1.5 * mean_weight)  # the cap was needed: 2.45 > 2.25
    for column, margin in kalton_margins().items():
        totals = weights.groupby(data[column]).sum()
        assert totals.to_dict() == pytest.approx(margin, rel=1e-7)


def test_raking_with_incompatible_bounds_does_not_converge():
    with pytest.raises(WeightingError) as error:
        rake(kalton_sample(), kalton_margins(), bounds=(0.9, 1.1), max_iter=50)
    assert error.value.message.startswith("raking did not converge after 50 iterations")
    assert error.value.message.endswith("compatible with the sample and the bounds, "
                                        "or merge sparse categories")


def test_raking_reports_non_convergence_with_the_gap_left():
    # A and B are identical in the sample, so no weights give A 50/50 and B 30/70:
    # each iteration ends on B's margin, leaving A at 30/70, a relative gap of 20/50 = 0.4.
    data = pd.DataFrame({"A": [1, 1, 2, 2], "B": [1, 1, 2, 2]})
    with pytest.raises(WeightingError) as error:
        rake(data, {"A": {1: 50, 2: 50}, "B": {1: 30, 2: 70}}, max_iter=20)
    assert str(error.value) == (
        "column 'A': raking did not converge after 20 iterations: the weighted margin still "
        "differs from the population by 0.4 (relative gap; tolerance 1e-06). Check that the "
        "margins are compatible with the sample, or merge sparse categories")


def test_raking_rejects_margins_with_different_totals():
    data = pd.DataFrame({"sex": ["F", "M"], "age": ["-30", "30+"]})
    with pytest.raises(WeightingError) as error:
        rake(data, {"sex": {"F": 520, "M": 480}, "age": {"-30": 400, "30+": 610}})
    assert error.value.message == (
        "the margins do not add up to the same population total: 'sex' sums to 1000, "
        "'age' sums to 1010; raking needs one population total")


def test_raking_tolerates_rounding_in_margin_totals():
    data = pd.DataFrame({"sex": ["F", "F", "M", "M"], "age": ["-30", "30+", "-30", "30+"]})
    weights = rake(data, {"sex": {"F": 520, "M": 480}, "age": {"-30": 400, "30+": 600.0001}})
    assert weights.sum() == pytest.approx(1000, rel=1e-6)


def test_raking_rejects_a_category_missing_from_the_margin():
    data = pd.DataFrame({"pcs": ["cadres", "ouvriers", "retraités"]})
    with pytest.raises(WeightingError) as error:
        rake(data, {"pcs": {"cadres": 10, "ouvriers": 20}})
    assert str(error.value) == (
        "column 'pcs': category 'retraités' occurs in the data but not in the margin; "
        "add a population count or recode the respondents")
    with pytest.raises(WeightingError) as error:
        rake(data, {"pcs": {"cadres": 10}})
    assert error.value.message == (
        "categories 'ouvriers', 'retraités' occur in the data but not in the margin; "
        "add a population count or recode the respondents")


def test_raking_names_an_empty_margin_category():
    data = pd.DataFrame({"age": ["-30", "30-59"], "sex": ["F", "M"]})
    with pytest.raises(WeightingError) as error:
        rake(data, {"sex": {"F": 50, "M": 50}, "age": {"-30": 30, "30-59": 40, "60+": 30}})
    assert str(error.value) == (
        "column 'age': category '60+' of the margin is empty: no respondent stands for its "
        "population of 30; merge it with a neighbouring category")


@pytest.mark.parametrize(("count", "message"), [
    (float("nan"), "the population count of category 'M' must be a number, zero or more, "
                   "not nan"),
    (0, "category 'M' has 1 respondent(s) but a population count of 0"),
])
def test_raking_rejects_a_bad_margin_count(count, message):
    data = pd.DataFrame({"sex": ["F", "M"]})
    with pytest.raises(WeightingError) as error:
        rake(data, {"sex": {"F": 50, "M": count}})
    assert error.value.message == message


def test_raking_accepts_an_empty_category_of_population_zero():
    data = pd.DataFrame({"sex": pd.Categorical(["F", "M", "M"], categories=["F", "M", "X"])})
    weights = rake(data, {"sex": {"F": 50, "M": 50, "X": 0}})
    assert weights.tolist() == [50.0, 25.0, 25.0]


def test_raking_rejects_missing_values_in_a_raking_column():
    data = pd.DataFrame({"sex": ["F", None, "M", None]}, index=["r1", "r2", "r3", "r4"])
    with pytest.raises(WeightingError) as error:
        rake(data, {"sex": {"F": 50, "M": 50}})
    assert str(error.value) == ("column 'sex': 2 respondent(s) have no value (index r2, r4); "
                                "raking needs a category for every respondent")


def test_raking_rejects_a_zero_initial_weight():
    data = pd.DataFrame({"sex": ["F", "M"], "w": [1.0, 0.0]})
    with pytest.raises(WeightingError, match=r"weights must be positive"):
        rake(data, {"sex": {"F": 50, "M": 50}}, weight="w")


@pytest.mark.parametrize("bounds", [(1.2, 3.0), (0.5, 0.9), (-0.1, 2.0)])
def test_raking_rejects_bounds_that_exclude_the_mean_weight(bounds):
    with pytest.raises(ValueError, match="bounds must satisfy 0 <= low <= 1 <= high"):
        rake(kalton_sample(), kalton_margins(), bounds=bounds)


# --- Kish -------------------------------------------------------------------------------


def test_equal_weights_cost_nothing():
    assert design_effect([2.5] * 8) == pytest.approx(1.0)
    assert effective_sample_size([2.5] * 8) == pytest.approx(8.0)


def test_kish_design_effect_and_effective_sample_size_by_hand():
    # n = 4, sum w = 10, sum w^2 = 1 + 4 + 9 + 16 = 30: deff = 4 * 30 / 100, n_eff = 100 / 30.
    weights = pd.Series([1.0, 2.0, 3.0, 4.0], name="w")
    assert design_effect(weights) == pytest.approx(1.2)
    assert effective_sample_size(weights) == pytest.approx(100 / 30)
    assert design_effect(weights) * effective_sample_size(weights) == pytest.approx(4)


def test_kish_of_the_kalton_raking_weights_equals_one_plus_squared_cv():
    weights = rake(kalton_sample(), kalton_margins())
    cv = weights.std(ddof=0) / weights.mean()
    assert design_effect(weights) == pytest.approx(1 + cv ** 2)


@pytest.mark.parametrize(("weights", "message"), [
    ([1.0, -2.0], "weights must not be negative"),
    ([1.0, None], "weights must be numbers, with none missing"),
    ([0.0, 0.0], "at least one weight must be positive"),
])
def test_kish_rejects_bad_weights(weights, message):
    with pytest.raises(WeightingError) as error:
        design_effect(pd.Series(weights, name="poids"))
    assert error.value.message == message
    assert error.value.column == "poids"
