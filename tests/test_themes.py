"""Theme discovery in open answers: the method, the analyst's decisions, the themes file,
the validated coding checked against it, and what the report computes from it."""

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from scipy.stats import chi2_contingency
from sklearn.metrics import adjusted_rand_score, cohen_kappa_score

from civeval.errors import InputError
from civeval.qual.coding import grid_to_frame, save_coding, validation_grid
from civeval.qual.corpus import MIN_ANSWERS, catalogue_answers, count_terms, language_check
from civeval.qual.theme_statistics import (
    theme_agreement,
    theme_changes,
    theme_group_differences,
    theme_shares,
)
from civeval.qual.themebook import read_themes, save_themes
from civeval.qual.themes import LanguageWarning, coherence, discover_themes
from civeval.qual.validated import read_validated_coding
from conftest import MINIMAL_STUDY, write_study

SAID = {
    "bus": ["Le bus passe trop rarement le soir.", "Plus de bus le dimanche.",
            "Les horaires du car ne conviennent pas.", "Un arrêt de bus près de la mairie.",
            "Le car scolaire part trop tôt."],
    "vélo": ["Une piste cyclable vers le collège.", "Des abris pour les vélos.",
             "Les pistes cyclables sont dangereuses.", "Aider à acheter des vélos électriques.",
             "Des arceaux pour garer son vélo."],
    "trottoir": ["Les trottoirs sont trop étroits pour les poussettes.",
                 "Des passages piétons devant l'école.", "Les piétons marchent sur la chaussée.",
                 "Réparer les trottoirs défoncés.", "Un chemin piéton éclairé."],
}


def corpus(count: int = 40, seed: int = 0) -> tuple[list[str], list[str]]:
    """``count`` answers per theme, two sentences of one theme each, and their themes."""
    rng = np.random.default_rng(seed)
    keys = [key for _ in range(count) for key in SAID]
    return [" ".join(rng.choice(SAID[key], 2, replace=False)) for key in keys], keys


@pytest.fixture(scope="module")
def model():
    texts, _ = corpus()
    return discover_themes(texts, themes=3)


# --------------------------------------------------------------------------- the method

def test_discovery_recovers_the_themes_the_answers_were_written_from(model):
    _, truth = corpus()
    assert adjusted_rand_score(truth, model.assignment) == pytest.approx(1.0)
    assert model.themes["answers"].tolist() == [40, 40, 40]
    names = {row.name: row.terms[:3] for row in model.themes.itertuples()}
    assert any("bus" in terms for terms in names.values())
    assert any("vélo" in terms for terms in names.values())
    assert any("trottoir" in terms for terms in names.values())
    assert model.method["method"] == "nmf" and model.method["answers"] == 120


def test_the_same_answers_and_seed_give_the_same_themes(model):
    texts, _ = corpus()
    again = discover_themes(texts, themes=3)
    assert again.themes[["theme", "name", "answers"]].equals(
        model.themes[["theme", "name", "answers"]])
    assert (again.assignment == model.assignment).all()


def test_the_number_of_themes_is_chosen_among_candidates():
    texts, truth = corpus(30)
    chosen = discover_themes(texts, themes=[2, 3, 4])
    table = pd.DataFrame(chosen.method["candidates"])
    assert table["themes"].tolist() == [2, 3, 4] and table["chosen"].sum() == 1
    assert chosen.method["themes"] == int(table.loc[table["chosen"], "themes"].iloc[0])
    assert adjusted_rand_score(truth, chosen.assignment) > 0.8


def test_coherence_is_npmi_computed_by_hand():
    present = np.array([[1, 1, 0], [1, 0, 0], [1, 1, 1], [0, 0, 1], [0, 1, 0]])
    p = present.mean(axis=0)
    joint = (present[:, 0] & present[:, 1]).mean()
    npmi = np.log(joint / (p[0] * p[1])) / -np.log(joint)
    assert coherence(sparse.csc_matrix(present), [[0, 1]])[0] == pytest.approx(npmi)


