"""Free text fit to publish: what identifies a person replaced by a neutral label.

Every path of the workbench that shows free text (survey answers, open answers, interview
and workshop quotes, workshop proposals) goes through :func:`pseudonymise_texts`. It finds:

1. **Contact and identity details**, whatever surrounds them (:data:`patterns.CONTACTS
   <civeval.privacy.patterns.CONTACTS>`): e-mail addresses, obfuscated ones too
   (« jean [at] exemple [point] fr »), web addresses, social-network handles, IBANs,
   social-security numbers, birth dates, phone numbers in every French and international
   format (« +33 (0)6 55 44 33 22 », « 0033 6… », « 06/10/20/30/40 », « 06 1234 5678 »)
   and postal addresses.
2. **The study's list of people**: each name, however it is written (case, accents, a
   hyphen for a space, with or without a title, the last name alone).
3. **Names the text itself gives away**: the persons spaCy's French model recognises
   (not the common word it takes for one when the word opens a sentence: « Baisse de la
   participation »), names after a title (« Mme Durand », title included) or an initial
   (« J. Dupont »), capitalised names after a role or a relation (« le maire Zorglub »,
   « mon voisin Kévin »: the role is kept), proper nouns followed by a verb only a person
   does (« Karim est venu ») and a speaker's name heading a transcript's line
   (« Karim : … »). A public place named after someone (« collège Jean Moulin », « salle
   Pierre Mendès France ») names no one and is kept.

Details (1) win over names: a name inside an e-mail address does not break the address
into pieces. Overlapping names are joined and replaced once, a listed person's label
winning over a name found otherwise.

Measured on ``tests/hostile/pii_corpus.yml`` (110 French variants), and on the 586 French
texts of the report catalogue and the reference libraries, which lose nothing but the
scientists' names they cite (« alpha de Krippendorff »).
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping

import pandas as pd

from civeval.privacy.patterns import (
    BESIDE_ROLE,
    CLAUSE_WORDS,
    CONTACTS,
    INITIALLED,
    PLACE,
    SAINT_PLACE,
    SUBJECT_OF_PERSON_VERB,
    TITLED,
)

__all__ = ["PERSON", "pseudonymise_text", "pseudonymise_texts"]

PERSON = "[personne]"
"""What replaces a person's name when nothing better is known."""

_CHUNK = 100_000  # characters given to the model at once (spaCy refuses beyond 10⁶)
_COLON = re.compile(r"[ \t\u00a0\u202f]*:")
_INFLECTIONS = {"er": ("e", "é", "ent", "ons", "ez"), "ir": ("it", "i", "issent", "is"),
               "re": ("it", "u", "ent", "s", "ons")}
_SENTENCE_OPENERS = {".", "!", "?", ":", ";", "…", "«", "(", "[", '"', "“", "-", "–", "—"}
_TITLES = r"(?:monsieur|madame|mademoiselle|mme|mlle|mr\.?|m\.?|dr\.?|docteur|maitre)"
_SEPARATORS = r"[\s\-]+"


def _missing(value) -> bool:
    return value is None or (pd.api.types.is_scalar(value) and pd.isna(value))


def pseudonymise_text(text: str, people=(), label: str = PERSON, places=()) -> str:
    """One text with what identifies a person replaced by labels (see
    :func:`pseudonymise_texts`).

    Examples
    --------
    >>> pseudonymise_text("Écrire à Mme Durand (j.durand@mairie.fr, 06 12 34 56 78).")
    'Écrire à [personne] ([courriel], [téléphone]).'
    >>> pseudonymise_text("Le 12 rue des Lilas est dangereux, voir www.exemple.fr")
    'Le [adresse] est dangereux, voir [lien]'
    >>> pseudonymise_text("Le maire Zorglub a appelé le +33 (0)6 55 44 33 22.")
    'Le maire [personne] a appelé le [téléphone].'
    """
    return pseudonymise_texts([text], people, [label], places)[0]


