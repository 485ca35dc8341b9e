"""A papermill engine that executes a notebook inside the current Python process.

Papermill normally starts a fresh ipykernel for every notebook. Most of the four seconds that
costs go to starting the interpreter and importing pandas, seaborn, statsmodels, matplotlib and
IPython again, for every notebook of every study. The fast path keeps one parent process that has
already imported them and forks a child per notebook; the child inherits the imported modules for
free and executes the notebook itself, with this engine, instead of talking to a kernel.

The engine gives each notebook what a kernel would: a fresh IPython ``InteractiveShell`` with an
empty namespace, ``display`` available without import, the matplotlib inline backend, and the same
outputs in the same order (``stream``, ``display_data``, ``execute_result`` and ``error``), so
that papermill, its error reporting and the rendered reports get what a kernel gives them
(the outputs are collected and the shell built by :mod:`civeval.workbench.capture`).
Each cell can be given a time limit, enforced with ``SIGALRM`` in the main thread. When the
notebook ends, the process is put back as it was found (standard streams, hooks, builtins,
working directory, matplotlib backend, IPython singletons), so that several notebooks can also
run one after the other in the same process, as the tests do.

What still differs from a kernel: output written to the file descriptors directly (subprocesses,
C libraries) is not captured, a kernel forwards it to the notebook; stdout and stderr writes keep
their exact order, where a kernel regroups those that arrive within its flush interval; and the
libraries that look for a kernel by name (``tqdm.auto``, ``rich``) see a terminal IPython.

Select it with ``papermill.execute_notebook(..., engine_name="civeval")``; the name is declared
as a ``papermill.engine`` entry point in ``pyproject.toml``.
"""

from __future__ import annotations

import atexit
import builtins
import getpass
import logging
import os
import signal
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

import nbformat
from ipykernel.compiler import XCachingCompiler
from IPython.core.error import StdinNotImplementedError
from IPython.core.getipython import get_ipython
from IPython.core.interactiveshell import InteractiveShell
from nbclient.exceptions import CellExecutionError
from papermill.engines import Engine
from papermill.exceptions import PapermillException
from papermill.log import logger as papermill_logger
from traitlets.config import Config, SingletonConfigurable

from civeval.workbench.capture import CaptureStream, Collector, NotebookShell

__all__ = ["CellTimeoutError", "InProcessEngine", "LANGUAGE_INFO", "on_cell_start"]

logger = logging.getLogger(__name__)

on_cell_start: Callable[[int], None] | None = None
"""Called with the index of each code cell (in ``nb.cells``) just before it is executed.

The fork pool sets it to send a heartbeat to the parent, which can then tell a slow notebook from
a hung one. ``None`` (the default) calls nothing. An exception raised by the hook stops the
notebook and propagates out of ``papermill.execute_notebook``.
"""

LANGUAGE_INFO = {
    "name": "python",
    "version": sys.version.split()[0],
    "mimetype": "text/x-python",
    "codemirror_mode": {"name": "ipython", "version": sys.version_info[0]},
    "pygments_lexer": f"ipython{sys.version_info[0]}",
    "nbconvert_exporter": "python",
    "file_extension": ".py",
}
"""The ``language_info`` metadata ipykernel reports, which nbclient writes into the notebook."""

_MISSING = object()

# The attributes of ``sys`` that IPython or the notebook may replace and that are put back.
_SYS_ATTRIBUTES = ("stdin", "stdout", "stderr", "displayhook", "excepthook", "ps1", "ps2", "ps3",
                   "last_type", "last_value", "last_traceback", "last_exc")


