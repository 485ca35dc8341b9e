"""Batches at scale: forked children in fresh state, incremental runs, faults contained,
no process left behind (the same on a Dask cluster: test_cluster.py)."""

import json
import os
import shutil
import textwrap
from pathlib import Path

import nbformat
import pytest

from conftest import MINIMAL_STUDY, run_cli, write_study

pytestmark = pytest.mark.slow

HEADER = """\
# ---
# jupyter:
#   civeval:
#     requires: {requires}
#     title: {{fr: Titre {name}, en: Title {name}}}
# ---

# %% tags=["parameters"]
study = ""
output_dir = None
{parameters}
# %%
"""


def template(root: Path, name: str, body: str, parameters: str = "",
             requires=()) -> None:
    """Add ``notebooks/<name>.py`` whose one code cell is ``body``."""
    text = HEADER.format(name=name, requires=list(requires), parameters=parameters)
    (root / "notebooks" / f"{name}.py").write_text(text + textwrap.dedent(body),
                                                   encoding="utf-8")


def record(root: Path, slug: str) -> dict:
    return json.loads((root / "reports" / slug / "run.json").read_text(encoding="utf-8"))


def statuses(root: Path, slug: str) -> dict[str, str]:
    return {s["template"]: s["status"] for s in record(root, slug)["sections"]}


SENTINEL = """\
import os, random, sys
import matplotlib
import numpy as np
import civeval

# Nothing another study set may be visible here.
assert not hasattr(civeval, "sentinel"), civeval.sentinel
assert "CIVEVAL_SENTINEL" not in os.environ
assert "sentinel_module" not in sys.modules
assert matplotlib.rcParams["lines.linewidth"] != 7.5
assert not [f for f in os.listdir("/proc/self/fd")
            if os.path.realpath(f"/proc/self/fd/{f}").endswith("sentinel.txt")]
# Then leave a mark of every kind, as a careless template would.
civeval.sentinel = value
os.environ["CIVEVAL_SENTINEL"] = value
sys.modules["sentinel_module"] = civeval
matplotlib.rcParams["lines.linewidth"] = 7.5
np.random.seed(1)
leaked = open(os.path.join(output_dir, "sentinel.txt"), "w")
draws = [random.random(), float(np.random.default_rng().random())]
print(value, draws)
"""


def test_studies_run_in_fresh_state_whatever_the_one_before_left(project):
    template(project, "50_sentinel", SENTINEL, parameters='value = ""')
    for slug in ("a-first", "b-second", "c-third"):
        write_study(project, slug, MINIMAL_STUDY + textwrap.dedent(f"""\
            components:
              - {{template: 50_sentinel, parameters: {{value: "{slug}"}}}}
            """))

    # One job: every study's child is forked from the same parent, one after the other.
    result = run_cli("run", "--all", "--no-progress", "--jobs", "1", root=project)

    assert result.returncode == 0, result.stdout + result.stderr
    draws = []
    for slug in ("a-first", "b-second", "c-third"):
        assert statuses(project, slug) == {"50_sentinel": "success"}
        notebook = nbformat.read(project / "reports" / slug / "50_sentinel.ipynb", as_version=4)
        printed = "".join(o.get("text", "") for c in notebook.cells for o in c.get("outputs", []))
        assert printed.startswith(slug)
        draws.append(printed)
    assert len(set(draws)) == 3  # random state is not inherited either


def test_only_the_sections_that_read_a_changed_input_run_again(project):
    reads = """\
    import civeval
    s = civeval.load_study(study, output_dir=output_dir)
    s.record(f"rows_{dataset}", len(s.load(dataset)))
    """
    template(project, "50_a", reads, parameters='dataset = "a"')
    template(project, "60_b", reads, parameters='dataset = "b"')
    template(project, "70_after_b", "print('after b')", requires=["60_b"])
    write_study(project, "inc", MINIMAL_STUDY + textwrap.dedent("""\
        data:
          a: {file: data/a.csv}
          b: {file: data/b.csv}
        components:
          - {template: 50_a, parameters: {dataset: a}}
          - {template: 60_b, parameters: {dataset: b}}
          - 70_after_b
        """), files={"data/a.csv": "x;y\n1;2\n", "data/b.csv": "x;y\n1;2\n3;4\n"})
    write_study(project, "other")

    first = run_cli("run", "--all", "--no-progress", root=project)
    assert first.returncode == 0, first.stdout + first.stderr
    started = record(project, "inc")["started_at"]

    again = run_cli("run", "--all", "--no-progress", root=project, env={"COLUMNS": "200"})
    assert again.returncode == 0
    assert again.stdout.count("up to date") == 4  # three sections of inc, one of other
    assert record(project, "inc")["started_at"] == started  # nothing was rewritten

    (project / "studies" / "inc" / "data" / "b.csv").write_text("x;y\n1;2\n3;4\n5;6\n")
    changed = run_cli("run", "--all", "--no-progress", root=project, env={"COLUMNS": "200"})
    assert changed.returncode == 0, changed.stdout + changed.stderr
    sections = {s["template"]: s for s in record(project, "inc")["sections"]}
    assert sections["50_a"]["reused"] and not sections["60_b"]["reused"]
    assert not sections["70_after_b"]["reused"]  # it requires 60_b
    figures = json.loads((project / "reports" / "inc" / "evidence.json").read_text())
    # The figure of the section kept is kept; the re-run one is new.
    assert figures["rows_a"]["value"] == 1 and figures["rows_b"]["value"] == 3
    assert (project / "reports" / "inc" / "50_a.html").is_file()

    forced = run_cli("run", "inc", "--force", "--no-progress", root=project)
    assert forced.returncode == 0
    assert not any(s["reused"] for s in record(project, "inc")["sections"])


