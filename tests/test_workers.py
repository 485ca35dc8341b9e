"""The process pools: concurrency, isolation, failures, timeouts and cleanup of processes.

The tests of what both pools guarantee (a fresh state per task, errors, a dead child retried,
timeouts, Ctrl-C, no process left behind) run with each: the fork pool and the spare
interpreters (:mod:`civeval.workbench.spare`, forced here on Linux)."""

from __future__ import annotations

import atexit
import errno
import functools
import gc
import hashlib
import importlib
import operator
import os
import random
import selectors
import signal
import subprocess
import sys
import time
import types
import warnings
from pathlib import Path

import matplotlib
import numpy
import pytest

from civeval.workbench import processtree, workers
from civeval.workbench.pools import heartbeat
from civeval.workbench.spare import SparePool
from civeval.workbench.workers import ForkPool, TaskResult, preload

MB = 1 << 20

# Set by a task, to show that no other task and not the parent sees it.
LEAK = None
_KEEP_OPEN = []


def _wait_for(predicate, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def _state(pid: int) -> str | None:
    """The process state letter from /proc (``"Z"`` for a zombie), None if there is none."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return stat.rpartition(")")[2].split()[0]


def _reaped(pid: int) -> bool:
    """A child of this process that was killed *and* waited for leaves no trace at all."""
    return _state(pid) is None


def _dead(pid: int) -> bool:
    """A grandchild's zombie is reaped by init, on its own schedule: dead is enough."""
    return _state(pid) in (None, "Z")


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


POOLS = {"fork": ForkPool, "spare": SparePool}


@pytest.fixture(params=sorted(POOLS))
def engine(request) -> str:
    """Each pool in turn, for the tests of what both guarantee."""
    return request.param


def _run_one(function, *args, engine: str = "fork", **kwargs) -> TaskResult:
    with POOLS[engine](jobs=1) as pool:
        pool.submit("task", function, *args, **kwargs)
        (result,) = pool.results()
    return result


# Task functions: they run in the children.

def _sleep(seconds):
    time.sleep(seconds)
    return seconds


def _interval(seconds):
    start = time.monotonic()
    time.sleep(seconds)
    return start, time.monotonic()


def _pollute(path):
    global LEAK
    LEAK = "from task A"
    os.environ["CIVEVAL_TEST_LEAK"] = "A"
    matplotlib.rcParams["lines.linewidth"] = 7.25
    numpy.random.seed(1)
    sys.modules["civeval_test_leak"] = types.ModuleType("civeval_test_leak")
    _KEEP_OPEN.append(open(path, "w", encoding="utf-8"))  # noqa: SIM115 -- left open on purpose
    return {"pid": os.getpid(), "random": numpy.random.random(),
            "open": _fds_open_on(path)}


def _fds_open_on(path):
    fds = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}") == os.path.realpath(path):
                fds.append(int(fd))
        except FileNotFoundError:  # the fd of the listing itself
            pass
    return fds


def _descriptors():
    """Pipes, epoll instances and pidfds of this process: ``{fd: target}``."""
    found = {}
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except FileNotFoundError:  # the fd of the listing itself
            continue
        if target.startswith(("pipe:", "anon_inode:[eventpoll]", "anon_inode:[pidfd]")):
            found[int(fd)] = target
    return found


def _inspect(path):
    return {"pid": os.getpid(), "random": numpy.random.random(), "global": LEAK,
            "environ": os.environ.get("CIVEVAL_TEST_LEAK"),
            "linewidth": matplotlib.rcParams["lines.linewidth"],
            "module": "civeval_test_leak" in sys.modules, "open": _fds_open_on(path),
            "kept": len(_KEEP_OPEN)}


def _draw():
    return random.random(), numpy.random.random()


def _environment():
    return {"pid": os.getpid(), "pgid": os.getpgid(0),
            "sigint": signal.getsignal(signal.SIGINT), "sigterm": signal.getsignal(signal.SIGTERM),
            "stdin": os.readlink("/proc/self/fd/0"), "read": os.read(0, 10)}


def _record_atexit(marker, parent):
    if os.getpid() != parent:  # registered in the parent, run by a child: a leak
        marker.write_text(f"the parent's atexit handler ran in process {os.getpid()}")


