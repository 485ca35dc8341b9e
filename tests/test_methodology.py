"""The method as the main report writes it from the study and its evidence: the methodology
box (calendar, who was heard by group, survey mode and responses), the data sources with
their dates, full references of the benchmark sources, and the language model named in
words for readers and exactly in the provenance annex."""

from __future__ import annotations

import pytest

from civeval import load_study
from civeval.benchmark import load_reference, load_sources
from civeval.errors import CatalogError
from civeval.sections import entretiens, questionnaire, rapport
from civeval.sections.rapport import methodology, references, sources


def rows(table) -> dict[str, str]:
    return dict(zip(table["aspect"], table["detail"], strict=True))


def test_the_box_gives_the_calendar_of_every_scheme_with_its_dates(tmp_path):
    study = load_study("demo-val-de-brenne", output_dir=tmp_path)

    box = methodology(study)

    assert rows(box) == {
        "Période évaluée": "du 13/05/2024 au 15/05/2025",
        "Calendrier : Consultation sur le plan de mobilité simplifié":
            "2024 (du 13/05/2024 au 27/06/2024) ; 2025 (du 01/04/2025 au 15/05/2025)",
        "Calendrier : Plateforme de participation en ligne": "2025 (du 01/04/2025 au 15/05/2025)",
    }
    assert box.attrs["labels"] == {"aspect": "Volet", "detail": "Ce que l'évaluation a mobilisé"}


def test_who_was_heard_comes_from_the_interviews_section_with_small_groups_merged(tmp_path):
    study = load_study("demo-saint-aubin", output_dir=tmp_path)

    table = entretiens.heard(study, study.load("entretiens"))

    # Three elected officials are too few to be shown alone: their family is shown whole,
    # as the interviews section's table shows it.
    record = study.evidence()["interviews_by_group"]
    assert record.kind == "text" and record.label == "Entretiens par groupe d'acteurs"
    assert record.value == ", ".join(
        f"{row.group} ({row.interviews})" for row in table.itertuples())
    assert record.value == "Acteurs institutionnels (8), Société civile (10)"
    assert rows(methodology(study))["Personnes entendues en entretien"] == (
        "18 entretiens, par groupe d'acteurs : Acteurs institutionnels (8), Société civile (10)")


def test_groups_not_detailed_are_named_without_their_counts():
    study = load_study("demo-saint-aubin")
    table = entretiens.pd.DataFrame({
        "group": ["Habitant·es", "Élu·es", "Agent·es"],
        "interviews": entretiens.pd.array([1_200, None, None], dtype="Int64")})

    assert entretiens.heard_by_group(study, table) == (
        "Habitant·es (1\u202f200) ; non détaillés : Élu·es, Agent·es")
    assert entretiens.heard_by_group(study, table.iloc[1:]) == (
        "groupes non détaillés : Élu·es, Agent·es")


def test_the_survey_mode_is_recorded_from_the_tool_the_answers_come_from(tmp_path):
    study = load_study("demo-val-de-brenne", output_dir=tmp_path)

    questionnaire.participation(study, questionnaire.load(study, "questionnaire"), 31000)

    records = study.evidence()
    assert records["questionnaire_mode"].value == "En ligne (LimeSurvey)"
    assert rows(methodology(study))["Questionnaire"] == (
        f"En ligne (LimeSurvey) : {records['questionnaire_complete'].value} réponses "
        "complètes analysées")


def test_a_plain_table_of_answers_says_nothing_of_its_mode(tmp_path):
    study = load_study("demo-villeneuve-ardre", output_dir=tmp_path)

    questionnaire.participation(study, questionnaire.load(study, "sondage_avant"), 160)
    study.record("poll_pairs", 1)

    assert "questionnaire_mode" not in study.evidence()
    box = rows(methodology(study))
    assert box["Questionnaire"].endswith("réponses complètes analysées")
    assert box["Sondage délibératif"] == ("1 personne interrogée avant et après la "
                                          "délibération")


def test_counts_in_the_method_agree_with_their_nouns(tmp_path):
    study = load_study("demo-saint-aubin", output_dir=tmp_path)
    study.record("interviews", 1)
    study.record("stakeholder_groups", 1)
    study.record("winning_projects", 1)

    sentences = rapport.method(study)

    assert "1 entretien a été mené auprès de 1 groupe d'acteurs." in sentences
    assert ("La réalisation des projets est suivie à partir du tableau de suivi de la "
            "collectivité (1 projet lauréat).") in sentences
    assert sentences[0].startswith("L'évaluation porte sur Budget participatif : 3 éditions "
                                   "ou périodes, du 01/02/2022 au 21/10/2024.")


