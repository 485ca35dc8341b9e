# ---
# jupyter:
#   civeval:
#     requires: [30_participation]
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
indicator: str = "turnout_rate"  # key figure compared (recorded by 30_participation)

# %% tags=["remove-cell"]
import civeval
from civeval import parangonnage, report

study = civeval.load_study(study, output_dir=output_dir)
report.setup(study)
t = study.t
rows = parangonnage.table(study)
national = parangonnage.references(rows, indicator)

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
    comparison, widened = parangonnage.compare(study, rows, str(scheme.type), indicator)
    if comparison is None:
        display(report.text(t("benchmark.no_figure")))
        continue
    display(parangonnage.summary(study, comparison, widened))
    if comparison.attrs["n_peers"]:
        display(parangonnage.chart(study, comparison, national))

# %%
report.heading(t("benchmark.h.sources"))

# %%
report.table(parangonnage.sources(study, national), t("benchmark.sources.caption"),
             kinds={"reference_value": "percent"})
