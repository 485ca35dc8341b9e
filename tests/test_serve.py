"""``civeval serve``: runs handed to a warm process give what the command gives (output,
reports, exit status), Ctrl-C stops them and leaves no process, a run from other code runs
itself, the server stops when idle, when asked, or when the code it runs has changed, and a
run at a terminal leaves one for the next runs."""

from __future__ import annotations

import contextlib
import json
import os
import pty
import shutil
import signal
import subprocess
import textwrap
import time
from pathlib import Path

import pytest

from civeval.workbench import locks, serve
from conftest import CIVEVAL, MINIMAL_STUDY, REPO, run_cli, write_study

pytestmark = pytest.mark.skipif(not serve.supported(), reason="civeval serve is Linux only")

TEMPLATE = """\
# ---
# jupyter:
#   civeval:
#     title: {{fr: Titre {name}, en: Title {name}}}
# ---

# %% tags=["parameters"]
study = ""
output_dir = None

# %%
{body}
"""


def template(root: Path, name: str, body: str) -> None:
    (root / "notebooks" / f"{name}.py").write_text(
        TEMPLATE.format(name=name, body=textwrap.dedent(body)), encoding="utf-8")


def start_server(root: Path, *options: str, env: dict | None = None) -> subprocess.Popen:
    """``civeval serve`` in ``root``, once it listens."""
    log = (root / "serve.log").open("w", encoding="utf-8")
    server = subprocess.Popen([*CIVEVAL, "serve", *options], cwd=root, stdout=log,
                              stderr=subprocess.STDOUT, text=True,
                              env={**os.environ, "CIVEVAL_ROOT": str(root), **(env or {})})
    deadline = time.monotonic() + 120
    while "serving the runs of" not in server_log(root):
        assert server.poll() is None, server_log(root)
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.2)
    return server


def server_log(root: Path) -> str:
    return (root / "serve.log").read_text(encoding="utf-8")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)


def served_pids(root: Path) -> list[int]:
    return [int(line.rsplit("(process ", 1)[1].rstrip(")"))
            for line in server_log(root).splitlines() if "(process " in line]


