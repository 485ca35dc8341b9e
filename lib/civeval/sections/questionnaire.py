"""The questionnaire section (template ``10_questionnaire``): who answered and what they think.

Each function takes what the previous ones return and gives a tidy DataFrame ready for
:func:`civeval.presentation.report.table`; the statistics themselves live in :mod:`civeval.survey`
and
:mod:`civeval.representativeness`. Every published count goes through
:func:`civeval.privacy.suppress_small_cells` with the study's threshold.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from civeval.errors import CatalogError, InputError, ParameterError
from civeval.participation.inputs import as_population
from civeval.presentation import fmt, report
from civeval.privacy import (
    place_names,
    pseudonymise_texts,
    secondary_suppression,
    suppress_small_cells,
)
from civeval.qual.lemmas import MODEL
from civeval.representativeness import dissimilarity_index, representativeness
from civeval.survey.codebook import Codebook, Question
from civeval.survey.compare import compare_groups, pre_post
from civeval.survey.estimates import estimate_proportion
from civeval.survey.likert import DONT_KNOW, likert_chart, likert_table, scale_sides
from civeval.survey.margins import as_margins
from civeval.survey.models import ordinal_model
from civeval.survey.weights import design_effect, effective_sample_size, rake
from civeval.territory import match_districts
from civeval.workbench.paths import display_path
from civeval.workbench.study import Study

WEIGHT = "_weight"
# Survey exports whose tool tells how the questionnaire was filled in.
SURVEY_MODES = ("limesurvey", "decidim", "kobo", "odk")


def check(study: Study, parameters: dict, locate) -> None:
    """Inputs of ``10_questionnaire`` checked before any kernel starts: those of the
    comparison with the population by district (:func:`_check_districts`) and those of
    the themes of open answers (:func:`_check_themes`)."""
    _check_districts(study, parameters, locate)
    _check_themes(study, parameters, locate)


def _check_districts(study: Study, parameters: dict, locate) -> None:
    """A population table comes with the respondents' column saying where they live
    (``district``), that column exists, and each of its districts (or communes) is in the
    population table, by name or code, or its respondents would be left out of the
    comparison."""
    population, column = parameters.get("population"), parameters.get("district")
    if not (population or column):
        return
    if not (population and column):
        given, needed = ("population", "district") if population else ("district",
                                                                       "population")
        raise ParameterError(
            f"template 10_questionnaire: {given} needs {needed} too: population names the "
            "population table by district (or commune), district the respondents' column "
            "that says where they live", **locate(given))
    responses = study.load(parameters["dataset"])
    if column not in responses.columns:
        raise ParameterError(f"template 10_questionnaire: no column {column!r} in the "
                             f"responses of data.{parameters['dataset']}", **locate("district"))
    try:
        match_districts(responses[column], study.load(population).iloc[:, 0],
                        file=display_path(study.dataset_path(parameters["dataset"])),
                        reference_file=display_path(study.dataset_path(population)),
                        first_line=None)
    except CatalogError as error:
        error.study = study.slug
        raise


def _check_themes(study: Study, parameters: dict, locate) -> None:
    """The themes of open answers (parameter ``themes``): the coding names its themes file;
    the dataset and text column that file says the answers came from exist and hold
    enough answers for theme discovery; every respondent of the coding is in the
    responses, which hold the columns to cross the themes with (and to weight them with
    ``margins``); a previous wave's coding has the same themes."""
    name = parameters.get("themes")
    for key in ("themes_dataset", "themes_groups", "themes_previous", "themes_previous_dataset"):
        if parameters.get(key) and not name:
            raise ParameterError(f"template 10_questionnaire: {key} needs themes, the "
                                 "validated coding of the open answers", **locate(key))
    if not name:
        return
    if parameters.get("themes_previous_dataset") and not parameters.get("themes_previous"):
        raise ParameterError("template 10_questionnaire: themes_previous_dataset needs "
                             "themes_previous, the coding of that wave",
                             **locate("themes_previous_dataset"))
    # each dataset read once: the codings of both waves name the same answers' datasets
    loaded: dict[str, pd.DataFrame] = {}

    def read(dataset: str) -> pd.DataFrame:
        if dataset not in loaded:
            loaded[dataset] = study.load(dataset)
        return loaded[dataset]

    current = _checked_themes_coding(study, name, parameters, locate, "themes",
                                     parameters.get("themes_dataset") or parameters["dataset"],
                                     read)
    previous_name = parameters.get("themes_previous")
    if previous_name:
        previous = _checked_themes_coding(study, previous_name, parameters, locate,
                                          "themes_previous",
                                          parameters.get("themes_previous_dataset"), read)
        differ = sorted(set(current.attrs["theme_names"]) ^ set(previous.attrs["theme_names"]))
        if differ:
            raise ParameterError(
                f"template 10_questionnaire: the codings of data.{name} and "
                f"data.{previous_name} do not have the same themes ({', '.join(differ)} in "
                "one only): code both waves with one themes file to compare them",
                **locate("themes_previous"))


def _checked_themes_coding(study: Study, name: str, parameters: dict, locate, key: str,
                           dataset: str | None, read) -> pd.DataFrame:
    """The coding ``name`` (parameter ``key``), checked against its themes file's source
    and its responses ``dataset`` (``read`` reads a catalogue dataset)."""
    from civeval.qual.corpus import MIN_ANSWERS, text_columns
    from civeval.qual.lemmas import is_missing
    from civeval.qual.theme_statistics import _with_respondents
    from civeval.qual.themebook import read_themes

    coding = read(name)
    if "themes" not in coding.attrs:
        raise ParameterError(f"template 10_questionnaire: data.{name} is not a coding of "
                             "discovered themes: give it the option themes (its themes file)",
                             **locate(key))
    themes_file = study.path / study.config.data[name].options["themes"]
    book = read_themes(themes_file)
    source = book.source
    if source:
        shown = display_path(themes_file)
        count = 0
        for dataset_name in source["datasets"]:
            if dataset_name not in study.config.data:
                row, column = book.marks.get("dataset", (None, None))
                raise InputError(f"the answers' dataset {dataset_name!r} is not in the "
                                 f"catalogue; datasets: {', '.join(study.config.data)}",
                                 file=shown, row=row, column=column, study=study.slug)
            responses = read(dataset_name)
            if source["column"] not in responses.columns:
                row, column = book.marks.get("column", (None, None))
                texts = ", ".join(text_columns(responses)) or "none"
                raise InputError(f"there is no column {source['column']!r} in data."
                                 f"{dataset_name} "
                                 f"({display_path(study.dataset_path(dataset_name))}); its "
                                 f"text columns: {texts}", file=shown, row=row, column=column,
                                 study=study.slug)
            count += int(sum(not is_missing(text) and bool(str(text).strip())
                             for text in responses[source["column"]]))
        if count < MIN_ANSWERS:
            raise InputError(f"{count} non-empty answers in column {source['column']!r} of "
                             f"data.{', data.'.join(source['datasets'])}: theme discovery "
                             f"needs at least {MIN_ANSWERS}; code so few answers by hand",
                             file=display_path(study.dataset_path(source["datasets"][0])),
                             column=source["column"], study=study.slug)
    if dataset is None:
        return coding
    responses = read(dataset)
    groups = list(parameters.get("themes_groups") or [])
    for group in groups:
        if group not in responses.columns:
            raise ParameterError(f"template 10_questionnaire: no column {group!r} in the "
                                 f"responses of data.{dataset}", **locate("themes_groups"))
    margins_name = parameters.get("margins")
    if margins_name:
        lacking = [v for v in as_margins(read(margins_name)) if v not in responses]
        if lacking:
            where = "themes_dataset" if key == "themes" else "themes_previous_dataset"
            raise ParameterError(f"template 10_questionnaire: the responses of data.{dataset} "
                                 f"have no column {lacking[0]!r} to weight them to the margins "
                                 f"of data.{margins_name}", **locate(where)
                                 if parameters.get(where) else locate("margins"))
    try:
        _with_respondents(coding, responses, "respondent_id", groups)
    except InputError as error:
        error.study = study.slug
        if error.file is not None:
            error.file = display_path(error.file)
        raise
    return coding


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
    summary = dict(responses.attrs.get("survey", {}))
    # Kept beside the responses, not in their attrs, which pandas deep-copies after every
    # operation (a third of a second in a questionnaire section).
    responses = responses.copy(deep=False)
    responses.attrs = {}
    return Questionnaire(dataset, responses, codebook, summary)


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
    mode = survey_mode(study, questionnaire)
    if mode:
        study.record("questionnaire_mode", mode, label=t("questionnaire.mode"), kind="text")
    return pd.DataFrame([{"indicator": label, "value": value, "kind": kind}
                         for _, label, value, kind in rows])


