"""Codebooks of qualitative coding: the codes, their hierarchy, and the renames and merges made
while coding.

A :class:`Codebook` holds codes (a theme is a code too: a node whose children are more
precise codes), each with at most one parent, and **aliases**: names that are no longer codes
but stand for one (a code renamed, or merged into another during the analysis). The
readers of coded segments (:mod:`civeval.qual.segments`) pass every code they read through
:meth:`Codebook.resolve`, so the segments table only ever holds canonical names.

Code names are unique in a codebook, whatever their place in the hierarchy (write
"Autre (mobilité)" and "Autre (cadre de vie)" rather than "Autre" twice), and ``/`` separates
the levels of a path such as ``Mobilité/Pistes cyclables``.

Files :func:`read_codebook` accepts
-----------------------------------
**Tables** (CSV, French conventions detected as in :mod:`civeval.workbench.tables`, or XLSX), one
row per code, other columns ignored:

=================  ==========================================================================
``name``           the code; also read from ``code``, ``codename``, ``tag``, ``nom``,
                   ``libellé``. Written as a path (``Mobilité/Pistes cyclables``, as Taguette
                   and QualCoder users often do), it also places the code under its parents,
                   which need no row of their own. A column ``tag_full_path`` (or ``path``,
                   ``chemin``), when present, is read instead.
``parent``         optional: the parent code, by name or path (also ``tag_parent``,
                   ``category``, ``catégorie``, ``thème``, ``code parent``). It must be a code
                   of the codebook.
``description``    optional (also ``définition``, ``memo``, ``commentaire``).
``merge_into``     optional (also ``rename_to``, ``fusionner dans``, ``renommer en``): the row
                   is not a code but another name of the code given, which must exist.
=================  ==========================================================================

Taguette's codebook export (``tag,description,number of highlights``; recent versions add
``parent``, or ``tag_parent`` and ``tag_full_path``) is such a table.

**YAML**: a nested mapping under the key ``codes``; each code maps to nothing, to its
description, or to a mapping with optional ``description``, ``codes`` (its children, the same
way) and ``merge_into`` (or ``rename_to``: then the entry is an alias)::

    codes:
      Mobilité:
        description: Se déplacer dans la commune
        codes:
          Pistes cyclables: Aménagements pour le vélo
          Transports en commun:
          Vélo: {merge_into: Pistes cyclables}
      Participation:

**REFI-QDA** (the exchange standard of QualCoder, Taguette, MAXQDA, ATLAS.ti, NVivo): a
codebook ``.qdc`` (``<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code name=…>``,
nested ``Code`` elements being children, ``Description`` their description) or a project
``.qdpx``, whose ``CodeBook`` is read. QualCoder exports its codebook this way (its other
codebook export is an ODT document, not data).

Every fault is a :class:`~civeval.errors.CatalogError` naming the file, the line and the
column: a code declared twice (both lines), a parent that is not a code, parents forming a
cycle (its codes), a merge target that is not a code, merges forming a cycle.

Tables are read by :mod:`civeval.qual.tables`, REFI-QDA files by :mod:`civeval.qual.refiqda`.
:func:`read_codebook_table` is the catalogue format ``codebook``.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd
import yaml

from civeval.errors import CatalogError
from civeval.qual.refiqda import parse_xml, read_qdpx_project
from civeval.qual.roles import fold
from civeval.qual.tables import find_columns, load_table, text_or_none

__all__ = ["Codebook", "UnknownCodeError", "read_codebook", "read_codebook_table"]

SEPARATOR = "/"
"""Separates the levels of a code path (``Mobilité/Pistes cyclables``)."""


class UnknownCodeError(CatalogError, KeyError):
    """A name that is neither a code, an alias nor a path of the codebook.

    A :class:`KeyError` too, so that ``name in codebook`` and mapping-style code work; the
    importers catch it and raise a :class:`CatalogError` locating the cell.
    """

    def __init__(self, message: str, code: str):
        self.code = code
        super().__init__(message)


# --- the codebook ---------------------------------------------------------------------------

@dataclass
class _Entry:
    """One row of a codebook file: a code, or an alias when ``target`` is set."""

    name: str
    line: int | None = None
    parent: str | None = None
    description: str | None = None
    target: str | None = None
    columns: dict[str, str] = field(default_factory=dict)  # field -> header, for errors


@dataclass
class _Node:
    parent: str | None
    description: str | None
    line: int | None  # where the code is declared (its first mention when only implied)
    explicit: bool
    entry: _Entry
    parent_entry: _Entry | None = None  # the row that gave the parent, for errors


class Codebook:
    """Codes with their hierarchy and aliases.

    Parameters
    ----------
    codes : DataFrame, or iterable of str
        One row per code: ``code`` (a name, or a path ``parent/child``), optional ``parent``
        and ``description``; or just the names.
    aliases : dict of str to str, optional
        Other names (renamed or merged codes) → the code they stand for.

    Attributes
    ----------
    codes : pandas.DataFrame
        ``code`` (unique), ``parent`` (missing for a top-level theme), ``description``,
        ``path`` (``"Mobilité/Pistes cyclables"``), in the codebook's order.
    aliases : dict of str to str
        Alias → canonical code.
    source : pathlib.Path or None
        The file read, when there is one.

    Examples
    --------
    >>> book = Codebook(["Mobilité/Pistes cyclables", "Mobilité/Bus", "Participation"],
    ...                 aliases={"Vélo": "Pistes cyclables"})
    >>> book.codes[["code", "parent", "path"]].values.tolist()[:2]
    [['Mobilité', <NA>, 'Mobilité'], ['Pistes cyclables', 'Mobilité', 'Mobilité/Pistes cyclables']]
    >>> book.resolve("Vélo"), book.resolve("mobilite/pistes cyclables"), book.roll_up("Bus")
    ('Pistes cyclables', 'Pistes cyclables', 'Mobilité')
    >>> book.children("Mobilité"), "Tramway" in book, len(book)
    (['Pistes cyclables', 'Bus'], False, 4)
    """

    def __init__(self, codes=(), aliases: dict[str, str] | None = None):
        if isinstance(codes, pd.DataFrame):
            entries = [_Entry(str(row["code"]).strip(),
                              parent=text_or_none(row.get("parent")),
                              description=text_or_none(row.get("description")))
                       for row in codes.to_dict("records")]
        else:
            entries = [_Entry(str(name).strip()) for name in codes]
        entries += [_Entry(str(alias).strip(), target=str(target).strip())
                    for alias, target in (aliases or {}).items()]
        self._build(entries, None)

    @classmethod
    def _from_entries(cls, entries: list[_Entry], source: Path | None,
                      member: str | None = None) -> Codebook:
        book = cls.__new__(cls)
        book._build(entries, source, member)
        return book

    # -- construction --

    def _build(self, entries: list[_Entry], source: Path | None, member: str | None = None):
        self.source = source
        self._member = member
        nodes: dict[str, _Node] = {}
        alias_entries: dict[str, _Entry] = {}
        for entry in entries:
            parts = self._split(entry.name, entry, "name")
            if entry.target is not None:
                self._declare_alias(parts, entry, alias_entries, nodes)
                continue
            parent = None
            for part in parts[:-1]:
                self._declare(nodes, part, parent, None, entry, explicit=False)
                parent = part
            if entry.parent is not None and len(parts) > 1:
                stated = self._split(entry.parent, entry, "parent")[-1]
                if stated != parts[-2]:
                    raise self._error(
                        f"the code {entry.name!r} is under {parts[-2]!r} by its path but under "
                        f"{entry.parent!r} by its parent", entry, "parent")
            self._declare(nodes, parts[-1], parent, entry.description, entry, explicit=True,
                          raw_parent=entry.parent if len(parts) == 1 else None)
        for name, entry in alias_entries.items():
            if name in nodes:
                node = nodes[name]
                raise self._error(
                    f"{name!r} is a code (line {node.line}) and is also merged into "
                    f"{entry.target!r}", entry, "name")
        self._resolve_parents(nodes)
        self._check_cycles(nodes)
        self._parents = {name: node.parent for name, node in nodes.items()}
        self._descriptions = {name: node.description for name, node in nodes.items()}
        self._paths = {name: SEPARATOR.join([*self._chain(name), name]) for name in nodes}
        self._by_path = {_path_key(path): name for name, path in self._paths.items()}
        self.aliases: dict[str, str] = {}
        self._folded = self._fold_names()
        self.aliases = self._resolve_aliases(alias_entries)
        self._folded = self._fold_names()
        self._children: dict[str, list[str]] = {name: [] for name in nodes}
        for name, parent in self._parents.items():
            if parent is not None:
                self._children[parent].append(name)
        self.codes = pd.DataFrame({
            "code": list(nodes),
            "parent": [self._parents[name] for name in nodes],
            "description": [self._descriptions[name] for name in nodes],
            "path": [self._paths[name] for name in nodes],
        }, columns=["code", "parent", "description", "path"]).astype("string")

    def _fold_names(self) -> dict[str, str]:
        # A name typed with other case, accents or spacing still finds its code, unless two
        # names of the codebook look alike that way.
        folded: dict[str, set[str]] = {}
        for name, code in [*((n, n) for n in self._parents), *self.aliases.items(),
                           *((p, n) for n, p in self._paths.items())]:
            folded.setdefault(_fold_key(name), set()).add(code)
        return {key: codes.pop() for key, codes in folded.items() if len(codes) == 1}

    def _split(self, name: str, entry: _Entry, column: str) -> list[str]:
        parts = [part.strip() for part in str(name).split(SEPARATOR)]
        if any(not part for part in parts):
            raise self._error(f"the code path {name!r} has an empty level", entry, column)
        return parts

    def _declare(self, nodes: dict[str, _Node], name: str, parent: str | None,
                 description: str | None, entry: _Entry, *, explicit: bool,
                 raw_parent: str | None = None) -> None:
        node = nodes.get(name)
        if node is None:
            nodes[name] = _Node(parent, description, entry.line, explicit, entry,
                                parent_entry=entry if (parent or raw_parent) else None)
            if raw_parent is not None:
                nodes[name].parent = _RawParent(raw_parent)
            return
        if explicit and node.explicit:
            where = f" (lines {node.line} and {entry.line})" if entry.line else ""
            raise self._error(f"the code {name!r} is declared twice{where}", entry, "name")
        new_parent = _RawParent(raw_parent) if raw_parent is not None else parent
        if new_parent is not None:
            if node.parent is not None and _parent_name(node.parent) != _parent_name(new_parent):
                raise self._error(
                    f"the code {name!r} is under {_parent_name(node.parent)!r} (line "
                    f"{node.parent_entry.line}) and under {_parent_name(new_parent)!r}", entry,
                    "parent" if raw_parent is not None else "name")
            node.parent, node.parent_entry = new_parent, entry
        if explicit:
            node.explicit, node.line, node.entry = True, entry.line, entry
            node.description = description if description is not None else node.description

    def _declare_alias(self, parts: list[str], entry: _Entry, alias_entries: dict[str, _Entry],
                       nodes: dict[str, _Node]) -> None:
        for name in {parts[-1], SEPARATOR.join(parts)}:
            if name in alias_entries:
                raise self._error(f"{name!r} is merged twice (lines "
                                  f"{alias_entries[name].line} and {entry.line})", entry, "name")
            alias_entries[name] = entry

    def _resolve_parents(self, nodes: dict[str, _Node]) -> None:
        written = {}
        for name, node in nodes.items():
            if not isinstance(node.parent, _RawParent):
                continue
            raw = node.parent.value
            parts = self._split(raw, node.parent_entry, "parent")
            if parts[-1] not in nodes:
                raise self._error(f"the parent {raw!r} of the code {name!r} is not a code of "
                                  "the codebook", node.parent_entry, "parent")
            node.parent = parts[-1]
            if len(parts) > 1:
                written[name] = parts
        # A parent written as a path must be where the codebook puts it; checked once every
        # parent is known.
        for name, parts in written.items():
            chain = [*self._chain_of(nodes, parts[-1]), parts[-1]]
            if chain != parts:
                raw = SEPARATOR.join(parts)
                raise self._error(
                    f"the parent {raw!r} of the code {name!r} is not where the codebook puts "
                    f"it ({SEPARATOR.join(chain)!r})", nodes[name].parent_entry, "parent")

    @staticmethod
    def _chain_of(nodes: dict[str, _Node], name: str) -> list[str]:
        chain, seen = [], {name}
        parent = nodes[name].parent
        while parent is not None and parent not in seen:
            chain.append(parent)
            seen.add(parent)
            parent = nodes[parent].parent
        return chain[::-1]

    def _check_cycles(self, nodes: dict[str, _Node]) -> None:
        done: set[str] = set()
        for start in nodes:
            trail: list[str] = []
            name = start
            while name is not None and name not in done:
                if name in trail:
                    cycle = trail[trail.index(name):]
                    first = min(cycle, key=lambda code: (nodes[code].line or 0))
                    turn = cycle.index(first)
                    cycle = cycle[turn:] + cycle[:turn]
                    shown = " → ".join([*cycle, cycle[0]])
                    raise self._error(f"the parents of these codes form a cycle: {shown} "
                                      "(each is the parent of the previous one)",
                                      nodes[first].parent_entry or nodes[first].entry, "parent")
                trail.append(name)
                name = nodes[name].parent
            done.update(trail)

    def _resolve_aliases(self, alias_entries: dict[str, _Entry]) -> dict[str, str]:
        aliases = {}
        for alias, entry in alias_entries.items():
            seen = [alias]
            target = entry.target
            while True:
                code = self._lookup(target)
                if code is not None:
                    break
                key = target.strip()
                if key not in alias_entries:
                    raise self._error(f"{alias!r} is merged into {target!r}, which is not a "
                                      "code of the codebook", entry, "merge_into")
                if key in seen:
                    shown = " → ".join([*seen, key])
                    raise self._error(f"these merges form a cycle: {shown}", entry, "merge_into")
                seen.append(key)
                target = alias_entries[key].target
            aliases[alias] = code
        return aliases

    def _error(self, message: str, entry: _Entry | None, column: str) -> CatalogError:
        if self._member:
            message = f"in {self._member}: {message}"
        line = entry.line if entry is not None else None
        header = entry.columns.get(column) if entry is not None else None
        return CatalogError(message, file=self.source, row=line, column=header)

    def _chain(self, code: str) -> list[str]:
        chain = []
        parent = self._parents[code]
        while parent is not None:
            chain.append(parent)
            parent = self._parents[parent]
        return chain[::-1]

    def _lookup(self, name) -> str | None:
        key = str(name).strip()
        if key in self._parents:
            return key
        if key in self.aliases:
            return self.aliases[key]
        if SEPARATOR in key and _path_key(key) in self._by_path:
            return self._by_path[_path_key(key)]
        return self._folded.get(_fold_key(key))

    # -- use --

    def resolve(self, name: str) -> str:
        """The canonical code of ``name``: a code, an alias or a path ``parent/child``.

        Case, accents and spacing are forgiven when no other name of the codebook looks the
        same that way.

        Raises
        ------
        UnknownCodeError
            ``name`` is not in the codebook; the message suggests the closest code.
        """
        code = self._lookup(name)
        if code is not None:
            return code
        where = f" {self.source.name}" if self.source is not None else ""
        message = f"the code {str(name).strip()!r} is not in the codebook{where}"
        names = [*self._parents, *self.aliases]
        close = difflib.get_close_matches(str(name).strip(), names, n=1, cutoff=0.7)
        if close:
            message += f"; did you mean {close[0]!r}?"
        raise UnknownCodeError(message, str(name))

    def ancestors(self, code: str) -> list[str]:
        """The codes above ``code``, from the top-level theme down to its parent."""
        return self._chain(self.resolve(code))

    def children(self, code: str) -> list[str]:
        """The codes directly under ``code``, in the codebook's order."""
        return list(self._children[self.resolve(code)])

    def roll_up(self, code: str, depth: int = 1) -> str:
        """The ancestor of ``code`` at level ``depth`` (1: its top-level theme).

        A code at level ``depth`` or above is its own roll-up.
        """
        if depth < 1:
            raise ValueError("depth counts levels from 1 (the top-level themes)")
        code = self.resolve(code)
        chain = [*self._chain(code), code]
        return chain[min(depth, len(chain)) - 1]

    def __contains__(self, name) -> bool:
        return self._lookup(name) is not None

    def __len__(self) -> int:
        return len(self._parents)

    def __repr__(self) -> str:
        where = f" from {self.source.name}" if self.source is not None else ""
        return f"<Codebook{where}: {len(self)} codes, {len(self.aliases)} aliases>"


