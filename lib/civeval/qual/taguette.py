"""Taguette's highlights export, read as the segments table (:mod:`civeval.qual.segments`).

Taguette has no speaker roles: a small ``documents`` table (``document;role[;speaker]``)
gives each document its group. :func:`read_taguette` is the catalogue format ``taguette``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from civeval.errors import CatalogError
from civeval.qual.codebook import Codebook
from civeval.qual.roles import role_map
from civeval.qual.segments import (
    as_codebook,
    document_info,
    documents_table,
    hashed_segment_id,
    resolve_code,
    segments_table,
)
from civeval.qual.tables import exact_columns, load_table

__all__ = ["read_taguette"]

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
    ...     "id,document,tag,content\\n7,Entretien agent,Moyens,Nous manquons de temps.\\n",
    ...     encoding="utf-8")
    >>> _ = (folder / "documents.csv").write_text("document;role\\nEntretien agent;agent\\n",
    ...                                           encoding="utf-8")
    >>> segments = read_taguette(folder / "highlights.csv", documents=folder / "documents.csv")
    >>> segments[["document", "speaker_role", "text", "code"]].values.tolist()
    [['Entretien agent', 'agent', 'Nous manquons de temps.', 'Moyens']]
    """
    path = Path(path)
    codebook = as_codebook(codebook)
    extra = role_map(roles)
    info = documents_table(documents, extra)
    table = load_table(path)
    index = exact_columns(table, TAGUETTE_COLUMNS, "a Taguette highlights export")
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
            known = document_info(info, document, path, documents, row=line,
                                  column=table.header[index["document"]])
            role, speaker = known["role"], known["speaker"]
        if tag is None:
            uncoded += 1
            continue
        code = resolve_code(codebook, tag, file=path, row=line, column=table.header[index["tag"]])
        records.append({"segment_id": hashed_segment_id(document, text), "document": document,
                        "speaker_role": role, "speaker": speaker, "text": text,
                        "code": code, "coder": None})
    return segments_table(records, path, uncoded_segments=uncoded)
