"""Batches on a Dask cluster: every section a task, run in a fresh child of a warm parent.

Running each study as a ``civeval run`` process on a worker paid the import of pandas,
statsmodels, matplotlib and the sections again for every study. Here the batch stays the
local batch (:func:`civeval.workbench.runner.run`: the same planning, two phases, staging
folders and atomic swaps, all on the client), and only the pool changes: a
:class:`ClusterPool` sends each section to the cluster instead of forking it.

On each worker, the :class:`WarmEngine` plugin keeps one *warm parent* per worker thread: a
single-threaded interpreter (``python -m civeval.workbench.cluster``) that has imported what
the local parent imports and runs each section in a fresh child of its own
:class:`~civeval.workbench.workers.ForkPool`, with the same isolation, cell timeout and retry
of a dead child as locally. The warm parent is a process of its own because forking the
worker itself, which runs threads, could copy a lock another thread holds.

The client registers the plugin on connection; ``dask worker --preload
civeval.workbench.cluster`` starts the warm parents as the worker starts instead of at its
first section. Workers must see the project folder at the same path as the client.
"""

from __future__ import annotations

import os
import pickle
import queue
import subprocess
import sys
import uuid
from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from distributed import WorkerPlugin

from civeval import __version__
from civeval.benchmark import past_studies
from civeval.errors import CivevalError
from civeval.workbench import exports, pools, workers
from civeval.workbench.paths import project_root, studies_dir

if TYPE_CHECKING:
    from distributed import Client

    from civeval.workbench.schema import Component
    from civeval.workbench.templates import Template

PLUGIN = "civeval-warm-engine"
# The environment a section reads its places from; the portfolio snapshot only in a batch's
# second phase.
ENVIRONMENT = ("CIVEVAL_ROOT", "CIVEVAL_REPORTS", past_studies.SNAPSHOT_VARIABLE)


class ClusterError(CivevalError):
    """The cluster cannot run the batch: unreachable, empty, or its workers differ."""


@dataclass(frozen=True)
class SectionRequest:
    """One section to run on a worker. The study travels by name: the worker reads it from
    the shared project folder (a study holds its translator, which does not pickle)."""

    key: Hashable
    slug: str
    template: Template
    component: Component
    staging: str
    cell_timeout: int
    task_timeout: float | None
    context: dict
    environment: dict[str, str]
    warm: tuple[str, ...]


# --- worker side ------------------------------------------------------------------------------


