"""The deliverable a collectivité signs off: the print document (a cover from ``study.yml``,
the summary or the full report, links kept inside it), its PDF (A4, running header,
« page X sur Y », bookmarks, nothing split across pages, no link outside the file), its
Word version (same headings, Word tables, charts with their alt text, built-in styles), the
``report:`` keys of ``study.yml`` and their bad values, and no machine path in any file
of the demo batch.

Tests that print need Chromium (marked ``browser``: they skip without it, except on CI);
those that read the demo batch are ``slow``.
"""

from __future__ import annotations

import io
import itertools
import os
import re
import shutil
import zipfile
from datetime import date
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from civeval import load_study
from civeval.presentation import pdf, word
from conftest import MINIMAL_STUDY, REPO, run_cli, write_study, write_template

CI = bool(os.environ.get("CI"))
CHROMIUM = shutil.which("chromium")
needs_chromium = pytest.mark.skipif(not CHROMIUM and not CI,
                                    reason="Chromium is not installed (no `chromium`)")
A4 = (595.0, 842.0)  # points
PAGE_NUMBER = re.compile(r"page (\d+) sur (\d+)")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def png(width: int = 40, height: int = 20, colour: str = "navy") -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, format="PNG", dpi=(110, 110))
    return buffer.getvalue()


def data_uri(data: bytes) -> str:
    import base64

    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def cell(html: str) -> str:
    """One output of a notebook cell, wrapped as nbconvert's lab template wraps it."""
    return ('<div class="jp-Cell jp-CodeCell jp-Notebook-cell jp-mod-noInput">'
            '<div class="jp-Cell-outputWrapper"><div class="jp-Collapser"></div>'
            '<div class="jp-OutputArea jp-Cell-outputArea"><div class="jp-OutputArea-child">'
            '<div class="jp-OutputPrompt jp-OutputArea-prompt"></div>'
            f'<div class="jp-RenderedHTMLCommon jp-RenderedHTML jp-OutputArea-output">{html}'
            "</div></div></div></div></div>")


def page(title: str, *cells: str) -> str:
    return (f'<!DOCTYPE html><html lang="fr"><head><title>{title}</title>'
            '<style>body{color:red}</style></head><body class="cv-report">'
            '<header class="cv-header"><nav><a href="../index.html">Tous</a></nav></header>'
            '<nav class="cv-toc"><h2>Sommaire</h2></nav><main>'
            + "".join(cells) + '</main><footer class="cv-footer"><p>Produit par civeval</p>'
            "</footer></body></html>")


def rows(count: int, prefix: str = "Ligne") -> str:
    return "".join(f'<tr><td>{prefix} {n}</td><td class="cv-num">{n},5 %</td>'
                   "<td>Lecture : " + "un texte qui occupe plusieurs lignes de la colonne. "
                   * (n % 4 + 2) + f"(fin {prefix} {n})</td></tr>"
                   for n in range(1, count + 1))


def table(caption: str, count: int, prefix: str = "Ligne") -> str:
    return (f'<table class="cv-table"><caption>{caption}</caption><thead><tr>'
            '<th scope="col">Indicateur</th><th scope="col">Valeur</th>'
            '<th scope="col">Lecture</th></tr></thead>'
            f"<tbody>{rows(count, prefix)}</tbody></table>")


FIGURE = (f'<figure class="cv-figure"><img src="{data_uri(png(330, 220))}" '
          'alt="Barres : la participation baisse de 2022 à 2024">'
          "<figcaption><strong>Participation par édition</strong><br>Source : fichiers "
          "de vote</figcaption></figure>")
LONG = "<p>" + "Un paragraphe du rapport qui remplit la page. " * 30 + "</p>"

