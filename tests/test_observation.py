"""The observation grid of meetings: reading it (with its faults located) and the quality of
exchanges it measures, on crafted sessions whose answers are known."""

from __future__ import annotations

import pandas as pd
import pytest

from civeval.errors import InstrumentError
from civeval.qual.observation import (
    facilitation_events,
    gini,
    read_observation_grid,
    speaking_concentration,
    speaking_representation,
    top_share,
)


def _grid(path, sessions=None, attendees=None, turns=None, events=None):
    sheets = {
        "seances": sessions if sessions is not None else pd.DataFrame(
            {"seance": ["S1", "S2"], "date": ["12/03/2025", "19/03/2025"],
             "debut": ["18:00", "18:30"], "fin": ["20:00", "20:00"]}),
        "presents": attendees if attendees is not None else pd.DataFrame(
            {"seance": ["S1", "S1", "S1", "S2", "S2"],
             "role": ["Habitant", "Habitante", "élu", "habitant", "habitant"],
             "genre": ["H", "F", "H", "H", "F"], "age": ["60-74", "30-44", "45-59", "60-74",
                                                         "30-44"],
             "nombre": [10, 12, 2, 8, 9]}),
        "interventions": turns if turns is not None else pd.DataFrame(
            # S1: men 10 of 24 present speak 2 × 5 min, women 12 present 1 × 2 min, the
            # facilitator 10 min (not counted); S2: one man 6 min, one woman 3 min.
            {"seance": ["S1"] * 4 + ["S2"] * 2,
             "locuteur": ["P01", "P02", "P03", "A1", "P04", "P05"],
             "role": ["habitant", "habitant", "habitant", "animation", "habitant",
                      "habitant"],
             "genre": ["H", "H", "F", "F", "H", "F"],
             "age": ["60-74", "60-74", "30-44", "30-44", "60-74", "30-44"],
             "debut": ["18:05:00", "18:10:00", "18:20:00", "18:30:00", "18:35:00",
                       "18:45:00"],
             "fin": ["18:10:00", "18:15:00", "18:22:00", "18:40:00", "18:41:00",
                     "18:48:00"]}),
        "evenements": events if events is not None else pd.DataFrame(
            {"seance": ["S1", "S1", "S1", "S2"],
             "heure": ["18:12", "18:40", "19:50", "19:00"],
             "evenement": ["interruption", "interruption", "decision", "sans_reponse"],
             "role": ["élu", "élu", "élu", ""], "commentaire": ["", "", "", ""]}),
    }
    with pd.ExcelWriter(path) as book:
        for name, sheet in sheets.items():
            sheet.to_excel(book, sheet_name=name, index=False)
    return path


def test_reading_the_grid(tmp_path):
    grid = read_observation_grid(_grid(tmp_path / "grille.xlsx"))
    assert grid.sessions["hours"].tolist() == [2.0, 1.5]
    assert grid.turns["seconds"].tolist() == [300.0, 300.0, 120.0, 600.0, 360.0, 180.0]
    assert set(grid.attendees["role"]) == {"habitant", "élu"}
    assert grid.turns["role"].tolist()[3] == "animation"


def test_representation_ratio_against_those_present(tmp_path):
    grid = read_observation_grid(_grid(tmp_path / "grille.xlsx"))
    table = speaking_representation(grid, by="genre").set_index("genre")
    # Present: men 10 + 2 + 8 = 20, women 12 + 9 = 21 (41). Speaking (facilitator out):
    # men 300 + 300 + 360 = 960 s, women 120 + 180 = 300 s (1260).
    assert table.loc["homme", "attendees"] == 20 and table.loc["femme", "attendees"] == 21
    assert table.loc["homme", "time_share"] == pytest.approx(960 / 1260)
    assert table.loc["femme", "time_ratio"] == pytest.approx((300 / 1260) / (21 / 41))
    assert table.loc["homme", "turn_ratio"] == pytest.approx((3 / 5) / (20 / 41))
    assert table.loc["homme", "speakers"] == 3 and not table["suppressed"].any()


