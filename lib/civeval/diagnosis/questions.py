"""Answers to the evaluation questions, from the evidence and how solid each one is.

Every question of ``study.yml`` gets an answer in the main report. A question names the key
figures that answer it (``indicators``); the answer gathers what the diagnosis found about
them (its strengths, weaknesses and points of vigilance) or, for a figure no rule judges,
the figure itself, and links to the sections that show them. Its solidity says how far the
evidence goes:

- **established**: every figure it names was recorded, with nothing that qualifies it;
- **partial**: some figures are missing, or a figure comes with a caveat (a trend that could
  not be tested across comparable editions, a value hidden to protect small groups…);
- **cannot be answered** with these data: none of its figures was recorded; the answer says
  which data would answer it;
- **not examined**: the question names no figure; the consultant answers it in the analysis.

Examples
--------
>>> from civeval.evidence.record import Evidence
>>> from civeval.workbench.schema import Criterion, Question
>>> rate = Evidence(key="answer_rate", value=0.9, kind="percent",
...                 label="Part des propositions ayant reçu une réponse",
...                 section="30_participation")
>>> table = answers([(Criterion.IMPACT, 0, Question(question="Répond-on ?",
...                                                   indicators=["answer_rate", "proposals"]))],
...                 {"answer_rate": rate}, findings=None)
>>> table.loc[0, ["solidity", "evidence"]].tolist()
['partial', ['answer_rate']]
>>> answer = table.loc[0, "answer"]
>>> answer.startswith("Part des propositions ayant reçu une réponse : 90,0")
True
>>> answer.endswith("il manque : Propositions déposées (les données de participation).")
True
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from civeval.evidence import registry
from civeval.evidence.record import Evidence
from civeval.presentation import i18n

SOLIDITY = ("established", "partial", "unanswerable", "unmapped")
COLUMNS = ["criterion", "question", "answer", "solidity", "evidence", "missing"]


def answers(questions, evidence: Mapping[str, Evidence], findings: pd.DataFrame | None,
            language: str = "fr") -> pd.DataFrame:
    """One answer per evaluation question.

    Parameters
    ----------
    questions : iterable of (criterion, position, Question)
        :meth:`civeval.workbench.schema.StudyConfig.questions`.
    evidence : mapping
        The study's records, by key.
    findings : DataFrame or None
        :func:`civeval.diagnosis.findings.diagnose`'s findings (``indicator``, ``kind``,
        ``finding``), whose texts answer for the figures they judge.
    language : {"fr", "en"}

    Returns
    -------
    DataFrame
        ``criterion, question, answer`` (sentences), ``solidity`` (one of
        :data:`SOLIDITY`), ``evidence`` (the keys of the records it rests on, for links)
        and ``missing`` (the names of the figures that would answer it but were not
        recorded).
    """
    t = i18n.translator(language)
    judged = {} if findings is None else {
        key: group["finding"].tolist()
        for key, group in findings.dropna(subset=["indicator"]).groupby("indicator", sort=False)}
    rows = []
    for criterion, _, question in questions:
        used = [key for key in question.indicators
                if key in evidence and not evidence[key].suppressed]
        missing = [key for key in question.indicators if key not in used]
        statements = []
        for key in used:
            statements.extend(judged.get(key) or [_statement(evidence[key], t, language)])
        qualified = any(_qualified(evidence[key]) for key in used)
        if not question.indicators:
            solidity, answer = "unmapped", t("questions.unmapped")
        elif not used:
            solidity = "unanswerable"
            answer = t("questions.unanswerable", needs=_needs(missing, language))
        else:
            solidity = "partial" if missing or qualified else "established"
            answer = " ".join(dict.fromkeys(statements))
            if missing:
                answer += " " + t("questions.also_needs", needs=_needs(missing, language))
        rows.append({"criterion": str(criterion), "question": question.question,
                     "answer": answer, "solidity": solidity, "evidence": used,
                     "missing": [_name(key, language) for key in missing]})
    return pd.DataFrame(rows, columns=COLUMNS)


def _statement(record: Evidence, t, language: str) -> str:
    return t("questions.figure", label=record.label, value=record.text(language))


def _qualified(record: Evidence) -> bool:
    """Whether what the figure says must be qualified before answering with it."""
    trend = record.trend
    return bool(record.caveats) or (trend is not None and (not trend.tested or trend.breaks))


def _name(key: str, language: str) -> str:
    entry = registry.indicator(key, language)
    return entry["label"] if entry else key


def _needs(keys: list[str], language: str) -> str:
    """The figures that would answer, each with the section that computes it."""
    t = i18n.translator(language)
    parts = []
    for key in keys:
        entry = registry.indicator(key, language)
        parts.append(t("questions.need", label=_name(key, language),
                       section=t(f"questions.section.{entry['section']}") if entry else ""))
    return t("questions.join").join(parts)
