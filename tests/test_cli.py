"""The civeval command as a user meets it: scaffolding, validation, clear errors."""

import pytest

from civeval.cli import lab_command
from conftest import MINIMAL_STUDY, run_cli, write_study


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
    assert "ok  ville-de-test: 0 dataset(s), templates 00_cadrage" in result.stdout


def test_new_refuses_bad_names_and_existing_studies(project):
    assert_user_error(run_cli("new", "Ville de Test", root=project), "must be lower-case")
    write_study(project, "existante")
    assert_user_error(run_cli("new", "existante", root=project), "already exists")


@pytest.mark.parametrize(("change", "fragments"), [
    (lambda t: t.replace("population:", "populaton:"),
     ["studies/bad/study.yml, line 2", "unknown key 'populaton' (did you mean 'population'?)"]),
    (lambda t: t.replace("12000", "douze mille"),
     ["line 2", "client.population: Input should be a valid integer"]),
    (lambda t: t.replace("budget participatif", "budget citoyen"),
     ["line 5", "'budget citoyen' is not allowed"]),
    (lambda t: t + "data:\n  votes: {file: data/absent.csv}\n",
     ["data.votes: file 'data/absent.csv' not found"]),
    (lambda t: t + "data:\n  votes: {file: data/vide.csv}\n",
     ["studies/bad/data/vide.csv: the file is empty"]),
    (lambda t: t + "components:\n  - template: 00_cadrage\n    parameters: {seuil: 3}\n",
     ["studies/bad/study.yml, line 10, column 5",
      "template 00_cadrage has no parameter 'seuil'"]),
    (lambda t: t + "components:\n  - template: 00_cadrage\n    parameters: {study: x}\n",
     ["study is set by the runner"]),
    (lambda t: t + "components: [01_inconnu]\n", ["no template '01_inconnu'"]),
])
@pytest.mark.parametrize("command", ["validate", "run"])
def test_bad_input_is_one_clear_error_and_nothing_is_written(project, change, fragments, command):
    write_study(project, "bad", change(MINIMAL_STUDY), files={"data/vide.csv": ""})
    write_study(project, "good")
    result = run_cli(command, "--all", root=project)
    assert_user_error(result, "study 'bad'", *fragments)
    assert not (project / "reports").exists()  # validated before any kernel started


def test_run_needs_studies(project):
    assert_user_error(run_cli("run", root=project), "name at least one study, or use --all")
    assert_user_error(run_cli("run", "--all", root=project), "no study in studies/")
    write_study(project, "good")
    assert_user_error(run_cli("run", "good", "--all", root=project), "not both")


def test_lab_opens_the_project_root(project):
    command = lab_command(port=8899, open_browser=False)
    assert command[1:4] == ["-m", "jupyter", "lab"]
    assert f"--ServerApp.root_dir={project}" in command
    assert "--no-browser" in command and "--port=8899" in command
