"""Import coded qualitative material: interview segments, workshop votes, open answers.

Every importer of coded segments returns the **segments table** of :mod:`civeval.qual`
(columns :data:`~civeval.qual.SEGMENT_COLUMNS`, text as the pandas ``string`` dtype, one row
per segment and code), with codes resolved through the :class:`~civeval.qual.codebook.Codebook`
when one is given and speaker roles brought to the groups of :mod:`civeval.qual.roles`:

- :func:`read_coded_segments`: a consultant's spreadsheet (CSV or XLSX);
- :func:`read_taguette`: Taguette's highlights export;
- :func:`read_qualcoder`: QualCoder's coding report (Report > Coding, exported as CSV);
- :func:`read_qdpx`: a REFI-QDA project (``.qdpx``), which QualCoder, Taguette, MAXQDA,
  ATLAS.ti and NVivo all export.

:func:`read_workshop` reads workshop votes (stickers per proposal and group) and
:func:`open_answers` prepares the free-text answers of a questionnaire for coding.

**Segment ids.** A segment coded by two coders must carry the same ``segment_id`` on both
coders' rows, for agreement to be measured. When a source gives no id for the segment itself
(a spreadsheet without one, Taguette and QualCoder exports, whose ids are per highlight or per
coding), the id is ``<document>#<10 hex digits>``, a hash of the document and of the text with
its spacing normalised: the same passage gets the same id whoever coded it. A REFI-QDA
selection is ``<document>:<start>-<end>``, its character span.

**Roles.** A speaker role is read as :func:`~civeval.qual.roles.normalise_role` reads it
("Élue", "adjoint" → ``élu``); the catalogue option ``roles`` adds a study's own spellings
(``{riverain: habitant}``) or groups (``[commerçant]``, a group of that name). An unknown
role is an error listing the known ones. Taguette has no roles, so its documents are given a
group by a small ``documents`` table (``document;role[;speaker]``); QualCoder and REFI-QDA
projects carry them as case or file variables named "role", "rôle", "groupe" or "profil".

Its readers are the catalogue formats ``codebook``, ``coded_segments``, ``taguette``,
``qualcoder``, ``qdpx`` (suffix ``.qdpx``) and ``workshop``.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

import pandas as pd

from civeval.errors import CatalogError, SurveyError
from civeval.qual import SEGMENT_COLUMNS
from civeval.qual.codebook import (
    Codebook,
    Table,
    UnknownCodeError,
    find_columns,
    header_key,
    load_table,
    parse_xml,
    read_codebook,
    read_qdpx_project,
)
from civeval.qual.roles import ROLES, fold, normalise_role

__all__ = ["open_answers", "read_coded_segments", "read_qdpx", "read_qualcoder",
           "read_taguette", "read_workshop"]

# Header keys (civeval.qual.codebook.header_key) that name each field of a spreadsheet.
SEGMENT_HEADERS = {
    "segment_id": ("segment id", "id segment", "id extrait", "id", "identifiant", "n", "no",
                   "numero", "num", "ref", "reference"),
    "document": ("document", "doc", "entretien", "interview", "source", "fichier", "file",
                 "cas", "case", "id entretien", "code entretien", "n entretien",
                 "numero entretien", "transcription"),
    "speaker_role": ("role", "role du locuteur", "groupe", "group", "profil", "profile",
                     "type d acteur", "type acteur", "categorie d acteur", "statut", "college"),
    "speaker": ("speaker", "locuteur", "locutrice", "locuteur locutrice", "intervenant",
                "intervenante", "enquete", "enquetee", "pseudonyme", "pseudo", "id locuteur",
                "participant"),
    "text": ("extrait", "segment", "texte", "text", "verbatim", "citation", "passage",
             "contenu", "content", "quote", "propos"),
    "code": ("code", "codes", "theme", "themes", "thematique", "thematiques", "tag", "tags"),
    "coder": ("codeur", "codeuse", "codeur codeuse", "codeureuse", "coder", "codeur euse",
              "annotateur", "annotatrice", "analyste", "code par", "coded by"),
}
_SEGMENT_LABELS = {"segment_id": "segment id", "document": "document (interview)",
                   "speaker_role": "speaker role", "speaker": "speaker", "text": "segment text",
                   "code": "codes", "coder": "coder"}
_NUMBERED_CODES = {"code": ("code", "theme", "thematique", "tag")}
_SEGMENT_EXAMPLES = {"document": "'entretien', 'document' or 'source'",
                     "speaker_role": "'rôle', 'groupe' or 'profil'",
                     "text": "'extrait', 'texte' or 'verbatim'",
                     "code": "'codes', 'thèmes' or 'code_1', 'code_2'…"}
_WORKSHOP_EXAMPLES = {"proposal": "'proposition' or 'proposal'",
                      "group": "'groupe', 'group' or 'table'",
                      "votes": "'votes', 'gommettes' or 'points'"}
_DOCUMENT_HEADERS = {key: SEGMENT_HEADERS[key] for key in ("document", "speaker_role", "speaker")}
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
# Variable names (folded) that hold a speaker's group in QualCoder and REFI-QDA projects.
ROLE_VARIABLES = ("role", "groupe", "group", "profil", "profile")

_CODE_SEPARATORS = re.compile(r"[;|\n]")
_WHOLE = re.compile(r"^\+?\d+(?:[.,]0+)?$")


# --- shared -------------------------------------------------------------------------------

def _as_codebook(codebook) -> Codebook | None:
    if codebook is None or isinstance(codebook, Codebook):
        return codebook
    return read_codebook(codebook)


def _role_map(roles) -> dict[str, str]:
    """The ``roles`` option: spellings → groups, or a list of a study's own groups."""
    if roles is None:
        return {}
    if isinstance(roles, dict):
        return {str(k): str(v) for k, v in roles.items()}
    if isinstance(roles, str):
        return {roles: roles}
    return {str(role): str(role) for role in roles}


