"""Read Decidim open-data exports: proposals, meetings, results, budget projects, comments.

A Decidim site publishes its open data as a zip of ``<host>-open-data-<entity>.csv`` files
(``proposals``, ``proposal_comments``, ``meetings``, ``results``, ``projects``...): UTF-8,
``;``-separated, nested keys flattened with ``/`` (``title/fr``, ``category/name/fr``,
``endorsements/total_count``), lists joined with ``", "``. :func:`read_decidim` reads the zip
(or one such CSV) into one table per entity, with the same column names whatever the
Decidim version:

- **entities**: the part of the file name after ``open-data-``, lower case; every
  ``<x>_comments`` file goes into one ``comments`` table whose ``resource`` column says what
  was commented (``proposals``...); ``proposal``, ``result``, ``accountability``... are read
  as ``proposals``, ``results``, ``results``...
- **languages**: a translated field (``title/fr``, ``title/en``...) becomes one column
  (``title``) in the site's language (``language``, French by default); where that
  translation is empty, the first other language of the header that has one. Machine
  translations (``title/machine_translations/en``) are dropped: the participant's own words
  are what count.
- **names** (new name: old or current Decidim columns, the first present wins):

  =================  ===============================================================
  ``votes``          ``votes``, ``supports`` (before 0.27), ``confirmed_votes`` (budget
                     projects), ``votes_count``
  ``comments``       ``comments``, ``comments_count``
  ``endorsements``   ``endorsements/total_count``, ``likes/total_count`` (0.30+),
                     ``endorsements_count``, ``likes_count``
  ``followers``      ``followers``, ``follows_count``, ``followers_count``
  ``category``       ``category/name/<lang>``; from 0.30 ``taxonomies/name`` (all the
                     resource's taxonomies, joined with ``", "``)
  ``category_id``    ``category/id``, ``taxonomies/id``
  ``scope``          ``scope/name/<lang>``: often the district (from 0.30 scopes are
                     taxonomies too, so they are in ``category``)
  ``scope_id``       ``scope/id``
  ``status``         ``status/name/<lang>`` (results); ``status_key`` and ``status_id``
                     from ``status/key`` and ``status/id``
  ``space_id``       ``participatory_space/id`` (and ``space_url``)
  ``author_id``      ``author/id``: a pseudonymous number, kept to count unique
                     contributors
  =================  ===============================================================

  Other columns keep their names with ``/`` turned into ``_`` (``component/id`` becomes
  ``component_id``); ``id``, ``state``, ``answered_at``, ``published_at``, ``title``,
  ``body``, ``progress``... are unchanged.
- **types**: dates (columns ending in ``_at``, ``_date`` or ``_time``) become datetimes,
  in UTC when the export gives a time zone (``2024-03-05 18:00:00 +0100``, ISO 8601), naive
  otherwise; columns of whole numbers become ``Int64``, of decimals ``float64``, of
  ``true``/``false`` ``boolean``; the rest text.
- **personal data** is dropped on import: author and user-group names, nicknames, profile
  URLs, e-mails, anything under ``user/``, and the lists of people who endorsed or liked
  (``endorsements/user_endorsements``, ``likes/user_likes``). Their names are listed in
  ``attrs["personal_columns_dropped"]``.

Importing this module registers the catalogue format ``decidim`` (options ``entity`` and
``language``), which returns one entity's table. Survey answers exported by Decidim are the
separate format ``decidim_survey`` (:mod:`civeval.survey.io`).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path, PurePosixPath

import pandas as pd

from civeval.errors import CatalogError
from civeval.workbench import archives

ENTITIES = ("proposals", "meetings", "results", "projects", "comments", "debates", "budgets",
            "posts", "sortitions", "surveys", "collaborative_drafts", "participatory_processes",
            "assemblies", "conferences", "initiatives")
_ENTITY_ALIASES = {"proposal": "proposals", "meeting": "meetings", "result": "results",
                   "accountability": "results", "accountability_results": "results",
                   "project": "projects", "budgets_projects": "projects", "comment": "comments",
                   "debate": "debates", "budget": "budgets", "post": "posts",
                   "sortition": "sortitions", "survey": "surveys"}
_OPEN_DATA = re.compile(r"open-data-(?P<entity>[A-Za-z0-9_\-]+)\.csv$", re.IGNORECASE)
# Decidim locales look like "fr", "pt-BR", "zh-TW"; "id" (Indonesian) is told apart from
# the "id" of an object by requiring a translated field to have another language too.
_LOCALE = re.compile(r"^[a-z]{2}(-[A-Za-z]{2,4})?$")
_RENAMES = (
    ("votes", ("votes", "supports", "confirmed_votes", "votes_count")),
    ("comments", ("comments", "comments_count")),
    ("endorsements", ("endorsements/total_count", "likes/total_count", "endorsements_count",
                      "likes_count")),
    ("followers", ("followers", "follows_count", "followers_count")),
    ("category", ("category/name", "taxonomies/name")),
    ("category_id", ("category/id", "taxonomies/id")),
    ("scope", ("scope/name",)),
    ("scope_id", ("scope/id",)),
    ("status", ("status/name",)),
    ("status_key", ("status/key",)),
    ("status_id", ("status/id",)),
    ("space_id", ("participatory_space/id",)),
    ("space_url", ("participatory_space/url",)),
    ("author_id", ("author/id",)),
)
# Never converted to numbers or dates, whatever they look like.
_TEXT = frozenset({"title", "body", "description", "answer", "reference", "address",
                   "location", "state", "category", "scope", "status", "status_key",
                   "locale", "commentable_type", "resource", "organizations",
                   # lists of ids ("12, 15") in some rows: text, so the type is stable
                   "author_id", "category_id", "related_proposals", "related_results"})
# Numbers even when a file leaves them all empty.
_COUNTS = frozenset({"votes", "comments", "endorsements", "followers", "attachments",
                     "attendees", "contributions", "budget_amount", "coauthorships_count",
                     "depth", "alignment"})
_DECIMALS = frozenset({"progress", "latitude", "longitude", "cost"})
_DATE_NAME = re.compile(r"(_at|_date|_time)$|^(date|start|end)$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_DECIMAL = re.compile(r"^[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?$")
_ZONE = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")
# Ruby writes a list of translated names as '{"fr"=>"Mobilité", "en"=>"Mobility"}, {...}'.
_RUBY_HASH = re.compile(r"\{([^{}]*)\}")
_RUBY_PAIR = re.compile(r'"([^"]+)"\s*(?:=>|:)\s*"((?:[^"\\]|\\.)*)"')


def read_decidim(path: str | Path, entity: str | None = None,
                 language: str = "fr") -> dict[str, pd.DataFrame]:
    """Read a Decidim open-data zip, or one of its CSV files, into a table per entity.

    Parameters
    ----------
    path : path
        The open-data zip, or one ``;``-separated CSV export.
    entity : str, optional
        Read only this entity (``proposals``, ``meetings``, ``results``, ``projects``,
        ``comments``...; ``proposal_comments`` gives the ``comments`` table with only the
        comments on proposals). For a single CSV, the entity it holds when its name does
        not say.
    language : str
        The site's language: translated fields keep this one (see the module
        documentation for the fallback).

    Returns
    -------
    dict of str to pandas.DataFrame
        Tables named by entity, columns normalised as the module documentation describes.

    Raises
    ------
    CatalogError
        The zip holds no open-data CSV or not ``entity``; the entity is unknown or cannot
        be told from the file name; a CSV is not ``;``-separated, not UTF-8, has a row of
        the wrong width or a date that is not one (with its line; inside a zip the message
        names the member).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "demo.example.org-open-data-proposals.csv"
    >>> _ = path.write_text("id;title/en;title/fr;supports;author/name;published_at\\n"
    ...                     "7;Trees;Des arbres;12;Jeanne Martin;2024-03-05 18:00:00 +0100\\n",
    ...                     encoding="utf-8")
    >>> proposals = read_decidim(path)["proposals"]
    >>> proposals.columns.tolist()
    ['id', 'title', 'votes', 'published_at']
    >>> proposals.loc[0, "title"], int(proposals.loc[0, "votes"])
    ('Des arbres', 12)
    >>> str(proposals.loc[0, "published_at"])
    '2024-03-05 17:00:00+00:00'
    """
    path = Path(path)
    # "proposal_comments" asks for the comments table, limited to comments on proposals.
    commented = _commented(entity) if entity is not None else None
    if entity is not None:
        entity = _normalise_entity(entity)
    if not path.is_file():
        raise CatalogError("file not found", file=path)
    if zipfile.is_zipfile(path):
        return _read_zip(path, entity, language, commented)
    if path.suffix.lower() == ".zip":
        raise CatalogError("cannot be opened as a zip archive", file=path)
    entity = entity or _entity_from_name(path.name)
    if entity is None:
        raise CatalogError(
            "cannot tell which Decidim entity this file holds: name it "
            "<host>-open-data-<entity>.csv or give the entity (proposals, meetings, results, "
            "projects, comments...)", file=path)
    _check_known(entity, path)
    raw = _parse_csv(path.read_bytes(), path, member=None)
    return {entity: _normalise(raw, language, resource=_commented(path.name), path=path)}


def read_decidim_entity(path: str | Path, entity: str | None = None,
                        language: str = "fr") -> pd.DataFrame:
    """The catalogue format ``decidim``: one entity's table from an open-data export.

    ``entity`` may be left out when the export holds only one.

    Examples
    --------
    >>> import tempfile, pathlib, zipfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "open-data.zip"
    >>> with zipfile.ZipFile(path, "w") as archive:
    ...     archive.writestr("site-open-data-results.csv",
    ...                      "id;title/fr;progress;status/name/fr\\n3;Parc;50.0;En cours\\n")
    ...     archive.writestr("site-open-data-meetings.csv", "id;title/fr\\n1;Atelier\\n")
    >>> read_decidim_entity(path, "results")[["title", "progress", "status"]].values.tolist()
    [['Parc', 50.0, 'En cours']]
    """
    path = Path(path)
    if entity is None and zipfile.is_zipfile(path):
        found = sorted(_members(path))
        if len(found) > 1:
            raise CatalogError(f"this export holds several entities ({', '.join(found)}); "
                               "set the catalogue option entity", file=path)
    tables = read_decidim(path, entity, language)
    return next(iter(tables.values()))


# --- entities and files -------------------------------------------------------------------

def _normalise_entity(raw: str) -> str:
    name = raw.strip().lower().replace("-", "_")
    if name.endswith("comments"):
        return "comments"
    return _ENTITY_ALIASES.get(name, name)


def _commented(file_name: str) -> str | None:
    """What comments are on: ``proposals`` for ``x-open-data-proposal_comments.csv`` (or for
    the entity name ``proposal_comments``); None for other files."""
    match = _OPEN_DATA.search(PurePosixPath(file_name).name)
    raw = (match.group("entity") if match else PurePosixPath(file_name).stem).lower()
    raw = raw.replace("-", "_")
    if raw.endswith("_comments"):
        return _normalise_entity(raw[: -len("_comments")])
    return None


def _entity_from_name(file_name: str) -> str | None:
    match = _OPEN_DATA.search(PurePosixPath(file_name).name)
    if match:
        return _normalise_entity(match.group("entity"))
    # An admin export such as "proposals-2024-03-05.csv" or "proposal_comments.csv".
    leading = re.match(r"[a-z_]+", PurePosixPath(file_name).stem.lower().replace("-", "_"))
    if leading:
        name = _normalise_entity(leading.group(0).strip("_"))
        if name in ENTITIES:
            return name
    return None


def _check_known(entity: str, path: Path, available: list[str] | None = None) -> None:
    if entity in ENTITIES or (available and entity in available):
        return
    known = ", ".join(sorted(set(ENTITIES) | set(available or ())))
    raise CatalogError(f"unknown Decidim entity {entity!r}; known: {known}", file=path)


def _members(path: Path) -> dict[str, list[str]]:
    """The open-data CSV members of the zip, by entity, in archive order."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = [info.filename for info in archive.infolist() if not info.is_dir()]
    except zipfile.BadZipFile as error:
        raise CatalogError(f"cannot be opened as a zip archive: {error}", file=path) from None
    members: dict[str, list[str]] = {}
    for name in names:
        if _OPEN_DATA.search(PurePosixPath(name).name):
            members.setdefault(_entity_from_name(name), []).append(name)
    if not members:
        listed = ", ".join(names[:10]) + (", ..." if len(names) > 10 else "") or "nothing"
        raise CatalogError("the zip holds no Decidim open-data CSV (files named "
                           f"<host>-open-data-<entity>.csv); it holds: {listed}", file=path)
    return members


