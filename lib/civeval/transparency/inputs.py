"""What the transparency indicators share: checks of the columns they are given."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from civeval.errors import InputError

__all__ = [
    "group_columns",
    "months_between",
    "require_columns",
]

_MONTH_DAYS = 365.25 / 12


def group_columns(by) -> list[str]:
    """The grouping column(s) ``by`` as a list: None gives [], one name gives [name]."""
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def require_columns(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    """Raise InputError naming the ``columns`` missing from ``frame``, which ``what`` needs."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(f"{what} needs the column(s) {', '.join(missing)}")


def months_between(start: pd.Series, end: pd.Series) -> pd.Series:
    """Calendar months from ``start`` to ``end``: whole months between first days of month
    are exact (Sept. to the next July is 10), the days beyond count as days / 30.4375.

    >>> months_between(pd.Series(pd.to_datetime(["2019-09-01", "2019-09-01"])),
    ...                pd.Series(pd.to_datetime(["2020-07-01", "2020-07-31"]))).round(2).tolist()
    [10.0, 10.99]
    """
    return ((end.dt.year - start.dt.year) * 12 + (end.dt.month - start.dt.month)
            + (end.dt.day - start.dt.day) / _MONTH_DAYS).astype(float)
