"""Coding open answers: rules, proposals, the validation grid and the validated file."""

from __future__ import annotations

import textwrap

import pandas as pd
import pytest

from civeval.errors import InputError
from civeval.qual.coding import (
    grid_to_frame,
    propose_codes,
    save_coding,
    split_codes,
    validation_grid,
)
from civeval.qual.lemmas import lemmatise
from civeval.qual.rules import CodingRules, read_rules
from civeval.qual.validated import coding_summary, load_validated, read_coding

RULES = """\
codes:
  mobilité:
    description: Déplacements et voirie
    keywords: [piste cyclable, trottoir, vélo]
    exclude: [vélo d'appartement]
  sécurité:
    keywords: [dangereux, sécurité, vélo]
  écoute:
    keywords: [prise en compte]
  autre:
"""


def write(tmp_path, text: str, name: str = "regles.yml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def rules(tmp_path):
    return read_rules(write(tmp_path, RULES))


# --------------------------------------------------------------------------- rules

def test_read_rules_keeps_codes_keywords_and_exclusions(rules):
    assert list(rules) == ["mobilité", "sécurité", "écoute", "autre"]
    mobility = rules.codes["mobilité"]
    assert mobility.keywords == ("piste cyclable", "trottoir", "vélo")
    assert mobility.exclude == ("vélo d'appartement",)
    assert mobility.description == "Déplacements et voirie"
    assert rules.codes["autre"].keywords == ()  # given by hand only
    assert rules.shared_keywords == {"vélo": ["mobilité", "sécurité"]}


@pytest.mark.parametrize(("text", "row", "column", "message"), [
    ("codes:\n  mobilité:\n    keyword: [vélo]\n", 3, 5, "did you mean 'keywords'?"),
    ("codes:\n  mobilité:\n    keywords: vélo\n", 3, 5, "must be a list"),
    ("codes:\n  zone:\n    keywords: [vélo, 30]\n", 3, 22, "put numbers in quotes"),
    ("codes:\n  a:\n    keywords: [vélo, bus]\n    exclude: [tram, Vélo]\n", 4, 21,
     "both a keyword and an exclusion"),
    ("codes:\n  a:\n    keywords: ['!!!']\n", 3, 16, "must contain a word"),
    ("codes:\n  'a;b':\n    keywords: [x]\n", 2, 3, "contains ';'"),
    ("codes:\n  a: {keywords: [x]}\n  a: {keywords: [y]}\n", 3, 3, "appears twice"),
    ("codes:\n  a: [x]\n", 2, 3, "must be a mapping"),
    ("codes: {a: {keywords: [x]}}\nversion: 2\n", 2, 1, "unknown key 'version'"),
    ("codes:\n  a: {keywords: [x]\n", 3, 1, "not valid YAML"),
    ("regles: {}\n", 1, 1, "unknown key 'regles'"),
])
def test_rule_errors_name_file_line_and_column(tmp_path, text, row, column, message):
    path = write(tmp_path, text)
    with pytest.raises(InputError, match=message) as caught:
        read_rules(path)
    assert (caught.value.file, caught.value.row, caught.value.column) == (path, row, column)


def test_empty_or_missing_rules_file(tmp_path):
    with pytest.raises(InputError, match="empty"):
        read_rules(write(tmp_path, "# rien\n"))
    with pytest.raises(InputError, match="does not exist"):
        read_rules(tmp_path / "absent.yml")


def test_rules_from_a_mapping_have_no_location():
    with pytest.raises(InputError, match="unknown key 'mots'") as caught:
        CodingRules({"a": {"mots": ["x"]}})
    assert caught.value.row is None and caught.value.file is None


# --------------------------------------------------------------------------- lemmas

def test_lemmatise_gives_content_lemmas_unless_stop_words_are_asked_for():
    assert lemmatise(["Les trottoirs sont dangereux !"]) == [["trottoir", "dangereux"]]
    with_stop_words = lemmatise(["Les trottoirs sont dangereux !"], stop_words=True)[0]
    assert with_stop_words[:3] == ["le", "trottoir", "être"]
    assert lemmatise([None, ""]) == [[], []]


# --------------------------------------------------------------------------- proposals

ANSWERS = pd.DataFrame({
    "respondent": ["r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8"],
    "answer": [
        "Les trottoirs sont encombrés.",              # plural → lemma "trottoir"
        "Les rues sont dangereuses le soir.",         # feminine plural → "dangereux"
        "Il faut des pistes cyclables sécurisées.",  # two consecutive words
        "Des pistes vraiment pas cyclables",          # words apart: no expression
        "Un vélo d'appartement pour tous",            # vetoed for mobilité only
        "La securite des ecoles",                     # typed without accents
        "Nos avis ne sont pas pris en compte.",       # an expression with stop words
        None,
    ],
    "quartier": ["Nord", "Sud", "Nord", "Sud", "Nord", "Sud", "Nord", "Sud"],
}, index=[10, 11, 12, 13, 14, 15, 16, 17])


def test_propose_codes_matches_lemmas_expressions_and_exclusions(rules):
    original = ANSWERS.copy()
    coded = propose_codes(ANSWERS, rules)
    assert coded["proposed_codes"].tolist() == [
        ["mobilité"], ["sécurité"], ["mobilité"], [], ["sécurité"], ["sécurité"], ["écoute"],
        []]
    assert coded["final_codes"].tolist() == [[]] * 8
    assert not coded["validated"].any()
    assert coded.index.tolist() == ANSWERS.index.tolist()
    assert coded["quartier"].tolist() == ANSWERS["quartier"].tolist()
    pd.testing.assert_frame_equal(ANSWERS, original)


def test_proposed_codes_are_sorted_and_a_shared_keyword_gives_both(rules):
    coded = propose_codes(pd.DataFrame({"respondent": [1], "answer": ["Mon vélo !"]}), rules)
    assert coded["proposed_codes"].iloc[0] == ["mobilité", "sécurité"]


def test_propose_codes_checks_its_input(rules):
    with pytest.raises(InputError, match="no column named 'texte'"):
        propose_codes(ANSWERS, rules, text_column="texte")
    with pytest.raises(InputError, match="read_rules"):
        propose_codes(ANSWERS, {"mobilité": ["vélo"]})


# --------------------------------------------------------------------------- grid

def coded_frame():
    return pd.DataFrame({
        "respondent": [1, 2, 3],
        "answer": ["Des vélos", "Rien", "Trop de bruit"],
        "quartier": ["Nord", "Sud", "Nord"],
        "proposed_codes": [["mobilité"], [], ["sécurité"]],
        "final_codes": [[], [], []],
        "validated": [False, False, False],
    })


def test_grid_prefills_final_codes_and_reads_edits_back():
    grid = validation_grid(coded_frame())
    assert grid.editable
    assert grid.get_cell_value("final_codes", 1) == ["mobilité"]
    assert grid.get_cell_value("proposed_codes", 3) == ["sécurité"]
    assert grid.set_cell_value("final_codes", 1, "sécurité ; mobilité")
    assert grid.set_cell_value("validated", 1, True)
    assert grid.set_cell_value("final_codes", 3, "")  # validated as having no code
    assert grid.set_cell_value("validated", 3, True)
    assert grid.set_cell_value("answer", 2, "typed by mistake")
    back = grid_to_frame(grid)
    assert back["final_codes"].tolist() == [["mobilité", "sécurité"], [], []]
    assert back["validated"].tolist() == [True, False, True]
    assert back["answer"].tolist() == ["Des vélos", "Rien", "Trop de bruit"]
    assert back["quartier"].tolist() == ["Nord", "Sud", "Nord"]
    assert back["proposed_codes"].tolist() == [["mobilité"], [], ["sécurité"]]


def test_grid_keeps_earlier_final_codes_when_resuming():
    coded = coded_frame()
    coded["final_codes"] = [["écoute"], [], []]
    coded["validated"] = [False, False, True]
    grid = validation_grid(coded)
    back = grid_to_frame(grid)
    # an edited row keeps its codes; a row validated without code stays without code
    assert back["final_codes"].tolist() == [["écoute"], [], []]


def test_grid_needs_one_answer_per_respondent():
    coded = coded_frame()
    coded["respondent"] = [1, 1, 2]
    with pytest.raises(InputError, match="respondent 1 has several answers"):
        validation_grid(coded)


# --------------------------------------------------------------------------- saving

def test_save_coding_writes_the_file_the_report_reads(tmp_path):
    coded = coded_frame()
    coded["final_codes"] = [["mobilité", "sécurité"], [], ["sécurité"]]
    coded["validated"] = [True, True, False]
    path = save_coding(coded, tmp_path / "codage" / "q9.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel
    assert path.read_text(encoding="utf-8-sig").splitlines() == [
        "respondent;answer;proposed_codes;final_codes;validated;by_hand",
        '1;Des vélos;mobilité;"mobilité; sécurité";True;True',
        "2;Rien;;;True;False",
        "3;Trop de bruit;sécurité;sécurité;False;False",
    ]
    assert [p.name for p in path.parent.iterdir()] == ["q9.csv"]  # no temporary file left


def test_save_coding_checks_codes_against_a_codebook(tmp_path):
    coded = coded_frame()
    coded["final_codes"] = [["mobilte"], [], []]
    with pytest.raises(InputError, match="respondent 1.*did you mean 'mobilité'") as caught:
        save_coding(coded, tmp_path / "q9.csv", codebook=["mobilité", "sécurité"])
    assert caught.value.column == "final_codes"
    assert not (tmp_path / "q9.csv").exists()


def test_a_codebook_turns_aliases_into_its_codes(tmp_path):
    from civeval.qual.codebook import Codebook

    book = Codebook(["Mobilité/Pistes cyclables", "Sécurité"], aliases={"Vélo": "Pistes cyclables"})
    coded = coded_frame()
    coded["final_codes"] = [["Vélo"], ["sécurité"], []]
    coded["validated"] = True
    path = save_coding(coded, tmp_path / "q9.csv", codebook=book)
    assert load_validated(path, codebook=book)["code"].tolist() == ["Pistes cyclables",
                                                                    "Sécurité"]


# --------------------------------------------------------------------------- loading

HEADER = "respondent;answer;proposed_codes;final_codes;validated;by_hand\n"


def test_load_validated_returns_long_codes_and_counts(tmp_path):
    path = write(tmp_path, HEADER
                 + '1;Des vélos;mobilité;"mobilité; sécurité";True;True\n'
                 + "2;Rien;;;vrai;\n"
                 + "3;Trop de bruit;sécurité;sécurité;oui;False\n"
                 + '4;"Sur deux\nlignes";;écoute;1;False\n', "q9.csv")
    validated = load_validated(path, codebook=["mobilité", "sécurité", "écoute"])
    assert validated.to_dict("list") == {
        "respondent": [1, 1, 3, 4],
        "answer": ["Des vélos", "Des vélos", "Trop de bruit", "Sur deux\nlignes"],
        "code": ["mobilité", "sécurité", "sécurité", "écoute"]}
    assert str(validated["respondent"].dtype) == "Int64"
    # by_hand is recomputed from the codes: the file's column said False for respondent 4
    assert {key: validated.attrs[key] for key in ("answers", "validated", "coded", "by_hand")
            } == {"answers": 4, "validated": 4, "coded": 3, "by_hand": 2}


def test_an_unvalidated_answer_stops_the_report_on_its_line(tmp_path):
    path = write(tmp_path, HEADER
                 + '1;"Une réponse\nsur trois\nlignes";mobilité;mobilité;True;False\n'
                 + "2;Rien;;;True;False\n"
                 + "3;Bruit;sécurité;sécurité;False;False\n"
                 + "4;Bus;mobilité;mobilité;;False\n", "q9.csv")
    with pytest.raises(InputError) as caught:
        load_validated(path)
    assert caught.value.row == 6 and caught.value.column == "validated"
    assert caught.value.message.startswith(
        "answer on line 6 is not validated (nor are 1 more): the report never shows "
        "proposed codes")


@pytest.mark.parametrize(("body", "row", "column", "message"), [
    ("1;a;;mobilte;True;False\n", 2, "final_codes", "did you mean 'mobilité'"),
    ("1;a;;;True;False\n2;b;;;True;False\n1;c;;;True;False\n", 4, "respondent",
     "respondent '1' appears twice \\(first on line 2\\)"),
    ("1;a;;;peut-être;False\n", 2, "validated", "True or False"),
    (";a;;;True;False\n", 2, "respondent", "respondent is missing"),
    ("1;a;;;True\n", 2, None, "expected 6 fields"),
])
def test_load_validated_locates_bad_rows(tmp_path, body, row, column, message):
    path = write(tmp_path, HEADER + body, "q9.csv")
    with pytest.raises(InputError, match=message) as caught:
        load_validated(path, codebook=["mobilité"])
    assert (caught.value.file, caught.value.row, caught.value.column) == (path, row, column)


def test_load_validated_refuses_empty_files_and_missing_columns(tmp_path):
    with pytest.raises(InputError, match="the coding file is empty"):
        load_validated(write(tmp_path, "\n", "vide.csv"))
    with pytest.raises(InputError, match="header but no answers"):
        load_validated(write(tmp_path, HEADER, "entete.csv"))
    with pytest.raises(InputError, match="'validated' is missing") as caught:
        load_validated(write(tmp_path, "respondent;proposed_codes;final_codes\n1;;\n", "x.csv"))
    assert caught.value.row == 1


def test_a_file_resaved_by_excel_still_reads(tmp_path):
    path = tmp_path / "q9.csv"
    path.write_bytes((HEADER + "r1;Vélo;mobilité;mobilité;VRAI;FAUX\n").encode("cp1252"))
    validated = load_validated(path)
    assert validated.to_dict("list") == {"respondent": ["r1"], "answer": ["Vélo"],
                                         "code": ["mobilité"]}


def test_read_coding_resumes_an_unfinished_coding(tmp_path):
    coded = coded_frame()
    coded["final_codes"] = [["mobilité"], [], []]
    coded["validated"] = [True, False, False]
    back = read_coding(save_coding(coded, tmp_path / "q9.csv"))
    assert back.columns.tolist() == ["respondent", "answer", "proposed_codes", "final_codes",
                                     "validated"]
    assert back["final_codes"].tolist() == [["mobilité"], [], []]
    assert back["validated"].tolist() == [True, False, False]
    assert grid_to_frame(validation_grid(back))["final_codes"].tolist() == [
        ["mobilité"], [], ["sécurité"]]


def test_the_whole_workflow_from_answers_to_summary(tmp_path, rules):
    coded = propose_codes(ANSWERS.iloc[:3], rules)
    grid = validation_grid(coded)
    for respondent in ("r1", "r2", "r3"):
        grid.set_cell_value("validated", respondent, True)
    grid.set_cell_value("final_codes", "r2", "sécurité; écoute")
    checked = grid_to_frame(grid)
    assert checked.index.tolist() == [10, 11, 12]  # open_answers' source lines are kept
    path = save_coding(checked, tmp_path / "q9.csv", codebook=rules)
    summary = coding_summary(load_validated(path, codebook=rules))
    assert summary.to_dict("list") == {
        "code": ["mobilité", "écoute", "sécurité"], "answers": [2, 1, 1],
        "share": [2 / 3, 1 / 3, 1 / 3]}
    assert summary.attrs == {"answers": 3, "coded": 3, "by_hand": 1}


def test_coding_summary_needs_the_table_of_load_validated():
    with pytest.raises(InputError, match="load_validated"):
        coding_summary(pd.DataFrame({"respondent": [1], "code": ["a"]}))


def test_split_codes_accepts_text_and_lists():
    assert split_codes("b ; a;;a") == ["a", "b"]
    assert split_codes(["écoute", "zone"]) == ["écoute", "zone"]  # accents sort as letters
    assert split_codes(float("nan")) == []
