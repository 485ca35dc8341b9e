"""Transparency: reading project-tracking tables, implementation rates, delay to delivery
(Kaplan–Meier) and answers to proposals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from civeval import load_study
from civeval.benchmark import load_reference
from civeval.errors import CatalogError, InputError
from civeval.transparency.answers import answer_rates
from civeval.transparency.budgets import budget_shares, budget_totals, funded_by_district
from civeval.transparency.delivery import delay_summary, delivery_delay
from civeval.transparency.implementation import (
    edition_maturity,
    implementation_rates,
    implementation_splits,
    mature_rates,
)
from civeval.transparency.tracking import DEFAULT_MAPPING, STATUSES, read_project_tracking
from civeval.workbench import formats
from conftest import write_study

REAL_DATA = Path(__file__).resolve().parents[2] / "shared" / "real-data"
PARIS = REAL_DATA / "paris_bp_projets_gagnants.csv"

# The Paris header, in the published order and spelling ("prévisonnelle").
PARIS_HEADER = [
    "Identifiant du projet lauréat", "Lien URL vers le projet soumis au vote",
    "Lien URL vers le projet lauréat", "Edition", "Titre du projet lauréat", "Thématique",
    "Direction pilote du projet lauréat", "Budget global du projet lauréat",
    "Echelle du Budget participatif", "Adresse du projet lauréat",
    "Arrondissement du projet lauréat", "Projet en Quartier populaire", "Avancement du projet",
    "Date de début des études du projet", "Date de lancement des procédures du projet",
    "Date de lancement des travaux du projet", "Date prévisonnelle de livraison du projet",
    "Date d'ouverture du projet au public", "Dernière mise à jour des données du projet",
]


DISTRICT_SCALE = "Budget participatif d’arrondissement"
CITY_SCALE = "Budget participatif parisien"


def paris_row(project_id, edition, status, *, title="Projet", budget="100000",
              district="75011", popular="Non", studies="", procedures="", works="",
              delivery="", opening="", update="", scale=DISTRICT_SCALE, theme="Cadre de vie"):
    return [str(project_id), "", "", str(edition), title, theme, "DVD", budget, scale,
            "rue X", district, popular, status, studies, procedures, works, delivery, opening,
            update]


def write_paris(folder: Path, rows, name: str = "projets.csv") -> Path:
    """A file laid out like Paris's: ``;``, UTF-8 with BOM, ``YYYY-MM`` dates."""
    lines = [";".join(PARIS_HEADER)] + [";".join(row) for row in rows]
    path = folder / name
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8-sig"))
    return path


SAMPLE = [
    paris_row(2204, 2014, "FIN", budget="1500000", district="75004", studies="2017-07",
              procedures="2018-04", works="2018-01", delivery="2018-06", opening="2020-02",
              scale=CITY_SCALE),
    paris_row(3720, 2017, "FIN", popular="Oui", district="75018", studies="2017-11",
              procedures="2018-04", works="2018-04", delivery="2018-07", opening="2020-03"),
    paris_row(8767, 2019, "LIVRAISON", studies="2020-01", works="2021-05",
              delivery="2024-12"),
    paris_row(9001, 2019, "TRAVAUX", studies="2020-03", works="2022-09"),
    paris_row(9002, 2021, "ETUDES", studies="2022-02"),
    paris_row(9003, 2021, "PROCEDURES", studies="2022-01", procedures="2022-06"),
    paris_row(9004, 2023, "(non démarré)", popular="Oui"),
    paris_row(9005, 2016, "ABANDONNÉ"),
]


@pytest.fixture
def sample(tmp_path) -> Path:
    return write_paris(tmp_path, SAMPLE)


# --- reading ------------------------------------------------------------------------------

def test_reads_a_paris_layout_into_normalised_columns(sample):
    projects = read_project_tracking(sample, as_of="2024-10-31")
    assert list(projects.columns) == [
        "project_id", "edition", "title", "theme", "budget", "scale", "district",
        "priority_area", "status", "vote_date", "studies_date", "procedures_date", "works_date",
        "delivery_date", "opening_date", "last_update"]
    assert projects["project_id"].tolist() == ["2204", "3720", "8767", "9001", "9002",
                                               "9003", "9004", "9005"]
    assert projects["status"].tolist() == ["finished", "finished", "delivery", "works",
                                           "studies", "procedures", "not_started", "abandoned"]
    assert projects["edition"].dtype == "Int64"
    assert projects["budget"].iloc[0] == 1_500_000
    assert projects["district"].iloc[0] == "75004"  # a code, kept as text
    assert projects["scale"].tolist() == ["city"] + ["district"] * 7
    assert projects["priority_area"].tolist() == [False, True, False, False, False, False,
                                                  True, False]
    first = projects.iloc[0]
    # YYYY-MM becomes the first day of the month; the vote is September of the edition.
    assert first["opening_date"] == pd.Timestamp("2020-02-01")
    assert first["vote_date"] == pd.Timestamp("2014-09-01")
    assert projects["vote_date"].iloc[-1] == pd.Timestamp("2016-09-01")
    assert projects.attrs["as_of"] == pd.Timestamp("2024-10-31")


