"""The questionnaire section (template ``10_questionnaire``): who answered and what they think.

Each function takes what the previous ones return and gives a tidy DataFrame ready for
:func:`civeval.presentation.report.table`; the statistics themselves live in :mod:`civeval.survey`
and
:mod:`civeval.representativeness`. Every published count goes through
:func:`civeval.privacy.suppress_small_cells` with the study's threshold.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import pandas as pd

from civeval.errors import InputError
from civeval.presentation import fmt, report
from civeval.privacy import pseudonymise_text, suppress_small_cells
from civeval.representativeness import representativeness
from civeval.survey.codebook import Codebook, Question
from civeval.survey.compare import compare_groups, pre_post
from civeval.survey.estimates import estimate_proportion
from civeval.survey.likert import DONT_KNOW, likert_chart, likert_table, scale_sides
from civeval.survey.margins import as_margins
from civeval.survey.models import ordinal_model
from civeval.survey.weights import design_effect, effective_sample_size, rake
from civeval.workbench.study import Study

WEIGHT = "_weight"


@dataclass
class Questionnaire:
    """Responses read through the catalogue, with their codebook and import summary."""

    name: str
    responses: pd.DataFrame
    codebook: Codebook
    summary: dict = field(default_factory=dict)

    def label(self, column: str) -> str:
        """How readers see a respondent column: its codebook label, else its name."""
        try:
            return self.codebook[column].label or column
        except KeyError:
            return column

    @property
    def weighted(self) -> bool:
        return WEIGHT in self.responses

    @property
    def weight(self) -> str | None:
        return WEIGHT if self.weighted else None


def load(study: Study, dataset: str) -> Questionnaire:
    """Read a survey dataset of the catalogue (a survey format with a codebook)."""
    responses = study.load(dataset)
    codebook = responses.attrs.get("codebook")
    if codebook is None:
        raise InputError(f"dataset {dataset!r} needs a survey format (survey, limesurvey, kobo, "
                         "odk, decidim_survey) and a codebook option", **study.where("data"))
    return Questionnaire(dataset, responses, codebook, dict(responses.attrs.get("survey", {})))


def participation(study: Study, questionnaire: Questionnaire,
                  target_population: int | None = None) -> pd.DataFrame:
    """Responses received, complete, excluded; response and completion rates.

    response rate = complete responses ÷ target population (the client's population unless
    the survey addressed a narrower one); completion rate = complete ÷ (complete + incomplete).
    """
    t = study.t
    complete = len(questionnaire.responses)
    incomplete = int(questionnaire.summary.get("incomplete", 0))
    target = target_population or study.client.population
    rows = [
        ("questionnaire_received", t("questionnaire.received"), complete + incomplete, "number"),
        ("questionnaire_complete", t("questionnaire.complete"), complete, "number"),
        ("questionnaire_excluded", t("questionnaire.excluded"),
         int(questionnaire.summary.get("excluded", 0)), "number"),
        ("questionnaire_target", t("questionnaire.target"), target, "number"),
        ("questionnaire_response_rate", t("questionnaire.response_rate"), complete / target,
         "percent"),
        ("questionnaire_completion_rate", t("questionnaire.completion_rate"),
         complete / (complete + incomplete) if complete + incomplete else None, "percent"),
    ]
    for key, label, value, kind in rows:
        study.record(key, value, label=label, kind=kind)
    return pd.DataFrame([{"indicator": label, "value": value, "kind": kind}
                         for _, label, value, kind in rows])


def margins(study: Study, dataset: str) -> dict[str, dict[str, float]]:
    """The population margins of a catalogue dataset in the ``margins`` format."""
    if study.config.data[dataset].format != "margins":
        raise InputError(f"dataset {dataset!r} holds population margins: declare it with "
                         "format: margins", **study.where("data", dataset))
    return as_margins(study.load(dataset))


def weight(study: Study, questionnaire: Questionnaire,
           population_margins: dict[str, dict[str, float]]) -> pd.Series:
    """Rake the responses to the population margins and keep the weights in the responses.

    Records the design effect (Kish) and the effective sample size.
    """
    data = questionnaire.responses.copy()
    for column in population_margins:
        data[column] = data[column].astype("object")
    weights = rake(data, population_margins)
    questionnaire.responses[WEIGHT] = weights
    t = study.t
    study.record("questionnaire_design_effect", round(design_effect(weights), 2),
                 label=t("questionnaire.design_effect"))
    study.record("questionnaire_effective_n", round(effective_sample_size(weights)),
                 label=t("questionnaire.effective_n"))
    return weights


def who_answered(study: Study, questionnaire: Questionnaire,
                 population_margins: dict[str, dict[str, float]]) -> pd.DataFrame:
    """Per margin variable and category: respondents, their share before and after
    weighting, the population share, and the representation ratios.

    Representation ratio = share among respondents ÷ share in the population (1 = as many
    as in the population). The dissimilarity index of each variable is in
    ``attrs["dissimilarity"]`` as ``{variable: (before, after)}``.
    """
    rows, dissimilarity = [], {}
    data = questionnaire.responses
    for variable, population in population_margins.items():
        column = data[variable].astype("object")
        frame = pd.DataFrame({variable: column})
        before = representativeness(frame, variable, population)
        after = None
        if questionnaire.weighted:
            frame[WEIGHT] = data[WEIGHT]
            after = representativeness(frame, variable, population, weight=WEIGHT)
        dissimilarity[questionnaire.label(variable)] = (before.attrs["dissimilarity_index"],
                                   after.attrs["dissimilarity_index"] if after is not None
                                   else None)
        for number, row in before.iterrows():
            rows.append({
                "variable": questionnaire.label(variable), "category": row[variable],
                "respondents": row["n"],
                "share_respondents": row["share_respondents"],
                "share_weighted": (after.loc[number, "share_respondents"]
                                   if after is not None else None),
                "share_population": row["share_population"],
                "representation_ratio": row["representation_ratio"],
            })
    table = suppress_small_cells(
        pd.DataFrame(rows), ["respondents"], threshold=study.small_cell_threshold,
        dependent_columns=["share_respondents", "share_weighted", "representation_ratio"],
        groups=["variable"])
    table.attrs["dissimilarity"] = dissimilarity
    return table


def likert_questions(codebook: Codebook) -> list[Question]:
    return [question for question in codebook if question.type == "likert"]


def items(question: Question) -> list[tuple[str, str]]:
    """``(response column, sub-question code)`` of each item of a Likert question: one per
    sub-question (``Q1[SQ001]``, ``SQ001``), or the question itself."""
    if question.columns:
        return [(f"{question.id}[{code}]", code) for code in question.columns]
    return [(question.id, question.id)]


def likert_results(study: Study, questionnaire: Questionnaire, question: Question,
                   by: str | None = None) -> pd.DataFrame:
    """Weighted distribution of a Likert question's answers (see
    :func:`civeval.survey.likert.likert_table`), with the "ne sait pas" share when the
    codebook declares one, and cells under the study's threshold suppressed."""
    labels = {column: question.item_label(code) for column, code in items(question)}
    columns = list(labels)
    table = likert_table(questionnaire.responses, columns, question.levels,
                         weight=questionnaire.weight, by=by, neutral=question.neutral,
                         labels=labels)
    missing = questionnaire.summary.get("missing")
    if by is None and question.missing and missing is not None:
        # Missing codes were counted on import (unweighted): shown apart from the scale.
        answered = table.groupby("item")["n"].sum()
        extra = [{"item": column, "label": labels[column], "level": question.missing[0],
                  "side": DONT_KNOW, "n": int(missing.get(column, 0)),
                  "weighted": float(missing.get(column, 0)),
                  "percent": missing.get(column, 0) / (answered[column]
                                                       + missing.get(column, 0)),
                  "net_agreement": table.loc[table["item"] == column, "net_agreement"].iloc[0]}
                 for column in columns]
        table = pd.concat([table, pd.DataFrame(extra)], ignore_index=True)
        order = {item: rank for rank, item in enumerate(dict.fromkeys(table["item"]))}
        table = table.sort_values("item", key=lambda s: s.map(order), kind="stable")
    groups = ["item"] + ([by] if by else [])
    return suppress_small_cells(table.reset_index(drop=True), ["n"],
                                threshold=study.small_cell_threshold,
                                dependent_columns=["weighted", "percent"], groups=groups,
                                secondary=False)