MAIN = page(
    "Rapport",
    cell('<h1 id="titre">Évaluation de Testville</h1>'),
    cell('<table class="cv-table"><tbody><tr><td>Collectivité</td><td>Testville</td></tr>'
         "</tbody></table>"),
    cell('<h2 id="synthese">Synthèse</h2>'),
    cell('<h3 id="les-chiffres-cles">Les chiffres clés</h3>'
         + table("Chiffres clés de l'évaluation", 4)
         .replace("<td>Ligne 1</td>", '<td><a href="50_part.html#ev-a">Ligne 1</a></td>')),
    cell('<p>Voir <a href="#plan">le plan</a>, <a href="50_part.html">la partie</a> et '
         '<a href="https://www.insee.fr/fr/statistiques">l\'Insee</a>.</p>'),
    cell(LONG * 3),
    cell('<h2 id="resultats">Résultats par composante</h2><h3 id="la-partie">La partie</h3>'
         '<p><a href="50_part.html">Lire la section La partie</a></p>'),
    cell(FIGURE),
    cell('<h2 id="plan">Plan d\'action</h2>' + table("Actions, par priorité", 40, "Action")),
    cell(LONG * 2),
    cell('<h2 id="annexes">Annexes</h2><h3 id="glossaire">Glossaire</h3>'
         + table("Glossaire", 6, "Terme")),
    cell('<p><a href="95_main.pdf">Télécharger le rapport en PDF</a></p>'
         '<p><a href="plan_action.xlsx">Télécharger le plan d\'action</a></p>'
         '<p><a href="execution.html">État de la génération</a></p>'),
)
PART = page(
    "Partie",
    '<div class="jp-Cell jp-MarkdownCell jp-Notebook-cell"><div class="jp-Cell-inputWrapper">'
    '<div class="jp-InputArea jp-Cell-inputArea"><div class="jp-InputPrompt"></div>'
    '<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown jp-MarkdownOutput">'
    '<h1 id="La-partie-d%C3%A9taill%C3%A9e">La partie détaillée<a class="anchor-link" '
    'href="#La-partie-d%C3%A9taill%C3%A9e">¶</a></h1>'
    '<h2 id="Qui-participe">Qui participe ?</h2><p>Texte de la partie, voir '
    '<a href="#chiffres-cles">ses chiffres</a>.</p></div></div></div></div>',
    cell(LONG),
    cell('<h2 id="chiffres-cles">Chiffres clés</h2><table class="cv-table"><caption>Chiffres '
         'clés de la partie</caption><thead><tr><th scope="col">Indicateur</th>'
         '<th scope="col">Valeur</th></tr></thead><tbody><tr id="ev-a"><td>Votants</td>'
         '<td class="cv-num">815</td></tr></tbody></table>'),
)


def cover(**changes) -> pdf.Cover:
    values = dict(
        title="Évaluation de Testville", client="Testville", language="fr",
        facts=[("Collectivité", "Testville"), ("Service commanditaire", "Direction de la "
                                                                         "participation"),
               ("Statut", "Version de travail"), ("Date", "6 décembre 2026")],
        status="draft", status_label="Version de travail",
        running_header="Testville — Évaluation de Testville", authors=["Cabinet Exemple"],
        logos=[pdf.Logo("client", png(), "image/png", 40, 20, "Logo de Testville")],
        labels={"toc": "Sommaire", "page": "page {page} sur {pages}",
                "draft_notice": "Version de travail — document non validé",
                "word_toc": "Table des matières", "missing_chapter": "Section non produite."})
    return pdf.Cover(**{**values, **changes})


@pytest.fixture
def pages(tmp_path) -> Path:
    folder = tmp_path / "rapport"
    folder.mkdir()
    (folder / "95_main.html").write_text(MAIN, encoding="utf-8")
    (folder / "50_part.html").write_text(PART, encoding="utf-8")
    return folder


CHAPTERS = [pdf.Chapter("50_part", "Titre 50_part"), pdf.Chapter("60_absente", "Absente")]


def build(folder: Path, mode: str) -> pdf.Document:
    return pdf.Document.build(folder / "95_main.html", cover(), chapters=CHAPTERS, mode=mode,
                              annexes="Annexes")


# --- the print document ------------------------------------------------------------------------

def test_the_summary_keeps_its_links_inside_and_its_cover_replaces_the_title_block(pages):
    document = build(pages, "summary")
    body = document.body

    assert document.headings(2) == ["Synthèse", "Résultats par composante", "Plan d'action",
                                    "Annexes"]
    assert body.find("h1") is None and "Collectivité" not in body.get_text()  # the cover's
    assert not body.find_all(class_=re.compile("^jp-"))  # JupyterLab's wrappers are gone
    assert body.find(["style", "script"]) is None
    hrefs = [a["href"] for a in body.find_all("a")]
    assert hrefs == ["#plan", "https://www.insee.fr/fr/statistiques"]
    text = body.get_text(" ", strip=True)
    # A link to a page the summary does not hold keeps its text; a paragraph that was only
    # such a link (a page, the PDF, the workbook, the status page) goes.
    assert "Ligne 1" in text and "la partie" in text
    for gone in ("Lire la section", "Télécharger", "État de la génération", "Tous"):
        assert gone not in text
    assert [entry["text"] for entry in document.toc()] == [
        "Synthèse", "Les chiffres clés", "Résultats par composante", "La partie",
        "Plan d'action", "Annexes", "Glossaire"]
    html = document.html({"synthese": 3})
    assert "file:" not in html and str(pages) not in html
    soup = BeautifulSoup(html, "html.parser")
    assert soup.title.string == "Évaluation de Testville"
    assert soup.find(class_="cv-cover-status").get_text() == "Version de travail"
    assert soup.find("img", class_="cv-logo-client")["alt"] == "Logo de Testville"
    first = soup.select_one(".cv-print-toc li")
    assert first.get_text("|", strip=True) == "Synthèse|3"
    assert '@top-left { content: "Testville — Évaluation de Testville"; }' in html
    assert 'content: "page " counter(page) " sur " counter(pages);' in html


