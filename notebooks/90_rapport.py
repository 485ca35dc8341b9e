# ---
# jupyter:
#   civeval:
#     check: civeval.sections.rapport:check
#     docx: true
#     follows: [00_cadrage, 10_questionnaire, 20_entretiens, 30_participation, 35_realisation,
#       40_parangonnage]
#     inputs: [catalogue, data/reference/grille_diagnostic.yml, data/reference/recommandations.yml,
#       data/reference/participatory_budgets.csv, data/reference/sources.yml]
#     main: true
#     pdf: true
#     requires: []
#     runs_with: [civeval.diagnosis.findings, civeval.diagnosis.actionplan, openpyxl]
#     title:
#       en: Evaluation report
#       fr: Rapport d'évaluation
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% tags=["parameters"]
# The runner sets study and output_dir; the defaults let the template run as is in JupyterLab.
study: str = "demo-saint-aubin"  # slug or folder of the study
output_dir = None  # where the report goes; reports/<slug>/ by default
key_figures: int = 5  # figures of the executive summary

# %% tags=["remove-cell"]
import civeval
from civeval.presentation import report
from civeval.sections import rapport as synthesis

study = civeval.load_study(study, output_dir=output_dir)
report.setup(study)
t = study.t
findings, scores = synthesis.diagnostic(study)
plan = synthesis.plan(study, findings)

# %%
report.heading(study.config.title, level=1)

# %%
report.key_figures(synthesis.cover(study))

# %%
glance = synthesis.at_a_glance(findings, plan)
display(report.heading(t("synthesis.h.at_a_glance")))
display(report.heading(t("synthesis.h.at_a_glance_diagnosis"), level=3))
display(report.bullets(glance["diagnosis"]) if glance["diagnosis"]
        else report.text(t("synthesis.no_findings")))
if glance["actions"]:
    display(report.heading(t("synthesis.h.at_a_glance_actions"), level=3))
    display(report.bullets(glance["actions"]))

# %%
report.heading(t("synthesis.h.summary"))

# %%
key_figures = synthesis.headline(study, key_figures)
display(report.heading(t("synthesis.h.key_figures"), level=3))
display(report.evidence(key_figures, t("synthesis.key_figures.caption"),
                        links=synthesis.pages(key_figures)))
highlights = synthesis.highlights(findings)
for kind, title in (("strength", "synthesis.h.strengths"), ("weakness", "synthesis.h.weaknesses"),
                    ("vigilance", "synthesis.h.vigilance")):
    display(report.heading(t(title), level=3))
    display(report.bullets(highlights[kind]) if highlights[kind]
            else report.text(t(f"synthesis.no_{kind}")))
if plan["priorities"]:
    display(report.heading(t("synthesis.h.priorities"), level=3))
    display(report.bullets(plan["priorities"]))

# %%
report.heading(t("synthesis.h.questions"))

# %%
questions = synthesis.answers(study, findings)
display(report.answers(questions, findings.attrs.get("criteria", {})) if len(questions)
        else report.text(t("synthesis.no_questions")))

# %%
report.heading(t("synthesis.h.method"))

# %%
methodology = synthesis.methodology(study)
display(report.table(methodology, t("methodology.caption"), labels=methodology.attrs["labels"]))
display(report.bullets(synthesis.method(study)))
display(report.table(synthesis.sources(study), t("synthesis.sources.caption")))
display(report.heading(t("synthesis.h.limits"), level=3))
display(report.bullets(synthesis.limits(study)))

# %%
report.heading(t("synthesis.h.components"))

# %%
for part in synthesis.components(study):
    display(report.heading(part["title"], level=3))
    if part["page"]:
        display(report.link(part["page"], t("synthesis.component_link", title=part["title"])))
        if part["records"]:
            display(report.evidence(part["records"],
                                    t("synthesis.component.caption", title=part["title"]),
                                    links=synthesis.pages(part["records"])))
    else:
        display(report.text(t("synthesis.component_none")))

# %%
report.heading(t("synthesis.h.diagnostic"))

# %%
display(report.text(t("synthesis.diagnostic_text")))
display(synthesis.scores_chart(study, scores))
display(report.table(synthesis.scores_table(study, scores), t("synthesis.scores.caption")))
if len(findings):
    display(report.table(synthesis.findings_table(study, findings),
                         t("synthesis.findings.caption")))
else:
    display(report.text(t("synthesis.no_findings")))

# %%
report.heading(t("synthesis.h.recommendations"))

# %%
if len(plan["recommendations"]):
    display(report.table(plan["recommendations"], t("synthesis.recommendations.caption")))
else:
    display(report.text(t("synthesis.no_recommendations")))

# %%
report.heading(t("synthesis.h.action_plan"))

# %%
if plan["actions"] is not None:
    display(report.table(plan["actions"], t("synthesis.actions.caption")))
    display(report.table(plan["indicators"], t("synthesis.indicators.caption"),
                         kinds=plan["indicator_kinds"]))
    if plan["set_aside"]:
        display(report.bullets(plan["set_aside"]))
    if plan["checks"]:
        display(report.heading(t("synthesis.h.plan_checks"), level=3))
        display(report.bullets(plan["checks"]))
else:
    display(report.text(t("synthesis.no_action_plan")))

# %%
follow_up = synthesis.follow_up(study)
if follow_up is not None:
    display(report.heading(t("synthesis.h.follow_up")))
    display(report.table(follow_up, t("synthesis.follow_up.caption")))

# %%
report.heading(t("synthesis.h.annexes"))

# %%
display(report.heading(t("synthesis.h.definitions"), level=3))
display(report.table(synthesis.definitions(study), t("synthesis.definitions.caption")))
display(report.heading(t("synthesis.h.grid"), level=3))
phases = synthesis.grid(study)
display(report.table(phases, t("synthesis.grid.caption"), labels=phases.attrs["labels"]))
references = synthesis.references(study)
if references:
    display(report.heading(t("synthesis.h.references"), level=3))
    display(report.text(t("synthesis.references.text")))
    display(report.bullets(references))
display(report.heading(t("synthesis.h.glossary"), level=3))
display(report.table(synthesis.glossary(study), t("synthesis.glossary.caption")))
display(report.heading(t("synthesis.h.provenance"), level=3))
display(report.table(synthesis.provenance(study), t("synthesis.provenance.caption"),
                     labels={"record": t("provenance.record"), "value": t("provenance.value")}))

# %%
synthesis.links(study)