def _read_zip(path: Path, entity: str | None, language: str,
              commented: str | None = None) -> dict[str, pd.DataFrame]:
    members = _members(path)
    if entity is not None:
        files = [member for member in members.get(entity, [])
                 if commented is None or _commented(member) == commented]
        if not files:
            _check_known(entity, path, list(members))
            wanted = f"comments on {commented}" if commented else f"{entity} file"
            raise CatalogError(f"the zip has no {wanted}; it has: "
                               f"{', '.join(sorted(members))}", file=path)
        members = {entity: files}
    tables = {}
    with zipfile.ZipFile(path) as archive:
        for name, files in members.items():
            parts = []
            for member in files:
                raw = _parse_csv(archives.read_member(archive, member, path), path, member=member)
                parts.append(_normalise(raw, language, resource=_commented(member),
                                        path=path, member=member))
            if len(parts) == 1:
                tables[name] = parts[0]
                continue
            tables[name] = pd.concat(parts, ignore_index=True)
            dropped = [column for part in parts
                       for column in part.attrs["personal_columns_dropped"]]
            tables[name].attrs = {"personal_columns_dropped": list(dict.fromkeys(dropped))}
    return tables


# --- parsing ------------------------------------------------------------------------------

def _error(message: str, path: Path, member: str | None, **where) -> CatalogError:
    return CatalogError(f"in {member}: {message}" if member else message, file=path, **where)


