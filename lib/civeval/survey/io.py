"""Read questionnaire exports into one tidy table: a row per respondent, a column per question.

Each platform exports responses its own way; :func:`read_survey` recognises it from the
headers and brings every export to the same shape:

- ``respondent_id`` first (from LimeSurvey ``id``, Kobo ``_uuid``, ODK ``KEY``, Decidim
  ``id``; a generic file's ``respondent_id`` or ``id`` column, else numbers 1, 2...), then
  ``submitted_at`` when the export dates submissions, then the questions in file order;
- sub-questions named ``stem[code]``: LimeSurvey ``Q1_SQ001`` becomes ``Q1[SQ001]``, a
  Kobo or ODK select-multiple option ``group/q3/bus`` becomes ``q3[bus]`` (a boolean, the
  space-separated summary column ``q3`` is dropped as it says the same), a Decidim matrix
  row ``3. Question/Row`` becomes ``q3[Row]``;
- group prefixes removed (Kobo ``group/q1``, ODK ``group-q1`` become ``q1``) and platform
  metadata dropped;
- the index holds the line of each response in the source file, so that later checks can
  point at it even after rows were left out.

Personal data is dropped on import, before anything else looks at the values: any column
whose name contains a word such as e-mail, courriel, nom, prénom, téléphone, IP, token or
adresse. Their names are kept in ``Survey.personal_columns_dropped``; their values go
nowhere, error messages included. A question whose text merely mentions such a word
("Quel nom donner au parc ?") is dropped too: leaking personal data would be worse.

Its readers are the catalogue formats ``survey``, ``limesurvey``, ``kobo``, ``odk`` and
``decidim_survey`` (options ``codebook``, ``include_incomplete``, ``encoding``).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from civeval.errors import CatalogError, SurveyError
from civeval.survey.codebook import (
    FREE_TEXT_SUBQUESTIONS,
    LINE,
    Codebook,
    apply_codebook,
    as_ticks,
    check_respondent_ids,
    load_codebook,
    normalise_label,
    skeleton,
)
from civeval.workbench import tables

SOURCES = ("generic", "limesurvey", "kobo", "odk", "decidim")
_TITLES = {"generic": "generic", "limesurvey": "LimeSurvey", "kobo": "KoboToolbox",
           "odk": "ODK", "decidim": "Decidim survey"}
# The system columns an export of each platform always has; they identify it.
_SIGNATURES = {"limesurvey": ("id", "submitdate"), "kobo": ("_uuid", "_submission_time"),
               "odk": ("KEY", "SubmissionDate"), "decidim": ("id",)}
_ID_COLUMNS = {"limesurvey": "id", "kobo": "_uuid", "odk": "KEY", "decidim": "id"}
_SUBMITTED_COLUMNS = {"limesurvey": "submitdate", "kobo": "_submission_time",
                      "odk": "SubmissionDate", "decidim": "created_at"}

_PERSONAL_WORDS = frozenset({
    "email", "mail", "courriel", "nom", "prenom", "name", "firstname", "lastname", "username",
    "telephone", "phone", "phonenumber", "tel", "portable", "ip", "ipaddr", "ipaddress",
    "token", "adresse", "address",
})


def _no_missing_codes() -> pd.Series:
    return pd.Series(dtype="int64", name="missing")


@dataclass
class Survey:
    """Responses to a questionnaire, tidied, with what the import did to them.

    Attributes
    ----------
    responses : pandas.DataFrame
        One row per respondent, indexed by source line (see the module documentation).
        ``attrs["survey"]`` repeats the import summary below and ``attrs["codebook"]``
        holds the codebook, for readers of the data catalogue.
    codebook : Codebook or None
        The codebook applied, or for a Decidim export read without one, a skeleton naming
        its questions.
    source : str
        One of ``SOURCES``.
    incomplete : int
        Incomplete responses found (LimeSurvey: no ``submitdate``).
    excluded : int
        Responses left out: the incomplete ones unless ``include_incomplete``.
    personal_columns_dropped : list of str
        Source names of the columns dropped as personal data.
    missing : pandas.Series
        For each column converted by the codebook, how many answers were a missing code
        ("Ne sait pas"...), now missing values.
    """

    responses: pd.DataFrame
    codebook: Codebook | None
    source: str
    incomplete: int = 0
    excluded: int = 0
    personal_columns_dropped: list[str] = field(default_factory=list)
    missing: pd.Series = field(default_factory=_no_missing_codes)


def read_survey(path: str | Path, source: str | None = None,
                codebook: Codebook | str | Path | None = None, include_incomplete: bool = False,
                encoding: str | None = None) -> Survey:
    """Read a survey export (CSV or Excel) into a :class:`Survey`.

    Parameters
    ----------
    path : path
        The export; ``.xlsx``/``.xlsm`` files are read as Excel, others as CSV with French
        conventions detected (see :func:`civeval.workbench.tables.read_csv`).
    source : {"generic", "limesurvey", "kobo", "odk", "decidim"}, optional
        The platform; detected from the headers when None.
    codebook : Codebook or path, optional
        Applied to the responses with :func:`~civeval.survey.codebook.apply_codebook`.
    include_incomplete : bool
        Keep incomplete LimeSurvey responses (their ``submitted_at`` is missing).
    encoding : str, optional
        Force the encoding of a CSV file instead of detecting it.

    Raises
    ------
    CatalogError
        The file is empty, cannot be decoded or parsed, or lacks the system columns of the
        platform it is read as.
    SurveyError
        The responses do not fit the codebook, or a respondent id is repeated; the error
        names the column as the export does.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "export.csv"
    >>> _ = path.write_text("id,submitdate,email,Q1_SQ001,Q2[SQ001]\\n"
    ...                     "1,2025-04-10 19:36:00,a@example.org,Oui,Y\\n"
    ...                     "2,,b@example.org,Non,\\n", encoding="utf-8")
    >>> survey = read_survey(path)
    >>> survey.source, survey.incomplete, survey.personal_columns_dropped
    ('limesurvey', 1, ['email'])
    >>> survey.responses.columns.tolist()
    ['respondent_id', 'submitted_at', 'Q1[SQ001]', 'Q2[SQ001]']
    """
    path = Path(path)
    raw = _read_table(path, encoding)
    source = source or detect_source(raw.columns)
    _check_system_columns(raw.columns, source, path)
    personal = personal_columns(raw.columns)
    raw = raw.drop(columns=personal)

    renamed = _QUESTION_NAMES[source](list(raw.columns))
    tidy, source_names = _assemble(raw, source, renamed, path)
    if source == "limesurvey":
        tidy = _limesurvey_ticks(tidy)
    elif source in ("kobo", "odk"):
        for name in tidy.columns:
            if "[" in name:  # a select-multiple option, named stem[option] by _xlsform_names
                tidy[name] = _in_source_terms(source_names, as_ticks, tidy[name], path)

    incomplete = (tidy["submitted_at"].isna() if source == "limesurvey"
                  else pd.Series(False, index=tidy.index))
    if not include_incomplete:
        tidy = tidy[~incomplete]

    if isinstance(codebook, str | os.PathLike):
        codebook = load_codebook(codebook)
    missing = _no_missing_codes()
    if codebook is not None:
        tidy, missing = _in_source_terms(source_names, apply_codebook, tidy, codebook, path)
    else:
        _in_source_terms(source_names, check_respondent_ids, tidy, path)
        if source == "decidim":
            codebook = _decidim_skeleton(raw.columns)

    survey = Survey(tidy, codebook, source, int(incomplete.sum()),
                    0 if include_incomplete else int(incomplete.sum()), personal, missing)
    tidy.attrs["survey"] = {"source": source, "incomplete": survey.incomplete,
                            "excluded": survey.excluded,
                            "personal_columns_dropped": list(personal),
                            "missing": missing.to_dict()}
    tidy.attrs["codebook"] = codebook
    return survey


def _in_source_terms(source_names: dict[str, str], function, *args):
    """Call ``function``; a SurveyError it raises names the column as the export does."""
    try:
        return function(*args)
    except SurveyError as error:
        error.column = source_names.get(error.column, error.column)
        raise


# --- reading and recognising the file -----------------------------------------------------

def _read_table(path: Path, encoding: str | None) -> pd.DataFrame:
    """The export as read by the catalogue's readers, indexed by source line."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        frame = tables.read_excel(path)
        frame.columns = [str(name) for name in frame.columns]
        text_file = False
    else:
        frame = tables.read_csv(path, encoding=encoding)
        text_file = True
    frame.index = _line_index(frame, text_file)
    return frame


