"""The diagnostic grid: loading and validating grids, rules over recorded figures,
consultant assessments, scores and the summary chart."""

from __future__ import annotations

import json
import math
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
from civeval.workbench.study import Criterion, load_study
from conftest import MINIMAL_STUDY, write_study

FIXTURES = Path(__file__).parent / "fixtures" / "diagnostic"
TEST_GRID = FIXTURES / "grille_test.yml"
NBSP = "\xa0"


def figure(value, kind="number", label=None, section="30_participation"):
    return {"value": value, "label": label or "figure", "kind": kind, "section": section}


@pytest.fixture(scope="module")
def grid():
    return load_grid(TEST_GRID)


def by_rule(findings: pd.DataFrame) -> dict[str, dict]:
    return {row["rule"]: row for row in findings.to_dict("records")}


# ----------------------------------------------------------------------------- reference grid

def test_reference_grid_loads_with_the_issue_rules():
    grid = load_grid()
    assert list(grid.criteria) == [str(c) for c in Criterion]
    assert list(grid.phases) == ["cadrage", "travail_collectif", "decision_suivi"]
    assert list(grid.oecd_stages) == ["design_integrity", "deliberative_experience",
                                      "pathways_to_impact"]
    rules = {rule.id: rule for rule in grid.rules}
    assert len(rules) == 13
    expected = {
        "turnout_below_median": [("turnout_rate", "<", 0.04)],
        "young_underrepresented": [("young_representation_ratio", "<", 0.5)],
        "proposals_unanswered": [("answer_rate", "<", 0.8)],
        "significant_decline": [("participants_change", "<", 0),
                                ("participants_trend_p_value", "<", 0.05)],
        "abandonment_high": [("abandonment_rate", ">", 0.1)],
        "retention_low": [("retention_rate", "<", 0.3)],
        "district_gap": [("district_rate_ratio", ">", 2)],
        "coding_unreliable": [("coding_alpha", "<", 0.667)],
        "implementation_high": [("implementation_rate", ">=", 0.8)],
    }
    for rule_id, conditions in expected.items():
        rule = rules[rule_id]
        assert [(c.indicator, c.operator, c.threshold) for c in rule.conditions] == conditions
        assert rule.outcome.kind == ("strength" if rule_id == "implementation_high"
                                     else "weakness")
    assert rules["turnout_below_median"].otherwise.kind == "strength"
    assert len(grid.keys_to_success) == 6 and len(grid.points_of_vigilance) == 4
    assert [len(p["expected_outputs"]) for p in grid.phases.values()] == [3, 2, 4]


def test_every_reference_rule_names_a_registered_indicator():
    for rule in load_grid().rules:
        for condition in rule.conditions:
            assert indicators.is_known(condition.indicator), (rule.id, condition.indicator)
        assert rule.source


def test_reference_grid_on_a_saint_aubin_like_study():
    figures = {
        "turnout_rate": figure(0.0657, "percent", "Taux de participation en 2024"),
        "participants_change": figure(-0.2788, "percent", "Évolution des participants"),
        "participants_trend_p_value": figure(9.2e-13, "p_value", "Tendance (p)"),
        "district_rate_ratio": figure(1.85, label="Écart entre quartiers"),
        "abandonment_rate": figure(0.0667, "percent"),
        "coding_alpha": figure(0.881, "coefficient", section="20_entretiens"),
    }
    findings = evaluate(load_grid(), figures)
    assert findings[["rule", "kind"]].values.tolist() == [
        ["turnout_below_median", "strength"], ["district_gap", "strength"],
        ["significant_decline", "weakness"]]
    decline = by_rule(findings)["significant_decline"]
    assert decline["finding"] == (
        "Le dispositif s'essouffle : le nombre de participants a évolué de -27,9" + NBSP
        + "% entre la première et la dernière édition, une baisse statistiquement "
        "significative (test de tendance au seuil de 0,05).")
    assert decline["evidence"] == (
        f"Évolution des participants : -27,9{NBSP}% (seuil : < 0{NBSP}%) ; "
        "Tendance (p) : < 0,001 (seuil : < 0,05)")
    assert findings.attrs["not_evaluated"] == [
        "young_underrepresented", "retention_low", "attendance_low",
        "priorities_divergent", "proposals_unanswered", "implementation_high",
        "delivery_slow"]


# ----------------------------------------------------------------------------- rules

