"""The runner: validate studies, execute their templates with papermill, render the reports.

A batch goes in two phases. **Planning** validates every study (schema, catalogue files, datasets
parse, template parameters against each ``parameters`` cell) before anything runs; any problem is a
:class:`~civeval.errors.CivevalError` and nothing is written. Planning also compares each section's
fingerprint (:mod:`civeval.workbench.incremental`) with the last run's: a study whose sections are
all up to date is not run again, and a study with one changed input re-runs only the sections that
read it.

**Running** executes the templates through papermill with the in-process engine
(:mod:`civeval.workbench.engine`), each in a fresh child forked from this process, which has
imported pandas, statsmodels and matplotlib once (:mod:`civeval.workbench.workers`; on Windows
and macOS, in a fresh interpreter started ahead of need, :mod:`civeval.workbench.spare`): ``jobs``
children at a time, each section as soon as those its template requires or follows have ended,
so one study's independent sections run side by side. Each study is built in a staging folder:
its sections rendered, its inputs checked unchanged, ``run.json`` and the study page
written, and only then the folder swapped in place of ``reports/<slug>/``, so a crash never leaves a
half-written report that looks complete. One failing study does not stop the others. With a Dask
scheduler address, the sections run on that cluster's workers instead
(:mod:`civeval.workbench.cluster`); everything else stays here.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import importlib.util
import json
import logging
import os
import pkgutil
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import civeval.sections
from civeval import __version__, plausibility
from civeval.benchmark import past_studies
from civeval.errors import CivevalError, ParameterError, TemplateError, combine
from civeval.evidence import store as evidence
from civeval.instruments.check import check_instruments
from civeval.presentation import fmt, i18n
from civeval.presentation.logos import cover_logos
from civeval.workbench import atomic, checked, formats, incremental, readings
from civeval.workbench.paths import (
    INSTRUMENTS_FOLDER,
    display_path,
    project_root,
    reports_dir,
)
from civeval.workbench.records import (
    RUN_FILE,
    SectionResult,
    StudyResult,
    error_text,
)
from civeval.workbench.schema import Component
from civeval.workbench.study import Study, load_study
from civeval.workbench.templates import (
    RESERVED,
    Template,
    execution_order,
    find_template,
    list_templates,
)

if TYPE_CHECKING:  # planning imports no rendering, notebook, papermill, pool or terminal code
    from rich.console import Console
    from rich.progress import Progress

    from civeval.workbench import workers
    from civeval.workbench.render import Renderer

# Imported once in the parent, so that each forked child starts with them loaded: this is
# where the time of a kernel start used to go. What executing and rendering any section needs
# (jupytext reads the template in the child); a batch adds the section modules of the
# templates it runs (_preload), a cluster's workers, serving any study, all of PRELOAD.
EXECUTION = ("numpy", "pandas", "matplotlib.pyplot", "IPython", "papermill", "jupytext",
             "civeval.workbench.engine", "civeval.presentation.report")
PRELOAD = (*EXECUTION, "scipy.stats", "statsmodels.api", "seaborn",
           *(f"civeval.sections.{module.name}"
             for module in pkgutil.iter_modules(civeval.sections.__path__)))
# Told of a section page rendered in a study's staging folder: (study slug, page).
PageHook = Callable[[str, Path], None]
# What printing a deliverable imports (render.print_report) before Chromium prints; the Word
# version imports python-docx in a thread while Chromium prints, where it costs no time, and
# pypdf reads what Chromium printed (a run that reuses the last deliverable prints nothing).
PRINTING = ("civeval.presentation.pdf",)
# Where the run's status page goes when the main report takes the study page's place.
STATUS_PAGE = "execution.html"
# A section that failed because the disk refused its outputs (ENOSPC, EROFS, EDQUOT): the
# study's last report must then stay in place.
_STORAGE_ERROR = re.compile(r"\[Errno (?:28|30|122)\] ([^:\]]+)")
# A child is killed when a cell runs this long past the in-process cell timeout, which should
# have stopped it first (a cell stuck in C code does not see the timer's signal).
KILL_GRACE = 30

# Parameters are checked against the template before any kernel starts (plan_study);
# papermill's own, looser guesses about them would only repeat or contradict that check.
logging.getLogger("papermill").setLevel(logging.ERROR)


@dataclass
class Plan:
    """A validated study, the templates to run for it in order, and which of them are
    stale: changed since their last successful run (all of them after ``--force``)."""

    study: Study
    steps: list[tuple[Template, Component]]
    fingerprints: dict[str, str] = field(default_factory=dict)
    stale: set[str] = field(default_factory=set)
    previous: dict | None = None  # the last run.json
    inputs: dict[str, str] = field(default_factory=dict)  # SHA-256 of the files read
    warnings: list[str] = field(default_factory=list)  # shown, but they stop nothing
    # Plausibility checks that failed (civeval.plausibility); those not acknowledged in
    # study.yml block the client report.
    failures: list = field(default_factory=list)
    blocked: list = field(default_factory=list)
    # Sections that read the portfolio: what they read of it and its digest, and those that
    # must run after every other section of a batch (civeval.workbench.incremental).
    selections: dict[str, dict] = field(default_factory=dict)
    portfolio: dict[str, str] = field(default_factory=dict)
    dependents: set[str] = field(default_factory=set)
    # Personal columns the imports dropped: dataset → column → reason (Study.check_data).
    dropped: dict[str, dict] = field(default_factory=dict)
    # What the data checks found, with the digest of what they read, when they ran (not
    # recalled): kept once the batch is known valid (remember_checks).
    checks: tuple[str, checked.Outcome] | None = None
    # False in a live preview (civeval.workbench.watch): the main report is rendered but its
    # PDF and Word wait for the next `civeval run`, which prints them.
    print_deliverables: bool = True

    def last_run(self, section: str) -> dict:
        """``section``'s record in the last ``run.json`` (empty when there is none)."""
        return _section_record(self.previous, section)


