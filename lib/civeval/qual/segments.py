"""Coded interview segments: the segments table, and the reader of a consultant's spreadsheet.

Every reader of coded segments returns the **segments table** of :mod:`civeval.qual`
(columns :data:`SEGMENT_COLUMNS`, text as the pandas ``string`` dtype, one row per segment
and code), with codes resolved through the :class:`~civeval.qual.codebook.Codebook` when one
is given and speaker roles brought to the groups of :mod:`civeval.qual.roles`:

- :func:`read_coded_segments` (here): a consultant's spreadsheet (CSV or XLSX);
- :func:`~civeval.qual.taguette.read_taguette`: Taguette's highlights export;
- :func:`~civeval.qual.qualcoder.read_qualcoder`: QualCoder's coding report (Report >
  Coding, exported as CSV);
- :func:`~civeval.qual.qdpx.read_qdpx`: a REFI-QDA project (``.qdpx``), which QualCoder,
  Taguette, MAXQDA, ATLAS.ti and NVivo all export.

This module also holds what they share: the table itself (:func:`segments_table`), segment
ids, codes resolved with the cell they come from, and the ``documents`` table.

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
group by a small ``documents`` table (``document;role[;speaker]``, :func:`documents_table`);
QualCoder and REFI-QDA projects carry them as case or file variables named "role", "rôle",
"groupe" or "profil".

:func:`read_coded_segments` is the catalogue format ``coded_segments``.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pandas as pd

from civeval.errors import CatalogError
from civeval.qual.codebook import Codebook, UnknownCodeError, read_codebook
from civeval.qual.roles import fold, known_role, role_map
from civeval.qual.tables import find_columns, load_table

__all__ = ["SEGMENT_COLUMNS", "read_coded_segments"]

SEGMENT_COLUMNS = ("segment_id", "document", "speaker_role", "speaker", "text", "code", "coder")
"""The columns of the segments table, described in :mod:`civeval.qual`."""

# Header keys (civeval.qual.tables.header_key) that name each field of a spreadsheet.
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
_DOCUMENT_HEADERS = {key: SEGMENT_HEADERS[key] for key in ("document", "speaker_role", "speaker")}

_CODE_SEPARATORS = re.compile(r"[;|\n]")


# --- shared by the readers of coded segments ----------------------------------------------

def as_codebook(codebook) -> Codebook | None:
    """The ``codebook`` option: a :class:`~civeval.qual.codebook.Codebook`, read when
    given as a path."""
    if codebook is None or isinstance(codebook, Codebook):
        return codebook
    return read_codebook(codebook)


def hashed_segment_id(document: str, text: str) -> str:
    """``<document>#<10 hex digits>``: the id of a passage whoever coded it."""
    normalised = " ".join(text.split())
    digest = hashlib.blake2b(f"{document}\x1f{normalised}".encode(), digest_size=5)
    return f"{document}#{digest.hexdigest()}"


def resolve_code(codebook: Codebook | None, code: str, **where) -> str:
    """The canonical name of ``code`` (itself without a codebook); an unknown code is a
    :class:`CatalogError` located by ``where``."""
    if codebook is None:
        return code
    try:
        return codebook.resolve(code)
    except UnknownCodeError as error:
        raise CatalogError(error.message, **where) from None


def segments_table(records: list[dict], path: Path, **attrs) -> pd.DataFrame:
    """The segments table of ``records``, each code once per segment and coder."""
    frame = pd.DataFrame(records, columns=list(SEGMENT_COLUMNS)).astype("string")
    # A code listed twice for a segment (or under an old name and its new one) counts once.
    frame = frame.drop_duplicates(["segment_id", "code", "coder"]).reset_index(drop=True)
    frame.attrs.update(source=str(path), **attrs)
    return frame


def documents_table(documents, roles: dict[str, str]) -> dict[str, dict] | None:
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
        role = known_role(value, roles, file=table.path, row=line, column=column)
        speaker = cells[found["speaker"][0]] if "speaker" in found else None
        if document in result:
            raise CatalogError(f"the document {document!r} is listed twice (lines "
                               f"{result[document]['line']} and {line})", file=table.path,
                               row=line, column=table.header[found["document"][0]])
        result[document] = {"role": role, "speaker": speaker, "line": line}
    return result


def document_info(table: dict[str, dict], document: str, source: Path, documents: Path,
                  **where) -> dict:
    """The entry of ``document`` in a :func:`documents_table` (case and accents
    forgiven); a :class:`CatalogError` when it is not there."""
    if document in table:
        return table[document]
    folded = [name for name in table if fold(name) == fold(document)]
    if len(folded) == 1:
        return table[folded[0]]
    raise CatalogError(f"the document {document!r} is not in the documents table "
                       f"{Path(documents).name}, which gives each document's speaker role; "
                       "add it there", file=source, **where)


# --- a consultant's spreadsheet -----------------------------------------------------------

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
    codebook = as_codebook(codebook)
    extra = role_map(roles)
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
        role = known_role(value("speaker_role"), extra, **where("speaker_role"))
        segment_id = value("segment_id") or hashed_segment_id(document, text)
        if segment_id in documents_of and documents_of[segment_id][0] != document:
            first_document, first_line = documents_of[segment_id]
            raise CatalogError(f"the segment id {segment_id!r} is used for the document "
                               f"{first_document!r} on line {first_line} and for "
                               f"{document!r} here", **where("segment_id"))
        documents_of.setdefault(segment_id, (document, line))
        codes = []
        for index in found["code"]:
            for code in _split_codes(cells[index], codebook):
                codes.append(resolve_code(codebook, code, file=path, row=line,
                                          column=header[index]))
        if not codes:
            uncoded += 1
            continue
        for code in codes:
            records.append({"segment_id": segment_id, "document": document,
                            "speaker_role": role, "speaker": value("speaker"), "text": text,
                            "code": code, "coder": value("coder")})
    return segments_table(records, path, uncoded_segments=uncoded)


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
