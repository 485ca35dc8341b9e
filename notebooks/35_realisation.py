# ---
# jupyter:
#   civeval:
#     datasets:
#       tracking: tracking
#       population: population
#       geometry: geometry
#     check: civeval.sections.realisation:check
#     requires: []
#     title:
#       en: Delivery of winning projects
#       fr: Réalisation des projets
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
tracking: str = None  # catalogue dataset of winning projects' progress (format project_tracking)
population = None  # catalogue dataset: population by district (first column the district)
geometry = None  # catalogue dataset of district boundaries (format geometry), for the maps
maturity_years: int = 5  # years from the vote to the extraction that make an edition mature
scheme = None  # name of the scheme (in study.yml) these data measure, for the benchmark

# %% tags=["remove-cell"]
import civeval
from civeval.presentation import report
from civeval.sections import realisation as section

study = civeval.load_study(study, output_dir=output_dir)
if output_dir is None:  # opened in JupyterLab, not run: take the study's parameters as a run does
    globals().update(study.parameters_for("35_realisation"))
if scheme:
    study.measure(scheme)
report.setup(study)
t = study.t
winners = study.load(tracking)
inhabitants = study.load(population) if population else None
districts = study.load(geometry) if geometry else None

# %%
report.heading(t("realisation.title"), level=1)

# %%
section.introduction(study, winners, maturity_years, inhabitants is not None)

# %%
display(report.heading(t("realisation.h.editions")))
per_edition = section.by_edition(study, winners, maturity_years)
display(section.maturity(study, winners, maturity_years))
display(section.show(per_edition, t("realisation.editions.caption")))
absent = section.missing_editions(study, winners)
if absent is not None:
    display(absent)

# %%
reading, split_tables = section.splits(study, winners, maturity_years)
if split_tables:
    display(report.heading(t("realisation.h.splits")))
    display(reading)
for split, table, notes in split_tables:
    display(section.show(table, t(f"realisation.split.{split}.caption")))
    for note in notes:
        display(note)
    if split == "district" and districts is not None:
        display(section.implementation_map(study, winners, districts))

# %%
display(report.heading(t("realisation.h.delay")))
curves, median, medians = section.delivery_curves(study, winners)
display(median)
display(curves)
display(section.show(medians, t("realisation.delay.caption")))
display(report.text(t("realisation.delay_table_text")))

# %%
amounts, sentence = section.budgets(study, winners)
if amounts is not None:
    display(report.heading(t("realisation.h.budget")))
    display(sentence)
    display(section.show(amounts, t("realisation.budget.caption")))

# %%
if amounts is not None and inhabitants is not None:
    display(report.heading(t("realisation.h.districts")))
    funded, sentences = section.funding_by_district(study, winners, inhabitants)
    for text in sentences:
        display(text)
    display(section.show(funded, t("realisation.districts.caption")))
    if districts is not None:
        display(section.funding_map(study, winners, funded, districts))

# %%
report.heading(t("evidence.h.key_figures"))

# %%
report.evidence(study.section_evidence(), t("evidence.caption"))
