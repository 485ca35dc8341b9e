"""Free texts made ready for theme discovery: the answers of a text column, their French
lemmas counted per answer, and the language they are written in.

Any text column of the catalogue will do: a questionnaire's open question, the titles or
bodies of a platform's proposals, its comments, workshop notes. :func:`catalogue_answers`
takes one from a study's dataset and says where it is when it is not there;
:func:`count_terms` turns the answers into counts of lemmas and of pairs of consecutive
lemmas (``piste cyclable``, ``transport demande``), the input of
:func:`civeval.qual.themes.discover_themes`; :func:`language_check` says which share of the
answers seems written in another language than the study's.

Lemmas at scale
---------------
The French spaCy pipeline (``fr_core_news_sm``, :mod:`civeval.qual.lemmas`) tags each word
in context before its lemmatiser applies the rules of its part of speech: measured at about
21,000 words a second on one core, four minutes for 50,000 answers of 100 words, far beyond
what an analyst waits for. Its tokenizer alone runs at about 780,000 words a second. So the
words are lemmatised by *type*: the pipeline tags, in context, a sample of the answers
spread evenly over the corpus (about :data:`SAMPLE_WORDS` words), and each written form
takes the first lemma that the answers themselves use as a word, among those the sample
gave it (the most frequent first) and the one of the pipeline's lookup table
(``lemma_lookup``): the small model tags some lone nouns as adjectives ("une piste" →
"pist") and the lookup table prefers verbs ("routes" → "router"), and a lemma nobody
wrote is rarely the right one. Failing that, the most frequent tagged lemma, the lookup
lemma, the form itself. A form is one lemma wherever it occurs, which is what counting
themes needs; what is lost is the rare form whose lemma depends on its context.
Stop words are spaCy's French list, judged on the written form (so that "car",
the conjunction, goes, and "cars", the coaches, stays), and a few verbs of every request
(:data:`GENERIC_LEMMAS`: "il faudrait", "on pourrait"); words of one letter, numbers and
punctuation go too.

Language
--------
Each answer's language is the one whose own stop words (those no other of French,
English, German, Spanish, Italian, Portuguese and Dutch has) it uses most; an answer
without any, or tied, has none. spaCy ships these lists: nothing is downloaded.
"""

from __future__ import annotations

import importlib
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse

from civeval.errors import InputError
from civeval.qual.coding import open_answers
from civeval.qual.lemmas import french_pipeline, is_missing

__all__ = ["MIN_ANSWERS", "TermCounts", "catalogue_answers", "count_terms", "language_check"]

MIN_ANSWERS = 50
"""Fewest answers theme discovery accepts.

Below it, each theme holds a handful of answers: the measures that choose the number of
themes (co-occurrences of words, themes found again on 80 % subsamples) rest on too few
documents to mean anything, and an analyst reads fifty answers faster than she checks
themes.
"""

SAMPLE_WORDS = 60_000
"""About how many words the French pipeline tags in context to lemmatise the corpus."""

GENERIC_LEMMAS = frozenset({"falloir", "pouvoir", "devoir", "vouloir", "faire", "être",
                            "avoir", "mettre", "dire", "trouver", "chose"})
"""Lemmas that spaCy's stop words miss and that say nothing of a theme ("il faudrait",
"on pourrait"…): skipped like stop words."""

LANGUAGES = ("fr", "en", "de", "es", "it", "pt", "nl")
"""Languages an answer can be recognised in (by stop words spaCy ships for each)."""

ID_COLUMNS = ("respondent_id", "id")
BREAK, GENERIC = -1, -2  # in a sequence of lemma numbers: punctuation; a lemma left out
"""Columns taken as the answer's id, in this order (surveys, then platform exports)."""


# --------------------------------------------------------------------------- the answers

