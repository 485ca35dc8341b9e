"""Design-based means and proportions, checked against R's survey package and closed forms.

Reference values:
- R ``survey``'s ``fpc`` data set and the results in its documentation:
  ``svymean(~x, svydesign(ids=~psuid, strata=~stratid, weights=~weight, data=fpc, nest=TRUE))``
  is 5.4481 with SE 0.7413, and 0.616 with ``fpc=~Nh``.
- Wilson's score interval from its closed form (Wilson 1927), as R's
  ``binom::binom.confint(method="wilson")``.
- Where R's output is not published, values from samplics 0.6.1's ``TaylorEstimator`` (an
  independent implementation, run once by hand; it is not a dependency) or hand derivations.
"""

from __future__ import annotations

import math
import statistics

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from civeval.errors import WeightingError
from civeval.survey.estimates import estimate_mean, estimate_proportion

DESIGN = {"weight": "weight", "strata": "stratid", "psu": "psuid"}
Z95 = stats.norm.ppf(0.975)


@pytest.fixture
def fpc() -> pd.DataFrame:
    """R survey's ``fpc`` data set."""
    return pd.DataFrame({
        "stratid": [1, 1, 1, 1, 1, 2, 2, 2],
        "psuid": [1, 2, 3, 4, 5, 1, 2, 3],
        "weight": [3, 3, 3, 3, 3, 4, 4, 4],
        "Nh": [15, 15, 15, 15, 15, 12, 12, 12],
        "x": [2.8, 4.1, 6.8, 6.8, 9.2, 3.7, 6.6, 4.2],
    })


