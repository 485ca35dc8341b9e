"""The participation section (template ``30_participation``): reach, essoufflement,
districts and councils' attendance, recorded as key figures for the synthesis.

Each function computes with :mod:`civeval.participation`, hides the cells under
the study's small-cell threshold, records the key figures and returns what the template
shows. Reference points (French participatory budgets: median turnout 4 % of the
population in 2018, average 8 % in 2022) come from ``data/reference``.
"""

from __future__ import annotations

import pandas as pd

from civeval import participation, transparency
from civeval.errors import CatalogError, InputError, combine
from civeval.evidence.record import Trend
from civeval.participation import decidim
from civeval.participation import voters as voter_attributes
from civeval.participation import votes as vote_files
from civeval.participation import winners as vote_rules
from civeval.participation.comparability import (
    change_texts,
    comparable_editions,
    rule_changes,
    study_facts,
)
from civeval.participation.pabulib import read_pabulib_projects
from civeval.presentation import fmt, i18n
from civeval.privacy import suppress_small_cells
from civeval.territory import match_districts
from civeval.workbench.exports import lazy_module
from civeval.workbench.paths import display_path
from civeval.workbench.study import Study

# What the section draws with, imported once it runs: checking its inputs needs none of it.
plt = lazy_module("matplotlib.pyplot")
charts, maps, report = map(lazy_module, ("civeval.presentation.charts",
                                         "civeval.presentation.maps",
                                         "civeval.presentation.report"))

# The youngest adult band of INSEE-style margins, however the file writes it (18-29, 18–29 ans).
YOUNG_ADULTS = r"^\s*18\s*[-–à]\s*29"


def check(study: Study, parameters: dict, locate) -> None:
    """Inputs of ``30_participation`` checked before any kernel starts (``locate`` places a
    parameter in ``study.yml``):

    - the measured scheme exists;
    - every district of the participants appears in the population table, or the rates
      would be wrong (the participants' district column is the one whose values best match
      the population table's districts, its first column);
    - every vote file's edition (META ``instance``) is one the scheme declares, and no two
      files are the vote of the same edition and district;
    - every district of a vote file is in the population table and in the ``geometry``,
      and every district of the population table is in the geometry (all those that are
      not are listed).
    """
    if parameters.get("scheme"):
        study.scheme(parameters["scheme"], where=locate("scheme"))
    _check_participants(study, parameters.get("participants"), parameters.get("population"))
    _check_vote_districts(study, parameters)


def _check_participants(study: Study, participants: str | None, population: str | None
                        ) -> None:
    if not (participants and population):
        return
    people, districts = study.load(participants), study.load(population)
    known = set(districts.iloc[:, 0].astype(str))
    candidates = [c for c in people.columns if people[c].astype(str).isin(known).any()]
    if not candidates:
        return
    column = max(candidates, key=lambda c: people[c].astype(str).isin(known).mean())
    values = people[column].dropna().astype(str)
    unknown = values[~values.isin(known)]
    if len(unknown):
        # Data rows start on line 2 of the file, under the header.
        raise InputError(
            f"the district {unknown.iloc[0]!r} is not in the population table "
            f"({study.config.data[population].file.as_posix()}); districts there: "
            f"{', '.join(sorted(known))}",
            file=display_path(study.dataset_path(participants)),
            row=int(unknown.index[0]) + 2, column=column, study=study.slug)


def _check_vote_districts(study: Study, parameters: dict) -> None:
    names, population, geometry = (parameters.get(name) for name in
                                   ("ballots", "population", "geometry"))
    found = vote_files.study_votes(study, names, parameters.get("scheme")) if names else []
    references = [(study.load(name), study.config.data[name].file.as_posix())
                  for name in (population, geometry) if name]
    problems = []
    for vote in found:
        if vote.citywide:
            continue
        meta = vote.summary.meta_lines
        row = (None if study.config.data[vote.dataset].district is not None
               else next((meta[key] for key in vote_files.DISTRICT_KEYS if key in meta), None))
        for reference, file in references:
            try:
                match_districts([vote.district], reference, reference_file=file,
                                file=display_path(study.dataset_path(vote.dataset)),
                                first_line=None)
            except CatalogError as error:
                error.row, error.column = row, "value" if row else None
                problems.append(error)
    if population and geometry:
        table, (shapes, file) = references[0][0], references[1]
        try:
            match_districts(table[table.columns[0]], shapes, reference_file=file,
                            file=display_path(study.dataset_path(population)))
        except CatalogError as error:
            problems.append(error)
    for problem in problems:
        problem.study = study.slug
    if problems:
        raise combine(problems)


def reach(study: Study, participants: pd.DataFrame, edition: str) -> pd.DataFrame:
    """Participants and participation rate (÷ total INSEE population) per edition."""
    table = participation.participation_rate(participants, study.client.population, by=edition)
    t = study.t
    for row in table.itertuples(index=False):
        label = getattr(row, edition)
        study.record(f"participants_{label}", int(row.participants),
                     label=t("participation.participants_in", edition=label))
    last = table.iloc[-1]
    # Key shared with the benchmark table (data/reference): participants ÷ population.
    study.record("turnout_rate", float(last["participation_rate"]),
                 label=t("participation.rate_last",
                         edition=participation.edition_label(last[edition])), kind="percent")
    return table[[edition, "participants", "participation_rate"]]


