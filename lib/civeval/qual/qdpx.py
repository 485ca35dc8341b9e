"""The coded text of a REFI-QDA project (``.qdpx``), read as the segments table
(:mod:`civeval.qual.segments`).

REFI-QDA is the exchange standard QualCoder, Taguette, MAXQDA, ATLAS.ti and NVivo all
export. A selection's ``segment_id`` is ``<document>:<start>-<end>``, its span as the project
states it; the speaker role comes from a case variable (:data:`~civeval.qual.roles.ROLE_VARIABLES`).
The archive and its XML are opened by :mod:`civeval.qual.refiqda`; the project's own
codebook is read by :func:`civeval.qual.codebook.read_codebook`. :func:`read_qdpx` is the
catalogue format ``qdpx`` (suffix ``.qdpx``).
"""

from __future__ import annotations

import bisect
import re
import zipfile
from pathlib import Path, PurePosixPath

import pandas as pd

from civeval.errors import CatalogError
from civeval.qual.codebook import Codebook
from civeval.qual.refiqda import parse_xml, read_qdpx_project
from civeval.qual.roles import (
    ROLE_VARIABLES,
    fold,
    normalise_role,
    role_map,
    unknown_role_message,
)
from civeval.qual.segments import as_codebook, resolve_code, segments_table
from civeval.workbench import archives

__all__ = ["OFFSET_UNITS", "read_qdpx", "source_slicer"]

OFFSET_UNITS = ("utf16", "codepoints")
"""How selection positions count: UTF-16 code units, as the standard's .NET and Java
exporters (NVivo, MAXQDA, ATLAS.ti) count them, or Unicode code points."""
_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")


