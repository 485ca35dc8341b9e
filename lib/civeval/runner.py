"""The runner: validate studies, execute their templates with papermill, render the reports.

A batch goes in two phases. **Planning** validates every study (schema, catalogue files,
datasets parse, template parameters against each ``parameters`` cell) before any kernel
starts; any problem is a :class:`~civeval.errors.CivevalError` and nothing is written.
**Running** executes each study's templates in dependency order in a staging folder, renders
them, checks that no input changed underneath, writes ``run.json`` and the study page, and
only then swaps the staging folder in place of ``reports/<slug>/``: a crash never leaves a
half-written report that looks complete. One failing study does not stop the others.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import shutil
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import nbformat
import papermill
from papermill.exceptions import PapermillExecutionError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from civeval import __version__, atomic, fmt, i18n
from civeval.errors import CivevalError, ParameterError, TemplateError
from civeval.paths import display_path, project_root, reports_dir
from civeval.render import Renderer, generation_date, provenance
from civeval.study import Component, Study, combine, load_study
from civeval.templates import RESERVED, Template, execution_order

RUN_FILE = "run.json"

# Parameters are checked against the template before any kernel starts (plan_study);
# papermill's own, looser guesses about them would only repeat or contradict that check.
logging.getLogger("papermill").setLevel(logging.ERROR)


@dataclass
class Plan:
    """A validated study and the templates to run for it, in order."""

    study: Study
    steps: list[tuple[Template, Component]]


@dataclass
class SectionResult:
    template: str
    title: str
    status: str = "skipped"  # success | failed | skipped
    duration: float = 0.0
    html: str | None = None
    notebook: str | None = None
    error: dict | None = None


@dataclass
class StudyResult:
    slug: str
    client: str
    schemes: str
    # What the benchmark needs to place this study among peers (civeval.benchmark).
    client_kind: str
    population: int
    scheme_types: list[str]
    year: int | None
    status: str
    started_at: str
    duration: float
    civeval_version: str
    git_commit: str | None
    python: str
    inputs: dict[str, str]
    sections: list[SectionResult] = field(default_factory=list)
    error: str | None = None


# --- planning --------------------------------------------------------------------------------

def plan_study(reference) -> Plan:
    """Validate one study completely, without starting a kernel."""
    study = load_study(reference)
    study.check_data()
    components = {c.template: c for c in study.config.components}
    try:
        ordered = execution_order(list(components))
    except TemplateError as error:
        error.study = study.slug
        if error.file is None:  # about the study's list of components, not a template file
            where = study.where("components")
            error.file, error.row, error.column = Path(where["file"]), where["row"], where["column"]
        raise
    steps = []
    for template in ordered:
        component = components[template.name]
        index = study.config.components.index(component)
        where = study.where("components", index, "parameters")
        reserved = [name for name in component.parameters if name in RESERVED]
        if reserved:
            raise ParameterError(f"template {template.name}: {', '.join(reserved)} is set by "
                                 "the runner and cannot be given in study.yml", **where)
        template.check_parameters(component.parameters, where=where)
        template.check(study, component.parameters)
        steps.append((template, component))
    return Plan(study, steps)


def plan(references) -> list[Plan]:
    """Validate every study; raise one error listing the problems of all that fail."""
    plans, problems = [], []
    for reference in references:
        try:
            plans.append(plan_study(reference))
        except CivevalError as error:
            problems.append(error)
    if problems:
        raise combine(problems)
    return plans


# --- running ---------------------------------------------------------------------------------

def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def input_hashes(plan: Plan) -> dict[str, str]:
    files = [*plan.study.input_files(), *(template.path for template, _ in plan.steps)]
    return {display_path(f): sha256(f) for f in files}


def git_commit() -> str | None:
    """The project's commit, marked ``-dirty`` when tracked files have changed."""
    root = project_root()
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"],
                                capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain",
                                "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return f"{commit}-dirty" if dirty else commit


def _study_reference(study: Study) -> str:
    """How the kernel names the study: relative to the project root (its working folder)."""
    try:
        return study.path.relative_to(project_root()).as_posix()
    except ValueError:
        return str(study.path)