def _fail(counter):
    with counter.open("a", encoding="utf-8") as file:
        file.write("run\n")
    raise ValueError("bad input for Testville")


def _return_lambda():
    return lambda: None


def _big_result():
    heartbeat("building")
    data = os.urandom(12 * MB)
    heartbeat("sending")
    return hashlib.sha256(data).hexdigest(), data


def _die_first_time(marker):
    if not marker.exists():
        marker.touch()
        os.kill(os.getpid(), signal.SIGKILL)
    return "second attempt"


def _die():
    os.kill(os.getpid(), signal.SIGKILL)


def _exit_3():
    os._exit(3)


def _hang_after_heartbeat(label):
    heartbeat(label)
    time.sleep(60)


def _keep_beating(seconds, every):
    end = time.monotonic() + seconds
    step = 0
    while time.monotonic() < end:
        heartbeat(f"step {step}")
        step += 1
        time.sleep(every)
    return step


def _spawn_and_hang(pid_file):
    sleeper = subprocess.Popen(["sleep", "60"])
    _write_atomically(pid_file, f"{os.getpid()} {sleeper.pid}")
    time.sleep(60)


def _spawn_and_return():
    return subprocess.Popen(["sleep", "60"]).pid


def _fork_and_return():
    if os.fork() == 0:  # a grandchild that inherits the pipe to the parent and keeps it open
        time.sleep(60)
        os._exit(0)
    return "done"


def _allocate(megabytes):
    data = b"\x01" * (megabytes * MB)  # written, so resident (unlike a calloc'd bytearray)
    return len(data)


def _chatty():
    print("from print")
    os.write(1, b"from fd 1\n")
    print("from sys.stderr", file=sys.stderr)
    subprocess.run(["echo", "from a subprocess"], check=True)
    return "done"


def _probe_imports(name, counter):
    importlib.import_module(name)
    return len(counter.read_text().splitlines())


# Tests.

def test_jobs_run_concurrently_and_results_carry_keys_and_values():
    start = time.monotonic()
    with ForkPool(jobs=2) as pool:
        pool.submit("first", _sleep, 1)
        pool.submit("second", _sleep, seconds=1)
        results = {r.key: r for r in pool.results()}
    assert time.monotonic() - start < 1.8
    assert {key: (r.status, r.value) for key, r in results.items()} == {
        "first": ("ok", 1), "second": ("ok", 1)}
    assert all(r.attempts == 1 and r.duration >= 1 and r.error is None
               for r in results.values())


def test_never_more_than_jobs_children_at_once():
    start = time.monotonic()
    with ForkPool(jobs=2) as pool:
        for key in range(5):
            pool.submit(key, _interval, 0.3)
        intervals = [r.value for r in pool.results()]
    assert len(intervals) == 5
    overlap = max(sum(s <= begin < e for s, e in intervals) for begin, _ in intervals)
    assert overlap == 2
    assert time.monotonic() - start >= 0.9  # three rounds of 0.3 s


def test_a_task_leaves_nothing_behind_for_the_next_task_or_the_parent(tmp_path, engine):
    path = tmp_path / "left-open.txt"
    linewidth = matplotlib.rcParams["lines.linewidth"]
    numpy_state = numpy.random.get_state()[1].copy()
    random_state = random.getstate()
    with POOLS[engine](jobs=2) as pool:
        pool.submit("A", _pollute, path)
        seen = {}
        for result in pool.results():
            assert result.status == "ok", result.error
            seen[result.key] = result.value
            if result.key == "A":  # after A has finished, like a reused worker would see it
                pool.submit("B", _inspect, path)
    a, b = seen["A"], seen["B"]
    assert a["open"] and a["random"] == pytest.approx(0.417022004702574)  # the sentinels held
    assert b["pid"] != a["pid"]
    assert b == {"pid": b["pid"], "random": b["random"], "global": None, "environ": None,
                 "linewidth": linewidth, "module": False, "open": [], "kept": 0}
    assert b["random"] != a["random"]
    # The parent too.
    assert LEAK is None and "CIVEVAL_TEST_LEAK" not in os.environ
    assert matplotlib.rcParams["lines.linewidth"] == linewidth
    assert "civeval_test_leak" not in sys.modules
    assert _fds_open_on(path) == [] and _KEEP_OPEN == []
    assert (numpy.random.get_state()[1] == numpy_state).all()
    assert random.getstate() == random_state


