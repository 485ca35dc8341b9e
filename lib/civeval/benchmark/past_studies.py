"""The portfolio: the key figures of every study the workbench has run, as benchmark rows.

Each study's ``reports/<slug>/evidence.json`` gives rows in the columns of the reference
table (:data:`civeval.benchmark.reference.COLUMNS`), so that a consultancy's past clients
become its benchmark. These rows are **not public**: another client's report may place them
on a chart, never name them (:func:`civeval.benchmark.peers.anonymise`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import re
from pathlib import Path

import yaml

from civeval.benchmark.reference import COLUMNS
from civeval.errors import CatalogError
from civeval.workbench import atomic, paths, yamlsource
from civeval.workbench.exports import lazy_module

# Planning reads the portfolio's rows for the benchmark's fingerprint; only the table needs
# pandas.
pd = lazy_module("pandas")

__all__ = ["portfolio"]

# Key figures of the framing section: they describe the study, not the scheme's results.
_BOOKKEEPING = {"population", "schemes", "editions", "evaluation_questions", "datasets",
                "records"}
_NUMERIC_KINDS = {"number", "percent", "change", "euro", "coefficient"}
# The environment variable naming a batch's snapshot of the portfolio (portfolio_rows).
SNAPSHOT_VARIABLE = "CIVEVAL_PORTFOLIO"


def _read_json(file: Path) -> dict:
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise CatalogError(f"cannot be read as JSON: {error}", file=file) from None


def _study_yml(file: Path) -> dict:
    """What the study file says about the client and its schemes ({} when unreadable)."""
    try:
        stat = file.stat()
    except OSError:
        return {}
    # Planning a batch reads the portfolio once per study: each file is parsed once.
    return dict(_parsed_study_yml(file, stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=1024)
def _parsed_study_yml(file: Path, modified: int, size: int) -> dict:
    try:
        text = yamlsource.read_text(file, CatalogError, shown=file)
        yamlsource.compose(text, CatalogError, file=file)  # bounded, unlike safe_load alone
        config = yamlsource.safe_load(text) or {}
    except (OSError, CatalogError, yaml.YAMLError):
        return {}
    if not isinstance(config, dict):
        return {}
    client = config.get("client") or {}
    schemes = [s for s in (config.get("schemes") or []) if isinstance(s, dict)]
    years = [int(y) for s in schemes for e in (s.get("editions") or []) if isinstance(e, dict)
             for key in ("end", "start") if e.get(key) is not None
             for y in re.findall(r"(?:19|20)\d{2}", str(e[key]))]
    return {"kind": client.get("kind"), "population": client.get("population"),
            "demo": bool(config.get("demo", False)),
            "scheme_types": [str(s["type"]) for s in schemes if s.get("type")],
            "year": max(years) if years else None}


def study_rows(run: dict, figures: dict, fallback: dict | None = None) -> list[dict]:
    """The benchmark rows of one study: ``run`` holds what ``run.json`` says of it (slug,
    client, kind, population, scheme types, year, demo, status), ``figures`` its evidence
    (``evidence.json``), ``fallback`` what its ``study.yml`` says when ``run`` lacks it."""
    fallback = fallback or {}
    slug = str(run.get("slug"))
    population = (run.get("population") or (figures.get("population") or {}).get("value")
                  or fallback.get("population"))
    scheme_types = run.get("scheme_types") or fallback.get("scheme_types") or [None]
    started = str(run.get("started_at") or "")
    year = run.get("year") or fallback.get("year") or (int(started[:4]) if
                                                        started[:4].isdigit() else None)
    common = {"name": run.get("client") or slug,
              "kind": run.get("client_kind") or fallback.get("kind"),
              "population": population, "population_year": None, "year": year,
              "statistic": "value",
              "source": f"civeval study {slug} (run of {started[:10] or 'unknown date'})",
              "public": False, "study": slug, "run_status": run.get("status"),
              "demo": bool(run.get("demo", fallback.get("demo", False)))}
    rows = []
    for key, figure in figures.items():
        if not isinstance(figure, dict) or key in _BOOKKEEPING:
            continue
        value = figure.get("value")
        if (figure.get("kind", "number") not in _NUMERIC_KINDS or isinstance(value, bool)
                or not isinstance(value, int | float) or not math.isfinite(value)):
            continue
        for scheme_type in ([figure["scheme_type"]] if figure.get("scheme_type")
                            else scheme_types):
            rows.append({**common, "scheme_type": scheme_type, "indicator": key,
                         "value": float(value), "note": figure.get("label")})
    return rows


def portfolio_rows(reports_dir=None, studies_dir=None) -> list[dict]:
    """The rows of :func:`portfolio`, as plain dicts (cheap enough to fingerprint).

    During a batch the runner sets ``CIVEVAL_PORTFOLIO`` to a snapshot file of the rows
    (:func:`write_snapshot`), where the studies of the batch give the figures they have
    just recorded: every benchmark of the batch then reads the same portfolio.
    """
    if snapshot := os.environ.get(SNAPSHOT_VARIABLE):
        return json.loads(Path(snapshot).read_text(encoding="utf-8"))
    reports_dir = Path(reports_dir) if reports_dir is not None else paths.reports_dir()
    studies_dir = Path(studies_dir) if studies_dir is not None else paths.studies_dir()
    rows = []
    for run_file in sorted(reports_dir.glob("*/run.json")):
        run = _read_json(run_file)
        run.setdefault("slug", run_file.parent.name)
        evidence_file = run_file.parent / "evidence.json"
        figures = _read_json(evidence_file) if evidence_file.is_file() else {}
        rows += study_rows(run, figures, _study_yml(studies_dir / str(run["slug"])
                                                    / "study.yml"))
    return rows


def write_snapshot(path: Path, rows: list[dict]) -> None:
    """Keep ``rows`` for the benchmarks of a batch (see :func:`portfolio_rows`)."""
    atomic.write_text(Path(path), json.dumps(rows, ensure_ascii=False))


def peers_read(rows: list[dict], selection: dict) -> list[tuple]:
    """Exactly what a benchmark reads of the portfolio: the figures of ``selection``'s
    indicators recorded by the other studies of the same kind (demo or real), for the same
    scheme types and population band, with their values.

    ``selection``: ``study`` (its slug), ``demo``, ``scheme_types``, ``band`` (low, high)
    and ``indicators``.
    """
    low, high = selection["band"]
    return sorted(
        (row["study"], row["indicator"], row["scheme_type"], row["value"], row["population"])
        for row in rows
        if row["study"] != selection["study"] and bool(row["demo"]) == selection["demo"]
        and row["scheme_type"] in selection["scheme_types"]
        and row["indicator"] in selection["indicators"]
        and row["population"] is not None and low <= float(row["population"]) < high)


def portfolio_digest(rows: list[dict], selection: dict) -> str:
    """SHA-256 of what a benchmark reads of the portfolio (:func:`peers_read`): it changes
    when, and only when, one of those figures does."""
    text = json.dumps(peers_read(rows, selection), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def portfolio(reports_dir=None, studies_dir=None) -> pd.DataFrame:
    """The key figures of every study the workbench has run, as benchmark rows.

    Parameters
    ----------
    reports_dir : path, optional
        The reports folder (default: the project's, or ``CIVEVAL_REPORTS``). Every
        ``<slug>/run.json`` found there is one study; its ``evidence.json`` gives the
        figures.
    studies_dir : path, optional
        The studies folder (default: the project's). Used only for what ``run.json`` does
        not record: the client's kind, its population and the scheme types come from
        ``run.json`` (``client_kind``, ``population``, ``scheme_types``, ``year``) when it
        has them, else from ``evidence.json`` (``population``), else from
        ``<studies_dir>/<slug>/study.yml``.

    Returns
    -------
    DataFrame
        The columns of :data:`~civeval.benchmark.reference.COLUMNS` plus ``study`` (the
        slug), ``run_status`` and ``demo`` (a fictional study, which is never a peer of a
        real one): one row per numeric key figure (kinds number, percent,
        euro; the framing section's bookkeeping counts such as ``datasets`` are left out)
        and per scheme type of the study. ``statistic`` is ``value``, ``public`` is False,
        ``note`` the figure's label, ``year`` the study's last edition year (else the year
        of the run).

    Notes
    -----
    A figure recorded after :meth:`civeval.workbench.study.Study.measure` carries its scheme's type
    and goes to that type only; otherwise a study of two types of scheme gives each figure
    to both. A failed run still lists the figures it recorded; ``run_status`` says so.

    Examples
    --------
    >>> import tempfile, pathlib, json
    >>> reports = pathlib.Path(tempfile.mkdtemp())
    >>> (reports / "ville-a").mkdir()
    >>> _ = (reports / "ville-a" / "run.json").write_text(json.dumps({
    ...     "slug": "ville-a", "client": "Ville A", "status": "success",
    ...     "started_at": "2025-01-15T10:00:00+00:00", "client_kind": "commune",
    ...     "scheme_types": ["budget participatif"], "year": 2024}), encoding="utf-8")
    >>> _ = (reports / "ville-a" / "evidence.json").write_text(json.dumps({
    ...     "population": {"value": 31000, "kind": "number"},
    ...     "turnout_rate": {"value": 0.061, "label": "Taux de participation",
    ...                      "kind": "percent"}}), encoding="utf-8")
    >>> portfolio(reports, studies_dir=reports)[["name", "population", "indicator", "value",
    ...                                           "public"]]
          name  population     indicator  value  public
    0  Ville A       31000  turnout_rate  0.061   False
    """
    table = pd.DataFrame(portfolio_rows(reports_dir, studies_dir),
                         columns=[*COLUMNS, "study", "run_status", "demo"])
    if table.empty:
        return table
    for column in ("population", "population_year", "year"):
        table[column] = pd.to_numeric(table[column]).astype("Int64")
    table["value"] = table["value"].astype(float)
    table["public"] = table["public"].astype(bool)
    return table
