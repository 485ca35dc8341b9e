"""Qualitative material: coded interviews, workshops and open answers.

Every importer of :mod:`civeval.qual.io` returns the same **segments table**, one row per
coded segment and code (a segment with three codes has three rows):

``segment_id``
    Identifies the segment; the same id on the rows of two coders when it is double-coded.
``document``
    The interview, workshop record or document the segment comes from (a case).
``speaker_role``
    The speaker's stakeholder group, in the vocabulary of :data:`civeval.qual.roles.ROLES`.
``speaker``
    A pseudonymous speaker id when the source has one (never a name), else missing.
``text``
    The segment's text, as coded (not yet pseudonymised: see :mod:`civeval.qual.quotes`).
``code``
    The code, by its canonical name after the codebook's renames and merges.
``coder``
    Who coded it, when segments are double-coded; missing otherwise.

Analysis (:mod:`civeval.qual.analysis`, :mod:`civeval.qual.agreement`,
:mod:`civeval.qual.workshops`) works on that table; coding of open answers is
:mod:`civeval.qual.coding`; quotes fit for a report are :mod:`civeval.qual.quotes`.
"""

SEGMENT_COLUMNS = ("segment_id", "document", "speaker_role", "speaker", "text", "code", "coder")
