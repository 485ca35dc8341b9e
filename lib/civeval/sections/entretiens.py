"""The interviews and workshops section (template ``20_entretiens``): who was heard, the
main themes and their weight by group, agreement between coders, pseudonymised quotes, the
workshop's priorities and the quality of exchanges observed at meetings, with the key
figures recorded for the synthesis.

Counts are of interviews (documents) that mention a theme, never of segments alone: an
interviewee who returns ten times to one subject is still one voice. Groups are shown, never
people: a group under the study's small-cell threshold is shown (and quoted) under its
broader group with the rest of its family, or hidden, in every table, chart, label and in
the workbook beside the report (:mod:`civeval.qual.groups`).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from civeval.presentation import fmt, i18n, report
from civeval.privacy import pseudonymise_texts
from civeval.qual import agreement, analysis, groups, quotes, workshops
from civeval.qual.codebook import Codebook
from civeval.qual.observation import (
    FACILITATION,
    as_grid,
    facilitation_events,
    speaking_concentration,
    speaking_representation,
)
from civeval.qual.roles import order_groups
from civeval.workbench.study import Study

# Krippendorff (2004, p. 241): α ≥ 0.800 to rely on the coding, 0.667 ≤ α < 0.800 for
# tentative conclusions only.
RELIABLE_ALPHA, TENTATIVE_ALPHA = 0.800, 0.667
EXPORT_FILE = "matrice_codes_entretiens.xlsx"


def codebook_of(table: pd.DataFrame | None) -> Codebook | None:
    """A :class:`Codebook` from a catalogue dataset of format ``codebook``."""
    return Codebook(codes=table) if table is not None else None


def _group_label(study: Study, group: str) -> str:
    """How reports name a stakeholder group ("Élu·es"); a study's own group as it is."""
    key = f"role.{group}"
    return study.t(key) if key in i18n.catalogue(study.language) else str(group)


def shown_groups(study: Study, segments: pd.DataFrame) -> dict[str, str | None]:
    """The group each speakers' group is shown under in this section (itself, its broader
    group, or None when hidden): the study's threshold, with secondary suppression since
    the number of interviews is published."""
    people = {group: groups.count_people(rows) for group, rows in
              segments.dropna(subset=["speaker_role"]).groupby("speaker_role", sort=False)}
    return groups.shown_groups(people, study.small_cell_threshold, secondary=True)


def _groups_note(study: Study, shown: dict[str, str | None],
                 hidden_key: str) -> report.HTML | None:
    """A sentence saying which groups are shown together and which are not shown, None
    when every group is shown under its own name. ``hidden_key`` words what becomes of
    the hidden ones."""
    t = study.t
    merged = {}
    for group, unit in shown.items():
        if unit is not None and unit != group:
            merged.setdefault(unit, []).append(_group_label(study, group))
    hidden = [_group_label(study, group) for group, unit in shown.items() if unit is None]
    if not (merged or hidden):
        return None
    parts = [t("qual.small_groups", count=study.small_cell_threshold)]
    parts += [t("qual.small_groups_merged", group=_group_label(study, unit),
                members=", ".join(members)) for unit, members in merged.items()]
    if hidden:
        parts.append(t(hidden_key, groups=", ".join(hidden)))
    return report.text(" ".join(parts))


def heard_note(study: Study, segments: pd.DataFrame) -> report.HTML | None:
    """The sentence under the table of who was heard: which groups are counted together,
    which are not shown; None when every group is shown under its own name."""
    return _groups_note(study, shown_groups(study, segments), "qual.small_groups_hidden")


def heard(study: Study, segments: pd.DataFrame) -> pd.DataFrame:
    """Interviews and distinct speakers per stakeholder group: counts, never names; a
    group under the threshold is counted with its family, or hidden."""
    table = analysis.who_was_heard(segments)
    study.record("interviews", int(table.attrs["documents"]),
                 label=study.t("qual.interviews"))
    study.record("stakeholder_groups", int((table["documents"] > 0).sum()),
                 label=study.t("qual.stakeholder_groups"))
    shown = shown_groups(study, segments)
    # A hidden group keeps its row, its counts masked, as survey tables do.
    merged = segments.assign(speaker_role=segments["speaker_role"].map(
        lambda group: shown.get(group) or group))
    table = analysis.who_was_heard(merged).astype({"documents": "Int64", "speakers": "Int64"})
    hidden = table["group"].isin([group for group, unit in shown.items() if unit is None])
    table.loc[hidden, ["documents", "speakers"]] = pd.NA
    table = table.assign(group=table["group"].map(lambda g: _group_label(study, g)))[
        ["group", "documents", "speakers"]].rename(columns={"documents": "interviews"})
    study.record("interviews_by_group", heard_by_group(study, table),
                 label=study.t("qual.interviews_by_group"), kind="text")
    return table