def _line_index(frame: pd.DataFrame, text_file: bool) -> pd.Index:
    """The line on which each response starts in the file (header = line 1).

    In a CSV file a quoted answer can run over several lines (free-text comments often do),
    which pushes every later response down; an Excel row is one row whatever its cells hold.
    """
    first = 2 + sum(str(name).count("\n") for name in frame.columns)
    lines_taken = np.ones(len(frame), dtype=int)
    if text_file:
        for name in frame.columns:
            if pd.api.types.is_string_dtype(frame[name]):
                lines_taken += frame[name].str.count("\n").fillna(0).astype(int).to_numpy()
    starts = first + np.concatenate(([0], np.cumsum(lines_taken)[:-1]))
    return pd.Index(starts, name=LINE)


_DECIDIM_QUESTION = re.compile(r"^(\d+)\.\s+(.+)$", re.DOTALL)


def detect_source(columns) -> str:
    """The platform an export comes from, told by its headers.

    Examples
    --------
    >>> detect_source(["id", "submitdate", "lastpage", "Q1[SQ001]"])
    'limesurvey'
    >>> detect_source(["id", "created_at", "1. Votre quartier ?"])
    'decidim'
    >>> detect_source(["sexe", "age"])
    'generic'
    """
    names = set(columns)
    for source in ("limesurvey", "kobo", "odk"):
        if set(_SIGNATURES[source]) <= names:
            return source
    if any(_DECIDIM_QUESTION.match(name) for name in names):
        return "decidim"
    return "generic"


