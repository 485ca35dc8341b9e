"""The delivery section (template ``35_realisation``): what became of the winning projects.

From a project-tracking table (catalogue format ``project_tracking``), each function
computes with :mod:`civeval.transparency`, records the key figures and returns what the
template shows: the projects delivered and abandoned per edition, the rate on editions old
enough to judge, the splits (scale, priority neighbourhood, theme, district), the delay from
the vote to the opening, the budgets (each project counted once) and, with a population
table, the euros funded per inhabitant by district; with a district geometry, maps of the
implementation rate and of the euros per inhabitant. Tables carry their column formats and
headings in ``attrs["kinds"]`` and ``attrs["labels"]``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from civeval import transparency
from civeval.errors import CatalogError, InputError, ParameterError
from civeval.presentation import fmt
from civeval.territory import match_districts
from civeval.transparency.implementation import SPLITS
from civeval.transparency.tracking import DEFAULT_MAPPING
from civeval.workbench.exports import lazy_module
from civeval.workbench.paths import display_path
from civeval.workbench.study import Study

if TYPE_CHECKING:
    from IPython.display import HTML

# What the section draws with, imported once it runs: checking its inputs needs none of it.
plt, ticker = lazy_module("matplotlib.pyplot"), lazy_module("matplotlib.ticker")
charts, maps, report = map(lazy_module, ("civeval.presentation.charts",
                                         "civeval.presentation.maps",
                                         "civeval.presentation.report"))

_RATES = {"implementation_rate": "percent", "abandonment_rate": "percent",
          "implementation_rate_mature": "percent"}
# Line styles are taken in turn once the colours are used up (Paris has 9 editions).
_LINE_STYLES = ("-", "--", ":")


def check(study: Study, parameters: dict, locate) -> None:
    """Inputs of ``35_realisation`` checked before any kernel starts: the measured scheme
    exists, the maturity threshold is a number of years, every district of the district
    projects appears in the population table, or a district's euros per inhabitant would
    be missing, and every district of the projects and of the population table is in the
    geometry, or the maps would leave it out."""
    if parameters.get("scheme"):
        study.scheme(parameters["scheme"], where=locate("scheme"))
    years = parameters.get("maturity_years")
    if isinstance(years, int) and years < 0:
        raise ParameterError(f"template 35_realisation: maturity_years must be a number of "
                             f"years ≥ 0, not {years}", **locate("maturity_years"))
    tracking, population = parameters.get("tracking"), parameters.get("population")
    if parameters.get("geometry"):
        _check_geometry(study, tracking, population, parameters["geometry"])
    if not (tracking and population):
        return
    local = _local_districts(study, tracking)
    # The population's districts are its first column, as funded_by_district reads them.
    districts = sorted(study.load(population).iloc[:, 0].astype(str).str.strip())
    unknown = (local.notna() & ~local.isin(districts)).to_numpy(dtype=bool)
    if unknown.any():
        # Data rows start on line 2 of the file, under the header.
        raise InputError(
            f"the district(s) {', '.join(sorted(set(local[unknown])))} of the winning "
            f"projects are not in the population table "
            f"({study.config.data[population].file.as_posix()}); districts there: "
            f"{', '.join(districts)}",
            file=display_path(study.dataset_path(tracking)), row=int(unknown.argmax()) + 2,
            column=local.name, study=study.slug)


def _local_districts(study: Study, tracking: str) -> pd.Series:
    """The district of each winning project, missing for city-wide ones, named after the
    tracking table's own header."""
    projects = study.load(tracking)
    city_wide = (projects["scale"] == "city").fillna(False).astype(bool)
    mapping = study.config.data[tracking].options.get("mapping") or DEFAULT_MAPPING
    local = projects["district"].astype("string").str.strip().replace("", pd.NA)
    return local.mask(city_wide).rename(mapping.get("district"))


def _check_geometry(study: Study, tracking: str | None, population: str | None,
                    geometry: str) -> None:
    """Every district of the projects and of the population table is in the geometry (by
    name or code); the error lists those that are not, with the closest names."""
    shapes = study.load(geometry)
    sides = []
    if tracking:
        sides.append((tracking, _local_districts(study, tracking)))
    if population:
        districts = study.load(population).iloc[:, 0].astype("string").str.strip()
        sides.append((population, districts))
    for name, districts in sides:
        try:
            match_districts(districts, shapes, file=display_path(study.dataset_path(name)),
                            reference_file=display_path(study.dataset_path(geometry)))
        except CatalogError as error:
            error.study = study.slug
            raise


