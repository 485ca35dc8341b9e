"""Quotes for reports: pseudonymisation, attribution to groups large enough, selection."""

from __future__ import annotations

import pandas as pd
import pytest

from civeval.errors import InputError
from civeval.qual import SEGMENT_COLUMNS
from civeval.qual.quotes import ELLIPSIS, pseudonymise_quote, role_label, select_quotes


def test_role_labels():
    assert role_label("élu") == "[élu·e]"
    assert role_label("Habitante") == "[habitant·e]"
    assert role_label("société civile") == "[membre de la société civile]"
    assert role_label(None) == role_label(float("nan")) == role_label(" ") == "[personne]"
    assert role_label("commerçant") == "[commerçant]"  # a study's own group


# --------------------------------------------------------------------------- names

NAMES = ["Sophie Durand", "Jean-Pierre Lefèvre"]


@pytest.mark.parametrize(("text", "expected"), [
    ("Sophie Durand est venue.", "[élu·e] est venue."),
    ("SOPHIE DURAND est venue.", "[élu·e] est venue."),
    ("Durand est venue.", "[élu·e] est venue."),
    ("Madame Durand est venue.", "[élu·e] est venue."),
    ("Mme Durand est venue.", "[élu·e] est venue."),
    ("M. Lefevre est venu.", "[élu·e] est venu."),  # accents forgotten
    ("Jean Pierre Lefèvre est venu.", "[élu·e] est venu."),  # space for a hyphen
    ("Monsieur Jean-Pierre LEFÈVRE est venu.", "[élu·e] est venu."),
    ("Les Durandal et durandes restent.", "Les Durandal et durandes restent."),  # whole words
])
def test_listed_names_are_replaced_by_the_speakers_group(text, expected):
    assert pseudonymise_quote(text, "élu", names=NAMES) == expected


def test_person_names_are_found_without_a_list():
    assert pseudonymise_quote("Jean-Pierre Martin nous a dit que c'était réglé.") == (
        "[personne] nous a dit que c'était réglé.")
    assert pseudonymise_quote("Jean-Pierre Martin nous a dit que c'était réglé.",
                              role="agent") == "[agent·e] nous a dit que c'était réglé."


def test_contact_details_are_replaced_and_a_name_in_an_email_does_not_break_it():
    text = ("Écrivez à sophie.durand@ville-exemple.fr ou appelez le 06 12 34 56 78, "
            "passez au 12 rue des Lilas ; voir https://www.ville-exemple.fr/budget")
    assert pseudonymise_quote(text, "élu", names=NAMES) == (
        "Écrivez à [courriel] ou appelez le [téléphone], passez au [adresse] ; voir [lien]")


def test_a_mapping_gives_each_person_the_label_of_their_own_group():
    names = {"Sophie Durand": "élu", "Karim Benali": None}
    text = "Durand et Karim Benali nous ont reçus."
    assert pseudonymise_quote(text, "habitant", names=names) == (
        "[élu·e] et [personne] nous ont reçus.")


def test_a_last_name_that_is_an_adjective_stays_an_adjective_in_lower_case():
    names = ["Marc Petit"]
    assert pseudonymise_quote("Le petit parc est bien, Petit le sait.", "agent",
                              names=names) == "Le petit parc est bien, [agent·e] le sait."
    assert pseudonymise_quote("On a vu petit hier.", "agent", names=["Marc Durand"]) == (
        "On a vu petit hier.")
    # a lower-case name that is not an adjective is still hidden
    assert pseudonymise_quote("on a vu durand hier", "agent", names=NAMES) == (
        "on a vu [agent·e] hier")


def test_missing_text_is_empty():
    assert pseudonymise_quote(None) == ""


# --------------------------------------------------------------------------- selection

LONG = ("Le budget participatif a permis de financer des projets concrets dans le quartier, "
        "et les habitants ont vu le résultat.")  # 119 characters: a preferred length


def segment(segment_id, document, role, speaker, text, code, coder=None):
    return dict(zip(SEGMENT_COLUMNS,
                    (segment_id, document, role, speaker, text, code, coder), strict=True))


def material():
    """Two elected officials and four agents (institution), six residents and three
    association members (civil society), a journalist, and a speaker of unknown group."""
    rows = []
    for n in (1, 2):
        rows.append(segment(f"e{n}", f"entretien-elu-{n}", "élu", f"E{n}",
                            f"({n}) M. Durand a porté le projet, c'est lui qui l'a voulu.",
                            "portage"))
    for n in (1, 2, 3, 4):
        rows.append(segment(f"a{n}", f"entretien-agent-{n}", "agent", f"A{n}",
                            f"({n}) Nous manquons de moyens pour suivre les projets.",
                            "moyens"))
    for n in (1, 2, 3, 4, 5, 6):
        rows.append(segment(f"h{n}", f"atelier-{(n + 1) // 2}", "habitant", f"H{n}",
                            f"Habitant {n} : {LONG}", "résultats"))
    for n in (1, 2, 3):
        rows.append(segment(f"s{n}", f"entretien-asso-{n}", "association", f"S{n}",
                            f"Association {n} : on ne sait pas ce que deviennent nos idées.",
                            "résultats"))
    rows.append(segment("j1", "entretien-presse", "journaliste", "J1", "Je l'ai écrit.",
                        "résultats"))
    rows.append(segment("x1", "atelier-1", None, None, "On ne sait pas qui parle.", "moyens"))
    return pd.DataFrame(rows)


