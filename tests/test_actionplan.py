"""Recommendations, the action plan, its workbook and its follow-up across waves."""

from __future__ import annotations

import json
import textwrap
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from civeval.diagnosis import actionplan as ap
from civeval.diagnosis import recommendations as rec
from civeval.diagnosis import workbook as wb
from civeval.diagnosis.findings import evaluate
from civeval.diagnosis.grid import load_grid
from civeval.diagnosis.validation import ActionPlanError
from civeval.evidence import registry
from civeval.evidence.record import Evidence
from civeval.workbench.study import load_study
from conftest import MINIMAL_STUDY, write_study

FIXTURES = Path(__file__).parent / "fixtures" / "actionplan"
LIBRARY = FIXTURES / "bibliotheque.yml"


def label(key, language="fr"):
    return registry.indicator(key, language)["label"]


def plan_study(root: Path, plan: str, slug: str = "s", extra: str = "", figures=None):
    """A study whose study.yml is MINIMAL_STUDY (7 lines) followed by ``plan``."""
    write_study(root, slug, MINIMAL_STUDY + extra + textwrap.dedent(plan))
    if figures is not None:
        write_figures(root, slug, figures)
    return load_study(slug)


def write_figures(root: Path, slug: str, values: dict) -> None:
    folder = root / "reports" / slug
    folder.mkdir(parents=True, exist_ok=True)
    figures = {key: {"value": value, "label": key, "kind": "percent"}
               for key, value in values.items()}
    (folder / "evidence.json").write_text(json.dumps(figures), encoding="utf-8")


def problem_lines(error) -> list[str]:
    return str(error).splitlines()


# --------------------------------------------------------------------------- priority

def test_priority_score_is_impact_times_four_minus_effort():
    scores = {(i, e): rec.priority_score(i, e) for i in (1, 2, 3) for e in (1, 2, 3)}
    assert scores == {(1, 1): 3, (1, 2): 2, (1, 3): 1, (2, 1): 6, (2, 2): 4, (2, 3): 2,
                      (3, 1): 9, (3, 2): 6, (3, 3): 3}
    assert [rec.priority_label(s) for s in (9, 6, 4, 3, 2, 1)] == [
        "prioritaire", "prioritaire", "à programmer", "à programmer", "à étudier", "à étudier"]
    assert [rec.priority_label(s, "en") for s in (6, 3, 2)] == [
        "priority", "to schedule", "to consider"]
    for impact, effort in ((0, 1), (4, 1), (True, 1), (2, 2.5)):
        with pytest.raises(ValueError, match="must be 1, 2 or 3"):
            rec.priority_score(impact, effort)


# --------------------------------------------------------------------------- the library

def test_shipped_library_answers_every_weakness_of_the_reference_grid():
    library = rec.load_library()
    grid = load_grid()
    weaknesses = {rule.id for rule in grid.rules if "weakness" in rule.findings}
    addressed = {rule for recommendation in library for rule in recommendation.addresses}
    assert len(library) >= 15
    assert addressed <= {rule.id for rule in grid.rules}
    assert weaknesses - addressed == set()
    assert {r.lever for r in library} == set(rec.LEVERS)
    for recommendation in library:
        assert recommendation.title.fr != recommendation.title.en
        for item in recommendation.indicators:
            assert registry.is_known(item.indicator), (recommendation.id, item.indicator)


def test_library_targets_are_held_by_the_indicator_kind():
    library = rec.load_library(LIBRARY)
    assert library.ids == ["r_answer", "r_feedback", "r_feasibility", "r_staff"]
    feasibility = library["r_feasibility"]
    assert [(i.indicator, i.target) for i in feasibility.indicators] == [
        ("abandonment_rate", 0.05), ("median_delivery_months", 24)]
    assert "r_staff" in library and "nope" not in library
    with pytest.raises(KeyError):
        library["nope"]