def catalogue_answers(study, dataset: str, column: str,
                      attributes: str | Sequence[str] = ()) -> pd.DataFrame:
    """The non-empty texts of one column of a catalogue dataset, with their ids.

    Parameters
    ----------
    study : Study
        The study whose catalogue holds the dataset.
    dataset : str
        A catalogue name: a questionnaire, a platform's proposals or comments, a table of
        workshop notes…
    column : str
        The text column (``Q2``, ``body``, ``title``…).
    attributes : str or list of str
        Columns kept beside each answer (age band, district, channel…).

    Returns
    -------
    DataFrame
        As :func:`civeval.qual.coding.open_answers`: ``respondent`` (the dataset's
        ``respondent_id`` or ``id``, else the row number), ``answer`` and the attributes;
        ``attrs["file"]`` is the dataset's file as the study shows it.

    Raises
    ------
    InputError
        A column that does not exist, naming the dataset's file, its header line and the
        column, and listing the text columns it has.

    Examples
    --------
    >>> from civeval import load_study
    >>> study = load_study("demo-val-de-brenne")
    >>> catalogue_answers(study, "propositions", "title")["answer"].iloc[0]
    'Covoiturage à Azay-le-Rond'
    """
    from civeval.workbench.paths import display_path

    table = study.load(dataset)
    file = display_path(study.dataset_path(dataset))
    identifier = next((name for name in ID_COLUMNS if name in table.columns), None)
    attributes = [attributes] if isinstance(attributes, str) else list(attributes)
    for name in [column, *attributes]:
        if name not in table.columns:
            texts = ", ".join(text_columns(table)) or "none"
            raise InputError(f"dataset {dataset!r} has no column {name!r}; its text columns: "
                             f"{texts}", file=file, row=1, column=name, study=study.slug)
    answers = open_answers(table, column, attributes, id_column=identifier)
    answers.attrs["file"] = str(file)
    return answers


def text_columns(table: pd.DataFrame) -> list[str]:
    """Columns that mostly hold words: the candidates for theme discovery."""
    found = []
    for name in table.columns:
        values = table[name].dropna()
        if len(values) and values.map(lambda v: isinstance(v, str)).mean() > 0.5 and (
                values.astype(str).str.contains(r"[^\W\d_]{2}", regex=True).mean() > 0.5):
            found.append(str(name))
    return found


def check_enough(answers: pd.DataFrame, column: str | None = None, file=None) -> None:
    """Raise an :class:`InputError` when there are fewer answers than :data:`MIN_ANSWERS`."""
    if len(answers) < MIN_ANSWERS:
        raise InputError(f"{len(answers)} non-empty answers: theme discovery needs at least "
                         f"{MIN_ANSWERS}; code so few answers by hand",
                         file=file or answers.attrs.get("file"), column=column)


# --------------------------------------------------------------------------- the lemmas

@dataclass(frozen=True)
class TermCounts:
    """How often each lemma, and each pair of consecutive lemmas, occurs in each answer.

    ``counts`` is an answers × terms sparse matrix (CSR) of counts, ``terms`` the terms of
    its columns, ``languages`` the language recognised in each answer (a code of
    :data:`LANGUAGES`, or ``""``).
    """

    counts: sparse.csr_matrix
    terms: np.ndarray
    languages: np.ndarray

    def __len__(self) -> int:
        return self.counts.shape[0]

    def rows(self, selected) -> TermCounts:
        """The counts of some answers only (positions or a boolean mask)."""
        return TermCounts(self.counts[selected], self.terms, self.languages[selected])


@cache
def _stop_words() -> tuple[frozenset[str], dict[str, int]]:
    """spaCy's French stop words, and each stop word of only one of :data:`LANGUAGES` with
    its position there."""
    lists = [importlib.import_module(f"spacy.lang.{code}.stop_words").STOP_WORDS
             for code in LANGUAGES]
    seen = Counter(word for words in lists for word in words)
    own = {word: number for number, words in enumerate(lists) for word in words
           if seen[word] == 1}
    return frozenset(lists[0]), own


def _tagged_lemmas(texts: Sequence[str]) -> dict[str, list[str]]:
    """For each written form of an evenly spread sample of the answers, the lemmas the
    tagged pipeline gave it, the most frequent first (ties alphabetical, so that no order
    of the answers changes a lemma)."""
    words = sum(text.count(" ") + 1 for text in texts)
    step = max(1, round(words / SAMPLE_WORDS))
    votes: dict[str, Counter] = defaultdict(Counter)
    for doc in french_pipeline().pipe(texts[::step], disable=["ner"], batch_size=256):
        for token in doc:
            if token.is_alpha:
                votes[token.lower_][token.lemma_.lower()] += 1
    return {form: sorted(counted, key=lambda name: (-counted[name], name))
            for form, counted in votes.items()}


