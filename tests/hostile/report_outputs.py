"""What a reader of a reports folder sees: the text of every output, and every table of its
HTML pages and workbooks, for the hostile suite to search."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pypdf
from bs4 import BeautifulSoup

TEXT_SUFFIXES = (".html", ".ipynb", ".json")


@dataclass
class Table:
    """One table as a reader sees it: where it is, its headers and its rows of cells."""

    where: str
    headers: list[str]
    rows: list[list]


def output_texts(reports: Path) -> dict[Path, str]:
    """The text of every page, notebook, record, PDF and workbook under ``reports``."""
    texts = {}
    for path in sorted(reports.rglob("*")):
        if path.suffix in TEXT_SUFFIXES:
            texts[path] = path.read_text(encoding="utf-8")
        elif path.suffix == ".pdf":
            texts[path] = "\n".join(page.extract_text() for page in pypdf.PdfReader(path).pages)
        elif path.suffix == ".xlsx":
            book = openpyxl.load_workbook(path)
            texts[path] = "\n".join(
                [*book.sheetnames, *(str(cell.value) for sheet in book for row in sheet.iter_rows()
                                     for cell in row if cell.value is not None)])
    return texts


def tables(reports: Path) -> list[Table]:
    """Every table of the HTML pages (each section's page; the study page repeats the main
    report) and every sheet of the workbooks under ``reports``."""
    found = []
    for path in sorted(reports.rglob("*.html")):
        if path.name in ("index.html", "execution.html"):
            continue
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        for table in soup.find_all("table"):
            caption = table.caption.get_text(" ", strip=True) if table.caption else ""
            headers = [th.get_text(" ", strip=True) for th in table.find_all("th")]
            rows = [[td.get_text(" ", strip=True) for td in tr.find_all("td")]
                    for tr in table.find_all("tr")]
            found.append(Table(f"{path.relative_to(reports)} « {caption} »", headers,
                               [row for row in rows if row]))
    for path in sorted(reports.rglob("*.xlsx")):
        for sheet in openpyxl.load_workbook(path):
            rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
            rows = [row for row in rows if any(value is not None for value in row)]
            if rows:
                found.append(Table(f"{path.relative_to(reports)} « {sheet.title} »",
                                   [str(value) for value in rows[0]], rows[1:]))
    return found