def survey_mode(study: Study, questionnaire: Questionnaire) -> str | None:
    """How the questionnaire was filled in, as its export tells it: online for LimeSurvey
    and Decidim, on a form of a mobile collection tool for KoboToolbox and ODK; None for a
    plain table of answers, which says nothing of it."""
    source = questionnaire.summary.get("source")
    if source not in SURVEY_MODES:
        return None
    return study.t(f"questionnaire.mode.{source}")


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
                 kind="coefficient",
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
    ``attrs["dissimilarity"]`` as ``{variable: (before, after)}``, computed as a reader
    could from the table (:func:`_published_dissimilarity`). Counts under the threshold
    are hidden with what would give them back, the categories of a variable adding up to
    its respondents.
    """
    rows = []
    data = questionnaire.responses
    for variable, population in population_margins.items():
        column = data[variable].astype("object")
        frame = pd.DataFrame({variable: column})
        before = representativeness(frame, variable, population)
        after = None
        if questionnaire.weighted:
            frame[WEIGHT] = data[WEIGHT]
            after = representativeness(frame, variable, population, weight=WEIGHT)
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
    rows = pd.DataFrame(rows)
    table = suppress_small_cells(
        rows, ["respondents"], threshold=study.small_cell_threshold,
        dependent_columns=["share_respondents", "share_weighted", "representation_ratio"],
        groups=["variable"])
    dissimilarity = {}
    for variable, group in rows.groupby("variable", sort=False):
        hidden = table.loc[group.index, "suppressed"].to_numpy()
        dissimilarity[variable] = tuple(
            _published_dissimilarity(group[share], group["share_population"], hidden)
            if group[share].notna().all() else None
            for share in ("share_respondents", "share_weighted"))
    table.attrs["dissimilarity"] = dissimilarity
    return table


def _published_dissimilarity(shares: pd.Series, population: pd.Series, hidden) -> float:
    """The dissimilarity index between ``shares`` and ``population`` shares as a reader
    can compute it from the published table: the categories whose share is ``hidden``
    merged into one (their share is 1 − the shares shown), so that the index gives none of
    them back. With nothing hidden, the index of
    :func:`civeval.representativeness.dissimilarity_index`.

    Examples
    --------
    >>> shares, population = pd.Series([0.02, 0.18, 0.8]), pd.Series([0.1, 0.1, 0.8])
    >>> round(_published_dissimilarity(shares, population, [False] * 3), 3)
    0.08
    >>> round(_published_dissimilarity(shares, population, [True, True, False]), 3)
    0.0
    """
    keys = np.where(np.asarray(hidden, dtype=bool), -1, np.arange(len(shares)))
    return float(dissimilarity_index(shares.groupby(keys).sum(),
                                     population.groupby(keys).sum()))


def by_district(study: Study, questionnaire: Questionnaire, population: pd.DataFrame,
                column: str):
    """Respondents of each district (or commune) against its inhabitants: respondents,
    their share, the population's share, the representation ratio and respondents per
    1,000 inhabitants, counts under the threshold hidden with secondary suppression; and a
    sentence naming the districts with the most and the fewest respondents per inhabitant
    (among those shown). Records the dissimilarity index between the respondents' and the
    population's distributions over the districts, the hidden ones counted together
    (:func:`_published_dissimilarity`, said in the sentence and the record's caveats).
    ``attrs`` hold the columns' kinds and labels.

    Respondents are counted as they answered (unweighted): the question is who answered,
    not what weighting makes of it. Districts are matched by name or code
    (:func:`civeval.territory.match_districts`).

    Examples
    --------
    >>> import tempfile
    >>> from civeval import load_study
    >>> study = load_study("demo-val-de-brenne", output_dir=tempfile.mkdtemp())
    >>> responses = pd.DataFrame({"commune": ["Nord"] * 40 + ["Sud"] * 10})
    >>> table, _ = by_district(study, Questionnaire("q", responses, Codebook([])),
    ...                        pd.DataFrame({"commune": ["Nord", "Sud"],
    ...                                      "population": [2000, 3000]}), "commune")
    >>> table[["district", "respondents", "per_thousand"]].round(1).to_dict("list")
    {'district': ['Nord', 'Sud'], 'respondents': [40, 10], 'per_thousand': [20.0, 3.3]}
    """
    t = study.t
    inhabitants = as_population(population)
    inhabitants.index = inhabitants.index.astype(str)
    answers = questionnaire.responses[column]
    named = answers.map(match_districts(answers, list(inhabitants.index), first_line=None))
    table = representativeness(pd.DataFrame({"district": named}), "district", inhabitants)
    table["per_thousand"] = table["n"] / table["population"] * 1000
    shares = table["share_respondents"]
    table = suppress_small_cells(
        table, ["n"], threshold=study.small_cell_threshold,
        dependent_columns=["share_respondents", "representation_ratio", "per_thousand"])
    hidden = table["suppressed"].to_numpy()
    dissimilarity = _published_dissimilarity(shares, table["share_population"], hidden)
    merged = ([t("questionnaire.dissimilarity_merged")]
              if hidden.any() else [])
    study.record("questionnaire_district_dissimilarity", round(dissimilarity, 3),
                 kind="coefficient",
                 label=t("questionnaire.district_dissimilarity",
                         variable=questionnaire.label(column)), caveats=merged)
    table = table.rename(columns={"n": "respondents"}).drop(columns="suppressed")
    table.attrs.update(
        kinds={"share_respondents": "percent", "share_population": "percent",
               "representation_ratio": "number", "per_thousand": "number"},
        labels={"district": questionnaire.label(column),
                "per_thousand": t("questionnaire.column.per_thousand")})
    shown = table.dropna(subset=["per_thousand"]).sort_values("per_thousand", kind="stable")
    sentence = " ".join([t("questionnaire.districts_text", index=fmt.number(dissimilarity, 2)),
                         *merged])
    if len(shown) >= 2:
        most, least = shown.iloc[-1], shown.iloc[0]
        sentence = t("questionnaire.districts_extremes", most="{most}", least="{least}",
                     high=fmt.number(most["per_thousand"], 1),
                     low=fmt.number(least["per_thousand"], 1)) + " " + sentence
        return table, report.text(sentence, most=most["district"], least=least["district"])
    return table, report.text(sentence)


def likert_questions(codebook: Codebook) -> list[Question]:
    return [question for question in codebook if question.type == "likert"]


def items(question: Question) -> list[tuple[str, str]]:
    """``(response column, sub-question code)`` of each item of a Likert question: one per
    sub-question (``Q1[SQ001]``, ``SQ001``), or the question itself."""
    if question.columns:
        return [(f"{question.id}[{code}]", code) for code in question.columns]
    return [(question.id, question.id)]


# What a Likert item publishes besides the shares of its levels, from the most to the
# least: each with the groups of levels whose people it lets a reader work out, given the
# number of answers on the scale (the n of the agreement table). The share who agree gives
# the agreeing side, and the rest; with the net agreement (agree − disagree), the
# disagreeing side too, and so the neutral level.
PUBLICATIONS = (
    (("agreement", "net_agreement"), (("positive",), ("neutral",), ("negative",))),
    (("agreement",), (("positive",), ("neutral", "negative"))),
    ((), (("positive", "neutral", "negative"),)),
)


def likert_results(study: Study, questionnaire: Questionnaire, question: Question,
                   by: str | None = None) -> pd.DataFrame:
    """Weighted distribution of a Likert question's answers (see
    :func:`civeval.survey.likert.likert_table`), with the "ne sait pas" share when the
    codebook declares one, cells under the study's threshold suppressed, and whatever would
    give them back.

    Returns
    -------
    DataFrame
        The columns of :func:`~civeval.survey.likert.likert_table` (``n``, ``weighted`` and
        ``percent`` missing where hidden; ``net_agreement`` missing where it is withheld),
        ``suppressed`` (the row's share is hidden), ``agreement_shown`` (the share who agree
        may be published with its interval) and ``n_shown`` (the number of answers on the
        scale may be published); items from the highest published net agreement, those
        whose net agreement is withheld last, in the codebook's order.

    Notes
    -----
    Decisions are taken on the unweighted numbers of people, shares stay weighted. The
    levels of a scale add up to 100 % of the answers on it, which the agreement table
    counts: they are a group of :func:`civeval.privacy.secondary_suppression`. The share
    who agree and the net agreement each give back the people of a side of the scale, so
    they are published only when each side they give back is itself a protected group
    (:data:`PUBLICATIONS`): first the share who agree and the net agreement, hiding more
    levels of a side if needed; else the share who agree alone; else neither. A scale
    answered by fewer people than the threshold is hidden whole, its number of answers too.
    « Ne sait pas », a share of all answers, is hidden when under the threshold; the number
    of answers on the scale too when, taken from the complete responses, it would leave
    fewer than the threshold: those who answered « ne sait pas » or nothing.

    Examples
    --------
    >>> from civeval import load_study
    >>> from civeval.survey.codebook import Codebook, Question
    >>> scale = ("Tout à fait d'accord", "Plutôt d'accord", "Plutôt pas d'accord",
    ...          "Pas du tout d'accord")
    >>> question = Question("q", "likert", levels=scale)
    >>> answers = pd.DataFrame({"q": [scale[0]] * 3 + [scale[1]] * 20 + [scale[2]] * 9
    ...                              + [scale[3]] * 12})
    >>> table = likert_results(load_study("demo-val-de-brenne"),
    ...                        Questionnaire("q", answers, Codebook((question,))), question)
    >>> table["n"].tolist()  # the 3 goes with the 20: their side's share stays published
    [<NA>, <NA>, 9, 12]
    >>> bool(table["agreement_shown"].all()), float(round(table["net_agreement"].iloc[0], 3))
    (True, 0.045)
    """
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
    table = table.reset_index(drop=True)
    threshold = study.small_cell_threshold
    counts = table["n"].to_numpy(dtype=float)
    primary = (counts > 0) & (counts < threshold)  # « ne sait pas » included
    hidden = primary.copy()
    table["agreement_shown"] = table["n_shown"] = True
    keys = ["item", *([by] if by else [])]
    apart = (table["side"] == DONT_KNOW).to_numpy()
    for _, rows in table[~apart].groupby(keys, sort=False, observed=True):
        positions = rows.index.to_numpy()
        scale_hidden, shown = _scale_suppression(counts[positions], rows["side"].to_numpy(),
                                                 threshold)
        hidden[positions] = scale_hidden
        every = table.index.isin(rows.index) | (
            apart & table["item"].eq(rows["item"].iloc[0]).to_numpy())
        table.loc[every, "agreement_shown"] = "agreement" in shown
        table.loc[every, "n_shown"] = "n" in shown
        if "net_agreement" not in shown:
            table.loc[every, "net_agreement"] = float("nan")
        # The complete responses minus the answers on the scale are those who answered
        # « ne sait pas » or nothing: a hidden « ne sait pas » comes back when they are few.
        off_scale = len(questionnaire.responses) - counts[positions].sum()
        if by is None and hidden[every & apart].any() and 0 < off_scale < threshold:
            table.loc[every, "n_shown"] = False
    table["n"] = table["n"].astype("Int64").mask(hidden)
    for name in ("weighted", "percent"):
        table[name] = table[name].mask(hidden)
    table["suppressed"] = hidden
    # as suppress_small_cells tells them
    table.attrs.update(suppressed_cells=int(hidden.sum()),
                       primary_suppressed_cells=int(primary.sum()),
                       secondary_suppressed_cells=int(hidden.sum() - primary.sum()),
                       suppression_threshold=int(threshold))
    # Sorted again on what is published: the true net agreement would place an item whose
    # net agreement is withheld between two published ones, and so bound it.
    return _most_approved_first(table, columns)


def _scale_suppression(counts, sides, threshold: int) -> tuple:
    """Which levels of one scale to hide, and what the item may publish besides the shares
    (``agreement``, ``net_agreement``, ``n``): the first of :data:`PUBLICATIONS` whose
    groups can all be protected, else nothing, the levels of a scale answered by fewer
    people than ``threshold`` hidden whole."""
    primary = (counts > 0) & (counts < threshold)
    for figures, groups in PUBLICATIONS:
        hidden, protected = primary.copy(), True
        for group in groups:
            members = np.flatnonzero(np.isin(sides, group))
            if members.size:
                hidden[members], total_shown = secondary_suppression(
                    counts[members], hidden[members], threshold)
                protected = protected and total_shown
        if protected:
            return hidden, {*figures, "n"}
    return hidden, set()


def agreement(study: Study, questionnaire: Questionnaire, question: Question,
              distribution: pd.DataFrame | None = None) -> pd.DataFrame:
    """Share of respondents who agree (the positive levels), with its 95 % confidence
    interval and the number of answers on the scale (``n``), per item: design-based
    (weighted) or Wilson (unweighted).

    The share and its interval are missing (and recorded as suppressed) where they would
    give back a level hidden in the shares of :func:`likert_results` (``distribution``,
    computed again when not given), ``n`` where the item has fewer answers than the
    threshold; those items come last.
    """
    positive, _, _ = scale_sides(question.levels, question.neutral)
    if distribution is None:
        distribution = likert_results(study, questionnaire, question)
    published = distribution.drop_duplicates("item")
    published = published.set_index("item")[["agreement_shown", "n_shown"]]
    rows = []
    for column, code in items(question):
        answers = questionnaire.responses[column]
        frame = pd.DataFrame({"agrees": answers.isin(positive).where(answers.notna())})
        if questionnaire.weighted:
            frame[WEIGHT] = questionnaire.responses[WEIGHT]
        estimate = estimate_proportion(frame, "agrees", category=True,
                                       weight=questionnaire.weight).iloc[0]
        shown, n_shown = published.loc[column]
        rows.append({"item": question.item_label(code),
                     "n": int(estimate["n"]) if n_shown else pd.NA,
                     **{name: estimate[name] if shown else float("nan")
                        for name in ("estimate", "ci_low", "ci_high")}})
        study.record(f"agreement_{column}", float(estimate["estimate"]),
                     label=question.item_label(code), kind="percent", suppressed=not shown)
    table = pd.DataFrame(rows).astype({"n": "Int64"})
    return table.sort_values("estimate", ascending=False, kind="stable", ignore_index=True)


def withheld_caption(study: Study, caption: str, table: pd.DataFrame) -> str:
    """``caption``, saying what « – » means when the table shows one: a figure hidden
    because it describes fewer people than the threshold or would give such a cell back.

    Examples
    --------
    >>> from civeval import load_study
    >>> study = load_study("demo-val-de-brenne")
    >>> withheld_caption(study, "Accord", pd.DataFrame({"estimate": [0.4, float("nan")]}))
    'Accord — « – » : masqué, car le chiffre décrit moins de 5 personnes ou permettrait \
de retrouver une case qui en décrit moins.'
    >>> withheld_caption(study, "Accord", pd.DataFrame({"estimate": [0.4]}))
    'Accord'
    """
    numbers = table.select_dtypes("number")
    if not numbers.isna().any().any():
        return caption
    return study.t("questionnaire.withheld", caption=caption,
                   count=study.small_cell_threshold)


def choice_questions(codebook: Codebook, shown=()) -> list[Question]:
    """The single- and multiple-choice questions, in the codebook's order, but those the
    section shows elsewhere (``shown``: the margin variables of « who answered », the district
    column)."""
    return [question for question in codebook
            if question.type in ("single", "multiple") and question.id not in set(shown)]


def choice_results(study: Study, questionnaire: Questionnaire,
                   question: Question) -> pd.DataFrame:
    """The share of respondents who gave each answer to a single- or multiple-choice
    question, with its 95 % confidence interval, weighted when the survey is.

    The base is the respondents who answered the question (for a question the form routes,
    those it was asked), given in ``attrs["base"]``; a multiple-choice option's share counts
    those who ticked it among them, so options add up to more than 100 %. Answers given by
    fewer respondents than the study's threshold are hidden, with what would give them away
    (:func:`civeval.privacy.secondary_suppression`, on unweighted counts): the answers of a
    single-choice question add up to the base; an option ticked by all but 1 to 4 of them
    is hidden, since the base minus those who ticked it gives them back. A question
    answered by fewer people than the threshold is hidden whole, and ``attrs["base"]`` is
    None.

    Returns
    -------
    DataFrame
        ``answer``, ``respondents``, ``share``, ``ci_low``, ``ci_high``, ``suppressed``.

    Examples
    --------
    >>> from civeval import load_study
    >>> from civeval.survey.codebook import Codebook, Question
    >>> question = Question("q", "single", levels=("Oui", "Non", "NSP"))
    >>> answers = pd.DataFrame({"q": ["Oui"] * 30 + ["Non"] * 8 + ["NSP"] * 2})
    >>> table = choice_results(load_study("demo-val-de-brenne"),
    ...                        Questionnaire("q", answers, Codebook((question,))), question)
    >>> table["answer"].tolist(), table["respondents"].tolist()  # 40 − 30 − 8 gives the 2
    (['NSP', 'Non', 'Oui'], [<NA>, <NA>, 30])
    >>> table.attrs["base"]
    40
    """
    data = questionnaire.responses
    weight = questionnaire.weight
    rows = []
    if question.type == "multiple":
        columns = [f"{question.id}[{code}]" for code in question.columns]
        answered = data[columns].notna().any(axis=1)
        base = int(answered.sum())
        for column, code in zip(columns, question.columns, strict=True):
            ticked = data.loc[answered, column].fillna(False).astype(bool)
            frame = pd.DataFrame({"ticked": ticked})
            if weight:
                frame[weight] = data.loc[answered, weight]
            estimate = estimate_proportion(frame, "ticked", category=True, weight=weight).iloc[0]
            rows.append({"answer": question.item_label(code), "respondents": int(ticked.sum()),
                         "share": estimate["estimate"], "ci_low": estimate["ci_low"],
                         "ci_high": estimate["ci_high"]})
    else:
        answers = data[question.id]
        frame = pd.DataFrame({"answer": answers})
        if weight:
            frame[weight] = data[weight]
        estimates = estimate_proportion(frame, "answer", weight=weight)
        counts = answers.value_counts()
        base = int(answers.notna().sum())
        for estimate in estimates.itertuples(index=False):
            rows.append({"answer": str(estimate.category),
                         "respondents": int(counts.get(estimate.category, 0)),
                         "share": estimate.estimate, "ci_low": estimate.ci_low,
                         "ci_high": estimate.ci_high})
    table = pd.DataFrame(rows, columns=["answer", "respondents", "share", "ci_low", "ci_high"])
    hidden, base_shown = _choices_suppression(table["respondents"].to_numpy(dtype=float), base,
                                              question.type == "multiple",
                                              study.small_cell_threshold)
    hidden = table.assign(respondents=table["respondents"].astype("Int64").mask(hidden),
                          **{name: table[name].mask(hidden)
                             for name in ("share", "ci_low", "ci_high")},
                          suppressed=hidden)
    hidden.attrs["base"] = base if base_shown else None
    hidden.attrs["kinds"] = {"respondents": "number", "share": "percent",
                             "ci_low": "percent", "ci_high": "percent"}
    hidden.attrs["labels"] = {"answer": study.t("questionnaire.choices.answer"),
                              "share": study.t("questionnaire.choices.share")}
    return hidden


def _choices_suppression(counts: np.ndarray, base: int, multiple: bool,
                         threshold: int) -> tuple[np.ndarray, bool]:
    """The answers of a choice question to hide, and whether its base may be published:
    the answers of a single-choice question are one group adding up to the base; each
    option of a multiple-choice one, with those who did not tick it, another."""
    if not multiple:
        return secondary_suppression(counts, (counts > 0) & (counts < threshold), threshold)
    hidden = np.zeros(len(counts), dtype=bool)
    for position, ticked in enumerate(counts):
        pair = np.array([ticked, base - ticked])
        hidden[position] = secondary_suppression(pair, (pair > 0) & (pair < threshold),
                                                 threshold)[0][0]
    return hidden, not 0 < base < threshold


def choices_caption(study: Study, question: Question, results: pd.DataFrame) -> str:
    """The caption of a choice question's table: its base (« fewer than » the threshold when
    it is hidden), and for a multiple-choice question, that several answers were
    possible."""
    kind = "multiple" if question.type == "multiple" else "single"
    base = results.attrs["base"]
    if base is None:
        return study.t(f"questionnaire.choices.caption_{kind}_few",
                       count=study.small_cell_threshold)
    return study.t(f"questionnaire.choices.caption_{kind}", count=base)


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
                # A question the form routes may be asked of one segment only.
                if frame.loc[frame[column].notna(), segment].nunique() < 2:
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
    or district) are left out. A share (of « oui », of agreement) is missing where those
    who gave that answer, or those who did not, are fewer than the study's threshold: with
    the number of pairs, the share would give them back (:func:`_share_shown`). McNemar's
    p-value is a function of those who moved from « non » to « oui » and from « oui » to
    « non » alone, which a reader can work back from it: where either is fewer than the
    threshold, only its side of 5 % is shown (``p_bounded``; :func:`poll_display`)."""
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
        shares = None  # the yes/no answers each share counts, before and after
        if kind == "binary":
            complete = pd.concat([old[paired], new[paired]], axis=1).dropna()
            shares = [complete.iloc[:, 0], complete.iloc[:, 1]]
        if question.type == "likert":
            # Mean scale codes mean little to readers: show the share who agree instead.
            positive, _, _ = scale_sides(question.levels, question.neutral)
            shares = [answers[paired].dropna().isin(positive) for answers in (old, new)]
            before_value, after_value = (values.mean() for values in shares)
        if shares is not None:
            before_value, after_value = (
                value if _share_shown(values, study.small_cell_threshold) else float("nan")
                for value, values in zip((before_value, after_value), shares, strict=True))
        moved = (result["n_up"], result["n_down"])
        rows.append({"poll_question": question.label or question.id, "test": result["label"],
                     "n_pairs": int(result["n_pairs"]), "before": before_value,
                     "after": after_value, "p_value": result["p_value"],
                     "p_bounded": kind == "binary" and any(
                         0 < count < study.small_cell_threshold for count in moved),
                     "shown_as": "mean" if question.type == "numeric" else "share"})
    study.record("poll_pairs", int(rows[0]["n_pairs"]) if rows else 0,
                 label=study.t("questionnaire.poll_pairs"))
    return pd.DataFrame(rows, columns=["poll_question", "test", "n_pairs", "before", "after",
                                       "p_value", "p_bounded", "shown_as"])