def heard_by_group(study: Study, table: pd.DataFrame) -> str:
    """Who was heard, in one line for the main report's method: each group shown with its
    interviews, then the groups not detailed (their counts stay hidden).

    Examples
    --------
    >>> from civeval import load_study
    >>> table = pd.DataFrame({"group": ["Habitant·es", "Élu·es", "Agent·es"],
    ...                       "interviews": pd.array([9, pd.NA, pd.NA], dtype="Int64")})
    >>> heard_by_group(load_study("demo-saint-aubin"), table)
    'Habitant·es (9) ; non détaillés : Élu·es, Agent·es'
    """
    t = study.t
    shown = table[table["interviews"].notna()]
    parts = [t("qual.heard_group", group=row.group, interviews=fmt.integer(row.interviews))
             for row in shown.itertuples(index=False) if row.interviews > 0]
    hidden = table.loc[table["interviews"].isna(), "group"].tolist()
    text = ", ".join(parts)
    if hidden:
        text = t("qual.heard_hidden", shown=text, groups=", ".join(hidden)) if parts \
            else t("qual.heard_all_hidden", groups=", ".join(hidden))
    return text


def themes(study: Study, segments: pd.DataFrame, codebook: Codebook | None) -> pd.DataFrame:
    """Themes by the share of interviews that mention them (codes rolled up to their
    top-level theme when there is a codebook), most mentioned first; the first is recorded."""
    roll_up = codebook.roll_up if codebook is not None else None
    table = analysis.code_frequencies(segments, by=None, roll_up=roll_up)
    name = table.columns[0]
    table = table.sort_values(["documents", name], ascending=[False, True], ignore_index=True)
    top = table.iloc[0]
    study.record("top_theme", str(top[name]), label=study.t("qual.top_theme"), kind="text")
    study.record("top_theme_share", float(top["document_share"]),
                 label=study.t("qual.top_theme_share", theme=top[name]), kind="percent")
    return table.rename(columns={name: "theme", "documents": "interviews",
                                 "document_share": "share"})[["theme", "interviews", "share"]]


def codes_by_group(study: Study, segments: pd.DataFrame) -> pd.DataFrame:
    """Share of each group's interviews that mention each code; groups as columns, those
    under the threshold with their family or left out (:func:`shown_groups`)."""
    matrix = analysis.code_group_matrix(
        groups.regroup(segments, shown_groups(study, segments)), value="share")
    matrix = matrix.loc[matrix.max(axis=1).sort_values(ascending=False).index]
    matrix.columns = [_group_label(study, g) for g in matrix.columns]
    table = matrix.reset_index().rename(columns={matrix.index.name or "index": "code"})
    table.attrs["kinds"] = dict.fromkeys(matrix.columns, "percent")
    return table


def themes_chart(study: Study, by_group: pd.DataFrame):
    """Heat map of codes × groups (share of the group's interviews), values written in
    each cell so that nothing rests on colour alone."""
    t = study.t
    data = by_group.set_index("code")
    fig, axis = plt.subplots(figsize=(8, 0.42 * len(data) + 1.6))
    image = axis.imshow(data.to_numpy(dtype=float), cmap="Blues", vmin=0, vmax=1,
                        aspect="auto")
    axis.set_xticks(range(len(data.columns)), data.columns)
    axis.set_yticks(range(len(data.index)), data.index)
    axis.tick_params(top=True, bottom=False, labeltop=True, labelbottom=False)
    for row, values in enumerate(data.to_numpy(dtype=float)):
        for column, value in enumerate(values):
            axis.text(column, row, fmt.percent(value, 0), ha="center", va="center",
                      fontsize=8, color="white" if value > 0.6 else "black")
    axis.grid(False)
    fig.colorbar(image, ax=axis, fraction=0.03, pad=0.02,
                 format=lambda value, _: fmt.percent(value, 0))
    top = data.max(axis=1)
    return report.figure(
        fig, title=t("qual.chart_title"),
        alt=t("qual.chart_alt", count=len(data),
              groups=t("count.stakeholder_groups", count=len(data.columns)),
              code=top.index[0], share=fmt.percent(top.iloc[0], 0)),
        source=t("qual.chart_source", client=study.client.name))


