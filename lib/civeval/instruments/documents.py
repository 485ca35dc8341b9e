"""The printed instruments: paper questionnaire, interview guides, workshop protocol and
observation grid, as blocks (:mod:`civeval.instruments.blocks`); and the spreadsheets to fill
in (observation grid, dot-vote sheet) and the interview codebook, in the formats the readers
of :mod:`civeval.qual` take.

The paper questionnaire carries the same codes as the online forms, so that answers typed in
from paper join the export. Texts are in the study's language (French or English).
"""

from __future__ import annotations

import io

import pandas as pd
from openpyxl.worksheet.datavalidation import DataValidation

from civeval.instruments.bank import Item
from civeval.instruments.blocks import Block, Boxes, Bullets, Heading, Paragraph, Table
from civeval.instruments.forms import answers
from civeval.instruments.select import Selection
from civeval.presentation import i18n
from civeval.presentation.spreadsheets import keep_as_text
from civeval.qual.observation import FACILITATION, SHEETS


def paper_questionnaire(selection: Selection, items, language: str = "fr") -> list[Block]:
    """The questionnaire on paper: numbered questions, boxes with their codes, routing said
    in words."""
    t = i18n.translator(language)
    blocks: list[Block] = [Paragraph(t("instruments.intro")),
                           Paragraph(t("instruments.paper_intro"), True)]
    numbers = {item.name: number for number, item in enumerate(items, start=1)}
    theme = None
    for item in items:
        if item.theme != theme:
            theme = item.theme
            blocks.append(Heading(selection.bank.themes[theme][language]))
        blocks.append(Heading(f"{numbers[item.name]}. {item.text(language)}  [{item.name}]", 2))
        if item.ask_if is not None:
            target = next(other for other in items if other.name == item.ask_if.item)
            chosen = [choice.text(language) for choice in answers(target)
                      if choice.code in item.ask_if.answers]
            blocks.append(Paragraph(t(
                "instruments.routing", answers=" / ".join(chosen), number=numbers[target.name],
                name=target.name), True))
        blocks += _answer_blocks(item, language)
    return blocks


def _answer_blocks(item: Item, language: str) -> list[Block]:
    t = i18n.translator(language)
    if item.type == "multiple":
        return [Paragraph(t("instruments.several"), True),
                Boxes(tuple((choice.code, choice.text(language)) for choice in item.levels))]
    if item.levels:
        return [Boxes(tuple((choice.code, choice.text(language)) for choice in answers(item)))]
    if item.type == "numeric":
        return [Paragraph(f"{t('instruments.number')} |__|__|__|")]
    return [Paragraph(t("instruments.write")), Table(("",), (), blank_rows=4)]


def interview_guide(selection: Selection, group: str, language: str = "fr") -> list[Block]:
    """The guide of one stakeholder group: its questions by theme, with probes, and the
    themes and codes the interviews will be coded with."""
    t = i18n.translator(language)
    blocks: list[Block] = [Paragraph(t("instruments.guide_intro"), True)]
    for theme in selection.guide_themes:
        questions = [question for question in theme.questions if group in question.groups]
        if not questions:
            continue
        blocks += [Heading(theme.name), Paragraph(theme.en if language == "en" else theme.fr,
                                                  True)]
        for question in questions:
            blocks.append(Heading(f"{question.id}. {question.text(language)}", 2))
            if question.probes(language):
                blocks.append(Paragraph(t("instruments.probes",
                                          probes=question.probes(language))))
    blocks += [Heading(t("instruments.coding")), Paragraph(t("instruments.coding_intro"), True),
               Table((t("instruments.theme"), t("instruments.code"),
                      t("instruments.description")),
                     tuple(row for theme in selection.guide_themes for row in
                           [(theme.name, "", theme.en if language == "en" else theme.fr),
                            *[(theme.name, code, description)
                              for code, description in theme.codes]]))]
    return blocks