LIBRARY_ERRORS = [
    ("lever: transparence", "lever: transparance", 5, 5,
     "recommendations.0.lever: 'transparance' is not allowed; expected one of: communication, "
     "outils, transparence, organisation (did you mean 'transparence'?)"),
    ("impact: 3", "impact: 4", 9, 5,
     "recommendations.0.impact: 4 is not allowed; expected one of: 1, 2, 3"),
    ("id: r_feedback", "id: r_answer", 15, 5, "recommendation id 'r_answer' is used twice"),
    ("indicator: answer_rate, target: 1.0", "indicator: answer_ratio, target: 1.0", 13, 10,
     "recommendation r_answer: indicator 'answer_ratio' is not in the registry of indicators "
     "(did you mean 'answer_rate'?)"),
    ("indicator: answer_rate, target: 1.0", "indicator: answer_rate, target: 80", 13, 34,
     "recommendation r_answer: target 80 of answer_rate is a percentage, written as a ratio "
     "between 0 and 1: write 0.8 for 80 %"),
    ("{indicator: median_delivery_months, target: 24}",
     "{indicator: median_delivery_months, target: deux ans}", 36, 45,
     "recommendation r_feasibility: target 'deux ans' of median_delivery_months must be a "
     "number"),
    ('title: {fr: "Répondre à chaque proposition", en: "Answer every proposal"}',
     'title: {fr: "Répondre à chaque proposition"}', 6, 5,
     "missing required key 'recommendations.0.title.en'"),
    ("owner: {fr: \"Service participation\"", "owners: {fr: \"Service participation\"", 4, 5,
     "missing required key 'recommendations.0.owner'\n{path}, line 11, column 5: "
     "unknown key 'owners' in recommendations.0 (did you mean 'owner'?)"),
]


@pytest.mark.parametrize(("old", "new", "row", "column", "message"), LIBRARY_ERRORS)
def test_library_errors_are_located(tmp_path, old, new, row, column, message):
    text = LIBRARY.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "library.yml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")  # the first recommendation
    with pytest.raises(ActionPlanError) as caught:
        rec.load_library(path)
    error = caught.value
    assert str(error) == f"{path}, line {row}, column {column}: " + message.format(path=path)
    first = getattr(error, "problems", [error])[0]
    assert (first.row, first.column) == (row, column)


def test_library_with_a_key_twice_or_missing_is_an_error(tmp_path):
    twice = tmp_path / "twice.yml"
    twice.write_text("recommendations:\n  - id: a\n    id: b\n", encoding="utf-8")
    with pytest.raises(ActionPlanError, match=r"line 3, column 5: the key 'id' appears twice"):
        rec.load_library(twice)
    with pytest.raises(ActionPlanError,
                       match=r"missing\.yml: the library of recommendations does not exist"):
        rec.load_library(tmp_path / "missing.yml")


# --------------------------------------------------------------------------- recommend

def findings_frame(*rows):
    return pd.DataFrame(rows, columns=["rule", "kind"])


def test_recommend_keeps_what_answers_the_weaknesses_by_priority():
    findings = findings_frame(("abandonment_high", "weakness"),
                              ("implementation_high", "strength"),
                              ("proposals_unanswered", "weakness"),
                              ("turnout_below_median", "strength"),
                              ("retention_low", "weakness"),
                              ("proposals_unanswered", "weakness"),
                              ("consultant_1", "weakness"))
    table = rec.recommend(findings, rec.load_library(LIBRARY))
    assert list(table.columns) == list(rec.RECOMMENDATION_COLUMNS)
    assert table[["id", "answers", "score", "priority"]].to_dict("records") == [
        {"id": "r_answer", "answers": ["proposals_unanswered"], "score": 9,
         "priority": "prioritaire"},
        # same score: the one answering two weaknesses comes first
        {"id": "r_feedback", "answers": ["proposals_unanswered", "retention_low"], "score": 6,
         "priority": "prioritaire"},
        {"id": "r_feasibility", "answers": ["abandonment_high"], "score": 6,
         "priority": "prioritaire"},
        {"id": "r_staff", "answers": ["proposals_unanswered"], "score": 2,
         "priority": "à étudier"}]
    assert table.loc[3, "addresses"] == ["turnout_below_median", "proposals_unanswered"]
    assert table.loc[0, ["lever", "title", "description", "impact", "effort"]].tolist() == [
        "transparence", "Répondre à chaque proposition", "Une réponse motivée par proposition.",
        3, 1]


def test_recommend_in_english_and_from_the_real_diagnostic():
    grid = load_grid()
    figures = {"answer_rate": Evidence(key="answer_rate", value=0.5, kind="percent",
                                       label="Answered"),
               "turnout_rate": Evidence(key="turnout_rate", value=0.09, kind="percent",
                                        label="Turnout")}
    findings = evaluate(grid, figures, "en")
    assert set(zip(findings["rule"], findings["kind"], strict=True)) == {
        ("proposals_answered", "weakness"), ("turnout_level", "strength")}
    table = rec.recommend(findings, language="en")
    library = rec.load_library()
    expected = {r.id for r in library if "proposals_answered" in r.addresses}
    assert set(table["id"]) == expected and len(expected) >= 3
    assert all(answers == ["proposals_answered"] for answers in table["answers"])
    first = library[table.loc[0, "id"]]
    assert table.loc[0, "title"] == first.title.en
    assert table["score"].is_monotonic_decreasing


