"""Read questionnaire exports into one tidy table: a row per respondent, a column per question.

Each platform exports responses its own way; :func:`read_survey` recognises it from the
headers (LimeSurvey in :mod:`civeval.survey.limesurvey`, KoboToolbox and ODK in
:mod:`civeval.survey.kobo_odk`, Decidim and generic tables here) and brings every export to
the same shape:

- ``respondent_id`` first (from LimeSurvey ``id``, Kobo ``_uuid``, ODK ``KEY``, Decidim
  ``id``; a generic file's ``respondent_id`` or ``id`` column, else numbers 1, 2...), then
  ``submitted_at`` when the export dates submissions, then the questions in file order;
- sub-questions named ``stem[code]``: LimeSurvey ``Q1_SQ001`` becomes ``Q1[SQ001]``, a
  Kobo or ODK select-multiple option ``group/q3/bus`` becomes ``q3[bus]`` (a boolean, the
  space-separated summary column ``q3`` is dropped as it says the same), a Decidim matrix
  row ``3. Question/Row`` becomes ``q3[Row]``;
- group prefixes removed (Kobo ``group/q1``, ODK ``group-q1`` become ``q1``), geopoint parts
  named ``loc_latitude``…, and platform metadata dropped;
- a submission Kobo or ODK holds twice kept once, its latest version; incomplete LimeSurvey
  responses set aside; both counted;
- the index holds the line of each response in the source file, so that later checks can
  point at it even after rows were left out.

The codebook may be a codebook file (YAML or CSV, :mod:`civeval.survey.codebook`), the
LimeSurvey survey structure (``.lss``, :mod:`civeval.survey.lss`) or the XLSForm
(``.xlsx``, :mod:`civeval.survey.xlsform`): the structure files also tell which headings
are which questions and which questions hold personal data.

Personal data is dropped on import, before anything else looks at the values, for the
reasons :mod:`civeval.survey.personal` gives (the study's ``personal_columns`` and
``keep_columns``, the form's question types, names that say e-mail, phone, address, IP,
token, a person's name or role). Their names and reasons are kept in
``Survey.personal_columns_dropped``; their values go nowhere, error messages included.

Its readers are the catalogue formats ``survey``, ``limesurvey``, ``kobo``, ``odk`` and
``decidim_survey`` (options ``codebook``, ``include_incomplete``, ``encoding``,
``personal_columns``, ``keep_columns``, ``language``).
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
    LINE,
    Codebook,
    apply_codebook,
    as_ticks,
    check_respondent_ids,
    load_codebook,
    skeleton,
)
from civeval.survey.headings import Headings
from civeval.survey.kobo_odk import (
    kobo_headings,
    latest_submissions,
    odk_headings,
    split_summaries,
)
from civeval.survey.limesurvey import (
    is_r_data_file,
    limesurvey_headings,
    limesurvey_ticks,
    looks_like_limesurvey,
    r_data_answers,
)
from civeval.survey.lss import LimeSurveyStructure, read_lss
from civeval.survey.personal import personal_columns as find_personal_columns
from civeval.survey.xlsform import XLSForm, read_xlsform
from civeval.workbench import tables

SOURCES = ("generic", "limesurvey", "kobo", "odk", "decidim")
_TITLES = {"generic": "generic", "limesurvey": "LimeSurvey", "kobo": "KoboToolbox",
           "odk": "ODK", "decidim": "Decidim survey"}


_GEOPOINT_PART = re.compile(r"_(latitude|longitude|altitude|precision|accuracy)$")


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
        The codebook applied (read from the structure file when one was given), or for a
        Decidim or full-text LimeSurvey export read without one, a skeleton naming its
        questions.
    source : str
        One of ``SOURCES``.
    variant : str
        The export variant recognised, in words (« LimeSurvey, headings "code. text" »).
    incomplete : int
        Incomplete responses found (LimeSurvey: no ``submitdate``).
    excluded : int
        Responses left out: the incomplete ones unless ``include_incomplete``.
    duplicates : int
        Earlier copies of a submission sent twice (Kobo, ODK), dropped.
    personal_columns_dropped : list of str
        Source names of the columns dropped as personal data.
    personal_reasons : dict
        Source name → reason (see :mod:`civeval.survey.personal`) of each column dropped.
    missing : pandas.Series
        For each column converted by the codebook, how many answers were a missing code
        ("Ne sait pas"...), now missing values.
    """

    responses: pd.DataFrame
    codebook: Codebook | None
    source: str
    variant: str = ""
    incomplete: int = 0
    excluded: int = 0
    duplicates: int = 0
    personal_columns_dropped: list[str] = field(default_factory=list)
    personal_reasons: dict[str, str] = field(default_factory=dict)
    missing: pd.Series = field(default_factory=_no_missing_codes)


