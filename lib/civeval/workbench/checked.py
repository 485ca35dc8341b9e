"""What a study's data checks found, remembered by the content of everything they read.

Planning parses every catalogued dataset, runs each template's input check, the check of
the instruments a study designs and the data plausibility checks
(:meth:`~civeval.workbench.study.Study.check_data`,
:meth:`~civeval.workbench.templates.Template.check`, :mod:`civeval.instruments.check`,
:mod:`civeval.plausibility`). That
needs pandas, and often geopandas and pabutools: seconds before anything else happens. Their
outcome depends only on the study file, the catalogued files, the templates and the
workbench's code, so it is kept under a digest of all of them
(``reports/.checked/<slug>.json``) and reused while that digest holds: validating a study
again after an edit that changed none of its data imports no statistics library.

Only checks that passed are kept (a dataset that does not parse raises, and is parsed
again next time); the plausibility failures they found are kept with them, to be shown
again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from civeval.instruments.check import instrument_files
from civeval.plausibility import Failure
from civeval.workbench import atomic, incremental
from civeval.workbench.paths import display_path, reports_dir

FOLDER = ".checked"


@dataclass
class Outcome:
    """What the data checks of a study found: the personal columns each import dropped
    (dataset → column → reason key, see ``Study.check_data``) and the plausibility checks
    that failed."""

    dropped: dict[str, dict] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)


def digest(study, steps, inputs: dict[str, str]) -> str:
    """The digest of everything the checks of ``study`` read.

    Parameters
    ----------
    study : Study
        The loaded study.
    steps : list of (Template, Component)
        Its templates in order (their sources and declared inputs are in ``inputs``).
    inputs : dict
        SHA-256 by shown path of the files its sections read
        (:func:`civeval.workbench.incremental.input_digests`); the files of datasets no
        section reads, the files their options name and the question bank of a study that
        designs its instruments (:mod:`civeval.instruments.check`) are added here.
    """
    files = {**inputs}
    extra = [path for name in study.config.data
             for path in incremental.dataset_files(study, name)]
    for path in [*extra, *instrument_files(study)]:
        shown = display_path(path)
        if shown not in files and path.is_file():
            files[shown] = incremental.file_digest(path)
    content = {"code": incremental.code_digest(), "files": files,
               "templates": [template.name for template, _ in steps]}
    text = json.dumps(content, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _record(slug: str) -> Path:
    return reports_dir() / FOLDER / f"{slug}.json"


def recall(slug: str, key: str) -> Outcome | None:
    """The outcome kept for study ``slug`` under ``key`` (see :func:`digest`), or None when
    none is, or another."""
    try:
        record = json.loads(_record(slug).read_text(encoding="utf-8"))
        if record["digest"] != key:
            return None
        return Outcome(record["dropped"], [Failure(**item) for item in record["failures"]])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remember(slug: str, key: str, outcome: Outcome) -> None:
    """Keep ``outcome`` for study ``slug`` under ``key``; a reports folder that cannot be
    written only means the checks run again next time."""
    record = {"digest": key, "dropped": outcome.dropped,
              "failures": [asdict(failure) for failure in outcome.failures]}
    try:
        _record(slug).parent.mkdir(parents=True, exist_ok=True)
        atomic.write_text(_record(slug), json.dumps(record, ensure_ascii=False, indent=1))
    except OSError:
        pass
