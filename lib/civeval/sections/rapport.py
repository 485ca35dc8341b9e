"""The main report (template ``90_rapport``): what an elected official reads in twenty minutes.

Every conclusion it draws comes from the study's evidence (:mod:`civeval.evidence`), the one
record of each key figure the other sections made: the key figures of the summary (each
linking to the row of the section that shows it, with the same text), the diagnosis
(:mod:`civeval.diagnosis.findings`), the answers to the evaluation questions
(:mod:`civeval.diagnosis.questions`), the method and its limits, written from what the study
actually holds, and the action plan (:mod:`civeval.diagnosis.actionplan`). It runs after
every section the study has (``follows`` in its header), so their records and pages exist.
"""

from __future__ import annotations

import hashlib
from itertools import zip_longest

import pandas as pd

from civeval import plausibility
from civeval.evidence.record import Evidence
from civeval.presentation import fmt, i18n
from civeval.workbench.exports import lazy_module
from civeval.workbench.study import Study
from civeval.workbench.templates import find_template

# Imported once the section runs (it draws): checking its inputs needs none of it.
report = lazy_module("civeval.presentation.report")

# The figures an executive summary leads with, in this order, when the study has them.
HEADLINE = ("turnout_rate", "participants_change", "questionnaire_response_rate",
            "implementation_rate_mature", "implementation_rate", "answer_rate", "interviews",
            "platform_contributors", "attendance_rate", "retention_rate",
            "median_delivery_months", "proposals", "questionnaire_complete")
MAIN = "90_rapport"
BENCHMARK = "40_parangonnage"
ACTION_PLAN_FILE = "plan_action.xlsx"
KINDS = ("strength", "weakness", "vigilance")


def check(study: Study, parameters: dict, locate) -> None:
    """Inputs of ``90_rapport`` checked before anything runs: the study's diagnostic grid
    and its consultant's assessments, its action plan (owners, indicators, targets of the
    right type) and its previous wave (a study that exists and has been run).
    """
    from civeval.diagnosis import actionplan
    from civeval.diagnosis import findings as grid_findings
    from civeval.diagnosis import grid as grid_rules

    grid_findings.assessments(study, grid_rules.study_grid(study))
    if study.config.action_plan:
        actionplan.action_plan(study)
    if study.config.previous_wave:
        actionplan.follow_up(study)


def cover(study: Study) -> pd.DataFrame:
    """The cover's facts: client, schemes, period, authors (``indicator, value, kind``)."""
    t = study.t
    rows = [(t("fact.client"), study.client.name),
            (t("fact.schemes"), ", ".join(s.name for s in study.schemes))]
    if study.period:
        rows.append((t("fact.period"), fmt.period(*study.period)))
    if study.config.report.authors:
        rows.append((t("fact.authors"), ", ".join(study.config.report.authors)))
    return pd.DataFrame([{"indicator": label, "value": value, "kind": "text"}
                         for label, value in rows])


def pages(records) -> dict[str, str]:
    """The page that shows each record (its section's), for links to its row."""
    return {record.key: f"{record.section}.html" for record in records if record.section}


def headline(study: Study, count: int = 5) -> list[Evidence]:
    """The ``count`` key figures of the executive summary, in :data:`HEADLINE` order (a
    figure hidden to protect small groups is never one of them)."""
    records = plausibility.conclusive(study.evidence())
    return [records[key] for key in HEADLINE
            if key in records and not records[key].suppressed][:count]


def highlights(findings: pd.DataFrame, count: int = 3) -> dict[str, list[str]]:
    """The first ``count`` strengths, weaknesses and points of vigilance of the diagnostic,
    rules before the consultant's own assessments (their order in the grid is their order
    of importance)."""
    order = findings.assign(rank=(findings["source"] == "consultant").astype(int)).sort_values(
        "rank", kind="stable")
    return {kind: order.loc[order["kind"] == kind, "finding"].head(count).tolist()
            for kind in KINDS}


