"""The interviews and workshops section (template ``20_entretiens``): who was heard, the
main themes and their weight by group, agreement between coders, pseudonymised quotes and
the workshop's priorities, with the key figures recorded for the synthesis.

Counts are of interviews (documents) that mention a theme, never of segments alone: an
interviewee who returns ten times to one subject is still one voice. Groups are shown, never
people; a group under the study's small-cell threshold is quoted under its broader group.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from civeval.presentation import fmt, i18n, report
from civeval.qual import agreement, analysis, quotes, workshops
from civeval.qual.codebook import Codebook
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


def heard(study: Study, segments: pd.DataFrame) -> pd.DataFrame:
    """Interviews and distinct speakers per stakeholder group: counts, never names."""
    table = analysis.who_was_heard(segments)
    study.record("interviews", int(table.attrs["documents"]),
                 label=study.t("qual.interviews"))
    study.record("stakeholder_groups", int((table["documents"] > 0).sum()),
                 label=study.t("qual.stakeholder_groups"))
    return table.assign(group=table["group"].map(lambda g: _group_label(study, g)))[
        ["group", "documents", "speakers"]].rename(columns={"documents": "interviews"})


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
    """Share of each group's interviews that mention each code; groups as columns."""
    matrix = analysis.code_group_matrix(segments, value="share")
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
        alt=t("qual.chart_alt", codes=len(data), groups=len(data.columns),
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
                                   segments=fmt.integer(overall["segments"])))
    shown = table.assign(code=table["code"].replace(
        {agreement.OVERALL: study.t("qual.all_codes")}))
    return shown[["code", "segments", "agreement", "kappa", "alpha"]], sentence


def quotations(study: Study, segments: pd.DataFrame, count: int = 4, per_group: int = 2):
    """Pseudonymised quotes of the ``count`` codes mentioned in the most interviews, by
    group; groups under the study's threshold are quoted under their broader group.
    Returns one (code, HTML) pair per code."""
    mentions = analysis.code_frequencies(segments, by=None)
    codes = mentions.sort_values(["documents", "code"], ascending=[False, True])[
        "code"].head(count).tolist()
    chosen = quotes.select_quotes(segments, codes=codes, per_group=per_group,
                                  threshold=study.small_cell_threshold)
    shown = []
    for code in codes:
        rows = chosen[chosen["code"] == code]
        if len(rows):
            shown.append((code, report.quotes(
                rows["quote"].tolist(), [_group_label(study, g) for g in rows["group"]])))
    return shown


def export(study: Study, segments: pd.DataFrame) -> report.HTML:
    """The code × interview matrix and the code frequencies by group as an XLSX workbook
    beside the report, and the link to it."""
    analysis.export_xlsx({
        study.t("qual.sheet_matrix"): analysis.code_case_matrix(segments),
        study.t("qual.sheet_groups"): analysis.code_group_matrix(segments, value="documents"),
    }, study.output_dir / EXPORT_FILE)
    return report.link(EXPORT_FILE, study.t("qual.export_link"))


def workshop(study: Study, votes: pd.DataFrame):
    """The workshop's proposals ranked by votes, each group's share for the first ones, and
    a sentence on agreement between groups (Kendall's W); the first proposal is recorded."""
    t = study.t
    ranked = workshops.rank_proposals(votes)
    study.record("workshop_top_proposal", str(ranked.iloc[0]["proposal"]),
                 label=t("qual.workshop_top"), kind="text")
    agreement_between = workshops.consensus(votes)
    facts = agreement_between.attrs
    study.record("workshop_kendall_w", round(float(facts["kendall_w"]), 2),
                 label=t("qual.workshop_w"), kind="coefficient")
    # A table of fewer than five people is a cell under the threshold: its shares are
    # not shown, only said to be left out.
    sizes = facts.get("group_participants", {})
    small = {group for group, people in sizes.items() if people < study.small_cell_threshold}
    by_group = workshops.group_priorities(votes).pivot(index="proposal", columns="group",
                                                         values="share")
    by_group = by_group[[g for g in by_group.columns if g not in small]]
    by_group.columns = [_group_label(study, g) for g in by_group.columns]
    table = ranked[["rank", "proposal", "votes", "share"]].merge(
        by_group.reset_index(), on="proposal")
    divisive = set(agreement_between.loc[agreement_between["label"] == workshops.DIVISIVE,
                                         "proposal"])
    table["consensus"] = table["proposal"].map(
        lambda p: t("qual.workshop_divisive") if p in divisive else t("qual.workshop_consensus"))
    table.attrs["kinds"] = {"share": "percent", **dict.fromkeys(by_group.columns, "percent")}
    key = "qual.workshop_concordant" if facts["p_value"] < 0.05 else "qual.workshop_discordant"
    sentence = t(key, w=fmt.number(facts["kendall_w"], 2), p=fmt.p_clause(facts["p_value"]))
    if small:
        sentence += " " + t("qual.workshop_small",
                            groups=", ".join(_group_label(study, g) for g in sorted(small)))
    return table, report.text(sentence)
