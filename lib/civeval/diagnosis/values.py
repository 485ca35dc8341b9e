"""Values of follow-up indicators as people write them: dates, numbers, targets by kind.

Targets (and baselines given by hand) must suit the indicator's kind in the registry
(:mod:`civeval.evidence.registry`): a percentage is a ratio between −1 and 1 (0.8 for
80 %), a number or an amount in euros is a number, a date is a date, written 2026-06-30 or
30/06/2026. The library of recommendations (:mod:`civeval.diagnosis.recommendations`), the
action plan (:mod:`civeval.diagnosis.actionplan`) and its workbook
(:mod:`civeval.diagnosis.workbook`) read values through these functions.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime

__all__ = ["as_date", "checked_value", "parse_date", "recorded_value"]

_NUMERIC_KINDS = {"number", "percent", "euro", "p_value", "coefficient"}
_DATE_EXAMPLE = "a date such as 2026-06-30 (or 30/06/2026)"


def parse_date(value):
    """``value`` as a date when it is a datetime or a text such as 2026-06-30 or 30/06/2026
    (an impossible date stays text), else ``value`` unchanged.

    Examples
    --------
    >>> parse_date("30/06/2026"), parse_date("2026-02-30"), parse_date(0.8)
    (datetime.date(2026, 6, 30), '2026-02-30', 0.8)
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        text = value.strip()
        for pattern, layout in ((r"^\d{4}-\d{2}-\d{2}$", "%Y-%m-%d"),
                                (r"^\d{1,2}/\d{1,2}/\d{4}$", "%d/%m/%Y")):
            if re.match(pattern, text):
                try:
                    return datetime.strptime(text, layout).date()
                except ValueError:
                    break
    return value


def as_date(value):
    """``value`` as a date, or ValueError (pydantic would read 2026 as a Unix time)."""
    value = parse_date(value)
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    raise ValueError(f"{value!r} is not {_DATE_EXAMPLE}")


def _number_text(text: str) -> float | None:
    """The number a text such as ``"80 %"`` or ``"0,8"`` stands for, or None."""
    clean = text.replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    clean = clean.rstrip("%").replace(",", ".")
    try:
        return float(clean)
    except ValueError:
        return None


def checked_value(value, kind: str, key: str, field: str = "target"):
    """``value`` as a value of an indicator of ``kind``; ValueError saying how to write it."""
    shown = f"{field} {value!r} of {key}"
    if kind in _NUMERIC_KINDS:
        if isinstance(value, str):
            number = _number_text(value)
            if number is None:
                raise ValueError(f"{shown} must be a number")
            if kind == "percent" and ("%" in value or abs(number) > 1):
                raise ValueError(f"{shown} must be a number, a ratio between 0 and 1: "
                                 f"write {number / 100:g} for {number:g} %")
            raise ValueError(f"{shown} must be a number: write {number:g}")
        if isinstance(value, bool) or not isinstance(value, int | float) or (
                isinstance(value, float) and not math.isfinite(value)):
            raise ValueError(f"{shown} must be a number")
        if kind == "percent" and abs(value) > 1:
            raise ValueError(f"{shown} is a percentage, written as a ratio between 0 and 1: "
                             f"write {value / 100:g} for {value:g} %")
        if kind == "p_value" and not 0 <= value <= 1:
            raise ValueError(f"{shown} is a p-value, between 0 and 1")
        return value
    if kind == "date":
        converted = parse_date(value)
        if isinstance(converted, date):
            return converted
        raise ValueError(f"{shown} must be {_DATE_EXAMPLE}")
    if isinstance(value, list | dict):
        raise ValueError(f"{shown} must be a text")
    return str(value)


def recorded_value(value, kind: str):
    """A recorded figure as :func:`checked_value` would hold it (dates are ISO text in JSON)."""
    if kind == "date" and value is not None:
        converted = parse_date(value)
        return converted if isinstance(converted, date) else value
    return value
