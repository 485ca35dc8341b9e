"""Read participatory-budget votes in the Pabulib format (``.pb``).

A Pabulib file has three ``;``-separated sections, each opened by a line that says just its
name, the next line being its header::

    META
    key;value
    vote_type;cumulative
    PROJECTS
    project_id;cost;votes;score;name;subunit
    4;390000;2;5;Tous à la Ramée à vélo;PRADETTES
    VOTES
    voter_id;vote;points
    0;4,16;3,2

``vote`` lists the chosen project ids, separated by commas, in the voter's order (a rank for
ordinal votes); ``points`` gives, for cumulative and scoring votes, the points of each of them.
Decidim's budgets module exports this format, and Pabulib publishes real French files
(Toulouse 2019, 2022 city-wide and by district, 2024).

Never add up district files: one voter can vote in several districts, so their sum counts
people twice. Read the city-wide file for turnout and each district file for its own results.

Why not ``pabutools`` (1.2) for reading: its parser builds one Python object per ballot
with exact fractions (gmpy2) and deep-copies the whole profile, so a synthetic file of
100,000 voters and 300 projects takes 13 s to read, against under 2 s here; and it stops on
the first problem without telling the line. This reader keeps the votes in a pandas table
(one row per voter, ballots as lists) and locates every error. ``pabutools`` runs the vote
rules instead (:mod:`civeval.participation.winners`), from these tables.

The reader also checks the file against its own META: ``num_projects`` and ``num_votes``
must be the number of rows of PROJECTS and VOTES, or the file was cut or merged badly.

The catalogue format ``pabulib`` (suffix ``.pb``) is :func:`read_pabulib_projects`: the
projects table with the counts of :func:`pabulib_vote_counts`. :func:`summarise_pabulib` is
what analyses of several files work from: the META, the projects with their counts and the
voters' attributes (age, sex, voting method...) without the ballots, kept in memory per file
(and file version) so that validating a study and running its sections read each file once.
Notebooks wanting the ballots read the file with :func:`read_pabulib`, from
``study.dataset_path(name)``.
"""

from __future__ import annotations

import csv
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

import numpy as np
import pandas as pd

from civeval.errors import CatalogError

SECTIONS = ("META", "PROJECTS", "VOTES")
VOTE_TYPES = ("approval", "choose-1", "ordinal", "cumulative", "scoring")
# Keys of META whose value is a number, per the Pabulib format description.
NUMERIC_META = frozenset({
    "num_projects", "num_votes", "budget", "min_length", "max_length", "min_sum_cost",
    "max_sum_cost", "min_points", "max_points", "min_sum_points", "max_sum_points",
    "default_score", "min_project_cost", "max_project_cost", "min_project_score_threshold",
})
# Columns that hold identifiers or words even when every value looks like a number.
TEXT_COLUMNS = frozenset({
    "project_id", "voter_id", "public_id", "name", "category", "categories", "target",
    "targets", "subunit", "district", "neighborhood", "subdistrict", "proposer", "sex",
    "voting_method", "vote", "points",
})
# META counts checked against the sections: key, section, what a row of it is.
COUNTS = (("num_projects", "PROJECTS", "projects"), ("num_votes", "VOTES", "votes"))
# Summaries kept in memory (see summarise_pabulib): a study of 3 editions × 21 files fits.
SUMMARIES_KEPT = 128
# Pabulib writes "None" where a value is unknown.
_MISSING = frozenset({"", "None", "none", "NONE"})
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")


