"""The registry of key figures: every key a report section records with ``study.record``.

The registry is package data (``civeval/evidence/indicators.yml``): for each key, how it is
formatted (``kind``), the template that records it (``section``), its general name
(``label``) and its formula in words (``definition``), in French and English, and, where
it means something, which way it is good (``better``: higher or lower) and the evaluation
criterion it informs. Keys that hold ``<name>`` are patterns (``participants_<edition>``).

The diagnostic grid may only name keys of the registry, and the main report's annex
"definitions of indicators" lists it.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from civeval.evidence.record import KINDS
from civeval.workbench import yamlsource

REGISTRY = "indicators.yml"
LANGUAGES = ("fr", "en")
_PLACEHOLDER = re.compile(r"<([a-z_]+)>")


@cache
def _registry() -> dict[str, dict]:
    text = resources.files("civeval.evidence").joinpath(REGISTRY).read_text("utf-8")
    entries = yamlsource.safe_load(text)["indicators"]
    for key, entry in entries.items():
        # The registry ships with the package: a slip in it is a bug, caught by the tests.
        if entry.get("kind") not in KINDS:
            raise ValueError(f"{REGISTRY}: {key}: unknown kind {entry.get('kind')!r}")
        if entry.get("better") not in (None, "higher", "lower"):
            raise ValueError(f"{REGISTRY}: {key}: better is higher or lower")
        for field in ("label", "definition"):
            if set(entry.get(field) or {}) != set(LANGUAGES):
                raise ValueError(f"{REGISTRY}: {key}: {field} needs fr and en")
    return entries


@cache
def _patterns() -> list[tuple[str, re.Pattern]]:
    """The pattern keys as regular expressions, the most specific (longest fixed text)
    first, so that ``participants_change`` never reads as an edition called "change"."""
    patterns = []
    for key in _registry():
        if _PLACEHOLDER.search(key):
            parts = _PLACEHOLDER.split(key)
            regex = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+)"
                            for i, part in enumerate(parts))
            patterns.append((key, re.compile(regex)))
    return sorted(patterns, key=lambda p: -len(_PLACEHOLDER.sub("", p[0])))


def _describe(key: str, entry: dict, language: str) -> dict:
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; expected one of {LANGUAGES}")
    return {"key": key, "kind": entry["kind"], "section": entry["section"],
            "label": entry["label"][language], "definition": entry["definition"][language],
            "pattern": bool(_PLACEHOLDER.search(key)),
            "status": entry.get("status", "recorded"), "better": entry.get("better"),
            "criterion": entry.get("criterion")}


def known_indicators(language: str = "fr") -> list[dict]:
    """Every key of the registry, patterns included, in the registry's order (by section).

    Parameters
    ----------
    language : {"fr", "en"}
        The language of labels and definitions.

    Returns
    -------
    list of dict
        ``key`` (a key or a pattern such as ``participants_<edition>``), ``kind``,
        ``section``, ``label``, ``definition``, ``pattern`` (bool) and ``status``
        (``recorded``, or ``planned`` for a key no section records yet).

    Examples
    --------
    >>> rows = known_indicators("en")
    >>> [row for row in rows if row["key"] == "turnout_rate"][0]["definition"]
    'Participants in the last edition ÷ total INSEE population of the collectivité.'
    >>> any(row["key"] == "participants_<edition>" and row["pattern"] for row in rows)
    True
    """
    return [_describe(key, entry, language) for key, entry in _registry().items()]


def indicator(key: str, language: str = "fr") -> dict | None:
    """The registry entry of a recorded key, matching patterns too; None if unknown.

    Parameters
    ----------
    key : str
        A key as recorded (``turnout_rate``, ``participants_2023``).
    language : {"fr", "en"}
        The language of the label and definition.

    Returns
    -------
    dict or None
        As in :func:`known_indicators`, with ``key`` the key asked for, ``matched`` the
        registry key it matched (the pattern for a pattern) and ``parts`` the text each
        placeholder stood for (``{"edition": "2023"}``; empty for a plain key).

    Examples
    --------
    >>> entry = indicator("participants_2023")
    >>> entry["matched"], entry["parts"], entry["kind"]
    ('participants_<edition>', {'edition': '2023'}, 'number')
    >>> indicator("turnout_rate")["better"], indicator("abandonment_rate")["better"]
    ('higher', 'lower')
    >>> indicator("participants_change")["matched"]
    'participants_change'
    >>> indicator("no_such_figure") is None
    True
    """
    registry = _registry()
    if key in registry and not _PLACEHOLDER.search(key):
        return {**_describe(key, registry[key], language), "matched": key, "parts": {}}
    for pattern, regex in _patterns():
        match = regex.fullmatch(key)
        if match is None:
            continue
        return {**_describe(pattern, registry[pattern], language), "key": key,
                "matched": pattern, "parts": match.groupdict()}
    return None


def is_known(key: str) -> bool:
    """Whether ``key`` is in the registry, as a plain key or an instance of a pattern.

    Examples
    --------
    >>> is_known("answer_rate"), is_known("dissimilarity_age"), is_known("answer_ratio")
    (True, True, False)
    """
    return indicator(key) is not None
