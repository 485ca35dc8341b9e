"""Where a study's evidence is kept: ``reports/<slug>/evidence.json``, one record per key.

Sections add records as they run, several at once for one study (each in its own child
process): every change reads and replaces the whole file under :data:`LOCK_FILE`'s lock, and
the replacement is atomic, so a reader never sees half a file. The main report, the benchmark
and the next evaluation wave read it back. An incremental run keeps the records of the
sections it does not re-run and drops those of the sections it re-runs, benchmark positions
included.
"""

from __future__ import annotations

import contextlib
import json
from datetime import date
from pathlib import Path

from civeval.evidence.record import Evidence
from civeval.workbench import atomic, locks

EVIDENCE_FILE = "evidence.json"
LOCK_FILE = ".evidence.lock"


def read(folder: Path) -> dict[str, Evidence]:
    """The records kept in ``folder`` (empty when there are none yet)."""
    return {key: Evidence.from_json({"key": key, "label": key, "kind": "number", **data})
            for key, data in _read_json(folder).items()}


def _read_json(folder: Path) -> dict[str, dict]:
    file = Path(folder) / EVIDENCE_FILE
    return json.loads(file.read_text(encoding="utf-8")) if file.is_file() else {}


def write(folder: Path, records: dict[str, Evidence]) -> None:
    """Replace the records kept in ``folder``: those of one section together, in the order
    it made them, sections in the order of their names. Sections that run side by side
    record in whatever order they happen to end; the reports list the figures in this one,
    so the same inputs give the same reports."""
    _write_json(folder, {key: record.to_json() for key, record in records.items()})


def _write_json(folder: Path, data: dict[str, dict]) -> None:
    by_section = dict(sorted(data.items(), key=lambda item: item[1].get("section", "")))
    atomic.write_text(Path(folder) / EVIDENCE_FILE,
                      json.dumps(by_section, ensure_ascii=False, indent=2, default=plain))


@contextlib.contextmanager
def _locked(folder: Path):
    """While no other process changes the records kept in ``folder``."""
    Path(folder).mkdir(parents=True, exist_ok=True)
    with locks.exclusive(Path(folder) / LOCK_FILE):
        yield


@contextlib.contextmanager
def editing(folder: Path):
    """The records kept in ``folder``, as a dict to change in a ``with`` block and written
    back at its end, while no other process changes them."""
    with _locked(folder):
        records = read(folder)
        yield records
        write(folder, records)


def add(folder: Path, record: Evidence) -> None:
    """Add or replace one record. The others are written back as they were read, without
    being made records and written out again one by one: a section adds dozens."""
    with _locked(folder):
        data = _read_json(folder)
        data[record.key] = record.to_json()
        _write_json(folder, data)


def keep_sections(folder: Path, rerun: set[str]) -> None:
    """Drop the records (and benchmark positions) that the sections ``rerun`` will make
    again, keeping the others'."""
    records = read(folder)
    kept = {key: (record.with_position(None) if record.position is not None
                  and record.position.section in rerun else record)
            for key, record in records.items() if record.section not in rerun}
    if records:
        write(folder, kept)


def plain(value):
    """A JSON-ready copy of a recorded value (numpy scalars and dates included)."""
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        value = value.item()
    if isinstance(value, date):  # pandas Timestamps are dates too
        return value.isoformat()[:10]
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    raise TypeError(f"cannot record a value of type {type(value).__name__}")

