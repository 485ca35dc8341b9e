"""Which instrument answers which evaluation question, and which questions nothing answers.

An evaluation question is linked to an instrument two ways: by name (``items:`` of the
question in ``study.yml``, naming questionnaire items, interview-guide questions ``G01``… or
workshop questions ``A01``…) or by indicator (a questionnaire item that feeds one of the
question's ``indicators``). A question with no link gets, as candidates, the instruments of
its criterion, to confirm.
"""

from __future__ import annotations

import difflib

import pandas as pd

from civeval.errors import InstrumentError
from civeval.instruments.select import Selection

# Each status is shown to readers as the catalogue's ``instruments.status.<status>``.
COVERED, DATA_ONLY, TO_CONFIRM, UNCOVERED = "covered", "data only", "to confirm", "uncovered"

def coverage(study, selection: Selection) -> pd.DataFrame:
    """One row per evaluation question: what answers it, and whether an instrument does.

    Returns
    -------
    DataFrame
        ``criterion``, ``question``, ``items`` (questionnaire items), ``guide_questions``,
        ``workshop_questions``, ``indicators`` (the question's, then those its items feed),
        ``candidates`` (instruments of its criterion, when nothing is linked) and
        ``status``: ``covered``, ``data only`` (indicators but no instrument),
        ``to confirm`` (only candidates) or ``uncovered``.

    Raises
    ------
    InstrumentError
        A question names an item or guide question the instruments do not have (with the
        closest names), located in ``study.yml``.

    Examples
    --------
    >>> from civeval.instruments.bank import load_bank
    >>> from civeval.instruments.select import select_items
    >>> from civeval.workbench.study import load_study
    >>> study = load_study("demo-val-de-brenne")
    >>> table = coverage(study, select_items(study, load_bank()))
    >>> table[["criterion", "status"]].to_dict("records")[0]
    {'criterion': 'pertinence', 'status': 'to confirm'}
    """
    items = {item.name: item for item in selection.items}
    guide = {question.id: theme for theme in selection.guide_themes
             for question in theme.questions}
    workshop = {question.id: question for question in selection.bank.workshop_questions}
    known = [*items, *guide, *workshop]
    rows = []
    for criterion, position, question in study.config.questions():
        for index, name in enumerate(question.items):
            if name not in known:
                close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
                hint = f" (did you mean {' or '.join(close)}?)" if close else ""
                raise InstrumentError(
                    f"evaluation question « {question.question} » names {name!r}, which is "
                    f"neither an item nor a guide or workshop question of the study{hint}",
                    **study.where("evaluation_questions", criterion.value, position, "items",
                                  index))
        linked = [name for name in question.items if name in items]
        linked += [name for name, item in items.items()
                   if item.feeds in question.indicators and name not in linked]
        guide_questions = [name for name in question.items if name in guide]
        workshop_questions = [name for name in question.items if name in workshop]
        fed = [items[name].feeds for name in linked if items[name].feeds]
        indicators = list(dict.fromkeys([*question.indicators, *fed]))
        candidates = []
        if linked or guide_questions or workshop_questions:
            status = COVERED
        elif question.indicators:
            status = DATA_ONLY
        else:
            candidates = [*[name for name, item in items.items()
                            if item.criterion == criterion.value],
                          *[name for name, theme in guide.items()
                            if theme.criterion == criterion.value],
                          *[name for name, found in workshop.items()
                            if found.criterion == criterion.value]]
            status = TO_CONFIRM if candidates else UNCOVERED
        rows.append({"criterion": criterion.value, "question": question.question,
                     "items": linked, "guide_questions": guide_questions,
                     "workshop_questions": workshop_questions, "indicators": indicators,
                     "candidates": candidates, "status": status})
    return pd.DataFrame(rows, columns=["criterion", "question", "items", "guide_questions",
                                       "workshop_questions", "indicators", "candidates",
                                       "status"])
