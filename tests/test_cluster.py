"""Batches on a Dask cluster: sections as tasks in fresh children of warm parents, the same
guarantees as the local pool, and clear errors before any work."""

import textwrap

import nbformat
import pytest
from test_batch import SENTINEL, own_processes_matching, record, statuses, template

from conftest import MINIMAL_STUDY, run_cli, write_study

distributed = pytest.importorskip("distributed")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def scheduler():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=40) as cluster:
        yield cluster.scheduler_address


def printed(root, slug, section):
    notebook = nbformat.read(root / "reports" / slug / f"{section}.ipynb", as_version=4)
    return "".join(o.get("text", "") for c in notebook.cells for o in c.get("outputs", []))


def test_sections_run_in_fresh_children_of_warm_parents(project, scheduler):
    template(project, "50_sentinel", SENTINEL, parameters='value = ""')
    template(project, "51_parent", """\
    import os, sys
    print(os.getppid(), "pandas" in sys.modules)
    """)
    slugs = ("a-first", "b-second", "c-third")
    for slug in slugs:
        write_study(project, slug, MINIMAL_STUDY + textwrap.dedent(f"""\
            components:
              - {{template: 50_sentinel, parameters: {{value: "{slug}"}}}}
              - 51_parent
            """))

    result = run_cli("run", "--all", "--no-progress", "--scheduler", scheduler, root=project)

    assert result.returncode == 0, result.stdout + result.stderr
    parents = set()
    for slug in slugs:
        assert statuses(project, slug) == {"50_sentinel": "success", "51_parent": "success"}
        assert printed(project, slug, "50_sentinel").startswith(slug)
        parent, warm = printed(project, slug, "51_parent").split()
        assert warm == "True"  # imported by the warm parent before the section started
        parents.add(parent)
    # Six sections, two single-thread workers: their two warm parents served them all.
    assert len(parents) <= 2
    assert (project / "reports" / "index.html").is_file()
    assert not list((project / "reports").glob(".*staging*"))


def test_a_hung_cell_is_killed_and_the_other_studies_finish(project, scheduler):
    token = "4243.cluster"
    template(project, "50_hangs", f"""\
    import subprocess, time
    subprocess.Popen(["sleep", "{token}"])
    time.sleep(3600)
    """)
    write_study(project, "hung", MINIMAL_STUDY + "components: [50_hangs]\n")
    write_study(project, "fine")

    result = run_cli("run", "--all", "--no-progress", "--timeout", "2", "--scheduler",
                     scheduler, root=project)

    assert result.returncode == 1
    assert record(project, "hung")["sections"][0]["error"]["ename"] == "CellTimeoutError"
    assert statuses(project, "fine") == {"00_cadrage": "success"}
    assert own_processes_matching(f"sleep {token}") == []


def test_a_warm_parent_lost_mid_section_is_replaced_and_the_section_retried(project,
                                                                            scheduler):
    template(project, "50_kills_its_parent", """\
    import os, signal
    marker = os.path.join(output_dir, "..", "parent-killed-once")
    if not os.path.exists(marker):
        open(marker, "w").close()
        os.kill(os.getppid(), signal.SIGKILL)
        signal.pause()  # dies with its parent
    print("second attempt")
    """)
    write_study(project, "lost", MINIMAL_STUDY + "components: [50_kills_its_parent]\n")

    result = run_cli("run", "--all", "--no-progress", "--scheduler", scheduler, root=project)

    assert result.returncode == 0, result.stdout + result.stderr
    assert printed(project, "lost", "50_kills_its_parent").strip() == "second attempt"


def test_an_unreachable_scheduler_is_one_message_and_nothing_written(project):
    write_study(project, "ville")

    result = run_cli("run", "--all", "--no-progress", "--scheduler", "tcp://127.0.0.1:9",
                     "--connect-timeout", "2", root=project)

    assert result.returncode == 2
    assert "the scheduler at tcp://127.0.0.1:9 cannot be reached within 2 s" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (project / "reports" / "ville").exists()


def test_workers_that_cannot_see_the_project_or_run_other_code_are_named(project):
    from civeval.workbench import cluster

    here = cluster._probe(str(project))
    probes = {"tcp://10.0.0.1:1": {**here, "studies": None},
              "tcp://10.0.0.2:1": {**here, "code": "other"},
              "tcp://10.0.0.3:1": here}

    with pytest.raises(cluster.ClusterError) as raised:
        cluster._check_workers(probes)

    message = str(raised.value)
    assert "worker tcp://10.0.0.1:1 cannot see" in message
    assert "worker tcp://10.0.0.2:1 runs other civeval code" in message
    assert "10.0.0.3" not in message
