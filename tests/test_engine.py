"""The in-process papermill engine gives a kernel's outputs and leaves the process as found."""

from __future__ import annotations

import base64
import builtins
import io
import os
import signal
import subprocess
import sys
import time

import matplotlib
import nbformat
import papermill
import pytest
from IPython.core.interactiveshell import InteractiveShell
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from papermill.exceptions import PapermillExecutionError

from civeval.workbench import engine

KERNELSPEC = {"name": "python3", "language": "python", "display_name": "Python 3"}


def notebook(*sources: str, parameters: str = "n = 1") -> nbformat.NotebookNode:
    """A markdown cell, a ``parameters`` cell, then one code cell per source."""
    nb = new_notebook(metadata={"kernelspec": dict(KERNELSPEC)})
    tagged = new_code_cell(parameters)
    tagged.metadata["tags"] = ["parameters"]
    nb.cells = [new_markdown_cell("# A test notebook"), tagged,
                *(new_code_cell(source) for source in sources)]
    return nb


def execute(tmp_path, nb, name="notebook", engine_name="civeval", parameters=None, **kwargs):
    """Execute ``nb`` with papermill; return the notebook written to disk.

    Papermill injects a cell after the ``parameters`` one: the cells given to :func:`notebook`
    start at index 3.
    """
    source, target = tmp_path / f"{name}.ipynb", tmp_path / f"{name}.out.ipynb"
    nbformat.write(nb, source)
    papermill.execute_notebook(str(source), str(target), parameters=parameters or {"n": 2},
                               engine_name=engine_name, kernel_name="python3",
                               progress_bar=False, **kwargs)
    return nbformat.read(target, as_version=4)


def failing(tmp_path, nb, name="notebook", **kwargs):
    """Execute ``nb``, which must fail; return papermill's error and the written notebook."""
    with pytest.raises(PapermillExecutionError) as raised:
        execute(tmp_path, nb, name, **kwargs)
    return raised.value, nbformat.read(tmp_path / f"{name}.out.ipynb", as_version=4)


def code_cells(nb):
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def last(nb):
    return code_cells(nb)[-1]


def kinds(cell):
    return [output.output_type for output in cell.outputs]


def test_injected_parameters_are_used(tmp_path):
    nb = notebook("print(n * 2)")
    done = execute(tmp_path, nb, parameters={"n": 21})
    injected = [cell for cell in done.cells
                if "injected-parameters" in cell.metadata.get("tags", [])]
    assert len(injected) == 1 and "n = 21" in injected[0].source
    assert last(done).outputs[0].text == "42\n"
    markdown = done.cells[0]
    assert markdown.cell_type == "markdown" and "outputs" not in markdown
    assert done.metadata.language_info.name == "python"


def test_outputs_are_collected_in_order_with_their_mime_bundles(tmp_path):
    done = execute(tmp_path, notebook(
        "import sys\n"
        "import pandas as pd\n"
        "from IPython.display import HTML\n"
        "print('one')\n"
        "print('two')\n"
        "display(HTML('<b>bold</b>'))\n"
        "print('oops', file=sys.stderr)\n"
        "print('three')\n"
        "frame = pd.DataFrame({'a': [1, 2]})\n"
        "display(frame)\n"
        "frame"))
    cell = last(done)
    assert kinds(cell) == ["stream", "display_data", "stream", "stream", "display_data",
                           "execute_result"]
    out, html, err, out_again, table, result = cell.outputs
    assert (out.name, out.text) == ("stdout", "one\ntwo\n")
    assert html.data["text/html"] == "<b>bold</b>"
    assert (err.name, err.text) == ("stderr", "oops\n")
    assert (out_again.name, out_again.text) == ("stdout", "three\n")
    assert "<table" in table.data["text/html"] and "text/plain" in table.data
    assert "<table" in result.data["text/html"]
    # The parameters cell is In [1], the injected parameters In [2].
    assert result.execution_count == cell.execution_count == 3


