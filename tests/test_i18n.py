"""The report-text catalogues."""

import pytest

from civeval import i18n


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
