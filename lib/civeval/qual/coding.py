"""Coding open answers: rules propose codes, the analyst validates them, the report reads them.

The workflow has four steps, and only the last one is seen by a report:

1. :func:`read_rules` reads a codebook of keyword rules (YAML, below);
2. :func:`propose_codes` proposes codes for each answer by matching the rules on French
   lemmas (spaCy's ``fr_core_news_sm``), so that "trottoirs" matches the keyword
   "trottoir" and "dangereuses" matches "dangereux";
3. the analyst goes through the proposals in :func:`validation_grid` (JupyterLab), corrects
   the final codes, ticks ``validated``, and saves with :func:`save_coding`;
4. the report reads the file with :func:`load_validated`, which refuses any answer the
   analyst has not validated: **proposed codes are never published unvalidated**. It also
   counts the answers coded by hand (final codes different from the proposal), which the
   report states, and :func:`coding_summary` counts answers per code.

Rules file
----------
::

    codes:
      mobilité:
        description: Déplacements, voirie, stationnement
        keywords: [piste cyclable, trottoir, vélo, stationnement]
        exclude: [vélo d'appartement]
      sécurité:
        keywords: [dangereux, sécurité, accident, éclairage]
      autre:
        description: Codé à la main uniquement

``keywords`` are words or lemmas, or expressions of several words ("piste cyclable"), which
then match consecutive words of an answer. ``exclude`` lists words or expressions that veto
the code when the answer contains them. A code without keywords is never proposed but may
be given by hand. A keyword may belong to several codes (an answer on a dangerous cycle
path is about both mobility and safety, and the analyst sees both proposals anyway); these
are listed by :attr:`CodingRules.shared_keywords`, without a warning.

Matching
--------
Answers and keywords go through the same analysis: French lemmas, lower case, accents
removed ("securite" typed without accents matches "sécurité"), punctuation dropped, stop
words kept (so that "prise en compte" matches as written). The small French model tags some
adjectives as nouns ("dangereuses" → "dangereuse"), so a word also matches through its
lemma as a noun and as an adjective, and through its written form. Negation is not
analysed: "pas dangereux" proposes *sécurité* unless an exclusion says otherwise
(``exclude: [pas dangereux]``), and the analyst corrects what the rules get wrong.
"""

from __future__ import annotations

import csv
import difflib
import functools
import io
import re
import unicodedata
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from civeval.errors import InputError
from civeval.workbench import atomic, yamlsource

__all__ = [
    "CodeRule",
    "CodingRules",
    "coding_summary",
    "french_pipeline",
    "grid_to_frame",
    "lemmatise",
    "load_validated",
    "propose_codes",
    "read_coding",
    "read_rules",
    "save_coding",
    "split_codes",
    "validation_grid",
]

MODEL = "fr_core_news_sm"
"""The spaCy model used for French lemmas and person names."""

CODING_COLUMNS = ("respondent", "answer", "proposed_codes", "final_codes", "validated",
                  "by_hand")
"""Columns of the coding file written by :func:`save_coding`."""

SEPARATOR = "; "
"""Between codes in the grid and in the coding file."""

_RULE_KEYS = ("keywords", "exclude", "description")
_TRUE = {"true", "vrai", "oui", "yes", "1", "x"}
_FALSE = {"false", "faux", "non", "no", "0", ""}


# --------------------------------------------------------------------------- spaCy

@functools.cache
def french_pipeline():
    """The French spaCy pipeline, loaded on first use and then shared by the whole process.

    The dependency parser is not loaded: neither lemmas nor person names need it. Callers
    disable what they do not need per call (``nlp.pipe(texts, disable=[...])``).
    """
    import spacy  # slow to import: only when text analysis is actually asked for

    return spacy.load(MODEL, exclude=["parser", "senter"])


def _docs(texts: Iterable[str], *, names: bool = False):
    """spaCy documents, with lemmas (default) or with person names and word classes."""
    nlp = french_pipeline()
    disable = [name for name in nlp.pipe_names if name == ("lemmatizer" if names else "ner")]
    return nlp.pipe((str(text) for text in texts), disable=disable, batch_size=256)


