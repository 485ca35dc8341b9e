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
from civeval.instruments.forms import INTRO, answers
from civeval.instruments.select import Selection
from civeval.qual.observation import FACILITATION, SHEETS

TEXT = {
    "fr": {
        "paper": "Questionnaire papier",
        "paper_intro": "Cochez une case par question, sauf indication contraire. Le code à "
                       "droite de chaque réponse sert à la saisie.",
        "several": "Plusieurs réponses possibles.",
        "routing": "Seulement si vous avez répondu « {answers} » à la question {number} "
                   "({name}).",
        "write": "Écrivez votre réponse :",
        "number": "Indiquez un nombre :",
        "guide": "Guide d'entretien — {group}",
        "guide_intro": "Présenter l'évaluation, sa durée (environ une heure) et son usage : "
                       "les propos sont analysés de façon anonyme, les citations sont "
                       "pseudonymisées et attribuées au seul groupe d'acteurs. Demander "
                       "l'accord pour l'enregistrement et pour la prise de notes.",
        "probes": "Relances : {probes}",
        "coding": "Thèmes et codes de l'analyse",
        "coding_intro": "Ces thèmes forment la grille de codage des entretiens "
                        "(codebook_entretiens.csv, lu par la section 20_entretiens).",
        "theme": "Thème", "code": "Code", "description": "Description",
        "workshop": "Protocole d'atelier",
        "agenda": "Déroulé", "step": "Étape", "minutes": "Durée (min)",
        "questions": "Questions posées aux sous-groupes",
        "grid": "Grille de priorisation",
        "grid_intro": "Chaque proposition reçoit un impact attendu et un effort de 1 à 3 ; "
                      "priorité = impact × (4 − effort), comme dans le plan d'action.",
        "proposal": "Proposition", "impact": "Impact (1-3)", "effort": "Effort (1-3)",
        "priority": "Priorité",
        "dots": "Feuille de vote par gommettes",
        "dots_intro": "Une ligne par proposition et par groupe d'acteurs (table) ; à saisir "
                      "dans gommettes.xlsx, lu par le format « workshop » du catalogue.",
        "observation": "Grille d'observation des échanges",
        "observation_intro": "Noter chaque prise de parole (qui, de quel groupe, début et "
                             "fin) et chaque événement d'animation. Les personnes sont "
                             "désignées par un code (P01, P02…), jamais par leur nom. À "
                             "saisir dans grille_observation.xlsx.",
        "events": "Événements à noter",
        "sessions": "Séance", "attendees": "Présents (hors animation)",
        "turns": "Prises de parole", "event_table": "Événements",
    },
    "en": {
        "paper": "Paper questionnaire",
        "paper_intro": "Tick one box per question unless told otherwise. The code beside each "
                       "answer is for data entry.",
        "several": "Several answers possible.",
        "routing": "Only if you answered « {answers} » to question {number} ({name}).",
        "write": "Write your answer:",
        "number": "Write a number:",
        "guide": "Interview guide — {group}",
        "guide_intro": "Present the evaluation, how long the interview takes (about an hour) "
                       "and how it is used: what is said is analysed anonymously, quotes are "
                       "pseudonymised and attributed to the stakeholder group only. Ask for "
                       "consent to record and to take notes.",
        "probes": "Probes: {probes}",
        "coding": "Themes and codes of the analysis",
        "coding_intro": "These themes make the interviews' coding frame "
                        "(codebook_entretiens.csv, read by the 20_entretiens section).",
        "theme": "Theme", "code": "Code", "description": "Description",
        "workshop": "Workshop protocol",
        "agenda": "Agenda", "step": "Step", "minutes": "Minutes",
        "questions": "Questions for the small groups",
        "grid": "Priority grid",
        "grid_intro": "Each proposal gets an expected impact and an effort from 1 to 3; "
                      "priority = impact × (4 − effort), as in the action plan.",
        "proposal": "Proposal", "impact": "Impact (1-3)", "effort": "Effort (1-3)",
        "priority": "Priority",
        "dots": "Dot-vote sheet",
        "dots_intro": "One row per proposal and stakeholder group (table); type it into "
                      "gommettes.xlsx, read by the catalogue format « workshop ».",
        "observation": "Observation grid of exchanges",
        "observation_intro": "Note every turn (who, which group, start and end) and every "
                             "facilitation event. People are named by a code (P01, P02…), "
                             "never by name. Type it into grille_observation.xlsx.",
        "events": "Events to note",
        "sessions": "Session", "attendees": "Present (facilitators excluded)",
        "turns": "Turns", "event_table": "Events",
    },
}