def test_a_child_killed_by_a_signal_is_retried_once_and_then_reported(project):
    template(project, "50_killed_once", """\
    import os, signal
    marker = os.path.join(output_dir, "..", "killed-once")
    if not os.path.exists(marker):
        open(marker, "w").close()
        os.kill(os.getpid(), signal.SIGKILL)
    print("second attempt")
    """)
    template(project, "60_always_killed", """\
    import os, signal
    os.kill(os.getpid(), signal.SIGKILL)
    """)
    write_study(project, "flaky", MINIMAL_STUDY + "components: [50_killed_once]\n")
    write_study(project, "doomed", MINIMAL_STUDY + "components: [60_always_killed]\n")
    write_study(project, "fine")

    result = run_cli("run", "--all", "--no-progress", root=project, env={"COLUMNS": "200"})

    assert result.returncode == 1
    assert statuses(project, "flaky") == {"50_killed_once": "success"}
    assert statuses(project, "fine") == {"00_cadrage": "success"}
    doomed = record(project, "doomed")["sections"][0]
    assert doomed["status"] == "failed"
    assert doomed["error"]["ename"] == "died"
    assert "SIGKILL" in doomed["error"]["evalue"]
    assert "1 study(ies) failed: doomed" in result.stdout


def own_processes_matching(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if text in command:
                found.append(int(entry.name))
    return found


def test_a_hung_child_and_what_it_spawned_are_killed_and_no_process_remains(project):
    token = f"{os.getpid()}.4242"
    template(project, "50_hangs", f"""\
    import subprocess, time
    subprocess.Popen(["sleep", "{token}"])
    time.sleep(3600)
    """)
    write_study(project, "hung", MINIMAL_STUDY + "components: [50_hangs]\n")
    write_study(project, "fine")

    result = run_cli("run", "--all", "--no-progress", "--timeout", "2", root=project)

    assert result.returncode == 1
    hung = record(project, "hung")["sections"][0]
    assert hung["error"]["ename"] == "CellTimeoutError"
    assert statuses(project, "fine") == {"00_cadrage": "success"}
    assert own_processes_matching(f"sleep {token}") == []


MAIN_HEADER = """\
# ---
# jupyter:
#   civeval:
#     follows: [50_part]
#     main: true
#     pdf: true
#     title: {fr: Rapport principal, en: Main report}
# ---

# %% tags=["parameters"]
study = ""
output_dir = None

# %%
from civeval.presentation import report
report.heading("Rapport principal de l'étude", level=1)
"""


def test_the_main_report_is_the_study_page_and_is_printed_to_pdf(project):
    (project / "notebooks" / "95_main.py").write_text(MAIN_HEADER, encoding="utf-8")
    template(project, "50_part", "print('une partie')")
    write_study(project, "principale", MINIMAL_STUDY + "components: [95_main, 50_part]\n")

    result = run_cli("run", "principale", "--no-progress", root=project)

    assert result.returncode == 0, result.stdout + result.stderr
    folder = project / "reports" / "principale"
    assert [s["template"] for s in record(project, "principale")["sections"]] == [
        "50_part", "95_main"]  # it follows the part it gathers
    assert (folder / "index.html").read_bytes() == (folder / "95_main.html").read_bytes()
    assert "Rapport principal de l" in (folder / "index.html").read_text()
    assert "95_main.html" in (folder / "execution.html").read_text()  # the status page
    if shutil.which("chromium"):
        assert (folder / "95_main.pdf").read_bytes().startswith(b"%PDF")


def test_a_pdf_that_cannot_be_printed_is_a_warning_not_a_failure(project):
    (project / "notebooks" / "95_main.py").write_text(MAIN_HEADER, encoding="utf-8")
    write_study(project, "sans-pdf", MINIMAL_STUDY + "components: [95_main]\n")

    result = run_cli("run", "sans-pdf", "--no-progress", root=project,
                     env={"CIVEVAL_CHROMIUM": "/nonexistent/chromium", "COLUMNS": "200"})

    assert result.returncode == 0, result.stdout + result.stderr
    section = record(project, "sans-pdf")["sections"][0]
    assert section["status"] == "success"
    assert section["warning"].startswith("Chromium could not print the PDF")
    assert "Chromium could not print the PDF" in result.stdout
    assert not (project / "reports" / "sans-pdf" / "95_main.pdf").exists()


WARM_PROBE = """\
import functools, os
LOADED_BY = None

@functools.cache  # as civeval.qual.lemmas.french_pipeline: the runner counts its calls
def load():
    global LOADED_BY
    with open(os.environ["PROBE_CALLS"], "a") as file:
        file.write(f"{os.getpid()}\\n")
    LOADED_BY = os.getpid()
"""


def test_a_model_is_loaded_by_the_parent_only_when_more_sections_ask_than_run_at_once(
        project):
    (project / "warm_probe.py").write_text(WARM_PROBE, encoding="utf-8")
    text = HEADER.format(name="50_warm", requires=[], parameters="").replace(
        "#     requires:", "#     warm: [warm_probe:load]\n#     requires:")
    (project / "notebooks" / "50_warm.py").write_text(text + textwrap.dedent("""\
        import os, warm_probe
        warm_probe.load()  # what a section does that needs the model: nothing when loaded
        print("inherited" if warm_probe.LOADED_BY != os.getpid() else "own")
        """), encoding="utf-8")
    calls = project / "calls.txt"
    env = {"PYTHONPATH": os.pathsep.join([str(project), os.environ.get("PYTHONPATH", "")]),
           "PROBE_CALLS": str(calls)}

    def printed(slug):
        notebook = nbformat.read(project / "reports" / slug / "50_warm.ipynb", as_version=4)
        return "".join(o.get("text", "") for c in notebook.cells
                       for o in c.get("outputs", [])).strip()

    for slug in ("a-one", "b-two", "c-three"):
        write_study(project, slug, MINIMAL_STUDY + "components: [50_warm]\n")

    # Two sections, two at a time: neither waits for the parent; each loads what it needs.
    result = run_cli("run", "a-one", "b-two", "--jobs", "2", "--no-progress",
                     root=project, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert [printed(slug) for slug in ("a-one", "b-two")] == ["own", "own"]
    assert len(calls.read_text().split()) == 2

    # Three sections, two at a time: the parent loads it once and every child inherits it.
    calls.unlink()
    result = run_cli("run", "--all", "--force", "--jobs", "2", "--no-progress",
                     root=project, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert {printed(slug) for slug in ("a-one", "b-two", "c-three")} == {"inherited"}
    assert len(calls.read_text().split()) == 1


def test_sections_that_used_no_model_last_time_on_the_same_inputs_do_not_make_the_parent_load_it(
        project):
    (project / "warm_probe.py").write_text(WARM_PROBE, encoding="utf-8")
    text = HEADER.format(name="50_warm", requires=[], parameters="").replace(
        "#     requires:", "#     warm: [warm_probe:load]\n#     requires:")
    unread = project / "unread-texts"  # what the model must read: nothing once kept
    (project / "notebooks" / "50_warm.py").write_text(text + textwrap.dedent(f"""\
        import os, warm_probe
        if os.path.exists({str(unread)!r}):
            warm_probe.load()
        """), encoding="utf-8")
    calls = project / "calls.txt"
    env = {"PYTHONPATH": os.pathsep.join([str(project), os.environ.get("PYTHONPATH", "")]),
           "PROBE_CALLS": str(calls)}
    slugs = ("a-one", "b-two", "c-three")
    for slug in slugs:
        write_study(project, slug, MINIMAL_STUDY + "components: [50_warm]\n")

    def run(*options) -> int:
        """Run the three studies two at a time; how many processes loaded the model."""
        calls.unlink(missing_ok=True)
        result = run_cli("run", "--all", "--jobs", "2", "--no-progress", *options,
                         root=project, env=env)
        assert result.returncode == 0, result.stdout + result.stderr
        return len(calls.read_text().split()) if calls.exists() else 0

    def warmed() -> list:
        return [record(project, slug)["sections"][0]["warmed"] for slug in slugs]

    unread.touch()
    assert run() == 1 and warmed() == [["warm_probe:load"]] * 3
    unread.unlink()
    # Three ask, as their last run used the model: the parent loads it; none uses it.
    assert run("--force") == 1 and warmed() == [[]] * 3
    # None used it last time on these inputs: nobody loads it.
    assert run("--force") == 0 and warmed() == [[]] * 3
    # A wrong guess (the kept readings deleted) costs time, not a result: each loads its own.
    unread.touch()
    assert run("--force") == 3 and warmed() == [["warm_probe:load"]] * 3