def show(table: pd.DataFrame, caption: str) -> HTML:
    """A table of this section, formatted and headed as its ``attrs`` say."""
    return report.table(table, caption, kinds=table.attrs.get("kinds"),
                        labels=table.attrs.get("labels"))


def _joined(study: Study, items: list[str]) -> str:
    """``a, b et c`` in the report's language."""
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + study.t("realisation.and") + items[-1]


def _editions_span(study: Study, editions) -> str:
    """``éditions 2014 à 2019``, or ``édition 2019`` for one."""
    editions = sorted(editions)
    if len(editions) == 1:
        return study.t("realisation.edition_one", edition=editions[0])
    return study.t("realisation.editions_span", first=editions[0], last=editions[-1])


def _available_splits(projects: pd.DataFrame) -> list[str]:
    """The characteristics worth a table: those with at least two values in the table."""
    return [split for split in SPLITS if split in projects and projects[split].nunique() > 1]


def _has_budget(projects: pd.DataFrame) -> bool:
    return bool(projects["budget"].notna().any())


def _years(study: Study, years: int) -> str:
    """« 5 ans », « 1 an »: a number of years that agrees with its noun."""
    return study.t("count.years", count=years)


def introduction(study: Study, projects: pd.DataFrame, maturity_years: int,
                 with_population: bool) -> HTML:
    """What the section covers, from what the tracking table holds: a paragraph and the
    list of what follows."""
    t = study.t
    editions = sorted(projects["edition"].dropna().unique().tolist())
    span = (t("realisation.intro_one_edition", edition=editions[0]) if len(editions) == 1
            else t("realisation.intro_editions", count=len(editions), first=editions[0],
                   last=editions[-1]))
    parts = [t("realisation.part.editions")]
    if transparency.edition_maturity(projects, maturity_years)["mature"].any():
        parts.append(t("realisation.part.mature", duration=_years(study, maturity_years)))
    splits = _available_splits(projects)
    if splits:
        parts.append(t("realisation.part.splits", splits=_joined(
            study, [t(f"realisation.part.split.{split}") for split in splits])))
    parts.append(t("realisation.part.delay"))
    if _has_budget(projects):
        parts.append(t("realisation.part.budget"))
        if with_population and projects["district"].notna().any():
            parts.append(t("realisation.part.per_inhabitant"))
    paragraph = report.text(t("realisation.intro", count=len(projects),
                              editions=span, date=fmt.date(projects.attrs.get("as_of"))))
    return report.HTML(paragraph.data + report.bullets(parts).data)


def by_edition(study: Study, projects: pd.DataFrame, maturity_years: int) -> pd.DataFrame:
    """Winners, delivered, in progress and abandoned per edition, whether each edition is
    mature, and a total row; records the overall rates and the number of winners.

    implementation rate = finished (open to the public) ÷ winners; abandonment rate =
    abandoned ÷ winners.
    """
    t = study.t
    table = transparency.implementation_rates(projects, by="edition")
    maturity = transparency.edition_maturity(projects, maturity_years)
    table = table.merge(maturity[["edition", "mature"]], on="edition", how="left")
    overall = transparency.implementation_rates(projects, by=None)
    editions = [str(e) for e in table["edition"]]
    young = [str(e) for e in maturity.loc[~maturity["mature"], "edition"]]
    caveats = [t("realisation.caveat_recent", editions=", ".join(young),
                 duration=_years(study, maturity_years))] if young else []
    study.record("winning_projects", int(overall["winners"].iloc[0]),
                 label=t("realisation.winning_projects"), editions=editions)
    study.record("implementation_rate", float(overall["implementation_rate"].iloc[0]),
                 label=t("realisation.implementation_rate"), kind="percent",
                 editions=editions, caveats=caveats)
    study.record("abandonment_rate", float(overall["abandonment_rate"].iloc[0]),
                 label=t("realisation.abandonment_rate"), kind="percent", editions=editions)
    total = overall.assign(edition=t("realisation.total"), mature=pd.NA)
    columns = ["edition", "winners", "delivered", "in_progress", "abandoned",
               "implementation_rate", "abandonment_rate", "mature"]
    if not maturity["mature"].any():  # the sentence above says so once
        columns.remove("mature")
    shown = pd.concat([table[columns].astype({"edition": object}), total[columns]],
                      ignore_index=True)
    shown.attrs.update(kinds=_RATES, labels={
        "in_progress": t("realisation.column.in_progress"),
        "mature": t("realisation.column.mature", duration=_years(study, maturity_years))})
    return shown


