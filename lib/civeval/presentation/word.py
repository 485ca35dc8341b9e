"""The main report as an editable Word file, for the consultant to finish and co-sign.

Design: one source of truth. The Word file is written from the same
:class:`civeval.presentation.pdf.Document` as the PDF, which is built from the HTML the
sections rendered (the main report, and every section as a chapter in ``full`` mode). The
other way, from the data the template uses, would mean a second rendering of every table,
chart and sentence of every section, which would drift from the HTML and the PDF as soon as
one of them changes; walking the rendered HTML keeps the three formats the same report by
construction: same headings, same tables, same figures, same text.

The HTML is mapped on Word's built-in styles, so that a consultancy maps them onto its own
template (Word's « Organiseur » or a style set): the cover's title is ``Title`` and its
collectivité ``Subtitle``, ``h2``–``h4`` are ``Heading 1``–``Heading 3`` (``h5``–``h6``
``Heading 4``–``5``), table and figure captions ``Caption``, tables ``Table Grid`` with
their header rows repeated on each page, lists ``List Bullet`` / ``List Number`` (and their
``2``/``3`` levels), quotations ``Quote``, links ``Hyperlink``, the table of contents a
``TOC`` field under ``TOC Heading`` (Word fills it when the file is opened). Charts are
pictures carrying their alt text; links inside the report are links to bookmarks. Pages are
A4, with the running header, « page X sur Y » and, on a draft, its notice in the footer,
none of them on the cover.
"""

from __future__ import annotations

import base64
import io
import re
from dataclasses import dataclass
from datetime import date, datetime, time

from bs4 import Comment, NavigableString, Tag

from civeval.presentation.pdf import Cover, Document

BLOCKS = {"h1", "h2", "h3", "h4", "h5", "h6", "p", "ul", "ol", "table", "figure", "blockquote",
          "pre", "div", "section", "dl", "hr", "nav", "main", "article", "header", "footer",
          "aside", "details", "summary", "figcaption", "caption"}
_SPACE = re.compile(r"\s+")
_BREAKS = re.compile(r"[ \t\n\r]+")  # where a line may break (not at a no-break space)
_DATA_URI = re.compile(r"^data:image/(png|jpe?g|gif|bmp);base64,(.*)$", re.DOTALL)
TEXT_WIDTH_CM = 17.0  # A4 less 2 × 2 cm
# The settings that follow <w:updateFields> in the schema's sequence.
_AFTER_UPDATE_FIELDS = {
    "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}" + name for name in (
        "hdrShapeDefaults", "footnotePr", "endnotePr", "compat", "docVars", "rsids")} | {
    "{http://schemas.openxmlformats.org/officeDocument/2006/math}mathPr"} | {
    "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}" + name for name in (
        "attachedSchema", "themeFontLang", "clrSchemeMapping", "doNotIncludeSubdocsInStats",
        "doNotAutoCompressPictures", "forceUpgrade", "captions", "readModeInkLockDown",
        "smartTagType", "schemaLibrary", "shapeDefaults", "doNotEmbedSmartTags",
        "decimalSymbol", "listSeparator")}
DRAFT_COLOUR = (0xB4, 0x23, 0x18)


@dataclass
class _Run:
    text: str
    bold: bool = False
    italic: bool = False
    href: str | None = None
    newline: bool = False  # a <br>: the text is ignored


def docx_bytes(document: Document, *, date: date | None = None) -> bytes:
    """``document`` as a Word file (``.docx``), dated ``date`` (today by default)."""
    buffer = io.BytesIO()
    _Writer(document, date or datetime.now().date()).build().save(buffer)
    return buffer.getvalue()