def _fold(text: str) -> str:
    """Lower case without accents, typographic apostrophes made straight."""
    text = unicodedata.normalize("NFKD", str(text).replace("’", "'"))
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def _is_word(token) -> bool:
    return not (token.is_punct or token.is_space)


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
    texts = ["" if _missing(text) else str(text) for text in texts]
    return [[token.lemma_.lower() for token in doc
             if _is_word(token) and (stop_words or not token.is_stop)]
            for doc in _docs(texts)]


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


def _word_forms(texts: Iterable[str]) -> list[list[frozenset[str]]]:
    """Per text, per word: the folded forms a keyword word may match."""
    result = []
    for doc in _docs(texts):
        words = []
        for token in doc:
            if not _is_word(token):
                continue
            forms = {token.lemma_.lower(), token.lower_}
            if token.pos_ in _CONTENT_POS and token.is_alpha:
                forms |= _lemma_alternatives(token.lower_)
            words.append(frozenset(_fold(form) for form in forms if form))
        result.append(words)
    return result


# --------------------------------------------------------------------------- rules

@dataclass(frozen=True)
class CodeRule:
    """One code of the rules: its keywords, the words that veto it, its description."""

    name: str
    keywords: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    description: str | None = None


class CodingRules:
    """Keyword rules that propose codes, validated.

    Build them with :func:`read_rules` from a YAML file, or from a mapping written like
    that file's ``codes`` section (errors then have no line numbers).

    Parameters
    ----------
    codes : mapping
        Code name → ``{"keywords": [...], "exclude": [...], "description": "..."}``
        (every key optional; ``None`` for a code given by hand only).
    file : path, optional
        The file the rules come from, for error messages.

    Examples
    --------
    >>> rules = CodingRules({"mobilité": {"keywords": ["piste cyclable", "vélo"]},
    ...                      "sécurité": {"keywords": ["dangereux", "vélo"]},
    ...                      "autre": None})
    >>> list(rules), "autre" in rules, rules.shared_keywords
    (['mobilité', 'sécurité', 'autre'], True, {'vélo': ['mobilité', 'sécurité']})
    """

    def __init__(self, codes: Mapping, *, file: str | Path | None = None, _root=None):
        self.file = Path(file) if file is not None else None
        self.codes: dict[str, CodeRule] = _parse_rules(codes, self.file, _root)
        self._patterns = None

    def __iter__(self):
        return iter(self.codes)

    def __len__(self) -> int:
        return len(self.codes)

    def __contains__(self, code) -> bool:
        return code in self.codes

    def __repr__(self) -> str:
        return f"CodingRules({list(self.codes)})"

    @property
    def shared_keywords(self) -> dict[str, list[str]]:
        """Keywords (as written, compared without case or accents) found in several codes."""
        owners: dict[str, list[str]] = {}
        written: dict[str, str] = {}
        for rule in self.codes.values():
            for keyword in rule.keywords:
                key = " ".join(_fold(keyword).split())
                written.setdefault(key, keyword)
                if rule.name not in owners.setdefault(key, []):
                    owners[key].append(rule.name)
        return {written[key]: names for key, names in owners.items() if len(names) > 1}

    def patterns(self) -> dict[str, tuple[list, list]]:
        """Code → (keyword patterns, exclusion patterns), each a list of word forms."""
        if self._patterns is None:
            expressions = sorted({expression for rule in self.codes.values()
                                  for expression in rule.keywords + rule.exclude})
            forms = dict(zip(expressions, _word_forms(expressions), strict=True))
            self._patterns = {
                rule.name: ([forms[k] for k in rule.keywords if forms[k]],
                            [forms[k] for k in rule.exclude if forms[k]])
                for rule in self.codes.values()}
        return self._patterns


