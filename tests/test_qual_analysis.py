"""Code frequencies, group matrices, co-occurrences, case matrices and the XLSX export."""

from __future__ import annotations

import os

import numpy as np
import openpyxl
import pandas as pd
import pytest

from civeval.errors import InputError
from civeval.presentation import spreadsheets
from civeval.qual import SEGMENT_COLUMNS
from civeval.qual.analysis import (
    code_case_matrix,
    code_frequencies,
    code_group_matrix,
    cooccurrence,
    cooccurrence_pairs,
    export_xlsx,
    who_was_heard,
)


def make_segments(rows) -> pd.DataFrame:
    """(segment_id, document, speaker_role, speaker, code, coder) tuples → segments table."""
    frame = pd.DataFrame(rows, columns=["segment_id", "document", "speaker_role", "speaker",
                                        "code", "coder"])
    frame["text"] = "…"
    return frame[list(SEGMENT_COLUMNS)]


@pytest.fixture
def interviews() -> pd.DataFrame:
    # E1: an elected official who talks about the budget three times and about trust once.
    # E2: a resident, budget once. E3: a group interview (resident + association), trust and
    # delays on one segment. E4: an agent, nothing coded. Segment ids restart in each file.
    return make_segments([
        (1, "E1", "élu", "P1", "budget", None),
        (2, "E1", "élu", "P1", "budget", None),
        (3, "E1", "élu", "P1", "budget", None),
        (3, "E1", "élu", "P1", "confiance", None),
        (1, "E2", "habitant", "P2", "budget", None),
        (1, "E3", "habitant", "P3", "confiance", None),
        (1, "E3", "habitant", "P3", "délais", None),
        (2, "E3", "association", "P4", "délais", None),
        (1, "E4", "agent", "P5", None, None),
    ])


# --------------------------------------------------------------------------- frequencies

def test_documents_count_interviews_not_segments(interviews):
    table = code_frequencies(interviews, by=None)
    assert table.columns.tolist() == ["code", "documents", "document_share", "segments"]
    budget = table.set_index("code").loc["budget"]
    # three segments in E1 and one in E2: two interviews out of four (E4 had nothing coded)
    assert (budget["documents"], budget["segments"]) == (2, 4)
    assert budget["document_share"] == pytest.approx(2 / 4)
    assert table.attrs["documents"] == 4
    # most mentioned first, then by name
    assert table["code"].tolist() == ["budget", "confiance", "délais"]


def test_per_group_table_lists_every_group_for_every_code(interviews):
    table = code_frequencies(interviews)
    assert table.columns.tolist() == ["code", "group", "documents", "group_documents",
                                      "share", "segments"]
    assert len(table) == 3 * 4  # 3 codes × 4 groups, zeros included
    # groups come in the order of ROLES
    assert table["group"].unique().tolist() == ["élu", "agent", "association", "habitant"]
    cell = table.set_index(["code", "group"])
    # residents speak in E2 and E3 and mention the budget in E2 only
    assert cell.loc[("budget", "habitant"), "documents"] == 1
    assert cell.loc[("budget", "habitant"), "group_documents"] == 2
    assert cell.loc[("budget", "habitant"), "share"] == pytest.approx(0.5)
    assert cell.loc[("budget", "agent"), "documents"] == 0
    assert cell.loc[("budget", "agent"), "share"] == 0
    assert cell.loc[("délais", "association"), "share"] == 1.0
    assert table.attrs["group_documents"] == {"élu": 1, "agent": 1, "association": 1,
                                              "habitant": 2}


def test_double_coded_segment_counts_once_with_the_union_of_codes():
    segments = make_segments([
        (1, "E1", "élu", None, "budget", "Alice"),
        (1, "E1", "élu", None, "budget", "Bruno"),    # same code, second coder
        (1, "E1", "élu", None, "confiance", "Bruno"),  # only Bruno saw trust here
        (2, "E1", "élu", None, "budget", "Alice"),
    ])
    union = code_frequencies(segments, by=None).set_index("code")
    assert union.loc["budget", "segments"] == 2  # not 3: segment 1 counts once
    assert union.loc["confiance", "segments"] == 1
    alice = code_frequencies(segments, by=None, coder="Alice").set_index("code")
    assert alice.index.tolist() == ["budget"]
    with pytest.raises(InputError, match="no segment coded by 'Chloé'.*Alice, Bruno"):
        code_frequencies(segments, coder="Chloé")


