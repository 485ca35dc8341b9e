"""The winners of a participatory-budget vote: read from its file, or computed with its rule.

A Pabulib file names the rule that funded its projects (META ``rule``) and often says which
projects won (PROJECTS ``selected``: 1 funded, 0 not; other values flag special cases that
its ``comment`` explains, and are not counted as winners). When ``selected`` is absent,
the winners are computed with the file's rule by ``pabutools``, which implements the rules
of the Pabulib format:

- ``greedy``: the projects by decreasing score (approvals, or points for cumulative and
  scoring votes), each funded when it still fits in what is left of the budget; of two
  projects with the same score, the one listed first in the file comes first, as in
  Pabulib's own checker;
- ``greedy-threshold``: the same among the projects whose score reaches META
  ``min_project_score_threshold``;
- ``equalshares``: the method of equal shares for approval votes (each voter gets an equal
  share of the budget; a project is bought by its supporters' shares, one approval being
  one unit of satisfaction, as Pabulib's own checker counts it; ties go to the cheaper
  project, then to the more approved);
- ``equalshares/add1``: the same, the voters' shares raised by one unit at a time while the
  outcome still fits in the budget (``pabutools``' iterated variant): exact, but it runs the
  method once per unit, tens of seconds on a real file.

Any other rule is not guessed: ``greedy-exclusive`` is greedy where some projects exclude
each other (they concern the same place) and the city's hierarchy decides between them; the
file does not say which projects conflict, so its winners can be taken only from
``selected``. For such files, and files without rule or budget, :func:`winners` says why
(:data:`PROBLEMS`) instead of computing.

The greedy rule depends on each project's total score only: ``pabutools`` gets one
cardinal ballot holding the totals, with a satisfaction of score × cost, so that its greedy
rule (highest satisfaction per euro first) takes the highest score first. The outcome is the
same as from the ballots, and a file of 100,000 voters costs no more than one of 10.

:func:`recomputed_winners` is what the plausibility check compares with ``selected``.
"""

from __future__ import annotations

from functools import cache, lru_cache

import numpy as np
import pandas as pd

from civeval.participation.pabulib import SUMMARIES_KEPT, PabulibSummary, read_pabulib

__all__ = ["PROBLEMS", "RULES", "outcome", "recomputed_winners", "rule_problem", "winners"]

GREEDY_RULES = ("greedy", "greedy-threshold")
EQUAL_SHARES_RULES = ("equalshares", "equalshares/add1")
RULES = GREEDY_RULES + EQUAL_SHARES_RULES
# Vote types whose ballots are approvals: equal shares is defined for them only.
APPROVALS = ("approval", "choose-1")
# Why a file's winners cannot be computed (keys of participation.rule_problem.<code>).
PROBLEMS = ("no_rule", "exclusive", "unknown_rule", "vote_type", "no_budget", "no_threshold")


def rule_problem(summary: PabulibSummary) -> str | None:
    """Why the file's rule cannot be run on it, as a code of :data:`PROBLEMS`; None when
    it can.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> file = SimpleNamespace(rule="greedy-exclusive", vote_type="approval", budget=1000,
    ...                        meta={}, scored=False)
    >>> rule_problem(file)
    'exclusive'
    """
    rule, vote_type = summary.rule, summary.vote_type
    if rule in (None, "", "unknown"):
        return "no_rule"
    if rule == "greedy-exclusive":
        return "exclusive"
    if rule not in RULES:
        return "unknown_rule"
    if summary.budget is None:
        return "no_budget"
    if rule in EQUAL_SHARES_RULES and vote_type not in APPROVALS:
        return "vote_type"
    if rule in GREEDY_RULES and vote_type == "ordinal" and not summary.scored:
        return "vote_type"  # an ordinal file without points gives no score
    if rule == "greedy-threshold" and summary.meta.get("min_project_score_threshold") is None:
        return "no_threshold"
    return None


