"""The catalogue's readers detect French CSV conventions and locate bad input."""

import pickle
import sys

import pandas as pd
import pytest

from civeval.errors import CatalogError
from civeval.workbench import formats

FRENCH = ("quartier;montant;date;code_insee\n"
          "Centre;1 234,5;05/03/2024;01053\nNord;12,25;17/11/2024;35238\n")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_encodings_are_detected(tmp_path, encoding):
    path = tmp_path / "data.csv"
    path.write_bytes("quartier;habitants\nGare-Écluse;17800\nSaint-Éloi;16200\n".encode(encoding))
    frame = formats.read(path)
    assert frame.columns.tolist() == ["quartier", "habitants"]  # no BOM left in the header
    assert frame["quartier"].tolist() == ["Gare-Écluse", "Saint-Éloi"]


def test_french_conventions(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text(FRENCH, encoding="utf-8")
    frame = formats.read(path)
    assert frame["montant"].tolist() == [1234.5, 12.25]
    assert frame["date"].tolist() == [pd.Timestamp(2024, 3, 5), pd.Timestamp(2024, 11, 17)]
    # An INSEE code keeps its leading zero: it is an identifier, not a number.
    assert frame["code_insee"].tolist() == ["01053", "35238"]


def test_comma_separated_with_dot_decimals_and_iso_dates(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text('id,score,submitdate,Q1[SQ001]\n1,3.5,2025-04-10 19:36:00,"Plutôt d\'accord"\n'
                    '2,4,,Pas du tout d\'accord\n', encoding="utf-8")
    frame = formats.read(path)
    assert frame["score"].tolist() == [3.5, 4.0]
    assert frame["submitdate"].iloc[0] == pd.Timestamp("2025-04-10 19:36:00")
    assert pd.isna(frame["submitdate"].iloc[1])
    assert frame["id"].dtype == "Int64"


def test_mixed_columns_stay_text(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("a;b\n12;05/03/2024\nabc;pas de date\n", encoding="utf-8")
    frame = formats.read(path)
    assert frame["a"].tolist() == ["12", "abc"]
    assert frame["b"].tolist() == ["05/03/2024", "pas de date"]


def test_forced_options(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("Export du 01/02/2025\nid|montant\n7|3,5\n", encoding="utf-8")
    frame = formats.read(path, sep="|", skip_rows=1, text_columns=["id"])
    assert frame["id"].tolist() == ["7"]
    assert frame["montant"].tolist() == [3.5]


def error_of(path, **options) -> str:
    with pytest.raises(CatalogError) as caught:
        formats.read(path, **options)
    return str(caught.value)


def test_empty_file(tmp_path):
    path = tmp_path / "vide.csv"
    path.write_bytes(b"\xef\xbb\xbf\n")
    assert error_of(path) == f"{path}: the file is empty"


def test_header_without_rows(tmp_path):
    path = tmp_path / "entete.csv"
    path.write_text("a;b\n", encoding="utf-8")
    assert error_of(path) == f"{path}: the file has a header but no data rows"


def test_ragged_row_is_located(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("a;b\n1;2\n3;4\n5;6;7\n", encoding="utf-8")
    assert error_of(path) == f"{path}, line 4: expected 2 fields separated by ';', found 3"


def test_wrong_forced_encoding_is_located(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes("a;b\n1;2\nÉcluse;3\n".encode("cp1252"))
    message = error_of(path, encoding="utf-8")
    assert message.startswith(f"{path}, line 3: cannot be decoded as utf-8 (byte 0xc9)")


def test_duplicate_and_unnamed_columns(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("a;b;a\n1;2;3\n", encoding="utf-8")
    assert error_of(path) == (f"{path}, line 1, column 3: "
                              "the column name 'a' appears twice in the header")
    path.write_text("a;;c\n1;2;3\n", encoding="utf-8")
    assert error_of(path) == f"{path}, line 1, column 2: a column has no name in the header line"


def test_unknown_format_and_option(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="unknown format 'sav'; known formats: .*csv.*xlsx"):
        formats.read(path, "sav")
    with pytest.raises(CatalogError, match="unknown option.*separator.*allowed: decimal, encoding"):
        formats.read(path, separator=";")
    with pytest.raises(CatalogError, match="file not found"):
        formats.read(tmp_path / "absent.csv")


def test_excel(tmp_path):
    path = tmp_path / "grille.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"critère": ["pertinence"], "note": [3]}).to_excel(
            writer, sheet_name="Notes", index=False)
    frame = formats.read(path, sheet="Notes")
    assert frame.to_dict("records") == [{"critère": "pertinence", "note": 3}]
    with pytest.raises(CatalogError, match="no sheet named 'Grille'; sheets: Notes"):
        formats.read(path, sheet="Grille")
    broken = tmp_path / "faux.xlsx"
    broken.write_text("pas un classeur")
    with pytest.raises(CatalogError, match="cannot be opened as an Excel workbook"):
        formats.read(broken)


COUNTING_READER = """
import sys

import pandas as pd

CALLS = []

def read(path, codebook=None):
    CALLS.append(str(path))
    frame = pd.read_csv(path, sep=";")
    frame.attrs["codebook"] = open(codebook, encoding="utf-8").read() if codebook else None
    return frame
"""


def test_a_file_is_parsed_once_per_content_and_each_read_gets_its_own_copy(
        tmp_path, monkeypatch):
    (tmp_path / "counting_reader.py").write_text(COUNTING_READER, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(formats.FORMATS, "counting", formats.Format(
        "counting", "counting_reader:read", path_options=frozenset({"codebook"})))
    import counting_reader

    data, codebook = tmp_path / "votes.csv", tmp_path / "codebook.txt"
    data.write_text("quartier;votes\nCentre;12\n", encoding="utf-8")
    codebook.write_text("v1", encoding="utf-8")

    first = formats.read(data, "counting", codebook=codebook)
    first.loc[0, "votes"] = 999  # a section changing what it read changes no later read
    second = formats.read(data, "counting", codebook=codebook)
    assert second["votes"].tolist() == [12] and second.attrs["codebook"] == "v1"
    assert len(counting_reader.CALLS) == 1

    codebook.write_text("v2", encoding="utf-8")  # a file an option names is read again too
    assert formats.read(data, "counting", codebook=codebook).attrs["codebook"] == "v2"
    data.write_text("quartier;votes\nCentre;13\n", encoding="utf-8")
    assert formats.read(data, "counting", codebook=codebook)["votes"].tolist() == [13]
    assert len(counting_reader.CALLS) == 3
    monkeypatch.delitem(sys.modules, "counting_reader")


def test_what_one_process_parsed_another_keeps_as_its_own(tmp_path, monkeypatch):
    # As a warm server keeps what a run it served parsed: pickled, then kept.
    (tmp_path / "handed_reader.py").write_text(COUNTING_READER, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(formats.FORMATS, "counting", formats.Format("counting",
                                                                    "handed_reader:read"))
    monkeypatch.setattr(formats, "_PARSED", formats.OrderedDict())
    monkeypatch.setattr(formats, "PARSED_KEPT", 2)
    import handed_reader

    paths = [tmp_path / f"votes{number}.csv" for number in range(3)]
    for number, path in enumerate(paths):
        path.write_text(f"quartier;votes\nCentre;{number}\n", encoding="utf-8")
    formats.read(paths[0], "counting")
    handed = pickle.loads(pickle.dumps(formats.kept()))
    monkeypatch.setattr(formats, "_PARSED", formats.OrderedDict())  # the other process
    formats.read(paths[1], "counting")
    formats.keep(handed)
    assert formats.read(paths[0], "counting")["votes"].tolist() == [0]
    assert len(handed_reader.CALLS) == 2  # kept: not parsed again
    formats.read(paths[2], "counting")  # one too many: the least recently read goes
    formats.read(paths[1], "counting")
    assert len(formats.kept()) == 2 and len(handed_reader.CALLS) == 4
    monkeypatch.delitem(sys.modules, "handed_reader")