def gone(pid: int, within: float = 15) -> bool:
    """Whether process ``pid`` has ended and been reaped by its parent."""
    deadline = time.monotonic() + within
    while Path(f"/proc/{pid}").exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_a_served_run_gives_what_the_command_gives_and_ctrl_c_stops_it(project):
    template(project, "50_hello", 'print("bonjour depuis", study)')
    template(project, "50_broken", 'raise ValueError("modèle cassé")')
    marker = project / "started"
    template(project, "50_slow", f"""\
        import os, time
        with open({str(marker)!r}, "w") as marker:
            marker.write(str(os.getpid()))
        time.sleep(120)
        """)
    for slug, component in (("servie", "50_hello"), ("cassee", "50_broken"),
                            ("lente", "50_slow")):
        write_study(project, slug, MINIMAL_STUDY + f"components: [{component}]\n")
    local = run_cli("run", "servie", "--no-progress", root=project)
    assert local.returncode == 0, local.stdout + local.stderr
    reports = project / "reports"
    local_record = json.loads((reports / "servie" / "run.json").read_text(encoding="utf-8"))
    server = start_server(project, "--idle", "5")
    try:
        # Run through the server: same reports, same output, same status as the command.
        served = run_cli("run", "servie", "--force", "--no-progress", root=project)
        assert served.returncode == 0, served.stdout + served.stderr
        assert "civeval run servie --force --no-progress" in server_log(project)
        assert "reports: " in served.stdout and "servie" in served.stdout
        record = json.loads((reports / "servie" / "run.json").read_text(encoding="utf-8"))
        assert [s["status"] for s in record["sections"]] == ["success"]
        assert record["started_at"] != local_record["started_at"]
        notebook = json.loads((reports / "servie" / "50_hello.ipynb").read_text("utf-8"))
        assert "bonjour depuis studies/servie" in json.dumps(notebook)

        failed = run_cli("run", "cassee", "--no-progress", root=project,
                         env={"COLUMNS": "200"})
        assert failed.returncode == 1
        assert "ValueError" in failed.stdout and "modèle cassé" in failed.stdout
        assert len(served_pids(project)) == 2

        invalid = run_cli("run", "inconnue", root=project)
        assert invalid.returncode == 2 and "no study 'inconnue'" in invalid.stderr

        # Ctrl-C in the terminal of the run stops the served child, as it stops the command.
        client = subprocess.Popen([*CIVEVAL, "run", "lente", "--no-progress"], cwd=project,
                                  env={**os.environ, "CIVEVAL_ROOT": str(project)},
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while not marker.exists() or not marker.read_text():
            assert time.monotonic() < deadline and client.poll() is None
            time.sleep(0.1)
        client.send_signal(signal.SIGINT)
        _, err = client.communicate(timeout=60)
        assert client.returncode == 128 + signal.SIGINT
        assert "civeval: stopped (SIGINT)" in err
        section = int(marker.read_text())  # the child that ran the sleeping section
        assert all(gone(pid) for pid in [*served_pids(project), section])

        # One server per reports folder: the second names the first.
        second = run_cli("serve", root=project)
        assert second.returncode != 0 and "already serves" in second.stderr
        assert f"pid {server.pid} " in second.stderr
        assert server.poll() is None
        assert "could not be read" not in server_log(project)
    finally:
        stop(server)
    assert not serve.socket_path(reports).exists()


def hello_study_and_civeval_copy(project: Path, copy: Path) -> Path:
    """Study ``servie`` (one section that prints) in ``project``; a copy of the civeval
    package under ``copy``, for ``PYTHONPATH``."""
    template(project, "50_hello", 'print("bonjour")')
    write_study(project, "servie", MINIMAL_STUDY + "components: [50_hello]\n")
    shutil.copytree(REPO / "lib" / "civeval", copy / "civeval",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def test_a_run_from_other_code_runs_itself_and_an_idle_server_stops(project, tmp_path):
    # A server of another copy of civeval (as after an upgrade): it must not serve this one.
    other = hello_study_and_civeval_copy(project, tmp_path / "other-civeval")
    server = start_server(project, "--idle", "0.1",
                          env={"PYTHONPATH": str(other)})
    try:
        result = run_cli("run", "servie", "--no-progress", root=project)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "runs itself" in server_log(project) and not served_pids(project)
        assert (project / "reports" / "servie" / "50_hello.html").is_file()
        # Six seconds without a run: it stops by itself, its socket removed.
        assert server.wait(timeout=60) == 0
        assert "server stopped" in server_log(project)
        assert not serve.socket_path(project / "reports").exists()
    finally:
        stop(server)


def test_a_server_whose_civeval_code_changed_stops_and_the_run_runs_itself(project, tmp_path):
    copy = hello_study_and_civeval_copy(project, tmp_path / "edited-civeval")
    server = start_server(project, "--idle", "5", env={"PYTHONPATH": str(copy)})
    try:
        # The analyst edits civeval itself: the server's code is no longer what is on disk.
        fmt = copy / "civeval" / "presentation" / "fmt.py"
        fmt.write_text(fmt.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
        result = run_cli("run", "servie", "--no-progress", root=project,
                         env={"PYTHONPATH": str(copy)})
        assert result.returncode == 0, result.stdout + result.stderr
        assert not served_pids(project)
        assert server.wait(timeout=30) == 0
        assert "the civeval code or the installed packages changed" in server_log(project)
        assert not serve.socket_path(project / "reports").exists()
        assert not serve.lock_path(project / "reports").exists()
    finally:
        stop(server)


def ended(pid: int, within: float = 15) -> bool:
    """Whether the detached process ``pid`` has ended. Its parent gone, it was adopted by
    init, or by this test process when an earlier test's fork pool made it a subreaper:
    then it is reaped here."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        try:
            state = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1]
        except FileNotFoundError:
            return True
        if state.split()[0] in ("Z", "X"):  # ended, its adopter yet to reap it
            return True
        time.sleep(0.1)
    return False


def test_what_server_and_run_share_changes_with_the_installed_packages(tmp_path, monkeypatch):
    packages = tmp_path / "site-packages"
    packages.mkdir()
    monkeypatch.setattr(serve.sysconfig, "get_paths",
                        lambda: {"purelib": str(packages), "platlib": str(packages)})
    os.utime(packages, ns=(0, 0))  # older than any change: a clock's tick apart is enough
    before = serve._code()
    (packages / "pandas-9.9.dist-info").mkdir()  # an upgrade: the same Python and civeval
    after = serve._code()
    assert after != before and after.split("|")[:3] == before.split("|")[:3]


def at_a_terminal(root: Path, *args: str, env: dict) -> tuple[int, str]:
    """``civeval <args>`` with a terminal (a pseudo-terminal) as its output: its status and
    what it printed there."""
    leader, follower = pty.openpty()
    process = subprocess.Popen([*CIVEVAL, *args], cwd=root, stdin=subprocess.DEVNULL,
                               stdout=follower, stderr=follower,
                               env={**os.environ, "CIVEVAL_ROOT": str(root), **env})
    os.close(follower)
    printed = b""
    with contextlib.suppress(OSError):  # EIO once the command has ended
        while chunk := os.read(leader, 1 << 16):
            printed += chunk
    os.close(leader)
    return process.wait(timeout=300), printed.decode("utf-8", "replace")


def test_a_run_at_a_terminal_leaves_a_server_for_the_next_and_serve_stop_ends_it(project):
    template(project, "50_hello", 'print("bonjour depuis", study)')
    write_study(project, "servie", MINIMAL_STUDY + "components: [50_hello]\n")
    reports = project / "reports"
    log = reports / serve.LOG
    # Away from a terminal, by default, or for the whole project: no server.
    assert run_cli("run", "servie", "--no-progress", root=project,
                   env={"CIVEVAL_SERVE": ""}).returncode == 0
    assert run_cli("run", "--all", "--no-progress", root=project,
                   env={"CIVEVAL_SERVE": "1"}).returncode == 0
    status, printed = at_a_terminal(project, "run", "servie", "--no-progress",
                                    env={"CIVEVAL_SERVE": "0"})
    assert status == 0 and "start warm" not in printed
    assert not log.exists() and not serve.lock_path(reports).exists()
    log.write_text("what the last server said\n", encoding="utf-8")

    status, printed = at_a_terminal(project, "run", "servie", "--force", "--no-progress",
                                    env={"CIVEVAL_SERVE": ""})
    assert status == 0, printed
    assert "the next runs will start warm" in printed
    assert printed.rstrip().splitlines()[-1].startswith("reports: ")  # still printed last
    server = None
    try:
        deadline = time.monotonic() + 120
        while not serve.socket_path(reports).exists():
            assert time.monotonic() < deadline, log.read_text(encoding="utf-8")
            time.sleep(0.2)
        server = locks.holder_details(serve.lock_path(reports))["pid"]
        served = run_cli("run", "servie", "--force", "--no-progress", root=project,
                         env={"CIVEVAL_SERVE": "1"})
        assert served.returncode == 0, served.stdout + served.stderr
        said = log.read_text("utf-8")
        assert "civeval run servie --force --no-progress (process" in said
        assert "the last server" not in said  # each server's log starts anew
        assert "start warm" not in served.stderr  # a served run starts no other server
    finally:
        stopped = run_cli("serve", "--stop", root=project)
        if (warming := locks.holder_details(serve.lock_path(reports))) is not None:
            os.kill(warming["pid"], signal.SIGTERM)  # no socket yet: nothing left running
    assert stopped.returncode == 0 and "stopped" in stopped.stdout, stopped.stdout
    assert server is not None and ended(server)
    assert not serve.socket_path(reports).exists() and not serve.lock_path(reports).exists()
    again = run_cli("serve", "--stop", root=project)
    assert again.returncode == 0 and "no server serves the runs of" in again.stdout


def test_a_first_section_finds_the_datasets_parsed_aside_or_handed_down_by_the_server(
        project):
    # The section says which contents of the dataset it finds parsed as it starts, forked
    # first: what the run's parent took before forking it.
    template(project, "50_lus", """\
        from civeval.workbench import formats
        print("parsés :", sorted(int(data["votes"].iloc[0]) for data in formats.kept().values()))
        """)
    write_study(project, "gardee", MINIMAL_STUDY
                + "data:\n  votes: {file: data/votes.csv, kind: projects}\n"
                + "components: [50_lus]\n",
                files={"data/votes.csv": "quartier;votes\nCentre;12\n"})

    def parsed_at_start() -> list[int]:
        result = run_cli("run", "gardee", "--force", "--no-progress", root=project)
        assert result.returncode == 0, result.stdout + result.stderr
        notebook = (project / "reports" / "gardee" / "50_lus.ipynb").read_text("utf-8")
        return json.loads(notebook.split("parsés : ", 1)[1].split("\\n", 1)[0])

    def kept(count: int) -> None:
        deadline = time.monotonic() + 30
        while f"({count} in all)" not in server_log(project):
            assert time.monotonic() < deadline, server_log(project)
            time.sleep(0.1)

    assert parsed_at_start() == [12]  # its checks, not yet remembered, parsed it
    # Checks remembered: a child parsed it while the command imported (runner._parse_aside).
    assert parsed_at_start() == [12]
    server = start_server(project, "--idle", "5")
    try:
        # Warm, the served run parses it after forking the section: the server had nothing.
        assert parsed_at_start() == []
        kept(1)
        assert parsed_at_start() == [12]
        # Changed, the file is parsed again (by its checks, here), and kept in its turn.
        (project / "studies" / "gardee" / "data" / "votes.csv").write_text(
            "quartier;votes\nCentre;13\n", encoding="utf-8")
        assert parsed_at_start() == [12, 13]
        kept(2)
        assert parsed_at_start() == [12, 13]
    finally:
        stop(server)
