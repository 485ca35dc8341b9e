"""The participation section (template ``30_participation``): reach, essoufflement,
districts and councils' attendance, recorded as key figures for the synthesis.

Each function computes with :mod:`civeval.participation.indicators`, hides the cells under
the study's small-cell threshold, records the key figures and returns what the template
shows. Reference points (French participatory budgets: median turnout 4 % of the
population in 2018, average 8 % in 2022) come from ``data/reference``.
"""

from __future__ import annotations

import pandas as pd

from civeval import fmt, report
from civeval.participation import indicators
from civeval.privacy import suppress_small_cells
from civeval.study import Study


def reach(study: Study, participants: pd.DataFrame, edition: str) -> pd.DataFrame:
    """Participants and participation rate (÷ total INSEE population) per edition."""
    table = indicators.participation_rate(participants, study.client.population, by=edition)
    t = study.t
    for row in table.itertuples(index=False):
        label = getattr(row, edition)
        study.record(f"participants_{label}", int(row.participants),
                     label=t("participation.participants_in", edition=label))
    last = table.iloc[-1]
    study.record("participation_rate", float(last["participation_rate"]),
                 label=t("participation.rate_last", edition=last[edition]), kind="percent")
    return table[[edition, "participants", "participation_rate"]]


def essoufflement(study: Study, participants: pd.DataFrame, edition: str):
    """The trend of participants across editions (count regression) and its verdict."""
    result = indicators.trend(participants, edition).iloc[0]
    study.record("participants_change", float(result["change"]),
                 label=study.t("participation.change", first=result["first_edition"],
                               last=result["last_edition"]), kind="percent")
    study.record("participants_trend_p_value", float(result["p_value"]),
                 label=study.t("participation.trend_p"), kind="p_value")
    return _verdict(study, result)


def retention(study: Study, participants: pd.DataFrame, person: str,
              edition: str) -> pd.DataFrame:
    """Share of each edition's participants who come back the next time."""
    table = indicators.retention(participants, person, edition)
    if len(table):
        last = table.iloc[-1]
        study.record("retention_rate", float(last["retention_rate"]),
                     label=study.t("participation.retention_last",
                                   edition=last["edition"]), kind="percent")
    return table[["edition", "participants", "returning", "retention_rate",
                  "first_time_share"]]


def channels(study: Study, participants: pd.DataFrame, channel: str,
             edition: str) -> pd.DataFrame:
    """Share of each channel (online, ballot box…) per edition, small cells hidden."""
    table = indicators.channel_shares(participants, channel, by=edition)
    table = suppress_small_cells(table, ["participants"], threshold=study.small_cell_threshold,
                                 dependent_columns=["share"], groups=[edition])
    return table.drop(columns="suppressed").rename(columns={channel: "channel"})


def districts(study: Study, participants: pd.DataFrame, population: pd.DataFrame,
              edition: str):
    """Participation rate by district in the last edition and the gap between districts.

    Returns the table and a sentence naming the most and least participating districts.
    """
    last = participants[participants[edition] == participants[edition].max()]
    table = indicators.territorial_equity(last, population)
    gap = table.attrs
    study.record("district_rate_ratio", round(float(gap["rate_ratio"]), 2),
                 label=study.t("participation.district_gap"))
    sentence = report.text(
        study.t("participation.districts_text", most="{most}", least="{least}",
                most_rate=fmt.percent(gap["max_rate"]), least_rate=fmt.percent(gap["min_rate"]),
                ratio=fmt.number(gap["rate_ratio"], 1)),
        most=gap["max_district"], least=gap["min_district"])
    shown = suppress_small_cells(table, ["participants"], threshold=study.small_cell_threshold,
                                 dependent_columns=["participation_rate"])
    shown = shown.drop(columns="suppressed").rename(columns={table.columns[0]: "district"})
    return shown, sentence


def attendance(study: Study, register: pd.DataFrame, members: str, present: str,
               date: str):
    """Council members' attendance rate per year and its trend (binomial regression)."""
    table = indicators.attendance(register, members, present, date)
    trend = table.attrs["trend"].iloc[0]
    study.record("attendance_rate", float(table.iloc[-1]["attendance_rate"]),
                 label=study.t("participation.attendance_last",
                               year=table.iloc[-1]["year"]), kind="percent")
    return table, _verdict(study, trend)


def _verdict(study: Study, result: pd.Series):
    """The test's plain-French verdict as a sentence, with the test named and its p."""
    verdict = str(result["verdict"])
    return report.text(study.t("participation.trend_text", verdict="{verdict}", test="{test}",
                               p=fmt.p_clause(result["p_value"])),
                       verdict=verdict[:1].upper() + verdict[1:], test=result["label"])


def vote(study: Study, projects: pd.DataFrame) -> pd.DataFrame:
    """The projects of a Pabulib vote (catalogue format ``pabulib``), most chosen first:
    name, district, cost, voters who chose it and their share of all voters."""
    meta = projects.attrs.get("meta", {})
    study.record("pb_voters", int(meta.get("num_votes", 0)) or None,
                 label=study.t("participation.pb_voters", instance=meta.get("instance", "")))
    columns = [c for c in ("name", "district", "cost", "voters", "voter_share")
               if c in projects.columns]
    table = projects[columns].sort_values("voters", ascending=False, ignore_index=True)
    return suppress_small_cells(table, ["voters"], threshold=study.small_cell_threshold,
                                dependent_columns=["voter_share"], secondary=False,
                                ).drop(columns="suppressed")
