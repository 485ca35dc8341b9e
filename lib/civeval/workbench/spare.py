"""The portable engine: a pool of warm spare interpreters, one fresh interpreter per task.

Why spares
----------
:class:`~civeval.workbench.workers.ForkPool` forks each task from a parent that imported
pandas, statsmodels and matplotlib once. Windows has no ``fork``, and on macOS forking a
process that has loaded system frameworks is unsafe. :class:`SparePool` keeps the same
guarantees there by starting interpreters *ahead of need*: each spare imports what the fork
parent imports (``warmup``), then waits on its standard input for one task, runs it, sends
the result and exits. While the others work, one more spare is already warming, so that a
task seldom waits for its imports. Since a spare runs a single task, every task starts from
a fresh interpreter: nothing it changes (module globals, ``os.environ``, matplotlib settings,
random state, ``sys.modules``, open files) reaches the next one or the parent.

A task sees the parent's environment variables, working folder and ``sys.path`` as they are at
:meth:`SparePool.submit` (its spare was started earlier), the null device as standard input,
and writes its output to ``log_path``, else to the parent's standard *error* (a spare's
standard output is its channel to the parent).

How it works
------------
A spare speaks with the parent through its standard input (a setup message, then the task)
and its standard output (``ready``, heartbeats, then the result), in length-prefixed messages.
One thread per spare reads its output into a queue, another writes its input; the parent's
loop takes from that queue, enforces the timeouts (no message for ``timeout`` seconds), notices
exits and retries once a task whose interpreter died. Every spare is started in a group of its
own (:mod:`civeval.workbench.processtree`: a new session on POSIX, a job object on Windows),
and killed with everything it started on timeout, :meth:`SparePool.close`, garbage collection
of the pool, interpreter exit or a ``KeyboardInterrupt`` while waiting; a task's leftover
processes are ended by the spare itself before it sends its result.

Differences from the fork pool
------------------------------
* The function, its arguments and its return value travel by pickle: module-level functions,
  not lambdas or closures; objects that do not pickle must be rebuilt by the task.
* Each task pays for the imports of its spare, in parallel with the other tasks but on the
  same cores (``benchmarks/engines.py`` measures the throughput against the fork pool's).
* Without ``SIGALRM`` (Windows), the engine's per-cell limit is not enforced; the pool's
  ``timeout`` still kills a task that stops making progress.
* POSIX: a process that leaves the spare's group and loses its parent escapes (see
  :mod:`civeval.workbench.processtree`).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import queue
import struct
import subprocess
import sys
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from traceback import format_exc
from typing import IO, Any, NoReturn

from civeval.workbench import exports, processtree, workers
from civeval.workbench.workers import (
    _EXIT_NO_RESULT,
    _HEADER,
    _HEARTBEAT,
    _MAX_ATTEMPTS,
    _RESULT,
    TaskPool,
    TaskResult,
    _Channel,
    _dumps,
    _one_line,
    _redirect_output,
    preload,
)

__all__ = ["SparePool", "serve"]

# A message from a spare is framed as a fork pool child's (workers._HEADER: one kind byte,
# the payload length, the payload), with two more kinds: ready for a task, and running it
# (its function unpickled).
_READY, _STARTED = b"W", b"S"
# A message to a spare: the length of a pickle, then the pickle.
_LENGTH = struct.Struct("<Q")
# The loop wakes at least this often: to notice exits, and to let a Ctrl-C through on
# Windows, where waiting on a lock cannot be interrupted.
_POLL_SECONDS = 0.05
# Once a spare has exited, how long its reader may take to hand over what is left in its pipe
# (a process the task forked may hold the pipe open after the spare is gone).
_DRAIN_SECONDS = 1.0
# The timeout is the task's: until its spare has finished its imports and started the task,
# the limit is this one (or the task's, when longer), which only a hung import reaches.
_PREPARATION_SECONDS = 120.0
# -u: standard streams in binary mode on Windows, where text mode would turn each \n of a
# message into \r\n.
_COMMAND = (sys.executable, "-u", "-c", "from civeval.workbench.spare import serve; serve()")


@dataclass(eq=False)
class _Task:
    key: Hashable
    message: bytes  # what the spare receives: environment, folder, path, log, the call
    timeout: float | None
    retry: bool
    attempts: int = 0


@dataclass(eq=False)
class _Spare:
    tree: processtree.Tree
    outbox: queue.SimpleQueue  # messages for its standard input; None closes it
    task: _Task | None = None
    started: float = 0.0  # when it was given its task, then when it started it
    running: bool = False  # the task itself, past the imports
    deadline: float | None = None
    label: str = ""
    result: bytes | None = None
    malformed: bool = False
    finished_reading: bool = False
    exited_at: float | None = None
    timed_out: str | None = None


class SparePool(TaskPool):
    """Run each task in a fresh spare interpreter, ``jobs`` at a time; the same interface as
    :class:`~civeval.workbench.workers.ForkPool`, on every OS.

    Parameters
    ----------
    jobs : int, optional
        Most tasks running at once; ``os.cpu_count()`` by default.
    warmup : iterable of str
        Modules each spare imports before it waits for its task, as
        :func:`~civeval.workbench.workers.preload` does.
    spares : int
        Interpreters kept warming beyond those running tasks, from the pool's creation to its
        close.

    Notes
    -----
    Use it from the thread that created it. The function, its arguments and its return value
    must pickle (see the module's notes). The pool is a context manager; leaving the block,
    :meth:`close`, garbage collection of the pool and interpreter exit all kill every spare
    with what it started.

    Examples
    --------
    >>> with SparePool(jobs=2) as pool:
    ...     pool.submit("square", pow, 7, 2)
    ...     [(r.key, r.status, r.value) for r in pool.results()]
    [('square', 'ok', 49)]
    """

    def __init__(self, jobs: int | None = None, warmup: Iterable[str] = (),
                 spares: int = 1) -> None:
        super().__init__(jobs)
        self._setup = _dumps({"path": list(sys.path), "warmup": list(warmup)})
        self._spares = spares
        self._idle: deque[_Spare] = deque()
        self._running: list[_Spare] = []
        self._events: queue.SimpleQueue = queue.SimpleQueue()
        # Every spare alive, for the finalizer, which must not hold the pool itself.
        self._live: set[_Spare] = set()
        self._finalizer = weakref.finalize(self, _shutdown, self._live, self._owner)
        self._top_up()

    def __repr__(self) -> str:
        return (f"<SparePool jobs={self.jobs} running={len(self._running)} "
                f"idle={len(self._idle)} queued={len(self._queue)}"
                f"{' closed' if self._closed else ''}>")

    def submit(self, key: Hashable, function: Callable[..., Any], /, *args: Any,
               timeout: float | None = None, retry: bool = True,
               log_path: str | os.PathLike | None = None, prepare: Iterable[str] = (),
               **kwargs: Any) -> None:
        """Queue ``function(*args, **kwargs)``; it starts at once if fewer than ``jobs`` run.

        The parameters are those of :meth:`ForkPool.submit
        <civeval.workbench.workers.ForkPool.submit>`; ``function`` and its arguments must
        pickle. A call that does not is reported at once as an ``"error"`` result. Nothing
        is prepared ahead for a spare: the task loads what ``prepare`` names when it needs it.

        Raises
        ------
        RuntimeError
            If the pool is closed, or used from another process than the one that created it.
        """
        self._check_submission(timeout, function)
        try:
            call = _dumps((function, args, kwargs))
        except Exception as exc:
            self._done.append(TaskResult(key, "error", error="the task cannot be sent to a "
                                         f"spare interpreter: {_one_line(exc)}"))
            return
        message = _dumps({"environ": dict(os.environ), "cwd": os.getcwd(),
                          "path": list(sys.path), "call": call,
                          "log_path": None if log_path is None else os.fspath(log_path)})
        self._queue.append(_Task(key, message, timeout, retry))
        self._launch()

    def close(self) -> None:
        super().close()
        self._running.clear()
        self._idle.clear()

    # The parent's loop.

    def _start(self) -> _Spare:
        tree = processtree.start(list(_COMMAND), stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        spare = _Spare(tree, queue.SimpleQueue())
        self._live.add(spare)
        for target, stream, *rest in ((_write_all, tree.process.stdin, spare.outbox),
                                      (_read_all, tree.process.stdout, spare, self._events)):
            threading.Thread(target=target, args=(stream, *rest), daemon=True,
                             name=f"spare-{tree.process.pid}").start()
        spare.outbox.put(self._setup)
        return spare

    def _top_up(self) -> None:
        while not self._closed and len(self._idle) < self._spares:
            try:
                self._idle.append(self._start())
            except OSError:  # no spare now; _launch starts one when a task needs it
                return

    def _launch(self) -> None:
        while self._queue and len(self._running) < self.jobs:
            task = self._queue.popleft()
            try:
                spare = self._idle.popleft() if self._idle else self._start()
            except OSError as exc:
                self._done.append(TaskResult(task.key, "error", attempts=task.attempts + 1,
                                             error=f"could not start an interpreter: {exc}"))
                continue
            task.attempts += 1
            spare.task, spare.started = task, time.monotonic()
            if task.timeout is not None:
                spare.deadline = spare.started + max(task.timeout, _PREPARATION_SECONDS)
            spare.outbox.put(task.message)
            spare.outbox.put(None)
            self._running.append(spare)
        self._top_up()

    def _wait(self) -> None:
        """Handle one round of messages, then reap exited spares and enforce deadlines."""
        now = time.monotonic()
        deadlines = [s.deadline for s in self._running
                     if s.deadline is not None and not s.timed_out]
        wait = min([_POLL_SECONDS, *(max(0.0, d - now) for d in deadlines)])
        try:
            event = self._events.get(timeout=wait)
            while True:
                self._receive(*event)
                event = self._events.get_nowait()
        except queue.Empty:
            pass
        now = time.monotonic()
        for spare in list(self._idle):  # a spare that died while warming is not handed a task
            if spare.finished_reading and processtree.exited(spare.tree.process):
                self._idle.remove(spare)
                self._discard(spare)
        for spare in list(self._running):
            if spare.exited_at is None and processtree.exited(spare.tree.process):
                spare.exited_at = now
            if spare.exited_at is not None and (
                    spare.finished_reading or spare.result is not None
                    or now - spare.exited_at > _DRAIN_SECONDS):
                self._reap(spare)
        for spare in self._running:
            if spare.deadline is not None and not spare.timed_out and now >= spare.deadline:
                if spare.running:
                    label = f"({spare.label})" if spare.label else "(no heartbeat received)"
                    spare.timed_out = f"no progress for {spare.task.timeout:g} s {label}"
                else:
                    spare.timed_out = ("the spare interpreter did not start the task within "
                                       f"{max(spare.task.timeout, _PREPARATION_SECONDS):g} s")
                spare.tree.kill()

    def _receive(self, spare: _Spare, kind: bytes | None, payload: bytes) -> None:
        if kind is None:
            spare.finished_reading = True
            return
        if kind == _STARTED:
            spare.running, spare.started = True, time.monotonic()
        if spare.running and spare.deadline is not None and not spare.timed_out:
            spare.deadline = time.monotonic() + spare.task.timeout  # any message is progress
        if kind == _HEARTBEAT:
            spare.label = payload.decode("utf-8", "replace")
        elif kind == _RESULT:
            spare.result = payload
        elif kind not in (_READY, _STARTED):
            spare.malformed = True

    def _discard(self, spare: _Spare) -> None:
        self._live.discard(spare)
        spare.outbox.put(None)
        spare.tree.close()

    def _reap(self, spare: _Spare) -> None:
        self._running.remove(spare)
        self._discard(spare)  # what the task left in its group or job goes with it
        task = spare.task
        result = TaskResult(task.key, "died", attempts=task.attempts,
                            duration=time.monotonic() - spare.started)
        if spare.result is not None:
            # A result that arrived complete wins, even if the spare was killed just after.
            try:
                (result.status, result.value, result.error, result.traceback,
                 result.max_rss) = pickle.loads(spare.result)
            except Exception as exc:
                result.status = "error"
                result.error = f"the result could not be unpickled in the parent: {_one_line(exc)}"
                result.traceback = format_exc()
        elif spare.timed_out:
            result.status, result.error = "timeout", spare.timed_out
        else:
            result.error = _death_message(spare.tree.process.returncode, spare.malformed)
            if task.retry and task.attempts < _MAX_ATTEMPTS:
                self._queue.appendleft(task)  # it was next in line already
                return
        self._done.append(result)


def _shutdown(live: set[_Spare], owner: int) -> None:
    """Kill every spare's tree, then reap them (all killed before any is waited for)."""
    if os.getpid() != owner:
        return
    spares = list(live)
    for spare in spares:
        spare.tree.kill()
    for spare in spares:
        spare.outbox.put(None)
        spare.tree.close()
    live.clear()


def _write_all(stream: IO[bytes], outbox: queue.SimpleQueue) -> None:
    """Thread: write what the pool queues for a spare, then close its standard input."""
    try:
        while (data := outbox.get()) is not None:
            stream.write(_LENGTH.pack(len(data)))
            stream.write(data)
            stream.flush()
    except (OSError, ValueError):  # the spare is gone; the pool notices its exit
        pass
    finally:
        with contextlib.suppress(OSError, ValueError):
            stream.close()


def _read_all(stream: IO[bytes], spare: _Spare, events: queue.SimpleQueue) -> None:
    """Thread: pass a spare's messages to the pool until its result or the end of its pipe."""
    try:
        while (header := stream.read(_HEADER.size)) and len(header) == _HEADER.size:
            kind, size = _HEADER.unpack(header)
            payload = stream.read(size) if size else b""
            if len(payload) < size:
                break
            events.put((spare, kind, payload))
            if kind not in (_READY, _STARTED, _HEARTBEAT):
                break  # the result is the last message; anything else ends the conversation
    except (OSError, ValueError):
        pass
    finally:
        with contextlib.suppress(OSError, ValueError):
            stream.close()
        events.put((spare, None, b""))


def _death_message(returncode: int | None, malformed: bool) -> str:
    if returncode is None:
        message = "exited without a result (exit status unknown)"
    elif returncode < 0:  # POSIX: killed by a signal
        import signal

        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = str(-returncode)
        message = f"killed by signal {name}"
    else:
        message = f"exited with status {returncode} without a result"
    if malformed:
        message += " (it wrote a malformed message on its result pipe)"
    return message


# The spare's side.

def _receive(stream: IO[bytes]) -> dict | None:
    header = stream.read(_LENGTH.size)
    if len(header) < _LENGTH.size:
        return None  # the pool closed without a task for this spare
    return pickle.loads(stream.read(_LENGTH.unpack(header)[0]))


def serve() -> NoReturn:
    """A spare's life: prepare, say so, wait for one task, run it, send the result, exit.

    Started by :class:`SparePool` as ``python -u -c "from civeval.workbench.spare import
    serve; serve()"``; it leaves with ``os._exit``, so that what the task registered with
    :mod:`atexit` does not run after its result.
    """
    exports.skip_iri_grammar()
    channel = _Channel(os.dup(1))  # not inherited by what the task starts
    os.dup2(2, 1)  # what is printed before the task's log is set goes to standard error
    if sys.platform == "win32":
        import msvcrt

        for fd in (0, channel.fd):
            msvcrt.setmode(fd, os.O_BINARY)
    requests = sys.stdin.buffer
    code = _EXIT_NO_RESULT
    try:
        setup = _receive(requests)
        if setup is None:
            code = 0
        else:
            sys.path[:] = setup["path"]
            problem = _warm_up(setup["warmup"])
            channel.send(_READY, b"")
            task = _receive(requests)
            if task is None:
                code = 0
            else:
                workers._CHANNEL = channel  # where the task's heartbeats go
                code = _run(task, channel, problem)
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)