def coder_agreement(study: Study, segments: pd.DataFrame):
    """Agreement of the two coders on the double-coded segments, per code and overall, and
    a sentence saying how far the coding can be relied on; None without double coding."""
    if "coder" not in segments or segments["coder"].dropna().nunique() < 2:
        return None, None
    table = agreement.coding_agreement(segments)
    overall = table.iloc[-1]
    alpha = float(overall["alpha"])
    study.record("coding_alpha", round(alpha, 3), label=study.t("qual.coding_alpha"),
                 kind="coefficient")
    verdict = ("reliable" if alpha >= RELIABLE_ALPHA else
               "tentative" if alpha >= TENTATIVE_ALPHA else "unreliable")
    sentence = report.text(study.t(f"qual.agreement_{verdict}",
                                   alpha=fmt.number(alpha, 2),
                                   count=int(overall["segments"])))
    shown = table.assign(code=table["code"].replace(
        {agreement.OVERALL: study.t("qual.all_codes")}))
    return shown[["code", "segments", "agreement", "kappa", "alpha"]], sentence


def quotations(study: Study, segments: pd.DataFrame, count: int = 4, per_group: int = 2,
               people=()):
    """Pseudonymised quotes of the ``count`` codes mentioned in the most interviews, by
    group; groups under the study's threshold are quoted under their broader group.
    ``people`` is the study's list of people (names, or name → group), always replaced.
    Returns one (code, HTML) pair per code."""
    mentions = analysis.code_frequencies(segments, by=None)
    codes = mentions.sort_values(["documents", "code"], ascending=[False, True])[
        "code"].head(count).tolist()
    chosen = quotes.select_quotes(segments, codes=codes, per_group=per_group,
                                  threshold=study.small_cell_threshold, names=people)
    shown = []
    for code in codes:
        rows = chosen[chosen["code"] == code]
        if len(rows):
            shown.append((code, report.quotes(
                rows["quote"].tolist(), [_group_label(study, g) for g in rows["group"]])))
    return shown


def export(study: Study, segments: pd.DataFrame) -> report.HTML:
    """The code × interview matrix and the code frequencies by group as an XLSX workbook
    beside the report, and the link to it.

    The workbook leaves the evaluation team: its groups are those the report shows
    (:func:`shown_groups`), interviews of hidden groups are left out, and interviews are
    numbered anew (« Entretien 07 ») in an order that tells nothing of their group, since
    source files list one group after another and are often named after the person."""
    shown = groups.regroup(segments, shown_groups(study, segments))
    names = groups.anonymous_documents(shown["document"], study.t("qual.interview_name"))
    numbered = shown.assign(document=shown["document"].map(names)).sort_values(
        "document", kind="stable")
    by_group = analysis.code_group_matrix(shown, value="documents")
    by_group.columns = [_group_label(study, group) for group in by_group.columns]
    analysis.export_xlsx({
        study.t("qual.sheet_matrix"): analysis.code_case_matrix(numbered),
        study.t("qual.sheet_groups"): by_group,
    }, study.output_dir / EXPORT_FILE)
    return report.link(EXPORT_FILE, study.t("qual.export_link"))