def _unknown_role(value: str, extra: dict[str, str]) -> str:
    known = ", ".join(sorted({*ROLES, *extra.values()}, key=fold))
    return (f"unknown speaker role {value!r}; known roles: {known}. Add the study's own "
            "spellings or groups with the catalogue option roles (e.g. roles: "
            f"{{{value}: habitant}} or roles: [{value}])")


def _role(value: str, extra: dict[str, str], **where) -> str:
    role = normalise_role(value, extra)
    if role is None:
        raise CatalogError(_unknown_role(value, extra), **where)
    return role


def _segment_id(document: str, text: str) -> str:
    normalised = " ".join(text.split())
    digest = hashlib.blake2b(f"{document}\x1f{normalised}".encode(), digest_size=5)
    return f"{document}#{digest.hexdigest()}"


def _resolve(codebook: Codebook | None, code: str, **where) -> str:
    if codebook is None:
        return code
    try:
        return codebook.resolve(code)
    except UnknownCodeError as error:
        raise CatalogError(error.message, **where) from None


def _segments(records: list[dict], path: Path, **attrs) -> pd.DataFrame:
    frame = pd.DataFrame(records, columns=list(SEGMENT_COLUMNS)).astype("string")
    # A code listed twice for a segment (or under an old name and its new one) counts once.
    frame = frame.drop_duplicates(["segment_id", "code", "coder"]).reset_index(drop=True)
    frame.attrs.update(source=str(path), **attrs)
    return frame


def _documents_table(documents, roles: dict[str, str]) -> dict[str, dict] | None:
    """``document → {role, speaker, line}`` from a ``document;role[;speaker]`` table."""
    if documents is None:
        return None
    table = load_table(documents)
    found = find_columns(table, _DOCUMENT_HEADERS, required=("document", "speaker_role"),
                         labels=_SEGMENT_LABELS, option_name=None, examples=_SEGMENT_EXAMPLES)
    result: dict[str, dict] = {}
    for line, cells in table.rows:
        document = cells[found["document"][0]]
        if document is None:
            raise CatalogError("a row has no document", file=table.path, row=line,
                               column=table.header[found["document"][0]])
        column = table.header[found["speaker_role"][0]]
        value = cells[found["speaker_role"][0]]
        if value is None:
            raise CatalogError(f"the document {document!r} has no role", file=table.path,
                               row=line, column=column)
        role = _role(value, roles, file=table.path, row=line, column=column)
        speaker = cells[found["speaker"][0]] if "speaker" in found else None
        if document in result:
            raise CatalogError(f"the document {document!r} is listed twice (lines "
                               f"{result[document]['line']} and {line})", file=table.path,
                               row=line, column=table.header[found["document"][0]])
        result[document] = {"role": role, "speaker": speaker, "line": line}
    return result


