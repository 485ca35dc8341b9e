"""Where a notebook's outputs go when it runs in this process: a kernel's outputs, collected.

:class:`Collector` appends to the current cell the outputs a kernel would send (``stream``,
``display_data``, ``execute_result`` and ``error``), in the order they are produced;
:class:`CaptureStream` replaces ``sys.stdout`` and ``sys.stderr`` while a cell runs; and
:class:`NotebookShell` is an IPython ``InteractiveShell`` whose display publisher, display hook
and tracebacks write to the collector instead of the terminal. The in-process papermill engine
(:mod:`civeval.workbench.engine`) creates them for each notebook.

Output written to the file descriptors directly (subprocesses, C libraries) is not captured: a
kernel forwards it to the notebook. stdout and stderr writes keep their exact order, where a
kernel regroups those that arrive within its flush interval.
"""

from __future__ import annotations

import io
import json
import threading
from typing import Any

import nbformat
from IPython.core import page
from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from jupyter_client.jsonutil import json_default
from traitlets import Type

__all__ = ["CaptureStream", "Collector", "NotebookShell"]


# --------------------------------------------------------------------------------------------
# Collecting outputs
# --------------------------------------------------------------------------------------------

def _jsonable(value: Any) -> Any:
    """Return ``value`` as the kernel's message serialisation would deliver it.

    The kernel sends display data through JSON with jupyter_client's ``json_default``: bytes
    become base64 text, tuples become lists, dates become ISO strings. Doing the same keeps the
    notebook writable and identical to one executed by a kernel.
    """
    return json.loads(json.dumps(value, default=json_default))


def _output(output_type: str, **fields) -> nbformat.NotebookNode:
    """A cell output, as ``nbformat.v4.new_output`` makes it but for the schema check of
    each one: the notebook is checked whole when it is written, and a section's hundred
    outputs cost a tenth of a second of checks each time."""
    return nbformat.from_dict({"output_type": output_type, **fields})


class Collector:
    """The outputs of the cell being executed, appended in the order they are produced.

    Between cells there is no current cell: stream writes then go to the streams that were in
    place before the notebook started, and displays are dropped, as a kernel would do with
    output that belongs to no request.

    Parameters
    ----------
    fallback : dict of str to file object
        The ``stdout`` and ``stderr`` streams to write to between cells.
    """

    def __init__(self, fallback: dict[str, Any]) -> None:
        # Reentrant: formatting an output may warn, and the warning is written to stderr.
        self._lock = threading.RLock()
        self.fallback = fallback
        self._outputs: list | None = None
        self._cell_index: int | None = None
        self._clear_pending = False
        # display_id -> (cell index, output) for every output ``update_display`` must change,
        # across cells, as nbclient keeps them.
        self._displays: dict[str, list[tuple[int, nbformat.NotebookNode]]] = {}

    def start(self, cell: nbformat.NotebookNode, index: int) -> None:
        """Collect into ``cell.outputs`` from now on."""
        with self._lock:
            cell.outputs = []
            self._outputs = cell.outputs
            self._cell_index = index
            self._clear_pending = False

    def stop(self) -> None:
        """Stop collecting: there is no current cell any more."""
        with self._lock:
            self._outputs = None
            self._cell_index = None

    def stream(self, name: str, text: str) -> None:
        """Record a write to ``sys.stdout`` or ``sys.stderr``."""
        with self._lock:
            if self._outputs is None:
                self.fallback[name].write(text)
                return
            self._clear_if_pending()
            last = self._outputs[-1] if self._outputs else None
            # One output per run of writes to the same stream, as the notebook shows it.
            if last is not None and last.output_type == "stream" and last.name == name:
                last.text += text
            else:
                self._outputs.append(_output("stream", name=name, text=text))

    def display(self, data: dict, metadata: dict, display_id: str | None,
                update: bool) -> None:
        """Record a ``display_data`` output, or update the outputs that share its display id."""
        data, metadata = _jsonable(data), _jsonable(metadata)
        with self._lock:
            if display_id:
                for _, output in self._displays.get(display_id, []):
                    output.data, output.metadata = data, metadata
            if update or self._outputs is None:
                return
            self._clear_if_pending()
            output = _output("display_data", data=data, metadata=metadata)
            if display_id:
                self._displays.setdefault(display_id, []).append((self._cell_index, output))
            self._outputs.append(output)

    def result(self, execution_count: int, data: dict, metadata: dict) -> None:
        """Record the ``execute_result`` of the cell's last expression."""
        with self._lock:
            if self._outputs is None:
                return
            self._clear_if_pending()
            self._outputs.append(_output(
                "execute_result", data=_jsonable(data), metadata=_jsonable(metadata),
                execution_count=execution_count))

    def error(self, ename: str, evalue: str, traceback: list[str]) -> None:
        """Record an ``error`` output, the one papermill turns into its execution error."""
        with self._lock:
            if self._outputs is None:
                return
            self._clear_if_pending()
            self._outputs.append(_output(
                "error", ename=ename, evalue=evalue, traceback=list(traceback)))

    def clear(self, wait: bool) -> None:
        """Clear the current cell's outputs, now or at its next output (``wait``)."""
        with self._lock:
            if wait:
                self._clear_pending = True
            else:
                self._clear()

    def _clear_if_pending(self) -> None:
        if self._clear_pending:
            self._clear_pending = False
            self._clear()

    def _clear(self) -> None:
        if self._outputs is None:
            return
        self._outputs[:] = []
        for outputs in self._displays.values():
            outputs[:] = [entry for entry in outputs if entry[0] != self._cell_index]