@dataclass(frozen=True)
class _RawParent:
    """A parent as written in a ``parent`` column, resolved once every code is known."""

    value: str


def _parent_name(parent) -> str:
    if isinstance(parent, _RawParent):
        return parent.value.split(SEPARATOR)[-1].strip()
    return parent


def _path_key(path: str) -> str:
    return SEPARATOR.join(part.strip() for part in path.split(SEPARATOR))


def _fold_key(name: str) -> str:
    return SEPARATOR.join(fold(part) for part in str(name).split(SEPARATOR))


# --- reading codebook files -----------------------------------------------------------------

_CODEBOOK_FIELDS = {
    "path": ("tag full path", "full path", "path", "chemin", "chemin complet"),
    "name": ("name", "nom", "code", "codename", "code name", "nom du code", "tag", "libelle",
             "intitule"),
    "parent": ("parent", "tag parent", "parent path", "code parent", "category", "categorie",
               "theme", "theme parent", "categorie parente"),
    "description": ("description", "definition", "memo", "commentaire", "note"),
    "merge_into": ("merge into", "rename to", "fusionner dans", "fusionne dans", "fusion",
                   "renommer en", "renomme en", "alias de"),
}
_YAML_KEYS = ("description", "codes", "merge_into", "rename_to")


def read_codebook(path: str | Path, *, sheet: str | int | None = None,
                  encoding: str | None = None) -> Codebook:
    """Read a codebook from CSV, XLSX, YAML, a REFI-QDA ``.qdc`` or a ``.qdpx`` project.

    Parameters
    ----------
    path : path
        The file; its suffix says which kind (``.yml``/``.yaml``, ``.xlsx``, ``.qdc``,
        ``.qdpx``, anything else is CSV). The accepted shapes are those of the module
        documentation.
    sheet : str or int, optional
        The sheet of a workbook (the first one by default).
    encoding : str, optional
        Force the encoding of a CSV file instead of detecting it.

    Returns
    -------
    Codebook

    Raises
    ------
    CatalogError
        With file, line and column: the file is empty or malformed; no column of code
        names; a code declared twice; a parent that is not a code; parents or merges forming
        a cycle; a merge target that is not a code.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "codebook.csv"
    >>> _ = path.write_bytes("nom;parent;description;fusionner dans\\n"
    ...                      "Mobilité;;Se déplacer;\\nPistes cyclables;Mobilité;;\\n"
    ...                      "Vélo;;;Pistes cyclables\\n".encode("cp1252"))
    >>> book = read_codebook(path)
    >>> book.codes["path"].tolist(), book.aliases
    (['Mobilité', 'Mobilité/Pistes cyclables'], {'Vélo': 'Pistes cyclables'})
    """
    path = Path(path)
    if not path.is_file():
        raise CatalogError("file not found", file=path)
    suffix = path.suffix.lower()
    if suffix in (".yml", ".yaml"):
        return Codebook._from_entries(_yaml_entries(path, encoding), path)
    if suffix == ".qdc":
        root, lines = parse_xml(path.read_bytes(), path, None)
        return Codebook._from_entries(qde_code_entries(root, lines, path, None)[0], path)
    if suffix == ".qdpx":
        data, member = read_qdpx_project(path)
        root, lines = parse_xml(data, path, member)
        entries = qde_code_entries(root, lines, path, member)[0]
        return Codebook._from_entries(entries, path, member)
    return Codebook._from_entries(_table_entries(path, sheet, encoding), path)


