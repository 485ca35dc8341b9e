"""LimeSurvey response exports, in every variant LimeSurvey writes them.

« Responses → Export responses » lets the user choose the headings, the answers, the
separator and the file type; every combination is recognised from the header line:

- headings « Question code » (``id``, ``submitdate``, ``Q1[SQ001]``; or ``Q1_SQ001`` with
  the Expression Manager codes), « Question code & question text » (``id. Response ID``,
  ``Q1. Votre âge``, with whatever code/text separator was chosen), or « Full question
  text » (``Response ID``, ``Votre âge``), whose questions are told apart and given their
  codes through the survey structure file (:mod:`civeval.survey.lss`) when it is the
  codebook, and numbered ``q1``, ``q2``… otherwise;
- system columns in the interface language of the export: English, French or German;
- answers as codes or as full answers (a ticked option is ``Y``, or ``Oui``/``Yes``/``Ja``);
- CSV with ``,`` or ``;`` (detected), or Excel;
- the « R (data file) » export (``survey_<id>_R_data_file.csv``), whose yes/no, gender and
  multiple-choice answers are numbers (a ticked option is 2, an unticked one 1).

An empty ``submitdate`` is an incomplete response (:func:`civeval.survey.io.read_survey`
sets it aside and counts it). When the headings match none of these variants, the error
says how to export the file again.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from civeval.errors import CatalogError, SurveyError
from civeval.survey.codebook import FREE_TEXT_SUBQUESTIONS, Codebook, normalise_label
from civeval.survey.headings import Headings
from civeval.survey.lss import LimeSurveyStructure, plain_text

__all__ = ["SYSTEM_COLUMNS", "is_r_data_file", "limesurvey_headings", "limesurvey_ticks",
           "looks_like_limesurvey", "r_data_answers"]

# System column code → its full-text headings in English, French and German.
SYSTEM_COLUMNS = {
    "id": ("Response ID", "ID de la réponse", "Antwort ID"),
    "submitdate": ("Date submitted", "Date de soumission", "Datum Abgeschickt", "Completed"),
    "lastpage": ("Last page", "Dernière page", "Letzte Seite"),
    "startlanguage": ("Start language", "Langue de départ", "Start-Sprache"),
    "seed": ("Seed", "Tête de série", "Zufallsstartwert", "Zufallsgeneratorstartwert"),
    "startdate": ("Date started", "Date de lancement", "Date de début", "Datum gestartet"),
    "datestamp": ("Date last action", "Date de la dernière action",
                  "Datum letzte Aktivität"),
    "ipaddr": ("IP address", "Adresse IP", "IP-Adresse"),
    "refurl": ("Referrer URL", "URL de provenance", "URL référente", "Referrer-URL"),
    "token": ("Token", "Access code", "Code d'accès", "Jeton", "Zugangsschlüssel"),
}
_BY_HEADING = {normalise_label(text): code for code, texts in SYSTEM_COLUMNS.items()
               for text in texts}
# Timings (« savetimings ») and participant-table columns exported beside the responses.
_TIMING = re.compile(r"^(interviewtime|groupTime\d+|.+Time)$")
_PARTICIPANT = re.compile(r"^(firstname|lastname|email|emailstatus|attribute_\d+)$")
_R_DATA_FILE = re.compile(r"^survey_\d+_R_data_file$", re.IGNORECASE)
_HOW_TO_EXPORT = (
    "export the responses again from LimeSurvey (Responses → Export → Export responses) as "
    "CSV or Excel, with Headings « Question code » and Responses « Answer codes », or "
    "catalogue the survey structure (.lss) as the codebook to read any other headings")
_FULL_TICKS = {"oui": True, "non": False, "yes": True, "no": False, "ja": True, "nein": False}


def looks_like_limesurvey(columns, path: Path) -> bool:
    """Whether the headings are those of a LimeSurvey export, in any of its variants.

    Examples
    --------
    >>> from pathlib import Path
    >>> looks_like_limesurvey(["id. Response ID", "submitdate. Date submitted", "Q1. Âge"],
    ...                       Path("results-survey123.csv"))
    True
    >>> looks_like_limesurvey(["ID de la réponse", "Date de soumission", "Votre âge"],
    ...                       Path("export.csv"))
    True
    >>> looks_like_limesurvey(["sexe", "age"], Path("export.csv"))
    False
    """
    return _variant(list(columns), path)[0] is not None


def _variant(columns: list[str], path: Path) -> tuple[str | None, str | None]:
    """(« codes », « code and text » or « full text », the code/text separator)."""
    names = set(columns)
    if {"id", "submitdate"} <= names or ("id" in names and _R_DATA_FILE.match(path.stem)):
        return "codes", None
    separator = _code_text_separator(columns[0]) if columns else None
    if separator is not None:
        return "code and text", separator
    system = {_BY_HEADING.get(normalise_label(name)) for name in columns}
    if {"id", "submitdate"} <= system:
        return "full text", None
    return None, None


def _code_text_separator(first: str) -> str | None:
    """The separator between code and text, told by the first heading « id<sep>Response ID »."""
    if not first.startswith("id"):
        return None
    for text in (text for texts in SYSTEM_COLUMNS.values() for text in texts):
        if first.endswith(text) and len(first) > len(text) + 2:
            separator = first[2:len(first) - len(text)]
            if separator.strip(" ") in (".", ":", "-", "|", "", "_", "/") and separator:
                return separator
    return None


def limesurvey_headings(columns, path: Path, structure: LimeSurveyStructure | None = None
                        ) -> Headings:
    """The headings of a LimeSurvey response export, whichever variant it is.

    Parameters
    ----------
    columns : list of str
        The header line.
    path : Path
        The export (its name tells the « R (data file) » export).
    structure : LimeSurveyStructure, optional
        The survey's structure file: full-text headings are matched to its question codes,
        and the export's columns must be those of the survey.

    Raises
    ------
    CatalogError
        The headings match none of LimeSurvey's variants; the message says how to export.
    SurveyError
        The structure file does not match the export: the codes missing on either side.

    Examples
    --------
    >>> from pathlib import Path
    >>> headings = limesurvey_headings(["id. Response ID", "submitdate. Date submitted",
    ...                                 "Q1[SQ001]. Avis [Horaires]", "Q2. Âge"],
    ...                                Path("results-survey123.csv"))
    >>> headings.variant, headings.id_column
    ('LimeSurvey, headings "code. text"', 'id. Response ID')
    >>> list(headings.names.values())
    ['Q1[SQ001]', 'Q2']
    """
    columns = list(columns)
    variant, separator = _variant(columns, path)
    if variant is None:
        raise CatalogError(f"the headings match none of LimeSurvey's export variants (question "
                           f"codes such as id, submitdate, Q1[SQ001]; « code. text » such as "
                           f"« id. Response ID »; full question texts such as « Response ID » "
                           f"or « ID de la réponse »): {_HOW_TO_EXPORT}", file=path, row=1)
    if variant == "codes":
        codes = {name: name for name in columns}
    elif variant == "code and text":
        codes = {name: name.split(separator, 1)[0].strip() for name in columns}
    else:
        codes = _full_text_codes(columns, path, structure)
    system = {code: name for name, code in codes.items() if code in SYSTEM_COLUMNS}
    personal = {name: "person" for name, code in codes.items() if _PARTICIPANT.match(code)}
    names = {name: _tidy(code) for name, code in codes.items()
             if code not in SYSTEM_COLUMNS and not _PARTICIPANT.match(code)
             and not (_TIMING.match(code) and "[" not in code)}
    if structure is not None:
        _check_against(structure, names, path)
    described = {"codes": "headings « question code »",
                 "code and text": 'headings "code. text"',
                 "full text": "headings « full question text »"}[variant]
    if _R_DATA_FILE.match(path.stem):
        described = "« R (data file) »"
    return Headings(names, system.get("id"), system.get("submitdate"),
                    f"LimeSurvey, {described}", personal)


def _tidy(code: str) -> str:
    # Question codes cannot contain "_", so Q1_SQ001_1 is unambiguously Q1[SQ001][1].
    return code if "[" in code else re.sub(r"_([^_]+)", r"[\1]", code)


def _heading_key(text: str) -> str:
    """Full-text headings compared without HTML, case, accents or spacing around brackets."""
    return re.sub(r"\s*([\[\]])\s*", r"\1", normalise_label(plain_text(text)))


def _as_written(name: str, columns: list[str]) -> str:
    """A heading as the export wrote it: the reader names a repeated heading ``text.1``."""
    base = re.sub(r"\.\d+$", "", name)
    return base if base != name and base in columns else name


def _full_text_codes(columns: list[str], path: Path,
                     structure: LimeSurveyStructure | None) -> dict[str, str]:
    """Header → code for full-text headings: matched in order to the structure's headings
    (so that two questions worded alike keep their own codes), else numbered."""
    codes: dict[str, str] = {}
    questions = [name for name in columns if normalise_label(name) not in _BY_HEADING]
    for name in columns:
        if normalise_label(name) in _BY_HEADING:
            codes[name] = _BY_HEADING[normalise_label(name)]
    if structure is None:
        codes.update(_numbered(questions, columns))
        return codes
    expected: dict[str, list[str]] = {}
    for code, heading in structure.columns:
        expected.setdefault(_heading_key(heading), []).append(code)
    unknown = []
    for name in questions:
        candidates = expected.get(_heading_key(_as_written(name, columns)))
        if candidates:
            codes[name] = candidates.pop(0)
        elif _PARTICIPANT_TEXT.match(normalise_label(name)):
            codes[name] = "attribute_0"  # a participant column: personal
        else:
            unknown.append(name)
    if unknown:
        missing = [code for codes_left in expected.values() for code in codes_left]
        raise SurveyError(_mismatch(unknown, missing, "heading"), file=path, row=1,
                          column=unknown[0])
    return codes


_PARTICIPANT_TEXT = re.compile(r"^(first name|last name|prenom|nom|vorname|nachname|"
                               r"e-?mail( address)?|adresse e-?mail|e-mail-adresse)$")


def _numbered(questions: list[str], columns: list[str]) -> dict[str, str]:
    """Full-text headings without a structure file: ``q1``, ``q2``…, sub-questions
    « Question [Item] » as ``q3[Item]``; two questions worded alike stay two questions."""
    codes, number, previous = {}, 0, None
    for name in questions:
        stem, bracket, rest = _as_written(name, columns).partition(" [")
        if not bracket or stem != previous:
            number += 1
        previous = stem if bracket else None
        codes[name] = f"q{number}[{rest.rstrip(']')}]" if bracket else f"q{number}"
    return codes


def _check_against(structure: LimeSurveyStructure, names: dict[str, str], path: Path) -> None:
    expected = [code for code, _ in structure.columns]
    found = set(names.values())
    missing = [code for code in expected if code not in found]
    unknown = [header for header, code in names.items() if code not in set(expected)]
    if missing or unknown:
        raise SurveyError(_mismatch([names[h] for h in unknown], missing, "column"),
                          file=path, row=1, column=unknown[0] if unknown else None)


def _mismatch(unknown: list[str], missing: list[str], what: str) -> str:
    parts = []
    if unknown:
        parts.append(f"{what}(s) of the export absent from the survey structure: "
                     f"{', '.join(unknown)}")
    if missing:
        parts.append(f"question column(s) of the survey structure absent from the export: "
                     f"{', '.join(missing)}")
    return ("the survey structure (.lss) does not match the export: " + "; ".join(parts)
            + "; export both from the same survey, with every question column")


def limesurvey_ticks(frame: pd.DataFrame, codebook: Codebook | None = None) -> pd.DataFrame:
    """Multiple-choice options as booleans.

    With a codebook, the options of its multiple-choice questions; without one, a question
    is taken for multiple choice when its ``stem[code]`` columns (free-text ``[other]`` and
    ``[comment]`` aside) hold only ``Y`` and empty cells (an empty cell is an option not
    ticked), or only full answers ``Oui``/``Non`` (``Yes``/``No``, ``Ja``/``Nein``; ``N/A``
    for an option not shown).

    Examples
    --------
    >>> frame = pd.DataFrame({"Q2[a]": ["Y", None], "Q2[b]": [None, "Y"],
    ...                       "Q3[a]": ["Oui", "Non"], "Q4": ["Y", "Y"]})
    >>> limesurvey_ticks(frame).to_dict("list")
    {'Q2[a]': [True, False], 'Q2[b]': [False, True], 'Q3[a]': [True, False], 'Q4': ['Y', 'Y']}
    """
    options: dict[str, list[str]] = {}
    for name in frame.columns:
        match = re.fullmatch(r"([^\[]+)\[([^\]]+)\]", name)
        if match and match[2] not in FREE_TEXT_SUBQUESTIONS and not match[2].endswith(
                "comment"):
            options.setdefault(match[1], []).append(name)
    if codebook is not None:
        multiple = {question.id for question in codebook if question.type == "multiple"}
        options = {stem: names for stem, names in options.items() if stem in multiple}
    frame = frame.copy()
    for names in options.values():
        keys = {name: frame[name].dropna().astype(str).str.strip().str.casefold()
                for name in names}
        # Ticks are Y (codes) or full answers; an option column holding other text is the
        # « other » answer of a full-text export, whose code LimeSurvey has translated.
        if all(values.eq("y").all() for values in keys.values()) and any(
                len(values) for values in keys.values()):
            for name in names:
                frame[name] = frame[name].eq("Y").astype("boolean")
            continue
        full = [name for name, values in keys.items()
                if len(values) and values.isin([*_FULL_TICKS, "n/a"]).all()]
        if full and (codebook is not None or len(full) >= len(names) - 1):
            for name in full:
                text = frame[name].astype("string").str.strip().str.casefold()
                frame[name] = text.map(_FULL_TICKS).astype("boolean")
    return frame


# The « R (data file) » export's numbers for LimeSurvey's fixed answer codes.
_R_CODES = {("Y", "N"): {"2": "Y", "1": "N"}, ("F", "M"): {"1": "F", "2": "M"},
            ("Y", "U", "N"): {"1": "Y", "2": "N", "3": "U"},
            ("I", "S", "D"): {"1": "I", "2": "S", "3": "D"}}


def r_data_answers(frame: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """The answers of an « R (data file) » export back as LimeSurvey's codes.

    The R export writes yes/no answers as 2/1, gender as 1 (F)/2 (M), yes/uncertain/no and
    increase/same/decrease arrays as 1/2/3, and a ticked option as 2, an unticked one 1;
    the codebook (the ``.lss``) tells which columns those are.

    Examples
    --------
    >>> from civeval.survey.codebook import Question
    >>> codebook = Codebook((Question("Q1", "single", levels=("Oui", "Non"), codes=("Y", "N")),
    ...                      Question("Q2", "multiple", columns=("a",))))
    >>> r_data_answers(pd.DataFrame({"Q1": [2, 1], "Q2[a]": [2, 1]}), codebook).to_dict("list")
    {'Q1': ['Y', 'N'], 'Q2[a]': [True, False]}
    """
    frame = frame.copy()
    for question in codebook:
        if question.type == "multiple":
            for code in question.columns:
                name = f"{question.id}[{code}]"
                if name in frame:
                    text = frame[name].astype("string").str.strip()
                    frame[name] = text.map({"2": True, "1": False}).astype("boolean")
        elif question.codes in _R_CODES:
            numbers = _R_CODES[question.codes]
            stems = [f"{question.id}[{code}]" for code in question.columns] or [question.id]
            for name in (stem for stem in stems if stem in frame):
                text = frame[name].astype("string").str.strip()
                frame[name] = text.map(lambda value, numbers=numbers: numbers.get(value, value)
                                       if not pd.isna(value) else value)
    return frame


def is_r_data_file(path: Path) -> bool:
    """Whether ``path`` is named as LimeSurvey names its « R (data file) » export."""
    return bool(_R_DATA_FILE.match(Path(path).stem))
