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
