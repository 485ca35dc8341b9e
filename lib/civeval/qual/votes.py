"""Workshop votes: the stickers or points each proposal got from each participant group.

:func:`read_workshop` reads them into the votes table :mod:`civeval.qual.workshops`
analyses, a group being brought to the stakeholder groups of :mod:`civeval.qual.roles` when
it is one. It is the catalogue format ``workshop``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from civeval.errors import CatalogError
from civeval.qual.roles import normalise_role, role_map
from civeval.qual.tables import find_columns, load_table

__all__ = ["read_workshop"]

WORKSHOP_HEADERS = {
    "workshop": ("atelier", "workshop", "seance", "session", "reunion", "id atelier"),
    "proposal": ("proposition", "proposal", "proposals", "propositions", "idee", "projet",
                 "action", "piste", "mesure"),
    "group": ("groupe", "group", "table", "college", "profil", "role", "public"),
    "votes": ("votes", "vote", "gommettes", "gommette", "points", "voix", "nb votes",
              "nombre de votes", "nb gommettes", "nombre de gommettes", "score"),
    "participants": ("participants", "nb participants", "nombre de participants", "effectif",
                     "presents", "nb presents", "nombre de presents"),
}
WORKSHOP_COLUMNS = ("workshop", "proposal", "group", "votes", "participants")
_WORKSHOP_EXAMPLES = {"proposal": "'proposition' or 'proposal'",
                      "group": "'groupe', 'group' or 'table'",
                      "votes": "'votes', 'gommettes' or 'points'"}
_WHOLE = re.compile(r"^\+?\d+(?:[.,]0+)?$")


def read_workshop(path: str | Path, roles=None, sep: str | None = None,
                  encoding: str | None = None, sheet: str | int | None = None) -> pd.DataFrame:
    """Read workshop outputs: the votes (stickers, points) each proposal got from each group.

    Parameters
    ----------
    path : path
        CSV or XLSX, one row per proposal and participant group. Columns (recognised
        headers): ``proposition``/``proposal``/``idée``…; ``groupe``/``group``/``table``/
        ``collège``/``profil``…; ``votes``/``gommettes``/``points``/``voix``…; optional
        ``participants`` (``nb participants``, ``effectif``…: people of the group at the
        workshop) and ``atelier``/``workshop``/``séance``.
    roles : dict or list, optional
        A study's own role spellings or groups.
    sep, encoding, sheet : optional
        Force the CSV separator or encoding, choose a workbook's sheet.

    Returns
    -------
    pandas.DataFrame
        ``workshop`` (missing without such a column), ``proposal``, ``group`` (a stakeholder
        group of :mod:`civeval.qual.roles` when it is one, else as written: workshops often
        use table names), ``votes`` (``Int64``; an empty cell counts 0), ``participants``
        (``Int64``, missing when not given).

    Raises
    ------
    CatalogError
        With file, line and column: a missing column, a row without proposal or group,
        votes or participants that are not whole numbers of 0 or more, a proposal listed
        twice for the same group and workshop, a group given two different numbers of
        participants in the same workshop.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "atelier.csv"
    >>> _ = path.write_text("Proposition;Groupe;Gommettes;Participants\\n"
    ...                     "Plus de bancs;Habitants;7;9\\nPlus de bancs;Table 2;3;6\\n",
    ...                     encoding="utf-8")
    >>> read_workshop(path).values.tolist()
    [[<NA>, 'Plus de bancs', 'habitant', 7, 9], [<NA>, 'Plus de bancs', 'Table 2', 3, 6]]
    """
    path = Path(path)
    extra = role_map(roles)
    table = load_table(path, sep=sep, encoding=encoding, sheet=sheet)
    found = find_columns(table, WORKSHOP_HEADERS, required=("proposal", "group", "votes"),
                         labels={"votes": "votes (stickers, points)"}, option_name=None,
                         examples=_WORKSHOP_EXAMPLES)
    header = table.header
    records, seen, sizes = [], {}, {}
    for line, cells in table.rows:
        def value(field, cells=cells):
            return cells[found[field][0]] if field in found else None

        def where(field, line=line):
            return {"file": path, "row": line, "column": header[found[field][0]]}

        for field in ("proposal", "group"):
            if value(field) is None:
                raise CatalogError(f"the row has no {field}", **where(field))
        group = normalise_role(value("group"), extra) or value("group")
        workshop = value("workshop")
        votes = _count(value("votes"), "votes", where("votes")) or 0
        participants = _count(value("participants"), "participants",
                              where("participants") if "participants" in found else {})
        key = (workshop, value("proposal"), group)
        if key in seen:
            raise CatalogError(f"the proposal {value('proposal')!r} is listed twice for the "
                               f"group {group!r} (lines {seen[key]} and {line})",
                               **where("proposal"))
        seen[key] = line
        if participants is not None:
            size = sizes.setdefault((workshop, group), (participants, line))
            if size[0] != participants:
                raise CatalogError(f"the group {group!r} has {size[0]} participants on line "
                                   f"{size[1]} but {participants} here",
                                   **where("participants"))
        records.append({"workshop": workshop, "proposal": value("proposal"), "group": group,
                        "votes": votes, "participants": participants})
    frame = pd.DataFrame(records, columns=list(WORKSHOP_COLUMNS))
    frame = frame.astype({"workshop": "string", "proposal": "string", "group": "string",
                          "votes": "Int64", "participants": "Int64"})
    frame.attrs["source"] = str(path)
    return frame


def _count(value: str | None, what: str, where: dict) -> int | None:
    if value is None:
        return None
    if not _WHOLE.match(value.strip()):
        raise CatalogError(f"{what} must be a whole number, 0 or more; found {value!r}",
                           **where)
    return int(re.split(r"[.,]", value.strip())[0])