@pytest.mark.parametrize("raw, status", [
    ("FIN", "finished"), ("fin", "finished"), ("LIVRAISON", "delivery"),
    ("Travaux", "works"), ("ETUDES", "studies"), ("Études", "studies"),
    ("PROCEDURES", "procedures"), ("Procédures", "procedures"),
    ("(non démarré)", "not_started"), ("NON DÉMARRÉ", "not_started"),
    ("Non demarre", "not_started"), ("ABANDONNÉ", "abandoned"), ("abandonne", "abandoned"),
    ("abandoned", "abandoned"), ("not started", "not_started"),
])
def test_status_labels_ignore_case_accents_and_parentheses(tmp_path, raw, status):
    path = write_paris(tmp_path, [paris_row(1, 2020, raw)])
    assert read_project_tracking(path, as_of="2024-10-31")["status"].tolist() == [status]


def test_unknown_status_names_file_line_and_column(tmp_path):
    path = write_paris(tmp_path, [paris_row(1, 2020, "FIN", opening="2021-05"),
                                  paris_row(2, 2020, "EN PAUSE")])
    with pytest.raises(CatalogError) as caught:
        read_project_tracking(path, as_of="2024-10-31")
    assert str(caught.value) == (
        f"{path}, line 3, column 'Avancement du projet': unknown status 'EN PAUSE'; "
        "known statuses: FIN, LIVRAISON, TRAVAUX, PROCEDURES, ETUDES, (non démarré), "
        "ABANDONNÉ (or their English names, or the catalogue option statuses)")
    assert (caught.value.row, caught.value.column) == (3, "Avancement du projet")


def test_line_numbers_count_line_breaks_inside_quoted_titles(tmp_path):
    rows = [paris_row(1, 2020, "FIN", title='"Un titre\nsur deux lignes"', opening="2021-05"),
            paris_row(2, 2020, "EN PAUSE")]
    path = write_paris(tmp_path, rows)
    with pytest.raises(CatalogError) as caught:
        read_project_tracking(path, as_of="2024-10-31")
    assert caught.value.row == 4  # header 1, first record 2-3, the faulty one 4


def test_a_finished_project_cannot_open_after_the_extraction_date(tmp_path):
    path = write_paris(tmp_path, [paris_row(1, 2019, "TRAVAUX", works="2025-03"),
                                  paris_row(2, 2019, "FIN", delivery="2024-06",
                                            opening="2025-01")])
    with pytest.raises(CatalogError) as caught:
        read_project_tracking(path, as_of="2024-10-31")
    assert str(caught.value) == (
        f"{path}, line 3, column \"Date d'ouverture du projet au public\": the project is "
        "finished but this date (2025-01) is after the extraction date 2024-10-31 "
        "(option as_of)")
    # Planned dates of projects still under way may be in the future.
    assert len(read_project_tracking(path, as_of="2025-01-31")) == 2


def test_as_of_defaults_to_the_latest_update_in_the_file(tmp_path):
    path = write_paris(tmp_path, [paris_row(1, 2019, "FIN", opening="2021-05",
                                            update="2024-09"),
                                  paris_row(2, 2019, "TRAVAUX", update="10/10/2024")])
    assert read_project_tracking(path).attrs["as_of"] == pd.Timestamp("2024-10-10")


def test_a_mapped_column_missing_from_the_header_is_named(sample):
    mapping = {**DEFAULT_MAPPING,
               "delivery_date": "Date prévisionnelle de livraison du projet"}  # fixed typo
    with pytest.raises(CatalogError) as caught:
        read_project_tracking(sample, mapping)
    assert str(caught.value) == (
        f"{sample}, line 1: the column 'Date prévisionnelle de livraison du projet' "
        "(mapping: delivery_date) is not in the header; did you mean "
        "'Date prévisonnelle de livraison du projet'?")


def test_mapping_keys_are_checked(sample):
    with pytest.raises(CatalogError, match=r"option mapping: no column given for status$"):
        read_project_tracking(sample, {"project_id": "Identifiant du projet lauréat",
                                       "edition": "Edition"})
    with pytest.raises(CatalogError, match="option mapping: unknown key\\(s\\) statut;"):
        read_project_tracking(sample, {**DEFAULT_MAPPING, "statut": "Avancement du projet"})


def test_a_value_that_is_not_a_date_is_located(tmp_path):
    path = write_paris(tmp_path, [paris_row(1, 2019, "TRAVAUX", works="2019-13")])
    with pytest.raises(CatalogError) as caught:
        read_project_tracking(path, as_of="2024-10-31")
    assert str(caught.value) == (
        f"{path}, line 2, column 'Date de lancement des travaux du projet': '2019-13' is not "
        "a date (expected YYYY-MM, dd/mm/yyyy or YYYY-MM-DD)")