def _execute(template: Template, component: Component, study: Study, staging: Path,
             timeout: int) -> SectionResult:
    result = SectionResult(template.name, template.title(study.language))
    started = time.perf_counter()
    notebook_path = staging / f"{template.name}.ipynb"
    parameters = {"study": _study_reference(study), "output_dir": str(staging),
                  **component.parameters}
    try:
        papermill.execute_notebook(
            template.prepared(study.language), str(notebook_path), parameters=parameters,
            kernel_name="python3", language="python", progress_bar=False, log_output=False,
            cwd=str(project_root()), execution_timeout=timeout,
            # The kernel runs on loopback; its warning about unencrypted TCP is noise here.
            extra_arguments=["--IPKernelApp.log_level=ERROR"],
        )
        result.status = "success"
    except PapermillExecutionError as error:
        result.status = "failed"
        # The cell's position in the executed notebook kept beside the report, where the
        # analyst finds the traceback.
        result.error = {"cell": error.cell_index + 1, "ename": error.ename,
                        "evalue": error.evalue}
    except Exception as error:  # a dead kernel, a cell timeout, a kernel that never started
        result.status = "failed"
        result.error = {"cell": None, "ename": type(error).__name__, "evalue": str(error)}
    result.duration = time.perf_counter() - started
    if notebook_path.exists():
        result.notebook = notebook_path.name
    return result


def _facts(study: Study) -> list[tuple[str, str]]:
    t = study.t
    facts = [(t("fact.client"), study.client.name),
             (t("fact.schemes"), ", ".join(s.name for s in study.schemes))]
    if study.period:
        facts.append((t("fact.period"), fmt.period(*study.period)))
    facts.append((t("fact.generated"), fmt.date(generation_date())))
    return facts


def _figures(study: Study) -> list[dict]:
    return [{"label": figure["label"], "value": fmt.by_kind(figure["value"], figure["kind"])}
            for figure in study.indicators().values()]


def _error_text(error: dict | None) -> str | None:
    if not error:
        return None
    cell = f" (cell {error['cell']})" if error.get("cell") else ""
    return f"{error['ename']}{cell}: {error['evalue']}"


def _render(section: SectionResult, folder: Path, renderer: Renderer, context: dict,
            language: str) -> None:
    """Render an executed section; a rendering fault fails the section, not the batch."""
    try:
        notebook = nbformat.read(folder / section.notebook, as_version=4)
        renderer.section(notebook, folder / f"{section.template}.html", title=section.title,
                         context=context, language=language)
        section.html = f"{section.template}.html"
    except Exception as error:  # nbconvert and templates raise many kinds
        section.status = "failed"
        section.error = {"cell": None, "ename": type(error).__name__,
                         "evalue": f"rendering failed: {error}"}


