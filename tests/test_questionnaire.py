"""The questionnaire section on the demo surveys and on hand-made bad input."""

import itertools

import pandas as pd
import pytest

from civeval import load_study
from civeval.errors import InputError, WeightingError
from civeval.presentation import report
from civeval.sections import questionnaire
from civeval.survey.codebook import Codebook, Question
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
    # 22 people moved from « oui » to « non », none the other way: p = 2 / 2²² is shown
    assert not poll["p_bounded"].any()
    assert questionnaire.poll_display(poll)["p_value"].tolist() == ["< 0,001"] * 4
    assert questionnaire.poll_caption(study, poll) == (
        "Évolution des opinions entre les deux questionnaires (mêmes participants)")


def test_a_poll_with_no_question_asked_twice_says_so():
    study = load_study("demo-villeneuve-ardre")
    before, after = (questionnaire.Questionnaire(
        name, pd.DataFrame({"respondent_id": ["a", "b"], question: [3, 4]}),
        Codebook((Question(question, "numeric", label=question),)))
        for name, question in (("avant", "score_avant"), ("apres", "score_apres")))
    poll = questionnaire.before_after(study, before, after)
    assert poll.empty and "p_bounded" in poll.columns
    assert questionnaire.poll_table(study, poll).data.strip() == (
        "<p>Aucune question à échelle, à nombre ou en oui/non n'a été posée dans les deux "
        "questionnaires : l'évolution des opinions ne peut pas être mesurée.</p>")


def test_a_poll_p_value_that_would_give_back_fewer_than_5_movers_is_only_placed_against_5():
    study = load_study("demo-villeneuve-ardre")
    before, after = (questionnaire.load(study, name) for name in ("sondage_avant",
                                                                  "sondage_apres"))
    answers = after.responses.set_index("respondent_id")["couvre_feu_mineurs"]
    stayed_no = answers.index[(answers == "Non")
                              & before.responses.set_index("respondent_id")
                              ["couvre_feu_mineurs"].reindex(answers.index).eq("Non")]
    column = after.responses.columns.get_loc("couvre_feu_mineurs")
    after.responses.iloc[after.responses["respondent_id"].isin(stayed_no[:2]).to_numpy(),
                         column] = "Oui"
    poll = questionnaire.before_after(study, before, after).set_index("poll_question")
    curfew = poll.loc["Favorable à un couvre-feu pour les mineurs"]
    # 2 from « non » to « oui », 22 back: p = 2 · (1 + 24 + 276) / 2²⁴ would tell 2 and 22
    assert curfew["p_bounded"] and curfew["p_value"] == pytest.approx(2 * 301 / 2 ** 24)
    assert not poll.drop(index=curfew.name)["p_bounded"].any()
    shown = questionnaire.poll_display(poll.reset_index()).set_index("poll_question")
    assert shown.loc[curfew.name, "p_value"] == "< 0,05"
    assert "p_bounded" not in shown.columns
    assert questionnaire.poll_caption(study, poll).endswith(
        "p-value seulement située par rapport à 5 %, car sa valeur permettrait de retrouver "
        "un groupe de moins de 5 personnes ayant changé d'avis.")


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


# --- the opinions at a glance: one chart per shared answer scale ----------------------------

AGREE = ("Tout à fait d'accord", "Plutôt d'accord", "Plutôt pas d'accord",
         "Pas du tout d'accord")
SATISFIED = ("Très satisfait", "Plutôt satisfait", "Plutôt pas satisfait",
             "Pas du tout satisfait")


def answers(levels, counts, size=20) -> list:
    """``counts[k]`` answers of ``levels[k]``, then no answer up to ``size`` respondents."""
    given = [level for level, count in zip(levels, counts, strict=True) for _ in range(count)]
    return given + [None] * (size - len(given))


def hand_made(questions: dict[Question, dict[str, list]]) -> questionnaire.Questionnaire:
    """A questionnaire of the given questions, each with its response columns."""
    columns = {name: values for found in questions.values() for name, values in found.items()}
    return questionnaire.Questionnaire("hand", pd.DataFrame(columns),
                                       Codebook(tuple(questions)))