def test_recommend_without_weakness_is_an_empty_table():
    table = rec.recommend(findings_frame(("implementation_high", "strength")), LIBRARY)
    assert table.empty and list(table.columns) == list(rec.RECOMMENDATION_COLUMNS)
    assert rec.recommend(pd.DataFrame(), LIBRARY).empty
    with pytest.raises(ValueError, match="the findings need the column"):
        rec.recommend(pd.DataFrame({"rule": ["x"]}), LIBRARY)
    with pytest.raises(ValueError, match="unknown report language 'de'"):
        rec.recommend(pd.DataFrame(), LIBRARY, language="de")


# --------------------------------------------------------------------------- the action plan

PLAN = """\
action_plan:
  deadline: 2027-06-30
  accept: [r_staff, r_answer]
  actions:
    - id: A1
      title: "Publier le suivi des projets"
      lever: transparence
      impact: "3"
      effort: 1
      owner: "Service démocratie participative"
      deadline: 30/06/2026
      resources: "0,2 ETP ; 5 000 €"
      indicators:
        - {indicator: implementation_rate, target: 0.8, date: 2027-12-31}
        - {indicator: abandonment_rate, target: 0.05, baseline: 0.2}
      added_by_client: true
    - id: A2
      from: r_feasibility
      effort: 3
      owner: "Direction des services techniques"
"""


def test_action_plan_from_accepted_adapted_and_new_actions(project):
    study = plan_study(project, PLAN, figures={"answer_rate": 0.54, "abandonment_rate": 0.15,
                                               "implementation_rate": 0.33})
    actions, followed = ap.action_plan(study, LIBRARY)
    assert list(actions.columns) == list(ap.ACTION_COLUMNS)
    assert actions.to_dict("records") == [
        {"id": "r_answer", "title": "Répondre à chaque proposition", "lever": "transparence",
         "impact": 3, "effort": 1, "score": 9, "priority": "prioritaire",
         "owner": "Service participation", "deadline": date(2027, 6, 30), "resources": None,
         "from_recommendation": "r_answer"},
        {"id": "A1", "title": "Publier le suivi des projets", "lever": "transparence",
         "impact": 3, "effort": 1, "score": 9, "priority": "prioritaire",
         "owner": "Service démocratie participative", "deadline": date(2026, 6, 30),
         "resources": "0,2 ETP ; 5 000 €", "from_recommendation": None},
        # adapted: impact, title and indicators from the library, effort and owner given
        {"id": "A2", "title": "Instruire avant le vote", "lever": "organisation",
         "impact": 3, "effort": 3, "score": 3, "priority": "à programmer",
         "owner": "Direction des services techniques", "deadline": date(2027, 6, 30),
         "resources": None, "from_recommendation": "r_feasibility"},
        {"id": "r_staff", "title": "Dédier des moyens", "lever": "organisation",
         "impact": 2, "effort": 3, "score": 2, "priority": "à étudier",
         "owner": "Direction générale des services", "deadline": date(2027, 6, 30),
         "resources": None, "from_recommendation": "r_staff"}]
    assert list(followed.columns) == list(ap.INDICATOR_COLUMNS)
    assert followed.to_dict("records") == [
        {"action": "r_answer", "indicator": "answer_rate", "label": label("answer_rate"),
         "kind": "percent", "baseline": 0.54, "target": 1.0, "date": date(2027, 6, 30)},
        {"action": "A1", "indicator": "implementation_rate",
         "label": label("implementation_rate"), "kind": "percent", "baseline": 0.33,
         "target": 0.8, "date": date(2027, 12, 31)},
        # a baseline given by hand wins over the recorded one; no date: the action's deadline
        {"action": "A1", "indicator": "abandonment_rate", "label": label("abandonment_rate"),
         "kind": "percent", "baseline": 0.2, "target": 0.05, "date": date(2026, 6, 30)},
        {"action": "A2", "indicator": "abandonment_rate", "label": label("abandonment_rate"),
         "kind": "percent", "baseline": 0.15, "target": 0.05, "date": date(2027, 6, 30)},
        {"action": "A2", "indicator": "median_delivery_months",
         "label": label("median_delivery_months"), "kind": "number", "baseline": None,
         "target": 24, "date": date(2027, 6, 30)},
        {"action": "r_staff", "indicator": "turnout_rate", "label": label("turnout_rate"),
         "kind": "percent", "baseline": None, "target": 0.08, "date": date(2027, 6, 30)}]


def test_accepted_recommendation_in_english_without_horizon(project):
    study = plan_study(project, "action_plan:\n  accept: [reponse_motivee]\n",
                       extra="report: {language: en}\n")
    actions, followed = ap.action_plan(study)
    recommendation = rec.load_library()["reponse_motivee"]
    assert actions.loc[0, ["title", "owner", "priority", "deadline"]].tolist() == [
        recommendation.title.en, recommendation.owner.en, "priority", None]
    assert followed.loc[0, ["indicator", "label", "baseline", "target", "date"]].tolist() == [
        "answer_rate", label("answer_rate", "en"), None, 1.0, None]