def test_the_full_report_has_each_section_as_a_chapter_before_the_annexes(pages):
    document = build(pages, "full")
    body = document.body

    assert document.headings(2) == ["Synthèse", "Résultats par composante", "Plan d'action",
                                    "La partie détaillée", "Absente", "Annexes"]
    chapter = body.find("section", id="chapter-50_part")
    # The section's own h1 names the chapter; its headings go one level down.
    assert [h.name for h in chapter.find_all(re.compile("^h"))] == ["h2", "h3", "h3"]
    assert body.find("section", id="chapter-60_absente").p.get_text() == "Section non produite."
    links = {a.get_text(" ", strip=True): a["href"] for a in body.find_all("a")}
    assert links["Ligne 1"] == "#50_part--ev-a"  # a figure's row in its chapter
    assert links["la partie"] == "#chapter-50_part"
    assert links["ses chiffres"] == "#50_part--chiffres-cles"
    assert links["Lire la section La partie"] == "#chapter-50_part"
    ids = {tag["id"] for tag in body.find_all(id=True)}
    assert {href[1:] for href in links.values() if href.startswith("#")} <= ids
    assert len(ids) == len(body.find_all(id=True))  # anchors stay unique
    annexes = body.find("h2", string="Annexes")
    assert "cv-annexes" in annexes["class"]  # it starts a new page


def test_css_strings_are_escaped_for_a_style_element():
    assert pdf.css_string('Ville "</style><script>"') == (
        '"Ville \\000022 \\00003c /style\\00003e \\00003c script\\00003e \\000022 "')


# --- the Word version --------------------------------------------------------------------------

def docx_of(document: pdf.Document):
    import docx

    return docx.Document(io.BytesIO(word.docx_bytes(document, date=date(2026, 12, 6))))


def headings_of(document) -> list[tuple[int, str]]:
    return [(int(p.style.name.split()[-1]), p.text) for p in document.paragraphs
            if p.style.name.startswith("Heading ")]


@pytest.mark.parametrize("mode", ["summary", "full"])
def test_the_word_version_has_the_same_headings_tables_and_figures(pages, mode):
    document = build(pages, mode)
    result = docx_of(document)

    assert headings_of(result) == [(int(tag.name[1]) - 1, tag.get_text(" ", strip=True))
                                   for tag in document.body.find_all(["h2", "h3", "h4"])]
    titles = [p.text for p in result.paragraphs if p.style.name == "Title"]
    assert titles == ["Évaluation de Testville"]
    assert len(result.tables) == len(document.body.find_all("table"))
    for made, source in zip(result.tables, document.body.find_all("table"), strict=True):
        assert made.style.name == "Table Grid"
        assert len(made.rows) == len(source.find_all("tr"))
        head = made.rows[0]._tr.trPr
        assert head.find(f"{W}tblHeader") is not None  # repeated on every page
        assert all(row._tr.trPr.find(f"{W}cantSplit") is not None for row in made.rows)
        assert [c.text for c in made.rows[0].cells] == [
            th.get_text(strip=True) for th in source.find("tr").find_all("th")]
    captions = [p.text for p in result.paragraphs if p.style.name == "Caption"]
    assert "Chiffres clés de l'évaluation" in captions
    assert "Participation par édition\nSource : fichiers de vote" in captions  # <br> kept
    alts = [shape._inline.docPr.get("descr") for shape in result.inline_shapes]
    assert alts == ["Logo de Testville", "Barres : la participation baisse de 2022 à 2024"]
    section = result.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)  # A4
    assert section.different_first_page_header_footer  # the cover has neither
    assert section.header.paragraphs[0].text == "Testville — Évaluation de Testville"
    footer = section.footer.paragraphs[0]._p.xml
    assert "PAGE" in footer and "NUMPAGES" in footer and "page " in footer and " sur " in footer
    assert "Version de travail — document non validé" in section.footer.paragraphs[0].text
    body = result.element.body.xml
    assert 'TOC \\o "1-3"' in body
    properties = result.core_properties
    assert (properties.title, properties.author) == ("Évaluation de Testville", "Cabinet Exemple")
    # Internal links go to bookmarks the document holds, named as Word allows.
    anchors = set(re.findall(r'w:anchor="([^"]+)"', body))
    marks = set(re.findall(r'w:bookmarkStart w:id="\d+" w:name="([^"]+)"', body))
    assert anchors and anchors <= marks
    assert all(re.fullmatch(r"[A-Za-z]\w{0,39}", mark) for mark in marks)
    assert "https://www.insee.fr/fr/statistiques" in {
        rel.target_ref for rel in result.part.rels.values() if rel.is_external}


# --- study.yml ---------------------------------------------------------------------------------