def _document_info(table: dict[str, dict], document: str, source: Path, documents: Path,
                   **where) -> dict:
    if document in table:
        return table[document]
    folded = [name for name in table if fold(name) == fold(document)]
    if len(folded) == 1:
        return table[folded[0]]
    raise CatalogError(f"the document {document!r} is not in the documents table "
                       f"{Path(documents).name}, which gives each document's speaker role; "
                       "add it there", file=source, **where)


# --- a consultant's spreadsheet -----------------------------------------------------------

def read_codebook_table(path: str | Path, sheet: str | int | None = None,
                        encoding: str | None = None) -> pd.DataFrame:
    """The catalogue format ``codebook``: :func:`read_codebook`'s codes as a table
    (``code, parent, description, path``); ``Codebook(codes=table)`` rebuilds the tree."""
    return read_codebook(path, sheet=sheet, encoding=encoding).codes.copy()


def read_coded_segments(path: str | Path, codebook: Codebook | str | Path | None = None,
                        columns: dict | None = None, roles=None, sep: str | None = None,
                        encoding: str | None = None,
                        sheet: str | int | None = None) -> pd.DataFrame:
    """Read coded interview segments from a spreadsheet, one row per segment.

    Parameters
    ----------
    path : path
        A CSV file (``;``/``,``/tab, UTF-8 with or without BOM or Windows-1252, detected) or
        an XLSX workbook.
    codebook : Codebook or path, optional
        Codes are resolved through it (aliases, paths); a code it does not know is an error.
    columns : dict, optional
        Our field → the file's header, for headers not recognised: ``segment_id``,
        ``document``, ``speaker_role``, ``speaker``, ``text``, ``code`` (one header or a
        list), ``coder``. Recognised without it (case, accents, ``_`` and ``(s)`` ignored):
        document — ``entretien``, ``document``, ``source``, ``fichier``…; role — ``rôle``,
        ``groupe``, ``profil``…; text — ``extrait``, ``segment``, ``texte``, ``verbatim``…;
        codes — ``code(s)``, ``thème(s)``, ``tags`` or numbered ``code_1``, ``code_2``…;
        optional ``segment_id`` (``id``, ``n°``…), ``speaker`` (``locuteur``,
        ``pseudonyme``…; a pseudonymous id, never a name) and ``coder`` (``codeur``,
        ``codeuse``…).
    roles : dict or list, optional
        A study's own role spellings (``{riverain: habitant}``) or groups.
    sep, encoding : str, optional
        Force the CSV separator or encoding.
    sheet : str or int, optional
        The sheet of a workbook (the first by default).

    Returns
    -------
    pandas.DataFrame
        The segments table (see :mod:`civeval.qual`): one row per segment and code, in file
        order. A cell may hold several codes separated by ``;``, ``|``, line breaks or
        commas (a comma is kept inside a name the codebook knows). Rows without any code
        are left out and counted in ``attrs["uncoded_segments"]``.

    Raises
    ------
    CatalogError
        With file, line and column: empty file, missing column (naming the headers found),
        a row without document or text, an unknown role or code, a segment id used for two
        documents.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "segments.csv"
    >>> _ = path.write_bytes("Entretien;Rôle;Extrait;Codes\\n"
    ...                      "E1;Élue;Le budget participatif s'essouffle.;Essoufflement\\n"
    ...                      "E2;habitante;On ne sait pas ce que deviennent nos idées.;"
    ...                      "Transparence | Retour aux participants\\n".encode("cp1252"))
    >>> segments = read_coded_segments(path)
    >>> segments[["document", "speaker_role", "code"]].values.tolist()
    [['E1', 'élu', 'Essoufflement'], ['E2', 'habitant', 'Transparence'], \
['E2', 'habitant', 'Retour aux participants']]
    """
    path = Path(path)
    codebook = _as_codebook(codebook)
    extra = _role_map(roles)
    table = load_table(path, sep=sep, encoding=encoding, sheet=sheet)
    found = find_columns(table, SEGMENT_HEADERS, labels=_SEGMENT_LABELS, option=columns,
                         required=("document", "speaker_role", "text", "code"),
                         multiple=("code",), numbered=_NUMBERED_CODES,
                         examples=_SEGMENT_EXAMPLES)
    header = table.header
    records, uncoded, documents_of = [], 0, {}
    for line, cells in table.rows:
        def value(field, cells=cells):
            return cells[found[field][0]] if field in found else None

        def where(field, line=line):
            return {"file": path, "row": line, "column": header[found[field][0]]}

        document, text = value("document"), value("text")
        if document is None:
            raise CatalogError("the segment has no document (interview)", **where("document"))
        if text is None:
            raise CatalogError("the segment has no text", **where("text"))
        if value("speaker_role") is None:
            raise CatalogError("the segment has no speaker role", **where("speaker_role"))
        role = _role(value("speaker_role"), extra, **where("speaker_role"))
        segment_id = value("segment_id") or _segment_id(document, text)
        if segment_id in documents_of and documents_of[segment_id][0] != document:
            first_document, first_line = documents_of[segment_id]
            raise CatalogError(f"the segment id {segment_id!r} is used for the document "
                               f"{first_document!r} on line {first_line} and for "
                               f"{document!r} here", **where("segment_id"))
        documents_of.setdefault(segment_id, (document, line))
        codes = []
        for index in found["code"]:
            for code in _split_codes(cells[index], codebook):
                codes.append(_resolve(codebook, code, file=path, row=line,
                                      column=header[index]))
        if not codes:
            uncoded += 1
            continue
        for code in codes:
            records.append({"segment_id": segment_id, "document": document,
                            "speaker_role": role, "speaker": value("speaker"), "text": text,
                            "code": code, "coder": value("coder")})
    return _segments(records, path, uncoded_segments=uncoded)