def _check_system_columns(columns, source: str, path: Path) -> None:
    if source not in SOURCES:
        raise SurveyError(f"unknown survey source {source!r}; sources: {', '.join(SOURCES)}",
                          file=path)
    title = _TITLES[source]
    absent = [name for name in _SIGNATURES.get(source, ()) if name not in columns]
    if absent:
        raise CatalogError(f"the {title} system column(s) {', '.join(absent)} are missing "
                           "from the header", file=path, row=1)
    if source == "decidim" and not any(_DECIDIM_QUESTION.match(name) for name in columns):
        raise CatalogError(f"no {title} question header such as '1. Question text'",
                           file=path, row=1)


def personal_columns(columns) -> list[str]:
    """The columns whose name says they hold personal data (see the module documentation).

    Names are split into words at any non-letter and at camelCase humps, without accents.

    Examples
    --------
    >>> personal_columns(["Q1", "Adresse e-mail", "ip_hash", "SubmitterName", "nombre"])
    ['Adresse e-mail', 'ip_hash', 'SubmitterName']
    """
    def words(name: str) -> set[str]:
        humps = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name)
        return set(re.split(r"[^a-z0-9]+", normalise_label(humps)))

    return [name for name in columns if words(name) & _PERSONAL_WORDS]


# --- question names by platform -------------------------------------------------------------
# Each function maps the export's question columns to their tidy names; columns it leaves
# out (system columns, metadata, select-multiple summaries) are dropped.

_LIMESURVEY_SYSTEM = {"id", "submitdate", "lastpage", "startlanguage", "seed", "startdate",
                      "datestamp", "refurl"}


def _limesurvey_names(columns: list[str]) -> dict[str, str]:
    # Question codes cannot contain "_", so Q1_SQ001_1 is unambiguously Q1[SQ001][1].
    return {name: name if "[" in name else re.sub(r"_([^_]+)", r"[\1]", name)
            for name in columns if name not in _LIMESURVEY_SYSTEM}


# Metadata questions an XLSForm may add, with these default names.
_XLSFORM_METADATA = {"start", "end", "today", "deviceid", "subscriberid", "simserial",
                     "phonenumber", "username", "audit"}
_ODK_SYSTEM = {"SubmissionDate", "KEY", "SubmitterID", "SubmitterName", "AttachmentsPresent",
               "AttachmentsExpected", "Status", "ReviewState", "DeviceID", "Edits",
               "FormVersion"}


def _kobo_names(columns: list[str]) -> dict[str, str]:
    questions = [name for name in columns
                 if not name.startswith("_") and name.split("/")[0] not in ("meta", "formhub")
                 and name not in _XLSFORM_METADATA]
    return _xlsform_names(questions, group_separator="/")


def _odk_names(columns: list[str]) -> dict[str, str]:
    questions = [name for name in columns
                 if name not in _ODK_SYSTEM and name.split("-")[0] != "meta"
                 and name not in _XLSFORM_METADATA]
    return _xlsform_names(questions, group_separator="-")


def _xlsform_names(columns: list[str], group_separator: str) -> dict[str, str]:
    """Group prefixes removed; select-multiple options ``q/option`` named ``q[option]``."""
    present = set(columns)
    summaries = {name.rpartition("/")[0] for name in columns
                 if name.rpartition("/")[0] in present}

    def ungrouped(name: str) -> str:
        return name.rpartition(group_separator)[2]

    names = {}
    for name in columns:
        parent, _, option = name.rpartition("/")
        if name in summaries:
            continue
        names[name] = f"{ungrouped(parent)}[{option}]" if parent in summaries else ungrouped(
            name)
    return names


def _decidim_names(columns: list[str]) -> dict[str, str]:
    names = {}
    for number, headers in _decidim_questions(columns).items():
        if len(headers) == 1:
            names[headers[0][0]] = f"q{number}"
        else:
            stem = _matrix_stem([text for _, text in headers])
            for name, text in headers:
                names[name] = f"q{number}[{_matrix_row(text, stem)}]"
    return names