def read_survey(path: str | Path, source: str | None = None,
                codebook: Codebook | LimeSurveyStructure | XLSForm | str | Path | None = None,
                include_incomplete: bool = False, encoding: str | None = None, *,
                personal_columns: list[str] = (), keep_columns: list[str] = (),
                language: str | None = None) -> Survey:
    """Read a survey export (CSV or Excel) into a :class:`Survey`.

    Parameters
    ----------
    path : path
        The export; ``.xlsx``/``.xlsm`` files are read as Excel, others as CSV with French
        conventions detected (see :func:`civeval.workbench.tables.read_csv`).
    source : {"generic", "limesurvey", "kobo", "odk", "decidim"}, optional
        The platform; detected from the headers when None.
    codebook : Codebook, structure or path, optional
        A codebook (``.yml``, ``.yaml``, ``.csv``), a LimeSurvey structure (``.lss``) or an
        XLSForm (``.xlsx``, ``.xls``), applied to the responses with
        :func:`~civeval.survey.codebook.apply_codebook`.
    include_incomplete : bool
        Keep incomplete LimeSurvey responses (their ``submitted_at`` is missing).
    encoding : str, optional
        Force the encoding of a CSV file instead of detecting it.
    personal_columns, keep_columns : list of str
        Columns (headers or tidy names) the study declares personal, or never personal.
    language : str, optional
        The language of the structure file's labels (``fr``, ``Français (fr)``).

    Raises
    ------
    CatalogError
        The file is empty, cannot be decoded or parsed, lacks the system columns of the
        platform it is read as, or is a LimeSurvey export in no known variant (the message
        says how to export it).
    SurveyError
        The responses do not fit the codebook or its structure file, or a respondent id is
        repeated; the error names the column as the export does.

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
    raw = read_table(path, encoding)
    structure = load_structure(codebook, language)
    codebook = structure.codebook if isinstance(structure, LimeSurveyStructure | XLSForm) \
        else structure
    source = source or detect_source(raw.columns, path)
    if source not in SOURCES:
        raise SurveyError(f"unknown survey source {source!r}; sources: {', '.join(SOURCES)}",
                          file=path)
    headings = _headings(source, list(raw.columns), path, structure)
    personal = find_personal_columns(raw.columns, headings.names,
                                codebook.personal if codebook is not None else None,
                                personal_columns, keep_columns)
    kept = set(keep_columns)
    personal.update({name: reason for name, reason in headings.personal.items()
                     if name not in kept and name not in personal})
    personal = {name: personal[name] for name in raw.columns if name in personal}
    headings_all = dict(headings.names)
    headings.names = {name: tidy for name, tidy in headings.names.items()
                      if name not in personal}
    tidy, source_names = _assemble(raw.drop(columns=list(personal)), headings, path)

    if source == "limesurvey":
        if is_r_data_file(path) and codebook is not None:
            tidy = r_data_answers(tidy, codebook)
        tidy = limesurvey_ticks(tidy, codebook)
    elif source in ("kobo", "odk"):
        if codebook is not None:
            tidy = _in_source_terms(source_names, split_summaries, tidy, codebook, path)
        for name in tidy.columns:
            if "[" in name and tidy[name].dtype != "boolean":  # select-multiple options
                tidy[name] = _in_source_terms(source_names, as_ticks, tidy[name], path)
            elif _GEOPOINT_PART.search(name) and not pd.api.types.is_numeric_dtype(tidy[name]):
                # Kobo writes ";"-separated files with "." decimals.
                tidy[name] = pd.to_numeric(tidy[name].astype("string").str.replace(",", "."),
                                           errors="coerce")

    duplicates = 0
    if source in ("kobo", "odk"):
        tidy, duplicates = latest_submissions(tidy)
    incomplete = (tidy["submitted_at"].isna() if source == "limesurvey"
                  and "submitted_at" in tidy else pd.Series(False, index=tidy.index))
    if not include_incomplete:
        tidy = tidy[~incomplete]

    missing = _no_missing_codes()
    if codebook is not None:
        # A question dropped as personal data has no column left to convert.
        dropped = set(headings_all[name] for name in personal if name in headings_all)
        applied = Codebook(tuple(question for question in codebook
                                 if question.id not in dropped), codebook.file,
                           codebook.personal)
        tidy, missing = _in_source_terms(source_names, apply_codebook, tidy, applied, path)
    else:
        _in_source_terms(source_names, check_respondent_ids, tidy, path)
        codebook = _skeleton(source, headings)

    survey = Survey(tidy, codebook, source, headings.variant, int(incomplete.sum()),
                    0 if include_incomplete else int(incomplete.sum()), duplicates,
                    list(personal), personal, missing)
    tidy.attrs["survey"] = {"source": source, "variant": headings.variant,
                            "incomplete": survey.incomplete, "excluded": survey.excluded,
                            "duplicates_dropped": duplicates,
                            "personal_columns_dropped": list(personal),
                            "personal_reasons": dict(personal),
                            "missing": missing.to_dict()}
    tidy.attrs["codebook"] = codebook
    return survey


def load_structure(codebook, language: str | None = None):
    """The codebook argument of :func:`read_survey` read: a Codebook, a
    :class:`~civeval.survey.lss.LimeSurveyStructure` or an
    :class:`~civeval.survey.xlsform.XLSForm` (told by the file's suffix), or None."""
    if not isinstance(codebook, str | os.PathLike):
        return codebook
    path = Path(codebook)
    suffix = path.suffix.lower()
    if suffix == ".lss":
        return read_lss(path, language)
    if suffix in (".xlsx", ".xls", ".xlsm"):
        return read_xlsform(path, language)
    return load_codebook(path)


def _headings(source: str, columns: list[str], path: Path, structure) -> Headings:
    if source == "limesurvey":
        return limesurvey_headings(columns, path, structure if isinstance(
            structure, LimeSurveyStructure) else None)
    form = structure if isinstance(structure, XLSForm) else None
    if source == "kobo":
        return kobo_headings(columns, path, form)
    if source == "odk":
        return odk_headings(columns, path, form)
    if source == "decidim":
        if not any(_DECIDIM_QUESTION.match(name) for name in columns):
            raise CatalogError("no Decidim survey question header such as '1. Question text'",
                               file=path, row=1)
        return Headings(_decidim_names(columns), "id", "created_at", "Decidim survey")
    id_column = _generic_id_column(columns)
    return Headings({name: name for name in columns if name != id_column}, id_column, None,
                    "generic table")


def _skeleton(source: str, headings: Headings) -> Codebook | None:
    """For exports that name their questions in words, a skeleton codebook of them."""
    if source == "decidim":
        return _decidim_skeleton(headings.names)
    if source == "limesurvey" and "full question text" in headings.variant:
        stems: dict[str, list[tuple[str, str]]] = {}
        for header, tidy in headings.names.items():
            stem, _, code = tidy.partition("[")
            written = re.sub(r"\.\d+$", "", header)  # a repeated heading is read "text.1"
            label = (written if written in headings.names else header).partition(" [")[0]
            stems.setdefault(stem, []).append((label, code.rstrip("]")))
        return skeleton([(stem, items[0][0], tuple(code for _, code in items if code))
                         for stem, items in stems.items()])
    return None


def _in_source_terms(source_names: dict[str, str], function, *args):
    """Call ``function``; a SurveyError it raises names the column as the export does."""
    try:
        return function(*args)
    except SurveyError as error:
        error.column = source_names.get(error.column, error.column)
        raise


# --- reading and recognising the file -----------------------------------------------------

def read_table(path: Path, encoding: str | None = None) -> pd.DataFrame:
    """The export as read by the catalogue's readers, indexed by source line.

    Headers may repeat (full question texts, labels): the second is named ``text.1``.
    """
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        frame = tables.read_excel(path, unique_names=False)
        frame.columns = [str(name) for name in frame.columns]
        text_file = False
    else:
        frame = tables.read_csv(path, encoding=encoding, unique_names=False)
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


def detect_source(columns, path: Path = Path("export.csv")) -> str:
    """The platform an export comes from, told by its headers (and, for LimeSurvey's
    « R (data file) » export, by its name).

    Examples
    --------
    >>> detect_source(["id", "submitdate", "lastpage", "Q1[SQ001]"])
    'limesurvey'
    >>> detect_source(["ID de la réponse", "Date de soumission", "Votre âge"])
    'limesurvey'
    >>> detect_source(["id", "created_at", "1. Votre quartier ?"])
    'decidim'
    >>> detect_source(["sexe", "age"])
    'generic'
    """
    names = set(columns)
    if looks_like_limesurvey(list(columns), Path(path)):
        return "limesurvey"
    if {"_uuid", "_submission_time"} <= names:
        return "kobo"
    if {"KEY", "SubmissionDate"} <= names or {"KEY", "PARENT_KEY"} <= names:
        return "odk"
    if any(_DECIDIM_QUESTION.match(name) for name in names):
        return "decidim"
    return "generic"


# --- Decidim and generic tables -----------------------------------------------------------

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


def _generic_id_column(columns) -> str | None:
    return next((name for name in ("respondent_id", "id") if name in columns), None)


def _assemble(raw: pd.DataFrame, headings: Headings,
              path: Path) -> tuple[pd.DataFrame, dict[str, str]]:
    """The tidy table and, for error messages, the source name of each of its columns."""
    id_column, submitted_column = headings.id_column, headings.submitted_column
    leading = {"respondent_id": (raw[id_column] if id_column in raw.columns
                                 else pd.Series(range(1, len(raw) + 1), index=raw.index))}
    if submitted_column in raw.columns:
        submitted = raw[submitted_column]
        if not pd.api.types.is_datetime64_any_dtype(submitted):  # dates an Excel sheet holds
            dates = pd.to_datetime(submitted, errors="coerce", format="mixed")  # as text
            submitted = dates if dates.notna().sum() == submitted.notna().sum() else submitted
        leading["submitted_at"] = submitted
    source_names = {"respondent_id": id_column, "submitted_at": submitted_column}
    for name, tidy_name in headings.names.items():
        if tidy_name in source_names:
            raise SurveyError(f"the columns {source_names[tidy_name]} and {name} would both "
                              f"be named {tidy_name}", file=path, row=1, column=name)
        source_names[tidy_name] = name
    questions = raw[list(headings.names)].rename(columns=headings.names)
    return pd.concat([pd.DataFrame(leading), questions], axis=1), source_names


# --- the data catalogue -------------------------------------------------------------------

def _catalogue_reader(source: str):
    def read(path, codebook=None, include_incomplete=False, encoding=None,
             personal_columns=(), keep_columns=(), language=None) -> pd.DataFrame:
        return read_survey(path, source, codebook, include_incomplete, encoding,
                           personal_columns=personal_columns, keep_columns=keep_columns,
                           language=language).responses

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