def _split_codes(cell: str | None, codebook: Codebook | None) -> list[str]:
    codes = []
    for part in _CODE_SEPARATORS.split(cell or ""):
        part = part.strip()
        if not part:
            continue
        if "," in part and not (codebook is not None and part in codebook):
            codes += [piece.strip() for piece in part.split(",") if piece.strip()]
        else:
            codes.append(part)
    return codes


# --- Taguette -----------------------------------------------------------------------------

TAGUETTE_COLUMNS = ("id", "document", "tag", "content")


def read_taguette(path: str | Path, codebook: Codebook | str | Path | None = None,
                  documents: str | Path | None = None, roles=None) -> pd.DataFrame:
    """Read Taguette's highlights export (Export to CSV, or the Excel version).

    Taguette writes ``id,document,tag,content``: one row per highlight and tag (``id`` is the
    highlight's, ``tag`` its full path, ``content`` the highlighted text as plain text; a
    highlight without tags has an empty ``tag``), comma-separated UTF-8.

    Parameters
    ----------
    path : path
        The highlights export (CSV or XLSX).
    codebook : Codebook or path, optional
        Tags are resolved through it.
    documents : path, optional
        A table ``document;role[;speaker]`` giving the speaker group (and pseudonymous
        speaker id) of each Taguette document, by its name. Without it ``speaker_role``
        stays missing; with it, a document it does not list is an error.
    roles : dict or list, optional
        A study's own role spellings or groups.

    Returns
    -------
    pandas.DataFrame
        The segments table; ``segment_id`` is derived from document and text (so the same
        passage highlighted in two coders' projects matches), ``coder`` is missing. Highlights
        without tags are counted in ``attrs["uncoded_segments"]``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "highlights.csv").write_text(
    ...     "id,document,tag,content\\n7,Entretien agent,Moyens,Nous manquons de temps.\\n")
    >>> _ = (folder / "documents.csv").write_text("document;role\\nEntretien agent;agent\\n")
    >>> segments = read_taguette(folder / "highlights.csv", documents=folder / "documents.csv")
    >>> segments[["document", "speaker_role", "text", "code"]].values.tolist()
    [['Entretien agent', 'agent', 'Nous manquons de temps.', 'Moyens']]
    """
    path = Path(path)
    codebook = _as_codebook(codebook)
    extra = _role_map(roles)
    info = _documents_table(documents, extra)
    table = load_table(path)
    index = _exact_columns(table, TAGUETTE_COLUMNS, "a Taguette highlights export")
    records, uncoded = [], 0
    for line, cells in table.rows:
        document, tag, text = (cells[index[name]] for name in ("document", "tag", "content"))
        if document is None:
            raise CatalogError("the highlight has no document", file=path, row=line,
                               column=table.header[index["document"]])
        if text is None:
            raise CatalogError("the highlight has no content", file=path, row=line,
                               column=table.header[index["content"]])
        role = speaker = None
        if info is not None:
            known = _document_info(info, document, path, documents, row=line,
                                   column=table.header[index["document"]])
            role, speaker = known["role"], known["speaker"]
        if tag is None:
            uncoded += 1
            continue
        code = _resolve(codebook, tag, file=path, row=line, column=table.header[index["tag"]])
        records.append({"segment_id": _segment_id(document, text), "document": document,
                        "speaker_role": role, "speaker": speaker, "text": text,
                        "code": code, "coder": None})
    return _segments(records, path, uncoded_segments=uncoded)


