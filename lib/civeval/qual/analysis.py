"""What interviews and workshops said: code frequencies, groups, co-occurrences, cases.

Every function reads the **segments table** of :mod:`civeval.qual` (one row per segment and code)
and returns a tidy DataFrame or a small matrix ready for :func:`civeval.presentation.report.table`
or :func:`export_xlsx`. Shares are ratios in [0, 1]; figures describing the whole table are in
``result.attrs``.

Counting rules
--------------
**Documents, not segments.** In qualitative evaluation the key figure is how many
interviews (documents, cases) mention a code at least once: one talkative interviewee who
comes back to a topic ten times is still one voice. Segment counts are given beside it.

**A segment is identified by** ``(document, segment_id)``, so that importers numbering
segments 1, 2, 3… inside each document are counted right.

**Double coding: the union of the coders' codes.** When a segment was coded by two coders
(for an agreement check, see :mod:`civeval.qual.agreement`), it counts *once* for every code
that *at least one* coder gave it: the rows are deduplicated on segment × code whatever the
coder. Pass ``coder="<name>"`` to count one coder's coding only (the reference coder, once
the coders have reconciled their codes).

**Themes.** ``roll_up`` (a callable such as ``codebook.roll_up``, or a mapping) turns each
code into its theme before counting, so that a segment carrying two codes of the same theme
counts once for that theme; a code it maps to nothing (None, missing) stands for itself.
The first column is then named ``theme`` instead of ``code``.

Privacy
-------
The tables count documents and speakers, that is people. Tables published in a report go
through :func:`civeval.privacy.suppress_small_cells` (``count_columns="documents"``) first,
and the group names never come with speakers' names: :func:`who_was_heard` counts people,
it does not list them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from civeval.errors import InputError
from civeval.presentation.spreadsheets import sheet_names, write_sheet
from civeval.qual.roles import order_groups
from civeval.workbench.atomic import atomic_path

__all__ = [
    "code_case_matrix",
    "code_frequencies",
    "code_group_matrix",
    "cooccurrence",
    "cooccurrence_pairs",
    "export_xlsx",
    "who_was_heard",
]

_KEY = ["document", "segment_id"]


# --------------------------------------------------------------------------- helpers

def _source(segments: pd.DataFrame):
    return segments.attrs.get("source") if isinstance(segments, pd.DataFrame) else None


def _check(segments, *columns) -> None:
    """A DataFrame with the segments-table columns this function reads."""
    if not isinstance(segments, pd.DataFrame):
        raise InputError("the segments must be a table (DataFrame) as returned by the "
                         f"readers of civeval.qual, not {type(segments).__name__}")
    for name in columns:
        if name is not None and name not in segments.columns:
            raise InputError(f"the segments table has no column {name!r} (a segments table "
                             "has segment_id, document, speaker_role, speaker, text, code, "
                             "coder)", file=_source(segments), column=name)
    for name in ("document", "segment_id"):
        if name in columns and segments[name].isna().any():
            position = int(np.flatnonzero(segments[name].isna().to_numpy())[0])
            raise InputError(f"a segment has no {name.replace('_', ' ')} (row {position + 1} "
                             "of the table)", file=_source(segments), column=name)


def _theme_map(codes, roll_up) -> dict:
    """Each code → its theme, a code with no theme standing for itself."""
    if roll_up is None:
        return {code: code for code in codes}
    if not (callable(roll_up) or isinstance(roll_up, Mapping)):
        raise ValueError("roll_up must be a callable (code → theme) or a mapping, not "
                         f"{type(roll_up).__name__}")
    lookup = roll_up.get if isinstance(roll_up, Mapping) else roll_up
    themes = {}
    for code in codes:
        theme = lookup(code)
        missing = theme is None or (pd.api.types.is_scalar(theme) and pd.isna(theme))
        themes[code] = code if missing else theme
    return themes


def _coded(segments: pd.DataFrame, *, coder=None, roll_up=None, by=None) -> pd.DataFrame:
    """Distinct (document, segment_id, code[, by]) rows: the union of coders' codes."""
    columns = [*_KEY, "code"] + ([by] if by else [])
    rows = segments
    if coder is not None:
        _check(segments, "coder")
        rows = segments[segments["coder"] == coder]
        if rows.empty:
            known = sorted(segments["coder"].dropna().astype(str).unique())
            raise InputError(f"no segment coded by {coder!r}; the coders are "
                             f"{', '.join(known) or 'not named'}", file=_source(segments),
                             column="coder")
    rows = rows.loc[rows["code"].notna(), columns]
    themes = _theme_map(pd.unique(rows["code"]), roll_up)
    rows = rows.assign(code=rows["code"].map(themes))
    return rows.drop_duplicates(ignore_index=True)


