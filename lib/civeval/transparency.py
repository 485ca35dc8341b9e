"""Transparency: what became of the winning projects and of the proposals.

Two tables feed this section of an evaluation:

- a **project-tracking table**, one row per winning project of a participatory budget with
  its edition, budget, district, priority-neighbourhood flag, progress status and milestone
  dates (Paris publishes one as open data, ``bp_projets_gagnants``). :func:`read_project_tracking`
  reads it into normalised columns; it is also the catalogue format ``project_tracking``;
- a **proposals table** as Decidim exports it (one row per proposal with its state and
  the dates it was published and answered), for :func:`answer_rates`.

The indicators are the ones the method lists under *transparency*: implementation and
abandonment rates of winning projects (:func:`implementation_rates`), the delay from the
vote to the delivery (:func:`delivery_delay`, a Kaplan–Meier estimate, since most recent
projects are not delivered yet), and the share of proposals answered, with reasons, and how
fast (:func:`answer_rates`).

Decisions, stated once
----------------------
*Delivered* means status ``finished`` (Paris: ``FIN``, the project is open to the public).
``delivery`` (``LIVRAISON``: being handed over) is still in progress: counting it would
count promises, and the Paris file gives no opening date for it.

*Vote date.* Paris publishes no vote date: its votes are held every September (24 September
– 1 October 2014, 7–23 September 2018, until 24 September in 2024), and the other dates
of the file are months (``YYYY-MM``). The vote date is therefore the first day of
``vote_month`` (default 9, September) of the edition's year, coded like the file's other
months; a ``vote_date`` column in the mapping overrides it. (Funding is voted by the Conseil
de Paris in December; set ``vote_month=12`` to measure from that decision instead.)

*Delivery date* of a finished project: its opening to the public (``opening_date``) when
known, else ``delivery_date``. In the Paris file ``delivery_date`` is the *planned* delivery
("Date prévisonnelle de livraison", sic) and is used as the actual date only for a finished
project without opening date.
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
from scipy import stats
from statsmodels.duration.survfunc import SurvfuncRight

from civeval.errors import CatalogError, InputError
from civeval.workbench import tables

__all__ = [
    "DEFAULT_MAPPING",
    "STATUSES",
    "answer_rates",
    "delivery_delay",
    "implementation_rates",
    "read_project_tracking",
]

# --- the project-tracking table ----------------------------------------------------------

#: The normalised columns and the header of the Paris file each one comes from (typos as
#: published). A study's ``mapping`` option replaces this dictionary entirely.
DEFAULT_MAPPING: dict[str, str] = {
    "project_id": "Identifiant du projet lauréat",
    "edition": "Edition",
    "title": "Titre du projet lauréat",
    "theme": "Thématique",
    "budget": "Budget global du projet lauréat",
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
ALWAYS = ("project_id", "edition", "budget", "district", "priority_area", "status",
          "vote_date", "delivery_date")
OPTIONAL = ("title", "theme", "studies_date", "procedures_date", "works_date",
            "opening_date", "last_update")
DATES = ("vote_date", "studies_date", "procedures_date", "works_date", "delivery_date",
         "opening_date", "last_update")
_ORDER = ("project_id", "edition", "title", "theme", "budget", "district", "priority_area",
          "status", "vote_date", "studies_date", "procedures_date", "works_date",
          "delivery_date", "opening_date", "last_update")

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


def _parse_status(values: pd.Series, header: str, where: _Locator,
                  statuses: Mapping[str, str] | None) -> pd.Series:
    labels = dict(_STATUS_LABELS)
    for raw, status in (statuses or {}).items():
        if status not in STATUSES:
            raise CatalogError(f"option statuses: {status!r} (for {raw!r}) is not one of "
                               f"{', '.join(STATUSES)}", file=where.path)
        labels[_fold(raw)] = status
    text = values.astype("string")
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    mapped = np.array([labels.get(_fold(u)) for u in uniques] + [None], dtype=object)
    result = pd.Series(mapped[codes], index=values.index, dtype="string")
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


def _as_timestamp(value, name: str) -> pd.Timestamp:
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
                          statuses: Mapping[str, str] | None = None, as_of=None,
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
        ``title, theme, budget, district, priority_area, vote_date, studies_date,
        procedures_date, works_date, delivery_date, opening_date, last_update``.
    statuses : mapping, optional
        Extra raw status label → one of :data:`STATUSES`, for a vocabulary other than
        Paris's (``{"Réalisé": "finished"}``). Labels are compared without case, accents,
        parentheses or punctuation, so ``(non démarré)``, ``Non demarre`` and
        ``NON DÉMARRÉ`` are the same label.
    as_of : date or str, optional
        The extraction date of the file. Default: the latest ``last_update`` in the file
        when that column is mapped and filled, else today. A finished project with a date
        after it is an error (its opening cannot be in the future). Kept in
        ``attrs["as_of"]`` for :func:`delivery_delay`. Paris's ``Dernière mise à jour``
        column is empty in the published file: give the download date.
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
        text), ``budget`` (float, euros), ``district`` (text), ``priority_area``
        (boolean), ``status`` (one of :data:`STATUSES`), ``vote_date`` and
        ``delivery_date``, plus ``title``, ``theme``, ``studies_date``,
        ``procedures_date``, ``works_date``, ``opening_date``, ``last_update`` when
        mapped. Unmapped columns among the first eight are missing values. Dates are
        days; a ``YYYY-MM`` month becomes its first day.

    Raises
    ------
    CatalogError
        Naming the file, the line (the header is line 1) and the column: a mapped column
        absent from the header, an empty or repeated project id, an unknown status, a
        value that is not a date, an amount or yes/no, an edition without a year when no
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
        as_of = _as_timestamp(as_of, "as_of")
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


# --- implementation and abandonment ------------------------------------------------------

def _groups(by) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def _need(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(f"{what} needs the column(s) {', '.join(missing)}")


def implementation_rates(projects: pd.DataFrame, by="edition") -> pd.DataFrame:
    """Implementation and abandonment rates of winning projects.

    Parameters
    ----------
    projects : DataFrame
        As :func:`read_project_tracking` returns it (``status`` is needed, plus the
        ``by`` columns).
    by : str, list of str or None
        Grouping column(s); default one row per edition, None for one row overall.

    Returns
    -------
    DataFrame
        One row per group: ``winners`` (projects), ``delivered`` (status ``finished``),
        ``in_progress`` (neither finished nor abandoned), ``abandoned``,
        ``implementation_rate`` and ``abandonment_rate``.

    Notes
    -----
    .. math::

        \\text{implementation rate} = \\frac{\\#\\{\\text{finished}\\}}{\\#\\text{winners}}
        \\qquad
        \\text{abandonment rate} = \\frac{\\#\\{\\text{abandoned}\\}}{\\#\\text{winners}}

    A project being delivered (``delivery``) is not delivered yet. Recent editions have
    low rates because their projects are still under way: read the rate with the delay
    of :func:`delivery_delay`, which accounts for that.

    Examples
    --------
    >>> projects = pd.DataFrame({"edition": [2019, 2019, 2019, 2019, 2023],
    ...                          "status": ["finished", "finished", "abandoned", "works",
    ...                                     "studies"]})
    >>> rates = implementation_rates(projects)
    >>> rates[["edition", "winners", "delivered", "abandoned", "implementation_rate"]]
       edition  winners  delivered  abandoned  implementation_rate
    0     2019        4          2          1                  0.5
    1     2023        1          0          0                  0.0
    >>> rates["abandonment_rate"].tolist()
    [0.25, 0.0]
    """
    groups = _groups(by)
    _need(projects, ["status", *groups], "implementation_rates")
    unknown = set(projects["status"].dropna()) - set(STATUSES)
    if unknown or projects["status"].isna().any():
        shown = ", ".join(sorted(map(str, unknown))) or "a missing status"
        raise InputError(f"implementation_rates: status must be one of {', '.join(STATUSES)}"
                         f", not {shown} (read the table with read_project_tracking)")
    status = projects["status"].astype(str)
    counts = pd.DataFrame({
        "winners": 1,
        "delivered": (status == "finished").astype(int),
        "in_progress": (~status.isin(["finished", "abandoned"])).astype(int),
        "abandoned": (status == "abandoned").astype(int),
    }, index=projects.index)
    if groups:
        counts[groups] = projects[groups]
        table = counts.groupby(groups, dropna=False, sort=True).sum().reset_index()
    else:
        table = counts.sum().to_frame().T.reset_index(drop=True)
    table["implementation_rate"] = table["delivered"] / table["winners"]
    table["abandonment_rate"] = table["abandoned"] / table["winners"]
    return table


# --- delay from vote to delivery (Kaplan–Meier) ------------------------------------------

_MONTH_DAYS = 365.25 / 12


def _months_between(start: pd.Series, end: pd.Series) -> pd.Series:
    """Calendar months from ``start`` to ``end``: whole months between first days of month
    are exact (Sept. to the next July is 10), the days beyond count as days / 30.4375."""
    return ((end.dt.year - start.dt.year) * 12 + (end.dt.month - start.dt.month)
            + (end.dt.day - start.dt.day) / _MONTH_DAYS).astype(float)


def _kaplan_meier(time: np.ndarray, event: np.ndarray, alpha: float):
    """The curve (with pointwise log-log intervals) and the median with its interval."""
    n, events = len(time), int(event.sum())
    start = pd.DataFrame({"time": [0.0], "survival": [1.0], "ci_low": [1.0],
                          "ci_high": [1.0], "n_risk": [n], "events": [0]})
    if n == 0 or events == 0:
        return start, {"n": n, "events": events, "median": np.nan,
                       "median_ci_low": np.nan, "median_ci_high": np.nan}
    fit = SurvfuncRight(time, event)
    surv, se = fit.surv_prob, fit.surv_prob_se
    z = stats.norm.ppf(1 - alpha / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_surv = np.log(surv)
        theta = np.log(-log_surv)
        spread = z * se / np.abs(surv * log_surv)
        low, high = np.exp(-np.exp(theta + spread)), np.exp(-np.exp(theta - spread))
    low = np.where(surv >= 1, 1.0, np.where(surv <= 0, 0.0, low))
    high = np.where(surv >= 1, 1.0, np.where(surv <= 0, 0.0, high))
    curve = pd.DataFrame({"time": fit.surv_times, "survival": surv, "ci_low": low,
                          "ci_high": high, "n_risk": fit.n_risk.astype(int),
                          "events": fit.n_events.astype(int)})
    median = float(fit.quantile(0.5))
    with np.errstate(divide="ignore", invalid="ignore"):  # S = 0 or 1 at some times
        ci = fit.quantile_ci(0.5, alpha=alpha, method="cloglog")
    ci = [float(v) if np.isfinite(v) else np.nan for v in ci]
    summary = {"n": n, "events": events, "median": median, "median_ci_low": ci[0],
               "median_ci_high": ci[1]}
    return pd.concat([start, curve], ignore_index=True), summary


def _delay_data(projects: pd.DataFrame, as_of: pd.Timestamp, abandoned: str) -> pd.DataFrame:
    status = projects["status"].astype(str)
    vote = pd.to_datetime(projects["vote_date"])
    delivered_on = pd.Series(pd.NaT, index=projects.index, dtype="datetime64[ns]")
    for key in ("delivery_date", "opening_date"):  # the opening wins when both are known
        if key in projects:
            dates = pd.to_datetime(projects[key]).astype("datetime64[ns]")
            delivered_on = dates.where(dates.notna(), delivered_on)
    finished = status == "finished"
    censor_on = pd.Series(as_of, index=projects.index, dtype="datetime64[ns]")
    if abandoned == "censor":
        milestones = [pd.to_datetime(projects[k]).astype("datetime64[ns]")
                      for k in ("studies_date", "procedures_date", "works_date") if k in projects]
        last = pd.concat([vote.astype("datetime64[ns]"), *milestones], axis=1)
        last = last.where(last <= as_of).max(axis=1)
        censor_on = censor_on.where(status != "abandoned", last.fillna(vote))
    end = delivered_on.where(finished, censor_on)
    usable = vote.notna() & ~(finished & delivered_on.isna())
    data = pd.DataFrame({"time": _months_between(vote, end).clip(lower=0.0),
                         "event": finished.astype(int), "usable": usable},
                        index=projects.index)
    early = finished & (delivered_on < vote)
    if early.any():
        ids = ", ".join(map(str, projects.loc[early, "project_id"].head(5)))
        raise InputError(f"delivery_delay: project(s) {ids} delivered before the vote date; "
                         "check the vote date (vote_month) or the delivery dates")
    return data


def delivery_delay(projects: pd.DataFrame, as_of=None, by=None, *, abandoned: str = "censor",
                   alpha: float = 0.05) -> pd.DataFrame:
    """Kaplan–Meier estimate of the delay from the vote to the delivery, in months.

    Parameters
    ----------
    projects : DataFrame
        As :func:`read_project_tracking` returns it: ``project_id``, ``status``,
        ``vote_date`` and ``delivery_date`` / ``opening_date``; ``studies_date``,
        ``procedures_date``, ``works_date`` place an abandoned project's last known date.
    as_of : date or str, optional
        Extraction date: projects not delivered by then are censored at it. Default:
        ``projects.attrs["as_of"]`` (set by the reader), else today.
    by : str, list of str or None
        One curve per group (``"edition"``, ``"priority_area"``…).
    abandoned : {"censor", "never"}
        ``"censor"`` (default): an abandoned project is censored at its last known date
        (its latest studies/procedures/works date not after ``as_of``, else the vote), so
        the curve describes projects that are pursued. ``"never"``: it stays at risk until
        ``as_of`` and is never delivered, so 1 − survival is the share of *all* winners
        delivered within t months.
    alpha : float
        1 − confidence level of the intervals (default 95 %).

    Returns
    -------
    DataFrame
        The survival curve, one row per delivery time plus time 0: ``time`` (months
        since the vote), ``survival`` (share of projects not yet delivered), ``ci_low``,
        ``ci_high`` (pointwise, log-log transform), ``n_risk``, ``events`` and the
        ``by`` columns. ``attrs`` holds ``median`` (median delay in months; NaN when the
        curve never falls below 0.5), ``median_ci_low``, ``median_ci_high`` (Brookmeyer–
        Crowley interval, log-log transform; NaN when unbounded), ``n``, ``events`` and
        ``excluded`` (projects left out: no vote date, or finished without any delivery
        date) — scalars, or dictionaries keyed by group when ``by`` is given — and
        ``as_of``.

    Notes
    -----
    The time of project *i* is :math:`t_i = \\text{months}(v_i, e_i)` from its vote date
    :math:`v_i` to :math:`e_i`, its delivery date if finished (opening to the public,
    else ``delivery_date``), else the censoring date; months are calendar months, whole
    between first days of months. With :math:`d_j` deliveries among the :math:`n_j`
    projects still waiting at time :math:`t_j`,

    .. math:: \\hat S(t) = \\prod_{t_j \\le t} \\left(1 - \\frac{d_j}{n_j}\\right)

    computed by :class:`statsmodels.duration.survfunc.SurvfuncRight` (Greenwood standard
    errors). The median delay is the first time with :math:`\\hat S(t) < 0.5`
    (``SurvfuncRight.quantile``, a strict inequality; when the curve sits exactly at 0.5
    over an interval, R's ``survfit`` reports its midpoint instead). A plain
    median of the delivered projects' delays would ignore the slow projects not
    delivered yet and understate the delay.

    Examples
    --------
    Five projects voted in September 2020: delivered after 6, 10 and 12 months, one still
    waiting at the extraction date (14 months), one abandoned after its studies began
    (3 months).

    >>> projects = pd.DataFrame({
    ...     "project_id": ["a", "b", "c", "d", "e"],
    ...     "status": ["finished", "finished", "finished", "works", "abandoned"],
    ...     "vote_date": pd.to_datetime(["2020-09-01"] * 5),
    ...     "delivery_date": pd.to_datetime(["2021-03-01", "2021-07-01", "2021-09-01",
    ...                                      None, None]),
    ...     "studies_date": pd.to_datetime([None, None, None, "2021-01-01",
    ...                                     "2020-12-01"])})
    >>> curve = delivery_delay(projects, as_of="2021-11-01")
    >>> curve[["time", "survival", "n_risk", "events"]]
       time  survival  n_risk  events
    0   0.0      1.00       5       0
    1   6.0      0.75       4       1
    2  10.0      0.50       3       1
    3  12.0      0.25       2       1
    >>> curve.attrs["median"]
    12.0

    Exactly half the projects are delivered at 10 months; the median is the first time
    the curve falls *below* one half, 12 months.
    """
    if abandoned not in ("censor", "never"):
        raise InputError(f"delivery_delay: abandoned must be 'censor' or 'never', "
                         f"not {abandoned!r}")
    groups = _groups(by)
    _need(projects, ["project_id", "status", "vote_date", *groups], "delivery_delay")
    if "delivery_date" not in projects and "opening_date" not in projects:
        raise InputError("delivery_delay needs a delivery_date or an opening_date column")
    if as_of is None:
        as_of = projects.attrs.get("as_of", pd.Timestamp.today().normalize())
    as_of = _as_timestamp(as_of, "as_of")
    data = _delay_data(projects, as_of, abandoned)
    summaries, curves = {}, []
    parts = [((), data)]
    if groups:
        grouper = groups[0] if len(groups) == 1 else groups
        parts = [(key if isinstance(key, tuple) else (key,), data.loc[index]) for key, index
                 in projects.groupby(grouper, dropna=False, sort=True).groups.items()]
    for key, part in parts:
        usable = part[part["usable"]]
        curve, summary = _kaplan_meier(usable["time"].to_numpy(float),
                                       usable["event"].to_numpy(int), alpha)
        summary["excluded"] = int((~part["usable"]).sum())
        for position, (column, value) in enumerate(zip(groups, key, strict=True)):
            curve.insert(position, column, value)
        curves.append(curve)
        key = tuple(k.item() if isinstance(k, np.generic) else k for k in key)
        summaries[key[0] if len(key) == 1 else key] = summary
    result = pd.concat(curves, ignore_index=True)
    for name in ("median", "median_ci_low", "median_ci_high", "n", "events", "excluded"):
        result.attrs[name] = (summaries[()][name] if not groups
                              else {k: s[name] for k, s in summaries.items()})
    result.attrs["as_of"] = as_of
    result.attrs["abandoned"] = abandoned
    return result


# --- answers to proposals ----------------------------------------------------------------

#: Decidim proposal states and what they mean here.
PROPOSAL_STATES = ("accepted", "rejected", "evaluating", "withdrawn", "not_answered")
_ANSWERED = ("accepted", "rejected", "evaluating")
_TAGS = re.compile(r"<[^>]*>")


def _proposal_states(states: pd.Series, extra: Mapping[str, str] | None) -> pd.Series:
    labels = {s: s for s in PROPOSAL_STATES}
    labels.update({"": "not_answered", "published": "not_answered",
                   "state_not_published": "not_answered"})
    for raw, state in (extra or {}).items():
        if state not in PROPOSAL_STATES:
            raise InputError(f"answer_rates: states maps {raw!r} to {state!r}, not one of "
                             f"{', '.join(PROPOSAL_STATES)}")
        labels[str(raw).strip().lower()] = state
    text = states.astype("string").str.strip().str.lower().fillna("")
    mapped = text.map(labels)
    if mapped.isna().any():
        unknown = ", ".join(repr(v) for v in sorted(set(text[mapped.isna()]))[:5])
        raise InputError(f"answer_rates: unknown proposal state(s) {unknown}; known: "
                         f"{', '.join(PROPOSAL_STATES)} (or pass states={{...}})",
                         column="state")
    return mapped


def _timestamps(values: pd.Series, column: str) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values):
        parsed = values
    else:
        text = values.astype("string").str.strip()
        parsed = pd.to_datetime(text.mask(text == ""), utc=True, format="mixed",
                                errors="coerce")
        bad = text.notna() & (text != "") & parsed.isna()
        if bad.any():
            raise InputError(f"answer_rates: {text[bad].iloc[0]!r} is not a date",
                             column=column)
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    return parsed


def answer_rates(proposals: pd.DataFrame, by=None, *,
                 states: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Share of proposals answered, with reasons, and the delay from submission to answer.

    Parameters
    ----------
    proposals : DataFrame
        One row per proposal, Decidim-like, with the normalised columns ``id`` and
        ``state`` (``accepted``, ``rejected``, ``evaluating``, ``withdrawn``, empty or
        ``not_answered``), and, when available, ``published_at`` and ``answered_at``
        (dates) and ``answer`` (the answer's text; a Decidim export's ``answer/fr``
        is used when ``answer`` is absent). A ``withdrawn`` column (true/false, newer
        Decidim) marks withdrawn proposals too.
    by : str, list of str or None
        Grouping column(s), e.g. a category or a participatory process.
    states : mapping, optional
        Extra raw state → one of ``accepted, rejected, evaluating, withdrawn,
        not_answered`` (custom states of Decidim 0.28).

    Returns
    -------
    DataFrame
        One row per group: ``proposals`` (withdrawn ones left out), ``withdrawn``,
        ``answered``, ``answer_rate``, ``accepted``, ``rejected``, ``evaluating``,
        ``not_answered``, ``accepted_with_reason``, ``rejected_with_reason``,
        ``rejection_reason_rate`` and ``median_answer_delay_days``.

    Notes
    -----
    A proposal is *answered* when its state is accepted, rejected or evaluating (Decidim
    shows "evaluating" to the author as an answer):

    .. math::

        \\text{answer rate} = \\frac{\\#\\{\\text{accepted, rejected, evaluating}\\}}
                                   {\\#\\{\\text{proposals not withdrawn}\\}}
        \\qquad
        \\text{rejection reason rate} = \\frac{\\#\\{\\text{rejected with a reason}\\}}
                                             {\\#\\{\\text{rejected}\\}}

    A reason is present when the answer holds text once HTML tags and spaces are removed
    (Decidim stores answers as HTML, an empty one as ``<p></p>``). The delay is
    ``answered_at − published_at`` in days, its median taken over answered proposals with
    both dates: it says how long answered authors waited, not how long the unanswered
    ones have been waiting (their count is ``not_answered``).

    Examples
    --------
    >>> proposals = pd.DataFrame({
    ...     "id": [1, 2, 3, 4, 5],
    ...     "state": ["accepted", "rejected", "rejected", None, "withdrawn"],
    ...     "published_at": ["2024-03-01", "2024-03-01", "2024-03-05", "2024-03-09",
    ...                      "2024-03-10"],
    ...     "answered_at": ["2024-03-11", "2024-03-31", "2024-04-04", None, None],
    ...     "answer": ["<p>Retenu</p>", "<p>Hors compétence</p>", "<p></p>", None, None]})
    >>> row = answer_rates(proposals).iloc[0]
    >>> int(row["proposals"]), int(row["answered"]), float(row["answer_rate"])
    (4, 3, 0.75)
    >>> int(row["rejected_with_reason"]), float(row["median_answer_delay_days"])
    (1, 30.0)
    """
    groups = _groups(by)
    frame = proposals
    if "answer" not in frame.columns:
        localised = [c for c in frame.columns if str(c).startswith("answer/")]
        if localised:
            frame = frame.assign(answer=frame[localised[0]])
    _need(frame, ["id", "state", *groups], "answer_rates")
    state = _proposal_states(frame["state"], states)
    if "withdrawn" in frame.columns:
        flag = frame["withdrawn"].astype("string").str.strip().str.lower().isin(
            ["true", "1", "1.0", "yes", "oui", "vrai"]).fillna(False)
        state = state.where(~flag.to_numpy(bool), "withdrawn")
    if "answer" in frame.columns:
        text = frame["answer"].astype("string").fillna("").str.replace(_TAGS, "", regex=True)
        reason = text.str.replace(r"(&nbsp;|\s)+", "", regex=True) != ""
    else:
        reason = pd.Series(pd.NA, index=frame.index, dtype="boolean")
    delay = pd.Series(np.nan, index=frame.index)
    if {"published_at", "answered_at"} <= set(frame.columns):
        published = _timestamps(frame["published_at"], "published_at")
        answered_at = _timestamps(frame["answered_at"], "answered_at")
        delay = (answered_at - published).dt.total_seconds() / 86400
        negative = delay < 0
        if negative.any():
            raise InputError(f"answer_rates: proposal {frame.loc[negative, 'id'].iloc[0]} "
                             "was answered before it was published", column="answered_at")
        delay = delay.where(state.isin(_ANSWERED))
    parts = pd.DataFrame({
        "proposals": (state != "withdrawn").astype(int),
        "withdrawn": (state == "withdrawn").astype(int),
        "answered": state.isin(_ANSWERED).astype(int),
        "accepted": (state == "accepted").astype(int),
        "rejected": (state == "rejected").astype(int),
        "evaluating": (state == "evaluating").astype(int),
        "not_answered": (state == "not_answered").astype(int),
        "accepted_with_reason": ((state == "accepted") & reason).astype("Int64"),
        "rejected_with_reason": ((state == "rejected") & reason).astype("Int64"),
        "delay": delay,
    }, index=frame.index)
    if groups:
        parts[groups] = frame[groups]
        grouped = parts.groupby(groups, dropna=False, sort=True)
        table = grouped.sum(min_count=1).drop(columns="delay")
        table["median_answer_delay_days"] = grouped["delay"].median()
        table = table.reset_index()
    else:
        table = parts.drop(columns="delay").sum(min_count=1).to_frame().T
        table["median_answer_delay_days"] = parts["delay"].median()
    counts = ["proposals", "withdrawn", "answered", "accepted", "rejected", "evaluating",
              "not_answered"]
    table[counts] = table[counts].astype(int)
    table["answer_rate"] = table["answered"] / table["proposals"].where(table["proposals"] > 0)
    table["rejection_reason_rate"] = (table["rejected_with_reason"].astype(float)
                                      / table["rejected"].where(table["rejected"] > 0))
    order = [*groups, "proposals", "withdrawn", "answered", "answer_rate", "accepted",
             "rejected", "evaluating", "not_answered", "accepted_with_reason",
             "rejected_with_reason", "rejection_reason_rate", "median_answer_delay_days"]
    return table[order].reset_index(drop=True)