def test_a_study_without_action_plan_has_empty_tables(project):
    actions, followed = ap.action_plan(plan_study(project, ""), LIBRARY)
    assert actions.empty and list(actions.columns) == list(ap.ACTION_COLUMNS)
    assert followed.empty and list(followed.columns) == list(ap.INDICATOR_COLUMNS)


ACTION = """\
action_plan:
  actions:
    - id: A1
      title: "Répondre"
      lever: transparence
      impact: 3
      effort: 1
      owner: "Service participation"
      indicators:
        - {indicator: answer_rate, target: 1.0, date: 2027-12-31}
      added_by_client: true
"""

PLAN_ERRORS = [
    # an action without owner: located at the action
    ('      owner: "Service participation"\n', "", 10, 7,
     "action A1 has no owner: give the service or role in charge (owner: ...)"),
    ('      owner: "Service participation"\n', '      owner: "  "\n', 15, 7,
     "action A1 has no owner: give the service or role in charge (owner: ...)"),
    # without follow-up indicator: no key, or an empty list
    ("      indicators:\n        - {indicator: answer_rate, target: 1.0, date: 2027-12-31}\n",
     "", 10, 7, "action A1 has no follow-up indicator: give at least one under indicators "
                "(indicator, target, date)"),
    ("      indicators:\n        - {indicator: answer_rate, target: 1.0, date: 2027-12-31}\n",
     "      indicators: []\n", 16, 7, "action A1 has no follow-up indicator: give at least one "
                                      "under indicators (indicator, target, date)"),
    # an indicator that is not in the registry
    ("indicator: answer_rate,", "indicator: answers_rate,", 17, 12,
     "action A1: indicator 'answers_rate' is not in the registry of indicators "
     "(did you mean 'answer_rate'?)"),
    # targets of the wrong type for their indicator
    ("target: 1.0,", "target: 80,", 17, 36,
     "action A1: target 80 of answer_rate is a percentage, written as a ratio between 0 and "
     "1: write 0.8 for 80 %"),
    ("target: 1.0,", 'target: "80 %",', 17, 36,
     "action A1: target '80 %' of answer_rate must be a number, a ratio between 0 and 1: "
     "write 0.8 for 80 %"),
    ("target: 1.0,", "target: '80',", 17, 36,
     "action A1: target '80' of answer_rate must be a number, a ratio between 0 and 1: "
     "write 0.8 for 80 %"),
    ("target: 1.0,", "target: toutes,", 17, 36,
     "action A1: target 'toutes' of answer_rate must be a number"),
    ("indicator: answer_rate, target: 1.0,",
     "indicator: median_delivery_months, target: '1,5',", 17, 47,
     "action A1: target '1,5' of median_delivery_months must be a number: write 1.5"),
    ("target: 1.0,", "target: yes,", 17, 36,
     "action A1: target True of answer_rate must be a number"),
    ("target: 1.0, ", "", 17, 11, "action A1: indicator answer_rate has no target"),
    # dates that are not dates
    ("date: 2027-12-31", "date: fin 2027", 17, 49,
     "action_plan.actions.0.indicators.0.date: 'fin 2027' is not a date such as 2026-06-30 "
     "(or 30/06/2026)"),
    ("      effort: 1\n", "      effort: 1\n      deadline: 2026\n", 15, 7,
     "action_plan.actions.0.deadline: 2026 is not a date such as 2026-06-30 (or 30/06/2026)"),
    ("      effort: 1\n", "      effort: 1\n      deadline: 31/02/2026\n", 15, 7,
     "action_plan.actions.0.deadline: '31/02/2026' is not a date such as 2026-06-30 "
     "(or 30/06/2026)"),
    # the schema: values out of range, unknown keys
    ("impact: 3", "impact: 5", 13, 7,
     "action_plan.actions.0.impact: 5 is not allowed; expected one of: 1, 2, 3"),
    ("lever: transparence", "lever: transparance", 12, 7,
     "action_plan.actions.0.lever: 'transparance' is not allowed; expected one of: "
     "communication, outils, transparence, organisation (did you mean 'transparence'?)"),
    ('      owner: "Service participation"\n', '      owners: "Service participation"\n', 15, 7,
     "unknown key 'owners' in action_plan.actions.0 (did you mean 'owner'?)"),
    ("      indicators:\n        - {indicator: answer_rate, target: 1.0, date: 2027-12-31}\n",
     "      indicators: {indicator: answer_rate, target: 1.0}\n", 16, 7,
     "action_plan.actions.0.indicators: must be a list"),
    ("  actions:\n", "  acept: [r_answer]\n  actions:\n", 9, 3,
     "unknown key 'acept' in action_plan (did you mean 'accept'?)"),
    # a new action needs what a recommendation would otherwise give
    ("      lever: transparence\n", "", 10, 7,
     "action A1 has no lever (one of: communication, outils, transparence, organisation)"),
]