def _code_order(counts: pd.Series) -> list:
    """Most frequent first, then by name, so that tables read from the top."""
    frame = counts.rename("n").rename_axis("code").reset_index()
    frame["name"] = frame["code"].astype(str)
    return frame.sort_values(["n", "name"], ascending=[False, True])["code"].tolist()


def _label(roll_up) -> str:
    return "code" if roll_up is None else "theme"


# --------------------------------------------------------------------------- frequencies

def code_frequencies(segments: pd.DataFrame, by: str | None = "speaker_role",
                     roll_up: Callable | Mapping | None = None, *,
                     coder: str | None = None) -> pd.DataFrame:
    """How many documents (interviews, cases) mention each code, overall or per group.

    Parameters
    ----------
    segments : DataFrame
        The segments table (see :mod:`civeval.qual`).
    by : str or None
        Column of the groups (``"speaker_role"`` by default); None for one row per code.
    roll_up : callable or mapping, optional
        Code → theme (e.g. ``codebook.roll_up``): count themes instead of codes.
    coder : str, optional
        Count this coder's codes only; by default the union of all coders' codes.

    Returns
    -------
    DataFrame
        With ``by=None``: one row per code with ``code`` (``theme`` with ``roll_up``),
        ``documents`` (documents mentioning it at least once), ``document_share``
        (÷ all documents of the table) and ``segments`` (distinct segments carrying it).
        With ``by``: one row per code and group, every group listed for every code (0
        included), with ``code``, ``group``, ``documents`` (documents where a speaker of
        the group mentions it), ``group_documents`` (documents where the group speaks),
        ``share`` (``documents`` ÷ ``group_documents``) and ``segments``.
        Codes come most mentioned first. ``attrs``: ``documents`` (all documents),
        ``group_documents`` (dict), ``by``, ``level`` (``"code"`` or ``"theme"``),
        ``n_missing`` (segments left out for a missing group).

    Notes
    -----
    .. math:: \\text{document share}_c = \\frac{|\\{d : c \\text{ coded in } d\\}|}{D}
              \\qquad
              \\text{share}_{c,g} = \\frac{|\\{d : c \\text{ coded on a segment of } g
              \\text{ in } d\\}|}{|\\{d : g \\text{ speaks in } d\\}|}

    Counting documents rather than segments follows case-oriented qualitative analysis
    (Miles, Huberman & Saldaña 2014, ch. 4, "case-ordered" displays; the "documents"
    column of MAXQDA and QualCoder code frequency reports). A document where nothing was
    coded still counts in D: it was heard.

    Examples
    --------
    >>> segments = pd.DataFrame({
    ...     "segment_id": [1, 2, 2, 3, 4, 5],
    ...     "document": ["E1", "E1", "E1", "E2", "E3", "E3"],
    ...     "speaker_role": ["élu", "élu", "élu", "habitant", "habitant", "habitant"],
    ...     "code": ["budget", "budget", "confiance", "confiance", "budget", None]})
    >>> print(code_frequencies(segments, by=None).to_string())
            code  documents  document_share  segments
    0     budget          2        0.666667         3
    1  confiance          2        0.666667         2
    >>> print(code_frequencies(segments).to_string())
            code     group  documents  group_documents  share  segments
    0     budget       élu          1                1    1.0         2
    1     budget  habitant          1                2    0.5         1
    2  confiance       élu          1                1    1.0         1
    3  confiance  habitant          1                2    0.5         1
    """
    _check(segments, *_KEY, "code", by)
    level = _label(roll_up)
    coded = _coded(segments, coder=coder, roll_up=roll_up, by=by)
    n_documents = segments["document"].nunique()
    documents = coded.groupby("code", sort=False)["document"].nunique()
    order = _code_order(documents)
    if by is None:
        result = pd.DataFrame({"code": order})
        result["documents"] = result["code"].map(documents).astype(int)
        result["document_share"] = result["documents"] / n_documents
        segment_counts = coded.groupby("code", sort=False).size()
        result["segments"] = result["code"].map(segment_counts).astype(int)
        result.attrs.update(documents=int(n_documents), by=None, level=level, n_missing=0,
                            group_documents={})
        return result.rename(columns={"code": level})

    with_group = segments.dropna(subset=[by])
    n_missing = int(len(segments[_KEY].drop_duplicates())
                    - len(with_group[_KEY].drop_duplicates()))
    group_documents = with_group.groupby(by)["document"].nunique()
    groups = order_groups(group_documents.index)
    coded = coded.dropna(subset=[by])
    mentions = coded.groupby(["code", by])["document"].nunique()
    segment_counts = coded.groupby(["code", by]).size()
    grid = pd.MultiIndex.from_product([order, groups], names=["code", "group"])
    result = pd.DataFrame(index=grid).reset_index()
    keys = list(zip(result["code"], result["group"], strict=True))
    result["documents"] = mentions.reindex(keys, fill_value=0).to_numpy().astype(int)
    result["group_documents"] = result["group"].map(group_documents).astype(int)
    result["share"] = result["documents"] / result["group_documents"]
    result["segments"] = segment_counts.reindex(keys, fill_value=0).to_numpy().astype(int)
    result.attrs.update(documents=int(n_documents), by=by, level=level, n_missing=n_missing,
                        group_documents={g: int(group_documents[g]) for g in groups})
    return result.rename(columns={"code": level})


