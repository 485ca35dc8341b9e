"""Participation: platform data (Pabulib, Decidim) and the indicators computed from it.

:mod:`civeval.participation.pabulib` and :mod:`civeval.participation.decidim` read the
platforms' exports. Each indicator of the DOMAIN table returns a tidy DataFrame (one row per
edition, district, channel or category) with the values describing the whole table in
``result.attrs``; tables that count people must go through
:func:`civeval.privacy.suppress_small_cells` before they are published. The indicators:

- reach (participation rate, unique participants, proposals per 1,000 inhabitants, channel
  shares): :mod:`civeval.participation.reach`;
- diversity of participants against the population: :mod:`civeval.participation.publics`;
- territorial equity between districts: :mod:`civeval.participation.territory`;
- essoufflement (trend tests across editions, retention, councils' attendance):
  :mod:`civeval.participation.trends`;
- votes of several editions and districts (voters, turnout, budget, what changed):
  :mod:`civeval.participation.votes`, their winners under each file's rule
  (``pabutools``): :mod:`civeval.participation.winners`, and the voters' attributes
  (age bands, sex, voting method): :mod:`civeval.participation.voters`.

What they share (input checks, the population, edition labels) is
:mod:`civeval.participation.inputs`.
"""

from civeval.workbench.exports import lazy_exports

# Public names by the module that defines them, each loaded on first use: importing one
# module of the package (a catalogue reader, while a study is validated) loads only it.
__all__, __getattr__, __dir__ = lazy_exports(__name__, {
    "decidim": ["personal_columns", "read_decidim", "read_decidim_entity"],
    "publics": ["diversity"],
    "inputs": ["edition_label"],
    "pabulib": ["PabulibElection", "PabulibSummary", "pabulib_vote_counts", "read_pabulib",
                "read_pabulib_projects", "summarise_pabulib"],
    "reach": [
        "channel_shares",
        "participation_rate",
        "proposals_per_thousand",
        "unique_participants",
    ],
    "territory": ["territorial_equity"],
    "trends": ["attendance", "retention", "trend"],
    "voters": ["age_bands", "voter_profile"],
    "votes": ["Vote", "bind_vote", "study_votes"],
    "winners": ["recomputed_winners"],
})