@pytest.mark.parametrize(("old", "new", "row", "column", "message"), PLAN_ERRORS)
def test_action_plan_errors_are_located_in_study_yml(project, old, new, row, column, message):
    assert ACTION.count(old) == 1
    study = plan_study(project, ACTION.replace(old, new))
    with pytest.raises(ActionPlanError) as caught:
        ap.action_plan(study, LIBRARY)
    assert str(caught.value) == (
        f"study 's', studies/s/study.yml, line {row}, column {column}: {message}")


REFERENCE_ERRORS = [
    ("action_plan:\n  accept: [r_answer, r_answr]\n", 9, 22,
     "action_plan.accept: no recommendation 'r_answr' in the library {library} "
     "(did you mean 'r_answer'?)"),
    ("action_plan:\n  accept: [r_answer, r_answer]\n", 9, 22,
     "recommendation 'r_answer' is accepted twice"),
    ("action_plan:\n  actions:\n    - {id: B, from: r_stuff}\n", 10, 15,
     "action B: from: no recommendation 'r_stuff' in the library {library} "
     "(did you mean 'r_staff'?)"),
    ("action_plan:\n  accept: [r_staff]\n  actions:\n    - {id: B, from: r_staff}\n", 11, 15,
     "recommendation 'r_staff' is both accepted as it is and adapted by action B: "
     "remove it from accept"),
    ("action_plan:\n  accept: [r_staff]\n  actions:\n    - {id: r_staff, from: r_answer}\n",
     11, 8, "action id 'r_staff' is used twice (an accepted recommendation has that id)"),
]


@pytest.mark.parametrize(("plan", "row", "column", "message"), REFERENCE_ERRORS)
def test_references_to_the_library_are_checked(project, plan, row, column, message):
    study = plan_study(project, plan)
    with pytest.raises(ActionPlanError) as caught:
        ap.action_plan(study, LIBRARY)
    assert str(caught.value) == (f"study 's', studies/s/study.yml, line {row}, column {column}: "
                                 + message.format(library=LIBRARY))


def test_every_problem_is_listed_from_the_top_of_the_file(project):
    plan = ACTION.replace("target: 1.0,", "target: 80,").replace(
        '      owner: "Service participation"\n', "") + "  accept: [nope]\n"
    study = plan_study(project, plan)
    with pytest.raises(ActionPlanError) as caught:
        ap.action_plan(study, LIBRARY)
    assert [(p.row, p.column) for p in caught.value.problems] == [(10, 7), (16, 36), (18, 12)]
    assert problem_lines(caught.value)[0].endswith("action A1 has no owner: give the service "
                                                   "or role in charge (owner: ...)")


# --------------------------------------------------------------------------- the workbook

def sheet_rows(sheet):
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_workbook_round_trip(project, tmp_path):
    study = plan_study(project, PLAN, figures={"answer_rate": 0.54, "abandonment_rate": 0.15,
                                               "implementation_rate": 0.33})
    actions, followed = ap.action_plan(study, LIBRARY)
    path = wb.export_xlsx(actions, followed, tmp_path / "plan" / "plan-action.xlsx")
    assert path == tmp_path / "plan" / "plan-action.xlsx"
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Actions", "Indicateurs de suivi"]

    sheet = book["Actions"]
    rows = sheet_rows(sheet)
    assert rows[0] == ["Réf.", "Action", "Levier", "Priorité", "Impact (1-3)", "Effort (1-3)",
                       "Responsable", "Échéance", "Moyens", "Recommandation d'origine",
                       "Avancement", "Commentaire"]
    assert rows[2] == ["A1", "Publier le suivi des projets", "Transparence des décisions",
                       "prioritaire", 3, 1, "Service démocratie participative",
                       datetime(2026, 6, 30), "0,2 ETP ; 5 000 €", None, None, None]
    assert [row[0] for row in rows[1:]] == ["r_answer", "A1", "A2", "r_staff"]
    assert sheet["H3"].number_format == "dd/mm/yyyy"
    assert sheet.freeze_panes == "A2" and all(cell.font.b for cell in sheet[1])
    assert sheet.column_dimensions["B"].width == len("Répondre à chaque proposition") + 2
    (validation,) = sheet.data_validations.dataValidation
    assert validation.type == "list"
    assert validation.formula1 == '"Non démarré,En cours,Terminé,Abandonné"'
    assert str(validation.sqref) == "K2:K105"

    sheet = book["Indicateurs de suivi"]
    rows = sheet_rows(sheet)
    assert rows[0] == ["Réf. action", "Indicateur", "Code de l'indicateur",
                       "Valeur de référence", "Cible", "Échéance de la cible", "Valeur mesurée",
                       "Date de mesure"]
    assert rows[2] == ["A1", label("implementation_rate"), "implementation_rate", 0.33, 0.8,
                       datetime(2027, 12, 31), None, None]
    assert rows[5][2:6] == ["median_delivery_months", None, 24, datetime(2027, 6, 30)]
    # percentages as percentages (measured value included), a plain number stays plain
    assert [sheet.cell(row=3, column=c).number_format for c in (4, 5, 6, 7, 8)] == [
        "0.0%", "0.0%", "dd/mm/yyyy", "0.0%", "dd/mm/yyyy"]
    assert sheet.cell(row=6, column=5).number_format == "General"
    assert sheet.freeze_panes == "A2"