def _bars_by_edition(study: Study, table: pd.DataFrame, edition: str, count: str,
                     written: list[str], colour: str, keys: str):
    """Counts per edition as bars with ``written`` on each, titled, sourced and described
    from the catalogue keys ``participation.<keys>_title``, ``_alt`` and ``_source``."""
    t = study.t
    fig, axis = plt.subplots(figsize=(7, 3.6))
    labels = table[edition].map(participation.edition_label)
    bars = axis.bar(labels, table[count], color=colour)
    axis.bar_label(bars, labels=written, padding=3)
    axis.set_ylabel(t(f"column.{count}"))
    charts.format_axis(axis.yaxis, "number")
    axis.margins(y=0.15)
    return report.figure(
        fig, title=t(f"participation.{keys}_title"),
        alt=t(f"participation.{keys}_alt", first=labels.iloc[0], last=labels.iloc[-1],
              count=int(table[count].iloc[0]), end=fmt.integer(table[count].iloc[-1])),
        source=t(f"participation.{keys}_source", client=study.client.name))


def participants_chart(study: Study, reach_table: pd.DataFrame, edition: str):
    """Participants per edition as bars, with the participation rate written on each."""
    return _bars_by_edition(study, reach_table, edition, "participants",
                            [fmt.percent(r) for r in reach_table["participation_rate"]],
                            charts.PALETTE[0], "chart")


def efficiency(study: Study, reach_table: pd.DataFrame, edition: str) -> pd.DataFrame | None:
    """€ allocated per inhabitant and running cost per participant, per edition, from the
    editions' ``budget`` and ``cost`` in ``study.yml``; None when neither is given.

    € per inhabitant = budget ÷ total population; cost per participant = cost ÷ participants.
    """
    editions = {e.label: e for scheme in study.schemes for e in scheme.editions}
    rows = []
    for row in reach_table.itertuples(index=False):
        declared = editions.get(str(getattr(row, edition)))
        if declared is None or (declared.budget is None and declared.cost is None):
            continue
        rows.append({
            "edition": getattr(row, edition), "budget": declared.budget,
            "budget_per_inhabitant": (declared.budget / study.client.population
                                      if declared.budget is not None else None),
            "running_cost": declared.cost,
            "cost_per_participant": (declared.cost / row.participants
                                     if declared.cost is not None else None)})
    if not rows:
        return None
    table = pd.DataFrame(rows)
    last = table.iloc[-1]
    label = participation.edition_label(last["edition"])
    t = study.t
    if pd.notna(last["cost_per_participant"]):
        study.record("cost_per_participant", float(last["cost_per_participant"]),
                     label=t("participation.cost_per_participant", edition=label),
                     kind="euro")
    if pd.notna(last["budget_per_inhabitant"]):
        study.record("budget_per_inhabitant", float(last["budget_per_inhabitant"]),
                     label=t("participation.budget_per_inhabitant", edition=label),
                     kind="euro")
    return table


def proposals_by_edition(study: Study, projects: pd.DataFrame, edition: str):
    """Proposals submitted per edition and per 1,000 inhabitants, with their trend test
    across comparable editions.

    Returns the table and the verdict sentence (stated only when the test supports it).
    """
    table = participation.proposals_per_thousand(projects, study.client.population, by=edition)
    trend = edition_trend(study, projects, edition)
    study.record("proposals_change", trend.change,
                 label=study.t("participation.proposals_change", first=trend.first,
                               last=trend.last), kind="change", trend=trend)
    return table, trend_sentence(study, trend)


def essoufflement(study: Study, participants: pd.DataFrame, edition: str):
    """The trend of participants across comparable editions (count regression) and its
    verdict; the trend is also the turnout's, whose evidence it joins."""
    trend = edition_trend(study, participants, edition)
    study.record("participants_change", trend.change,
                 label=study.t("participation.change", first=trend.first, last=trend.last),
                 kind="change", trend=trend)
    turnout = study.evidence().get("turnout_rate")
    if turnout is not None:
        study.record("turnout_rate", turnout.value, label=turnout.label, kind="percent",
                     trend=trend, editions=turnout.editions, caveats=turnout.caveats)
    return trend_sentence(study, trend)


