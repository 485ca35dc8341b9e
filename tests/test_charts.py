"""Charts that read right on edge cases: tick labels written once, in order, never overlapping
(measured with matplotlib's text extents), short events visible, value axes from zero."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from civeval.benchmark.chart import benchmark_chart
from civeval.benchmark.peers import anonymise, compare
from civeval.diagnosis.findings import summary_chart
from civeval.presentation import charts
from civeval.sections.cadrage import editions_timeline


def visible_labels(axis) -> list:
    """The drawn tick labels of ``axis`` (``ax.xaxis`` or ``ax.yaxis``) inside its view, in
    the order of their positions."""
    axis.axes.figure.canvas.draw()
    low, high = sorted(axis.get_view_interval())
    ticks = [tick for tick in axis.get_major_ticks()
             if tick.label1.get_visible() and low <= tick.get_loc() <= high
             and tick.label1.get_text()]
    return sorted(ticks, key=lambda tick: tick.get_loc())


def assert_reads_right(axis, unique: bool = True) -> list[str]:
    """Labels unique (unless the axis diverges from zero, counts both ways), in order of
    their values, and apart from each other on the page."""
    ticks = visible_labels(axis)
    texts = [tick.label1.get_text() for tick in ticks]
    assert texts, "no tick label"
    assert not unique or len(set(texts)) == len(texts), f"a tick label is repeated: {texts}"
    renderer = axis.axes.figure.canvas.get_renderer()
    boxes = [tick.label1.get_window_extent(renderer) for tick in ticks]
    horizontal = axis is axis.axes.xaxis
    for (first, second), (a, b) in zip(zip(texts, texts[1:], strict=False),
                                       zip(boxes, boxes[1:], strict=False), strict=True):
        if horizontal:
            assert a.x1 <= b.x0, f"tick labels {first!r} and {second!r} overlap"
        else:
            assert a.y1 <= b.y0 or b.y1 <= a.y0, f"tick labels {first!r} and {second!r} overlap"
    return texts


def editions(*rows) -> pd.DataFrame:
    return pd.DataFrame([{"scheme": scheme, "edition": label, "start": pd.Timestamp(start),
                          "end": pd.Timestamp(end)} for scheme, label, start, end in rows])


CALENDARS = {
    "one edition": editions(("Budget participatif", "2024", "2024-02-01", "2024-10-21")),
    "a one-day event": editions(("Atelier", "2025", "2025-09-13", "2025-09-13")),
    "two schemes over six weeks": editions(("Consultation", "2025", "2025-04-01", "2025-05-15"),
                                           ("Plateforme", "2025", "2025-04-01", "2025-05-15")),
    "three years and a weekend": editions(
        ("Conseils", "2023", "2023-01-01", "2023-12-31"),
        ("Conseils", "2024", "2024-01-01", "2024-12-31"),
        ("Conseils", "2025", "2025-01-01", "2025-12-31"),
        ("Sondage délibératif", "2025", "2025-09-13", "2025-09-14")),
    "long names over a year": editions(
        ("Consultation sur le plan de mobilité simplifié", "2024", "2024-05-13", "2024-06-30"),
        ("Consultation sur le plan de mobilité simplifié", "2025", "2025-04-01", "2025-05-15"),
        ("Plateforme de participation en ligne", "2025", "2025-04-01", "2025-05-15")),
    "long names over three years": editions(
        ("Conseils de quartier", "2023", "2023-01-01", "2023-12-31"),
        ("Conseils de quartier", "2025", "2025-01-01", "2025-12-31"),
        ("Sondage délibératif sur la tranquillité publique", "2025", "2025-09-13",
         "2025-09-14")),
    "forty editions": editions(*[("Budget", str(1986 + k), f"{1986 + k}-03-01",
                                  f"{1986 + k}-10-31") for k in range(40)]),
}


@pytest.mark.parametrize("case", list(CALENDARS))
def test_calendar_labels_are_unique_ordered_and_apart(case):
    fig = editions_timeline(CALENDARS[case])
    try:
        assert_reads_right(fig.axes[0].xaxis)
        assert_reads_right(fig.axes[0].yaxis)
    finally:
        charts.close(fig)


def test_calendar_ticks_fall_on_whole_months_or_years():
    fig = editions_timeline(CALENDARS["three years and a weekend"])
    # months when six-monthly ticks fit, else years
    labels = assert_reads_right(fig.axes[0].xaxis)
    assert labels in (["01/2023", "07/2023", "01/2024", "07/2024", "01/2025", "07/2025",
                       "01/2026"], ["2023", "2024", "2025", "2026"]), labels
    charts.close(fig)
    fig = editions_timeline(CALENDARS["forty editions"])
    years = assert_reads_right(fig.axes[0].xaxis)
    assert all(len(year) == 4 and int(year) % 5 == 0 for year in years)
    charts.close(fig)


def test_a_weekend_stays_visible_among_years():
    fig = editions_timeline(CALENDARS["three years and a weekend"])
    axis = fig.axes[0]
    fig.canvas.draw()
    markers = [collection for collection in axis.collections if len(collection.get_offsets())]
    assert len(markers) == 1 and len(markers[0].get_offsets()) == 1  # the weekend only
    assert markers[0].get_sizes()[0] >= 30  # points²: a diamond one can see, not a hairline
    charts.close(fig)


def peers_table(values: list[float], client_value: float) -> pd.DataFrame:
    peers = pd.DataFrame({"name": [f"Ville {k}" for k in range(len(values))],
                          "kind": "commune", "population": 50_000,
                          "indicator": "turnout_rate", "value": values, "public": True})
    return anonymise(compare(client_value, peers, "turnout_rate", client="Ville A"), "Ville A")


@pytest.mark.parametrize(("values", "client"), [([0.071], 0.068), ([0.02 + 0.003 * k for k in
                                                                    range(39)], 0.08)])
def test_benchmark_axis_starts_at_zero_with_one_peer_or_forty(values, client):
    fig = benchmark_chart(peers_table(values, client))
    axis = fig.axes[0]
    try:
        assert axis.get_xlim()[0] == 0  # a gap of 0.3 point is not drawn as a chasm
        assert axis.get_xlim()[1] > max(*values, client)
        assert_reads_right(axis.xaxis)
        assert_reads_right(axis.yaxis)
    finally:
        charts.close(fig)


def test_benchmark_axis_of_changes_spans_both_sides_of_zero():
    fig, axis = plt.subplots()
    charts.value_axis_from_zero(axis.xaxis, [-0.3, -0.1])
    low, high = axis.get_xlim()
    assert low < -0.3 and high == 0
    charts.value_axis_from_zero(axis.yaxis, [])  # nothing to show: the axis is left alone
    charts.close(fig)


def test_diagnostic_chart_has_a_row_for_every_criterion_even_without_finding():
    criteria = ["Pertinence", "Cohérence", "Efficacité", "Efficience", "Impact"]
    table = pd.DataFrame({"criterion": [c.lower() for c in criteria], "label": criteria,
                          "strengths": [1, 0, 1, 0, 0], "weaknesses": [0, 1, 1, 0, 0],
                          "vigilance": [0, 0, 0, 0, 0], "findings": [1, 1, 2, 0, 0],
                          "score": [1, -1, 0, None, None]})
    fig = summary_chart(table)
    try:
        assert sorted(assert_reads_right(fig.axes[0].yaxis)) == sorted(criteria)
        assert len(set(assert_reads_right(fig.axes[0].xaxis, unique=False))) >= 2
    finally:
        charts.close(fig)