@pytest.mark.parametrize(("rule", "key", "kind", "value", "holds"), [
    ("lt_rule", "turnout_rate", "percent", 0.039, True),
    ("lt_rule", "turnout_rate", "percent", 0.04, False),
    ("le_rule", "answer_rate", "percent", 0.8, True),
    ("le_rule", "answer_rate", "percent", 0.81, False),
    ("gt_rule", "abandonment_rate", "percent", 0.11, True),
    ("gt_rule", "abandonment_rate", "percent", 0.1, False),
    ("ge_rule", "coding_alpha", "coefficient", 0.667, True),
    ("ge_rule", "coding_alpha", "coefficient", 0.66, False),
    ("eq_rule", "top_theme", "text", "Transparence", True),
    ("eq_rule", "top_theme", "text", "Communication", False),
])
def test_each_operator(grid, rule, key, kind, value, holds):
    findings = evaluate(grid, {key: figure(value, kind)})
    rules = by_rule(findings)
    wanted = next(r for r in grid.rules if r.id == rule)
    if holds:
        assert rules[rule]["kind"] == wanted.outcome.kind
    elif wanted.otherwise is not None:
        assert rules[rule]["kind"] == wanted.otherwise.kind
    else:
        assert rule not in rules
    assert rule in findings.attrs["evaluated"]


def test_finding_cites_its_evidence(grid):
    figures = {"turnout_rate": figure(0.031, "percent", "Taux de participation en 2024")}
    row = by_rule(evaluate(grid, figures))["lt_rule"]
    assert row == {
        "rule": "lt_rule", "criterion": "efficacité", "phase": "cadrage", "oecd_stage": None,
        "kind": "weakness", "finding": f"Participation 3,1{NBSP}% sous 4{NBSP}%.",
        "indicator": "turnout_rate", "label": "Taux de participation en 2024",
        "value": 0.031, "value_kind": "percent", "threshold": 0.04, "operator": "<",
        "section": "30_participation", "source": "rule", "reference": "médiane 2018",
        "evidence": f"Taux de participation en 2024 : 3,1{NBSP}% (seuil : < 4{NBSP}%)"}


def test_otherwise_in_english(grid):
    row = by_rule(evaluate(grid, {"turnout_rate": figure(0.14, "percent", "Turnout")},
                           language="en"))["lt_rule"]
    assert (row["kind"], row["finding"], row["evidence"]) == (
        "strength", "Turnout 14.0% at least 4%.", "Turnout: 14.0% (threshold: < 4%)")


def test_le_operator_is_shown_as_a_symbol(grid):
    row = by_rule(evaluate(grid, {"answer_rate": figure(0.5, "percent")}))["le_rule"]
    assert (row["operator"], row["oecd_stage"], row["phase"]) == (
        "≤", "pathways_to_impact", "decision_suivi")


@pytest.mark.parametrize(("change", "p", "found"), [
    (-0.2, 0.01, True), (-0.2, 0.2, False), (0.1, 0.01, False)])
def test_all_conditions(grid, change, p, found):
    figures = {"participants_change": figure(change, "percent", "Évolution"),
               "participants_trend_p_value": figure(p, "p_value", "p")}
    rules = by_rule(evaluate(grid, figures))
    assert ("all_rule" in rules) is found
    if found:
        assert rules["all_rule"]["finding"] == f"Baisse de -20,0{NBSP}% (p 0,010, seuil 0,05)."
        assert rules["all_rule"]["indicator"] == "participants_change"


def test_missing_or_empty_indicator_is_skipped(grid):
    figures = {"participants_change": figure(-0.2, "percent"),
               "answer_rate": figure(None, "percent")}
    findings = evaluate(grid, figures)
    assert len(findings) == 0
    assert findings.columns.tolist() == diagnostic.COLUMNS
    assert findings.attrs["not_evaluated"] == ["lt_rule", "le_rule", "gt_rule", "ge_rule",
                                               "eq_rule", "all_rule"]
    assert findings.attrs["evaluated"] == []


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
    error = grid_error(broken(tmp_path, "indicator: turnout_rate,", "indicator: turnout,"))
    assert (error.row, error.column) == (20, 12)
    assert error.message == ("no section records the indicator 'turnout': it is not in the "
                             "registry of key figures (civeval.evidence.registry)")
    assert str(error.file).endswith("grille.yml")


def test_unknown_indicator_inside_all(tmp_path):
    error = grid_error(broken(tmp_path, "{indicator: participants_trend_p_value,",
                              "{indicator: trend_p,"))
    assert (error.row, error.column) == (63, 12)


def test_bad_operator_is_located(tmp_path):
    error = grid_error(broken(tmp_path, 'operator: "<=", threshold: 0.8',
                              'operator: "=<", threshold: 0.8'))
    assert (error.row, error.column) == (32, 36)
    assert error.message == "unknown operator '=<'; operators: <, <=, >, >=, =="