def test_terms_are_french_lemmas_and_pairs():
    counts = count_terms(["Des pistes cyclables.", "Une piste cyclable !", "La piste. Cyclable",
                          "Plus de bus."], min_answers=2, max_share=1.0)
    # "piste. Cyclable": punctuation breaks the pair
    assert counts.terms.tolist() == ["cyclable", "piste", "piste cyclable"]
    assert counts.counts.toarray().tolist() == [[1, 1, 1], [1, 1, 1], [1, 1, 0], [0, 0, 0]]


def test_representative_answers_are_pseudonymised(model):
    texts, _ = corpus()
    texts[0] = texts[0] + " Écrivez-moi : jean.dupont@example.fr"
    found = discover_themes(texts, themes=3)
    shown = found.representatives(count=40)
    assert not shown["answer"].str.contains("jean.dupont@example.fr").any()
    assert shown.groupby("theme").size().max() <= 40


# --------------------------------------------------------------------------- bad input

def test_a_missing_text_column_is_named_with_the_columns_there_are():
    with pytest.raises(InputError, match="no column 'reponse' in the answers; columns: "
                                         "respondent, texte"):
        discover_themes(pd.DataFrame({"respondent": [1], "texte": ["Bus"]}),
                        text_column="reponse")


def test_too_few_answers_says_the_minimum():
    with pytest.raises(InputError, match=f"12 non-empty answers: theme discovery needs at "
                                         f"least {MIN_ANSWERS}"):
        discover_themes(["Plus de bus."] * 12 + ["", None])


def test_answers_mostly_in_another_language_warn_with_the_share():
    english = ["The bus is always late and there is no bus on Sunday."] * 40
    texts, _ = corpus(10)
    # 40 English answers and 20 French ones: two thirds in another language
    with pytest.warns(LanguageWarning, match=r"67% of the answers .* not in 'fr' "
                                             r"\(mostly 'en'\)"):
        discover_themes(english + texts[:20], themes=2)
    check = language_check(count_terms(english + texts[:20]))
    assert check.attrs["mostly_other"] and check.attrs["other_share"] == pytest.approx(2 / 3)


def test_french_answers_do_not_warn(model):
    texts, _ = corpus()
    with warnings.catch_warnings():
        warnings.simplefilter("error", LanguageWarning)
        discover_themes(texts, themes=3)


def test_a_catalogue_column_that_does_not_exist_names_file_line_and_column():
    from civeval import load_study

    with pytest.raises(InputError) as caught:
        catalogue_answers(load_study("demo-val-de-brenne"), "contributions_2025", "texte")
    message = str(caught.value)
    assert "data/contributions_2025.csv, line 1, column 'texte'" in message
    assert "its text columns: " in message and "contribution" in message


# --------------------------------------------------------------------------- the analyst

def test_decisions_rename_merge_split_and_drop(model):
    bus = model.number(next(n for n in model.themes["name"] if "Bus" in n or "bus" in n))
    renamed = model.rename(bus, "Transports en commun")
    assert "Transports en commun" in set(renamed.themes["name"])
    others = [n for n in renamed.themes["theme"] if n != bus]
    merged = renamed.merge(others, "Modes actifs")
    assert merged.themes["answers"].tolist() == [40, 80] or sorted(
        merged.themes["answers"]) == [40, 80]
    split = merged.split("Modes actifs", into=2)
    assert len(split) == 3 and split.themes["answers"].sum() == 120
    dropped = split.drop("Transports en commun")
    assert (dropped.proposal()["proposed_codes"].map(len) == 0).sum() == 40
    assert [list(d) for d in dropped.decisions] == [["rename", "to"], ["merge", "to"],
                                                    ["split", "to"], ["drop"]]
    with pytest.raises(InputError, match="already named"):
        model.rename(bus, model.themes["name"].iloc[-1] if model.themes["theme"].iloc[-1]
                     != bus else model.themes["name"].iloc[0])


def grid_coding(model, tmp_path, changes=None):
    """The model's proposal validated in the grid (``changes``: respondent → themes)."""
    coded = model.proposal()
    coded["final_codes"] = coded["proposed_codes"]
    for respondent, themes in (changes or {}).items():
        coded.at[coded.index[coded["respondent"] == respondent][0], "final_codes"] = themes
    coded["validated"] = True
    book = read_themes(save_themes(model, tmp_path / "themes.yml"))
    return save_coding(coded, tmp_path / "codage.csv", codebook=book), book