def test_roll_up_counts_themes_once_per_segment(interviews):
    themes = {"budget": "moyens", "délais": "moyens"}  # confiance has no theme: stays itself
    table = code_frequencies(interviews, by=None, roll_up=themes).set_index("theme")
    # E3 segment 1 (confiance + délais) and E3 segment 2 (délais): moyens in E1, E2, E3
    assert table.loc["moyens", "documents"] == 3
    assert table.loc["moyens", "segments"] == 4 + 2
    assert table.loc["confiance", "documents"] == 2
    assert table.attrs["level"] == "theme"
    by_callable = code_frequencies(interviews, by=None, roll_up=lambda code: themes.get(code))
    pd.testing.assert_frame_equal(by_callable, table.reset_index())


def test_missing_group_is_left_out_and_counted():
    segments = make_segments([
        (1, "E1", "élu", None, "budget", None),
        (2, "E1", None, None, "budget", None),
        (1, "E2", None, None, "budget", None),
    ])
    table = code_frequencies(segments)
    assert table.attrs["n_missing"] == 2
    assert table["documents"].tolist() == [1]
    # the overall share still divides by every document heard
    assert code_frequencies(segments, by=None)["document_share"].tolist() == [1.0]


def test_code_group_matrix_is_the_wide_form(interviews):
    shares = code_group_matrix(interviews)
    assert shares.index.tolist() == ["budget", "confiance", "délais"]
    assert shares.columns.tolist() == ["élu", "agent", "association", "habitant"]
    assert shares.loc["confiance", "habitant"] == pytest.approx(0.5)
    counts = code_group_matrix(interviews, value="documents")
    assert counts.loc["délais", "habitant"] == 1
    assert counts.attrs["group_documents"]["habitant"] == 2
    with pytest.raises(ValueError, match="value"):
        code_group_matrix(interviews, value="segments")


def test_who_was_heard_counts_people_without_naming_them(interviews):
    table = who_was_heard(interviews).set_index("group")
    assert table.loc["habitant"].tolist() == [2, 2, 2]  # documents, speakers, segments
    assert table.loc["élu"].tolist() == [1, 1, 3]
    assert table.attrs["documents"] == 4
    assert table.attrs["speakers"] == 5
    assert not table.astype(str).isin(["P1", "P2", "P3", "P4", "P5"]).any().any()


def test_who_was_heard_marks_unknown_speaker_counts_missing():
    segments = make_segments([(1, "E1", "élu", None, "budget", None),
                              (1, "E2", "habitant", "P7", "budget", None)])
    table = who_was_heard(segments).set_index("group")
    assert pd.isna(table.loc["élu", "speakers"])
    assert table.loc["habitant", "speakers"] == 1
    assert table.attrs["segments_without_speaker"] == 1


# --------------------------------------------------------------------------- co-occurrence

def test_cooccurrence_by_segment_and_by_document(interviews):
    matrix = cooccurrence(interviews)
    assert (matrix.to_numpy() == matrix.to_numpy().T).all()
    assert np.diag(matrix).tolist() == [4, 2, 2]  # budget, confiance, délais segments
    assert matrix.loc["budget", "confiance"] == 1  # E1 segment 3
    assert matrix.loc["confiance", "délais"] == 1  # E3 segment 1
    assert matrix.loc["budget", "délais"] == 0
    by_document = cooccurrence(interviews, level="document")
    assert np.diag(by_document).tolist() == [2, 2, 1]
    assert by_document.loc["confiance", "délais"] == 1
    assert by_document.attrs["units"] == 3
    with pytest.raises(ValueError, match="level"):
        cooccurrence(interviews, level="sentence")


def test_cooccurrence_pairs_jaccard(interviews):
    pairs = cooccurrence_pairs(interviews).set_index(["code_a", "code_b"])
    assert len(pairs) == 2  # pairs that never co-occur are left out
    assert pairs.loc[("budget", "confiance"), "count"] == 1
    # 1 ÷ (4 + 2 − 1)
    assert pairs.loc[("budget", "confiance"), "jaccard"] == pytest.approx(1 / 5)
    assert pairs.loc[("confiance", "délais"), "jaccard"] == pytest.approx(1 / 3)


