"""The rendered HTML of the demo batch, checked file by file with BeautifulSoup.

Every page of ``reports/`` (the index, each study page, each section report) must be in
French, hold no code and nothing from the network, give every image a text alternative and
link to the pages it promises. Each test looks at every file and names the files at fault.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest
from bs4 import BeautifulSoup

from conftest import REPO

# Classes nbconvert gives to the input side of a code cell (prompt, editor, highlighted source).
INPUT_CLASSES = ("jp-CodeMirrorEditor", "jp-Editor", "jp-InputPrompt", "highlight",
                 "highlight-ipynb")
# Python that must never reach a reader, whatever the template.
SOURCE_MARKERS = ("import civeval", "from civeval", "load_study(", "report.setup(",
                  "# Parameters")
# Traces of a warning or an error that escaped the filters.
NOISE = re.compile(r"\b\w*(Warning|Error)\b:|Traceback \(most recent call last\)")


@dataclass(frozen=True)
class Page:
    """One rendered HTML file of the batch."""

    reports: Path
    path: Path

    @property
    def name(self) -> str:
        return self.path.relative_to(self.reports).as_posix()

    @property
    def kind(self) -> str:
        if self.path.parent == self.reports:
            return "index"
        # With a main report, it is the study's index.html and the run's status page is
        # execution.html; without, index.html is the status page.
        status_page = ("execution.html" if (self.path.parent / "execution.html").is_file()
                       else "index.html")
        return "study" if self.path.name == status_page else "section"

    @cached_property
    def raw(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @cached_property
    def soup(self) -> BeautifulSoup:
        return BeautifulSoup(self.raw, "html.parser")

    @cached_property
    def text(self) -> str:
        """What a reader can read: the text of the page without its style sheets."""
        soup = BeautifulSoup(self.raw, "html.parser")
        for style in soup.find_all("style"):
            style.decompose()
        return soup.get_text(" ")


@pytest.fixture(scope="session")
def pages(demo_reports) -> list[Page]:
    found = [Page(demo_reports, path) for path in sorted(demo_reports.rglob("*.html"))]
    assert found, f"no HTML file under {demo_reports}"
    return found


def of_kind(pages: list[Page], kind: str) -> list[Page]:
    selected = [page for page in pages if page.kind == kind]
    assert selected, f"the demo batch rendered no {kind} page"
    return selected


def listing(problems: list[str]) -> str:
    return "\n".join(["problems in the rendered HTML:", *problems])


def demo_slugs() -> list[str]:
    return sorted(path.parent.name for path in (REPO / "studies").glob("*/study.yml"))


def run_record(demo_reports: Path, slug: str) -> dict:
    return json.loads((demo_reports / slug / "run.json").read_text(encoding="utf-8"))


# --- what the batch holds ---------------------------------------------------------------------

def test_the_batch_has_an_index_a_page_per_study_and_the_section_reports(demo_reports, pages):
    names = {page.name for page in pages}
    assert "index.html" in names
    problems = []
    for slug in demo_slugs():
        if f"{slug}/index.html" not in names:
            problems.append(f"{slug}: no study page {slug}/index.html")
        for section in run_record(demo_reports, slug)["sections"]:
            if not section["html"]:
                problems.append(f"{slug}: section {section['template']} was not rendered "
                                f"({section['status']}: {section['error']})")
            elif f"{slug}/{section['html']}" not in names:
                problems.append(f"{slug}: run.json lists {section['html']}, which is missing")
    assert not problems, listing(problems)


# --- language, code, noise ---------------------------------------------------------------------

def test_every_page_is_declared_french(pages):
    problems = [f"{page.name}: <html lang={page.soup.html.get('lang')!r}>, expected 'fr'"
                for page in pages if page.soup.html is None or page.soup.html.get("lang") != "fr"]
    assert not problems, listing(problems)


def code_lines(demo_reports: Path) -> set[str]:
    """Every line of code the executed notebooks of the batch ran (parameters included)."""
    lines = set()
    for path in demo_reports.glob("*/*.ipynb"):
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                lines.update(line.strip() for line in cell.source.splitlines()
                             if len(line.strip()) >= 10 and not line.strip().startswith("#"))
    return lines


def test_no_page_shows_input_code(demo_reports, pages):
    lines = code_lines(demo_reports)
    assert lines, "the batch kept no executed notebook to compare the pages with"
    problems = []
    for page in pages:
        for css_class in INPUT_CLASSES:
            for element in page.soup.find_all(class_=css_class):
                problems.append(f"{page.name}: element with class {css_class!r}: "
                                f"{element.get_text(' ', strip=True)[:80]!r}")
        # Rendered Markdown sits in a jp-InputArea too; only a code cell's one holds source.
        for area in page.soup.find_all(class_="jp-InputArea"):
            rendered = area.find(class_="jp-RenderedMarkdown")
            if area.find_parent(class_="jp-CodeCell") or rendered is None:
                problems.append(f"{page.name}: code input area: "
                                f"{area.get_text(' ', strip=True)[:80]!r}")
        for marker in SOURCE_MARKERS:
            if marker in page.raw or marker in page.text:
                problems.append(f"{page.name}: holds the source text {marker!r}")
        for line in sorted(lines):
            if line in page.text:
                problems.append(f"{page.name}: holds the code line {line!r}")
    assert not problems, listing(problems)


def test_no_page_shows_warnings_errors_or_injected_parameters(demo_reports, pages):
    problems = []
    for page in pages:
        for css_class in ("jp-OutputArea-stderr", "jp-OutputArea-error",
                          "celltag_injected-parameters"):
            if page.soup.find(class_=css_class):
                problems.append(f"{page.name}: has an element with class {css_class!r}")
        if match := NOISE.search(page.text):
            problems.append(f"{page.name}: shows {match.group(0)!r}")
        # The runner's parameters: the staging folder and the study's path as injected.
        for leak in (".staging.", "output_dir", str(demo_reports)):
            if leak in page.raw:
                problems.append(f"{page.name}: holds the injected parameter text {leak!r}")
    assert not problems, listing(problems)


# --- nothing from the network ------------------------------------------------------------------

def is_external(url: str) -> bool:
    """Whether loading ``url`` would leave the reports folder (data: URIs stay inside)."""
    url = url.strip()
    return url.startswith("//") or (bool(urlsplit(url).scheme) and not url.startswith("data:"))


def test_no_page_holds_any_web_address(pages):
    problems = [f"{page.name}: contains {scheme!r}" for page in pages
                for scheme in ("http://", "https://") if scheme in page.raw.lower()]
    assert not problems, listing(problems)


def test_no_page_loads_scripts_or_external_resources(pages):
    problems = []
    for page in pages:
        for script in page.soup.find_all("script"):
            problems.append(f"{page.name}: has a <script> {str(script)[:80]!r}")
        for tag in page.soup.find_all(["script", "link", "img", "iframe", "source", "video",
                                       "audio", "embed", "object"]):
            for attribute in ("src", "href", "data", "srcset"):
                value = tag.get(attribute)
                if value and is_external(value):
                    problems.append(f"{page.name}: <{tag.name} {attribute}={value[:80]!r}> "
                                    "is loaded from outside the report")
        for style in page.soup.find_all("style"):
            for url in re.findall(r"url\(\s*['\"]?([^'\")]*)", style.get_text()):
                if is_external(url):
                    problems.append(f"{page.name}: style sheet loads {url[:80]!r}")
            if "@import" in style.get_text():
                problems.append(f"{page.name}: style sheet uses @import")
    assert not problems, listing(problems)


# --- images -----------------------------------------------------------------------------------

def test_every_image_has_a_text_alternative(pages):
    problems = [f"{page.name}: <img> without alt text (src {img.get('src', '')[:40]!r}...)"
                for page in pages for img in page.soup.find_all("img")
                if not (img.get("alt") or "").strip()]
    assert not problems, listing(problems)


def test_style_sheets_are_inlined_verbatim(pages):
    # An autoescaped style sheet turns `content: " : "` into `&#34; : &#34;`, which the
    # browser drops, silently losing the house style.
    problems = [f"{page.name}: an inlined style sheet was HTML-escaped"
                for page in pages for style in page.soup.find_all("style")
                if re.search(r"&(#34|#39|quot|amp|gt|lt);", style.get_text())]
    assert not problems, listing(problems)


# --- navigation -------------------------------------------------------------------------------

def test_section_reports_have_a_table_of_contents_of_their_headings(pages):
    problems = []
    for page in of_kind(pages, "section"):
        toc = page.soup.select_one("nav.cv-toc")
        if toc is None:
            problems.append(f"{page.name}: no <nav class='cv-toc'>")
            continue
        links = [a["href"] for a in toc.select("a[href]")]
        if not links:
            problems.append(f"{page.name}: the table of contents has no link")
        ids = {element["id"] for element in page.soup.find_all(id=True)}
        for href in links:
            if not href.startswith("#") or not {href[1:], unquote(href[1:])} & ids:
                problems.append(f"{page.name}: table of contents link {href!r} leads to no "
                                "element of the page")
        main = page.soup.find("main")
        headings = main.find_all(["h1", "h2", "h3"]) if main else []
        listed = {unquote(href[1:]) for href in links}
        for heading in headings:
            if unquote(heading.get("id", "")) not in listed:
                problems.append(f"{page.name}: heading {heading.get_text(strip=True)!r} is "
                                "missing from the table of contents")
    assert not problems, listing(problems)


def test_every_link_leads_to_an_existing_file_or_anchor(demo_reports, pages):
    problems = []
    for page in pages:
        ids = {element["id"] for element in page.soup.find_all(id=True)}
        for anchor in page.soup.find_all("a", href=True):
            href = anchor["href"]
            parts = urlsplit(href)
            if parts.scheme or href.startswith("//"):
                problems.append(f"{page.name}: link {href!r} leaves the reports folder")
            elif not parts.path:
                if not {parts.fragment, unquote(parts.fragment)} & ids:
                    problems.append(f"{page.name}: link {href!r} leads to no element")
            else:
                target = (page.path.parent / unquote(parts.path)).resolve()
                if not target.is_file() or not target.is_relative_to(demo_reports.resolve()):
                    problems.append(f"{page.name}: link {href!r} leads to no report file")
    assert not problems, listing(problems)


def hrefs(page: Page) -> set[str]:
    return {anchor["href"] for anchor in page.soup.find_all("a", href=True)}


def section_files(study_page: Page) -> list[str]:
    return sorted(path.name for path in study_page.path.parent.glob("*.html")
                  if path.name not in ("index.html", "execution.html"))


def test_study_pages_link_to_their_section_reports_and_back(pages):
    problems = []
    for page in of_kind(pages, "study"):
        sections = section_files(page)
        if not sections:
            problems.append(f"{page.name}: its folder holds no section report")
        for name in sections:
            if name not in hrefs(page):
                problems.append(f"{page.name}: no link to its section report {name}")
        if "../index.html" not in hrefs(page):
            problems.append(f"{page.name}: no link back to the index")
    for page in of_kind(pages, "section"):
        for target in ("index.html", "../index.html"):
            if target not in hrefs(page):
                problems.append(f"{page.name}: no link to {target}")
    assert not problems, listing(problems)


def test_the_index_links_to_every_study_page_and_section_report(pages):
    (index,) = of_kind(pages, "index")
    problems = []
    for page in of_kind(pages, "study"):
        slug = page.path.parent.name
        expected = [f"{slug}/index.html", *(f"{slug}/{name}" for name in section_files(page))]
        problems += [f"index.html: no link to {href}" for href in expected
                     if href not in hrefs(index)]
    assert not problems, listing(problems)