def test_another_collectivites_headers_statuses_and_french_dates(tmp_path):
    path = tmp_path / "suivi.csv"
    path.write_bytes("N°;Année;Montant;Statut;Livré le;QPV\n"
                     "A-01;2022;12 500,50 €;Réalisé;15/06/2023;oui\n"
                     "A-02;2022;8 000 €;En cours;;non\n".encode("cp1252"))
    mapping = {"project_id": "N°", "edition": "Année", "budget": "Montant",
               "status": "Statut", "delivery_date": "Livré le", "priority_area": "QPV"}
    projects = read_project_tracking(path, mapping, statuses={"Réalisé": "finished",
                                                              "En cours": "works"},
                                     as_of="2024-01-31", vote_month=10)
    assert projects["status"].tolist() == ["finished", "works"]
    assert projects["budget"].tolist() == [12_500.5, 8_000.0]
    assert projects["delivery_date"].iloc[0] == pd.Timestamp("2023-06-15")
    assert projects["vote_date"].iloc[0] == pd.Timestamp("2022-10-01")
    assert projects["district"].isna().all()  # not mapped: present, missing
    assert projects["scale"].isna().all()
    assert "opening_date" not in projects
    with pytest.raises(CatalogError, match="option statuses: 'done'"):
        read_project_tracking(path, mapping, statuses={"Réalisé": "done"})


def test_an_edition_without_a_year_needs_a_vote_date_column(tmp_path):
    path = tmp_path / "suivi.csv"
    path.write_text("id;edition;statut\n1;Saison 3;FIN\n", encoding="utf-8")
    mapping = {"project_id": "id", "edition": "edition", "status": "statut"}
    with pytest.raises(CatalogError) as caught:
        read_project_tracking(path, mapping, as_of="2024-01-31")
    assert str(caught.value) == (f"{path}, line 2, column 'edition': cannot tell the vote "
                                 "year from the edition 'Saison 3'; map a vote_date column")


@pytest.mark.parametrize("raw, scale", [
    (CITY_SCALE, "city"), (DISTRICT_SCALE, "district"),
    ("Budget participatif d'arrondissement", "district"),  # a straight apostrophe
    ("BUDGET PARTICIPATIF PARISIEN", "city"), ("Quartier", "district"), ("ville", "city"),
    ("", None),
])
def test_scale_labels_become_city_or_district(tmp_path, raw, scale):
    path = write_paris(tmp_path, [paris_row(1, 2020, "ETUDES", scale=raw)])
    value = read_project_tracking(path, as_of="2024-10-31")["scale"].iloc[0]
    assert (None if pd.isna(value) else value) == scale


def test_an_unknown_scale_is_located_and_the_option_scales_maps_it(tmp_path):
    path = write_paris(tmp_path, [paris_row(1, 2020, "ETUDES"),
                                  paris_row(2, 2020, "ETUDES", scale="Projet de secteur")])
    with pytest.raises(CatalogError) as caught:
        read_project_tracking(path, as_of="2024-10-31")
    assert str(caught.value).startswith(
        f"{path}, line 3, column 'Echelle du Budget participatif': unknown scale "
        "'Projet de secteur'; known scales: Budget participatif parisien,")
    projects = read_project_tracking(path, as_of="2024-10-31",
                                     scales={"Projet de secteur": "district"})
    assert projects["scale"].tolist() == ["district", "district"]
    with pytest.raises(CatalogError, match="option scales: 'secteur' \\(for 'Projet de "
                                           "secteur'\\) is not one of city, district"):
        read_project_tracking(path, scales={"Projet de secteur": "secteur"})


def test_a_study_maps_its_own_scale_column(tmp_path):
    path = tmp_path / "suivi.csv"
    path.write_text("N°;Année;Statut;Enveloppe\nA;2022;Réalisé;Ville\nB;2022;Réalisé;Quartier\n",
                    encoding="utf-8")
    mapping = {"project_id": "N°", "edition": "Année", "status": "Statut",
               "scale": "Enveloppe"}
    projects = read_project_tracking(path, mapping, statuses={"Réalisé": "finished"},
                                     as_of="2024-01-31")
    assert projects["scale"].tolist() == ["city", "district"]


def test_repeated_project_ids_are_refused(tmp_path):
    path = write_paris(tmp_path, [paris_row(7, 2019, "FIN", opening="2021-01"),
                                  paris_row(7, 2020, "ETUDES")])
    with pytest.raises(CatalogError, match="line 3, column 'Identifiant du projet lauréat': "
                                           "the project id '7' appears twice"):
        read_project_tracking(path, as_of="2024-10-31")


