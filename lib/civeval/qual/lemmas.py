"""French lemmas with spaCy's ``fr_core_news_sm``, loaded once per process.

:func:`french_pipeline` is the pipeline every text analysis of :mod:`civeval.qual` shares
(templates that need it warm it before the report children fork); :func:`lemmatise` gives
the lemmas an analyst counts to draft keywords; :func:`word_forms` the forms a word of an
answer or of a keyword may match (:mod:`civeval.qual.rules`, :mod:`civeval.qual.coding`);
:func:`spacy_docs` the analysed texts, with lemmas or with person names
(:mod:`civeval.qual.quotes`).

The small French model tags some adjectives as nouns ("dangereuses" → "dangereuse"), so a
word's forms are its lemma, its lemmas as a noun and as an adjective, and its written form,
all folded (:func:`fold_accents`).
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable

import pandas as pd

__all__ = ["fold_accents", "french_pipeline", "is_missing", "lemmatise", "spacy_docs",
           "word_forms"]

MODEL = "fr_core_news_sm"
"""The spaCy model used for French lemmas and person names."""


@functools.cache
def french_pipeline():
    """The French spaCy pipeline, loaded on first use and then shared by the whole process.

    The dependency parser is not loaded: neither lemmas nor person names need it. Callers
    disable what they do not need per call (``nlp.pipe(texts, disable=[...])``).
    """
    import spacy  # slow to import: only when text analysis is actually asked for

    return spacy.load(MODEL, exclude=["parser", "senter"])


def spacy_docs(texts: Iterable[str], *, names: bool = False):
    """spaCy documents, with lemmas (default) or with person names and word classes."""
    nlp = french_pipeline()
    disable = [name for name in nlp.pipe_names if name == ("lemmatizer" if names else "ner")]
    return nlp.pipe((str(text) for text in texts), disable=disable, batch_size=256)


def fold_accents(text: str) -> str:
    """Lower case without accents, typographic apostrophes made straight."""
    text = unicodedata.normalize("NFKD", str(text).replace("’", "'"))
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def _is_word(token) -> bool:
    return not (token.is_punct or token.is_space)


def is_missing(value) -> bool:
    """None or a missing value (NaN, NA); a list of codes is never missing."""
    return value is None or (not isinstance(value, list | tuple | set) and pd.isna(value))


def lemmatise(texts: Iterable[str], *, stop_words: bool = False) -> list[list[str]]:
    """French lemmas of each text, lower case, without punctuation.

    Parameters
    ----------
    texts : iterable of str
        Answers, segments or any French text; missing values count as empty texts.
    stop_words : bool
        Keep stop words ("le", "de", "être"...). By default only content lemmas are
        kept: what an analyst counts to draft keywords.

    Returns
    -------
    list of list of str
        One list of lemmas per text, in the order of the words.

    Examples
    --------
    >>> lemmatise(["Les trottoirs sont trop étroits !", None])
    [['trottoir', 'trop', 'étroit'], []]
    """
    texts = ["" if is_missing(text) else str(text) for text in texts]
    return [[token.lemma_.lower() for token in doc
             if _is_word(token) and (stop_words or not token.is_stop)]
            for doc in spacy_docs(texts)]


@functools.cache
def _lemma_alternatives(word: str) -> frozenset[str]:
    """The lemmas of ``word`` read as a noun and as an adjective, whatever its tag."""
    from spacy.tokens import Doc

    nlp = french_pipeline()
    lemmatizer = nlp.get_pipe("lemmatizer")
    forms = set()
    for pos in ("NOUN", "ADJ"):
        forms.update(lemmatizer.rule_lemmatize(Doc(nlp.vocab, words=[word], pos=[pos])[0]))
    return frozenset(forms)


_CONTENT_POS = {"NOUN", "ADJ", "VERB", "PROPN", "X"}


def word_forms(texts: Iterable[str]) -> list[list[frozenset[str]]]:
    """Per text, per word: the folded forms a keyword word may match."""
    result = []
    for doc in spacy_docs(texts):
        words = []
        for token in doc:
            if not _is_word(token):
                continue
            forms = {token.lemma_.lower(), token.lower_}
            if token.pos_ in _CONTENT_POS and token.is_alpha:
                forms |= _lemma_alternatives(token.lower_)
            words.append(frozenset(fold_accents(form) for form in forms if form))
        result.append(words)
    return result
