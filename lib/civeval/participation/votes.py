"""Several vote files of one scheme: per edition, per district, winners, what changed.

A participatory budget publishes one Pabulib file per vote: one for the whole territory
(city-wide) and, where districts vote apart, one per district, every edition. Each file is
bound to an edition and a district (:func:`bind_vote`): by the catalogue when it says
(``edition:``, ``district:``), else by its META, ``instance`` for the edition and
``subunit`` (else ``district``) for the district. A file whose META names no district, or
names the study's own territory (the client), covers the whole territory.

What the files can and cannot say:

- **Voters** are counted from the city-wide file only. District files are never added up
  into voters: one person may vote in several districts. Their ballots are counted and
  labelled as ballots, per district.
- **Budget** of an edition: the city-wide file's envelope (which the district envelopes
  share), else the sum of the district files'; **per inhabitant**, ÷ the population of the
  territory that budget covers (the study's population, or the districts' own).
- **Winners** follow :mod:`civeval.participation.winners`.
- **What changed** between editions (vote type, rule, budget per inhabitant, number of
  district votes, duration of the vote) is :func:`edition_facts`, the facts that
  :mod:`civeval.participation.comparability` turns into the editions a trend may compare.

:func:`study_votes` reads and binds a study's vote datasets, refusing an edition label the
study does not declare and two files of the same edition and district.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd

from civeval.errors import CatalogError, combine
from civeval.participation import winners as rules
from civeval.participation.pabulib import PabulibSummary, summarise_pabulib
from civeval.territory import district_key, match_districts

__all__ = ["Vote", "bind_vote", "covers_territory", "district_population", "districts",
           "edition_facts", "editions", "outcomes", "study_votes", "vote_dates", "voters"]

# META keys naming the district a file covers, most specific first.
DISTRICT_KEYS = ("subunit", "district")
DEFAULT_CURRENCY = "EUR"  # the workbench's unit; Pabulib's French files say EUR
_DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y")


@dataclass(frozen=True)
class Vote:
    """One vote file bound to an edition and a district.

    Attributes
    ----------
    dataset : str
        Its name in the catalogue.
    summary : PabulibSummary
        What the file says (:func:`civeval.participation.pabulib.summarise_pabulib`).
    edition : str
        The edition's label.
    district : str or None
        The district it covers, as the file or the catalogue writes it; None for the whole
        territory.
    """

    dataset: str
    summary: PabulibSummary
    edition: str
    district: str | None = None

    @property
    def citywide(self) -> bool:
        return self.district is None

    @property
    def ballots(self) -> int:
        return self.summary.ballots

    @property
    def projects(self) -> int:
        return len(self.summary.projects)

    @property
    def budget(self) -> float | None:
        return self.summary.budget

    @property
    def currency(self) -> str:
        return str(self.summary.meta.get("currency") or DEFAULT_CURRENCY)


def covers_territory(name, territory: str | None, unit: str | None = None) -> bool:
    """Whether a file's district ``name`` is the study's whole ``territory``: the same
    name, or the name with the file's ``unit`` before or after it (« Warszawa-Wesoła »,
    « Wesoła (Warszawa) » for the district Wesoła of the unit Warszawa), compared with
    :func:`civeval.territory.district_key`.

    Examples
    --------
    >>> covers_territory("Wesoła", "Warszawa – Wesoła", unit="Warszawa")
    True
    >>> covers_territory("6 - Saint-Cyprien", "Toulouse", unit="Toulouse")
    False
    """
    if not territory:
        return False
    key = district_key(territory)
    forms = {district_key(name)}
    if unit:
        forms |= {district_key(f"{unit} {name}"), district_key(f"{name} {unit}")}
    return key in forms


def bind_vote(summary: PabulibSummary, dataset: str, *, edition: str | None = None,
              district: str | None = None, territory: str | None = None) -> Vote:
    """The file bound to its edition and district: ``edition`` and ``district`` when given
    (the catalogue's), else its META ``instance`` and ``subunit`` or ``district``; a META
    district that names the ``territory`` (:func:`covers_territory`) is the whole territory.

    Raises
    ------
    CatalogError
        When neither the catalogue nor META ``instance`` gives the edition.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> file = SimpleNamespace(meta={"instance": 2024, "unit": "Warszawa",
    ...                              "subunit": "Wesoła"}, path="w.pb")
    >>> vote = bind_vote(file, "vote_2024", territory="Warszawa-Wesoła")
    >>> vote.edition, vote.district, vote.citywide
    ('2024', None, True)
    >>> bind_vote(file, "vote_2024", territory="Warszawa").district
    'Wesoła'
    """
    meta = summary.meta
    label = edition if edition is not None else meta.get("instance")
    if label in (None, ""):
        raise CatalogError("META has no instance: bind the file to its edition in the "
                           "catalogue (edition: ...)", file=summary.path)
    if district is None:
        named = next((meta[key] for key in DISTRICT_KEYS if meta.get(key)), None)
        if named is not None and not covers_territory(named, territory, meta.get("unit")):
            district = str(named)
    return Vote(dataset, summary, _label(label), district)


def _label(value) -> str:
    """An edition label: 2024, never 2024.0."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def vote_dates(meta: dict) -> tuple[date | None, date | None]:
    """First and last day of the vote, from META ``date_begin`` and ``date_end``
    (``dd.mm.yyyy`` as Pabulib writes them, ISO dates, or a year: its first and last day).

    Examples
    --------
    >>> vote_dates({"date_begin": "11.09.2019", "date_end": "15.10.2019"})
    (datetime.date(2019, 9, 11), datetime.date(2019, 10, 15))
    >>> vote_dates({"date_begin": "2019"})
    (datetime.date(2019, 1, 1), None)
    """
    return _date(meta.get("date_begin"), first=True), _date(meta.get("date_end"), first=False)


def _date(value, first: bool) -> date | None:
    text = str(value).strip() if value is not None else ""
    if re.fullmatch(r"\d{4}", text):
        return date(int(text), 1, 1) if first else date(int(text), 12, 31)
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _joined(values) -> str | None:
    """The one value all files agree on, else each value once, in order."""
    known = list(dict.fromkeys(str(v) for v in values if v not in (None, "")))
    return " / ".join(known) if known else None


def editions(votes: list[Vote], population: float,
             district_population: dict[str, float] | None = None) -> pd.DataFrame:
    """One row per edition: voters, turnout, projects, budget and rules of its vote.

    Parameters
    ----------
    votes : list of Vote
        The scheme's files, in the editions' order.
    population : float
        The study's total population.
    district_population : dict, optional
        Inhabitants of each district, keyed as the files' districts are
        (:func:`district_population`).

    Returns
    -------
    DataFrame
        ``edition``; ``voters`` (ballots of the city-wide file; missing without one) and
        ``turnout`` (voters ÷ population); ``district_votes`` (district files) and
        ``district_ballots`` (their ballots added up: ballots, not people);
        ``projects`` and ``budget`` (the city-wide file's, else the district files' added
        up), ``currency``, ``budget_per_inhabitant`` (budget ÷ the population it covers:
        the study's, else the districts' when all are known); ``vote_type`` and ``rule``;
        ``date_begin``, ``date_end`` and ``duration_days`` (both days counted).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from civeval.participation.pabulib import summarise_pabulib
    >>> def vote(name, budget, ballots, district=None):
    ...     path = pathlib.Path(tempfile.mkdtemp()) / f"{name}.pb"
    ...     _ = path.write_text(f"META\\nkey;value\\ninstance;2024\\nbudget;{budget}\\n"
    ...                         "vote_type;approval\\nPROJECTS\\nproject_id;cost\\n1;100\\n"
    ...                         "VOTES\\nvoter_id;vote\\n" + "".join(
    ...                             f"v{i};1\\n" for i in range(ballots)), encoding="utf-8")
    ...     return bind_vote(summarise_pabulib(path), name, district=district)
    >>> votes = [vote("city", 1000, 900), vote("nord", 400, 500, district="Nord")]
    >>> table = editions(votes, population=10_000)
    >>> print(table[["voters", "turnout", "district_ballots", "budget_per_inhabitant"]])
       voters  turnout  district_ballots  budget_per_inhabitant
    0     900     0.09               500                    0.1
    """
    rows = []
    for label in dict.fromkeys(vote.edition for vote in votes):
        group = [vote for vote in votes if vote.edition == label]
        city = next((vote for vote in group if vote.citywide), None)
        parts = [vote for vote in group if not vote.citywide]
        counted = [city] if city is not None else parts
        budgets = [vote.budget for vote in counted]
        budget = float(sum(budgets)) if None not in budgets else np.nan
        covered = population if city is not None else _covered(parts, district_population)
        begins, ends = zip(*(vote_dates(vote.summary.meta) for vote in counted), strict=True)
        begin = min((d for d in begins if d), default=None)
        end = max((d for d in ends if d), default=None)
        rows.append({
            "edition": label,
            "voters": city.ballots if city is not None else pd.NA,
            "turnout": city.ballots / population if city is not None else np.nan,
            "district_votes": len(parts),
            "district_ballots": sum(vote.ballots for vote in parts) if parts else pd.NA,
            "projects": sum(vote.projects for vote in counted),
            "budget": budget,
            "currency": _joined(vote.currency for vote in counted),
            "budget_per_inhabitant": budget / covered if covered else np.nan,
            "vote_type": _joined(vote.summary.meta.get("vote_type") for vote in counted),
            "rule": _joined(vote.summary.meta.get("rule") for vote in counted),
            "date_begin": begin, "date_end": end,
            "duration_days": (end - begin).days + 1 if begin and end else pd.NA,
        })
    table = pd.DataFrame(rows, columns=[
        "edition", "voters", "turnout", "district_votes", "district_ballots", "projects",
        "budget", "currency", "budget_per_inhabitant", "vote_type", "rule", "date_begin",
        "date_end", "duration_days"])
    for column in ("voters", "district_ballots", "duration_days"):
        table[column] = table[column].astype("Int64")
    return table


def _covered(parts: list[Vote], district_population: dict[str, float] | None) -> float | None:
    """Inhabitants of the districts ``parts`` cover, when every one is known."""
    if not parts or not district_population:
        return None
    counts = [district_population.get(vote.district) for vote in parts]
    return float(sum(counts)) if None not in counts else None


def edition_facts(table: pd.DataFrame) -> pd.DataFrame:
    """The facts of :func:`editions` that say whether two editions compare
    (:func:`civeval.participation.comparability.rule_changes`): ``edition``,
    ``vote_type``, ``rule``, ``budget_per_inhabitant``, ``districts`` (district votes)
    and ``duration_days``.

    Examples
    --------
    >>> table = pd.DataFrame({"edition": ["2023", "2024"], "vote_type": ["approval"] * 2,
    ...     "rule": ["greedy", "greedy-exclusive"], "budget_per_inhabitant": [33.2, 40.6],
    ...     "district_votes": [0, 0], "duration_days": [16, 16]})
    >>> edition_facts(table).columns.tolist()
    ['edition', 'vote_type', 'rule', 'budget_per_inhabitant', 'districts', 'duration_days']
    """
    facts = table[["edition", "vote_type", "rule", "budget_per_inhabitant", "district_votes",
                   "duration_days"]].rename(columns={"district_votes": "districts"})
    facts = facts.astype({"duration_days": "Float64"}).astype(object)
    return facts.where(facts.notna(), None)


def district_population(votes: list[Vote], population: pd.DataFrame,
                        file=None) -> dict[str, float]:
    """Inhabitants of each district of the files, from a population table.

    The files' districts are matched with the table's first column (or ``district``) by
    :func:`civeval.territory.match_districts` (codes, names without case, accents or a
    leading « quartier »; « 6 - Saint-Cyprien » as its code or its name).

    Parameters
    ----------
    population : DataFrame
        One row per district: its name (first column) and ``population`` (else the
        second column).
    file : path, optional
        The population table's file, named in the error.

    Returns
    -------
    dict
        Each district as the files write it → its inhabitants.

    Raises
    ------
    CatalogError
        Listing every district of the files that the table lacks.
    """
    names = pd.Series(sorted({vote.district for vote in votes if not vote.citywide}),
                      dtype=object)
    if names.empty:
        return {}
    mapping = match_districts(names, population, file="the vote files",
                              reference_file=file, first_line=None)
    key = population.columns[0]
    value = "population" if "population" in population.columns else population.columns[1]
    inhabitants = dict(zip(population[key].astype(str), population[value], strict=True))
    return {name: float(inhabitants[found]) for name, found in mapping.items()}


def districts(votes: list[Vote], district_population: dict[str, float] | None = None
              ) -> pd.DataFrame:
    """One row per district file: its ballots, projects, budget, winners and rates.

    Returns
    -------
    DataFrame
        ``edition``, ``district``, ``dataset``, ``ballots`` (one per voter of that
        district's vote), ``projects``, ``budget``, ``currency``, ``winners``, ``spent``
        (winners' cost, :mod:`civeval.participation.winners`), ``population`` (when
        known), ``turnout`` (ballots ÷ population) and ``budget_per_inhabitant``; empty
        without district files.

    Examples
    --------
    >>> districts([]).columns.tolist()[:4]
    ['edition', 'district', 'dataset', 'ballots']
    """
    rows = []
    for vote in votes:
        if vote.citywide:
            continue
        result = rules.outcome(rules.winners(vote.summary), vote.budget)
        inhabitants = (district_population or {}).get(vote.district, np.nan)
        rows.append({
            "edition": vote.edition, "district": vote.district, "dataset": vote.dataset,
            "ballots": vote.ballots, "projects": vote.projects,
            "budget": vote.budget if vote.budget is not None else np.nan,
            "currency": vote.currency, "winners": result["winners"],
            "spent": result["spent"], "population": inhabitants,
            "turnout": vote.ballots / inhabitants if inhabitants else np.nan,
            "budget_per_inhabitant": (vote.budget / inhabitants
                                      if inhabitants and vote.budget is not None
                                      else np.nan)})
    table = pd.DataFrame(rows, columns=[
        "edition", "district", "dataset", "ballots", "projects", "budget", "currency",
        "winners", "spent", "population", "turnout", "budget_per_inhabitant"])
    table["winners"] = table["winners"].astype("Int64")
    return table


def outcomes(votes: list[Vote]) -> pd.DataFrame:
    """Winners and budget spent, one row per file.

    Returns
    -------
    DataFrame
        ``edition``, ``district`` (missing for the city-wide file), ``dataset``, ``rule``,
        ``source`` of the winners (``file``: its ``selected`` column; ``rule``: computed;
        missing: unknown), ``problem`` (why they could not be computed,
        :data:`civeval.participation.winners.PROBLEMS`), ``winners``, ``budget``,
        ``spent``, ``spent_share`` (spent ÷ budget), ``top_share`` (share of winners among
        the most-voted projects) and ``currency``.
    """
    rows = []
    for vote in votes:
        table = rules.winners(vote.summary)
        rows.append({"edition": vote.edition, "district": vote.district,
                     "dataset": vote.dataset, "rule": vote.summary.rule,
                     "source": table.attrs["source"], "problem": table.attrs["problem"],
                     **rules.outcome(table, vote.budget), "currency": vote.currency})
    table = pd.DataFrame(rows, columns=[
        "edition", "district", "dataset", "rule", "source", "problem", "winners", "budget",
        "spent", "spent_share", "top_share", "currency"])
    table["winners"] = table["winners"].astype("Int64")
    return table


def voters(votes: list[Vote]) -> pd.DataFrame:
    """The voters of the city-wide files with the attributes their ballots carry.

    Returns
    -------
    DataFrame
        One row per ballot of a city-wide file (one per voter): ``edition`` and the
        file's voter columns (``age``, ``sex``, ``voting_method``...); district files are
        left out (their voters may be counted twice).
    """
    frames = [vote.summary.voters.assign(edition=vote.edition) for vote in votes
              if vote.citywide]
    if not frames:
        return pd.DataFrame({"edition": pd.Series(dtype=object)})
    table = pd.concat(frames, ignore_index=True)
    return table[["edition", *[c for c in table.columns if c != "edition"]]]


# --- a study's vote files -------------------------------------------------------------------

def study_votes(study, names=None, scheme: str | None = None) -> list[Vote]:
    """A study's vote datasets, read and bound to their editions and districts.

    Parameters
    ----------
    study : Study
        The study (:func:`civeval.load_study`).
    names : str or list of str, optional
        Catalogue names; by default every vote dataset of the catalogue.
    scheme : str, optional
        The scheme they measure; by default the scheme each dataset is bound to, else the
        study's only one.

    Returns
    -------
    list of Vote
        In the order of the scheme's editions (undeclared ones last), the city-wide file
        of an edition first, then its districts by name.

    Raises
    ------
    CatalogError
        An edition label (META ``instance``) that the scheme does not declare, located on
        its META line; two files of the same edition and district.
    """
    from civeval.workbench.paths import display_path

    if names is None:
        names = [name for name in study.config.data if study.dataset_kind(name) == "vote"]
    names = [names] if isinstance(names, str) else list(names)
    votes, problems = [], []
    for name in names:
        entry = study.config.data[name]
        path = study.dataset_path(name)
        try:
            summary = summarise_pabulib(path)
            vote = bind_vote(summary, name, edition=entry.edition, district=entry.district,
                             territory=study.client.name)
        except CatalogError as error:
            error.file, error.study = display_path(error.file or path), study.slug
            problems.append(error)
            continue
        declared = _declared(study, scheme or entry.scheme)
        if entry.edition is None and vote.edition not in declared:
            problems.append(CatalogError(
                f"edition {vote.edition!r} (META instance) is not an edition of the scheme in "
                f"study.yml (its editions: {', '.join(declared) or 'none'}): declare it, or "
                f"bind data.{name} to an edition in the catalogue (edition: ...)",
                file=display_path(path), row=summary.meta_lines.get("instance"),
                column="value", study=study.slug))
            continue
        votes.append(vote)
    problems += _duplicates(votes, study)
    if problems:
        raise combine(problems)
    order = {label: index for index, label in enumerate(_declared(study, scheme))}
    return sorted(votes, key=lambda v: (order.get(v.edition, len(order)), v.edition,
                                        not v.citywide, district_key(v.district or "")))


def _declared(study, scheme: str | None) -> list[str]:
    """The edition labels of the scheme, else of every scheme of the study."""
    schemes = [study.scheme(scheme)] if scheme is not None else study.schemes
    return list(dict.fromkeys(e.label for s in schemes for e in s.editions))


def _duplicates(votes: list[Vote], study) -> list[CatalogError]:
    from civeval.workbench.paths import display_path

    seen: dict[tuple, str] = {}
    problems = []
    for vote in votes:
        key = (vote.edition, district_key(vote.district) if vote.district else None)
        if key in seen:
            where = f"district {vote.district!r}" if vote.district else "the whole territory"
            problems.append(CatalogError(
                f"data.{vote.dataset} and data.{seen[key]} are both the vote of edition "
                f"{vote.edition}, {where}: keep one, or bind each to its own edition or "
                "district in the catalogue", file=display_path(study.study_file),
                study=study.slug))
        seen[key] = vote.dataset
    return problems