def edition_trend(study: Study, table: pd.DataFrame, edition: str, count: str | None = None,
                  facts: pd.DataFrame | None = None, alpha: float = 0.05) -> Trend:
    """The trend of a count across the comparable editions of the scheme measured.

    Editions are comparable while the rules stay the same (:mod:`civeval.participation.
    comparability`: what ``study.yml`` declares, and the ``facts`` the data give, such as
    a vote file's vote type); the trend is tested (:func:`civeval.participation.trend`) on
    the editions since the last change only, and when fewer than two remain it is not
    tested at all. The change is that of the editions tested, else of all editions.
    """
    counts = (table.groupby(edition).size().rename("count").reset_index() if count is None
              else table.groupby(edition)[count].sum().rename("count").reset_index())
    labels = [participation.edition_label(e) for e in counts[edition]]
    changes = edition_changes(study, labels, facts)
    kept = comparable_editions(labels, changes)
    tested = counts[[label in kept for label in labels]]
    span = tested if len(tested) >= 2 else counts
    first, last = span.iloc[0], span.iloc[-1]
    result = (participation.trend(tested, edition, "count", alpha=alpha).iloc[0]
              if len(tested) >= 2 else None)
    return Trend(
        first=participation.edition_label(first[edition]),
        last=participation.edition_label(last[edition]),
        change=float(last["count"] / first["count"] - 1) if first["count"] else None,
        test=study.t(f"trend.test.{result['test']}") if result is not None else None,
        p_value=float(result["p_value"]) if result is not None else None,
        significant=bool(result["p_value"] < alpha) if result is not None else None,
        first_value=float(first["count"]), last_value=float(last["count"]),
        alpha=alpha, excluded=tuple(label for label in labels if label not in kept),
        breaks=change_texts({e: c for e, c in changes.items() if e in labels},
                            study.language))


def edition_changes(study: Study, labels: list[str], facts: pd.DataFrame | None = None
                    ) -> dict[str, list[str]]:
    """What changed in the rules of each edition of ``labels`` since the one before, in
    the report's words (:func:`civeval.participation.comparability.rule_changes`), from
    what ``study.yml`` declares and the ``facts`` the data give (``study.yml`` wins where
    both say)."""
    scheme = _scheme_measured(study)
    known = (study_facts(scheme, study.client.population) if scheme is not None
             else pd.DataFrame(columns=["edition"]))
    if facts is not None:
        known = (known.set_index("edition").combine_first(facts.set_index("edition"))
                 .reset_index())
    known = known[known["edition"].isin(labels)].set_index("edition").reindex(
        [label for label in labels if label in set(known["edition"])]).reset_index()
    return rule_changes(known, study.language)


def _scheme_measured(study: Study):
    """The scheme the figures measure: the measured one, else the study's only scheme."""
    if study.measured_scheme is not None:
        return study.measured_scheme
    return study.schemes[0] if len(study.schemes) == 1 else None


def trend_sentence(study: Study, trend: Trend):
    """The verdict of a trend in words: significant or not, with its test and p; untested
    with fewer than two comparable editions; and what changed in the rules."""
    t = study.t
    words = {"change": fmt.change(trend.change), "first": trend.first, "last": trend.last,
             "test": trend.test or "", "p": fmt.p_clause(trend.p_value)
             if trend.p_value is not None else "",
             "start": fmt.by_kind(trend.first_value, trend.value_kind),
             "end": fmt.by_kind(trend.last_value, trend.value_kind)}
    if not trend.tested:
        key = "participation.trend.untested"
    elif not trend.significant:
        key = "participation.trend.not_significant"
    else:
        key = f"participation.trend.{trend.direction}"
    text = t(key, **words)
    if trend.breaks and trend.tested:
        text += " " + t("participation.trend.breaks", first=trend.first,
                        excluded=", ".join(trend.excluded) or fmt.MISSING,
                        breaks=" ; ".join(trend.breaks))
    elif trend.breaks:  # fewer than two editions since the last change
        text += " " + t("participation.trend.breaks_untested", breaks=" ; ".join(trend.breaks))
    return report.text(text.replace("{", "{{").replace("}", "}}"))


def margin_label(study: Study, variable: str, category=None) -> str:
    """How readers see a margin variable (``tranche_age`` → « Tranche d'âge ») or one of its
    categories (``sexe`` ``F`` → « Femmes »): the catalogue's ``margin.variable.<name>`` and
    ``margin.category.<name>.<value>`` for the names INSEE tables use; otherwise a variable's
    words without underscores, and a category as the table writes it.

    Examples
    --------
    >>> from civeval import load_study
    >>> study = load_study("demo-saint-aubin")
    >>> margin_label(study, "tranche_age"), margin_label(study, "sexe", "F")
    ("Tranche d'âge", 'Femmes')
    >>> margin_label(study, "niveau_diplome"), margin_label(study, "tranche_age", "18-29")
    ('Niveau diplome', '18-29')
    """
    catalogue = i18n.catalogue(study.language)
    if category is None:
        key = f"margin.variable.{variable}"
        return study.t(key) if key in catalogue else variable.replace("_", " ").capitalize()
    key = f"margin.category.{variable}.{category}"
    return study.t(key) if key in catalogue else str(category)


