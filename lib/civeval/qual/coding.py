"""Coding open answers: rules propose codes, the analyst validates them and saves the coding.

The workflow has four steps, and only the last one is seen by a report:

1. :func:`~civeval.qual.rules.read_rules` reads a codebook of keyword rules (YAML, format in
   :mod:`civeval.qual.rules`);
2. :func:`propose_codes` proposes codes for each answer (:func:`open_answers` takes them
   from the questionnaire) by matching the rules on French lemmas (spaCy's
   ``fr_core_news_sm``, :mod:`civeval.qual.lemmas`), so that "trottoirs" matches the keyword
   "trottoir" and "dangereuses" matches "dangereux";
3. the analyst goes through the proposals in :func:`validation_grid` (JupyterLab), corrects
   the final codes, ticks ``validated``, and saves with :func:`save_coding`;
4. the report reads the file with :func:`~civeval.qual.validated.load_validated`, which
   refuses any answer the analyst has not validated: **proposed codes are never published
   unvalidated**. It also counts the answers coded by hand (final codes different from the
   proposal), which the report states, and :func:`~civeval.qual.validated.coding_summary`
   counts answers per code.

This module holds steps 2 and 3 and the coding file's format (:data:`CODING_COLUMNS`, codes
joined by :data:`SEPARATOR`); :mod:`civeval.qual.validated` reads the file back with its
helpers (:func:`split_codes`, :func:`as_bool`, :func:`code_resolver`).
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from civeval.errors import InputError, SurveyError
from civeval.qual.lemmas import fold_accents, is_missing, word_forms
from civeval.qual.rules import CodingRules
from civeval.workbench import atomic

__all__ = [
    "grid_to_frame",
    "open_answers",
    "propose_codes",
    "save_coding",
    "split_codes",
    "validation_grid",
]

CODING_COLUMNS = ("respondent", "answer", "proposed_codes", "final_codes", "validated",
                  "by_hand")
"""Columns of the coding file written by :func:`save_coding`."""

SEPARATOR = "; "
"""Between codes in the grid and in the coding file."""

_TRUE = {"true", "vrai", "oui", "yes", "1", "x"}
_FALSE = {"false", "faux", "non", "no", "0", ""}


# --------------------------------------------------------------------------- open answers

def open_answers(responses: pd.DataFrame, text_column: str, attributes: Iterable[str] = (),
                 id_column: str | None = None) -> pd.DataFrame:
    """The free-text answers to one question, ready to be coded.

    Parameters
    ----------
    responses : pandas.DataFrame
        Questionnaire responses, one row per respondent (as :mod:`civeval.survey.io` reads
        them).
    text_column : str
        The open question's column.
    attributes : str or list of str
        Columns kept beside each answer (age band, district, participant or not…), to
        compare what groups say.
    id_column : str, optional
        The respondent id; by default ``respondent_id`` when there is one, else the index.

    Returns
    -------
    pandas.DataFrame
        ``respondent``, ``answer`` (stripped; empty and missing answers left out), then the
        attribute columns; the index of ``responses`` is kept (the source line, for survey
        imports).

    Raises
    ------
    SurveyError
        A column named does not exist.

    Examples
    --------
    >>> responses = pd.DataFrame({"respondent_id": ["r1", "r2", "r3"],
    ...                           "Q9": ["  Plus d'ateliers le soir ", "", None],
    ...                           "quartier": ["Centre", "Nord", "Sud"]})
    >>> open_answers(responses, "Q9", ["quartier"]).values.tolist()
    [['r1', "Plus d'ateliers le soir", 'Centre']]
    """
    attributes = [attributes] if isinstance(attributes, str) else list(attributes)
    if id_column is None and "respondent_id" in responses.columns:
        id_column = "respondent_id"
    for column in [text_column, *attributes, *([id_column] if id_column else [])]:
        if column not in responses.columns:
            raise SurveyError(f"no column {column!r} in the responses; columns: "
                              f"{', '.join(map(str, responses.columns))}", column=column)
    answers = responses[text_column].map(
        lambda value: None if value is None or (not isinstance(value, str) and pd.isna(value))
        else str(value).strip())
    keep = answers.notna() & (answers.fillna("") != "")
    frame = pd.DataFrame({
        "respondent": responses[id_column] if id_column else responses.index.to_series(),
        "answer": answers.astype("string"),
    }, index=responses.index)
    for column in attributes:
        frame[column] = responses[column]
    return frame[keep]


# --------------------------------------------------------------------------- proposing

def code_key(code: str):
    """Sort key of codes: by name without case or accents."""
    return fold_accents(code), code


def _sorted_codes(codes: Iterable[str]) -> list[str]:
    return sorted(set(codes), key=code_key)


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
        One row per answer, as :func:`open_answers` returns it
        (``respondent``, ``answer`` and the respondents' attributes).
    rules : CodingRules
        From :func:`~civeval.qual.rules.read_rules`.
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
    texts = ["" if is_missing(text) else str(text) for text in answers[text_column]]
    proposed = []
    for words in word_forms(texts):
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
        items = [str(item) for item in value if not is_missing(item)]
    elif is_missing(value):
        return []
    else:
        items = str(value).split(";")
    return _sorted_codes(" ".join(item.split()) for item in items if item.strip())


def _join(codes) -> str:
    return SEPARATOR.join(split_codes(codes))


def as_bool(value) -> bool | None:
    """A ``validated`` cell as a bool (missing is False); None when it is not one."""
    if isinstance(value, bool):
        return value
    if is_missing(value):
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
        From :func:`propose_codes`, or from :func:`~civeval.qual.validated.read_coding` to resume.
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
    validated = (coded["validated"].map(as_bool).fillna(False).astype(bool)
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
    flags = [as_bool(value) for value in data["validated"]]
    for value, flag, respondent in zip(data["validated"], flags, data.index, strict=True):
        if flag is None:
            raise InputError(f"validated of respondent {_plain(respondent)!r} is {value!r}: "
                             "tick the box or write True/False", column="validated")
    coded["final_codes"] = pd.Series([split_codes(v) for v in data["final_codes"]],
                                     index=coded.index, dtype=object)
    coded["validated"] = pd.Series(flags, index=coded.index, dtype=bool)
    return coded


def code_resolver(codebook):
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


def resolve_codes(codes: list[str], resolve, **where) -> list[str]:
    """Codes through a :func:`code_resolver`, sorted; an unknown one is an
    :class:`InputError` in the column ``final_codes``."""
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
        flag = as_bool(value)
        if flag is None:
            raise InputError(f"validated of respondent {_plain(respondent)!r} is {value!r}, not "
                             "True or False", column="validated")
        flags.append(flag)
    proposed = [split_codes(codes) for codes in coded["proposed_codes"]]
    resolve = code_resolver(codebook)
    final = []
    for respondent, codes in zip(coded["respondent"], coded["final_codes"], strict=True):
        try:
            final.append(resolve_codes(split_codes(codes), resolve))
        except InputError as error:
            raise InputError(f"respondent {_plain(respondent)!r}: {error.message}",
                             column="final_codes") from None
    answer = (coded["answer"] if "answer" in coded.columns
              else pd.Series("", index=coded.index))
    table = pd.DataFrame({
        "respondent": coded["respondent"].to_numpy(),
        "answer": ["" if is_missing(text) else str(text) for text in answer],
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
