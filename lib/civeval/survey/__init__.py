"""Questionnaires: import survey exports, weight them to population margins, estimate with
confidence intervals, and test differences — one public function per statistic.

- :mod:`civeval.survey.io` reads the exports (generic, LimeSurvey, Kobo, ODK, Decidim) into
  one tidy table, personal data dropped; :mod:`civeval.survey.codebook` reads codebooks and
  converts the answers to the types and levels they declare.
- :mod:`civeval.survey.margins` reads the population margins (INSEE counts);
  :mod:`civeval.survey.weights` post-stratifies and rakes to them and measures what unequal
  weights cost in precision.
- :mod:`civeval.survey.estimates` gives means and proportions with design-based (Taylor)
  standard errors.
- :mod:`civeval.survey.compare` cross-tabulates and tests differences between groups and
  between waves (χ² with Rao–Scott, rank tests, pre/post); :mod:`civeval.survey.reliability`
  measures the reliability of a scale (Cronbach's α); :mod:`civeval.survey.models` fits the
  ordinal model. :mod:`civeval.survey.answers` holds how these read answers (checked
  columns, categories in display order, ordinal scores).
- :mod:`civeval.survey.likert` tabulates and charts Likert items.
"""

from civeval.workbench.exports import lazy_exports

# Public names by the module that defines them, each loaded on first use: importing one
# module of the package (a catalogue reader, while a study is validated) loads only it.
__all__, __getattr__, __dir__ = lazy_exports(__name__, {
    "codebook": ["Codebook", "Question", "apply_codebook", "load_codebook"],
    "compare": ["chi2_independence", "compare_groups", "crosstab", "pre_post"],
    "estimates": ["estimate_mean", "estimate_proportion"],
    "io": ["Survey", "read_survey"],
    "likert": ["likert_chart", "likert_table", "scale_sides"],
    "margins": ["as_margins", "read_margins"],
    "models": ["ordinal_model"],
    "reliability": ["cronbach_alpha"],
    "weights": ["design_effect", "effective_sample_size", "poststratify", "rake"],
})