def workshop(study: Study, votes: pd.DataFrame, people=()):
    """The workshop's proposals ranked by votes, each group's share for the first ones, and
    a sentence on agreement between groups (Kendall's W); the first proposal is recorded.

    A table of fewer people than the study's threshold is counted with its family (élus
    with agents, as « acteurs institutionnels »), or left out when its family is still too
    small: every figure, the consensus label of each proposal included, is computed from
    the groups shown, so that none reveals what a small table voted. Returns the table,
    the sentence, and a note on the groups merged or left out (None when there is none).

    Proposals are participants' words: they are shown pseudonymised, like quotes
    (``people``: the study's list of people, always replaced), once every figure is
    computed, so that two proposals naming different people are never counted as one.
    """
    t = study.t
    sizes = workshops.group_sizes(votes)
    # Without participants, the size of the tables is unknown: they are shown as they are.
    shown = (groups.shown_groups(sizes, study.small_cell_threshold) if sizes
             else {group: group for group in votes["group"].unique()})
    merged = workshops.merge_groups(votes, shown)
    ranked = workshops.rank_proposals(merged)
    written = list(dict.fromkeys(ranked["proposal"].astype(str)))
    shown_text = dict(zip(written, pseudonymise_texts(written, list(people)), strict=True))
    study.record("workshop_top_proposal", shown_text[str(ranked.iloc[0]["proposal"])],
                 label=t("qual.workshop_top"), kind="text")
    by_group = workshops.group_priorities(merged).pivot(index="proposal", columns="group",
                                                        values="share")
    by_group = by_group[order_groups(by_group.columns)]
    by_group.columns = [_group_label(study, g) for g in by_group.columns]
    table = ranked[["rank", "proposal", "votes", "share"]].merge(
        by_group.reset_index(), on="proposal")
    table.attrs["kinds"] = {"share": "percent", **dict.fromkeys(by_group.columns, "percent")}
    note = _groups_note(study, shown, "qual.workshop_hidden")
    if merged["group"].nunique() < 2:
        sentence = t("qual.workshop_one_group")
    else:
        agreement_between = workshops.consensus(merged)
        facts = agreement_between.attrs
        study.record("workshop_kendall_w", round(float(facts["kendall_w"]), 2),
                     label=t("qual.workshop_w"), kind="coefficient")
        divisive = set(agreement_between.loc[
            agreement_between["label"] == workshops.DIVISIVE, "proposal"])
        table["consensus"] = table["proposal"].map(
            lambda p: t("qual.workshop_divisive") if p in divisive
            else t("qual.workshop_consensus"))
        key = ("qual.workshop_concordant" if facts["p_value"] < 0.05
               else "qual.workshop_discordant")
        sentence = t(key, w=fmt.number(facts["kendall_w"], 2),
                     p=fmt.p_clause(facts["p_value"]))
    table["proposal"] = table["proposal"].astype(str).map(shown_text)
    return table, report.text(sentence), note


# --- observation of meetings ------------------------------------------------------------------

OBSERVED_GROUPINGS = ("genre", "role", "age")
_REPRESENTATION_KINDS = {"attendees": "number", "attendee_share": "percent", "turns": "number",
                         "turn_share": "percent", "turn_ratio": "coefficient",
                         "minutes": "number", "time_share": "percent",
                         "time_ratio": "coefficient"}
_CONCENTRATION_KINDS = {"attendees": "number", "speakers": "number", "minutes": "number",
                        "top10_share": "percent", "gini": "coefficient"}


def observed_exchanges(study: Study, data) -> list[report.HTML]:
    """The quality of exchanges observed at meetings, from a filled observation grid
    (catalogue format ``observation``): who took the floor, and for how long, against who
    was present, by gender, stakeholder group and age band (representation ratios); how
    concentrated participants' speaking time was (share of the top 10 %, Gini); and the
    facilitation events per hour of meeting. The key figures are recorded.

    Groups and sessions of fewer people present than the study's threshold are not
    detailed: their figures are hidden, with what would give them back. Returns what the
    template displays, in order.
    """
    t = study.t
    grid = as_grid(data)
    threshold = study.small_cell_threshold
    hours = round(float(grid.sessions["hours"].sum()), 1)
    present = int(grid.attendees.loc[grid.attendees["role"] != FACILITATION, "nombre"].sum())
    turns = int((grid.turns["role"] != FACILITATION).sum())
    study.record("observed_sessions", len(grid.sessions), label=t("observation.figure.sessions"))
    study.record("observed_hours", hours, label=t("observation.figure.hours"))
    shown = [report.text(t(
        "observation.summary", sessions=t("observation.sessions", count=len(grid.sessions)),
        hours=t("observation.hours", count=hours),
        attendees=t("observation.attendees", count=present),
        turns=t("observation.turns", count=turns))),
        report.heading(t("observation.h.representation"), level=3)]
    hidden = False
    for by in OBSERVED_GROUPINGS:
        table = speaking_representation(grid, by=by, threshold=threshold)
        hidden |= bool(table["suppressed"].any())
        if by == "genre":
            _record_women_ratio(study, table)
        table = _representation_shown(study, table, by)
        shown.append(report.table(table, t(f"observation.caption.{by}"),
                                  kinds=_REPRESENTATION_KINDS, labels=_observation_labels(
                                      study, table)))
    shown.append(report.text(t("observation.ratio_note")))
    concentration = speaking_concentration(grid, threshold=threshold)
    hidden |= bool(concentration["suppressed"].any())
    _record_concentration(study, concentration)
    table = concentration.drop(columns="suppressed").rename(columns={"seance": "session"})
    shown += [report.heading(t("observation.h.concentration"), level=3),
              report.text(t("observation.concentration_text")),
              report.table(table, t("observation.caption.concentration"),
                           kinds=_CONCENTRATION_KINDS,
                           labels=_observation_labels(study, table))]
    shown += [report.heading(t("observation.h.events"), level=3),
              _events_shown(study, facilitation_events(grid), hours)]
    if hidden:
        shown.append(report.text(t("observation.small_groups", count=threshold)))
    return shown