def diversity(study: Study, participants: pd.DataFrame, margins: dict, edition: str
              ) -> pd.DataFrame:
    """Who takes part in the last edition compared with the population, per margin variable:
    representation ratio (share among participants ÷ share in the population) and the
    dissimilarity index of each variable, recorded; small cells hidden. Variables and
    categories are shown with their labels (:func:`margin_label`)."""
    last = participants[participants[edition] == participants[edition].max()]
    rows = []
    for variable, population in margins.items():
        if variable not in last:
            continue
        table = participation.diversity(last, variable, population)
        index = float(table.attrs["dissimilarity_index"])
        young = table[table[variable].astype(str).str.match(YOUNG_ADULTS)]
        if len(young) == 1:  # the diagnostic compares it with half a fair share
            study.record("young_representation_ratio",
                         float(young["representation_ratio"].iloc[0]), kind="coefficient",
                         label=study.t("participation.young_ratio", band=young[variable].iloc[0]))
        label = margin_label(study, variable)
        study.record(f"dissimilarity_{variable}", round(index, 3), kind="coefficient",
                     label=study.t("participation.dissimilarity",
                                   variable=label[:1].lower() + label[1:]))
        rows.append(table.assign(
            category=table[variable].map(lambda value, v=variable: margin_label(study, v, value)),
            variable=label))
    table = pd.concat(rows, ignore_index=True)[
        ["variable", "category", "n", "share_respondents", "share_population",
         "representation_ratio"]].rename(columns={"n": "participants",
                                                  "share_respondents": "share_participants"})
    return suppress_small_cells(table, ["participants"], threshold=study.small_cell_threshold,
                                dependent_columns=["share_participants",
                                                   "representation_ratio"],
                                groups=["variable"]).drop(columns="suppressed")


def retention(study: Study, participants: pd.DataFrame, person: str, edition: str,
              stable_ids: bool):
    """Share of each edition's participants who come back the next time, as a table; or,
    said instead, why it is not measured: the catalogue does not declare the participants'
    ids stable (``stable_ids``), so a return cannot be told from a newcomer; or no id ever
    recurs, which says the ids are not stable after all rather than that nobody came back."""
    t = study.t
    if not stable_ids:
        return report.text(t("participation.retention_unmeasured"))
    table = participation.retention(participants, person, edition)
    if len(table) and not table["returning"].fillna(0).any():
        return report.text(t("participation.retention_no_return"))
    if len(table):
        last = table.iloc[-1]
        study.record("retention_rate", float(last["retention_rate"]),
                     label=t("participation.retention_last",
                             edition=participation.edition_label(last["edition"])),
                     kind="percent")
    return report.table(table[["edition", "participants", "returning", "retention_rate",
                               "first_time_share"]], t("participation.retention.caption"),
                        kinds={"retention_rate": "percent", "first_time_share": "percent"})


def channels(study: Study, participants: pd.DataFrame, channel: str,
             edition: str) -> pd.DataFrame:
    """Share of each channel (online, ballot box…) per edition, small cells hidden."""
    table = participation.channel_shares(participants, channel, by=edition)
    table = suppress_small_cells(table, ["participants"], threshold=study.small_cell_threshold,
                                 dependent_columns=["share"], groups=[edition])
    return table.drop(columns="suppressed").rename(columns={channel: "channel"})


def districts(study: Study, participants: pd.DataFrame, population: pd.DataFrame,
              edition: str):
    """Participation rate by district in the last edition and the gap between districts.

    Returns the table and a sentence naming the most and least participating districts.
    """
    last = participants[participants[edition] == participants[edition].max()]
    table = participation.territorial_equity(last, population)
    gap = table.attrs
    study.record("district_rate_ratio", float(gap["rate_ratio"]), kind="coefficient",
                 label=study.t("participation.district_gap"))
    sentence = report.text(
        study.t("participation.districts_text", most="{most}", least="{least}",
                most_rate=fmt.percent(gap["max_rate"]), least_rate=fmt.percent(gap["min_rate"]),
                ratio=study.evidence()["district_rate_ratio"].text(study.language)),
        most=gap["max_district"], least=gap["min_district"])
    shown = suppress_small_cells(table, ["participants"], threshold=study.small_cell_threshold,
                                 dependent_columns=["participation_rate"])
    shown = shown.drop(columns="suppressed").rename(columns={table.columns[0]: "district"})
    return shown, sentence


def attendance(study: Study, register: pd.DataFrame, members: str, present: str,
               date: str):
    """Council members' attendance rate per year and its trend (binomial regression)."""
    table = participation.attendance(register, members, present, date)
    result = table.attrs["trend"].iloc[0]
    tested = pd.notna(result["p_value"])
    trend = Trend(
        first=participation.edition_label(result["first_year"]),
        last=participation.edition_label(result["last_year"]),
        change=float(result["last_rate"] / result["first_rate"] - 1)
        if result["first_rate"] else None,
        test=study.t(f"trend.test.{result['test']}"),
        p_value=float(result["p_value"]) if tested else None,
        significant=bool(result["p_value"] < 0.05) if tested else None,
        first_value=float(result["first_rate"]), last_value=float(result["last_rate"]),
        value_kind="percent")
    study.record("attendance_rate", float(table.iloc[-1]["attendance_rate"]),
                 label=study.t("participation.attendance_last",
                               year=participation.edition_label(table.iloc[-1]["year"])),
                 kind="percent", trend=trend)
    return table, trend_sentence(study, trend)