def test_workbook_in_english(tmp_path):
    actions = pd.DataFrame([{"id": "A1", "title": "Answer", "lever": "outils", "impact": 2,
                             "effort": 2, "owner": "Team", "deadline": None,
                             "resources": None, "from_recommendation": None}])
    followed = pd.DataFrame([{"action": "A1", "indicator": "cost_per_participant",
                              "label": "Cost", "kind": "euro", "baseline": 42.9,
                              "target": 30, "date": "2027-01-31"}])
    book = openpyxl.load_workbook(wb.export_xlsx(actions, followed, tmp_path / "plan.xlsx",
                                                 language="en"))
    assert book.sheetnames == ["Actions", "Follow-up indicators"]
    assert sheet_rows(book["Actions"]) == [
        ["Ref.", "Action", "Lever", "Priority", "Impact (1-3)", "Effort (1-3)", "Owner",
         "Deadline", "Resources", "Source recommendation", "Progress", "Comment"],
        ["A1", "Answer", "Participatory tools and methods", "to schedule", 2, 2, "Team", None,
         None, None, None, None]]
    (validation,) = book["Actions"].data_validations.dataValidation
    assert validation.formula1 == '"Not started,In progress,Done,Abandoned"'
    sheet = book["Follow-up indicators"]
    assert sheet_rows(sheet)[1] == ["A1", "Cost", "cost_per_participant", 42.9, 30,
                                    datetime(2027, 1, 31), None, None]
    assert sheet["D2"].number_format == '#,##0 "€"'