def at_a_glance(findings: pd.DataFrame, plan: dict, lines: int = 5,
                actions: int = 3) -> dict[str, list[str]]:
    """The « À retenir » block that opens the report: the diagnosis in ``lines`` findings
    (weaknesses, strengths and points of vigilance in turn, each kind in its grid order) and
    the ``actions`` priority actions of the plan, else the priority recommendations.

    Examples
    --------
    >>> findings = pd.DataFrame({"kind": ["strength", "weakness", "weakness", "vigilance"],
    ...                          "finding": ["Objectifs clairs", "Essoufflement",
    ...                                      "Quartiers absents", "Baisse du vote"],
    ...                          "source": "rule"})
    >>> plan = {"priorities": [], "recommendations": pd.DataFrame(
    ...     {"title": ["Relancer", "Publier"], "priority": ["prioritaire", "à étudier"]})}
    >>> at_a_glance(findings, plan, lines=3)
    {'diagnosis': ['Essoufflement', 'Objectifs clairs', 'Baisse du vote'], 'actions': ['Relancer']}
    """  # noqa: E501
    chosen = highlights(findings, lines)
    turns = zip_longest(*(chosen[kind] for kind in ("weakness", "strength", "vigilance")))
    diagnosis = [finding for turn in turns for finding in turn if finding][:lines]
    if plan["priorities"]:
        top = plan["priorities"][:actions]
    else:
        advice = plan["recommendations"]
        top = advice.loc[advice["priority"] == advice["priority"].iloc[0], "title"].head(
            actions).tolist() if len(advice) else []
    return {"diagnosis": diagnosis, "actions": top}


def method(study: Study) -> list[str]:
    """What the evaluation rests on, in sentences written from what the study holds: the
    schemes and editions, then each source the sections actually used, with its counts.
    Nothing is said of an instrument the study does not have."""
    t = study.t
    records = study.evidence()

    def count(key):
        return int(records[key].value)

    editions = sum(len(scheme.editions) for scheme in study.schemes)
    period = (t("fact.from_to", start=fmt.date(study.period[0]), end=fmt.date(study.period[1]))
              if study.period else fmt.MISSING)
    sentences = [t("method.scope", schemes=", ".join(s.name for s in study.schemes),
                   count=editions, period=period)]
    counted = [key.removeprefix("participants_") for key in records
               if key.startswith("participants_") and key != "participants_change"]
    if counted:
        sentences.append(t("method.participants", editions=", ".join(counted)))
    for key, message in (("pb_voters", "method.vote"),
                         ("platform_contributors", "method.platform"),
                         ("proposals", "method.proposals"),
                         ("winning_projects", "method.tracking"),
                         ("questionnaire_complete", "method.survey")):
        if key in records:
            sentences.append(t(message, count=count(key)))
    if "attendance_rate" in records:
        sentences.append(t("method.register"))
    if "interviews" in records:
        groups = (t("count.stakeholder_groups", count=count("stakeholder_groups"))
                  if "stakeholder_groups" in records else fmt.MISSING)
        sentences.append(t("method.interviews", count=count("interviews"), groups=groups))
    if "workshop_kendall_w" in records or "workshop_top_proposal" in records:
        sentences.append(t("method.workshop"))
    positions = [r.position for r in records.values() if r.position is not None]
    peers = max((position.peers for position in positions), default=0)
    if peers:
        sentences.append(t("method.benchmark", peers=fmt.integer(peers),
                           needed=study.config.benchmark.min_peers))
    elif positions:
        sentences.append(t("method.no_benchmark"))
    sentences.append(t("method.evidence"))
    return sentences