def phases(study: Study, export=None, ballots: pd.DataFrame | None = None
           ) -> pd.DataFrame | None:
    """Participation per phase of the scheme: submit, comment, support, vote.

    Submit and comment count unique contributors, from the pseudonymous author ids of a
    Decidim open-data export (``export``, its path; all its entities are read). Support
    counts supports only: open-data exports give each proposal's total, not who gave it.
    Vote counts the voters of a Pabulib file (``ballots``, as the catalogue format
    ``pabulib`` reads it: one ballot per voter). Each
    count of people is also a share of the total population. None when there is nothing
    to count.
    """
    entities = decidim.read_decidim(export) if export is not None else {}
    actions = []
    for phase, entity in (("submit", "proposals"), ("comment", "comments")):
        table = entities.get(entity)
        if table is not None and "author_id" in table:
            actions.append(table[["author_id"]].dropna().assign(phase=phase))
    rows = []
    if actions:
        table = participation.unique_participants(pd.concat(actions, ignore_index=True),
                                                  "author_id", by="phase")
        study.record("platform_contributors", int(table.attrs["unique_participants"]),
                     label=study.t("participation.platform_contributors"))
        rows.append(table[["phase", "participations", "unique_participants"]])
    proposals = entities.get("proposals")
    if proposals is not None and "votes" in proposals and proposals["votes"].notna().any():
        rows.append(pd.DataFrame({"phase": ["support"],
                                  "participations": [int(proposals["votes"].sum())],
                                  "unique_participants": [pd.NA]}))
    voters = ballots.attrs.get("voters") if ballots is not None else None
    if voters:
        rows.append(pd.DataFrame({"phase": ["vote"], "participations": [voters],
                                  "unique_participants": [voters]}))
    if not rows:
        return None
    order = {"submit": 0, "comment": 1, "support": 2, "vote": 3}  # the scheme's calendar
    table = pd.concat(rows, ignore_index=True).sort_values("phase", key=lambda p: p.map(order),
                                                           ignore_index=True)
    table["participation_rate"] = (table["unique_participants"].astype("Float64")
                                   / study.client.population)
    table["phase"] = table["phase"].map(lambda p: study.t(f"participation.phase.{p}"))
    return table


def proposals_chart(study: Study, submitted: pd.DataFrame, edition: str):
    """Proposals submitted per edition as bars, with the count per 1,000 inhabitants."""
    return _bars_by_edition(study, submitted, edition, "proposals",
                            [fmt.number(r, 1) for r in submitted["proposals_per_thousand"]],
                            charts.PALETTE[1], "proposals_chart")


def answers(study: Study, proposals: pd.DataFrame) -> pd.DataFrame:
    """What became of the proposals of a platform (Decidim): answered, accepted, rejected
    with a reason, and the median delay to an answer, as key figures."""
    t = study.t
    result = transparency.answer_rates(proposals).iloc[0].copy()
    # Quality of exchanges and reach of the platform, beside what became of proposals.
    result["proposals_per_thousand"] = 1000 * result["proposals"] / study.client.population
    result["comments_per_proposal"] = (proposals["comments"].mean()
                                       if "comments" in proposals else None)
    study.record("proposals", int(result["proposals"]), label=t("participation.proposals"))
    study.record("proposals_per_thousand", float(result["proposals_per_thousand"]),
                 label=t("participation.proposals_per_thousand"))
    study.record("answer_rate", float(result["answer_rate"]),
                 label=t("participation.answer_rate"), kind="percent")
    rows = [
        ("proposals", "number"), ("proposals_per_thousand", "number"),
        ("comments_per_proposal", "number"),
        ("answered", "number"), ("answer_rate", "percent"),
        ("accepted", "number"), ("rejected", "number"),
        ("rejection_reason_rate", "percent"), ("median_answer_delay_days", "number"),
    ]
    return pd.DataFrame([{"indicator": t(f"participation.{key}"), "value": result[key],
                          "kind": kind} for key, kind in rows])


# --- votes: several editions and districts (Pabulib files) --------------------------------

def votes(study: Study, ballots, scheme: str | None = None) -> list[vote_files.Vote]:
    """The vote datasets ``ballots`` (one name or a list) read and bound to their editions
    and districts (:func:`civeval.participation.votes.study_votes`), editions in order."""
    return vote_files.study_votes(study, ballots, scheme)


def last_vote_table(votes: list[vote_files.Vote]) -> pd.DataFrame | None:
    """The projects table (catalogue format ``pabulib``) of the last edition's city-wide
    vote, for :func:`phases`; None when the last edition has none (its district files do
    not count voters)."""
    city = [vote for vote in votes if vote.citywide and vote.edition == votes[-1].edition]
    return read_pabulib_projects(city[0].summary.path) if city else None


def _money(table: pd.DataFrame, columns: list[str], kinds: dict, labels: dict,
           study: Study) -> None:
    """Amounts in euros as euros; in another currency as numbers, the currency in the
    column heading."""
    currencies = set(table["currency"].dropna()) if "currency" in table else set()
    if currencies <= {"EUR"}:
        kinds.update({column: "euro" for column in columns})
        return
    shown = " / ".join(sorted(currencies))
    kinds.update({column: "number" for column in columns})
    labels.update({column: f"{study.t(f'column.{column}')} ({shown})" for column in columns})


