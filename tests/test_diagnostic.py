"""The diagnostic grid: loading and validating grids, rules over recorded figures,
consultant assessments, scores and the summary chart."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import matplotlib
import pandas as pd
import pytest
from openpyxl import Workbook

from civeval.diagnosis import findings as diagnostic
from civeval.diagnosis.findings import (
    AssessmentError,
    assessments,
    diagnose,
    evaluate,
    scores,
    summary_chart,
)
from civeval.diagnosis.grid import GridError, load_grid, study_grid
from civeval.evidence import registry as indicators
from civeval.evidence.record import Evidence, Position, Trend
from civeval.workbench.schema import Criterion
from civeval.workbench.study import load_study
from conftest import MINIMAL_STUDY, write_study

FIXTURES = Path(__file__).parent / "fixtures" / "diagnostic"
TEST_GRID = FIXTURES / "grille_test.yml"
NBSP = "\xa0"


def figure(value, kind="number", label=None, section="30_participation", key="x", trend=None,
           position=None):
    return Evidence(key=key, value=value, kind=kind, label=label or "figure", section=section,
                    trend=trend, position=position)


def figures(**records) -> dict[str, Evidence]:
    return {key: replace(record, key=key) for key, record in records.items()}


@pytest.fixture(scope="module")
def grid():
    return load_grid(TEST_GRID)


def by_rule(findings: pd.DataFrame) -> dict[str, dict]:
    return {row["rule"]: row for row in findings.to_dict("records")}


def decline(change=-0.25, p=0.01, tested=True) -> Trend:
    return Trend(first="2022", last="2024", change=change, test="régression de Poisson",
                 p_value=p if tested else None,
                 significant=(p < 0.05) if tested else None)


def rank(percentile, peers=8, needed=5) -> Position:
    return Position(peers=peers, min_peers=needed,
                    percentile=percentile if peers >= needed else None, median=0.05)


# ----------------------------------------------------------------------------- reference grid

def test_reference_grid_loads_with_the_issue_rules():
    grid = load_grid()
    assert list(grid.criteria) == [str(c) for c in Criterion]
    assert list(grid.phases) == ["cadrage", "travail_collectif", "decision_suivi"]
    assert list(grid.oecd_stages) == ["design_integrity", "deliberative_experience",
                                      "pathways_to_impact"]
    rules = {rule.id: rule for rule in grid.rules}
    expected = {  # rule: indicator, judge, operator, threshold, findings
        "turnout_level": ("turnout_rate", "level", ">=", 0.04, ["strength", "weakness"]),
        "participants_trend": ("participants_change", "trend", ">=", None,
                               ["strength", "weakness"]),
        "young_underrepresented": ("young_representation_ratio", "level", ">=", 0.5,
                                   ["weakness"]),
        "district_gap": ("district_rate_ratio", "level", "<=", 2, ["strength", "weakness"]),
        "districts_unfunded": ("districts_without_funding", "level", "<=", 0, ["weakness"]),
        "retention_low": ("retention_rate", "level", ">=", 0.3, ["weakness"]),
        "attendance_level": ("attendance_rate", "level", ">=", 0.5,
                             ["strength", "vigilance", "weakness"]),
        "proposals_answered": ("answer_rate", "level", ">=", 0.8, ["strength", "weakness"]),
        "abandonment_high": ("abandonment_rate", "level", "<=", 0.1, ["weakness"]),
        "implementation_high": ("implementation_rate_mature", "level", ">=", 0.8,
                                ["strength", "weakness"]),
        "delivery_time": ("median_delivery_months", "level", "<=", 24, ["strength", "weakness"]),
        "coding_unreliable": ("coding_alpha", "level", ">=", 0.667, ["weakness"]),
    }
    for rule_id, (key, judge, operator, threshold, kinds) in expected.items():
        rule = rules[rule_id]
        assert (rule.indicator, rule.judge, rule.operator, rule.threshold,
                sorted(rule.findings)) == (key, judge, operator, threshold, kinds), rule_id
    assert [(c.indicator, c.operator, c.threshold) for c in rules["delivery_time"].also] == [
        ("implementation_rate", ">=", 0.5)]
    assert len(grid.keys_to_success) == 6 and len(grid.points_of_vigilance) == 4
    assert [len(p["expected_outputs"]) for p in grid.phases.values()] == [3, 2, 4]


def test_every_reference_rule_names_a_registered_indicator():
    for rule in load_grid().rules:
        assert indicators.is_known(rule.indicator), (rule.id, rule.indicator)
        for condition in rule.also:
            assert indicators.is_known(condition.indicator), (rule.id, condition.indicator)
        assert rule.source


def test_reference_grid_on_a_saint_aubin_like_study():
    essoufflement = decline(-0.2788, 9.2e-13)
    found = evaluate(load_grid(), figures(
        turnout_rate=figure(0.0657, "percent", "Taux de participation en 2024",
                            trend=essoufflement),
        participants_change=figure(-0.2788, "change", "Évolution des participants",
                                   trend=essoufflement),
        district_rate_ratio=figure(1.85, label="Écart entre quartiers"),
        districts_without_funding=figure(1, label="Quartiers sans financement",
                                         section="35_realisation"),
        implementation_rate=figure(0.333, "percent", section="35_realisation"),
        median_delivery_months=figure(18, section="35_realisation"),
        coding_alpha=figure(0.881, "coefficient", section="20_entretiens")))
    assert found[["rule", "kind"]].values.tolist() == [
        ["turnout_level", "vigilance"], ["participants_trend", "weakness"],
        ["district_gap", "strength"], ["districts_unfunded", "weakness"]]
    assert by_rule(found)["participants_trend"]["finding"] == (
        "Le dispositif s'essouffle : le nombre de participants a évolué de \u221227,9" + NBSP
        + "% entre 2022 et 2024, une baisse statistiquement significative (régression de "
        "Poisson, p < 0,001).")
    assert by_rule(found)["turnout_level"]["finding"] == (
        f"La participation (6,6{NBSP}% de la population) atteint au moins la médiane "
        f"nationale des budgets participatifs (4{NBSP}% en 2018), mais en baisse "
        f"significative de \u221227,9{NBSP}% entre 2022 et 2024 (régression de Poisson, "
        "p < 0,001).")
    # 18 months is no proof of reasonable delays while only a third of projects is delivered.
    assert "delivery_time" in found.attrs["evaluated"]
    assert "delivery_time" not in by_rule(found)


# ----------------------------------------------------------------------------- rules

LEVEL_CASES = [
    # level meets?, trend, position, expected kind (turnout: higher is better)
    (False, None, None, "weakness"),
    (False, decline(0.3), rank(90), "weakness"),
    (True, None, None, "strength"),
    (True, decline(-0.25, 0.01), None, "vigilance"),
    (True, decline(-0.25, 0.30), None, "strength"),  # not significant
    (True, decline(-0.25, tested=False), None, "strength"),  # not tested: no verdict
    (True, decline(0.25, 0.01), None, "strength"),  # a significant rise
    (True, None, rank(20), "vigilance"),  # worse quarter of enough peers
    (True, None, rank(20, peers=3), "strength"),  # too few peers: no rank, no signal
    (True, None, rank(60), "strength"),
    (True, decline(-0.25, 0.01), rank(10), "vigilance"),
]


@pytest.mark.parametrize(("meets", "trend", "position", "kind"), LEVEL_CASES)
def test_a_level_rule_weighs_trend_and_benchmark(grid, meets, trend, position, kind):
    record = figure(0.06 if meets else 0.03, "percent", "Taux", trend=trend,
                    position=position)
    row = by_rule(evaluate(grid, figures(turnout_rate=record)))["turnout_rule"]
    assert row["kind"] == kind


@pytest.mark.parametrize(("meets", "trend", "position", "kind"), [
    (False, None, None, "weakness"),
    (True, decline(0.4, 0.01), None, "vigilance"),  # abandonment rising: the wrong way
    (True, decline(-0.4, 0.01), None, "strength"),
    (True, None, rank(80), "vigilance"),  # lower is better: the top quarter is the worse
    (True, None, rank(20), "strength"),
])
def test_the_wrong_way_depends_on_which_way_is_better(grid, meets, trend, position, kind):
    record = figure(0.05 if meets else 0.2, "percent", trend=trend, position=position)
    row = by_rule(evaluate(grid, figures(abandonment_rate=record)))["abandonment_rule"]
    assert row["kind"] == kind


def test_a_point_of_vigilance_says_both_the_level_and_what_contradicts_it(grid):
    record = figure(0.05, "percent", trend=decline(0.4, 0.01), position=rank(80))
    row = by_rule(evaluate(grid, figures(abandonment_rate=record)))["abandonment_rule"]
    assert row["finding"] == (
        f"Peu d'abandons (5,0{NBSP}%), mais en baisse significative de +40,0{NBSP}% entre "
        "2022 et 2024 (régression de Poisson, p = 0,010) ; dans le quart le moins "
        "favorable de 8 collectivités comparables (rang centile 80).")


def test_without_its_own_text_a_point_of_vigilance_is_the_strength_and_its_signal(grid):
    record = figure(0.06, "percent", trend=decline(-0.25, 0.01))
    row = by_rule(evaluate(grid, figures(turnout_rate=record)))["turnout_rule"]
    assert row["finding"] == (f"Participation 6,0{NBSP}% au moins 4{NBSP}%, mais en baisse "
                              f"significative de \u221225,0{NBSP}% entre 2022 et 2024 "
                              "(régression de Poisson, p = 0,010).")


def test_a_rule_that_ignores_the_benchmark_still_never_calls_a_decline_a_strength(grid):
    ranked_last = figure(0.9, "coefficient", position=rank(5))
    assert by_rule(evaluate(grid, figures(coding_alpha=ranked_last)))["alpha_rule"][
        "kind"] == "strength"
    declining = figure(0.9, "coefficient", trend=decline(-0.2, 0.01))
    found = evaluate(grid, figures(coding_alpha=declining))
    assert found[["rule", "kind"]].values.tolist() == [["alpha_rule", "vigilance"]]


def test_a_strength_needs_what_the_rule_also_asks(grid):
    delay = figure(18, label="Délai")
    assert "delivery_rule" not in by_rule(evaluate(grid, figures(median_delivery_months=delay)))
    slow = figures(median_delivery_months=delay,
                   implementation_rate=figure(0.33, "percent"))
    assert "delivery_rule" not in by_rule(evaluate(grid, slow))
    delivered = figures(median_delivery_months=delay,
                        implementation_rate=figure(0.7, "percent", label="Taux de réalisation"))
    row = by_rule(evaluate(grid, delivered))["delivery_rule"]
    assert (row["kind"], row["finding"]) == ("strength", "Délai raisonnable : 18 mois.")
    assert row["evidence"] == (f"Délai : 18 (seuil : ≤ 24) ; Taux de réalisation : 70,0{NBSP}% "
                               f"(seuil : ≥ 50{NBSP}%)")


@pytest.mark.parametrize(("trend", "kind"), [
    (decline(-0.25, 0.01), "weakness"), (decline(0.25, 0.01), "strength"),
    (decline(-0.25, 0.3), None), (decline(-0.25, tested=False), None)])
def test_a_trend_rule_judges_significant_changes_only(grid, trend, kind):
    found = by_rule(evaluate(grid, figures(participants_change=figure(
        trend.change, "change", "Évolution", trend=trend))))
    assert (found["trend_rule"]["kind"] if "trend_rule" in found else None) == kind


def test_a_decline_no_rule_judges_is_a_point_of_vigilance(grid):
    found = evaluate(grid, figures(proposals_change=figure(
        -0.3, "change", "Évolution du nombre de propositions", trend=decline(-0.3, 0.02))))
    assert found[["rule", "kind", "source", "criterion"]].values.tolist() == [
        [None, "vigilance", "trend", "efficacité"]]
    assert found.loc[0, "finding"] == (
        f"Évolution du nombre de propositions : baisse significative de \u221230,0{NBSP}% entre "
        "2022 et 2024 (régression de Poisson, p = 0,020).")


def test_finding_cites_its_evidence(grid):
    record = figure(0.031, "percent", "Taux de participation en 2024", trend=decline(-0.1, 0.3),
                    position=rank(30, peers=3))
    row = by_rule(evaluate(grid, figures(turnout_rate=record)))["turnout_rule"]
    assert row == {
        "rule": "turnout_rule", "criterion": "efficacité", "phase": "cadrage",
        "oecd_stage": None, "kind": "weakness", "finding": f"Participation 3,1{NBSP}% sous "
        f"4{NBSP}%.", "indicator": "turnout_rate", "label": "Taux de participation en 2024",
        "value": 0.031, "value_kind": "percent", "threshold": 0.04, "operator": "≥",
        "section": "30_participation", "source": "rule", "reference": "médiane 2018",
        "evidence": f"Taux de participation en 2024 : 3,1{NBSP}% (seuil : ≥ 4{NBSP}%) ; "
                    f"évolution de \u221210,0{NBSP}% entre 2022 et 2024, non significative "
                    "(régression de Poisson, p = 0,300) ; pas de rang (3 collectivités "
                    "comparables, 5 nécessaires)"}


def test_findings_in_english(grid):
    record = figure(0.14, "percent", "Turnout", trend=decline(-0.2, 0.01))
    row = by_rule(evaluate(grid, figures(turnout_rate=record), language="en"))["turnout_rule"]
    assert (row["kind"], row["finding"]) == (
        "vigilance", "Turnout 14.0% at least 4%, but declining significantly by \u221220.0% "
        "from 2022 to 2024 (régression de Poisson, p = 0.010).")


def test_missing_empty_or_hidden_figures_are_skipped(grid):
    found = evaluate(grid, figures(answer_rate=figure(None, "percent"),
                                   turnout_rate=replace(figure(0.01, "percent"),
                                                        suppressed=True)))
    assert len(found) == 0
    assert found.columns.tolist() == diagnostic.COLUMNS
    assert found.attrs["not_evaluated"] == ["turnout_rule", "answer_rule", "abandonment_rule",
                                            "alpha_rule", "delivery_rule", "trend_rule"]
    assert found.attrs["evaluated"] == []


# ----------------------------------------------------------------------------- grid errors

def broken(tmp_path, old: str, new: str) -> Path:
    text = TEST_GRID.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "grille.yml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def grid_error(path: Path) -> GridError:
    with pytest.raises(GridError) as caught:
        load_grid(path)
    return caught.value


def test_unknown_indicator_is_located(tmp_path):
    error = grid_error(broken(tmp_path, "indicator: turnout_rate", "indicator: turnout"))
    assert (error.row, error.column) == (21, 5)
    assert error.message == ("no section records the indicator 'turnout': it is not in the "
                             "registry of key figures (civeval.evidence.registry)")
    assert str(error.file).endswith("grille.yml")


def test_unknown_indicator_among_what_a_strength_also_needs(tmp_path):
    error = grid_error(broken(tmp_path, "{indicator: implementation_rate,",
                              "{indicator: realisation,"))
    assert (error.row, error.column) == (58, 10)


def test_a_figure_without_a_better_side_needs_one(tmp_path):
    error = grid_error(broken(tmp_path, "indicator: turnout_rate", "indicator: population"))
    assert (error.row, error.column) == (21, 5)
    assert error.message == ("the registry does not say whether a higher or a lower "
                             "'population' is better: give `better: higher` or `better: "
                             "lower`")
    grid = load_grid(broken(tmp_path, "indicator: turnout_rate",
                            "indicator: population\n    better: higher"))
    assert grid.rules[0].better == "higher"


def test_bad_operator_is_located(tmp_path):
    error = grid_error(broken(tmp_path, 'operator: ">=", threshold: 0.5',
                              'operator: "=>", threshold: 0.5'))
    assert (error.row, error.column) == (58, 42)
    assert error.message == "unknown operator '=>'; operators: <, <=, >, >=, =="


def test_unknown_criterion_is_located(tmp_path):
    error = grid_error(broken(tmp_path, "    criterion: impact\n    phase: decision_suivi\n"
                              "    oecd_stage", "    criterion: efficace\n    phase: "
                              "decision_suivi\n    oecd_stage"))
    assert (error.row, error.column) == (27, 5)
    assert error.message == ("unknown criterion 'efficace'; criteria: pertinence, efficacité, "
                             "impact")


def test_criterion_alias_is_accepted(tmp_path):
    grid = load_grid(broken(tmp_path, "criterion: efficacité\n    phase: cadrage",
                            "criterion: Efficacite\n    phase: cadrage"))
    assert grid.rules[0].criterion == "efficacité"


def test_unknown_phase_is_located(tmp_path):
    error = grid_error(broken(tmp_path, "phase: cadrage\n    indicator: turnout",
                              "phase: lancement\n    indicator: turnout"))
    assert (error.row, error.message) == (
        20, "unknown phase 'lancement'; phases: cadrage, decision_suivi")


def test_percent_threshold_written_as_a_percentage(tmp_path):
    error = grid_error(broken(tmp_path, "threshold: 0.04", "threshold: 4"))
    assert (error.row, error.column) == (22, 5)
    assert error.message == ("'turnout_rate' is a percent, written as a ratio: 0.04 for 4 %, "
                             "not 4")


def test_a_rule_judges_a_number(tmp_path):
    error = grid_error(broken(tmp_path, "indicator: turnout_rate", "indicator: top_theme"))
    assert (error.row, error.message) == (21, "'top_theme' is a text: a rule judges a number")


def test_a_level_rule_needs_its_threshold_and_a_trend_rule_has_none(tmp_path):
    error = grid_error(broken(tmp_path, "    threshold: 0.04\n", ""))
    assert (error.row, error.message) == (
        18, "'threshold' is missing: a level rule compares the figure with it")
    error = grid_error(broken(tmp_path, "    judge: trend\n",
                              "    judge: trend\n    threshold: 0.05\n"))
    assert (error.row, error.message) == (
        67, "a trend rule has no threshold: it judges the trend's test")
    error = grid_error(broken(tmp_path, "judge: trend", "judge: mood"))
    assert (error.row, error.message) == (66, "unknown judge 'mood'; expected one of level, trend")


def test_a_rule_needs_a_text(tmp_path):
    error = grid_error(broken(tmp_path, '    weakness: {fr: "Réponses {value}.", en: "Answers '
                              '{value}."}\n', ""))
    assert (error.row, error.message) == (26, "a rule needs a 'strength' or a 'weakness' text")


def test_unknown_placeholder(tmp_path):
    error = grid_error(broken(tmp_path, '{fr: "Réponses {value}."', '{fr: "Réponses {valeur}."'))
    assert (error.row, error.column) == (34, 16)
    assert error.message.startswith("unknown placeholder {valeur}; placeholders: {value}, "
                                    "{threshold}")


def test_duplicate_rule_id(tmp_path):
    error = grid_error(broken(tmp_path, "- id: answer_rule", "- id: turnout_rule"))
    assert (error.row, error.message) == (26, "the rule id 'turnout_rule' is used twice")


def test_misspelt_key_in_a_rule(tmp_path):
    error = grid_error(broken(tmp_path, '    source: "convention"\n    weakness: {fr: "Réponses',
                              '    sources: "convention"\n    weakness: {fr: "Réponses'))
    assert error.row == 33
    assert error.message.startswith("unknown key 'sources'; expected one of id, criterion")


def test_missing_grid_file(tmp_path):
    error = grid_error(tmp_path / "absent.yml")
    assert error.message == "the diagnostic grid does not exist"


# ----------------------------------------------------------------------------- assessments

ASSESSED_STUDY = MINIMAL_STUDY + """\
diagnostic:
  grid: grille.yml
  assessments:
    - criterion: Efficacite
      phase: suivi
      kind: faiblesse
      finding: "Les décisions ne sont pas communiquées aux participants."
      evidence: "Entretiens avec les agents (4 sur 6)"
    - criterion: impact
      kind: Force
      finding: {fr: "Les projets changent le quartier.", en: "Projects change the district."}
      evidence: "Visite de terrain"