def likert(identifier: str, levels=AGREE, **fields) -> Question:
    return Question(identifier, "likert", label=f"Affirmation {identifier}", levels=levels,
                    **fields)


@pytest.fixture
def drawn(monkeypatch):
    """What each chart shown draws: its title, alt text and source, the bars' labels from
    top to bottom, the width of each level of each bar (read from the matplotlib figure
    before it is saved), the most lines a bar's label takes and the figure's height."""
    charts = []
    show = report.figure

    def record(fig, *, title, alt, source=None):
        labels = {round(tick.get_position()[1]): tick.get_text().replace("\n", " ")
                  for tick in fig.axes[0].get_yticklabels()}
        widths = {}
        for axis in fig.axes:
            for container in axis.containers:
                for patch in container:
                    key = (labels[round(patch.get_y() + patch.get_height() / 2)],
                           container.get_label())
                    widths[key] = widths.get(key, 0) + patch.get_width()
        charts.append({"title": title, "alt": alt, "source": source, "widths": widths,
                       "bars": [labels[y] for y in sorted(labels, reverse=True)],
                       "lines": max(tick.get_text().count("\n") + 1
                                    for tick in fig.axes[0].get_yticklabels()),
                       "height": fig.get_figheight()})
        return show(fig, title=title, alt=alt, source=source)

    monkeypatch.setattr(report, "figure", record)
    return charts


def test_single_item_questions_sharing_a_scale_share_one_chart(consultation, drawn):
    study, _ = consultation
    battery = likert("batterie", columns=("SQ1", "SQ2"), item_labels=("Un", "Deux"))
    survey = hand_made({
        likert("clair"): {"clair": answers(AGREE, [10, 5, 5, 0])},
        likert("accueil", SATISFIED): {"accueil": answers(SATISFIED, [5, 5, 5, 5])},
        likert("simple"): {"simple": answers(AGREE, [5, 5, 5, 5])},
        battery: {"batterie[SQ1]": answers(AGREE, [5, 5, 5, 5]),
                  "batterie[SQ2]": answers(AGREE, [0, 5, 5, 10])},
        likert("delais", SATISFIED): {"delais": answers(SATISFIED, [15, 5, 0, 0])},
        # the same levels, but answers « ne sait pas » apart: another scale, alone on it
        likert("avenir", missing=("Ne sait pas",)): {"avenir": answers(AGREE, [5, 5, 5, 5])},
        likert("delaisbis", SATISFIED): {"delaisbis": answers(SATISFIED, [0, 5, 5, 10])},
    })
    overview = questionnaire.likert_overview(study, survey, list(survey.codebook))
    assert len(overview.figures) == len(overview.tables) == len(drawn) == 2
    assert overview.charted == {"clair", "simple", "accueil", "delais", "delaisbis"}
    assert set(overview.distributions) == {question.id for question in survey.codebook}
    # one bar per question, from the most to the least approved (net agreement)
    assert [chart["bars"] for chart in drawn] == [
        ["Affirmation clair", "Affirmation simple"],
        ["Affirmation delais", "Affirmation accueil", "Affirmation delaisbis"]]
    assert [list(dict.fromkeys(table["item"])) for table in overview.tables] == [
        ["clair", "simple"], ["delais", "accueil", "delaisbis"]]
    # the battery and the lone question keep their own chart, drawn as before
    for question in (battery, survey.codebook["avenir"]):
        questionnaire.likert_figure(study, survey, question,
                                    overview.distributions[question.id])
    assert drawn[-2]["bars"] == ["Un", "Deux"] and drawn[-1]["bars"] == ["Affirmation avenir"]