def _shown(frame: pd.DataFrame, kinds: dict, labels: dict | None = None) -> pd.DataFrame:
    frame.attrs = {"kinds": kinds, "labels": labels or {}}
    return frame


def shown(frame: pd.DataFrame, caption: str):
    """A table of this section's vote functions, formatted as they say (``attrs``)."""
    return report.table(frame, caption, kinds=frame.attrs.get("kinds"),
                        labels=frame.attrs.get("labels"))


def _words(study: Study, kind: str, value) -> str:
    """A vote type or rule in words, each of several (« a / b ») translated."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return fmt.MISSING
    words = []
    for part in str(value).split(" / "):
        try:
            words.append(study.t(f"comparability.{kind}.{part}"))
        except KeyError:
            words.append(part)
    return " / ".join(words)


def vote_editions(study: Study, votes: list[vote_files.Vote],
                  population: pd.DataFrame | None = None, measure_reach: bool = True):
    """Voters, turnout, projects and budget per edition from the vote files, the rules of
    each edition with what changed, and the trend of voters across comparable editions.

    Voters are those of each edition's city-wide file; district files add ballots, never
    voters. With ``measure_reach`` (the study has no participants table), the voters are
    the participants: ``participants_<edition>``, ``turnout_rate`` (last edition with a
    city-wide vote), ``participants_change`` with its trend and ``budget_per_inhabitant``
    are recorded. ``pb_voters`` and ``pb_district_ballots`` are recorded in any case.

    Returns
    -------
    tuple
        The per-edition table, the rules table (vote type, rule, dates, duration, what
        changed since the edition before) and the trend sentence (None with fewer than two
        editions with a city-wide vote).
    """
    t = study.t
    shares = (vote_files.district_population(votes, population) if population is not None
              else None)
    table = vote_files.editions(votes, study.client.population, shares)
    facts = vote_files.edition_facts(table)
    labels = table["edition"].tolist()
    changes = edition_changes(study, labels, facts)
    counted = table[table["voters"].notna()]
    _record_votes(study, table, counted, measure_reach)
    verdict = None
    if len(counted) >= 2:
        trend = edition_trend(study, counted.astype({"voters": "int64"}), "edition",
                              count="voters", facts=facts)
        if measure_reach:
            study.record("participants_change", trend.change,
                         label=t("participation.change", first=trend.first, last=trend.last),
                         kind="change", trend=trend)
            turnout = study.evidence().get("turnout_rate")
            study.record("turnout_rate", turnout.value, label=turnout.label, kind="percent",
                         trend=trend, editions=turnout.editions)
        verdict = trend_sentence(study, trend)
    columns = ["edition", "voters", "turnout", "district_votes", "district_ballots",
               "projects", "budget", "budget_per_inhabitant"]
    if not table["district_votes"].any():
        columns = [c for c in columns if c not in ("district_votes", "district_ballots")]
    kinds, headings = {"turnout": "percent"}, {}
    _money(table, ["budget", "budget_per_inhabitant"], kinds, headings, study)
    rules = pd.DataFrame({
        "edition": table["edition"],
        "vote_type": [_words(study, "vote_type", v) for v in table["vote_type"]],
        "rule": [_words(study, "rule", v) for v in table["rule"]],
        "period": [fmt.period(b, e) if b and e else fmt.MISSING
                   for b, e in zip(table["date_begin"], table["date_end"], strict=True)],
        "duration_days": table["duration_days"],
        "changes": [" ; ".join(changes.get(label, [])) or fmt.MISSING for label in labels]})
    return (_shown(table[columns].copy(), kinds, headings),
            _shown(rules, {"duration_days": "number"},
                   {"period": t("column.vote_period")}), verdict)


def _record_votes(study: Study, table: pd.DataFrame, counted: pd.DataFrame,
                  measure_reach: bool) -> None:
    t = study.t
    if len(counted):
        last = counted.iloc[-1]
        study.record("pb_voters", int(last["voters"]),
                     label=t("participation.pb_voters", instance=last["edition"]),
                     editions=[last["edition"]])
    if measure_reach:
        for row in counted.itertuples(index=False):
            study.record(f"participants_{row.edition}", int(row.voters),
                         label=t("participation.voters_in", edition=row.edition),
                         editions=[row.edition])
        if len(counted):
            study.record("turnout_rate", float(last["turnout"]),
                         label=t("participation.vote_rate", edition=last["edition"]),
                         kind="percent", editions=[last["edition"]])
        known = table[table["budget_per_inhabitant"].notna() & (table["currency"] == "EUR")]
        if len(known):
            row = known.iloc[-1]
            study.record("budget_per_inhabitant", float(row["budget_per_inhabitant"]),
                         label=t("participation.budget_per_inhabitant", edition=row["edition"]),
                         kind="euro", editions=[row["edition"]])
    with_districts = table[table["district_votes"] > 0]
    if len(with_districts):
        row = with_districts.iloc[-1]
        study.record("pb_district_ballots", int(row["district_ballots"]),
                     label=t("participation.district_ballots_in", edition=row["edition"],
                             count=int(row["district_votes"])),
                     editions=[row["edition"]],
                     caveats=[t("participation.district_ballots_caveat")])


def vote_districts(study: Study, votes: list[vote_files.Vote],
                   population: pd.DataFrame | None = None) -> pd.DataFrame | None:
    """Ballots, projects, budget, winners and (with a population table) turnout and budget
    per inhabitant of each district file; small counts of ballots hidden. None without
    district files."""
    shares = (vote_files.district_population(votes, population) if population is not None
              else None)
    table = vote_files.districts(votes, shares)
    if table.empty:
        return None
    table = suppress_small_cells(table, ["ballots"], threshold=study.small_cell_threshold,
                                 dependent_columns=["turnout"], groups=["edition"])
    columns = ["edition", "district", "ballots", "projects", "budget", "winners", "spent"]
    if shares:
        columns += ["population", "turnout", "budget_per_inhabitant"]
    kinds, headings = {"turnout": "percent", "population": "number"}, {}
    _money(table, ["budget", "spent", "budget_per_inhabitant"], kinds, headings, study)
    return _shown(table[columns].copy(), kinds, headings)


def district_maps(study: Study, districts_table: pd.DataFrame | None, geometry) -> list:
    """Choropleths of the last edition's district votes: turnout (when the population is
    known) and ballots, on the study's district geometry."""
    if districts_table is None or geometry is None:
        return []
    last = districts_table[districts_table["edition"] == districts_table["edition"].iloc[-1]]
    mapping = match_districts(last["district"].reset_index(drop=True), geometry,
                              first_line=None)
    edition = last["edition"].iloc[0]
    figures = []
    for column, kind in (("turnout", "percent"), ("ballots", "number")):
        if column not in last or last[column].isna().all():
            continue
        values = {mapping[d]: v for d, v in zip(last["district"], last[column], strict=True)}
        figures.append(maps.choropleth(
            geometry, values, kind=kind,
            title=study.t(f"participation.map.{column}_title", edition=edition),
            alt=study.t(f"participation.map.{column}_alt", edition=edition),
            source=study.t("participation.map.source", client=study.client.name),
            language=study.language))
    return figures