def _share_shown(answers: pd.Series, threshold: int) -> bool:
    """Whether the share of True among ``answers`` may be published beside their number:
    it gives back those who answered yes and those who did not, a group of two cells
    adding up to a published total (:func:`civeval.privacy.secondary_suppression`).

    Examples
    --------
    >>> _share_shown(pd.Series([True] * 40 + [False] * 8), 5)
    True
    >>> _share_shown(pd.Series([True] * 45 + [False] * 3), 5)  # 48 × 93.75 % = 45: 3 left
    False
    """
    yes = int(answers.astype(bool).sum())
    pair = np.array([yes, len(answers) - yes], dtype=float)
    hidden, _ = secondary_suppression(pair, (pair > 0) & (pair < threshold), threshold)
    return not hidden.any()


def verbatims(questionnaire: Questionnaire, column: str, count: int = 6,
              seed: int = 0, people=()) -> list[str]:
    """A reproducible random selection of free-text answers, pseudonymised (``people``: the
    study's list of people, names always replaced)."""
    answers = questionnaire.responses[column].dropna().astype(str).str.strip()
    answers = sorted(set(answers[answers.str.len() > 0]))
    chosen = random.Random(seed).sample(answers, min(count, len(answers)))
    return pseudonymise_texts(chosen, list(people),
                              places=place_names(questionnaire.responses))