def agreement(study: Study, questionnaire: Questionnaire, question: Question) -> pd.DataFrame:
    """Share of respondents who agree (the positive levels), with its 95 % confidence
    interval, per item: design-based (weighted) or Wilson (unweighted)."""
    positive, _, _ = scale_sides(question.levels, question.neutral)
    rows = []
    for column, code in items(question):
        answers = questionnaire.responses[column]
        frame = pd.DataFrame({"agrees": answers.isin(positive).where(answers.notna())})
        if questionnaire.weighted:
            frame[WEIGHT] = questionnaire.responses[WEIGHT]
        estimate = estimate_proportion(frame, "agrees", category=True,
                                       weight=questionnaire.weight).iloc[0]
        rows.append({"item": question.item_label(code), "n": int(estimate["n"]),
                     "estimate": estimate["estimate"], "ci_low": estimate["ci_low"],
                     "ci_high": estimate["ci_high"]})
        study.record(f"agreement_{column}", float(estimate["estimate"]),
                     label=question.item_label(code), kind="percent")
    return pd.DataFrame(rows).sort_values("estimate", ascending=False, ignore_index=True)


def differences(study: Study, questionnaire: Questionnaire, questions: list[Question],
                segments: list[str], alpha: float = 0.05) -> pd.DataFrame:
    """Differences of Likert answers between segments (Mann–Whitney for two groups,
    Kruskal–Wallis beyond), one row per item and segment, significant ones flagged.
    Segments with fewer respondents than the study's threshold are left out."""
    rows = []
    data = questionnaire.responses
    for question in questions:
        for column, code in items(question):
            for segment in segments:
                sizes = data[segment].value_counts()
                kept = sizes[sizes >= study.small_cell_threshold].index
                frame = data.loc[data[segment].isin(kept), [column, segment]].copy()
                frame[segment] = frame[segment].astype("object")
                if frame[segment].nunique() < 2:
                    continue
                test = compare_groups(frame, column, segment)
                first = test.iloc[0]
                rows.append({"item": question.item_label(code),
                             "segment": questionnaire.label(segment).lower(),
                             "test": first["label"], "statistic": first["statistic"],
                             "p_value": first["p_value"],
                             "significant": bool(first["p_value"] < alpha)})
    return pd.DataFrame(rows, columns=["item", "segment", "test", "statistic", "p_value",
                                       "significant"])