def test_small_groups_are_suppressed(tmp_path):
    grid = read_observation_grid(_grid(tmp_path / "grille.xlsx"))
    table = speaking_representation(grid, by="role").set_index("role")
    # 2 elected officials present: hidden, and nothing else gives them away (one group left).
    assert table["suppressed"].all()
    assert table["time_share"].isna().all()


def test_concentration_counts_the_silent(tmp_path):
    grid = read_observation_grid(_grid(tmp_path / "grille.xlsx"))
    table = speaking_concentration(grid).set_index("seance")
    # S1: 24 present, three speak 300, 300, 120 s; the top 10 % (3 people) hold everything.
    assert table.loc["S1", "attendees"] == 24 and table.loc["S1", "speakers"] == 3
    assert table.loc["S1", "top10_share"] == pytest.approx(1.0)
    assert table.loc["S1", "gini"] == pytest.approx(gini([300, 300, 120] + [0] * 21))
    # S2: 17 present, the top 10 % is 2 people (rounded up): the two who spoke.
    assert table.loc["S2", "top10_share"] == pytest.approx(1.0)
    assert table.loc["S2", "gini"] == pytest.approx(gini([360, 180] + [0] * 15))


def test_gini_and_top_share_on_known_values():
    assert gini([2, 2, 2]) == 0.0
    assert gini([0, 0, 0, 0, 10]) == pytest.approx(0.8)
    assert top_share(list(range(1, 21)), 0.1) == pytest.approx((20 + 19) / 210)


def test_facilitation_events_per_hour(tmp_path):
    table = facilitation_events(read_observation_grid(_grid(tmp_path / "grille.xlsx")))
    rates = dict(zip(table["evenement"], table["per_hour"], strict=True))
    assert rates == {"interruption": pytest.approx(2 / 3.5), "decision": pytest.approx(1 / 3.5),
                     "sans_reponse": pytest.approx(1 / 3.5)}


@pytest.mark.parametrize("sheet, change, message, row, column", [
    ("interventions", lambda t: t.assign(fin=t["fin"].where(t.index != 2, "18:19:00")),
     "ends before it starts", 4, "fin"),
    ("interventions", lambda t: t.assign(debut=t["debut"].where(t.index != 1, "6 h du soir")),
     "is not a time", 3, "debut"),
    ("presents", lambda t: t.assign(seance=t["seance"].where(t.index != 4, "S9")),
     "session 'S9' is not in the sheet seances", 6, "seance"),
    ("presents", lambda t: t.assign(nombre=t["nombre"].astype(str).where(t.index != 0, "dix")),
     "is not a number of people", 2, "nombre"),
    ("interventions", lambda t: t.assign(role=t["role"].where(t.index != 0, "journaliste")),
     "unknown role 'journaliste'", 2, "role"),
])
def test_faults_name_the_sheet_row_and_column(tmp_path, sheet, change, message, row, column):
    path = _grid(tmp_path / "base.xlsx")
    sheets = pd.read_excel(path, sheet_name=None, dtype=str)
    sheets[sheet] = change(sheets[sheet])
    broken = _grid(tmp_path / "grille.xlsx", sessions=sheets["seances"],
                   attendees=sheets["presents"], turns=sheets["interventions"],
                   events=sheets["evenements"])
    with pytest.raises(InstrumentError) as raised:
        read_observation_grid(broken)
    assert message in str(raised.value) and f"sheet {sheet}" in str(raised.value)
    assert raised.value.row == row and raised.value.column == column


def test_the_generated_grid_reads_back_once_filled(project, tmp_path):
    """``civeval instrument`` writes the grid the reader takes: headers and sheets agree."""
    from civeval.instruments.write import write_instruments
    from civeval.workbench.study import load_study
    from conftest import write_study

    write_study(project, "grille")
    written = write_instruments(load_study("grille"), pdf=False)
    blank = pd.read_excel(written.folder / "grille_observation.xlsx", sheet_name=None)
    filled = tmp_path / "remplie.xlsx"
    base = pd.read_excel(_grid(tmp_path / "base.xlsx"), sheet_name=None)
    with pd.ExcelWriter(filled) as book:
        for name, sheet in blank.items():
            rows = base.get(name, pd.DataFrame())
            pd.concat([sheet, rows[[c for c in sheet.columns if c in rows]]]).to_excel(
                book, sheet_name=name, index=False)
    grid = read_observation_grid(filled)
    assert len(grid.turns) == 6 and set(blank) >= {"seances", "presents", "interventions",
                                                   "evenements", "codes"}