def pseudonymise_texts(texts: Iterable[str], people=(), labels=None, places=()) -> list[str]:
    """Texts with names, contact details, addresses, bank details and birth dates replaced.

    Parameters
    ----------
    texts : iterable of str
        Free texts (answers, quotes, proposals); a missing value gives an empty text.
    people : iterable of str, or mapping of name → label
        The study's list of people: names always replaced, matched as whole words
        whatever the case and accents, with or without a title (« M. », « Mme »,
        « Madame »…), as the full name or the last name alone, a hyphen and a space being
        the same (« Jean Pierre » finds « Jean-Pierre »). Given as a list, a name is
        replaced by its text's label; as a mapping, by its own label (None for
        :data:`PERSON`).
    labels : iterable of str, optional
        Per text, what replaces the names found in it (the speaker's group, « [élu·e] »,
        in a quote); :data:`PERSON` by default.
    places : iterable of str
        Place names of the study (its communes or districts, as its data write them): the
        small language model takes many a commune for a person (« À Douadic, il manque… »).
        A name the model alone finds is kept when it is one of them, or a saint's name
        joined by a hyphen (« Saint-Martin »), which in French names places, not people.

    Returns
    -------
    list of str
        Plain text, not escaped: e-mail addresses become ``[courriel]``, web addresses
        ``[lien]``, handles ``[compte]``, IBANs ``[coordonnées bancaires]``, social-security
        numbers ``[numéro de sécurité sociale]``, birth dates ``[date de naissance]``,
        phone numbers ``[téléphone]``, postal addresses ``[adresse]`` and names the label.

    Notes
    -----
    Recognition without a list misses first names that the model does not know and that
    follow no title, role nor verb of its list (« le projet de Jean-Marc et Lucie »), a
    first name that is also a word opening a sentence (« Rose organise… ») and names in
    lower case: give the study's list of people whenever there is one. A listed last name
    that is also an adjective (« Petit », « Blanc ») is left alone where it is written in
    lower case and used as an adjective (« le petit parc »); anywhere else a doubtful word
    is hidden rather than a name shown.

    Examples
    --------
    >>> pseudonymise_texts(["Sophie Durand et Jean Dupont sont venus.", "Appelez Karim !"],
    ...                    people={"Sophie Durand": "[élu·e]"},
    ...                    labels=["[habitant·e]", "[agent·e]"])
    ['[élu·e] et [habitant·e] sont venus.', 'Appelez [agent·e] !']
    """
    texts = ["" if _missing(text) else str(text) for text in texts]
    labels = [PERSON] * len(texts) if labels is None else [str(label) for label in labels]
    if len(labels) != len(texts):
        raise ValueError(f"give one label per text: {len(labels)} labels for "
                         f"{len(texts)} texts")
    listed = _name_patterns(_people_key(people))
    known_places = {_fold_chars(str(place).strip()) for place in places if not _missing(place)}
    result = []
    for text, label, model in zip(texts, labels, _model_readings(texts), strict=True):
        contacts = _contact_spans(text)
        persons = [(start, end) for start, end in model.persons
                   if not (SAINT_PLACE.match(text, start)
                           or _fold_chars(text[start:end]) in known_places)]
        found = [*persons, *(m.span() for m in TITLED.finditer(text)),
                 *(m.span() for m in INITIALLED.finditer(text)),
                 *(m.span("name") for m in BESIDE_ROLE.finditer(text))]
        places = _Spans(m.span() for m in PLACE.finditer(text))
        names = [(start, end, label, 0) for start, end in found
                 if not places.overlaps(start, end)]
        folded = _fold_chars(text)
        for pattern, own_label in listed:
            names += [(m.start(), m.end(), own_label or label, 1)
                      for m in pattern.finditer(folded)
                      if not _common_word(m, text, model.adjectives)]
        claimed = _Spans(span[:2] for span in contacts)
        names = [span for span in names if not claimed.overlaps(*span[:2])]
        result.append(_replace(text, contacts + _merge(names)))
    return result


class _Spans:
    """Spans of a text that do not overlap one another, for quick overlap tests (a long
    text may hold thousands)."""

    def __init__(self, spans=()):
        self.starts: list[int] = []
        self.ends: list[int] = []
        for start, end in spans:
            self.add(start, end)

    def overlaps(self, start: int, end: int) -> bool:
        before = bisect.bisect_left(self.starts, end)  # spans starting before ``end``
        return before > 0 and self.ends[before - 1] > start

    def add(self, start: int, end: int) -> None:
        position = bisect.bisect_left(self.starts, start)
        self.starts.insert(position, start)
        self.ends.insert(position, end)


def _replace(text: str, spans: list[tuple[int, int, str]]) -> str:
    pieces, position = [], 0
    for start, end, label in sorted(spans):
        pieces += [text[position:start], label]
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def _contact_spans(text: str) -> list[tuple[int, int, str]]:
    """Spans of contact and identity details, each claimed by the first pattern that finds
    it."""
    spans: list[tuple[int, int, str]] = []
    claimed = _Spans()
    for pattern, label in CONTACTS:
        for match in pattern.finditer(text):
            group = next((name for name in ("pii", "pii2")
                          if name in pattern.groupindex and match.group(name) is not None),
                         None)
            start, end = match.span(group) if group else match.span()
            if not claimed.overlaps(start, end):
                claimed.add(start, end)
                spans.append((start, end, label))
    return spans