def _table_entries(path: Path, sheet, encoding) -> list[_Entry]:
    table = load_table(path, sheet=sheet, encoding=encoding)
    found = find_columns(table, _CODEBOOK_FIELDS, labels={"name": "code names"},
                         required=(), option_name=None)
    if "name" not in found and "path" not in found:
        raise CatalogError(
            "no column of code names: expected a header such as 'name', 'code' or 'tag'; "
            f"found: {', '.join(table.header)}", file=path, row=table.header_line)
    name_field = "path" if "path" in found else "name"
    columns = {key: table.header[found[source][0]] for key, source in
               [("name", name_field), ("parent", "parent"), ("description", "description"),
                ("merge_into", "merge_into")] if source in found}
    entries = []
    for line, cells in table.rows:
        def cell(key, cells=cells):
            return cells[found[key][0]] if key in found else None

        name = cell(name_field)
        if name is None:
            raise CatalogError("a code has no name", file=path, row=line,
                               column=columns["name"])
        parent = cell("parent") if name_field == "name" else None
        entries.append(_Entry(name, line, parent=parent, description=cell("description"),
                              target=cell("merge_into"), columns=columns))
    return entries


def _yaml_entries(path: Path, encoding: str | None) -> list[_Entry]:
    from civeval.workbench import tables

    text = tables.decode(path.read_bytes(), path, encoding)
    if not text.strip():
        raise CatalogError("the file is empty", file=path)
    try:
        document = yaml.compose(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        raise CatalogError(f"not valid YAML: {error.problem or error.context}", file=path,
                           row=mark.line + 1 if mark else None,
                           column=mark.column + 1 if mark else None) from None
    codes = None
    if isinstance(document, yaml.MappingNode):
        codes = next((value for key, value in document.value if key.value == "codes"), None)
    if not isinstance(codes, yaml.MappingNode):
        raise CatalogError("a YAML codebook holds a mapping of codes under the key 'codes'",
                           file=path, row=(document.start_mark.line + 1) if document else None)
    entries: list[_Entry] = []
    _yaml_codes(codes, None, path, entries)
    return entries


def _yaml_codes(mapping: yaml.MappingNode, parent: str | None, path: Path,
                entries: list[_Entry]) -> None:
    for key, value in mapping.value:
        line = key.start_mark.line + 1
        if not isinstance(key, yaml.ScalarNode) or not key.value.strip():
            raise CatalogError("a code name must be a text", file=path, row=line)
        name = key.value.strip()
        entry = _Entry(name, line, parent=parent)
        entries.append(entry)
        if isinstance(value, yaml.ScalarNode):
            entry.description = None if value.tag.endswith(":null") else text_or_none(value.value)
            continue
        if not isinstance(value, yaml.MappingNode):
            raise CatalogError(f"the code {name!r} must map to a description or to keys "
                               f"({', '.join(_YAML_KEYS)})", file=path, row=line)
        children = None
        for item_key, item in value.value:
            if item_key.value not in _YAML_KEYS:
                raise CatalogError(f"the code {name!r} has an unknown key {item_key.value!r}; "
                                   f"keys: {', '.join(_YAML_KEYS)}", file=path,
                                   row=item_key.start_mark.line + 1)
            if item_key.value == "codes":
                if not isinstance(item, yaml.MappingNode):
                    if isinstance(item, yaml.ScalarNode) and item.tag.endswith(":null"):
                        continue
                    raise CatalogError(f"the codes under {name!r} must be a mapping",
                                       file=path, row=item.start_mark.line + 1)
                children = item
            elif not isinstance(item, yaml.ScalarNode):
                raise CatalogError(f"the key {item_key.value!r} of {name!r} must be a text",
                                   file=path, row=item.start_mark.line + 1)
            elif item_key.value == "description":
                entry.description = text_or_none(item.value)
            else:
                entry.target = text_or_none(item.value)
                entry.line = item.start_mark.line + 1
        if entry.target is not None and children is not None:
            raise CatalogError(f"{name!r} is merged into {entry.target!r}: it cannot have "
                               "codes of its own", file=path, row=line)
        if children is not None:
            _yaml_codes(children, name, path, entries)


def read_codebook_table(path: str | Path, sheet: str | int | None = None,
                        encoding: str | None = None) -> pd.DataFrame:
    """The catalogue format ``codebook``: :func:`read_codebook`'s codes as a table
    (``code, parent, description, path``); ``Codebook(codes=table)`` rebuilds the tree."""
    return read_codebook(path, sheet=sheet, encoding=encoding).codes.copy()


# --- REFI-QDA codebooks ---------------------------------------------------------------------

def qde_code_entries(root: ElementTree.Element, lines: dict, path: Path,
                     member: str | None) -> tuple[list[_Entry], dict[str, str]]:
    """The codes of a REFI-QDA ``CodeBook`` (project or ``.qdc``), and their guids → names.

    Nested ``Code`` elements are children; ``Description`` is the description.
    """
    codes = next((element for element in root.iter() if element.tag == "Codes"), None)
    entries: list[_Entry] = []
    guids: dict[str, str] = {}

    def walk(element, parent):
        for child in element:
            if child.tag != "Code":
                continue
            name = (child.get("name") or "").strip()
            line = lines.get(child)
            if not name:
                where = f"in {member}: " if member else ""
                raise CatalogError(f"{where}a Code has no name", file=path, row=line,
                                   column="name")
            description = next((text_or_none(item.text) for item in child
                                if item.tag == "Description"), None)
            entries.append(_Entry(name, line, parent=parent, description=description,
                                  columns={"name": "name"}))
            if child.get("guid"):
                guids[child.get("guid")] = name
            walk(child, name)

    if codes is not None:
        walk(codes, None)
    return entries, guids
