"""The participation section (template ``30_participation``): reach, essoufflement,
districts and councils' attendance, recorded as key figures for the synthesis.

Each function computes with :mod:`civeval.participation`, hides the cells under
the study's small-cell threshold, records the key figures and returns what the template
shows. Reference points (French participatory budgets: median turnout 4 % of the
population in 2018, average 8 % in 2022) come from ``data/reference``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from civeval import participation, transparency
from civeval.errors import InputError
from civeval.evidence.record import Trend
from civeval.participation import decidim
from civeval.participation.comparability import (
    change_texts,
    comparable_editions,
    rule_changes,
    study_facts,
)
from civeval.presentation import charts, fmt, report
from civeval.privacy import suppress_small_cells
from civeval.workbench.paths import display_path
from civeval.workbench.study import Study

# The youngest adult band of INSEE-style margins, however the file writes it (18-29, 18–29 ans).
YOUNG_ADULTS = r"^\s*18\s*[-–à]\s*29"


def check(study: Study, parameters: dict, locate) -> None:
    """Inputs of ``30_participation`` checked before any kernel starts: the measured
    scheme exists, and every district of the participants appears in the population
    table, or the rates would be wrong (``locate`` places a parameter in ``study.yml``).

    The participants' district column is the one whose values best match the population
    table's districts (its first column).
    """
    if parameters.get("scheme"):
        study.scheme(parameters["scheme"], where=locate("scheme"))
    participants, population = parameters.get("participants"), parameters.get("population")
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
              start=fmt.integer(table[count].iloc[0]), end=fmt.integer(table[count].iloc[-1])),
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
    known = study_facts(_scheme_measured(study), study.client.population) \
        if _scheme_measured(study) is not None else pd.DataFrame(columns=["edition"])
    if facts is not None:
        known = (known.set_index("edition").combine_first(facts.set_index("edition"))
                 .reset_index())
    known = known[known["edition"].isin(labels)].set_index("edition").reindex(
        [label for label in labels if label in set(known["edition"])]).reset_index()
    changes = rule_changes(known, study.language)
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
    if trend.breaks:
        text += " " + t("participation.trend.breaks", first=trend.first,
                        excluded=", ".join(trend.excluded) or fmt.MISSING,
                        breaks=" ; ".join(trend.breaks))
    return report.text(text.replace("{", "{{").replace("}", "}}"))


def diversity(study: Study, participants: pd.DataFrame, margins: dict, edition: str,
              labels: dict[str, str] | None = None) -> pd.DataFrame:
    """Who takes part in the last edition compared with the population, per margin variable:
    representation ratio (share among participants ÷ share in the population) and the
    dissimilarity index of each variable, recorded; small cells hidden."""
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
                         float(young["representation_ratio"].iloc[0]),
                         label=study.t("participation.young_ratio", band=young[variable].iloc[0]))
        study.record(f"dissimilarity_{variable}", round(index, 3),
                     label=study.t("participation.dissimilarity",
                                   variable=(labels or {}).get(variable, variable)))
        rows.append(table.rename(columns={variable: "category"}).assign(
            variable=(labels or {}).get(variable, variable)))
    table = pd.concat(rows, ignore_index=True)[
        ["variable", "category", "n", "share_respondents", "share_population",
         "representation_ratio"]].rename(columns={"n": "participants",
                                                  "share_respondents": "share_participants"})
    return suppress_small_cells(table, ["participants"], threshold=study.small_cell_threshold,
                                dependent_columns=["share_participants",
                                                   "representation_ratio"],
                                groups=["variable"]).drop(columns="suppressed")


def retention(study: Study, participants: pd.DataFrame, person: str, edition: str,
              stable_ids: bool) -> pd.DataFrame | None:
    """Share of each edition's participants who come back the next time; None when the
    participants' ids do not name the same person from one edition to the next (the
    catalogue's ``stable_ids``): a return cannot then be told from a newcomer."""
    if not stable_ids:
        return None
    table = participation.retention(participants, person, edition)
    if len(table):
        last = table.iloc[-1]
        study.record("retention_rate", float(last["retention_rate"]),
                     label=study.t("participation.retention_last",
                                   edition=participation.edition_label(last["edition"])),
                     kind="percent")
    return table[["edition", "participants", "returning", "retention_rate",
                  "first_time_share"]]


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
    study.record("district_rate_ratio", float(gap["rate_ratio"]),
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


def vote(study: Study, projects: pd.DataFrame) -> pd.DataFrame:
    """The projects of a Pabulib vote (catalogue format ``pabulib``), most chosen first:
    name, district, cost, voters who chose it and their share of all voters."""
    meta = projects.attrs.get("meta", {})
    study.record("pb_voters", projects.attrs.get("voters"),
                 label=study.t("participation.pb_voters", instance=meta.get("instance", "")))
    columns = [c for c in ("name", "district", "cost", "voters", "voter_share")
               if c in projects.columns]
    table = projects[columns].sort_values("voters", ascending=False, ignore_index=True)
    return suppress_small_cells(table, ["voters"], threshold=study.small_cell_threshold,
                                dependent_columns=["voter_share"], secondary=False,
                                ).drop(columns="suppressed")


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