@dataclass
class PabulibElection:
    """One participatory-budget vote read from a Pabulib file.

    Attributes
    ----------
    meta : dict
        The META section; numeric keys (``budget``, ``max_sum_points``...) as numbers, the
        others as text.
    projects : pandas.DataFrame
        One row per project, indexed by its line in the file: ``project_id`` (text),
        ``cost`` (number) and the other columns of the file; numeric ones (``votes``,
        ``score``, ``selected``...) as numbers, identifiers and names as text.
        ``proposer`` often holds a person's name: keep it out of published tables.
    votes : pandas.DataFrame
        One row per voter, indexed by line: ``voter_id`` (text), ``vote`` (list of project
        ids in the file's order, the ranking for ordinal votes), ``points`` (list of
        numbers aligned with ``vote``) when the file has it, and the other columns
        (``age``, ``sex``, ``voting_method``...).
    path : pathlib.Path
        The file read.
    meta_lines : dict
        The line of each META key in the file, to locate what a key says.
    """

    meta: dict
    projects: pd.DataFrame
    votes: pd.DataFrame
    path: Path
    meta_lines: dict = field(default_factory=dict)

    @property
    def vote_type(self) -> str | None:
        """``approval``, ``ordinal``, ``cumulative``, ``scoring`` or ``choose-1``."""
        return self.meta.get("vote_type")

    @property
    def budget(self) -> float | None:
        """The amount to spend (META ``budget``)."""
        return self.meta.get("budget")


def read_pabulib(path: str | Path) -> PabulibElection:
    """Read a Pabulib ``.pb`` file.

    Parameters
    ----------
    path : path
        The file, UTF-8 (with or without BOM).

    Returns
    -------
    PabulibElection

    Raises
    ------
    CatalogError
        With the file and the line: the file is empty or not UTF-8; a section is missing or
        repeated; a row has the wrong number of fields; a required column (``project_id``,
        ``cost``, ``voter_id``, ``vote``, ``points`` for cumulative and scoring votes) is
        missing; a cost or a META number is not a number; a project id or voter id appears
        twice; a ballot names an unknown project or the same project twice; points do not
        match the projects voted for; META ``num_projects`` or ``num_votes`` is not the
        number of rows of PROJECTS or VOTES (located on its META line, with both counts).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "bp.pb"
    >>> _ = path.write_text("META\\nkey;value\\nvote_type;cumulative\\nbudget;1000\\n"
    ...                     "PROJECTS\\nproject_id;cost;name\\n1;600;Parc\\n2;400;Vélos\\n"
    ...                     "VOTES\\nvoter_id;vote;points\\nv1;2,1;3,1\\nv2;1;4\\n",
    ...                     encoding="utf-8")
    >>> election = read_pabulib(path)
    >>> election.meta["budget"], election.projects["cost"].tolist()
    (1000, [600, 400])
    >>> election.votes[["voter_id", "vote", "points"]].values.tolist()
    [['v1', ['2', '1'], [3, 1]], ['v2', ['1'], [4]]]
    """
    path = Path(path)
    lines = _lines(path)
    sections = _sections(lines, path)
    meta, meta_lines = _meta(sections["META"], path)
    projects = _projects(sections["PROJECTS"], path)
    votes = _votes(sections["VOTES"], path, projects, meta.get("vote_type"))
    _check_counts(meta, meta_lines, {"PROJECTS": len(projects), "VOTES": len(votes)}, path)
    return PabulibElection(meta, projects, votes, path, meta_lines)


def pabulib_vote_counts(election: PabulibElection) -> pd.DataFrame:
    """Voters and points of each project, in the order of the PROJECTS section.

    Returns
    -------
    pandas.DataFrame
        ``project_id``; ``voters``, the ballots that name the project; ``points``, the sum
        of its points (the number of voters when ballots carry no points: one point per
        approval); ``voter_share``, voters ÷ all ballots (0 to 1). A project nobody chose
        has 0.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "bp.pb"
    >>> _ = path.write_text("META\\nkey;value\\nvote_type;cumulative\\n"
    ...                     "PROJECTS\\nproject_id;cost\\n1;600\\n2;400\\n3;100\\n"
    ...                     "VOTES\\nvoter_id;vote;points\\nv1;2,1;3,1\\nv2;1;4\\n",
    ...                     encoding="utf-8")
    >>> pabulib_vote_counts(read_pabulib(path)).values.tolist()
    [['1', 2, 5, 1.0], ['2', 1, 3, 0.5], ['3', 0, 0, 0.0]]
    """
    votes = election.votes
    project_ids = election.projects["project_id"].to_numpy()
    # One item per (voter, project), as explode would give, but flattened and counted in C.
    flat = pd.Categorical(list(chain.from_iterable(votes["vote"])), categories=project_ids)
    voters = np.bincount(flat.codes, minlength=len(project_ids))
    if "points" in votes.columns:
        weights = np.fromiter(chain.from_iterable(votes["points"]), dtype=float,
                              count=len(flat))
        points = np.bincount(flat.codes, weights=weights, minlength=len(project_ids))
        if np.array_equal(points, points.round()):
            points = points.astype("int64")
    else:
        points = voters.copy()
    share = voters / len(votes) if len(votes) else voters * 0.0
    return pd.DataFrame({"project_id": pd.Series(project_ids, dtype=str), "voters": voters,
                         "points": points, "voter_share": share})


