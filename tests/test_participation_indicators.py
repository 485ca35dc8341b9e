"""Participation indicators: reach, diversity, territorial equity, essoufflement."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import civeval
from civeval.errors import InputError
from civeval.participation.publics import diversity
from civeval.participation.reach import (
    channel_shares,
    participation_rate,
    proposals_per_thousand,
    unique_participants,
)
from civeval.participation.territory import territorial_equity
from civeval.participation.trends import attendance, retention, trend
from civeval.representativeness import representativeness

NBSP = "\xa0"


@pytest.fixture(scope="module")
def saint_aubin():
    return civeval.load_study("demo-saint-aubin")


@pytest.fixture(scope="module")
def votants(saint_aubin):
    return saint_aubin.load("votants")


def voters(rows: dict[tuple, int]) -> pd.DataFrame:
    """One row per voter from {(edition, quartier, canal): count}."""
    return pd.DataFrame([{"edition": e, "quartier": q, "canal": c}
                         for (e, q, c), n in rows.items() for _ in range(n)])


# --------------------------------------------------------------------------- reach

def test_participation_rate_divides_by_the_total_population():
    data = voters({(2023, "Nord", "urne"): 30, (2023, "Sud", "urne"): 10,
                   (2024, "Nord", "urne"): 20})
    table = participation_rate(data, 1000, by="edition")
    assert table["edition"].tolist() == [2023, 2024]
    assert table["participants"].tolist() == [40, 20]
    assert table["participation_rate"].tolist() == pytest.approx([0.04, 0.02])
    overall = participation_rate(data, 1000)
    assert overall.loc[0, "participants"] == 60
    assert overall.loc[0, "participation_rate"] == pytest.approx(0.06)


def test_district_rates_use_each_districts_population_and_list_empty_districts():
    data = voters({(2023, "Nord", "urne"): 30, (2023, "Sud", "urne"): 10,
                   (2024, "Nord", "urne"): 20})
    population = pd.DataFrame({"quartier": ["Nord", "Sud", "Est"],
                               "population": [600, 250, 150]})
    table = participation_rate(data, population, by=["edition", "quartier"])
    rates = table.set_index(["edition", "quartier"])["participation_rate"]
    assert rates[(2023, "Nord")] == pytest.approx(30 / 600)
    assert rates[(2023, "Sud")] == pytest.approx(10 / 250)
    assert rates[(2024, "Sud")] == 0 and rates[(2023, "Est")] == 0
    assert len(table) == 6  # 2 editions × 3 districts, in the population's order
    assert table.loc[table["edition"] == 2023, "quartier"].tolist() == ["Nord", "Sud", "Est"]
    # a dict keyed by district works the same; by edition alone it is the total
    same = participation_rate(data, {"Nord": 600, "Sud": 250, "Est": 150},
                              by=["edition", "quartier"])
    assert same["participation_rate"].tolist() == table["participation_rate"].tolist()
    by_edition = participation_rate(data, population, by="edition")
    assert by_edition["population"].tolist() == [1000, 1000]


def test_participation_rate_counts_people_once_with_an_id_and_reports_missing():
    data = pd.DataFrame({"id": ["a", "a", "b", "c"], "phase": ["dépôt", "vote", "vote", None]})
    table = participation_rate(data, 100, by="phase", id_column="id")
    assert table.set_index("phase")["participants"].to_dict() == {"dépôt": 1, "vote": 2}
    assert table.attrs["n_missing"] == 1
    assert participation_rate(data, 100, id_column="id").loc[0, "participants"] == 3


def test_participation_rate_errors_name_the_problem():
    data = voters({(2023, "Nord", "urne"): 3, (2023, "Nrod", "urne"): 1})
    with pytest.raises(InputError, match="'Nrod'") as error:
        participation_rate(data, {"Nord": 100, "Sud": 100}, by=["edition", "quartier"])
    assert error.value.column == "quartier"
    with pytest.raises(InputError, match="positive"):
        participation_rate(data, 0)
    with pytest.raises(InputError, match="no column named 'canton'"):
        participation_rate(data, 100, by="canton")
    with pytest.raises(InputError, match="≥ 0"):
        participation_rate(data, {"Nord": -1, "Nrod": 5}, by="quartier")


def test_unique_participants_per_phase_and_overall():
    actions = pd.DataFrame({"personne": ["a", "b", "a", "a", "b", "c", None],
                            "phase": ["dépôt", "dépôt", "soutien", "vote", "vote", "vote",
                                      "vote"]})
    table = unique_participants(actions, "personne", by="phase").set_index("phase")
    assert table["unique_participants"].to_dict() == {"dépôt": 2, "soutien": 1, "vote": 3}
    assert table["participations"].to_dict() == {"dépôt": 2, "soutien": 1, "vote": 3}
    assert table.attrs["unique_participants"] == 3  # not 2 + 1 + 3
    assert table.attrs["n_missing_id"] == 1


def test_proposals_per_thousand_by_hand():
    projects = pd.DataFrame({"edition": [2023] * 25 + [2024] * 10})
    table = proposals_per_thousand(projects, 12500)
    assert table["proposals"].tolist() == [25, 10]
    assert table["proposals_per_thousand"].tolist() == pytest.approx([2.0, 0.8])


def test_channel_shares_add_up_to_one_per_edition_with_zero_channels_listed():
    data = voters({(2023, "Nord", "en ligne"): 3, (2023, "Nord", "urne"): 1,
                   (2024, "Nord", "en ligne"): 2})
    table = channel_shares(data, "canal")
    assert table.groupby("edition")["share"].sum().tolist() == pytest.approx([1, 1])
    shares = table.set_index(["edition", "canal"])["share"]
    assert shares[(2023, "en ligne")] == pytest.approx(0.75)
    assert shares[(2024, "urne")] == 0
    whole = channel_shares(data, "canal", by=None)
    assert whole.set_index("canal")["participants"].to_dict() == {"en ligne": 5, "urne": 1}


def test_demo_turnout_is_within_french_reference_points_and_falls(saint_aubin, votants):
    table = participation_rate(votants, saint_aubin.client.population, by="edition")
    assert saint_aubin.client.population == 12400
    assert table["participants"].tolist() == [1130, 960, 815]
    assert table["participation_rate"].between(0.04, 0.12).all()
    assert table["participation_rate"].is_monotonic_decreasing
    shares = channel_shares(votants, "canal")
    assert set(shares["canal"]) == {"en ligne", "urne"}
    assert shares.groupby("edition")["share"].sum().tolist() == pytest.approx([1, 1, 1])


# --------------------------------------------------------------------------- diversity

def test_diversity_is_representativeness_per_edition(saint_aubin, votants):
    population = saint_aubin.load("population_quartiers")
    table = diversity(votants, "quartier", population, by="edition")
    summary = table.attrs["summary"].set_index("edition")
    for edition, group in votants.groupby("edition"):
        direct = representativeness(group, "quartier",
                                    population.set_index("quartier")["population"])
        mine = table[table["edition"] == edition].drop(columns="edition").reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, direct, check_dtype=False)
        assert summary.loc[edition, "dissimilarity_index"] == pytest.approx(
            direct.attrs["dissimilarity_index"])
    whole = diversity(votants, "quartier", population)
    assert whole.attrs["dissimilarity_index"] == pytest.approx(
        representativeness(votants, "quartier", dict(zip(
            population["quartier"], population["population"], strict=True)))
        .attrs["dissimilarity_index"])


# --------------------------------------------------------------------------- territories

def test_territorial_equity_by_hand():
    data = voters({(2024, "Nord", "urne"): 12, (2024, "Sud", "urne"): 6,
                   (2024, "Est", "urne"): 3})
    population = pd.DataFrame({"quartier": ["Nord", "Sud", "Est"],
                               "population": [200, 200, 300]})
    funded = pd.DataFrame({"quartier": ["Nord", "Nord", "Sud"],
                           "cout": [10_000.0, 6_000.0, 4_000.0],
                           "statut": ["lauréat"] * 3})
    table = territorial_equity(data, population, funded, amount_column="cout")
    rows = table.set_index("quartier")
    assert rows["participation_rate"].to_dict() == pytest.approx(
        {"Nord": 0.06, "Sud": 0.03, "Est": 0.01})
    assert rows["funded"].to_dict() == {"Nord": 16_000, "Sud": 4_000, "Est": 0}
    assert rows["funded_per_inhabitant"].to_dict() == pytest.approx(
        {"Nord": 80.0, "Sud": 20.0, "Est": 0.0})
    attrs = table.attrs
    assert (attrs["max_district"], attrs["min_district"]) == ("Nord", "Est")
    assert attrs["rate_ratio"] == pytest.approx(6.0)
    assert attrs["rate_difference"] == pytest.approx(0.05)
    assert attrs["overall_rate"] == pytest.approx(21 / 700)
    assert attrs["funded_per_inhabitant"] == pytest.approx(20_000 / 700)


def test_territorial_equity_with_an_empty_district_and_bad_inputs():
    data = voters({(2024, "Nord", "urne"): 5})
    table = territorial_equity(data, pd.Series({"Nord": 100, "Sud": 100}),
                               district_column="quartier")
    assert table.attrs["rate_ratio"] == math.inf
    assert "funded" not in table.columns
    with pytest.raises(InputError, match="district_column"):
        territorial_equity(data, {"Nord": 100, "Sud": 100})
    with pytest.raises(InputError, match="each district"):
        territorial_equity(data, 200, district_column="quartier")
    with pytest.raises(InputError, match="'Ouest' funded"):
        territorial_equity(data, {"Nord": 100}, {"Ouest": 5.0}, district_column="quartier")


def test_demo_territorial_equity(saint_aubin, votants):
    population = saint_aubin.load("population_quartiers")
    projects = saint_aubin.load("projets")
    winners = projects[(projects["edition"] == 2024) & (projects["statut"] == "lauréat")]
    table = territorial_equity(votants[votants["edition"] == 2024], population,
                               winners[["quartier", "cout_estime"]])
    assert table["participants"].sum() == 815
    assert table["population"].sum() == 12400
    assert table["funded"].sum() == pytest.approx(winners["cout_estime"].sum())
    assert table.attrs["rate_ratio"] >= 1
    assert table.attrs["overall_rate"] == pytest.approx(815 / 12400)


# --------------------------------------------------------------------------- trend

def counts(values, start=2022) -> pd.DataFrame:
    return pd.DataFrame({"edition": range(start, start + len(values)), "n": values})


def test_poisson_trend_on_a_geometric_series_is_exact():
    # log-linear model on 100, 90, 81: the fit is exact, so the MLE rate ratio is 0.9
    result = trend(counts([100, 90, 81]), "edition", "n").iloc[0]
    assert result["test"] == "poisson"
    assert result["rate_ratio"] == pytest.approx(0.9, abs=1e-9)
    assert result["fitted_change"] == pytest.approx(0.81 - 1)
    assert result["change"] == pytest.approx(-0.19)
    assert result["dispersion"] == pytest.approx(0, abs=1e-9)
    assert result["ci_low"] < 0.9 < result["ci_high"]
    assert result["p_value"] > 0.05  # 271 people are not enough to be sure
    assert result["verdict"] == "pas d'évolution significative entre 2022 et 2024"


def test_two_small_counts_are_not_a_significant_change():
    result = trend(counts([10, 9]), "edition", "n").iloc[0]
    # two editions: rate ratio 9/10, Wald se of log(RR) = sqrt(1/10 + 1/9)
    se = math.sqrt(1 / 10 + 1 / 9)
    assert result["rate_ratio"] == pytest.approx(0.9)
    assert result["p_value"] == pytest.approx(2 * stats.norm.sf(abs(math.log(0.9)) / se))
    assert result["ci_low"] == pytest.approx(math.exp(math.log(0.9) - 1.959964 * se))
    assert math.isnan(result["dispersion"])
    assert result["verdict"].startswith("pas d'évolution significative")
    assert "baisse" not in result["verdict"] and "hausse" not in result["verdict"]


def test_demo_turnout_declines_significantly(votants):
    result = trend(votants, "edition").iloc[0]  # one row per voter: rows are counted
    assert (result["first_count"], result["last_count"]) == (1130, 815)
    assert result["test"] == "poisson"
    assert result["rate_ratio"] < 1 and result["ci_high"] < 1
    assert result["p_value"] < 0.001
    assert result["verdict"] == f"baisse significative de 28{NBSP}% entre 2022 et 2024"
    per_edition = votants.groupby("edition").size().rename("votants").reset_index()
    same = trend(per_edition, "edition", "votants").iloc[0]
    assert same["rate_ratio"] == pytest.approx(result["rate_ratio"])


def test_a_significant_rise_and_rows_added_up_per_edition():
    data = pd.DataFrame({"edition": [2022, 2022, 2023, 2023, 2024],
                         "n": [100, 100, 250, 250, 800]})
    result = trend(data, "edition", "n").iloc[0]
    assert (result["first_count"], result["last_count"]) == (200, 800)
    assert result["verdict"].startswith(f"hausse significative de 300{NBSP}%")


def test_overdispersed_counts_switch_to_negative_binomial_or_quasi_poisson():
    zigzag = [300, 200, 210, 190, 180]
    poisson = trend(counts(zigzag), "edition", "n", method="poisson").iloc[0]
    auto = trend(counts(zigzag), "edition", "n").iloc[0]
    assert poisson["dispersion"] > 1.5
    assert auto["test"] == "negative_binomial"
    assert (auto["ci_high"] - auto["ci_low"]) > (poisson["ci_high"] - poisson["ci_low"])
    three = trend(counts([100, 40, 90]), "edition", "n").iloc[0]
    assert three["test"] == "quasi_poisson"
    plain = trend(counts([100, 40, 90]), "edition", "n", method="poisson").iloc[0]
    # quasi-Poisson: same estimate, standard error × sqrt(dispersion)
    assert three["rate_ratio"] == pytest.approx(plain["rate_ratio"])
    assert three["statistic"] == pytest.approx(plain["statistic"]
                                               / math.sqrt(plain["dispersion"]))


def test_mann_kendall_cannot_be_significant_on_three_editions():
    short = trend(counts([1130, 960, 815]), "edition", "n", method="mann_kendall").iloc[0]
    assert short["statistic"] == pytest.approx(-1)
    assert short["p_value"] == pytest.approx(1 / 3)  # exact: 2 orderings out of 3! = 6
    assert short["verdict"].startswith("pas d'évolution significative")
    assert np.isnan(short["rate_ratio"])
    longer = trend(counts([50, 45, 41, 30, 28]), "edition", "n", method="mann_kendall")
    assert longer.loc[0, "p_value"] == pytest.approx(2 / 120)
    assert longer.loc[0, "verdict"].startswith(f"baisse significative de 44{NBSP}%")


def test_trend_input_errors():
    with pytest.raises(InputError, match="at least two editions"):
        trend(counts([10]), "edition", "n")
    with pytest.raises(InputError, match="numbers \\(years\\)"):
        trend(pd.DataFrame({"edition": ["printemps", "automne"], "n": [3, 4]}), "edition", "n")
    with pytest.raises(InputError, match="whole numbers") as error:
        trend(counts([10, -1]), "edition", "n")
    assert error.value.column == "n"
    with pytest.raises(InputError, match="all counts are zero"):
        trend(counts([0, 0]), "edition", "n")
    with pytest.raises(ValueError, match="method"):
        trend(counts([10, 9]), "edition", "n", method="linear")


# --------------------------------------------------------------------------- retention

def test_retention_by_hand_on_three_editions():
    table = pd.DataFrame({
        "id": ["a", "b", "c", "d",   "a", "b", "e", "e",   "a", "c", "e", "f"],
        "edition": [2022] * 4 + [2023] * 4 + [2024] * 4,
    })
    result = retention(table, "id", "edition").set_index("edition")
    # 2023: {a, b, e}; back from 2022 {a, b, c, d}: a, b → 2/4; new: e → 1/3
    assert result.loc[2023, "participants"] == 3  # e twice counts once
    assert result.loc[2023, "returning"] == 2
    assert result.loc[2023, "retention_rate"] == pytest.approx(2 / 4)
    assert result.loc[2023, "first_time"] == 1
    assert result.loc[2023, "first_time_share"] == pytest.approx(1 / 3)
    # 2024: {a, c, e, f}; back from 2023 {a, b, e}: a, e → 2/3; c came in 2022: not new
    assert result.loc[2024, "previous_edition"] == 2023
    assert result.loc[2024, "returning"] == 2
    assert result.loc[2024, "retention_rate"] == pytest.approx(2 / 3)
    assert result.loc[2024, "first_time"] == 1
    assert result.loc[2024, "first_time_share"] == pytest.approx(1 / 4)
    assert list(result.index) == [2023, 2024]


def test_retention_needs_two_editions():
    with pytest.raises(InputError, match="two editions"):
        retention(pd.DataFrame({"id": ["a"], "edition": [2022]}), "id", "edition")


def test_demo_retention(votants):
    result = retention(votants, "id_votant", "edition")
    assert result["edition"].tolist() == [2023, 2024]
    assert result["participants"].tolist() == [960, 815]
    assert result["previous_participants"].tolist() == [1130, 960]
    assert (result["returning"] > 0).all()
    assert (result["returning"] + result["first_time"] <= result["participants"]).all()
    assert result["retention_rate"].between(0, 1).all()


# --------------------------------------------------------------------------- attendance

def test_attendance_by_hand_matches_the_two_by_two_logit():
    register = pd.DataFrame({
        "date": pd.to_datetime(["2023-01-15", "2023-06-15", "2024-01-15", "2024-06-15"]),
        "inscrits": [20, 20, 20, 20], "presents": [18, 16, 12, 10]})
    table = attendance(register, "inscrits", "presents", "date")
    assert table["attendance_rate"].tolist() == pytest.approx([34 / 40, 22 / 40])
    row = table.attrs["trend"].iloc[0]
    # one binary covariate: the logit slope is the log odds ratio of the 2 × 2 table
    odds_ratio = (22 / 18) / (34 / 6)
    se = math.sqrt(1 / 34 + 1 / 6 + 1 / 22 + 1 / 18)
    assert row["odds_ratio"] == pytest.approx(odds_ratio, rel=1e-6)
    assert row["p_value"] == pytest.approx(2 * stats.norm.sf(abs(math.log(odds_ratio)) / se),
                                           rel=1e-4)
    assert row["change"] == pytest.approx(-0.30)
    per_meeting = attendance(register, "inscrits", "presents", "date", per="meeting")
    assert per_meeting["attendance_rate"].tolist() == pytest.approx([0.9, 0.8, 0.6, 0.5])


def test_demo_council_attendance_declines():
    register = civeval.load_study("demo-villeneuve-ardre").load("seances")
    table = attendance(register, "membres_inscrits", "membres_presents", "date")
    assert table["year"].tolist() == [2023, 2024, 2025]
    assert table["attendance_rate"].iloc[-1] < table["attendance_rate"].iloc[0]
    row = table.attrs["trend"].iloc[0]
    assert row["odds_ratio"] < 1
    assert row["p_value"] < 0.05
    assert row["verdict"].startswith(
        "baisse significative du taux de présence entre 2023 et 2025")
    by_district = attendance(register, "membres_inscrits", "membres_presents", "date",
                             by="quartier")
    assert by_district.attrs["trend_by"]["quartier"].nunique() == register["quartier"].nunique()
    assert by_district["members"].sum() == table["members"].sum()


def test_attendance_overdispersion_single_year_and_errors():
    varied = pd.DataFrame({"annee": [2023] * 4 + [2024] * 4,
                           "inscrits": [20] * 8,
                           "presents": [20, 2, 19, 3, 18, 1, 17, 2]})
    row = attendance(varied, "inscrits", "presents", "annee").attrs["trend"].iloc[0]
    assert row["dispersion"] > 1.5 and row["test"] == "quasi_binomial"
    one_year = attendance(varied[varied["annee"] == 2023], "inscrits", "presents", "annee")
    assert np.isnan(one_year.attrs["trend"].loc[0, "p_value"])
    bad = varied.assign(presents=[21, 2, 19, 3, 18, 1, 17, 2])
    with pytest.raises(InputError, match="more members present") as error:
        attendance(bad, "inscrits", "presents", "annee")
    assert error.value.column == "presents"
    with pytest.raises(InputError, match="not a date"):
        attendance(varied.assign(annee=["bientôt"] * 8), "inscrits", "presents", "annee")
