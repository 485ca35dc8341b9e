"""Shared fixtures: throw-away projects (a studies/ and notebooks/ pair) and one demo batch."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CIVEVAL = [sys.executable, "-m", "civeval.cli"]
# A run the tests make leaves no warm server behind (civeval.workbench.serve.AUTOSTART),
# whatever the shell that started them says: the tests that want one ask for it.
os.environ["CIVEVAL_SERVE"] = "0"

MINIMAL_STUDY = """\
title: "Évaluation test"
client: {name: "Testville", kind: commune, insee_code: "35238", population: 12000}
schemes:
  - name: "Budget participatif"
    type: budget participatif
    editions:
      - {label: "2024", start: 2024-03-01, end: 2024-10-31}
"""


def write_study(root: Path, slug: str, yaml_text: str = MINIMAL_STUDY,
                files: dict[str, str | bytes] | None = None) -> Path:
    """Create ``studies/<slug>/`` under ``root`` with ``study.yml`` and data files."""
    folder = root / "studies" / slug
    folder.mkdir(parents=True)
    (folder / "study.yml").write_text(textwrap.dedent(yaml_text), encoding="utf-8")
    for name, content in (files or {}).items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


def write_template(root: Path, name: str, parameters: str = "study = ''\noutput_dir = None\n",
                   requires=(), follows=(), reads=()) -> None:
    """Add ``notebooks/<name>.py``, a template that prints its name."""
    header = textwrap.dedent(f"""\
        # ---
        # jupyter:
        #   civeval:
        #     requires: {list(requires)}
        #     follows: {list(follows)}
        #     reads: {list(reads)}
        #     title: {{fr: Titre {name}, en: Title {name}}}
        # ---
        """)
    body = f'# %% tags=["parameters"]\n{parameters}\n# %%\nprint("{name}")\n'
    (root / "notebooks" / f"{name}.py").write_text(header + "\n" + body, encoding="utf-8")


@pytest.fixture
def project(tmp_path, monkeypatch):
    """An empty project root with the real templates, used as CIVEVAL_ROOT."""
    root = tmp_path / "project"
    (root / "studies").mkdir(parents=True)
    shutil.copytree(REPO / "notebooks", root / "notebooks")
    monkeypatch.setenv("CIVEVAL_ROOT", str(root))
    monkeypatch.delenv("CIVEVAL_REPORTS", raising=False)
    return root


def run_cli(*args, root: Path | None = None, env: dict | None = None,
            timeout: int = 300) -> subprocess.CompletedProcess:
    """Run the ``civeval`` command as a user would, in a child process."""
    environment = {**os.environ, **(env or {})}
    if root is not None:
        environment["CIVEVAL_ROOT"] = str(root)
    return subprocess.run([*CIVEVAL, *args], capture_output=True, text=True, env=environment,
                          cwd=root or REPO, timeout=timeout)


@pytest.fixture(scope="session")
def demo_reports(tmp_path_factory) -> Path:
    """The demo batch, run once through the real command into a temporary reports folder."""
    reports = tmp_path_factory.mktemp("demo") / "reports"
    result = run_cli("run", "--all", "--no-progress", root=REPO,
                     env={"CIVEVAL_REPORTS": str(reports), "CIVEVAL_ROOT": str(REPO)})
    assert result.returncode == 0, result.stdout + result.stderr
    return reports