"""


def make_study(project, yaml_text=ASSESSED_STUDY, files=None):
    folder = write_study(project, "test", yaml_text,
                         files={"grille.yml": TEST_GRID.read_text(encoding="utf-8"),
                                **(files or {})})
    return load_study(folder, output_dir=project / "out")


def test_assessments_from_study_yml(project):
    table = assessments(make_study(project))
    assert table.columns.tolist() == diagnostic.COLUMNS
    assert table[["criterion", "phase", "kind", "source"]].values.tolist() == [
        ["efficacité", "decision_suivi", "weakness", "consultant"],
        ["impact", None, "strength", "consultant"]]
    assert table["finding"].tolist() == [
        "Les décisions ne sont pas communiquées aux participants.",
        "Les projets changent le quartier."]
    assert table["evidence"].tolist() == ["Entretiens avec les agents (4 sur 6)",
                                          "Visite de terrain"]
    assert table["reference"].tolist() == ["studies/test/study.yml:11",
                                           "studies/test/study.yml:16"]


def test_bad_criterion_in_study_yml_is_located(project):
    study = make_study(project, ASSESSED_STUDY.replace("criterion: impact",
                                                       "criterion: durabilité"))
    with pytest.raises(AssessmentError) as caught:
        assessments(study)
    error = caught.value
    assert (str(error.file), error.row, error.column, error.study) == (
        "studies/test/study.yml", 16, 7, "test")
    assert error.message == ("unknown criterion 'durabilité'; criteria of the grid: "
                             "pertinence, efficacité, impact")


def test_assessment_without_evidence(project):
    study = make_study(project, ASSESSED_STUDY.replace(
        '      evidence: "Visite de terrain"\n', ""))
    with pytest.raises(AssessmentError, match="the assessment needs its evidence") as caught:
        assessments(study)
    assert caught.value.row == 16


def test_unknown_key_under_diagnostic(project):
    study = make_study(project, MINIMAL_STUDY + "diagnostic:\n  grille: grille.yml\n")
    with pytest.raises(GridError) as caught:
        assessments(study)
    assert (caught.value.row, caught.value.column) == (9, 3)
    assert caught.value.message.startswith("unknown key 'grille' under diagnostic")


def test_missing_study_grid(project):
    study = make_study(project, MINIMAL_STUDY + "diagnostic:\n  grid: data/absente.yml\n")
    with pytest.raises(GridError) as caught:
        study_grid(study)
    assert (caught.value.row, caught.value.message) == (
        9, "the diagnostic grid data/absente.yml does not exist (path relative to the "
           "study's folder)")


def xlsx(rows) -> bytes:
    import io

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Constats"
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


XLSX_STUDY = MINIMAL_STUDY + """\
diagnostic:
  grid: grille.yml
  assessments_file: data/grille.xlsx