def test_a_failed_export_leaves_the_previous_workbook(tmp_path, monkeypatch):
    actions, followed = (pd.DataFrame(columns=list(ap.ACTION_COLUMNS)),
                         pd.DataFrame(columns=list(ap.INDICATOR_COLUMNS)))
    path = wb.export_xlsx(actions, followed, tmp_path / "plan.xlsx")
    before = path.read_bytes()

    def broken(*args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(wb, "_finish_indicators", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        wb.export_xlsx(actions, followed, path, language="en")
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["plan.xlsx"]
    with pytest.raises(ValueError, match="lacks the column"):
        wb.export_xlsx(actions.drop(columns="owner"), followed, tmp_path / "other.xlsx")
    with pytest.raises(ValueError, match="must be an .xlsx file"):
        wb.export_xlsx(actions, followed, tmp_path / "plan.csv")
    assert not (tmp_path / "other.xlsx").exists()


# --------------------------------------------------------------------------- follow-up

@pytest.mark.parametrize(("baseline", "target", "measured", "kind", "reached"), [
    (0.54, 0.8, 0.8, "percent", True),            # raised to the target
    (0.54, 0.8, 0.85, "percent", True),           # and past it
    (0.54, 0.8, 0.79, "percent", False),
    (0.15, 0.05, 0.04, "percent", True),          # lowered to below the target
    (0.15, 0.05, 0.06, "percent", False),
    (0.15, 0.05, 0.3, "percent", False),
    (1.0, 1.0, 1.0, "percent", True),             # kept where it was
    (1.0, 1.0, 0.9, "percent", False),
    (0.1 + 0.2, 0.5, 0.5, "percent", True),
    (None, 0.8, 0.9, "percent", None),            # no baseline: which way is unknown
    (0.54, 0.8, None, "percent", None),           # not measured
    ("2025-01-01", "2026-01-01", "2026-03-01", "date", True),
    ("budget", "mobilité", "mobilité", "text", True),
    ("budget", "mobilité", "budget", "text", False),
])
def test_target_reached_whichever_way_the_target_lies(baseline, target, measured, kind,
                                                       reached):
    assert ap.target_reached(baseline, target, measured, kind) is reached


PREVIOUS = """\
action_plan:
  deadline: 2026-06-30
  accept: [r_answer]
  actions:
    - id: A1
      from: r_feasibility
      indicators:
        - {indicator: abandonment_rate, target: 0.05}
        - {indicator: implementation_rate, target: 0.8, date: 2027-12-31}
"""


def test_follow_up_across_waves(project, monkeypatch):
    monkeypatch.setattr(rec, "_library_path", lambda: LIBRARY)
    plan_study(project, PREVIOUS, slug="vague-1",
               figures={"answer_rate": 0.54, "abandonment_rate": 0.15,
                        "implementation_rate": 0.33})
    study = plan_study(project, "previous_wave: vague-1\n", slug="vague-2",
                       extra="report: {language: en}\n",
                       figures={"answer_rate": 0.9, "abandonment_rate": 0.04})
    table = ap.follow_up(study)
    assert list(table.columns) == list(ap.FOLLOW_UP_COLUMNS)
    assert table.to_dict("records") == [
        {"action": "r_answer", "indicator": "answer_rate", "label": label("answer_rate", "en"),
         "kind": "percent", "baseline": 0.54, "target": 1.0, "date": date(2026, 6, 30),
         "measured": 0.9, "reached": False},
        {"action": "A1", "indicator": "abandonment_rate",
         "label": label("abandonment_rate", "en"), "kind": "percent", "baseline": 0.15,
         "target": 0.05, "date": date(2026, 6, 30), "measured": 0.04, "reached": True},
        {"action": "A1", "indicator": "implementation_rate",
         "label": label("implementation_rate", "en"), "kind": "percent", "baseline": 0.33,
         "target": 0.8, "date": date(2027, 12, 31), "measured": None, "reached": None}]
    assert ap.follow_up(load_study("vague-1")) is None


def test_follow_up_errors_are_located_at_previous_wave(project, monkeypatch):
    monkeypatch.setattr(rec, "_library_path", lambda: LIBRARY)
    plan_study(project, PREVIOUS, slug="vague-1")
    plan_study(project, "", slug="autre")
    where = "study 'vague-2', studies/vague-2/study.yml, line 8, column 1"

    study = plan_study(project, "previous_wave: vague-0\n", slug="vague-2")
    with pytest.raises(ActionPlanError) as caught:
        ap.follow_up(study)
    assert str(caught.value) == (f"{where}: previous_wave: no study 'vague-0' "
                                 "(did you mean 'vague-1'?); studies: autre, vague-1")

    (project / "studies" / "vague-2" / "study.yml").write_text(
        MINIMAL_STUDY + "previous_wave: vague-1\n", encoding="utf-8")
    with pytest.raises(ActionPlanError) as caught:
        ap.follow_up(load_study("vague-2"))
    assert str(caught.value) == (
        f"{where}: previous_wave: the report of study 'vague-1' has not been run yet "
        "(reports/vague-1/evidence.json is missing); run it first: civeval run vague-1")

    (project / "studies" / "vague-2" / "study.yml").write_text(
        MINIMAL_STUDY + "previous_wave: vague-2\n", encoding="utf-8")
    with pytest.raises(ActionPlanError) as caught:
        ap.follow_up(load_study("vague-2"))
    assert str(caught.value) == (f"{where}: previous_wave: 'vague-2' is this study; name the "
                                 "study of the previous evaluation wave")


def test_errors_in_the_previous_wave_plan_point_to_its_own_file(project, monkeypatch):
    monkeypatch.setattr(rec, "_library_path", lambda: LIBRARY)
    plan_study(project, PREVIOUS.replace("target: 0.05", "target: 5"), slug="vague-1",
               figures={})
    study = plan_study(project, "previous_wave: vague-1\n", slug="vague-2")
    with pytest.raises(ActionPlanError) as caught:
        ap.follow_up(study)
    assert str(caught.value) == (
        "study 'vague-1', studies/vague-1/study.yml, line 15, column 41: action A1: target 5 "
        "of abandonment_rate is a percentage, written as a ratio between 0 and 1: write 0.05 "
        "for 5 %")


def test_a_point_of_vigilance_calls_for_the_recommendations_of_its_rule():
    table = rec.recommend(findings_frame(("retention_low", "vigilance")), LIBRARY)
    assert "r_feedback" in table["id"].tolist()


# --------------------------------------------------------------------------- consistency

CONSISTENCY_ERRORS = [
    # an action no recommendation calls for, not said to be the client's own
    ("      added_by_client: true\n", "", 10, 7,
     "action A1 traces to no recommendation: adapt one (from: <recommendation id>) or say "
     "the client added it (added_by_client: true)"),
    # one indicator, one date, two targets
    ("      added_by_client: true\n",
     "      added_by_client: true\n    - id: A2\n      from: r_answer\n"
     "      indicators:\n        - {indicator: answer_rate, target: 0.9, date: 2027-12-31}\n",
     22, 36, "action A2: indicator answer_rate already has the target 1.0 for 2027-12-31 "
             "(action A1); one indicator has one target per date"),
    # a recommendation set aside must exist and not be taken up too
    ("      added_by_client: true\n",
     "      added_by_client: true\n  set_aside:\n    - {recommendation: r_answr, reason: x}\n",
     20, 8, "action_plan.set_aside: no recommendation 'r_answr' in the library {library} "
             "(did you mean 'r_answer'?)"),
    ("      added_by_client: true\n",
     "      added_by_client: true\n  accept: [r_answer]\n"
     "  set_aside:\n    - {recommendation: r_answer, reason: x}\n",
     21, 8, "recommendation 'r_answer' is both set aside and taken up by an action"),
    ("      added_by_client: true\n",
     "      added_by_client: true\n  set_aside:\n    - {recommendation: r_answer}\n",
     20, 7, "missing required key 'action_plan.set_aside.0.reason'"),
    # a deadline that is not a date
    ("      effort: 1\n", "      effort: 1\n      deadline: bientôt\n", 15, 7,
     "action_plan.actions.0.deadline: 'bientôt' is not a date such as 2026-06-30 "
     "(or 30/06/2026)"),
]


@pytest.mark.parametrize(("old", "new", "row", "column", "message"), CONSISTENCY_ERRORS)
def test_an_inconsistent_plan_stops_validation_at_its_line(project, old, new, row, column,
                                                           message):
    study = plan_study(project, ACTION.replace(old, new))
    with pytest.raises(ActionPlanError) as caught:
        ap.action_plan(study, LIBRARY)
    assert str(caught.value) == (f"study 's', studies/s/study.yml, line {row}, column {column}: "
                                 + message.format(library=LIBRARY))


def test_civeval_validate_exits_2_on_an_untraced_action(project):
    from conftest import run_cli

    write_study(project, "s", MINIMAL_STUDY + "components: [90_rapport]\n"
                + ACTION.replace("      added_by_client: true\n", ""))
    result = run_cli("validate", "s", root=project)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "studies/s/study.yml, line 11, column 7" in result.stderr
    assert "traces to no recommendation" in result.stdout + result.stderr


def test_the_report_flags_past_deadlines_and_priority_recommendations_left_without_action(
        project):
    plan = ACTION.replace("      added_by_client: true\n",
                          "      added_by_client: true\n      deadline: 2026-03-31\n"
                          "  set_aside:\n    - {recommendation: r_staff, reason: \"déjà fait\"}\n")
    study = plan_study(project, plan)
    actions, followed = ap.action_plan(study, LIBRARY)
    advice = pd.DataFrame({"id": ["r_answer", "r_feasibility", "r_staff"],
                           "title": ["Répondre", "Instruire", "Dédier"], "score": [9, 6, 9]})
    flagged = ap.inconsistencies(study, actions, followed, advice, date(2026, 12, 6))
    assert flagged == [
        "L'échéance de l'action « Répondre » (31/03/2026) est déjà passée à la date du "
        "rapport (06/12/2026).",
        "La recommandation prioritaire « Répondre » n'a ni action ni raison de l'écarter.",
        "La recommandation prioritaire « Instruire » n'a ni action ni raison de l'écarter."]
    # on the day of the deadline, nothing is late yet; a target dated later is not either
    assert ap.inconsistencies(study, actions, followed, advice.iloc[2:], date(2026, 3, 31)) == []
    assert ap.set_aside(study) == {"r_staff": "déjà fait"}


def test_a_target_date_already_past_is_flagged_apart_from_its_action(project):
    plan = ACTION.replace("date: 2027-12-31", "date: 2026-01-31").replace(
        "      added_by_client: true\n",
        "      added_by_client: true\n      deadline: 2027-06-30\n")
    study = plan_study(project, plan)
    actions, followed = ap.action_plan(study, LIBRARY)
    empty = pd.DataFrame({"id": [], "title": [], "score": []})
    assert ap.inconsistencies(study, actions, followed, empty, date(2026, 12, 6)) == [
        f"La cible de « {label('answer_rate')} » pour l'action « Répondre » est datée du "
        "31/01/2026, déjà passé à la date du rapport (06/12/2026)."]