def edition_dates(study: Study, edition) -> str:
    """An edition's dates as precise as the study gives them: a day, two days, two months
    or a year (« 2024 » for an edition labelled 2024 that covers that year says nothing
    more, so it is left out).

    Examples
    --------
    >>> from civeval import load_study
    >>> from civeval.workbench.schema import Edition
    >>> study = load_study("demo-saint-aubin")
    >>> edition_dates(study, Edition(label="2022", start="2022-02-01", end="2022-10-21"))
    'du 01/02/2022 au 21/10/2022'
    >>> edition_dates(study, Edition(label="Convention", start="2025-09-13", end="2025-09-13"))
    'le 13/09/2025'
    >>> edition_dates(study, Edition(label="2025", start="2025-04", end="2025-05"))
    'avril – mai 2025'
    >>> edition_dates(study, Edition(label="2023"))
    ''
    """
    t = study.t
    start, end = edition.start, edition.end
    if edition.precision == "year":
        years = str(start.year) if start.year == end.year else f"{start.year}–{end.year}"
        return "" if years == edition.label else years
    if edition.precision == "month":
        first, last = fmt.month(start), fmt.month(end)
        if start.year == end.year:
            first = fmt.month(start, with_year=False)
        return last if (start.year, start.month) == (end.year, end.month) \
            else t("methodology.months", start=first, end=last)
    if start == end:
        return t("methodology.day", date=fmt.date(start))
    return t("fact.from_to", start=fmt.date(start), end=fmt.date(end))


def methodology(study: Study) -> pd.DataFrame:
    """The method in brief, written from the study and its evidence (``aspect, detail``):
    the period evaluated and each scheme's editions with their dates, who was heard in
    interviews by group (groups under the small-cell threshold merged or not detailed, as
    in the interviews section), the questionnaire's mode and responses, and the
    deliberative poll's panel. ``attrs["labels"]`` holds the column headings.

    Examples
    --------
    >>> import tempfile
    >>> from civeval import load_study
    >>> study = load_study("demo-val-de-brenne", output_dir=tempfile.mkdtemp())
    >>> _ = study.record("interviews", 12)
    >>> _ = study.record("interviews_by_group", "Élu·es (5), Habitant·es (7)", kind="text")
    >>> box = methodology(study)
    >>> box["detail"].tolist()[1:]  # doctest: +NORMALIZE_WHITESPACE
    ['2024 (du 13/05/2024 au 27/06/2024) ; 2025 (du 01/04/2025 au 15/05/2025)',
     '2025 (du 01/04/2025 au 15/05/2025)',
     "12 entretiens, par groupe d'acteurs : Élu·es (5), Habitant·es (7)"]
    """
    t = study.t
    records = study.evidence()
    rows = []
    if study.period:
        rows.append((t("methodology.period"), t("fact.from_to", start=fmt.date(
            study.period[0]), end=fmt.date(study.period[1]))))
    for scheme in study.schemes:
        if scheme.editions:
            shown = []
            for edition in scheme.editions:
                dates = edition_dates(study, edition)
                shown.append(t("methodology.edition", edition=edition.label, dates=dates)
                             if dates else edition.label)
            rows.append((t("methodology.calendar", scheme=scheme.name), " ; ".join(shown)))
    if "interviews" in records:
        interviews = int(records["interviews"].value)
        by_group = records.get("interviews_by_group")
        rows.append((t("methodology.heard"),
                     t("methodology.interviews_by_group", count=interviews,
                       groups=by_group.value) if by_group and by_group.value
                     else t("methodology.interviews", count=interviews)))
    if "questionnaire_complete" in records:
        responses = t("methodology.responses", count=int(records["questionnaire_complete"].value))
        mode = records.get("questionnaire_mode")
        rows.append((t("methodology.survey"), t("methodology.survey_mode", mode=mode.value,
                                                 responses=responses) if mode else responses))
    if "poll_pairs" in records:
        rows.append((t("methodology.poll"), t("methodology.poll_pairs",
                                              count=int(records["poll_pairs"].value))))
    table = pd.DataFrame(rows, columns=["aspect", "detail"])
    table.attrs["labels"] = {"aspect": t("methodology.column.aspect"),
                             "detail": t("methodology.column.detail")}
    return table