def test_display_needs_no_import_and_results_follow_jupyter_rules(tmp_path):
    done = execute(tmp_path, notebook("display({'a': 1})", "1 + 1;", "None", "x = 2", "x * 3"))
    shown, quiet, nothing, assignment, result = code_cells(done)[2:]
    assert kinds(shown) == ["display_data"]
    assert shown.outputs[0].data["text/plain"] == "{'a': 1}"
    assert quiet.outputs == nothing.outputs == assignment.outputs == []
    assert kinds(result) == ["execute_result"]
    assert result.outputs[0].data["text/plain"] == "6"
    assert result.outputs[0].execution_count == result.execution_count == 7


def test_a_figure_left_open_is_shown_and_a_closed_one_is_not(tmp_path):
    done = execute(tmp_path, notebook(
        "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nax.plot([1, 3, 2]);",
        "fig, ax = plt.subplots()\nax.plot([1, 2])\nplt.close(fig)"))
    shown, closed = code_cells(done)[2:]
    assert kinds(shown) == ["display_data"]
    png = base64.b64decode(shown.outputs[0].data["image/png"])
    assert png.startswith(b"\x89PNG")
    assert closed.outputs == []


def test_an_error_stops_the_notebook_and_papermill_reports_it(tmp_path):
    error, done = failing(tmp_path, notebook(
        "print('before')", "def check():\n    raise ValueError('bad value')\ncheck()",
        "print('after')"))
    assert (error.ename, error.evalue) == ("ValueError", "bad value")
    before, raising, after = code_cells(done)[-3:]
    assert before.outputs[0].text == "before\n"
    assert kinds(raising) == ["error"]
    assert raising.metadata.papermill.status == "failed"
    assert any("check()" in line for line in raising.outputs[0].traceback)
    assert after.outputs == [] and after.execution_count is None


def test_an_error_while_formatting_the_result_stops_the_notebook_as_in_a_kernel(tmp_path):
    error, done = failing(tmp_path, notebook(
        "class Broken:\n    def _repr_html_(self):\n        raise RuntimeError('no html')\n"
        "Broken()", "print('after')"))
    assert (error.ename, error.evalue) == ("RuntimeError", "no html")
    broken, after = code_cells(done)[-2:]
    # The plain text representation is still shown, after the formatter's error.
    assert kinds(broken) == ["error", "execute_result"]
    assert after.outputs == []


def test_a_syntax_error_is_an_error_output(tmp_path):
    error, done = failing(tmp_path, notebook("1 +", "print('after')"))
    assert error.ename == "SyntaxError"
    assert kinds(code_cells(done)[-2]) == ["error"]
    assert code_cells(done)[-1].outputs == []


def test_a_cell_over_the_timeout_is_interrupted(tmp_path):
    alarm_handler = signal.getsignal(signal.SIGALRM)
    started = time.monotonic()
    # The notebook's own ``except Exception`` does not catch the interruption.
    error, done = failing(tmp_path, notebook(
        "import time\ntry:\n    time.sleep(5)\nexcept Exception:\n    print('swallowed')",
        "print('after')"), execution_timeout=1)
    assert time.monotonic() - started < 4
    assert error.ename == "CellTimeoutError"
    assert "Cell 4" in error.evalue and "timeout of 1 s" in error.evalue
    slow, after = code_cells(done)[-2:]
    assert kinds(slow) == ["error"]
    assert not any("engine.py" in line for line in slow.outputs[0].traceback)
    assert after.outputs == []
    assert signal.getsignal(signal.SIGALRM) is alarm_handler
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_a_timeout_outside_the_cells_code_is_reported_too(tmp_path):
    # A slow post_execute callback (as drawing a heavy figure is) runs after the cell's code,
    # where IPython lets the interruption through.
    error, done = failing(tmp_path, notebook(
        "import time\nget_ipython().events.register('post_execute', lambda: time.sleep(5))",
        "print('after')"), execution_timeout=1)
    assert error.ename == "CellTimeoutError" and "timeout of 1 s" in error.evalue
    assert kinds(code_cells(done)[-2]) == ["error"]
    assert code_cells(done)[-1].outputs == []
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_a_second_notebook_starts_afresh_and_the_process_is_left_as_found(tmp_path):
    state = (sys.stdout, sys.stderr, sys.displayhook, sys.excepthook, sys.modules["__main__"],
             "display" in builtins.__dict__, os.getcwd(), list(sys.path),
             matplotlib.is_interactive(), InteractiveShell.initialized())
    execute(tmp_path, notebook("secret = 42\nimport os\nos.chdir('/')"), name="first")
    done = execute(tmp_path, notebook(
        "print('secret' in dir())",
        "import matplotlib.pyplot as plt\nplt.plot([1, 2]);"), name="second")
    seen, figure = code_cells(done)[-2:]
    assert seen.outputs[0].text == "False\n"
    assert kinds(figure) == ["display_data"] and "image/png" in figure.outputs[0].data
    assert (sys.stdout, sys.stderr, sys.displayhook, sys.excepthook, sys.modules["__main__"],
            "display" in builtins.__dict__, os.getcwd(), list(sys.path),
            matplotlib.is_interactive(), InteractiveShell.initialized()) == state


