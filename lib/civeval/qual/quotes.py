"""Quotes fit for a report: pseudonymised, and attributed to groups large enough to hide in.

A report illustrates each theme (code) with a few quotes from interviews and workshops,
labelled with the speaker's stakeholder group ("[élu·e]", "[habitant·e]"). Two rules keep
the speakers from being recognised (DOMAIN: quotes are pseudonymised; a cell describing
fewer than 5 people is not published):

- **Names and contact details are replaced** (:func:`pseudonymise_quote`) by
  :func:`civeval.privacy.pseudonymise_texts`, the one pseudonymisation of every text a
  report shows, names taking the label of the speaker's group.
- **Small groups are merged** (:func:`select_quotes`): a group with fewer than
  ``threshold`` people in the whole material is quoted under its broader group
  (:data:`civeval.qual.roles.BROADER`), and so are the other groups of that broader group,
  since showing "[agent·e]" beside "[acteur·rice institutionnel·le]" would tell the reader
  that the latter quotes come from the few elected officials. A broader group still under
  the threshold is not quoted at all.

Quotes are returned as plain text; the report layer escapes them.
"""

from __future__ import annotations

import functools
import random
from collections import Counter
from collections.abc import Iterable, Mapping

import pandas as pd

from civeval.errors import InputError
from civeval.privacy import THRESHOLD, pseudonymise_texts
from civeval.qual.groups import count_people, shown_groups
from civeval.qual.roles import BROADER, ROLES, fold, normalise_role
from civeval.qual.segments import SEGMENT_COLUMNS

__all__ = ["UNKNOWN_LABEL", "pseudonymise_quote", "role_label", "select_quotes"]

UNKNOWN_LABEL = "[personne]"
"""What replaces a name when the group of the person is not known."""

ELLIPSIS = " […]"
"""Marks a quote cut at a sentence boundary."""

PREFERRED_MIN = 80
"""Quotes of at least this many characters (and at most ``max_length``) are chosen first."""

def _missing(value) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))


def role_label(role=None) -> str:
    """How a quote names a group: "[élu·e]" for "élu", "[personne]" when unknown.

    ``role`` is a group of :data:`~civeval.qual.roles.ROLES` (any spelling
    :func:`~civeval.qual.roles.normalise_role` knows), a broader group of
    :data:`~civeval.qual.roles.BROADER`, or a study's own group (shown in brackets).

    >>> role_label("Élue"), role_label("institution"), role_label(None)
    ('[élu·e]', '[acteur·rice institutionnel·le]', '[personne]')
    """
    if _missing(role) or not str(role).strip():
        return UNKNOWN_LABEL
    role = str(role).strip()
    if role in ROLES:
        return ROLES[role]["label"]
    if role in BROADER:
        return BROADER[role]
    canonical = normalise_role(role)
    if canonical is not None:
        return ROLES[canonical]["label"]
    broader = next((name for name in BROADER if fold(name) == fold(role)), None)
    if broader is not None:
        return BROADER[broader]
    return role if role.startswith("[") and role.endswith("]") else f"[{role}]"


# --------------------------------------------------------------------------- names

def _people_labels(names):
    """The study's list of people as :func:`civeval.privacy.pseudonymise_texts` takes it: a
    mapping's groups turned into their labels."""
    if isinstance(names, Mapping):
        return {name: role_label(role) for name, role in names.items()}
    return names


def _pseudonymise(texts: list[str], labels: list[str], names) -> list[str]:
    return pseudonymise_texts(texts, _people_labels(names), labels)


def pseudonymise_quote(text: str, role=None, names=()) -> str:
    """A quote with people's names and contact details replaced by labels.

    Parameters
    ----------
    text : str
        The quote (a segment's text, an open answer).
    role : str, optional
        The speaker's group: names are replaced by its label ("[élu·e]" for "élu", see
        :func:`role_label`), or by "[personne]" when it is not given.
    names : iterable of str, or mapping of name → group
        People's names from the study's list (speakers and people they mention). A name
        matches as whole words, whatever the case and accents, with or without a title
        ("M.", "Mme", "Madame"...), as the full name or the last name alone; a hyphen and
        a space are the same ("Jean Pierre" finds "Jean-Pierre"). Given as a mapping,
        each name is replaced by its own group's label instead of the speaker's.

    Returns
    -------
    str
        The text as :func:`civeval.privacy.pseudonymise_texts` gives it: names (listed,
        or found in the text) replaced by the labels above, contact details, addresses,
        bank details and birth dates by theirs. Plain text, not escaped.

    Examples
    --------
    >>> pseudonymise_quote("Mme Durand nous a reçus ; durand@mairie.fr", "élu",
    ...                    names=["Sophie Durand"])
    '[élu·e] nous a reçus ; [courriel]'
    >>> pseudonymise_quote("Jean-Pierre Martin nous a dit que le 06 12 34 56 78 marchait.")
    '[personne] nous a dit que le [téléphone] marchait.'
    """
    if _missing(text):
        return ""
    return _pseudonymise([str(text)], [role_label(role)], names)[0]