def limits(study: Study) -> list[str]:
    """The limits of this evaluation: those of the material it holds, then every caveat
    its evidence carries (rule changes between editions, figures not measured or not
    ranked, hidden cells), each said once."""
    t = study.t
    records = study.evidence()
    found = []
    if "turnout_rate" in records:
        found.append(t("limits.turnout"))
    if "questionnaire_complete" in records:
        found.append(t("limits.survey"))
    if "interviews" in records:
        found.append(t("limits.interviews"))
    for record in records.values():
        trend = record.trend
        if trend is not None and trend.breaks:
            found.append(t("limits.breaks" if trend.tested else "limits.breaks_untested",
                           label=record.label, first=trend.first,
                           breaks=" ; ".join(trend.breaks)))
        elif trend is not None and not trend.tested:
            found.append(t("limits.untested", label=record.label))
        found.extend(record.caveats)
    if "participants_change" in records and "retention_rate" not in records:
        found.append(t("limits.retention"))
    unranked = [r.label for r in records.values()
                if r.position is not None and not r.position.ranked and r.position.peers]
    if unranked:
        found.append(t("limits.unranked", indicators=", ".join(unranked),
                       needed=study.config.benchmark.min_peers))
    for failure in plausibility.shares_out_of_range(records.values()):
        found.append(t("limits.out_of_range", label=records[failure.dataset].label,
                       value=records[failure.dataset].text(study.language)))
    for acknowledged in study.config.acknowledge:
        found.append(t("limits.acknowledged", check=t(f"check.{acknowledged.check}"),
                       reason=acknowledged.reason))
    found.append(t("limits.small_cells", count=study.small_cell_threshold))
    return list(dict.fromkeys(found))


def sources(study: Study) -> pd.DataFrame:
    """The study's datasets for the method section: what each holds (its description,
    never its file), its kind and its date: the day of the extract when the dataset says
    it (``as_of``), the edition it covers, else the days its own dates span, else the
    editions of the scheme it belongs to.

    Examples
    --------
    >>> from civeval import load_study
    >>> table = sources(load_study("demo-saint-aubin"))
    >>> table.loc[table["dataset"].str.startswith("Suivi"), "dates"].item()
    'état au 30/06/2025'
    """
    from civeval.sections.cadrage import covered_period

    t = study.t
    rows = []
    for name, entry in study.config.data.items():
        dates = _declared_dates(study, entry)
        if dates is None:
            span = covered_period(study, name)
            dates = t("fact.from_to", start=fmt.date(span[0]), end=fmt.date(span[1])) \
                if span else _scheme_dates(study, entry.scheme) or t("sources.undated")
        rows.append({"dataset": entry.description or name,
                     "kind": t(f"kind.{study.dataset_kind(name)}"), "dates": dates})
    return pd.DataFrame(rows, columns=["dataset", "kind", "dates"])


def _declared_dates(study: Study, entry) -> str | None:
    """The date the catalogue gives a dataset: its extract's day, else its edition."""
    t = study.t
    as_of = entry.options.get("as_of") if isinstance(entry.options, dict) else None
    if as_of:
        return t("sources.as_of", date=fmt.date(str(as_of)))
    if entry.edition:
        schemes = [s for s in study.schemes if entry.scheme in (None, s.name)]
        edition = next((found for scheme in schemes
                        if (found := scheme.edition(entry.edition)) is not None), None)
        dates = edition_dates(study, edition) if edition is not None else ""
        return t("sources.edition", edition=entry.edition, dates=dates) if dates \
            else t("sources.edition_only", edition=entry.edition)
    return None


def _scheme_dates(study: Study, scheme_name: str | None) -> str | None:
    scheme = next((s for s in study.schemes if s.name == scheme_name), None)
    if scheme is None or not scheme.editions:
        return None
    labels = [edition.label for edition in scheme.editions]
    return study.t("sources.editions", count=len(labels), editions=", ".join(labels))


