"""The validated coding of open answers, read back as reports read it.

:func:`load_validated` reads a file written by :func:`civeval.qual.coding.save_coding` and
refuses any answer the analyst has not validated: **proposed codes are never published
unvalidated**. It also counts the answers coded by hand (final codes different from the
proposal), which the report states, and :func:`coding_summary` counts answers per code.
:func:`read_coding` reads the file back, unvalidated answers included, to resume validating;
:func:`read_validated_coding` is the catalogue format ``validated_coding``, whose
final codes are checked against keyword rules (option ``rules``) or against the themes
file of theme discovery (option ``themes``, :mod:`civeval.qual.themebook`).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

from civeval.errors import InputError
from civeval.qual.coding import as_bool, code_key, code_resolver, resolve_codes, split_codes
from civeval.qual.rules import read_rules
from civeval.qual.themebook import Themebook, read_themes

__all__ = ["coding_summary", "load_validated", "read_coding", "read_validated_coding"]

_WHOLE_NUMBER = re.compile(r"^-?[1-9]\d*$|^0$")


def _read_rows(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and (line, record) pairs of a coding file; lines as an editor numbers them."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError("the coding file does not exist", file=path) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # re-saved by Excel
    if not text.strip():
        raise InputError("the coding file is empty", file=path)
    header_line = text.lstrip("\r\n").splitlines()[0]
    sep = max(";,\t", key=header_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    header: list[str] | None = None
    rows = []
    line = 1
    for record in reader:
        start, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in record):
            continue
        if header is None:
            header = [cell.strip() for cell in record]
            header_at = start
            continue
        if len(record) != len(header):
            raise InputError(f"expected {len(header)} fields separated by {sep!r}, found "
                             f"{len(record)}", file=path, row=start)
        rows.append((start, dict(zip(header, record, strict=True))))
    for name in ("respondent", "proposed_codes", "final_codes", "validated"):
        if name not in header:
            raise InputError(f"the column {name!r} is missing: save the coding with "
                             "save_coding", file=path, row=header_at, column=name)
    if not rows:
        raise InputError("the coding file has a header but no answers", file=path)
    return header, rows


def _respondents(values: list[str]) -> pd.Series:
    """Respondent ids as integers when all are (as the CSV readers do), else as text."""
    if all(_WHOLE_NUMBER.match(v) for v in values):
        return pd.Series([int(v) for v in values], dtype="Int64")
    return pd.Series(values)


def read_coding(path: str | Path) -> pd.DataFrame:
    """A coding file back as a table, unvalidated answers included, to resume validating.

    Returns
    -------
    DataFrame
        ``respondent, answer, proposed_codes, final_codes`` (lists) and ``validated``,
        ready for :func:`~civeval.qual.coding.validation_grid`. Reports use
        :func:`load_validated` instead.
    """
    path = Path(path)
    _, rows = _read_rows(path)
    frame = _parse(path, rows, code_resolver(None))
    return frame.drop(columns=["line", "by_hand"])


def _suggestion_resolver(codebook):
    """How proposed codes are read: through a themes file's names (a suggested theme
    renamed, merged or dropped since), else as written."""
    if isinstance(codebook, Themebook):
        return codebook.resolve_suggested
    return lambda code: code


def _parse(path: Path, rows, resolve, suggest=lambda code: code) -> pd.DataFrame:
    seen: dict[str, int] = {}
    records = []
    for line, record in rows:
        respondent = record["respondent"].strip()
        if not respondent:
            raise InputError("the respondent is missing", file=path, row=line,
                             column="respondent")
        if respondent in seen:
            raise InputError(f"respondent {respondent!r} appears twice (first on line "
                             f"{seen[respondent]})", file=path, row=line, column="respondent")
        seen[respondent] = line
        validated = as_bool(record["validated"])
        if validated is None:
            raise InputError(f"validated must be True or False, not {record['validated']!r}",
                             file=path, row=line, column="validated")
        final = resolve_codes(split_codes(record["final_codes"]), resolve, file=path, row=line)
        try:
            proposed = split_codes(
                [found for code in split_codes(record["proposed_codes"])
                 if (found := suggest(code)) is not None])
        except KeyError as error:
            raise InputError(error.args[0], file=path, row=line,
                             column="proposed_codes") from None
        records.append({"line": line, "respondent": respondent,
                        "answer": record.get("answer", ""), "proposed_codes": proposed,
                        "final_codes": final, "validated": validated,
                        "by_hand": validated and final != proposed})
    frame = pd.DataFrame(records)
    frame["respondent"] = _respondents(frame["respondent"].tolist())
    return frame


def load_validated(path: str | Path, codebook=None) -> pd.DataFrame:
    """The analyst's validated coding, as the report reads it: one row per answer and code.

    Parameters
    ----------
    path : path
        A file written by :func:`~civeval.qual.coding.save_coding`.
    codebook : Codebook, CodingRules, Themebook, table or list of codes, optional
        When given, every final code must be one of its codes (as for
        :func:`~civeval.qual.coding.save_coding`). With a
        :class:`~civeval.qual.themebook.Themebook` (theme discovery), proposed codes are
        read through its names too: a suggested theme renamed or merged since is the theme
        it became, a dropped one no theme, and one the file does not know means the coding
        was proposed from other themes.

    Returns
    -------
    DataFrame
        ``respondent, answer, code``, in the order of the file (an answer validated without a
        code has no row). ``attrs``: ``answers`` (validated answers, all of the file's),
        ``validated`` (the same number), ``coded`` (answers with at least one code),
        ``by_hand`` (answers whose final codes differ from the proposal: codes the analyst
        removed, changed or added; recomputed, not read from the ``by_hand`` column),
        ``per_answer`` (one row per answer: ``respondent``, its ``line`` in the file,
        ``proposed_codes`` and ``final_codes``, for the agreement between the two;
        proposed codes are never published) and ``file``.

    Raises
    ------
    InputError
        Naming the file, line and column: an empty file or one without answers, a missing
        column, a respondent missing or given twice, an answer not validated (the report
        never shows proposed codes), a final code not in ``codebook``, a proposed code not
        in a themes file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from civeval.qual.coding import save_coding
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "codage.csv"
    >>> coded = pd.DataFrame({"respondent": [1, 2, 3], "answer": ["a", "b", "c"],
    ...                       "proposed_codes": [["mobilité"], [], ["sécurité"]],
    ...                       "final_codes": [["mobilité"], ["sécurité"], []],
    ...                       "validated": True})
    >>> validated = load_validated(save_coding(coded, path))
    >>> validated
       respondent answer      code
    0           1      a  mobilité
    1           2      b  sécurité
    >>> validated.attrs["answers"], validated.attrs["by_hand"]
    (3, 2)
    """
    path = Path(path)
    _, rows = _read_rows(path)
    frame = _parse(path, rows, code_resolver(codebook), _suggestion_resolver(codebook))
    pending = frame[~frame["validated"]]
    if len(pending):
        more = f" (nor are {len(pending) - 1} more)" if len(pending) > 1 else ""
        raise InputError(f"answer on line {pending['line'].iloc[0]} is not validated{more}: "
                         "the report never shows proposed codes; validate it in the grid",
                         file=path, row=int(pending["line"].iloc[0]), column="validated")
    long = frame[["respondent", "answer", "final_codes"]].explode("final_codes").dropna()
    long = long.rename(columns={"final_codes": "code"}).reset_index(drop=True)
    long["code"] = long["code"].astype(str)
    long["respondent"] = long["respondent"].astype(frame["respondent"].dtype)
    long.attrs.update(answers=len(frame), validated=int(frame["validated"].sum()),
                      coded=int((frame["final_codes"].map(len) > 0).sum()),
                      by_hand=int(frame["by_hand"].sum()), file=str(path),
                      per_answer=frame[["respondent", "line", "proposed_codes",
                                        "final_codes"]].copy())
    return long


def read_validated_coding(path: str | Path, rules: str | Path | None = None,
                          themes: str | Path | None = None) -> pd.DataFrame:
    """The catalogue format ``validated_coding``: :func:`load_validated`, the final codes
    checked against the coding rules file ``rules``, or against the themes file ``themes``
    when the codebook came from theme discovery (:mod:`civeval.qual.themebook`; its
    ``discovery`` section is then in ``attrs["themes"]``, and the file's name in
    ``attrs["themes_file"]``)."""
    if rules is not None and themes is not None:
        raise InputError("give the coding either keyword rules or a themes file, not both",
                         file=path)
    if themes is None:
        return load_validated(path, read_rules(rules) if rules is not None else None)
    book = read_themes(themes)
    validated = load_validated(path, book)
    validated.attrs.update(themes=book.discovery, themes_file=str(themes),
                           theme_names=book.names)
    return validated


def coding_summary(validated: pd.DataFrame) -> pd.DataFrame:
    """Answers per code, and their share of the coded answers.

    Parameters
    ----------
    validated : DataFrame
        From :func:`load_validated`.

    Returns
    -------
    DataFrame
        ``code, answers, share``, most frequent code first; ``share`` divides by all
        validated answers (those validated without a code included), so shares add up to
        more than 1 when answers have several codes. ``attrs``: ``answers``, ``coded`` and
        ``by_hand`` (say in the report how many answers were coded by hand). ``answers``
        counts people: pass the table through
        :func:`civeval.privacy.suppress_small_cells` (``dependent_columns="share"``)
        before publishing it.

    Examples
    --------
    >>> validated = pd.DataFrame({"respondent": [1, 1, 2, 4],
    ...                           "code": ["mobilité", "sécurité", "mobilité", "écoute"]})
    >>> validated.attrs.update(answers=5, coded=3, by_hand=1)
    >>> coding_summary(validated)
           code  answers  share
    0  mobilité        2    0.4
    1    écoute        1    0.2
    2  sécurité        1    0.2
    """
    if not isinstance(validated, pd.DataFrame) or not {"respondent", "code"} <= set(
            validated.columns) or "answers" not in validated.attrs:
        raise InputError("pass the table of load_validated (respondent, code and its attrs)")
    total = int(validated.attrs["answers"])
    counts = validated.groupby("code", sort=False)["respondent"].nunique()
    summary = pd.DataFrame({"code": counts.index.astype(str), "answers": counts.to_numpy()})
    summary["answers"] = summary["answers"].astype(int)
    order = sorted(range(len(summary)), key=lambda i: (-summary["answers"].iloc[i],
                                                        code_key(summary["code"].iloc[i])))
    summary = summary.iloc[order].reset_index(drop=True)
    summary["share"] = summary["answers"] / total if total else float("nan")
    summary.attrs = {"answers": total, "coded": int(validated.attrs.get(
        "coded", validated["respondent"].nunique())),
        "by_hand": int(validated.attrs.get("by_hand", 0))}
    return summary
