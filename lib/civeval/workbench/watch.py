"""Live preview: ``civeval watch <study>`` rebuilds a study's report each time one of its files
is saved, and the open page reloads itself.

The watching process stays up between builds, so the libraries the sections need are
imported once (the runner's fork pool forks its children from it, warm); each build is an
incremental run (:mod:`civeval.workbench.incremental`), so that saving one dataset re-runs
only the sections that read it, and those that require them, and the main report's HTML
page: its PDF and Word are not printed (seconds of a browser), the page says so, and the
next ``civeval run`` prints them. A section's page is shown as soon as it is rendered,
before the main report, which reads every section's figures, is rebuilt. Between builds, the
watching process parses the study's datasets (:func:`read_ahead`), so that the sections of
the next build find parsed all but the file just saved. The files watched are the study's
folder, the templates (``notebooks/``) and the shared reference data (``data/reference/``),
by modification time and size, :data:`POLL_SECONDS` apart.

The report is served by :mod:`civeval.workbench.preview` on 127.0.0.1. A save that breaks
``study.yml``, a deleted dataset, any problem ``civeval validate`` would report, is printed
in the terminal and shown over the page in the same words, and the last good report stays
in place until the next good save; a section that raises is reported the same way, its
study's status page saying where. Ctrl-C stops the server and any section running.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
import webbrowser
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from civeval.errors import CivevalError
from civeval.workbench import atomic
from civeval.workbench.locks import StudyLock
from civeval.workbench.paths import display_path, project_root, reports_dir
from civeval.workbench.preview import write_status

if TYPE_CHECKING:
    from civeval.workbench.render import Renderer
    from civeval.workbench.runner import PageHook

POLL_SECONDS = 0.1
WATCH_FOLDER = ".watch"  # in the reports folder: the state the open pages ask for


def watched_files(study_folder: Path) -> dict[Path, tuple[int, int]]:
    """Modification time and size of every file a build of the study may read."""
    root = project_root()
    folders = [study_folder, root / "notebooks", root / "data" / "reference"]
    found = {}
    for folder in folders:
        for path in folder.rglob("*"):
            try:
                stat = path.stat()
            except OSError:  # removed while listed: the next look sees it gone
                continue
            if path.is_file() and ".ipynb_checkpoints" not in path.parts:
                found[path] = (stat.st_mtime_ns, stat.st_size)
    return found


class _Status:
    """What the open pages are told (:func:`civeval.workbench.preview.write_status`): the
    number of the last build, its error and notice, and the section pages published while a
    build runs, each of which reloads at once, the others at the end of the build."""

    def __init__(self, status_file: Path) -> None:
        self.file, self.build, self.error, self.notice = status_file, 0, None, None
        self.pages: dict[str, str] = {}  # those published during the last build
        self.published: dict[str, str] = {}  # during this one
        self._write(self.pages)

    def publish(self, slug: str, page: Path) -> None:
        """Put a section page rendered in the staging folder in place of the one served."""
        served = reports_dir() / slug / page.name
        if not served.parent.is_dir():  # a first report: the swap publishes it whole
            return
        atomic.write_bytes(served, page.read_bytes())
        self.published[f"/{slug}/{page.name}"] = f"{self.build + 1}.{len(self.published) + 1}"
        self._write({**self.pages, **self.published})

    def end_build(self, error: str | None, notice: str | None) -> None:
        self.build, self.error, self.notice = self.build + 1, error, notice
        # A page published during the build is as the swap left it: it need not reload.
        self.pages, self.published = self.published, {}
        self._write(self.pages)

    def _write(self, pages: dict[str, str]) -> None:
        write_status(self.file, self.build, self.error, self.notice, pages)


def build(reference: str, console: Console, renderer: Renderer | None = None,
          on_page: PageHook | None = None) -> tuple[str | None, str | None]:
    """Plan and run the study's stale sections, printing no PDF; the error text to show,
    or None, and the notice when the report's PDF waits for ``civeval run``.

    A problem that stops planning is printed as ``civeval validate`` prints it, and the
    last report is left as it was. Pass the same ``renderer`` to every build of a process:
    it is rehearsed once (:mod:`civeval.workbench.rehearsal`); ``on_page`` is told of each
    section page as soon as it is rendered (see :func:`civeval.workbench.runner.run`).
    """
    from civeval.workbench.records import error_text, status_table
    from civeval.workbench.runner import plan_study, run

    try:
        plan = plan_study(reference, force=False, print_deliverables=False)
    except CivevalError as error:
        message = f"civeval: error: {error}"
        print(message, file=sys.stderr, flush=True)
        return message, None
    for warning in plan.warnings:
        print(f"civeval: warning: {warning}", file=sys.stderr)
    slug = plan.study.slug
    if not plan.stale:
        console.print(f"{slug}: up to date")
        return None, _unprinted_notice(slug, (plan.previous or {}).get("sections", []))
    with StudyLock(slug):
        [result] = run([plan], console=console, show_progress=False, renderer=renderer,
                       on_page=on_page, keep_warm=True)
    console.print(status_table([result]))
    failed = [f"{section.template}: {error_text(section.error) or section.status}"
              for section in result.sections if section.status in ("failed", "blocked")]
    if result.error:
        failed.insert(0, result.error)
    error = "\n".join(f"civeval: error: study {slug!r}: {line}" for line in failed) or None
    return error, _unprinted_notice(slug, [vars(section) for section in result.sections])


def read_ahead(reference: str) -> None:
    """Parse every dataset of the study in this process, while the analyst edits: the
    sections of the next build, forked from it, find them parsed (:func:`formats.read
    <civeval.workbench.formats.read>` keeps them by content) and re-parse only the file
    that was saved. A dataset that cannot be read is left for the build to report."""
    from civeval.workbench.study import load_study

    try:
        study = load_study(reference)
    except CivevalError:
        return
    for name in study.config.data:
        with contextlib.suppress(Exception):  # any reader's error: the build reports it
            study.load(name)


def _unprinted_notice(slug: str, sections: list[dict]) -> str | None:
    """What the page says when its PDF and Word were left out: where to get them."""
    if not any(section.get("unprinted") for section in sections):
        return None
    return f"preview: PDF and Word not printed; `civeval run {slug}` prints them"


def watch(reference: str, port: int = 0, open_browser: bool = False,
          console: Console | None = None) -> None:
    """Serve the study's report on 127.0.0.1 and rebuild it whenever a file is saved, until
    interrupted (Ctrl-C: ``KeyboardInterrupt``).

    Parameters
    ----------
    reference : str
        The study's slug or folder.
    port : int
        The server's port; 0 takes any free one.
    open_browser : bool
        Open the report in the default browser once the first build is done.
    """
    from civeval.workbench.render import Renderer
    from civeval.workbench.study import find_study_dir

    console, renderer = console or Console(stderr=True), Renderer()
    folder = find_study_dir(reference)
    status_file = reports_dir() / WATCH_FOLDER / f"{folder.name}.json"
    status_file.parent.mkdir(parents=True, exist_ok=True)
    status = _Status(status_file)
    server = subprocess.Popen(
        [sys.executable, "-m", "civeval.workbench.preview", str(reports_dir()),
         str(status_file), str(port)], stdout=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{server.stdout.readline().strip()}/{folder.name}/index.html"
        print(f"watching {display_path(folder)}, notebooks/ and data/reference/: {url} "
              "(Ctrl-C to stop)", flush=True)
        seen = None
        while True:
            files = watched_files(folder)
            if files != seen:
                seen = files
                status.end_build(*build(reference, console, renderer, status.publish))
                print(f"build {status.build} done: {url}", flush=True)
                if status.build == 1 and open_browser:
                    webbrowser.open(url)
                read_ahead(reference)
            time.sleep(POLL_SECONDS)
    finally:
        server.terminate()
        try:
            server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