def _merge(spans: list[tuple[int, int, str, int]]) -> list[tuple[int, int, str]]:
    """Overlapping spans joined; the label of the highest-priority span wins."""
    merged: list[list] = []
    for start, end, label, priority in sorted(spans, key=lambda s: (s[0], s[0] - s[1])):
        if merged and start < merged[-1][1]:
            last = merged[-1]
            last[1] = max(last[1], end)
            if priority > last[3]:
                last[2], last[3] = label, priority
        else:
            merged.append([start, end, label, priority])
    return [(start, end, label) for start, end, label, _ in merged]


# --------------------------------------------------------------------------- the model

class _Reading:
    """What the French model says of one text: the spans of its persons, and those of its
    adjectives that the lexicon knows as adjectives (what may make a listed last name a
    common word)."""

    def __init__(self, persons=(), adjectives=()):
        self.persons: list[tuple[int, int]] = [tuple(span) for span in persons]
        self.adjectives: set[tuple[int, int]] = {tuple(span) for span in adjectives}


def _chunks(text: str) -> list[tuple[int, str]]:
    """``text`` cut at whitespace into pieces the model accepts, with their offsets."""
    pieces, start = [], 0
    while len(text) - start > _CHUNK:
        cut = max(text.rfind(" ", start, start + _CHUNK), text.rfind("\n", start,
                                                                      start + _CHUNK))
        cut = cut if cut > start else start + _CHUNK
        pieces.append((start, text[start:cut]))
        start = cut
    pieces.append((start, text[start:]))
    return pieces


def _model_readings(texts: list[str]) -> list[_Reading]:
    """What the model says of each text, kept for a run on the same texts
    (:mod:`civeval.workbench.readings`: offsets only, so no model is loaded then)."""
    from civeval.qual.lemmas import MODEL
    from civeval.workbench.readings import remembered

    return [_Reading(persons, adjectives) for persons, adjectives
            in remembered("persons and adjectives", texts, MODEL, _read_with_model)]


def _read_with_model(texts: list[str]) -> list[list[list[tuple[int, int]]]]:
    """Per text, its persons' spans and its lexicon adjectives' spans (see :class:`_Reading`)."""
    from civeval.qual.lemmas import spacy_docs  # loads spaCy: only when text is shown

    found = [([], set()) for _ in texts]
    owners = [(number, offset) for number, text in enumerate(texts)
              for offset, _ in _chunks(text)]
    pieces = (piece for text in texts for _, piece in _chunks(text))
    for (number, offset), doc in zip(owners, spacy_docs(pieces, names=True), strict=True):
        persons, adjectives = found[number]
        adjectives |= {(t.idx + offset, t.idx + len(t.text) + offset) for t in doc
                       if t.pos_ == "ADJ" and t.text in _adjective_lexicon()}
        persons += [(start + offset, end + offset) for start, end in _persons(doc)]
    return [[persons, sorted(adjectives)] for persons, adjectives in found]


def _persons(doc) -> list[tuple[int, int]]:
    """Character spans of the persons of one analysed text.

    The model's persons, without the words around a name it takes in (« Appelez Karim »),
    an infinitive that opens a proposal (« Allonger la phase… ») or a common word heading
    a line (« Portable : 06… »); and the proper nouns it takes for places or other things
    that are the subject of a verb only a person does (« Karim est venu », « Kevin m'a
    parlé ») or that head a line as a speaker does in a transcript (« Karim : … »).
    """
    text, spans = doc.text, []
    for entity in doc.ents:
        tokens = list(entity) if entity.label_ == "PER" else []
        while tokens and _not_a_name_edge(tokens[0]):
            tokens.pop(0)
        while tokens and _not_a_name_edge(tokens[-1]):
            tokens.pop()
        if len(tokens) == 1 and _common_word_taken_for_a_name(tokens[0], text):
            continue
        if any(token.text[:1].isupper() for token in tokens):
            spans.append((tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)))
    entity_of = {token.i: entity for entity in doc.ents for token in entity}
    for token in doc:
        if (token.ent_type_ == "PER" or not token.is_alpha or not token.text[:1].isupper()
                or token.text in CLAUSE_WORDS):
            continue
        end = token.idx + len(token.text)
        if SUBJECT_OF_PERSON_VERB.match(text, end) or (
                _heads_a_line(token, text) and not _is_common_word(token.lower_)):
            start = entity_of[token.i].start_char if token.i in entity_of else token.idx
            spans.append((start, end))
    return spans


def _common_word_taken_for_a_name(token, text: str) -> bool:
    """Whether a word the model alone takes for a person is a common word capitalised
    because it opens a sentence, a proposal or a line (« Baisse de la participation »,
    « Allonger la phase… », « Portable : 06… »). A first name that is also a word
    (« Pierre a dit ») is found again when a verb only a person does follows it."""
    if "Inf" in token.morph.get("VerbForm"):
        return True
    return _is_common_word(token.lower_) and (_opens_a_sentence(token)
                                              or _heads_a_line(token, text))


