"""Plausibility checks of what became of winning projects and proposals
(:mod:`civeval.plausibility`).

Each check takes the study and returns a :class:`~civeval.plausibility.Failure` per dataset
whose data cannot be right, saying what is wrong and where:

- ``tracking_winners_in_vote``: the winners a tracking table lists for an edition are
  projects of the vote of that scheme and edition (matched by project id, failing that by
  title), when the catalogue holds both. A vote file bound to a district covers that
  district's winners; a vote of the whole territory covers the others (only the city-wide
  ones when the edition also has district files, which may not all be catalogued).
- ``tracking_within_budget``: the winners of each edition of a tracking table, each project
  counted once (:func:`~civeval.transparency.budget_totals`), cost no more than the
  edition's ``budget`` in ``study.yml``.
- ``dates_in_order``: a project's milestones follow each other (studies, then procedures,
  then works, then delivery and opening, these two in either order); a platform's
  proposals are answered after they are published. As in
  :mod:`civeval.transparency.delivery`, ``delivery_date`` is a milestone of finished
  projects only: for the others it is a plan, which slips without the data being wrong.

A check that has nothing to compare (no vote for the tracked edition, no budget declared, a
single milestone) finds nothing to report.
"""

from __future__ import annotations

import pandas as pd

from civeval.plausibility import Failure
from civeval.territory import district_key
from civeval.transparency.budgets import budget_totals
from civeval.workbench.schema import DatasetKind
from civeval.workbench.study import Study

__all__ = ["check_dates_in_order", "check_tracking_winners_in_vote",
           "check_tracking_within_budget"]

#: Milestones in the order a project passes them; the last two may come in either order.
MILESTONES = ("studies_date", "procedures_date", "works_date", ("delivery_date", "opening_date"))
FIRST_LINE = 2  # data rows start under the header
SHOWN = 3  # projects named in a message; the others are counted


def _named(study: Study, kind: DatasetKind) -> list[str]:
    return [name for name in study.datasets() if study.dataset_kind(name) == kind]


def _scheme(study: Study, name: str) -> str | None:
    """The scheme a dataset measures: its binding, else the study's only scheme."""
    entry = study.config.data[name]
    if entry.scheme is not None:
        return entry.scheme
    return study.schemes[0].name if len(study.schemes) == 1 else None


def _same_scheme(study: Study, first: str, second: str) -> bool:
    schemes = {_scheme(study, first), _scheme(study, second)}
    return None in schemes or len(schemes) == 1


def _listed(items: list[str]) -> str:
    shown = ", ".join(items[:SHOWN])
    return shown + (f" and {len(items) - SHOWN} more" if len(items) > SHOWN else "")


def _title_key(title) -> str | None:
    return district_key(title) if isinstance(title, str) and title.strip() else None


# --- winners of a tracking table against the vote --------------------------------------


def _vote_edition(study: Study, name: str, vote: pd.DataFrame) -> str | None:
    """The edition a vote covers: its binding, else the file's META ``instance``."""
    edition = study.config.data[name].edition
    instance = vote.attrs.get("meta", {}).get("instance")
    return edition if edition is not None else (str(instance) if instance else None)


def check_tracking_winners_in_vote(study: Study) -> list[Failure]:
    """Winners of a tracking table that no vote of their scheme and edition knows.

    Examples
    --------
    >>> from civeval import load_study
    >>> check_tracking_winners_in_vote(load_study("demo-saint-aubin"))
    []
    """
    votes = []
    for name in _named(study, DatasetKind.VOTE):
        projects = study.load(name)
        votes.append((name, _vote_edition(study, name, projects),
                      study.config.data[name].district, projects))
    failures = []
    for name in _named(study, DatasetKind.TRACKING) if votes else []:
        winners = study.load(name)
        missing = []
        for edition, rows in winners.groupby(winners["edition"].astype("string"), sort=True):
            covering = [(district, projects) for vote, vote_edition, district, projects in votes
                        if vote_edition == edition and _same_scheme(study, name, vote)]
            if covering:
                missing += [f"{row.project_id} ({edition}, line {position + FIRST_LINE})"
                            for position, row in _not_in_vote(rows, covering)]
        if missing:
            failures.append(Failure("tracking_winners_in_vote", (
                f"{len(missing)} winning project(s) of the tracking table are not among the "
                f"projects of the vote of their edition, by id nor by title: "
                f"{_listed(missing)}"), name))
    return failures


def _not_in_vote(rows: pd.DataFrame, covering: list[tuple[str | None, pd.DataFrame]]):
    """``(position, row)`` of the tracked winners that a vote covering them does not
    list."""
    bound = {district_key(district) for district, _ in covering if district is not None}
    whole = any(district is None for district, _ in covering)
    ids = {str(i) for _, projects in covering for i in projects["project_id"]}
    titles = {_title_key(title) for _, projects in covering
              for title in projects.get("name", pd.Series(dtype=object))} - {None}
    for position, row in zip(rows.index, rows.itertuples(index=False), strict=True):
        district = row.district if pd.notna(row.district) else None
        covered = (district is not None and district_key(district) in bound) or (
            whole and (not bound or str(getattr(row, "scale", None)) == "city"))
        if not covered:
            continue
        title = _title_key(getattr(row, "title", None))
        if str(row.project_id) not in ids and (title is None or title not in titles):
            yield position, row