def _exact_columns(table: Table, names: Iterable[str], what: str) -> dict[str, int]:
    keys = [header_key(name) for name in table.header]
    index = {}
    for name in names:
        if header_key(name) not in keys:
            raise CatalogError(f"not {what}: no column {name!r}; found: "
                               f"{', '.join(table.header)}", file=table.path,
                               row=table.header_line)
        index[name] = keys.index(header_key(name))
    return index


# --- QualCoder ----------------------------------------------------------------------------

def read_qualcoder(path: str | Path, codebook: Codebook | str | Path | None = None,
                   documents: str | Path | None = None, roles=None) -> pd.DataFrame:
    """Read QualCoder's coding report, exported as CSV (Reports > Coding reports > Export).

    The columns QualCoder writes (all cells quoted, UTF-8 with BOM): ``File`` — or ``Case``
    then ``Filename`` when the report was run by case —, ``Coder``, ``Coded`` (the coded
    text; ``image`` or ``a/v`` for media), ``Id`` (``ctid:12``, ``imid:…``, ``avid:…``),
    ``Codename``, ``Coded_Memo``, one ``Category`` column per level of the code's categories
    (nearest first), then, when "export variables" is ticked, ``FileVar_<name>`` and
    ``CaseVar_<name>``. Required: the first column, ``Coded`` and ``Codename``.

    Parameters
    ----------
    path : path
        The exported report (CSV, or the XLSX version).
    codebook : Codebook or path, optional
        Codes are resolved through it, by name, else by their path of categories
        (``Catégorie/Code``).
    documents : path, optional
        A table ``document;role[;speaker]`` keyed by file name (or case name), used for the
        rows whose variables give no role.
    roles : dict or list, optional
        A study's own role spellings or groups.

    Returns
    -------
    pandas.DataFrame
        The segments table: ``document`` is the file (``Filename`` in a by-case report),
        ``speaker_role`` comes from a case variable, else a file variable, named role,
        rôle, groupe or profil, else from ``documents``; ``coder`` is QualCoder's coder name.
        Image and audio/video codings are left out (``attrs["skipped_media_codings"]``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "report.csv"
    >>> _ = path.write_text('"File","Coder","Coded","Id","Codename","Coded_Memo","Category",'
    ...                     '"FileVar_rôle"\\n"E3.txt","claire","Il faut un retour.",'
    ...                     '"ctid:4","Retour","","Transparence","Habitant"\\n',
    ...                     encoding="utf-8-sig")
    >>> read_qualcoder(path)[["document", "speaker_role", "code", "coder"]].values.tolist()
    [['E3.txt', 'habitant', 'Retour', 'claire']]
    """
    path = Path(path)
    codebook = _as_codebook(codebook)
    extra = _role_map(roles)
    info = _documents_table(documents, extra)
    table = load_table(path, duplicates=True)
    header = table.header
    keys = [header_key(name) for name in header]
    if keys[0] not in ("file", "case"):
        raise CatalogError(f"not a QualCoder coding report: its first column is 'File' or "
                           f"'Case', not {header[0]!r}", file=path, row=table.header_line,
                           column=1)
    index = _exact_columns(table, ("Coded", "Codename"), "a QualCoder coding report")
    by_case = keys[0] == "case"
    document_column = keys.index("filename") if "filename" in keys else 0
    optional = {name: keys.index(name) for name in ("coder", "id") if name in keys}
    categories = [i for i, key in enumerate(keys) if key == "category"]
    role_columns = _role_variable_columns(header)
    records, skipped = [], 0
    for line, cells in table.rows:
        document = cells[document_column]
        text = cells[index["Coded"]]
        code = cells[index["Codename"]]
        coding_id = cells[optional["id"]] if "id" in optional else None
        if (coding_id or "").startswith(("imid:", "avid:")) or (
                coding_id is None and text in ("image", "a/v")):
            skipped += 1
            continue
        for name, value in (("document", document), ("text", text), ("code", code)):
            if value is None:
                column = header[{"document": document_column, "text": index["Coded"],
                                 "code": index["Codename"]}[name]]
                raise CatalogError(f"the coding has no {name}", file=path, row=line,
                                   column=column)
        role = speaker = None
        for column in role_columns:
            if cells[column] is not None:
                role = _role(cells[column], extra, file=path, row=line, column=header[column])
                break
        if role is None and info is not None:
            candidates = [document] + ([cells[0]] if by_case and cells[0] else [])
            known = next((info[name] for name in candidates if name in info), None)
            known = known or _document_info(info, document, path, documents, row=line,
                                            column=header[document_column])
            role, speaker = known["role"], known["speaker"]
        if codebook is not None and code not in codebook and categories:
            levels = [cells[i] for i in categories if cells[i] is not None]
            path_code = "/".join([*levels[::-1], code])
            code = path_code if path_code in codebook else code
        code = _resolve(codebook, code, file=path, row=line, column=header[index["Codename"]])
        coder = cells[optional["coder"]] if "coder" in optional else None
        records.append({"segment_id": _segment_id(document, text), "document": document,
                        "speaker_role": role, "speaker": speaker, "text": text, "code": code,
                        "coder": coder})
    return _segments(records, path, skipped_media_codings=skipped)