def read_pabulib_projects(path: str | Path) -> pd.DataFrame:
    """The catalogue format ``pabulib``: the projects with their counted votes.

    The PROJECTS table of :func:`read_pabulib` with the columns ``voters``, ``points`` and
    ``voter_share`` of :func:`pabulib_vote_counts` added (a file's own ``votes`` and
    ``score`` columns are kept as published, so the two can be compared). The whole file is
    checked; ``attrs["meta"]`` holds the META section and ``attrs["voters"]`` the number of
    ballots (one per voter). The ``proposer`` column, a person's
    name in French files, is dropped: reports never show names. Each call returns a new
    table, made from :func:`summarise_pabulib`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "bp.pb"
    >>> _ = path.write_text("META\\nkey;value\\nvote_type;approval\\n"
    ...                     "PROJECTS\\nproject_id;cost;votes\\n1;600;2\\n2;400;1\\n"
    ...                     "VOTES\\nvoter_id;vote\\nv1;2,1\\nv2;1\\n", encoding="utf-8")
    >>> table = read_pabulib_projects(path)
    >>> table[["project_id", "votes", "voters"]].values.tolist()
    [['1', 2, 2], ['2', 1, 1]]
    """
    summary = summarise_pabulib(path)
    table = summary.projects.copy()
    table.attrs = {"meta": dict(summary.meta), "voters": summary.ballots}
    return table


@dataclass(frozen=True, eq=False)
class PabulibSummary:
    """What a Pabulib file says, without its ballots (see :func:`summarise_pabulib`).

    Shared by every caller: treat its tables as read-only (copy before changing them). Two
    summaries are equal only when they are the same object (one per file version), which
    lets results computed from one be kept by it.

    Attributes
    ----------
    path : pathlib.Path
        The file.
    meta, meta_lines : dict
        The META section and the line of each of its keys.
    projects : pandas.DataFrame
        The projects table of :func:`read_pabulib_projects`.
    voters : pandas.DataFrame
        One row per ballot with the voters' attributes the file gives (``age``, ``sex``,
        ``voting_method``, ``district``...), without ``voter_id``, ``vote`` and ``points``;
        no column when the file has none.
    scored : bool
        Whether the ballots carry points (cumulative, scoring, some ordinal files).
    """

    path: Path
    meta: dict
    meta_lines: dict
    projects: pd.DataFrame
    voters: pd.DataFrame
    scored: bool

    @property
    def ballots(self) -> int:
        """The number of ballots: one per voter of this file."""
        return len(self.voters)

    @property
    def vote_type(self) -> str | None:
        return self.meta.get("vote_type")

    @property
    def rule(self) -> str | None:
        return self.meta.get("rule")

    @property
    def budget(self) -> float | None:
        return self.meta.get("budget")


_summaries: OrderedDict[tuple, PabulibSummary] = OrderedDict()


# A ballot listing thousands of projects stays far below it; a line of 50 MB is not a ballot.
MAX_LINE_CHARS = 100_000