def test_project_tracking_is_a_catalogue_format(tmp_path, sample, project):
    frame = formats.read(sample, "project_tracking", as_of="2024-10-31")
    assert len(frame) == len(SAMPLE)
    with pytest.raises(CatalogError, match="unknown option\\(s\\) mappings"):
        formats.read(sample, "project_tracking", mappings={})
    # As a study declares it: the mapping written in study.yml.
    folder = write_study(project, "suivi", yaml_text="""\
        title: "Suivi"
        client: {name: "Testville", kind: commune, insee_code: "35238", population: 12000}
        schemes:
          - name: "Budget participatif"
            type: budget participatif
        data:
          projets:
            file: data/projets.csv
            format: project_tracking
            options:
              as_of: 2024-10-31
              mapping:
                project_id: "Identifiant du projet lauréat"
                edition: Edition
                status: "Avancement du projet"
                opening_date: "Date d'ouverture du projet au public"
        """)
    (folder / "data").mkdir()
    write_paris(folder / "data", SAMPLE)
    projects = load_study("suivi").load("projets")
    assert projects["status"].iloc[0] == "finished"
    assert projects["budget"].isna().all()


# --- implementation and abandonment -------------------------------------------------------

def test_implementation_and_abandonment_rates_by_hand(sample):
    projects = read_project_tracking(sample, as_of="2024-10-31")
    overall = implementation_rates(projects, by=None).iloc[0]
    # 8 winners: 2 finished, 1 abandoned; "delivery" (LIVRAISON) is not delivered yet.
    assert overall[["winners", "delivered", "in_progress", "abandoned"]].tolist() == [8, 2, 5, 1]
    assert overall["implementation_rate"] == 2 / 8
    assert overall["abandonment_rate"] == 1 / 8
    by_edition = implementation_rates(projects).set_index("edition")
    assert by_edition.loc[2019, "winners"] == 2
    assert by_edition.loc[2019, "implementation_rate"] == 0
    assert by_edition.loc[2014, "implementation_rate"] == 1
    two_ways = implementation_rates(projects, by=["edition", "priority_area"])
    assert two_ways["winners"].sum() == 8
    assert list(two_ways.columns[:2]) == ["edition", "priority_area"]


def test_implementation_splits_by_hand(sample):
    projects = read_project_tracking(sample, as_of="2024-10-31")
    table = implementation_splits(projects).set_index(["split", "group"])
    # Scale: 2204 is the only city-wide project, and it is open; of the 7 district
    # projects, 3720 is open and 9005 abandoned.
    assert table.loc[("scale", "city"), ["winners", "delivered"]].tolist() == [1, 1]
    assert table.loc[("scale", "district"), "implementation_rate"] == pytest.approx(1 / 7)
    assert table.loc[("scale", "district"), "abandonment_rate"] == pytest.approx(1 / 7)
    # Priority neighbourhoods: 3720 (open) and 9004 (not started).
    assert table.loc[("priority_area", True), "implementation_rate"] == 0.5
    assert table.loc[("priority_area", False), "implementation_rate"] == pytest.approx(1 / 6)
    assert table.loc[("theme", "Cadre de vie"), "winners"] == 8
    # District: the city-wide project filed under 75004 is left out.
    assert table.xs("district").index.tolist() == ["75011", "75018"]
    assert table.loc[("district", "75011"), ["winners", "delivered", "abandoned"]].tolist() \
        == [6, 0, 1]
    assert table.attrs == {"unknown": {"scale": 0, "priority_area": 0, "theme": 0,
                                       "district": 0},
                           "city_wide_left_out": 1}
    everywhere = implementation_splits(projects, ["district"], district_scale_only=False)
    assert everywhere["group"].tolist() == ["75004", "75011", "75018"]


def test_splits_leave_out_missing_values_and_empty_columns():
    projects = pd.DataFrame({"status": ["finished", "works", "finished"],
                             "theme": ["Sport", None, "Sport"],
                             "district": pd.Series([pd.NA] * 3, dtype="string")})
    table = implementation_splits(projects)
    assert table["split"].tolist() == ["theme"]  # no district given at all
    assert table["winners"].tolist() == [2]
    assert table.attrs["unknown"] == {"theme": 1}


def test_an_edition_is_mature_from_the_threshold_day_on(sample):
    projects = read_project_tracking(sample, as_of="2024-10-31")
    # 2019 was voted on 1 September 2019: mature from 1 September 2024 on, with 5 years.
    on_the_day = edition_maturity(projects, 5, as_of="2024-09-01").set_index("edition")
    day_before = edition_maturity(projects, 5, as_of="2024-08-31").set_index("edition")
    assert on_the_day.loc[2019, "mature"] and not day_before.loc[2019, "mature"]
    assert on_the_day.attrs["threshold"] == pd.Timestamp("2019-09-01")
    assert on_the_day.loc[2014, "months_since_vote"] == 120
    # Default: the extraction date the reader kept.
    assert edition_maturity(projects).attrs["as_of"] == pd.Timestamp("2024-10-31")
    assert edition_maturity(projects, 0)["mature"].all()
    for wrong in (-1, 2.5, True):
        with pytest.raises(InputError, match="maturity_years must be a whole number"):
            edition_maturity(projects, wrong)