def references(study: Study) -> list[str]:
    """Full references (author, title, publisher, year, address as text) of every public
    source whose figures the report uses: the reference rows of the study's types of scheme
    for the key figures it recorded, in the order of the reference table.

    The address is written without its ``https://``: a reader types or copies it, and the
    reports hold no web address a browser would follow (they open offline).

    Examples
    --------
    >>> import tempfile
    >>> from civeval import load_study
    >>> study = load_study("demo-saint-aubin", output_dir=tempfile.mkdtemp())
    >>> _ = study.record("abandonment_rate", 0.05, kind="percent")
    >>> print(references(study)[0])  # doctest: +NORMALIZE_WHITESPACE
    Ville de Paris, « Budget participatif : projets gagnants (copie d'octobre 2024, licence
    ODbL) », Paris Data, données ouvertes de la Ville de Paris, 2024.
    opendata.paris.fr/explore/dataset/bp_projets_gagnants/
    """
    from civeval.benchmark import load_reference, load_sources

    t = study.t
    rows = load_reference()
    recorded = set(study.evidence())
    used = rows[rows["public"] & rows["indicator"].isin(recorded)
                & rows["scheme_type"].isin({str(s.type) for s in study.schemes})]
    cited = load_sources()
    found = []
    for address in dict.fromkeys(used["source"].dropna()):
        shown = str(address).split("://", 1)[-1]
        source = cited.get(address)
        if source is None:
            found.append(shown)
        else:
            key = "references.citation" if source["author"] else "references.citation_no_author"
            found.append(t(key, **{**source, "url": shown}))
    return found


def answers(study: Study, findings: pd.DataFrame) -> pd.DataFrame:
    """The answer to each evaluation question (:func:`civeval.diagnosis.questions.answers`),
    with the page of each record it rests on."""
    from civeval.diagnosis.questions import answers as answer_all

    records = plausibility.conclusive(study.evidence())
    table = answer_all(study.config.questions(), records, findings, study.language)
    table.attrs["pages"] = pages(records.values())
    return table


def components(study: Study) -> list[dict]:
    """Each section of the study but this one: its title, its page when it was rendered
    in this run, and the records it made (for the benchmark, the figures it placed among
    peers)."""
    records = study.evidence().values()
    shown = []
    for component in study.config.components:
        if component.template == MAIN:
            continue
        template = find_template(component.template)
        page = f"{component.id}.html"
        mine = [r for r in records if r.section == component.id
                or (component.template == BENCHMARK and r.position is not None
                    and r.position.section == component.id)]
        shown.append({"section": component.id, "title": template.title(study.language),
                      "page": page if (study.output_dir / page).is_file() else None,
                      "records": [r for r in mine if not r.suppressed]})
    return shown


def diagnostic(study: Study):
    """The study's findings (rules over its evidence, and the consultant's assessments) and
    their scores per criterion; see :mod:`civeval.diagnosis.findings`."""
    from civeval.diagnosis import findings as grid_findings

    findings = grid_findings.diagnose(study)
    return findings, grid_findings.scores(findings)


def scores_chart(study: Study, scores: pd.DataFrame) -> report.HTML:
    """Strengths, weaknesses and points of vigilance for every criterion of the grid (those
    without a finding too), with title, source and alt text."""
    from civeval.diagnosis import findings as grid_findings

    t = study.t
    shown = scores[scores["criterion"].notna() | (scores["findings"] > 0)]
    figure = grid_findings.summary_chart(shown, language=study.language)
    return report.figure(
        figure, title=t("synthesis.chart_title"),
        alt=t("synthesis.chart_alt", count=len(shown),
              **{kind: t(f"count.{kind}", count=int(shown[kind].sum()))
                 for kind in ("strengths", "weaknesses", "vigilance")}),
        source=t("synthesis.chart_source", client=study.client.name))


def scores_table(study: Study, scores: pd.DataFrame) -> pd.DataFrame:
    """Every criterion's counts and score, so that the score the text announces is shown."""
    t = study.t
    return pd.DataFrame({
        "criterion": scores["label"], "strengths": scores["strengths"],
        "weaknesses": scores["weaknesses"], "vigilance": scores["vigilance"],
        "score": scores["score"].map(lambda v: fmt.signed(v, 2) if pd.notna(v)
                                     else t("synthesis.no_score"))})


