"""KoboToolbox and ODK Central exports: headings, geopoints, duplicates and repeat groups.

Both platforms export forms written as XLSForms, each its own way:

- **KoboToolbox** joins group names with ``/`` (``avis/q1``); a select-multiple question
  has a space-separated summary column plus one 0/1 column per option (``q3/bus``); a
  geopoint ``loc`` has its summary and the parts ``_loc_latitude``, ``_loc_longitude``,
  ``_loc_altitude``, ``_loc_precision``; metadata columns start with ``_`` (``_id``,
  ``_uuid``, ``_submission_time``…). A « labels » export heads columns by question labels
  (``Avis/Êtes-vous satisfait ?``), which the XLSForm (the codebook) maps back to names,
  in order, so that two questions labelled alike stay two.
- **ODK Central** joins group names with ``-`` (``grp-q1``), writes a geopoint as
  ``…-Latitude``, ``…-Longitude``, ``…-Altitude``, ``…-Accuracy``, identifies submissions by
  ``KEY`` (the ``instanceID``), and writes each repeat group to a file of its own
  (``<form>-<repeat>.csv``) whose ``PARENT_KEY`` points at the submission (or at the
  enclosing repeat) and whose ``KEY`` is ``<instanceID>/<repeat>[n]``.

Tidy names drop the group prefixes (``q1``), name options ``q3[bus]`` and geopoint parts
``loc_latitude``…; two columns that would then share a name keep their whole group path
(``location_corner1_latitude``). A submission sent twice (same ``_uuid`` or ``KEY``) is
kept once, its latest version (:func:`latest_submissions`), and the number dropped is
reported. :func:`civeval.survey.repeats.read_odk_repeat` reads a repeat-group file linked to its
main export.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from civeval.errors import CatalogError, SurveyError
from civeval.survey.codebook import Codebook, source_lines
from civeval.survey.headings import Headings
from civeval.survey.xlsform import XLSForm

__all__ = ["is_odk_metadata", "kobo_headings", "latest_submissions", "odk_geopoint",
           "odk_headings", "split_summaries", "tidy_names"]

# Metadata questions an XLSForm may add, with these default names.
XLSFORM_METADATA = frozenset({"start", "end", "today", "deviceid", "subscriberid",
                              "simserial", "phonenumber", "username", "email", "audit"})
ODK_SYSTEM = frozenset({"SubmissionDate", "KEY", "SubmitterID", "SubmitterName",
                        "AttachmentsPresent", "AttachmentsExpected", "Status", "ReviewState",
                        "DeviceID", "Edits", "FormVersion", "PARENT_KEY", "instanceID"})
_KOBO_GEOPOINT = re.compile(r"^_(?P<name>.+)_(?P<part>latitude|longitude|altitude|precision)$")
_ODK_GEOPOINT = re.compile(r"^(?P<path>.+)-(?P<part>Latitude|Longitude|Altitude|Accuracy)$")
_XML_NAME = re.compile(r"^[A-Za-z_][\w.\-]*$")


def kobo_headings(columns, path: Path, form: XLSForm | None = None) -> Headings:
    """The headings of a KoboToolbox export (XML values or labels; see the module).

    Examples
    --------
    >>> from pathlib import Path
    >>> headings = kobo_headings(["avis/q1", "q3", "q3/bus", "loc", "_loc_latitude",
    ...                           "_id", "_uuid", "_submission_time"], Path("kobo.csv"))
    >>> headings.names
    {'avis/q1': 'q1', 'q3/bus': 'q3[bus]', '_loc_latitude': 'loc_latitude'}
    """
    columns = list(columns)
    missing = [name for name in ("_uuid", "_submission_time") if name not in columns]
    if missing:
        raise CatalogError(f"the KoboToolbox system column(s) {', '.join(missing)} are missing "
                           "from the header; export the data from KoboToolbox (Data → "
                           "Downloads) as CSV or XLS", file=path, row=1)
    questions = [name for name in columns if not _kobo_metadata(name)]
    labels = any(not all(_XML_NAME.match(part) for part in name.split("/"))
                 for name in questions)
    if labels and form is not None:
        names = _labelled_names(questions, form, path)
        variant = "KoboToolbox, labels"
    else:
        names = tidy_names(questions, "/", geopoint=_kobo_geopoint)
        variant = "KoboToolbox, labels" if labels else "KoboToolbox, XML values"
    return Headings(names, "_uuid", "_submission_time", variant)


def _kobo_metadata(name: str) -> bool:
    last = name.rpartition("/")[2]
    if _KOBO_GEOPOINT.match(last):
        return False
    return (last.startswith("_") or name.split("/")[0] in ("meta", "formhub", "__version__")
            or name in XLSFORM_METADATA)


def _kobo_geopoint(name: str) -> tuple[str, str] | None:
    match = _KOBO_GEOPOINT.match(name.rpartition("/")[2])
    return (match["name"], match["part"]) if match else None


def odk_headings(columns, path: Path, form: XLSForm | None = None) -> Headings:
    """The headings of an ODK Central (or Briefcase) export.

    Examples
    --------
    >>> from pathlib import Path
    >>> headings = odk_headings(["SubmissionDate", "location-corner1-Latitude",
    ...                          "perimeter-corner2-Latitude", "grp-q1", "KEY"],
    ...                         Path("form.csv"))
    >>> headings.names
    {'location-corner1-Latitude': 'corner1_latitude', \
'perimeter-corner2-Latitude': 'corner2_latitude', 'grp-q1': 'q1'}
    """
    columns = list(columns)
    if "PARENT_KEY" in columns and "SubmissionDate" not in columns:
        raise CatalogError("this is a repeat-group file of ODK Central (it has PARENT_KEY): "
                           "catalogue it with format odk_repeat and the option main naming "
                           "the form's main export", file=path, row=1)
    missing = [name for name in ("KEY", "SubmissionDate") if name not in columns]
    if missing:
        raise CatalogError(f"the ODK system column(s) {', '.join(missing)} are missing from "
                           "the header; export the submissions from ODK Central (Submissions "
                           "→ Download → CSV)", file=path, row=1)
    questions = [name for name in columns if not is_odk_metadata(name)]
    return Headings(tidy_names(questions, "-", geopoint=odk_geopoint), "KEY",
                    "SubmissionDate", "ODK Central")


def is_odk_metadata(name: str) -> bool:
    """Whether an ODK export's column is metadata rather than a question."""
    return name in ODK_SYSTEM or name.split("-")[0] == "meta" or name in XLSFORM_METADATA