def test_code_case_matrix_lists_every_document(interviews):
    matrix = code_case_matrix(interviews)
    assert matrix.columns.tolist() == ["E1", "E2", "E3", "E4"]
    assert matrix.loc["budget"].tolist() == [3, 1, 0, 0]
    assert matrix["E4"].sum() == 0


def test_missing_column_names_the_file():
    segments = pd.DataFrame({"segment_id": [1], "document": ["E1"]})
    segments.attrs["source"] = "entretiens.xlsx"
    with pytest.raises(InputError, match="entretiens.xlsx.*column 'code'") as error:
        code_frequencies(segments)
    assert error.value.column == "code"


# --------------------------------------------------------------------------- export

def test_export_xlsx_formats_every_sheet(tmp_path, interviews):
    frequencies = code_frequencies(interviews, by=None)
    matrix = code_group_matrix(interviews)
    path = export_xlsx({"Fréquences": frequencies, "Codes/groupes [part]": matrix,
                        "Fréquences ": frequencies}, tmp_path / "out" / "codes.xlsx")
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["Fréquences", "Codes-groupes -part-", "Fréquences (2)"]
    sheet = workbook["Fréquences"]
    assert [cell.value for cell in sheet[1]] == frequencies.columns.tolist()
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet["C2"].number_format == "0.0%"  # document_share
    assert sheet["B2"].value == 2
    assert sheet.column_dimensions["C"].width == len("document_share") + 2
    wide = workbook["Codes-groupes -part-"]
    assert wide.freeze_panes == "B2"  # header row and the codes column
    assert wide["A2"].value == "budget"
    assert [cell.value for cell in wide[1]][1:] == ["élu", "agent", "association", "habitant"]


def test_export_xlsx_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "codes.xlsx"
    path.write_bytes(b"previous workbook")

    def broken(*args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(spreadsheets, "format_sheet", broken)  # once the sheet is written
    with pytest.raises(RuntimeError):
        export_xlsx({"a": pd.DataFrame({"x": [1]})}, path)
    assert path.read_bytes() == b"previous workbook"
    assert os.listdir(tmp_path) == ["codes.xlsx"]  # no temporary file left behind


def test_export_xlsx_rejects_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="at least one table"):
        export_xlsx({}, tmp_path / "x.xlsx")
    with pytest.raises(ValueError, match=".xlsx"):
        export_xlsx({"a": pd.DataFrame({"x": [1]})}, tmp_path / "x.csv")


def test_nothing_coded_gives_empty_tables():
    segments = make_segments([(1, "E1", "élu", None, None, None),
                              (1, "E2", "habitant", None, None, None)])
    assert code_frequencies(segments, by=None).empty
    assert code_frequencies(segments).empty
    assert cooccurrence(segments).empty
    assert cooccurrence_pairs(segments).empty
    assert code_case_matrix(segments).columns.tolist() == ["E1", "E2"]
    assert who_was_heard(segments)["documents"].tolist() == [1, 1]


def test_string_columns_of_the_importers_are_read_alike(interviews):
    # the readers of coded segments (civeval.qual.segments…) return every column as pandas
    # "string", missing values as <NA>
    as_read = interviews.astype("string")
    pd.testing.assert_frame_equal(code_frequencies(as_read), code_frequencies(interviews),
                                  check_dtype=False)
    themes = code_frequencies(as_read, by=None, roll_up=lambda code: pd.NA)
    assert themes["theme"].tolist() == ["budget", "confiance", "délais"]
    assert who_was_heard(as_read)["speakers"].tolist() == [1, 1, 1, 2]


def test_a_column_left_empty_exports_too(tmp_path):
    import openpyxl

    from civeval.qual.analysis import export_xlsx

    table = pd.DataFrame({"code": ["a", "b"], "commentaire": [None, None]})
    path = export_xlsx({"Feuille": table}, tmp_path / "vide.xlsx")
    sheet = openpyxl.load_workbook(path)["Feuille"]
    assert [cell.value for cell in sheet[1]] == ["code", "commentaire"]
