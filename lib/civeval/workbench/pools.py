"""Which process pool runs a batch's sections: the fork pool on Linux, spares elsewhere.

Both pools have the same interface (``submit``, ``results``, ``close``) and the same
guarantees (a fresh interpreter state per task, timeouts, a dead child retried once, no
process left behind):

* ``"fork"``: :class:`~civeval.workbench.workers.ForkPool`, each task in a child forked from
  this process, which has imported the heavy libraries once. The fastest; Linux only.
* ``"spare"``: :class:`~civeval.workbench.spare.SparePool`, each task in a fresh interpreter
  started ahead of need. Every OS; what it runs must pickle.
"""

from __future__ import annotations

from collections.abc import Iterable

from civeval.workbench import spare, workers

__all__ = ["ENGINES", "default_engine", "heartbeat", "open_pool"]

ENGINES = ("fork", "spare")


def default_engine() -> str:
    """``"fork"`` where forking is safe (:func:`~civeval.workbench.workers.forks_safely`:
    Linux), ``"spare"`` elsewhere.

    Examples
    --------
    >>> default_engine() in ENGINES
    True
    """
    return "fork" if workers.forks_safely() else "spare"


def open_pool(engine: str | None, jobs: int | None, warmup: Iterable[str] = ()):
    """A pool of the ``engine`` (:func:`default_engine` when None), ``jobs`` tasks at a time,
    whose tasks find the modules of ``warmup`` (module names, or ``"module:function"``
    targets) imported.

    The fork pool imports them in this process, once, before its first fork; the functions
    are called later, by the fork pool, before the first task that names them in its
    ``prepare`` (:meth:`~civeval.workbench.workers.ForkPool.submit`): loading a language
    model (5 s) then overlaps the sections that need none. Each spare imports the modules
    while it waits for its task, but calls no function: loading a model in every spare
    would cost each section what only a few need; those load it themselves.

    Raises
    ------
    ValueError
        For an engine not in :data:`ENGINES`.
    """
    engine = engine or default_engine()
    modules = list(dict.fromkeys(target.partition(":")[0] for target in warmup))
    if engine == "spare":
        return spare.SparePool(jobs, warmup=modules)
    if engine != "fork":
        raise ValueError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")
    workers.preload(modules)
    return workers.ForkPool(jobs)


def heartbeat(label: str = "") -> None:
    """Report a task's progress to whichever pool runs it; a no-op outside a pool.

    Resets the task's timeout deadline and records ``label``, which the timeout message
    quotes (see :func:`civeval.workbench.workers.heartbeat`).

    Examples
    --------
    >>> heartbeat("cell 1")  # outside a pool: nothing happens
    """
    workers.heartbeat(label)  # a spare's task writes to the same kind of channel
