"""What a run leaves behind: the result of each study and section, as kept in ``run.json``,
and the end-of-batch status table.

Kept apart from the runner, which imports papermill and nbconvert: a batch with nothing to
re-run reads these records and prints its table without loading either.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # validating a study prints no table
    from rich.table import Table

RUN_FILE = "run.json"
UP_TO_DATE = "up to date"
# Why a section ran again though nothing of its own changed, as the status table says it.
REASONS = {"peers": "comparables modifiés", "unprinted": "PDF à imprimer"}


@dataclass
class SectionResult:
    template: str
    title: str
    status: str = "skipped"  # success | failed | skipped | blocked (a plausibility check)
    duration: float = 0.0
    html: str | None = None
    notebook: str | None = None
    error: dict | None = None
    fingerprint: str | None = None
    reused: bool = False  # up to date: kept from the last run
    max_rss_mb: float | None = None  # peak memory of the child that ran it
    warning: str | None = None  # done, but not all of it (a PDF that could not be printed)
    unprinted: bool = False  # a live preview left its PDF and Word to the next run
    printed_from: str | None = None  # digest of the page its PDF and Word were made from
    printed_pages: dict[str, int] | None = None  # the page of each heading in that PDF
    warmed: list[str] | None = None  # what of its header's `warm:` it used (a language model)
    # For a section that reads the portfolio: what it reads of it, and its digest then.
    selection: dict | None = None
    portfolio: str | None = None
    reason: str | None = None  # why it ran again, when its inputs did not change ("peers")

    @classmethod
    def from_record(cls, record: dict) -> SectionResult:
        """A section read back from ``run.json`` (keys of older versions ignored)."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in record.items() if k in known})


@dataclass
class StudyResult:
    slug: str
    client: str
    schemes: str
    # What the benchmark needs to place this study among peers (civeval.benchmark).
    client_kind: str
    population: int
    scheme_types: list[str]
    year: int | None
    status: str
    started_at: str
    duration: float
    civeval_version: str
    git_commit: str | None
    python: str
    inputs: dict[str, str]
    sections: list[SectionResult] = field(default_factory=list)
    error: str | None = None
    demo: bool = False  # a fictional study: never a peer of a real one
    code: str | None = None  # digest of the workbench's code (civeval.workbench.incremental)

    @classmethod
    def from_record(cls, record: dict) -> StudyResult:
        """A result read back from ``run.json``."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in record.items() if k in known}
        values["sections"] = [SectionResult.from_record(s) for s in record.get("sections", [])]
        return cls(**values)

    @classmethod
    def up_to_date(cls, record: dict) -> StudyResult:
        """A study not re-run because nothing changed: its last run, marked so."""
        result = cls.from_record(record)
        result.status = UP_TO_DATE
        for section in result.sections:
            section.reused = True
        return result


def error_text(error: dict | None) -> str | None:
    if not error:
        return None
    cell = f" (cell {error['cell']})" if error.get("cell") else ""
    return f"{error['ename']}{cell}: {error['evalue']}"


def status_table(results: list[StudyResult]) -> Table:
    """The end-of-batch table: study, template, status, duration, failing cell and error."""
    from rich.table import Table

    table = Table(title="civeval run", show_lines=False)
    for column in ("study", "template", "status", "duration", "error"):
        table.add_column(column, justify="right" if column == "duration" else "left")
    styles = {"success": "green", "failed": "bold red", "skipped": "yellow",
              "blocked": "bold red", UP_TO_DATE: "dim"}
    for result in results:
        for section in result.sections:
            status = UP_TO_DATE if section.reused else section.status
            if section.reason and not section.reused:
                status = f"{status} ({REASONS[section.reason]})"
            duration = "" if section.reused else f"{section.duration:.1f} s"
            style = styles[UP_TO_DATE if section.reused else section.status]
            table.add_row(result.slug, section.template, f"[{style}]{status}[/]",
                          duration, error_text(section.error) or section.warning or "")
        if result.error:
            table.add_row(result.slug, "(inputs)", "[bold red]failed[/]", "", result.error)
    return table