def test_mature_rates_by_hand(sample):
    projects = read_project_tracking(sample, as_of="2024-10-31")
    rates = mature_rates(projects, 5).set_index("scope")
    # Mature (voted by 31 October 2019): 2014, 2016, 2017, 2019, i.e. 2204, 3720, 8767,
    # 9001, 9005; 2 open, 1 abandoned.
    assert rates.loc["mature", ["editions", "first_edition", "last_edition", "winners",
                                "delivered", "abandoned"]].tolist() == [4, 2014, 2019, 5, 2, 1]
    assert rates.loc["mature", "implementation_rate"] == 2 / 5
    assert rates.loc["all", "implementation_rate"] == 2 / 8
    assert rates.attrs["mature_editions"] == [2014, 2016, 2017, 2019]
    none = mature_rates(projects, 20).set_index("scope")
    assert none.loc["mature", "winners"] == 0
    assert np.isnan(none.loc["mature", "implementation_rate"])


def test_implementation_rates_refuse_raw_statuses():
    with pytest.raises(InputError, match="status must be one of .* not FIN"):
        implementation_rates(pd.DataFrame({"edition": [2019], "status": ["FIN"]}))


# --- delay from vote to delivery ----------------------------------------------------------

# Freireich et al. (1963), 6-MP arm of the leukaemia remission trial (Gehan 1965): weeks
# in remission, + marking a censored time. Textbook Kaplan–Meier values (e.g. Kleinbaum &
# Klein, *Survival Analysis*, ch. 2): S = .857 .807 .753 .690 .628 .538 .448 at
# t = 6 7 10 13 16 22 23, median 23.
FREIREICH_6MP = [(6, 1), (6, 1), (6, 1), (6, 0), (7, 1), (9, 0), (10, 1), (10, 0), (11, 0),
                 (13, 1), (16, 1), (17, 0), (19, 0), (20, 0), (22, 1), (23, 1), (25, 0),
                 (32, 0), (32, 0), (34, 0), (35, 0)]


def projects_from_durations(durations, as_of="2010-01-01") -> pd.DataFrame:
    """Projects whose delay is the given number of months: a delivered one is delivered t
    months after its vote, a censored one was voted t months before the extraction date."""
    as_of = pd.Timestamp(as_of)
    rows = []
    for number, (months, delivered) in enumerate(durations):
        if delivered:
            vote = pd.Timestamp("2000-01-01")
            rows.append({"project_id": str(number), "status": "finished", "vote_date": vote,
                         "delivery_date": vote + pd.DateOffset(months=months)})
        else:
            rows.append({"project_id": str(number), "status": "works",
                         "vote_date": as_of - pd.DateOffset(months=months),
                         "delivery_date": pd.NaT})
    return pd.DataFrame(rows)


def test_kaplan_meier_reproduces_the_freireich_6mp_curve():
    curve = delivery_delay(projects_from_durations(FREIREICH_6MP), as_of="2010-01-01")
    steps = curve[curve["events"] > 0]
    assert steps["time"].tolist() == [6, 7, 10, 13, 16, 22, 23]
    assert steps["survival"].round(3).tolist() == [0.857, 0.807, 0.753, 0.690, 0.627, 0.538,
                                                   0.448]
    assert steps["n_risk"].tolist() == [21, 17, 15, 12, 11, 7, 6]
    assert curve.attrs["median"] == 23
    # Pointwise log-log interval at 6 weeks, as R's survfit(conf.type = "log-log") gives it:
    # 0.620 to 0.952.
    assert steps[["ci_low", "ci_high"]].iloc[0].round(3).tolist() == [0.620, 0.952]
    # Median interval (statsmodels, Brookmeyer–Crowley with log-log transform as in SAS
    # LIFETEST): from 13 weeks, upper limit not reached.
    assert curve.attrs["median_ci_low"] == 13
    assert np.isnan(curve.attrs["median_ci_high"])
    assert curve.attrs["n"] == 21 and curve.attrs["events"] == 9
    assert curve.iloc[0][["time", "survival"]].tolist() == [0, 1]