def test_report_keys_are_validated_with_file_line_and_column(project):
    write_study(project, "logo-absent", MINIMAL_STUDY + "report:\n  logos:\n"
                "    client: logos/commune.png\n")
    write_study(project, "logo-texte", MINIMAL_STUDY + "report:\n  logos: {consultancy: "
                "cabinet.png}\n", files={"cabinet.png": "pas une image"})
    write_study(project, "logo-dehors", MINIMAL_STUDY + "report:\n  logos:\n"
                "    client: ../logo-texte/cabinet.png\n")
    write_study(project, "statut", MINIMAL_STUDY + "report:\n  status: finale\n")
    write_study(project, "mode", MINIMAL_STUDY + "report:\n  mode: complet\n")

    result = run_cli("validate", "logo-absent", "logo-texte", "logo-dehors", "statut", "mode",
                     root=project)

    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.strip().split("\n") == [
        "civeval: error: study 'logo-absent', studies/logo-absent/study.yml, line 10, "
        "column 5: report.logos.client: file 'logos/commune.png' not found",
        "study 'logo-texte', studies/logo-texte/study.yml, line 9, column 11: "
        "report.logos.consultancy: 'cabinet.png' is not a PNG or JPEG image",
        "study 'logo-dehors', studies/logo-dehors/study.yml, line 10, column 5: "
        "'../logo-texte/cabinet.png' is outside the study's folder: a study reads only its "
        "own files (and data/reference/)",
        "study 'statut', studies/statut/study.yml, line 9, column 3: report.status: 'finale' "
        "is not allowed; expected one of: draft, final (did you mean 'final'?)",
        "study 'mode', studies/mode/study.yml, line 9, column 3: report.mode: 'complet' is "
        "not allowed; expected one of: summary, full"]


def test_the_cover_is_written_from_study_yml(project):
    from PIL import Image

    from civeval.workbench.study import load_study

    jpeg = io.BytesIO()
    Image.new("RGB", (30, 30), "white").save(jpeg, format="JPEG")
    write_study(project, "couverture", MINIMAL_STUDY + """\
report:
  authors: ["Cabinet Exemple", "Jeanne Martin"]
  commissioning_service: "Direction de la participation citoyenne"
  version: 1.0
  status: final
  logos: {client: logos/ville.png, consultancy: logos/cabinet.jpg}
""", files={"logos/ville.png": png(), "logos/cabinet.jpg": jpeg.getvalue()})
    study = load_study("couverture")
    t = study.t

    made = pdf.cover(study, date(2026, 12, 6))

    assert made.facts == [
        (t("fact.client"), "Testville"),
        ("Service commanditaire", "Direction de la participation citoyenne"),
        (t("fact.schemes"), "Budget participatif"), ("Période", "01/03/2024 – 31/10/2024"),
        ("Auteurs", "Cabinet Exemple, Jeanne Martin"), ("Version", "1.0"),
        ("Statut", "Version définitive"), ("Date", "6 décembre 2026")]
    assert not made.draft
    assert [(logo.role, logo.mime, logo.alt) for logo in made.logos] == [
        ("client", "image/png", "Logo de Testville"),
        ("consultancy", "image/jpeg", "Logo du cabinet")]
    assert made.running_header == "Testville — Évaluation test"
    assert study.config.report.mode == "summary"  # the default


# --- the PDF -----------------------------------------------------------------------------------

def outline_titles(reader) -> list[str]:
    """The titles of the outline's top level."""
    return [item.title for item in reader.outline if not isinstance(item, list)]


def check_pdf(path: Path, main_headings: list[str]):
    """What every printed report must be; returns the reader."""
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    assert 3 <= len(reader.pages) <= 80
    for number, sheet in enumerate(reader.pages, start=1):
        box = sheet.mediabox
        assert abs(float(box.width) - A4[0]) <= 1 and abs(float(box.height) - A4[1]) <= 1
        text = sheet.extract_text()
        found = PAGE_NUMBER.findall(text)
        if number == 1:  # the cover has no page number nor running header
            assert not found
            continue
        assert found == [(str(number), str(len(reader.pages)))], (number, text[:200])
    assert outline_titles(reader) == main_headings
    for sheet in reader.pages:
        for annotation in sheet.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            if action is not None and "/URI" in action:
                uri = str(action["/URI"])
                assert uri.startswith(("https://", "http://", "mailto:")), uri
    return reader


def last_line(text: str) -> str:
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    return lines[-1] if lines else ""


