"""A section's page: nbconvert's HTML, finished in one parse (civeval.workbench.render)."""

import base64
import functools

import nbformat
from bs4 import BeautifulSoup
from nbconvert import HTMLExporter
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from civeval.presentation import i18n
from civeval.workbench.render import Renderer

CONTEXT = {"client": "Saint-Aubin", "facts": [], "provenance": "civeval"}
# The smallest PNG there is: one transparent pixel.
PIXEL = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")).decode()


def executed_notebook(markdown_image: str = "") -> nbformat.NotebookNode:
    """What a section leaves: headings, a figure with its alt text, a table, a sentence."""
    figure = new_code_cell("figure", outputs=[new_output(
        "display_data", data={"image/png": PIXEL, "text/plain": "<Figure>"},
        metadata={"image/png": {"alt": "Taux de participation par quartier"}})])
    table = new_code_cell("table", outputs=[new_output(
        "display_data", data={"text/html": "<table><tr><th>Quartier</th><td>12,5 %</td></tr>"
                                           "</table>", "text/plain": "table"})])
    sentence = new_code_cell("print", outputs=[new_output("stream", name="stdout",
                                                          text="412 réponses\n")])
    return new_notebook(cells=[new_markdown_cell(f"# Participation\n\n{markdown_image}"),
                               new_markdown_cell("## Par quartier\n\nLe *centre* domine."),
                               figure, table, sentence],
                        metadata={"language_info": {"name": "python"}})


def render(tmp_path, notebook, name, renderer=None) -> str:
    (renderer or Renderer()).section(notebook, tmp_path / name, title="Participation",
                                     context=CONTEXT, language="fr")
    return (tmp_path / name).read_text(encoding="utf-8")


def test_a_page_is_the_one_nbconvert_makes_and_is_parsed_once(tmp_path, monkeypatch):
    notebook = executed_notebook()
    page = render(tmp_path, notebook, "once.html")

    renderer = Renderer()  # nbconvert's own last pass, then civeval's: the page parsed twice
    monkeypatch.setattr(renderer.exporter, "from_notebook_node",
                        functools.partial(HTMLExporter.from_notebook_node, renderer.exporter))
    assert render(tmp_path, notebook, "twice.html", renderer) == page

    soup = BeautifulSoup(page, "html.parser")
    outputs = soup.find_all("div", class_="jp-OutputArea-output")
    assert len(outputs) == 3 and all(output["tabindex"] == "0" for output in outputs)
    assert soup.find("img")["alt"] == "Taux de participation par quartier"
    assert [link.get_text() for link in soup.select("nav.cv-toc a")] == [
        "Participation", "Par quartier"]


def test_an_image_without_alt_text_gets_the_reports_own_in_its_language(tmp_path):
    image = f'<img src="data:image/png;base64,{PIXEL}">'
    page = render(tmp_path, executed_notebook(markdown_image=image), "page.html")

    alts = [img.get("alt") for img in BeautifulSoup(page, "html.parser").find_all("img")]
    assert alts == [i18n.translator("fr")("report.default_alt"),
                    "Taux de participation par quartier"]
    assert "No description has been provided" not in page  # nbconvert's, in English


def test_templates_compiled_by_one_process_are_read_by_the_next(tmp_path, monkeypatch):
    import tempfile

    import jinja2

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "temporary"))
    (tmp_path / "temporary").mkdir()
    notebook = executed_notebook()
    first = render(tmp_path, notebook, "first.html")
    assert list((tmp_path / "temporary").glob("_jinja2-cache-*/*.cache"))

    def compile_again(*args, **kwargs):
        raise AssertionError("a template was compiled again")

    monkeypatch.setattr(jinja2.Environment, "compile", compile_again)
    assert render(tmp_path, notebook, "next.html") == first  # a new renderer: a new process


def test_a_cache_of_templates_that_cannot_be_written_is_no_error(tmp_path, monkeypatch):
    import tempfile

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "temporary"))
    (tmp_path / "temporary").mkdir()
    monkeypatch.setattr(tempfile, "NamedTemporaryFile", disk_full)
    page = render(tmp_path, executed_notebook(), "page.html")
    assert "Participation" in page
    assert not list((tmp_path / "temporary").glob("_jinja2-cache-*/*.cache"))