def _parse_rules(codes, file: Path | None, root) -> dict[str, CodeRule]:
    def error(message: str, *path) -> InputError:
        # the mark of the offending value, or of its key when the key itself is wrong
        mark = yamlsource.mark(root, ("codes", *path))
        return InputError(message, file=file, row=mark.line + 1 if mark else None,
                          column=mark.column + 1 if mark else None)

    if not isinstance(codes, Mapping) or not codes:
        raise error("'codes' must map each code name to its keywords")
    rules: dict[str, CodeRule] = {}
    for name, spec in codes.items():
        if not isinstance(name, str) or not name.strip():
            raise error(f"a code name must be non-empty text, not {name!r}", str(name))
        clean = name.strip()
        if ";" in clean:
            raise error(f"the code name {clean!r} contains ';', which separates codes", name)
        if clean in rules:
            raise error(f"the code {clean!r} appears twice", name)
        if spec is None:
            spec = {}
        if not isinstance(spec, Mapping):
            raise error(f"the code {clean!r} must be a mapping with keywords, exclude and "
                        "description", name)
        for key in spec:
            if key not in _RULE_KEYS:
                close = difflib.get_close_matches(str(key), _RULE_KEYS, n=1)
                hint = (f"did you mean {close[0]!r}?" if close
                        else f"expected {', '.join(_RULE_KEYS)}")
                raise error(f"unknown key {key!r} in code {clean!r} ({hint})", name, key)
        keywords = _expressions(spec.get("keywords"), error, name, "keywords")
        exclude = _expressions(spec.get("exclude"), error, name, "exclude")
        folded = {" ".join(_fold(k).split()) for k in keywords}
        for position, word in enumerate(exclude):
            if " ".join(_fold(word).split()) in folded:
                raise error(f"{word!r} is both a keyword and an exclusion of code {clean!r}",
                            name, "exclude", position)
        description = spec.get("description")
        if description is not None and not isinstance(description, str):
            raise error("a description must be text", name, "description")
        rules[clean] = CodeRule(clean, keywords, exclude,
                                description.strip() if description else None)
    return rules


def _expressions(values, error, name: str, key: str) -> tuple[str, ...]:
    if values is None:
        return ()
    if not isinstance(values, list):
        raise error(f"{key} of code {name.strip()!r} must be a list, e.g. [vélo, piste cyclable]",
                    name, key)
    result = []
    for position, value in enumerate(values):
        if not isinstance(value, str):
            raise error(f"{key} must be words, not {value!r} (put numbers in quotes)",
                        name, key, position)
        value = " ".join(value.split())
        if not re.search(r"\w", value):
            raise error(f"an entry of {key} must contain a word, not {value!r}",
                        name, key, position)
        if value not in result:
            result.append(value)
    return tuple(result)


def read_rules(path: str | Path) -> CodingRules:
    """Read and check a YAML file of coding rules (format in the module's notes).

    Raises
    ------
    InputError
        Naming the file, line and column: invalid YAML, a key other than ``codes`` at the
        top or other than ``keywords``/``exclude``/``description`` in a code, a key given
        twice, an empty code name or one containing ``;``, keywords that are not a list
        of words, a word that is both a keyword and an exclusion of the same code.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "regles.yml"
    >>> _ = path.write_text("codes:\\n  mobilité:\\n    keyword: [vélo]\\n", encoding="utf-8")
    >>> try:
    ...     read_rules(path)
    ... except InputError as error:
    ...     print(error.row, error.column, error.message)
    3 5 unknown key 'keyword' in code 'mobilité' (did you mean 'keywords'?)
    """
    path = Path(path)
    raw, root = yamlsource.load(path, InputError, missing="the coding rules file does not exist")
    if root is None:
        raise InputError("the coding rules file is empty", file=path)
    if not isinstance(raw, dict):
        raise InputError("must be a mapping with one key, codes", file=path, row=1)
    for key_node, _ in root.value:
        if key_node.value != "codes":
            raise InputError(f"unknown key {key_node.value!r}: the file has one key, codes",
                             file=path, row=key_node.start_mark.line + 1,
                             column=key_node.start_mark.column + 1)
    if "codes" not in raw:
        raise InputError("the key 'codes' is missing", file=path, row=1)
    return CodingRules(raw["codes"], file=path, _root=root)


# --------------------------------------------------------------------------- proposing

def _missing(value) -> bool:
    return value is None or (not isinstance(value, list | tuple | set) and pd.isna(value))


def _code_key(code: str):
    return _fold(code), code


def _sorted_codes(codes: Iterable[str]) -> list[str]:
    return sorted(set(codes), key=_code_key)


def _contains(index: dict[str, list[int]], words: list[frozenset], pattern: list) -> bool:
    starts = {position for form in pattern[0] for position in index.get(form, ())}
    return any(all(start + offset < len(words) and words[start + offset] & pattern[offset]
                   for offset in range(1, len(pattern)))
               for start in starts)


