"""The project-tracking table: one row per winning project of a participatory budget, read
into normalised columns and a closed vocabulary of progress statuses.

The table gives each project's edition, budget, scale (city-wide or district), district,
priority-neighbourhood flag, progress status and milestone dates (Paris publishes one as open data,
``bp_projets_gagnants``). :func:`read_project_tracking` reads it into normalised columns; it
is also the catalogue format ``project_tracking``.

Decisions, stated once
----------------------
*Vote date.* Paris publishes no vote date: its votes are held every September (24 September
– 1 October 2014, 7–23 September 2018, until 24 September in 2024), and the other dates
of the file are months (``YYYY-MM``). The vote date is therefore the first day of
``vote_month`` (default 9, September) of the edition's year, coded like the file's other
months; a ``vote_date`` column in the mapping overrides it. (Funding is voted by the Conseil
de Paris in December; set ``vote_month=12`` to measure from that decision instead.)

*Planned delivery.* In the Paris file ``delivery_date`` is the *planned* delivery ("Date
prévisonnelle de livraison", sic); :mod:`civeval.transparency.delivery` says when it is
taken as the actual date.

*Scale.* A participatory budget often has a city-wide envelope and district envelopes
(Paris: « Budget participatif parisien » and « Budget participatif d'arrondissement »).
``scale`` is ``city`` or ``district``. Paris files every city-wide project under the 4th
arrondissement, where the Hôtel de Ville stands: the district of a city-wide project says
where it is managed, not whom it serves.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from civeval.errors import CatalogError
from civeval.workbench import tables

__all__ = [
    "DEFAULT_MAPPING",
    "SCALES",
    "STATUSES",
    "as_timestamp",
    "read_project_tracking",
]

#: The normalised columns and the header of the Paris file each one comes from (typos as
#: published). A study's ``mapping`` option replaces this dictionary entirely.
DEFAULT_MAPPING: dict[str, str] = {
    "project_id": "Identifiant du projet lauréat",
    "edition": "Edition",
    "title": "Titre du projet lauréat",
    "theme": "Thématique",
    "budget": "Budget global du projet lauréat",
    "scale": "Echelle du Budget participatif",
    "district": "Arrondissement du projet lauréat",
    "priority_area": "Projet en Quartier populaire",
    "status": "Avancement du projet",
    "studies_date": "Date de début des études du projet",
    "procedures_date": "Date de lancement des procédures du projet",
    "works_date": "Date de lancement des travaux du projet",
    "delivery_date": "Date prévisonnelle de livraison du projet",
    "opening_date": "Date d'ouverture du projet au public",
    "last_update": "Dernière mise à jour des données du projet",
}

REQUIRED = ("project_id", "edition", "status")
ALWAYS = ("project_id", "edition", "budget", "scale", "district", "priority_area",
          "status", "vote_date", "delivery_date")
OPTIONAL = ("title", "theme", "studies_date", "procedures_date", "works_date",
            "opening_date", "last_update")
DATES = ("vote_date", "studies_date", "procedures_date", "works_date", "delivery_date",
         "opening_date", "last_update")
_ORDER = ("project_id", "edition", "title", "theme", "budget", "scale", "district",
          "priority_area", "status", "vote_date", "studies_date", "procedures_date",
          "works_date", "delivery_date", "opening_date", "last_update")

#: The closed vocabulary of progress statuses, in the order a project goes through them.
STATUSES = ("not_started", "studies", "procedures", "works", "delivery", "finished",
            "abandoned")

# Raw labels (once folded: lower case, no accents, no parentheses or punctuation) → status.
_STATUS_LABELS = {
    "fin": "finished", "finished": "finished", "termine": "finished", "realise": "finished",
    "livre": "finished", "acheve": "finished", "ouvert au public": "finished",
    "livraison": "delivery", "en cours de livraison": "delivery", "delivery": "delivery",
    "travaux": "works", "en travaux": "works", "works": "works",
    "etudes": "studies", "etude": "studies", "en etude": "studies", "en etudes": "studies",
    "studies": "studies",
    "procedures": "procedures", "procedure": "procedures", "en procedure": "procedures",
    "non demarre": "not_started", "pas demarre": "not_started", "a venir": "not_started",
    "not started": "not_started",
    "abandonne": "abandoned", "annule": "abandoned", "abandoned": "abandoned",
}
_STATUS_LABELS.update({status.replace("_", " "): status for status in STATUSES})

#: The scales of a project: the whole city's envelope, or a district's.
SCALES = ("city", "district")

# Raw labels (folded) → scale; Paris writes « Budget participatif parisien » and « Budget
# participatif d’arrondissement ».
_SCALE_LABELS = {
    "budget participatif parisien": "city", "parisien": "city", "paris": "city",
    "tout paris": "city", "ville": "city", "toute la ville": "city", "city": "city",
    "city wide": "city", "citywide": "city", "commune": "city", "communal": "city",
    "municipal": "city",
    "budget participatif d arrondissement": "district", "arrondissement": "district",
    "d arrondissement": "district", "budget participatif de quartier": "district",
    "quartier": "district", "de quartier": "district", "secteur": "district",
    "district": "district",
}

_TRUE = {"oui", "o", "yes", "y", "true", "vrai", "1", "x"}
_FALSE = {"non", "n", "no", "false", "faux", "0"}

_YEAR_MONTH = re.compile(r"^\d{4}-\d{1,2}$")
_MONTH_YEAR = re.compile(r"^\d{1,2}/\d{4}$")
_FRENCH_DAY = re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}([T ].*)?$")
_SPACES = re.compile(r"[\s\u00a0\u202f]")


def _fold(text: str) -> str:
    """``"(non démarré)"`` → ``"non demarre"``: lower case, no accents, no punctuation."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def _record_lines(path: Path, encoding: str | None, sep: str | None) -> list[int]:
    """The line (1-based) where each data record starts, counting quoted line breaks."""
    text = tables.decode(path.read_bytes(), path, encoding)
    reader = csv.reader(io.StringIO(text), delimiter=sep or tables.sniff_separator(text))
    lines, start = [], 1
    for record in reader:
        if any(field.strip() for field in record):
            lines.append(start)
        start = reader.line_num + 1
    return lines[1:]  # the header is not a data record


