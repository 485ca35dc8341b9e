# ---
# jupyter:
#   civeval:
#     datasets: {dataset: survey, margins: margins, pre: survey, post: survey, open_coding: coding,
#                population: population, themes: coding, themes_dataset: survey,
#                themes_previous: coding, themes_previous_dataset: survey}
#     check: civeval.sections.questionnaire:check
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
verbatims = None  # free-text question(s) to quote (pseudonymised): a name or a list
open_coding = None  # catalogue dataset: validated coding of an open question (validated_coding)
satisfaction = None  # Likert question of overall satisfaction, explained by the others
population = None  # catalogue dataset: population by district or commune (first column)
district = None  # respondent column of the district (or commune) compared with `population`
themes = None  # catalogue dataset: validated coding of themes found in open answers
themes_dataset = None  # the responses those answers belong to (by default `dataset`)
themes_groups: list = []  # respondent columns to cross the themes with (age, sex, channel…)
themes_previous = None  # the coding of a previous wave, with the same themes file
themes_previous_dataset = None  # the responses of that previous wave
pre = None  # deliberative poll: catalogue dataset of the first wave
post = None  # deliberative poll: catalogue dataset of the second wave

# %% tags=["remove-cell"]
import civeval
from civeval.sections import questionnaire
from civeval.presentation import report
from civeval.privacy import study_people

study = civeval.load_study(study, output_dir=output_dir)
people = study_people(study)  # names no quote shows, however written
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
if population:
    display(report.heading(t("questionnaire.h.territory"), level=3))
    places, sentence = questionnaire.by_district(study, survey, study.load(population),
                                                 district)
    display(sentence)
    display(report.table(places, t("questionnaire.territory.caption"),
                         kinds=places.attrs["kinds"], labels=places.attrs["labels"]))

# %%
report.heading(t("questionnaire.h.opinions"))

# %%
opinions = questionnaire.likert_overview(study, survey,
                                         questionnaire.likert_questions(survey.codebook))
for figure in opinions.figures:
    display(figure)

# %%
for question in questionnaire.likert_questions(survey.codebook):
    display(report.heading(question.label or question.id, level=3))
    distribution = opinions.distributions[question.id]
    if question.id not in opinions.charted:
        display(questionnaire.likert_figure(study, survey, question, distribution))
    shares = questionnaire.likert_display(study, distribution)
    caption = questionnaire.withheld_caption(study, t("questionnaire.likert.caption"), shares)
    display(report.table(shares, caption, kinds=shares.attrs["kinds"],
                         labels=shares.attrs["labels"]))
    agreeing = questionnaire.agreement(study, survey, question, distribution)
    caption = questionnaire.withheld_caption(study, t("questionnaire.agreement.caption"),
                                             agreeing)
    display(report.table(agreeing, caption, kinds={"estimate": "percent", "ci_low": "percent",
                                                   "ci_high": "percent"}))

# %%
choices = questionnaire.choice_questions(survey.codebook,
                                         shown=[*(population_margins or {}), district])
if choices:
    display(report.heading(t("questionnaire.h.choices")))
for question in choices:
    display(report.heading(question.label or question.id, level=3))
    results = questionnaire.choice_results(study, survey, question)
    display(report.table(results.drop(columns="suppressed"),
                         questionnaire.choices_caption(study, question, results),
                         kinds=results.attrs["kinds"], labels=results.attrs["labels"]))

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
    display(questionnaire.poll_table(study, poll))

# %%
if open_coding:
    display(report.heading(t("questionnaire.h.open")))
    codes, sentence, examples = questionnaire.open_answers(study, study.load(open_coding),
                                                           people=people)
    display(sentence)
    display(report.table(codes, t("questionnaire.open.caption"), kinds={"share": "percent"}))
    for code, answers in examples:
        display(report.heading(code, level=3))
        display(report.quotes(answers))

# %%
if themes:
    display(report.heading(t("questionnaire.h.themes")))
    themes_survey = questionnaire.load(study, themes_dataset or dataset)
    respondents = questionnaire.themes_respondents(study, themes_survey.name,
                                                   population_margins)
    coding = study.load(themes)
    shares, sentence, examples = questionnaire.themes_found(study, coding, respondents,
                                                             people=people)
    display(sentence)
    display(report.table(shares, t("questionnaire.themes.caption"),
                         kinds={"share": "percent", "ci_low": "percent", "ci_high": "percent"}))
    agreement, sentence = questionnaire.themes_agreement(study, coding)
    display(report.heading(t("questionnaire.h.themes_agreement"), level=3))
    display(sentence)
    display(report.table(agreement, t("questionnaire.themes.agreement_caption"),
                         kinds={"kappa": "number", "ci_low": "number", "ci_high": "number"}))
    for group in themes_groups:
        label = themes_survey.label(group)
        display(report.heading(t("questionnaire.h.themes_group", group=label), level=3))
        crossed, sentence = questionnaire.themes_by_group(study, coding, respondents, group,
                                                          label)
        display(sentence)
        display(report.table(crossed, t("questionnaire.themes.group_caption", group=label),
                             kinds=crossed.attrs["kinds"], labels=crossed.attrs["labels"]))
    if themes_previous:
        waves = (questionnaire.wave_label(study, themes_previous_dataset or themes_previous),
                 questionnaire.wave_label(study, themes_dataset or dataset))
        display(report.heading(t("questionnaire.h.themes_change"), level=3))
        previous_respondents = (questionnaire.themes_respondents(
            study, themes_previous_dataset, population_margins)
            if themes_previous_dataset else None)
        changes, sentence = questionnaire.themes_change(
            study, study.load(themes_previous), coding, previous_respondents, respondents, waves)
        display(sentence)
        display(report.table(changes, t("questionnaire.themes.change_caption"),
                             kinds=changes.attrs["kinds"], labels=changes.attrs["labels"]))
    display(report.heading(t("questionnaire.h.themes_quotes"), level=3))
    for theme, answers in examples:
        display(report.heading(theme, level=4))
        display(report.quotes(answers))

# %%
if verbatims:
    display(report.heading(t("questionnaire.h.verbatims")))
    for column in [verbatims] if isinstance(verbatims, str) else verbatims:
        display(report.heading(survey.label(column), level=3))
        display(report.quotes(questionnaire.verbatims(survey, column, people=people)))

# %%
report.heading(t("questionnaire.h.method"))

# %%
questionnaire.method_note(study, survey)

# %%
report.heading(t("evidence.h.key_figures"))

# %%
report.evidence(study.section_evidence(), t("evidence.caption"))