class _WarmParent:
    """One warm parent process, spoken to by pickles on its standard input and output."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "civeval.workbench.cluster"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, start_new_session=True,
            env={**os.environ, "MPLBACKEND": "Agg"})
        self.ready = False

    def wait_ready(self) -> None:
        """Wait until its imports are done."""
        if not self.ready:
            pickle.load(self.process.stdout)  # "ready"
            self.ready = True

    def run(self, request: SectionRequest) -> workers.TaskResult:
        """Run one section; EOFError when the warm parent died."""
        self.wait_ready()
        pickle.dump(request, self.process.stdin)
        self.process.stdin.flush()
        return pickle.load(self.process.stdout)

    def close(self) -> None:
        # Its children die with it (they are forked with a parent-death signal).
        self.process.kill()
        self.process.wait()


class WarmEngine(WorkerPlugin):
    """Dask worker plugin: one warm parent per worker thread, started with the worker."""

    name = PLUGIN

    def setup(self, worker=None) -> None:
        threads = getattr(getattr(worker, "state", None), "nthreads", None) or 1
        self.idle: queue.Queue[_WarmParent] = queue.Queue()
        for _ in range(threads):
            self.idle.put(_WarmParent())

    def wait_ready(self) -> None:
        """Wait until every warm parent of the worker has done its imports."""
        parents = [self.idle.get() for _ in range(self.idle.qsize())]
        for parent in parents:
            parent.wait_ready()
            self.idle.put(parent)

    def run(self, request: SectionRequest) -> workers.TaskResult:
        parent = self.idle.get()
        try:
            result = parent.run(request)
        except (EOFError, OSError, pickle.UnpicklingError):
            parent.close()
            self.idle.put(_WarmParent())
            # Raised, so that Dask runs the task once more (retries=1).
            raise RuntimeError("the worker's warm engine stopped during the section") from None
        self.idle.put(parent)
        return result

    def teardown(self, worker=None) -> None:
        while not self.idle.empty():
            self.idle.get().close()


def dask_setup(worker) -> None:
    """``dask worker --preload civeval.workbench.cluster``: warm parents from the start."""
    plugin = WarmEngine()
    plugin.setup(worker)
    worker.plugins[PLUGIN] = plugin


def run_section(request: SectionRequest) -> workers.TaskResult:
    """The task of one section, on the worker that runs it."""
    from distributed import get_worker

    worker = get_worker()
    if PLUGIN not in worker.plugins:
        dask_setup(worker)
    return worker.plugins[PLUGIN].run(request)


def _probe(root: str, dask_worker=None) -> dict:
    """What the client checks of each worker before sending any section."""
    from civeval.workbench import incremental

    studies = Path(root) / "studies"
    return {"version": __version__, "code": incremental.code_digest(),
            "studies": sorted(p.name for p in studies.iterdir()) if studies.is_dir() else None,
            "warm": dask_worker is not None and PLUGIN in dask_worker.plugins}


def _serve() -> None:
    """The warm parent: import once, then run each request in a fresh forked child."""
    from civeval.workbench import rehearsal, runner
    from civeval.workbench.render import Renderer
    from civeval.workbench.study import load_study

    exports.skip_iri_grammar()
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # what libraries print must not reach replies
    requests = sys.stdin.buffer
    workers.preload(runner.PRELOAD)
    renderer = Renderer()
    rehearsal.rehearse(renderer)
    pickle.dump("ready", replies)
    replies.flush()
    while True:
        try:
            request: SectionRequest = pickle.load(requests)
        except EOFError:
            return
        for name in ENVIRONMENT:
            os.environ.pop(name, None)
        os.environ.update(request.environment)
        try:
            study = load_study(request.slug)
        except CivevalError as error:
            result = workers.TaskResult(request.key, "error", error=str(error))
        else:
            # Prepares what the template asks for (a language model) once: the loaders cache.
            with pools.open_pool("fork", 1, request.warm) as pool:
                pool.submit(request.key, runner._section_task, request.template,
                            request.component, study, Path(request.staging),
                            request.cell_timeout, renderer, request.context,
                            timeout=request.task_timeout, log_path=os.devnull,
                            prepare=request.warm)
                result = next(pool.results())
        pickle.dump(result, replies)
        replies.flush()


# --- client side ------------------------------------------------------------------------------


def connect(scheduler: str, timeout: float = 10) -> Client:
    """Connect to the scheduler and check its workers before any work.

    Raises
    ------
    ClusterError
        The scheduler cannot be reached within ``timeout`` seconds, no worker is connected,
        a worker cannot see the project's ``studies/`` folder, or runs another civeval.
    """
    from distributed import Client

    try:
        client = Client(scheduler, timeout=timeout)
    except (OSError, TimeoutError) as error:
        raise ClusterError(f"the scheduler at {scheduler} cannot be reached within {timeout:g} s "
                           f"({type(error).__name__}); is it started? (see the README, "
                           "« Running on a cluster »)") from None
    try:
        try:
            client.wait_for_workers(1, timeout=timeout)
        except TimeoutError:
            raise ClusterError(f"no worker is connected to the scheduler at {scheduler} "
                               f"(waited {timeout:g} s)") from None
        probes = client.run(_probe, str(project_root()))
        _check_workers(probes)
        if not all(seen["warm"] for seen in probes.values()):
            # Kept by the scheduler for the workers that join later. Registering it again
            # would restart the warm parents of the workers that have them.
            client.register_plugin(WarmEngine(), name=PLUGIN)
    except BaseException:
        client.close()
        raise
    return client


def _check_workers(probes: dict[str, dict]) -> None:
    from civeval.workbench import incremental

    here = _probe(str(project_root()))
    problems = []
    for address, seen in sorted(probes.items()):
        if seen["studies"] is None:
            problems.append(f"worker {address} cannot see {studies_dir()} (workers must see the "
                            "project folder at the same path)")
        elif seen["studies"] != here["studies"]:
            problems.append(f"worker {address} sees other studies in {studies_dir()}")
        if seen["version"] != __version__:
            problems.append(f"worker {address} runs civeval {seen['version']}, this is "
                            f"{__version__}; install the same version on every worker")
        elif seen["code"] != incremental.code_digest():
            problems.append(f"worker {address} runs other civeval code than this one (changed "
                            "since it started?); restart the workers after updating civeval")
    if problems:
        raise ClusterError("; ".join(problems))


class ClusterPool:
    """The interface of :class:`~civeval.workbench.workers.ForkPool` (``submit``, ``results``,
    ``close``) over a Dask client, for :func:`civeval.workbench.runner.run`.

    ``submit`` takes what the runner gives the fork pool for a section
    (:func:`civeval.workbench.runner._section_task` and its arguments) and sends it as a
    :class:`SectionRequest`.
    """

    def __init__(self, client: Client) -> None:
        from distributed import as_completed

        self.client = client
        self._completed = as_completed()
        self._keys: dict[str, Hashable] = {}  # Dask's key of each future → the runner's key

    def submit(self, key: Hashable, function, /, *args, timeout: float | None = None,
               log_path=None, **_) -> None:
        # Printed there in any case: only a live preview, which runs here, leaves it out.
        template, component, study, staging, cell_timeout, _renderer, context, _printing = args
        request = SectionRequest(
            key, study.slug, template, component, str(staging), cell_timeout, timeout, context,
            {name: os.environ[name] for name in ENVIRONMENT if name in os.environ},
            tuple(template.meta.get("warm", [])))
        future = self.client.submit(run_section, request, pure=False, retries=1,
                                    key=f"civeval-{study.slug}-{component.id}-{uuid.uuid4().hex}")
        self._keys[future.key] = key
        self._completed.add(future)

    def results(self) -> Iterator[workers.TaskResult]:
        while self._keys:
            future = next(self._completed)
            key = self._keys.pop(future.key)
            try:
                yield future.result()
            except Exception as error:  # lost twice, or the warm engine could not start
                yield workers.TaskResult(key, "died", attempts=2,
                                         error=f"{type(error).__name__}: {error}")

    def close(self) -> None:
        """Cancel what has not run (Ctrl-C, SIGTERM); the runner removes the staging folders."""
        self.client.cancel(list(self._completed.futures))
        self._keys.clear()


if __name__ == "__main__":
    _serve()
