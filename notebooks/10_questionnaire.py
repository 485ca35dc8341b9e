# ---
# jupyter:
#   civeval:
#     datasets: {dataset: survey, margins: margins, pre: survey, post: survey, open_coding: coding}
#     warm: [civeval.qual.lemmas:french_pipeline]
#     requires: []
#     title:
#       en: Questionnaire survey
#       fr: Enquête par questionnaire
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
study: str = "demo-val-de-brenne"  # slug or folder of the study
output_dir = None  # where the report goes; reports/<slug>/ by default
dataset: str = "questionnaire"  # catalogue dataset of the responses (a survey format)
margins = None  # catalogue dataset of population margins (variable, categorie, population)
segments: list = []  # respondent columns whose answers are compared
target_population = None  # people the survey addressed; the client's population by default
verbatims = None  # free-text question to quote (pseudonymised)
open_coding = None  # catalogue dataset: validated coding of an open question (validated_coding)
satisfaction = None  # Likert question of overall satisfaction, explained by the others
pre = None  # deliberative poll: catalogue dataset of the first wave
post = None  # deliberative poll: catalogue dataset of the second wave

# %% tags=["remove-cell"]
import civeval
from civeval.sections import questionnaire
from civeval.presentation import report

study = civeval.load_study(study, output_dir=output_dir)
report.setup(study)
t = study.t
survey = questionnaire.load(study, dataset)
population_margins = questionnaire.margins(study, margins) if margins else None
if population_margins:
    weights = questionnaire.weight(study, survey, population_margins)

# %%
report.heading(t("questionnaire.title"), level=1)

# %% [markdown] tags=["lang-fr"]
# Cette partie présente les réponses au questionnaire : qui a répondu, dans quelle mesure
# les répondants ressemblent à la population, et ce qu'ils pensent du dispositif. Les
# pourcentages sont accompagnés de leur intervalle de confiance à 95 %.

# %% [markdown] tags=["lang-en"]
# This part presents the questionnaire's answers: who answered, how far respondents
# resemble the population, and what they think of the scheme. Percentages come with their
# 95% confidence interval.

# %%
report.heading(t("questionnaire.h.participation"))

# %%
report.key_figures(questionnaire.participation(study, survey, target_population))

# %%
report.heading(t("questionnaire.h.who"))

# %%
if population_margins:
    who = questionnaire.who_answered(study, survey, population_margins)
    display(questionnaire.who_intro(study, who))
    display(report.table(who.drop(columns="suppressed"), t("questionnaire.who.caption"),
                         kinds={"share_respondents": "percent", "share_weighted": "percent",
                                "share_population": "percent",
                                "representation_ratio": "number"}))
else:
    display(report.text(t("questionnaire.who.unweighted")))

# %%
report.heading(t("questionnaire.h.opinions"))

# %%
for question in questionnaire.likert_questions(survey.codebook):
    display(report.heading(question.label or question.id, level=3))
    distribution = questionnaire.likert_results(study, survey, question)
    display(questionnaire.likert_figure(study, survey, question, distribution))
    display(report.table(questionnaire.likert_display(distribution),
                         t("questionnaire.likert.caption"),
                         kinds={level: "percent" for level in distribution["level"]}
                         | {"net_agreement": "percent"}))
    display(report.table(questionnaire.agreement(study, survey, question),
                         t("questionnaire.agreement.caption"),
                         kinds={"estimate": "percent", "ci_low": "percent",
                                "ci_high": "percent"}))

# %%
if segments:
    display(report.heading(t("questionnaire.h.differences")))
    found = questionnaire.differences(study, survey,
                                      questionnaire.likert_questions(survey.codebook), segments)
    display(questionnaire.differences_summary(study, found))

# %%
if satisfaction:
    display(report.heading(t("questionnaire.h.drivers")))
    display(report.text(t("questionnaire.drivers.intro")))
    display(report.table(
        questionnaire.drivers(study, survey, satisfaction,
                              questionnaire.likert_questions(survey.codebook)),
        t("questionnaire.drivers.caption"),
        kinds={"odds_ratio": "number", "ci_low": "number", "ci_high": "number",
               "p_value": "p_value"}))

# %%
if pre and post:
    display(report.heading(t("questionnaire.h.poll")))
    poll = questionnaire.before_after(study, questionnaire.load(study, pre),
                                      questionnaire.load(study, post))
    display(report.table(questionnaire.poll_display(poll), t("questionnaire.poll.caption")))

# %%
if open_coding:
    display(report.heading(t("questionnaire.h.open")))
    codes, sentence, examples = questionnaire.open_answers(study, study.load(open_coding))
    display(sentence)
    display(report.table(codes, t("questionnaire.open.caption"), kinds={"share": "percent"}))
    for code, answers in examples:
        display(report.heading(code, level=3))
        display(report.quotes(answers))

# %%
if verbatims:
    display(report.heading(t("questionnaire.h.verbatims")))
    display(report.quotes(questionnaire.verbatims(survey, verbatims)))

# %%
report.heading(t("questionnaire.h.method"))

# %%
questionnaire.method_note(study, survey)