def test_each_source_has_its_date_and_never_its_file(tmp_path):
    study = load_study("demo-saint-aubin", output_dir=tmp_path)

    table = sources(study)

    dates = dict(zip(table["dataset"], table["dates"], strict=True))
    described = {entry.description: name for name, entry in study.config.data.items()}
    assert dates[study.config.data["vote_2024"].description] == (
        "édition 2024 (du 01/02/2024 au 21/10/2024)")  # its edition, declared
    assert dates[study.config.data["suivi_laureats"].description] == "état au 30/06/2025"
    assert dates[study.config.data["votants"].description] == "du 01/10/2022 au 21/10/2024"
    assert dates[study.config.data["population_quartiers"].description] == "non précisée"
    assert set(described) == set(table["dataset"])
    assert not table.apply(lambda row: row.str.contains(r"\.csv|\.pb|data/")).any().any()


def test_every_benchmark_source_the_report_uses_is_cited_in_full(tmp_path):
    study = load_study("demo-saint-aubin", output_dir=tmp_path)
    for key in ("turnout_rate", "implementation_rate"):
        study.record(key, 0.05, kind="percent")

    cited = references(study)

    used = load_reference().query("indicator in ['turnout_rate', 'implementation_rate']")
    assert len(cited) == used["source"].nunique() == 3
    assert cited[1] == (
        "Antoine Bézard, « Budget participatif : la participation au vote en question », "
        "LBP Participation, 2022. "
        "lbp-participation.fr/budget-participatif-la-participation-au-vote-en-question")
    for text, address in zip(cited, dict.fromkeys(used["source"]), strict=True):
        # The address as text, for a printed page, but no web address a browser follows.
        assert text.endswith(address.removeprefix("https://")) and "://" not in text


def test_a_study_without_a_benchmarked_scheme_cites_nothing(tmp_path):
    study = load_study("demo-val-de-brenne", output_dir=tmp_path)
    study.record("answer_rate", 0.5, kind="percent")

    assert references(study) == []


def test_every_address_of_the_reference_table_has_a_full_reference():
    cited = load_sources()
    assert set(load_reference()["source"]) <= set(cited)
    for address, source in cited.items():
        assert source["url"] == address and source["title"] and source["publisher"]
        assert isinstance(source["year"], int)


def test_a_reference_without_its_year_is_refused_with_its_line(tmp_path):
    file = tmp_path / "sources.yml"
    file.write_text("sources:\n  https://example.org/a:\n    title: A\n    publisher: B\n"
                    "  https://example.org/b:\n    title: C\n    publisher: D\n", "utf-8")

    with pytest.raises(CatalogError) as raised:
        load_sources(file)

    assert raised.value.message == "https://example.org/a: give its year"
    assert raised.value.row == 2


def test_readers_get_the_language_model_in_words_and_the_annex_its_identifier(tmp_path):
    study = load_study("demo-val-de-brenne", output_dir=tmp_path)

    annex = dict(zip(*rapport.provenance(study).T.to_numpy(), strict=True))

    model = {record: value for record, value in annex.items()
             if record.startswith("Modèle de langue")}
    assert model == {
        f"Modèle de langue (thèmes de « {study.config.data[name].description} »)":
            "fr_core_news_sm 3.8.0"
        for name in ("codage_contributions_2024", "codage_contributions_2025")}
    assert questionnaire.language_model(study, "fr_core_news_sm 3.8.0") == (
        "le modèle de langue français de spaCy, version 3.8")


@pytest.mark.slow
def test_the_main_report_shows_the_method_box_and_the_references(demo_reports):
    from test_reader_text import reader_text

    main = reader_text(demo_reports / "demo-saint-aubin" / "90_rapport.html")
    assert "La méthode en bref : calendrier, personnes entendues, questionnaire" in main
    assert ("Calendrier : Budget participatif 2022 (du 01/02/2022 au 21/10/2022) ; 2023 "
            "(du 01/02/2023 au 21/10/2023) ; 2024 (du 01/02/2024 au 21/10/2024)") in main
    assert "18 entretiens, par groupe d'acteurs : Acteurs institutionnels (8)" in main
    assert "Références des sources publiques" in main
    assert " lbp-participation.fr/budget-participatif-la-participation-au-vote" in main

    themes = reader_text(demo_reports / "demo-val-de-brenne" / "10_questionnaire.html")
    assert "le modèle de langue français de spaCy, version 3.8" in themes
    assert "fr_core_news_sm" not in themes
    annex = reader_text(demo_reports / "demo-val-de-brenne" / "90_rapport.html")
    assert "fr_core_news_sm 3.8.0" in annex.split("Traçabilité")[-1]