# --- winners of a tracking table against the envelope ----------------------------------


def check_tracking_within_budget(study: Study) -> list[Failure]:
    """Editions whose tracked winners cost more than the edition's envelope.

    Examples
    --------
    >>> from civeval import load_study
    >>> check_tracking_within_budget(load_study("demo-saint-aubin"))
    []
    """
    failures = []
    for name in _named(study, DatasetKind.TRACKING):
        scheme = _scheme(study, name)
        envelopes = {edition.label: edition.budget for s in study.schemes
                     if scheme in (None, s.name) for edition in s.editions
                     if edition.budget is not None}
        winners = study.load(name)
        if not envelopes or not winners["budget"].notna().any():
            continue
        totals = budget_totals(winners, by="edition")
        over = [f"{edition}: {total:,.0f} € for an envelope of {envelopes[str(edition)]:,.0f} €"
                for edition, total in zip(totals["edition"], totals["budget"], strict=True)
                if str(edition) in envelopes and total > envelopes[str(edition)]]
        if over:
            failures.append(Failure("tracking_within_budget", (
                "the winners of the tracking table cost more than the edition's budget in "
                f"study.yml (each project counted once): {'; '.join(over)}"), name))
    return failures


# --- dates in order --------------------------------------------------------------------


def check_dates_in_order(study: Study) -> list[Failure]:
    """Projects whose milestones go back in time, and proposals answered before they
    were published.

    Examples
    --------
    >>> from civeval import load_study
    >>> check_dates_in_order(load_study("demo-saint-aubin"))
    []
    """
    failures = []
    for name in _named(study, DatasetKind.TRACKING):
        wrong = milestones_out_of_order(study.load(name))
        if wrong:
            failures.append(Failure("dates_in_order", (
                f"{len(wrong)} winning project(s) have milestones out of order (studies, "
                f"procedures, works, then delivery or opening): {_listed(wrong)}"), name))
    for name in _named(study, DatasetKind.PLATFORM):
        proposals = study.load(name)
        if not {"published_at", "answered_at"} <= set(proposals.columns):
            continue
        early = proposals["answered_at"] < proposals["published_at"]
        if early.any():
            wrong = [f"{ident} (line {position + FIRST_LINE})" for position, ident in zip(
                range(len(proposals)), proposals.get("id", proposals.index), strict=True)
                if early.iloc[position]]
            failures.append(Failure("dates_in_order", (
                f"{len(wrong)} proposal(s) answered before they were published: "
                f"{_listed(wrong)}"), name))
    return failures


def milestones_out_of_order(projects: pd.DataFrame) -> list[str]:
    """The projects of a tracking table whose milestones go back in time, each as
    ``id (line n: works 2023-05 before studies 2023-09)`` with its first inversion; the
    planned delivery of a project not finished is not a milestone (see the module's notes).

    Examples
    --------
    >>> projects = pd.DataFrame({
    ...     "project_id": ["1", "2"],
    ...     "studies_date": pd.to_datetime(["2023-01-01", "2023-09-01"]),
    ...     "works_date": pd.to_datetime(["2023-06-01", "2023-05-01"]),
    ...     "delivery_date": pd.to_datetime(["2023-12-01", None]),
    ...     "opening_date": pd.to_datetime(["2023-11-01", None])})
    >>> milestones_out_of_order(projects)
    ['2 (line 3: works 2023-05 before studies 2023-09)']
    """
    steps = [[column] if isinstance(column, str) else list(column) for column in MILESTONES]
    steps = [[c for c in step if c in projects.columns] for step in steps]
    steps = [step for step in steps if step]
    if "delivery_date" in projects.columns and "status" in projects.columns:
        finished = projects["status"].eq("finished").fillna(False).astype(bool)
        projects = projects.assign(delivery_date=projects["delivery_date"].where(finished))
    wrong = []
    for position in range(len(projects)):
        row = projects.iloc[position]
        inversion = _first_inversion(row, steps)
        if inversion:
            wrong.append(f"{row['project_id']} (line {position + FIRST_LINE}: {inversion})")
    return wrong


def _first_inversion(row: pd.Series, steps: list[list[str]]) -> str | None:
    for number, earlier in enumerate(steps):
        for later in steps[number + 1:]:
            for first in earlier:
                for second in later:
                    if pd.notna(row[first]) and pd.notna(row[second]) \
                            and row[second] < row[first]:
                        return (f"{_name(second)} {row[second]:%Y-%m} before "
                                f"{_name(first)} {row[first]:%Y-%m}")
    return None


def _name(column: str) -> str:
    return column.removesuffix("_date")