def test_small_groups_are_quoted_under_their_broader_group_with_their_siblings():
    quotes = select_quotes(material(), codes=["portage", "moyens"], per_group=1, threshold=3,
                           names=["Paul Durand"])
    # élus (2 people) < 3: élus *and* agents are quoted as institution (6 people), so an
    # institution quote cannot be told to come from the two elected officials
    assert quotes.to_dict("list") == {
        "code": ["portage", "moyens"],
        "group": ["institution", "institution"],
        "label": ["[acteur·rice institutionnel·le]"] * 2,
        "quote": [
            "(2) [acteur·rice institutionnel·le] a porté le projet, c'est lui qui l'a voulu.",
            "(1) Nous manquons de moyens pour suivre les projets."]}
    assert quotes.attrs == {"dropped": 1, "merged": {"élu": "institution",
                                                     "agent": "institution"},
                            "dropped_groups": ["journaliste"], "threshold": 3}


def test_groups_at_the_threshold_keep_their_own_label_and_exact_output():
    segments = material()
    segments = segments[segments["code"] == "résultats"]
    quotes = select_quotes(segments, per_group=1, threshold=3, seed=1)
    assert quotes[["code", "group", "label"]].to_dict("list") == {
        "code": ["résultats", "résultats"], "group": ["association", "habitant"],
        "label": ["[membre d'association]", "[habitant·e]"]}
    assert quotes["quote"][0].startswith("Association ")
    assert quotes["quote"][1].startswith("Habitant ")
    assert quotes.attrs["dropped"] == 1  # the journalist, alone of their group
    assert quotes.attrs["merged"] == {}


def test_a_broader_group_under_the_threshold_is_not_quoted():
    quotes = select_quotes(material(), codes="portage", threshold=7)
    assert quotes.empty and quotes.columns.tolist() == ["code", "group", "label", "quote"]
    assert quotes.attrs["dropped"] == 2
    assert quotes.attrs["dropped_groups"] == ["élu", "agent", "journaliste"]


def test_people_are_documents_when_speakers_are_not_named():
    segments = material()
    segments = segments[segments["speaker_role"] == "habitant"].assign(speaker=None)
    # six residents in three workshops: three "people" for the threshold
    assert len(select_quotes(segments, threshold=3)) == 2
    assert select_quotes(segments, threshold=4).attrs["dropped"] == 6


def test_one_quote_per_document_and_per_group_limit():
    segments = material()
    quotes = select_quotes(segments, codes="résultats", per_group=5, threshold=3)
    residents = quotes[quotes["group"] == "habitant"]
    # six residents but three workshops: one quote per workshop
    assert len(residents) == 3
    numbers = sorted(int(q.split()[1]) for q in residents["quote"])
    assert [(n + 1) // 2 for n in numbers] == [1, 2, 3]
    assert len(select_quotes(segments, codes="résultats", per_group=2,
                             threshold=3).query("group == 'habitant'")) == 2


def test_choice_is_reproducible_and_ignores_row_order():
    segments = material()
    first = select_quotes(segments, codes="résultats", per_group=1, threshold=3, seed=4)
    shuffled = segments.sample(frac=1, random_state=7)
    pd.testing.assert_frame_equal(
        first, select_quotes(shuffled, codes="résultats", per_group=1, threshold=3, seed=4))
    chosen = {select_quotes(segments, codes="résultats", per_group=1, threshold=3,
                            seed=seed)["quote"].iloc[-1] for seed in range(10)}
    assert len(chosen) > 1  # the seed does choose


def test_preferred_lengths_come_first():
    rows = [segment(f"s{n}", f"d{n}", "habitant", f"H{n}", text, "c") for n, text in
            enumerate(["Oui.", "Non.", LONG, "Bof.", "Peut-être."])]
    for seed in range(5):
        assert select_quotes(pd.DataFrame(rows), per_group=1, threshold=5,
                             seed=seed)["quote"].tolist() == [LONG]


def test_long_quotes_are_cut_at_a_sentence_with_a_mark():
    text = ("Première phrase assez courte. Deuxième phrase, un peu plus longue que la "
            "première. Troisième phrase qui ne tiendra pas dans la limite fixée.")
    rows = [segment(f"s{n}", f"d{n}", "habitant", f"H{n}", text, "c") for n in range(5)]
    quote = select_quotes(pd.DataFrame(rows), per_group=1, max_length=100)["quote"][0]
    assert quote == ("Première phrase assez courte. Deuxième phrase, un peu plus longue que "
                     "la première." + ELLIPSIS)
    assert len(quote) <= 100
    # a first sentence longer than the limit is cut between words
    quote = select_quotes(pd.DataFrame(rows), per_group=1, max_length=20)["quote"][0]
    assert quote == "Première phrase" + ELLIPSIS


def test_double_coded_segments_count_once_and_text_is_tidied():
    rows = [segment("s1", f"d{n}", "habitant", f"H{n}", "Une  idée\nsur deux lignes.", "c",
                    coder) for n in range(5) for coder in ("A", "B")]
    quotes = select_quotes(pd.DataFrame(rows[:2] + rows[2::2]), per_group=5)
    assert quotes["quote"].tolist() == ["Une idée sur deux lignes."] * 5


def test_names_of_a_mapping_are_labelled_with_the_groups_shown():
    segments = material()
    quotes = select_quotes(segments, codes="portage", per_group=1, threshold=3,
                           names={"Paul Durand": "élu"})
    # Durand is an elected official, but élus are shown as institution
    assert "M. Durand" not in quotes["quote"][0]
    assert "[acteur·rice institutionnel·le] a porté" in quotes["quote"][0]


def test_select_quotes_checks_its_input():
    with pytest.raises(InputError, match="no column named 'speaker'"):
        select_quotes(material().drop(columns="speaker"))
    with pytest.raises(InputError, match="no segment is coded 'portag'"):
        select_quotes(material(), codes=["portage", "portag"])
    with pytest.raises(ValueError, match="per_group"):
        select_quotes(material(), per_group=0)