@needs_chromium
@pytest.mark.browser
@pytest.mark.parametrize("mode", ["summary", "full"])
def test_the_pdf_is_a4_with_a_cover_page_numbers_bookmarks_and_no_row_split(project, mode):
    from civeval.workbench import render
    from civeval.workbench.study import load_study

    write_template(project, "50_part")
    (project / "notebooks" / "95_main.py").write_text(
        "# ---\n# jupyter:\n#   civeval:\n#     main: true\n#     pdf: true\n"
        "#     title: {fr: Rapport, en: Report}\n# ---\n\n# %% tags=[\"parameters\"]\n"
        "study = ''\noutput_dir = None\n", encoding="utf-8")
    write_study(project, "imprime", MINIMAL_STUDY + f"""\
components: [50_part, 95_main]
report:
  status: final
  mode: {mode}
""")
    study = load_study("imprime")
    folder = project / "reports" / "imprime"
    folder.mkdir(parents=True)
    (folder / "95_main.html").write_text(MAIN, encoding="utf-8")
    (folder / "50_part.html").write_text(PART, encoding="utf-8")

    assert render.print_report(study, folder, "95_main.html", "95_main", word=True).problem is None

    expected = ["Synthèse", "Résultats par composante", "Plan d'action", "Annexes"]
    if mode == "full":
        expected.insert(3, "La partie détaillée")
    reader = check_pdf(folder / "95_main.pdf", expected)
    text = [sheet.extract_text() for sheet in reader.pages]
    assert "Testville — Évaluation test" in text[1]  # the running header
    assert "Version de travail" not in "".join(text)  # a final version
    # No row of the 40-row table is split across two pages: its first cell and the end of
    # its last are on the same page.
    flat = [re.sub(r"\s+", " ", page_text) for page_text in text]
    for number in range(1, 41):
        starts = [index for index, page_text in enumerate(flat)
                  if re.search(rf"Action {number}(?!\d)", page_text)]
        ends = [index for index, page_text in enumerate(flat)
                if f"(fin Action {number})" in page_text]
        assert len(starts) == 1 and starts == ends, (number, starts, ends)
    # No heading is the last line of a page.
    for page_text in text:
        assert last_line(page_text) not in expected
    assert (folder / "95_main.docx").is_file()


def contents_pages(html: str) -> dict[str, str]:
    """The page the print document's table of contents shows for each heading."""
    soup = BeautifulSoup(html, "html.parser")
    return {entry["href"].lstrip("#"): entry.select_one(".cv-print-toc-page").get_text()
            for entry in soup.select(".cv-print-toc li a")}


@needs_chromium
@pytest.mark.browser
def test_the_contents_show_the_printed_pages_printed_once_when_the_last_ones_hold(
        project, monkeypatch):
    from civeval.workbench import render
    from civeval.workbench.study import load_study

    (project / "notebooks" / "95_main.py").write_text(
        "# ---\n# jupyter:\n#   civeval:\n#     main: true\n#     pdf: true\n"
        "#     title: {fr: Rapport, en: Report}\n# ---\n\n# %% tags=[\"parameters\"]\n"
        "study = ''\noutput_dir = None\n", encoding="utf-8")
    write_study(project, "reimprime", MINIMAL_STUDY + "components: [95_main]\n")
    study = load_study("reimprime")
    folder = project / "reports" / "reimprime"
    folder.mkdir(parents=True)
    (folder / "95_main.html").write_text(MAIN, encoding="utf-8")
    printings = []  # what the contents of each printing showed
    chromium_print = render._chromium_print

    def recorded(source, printed, scratch, timeout):
        printings.append(contents_pages(source.read_text(encoding="utf-8")))
        return chromium_print(source, printed, scratch, timeout)

    monkeypatch.setattr(render, "_chromium_print", recorded)

    def printed_pages(pdf_file: Path) -> dict[str, str]:
        found = pdf.anchor_pages(pdf_file)
        return {anchor: str(found[anchor]) for anchor in printings[-1]}

    # A first printing: the pages are not known yet.
    assert render.print_report(study, folder, "95_main.html", "95_main").problem is None
    first = folder / "95_main.pdf"
    assert len(printings) == 2 and set(printings[0].values()) == {""}
    assert printings[1] == printed_pages(first) and "" not in printings[1].values()
    last = project / "last.pdf"
    shutil.copy(first, last)

    # The same report again: the last printing's pages hold, one printing.
    printings.clear()
    printing = render.print_report(study, folder, "95_main.html", "95_main", previous=last)
    assert printing.problem is None
    assert len(printings) == 1 and printings[0] == printed_pages(folder / "95_main.pdf")

    # Headings pushed to later pages: the last pages are shown, found wrong, printed again.
    (folder / "95_main.html").write_text(MAIN.replace(
        '<h2 id="synthese">', LONG * 12 + '<h2 id="synthese">'), encoding="utf-8")
    printings.clear()
    printing = render.print_report(study, folder, "95_main.html", "95_main", previous=last)
    assert printing.problem is None
    assert len(printings) == 2 and printings[0] != printings[1]
    assert printings[1] == printed_pages(folder / "95_main.pdf")


