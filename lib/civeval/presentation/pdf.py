"""The print document: the main report as a collectivité signs it off, for the PDF and Word.

:class:`Document` is built from what the sections rendered, never from the data again: the
main report's HTML page (and, in ``full`` mode, every other section's page, each one chapter
before the annexes), with JupyterLab's wrappers flattened away so that headings, tables and
figures are siblings (the print rules then keep a heading with what follows it), the
screen's title block replaced by a cover written from ``study.yml`` (:class:`Cover`), and
every link resolved inside the document: a link to a page it includes points to its
chapter's anchor, a link to a page or file it does not include keeps its text and loses the
link, so that no PDF or Word file ever points at the folder it was made in.
:func:`civeval.workbench.render.print_report` prints it with headless Chromium (A4, running
header, « page X sur Y », bookmarks from the headings, a table of contents with page
numbers) and :mod:`civeval.presentation.word` writes the same document as an editable
Word file.
"""

from __future__ import annotations

import base64
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from bs4 import BeautifulSoup, NavigableString, Tag
from jinja2 import Environment, FileSystemLoader, select_autoescape

from civeval.presentation import fmt
from civeval.presentation.logos import LOGO_FORMATS, cover_logos

RESOURCES = Path(__file__).parent / "resources"
# JupyterLab's wrappers that hold nothing a reader sees.
_NOISE = {"jp-Collapser", "jp-InputPrompt", "jp-OutputPrompt", "jp-InputArea-prompt",
          "jp-OutputArea-prompt"}
_EXTERNAL = re.compile(r"^(https?:|mailto:)", re.IGNORECASE)
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


# --- the cover ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Logo:
    role: str  # client or consultancy
    data: bytes
    mime: str
    width: int  # pixels
    height: int
    alt: str

    @property
    def uri(self) -> str:
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"


@dataclass(frozen=True)
class Cover:
    """What the cover says, from ``study.yml`` (``report:`` and the client)."""

    title: str
    client: str
    language: str
    facts: list[tuple[str, str]]  # label, value: in the cover's order
    status: str  # draft or final
    status_label: str
    running_header: str
    authors: list[str] = field(default_factory=list)
    logos: list[Logo] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # toc, page, draft notice…

    @property
    def draft(self) -> bool:
        return self.status == "draft"


def _logo(role: str, path: Path, alt: str) -> Logo:
    from PIL import Image

    data = path.read_bytes()
    with Image.open(path) as image:
        return Logo(role, data, LOGO_FORMATS[image.format], image.width, image.height, alt)


def cover(study, generated) -> Cover:
    """The cover of ``study``'s report, dated ``generated`` (a date)."""
    t, options = study.t, study.config.report
    locale = fmt.LOCALES[study.language]
    status_label = t(f"print.status.{options.status}")
    facts = [(t("fact.client"), study.client.name)]
    if options.commissioning_service:
        facts.append((t("print.commissioning_service"), options.commissioning_service))
    facts.append((t("fact.schemes"), ", ".join(s.name for s in study.schemes)))
    if study.period:
        facts.append((t("fact.period"), fmt.period(*study.period, locale=locale)))
    if options.authors:
        facts.append((t("fact.authors"), ", ".join(options.authors)))
    if options.version:
        facts.append((t("print.version"), options.version))
    facts.append((t("print.status"), status_label))
    facts.append((t("print.date"), fmt.long_date(generated, locale=locale)))
    alts = {"client": t("print.logo_client", client=study.client.name),
            "consultancy": t("print.logo_consultancy")}
    shown = [_logo(role, path, alts[role]) for role, path in cover_logos(study).items()]
    return Cover(
        title=study.config.title, client=study.client.name, language=study.language,
        facts=facts, status=options.status, status_label=status_label,
        running_header=f"{study.client.name} — {study.config.title}",
        authors=list(options.authors), logos=shown,
        labels={"toc": t("report.toc"), "page": t("print.page"),
                "draft_notice": t("print.draft_notice"),
                "word_toc": t("print.word_toc"),
                "missing_chapter": t("print.missing_chapter")})