def test_censoring_of_waiting_and_abandoned_projects():
    vote = pd.Timestamp("2020-09-01")
    projects = pd.DataFrame({
        "project_id": ["a", "b", "c", "d", "e"],
        "status": ["finished", "finished", "works", "abandoned", "abandoned"],
        "vote_date": [vote] * 5,
        "delivery_date": pd.to_datetime(["2021-09-01", None, None, None, None]),
        "opening_date": pd.to_datetime([None, "2022-03-01", None, None, None]),
        "studies_date": pd.to_datetime([None, None, "2021-01-01", "2021-03-01", None]),
        "works_date": pd.to_datetime([None, None, None, "2025-01-01", None]),
    })
    curve = delivery_delay(projects, as_of="2023-09-01")
    # a: 12 months; b: 18 (opening); c: censored at as_of (36); d: abandoned, censored at
    # its last date before as_of (studies, 6 months; planned works ignored); e: abandoned
    # without any date, censored at the vote (0): it leaves the risk set at once.
    assert curve[curve["events"] > 0]["time"].tolist() == [12, 18]
    assert curve[curve["events"] > 0]["n_risk"].tolist() == [3, 2]
    assert curve["survival"].iloc[-1] == pytest.approx(2 / 3 * 1 / 2)
    never = delivery_delay(projects, as_of="2023-09-01", abandoned="never")
    # Abandoned projects stay at risk until as_of: 5 at risk at 12 months.
    assert never[never["events"] > 0]["n_risk"].tolist() == [5, 4]
    assert never["survival"].iloc[-1] == pytest.approx(4 / 5 * 3 / 4)


def test_delay_takes_as_of_from_the_reader_and_groups(sample):
    projects = read_project_tracking(sample, as_of="2024-10-31")
    curve = delivery_delay(projects, by="edition")
    assert curve.attrs["as_of"] == pd.Timestamp("2024-10-31")
    assert set(curve["edition"]) == {2014, 2016, 2017, 2019, 2021, 2023}
    # 2014: voted September 2014, opened February 2020: 65 months.
    assert curve.attrs["median"][2014] == 65
    assert np.isnan(curve.attrs["median"][2019])  # nothing delivered yet


def test_delay_summary_is_the_curves_figures_as_a_table(sample):
    projects = read_project_tracking(sample, as_of="2024-10-31")
    curve = delivery_delay(projects, by="edition")
    summary = delay_summary(curve).set_index("edition")
    assert summary.index.tolist() == [2014, 2016, 2017, 2019, 2021, 2023]
    assert summary.loc[2014, "median"] == 65  # September 2014 to February 2020
    assert summary.loc[2014, "follow_up"] == 65  # its only project, delivered then
    # 2023: voted September 2023, not started at the end of October 2024: 13 months and
    # 30 days.
    assert summary.loc[2023, "follow_up"] == pytest.approx(13 + 30 / (365.25 / 12))
    assert summary["n"].sum() == 8
    overall = delay_summary(delivery_delay(projects))
    assert overall.columns.tolist() == ["n", "events", "excluded", "median", "median_ci_low",
                                        "median_ci_high", "follow_up"]
    assert overall["events"].tolist() == [2]
    with pytest.raises(InputError, match="delay_summary needs the curve delivery_delay"):
        delay_summary(pd.DataFrame({"time": [0.0]}))


def test_finished_projects_without_dates_are_left_out_and_counted():
    projects = pd.DataFrame({"project_id": ["a", "b"], "status": ["finished", "finished"],
                             "vote_date": pd.to_datetime(["2020-09-01"] * 2),
                             "delivery_date": pd.to_datetime(["2021-09-01", None])})
    curve = delivery_delay(projects, as_of="2023-01-01")
    assert curve.attrs["excluded"] == 1 and curve.attrs["n"] == 1


def test_a_delivery_before_the_vote_is_an_error():
    projects = pd.DataFrame({"project_id": ["p7"], "status": ["finished"],
                             "vote_date": pd.to_datetime(["2020-09-01"]),
                             "delivery_date": pd.to_datetime(["2020-05-01"])})
    with pytest.raises(InputError, match="project\\(s\\) p7 delivered before the vote date"):
        delivery_delay(projects, as_of="2023-01-01")


# --- budgets ------------------------------------------------------------------------------

def budget_sample() -> pd.DataFrame:
    """Paris 2018's street shared by two arrondissements (two rows, one budget), a project
    without title, one without budget, an abandoned one and a city-wide one."""
    return pd.DataFrame({
        "project_id": ["6194", "6427", "7001", "7002", "7003", "7004"],
        "edition": [2018, 2018, 2018, 2019, 2019, 2019],
        "title": ["Rénovation de la rue de Belleville", "Rénovation de la rue de  Belleville",
                  None, "Jardin", "Halle", "Piste"],
        "budget": [750000.0, 750000.0, 750000.0, None, 200000.0, 3000000.0],
        "status": ["finished", "finished", "works", "studies", "abandoned", "works"],
        "scale": ["district", "district", "district", "district", "district", "city"],
        "district": ["75020", "75019", "75019", "75018", "75018", "75004"]})