@lru_cache(maxsize=SUMMARIES_KEPT)
def recomputed_winners(summary: PabulibSummary) -> tuple[str, ...] | None:
    """The project ids the file's rule funds, computed by ``pabutools``, in the order the
    rule funds them; None when the rule cannot be run (:func:`rule_problem`).

    Kept per summary (one per file version): a check and a section ask once.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from civeval.participation.pabulib import summarise_pabulib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "bp.pb"
    >>> _ = path.write_text("META\\nkey;value\\nvote_type;approval\\nbudget;1000\\n"
    ...                     "rule;greedy\\nPROJECTS\\nproject_id;cost\\na;700\\nb;400\\n"
    ...                     "c;300\\nVOTES\\nvoter_id;vote\\n1;a,b\\n2;a,c\\n3;a,b,c\\n"
    ...                     "4;b\\n", encoding="utf-8")
    >>> recomputed_winners(summarise_pabulib(path))  # a, b: 3 votes; c: 2
    ('a', 'c')

    a and b tie: the one listed first in the file comes first; b then no longer fits, c does.
    """
    if rule_problem(summary) is not None:
        return None
    if summary.rule in GREEDY_RULES:
        return _greedy(summary)
    return _equal_shares(summary)


def _instance(projects: pd.DataFrame, budget):
    from pabutools.election import Instance, Project
    from pabutools.fractions import str_as_frac

    # Exact fractions from the written numbers: 25000.5 stays 25000.5.
    items = {pid: Project(pid, str_as_frac(str(cost)))
             for pid, cost in zip(projects["project_id"], projects["cost"], strict=True)}
    return Instance(items.values(), budget_limit=str_as_frac(str(budget))), items


def _greedy(summary: PabulibSummary) -> tuple[str, ...]:
    from pabutools.election import CardinalBallot, CardinalProfile
    from pabutools.rules import greedy_utilitarian_welfare

    projects = summary.projects
    threshold = summary.meta.get("min_project_score_threshold")
    if summary.rule == "greedy-threshold":
        projects = projects[projects["points"] >= threshold]
    instance, items = _instance(projects, summary.budget)
    totals = CardinalBallot({items[pid]: int(score) if float(score).is_integer() else score
                             for pid, score in zip(projects["project_id"], projects["points"],
                                                   strict=True)})
    profile = CardinalProfile([totals], instance=instance)
    funded = greedy_utilitarian_welfare(instance, profile, sat_class=_score_times_cost_class(),
                                        tie_breaking=_file_order(summary))
    return tuple(project.name for project in funded)


def _file_order(summary: PabulibSummary):
    """Ties go to the project listed first in the file, as in Pabulib's own checker (a
    stable sort by score)."""
    from pabutools.tiebreaking import TieBreakingRule

    position = {pid: index for index, pid in enumerate(summary.projects["project_id"])}
    return TieBreakingRule(lambda instance, profile, project: position[project.name])


def _score_times_cost(instance, profile, ballot, project, precomputed_values):
    return ballot.get(project, 0) * project.cost


@cache
def _score_times_cost_class():
    """A pabutools satisfaction: a project's total score × its cost, so that greedy per
    euro on it is greedy on the score (made on first use: importing pabutools takes 0.3 s)."""
    from pabutools.election.satisfaction import AdditiveSatisfaction

    class ScoreTimesCost(AdditiveSatisfaction):
        def __init__(self, instance, profile, ballot):
            super().__init__(instance, profile, ballot, _score_times_cost)

    return ScoreTimesCost


def _equal_shares(summary: PabulibSummary) -> tuple[str, ...]:
    from pabutools.election import ApprovalMultiProfile, Cardinality_Sat, FrozenApprovalBallot
    from pabutools.rules import method_of_equal_shares
    from pabutools.tiebreaking import TieBreakingRule

    election = read_pabulib(summary.path)  # equal shares needs every ballot
    instance, items = _instance(summary.projects, summary.budget)
    profile = ApprovalMultiProfile(instance=instance)
    for ballot in election.votes["vote"]:
        profile.append(FrozenApprovalBallot([items[pid] for pid in ballot]))
    approvals = dict(zip(summary.projects["project_id"], summary.projects["voters"],
                         strict=True))
    # Pabulib's checker breaks ties for the cheaper project, then the more approved one.
    ties = TieBreakingRule(lambda inst, prof, project: (project.cost, -approvals[project.name],
                                                        project.name))
    funded = method_of_equal_shares(
        instance, profile, sat_class=Cardinality_Sat, tie_breaking=ties,
        voter_budget_increment=1 if summary.rule == "equalshares/add1" else None)
    return tuple(project.name for project in funded)