class CellTimeoutError(BaseException):
    """Raised inside a cell that runs longer than the execution timeout.

    It derives from ``BaseException``, like ``KeyboardInterrupt``, so that the notebook's own
    ``except Exception`` clauses do not swallow it.
    """

    def _render_traceback_(self) -> list[str]:
        """The traceback IPython shows: where the cell was interrupted, not the alarm handler."""
        entry = self.__traceback__
        # The innermost entry is the signal handler, which tells nothing about the cell (and
        # IPython never hides the innermost frame).
        if entry is not None and entry.tb_next is not None:
            while entry.tb_next.tb_next is not None:
                entry = entry.tb_next
            entry.tb_next = None
        shell = get_ipython()
        if shell is None:
            return traceback.format_exception(type(self), self, self.__traceback__)
        return shell.InteractiveTB.structured_traceback(type(self), self, self.__traceback__)


def _no_stdin(prompt: str = "", *args: Any, **kwargs: Any) -> str:
    """Replace ``input`` and ``getpass``: papermill offers no stdin, the kernel refuses it too."""
    raise StdinNotImplementedError(
        "raw_input was called, but this frontend does not support input requests.")


# --------------------------------------------------------------------------------------------
# Process state
# --------------------------------------------------------------------------------------------

@contextmanager
def _process_left_as_found() -> Iterator[None]:
    """Put back, on exit, the process-wide state a notebook or IPython may change.

    A kernel is a process of its own, so nothing a notebook does there reaches papermill; in
    process, the streams and hooks, builtins (IPython adds ``display`` and ``__IPYTHON__`` for
    good), ``__main__``, ``sys.path``, the working directory and the warning filters have to be
    restored by hand.
    """
    saved_sys = {name: getattr(sys, name, _MISSING) for name in _SYS_ATTRIBUTES}
    saved_main = sys.modules.get("__main__")
    saved_builtins = dict(builtins.__dict__)
    saved_path = list(sys.path)
    saved_cwd = os.getcwd()
    saved_getpass = getpass.getpass
    try:
        with warnings.catch_warnings():
            yield
    finally:
        getpass.getpass = saved_getpass
        with suppress(OSError):
            os.chdir(saved_cwd)
        sys.path[:] = saved_path
        current = builtins.__dict__
        for key in set(current) - set(saved_builtins):
            del current[key]
        for key, value in saved_builtins.items():
            if current.get(key, _MISSING) is not value:
                current[key] = value
        if saved_main is not None:
            sys.modules["__main__"] = saved_main
        for name, value in saved_sys.items():
            if value is _MISSING:
                with suppress(AttributeError):
                    delattr(sys, name)
            else:
                setattr(sys, name, value)


@contextmanager
def _fresh_singleton(cls: type[SingletonConfigurable]) -> Iterator[None]:
    """Clear the singleton of ``cls`` and its singleton bases; restore the old ones on exit.

    ``instance()`` would otherwise hand the second notebook the first one's shell (and its
    namespace), and a shell that existed before (the one of a kernel running this engine) must
    be the current one again afterwards.
    """
    classes = [klass for klass in cls.__mro__
               if issubclass(klass, SingletonConfigurable) and klass is not SingletonConfigurable]
    saved = {klass: klass.__dict__.get("_instance", _MISSING) for klass in classes}
    for klass in classes:
        klass._instance = None  # what clear_instance() does, whatever the instance's class
    try:
        yield
    finally:
        for klass, value in saved.items():
            if value is _MISSING:
                with suppress(AttributeError):
                    delattr(klass, "_instance")
            else:
                klass._instance = value


def _matplotlib_backend() -> str | None:
    """The backend in use, or ``None`` if matplotlib has not chosen one yet."""
    import matplotlib

    try:
        return matplotlib.get_backend(auto_select=False)
    except TypeError:  # matplotlib < 3.10
        from matplotlib import rcsetup

        backend = matplotlib.rcParams._get("backend")
        return None if backend is rcsetup._auto_backend_sentinel else backend