class CaptureStream(io.TextIOBase):
    """A text stream installed as ``sys.stdout`` or ``sys.stderr`` while a cell runs.

    There is one per notebook and per stream, so that an object which kept a reference to it
    in one cell (a ``logging.StreamHandler`` for instance) writes into the cell running when it
    writes, as with the kernel's streams.

    Parameters
    ----------
    name : {"stdout", "stderr"}
        The stream's name, which is also the name of its ``stream`` outputs.
    collector : Collector
        Where the writes go.
    fallback : file object
        The stream this one replaces; its file descriptor is the one reported by ``fileno``.
    """

    def __init__(self, name: str, collector: Collector, fallback: Any) -> None:
        super().__init__()
        self.name = name
        self._collector = collector
        self._fallback = fallback

    @property
    def encoding(self) -> str:
        return "utf-8"

    @property
    def errors(self) -> str:
        return "strict"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        # What is written to the descriptor (``subprocess.run(stdout=sys.stdout)``) reaches the
        # original stream, not the notebook: a kernel's streams answer with the original too.
        return self._fallback.fileno()

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if text:
            self._collector.stream(self.name, text)
        return len(text)

    def flush(self) -> None:
        # Writes are recorded at once, so that streams and displays keep their order.
        pass


# --------------------------------------------------------------------------------------------
# The shell
# --------------------------------------------------------------------------------------------

class _NotebookDisplayPublisher(DisplayPublisher):
    """Turns ``display(...)`` calls into ``display_data`` outputs with their full mime bundle."""

    def publish(self, data, metadata=None, source=None, *, transient=None, update=False,
                **kwargs):
        self._validate_data(data, metadata)
        display_id = (transient or {}).get("display_id")
        self.shell.collector.display(data, metadata or {}, display_id, update)

    def clear_output(self, wait=False):
        self.shell.collector.clear(wait)


class _NotebookDisplayHook(DisplayHook):
    """Turns the value of a cell's last expression into an ``execute_result`` output.

    The base class decides whether there is anything to show (not ``None``, no trailing ``;``)
    and fills ``_``, ``_N`` and ``Out``; this subclass only replaces printing with recording.
    """

    def write_output_prompt(self):
        pass

    def write_format_data(self, format_dict, md_dict=None):
        self.shell.collector.result(self.prompt_count, format_dict, md_dict or {})

    def finish_displayhook(self):
        self._is_active = False


def _discard_page(*args, **kwargs) -> None:
    """Drop pager content (``obj?``): a kernel sends it as a payload that nbclient ignores."""


class NotebookShell(InteractiveShell):
    """An ``InteractiveShell`` whose output goes to the notebook instead of the terminal."""

    displayhook_class = Type(_NotebookDisplayHook)
    display_pub_class = Type(_NotebookDisplayPublisher)

    # pandas, imported for the first time in a notebook, chooses the display defaults of a
    # notebook (at most 20 columns shown) when ``hasattr(get_ipython(), "kernel")``.
    kernel = None

    def __init__(self, *args, **kwargs):
        # Set before the base class builds the display publisher and hook, which use it.
        self.collector: Collector | None = None
        self.error_in_displayhook = False
        super().__init__(*args, **kwargs)
        self.set_hook("show_in_pager", page.as_hook(_discard_page), 99)

    def init_virtualenv(self):
        # As ipykernel does: the interpreter is the environment, sys.path stays as it is.
        pass

    def enable_gui(self, gui=None):
        if gui not in (None, "inline"):
            raise UsageError(f"Notebooks run without a screen here: the '{gui}' event loop is "
                             "not available, use the inline backend.")
        self.active_eventloop = gui

    def run_cell(self, *args, **kwargs):
        self.error_in_displayhook = False
        return super().run_cell(*args, **kwargs)

    def _showtraceback(self, etype, evalue, stb):
        # As ipykernel: an error raised while formatting the result fails the cell too.
        if self.displayhook.is_active:
            self.error_in_displayhook = True
        self.collector.error(str(etype.__name__), str(evalue), stb)
        self._last_traceback = stb
