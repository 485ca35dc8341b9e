"""`civeval watch`: rebuilds on save, errors in the page and the terminal, a clean Ctrl-C."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import threading
import time
import urllib.request

import pytest

from conftest import CIVEVAL, MINIMAL_STUDY, run_cli, write_study, write_template

STUDY = MINIMAL_STUDY + "data:\n  votes: {file: data/votes.csv, kind: projects}\n" \
                        "components: [50_echo]\n"


class Watcher:
    """``civeval watch`` in its own session, its output read line by line."""

    def __init__(self, root, env: dict | None = None) -> None:
        self.process = subprocess.Popen(
            [*CIVEVAL, "watch", "ville", "--no-browser"], cwd=root, text=True,
            env={**os.environ, "CIVEVAL_ROOT": str(root), "COLUMNS": "200", **(env or {})},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.url = re.search(r"http://127\.0\.0\.1:\d+/", self.wait_for("watching")).group(0)

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line)

    def wait_for(self, text: str, timeout: float = 240) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=1)
            except queue.Empty:
                continue
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"no {text!r} in:\n{''.join(self.seen)}")

    def get(self, path: str) -> str:
        with urllib.request.urlopen(self.url + path, timeout=10) as response:
            return response.read().decode("utf-8")

    def status(self) -> dict:
        return json.loads(self.get("_civeval/status"))


@pytest.fixture
def watched(project):
    write_template(project, "50_echo")
    folder = write_study(project, "ville", STUDY, files={"data/votes.csv": "id;titre\n1;Parc\n"})
    watcher = Watcher(project)
    yield folder, watcher
    if watcher.process.poll() is None:
        os.killpg(watcher.process.pid, signal.SIGKILL)
        watcher.process.wait()


def test_saves_rebuild_and_errors_show_in_the_words_of_validate(project, watched):
    folder, watcher = watched
    watcher.wait_for("build 1 done")
    assert watcher.status() == {"build": 1, "error": None, "notice": None, "pages": {}}
    page = watcher.get("ville/index.html")
    assert "_civeval/status" in page and "50_echo" in page

    good = (folder / "study.yml").read_text(encoding="utf-8")
    (folder / "study.yml").write_text(good.replace("kind: commune", "kind: [commune"),
                                      encoding="utf-8")
    watcher.wait_for("build 2 done")
    validate = run_cli("validate", "ville", root=project)
    assert validate.returncode == 2
    assert watcher.status()["error"] == validate.stderr.strip()
    assert validate.stderr.strip() in "".join(watcher.seen)
    assert "50_echo" in watcher.get("ville/index.html")  # the last good report stays

    (folder / "study.yml").write_text(good, encoding="utf-8")
    watcher.wait_for("build 3 done")
    assert watcher.status() == {"build": 3, "error": None, "notice": None, "pages": {}}

    (folder / "data" / "votes.csv").unlink()
    watcher.wait_for("build 4 done")
    assert "votes.csv" in watcher.status()["error"]
    (folder / "data" / "votes.csv").write_text("id;titre\n1;Parc\n", encoding="utf-8")
    watcher.wait_for("build 5 done")

    template = project / "notebooks" / "50_echo.py"
    template.write_text(template.read_text(encoding="utf-8")
                        + '\n# %%\nraise ValueError("colonne absente")\n', encoding="utf-8")
    watcher.wait_for("build 6 done")
    assert "ValueError" in watcher.status()["error"]
    assert "colonne absente" in watcher.status()["error"]


MAIN_TEMPLATE = ("# ---\n# jupyter:\n#   civeval:\n#     main: true\n#     pdf: true\n"
                 "#     follows: [50_echo]\n#     title: {fr: Rapport, en: Report}\n# ---\n\n"
                 "# %% tags=[\"parameters\"]\nstudy = ''\noutput_dir = None\n")


def test_a_preview_leaves_the_pdf_to_the_next_run(project):
    write_template(project, "50_echo")
    (project / "notebooks" / "95_main.py").write_text(MAIN_TEMPLATE, encoding="utf-8")
    write_study(project, "ville", STUDY.replace("[50_echo]", "[50_echo, 95_main]"),
                files={"data/votes.csv": "id;titre\n1;Parc\n"})
    # No browser: a run that tries to print says so in its section's warning.
    no_browser = {"CIVEVAL_CHROMIUM": str(project / "no-chromium")}
    watcher = Watcher(project, no_browser)
    try:
        watcher.wait_for("build 1 done")
        assert watcher.status()["notice"] == ("preview: PDF and Word not printed; "
                                              "`civeval run ville` prints them")
    finally:
        os.killpg(watcher.process.pid, signal.SIGINT)
        watcher.process.wait(timeout=30)
    record = project / "reports" / "ville" / "run.json"
    main = json.loads(record.read_text(encoding="utf-8"))["sections"][1]
    assert (main["template"], main["unprinted"], main["warning"]) == ("95_main", True, None)

    ran = run_cli("run", "ville", root=project, env=no_browser)
    assert ran.returncode == 0, ran.stderr
    sections = json.loads(record.read_text(encoding="utf-8"))["sections"]
    assert [(s["template"], s["reused"], s["unprinted"]) for s in sections] == [
        ("50_echo", True, False), ("95_main", False, False)]
    assert sections[1]["reason"] == "unprinted"
    assert sections[1]["warning"].startswith("Chromium could not print the PDF")


def test_a_section_page_is_shown_before_the_main_report_is_rebuilt(project):
    (project / "notebooks" / "50_echo.py").write_text(
        "# ---\n# jupyter:\n#   civeval:\n#     title: {fr: Écho, en: Echo}\n# ---\n\n"
        "# %% tags=[\"parameters\"]\nstudy = ''\noutput_dir = None\nvotes = 'votes'\n\n"
        "# %%\nfrom civeval import load_study\n"
        "print('projets :', *load_study(study).load(votes)['titre'])\n", encoding="utf-8")
    slow_main = (MAIN_TEMPLATE.replace("pdf: true", "pdf: false")
                 + "\n# %%\nimport time\ntime.sleep(4)\n")
    (project / "notebooks" / "95_main.py").write_text(slow_main, encoding="utf-8")
    folder = write_study(project, "ville", STUDY.replace("[50_echo]", "[50_echo, 95_main]"),
                         files={"data/votes.csv": "id;titre\n1;Parc\n"})
    watcher = Watcher(project)
    try:
        watcher.wait_for("build 1 done")
        (folder / "data" / "votes.csv").write_text("id;titre\n1;Square\n", encoding="utf-8")
        deadline = time.monotonic() + 120
        while not (status := watcher.status())["pages"] and time.monotonic() < deadline:
            time.sleep(0.05)
        # Published while the main report still runs: build 2 is not done.
        assert status["build"] == 1 and list(status["pages"]) == ["/ville/50_echo.html"]
        assert "Square" in watcher.get("ville/50_echo.html")
        watcher.wait_for("build 2 done")
        # The page the swap left is the one shown: its version stays, it does not reload.
        assert watcher.status()["build"] == 2
        assert watcher.status()["pages"] == status["pages"]
        assert "Square" in watcher.get("ville/50_echo.html")
    finally:
        os.killpg(watcher.process.pid, signal.SIGINT)
        watcher.process.wait(timeout=30)


def test_ctrl_c_leaves_no_process(watched):
    _, watcher = watched
    watcher.wait_for("build 1 done")
    os.killpg(watcher.process.pid, signal.SIGINT)  # what the terminal sends on Ctrl-C
    assert watcher.process.wait(timeout=30) == 130
    time.sleep(0.5)
    left = subprocess.run(["ps", "-eo", "pid=,sid="], capture_output=True, text=True).stdout
    assert [line for line in left.splitlines()
            if line.split()[1] == str(watcher.process.pid)] == []


def test_between_builds_the_watcher_parses_every_dataset_and_skips_a_broken_one(project):
    from civeval.workbench import formats
    from civeval.workbench.watch import read_ahead

    yaml_text = STUDY.replace(
        "data:\n", "data:\n  budget: {file: data/budget.csv, kind: projects}\n"
                   "  broken: {file: data/broken.xlsx, kind: projects}\n")
    folder = write_study(project, "ville", yaml_text, files={
        "data/votes.csv": "id;titre\n1;Parc\n", "data/budget.csv": "id;montant\n1;1200\n",
        "data/broken.xlsx": b"not a workbook"})
    formats._PARSED.clear()
    read_ahead("ville")  # the broken workbook is the next build's to report

    parsed = {key[1] for key in formats._PARSED}
    assert parsed == {str(folder / "data" / "votes.csv"), str(folder / "data" / "budget.csv")}
    # What a section forked next reads comes from memory, until the file changes.
    (folder / "data" / "budget.csv").write_text("id;montant\n1;1500\n", encoding="utf-8")
    from civeval.workbench.study import load_study

    assert load_study("ville").load("budget")["montant"].tolist() == [1500]
    assert load_study("ville").load("votes")["titre"].tolist() == ["Parc"]
