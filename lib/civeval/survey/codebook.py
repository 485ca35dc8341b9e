"""Survey codebooks: what each question asks and which answers it allows.

The analyst writes the codebook of a questionnaire once, in YAML or CSV, and
:func:`apply_codebook` turns raw answers into analysable columns: ordered categories for
Likert scales, categories for single choices, numbers, booleans for ticked options.
Answers are matched to the codebook's labels ignoring case, accents, apostrophe styles and
spacing, because the same label comes back typed in every way from exports and spreadsheets.

A YAML codebook is a list under ``questions``::

    questions:
      - id: Q1                     # a column, or the stem of columns Q1[SQ001], Q1[SQ002]...
        type: likert               # single, multiple, likert, numeric or text
        label: "Que pensez-vous des affirmations suivantes ?"
        levels: [Tout à fait d'accord, Plutôt d'accord, Plutôt pas d'accord,
                 Pas du tout d'accord]
        neutral: null              # optional: the neutral level, one of the levels
        reversed: false            # a negatively worded item, to reverse when scoring
        codes: [A1, A2, A3, A4]    # optional: the code the export writes for each level
        missing: [Ne sait pas, NSP]
        columns: [SQ001, SQ002]    # optional: the sub-questions Q1[SQ001], Q1[SQ002]
        item_labels: ["Les horaires me conviennent", "Les arrêts sont proches"]
                                   # optional: the wording of each sub-question, in order
      - {id: Q4, type: numeric, label: "Quel est votre âge ?", minimum: 16, maximum: 110}

A CSV codebook has one row per question and the same keys as columns; list cells
(``levels``, ``codes``, ``missing``, ``columns``) separate their items with ``|``.

A questionnaire's own structure file can serve as its codebook instead, so that nobody
writes one by hand: a LimeSurvey ``.lss`` (:func:`civeval.survey.lss.read_lss`) or an
XLSForm (:func:`civeval.survey.xlsform.read_xlsform`); :func:`civeval.survey.io.read_survey`
accepts either as its ``codebook``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from civeval.errors import SurveyError
from civeval.workbench import tables

QUESTION_TYPES = ("single", "multiple", "likert", "numeric", "text")
FIELDS = ("id", "type", "label", "levels", "codes", "neutral", "reversed", "missing",
          "columns", "item_labels", "minimum", "maximum")
LIST_SEPARATOR = "|"
# Sub-columns of a multiple-choice question that hold free text rather than a tick
# (LimeSurvey's Q2[other] and Q2[comment]).
FREE_TEXT_SUBQUESTIONS = ("other", "comment")
# Responses read by civeval.survey.io are indexed by their line in the source file.
LINE = "line"

_APOSTROPHES = str.maketrans(dict.fromkeys("’‘ʼ`", "'"))


def normalise_label(label) -> str:
    """The form in which answer labels are compared: no case, accents or spacing differences.

    Typographic apostrophes (’ ‘ ʼ `) become ``'``, accents are stripped, runs of spaces
    (non-breaking ones included) become one space, and the ends are trimmed.

    Examples
    --------
    >>> normalise_label("Plutôt d’accord") == normalise_label("  plutot  d'accord")
    True
    >>> normalise_label("Très\u00a0SATISFAIT")
    'tres satisfait'
    """
    text = unicodedata.normalize("NFKD", str(label).translate(_APOSTROPHES))
    text = "".join(char for char in text if not unicodedata.combining(char))
    return " ".join(text.casefold().split())


@dataclass(frozen=True)
class Question:
    """One question of a codebook (see the module documentation for the keys)."""

    id: str
    type: str
    label: str = ""
    levels: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    neutral: str | None = None
    reversed: bool = False
    missing: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    item_labels: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None

    def item_label(self, column: str) -> str:
        """The wording of sub-question ``column`` (``SQ001``), else the question's label."""
        if column in self.columns and self.item_labels:
            return self.item_labels[self.columns.index(column)]
        return self.label or self.id


@dataclass(frozen=True)
class Codebook:
    """The questions of a questionnaire, in declared order, looked up by id.

    ``personal`` maps the columns a structure file declares as personal data (an XLSForm
    ``phonenumber`` question, a LimeSurvey file upload) to the reason, named by their tidy
    names; :func:`civeval.survey.io.read_survey` drops them on import.
    """

    questions: tuple[Question, ...]
    file: Path | None = field(default=None, compare=False)
    personal: dict[str, str] = field(default_factory=dict, compare=False)

    def __iter__(self) -> Iterator[Question]:
        return iter(self.questions)

    def __len__(self) -> int:
        return len(self.questions)

    def __getitem__(self, question_id: str) -> Question:
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(question_id)

    def __deepcopy__(self, memo) -> Codebook:
        # Read-only once read. pandas deep-copies a frame's attrs, where the survey keeps its
        # codebook, after every operation on it: sharing the codebook keeps that free.
        return self


# --- loading ------------------------------------------------------------------------------

def load_codebook(path: str | Path) -> Codebook:
    """Read a codebook from a YAML (``.yml``, ``.yaml``) or CSV (``.csv``) file.

    Raises
    ------
    SurveyError
        Naming the file and the line of the faulty question: an unknown key or type, a
        question without id or declared twice, a single-choice or Likert question without
        levels, a neutral level that is not a level, a bad number or yes/no value.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "codebook.yml"
    >>> _ = path.write_text("questions:\\n"
    ...                     "  - {id: Q1, type: likert, levels: [Oui, Plutôt oui, Non]}\\n",
    ...                     encoding="utf-8")
    >>> load_codebook(path)["Q1"].levels
    ('Oui', 'Plutôt oui', 'Non')
    """
    path = Path(path)
    if not path.is_file():
        raise SurveyError("codebook not found", file=path)
    suffix = path.suffix.lower()
    if suffix in (".yml", ".yaml"):
        records = _yaml_records(path)
    elif suffix == ".csv":
        records = _csv_records(path)
    else:
        raise SurveyError("a codebook must be a .yml, .yaml or .csv file", file=path)
    questions: list[Question] = []
    first_line: dict[str, int] = {}
    for line, record in records:
        question = _question(record, line, path)
        if question.id in first_line:
            raise SurveyError(f"question {question.id} is declared twice (first on line "
                              f"{first_line[question.id]})", file=path, row=line)
        first_line[question.id] = line
        questions.append(question)
    if not questions:
        raise SurveyError("the codebook declares no question", file=path)
    return Codebook(tuple(questions), file=path)


def _yaml_records(path: Path) -> list[tuple[int, dict]]:
    """Each question mapping with its line; every scalar kept as the text that was typed."""
    # Scalars are read as text on purpose: YAML would turn a level "No" into False.
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise SurveyError(f"is not UTF-8 text ({error.reason})", file=path) from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise SurveyError(f"is not valid YAML: {getattr(error, 'problem', None) or error}",
                          file=path, row=mark.line + 1 if mark else None) from None
    questions = None
    if isinstance(root, yaml.MappingNode):
        questions = next((value for key, value in root.value if key.value == "questions"), None)
    if not isinstance(questions, yaml.SequenceNode):
        raise SurveyError("a YAML codebook must hold a list of questions under the key "
                          "'questions'", file=path)
    records = []
    for item in questions.value:
        line = item.start_mark.line + 1
        if not isinstance(item, yaml.MappingNode):
            raise SurveyError("a question must be a mapping of keys (id, type, label...)",
                              file=path, row=line)
        records.append((line, {key.value: _yaml_value(value, key.value, path)
                               for key, value in item.value}))
    return records


def _yaml_value(node: yaml.Node, key: str, path: Path):
    if isinstance(node, yaml.ScalarNode):
        return None if node.tag == "tag:yaml.org,2002:null" else node.value
    if isinstance(node, yaml.SequenceNode) and all(
            isinstance(item, yaml.ScalarNode) for item in node.value):
        return [item.value for item in node.value]
    raise SurveyError(f"the key {key!r} must be a text or a list of texts", file=path,
                      row=node.start_mark.line + 1)


def _csv_records(path: Path) -> list[tuple[int, dict]]:
    # List cells contain "|", which the CSV reader would also accept as a separator: take the
    # separator from the header line, where only column names are.
    header = path.read_bytes().split(b"\n", 1)[0].decode("utf-8-sig", errors="replace")
    separator = max(";,\t", key=header.count)
    frame = tables.read_csv(path, sep=separator, text_columns=list(FIELDS))
    records = []
    for number, row in enumerate(frame.to_dict("records")):
        record = {key: str(value) for key, value in row.items() if not pd.isna(value)}
        records.append((number + 2, record))
    return records


def _question(record: dict, line: int, path: Path) -> Question:
    def problem(message: str) -> SurveyError:
        return SurveyError(message, file=path, row=line)

    unknown = sorted(set(record) - set(FIELDS))
    if unknown:
        raise problem(f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(FIELDS)}")
    question_id = (record.get("id") or "").strip()
    if not question_id:
        raise problem("a question has no id")
    kind = (record.get("type") or "").strip()
    if kind not in QUESTION_TYPES:
        raise problem(f"question {question_id}: unknown type {kind!r}; types: "
                      f"{', '.join(QUESTION_TYPES)}")
    levels, codes, missing, columns, item_labels = (
        _items(record.get(key))
        for key in ("levels", "codes", "missing", "columns", "item_labels"))
    if item_labels and len(item_labels) != len(columns):
        raise problem(f"question {question_id}: {len(item_labels)} item_labels for "
                      f"{len(columns)} columns; give one wording per sub-question, in order")
    if kind in ("single", "likert") and not levels:
        raise problem(f"question {question_id}: a {kind} question needs its levels")
    if codes and len(codes) != len(levels):
        raise problem(f"question {question_id}: {len(codes)} codes for {len(levels)} levels; "
                      "give one code per level, in order")
    seen = set()
    for answer in levels + missing:
        if normalise_label(answer) in seen:
            raise problem(f"question {question_id}: the answer {answer!r} is declared twice "
                          "(case, accents and spaces are ignored)")
        seen.add(normalise_label(answer))
    neutral = (record.get("neutral") or "").strip() or None
    if neutral is not None:
        by_key = {normalise_label(level): level for level in levels}
        if normalise_label(neutral) not in by_key:
            raise problem(f"question {question_id}: the neutral level {neutral!r} is not one "
                          "of its levels")
        neutral = by_key[normalise_label(neutral)]
    minimum, maximum = (_number(record.get(key), key, question_id, problem)
                        for key in ("minimum", "maximum"))
    if minimum is not None and maximum is not None and minimum > maximum:
        raise problem(f"question {question_id}: minimum {minimum:g} is above maximum "
                      f"{maximum:g}")
    return Question(id=question_id, type=kind, label=(record.get("label") or "").strip(),
                    levels=levels, codes=codes, neutral=neutral,
                    reversed=_flag(record.get("reversed"), question_id, problem),
                    missing=missing, columns=columns, item_labels=item_labels,
                    minimum=minimum, maximum=maximum)


def _items(value) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else str(value).split(LIST_SEPARATOR)
    return tuple(item.strip() for item in items if item.strip())


_TRUE = {"true", "yes", "oui", "vrai", "1"}
_FALSE = {"false", "no", "non", "faux", "0", ""}


def _flag(value, question_id, problem) -> bool:
    text = normalise_label(value or "")
    if text not in _TRUE | _FALSE:
        raise problem(f"question {question_id}: reversed must be true or false, not {value!r}")
    return text in _TRUE


def _number(value, key, question_id, problem) -> float | None:
    if value is None or not str(value).strip():
        return None
    try:
        return float(str(value).strip().replace(",", "."))
    except ValueError:
        raise problem(f"question {question_id}: {key} must be a number, not {value!r}") from None


# --- applying to responses ----------------------------------------------------------------

def source_lines(frame: pd.DataFrame) -> list[int]:
    """The line of the source file each row comes from (header = line 1).

    The index gives it when it is named ``line`` (as :func:`civeval.survey.io.read_survey`
    sets it); otherwise rows are taken to follow the header in order.
    """
    if frame.index.name == LINE:
        return [int(line) for line in frame.index]
    return list(range(2, len(frame) + 2))


def check_respondent_ids(frame: pd.DataFrame, file=None) -> None:
    """Raise a :class:`SurveyError` at the first ``respondent_id`` seen before.

    Examples
    --------
    >>> frame = pd.DataFrame({"respondent_id": [7, 8, 7]})
    >>> check_respondent_ids(frame, file="export.csv")
    Traceback (most recent call last):
    ...
    civeval.errors.SurveyError: export.csv, line 4, column 'respondent_id': respondent id 7 \
is repeated (first seen on line 2)
    """
    if "respondent_id" not in frame.columns:
        return
    first_line: dict = {}
    for line, respondent in zip(source_lines(frame), frame["respondent_id"], strict=True):
        if pd.isna(respondent):
            continue
        if respondent in first_line:
            raise SurveyError(f"respondent id {respondent} is repeated (first seen on line "
                              f"{first_line[respondent]})", file=file, row=line,
                              column="respondent_id")
        first_line[respondent] = line


def apply_codebook(frame: pd.DataFrame, codebook: Codebook,
                   file=None) -> tuple[pd.DataFrame, pd.Series]:
    """Convert the answers of ``frame`` to the types and levels its codebook declares.

    Likert answers become ordered categoricals whose categories are the codebook's levels
    in declared order; they may be given as labels or as codes 1..n (the n-th level).
    Single-choice answers become categoricals that are *not* ordered, since their levels
    have no order to compare. Numeric answers become numbers (``Int64`` when all are whole),
    multiple-choice ticks become booleans (their ``[other]`` and ``[comment]`` sub-columns
    stay text), and text stays text. Columns the codebook does not mention are unchanged.

    A missing code (``Ne sait pas``, ``NSP``...) becomes a missing value, and how many
    there were is returned separately, so that "don't know" stays distinguishable from a
    blank answer.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per respondent; indexed by source line when named ``line``.
    codebook : Codebook
    file : path, optional
        The source of ``frame``, named in errors.

    Returns
    -------
    coded : pandas.DataFrame
        A converted copy of ``frame``.
    missing : pandas.Series
        For each converted column, how many answers were a missing code.

    Raises
    ------
    SurveyError
        One error naming the file, the line and the column of the first problem found:
        a repeated respondent id, a codebook question with no column in the data, then
        question by question an unknown answer label (the message lists those allowed),
        a Likert code or number out of range, a number that is not one.

    Examples
    --------
    >>> codebook = Codebook((Question("q1", "likert", levels=("D'accord", "Pas d'accord"),
    ...                               missing=("NSP",)),))
    >>> frame = pd.DataFrame({"q1": ["d’accord", "NSP", "2"]})
    >>> coded, missing = apply_codebook(frame, codebook)
    >>> coded["q1"].tolist(), missing.to_dict()
    (["D'accord", nan, "Pas d'accord"], {'q1': 1})
    """
    check_respondent_ids(frame, file)
    columns = {question.id: _answer_columns(question, list(frame.columns), file)
               for question in codebook}
    lines = source_lines(frame)
    coded = frame.copy()
    missing = {}
    for question in codebook:
        for column in columns[question.id]:
            coded[column], missing[column] = _CODERS[question.type](
                frame[column], question, lines, file)
    return coded, pd.Series(missing, dtype="int64", name="missing")


def _answer_columns(question: Question, names: list[str], file) -> list[str]:
    """The columns holding the answers to ``question`` that the codebook converts."""
    if question.columns:
        expected = [f"{question.id}[{code}]" for code in question.columns]
        for name in expected:
            if name not in names:
                raise SurveyError(f"question {question.id} of the codebook has no column "
                                  f"{name} in the data", file=file, row=1, column=name)
        return expected
    if question.id in names:
        return [question.id]
    stem = [name for name in names if name.startswith(f"{question.id}[")]
    if not stem:
        raise SurveyError(f"question {question.id} of the codebook has no column in the data "
                          f"(expected {question.id} or {question.id}[...])", file=file, row=1,
                          column=question.id)
    if question.type == "multiple":
        free_text = {f"{question.id}[{code}]" for code in FREE_TEXT_SUBQUESTIONS}
        stem = [name for name in stem if name not in free_text]
    return stem


def _shown(value) -> str:
    return f'"{value}"' if isinstance(value, str) else str(value)


def _quoted(labels) -> str:
    return ", ".join(f'"{label}"' for label in labels)


def _first_line(codes: np.ndarray, position: int, lines) -> int:
    """The source line of the first answer equal to the ``position``-th distinct value."""
    return lines[int(np.flatnonzero(codes == position)[0])]


def _code_choice(values: pd.Series, question: Question, lines, file):
    # Decide once per distinct answer, not once per respondent: an export of 200,000
    # responses holds a handful of distinct labels per question.
    levels = question.levels
    by_key = {normalise_label(level): level for level in levels}
    # Codes are matched as written (A1 and a1 may be two answers); labels first, since an
    # export gives either and a label can look like another level's code.
    by_code = dict(zip(question.codes, levels, strict=False))  # no codes: empty
    missing_keys = {normalise_label(code) for code in question.missing}
    codes, distinct = pd.factorize(values)
    decided, is_missing = [], []
    for position, value in enumerate(distinct):
        key = normalise_label(value)
        code = _whole_number(value)
        if key in by_key:
            decided.append(by_key[key])
        elif str(value).strip() in by_code:
            decided.append(by_code[str(value).strip()])
        elif key in missing_keys:
            decided.append(None)
        elif question.type == "likert" and code is not None and not question.codes:
            if not 1 <= code <= len(levels):
                raise SurveyError(f"answer {code} to question {question.id} is out of range: "
                                  f"codes go from 1 to {len(levels)}", file=file,
                                  row=_first_line(codes, position, lines), column=values.name)
            decided.append(levels[code - 1])
        else:
            allowed = _quoted(levels)
            if question.codes:
                allowed += f", or codes {_quoted(question.codes)}"
            elif question.type == "likert":
                allowed += f", or codes 1 to {len(levels)}"
            if question.missing:
                allowed += f"; missing codes: {_quoted(question.missing)}"
            raise SurveyError(f"unknown answer {_shown(value)} to question {question.id}; "
                              f"allowed: {allowed}", file=file,
                              row=_first_line(codes, position, lines), column=values.name)
        is_missing.append(key in missing_keys and key not in by_key)
    answers = np.array([*decided, None], dtype=object)[codes]  # code -1 (NA) takes None
    missing = int(np.isin(codes, np.flatnonzero(is_missing)).sum())
    categories = pd.Categorical(answers, categories=levels, ordered=question.type == "likert")
    return pd.Series(categories, index=values.index, name=values.name), missing


_WHOLE_NUMBER = re.compile(r"^[+-]?\d+$")
_DECIMAL_NUMBER = re.compile(r"^[+-]?(\d+[.,]?\d*|[.,]\d+)$")


def _whole_number(value) -> int | None:
    if isinstance(value, str):
        return int(value) if _WHOLE_NUMBER.match(value.strip()) else None
    number = _number_of(value)
    return int(number) if number is not None and number.is_integer() else None


def _number_of(value) -> float | None:
    """The number an answer holds (decimal comma and thousands spaces allowed), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) or pd.api.types.is_number(value):
        return float(value)
    text = re.sub(r"\s", "", str(value))
    return float(text.replace(",", ".")) if _DECIMAL_NUMBER.match(text) else None


def _code_numeric(values: pd.Series, question: Question, lines, file):
    missing_keys = {normalise_label(code) for code in question.missing}
    codes, distinct = pd.factorize(values)
    numbers, is_missing = [], []
    for position, value in enumerate(distinct):
        if normalise_label(value) in missing_keys:
            numbers.append(np.nan)
            is_missing.append(True)
            continue
        number = _number_of(value)
        if number is None:
            raise SurveyError(f"answer {_shown(value)} to question {question.id} is not a "
                              "number", file=file, row=_first_line(codes, position, lines),
                              column=values.name)
        if ((question.minimum is not None and number < question.minimum)
                or (question.maximum is not None and number > question.maximum)):
            raise SurveyError(f"answer {number:g} to question {question.id} is out of range: "
                              f"expected {_bounds(question)}", file=file,
                              row=_first_line(codes, position, lines), column=values.name)
        numbers.append(number)
        is_missing.append(False)
    result = pd.Series(np.array([*numbers, np.nan], dtype="float64")[codes],
                       index=values.index, name=values.name)
    missing = int(np.isin(codes, np.flatnonzero(is_missing)).sum())
    if result.dropna().apply(float.is_integer).all():
        result = result.astype("Int64")
    return result, missing


def _bounds(question: Question) -> str:
    if question.minimum is not None and question.maximum is not None:
        return f"{question.minimum:g} to {question.maximum:g}"
    if question.minimum is not None:
        return f"at least {question.minimum:g}"
    return f"at most {question.maximum:g}"


def _code_text(values: pd.Series, question: Question, lines, file):
    missing_keys = {normalise_label(code) for code in question.missing}
    is_missing = values.map(lambda value: not pd.isna(value)
                            and normalise_label(value) in missing_keys)
    return values.mask(is_missing), int(is_missing.sum())


# Excel gives 1.0 and 0.0 when a column of 0/1 also has empty cells. LimeSurvey writes Y
# (and N when told to), or with full answers Yes/No in the survey's language.
_TICKS = {"1": True, "0": False, "1.0": True, "0.0": False, "true": True, "false": False,
          "y": True, "n": False, "yes": True, "no": False, "oui": True, "non": False,
          "ja": True, "nein": False}


def as_ticks(values: pd.Series, file=None) -> pd.Series:
    """Ticked options given as 1/0, true/false or Y/N (Oui/Non, Yes/No, Ja/Nein), as
    booleans; an empty cell stays missing.

    The index of ``values`` is taken as the source lines, as :func:`source_lines` explains.

    Examples
    --------
    >>> as_ticks(pd.Series([1, 0, None], dtype="Int64")).tolist()
    [True, False, <NA>]
    """
    keys = values.astype("string").str.strip().str.casefold()
    unknown = keys.notna() & ~keys.isin(list(_TICKS))
    if unknown.any():
        position = int(unknown.to_numpy().argmax())
        line = source_lines(values.to_frame())[position]
        raise SurveyError(f"answer {_shown(values.iloc[position])} is not a tick: expected 1, "
                          "0, Y, N or empty", file=file, row=line, column=values.name)
    return keys.map(_TICKS).astype("boolean")


def _code_ticks(values: pd.Series, question: Question, lines, file):
    if values.dtype == "boolean":
        return values, 0
    return as_ticks(values, file), 0


_CODERS = {"single": _code_choice, "likert": _code_choice, "numeric": _code_numeric,
           "text": _code_text, "multiple": _code_ticks}


def skeleton(headers: Sequence[tuple[str, str, tuple[str, ...]]]) -> Codebook:
    """A codebook of free-text questions from ``(id, label, sub-question codes)`` triples.

    Used when an export names its questions but says nothing of their answers (Decidim):
    the analyst completes the types and levels.

    Examples
    --------
    >>> skeleton([("q1", "Votre avis ?", ())])["q1"]
    Question(id='q1', type='text', label='Votre avis ?', levels=(), codes=(), neutral=None, \
reversed=False, missing=(), columns=(), item_labels=(), minimum=None, maximum=None)
    """
    return Codebook(tuple(Question(id=question_id, type="text", label=label, columns=columns)
                          for question_id, label, columns in headers))