def code_group_matrix(segments: pd.DataFrame, by: str = "speaker_role", value: str = "share",
                      roll_up: Callable | Mapping | None = None, *,
                      coder: str | None = None) -> pd.DataFrame:
    """Codes × groups: which group talks about what (documents or share of the group's).

    Parameters
    ----------
    segments : DataFrame
        The segments table.
    by : str
        Column of the groups (``"speaker_role"`` by default).
    value : {"share", "documents"}
        ``"share"``: documents of the group mentioning the code ÷ documents where the
        group speaks; ``"documents"``: the number of those documents.
    roll_up, coder
        As in :func:`code_frequencies`.

    Returns
    -------
    DataFrame
        One row per code (index ``code``, or ``theme``), one column per group (groups of
        :data:`civeval.qual.roles.ROLES` in their usual order first). ``attrs``:
        ``group_documents`` (documents per group: the column headers' "n ="),
        ``documents``, ``by``, ``value``, ``level``, ``n_missing``.

    Notes
    -----
    The wide form of :func:`code_frequencies` with ``by``; shares compare groups of very
    different sizes (2 elected officials, 15 residents) on the same scale:
    :math:`s_{c,g} = d_{c,g} / d_g`.

    Examples
    --------
    >>> segments = pd.DataFrame({
    ...     "segment_id": [1, 2, 3, 4, 5],
    ...     "document": ["E1", "E2", "E3", "E3", "E4"],
    ...     "speaker_role": ["élu", "habitant", "habitant", "habitant", "habitant"],
    ...     "code": ["budget", "budget", "budget", "confiance", "confiance"]})
    >>> matrix = code_group_matrix(segments)
    >>> print(matrix.to_string())  # doctest: +NORMALIZE_WHITESPACE
    group      élu  habitant
    code
    budget     1.0  0.666667
    confiance  0.0  0.666667
    >>> matrix.attrs["group_documents"]
    {'élu': 1, 'habitant': 3}
    """
    if value not in ("share", "documents"):
        raise ValueError(f"value must be 'share' or 'documents', not {value!r}")
    if by is None:
        raise ValueError("code_group_matrix needs a group column (by)")
    long = code_frequencies(segments, by=by, roll_up=roll_up, coder=coder)
    level = long.attrs["level"]
    groups = list(long.attrs["group_documents"])
    codes = list(pd.unique(long[level]))
    matrix = long.pivot(index=level, columns="group", values=value)
    matrix = matrix.reindex(index=codes, columns=groups)
    matrix.attrs.update(long.attrs, value=value)
    return matrix


