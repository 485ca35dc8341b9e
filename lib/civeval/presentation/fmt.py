"""Numbers, percentages, euros and dates formatted for readers, the French way by default.

Formatting follows the CLDR rules shipped with babel, never the machine's locale: in French
the thousands separator is a narrow no-break space (U+202F), the decimal mark a comma, and a
no-break space (U+00A0) stands before ``%`` and ``€``, so ``1 234,5``, ``12,3 %``, ``1 234 €``.
Halves are rounded away from zero (``2,5`` → ``3``), as readers expect, not to even.
Negative values take the true minus sign (U+2212, ``−27,9 %``), never a hyphen; changes and
scores are signed both ways (:func:`change`, :func:`signed`). Missing values are shown as an
en dash.

Examples
--------
>>> number(1234.5)
'1\\u202f234,5'
>>> percent(0.123)
'12,3\\xa0%'
>>> euro(1234)
'1\\u202f234\\xa0€'
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
import sys
from decimal import ROUND_HALF_UP, Decimal

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal

LOCALES = {"fr": "fr_FR", "en": "en_GB"}
MISSING = "–"
MINUS = "\u2212"
_locale = "fr_FR"


def use_language(language: str) -> None:
    """Format for the report language ``language`` (``fr`` or ``en``) from now on."""
    global _locale
    _locale = LOCALES[language]


def _is_missing(value) -> bool:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True
    # pandas' NA and NaT exist only once pandas is imported; formatting (study pages, while
    # planning) must not import it to find out.
    pandas = sys.modules.get("pandas")
    return pandas is not None and (value is pandas.NA or value is pandas.NaT)


def _infinite(value) -> str | None:
    """``∞`` or ``−∞`` for an infinite value (a ratio to zero), None otherwise."""
    if isinstance(value, float | int | Decimal) and math.isinf(value):
        return "∞" if value > 0 else MINUS + "∞"
    return None


def _minus(shown: str) -> str:
    """Babel's hyphen-minus (CLDR's French minus sign) made a true minus sign; a value that
    rounds to zero loses its sign (``−0,0`` reads as an error)."""
    if not shown.startswith("-"):
        return shown
    return shown[1:] if not any(c in "123456789" for c in shown) else MINUS + shown[1:]


def _rounded(value, decimals: int) -> Decimal:
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def _digits(decimals: int) -> str:
    return "0." + "0" * decimals if decimals > 0 else "0"


def number(value, decimals: int | None = 1, locale: str | None = None) -> str:
    """A number with ``decimals`` decimals (None: as many as needed, up to 3).

    >>> number(1234.56, 1)
    '1\\u202f234,6'
    """
    if _is_missing(value):
        return MISSING
    if infinite := _infinite(value):
        return infinite
    if decimals is None:
        return _minus(format_decimal(value, locale=locale or _locale))
    pattern = "#,##" + _digits(decimals)
    return _minus(format_decimal(_rounded(value, decimals), format=pattern,
                                 locale=locale or _locale, decimal_quantization=True))


def integer(value, locale: str | None = None) -> str:
    """A whole number: ``integer(12500)`` gives ``12 500`` (narrow no-break space)."""
    return number(value, 0, locale)


def percent(ratio, decimals: int = 1, locale: str | None = None) -> str:
    """A ratio shown as a percentage: ``percent(0.123)`` gives ``12,3 %``."""
    if _is_missing(ratio):
        return MISSING
    if infinite := _infinite(ratio):
        return infinite
    locale = locale or _locale
    pattern = Locale.parse(locale).percent_formats[None].pattern
    pattern = re.sub(r"0(\.0+)?", _digits(decimals), pattern, count=1)
    value = _rounded(Decimal(str(ratio)) * 100, decimals) / 100
    return _minus(format_decimal(value, format=pattern, locale=locale))


def change(ratio, decimals: int = 1, locale: str | None = None) -> str:
    """A relative change, always signed, with a true minus sign (U+2212):
    ``change(0.25)`` gives ``+25,0 %``, ``change(-0.279)`` gives ``−27,9 %``.

    >>> change(-0.279), change(0.25)
    ('−27,9\xa0%', '+25,0\xa0%')
    """
    shown = percent(ratio, decimals, locale)
    if shown in (MISSING, "∞", MINUS + "∞") or _rounded(abs(ratio) * 100, decimals) == 0:
        return shown
    return "+" + shown if ratio > 0 else shown


def signed(value, decimals: int = 2, locale: str | None = None) -> str:
    """A number that reads as a balance, signed both ways with a true minus sign: a score
    from −1 to +1, a difference of points. Zero has no sign.

    >>> signed(0.5), signed(-1), signed(0)
    ('+0,50', '−1,00', '0,00')
    """
    shown = number(value, decimals, locale)
    if shown == MISSING or shown.startswith(MINUS) or _rounded(abs(value), decimals) == 0:
        return shown
    return "+" + shown


def euro(amount, decimals: int = 0, locale: str | None = None) -> str:
    """An amount in euros: ``euro(1234)`` gives ``1 234 €``."""
    if _is_missing(amount):
        return MISSING
    locale = locale or _locale
    pattern = Locale.parse(locale).currency_formats["standard"].pattern
    pattern = re.sub(r"0(\.0+)?", _digits(decimals), pattern, count=1).replace("¤", "€")
    return _minus(format_decimal(_rounded(amount, decimals), format=pattern, locale=locale))


def date(value, locale: str | None = None) -> str:
    """A day as ``dd/mm/yyyy``: ``date(datetime.date(2026, 11, 22))`` gives ``22/11/2026``."""
    if _is_missing(value):
        return MISSING
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        value = value.date()
    return format_date(value, "dd/MM/yyyy", locale=locale or _locale)


def long_date(value, locale: str | None = None) -> str:
    """A day in words: ``22 novembre 2026``."""
    if _is_missing(value):
        return MISSING
    if isinstance(value, dt.datetime):
        value = value.date()
    return format_date(value, "d MMMM yyyy", locale=locale or _locale)


def month(value, with_year: bool = True, locale: str | None = None) -> str:
    """A month in words: ``avril 2025``, or ``avril`` without its year."""
    if _is_missing(value):
        return MISSING
    return format_date(value, "LLLL yyyy" if with_year else "LLLL", locale=locale or _locale)


def period(start, end, locale: str | None = None) -> str:
    """Two days as a span: ``05/03/2024 – 30/11/2024``."""
    if _is_missing(start) and _is_missing(end):
        return MISSING
    return f"{date(start, locale)} – {date(end, locale)}"


def p_value(value, locale: str | None = None) -> str:
    """A p-value with three decimals, or ``< 0,001`` below that."""
    if _is_missing(value):
        return MISSING
    return "< " + number(0.001, 3, locale) if value < 0.001 else number(value, 3, locale)


def p_clause(value, locale: str | None = None) -> str:
    """``p = 0,023`` or ``p < 0,001``, to put after the name of a test."""
    shown = p_value(value, locale)
    return f"p {shown}" if shown.startswith("<") else f"p = {shown}"


def by_kind(value, kind: str, locale: str | None = None) -> str:
    """Format a recorded key figure according to its kind (see ``Study.record``)."""
    if _is_missing(value):
        return MISSING
    if isinstance(value, bool) or kind == "text":
        return str(value)
    if kind == "number":
        whole = isinstance(value, numbers.Integral) or float(value).is_integer()
        return number(value, 0 if whole else 1, locale=locale)
    if kind == "coefficient":  # kappa, alpha, Kendall's W: two decimals, always
        return number(value, 2, locale=locale)
    if kind == "date":
        return date(value, locale=locale)
    if kind == "p_value":
        return p_value(value, locale=locale)
    formatter = {"percent": percent, "euro": euro, "change": change}[kind]
    return formatter(value, locale=locale)