def test_a_task_holds_no_descriptor_of_the_pool():
    def kinds(descriptors):
        return sorted(t for t in descriptors.values() if not t.startswith("pipe:"))

    before = _descriptors()
    with ForkPool(jobs=2) as pool:
        pool.submit("sibling", _sleep, 60)
        pool.submit("probe", _descriptors)
        for result in pool.results():
            probe = result.value
            during = _descriptors()  # the sibling's pipe and pidfd, the pool's epoll
            pool.close()
    sibling_pipes = set(during.values()) - set(before.values())
    assert any(t.startswith("pipe:") for t in sibling_pipes)
    assert not set(probe.values()) & sibling_pipes
    assert kinds(probe) == kinds(before) != kinds(during)


def test_children_do_not_share_the_parents_random_state():
    with ForkPool(jobs=2) as pool:
        pool.submit(1, _draw)
        pool.submit(2, _draw)
        draws = [r.value for r in pool.results()]
    random_state, numpy_state = random.getstate(), numpy.random.get_state()
    try:
        inherited = _draw()  # what a child drawing from the copied parent state would get
    finally:
        random.setstate(random_state)
        numpy.random.set_state(numpy_state)
    first, second = draws
    for index in (0, 1):  # random, then numpy.random
        assert len({first[index], second[index], inherited[index]}) == 3


def test_child_has_its_own_group_default_signals_no_stdin_and_skips_atexit(tmp_path):
    parent = os.getpid()
    marker = tmp_path / "atexit-ran"  # its folder exists: the handler would succeed
    atexit.register(_record_atexit, marker, parent)
    previous = signal.signal(signal.SIGTERM, lambda *args: None)
    # Give the parent a stdin with something to read, which the child must not see.
    saved_stdin = os.dup(0)
    read_end, write_end = os.pipe()
    os.write(write_end, b"meant for the parent")
    os.dup2(read_end, 0)
    try:
        result = _run_one(_environment)
    finally:
        os.dup2(saved_stdin, 0)
        for fd in (saved_stdin, read_end, write_end):
            os.close(fd)
        signal.signal(signal.SIGTERM, previous)
        # A child that came back into this code (instead of leaving with os._exit) keeps the
        # handler, and writes the marker when it exits, before the parent can reap it.
        if os.getpid() == parent:
            atexit.unregister(_record_atexit)
    assert result.status == "ok", result.error
    child = result.value
    assert child["pgid"] == child["pid"] != os.getpgid(0)
    assert child["sigint"] == child["sigterm"] == signal.SIG_DFL
    assert child["stdin"] == "/dev/null" and child["read"] == b""
    assert not marker.exists()


def test_dependent_task_submitted_while_iterating():
    seen = {}
    with ForkPool(jobs=2) as pool:
        pool.submit("first", pow, 2, 10)
        for result in pool.results():
            seen[result.key] = result.value
            if result.key == "first":
                pool.submit("second", operator.add, result.value, 1)
    assert seen == {"first": 1024, "second": 1025}


def test_exception_is_an_error_with_its_traceback_and_is_not_retried(tmp_path, engine):
    counter = tmp_path / "runs.txt"
    result = _run_one(_fail, counter, engine=engine)
    assert result.status == "error"
    assert result.error == "ValueError: bad input for Testville"
    assert "in _fail" in result.traceback and 'raise ValueError("bad input' in result.traceback
    assert result.attempts == 1 and counter.read_text(encoding="utf-8") == "run\n"
    assert result.value is None


def test_unpicklable_return_value_is_an_error():
    result = _run_one(_return_lambda)
    assert result.status == "error"
    assert result.error.startswith("the return value (function) is not picklable")


def test_result_of_several_megabytes_comes_through(engine):
    result = _run_one(_big_result, timeout=5, engine=engine)
    assert result.status == "ok", result.error
    digest, data = result.value
    assert len(data) == 12 * MB and hashlib.sha256(data).hexdigest() == digest


