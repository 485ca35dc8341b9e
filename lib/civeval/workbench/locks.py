"""One batch at a time per study: a lock file beside its reports (:class:`StudyLock`, one
:class:`HeldLock`, which also keeps one ``civeval serve`` per reports folder); and
:func:`exclusive`, a lock that waits, for files that concurrent sections of one study update
in turn.

Two batches writing the same study would each build a staging folder and swap it in last;
the report would be whichever finished second, its run record perhaps the other's. The lock
is an advisory ``flock`` on ``reports/.<slug>.lock`` (on Windows, ``msvcrt.locking`` of a byte
past its end, so that the file stays readable), released by the system when the process ends
however it ends, so a killed batch never leaves a study locked; the file says who holds it,
for the message the second batch prints, and is removed when the batch ends.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
import weakref
from datetime import UTC, datetime
from pathlib import Path

from civeval.errors import CivevalError
from civeval.workbench.paths import reports_dir

if sys.platform == "win32":
    import msvcrt

    # The locked byte lies past anything written: the holder's details stay readable.
    _LOCKED_BYTE = 1 << 30

    def _try_lock(fd: int) -> None:
        """Lock ``fd``'s file, or raise BlockingIOError when another process holds it."""
        os.lseek(fd, _LOCKED_BYTE, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            raise BlockingIOError from None
        finally:
            os.lseek(fd, 0, os.SEEK_SET)

    def _lock(fd: int) -> None:
        """Lock ``fd``'s file, waiting for another process to release it."""
        os.lseek(fd, _LOCKED_BYTE, os.SEEK_SET)
        while True:
            try:  # LK_LOCK itself gives up after ten seconds
                msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
                return
            except OSError:
                continue

    def _unlock(fd: int) -> None:
        os.lseek(fd, _LOCKED_BYTE, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _try_lock(fd: int) -> None:
        """Lock ``fd``'s file, or raise BlockingIOError when another process holds it."""
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _lock(fd: int) -> None:
        """Lock ``fd``'s file, waiting for another process to release it."""
        fcntl.flock(fd, fcntl.LOCK_EX)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


@contextlib.contextmanager
def exclusive(path: Path):
    """Hold an exclusive lock on the file ``path`` (made if absent) for a ``with`` block,
    waiting while another process holds it. The file stays: removing it could let two
    processes lock two different files at the same path.

    Examples
    --------
    >>> import tempfile
    >>> with exclusive(Path(tempfile.mkdtemp()) / ".lock"):
    ...     pass
    """
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        _lock(fd)
        try:
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)


class Locked(CivevalError):
    """Another process holds the lock; ``holder`` says which, as its file tells."""

    def __init__(self, path: Path) -> None:
        self.path, self.holder = path, _holder(path)
        super().__init__(f"{path} is held by {self.holder}")


class HeldLock:
    """Hold the lock of file ``path`` (made if absent) until :meth:`release` (or the end of
    a ``with``), the file saying who holds it: this process's id, host, start time and
    command (:func:`holder_details`).

    The lock is this process's, never its forked children's: a child closes its copy of the
    descriptor as it starts, so that the lock ends with its holder even while a child it
    forked lives on (a run served by a server that was killed), and a child's release
    neither unlocks nor removes the file.

    Raises
    ------
    Locked
        When another process holds it.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        while True:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
            try:
                _try_lock(self._fd)
            except BlockingIOError:
                os.close(self._fd)
                raise Locked(self.path) from None
            # The holder before us may have removed the file between our open and our lock:
            # a lock on a file no longer at the path locks nothing.
            try:
                if os.stat(self.path).st_ino == os.fstat(self._fd).st_ino:
                    break
            except FileNotFoundError:
                pass
            os.close(self._fd)
        os.ftruncate(self._fd, 0)  # a holder killed outright leaves its file behind
        os.write(self._fd, json.dumps({
            "pid": os.getpid(), "host": socket.gethostname(),
            "since": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": " ".join(sys.argv)}).encode())
        _HELD.add(self)

    def release(self) -> None:
        """Remove the lock file and drop the lock."""
        if self._fd < 0:
            return
        if sys.platform == "win32":
            # Windows removes no open file: close first. Another process that opened it
            # since keeps it in place, which is harmless (it locks, then writes its own
            # details).
            os.close(self._fd)
            with contextlib.suppress(OSError):
                self.path.unlink(missing_ok=True)
        else:
            self.path.unlink(missing_ok=True)
            os.close(self._fd)
        self._fd = -1
        _HELD.discard(self)

    def _forget(self) -> None:
        """In a forked child: close the inherited descriptor, which leaves the lock held by
        the parent (an ``flock`` lasts while any descriptor of it is open)."""
        if self._fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> HeldLock:
        return self

    def __exit__(self, *exc_info) -> None:
        self.release()


_HELD: weakref.WeakSet[HeldLock] = weakref.WeakSet()


def _forget_inherited() -> None:
    for held in list(_HELD):
        held._forget()
    _HELD.clear()


if hasattr(os, "register_at_fork"):  # Windows neither forks nor has it
    os.register_at_fork(after_in_child=_forget_inherited)


def holder_details(path: Path) -> dict | None:
    """What the holder of ``path`` wrote of itself (``pid``, ``host``, ``since``,
    ``command``), or None when there is no such file or it is being written."""
    try:
        details = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return details if isinstance(details, dict) else None


class StudyLocked(CivevalError):
    """Another process is running the study."""


class StudyLock(HeldLock):
    """Hold the lock of study ``slug`` (``reports/.<slug>.lock``, which reports/ keeps only
    while it is held) until :meth:`release` (or the end of a ``with``).

    Raises
    ------
    StudyLocked
        When another process holds it, naming that process.
    """

    def __init__(self, slug: str) -> None:
        self.slug = slug
        path = reports_dir() / f".{slug}.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            super().__init__(path)
        except Locked as held:
            raise StudyLocked(f"study {slug!r} is being run by another civeval process "
                              f"({held.holder}); wait for it to end, or stop it") from None


def _holder(path: Path) -> str:
    try:
        who = holder_details(path)
        return (f"pid {who['pid']} on {who['host']}, since {who['since']}: "
                f"{who['command']}")
    except (TypeError, KeyError):  # written at this very moment
        return "process not yet known"
