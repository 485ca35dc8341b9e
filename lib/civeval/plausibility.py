"""Data plausibility checks: cheap tests that catch broken data before a client reads it.

Statistics computed right on wrong data are still wrong. Before any section runs, the
planning step runs every check that applies to the study's catalogue: winners whose cost
exceeds the edition's envelope, winners that do not follow the vote rule the file declares,
district files whose ballots exceed the city-wide vote, winners of a tracking table absent
from the vote file, dates out of order, shares outside 0–100 %. ``civeval validate`` prints
what fails; the run shows it on the study's status page and does not produce the client
report (``90_rapport``) until each failure is fixed or acknowledged in ``study.yml`` with
a reason, which the report then states among its limits::

    acknowledge:
      - check: winners_within_budget
        dataset: vote_2024          # optional: only this dataset's failure
        reason: "La commune a complété l'enveloppe de 43 819 € en cours d'année."

The checks are a table of ``check id → "module:function"``, resolved on first use, like the
catalogue formats; each function takes the study and returns its :class:`Failure` s.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from civeval.errors import StudyError, combine

CHECKS: dict[str, str] = {
    "winners_within_budget": "civeval.participation.vote_checks:check_winners_within_budget",
    "winners_follow_rule": "civeval.participation.vote_checks:check_winners_follow_rule",
    "district_votes_within_city":
        "civeval.participation.vote_checks:check_district_votes_within_city",
    "tracking_winners_in_vote": "civeval.transparency.checks:check_tracking_winners_in_vote",
    "tracking_within_budget": "civeval.transparency.checks:check_tracking_within_budget",
    "dates_in_order": "civeval.transparency.checks:check_dates_in_order",
}


@dataclass(frozen=True)
class Failure:
    """A check that failed, for one dataset (or for the study's recorded figures)."""

    check: str
    message: str
    dataset: str | None = None

    def __str__(self) -> str:
        where = f"data.{self.dataset}: " if self.dataset else ""
        return f"{self.check}: {where}{self.message}"


@cache
def _resolve(target: str) -> Callable:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def check_acknowledgements(study) -> None:
    """Refuse, with file, line and column, an acknowledgement that names an unknown check or
    a dataset the catalogue does not have."""
    problems = []
    for index, item in enumerate(study.config.acknowledge):
        if item.check not in CHECKS:
            close = difflib.get_close_matches(item.check, list(CHECKS), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(StudyError(
                f"acknowledge: no check named {item.check!r}{hint}; checks: "
                f"{', '.join(sorted(CHECKS))}", **study.where("acknowledge", index, "check")))
        if item.dataset is not None and item.dataset not in study.config.data:
            problems.append(StudyError(
                f"acknowledge: no dataset named {item.dataset!r} in the catalogue",
                **study.where("acknowledge", index, "dataset")))
    if problems:
        raise combine(problems)


def run_checks(study) -> list[Failure]:
    """Every check on the study, in the table's order."""
    return [failure for target in CHECKS.values() for failure in _resolve(target)(study)]


def unacknowledged(study, failures: list[Failure]) -> list[Failure]:
    """The failures ``study.yml`` does not acknowledge (an acknowledgement without a dataset
    covers every dataset of its check)."""
    acknowledged = [(item.check, item.dataset) for item in study.config.acknowledge]
    return [failure for failure in failures
            if (failure.check, None) not in acknowledged
            and (failure.check, failure.dataset) not in acknowledged]


def _out_of_range(record) -> bool:
    return (record.kind == "percent" and isinstance(record.value, int | float)
            and not isinstance(record.value, bool) and not 0 <= record.value <= 1)


def shares_out_of_range(records) -> list[Failure]:
    """Recorded shares (kind percent) outside 0–100 %: a computation on broken data (more
    voters than inhabitants, say)."""
    return [Failure("shares_in_range", f"{record.label} is {record.value:.1%}, outside "
                                       "0-100 %", dataset=record.key)
            for record in records if _out_of_range(record)]


def conclusive(records: dict) -> dict:
    """The records a conclusion may rest on: ``records`` (key → evidence) without the shares
    outside 0–100 %, which the main report states among its limits instead."""
    return {key: record for key, record in records.items() if not _out_of_range(record)}