def findings_table(study: Study, findings: pd.DataFrame) -> pd.DataFrame:
    """Findings as the report shows them: criterion, strength, weakness or point of
    vigilance, the finding and its evidence (figures, thresholds, trends and ranks in
    words, or the consultant's source)."""
    t = study.t
    criteria = findings.attrs.get("criteria", {})
    return pd.DataFrame({
        "criterion": findings["criterion"].map(lambda c: criteria.get(c, c) if c
                                               else t("diagnostic.unassigned")),
        "assessment": findings["kind"].map(lambda kind: t(f"synthesis.{kind}")),
        "finding": findings["finding"],
        "evidence": findings["evidence"].fillna("")}).reset_index(drop=True)


def plan(study: Study, findings: pd.DataFrame) -> dict:
    """Recommendations for the weaknesses found, and the action plan when the study has
    agreed one: its actions by priority, its follow-up indicators (with the formats of
    their kinds) and the workbook the client's services fill in, written beside the report.

    Returns a dict: ``recommendations``, ``actions`` and ``indicators`` (None without a
    plan), ``indicator_kinds``, ``priorities`` (titles of the priority actions),
    ``set_aside`` (each recommendation set aside, with why) and ``checks`` (what the report
    flags in the plan on its date: :func:`civeval.diagnosis.actionplan.inconsistencies`).
    """
    from civeval.diagnosis import actionplan, recommendations, workbook
    from civeval.workbench.render import generation_date

    advice = recommendations.recommend(findings, language=study.language)
    shown = {"recommendations": advice.assign(lever=advice["lever"].map(
        lambda lever: recommendations.lever_label(lever, study.language)))[
        ["lever", "title", "description", "priority"]],
        "actions": None, "indicators": None, "indicator_kinds": {}, "priorities": [],
        "set_aside": [], "checks": []}
    if not study.config.action_plan:
        return shown
    actions, indicators = actionplan.action_plan(study)
    library = recommendations.load_library()
    shown["set_aside"] = [
        study.t("actionplan.set_aside", recommendation=getattr(library[key].title,
                                                               study.language), reason=reason)
        for key, reason in actionplan.set_aside(study).items()]
    shown["checks"] = actionplan.inconsistencies(study, actions, indicators, advice,
                                                 generation_date())
    workbook.export_xlsx(actions, indicators, study.output_dir / ACTION_PLAN_FILE,
                         language=study.language)
    top = recommendations.priority_label(9, study.language)
    shown["priorities"] = actions.loc[actions["priority"] == top, "title"].head(3).tolist()
    shown["actions"] = actions.assign(
        lever=actions["lever"].map(
            lambda lever: recommendations.lever_label(lever, study.language)),
        deadline=actions["deadline"].map(lambda d: fmt.date(d) if d else fmt.MISSING))[
        ["title", "lever", "priority", "owner", "deadline"]]
    # Readers know an action by its title; its id is the workbook's and study.yml's.
    titles = dict(zip(actions["id"], actions["title"], strict=True))
    shown["indicators"] = pd.DataFrame({
        "action": indicators["action"].map(titles), "indicator": indicators["label"],
        "baseline": [fmt.by_kind(v, k) if v is not None else fmt.MISSING
                     for v, k in zip(indicators["baseline"], indicators["kind"], strict=True)],
        "target": [fmt.by_kind(v, k) for v, k in zip(indicators["target"], indicators["kind"],
                                                      strict=True)],
        "date": indicators["date"]})
    shown["indicator_kinds"] = {"date": "date"}
    return shown


def follow_up(study: Study) -> pd.DataFrame | None:
    """Baseline → target → measured now for the previous wave's follow-up indicators, and
    whether each target is reached; None when the study names no previous wave."""
    from civeval.diagnosis import actionplan

    table = actionplan.follow_up(study)
    if table is None:
        return None
    t = study.t
    formatted = {column: [fmt.by_kind(v, k) if v is not None and not pd.isna(v) else fmt.MISSING
                          for v, k in zip(table[column], table["kind"], strict=True)]
                 for column in ("baseline", "target", "measured")}
    reached = table["reached"].map(lambda r: fmt.MISSING if r is None or pd.isna(r)
                                   else t("value.yes") if r else t("value.no"))
    return pd.DataFrame({"indicator": table["label"], **formatted, "date": table["date"],
                         "reached": reached})