def expit(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def wilson(count: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson (1927) score interval, closed form."""
    z = stats.norm.ppf(0.5 + level / 2)
    p = count / n
    centre = (p + z ** 2 / (2 * n)) / (1 + z ** 2 / n)
    half = z / (1 + z ** 2 / n) * math.sqrt(p * (1 - p) / n + z ** 2 / (4 * n ** 2))
    return centre - half, centre + half


# --- means --------------------------------------------------------------------------------


def test_mean_matches_r_survey_without_fpc(fpc):
    result = estimate_mean(fpc, "x", **DESIGN)
    assert list(result.columns) == ["estimate", "se", "ci_low", "ci_high", "n"]
    row = result.iloc[0]
    assert row["estimate"] == pytest.approx(5.4481, abs=5e-5)
    assert row["se"] == pytest.approx(0.7413, abs=5e-5)
    assert row["n"] == 8
    # confint(svymean(...)) uses the normal quantile
    assert row["ci_low"] == pytest.approx(row["estimate"] - Z95 * row["se"], rel=1e-12)
    assert row["ci_high"] == pytest.approx(row["estimate"] + Z95 * row["se"], rel=1e-12)


def test_mean_matches_r_survey_with_population_sizes_as_fpc(fpc):
    row = estimate_mean(fpc, "x", **DESIGN, fpc="Nh").iloc[0]
    assert row["estimate"] == pytest.approx(5.4481, abs=5e-5)
    assert row["se"] == pytest.approx(0.6160, abs=5e-5)


def test_fpc_given_as_sampling_fractions_is_the_same_design(fpc):
    fpc["fraction"] = np.where(fpc["stratid"] == 1, 5 / 15, 3 / 12)
    with_sizes = estimate_mean(fpc, "x", **DESIGN, fpc="Nh")
    with_fractions = estimate_mean(fpc, "x", **DESIGN, fpc="fraction")
    pd.testing.assert_frame_equal(with_fractions, with_sizes)


def test_unweighted_simple_random_sample_se_is_s_over_root_n():
    values = [3.0, 7.0, 1.0, 4.0, 4.0, 9.0, 2.5]
    row = estimate_mean(pd.DataFrame({"score": values}), "score").iloc[0]
    assert row["estimate"] == pytest.approx(statistics.mean(values))
    assert row["se"] == pytest.approx(statistics.stdev(values) / math.sqrt(len(values)))
    assert row["n"] == 7


def test_constant_weights_do_not_change_a_simple_random_sample():
    data = pd.DataFrame({"score": [3.0, 7.0, 1.0, 4.0], "w": [12.5] * 4})
    pd.testing.assert_frame_equal(estimate_mean(data, "score", weight="w"),
                                  estimate_mean(data, "score"))


def test_missing_answer_is_a_domain_by_hand():
    # y = 1, 2, 3 and one missing: the mean is 2; the scores z_i = (y_i - 2)/3 are
    # -1/3, 0, 1/3 and 0 for the missing one, which stays in the design (n = 4):
    # V = 4/3 * 2/9 = 8/27. Dropping the row would give s/sqrt(3) = 1/sqrt(3) instead.
    data = pd.DataFrame({"y": [1.0, 2.0, 3.0, None]})
    row = estimate_mean(data, "y").iloc[0]
    assert row["estimate"] == pytest.approx(2.0)
    assert row["se"] == pytest.approx(math.sqrt(8 / 27))
    assert row["n"] == 3
    dropped = estimate_mean(data.dropna(), "y").iloc[0]
    assert dropped["se"] == pytest.approx(1 / math.sqrt(3))


def test_missing_answer_keeps_the_full_stratified_design(fpc):
    fpc.loc[2, "x"] = np.nan
    kept = estimate_mean(fpc, "x", **DESIGN).iloc[0]
    dropped = estimate_mean(fpc.dropna(), "x", **DESIGN).iloc[0]
    assert kept["estimate"] == pytest.approx(dropped["estimate"], rel=1e-12)
    assert kept["n"] == dropped["n"] == 7
    # samplics 0.6.1: the observed rows as a domain of the full design vs rows dropped
    assert kept["se"] == pytest.approx(0.8249140, abs=1e-6)
    assert dropped["se"] == pytest.approx(0.8421306, abs=1e-6)


def test_domains_that_are_strata_reduce_to_within_stratum_means(fpc):
    # With constant weights within a stratum, a stratum domain is a simple random sample of
    # its PSUs: se = s_h / sqrt(n_h), times sqrt(1 - n_h/N_h) with the fpc (R's svyby).
    result = estimate_mean(fpc, "x", **DESIGN, by="stratid")
    with_fpc = estimate_mean(fpc, "x", **DESIGN, fpc="Nh", by="stratid")
    assert result["stratid"].tolist() == [1, 2]
    for h, population in [(1, 15), (2, 12)]:
        values = fpc.loc[fpc["stratid"] == h, "x"].tolist()
        row = result.set_index("stratid").loc[h]
        se = statistics.stdev(values) / math.sqrt(len(values))
        assert row["estimate"] == pytest.approx(statistics.mean(values))
        assert row["se"] == pytest.approx(se)
        assert row["n"] == len(values)
        corrected = with_fpc.set_index("stratid").loc[h, "se"]
        assert corrected == pytest.approx(se * math.sqrt(1 - len(values) / population))


def test_domains_across_strata_match_samplics(fpc):
    fpc["high"] = np.where(fpc["x"] > 4, "yes", "no")
    result = estimate_mean(fpc, "x", **DESIGN, by="high").set_index("high")
    assert result.loc["no", "estimate"] == pytest.approx((3 * 2.8 + 4 * 3.7) / 7)
    assert result.loc["no", "se"] == pytest.approx(0.3117042, abs=1e-6)
    assert result.loc["yes", "estimate"] == pytest.approx(6.195)
    assert result.loc["yes", "se"] == pytest.approx(0.7555129, abs=1e-6)
    assert result["n"].to_dict() == {"no": 2, "yes": 6}


def test_several_by_columns_and_respondents_outside_every_domain():
    data = pd.DataFrame({"district": ["nord", "nord", "sud", "sud", None, "nord"],
                         "sex": ["F", "F", "F", "M", "F", "M"],
                         "score": [1.0, 3.0, 5.0, 7.0, 100.0, 2.0]})
    result = estimate_mean(data, "score", by=["district", "sex"])
    assert list(result.columns) == ["district", "sex", "estimate", "se", "ci_low", "ci_high",
                                    "n"]
    assert result[["district", "sex"]].values.tolist() == [
        ["nord", "F"], ["nord", "M"], ["sud", "F"], ["sud", "M"]]
    assert result["estimate"].tolist() == [2.0, 2.0, 5.0, 7.0]
    assert result["n"].tolist() == [2, 1, 1, 1]


def test_a_domain_where_nobody_answered_has_no_estimate():
    data = pd.DataFrame({"group": ["a", "a", "b"], "score": [1.0, 2.0, None]})
    row = estimate_mean(data, "score", by="group").set_index("group").loc["b"]
    assert row["n"] == 0
    assert np.isnan(row["estimate"]) and np.isnan(row["se"])


def test_zero_weights_are_allowed():
    data = pd.DataFrame({"score": [1.0, 2.0, 3.0, 50.0], "w": [1.0, 1.0, 1.0, 0.0]})
    assert estimate_mean(data, "score", weight="w").iloc[0]["estimate"] == pytest.approx(2.0)


def test_level_changes_the_quantile(fpc):
    row = estimate_mean(fpc, "x", **DESIGN, level=0.90).iloc[0]
    assert row["ci_high"] - row["estimate"] == pytest.approx(stats.norm.ppf(0.95) * row["se"])


# --- proportions --------------------------------------------------------------------------


def test_simple_random_proportion_has_a_wilson_interval():
    data = pd.DataFrame({"heard": ["yes"] * 7 + ["no"] * 13})
    result = estimate_proportion(data, "heard")
    assert list(result.columns) == ["category", "estimate", "se", "ci_low", "ci_high", "n"]
    assert result["category"].tolist() == ["no", "yes"]
    row = result.set_index("category").loc["yes"]
    assert row["estimate"] == pytest.approx(0.35)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(wilson(7, 20), abs=1e-10)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((0.1812, 0.5671), abs=5e-5)
    # se is the design-based one: s/sqrt(n) of the 0/1 indicator
    assert row["se"] == pytest.approx(math.sqrt(0.35 * 0.65 / 19))
    assert row["n"] == 20


def test_wilson_interval_follows_the_level():
    data = pd.DataFrame({"heard": ["yes"] * 7 + ["no"] * 13})
    row = estimate_proportion(data, "heard", category="yes", level=0.90).iloc[0]
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(wilson(7, 20, 0.90), abs=1e-10)


def test_design_proportion_has_r_svyciprop_logit_interval(fpc):
    fpc["above_5"] = fpc["x"] > 5
    row = estimate_proportion(fpc, "above_5", category=True, **DESIGN).iloc[0]
    p = (3 * 3 + 4) / 27  # weights of 6.8, 6.8, 9.2 (stratum 1) and 6.6 (stratum 2)
    assert row["estimate"] == pytest.approx(p)
    assert row["se"] == pytest.approx(0.2011626, abs=1e-6)  # samplics 0.6.1
    # svyciprop(method="logit"): expit(logit p -/+ t(df) se / (p (1 - p))), df = 8 PSUs - 2
    half = stats.t.ppf(0.975, 6) * row["se"] / (p * (1 - p))
    logit = math.log(p / (1 - p))
    assert row["ci_low"] == pytest.approx(expit(logit - half), rel=1e-10)
    assert row["ci_high"] == pytest.approx(expit(logit + half), rel=1e-10)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((0.114485, 0.869609), abs=1e-6)


def test_logit_interval_uses_the_domain_degrees_of_freedom(fpc):
    fpc["above_5"] = fpc["x"] > 5
    result = estimate_proportion(fpc, "above_5", category=True, **DESIGN, by="stratid")
    row = result.set_index("stratid").loc[2]
    # stratum 2: one of three PSUs above 5, equal weights: p = 1/3, se^2 = p(1-p)/(n-1) = 1/9
    assert row["estimate"] == pytest.approx(1 / 3)
    assert row["se"] == pytest.approx(1 / 3)
    half = stats.t.ppf(0.975, 2) * (1 / 3) / (2 / 9)  # df = 3 PSUs - 1 stratum
    assert row["ci_low"] == pytest.approx(expit(math.log(0.5) - half), rel=1e-10)
    assert row["ci_high"] == pytest.approx(expit(math.log(0.5) + half), rel=1e-10)


def test_wald_interval_is_the_normal_one(fpc):
    fpc["above_5"] = fpc["x"] > 5
    row = estimate_proportion(fpc, "above_5", category=True, **DESIGN, method="wald").iloc[0]
    assert row["ci_low"] == pytest.approx(row["estimate"] - Z95 * row["se"])
    assert row["ci_high"] == pytest.approx(row["estimate"] + Z95 * row["se"])


def test_proportion_is_the_mean_of_the_indicator(fpc):
    fpc["above_5"] = (fpc["x"] > 5).astype(float)
    fpc.loc[0, "above_5"] = np.nan
    mean = estimate_mean(fpc, "above_5", **DESIGN, fpc="Nh").iloc[0]
    share = estimate_proportion(fpc, "above_5", category=1.0, **DESIGN, fpc="Nh").iloc[0]
    assert share["estimate"] == pytest.approx(mean["estimate"])
    assert share["se"] == pytest.approx(mean["se"])
    assert share["n"] == mean["n"] == 7


def test_shares_of_all_categories_add_up_to_one_in_each_domain():
    data = pd.DataFrame({
        "district": ["nord"] * 5 + ["sud"] * 4,
        "opinion": pd.Categorical(["good", "bad", "good", None, "fair", "bad", "bad", "good",
                                   "good"], categories=["bad", "fair", "good", "very good"]),
        "w": [1.0, 2.0, 1.5, 1.0, 0.5, 1.0, 2.0, 1.0, 1.0],
    })
    result = estimate_proportion(data, "opinion", weight="w", by="district")
    assert result["category"].tolist() == ["bad", "fair", "good", "very good"] * 2
    assert result.groupby("district")["estimate"].sum().tolist() == pytest.approx([1.0, 1.0])
    nord = result[result["district"] == "nord"].set_index("category")
    assert nord.loc["bad", "estimate"] == pytest.approx(2.0 / 5.0)
    assert nord["n"].unique().tolist() == [4]
    # a category nobody chose: 0, and its interval collapses to 0
    assert nord.loc["very good", ["estimate", "se", "ci_low", "ci_high"]].tolist() == [0] * 4


def test_unchosen_category_in_a_simple_random_sample_gets_a_wilson_upper_bound():
    data = pd.DataFrame({"opinion": pd.Categorical(["good"] * 10, categories=["bad", "good"])})
    row = estimate_proportion(data, "opinion", category="bad").iloc[0]
    assert row["estimate"] == 0
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(wilson(0, 10), abs=1e-10)


# --- errors -------------------------------------------------------------------------------


def test_single_psu_stratum_is_refused(fpc):
    fpc.loc[5:, "stratid"] = [2, 3, 3]
    with pytest.raises(WeightingError) as error:
        estimate_mean(fpc, "x", **DESIGN)
    assert str(error.value) == ("column 'stratid': stratum 2 has a single PSU, so its variance "
                                "cannot be estimated; merge it with a similar stratum")


def test_fully_sampled_single_psu_stratum_is_accepted(fpc):
    # a certainty stratum (f_h = 1) contributes no variance, as in R
    fpc.loc[5:, "stratid"] = [2, 3, 3]
    fpc["Nh"] = [15, 15, 15, 15, 15, 1, 12, 12]
    assert estimate_mean(fpc, "x", **DESIGN, fpc="Nh").iloc[0]["se"] > 0


def test_fpc_must_be_constant_within_a_stratum(fpc):
    fpc.loc[7, "Nh"] = 13
    with pytest.raises(WeightingError) as error:
        estimate_mean(fpc, "x", **DESIGN, fpc="Nh")
    assert str(error.value) == ("column 'Nh': the finite-population correction must be the "
                                "same for a whole stratum; it varies in stratum 2")


def test_fpc_population_smaller_than_the_sample_is_refused(fpc):
    fpc["Nh"] = [15, 15, 15, 15, 15, 2, 2, 2]
    with pytest.raises(WeightingError) as error:
        estimate_mean(fpc, "x", **DESIGN, fpc="Nh")
    assert error.value.message == "stratum 2: 3 PSUs were sampled from a population of 2"


def test_fpc_mixing_fractions_and_sizes_is_refused(fpc):
    fpc["Nh"] = [15, 15, 15, 15, 15, 0.25, 0.25, 0.25]
    with pytest.raises(WeightingError, match="mixes sampling fractions"):
        estimate_mean(fpc, "x", **DESIGN, fpc="Nh")


def test_missing_design_values_are_refused(fpc):
    fpc["stratid"] = fpc["stratid"].astype(float)
    fpc.loc[3, "stratid"] = np.nan
    with pytest.raises(WeightingError) as error:
        estimate_mean(fpc, "x", **DESIGN)
    assert str(error.value) == ("column 'stratid': 1 respondent(s) have no value (index 3); "
                                "every respondent needs a stratum")


def test_missing_or_negative_weights_are_refused(fpc):
    fpc["weight"] = fpc["weight"].astype(float)
    fpc.loc[1, "weight"] = np.nan
    with pytest.raises(WeightingError) as error:
        estimate_mean(fpc, "x", **DESIGN)
    assert error.value.message == "1 respondent(s) have no usable weight (index 1)"
    fpc.loc[1, "weight"] = -3
    with pytest.raises(WeightingError, match=r"weights must not be negative \(index 1\)"):
        estimate_mean(fpc, "x", **DESIGN)


def test_mean_of_text_is_refused():
    data = pd.DataFrame({"opinion": ["good", "bad"]})
    with pytest.raises(WeightingError) as error:
        estimate_mean(data, "opinion")
    assert error.value.column == "opinion"
    assert "use estimate_proportion for categories" in error.value.message


def test_unknown_category_is_refused():
    data = pd.DataFrame({"heard": ["Oui", "Non", "Oui"]})
    with pytest.raises(WeightingError) as error:
        estimate_proportion(data, "heard", category="oui")
    assert str(error.value) == ("column 'heard': category 'oui' does not occur "
                                "(values: 'Non', 'Oui')")


def test_unknown_column_is_refused(fpc):
    with pytest.raises(WeightingError, match="no column 'poids' in the data"):
        estimate_mean(fpc, "x", weight="poids")


def test_wilson_needs_a_simple_random_sample(fpc):
    fpc["above_5"] = fpc["x"] > 5
    with pytest.raises(ValueError, match="method='wilson' assumes a simple random sample"):
        estimate_proportion(fpc, "above_5", weight="weight", method="wilson")


@pytest.mark.parametrize("level", [0, 1, 95])
def test_level_must_be_a_probability(fpc, level):
    with pytest.raises(ValueError, match="level must be between 0 and 1"):
        estimate_mean(fpc, "x", level=level)