# --------------------------------------------------------------------------- selection

@functools.cache
def _sentences():
    import spacy  # slow to import: only when quotes are actually trimmed

    nlp = spacy.blank("fr")  # the tokenizer knows "M." and "etc." are not sentence ends
    nlp.add_pipe("sentencizer")
    return nlp


def _trim(text: str, max_length: int) -> str:
    """``text`` cut after its last whole sentence that fits, with "[…]"."""
    if len(text) <= max_length:
        return text
    room = max_length - len(ELLIPSIS)
    kept = ""
    for sentence in _sentences()(text).sents:
        candidate = text[:sentence.end_char].rstrip()
        if len(candidate) > room:
            break
        kept = candidate
    if not kept:  # the first sentence alone is too long: cut between words
        head = text[:room + 1]
        kept = head.rsplit(" ", 1)[0] if " " in head.strip() else text[:room]
        if kept.rfind("[") > kept.rfind("]"):  # never cut a label such as "[élu·e]" in two
            kept = kept[:kept.rfind("[")]
        kept = kept.rstrip(" ,;:")
    return kept + ELLIPSIS


def _group_order(group: str):
    order = list(ROLES) + list(BROADER)
    return (order.index(group), "") if group in order else (len(order), fold(group))


def _check_number(value, name: str, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be a whole number ≥ {minimum}, not {value!r}")


def select_quotes(segments: pd.DataFrame, codes=None, per_group: int = 2,
                  threshold: int = THRESHOLD, max_length: int = 400, names=(),
                  seed: int = 0) -> pd.DataFrame:
    """A few pseudonymised quotes per code and group, chosen reproducibly.

    Parameters
    ----------
    segments : DataFrame
        The segments table of :mod:`civeval.qual` (one row per segment and code).
    codes : str or list of str, optional
        The codes to illustrate, in this order; by default every code, alphabetically.
    per_group : int
        At most this many quotes per code and group.
    threshold : int
        A group counting fewer people in the whole material is quoted under its broader
        group (see the module's notes); people are distinct speakers when every segment
        of the group names its speaker, else distinct documents.
    max_length : int
        Longer quotes are cut after their last whole sentence that fits, "[…]" included.
    names : iterable of str, or mapping of name → group
        People's names from the study's list, for :func:`pseudonymise_quote`; a mapping's
        groups are merged like the speakers' (a name is never labelled with a group the
        report does not show).
    seed : int
        Seed of the random choice. Each code draws from its own seed, so the quotes of
        one code do not change when another code is added.

    Returns
    -------
    DataFrame
        ``code, group, label, quote``: ``group`` is the group the quote is attributed to
        (its speaker's, or the broader one), ``label`` how the report names it, ``quote``
        the pseudonymised text. Sorted by code, group (as in ``ROLES`` then ``BROADER``)
        and choice. ``attrs``: ``dropped`` (segments of the chosen codes that cannot be
        quoted: group and broader group under the threshold, or group unknown),
        ``merged`` (group → broader group it is quoted under), ``dropped_groups`` (groups
        never quoted) and ``threshold``.

    Notes
    -----
    For each code, the segments (distinct by document and segment id, so double-coded
    segments count once) are shuffled with the seed, then those of
    :data:`PREFERRED_MIN` to ``max_length`` characters are taken first. A segment is
    taken if its group has fewer than ``per_group`` quotes for the code, no segment of the
    same document has been quoted for the code yet (one talkative interviewee does not fill
    a theme) and it has not been quoted for an earlier code (a segment carrying two codes
    is read once).

    Examples
    --------
    >>> segments = pd.DataFrame({
    ...     "segment_id": ["s1", "s2", "s3"], "document": ["e1", "e2", "e3"],
    ...     "speaker_role": ["élu", "agent", "habitant"], "speaker": ["P1", "P2", "P3"],
    ...     "text": ["M. Lebrun a porté le projet.", "On manque de moyens.", "Trop loin."],
    ...     "code": ["portage", "moyens", "moyens"], "coder": None})
    >>> quotes = select_quotes(segments, threshold=2, names=["Paul Lebrun"])
    >>> for row in quotes.itertuples():
    ...     print(f"{row.code} | {row.group} | {row.quote}")
    moyens | institution | On manque de moyens.
    portage | institution | [acteur·rice institutionnel·le] a porté le projet.
    >>> quotes.attrs["merged"], quotes.attrs["dropped"], quotes.attrs["dropped_groups"]
    ({'élu': 'institution', 'agent': 'institution'}, 1, ['habitant'])
    """
    if not isinstance(segments, pd.DataFrame):
        raise InputError(f"the segments must be a table (DataFrame), not "
                         f"{type(segments).__name__}")
    for name in SEGMENT_COLUMNS[:-1]:
        if name not in segments.columns:
            raise InputError(f"no column named {name!r} in the segments", column=name)
    _check_number(per_group, "per_group", 1)
    _check_number(threshold, "threshold", 1)
    _check_number(max_length, "max_length", 20)

    material = segments[list(SEGMENT_COLUMNS[:-1])].copy()
    material["role"] = [None if _missing(role) or not str(role).strip()
                        else normalise_role(str(role)) or str(role).strip()
                        for role in material["speaker_role"]]
    material["speaker"] = material["speaker"].where(material["speaker"].notna(), None)
    known = material[material["role"].notna()]
    people = {role: count_people(rows) for role, rows in known.groupby("role", sort=False)}
    units = shown_groups(people, threshold)

    def shown(role):
        """The group a quote (or a name) of ``role`` is attributed to, None if hidden (or
        not among the speakers)."""
        return None if role is None else units.get(role)

    all_codes = _sorted_unique(material["code"].dropna().astype(str))
    if codes is None:
        chosen_codes = all_codes
    else:
        chosen_codes = list(dict.fromkeys([codes] if isinstance(codes, str) else codes))
        unknown = [code for code in chosen_codes if code not in set(all_codes)]
        if unknown:
            raise InputError(f"no segment is coded {', '.join(map(repr, unknown))}",
                             column="code")

    if isinstance(names, Mapping):
        names = {name: shown(normalise_role(str(role)) or str(role)
                             if not _missing(role) else None)
                 for name, role in names.items()}

    candidates = material[material["code"].astype(str).isin(chosen_codes)
                          & material["text"].notna()].copy()
    candidates["text"] = candidates["text"].astype(str).map(lambda t: " ".join(t.split()))
    candidates = candidates[candidates["text"] != ""]
    candidates["code"] = candidates["code"].astype(str)
    candidates["doc_key"] = [("segment", str(s)) if _missing(d) else ("document", str(d))
                             for d, s in zip(candidates["document"], candidates["segment_id"],
                                             strict=True)]
    candidates["seg_key"] = [(str(d), str(s)) for d, s in
                             zip(candidates["document"], candidates["segment_id"], strict=True)]
    candidates = candidates.drop_duplicates(["code", "seg_key"])
    candidates["group"] = candidates["role"].map(shown)
    hidden = candidates[candidates["group"].isna()]
    candidates = candidates[candidates["group"].notna()]

    picked, quoted = [], set()
    for code in chosen_codes:
        pool = candidates[candidates["code"] == code].sort_values("seg_key")
        rows = list(pool.itertuples(index=False))
        random.Random(f"{seed}:{code}").shuffle(rows)
        rows.sort(key=lambda r: not PREFERRED_MIN <= len(r.text) <= max_length)
        taken: Counter = Counter()
        documents: set = set()
        for row in rows:
            if (taken[row.group] >= per_group or row.doc_key in documents
                    or row.seg_key in quoted):
                continue
            taken[row.group] += 1
            documents.add(row.doc_key)
            quoted.add(row.seg_key)
            picked.append((chosen_codes.index(code), _group_order(row.group), len(picked),
                           code, row.group, row.text))
    picked.sort()
    texts = _pseudonymise([p[5] for p in picked], [role_label(p[4]) for p in picked], names)
    quotes = pd.DataFrame({
        "code": [p[3] for p in picked], "group": [p[4] for p in picked],
        "label": [role_label(p[4]) for p in picked],
        "quote": [_trim(text, max_length) for text in texts]},
        columns=["code", "group", "label", "quote"])
    present = sorted(people, key=_group_order)
    quotes.attrs.update(
        dropped=int(hidden["seg_key"].nunique()),
        merged={role: shown(role) for role in present
                if shown(role) is not None and shown(role) != role},
        dropped_groups=[role for role in present if shown(role) is None],
        threshold=int(threshold))
    return quotes


def _sorted_unique(values: Iterable[str]) -> list[str]:
    return sorted(set(values), key=lambda value: (fold(value), value))
