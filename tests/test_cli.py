"""The civeval command as a user meets it: scaffolding, validation, clear errors."""

import gc
import subprocess

import pytest

from civeval.cli import lab_command, main
from conftest import MINIMAL_STUDY, run_cli, write_study


def call(capsys, *args) -> subprocess.CompletedProcess:
    """Run the command in this process (same code as the console script, without the
    second-long interpreter start)."""
    status = main(list(args))
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(args, status, out, err)


def assert_user_error(result, *fragments):
    """Exit 2, one clear message on stderr, no traceback."""
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("civeval: error: ")
    for fragment in fragments:
        assert fragment in result.stderr


def test_new_scaffolds_a_valid_commented_study(project):
    result = run_cli("new", "ville-de-test", root=project)
    assert result.returncode == 0, result.stderr
    text = (project / "studies" / "ville-de-test" / "study.yml").read_text(encoding="utf-8")
    assert text.count("#") > 20  # commented for the analyst
    assert (project / "studies" / "ville-de-test" / "data").is_dir()
    result = run_cli("validate", "ville-de-test", root=project)
    assert result.returncode == 0
    assert "ok  ville-de-test: 0 dataset(s), sections 00_cadrage" in result.stdout


def test_new_refuses_bad_names_and_existing_studies(project, capsys):
    assert_user_error(call(capsys, "new", "Ville de Test"), "must be lower-case")
    write_study(project, "existante")
    assert_user_error(call(capsys, "new", "existante"), "already exists")


BAD_INPUT = {
    "typo-in-key": (lambda t: t.replace("population:", "populaton:"),
                    ["studies/bad/study.yml, line 2",
                     "unknown key 'populaton' (did you mean 'population'?)"]),
    "wrong-type": (lambda t: t.replace("12000", "douze mille"),
                   ["line 2", "client.population: Input should be a valid integer"]),
    "unknown-scheme-type": (lambda t: t.replace("budget participatif", "budget citoyen"),
                            ["line 5", "'budget citoyen' is not allowed"]),
    "missing-data-file": (lambda t: t + "data:\n  votes: {file: data/absent.csv}\n",
                          ["data.votes: file 'data/absent.csv' not found"]),
    "empty-csv": (lambda t: t + "data:\n  votes: {file: data/vide.csv}\n",
                  ["studies/bad/data/vide.csv: the file is empty"]),
    "unknown-parameter": (
        lambda t: t + "components:\n  - template: 00_cadrage\n    parameters: {seuil: 3}\n",
        ["studies/bad/study.yml, line 10, column 5",
         "template 00_cadrage has no parameter 'seuil'"]),
    "reserved-parameter": (
        lambda t: t + "components:\n  - template: 00_cadrage\n    parameters: {study: x}\n",
        ["study is set by the runner"]),
    "unknown-template": (lambda t: t + "components: [01_inconnu]\n",
                         ["line 8", "no template '01_inconnu'"]),
}


def write_bad_study(project, case):
    change, fragments = BAD_INPUT[case]
    write_study(project, "bad", change(MINIMAL_STUDY), files={"data/vide.csv": ""})
    write_study(project, "good")
    return ["study 'bad'", *fragments]


@pytest.mark.parametrize("case", BAD_INPUT)
def test_bad_input_is_one_clear_error(project, capsys, case):
    fragments = write_bad_study(project, case)
    assert_user_error(call(capsys, "validate", "--all"), *fragments)
    assert not (project / "reports").exists()


@pytest.mark.parametrize("case", BAD_INPUT)
def test_a_bad_study_alone_runs_nothing(project, capsys, case):
    fragments = write_bad_study(project, case)
    assert_user_error(call(capsys, "run", "bad", "--no-progress"), *fragments)
    assert not (project / "reports").exists()  # validated before any kernel started


@pytest.mark.parametrize("case", ["empty-csv", "unknown-parameter"])
def test_a_batch_runs_its_valid_studies_and_exits_2_for_the_bad_one(project, case):
    fragments = write_bad_study(project, case)
    result = run_cli("run", "--all", "--no-progress", root=project)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("civeval: error: ")
    for fragment in fragments:
        assert fragment in result.stderr
    assert (project / "reports" / "good" / "index.html").is_file()
    assert not (project / "reports" / "bad").exists()


@pytest.mark.parametrize(("idle", "message"), [
    ("0", "must be more than 0 minutes, not 0"),
    ("-5", "must be more than 0 minutes, not -5"),
    ("nan", "must be more than 0 minutes, not nan"),
    ("dix", "must be a number of minutes, not dix")])
def test_a_server_that_would_stop_at_once_or_never_start_is_refused(capsys, idle, message):
    with pytest.raises(SystemExit) as stopped:
        main(["serve", "--idle", idle])
    assert stopped.value.code == 2
    assert f"argument --idle: {message}" in capsys.readouterr().err


@pytest.mark.parametrize("stop", [False, True])
def test_serving_or_stopping_a_server_where_runs_do_not_fork_says_why(
        project, capsys, monkeypatch, stop):
    from civeval.workbench import serve

    monkeypatch.setattr(serve, "supported", lambda: False)
    assert main(["serve", *(["--stop"] if stop else [])]) == 2
    assert capsys.readouterr().err.strip() == (
        "civeval: error: civeval serve runs on Linux only (it forks warm children); "
        "`civeval run` works everywhere without it")


@pytest.mark.parametrize(("value", "message"), [
    ("0", "must be at least 1, not 0"), ("deux", "must be a whole number, not deux")])
def test_a_number_of_jobs_that_is_not_one_or_more_is_refused(capsys, value, message):
    with pytest.raises(SystemExit) as stopped:
        main(["run", "--all", "--jobs", value])
    assert stopped.value.code == 2
    assert f"argument --jobs/-j: {message}" in capsys.readouterr().err


def test_run_needs_studies(project, capsys):
    assert_user_error(call(capsys, "run"), "name at least one study, or use --all")
    assert gc.isenabled()  # paused while a run starts, whatever stops it
    assert_user_error(call(capsys, "run", "--all"), "no study in studies/")
    write_study(project, "good")
    assert_user_error(call(capsys, "run", "good", "--all"), "not both")


def test_lab_opens_the_project_root(project):
    command = lab_command(port=8899, open_browser=False)
    assert command[1:4] == ["-m", "jupyter", "lab"]
    assert f"--ServerApp.root_dir={project}" in command
    assert "--no-browser" in command and "--port=8899" in command


def test_the_command_exits_with_the_status_its_output_and_its_exit_handlers(tmp_path):
    import sys

    from conftest import REPO

    marker = tmp_path / "exit-handler"
    script = ("import atexit, sys\nfrom civeval import cli\n"
              f"atexit.register(lambda: open({str(marker)!r}, 'w').write('ran'))\n"
              "print('before the command')\n"
              "sys.argv = ['civeval', 'validate', 'nope']\ncli.command()\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=REPO, timeout=60)

    assert done.returncode == 2
    assert done.stdout == "before the command\n"
    assert "no study 'nope'" in done.stderr
    assert marker.read_text() == "ran"