def _role_variable_columns(header: list[str]) -> list[int]:
    """Columns of role variables, case variables first (a case is a person)."""
    columns = []
    for prefix in ("casevar", "filevar"):
        for i, name in enumerate(header):
            key = header_key(name)
            if key.startswith(prefix + " ") and key[len(prefix) + 1:] in ROLE_VARIABLES:
                columns.append(i)
    return columns


# --- REFI-QDA -----------------------------------------------------------------------------

def read_qdpx(path: str | Path, codebook: Codebook | str | Path | None = None, roles=None,
              role_variable: str | None = None) -> pd.DataFrame:
    """Read the coded text of a REFI-QDA project (``.qdpx``).

    A ``.qdpx`` is a zip holding ``project.qde`` (XML, namespace ``urn:QDA-XML:project:1.0``)
    and the sources under ``sources/``. Read from it: ``CodeBook/Codes/Code`` (``guid``,
    ``name``; nested codes are children), ``Users/User`` (``guid``, ``name``: the coders),
    each ``Sources/TextSource`` (``name``; its text in ``PlainTextContent`` or in the
    member ``plainTextPath="internal://…"``), its ``PlainTextSelection`` elements
    (``startPosition``/``endPosition``: character offsets, end excluded, into the text;
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

    Returns
    -------
    pandas.DataFrame
        The segments table: ``segment_id`` is ``<source>:<start>-<end>`` (two coders coding
        the same span share it), ``text`` the slice of the source text, ``coder`` the
        coding's user (its name in ``Users``), ``speaker`` missing (case names are often
        people's names).

    Raises
    ------
    CatalogError
        Naming the file and, for XML, the line and column in ``project.qde``: not a zip, no
        ``project.qde``, XML not well-formed, a source text missing, a ``CodeRef`` to an
        unknown code, a selection outside its text, an unknown role.

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
    codebook = _as_codebook(codebook)
    extra = _role_map(roles)
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
            text = _source_text(source, archive, member, path, lines)
            for selection in source.iter("PlainTextSelection"):
                start, end = (_position(selection, key, error)
                              for key in ("startPosition", "endPosition"))
                if not 0 <= start <= end <= len(text):
                    raise error(f"the selection {start}-{end} is outside the text of "
                                f"{name!r} ({len(text)} characters)", selection,
                                "endPosition" if end > len(text) else "startPosition")
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
                            "speaker_role": role, "speaker": None, "text": text[start:end],
                            "code": code, "coder": users.get(user, user)})
    return _segments(records, path)


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
    return _resolve(codebook, name, file=path, row=line, column="targetGUID")


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
        return archive.read(found).decode("utf-8-sig")
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
                    raise error(_unknown_role(text.strip(), extra), value)
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


# --- workshops ----------------------------------------------------------------------------

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
    ...                     "Plus de bancs;Habitants;7;9\\nPlus de bancs;Table 2;3;6\\n")
    >>> read_workshop(path).values.tolist()
    [[<NA>, 'Plus de bancs', 'habitant', 7, 9], [<NA>, 'Plus de bancs', 'Table 2', 3, 6]]
    """
    path = Path(path)
    extra = _role_map(roles)
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