def paper_questionnaire(selection: Selection, items, language: str = "fr") -> list[Block]:
    """The questionnaire on paper: numbered questions, boxes with their codes, routing said
    in words."""
    text = TEXT[language]
    blocks: list[Block] = [Paragraph(INTRO[language]), Paragraph(text["paper_intro"], True)]
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
            blocks.append(Paragraph(text["routing"].format(
                answers=" / ".join(chosen), number=numbers[target.name], name=target.name),
                True))
        blocks += _answer_blocks(item, language)
    return blocks


def _answer_blocks(item: Item, language: str) -> list[Block]:
    text = TEXT[language]
    if item.type == "multiple":
        return [Paragraph(text["several"], True),
                Boxes(tuple((choice.code, choice.text(language)) for choice in item.levels))]
    if item.levels:
        return [Boxes(tuple((choice.code, choice.text(language)) for choice in answers(item)))]
    if item.type == "numeric":
        return [Paragraph(f"{text['number']} |__|__|__|")]
    return [Paragraph(text["write"]), Table(("",), (), blank_rows=4)]


def interview_guide(selection: Selection, group: str, language: str = "fr") -> list[Block]:
    """The guide of one stakeholder group: its questions by theme, with probes, and the
    themes and codes the interviews will be coded with."""
    text = TEXT[language]
    blocks: list[Block] = [Paragraph(text["guide_intro"], True)]
    for theme in selection.guide_themes:
        questions = [question for question in theme.questions if group in question.groups]
        if not questions:
            continue
        blocks += [Heading(theme.name), Paragraph(theme.en if language == "en" else theme.fr,
                                                  True)]
        for question in questions:
            blocks.append(Heading(f"{question.id}. {question.text(language)}", 2))
            if question.probes(language):
                blocks.append(Paragraph(text["probes"].format(probes=question.probes(language))))
    blocks += [Heading(text["coding"]), Paragraph(text["coding_intro"], True),
               Table((text["theme"], text["code"], text["description"]),
                     tuple(row for theme in selection.guide_themes for row in
                           [(theme.name, "", theme.en if language == "en" else theme.fr),
                            *[(theme.name, code, description)
                              for code, description in theme.codes]]))]
    return blocks


def workshop_protocol(selection: Selection, language: str = "fr") -> list[Block]:
    """Agenda, questions, priority grid and dot-vote sheet of the evaluation workshop."""
    text = TEXT[language]
    bank = selection.bank
    return [
        Heading(text["agenda"]),
        Table((text["step"], text["minutes"]),
              tuple((step.en if language == "en" else step.fr, str(step.minutes))
                    for step in bank.steps)),
        Heading(text["questions"]),
        Bullets(tuple(f"{question.id}. {question.en if language == 'en' else question.fr}"
                      for question in bank.workshop_questions)),
        Heading(text["grid"]), Paragraph(text["grid_intro"], True),
        Table((text["proposal"], text["impact"], text["effort"], text["priority"]), (),
              blank_rows=10),
        Heading(text["dots"]), Paragraph(text["dots_intro"], True),
        Table(DOT_VOTE_COLUMNS, (), blank_rows=14),
    ]


def observation_sheet(selection: Selection, language: str = "fr") -> list[Block]:
    """The printable observation grid: sessions, attendees, turns and events to note."""
    text = TEXT[language]
    return [
        Paragraph(text["observation_intro"], True),
        Heading(text["events"]),
        Table((text["code"], text["description"]),
              tuple((event.code, event.text(language)) for event in selection.bank.events)),
        Heading(text["sessions"]), Table(SHEETS["seances"], (), blank_rows=2),
        Heading(text["attendees"]), Table(SHEETS["presents"], (), blank_rows=8),
        Heading(text["turns"]), Table(SHEETS["interventions"], (), blank_rows=30),
        Heading(text["event_table"]), Table(SHEETS["evenements"], (), blank_rows=12),
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
    return buffer.getvalue()


def dot_vote_workbook() -> bytes:
    """``gommettes.xlsx``: the dot-vote sheet, headed as the ``workshop`` format reads it."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as book:
        pd.DataFrame(columns=list(DOT_VOTE_COLUMNS)).to_excel(book, sheet_name="gommettes",
                                                              index=False)
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
