"""The main report (template ``90_rapport``): what an elected official reads in twenty minutes.

It gathers what the other sections recorded (``indicators.json``, each figure tagged with
the section that recorded it), the diagnostic (:mod:`civeval.diagnosis.findings`) and the action
plan (:mod:`civeval.diagnosis.actionplan`), and links to the detailed section reports. It runs after
every section the study has (``follows`` in its header), so their figures and pages exist.
"""

from __future__ import annotations

import pandas as pd

from civeval.presentation import fmt, i18n, report
from civeval.workbench.study import Study
from civeval.workbench.templates import find_template

# The figures an executive summary leads with, in this order, when the study has them.
HEADLINE = ("turnout_rate", "participants_change", "questionnaire_response_rate",
            "implementation_rate", "answer_rate", "interviews", "platform_contributors",
            "attendance_rate", "retention_rate", "median_delivery_months", "proposals",
            "questionnaire_complete")
# Figures that say how much material the evaluation rests on.
SAMPLES = ("questionnaire_complete", "questionnaire_effective_n", "interviews",
           "stakeholder_groups", "pb_voters", "proposals", "platform_contributors",
           "open_answers", "records")
MAIN = "90_rapport"
ACTION_PLAN_FILE = "plan_action.xlsx"


def _figure_rows(figures: dict, keys) -> pd.DataFrame:
    rows = [{"indicator": figures[key]["label"], "value": figures[key]["value"],
             "kind": figures[key].get("kind") or "number"} for key in keys if key in figures]
    return pd.DataFrame(rows, columns=["indicator", "value", "kind"])


def check(study: Study, parameters: dict) -> None:
    """Inputs of ``90_rapport`` checked before anything runs: the study's diagnostic grid
    and its consultant's assessments, its action plan (owners, indicators, targets of the
    right type) and its previous wave (a study that exists and has been run).
    """
    from civeval.diagnosis import actionplan
    from civeval.diagnosis import findings as grid_findings
    from civeval.diagnosis import grid as grid_rules

    grid_findings.assessments(study, grid_rules.study_grid(study))
    if study.config.action_plan:
        actionplan.action_plan(study)
    if study.config.previous_wave:
        actionplan.follow_up(study)


def cover(study: Study) -> pd.DataFrame:
    """The cover's facts: client, schemes, period, authors (``indicator, value, kind``)."""
    t = study.t
    rows = [(t("fact.client"), study.client.name),
            (t("fact.schemes"), ", ".join(s.name for s in study.schemes))]
    if study.period:
        rows.append((t("fact.period"), fmt.period(*study.period)))
    if study.config.report.authors:
        rows.append((t("fact.authors"), ", ".join(study.config.report.authors)))
    return pd.DataFrame([{"indicator": label, "value": value, "kind": "text"}
                         for label, value in rows])


def headline(study: Study, count: int = 5) -> pd.DataFrame:
    """The ``count`` key figures of the executive summary (``indicator, value, kind``)."""
    figures = study.indicators()
    return _figure_rows(figures, [k for k in HEADLINE if k in figures][:count])


def samples(study: Study) -> pd.DataFrame:
    """How much material the evaluation rests on: responses, interviews, votes…"""
    return _figure_rows(study.indicators(), SAMPLES)


def sources(study: Study) -> pd.DataFrame:
    """The study's datasets and what each holds, for the method section."""
    return pd.DataFrame([{"dataset": name, "description": entry.description or ""}
                         for name, entry in study.config.data.items()],
                        columns=["dataset", "description"])


def components(study: Study) -> list[dict]:
    """Each section of the study but this one: its title, its page when it was rendered
    in this run, and the key figures it recorded (``indicator, value, kind``)."""
    figures = study.indicators()
    shown = []
    for component in study.config.components:
        if component.template == MAIN:
            continue
        template = find_template(component.template)
        page = f"{component.template}.html"
        keys = [k for k, f in figures.items() if f.get("section") == component.template]
        shown.append({"template": component.template, "title": template.title(study.language),
                      "page": page if (study.output_dir / page).is_file() else None,
                      "figures": _figure_rows(figures, keys)})
    return shown


def strengths_and_weaknesses(findings: pd.DataFrame, count: int = 3) -> dict[str, list[str]]:
    """The first ``count`` strengths and weaknesses of the diagnostic, rules before the
    consultant's own assessments (their order in the grid is their order of importance)."""
    order = findings.assign(rank=(findings["source"] != "rule").astype(int)).sort_values(
        "rank", kind="stable")
    return {kind: order.loc[order["kind"] == kind, "finding"].head(count).tolist()
            for kind in ("strength", "weakness")}


def diagnostic(study: Study):
    """The study's findings (rules over its figures, and the consultant's assessments) and
    their scores per criterion; see :mod:`civeval.diagnosis.findings`."""
    from civeval.diagnosis import findings as grid_findings

    findings = grid_findings.diagnose(study)
    return findings, grid_findings.scores(findings)


def scores_chart(study: Study, scores: pd.DataFrame) -> report.HTML:
    """Strengths and weaknesses per criterion, with title, source and alt text."""
    from civeval.diagnosis import findings as grid_findings

    t = study.t
    shown = scores[scores["findings"] > 0]
    figure = grid_findings.summary_chart(shown, language=study.language)
    return report.figure(
        figure, title=t("synthesis.chart_title"),
        alt=t("synthesis.chart_alt", criteria=len(shown),
              strengths=int(shown["strengths"].sum()),
              weaknesses=int(shown["weaknesses"].sum())),
        source=t("synthesis.chart_source", client=study.client.name))