def summarise_pabulib(path: str | Path) -> PabulibSummary:
    """Read a Pabulib file (:func:`read_pabulib`, every check included) and keep what an
    analysis of several files needs: META, projects with their counts, voters' attributes.

    The summary of each file version (path, modification time, size) is kept in memory
    (the last :data:`SUMMARIES_KEPT` files): checking a study and running its sections, in
    the same process or in children forked from it, read each file once. A changed file is
    read again.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "bp.pb"
    >>> _ = path.write_text("META\\nkey;value\\nvote_type;approval\\nbudget;900\\n"
    ...                     "PROJECTS\\nproject_id;cost\\n1;600\\n2;400\\n"
    ...                     "VOTES\\nvoter_id;vote;sex\\nv1;2,1;F\\nv2;1;M\\n", encoding="utf-8")
    >>> summary = summarise_pabulib(path)
    >>> summary.ballots, summary.budget, summary.voters["sex"].tolist()
    (2, 900, ['F', 'M'])
    >>> summary.projects["voters"].tolist()
    [2, 1]
    >>> summarise_pabulib(path) is summary  # kept: the file has not changed
    True
    """
    path = Path(path)
    status = path.stat()
    key = (str(path.resolve()), status.st_mtime_ns, status.st_size)
    if key in _summaries:
        _summaries.move_to_end(key)
        return _summaries[key]
    election = read_pabulib(path)
    counts = pabulib_vote_counts(election)
    projects = election.projects.drop(columns="proposer", errors="ignore")
    for column in ("voters", "points", "voter_share"):
        projects[column] = counts[column].to_numpy()
    attributes = election.votes.drop(columns=["voter_id", "vote", "points"], errors="ignore")
    summary = PabulibSummary(path, dict(election.meta), dict(election.meta_lines), projects,
                             attributes.reset_index(drop=True),
                             "points" in election.votes.columns)
    _summaries[key] = summary
    while len(_summaries) > SUMMARIES_KEPT:
        _summaries.popitem(last=False)
    return summary


# --- the file and its sections ------------------------------------------------------------

def _lines(path: Path) -> list[str]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise CatalogError(f"cannot be decoded as UTF-8 (byte 0x{data[error.start]:02x}); "
                           "Pabulib files are UTF-8", file=path, row=line) from None
    if not text.strip():
        raise CatalogError("the file is empty", file=path)
    # Split on "\n" only, so that line numbers are the ones an editor shows.
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    for number, line in enumerate(lines, start=1):
        if len(line) > MAX_LINE_CHARS:
            raise CatalogError(f"line of {len(line):,} characters; a Pabulib line holds at "
                               f"most {MAX_LINE_CHARS:,} (a ballot of every project is far "
                               "shorter)", file=path, row=number)
    return [line[:-1] if line.endswith("\r") else line for line in lines]


@dataclass
class _Section:
    name: str
    line: int  # 1-based line of the section name
    lines: list[str]  # the header and the data, the header being on line ``line + 1``


def _section_name(line: str) -> str | None:
    # Spreadsheets save "META;;" for a row with one filled cell.
    name = line.strip().rstrip(";").strip().upper()
    return name if name in SECTIONS else None


def _sections(lines: list[str], path: Path) -> dict[str, _Section]:
    starts: list[tuple[str, int]] = []
    for number, line in enumerate(lines, start=1):
        name = _section_name(line)
        if name is None:
            if not starts and line.strip():
                raise CatalogError(
                    "the section META is missing: a Pabulib file starts with a line that says "
                    f"just META, not {line.strip()[:60]!r}", file=path, row=number)
            continue
        if any(seen == name for seen, _ in starts):
            raise CatalogError(f"the section {name} appears twice", file=path, row=number)
        starts.append((name, number))
    found = dict(starts)
    for name in SECTIONS:
        if name not in found:
            # Where the reader would have found it: the top for META, else the end.
            row = 1 if name == "META" else len(lines)
            raise CatalogError(
                f"the section {name} is missing: a Pabulib file has the sections META, "
                f"PROJECTS and VOTES, each opened by a line that says just its name",
                file=path, row=row)
    sections = {}
    ends = [number for _, number in starts[1:]] + [len(lines) + 1]
    for (name, start), end in zip(starts, ends, strict=True):
        body = lines[start:end - 1]
        if not body or not body[0].strip():
            raise CatalogError(f"the section {name} has no header line after it", file=path,
                               row=start)
        sections[name] = _Section(name, start, body)
    return sections


def _rows(section: _Section, path: Path) -> tuple[list[str], list[list[str]], np.ndarray]:
    """Header, rows and the line of each row; a quoted field may span lines."""
    reader = csv.reader(section.lines, delimiter=";", quotechar='"')
    header = [name.strip() for name in next(reader)]
    rows, numbers = [], []
    width = len(header)
    last = reader.line_num
    for row in reader:
        first = section.line + last + 1  # the record starts on the line after the last one
        last = reader.line_num
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != width:
            raise CatalogError(f"expected {width} fields separated by ';' as in the "
                               f"{section.name} header, found {len(row)}", file=path, row=first)
        rows.append(row)
        numbers.append(first)
    return header, rows, np.asarray(numbers, dtype="int64")