def run_study(plan: Plan, renderer: Renderer, commit: str | None, timeout: int | None = None,
              on_step=None) -> StudyResult:
    """Execute and render one study; its report replaces ``reports/<slug>/`` at the end."""
    study = plan.study
    fmt.use_language(study.language)
    target = reports_dir() / study.slug
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{study.slug}.staging.", dir=target.parent))
    staging.chmod(atomic.DIR_MODE)
    study.output_dir = staging
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    started = time.perf_counter()
    hashes = input_hashes(plan)
    context = {"client": study.client.name, "facts": _facts(study),
               "provenance": provenance(study.language, __version__, commit)}
    sections, unfinished = [], set()
    try:
        for template, component in plan.steps:
            if unfinished & set(template.requires):
                section = SectionResult(template.name, template.title(study.language))
            else:
                section = _execute(template, component, study, staging,
                                   timeout or study.config.report.cell_timeout)
            if section.status == "success":
                _render(section, staging, renderer, context, study.language)
            if section.status != "success":  # skipped ones too: what requires them is skipped
                unfinished.add(template.name)
            sections.append(section)
            if on_step:
                on_step(study.slug, template.name)
        changed = [name for name, digest in input_hashes(plan).items()
                   if hashes.get(name) != digest]
        error = (f"inputs changed during the run: {', '.join(changed)}" if changed else None)
        result = StudyResult(
            slug=study.slug, client=study.client.name,
            schemes=", ".join(s.name for s in study.schemes),
            client_kind=study.client.kind, population=study.client.population,
            scheme_types=[str(s.type) for s in study.schemes],
            year=study.period[1].year if study.period else None,
            status="failed" if unfinished or changed else "success",
            started_at=started_at, duration=time.perf_counter() - started,
            civeval_version=__version__, git_commit=commit,
            python=platform.python_version(), inputs=hashes, sections=sections, error=error,
        )
        _write_study_page(result, study, renderer, staging)
        atomic.write_text(staging / RUN_FILE, _json(result))
        atomic.replace_dir(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return result


def _json(result: StudyResult) -> str:
    return json.dumps(asdict(result), ensure_ascii=False, indent=2)


def _write_study_page(result: StudyResult, study: Study, renderer: Renderer,
                      folder: Path) -> None:
    t = study.t
    # No durations here: the same inputs must give the same page.
    sections = [{"title": s.title, "status": s.status, "html": s.html,
                 "error": _error_text(s.error)} for s in result.sections]
    if result.error:
        sections.append({"title": t("study.inputs_check"), "status": "failed", "html": None,
                         "error": result.error})
    renderer.page("study.html.j2", folder / "index.html", language=study.language,
                  page_title=study.config.title, facts=_facts(study), status=result.status,
                  figures=_figures(study), sections=sections,
                  provenance=provenance(study.language, __version__, result.git_commit))


def write_index(renderer: Renderer, language: str = "fr") -> Path:
    """Write ``reports/index.html`` over every study that has a report."""
    t = i18n.translator(language)
    studies = []
    for run_file in sorted(reports_dir().glob(f"*/{RUN_FILE}")):
        record = json.loads(run_file.read_text(encoding="utf-8"))
        studies.append({
            "slug": record["slug"], "client": record["client"], "schemes": record["schemes"],
            "status": record["status"],
            "generated": fmt.date(record["started_at"], locale=fmt.LOCALES[language]),
            "sections": record["sections"],
        })
    target = reports_dir() / "index.html"
    renderer.page("index.html.j2", target, language=language, page_title=t("index.title"),
                  facts=[], studies=studies,
                  provenance=provenance(language, __version__, git_commit()))
    return target


def run(plans: list[Plan], timeout: int | None = None, console: Console | None = None,
        show_progress: bool = True) -> list[StudyResult]:
    """Run validated plans one after another, with a progress bar; return their results."""
    console = console or Console(stderr=True)
    os.environ["CIVEVAL_ROOT"] = str(project_root())
    # Python 3.11's frozen modules make the debugger warn on the kernel's stderr at start-up.
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    renderer, commit = Renderer(), git_commit()
    total = sum(len(p.steps) for p in plans)
    results = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=console, disable=not show_progress) as progress:
        task = progress.add_task("civeval run", total=total)

        def advance(slug, template):
            progress.update(task, advance=1, description=f"{slug} · {template}")

        for item in plans:
            progress.update(task, description=f"{item.study.slug} …")
            results.append(run_study(item, renderer, commit, timeout, on_step=advance))
    write_index(renderer)
    return results


def status_table(results: list[StudyResult]) -> Table:
    """The end-of-batch table: study, template, status, duration, failing cell and error."""
    table = Table(title="civeval run", show_lines=False)
    for column in ("study", "template", "status", "duration", "error"):
        table.add_column(column, justify="right" if column == "duration" else "left")
    styles = {"success": "green", "failed": "bold red", "skipped": "yellow"}
    for result in results:
        for section in result.sections:
            table.add_row(result.slug, section.template,
                          f"[{styles[section.status]}]{section.status}[/]",
                          f"{section.duration:.1f} s", _error_text(section.error) or "")
        if result.error:
            table.add_row(result.slug, "(inputs)", "[bold red]failed[/]", "", result.error)
    return table
