"""The runner end to end: real kernels, real rendering, failures contained, outputs atomic."""

import hashlib
import json
import os
import time

import nbformat
import psutil
import pytest
from test_templates import write_template

from civeval.workbench import checked, readings
from civeval.workbench.runner import _StudyRun, critical_paths, plan_study
from civeval.workbench.schema import Component
from civeval.workbench.templates import find_template
from conftest import MINIMAL_STUDY, REPO, run_cli, write_study

pytestmark = pytest.mark.slow


def test_demo_batch_produces_every_report(demo_reports):
    from civeval.workbench.study import list_studies

    slugs = list_studies()
    assert len(slugs) >= 3
    for slug in slugs:
        record = json.loads((demo_reports / slug / "run.json").read_text(encoding="utf-8"))
        assert record["status"] == "success", record
        assert {s["status"] for s in record["sections"]} == {"success"}
        assert (demo_reports / slug / "00_cadrage.html").is_file()
        assert (demo_reports / slug / "00_cadrage.ipynb").is_file()
        figures = json.loads((demo_reports / slug / "evidence.json").read_text("utf-8"))
        assert figures["population"]["label"] == "Population (INSEE)"
        assert figures["datasets"]["value"] >= 2
    assert (demo_reports / "index.html").is_file()
    # No staging folder left behind; what the checks and the language model found stays.
    assert {p.name for p in demo_reports.glob(".*")} <= {checked.FOLDER, readings.FOLDER}


def test_run_json_records_provenance_and_input_hashes(demo_reports):
    from civeval.workbench.paths import project_root

    record = json.loads((demo_reports / "demo-saint-aubin" / "run.json").read_text("utf-8"))
    assert record["civeval_version"]
    assert record["duration"] > 0 and record["sections"][0]["duration"] > 0
    assert "studies/demo-saint-aubin/data/votants.csv" in record["inputs"]
    assert "notebooks/00_cadrage.py" in record["inputs"]
    for name, digest in record["inputs"].items():
        assert hashlib.sha256((project_root() / name).read_bytes()).hexdigest() == digest


FAILING = 'study = ""\noutput_dir = None\n'


def test_a_failing_template_leaves_the_other_studies_complete(project):
    write_template(project, "50_boom", FAILING)
    (project / "notebooks" / "50_boom.py").write_text(
        (project / "notebooks" / "50_boom.py").read_text()
        + '\n# %%\nraise ValueError("colonne « votes » absente")\n', encoding="utf-8")
    write_template(project, "60_after", FAILING, requires=["50_boom"])
    write_template(project, "70_later", FAILING, requires=["60_after"])
    write_study(project, "a-ok")
    write_study(project, "b-broken",
                MINIMAL_STUDY + "components: [00_cadrage, 50_boom, 60_after, 70_later]\n")
    write_study(project, "c-ok")

    result = run_cli("run", "--all", "--no-progress", root=project, env={"COLUMNS": "200"})

    assert result.returncode == 1, result.stderr
    assert "ValueError (cell 4): colonne « votes » absente" in result.stdout
    assert "1 study(ies) failed: b-broken" in result.stdout
    reports = project / "reports"
    for slug in ("a-ok", "c-ok"):
        assert json.loads((reports / slug / "run.json").read_text())["status"] == "success"
        assert (reports / slug / "00_cadrage.html").is_file()
    broken = json.loads((reports / "b-broken" / "run.json").read_text())
    assert broken["status"] == "failed"
    assert [(s["template"], s["status"]) for s in broken["sections"]] == [
        ("00_cadrage", "success"), ("50_boom", "failed"), ("60_after", "skipped"),
        ("70_later", "skipped")]
    assert broken["sections"][1]["error"]["ename"] == "ValueError"
    assert not (reports / "b-broken" / "50_boom.html").exists()  # no report that looks done
    assert (reports / "b-broken" / "50_boom.ipynb").is_file()    # kept for the analyst
    page = (reports / "b-broken" / "index.html").read_text()
    assert "échec" in page and "colonne « votes » absente" in page
    index = (reports / "index.html").read_text()
    assert index.count('href="a-ok/index.html"') == 1 and "b-broken/index.html" in index


MEET = """
# %%
import pathlib, time
import civeval
here = pathlib.Path(output_dir)
(here / "{name}.started").write_text("")
deadline = time.monotonic() + 60
while not (here / "{other}.started").exists():
    assert time.monotonic() < deadline, "{other} never started"
    time.sleep(0.02)
s = civeval.load_study(study, output_dir=output_dir)
for index in range(30):
    s.record(f"{name}_{{index}}", index)
(here / "{name}.done").write_text("")
"""