def open_answers(study: Study, validated: pd.DataFrame, per_code: int = 2, seed: int = 0,
                 people=()):
    """The validated coding of an open question (catalogue format ``validated_coding``):
    answers per code with small cells hidden, a sentence saying how many answers were coded
    and how many by hand, and a few pseudonymised answers per code (``people``: the study's
    list of people, names always replaced).

    Proposed codes never reach this function: the file holds only what the analyst
    validated (:func:`civeval.qual.validated.load_validated`).

    Returns ``(table, sentence, quotes)``, ``quotes`` a list of (code, answers) pairs.
    """
    from civeval.qual.validated import coding_summary

    summary = coding_summary(validated)
    facts = summary.attrs
    study.record("open_answers", int(facts["answers"]), label=study.t("questionnaire.open.n"))
    study.record("open_answers_by_hand", int(facts["by_hand"]),
                 label=study.t("questionnaire.open.by_hand"))
    table = suppress_small_cells(summary, ["answers"], threshold=study.small_cell_threshold,
                                 dependent_columns=["share"], secondary=False)
    sentence = report.text(study.t("questionnaire.open.text", count=int(facts["answers"]),
        coded=fmt.integer(facts["coded"]),
        by_hand=fmt.integer(facts["by_hand"])))
    quoted, places = [], place_names(validated, also=[study.client.name])
    for code in table.loc[~table["suppressed"], "code"]:
        texts = sorted(set(validated.loc[validated["code"] == code, "answer"].astype(str)))
        chosen = random.Random(f"{seed}:{code}").sample(texts, min(per_code, len(texts)))
        quoted.append((code, pseudonymise_texts(chosen, list(people), places=places)))
    return table.drop(columns="suppressed"), sentence, quoted