def who_was_heard(segments: pd.DataFrame, by: str = "speaker_role") -> pd.DataFrame:
    """Who was heard: documents, distinct speakers and segments per group (no names).

    Parameters
    ----------
    segments : DataFrame
        The segments table; ``speaker`` holds pseudonymous ids (missing when the source
        has none).
    by : str
        Column of the groups (``"speaker_role"`` by default).

    Returns
    -------
    DataFrame
        One row per group with ``group``, ``documents`` (documents where the group
        speaks), ``speakers`` (distinct speaker ids; missing when the group's segments
        carry none) and ``segments`` (distinct segments). ``attrs``: ``documents``,
        ``speakers`` and ``segments`` over the whole table (a document where several
        groups speak counts once), ``n_missing`` (segments without a group),
        ``segments_without_speaker``.

    Notes
    -----
    Speakers are counted by their id over the whole table, so a person interviewed
    twice under the same id counts once; segments without an id are not counted as
    speakers, which makes ``speakers`` a lower bound when ids are partly missing. The
    table of "qui a été entendu" describes people: suppress cells under 5 before
    publishing (:func:`civeval.privacy.suppress_small_cells`).

    Examples
    --------
    >>> segments = pd.DataFrame({
    ...     "segment_id": [1, 2, 3, 4, 5],
    ...     "document": ["E1", "E1", "A1", "A1", "A1"],
    ...     "speaker_role": ["élu", "élu", "habitant", "habitant", "agent"],
    ...     "speaker": ["P1", "P1", "P2", "P3", None],
    ...     "code": ["budget"] * 5})
    >>> print(who_was_heard(segments).to_string())
          group  documents  speakers  segments
    0       élu          1         1         2
    1     agent          1      <NA>         1
    2  habitant          1         2         2
    """
    _check(segments, *_KEY, by, "speaker")
    with_group = segments.dropna(subset=[by])
    units = with_group.drop_duplicates([*_KEY, by])
    grouped = with_group.groupby(by)
    table = pd.DataFrame({
        "documents": grouped["document"].nunique(),
        "speakers": grouped["speaker"].nunique(),
        "segments": units.groupby(by).size(),
    })
    has_speaker = grouped["speaker"].count() > 0
    table["speakers"] = table["speakers"].astype("Int64").where(has_speaker)
    table = table.reindex(order_groups(table.index)).rename_axis("group").reset_index()
    all_segments = segments[_KEY].drop_duplicates()
    table.attrs.update(
        documents=int(segments["document"].nunique()),
        speakers=int(segments["speaker"].nunique()),
        segments=len(all_segments),
        n_missing=len(all_segments) - len(with_group[_KEY].drop_duplicates()),
        segments_without_speaker=len(
            segments.loc[segments["speaker"].isna(), _KEY].drop_duplicates()),
        by=by)
    return table


# --------------------------------------------------------------------------- co-occurrence

def _incidence(segments, level, roll_up, coder) -> tuple[pd.DataFrame, str]:
    """Units (segments or documents) × codes, 1 where the unit carries the code."""
    if level not in ("segment", "document"):
        raise ValueError(f"level must be 'segment' or 'document', not {level!r}")
    _check(segments, *_KEY, "code")
    coded = _coded(segments, coder=coder, roll_up=roll_up)
    unit = _KEY if level == "segment" else ["document"]
    pairs = coded[[*unit, "code"]].drop_duplicates()
    if pairs.empty:
        return pd.DataFrame(dtype=int), _label(roll_up)
    incidence = pd.crosstab([pairs[c] for c in unit], pairs["code"]).clip(upper=1)
    order = _code_order(incidence.sum())
    return incidence[order], _label(roll_up)