@needs_chromium
@pytest.mark.browser
def test_a_deliverable_made_from_the_very_page_printed_last_is_kept_not_printed(
        project, monkeypatch):
    from civeval.workbench import render
    from civeval.workbench.study import load_study

    write_study(project, "garde", MINIMAL_STUDY)
    study = load_study("garde")
    folder, last = project / "reports" / "garde", project / "last"
    folder.mkdir(parents=True)
    last.mkdir()
    (folder / "95_main.html").write_text(MAIN, encoding="utf-8")
    printings = []
    chromium_print = render._chromium_print

    def recorded(source, *rest):
        printings.append(source)
        return chromium_print(source, *rest)

    monkeypatch.setattr(render, "_chromium_print", recorded)

    def print_again(**options):
        for suffix in (".pdf", ".docx"):  # what the last run published
            made = folder / f"95_main{suffix}"
            if made.exists():
                shutil.move(made, last / made.name)
        printings.clear()
        return render.print_report(study, folder, "95_main.html", "95_main", word=True,
                                   previous=last / "95_main.pdf", **options)

    first = render.print_report(study, folder, "95_main.html", "95_main", word=True)
    assert first.problem is None and len(first.source) == 64
    assert first.pages == pdf.anchor_pages(folder / "95_main.pdf") and first.pages

    # Nothing changed since: the last PDF and Word file are the deliverable, as they are.
    again = print_again(previous_source=first.source)
    assert again == first and printings == []
    for suffix in (".pdf", ".docx"):
        assert (folder / f"95_main{suffix}").read_bytes() == (
            last / f"95_main{suffix}").read_bytes()
    # With the pages its run recorded, the last PDF is not even read.
    with monkeypatch.context() as reading:
        reading.setattr(pdf, "anchor_pages", lambda path: pytest.fail(f"{path} was read"))
        assert print_again(previous_source=first.source, previous_pages=first.pages) == first
    assert printings == []

    # Without the digest of the last printing (an earlier civeval): printed, same digest.
    assert print_again() == first and len(printings) == 1
    # Its Word file lost: printed again.
    (folder / "95_main.docx").unlink()
    (last / "95_main.docx").unlink()
    assert print_again(previous_source=first.source) == first and len(printings) == 1
    # The report changed: printed, and the new page is what the next run compares with.
    (folder / "95_main.html").write_text(MAIN.replace("Synthèse", "Synthèse revue"),
                                         encoding="utf-8")
    changed = print_again(previous_source=first.source)
    assert changed.problem is None and changed.source != first.source and printings
    from pypdf import PdfReader

    assert "Synthèse revue" in PdfReader(folder / "95_main.pdf").pages[2].extract_text()


@needs_chromium
@pytest.mark.browser
@pytest.mark.skipif(os.name == "nt", reason="the counting browser is a POSIX script")
def test_a_forced_run_of_an_unchanged_report_prints_nothing(project):
    (project / "notebooks" / "95_main.py").write_text(
        "# ---\n# jupyter:\n#   civeval:\n#     main: true\n#     pdf: true\n"
        "#     docx: true\n#     title: {fr: Rapport, en: Report}\n# ---\n\n"
        "# %% tags=[\"parameters\"]\nstudy = ''\noutput_dir = None\n\n"
        "# %% [markdown]\n# ## Synthèse\n#\n# Le dispositif a réuni 1 200 personnes.\n",
        encoding="utf-8")
    write_study(project, "reimprime", MINIMAL_STUDY + "components: [95_main]\n")
    log = project / "printings.log"
    browser = project / "chromium"
    browser.write_text(f"#!/bin/sh\necho printed >> '{log}'\nexec '{CHROMIUM}' \"$@\"\n",
                       encoding="utf-8")
    browser.chmod(0o755)
    folder = project / "reports" / "reimprime"

    def run(*options) -> str:
        result = run_cli("run", "reimprime", "--no-progress", *options, root=project,
                         env={"CIVEVAL_CHROMIUM": str(browser)})
        assert result.returncode == 0, result.stdout + result.stderr
        printed = log.read_text(encoding="utf-8").count("printed") if log.exists() else 0
        log.unlink(missing_ok=True)
        return printed

    assert run() == 2  # the contents' pages found by a first printing
    first = {suffix: (folder / f"95_main{suffix}").read_bytes() for suffix in (".pdf", ".docx")}
    assert run("--force") == 0
    assert {suffix: (folder / f"95_main{suffix}").read_bytes() for suffix in first} == first
    template = project / "notebooks" / "95_main.py"
    template.write_text(template.read_text(encoding="utf-8").replace("1 200", "1 300"),
                        encoding="utf-8")
    assert run() == 1  # the same pages: printed once