# --- themes found in open answers, validated -------------------------------------------------

def themes_respondents(study: Study, dataset: str,
                       population_margins: dict[str, dict[str, float]] | None = None
                       ) -> pd.DataFrame:
    """The responses whose open answers a themes coding codes, raked to the population
    margins when given (weights in the column ``_weight``). Nothing is recorded: the
    design effect reported is the questionnaire's."""
    responses = load(study, dataset).responses.copy()
    if population_margins:
        data = responses.copy()
        for column in population_margins:
            data[column] = data[column].astype("object")
        responses[WEIGHT] = rake(data, population_margins)
    return responses


def _interval(share, low, high) -> str:
    """``34 % (29–40)``: a share and its confidence interval, in whole percents."""
    if pd.isna(share):
        return fmt.MISSING
    return (f"{fmt.percent(share, 0)} ({fmt.number(100 * low, 0)}–"
            f"{fmt.number(100 * high, 0)})")


def language_model(study: Study, lemmas: str | None) -> str:
    """The language model that reduced the answers' words to their base forms, as a reader
    of the method sentence knows it: spaCy's French model and its version. The exact
    identifier (``fr_core_news_sm 3.8.0``) is for the record: the provenance annex of the
    main report shows it.

    Examples
    --------
    >>> from civeval import load_study
    >>> study = load_study("demo-val-de-brenne")
    >>> language_model(study, "fr_core_news_sm 3.8.0")
    'le modèle de langue français de spaCy, version 3.8'
    >>> language_model(study, None)
    'un modèle de langue français'
    """
    match = re.fullmatch(rf"{MODEL}\S* (\d+)\.(\d+)\S*", str(lemmas or "").strip())
    if match is None:
        return study.t("questionnaire.themes.model_unknown")
    return study.t("questionnaire.themes.model", version=f"{match[1]}.{match[2]}")