def _decidim_questions(columns) -> dict[int, list[tuple[str, str]]]:
    """Headers ``"<n>. <text>"`` grouped by question number: ``(header, text)`` pairs."""
    questions: dict[int, list[tuple[str, str]]] = {}
    for name in columns:
        match = _DECIDIM_QUESTION.match(name)
        if match:
            questions.setdefault(int(match[1]), []).append((name, match[2].strip()))
    return questions


def _matrix_stem(texts: list[str]) -> str:
    """The question text shared by matrix rows ``Question/Row 1``, ``Question/Row 2``."""
    prefix = os.path.commonprefix(texts)
    return prefix[:prefix.rfind("/")] if "/" in prefix else ""


def _matrix_row(text: str, stem: str) -> str:
    return text[len(stem) + 1:] if stem else text


def _decidim_skeleton(columns) -> Codebook:
    questions = []
    for number, headers in _decidim_questions(columns).items():
        if len(headers) == 1:
            questions.append((f"q{number}", headers[0][1], ()))
        else:
            stem = _matrix_stem([text for _, text in headers])
            questions.append((f"q{number}", stem,
                              tuple(_matrix_row(text, stem) for _, text in headers)))
    return skeleton(questions)


def _generic_names(columns: list[str]) -> dict[str, str]:
    return {name: name for name in columns if name != _generic_id_column(columns)}


def _generic_id_column(columns) -> str | None:
    return next((name for name in ("respondent_id", "id") if name in columns), None)


_QUESTION_NAMES = {"generic": _generic_names, "limesurvey": _limesurvey_names,
                   "kobo": _kobo_names, "odk": _odk_names, "decidim": _decidim_names}


def _assemble(raw: pd.DataFrame, source: str, renamed: dict[str, str],
              path: Path) -> tuple[pd.DataFrame, dict[str, str]]:
    """The tidy table and, for error messages, the source name of each of its columns."""
    id_column = (_generic_id_column(raw.columns) if source == "generic"
                 else _ID_COLUMNS[source])
    submitted_column = _SUBMITTED_COLUMNS.get(source)
    leading = {"respondent_id": (raw[id_column] if id_column
                                 else pd.Series(range(1, len(raw) + 1), index=raw.index))}
    if submitted_column in raw.columns:
        leading["submitted_at"] = raw[submitted_column]
    source_names = {"respondent_id": id_column, "submitted_at": submitted_column}
    for name, tidy_name in renamed.items():
        if tidy_name in source_names:
            raise SurveyError(f"the columns {source_names[tidy_name]} and {name} would both "
                              f"be named {tidy_name}", file=path, row=1, column=name)
        source_names[tidy_name] = name
    questions = raw[list(renamed)].rename(columns=renamed)
    return pd.concat([pd.DataFrame(leading), questions], axis=1), source_names


def _limesurvey_ticks(frame: pd.DataFrame) -> pd.DataFrame:
    """Multiple-choice options (``Y`` or empty) as booleans.

    A question is multiple choice when its ``stem[code]`` columns (free-text ``[other]`` and
    ``[comment]`` aside) hold only ``Y`` and empty cells, at least one ``Y``; an empty cell
    is an option not ticked.
    """
    options: dict[str, list[str]] = {}
    for name in frame.columns:
        match = re.fullmatch(r"([^\[]+)\[([^\]]+)\]", name)
        if match and match[2] not in FREE_TEXT_SUBQUESTIONS:
            options.setdefault(match[1], []).append(name)
    frame = frame.copy()
    for names in options.values():
        values = frame[names].stack().dropna()  # every answer given to the question
        if len(values) and values.eq("Y").all():
            for name in names:
                frame[name] = frame[name].eq("Y").astype("boolean")
    return frame


# --- the data catalogue -------------------------------------------------------------------

def _catalogue_reader(source: str):
    def read(path, codebook=None, include_incomplete=False, encoding=None) -> pd.DataFrame:
        return read_survey(path, source, codebook, include_incomplete, encoding).responses

    read.__name__ = f"read_{source}"
    read.__doc__ = (f"Catalogue reader of {_TITLES[source]} exports: the responses of "
                    ":func:`read_survey`, its summary in ``attrs``.")
    return read


# The catalogue formats survey, limesurvey, kobo, odk and decidim_survey.
read_generic_survey = _catalogue_reader("generic")
read_limesurvey = _catalogue_reader("limesurvey")
read_kobo = _catalogue_reader("kobo")
read_odk = _catalogue_reader("odk")
read_decidim_survey = _catalogue_reader("decidim")
