"""French formatting of numbers, percentages, euros and dates (CLDR rules through babel)."""

import datetime as dt
import math

import pandas as pd
import pytest

from civeval.presentation import fmt

NNBSP, NBSP = "\u202f", "\u00a0"  # narrow no-break space (groups), no-break space (units)


@pytest.fixture(autouse=True)
def french():
    fmt.use_language("fr")
    yield
    fmt.use_language("fr")


@pytest.mark.parametrize(("value", "decimals", "expected"), [
    (1234.5, 1, f"1{NNBSP}234,5"),
    (1234567.891, 2, f"1{NNBSP}234{NNBSP}567,89"),
    (0.5, 0, "1"),          # halves round away from zero, not to even
    (2.5, 0, "3"),
    (2.675, 2, "2,68"),     # decimal rounding of the written value, not of its binary form
    (-1234.5, 1, f"\u22121{NNBSP}234,5"),  # a true minus sign, never a hyphen
    (-0.04, 1, "0,0"),      # rounded to zero, a value loses its sign
    (12, None, "12"),
    (3.14159, None, "3,142"),
])
def test_number(value, decimals, expected):
    assert fmt.number(value, decimals) == expected


def test_integer_and_missing_values():
    assert fmt.integer(12500) == f"12{NNBSP}500"
    for missing in (None, math.nan, pd.NA, pd.NaT):
        assert fmt.number(missing) == fmt.MISSING
        assert fmt.percent(missing) == fmt.MISSING


def test_percent_takes_a_ratio():
    assert fmt.percent(0.123) == f"12,3{NBSP}%"
    assert fmt.percent(0.04, 0) == f"4{NBSP}%"
    assert fmt.percent(1.0, 1) == f"100,0{NBSP}%"
    assert fmt.percent(0.0005, 1) == f"0,1{NBSP}%"


def test_euro():
    assert fmt.euro(1234) == f"1{NNBSP}234{NBSP}€"
    assert fmt.euro(150000.4) == f"150{NNBSP}000{NBSP}€"
    assert fmt.euro(12.5, 2) == f"12,50{NBSP}€"


def test_dates():
    assert fmt.date(dt.date(2026, 11, 22)) == "22/11/2026"
    assert fmt.date(pd.Timestamp("2024-03-05 14:00")) == "05/03/2024"
    assert fmt.date("2025-04-01T10:00:00+00:00") == "01/04/2025"
    assert fmt.long_date(dt.date(2026, 11, 22)) == "22 novembre 2026"
    assert fmt.period(dt.date(2024, 3, 1), dt.date(2024, 10, 31)) == "01/03/2024 – 31/10/2024"


def test_english_reports_use_english_conventions():
    fmt.use_language("en")
    assert fmt.number(1234.5) == "1,234.5"
    assert fmt.percent(0.123) == "12.3%"
    assert fmt.euro(1234) == "€1,234"


def test_formatting_does_not_depend_on_the_machine_locale(monkeypatch):
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert fmt.number(1234.5) == f"1{NNBSP}234,5"


def test_by_kind_formats_recorded_figures():
    assert fmt.by_kind(0.08, "percent") == f"8,0{NBSP}%"
    assert fmt.by_kind(12400, "number") == f"12{NNBSP}400"
    assert fmt.by_kind(3.25, "number") == "3,3"
    assert fmt.by_kind(150000, "euro") == f"150{NNBSP}000{NBSP}€"
    assert fmt.by_kind("2024-10-21", "date") == "21/10/2024"
    assert fmt.by_kind("Rennes", "text") == "Rennes"


def test_p_values():
    assert fmt.p_value(0.0456) == "0,046"
    assert fmt.p_value(0.00002) == "< 0,001"
    assert fmt.by_kind(0.5, "p_value") == "0,500"


def test_coefficients_keep_two_decimals():
    assert fmt.by_kind(0.8765, "coefficient") == "0,88"
    assert fmt.by_kind(1.0, "coefficient") == "1,00"


def test_negative_values_take_the_minus_sign_in_every_format():
    assert fmt.percent(-0.279) == f"\u221227,9{NBSP}%"
    assert fmt.euro(-1500) == f"\u22121{NNBSP}500{NBSP}€"
    assert fmt.number(float("-inf")) == "\u2212∞"
    assert fmt.number(-1.5, 1, locale="en_GB") == "\u22121.5"


def test_changes_and_scores_are_signed_both_ways():
    assert (fmt.change(0.25), fmt.change(-0.279), fmt.change(0.0)) == (
        f"+25,0{NBSP}%", f"\u221227,9{NBSP}%", f"0,0{NBSP}%")
    assert (fmt.signed(0.5), fmt.signed(-1), fmt.signed(0), fmt.signed(-0.001)) == (
        "+0,50", "\u22121,00", "0,00", "0,00")
    assert fmt.signed(None) == fmt.MISSING


def test_each_kind_carries_its_precision():
    assert fmt.by_kind(0.75, "coefficient") == "0,75"   # not 0,8
    assert fmt.by_kind(0.038, "coefficient") == "0,04"  # not 0,0
    assert fmt.by_kind(0.1234, "percent") == f"12,3{NBSP}%"
    assert (fmt.p_clause(0.0004), fmt.p_clause(0.0231)) == ("p < 0,001", "p = 0,023")
