"""HTML rendering: executed notebooks become section reports; run records become pages.

One :class:`Renderer` holds one nbconvert ``HTMLExporter``, configured once and reused for
every notebook of a batch, in-process. Reports hide all code, drop the injected-parameters
cell and stderr/warning output, honour the ``remove-input``, ``remove-output`` and
``remove-cell`` tags, carry a header, a table of contents and a provenance footer, and load
nothing from the network: every style is inlined, no script is included.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path

import nbformat
from bs4 import BeautifulSoup
from jinja2 import Environment, FileSystemLoader, select_autoescape
from nbconvert import HTMLExporter
from nbconvert.preprocessors import Preprocessor, TagRemovePreprocessor
from traitlets.config import Config

from civeval.presentation import fmt, i18n
from civeval.workbench import atomic

RESOURCES = Path(str(resources.files("civeval.presentation") / "resources"))


def generation_date() -> date:
    """Today, or the day given by ``SOURCE_DATE_EPOCH`` (for reproducible builds)."""
    if epoch := os.environ.get("SOURCE_DATE_EPOCH"):
        return datetime.fromtimestamp(int(epoch), tz=UTC).date()
    return date.today()


def css() -> str:
    return (RESOURCES / "civeval.css").read_text(encoding="utf-8")


class DropNoise(Preprocessor):
    """Remove what a reader must not see: stderr streams (warnings, logs) and tracebacks."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs
                            if not (o.output_type == "stream" and o.name == "stderr")
                            and o.output_type != "error"]
        return cell, resources


def _exporter() -> HTMLExporter:
    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = {"remove-cell", "injected-parameters"}
    config.TagRemovePreprocessor.remove_input_tags = {"remove-input"}
    config.TagRemovePreprocessor.remove_all_outputs_tags = {"remove-output"}
    exporter = HTMLExporter(
        config=config,
        template_name="civeval",
        extra_template_basedirs=[str(RESOURCES / "nbconvert")],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    exporter.register_preprocessor(TagRemovePreprocessor(config=config), enabled=True)
    exporter.register_preprocessor(DropNoise(), enabled=True)
    return exporter


_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


def finish(html: str, toc_title: str) -> str:
    """Insert the table of contents and strip CSS comments (JupyterLab's cite web pages:
    a report must hold no external URL at all)."""
    soup = BeautifulSoup(html, "html.parser")
    for style in soup.find_all("style"):
        style.string = _CSS_COMMENT.sub("", style.get_text())
    add_table_of_contents(soup, toc_title)
    return str(soup)


def add_table_of_contents(soup: BeautifulSoup, title: str) -> None:
    """Insert a table of contents of the ``h1``–``h3`` headings after the header."""
    main = soup.find("main")
    headings = main.find_all(["h1", "h2", "h3"]) if main else []
    if not headings:
        return
    nav = soup.new_tag("nav", attrs={"class": "cv-toc", "aria-label": title})
    heading = soup.new_tag("h2")
    heading.string = title
    items = soup.new_tag("ol")
    nav.extend([heading, items])
    for number, tag in enumerate(headings, start=1):
        tag["id"] = tag.get("id") or f"section-{number}"
        for anchor in tag.find_all("a", class_="anchor-link"):
            anchor.decompose()
        item = soup.new_tag("li", attrs={"class": f"cv-toc-{tag.name[1]}"})
        link = soup.new_tag("a", href=f"#{tag['id']}")
        link.string = tag.get_text(" ", strip=True)
        item.append(link)
        items.append(item)
    main.insert_before(nav)


class Renderer:
    """Renders section reports, study pages and the index of a batch."""

    def __init__(self):
        self.exporter = _exporter()
        self.pages = Environment(loader=FileSystemLoader(RESOURCES / "pages"),
                                 autoescape=select_autoescape(["j2", "html"]),
                                 trim_blocks=False)
        self.css = css()

    def section(self, notebook: nbformat.NotebookNode, target: Path, *, title: str,
                context: dict, language: str = "fr") -> None:
        """Render an executed notebook to ``target`` (written atomically)."""
        t = i18n.translator(language)
        self.exporter.language_code = language
        resources = {
            "metadata": {"name": title},
            "civeval": {
                "css": self.css,
                "client": context["client"],
                "facts": context["facts"],
                "provenance": context["provenance"],
                "default_alt": t("report.default_alt"),
                "labels": {"breadcrumb": t("nav.breadcrumb"),
                           "all_reports": t("nav.all_reports")},
            },
        }
        notebook = nbformat.from_dict(notebook)
        notebook.metadata["title"] = title
        html, _ = self.exporter.from_notebook_node(notebook, resources=resources)
        atomic.write_text(target, finish(html, t("report.toc")))

    def page(self, template: str, target: Path, *, language: str = "fr", **values) -> None:
        """Render one of the workbench's own pages (study page, index) to ``target``."""
        html = self.pages.get_template(template).render(
            t=i18n.translator(language), language=language, css=self.css, **values)
        atomic.write_text(target, html)


# Headless Chromium as the probe of this workplace starts it: no network, no first-run work.
_CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                   "--disable-background-networking", "--disable-component-update",
                   "--disable-sync", "--disable-quic", "--no-pdf-header-footer")


def chromium() -> str | None:
    """The Chromium to print with: ``CIVEVAL_CHROMIUM``, else the first on the PATH."""
    if explicit := os.environ.get("CIVEVAL_CHROMIUM"):
        return explicit
    return next(filter(None, map(shutil.which, ("chromium", "chromium-browser",
                                                "google-chrome"))), None)


def print_pdf(source: Path, target: Path, timeout: int = 120) -> str | None:
    """Print the HTML page ``source`` to the PDF ``target`` with headless Chromium (pages,
    margins and page breaks come from the stylesheet's print rules), atomically.

    Returns None when done, else why not (no Chromium, a failure), for the caller to report:
    a missing PDF is a warning, not a failed report.
    """
    browser = chromium()
    if browser is None:
        return "no Chromium to print the PDF with (install it, or set CIVEVAL_CHROMIUM)"
    with tempfile.TemporaryDirectory(prefix="civeval-pdf-") as scratch:
        printed = Path(scratch) / "print.pdf"
        try:
            done = subprocess.run(
                [browser, *_CHROMIUM_FLAGS, f"--user-data-dir={Path(scratch) / 'profile'}",
                 f"--print-to-pdf={printed}", Path(source).resolve().as_uri()],
                capture_output=True, text=True, timeout=timeout)
        except (OSError, subprocess.TimeoutExpired) as error:
            return f"Chromium could not print the PDF: {error}"
        if done.returncode != 0 or not printed.is_file() or printed.stat().st_size == 0:
            return f"Chromium could not print the PDF: {done.stderr.strip()[-300:]}"
        atomic.write_bytes(target, printed.read_bytes())
    return None


def provenance(language: str, version: str, commit: str | None) -> str:
    t = i18n.translator(language)
    return t("report.provenance", version=version, commit=commit or t("report.no_commit"),
             date=fmt.date(generation_date(), locale=fmt.LOCALES[language]))