def test_the_validated_coding_reads_through_the_themes_file(model, tmp_path):
    first = model.themes["name"].iloc[0]
    renamed = model.rename(1, "Premier thème")
    grid = grid_to_frame(validation_grid(renamed.proposal()))
    assert len(grid) == 120 and set(grid["final_codes"].map(tuple)) == {
        (name,) for name in renamed.themes["name"]}
    coding, _ = grid_coding(renamed, tmp_path, {1: [renamed.themes["name"].iloc[1]]})
    validated = read_validated_coding(coding, themes=tmp_path / "themes.yml")
    assert validated.attrs["by_hand"] == 1 and validated.attrs["answers"] == 120
    assert validated.attrs["theme_names"] == renamed.themes["name"].tolist()
    assert read_themes(tmp_path / "themes.yml").resolve(first) == "Premier thème"


def test_a_coding_whose_themes_are_not_the_files_is_located(model, tmp_path):
    coding, _ = grid_coding(model, tmp_path)
    text = coding.read_text(encoding="utf-8").splitlines()
    text[3] = text[3].rsplit(";", 3)[0] + ";Stationnement;True;True"
    coding.write_text("\n".join(text) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_validated_coding(coding, themes=tmp_path / "themes.yml")
    message = str(caught.value)
    assert "codage.csv, line 4, column 'final_codes'" in message
    assert "Stationnement" in message


def test_themes_file_round_trip_keeps_how_they_were_found(model, tmp_path):
    settled = model.rename(1, "Bus").drop(3)
    book = read_themes(save_themes(settled, tmp_path / "t.yml",
                                   source={"dataset": "contributions", "column": "texte"}))
    assert book.names == settled.themes["name"].tolist()
    assert book.source == {"datasets": ["contributions"], "column": "texte"}
    assert book.discovery["seed"] == 0 and book.discovery["themes"] == 3
    assert model.themes["name"].iloc[2] in book.dropped
    assert book.resolve_suggested(model.themes["name"].iloc[2]) is None


# --------------------------------------------------------------------------- statistics

def per_answer(proposed, final):
    frame = pd.DataFrame(columns=["respondent", "answer", "code"])
    frame.attrs["per_answer"] = pd.DataFrame({
        "respondent": range(len(final)), "line": range(2, len(final) + 2),
        "proposed_codes": proposed, "final_codes": final})
    return frame


def test_kappa_per_theme_is_cohens_between_suggested_and_validated():
    rng = np.random.default_rng(3)
    proposed = [[t] for t in rng.choice(["bus", "vélo", "train"], 200)]
    final = [p if rng.random() < 0.8 else [rng.choice(["bus", "vélo", "train"])]
             for p in proposed]
    table = theme_agreement(per_answer(proposed, final)).set_index("theme")
    for theme in ["bus", "vélo", "train"]:
        expected = cohen_kappa_score([theme in p for p in proposed], [theme in f for f in final])
        assert table.loc[theme, "kappa"] == pytest.approx(expected)
        assert table.loc[theme, "ci_low"] < expected < table.loc[theme, "ci_high"]


def test_weighted_shares_by_group_are_weighted_means():
    final = [["bus"]] * 30 + [["vélo"]] * 10 + [["bus", "vélo"]] * 20
    responses = pd.DataFrame({"respondent_id": range(60),
                              "age": ["jeune"] * 25 + ["âgé"] * 35,
                              "w": np.linspace(0.5, 2.0, 60)})
    shares = theme_shares(per_answer([[]] * 60, final), responses, by="age", weight="w")
    row = shares.set_index(["theme", "age"]).loc[("bus", "âgé")]
    group = responses["age"] == "âgé"
    mentions = np.array(["bus" in codes for codes in final])
    expected = np.average(mentions[group], weights=responses.loc[group, "w"])
    assert row["share"] == pytest.approx(expected)
    assert row["ci_low"] < expected < row["ci_high"] and row["answers"] == 35
    assert shares.attrs["weighted"]


def test_group_differences_are_tested_with_holm_adjustment():
    final = [["vélo"]] * 30 + [["bus"]] * 10 + [["vélo"]] * 12 + [["bus"]] * 28
    responses = pd.DataFrame({"respondent_id": range(80), "age": ["a"] * 40 + ["b"] * 40})
    table = theme_group_differences(per_answer([[]] * 80, final), responses, "age")
    raw = chi2_contingency([[30, 10], [12, 28]], correction=False)[1]
    assert table["p_value"].tolist() == pytest.approx([raw, raw])
    assert table["p_adjusted"].tolist() == pytest.approx([min(1, 2 * raw)] * 2)


def test_changes_between_waves_are_tested_theme_by_theme():
    before = per_answer([[]] * 100, [["bus"]] * 60 + [["vélo"]] * 40)
    after = per_answer([[]] * 100, [["bus"]] * 45 + [["vélo"]] * 55)
    table = theme_changes(before, after).set_index("theme")
    raw = chi2_contingency([[60, 40], [45, 55]], correction=False)[1]
    assert table.loc["bus", "p_value"] == pytest.approx(raw)
    assert table.loc["bus", "change"] == pytest.approx(-0.15)
    assert table.loc["vélo", "p_adjusted"] == pytest.approx(min(1, 2 * raw))


def test_a_respondent_of_the_coding_missing_from_the_responses_is_located():
    coding = per_answer([[]] * 3, [["bus"]] * 3)
    with pytest.raises(InputError, match="respondent '2' of the coding is not in the responses "
                                         r"\(1 answer of the coding in all\)"):
        theme_shares(coding, pd.DataFrame({"respondent_id": [0, 1], "age": ["a", "b"]}),
                     by="age")


# --------------------------------------------------------------------------- civeval validate

THEMES_STUDY = MINIMAL_STUDY + """data:
  reponses: {file: data/reponses.csv, format: survey, options: {codebook: codebook.yml}}
  codage: {file: data/codage.csv, format: validated_coding, options: {themes: data/themes.yml}}
components:
  - template: 10_questionnaire
    parameters: {dataset: reponses, themes: codage}
"""


def themes_project(project, model, tmp_path, column="avis"):
    texts = model.answers["answer"].tolist()
    coding, _ = grid_coding(model, tmp_path)
    save_themes(model, tmp_path / "themes.yml", source={"dataset": "reponses",
                                                        "column": column})
    responses = pd.DataFrame({"respondent_id": model.answers["respondent"], "avis": texts})
    files = {"data/reponses.csv": responses.to_csv(sep=";", index=False),
             "codebook.yml": "questions:\n  - {id: avis, type: text}\n",
             "data/codage.csv": coding.read_text(encoding="utf-8"),
             "data/themes.yml": (tmp_path / "themes.yml").read_text(encoding="utf-8")}
    write_study(project, "themes", THEMES_STUDY, files=files)


def test_validate_accepts_a_themes_coding(project, capsys, model, tmp_path):
    from civeval.cli import main

    themes_project(project, model, tmp_path)
    assert main(["validate", "themes"]) == 0, capsys.readouterr().err


def test_validate_stops_on_a_text_column_that_does_not_exist(project, capsys, model, tmp_path):
    from civeval.cli import main

    themes_project(project, model, tmp_path, column="texte")
    assert main(["validate", "themes"]) == 2
    error = capsys.readouterr().err
    assert "studies/themes/data/themes.yml, line" in error
    assert "there is no column 'texte' in data.reponses" in error and "avis" in error


def test_validate_stops_on_a_coding_with_other_themes(project, capsys, model, tmp_path):
    from civeval.cli import main

    themes_project(project, model, tmp_path)
    path = project / "studies" / "themes" / "data" / "codage.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].rsplit(";", 3)[0] + ";Stationnement;True;True"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["validate", "themes"]) == 2
    error = capsys.readouterr().err
    assert "studies/themes/data/codage.csv, line 3, column 'final_codes'" in error
    assert "Stationnement" in error
