"""Qualitative material: coded interviews, workshops and open answers.

Every reader of coded segments (:mod:`civeval.qual.segments`, :mod:`civeval.qual.taguette`,
:mod:`civeval.qual.qualcoder`, :mod:`civeval.qual.qdpx`) returns the same **segments
table**, one row per coded segment and code (a segment with three codes has three rows),
with the columns :data:`~civeval.qual.segments.SEGMENT_COLUMNS`:

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
    The code, by its canonical name after the codebook's renames and merges
    (:mod:`civeval.qual.codebook`).
``coder``
    Who coded it, when segments are double-coded; missing otherwise.

Analysis (:mod:`civeval.qual.analysis`, :mod:`civeval.qual.agreement`) works on that table;
workshop votes are read by :mod:`civeval.qual.votes` and analysed by
:mod:`civeval.qual.workshops`; coding of open answers is :mod:`civeval.qual.coding` (keyword
rules in :mod:`civeval.qual.rules`, French lemmas in :mod:`civeval.qual.lemmas`, the
validated coding read back by :mod:`civeval.qual.validated`); themes found in thousands
of answers for the analyst to validate are :mod:`civeval.qual.themes` (answers and lemmas
counted by :mod:`civeval.qual.corpus`, the themes file :mod:`civeval.qual.themebook`, what
the validated themes say :mod:`civeval.qual.theme_statistics`); quotes fit for a report are
:mod:`civeval.qual.quotes`.

The public functions and classes of these modules can be imported from the package itself
(``from civeval.qual import read_coded_segments``); :data:`SEGMENT_COLUMNS` too.
"""

from civeval.workbench.exports import lazy_exports

# Public names by the module that defines them, each loaded on first use: importing one
# module of the package (a catalogue reader, while a study is validated) loads only it.
__all__, __getattr__, __dir__ = lazy_exports(__name__, {
    "agreement": ["coding_agreement", "cohen_kappa", "krippendorff_alpha"],
    "analysis": [
        "code_case_matrix",
        "code_frequencies",
        "code_group_matrix",
        "cooccurrence",
        "cooccurrence_pairs",
        "who_was_heard",
    ],
    "codebook": ["Codebook", "UnknownCodeError", "read_codebook", "read_codebook_table"],
    "corpus": ["catalogue_answers", "count_terms", "language_check"],
    "coding": [
        "grid_to_frame",
        "open_answers",
        "propose_codes",
        "save_coding",
        "split_codes",
        "validation_grid",
    ],
    "lemmas": ["french_pipeline", "lemmatise"],
    "observation": [
        "as_grid",
        "facilitation_events",
        "read_observation",
        "read_observation_grid",
        "speaking_concentration",
        "speaking_representation",
    ],
    "qdpx": ["read_qdpx"],
    "qualcoder": ["read_qualcoder"],
    "quotes": ["pseudonymise_quote", "role_label", "select_quotes"],
    "roles": ["normalise_role"],
    "rules": ["CodeRule", "CodingRules", "read_rules"],
    "segments": ["SEGMENT_COLUMNS", "read_coded_segments"],
    "taguette": ["read_taguette"],
    "theme_statistics": [
        "theme_agreement",
        "theme_changes",
        "theme_group_differences",
        "theme_shares",
    ],
    "themebook": ["Themebook", "read_themes", "save_themes"],
    "themes": ["ThemeModel", "discover_themes", "measure_candidates"],
    "validated": ["coding_summary", "load_validated", "read_coding", "read_validated_coding"],
    "votes": ["read_workshop"],
    "workshops": ["consensus", "group_priorities", "kendall_w", "rank_proposals"],
})