def themes_found(study: Study, coding: pd.DataFrame, respondents: pd.DataFrame | None = None,
                 per_theme: int = 2, seed: int = 0, people=()):
    """The themes of the open answers, as the analyst validated them: the share of answers
    raising each (weighted when the responses are, with its 95 % interval; themes raised by
    fewer answers than the threshold hidden), how they were found and validated, and a few
    pseudonymised answers per theme (``people``: the study's list of people).

    Records ``themes_answers``, ``themes_found`` and ``themes_by_hand``.

    Returns ``(table, sentence, quotes)``, ``quotes`` a list of (theme, answers) pairs.
    """
    from civeval.qual.theme_statistics import theme_shares

    t = study.t
    weight = WEIGHT if respondents is not None and WEIGHT in respondents else None
    shares = theme_shares(coding, respondents if weight else None, weight=weight)
    table = suppress_small_cells(shares, ["mentions"], threshold=study.small_cell_threshold,
                                 dependent_columns=["share", "ci_low", "ci_high"],
                                 secondary=False)
    facts, method = coding.attrs, coding.attrs["themes"]
    found = int((shares["mentions"] > 0).sum())
    study.record("themes_answers", int(facts["answers"]), label=t("questionnaire.themes.n"))
    study.record("themes_found", found, label=t("questionnaire.themes.found"))
    study.record("themes_by_hand", int(facts["by_hand"]),
                 label=t("questionnaire.themes.by_hand"))
    decisions = method.get("decisions", [])
    sentence = report.text(" ".join([
        t("questionnaire.themes.method", count=int(method.get("answers", 0)),
          model=language_model(study, method.get("lemmas")),
          method=t(f"questionnaire.themes.method_"
                                                   f"{method.get('method', 'nmf')}"),
          low=min(c["themes"] for c in method.get("candidates", [{"themes": 2}])),
          high=max(c["themes"] for c in method.get("candidates", [{"themes": 2}])),
          themes=method.get("themes", found),
          coherence=fmt.number(method.get("coherence"), 2),
          stability=fmt.number(method.get("stability"), 2), seed=method.get("seed", 0)),
        t("questionnaire.themes.validated", count=len(decisions),
          themes=t("count.themes", count=found),
          answers=fmt.integer(facts["answers"]), by_hand=fmt.integer(facts["by_hand"])),
        t("questionnaire.themes.weighted" if weight else "questionnaire.themes.unweighted"),
    ]))
    quoted = []
    places = place_names(coding, respondents, also=[study.client.name])
    for theme in table.loc[~table["suppressed"] & (table["mentions"] > 0), "theme"]:
        texts = sorted(set(coding.loc[coding["code"] == theme, "answer"].astype(str)))
        chosen = random.Random(f"{seed}:{theme}").sample(texts, min(per_theme, len(texts)))
        quoted.append((theme, pseudonymise_texts(chosen, list(people), places=places)))
    return (table[["theme", "mentions", "share", "ci_low", "ci_high"]], sentence, quoted)


def themes_agreement(study: Study, coding: pd.DataFrame):
    """Cohen's kappa per theme between the suggested and the validated coding, themes
    given to fewer answers than the threshold hidden, and the sentence that reads it.

    Records ``themes_agreement`` (the mean kappa over themes). Returns ``(table,
    sentence)``.
    """
    from civeval.qual.theme_statistics import theme_agreement

    t = study.t
    agreement = theme_agreement(coding)
    table = suppress_small_cells(agreement, ["suggested", "validated", "both"],
                                 threshold=study.small_cell_threshold,
                                 dependent_columns=["kappa", "ci_low", "ci_high"],
                                 secondary=False)
    mean = agreement.attrs["mean_kappa"]
    study.record("themes_agreement", round(mean, 3) if pd.notna(mean) else None,
                 label=t("questionnaire.themes.agreement"), kind="coefficient")
    shown = table["kappa"].dropna()
    sentence = report.text(t(
        "questionnaire.themes.agreement_text",
        unchanged=fmt.percent(agreement.attrs["unchanged"], 0), mean=fmt.number(mean, 2),
        low=fmt.number(shown.min(), 2) if len(shown) else fmt.MISSING,
        high=fmt.number(shown.max(), 2) if len(shown) else fmt.MISSING))
    return table.drop(columns="suppressed"), sentence


def themes_by_group(study: Study, coding: pd.DataFrame, respondents: pd.DataFrame,
                    group: str, label: str | None = None):
    """Who raises each theme: one row per theme, one column per group (share of its
    answers and 95 % interval, weighted when the responses are), the adjusted p-value of
    the differences between groups, cells of fewer answers than the threshold hidden;
    and the sentence naming the themes whose share differs between groups.

    Returns ``(table, sentence)``; ``table.attrs["labels"]`` holds the column headings.
    """
    from civeval.qual.theme_statistics import theme_group_differences, theme_shares

    t = study.t
    weight = WEIGHT if WEIGHT in respondents else None
    shares = theme_shares(coding, respondents, by=group, weight=weight)
    hidden = suppress_small_cells(shares, ["mentions", "answers"],
                                  threshold=study.small_cell_threshold,
                                  dependent_columns=["share", "ci_low", "ci_high"],
                                  secondary=False)
    hidden["cell"] = [_interval(*values) for values in
                      hidden[["share", "ci_low", "ci_high"]].itertuples(index=False)]
    groups = list(dict.fromkeys(hidden[group]))
    wide = hidden.pivot(index="theme", columns=group, values="cell")
    wide = wide.reindex(index=list(dict.fromkeys(hidden["theme"])), columns=groups)
    tests = theme_group_differences(coding, respondents, group, weight=weight)
    wide["p_adjusted"] = tests.set_index("theme")["p_adjusted"].reindex(wide.index).to_numpy()
    wide = wide.reset_index().rename_axis(columns=None)
    bases = hidden.drop_duplicates(group).set_index(group)["answers"]
    labels = {value: t("questionnaire.themes.group_column", group=value, n=fmt.integer(
        bases[value]) if pd.notna(bases[value]) else fmt.MISSING) for value in groups}
    wide.columns = ["theme", *[f"group {number}" for number in range(len(groups))],
                    "p_adjusted"]
    wide.attrs["labels"] = {"p_adjusted": t("questionnaire.themes.p_adjusted"),
                            **{f"group {number}": labels[value]
                               for number, value in enumerate(groups)}}
    wide.attrs["kinds"] = {"p_adjusted": "p_value"}
    significant = tests[tests["significant"]]
    name = label or group
    if significant.empty:
        sentence = report.text(t("questionnaire.themes.groups_none", group="{group}"),
                               group=name.lower())
    else:
        listed = "; ".join(f"{row.theme} ({fmt.p_clause(row.p_adjusted)})"
                           for row in significant.itertuples())
        sentence = report.text(t("questionnaire.themes.groups_found", group="{group}",
                                 themes="{themes}"), group=name.lower(), themes=listed)
    return wide, sentence