def test_independent_sections_of_one_study_run_at_once_and_followers_wait(project):
    # Each of the two sections waits until the other has started: run one after the other,
    # the first would never see the second start.
    for name, other in (("50_left", "60_right"), ("60_right", "50_left")):
        write_template(project, name, FAILING)
        path = project / "notebooks" / f"{name}.py"
        path.write_text(path.read_text() + MEET.format(name=name, other=other),
                        encoding="utf-8")
    write_template(project, "70_after", FAILING, follows=["50_left", "60_right"])
    path = project / "notebooks" / "70_after.py"
    path.write_text(path.read_text() + (
        "\n# %%\nimport pathlib\nhere = pathlib.Path(output_dir)\n"
        "assert (here / '50_left.done').is_file() and (here / '60_right.done').is_file()\n"),
        encoding="utf-8")
    write_study(project, "pair", MINIMAL_STUDY + "components: [70_after, 60_right, 50_left]\n")

    result = run_cli("run", "pair", "--no-progress", "--jobs", "2", root=project)

    assert result.returncode == 0, result.stdout + result.stderr
    record = json.loads((project / "reports" / "pair" / "run.json").read_text())
    # Listed in the order of execution, whichever ended first.
    assert [s["template"] for s in record["sections"]] == [
        component.id for _, component in plan_study("pair").steps]
    # Both wrote their figures into one file at the same time: none was lost, and they are
    # kept in an order that does not depend on which section wrote first.
    figures = json.loads((project / "reports" / "pair" / "evidence.json").read_text())
    assert [key for key in figures if key[0].isdigit()] == [
        f"{name}_{index}" for name in ("50_left", "60_right") for index in range(30)]
    assert not (project / "reports" / "pair" / ".evidence.lock").exists()


def test_a_study_run_alone_benchmarks_beside_its_other_sections(project):
    # A batch's benchmarks wait for every study's figures; alone, the study's own (which it
    # never reads) are no reason to wait: the benchmark starts while the other runs.
    write_template(project, "50_long", FAILING)
    path = project / "notebooks" / "50_long.py"
    path.write_text(path.read_text() + MEET.format(name="50_long", other="60_peers") + (
        "\n# %%\nimport gc\nassert gc.isenabled(), 'the collector is still paused'\n"),
        encoding="utf-8")
    write_template(project, "60_peers", FAILING, reads=["portfolio"])
    path = project / "notebooks" / "60_peers.py"
    path.write_text(path.read_text() + "\n# %%\nimport pathlib\n"
                    "(pathlib.Path(output_dir) / '60_peers.started').write_text('')\n",
                    encoding="utf-8")
    write_study(project, "alone", MINIMAL_STUDY + "components: [50_long, 60_peers]\n")

    result = run_cli("run", "alone", "--no-progress", "--jobs", "2", root=project)

    assert result.returncode == 0, result.stdout + result.stderr
    record = json.loads((project / "reports" / "alone" / "run.json").read_text())
    assert [s["status"] for s in record["sections"]] == ["success", "success"]


def test_the_longest_chain_of_sections_starts_first(project):
    write_study(project, "chain", MINIMAL_STUDY + "components: [00_cadrage]\n")
    plan = plan_study("chain")
    template, component = plan.steps[0]
    # 00 is followed by 20, which 30 follows; 10 stands alone.
    steps = [(template, component)]
    for name, follows in (("10_alone", []), ("20_next", ["00_cadrage"]),
                          ("30_last", ["20_next"])):
        write_template(project, name, FAILING, follows=follows)
        steps.append((find_template(name), Component(template=name)))
    plan.steps = steps
    durations = {"00_cadrage": 1, "10_alone": 2.5, "20_next": 1, "30_last": 0.5}
    plan.previous = {"sections": [{"template": name, "duration": seconds}
                                  for name, seconds in durations.items()]}
    assert critical_paths(plan) == {"30_last": 0.5, "20_next": 1.5, "10_alone": 2.5,
                                    "00_cadrage": 2.5}
    durations["00_cadrage"] = 1.5  # now the longer path: it starts before 10_alone
    plan.previous = {"sections": [{"template": name, "duration": seconds}
                                  for name, seconds in durations.items()]}
    assert critical_paths(plan)["00_cadrage"] == 3
    plan.stale = set(durations)
    ready = _StudyRun(plan, None, None, None).ready_steps()
    assert [component.id for _, component in ready] == ["00_cadrage", "10_alone"]
    durations["10_alone"] = 3.5
    plan.previous = {"sections": [{"template": name, "duration": seconds}
                                  for name, seconds in durations.items()]}
    ready = _StudyRun(plan, None, None, None).ready_steps()
    assert [component.id for _, component in ready] == ["10_alone", "00_cadrage"]


def test_a_cell_that_never_ends_is_stopped_by_the_timeout(project):
    write_template(project, "50_sleep", FAILING)
    path = project / "notebooks" / "50_sleep.py"
    path.write_text(path.read_text() + "\n# %%\nimport time\ntime.sleep(600)\n", encoding="utf-8")
    write_study(project, "slow", MINIMAL_STUDY + "components: [50_sleep]\n")

    result = run_cli("run", "slow", "--no-progress", "--timeout", "2", root=project)

    assert result.returncode == 1
    record = json.loads((project / "reports" / "slow" / "run.json").read_text())
    assert record["sections"][0]["error"]["ename"] == "CellTimeoutError"


