"""``civeval serve``: a warm process that ``civeval run`` hands its work to.

Before its first section, a run spends 2 to 3 s on what is the same every time: starting
Python, importing pandas, matplotlib, IPython and papermill, rehearsing a first section
(:mod:`civeval.workbench.rehearsal`). ``civeval serve`` does that once, then waits on a
socket that only its user may open, named after the reports folder. A ``civeval run`` of
that folder, from the same Python and the same civeval code, hands the server its
arguments, working folder, environment and terminal (the file descriptors themselves), and
the server forks a child that runs the command as the command would have: same output,
same progress bar, same exit status, Ctrl-C stops it. A run that finds no server, or a
server started from other code, runs itself. The server stops after ``idle`` minutes
without a run, on Ctrl-C (which stops the runs it serves too), on ``civeval serve --stop``
(the runs it serves end as they would), or when a run shows that the civeval code it was
started from, or the installed packages, have changed on disk. One server per reports
folder: it holds a lock beside its socket (:class:`civeval.workbench.locks.HeldLock`), whose
file gives its process id.

A run of named studies made at a terminal, that found no server, starts one as it ends
(:func:`start_for_next_runs`), detached, its output in ``reports/.serve.log``: the analyst's
next runs start warm without asking. ``CIVEVAL_SERVE=0`` turns that off; ``=1`` turns it on
away from a terminal too (scripts, tests, benchmarks).

Once its command has ended, the child hands the server the datasets it parsed
(:func:`civeval.workbench.formats.kept`, through a pipe, never on disk): the next run of the
same study, forked from the server, finds those whose files have not changed parsed, its
first sections included. The server keeps at most ``formats.PARSED_KEPT`` of them.

Linux only: the terminal travels as file descriptors (POSIX) and the children are forked
(which the runner does only on Linux, :mod:`civeval.workbench.pools`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
import traceback
from pathlib import Path

from civeval.errors import CivevalError
from civeval.workbench import formats, locks, workers
from civeval.workbench.paths import reports_dir

__all__ = ["AUTOSTART", "IDLE_MINUTES", "LOG", "hand_over", "lock_path", "serve",
           "socket_path", "start_for_next_runs", "stop"]

IDLE_MINUTES = 30.0
"""How long a server waits for a run before it stops."""
AUTOSTART = "CIVEVAL_SERVE"
"""``0``: a run never starts a server; ``1``: a run of named studies starts one even away
from a terminal; unset: only at a terminal."""
LOG = ".serve.log"
"""In the reports folder: what the last server started by a run says (each starts it anew)."""

_STREAMS = (0, 1, 2)  # the terminal: standard input, output and error
_served = False  # true in a child the server forked: it runs the command, it hands nothing
_STOP = object()  # what _start returns when the server must stop


def supported() -> bool:
    """Where the runner forks (:func:`civeval.workbench.workers.forks_safely`)."""
    return workers.forks_safely()


def socket_path(reports: Path | None = None) -> Path:
    """Where the server of ``reports`` (the reports folder) listens: in the temporary
    folder, as a socket path may not exceed about a hundred characters."""
    folder = str((reports or reports_dir()).resolve())
    digest = hashlib.sha256(f"{os.getuid()}:{folder}".encode()).hexdigest()[:20]
    return Path(tempfile.gettempdir()) / f"civeval-serve-{digest}.sock"


def _require_support() -> None:
    if not supported():
        raise CivevalError("civeval serve runs on Linux only (it forks warm children); "
                           "`civeval run` works everywhere without it")


def lock_path(reports: Path | None = None) -> Path:
    """The lock the server of ``reports`` holds while it lives; its file names the server's
    process (:func:`civeval.workbench.locks.holder_details`)."""
    return socket_path(reports).with_suffix(".lock")


def _code() -> str:
    """What server and run must share: the Python and where civeval lies (the first two
    fields: a server refused by a run that shares them is outdated, :func:`_start`), the
    civeval code, and the installed packages, as their folder's modification time says (an
    install, upgrade or removal adds or removes entries there)."""
    import civeval
    from civeval.workbench.incremental import code_digest

    folders = {sysconfig.get_paths()[key] for key in ("purelib", "platlib")}
    installed = max((os.stat(folder).st_mtime_ns for folder in folders
                     if os.path.isdir(folder)), default=0)
    return f"{sys.executable}|{civeval.__file__}|{code_digest()}|{installed}"


def hand_over(argv: list[str]) -> int | None:
    """Run ``civeval <argv>`` in the server of this reports folder, when one is up for
    this code; return its exit status, or None when this process must run it itself."""
    if _served or not supported():
        return None
    path = socket_path()
    if not path.exists():
        return None
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        try:
            connection.connect(str(path))
            request = {"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ),
                       "code": _code()}
            socket.send_fds(connection, [json.dumps(request).encode() + b"\n"], _STREAMS)
        except OSError:  # a server that stopped without removing its socket
            return None
        replies = connection.makefile("r", encoding="utf-8")
        started = json.loads(replies.readline() or "{}")
        if "pid" not in started:  # refused: another civeval or Python
            return None

        def forward(signum, frame):
            with contextlib.suppress(ProcessLookupError):
                os.kill(started["pid"], signum)

        previous = {signum: signal.signal(signum, forward)
                    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
        try:
            ended = replies.readline()
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
    # No status: the served child died without saying (killed); as a killed run would.
    return json.loads(ended)["status"] if ended else 1


def start_for_next_runs(whole_project: bool) -> bool:
    """After a run this process made itself (no server took it), start a server for the
    runs that follow, detached, unless one is there or starting, or the run was not made at
    a terminal (:data:`AUTOSTART` decides otherwise), or it ran the whole project (a batch
    is not the analyst's loop); say so, and return whether it was started."""
    choice = os.environ.get(AUTOSTART, "").strip()
    if whole_project or choice == "0" or not supported():
        return False
    if choice != "1" and not (sys.stdout.isatty() and sys.stderr.isatty()):
        return False
    try:
        locks.HeldLock(lock_path()).release()
    except locks.Locked:  # a server lives (this run's, when served), or is warming up
        return False
    log = reports_dir() / LOG
    with open(log, "wb") as output:  # no server is left to write to it: the lock is free
        subprocess.Popen([sys.executable, "-m", "civeval.cli", "serve"],
                         stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                         start_new_session=True)
    print(f"civeval: the next runs will start warm: a server waits for them in the "
          f"background (it stops after {IDLE_MINUTES:g} min without one, or with `civeval "
          f"serve --stop`; {AUTOSTART}=0 runs without it)", file=sys.stderr)
    return True


def stop() -> int:
    """Stop the server of this reports folder, waiting until it has let go of its lock (its
    last act); say what was done and return 0 (nothing to stop is not an error)."""
    _require_support()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        try:
            connection.connect(str(socket_path()))
            connection.sendall(b'{"stop": true}\n')
            answered = connection.makefile("r", encoding="utf-8").readline()
        except OSError:
            answered = ""
    if not answered:
        print(f"civeval: no server serves the runs of {reports_dir()}")
        return 0
    deadline = time.monotonic() + 10
    while lock_path().exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    print(f"civeval: the server of {reports_dir()} stopped")
    return 0


def serve(idle: float = IDLE_MINUTES) -> int:
    """Warm up, then serve the runs of this reports folder until ``idle`` minutes pass
    without one, or until stopped; return 0."""
    _require_support()
    try:
        held = locks.HeldLock(lock_path())
    except locks.Locked as other:
        raise CivevalError(f"a server already serves the runs of {reports_dir()} "
                           f"({other.holder})") from None
    with held:
        return _serve(idle)


def _serve(idle: float) -> int:
    path = socket_path()
    _warm_up()
    code = _code()
    path.unlink(missing_ok=True)  # left by a server that was killed
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    umask = os.umask(0o177)  # only this user may connect
    try:
        listener.bind(str(path))
    finally:
        os.umask(umask)
    listener.listen(8)
    print(f"civeval: serving the runs of {reports_dir()} (stops after {idle:g} min without "
          "one, or with `civeval serve --stop`)", flush=True)
    children: dict[int, _HandBack] = {}
    last = time.monotonic()
    try:
        while True:
            for pid in [pid for pid in children if _ended(pid)]:
                children.pop(pid).close()
            if children:
                last = time.monotonic()
            elif time.monotonic() - last > idle * 60:
                print("civeval: no run for a while; server stopped", flush=True)
                return 0
            pipes = {child.pipe: child for child in children.values() if child.pipe is not None}
            for ready in select.select([listener, *pipes], [], [], 1.0)[0]:
                if ready in pipes:
                    pipes[ready].drain()
                    continue
                connection, _ = listener.accept()
                with connection:
                    started = _start(connection, listener, code)
                if started is _STOP:
                    return 0
                if started:
                    children[started[0]] = _HandBack(started[1])
                    last = time.monotonic()
    finally:
        for child in children.values():
            child.close(keep=False)
        listener.close()
        path.unlink(missing_ok=True)


class _HandBack:
    """The end of the pipe on which a served child hands back the datasets it parsed."""

    def __init__(self, pipe: int) -> None:
        self.pipe: int | None = pipe
        self.received = bytearray()
        os.set_blocking(pipe, False)

    def drain(self) -> None:
        """Read what the child wrote so far; keep it all once the child has written it."""
        while self.pipe is not None:
            try:
                chunk = os.read(self.pipe, 1 << 20)
            except BlockingIOError:
                return
            if not chunk:
                return self.close()
            self.received += chunk

    def close(self, keep: bool = True) -> None:
        """Read what is left (the child has ended), close the pipe, keep what it held."""
        if self.pipe is None:
            return
        pipe, self.pipe = self.pipe, None
        with contextlib.suppress(OSError):  # nothing more, though a grandchild holds it
            while keep and (chunk := os.read(pipe, 1 << 20)):
                self.received += chunk
        os.close(pipe)
        received, self.received = bytes(self.received), bytearray()
        parsed = workers.handed(received) if keep else None
        if parsed:
            formats.keep(parsed)
            print(f"civeval: {len(parsed)} dataset(s) that run parsed kept for the next runs "
                  f"({len(formats.kept())} in all)", flush=True)


def _warm_up() -> None:
    """What every run would do before its first section: import, rehearse."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    from civeval.workbench import runner, workers
    from civeval.workbench.rehearsal import rehearse
    from civeval.workbench.render import Renderer

    workers.preload([*runner.PRELOAD, *runner.run_imports()])
    rehearse(Renderer.shared())


def _ended(pid: int) -> bool:
    with contextlib.suppress(ChildProcessError):
        return os.waitpid(pid, os.WNOHANG)[0] == pid
    return True


def _start(connection: socket.socket, listener: socket.socket,
           code: str) -> tuple[int, int] | object | None:
    """Fork the child that runs the request on ``connection``; its pid and the pipe on
    which it hands back what it parsed, None when the request is refused or cannot be
    read, or :data:`_STOP` when the server must stop: asked to, or outdated (the run comes
    from the same Python and civeval files, which have changed since it started)."""
    connection.settimeout(10)  # a client that connects and says nothing must not hold us
    try:
        message, streams, _, _ = socket.recv_fds(connection, 1 << 16, len(_STREAMS))
        if not message and not streams:  # a client that gave up
            return None
        while not message.endswith(b"\n"):
            chunk = connection.recv(1 << 16)
            if not chunk:
                raise ValueError("the request ended early")
            message += chunk
        request = json.loads(message)
    except (OSError, ValueError) as error:
        print(f"civeval: a run could not be read: {error}", file=sys.stderr, flush=True)
        return None
    if request.get("stop"):
        connection.sendall(b'{"stopping": true}\n')
        print("civeval: stopped (`civeval serve --stop`)", flush=True)
        return _STOP
    if request.get("code") != code or len(streams) != len(_STREAMS):
        for stream in streams:
            os.close(stream)
        connection.sendall(b'{"refused": "other code"}\n')
        theirs = str(request.get("code"))
        if theirs != code and theirs.split("|")[:2] == code.split("|")[:2]:
            print("civeval: the civeval code or the installed packages changed since this "
                  "server started; it stopped, and that run runs itself", flush=True)
            return _STOP
        print("civeval: a run from another civeval or Python runs itself", flush=True)
        return None
    connection.settimeout(None)
    reading, writing = os.pipe()
    pid = os.fork()
    if pid:
        for stream in (*streams, writing):
            os.close(stream)
        print(f"civeval: civeval {' '.join(request['argv'])} (process {pid})", flush=True)
        return pid, reading
    listener.close()
    os.close(reading)
    _run_served(connection, request, streams, writing)


def _run_served(connection: socket.socket, request: dict, streams: list[int],
                hand_back: int) -> None:
    """In the forked child: become the command the request describes, run it, say how it
    ended, hand the server on ``hand_back`` what it parsed that the server had not, and
    exit without returning."""
    global _served
    _served = True
    status = 1
    inherited = set(formats.kept())
    try:
        signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a new Python
        for signum in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL)
        for target, stream in zip(_STREAMS, streams, strict=True):
            os.dup2(stream, target)
            os.close(stream)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.argv = ["civeval", *request["argv"]]
        connection.sendall(json.dumps({"pid": os.getpid()}).encode() + b"\n")
        from civeval import cli

        status = cli.main(request["argv"])
    except SystemExit as exit:  # argparse's errors and --help
        status = exit.code if isinstance(exit.code, int) else int(exit.code is not None)
    except BaseException:
        traceback.print_exc()
    finally:
        with contextlib.suppress(OSError):
            sys.stdout.flush()
            sys.stderr.flush()
            connection.sendall(json.dumps({"status": status}).encode() + b"\n")
        workers.send_over(hand_back, formats.kept(besides=inherited))
        os._exit(status)
