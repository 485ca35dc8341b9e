"""The evidence: every key figure a study records, what it means, and how sure it is.

Sections record figures with :meth:`civeval.workbench.study.Study.record`; the diagnosis, the
summary and the answers to the evaluation questions read them back, and nothing else.
:mod:`civeval.evidence.registry` says what each key means: how it is formatted, the section
that records it, its name and its formula in words, in French and English.
"""

from civeval.workbench.exports import lazy_exports

# Public names by the module that defines them, each loaded on first use.
__all__, __getattr__, __dir__ = lazy_exports(__name__, {
    "registry": ["indicator", "is_known", "known_indicators"],
})
