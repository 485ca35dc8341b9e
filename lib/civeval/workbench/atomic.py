"""Atomic writes: a reader sees the old file or the complete new one, never half of one."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

# mkstemp creates files readable by their owner only; reports are meant to be shared.
_UMASK = os.umask(0)
os.umask(_UMASK)
FILE_MODE = 0o666 & ~_UMASK
DIR_MODE = 0o777 & ~_UMASK
# Windows refuses to replace or move a file that another program holds open (an antivirus
# scanning the new report, an indexer, a reader with the old one open) and usually lets go
# within a moment. Elsewhere a PermissionError is final.
RETRY_WHEN_HELD = sys.platform == "win32"
_HELD_PAUSES = (0.05, 0.1, 0.2, 0.4, 0.8, 1.6)


def replace(source: Path, target: Path) -> None:
    """``os.replace``, tried again for a few seconds on Windows while ``target`` (or
    ``source``) is held by another program.

    Raises
    ------
    PermissionError
        When it is still held after the last attempt, or at once outside Windows.
    """
    for pause in (*_HELD_PAUSES, None):
        try:
            os.replace(source, target)
            return
        except PermissionError:
            if not RETRY_WHEN_HELD or pause is None:
                raise
            time.sleep(pause)


@contextmanager
def atomic_path(target: Path):
    """Yield a temporary path beside ``target``; rename it onto ``target`` on success.

    On an exception the temporary file is removed and ``target`` is left untouched.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    os.chmod(tmp_path, FILE_MODE)
    try:
        yield tmp_path
        replace(tmp_path, target)
    finally:
        tmp_path.unlink(missing_ok=True)


def write_text(target: Path, text: str) -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_bytes(target: Path, data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def replace_dir(staging: Path, target: Path) -> None:
    """Put the finished folder ``staging`` in place of ``target`` with renames only.

    The old folder is moved aside first and deleted last, so ``target`` is always either
    the complete old version or the complete new one.
    """
    staging, target = Path(staging), Path(target)
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
        replace(target, old / "previous")
    replace(staging, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
