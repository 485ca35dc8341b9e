"""`civeval lab`: JupyterLab serves the py:percent templates as notebooks, ready to run."""

import json
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from civeval.cli import JUPYTEXT_DEFAULT_VIEWER, default_to_notebook_view, lab_command
from conftest import REPO

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_templates_open_as_notebooks_in_jupyter(tmp_path):
    port = free_port()
    command = lab_command(port=port, open_browser=False)
    command += ["--ServerApp.token=civeval-test", "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.runtime_dir={tmp_path}"]
    server = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    url = (f"http://127.0.0.1:{port}/api/contents/notebooks/00_cadrage.py"
           "?type=notebook&content=1&token=civeval-test")
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    model = json.load(response)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.5)
    finally:
        server.terminate()
        server.wait(timeout=30)
    cells = model["content"]["cells"]
    assert model["type"] == "notebook"
    assert any("parameters" in c["metadata"].get("tags", []) for c in cells)
    assert model["content"]["metadata"]["kernelspec"]["name"] == "python3"


def test_jupytext_is_the_default_viewer_of_templates():
    target = default_to_notebook_view()
    settings = json.loads(target.read_text())
    assert target.is_relative_to(sys.prefix)
    for plugin, values in JUPYTEXT_DEFAULT_VIEWER.items():
        assert settings[plugin]["defaultViewers"]["python"] == values["defaultViewers"]["python"]


def test_the_participation_template_run_as_is_shows_the_demo_study(tmp_path, monkeypatch):
    """Opened in JupyterLab and run without a runner, a template takes its study's
    parameters from study.yml, so the analyst sees the whole section."""
    import jupytext
    import papermill

    monkeypatch.setenv("CIVEVAL_REPORTS", str(tmp_path / "reports"))
    notebook = tmp_path / "30_participation.ipynb"
    jupytext.write(jupytext.read(REPO / "notebooks" / "30_participation.py"), notebook)
    executed = papermill.execute_notebook(str(notebook), str(tmp_path / "out.ipynb"),
                                          cwd=str(REPO), progress_bar=False, kernel_name="python3")
    html = "".join(output.get("data", {}).get("text/html", "")
                   for cell in executed.cells for output in cell.get("outputs", []))
    assert "Participation par étape" in html and "Baisse significative" in html
    assert (tmp_path / "reports" / "demo-saint-aubin" / "evidence.json").is_file()