def _require(header: list[str], columns: tuple[str, ...], section: _Section, path: Path) -> None:
    absent = [column for column in columns if column not in header]
    if absent:
        raise CatalogError(f"the {section.name} header lacks the column(s) {', '.join(absent)}",
                           file=path, row=section.line + 1)
    seen = set()
    for name in header:
        if name in seen:
            raise CatalogError(f"the column {name!r} appears twice in the {section.name} header",
                               file=path, row=section.line + 1, column=name)
        seen.add(name)


def _number(text: str) -> int | float | None:
    text = text.strip()
    if not _NUMBER.match(text):
        return None
    value = float(text.replace(",", "."))
    return int(value) if value.is_integer() and "e" not in text.lower() else value


# --- META ---------------------------------------------------------------------------------

def _meta(section: _Section, path: Path) -> tuple[dict, dict]:
    """The META values, and the line of each key."""
    meta: dict = {}
    lines: dict = {}
    first = 0
    header = [cell.strip().lower() for cell in section.lines[0].split(";")]
    if header[:2] == ["key", "value"]:
        first = 1  # the usual "key;value" header; files without it start with data
    reader = csv.reader(section.lines[first:], delimiter=";", quotechar='"')
    last = reader.line_num
    for row in reader:
        number = section.line + 1 + first + last
        last = reader.line_num
        if not row or not row[0].strip():
            continue
        key = row[0].strip()
        value = ";".join(row[1:]).strip()
        lines[key] = number
        if key == "vote_type" and value not in VOTE_TYPES:
            raise CatalogError(f"unknown vote_type {value!r}; Pabulib knows "
                               f"{', '.join(VOTE_TYPES)}", file=path, row=number, column="value")
        if key in NUMERIC_META and value not in _MISSING:
            meta[key] = _number(value)
            if meta[key] is None:
                raise CatalogError(f"{key} must be a number, not {value!r}", file=path,
                                   row=number, column="value")
        else:
            meta[key] = value
    return meta, lines


def _check_counts(meta: dict, lines: dict, rows: dict[str, int], path: Path) -> None:
    """META ``num_projects`` and ``num_votes`` against the rows of their sections."""
    for key, section, what in COUNTS:
        declared = meta.get(key)
        if declared is not None and declared != rows[section]:
            raise CatalogError(
                f"META says {key};{declared} but the {section} section holds "
                f"{rows[section]} {what}: the file is cut, or its META is wrong",
                file=path, row=lines[key], column="value")


# --- PROJECTS -----------------------------------------------------------------------------

def _frame(header, rows, numbers) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=header, dtype=object)
    frame.index = pd.Index(numbers, name="line")
    for name in frame.columns:
        if name not in ("vote", "points"):  # those are split, and stripped, later
            frame[name] = [value.strip() for value in frame[name].to_numpy()]
    return frame


def _projects(section: _Section, path: Path) -> pd.DataFrame:
    header, rows, numbers = _rows(section, path)
    _require(header, ("project_id", "cost"), section, path)
    projects = _frame(header, rows, numbers)
    _unique(projects, "project_id", "project", path)
    for number, value in zip(numbers, projects["cost"], strict=True):
        if _number(value) is None:
            project = projects.at[number, "project_id"]
            raise CatalogError(f"the cost of project {project!r} must be a number, "
                               f"not {value!r}", file=path, row=int(number), column="cost")
    _convert_columns(projects)
    return projects


def _unique(frame: pd.DataFrame, column: str, what: str, path: Path) -> None:
    if frame[column].isin(("",)).any():
        number = int(frame.index[frame[column] == ""][0])
        raise CatalogError(f"a {what} has no {column}", file=path, row=number, column=column)
    repeated = frame[column].duplicated()
    if repeated.any():
        number = int(frame.index[repeated.to_numpy()][0])
        value = frame.at[number, column]
        first = int(frame.index[(frame[column] == value).to_numpy()][0])
        raise CatalogError(f"the {what} id {value!r} appears twice (first on line {first})",
                           file=path, row=number, column=column)


