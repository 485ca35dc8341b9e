"""A study's instruments: the bank's items that suit its schemes, as ``study.yml`` adapts them.

The items selected are those whose ``schemes`` include one of the study's scheme types, and
the profile items; ``instruments:`` in ``study.yml`` changes that::

    instruments:
      margins: marges_insee          # margins the profile items must match (default: the
                                     # `margins` parameter of 10_questionnaire)
      drop: [pcs, acceshoraires]     # bank items not to ask
      add: [bpsuivi]                 # bank items its scheme types would not bring
      reword:                        # a study's own wording of a bank item
        infoclaire: {fr: "L'information sur le budget participatif était claire"}
      levels:                        # a profile item's categories, when its margins differ
        sexe: [F, H]
      items:                         # the study's own items, written as in the bank
        - {name: navette, theme: accessibilite, type: likert, scale: accord,
           fr: "La navette m'a permis de venir", criterion: efficacité}
      groups: [élu, agent, habitant] # interview guides to write (default: every group)

A profile item (``margin:`` in the bank) whose variable the margins have must have exactly
the margins' categories, so that weighting needs no recoding; an item whose levels come from
the margins (``levels: margins``, the districts) takes them, and is left out when the margins
do not have its variable. Every fault is one :class:`~civeval.errors.InstrumentError` at its
place in ``study.yml``: an unknown key, an unknown item (with the closest names), a profile
item whose categories differ from the margins (both lists of differences), a dropped item
that others are routed on.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, replace
from functools import partial

from civeval.errors import InstrumentError
from civeval.instruments.bank import Bank, Choice, GuideTheme, Item, check_items, parse_item
from civeval.survey.margins import as_margins
from civeval.workbench.schema import SchemeType

KEYS = ("margins", "drop", "add", "reword", "levels", "items", "groups")
DELIBERATIVE = {SchemeType.ASSEMBLEE_CITOYENNE.value, SchemeType.SONDAGE_DELIBERATIF.value}


@dataclass(frozen=True)
class Selection:
    """What a study's instruments hold: its items in questionnaire order, its interview
    themes and the stakeholder groups its guides address."""

    items: tuple[Item, ...]
    guide_themes: tuple[GuideTheme, ...]
    groups: dict[str, dict[str, str]]
    bank: Bank
    deliberative: bool
    notes: tuple[str, ...] = ()

    def item(self, name: str) -> Item:
        return next(item for item in self.items if item.name == name)

    @property
    def before_items(self) -> tuple[Item, ...]:
        """The items of the questionnaire asked before deliberation: the before/after items,
        the profile and the items they are routed on."""
        wanted = [item for item in self.items if item.before_after or item.margin]
        needed = {item.ask_if.item for item in wanted if item.ask_if}
        return tuple(item for item in self.items if item in wanted or item.name in needed)


def select_items(study, bank: Bank) -> Selection:
    """The items, themes and groups of ``study``'s instruments (see the module documentation).

    Raises
    ------
    InstrumentError
        Located in ``study.yml`` (file, line, column).

    Examples
    --------
    >>> from civeval.instruments.bank import load_bank
    >>> from civeval.workbench.study import load_study
    >>> selection = select_items(load_study("demo-saint-aubin"), load_bank())
    >>> "bpsuivi" in [item.name for item in selection.items], selection.deliberative
    (True, False)
    """
    spec = study.config.instruments or {}
    where = partial(study.where, "instruments")
    for key in spec:
        if key not in KEYS:
            raise InstrumentError(f"unknown key {key!r} under instruments{_suggest(key, KEYS)}; "
                                  f"keys: {', '.join(KEYS)}", **where(key))
    types = {scheme.type.value for scheme in study.schemes}
    chosen = {item.name: item for item in bank.items if item.suits(types)}
    for index, name in enumerate(_names(spec, "drop", where)):
        if name not in chosen:
            raise _unknown(name, bank, chosen, where("drop", index), "drop")
        routed = [item.name for item in chosen.values()
                  if item.ask_if and item.ask_if.item == name and item.name not in
                  spec.get("drop", [])]
        if routed:
            raise InstrumentError(f"item {name} cannot be dropped: {', '.join(routed)} "
                                  f"{'is' if len(routed) == 1 else 'are'} asked depending on "
                                  "its answer; drop them too", **where("drop", index))
        del chosen[name]
    for index, name in enumerate(_names(spec, "add", where)):
        if name not in bank.names:
            raise _unknown(name, bank, chosen, where("add", index), "add")
        chosen[name] = bank.item(name)
    for name, wording in (spec.get("reword") or {}).items():
        if name not in chosen:
            raise _unknown(name, bank, chosen, where("reword", name), "reword")
        if not isinstance(wording, dict) or not set(wording) <= {"fr", "en"} or not wording:
            raise InstrumentError(f"reword.{name} gives the new wording: {{fr: …, en: …}}",
                                  **where("reword", name))
        chosen[name] = replace(chosen[name], **{key: str(value).strip()
                                                for key, value in wording.items()})
    own = spec.get("items") or []
    if not isinstance(own, list):
        raise InstrumentError("instruments.items lists the study's own items", **where("items"))
    scales = bank.scales
    for index, record in enumerate(own):
        item = parse_item(record, scales, bank.themes, partial(where, "items", index))
        if item.name in chosen or item.name in bank.names:
            raise InstrumentError(f"item {item.name!r} is already a bank item: give the study's "
                                  "own item another name, or reword the bank's",
                                  **where("items", index, "name"))
        chosen[item.name] = item
    items, notes = _fit_margins(study, spec, list(chosen.values()), where)
    order = {theme: rank for rank, theme in enumerate(bank.themes)}
    position = {name: rank for rank, name in enumerate([*bank.names, *chosen])}
    items.sort(key=lambda item: (order[item.theme], position[item.name]))
    check_items(items)
    groups = _groups(spec, bank, where)
    themes = tuple(replace(theme, questions=tuple(
        question for question in theme.questions if set(question.groups) & set(groups)))
        for theme in bank.guide_themes)
    return Selection(tuple(items), themes, groups, bank, bool(types & DELIBERATIVE),
                     tuple(notes))


def _names(spec, key, where) -> list[str]:
    values = spec.get(key) or []
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise InstrumentError(f"instruments.{key} lists item names", **where(key))
    return values


def _unknown(name, bank, chosen, location, key) -> InstrumentError:
    known = list(dict.fromkeys([*bank.names, *chosen]))
    what = "the bank has no item" if name not in known else "the study does not ask item"
    return InstrumentError(f"{key}: {what} {name!r}{_suggest(name, known)}", **location)


def _suggest(name, known) -> str:
    close = difflib.get_close_matches(str(name), list(known), n=3, cutoff=0.6)
    return f" (did you mean {' or '.join(close)}?)" if close else ""


def _fit_margins(study, spec, items: list[Item], where) -> tuple[list[Item], list[str]]:
    """Profile items with the margins' categories; differences are errors."""
    overrides = spec.get("levels") or {}
    for name, levels in overrides.items():
        if not any(item.name == name for item in items):
            raise _unknown(name, _no_bank(), {item.name: item for item in items},
                           where("levels", name), "levels")
        if not isinstance(levels, list) or not levels:
            raise InstrumentError(f"levels.{name} lists the item's categories",
                                  **where("levels", name))
    dataset = spec.get("margins") or study.parameters_for("10_questionnaire").get("margins")
    margins = {}
    if dataset:
        if dataset not in study.config.data:
            raise InstrumentError(f"instruments.margins names {dataset!r}, which the catalogue "
                                  f"does not have{_suggest(dataset, study.config.data)}",
                                  **where("margins"))
        margins = as_margins(study.load(dataset))
    fitted, notes = [], []
    for item in items:
        location = study.where("data", dataset)
        if item.name in overrides:
            item = replace(item, levels=_plain_levels(overrides[item.name]),
                           levels_from_margins=False)
            location = where("levels", item.name)
        if not item.margin:
            fitted.append(item)
            continue
        categories = [str(category) for category in margins.get(item.margin, {})]
        if item.levels_from_margins:
            if not categories:
                notes.append(f"item {item.name} left out: the margins give no categories for "
                             f"{item.margin!r}")
                continue
            item = replace(item, levels=_plain_levels(categories), levels_from_margins=False)
        elif categories:
            levels = [level.fr for level in item.levels]
            if levels != categories:
                raise InstrumentError(_differences(item, levels, categories, dataset),
                                      **location)
        fitted.append(item)
    return fitted, notes


