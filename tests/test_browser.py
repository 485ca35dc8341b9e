"""The reports in a real browser: headless Chromium, driven by Playwright, from file:// URLs.

The pages must open offline without any console error, page error or request outside the
reports folder, read in French, and show hostile text from a study as text: a client name, a
dataset description or a column heading never runs as script.

Without Chromium (or Playwright) these tests skip, except on CI (the ``CI`` environment
variable is set), where they fail: CI must not pass without running them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from conftest import MINIMAL_STUDY, REPO, run_cli, write_study

CI = bool(os.environ.get("CI"))
CHROMIUM = shutil.which("chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]

try:
    from playwright.sync_api import Page, sync_playwright
except ImportError as error:
    MISSING = f"playwright cannot be imported ({error})"
else:
    MISSING = None if CHROMIUM else "Chromium is not installed (no `chromium` on the PATH)"

if MISSING and not CI:
    pytest.skip(MISSING, allow_module_level=True)

pytestmark = pytest.mark.browser

# Anything that is neither a local file nor inline data would come from the network.
LEAVES_THE_FOLDER = re.compile(r"^(?!file:|data:)")


@dataclass
class Visit:
    """One browser tab and what it reported while it was open."""

    page: Page
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def listen(self) -> None:
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        self.page.on("request", self._request)
        self.page.on("dialog", self._dialog)

    def _console(self, message) -> None:
        if message.type == "error":
            where = message.location
            self.console_errors.append(f"{message.text} ({where['url']}:{where['lineNumber']})")

    def _request(self, request) -> None:
        if LEAVES_THE_FOLDER.match(request.url):
            self.requests.append(request.url)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def problems(self) -> list[str]:
        where = self.page.url
        return ([f"{where}: console error: {text}" for text in self.console_errors]
                + [f"{where}: page error: {text}" for text in self.page_errors]
                + [f"{where}: request outside the reports: {url}" for url in self.requests]
                + [f"{where}: dialog raised: {text}" for text in self.dialogs])

    def text(self) -> str:
        return self.page.inner_text("body")


@pytest.fixture(scope="module")
def browser():
    if MISSING:
        pytest.fail(f"{MISSING}; CI is set, so the browser tests must run, not skip",
                    pytrace=False)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_report(browser):
    """``open_report(path)`` opens a report file in a fresh tab and returns its :class:`Visit`."""
    context = browser.new_context()
    # Record requests that would leave the folder, but never let them reach the network.
    context.route(LEAVES_THE_FOLDER, lambda route: route.abort())

    def open_(path: Path) -> Visit:
        assert path.is_file(), f"{path} was not rendered"
        visit = Visit(context.new_page())
        visit.listen()
        visit.page.goto(path.as_uri(), wait_until="load")
        return visit

    yield open_
    context.close()


def studies(reports: Path) -> list[Path]:
    folders = sorted(run_file.parent for run_file in reports.glob("*/run.json"))
    assert folders, f"no study report under {reports}"
    return folders


def section_reports(folder: Path) -> list[Path]:
    record = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    return [folder / section["html"] for section in record["sections"] if section["html"]]


def study_tab_title(slug: str) -> str:
    """The browser tab's title of a study's pages: its title and its collectivité."""
    from civeval.workbench.render import tab_title

    config = yaml.safe_load((REPO / "studies" / slug / "study.yml").read_text(encoding="utf-8"))
    return tab_title(config["title"], config["client"]["name"])


# --- the demo batch ---------------------------------------------------------------------------

def test_every_page_of_the_batch_opens_offline_without_errors(open_report, demo_reports):
    pages = [demo_reports / "index.html"]
    for folder in studies(demo_reports):
        pages += [folder / "index.html", *section_reports(folder)]
    problems = []
    for path in pages:
        visit = open_report(path)
        problems += visit.problems()
        visit.page.close()
    assert not problems, "\n".join(problems)


def test_the_index_is_in_french(open_report, demo_reports):
    visit = open_report(demo_reports / "index.html")
    page = visit.page
    assert page.evaluate("document.documentElement.lang") == "fr"
    assert page.title() == "Rapports d'évaluation"
    assert page.locator("h1").inner_text() == "Rapports d'évaluation"
    assert "Collectivité" in visit.text()
    assert not visit.problems(), "\n".join(visit.problems())


def test_study_pages_and_section_reports_are_in_french(open_report, demo_reports):
    for folder in studies(demo_reports):
        # The main report is the study page; the run's status page is beside it.
        main = open_report(folder / "index.html")
        assert main.page.evaluate("document.documentElement.lang") == "fr", folder.name
        assert main.page.title() == study_tab_title(folder.name)
        assert "Tous les rapports" in main.text()
        study = open_report(folder / "execution.html")
        assert study.page.title() == study_tab_title(folder.name)
        for expected in ("Tous les rapports", "Statut de la production", "Rapports détaillés"):
            assert expected in study.text(), f"{folder.name}/execution.html: no {expected!r}"

        section = open_report(folder / "00_cadrage.html")
        toc = section.page.locator("nav.cv-toc")
        assert section.page.evaluate("document.documentElement.lang") == "fr", folder.name
        assert toc.is_visible(), f"{folder.name}/00_cadrage.html: no visible table of contents"
        assert toc.locator(".cv-toc-title").inner_text() == "Sommaire"
        assert "Tous les rapports" in section.text()
        assert not study.problems() + section.problems(), \
            "\n".join(study.problems() + section.problems())


def test_the_table_of_contents_leads_to_its_headings(open_report, demo_reports):
    visit = open_report(studies(demo_reports)[0] / "00_cadrage.html")
    links = visit.page.locator("nav.cv-toc a")
    assert links.count() > 0
    for number in range(links.count()):
        link = links.nth(number)
        title = link.inner_text()
        link.click()
        target = visit.page.locator(":target")
        assert target.count() == 1, f"the link {title!r} leads nowhere ({visit.page.url})"
        assert target.inner_text().strip() == title
        assert target.is_visible()


def test_a_reader_goes_from_the_index_to_a_section_report_and_back(open_report, demo_reports):
    folder = studies(demo_reports)[0]
    section = section_reports(folder)[0]
    visit = open_report(demo_reports / "index.html")
    page = visit.page

    page.locator(f"a[href='{folder.name}/index.html']").click()
    page.wait_for_url(f"**/{folder.name}/index.html")
    page.locator(f"a[href='{section.name}']").click()
    page.wait_for_url(f"**/{folder.name}/{section.name}")
    page.get_by_role("link", name="Tous les rapports").click()
    page.wait_for_url(demo_reports.joinpath("index.html").as_uri())
    assert not visit.problems(), "\n".join(visit.problems())


# --- hostile input ----------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
IMAGE = "<img src=x onerror=alert(2)>"
CLIENT = f"Testville {SCRIPT}"

HOSTILE_STUDY = f"""\
title: "Évaluation avec des données hostiles"
client: {{name: "{CLIENT}", kind: commune, insee_code: "35238", population: 12000}}
schemes:
  - name: "Budget participatif"
    type: budget participatif
    editions:
      - {{label: "2024", start: 2024-03-01, end: 2024-10-31}}
