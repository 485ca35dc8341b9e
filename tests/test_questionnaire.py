"""The questionnaire section on the demo surveys and on hand-made bad input."""

import pandas as pd
import pytest

from civeval import load_study
from civeval.errors import InputError, WeightingError
from civeval.sections import questionnaire
from conftest import MINIMAL_STUDY, write_study


@pytest.fixture(scope="module")
def consultation():
    study = load_study("demo-val-de-brenne")
    survey = questionnaire.load(study, "questionnaire")
    return study, survey


@pytest.fixture(autouse=True)
def reports_elsewhere(tmp_path, monkeypatch):
    # record() writes evidence.json: keep the demo studies' reports untouched.
    monkeypatch.setenv("CIVEVAL_REPORTS", str(tmp_path / "reports"))


def raw_export() -> pd.DataFrame:
    study = load_study("demo-val-de-brenne")
    return pd.read_csv(study.dataset_path("questionnaire"), dtype=str)


def test_participation_counts_complete_and_incomplete_responses(consultation):
    study, survey = consultation
    raw = raw_export()
    table = questionnaire.participation(study, survey, target_population=31000)
    values = dict(zip(table["indicator"], table["value"], strict=True))
    complete = raw["submitdate"].notna().sum()
    assert values["Réponses reçues"] == len(raw)
    assert values["Réponses complètes analysées"] == complete
    assert values["Réponses incomplètes écartées"] == len(raw) - complete
    assert values["Taux de réponse (réponses complètes ÷ population visée)"] == complete / 31000


def test_raking_reproduces_the_margins(consultation):
    study, survey = consultation
    margins = questionnaire.margins(study, "marges_insee")
    questionnaire.weight(study, survey, margins)
    who = questionnaire.who_answered(study, survey, margins)
    assert (who["share_weighted"] - who["share_population"]).abs().max() < 1e-6
    before, after = who.attrs["dissimilarity"]["Tranche d'âge"]
    assert before > 0.05 and after < 1e-6
    assert who["variable"].unique().tolist() == ["Tranche d'âge", "Sexe"]


def test_likert_shares_match_a_count_by_hand(consultation):
    study, survey = consultation
    question = survey.codebook["Q1"]
    table = questionnaire.likert_results(study, survey, question)
    raw = raw_export()
    raw = raw[raw["submitdate"].notna()]["Q1[SQ002]"]
    item = table[table["item"] == "Q1[SQ002]"]
    on_scale = item[item["side"] != "dont_know"]
    assert on_scale["n"].sum() == raw.isin(question.levels).sum()
    assert on_scale["n"].tolist() == [int((raw == level).sum()) for level in question.levels]
    dont_know = item[item["side"] == "dont_know"].iloc[0]
    assert dont_know["n"] == (raw == "Ne sait pas").sum()
    assert dont_know["percent"] == pytest.approx((raw == "Ne sait pas").sum() / raw.notna().sum())


def test_likert_shares_add_up_to_100_percent_of_expressed_answers(consultation):
    study, survey = consultation
    question = survey.codebook["Q1"]
    shown = questionnaire.likert_display(study, questionnaire.likert_results(study, survey,
                                                                             question))
    assert shown[list(question.levels)].sum(axis=1).tolist() == pytest.approx([1.0] * 4)
    # « Ne sait pas » comes after the net agreement, on its own base, and says so.
    assert shown.columns[-2:].tolist() == ["net_agreement", "Ne sait pas"]
    assert shown.attrs["labels"] == {"Ne sait pas": "Ne sait pas (en % de toutes les réponses)"}
    raw = raw_export()
    answers = raw.loc[raw["submitdate"].notna(), "Q1[SQ001]"]
    first = shown.set_index("item").loc["La consultation portait sur des choix encore ouverts"]
    assert first["Ne sait pas"] == pytest.approx((answers == "Ne sait pas").sum()
                                                 / answers.notna().sum())


