"""The interviews and workshops section on the demo study: what the report states."""

import openpyxl
import pytest

from civeval import load_study
from civeval.sections import entretiens as section


@pytest.fixture
def study(tmp_path, monkeypatch):
    monkeypatch.setenv("CIVEVAL_REPORTS", str(tmp_path / "reports"))
    study = load_study("demo-saint-aubin")
    study.output_dir.mkdir(parents=True)
    return study


@pytest.fixture
def coded(study):
    return study.load("entretiens")


def test_who_was_heard_counts_interviews_by_group_without_names(study, coded):
    table = section.heard(study, coded)
    assert table.to_dict("list") == {
        "group": ["Élu·es", "Agent·es", "Associations", "Habitant·es"],
        "interviews": [3, 5, 4, 6], "speakers": [3, 5, 4, 6]}
    figures = study.evidence()
    assert figures["interviews"].value == 18
    assert figures["stakeholder_groups"].value == 4


def test_themes_weigh_by_interviews_that_mention_them(study, coded):
    codebook = section.codebook_of(study.load("grille_entretiens"))
    table = section.themes(study, coded, codebook)
    assert set(table["theme"]) == {"Information et communication", "Inclusion des publics",
                                   "Transparence et suivi", "Organisation et moyens",
                                   "Effets du dispositif"}
    # Recount by hand: interviews with at least one code under the top theme.
    top = table.iloc[0]
    children = set(codebook.children(top["theme"]))
    expected = coded.loc[coded["code"].isin(children), "document"].nunique()
    assert top["interviews"] == expected and top["share"] == pytest.approx(expected / 18)
    assert table["interviews"].is_monotonic_decreasing
    assert study.evidence()["top_theme"].value == top["theme"]


def test_old_code_names_are_merged_through_the_codebook(coded):
    assert not {"Communication", "Suivi des projets"} & set(coded["code"])


def test_coders_agree_and_the_verdict_follows_krippendorff_thresholds(study, coded):
    table, sentence = section.coder_agreement(study, coded)
    overall = table.iloc[-1]
    assert overall["code"] == "Ensemble des codes"
    alpha = study.evidence()["coding_alpha"].value
    assert alpha == pytest.approx(overall["alpha"], abs=1e-3)
    expected = ("l'accord est élevé" if alpha >= 0.8 else
                "l'accord est moyen" if alpha >= 0.667 else "l'accord est faible")
    assert expected in sentence.data


def test_a_single_coder_gives_no_agreement_section(study, coded):
    assert section.coder_agreement(study, coded[coded["coder"] == "A"]) == (None, None)


def test_quotes_hide_names_and_small_groups(study, coded):
    # Every code, every interview: the demo's identifying segments are among the quotes.
    shown = section.quotations(study, coded, count=10, per_group=10)
    html = "".join(block.data for _, block in shown)
    assert "[téléphone]" in html and "[courriel]" in html
    for secret in ("Lefèvre", "Girard", "Karim", "06 12 34 56 78", "@saint-aubin",
                   "4 rue des Tilleuls"):
        assert secret not in html
    # Associations (4 people) are under the threshold of 5: quoted as civil society.
    assert "— Associations" not in html and "Société civile" in html


def test_the_code_by_interview_matrix_is_exported_beside_the_report(study, coded):
    link = section.export(study, coded).data
    assert 'href="matrice_codes_entretiens.xlsx"' in link
    workbook = openpyxl.load_workbook(study.output_dir / "matrice_codes_entretiens.xlsx")
    assert workbook.sheetnames == ["Codes x entretiens", "Codes x groupes"]
    sheet = workbook["Codes x entretiens"]
    documents = [cell.value for cell in sheet[1]][1:]
    assert sorted(documents) == sorted(coded["document"].unique())


def test_workshop_priorities_hide_tables_under_the_threshold(study):
    votes = study.load("atelier")
    table, sentence = section.workshop(study, votes)
    assert table["votes"].sum() == votes["votes"].sum()
    assert table.iloc[0]["proposal"] == study.evidence()["workshop_top_proposal"].value
    # The élus' table has 4 people: counted in the total, not shown apart.
    assert "Élu·es" not in table.columns and "Habitant·es" in table.columns
    assert "(Élu·es)" in sentence.data
    assert "W de Kendall" in sentence.data