def test_inputs_changed_during_the_run_fail_the_study(project):
    write_template(project, "50_tamper", FAILING)
    path = project / "notebooks" / "50_tamper.py"
    path.write_text(path.read_text() + (
        "\n# %%\nimport civeval\ns = civeval.load_study(study)\n"
        "s.dataset_path('votes').write_text('quartier;votes\\nCentre;99\\n')\n"), encoding="utf-8")
    write_study(project, "tampered", MINIMAL_STUDY + (
        "data:\n  votes: {file: data/votes.csv}\ncomponents: [50_tamper]\n"),
        files={"data/votes.csv": "quartier;votes\nCentre;12\n"})

    result = run_cli("run", "tampered", "--no-progress", root=project)

    assert result.returncode == 1
    record = json.loads((project / "reports" / "tampered" / "run.json").read_text())
    assert record["status"] == "failed"
    assert record["error"] == ("inputs changed during the run: "
                               "studies/tampered/data/votes.csv")


def test_same_inputs_give_the_same_html(project):
    write_study(project, "repro", MINIMAL_STUDY + (
        "data:\n  votes: {file: data/votes.csv}\n"),
        files={"data/votes.csv": "quartier;votes;date\nCentre;12;05/03/2024\n"})
    stale = project / "reports" / "repro" / "stale.html"
    stale.parent.mkdir(parents=True)
    stale.write_text("from an earlier run")
    outputs = []
    for _ in range(2):
        # The generation date is the only thing allowed to differ; pin it.
        result = run_cli("run", "repro", "--no-progress", root=project,
                         env={"SOURCE_DATE_EPOCH": "1790000000"})
        assert result.returncode == 0, result.stderr
        folder = project / "reports" / "repro"
        outputs.append({p.name: p.read_bytes() for p in folder.glob("*.html")})
    assert outputs[0] == outputs[1]
    assert set(outputs[0]) == {"index.html", "00_cadrage.html"}  # the old folder was replaced
    assert "21/09/2026" in outputs[0]["00_cadrage.html"].decode()


def test_the_status_page_lists_the_personal_columns_the_imports_dropped(demo_reports):
    from bs4 import BeautifulSoup

    page = BeautifulSoup((demo_reports / "demo-val-de-brenne" / "execution.html")
                         .read_text(encoding="utf-8"), "html.parser")
    heading = next(h for h in page.find_all("h2")
                   if h.get_text(strip=True) == "Données personnelles écartées à l'import")
    rows = [[cell.get_text(strip=True) for cell in row.find_all("td")]
            for row in heading.find_next("table").find("tbody").find_all("tr")]
    assert ["propositions", "author/name", "donnée personnelle reconnue par son nom"] in rows


def _outputs(notebook_path):
    """What a reader sees of an executed notebook: its code cells' outputs, in order."""
    notebook = nbformat.read(notebook_path, as_version=4)
    return [[{key: value for key, value in output.items() if key != "execution_count"}
             for output in cell.get("outputs", [])]
            for cell in notebook.cells if cell.cell_type == "code"
            and "injected-parameters" not in cell.metadata.get("tags", [])]


def _marked(process: psutil.Process, mark: str) -> bool:
    try:
        return process.environ().get("CIVEVAL_TEST_MARK") == mark
    except psutil.Error:  # gone, or not ours to read
        return False


def test_a_demo_study_runs_the_same_with_the_spare_engine(demo_reports, tmp_path):
    # The portable engine, forced on Linux: fresh interpreters instead of forked children.
    reports, mark = tmp_path / "reports", f"spare-{os.getpid()}-{time.time_ns()}"
    result = run_cli("run", "demo-villeneuve-ardre", "--engine", "spare", "--no-progress",
                     root=REPO, env={"CIVEVAL_REPORTS": str(reports), "CIVEVAL_ROOT": str(REPO),
                                     "CIVEVAL_TEST_MARK": mark})
    assert result.returncode == 0, result.stdout + result.stderr
    record = json.loads((reports / "demo-villeneuve-ardre" / "run.json").read_text("utf-8"))
    assert record["status"] == "success"
    assert [s["status"] for s in record["sections"]] == ["success"] * 4
    assert all(s["max_rss_mb"] > 0 for s in record["sections"])
    # The same engine code as in a forked child: the same outputs (the main report aside,
    # whose benchmark had the other demo studies as peers in the fork pool's batch).
    for section in ("00_cadrage", "10_questionnaire", "30_participation"):
        assert (_outputs(reports / "demo-villeneuve-ardre" / f"{section}.ipynb")
                == _outputs(demo_reports / "demo-villeneuve-ardre" / f"{section}.ipynb")), section
    assert not [p.pid for p in psutil.process_iter() if _marked(p, mark)]  # no spare left