def odk_geopoint(name: str) -> tuple[str, str] | None:
    """``(path, part)`` of an ODK geopoint part column (``grp-loc-Latitude``), else None."""
    match = _ODK_GEOPOINT.match(name)
    return (match["path"], match["part"].lower()) if match else None


def tidy_names(columns: list[str], group_separator: str, geopoint) -> dict[str, str]:
    """Group prefixes removed; select-multiple options ``q/option`` named ``q[option]``;
    geopoint parts ``<name>_<part>`` (``geopoint(column)`` gives ``(name, part)`` or None);
    colliding names keep their group path."""
    present = set(columns)
    summaries = {name.rpartition("/")[0] for name in columns
                 if name.rpartition("/")[0] in present}
    geopoints = {}
    for name in columns:
        part = geopoint(name)
        if part:
            geopoints[name] = part
    # Kobo's geopoint summary ("lat lon alt precision") says what its parts say.
    summaries |= {name for name in columns if any(
        part[0] == name.rpartition("/")[2] for part in geopoints.values())}

    def ungrouped(name: str) -> str:
        return name.rpartition(group_separator)[2]

    def whole(name: str) -> str:
        return name.replace(group_separator, "_")

    paths: dict[str, str] = {}
    for name in columns:
        if name in summaries:
            continue
        parent, _, option = name.rpartition("/")
        if name in geopoints:
            stem, part = geopoints[name]
            paths[name] = f"{stem}_{part}"
        elif parent in summaries:
            paths[name] = f"{parent}[{option}]"
        else:
            paths[name] = name
    short = {name: _shorten(path, ungrouped) for name, path in paths.items()}
    counts = pd.Series(list(short.values())).value_counts()
    return {name: (short[name] if counts[short[name]] == 1 else _shorten(paths[name], whole))
            for name in paths}


def _shorten(path: str, rename) -> str:
    stem, bracket, option = path.partition("[")
    return rename(stem) + bracket + option


