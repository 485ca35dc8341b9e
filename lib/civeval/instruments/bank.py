"""The question bank: the items, interview themes, workshop steps and observation events that
instruments are made of (``data/reference/question_bank.yml``, its format in the file's head).

:func:`load_bank` reads and checks it; :func:`parse_item` and :func:`check_items` are also
what a study's own items go through (:mod:`civeval.instruments.select`), so that a study's
item is held to the bank's rules. Every fault is one
:class:`~civeval.errors.InstrumentError` naming the file, the line and the column: an item
whose name is given twice, a routing condition (``ask_if``) that refers to a later or unknown
item or to answers that item does not have, a Likert item without levels, an unknown theme,
scale, criterion, scheme type or indicator.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from civeval.errors import InstrumentError
from civeval.evidence import registry
from civeval.workbench import paths, yamlsource
from civeval.workbench.schema import Criterion, SchemeType

BANK_FILE = "data/reference/question_bank.yml"
TYPES = ("likert", "single", "multiple", "numeric", "text")
ITEM_KEYS = {"name", "theme", "type", "scale", "levels", "fr", "en", "criterion", "indicator",
             "schemes", "before_after", "ask_if", "margin", "minimum", "maximum"}
# LimeSurvey question and answer codes allow letters and digits only; XLSForm names allow
# more, so the stricter rule makes one name serve every tool.
NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")
CODE = re.compile(r"^[A-Za-z0-9]+$")
EVENT_CODE = re.compile(r"^[a-z][a-z0-9_]*$")
LEVELS_FROM_MARGINS = "margins"
ITEM_PLACEHOLDER = "<item>"

# where(path inside the record) → file, row and column keyword arguments of an error.
Locate = Callable[..., dict]


@dataclass(frozen=True)
class Choice:
    """An answer: its code (what exports write) and its wording in French and English."""

    code: str
    fr: str
    en: str

    def text(self, language: str) -> str:
        return self.en if language == "en" else self.fr


@dataclass(frozen=True)
class Routing:
    """Ask an item only when an earlier item got one of ``answers`` (codes)."""

    item: str
    answers: tuple[str, ...]


@dataclass(frozen=True)
class Item:
    """One questionnaire item (see the bank file's head for each key)."""

    name: str
    theme: str
    type: str
    fr: str
    en: str
    criterion: str
    indicator: str | None = None
    schemes: tuple[str, ...] | None = None  # None: every scheme type
    before_after: bool = False
    levels: tuple[Choice, ...] = ()
    missing: Choice | None = None
    ask_if: Routing | None = None
    margin: str | None = None
    levels_from_margins: bool = False
    minimum: float | None = None
    maximum: float | None = None
    origin: dict = field(default_factory=dict, compare=False, repr=False)

    def text(self, language: str) -> str:
        return self.en if language == "en" else self.fr

    @property
    def feeds(self) -> str | None:
        """The registry key the item feeds, its ``<item>`` replaced by its name."""
        return self.indicator.replace(ITEM_PLACEHOLDER, self.name) if self.indicator else None

    def suits(self, scheme_types) -> bool:
        return self.schemes is None or bool(set(self.schemes) & set(scheme_types))


@dataclass(frozen=True)
class GuideQuestion:
    id: str
    theme: str
    groups: tuple[str, ...]
    fr: str
    en: str
    probes_fr: str = ""
    probes_en: str = ""

    def text(self, language: str) -> str:
        return self.en if language == "en" else self.fr

    def probes(self, language: str) -> str:
        return self.probes_en if language == "en" else self.probes_fr


@dataclass(frozen=True)
class GuideTheme:
    """An interview theme: a theme of the 20_entretiens codebook, with its codes."""

    name: str
    fr: str
    en: str
    criterion: str
    codes: tuple[tuple[str, str], ...]  # (code, description)
    questions: tuple[GuideQuestion, ...]


@dataclass(frozen=True)
class Step:
    minutes: int
    fr: str
    en: str


@dataclass(frozen=True)
class WorkshopQuestion:
    id: str
    criterion: str
    fr: str
    en: str


@dataclass(frozen=True)
class Bank:
    """The question bank, read by :func:`load_bank`."""

    scales: dict[str, tuple[tuple[Choice, ...], Choice | None]]
    themes: dict[str, dict[str, str]]
    items: tuple[Item, ...]
    groups: dict[str, dict[str, str]]
    guide_themes: tuple[GuideTheme, ...]
    steps: tuple[Step, ...]
    workshop_questions: tuple[WorkshopQuestion, ...]
    events: tuple[Choice, ...]
    file: Path | None = None

    def item(self, name: str) -> Item:
        for item in self.items:
            if item.name == name:
                return item
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [item.name for item in self.items]


def bank_file() -> Path:
    """The project's question bank (``data/reference/question_bank.yml``)."""
    return paths.reference_file(BANK_FILE)


def load_bank(path: str | Path | None = None) -> Bank:
    """Read and check the question bank.

    Parameters
    ----------
    path : path, optional
        A bank file; by default the project's (:func:`bank_file`).

    Raises
    ------
    InstrumentError
        Naming the file, the line and the column of the first fault (see the module
        documentation).

    Examples
    --------
    >>> bank = load_bank()
    >>> bank.item("echparole").text("fr")
    "Chacun a eu la même possibilité de s'exprimer"
    >>> [choice.fr for choice in bank.item("echparole").levels][:2], \
bank.item("echparole").missing.fr
    (["Tout à fait d'accord", "Plutôt d'accord"], 'Ne sait pas')
    """
    path = Path(path) if path is not None else bank_file()
    shown = paths.display_path(path)
    data, root = yamlsource.load(path, InstrumentError, shown=shown)

    def locate(*keys) -> dict:
        mark = yamlsource.mark(root, keys)
        return {"file": shown, "row": mark.line + 1 if mark else None,
                "column": mark.column + 1 if mark else None}

    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise InstrumentError("a question bank holds a list of items under the key 'items'",
                              **locate())
    scales = {name: _scale(spec, partial(locate, "scales", name))
              for name, spec in (data.get("scales") or {}).items()}
    themes = {str(name): _wording(spec, partial(locate, "themes", name))
              for name, spec in (data.get("themes") or {}).items()}
    items = tuple(parse_item(record, scales, themes, partial(locate, "items", index))
                  for index, record in enumerate(data["items"]))
    check_items(items)
    guides = data.get("guides") or {}
    groups = {str(name): _wording(spec, partial(locate, "guides", "groups", name))
              for name, spec in (guides.get("groups") or {}).items()}
    guide_themes = tuple(_guide_theme(spec, groups, partial(locate, "guides", "themes", index))
                         for index, spec in enumerate(guides.get("themes") or []))
    _unique([question.id for theme in guide_themes for question in theme.questions],
            "guide question", partial(locate, "guides"))
    workshop = data.get("workshop") or {}
    steps = tuple(Step(int(step.get("minutes") or 0),
                       **_wording(step, partial(locate, "workshop", "steps", index)))
                  for index, step in enumerate(workshop.get("steps") or []))
    questions = tuple(WorkshopQuestion(
        str(spec.get("id")),
        _criterion(spec.get("criterion"), partial(locate, "workshop", "questions", index)),
        **_wording(spec, partial(locate, "workshop", "questions", index)))
        for index, spec in enumerate(workshop.get("questions") or []))
    events = tuple(_choice(spec, partial(locate, "observation", "events", index),
                           code_pattern=EVENT_CODE)
                   for index, spec in enumerate((data.get("observation") or {}).get("events")
                                                or []))
    return Bank(scales, themes, items, groups, guide_themes, steps, questions, events, path)


# --- items ----------------------------------------------------------------------------------

def parse_item(record, scales: dict, themes: dict, locate: Locate) -> Item:
    """One item of the bank (or of a study's own items) checked and read.

    ``locate(*keys)`` gives the file, row and column of a key of the record, for errors.
    Rules that involve other items (names unique, routing to earlier items) are
    :func:`check_items`'.
    """
    if not isinstance(record, dict):
        raise InstrumentError("an item must be a mapping of keys (name, type, fr, en…)",
                              **locate())
    unknown = sorted(set(record) - ITEM_KEYS)
    if unknown:
        raise InstrumentError(f"unknown key(s) {', '.join(unknown)}; allowed: "
                              f"{', '.join(sorted(ITEM_KEYS))}", **locate(unknown[0]))
    name = str(record.get("name") or "")
    if not NAME.match(name):
        raise InstrumentError(f"item name {name!r} must be letters and digits, starting with a "
                              "letter (LimeSurvey codes allow nothing else)", **locate("name"))
    kind = record.get("type")
    if kind not in TYPES:
        raise InstrumentError(f"item {name}: unknown type {kind!r}; types: {', '.join(TYPES)}",
                              **locate("type"))
    theme = str(record.get("theme") or "")
    if theme not in themes:
        raise InstrumentError(f"item {name}: unknown theme {theme!r}; themes: "
                              f"{', '.join(themes)}", **locate("theme"))
    levels, missing, from_margins = _levels(record, name, kind, scales, locate)
    indicator = record.get("indicator")
    if indicator is not None and not registry.is_known(
            str(indicator).replace(ITEM_PLACEHOLDER, name)):
        raise InstrumentError(f"item {name}: indicator {indicator!r} is not a key of the "
                              "registry (lib/civeval/evidence/indicators.yml)",
                              **locate("indicator"))
    margin = record.get("margin")
    if from_margins and not margin:
        raise InstrumentError(f"item {name}: 'levels: margins' needs the margin variable it "
                              "takes its categories from (margin: …)", **locate("levels"))
    return Item(name=name, theme=theme, type=kind, criterion=_criterion(
        record.get("criterion"), locate), indicator=None if indicator is None else str(indicator),
        schemes=_schemes(record.get("schemes", "all"), name, locate),
        before_after=bool(record.get("before_after", False)), levels=levels, missing=missing,
        ask_if=_routing(record.get("ask_if"), name, locate),
        margin=None if margin is None else str(margin), levels_from_margins=from_margins,
        minimum=record.get("minimum"), maximum=record.get("maximum"),
        origin=locate(), **_wording(record, locate))


def check_items(items, what: str = "item") -> None:
    """Names given once; each routing condition on an earlier item, with answers it has."""
    seen: dict[str, Item] = {}
    for item in items:
        if item.name in seen:
            first = seen[item.name].origin
            raise InstrumentError(f"two {what}s are named {item.name!r} (first on line "
                                  f"{first.get('row')} of {first.get('file')})", **item.origin)
        seen[item.name] = item
        if item.ask_if is None:
            continue
        target = seen.get(item.ask_if.item)
        if target is None:
            later = any(other.name == item.ask_if.item for other in items)
            raise InstrumentError(
                f"item {item.name} is asked depending on {item.ask_if.item!r}, "
                + ("which comes later: a routing condition may only refer to an earlier item"
                   if later else "which is not an item of the questionnaire"), **item.origin)
        if target.type not in ("single", "likert"):
            raise InstrumentError(f"item {item.name} is routed on {target.name}, a {target.type} "
                                  "item: route on a single-choice or Likert item",
                                  **item.origin)
        codes = [choice.code for choice in target.levels]
        if target.missing is not None:
            codes.append(target.missing.code)
        wrong = [answer for answer in item.ask_if.answers if answer not in codes]
        if wrong and not target.levels_from_margins:
            raise InstrumentError(f"item {item.name} is routed on answer(s) {', '.join(wrong)} "
                                  f"of {target.name}, whose codes are {', '.join(codes)}",
                                  **item.origin)


def _levels(record, name, kind, scales, locate):
    """(levels, missing answer, levels from the margins) of an item."""
    if record.get("levels") == LEVELS_FROM_MARGINS:
        if kind != "single":
            raise InstrumentError(f"item {name}: only a single-choice item takes its levels "
                                  "from the margins", **locate("levels"))
        return (), None, True
    scale = record.get("scale")
    if scale is not None:
        if scale not in scales:
            raise InstrumentError(f"item {name}: unknown scale {scale!r}; scales: "
                                  f"{', '.join(scales)}", **locate("scale"))
        levels, missing = scales[scale]
    else:
        spec = _scale({"levels": record.get("levels") or []}, locate)
        levels, missing = spec
    if kind in ("likert", "single", "multiple") and not levels:
        raise InstrumentError(f"item {name}: a {kind} item needs its levels (scale: … or "
                              "levels: [{code, fr, en}, …])", **locate())
    if kind in ("numeric", "text") and levels:
        raise InstrumentError(f"item {name}: a {kind} item has no levels", **locate("levels"))
    return levels, missing, False


def _scale(spec, locate) -> tuple[tuple[Choice, ...], Choice | None]:
    if not isinstance(spec, dict) or not isinstance(spec.get("levels"), list):
        raise InstrumentError("a scale lists its levels: levels: [{code, fr, en}, …]",
                              **locate())
    levels = tuple(_choice(level, partial(locate, "levels", index))
                   for index, level in enumerate(spec["levels"]))
    missing = _choice(spec["missing"], partial(locate, "missing")) \
        if spec.get("missing") is not None else None
    _unique([c.code for c in levels] + ([missing.code] if missing else []), "answer code",
            partial(locate, "levels"))
    return levels, missing


def _choice(spec, locate, code_pattern=CODE) -> Choice:
    if not isinstance(spec, dict) or spec.get("code") is None:
        raise InstrumentError("an answer is a mapping {code, fr, en}", **locate())
    code = str(spec["code"])
    if not code_pattern.match(code):
        raise InstrumentError(f"answer code {code!r} must be letters and digits only",
                              **locate("code"))
    return Choice(code, **_wording(spec, locate))


def _wording(spec, locate) -> dict[str, str]:
    if not isinstance(spec, dict) or not str(spec.get("fr") or "").strip():
        raise InstrumentError("a wording in French is needed (fr: …, en: …)", **locate())
    return {"fr": str(spec["fr"]).strip(), "en": str(spec.get("en") or spec["fr"]).strip()}


def _criterion(value, locate) -> str:
    criteria = [criterion.value for criterion in Criterion]
    if value not in criteria:
        raise InstrumentError(f"unknown criterion {value!r}; criteria: {', '.join(criteria)}",
                              **locate("criterion"))
    return str(value)


def _schemes(value, name, locate) -> tuple[str, ...] | None:
    if value == "all":
        return None
    types = [scheme.value for scheme in SchemeType]
    values = value if isinstance(value, list) else [value]
    for scheme in values:
        if scheme not in types:
            raise InstrumentError(f"item {name}: unknown scheme type {scheme!r}; types: "
                                  f"all, {', '.join(types)}", **locate("schemes"))
    return tuple(values)


def _routing(value, name, locate) -> Routing | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not value.get("item") or not value.get("answers"):
        raise InstrumentError(f"item {name}: ask_if is {{item: <earlier item>, answers: "
                              "[codes]}", **locate("ask_if"))
    answers = value["answers"] if isinstance(value["answers"], list) else [value["answers"]]
    return Routing(str(value["item"]), tuple(str(answer) for answer in answers))


def _guide_theme(spec, groups, locate) -> GuideTheme:
    if not isinstance(spec, dict) or not spec.get("name"):
        raise InstrumentError("an interview theme has a name (the code of 20_entretiens)",
                              **locate())
    codes = tuple((str(code["name"]), str(code.get("fr") or ""))
                  for code in spec.get("codes") or [])
    questions = []
    for index, question in enumerate(spec.get("questions") or []):
        where = partial(locate, "questions", index)
        wanted = question.get("groups") or list(groups)
        unknown = [group for group in wanted if group not in groups]
        if unknown:
            raise InstrumentError(f"guide question {question.get('id')}: unknown group(s) "
                                  f"{', '.join(unknown)}; groups: {', '.join(groups)}",
                                  **where("groups"))
        probes = question.get("probes") or {}
        questions.append(GuideQuestion(str(question.get("id")), str(spec["name"]),
                                       tuple(wanted), **_wording(question, where),
                                       probes_fr=str(probes.get("fr") or ""),
                                       probes_en=str(probes.get("en") or probes.get("fr")
                                                     or "")))
    return GuideTheme(str(spec["name"]), criterion=_criterion(spec.get("criterion"), locate),
                      codes=codes, questions=tuple(questions), **_wording(spec, locate))


def _unique(values, what, locate) -> None:
    seen = set()
    for value in values:
        if value in seen:
            raise InstrumentError(f"the {what} {value!r} is given twice", **locate())
        seen.add(value)
