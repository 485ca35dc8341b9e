"""Clean stops: signals, escaped processes, disks that refuse, two batches on one study.

Each case runs the real ``civeval run`` (or the runner in-process when the disk must be
mocked) in a throw-away project and checks the exit status, the one message, and that
nothing was left behind: no process in /proc, no staging folder, the last report intact.
"""

import errno
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from civeval.workbench import atomic, checked, runner
from civeval.workbench.locks import StudyLock
from conftest import CIVEVAL, MINIMAL_STUDY, run_cli, write_study, write_template

pytestmark = pytest.mark.slow

# A section that, when the marker folder says so, starts a process in a new session (as a
# daemon would), writes its own pid and the daemon's, then hangs or fails as asked.
HOSTILE = '''study = ""
output_dir = None
# %%
import os, pathlib, subprocess, time
marker = pathlib.Path(os.environ["HOSTILE_DIR"])
if (marker / "daemon").exists():
    sleeper = subprocess.Popen(["sleep", "300"], start_new_session=True)
    (marker / "pids.tmp").write_text(f"{os.getpid()} {sleeper.pid}")
    os.replace(marker / "pids.tmp", marker / "pids")
if (marker / "hang").exists():
    time.sleep(300)
if (marker / "full").exists():
    raise OSError(28, "No space left on device")
'''


@pytest.fixture
def hostile(project, tmp_path):
    marker = tmp_path / "marker"
    marker.mkdir()
    write_template(project, "50_hostile", HOSTILE)
    write_study(project, "etude", MINIMAL_STUDY + "components: [00_cadrage, 50_hostile]\n")
    return marker


def alive(pid: int) -> bool:
    """Running, or a zombie nobody reaped: either way, left behind."""
    return Path(f"/proc/{pid}").exists()


def wait_for(predicate, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def leftovers(reports: Path) -> list[str]:
    """What a run left in the reports folder besides its reports and the checks' cache."""
    return sorted(p.name for p in reports.glob(".*") if p.name != checked.FOLDER)


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_a_terminated_batch_kills_its_children_and_removes_its_staging(project, hostile, signum,
                                                                       status):
    (hostile / "daemon").touch()
    (hostile / "hang").touch()
    batch = subprocess.Popen([*CIVEVAL, "run", "etude", "--no-progress"], cwd=project,
                             env={**os.environ, "CIVEVAL_ROOT": str(project),
                                  "HOSTILE_DIR": str(hostile)},
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_for(lambda: (hostile / "pids").exists()), batch.stderr
        worker, daemon = map(int, (hostile / "pids").read_text().split())
        batch.send_signal(signum)
        _out, err = batch.communicate(timeout=60)
    finally:
        batch.kill()
    assert batch.returncode == status
    assert err.strip().splitlines()[-1] == (
        f"civeval: stopped ({signal.Signals(signum).name}); reports of unfinished studies "
        "left as they were")
    assert wait_for(lambda: not alive(worker) and not alive(daemon), 5)
    assert leftovers(project / "reports") == []
    assert not (project / "reports" / "etude").exists()


def test_a_process_a_section_started_in_its_own_session_ends_with_the_section(project,
                                                                               hostile):
    (hostile / "daemon").touch()
    result = run_cli("run", "etude", "--no-progress", root=project,
                     env={"HOSTILE_DIR": str(hostile)})
    assert result.returncode == 0, result.stderr
    worker, daemon = map(int, (hostile / "pids").read_text().split())
    assert not alive(worker) and not alive(daemon)


def test_a_section_killed_by_its_timeout_takes_its_daemon_along(project, hostile):
    (hostile / "daemon").touch()
    (hostile / "hang").touch()
    result = run_cli("run", "etude", "--no-progress", "--timeout", "2", root=project,
                     env={"HOSTILE_DIR": str(hostile)})
    assert result.returncode == 1, result.stderr
    worker, daemon = map(int, (hostile / "pids").read_text().split())
    assert wait_for(lambda: not alive(worker) and not alive(daemon), 5)


def last_good_report(project, hostile, monkeypatch):
    """Run the study once successfully; return its folder and the bytes of its files."""
    monkeypatch.setenv("HOSTILE_DIR", str(hostile))
    [result] = runner.run([runner.plan_study("etude")], show_progress=False, jobs=1)
    assert result.status == "success"
    folder = project / "reports" / "etude"
    return folder, {p.name: p.read_bytes() for p in folder.iterdir()}


def test_a_full_disk_keeps_the_last_report_and_says_so_beside_it(project, hostile,
                                                                  monkeypatch):
    folder, before = last_good_report(project, hostile, monkeypatch)
    (hostile / "full").touch()  # the section's own outputs do not fit

    [result] = runner.run([runner.plan_study("etude")], show_progress=False, jobs=1)

    assert result.status == "failed"
    assert result.error == ("the report could not be written in reports/etude (No space left "
                            "on device); the last report is kept as it was")
    after = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert {name: after[name] for name in before} == before
    status_page = (folder / runner.STATUS_PAGE).read_text("utf-8")
    assert "No space left on device" in status_page
    assert leftovers(project / "reports") == []


def test_a_report_that_cannot_be_swapped_in_leaves_the_last_one(project, hostile, monkeypatch):
    folder, before = last_good_report(project, hostile, monkeypatch)

    def full(staging, target):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(atomic, "replace_dir", full)
    [result] = runner.run([runner.plan_study("etude", force=True)], show_progress=False,
                          jobs=1)
    assert result.status == "failed"
    assert "(No space left on device); the last report is kept" in result.error
    assert {name: (folder / name).read_bytes() for name in before} == before
    assert leftovers(project / "reports") == []


def test_a_read_only_reports_folder_is_one_message_before_anything_runs(project, hostile,
                                                                       monkeypatch, capsys):
    from civeval import cli

    folder, before = last_good_report(project, hostile, monkeypatch)

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(runner.tempfile, "mkdtemp", read_only)
    assert cli.main(["run", "etude", "--force", "--no-progress"]) == 2
    assert capsys.readouterr().err == (
        "civeval: error: cannot write in the reports folder reports (Read-only file system); "
        "no report was changed\n")
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_a_second_batch_on_the_same_study_names_the_first(project, hostile):
    write_study(project, "autre", MINIMAL_STUDY + "components: [00_cadrage]\n")
    with StudyLock("etude"):
        result = run_cli("run", "etude", "autre", "--no-progress", root=project,
                         env={"HOSTILE_DIR": str(hostile)})
    assert result.returncode == 2
    message = result.stderr.strip().splitlines()[-1]
    assert message.startswith(f"civeval: error: study 'etude' is being run by another "
                              f"civeval process (pid {os.getpid()} on ")
    assert message.endswith("wait for it to end, or stop it")
    assert json.loads((project / "reports" / "autre" / "run.json").read_text())["status"] \
        == "success"
    assert not (project / "reports" / "etude").exists()
    assert leftovers(project / "reports") == []  # the lock file goes with its holder