def _parse_csv(data: bytes, path: Path, member: str | None) -> pd.DataFrame:
    """The CSV as text cells, missing when empty, with ``attrs['lines']``: each row's line."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise _error(f"cannot be decoded as UTF-8 (byte 0x{data[error.start]:02x}); Decidim "
                     "exports are UTF-8", path, member, row=line) from None
    if not text.strip():
        if member:  # Decidim writes an empty file for an entity with no rows
            return pd.DataFrame()
        raise _error("the file is empty", path, member)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";", quotechar='"')
    header = next(reader)
    other = next((sep for sep in ",\t|" if len(header) == 1 and sep in header[0]), None)
    if other:
        raise _error("expected ';'-separated Decidim export: the header has one column and "
                     f"no ';', so this file seems {other!r}-separated", path, member, row=1)
    rows, lines = [], []
    last = reader.line_num
    for row in reader:
        first = last + 1  # a quoted text may span several lines
        last = reader.line_num
        if not row:
            continue
        if len(row) != len(header):
            raise _error(f"expected {len(header)} fields separated by ';' as in the header, "
                         f"found {len(row)}", path, member, row=first)
        rows.append(row)
        lines.append(first)
    frame = pd.DataFrame(rows, columns=header, dtype=object)
    frame = frame.where(frame != "")
    frame.attrs["lines"] = lines
    return frame


# --- normalising --------------------------------------------------------------------------

def personal_columns(columns) -> list[str]:
    """The columns of a Decidim export that hold personal data.

    Examples
    --------
    >>> personal_columns(["id", "author/id", "author/name", "author/url", "user/email",
    ...                   "endorsements/user_endorsements", "user_group/name/fr"])
    ['author/name', 'author/url', 'user/email', 'endorsements/user_endorsements', \
'user_group/name/fr']
    """
    personal = []
    for name in columns:
        parts = str(name).lower().split("/")
        if (parts[0] in ("user", "users")
                or (parts[0] in ("author", "authors", "user_group", "creator") and len(parts) > 1
                    and parts[1] != "id")
                or any(part in ("nickname", "email", "e-mail", "e_mail", "phone", "ip",
                                "user_endorsements", "user_likes", "endorsers", "likers")
                       for part in parts)):
            personal.append(name)
    return personal


def _normalise(raw: pd.DataFrame, language: str, resource: str | None = None,
               path: Path | None = None, member: str | None = None) -> pd.DataFrame:
    lines = raw.attrs.get("lines", [])
    personal = personal_columns(raw.columns)
    frame = raw.drop(columns=personal)
    frame = frame.drop(columns=[name for name in frame.columns
                                if "/machine_translations" in str(name)])
    frame = _one_language(frame, language)
    frame = _rename(frame, language)
    frame.columns = [str(name).replace("/", "_") for name in frame.columns]
    for name in frame.columns:
        frame[name] = _convert(frame[name], name, lines, path, member)
    if resource is not None:
        frame.insert(1 if "id" in frame.columns else 0, "resource",
                     pd.Series(resource, index=frame.index, dtype=str))
    frame.attrs = {"personal_columns_dropped": personal}
    return frame


def _one_language(frame: pd.DataFrame, language: str) -> pd.DataFrame:
    """``title/fr``, ``title/en``... become ``title`` in ``language`` (else another one)."""
    columns = [str(name) for name in frame.columns]
    children: dict[str, list[str]] = {}
    for name in columns:
        base, _, last = name.rpartition("/")
        if base and _LOCALE.match(last):
            children.setdefault(base, []).append(name)
    result = {}
    done = set()
    for name in columns:
        if name in done:
            continue
        base = name.rpartition("/")[0]
        group = children.get(base, [])
        # A translated field: only locales below it, and not just an "id".
        descendants = [other for other in columns if other.startswith(base + "/")]
        if name in group and len(descendants) == len(group) and \
                any(member.rpartition("/")[2] != "id" for member in group):
            ordered = sorted(group, key=lambda member: member.rpartition("/")[2] != language)
            result[base] = frame[ordered].bfill(axis=1).iloc[:, 0]
            done.update(group)
        else:
            result[name] = frame[name]
    return pd.DataFrame(result, index=frame.index)


def _rename(frame: pd.DataFrame, language: str) -> pd.DataFrame:
    renames = {}
    for target, sources in _RENAMES:
        source = next((name for name in sources if name in frame.columns), None)
        # A column already named like the target, and not one of its sources, stays.
        if source is None or (target in frame.columns and target != source):
            continue
        renames[source] = target
    if renames.get("taxonomies/name"):
        frame = frame.assign(**{"taxonomies/name": frame["taxonomies/name"].map(
            lambda cell: _ruby_names(cell, language))})
    return frame.rename(columns=renames)


def _ruby_names(cell, language: str):
    """``'{"fr"=>"Mobilité", "en"=>"Mobility"}, {...}'`` -> ``'Mobilité, ...'``."""
    if not isinstance(cell, str) or "{" not in cell:
        return cell
    names = []
    for hash_text in _RUBY_HASH.findall(cell):
        pairs = dict(_RUBY_PAIR.findall(hash_text))
        value = pairs.get(language) or next((text for text in pairs.values() if text), None)
        if value:
            names.append(value.replace('\\"', '"'))
    return ", ".join(names) if names else pd.NA


def _convert(column: pd.Series, name: str, lines: list[int], path, member) -> pd.Series:
    values = column.dropna().astype(str).str.strip()
    if values.empty and name not in _TEXT:
        # An empty column (no category anywhere, votes hidden) keeps the type it would have
        # had, so that tables of several files or editions stack.
        if _DATE_NAME.search(name):
            return pd.to_datetime(column, format="ISO8601")
        if name in _DECIMALS:
            return pd.to_numeric(column).astype("float64")
        if name == "id" or name.endswith("_id") or name in _COUNTS:
            return pd.to_numeric(column).astype("Int64")
    if name not in _TEXT and not values.empty:
        if _DATE_NAME.search(name):
            return _dates(column, name, lines, path, member)
        if values.isin(("true", "false")).all():
            return column.map({"true": True, "false": False}, na_action="ignore") \
                .astype("boolean")
        if values.str.match(_INTEGER).all():
            return pd.to_numeric(column).astype("Int64")
        if values.str.match(_DECIMAL).all():
            return pd.to_numeric(column).astype("float64")
    return pd.Series(column.to_numpy(), index=column.index, dtype=str)


def _dates(column: pd.Series, name: str, lines: list[int], path, member) -> pd.Series:
    text = column.str.strip().str.replace(r" UTC$", "+00:00", regex=True)
    # Ruby's "2024-03-05 18:00:00 +0100": no space before the offset for ISO 8601.
    text = text.str.replace(r" ([+-]\d{2}):?(\d{2})$", r"\1:\2", regex=True)
    zoned = text.dropna().str.contains(_ZONE)
    try:
        return pd.to_datetime(text, format="ISO8601", utc=bool(zoned.any()))
    except (ValueError, TypeError):
        for position, value in enumerate(text):
            if pd.isna(value):
                continue
            try:
                pd.to_datetime(value, format="ISO8601")
            except (ValueError, TypeError):
                row = lines[position] if position < len(lines) else None
                raise _error(f"{column.iloc[position]!r} is not a date", path, member,
                             row=row, column=name) from None
        raise