def _differences(item: Item, levels: list[str], categories: list[str], dataset: str) -> str:
    absent_margins = [level for level in levels if level not in categories]
    absent_item = [category for category in categories if category not in levels]
    parts = []
    if absent_margins:
        parts.append(f"in the item, not in the margins: {', '.join(absent_margins)}")
    if absent_item:
        parts.append(f"in the margins, not in the item: {', '.join(absent_item)}")
    if not parts:
        parts.append("the same categories in another order: "
                     f"item {', '.join(levels)}; margins {', '.join(categories)}")
    return (f"profile item {item.name} does not have the categories of variable "
            f"{item.margin!r} of the margins {dataset!r} ({'; '.join(parts)}): weighting would "
            f"need recoding. Give the margins' categories under instruments.levels.{item.name}, "
            "or correct the margins")


def _plain_levels(labels) -> tuple[Choice, ...]:
    return tuple(Choice(str(number), str(label), str(label))
                 for number, label in enumerate(labels, start=1))


def _no_bank() -> Bank:
    return Bank({}, {}, (), {}, (), (), (), ())


def _groups(spec, bank: Bank, where) -> dict[str, dict[str, str]]:
    wanted = spec.get("groups") or list(bank.groups)
    for index, group in enumerate(wanted):
        if group not in bank.groups:
            raise InstrumentError(f"unknown stakeholder group {group!r}"
                                  f"{_suggest(group, bank.groups)}; groups: "
                                  f"{', '.join(bank.groups)}", **where("groups", index))
    return {group: bank.groups[group] for group in wanted}