def read_qdpx(path: str | Path, codebook: Codebook | str | Path | None = None, roles=None,
              role_variable: str | None = None, offsets: str = "utf16") -> pd.DataFrame:
    """Read the coded text of a REFI-QDA project (``.qdpx``).

    A ``.qdpx`` is a zip holding ``project.qde`` (XML, namespace ``urn:QDA-XML:project:1.0``)
    and the sources under ``sources/``. Read from it: ``CodeBook/Codes/Code`` (``guid``,
    ``name``; nested codes are children), ``Users/User`` (``guid``, ``name``: the coders),
    each ``Sources/TextSource`` (``name``; its text in ``PlainTextContent`` or in the
    member ``plainTextPath="internal://…"``), its ``PlainTextSelection`` elements
    (``startPosition``/``endPosition``: offsets into the text, end excluded, counted in
    UTF-16 code units as the standard's exporters count them, so that an emoji counts two;
    ``creatingUser``) with their ``Coding/CodeRef targetGUID``, and ``Variables`` with
    ``Cases/Case`` (``VariableValue``, ``SourceRef``, ``SelectionRef``) for the speaker
    role. Pictures, PDF, audio and video sources are not read.

    Parameters
    ----------
    path : path
        The project.
    codebook : Codebook or path, optional
        Code names are resolved through it (by name, else by their path in the project).
        Without it, codes keep their project names; ``read_codebook(path)`` gives the
        project's own hierarchy.
    roles : dict or list, optional
        A study's own role spellings or groups.
    role_variable : str, optional
        The case variable holding the speaker's group; by default the variable named role,
        rôle, groupe, group, profil or profile. Without such a variable ``speaker_role``
        stays missing; with one, every coded source must belong to a case that has it.
    offsets : {"utf16", "codepoints"}
        How the project counts positions: UTF-16 code units (the standard, NVivo), or
        Unicode code points for an exporter that counts those. The two differ only after
        a character outside the Basic Multilingual Plane (an emoji, say).

    Returns
    -------
    pandas.DataFrame
        The segments table: ``segment_id`` is ``<source>:<start>-<end>`` (two coders coding
        the same span share it), ``text`` the slice of the source text, ``coder`` the
        coding's user (its name in ``Users``), ``speaker`` missing (case names are often
        people's names). Line endings in ``text`` are ``\\n``, whatever the source used.

    Raises
    ------
    CatalogError
        Naming the file and, for XML, the line and column in ``project.qde``: not a zip, no
        ``project.qde``, XML not well-formed, a source text missing, a ``CodeRef`` to an
        unknown code, a selection outside its text or splitting a character, an unknown
        role.

    Examples
    --------
    >>> import tempfile, pathlib, zipfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "projet.qdpx"
    >>> qde = '''<Project xmlns="urn:QDA-XML:project:1.0" name="Évaluation">
    ... <CodeBook><Codes><Code guid="c1" name="Confiance" isCodable="true"/></Codes></CodeBook>
    ... <Sources><TextSource guid="s1" name="Entretien 1">
    ... <PlainTextContent>Je fais confiance au maire.</PlainTextContent>
    ... <PlainTextSelection guid="p1" startPosition="3" endPosition="26">
    ... <Coding guid="k1"><CodeRef targetGUID="c1"/></Coding></PlainTextSelection>
    ... </TextSource></Sources></Project>'''
    >>> with zipfile.ZipFile(path, "w") as archive:
    ...     archive.writestr("project.qde", qde)
    >>> read_qdpx(path)[["segment_id", "text", "code"]].values.tolist()
    [['Entretien 1:3-26', 'fais confiance au maire', 'Confiance']]
    """
    path = Path(path)
    if not path.is_file():
        raise CatalogError("file not found", file=path)
    if offsets not in OFFSET_UNITS:
        raise CatalogError(f"unknown offsets {offsets!r}; choose one of "
                           f"{', '.join(OFFSET_UNITS)}", file=path)
    codebook = as_codebook(codebook)
    extra = role_map(roles)
    data, member = read_qdpx_project(path)
    root, lines = parse_xml(data, path, member)

    def error(message, element=None, column=None):
        return CatalogError(f"in {member}: {message}", file=path,
                            row=lines.get(element) if element is not None else None,
                            column=column)

    if root.tag != "Project":
        raise error(f"not a REFI-QDA project: the root element is {root.tag!r}, not "
                    "'Project'", root)
    codes = _qde_codes(root)
    users = {user.get("guid"): (user.get("name") or user.get("guid"))
             for user in root.iter("User")}
    source_roles, variable = _qde_roles(root, role_variable, extra, error)
    records = []
    with zipfile.ZipFile(path) as archive:
        for source in _children(root, "Sources", "TextSource"):
            name = source.get("name") or source.get("guid")
            selections = list(source.iter("PlainTextSelection"))
            if not selections:  # nothing coded: its text is not needed
                continue
            text = _source_text(source, archive, member, path, lines)
            slice_text = source_slicer(text, offsets)
            for selection in selections:
                start, end = (_position(selection, key, error)
                              for key in ("startPosition", "endPosition"))
                try:
                    segment = slice_text(start, end)
                except ValueError as problem:
                    raise error(f"the selection {start}-{end} of {name!r} {problem.args[0]}",
                                selection, problem.args[1]) from None
                role = (source_roles.get(selection.get("guid") or "")
                        or source_roles.get(source.get("guid") or ""))
                if role is None and variable is not None:
                    raise error(f"the source {name!r} belongs to no case with a value of the "
                                f"role variable {variable!r}", source)
                for coding in selection.iter("Coding"):
                    for reference in coding.iter("CodeRef"):
                        guid = reference.get("targetGUID")
                        if guid not in codes:
                            raise error(f"the CodeRef targets {guid!r}, which is not a code "
                                        "of the CodeBook", reference, "targetGUID")
                        code = _qde_code_name(codebook, codes[guid], path, member,
                                              lines.get(reference))
                        user = coding.get("creatingUser") or selection.get("creatingUser")
                        records.append({
                            "segment_id": f"{name}:{start}-{end}", "document": name,
                            "speaker_role": role, "speaker": None, "text": segment,
                            "code": code, "coder": users.get(user, user)})
    return segments_table(records, path)


def _children(root, container: str, tag: str):
    for element in root:
        if element.tag == container:
            yield from (child for child in element if child.tag == tag)


def _qde_codes(root) -> dict[str, tuple[str, str]]:
    """Code guid → (name, path) from the project's CodeBook."""
    codes = {}

    def walk(element, above):
        for child in element:
            if child.tag == "Code":
                name = (child.get("name") or "").strip()
                codes[child.get("guid")] = (name, "/".join([*above, name]))
                walk(child, [*above, name])

    for book in root.iter("CodeBook"):
        for container in book:
            if container.tag == "Codes":
                walk(container, [])
    return codes


def _qde_code_name(codebook, code: tuple[str, str], path, member, line) -> str:
    name, code_path = code
    if codebook is None:
        return name
    if name not in codebook and code_path in codebook:
        name = code_path
    return resolve_code(codebook, name, file=path, row=line, column="targetGUID")


