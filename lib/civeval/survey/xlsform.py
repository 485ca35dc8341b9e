"""The XLSForm of a KoboToolbox or ODK questionnaire as a codebook.

An XLSForm is the workbook the form was built from: a ``survey`` sheet (one row per
question: ``type``, ``name``, ``label`` or ``label::<language>``), a ``choices`` sheet
(``list_name``, ``name``, labels) and an optional ``settings`` sheet
(``default_language``). :func:`read_xlsform` turns it into a
:class:`~civeval.survey.codebook.Codebook` in one of the form's languages:

- ``select_one <list>`` → ``single``, levels the choices' labels, codes their names (the
  « XML values » an export writes);
- ``select_multiple <list>`` → ``multiple``, one column ``q[choice]`` per choice (an export
  that has only the space-separated summary column is split into them on import);
- ``integer``, ``decimal``, ``range`` → ``numeric`` (a range's ``parameters`` give its
  bounds); ``text``, ``date``, ``time``, ``dateTime``, ``barcode`` → ``text``;
- ``geopoint`` → no question: its parts are the columns ``<name>_latitude``,
  ``<name>_longitude``, ``<name>_altitude`` and ``<name>_precision``;
- ``phonenumber``, ``email``, ``username``, ``deviceid``, ``subscriberid``, ``simserial``,
  ``image``, ``audio``, ``video``, ``background-audio`` and ``file`` questions are personal
  data (:attr:`Codebook.personal`); notes, calculations and groups have no answer.

The form also gives each question's label in every language, by which a « labels » export
(headed by question labels rather than names) is read, and the questions inside repeat
groups (:attr:`XLSForm.repeats`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from civeval.errors import SurveyError
from civeval.survey.codebook import Codebook, Question

__all__ = ["PERSONAL_TYPES", "FormField", "XLSForm", "read_xlsform"]

PERSONAL_TYPES = frozenset({"phonenumber", "email", "username", "deviceid", "subscriberid",
                            "simserial", "image", "audio", "video", "background-audio",
                            "file", "audit"})
_NUMERIC = {"integer", "decimal", "range"}
_TEXT = {"text", "date", "time", "datetime", "barcode", "acknowledge", "rank"}


@dataclass(frozen=True)
class FormField:
    """One question of the form's ``survey`` sheet that an export has a column for.

    ``groups`` are the names of the groups around it (outermost first), ``group_labels``
    their labels in the chosen language; ``repeat`` the name of the innermost repeat group
    holding it, or None.
    """

    name: str
    type: str
    label: str
    choices: tuple[tuple[str, str], ...]
    groups: tuple[str, ...]
    group_labels: tuple[str, ...]
    repeat: str | None


@dataclass(frozen=True)
class XLSForm:
    """A form: its codebook in one language, its fields, and that language."""

    codebook: Codebook
    fields: tuple[FormField, ...]
    language: str | None

    @property
    def repeats(self) -> set[str]:
        """The names of the form's repeat groups."""
        return {field.repeat for field in self.fields if field.repeat}


