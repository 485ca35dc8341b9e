"""Which editions of a scheme can be compared: a trend is never tested across a rule change.

Participation across editions says something about the scheme only if the editions played by
the same rules. When the vote type changes (cumulative to approval), the budget per
inhabitant moves by half again or more, the vote lasts twice as long or half as long, the
territory changes (a city-wide vote split into districts) or the study declares a change,
the trend is tested on the editions since the last change only, and the report says what
changed and which editions were left out.

:func:`rule_changes` finds the changes from a table of edition facts (from ``study.yml``
with :func:`study_facts`, from the vote files' META, or both);
:func:`comparable_editions` gives the editions since the last change.

Examples
--------
>>> facts = pd.DataFrame({"edition": ["2019", "2022", "2024"],
...                       "vote_type": ["cumulative", "approval", "approval"],
...                       "budget_per_inhabitant": [1.98, 15.8, 15.8]})
>>> changes = rule_changes(facts)
>>> changes["2022"]
['type de vote : cumulatif → approbation', 'budget par habitant : 1,98\\xa0€ → 15,80\\xa0€']
>>> comparable_editions(["2019", "2022", "2024"], changes)
['2022', '2024']
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from civeval.presentation import fmt, i18n

# Ratios between two editions beyond which they are not comparable.
BUDGET_RATIO = 1.5  # budget per inhabitant, either way
DURATION_RATIO = 2.0  # length of the vote, either way
FACTS = ("vote_type", "rule", "budget_per_inhabitant", "districts", "duration_days",
         "declared")


def study_facts(scheme, population: int) -> pd.DataFrame:
    """The facts ``study.yml`` gives about each edition of ``scheme``: budget per
    inhabitant (declared ``budget`` ÷ ``population``), duration in days (for editions dated
    to the day) and the declared ``changes``.

    Returns
    -------
    DataFrame
        ``edition, budget_per_inhabitant, duration_days, declared``, in the scheme's order.
    """
    return pd.DataFrame([{
        "edition": edition.label,
        "budget_per_inhabitant": (edition.budget / population
                                  if edition.budget is not None else None),
        "duration_days": ((edition.end - edition.start).days + 1
                          if edition.precision == "day" else None),
        "declared": edition.changes} for edition in scheme.editions],
        columns=["edition", "budget_per_inhabitant", "duration_days", "declared"])


def rule_changes(facts: pd.DataFrame, language: str = "fr") -> dict[str, list[str]]:
    """What changed in the rules of each edition since the one before, in words.

    Parameters
    ----------
    facts : DataFrame
        One row per edition, in order: ``edition`` and any of ``vote_type``, ``rule``,
        ``budget_per_inhabitant``, ``districts`` (how many district votes), ``duration_days``
        and ``declared`` (a change the study declares for that edition); a missing value is
        unknown, never a change.
    language : {"fr", "en"}

    Returns
    -------
    dict
        Edition → the changes since the previous edition (editions without a change are
        left out).
    """
    t = i18n.translator(language)
    locale = fmt.LOCALES[language]
    changes: dict[str, list[str]] = {}
    rows = facts.to_dict("records")
    for previous, row in zip(rows, rows[1:], strict=False):
        found = []
        for name in ("vote_type", "rule"):
            before, after = previous.get(name), row.get(name)
            if _known(before) and _known(after) and before != after:
                found.append(t(f"comparability.{name}", before=_word(t, name, before),
                               after=_word(t, name, after)))
        for name, limit, shown in (
                ("budget_per_inhabitant", BUDGET_RATIO, lambda v: fmt.euro(v, 2, locale)),
                ("duration_days", DURATION_RATIO, lambda v: fmt.integer(v, locale))):
            before, after = previous.get(name), row.get(name)
            if _known(before) and _known(after) and before > 0 and after > 0 and (
                    max(before, after) / min(before, after) >= limit):
                # The length agrees with its noun (« 1 jour »); an amount has none.
                after_value = ({"count": int(after)} if name == "duration_days"
                               else {"after": shown(after)})
                found.append(t(f"comparability.{name}", before=shown(before), **after_value))
        before, after = previous.get("districts"), row.get("districts")
        if _known(before) and _known(after) and before != after:
            found.append(t("comparability.districts", before=fmt.integer(before, locale),
                           count=int(after)))
        if _known(row.get("declared")):
            found.append(str(row["declared"]).strip())
        if found:
            changes[str(row["edition"])] = found
    return changes


def comparable_editions(editions: Sequence[str], changes: dict[str, list[str]]
                        ) -> list[str]:
    """The editions since the last one whose rules changed (that one included)."""
    editions = [str(e) for e in editions]
    start = max((i for i, edition in enumerate(editions) if edition in changes), default=0)
    return editions[start:]


def change_texts(changes: dict[str, list[str]], language: str = "fr") -> tuple[str, ...]:
    """Each change as a sentence naming its edition: ``2022 : type de vote : …``."""
    t = i18n.translator(language)
    return tuple(t("comparability.change", edition=edition, what=what)
                 for edition, items in changes.items() for what in items)


def _known(value) -> bool:
    return value is not None and not (isinstance(value, float) and pd.isna(value)) \
        and str(value).strip() not in ("", "None", "unknown")


def _word(t, name: str, value) -> str:
    """A Pabulib vote type or rule in words, when the catalogue knows it."""
    key = f"comparability.{name}.{value}"
    try:
        return t(key)
    except KeyError:
        return str(value)