# --- open answers of a questionnaire ------------------------------------------------------

def open_answers(responses: pd.DataFrame, text_column: str, attributes: Iterable[str] = (),
                 id_column: str | None = None) -> pd.DataFrame:
    """The free-text answers to one question, ready to be coded.

    Parameters
    ----------
    responses : pandas.DataFrame
        Questionnaire responses, one row per respondent (as :mod:`civeval.survey.io` reads
        them).
    text_column : str
        The open question's column.
    attributes : str or list of str
        Columns kept beside each answer (age band, district, participant or not…), to
        compare what groups say.
    id_column : str, optional
        The respondent id; by default ``respondent_id`` when there is one, else the index.

    Returns
    -------
    pandas.DataFrame
        ``respondent``, ``answer`` (stripped; empty and missing answers left out), then the
        attribute columns; the index of ``responses`` is kept (the source line, for survey
        imports).

    Raises
    ------
    SurveyError
        A column named does not exist.

    Examples
    --------
    >>> responses = pd.DataFrame({"respondent_id": ["r1", "r2", "r3"],
    ...                           "Q9": ["  Plus d'ateliers le soir ", "", None],
    ...                           "quartier": ["Centre", "Nord", "Sud"]})
    >>> open_answers(responses, "Q9", ["quartier"]).values.tolist()
    [['r1', "Plus d'ateliers le soir", 'Centre']]
    """
    attributes = [attributes] if isinstance(attributes, str) else list(attributes)
    if id_column is None and "respondent_id" in responses.columns:
        id_column = "respondent_id"
    for column in [text_column, *attributes, *([id_column] if id_column else [])]:
        if column not in responses.columns:
            raise SurveyError(f"no column {column!r} in the responses; columns: "
                              f"{', '.join(map(str, responses.columns))}", column=column)
    answers = responses[text_column].map(
        lambda value: None if value is None or (not isinstance(value, str) and pd.isna(value))
        else str(value).strip())
    keep = answers.notna() & (answers.fillna("") != "")
    frame = pd.DataFrame({
        "respondent": responses[id_column] if id_column else responses.index.to_series(),
        "answer": answers.astype("string"),
    }, index=responses.index)
    for column in attributes:
        frame[column] = responses[column]
    return frame[keep]