class _Writer:
    def __init__(self, document: Document, day: date):
        import docx

        self.document, self.day = document, day
        self.doc = docx.Document()
        # Targets of the report's own links, bookmarked where they are written.
        self.targets = {link["href"][1:] for link in document.body.find_all("a", href=True)
                        if link["href"].startswith("#")}
        self.bookmarks: dict[str, str] = {}
        self.pending: list[str] = []  # bookmarks waiting for the next paragraph
        self.next_id = 1
        self.style_ids: dict[str, str] = {}

    # --- the document as a whole -------------------------------------------------------------

    def build(self):
        cover = self.document.cover
        self._page_setup(cover)
        self._styles()
        self._properties(cover)
        self._cover(cover)
        self._toc(cover)
        self._blocks(self.document.body, self.doc)
        return self.doc

    def _page_setup(self, cover: Cover) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Cm, Pt, RGBColor

        section = self.doc.sections[0]
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.left_margin = section.right_margin = Cm(2)
        section.top_margin, section.bottom_margin = Cm(2.2), Cm(2)
        section.different_first_page_header_footer = True  # the cover has none
        header = section.header.paragraphs[0]
        header.text = cover.running_header
        header.style = self.doc.styles["Header"]
        footer = section.footer.paragraphs[0]
        footer.style = self.doc.styles["Footer"]
        if cover.draft:
            notice = footer.add_run(cover.labels["draft_notice"] + "\t")
            notice.font.color.rgb = RGBColor(*DRAFT_COLOUR)
        else:
            footer.add_run("\t")
        footer.add_run("\t")
        before, _, rest = cover.labels["page"].partition("{page}")
        middle, _, after = rest.partition("{pages}")
        footer.add_run(before)
        _field(footer, "PAGE")
        footer.add_run(middle)
        _field(footer, "NUMPAGES")
        footer.add_run(after)
        for paragraph in (header, footer):
            for run in paragraph.runs:
                run.font.size = Pt(8)
        header.alignment = WD_ALIGN_PARAGRAPH.LEFT

    def _styles(self) -> None:
        """Body text in a sans-serif, and the table style's own text size and spacing (so
        that mapping ``Table Grid`` onto a house table style changes them too)."""
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn
        from docx.shared import Pt

        normal = self.doc.styles["Normal"]
        normal.font.name = "Calibri"
        normal.font.size = Pt(10.5)
        grid = self.doc.styles["Table Grid"].element
        paragraph = grid.find(qn("w:pPr"))
        if paragraph is None:  # in the schema's order: after the name, before the table's
            paragraph = OxmlElement("w:pPr")
            grid.find(qn("w:tblPr")).addprevious(paragraph)
        for old in paragraph.findall(qn("w:spacing")):
            paragraph.remove(old)
        spacing = OxmlElement("w:spacing")
        for name, value in (("w:before", "20"), ("w:after", "20"), ("w:line", "240"),
                            ("w:lineRule", "auto")):
            spacing.set(qn(name), value)
        paragraph.insert(0, spacing)
        run = grid.find(qn("w:rPr"))
        if run is None:
            run = OxmlElement("w:rPr")
            paragraph.addnext(run)
        for name in ("w:sz", "w:szCs"):
            size = OxmlElement(name)
            size.set(qn("w:val"), "18")
            run.append(size)

    def _properties(self, cover: Cover) -> None:
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        properties = self.doc.core_properties
        moment = datetime.combine(self.day, time(0, 0))
        properties.title = cover.title
        properties.subject = cover.client
        properties.author = ", ".join(cover.authors)
        properties.last_modified_by = ""
        properties.comments = ""
        properties.keywords = ""
        properties.category = ""
        properties.language = {"fr": "fr-FR", "en": "en-GB"}.get(cover.language, "fr-FR")
        properties.created = properties.modified = moment
        properties.last_printed = moment
        properties.revision = 1
        # Spelling in the report's language; fields (the table of contents) filled on opening.
        defaults = self.doc.styles.element.find(qn("w:docDefaults"))
        run_defaults = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
        language = run_defaults.find(qn("w:lang"))
        if language is None:
            language = OxmlElement("w:lang")
            run_defaults.append(language)
        language.set(qn("w:val"), properties.language)
        update = OxmlElement("w:updateFields")
        update.set(qn("w:val"), "true")
        settings = self.doc.settings.element
        later = next((child for child in settings if child.tag in _AFTER_UPDATE_FIELDS), None)
        if later is not None:  # the schema's order, which Word checks
            later.addprevious(update)
        else:
            settings.append(update)

    def _cover(self, cover: Cover) -> None:
        from docx.shared import Cm, Pt, RGBColor

        if cover.logos:
            paragraph = self.doc.add_paragraph()
            for number, logo in enumerate(cover.logos):
                if number:
                    paragraph.add_run("\t\t")
                ratio = logo.width / max(logo.height, 1)
                height = min(2.2, 6.0 / max(ratio, 0.01))
                shape = paragraph.add_run().add_picture(io.BytesIO(logo.data),
                                                        height=Cm(height))
                _alt(shape, logo.alt)
        for _ in range(4):
            self.doc.add_paragraph()
        self.doc.add_paragraph(cover.client, style="Subtitle")
        self.doc.add_paragraph(cover.title, style="Title")
        if cover.draft:
            run = self.doc.add_paragraph().add_run(cover.status_label.upper())
            run.bold = True
            run.font.size = Pt(14)
            run.font.color.rgb = RGBColor(*DRAFT_COLOUR)
        self.doc.add_paragraph()
        for label, value in cover.facts:
            paragraph = self.doc.add_paragraph()
            paragraph.add_run(f"{label}{_colon(cover.language)}")
            paragraph.add_run(value).bold = True
        self._page_break()

    def _toc(self, cover: Cover) -> None:
        if not self.document.toc():
            return
        self.doc.add_paragraph(cover.labels["toc"], style="TOC Heading")
        paragraph = self.doc.add_paragraph()
        _field(paragraph, 'TOC \\o "1-3" \\h \\z \\u', cover.labels["word_toc"])
        self._page_break()

    def _page_break(self) -> None:
        from docx.enum.text import WD_BREAK

        self.doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    # --- blocks --------------------------------------------------------------------------------

    def _paragraph(self, where, style: str | None = None, *, first: bool = False):
        """A new paragraph in ``where`` (the document or a table cell): in a fresh cell, its
        empty first paragraph."""
        if first and where is not self.doc and len(where.paragraphs) == 1 \
                and not where.paragraphs[0].runs:
            paragraph = where.paragraphs[0]
        else:
            paragraph = where.add_paragraph()
        if style:
            paragraph._p.style = self._style_id(style)
        for anchor in self.pending:
            self._bookmark(paragraph, anchor)
        self.pending = []
        return paragraph

    def _style_id(self, name: str) -> str:
        """The id of the built-in style ``name`` (looked up once: python-docx searches every
        style each time)."""
        if name not in self.style_ids:
            self.style_ids[name] = self.doc.styles[name].style_id
        return self.style_ids[name]

    def _blocks(self, container: Tag, where, *, level: int = 0, bold: bool = False) -> None:
        """Write the children of ``container``: block elements each by its kind, runs of
        inline content as paragraphs."""
        inline: list = []
        first = True

        def flush():
            nonlocal first
            runs = _normalise([run for node in inline for run in self._runs(node, bold=bold)])
            inline.clear()
            if runs:
                self._emit(self._paragraph(where, first=first), runs)
                first = False

        for child in container.children:
            if isinstance(child, Comment):
                continue
            if isinstance(child, Tag) and (child.name in BLOCKS or child.name == "img"):
                flush()
                self._block(child, where, level=level, bold=bold, first=first)
                first = False
            else:
                inline.append(child)
        flush()

    def _block(self, tag: Tag, where, *, level: int, bold: bool, first: bool) -> None:
        if tag.get("id") in self.targets:
            self.pending.append(tag["id"])
        name = tag.name
        if name in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            depth = min(max(int(name[1]) - 1, 1), 9)
            self._emit(self._paragraph(where, f"Heading {depth}", first=first),
                       _normalise(self._runs(tag)))
        elif name == "p":
            runs = _normalise(self._runs(tag, bold=bold))
            if runs:
                self._emit(self._paragraph(where, first=first), runs)
        elif name in {"ul", "ol"}:
            self._list(tag, where, level=level, numbered=name == "ol")
        elif name == "table":
            self._table(tag, where)
        elif name in {"figure", "img"}:
            self._figure(tag, where)
        elif name == "blockquote":
            runs = _normalise(self._runs(tag))
            if runs:
                self._emit(self._paragraph(where, "Quote", first=first), runs)
        elif name == "pre":
            paragraph = self._paragraph(where, "No Spacing", first=first)
            for number, line in enumerate(tag.get_text().rstrip("\n").split("\n")):
                run = paragraph.add_run(line)
                run.font.name = "Courier New"
                if number:
                    run.add_break()
        elif name == "dl":
            for term in tag.find_all("dt"):
                definition = term.find_next_sibling("dd")
                paragraph = self._paragraph(where)
                paragraph.add_run(term.get_text(" ", strip=True)
                                  + _colon(self.document.cover.language))
                if definition is not None:
                    self._emit(paragraph, _normalise(self._runs(definition, bold=True)))
        elif name == "hr":
            return
        elif name in {"figcaption", "caption"}:
            self._emit(self._paragraph(where, "Caption", first=first),
                       _normalise(self._runs(tag)))
        else:  # div, section and the like: their content
            self._blocks(tag, where, level=level, bold=bold)

    def _list(self, tag: Tag, where, *, level: int, numbered: bool) -> None:
        base = "List Number" if numbered else "List Bullet"
        style = base if level == 0 else f"{base} {min(level + 1, 3)}"
        for item in tag.find_all("li", recursive=False):
            if item.get("id") in self.targets:
                self.pending.append(item["id"])
            nested = [child for child in item.children
                      if isinstance(child, Tag) and child.name in {"ul", "ol"}]
            runs = _normalise([run for child in item.children if child not in nested
                               for run in self._runs(child)])
            if runs:
                self._emit(self._paragraph(where, style), runs)
            for child in nested:
                self._list(child, where, level=level + 1, numbered=child.name == "ol")

    def _table(self, tag: Tag, where) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        caption = tag.find("caption", recursive=False)
        if caption is not None:
            self._emit(self._paragraph(where, "Caption"), _normalise(self._runs(caption)))
        rows = [row for row in tag.find_all("tr") if row.find_parent("table") is tag]
        if not rows:
            return
        head = [row for row in rows if row.find_parent("thead") is not None
                and row.find_parent("table") is tag]
        if not head:  # no <thead>: leading rows of header cells only
            for row in rows:
                cells = row.find_all(["td", "th"], recursive=False)
                if cells and all(cell.name == "th" for cell in cells):
                    head.append(row)
                else:
                    break
        width = max(sum(int(cell.get("colspan", 1) or 1)
                        for cell in row.find_all(["td", "th"], recursive=False))
                    for row in rows)
        from docx.table import _Cell

        table = where.add_table(rows=len(rows), cols=max(width, 1))
        table._tbl.tblPr.style = self._style_id("Table Grid")
        # The cells as created, before any merge (python-docx's table.cell() walks the whole
        # table at each call).
        grid = [list(row._tr.tc_lst) for row in table.rows]
        merges = []
        if caption is not None:  # its title for screen readers
            properties = table._tbl.tblPr
            title = OxmlElement("w:tblCaption")
            title.set(qn("w:val"), caption.get_text(" ", strip=True)[:255])
            properties.append(title)
        for index, row in enumerate(rows):
            is_head = row in head
            # A row is never split across two pages; header rows repeat on each page.
            row_properties = table.rows[index]._tr.get_or_add_trPr()
            row_properties.append(OxmlElement("w:cantSplit"))
            if is_head:
                repeat = OxmlElement("w:tblHeader")
                repeat.set(qn("w:val"), "true")
                row_properties.append(repeat)
            if row.get("id") in self.targets:
                self.pending.append(row["id"])
            column = 0
            for cell in row.find_all(["td", "th"], recursive=False):
                span = int(cell.get("colspan", 1) or 1)
                if column >= width:
                    break
                target = _Cell(grid[index][column], table)
                if span > 1:
                    merges.append((target, _Cell(grid[index][min(column + span, width) - 1],
                                                 table)))
                self._blocks(cell, target, bold=is_head or cell.name == "th")
                if "cv-num" in (cell.get("class") or []):
                    for paragraph in target.paragraphs:
                        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                column += span
        self._column_widths(table, grid, rows, width)
        for start, end in merges:
            start.merge(end)
        self._paragraph(where)  # Word joins two tables that touch

    def _column_widths(self, table, grid, rows: list[Tag], width: int) -> None:
        """Share the text's width between the columns by how much each holds (Word would
        fit them to their content; LibreOffice keeps the widths it is given)."""
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn
        from docx.shared import Cm
        from docx.table import _Cell

        longest, words = [4] * width, [3] * width
        for row in rows:
            column = 0
            for cell in row.find_all(["td", "th"], recursive=False):
                span = int(cell.get("colspan", 1) or 1)
                if span == 1 and column < width:
                    text = cell.get_text(" ", strip=True)
                    longest[column] = max(longest[column], len(text))
                    words[column] = max([words[column], *map(len, _BREAKS.split(text))])
                column += span
        # Each column at least as wide as its longest word (about 0.2 cm a character at the
        # tables' 9 pt, bold headings included, and its margins), the rest of the width
        # shared by how much text each holds.
        floor = [min(word, 30) * 0.2 + 0.45 for word in words]
        if sum(floor) > TEXT_WIDTH_CM:
            floor = [TEXT_WIDTH_CM * f / sum(floor) for f in floor]
        spare = TEXT_WIDTH_CM - sum(floor)
        weights = [max(min(length, 60) - word, 0) + 1 for length, word in zip(longest, words,
                                                                                strict=True)]
        widths = [Cm(f + spare * weight / sum(weights)) for f, weight in zip(floor, weights,
                                                                               strict=True)]
        for number, column in enumerate(table.columns):
            column.width = widths[number]
        for cells in grid:
            for number, tc in enumerate(cells[:width]):
                _Cell(tc, table).width = widths[number]
        preferred = table._tbl.tblPr.find(qn("w:tblW"))
        if preferred is None:
            preferred = OxmlElement("w:tblW")
            table._tbl.tblPr.append(preferred)
        preferred.set(qn("w:type"), "pct")
        preferred.set(qn("w:w"), "5000")

    def _figure(self, tag: Tag, where) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH

        images = [tag] if tag.name == "img" else tag.find_all("img")
        for image in images:
            alt = image.get("alt") or ""
            picture = _picture(image.get("src") or "")
            paragraph = self._paragraph(where)
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            if picture is None:  # not an image Word shows: its description instead
                paragraph.add_run(alt).italic = True
                continue
            data, width_cm = picture
            from docx.shared import Cm

            shape = paragraph.add_run().add_picture(io.BytesIO(data),
                                                    width=Cm(min(width_cm, TEXT_WIDTH_CM)))
            _alt(shape, alt)
        caption = tag.find("figcaption") if tag.name == "figure" else None
        if caption is not None:
            self._emit(self._paragraph(where, "Caption"), _normalise(self._runs(caption)))

    # --- inline content ------------------------------------------------------------------------

    def _runs(self, node, *, bold: bool = False, italic: bool = False,
              href: str | None = None) -> list[_Run]:
        if isinstance(node, Comment):
            return []
        if isinstance(node, NavigableString):
            return [_Run(str(node), bold, italic, href)]
        if not isinstance(node, Tag):
            return []
        name = node.name
        if name == "br":
            return [_Run("", newline=True)]
        if name in {"script", "style", "img"}:
            return []
        if node.get("id") in self.targets:
            self.pending.append(node["id"])
        bold = bold or name in {"strong", "b", "th"}
        italic = italic or name in {"em", "i", "cite"}
        if name == "a" and node.get("href"):
            href = node["href"]
        runs = [run for child in node.children
                for run in self._runs(child, bold=bold, italic=italic, href=href)]
        if name in BLOCKS and runs:  # a block inside inline content: its own line
            runs.append(_Run("", newline=True))
        return runs

    def _emit(self, paragraph, runs: list[_Run]) -> None:
        for run in runs:
            if run.newline:
                paragraph.add_run().add_break()
                continue
            if run.href:
                self._hyperlink(paragraph, run)
                continue
            written = paragraph.add_run(run.text)
            written.bold = run.bold or None
            written.italic = run.italic or None

    def _hyperlink(self, paragraph, run: _Run) -> None:
        from docx.opc.constants import RELATIONSHIP_TYPE
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        link = OxmlElement("w:hyperlink")
        if run.href.startswith("#"):
            link.set(qn("w:anchor"), self._bookmark_name(run.href[1:]))
        else:
            link.set(qn("r:id"), paragraph.part.relate_to(
                run.href, RELATIONSHIP_TYPE.HYPERLINK, is_external=True))
        element = OxmlElement("w:r")
        properties = OxmlElement("w:rPr")
        style = OxmlElement("w:rStyle")
        style.set(qn("w:val"), self._hyperlink_style())
        properties.append(style)
        for flag, on in (("w:b", run.bold), ("w:i", run.italic)):
            if on:
                properties.append(OxmlElement(flag))
        element.append(properties)
        text = OxmlElement("w:t")
        text.text = run.text
        text.set(qn("xml:space"), "preserve")
        element.append(text)
        link.append(element)
        paragraph._p.append(link)

    def _hyperlink_style(self) -> str:
        from docx.enum.style import WD_STYLE_TYPE
        from docx.shared import RGBColor

        if "Hyperlink" not in self.style_ids:
            styles = self.doc.styles
            if "Hyperlink" not in [style.name for style in styles]:
                style = styles.add_style("Hyperlink", WD_STYLE_TYPE.CHARACTER)
                style.font.color.rgb = RGBColor(0x0B, 0x53, 0x94)
                style.font.underline = True
            self.style_ids["Hyperlink"] = styles["Hyperlink"].style_id
        return self.style_ids["Hyperlink"]

    def _bookmark_name(self, anchor: str) -> str:
        if anchor not in self.bookmarks:
            self.bookmarks[anchor] = f"cv{len(self.bookmarks) + 1}"
        return self.bookmarks[anchor]

    def _bookmark(self, paragraph, anchor: str) -> None:
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        number = str(self.next_id)
        self.next_id += 1
        start = OxmlElement("w:bookmarkStart")
        start.set(qn("w:id"), number)
        start.set(qn("w:name"), self._bookmark_name(anchor))
        end = OxmlElement("w:bookmarkEnd")
        end.set(qn("w:id"), number)
        properties = paragraph._p.pPr
        if properties is not None:
            properties.addnext(start)
        else:
            paragraph._p.insert(0, start)
        paragraph._p.append(end)


