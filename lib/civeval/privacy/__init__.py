"""What a published report may show of the people it describes.

Reports are aggregate-only and pseudonymised (DOMAIN, *Rules that come with personal
data*). Two rules, one module each:

- **Small cells** (:mod:`civeval.privacy.cells`): a count of fewer than
  :data:`THRESHOLD` people is hidden, with what would let a reader recover it
  (:func:`suppress_small_cells`; the rule for a published total:
  :func:`secondary_suppression`).
- **Free text** (:mod:`civeval.privacy.text`): every free text a report shows (survey
  answers, open answers, interview and workshop quotes, workshop proposals) goes through
  :func:`pseudonymise_texts`, which replaces names, contact details, addresses, bank
  details and birth dates by neutral labels; the patterns it uses are in
  :mod:`civeval.privacy.patterns`; the study's list of people, names always replaced,
  is read by :func:`study_people` (:mod:`civeval.privacy.people`).
"""

from civeval.workbench.exports import lazy_exports

__all__, __getattr__, __dir__ = lazy_exports(__name__, {
    "cells": ["THRESHOLD", "secondary_suppression", "suppress_small_cells"],
    "people": ["place_names", "read_people_file", "study_people"],
    "text": ["PERSON", "pseudonymise_text", "pseudonymise_texts"],
})