def propose_codes(answers: pd.DataFrame, rules: CodingRules,
                  text_column: str = "answer") -> pd.DataFrame:
    """Codes the rules propose for each open answer.

    Parameters
    ----------
    answers : DataFrame
        One row per answer, as :func:`civeval.qual.io.open_answers` returns it
        (``respondent``, ``answer`` and the respondents' attributes).
    rules : CodingRules
        From :func:`read_rules`.
    text_column : str
        The column holding the answers' text.

    Returns
    -------
    DataFrame
        A copy of ``answers`` with ``proposed_codes`` (a sorted list of codes per answer,
        empty when no rule matches), ``final_codes`` (empty lists, for the analyst) and
        ``validated`` (False): the input of :func:`validation_grid`.

    Examples
    --------
    >>> rules = CodingRules({"mobilité": {"keywords": ["piste cyclable", "trottoir"]},
    ...                      "sécurité": {"keywords": ["dangereux"],
    ...                                   "exclude": ["pas dangereux"]}})
    >>> answers = pd.DataFrame({"respondent": [1, 2, 3], "answer": [
    ...     "Les trottoirs sont étroits et les rues dangereuses.",
    ...     "Plus de pistes cyclables !", "Ce n'est pas dangereux, c'est calme."]})
    >>> propose_codes(answers, rules)[["respondent", "proposed_codes"]]
       respondent        proposed_codes
    0           1  [mobilité, sécurité]
    1           2            [mobilité]
    2           3                    []
    """
    if not isinstance(answers, pd.DataFrame):
        raise InputError(f"the answers must be a table (DataFrame), not "
                         f"{type(answers).__name__}")
    if text_column not in answers.columns:
        raise InputError(f"no column named {text_column!r} in the answers", column=text_column)
    if not isinstance(rules, CodingRules):
        raise InputError("the rules must come from read_rules (CodingRules), not "
                         f"{type(rules).__name__}")
    patterns = rules.patterns()
    texts = ["" if _missing(text) else str(text) for text in answers[text_column]]
    proposed = []
    for words in _word_forms(texts):
        index: dict[str, list[int]] = {}
        for position, forms in enumerate(words):
            for form in forms:
                index.setdefault(form, []).append(position)
        proposed.append(_sorted_codes(
            code for code, (keywords, exclude) in patterns.items()
            if any(_contains(index, words, p) for p in keywords)
            and not any(_contains(index, words, p) for p in exclude)))
    coded = answers.copy()
    coded["proposed_codes"] = pd.Series(proposed, index=answers.index, dtype=object)
    coded["final_codes"] = pd.Series([[] for _ in proposed], index=answers.index,
                                     dtype=object)
    coded["validated"] = False
    return coded


# --------------------------------------------------------------------------- validating

def split_codes(value) -> list[str]:
    """Codes written as text ("mobilité; sécurité") or given as a list, sorted, deduplicated.

    >>> split_codes(" sécurité ;mobilité;; sécurité"), split_codes(None)
    (['mobilité', 'sécurité'], [])
    """
    if isinstance(value, list | tuple | set):
        items = [str(item) for item in value if not _missing(item)]
    elif _missing(value):
        return []
    else:
        items = str(value).split(";")
    return _sorted_codes(" ".join(item.split()) for item in items if item.strip())


def _join(codes) -> str:
    return SEPARATOR.join(split_codes(codes))


def _as_bool(value) -> bool | None:
    if isinstance(value, bool):
        return value
    if _missing(value):
        return False
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def _plain(value):
    """A value as an error message shows it: 7, not np.int64(7)."""
    return value.item() if hasattr(value, "item") else value


def _check_coded(coded: pd.DataFrame) -> None:
    if not isinstance(coded, pd.DataFrame):
        raise InputError(f"the coding must be a table (DataFrame), not {type(coded).__name__}")
    for name in ("respondent", "proposed_codes", "final_codes"):
        if name not in coded.columns:
            raise InputError(f"no column named {name!r}: pass the table of propose_codes",
                             column=name)
    twice = coded["respondent"][coded["respondent"].duplicated()]
    if len(twice):
        raise InputError(f"respondent {_plain(twice.iloc[0])!r} has several answers: code one "
                         "question at a time", column="respondent")