def _lemmas(forms: list[str], tagged: dict[str, list[str]]) -> list[str]:
    """The lemma of each form: the first of its tagged lemmas, then its lookup lemma, that
    the answers themselves use as a word ("piste", not the "pist" of a noun tagged as an
    adjective; "route", not the lookup's "router"); else its most frequent tagged lemma,
    else its lookup lemma, else itself."""
    lookup = french_pipeline().get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
    written = set(forms)
    result = []
    for form in forms:
        found = lookup.get(form)
        candidates = [*tagged.get(form, []), *(found[:1] if found else [])]
        result.append(next((c for c in candidates if c in written),
                           candidates[0] if candidates else form))
    return result


def count_terms(texts: Iterable[str], *, min_answers: int = 3, max_share: float = 0.5,
                max_terms: int = 10_000) -> TermCounts:
    """French lemmas and pairs of consecutive lemmas, counted in each answer.

    Parameters
    ----------
    texts : iterable of str
        The answers (missing values count as empty answers).
    min_answers : int
        A term must occur in at least this many answers: rarer ones describe no theme.
    max_share : float
        A term in more than this share of the answers describes none either.
    max_terms : int
        Keep at most this many terms, those found in the most answers (ties by term).

    Returns
    -------
    TermCounts

    Notes
    -----
    Lemmas as the module says; stop words are skipped but do not break a pair
    ("transport à la demande" gives ``transport demande``), punctuation does.

    Examples
    --------
    >>> counts = count_terms(["Il faut des pistes cyclables pour le vélo.",
    ...                       "Une piste cyclable vers le collège.", "Plus de bus le soir.",
    ...                       "Le bus passe trop rarement.", "Des vélos électriques",
    ...                       "The bus is late"], min_answers=2)
    >>> counts.terms.tolist()
    ['bus', 'cyclable', 'piste', 'piste cyclable', 'vélo']
    >>> counts.counts.toarray().astype(int).tolist()[:3]
    [[0, 1, 1, 1, 1], [0, 1, 1, 1, 0], [1, 0, 0, 0, 0]]
    >>> counts.languages.tolist()
    ['fr', 'fr', 'fr', '', '', 'en']
    """
    texts = ["" if is_missing(text) else str(text) for text in texts]
    tagged = _tagged_lemmas(texts)
    stop, own = _stop_words()
    # One pass of the tokenizer writes each answer as form numbers, BREAK for punctuation;
    # lemmas and pairs are then made for all answers at once. Arrays of machine integers:
    # Python lists would hold 50,000 answers of 200 words in ten times the memory.
    numbers: dict[str, int] = {}
    tokens = array("q")
    pointers = array("q", [0])
    languages = np.zeros((len(texts), len(LANGUAGES)), dtype=np.int32)
    for row, doc in enumerate(french_pipeline().tokenizer.pipe(texts, batch_size=1000)):
        for token in doc:
            form = token.lower_
            if form in own:
                languages[row, own[form]] += 1
            if not token.is_alpha:
                tokens.append(BREAK)
            elif form not in stop and len(form) > 1:
                tokens.append(numbers.setdefault(form, len(numbers)))
        pointers.append(len(tokens))
    forms = list(numbers)
    lemma_of_form = _lemmas(forms, tagged)
    vocabulary = sorted(set(lemma_of_form) - GENERIC_LEMMAS)
    position = {lemma: number for number, lemma in enumerate(vocabulary)}
    # a form whose lemma says nothing is dropped without breaking a pair (GENERIC)
    lemma_numbers = np.array([position.get(lemma, GENERIC) for lemma in lemma_of_form] + [BREAK],
                             dtype=np.int64)  # the last entry maps BREAK (-1) to itself
    sequence = lemma_numbers[np.frombuffer(tokens, dtype=np.int64)]
    answer = np.repeat(np.arange(len(texts)), np.diff(np.frombuffer(pointers, dtype=np.int64)))
    kept = sequence != GENERIC
    sequence, answer = sequence[kept], answer[kept]
    words = sequence >= 0
    follows = words[:-1] & words[1:] & (answer[:-1] == answer[1:])
    pair_codes = sequence[:-1][follows] * len(vocabulary) + sequence[1:][follows]
    pair_list, pair_numbers = np.unique(pair_codes, return_inverse=True)
    rows = np.concatenate([answer[words], answer[:-1][follows]])
    columns = np.concatenate([sequence[words], len(vocabulary) + pair_numbers])
    counts = sparse.csr_matrix((np.ones(len(rows)), (rows, columns)),
                               shape=(len(texts), len(vocabulary) + len(pair_list)))
    terms = np.array(vocabulary + [f"{vocabulary[code // len(vocabulary)]} "
                                   f"{vocabulary[code % len(vocabulary)]}"
                                   for code in pair_list.tolist()], dtype=object)
    answers_with = np.bincount(counts.indices, minlength=len(terms))
    chosen = np.flatnonzero((answers_with >= min_answers)
                            & (answers_with <= max_share * max(len(texts), 1)))
    chosen = chosen[np.lexsort((terms[chosen], -answers_with[chosen]))][:max_terms]
    chosen = chosen[np.argsort(terms[chosen], kind="stable")]
    best = languages.max(axis=1)
    alone = (languages == best[:, None]).sum(axis=1) == 1
    recognised = np.where((best > 0) & alone,
                          np.array(LANGUAGES, dtype=object)[languages.argmax(axis=1)], "")
    return TermCounts(counts[:, chosen].tocsr(), terms[chosen], recognised.astype(object))