def test_a_report_without_chromium_still_gets_its_word_version(project, monkeypatch):
    from civeval.workbench import render
    from civeval.workbench.study import load_study

    write_study(project, "sans-chromium", MINIMAL_STUDY)
    study = load_study("sans-chromium")
    folder = project / "reports" / "sans-chromium"
    folder.mkdir(parents=True)
    (folder / "95_main.html").write_text(MAIN, encoding="utf-8")
    monkeypatch.setenv("CIVEVAL_CHROMIUM", str(project / "pas-de-chromium"))

    printing = render.print_report(study, folder, "95_main.html", "95_main", word=True)

    assert printing.problem.startswith("Chromium could not print the PDF")
    assert printing.source is None  # not all made: the next run makes it all again
    assert not (folder / "95_main.pdf").exists()
    assert (folder / "95_main.docx").read_bytes().startswith(b"PK")


# --- the demo batch ----------------------------------------------------------------------------

def main_headings(html: Path) -> list[str]:
    """The main headings (``h2``) of a report page's content."""
    main = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser").find("main")
    return [tag.get_text(" ", strip=True) for tag in main.find_all("h2")]


DEMOS = ["demo-saint-aubin", "demo-val-de-brenne", "demo-villeneuve-ardre"]


@pytest.mark.slow
@needs_chromium
@pytest.mark.browser
@pytest.mark.parametrize("slug", DEMOS)
def test_the_demo_pdf_is_print_ready(demo_reports, slug):
    folder = demo_reports / slug
    headings = main_headings(folder / "90_rapport.html")

    reader = check_pdf(folder / "90_rapport.pdf", headings)

    for sheet in reader.pages:
        assert last_line(sheet.extract_text()) not in headings
    # Two demos are drafts, one is final: the cover says which.
    draft = load_study(slug).config.report.status == "draft"
    assert ("Version de travail" in reader.pages[0].extract_text()) == draft


@pytest.mark.slow
@pytest.mark.parametrize("slug", DEMOS)
def test_the_demo_word_version_follows_the_html(demo_reports, slug):
    import docx

    folder = demo_reports / slug
    html = folder / "90_rapport.html"
    main = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser").find("main")
    # The title block before the first h2 (the title and its facts) is the cover's.
    before = main.find("h2").find_all_previous("table")
    tables = [tag for tag in main.find_all("table") if tag not in before]

    result = docx.Document(str(folder / "90_rapport.docx"))

    assert headings_of(result) == [(int(tag.name[1]) - 1, tag.get_text(" ", strip=True))
                                   for tag in main.find_all(["h2", "h3"])]
    assert len(result.tables) == len(tables)
    for made, source in zip(result.tables, tables, strict=True):
        assert len(made.rows) == len(source.find_all("tr"))
        if source.find("thead"):
            assert made.rows[0]._tr.trPr.find(f"{W}tblHeader") is not None
    alts = [shape._inline.docPr.get("descr") for shape in result.inline_shapes]
    assert alts == [img["alt"] for img in main.find_all("img")]


@pytest.mark.slow
@needs_chromium
@pytest.mark.browser
def test_the_full_demo_report_holds_every_section_as_a_chapter(demo_reports, tmp_path):
    from civeval.workbench import render
    from civeval.workbench.study import load_study

    folder = tmp_path / "demo-saint-aubin"
    shutil.copytree(demo_reports / "demo-saint-aubin", folder)
    study = load_study("demo-saint-aubin", output_dir=folder)
    study.config = study.config.model_copy(update={
        "report": study.config.report.model_copy(update={"mode": "full"})})

    printing = render.print_report(study, folder, "90_rapport.html", "90_rapport", word=True)
    assert printing.problem is None

    summary = main_headings(folder / "90_rapport.html")
    chapters = [BeautifulSoup((folder / f"{c.id}.html").read_text(encoding="utf-8"),
                              "html.parser").find("main").find("h1").get_text(" ", strip=True)
                for c in study.config.components if c.id != "90_rapport"]
    at = summary.index("Annexes")
    assert len(chapters) == 6  # framing, survey, interviews, votes, projects, benchmark
    check_pdf(folder / "90_rapport.pdf", summary[:at] + chapters + summary[at:])
    import docx

    made = docx.Document(str(folder / "90_rapport.docx"))
    assert [text for level, text in headings_of(made) if level == 1] == (
        summary[:at] + chapters + summary[at:])


def scanned_text(path: Path) -> str:
    """What a file holds as text: a page less its inline data, a PDF's text, links and
    metadata, every XML part of a Word or Excel file (and their cells, through their
    libraries)."""
    suffix = path.suffix
    if suffix == ".html":
        return re.sub(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+", "",
                      path.read_text(encoding="utf-8"))
    if suffix == ".pdf":
        from pypdf import PdfReader

        reader = PdfReader(str(path))
        parts = [sheet.extract_text() for sheet in reader.pages]
        parts += [str(value) for value in (reader.metadata or {}).values()]
        for sheet in reader.pages:
            for annotation in sheet.get("/Annots") or []:
                action = annotation.get_object().get("/A")
                if action is not None:
                    parts.append(str(action.get_object()))
        return "\n".join(parts)
    parts = []
    with zipfile.ZipFile(path) as archive:
        parts += [archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
                  if name.endswith((".xml", ".rels"))]
    if suffix == ".docx":
        import docx

        document = docx.Document(str(path))
        parts += [p.text for p in document.paragraphs]
        parts += [c.text for t in document.tables for row in t.rows for c in row.cells]
    if suffix == ".xlsx":
        import openpyxl

        workbook = openpyxl.load_workbook(path)
        parts += [str(value) for sheet in workbook for row in sheet.iter_rows(values_only=True)
                  for value in row if value is not None]
    return "\n".join(parts)