def missing_editions(study: Study, projects: pd.DataFrame) -> HTML | None:
    """A sentence naming the editions that ``study.yml`` declares for the measured scheme
    (or the study's only scheme) and that have no winning project in the table; None when
    there are none."""
    scheme = study.measured_scheme or (study.schemes[0] if len(study.schemes) == 1 else None)
    if scheme is None:
        return None
    present = {str(edition) for edition in projects["edition"].dropna()}
    missing = [e.label for e in scheme.editions if e.label not in present]
    if not missing:
        return None
    return report.text(study.t("realisation.missing_editions", editions=", ".join(missing)))


def maturity(study: Study, projects: pd.DataFrame, maturity_years: int) -> HTML:
    """The implementation rate on mature editions beside the overall one, the threshold
    said in words; records ``implementation_rate_mature`` when an edition is mature."""
    t = study.t
    rates = transparency.mature_rates(projects, maturity_years).set_index("scope")
    whole, mature = rates.loc["all"], rates.loc["mature"]
    date = fmt.date(rates.attrs["as_of"])
    if mature["editions"] == 0:
        return report.text(t("realisation.no_mature_text", duration=_years(study, maturity_years),
                             date=date,
                             overall=fmt.percent(whole["implementation_rate"])))
    editions = rates.attrs["mature_editions"]
    study.record("implementation_rate_mature", float(mature["implementation_rate"]),
                 label=t("realisation.implementation_rate_mature",
                           duration=_years(study, maturity_years)),
                 kind="percent", editions=[str(e) for e in editions])
    if mature["editions"] == whole["editions"]:
        return report.text(t("realisation.all_mature_text", duration=_years(study, maturity_years),
                             date=date,
                             overall=fmt.percent(whole["implementation_rate"])))
    return report.text(t(
        "realisation.mature_text", duration=_years(study, maturity_years), date=date,
        editions=_editions_span(study, editions),
        rate=fmt.percent(mature["implementation_rate"]),
        delivered=fmt.integer(mature["delivered"]), winners=fmt.integer(mature["winners"]),
        abandoned=fmt.percent(mature["abandonment_rate"]),
        overall=fmt.percent(whole["implementation_rate"])))


def _group_label(study: Study, split: str, value) -> str:
    if split == "scale":
        return study.t(f"realisation.scale.{value}")
    if split == "priority_area":
        return study.t("realisation.priority.yes" if value else "realisation.priority.no")
    return str(value)


def splits(study: Study, projects: pd.DataFrame, maturity_years: int):
    """One table per characteristic the tracking table gives (scale, priority
    neighbourhood, theme, district), with the rate on mature editions beside the overall
    one when some editions are not mature yet; records the rate in priority
    neighbourhoods.

    Returns a sentence on how to read them and a list of ``(split, table, notes)``, the
    notes being sentences to show under the table.
    """
    t = study.t
    table = transparency.implementation_splits(projects)
    unknown, city_wide = table.attrs["unknown"], table.attrs["city_wide_left_out"]
    maturity = transparency.edition_maturity(projects, maturity_years)
    mature = set(maturity.loc[maturity["mature"], "edition"])
    partial = 0 < len(mature) < len(maturity)
    if partial:
        on_mature = transparency.implementation_splits(projects[projects["edition"].isin(mature)])
        table = table.merge(on_mature[["split", "group", "implementation_rate"]].rename(
            columns={"implementation_rate": "implementation_rate_mature"}),
            on=["split", "group"], how="left")
    priority = table[table["split"].eq("priority_area") & table["group"].eq(True)]
    if len(priority):
        study.record("implementation_rate_priority_area",
                     float(priority["implementation_rate"].iloc[0]),
                     label=t("realisation.implementation_rate_priority_area"), kind="percent")
    columns = ["group", "winners", "delivered", "abandoned", "implementation_rate",
               "abandonment_rate", *(["implementation_rate_mature"] if partial else [])]
    text = t("realisation.splits_text")
    if partial:
        text += " " + t("realisation.splits_mature_text",
                        duration=_years(study, maturity_years))
    parts = []
    for split in _available_splits(projects):
        part = table[table["split"] == split].copy()
        part["group"] = [_group_label(study, split, value) for value in part["group"]]
        shown = part[columns].reset_index(drop=True)
        shown.attrs.update(kinds=_RATES, labels={
            "group": t(f"realisation.split.{split}"),
            "implementation_rate_mature": t("realisation.column.rate_mature",
                                            duration=_years(study, maturity_years))})
        notes = []
        if split == "district" and city_wide:
            notes.append(report.text(t("realisation.city_wide_note",
                                       count=fmt.integer(city_wide))))
        if unknown.get(split):
            notes.append(report.text(t("realisation.unknown_note",
                                       count=fmt.integer(unknown[split]))))
        parts.append((split, shown, notes))
    return report.text(text), parts


