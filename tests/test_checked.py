"""Validation that only reads: data checks remembered by content, nothing heavy imported."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from civeval.plausibility import Failure
from civeval.workbench import checked
from civeval.workbench.runner import plan_study
from conftest import REPO

# What validating needs none of: statistics, notebooks, and the print document's HTML libraries.
HEAVY = ("pandas", "matplotlib", "statsmodels", "scipy", "geopandas", "nbformat", "jsonschema",
         "bs4", "jinja2")
# Validates, then prints the heavy libraries the process imported along the way.
VALIDATE_AND_LIST = (
    "import sys\n"
    "from civeval.cli import main\n"
    "status = main(['validate', 'demo-saint-aubin'])\n"
    f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    "sys.exit(status)\n")


@pytest.fixture
def demo_project(tmp_path, monkeypatch):
    """A copy of the project holding the demo study, with its own reports folder."""
    root = tmp_path / "project"
    shutil.copytree(REPO / "notebooks", root / "notebooks")
    shutil.copytree(REPO / "data" / "reference", root / "data" / "reference")
    shutil.copytree(REPO / "studies" / "demo-saint-aubin", root / "studies" / "demo-saint-aubin")
    monkeypatch.setenv("CIVEVAL_ROOT", str(root))
    monkeypatch.delenv("CIVEVAL_REPORTS", raising=False)
    return root


def validate(root) -> subprocess.CompletedProcess:
    env = {**os.environ, "CIVEVAL_ROOT": str(root)}
    env.pop("CIVEVAL_REPORTS", None)
    return subprocess.run([sys.executable, "-c", VALIDATE_AND_LIST], capture_output=True,
                          text=True, env=env, cwd=root, timeout=300)


def test_validating_again_imports_nothing_heavy(demo_project):
    first = validate(demo_project)
    assert first.returncode == 0, first.stderr
    again = validate(demo_project)
    assert again.returncode == 0, again.stderr
    *report, imported = again.stdout.strip().splitlines()
    assert imported == "[]"
    assert report == first.stdout.strip().splitlines()[:-1]


def test_a_changed_dataset_is_parsed_again(demo_project):
    assert validate(demo_project).returncode == 0
    projects = demo_project / "studies" / "demo-saint-aubin" / "data" / "projets.csv"
    projects.write_bytes(b"\xff\xfe\x00broken" * 10)
    again = validate(demo_project)
    assert again.returncode == 2
    assert "projets.csv" in again.stderr
    assert not list((demo_project / "reports" / checked.FOLDER).glob("*.tmp*"))


def test_failures_found_are_recalled_with_the_outcome(demo_project):
    failure = Failure("winners_within_budget", "over the envelope", dataset="vote_2024")
    checked.remember("demo-saint-aubin", "abc", checked.Outcome({"votants": {"nom": None}},
                                                                [failure]))
    outcome = checked.recall("demo-saint-aubin", "abc")
    assert outcome.failures == [failure]
    assert outcome.dropped == {"votants": {"nom": None}}
    assert checked.recall("demo-saint-aubin", "another") is None


def test_digest_covers_datasets_no_section_reads(demo_project):
    folder = demo_project / "studies" / "demo-saint-aubin"
    text = (folder / "study.yml").read_text(encoding="utf-8")
    text = text.replace("\ndata:\n", "\ndata:\n  extra:\n    file: data/extra.csv\n"
                                      "    kind: projects\n", 1)
    (folder / "study.yml").write_text(text, encoding="utf-8")
    (folder / "data" / "extra.csv").write_text("id;nom\n1;a\n", encoding="utf-8")

    def key() -> str:
        plan = plan_study("demo-saint-aubin")
        return checked.digest(plan.study, plan.steps, plan.inputs)

    before = key()
    assert key() == before
    (folder / "data" / "extra.csv").write_text("id;nom\n1;b\n", encoding="utf-8")
    assert key() != before


def test_an_unreadable_record_means_checking_again(demo_project):
    record = demo_project / "reports" / checked.FOLDER / "demo-saint-aubin.json"
    record.parent.mkdir(parents=True)
    record.write_text(json.dumps({"digest": "abc", "dropped": {}, "failures": [{"x": 1}]}))
    assert checked.recall("demo-saint-aubin", "abc") is None


def test_a_batch_imports_only_the_sections_it_runs(demo_project):
    from civeval.workbench.runner import EXECUTION, _preload

    plan = plan_study("demo-saint-aubin")
    assert "10_questionnaire" in plan.stale
    plan.stale = {"30_participation"}  # the only section out of date
    modules = _preload([plan])
    assert modules[:len(EXECUTION)] == list(EXECUTION)
    assert "civeval.sections.participation" in modules
    assert "civeval.sections.questionnaire" not in modules


def test_a_server_or_cluster_worker_preloads_the_module_of_every_template():
    from civeval.workbench.paths import project_root
    from civeval.workbench.runner import PRELOAD

    # notebooks/NN_name.py displays what civeval.sections.name computes
    templates = sorted((project_root() / "notebooks").glob("[0-9][0-9]_*.py"))
    assert templates
    for template in templates:
        assert f"civeval.sections.{template.stem.partition('_')[2]}" in PRELOAD


def test_the_parent_parses_a_study_run_alone_ahead_of_its_sections(demo_project):
    from civeval.workbench import formats
    from civeval.workbench.runner import _ahead_work

    plan = plan_study("demo-saint-aubin")
    formats._PARSED.clear()
    for call in _ahead_work([plan]):
        call()
    # What the sections forked afterwards find parsed: every dataset of the catalogue.
    assert {key[1] for key in formats._PARSED} == {
        str(plan.study.path / entry.file) for entry in plan.study.config.data.values()}

    # A batch's datasets would not all stay parsed: it imports only.
    shutil.copytree(demo_project / "studies" / "demo-saint-aubin",
                    demo_project / "studies" / "demo-copy")
    batch = [plan, plan_study("demo-copy")]
    formats._PARSED.clear()
    for call in _ahead_work(batch):
        call()
    assert not formats._PARSED


def test_what_templates_run_with_exists_and_printing_is_part_of_it(demo_project):
    import importlib.util

    from civeval.workbench.runner import PRINTING, run_imports

    modules = run_imports()
    # A misspelt name would fail silently in the parent, and cost each section its import.
    assert [name for name in modules if importlib.util.find_spec(name) is None] == []
    assert {"civeval.participation.trends", *PRINTING} <= set(modules)
    # A template being written, its header broken, does not keep a server from starting.
    (demo_project / "notebooks" / "95_brouillon.py").write_text(
        "# ---\n# jupyter: [\n", encoding="utf-8")
    assert run_imports() == modules


def test_notebooks_are_read_without_the_iri_grammar():
    code = ("import sys\n"
            "from civeval.workbench.exports import skip_iri_grammar\n"
            "skip_iri_grammar()\n"
            "import nbformat\n"
            "nbformat.validate(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('1')]))\n"
            "print(sys.modules['rfc3987_syntax'])\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "None"