def grid(study: Study) -> pd.DataFrame:
    """The phases of a scheme and their expected outputs, from the study's grid."""
    from civeval.diagnosis import grid as grid_rules

    return grid_rules.phases_table(grid_rules.study_grid(study), study.language)


def glossary(study: Study) -> pd.DataFrame:
    """Terms of the report and their definitions, from the catalogue (``glossary.*``)."""
    catalogue = i18n.catalogue(study.language)
    terms = sorted(k for k in catalogue if k.startswith("glossary.") and k.endswith(".term"))
    return pd.DataFrame([{"term": catalogue[k], "definition": catalogue[k[:-5] + ".text"]}
                         for k in terms], columns=["term", "definition"])


def definitions(study: Study) -> pd.DataFrame:
    """Definitions of the indicators this report shows (the registry of
    :mod:`civeval.evidence.registry`), in the report language."""
    from civeval.evidence import registry as indicators

    rows = []
    for key in study.evidence():
        known = indicators.indicator(key, study.language)
        if known:
            rows.append({"indicator": known["label"], "definition": known["definition"]})
    return pd.DataFrame(rows, columns=["indicator", "definition"]).drop_duplicates()


def provenance(study: Study) -> pd.DataFrame:
    """For the record, not for reading: which code made the report and from which data
    (``record, value``): the workbench's version, its commit and a digest of its code, then
    a SHA-256 digest of each dataset's files, named by its description. The reader's footer
    names the version only.

    Examples
    --------
    >>> from civeval import load_study
    >>> table = provenance(load_study("demo-villeneuve-ardre"))
    >>> table["record"].head(3).tolist()
    ['Version de civeval', 'Version du code', 'Empreinte du code']
    >>> bool(table["value"].iloc[3:].str.fullmatch("[0-9a-f]{16}").all())
    True
    """
    from civeval import __version__
    from civeval.workbench import incremental
    from civeval.workbench.runner import git_commit

    t = study.t
    rows = [(t("provenance.version"), __version__),
            (t("provenance.commit"), git_commit() or t("report.no_commit")),
            (t("provenance.code"), incremental.code_digest()[:16])]
    for name, entry in study.config.data.items():
        digest = hashlib.sha256()
        for path in incremental.dataset_files(study, name):
            if path.is_file():
                digest.update(incremental.file_digest(path).encode())
        rows.append((t("provenance.dataset", dataset=entry.description or name),
                     digest.hexdigest()[:16]))
    rows += [(t("provenance.language_model", dataset=description), model)
             for description, model in language_models(study)]
    return pd.DataFrame(rows, columns=["record", "value"])


def language_models(study: Study) -> list[tuple[str, str]]:
    """The exact language model (``fr_core_news_sm 3.8.0``) that found the themes of each
    coding with a themes file, by the description of the coding: the method sentence of
    the questionnaire names it in words, the provenance annex keeps the identifier."""
    from civeval.qual.themebook import read_themes

    found = []
    for name, entry in study.config.data.items():
        themes = entry.options.get("themes") if isinstance(entry.options, dict) else None
        if not themes or not (study.path / themes).is_file():
            continue
        model = read_themes(study.path / themes).discovery.get("lemmas")
        if model:
            found.append((entry.description or name, str(model)))
    return found


def links(study: Study) -> report.HTML:
    """Links to the PDF and its Word version (made once this page is rendered), the action
    plan workbook when it was exported, and the run's status page."""
    t = study.t
    items = [(f"{MAIN}.pdf", t("synthesis.link_pdf")), (f"{MAIN}.docx", t("synthesis.link_docx"))]
    if (study.output_dir / ACTION_PLAN_FILE).is_file():
        items.append((ACTION_PLAN_FILE, t("synthesis.link_plan")))
    items.append(("execution.html", t("synthesis.link_status")))
    return report.HTML("".join(report.link(href, text).data for href, text in items))
