"""What the transparency indicators share: checks of the columns they are given."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from civeval.errors import InputError

__all__ = [
    "group_columns",
    "require_columns",
]


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