# --- in the report ----------------------------------------------------------------------------

@pytest.fixture
def study(project, monkeypatch, tmp_path):
    from civeval.workbench.study import load_study
    from conftest import write_study

    monkeypatch.setenv("CIVEVAL_REPORTS", str(tmp_path / "reports"))
    observed = _grid(tmp_path / "grille.xlsx")
    write_study(project, "observee", MINIMAL_WITH_GRID, {"data/grille.xlsx":
                                                         observed.read_bytes()})
    study = load_study("observee")
    study.output_dir.mkdir(parents=True)
    return study


MINIMAL_WITH_GRID = """\
title: "Évaluation test"
demo: true
client: {name: "Testville", kind: commune, insee_code: "35238", population: 12000}
schemes:
  - name: "Conseil de quartier"
    type: conseil de quartier
data:
  grille: {file: data/grille.xlsx, format: observation}
components:
  - template: 20_entretiens
    parameters: {observation: grille}
"""


def test_the_catalogue_reads_the_grid_as_an_observation(study):
    from civeval.qual.observation import as_grid
    from civeval.workbench.runner import plan_study

    turns = study.load("grille")
    assert study.dataset_kind("grille") == "observation"
    assert len(turns) == 6 and as_grid(turns).sessions["hours"].sum() == 3.5
    plan_study("observee")  # the template takes it: validation passes


def test_the_section_shows_speech_against_presence_and_records_it(study):
    from civeval.sections.entretiens import observed_exchanges

    page = "\n".join(block.data for block in observed_exchanges(study, study.load("grille")))
    assert ("2 séances observées (3,5 heures de réunion), 41 personnes présentes en tout, "
            "animation non comptée, et 5 prises de parole de participants") in page
    # Women: 21 of 41 present, 300 of 1,260 s of speech: a ratio of 0.46.
    assert "Femmes" in page and "0,46" in page
    assert "Interruption (une personne coupe la parole)" in page
    figures = study.evidence()
    assert figures["observed_sessions"].value == 2 and figures["observed_hours"].value == 3.5
    assert figures["women_speaking_time_ratio"].value == 0.46
    assert figures["speaking_top10_share"].value == 1.0
    assert figures["speaking_gini"].value == pytest.approx(
        round((gini([300, 300, 120] + [0] * 21) + gini([360, 180] + [0] * 15)) / 2, 2))
    assert figures["interruptions_per_hour"].value == 0.57
    assert figures["unanswered_per_hour"].value == 0.29


def test_the_section_hides_small_groups(study):
    from civeval.sections.entretiens import observed_exchanges

    blocks = [block.data for block in observed_exchanges(study, study.load("grille"))]
    by_role = next(block for block in blocks if "selon le groupe" in block)
    # 2 elected officials present: their row is empty, and so is the residents' (39 − 2).
    assert "Élu·es" in by_role and "Habitant·es" in by_role
    assert ">2<" not in by_role and ">39<" not in by_role and "–" in by_role
    assert "moins de 5 personnes présentes ne sont pas détaillés" in "\n".join(blocks)


def test_members_of_the_scheme_are_a_known_group(tmp_path):
    path = _grid(tmp_path / "grille.xlsx", attendees=pd.DataFrame(
        {"seance": ["S1", "S2"], "role": ["Membre du dispositif", "membres"],
         "genre": ["F", "H"], "age": ["30-44", "60-74"], "nombre": [12, 9]}))
    grid = read_observation_grid(path)
    assert set(grid.attendees["role"]) == {"membre"}
