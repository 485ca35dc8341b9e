"""Validation shared by the library of recommendations and the action plan.

Both are YAML written by people (``data/reference/recommandations.yml``, read by
:mod:`civeval.diagnosis.recommendations`; ``action_plan:`` in ``study.yml``, read by
:mod:`civeval.diagnosis.actionplan`), checked with pydantic models built on
:class:`StrictModel`. Every mistake becomes an :class:`ActionPlanError` naming the file,
line and column, with a "did you mean" when a close name exists.
"""

from __future__ import annotations

import difflib
import re
from typing import get_args

from pydantic import BaseModel, ConfigDict, ValidationError

from civeval.errors import InputError, combine
from civeval.evidence import registry
from civeval.presentation import i18n

__all__ = [
    "ActionPlanError",
    "StrictModel",
    "check_language",
    "did_you_mean",
    "unknown_indicator",
    "validation_problems",
]


class ActionPlanError(InputError):
    """The library of recommendations or the action plan of ``study.yml`` is wrong."""


class StrictModel(BaseModel):
    """The base of the YAML schemas: no unknown key, frozen, keys read by alias or name."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _fields_at(model: type[BaseModel], loc: tuple) -> list[str]:
    """The keys allowed in the mapping that holds ``loc`` (for "did you mean")."""
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        info = next((f for name, f in model.model_fields.items()
                     if (f.alias or name) == part), None)
        if info is None:
            return []
        stack, found = [info.annotation], None
        while stack and found is None:
            candidate = stack.pop()
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                found = candidate
            stack.extend(get_args(candidate))
        if found is None:
            return []
        model = found
    return [f.alias or name for name, f in model.model_fields.items()]


def did_you_mean(word, choices) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``choices`` to ``word``, else ``""``.

    Examples
    --------
    >>> did_you_mean("transparance", ["communication", "transparence"])
    " (did you mean 'transparence'?)"
    """
    close = difflib.get_close_matches(str(word), list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


_SHAPES = {"model_type": "a mapping of keys", "dict_type": "a mapping of keys",
           "list_type": "a list", "string_type": "a text"}


def _problem_text(error: dict, model: type[BaseModel], prefix: tuple) -> str:
    loc = error["loc"]
    path = ".".join(str(part) for part in (*prefix, *loc))
    kind = error["type"]
    if kind == "extra_forbidden":
        where = ".".join(str(part) for part in (*prefix, *loc[:-1]))
        return (f"unknown key {loc[-1]!r} in {where}"
                + did_you_mean(loc[-1], _fields_at(model, loc)))
    if kind == "missing":
        return f"missing required key {path!r}"
    if kind == "literal_error":
        choices = re.findall(r"'([^']*)'|(\d+)", error.get("ctx", {}).get("expected", ""))
        choices = [text or digits for text, digits in choices]
        value = error.get("input")
        return (f"{path}: {value!r} is not allowed; expected one of: {', '.join(choices)}"
                + did_you_mean(value, choices))
    if kind in _SHAPES:
        return f"{path}: must be {_SHAPES[kind]}"
    return f"{path}: {error['msg'].removeprefix('Value error, ')}"


def validation_problems(error: ValidationError, model, prefix: tuple, where) -> InputError:
    """One located error for every problem pydantic found (``where(*loc)`` locates)."""
    problems = [ActionPlanError(_problem_text(item, model, prefix), **where(*item["loc"]))
                for item in error.errors()]
    return combine(problems)


def unknown_indicator(key: str) -> str:
    """The message for an indicator ``key`` that is not in the registry of indicators
    (:mod:`civeval.evidence.registry`), with the closest key it knows."""
    plain = [row["key"] for row in registry.known_indicators() if not row["pattern"]]
    return f"indicator {key!r} is not in the registry of indicators" + did_you_mean(key, plain)


def check_language(language: str) -> None:
    """Raise ValueError unless ``language`` is a report language (``fr`` or ``en``)."""
    if language not in i18n.LANGUAGES:
        raise ValueError(f"unknown report language {language!r}; expected one of "
                         f"{i18n.LANGUAGES}")
