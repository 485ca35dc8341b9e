# ---
# jupyter:
#   civeval:
#     datasets: {segments: interviews, codebook: codebook, workshop: workshop,
#                observation: observation}
#     warm: [civeval.qual.lemmas:french_pipeline]
#     requires: []
#     runs_with: [openpyxl]
#     title:
#       en: Interviews and workshops
#       fr: Entretiens et ateliers
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
segments = None  # catalogue dataset of coded segments (coded_segments, taguette, qualcoder, qdpx)
codebook = None  # catalogue dataset of the codebook (format codebook): groups codes into themes
workshop = None  # catalogue dataset of a workshop's votes (format workshop)
observation = None  # catalogue dataset of a filled observation grid (format observation)
quoted_codes: int = 4  # codes illustrated by quotes, the most mentioned first
quotes_per_group: int = 2  # quotes per code and stakeholder group

# %% tags=["remove-cell"]
import civeval
from civeval.presentation import report
from civeval.privacy import study_people
from civeval.sections import entretiens as section

study = civeval.load_study(study, output_dir=output_dir)
people = study_people(study)  # names no quote shows, however written
if output_dir is None:  # opened in JupyterLab, not run: take the study's parameters as a run does
    globals().update(study.parameters_for("20_entretiens"))
report.setup(study)
t = study.t
coded = study.load(segments) if segments else None
themes_codebook = section.codebook_of(study.load(codebook) if codebook else None)

# %%
report.heading(t("qual.title"), level=1)

# %% [markdown] tags=["lang-fr"]
# Cette partie restitue les entretiens menés avec les acteurs du dispositif et les ateliers.
# Les entretiens ont été codés à l'aide d'une grille de thèmes ; un thème pèse par le nombre
# d'entretiens qui l'abordent, et non par le nombre d'extraits, pour qu'une personne qui
# revient souvent sur un sujet ne compte qu'une fois. Les citations sont anonymisées : les
# noms, adresses et coordonnées sont remplacés par le groupe de la personne.

# %% [markdown] tags=["lang-en"]
# This part reports the interviews held with the scheme's stakeholders and the workshops.
# Interviews were coded with a grid of themes; a theme weighs by the number of interviews
# that raise it, not by the number of segments, so that someone who often returns to a
# subject counts once. Quotes are pseudonymised: names, addresses and contact details are
# replaced by the person's group.

# %%
if coded is not None:
    display(report.heading(t("qual.h.heard")))
    display(report.table(section.heard(study, coded), t("qual.heard.caption")))
    note = section.heard_note(study, coded)
    if note is not None:
        display(note)
    display(report.heading(t("qual.h.themes")))
    display(report.table(section.themes(study, coded, themes_codebook),
                         t("qual.themes.caption"), kinds={"share": "percent"}))
    by_group = section.codes_by_group(study, coded)
    display(section.themes_chart(study, by_group))
    display(report.table(by_group, t("qual.by_group.caption"), kinds=by_group.attrs["kinds"]))
    display(section.export(study, coded))

# %%
agreement, verdict = section.coder_agreement(study, coded) if coded is not None else (None, None)
if agreement is not None:
    display(report.heading(t("qual.h.agreement")))
    display(verdict)
    display(report.table(agreement, t("qual.agreement.caption"),
                         kinds={"agreement": "percent", "kappa": "coefficient",
                                "alpha": "coefficient"}))

# %%
if coded is not None:
    display(report.heading(t("qual.h.quotes")))
    display(report.text(t("qual.quotes_text")))
    for code, shown in section.quotations(study, coded, quoted_codes, quotes_per_group,
                                         people=people):
        display(report.heading(code, level=3))
        display(shown)

# %%
if workshop:
    display(report.heading(t("qual.h.workshop")))
    priorities, sentence, note = section.workshop(study, study.load(workshop), people=people)
    display(sentence)
    display(report.table(priorities, t("qual.workshop.caption"), kinds=priorities.attrs["kinds"]))
    if note is not None:
        display(note)

# %%
if observation:
    display(report.heading(t("observation.h")))
    for shown in section.observed_exchanges(study, study.load(observation)):
        display(shown)

# %%
report.heading(t("evidence.h.key_figures"))

# %%
report.evidence(study.section_evidence(), t("evidence.caption"))
