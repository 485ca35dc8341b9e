"""What the French language model found in texts it has already read, kept by their content.

Loading spaCy's French model costs seconds (importing its French rules alone compiles a
regular expression for 3 s), reading a study's texts a fraction of one: a study run again
on the same texts (a template edited, ``civeval run --force``) needs no model at all when
what it found is kept. :func:`remembered` keeps it in the folder the environment variable
:data:`VARIABLE` names (the runner names ``reports/.readings``, for the sections it
starts), under one digest of the texts, of what was read, of the model's name and version
and of civeval's code: a change to any of them reads the texts again. Without the
variable, nothing is kept; what no run has used for :data:`KEPT_DAYS` days is removed
(:func:`forget_unused`).

Only what holds no text may be kept: character offsets (where the persons are), never
words. The folder sits beside the reports and must not hold answers that were never
pseudonymised.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from civeval.workbench import atomic, workers

__all__ = ["FOLDER", "KEPT_DAYS", "VARIABLE", "forget_unused", "remembered"]

VARIABLE = "CIVEVAL_READINGS"
"""The environment variable naming the folder of what was read."""

FOLDER = ".readings"
"""That folder's name in the reports folder, where the runner keeps it."""

KEPT_DAYS = 30
"""How long what was read is kept after its last use."""


def remembered(kind: str, texts: list[str], model: str,
               read: Callable[[list[str]], list]) -> list:
    """``read(texts)``, the French ``model`` reading them, or what it gave for the same
    ``kind`` of reading of the same texts, by the same model and code, when kept.

    ``read`` must return what JSON writes back as it is (lists of numbers): offsets, no
    words. A folder that cannot be written, or an entry that cannot be read, only costs the
    time of reading again.
    """
    folder = os.environ.get(VARIABLE)
    try:
        key = _digest(kind, texts, model) if folder else None
    except metadata.PackageNotFoundError:  # no model installed: let the reading say so
        key = None
    if key is None:
        return read(texts)
    path = Path(folder) / f"{key}.json"
    with contextlib.suppress(OSError, ValueError):
        found = json.loads(path.read_text(encoding="utf-8"))
        os.utime(path)  # used: kept another KEPT_DAYS
        return found
    before = workers.call_counts()
    found = read(texts)
    with contextlib.suppress(OSError):  # atomic: two sections may write the same entry
        atomic.write_text(path, json.dumps(found, separators=(",", ":")))
        # Kept: a run on the same texts needs no model for this (runner._ran_cold).
        workers.excuse_calls_since(before)
    return found


def _digest(kind: str, texts: list[str], model: str) -> str:
    from civeval.workbench.incremental import code_digest

    digest = hashlib.sha256()
    for part in (kind, model, metadata.version(model), metadata.version("spacy"),
                 code_digest(), *texts):
        encoded = part.encode("utf-8", "surrogatepass")
        digest.update(len(encoded).to_bytes(8, "big") + encoded)
    return digest.hexdigest()


def forget_unused(folder: Path, days: int = KEPT_DAYS) -> int:
    """Remove from ``folder`` what no reading has used for ``days`` days (texts since
    changed, an earlier version of civeval or of the model); return how many entries."""
    oldest = time.time() - days * 86400
    removed = 0
    for entry in Path(folder).glob("*.json"):
        with contextlib.suppress(OSError):  # another run may remove it or use it meanwhile
            if entry.stat().st_mtime < oldest:
                entry.unlink()
                removed += 1
    return removed