data:
  reponses:
    file: data/reponses.csv
    description: "Réponses au questionnaire {SCRIPT}"
"""

# The heading holds no separator, but quoting it is how a spreadsheet would export it.
HOSTILE_CSV = f'quartier;"{IMAGE}"\nCentre;12\nNord;7\n'

SCRIPTS_CALLING_ALERT = """
    [...document.querySelectorAll('script')].filter(s => s.textContent.includes('alert')).length
"""


def test_hostile_study_text_is_shown_as_text_never_run(open_report, project):
    slug = "etude-hostile"
    write_study(project, slug, HOSTILE_STUDY, {"data/reponses.csv": HOSTILE_CSV})
    result = run_cli("run", slug, "--no-progress", root=project)
    assert result.returncode == 0, result.stdout + result.stderr

    reports = project / "reports"
    problems = []
    for path in (reports / slug / "00_cadrage.html", reports / slug / "index.html",
                 reports / "index.html"):
        visit = open_report(path)
        name = path.relative_to(reports).as_posix()
        problems += visit.problems()  # an alert() that ran shows up as a dialog
        text = visit.text()
        if SCRIPT not in text:
            problems.append(f"{name}: the client name is not shown as text")
        if text.count("Testville") != text.count(CLIENT):
            problems.append(f"{name}: the client name is altered somewhere (escaped twice?)")
        if visit.page.evaluate(SCRIPTS_CALLING_ALERT):
            problems.append(f"{name}: a <script> element calls alert()")
        if visit.page.locator("[onerror]").count():
            problems.append(f"{name}: an element carries an onerror handler")
        if path.name == "00_cadrage.html" and f"Réponses au questionnaire {SCRIPT}" not in text:
            problems.append(f"{name}: the dataset description is not shown as text")
    assert not problems, "\n".join(problems)


# Known bug, kept visible: report.text() escapes HTML in the values it fills in, but not
# Markdown, so a client name with Markdown syntax becomes a live link or a remote image.
MARKDOWN_CLIENT = "Testville [clic](javascript:alert(3)) ![plan](https://example.com/plan.png)"


def test_markdown_in_study_text_is_shown_as_text(open_report, project):
    slug = "etude-markdown"
    write_study(project, slug, MINIMAL_STUDY.replace('"Testville"', f'"{MARKDOWN_CLIENT}"'))
    result = run_cli("run", slug, "--no-progress", root=project)
    assert result.returncode == 0, result.stdout + result.stderr

    visit = open_report(project / "reports" / slug / "00_cadrage.html")
    text = visit.text()
    problems = visit.problems()
    if visit.page.locator("a[href^='javascript:']").count():
        problems.append("a javascript: link made from the client name")
    if text.count("Testville") != text.count(MARKDOWN_CLIENT):
        problems.append("the client name is not shown as written everywhere")
    assert not problems, "\n".join(problems)


# --- the live preview -------------------------------------------------------------------------

def test_a_preview_page_reloads_when_its_own_version_or_the_build_changes(browser, tmp_path):
    import threading

    from civeval.workbench.preview import serve, write_status

    for name in ("index.html", "50_echo.html"):
        (tmp_path / "ville").mkdir(exist_ok=True)
        (tmp_path / "ville" / name).write_text(f"<html><body>{name}</body></html>",
                                               encoding="utf-8")
    status = tmp_path / "status.json"
    write_status(status, 1, None)
    server = serve(tmp_path, status)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    context = browser.new_context()
    try:
        pages = {name: context.new_page() for name in ("index.html", "50_echo.html")}

        def mark(name: str) -> None:
            """Open or reloaded, the page has polled the status once; mark it until the next
            reload."""
            page = pages[name]
            page.wait_for_timeout(400)
            page.evaluate("window.marked = true")

        def reloads(name: str) -> bool:
            try:
                pages[name].wait_for_function("() => window.marked === undefined",
                                              timeout=1500)
            except Exception:  # Playwright's timeout: still the page as marked
                return False
            return True

        for name, page in pages.items():
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/ville/{name}")
            mark(name)
        # A section published before its build ends: only its page reloads.
        write_status(status, 1, None, pages={"/ville/50_echo.html": "2.1"})
        assert reloads("50_echo.html") and not reloads("index.html")
        mark("50_echo.html")
        # The build ends: the other pages reload, not the one already shown.
        write_status(status, 2, None, pages={"/ville/50_echo.html": "2.1"})
        assert reloads("index.html") and not reloads("50_echo.html")
    finally:
        context.close()
        server.shutdown()