def read_xlsform(path: str | Path, language: str | None = None) -> XLSForm:
    """Read an XLSForm (``.xlsx``) as a codebook.

    Parameters
    ----------
    path : path
    language : str, optional
        The labels to read: a language as the form names it (``Français (fr)``) or its code
        (``fr``); by default the form's ``default_language``, else its first.

    Raises
    ------
    SurveyError
        Naming the file, the sheet's row and the column: no ``survey`` sheet, a question
        without type or name, a select question whose list the ``choices`` sheet lacks, a
        language the form does not have.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "formulaire.xlsx"
    >>> with pd.ExcelWriter(path) as book:
    ...     pd.DataFrame({"type": ["select_one oui_non", "integer"], "name": ["q1", "age"],
    ...                   "label::Français (fr)": ["Satisfait ?", "Âge"]}
    ...                  ).to_excel(book, sheet_name="survey", index=False)
    ...     pd.DataFrame({"list_name": ["oui_non", "oui_non"], "name": ["1", "0"],
    ...                   "label::Français (fr)": ["Oui", "Non"]}
    ...                  ).to_excel(book, sheet_name="choices", index=False)
    >>> form = read_xlsform(path)
    >>> question = form.codebook["q1"]
    >>> question.type, question.levels, question.codes, form.language
    ('single', ('Oui', 'Non'), ('1', '0'), 'Français (fr)')
    """
    path = Path(path)
    if not path.is_file():
        raise SurveyError("form not found", file=path)
    sheets = _sheets(path)
    if "survey" not in sheets:
        raise SurveyError("not an XLSForm: the workbook has no sheet named 'survey'", file=path)
    survey, choices = sheets["survey"], sheets.get("choices", pd.DataFrame())
    settings = sheets.get("settings", pd.DataFrame())
    label_column = _label_column(survey, settings, language, path)
    chosen = label_column.partition("::")[2] or None
    lists = _choice_lists(choices, label_column, path)
    fields, questions, personal = [], [], {}
    groups: list[tuple[str, str, bool]] = []  # (name, label, is a repeat)
    for number, row in survey.iterrows():
        line = number + 2  # the sheet's row: header on row 1
        kind = " ".join(str(row.get("type") or "").split())
        if not kind:
            continue
        name = str(row.get("name") or "").strip()
        label = str(row.get(label_column) or "").strip()
        base, _, argument = kind.partition(" ")
        base = base.lower()
        if base in ("begin_group", "begin_repeat") or kind.lower() in ("begin group",
                                                                        "begin repeat"):
            groups.append((name, label, "repeat" in kind.lower()))
            continue
        if base in ("end_group", "end_repeat") or kind.lower() in ("end group", "end repeat"):
            if groups:
                groups.pop()
            continue
        if not name:
            raise SurveyError(f"the question of type {kind!r} has no name", file=path, row=line,
                              column="name")
        choice_list = ()
        if base in ("select_one", "select_multiple"):
            list_name = argument.split()[0] if argument else ""
            if list_name not in lists:
                raise SurveyError(f"the list {list_name!r} of question {name} is not in the "
                                  "choices sheet", file=path, row=line, column="type")
            choice_list = lists[list_name]
        repeat = next((group for group, _, is_repeat in reversed(groups) if is_repeat), None)
        fields.append(FormField(name, base, label, choice_list,
                                tuple(group for group, _, _ in groups),
                                tuple(group_label for _, group_label, _ in groups), repeat))
        if base in PERSONAL_TYPES:
            personal[name] = "form"
        question = _question(base, name, label, choice_list, row)
        if question is not None and repeat is None:
            questions.append(question)
    return XLSForm(Codebook(tuple(questions), file=path, personal=personal), tuple(fields),
                   chosen)


def _sheets(path: Path) -> dict[str, pd.DataFrame]:
    try:
        with pd.ExcelFile(path, engine="openpyxl") as book:
            return {name.strip().lower(): pd.read_excel(book, sheet_name=name, dtype=str)
                    .dropna(how="all").fillna("") for name in book.sheet_names}
    except Exception as error:  # openpyxl raises many types for a corrupt file
        raise SurveyError(f"cannot be opened as an XLSForm workbook: {error}",
                          file=path) from None


def _label_column(survey: pd.DataFrame, settings: pd.DataFrame, language: str | None,
                  path: Path) -> str:
    labels = [column for column in survey.columns
              if str(column).lower() == "label" or str(column).lower().startswith("label::")]
    if not labels:
        raise SurveyError("the survey sheet has no label column", file=path, row=1)
    wanted = language
    if wanted is None and "default_language" in settings and len(settings):
        wanted = str(settings["default_language"].iloc[0]).strip() or None
    if wanted is None:
        return labels[0]
    for column in labels:
        named = column.partition("::")[2]
        code = re.search(r"\(([^)]+)\)\s*$", named)
        if wanted in (named, code[1] if code else None):
            return column
    if language is None:  # a default_language the labels do not use
        return labels[0]
    shown = ", ".join(column.partition("::")[2] or "(no language)" for column in labels)
    raise SurveyError(f"the form has no labels in {language!r}; its languages: {shown}",
                      file=path, row=1)


def _choice_lists(choices: pd.DataFrame, label_column: str, path: Path
                  ) -> dict[str, tuple[tuple[str, str], ...]]:
    if choices.empty:
        return {}
    column = label_column if label_column in choices else next(
        (c for c in choices.columns if str(c).lower().startswith("label")), None)
    lists: dict[str, list[tuple[str, str]]] = {}
    for _, row in choices.iterrows():
        list_name = str(row.get("list_name") or row.get("list name") or "").strip()
        name = str(row.get("name") or "").strip()
        if list_name and name:
            label = str(row.get(column) or "").strip() if column else ""
            lists.setdefault(list_name, []).append((name, label or name))
    return {name: tuple(items) for name, items in lists.items()}


def _question(base: str, name: str, label: str, choices, row) -> Question | None:
    if base == "select_one":
        return Question(name, "single", label, levels=tuple(lab for _, lab in choices),
                        codes=tuple(code for code, _ in choices))
    if base == "select_multiple":
        return Question(name, "multiple", label, columns=tuple(code for code, _ in choices),
                        item_labels=tuple(lab for _, lab in choices))
    if base in _NUMERIC:
        bounds = dict(re.findall(r"(start|end)\s*=\s*(-?[\d.]+)", str(row.get("parameters")
                                                                     or "")))
        return Question(name, "numeric", label,
                        minimum=float(bounds["start"]) if "start" in bounds else None,
                        maximum=float(bounds["end"]) if "end" in bounds else None)
    if base in _TEXT:
        return Question(name, "text", label)
    return None