def _observed_group(study: Study, by: str, value: str) -> str:
    if by == "genre":
        return study.t(f"observation.gender.{value}")
    return _group_label(study, value) if by == "role" else str(value)


def _representation_shown(study: Study, table: pd.DataFrame, by: str) -> pd.DataFrame:
    if by == "role":
        table = table.set_index(by).loc[order_groups(table[by])].reset_index()
    shown = table.rename(columns={by: "group"})
    shown["group"] = shown["group"].map(lambda value: _observed_group(study, by, value))
    # A group that spoke but was not counted among those present has no ratio.
    for ratio in ("time_ratio", "turn_ratio"):
        shown[ratio] = shown[ratio].where(np.isfinite(shown[ratio].astype(float)))
    # Speakers are counted per session, in the concentration table.
    return shown[["group", *_REPRESENTATION_KINDS]]


def _observation_labels(study: Study, table: pd.DataFrame) -> dict[str, str]:
    return {column: study.t(f"observation.column.{column}") for column in table.columns}


def _record_women_ratio(study: Study, by_gender: pd.DataFrame) -> None:
    women = by_gender[(by_gender["genre"] == "femme") & ~by_gender["suppressed"]]
    if len(women) and np.isfinite(float(women["time_ratio"].iloc[0])):
        study.record("women_speaking_time_ratio", round(float(women["time_ratio"].iloc[0]), 2),
                     label=study.t("observation.figure.women_ratio"), kind="coefficient")


def _record_concentration(study: Study, concentration: pd.DataFrame) -> None:
    """The mean, over the sessions shown, of each session's concentration of speaking time
    (sessions are not pooled: a speaker's code names one person within a session only)."""
    shown = concentration[~concentration["suppressed"]]
    top, gini = shown["top10_share"].astype(float), shown["gini"].astype(float)
    if top.notna().any():
        study.record("speaking_top10_share", round(float(top.mean()), 3),
                     label=study.t("observation.figure.top10"), kind="percent")
    if gini.notna().any():
        study.record("speaking_gini", round(float(gini.mean()), 2),
                     label=study.t("observation.figure.gini"), kind="coefficient")


def _events_shown(study: Study, events: pd.DataFrame, hours: float) -> report.HTML:
    """The table of facilitation events per hour (the interruptions and unanswered questions
    recorded, 0 when none was noted), or a sentence when none was noted."""
    t = study.t
    rates = dict(zip(events["evenement"], events["per_hour"], strict=True))
    if hours:
        study.record("interruptions_per_hour", round(float(rates.get("interruption", 0)), 2),
                     label=t("observation.figure.interruptions"))
        study.record("unanswered_per_hour", round(float(rates.get("sans_reponse", 0)), 2),
                     label=t("observation.figure.unanswered"))
    if events.empty:
        return report.text(t("observation.no_events"))
    catalogue = i18n.catalogue(study.language)
    table = pd.DataFrame({
        "event": [t(f"observation.event.{code}") if f"observation.event.{code}" in catalogue
                  else code for code in events["evenement"]],
        "events": events["events"], "per_hour": events["per_hour"]})
    return report.table(table, t("observation.caption.events"),
                        kinds={"events": "number", "per_hour": "coefficient"},
                        labels=_observation_labels(study, table))
