"""Incremental runs: what a template's report depends on, summed up in one fingerprint.

A section of a report is up to date when nothing it was made from has changed since its
last successful run: the template's source, its parameters, the study file, the files of
the datasets it reads (by content, SHA-256), the workbench's own code and version, and the
sections it requires. :func:`step_fingerprints` digests all of that per template; the
runner keeps the fingerprints in ``run.json`` and re-runs only the sections whose
fingerprint differs, and those that require them.

Which datasets a template reads is known from its parameters: a parameter whose value
names a catalogue dataset. A template that reads the whole catalogue (the framing section
counts every dataset's records) says so in its header with ``inputs: [catalogue]``; other
entries of ``inputs`` are project files it reads (``data/reference/…``).
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib import resources
from pathlib import Path

from civeval import __version__
from civeval.errors import CatalogError
from civeval.workbench import formats
from civeval.workbench.paths import STUDY_FILE, display_path, project_root

CATALOGUE = "catalogue"
# A template whose header says `reads: [portfolio]` reads the other studies' figures.
PORTFOLIO = "portfolio"


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@cache
def code_digest() -> str:
    """One digest of the workbench's code and resources, so that a change to the package
    (a fixed formula, a new catalogue string) invalidates every report even when its version
    number stays the same during development."""
    package = Path(str(resources.files("civeval")))
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(package).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _named_datasets(value, catalogue) -> list[str]:
    """Catalogue datasets named by a parameter value (a name, or a list of names)."""
    values = value if isinstance(value, list | tuple) else [value]
    return [v for v in values if isinstance(v, str) and v in catalogue]


def dataset_files(study, name: str) -> list[Path]:
    """The files behind dataset ``name``: its file and any file its options name (a
    codebook), as the reader resolves them."""
    entry = study.config.data[name]
    files = [study.path / entry.file]
    try:
        path_options = formats.reader_for(files[0], entry.format).path_options
    except CatalogError:  # an unknown format is reported by validation, not here
        path_options = frozenset()
    files += [study.path / str(v) for k, v in entry.options.items() if k in path_options]
    return files


def step_inputs(study, template, parameters: dict) -> list[Path]:
    """Files one template reads for one study: the study file, the datasets named by its
    parameters (or the whole catalogue, when its header says so) and the project files its
    header lists."""
    catalogue = study.config.data
    declared = [str(entry) for entry in template.meta.get("inputs", [])]
    defaults = {p.name: p.default for p in template.parameters.values()}
    names = (list(catalogue) if CATALOGUE in declared else
             [n for value in {**defaults, **parameters}.values()
              for n in _named_datasets(value, catalogue)])
    files = [study.study_file]
    for name in dict.fromkeys(names):
        files += dataset_files(study, name)
    files += [project_root() / entry for entry in declared if entry != CATALOGUE]
    return files


def input_digests(study, steps) -> dict[str, str]:
    """SHA-256 of every file the study's sections read, templates included, by the path
    readers know it by: what ``run.json`` keeps for the next run to compare."""
    files = [*study.input_files(), *(template.path for template, _ in steps)]
    for template, component in steps:
        files += step_inputs(study, template, component.parameters)
    return {display_path(f): file_digest(f) for f in dict.fromkeys(files) if f.is_file()}


def portfolio_selection(study, template, parameters: dict) -> dict | None:
    """What a template whose header says ``reads: [portfolio]`` reads of the other studies'
    figures (see :func:`civeval.benchmark.past_studies.peers_read`); None for the others."""
    if PORTFOLIO not in template.meta.get("reads", []):
        return None
    from civeval.benchmark.peers import BANDS, band_of

    defaults = {p.name: p.default for p in template.parameters.values()}
    indicators = {**defaults, **parameters}.get("indicators") or []
    return {"study": study.slug, "demo": study.is_demo,
            "scheme_types": sorted(str(scheme.type) for scheme in study.schemes),
            "band": list(band_of(study.client.population, BANDS)),
            "indicators": sorted(indicators)}


def portfolio_dependents(steps) -> set[str]:
    """The sections that read the portfolio, and those that require or follow them: they
    run after every other section of a batch has recorded its figures."""
    dependents: set[str] = set()
    dependent_templates: set[str] = set()
    for template, component in steps:  # in execution order: what it follows comes first
        if (PORTFOLIO in template.meta.get("reads", [])
                or {*template.requires, *template.follows} & dependent_templates):
            dependents.add(component.id)
            dependent_templates.add(template.name)
    return dependents


def step_fingerprints(study, steps, digests: dict[str, str],
                      portfolio: dict[str, str] | None = None) -> dict[str, str]:
    """The fingerprint of each ``(template, component)`` step, by section (component id),
    in execution order.

    A step's fingerprint covers the workbench's code, the template's source, its
    parameters, the report language, the content of every file it reads (``digests``, from
    :func:`input_digests`, so that no file is read twice), for a section that reads the
    portfolio the digest of what it reads of it (``portfolio``, by section), and the
    fingerprints of the sections whose templates it requires or follows.
    """
    fingerprints: dict[str, str] = {}
    sections_of: dict[str, list[str]] = {}
    for template, component in steps:
        sections_of.setdefault(template.name, []).append(component.id)
    for template, component in steps:
        inputs = step_inputs(study, template, component.parameters)
        content = {
            "code": code_digest(),
            "template": digests[display_path(template.path)],
            "parameters": component.parameters,
            "language": study.language,
            "inputs": {display_path(f): digests.get(display_path(f)) for f in inputs},
            "requires": {section: fingerprints.get(section)
                         for name in [*template.requires, *template.follows]
                         for section in sections_of.get(name, [])},
        }
        if portfolio and component.id in portfolio:
            content["portfolio"] = portfolio[component.id]
        text = json.dumps(content, sort_keys=True, default=str, ensure_ascii=False)
        fingerprints[component.id] = hashlib.sha256(text.encode()).hexdigest()
    return fingerprints


def unchanged_since_last_run(reference: str, reports: Path) -> dict | None:
    """The last ``run.json`` of a study whose run succeeded, printed its PDF (not a live
    preview's) and whose inputs, templates and workbench code are all as they were then;
    None otherwise.

    Reads only that record and hashes the files it lists, without loading the study: a
    batch with nothing to re-run finishes in a blink. ``study.yml`` is among those files,
    so any change to the catalogue, the components or their parameters is seen.
    """
    folder = Path(reference)
    slug = folder.name if (folder / STUDY_FILE).is_file() else str(reference)
    try:
        record = json.loads((reports / slug / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if record.get("status") != "success" or record.get("code") != code_digest():
        return None
    if any(s.get("unprinted") for s in record.get("sections", [])):  # a preview's report
        return None
    root = project_root()
    for name, digest in (record.get("inputs") or {}).items():
        path = root / name
        if not path.is_file() or file_digest(path) != digest:
            return None
    reading = [s for s in record.get("sections", []) if s.get("selection")]
    if reading:  # its benchmark is up to date only while its peers' figures are
        from civeval.benchmark.past_studies import portfolio_digest, portfolio_rows

        rows = portfolio_rows(reports)
        if any(portfolio_digest(rows, s["selection"]) != s.get("portfolio") for s in reading):
            return None
    return record if record.get("inputs") else None


def reads_portfolio(record: dict) -> bool:
    """Whether a study's last run (its ``run.json``) has a section that reads the
    portfolio."""
    return any(s.get("selection") for s in record.get("sections", []))