# --- the document -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Chapter:
    """A section of the study, shown as a chapter of the full report."""

    id: str  # the component's id: its page is <id>.html
    title: str


@dataclass
class Document:
    """The report to print: its cover, its body (flat HTML) and its table of contents."""

    cover: Cover
    body: Tag  # <main>: headings, paragraphs, lists, tables and figures as siblings
    css: str

    @classmethod
    def build(cls, page: Path, cover: Cover, *, chapters: list[Chapter] = (),
              mode: str = "summary", annexes: str | None = None) -> Document:
        """The document of the main report ``page`` (its rendered HTML) and, in ``full``
        mode, of each of ``chapters`` (their pages beside it), inserted before the heading
        titled ``annexes`` (else at the end)."""
        folder = Path(page).parent
        main = _flat(_main_of(page))
        _drop_title_block(main)
        ids = {"": _reanchor(main, "")}
        parts = [("", main)]
        pages = {Path(page).name: "", "index.html": ""}
        sections = []
        for chapter in chapters if mode == "full" else ():
            soup = BeautifulSoup("", "html.parser")
            section = soup.new_tag("section", attrs={"class": "cv-chapter",
                                                     "id": f"chapter-{_slug(chapter.id)}"})
            heading = soup.new_tag("h2")
            heading.string = chapter.title
            section.append(heading)
            source = folder / f"{chapter.id}.html"
            if source.is_file():
                content = _flat(_main_of(source))
                title = content.find("h1")
                if title is not None:
                    heading.string = title.get_text(" ", strip=True)
                    title.decompose()
                _demote(content)
                ids[chapter.id] = _reanchor(content, f"{_slug(chapter.id)}--")
                parts.append((chapter.id, content))
            else:  # the section failed: the chapter says so
                ids[chapter.id] = {}
                content = BeautifulSoup("", "html.parser")
                note = content.new_tag("p", attrs={"class": "cv-note"})
                note.string = cover.labels["missing_chapter"]
                content.append(note)
            pages[f"{chapter.id}.html"] = chapter.id
            sections.append((section, content))
        for scope, content in parts:
            _resolve_links(content, scope, ids, pages)
        blocks = list(main.contents)
        annex_at = next((index for index, block in enumerate(blocks)
                         if isinstance(block, Tag) and block.name == "h2" and annexes
                         and block.get_text(" ", strip=True) == annexes), len(blocks))
        if annex_at < len(blocks):
            blocks[annex_at]["class"] = [*blocks[annex_at].get("class", []), "cv-annexes"]
        body = BeautifulSoup("<main></main>", "html.parser").main
        body.extend(blocks[:annex_at])
        for section, content in sections:
            section.extend(list(content.contents))
            body.append(section)
        body.extend(blocks[annex_at:])
        return cls(cover, body, _print_css())

    def toc(self) -> list[dict]:
        """The entries of the table of contents: the ``h2`` and ``h3`` headings."""
        return [{"level": int(tag.name[1]), "text": tag.get_text(" ", strip=True),
                 "anchor": tag["id"]}
                for tag in self.body.find_all(["h2", "h3"]) if tag.get("id")]

    def headings(self, level: int = 2) -> list[str]:
        return [tag.get_text(" ", strip=True) for tag in self.body.find_all(f"h{level}")]

    def html(self, pages: dict[str, int] | None = None) -> str:
        """The printable page; ``pages`` (anchor → page number, from a first printing)
        fills the page numbers of the table of contents."""
        environment = Environment(loader=FileSystemLoader(RESOURCES / "print"),
                                  autoescape=select_autoescape(["j2", "html"]))
        page_css = _page_rules(self.cover)
        return environment.get_template("report.html.j2").render(
            cover=self.cover, toc=self.toc(), pages=pages or {}, body=str(self.body),
            css=self.css, page_css=page_css, language=self.cover.language)


