"""No text from data becomes a live formula in a workbook: payloads typed into an action
plan (study.yml), an interview id, a code and a group come out of ``civeval run`` as the
texts they were, in every workbook, and every workbook writer goes through the one place
that makes them text."""

from __future__ import annotations

import io
import re
from datetime import date

import openpyxl
import pandas as pd
import pytest
from hostile_studies import FORMULAS, REPO, run_project

from civeval.diagnosis.workbook import export_xlsx as export_plan
from civeval.presentation.spreadsheets import FORMULA_STARTS, write_sheet
from civeval.qual.analysis import export_xlsx as export_tables


def cells(book):
    return [cell for sheet in book for row in sheet.iter_rows() for cell in row
            if cell.value is not None]


def formulas(book) -> list[str]:
    return [f"{cell.parent.title}!{cell.coordinate}: {cell.value!r}" for cell in cells(book)
            if cell.data_type == "f"]


def as_text(book, value) -> list:
    """The cells holding exactly ``value``, each checked to be text that stays text. (XML
    reads a raw carriage return as a line feed: a writer that does not escape it as
    ``&#13;`` gives it back so.)"""
    found = [cell for cell in cells(book) if cell.value in (value, value.replace("\r", "\n"))]
    for cell in found:
        assert (cell.data_type, cell.quotePrefix) == ("s", True), cell.coordinate
    return found


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory):
    reports = run_project(tmp_path_factory) / "formules"
    return {path.name: openpyxl.load_workbook(path) for path in reports.glob("*.xlsx")}


def test_the_study_gives_both_workbooks(workbooks):
    assert set(workbooks) == {"plan_action.xlsx", "matrice_codes_entretiens.xlsx"}


def test_no_workbook_holds_a_formula(workbooks):
    assert {name: formulas(book) for name, book in workbooks.items()} == {
        name: [] for name in workbooks}


def test_the_action_plan_fields_are_kept_as_the_texts_typed(workbooks):
    book = workbooks["plan_action.xlsx"]
    # id (on both sheets), title, owner and resources
    assert len(as_text(book, FORMULAS[1])) == 2
    for payload in (FORMULAS[0], FORMULAS[3], FORMULAS[4]):
        assert len(as_text(book, payload)) == 1, payload


def test_codes_and_groups_are_kept_as_text_and_interview_ids_are_renumbered(workbooks):
    book = workbooks["matrice_codes_entretiens.xlsx"]
    assert as_text(book, FORMULAS[1])  # a group, as a column header
    assert as_text(book, "-2+3")  # a code, as a row
    values = {cell.value for cell in cells(book)}
    assert FORMULAS[0] not in values  # the interview id: « Entretien 01 »… instead
    assert {f"Entretien {n:02d}" for n in range(1, 13)} <= values


@pytest.mark.parametrize("payload", FORMULAS)
def test_write_sheet_keeps_every_formula_start_as_text(payload):
    buffer = io.BytesIO()
    table = pd.DataFrame({payload: [payload, "texte"]}, index=pd.Index([payload, "b"],
                                                                        name="code"))
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        write_sheet(writer, "Feuille", table, index=True)
    book = openpyxl.load_workbook(buffer)
    assert formulas(book) == []
    assert len(as_text(book, payload)) == 3  # header, index and value


def test_plain_texts_and_numbers_are_left_as_they_are():
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        write_sheet(writer, "Feuille", pd.DataFrame({"a": ["texte", -3, 0.5]}), index=False)
    sheet = openpyxl.load_workbook(buffer)["Feuille"]
    assert [(cell.value, cell.data_type, cell.quotePrefix) for (cell,) in sheet.iter_rows()] == [
        ("a", "s", False), ("texte", "s", False), (-3, "n", False), (0.5, "n", False)]


def test_both_exports_write_payloads_as_text(tmp_path):
    table = pd.DataFrame({FORMULAS[2]: [1]}, index=pd.Index([FORMULAS[5]], name="code"))
    book = openpyxl.load_workbook(export_tables({"Codes": table}, tmp_path / "codes.xlsx"))
    assert formulas(book) == [] and as_text(book, FORMULAS[2]) and as_text(book, FORMULAS[5])
    actions = pd.DataFrame([{"id": FORMULAS[6], "title": FORMULAS[0], "lever": "transparence",
                             "impact": 3, "effort": 1, "owner": FORMULAS[3],
                             "deadline": date(2026, 6, 30), "resources": FORMULAS[4],
                             "from_recommendation": FORMULAS[1]}])
    followed = pd.DataFrame([{"action": FORMULAS[6], "indicator": "answer_rate",
                              "label": FORMULAS[2], "kind": "percent", "baseline": 0.5,
                              "target": 1.0, "date": date(2026, 6, 30)}])
    book = openpyxl.load_workbook(export_plan(actions, followed, tmp_path / "plan.xlsx"))
    assert formulas(book) == []
    for payload in [*FORMULAS[:5], FORMULAS[6]]:
        assert as_text(book, payload), payload


def test_the_xlsform_keeps_payloads_as_text_and_pyxform_still_reads_it():
    from civeval.instruments.forms import xlsform_bytes

    data = xlsform_bytes({
        "survey": pd.DataFrame({"type": ["text", "select_one g"], "name": ["q1", "q2"],
                                "label": [FORMULAS[0], FORMULAS[4]]}),
        "choices": pd.DataFrame({"list_name": ["g", "g"], "name": ["a", "b"],
                                 "label": [FORMULAS[3], FORMULAS[2]]}),
        "settings": pd.DataFrame({"form_title": ["Enquête"]})})
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert formulas(book) == []
    for payload in (FORMULAS[0], FORMULAS[2], FORMULAS[3], FORMULAS[4]):
        assert as_text(book, payload), payload


def test_every_workbook_writer_makes_its_texts_text():
    # Report workbooks go through write_sheet; the instruments' blank forms and grids (an
    # XLSForm that pyxform must read as is) format their own sheets but still call
    # keep_as_text on every sheet holding data.
    writes = re.compile(r"\.to_excel\(|openpyxl\.Workbook\(|xlsxwriter")
    writers = {path.relative_to(REPO).as_posix(): path.read_text(encoding="utf-8")
               for path in (REPO / "lib").rglob("*.py")}
    writers = {name: text for name, text in writers.items()
               if any(writes.search(line) for line in text.splitlines()
                      if not line.lstrip().startswith((">>>", "...")))}  # examples write too
    assert "lib/civeval/presentation/spreadsheets.py" in writers
    assert [name for name, text in writers.items()
            if not re.search(r"\b(write_sheet|keep_as_text)\(", text)] == []


def test_the_payloads_start_as_a_spreadsheet_formula_would():
    assert {payload[0] for payload in FORMULAS} == set(FORMULA_STARTS)