def _month_step(longest: float) -> int:
    """Ticks every 6 months on a short axis, every 12 beyond three years."""
    return 6 if longest <= 36 else 12


def delivery_curves(study: Study, projects: pd.DataFrame):
    """One Kaplan–Meier curve per edition of the delay from the vote to the opening, the
    overall median said in a sentence, and the median of each edition.

    Returns the figure (title, source, alt text), the sentence and the table; records
    ``median_delivery_months`` (all editions). Projects not delivered yet count until the
    extraction date (see :func:`civeval.transparency.delivery_delay`).
    """
    t = study.t
    overall = transparency.delivery_delay(projects)
    curves = transparency.delivery_delay(projects, by="edition")
    medians = transparency.delay_summary(curves)
    facts = overall.attrs
    if pd.notna(facts["median"]):
        study.record("median_delivery_months", float(facts["median"]),
                     label=t("realisation.median_delay"))
    fig, axis = plt.subplots(figsize=(8, 4.5))
    # The house palette without its yellow, too pale for a thin line on white.
    line_colours = [colour for colour in charts.PALETTE if colour != "#F0E442"]
    colours = len(line_colours)
    followed = medians[medians["n"] > 0]
    for number, (edition, follow_up) in enumerate(zip(followed["edition"],
                                                      followed["follow_up"], strict=True)):
        curve = curves[curves["edition"] == edition]
        # The curve is known up to the longest follow-up, where it stays flat.
        times = [*curve["time"], follow_up]
        survival = [*curve["survival"], curve["survival"].iloc[-1]]
        axis.step(times, survival, where="post", color=line_colours[number % colours],
                  linestyle=_LINE_STYLES[(number // colours) % len(_LINE_STYLES)],
                  linewidth=1.8, label=str(edition))
    longest = float(followed["follow_up"].max()) if len(followed) else 12.0
    step = _month_step(longest)
    axis.set_xlim(0, step * np.ceil(longest / step))
    axis.xaxis.set_major_locator(ticker.MultipleLocator(step))
    axis.set_xlabel(t("realisation.delay_axis"))
    axis.set_ylim(0, 1.02)
    charts.format_axis(axis.yaxis, "percent")
    charts.format_axis(axis.xaxis, "number")
    axis.legend(title=t("column.edition"), fontsize="small", loc="upper left",
                bbox_to_anchor=(1.01, 1.0))
    editions = [str(e) for e in medians["edition"]]
    alt = t("realisation.delay_alt", count=len(editions), first=editions[0],
            last=editions[-1])
    if pd.notna(facts["median"]):
        alt += " " + t("realisation.delay_alt_median", median=fmt.number(facts["median"], 0))
    figure = report.figure(
        fig, title=t("realisation.delay_title"), alt=alt,
        source=t("realisation.delay_source", date=fmt.date(facts["as_of"])))
    if pd.isna(facts["median"]):
        sentence = t("realisation.delay_no_median", n=fmt.integer(facts["n"]),
                     events=fmt.integer(facts["events"]))
    else:
        # Too few deliveries leave the interval open upwards.
        key = ("realisation.delay_text" if pd.notna(facts["median_ci_high"])
               else "realisation.delay_text_open")
        sentence = t(key, median=fmt.number(facts["median"], 0),
                     low=fmt.number(facts["median_ci_low"], 0),
                     high=fmt.number(facts["median_ci_high"], 0),
                     count=int(facts["events"]), total=fmt.integer(facts["n"]))
    elapsed = transparency.edition_maturity(projects, 0)
    table = medians[["edition", "n", "events", "median", "median_ci_low",
                     "median_ci_high"]].merge(elapsed[["edition", "months_since_vote"]],
                                              on="edition", how="left")
    table = table.astype({"edition": object})
    table["months_since_vote"] = np.floor(table["months_since_vote"])  # whole months
    table.attrs.update(
        kinds={"median": "number", "median_ci_low": "number", "median_ci_high": "number",
               "months_since_vote": "number"},
        labels={name: t(f"realisation.column.{name}") for name in
                ("n", "events", "median", "median_ci_low", "median_ci_high",
                 "months_since_vote")})
    return figure, report.text(sentence), table


def budgets(study: Study, projects: pd.DataFrame):
    """Budgets per edition and in all, each project counted once: voted, funded (not
    abandoned), delivered, abandoned; records ``funded_budget``. None when the table gives
    no budget.

    Returns the table and a sentence (with, when a project fills several rows, how many
    rows were counted once).
    """
    if not _has_budget(projects):
        return None, None
    t = study.t
    table = transparency.budget_totals(projects, by="edition")
    whole = transparency.budget_totals(projects, by=None)
    overall = whole.iloc[0]
    study.record("funded_budget", float(overall["funded_budget"]),
                 label=t("realisation.funded_budget"), kind="euro",
                 editions=[str(e) for e in table["edition"]])
    total = whole.assign(edition=t("realisation.total"))
    columns = ["edition", "projects", "budget", "funded_budget", "delivered_budget",
               "abandoned_budget"]
    shown = pd.concat([table[columns].astype({"edition": object}), total[columns]],
                      ignore_index=True)
    shown.attrs.update(kinds={c: "euro" for c in columns[2:]} | {"projects": "number"},
                       labels={c: t(f"realisation.column.{c}") for c in columns[1:]})
    sentences = [t("realisation.budget_text", budget=fmt.euro(overall["budget"]),
                   abandoned=fmt.euro(overall["abandoned_budget"]),
                   funded=fmt.euro(overall["funded_budget"]),
                   delivered=fmt.euro(overall["delivered_budget"]))]
    merged = int(overall["rows"] - overall["projects"])
    if merged:
        sentences.append(t("realisation.duplicates_text", rows=fmt.integer(merged)))
    if overall["without_budget"]:
        sentences.append(t("realisation.without_budget_text",
                           count=fmt.integer(overall["without_budget"])))
    return shown, report.text(" ".join(sentences))


def funding_by_district(study: Study, projects: pd.DataFrame, population: pd.DataFrame):
    """Euros funded (projects not abandoned, all editions) per inhabitant in each district,
    and a sentence naming the districts that receive the most and the least; records how
    many districts received nothing."""
    t = study.t
    table = transparency.funded_by_district(projects, population)
    study.record("districts_without_funding", int((table["funded"] <= 0).sum()),
                 label=t("realisation.districts_without_funding"))
    ranked = table.sort_values("funded_per_inhabitant", kind="stable")
    most, least = ranked.iloc[-1], ranked.iloc[0]
    key = ("realisation.districts_text" if least["funded"] > 0
           else "realisation.districts_text_none")
    sentences = [report.text(t(key, most="{most}", least="{least}",
                               most_value=fmt.euro(most["funded_per_inhabitant"]),
                               least_value=fmt.euro(least["funded_per_inhabitant"])),
                             most=most["district"], least=least["district"])]
    if table.attrs["city_wide_left_out"]:
        sentences.append(report.text(t("realisation.districts_city_wide",
                                       count=fmt.integer(table.attrs["city_wide_left_out"]))))
    table.attrs.update(
        kinds={"funded": "euro", "funded_per_inhabitant": "euro", "population": "number"},
        labels={"projects": t("realisation.column.funded_projects")})
    return table, sentences


def _on_geometry(values: pd.Series, names: pd.Series, geometry) -> dict:
    """``values`` keyed by the geometry's name of each district of ``names``."""
    matched = match_districts(names, geometry, first_line=None)
    return dict(zip(names.map(matched), values, strict=True))


def implementation_map(study: Study, projects: pd.DataFrame, geometry) -> HTML | None:
    """The implementation rate of each district's winning projects (all editions) on the
    map of the districts; None when the table gives no district. City-wide projects are
    left out, as in the table by district."""
    t = study.t
    table = transparency.implementation_splits(projects)
    rates = table[table["split"] == "district"]
    if rates.empty:
        return None
    return maps.choropleth(
        geometry, _on_geometry(rates["implementation_rate"], rates["group"].astype(str),
                               geometry),
        kind="percent", title=t("realisation.map.rate_title"),
        alt=t("realisation.map.rate_alt"),
        source=t("realisation.map.source", date=fmt.date(projects.attrs.get("as_of"))),
        language=study.language)


def funding_map(study: Study, projects: pd.DataFrame, funded: pd.DataFrame, geometry) -> HTML:
    """The euros funded per inhabitant in each district (:func:`funding_by_district`) on
    the map of the districts."""
    t = study.t
    return maps.choropleth(
        geometry, _on_geometry(funded["funded_per_inhabitant"],
                               funded["district"].astype(str), geometry),
        kind="euro", title=t("realisation.map.funding_title"),
        alt=t("realisation.map.funding_alt"),
        source=t("realisation.map.funding_source",
                 date=fmt.date(projects.attrs.get("as_of"))),
        language=study.language)