def _main_of(page: Path) -> BeautifulSoup:
    """The ``<main>`` of ``page`` (else its body, else all of it), alone in a document."""
    soup = BeautifulSoup(Path(page).read_text(encoding="utf-8"), "html.parser")
    main = soup.find("main") or soup.body
    if main is None:
        return soup
    alone = BeautifulSoup("", "html.parser")
    alone.append(main.extract())
    return alone


def _flat(soup: BeautifulSoup) -> BeautifulSoup:
    """``soup`` (a page's ``<main>``, :func:`_main_of`) without JupyterLab's wrappers,
    prompts, anchors ``¶``, scripts and styles: headings, paragraphs, tables and figures
    as siblings."""
    root = soup.find("main") or soup
    for tag in root.find_all(["script", "style", "link", "meta", "noscript"]):
        tag.decompose()
    for tag in root.find_all("a", class_="anchor-link"):
        tag.decompose()
    _unwrap(root)
    if root.name == "main":
        root.unwrap()
    for text in [node for node in soup.contents
                 if isinstance(node, NavigableString) and not node.strip()]:
        text.extract()
    return soup


def _unwrap(node: Tag) -> None:
    for child in list(node.children):
        if not isinstance(child, Tag):
            continue
        classes = child.get("class") or []
        if _NOISE & set(classes):
            child.decompose()
            continue
        _unwrap(child)
        if child.name == "div" and any(c.startswith(("jp-", "lm-", "celltag_"))
                                       for c in classes):
            if "jp-RenderedImage" in classes:  # a plot shown as is: a figure without caption
                child.name, child.attrs = "figure", {"class": ["cv-figure"]}
            else:
                child.unwrap()


def _drop_title_block(content: BeautifulSoup) -> None:
    """Remove the screen's title block (the ``h1`` and the facts table under it): the
    cover replaces it."""
    title = content.find("h1")
    if title is None:
        return
    node = title.find_next_sibling()
    title.decompose()
    while isinstance(node, Tag) and node.name == "table" and node.find("caption") is None:
        following = node.find_next_sibling()
        node.decompose()
        node = following


def _demote(content: BeautifulSoup) -> None:
    """One heading level down (a section's ``h2`` is an ``h3`` of its chapter)."""
    for tag in content.find_all(["h2", "h3", "h4", "h5"]):
        tag.name = f"h{int(tag.name[1]) + 1}"


def _slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", unquote(str(text))).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-") or "x"


def _reanchor(content: BeautifulSoup, prefix: str) -> dict[str, str]:
    """Give every element with an id a plain, unique one (``prefix`` + ASCII); returns the
    old id → the new."""
    seen: set[str] = set()
    mapping = {}
    for tag in content.find_all(id=True):
        old = tag["id"]
        new = base = prefix + _slug(old)
        number = 2
        while new in seen:
            new, number = f"{base}-{number}", number + 1
        seen.add(new)
        mapping.setdefault(old, new)
        mapping.setdefault(unquote(old), new)
        tag["id"] = new
    # Headings without an id get one, for the table of contents and the bookmarks.
    for number, tag in enumerate(content.find_all(list(HEADINGS)), start=1):
        if not tag.get("id"):
            new = f"{prefix}h-{number}"
            while new in seen:
                new += "x"
            seen.add(new)
            tag["id"] = new
    return mapping


