"""QualCoder's coding report (Reports > Coding reports, exported as CSV), read as the segments
table (:mod:`civeval.qual.segments`).

Speaker roles come from the case or file variables named role, rôle, groupe or profil
(:data:`~civeval.qual.roles.ROLE_VARIABLES`), else from a ``documents`` table.
:func:`read_qualcoder` is the catalogue format ``qualcoder``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from civeval.errors import CatalogError
from civeval.qual.codebook import Codebook
from civeval.qual.roles import ROLE_VARIABLES, known_role, role_map
from civeval.qual.segments import (
    as_codebook,
    document_info,
    documents_table,
    hashed_segment_id,
    resolve_code,
    segments_table,
)
from civeval.qual.tables import exact_columns, header_key, load_table

__all__ = ["read_qualcoder"]


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
    codebook = as_codebook(codebook)
    extra = role_map(roles)
    info = documents_table(documents, extra)
    table = load_table(path, duplicates=True)
    header = table.header
    keys = [header_key(name) for name in header]
    if keys[0] not in ("file", "case"):
        raise CatalogError(f"not a QualCoder coding report: its first column is 'File' or "
                           f"'Case', not {header[0]!r}", file=path, row=table.header_line,
                           column=1)
    index = exact_columns(table, ("Coded", "Codename"), "a QualCoder coding report")
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
                role = known_role(cells[column], extra, file=path, row=line, column=header[column])
                break
        if role is None and info is not None:
            candidates = [document] + ([cells[0]] if by_case and cells[0] else [])
            known = next((info[name] for name in candidates if name in info), None)
            known = known or document_info(info, document, path, documents, row=line,
                                           column=header[document_column])
            role, speaker = known["role"], known["speaker"]
        if codebook is not None and code not in codebook and categories:
            levels = [cells[i] for i in categories if cells[i] is not None]
            path_code = "/".join([*levels[::-1], code])
            code = path_code if path_code in codebook else code
        code = resolve_code(codebook, code, file=path, row=line, column=header[index["Codename"]])
        coder = cells[optional["coder"]] if "coder" in optional else None
        records.append({"segment_id": hashed_segment_id(document, text), "document": document,
                        "speaker_role": role, "speaker": speaker, "text": text, "code": code,
                        "coder": coder})
    return segments_table(records, path, skipped_media_codings=skipped)


def _role_variable_columns(header: list[str]) -> list[int]:
    """Columns of role variables, case variables first (a case is a person)."""
    columns = []
    for prefix in ("casevar", "filevar"):
        for i, name in enumerate(header):
            key = header_key(name)
            if key.startswith(prefix + " ") and key[len(prefix) + 1:] in ROLE_VARIABLES:
                columns.append(i)
    return columns