def test_a_project_on_two_rows_counts_once():
    shares = budget_shares(budget_sample())
    assert shares["project"].tolist() == [0, 0, 1, 2, 3, 4]
    assert shares["rows"].tolist() == [2, 2, 1, 1, 1, 1]
    assert shares["share"].iloc[:3].tolist() == [375000, 375000, 750000]
    assert np.isnan(shares["share"].iloc[3])
    # Without titles, rows are projects of their own.
    assert budget_shares(budget_sample().drop(columns="title"))["rows"].eq(1).all()


def test_budget_totals_by_hand():
    totals = budget_totals(budget_sample()).set_index("edition")
    assert totals.loc[2018, ["rows", "projects", "budget", "funded_budget",
                             "delivered_budget"]].tolist() == [3, 2, 1_500_000, 1_500_000,
                                                               750_000]
    assert totals.loc[2019, ["projects", "budget", "funded_budget", "abandoned_budget",
                             "without_budget"]].tolist() == [3, 3_200_000, 3_000_000, 200_000, 1]
    overall = budget_totals(budget_sample(), by=None).iloc[0]
    assert overall["budget"] == 4_700_000 and overall["projects"] == 5
    assert overall["rows"] == 6 and overall["without_budget"] == 1


def test_funded_by_district_by_hand():
    population = pd.DataFrame({"arrondissement": [75004, 75018, 75019, 75020],
                               "libellé": ["4e", "18e", "19e", "20e"],
                               "population": [28_000, 190_000, 180_000, 190_000]})
    table = funded_by_district(budget_sample(), population).set_index("district")
    # 75019: half of the shared street and the untitled project; 75018: the abandoned hall
    # is left out, the garden has no budget; 75004: the city-wide project is left out.
    assert table.loc["75019", "funded"] == 375_000 + 750_000
    assert table.loc["75020", "funded"] == 375_000
    assert table.loc["75018", ["projects", "funded"]].tolist() == [1, 0]
    assert table.loc["75004", "funded"] == 0
    assert table.loc["75019", "funded_per_inhabitant"] == pytest.approx(1_125_000 / 180_000)
    assert table.attrs["city_wide_left_out"] == 1
    assert table.attrs["funded_total"] == 1_500_000
    with pytest.raises(InputError, match="district\\(s\\) 75019, 75020 of the winning "
                                         "projects are not in the population table"):
        funded_by_district(budget_sample(), {"75004": 28_000, "75018": 190_000})
    without_population = funded_by_district(budget_sample())
    assert without_population["district"].tolist() == ["75018", "75019", "75020"]


# --- answers to proposals -----------------------------------------------------------------

def test_answer_rates_by_hand():
    proposals = pd.DataFrame({
        "id": [1, 2, 3, 4, 5, 6, 7],
        "state": ["accepted", "rejected", "rejected", "evaluating", "", "withdrawn", None],
        "published_at": ["2024-03-01 10:00:00 +0100", "2024-03-01", "2024-03-05",
                         "2024-03-05", "2024-03-09", "2024-03-10", "2024-03-11"],
        "answered_at": ["2024-03-11 10:00:00 +0100", "2024-03-31", "2024-04-04",
                        "2024-03-08", None, None, None],
        "answer/fr": ["<p>Retenu</p>", "<p>Hors compétence de la ville</p>", "<p> </p>",
                      "<p>À l'étude</p>", None, None, None],
    })
    row = answer_rates(proposals).iloc[0]
    assert row["proposals"] == 6  # the withdrawn one is left out
    assert row["withdrawn"] == 1
    assert row["answered"] == 4 and row["answer_rate"] == pytest.approx(4 / 6)
    assert (row["accepted"], row["rejected"], row["evaluating"], row["not_answered"]) == \
        (1, 2, 1, 2)
    assert row["accepted_with_reason"] == 1
    assert row["rejected_with_reason"] == 1  # "<p> </p>" gives no reason
    assert row["rejection_reason_rate"] == 0.5
    assert row["median_answer_delay_days"] == pytest.approx(np.median([10, 30, 30, 3]))


def test_answer_rates_by_group_with_custom_states_and_withdrawn_flag():
    proposals = pd.DataFrame({"id": [1, 2, 3, 4], "state": ["accepted", "retenu", "rejected",
                                                            ""],
                              "withdrawn": [False, False, False, True],
                              "category": ["Voirie", "Voirie", "Culture", "Culture"]})
    table = answer_rates(proposals, by="category", states={"Retenu": "accepted"})
    table = table.set_index("category")
    assert table.loc["Voirie", "accepted"] == 2
    assert table.loc["Culture", "proposals"] == 1 and table.loc["Culture", "withdrawn"] == 1
    assert table["median_answer_delay_days"].isna().all()  # no dates given
    # As text, the way a CSV export gives the flag.
    as_text = answer_rates(proposals.assign(withdrawn=["false", "false", "false", "true"]),
                           states={"Retenu": "accepted"})
    assert as_text["withdrawn"].tolist() == [1] and as_text["proposals"].tolist() == [3]


