"""Benchmarking (*parangonnage*): how a client's scheme compares with similar ones.

Two sources make the benchmark table, both in the same long format (one row per
collectivité, scheme type, year and indicator; its columns are described in
:mod:`civeval.benchmark.reference`):

- the **reference table** shipped with the workbench, ``data/reference/participatory_budgets.csv``
  (:func:`load_reference`, in :mod:`civeval.benchmark.reference`): published figures only,
  each with its source (listed in ``data/reference/README.md``, cited in full from
  ``data/reference/sources.yml`` by :func:`load_sources`), all ``public``;
- the **portfolio** (:func:`portfolio`, in :mod:`civeval.benchmark.past_studies`): the key
  figures of every study the workbench has run (``reports/<slug>/indicators.json``), so that
  a consultancy's past clients become its benchmark. These rows are **not public**: another
  client's report may place them on a chart, never name them.

Then, in :mod:`civeval.benchmark.peers`, :func:`peer_group` keeps the collectivités running
the same type of scheme in the client's population band, :func:`compare` ranks the client
among them (percentile rank and z-score) and :func:`anonymise` replaces every non-public
peer's name by a letter, its kind and its band ("Commune B, 20–50 000 hab.") and drops what
could identify it; :func:`benchmark_chart` (:mod:`civeval.benchmark.chart`) draws the dot
plot. Every step works on whole columns, so a table of all 35,000 communes is ranked and
drawn in a few seconds. The words of their labels, in French and English, are in
:mod:`civeval.benchmark.wording`.
"""

from civeval.workbench.exports import lazy_exports

# Public names by the module that defines them, each loaded on first use: importing one
# module of the package (a catalogue reader, while a study is validated) loads only it.
__all__, __getattr__, __dir__ = lazy_exports(__name__, {
    "chart": ["benchmark_chart"],
    "peers": ["BANDS", "anonymise", "band_label", "compare", "peer_group"],
    "past_studies": ["portfolio"],
    "reference": ["COLUMNS", "load_reference", "load_sources"],
})