def _warm_up(modules: list[str]) -> tuple[str, str] | None:
    """Import what the spare prepares; what failed, for the task to report."""
    for module in modules:
        try:
            preload([module])
        except BaseException as exc:
            return (f"the spare interpreter could not import {module}: {_one_line(exc)}",
                    format_exc())
    return None


def _run(task: dict, channel: _Channel, problem: tuple[str, str] | None) -> int:
    os.environ.clear()
    os.environ.update(task["environ"])
    with contextlib.suppress(OSError):
        os.chdir(task["cwd"])
    sys.path[:] = task["path"]
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    # The result is (status, value, error, traceback, peak memory), as TaskResult spells them.
    try:
        if task["log_path"] is not None:
            _redirect_output(task["log_path"])
        if problem is not None:
            payload = _dumps(("error", None, *problem, processtree.peak_memory()))
        else:
            function, args, kwargs = pickle.loads(task["call"])  # imports the task's modules
            channel.send(_STARTED, b"")
            value = function(*args, **kwargs)
            try:
                payload = _dumps(("ok", value, None, None, processtree.peak_memory()))
            except Exception as exc:
                payload = _dumps(("error", None, f"the return value ({type(value).__name__}) "
                                  f"is not picklable: {_one_line(exc)}", format_exc(),
                                  processtree.peak_memory()))
    except BaseException as exc:  # SystemExit too: it is the task's failure, not the pool's
        payload = _dumps(("error", None, _one_line(exc), format_exc(),
                          processtree.peak_memory()))
    with contextlib.suppress(Exception):
        processtree.end_descendants()
    channel.send(_RESULT, payload)
    return 0
