"""Survey answers as the tests and models of :mod:`civeval.survey` read them.

The columns a test names are checked to exist, categories are put in display order, and
ordinal answers (an ordered categorical, or numbers) are scored 1, 2, 3…, the same way for
:mod:`civeval.survey.compare`, :mod:`civeval.survey.reliability` and
:mod:`civeval.survey.models`. Problems raise :class:`~civeval.errors.InputError`, naming the
column.
"""

from __future__ import annotations

import pandas as pd

from civeval.errors import InputError


def require_columns(data: pd.DataFrame, *names) -> None:
    """Check that every name given (None aside) is a column of ``data``; raise
    :class:`~civeval.errors.InputError` naming the first that is not."""
    for name in names:
        if name is not None and name not in data.columns:
            raise InputError(f"no column named {name!r} in the data", column=name)


def display_levels(values: pd.Series) -> list:
    """Categories in display order: a categorical's own order, else sorted when possible."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return list(values.cat.categories)
    present = pd.unique(values.dropna())
    try:
        return sorted(present)
    except TypeError:  # mixed types cannot be sorted: keep the order of appearance
        return list(present)


def ordinal_scores(values: pd.Series, name) -> pd.Series:
    """Ordinal answers as numbers: an ordered categorical's levels become 1, 2, 3…"""
    if isinstance(values.dtype, pd.CategoricalDtype):
        if not values.cat.ordered:
            raise InputError("is an unordered categorical; ordinal tests need an ordered "
                             "one (or numbers)", column=name)
        codes = values.cat.codes.astype(float)
        return (codes + 1).where(codes >= 0)
    if pd.api.types.is_bool_dtype(values):
        return values.astype(float)
    if pd.api.types.is_numeric_dtype(values):
        return values.astype(float)
    raise InputError(f"holds {values.dtype} values; ordinal tests need numbers or an ordered "
                     "categorical", column=name)
