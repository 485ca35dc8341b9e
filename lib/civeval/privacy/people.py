"""The study's list of people: names that no report shows, however they are written.

Recognition (:func:`civeval.privacy.pseudonymise_texts`) misses a name written in lower
case, or a first name that is also a word; the consultant usually knows who was heard and
who is talked about. ``study.yml`` gives that list under ``people``:

- a list of names: ``people: [Sophie Durand, Karim Benali]``;
- a mapping of name → group (« élu », « agent »…): the name is then replaced by its own
  group's label in interview quotes (« [élu·e] »), not by the speaker's;
- a file in the study's folder: a text file with one name per line (blank lines and lines
  starting with ``#`` ignored), or a CSV file with a column ``nom`` (or ``name``) and,
  optionally, ``groupe`` (or ``group``, ``role``).

The list stays in the study's folder: reports show only the labels that replace it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from civeval.errors import CatalogError, InputError

__all__ = ["place_names", "read_people_file", "study_people"]

_NAME_COLUMNS = ("nom", "name")
# Columns whose values name places of the territory, which a text may name too.
TERRITORY_COLUMNS = frozenset(("commune", "communes", "quartier", "quartiers", "district",
                               "ville", "secteur", "territoire", "iris"))
_GROUP_COLUMNS = ("groupe", "group", "role")


def study_people(study) -> list[str] | dict[str, str | None]:
    """The study's list of people, as :func:`civeval.privacy.pseudonymise_texts` and
    :func:`civeval.qual.select_quotes` take it.

    Parameters
    ----------
    study : civeval.workbench.study.Study
        The study; its ``people`` key names the people (see the module's description).

    Returns
    -------
    list of str, or dict of name → group
        No one (an empty list) when ``study.yml`` has no ``people`` key.

    Raises
    ------
    StudyError
        The file lies outside the study's folder (``study.yml``'s line and column).
    CatalogError
        The file is missing, or a CSV file has no name column (file, line, column).

    Examples
    --------
    >>> from civeval import load_study
    >>> study_people(load_study("demo-saint-aubin"))
    []
    """
    people = getattr(study.config, "people", None)
    if people is None:
        return []
    if isinstance(people, str):
        from civeval.workbench.paths import display_path

        try:
            return read_people_file(study.inside(people, "people"))
        except InputError as error:
            error.study = study.slug
            error.file = Path(display_path(error.file)) if error.file is not None else None
            raise
    if isinstance(people, dict):
        return {str(name): None if group is None else str(group)
                for name, group in people.items()}
    return [str(name) for name in people]


def read_people_file(path: Path) -> list[str] | dict[str, str | None]:
    """The people a file lists: one name per line, or a CSV table of names and groups.

    Parameters
    ----------
    path : path
        A ``.csv`` file (read with the workbench's CSV reader, French conventions
        detected) with a name column (``nom`` or ``name``) and an optional group column
        (``groupe``, ``group`` or ``role``); any other file is text, one name per line.

    Returns
    -------
    list of str, or dict of name → group
        A mapping when the CSV has a group column (an empty group gives None: the
        speaker's label); else the names in the file's order.

    Raises
    ------
    CatalogError
        The file is missing, or the CSV has no name column.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "personnes.txt").write_text("# interviewees\\nSophie Durand\\n\\nKarim\\n",
    ...                                           encoding="utf-8")
    >>> read_people_file(folder / "personnes.txt")
    ['Sophie Durand', 'Karim']
    >>> _ = (folder / "personnes.csv").write_text("nom;groupe\\nSophie Durand;élu\\nKarim;\\n",
    ...                                           encoding="utf-8")
    >>> read_people_file(folder / "personnes.csv")
    {'Sophie Durand': 'élu', 'Karim': None}
    """
    path = Path(path)
    if not path.is_file():
        raise CatalogError("the list of people (people: in study.yml) is not found", file=path)
    if path.suffix.lower() != ".csv":
        from civeval.workbench.tables import decode

        lines = decode(path.read_bytes(), path).splitlines()
        return [line.strip() for line in lines
                if line.strip() and not line.lstrip().startswith("#")]
    from civeval.workbench.tables import read_csv

    table = read_csv(path)
    columns = {str(column).strip().casefold(): column for column in table.columns}
    name = next((columns[key] for key in _NAME_COLUMNS if key in columns), None)
    if name is None:
        raise CatalogError(f"no column of names: name one {' or '.join(_NAME_COLUMNS)} "
                           f"(columns: {', '.join(map(str, table.columns))})", file=path, row=1)
    group = next((columns[key] for key in _GROUP_COLUMNS if key in columns), None)
    groups = table[group] if group is not None else [None] * len(table)
    people = {_text(person): _text(group_name) for person, group_name
              in zip(table[name], groups, strict=True) if _text(person)}
    return people if group is not None else list(people)


def _text(value) -> str | None:
    """A cell as stripped text; None for an empty one."""
    if value is None or pd.isna(value):
        return None
    return str(value).strip() or None


def place_names(*tables: pd.DataFrame, also=()) -> list[str]:
    """The place names of a study's data: the values of the tables' territory columns
    (``commune``, ``quartier``, ``district``…), and ``also`` (the client's name), for
    :func:`civeval.privacy.pseudonymise_texts`'s ``places``.

    Examples
    --------
    >>> answers = pd.DataFrame({"commune": ["Douadic", "Paulnay", None],
    ...                         "texte": ["À Douadic, rien.", "", "Merci"]})
    >>> place_names(answers, also=["Val de Brenne"])
    ['Douadic', 'Paulnay', 'Val de Brenne']
    """
    names = {str(value).strip() for table in tables if table is not None
             for column in table.columns if str(column).strip().casefold() in TERRITORY_COLUMNS
             for value in table[column].dropna().unique() if str(value).strip()}
    return sorted(names | {str(name) for name in also if name})

