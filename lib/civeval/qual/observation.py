"""Quality of exchanges, observed: who speaks and for how long at a meeting or a workshop.

An observer fills in the observation grid that ``civeval instrument`` writes
(``grille_observation.xlsx``), one sheet per table, one row per line:

===================  ==========================================================================
``seances``          ``seance`` (its name), ``date``, ``debut`` and ``fin`` (hh:mm)
``presents``         ``seance``, ``role``, ``genre``, ``age``, ``nombre``: how many people of
                     that role, gender and age band attended (facilitators not counted)
``interventions``    ``seance``, ``locuteur`` (a pseudonymous code, P01…, never a name),
                     ``role``, ``genre``, ``age``, ``debut``, ``fin`` (hh:mm:ss): one row
                     per turn; facilitators' turns have the role ``animation``
``evenements``       ``seance``, ``heure``, ``evenement`` (code: interruption, sans_reponse,
                     decision…), optional ``role``, ``commentaire``
===================  ==========================================================================

:func:`read_observation_grid` reads and checks it (:func:`read_observation` is the catalogue's
format ``observation``); one public function per statistic
returns a tidy table: :func:`speaking_representation` (speaking time and turns of each
group against its share of those present: a representation ratio, 1 being speech in
proportion to presence), :func:`speaking_concentration` (the share of speaking time held by
the 10 % who speak most, and the Gini coefficient, over everyone present, the silent
counting 0), :func:`facilitation_events` (events per hour of meeting). Groups of fewer
people than the study's threshold are suppressed (:func:`civeval.privacy.suppress_small_cells`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from civeval.errors import InstrumentError
from civeval.privacy.cells import THRESHOLD, suppress_small_cells
from civeval.qual.roles import ROLES, normalise_role

SHEETS = {
    "seances": ("seance", "date", "debut", "fin"),
    "presents": ("seance", "role", "genre", "age", "nombre"),
    "interventions": ("seance", "locuteur", "role", "genre", "age", "debut", "fin"),
    "evenements": ("seance", "heure", "evenement", "role", "commentaire"),
}
OPTIONAL = {"evenements": {"role", "commentaire"}, "seances": {"date"}}
FACILITATION = "animation"
GENDERS = {"f": "femme", "femme": "femme", "une femme": "femme", "h": "homme",
           "homme": "homme", "un homme": "homme", "m": "homme"}
GROUPINGS = ("role", "genre", "age")
_TIME = re.compile(r"^(\d{1,2})[:h](\d{2})(?::(\d{2}))?$")


@dataclass(frozen=True)
class ObservationGrid:
    """A filled observation grid: sessions (with their duration in hours), attendees by
    group, speaking turns (with their duration in seconds) and facilitation events."""

    sessions: pd.DataFrame
    attendees: pd.DataFrame
    turns: pd.DataFrame
    events: pd.DataFrame
    file: Path | None = None


def read_observation_grid(path: str | Path) -> ObservationGrid:
    """Read and check a filled observation grid (XLSX, the sheets of the module documentation).

    Raises
    ------
    InstrumentError
        Naming the file, the sheet's row and the column: a sheet or column missing, a time
        that is not hh:mm[:ss], a turn that ends before it starts, a session the ``seances``
        sheet lacks, a count that is not a whole number ≥ 0, an unknown role or gender.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "grille.xlsx"
    >>> with pd.ExcelWriter(path) as book:
    ...     pd.DataFrame({"seance": ["S1"], "debut": ["18:00"], "fin": ["20:00"]}
    ...                  ).to_excel(book, sheet_name="seances", index=False)
    ...     pd.DataFrame({"seance": ["S1"], "role": ["habitant"], "genre": ["F"], "age": ["30-44"],
    ...                   "nombre": [6]}).to_excel(book, sheet_name="presents", index=False)
    ...     pd.DataFrame({"seance": ["S1"], "locuteur": ["P01"], "role": ["Habitante"],
    ...                   "genre": ["F"], "age": ["30-44"], "debut": ["18:05:00"],
    ...                   "fin": ["18:06:30"]}).to_excel(book, sheet_name="interventions",
    ...                                                  index=False)
    >>> grid = read_observation_grid(path)
    >>> grid.turns[["role", "genre", "seconds"]].to_dict("records")
    [{'role': 'habitant', 'genre': 'femme', 'seconds': 90.0}]
    >>> float(grid.sessions["hours"].iloc[0])
    2.0
    """
    path = Path(path)
    try:
        with pd.ExcelFile(path, engine="openpyxl") as book:
            sheets = {name.strip().lower(): pd.read_excel(book, sheet_name=name, dtype=str)
                      .dropna(how="all") for name in book.sheet_names}
    except FileNotFoundError:
        raise InstrumentError("observation grid not found", file=path) from None
    except Exception as error:  # openpyxl raises many types for a corrupt file
        raise InstrumentError(f"cannot be opened as an XLSX workbook: {error}",
                              file=path) from None
    tables = {}
    for sheet, columns in SHEETS.items():
        if sheet not in sheets:
            if sheet == "evenements":
                sheets[sheet] = pd.DataFrame(columns=list(columns))
            else:
                raise InstrumentError(f"the observation grid has no sheet {sheet!r}", file=path)
        table = sheets[sheet]
        table.columns = [str(column).strip().lower() for column in table.columns]
        for column in columns:
            if column not in table.columns:
                if column in OPTIONAL.get(sheet, set()):
                    table[column] = None
                    continue
                raise InstrumentError(f"sheet {sheet}: no column {column!r} (columns: "
                                      f"{', '.join(columns)})", file=path, row=1, column=column)
        table = table[list(columns)].copy()
        table.index = table.index + 2  # the sheet's row numbers, header on row 1
        tables[sheet] = table
    sessions = _sessions(tables["seances"], path)
    known = set(sessions["seance"])
    for sheet in ("presents", "interventions", "evenements"):
        _known_sessions(tables[sheet], known, sheet, path)
    attendees = _groups(tables["presents"], "presents", path)
    attendees["nombre"] = [_count(value, row, path) for row, value in
                           attendees["nombre"].items()]
    turns = _groups(tables["interventions"], "interventions", path)
    start = _times(turns["debut"], "interventions", "debut", path)
    end = _times(turns["fin"], "interventions", "fin", path)
    backwards = end < start
    if backwards.any():
        row = backwards.idxmax()
        raise InstrumentError("sheet interventions: the turn ends before it starts",
                              file=path, row=row, column="fin")
    turns["seconds"] = (end - start).astype(float)
    events = tables["evenements"].copy()
    events["evenement"] = events["evenement"].astype(str).str.strip().str.lower()
    return ObservationGrid(sessions.reset_index(drop=True), attendees.reset_index(drop=True),
                           turns.reset_index(drop=True), events.reset_index(drop=True), path)


def read_observation(path: str | Path) -> pd.DataFrame:
    """The catalogue's reader of a filled observation grid (format ``observation``): its
    speaking turns, one row per turn, the whole grid in ``attrs["observation"]``
    (:func:`as_grid`), since a catalogue dataset is a table.

    Raises
    ------
    InstrumentError
        As :func:`read_observation_grid`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "grille.xlsx"
    >>> with pd.ExcelWriter(path) as book:
    ...     pd.DataFrame({"seance": ["S1"], "debut": ["18:00"], "fin": ["19:00"]}
    ...                  ).to_excel(book, sheet_name="seances", index=False)
    ...     pd.DataFrame({"seance": ["S1"], "role": ["élu"], "genre": ["H"], "age": ["60-74"],
    ...                   "nombre": [2]}).to_excel(book, sheet_name="presents", index=False)
    ...     pd.DataFrame({"seance": ["S1"], "locuteur": ["P01"], "role": ["élu"],
    ...                   "genre": ["H"], "age": ["60-74"], "debut": ["18:00"],
    ...                   "fin": ["18:10"]}).to_excel(book, sheet_name="interventions",
    ...                                               index=False)
    >>> turns = read_observation(path)
    >>> turns["seconds"].tolist(), float(as_grid(turns).sessions["hours"].iloc[0])
    ([600.0], 1.0)
    """
    grid = read_observation_grid(path)
    turns = grid.turns.copy()
    turns.attrs["observation"] = grid
    return turns


def as_grid(data: ObservationGrid | pd.DataFrame) -> ObservationGrid:
    """The observation grid of a catalogue dataset read by :func:`read_observation` (or the
    grid itself)."""
    if isinstance(data, ObservationGrid):
        return data
    grid = getattr(data, "attrs", {}).get("observation")
    if not isinstance(grid, ObservationGrid):
        raise TypeError("not an observation grid: catalogue it with format: observation")
    return grid


def _sessions(table: pd.DataFrame, path: Path) -> pd.DataFrame:
    start = _times(table["debut"], "seances", "debut", path)
    end = _times(table["fin"], "seances", "fin", path)
    if (end <= start).any():
        raise InstrumentError("sheet seances: the session ends before it starts", file=path,
                              row=(end <= start).idxmax(), column="fin")
    sessions = table.copy()
    sessions["seance"] = sessions["seance"].astype(str).str.strip()
    sessions["hours"] = (end - start) / 3600
    return sessions


def _known_sessions(table, known, sheet, path) -> None:
    table["seance"] = table["seance"].astype(str).str.strip()
    unknown = ~table["seance"].isin(known)
    if unknown.any():
        row = unknown.idxmax()
        raise InstrumentError(f"sheet {sheet}: session {table.loc[row, 'seance']!r} is not in "
                              f"the sheet seances ({', '.join(sorted(known))})", file=path,
                              row=row, column="seance")


def _groups(table: pd.DataFrame, sheet: str, path: Path) -> pd.DataFrame:
    """Role and gender brought to their canonical names; age band as written."""
    table = table.copy()
    roles, genders = [], []
    for row, value in table["role"].items():
        text = str(value).strip()
        role = FACILITATION if text.lower().startswith("anim") else normalise_role(text)
        if role is None:
            raise InstrumentError(f"sheet {sheet}: unknown role {text!r} "
                                  f"({', '.join([*ROLES, FACILITATION])})",
                                  file=path, row=row, column="role")
        roles.append(role)
    for row, value in table["genre"].items():
        gender = GENDERS.get(str(value).strip().lower())
        if gender is None:
            raise InstrumentError(f"sheet {sheet}: gender {value!r} is not F or H", file=path,
                                  row=row, column="genre")
        genders.append(gender)
    # Whole columns at once: a cell assigned per row costs a pandas indexing call each.
    table["role"], table["genre"] = roles, genders
    table["age"] = table["age"].astype(str).str.strip()
    return table


def _times(values: pd.Series, sheet: str, column: str, path: Path) -> pd.Series:
    """Seconds since midnight of hh:mm or hh:mm:ss (Excel's own times included)."""
    seconds = {}
    for row, value in values.items():
        text = str(value).strip()
        text = text.split(" ")[-1]  # a datetime Excel wrote for a time
        match = _TIME.match(text)
        if match is None:
            raise InstrumentError(f"sheet {sheet}: {value!r} is not a time (hh:mm or hh:mm:ss)",
                                  file=path, row=row, column=column)
        hours, minutes, secs = (int(part or 0) for part in match.groups())
        seconds[row] = hours * 3600 + minutes * 60 + secs
    return pd.Series(seconds, dtype=float)


def _count(value, row, path) -> int:
    text = str(value).strip()
    if not re.match(r"^\d+(\.0+)?$", text):
        raise InstrumentError(f"sheet presents: {value!r} is not a number of people",
                              file=path, row=row, column="nombre")
    return int(float(text))


# --- statistics -------------------------------------------------------------------------------

def speaking_representation(grid: ObservationGrid, by: str = "genre",
                            threshold: int = THRESHOLD) -> pd.DataFrame:
    """Speaking time and turns of each group against its share of those present.

    Facilitators are left out of both sides: the question is how participants share the
    floor.

    Parameters
    ----------
    grid : ObservationGrid
    by : {"genre", "role", "age"}
    threshold : int
        Groups of fewer people present are suppressed (and what would give them away).

    Returns
    -------
    DataFrame
        One row per group: ``attendees``, ``attendee_share``, ``speakers``, ``turns``,
        ``turn_share``, ``minutes``, ``time_share``, ``time_ratio`` (time share ÷ attendee
        share: 1 is speech in proportion to presence, 0.5 half of it), ``turn_ratio``,
        ``suppressed``.

    Examples
    --------
    >>> grid = ObservationGrid(
    ...     sessions=pd.DataFrame({"seance": ["S1"], "hours": [2.0]}),
    ...     attendees=pd.DataFrame({"seance": ["S1", "S1"], "role": ["habitant"] * 2,
    ...                             "genre": ["femme", "homme"], "age": ["30-44"] * 2,
    ...                             "nombre": [10, 10]}),
    ...     turns=pd.DataFrame({"seance": ["S1"] * 3, "locuteur": ["P1", "P2", "P3"],
    ...                         "role": ["habitant"] * 3, "genre": ["femme", "homme", "homme"],
    ...                         "age": ["30-44"] * 3, "seconds": [60.0, 120.0, 120.0]}),
    ...     events=pd.DataFrame(columns=["seance", "evenement"]))
    >>> speaking_representation(grid)[["genre", "time_share", "time_ratio"]].round(2)
       genre  time_share  time_ratio
    0  femme         0.2         0.4
    1  homme         0.8         1.6
    """
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {', '.join(GROUPINGS)}, not {by!r}")
    present = grid.attendees[grid.attendees["role"] != FACILITATION]
    turns = grid.turns[grid.turns["role"] != FACILITATION]
    attendees = present.groupby(by)["nombre"].sum()
    spoken = turns.groupby(by).agg(speakers=("locuteur", "nunique"), turns=("seconds", "size"),
                                   seconds=("seconds", "sum"))
    table = pd.concat([attendees.rename("attendees"), spoken], axis=1).fillna(0)
    table = table.rename_axis(by).reset_index()
    for column in ("attendees", "speakers", "turns"):
        table[column] = table[column].astype(int)
    table["attendee_share"] = table["attendees"] / table["attendees"].sum()
    table["turn_share"] = table["turns"] / max(table["turns"].sum(), 1)
    table["minutes"] = table["seconds"] / 60
    table["time_share"] = table["seconds"] / max(table["seconds"].sum(), 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        table["time_ratio"] = table["time_share"] / table["attendee_share"]
        table["turn_ratio"] = table["turn_share"] / table["attendee_share"]
    table = table[[by, "attendees", "attendee_share", "speakers", "turns", "turn_share",
                   "minutes", "time_share", "time_ratio", "turn_ratio"]]
    return suppress_small_cells(table, ["attendees"], threshold=threshold, dependent_columns=[
        "attendee_share", "speakers", "turns", "turn_share", "minutes", "time_share",
        "time_ratio", "turn_ratio"])


def speaking_concentration(grid: ObservationGrid, threshold: int = THRESHOLD) -> pd.DataFrame:
    """How concentrated speaking time is, per session: the share held by the 10 % of those
    present who speak most, and the Gini coefficient of speaking time over everyone present
    (the silent count 0; 0 is equal time for all, near 1 one person speaking).

    Returns
    -------
    DataFrame
        One row per session: ``attendees``, ``speakers``, ``minutes``, ``top10_share``,
        ``gini``, ``suppressed`` (sessions of fewer people than ``threshold``).

    Examples
    --------
    >>> grid = ObservationGrid(
    ...     sessions=pd.DataFrame({"seance": ["S1"], "hours": [1.0]}),
    ...     attendees=pd.DataFrame({"seance": ["S1"], "role": ["habitant"], "genre": ["femme"],
    ...                             "age": ["30-44"], "nombre": [10]}),
    ...     turns=pd.DataFrame({"seance": ["S1"] * 2, "locuteur": ["P1", "P2"],
    ...                         "role": ["habitant"] * 2, "genre": ["femme"] * 2,
    ...                         "age": ["30-44"] * 2, "seconds": [300.0, 100.0]}),
    ...     events=pd.DataFrame(columns=["seance", "evenement"]))
    >>> speaking_concentration(grid)[["top10_share", "gini"]].round(3).to_dict("records")
    [{'top10_share': 0.75, 'gini': 0.85}]
    """
    rows = []
    for session in grid.sessions["seance"]:
        present = grid.attendees[(grid.attendees["seance"] == session)
                                 & (grid.attendees["role"] != FACILITATION)]
        turns = grid.turns[(grid.turns["seance"] == session)
                           & (grid.turns["role"] != FACILITATION)]
        by_speaker = turns.groupby("locuteur")["seconds"].sum().to_numpy()
        attendees = max(int(present["nombre"].sum()), len(by_speaker))
        times = np.concatenate([by_speaker, np.zeros(attendees - len(by_speaker))])
        rows.append({"seance": session, "attendees": attendees, "speakers": len(by_speaker),
                     "minutes": times.sum() / 60, "top10_share": top_share(times, 0.1),
                     "gini": gini(times)})
    table = pd.DataFrame(rows, columns=["seance", "attendees", "speakers", "minutes",
                                        "top10_share", "gini"])
    return suppress_small_cells(table, ["attendees"], threshold=threshold,
                                dependent_columns=["speakers", "minutes", "top10_share",
                                                   "gini"], groups="seance")


def top_share(values, fraction: float = 0.1) -> float:
    """Share of the total held by the ``fraction`` largest values (at least one value).

    >>> top_share([5, 3, 1, 1, 0, 0, 0, 0, 0, 0])
    0.5
    """
    values = np.sort(np.asarray(values, dtype=float))[::-1]
    if len(values) == 0 or values.sum() == 0:
        return float("nan")
    count = max(1, math.ceil(fraction * len(values)))
    return float(values[:count].sum() / values.sum())


def gini(values) -> float:
    """Gini coefficient of non-negative values (0: all equal; (n − 1)/n: one holds all).

    >>> gini([1, 1, 1, 1]), gini([0, 0, 0, 4])
    (0.0, 0.75)
    """
    values = np.sort(np.asarray(values, dtype=float))
    n = len(values)
    if n == 0 or values.sum() == 0:
        return float("nan")
    ranks = np.arange(1, n + 1)
    return float(2 * (ranks * values).sum() / (n * values.sum()) - (n + 1) / n)


def facilitation_events(grid: ObservationGrid) -> pd.DataFrame:
    """Facilitation events (interruptions, questions left unanswered, decisions
    announced…) per hour of meeting, over every session observed.

    Returns
    -------
    DataFrame
        One row per event code: ``events``, ``hours`` (of every session), ``per_hour``.

    Examples
    --------
    >>> grid = ObservationGrid(
    ...     sessions=pd.DataFrame({"seance": ["S1", "S2"], "hours": [1.5, 2.5]}),
    ...     attendees=pd.DataFrame(), turns=pd.DataFrame(),
    ...     events=pd.DataFrame({"seance": ["S1", "S1", "S2"],
    ...                          "evenement": ["interruption"] * 2 + ["decision"]}))
    >>> facilitation_events(grid).to_dict("records")
    [{'evenement': 'interruption', 'events': 2, 'hours': 4.0, 'per_hour': 0.5}, \
{'evenement': 'decision', 'events': 1, 'hours': 4.0, 'per_hour': 0.25}]
    """
    hours = float(grid.sessions["hours"].sum())
    counts = grid.events["evenement"].value_counts(sort=False)
    table = pd.DataFrame({"evenement": counts.index, "events": counts.to_numpy(dtype=int)})
    table = table.sort_values("events", ascending=False, kind="stable", ignore_index=True)
    table["hours"] = hours
    table["per_hour"] = table["events"] / hours if hours else float("nan")
    return table
