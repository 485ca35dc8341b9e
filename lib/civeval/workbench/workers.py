"""A process pool that forks a fresh child from a pre-imported parent for every task.

Why fork
--------
Executing one notebook costs little next to starting the interpreter that runs it: importing
pandas, seaborn and statsmodels takes seconds. The parent therefore imports those libraries once
(:func:`preload`) and :class:`ForkPool` forks **one child per task**. Each child starts with all
of it already imported (the memory is shared copy-on-write) and in exactly the state the parent
was in. A task may change module globals, ``os.environ``, ``matplotlib.rcParams``, random seeds,
``sys.modules`` or leave files open: the child is thrown away at the end and the next task is
forked again from the untouched parent, so nothing of one study can leak into the next. A pool
of long-lived workers would dispatch faster, but would carry such leftovers from task to task.

Because a child is a fork, the function and its arguments need not be picklable (lambdas and
closures are fine); only the return value travels back, pickled through a pipe.

How it works
------------
The parent is a single-threaded loop: it forks at most ``jobs`` children, reads one pipe per
child (heartbeats, then the pickled result) and waits for their exits with :mod:`selectors`
(a pidfd per child wakes it when the child exits). Each child runs in its own process group, so
a timeout, :meth:`ForkPool.close`, garbage collection of the pool or a ``KeyboardInterrupt`` in
the parent can SIGKILL the child together with every process it started. A Ctrl-C in a terminal
reaches the parent only (the children are not in the foreground process group); the parent
then kills them.

Limitations
-----------
* Linux only: it relies on ``fork``, process groups, ``waitid``, ``pidfd_open`` (it polls
  every 50 ms without it) and on ``ru_maxrss`` being in KiB.
* The parent should have no other threads when it forks: only the forking thread exists in the
  child, and a lock another thread held at that moment stays locked there forever.
* Nothing else in the parent may reap these children (``os.waitpid(-1, ...)``, SIGCHLD set to
  ``SIG_IGN``); the task is then reported as ``"died"`` with an unknown exit status.
* A process that a task moves to another process group or session (``setsid``,
  ``start_new_session=True``) is not in the child's group: it is found through ``/proc``
  instead. The child is the subreaper of everything it starts and ends it all before it sends
  its result; the parent, also a subreaper, ends what a killed child left behind. A process
  that daemonises from a child that the pool killed may still escape, for the instant between
  the kill and the parent's sweep.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import importlib
import os
import pickle
import random
import selectors
import signal
import struct
import sys
import threading
import time
import warnings
import weakref
from collections import Counter, deque
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from traceback import format_exc
from typing import Any, NoReturn

__all__ = ["ForkPool", "TaskResult", "call_counts", "excuse_calls_since", "forks_safely",
           "handed", "heartbeat", "preload", "prepare", "send_over", "times_called"]

# A message on a child's pipe: one kind byte, the payload length, the payload.
_HEADER = struct.Struct("<cQ")
_HEARTBEAT = b"H"
_RESULT = b"R"
# Heartbeats stay below PIPE_BUF (4096) so each one is written atomically.
_LABEL_BYTES = 512
# Without pidfds, the only way to notice an exit whose pipe stays open (a grandchild inherited
# it) is to poll.
_POLL_SECONDS = 0.05
_READ_BYTES = 1 << 20
# A larger pipe means fewer wake-ups while a result of several MB comes through.
_PIPE_BYTES = 1 << 20
# Reads per readiness event, so one chatty child cannot starve the others.
_READS_PER_EVENT = 16
# Exit status of a child that could not send its result (EX_SOFTWARE).
_EXIT_NO_RESULT = 70
_MAX_ATTEMPTS = 2

# prctl options (linux/prctl.h).
_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36
# How long a child waits for the processes it killed to die before it gives up.
_CLEANUP_ROUNDS = 200

# File descriptors owned by the pools of this process: a child closes them, so a task can
# neither read its siblings' pipes nor keep them open after the parent has closed them.
_POOL_FDS: set[int] = set()
# Set in a pool child only: where heartbeat() writes.
_CHANNEL: _Channel | None = None


@dataclass
class TaskResult:
    """The outcome of one task.

    Attributes
    ----------
    key : Hashable
        What the caller passed to :meth:`ForkPool.submit`.
    status : str
        ``"ok"``, ``"error"`` (the function raised, or its return value could not be pickled),
        ``"timeout"`` (no heartbeat for ``timeout`` seconds) or ``"died"`` (the child was killed
        by a signal or exited without sending a result).
    value : Any
        The function's return value when ``status`` is ``"ok"``.
    error : str or None
        A one-line message otherwise, e.g. ``"ValueError: bad input"``, ``"killed by signal
        SIGKILL"`` or ``"no progress for 30 s (cell 4)"``.
    attempts : int
        How many children ran the task: 2 when a child died and the retry was reported.
    duration : float
        Wall-clock seconds of the last attempt, from fork to exit.
    max_rss : int
        Peak resident memory of the last attempt's child, in bytes. It includes the pages the
        child shares with the parent, so it is at least the parent's size at fork time.
    traceback : str or None
        The formatted traceback when the function raised.
    """

    key: Hashable
    status: str
    value: Any = None
    error: str | None = None
    attempts: int = 1
    duration: float = 0.0
    max_rss: int = 0
    traceback: str | None = None


@dataclass(eq=False)
class _Task:
    key: Hashable
    function: Callable[..., Any]
    args: tuple
    kwargs: dict
    timeout: float | None
    retry: bool
    log_path: str | os.PathLike | None
    prepare: tuple[str, ...] = ()
    attempts: int = 0


@dataclass(eq=False)
class _Child:
    task: _Task
    pid: int
    fd: int  # read end of the pipe; -1 once closed
    pidfd: int | None
    started: float
    deadline: float | None
    label: str = ""
    buffer: bytearray = field(default_factory=bytearray)
    result: bytes | None = None
    malformed: bool = False
    timed_out: str | None = None


class _Resources:
    """What must be released even if the pool is never closed (see :func:`_shutdown`).

    Kept apart from :class:`ForkPool` so that the finalizer does not keep the pool alive.
    """

    def __init__(self) -> None:
        self.owner = os.getpid()
        self.selector = selectors.DefaultSelector()
        self.children: dict[int, _Child] = {}
        fileno = getattr(self.selector, "fileno", None)
        self.selector_fd = fileno() if fileno is not None else -1
        if self.selector_fd >= 0:
            _POOL_FDS.add(self.selector_fd)

    def release(self, child: _Child) -> None:
        """Stop watching ``child`` and close its descriptors."""
        self.children.pop(child.pid, None)
        _close_pipe(self, child)
        if child.pidfd is not None:
            _unwatch(self, child.pidfd)
            child.pidfd = None


def _close_pipe(resources: _Resources, child: _Child) -> None:
    if child.fd >= 0:
        _unwatch(resources, child.fd)
        child.fd = -1


def _unwatch(resources: _Resources, fd: int) -> None:
    # Unregister before closing: an fd that a forked child still shares would otherwise stay
    # in the epoll set after the parent closed it.
    with contextlib.suppress(KeyError, ValueError, OSError):
        resources.selector.unregister(fd)
    _POOL_FDS.discard(fd)
    with contextlib.suppress(OSError):
        os.close(fd)


def _shutdown(resources: _Resources) -> None:
    """Kill every running child's process group, reap the children, close the descriptors."""
    # A forked child holds a copy of the pool; the parent's children are not its own.
    if os.getpid() != resources.owner:
        return
    children = list(resources.children.values())
    # Kill all before reaping any: the zombie leaders keep their group ids reserved, so no
    # process that reuses a pid can be hit.
    for child in children:
        _kill_tree(child.pid)
    for child in children:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(child.pid, 0)
        resources.release(child)
    resources.children.clear()
    _end_adopted(())
    _POOL_FDS.discard(resources.selector_fd)
    resources.selector.close()


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        # The group may not exist yet if the parent's setpgid failed; the child is still ours
        # (not reaped), so its pid cannot belong to anyone else.
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _prctl(option: int, value: int) -> bool:
    try:
        return ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0) == 0
    except (OSError, AttributeError):  # not Linux
        return False


