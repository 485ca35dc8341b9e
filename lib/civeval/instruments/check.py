"""What ``civeval validate`` checks of a study's instruments: the faults ``civeval instrument``
would stop on, found before anything runs.

A study that designs its instruments (an ``instruments:`` key in ``study.yml``, or evaluation
questions that name items) is checked as the command checks it: the question bank, the
study's selection (unknown keys and items with the closest names, profile categories against
the margins, dropped items others are routed on, its own items' routing and levels) and the
items its evaluation questions name. The check reads the bank and the margins, so that
planning runs it with the other data checks, remembered under the digest of what they read
(:mod:`civeval.workbench.checked`); :func:`instrument_files` names the bank for that digest.
"""

from __future__ import annotations

from pathlib import Path

from civeval.errors import InputError
from civeval.instruments.bank import bank_file, load_bank


def designs_instruments(study) -> bool:
    """Whether ``study`` designs instruments from the bank: an ``instruments:`` key, or an
    evaluation question naming items."""
    return bool(study.config.instruments) or any(
        question.items for _, _, question in study.config.questions())


def instrument_files(study) -> list[Path]:
    """The files the check of ``study``'s instruments reads beyond its catalogue: the bank,
    when the study designs instruments."""
    return [bank_file()] if designs_instruments(study) else []


def check_instruments(study) -> None:
    """Raise the first fault ``civeval instrument`` would stop on; nothing for a study that
    does not design instruments.

    Raises
    ------
    InstrumentError
        Located in ``study.yml`` or in the bank (file, line, column), naming the study.

    Examples
    --------
    >>> from civeval.workbench.study import load_study
    >>> check_instruments(load_study("demo-saint-aubin"))  # nothing to say
    """
    if not designs_instruments(study):
        return
    # Selection and coverage need pandas, which planning a study whose checks are
    # remembered does not import.
    from civeval.instruments.coverage import coverage
    from civeval.instruments.select import select_items

    try:
        coverage(study, select_items(study, load_bank()))
    except InputError as error:
        error.study = study.slug
        raise