def cooccurrence(segments: pd.DataFrame, level: str = "segment",
                 roll_up: Callable | Mapping | None = None, *,
                 coder: str | None = None) -> pd.DataFrame:
    """Code × code co-occurrence: how often two codes are given to the same segment (document).

    Parameters
    ----------
    segments : DataFrame
        The segments table.
    level : {"segment", "document"}
        The unit within which two codes co-occur: the same segment, or the same document
        (interview).
    roll_up, coder
        As in :func:`code_frequencies`.

    Returns
    -------
    DataFrame
        Square and symmetric, codes (most frequent first) as index and columns; cell
        (a, b) is the number of units carrying both a and b, the diagonal the number of
        units carrying the code. ``attrs``: ``level``, ``units`` (units with at least one
        code), ``level_of_codes`` (``"code"`` or ``"theme"``). :func:`cooccurrence_pairs`
        gives the same counts as a tidy list.

    Notes
    -----
    With X the units × codes incidence matrix (1 if the unit carries the code),
    :math:`C = X^\\top X` (the code co-occurrence table of QualCoder, MAXQDA's "Code
    Relations Browser").

    Examples
    --------
    >>> segments = pd.DataFrame({
    ...     "segment_id": [1, 1, 2, 2, 3],
    ...     "document": ["E1", "E1", "E1", "E1", "E2"],
    ...     "code": ["budget", "confiance", "budget", "délais", "budget"]})
    >>> print(cooccurrence(segments).to_string())  # doctest: +NORMALIZE_WHITESPACE
               budget  confiance  délais
    code
    budget          3          1       1
    confiance       1          1       0
    délais          1          0       1
    >>> print(cooccurrence(segments, level="document").loc["confiance", "délais"])
    1
    """
    incidence, label = _incidence(segments, level, roll_up, coder)
    values = incidence.to_numpy(dtype=int)
    matrix = pd.DataFrame(values.T @ values, index=incidence.columns, columns=incidence.columns)
    matrix.index.name, matrix.columns.name = label, None
    matrix = matrix.astype(int)
    matrix.attrs.update(level=level, units=int((incidence.sum(axis=1) > 0).sum()),
                        level_of_codes=label)
    return matrix


def cooccurrence_pairs(segments: pd.DataFrame, level: str = "segment",
                       roll_up: Callable | Mapping | None = None, *,
                       coder: str | None = None) -> pd.DataFrame:
    """Pairs of codes that co-occur, with their count and Jaccard index (tidy).

    Parameters
    ----------
    segments, level, roll_up, coder
        As in :func:`cooccurrence`.

    Returns
    -------
    DataFrame
        One row per unordered pair of distinct codes that co-occur at least once:
        ``code_a``, ``code_b`` (``theme_a``, ``theme_b`` with ``roll_up``), ``count``
        (units carrying both) and ``jaccard``; strongest pairs first. ``attrs`` as in
        :func:`cooccurrence`.

    Notes
    -----
    .. math:: J(a, b) = \\frac{n_{ab}}{n_a + n_b - n_{ab}}

    the share of units carrying a or b that carry both (Jaccard 1912), which, unlike the
    raw count, does not rank a pair high merely because both codes are frequent.

    Examples
    --------
    >>> segments = pd.DataFrame({
    ...     "segment_id": [1, 1, 2, 2, 3, 4, 4],
    ...     "document": ["E1", "E1", "E1", "E1", "E2", "E2", "E2"],
    ...     "code": ["budget", "confiance", "budget", "délais", "budget", "budget",
    ...              "confiance"]})
    >>> print(cooccurrence_pairs(segments).to_string())
       code_a     code_b  count  jaccard
    0  budget  confiance      2     0.50
    1  budget     délais      1     0.25
    """
    matrix = cooccurrence(segments, level=level, roll_up=roll_up, coder=coder)
    label = matrix.index.name
    counts = matrix.to_numpy()
    diagonal = np.diag(counts)
    rows = [(matrix.index[i], matrix.columns[j], int(counts[i, j]),
             counts[i, j] / (diagonal[i] + diagonal[j] - counts[i, j]))
            for i in range(len(counts)) for j in range(i + 1, len(counts)) if counts[i, j]]
    result = pd.DataFrame(rows, columns=[f"{label}_a", f"{label}_b", "count", "jaccard"])
    result = result.sort_values(["count", "jaccard"], ascending=False, kind="stable")
    result = result.reset_index(drop=True)
    result.attrs.update(matrix.attrs)
    return result