def test_a_hidden_likert_share_is_not_given_away_by_the_others(consultation):
    study, survey = consultation
    strict = load_study("demo-val-de-brenne")
    object.__setattr__(strict.config.report, "small_cell_threshold", 45)
    table = questionnaire.likert_results(strict, survey, survey.codebook["Q1"])
    on_scale = table[table["side"] != "dont_know"]
    hidden = on_scale.groupby("item")["percent"].apply(lambda shares: shares.isna().sum())
    # 100 % minus the shares shown would give a single hidden one back.
    assert hidden.max() >= 2 and not (hidden == 1).any()


def test_small_cells_are_hidden_with_the_study_threshold(consultation):
    study, survey = consultation
    strict = load_study("demo-val-de-brenne")
    object.__setattr__(strict.config.report, "small_cell_threshold", 60)
    margins = questionnaire.margins(strict, "marges_insee")
    who = questionnaire.who_answered(strict, survey, margins)
    hidden = who[who["suppressed"]]
    assert "18-29" in hidden["category"].tolist()  # 53 respondents, under 60
    assert hidden["respondents"].isna().all() and hidden["share_respondents"].isna().all()
    assert who.attrs["suppressed_cells"] >= 1


def test_respondents_by_commune_against_the_population(consultation):
    study, survey = consultation
    population = study.load("population_communes")
    table, sentence = questionnaire.by_district(study, survey, population, "commune")
    raw = raw_export()
    answered = raw.loc[raw["submitdate"].notna(), "commune"].value_counts()
    rows = table.set_index("district")
    assert rows["respondents"].to_dict() == answered.reindex(rows.index).to_dict()
    inhabitants = population.set_index("commune")["population"]
    assert rows["per_thousand"].to_dict() == pytest.approx(
        (answered / inhabitants * 1000).to_dict())
    assert rows["representation_ratio"].to_dict() == pytest.approx(
        ((answered / answered.sum()) / (inhabitants / inhabitants.sum())).to_dict())
    best, worst = rows["per_thousand"].idxmax(), rows["per_thousand"].idxmin()
    assert f"{best} compte le plus de répondants" in sentence.data
    assert f"{worst} le moins" in sentence.data
    assert 0 < study.evidence()["questionnaire_district_dissimilarity"].value < 0.2


def test_small_communes_are_hidden_with_a_second_one(consultation):
    study, survey = consultation
    strict = load_study("demo-val-de-brenne")
    object.__setattr__(strict.config.report, "small_cell_threshold", 12)
    table, sentence = questionnaire.by_district(strict, survey,
                                                strict.load("population_communes"), "commune")
    hidden = table[table["respondents"].isna()]
    # Migné-Haut (11 respondents) is under 12; the next smallest goes too, or the total of
    # respondents would give it back. Neither is named in the sentence.
    assert len(hidden) == 2 and "Migné-Haut" in hidden["district"].tolist()
    assert hidden[["share_respondents", "per_thousand"]].isna().all().all()
    assert not any(name in sentence.data for name in hidden["district"])


POPULATION_STUDY = MINIMAL_STUDY + """data:
  enquete: {file: data/enquete.csv, format: survey, options: {codebook: codebook.yml}}
  population: {file: data/population.csv, kind: population}
components:
  - template: 10_questionnaire
    parameters: {dataset: enquete, %s}
"""
POPULATION_FILES = {
    "data/enquete.csv": "respondent_id;quartier\n1;Centre\n2;Nord\n3;Centre\n",
    "codebook.yml": "questions:\n  - {id: quartier, type: single, levels: [Centre, Nord]}\n",
    "data/population.csv": "quartier;population\nCENTRE;5000\nSud;7000\n"}