def test_the_overview_chart_says_which_scale_and_how_many_statements(consultation, drawn):
    study, _ = consultation
    survey = hand_made({likert(name): {name: answers(AGREE, [5, 5, 5, 5])}
                        for name in ("a", "b", "c")})
    questionnaire.likert_overview(study, survey, list(survey.codebook))
    questionnaire.likert_figure(study, survey, survey.codebook["a"],
                                questionnaire.likert_results(study, survey,
                                                             survey.codebook["a"]))
    overview, own = drawn
    assert overview["title"] == ("Réponses de « Tout à fait d'accord » à « Pas du tout "
                                 "d'accord », question par question")
    assert overview["alt"] == (
        "Graphique en barres divergentes : répartition des réponses à 3 questions posées sur "
        "la même échelle, de « Tout à fait d'accord » à « Pas du tout d'accord », une barre "
        "par question, de la plus à la moins approuvée.")
    assert overview["source"] == own["source"] == (
        "questionnaire Communauté de communes du Val de Brenne (20 réponses complètes)")


def test_the_number_on_the_scale_is_hidden_when_it_would_give_back_a_hidden_dont_know(
        consultation):
    study, _ = consultation
    question = likert("avenir", missing=("Ne sait pas",))

    def agreement_n(on_scale: list[int], dont_know: int, size: int):
        survey = questionnaire.Questionnaire(
            "hand", pd.DataFrame({"avenir": answers(AGREE, on_scale, size)}),
            Codebook((question,)), {"missing": {"avenir": dont_know}})
        table = questionnaire.likert_results(study, survey, question)
        assert table.loc[table["side"] == "dont_know", "n"].isna().all()  # 3: hidden
        return questionnaire.agreement(study, survey, question, table)["n"].iloc[0]

    # 20 complete responses, 17 on the scale: 20 − 17 gives back the 3 « ne sait pas »
    assert pd.isna(agreement_n([5, 5, 4, 3], 3, 20))
    # 2 more answered nothing: 5 people answered « ne sait pas » or nothing, together
    assert agreement_n([5, 5, 4, 3], 3, 22) == 17


def test_a_question_whose_shares_are_hidden_is_not_drawn(consultation, drawn):
    study, _ = consultation
    rare = likert("rare")  # 3 answers: under the study's threshold of 5
    survey = hand_made({likert("clair"): {"clair": answers(AGREE, [10, 5, 5, 0])},
                        rare: {"rare": answers(AGREE, [3, 0, 0, 0])},
                        likert("simple"): {"simple": answers(AGREE, [5, 5, 5, 5])}})
    overview = questionnaire.likert_overview(study, survey, list(survey.codebook))
    hidden = overview.distributions["rare"]
    # 3 people in all: the zeros beside them would say where they are not; all is hidden
    assert hidden.loc[hidden["percent"].isna(), "level"].tolist() == list(AGREE)
    assert not hidden["n_shown"].any() and hidden["net_agreement"].isna().all()
    assert overview.charted == {"clair", "simple"}
    assert drawn[0]["bars"] == ["Affirmation clair", "Affirmation simple"]
    assert not any(label == "Affirmation rare" for label, _ in drawn[0]["widths"])
    # nor through the chart of a scale it would share with a single other question
    drawn.clear()
    alone = questionnaire.likert_overview(study, survey, [survey.codebook["clair"], rare])
    assert alone.figures == [] and alone.charted == frozenset() and drawn == []


