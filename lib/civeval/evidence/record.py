"""One evidence record per key figure: the only source of every conclusion.

A section that computes a figure records it once, with what a reader needs to trust it: its
value and kind (how it is formatted), the editions it covers, its trend across comparable
editions (direction, test, p-value, and the rule changes that kept editions out of the
test), its position among comparable peers (a percentile only when there are enough of
them), whether small cells were hidden, caveats in the report's language, and the section
that shows it. The summary, the diagnosis, the recommendations and the answers to the
evaluation questions read these records and nothing else, and a figure is formatted from
its record wherever it appears, so that the summary and the section it links to show the
same text.

Examples
--------
>>> trend = Trend(first="2022", last="2024", change=-0.279, test="régression de Poisson",
...               p_value=0.0004, significant=True)
>>> record = Evidence(key="participants_change", value=-0.279, kind="change",
...                   label="Évolution du nombre de participants", section="30_participation",
...                   trend=trend)
>>> record.text(), record.trend.direction, record.anchor
('−27,9\\xa0%', 'down', 'ev-participants_change')
>>> Evidence.from_json(record.to_json()) == record
True
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from civeval.presentation import fmt

KINDS = ("number", "percent", "change", "euro", "date", "p_value", "coefficient", "text")
# A change smaller than this (relative) is "flat" whatever the test says.
FLAT = 0.005


@dataclass(frozen=True)
class Trend:
    """How a figure moved across the comparable editions of a scheme.

    ``first`` and ``last`` are the editions compared; ``change`` is last ÷ first − 1;
    ``significant`` is the verdict of ``test`` at ``alpha`` (None when no test could be run:
    fewer than two comparable editions). ``excluded`` lists editions left out because the
    rules changed, and ``breaks`` says what changed, in the report's language: a trend is
    never tested across a change of vote type, budget per inhabitant, duration or territory.
    """

    first: str
    last: str
    change: float | None
    test: str | None = None
    p_value: float | None = None
    significant: bool | None = None
    first_value: float | None = None
    last_value: float | None = None
    value_kind: str = "number"
    alpha: float = 0.05
    excluded: tuple[str, ...] = ()
    breaks: tuple[str, ...] = ()

    @property
    def direction(self) -> str:
        """``up``, ``down`` or ``flat`` (a change under half a percent)."""
        if self.change is None or abs(self.change) < FLAT:
            return "flat"
        return "up" if self.change > 0 else "down"

    @property
    def tested(self) -> bool:
        return self.significant is not None


@dataclass(frozen=True)
class Position:
    """Where the figure stands among comparable collectivités (the benchmark).

    ``percentile`` (0 to 100: the share of peers below the client, ties counted half) is
    given only when ``peers`` reaches ``min_peers``; below that, peers are context, not a
    rank. ``scope`` says in words how the peers were chosen.
    """

    peers: int
    min_peers: int
    percentile: float | None = None
    median: float | None = None
    scope: str = ""
    section: str = ""

    @property
    def ranked(self) -> bool:
        return self.percentile is not None


@dataclass(frozen=True)
class Evidence:
    """A recorded key figure and everything a conclusion drawn from it may rest on."""

    key: str
    value: Any
    kind: str
    label: str
    section: str = ""
    scheme: str | None = None
    scheme_type: str | None = None
    editions: tuple[str, ...] = ()
    trend: Trend | None = None
    position: Position | None = None
    suppressed: bool = False
    caveats: tuple[str, ...] = ()

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind {self.kind!r}; expected one of {', '.join(KINDS)}")

    @property
    def anchor(self) -> str:
        """The id of the row that shows it in its section's page."""
        return f"ev-{self.key}"

    def text(self, language: str = "fr") -> str:
        """The value as every page shows it."""
        if self.suppressed:
            return fmt.MISSING
        return fmt.by_kind(self.value, self.kind, locale=fmt.LOCALES[language])

    def with_position(self, position: Position | None) -> Evidence:
        return replace(self, position=position)

    def to_json(self) -> dict:
        data = asdict(self)
        return {name: value for name, value in data.items()
                if value not in (None, (), [], False, "") or name in ("key", "value")}

    @classmethod
    def from_json(cls, data: dict) -> Evidence:
        values = dict(data)
        if values.get("trend"):
            trend = dict(values["trend"])
            for name in ("excluded", "breaks"):
                trend[name] = tuple(trend.get(name, ()))
            values["trend"] = Trend(**trend)
        if values.get("position"):
            values["position"] = Position(**values["position"])
        for name in ("editions", "caveats"):
            values[name] = tuple(values.get(name, ()))
        return cls(**values)

