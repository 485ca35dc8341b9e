"""Transparency: what became of the winning projects and of the proposals.

Two tables feed this section of an evaluation:

- a **project-tracking table**, one row per winning project of a participatory budget with
  its edition, budget, scale (city-wide or district), district, priority-neighbourhood flag,
  progress status and milestone dates (Paris publishes one as open data,
  ``bp_projets_gagnants``). :func:`read_project_tracking`
  (:mod:`civeval.transparency.tracking`) reads it into normalised columns; it is also the
  catalogue format ``project_tracking``;
- a **proposals table** as Decidim exports it (one row per proposal with its state and
  the dates it was published and answered), for :func:`answer_rates`
  (:mod:`civeval.transparency.answers`).

The indicators are the ones the method lists under *transparency*: implementation and
abandonment rates of winning projects (:func:`implementation_rates`, split by scale,
priority neighbourhood, theme and district with :func:`implementation_splits`, and on
mature editions with :func:`mature_rates`, in :mod:`civeval.transparency.implementation`),
the delay from the vote to the delivery (:func:`delivery_delay` and its medians,
:func:`delay_summary`, in :mod:`civeval.transparency.delivery`: a Kaplan–Meier estimate,
since most recent projects are not delivered yet), the budgets of winning projects, each
counted once, and the euros funded per inhabitant by district (:func:`budget_totals`,
:func:`funded_by_district`, in :mod:`civeval.transparency.budgets`), and the share of
proposals answered, with reasons, and how fast (:func:`answer_rates`).

Each module states the decisions it makes: the vote date and the scale in
:mod:`civeval.transparency.tracking`, what counts as delivered and as a mature edition in
:mod:`civeval.transparency.implementation`, the delivery date in
:mod:`civeval.transparency.delivery`, what counts as one project in
:mod:`civeval.transparency.budgets`.
"""

from civeval.workbench.exports import lazy_exports

# Public names by the module that defines them, each loaded on first use: importing one
# module of the package (a catalogue reader, while a study is validated) loads only it.
__all__, __getattr__, __dir__ = lazy_exports(__name__, {
    "answers": ["answer_rates"],
    "budgets": ["budget_shares", "budget_totals", "funded_by_district"],
    "delivery": ["delay_summary", "delivery_delay"],
    "implementation": ["edition_maturity", "implementation_rates", "implementation_splits",
                       "mature_rates"],
    "tracking": ["read_project_tracking"],
})
