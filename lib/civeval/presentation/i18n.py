"""Message catalogues for text the workbench writes into reports.

Reports are in French; ``report.language: en`` in ``study.yml`` switches to the English
catalogue. Both catalogues live in ``locales/<lang>.yml`` as flat ``key: text`` pairs whose
text may hold ``{placeholders}``.

A text that depends on a count is a mapping of plural categories to texts instead, chosen
by the CLDR plural rules babel ships (French: 0 and 1 are ``one``; English: only 1 is), so
that agreement never falls back on « réponse(s) incomplète(s) »::

    questionnaire.method.incomplete:
      one: "{count} réponse incomplète a été écartée."
      other: "{count} réponses incomplètes ont été écartées."

``t(key, count=n)`` picks the category of ``n`` (``many`` falls back on ``other``) and
shows ``{count}`` as a number formatted for the language.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib import resources

from babel import Locale

from civeval.presentation import fmt
from civeval.workbench import yamlsource

LANGUAGES = ("fr", "en")


@cache
def catalogue(language: str) -> dict[str, str | dict[str, str]]:
    """The ``key → text`` catalogue of ``language`` (a plural message maps categories to
    texts)."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown report language {language!r}; expected one of {LANGUAGES}")
    locales = resources.files("civeval.presentation") / "locales"
    text = locales.joinpath(f"{language}.yml").read_text("utf-8")
    return yamlsource.safe_load(text)


def plural(message: dict[str, str], count, language: str = "fr") -> str:
    """The text of a plural ``message`` (category → text) that agrees with ``count``.

    Examples
    --------
    >>> message = {"one": "{count} étude", "other": "{count} études"}
    >>> plural(message, 0), plural(message, 2), plural(message, 1, "en")
    ('{count} étude', '{count} études', '{count} étude')
    """
    if isinstance(count, bool) or not isinstance(count, int | float):
        raise TypeError(f"a plural message needs a number as count, not {count!r}")
    category = Locale.parse(fmt.LOCALES[language]).plural_form(abs(count))
    return message.get(category) or message["other"]


def translator(language: str = "fr") -> Callable[..., str]:
    """Return ``t(key, **values)``, the text of ``key`` in ``language`` with values filled in.

    A plural message agrees with the number ``count`` and shows it formatted.

    Examples
    --------
    >>> t = translator("fr")
    >>> t("status.success")
    'réussi'
    >>> t("index.caption", count=1), t("index.caption", count=1200)
    ('1 étude', '1\u202f200 études')
    """
    messages = catalogue(language)
    locale = fmt.LOCALES[language]

    def t(key: str, **values) -> str:
        try:
            text = messages[key]
        except KeyError:
            raise KeyError(f"no message {key!r} in the {language!r} catalogue") from None
        if isinstance(text, dict):
            if "count" not in values:
                raise TypeError(f"the message {key!r} agrees with a count: give count=")
            count = values["count"]
            text = plural(text, count, language)
            decimals = 0 if float(count).is_integer() else None
            values = {**values, "count": fmt.number(count, decimals, locale=locale)}
        return text.format(**values) if values else text

    return t