@pytest.mark.parametrize(("parameters", "message"), [
    ("population: population",
     "study 'lieux', studies/lieux/study.yml, line 13, column 36: template 10_questionnaire: "
     "population needs district too"),
    ("population: population, district: commune",
     "study 'lieux', studies/lieux/study.yml, line 13, column 60: template 10_questionnaire: "
     "no column 'commune' in the responses of data.enquete"),
    ("population: population, district: quartier",
     "study 'lieux', studies/lieux/data/enquete.csv, column 'quartier': 1 district of "
     "studies/lieux/data/enquete.csv (column 'quartier') is not in "
     "studies/lieux/data/population.csv: 'Nord'"),
])
def test_respondents_places_must_be_in_the_population_table(project, capsys, parameters,
                                                            message):
    from civeval.cli import main

    write_study(project, "lieux", POPULATION_STUDY % parameters, files=POPULATION_FILES)
    assert main(["validate", "lieux"]) == 2
    assert capsys.readouterr().err.startswith(f"civeval: error: {message}")


def test_deliberative_poll_compares_the_same_people():
    study = load_study("demo-villeneuve-ardre")
    poll = questionnaire.before_after(study, questionnaire.load(study, "sondage_avant"),
                                      questionnaire.load(study, "sondage_apres"))
    assert set(poll["n_pairs"]) == {148}
    questions = poll.set_index("poll_question")
    assert "Sexe" not in questions.index and "Quartier" not in questions.index
    knowledge = questions.loc["Score au quiz de connaissances (sur 10)"]
    assert knowledge["after"] > knowledge["before"] and knowledge["p_value"] < 0.001
    assert questions.loc["Favorable à un couvre-feu pour les mineurs", "test"].startswith(
        "test exact de McNemar")


def test_quotes_are_pseudonymised(project):
    write_study(project, "citations", MINIMAL_STUDY + """\
data:
  enquete: {file: data/enquete.csv, format: survey, options: {codebook: codebook.yml}}
""", files={
        "data/enquete.csv": "respondent_id;avis\n1;Appelez Mme Durand au 06 12 34 56 78\n"
                            "2;Écrire à jean.dupont@example.org\n3;Très bien\n",
        "codebook.yml": "questions:\n  - {id: avis, type: text, label: Avis}\n"})
    study = load_study("citations")
    quotes = questionnaire.verbatims(questionnaire.load(study, "enquete"), "avis", count=3)
    assert sorted(quotes) == ["Appelez [personne] au [téléphone]", "Très bien",
                              "Écrire à [courriel]"]


MARGINS_STUDY = MINIMAL_STUDY + """\
data:
  marges: {file: data/marges.csv, format: margins}
"""


@pytest.mark.parametrize(("content", "message"), [
    ("variable;categorie;population\nsexe;F;52\nsexe;H;48\nage;jeunes;30\nage;vieux;60\n",
     "studies/bad/data/marges.csv, column 'population': the variables describe different "
     "populations (sexe 100, age 90); every variable must add up to the same total"),
    ("variable;categorie;population\nsexe;F;52\nsexe;H;-4\n",
     "studies/bad/data/marges.csv, line 3, column 'population': the population must be a "
     "number ≥ 0, not '-4'"),
    ("variable;categorie;population\nsexe;F;52\nsexe;F;48\n",
     "studies/bad/data/marges.csv, line 3, column 'category': the category 'F' of 'sexe' "
     "appears twice"),
    ("variable;population\nsexe;52\n",
     "studies/bad/data/marges.csv, line 1: a margins table needs the column(s) category"),
])
def test_bad_margins_are_caught_before_any_kernel(project, content, message):
    write_study(project, "bad", MARGINS_STUDY, files={"data/marges.csv": content})
    with pytest.raises((WeightingError, InputError)) as caught:
        load_study("bad").check_data()
    assert str(caught.value) == f"study 'bad', {message}"


def test_unknown_answer_label_is_located(project):
    write_study(project, "bad", MINIMAL_STUDY + """\
data:
  enquete: {file: data/enquete.csv, format: survey, options: {codebook: codebook.yml}}
""", files={
        "data/enquete.csv": "respondent_id;q1\n1;Oui\n2;Peut-être\n",
        "codebook.yml": "questions:\n  - {id: q1, type: single, levels: [Oui, Non]}\n"})
    with pytest.raises(InputError) as caught:
        load_study("bad").check_data()
    message = str(caught.value)
    assert message.startswith("study 'bad', studies/bad/data/enquete.csv, line 3, column 'q1'")
    assert message.endswith('unknown answer "Peut-être" to question q1; allowed: "Oui", "Non"')