@pytest.mark.slow
def test_no_output_of_the_demo_holds_a_file_url_a_staging_folder_or_a_machine_path(
        demo_reports):
    forbidden = ["file://", ".staging.", str(REPO), str(demo_reports), str(demo_reports.parent)]
    home = str(Path.home())
    if home not in {"/", ""}:
        forbidden.append(home + "/")
    files = [path for suffix in ("html", "pdf", "docx", "xlsx")
             for path in sorted(demo_reports.rglob(f"*.{suffix}"))]
    assert {path.suffix for path in files} >= {".html", ".docx", ".xlsx"}
    if CHROMIUM:
        assert any(path.suffix == ".pdf" for path in files)
    found = [(path.relative_to(demo_reports).as_posix(), word) for path in files
             for text in [scanned_text(path)] for word in forbidden if word in text]
    assert found == []


# --- accessibility, in the real browser --------------------------------------------------------

def html_pages(reports: Path) -> list[Path]:
    return [reports / "index.html", *sorted(reports.glob("*/*.html"))]


@pytest.fixture(scope="module")
def browser_page():
    """One tab of the Chromium the workbench prints with, driven by Playwright: never a
    browser Playwright would download."""
    from civeval.workbench.render import chromium

    executable = chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        missing = f"playwright cannot be imported ({error})"
    else:
        missing = None if executable else "no Chromium (install it, or set CIVEVAL_CHROMIUM)"
    if missing:
        if CI:
            pytest.fail(f"{missing}; CI is set, so the browser tests must run", pytrace=False)
        pytest.skip(missing)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True,
                                             args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context()
        # Offline, as a reader opens the reports: nothing may come from the network.
        context.route(re.compile(r"^(?!file:|data:)"), lambda route: route.abort())
        yield context.new_page()
        browser.close()


@pytest.mark.slow
@pytest.mark.browser
def test_every_page_of_the_demo_has_no_serious_accessibility_violation(demo_reports,
                                                                       browser_page):
    from axe_playwright_python.sync_playwright import Axe

    axe, found = Axe(), []
    for path in html_pages(demo_reports):
        browser_page.goto(path.as_uri(), wait_until="load")
        for violation in axe.run(browser_page).response["violations"]:
            if violation["impact"] in {"serious", "critical"}:
                found.append(f"{path.relative_to(demo_reports)}: {violation['id']} "
                             f"({violation['impact']}): {violation['nodes'][0]['target']}")
    assert found == []


@pytest.mark.slow
@pytest.mark.browser
def test_every_page_of_the_demo_has_a_consistent_outline_and_names_its_collectivite(
        demo_reports, browser_page):
    import yaml

    clients = {path.parent.name: yaml.safe_load(path.read_text(encoding="utf-8"))["client"]
               ["name"] for path in (REPO / "studies").glob("demo-*/study.yml")}
    problems = []
    for path in html_pages(demo_reports):
        browser_page.goto(path.as_uri(), wait_until="load")
        shown = path.relative_to(demo_reports).as_posix()
        levels = browser_page.evaluate(
            "() => [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]"
            ".map(h => Number(h.tagName[1]))")
        if levels[:1] != [1] or levels.count(1) != 1:
            problems.append(f"{shown}: the outline does not start at its one h1: {levels}")
        skips = [(a, b) for a, b in itertools.pairwise(levels) if b > a + 1]
        if skips:
            problems.append(f"{shown}: heading levels skipped: {skips}")
        # Each table of contents entry is no larger than the entry of the level above it.
        sizes = browser_page.evaluate(
            "() => [...document.querySelectorAll('nav.cv-toc li')].map(li => "
            "[Number(li.className.match(/cv-toc-(\\d)/)[1]), "
            "parseFloat(getComputedStyle(li).fontSize)])")
        largest = {}
        for level, size in sizes:
            largest[level] = max(largest.get(level, 0), size)
        for level, size in largest.items():
            parent = largest.get(level - 1)
            if parent is not None and size > parent:
                problems.append(f"{shown}: table of contents level {level} ({size}px) larger "
                                f"than level {level - 1} ({parent}px)")
        title = browser_page.title()
        client = clients.get(path.parent.name)
        if client is not None and client not in title:
            problems.append(f"{shown}: the tab title {title!r} does not name {client!r}")
    assert problems == []
