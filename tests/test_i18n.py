"""The report-text catalogues."""

import pytest

from civeval.presentation import i18n


def test_catalogues_have_the_same_keys():
    french, english = i18n.catalogue("fr"), i18n.catalogue("en")
    assert sorted(set(french) ^ set(english)) == []


def test_placeholders_agree_between_languages():
    import string

    def fields(message):
        texts = message.values() if isinstance(message, dict) else [message]
        return {name for text in texts for _, name, _, _ in string.Formatter().parse(text)
                if name}

    french, english = i18n.catalogue("fr"), i18n.catalogue("en")
    assert {k: fields(v) for k, v in french.items()} == {k: fields(v) for k, v in english.items()}


def test_translator_fills_values_and_names_unknown_keys():
    t = i18n.translator("fr")
    assert t("index.caption", count=3) == "3 études"
    with pytest.raises(KeyError, match="no message 'nope' in the 'fr' catalogue"):
        t("nope")
    with pytest.raises(ValueError, match="unknown report language 'de'"):
        i18n.translator("de")


def test_no_key_is_written_twice():
    # YAML keeps the last of two equal keys silently, so a duplicate hides a message.
    from importlib import resources

    import yaml

    for language in i18n.LANGUAGES:
        locales = resources.files("civeval.presentation") / "locales"
        text = locales.joinpath(f"{language}.yml").read_text("utf-8")
        keys = [key.value for key, _ in yaml.compose(text).value]
        assert sorted({k for k in keys if keys.count(k) > 1}) == [], language


def test_plural_messages_agree_with_their_count_by_the_rules_of_each_language():
    french, english = i18n.translator("fr"), i18n.translator("en")
    assert [french("index.caption", count=n) for n in (0, 1, 2)] == [
        "0 étude", "1 étude", "2 études"]
    assert [english("index.caption", count=n) for n in (0, 1, 2)] == [
        "0 studies", "1 study", "2 studies"]
    # The count is shown the language's way; CLDR's "many" (a million) reads as "other".
    assert french("index.caption", count=1_000_000) == "1\u202f000\u202f000 études"
    assert french("questionnaire.method.incomplete", count=1).startswith(
        "1 réponse incomplète a été écartée.")
    assert french("questionnaire.method.incomplete", count=77).startswith(
        "77 réponses incomplètes ont été écartées.")


def test_a_plural_message_needs_a_number_to_agree_with():
    t = i18n.translator("fr")
    with pytest.raises(TypeError, match="agrees with a count"):
        t("index.caption")
    with pytest.raises(TypeError, match="needs a number"):
        t("index.caption", count="3")


def test_plural_messages_have_an_other_form_and_only_cldr_categories():
    for language in i18n.LANGUAGES:
        for key, message in i18n.catalogue(language).items():
            if isinstance(message, dict):
                assert "other" in message, (language, key)
                assert set(message) <= {"zero", "one", "two", "few", "many", "other"}, key


def test_no_message_writes_an_optional_plural_or_a_file_name():
    import re

    for language in i18n.LANGUAGES:
        for key, message in i18n.catalogue(language).items():
            for text in message.values() if isinstance(message, dict) else [message]:
                assert not re.search(r"\w\((s|e|es|ies)\)", text), (language, key, text)
                assert not re.search(r"study\.yml|data/|\.csv\b", text), (language, key, text)


def _placeholders(text: str) -> set[str]:
    import string

    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_plural_message_reads_one_form_for_one_and_the_other_for_two():
    # The other placeholders get their own name as value, so that the text is whole.
    for language in i18n.LANGUAGES:
        t = i18n.translator(language)
        for key, message in i18n.catalogue(language).items():
            if not isinstance(message, dict):
                continue
            names = set().union(*map(_placeholders, message.values())) - {"count"}
            values = {name: f"<{name}>" for name in names}
            for count, form in ((1, "one"), (2, "other")):
                expected = message.get(form, message["other"]).format(**values, count=count)
                assert t(key, count=count, **values) == expected, (language, key, count)


# Placeholders that hold a bare number. In a message that is not plural, each may only be
# where nothing agrees with it; every such place is listed here, with why.
COUNT_PLACEHOLDERS = {"n", "count", "peers", "events", "winners", "segments", "answers",
                      "years", "min_peers", "threshold", "criteria", "codes", "needed",
                      "rows", "total"}
COUNT_EXCEPTIONS = {
    ("diagnostic.evidence", "threshold"): "a rule's threshold, a value, not a count",
    ("realisation.intro_editions", "count"): "said of two editions or more; the caller "
                                             "words one edition with intro_one_edition",
    ("realisation.mature_text", "winners"): "« (3 sur 8) »: no noun after it",
    ("realisation.city_wide_note", "count"): "after a colon, no noun",
    ("realisation.unknown_note", "count"): "after a colon, no noun",
    ("realisation.without_budget_text", "count"): "after a colon, no noun",
    ("realisation.districts_city_wide", "count"): "alone in parentheses",
    ("realisation.delay_no_median", "events"): "« (3 sur 8) »: no noun after it",
    ("realisation.delay_no_median", "n"): "« (3 sur 8) »: no noun after it",
    ("realisation.duplicates_text", "rows"): "after a colon, no noun",
    ("method.benchmark", "peers"): "« jusqu'à 6 par indicateur »: no noun after it",
    ("method.benchmark", "needed"): "« à partir de 5 »: no noun after it",
    ("limits.unranked", "needed"): "« il en faut au moins 5 »: no noun after it",
    ("questionnaire.themes.group_column", "n"): "« (n = 12) »",
    ("instruments.routing", "answers"): "the answers' labels, not a count",
}


def test_a_count_placeholder_is_in_a_plural_message_or_a_listed_exception():
    for language in i18n.LANGUAGES:
        found = {(key, name) for key, message in i18n.catalogue(language).items()
                 if isinstance(message, str)
                 for name in _placeholders(message) & COUNT_PLACEHOLDERS}
        assert sorted(found - set(COUNT_EXCEPTIONS)) == [], language
        assert sorted(set(COUNT_EXCEPTIONS) - found) == [], language  # no stale exception


def test_counts_that_once_read_1_entretiens_agree_in_french():
    t = i18n.translator("fr")
    assert t("method.interviews", count=1, groups=t("count.stakeholder_groups", count=1)) \
        == "1 entretien a été mené auprès de 1 groupe d'acteurs."
    assert t("method.interviews", count=18, groups=t("count.stakeholder_groups", count=4)) \
        == "18 entretiens ont été menés auprès de 4 groupes d'acteurs."
    assert t("realisation.delay_text", count=1, total="3", median="4", low="2",
             high="9").endswith("suivis jusqu'à la date d'extraction : 1 projet livré sur 3.")
    assert t("realisation.delay_alt", count=1, first="2024", last="2024").startswith(
        "Courbe en escalier, pour 1 édition (2024)")
    assert t("count.years", count=1) == "1 an" and t("count.years", count=5) == "5 ans"
    assert t("limits.small_cells", count=1).startswith("Les cases décrivant moins de 1 "
                                                       "personne sont masquées")