def test_satisfaction_drivers_find_what_the_demo_built_in(consultation):
    study, survey = consultation
    drivers = questionnaire.drivers(study, survey, "Q3",
                                    questionnaire.likert_questions(survey.codebook))
    # The demo's satisfaction rises with agreement to every statement of Q1.
    assert len(drivers) == 4
    assert (drivers["odds_ratio"] > 1).all() and (drivers["p_value"] < 0.01).all()
    assert (drivers["ci_low"] < drivers["odds_ratio"]).all()


def test_open_answers_show_the_validated_coding_only():
    study = load_study("demo-val-de-brenne")
    validated = study.load("codage_q2")
    table, sentence, quoted = questionnaire.open_answers(study, validated)
    # "Jeunes et scolaires" exists only because the analyst added it by hand.
    assert table.set_index("code").loc["Jeunes et scolaires", "answers"] == 59
    assert table["answers"].sum() == len(validated)
    assert "complété 59 à la main" in sentence.data
    assert study.evidence()["open_answers_by_hand"].value == 59
    assert [code for code, _ in quoted] == table["code"].tolist()


def test_an_unvalidated_answer_stops_validation(project, capsys):
    from civeval.cli import main

    write_study(project, "ouvertes", MINIMAL_STUDY + """\
data:
  codage: {file: data/codage.csv, format: validated_coding}
""", files={"data/codage.csv": (
        "respondent;answer;proposed_codes;final_codes;validated;by_hand\n"
        "1;Plus de bus;Bus;Bus;True;False\n"
        "2;Des pistes cyclables;Vélo;;False;False\n")})
    assert main(["validate", "ouvertes"]) == 2
    error = capsys.readouterr().err
    assert "studies/ouvertes/data/codage.csv, line 3, column 'validated'" in error
    assert "the report never shows proposed codes" in error


def test_the_method_note_says_what_the_import_set_aside_and_why(consultation):
    from dataclasses import replace

    study, survey = consultation
    summary = {**survey.summary, "duplicates_dropped": 2,
               "personal_reasons": {"courriel": "contact", "Collector": "role"}}
    note = str(questionnaire.method_note(study, replace(survey, summary=summary)).data)
    assert ("2 envois en double d'un même questionnaire (même identifiant de soumission) "
            "ont été écartés ; la dernière version est gardée.") in note
    assert ("Colonnes écartées comme données personnelles avant toute analyse : courriel "
            "(coordonnées), Collector (nom de l'enquêteur ou du déclarant).") in note


def test_choice_questions_give_the_share_of_those_the_form_asked():
    """demo-saint-aubin's form (from the question bank) routes « première fois » to
    participants and has two select-multiple questions: each answer's share is of those who
    answered, several answers adding up to more than 100 %."""
    study = load_study("demo-saint-aubin")
    survey = questionnaire.load(study, "questionnaire")
    shown = questionnaire.choice_questions(survey.codebook, shown=["sexe", "age", "quartier"])
    assert [question.id for question in shown] == ["participe", "premiere", "canal",
                                                    "accesfreins"]
    first = questionnaire.choice_results(study, survey, survey.codebook["premiere"])
    assert first.attrs["base"] == (survey.responses["participe"] == "Oui").sum()
    assert first["respondents"].sum() == first.attrs["base"]
    assert first["share"].sum() == pytest.approx(1)
    heard = questionnaire.choice_results(study, survey, survey.codebook["canal"])
    assert heard["share"].sum() > 1
    online = heard.set_index("answer").loc["Site internet, réseaux sociaux"]
    assert online["respondents"] == survey.responses["canal[internet]"].eq(True).sum()
    assert online["ci_low"] < online["share"] < online["ci_high"]
    caption = questionnaire.choices_caption(study, survey.codebook["canal"], heard)
    assert "plusieurs possibles" in caption and str(heard.attrs["base"]) in caption