def code_case_matrix(segments: pd.DataFrame, roll_up: Callable | Mapping | None = None, *,
                     coder: str | None = None) -> pd.DataFrame:
    """Codes × documents: number of segments of each document carrying each code.

    Parameters
    ----------
    segments : DataFrame
        The segments table.
    roll_up, coder
        As in :func:`code_frequencies`.

    Returns
    -------
    DataFrame
        One row per code (most frequent first; index ``code`` or ``theme``), one column
        per document in the order of the table, every document listed (0 where a
        document has none). ``attrs``: ``documents``.

    Notes
    -----
    The case-ordered display of Miles, Huberman & Saldaña (2014): :math:`n_{c,d}` the
    distinct segments of document d carrying code c. Read down a column for what one
    interview was about; across a row for how widely a code is shared.

    Examples
    --------
    >>> segments = pd.DataFrame({
    ...     "segment_id": [1, 2, 3, 3, 4],
    ...     "document": ["E1", "E1", "E2", "E2", "E3"],
    ...     "code": ["budget", "budget", "budget", "confiance", None]})
    >>> print(code_case_matrix(segments).to_string())  # doctest: +NORMALIZE_WHITESPACE
    document   E1  E2  E3
    code
    budget      2   1   0
    confiance   0   1   0
    """
    _check(segments, *_KEY, "code")
    coded = _coded(segments, coder=coder, roll_up=roll_up)
    documents = list(pd.unique(segments["document"]))
    counts = coded.groupby(["code", "document"]).size().unstack("document", fill_value=0)
    order = _code_order(coded.groupby("code")["document"].nunique())
    matrix = counts.reindex(index=order, columns=documents, fill_value=0).astype(int)
    matrix.index.name, matrix.columns.name = _label(roll_up), "document"
    matrix.attrs.update(documents=len(documents), level=_label(roll_up))
    return matrix


# --------------------------------------------------------------------------- export

def _flat(table) -> pd.DataFrame:
    if isinstance(table, pd.Series):
        table = table.to_frame()
    if not isinstance(table, pd.DataFrame):
        raise ValueError(f"each table must be a DataFrame, not {type(table).__name__}")
    if isinstance(table.columns, pd.MultiIndex):
        table = table.copy()
        table.columns = [" / ".join(str(part) for part in column) for column in table.columns]
    return table


def export_xlsx(tables: Mapping[str, pd.DataFrame], path) -> Path:
    """Write tables to a formatted Excel workbook, one sheet per table, atomically.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        Sheet name → table, in the order of the sheets. Names are made acceptable to
        Excel (at most 31 characters, ``[]:*?/\\`` replaced by ``-``, duplicates numbered).
    path : path
        The ``.xlsx`` file to write; its folder is created if needed.

    Returns
    -------
    Path
        ``path``.

    Notes
    -----
    Each sheet has a bold header, frozen header row (and index column, for matrices
    whose index is not a plain row number), columns wide enough for their content (at
    most 60 characters), and columns whose name contains ``share`` (or is
    ``jaccard``) formatted as percentages. The workbook is written to a temporary file
    beside ``path`` and renamed onto it (:func:`civeval.workbench.atomic.atomic_path`): a reader
    never sees half a workbook. Tables are written as given: suppress small cells first
    when the workbook leaves the evaluation team.

    Examples
    --------
    >>> import tempfile, openpyxl
    >>> folder = Path(tempfile.mkdtemp())
    >>> table = pd.DataFrame({"code": ["budget"], "documents": [3], "document_share": [0.5]})
    >>> path = export_xlsx({"Fréquences": table}, folder / "codes.xlsx")
    >>> sheet = openpyxl.load_workbook(path)["Fréquences"]
    >>> [cell.value for cell in sheet[1]], sheet.freeze_panes, sheet["A1"].font.b
    (['code', 'documents', 'document_share'], 'A2', True)
    """
    if not isinstance(tables, Mapping) or not tables:
        raise ValueError("give at least one table, as a mapping of sheet name → DataFrame")
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise ValueError(f"the workbook must be an .xlsx file, not {path.name!r}")
    names = sheet_names(tables)
    frames = [_flat(table) for table in tables.values()]
    with atomic_path(path) as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        for name, table in zip(names, frames, strict=True):
            index = not (isinstance(table.index, pd.RangeIndex) and table.index.name is None)
            write_sheet(writer, name, table, index)
    return path