@contextmanager
def _inline_figures(shell: InteractiveShell) -> Iterator[None]:
    """Enable the inline backend as a kernel does; put matplotlib back as found on exit.

    Figures still open at the end of a cell are then shown as ``image/png`` and closed. The
    backend draws with Agg and never opens a window.
    """
    import matplotlib
    from matplotlib import pyplot as plt
    from matplotlib_inline import backend_inline
    from matplotlib_inline.config import InlineBackend

    backend = _matplotlib_backend()
    interactive = matplotlib.is_interactive()
    draw_if_interactive = plt.draw_if_interactive
    # matplotlib_inline registers the figure formatters on the shell only when this marker
    # changes: left at "inline" by a previous notebook, a new shell would get no PNG formatter.
    marker = backend_inline.configure_inline_support.__dict__.pop("current_backend", _MISSING)
    with _fresh_singleton(InlineBackend), matplotlib.rc_context():
        try:
            shell.enable_matplotlib("inline")
            yield
        finally:
            plt.close("all")
            backend_inline.show._to_draw = []
            backend_inline.show._draw_called = False
            # An undecided backend would be resolved again, maybe to a GUI one: use Agg.
            plt.switch_backend(backend or "agg")
            matplotlib.interactive(interactive)
            plt.draw_if_interactive = draw_if_interactive
            backend_inline.configure_inline_support.__dict__.pop("current_backend", None)
            if marker is not _MISSING:
                backend_inline.configure_inline_support.current_backend = marker


@contextmanager
def _pandas_as_in_a_kernel() -> Iterator[None]:
    """Give pandas, if it is already imported, the display options it would have in a kernel.

    pandas decides at import time whether it runs in a terminal, where ``display.max_columns``
    is 0 (fit the terminal's width, which differs from one machine to the next), or in a kernel,
    where it is 20. Imported by the parent without IPython, it believes it is in a terminal: the
    wide tables of the reports would not be cut as they are by a kernel.
    """
    pandas = sys.modules.get("pandas")
    if pandas is None or pandas.get_option("display.max_columns") != 0:
        yield
        return
    pandas.set_option("display.max_columns", 20)
    try:
        yield
    finally:
        pandas.set_option("display.max_columns", 0)


@contextmanager
def _shell(collector: Collector) -> Iterator[NotebookShell]:
    """A new shell with an empty namespace, the current IPython instance while it lasts."""
    config = Config()
    # The history is only needed in memory (for ``_i``, ``In`` and the trailing ``;`` check);
    # a SQLite file and its saving thread in every forked child would be contention for nothing.
    config.HistoryManager.enabled = False
    with _fresh_singleton(NotebookShell):
        # ipykernel's compiler names cells after a hash of their source in a temporary folder;
        # tracebacks and warnings then read as they do with a kernel.
        shell = NotebookShell.instance(config=config, compiler_class=XCachingCompiler)
        shell.collector = collector
        try:
            yield shell
        finally:
            atexit.unregister(shell.atexit_operations)
            if shell.history_manager is not None:
                shell.history_manager.close()


class _CellTimer:
    """Interrupts a cell after ``seconds`` with ``SIGALRM``, which only the main thread receives.

    Entering installs the handler and pauses any interval timer already running; leaving
    restores both.

    Parameters
    ----------
    seconds : float or None
        The time limit of each cell; ``None`` or 0 for none.
    """

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds if seconds and seconds > 0 else None
        self._message: str | None = None

    def __enter__(self) -> _CellTimer:
        if self.seconds is None:
            return self
        if not hasattr(signal, "setitimer"):
            logger.warning("No SIGALRM on this platform: cells run without a time limit.")
            self.seconds = None
            return self
        if threading.current_thread() is not threading.main_thread():
            logger.warning("Signals reach only the main thread: cells run without a time limit.")
            self.seconds = None
            return self
        self._previous_handler = signal.signal(signal.SIGALRM, self._on_alarm)
        self._previous_timer = signal.setitimer(signal.ITIMER_REAL, 0)
        self._entered = time.monotonic()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.seconds is None:
            return
        signal.setitimer(signal.ITIMER_REAL, 0)
        previous = self._previous_handler
        signal.signal(signal.SIGALRM, signal.SIG_DFL if previous is None else previous)
        delay, interval = self._previous_timer
        if delay > 0:
            remaining = delay - (time.monotonic() - self._entered)
            signal.setitimer(signal.ITIMER_REAL, max(remaining, 0.001), interval)

    @contextmanager
    def limit(self, message: str) -> Iterator[None]:
        """Raise :class:`CellTimeoutError` with ``message`` if the block outlives the limit."""
        if self.seconds is None:
            yield
            return
        self._message = message
        signal.setitimer(signal.ITIMER_REAL, self.seconds)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            self._message = None

    def _on_alarm(self, signum: int, frame: object) -> None:
        if self._message is not None:
            raise CellTimeoutError(self._message)