def _labelled_names(questions: list[str], form: XLSForm, path: Path) -> dict[str, str]:
    """Label headings mapped to names through the form, in order (see the module)."""
    candidates: dict[str, list[str]] = {}

    def offer(heading: str, name: str) -> None:
        candidates.setdefault(heading.strip(), []).append(name)

    for field in form.fields:
        if field.repeat:
            continue
        grouped = "/".join([*field.group_labels, field.label])
        for heading in {field.label, grouped, field.name}:
            # A geopoint's summary column says what its parts say: it is dropped.
            offer(heading, None if field.type == "geopoint" else field.name)
        for code, choice in field.choices if field.type == "select_multiple" else ():
            for heading in {f"{field.label}/{choice}", f"{grouped}/{choice}"}:
                offer(heading, f"{field.name}[{code}]")
        if field.type == "geopoint":
            for part in ("latitude", "longitude", "altitude", "precision"):
                for heading in {f"_{field.label}_{part}", f"_{grouped}_{part}"}:
                    offer(heading, f"{field.name}_{part}")
    names, unknown = {}, []
    taken: set[str] = set()
    for heading in questions:
        written = re.sub(r"\.\d+$", "", heading)  # the reader names a repeat "label.1"
        key = heading.strip() if heading.strip() in candidates else written.strip()
        options = [name for name in candidates.get(key, []) if name not in taken]
        if options:
            taken.add(options[0])
            if options[0] is not None:
                names[heading] = options[0]
        elif key in candidates:
            continue  # a summary column already named
        else:
            unknown.append(heading)
    if unknown:
        raise SurveyError(f"the heading(s) {', '.join(unknown)} match no question label of "
                          f"the form {form.codebook.file}; export with « XML values and "
                          "headers », or give the form of this export", file=path, row=1,
                          column=unknown[0])
    return names


def split_summaries(frame: pd.DataFrame, codebook: Codebook, file=None) -> pd.DataFrame:
    """Select-multiple questions exported as their summary column only (``"bus velo"``)
    split into one boolean column per option of the codebook; an empty summary leaves
    every option missing (the question was not asked).

    Examples
    --------
    >>> from civeval.survey.codebook import Question
    >>> codebook = Codebook((Question("q3", "multiple", columns=("bus", "velo")),))
    >>> split = split_summaries(pd.DataFrame({"q3": ["bus velo", "velo", None]}), codebook)
    >>> split.columns.tolist(), split["q3[bus]"].tolist()
    (['q3[bus]', 'q3[velo]'], [True, False, <NA>])
    """
    frame = frame.copy()
    for question in codebook:
        if question.type != "multiple" or question.id not in frame:
            continue
        if any(f"{question.id}[{code}]" in frame for code in question.columns):
            frame = frame.drop(columns=question.id)
            continue
        chosen = frame[question.id].astype("string").str.split()
        known = set(question.columns)
        for line, options in zip(source_lines(frame), chosen, strict=True):
            strange = sorted(set(options) - known) if isinstance(options, list) else []
            if strange:
                raise SurveyError(f"option {strange[0]!r} of question {question.id} is not "
                                  f"one of its choices: {', '.join(question.columns)}",
                                  file=file, row=line, column=question.id)
        position = frame.columns.get_loc(question.id)
        for offset, code in enumerate(question.columns):
            ticks = chosen.map(lambda options, code=code: pd.NA if not isinstance(options, list)
                               else code in options).astype("boolean")
            frame.insert(position + 1 + offset, f"{question.id}[{code}]", ticks)
        frame = frame.drop(columns=question.id)
    return frame


def latest_submissions(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Each respondent's latest submission, and how many earlier copies were dropped.

    KoboToolbox and ODK may hold a submission twice (sent again from a device, or edited):
    the same ``respondent_id`` (``_uuid``, ``KEY``) on several rows. The one submitted last
    (``submitted_at``, then the later row) is kept.

    Examples
    --------
    >>> frame = pd.DataFrame({"respondent_id": ["a", "b", "a"], "submitted_at": pd.to_datetime(
    ...     ["2025-03-01", "2025-03-02", "2025-03-03"]), "q1": ["Oui", "Non", "Non"]})
    >>> kept, dropped = latest_submissions(frame)
    >>> kept["q1"].tolist(), dropped
    (['Non', 'Non'], 1)
    """
    ids = frame["respondent_id"]
    if not ids.duplicated().any():
        return frame, 0
    order = pd.DataFrame({"id": ids.to_numpy(), "position": range(len(frame))})
    if "submitted_at" in frame:
        order["at"] = pd.to_datetime(frame["submitted_at"].to_numpy(), errors="coerce",
                                     utc=True)
        order = order.sort_values(["at", "position"], na_position="first")
    keep = sorted(order.drop_duplicates("id", keep="last")["position"])
    return frame.iloc[keep], len(frame) - len(keep)
