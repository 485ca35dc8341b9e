"""Framing (*cadrage*): what is evaluated, with which questions, on which data.

Each function takes a :class:`~civeval.workbench.study.Study` and returns a tidy DataFrame (English
column names; the report translates headings through the catalogue).
"""

from __future__ import annotations

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd

from civeval.errors import InputError
from civeval.presentation import charts, fmt, report
from civeval.workbench.schema import Criterion
from civeval.workbench.study import Study


def schemes(study: Study) -> pd.DataFrame:
    """One row per scheme: name, type, number of editions and the period they cover."""
    rows = []
    for scheme in study.schemes:
        starts = [e.start for e in scheme.editions]
        ends = [e.end or e.start for e in scheme.editions]
        rows.append({
            "scheme": scheme.name,
            "scheme_type": str(scheme.type),
            "editions": len(scheme.editions),
            "period": fmt.period(min(starts), max(ends)) if starts else fmt.MISSING,
        })
    return pd.DataFrame(rows, columns=["scheme", "scheme_type", "editions", "period"])


def editions(study: Study) -> pd.DataFrame:
    """One row per edition of each scheme, with its start and end dates."""
    rows = [{"scheme": scheme.name, "edition": edition.label,
             "start": pd.Timestamp(edition.start),
             "end": pd.Timestamp(edition.end) if edition.end else pd.NaT}
            for scheme in study.schemes for edition in scheme.editions]
    return pd.DataFrame(rows, columns=["scheme", "edition", "start", "end"])


def questions(study: Study) -> pd.DataFrame:
    """The evaluation questions, in the order of the criteria (pertinence … impact): their
    text only, not the keys of the figures that answer them."""
    asked = study.config.questions()
    rows = [{"criterion": str(criterion), "question": item.question}
            for criterion in Criterion
            for asked_criterion, _, item in asked if asked_criterion == criterion]
    return pd.DataFrame(rows, columns=["criterion", "question"])


def inventory(study: Study) -> pd.DataFrame:
    """The data catalogue as it stands: size, period covered and validation status.

    Each dataset is named by its description (its catalogue name when it has none), never
    by its file: readers of the report do not see the study's folder.
    The period covered is the earliest and latest value over the dataset's date columns.
    A dataset that does not parse is listed with the error instead of failing the report.
    """
    rows = []
    for name, entry in study.config.data.items():
        row = {"dataset": entry.description or name, "rows": pd.NA, "columns": pd.NA,
               "period": fmt.MISSING, "status": study.t("inventory.valid")}
        try:
            frame = study.load(name)
        except InputError as error:
            row["status"] = study.t("inventory.invalid", error=error.message)
        else:
            row["rows"], row["columns"] = len(frame), frame.shape[1]
            span = date_span(frame)
            if span:
                row["period"] = fmt.period(*span)
        rows.append(row)
    return pd.DataFrame(rows, columns=["dataset", "rows", "columns", "period", "status"])


def date_span(frame: pd.DataFrame) -> tuple | None:
    """The earliest and latest value over a table's date columns; None without any."""
    dates = frame.select_dtypes(include=["datetime", "datetimetz"])
    if dates.empty or dates.isna().all().all():
        return None
    return dates.min().min(), dates.max().max()


def covered_period(study: Study, name: str) -> tuple | None:
    """The days the dataset ``name`` of the catalogue covers, from its own dates
    (:func:`date_span`); None when it has no date column or does not parse."""
    try:
        return date_span(study.load(name))
    except InputError:
        return None


def record_key_figures(study: Study, inventory_table: pd.DataFrame) -> None:
    """Record the framing's key figures for the study page."""
    t = study.t
    study.record("population", study.client.population, label=t("figure.population"))
    study.record("schemes", len(study.schemes), label=t("figure.schemes"))
    study.record("editions", len(editions(study)), label=t("figure.editions"))
    study.record("evaluation_questions", len(questions(study)), label=t("figure.questions"))
    study.record("datasets", len(inventory_table), label=t("figure.datasets"))
    study.record("records", int(inventory_table["rows"].fillna(0).sum()), label=t("figure.rows"))


def timeline(study: Study):
    """The editions' timeline as a report figure, or None when no edition is declared."""
    table = editions(study)
    if table.empty:
        return None
    start, end = table["start"].min(), table["end"].fillna(table["start"]).max()
    t = study.t
    return report.figure(
        editions_timeline(table), title=t("framing.timeline.title"),
        alt=t("framing.timeline.alt", count=len(table), start=fmt.date(start), end=fmt.date(end)),
        source=t("framing.timeline.source", client=study.client.name))


def editions_timeline(table: pd.DataFrame):
    """A horizontal bar per edition of ``editions(study)`` from start to end; the figure.

    The date axis has whole months or years (:func:`civeval.presentation.charts.date_axis`);
    an edition of a day or two (a deliberative weekend) is a marker, not a bar too thin to
    see.
    """
    table = table.sort_values("start")
    fig, ax = plt.subplots(figsize=(8, 0.45 * max(len(table), 2) + 1.2))
    labels = table["scheme"] + " — " + table["edition"]
    ends = table["end"].fillna(table["start"])
    span = max((ends.max() - table["start"].min()).days, 1)
    # Drawn inclusive of its last day, so that a one-day edition has a length too.
    lengths = (ends - table["start"]).dt.days + 1
    ax.barh(labels, lengths, left=mdates.date2num(table["start"]), color=charts.PALETTE[0])
    short = lengths <= max(2, span * 0.01)
    ax.scatter(mdates.date2num(table["start"][short]) + lengths[short] / 2, labels[short],
               marker="D", s=50, color=charts.PALETTE[0], zorder=3)
    ax.invert_yaxis()
    fig.tight_layout()  # the editions' labels first: what is left is the date axis's width
    charts.date_axis(ax.xaxis, table["start"].min(), ends.max())
    ax.set_xlabel("")
    fig.tight_layout()
    return fig
