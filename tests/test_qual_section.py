"""The interviews and workshops section on the demo study: what the report states."""

import openpyxl
import pandas as pd
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
    # 3 élus and 4 association members are under the threshold of 5: each is counted with
    # its family, which would otherwise give it away (8 − 5 agents = 3 élus).
    assert table.to_dict("list") == {
        "group": ["Acteurs institutionnels", "Société civile"],
        "interviews": [8, 10], "speakers": [8, 10]}
    figures = study.evidence()
    assert figures["interviews"].value == 18
    assert figures["stakeholder_groups"].value == 4
    note = section.heard_note(study, coded).data
    assert "« Acteurs institutionnels » réunit : Élu·es, Agent·es." in note


def crafted(sizes: dict[str, int]) -> pd.DataFrame:
    """One interview per person, each raising « budget » and, for every other person,
    « délais »."""
    rows, number = [], 0
    for role, people in sizes.items():
        for person in range(people):
            number += 1
            for code in ("budget", "délais")[:1 + number % 2]:
                rows.append({"segment_id": f"s{number}", "document": f"{role}-{person}",
                             "speaker_role": role, "speaker": f"P{number}",
                             "text": "Un extrait.", "code": code, "coder": None})
    return pd.DataFrame(rows)


def test_groups_of_2_and_3_are_merged_or_hidden_in_every_table(study):
    # 2 élus join 6 agents; 3 « commerçants » have no family: hidden, and the smallest
    # group shown (7 residents) with them, or 18 − 8 − 7 would give them back.
    segments = crafted({"élu": 2, "agent": 6, "habitant": 7, "commerçant": 3})
    heard = section.heard(study, segments)
    assert heard["group"].tolist() == ["Acteurs institutionnels", "Habitant·es", "commerçant"]
    assert heard["interviews"].tolist() == [8, pd.NA, pd.NA]
    by_group = section.codes_by_group(study, segments)
    assert by_group.columns.tolist() == ["code", "Acteurs institutionnels"]
    note = section.heard_note(study, segments).data
    assert note.endswith("Ne sont pas détaillés : Habitant·es, commerçant.</p>\n")


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
    # A segment carrying two codes is quoted once.
    quoted = [quote for _, block in shown for quote in block.data.split("<blockquote")[1:]]
    assert len(quoted) == len(set(quoted))


def test_the_code_by_interview_matrix_is_exported_beside_the_report(study, coded):
    link = section.export(study, coded).data
    assert 'href="matrice_codes_entretiens.xlsx"' in link
    workbook = openpyxl.load_workbook(study.output_dir / "matrice_codes_entretiens.xlsx")
    assert workbook.sheetnames == ["Codes x entretiens", "Codes x groupes"]
    # Interviews are numbered anew: « E01 » would say an elected official spoke.
    documents = [cell.value for cell in workbook["Codes x entretiens"][1]][1:]
    assert documents == [f"Entretien {n:02d}" for n in range(1, 19)]
    groups = [cell.value for cell in workbook["Codes x groupes"][1]][1:]
    assert groups == ["Acteurs institutionnels", "Société civile"]


def test_the_workbook_leaves_hidden_groups_out(study):
    section.export(study, crafted({"élu": 2, "agent": 6, "habitant": 7, "commerçant": 3}))
    workbook = openpyxl.load_workbook(study.output_dir / "matrice_codes_entretiens.xlsx")
    assert len(list(workbook["Codes x entretiens"][1])) == 1 + 8  # code, 8 interviews
    assert [cell.value for cell in workbook["Codes x groupes"][1]] == [
        "code", "Acteurs institutionnels"]


def test_workshop_priorities_merge_tables_under_the_threshold(study):
    votes = study.load("atelier")
    table, sentence, note = section.workshop(study, votes)
    assert table["votes"].sum() == votes["votes"].sum()
    assert table.iloc[0]["proposal"] == study.evidence()["workshop_top_proposal"].value
    # The élus' table has 4 people: counted with the agents', as institutional actors.
    assert "Élu·es" not in table.columns and "Agent·es" not in table.columns
    assert {"Acteurs institutionnels", "Habitant·es"} <= set(table.columns)
    assert "« Acteurs institutionnels » réunit : Élu·es, Agent·es." in note.data
    assert "W de Kendall" in sentence.data


def test_a_proposal_is_not_called_divisive_because_of_a_small_table(study):
    # Residents and associations agree; 3 élus (no agents to join) disagree with both.
    rows = [("parc", "habitant", 10, 10), ("bancs", "habitant", 10, 10),
            ("parc", "association", 5, 6), ("bancs", "association", 5, 6),
            ("parc", "élu", 9, 3), ("bancs", "élu", 0, 3)]
    votes = pd.DataFrame(rows, columns=["proposal", "group", "votes", "participants"])
    table, _, note = section.workshop(study, votes)
    assert table["consensus"].tolist() == ["consensuelle", "consensuelle"]
    assert table["votes"].tolist() == [15, 15]  # the élus' dots are not counted either
    assert "Les gommettes de ces tables ne sont pas comptées : Élu·es." in note.data
    # With 2 agents beside them, the 5 institutional actors are shown, and split the room.
    agents = pd.DataFrame([("parc", "agent", 6, 2), ("bancs", "agent", 0, 2)],
                          columns=votes.columns)
    table, _, note = section.workshop(study, pd.concat([votes, agents], ignore_index=True))
    assert table["consensus"].tolist() == ["clivante", "clivante"]
    assert "Acteurs institutionnels" in table.columns
