"""Typed exceptions that carry the context a user needs to fix their input.

Every error a user can cause (a typo in ``study.yml``, an unreadable CSV, a parameter a
template does not know) is a :class:`CivevalError`. The command line prints its message
and exits with status 2, without a traceback; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from pathlib import Path


class CivevalError(Exception):
    """Base class for errors caused by the user's input, not by a bug."""

    exit_status = 2


class InputError(CivevalError):
    """A problem in one input file, located as precisely as possible.

    Parameters
    ----------
    message : str
        What is wrong, in plain words.
    file : path, optional
        The file at fault.
    row, column : optional
        Where in the file: the line (1-based, as an editor shows it) and the column
        (a name for tables, a 1-based number for text files).
    study : str, optional
        The study whose input this is.
    """

    def __init__(self, message, *, file=None, row=None, column=None, study=None):
        self.message = message
        self.file = Path(file) if file is not None else None
        self.row = row
        self.column = column
        self.study = study
        super().__init__(str(self))

    def __str__(self) -> str:
        where = []
        if self.study:
            where.append(f"study {self.study!r}")
        if self.file is not None:
            where.append(str(self.file))
        if self.row is not None:
            where.append(f"line {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}" if isinstance(self.column, str)
                         else f"column {self.column}")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


class StudyError(InputError):
    """``study.yml`` is missing, malformed or does not follow the schema."""


class CatalogError(InputError):
    """A data-catalogue entry whose file is missing or does not parse."""


class ParameterError(InputError):
    """Parameters given to a template do not match its ``parameters`` cell."""


class TemplateError(InputError):
    """A template is missing, malformed, or its dependencies cannot be ordered."""


class SurveyError(InputError):
    """Survey responses or their codebook do not agree (unknown label, duplicate id...)."""


class WeightingError(InputError):
    """Weights cannot be computed: inconsistent margins, an empty category, bad weights."""


class InstrumentError(InputError):
    """The question bank, a study's ``instruments:`` or a filled observation grid is wrong
    (an unknown item, a routing to a later item, categories that differ from the margins)."""


def combine(problems: list[InputError]) -> InputError:
    """One error whose message lists every problem, one per line (``problems`` keeps them)."""
    if len(problems) == 1:
        return problems[0]
    combined = type(problems[0])("\n".join(str(p) for p in problems))
    combined.problems = problems
    return combined