def _section_record(run_record: dict | None, section: str) -> dict:
    """``section``'s record in the ``run.json`` ``run_record`` (empty when there is none)."""
    return next((record for record in (run_record or {}).get("sections", [])
                 if record.get("template") == section), {})


# --- planning --------------------------------------------------------------------------------

def previous_run(slug: str) -> dict | None:
    """The ``run.json`` of the study's last run, if it can be read."""
    try:
        return json.loads((reports_dir() / slug / RUN_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _stale(study: Study, fingerprints: dict[str, str], previous: dict | None,
           printing: bool = True) -> set[str]:
    """Templates whose last run is missing, failed or made from other inputs, and, when
    ``printing``, those whose PDF a live preview left unprinted."""
    if not previous:
        return set(fingerprints)
    done = {s["template"]: s for s in previous.get("sections", [])
            if s.get("status") == "success" and s.get("html")
            and (reports_dir() / study.slug / s["html"]).is_file()
            and not (printing and s.get("unprinted"))}
    return {name for name, fingerprint in fingerprints.items()
            if done.get(name, {}).get("fingerprint") != fingerprint}


def plan_study(reference, force: bool = True, print_deliverables: bool = True) -> Plan:
    """Validate one study completely, without running anything.

    Without ``force``, a study whose sections are all up to date is only checked as far as
    needed to know it (its file, its templates' parameters, its inputs' hashes). Without
    ``print_deliverables`` (a live preview), the main report's PDF and Word are neither
    printed nor a reason to run it again.
    """
    study = load_study(reference)
    try:
        ordered = execution_order(study.config.components)
    except TemplateError as error:
        error.study = study.slug
        if error.file is None:  # about the study's list of components, not a template file
            where = study.where("components")
            error.file, error.row, error.column = Path(where["file"]), where["row"], where["column"]
        raise
    steps = []
    for template, component in ordered:
        where = study.where("components", study.config.components.index(component),
                            "parameters")
        reserved = [name for name in component.parameters if name in RESERVED]
        if reserved:
            raise ParameterError(f"template {template.name}: {', '.join(reserved)} is set by "
                                 "the runner and cannot be given in study.yml", **where)
        template.check_parameters(component.parameters, where=where)
        template.check_datasets(study, component.parameters, _locator(study, component))
        steps.append((template, component))
    plausibility.check_acknowledgements(study)
    cover_logos(study)  # present, PNG or JPEG
    inputs = incremental.input_digests(study, steps)
    selections = {component.id: selection for template, component in steps
                  if (selection := incremental.portfolio_selection(
                      study, template, component.parameters)) is not None}
    portfolio = _portfolio_digests(selections, past_studies.portfolio_rows())
    fingerprints = incremental.step_fingerprints(study, steps, inputs, portfolio)
    previous = previous_run(study.slug)
    stale = (set(fingerprints) if force
             else _stale(study, fingerprints, previous, print_deliverables))
    outcome, checks = checked.Outcome(), None
    if stale:
        key = checked.digest(study, steps, inputs)
        outcome = checked.recall(study.slug, key)
        if outcome is None:
            outcome = _check_data(study, steps)
            checks = key, outcome
    return Plan(study, steps, fingerprints, stale, previous, inputs,
                _unused_datasets(study, steps), outcome.failures,
                plausibility.unacknowledged(study, outcome.failures), selections, portfolio,
                incremental.portfolio_dependents(steps), outcome.dropped, checks,
                print_deliverables)


def _check_data(study: Study, steps) -> checked.Outcome:
    """Parse the study's datasets, run its templates' checks, check the instruments it
    designs (what ``civeval instrument`` would refuse) and run the plausibility checks."""
    dropped = study.check_data()
    for template, component in steps:
        template.check(study, component.parameters, _locator(study, component))
    check_instruments(study)
    return checked.Outcome(dropped, plausibility.run_checks(study))


def remember_checks(plans: list[Plan]) -> None:
    """Keep what the data checks of ``plans`` found (:mod:`civeval.workbench.checked`), so
    that planning them again skips the checks until what they read changes. Called once the
    plans are known valid: a batch with an invalid study writes nothing."""
    for item in plans:
        if item.checks is not None:
            checked.remember(item.study.slug, *item.checks)


def _portfolio_digests(selections: dict[str, dict], rows: list[dict]) -> dict[str, str]:
    return {section: past_studies.portfolio_digest(rows, selection)
            for section, selection in selections.items()}


def _locator(study: Study, component: Component):
    """Where a parameter of ``component`` is written in ``study.yml``."""
    index = study.config.components.index(component)
    return lambda *keys: study.where("components", index, "parameters", *keys)


def _unused_datasets(study: Study, steps) -> list[str]:
    """Warnings for catalogued datasets that no component reads (a section forgotten, or a
    dataset left over)."""
    used = {name for template, component in steps
            for value in {**{p.name: p.default for p in template.parameters.values()},
                          **component.parameters}.values()
            for name in (value if isinstance(value, list) else [value])
            if isinstance(name, str)}
    return [f"{where['file']}:{where['row']}:{where['column']}: dataset {name!r} is read by "
            "no component"
            for name in study.config.data if name not in used
            for where in [study.where("data", name)]]


def plan(references, force: bool = True) -> list[Plan]:
    """Validate every study; raise one error listing the problems of all that fail."""
    plans, problems = [], []
    for reference in references:
        try:
            plans.append(plan_study(reference, force=force))
        except CivevalError as error:
            problems.append(error)
    if problems:
        raise combine(problems)
    remember_checks(plans)
    return plans


# --- running ---------------------------------------------------------------------------------

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
    """How the notebook names the study: relative to the project root (its working folder)."""
    try:
        return study.path.relative_to(project_root()).as_posix()
    except ValueError:
        return str(study.path)


def _execute(template: Template, component: Component, study: Study, staging: Path,
             timeout: int) -> SectionResult:
    """Execute one template in this process (a forked child) with the in-process engine."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from civeval.workbench import engine, pools

    result = SectionResult(component.id, template.title(study.language))
    started = time.perf_counter()
    notebook_path = staging / f"{component.id}.ipynb"
    parameters = {"study": _study_reference(study), "output_dir": str(staging),
                  **component.parameters}
    # Figures recorded by this section say so: an incremental run replaces only them.
    os.environ["CIVEVAL_SECTION"] = component.id
    engine.on_cell_start = lambda index: pools.heartbeat(f"cell {index + 1}")
    try:
        papermill.execute_notebook(
            template.prepared(study.language), str(notebook_path), parameters=parameters,
            engine_name="civeval", kernel_name="python3", language="python",
            progress_bar=False, log_output=False, cwd=str(project_root()),
            execution_timeout=timeout)
        result.status = "success"
    except PapermillExecutionError as error:
        result.status = "failed"
        # The cell's position in the executed notebook kept beside the report, where the
        # analyst finds the traceback.
        result.error = {"cell": error.cell_index + 1, "ename": error.ename,
                        "evalue": error.evalue}
    except Exception as error:  # a notebook that cannot be written, a bad template
        result.status = "failed"
        result.error = {"cell": None, "ename": type(error).__name__, "evalue": str(error)}
    result.duration = time.perf_counter() - started
    if notebook_path.exists():
        result.notebook = notebook_path.name
    return result


def _facts(study: Study) -> list[tuple[str, str]]:
    from civeval.workbench.render import generation_date

    t = study.t
    facts = [(t("fact.client"), study.client.name),
             (t("fact.schemes"), ", ".join(s.name for s in study.schemes))]
    if study.period:
        facts.append((t("fact.period"), fmt.period(*study.period)))
    facts.append((t("fact.generated"), fmt.date(generation_date())))
    return facts


def _figures(study: Study) -> list[dict]:
    return [{"label": record.label, "value": record.text(study.language)}
            for record in study.evidence().values()]


def _render(section: SectionResult, folder: Path, renderer: Renderer, context: dict,
            language: str, title: str) -> None:
    """Render an executed section; a rendering fault fails the section, not the batch."""
    import nbformat

    try:
        notebook = nbformat.read(folder / section.notebook, as_version=4)
        renderer.section(notebook, folder / f"{section.template}.html", title=title,
                         context=context, language=language)
        section.html = f"{section.template}.html"
    except Exception as error:  # nbconvert and templates raise many kinds
        section.status = "failed"
        section.error = {"cell": None, "ename": type(error).__name__,
                         "evalue": f"rendering failed: {error}"}


def _section_task(template: Template, component: Component, study: Study, staging: Path,
                  timeout: int, renderer: Renderer | None, context: dict,
                  print_deliverables: bool = True) -> SectionResult:
    """What a pool's child does: execute one template, then render it (with its own
    renderer when the parent's cannot travel: a spare interpreter gets None), and print
    the deliverable of a template whose header says ``pdf: true`` unless told not to."""
    from civeval.workbench.render import Renderer, print_report
    from civeval.workbench.workers import times_called

    renderer = renderer or Renderer()

    fmt.use_language(study.language)
    study.output_dir = staging
    warm = [str(target) for target in template.meta.get("warm", ())]
    calls = [times_called(target) for target in warm]
    section = _execute(template, component, study, staging, timeout)
    section.warmed = [target for target, before in zip(warm, calls, strict=True)
                      if before is None or times_called(target) != before]
    if section.status == "success":
        # The main report is the study page: the browser names it after the study.
        title = study.config.title if template.meta.get("main") else section.title
        _render(section, staging, renderer, context, study.language, title)
    if section.html and template.meta.get("pdf") and print_deliverables:
        # The deliverable: the PDF, and its Word version when the header says docx: true.
        last = _section_record(previous_run(study.slug), component.id)
        section.warning, section.printed_from, section.printed_pages = print_report(
            study, staging, section.html, component.id, word=bool(template.meta.get("docx")),
            previous=reports_dir() / study.slug / f"{component.id}.pdf",
            previous_source=last.get("printed_from"), previous_pages=last.get("printed_pages"))
    elif section.html and template.meta.get("pdf"):
        # A live preview: the last run's deliverable no longer matches this page.
        section.unprinted = True
        for suffix in (".pdf", ".docx"):
            (staging / f"{component.id}{suffix}").unlink(missing_ok=True)
    return section


def critical_paths(plan: Plan) -> dict[str, float]:
    """How long each section and the longest chain of sections waiting for it took at the
    study's last run, by section: its duration (0 when unknown) plus the longest critical
    path among the sections that require or follow it.

    Started longest critical path first, a study's sections end soonest on few cores: the
    main report, which waits for all of them, starts earliest. With no last run, every
    section counts 0, and they start in the study's order.
    """
    paths: dict[str, float] = {}
    for position in reversed(range(len(plan.steps))):
        template, component = plan.steps[position]
        waiting = [paths[later.id] for after, later in plan.steps[position + 1:]
                   if template.name in {*after.requires, *after.follows}]
        paths[component.id] = ((plan.last_run(component.id).get("duration") or 0)
                               + max(waiting, default=0))
    return paths


class _StudyRun:
    """One study in a batch: its staging folder and the sections still to go."""

    def __init__(self, plan: Plan, renderer: Renderer, commit: str | None,
                 timeout: int | None, alone: bool = False):
        from civeval.workbench.render import provenance

        study = self.study = plan.study
        self.plan, self.renderer, self.commit = plan, renderer, commit
        self.timeout = timeout or study.config.report.cell_timeout
        target = reports_dir() / study.slug
        target.parent.mkdir(parents=True, exist_ok=True)
        self.staging = Path(tempfile.mkdtemp(prefix=f".{study.slug}.staging.", dir=target.parent))
        self.staging.chmod(atomic.DIR_MODE)
        study.output_dir = self.staging
        self.started_at = datetime.now(UTC).isoformat(timespec="seconds")
        self.started = time.perf_counter()
        # As planned: a file changed since validation is caught like one changed mid-run.
        self.hashes = plan.inputs
        self.context = {"client": study.client.name, "facts": _facts(study),
                        "provenance": provenance(study.language, __version__, commit)}
        # Sections that read the other studies' figures wait until every study of the batch
        # has recorded its own (_run_sections's second phase). A study that runs ``alone``
        # waits for none: its benchmark never reads its own figures.
        later = set() if alone else plan.dependents
        self.queue = [step for step in plan.steps if step[1].id not in later]
        self.deferred = [step for step in plan.steps if step[1].id in later]
        self.critical_paths = critical_paths(plan)
        self.sections: list[SectionResult] = []
        self.running: dict[str, tuple[Template, Component]] = {}  # by component id
        self.unfinished: set[str] = set()
        # Why a section runs again, when it is not its inputs.
        self.reasons: dict[str, str] = {
            name: "unprinted" for name in plan.stale if plan.print_deliverables
            and plan.last_run(name).get("unprinted")
            and plan.last_run(name).get("fingerprint") == plan.fingerprints.get(name)}
        self.reasons.update(_peers_changed(plan, plan.stale))
        if any(plan.last_run(name) for name in set(plan.fingerprints) - plan.stale):
            self._keep_up_to_date_outputs(target)
        if (target / INSTRUMENTS_FOLDER).is_dir():  # made by `civeval instrument`, not by a run
            shutil.copytree(target / INSTRUMENTS_FOLDER, self.staging / INSTRUMENTS_FOLDER)

    def _keep_up_to_date_outputs(self, target: Path) -> None:
        """Start from the last report, less the figures the stale sections will record."""
        for path in target.iterdir():
            if path.is_file() and path.name not in {RUN_FILE, "index.html"}:
                shutil.copy2(path, self.staging / path.name)
        evidence.keep_sections(self.staging, self.plan.stale)

    def ready_steps(self) -> list[tuple[Template, Component]]:
        """The sections that can start now, marked as running: each waits for the sections
        before it that its template requires or follows. Sections up to date or blocked are
        settled here, without running."""
        ready = []
        waiting = {template.name for template, _ in self.running.values()}
        for step in list(self.queue):
            template, component = step
            if waiting & {*template.requires, *template.follows}:
                waiting.add(template.name)  # and so does what comes after it
                continue
            self.queue.remove(step)
            if not self._settled_without_running(template, component):
                ready.append(step)
                self.running[component.id] = step
                waiting.add(template.name)
        return sorted(ready, key=lambda step: -self.critical_paths[step[1].id])

    def _settled_without_running(self, template: Template, component: Component) -> bool:
        """Settle a section that need not or cannot run: up to date, blocked by a failed
        plausibility check, or requiring a section that failed."""
        fingerprint = self.plan.fingerprints.get(component.id)
        if component.id not in self.plan.stale:
            kept = SectionResult.from_record(self.plan.last_run(component.id))
            kept.reused = True
            self.sections.append(kept)
            return True
        if template.meta.get("main") and self.plan.blocked:
            self.sections.append(SectionResult(
                component.id, template.title(self.study.language), status="blocked",
                fingerprint=fingerprint, error={
                    "cell": None, "ename": "PlausibilityCheck",
                    "evalue": "; ".join(map(str, self.plan.blocked))}))
            self.unfinished.add(template.name)
            return True
        if self.unfinished & set(template.requires):
            self.sections.append(SectionResult(component.id,
                                               template.title(self.study.language),
                                               fingerprint=fingerprint))
            self.unfinished.add(template.name)  # what requires it is skipped too
            return True
        return False

    @property
    def done(self) -> bool:
        """Nothing left to run or running (until the second phase adds its sections)."""
        return not self.queue and not self.running

    def settle(self, template: Template, component: Component,
               outcome: workers.TaskResult) -> SectionResult:
        """Record a section's result, whatever became of the child that made it."""
        del self.running[component.id]
        if outcome.status == "ok":
            section = outcome.value
        else:  # the child died, hung or raised outside the notebook
            section = SectionResult(component.id, template.title(self.study.language),
                                    status="failed", duration=outcome.duration,
                                    error={"cell": None, "ename": outcome.status,
                                           "evalue": outcome.error})
            if (self.staging / f"{component.id}.ipynb").exists():
                section.notebook = f"{component.id}.ipynb"
        section.fingerprint = self.plan.fingerprints.get(component.id)
        section.selection = self.plan.selections.get(component.id)
        section.portfolio = self.plan.portfolio.get(component.id)
        section.reason = self.reasons.get(component.id)
        section.max_rss_mb = round(outcome.max_rss / 2**20, 1)
        if section.status != "success":
            self.unfinished.add(template.name)
        self.sections.append(section)
        return section

    def finish(self) -> StudyResult:
        """Check the inputs, write run.json and the study page, swap the folder in.

        When the disk refuses (full, read-only, over quota), the last report stays as it
        was and the failure goes to the status page beside it, if even that fits.
        """
        study, plan = self.study, self.plan
        # Sections end in any order; the record lists them in the order of execution.
        order = {component.id: index for index, (_, component) in enumerate(plan.steps)}
        (self.staging / evidence.LOCK_FILE).unlink(missing_ok=True)
        try:
            now = incremental.input_digests(study, plan.steps)
            changed = [name for name, digest in now.items() if self.hashes.get(name) != digest]
            error = f"inputs changed during the run: {', '.join(changed)}" if changed else None
            result = StudyResult(
                slug=study.slug, client=study.client.name,
                schemes=", ".join(s.name for s in study.schemes),
                client_kind=study.client.kind, population=study.client.population,
                scheme_types=[str(s.type) for s in study.schemes],
                year=study.period[1].year if study.period else None,
                status="failed" if self.unfinished or changed else "success",
                started_at=self.started_at, duration=time.perf_counter() - self.started,
                civeval_version=__version__, git_commit=self.commit,
                python=platform.python_version(), inputs=self.hashes,
                sections=sorted(self.sections, key=lambda s: order[s.template]), error=error,
                code=incremental.code_digest(), demo=study.is_demo)
            refused = self._storage_refused()
            if refused:
                return self._keep_last_report(result, refused)
            try:
                self._write_pages(result)
                atomic.write_text(self.staging / RUN_FILE, _json(result))
                atomic.replace_dir(self.staging, reports_dir() / study.slug)
            except OSError as problem:
                return self._keep_last_report(result, problem.strerror or str(problem))
        finally:
            shutil.rmtree(self.staging, ignore_errors=True)
        return result

    def _storage_refused(self) -> str | None:
        """Why a section could not write its outputs, when the disk refused them."""
        for section in self.sections:
            evalue = (section.error or {}).get("evalue") or ""
            if (found := _STORAGE_ERROR.search(evalue)) is not None:
                return found.group(1)
        return None

    def _keep_last_report(self, result: StudyResult, reason: str) -> StudyResult:
        target = reports_dir() / self.study.slug
        result.status = "failed"
        result.error = (f"the report could not be written in {display_path(target)} "
                        f"({reason}); the last report is kept as it was")
        with contextlib.suppress(OSError):  # the disk may have no room even for this page
            if target.is_dir():
                _write_study_page(result, self.study, self.renderer, target / STATUS_PAGE,
                                  self.plan.failures, self.plan.dropped)
        return result

    def _write_pages(self, result: StudyResult) -> None:
        """The study page: the main report when the study has one that succeeded (a template
        whose header says ``main: true``), the run's status page beside it; else the status
        page itself."""
        main = {component.id for template, component in self.plan.steps
                if template.meta.get("main")}
        done = [s.html for s in result.sections if s.template in main and s.html
                and s.status == "success"]
        status_page = STATUS_PAGE if done else "index.html"
        _write_study_page(result, self.study, self.renderer, self.staging / status_page,
                          self.plan.failures, self.plan.dropped)
        if done:
            shutil.copyfile(self.staging / done[0], self.staging / "index.html")

    def abandon(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)


def _json(result: StudyResult) -> str:
    return json.dumps(asdict(result), ensure_ascii=False, indent=2)


def _write_study_page(result: StudyResult, study: Study, renderer: Renderer,
                      target: Path, failures=(), dropped=None) -> None:
    from civeval.workbench.render import provenance

    t = study.t
    # No durations here: the same inputs must give the same page.
    sections = [{"title": s.title, "status": s.status, "html": s.html,
                 "error": error_text(s.error)} for s in result.sections]
    if result.error:
        sections.append({"title": t("study.inputs_check"), "status": "failed", "html": None,
                         "error": result.error})
    acknowledged = {(item.check, item.dataset): item.reason for item in study.config.acknowledge}
    checks = [{"check": t(f"check.{failure.check}"), "message": failure.message,
               "dataset": failure.dataset or fmt.MISSING,
               "reason": acknowledged.get((failure.check, failure.dataset),
                                          acknowledged.get((failure.check, None)))}
              for failure in failures]
    renderer.page("study.html.j2", target, language=study.language, client=study.client.name,
                  page_title=study.config.title, facts=_facts(study), status=result.status,
                  figures=_figures(study), sections=sections, checks=checks,
                  dropped=[{"dataset": name, "column": column,
                            "reason": t(f"survey.personal.{reason}") if reason
                            else t("survey.personal.unknown")}
                           for name, columns in (dropped or {}).items()
                           for column, reason in columns.items()],
                  provenance=provenance(study.language, __version__, result.git_commit))


def write_index(renderer: Renderer, language: str = "fr") -> Path:
    """Write ``reports/index.html`` over every study that has a report."""
    from civeval.workbench.render import provenance

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


def check_writable(folder: Path) -> None:
    """Refuse to start a batch whose reports folder cannot be written (read-only, full, not
    ours), before anything runs: one message, and every report left as it was."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = Path(tempfile.mkdtemp(prefix=".write-check.", dir=folder))
        probe.rmdir()
    except OSError as problem:
        raise CivevalError(f"cannot write in the reports folder {display_path(folder)} "
                           f"({problem.strerror or problem}); no report was changed") from None


def _progress(console: Console, show: bool) -> Progress:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    # No auto-refresh: its thread must not exist when the runner forks.
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, disable=not show, auto_refresh=False)


def _stale_steps(plans: list[Plan]) -> list[tuple[Plan, Template, Component]]:
    """Each section about to run: its plan, template and component."""
    return [(plan, template, component) for plan in plans
            for template, component in plan.steps if component.id in plan.stale]


def _preload(plans: list[Plan]) -> list[str]:
    """:data:`EXECUTION` and the section module of each template about to run
    (``civeval.sections.<name>`` for template ``NN_name``), which imports what the section
    computes with: a batch imports nothing for a template it does not run."""
    names = {template.name.partition("_")[2] for _, template, _ in _stale_steps(plans)}
    return [*EXECUTION, *(module for module in sorted(f"civeval.sections.{name}" for name in names)
                          if importlib.util.find_spec(module) is not None)]


def _ahead_work(plans: list[Plan], parse: bool = True) -> list[Callable[[], object]]:
    """What the fork pool's parent makes ready while the first sections run, for those
    forked after them: the modules the templates about to run import once they run
    (:func:`_runs_with`), then, when one study runs alone and ``parse``, its datasets
    parsed (a batch's would not all stay in memory: ``formats.PARSED_KEPT``)."""
    from civeval.workbench import workers

    stale = [plan for plan in plans if plan.stale]
    modules = [module for plan, template, _ in _stale_steps(plans)
               for module in _runs_with(template, plan)]
    work = [functools.partial(workers.preload, [module]) for module in dict.fromkeys(modules)]
    if len(stale) == 1 and parse:
        work += _dataset_reads(stale[0].study)
    return work


def _dataset_reads(study: Study) -> list[Callable[[], object]]:
    return [functools.partial(study.load, name) for name in study.config.data]


def _parse_aside(stale: list[Plan], scheduler: str | None,
                 engine: str | None) -> workers.ForkPool | None:
    """For one study run alone by a cold process (a command, not a warm server or watcher:
    it has yet to import pandas, seconds on one core before its first section), a pool of
    one child that parses its datasets on the other core meanwhile (:func:`_parsed`, its
    output going nowhere); None otherwise."""
    from civeval.workbench import pools, workers

    if (len(stale) != 1 or scheduler or (engine or pools.default_engine()) != "fork"
            or "pandas" in sys.modules):
        return None
    aside = workers.ForkPool(jobs=1)
    aside.submit("datasets", _parsed, stale[0].study, log_path=os.devnull)
    return aside


def _parsed(study: Study) -> dict[tuple, object]:
    """``study``'s datasets, parsed here (:func:`formats.kept`); one that fails is left to
    the section that reads it."""
    inherited = set(formats.kept())
    for read in _dataset_reads(study):
        with contextlib.suppress(Exception):
            read()
    return formats.kept(besides=inherited)


def _runs_with(template: Template, plan: Plan | None = None) -> list[str]:
    """The modules ``template`` imports once it runs: its header's ``runs_with:``, and what
    printing its deliverable needs when it prints one (in ``plan``, when given)."""
    printing = template.meta.get("pdf") and (plan is None or plan.print_deliverables)
    return [*template.meta.get("runs_with", []), *(PRINTING if printing else ())]


def run_imports() -> list[str]:
    """What every template of ``notebooks/`` imports once it runs (:func:`_runs_with`):
    a process that serves any study imports it once, beside :data:`PRELOAD`. A template
    whose header does not read is left out: the run that uses it says what is wrong."""
    modules = []
    for name in list_templates():
        with contextlib.suppress(TemplateError):
            modules += _runs_with(find_template(name))
    return list(dict.fromkeys(modules))


def _warm_targets(plans: list[Plan]) -> list[str]:
    """What the templates about to run ask to have ready (``warm: [module:function]`` in
    their header, such as a language model): their modules imported before the first task,
    each function called by the fork pool's parent before the first task that asks for it
    (``prepare``), so that its children inherit what it loaded."""
    return sorted({str(target) for _, template, _ in _stale_steps(plans)
                   for target in template.meta.get("warm", [])})


def _asking_for_warmth(plans: list[Plan]) -> int:
    """How many sections about to run ask for something warm (``warm:`` in their header),
    less those that used none of it in their last run on the same inputs but to read what
    is now kept (:mod:`civeval.workbench.readings`): run again, they need no model."""
    return sum(1 for plan, template, component in _stale_steps(plans)
               if template.meta.get("warm") and not _ran_cold(plan, component.id))


def _ran_cold(plan: Plan, section: str) -> bool:
    """Whether ``section``'s last run, on the inputs it has now, used nothing warm but to
    read what is kept."""
    last = plan.last_run(section)
    return (last.get("fingerprint") == plan.fingerprints.get(section)
            and last.get("warmed") == [])


def _run_sections(plans: list[Plan], jobs: int | None, timeout: int | None,
                progress: Progress, task, renderer: Renderer, commit: str | None,
                force: bool = False, pool=None, engine: str | None = None,
                on_page: PageHook | None = None, keep_warm: bool = False,
                aside: workers.ForkPool | None = None) -> list[StudyResult]:
    """Run the plans' stale sections in fresh children of the ``engine``'s pool (forked, or
    spare interpreters), ``jobs`` at a time, or on a cluster's workers when ``pool`` is a
    :class:`civeval.workbench.cluster.ClusterPool`. What ``aside`` parsed
    (:func:`_parse_aside`) is taken before the first section is forked.

    In two phases: every study's own sections first; then, once every figure of the batch
    is recorded, the sections that read the other studies' figures (the benchmark, and the
    main report after it), so that one batch gives the benchmark two would. A study up to
    date at planning runs its benchmark again when its peers' figures changed. The only
    study that runs sections runs them all in the first phase (its benchmark never reads
    its own figures), each as soon as those it follows are done.
    """
    from civeval.workbench import pools

    engine = engine or pools.default_engine()
    # A renderer does not pickle: a spare interpreter makes its own.
    shared_renderer = None if pool is None and engine == "spare" else renderer
    share_warmth = True
    if pool is None:
        os.environ.setdefault("MPLBACKEND", "Agg")
        pool = pools.open_pool(engine, jobs, [*_preload(plans), *_warm_targets(plans)])
        # Loaded here, a language model waits for the parent and then serves every child
        # that asks; when no more ask than run at once, each loads it only if it must (what
        # the model found is kept: civeval.workbench.readings), and none waits.
        share_warmth = keep_warm or _asking_for_warmth(plans) > pool.jobs
        if engine == "fork":  # what a first section costs, done once for every child
            from civeval.workbench.rehearsal import rehearse

            rehearse(renderer)
            outcome = next(aside.results()) if aside is not None else None
            parsed = outcome.value if outcome is not None and outcome.status == "ok" else {}
            formats.keep(parsed)
            pool.prepare_ahead(_ahead_work(plans, parse=not parsed))
    if not gc.isenabled():  # paused while this process imported (cli.cmd_run)
        # Frozen, what the children inherit is not walked again by this process's collections
        # (the pattern gc.freeze's documentation gives for a process that forks).
        gc.freeze()
        gc.enable()
    stale = [plan for plan in plans if plan.stale]
    runs = {plan.study.slug: _StudyRun(plan, renderer, commit, timeout, alone=len(stale) == 1)
            for plan in stale}
    results: dict[str, StudyResult] = {}
    second_phase = False

    def submit(run: _StudyRun) -> None:
        """Start what can start of ``run``'s sections; in the second phase, finish it once
        nothing is left."""
        for template, component in run.ready_steps():
            pool.submit((run.study.slug, template, component), _section_task, template,
                        component, run.study, run.staging, run.timeout, shared_renderer,
                        run.context, run.plan.print_deliverables,
                        timeout=run.timeout + KILL_GRACE, log_path=os.devnull,
                        prepare=template.meta.get("warm", ()) if share_warmth else ())
        if second_phase and run.done:
            results[run.study.slug] = run.finish()

    def drain() -> None:
        for run in list(runs.values()):
            submit(run)
        for outcome in pool.results():
            slug, template, component = outcome.key
            section = runs[slug].settle(template, component, outcome)
            if (on_page is not None and section.status == "success" and section.html
                    and not template.meta.get("main")):
                on_page(slug, runs[slug].staging / section.html)
            progress.update(task, advance=1, description=f"{slug} · {component.id}")
            progress.refresh()
            submit(runs[slug])

    snapshot = None
    try:
        drain()
        second_phase = True
        # A study run alone has run its benchmark already, in the first phase.
        benchmarked_later = [plan for plan in plans if plan.selections and (
            plan.study.slug not in runs or runs[plan.study.slug].deferred)]
        if benchmarked_later:
            snapshot = _snapshot(plans, runs)
            os.environ[past_studies.SNAPSHOT_VARIABLE] = str(snapshot)
            rows = past_studies.portfolio_rows()
            for plan in benchmarked_later:
                _restale(plan, runs, rows, force, renderer, commit, timeout, progress, task)
        for run in runs.values():  # a run made by _restale has its own sections to settle
            run.queue += run.deferred
        drain()
    finally:
        pool.close()
        os.environ.pop(past_studies.SNAPSHOT_VARIABLE, None)
        if snapshot is not None:
            shutil.rmtree(snapshot.parent, ignore_errors=True)
        for slug, run in runs.items():
            if slug not in results:
                run.abandon()
    return [results.get(plan.study.slug) or StudyResult.up_to_date(plan.previous)
            for plan in plans]


def _peers_changed(plan: Plan, sections: set[str]) -> dict[str, str]:
    """``"peers"`` for each of ``sections`` that runs again only because its peers' figures
    changed: its fingerprint has changed, but not when computed with what it read of the
    portfolio at its last run."""
    if not plan.selections:
        return {}
    before = incremental.step_fingerprints(plan.study, plan.steps, plan.inputs, {
        section: plan.last_run(section).get("portfolio") for section in plan.selections})
    return {section: "peers" for section in sections
            if plan.fingerprints[section] != (last := plan.last_run(section).get("fingerprint"))
            and before[section] == last}


def _snapshot(plans: list[Plan], runs: dict[str, _StudyRun]) -> Path:
    """The portfolio as the batch leaves it: the figures the studies of the batch have just
    recorded (in their staging folders), the others' from their last report."""
    rows = [row for row in past_studies.portfolio_rows() if row["study"] not in runs]
    for slug, run in runs.items():
        study = run.study
        evidence_file = run.staging / evidence.EVIDENCE_FILE
        figures = (json.loads(evidence_file.read_text(encoding="utf-8"))
                   if evidence_file.is_file() else {})
        rows += past_studies.study_rows({
            "slug": slug, "client": study.client.name, "client_kind": study.client.kind,
            "population": study.client.population,
            "scheme_types": [str(s.type) for s in study.schemes],
            "year": study.period[1].year if study.period else None, "demo": study.is_demo,
            "status": "success", "started_at": run.started_at}, figures)
    folder = Path(tempfile.mkdtemp(prefix=".portfolio.", dir=reports_dir()))
    past_studies.write_snapshot(folder / "portfolio.json", rows)
    return folder / "portfolio.json"


def _restale(plan: Plan, runs: dict[str, _StudyRun], rows: list[dict], force: bool,
             renderer: Renderer, commit: str | None, timeout: int | None, progress: Progress,
             task) -> None:
    """After the first phase: the fingerprints of the sections that read the portfolio (and
    of those after them) from the portfolio as it now is; those that changed become stale,
    saying why when only their peers did."""
    if not plan.selections:
        return
    plan.portfolio = _portfolio_digests(plan.selections, rows)
    plan.fingerprints = incremental.step_fingerprints(plan.study, plan.steps, plan.inputs,
                                                      plan.portfolio)
    stale = {section for section in plan.dependents
             if force or plan.last_run(section).get("fingerprint")
             != plan.fingerprints[section] or section in plan.stale}
    newly = stale - plan.stale
    if not newly and plan.study.slug not in runs:
        return
    plan.stale |= stale
    if plan.study.slug not in runs:
        runs[plan.study.slug] = _StudyRun(plan, renderer, commit, timeout)
    run = runs[plan.study.slug]
    run.reasons.update(_peers_changed(plan, stale))
    progress.update(task, total=progress.tasks[0].total + len(newly))


def run(plans: list[Plan], timeout: int | None = None, console: Console | None = None,
        show_progress: bool = True, jobs: int | None = None, scheduler: str | None = None,
        force: bool = False, connect_timeout: float = 10,
        engine: str | None = None, renderer: Renderer | None = None,
        on_page: PageHook | None = None, keep_warm: bool = False) -> list[StudyResult]:
    """Run validated plans, ``jobs`` sections at a time (or on the workers of the Dask
    scheduler at ``scheduler``), with one progress bar; return every study's result, those
    up to date included. ``engine`` (``"fork"`` or ``"spare"``, see
    :mod:`civeval.workbench.pools`) chooses the local pool; the OS's default when None.
    A process that runs again and again (``civeval watch``) passes the same ``renderer``
    each time, rehearsed once, and may show each section's page as soon as it is rendered:
    ``on_page(slug, page)`` is called with the page in the study's staging folder, before
    the study is swapped in (not for the main report, which the swap publishes), and with
    ``keep_warm`` loads what templates ask to have warm (a language model) in this process
    even for a few sections, to keep it for the next runs."""
    if console is None:
        from rich.console import Console

        console = Console(stderr=True)
    os.environ["CIVEVAL_ROOT"] = str(project_root())
    os.environ[readings.VARIABLE] = str(reports_dir() / readings.FOLDER)
    stale = [p for p in plans if p.stale]
    if stale:
        check_writable(reports_dir())
        readings.forget_unused(reports_dir() / readings.FOLDER)
    remember_checks(plans)
    results = {p.study.slug: StudyResult.up_to_date(p.previous) for p in plans if not p.stale}
    if stale:
        with contextlib.ExitStack() as stack:
            # First: the datasets are parsed aside while this process imports.
            aside = _parse_aside(stale, scheduler, engine)
            if aside is not None:
                stack.callback(aside.close)
            from civeval.workbench.render import Renderer

            renderer, commit = renderer or Renderer.shared(), git_commit()
            pool = None
            if scheduler:
                from civeval.workbench import cluster

                client = stack.enter_context(cluster.connect(scheduler, connect_timeout))
                pool = cluster.ClusterPool(client)
            progress = stack.enter_context(_progress(console, show_progress))
            task = progress.add_task("civeval run", total=sum(len(p.stale) for p in stale))
            done = _run_sections(plans, jobs, timeout, progress, task, renderer, commit, force,
                               pool, engine, on_page, keep_warm, aside)
        results.update((r.slug, r) for r in done)
        write_index(renderer)
    return [results[p.study.slug] for p in plans]