def _processes() -> dict[int, tuple[int, int]]:
    """Every process of the machine: pid → (parent pid, process group), from ``/proc``."""
    table = {}
    with contextlib.suppress(OSError):
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as file:
                    stat = file.read()
            except OSError:  # it exited meanwhile
                continue
            # The command name, in parentheses, may hold spaces: the fields follow the last ")".
            fields = stat[stat.rindex(b")") + 2:].split()
            table[int(entry.name)] = (int(fields[1]), int(fields[2]))
    return table


def _descendants(pid: int, table: dict[int, tuple[int, int]] | None = None) -> list[int]:
    """Every process below ``pid``, whatever its session or process group."""
    table = _processes() if table is None else table
    children: dict[int, list[int]] = {}
    for process, (parent, _group) in table.items():
        children.setdefault(parent, []).append(process)
    found, pending = [], [pid]
    while pending:
        below = children.get(pending.pop(), [])
        found += below
        pending += below
    return found


def _kill_tree(pid: int) -> None:
    """SIGKILL a running child's process group and every process below it (those that left
    the group with ``setsid`` included): found first, while the tree still links them."""
    for process in _descendants(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(process, signal.SIGKILL)
    _kill_group(pid)


def _end_descendants() -> None:
    """In a child, kill and reap every process the task left running below it (the child is
    their subreaper, so those whose parent died are its own children by now)."""
    for _round in range(_CLEANUP_ROUNDS):
        left = _descendants(os.getpid())
        if not left:
            return
        for process in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(process, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        time.sleep(0.005)


def _end_adopted(running: Iterable[int]) -> None:
    """In the parent, kill and reap the processes it adopted as subreaper: those a child left
    behind when it was killed, in another group than the parent's (its own subprocesses
    stay in its group)."""
    me, group, running = os.getpid(), os.getpgrp(), set(running)
    for process, (parent, process_group) in _processes().items():
        if parent == me and process_group != group and process not in running:
            with contextlib.suppress(ProcessLookupError):
                os.kill(process, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(process, 0)


def _exit_state(pid: int) -> str:
    """``"running"``, ``"exited"`` (a zombie, still ours) or ``"gone"`` (reaped by someone else)."""
    # WNOWAIT leaves the zombie in place, so its process group can still be killed safely.
    try:
        info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return "gone"
    return "running" if info is None else "exited"


def _pidfd(pid: int) -> int | None:
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):  # kernel older than 5.3, or a sandbox forbids it
        return None


def _flush_stdio() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()


def _one_line(exc: BaseException) -> str:
    name = type(exc).__name__
    try:
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    except Exception:  # a broken __str__ must not hide the error itself
        lines = []
    if not lines:
        return name
    return f"{name}: {lines[0]}" + (" [...]" if len(lines) > 1 else "")


def _death_message(status: int | None, malformed: bool) -> str:
    if status is None:
        message = "exited without a result (exit status unknown: reaped elsewhere)"
    elif os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = str(number)
        message = f"killed by signal {name}"
    else:
        message = f"exited with status {os.waitstatus_to_exitcode(status)} without a result"
    if malformed:
        message += " (it wrote a malformed message on its result pipe)"
    return message


class TaskPool:
    """What every pool of fresh processes shares: the queue, the loop that yields results,
    closing, and the checks of :meth:`submit`'s arguments. Subclasses start a task
    (``_launch``), wait for their processes (``_wait``) and release them (``_finalizer``)."""

    def __init__(self, jobs: int | None = None) -> None:
        jobs = (os.cpu_count() or 1) if jobs is None else jobs
        if jobs < 1:
            raise ValueError(f"jobs must be at least 1, not {jobs}")
        self.jobs = jobs
        self._queue: deque = deque()
        self._done: deque[TaskResult] = deque()
        self._closed = False
        self._owner = os.getpid()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def results(self) -> Iterator[TaskResult]:
        """Yield each task's result as it finishes, until nothing is queued or running.

        Blocks while waiting. The caller may :meth:`submit` more tasks between two results
        (e.g. a step that depends on the one just finished); they are yielded by the same loop.
        A ``KeyboardInterrupt`` (or any other error) raised while waiting kills every process
        of the pool before it propagates.

        Yields
        ------
        TaskResult
            In order of completion.
        """
        self._check_owner()
        try:
            while True:
                if self._done:
                    yield self._done.popleft()
                    continue
                if self._closed:
                    return
                self._launch()
                if not self._running:
                    if self._done:  # a task that could not start was just reported
                        continue
                    return
                self._wait()
        except GeneratorExit:  # the caller stopped iterating; running tasks carry on
            raise
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Kill every running process with what it started, and reap them; drop queued tasks.

        Idempotent. The pool accepts no new tasks afterwards.
        """
        self._closed = True
        self._queue.clear()
        self._done.clear()
        self._finalizer()

    def _check_owner(self) -> None:
        if os.getpid() != self._owner:
            raise RuntimeError(f"a {type(self).__name__} can only be used by the process that "
                               "created it")

    def _check_submission(self, timeout: float | None, function) -> None:
        self._check_owner()
        if self._closed:
            raise RuntimeError(f"this {type(self).__name__} is closed")
        if timeout is not None and timeout <= 0:
            raise ValueError(f"timeout must be positive, not {timeout}")
        if not callable(function):
            raise TypeError(f"function must be callable, not {type(function).__name__}")


class ForkPool(TaskPool):
    """Run each task in a fresh child forked from this process, ``jobs`` at a time.

    Parameters
    ----------
    jobs : int, optional
        Most children running at once; ``os.cpu_count()`` by default.

    Notes
    -----
    Use it from one thread of the process that created it. A task starts as soon as a slot is
    free, in :meth:`submit` or while :meth:`results` is iterated, but the pool only reads pipes,
    enforces timeouts and reaps children while :meth:`results` runs (a child whose result does
    not fit in its pipe waits for that). The pool is a context manager; leaving the block,
    :meth:`close`, garbage collection of the pool and interpreter exit all kill and reap the
    children still running.

    Examples
    --------
    >>> with ForkPool(jobs=2) as pool:
    ...     pool.submit("square", pow, 7, 2)
    ...     [(r.key, r.status, r.value) for r in pool.results()]
    [('square', 'ok', 49)]
    """

    def __init__(self, jobs: int | None = None) -> None:
        super().__init__(jobs)
        self._ahead: deque[Callable[[], object]] = deque()
        self._resources = _Resources()
        self._running = self._resources.children
        # What a killed child leaves behind becomes this process's child, to be ended.
        _prctl(_PR_SET_CHILD_SUBREAPER, 1)
        # Runs on close(), on garbage collection and at interpreter exit, whichever comes first.
        self._finalizer = weakref.finalize(self, _shutdown, self._resources)

    def __repr__(self) -> str:
        return (f"<ForkPool jobs={self.jobs} running={len(self._running)} "
                f"queued={len(self._queue)}{' closed' if self._closed else ''}>")

    def submit(self, key: Hashable, function: Callable[..., Any], /, *args: Any,
               timeout: float | None = None, retry: bool = True,
               log_path: str | os.PathLike | None = None, prepare: Iterable[str] = (),
               **kwargs: Any) -> None:
        """Queue ``function(*args, **kwargs)``; it starts at once if fewer than ``jobs`` run
        and what it asks to have prepared is.

        Parameters
        ----------
        key : Hashable
            Returned in the task's :class:`TaskResult`, to tell results apart.
        function : callable
            Called in the child. Neither it nor its arguments need to be picklable; its return
            value must be.
        *args
            Positional arguments of ``function``.
        timeout : float, optional
            Seconds the task may go without progress: the deadline starts at fork and is reset
            by each :func:`heartbeat` (and whenever the result is coming through). On expiry
            the child's process group is killed and the task is reported as ``"timeout"``,
            without a retry since the same step would hang again. ``None``: no limit.
        retry : bool
            Run the task once more in a new child if the first one died (killed by a signal,
            e.g. by the out-of-memory killer, or exited without a result). Exceptions and
            timeouts are never retried.
        log_path : str or os.PathLike, optional
            Send the child's file descriptors 1 and 2 to this file (appended to, so the output
            of a died attempt is kept before its retry's), and rebind ``sys.stdout`` and
            ``sys.stderr`` to them. Without it, the child writes to the parent's fds 1 and 2.
        prepare : iterable of str
            ``"module:function"`` targets to call in this process before the task is forked,
            so that its child finds what they make ready (a language model): see
            :func:`prepare`. Tasks that need nothing more go first; the preparation is made
            while :meth:`results` would otherwise only wait for the running children. One
            that fails is reported as the task's ``"error"``.
        **kwargs
            Keyword arguments of ``function``; ``timeout``, ``retry``, ``log_path`` and
            ``prepare`` are taken by ``submit`` itself.

        Raises
        ------
        RuntimeError
            If the pool is closed, or used from another process than the one that created it.
        """
        self._check_submission(timeout, function)
        self._queue.append(_Task(key, function, args, kwargs, timeout, retry, log_path,
                                 tuple(prepare)))
        self._launch(preparing=False)

    def prepare_ahead(self, work: Iterable[Callable[[], object]]) -> None:
        """Make ``work``'s calls in this process while :meth:`results` would only wait for
        the running children, one at a time and in order, so that the tasks forked after
        each find what it made ready (a module imported, a dataset parsed) instead of each
        making it again.

        Each call should take a fraction of a second: the children's messages are read
        between two. One that fails, or warns, is silent: a task that needs what it would
        have made meets the failure itself, and reports it. Calls still pending when the
        pool closes are dropped.

        Examples
        --------
        >>> made = []
        >>> with ForkPool(jobs=1) as pool:
        ...     pool.prepare_ahead([lambda: made.append(os.getpid())])
        ...     pool.submit("first", time.sleep, 0.2)
        ...     pool.submit("next", lambda: made == [os.getppid()])  # made by its parent
        ...     [r.value for r in pool.results()]
        [None, True]
        """
        self._ahead.extend(work)

    def close(self) -> None:
        self._ahead.clear()
        super().close()

    # The parent's loop.

    def _launch(self, preparing: bool = True) -> None:
        """Fork queued tasks while fewer than ``jobs`` run, those already prepared first.
        With ``preparing``, prepare the others': at once when a slot would stay empty, else
        while every slot is busy (loading a language model then overlaps the running tasks);
        with none to prepare, make one call of :meth:`prepare_ahead`'s."""
        while self._queue and len(self._running) < self.jobs:
            task = next((t for t in self._queue if _is_prepared(t)), None)
            if task is None:
                if not preparing:
                    return
                task = self._queue[0]
                if not self._prepare(task):
                    continue
            self._queue.remove(task)
            self._spawn(task)
        waiting = next((t for t in self._queue if not _is_prepared(t)), None)
        if preparing and waiting is not None:
            self._prepare(waiting)
        elif preparing and self._ahead:
            call = self._ahead.popleft()
            with warnings.catch_warnings(), contextlib.suppress(Exception):
                warnings.simplefilter("ignore")
                call()

    def _prepare(self, task: _Task) -> bool:
        """Prepare what ``task`` asks for; when that fails, report the task as an error."""
        try:
            prepare(task.prepare)
            return True
        except Exception as exc:  # a model not installed, an import error...
            self._queue.remove(task)
            self._done.append(TaskResult(task.key, "error", attempts=task.attempts,
                                         error=f"could not prepare the task: {_one_line(exc)}"))
            return False

    def _spawn(self, task: _Task) -> None:
        task.attempts += 1
        read_fd, write_fd = os.pipe()
        with contextlib.suppress(OSError):
            # Imported here: the module itself loads on every OS, for the spare engine.
            import fcntl

            fcntl.fcntl(write_fd, fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
        # Whatever sits in the parent's buffers would otherwise be written by every child too.
        _flush_stdio()
        parent = os.getpid()
        try:
            pid = os.fork()
        except OSError as exc:
            os.close(read_fd)
            os.close(write_fd)
            self._done.append(TaskResult(task.key, "error", error=f"could not fork: {exc}",
                                         attempts=task.attempts))
            return
        if pid == 0:
            _child_main(task, write_fd, read_fd, parent)
        # Also done by the child, but whichever runs first wins the race: the group must exist
        # before the parent may need to kill it.
        with contextlib.suppress(OSError):
            os.setpgid(pid, pid)
        os.close(write_fd)
        os.set_blocking(read_fd, False)
        now = time.monotonic()
        child = _Child(task, pid, read_fd, _pidfd(pid), now,
                       None if task.timeout is None else now + task.timeout)
        self._running[pid] = child
        selector = self._resources.selector
        selector.register(read_fd, selectors.EVENT_READ, child)
        _POOL_FDS.add(read_fd)
        if child.pidfd is not None:
            selector.register(child.pidfd, selectors.EVENT_READ, child)
            _POOL_FDS.add(child.pidfd)

    def _wait(self) -> None:
        """Wait for one round of events, then reap exited children and enforce deadlines."""
        now = time.monotonic()
        running = list(self._running.values())
        deadlines = [c.deadline for c in running if c.deadline is not None and not c.timed_out]
        wait = max(0.0, min(deadlines) - now) if deadlines else None
        if any(c.pidfd is None for c in running):
            wait = _POLL_SECONDS if wait is None else min(wait, _POLL_SECONDS)
        if self._ahead:  # more to do between two looks at the children
            wait = 0
        for key, _events in self._resources.selector.select(wait):
            child = key.data
            if key.fd == child.fd:
                self._read(child)
            # A readable pidfd means the child exited; the scan below handles it.
        for child in list(self._running.values()):
            state = _exit_state(child.pid)
            if state != "running":
                self._reap(child, reaped_elsewhere=state == "gone")
        now = time.monotonic()
        for child in self._running.values():
            if child.deadline is not None and not child.timed_out and now >= child.deadline:
                label = f"({child.label})" if child.label else "(no heartbeat received)"
                child.timed_out = f"no progress for {child.task.timeout:g} s {label}"
                _kill_tree(child.pid)

    def _read(self, child: _Child, drain: bool = False) -> None:
        """Read what ``child`` sent; with ``drain``, everything up to EOF or an empty pipe."""
        received = False
        reads = 0
        while child.fd >= 0 and (drain or reads < _READS_PER_EVENT):
            reads += 1
            try:
                chunk = os.read(child.fd, _READ_BYTES)
            except BlockingIOError:
                break
            if not chunk:
                _close_pipe(self._resources, child)
                break
            child.buffer += chunk
            received = True
        if received:
            # Any message is progress, including a large result still coming through.
            if child.deadline is not None:
                child.deadline = time.monotonic() + child.task.timeout
            self._parse(child)

    def _parse(self, child: _Child) -> None:
        buffer = child.buffer
        while len(buffer) >= _HEADER.size:
            kind, size = _HEADER.unpack_from(buffer)
            if kind not in (_HEARTBEAT, _RESULT):
                child.malformed = True
                buffer.clear()
                return
            end = _HEADER.size + size
            if len(buffer) < end:
                return
            with memoryview(buffer) as view:
                payload = bytes(view[_HEADER.size:end])
            del buffer[:end]
            if kind == _HEARTBEAT:
                child.label = payload.decode("utf-8", "replace")
            else:
                child.result = payload

    def _reap(self, child: _Child, reaped_elsewhere: bool = False) -> None:
        # The child is gone, so everything it wrote is in the pipe by now.
        self._read(child, drain=True)
        status, max_rss = None, 0
        # A pid reaped by someone else may already belong to another process: leave it alone.
        if not reaped_elsewhere:
            # Kill whatever the task left running in its group before reaping: the zombie
            # keeps the group id reserved until then.
            _kill_group(child.pid)
            with contextlib.suppress(ChildProcessError):
                _pid, status, usage = os.wait4(child.pid, 0)
                max_rss = usage.ru_maxrss * 1024  # KiB on Linux
        self._resources.release(child)
        _end_adopted(self._running)
        task = child.task
        result = TaskResult(task.key, "died", attempts=task.attempts, max_rss=max_rss,
                            duration=time.monotonic() - child.started)
        if child.result is not None:
            # A result that arrived complete wins, even if the child was killed just after.
            try:
                result.status, result.value, result.error, result.traceback = pickle.loads(
                    child.result)
            except Exception as exc:
                result.status = "error"
                result.error = f"the result could not be unpickled in the parent: {_one_line(exc)}"
                result.traceback = format_exc()
        elif child.timed_out:
            result.status, result.error = "timeout", child.timed_out
        else:
            result.error = _death_message(status, child.malformed)
            if task.retry and task.attempts < _MAX_ATTEMPTS:
                # In front of the queue: it was next in line already.
                self._queue.appendleft(task)
                return
        self._done.append(result)


# The child's side.

class _Channel:
    """The write end of a child's pipe to the parent."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.pid = os.getpid()
        # Created in the child: a lock copied from the parent could be held by a thread that
        # no longer exists. It keeps a heartbeat from another thread out of the result.
        self.lock = threading.Lock()

    def send(self, kind: bytes, payload: bytes) -> None:
        header = _HEADER.pack(kind, len(payload))
        with self.lock:
            if len(payload) < _LABEL_BYTES * 2:
                self._write(header + payload)  # one write, atomic below PIPE_BUF
            else:
                self._write(header)
                self._write(payload)

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view):]


def _child_main(task: _Task, write_fd: int, read_fd: int, parent: int) -> NoReturn:
    """Run ``task`` in the freshly forked child, send its result and leave with ``os._exit``.

    It never returns: returning would continue the parent's code (the caller's loop, pytest,
    atexit handlers) in the child.
    """
    code = _EXIT_NO_RESULT
    try:
        code = _child_run(task, write_fd, read_fd, parent)
    except BaseException:  # nothing can be reported; the parent sees an exit without result
        code = _EXIT_NO_RESULT
    finally:
        try:
            _flush_stdio()
        finally:
            os._exit(code)


def _child_run(task: _Task, write_fd: int, read_fd: int, parent: int) -> int:
    global _CHANNEL
    # Own process group: the parent kills the child with everything it started in one call,
    # and a Ctrl-C meant for the parent's terminal does not reach it.
    os.setpgid(0, 0)
    # The parent's handlers are not the task's: SIGINT would raise KeyboardInterrupt in the
    # task's code, and an ignored SIGCHLD breaks waiting for subprocesses.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD):
        signal.signal(signum, signal.SIG_DFL)
    # Whatever the task starts stays below the child, even what leaves with setsid; and the
    # child does not outlive a parent killed without a chance to clean up.
    _prctl(_PR_SET_CHILD_SUBREAPER, 1)
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(_EXIT_NO_RESULT)
    with contextlib.suppress(ValueError, OSError):
        signal.set_wakeup_fd(-1)  # it would write into the parent's event loop
    for fd in (read_fd, *_POOL_FDS):
        with contextlib.suppress(OSError):
            os.close(fd)
    _POOL_FDS.clear()
    # The collector would otherwise write to every object inherited from the parent, copying
    # the shared pages the fork is meant to save (see gc.freeze).
    gc.freeze()
    _CHANNEL = _Channel(write_fd)
    # numpy's global RandomState would otherwise give every child the same "random" numbers as
    # its siblings. The random module already reseeds itself after a fork (os.register_at_fork);
    # seeding it here as well keeps that guarantee in one visible place.
    random.seed(os.urandom(32))
    if "numpy.random" in sys.modules:  # imported later, it seeds itself from the OS
        numpy = sys.modules["numpy"]
        numpy.random.seed(numpy.frombuffer(os.urandom(16), dtype=numpy.uint32))
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    # The result is (status, value, error, traceback), as TaskResult spells them.
    try:
        if task.log_path is not None:
            _redirect_output(task.log_path)
        value = task.function(*task.args, **task.kwargs)
    except BaseException as exc:  # SystemExit too: it is the task's failure, not the pool's
        payload = _dumps(("error", None, _one_line(exc), format_exc()))
    else:
        try:
            payload = _dumps(("ok", value, None, None))
        except Exception as exc:
            payload = _dumps(("error", None, f"the return value ({type(value).__name__}) is "
                              f"not picklable: {_one_line(exc)}", format_exc()))
    _end_descendants()
    _CHANNEL.send(_RESULT, payload)
    return 0


def _dumps(message: object) -> bytes:
    return pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)


def _redirect_output(log_path: str | os.PathLike) -> None:
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o666)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    # The parent may have replaced sys.stdout (pytest, rich, IPython): rebinding makes print()
    # follow the file descriptors.
    sys.stdout = open(1, "w", encoding="utf-8", errors="backslashreplace",  # noqa: SIM115
                      buffering=1, closefd=False)
    sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace",  # noqa: SIM115
                      buffering=1, closefd=False)


def heartbeat(label: str = "") -> None:
    """Report progress from inside a task; a no-op outside a pool child.

    Resets the task's timeout deadline and records ``label``, which the timeout message quotes
    (e.g. ``heartbeat("cell 4")`` at the start of each notebook cell gives ``"no progress for
    30 s (cell 4)"``). Labels are cut at 512 bytes.

    Parameters
    ----------
    label : str
        What the task is about to do.

    Examples
    --------
    >>> heartbeat("cell 1")  # in the parent: nothing happens
    """
    channel = _CHANNEL
    # A process the task forked inherits the channel but is not the task.
    if channel is None or channel.pid != os.getpid():
        return
    data = str(label).encode("utf-8", "replace")[:_LABEL_BYTES]
    # A parent that went away cannot be told; the task may still finish its side effects.
    with contextlib.suppress(OSError):
        channel.send(_HEARTBEAT, data)


def forks_safely() -> bool:
    """Whether this OS runs the fork pool: Linux (no ``fork`` on Windows; on macOS,
    forking a process that loaded system frameworks is unsafe)."""
    return sys.platform.startswith("linux")


def send_over(pipe: int, value: object) -> None:
    """Write ``value``, pickled, to the file descriptor ``pipe`` and close it, for a process
    of the same code that reads it whole (:func:`handed`), outside a pool (``civeval
    serve``); nothing when it is None or does not pickle."""
    with contextlib.suppress(Exception), open(pipe, "wb") as writer:
        if value is not None:
            writer.write(_dumps(value))


def handed(sent: bytes) -> object:
    """What :func:`send_over` wrote, read whole; None when the writer stopped first."""
    try:
        return pickle.loads(sent) if sent else None
    except Exception:  # noqa: BLE001 (cut short: nothing to take)
        return None


def preload(modules: Iterable[str]) -> None:
    """Import ``modules`` in this process so that the children forked later have them imported.

    Parameters
    ----------
    modules : iterable of str
        Module names, e.g. ``["pandas", "seaborn", "statsmodels.api", "matplotlib.pyplot",
        "IPython"]``.

    Raises
    ------
    ImportError
        If a module cannot be imported.

    Notes
    -----
    Children have no display: when a ``matplotlib`` module is listed, the non-interactive Agg
    backend is selected first, unless ``matplotlib.pyplot`` is already imported or
    ``MPLBACKEND`` is set. Modules that start threads at import time defeat the point of a
    single-threaded parent (see the module's Limitations).
    """
    for name in modules:
        if (name.partition(".")[0] == "matplotlib" and "matplotlib.pyplot" not in sys.modules
                and "MPLBACKEND" not in os.environ):
            import matplotlib

            matplotlib.use("Agg")
        importlib.import_module(name)


_PREPARED: set[str] = set()


def prepare(targets: Iterable[str]) -> None:
    """Call each ``"module:function"`` of ``targets`` once in this process (a plain module
    name is imported), so that the children forked afterwards find what it made ready.

    Raises
    ------
    Exception
        Whatever a target raises; it is tried again at the next call.

    Examples
    --------
    >>> prepare(["json", "time:monotonic"])  # json imported, time.monotonic() called
    """
    for target in targets:
        if target in _PREPARED:
            continue
        module, _, function = target.partition(":")
        preload([module])
        if function:
            getattr(importlib.import_module(module), function)()
        _PREPARED.add(target)


_COUNTED: set[str] = set()  # the targets times_called was asked about in this process
_EXCUSED: Counter[str] = Counter()  # their calls that served what is kept for the next run


def times_called(target: str) -> int | None:
    """How often the function of ``"module:function"`` has been called in this process,
    when it keeps count (a :func:`functools.cache` does), less the calls that served what
    is kept for the next run (:func:`excuse_calls_since`); None when that cannot be told.

    Examples
    --------
    >>> times_called("functools:cache") is None  # not a cached function
    True
    """
    _COUNTED.add(target)
    module, _, function = target.partition(":")
    info = getattr(getattr(sys.modules.get(module), function, None), "cache_info", None)
    if info is None:
        return None
    counts = info()
    return counts.hits + counts.misses - _EXCUSED[target]


def call_counts() -> dict[str, int | None]:
    """:func:`times_called` of every target counted so far in this process."""
    return {target: times_called(target) for target in _COUNTED}


def excuse_calls_since(before: dict[str, int | None]) -> None:
    """Say that the calls made since ``before`` (:func:`call_counts`) served what is now
    kept for the next run on the same inputs (:mod:`civeval.workbench.readings`): that run
    will not need them, so they are not counted."""
    for target, count in before.items():
        now = times_called(target)
        if count is not None and now is not None:
            _EXCUSED[target] += now - count


def _is_prepared(task: _Task) -> bool:
    return _PREPARED.issuperset(task.prepare)