def drivers(study: Study, questionnaire: Questionnaire, satisfaction: str,
            questions: list[Question]) -> pd.DataFrame:
    """What goes with overall satisfaction: an ordinal logistic model of the satisfaction
    question on agreement (1/0) with each statement of the other Likert questions.

    An odds ratio above 1 means respondents who agree with the statement tend to be more
    satisfied; the model is unweighted (see
    :func:`civeval.survey.models.ordinal_model`).
    """
    outcome = questionnaire.codebook[satisfaction]
    answers = questionnaire.responses[satisfaction]
    # Levels run from the most to the least satisfied; count them so that higher = happier.
    frame = pd.DataFrame({"satisfaction": (len(outcome.levels) - answers.cat.codes).where(
        answers.notna())})
    labels = {}
    for question in questions:
        if question.id == satisfaction:
            continue
        positive, _, _ = scale_sides(question.levels, question.neutral)
        for column, code in items(question):
            values = questionnaire.responses[column]
            frame[column] = values.isin(positive).astype(float).where(values.notna())
            labels[column] = question.item_label(code)
    model = ordinal_model(frame, "satisfaction", list(labels))
    table = model[model["term"].isin(labels)].assign(item=lambda m: m["term"].map(labels))
    return table[["item", "odds_ratio", "ci_low", "ci_high", "p_value"]].sort_values(
        "odds_ratio", ascending=False, ignore_index=True)


