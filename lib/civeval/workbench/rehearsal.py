"""A rehearsal: one small section executed and rendered by a warm parent before it forks.

The first section a process executes and renders costs what the next ones do not: nbconvert
compiles its Jinja templates and its filters their regular expressions, matplotlib loads
its fonts and lays out its first figure, IPython builds its first shell, papermill and
nbformat compile the notebook schema. Imports alone leave all of that to every forked
child. Rehearsed once in the parent, with the renderer the children use, it is done for all
of them (see :mod:`civeval.workbench.workers`).
"""

from __future__ import annotations

import tempfile
import weakref
from pathlib import Path

import nbformat

from civeval.workbench.render import Renderer

__all__ = ["rehearse"]

_REHEARSED: weakref.WeakSet[Renderer] = weakref.WeakSet()

# What report sections do most: a heading, a figure, a table, a sentence, a markdown cell.
_CELLS = (
    nbformat.v4.new_markdown_cell("# Répétition\n\nUne section *courte*."),
    nbformat.v4.new_code_cell("label = 'Répétition'", metadata={"tags": ["parameters"]}),
    nbformat.v4.new_code_cell(
        "import matplotlib.pyplot as plt\n"
        "import pandas as pd\n"
        "from civeval.presentation import report\n"
        "report.heading(label)\n"
        "fig, axis = plt.subplots(figsize=(4, 2))\n"
        "axis.barh([0, 1], [0.4, 0.6], label='part')\n"
        "axis.legend()\n"
        "fig.tight_layout()\n"
        "display(report.figure(fig, title=label, alt=label, source=label))\n"
        "display(report.table(pd.DataFrame({'quartier': ['Centre'], 'part': [0.5]}), label,\n"
        "                     kinds={'part': 'percent'}))\n"
        "display(report.text('{n} réponses', n=12))"),
)


def rehearse(renderer: Renderer, language: str = "fr") -> None:
    """Execute a small section with papermill's ``civeval`` engine and render it with
    ``renderer``, in a scratch folder that is removed; nothing else is left. A renderer
    is rehearsed once: again, this does nothing.

    Examples
    --------
    >>> rehearse(Renderer())
    """
    if renderer in _REHEARSED:
        return
    import papermill

    with tempfile.TemporaryDirectory(prefix="civeval-rehearsal-") as scratch:
        source, executed = Path(scratch) / "rehearsal.ipynb", Path(scratch) / "executed.ipynb"
        notebook = nbformat.v4.new_notebook(cells=list(_CELLS))
        notebook.metadata["kernelspec"] = {"name": "python3", "language": "python",
                                           "display_name": "Python 3"}
        nbformat.write(notebook, source)
        papermill.execute_notebook(str(source), str(executed), parameters={"label": "Essai"},
                                   engine_name="civeval", kernel_name="python3",
                                   language="python", progress_bar=False, log_output=False,
                                   cwd=scratch)
        renderer.section(nbformat.read(executed, as_version=4), Path(scratch) / "page.html",
                         title="Répétition", context={"client": "Essai", "facts": [],
                                                      "provenance": ""}, language=language)
    _REHEARSED.add(renderer)
