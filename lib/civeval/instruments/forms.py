"""The questionnaire as the survey tools take it: an XLSForm for KoboToolbox and ODK, the
LimeSurvey tab-separated survey structure, and the codebook ``10_questionnaire`` reads.

The three share every name and code: an item's name is its question code in LimeSurvey and
its field name in the XLSForm, an answer's code is the XLSForm choice name and the LimeSurvey
answer code (a multiple-choice option is a LimeSurvey sub-question code), so that an export
of either tool, headed by codes (« XML values », « Question code » / « Answer codes ») or by
texts, is read by :func:`civeval.survey.io.read_survey` with the codebook and no mapping.
Labels are in French, with English beside (the XLSForm's ``label::English (en)``, the
LimeSurvey survey's second language).
"""

from __future__ import annotations

import io

import pandas as pd
import yaml

from civeval.errors import InstrumentError
from civeval.instruments.bank import Item
from civeval.presentation import i18n
from civeval.presentation.spreadsheets import keep_as_text

FRENCH, ENGLISH = "Français (fr)", "English (en)"
LANGUAGES = {"fr": FRENCH, "en": ENGLISH}
_XLSFORM_TYPES = {"likert": "select_one", "single": "select_one",
                  "multiple": "select_multiple", "numeric": "integer", "text": "text"}
_LIMESURVEY_TYPES = {"likert": "L", "single": "L", "multiple": "M", "numeric": "N",
                     "text": "T"}
LIMESURVEY_COLUMNS = ("id", "related_id", "class", "type/scale", "name", "relevance", "text",
                      "help", "language", "validation", "mandatory", "other", "default",
                      "same_default")


def intro(language: str) -> str:
    """The questionnaire's opening note (anonymity, length), in ``language``.

    >>> intro("en").split(":")[0]
    'This questionnaire evaluates the participation scheme. It is anonymous'
    """
    return i18n.translator(language)("instruments.intro")


def answers(item: Item):
    """The item's answers in order, the non-substantive one (« Ne sait pas ») last."""
    return [*item.levels, *([item.missing] if item.missing else [])]


# --- XLSForm ---------------------------------------------------------------------------------

def xlsform_sheets(items, title: str, form_id: str, themes: dict) -> dict[str, pd.DataFrame]:
    """The ``survey``, ``choices`` and ``settings`` sheets of the XLSForm.

    Items are grouped by theme (a ``begin_group`` each, which Kobo's exports write as
    ``theme/name``); each choice list is named after its item.
    """
    survey, choices = [], []

    def row(kind, name, fr="", en="", relevant="", **extra):
        survey.append({"type": kind, "name": name, f"label::{FRENCH}": fr,
                       f"label::{ENGLISH}": en, "relevant": relevant, **extra})

    row("note", "intro", intro("fr"), intro("en"))
    theme = None
    for item in items:
        if item.theme != theme:
            if theme is not None:
                row("end_group", "")
            theme = item.theme
            row("begin_group", theme, themes[theme]["fr"], themes[theme]["en"])
        kind = _XLSFORM_TYPES[item.type]
        extra = {}
        if item.type == "numeric" and (item.minimum is not None or item.maximum is not None):
            extra["constraint"] = " and ".join(
                part for part in (f". >= {item.minimum:g}" if item.minimum is not None else "",
                                  f". <= {item.maximum:g}" if item.maximum is not None else "")
                if part)
        if kind.startswith("select"):
            kind = f"{kind} {item.name}"
            choices += [{"list_name": item.name, "name": choice.code,
                         f"label::{FRENCH}": choice.fr, f"label::{ENGLISH}": choice.en}
                        for choice in answers(item)]
        row(kind, item.name, item.fr, item.en, _xlsform_relevant(item), **extra)
    if theme is not None:
        row("end_group", "")
    settings = [{"form_title": title, "form_id": form_id, "default_language": FRENCH,
                 "version": "1"}]
    return {"survey": pd.DataFrame(survey).fillna(""), "choices": pd.DataFrame(choices),
            "settings": pd.DataFrame(settings)}


def _xlsform_relevant(item: Item) -> str:
    if item.ask_if is None:
        return ""
    return " or ".join(f"${{{item.ask_if.item}}} = '{answer}'" for answer in item.ask_if.answers)


def xlsform_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """The XLSForm workbook, checked by converting it to an XForm with pyxform.

    Raises
    ------
    InstrumentError
        pyxform refuses the form (a bug of the writer or a bank item pyxform cannot take).
    """
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as book:
        for name, sheet in sheets.items():
            sheet.to_excel(book, sheet_name=name, index=False)
            keep_as_text(book.sheets[name])  # labels may come from the study.yml
    data = buffer.getvalue()
    check_xlsform(data)
    return data


