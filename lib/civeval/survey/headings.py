"""What a platform module tells :func:`civeval.survey.io.read_survey` about an export's
headings: the tidy name of each question column, where the respondent id and the submission
date are, which export variant it recognised, and which columns it knows to be personal."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Headings:
    """An export's headings as its platform module reads them.

    Attributes
    ----------
    names : dict
        Header → tidy name of every question column kept, in file order; headers left out
        (system columns, metadata, select-multiple summaries) are dropped.
    id_column, submitted_column : str or None
        The headers of the respondent id and of the submission date.
    variant : str
        The export variant recognised, in words (« LimeSurvey, headings "code. text" »).
    personal : dict
        Header → reason (see :mod:`civeval.survey.personal`) of the columns the platform
        itself says hold personal data (a LimeSurvey participant attribute, say).
    """

    names: dict[str, str]
    id_column: str | None
    submitted_column: str | None
    variant: str
    personal: dict[str, str] = field(default_factory=dict)