def validation_grid(coded: pd.DataFrame, *, answer_width: int = 480):
    """An editable grid where the analyst checks each answer's codes (JupyterLab).

    Each row shows the answer, the respondent's attributes, the proposed codes, the final
    codes (pre-filled with the proposal, as text ``code1; code2``, to be corrected) and
    ``validated``, a box the analyst ticks once the row's final codes are right; leave the
    final codes empty to validate an answer as having no code. Read the result back with
    :func:`grid_to_frame` and save it with :func:`save_coding`; an answer coded earlier
    (``validated`` or final codes present) keeps its final codes.

    Parameters
    ----------
    coded : DataFrame
        From :func:`propose_codes`, or from :func:`read_coding` to resume.
    answer_width : int
        Width of the answer column, in pixels (long answers wrap).

    Returns
    -------
    ipydatagrid.DataGrid
        Indexed by respondent.

    Examples
    --------
    >>> coded = pd.DataFrame({"respondent": [1], "answer": ["Des vélos"],
    ...                       "proposed_codes": [["mobilité"]], "final_codes": [[]]})
    >>> grid = validation_grid(coded)
    >>> grid_to_frame(grid)[["respondent", "final_codes", "validated"]]
       respondent final_codes  validated
    0           1  [mobilité]      False
    >>> _ = grid.set_cell_value("final_codes", 1, "mobilité; sécurité")
    >>> _ = grid.set_cell_value("validated", 1, True)
    >>> grid_to_frame(grid)[["final_codes", "validated"]]
                final_codes  validated
    0  [mobilité, sécurité]       True
    """
    from ipydatagrid import DataGrid, TextRenderer

    _check_coded(coded)
    validated = (coded["validated"].map(_as_bool).fillna(False).astype(bool)
                 if "validated" in coded.columns else pd.Series(False, index=coded.index))
    final = [_join(final) if done or split_codes(final) else _join(proposed)
             for final, proposed, done in zip(coded["final_codes"], coded["proposed_codes"],
                                              validated, strict=True)]
    shown = coded.drop(columns=["validated"], errors="ignore").copy()
    shown["proposed_codes"] = [_join(codes) for codes in coded["proposed_codes"]]
    shown["final_codes"] = final
    shown["validated"] = validated.to_numpy()
    for name in shown.columns:
        if shown[name].map(lambda v: isinstance(v, list | tuple | set | dict)).any():
            shown[name] = shown[name].map(lambda v: _join(v) if isinstance(v, list) else v)
    shown = shown.set_index("respondent")
    grid = DataGrid(
        shown, editable=True, selection_mode="cell", base_row_size=48,
        column_widths={"answer": answer_width, "proposed_codes": 180, "final_codes": 220,
                       "validated": 80},
        renderers={"answer": TextRenderer(text_wrap=True)},
        layout={"height": "600px"})
    # grid_to_frame takes everything but the analyst's two columns from the original, so
    # that a slip of the keyboard in an answer cell cannot change the saved answer
    grid._civeval_coded = coded.copy()
    return grid


def grid_to_frame(grid) -> pd.DataFrame:
    """The coding as the analyst left it in :func:`validation_grid`.

    Returns
    -------
    DataFrame
        The grid's source table (same columns and index), with ``final_codes`` (lists,
        read from the grid's text) and ``validated`` (bool) as edited in the grid; the
        other columns are the source's, whatever was typed in them.
    """
    with warnings.catch_warnings():
        # ipydatagrid 1.4 still calls DataFrame.drop(inplace=True), deprecated in pandas 3.1
        warnings.simplefilter("ignore", DeprecationWarning)
        data = grid.data
    source = getattr(grid, "_civeval_coded", None)
    if source is None:
        raise InputError("pass the grid made by validation_grid")
    coded = source.copy()
    if len(data) != len(coded):
        raise InputError("the grid no longer has the rows of its source table")
    flags = [_as_bool(value) for value in data["validated"]]
    for value, flag, respondent in zip(data["validated"], flags, data.index, strict=True):
        if flag is None:
            raise InputError(f"validated of respondent {_plain(respondent)!r} is {value!r}: "
                             "tick the box or write True/False", column="validated")
    coded["final_codes"] = pd.Series([split_codes(v) for v in data["final_codes"]],
                                     index=coded.index, dtype=object)
    coded["validated"] = pd.Series(flags, index=coded.index, dtype=bool)
    return coded