def test_died_child_is_retried_once(tmp_path, engine):
    with POOLS[engine](jobs=4) as pool:
        pool.submit("flaky", _die_first_time, tmp_path / "marker")
        pool.submit("always", _die)
        pool.submit("no retry", _die, retry=False)
        pool.submit("exit 3", _exit_3, retry=False)
        results = {r.key: r for r in pool.results()}
    flaky = results["flaky"]
    assert (flaky.status, flaky.value, flaky.attempts) == ("ok", "second attempt", 2)
    always = results["always"]
    assert (always.status, always.error, always.attempts) == (
        "died", "killed by signal SIGKILL", 2)
    assert (results["no retry"].status, results["no retry"].attempts) == ("died", 1)
    assert results["exit 3"].error == "exited with status 3 without a result"


def test_timeout_counts_from_the_last_heartbeat(engine):
    with POOLS[engine](jobs=3) as pool:
        pool.submit("hung", _hang_after_heartbeat, "cell 4", timeout=1)
        pool.submit("silent", _sleep, 60, timeout=1)
        pool.submit("alive", _keep_beating, 2, 0.3, timeout=1)
        results = {r.key: r for r in pool.results()}
    hung = results["hung"]
    assert (hung.status, hung.error, hung.attempts) == (
        "timeout", "no progress for 1 s (cell 4)", 1)
    assert 1 <= hung.duration < 2
    assert results["silent"].status == "timeout"
    assert results["silent"].error.startswith("no progress for 1 s")
    alive = results["alive"]
    assert alive.status == "ok" and alive.value >= 6 and alive.duration >= 2


def test_timeout_kills_the_child_and_what_it_started(tmp_path, engine):
    pid_file = tmp_path / "pids"
    with POOLS[engine](jobs=1) as pool:
        pool.submit("hang", _spawn_and_hang, pid_file, timeout=1)
        (result,) = pool.results()
        child, sleeper = map(int, pid_file.read_text().split())
        assert result.status == "timeout"
        assert _reaped(child)
        assert _wait_for(lambda: _dead(sleeper), 2)
    assert _reaped(child) and _dead(sleeper)


def test_processes_left_by_a_finished_task_are_killed(engine):
    result = _run_one(_spawn_and_return, engine=engine)
    assert result.status == "ok", result.error
    assert _wait_for(lambda: _dead(result.value), 2)


@pytest.mark.parametrize("pidfd", [True, False], ids=["pidfd", "polling"])
def test_exit_is_noticed_while_a_grandchild_keeps_the_pipe_open(pidfd, monkeypatch):
    if not pidfd:
        def unavailable(pid):
            raise OSError(errno.ENOSYS, "pidfd_open is not available")

        monkeypatch.setattr(os, "pidfd_open", unavailable)
    start = time.monotonic()
    result = _run_one(_fork_and_return, timeout=5)
    assert (result.status, result.value) == ("ok", "done")
    assert time.monotonic() - start < 2  # not the 5 s timeout


def test_close_kills_running_tasks(tmp_path):
    pool = ForkPool(jobs=2)
    files = [tmp_path / f"{key}.pids" for key in range(2)]
    for key, pid_file in enumerate(files):
        pool.submit(key, _spawn_and_hang, pid_file)  # submit starts them at once
    try:
        assert _wait_for(lambda: all(f.exists() for f in files))
    finally:
        pool.close()
    pids = [tuple(map(int, f.read_text().split())) for f in files]
    assert all(_reaped(child) for child, _ in pids)
    assert _wait_for(lambda: all(_dead(sleeper) for _, sleeper in pids), 2)
    assert list(pool.results()) == []
    with pytest.raises(RuntimeError, match="closed"):
        pool.submit("late", _sleep, 0)
    pool.close()  # idempotent


def _start_and_forget(pid_file):
    pool = ForkPool(jobs=1)
    pool.submit("hang", _spawn_and_hang, pid_file)
    assert _wait_for(pid_file.exists)


def test_garbage_collected_pool_leaves_no_child(tmp_path):
    pid_file = tmp_path / "pids"
    _start_and_forget(pid_file)
    gc.collect()
    child, sleeper = map(int, pid_file.read_text().split())
    assert _reaped(child)
    assert _wait_for(lambda: _dead(sleeper), 2)