"""


def test_assessments_from_xlsx(project):
    rows = [["Critère", "Phase", "Type", "Constat", "Source", "Commentaire"],
            ["pertinence", "Cadrage", "force", "Les objectifs sont clairs.", "Charte 2023", "x"],
            [None, None, None, None, None, None],
            ["Impact", None, "faiblesse", "Peu d'effets visibles.", "Entretiens", None]]
    study = make_study(project, XLSX_STUDY, files={"data/grille.xlsx": xlsx(rows)})
    table = assessments(study)
    assert table[["criterion", "phase", "kind", "finding", "evidence", "reference"]
                 ].values.tolist() == [
        ["pertinence", "cadrage", "strength", "Les objectifs sont clairs.", "Charte 2023",
         "studies/test/data/grille.xlsx:2"],
        ["impact", None, "weakness", "Peu d'effets visibles.", "Entretiens",
         "studies/test/data/grille.xlsx:4"]]


def test_xlsx_with_english_headers(project):
    rows = [["criterion", "kind", "finding", "evidence"],
            ["impact", "strength", "Visible results.", "Site visit"]]
    study = make_study(project, XLSX_STUDY, files={"data/grille.xlsx": xlsx(rows)})
    assert assessments(study)["kind"].tolist() == ["strength"]


def test_xlsx_unknown_type_is_located(project):
    rows = [["critère", "phase", "type", "constat", "source"],
            ["impact", "", "force", "Bien.", "Visite"],
            ["impact", "", "neutre", "Mitigé.", "Visite"]]
    study = make_study(project, XLSX_STUDY, files={"data/grille.xlsx": xlsx(rows)})
    with pytest.raises(AssessmentError) as caught:
        assessments(study)
    error = caught.value
    assert (str(error.file), error.row, error.column) == (
        "studies/test/data/grille.xlsx", 3, "type")
    assert error.message == ("unknown type 'neutre'; expected force or faiblesse "
                             "(strength or weakness)")


def test_xlsx_missing_column(project):
    rows = [["critère", "type", "constat"], ["impact", "force", "Bien."]]
    study = make_study(project, XLSX_STUDY, files={"data/grille.xlsx": xlsx(rows)})
    with pytest.raises(AssessmentError) as caught:
        assessments(study)
    assert (caught.value.row, caught.value.message) == (
        1, "the column 'source' is missing from the header row")


# ----------------------------------------------------------------------------- diagnose

def test_diagnose_joins_rules_and_assessments_and_records_counts(project):
    study = make_study(project)
    study.output_dir.mkdir(parents=True, exist_ok=True)
    study.record("turnout_rate", 0.02, "Taux", "percent")
    study.record("coding_alpha", 0.9, "Alpha", "coefficient")
    findings = diagnose(study)
    assert findings[["rule", "source", "kind"]].values.tolist() == [
        ["turnout_rule", "rule", "weakness"], ["alpha_rule", "rule", "strength"],
        [None, "consultant", "weakness"], [None, "consultant", "strength"]]
    recorded = study.evidence()
    assert (recorded["strengths"].value, recorded["weaknesses"].value,
            recorded["vigilance_points"].value) == (2, 2, 0)
    assert recorded["weaknesses"].label == "Points faibles relevés"
    assert findings.attrs["not_evaluated"] == ["answer_rule", "abandonment_rule",
                                               "delivery_rule", "trend_rule"]


# ----------------------------------------------------------------------------- scores, chart

def test_scores_formula(grid):
    findings = pd.DataFrame({
        "criterion": ["efficacité", "efficacité", "efficacité", "impact", "efficacité"],
        "phase": ["cadrage", "cadrage", None, "decision_suivi", "decision_suivi"],
        "kind": ["strength", "weakness", "weakness", "strength", "weakness"]})
    findings.attrs.update(diagnostic._grid_attrs(grid, "fr"))
    by_criterion = scores(findings)
    assert by_criterion[["criterion", "label", "strengths", "weaknesses", "findings"]
                        ].values.tolist() == [
        ["pertinence", "Pertinence", 0, 0, 0], ["efficacité", "Efficacité", 1, 3, 4],
        ["impact", "Impact", 1, 0, 1]]
    assert math.isnan(by_criterion["score"][0])
    assert by_criterion["score"].tolist()[1:] == [-0.5, 1.0]
    by_phase = scores(findings, by="phase")
    assert by_phase[["phase", "label", "strengths", "weaknesses"]].values.tolist() == [
        ["cadrage", "Cadrage", 1, 1], ["decision_suivi", "Décision et suivi", 1, 1],
        [None, "Non rattaché", 0, 1]]
    assert by_phase["score"].tolist() == [0.0, 0.0, -1.0]
    with pytest.raises(ValueError, match="cannot score by 'lever'"):
        scores(findings, by="lever")


def test_summary_chart_writes_the_counts():
    table = pd.DataFrame({"criterion": ["pertinence", "efficacité", "impact"],
                          "label": ["Pertinence", "Efficacité", "Impact"],
                          "strengths": [0, 1, 3], "weaknesses": [2, 3, 0],
                          "vigilance": [1, 0, 0]})
    fig = summary_chart(table, "en")
    axis = fig.axes[0]
    assert [tick.get_text() for tick in axis.get_yticklabels()] == [
        "Pertinence", "Efficacité", "Impact"]
    # Weaknesses, then points of vigilance beyond them, drawn left (negative), strengths
    # right, on the same rows.
    widths = [round(bar.get_width()) for bar in axis.patches]
    assert widths == [-2, -3, 0, -1, 0, 0, 0, 1, 3]
    assert [round(bar.get_x()) for bar in axis.patches[3:6]] == [-2, -3, 0]
    # No count on an empty bar, so no "0" stands for a bar that is not there.
    assert [text.get_text() for text in axis.texts if text.get_text()] == [
        "2", "3", "1", "1", "3"]
    assert [text.get_text() for text in axis.get_legend().get_texts()] == [
        "Weaknesses", "Points of vigilance", "Strengths"]
    assert axis.patches[0].get_hatch() == "//"
    assert axis.get_title() == "" and fig._suptitle is None
    matplotlib.pyplot.close(fig)


def test_duplicate_key_in_the_grid(tmp_path):
    error = grid_error(broken(tmp_path, "    source: \"médiane 2018\"\n",
                              "    source: \"médiane 2018\"\n    source: \"bis\"\n"))
    assert (error.row, error.column, error.message) == (24, 5, "the key 'source' appears twice")


def test_yaml_syntax_error_in_the_grid(tmp_path):
    error = grid_error(broken(tmp_path, "threshold: 0.8\n", "threshold: [0.8\n"))
    assert error.message.startswith("is not valid YAML")
    assert error.row is not None
