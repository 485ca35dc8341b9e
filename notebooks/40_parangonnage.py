# ---
# jupyter:
#   civeval:
#     inputs: [data/reference/participatory_budgets.csv]
#     reads: [portfolio]  # the other studies' figures: a change re-runs this section
#     follows: [30_participation, 35_realisation]
#     requires: []
#     title:
#       en: Benchmark
#       fr: Parangonnage
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
# Key figures compared (recorded by 30_participation); those the study lacks are left out.
indicators: list = ["turnout_rate", "proposals_per_thousand", "budget_per_inhabitant",
                    "cost_per_participant", "retention_rate", "answer_rate",
                    "implementation_rate", "abandonment_rate"]

# %% tags=["remove-cell"]
import civeval
from civeval.sections import parangonnage
from civeval.presentation import report

study = civeval.load_study(study, output_dir=output_dir)
report.setup(study)
t = study.t
rows = parangonnage.table(study)

# %%
report.heading(t("benchmark.title"), level=1)

# %% [markdown] tags=["lang-fr"]
# Cette partie situe le dispositif parmi des collectivités comparables : même type de
# dispositif, taille de population voisine. Les chiffres viennent de sources publiques et
# des évaluations déjà menées avec l'atelier ; une collectivité dont les données ne sont pas
# publiques n'est jamais nommée.

# %% [markdown] tags=["lang-en"]
# This part places the scheme among comparable local authorities: same type of scheme,
# similar population. Figures come from public sources and from the evaluations already
# run with the workbench; an authority whose data is not public is never named.

# %%
for scheme in study.schemes:
    display(report.heading(scheme.name, level=2))
    comparisons = parangonnage.compare_all(study, rows, str(scheme.type), indicators)
    if not comparisons:
        display(report.text(t("benchmark.no_figure")))
        continue
    display(report.heading(t("benchmark.h.overview"), level=3))
    display(report.text(t("benchmark.overview_text",
                          count=study.config.benchmark.min_peers)))
    display(report.table(parangonnage.overview(study, comparisons),
                         t("benchmark.overview.caption"),
                         kinds={"percentile_rank": "number", "z_score": "number"}))
    if not any(c.attrs["n_peers"] for c in comparisons.values()):
        display(report.text(t("benchmark.no_peers")))
    for indicator, comparison in comparisons.items():
        display(report.heading(comparison.attrs["label"], level=3))
        display(parangonnage.summary(study, comparison))
        if comparison.attrs["n_peers"]:
            display(parangonnage.chart(study, comparison,
                                       parangonnage.references(rows, indicator)))

# %%
report.heading(t("benchmark.h.sources"))

# %%
report.table(parangonnage.sources(study, rows, indicators), t("benchmark.sources.caption"))