def test_the_overview_draws_the_weighted_shares_of_each_question(drawn):
    study = load_study("demo-saint-aubin")
    survey = questionnaire.load(study, "questionnaire")
    questionnaire.weight(study, survey, questionnaire.margins(study, "marges_habitants"))
    questions = questionnaire.likert_questions(survey.codebook)
    overview = questionnaire.likert_overview(study, survey, questions)
    assert len(overview.figures) == 1 and len(overview.charted) == 16
    chart = drawn[0]
    weights = survey.responses[questionnaire.WEIGHT]
    net = {}
    for question in questions:
        if question.id not in overview.charted:
            continue
        expected = questionnaire.likert_results(study, survey, question)
        label = question.label
        for row in expected.itertuples():
            # a hidden share is drawn as nothing
            shown = 0 if pd.isna(row.percent) else row.percent
            assert chart["widths"][(label, row.level)] == pytest.approx(shown)
        # weighted, counted here by hand: the share of weights among answers on the scale
        given = survey.responses[question.id]
        on_scale = weights[given.isin(question.levels)].sum()
        by_level = {level: weights[given == level].sum() / on_scale
                    for level in question.levels}
        published = expected.set_index("level")["percent"]
        for level, share in by_level.items():
            if pd.notna(published[level]):
                assert chart["widths"][(label, level)] == pytest.approx(share)
        net[label] = (by_level[AGREE[0]] + by_level[AGREE[1]]
                      - by_level[AGREE[2]] - by_level[AGREE[3]])
    assert chart["bars"] == sorted(net, key=net.get, reverse=True)
    # the weights change what is drawn: unweighted shares differ
    clear = survey.responses["infoclaire"]
    unweighted = (clear == AGREE[0]).sum() / clear.isin(AGREE).sum()
    drawn_share = chart["widths"][(survey.codebook["infoclaire"].label, AGREE[0])]
    assert abs(drawn_share - unweighted) > 1e-3
    # echrespect's few disagreements are hidden: drawn as nothing, whatever their share
    respect = survey.codebook["echrespect"].label
    assert chart["widths"][(respect, AGREE[3])] == 0
    assert overview.distributions["echrespect"]["percent"].isna().sum() == 2


def test_long_statements_wrap_and_the_chart_grows_with_its_bars(consultation, drawn):
    study, _ = consultation
    long = ("Je savais ce qui relevait de la décision des participants et ce qui restait à "
            "la décision des élus")
    few = {Question(name, "likert", label=long, levels=AGREE): {
        name: answers(AGREE, [5, 5, 5, 5])} for name in ("a", "b")}
    many = {likert(name): {name: answers(AGREE, [5, 5, 5, 5])} for name in "cdefgh"}
    questionnaire.likert_overview(study, hand_made(few), list(hand_made(few).codebook))
    questionnaire.likert_overview(study, hand_made(many), list(hand_made(many).codebook))
    assert drawn[0]["bars"] == [long, long]  # every word kept, over several lines
    assert drawn[0]["lines"] == 3 and drawn[1]["lines"] == 1
    assert drawn[1]["height"] > drawn[0]["height"]


def test_a_neutral_level_named_or_implied_is_the_same_scale(consultation, drawn):
    study, _ = consultation
    five = ("Tout à fait d'accord", "Plutôt d'accord", "Ni d'accord ni pas d'accord",
            "Plutôt pas d'accord", "Pas du tout d'accord")
    survey = hand_made({
        likert("implied", five): {"implied": answers(five, [5, 5, 5, 5, 0])},
        likert("named", five, neutral=five[2]): {"named": answers(five, [0, 5, 5, 5, 5])},
        # the same levels with no neutral one: another scale
        likert("none", five, neutral=five[0]): {"none": answers(five, [5, 5, 5, 5, 0])}})
    overview = questionnaire.likert_overview(study, survey, list(survey.codebook))
    assert overview.charted == {"implied", "named"}
    assert drawn[0]["widths"][("Affirmation implied", five[2])] == pytest.approx(0.25)


# --- hidden levels cannot be worked out from what else the section publishes ---------------

FIVE = ("Tout à fait d'accord", "Plutôt d'accord", "Ni d'accord ni pas d'accord",
        "Plutôt pas d'accord", "Pas du tout d'accord")


def published(study, survey, question):
    """What a reader of the report gets of a single-item Likert question: the table of
    shares (with the net agreement) and the agreement table (share, interval, n)."""
    distribution = questionnaire.likert_results(study, survey, question)
    shares = questionnaire.likert_display(study, distribution).iloc[0]
    agreeing = questionnaire.agreement(study, survey, question).iloc[0]
    return distribution, shares, agreeing