def vote_outcomes(study: Study, votes: list[vote_files.Vote]):
    """Winners and budget spent per file, the share of winners among the most-voted
    projects, and a sentence for each file whose winners are unknown (a rule that cannot
    be recomputed, said rather than guessed). Records the last edition's budget spent,
    its share of the budget and the share of winners among the most voted.

    Returns
    -------
    tuple
        The table and the sentences (report texts).
    """
    t = study.t
    table = vote_files.outcomes(votes)
    table["scope"] = [d if isinstance(d, str) else t("participation.citywide")
                      for d in table["district"]]
    table["winners_source"] = [t(f"participation.winners_source.{source}")
                               if isinstance(source, str) else fmt.MISSING
                               for source in table["source"]]
    table["rule"] = [_words(study, "rule", r) for r in table["rule"]]
    notes = [report.text(t(f"participation.rule_problem.{row.problem}", scope=row.scope,
                           edition=row.edition, rule=str(row.rule)).replace("{", "{{")
                         .replace("}", "}}"))
             for row in table.itertuples() if isinstance(row.problem, str)]
    # The last edition as editions() counts it: its city-wide vote, else its district votes.
    last = table[table["edition"] == table["edition"].iloc[-1]]
    last = last[last["district"].isna()] if last["district"].isna().any() else last
    last = last[last["winners"].notna()]
    if len(last) and (last["currency"] == "EUR").all():
        edition = last["edition"].iloc[0]
        spent, budget = float(last["spent"].sum()), float(last["budget"].sum())
        study.record("pb_budget_spent", spent, kind="euro", editions=[edition],
                     label=t("participation.budget_spent_in", edition=edition))
        if budget:
            study.record("pb_spent_share", spent / budget, kind="percent", editions=[edition],
                         label=t("participation.spent_share_in", edition=edition))
    if len(last) and last["winners"].sum():
        edition = last["edition"].iloc[0]
        top = float((last["top_share"] * last["winners"]).sum() / last["winners"].sum())
        study.record("pb_winners_top_share", top, kind="percent", editions=[edition],
                     label=t("participation.top_share_in", edition=edition))
    kinds, headings = {"spent_share": "percent", "top_share": "percent"}, {}
    _money(table, ["budget", "spent"], kinds, headings, study)
    columns = ["edition", "scope", "rule", "winners_source", "winners", "budget", "spent",
               "spent_share", "top_share"]
    return _shown(table[columns].copy(), kinds, headings), notes