def test_state_left_by_an_earlier_shell_is_set_aside_then_restored(tmp_path, monkeypatch):
    # As when the engine runs inside a kernel, whose shell already enabled inline figures.
    from matplotlib_inline.backend_inline import configure_inline_support

    earlier = object()
    monkeypatch.setattr(InteractiveShell, "_instance", earlier)
    monkeypatch.setattr(configure_inline_support, "current_backend", "inline", raising=False)
    done = execute(tmp_path, notebook("import matplotlib.pyplot as plt\nplt.plot([1, 2]);"))
    assert "image/png" in last(done).outputs[0].data
    assert InteractiveShell._instance is earlier
    assert configure_inline_support.current_backend == "inline"


def test_a_chdir_holds_for_the_next_cells(tmp_path):
    (tmp_path / "inner").mkdir()
    done = execute(tmp_path, notebook("import os\nos.chdir('inner')",
                                      "print(os.path.basename(os.getcwd()))"),
                   cwd=str(tmp_path))
    assert last(done).outputs[0].text == "inner\n"


def test_on_cell_start_is_called_before_each_code_cell(tmp_path, monkeypatch):
    started = []
    monkeypatch.setattr(engine, "on_cell_start", started.append)
    nb = notebook("x = 1", "   ")
    nb.cells.insert(2, new_markdown_cell("Between"))
    execute(tmp_path, nb)
    # Markdown, the injected parameters at 2, markdown, then the empty cell is not executed.
    assert started == [1, 2, 4]


def test_updates_clears_input_and_stdout_file(tmp_path):
    copy = io.StringIO()
    done = execute(tmp_path, notebook(
        "handle = display('first', display_id=True)",
        "handle.update('second')",
        "from IPython.display import clear_output\nprint('gone')\nclear_output(wait=True)\n"
        "print('kept')",
        "try:\n    input('? ')\nexcept Exception as error:\n    print(type(error).__name__)"),
        stdout_file=copy)
    shown, update, cleared, asked = code_cells(done)[-4:]
    assert shown.outputs[0].data["text/plain"] == "'second'"
    assert update.outputs == []
    assert [output.text for output in cleared.outputs] == ["kept\n"]
    assert asked.outputs[0].text == "StdinNotImplementedError\n"
    assert "kept\n" in copy.getvalue() and "gone" not in copy.getvalue()


EQUIVALENCE = (
    "import matplotlib.pyplot as plt\nimport numpy as np\nimport pandas as pd\n"
    "from IPython.display import HTML\nprint('hello', n)",
    "display(HTML('<p>A <em>report</em></p>'))\nprint('between')\n"
    "pd.DataFrame({'commune': ['Rennes', 'Brest'], 'votes': [1200, 800]})",
    "pd.DataFrame(np.arange(60).reshape(2, 30))",
    "fig, ax = plt.subplots()\n_ = ax.bar(['a', 'b'], [3, 5])",
    "print('done')\n{'n': n}",
    "def fail():\n    raise KeyError('missing')\nfail()",
)