def possible_counts(question, shares, agreeing) -> dict[str, set[int]]:
    """Every number of people each hidden level can hold, given all the item publishes
    (unweighted answers: a share × n is a count): the levels shown, n = 100 % of them, the
    share who agree and the net agreement when published. A level is given back when a
    single number is possible."""
    n = int(agreeing["n"])
    positive, negative, _ = questionnaire.scale_sides(question.levels, question.neutral)
    shown = {level: round(shares[level] * n) for level in question.levels
             if pd.notna(shares[level])}
    hidden = [level for level in question.levels if level not in shown]
    found = {level: set() for level in hidden}
    for values in itertools.product(range(n + 1), repeat=len(hidden)):
        counts = {**shown, **dict(zip(hidden, values, strict=True))}
        agree = sum(counts[level] for level in positive)
        disagree = sum(counts[level] for level in negative)
        if (sum(counts.values()) == n
                and (pd.isna(agreeing["estimate"]) or agree == round(agreeing["estimate"] * n))
                and (pd.isna(shares["net_agreement"])
                     or agree - disagree == round(shares["net_agreement"] * n))):
            for level, value in zip(hidden, values, strict=True):
                found[level].add(value)
    return found


def test_a_single_hidden_level_takes_a_second_and_nothing_gives_it_back(consultation):
    study, _ = consultation
    question = likert("avis")
    survey = hand_made({question: {"avis": answers(AGREE, [3, 20, 9, 12], size=44)}})
    distribution, shares, agreeing = published(study, survey, question)
    # « Tout à fait d'accord » (3 people) is hidden, and « Plutôt d'accord » with it: the
    # smallest level of its side, so that the share who agree stays published.
    assert distribution.loc[distribution["suppressed"], "level"].tolist() == list(AGREE[:2])
    assert shares[list(AGREE[:2])].isna().all() and pd.notna(shares["net_agreement"])
    assert agreeing["n"] == 44 and agreeing["estimate"] == pytest.approx(23 / 44)
    # The derivations a reader would try all give 3 + 20 = 23, never the 3 alone:
    n = agreeing["n"]
    disagree = shares[AGREE[2]] + shares[AGREE[3]]
    assert (1 - disagree) * n == pytest.approx(23)  # 100 % − the shares shown
    assert agreeing["estimate"] * n == pytest.approx(23)  # agreement − agreeing shares shown
    assert (shares["net_agreement"] + disagree) * n == pytest.approx(23)  # net + disagreeing
    possible = possible_counts(question, shares, agreeing)
    assert possible[AGREE[0]] == set(range(24))  # anything from 0 to 23 fits
    # before, 100 % − the three shares shown gave 3 back: 44 × (1 − 20/44 − 9/44 − 12/44)


def test_two_hidden_levels_holding_the_threshold_together_hide_nothing_more(consultation):
    study, _ = consultation
    question = likert("avis")
    survey = hand_made({question: {"avis": answers(AGREE, [2, 4, 20, 14], size=40)}})
    distribution, shares, agreeing = published(study, survey, question)
    assert distribution.loc[distribution["suppressed"], "level"].tolist() == list(AGREE[:2])
    assert distribution["agreement_shown"].all() and pd.notna(shares["net_agreement"])
    assert distribution.attrs["suppressed_cells"] == 2
    # the share who agree gives 2 + 4 = 6 back, at least the threshold: neither alone
    possible = possible_counts(question, shares, agreeing)
    assert possible == {AGREE[0]: set(range(7)), AGREE[1]: set(range(7))}


def test_a_hidden_neutral_level_withholds_the_net_agreement(consultation):
    study, _ = consultation
    question = likert("avis", FIVE)
    survey = hand_made({question: {"avis": answers(FIVE, [10, 12, 2, 9, 6], size=39)}})
    distribution, shares, agreeing = published(study, survey, question)
    # With the share who agree, the net agreement would give the neutral level back:
    # 39 − 39 × agreement − 39 × (agreement − net) = the 2 « ni d'accord ni pas d'accord ».
    assert pd.isna(shares["net_agreement"])
    assert agreeing["estimate"] == pytest.approx(22 / 39)
    # and 100 % − the others would too: « Pas du tout d'accord » (6) goes with it
    assert distribution.loc[distribution["suppressed"], "level"].tolist() == [FIVE[2], FIVE[4]]
    assert possible_counts(question, shares, agreeing)[FIVE[2]] == set(range(9))
    caption = questionnaire.withheld_caption(study, "Répartition", questionnaire.likert_display(
        study, distribution))
    assert caption == ("Répartition — « – » : masqué, car le chiffre décrit moins de 5 "
                       "personnes ou permettrait de retrouver une case qui en décrit moins.")


