"""The report-text catalogues."""

import pytest

from civeval.presentation import i18n


def test_catalogues_have_the_same_keys():
    french, english = i18n.catalogue("fr"), i18n.catalogue("en")
    assert sorted(set(french) ^ set(english)) == []


def test_placeholders_agree_between_languages():
    import string

    def fields(text):
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    french, english = i18n.catalogue("fr"), i18n.catalogue("en")
    assert {k: fields(v) for k, v in french.items()} == {k: fields(v) for k, v in english.items()}


def test_translator_fills_values_and_names_unknown_keys():
    t = i18n.translator("fr")
    assert t("index.caption", count=3) == "3 étude(s)"
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
