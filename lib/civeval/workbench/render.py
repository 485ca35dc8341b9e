"""HTML rendering: executed notebooks become section reports; run records become pages.

One :class:`Renderer` holds one nbconvert ``HTMLExporter``, configured once and reused for
every notebook of a batch, in-process. Reports hide all code, drop the injected-parameters
cell and stderr/warning output, honour the ``remove-input``, ``remove-output`` and
``remove-cell`` tags, carry a header, a table of contents and a provenance footer, and load
nothing from the network: every style is inlined, no script is included.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import NamedTuple

import nbformat
from bs4 import BeautifulSoup
from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader, select_autoescape
from nbconvert import HTMLExporter
from nbconvert.exporters.templateexporter import TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from nbconvert.preprocessors import Preprocessor, TagRemovePreprocessor
from traitlets.config import Config

from civeval.presentation import fmt, i18n
from civeval.workbench import atomic
from civeval.workbench.browser import MISSING as NO_BROWSER
from civeval.workbench.browser import find as find_browser

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


class _CompiledTemplates(FileSystemBytecodeCache):
    """Jinja's own cache of compiled templates, in the user's temporary folder (each entry
    is checked against its template's source and Python's version): a process's first page
    reads nbconvert's templates compiled, instead of compiling them (0.05 s of a cold run,
    before its first section). A cache that cannot be written is no error."""

    def dump_bytecode(self, bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def _compiled_templates() -> FileSystemBytecodeCache | None:
    try:
        return _CompiledTemplates()
    except (OSError, RuntimeError):  # no temporary folder, or one this user must not trust
        return None


class _PageExporter(HTMLExporter):
    """nbconvert's HTML exporter, less the pass its ``from_notebook_node`` ends with: a parse
    of the whole page to give each image without one an alt text and each input and output a
    ``tabindex``. :func:`finish` does both in the parse it makes anyway: a page is parsed once,
    not twice (the first page parsed also compiled soupsieve's selectors)."""

    def from_notebook_node(self, nb, resources=None, **kw):
        # The filters HTMLExporter.from_notebook_node registers before rendering, as it does.
        language = nb.metadata.get("language_info", {})
        lexer = language.get("pygments_lexer", language.get("name"))
        resources = self._init_resources(resources)
        self.register_filter("highlight_code", self.filters.get(
            "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
        self.register_filter("filter_data_type", WidgetsDataTypeFilter(
            notebook_metadata=self._nb_metadata, parent=self, resources=resources))
        return TemplateExporter.from_notebook_node(self, nb, resources, **kw)


def _exporter() -> HTMLExporter:
    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = {"remove-cell", "injected-parameters"}
    config.TagRemovePreprocessor.remove_input_tags = {"remove-input"}
    config.TagRemovePreprocessor.remove_all_outputs_tags = {"remove-output"}
    # The notebook validated once, after every preprocessor, not after each of them (14,
    # most of them disabled): the same page, a tenth of a second less per study.
    config.Exporter.optimistic_validation = True
    exporter = _PageExporter(
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
    exporter.environment.bytecode_cache = _compiled_templates()
    return exporter


_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


def finish(html: str, toc_title: str, default_alt: str) -> str:
    """Insert the table of contents and strip CSS comments (JupyterLab's cite web pages:
    a report must hold no external URL at all); give an image without an alt text
    ``default_alt``, and each cell's input and output in the notebook a ``tabindex`` (what
    nbconvert's HTMLExporter does last, left to this pass: :class:`_PageExporter`)."""
    soup = BeautifulSoup(html, "html.parser")
    for image in soup.find_all("img", alt=False):
        image["alt"] = default_alt
    for notebook in soup.find_all(class_="jp-Notebook"):
        for part in notebook.find_all("div", class_=["jp-Cell-inputWrapper",
                                                     "jp-OutputArea-output"]):
            part["tabindex"] = "0"
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
    # Its title is no heading: the page's outline starts at its h1, and the landmark carries
    # the name screen readers announce.
    nav = soup.new_tag("nav", attrs={"class": "cv-toc", "aria-labelledby": "cv-toc-title"})
    heading = soup.new_tag("p", attrs={"class": "cv-toc-title", "id": "cv-toc-title"})
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


def tab_title(page: str, client: str | None) -> str:
    """The browser tab's title of a page titled ``page`` of ``client``'s study: both, unless
    the page's title already names the collectivité.

    >>> tab_title("Réalisation des projets", "Saint-Aubin")
    'Réalisation des projets — Saint-Aubin'
    >>> tab_title("Évaluation du budget participatif de Saint-Aubin", "Saint-Aubin")
    'Évaluation du budget participatif de Saint-Aubin'
    """
    if not client or client.casefold() in page.casefold():
        return page
    return f"{page} — {client}"


class Renderer:
    """Renders section reports, study pages and the index of a batch."""

    @classmethod
    @functools.cache
    def shared(cls) -> Renderer:
        """The renderer of this process's runs: rehearsed once (``civeval serve`` does it
        before it forks), it stays so for every run."""
        return cls()

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
        notebook.metadata["title"] = tab_title(title, context["client"])
        html, _ = self.exporter.from_notebook_node(notebook, resources=resources)
        atomic.write_text(target, finish(html, t("report.toc"), t("report.default_alt")))

    def page(self, template: str, target: Path, *, language: str = "fr",
             client: str | None = None, **values) -> None:
        """Render one of the workbench's own pages (study page, index) to ``target``; a
        study's page names its ``client`` in the browser tab."""
        html = self.pages.get_template(template).render(
            t=i18n.translator(language), language=language, css=self.css,
            tab_title=tab_title(values["page_title"], client), **values)
        atomic.write_text(target, html)


# Headless Chromium as the probe of this workplace starts it: no network, no first-run work.
# The PDF gets bookmarks from the headings (and Chromium tags it for accessibility).
_CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                   "--disable-background-networking", "--disable-component-update",
                   "--disable-sync", "--disable-quic", "--no-pdf-header-footer",
                   "--generate-pdf-document-outline")


def chromium() -> str | None:
    """The browser to print with: Chrome, Chromium or Edge (:mod:`civeval.workbench.browser`)."""
    return find_browser()


def _chromium_print(source: Path, printed: Path, scratch: Path, timeout: int) -> str | None:
    """Print the HTML file ``source`` to ``printed``; None when done, else why not."""
    browser = chromium()
    if browser is None:
        return NO_BROWSER
    try:
        done = subprocess.run(
            [browser, *_CHROMIUM_FLAGS, f"--user-data-dir={scratch / 'profile'}",
             f"--print-to-pdf={printed}", Path(source).resolve().as_uri()],
            capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"Chromium could not print the PDF: {error}"
    if done.returncode != 0 or not printed.is_file() or printed.stat().st_size == 0:
        return f"Chromium could not print the PDF: {done.stderr.strip()[-300:]}"
    return None


def print_pdf(source: Path, target: Path, timeout: int = 120) -> str | None:
    """Print the HTML page ``source`` to the PDF ``target`` with headless Chromium (pages,
    margins and page breaks come from the stylesheet's print rules), atomically.

    Returns None when done, else why not (no Chromium, a failure), for the caller to report:
    a missing PDF is a warning, not a failed report.
    """
    with tempfile.TemporaryDirectory(prefix="civeval-pdf-") as scratch:
        printed = Path(scratch) / "print.pdf"
        problem = _chromium_print(source, printed, Path(scratch), timeout)
        if problem is None:
            atomic.write_bytes(target, printed.read_bytes())
    return problem


class Printing(NamedTuple):
    """What :func:`print_report` made: what could not be made (None when all was), the
    digest of the page the deliverable was printed from and the page of each heading in its
    PDF (both None unless all was made)."""

    problem: str | None
    source: str | None
    pages: dict[str, int] | None = None


def print_report(study, folder: Path, page: str, name: str, *, word: bool = False,
                 previous: Path | None = None, previous_source: str | None = None,
                 previous_pages: dict[str, int] | None = None,
                 timeout: int = 120) -> Printing:
    """The deliverable of the main report ``folder/page``: ``<name>.pdf`` printed for A4
    with a cover, a table of contents, running header and page numbers, and with ``word``
    ``<name>.docx``, both from one :class:`civeval.presentation.pdf.Document` (the summary
    report, or with ``report.mode: full`` every other section as a chapter).

    The table of contents needs the page each heading falls on, which only a printing
    says: the document is printed with the pages of ``previous`` (the last printing of this
    report, when there is one: ``previous_pages`` when its run recorded them, else as read
    from it), and printed again with the pages found when they differ.
    A report run again with the same content is printed once, or not at all when
    ``previous_source`` says ``previous`` was printed from the very page printed now (same
    content, same pages, same code): that PDF, and its Word version, are the deliverable.
    Printed from a scratch folder the document leaves no trace of: it holds no link to any
    file.

    Returns what could not be made (a warning, not a failed report), the digest of the
    page printed and the pages of the PDF, for the next run's ``previous_source`` and
    ``previous_pages``.
    """
    from civeval.presentation import pdf
    from civeval.workbench.templates import find_template

    t, options = study.t, study.config.report
    chapters = [pdf.Chapter(component.id, find_template(component.template).title(
        study.language)) for component in study.config.components
        if component.id != name and options.mode == "full"]
    document = pdf.Document.build(folder / page, pdf.cover(study, generation_date()),
                                  chapters=chapters, mode=options.mode,
                                  annexes=t("synthesis.h.annexes"))
    # Read from the last PDF only when its run did not record them: pypdf costs a tenth of a
    # second to import, and the PDF as much to read, in a run that prints nothing.
    shown = previous_pages if previous_pages is not None else _printed_pages(previous)
    page_printed = document.html(shown)
    suffixes = (".pdf", ".docx") if word else (".pdf",)
    kept = [previous.with_suffix(suffix) for suffix in suffixes] if previous else []
    if (kept and previous_source == _page_digest(page_printed, word)
            and all(path.is_file() for path in kept)):
        for path in kept:
            atomic.write_bytes(folder / f"{name}{path.suffix}", path.read_bytes())
        return Printing(None, previous_source, shown)
    problems = []
    # The Word version is written while Chromium prints: the printing waits on another
    # process, the Word version on this one.
    with ThreadPoolExecutor(1) as spare, tempfile.TemporaryDirectory(
            prefix="civeval-pdf-") as scratch:
        word_version = spare.submit(_word_version, document) if word else None
        scratch = Path(scratch)
        source, printed = scratch / "report.html", scratch / "first.pdf"
        source.write_text(page_printed, encoding="utf-8")
        problem = _chromium_print(source, printed, scratch, timeout)
        pages = pdf.anchor_pages(printed) if problem is None else None
        if pages is not None and pages != shown:
            page_printed = document.html(pages)
            source.write_text(page_printed, encoding="utf-8")
            printed = scratch / "report.pdf"
            problem = _chromium_print(source, printed, scratch, timeout)
            pages = pdf.anchor_pages(printed) if problem is None else None
        if problem is None and (leaks := pdf.outside_links(printed)):
            problem = f"the PDF links outside itself ({leaks[0]}); it was not kept"
        if problem is None:
            atomic.write_bytes(folder / f"{name}.pdf", printed.read_bytes())
        else:
            problems.append(problem)
        if word_version is not None:
            written, problem = word_version.result()
            if problem is None:
                atomic.write_bytes(folder / f"{name}.docx", written)
            else:
                problems.append(problem)
    if problems:
        return Printing("; ".join(problems), None)
    return Printing(None, _page_digest(page_printed, word), pages)


def _word_version(document) -> tuple[bytes | None, str | None]:
    """The Word file of ``document``, or why it could not be written."""
    from civeval.presentation import word as docx

    try:
        return docx.docx_bytes(document, date=generation_date()), None
    except Exception as error:  # python-docx and Pillow raise many kinds
        return None, (f"the Word report could not be written: "
                      f"{type(error).__name__}: {error}")


def _page_digest(page: str, word: bool) -> str:
    """What a deliverable is made from: the page printed (the report, its cover and date,
    the contents' pages), whether a Word version goes with it, and civeval's code."""
    from civeval.workbench.incremental import code_digest

    return hashlib.sha256(f"{code_digest()}\n{word}\n{page}".encode(
        "utf-8", "surrogatepass")).hexdigest()


def _printed_pages(previous: Path | None) -> dict[str, int]:
    """The page of each heading in the PDF ``previous``; none when it is missing or
    unreadable (the pages are then found by a first printing)."""
    from civeval.presentation import pdf

    if previous is None or not previous.is_file():
        return {}
    try:
        return pdf.anchor_pages(previous)
    except Exception:  # pypdf raises many kinds on a damaged file: it is only a guess
        return {}


def provenance(language: str, version: str, commit: str | None) -> str:
    t = i18n.translator(language)
    return t("report.provenance", version=version, commit=commit or t("report.no_commit"),
             date=fmt.date(generation_date(), locale=fmt.LOCALES[language]))
