"""Instruments: from the question bank to the questionnaires, interview guides, workshop
protocol and observation grid of a study, written by ``civeval instrument <study>``.

- :mod:`civeval.instruments.bank` reads and checks the question bank
  (``data/reference/question_bank.yml``);
- :mod:`civeval.instruments.select` chooses a study's items (its schemes, its
  ``instruments:`` in ``study.yml``) and checks its profile items against its margins;
- :mod:`civeval.instruments.forms` writes the XLSForm, the LimeSurvey structure and the
  codebook; :mod:`civeval.instruments.documents` the paper questionnaire, the interview
  guides, the workshop protocol and the observation grid; :mod:`civeval.instruments.coverage`
  links the evaluation questions to what answers them;
- :mod:`civeval.instruments.write` writes them all, atomically;
  :mod:`civeval.instruments.check` finds, at validation, what the command would refuse.
"""

from civeval.workbench.exports import lazy_exports

__all__, __getattr__, __dir__ = lazy_exports(__name__, {
    "bank": ["Bank", "Item", "load_bank"],
    "check": ["check_instruments"],
    "coverage": ["coverage"],
    "select": ["Selection", "select_items"],
    "write": ["write_instruments"],
})