def findings_table(study: Study, findings: pd.DataFrame) -> pd.DataFrame:
    """Findings as the report shows them: criterion, strength or weakness, the finding and
    its evidence (figures, values and thresholds in words, or the consultant's source)."""
    t = study.t
    criteria = findings.attrs.get("criteria", {})
    return pd.DataFrame({
        "criterion": findings["criterion"].map(lambda c: criteria.get(c, c)),
        "assessment": findings["kind"].map(lambda kind: t(f"synthesis.{kind}")),
        "finding": findings["finding"],
        "evidence": findings["evidence"].fillna("")}).reset_index(drop=True)


def plan(study: Study, findings: pd.DataFrame) -> dict:
    """Recommendations for the weaknesses found, and the action plan when the study has
    agreed one: its actions by priority, its follow-up indicators (with the formats of
    their kinds) and the workbook the client's services fill in, written beside the report.

    Returns a dict: ``recommendations``, ``actions`` and ``indicators`` (None without a
    plan), ``indicator_kinds`` and ``priorities`` (titles of the priority actions).
    """
    from civeval.diagnosis import actionplan, recommendations, workbook

    advice = recommendations.recommend(findings, language=study.language)
    shown = {"recommendations": advice.assign(lever=advice["lever"].map(
        lambda lever: recommendations.lever_label(lever, study.language)))[
        ["lever", "title", "description", "priority"]],
        "actions": None, "indicators": None, "indicator_kinds": {}, "priorities": []}
    if not study.config.action_plan:
        return shown
    actions, indicators = actionplan.action_plan(study)
    workbook.export_xlsx(actions, indicators, study.output_dir / ACTION_PLAN_FILE,
                         language=study.language)
    top = recommendations.priority_label(9, study.language)
    shown["priorities"] = actions.loc[actions["priority"] == top, "title"].head(3).tolist()
    shown["actions"] = actions.assign(
        lever=actions["lever"].map(
            lambda lever: recommendations.lever_label(lever, study.language)),
        deadline=actions["deadline"].map(lambda d: fmt.date(d) if d else fmt.MISSING))[
        ["id", "title", "lever", "priority", "owner", "deadline"]]
    shown["indicators"] = pd.DataFrame({
        "action": indicators["action"], "indicator": indicators["label"],
        "baseline": [fmt.by_kind(v, k) if v is not None else fmt.MISSING
                     for v, k in zip(indicators["baseline"], indicators["kind"], strict=True)],
        "target": [fmt.by_kind(v, k) for v, k in zip(indicators["target"], indicators["kind"],
                                                      strict=True)],
        "date": indicators["date"]})
    shown["indicator_kinds"] = {"date": "date"}
    return shown


def follow_up(study: Study) -> pd.DataFrame | None:
    """Baseline → target → measured now for the previous wave's follow-up indicators, and
    whether each target is reached; None when the study names no previous wave."""
    from civeval.diagnosis import actionplan

    table = actionplan.follow_up(study)
    if table is None:
        return None
    t = study.t
    formatted = {column: [fmt.by_kind(v, k) if v is not None and not pd.isna(v) else fmt.MISSING
                          for v, k in zip(table[column], table["kind"], strict=True)]
                 for column in ("baseline", "target", "measured")}
    reached = table["reached"].map(lambda r: fmt.MISSING if r is None or pd.isna(r)
                                   else t("value.yes") if r else t("value.no"))
    return pd.DataFrame({"indicator": table["label"], **formatted, "date": table["date"],
                         "reached": reached})


def grid(study: Study) -> pd.DataFrame:
    """The phases of a scheme and their expected outputs, from the study's grid."""
    from civeval.diagnosis import grid as grid_rules

    return grid_rules.phases_table(grid_rules.study_grid(study), study.language)


def glossary(study: Study) -> pd.DataFrame:
    """Terms of the report and their definitions, from the catalogue (``glossary.*``)."""
    catalogue = i18n.catalogue(study.language)
    terms = sorted(k for k in catalogue if k.startswith("glossary.") and k.endswith(".term"))
    return pd.DataFrame([{"term": catalogue[k], "definition": catalogue[k[:-5] + ".text"]}
                         for k in terms], columns=["term", "definition"])


def definitions(study: Study) -> pd.DataFrame:
    """Definitions of the indicators this report shows (the registry of
    :mod:`civeval.evidence.registry`), in the report language."""
    from civeval.evidence import registry as indicators

    rows = []
    for key in study.indicators():
        known = indicators.indicator(key, study.language)
        if known:
            rows.append({"indicator": known["label"], "definition": known["definition"]})
    return pd.DataFrame(rows, columns=["indicator", "definition"]).drop_duplicates()


def links(study: Study) -> report.HTML:
    """Links to the PDF (printed once this page is rendered), the action plan workbook when
    it was exported, and the run's status page."""
    t = study.t
    items = [(f"{MAIN}.pdf", t("synthesis.link_pdf"))]
    if (study.output_dir / ACTION_PLAN_FILE).is_file():
        items.append((ACTION_PLAN_FILE, t("synthesis.link_plan")))
    items.append(("execution.html", t("synthesis.link_status")))
    return report.HTML("".join(report.link(href, text).data for href, text in items))