def themes_change(study: Study, previous: pd.DataFrame, current: pd.DataFrame,
                  previous_respondents: pd.DataFrame | None,
                  respondents: pd.DataFrame | None, waves: tuple[str, str]):
    """Each theme's share at the previous wave and now, the change and its test (Holm's
    adjustment over the themes; weighted, Rao–Scott, when both waves' responses are),
    shares of fewer answers than the threshold hidden; and the sentence naming the themes
    that changed. Records ``themes_changed``. Returns ``(table, sentence)``."""
    from civeval.qual.theme_statistics import theme_changes

    t = study.t
    weighted = all(r is not None and WEIGHT in r for r in (previous_respondents, respondents))
    changes = theme_changes(previous, current, previous_respondents if weighted else None,
                            respondents if weighted else None,
                            weight=WEIGHT if weighted else None)
    table = suppress_small_cells(changes, ["mentions_before", "mentions_after"],
                                 threshold=study.small_cell_threshold,
                                 dependent_columns=["share_before", "share_after", "change",
                                                    "p_value", "p_adjusted"], secondary=False)
    shown = table[~table["suppressed"]]
    changed = shown[shown["significant"]]
    study.record("themes_changed", int(len(changed)), label=t("questionnaire.themes.changed"),
                 editions=waves)
    before, after = waves
    display = pd.DataFrame({
        "theme": table["theme"], "share_before": table["share_before"],
        "share_after": table["share_after"],
        "change": [fmt.MISSING if pd.isna(v) else t(
            "questionnaire.themes.points",
            value=f"{'+' if v > 0 else '−' if v < 0 else ''}{fmt.number(abs(100 * v), 1)}")
                   for v in table["change"]],
        "p_adjusted": table["p_adjusted"]})
    display.attrs.update(
        labels={"share_before": t("questionnaire.themes.share_in", wave=before),
                "share_after": t("questionnaire.themes.share_in", wave=after),
                "change": t("questionnaire.themes.change"),
                "p_adjusted": t("questionnaire.themes.p_adjusted")},
        kinds={"share_before": "percent", "share_after": "percent",
               "p_adjusted": "p_value"})
    if changed.empty:
        sentence = report.text(t("questionnaire.themes.changes_none", before="{before}",
                                 after="{after}"), before=before, after=after)
    else:
        listed = "; ".join(t("questionnaire.themes.change_item", theme=row.theme,
                             before=fmt.percent(row.share_before, 0),
                             after=fmt.percent(row.share_after, 0),
                             p=fmt.p_clause(row.p_adjusted))
                           for row in changed.itertuples())
        sentence = report.text(t("questionnaire.themes.changes_found", before="{before}",
                                 after="{after}", themes="{themes}"),
                               before=before, after=after, themes=listed)
    return display, sentence


def wave_label(study: Study, dataset: str) -> str:
    """How a report names the wave a dataset covers: its edition, else its name."""
    return study.config.data[dataset].edition or dataset


# --- what the template shows ----------------------------------------------------------------

def who_intro(study: Study, who: pd.DataFrame):
    """The sentence on weighting and on the dissimilarity index before and after it (and
    that hidden categories are counted together in it, when some are)."""
    t = study.t
    details = [t("questionnaire.who.detail", variable=variable, before=fmt.number(before, 2),
                 after=fmt.number(after, 2) if after is not None else fmt.MISSING)
               for variable, (before, after) in who.attrs["dissimilarity"].items()]
    merged = ([t("questionnaire.dissimilarity_merged")]
              if who["suppressed"].any() else [])
    return report.text(" ".join([t("questionnaire.who.intro", variables="{variables}",
                                   detail="{detail}"), *merged]),
                       variables=", ".join(who.attrs["dissimilarity"]).lower(),
                       detail="; ".join(details))


def likert_figure(study: Study, questionnaire: Questionnaire, question: Question,
                  distribution: pd.DataFrame):
    """The diverging chart of one Likert question, with its title, source and alt text."""
    t = study.t
    title = question.label or question.id
    alt = t("questionnaire.likert.alt", count=distribution["item"].nunique(), question=title)
    return report.figure(
        likert_chart(distribution, question.levels, neutral=question.neutral), title=title,
        alt=_withheld_last(study, alt, distribution), source=_likert_source(study, questionnaire))


def _withheld_last(study: Study, alt: str, distribution: pd.DataFrame) -> str:
    """``alt``, saying that the items whose net agreement is withheld come last when there
    are several items, since they cannot be ranked by it."""
    net = distribution.groupby("item", sort=False)["net_agreement"].first()
    if len(net) > 1 and net.isna().any():
        return f"{alt} {study.t('questionnaire.likert.withheld_last')}"
    return alt


def _likert_source(study: Study, questionnaire: Questionnaire) -> str:
    return study.t("questionnaire.likert.source", client=study.client.name,
                   count=len(questionnaire.responses))


@dataclass(frozen=True)
class LikertOverview:
    """The opinions at a glance (:func:`likert_overview`).

    ``tables`` holds one stacked distribution per shared scale and ``figures`` its chart, in
    the same order; ``charted`` the ids of the questions those charts show (their own
    subsections draw no chart); ``distributions`` every question's :func:`likert_results`,
    by id, so that the subsections do not compute them again.
    """

    tables: list[pd.DataFrame]
    figures: list
    charted: frozenset[str]
    distributions: dict[str, pd.DataFrame]


def likert_overview(study: Study, questionnaire: Questionnaire,
                    questions: list[Question]) -> LikertOverview:
    """One diverging chart per answer scale that several single-item Likert questions share,
    one bar per question, so that readers compare the statements with one another.

    Questions share a scale when they have the same levels, the same neutral level and the
    same « ne sait pas » levels. The bars carry the shares of :func:`likert_results`
    (weighted, cells under the study's threshold hidden) and come in the order
    :func:`civeval.survey.likert.likert_table` gives several items: by net agreement,
    highest first (the codebook's order on a tie), those whose net agreement is withheld
    last (:func:`likert_results`). Left out, and charted on their own as
    before: a question with several items (a battery, already compared within its chart),
    a question alone on its scale, and a question with no share above zero to show on the
    scale (too few answers: its shares are hidden), which must not come back as a bar.

    Examples
    --------
    >>> from civeval import load_study
    >>> study = load_study("demo-saint-aubin")
    >>> survey = load(study, "questionnaire")
    >>> overview = likert_overview(study, survey, likert_questions(survey.codebook))
    >>> len(overview.figures), len(overview.charted), len(overview.distributions)
    (1, 16, 18)
    >>> sorted(set(overview.distributions) - overview.charted)  # each alone on its scale
    ['reparticiper', 'satglobal']
    """
    distributions = {question.id: likert_results(study, questionnaire, question)
                     for question in questions}
    scales: dict[tuple, list[Question]] = {}
    for question in questions:
        table = distributions[question.id]
        # A hidden share is missing, and never above zero.
        shown = (table.loc[table["side"] != DONT_KNOW, "percent"] > 0).any()
        if len(items(question)) == 1 and shown:
            neutral = scale_sides(question.levels, question.neutral)[2]
            scales.setdefault((question.levels, neutral, question.missing), []).append(question)
    shared = [group for group in scales.values() if len(group) > 1]
    tables = [_most_approved_first(pd.concat([distributions[question.id] for question in group],
                                             ignore_index=True),
                                   [question.id for question in group])
              for group in shared]
    figures = [_overview_figure(study, questionnaire, group[0], table)
               for group, table in zip(shared, tables, strict=True)]
    return LikertOverview(tables, figures,
                          frozenset(question.id for group in shared for question in group),
                          distributions)


