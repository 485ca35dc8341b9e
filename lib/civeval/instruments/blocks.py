"""Printable documents as a list of blocks, rendered to HTML and to Word from the same list.

Paper questionnaires, interview guides, the workshop protocol and the observation grid are
written once as blocks (headings, paragraphs, lists, tables, tick boxes), so that their HTML
(printed to PDF) and their Word version never differ. Word uses its built-in styles
(``Title``, ``Heading 1``–``3``, ``List Bullet``, ``Table Grid``) for a consultancy to map onto
its own template.
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass

from docx import Document
from docx.shared import Cm, Pt

BOX = "☐"


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1


@dataclass(frozen=True)
class Paragraph:
    text: str
    emphasis: bool = False


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Boxes:
    """Answers to tick, each with its code: ``(code, text)``."""

    answers: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    blank_rows: int = 0  # empty rows to fill in by hand


Block = Heading | Paragraph | Bullets | Boxes | Table

_STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10.5pt; max-width: 48em;
       margin: 2em auto; color: #1b1b1b; }
h1 { font-size: 17pt; } h2 { font-size: 13.5pt; margin-top: 1.6em; } h3 { font-size: 11.5pt; }
p.emphasis { font-style: italic; color: #444; }
ul.boxes { list-style: none; padding-left: 1em; }
ul.boxes li { margin: .2em 0; }
span.code { color: #666; font-size: 8.5pt; margin-left: .6em; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; margin: .6em 0; }
th, td { overflow-wrap: anywhere; }
th, td { border: 1px solid #888; padding: .3em .4em; text-align: left; vertical-align: top; }
td.blank { height: 1.6em; }
@page { size: A4; margin: 18mm; }
@media print { body { max-width: none; margin: 0; } }
h2, h3 { break-after: avoid; } tr, li { break-inside: avoid; }
"""


def to_html(title: str, blocks: list[Block], language: str = "fr") -> str:
    """A standalone, offline HTML page (no script, no external resource).

    >>> page = to_html("Guide", [Heading("Thème"), Boxes((("1", "Oui"),))])
    >>> "<h2>Thème</h2>" in page and "☐ Oui" in page
    True
    """
    parts = [f"<!DOCTYPE html>\n<html lang=\"{language}\">\n<head><meta charset=\"utf-8\">"
             f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>\n<body>\n"
             f"<h1>{html.escape(title)}</h1>"]
    for block in blocks:
        parts.append(_html_block(block))
    parts.append("</body>\n</html>\n")
    return "\n".join(parts)


def _html_block(block: Block) -> str:
    escape = html.escape
    if isinstance(block, Heading):
        level = min(block.level + 1, 6)
        return f"<h{level}>{escape(block.text)}</h{level}>"
    if isinstance(block, Paragraph):
        css = ' class="emphasis"' if block.emphasis else ""
        return f"<p{css}>{escape(block.text)}</p>"
    if isinstance(block, Bullets):
        return "<ul>" + "".join(f"<li>{escape(item)}</li>" for item in block.items) + "</ul>"
    if isinstance(block, Boxes):
        return '<ul class="boxes">' + "".join(
            f'<li>{BOX} {escape(text)}<span class="code">{escape(code)}</span></li>'
            for code, text in block.answers) + "</ul>"
    head = "".join(f"<th>{escape(cell)}</th>" for cell in block.header)
    rows = ["<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>"
            for row in block.rows]
    rows += ["<tr>" + '<td class="blank"></td>' * len(block.header) + "</tr>"] \
        * block.blank_rows
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def to_docx(title: str, blocks: list[Block]) -> bytes:
    """The same document as a Word file (bytes), in Word's built-in styles.

    >>> data = to_docx("Guide", [Heading("Thème"), Table(("A", "B"), (("1", "2"),))])
    >>> data[:2]
    b'PK'
    """
    document = Document()
    for section in document.sections:
        section.page_height, section.page_width = Cm(29.7), Cm(21.0)
        section.left_margin = section.right_margin = Cm(2)
    document.styles["Normal"].font.size = Pt(10.5)
    document.add_heading(title, level=0)
    for block in blocks:
        if isinstance(block, Heading):
            document.add_heading(block.text, level=min(block.level, 3))
        elif isinstance(block, Paragraph):
            paragraph = document.add_paragraph()
            paragraph.add_run(block.text).italic = block.emphasis
        elif isinstance(block, Bullets):
            for item in block.items:
                document.add_paragraph(item, style="List Bullet")
        elif isinstance(block, Boxes):
            for code, text in block.answers:
                document.add_paragraph(f"{BOX} {text}  ({code})")
        else:
            _docx_table(document, block)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _docx_table(document, block: Table) -> None:
    table = document.add_table(rows=1, cols=len(block.header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, block.header, strict=True):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    _repeat_header(table.rows[0])
    for row in [*block.rows, *[("",) * len(block.header)] * block.blank_rows]:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = text


def _repeat_header(row) -> None:
    """Word repeats the row at the top of each page the table runs onto."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)