def test_a_share_of_agreement_that_would_give_a_level_back_is_withheld(consultation):
    study, _ = consultation
    question = likert("avis")
    survey = hand_made({question: {"avis": answers(AGREE, [3, 0, 20, 30], size=53)}})
    distribution, shares, agreeing = published(study, survey, question)
    # 53 × the share who agree would be the 3 who agree: it is withheld, with its interval
    # (which, with n, gives it back) and the net agreement.
    assert pd.isna(agreeing[["estimate", "ci_low", "ci_high"]]).all() and agreeing["n"] == 53
    assert pd.isna(shares["net_agreement"])
    assert distribution.loc[distribution["suppressed"], "level"].tolist() == [AGREE[0], AGREE[2]]
    assert possible_counts(question, shares, agreeing)[AGREE[0]] == set(range(24))
    record = study.evidence()["agreement_avis"]
    assert record.suppressed and record.text() == "–"
    caption = questionnaire.withheld_caption(study, "Part d'accord", pd.DataFrame([agreeing]))
    assert "masqué, car le chiffre décrit moins de 5 personnes" in caption


def test_a_scale_answered_by_fewer_people_than_the_threshold_is_hidden_whole(consultation):
    study, _ = consultation
    question = likert("avis")
    survey = hand_made({question: {"avis": answers(AGREE, [3, 1, 0, 0], size=20)}})
    distribution, shares, agreeing = published(study, survey, question)
    assert distribution["percent"].isna().all() and not distribution["n_shown"].any()
    assert pd.isna(agreeing[["n", "estimate", "ci_low", "ci_high"]]).all()


def test_suppression_is_decided_on_people_and_shares_stay_weighted(consultation):
    study, _ = consultation
    question = likert("avis")
    survey = hand_made({question: {"avis": answers(AGREE, [3, 20, 9, 12], size=44)}})
    # the 3 who strongly agree weigh 5 each: 15 weighted answers, still 3 people
    survey.responses[questionnaire.WEIGHT] = [5.0] * 3 + [1.0] * 41
    distribution, shares, agreeing = published(study, survey, question)
    assert distribution.loc[distribution["suppressed"], "level"].tolist() == list(AGREE[:2])
    assert shares[AGREE[2]] == pytest.approx(9 / 56)  # of 15 + 20 + 9 + 12 weighted
    assert agreeing["estimate"] == pytest.approx(35 / 56) and agreeing["n"] == 44
    assert study.evidence()["agreement_avis"].value == pytest.approx(35 / 56)
    assert not study.evidence()["agreement_avis"].suppressed


def test_the_overview_shows_no_more_than_the_tables_and_puts_withheld_ones_last(
        consultation, drawn):
    study, _ = consultation
    survey = hand_made({
        likert("clair"): {"clair": answers(AGREE, [10, 5, 5, 0], size=53)},
        # the most approved, but its 3 disagreeing (with 20 more to protect them) would be
        # given back by its net agreement: withheld, it comes last, not first
        likert("rapide"): {"rapide": answers(AGREE, [30, 20, 3, 0], size=53)},
        likert("simple"): {"simple": answers(AGREE, [5, 5, 5, 5], size=53)}})
    overview = questionnaire.likert_overview(study, survey, list(survey.codebook))
    chart = drawn[0]
    assert chart["bars"] == ["Affirmation clair", "Affirmation simple", "Affirmation rapide"]
    assert chart["alt"].endswith("de la plus à la moins approuvée. Celles dont les chiffres "
                                 "sont masqués viennent en dernier, dans l'ordre du "
                                 "questionnaire.")
    hidden = overview.distributions["rapide"]
    assert hidden.loc[hidden["suppressed"], "level"].tolist() == [AGREE[1], AGREE[2]]
    # the bar draws the published shares only: 30/53 agree, nothing for what is hidden;
    # what it leaves out of 100 % is the 23 hidden together, as the table's shares do
    widths = {level: chart["widths"][("Affirmation rapide", level)] for level in AGREE}
    assert widths == pytest.approx({AGREE[0]: 30 / 53, AGREE[1]: 0, AGREE[2]: 0, AGREE[3]: 0})
    assert (1 - sum(widths.values())) * 53 == pytest.approx(23)


