"""ODK Central repeat groups: each repeat's own file, linked to the form's main export.

ODK Central writes each repeat group of a form to a file of its own
(``<form>-<repeat>.csv``): one row per repetition, its questions, then ``PARENT_KEY`` (the
submission's ``instanceID``, or the enclosing repetition's ``KEY`` for a nested repeat) and
``KEY`` (``<instanceID>/<repeat>[n]``). :func:`read_odk_repeat` reads it as a table linked
to the respondents of the main export; it is the catalogue format ``odk_repeat``, whose
option ``main`` names the main export.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from civeval.errors import CatalogError, SurveyError
from civeval.survey.codebook import as_ticks
from civeval.survey.io import read_survey, read_table
from civeval.survey.kobo_odk import is_odk_metadata, odk_geopoint, tidy_names
from civeval.survey.personal import personal_columns as find_personal_columns

__all__ = ["read_odk_repeat"]


def read_odk_repeat(path, main=None, codebook=None, encoding=None, personal_columns=(),
                    keep_columns=(), language=None) -> pd.DataFrame:
    """Read an ODK Central repeat-group file, linked to its main export.

    Parameters
    ----------
    path : path
        The repeat group's file.
    main : path
        The form's main export (with ``SubmissionDate`` and ``KEY``), read as
        :func:`civeval.survey.io.read_survey` reads it, with the other options.

    Returns
    -------
    pandas.DataFrame
        One row per repetition, indexed by source line: ``respondent_id`` (the submission
        it belongs to, the ``instanceID`` that starts its ``PARENT_KEY``), ``parent_key``,
        ``repeat_key``, then its questions named as in the main export (groups removed,
        options ``q[option]`` as booleans, geopoint parts ``loc_latitude``…); personal
        columns dropped, listed in ``attrs["survey"]``.

    Raises
    ------
    CatalogError
        No ``main`` given, or the file lacks ``PARENT_KEY`` and ``KEY``.
    SurveyError
        A ``PARENT_KEY`` whose submission is not in the main export (its line and column).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "visite.csv").write_text(
    ...     "SubmissionDate,quartier,KEY\\n2025-03-04T10:15:22Z,Nord,uuid:a1\\n", encoding="utf-8")
    >>> _ = (folder / "visite-arbre.csv").write_text(
    ...     "espece,hauteur,PARENT_KEY,KEY\\nchene,12,uuid:a1,uuid:a1/arbre[1]\\n"
    ...     "tilleul,8,uuid:a1,uuid:a1/arbre[2]\\n", encoding="utf-8")
    >>> trees = read_odk_repeat(folder / "visite-arbre.csv", main=folder / "visite.csv")
    >>> trees[["respondent_id", "espece", "hauteur"]].values.tolist()
    [['uuid:a1', 'chene', 12], ['uuid:a1', 'tilleul', 8]]
    """
    path = Path(path)
    if main is None:
        raise CatalogError("a repeat-group file is read with the form's main export: set the "
                           "catalogue option main (the CSV with SubmissionDate and KEY)",
                           file=path)
    raw = read_table(path, encoding)
    if "PARENT_KEY" not in raw.columns or "KEY" not in raw.columns:
        raise CatalogError("not an ODK repeat-group file: the columns PARENT_KEY and KEY are "
                           "missing from the header", file=path, row=1)
    submissions = set(read_survey(main, "odk", codebook, True, encoding,
                                  personal_columns=personal_columns, keep_columns=keep_columns,
                                  language=language).responses["respondent_id"])
    roots = raw["PARENT_KEY"].astype("string").str.split("/").str[0]
    for line, root in zip(raw.index, roots, strict=True):
        if pd.isna(root) or root not in submissions:
            raise SurveyError(f"PARENT_KEY {root} is not a submission of the main export "
                              f"{Path(main).name}", file=path, row=line, column="PARENT_KEY")
    questions = [name for name in raw.columns if not is_odk_metadata(name)]
    names = tidy_names(questions, "-", geopoint=odk_geopoint)
    personal = find_personal_columns(questions, names, personal=personal_columns,
                                     keep=keep_columns)
    names = {name: tidy for name, tidy in names.items() if name not in personal}
    frame = pd.concat([pd.DataFrame({"respondent_id": roots, "parent_key": raw["PARENT_KEY"],
                                     "repeat_key": raw["KEY"]}, index=raw.index),
                       raw[list(names)].rename(columns=names)], axis=1)
    for name in frame.columns:
        if "[" in name:
            frame[name] = as_ticks(frame[name], path)
    frame.attrs["survey"] = {"source": "odk_repeat", "variant": "ODK Central, repeat group",
                             "personal_columns_dropped": list(personal),
                             "personal_reasons": personal}
    return frame