def _convert_columns(frame: pd.DataFrame) -> None:
    """Missing markers to NA; columns of numbers to numbers, except identifiers and text."""
    for name in frame.columns:
        if name in ("vote", "points"):
            continue
        column = frame[name].where(~frame[name].isin(_MISSING))
        values = column.dropna()
        if name in TEXT_COLUMNS or values.empty or not values.str.match(_NUMBER).all():
            # The constructor, unlike astype(str), keeps missing values missing.
            frame[name] = pd.Series(column.to_numpy(), index=frame.index, dtype=str)
            continue
        numbers = pd.to_numeric(column.str.replace(",", ".", regex=False))
        is_integer = numbers.dropna().eq(numbers.dropna().round()).all()
        frame[name] = numbers.astype("Int64") if is_integer else numbers
    if "cost" in frame.columns and frame["cost"].dtype == "Int64" and frame["cost"].notna().all():
        frame["cost"] = frame["cost"].astype("int64")


# --- VOTES --------------------------------------------------------------------------------

def _votes(section: _Section, path: Path, projects: pd.DataFrame,
           vote_type: str | None) -> pd.DataFrame:
    header, rows, numbers = _rows(section, path)
    _require(header, ("voter_id", "vote"), section, path)
    if vote_type in ("cumulative", "scoring") and "points" not in header:
        raise CatalogError(f"a {vote_type} vote needs a points column", file=path,
                           row=section.line + 1, column="points")
    votes = _frame(header, rows, numbers)
    _unique(votes, "voter_id", "voter", path)

    ballots = _split(votes["vote"])
    known = set(projects["project_id"])
    for index, ballot in enumerate(ballots):
        # issuperset and set() run in C: the loop costs little even for 100,000 voters.
        if not known.issuperset(ballot):
            unknown = next(project for project in ballot if project not in known)
            raise CatalogError(
                f"voter {votes['voter_id'].iat[index]!r} votes for project {unknown!r}, which "
                "is not in the PROJECTS section", file=path, row=int(numbers[index]),
                column="vote")
        if len(set(ballot)) != len(ballot):
            twice = next(project for project in ballot if ballot.count(project) > 1)
            raise CatalogError(
                f"voter {votes['voter_id'].iat[index]!r} names project {twice!r} twice",
                file=path, row=int(numbers[index]), column="vote")
    votes["vote"] = _object_column(ballots, votes.index)
    if "points" in votes.columns:
        votes["points"] = _object_column(_points(votes, ballots, numbers, path), votes.index)
    _convert_columns(votes)
    return votes


def _object_column(lists: list[list], index: pd.Index) -> pd.Series:
    """A column whose cells are lists (pandas would read equal-length lists as a table)."""
    cells = np.empty(len(lists), dtype=object)
    for position, value in enumerate(lists):
        cells[position] = value
    return pd.Series(cells, index=index, dtype=object)


def _split(column: pd.Series) -> list[list[str]]:
    """Each cell's comma-separated items; an empty cell (or "None") is an empty list."""
    cells = [text.split(",") if text and text not in _MISSING else []
             for text in column.to_numpy()]
    if any(" " in text for text in column.to_numpy() if text):
        cells = [[item.strip() for item in cell] for cell in cells]
    return cells


def _points(votes: pd.DataFrame, ballots: list[list[str]], numbers: np.ndarray,
            path: Path) -> list[list]:
    result = []
    for index, parts in enumerate(_split(votes["points"])):
        try:
            points = list(map(int, parts))
        except ValueError:
            points = [_number(part) for part in parts]
            if None in points:
                bad = parts[points.index(None)]
                raise CatalogError(
                    f"voter {votes['voter_id'].iat[index]!r} has points {bad!r}, not a number",
                    file=path, row=int(numbers[index]), column="points") from None
        if len(points) != len(ballots[index]):
            raise CatalogError(
                f"voter {votes['voter_id'].iat[index]!r} gives {len(points)} points for "
                f"{len(ballots[index])} projects", file=path, row=int(numbers[index]),
                column="points")
        result.append(points)
    return result