def workshop_protocol(selection: Selection, language: str = "fr") -> list[Block]:
    """Agenda, questions, priority grid and dot-vote sheet of the evaluation workshop."""
    t = i18n.translator(language)
    bank = selection.bank
    return [
        Heading(t("instruments.agenda")),
        Table((t("instruments.step"), t("instruments.minutes")),
              tuple((step.en if language == "en" else step.fr, str(step.minutes))
                    for step in bank.steps)),
        Heading(t("instruments.questions")),
        Bullets(tuple(f"{question.id}. {question.en if language == 'en' else question.fr}"
                      for question in bank.workshop_questions)),
        Heading(t("instruments.grid")), Paragraph(t("instruments.grid_intro"), True),
        Table((t("instruments.proposal"), t("instruments.impact"), t("instruments.effort"),
               t("instruments.priority")), (),
              blank_rows=10),
        Heading(t("instruments.dots")), Paragraph(t("instruments.dots_intro"), True),
        Table(DOT_VOTE_COLUMNS, (), blank_rows=14),
    ]


def observation_sheet(selection: Selection, language: str = "fr") -> list[Block]:
    """The printable observation grid: sessions, attendees, turns and events to note."""
    t = i18n.translator(language)
    return [
        Paragraph(t("instruments.observation_intro"), True),
        Heading(t("instruments.events")),
        Table((t("instruments.code"), t("instruments.description")),
              tuple((event.code, event.text(language)) for event in selection.bank.events)),
        Heading(t("instruments.sessions")), Table(SHEETS["seances"], (), blank_rows=2),
        Heading(t("instruments.attendees")), Table(SHEETS["presents"], (), blank_rows=8),
        Heading(t("instruments.turns")), Table(SHEETS["interventions"], (), blank_rows=30),
        Heading(t("instruments.event_table")), Table(SHEETS["evenements"], (), blank_rows=12),
    ]


# --- files to fill in --------------------------------------------------------------------------

DOT_VOTE_COLUMNS = ("atelier", "proposition", "groupe", "gommettes", "participants")


def observation_workbook(selection: Selection) -> bytes:
    """``grille_observation.xlsx``: one sheet per table of
    :mod:`civeval.qual.observation`, with drop-down lists for roles, genders and event
    codes, and a sheet ``codes`` saying what each code means."""
    roles = [*selection.groups, FACILITATION]
    events = [event.code for event in selection.bank.events]
    lists = {"role": roles, "genre": ["F", "H"], "evenement": events}
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as book:
        for sheet, columns in SHEETS.items():
            pd.DataFrame(columns=list(columns)).to_excel(book, sheet_name=sheet, index=False)
            worksheet = book.sheets[sheet]
            for position, column in enumerate(columns):
                letter = chr(ord("A") + position)
                worksheet.column_dimensions[letter].width = 16
                if column in lists:
                    # Facilitators speak but are not counted among those present.
                    values = list(selection.groups) if (sheet, column) == ("presents", "role") \
                        else lists[column]
                    check = DataValidation(type="list", formula1=f'"{",".join(values)}"',
                                           allow_blank=True)
                    check.add(f"{letter}2:{letter}1000")
                    worksheet.add_data_validation(check)
        codes = pd.DataFrame(
            [("evenement", event.code, event.fr) for event in selection.bank.events]
            + [("role", role, label["fr"]) for role, label in selection.groups.items()]
            + [("role", FACILITATION, "Animation (non comptée parmi les présents)"),
               ("genre", "F", "Femme"), ("genre", "H", "Homme")],
            columns=["colonne", "code", "signification"])
        codes.to_excel(book, sheet_name="codes", index=False)
        keep_as_text(book.sheets["codes"])  # the study's group labels
    return buffer.getvalue()


def dot_vote_workbook() -> bytes:
    """``gommettes.xlsx``: the dot-vote sheet, headed as the ``workshop`` format reads it."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as book:
        pd.DataFrame(columns=list(DOT_VOTE_COLUMNS)).to_excel(book, sheet_name="gommettes",
                                                              index=False)
        keep_as_text(book.sheets["gommettes"])
    return buffer.getvalue()


def interview_codebook(selection: Selection) -> str:
    """``codebook_entretiens.csv`` (``code;parent;description``): the guide's themes and
    their codes, the codebook 20_entretiens reads (:func:`civeval.qual.read_codebook`)."""
    rows = []
    for theme in selection.guide_themes:
        rows.append((theme.name, "", theme.fr))
        rows += [(code, theme.name, description) for code, description in theme.codes]
    table = pd.DataFrame(rows, columns=["code", "parent", "description"])
    return table.to_csv(sep=";", index=False)