def test_unknown_criterion_is_located(tmp_path):
    error = grid_error(broken(tmp_path, "    criterion: impact\n    phase: decision_suivi\n"
                              "    oecd_stage", "    criterion: efficace\n    phase: "
                              "decision_suivi\n    oecd_stage"))
    assert (error.row, error.column) == (28, 5)
    assert error.message == ("unknown criterion 'efficace'; criteria: pertinence, efficacité, "
                             "impact")


def test_criterion_alias_is_accepted(tmp_path):
    grid = load_grid(broken(tmp_path, "criterion: efficacité\n    phase: cadrage",
                            "criterion: Efficacite\n    phase: cadrage"))
    assert grid.rules[0].criterion == "efficacité"


def test_unknown_phase_is_located(tmp_path):
    error = grid_error(broken(tmp_path, "phase: cadrage\n    when: {indicator: turnout",
                              "phase: lancement\n    when: {indicator: turnout"))
    assert (error.row, error.message) == (
        19, "unknown phase 'lancement'; phases: cadrage, decision_suivi")


def test_percent_threshold_written_as_a_percentage(tmp_path):
    error = grid_error(broken(tmp_path, "threshold: 0.04}", "threshold: 4}"))
    assert (error.row, error.column) == (20, 52)
    assert error.message == ("'turnout_rate' is a percent, written as a ratio: 0.04 for 4 %, "
                             "not 4")


def test_text_indicator_needs_equality(tmp_path):
    error = grid_error(broken(tmp_path, 'operator: "==", threshold: "Transparence"',
                              'operator: "<", threshold: "Transparence"'))
    assert (error.row, error.message) == (
        53, "'top_theme' is a text: compare it with == to a text")


def test_unknown_placeholder(tmp_path):
    error = grid_error(broken(tmp_path, '{fr: "Réponses {value}."', '{fr: "Réponses {valeur}."'))
    assert (error.row, error.column) == (35, 15)
    assert error.message == "unknown placeholder {valeur}; placeholders: {threshold}, {value}"


def test_duplicate_rule_id(tmp_path):
    error = grid_error(broken(tmp_path, "- id: le_rule", "- id: lt_rule"))
    assert (error.row, error.message) == (27, "the rule id 'lt_rule' is used twice")


def test_misspelt_key_in_a_rule(tmp_path):
    error = grid_error(broken(tmp_path, 'source: "convention"\n    kind: weakness\n    finding: '
                              '{fr: "Réponses', 'sources: "convention"\n    kind: weakness\n'
                              '    finding: {fr: "Réponses'))
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
    study.indicators_file.write_text(json.dumps({
        "turnout_rate": figure(0.02, "percent", "Taux"),
        "coding_alpha": figure(0.9, "coefficient", "Alpha")}), encoding="utf-8")
    findings = diagnose(study)
    assert findings[["rule", "source", "kind"]].values.tolist() == [
        ["lt_rule", "rule", "weakness"], ["ge_rule", "rule", "strength"],
        [None, "consultant", "weakness"], [None, "consultant", "strength"]]
    recorded = study.indicators()
    assert (recorded["strengths"]["value"], recorded["weaknesses"]["value"]) == (2, 2)
    assert recorded["weaknesses"]["label"] == "Points faibles relevés"
    assert findings.attrs["not_evaluated"] == ["le_rule", "gt_rule", "eq_rule", "all_rule"]


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
                          "strengths": [0, 1, 3], "weaknesses": [2, 3, 0]})
    fig = summary_chart(table, "en")
    axis = fig.axes[0]
    assert [tick.get_text() for tick in axis.get_yticklabels()] == [
        "Pertinence", "Efficacité", "Impact"]
    # Weaknesses drawn left (negative), strengths right, on the same rows.
    widths = [round(bar.get_width()) for bar in axis.patches]
    assert widths == [-2, -3, 0, 0, 1, 3]
    # No count on an empty bar, so no "0" stands for a bar that is not there.
    assert [text.get_text() for text in axis.texts if text.get_text()] == ["2", "3", "1", "3"]
    assert [text.get_text() for text in axis.get_legend().get_texts()] == [
        "Weaknesses", "Strengths"]
    assert axis.patches[0].get_hatch() == "//"
    assert axis.get_title() == "" and fig._suptitle is None
    matplotlib.pyplot.close(fig)


def test_duplicate_key_in_the_grid(tmp_path):
    error = grid_error(broken(tmp_path, "    source: \"médiane 2018\"\n",
                              "    source: \"médiane 2018\"\n    source: \"bis\"\n"))
    assert (error.row, error.column, error.message) == (22, 5, "the key 'source' appears twice")


def test_yaml_syntax_error_in_the_grid(tmp_path):
    error = grid_error(broken(tmp_path, "kind: weakness\n    finding: {fr: \"Réponses",
                              "kind: [weakness\n    finding: {fr: \"Réponses"))
    assert error.message.startswith("is not valid YAML")
    assert error.row is not None