def _resolver(codebook):
    """A function giving the canonical name of a code, raising KeyError with a message.

    A :class:`civeval.qual.codebook.Codebook` (anything with ``resolve``) resolves
    aliases, paths and spellings its own way; rules, a table (``code`` or ``name``
    column) or a list of names need the exact name.
    """
    if codebook is None:
        return lambda code: code
    if callable(getattr(codebook, "resolve", None)):
        def resolve(code):
            try:
                return codebook.resolve(code)
            except KeyError as error:
                raise KeyError(getattr(error, "message", None) or str(error)) from None
        return resolve
    known = _code_names(codebook)
    names = set(known)

    def exact(code):
        if code in names:
            return code
        close = difflib.get_close_matches(code, known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise KeyError(f"the code {code!r} is not in the codebook{hint}")
    return exact


def _code_names(codebook) -> list[str]:
    """The code names of rules, a codebook table (``code`` or ``name``), or a list."""
    if isinstance(codebook, CodingRules):
        return list(codebook)
    if isinstance(codebook, pd.DataFrame):
        for column in ("code", "name"):
            if column in codebook.columns:
                return [str(v) for v in codebook[column].dropna()]
        raise InputError("the codebook table has no 'code' nor 'name' column")
    if hasattr(codebook, "codes") and not isinstance(codebook, Mapping):
        return _code_names(codebook.codes)
    if isinstance(codebook, Mapping):
        return [str(name) for name in codebook]
    if isinstance(codebook, str):
        return [codebook]
    return [str(name) for name in codebook]


def _resolve_all(codes: list[str], resolve, **where) -> list[str]:
    resolved = []
    for code in codes:
        try:
            resolved.append(resolve(code))
        except KeyError as error:
            raise InputError(error.args[0], column="final_codes", **where) from None
    return _sorted_codes(resolved)


def save_coding(coded: pd.DataFrame, path: str | Path, codebook=None) -> Path:
    """Save the coding for the report: CSV (UTF-8 with BOM for Excel, ``;``), atomically.

    Parameters
    ----------
    coded : DataFrame
        From :func:`grid_to_frame` (or :func:`propose_codes` to save an unfinished coding).
    path : path
        The file to write (``coding_<question>.csv`` beside the study's data, say).
    codebook : Codebook, CodingRules, table or list of codes, optional
        When given, every final code must be one of its codes; a
        :class:`~civeval.qual.codebook.Codebook` also turns aliases and other spellings
        into its canonical names.

    Returns
    -------
    Path
        ``path``, with one line per answer and the columns :data:`CODING_COLUMNS`: codes
        written ``code1; code2``, ``validated`` True/False, and ``by_hand`` True for a
        validated answer whose final codes differ from the proposal. Attributes are not
        written: the report joins them back from the answers by ``respondent``.

    Raises
    ------
    InputError
        A respondent twice, or a final code not in ``codebook`` (naming the respondent).
    """
    _check_coded(coded)
    validated = (coded["validated"] if "validated" in coded.columns
                 else pd.Series(False, index=coded.index))
    flags = []
    for respondent, value in zip(coded["respondent"], validated, strict=True):
        flag = _as_bool(value)
        if flag is None:
            raise InputError(f"validated of respondent {_plain(respondent)!r} is {value!r}, not "
                             "True or False", column="validated")
        flags.append(flag)
    proposed = [split_codes(codes) for codes in coded["proposed_codes"]]
    resolve = _resolver(codebook)
    final = []
    for respondent, codes in zip(coded["respondent"], coded["final_codes"], strict=True):
        try:
            final.append(_resolve_all(split_codes(codes), resolve))
        except InputError as error:
            raise InputError(f"respondent {_plain(respondent)!r}: {error.message}",
                             column="final_codes") from None
    answer = (coded["answer"] if "answer" in coded.columns
              else pd.Series("", index=coded.index))
    table = pd.DataFrame({
        "respondent": coded["respondent"].to_numpy(),
        "answer": ["" if _missing(text) else str(text) for text in answer],
        "proposed_codes": [SEPARATOR.join(codes) for codes in proposed],
        "final_codes": [SEPARATOR.join(codes) for codes in final],
        "validated": flags,
        "by_hand": [flag and codes != guess
                    for flag, codes, guess in zip(flags, final, proposed, strict=True)],
    })
    path = Path(path)
    with atomic.atomic_path(path) as tmp:
        table.to_csv(tmp, sep=";", index=False, encoding="utf-8-sig", lineterminator="\n")
    return path


# --------------------------------------------------------------------------- reading back

_WHOLE_NUMBER = re.compile(r"^-?[1-9]\d*$|^0$")


def _read_rows(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and (line, record) pairs of a coding file; lines as an editor numbers them."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError("the coding file does not exist", file=path) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # re-saved by Excel
    if not text.strip():
        raise InputError("the coding file is empty", file=path)
    header_line = text.lstrip("\r\n").splitlines()[0]
    sep = max(";,\t", key=header_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    header: list[str] | None = None
    rows = []
    line = 1
    for record in reader:
        start, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in record):
            continue
        if header is None:
            header = [cell.strip() for cell in record]
            header_at = start
            continue
        if len(record) != len(header):
            raise InputError(f"expected {len(header)} fields separated by {sep!r}, found "
                             f"{len(record)}", file=path, row=start)
        rows.append((start, dict(zip(header, record, strict=True))))
    for name in ("respondent", "proposed_codes", "final_codes", "validated"):
        if name not in header:
            raise InputError(f"the column {name!r} is missing: save the coding with "
                             "save_coding", file=path, row=header_at, column=name)
    if not rows:
        raise InputError("the coding file has a header but no answers", file=path)
    return header, rows


def _respondents(values: list[str]) -> pd.Series:
    """Respondent ids as integers when all are (as the CSV readers do), else as text."""
    if all(_WHOLE_NUMBER.match(v) for v in values):
        return pd.Series([int(v) for v in values], dtype="Int64")
    return pd.Series(values)


def read_coding(path: str | Path) -> pd.DataFrame:
    """A coding file back as a table, unvalidated answers included, to resume validating.

    Returns
    -------
    DataFrame
        ``respondent, answer, proposed_codes, final_codes`` (lists) and ``validated``,
        ready for :func:`validation_grid`. Reports use :func:`load_validated` instead.
    """
    path = Path(path)
    _, rows = _read_rows(path)
    frame = _parse(path, rows, _resolver(None))
    return frame.drop(columns=["line", "by_hand"])


def _parse(path: Path, rows, resolve) -> pd.DataFrame:
    seen: dict[str, int] = {}
    records = []
    for line, record in rows:
        respondent = record["respondent"].strip()
        if not respondent:
            raise InputError("the respondent is missing", file=path, row=line,
                             column="respondent")
        if respondent in seen:
            raise InputError(f"respondent {respondent!r} appears twice (first on line "
                             f"{seen[respondent]})", file=path, row=line, column="respondent")
        seen[respondent] = line
        validated = _as_bool(record["validated"])
        if validated is None:
            raise InputError(f"validated must be True or False, not {record['validated']!r}",
                             file=path, row=line, column="validated")
        final = _resolve_all(split_codes(record["final_codes"]), resolve, file=path, row=line)
        proposed = split_codes(record["proposed_codes"])
        records.append({"line": line, "respondent": respondent,
                        "answer": record.get("answer", ""), "proposed_codes": proposed,
                        "final_codes": final, "validated": validated,
                        "by_hand": validated and final != proposed})
    frame = pd.DataFrame(records)
    frame["respondent"] = _respondents(frame["respondent"].tolist())
    return frame


def load_validated(path: str | Path, codebook=None) -> pd.DataFrame:
    """The analyst's validated coding, as the report reads it: one row per answer and code.

    Parameters
    ----------
    path : path
        A file written by :func:`save_coding`.
    codebook : Codebook, CodingRules, table or list of codes, optional
        When given, every final code must be one of its codes (as for
        :func:`save_coding`).

    Returns
    -------
    DataFrame
        ``respondent, answer, code``, in the order of the file (an answer validated without a
        code has no row). ``attrs``: ``answers`` (validated answers, all of the file's),
        ``validated`` (the same number), ``coded`` (answers with at least one code),
        ``by_hand`` (answers whose final codes differ from the proposal: codes the analyst
        removed, changed or added; recomputed, not read from the ``by_hand`` column).

    Raises
    ------
    InputError
        Naming the file, line and column: an empty file or one without answers, a missing
        column, a respondent missing or given twice, an answer not validated (the report
        never shows proposed codes), a final code not in ``codebook``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "codage.csv"
    >>> coded = pd.DataFrame({"respondent": [1, 2, 3], "answer": ["a", "b", "c"],
    ...                       "proposed_codes": [["mobilité"], [], ["sécurité"]],
    ...                       "final_codes": [["mobilité"], ["sécurité"], []],
    ...                       "validated": True})
    >>> validated = load_validated(save_coding(coded, path))
    >>> validated
       respondent answer      code
    0           1      a  mobilité
    1           2      b  sécurité
    >>> validated.attrs["answers"], validated.attrs["by_hand"]
    (3, 2)
    """
    path = Path(path)
    _, rows = _read_rows(path)
    frame = _parse(path, rows, _resolver(codebook))
    pending = frame[~frame["validated"]]
    if len(pending):
        more = f" (nor are {len(pending) - 1} more)" if len(pending) > 1 else ""
        raise InputError(f"answer on line {pending['line'].iloc[0]} is not validated{more}: "
                         "the report never shows proposed codes; validate it in the grid",
                         file=path, row=int(pending["line"].iloc[0]), column="validated")
    long = frame[["respondent", "answer", "final_codes"]].explode("final_codes").dropna()
    long = long.rename(columns={"final_codes": "code"}).reset_index(drop=True)
    long["code"] = long["code"].astype(str)
    long["respondent"] = long["respondent"].astype(frame["respondent"].dtype)
    long.attrs.update(answers=len(frame), validated=int(frame["validated"].sum()),
                      coded=int((frame["final_codes"].map(len) > 0).sum()),
                      by_hand=int(frame["by_hand"].sum()), file=str(path))
    return long


def read_validated_coding(path: str | Path, rules: str | Path | None = None) -> pd.DataFrame:
    """The catalogue format ``validated_coding``: :func:`load_validated`, the final codes
    checked against the coding rules file ``rules`` when given."""
    return load_validated(path, read_rules(rules) if rules is not None else None)


def coding_summary(validated: pd.DataFrame) -> pd.DataFrame:
    """Answers per code, and their share of the coded answers.

    Parameters
    ----------
    validated : DataFrame
        From :func:`load_validated`.

    Returns
    -------
    DataFrame
        ``code, answers, share``, most frequent code first; ``share`` divides by all
        validated answers (those validated without a code included), so shares add up to
        more than 1 when answers have several codes. ``attrs``: ``answers``, ``coded`` and
        ``by_hand`` (say in the report how many answers were coded by hand). ``answers``
        counts people: pass the table through
        :func:`civeval.privacy.suppress_small_cells` (``dependent_columns="share"``)
        before publishing it.

    Examples
    --------
    >>> validated = pd.DataFrame({"respondent": [1, 1, 2, 4],
    ...                           "code": ["mobilité", "sécurité", "mobilité", "écoute"]})
    >>> validated.attrs.update(answers=5, coded=3, by_hand=1)
    >>> coding_summary(validated)
           code  answers  share
    0  mobilité        2    0.4
    1    écoute        1    0.2
    2  sécurité        1    0.2
    """
    if not isinstance(validated, pd.DataFrame) or not {"respondent", "code"} <= set(
            validated.columns) or "answers" not in validated.attrs:
        raise InputError("pass the table of load_validated (respondent, code and its attrs)")
    total = int(validated.attrs["answers"])
    counts = validated.groupby("code", sort=False)["respondent"].nunique()
    summary = pd.DataFrame({"code": counts.index.astype(str), "answers": counts.to_numpy()})
    summary["answers"] = summary["answers"].astype(int)
    order = sorted(range(len(summary)), key=lambda i: (-summary["answers"].iloc[i],
                                                        _code_key(summary["code"].iloc[i])))
    summary = summary.iloc[order].reset_index(drop=True)
    summary["share"] = summary["answers"] / total if total else float("nan")
    summary.attrs = {"answers": total, "coded": int(validated.attrs.get(
        "coded", validated["respondent"].nunique())),
        "by_hand": int(validated.attrs.get("by_hand", 0))}
    return summary