def before_after(study: Study, before: Questionnaire, after: Questionnaire) -> pd.DataFrame:
    """Change between the two waves of a deliberative poll, per question, on the people who
    answered both (Wilcoxon signed-rank for scales and numbers, McNemar for yes/no).

    Questions every participant answered identically twice (profile questions such as sex
    or district) are left out."""
    first = before.responses.set_index("respondent_id")
    second = after.responses.set_index("respondent_id")
    rows = []
    for question in before.codebook:
        if question.type not in {"likert", "numeric", "single"} or question.id not in second:
            continue
        if question.type == "single" and len(question.levels) != 2:
            continue
        kind = "binary" if question.type == "single" else "ordinal"
        old, new = first[question.id], second[question.id]
        paired = old.index.intersection(new.index)
        if old[paired].astype("object").equals(new[paired].astype("object")):
            continue  # a profile question (sex, district): nothing for deliberation to move
        if kind == "binary":
            # The first level (Oui) is the answer whose share is followed.
            old = old.eq(question.levels[0]).where(old.notna())
            new = new.eq(question.levels[0]).where(new.notna())
        result = pre_post(old, new, kind=kind).iloc[0]
        before_value, after_value = result["before"], result["after"]
        if question.type == "likert":
            # Mean scale codes mean little to readers: show the share who agree instead.
            positive, _, _ = scale_sides(question.levels, question.neutral)
            before_value, after_value = (answers[paired].dropna().isin(positive).mean()
                                         for answers in (old, new))
        rows.append({"poll_question": question.label or question.id, "test": result["label"],
                     "n_pairs": int(result["n_pairs"]), "before": before_value,
                     "after": after_value, "p_value": result["p_value"],
                     "shown_as": "mean" if question.type == "numeric" else "share"})
    study.record("poll_pairs", int(rows[0]["n_pairs"]) if rows else 0,
                 label=study.t("questionnaire.poll_pairs"))
    return pd.DataFrame(rows)


def verbatims(questionnaire: Questionnaire, column: str, count: int = 6,
              seed: int = 0) -> list[str]:
    """A reproducible random selection of free-text answers, pseudonymised."""
    answers = questionnaire.responses[column].dropna().astype(str).str.strip()
    answers = sorted(set(answers[answers.str.len() > 0]))
    chosen = random.Random(seed).sample(answers, min(count, len(answers)))
    return [pseudonymise_text(answer) for answer in chosen]


def open_answers(study: Study, validated: pd.DataFrame, per_code: int = 2, seed: int = 0):
    """The validated coding of an open question (catalogue format ``validated_coding``):
    answers per code with small cells hidden, a sentence saying how many answers were coded
    and how many by hand, and a few pseudonymised answers per code.

    Proposed codes never reach this function: the file holds only what the analyst
    validated (:func:`civeval.qual.validated.load_validated`).

    Returns ``(table, sentence, quotes)``, ``quotes`` a list of (code, answers) pairs.
    """
    from civeval.qual.quotes import pseudonymise_quote
    from civeval.qual.validated import coding_summary

    summary = coding_summary(validated)
    facts = summary.attrs
    study.record("open_answers", int(facts["answers"]), label=study.t("questionnaire.open.n"))
    study.record("open_answers_by_hand", int(facts["by_hand"]),
                 label=study.t("questionnaire.open.by_hand"))
    table = suppress_small_cells(summary, ["answers"], threshold=study.small_cell_threshold,
                                 dependent_columns=["share"], secondary=False)
    sentence = report.text(study.t("questionnaire.open.text", answers=fmt.integer(
        facts["answers"]), coded=fmt.integer(facts["coded"]),
        by_hand=fmt.integer(facts["by_hand"])))
    quoted = []
    for code in table.loc[~table["suppressed"], "code"]:
        texts = sorted(set(validated.loc[validated["code"] == code, "answer"].astype(str)))
        chosen = random.Random(f"{seed}:{code}").sample(texts, min(per_code, len(texts)))
        quoted.append((code, [pseudonymise_quote(text) for text in chosen]))
    return table.drop(columns="suppressed"), sentence, quoted