class _CellRunner:
    """Runs code cells in the shell, their outputs collected and their duration limited.

    Parameters
    ----------
    shell : NotebookShell
        The notebook's shell.
    collector : Collector
        The collector the shell's display publisher, display hook and tracebacks write to.
    timer : _CellTimer
        The time limit of each cell.
    """

    def __init__(self, shell: NotebookShell, collector: Collector, timer: _CellTimer) -> None:
        self.shell = shell
        self.collector = collector
        self.timer = timer
        fallback = collector.fallback
        self.streams = {name: CaptureStream(name, collector, fallback[name])
                        for name in ("stdout", "stderr")}

    def run(self, cell: nbformat.NotebookNode, index: int) -> bool:
        """Run one code cell, setting its outputs and execution count; return whether it failed."""
        cell.execution_count = self.shell.execution_count
        message = (f"Cell {index + 1} (In [{cell.execution_count}]) did not finish within the "
                   f"execution timeout of {self.timer.seconds:g} s." if self.timer.seconds
                   else "")
        self.collector.start(cell, index)
        saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = self.streams["stdout"], self.streams["stderr"]
        try:
            with self.timer.limit(message):
                result = self.shell.run_cell(cell.source, store_history=True)
        except CellTimeoutError as error:
            # The alarm went off outside the user's code, in IPython's own steps around it,
            # where nothing turns it into an error output.
            name = type(error).__name__
            self.collector.error(name, str(error), [f"{name}: {error}"])
            return True
        finally:
            sys.stdout, sys.stderr = saved
            self.collector.stop()
        return result is None or not result.success or self.shell.error_in_displayhook


def _cell_error(cell: nbformat.NotebookNode) -> CellExecutionError:
    """The exception nbclient gives papermill for a failed cell (papermill only records it)."""
    error = next((output for output in cell.outputs if output.output_type == "error"),
                 {"ename": "CellExecutionError", "evalue": "", "traceback": []})
    return CellExecutionError.from_cell_and_msg(cell, error)


# --------------------------------------------------------------------------------------------
# The engine
# --------------------------------------------------------------------------------------------

def _should_execute(cell: nbformat.NotebookNode) -> bool:
    """Whether nbclient would send the cell to the kernel."""
    return (cell.cell_type == "code" and bool(cell.source.strip())
            and "skip-execution" not in cell.metadata.get("tags", []))


@contextmanager
def _in_directory(path: str) -> Iterator[None]:
    """Run the block in ``path`` and go back to wherever the notebook had moved."""
    try:
        here = os.getcwd()
    except FileNotFoundError:  # the notebook removed its own working directory
        here = None
    if here == path:
        yield
        return
    os.chdir(path)
    try:
        yield
    finally:
        if here is not None:
            with suppress(OSError):
                os.chdir(here)


def _log_output(output: nbformat.NotebookNode, log_output: bool, stdout_file: Any,
                stderr_file: Any) -> None:
    """Log or copy an output as papermill's own notebook client does."""
    if output.output_type == "stream":
        if output.name == "stdout":
            if log_output:
                papermill_logger.info(output.text)
            if stdout_file:
                stdout_file.write(output.text)
                stdout_file.flush()
        elif output.name == "stderr":
            if log_output:
                papermill_logger.warning(output.text)
            if stderr_file:
                stderr_file.write(output.text)
                stderr_file.flush()
    elif log_output and "text/plain" in output.get("data", {}):
        papermill_logger.info(output.data["text/plain"])