def top_projects(study: Study, votes: list[vote_files.Vote]) -> pd.DataFrame:
    """The projects of the last edition's vote (its city-wide file, else its district
    files), most chosen first: name, district, cost, voters who chose it, their share of
    the file's ballots, and whether it won; small counts hidden."""
    edition = votes[-1].edition
    files = [v for v in votes if v.edition == edition]
    chosen = [v for v in files if v.citywide] or files
    frames = []
    for vote in chosen:
        table = vote_rules.winners(vote.summary)
        projects = vote.summary.projects.reset_index(drop=True)
        table["voter_share"] = projects["voter_share"].to_numpy()
        if "district" not in table and vote.district is not None:
            table["district"] = vote.district
        frames.append(table.assign(currency=vote.currency))
    table = pd.concat(frames, ignore_index=True)
    columns = [c for c in ("name", "district", "cost", "voters", "voter_share", "winner")
               if c in table.columns]
    table = table.sort_values("voters", ascending=False, ignore_index=True, kind="stable")
    kinds, headings = {"voter_share": "percent"}, {}
    _money(table, ["cost"], kinds, headings, study)
    shown_table = suppress_small_cells(table[columns], ["voters"],
                                       threshold=study.small_cell_threshold,
                                       dependent_columns=["voter_share"], secondary=False,
                                       ).drop(columns="suppressed")
    return _shown(shown_table, kinds, headings)


def vote_voters(study: Study, votes: list[vote_files.Vote], margins: dict | None = None
                ) -> pd.DataFrame:
    """The voters of the city-wide files with their attributes written as the margins
    write them: ``edition``, the margins' age variable (ages put into its bands), its
    sex variable (Pabulib's F/M/O as it writes them), and ``voting_method``; without
    margins, ``age_band`` (INSEE-style bands) and ``sex``."""
    table = vote_files.voters(votes)
    found = voter_attributes.margin_variables(margins or {})
    shown_table = table[["edition"]].copy()
    if "age" in table:
        bands = list(margins[found["age"]]) if "age" in found \
            else voter_attributes.DEFAULT_AGE_BANDS
        shown_table[found.get("age", "age_band")] = voter_attributes.age_bands(table["age"],
                                                                               bands)
    if "sex" in table:
        categories = list(margins[found["sex"]]) if "sex" in found \
            else voter_attributes.SEXES
        shown_table[found.get("sex", "sex")] = voter_attributes.sex_categories(table["sex"],
                                                                               categories)
    if "voting_method" in table:
        shown_table["voting_method"] = [
            study.t(f"participation.voting_method.{m}") if m in ("internet", "paper")
            else (m if isinstance(m, str) else None) for m in table["voting_method"]]
    return shown_table


def voter_profiles(study: Study, voters: pd.DataFrame) -> pd.DataFrame | None:
    """Voters of the last edition by age band and by sex, for studies without population
    margins; small cells hidden. None when the files carry neither."""
    last = voters[voters["edition"] == voters["edition"].iloc[-1]] if len(voters) else voters
    rows = []
    for column in ("age_band", "sex"):
        if column not in last or last[column].isna().all():
            continue
        profile = voter_attributes.voter_profile(last, column, by=None)
        if column == "sex":
            profile["category"] = [study.t(f"participation.sex.{c}") for c in
                                   profile["category"]]
        rows.append(profile.assign(variable=study.t(f"participation.variable.{column}")))
    if not rows:
        return None
    table = pd.concat(rows, ignore_index=True)[["variable", "category", "voters", "share"]]
    table = suppress_small_cells(table, ["voters"], threshold=study.small_cell_threshold,
                                 dependent_columns=["share"], groups=["variable"])
    return _shown(table.drop(columns="suppressed"), {"share": "percent"})


def voter_tables(study: Study, votes: list[vote_files.Vote], margins: dict | None = None
                 ) -> list:
    """What the vote files say of who votes, for a study without a participants table:
    the last edition's voters against the population ``margins`` by age band and sex
    (:func:`diversity`, recorded), else their profile by age band and sex
    (:func:`voter_profiles`), and the voting channels per edition (``voting_method``).
    Nothing when the files carry no attribute."""
    voters = vote_voters(study, votes, margins)
    if len(voters) == 0 or len(voters.columns) == 1:
        return []
    t = study.t
    shown_items = [report.heading(t("participation.h.voters"), level=3),
                   report.text(t("participation.voters_text"))]
    compared = [c for c in voters.columns if c in (margins or {})]
    if compared:
        shown_items.append(report.table(
            diversity(study, voters, {c: margins[c] for c in compared}, "edition"),
            t("participation.diversity.caption"),
            kinds={"share_participants": "percent", "share_population": "percent",
                   "representation_ratio": "number"}))
    else:
        profiles = voter_profiles(study, voters)
        if profiles is not None:
            shown_items.append(shown(profiles, t("participation.voter_profiles.caption",
                                                 edition=voters["edition"].iloc[-1])))
    if "voting_method" in voters and voters["voting_method"].notna().any():
        shown_items.append(report.table(
            channels(study, voters.dropna(subset=["voting_method"]), "voting_method",
                     "edition"),
            t("participation.channels.caption"), kinds={"share": "percent"}))
    return shown_items