def test_answer_rates_refuse_unknown_states_and_answers_before_publication():
    with pytest.raises(InputError) as caught:
        answer_rates(pd.DataFrame({"id": [1], "state": ["en attente"]}))
    assert str(caught.value) == (
        "column 'state': answer_rates: unknown proposal state(s) 'en attente'; known: "
        "accepted, rejected, evaluating, withdrawn, not_answered (or pass states={...})")
    with pytest.raises(InputError, match="proposal 9 was answered before it was published"):
        answer_rates(pd.DataFrame({"id": [9], "state": ["accepted"],
                                   "published_at": ["2024-05-02"],
                                   "answered_at": ["2024-05-01"]}))


# --- the real Paris file ------------------------------------------------------------------

needs_paris = pytest.mark.skipif(not PARIS.is_file(), reason="real data folder absent")


@needs_paris
def test_the_real_paris_file_reads_whole():
    # The copy is of October 2024 (real-data/README.md); its update column is empty.
    projects = read_project_tracking(PARIS, as_of="2024-10-31")
    assert len(projects) == 1214
    assert projects["project_id"].is_unique
    assert set(projects["status"]) <= set(STATUSES)
    assert projects["status"].value_counts().to_dict() == {
        "finished": 683, "delivery": 160, "studies": 149, "works": 73, "procedures": 51,
        "not_started": 51, "abandoned": 47}
    assert projects["priority_area"].notna().all()
    assert projects["priority_area"].sum() == 326
    assert set(projects["edition"]) == {2014, 2015, 2016, 2017, 2018, 2019, 2021, 2022, 2023}
    # Every finished project has an opening date, none after the extraction.
    finished = projects[projects["status"] == "finished"]
    assert finished["opening_date"].notna().all()
    assert finished["opening_date"].max() <= pd.Timestamp("2024-10-31")


@needs_paris
def test_the_real_paris_indicators():
    projects = read_project_tracking(PARIS, as_of="2024-10-31")
    rates = implementation_rates(projects).set_index("edition")
    assert rates["implementation_rate"].between(0, 1).all()
    assert rates["abandonment_rate"].between(0, 1).all()
    assert rates.loc[2014, "winners"] == 9
    assert rates.loc[2014, "implementation_rate"] == 1  # the 2014 projects are all open
    assert rates.loc[2015, "implementation_rate"] > 0.8
    assert rates.loc[2023, "implementation_rate"] == 0
    curve = delivery_delay(projects)
    assert curve.attrs["events"] == 683
    assert curve.attrs["median"] == 42  # months from the September vote to the opening
    assert (curve.attrs["median_ci_low"], curve.attrs["median_ci_high"]) == (39, 45)
    assert curve["survival"].is_monotonic_decreasing


@needs_paris
def test_the_reference_table_holds_the_rates_of_the_real_paris_file():
    projects = read_project_tracking(PARIS, as_of="2024-10-31")
    overall = implementation_rates(projects, by=None).iloc[0]
    reference = load_reference().set_index(["name", "indicator"])["value"]
    # data/reference rounds to a tenth of a percent.
    assert reference["Paris", "implementation_rate"] == round(overall["implementation_rate"], 3)
    assert reference["Paris", "abandonment_rate"] == round(overall["abandonment_rate"], 3)


@needs_paris
def test_the_real_paris_splits_and_mature_rate_match_plain_pandas():
    raw = pd.read_csv(PARIS, sep=";", encoding="utf-8-sig")
    done = raw["Avancement du projet"] == "FIN"
    city = raw["Echelle du Budget participatif"] == "Budget participatif parisien"
    popular = raw["Projet en Quartier populaire"] == "Oui"
    projects = read_project_tracking(PARIS, as_of="2024-10-01")
    table = implementation_splits(projects).set_index(["split", "group"])["implementation_rate"]
    assert table["scale", "city"] == done[city].mean()  # 28 of 63: 44,4 %
    assert table["scale", "district"] == done[~city].mean()  # 655 of 1,151: 56,9 %
    assert table["priority_area", True] == done[popular].mean()  # 48,8 %
    assert table["priority_area", False] == done[~popular].mean()  # 59,0 %
    assert (round(table["scale", "city"], 3), round(table["scale", "district"], 3),
            round(table["priority_area", True], 3), round(table["priority_area", False], 3)) \
        == (0.444, 0.569, 0.488, 0.590)
    rates = mature_rates(projects, 5).set_index("scope")["implementation_rate"]
    assert rates["mature"] == done[raw["Edition"] <= 2019].mean()  # 2014-2019: 68,9 %
    assert round(rates["mature"], 3) == 0.689 and round(rates["all"], 3) == 0.563
    # Belleville 2018 is listed in the 19th and the 20th: one project, one budget.
    totals = budget_totals(projects, by=None).iloc[0]
    assert totals["projects"] == len(raw) - 1
    assert totals["budget"] == raw["Budget global du projet lauréat"].sum() - 750_000