def _resolve_links(content: BeautifulSoup, scope: str, ids: dict[str, dict[str, str]],
                   pages: dict[str, str]) -> None:
    """Links to the document's own anchors point to them, links to the web stay; any other
    link (a page or a file the document does not hold) keeps its text only, and a paragraph
    that was nothing but such a link goes. ``scope`` is the chapter the links are in ("" for
    the main report); ``pages`` maps each page the document holds to its chapter."""
    for link in list(content.find_all("a")):
        href = (link.get("href") or "").strip()
        target = _target(href, scope, ids, pages)
        if target is not None or _EXTERNAL.match(href):
            link.attrs = {"href": target or href}
            continue
        parent = link.parent
        if (isinstance(parent, Tag) and parent.name == "p"
                and not parent.get_text(strip=True).replace(link.get_text(strip=True), "", 1)):
            parent.decompose()
        else:
            link.unwrap()


def _target(href: str, scope: str, ids: dict[str, dict[str, str]],
            pages: dict[str, str]) -> str | None:
    """The anchor inside the document that ``href``, found in chapter ``scope``, means; None
    when the document does not hold what it points to."""
    if not href or _EXTERNAL.match(href) or "://" in href or href.startswith("//"):
        return None
    page, _, fragment = href.partition("#")
    where = scope if page == "" else pages.get(page)
    if where is None or where not in ids:
        return None
    chapter = f"#chapter-{_slug(where)}" if where else None
    if not fragment:
        return chapter
    anchor = ids[where].get(fragment) or ids[where].get(unquote(fragment))
    return f"#{anchor}" if anchor else chapter


# --- print styles ------------------------------------------------------------------------------

def _print_css() -> str:
    return "\n".join((RESOURCES / name).read_text(encoding="utf-8")
                     for name in ("civeval.css", "print.css"))


def css_string(text: str) -> str:
    r"""``text`` as a quoted CSS string, safe inside a ``<style>`` element: any other
    character than a letter, a digit or common punctuation is escaped (six hex digits and
    the space that ends the escape, which CSS consumes).

    >>> print(css_string('Ville "</style>"'))
    "Ville \000022 \00003c /style\00003e \000022 "
    """
    escaped = "".join(c if c.isalnum() or c in " .,;:!?'()-–—«»/&%+" else f"\\{ord(c):06x} "
                      for c in text)
    return f'"{escaped}"'


def _page_rules(cover: Cover) -> str:
    """The ``@page`` rules that hold the running header, the page numbers and, on a draft,
    its notice: the cover page has none of them."""
    page = cover.labels["page"]
    before, _, rest = page.partition("{page}")
    middle, _, after = rest.partition("{pages}")
    number = " ".join(part for part in (
        css_string(before) if before else "", "counter(page)",
        css_string(middle) if middle else "", "counter(pages)",
        css_string(after) if after else "") if part)
    notice = (f"@bottom-left {{ content: {css_string(cover.labels['draft_notice'])}; }}"
              if cover.draft else "")
    return (f"@page {{ @top-left {{ content: {css_string(cover.running_header)}; }} "
            f"@bottom-right {{ content: {number}; }} {notice} }}\n"
            "@page :first { @top-left { content: none; } @bottom-right { content: none; } "
            "@bottom-left { content: none; } }")


# --- after printing ----------------------------------------------------------------------------

def anchor_pages(pdf: Path) -> dict[str, int]:
    """The page (from 1) of each named destination of the printed ``pdf``: where each
    heading the table of contents links to was printed."""
    from pypdf import PdfReader

    reader = PdfReader(str(pdf))
    pages = {}
    for name, destination in reader.named_destinations.items():
        try:
            pages[name.lstrip("/")] = reader.get_destination_page_number(destination) + 1
        except Exception:  # a destination without a page
            continue
    return pages


def outside_links(pdf: Path) -> list[str]:
    """The link annotations of ``pdf`` that leave it for anything but the web (a
    ``file:`` URI, a path): there must be none."""
    from pypdf import PdfReader

    found = []
    for page in PdfReader(str(pdf)).pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            uri = action.get_object().get("/URI") if action is not None else None
            if uri is not None and not _EXTERNAL.match(str(uri)):
                found.append(str(uri))
    return found