def _opens_a_sentence(token) -> bool:
    previous = next((t for t in reversed(token.doc[:token.i]) if not t.is_space), None)
    return (previous is None or previous.text[-1:] in _SENTENCE_OPENERS
            or "\n" in token.doc[previous.i:token.i].text_with_ws)


def _heads_a_line(token, text: str) -> bool:
    """Whether a word is alone before a colon at the start of a line (« Karim : … »);
    ``text`` is the token's document's (which spaCy builds anew each time it is asked)."""
    line_start = text.rfind("\n", 0, token.idx) + 1
    return (text[line_start:token.idx].strip() == ""
            and _COLON.match(text, token.idx + len(token.text)) is not None)


def _not_a_name_edge(token) -> bool:
    """Whether a token at either end of a person the model found is not part of the name
    (« Appelez Karim », « Karim , »). Word classes are not asked: the small model tags
    « Dupont » a pronoun after « Marie »."""
    return not token.text[:1].isupper() or token.text in CLAUSE_WORDS


# --------------------------------------------------------------------------- listed people

def _fold_chars(text: str) -> str:
    """Lower case without accents, one character for one: offsets stay those of ``text``."""
    return "".join(unicodedata.normalize("NFD", c.replace("’", "'"))[0].lower()[:1] or c
                   for c in text)


def _people_key(people) -> tuple[tuple[str, str | None], ...]:
    """The list of people as a hashable tuple of (name, label or None for the text's)."""
    if isinstance(people, str):
        people = [people]
    if isinstance(people, Mapping):
        pairs = [(name, PERSON if _missing(label) else str(label))
                 for name, label in people.items()]
    else:
        pairs = [(name, None) for name in people]
    return tuple((str(name), label) for name, label in pairs
                 if not _missing(name) and str(name).strip())


@functools.lru_cache(maxsize=64)
def _name_patterns(names: tuple[tuple[str, str | None], ...]) -> list[tuple[re.Pattern, str]]:
    """One regular expression per person (on folded text), with the label it gets.

    A label of None means "the text's label". The group ``last`` holds a last name written
    alone, the only form that can also be a common word.
    """
    patterns = []
    for name, label in names:
        words = [word for word in re.split(_SEPARATORS, _fold_chars(name.strip())) if word]
        if not words:
            continue
        full = {_SEPARATORS.join(map(re.escape, words))}
        if len(words) >= 3:
            full.add(_SEPARATORS.join(map(re.escape, words[1:])))  # "de La Fontaine"
        last = {re.escape(words[-1])} if len(words) >= 2 else set()
        alternatives = f"(?P<full>{'|'.join(sorted(full, key=len, reverse=True))})"
        if last - full:
            alternatives += f"|(?P<last>{'|'.join(sorted(last - full))})"
        patterns.append((re.compile(rf"(?<!\w)(?:{_TITLES}\s+)?(?:{alternatives})(?!\w)"),
                         label))
    return patterns


def _lookups():
    from civeval.qual.lemmas import french_pipeline

    return french_pipeline().get_pipe("lemmatizer").lookups


@functools.cache
def _adjective_lexicon() -> frozenset[str]:
    """Adjectives of the French lemmatizer's lexicon ("petit", "blanc", "brun"...)."""
    return frozenset(_lookups().get_table("lemma_index").get("adj", []))


@functools.cache
def _lemmas() -> frozenset[str]:
    index = _lookups().get_table("lemma_index")
    return frozenset(word for name in ("noun", "adj", "verb", "adv")
                     for word in index.get(name, []))


def _is_common_word(word: str) -> bool:
    """Whether the French lemmatizer's lexicon knows ``word`` (lower case), as a lemma, an
    inflected form ("portable", "téléphone", "signé"...) or the infinitive of inflected
    forms ("identifier", from "identifie"): few first names are there."""
    lookup = _lookups().get_table("lemma_lookup")
    if word in _lemmas() or word in lookup:
        return True
    # The lexicon lists many infinitives only as what their forms come from.
    for ending, forms in _INFLECTIONS.items():
        if word.endswith(ending) and len(word) > len(ending) + 1:
            stem = word[:-len(ending)]
            if any(word in (lookup.get(stem + form) or ()) for form in forms):
                return True
    return False


def _common_word(match: re.Match, text: str, adjectives: set[tuple[int, int]]) -> bool:
    """Whether a last name written alone is here an adjective: "le petit parc", not Petit.

    Only a lower-case occurrence, without a title, that the model tags as an adjective
    and that the lexicon knows as one (``adjectives``, see :class:`_Reading`): a name
    written in lower case by a hurried transcriber is still hidden.
    """
    if match.groupdict().get("last") is None or match.start("last") != match.start():
        return False
    written = text[match.start():match.end()]
    return written == written.lower() and (match.start(), match.end()) in adjectives