def _most_approved_first(table: pd.DataFrame, items: list[str]) -> pd.DataFrame:
    """``table``'s items from the highest published net agreement to the lowest, those whose
    net agreement is withheld last; ties and withheld ones in the order of ``items``; each
    item's rows kept in their order."""
    net = table.groupby("item", sort=False)["net_agreement"].agg(
        lambda values: values.mean(skipna=False))
    given = {item: position for position, item in enumerate(items)}
    order = sorted(net.index, key=lambda item: (pd.isna(net[item]), -net[item]
                                                if pd.notna(net[item]) else 0, given[item]))
    rank = {item: position for position, item in enumerate(order)}
    return table.sort_values("item", key=lambda column: column.map(rank), kind="stable",
                             ignore_index=True)


def _overview_figure(study: Study, questionnaire: Questionnaire, question: Question,
                     stacked: pd.DataFrame):
    """The chart of the questions of ``stacked``, on the scale of ``question``."""
    t = study.t
    ends = {"first": question.levels[0], "last": question.levels[-1]}
    return report.figure(
        likert_chart(stacked, question.levels, neutral=question.neutral),
        title=t("questionnaire.likert.overview_title", **ends),
        alt=_withheld_last(study, t("questionnaire.likert.overview_alt",
                                    count=stacked["item"].nunique(), **ends), stacked),
        source=_likert_source(study, questionnaire))


def likert_display(study: Study, distribution: pd.DataFrame) -> pd.DataFrame:
    """One row per item: the share of each level among the expressed answers (they add up
    to 100 %), the net agreement, then each « ne sait pas » level apart, as a share of all
    answers, under a heading that says so. ``attrs`` hold the columns' kinds and labels.

    Examples
    --------
    >>> from civeval import load_study
    >>> from civeval.survey.likert import likert_table
    >>> answers = pd.DataFrame({"q": ["Oui", "Oui", "Non", "NSP"]})
    >>> table = likert_display(load_study("demo-val-de-brenne"),
    ...                        likert_table(answers, ["q"], ["Oui", "Non"], dont_know=["NSP"]))
    >>> table.round(3).to_dict("records")
    [{'item': 'q', 'Oui': 0.667, 'Non': 0.333, 'net_agreement': 0.333, 'NSP': 0.25}]
    >>> table.attrs["labels"]["NSP"]
    'NSP (en % de toutes les réponses)'
    """
    apart = distribution["side"] == DONT_KNOW

    def shares(rows: pd.DataFrame) -> pd.DataFrame:
        wide = rows.groupby(["label", "level"], sort=False)["percent"].first().unstack("level")
        return wide[list(dict.fromkeys(rows["level"]))]

    net = distribution.groupby("label", sort=False)["net_agreement"].first()
    shown = shares(distribution[~apart]).reindex(net.index).assign(net_agreement=net)
    if apart.any():
        shown = shown.join(shares(distribution[apart]))
    shown = shown.reset_index().rename(columns={"label": "item"}).rename_axis(columns=None)
    shown.attrs.update(
        kinds=dict.fromkeys([*distribution["level"], "net_agreement"], "percent"),
        labels={level: study.t("questionnaire.likert.apart", level=level)
                for level in dict.fromkeys(distribution.loc[apart, "level"])})
    return shown


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
    for scales) or a mean score for numbers; a bounded p-value (:func:`before_after`) as its
    side of 5 %.

    Examples
    --------
    >>> poll = pd.DataFrame({"poll_question": ["Couvre-feu", "Médiateurs"],
    ...                      "before": [0.43, 0.41], "after": [0.28, 0.69],
    ...                      "p_value": [0.0213, 0.0213], "p_bounded": [True, False],
    ...                      "shown_as": ["share", "share"]})
    >>> poll_display(poll)["p_value"].tolist()
    ['< 0,05', '0,021']
    """
    shown = poll.copy()
    for column in ("before", "after"):
        shown[column] = [fmt.percent(value) if shown_as == "share" else fmt.number(value, 2)
                         for value, shown_as in zip(poll[column], poll["shown_as"],
                                                    strict=True)]
    shown["p_value"] = [(("< " if value < 0.05 else "≥ ") + fmt.number(0.05, 2)) if bounded
                        else fmt.p_value(value)
                        for value, bounded in zip(poll["p_value"], poll["p_bounded"],
                                                  strict=True)]
    return shown.drop(columns=["shown_as", "p_bounded"])


def poll_table(study: Study, poll: pd.DataFrame):
    """The poll table (:func:`poll_display`) with its caption, or the sentence saying that no
    question was asked in both waves in a way that can be compared."""
    if poll.empty:
        return report.text(study.t("questionnaire.poll.none"))
    return report.table(poll_display(poll), poll_caption(study, poll))


def poll_caption(study: Study, poll: pd.DataFrame) -> str:
    """The poll table's caption, saying why a p-value is only placed against 5 % when one is
    (:func:`before_after`)."""
    caption = study.t("questionnaire.poll.caption")
    if poll["p_bounded"].any():
        return study.t("questionnaire.poll.bounded", caption=caption,
                       count=study.small_cell_threshold)
    return caption


def method_note(study: Study, questionnaire: Questionnaire):
    """Incomplete responses and duplicate submissions set aside, personal columns dropped
    (with why), "ne sait pas" handling, suppression, weighting."""
    t = study.t
    parts = [t("questionnaire.method.incomplete",
               count=int(questionnaire.summary.get("excluded", 0))),
             t("questionnaire.method.suppressed", count=study.small_cell_threshold)]
    duplicates = int(questionnaire.summary.get("duplicates_dropped", 0))
    if duplicates:
        parts.append(t("questionnaire.method.duplicates", count=duplicates))
    reasons = questionnaire.summary.get("personal_reasons", {})
    if reasons:
        parts.append(t("questionnaire.method.personal", columns=", ".join(
            f"{column} ({t(f'survey.personal.{reason}')})" for column, reason in reasons.items())))
    if questionnaire.weighted:
        weights = questionnaire.responses[WEIGHT]
        parts.append(t("questionnaire.method.weights", deff=fmt.number(design_effect(weights), 2),
                       ess=fmt.integer(effective_sample_size(weights))))
    return report.text(" ".join(parts))