class _Locator:
    """Turns a row position into the file's line number, reading the file only if needed."""

    def __init__(self, path: Path, encoding: str | None, sep: str | None):
        self.path, self.encoding, self.sep = path, encoding, sep
        self._lines: list[int] | None = None

    def line(self, position: int) -> int:
        if self._lines is None:
            self._lines = _record_lines(self.path, self.encoding, self.sep)
        return self._lines[position] if position < len(self._lines) else position + 2

    def error(self, message: str, position: int, header: str) -> CatalogError:
        return CatalogError(message, file=self.path, row=self.line(position), column=header)


def _first(mask: pd.Series | np.ndarray) -> int:
    return int(np.flatnonzero(np.asarray(mask))[0])


def _parse_dates(values: pd.Series, header: str, where: _Locator) -> pd.Series:
    """``YYYY-MM`` (first of the month), ``mm/yyyy``, ``dd/mm/yyyy`` or ISO ``YYYY-MM-DD``."""
    text = values.astype("string").str.strip()
    text = text.mask(text == "")
    result = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    formats = ((_YEAR_MONTH, "%Y-%m"), (_MONTH_YEAR, "%m/%Y"), (_FRENCH_DAY, "%d/%m/%Y"))
    done = text.isna()
    for pattern, form in formats:
        mask = (~done & text.str.match(pattern.pattern).fillna(False)).to_numpy()
        if mask.any():
            result[mask] = pd.to_datetime(text[mask], format=form, errors="coerce")
            done |= mask
    mask = (~done & text.str.match(_ISO_DAY.pattern).fillna(False)).to_numpy()
    if mask.any():
        parsed = pd.to_datetime(text[mask].str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
        result[mask] = parsed
        done |= mask
    bad = text.notna() & (~done | result.isna())
    if bad.any():
        position = _first(bad)
        raise where.error(f"{text.iloc[position]!r} is not a date (expected YYYY-MM, "
                          "dd/mm/yyyy or YYYY-MM-DD)", position, header)
    return result


def _vocabulary(labels: Mapping[str, str], extra: Mapping[str, str] | None,
                allowed: Sequence[str], option: str, path: Path) -> dict[str, str]:
    """The folded ``labels`` with a study's ``extra`` ones (its catalogue ``option``)."""
    merged = dict(labels)
    for raw, value in (extra or {}).items():
        if value not in allowed:
            raise CatalogError(f"option {option}: {value!r} (for {raw!r}) is not one of "
                               f"{', '.join(allowed)}", file=path)
        merged[_fold(raw)] = value
    return merged


def _match(values: pd.Series, labels: Mapping[str, str]) -> pd.Series:
    """Each value's entry in the folded ``labels``; missing where it has none."""
    text = values.astype("string")
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    mapped = np.array([labels.get(_fold(u)) for u in uniques] + [None], dtype=object)
    return pd.Series(mapped[codes], index=values.index, dtype="string")


def _parse_status(values: pd.Series, header: str, where: _Locator,
                  statuses: Mapping[str, str] | None) -> pd.Series:
    labels = _vocabulary(_STATUS_LABELS, statuses, STATUSES, "statuses", where.path)
    text = values.astype("string")
    result = _match(values, labels)
    bad = result.isna()
    if bad.any():
        position = _first(bad)
        raw = text.iloc[position]
        if pd.isna(raw) or not str(raw).strip():
            raise where.error("the status is empty", position, header)
        raise where.error(f"unknown status {str(raw)!r}; known statuses: "
                          "FIN, LIVRAISON, TRAVAUX, PROCEDURES, ETUDES, (non démarré), "
                          "ABANDONNÉ (or their English names, or the catalogue option "
                          "statuses)", position, header)
    return result


def _parse_scale(values: pd.Series, header: str, where: _Locator,
                 scales: Mapping[str, str] | None) -> pd.Series:
    """``city`` or ``district``; an empty cell is a scale unknown."""
    labels = _vocabulary(_SCALE_LABELS, scales, SCALES, "scales", where.path)
    text = values.astype("string").str.strip()
    result = _match(values, labels)
    bad = result.isna() & text.notna() & (text != "")
    if bad.any():
        position = _first(bad)
        raise where.error(f"unknown scale {str(text.iloc[position])!r}; known scales: "
                          "Budget participatif parisien, Budget participatif "
                          "d’arrondissement, ville, quartier, arrondissement (or the "
                          "catalogue option scales: label → city or district)",
                          position, header)
    return result


def _parse_flag(values: pd.Series, header: str, where: _Locator) -> pd.Series:
    folded = values.astype("string").map(lambda v: _fold(v) if pd.notna(v) else v,
                                         na_action="ignore")
    result = pd.Series(pd.NA, index=values.index, dtype="boolean")
    result[folded.isin(_TRUE).fillna(False).to_numpy()] = True
    result[folded.isin(_FALSE).fillna(False).to_numpy()] = False
    bad = folded.notna() & (folded != "") & result.isna()
    if bad.any():
        position = _first(bad)
        raise where.error(f"{values.iloc[position]!r} is not a yes/no value (Oui/Non)",
                          position, header)
    return result


def _parse_amount(values: pd.Series, header: str, where: _Locator) -> pd.Series:
    text = values.astype("string").str.replace(_SPACES.pattern, "", regex=True)
    text = text.str.replace("€", "", regex=False).str.replace(",", ".", regex=False)
    text = text.mask(text == "")
    amounts = pd.to_numeric(text, errors="coerce")
    bad = text.notna() & amounts.isna()
    if bad.any():
        position = _first(bad)
        raise where.error(f"{values.iloc[position]!r} is not an amount", position, header)
    return amounts.astype("Float64")


def as_timestamp(value, name: str) -> pd.Timestamp:
    """The date option ``name`` as a Timestamp without time zone (a date, ``dd/mm/yyyy``,
    ``YYYY-MM`` or ISO text); CatalogError naming the option when it is not a date."""
    if isinstance(value, pd.Timestamp | datetime | date):
        stamp = pd.Timestamp(value)
        return stamp.tz_localize(None) if stamp.tz is not None else stamp
    text = str(value).strip()
    for pattern, form in ((_FRENCH_DAY, "%d/%m/%Y"), (_YEAR_MONTH, "%Y-%m")):
        if pattern.match(text):
            return pd.Timestamp(datetime.strptime(text, form))
    if _ISO_DAY.match(text):
        return pd.Timestamp(text[:10])
    raise CatalogError(f"option {name}: {value!r} is not a date (dd/mm/yyyy or YYYY-MM-DD)")


def _check_mapping(mapping: Mapping[str, str], columns: Sequence[str], path: Path) -> None:
    known = set(_ORDER)
    unknown = sorted(set(mapping) - known)
    if unknown:
        raise CatalogError(f"option mapping: unknown key(s) {', '.join(unknown)}; "
                           f"known keys: {', '.join(_ORDER)}", file=path)
    missing = [key for key in REQUIRED if key not in mapping]
    if missing:
        raise CatalogError(f"option mapping: no column given for {', '.join(missing)}",
                           file=path)
    for key, header in mapping.items():
        if header not in columns:
            close = difflib.get_close_matches(str(header), [str(c) for c in columns], n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise CatalogError(f"the column {header!r} (mapping: {key}) is not in the "
                               f"header{hint}", file=path, row=1)


def read_project_tracking(path, mapping: Mapping[str, str] | None = None, *,
                          statuses: Mapping[str, str] | None = None,
                          scales: Mapping[str, str] | None = None, as_of=None,
                          vote_month: int = 9, sep: str | None = None,
                          encoding: str | None = None) -> pd.DataFrame:
    """Read a table of winning projects (Paris's ``bp_projets_gagnants`` by default).

    Parameters
    ----------
    path : path
        A CSV file, one row per winning project.
    mapping : mapping, optional
        Normalised column → the collectivité's header, as given in ``study.yml``. It
        replaces :data:`DEFAULT_MAPPING` (the Paris headers) entirely and must give
        ``project_id``, ``edition`` and ``status``; the other keys are optional:
        ``title, theme, budget, scale, district, priority_area, vote_date, studies_date,
        procedures_date, works_date, delivery_date, opening_date, last_update``.
    statuses : mapping, optional
        Extra raw status label → one of :data:`STATUSES`, for a vocabulary other than
        Paris's (``{"Réalisé": "finished"}``). Labels are compared without case, accents,
        parentheses or punctuation, so ``(non démarré)``, ``Non demarre`` and
        ``NON DÉMARRÉ`` are the same label.
    scales : mapping, optional
        Extra raw scale label → ``city`` (the whole city's envelope) or ``district``
        (a district's), for a vocabulary other than Paris's (``{"Projet de secteur":
        "district"}``); compared like statuses. An empty cell is a scale unknown.
    as_of : date or str, optional
        The extraction date of the file. Default: the latest ``last_update`` in the file
        when that column is mapped and filled, else today. A finished project with a date
        after it is an error (its opening cannot be in the future). Kept in
        ``attrs["as_of"]`` for :func:`~civeval.transparency.delivery.delivery_delay`.
        Paris's ``Dernière mise à jour`` column is empty in the published file: give the
        download date.
    vote_month : int
        Month of the vote, used when no ``vote_date`` column is mapped: the vote date is
        the first day of this month in the edition's year (default 9: Paris votes in
        September; see the module notes).
    sep, encoding : str, optional
        Force the CSV separator or encoding instead of detecting them.

    Returns
    -------
    DataFrame
        ``project_id`` (text), ``edition`` (integer when every edition is a year, else
        text), ``budget`` (float, euros), ``scale`` (one of :data:`SCALES`),
        ``district`` (text), ``priority_area`` (boolean), ``status`` (one of
        :data:`STATUSES`), ``vote_date`` and ``delivery_date``, plus ``title``,
        ``theme``, ``studies_date``, ``procedures_date``, ``works_date``,
        ``opening_date``, ``last_update`` when mapped. Unmapped columns among the first
        nine are missing values. Dates are days; a ``YYYY-MM`` month becomes its first
        day.

    Raises
    ------
    CatalogError
        Naming the file, the line (the header is line 1) and the column: a mapped column
        absent from the header, an empty or repeated project id, an unknown status or
        scale, a value that is not a date, an amount or yes/no, an edition without a year when no
        vote date is mapped, or a finished project dated after ``as_of``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "projets.csv"
    >>> _ = path.write_text(
    ...     "Identifiant du projet lauréat;Edition;Budget global du projet lauréat;"
    ...     "Avancement du projet;Date d'ouverture du projet au public\\n"
    ...     "101;2019;45000;FIN;2020-07\\n102;2019;300000;(non démarré);\\n",
    ...     encoding="utf-8-sig")
    >>> mapping = {"project_id": "Identifiant du projet lauréat", "edition": "Edition",
    ...            "budget": "Budget global du projet lauréat",
    ...            "status": "Avancement du projet",
    ...            "opening_date": "Date d'ouverture du projet au public"}
    >>> projects = read_project_tracking(path, mapping, as_of="2024-10-31")
    >>> projects[["project_id", "status", "vote_date", "opening_date"]]
      project_id       status  vote_date opening_date
    0        101     finished 2019-09-01   2020-07-01
    1        102  not_started 2019-09-01          NaT
    """
    path = Path(path)
    mapping = dict(DEFAULT_MAPPING if mapping is None else mapping)
    if not 1 <= int(vote_month) <= 12:
        raise CatalogError(f"option vote_month: {vote_month!r} is not a month (1-12)",
                           file=path)
    text_columns = [header for key, header in mapping.items()]
    frame = tables.read_csv(path, sep=sep, encoding=encoding, text_columns=text_columns)
    _check_mapping(mapping, list(frame.columns), path)
    where = _Locator(path, encoding, sep)
    out = pd.DataFrame(index=frame.index)

    ids = frame[mapping["project_id"]].astype("string").str.strip()
    if (ids.isna() | (ids == "")).any():
        raise where.error("the project id is empty", _first(ids.isna() | (ids == "")),
                          mapping["project_id"])
    repeated = ids.duplicated()
    if repeated.any():
        position = _first(repeated)
        raise where.error(f"the project id {ids.iloc[position]!r} appears twice", position,
                          mapping["project_id"])
    out["project_id"] = ids

    editions = frame[mapping["edition"]].astype("string").str.strip()
    if (editions.isna() | (editions == "")).any():
        raise where.error("the edition is empty", _first(editions.isna() | (editions == "")),
                          mapping["edition"])
    out["edition"] = (editions.astype("Int64") if editions.str.fullmatch(r"\d{4}").all()
                      else editions)
    for key in ("title", "theme"):
        if key in mapping:
            out[key] = frame[mapping[key]].astype("string")
    out["budget"] = (_parse_amount(frame[mapping["budget"]], mapping["budget"], where)
                     if "budget" in mapping else pd.Series(pd.NA, index=frame.index,
                                                           dtype="Float64"))
    out["scale"] = (_parse_scale(frame[mapping["scale"]], mapping["scale"], where, scales)
                    if "scale" in mapping else pd.Series(pd.NA, index=frame.index,
                                                         dtype="string"))
    out["district"] = (frame[mapping["district"]].astype("string").str.strip()
                       if "district" in mapping else pd.Series(pd.NA, index=frame.index,
                                                               dtype="string"))
    out["priority_area"] = (_parse_flag(frame[mapping["priority_area"]],
                                        mapping["priority_area"], where)
                            if "priority_area" in mapping else
                            pd.Series(pd.NA, index=frame.index, dtype="boolean"))
    out["status"] = _parse_status(frame[mapping["status"]], mapping["status"], where,
                                  statuses)

    for key in DATES:
        if key in mapping:
            out[key] = _parse_dates(frame[mapping[key]], mapping[key], where)
    if "vote_date" not in mapping:
        years = editions.str.extract(r"((?:19|20)\d{2})", expand=False)
        if years.isna().any():
            position = _first(years.isna())
            raise where.error(f"cannot tell the vote year from the edition "
                              f"{editions.iloc[position]!r}; map a vote_date column",
                              position, mapping["edition"])
        out["vote_date"] = pd.to_datetime(years + f"-{int(vote_month):02d}-01",
                                          format="%Y-%m-%d").astype("datetime64[ns]")
    if "delivery_date" not in out:
        out["delivery_date"] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")

    if as_of is None:
        updates = out["last_update"].dropna() if "last_update" in out else pd.Series([])
        as_of = updates.max() if len(updates) else pd.Timestamp.today().normalize()
    else:
        as_of = as_timestamp(as_of, "as_of")
    finished = (out["status"] == "finished").fillna(False).to_numpy()
    future = {key: finished & (out[key] > as_of).fillna(False).to_numpy()
              for key in DATES if key in out and key not in ("vote_date", "last_update")}
    future = {key: _first(mask) for key, mask in future.items() if mask.any()}
    if future:  # the first offending line, and its first offending column
        key = min(future, key=future.get)
        position = future[key]
        raise where.error(
            f"the project is finished but this date ({out[key].iloc[position]:%Y-%m}) is "
            f"after the extraction date {as_of:%Y-%m-%d} (option as_of)",
            position, mapping[key])
    columns = [c for c in _ORDER if c in out]
    result = out[columns].reset_index(drop=True)
    result.attrs["as_of"] = as_of
    result.attrs["source"] = str(path)
    return result