def _normalise(runs: list[_Run]) -> list[_Run]:
    """White space as a browser shows it: runs of spaces and newlines become one space, none
    at the start or end of a line."""
    result: list[_Run] = []
    for run in runs:
        if run.newline:
            if result and not result[-1].newline:
                result[-1].text = result[-1].text.rstrip(" ")
            result.append(run)
            continue
        text = _SPACE.sub(" ", run.text)
        at_start = not result or result[-1].newline or result[-1].text.endswith(" ")
        if at_start:
            text = text.lstrip(" ")
        if text:
            result.append(_Run(text, run.bold, run.italic, run.href))
    while result and result[-1].newline:
        result.pop()
    if result:
        result[-1].text = result[-1].text.rstrip(" ")
    return [run for run in result if run.newline or run.text]


def _colon(language: str) -> str:
    return "\u00a0: " if language == "fr" else ": "


def _picture(source: str) -> tuple[bytes, float] | None:
    """The bytes of an inline image and its width in centimetres at its resolution (the
    reports' charts are drawn at 110 dpi)."""
    match = _DATA_URI.match(source.strip())
    if match is None:
        return None
    try:
        data = base64.b64decode(match[2])
        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:
            dpi = (image.info.get("dpi") or (110, 110))[0] or 110
            return data, image.width / float(dpi) * 2.54
    except Exception:  # not an image after all
        return None


def _alt(shape, text: str) -> None:
    """Give a picture its alternative text (what a screen reader says of it)."""
    properties = shape._inline.docPr
    properties.set("descr", text)
    properties.set("title", text[:255])


def _field(paragraph, instruction: str, placeholder: str = "") -> None:
    """A Word field (PAGE, NUMPAGES, TOC) in ``paragraph``, shown as ``placeholder`` until
    Word updates it."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def char(kind):
        run = OxmlElement("w:r")
        field = OxmlElement("w:fldChar")
        field.set(qn("w:fldCharType"), kind)
        if kind == "begin" and instruction.startswith("TOC"):
            field.set(qn("w:dirty"), "true")  # Word fills the table of contents on opening
        run.append(field)
        return run

    code = OxmlElement("w:r")
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    code.append(text)
    shown = OxmlElement("w:r")
    value = OxmlElement("w:t")
    value.text = placeholder or "1"
    shown.append(value)
    for element in (char("begin"), code, char("separate"), shown, char("end")):
        paragraph._p.append(element)
