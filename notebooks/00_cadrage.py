# ---
# jupyter:
#   civeval:
#     inputs: [catalogue]
#     requires: []
#     title:
#       en: Evaluation framing
#       fr: Cadrage de l'évaluation
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

# %% tags=["remove-cell"]
import civeval
from civeval.presentation import fmt, report
from civeval.sections import cadrage as framing

study = civeval.load_study(study, output_dir=output_dir)
report.setup(study)
t = study.t
client = study.client

# %% [markdown] tags=["lang-fr"]
# # Cadrage de l'évaluation
#
# Ce document présente ce qui est évalué, les questions auxquelles l'évaluation doit
# répondre et les données sur lesquelles elle s'appuie.

# %% [markdown] tags=["lang-en"]
# # Evaluation framing
#
# What is evaluated, the questions the evaluation must answer, and the data it rests on.

# %% [markdown] tags=["lang-fr"]
# ## La collectivité

# %% [markdown] tags=["lang-en"]
# ## The local authority

# %% tags=["lang-fr"]
report.text("**{name}** ({kind}, code {code}) compte **{population}** habitants "
            "(population totale INSEE).", name=client.name, kind=t(f"kind.{client.kind}"),
            code=client.insee_code, population=fmt.integer(client.population))

# %% tags=["lang-en"]
report.text("**{name}** ({kind}, code {code}) has **{population}** inhabitants "
            "(INSEE total population).", name=client.name, kind=t(f"kind.{client.kind}"),
            code=client.insee_code, population=fmt.integer(client.population))

# %% tags=["remove-cell"]
inventory = framing.inventory(study)
framing.record_key_figures(study, inventory)

# %% [markdown] tags=["lang-fr"]
# ## Les dispositifs évalués

# %% [markdown] tags=["lang-en"]
# ## The schemes evaluated

# %%
report.table(framing.schemes(study))

# %%
framing.timeline(study)

# %% [markdown] tags=["lang-fr"]
# ## Les questions évaluatives
#
# Les questions sont regroupées selon les critères de l'évaluation des politiques publiques :
# pertinence, cohérence, efficacité, efficience et impact.

# %% [markdown] tags=["lang-en"]
# ## Evaluation questions
#
# Questions are grouped by the evaluation criteria: relevance (*pertinence*), coherence,
# effectiveness (*efficacité*), efficiency (*efficience*) and impact.

# %%
report.table(framing.questions(study))

# %% [markdown] tags=["lang-fr"]
# ## Les données mobilisées
#
# Inventaire des jeux de données déclarés dans le catalogue de l'étude : taille, période
# couverte par les dates qu'ils contiennent, et résultat du contrôle de lecture.

# %% [markdown] tags=["lang-en"]
# ## Data used
#
# The datasets declared in the study's catalogue: size, period covered by their dates, and
# the result of the read check.

# %%
report.table(inventory, caption=t("framing.inventory.source"))

# %%
report.heading(t("evidence.h.key_figures"))

# %%
report.evidence(study.section_evidence(), t("evidence.caption"))