def winners(summary: PabulibSummary) -> pd.DataFrame:
    """Every project of the vote with its score, its rank and whether it won.

    Winners are the file's ``selected`` projects (``selected`` = 1) when the file says;
    else those its rule funds (:func:`recomputed_winners`); else unknown.

    Returns
    -------
    DataFrame
        One row per project, in the file's order: ``project_id``, ``name`` and ``district``
        when the file has them, ``cost``, ``voters`` (ballots naming it), ``points`` (its
        score: points, or approvals), ``rank`` (1 = highest score; ties share the best
        rank) and ``winner`` (boolean, missing when unknown). ``attrs``: ``source``
        (``"file"``, ``"rule"`` or None), ``rule`` and ``problem`` (a code of
        :data:`PROBLEMS` when the winners are unknown).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from civeval.participation.pabulib import summarise_pabulib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "bp.pb"
    >>> _ = path.write_text("META\\nkey;value\\nvote_type;approval\\nbudget;1000\\n"
    ...                     "rule;greedy\\nPROJECTS\\nproject_id;cost\\na;700\\nb;400\\n"
    ...                     "c;300\\nVOTES\\nvoter_id;vote\\n1;a,b\\n2;a,c\\n3;a,b,c\\n"
    ...                     "4;b\\n", encoding="utf-8")
    >>> table = winners(summarise_pabulib(path))
    >>> table[["project_id", "points", "rank", "winner"]].values.tolist()
    [['a', 3, 1, True], ['b', 3, 1, False], ['c', 2, 3, True]]
    >>> table.attrs["source"]
    'rule'
    """
    projects = summary.projects
    columns = [c for c in ("project_id", "name", "district", "cost", "voters", "points")
               if c in projects.columns]
    table = projects[columns].reset_index(drop=True)
    table["rank"] = table["points"].rank(method="min", ascending=False).astype("int64")
    problem = None
    if "selected" in projects.columns and projects["selected"].notna().any():
        source = "file"
        table["winner"] = (projects["selected"] == 1).fillna(False).to_numpy()
    else:
        funded = recomputed_winners(summary)
        problem = rule_problem(summary)
        source = "rule" if funded is not None else None
        table["winner"] = (table["project_id"].isin(funded).to_numpy() if funded is not None
                           else pd.array([pd.NA] * len(table), dtype="boolean"))
    table["winner"] = table["winner"].astype("boolean")
    table.attrs = {"source": source, "rule": summary.rule, "problem": problem}
    return table


def outcome(table: pd.DataFrame, budget) -> dict:
    """What the winners of one vote add up to, from a table of :func:`winners`.

    Returns
    -------
    dict
        ``winners`` (count), ``spent`` (their total cost), ``budget``, ``spent_share``
        (spent ÷ budget), ``top_share``: the share of winners among the most-voted
        projects, k winners being compared with the k highest scores (a project tied with
        the k-th counts as among them; 1 when the winners are exactly the most voted);
        every figure missing when the winners are unknown.

    Notes
    -----
    .. math:: \\text{top share} = \\frac{|\\{w \\in W : \\text{rank}(w) \\le |W|\\}|}{|W|}

    Examples
    --------
    >>> table = pd.DataFrame({"cost": [700, 400, 300], "rank": [1, 1, 3],
    ...                       "winner": [True, False, True]})
    >>> result = outcome(table, 1000)
    >>> result["winners"], result["spent"], result["spent_share"], result["top_share"]
    (2, 1000.0, 1.0, 0.5)
    """
    known = table["winner"].notna().all() if len(table) else False
    if not known:
        return {"winners": pd.NA, "spent": np.nan, "budget": budget, "spent_share": np.nan,
                "top_share": np.nan}
    won = table["winner"].astype(bool).to_numpy()
    count = int(won.sum())
    spent = float(table.loc[won, "cost"].sum())
    top = float((table.loc[won, "rank"] <= count).mean()) if count else np.nan
    share = spent / budget if budget else np.nan
    return {"winners": count, "spent": spent, "budget": budget, "spent_share": share,
            "top_share": top}
