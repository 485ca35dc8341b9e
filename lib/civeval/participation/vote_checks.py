"""Plausibility checks of a study's vote files (see :mod:`civeval.plausibility`).

Cheap tests that catch a broken or misread vote before a client reads figures computed from
it, each run on every vote dataset of the catalogue, bound as
:func:`civeval.participation.votes.study_votes` binds them:

- :func:`check_winners_within_budget`: the winners cost no more than the envelope (the
  file's META ``budget``, else the edition's ``budget`` in ``study.yml``);
- :func:`check_winners_follow_rule`: the file's ``selected`` winners are those its rule
  funds, recomputed by ``pabutools`` (:mod:`civeval.participation.winners`) when the rule
  can be run;
- :func:`check_district_votes_within_city`: no district file has more ballots than the
  city-wide file of the same edition has voters, and the district envelopes add up to no
  more than the city-wide one.

Messages are for the analyst, in English, with the figures that disagree.
"""

from __future__ import annotations

import pandas as pd

from civeval.participation import votes as vote_files
from civeval.participation import winners as rules
from civeval.plausibility import Failure

__all__ = ["check_district_votes_within_city", "check_winners_follow_rule",
           "check_winners_within_budget"]

# Costs are written with cents at most: a smaller excess is rounding.
TOLERANCE = 0.005


def _amount(value: float, currency: str) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".") + f" {currency}"


def _edition_budget(study, vote) -> float | None:
    """The ``budget`` that ``study.yml`` declares for the vote's edition, when one scheme
    declares that edition (the dataset's scheme, else any)."""
    entry = study.config.data[vote.dataset]
    schemes = [study.scheme(entry.scheme)] if entry.scheme else study.schemes
    found = [edition.budget for scheme in schemes for edition in scheme.editions
             if edition.label == vote.edition]
    return found[0] if len(found) == 1 else None


def check_winners_within_budget(study) -> list[Failure]:
    """Winners whose total cost exceeds the vote's envelope.

    The envelope is the file's META ``budget``, else the ``budget`` that ``study.yml``
    declares for the edition. A file whose winners are unknown (no ``selected`` column and
    a rule that cannot be run) or without an envelope is not checked.

    Examples
    --------
    >>> from civeval import load_study
    >>> check_winners_within_budget(load_study("demo-saint-aubin"))
    []
    """
    failures = []
    for vote in vote_files.study_votes(study):
        budget, where = vote.budget, "META budget"
        if budget is None:
            budget, where = _edition_budget(study, vote), "the edition's budget in study.yml"
        result = rules.outcome(rules.winners(vote.summary), budget)
        if budget is None or pd.isna(result["spent"]):
            continue
        if result["spent"] > budget + TOLERANCE:
            failures.append(Failure(
                "winners_within_budget",
                f"the {result['winners']} winners cost {_amount(result['spent'], vote.currency)}"
                f", more than the envelope of {_amount(budget, vote.currency)} ({where})",
                vote.dataset))
    return failures


def check_winners_follow_rule(study) -> list[Failure]:
    """Winners in the file's ``selected`` column that its rule, recomputed, does not fund.

    Only files with a ``selected`` column and a rule that ``pabutools`` can run
    (:func:`civeval.participation.winners.rule_problem`) are checked.

    Examples
    --------
    >>> from civeval import load_study
    >>> check_winners_follow_rule(load_study("demo-saint-aubin"))
    []
    """
    failures = []
    for vote in vote_files.study_votes(study):
        table = rules.winners(vote.summary)
        if table.attrs["source"] != "file":
            continue
        computed = rules.recomputed_winners(vote.summary)
        if computed is None:
            continue
        selected = set(table.loc[table["winner"].astype(bool), "project_id"])
        missing = [pid for pid in computed if pid not in selected]
        extra = [pid for pid in table["project_id"] if pid in selected and pid not in computed]
        if missing or extra:
            parts = []
            if extra:
                parts.append(f"selected but not funded by the rule: {', '.join(extra)}")
            if missing:
                parts.append(f"funded by the rule but not selected: {', '.join(missing)}")
            failures.append(Failure(
                "winners_follow_rule",
                f"the file's winners (column selected) differ from those of its rule "
                f"{vote.summary.rule!r}, recomputed with pabutools: {'; '.join(parts)}",
                vote.dataset))
    return failures


def check_district_votes_within_city(study) -> list[Failure]:
    """District files with more ballots than the city-wide vote of their edition has
    voters, and district envelopes that add up to more than the city-wide one.

    Examples
    --------
    >>> from civeval import load_study
    >>> check_district_votes_within_city(load_study("demo-saint-aubin"))
    []
    """
    failures = []
    votes = vote_files.study_votes(study)
    for edition in dict.fromkeys(vote.edition for vote in votes):
        city = next((v for v in votes if v.edition == edition and v.citywide), None)
        parts = [v for v in votes if v.edition == edition and not v.citywide]
        if city is None or not parts:
            continue
        for part in parts:
            if part.ballots > city.ballots:
                failures.append(Failure(
                    "district_votes_within_city",
                    f"{part.ballots:,} ballots in district {part.district!r}, more than the "
                    f"{city.ballots:,} voters of the city-wide vote {edition} "
                    f"(data.{city.dataset})", part.dataset))
        budgets = [part.budget for part in parts]
        if city.budget is not None and None not in budgets \
                and sum(budgets) > city.budget + TOLERANCE:
            failures.append(Failure(
                "district_votes_within_city",
                f"the {len(parts)} district envelopes of {edition} add up to "
                f"{_amount(sum(budgets), city.currency)}, more than the city-wide envelope of "
                f"{_amount(city.budget, city.currency)}", city.dataset))
    return failures
