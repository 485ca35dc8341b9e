"""What the participation indicators share: checks of their input tables and columns, the
population they divide by, and editions written as readers write them.

The forms a population may take (a total, or inhabitants per district...) are described in
:mod:`civeval.participation.reach`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from civeval.errors import InputError

__all__ = [
    "as_list",
    "as_population",
    "check_frame",
    "check_population_table",
    "edition_label",
    "require_columns",
    "shown",
]


def as_list(columns) -> list:
    """Column names as a list: None gives [], one name gives [name]."""
    if columns is None:
        return []
    return [columns] if isinstance(columns, str) else list(columns)


def check_frame(data, name: str = "data") -> None:
    """Raise InputError unless ``data`` is a DataFrame; ``name`` says what it should be."""
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"the {name} must be a table (DataFrame), not "
                         f"{type(data).__name__}")


def require_columns(data: pd.DataFrame, *names) -> None:
    """Raise InputError naming the first of ``names`` (None skipped) missing from ``data``."""
    for name in names:
        if name is not None and name not in data.columns:
            raise InputError(f"no column named {name!r} in the data", column=name)


def as_population(population):
    """A total (float) or a Series of inhabitants keyed by category, checked."""
    if isinstance(population, pd.DataFrame):
        columns = list(population.columns)
        if len(columns) == 2:
            key, value = columns
            if value != "population" and key == "population":
                key, value = value, key
        else:
            raise InputError("a population table must have two columns: the category "
                             f"(district...) and its inhabitants; got {columns}")
        if population[key].duplicated().any():
            twice = population.loc[population[key].duplicated(), key].unique().tolist()
            raise InputError(f"population categories appear twice: {twice}", column=key)
        population = population.set_index(key)[value]
    if isinstance(population, Mapping):
        population = pd.Series(dict(population))
    if isinstance(population, pd.Series):
        if not population.index.is_unique:
            twice = population.index[population.index.duplicated()].unique().tolist()
            raise InputError(f"population categories appear twice: {twice}")
        if (not pd.api.types.is_numeric_dtype(population) or population.isna().any()
                or (population < 0).any()):
            raise InputError("population counts must be numbers ≥ 0, none missing",
                             column=population.name if isinstance(population.name, str)
                             else None)
        if population.sum() <= 0:
            raise InputError("the population counts add up to zero")
        return population.astype(float)
    if isinstance(population, bool) or not isinstance(population, int | float | np.number):
        raise InputError("the population must be a number of inhabitants or map each "
                         f"category to its inhabitants, not {type(population).__name__}")
    if not math.isfinite(population) or population <= 0:
        raise InputError(f"the population must be a positive number, not {population}")
    return float(population)


def check_population_table(frame: pd.DataFrame, file=None) -> None:
    """Refuse a population table (catalogue kind ``population``) whose counts are missing,
    not numbers, zero or negative, naming the first such row: a rate over such a district
    would be infinite or negative, and would fail only halfway through a run.

    The counts are the ``population`` column, or the second of two columns.
    """
    columns = list(frame.columns)
    column = ("population" if "population" in columns
              else columns[1] if len(columns) == 2 else None)
    if column is None:
        raise InputError("a population table needs a 'population' column (or two columns: "
                         f"the district and its inhabitants); got {columns}", file=file, row=1)
    counts = pd.to_numeric(frame[column], errors="coerce")
    bad = counts.isna() | (counts <= 0)
    if bad.any():
        position = int(bad.to_numpy().argmax())
        raise InputError("inhabitants must be a number above zero, not "
                         f"{shown([frame[column].iloc[position]])}",
                         file=file, row=position + 2, column=column)


def shown(values, limit: int = 5) -> str:
    """Values quoted for an error message, at most ``limit`` of them."""
    values = list(values)
    text = ", ".join(repr(v.item() if isinstance(v, np.generic) else v)
                     for v in values[:limit])
    return text + (f" and {len(values) - limit} more" if len(values) > limit else "")


def edition_label(value) -> str:
    """An edition as readers write it: 2022, not 2022.0 nor 2 022."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)