@pytest.mark.slow
def test_the_outputs_are_those_of_a_real_kernel(tmp_path, monkeypatch):
    # As a user's kernel starts: a batch run earlier in this process set MPLBACKEND=Agg for
    # its children, which would keep the kernel from showing figures inline.
    monkeypatch.delenv("MPLBACKEND", raising=False)
    nb = notebook(*EQUIVALENCE)
    options = {"parameters": {"n": 7}, "extra_arguments": ["--IPKernelApp.log_level=ERROR"]}
    kernel_error, by_kernel = failing(tmp_path, nb, "kernel", engine_name=None, **options)
    engine_error, in_process = failing(tmp_path, nb, "engine", **options)
    assert (engine_error.ename, engine_error.evalue) == (kernel_error.ename, kernel_error.evalue)
    assert len(by_kernel.cells) == len(in_process.cells)
    for expected, cell in zip(code_cells(by_kernel), code_cells(in_process), strict=True):
        assert cell.execution_count == expected.execution_count
        assert kinds(cell) == kinds(expected), cell.source
        for want, got in zip(expected.outputs, cell.outputs, strict=True):
            if want.output_type == "stream":
                assert (got.name, got.text) == (want.name, want.text)
            elif want.output_type == "error":
                assert (got.ename, got.evalue, got.traceback) == (
                    want.ename, want.evalue, want.traceback)
            else:
                assert got.data.keys() == want.data.keys(), cell.source
                for mime in ("text/html", "text/plain"):
                    assert got.data.get(mime) == want.data.get(mime), (cell.source, mime)
                assert got.get("execution_count") == want.get("execution_count")
    figure = code_cells(in_process)[-3]
    assert "image/png" in figure.outputs[0].data


def test_the_engine_module_can_be_imported_before_papermill():
    # papermill loads its registered engines when first imported: the entry point must
    # not be the module that imports papermill, or importing that module first fails.
    code = "import civeval.workbench.engine, papermill; print(papermill.engines.papermill_engines" \
           ".get_engine('civeval').execute_notebook.__qualname__)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Engine.execute_notebook"


def test_a_renderer_is_rehearsed_once(monkeypatch):
    import papermill

    from civeval.workbench.rehearsal import rehearse
    from civeval.workbench.render import Renderer

    executions = []
    execute_notebook = papermill.execute_notebook
    monkeypatch.setattr(papermill, "execute_notebook",
                        lambda *args, **kwargs: executions.append(args)
                        or execute_notebook(*args, **kwargs))
    renderer = Renderer()
    rehearse(renderer)
    rehearse(renderer)  # civeval watch: one renderer for every build
    assert len(executions) == 1
    rehearse(Renderer())
    assert len(executions) == 2


def test_a_rehearsal_leaves_the_warm_parent_as_found_and_its_children_render_the_same(
        tmp_path):
    import threading

    import matplotlib.pyplot as plt

    from civeval.presentation import fmt
    from civeval.workbench.rehearsal import rehearse
    from civeval.workbench.render import Renderer

    page = notebook("from civeval.presentation import fmt, report\n"
                    "display(report.text('{n} réponses', n=fmt.number(1234)))")
    done = execute(tmp_path, page, name="before")
    before = Renderer()
    before.section(done, tmp_path / "before.html", title="T", language="fr",
                   context={"client": "C", "facts": [], "provenance": ""})
    state = (sys.stdout, sys.stderr, sys.displayhook, sys.modules["__main__"], os.getcwd(),
             list(sys.path), InteractiveShell.initialized(), threading.active_count())

    renderer = Renderer()
    rehearse(renderer)

    # Nothing a fork would copy into every child: no thread, no figure, no shell, no file.
    assert (sys.stdout, sys.stderr, sys.displayhook, sys.modules["__main__"], os.getcwd(),
            list(sys.path), InteractiveShell.initialized(),
            threading.active_count()) == state
    assert plt.get_fignums() == []
    renderer.section(execute(tmp_path, page, name="after"), tmp_path / "after.html",
                     title="T", language="fr",
                     context={"client": "C", "facts": [], "provenance": ""})
    assert (tmp_path / "after.html").read_text() == (tmp_path / "before.html").read_text()
    assert f"{fmt.number(1234)} réponses" in (tmp_path / "after.html").read_text()