def source_slicer(text: str, offsets: str = "utf16"):
    """A function ``(start, end) -> segment text`` for positions counted in ``offsets``.

    The segment's line endings become ``\\n`` after slicing, since the positions count a
    ``\\r\\n`` as two. A position outside the text, or one that falls between the two
    halves of a character that UTF-16 writes as a surrogate pair, raises ``ValueError``
    whose arguments are the message and the attribute at fault.

    Examples
    --------
    >>> text = "Super 👍 Senkit nem lehet"
    >>> slice_text = source_slicer(text)
    >>> slice_text(9, 15)  # the emoji counts two UTF-16 code units
    'Senkit'
    >>> source_slicer(text, "codepoints")(8, 14)
    'Senkit'
    """
    if offsets == "codepoints" or not _ASTRAL.search(text):
        starts = None
        length = len(text)
    else:
        # starts[i]: the UTF-16 offset at which the i-th character begins (and the total).
        starts = [0]
        for char in text:
            starts.append(starts[-1] + (2 if ord(char) > 0xFFFF else 1))
        length = starts[-1]

    def index(position: int, key: str, verb: str) -> int:
        if starts is None:
            return position
        found = bisect.bisect_left(starts, position)
        if starts[found] != position:
            raise ValueError(f"{verb} inside a character written as two UTF-16 code units; "
                             "if the project counts code points, set the catalogue option "
                             "offsets: codepoints", key)
        return found

    def slice_text(start: int, end: int) -> str:
        if not 0 <= start <= end <= length:
            key = "endPosition" if end > length else "startPosition"
            raise ValueError(f"is outside the text ({length} characters)", key)
        segment = text[index(start, "startPosition", "starts"):index(end, "endPosition", "ends")]
        return segment.replace("\r\n", "\n").replace("\r", "\n")

    return slice_text


def _position(selection, key: str, error) -> int:
    value = selection.get(key)
    if value is None or not value.strip().isdigit():
        raise error(f"the selection's {key} must be a whole number, not {value!r}",
                    selection, key)
    return int(value)


def _source_text(source, archive: zipfile.ZipFile, member: str, path: Path, lines) -> str:
    name = source.get("name") or source.get("guid")
    where = {"file": path, "row": lines.get(source)}
    content = next((child for child in source if child.tag == "PlainTextContent"), None)
    if content is not None:
        return content.text or ""
    reference = source.get("plainTextPath")
    if reference is None:
        raise CatalogError(f"in {member}: the source {name!r} has neither PlainTextContent "
                           "nor plainTextPath", **where)
    if not reference.startswith("internal://"):
        raise CatalogError(f"in {member}: the text of {name!r} is outside the project "
                           f"({reference}); export the project with its sources", **where,
                           column="plainTextPath")
    wanted = reference[len("internal://"):].lstrip("/").lower()
    # The standard puts sources under "sources/"; exporters write "Sources/" too.
    candidates = {str(PurePosixPath("sources") / wanted), wanted}
    found = next((item for item in archive.namelist() if item.lower() in candidates), None)
    if found is None:
        raise CatalogError(f"in {member}: the text of {name!r} ({reference}) is not in the "
                           "archive", **where, column="plainTextPath")
    try:
        return archives.read_member(archive, found, path).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CatalogError(f"in {found}: the text of {name!r} is not UTF-8, as REFI-QDA "
                           "requires", file=path) from None


def _qde_roles(root, role_variable: str | None, extra: dict[str, str],
               error) -> tuple[dict[str, str], str | None]:
    """Source or selection guid → role, from the cases, and the role variable's name (None
    when the project has none)."""
    variables = {variable.get("guid"): (variable.get("name") or "").strip()
                 for variable in root.iter("Variable")}
    if role_variable is not None:
        chosen = [guid for guid, name in variables.items() if fold(name) == fold(role_variable)]
        if not chosen:
            raise error(f"no variable named {role_variable!r}; variables: "
                        f"{', '.join(variables.values()) or 'none'}")
    else:
        chosen = [guid for guid, name in variables.items() if fold(name) in ROLE_VARIABLES]
        if len({variables[guid] for guid in chosen}) > 1:
            shown = ", ".join(repr(variables[guid]) for guid in chosen)
            raise error(f"several variables could hold the speaker role ({shown}); choose "
                        "one with the catalogue option role_variable")
    if not chosen:
        return {}, None
    roles: dict[str, str] = {}
    for case in root.iter("Case"):
        role = None
        for value in case.iter("VariableValue"):
            reference = next(value.iter("VariableRef"), None)
            if reference is None or reference.get("targetGUID") not in chosen:
                continue
            text = next((child.text for child in value if child.tag.endswith("Value")), None)
            if text and text.strip():
                role = normalise_role(text.strip(), extra)
                if role is None:
                    raise error(unknown_role_message(text.strip(), extra), value)
            break
        if role is None:
            continue
        for reference in case:
            if reference.tag in ("SourceRef", "SelectionRef"):
                guid = reference.get("targetGUID")
                if guid in roles and roles[guid] != role:
                    raise error(f"the source or selection {guid!r} belongs to cases with "
                                f"different roles ({roles[guid]}, {role}); give the "
                                "speakers' cases SelectionRef elements", reference)
                roles[guid] = role
    return roles, variables[chosen[0]]