# --- what the template shows ----------------------------------------------------------------

def who_intro(study: Study, who: pd.DataFrame):
    """The sentence on weighting and on the dissimilarity index before and after it."""
    t = study.t
    details = [t("questionnaire.who.detail", variable=variable, before=fmt.number(before, 2),
                 after=fmt.number(after, 2) if after is not None else fmt.MISSING)
               for variable, (before, after) in who.attrs["dissimilarity"].items()]
    return report.text(t("questionnaire.who.intro", variables="{variables}",
                         detail="{detail}"),
                       variables=", ".join(who.attrs["dissimilarity"]).lower(),
                       detail="; ".join(details))


def likert_figure(study: Study, questionnaire: Questionnaire, question: Question,
                  distribution: pd.DataFrame):
    """The diverging chart of one Likert question, with its title, source and alt text."""
    t = study.t
    title = question.label or question.id
    return report.figure(
        likert_chart(distribution, question.levels, neutral=question.neutral), title=title,
        alt=t("questionnaire.likert.alt", count=distribution["item"].nunique(), question=title),
        source=t("questionnaire.likert.source", client=study.client.name,
                 n=fmt.integer(len(questionnaire.responses))))


def likert_display(distribution: pd.DataFrame) -> pd.DataFrame:
    """One row per item, one column per answer level (percent), then the net agreement."""
    wide = distribution.pivot_table(index="label", columns="level", values="percent",
                                    aggfunc="first", sort=False, dropna=False)
    wide = wide[list(dict.fromkeys(distribution["level"]))]
    net = distribution.groupby("label", sort=False)["net_agreement"].first()
    return wide.assign(net_agreement=net).reset_index().rename(columns={"label": "item"})


def differences_summary(study: Study, found: pd.DataFrame):
    """One sentence listing the significant differences between segments, or saying none."""
    t = study.t
    significant = found[found["significant"]]
    if significant.empty:
        return report.text(t("questionnaire.differences.none"))
    items = [t("questionnaire.differences.item", item=row.item, segment=row.segment,
               test=row.test, p=fmt.p_clause(row.p_value))
             for row in significant.itertuples(index=False)]
    return report.text(t("questionnaire.differences.found", list="{list}"),
                       list="; ".join(items))


def poll_display(poll: pd.DataFrame) -> pd.DataFrame:
    """The poll table with before/after as readers expect: a share (of "oui", or of agreement
    for scales) or a mean score for numbers."""
    shown = poll.copy()
    for column in ("before", "after"):
        shown[column] = [fmt.percent(value) if shown_as == "share" else fmt.number(value, 2)
                         for value, shown_as in zip(poll[column], poll["shown_as"],
                                                    strict=True)]
    shown["p_value"] = [fmt.p_value(value) for value in poll["p_value"]]
    return shown.drop(columns="shown_as")


def method_note(study: Study, questionnaire: Questionnaire):
    """Incomplete responses set aside, "ne sait pas" handling, suppression, weighting."""
    t = study.t
    parts = [t("questionnaire.method.incomplete",
               excluded=fmt.integer(questionnaire.summary.get("excluded", 0))),
             t("questionnaire.method.suppressed", threshold=study.small_cell_threshold)]
    if questionnaire.weighted:
        weights = questionnaire.responses[WEIGHT]
        parts.append(t("questionnaire.method.weights", deff=fmt.number(design_effect(weights), 2),
                       ess=fmt.integer(effective_sample_size(weights))))
    return report.text(" ".join(parts))
