"""Cross-tables, tests of association, paired tests, reliability and the ordinal model,
checked against published reference values (source given with each)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels
from scipy import stats

from civeval.errors import InputError, WeightingError
from civeval.survey.compare import chi2_independence, compare_groups, crosstab, pre_post
from civeval.survey.models import ordinal_model
from civeval.survey.reliability import cronbach_alpha

# Agresti (2007), An Introduction to Categorical Data Analysis, 2nd ed., Table 2.5:
# party identification by gender, General Social Survey 2000.
GSS_2000 = {("female", "Democrat"): 762, ("female", "Independent"): 327,
            ("female", "Republican"): 468, ("male", "Democrat"): 484,
            ("male", "Independent"): 239, ("male", "Republican"): 477}


def expand(cells: dict, names=("gender", "party")) -> pd.DataFrame:
    """One row per person from a table of counts."""
    return pd.DataFrame([key for key, count in cells.items() for _ in range(count)],
                        columns=list(names))


@pytest.fixture
def gss() -> pd.DataFrame:
    return expand(GSS_2000)


# --------------------------------------------------------------------------- chi-square

def test_pearson_and_likelihood_ratio_match_agresti(gss):
    result = chi2_independence(gss, "gender", "party").iloc[0]
    # Agresti (2007), §2.4.3-2.4.4: X² = 30.07, G² = 30.02, df = 2, P < 0.001
    assert round(result["statistic"], 2) == 30.07
    assert round(result["likelihood_ratio"], 2) == 30.02
    assert result["dof"] == 2
    assert result["p_value"] < 0.001
    assert result["test"] == "pearson"
    assert result["label"] == "test du khi-deux de Pearson"
    assert result["n"] == 2757
    assert np.isnan(result["design_effect"])


def test_cramers_v_matches_scipy(gss):
    table = np.array([[762, 327, 468], [484, 239, 477]])
    expected = stats.contingency.association(table, method="cramer")
    assert chi2_independence(gss, "gender", "party")["cramers_v"].iloc[0] == pytest.approx(
        expected)


def test_adjusted_residuals_match_agresti(gss):
    table = crosstab(gss, "gender", "party").set_index(["gender", "party"])
    residuals = table["adjusted_residual"].round(2)
    # Agresti (2007), §2.4.5: adjusted residuals 4.50, 0.70, -5.32 for females
    assert residuals[("female", "Democrat")] == 4.50
    assert residuals[("female", "Independent")] == 0.70
    assert residuals[("female", "Republican")] == -5.32
    assert residuals[("male", "Democrat")] == -4.50


def test_crosstab_percentages_add_up_and_counts_round_trip(gss):
    table = crosstab(gss, "gender", "party")
    assert table["count"].sum() == len(gss)
    assert (table["n"] == table["count"]).all()
    assert table.groupby("gender", observed=True)["row_percent"].sum().tolist() == \
        pytest.approx([1, 1])
    assert table.groupby("party", observed=True)["column_percent"].sum().tolist() == \
        pytest.approx([1, 1, 1])
    assert table["total_percent"].sum() == pytest.approx(1)
    assert table.set_index(["gender", "party"]).loc[("male", "Republican"), "n"] == 477


def test_crosstab_keeps_empty_levels_of_a_segment():
    levels = ["jamais", "parfois", "souvent"]
    answers = pd.DataFrame({
        "quartier": ["Nord"] * 4 + ["Sud"] * 4,
        "frequence": pd.Categorical(["jamais", "parfois"] * 2 + ["souvent"] * 4,
                                    categories=levels, ordered=True),
        "age": pd.Categorical(["18-29"] * 8, categories=["18-29", "30-59", "60+"]),
    })
    north = crosstab(answers[answers["quartier"] == "Nord"], "age", "frequence")
    south = crosstab(answers[answers["quartier"] == "Sud"], "age", "frequence")
    # both segments give the same 3 × 3 cells, in category order
    assert north[["age", "frequence"]].equals(south[["age", "frequence"]])
    assert north["frequence"].tolist() == levels * 3
    cell = north.set_index(["age", "frequence"])
    assert cell.loc[("18-29", "souvent"), "n"] == 0
    assert cell.loc[("18-29", "souvent"), "row_percent"] == 0
    assert np.isnan(cell.loc[("60+", "jamais"), "row_percent"])  # nobody aged 60+
    # a single answered row: residuals are undefined, not an error
    assert north["adjusted_residual"].isna().all()


def test_crosstab_weighted_counts_are_sums_of_weights_and_missing_are_counted():
    answers = pd.DataFrame({"sexe": ["F", "F", "H", None, "H"],
                            "avis": ["oui", "non", "oui", "oui", None],
                            "poids": [1.5, 0.5, 2.0, 1.0, 1.0]})
    table = crosstab(answers, "sexe", "avis", weight="poids").set_index(["sexe", "avis"])
    assert table.loc[("F", "oui"), "count"] == 1.5
    assert table.loc[("F", "oui"), "n"] == 1
    assert table.loc[("F", "oui"), "row_percent"] == 0.75
    assert table.attrs["n_missing"] == 2


# --------------------------------------------------------------------------- Rao–Scott

def test_rao_scott_with_unit_weights_is_pearson_times_n_minus_1_over_n(gss):
    n = len(gss)
    pearson = chi2_independence(gss, "gender", "party").iloc[0]
    gss["poids"] = 1.0
    corrected = chi2_independence(gss, "gender", "party", weight="poids").iloc[0]
    assert corrected["test"] == "rao_scott"
    assert corrected["design_effect"] == pytest.approx(n / (n - 1), rel=1e-12)
    assert corrected["statistic"] == pytest.approx(pearson["statistic"] * (n - 1) / n,
                                                   rel=1e-12)
    assert corrected["likelihood_ratio"] == pytest.approx(
        pearson["likelihood_ratio"] * (n - 1) / n, rel=1e-12)
    assert corrected["cramers_v"] == pytest.approx(pearson["cramers_v"])


def test_rao_scott_with_constant_weights_equals_unit_weights(gss):
    gss["un"], gss["trois"] = 1.0, 3
    unit = chi2_independence(gss, "gender", "party", weight="un")
    three = chi2_independence(gss, "gender", "party", weight="trois")
    pd.testing.assert_frame_equal(unit, three, rtol=1e-12)


def test_rao_scott_design_effect_computed_person_by_person():
    # A small table worked by the definitions, one person at a time.
    answers = pd.DataFrame({"a": list("xxxyyyyx"), "b": list("uvuvuvvv"),
                            "w": [1.0, 2.0, 1.0, 3.0, 1.0, 2.0, 1.0, 4.0]})
    n, w = len(answers), answers["w"].to_numpy()

    def deff(member: np.ndarray) -> float:
        p = w[member].sum() / w.sum()
        z = w * (member - p) / w.sum()
        return (n / (n - 1) * (z ** 2).sum()) / (p * (1 - p) / n), p

    trace = 0.0
    for a in "xy":
        for b in "uv":
            d, p = deff(((answers["a"] == a) & (answers["b"] == b)).to_numpy())
            trace += (1 - p) * d
    for column, levels in (("a", "xy"), ("b", "uv")):
        for level in levels:
            d, p = deff((answers[column] == level).to_numpy())
            trace -= (1 - p) * d
    expected_deff = trace / 1  # (2 - 1)(2 - 1) degrees of freedom

    shares = answers.groupby(["a", "b"])["w"].sum().unstack() / w.sum()
    pearson = stats.chi2_contingency(n * shares.to_numpy(), correction=False).statistic
    result = chi2_independence(answers, "a", "b", weight="w").iloc[0]
    assert result["design_effect"] == pytest.approx(expected_deff)
    assert result["statistic"] == pytest.approx(pearson / expected_deff)
    assert result["p_value"] == pytest.approx(stats.chi2.sf(pearson / expected_deff, 1))


def test_rao_scott_design_effect_is_near_kish_for_weights_unrelated_to_answers(gss):
    # Kish (1965): unequal weights unrelated to the answers inflate variances by
    # 1 + CV²(w) = n Σw² / (Σw)²; here times n/(n-1) as documented.
    weights = np.random.default_rng(7).gamma(2.0, 1.0, len(gss))
    gss["poids"] = weights
    n = len(gss)
    kish = n * (weights ** 2).sum() / weights.sum() ** 2 * n / (n - 1)
    result = chi2_independence(gss, "gender", "party", weight="poids").iloc[0]
    assert result["design_effect"] == pytest.approx(kish, rel=0.05)
    assert result["statistic"] < chi2_independence(gss, "gender", "party")["statistic"][0]


def test_weighted_adjusted_residuals_are_divided_by_the_root_design_effect(gss):
    gss["poids"] = 2.0
    n = len(gss)
    unweighted = crosstab(gss, "gender", "party")["adjusted_residual"]
    weighted = crosstab(gss, "gender", "party", weight="poids")["adjusted_residual"]
    assert weighted.to_numpy() == pytest.approx(unweighted.to_numpy() * np.sqrt((n - 1) / n))


def test_chi2_leaves_empty_levels_out_of_the_test(gss):
    gss["party"] = pd.Categorical(gss["party"], categories=["Democrat", "Green",
                                                             "Independent", "Republican"])
    result = chi2_independence(gss, "gender", "party").iloc[0]
    assert result["dof"] == 2
    assert round(result["statistic"], 2) == 30.07


def test_chi2_needs_two_answered_categories():
    answers = pd.DataFrame({"sexe": ["F", "F", "H"], "avis": ["oui"] * 3})
    with pytest.raises(InputError) as error:
        chi2_independence(answers, "sexe", "avis")
    assert str(error.value) == ("column 'avis': needs at least two answered categories to "
                                "test an association; found 1")


def test_unknown_column_and_bad_weights_are_named():
    answers = pd.DataFrame({"sexe": ["F", "H"], "avis": ["oui", "non"], "poids": [1, None]})
    with pytest.raises(InputError) as error:
        crosstab(answers, "sexe", "opinion")
    assert str(error.value) == "column 'opinion': no column named 'opinion' in the data"
    with pytest.raises(WeightingError) as error:
        chi2_independence(answers, "sexe", "avis", weight="poids")
    assert str(error.value) == "column 'poids': 1 weight(s) are missing"
    answers["poids"] = [1, -1]
    with pytest.raises(WeightingError, match="weights must be finite and not negative"):
        crosstab(answers, "sexe", "avis", weight="poids")


# --------------------------------------------------------------------------- rank tests

def test_mann_whitney_matches_the_scipy_reference_example():
    # scipy.stats.mannwhitneyu documentation example: U1 = 17 for the 5 males,
    # exact two-sided p = 0.1111.
    answers = pd.DataFrame({"score": [19, 22, 16, 29, 24, 20, 11, 17, 12],
                            "sexe": ["male"] * 5 + ["female"] * 4})
    result = compare_groups(answers, "score", "sexe")
    assert result["sexe"].tolist() == ["female", "male"]
    assert result["n"].tolist() == [4, 5]
    row = result.iloc[0]
    assert (row["test"], row["label"]) == ("mann_whitney", "test de Mann-Whitney")
    assert row["statistic"] == 20 - 17  # U of the first group (female) = n1·n2 − U_male
    assert round(row["p_value"], 4) == 0.1111
    # rank-biserial by counting pairs: 3 of 20 favour females, 17 males: (3 − 17)/20
    assert row["effect_size"] == pytest.approx((3 - 17) / 20)
    assert row["effect_size_name"] == "rank_biserial"


def test_kruskal_wallis_matches_hollander_and_wolfe():
    # R kruskal.test example, Hollander & Wolfe (1973), p. 116 (mucociliary efficiency):
    # Kruskal-Wallis chi-squared = 0.77143, df = 2, p-value = 0.68
    values = {"normal": [2.9, 3.0, 2.5, 2.6, 3.2], "obstructive": [3.8, 2.7, 4.0, 2.4],
              "asbestosis": [2.8, 3.4, 3.7, 2.2, 2.0]}
    answers = pd.DataFrame([(group, value) for group, vs in values.items() for value in vs],
                           columns=["groupe", "efficacite"])
    result = compare_groups(answers, "efficacite", "groupe")
    row = result.iloc[0]
    assert row["test"] == "kruskal_wallis"
    assert round(row["statistic"], 5) == 0.77143
    assert round(row["p_value"], 2) == 0.68
    assert row["effect_size"] == pytest.approx(row["statistic"] / (14 - 1))
    assert dict(zip(result["groupe"], result["n"], strict=True)) == {
        "asbestosis": 5, "normal": 5, "obstructive": 4}


def test_likert_answers_are_ranked_in_their_order():
    scale = ["pas du tout", "plutôt non", "plutôt oui", "tout à fait"]
    answers = pd.DataFrame({
        "avis": pd.Categorical(["pas du tout", "plutôt non", "tout à fait", "plutôt oui",
                                "tout à fait", "plutôt oui", None, "plutôt non"],
                               categories=scale, ordered=True),
        "mode": ["en ligne"] * 4 + ["réunion"] * 4,
    })
    as_codes = answers.assign(avis=answers["avis"].cat.codes.replace(-1, np.nan) + 1)
    result = compare_groups(answers, "avis", "mode")
    expected = compare_groups(as_codes, "avis", "mode")
    pd.testing.assert_frame_equal(result, expected)
    assert result.attrs["n_missing"] == 1


def test_compare_groups_refuses_weights_and_unordered_answers():
    answers = pd.DataFrame({"avis": ["oui", "non"], "mode": ["a", "b"], "poids": [1, 2]})
    with pytest.raises(InputError) as error:
        compare_groups(answers, "avis", "mode", weight="poids")
    assert str(error.value) == ("column 'poids': rank tests are unweighted; call "
                                "compare_groups without weight")
    with pytest.raises(InputError) as error:
        compare_groups(answers, "avis", "mode")
    assert str(error.value) == ("column 'avis': holds str values; ordinal tests need "
                                "numbers or an ordered categorical")


# --------------------------------------------------------------------------- paired tests

def test_wilcoxon_matches_hollander_and_wolfe():
    # R wilcox.test example, Hollander & Wolfe (1973), p. 29: Hamilton depression scale
    # at the first (x) and second (y) visit: V = 40, two-sided p = 0.03906.
    x = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
    y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]
    result = pre_post(pd.Series(x), pd.Series(y)).iloc[0]
    assert result["test"] == "wilcoxon"
    assert result["statistic"] == 45 - 40  # min(W+, W−); the ranks 1..9 add up to 45
    assert round(result["p_value"], 5) == 0.03906
    assert result["n_pairs"] == 9
    assert (result["n_up"], result["n_down"]) == (2, 7)  # the 2nd and 8th patients rose
    assert result["change"] == pytest.approx(np.mean(y) - np.mean(x))


def test_mcnemar_matches_agresti():
    # Agresti (1990), Categorical Data Analysis, p. 350, the example of R's mcnemar.test:
    # approval of the President in two surveys of the same 1600 people, 59 % then 55 %;
    # McNemar's z² = (150 − 86)² / (150 + 86) = 17.36 without continuity correction.
    pairs = [(True, True)] * 794 + [(True, False)] * 150 + [(False, True)] * 86 \
        + [(False, False)] * 570
    before, after = (pd.Series(side) for side in zip(*pairs, strict=True))
    result = pre_post(before, after, kind="binary").iloc[0]
    assert result["test"] == "mcnemar"
    assert round(result["statistic"], 2) == 17.36
    assert result["p_value"] < 0.001
    assert round(result["before"], 2) == 0.59
    assert round(result["after"], 2) == 0.55
    assert result["change"] == pytest.approx(-64 / 1600)


def test_mcnemar_is_exact_with_few_discordant_pairs_and_drops_incomplete_pairs():
    # 1 person moved from yes to no, 9 from no to yes: exact two-sided binomial
    # p = 2 · P(X ≤ 1 | 10, ½) = 2 · 11 / 1024.
    before = pd.Series(["Y"] * 3 + ["Y"] + ["N"] * 9 + ["N"] * 2 + ["Y", None],
                       index=[f"r{i}" for i in range(17)])
    after = pd.Series(["Y"] * 3 + ["N"] + ["Y"] * 9 + ["N"] * 2 + [None, "N"],
                      index=[f"r{i}" for i in range(17)])
    result = pre_post(before, after, kind="binary").iloc[0]
    assert result["test"] == "mcnemar_exact"
    assert result["label"] == "test exact de McNemar"
    assert result["p_value"] == pytest.approx(2 * 11 / 1024)
    assert (result["n_pairs"], result["n_dropped"]) == (15, 2)
    assert (result["n_up"], result["n_down"]) == (9, 1)


def test_pre_post_pairs_on_the_respondent_identifier():
    before = pd.Series([1, 2, 3, 4, 5, 2], index=["a", "b", "c", "d", "e", "f"])
    after = pd.Series([5, 3, 4, 5, 2], index=["e", "a", "b", "c", "d"])  # f missing
    shuffled = pre_post(before, after).iloc[0]
    aligned = pre_post(before.drop("f"), after.reindex(before.drop("f").index)).iloc[0]
    assert shuffled["p_value"] == aligned["p_value"]
    assert (shuffled["n_pairs"], shuffled["n_dropped"]) == (5, 1)


def test_pre_post_rejects_answers_that_are_not_yes_or_no():
    with pytest.raises(InputError) as error:
        pre_post(pd.Series(["oui", "peut-être"], name="q1_avant"),
                 pd.Series(["oui", "non"], name="q1_apres"), kind="binary")
    assert str(error.value) == ("column 'q1_avant': is not a yes/no answer: unexpected "
                                "value(s) 'peut-être'")


# --------------------------------------------------------------------------- reliability

# pingouin's test data set "cronbach_alpha" (15 respondents × 10 items), for which
# pingouin's test suite reports α = 0.592 and Feldt 95 % CI [0.195, 0.840], as R psych.
PINGOUIN_ITEMS = {  # one list per item, respondents 0 to 14, as in the data set
    "Q1": [3, 5, 7, 2, 6, 1, 4, 2, 6, 5, 4, 4, 5, 6, 4],
    "Q2": [2, 4, 3, 4, 5, 2, 3, 4, 5, 4, 3, 2, 5, 5, 3],
    "Q3": [4, 6, 5, 3, 6, 3, 5, 4, 5, 6, 5, 3, 6, 5, 5],
    "Q4": [1, 3, 5, 3, 5, 4, 3, 3, 5, 4, 2, 2, 2, 4, 5],
    "Q5": [4, 5, 6, 2, 4, 2, 5, 7, 1, 3, 5, 5, 3, 2, 3],
    "Q6": [5, 1, 4, 2, 4, 5, 2, 2, 6, 5, 3, 3, 3, 2, 1],
    "Q7": [1, 2, 3, 2, 4, 2, 1, 2, 5, 3, 2, 4, 2, 1, 3],
    "Q8": [4, 5, 3, 6, 6, 3, 2, 4, 2, 1, 3, 2, 4, 4, 2],
    "Q9": [3, 5, 6, 6, 7, 5, 4, 6, 3, 7, 4, 3, 4, 6, 3],
    "Q10": [2, 5, 5, 3, 5, 2, 3, 5, 2, 2, 1, 4, 5, 5, 4],
}


def test_cronbach_alpha_matches_the_pingouin_and_psych_reference():
    items = pd.DataFrame(PINGOUIN_ITEMS)
    result = cronbach_alpha(items).iloc[0]
    assert round(result["alpha"], 3) == 0.592
    assert (round(result["ci_low"], 3), round(result["ci_high"], 3)) == (0.195, 0.840)
    assert (result["n_items"], result["n"], result["n_excluded"]) == (10, 15, 0)


def test_cronbach_alpha_by_hand_with_listwise_deletion():
    items = pd.DataFrame({"q1": [1, 2, 3, 4, 5], "q2": [2, 2, 3, 5, 5],
                          "q3": [1, 3, 3, 4, None]})
    complete = [[1, 2, 1], [2, 2, 3], [3, 3, 3], [4, 5, 4]]

    def variance(values):
        mean = Fraction(sum(values), len(values))
        return sum((Fraction(v) - mean) ** 2 for v in values) / (len(values) - 1)

    item_variances = sum(variance([row[i] for row in complete]) for i in range(3))
    total_variance = variance([sum(row) for row in complete])
    alpha = Fraction(3, 2) * (1 - item_variances / total_variance)
    result = cronbach_alpha(items).iloc[0]
    assert result["alpha"] == pytest.approx(float(alpha))  # 18/19
    assert (result["n"], result["n_excluded"]) == (4, 1)


def test_cronbach_alpha_scores_ordered_categories_and_refuses_text():
    scale = ["non", "plutôt non", "plutôt oui", "oui"]
    items = pd.DataFrame({name: pd.Categorical([scale[v - 1] for v in values],
                                               categories=scale, ordered=True)
                          for name, values in {"a": [1, 2, 3, 4], "b": [2, 2, 4, 4],
                                               "c": [1, 3, 3, 4]}.items()})
    numbers = pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 2, 4, 4], "c": [1, 3, 3, 4]})
    pd.testing.assert_frame_equal(cronbach_alpha(items), cronbach_alpha(numbers))
    with pytest.raises(InputError) as error:
        cronbach_alpha(pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}))
    assert str(error.value) == ("column 'b': holds str values; ordinal tests need numbers "
                                "or an ordered categorical")


# --------------------------------------------------------------------------- model

UCLA = Path(statsmodels.__file__).parent / "miscmodels/tests/results/ologit_ucla.csv"


@pytest.mark.skipif(not UCLA.exists(), reason="statsmodels ships without its test data")
def test_ordinal_model_matches_the_ucla_example():
    # UCLA OARC, "Ordinal logistic regression | R data analysis examples" (polr):
    # odds ratios pared 2.85, public 0.94, gpa 1.85; p(pared) < 0.001, p(public) = 0.84.
    data = pd.read_csv(UCLA)
    data["apply"] = pd.Categorical(data["apply"], ordered=True, categories=[
        "unlikely", "somewhat likely", "very likely"])
    result = ordinal_model(data, "apply", ["pared", "public", "gpa"]).set_index("term")
    assert result["odds_ratio"].round(2).to_dict() == {"pared": 2.85, "public": 0.94,
                                                       "gpa": 1.85}
    assert result.loc["pared", "p_value"] < 0.001
    assert round(result.loc["public", "p_value"], 2) == 0.84
    assert (result["ci_low"] < result["odds_ratio"]).all()
    assert (result["odds_ratio"] < result["ci_high"]).all()
    assert result.attrs["n"] == 400


def test_ordinal_model_recovers_a_simulated_odds_ratio_and_codes_categories():
    rng = np.random.default_rng(3)
    n = 4000
    district = rng.choice(["Centre", "Nord"], n)
    latent = 0.8 * (district == "Nord") + rng.logistic(size=n)  # true odds ratio e^0.8
    answers = pd.DataFrame({"quartier": district,
                            "avis": np.digitize(latent, [-1.0, 0.5, 2.0]) + 1})
    answers.loc[:9, "quartier"] = None
    result = ordinal_model(answers, "avis", "quartier")
    assert result["term"].tolist() == ["quartier[Nord]"]
    assert result["ci_low"].iloc[0] < np.exp(0.8) < result["ci_high"].iloc[0]
    assert (result.attrs["n"], result.attrs["n_missing"]) == (n - 10, 10)


def test_pre_post_refuses_two_different_scales():
    before = pd.Series(pd.Categorical(["non", "oui"], categories=["non", "oui"], ordered=True))
    after = pd.Series(pd.Categorical(["1", "3"], categories=["1", "2", "3"], ordered=True),
                      name="apres")
    with pytest.raises(InputError) as error:
        pre_post(before, after)
    assert str(error.value) == ("column 'apres': before and after answers use different "
                                "scales (categories)")