def check_xlsform(data: bytes) -> str:
    """The XForm (XML) pyxform makes of an XLSForm, or an error saying why it cannot."""
    from pyxform.errors import PyXFormError
    from pyxform.xls2xform import convert

    try:
        return convert(xlsform=data, file_type=".xlsx").xform
    except PyXFormError as error:
        raise InstrumentError(f"pyxform refuses the generated XLSForm: {error}") from None


# --- LimeSurvey ------------------------------------------------------------------------------

def limesurvey_structure(items, title: str, themes: dict) -> str:
    """The survey in LimeSurvey's tab-separated structure format (« Import survey »,
    ``.txt``): settings, then per language its groups, questions, sub-questions and answers,
    French first.

    >>> from civeval.instruments.bank import load_bank
    >>> text = limesurvey_structure([load_bank().item("infoclaire")], "Test",
    ...                             load_bank().themes)
    >>> [line.split("\\t")[2:5] for line in text.splitlines()[7:10]]
    [['G', '', 'Information et compréhension du dispositif'], ['Q', 'L', 'infoclaire'], \
['A', '0', '4']]
    """
    rows: list[dict] = []
    for name, value in (("language", "fr"), ("additional_languages", "en"),
                        ("format", "G"), ("anonymized", "Y")):
        rows.append({"class": "S", "name": name, "text": value})
    for language in ("fr", "en"):
        rows.append({"class": "SL", "name": "surveyls_title", "text": title,
                     "language": language})
    for language in ("fr", "en"):
        group_id = 0
        theme = None
        for question_id, item in enumerate(items, start=1):
            if item.theme != theme:
                theme, group_id = item.theme, group_id + 1
                rows.append({"id": group_id, "class": "G", "name": themes[theme][language],
                             "relevance": "1", "language": language,
                             "text": intro(language) if group_id == 1 else ""})
            rows.append({"id": question_id, "class": "Q",
                         "type/scale": _LIMESURVEY_TYPES[item.type], "name": item.name,
                         "relevance": _limesurvey_relevance(item),
                         "text": item.text(language), "language": language,
                         "mandatory": "N", "other": "N", "same_default": "0"})
            if item.type == "multiple":
                rows += [{"id": question_id, "related_id": question_id, "class": "SQ",
                          "type/scale": "0", "name": choice.code, "relevance": "1",
                          "text": choice.text(language), "language": language}
                         for choice in item.levels]
            elif item.levels:
                rows += [{"id": question_id, "class": "A", "type/scale": "0",
                          "name": choice.code, "text": choice.text(language),
                          "language": language} for choice in answers(item)]
    lines = ["\t".join(LIMESURVEY_COLUMNS)]
    lines += ["\t".join(_cell(row.get(column, "")) for column in LIMESURVEY_COLUMNS)
              for row in rows]
    return "\n".join(lines) + "\n"


def _cell(value) -> str:
    return " ".join(str(value).split())  # a tab or a line break would break the row


def _limesurvey_relevance(item: Item) -> str:
    if item.ask_if is None:
        return "1"
    return " or ".join(f'{item.ask_if.item}.NAOK == "{answer}"' for answer in item.ask_if.answers)


# --- codebook --------------------------------------------------------------------------------

def codebook_records(items, language: str = "fr") -> list[dict]:
    """The codebook of :mod:`civeval.survey.codebook` for the items: labels in ``language``
    (a profile item keeps its margins' categories), every answer code given, the
    non-substantive answer declared ``missing`` by its label and by its code."""
    records = []
    for item in items:
        record = {"id": item.name, "type": item.type, "label": item.text(language)}
        if item.type in ("likert", "single"):
            record["levels"] = [choice.fr if item.margin else choice.text(language)
                                for choice in item.levels]
            record["codes"] = [choice.code for choice in item.levels]
            if item.missing is not None:
                record["missing"] = [item.missing.text(language), item.missing.code]
        elif item.type == "multiple":
            record["columns"] = [choice.code for choice in item.levels]
            record["item_labels"] = [choice.text(language) for choice in item.levels]
        elif item.type == "numeric":
            record.update({key: value for key, value in (("minimum", item.minimum),
                                                          ("maximum", item.maximum))
                           if value is not None})
        records.append(record)
    return records


def codebook_yaml(items, title: str, language: str = "fr") -> str:
    """The codebook as YAML, headed by a comment saying where it comes from.

    >>> from civeval.instruments.bank import load_bank
    >>> print(codebook_yaml([load_bank().item("sexe")], "Test"))  # doctest: +ELLIPSIS
    # Codebook of « Test »...
    questions:
    - id: sexe
      type: single
      label: Vous êtes…
      levels:
      - Une femme
      - Un homme
      codes:
      - F
      - H
    <BLANKLINE>
    """
    head = (f"# Codebook of « {title} », written by `civeval instrument` from the question "
            "bank:\n# catalogue it as the survey's codebook (options: {codebook: …}).\n")
    return head + yaml.safe_dump({"questions": codebook_records(items, language)},
                                 allow_unicode=True, sort_keys=False, width=1000)