class InProcessEngine(Engine):
    """Papermill engine that executes code cells in this process with a fresh IPython shell.

    Registered as ``civeval`` in the ``papermill.engine`` entry points. It behaves as papermill's
    default nbclient engine: same outputs, same per-cell metadata, execution stops at the first
    failing cell and papermill then raises ``PapermillExecutionError``. The kernel name is not
    used: the notebook runs in this interpreter.
    """

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                 stderr_file=None, start_timeout=60, execution_timeout=None,
                                 **kwargs):
        """Execute the code cells of ``nb_man.nb`` in order, updating the notebook in place.

        Parameters
        ----------
        nb_man : papermill.engines.NotebookExecutionManager
            The notebook and papermill's bookkeeping of its execution.
        kernel_name : str
            Ignored: the notebook runs in this Python process.
        log_output : bool, optional
            Log the outputs through papermill's logger, after each cell.
        stdout_file, stderr_file : file object, optional
            Where to copy the cells' stdout and stderr, after each cell.
        start_timeout : float, optional
            Ignored: there is no kernel to wait for.
        execution_timeout : float, optional
            Time limit of each cell in seconds (``timeout`` is accepted too, as by the nbclient
            engine); the cell is interrupted with :class:`CellTimeoutError`. Only enforced when
            papermill runs in the main thread.
        **kwargs
            ``allow_errors`` (keep executing after a failing cell, as nbclient does); other
            nbclient options are accepted and ignored.

        Returns
        -------
        nbformat.NotebookNode
            The executed notebook.

        Raises
        ------
        papermill.exceptions.PapermillException
            If the notebook declares a language other than Python.
        """
        nb = nb_man.nb
        language = nb.metadata.get("kernelspec", {}).get("language")
        if language not in (None, "python"):
            raise PapermillException(f"The in-process engine executes Python notebooks, not "
                                     f"{language} ones.")
        timeout = execution_timeout or kwargs.get("timeout")
        allow_errors = bool(kwargs.get("allow_errors", False))
        start_dir = os.getcwd()

        def log(output: nbformat.NotebookNode) -> None:
            _log_output(output, log_output, stdout_file, stderr_file)

        # The notebook is written when execution starts and when it ends (papermill's own
        # saves, the last one whatever happens), not after each cell as papermill does: each
        # save rewrites every chart drawn so far, several tenths of a second in all for a
        # section with many charts. A child killed in a cell is reported by the cell it had
        # reached (its heartbeat), not by a notebook left half written.
        output_path, nb_man.output_path = nb_man.output_path, None
        try:
            cls._execute_cells(nb_man, allow_errors, timeout, start_dir, log)
        finally:
            nb_man.output_path = output_path
        nb.metadata["language_info"] = dict(LANGUAGE_INFO)
        return nb

    @staticmethod
    def _execute_cells(nb_man, allow_errors: bool, timeout: float | None, start_dir: str,
                       log) -> None:
        nb = nb_man.nb
        with _process_left_as_found():
            collector = Collector({"stdout": sys.stdout, "stderr": sys.stderr})
            builtins.input = getpass.getpass = _no_stdin
            with _shell(collector) as shell, _inline_figures(shell), _pandas_as_in_a_kernel(), \
                    _CellTimer(timeout) as timer:
                cell_runner = _CellRunner(shell, collector, timer)
                for index, cell in enumerate(nb.cells):
                    try:
                        with _in_directory(start_dir):
                            nb_man.cell_start(cell, index)
                        if not _should_execute(cell):
                            continue
                        if on_cell_start is not None:
                            on_cell_start(index)
                        failed = cell_runner.run(cell, index)
                        for output in cell.outputs:
                            log(output)
                        tags = cell.metadata.get("tags", [])
                        if failed and not (allow_errors or "raises-exception" in tags):
                            with _in_directory(start_dir):
                                nb_man.cell_exception(cell, cell_index=index,
                                                      exception=_cell_error(cell))
                            break
                    finally:
                        with _in_directory(start_dir):
                            nb_man.cell_complete(cell, cell_index=index)