def test_choice_answers_are_protected_from_their_base():
    study = load_study("demo-val-de-brenne")
    single = Question("avis", "single", levels=("Oui", "Non", "NSP"))
    ticks = Question("canal", "multiple", label="Canal", columns=("web", "affiche", "presse"),
                     item_labels=("Internet", "Affiche", "Presse"))
    routed = Question("suite", "single", levels=("Oui", "Non"))
    survey = questionnaire.Questionnaire("hand", pd.DataFrame({
        "avis": ["Oui"] * 30 + ["Non"] * 8 + ["NSP"] * 2,
        # Internet ticked by all but 2: 40 − 38 gives them back; Presse by 2
        "canal[web]": [True] * 38 + [False] * 2, "canal[affiche]": [True, False] * 20,
        "canal[presse]": [True] * 2 + [False] * 38,
        "suite": ["Oui", "Non", "Oui"] + [None] * 37}), Codebook((single, ticks, routed)))
    answers = questionnaire.choice_results(study, survey, single).set_index("answer")
    # NSP (2) hidden, and Non with it: 40 − 30 gives back 10 = Non + NSP
    assert answers["respondents"].isna().to_dict() == {"NSP": True, "Non": True, "Oui": False}
    assert answers.loc[["NSP", "Non"], ["share", "ci_low", "ci_high"]].isna().all().all()
    ticked = questionnaire.choice_results(study, survey, ticks).set_index("answer")
    assert ticked["respondents"].isna().to_dict() == {"Internet": True, "Affiche": False,
                                                      "Presse": True}
    few = questionnaire.choice_results(study, survey, routed)
    assert few["respondents"].isna().all() and few.attrs["base"] is None
    assert questionnaire.choices_caption(study, routed, few) == (
        "Répartition des réponses (en % des répondants à la question : moins de 5 "
        "personnes, nombre masqué)")


def test_hidden_districts_hold_the_threshold_together_and_the_index_does_not_split_them(
        consultation):
    study, _ = consultation
    survey = questionnaire.Questionnaire("hand", pd.DataFrame(
        {"quartier": ["Nord"] * 1 + ["Sud"] * 2 + ["Est"] * 30 + ["Ouest"] * 8}), Codebook(()))
    population = pd.DataFrame({"quartier": ["Nord", "Sud", "Est", "Ouest"],
                               "population": [100, 4000, 4000, 1900]})
    table, sentence = questionnaire.by_district(study, survey, population, "quartier")
    # Nord and Sud (1 + 2 = 3 people) would be given back together: Ouest goes too
    assert table["respondents"].isna().tolist() == [True, True, False, True]
    # the index a reader can compute: Est shown, the three others as one (11/41 vs 60 %)
    est = abs(30 / 41 - 0.4)
    merged = abs(11 / 41 - 0.6)
    record = study.evidence()["questionnaire_district_dissimilarity"]
    assert record.value == pytest.approx(round((est + merged) / 2, 3))
    every = sum(abs(r / 41 - p) for r, p in [(1, 0.01), (2, 0.4), (30, 0.4), (8, 0.19)]) / 2
    assert round(every, 3) != record.value  # the index of every district would tell more
    merged_note = ("Les catégories masquées y sont comptées ensemble, pour que l'indice ne "
                   "permette pas de retrouver leurs effectifs.")
    assert record.caveats == (merged_note,) and merged_note in sentence.data