# --------------------------------------------------------------------------- the language

def language_check(counts: TermCounts, expected: str = "fr") -> pd.DataFrame:
    """The share of answers written in another language than ``expected``.

    Parameters
    ----------
    counts : TermCounts
        From :func:`count_terms`.
    expected : str
        The study's language (French: the lemmas are French).

    Returns
    -------
    DataFrame
        One row per language recognised, most frequent first: ``language``, ``answers``,
        ``share`` (of the answers whose language was recognised). ``attrs``:
        ``recognised`` (answers with a language), ``other_share`` (the share not in
        ``expected``) and ``mostly_other`` (True when that share is above one half: the
        themes would be found in the wrong language).

    Examples
    --------
    >>> counts = TermCounts(sparse.csr_matrix((4, 0)), np.array([]),
    ...                     np.array(["en", "en", "fr", ""], dtype=object))
    >>> table = language_check(counts)
    >>> table.to_dict("list"), table.attrs["other_share"], table.attrs["mostly_other"]
    ({'language': ['en', 'fr'], 'answers': [2, 1], 'share': [0.6666666666666666, \
0.3333333333333333]}, 0.6666666666666666, True)
    """
    found = pd.Series(counts.languages)
    found = found[found != ""]
    tally = found.value_counts()
    order = sorted(tally.index, key=lambda code: (-tally[code], code))
    table = pd.DataFrame({"language": order, "answers": [int(tally[c]) for c in order]})
    recognised = int(table["answers"].sum())
    table["share"] = table["answers"] / recognised if recognised else np.nan
    other = float(table.loc[table["language"] != expected, "share"].sum()) if recognised else 0.0
    table.attrs.update(recognised=recognised, other_share=other, mostly_other=other > 0.5,
                       expected=expected)
    return table


def language_warning(check: pd.DataFrame, file: str | Path | None = None,
                     column: str | None = None) -> str | None:
    """The warning to print when most answers are in another language, else None."""
    if not check.attrs["mostly_other"]:
        return None
    where = ", ".join(part for part in (str(file) if file else "",
                                        f"column {column!r}" if column else "") if part)
    main = check.loc[check["language"] != check.attrs["expected"], "language"].iloc[0]
    return (f"{where + ': ' if where else ''}{check.attrs['other_share']:.0%} of the answers "
            f"whose language could be recognised are not in {check.attrs['expected']!r} "
            f"(mostly {main!r}): the French lemmas will not find their themes")