def test_keyboard_interrupt_while_waiting_kills_the_children(tmp_path, monkeypatch, engine):
    files = [tmp_path / f"{key}.pids" for key in range(2)]
    # Where a Ctrl-C lands: the parent waiting for its children. (A real SIGINT would make a
    # flaky test: Python swallows a KeyboardInterrupt raised inside a finalizer.)
    if engine == "fork":
        wait = selectors.DefaultSelector.select

        def select_then_ctrl_c(self, timeout=None):
            if all(f.exists() for f in files):
                raise KeyboardInterrupt
            return wait(self, 0.05 if timeout is None else min(timeout, 0.05))

        monkeypatch.setattr(selectors.DefaultSelector, "select", select_then_ctrl_c)
    else:  # the spare pool's loop looks at each spare's exit between two waits
        exited = processtree.exited

        def exited_then_ctrl_c(process):
            if all(f.exists() for f in files):
                raise KeyboardInterrupt
            return exited(process)

        monkeypatch.setattr(processtree, "exited", exited_then_ctrl_c)
    pool = POOLS[engine](jobs=2)
    try:
        for key, pid_file in enumerate(files):
            pool.submit(key, _spawn_and_hang, pid_file)
        with pytest.raises(KeyboardInterrupt):
            for _result in pool.results():
                pass
        pids = [tuple(map(int, f.read_text().split())) for f in files]
        assert all(_reaped(child) for child, _ in pids)
        assert _wait_for(lambda: all(_dead(sleeper) for _, sleeper in pids), 2)
        with pytest.raises(RuntimeError, match="closed"):
            pool.submit("late", _sleep, 0)
    finally:
        pool.close()


def test_max_rss_is_the_childs_peak_memory():
    with ForkPool(jobs=2) as pool:
        pool.submit("small", _allocate, 0)
        pool.submit("big", _allocate, 200)
        results = {r.key: r for r in pool.results()}
    small, big = results["small"], results["big"]
    assert small.status == big.status == "ok"
    assert small.max_rss > 0
    assert big.max_rss > 150 * MB
    # Both include the pages shared with the parent; the difference is the allocation.
    assert big.max_rss - small.max_rss > 150 * MB


def test_log_path_receives_the_childs_output(tmp_path):
    log = tmp_path / "task.log"
    result = _run_one(_chatty, log_path=log)
    assert result.status == "ok", result.error
    text = log.read_text(encoding="utf-8")
    for line in ("from print", "from fd 1", "from sys.stderr", "from a subprocess"):
        assert line in text


def test_preloaded_module_is_not_imported_again_by_children(tmp_path, monkeypatch):
    name = "civeval_preload_probe"
    counter = tmp_path / "imports.txt"
    (tmp_path / f"{name}.py").write_text(
        f"with open({str(counter)!r}, 'a') as file:\n    file.write('imported\\n')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        preload([name])
        assert counter.read_text() == "imported\n"
        with ForkPool(jobs=2) as pool:
            pool.submit(1, _probe_imports, name, counter)
            pool.submit(2, _probe_imports, name, counter)
            assert [r.value for r in pool.results()] == [1, 1]
    finally:
        sys.modules.pop(name, None)
    with pytest.raises(ImportError):
        preload(["civeval_no_such_module"])


PREPARED_PROBE = """
import os
LOADED_BY = None

def load():
    global LOADED_BY
    with open({calls!r}, "a") as file:
        file.write("load\\n")
    LOADED_BY = os.getpid()

def broken():
    raise OSError("model fr_core_news_sm not installed")
"""


def _loaded_by(name):
    return sys.modules[name].LOADED_BY


def test_what_a_task_asks_prepared_is_made_once_in_the_parent_after_the_others_start(
        tmp_path, monkeypatch):
    name = "civeval_prepare_probe"
    calls = tmp_path / "calls.txt"
    (tmp_path / f"{name}.py").write_text(PREPARED_PROBE.format(calls=str(calls)))
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        with ForkPool(jobs=1) as pool:
            pool.submit("needs", _loaded_by, name, prepare=[f"{name}:load"])
            pool.submit("plain", os.getpid)  # needs nothing: takes the free slot first
            pool.submit("again", _loaded_by, name, prepare=[f"{name}:load"])
            results = list(pool.results())
        assert [r.key for r in results] == ["plain", "needs", "again"]
        # Loaded by this process, before each fork, and only once.
        assert [r.value for r in results[1:]] == [os.getpid(), os.getpid()]
        assert calls.read_text() == "load\n"

        with ForkPool(jobs=1) as pool:
            pool.submit("broken", os.getpid, prepare=[f"{name}:broken"])
            pool.submit("fine", _loaded_by, name, prepare=[f"{name}:load"])
            outcome = {r.key: r for r in pool.results()}
        assert outcome["broken"].status == "error"
        assert outcome["broken"].error == ("could not prepare the task: OSError: model "
                                           "fr_core_news_sm not installed")
        assert outcome["fine"].status == "ok"
    finally:
        sys.modules.pop(name, None)
        workers._PREPARED.difference_update({f"{name}:load", f"{name}:broken"})


def _ahead_made(made):
    return list(made)


def test_work_ahead_is_done_by_the_parent_in_order_while_the_children_run(recwarn):
    made = []

    def make(label):
        made.append((label, os.getpid()))
        if label == "warns":
            warnings.warn("a reader's remark", UserWarning, stacklevel=1)
        if label == "fails":
            raise OSError("a dataset went missing")

    with ForkPool(jobs=1) as pool:
        pool.prepare_ahead([functools.partial(make, label)
                            for label in ("first", "fails", "warns", "last")])
        pool.submit("running", time.sleep, 0.5)
        pool.submit("forked after", _ahead_made, made)
        results = {r.key: r for r in pool.results()}
    parent = os.getpid()
    assert made == [("first", parent), ("fails", parent), ("warns", parent), ("last", parent)]
    # The task forked once the first finished found it all made, failure and warning silent.
    assert results["forked after"].value == made
    assert results["running"].status == "ok"
    assert not recwarn.list


def test_work_ahead_does_not_hold_up_the_results():
    made = []
    with ForkPool(jobs=2) as pool:
        pool.prepare_ahead([functools.partial(time.sleep, 0.05)] * 200
                           + [functools.partial(made.append, "never")])
        pool.submit("quick", os.getpid)
        start = time.monotonic()
        assert [r.status for r in pool.results()] == ["ok"]
        # Its result was read between two calls, not after the ten seconds of them all.
        assert time.monotonic() - start < 5
    assert made == []  # nor did the loop wait for the rest once no child was left


def _spawn_daemon_and_return():
    return subprocess.Popen(["sleep", "60"], start_new_session=True).pid


def test_a_child_ends_what_it_started_in_another_session(monkeypatch, engine):
    # The parent's own sweep is off: the child alone must have ended its daemon.
    monkeypatch.setattr(workers, "_end_adopted", lambda running: None)
    result = _run_one(_spawn_daemon_and_return, engine=engine)
    assert result.status == "ok"
    assert _dead(result.value)


def _spawn_daemon_and_die(pid_file):
    sleeper = subprocess.Popen(["sleep", "60"], start_new_session=True)
    _write_atomically(pid_file, str(sleeper.pid))
    os.kill(os.getpid(), signal.SIGKILL)


def test_the_parent_ends_what_a_killed_child_left_in_another_session(tmp_path):
    pid_file = tmp_path / "daemon.pid"
    result = _run_one(_spawn_daemon_and_die, pid_file, retry=False)
    assert result.status == "died"
    assert _reaped(int(pid_file.read_text()))  # adopted by the parent, then ended and reaped


def test_what_is_sent_over_a_pipe_comes_back_whole_or_not_at_all():
    reading, writing = os.pipe()
    workers.send_over(writing, {"lignes": ["quartier;votes", "Centre;12"]})
    with open(reading, "rb") as pipe:
        sent = pipe.read()
    assert workers.handed(sent) == {"lignes": ["quartier;votes", "Centre;12"]}
    assert workers.handed(sent[:-3]) is None  # the writer stopped first: nothing to take

    reading, writing = os.pipe()
    workers.send_over(writing, lambda: None)  # does not pickle: nothing written, pipe closed
    with open(reading, "rb") as pipe:
        assert pipe.read() == b""
    assert workers.handed(b"") is None
