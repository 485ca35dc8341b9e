"""The ``civeval`` command: new, validate, run, watch, demo, instrument, lab.

User errors (a bad ``study.yml``, a dataset that does not parse, an unknown parameter) print
one message and exit with status 2, without a traceback. ``run`` exits 1 when a study failed.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import gc
import json
import os
import re
import signal
import subprocess
import sys
import threading
from importlib import resources
from pathlib import Path
from typing import NoReturn

from civeval import __version__
from civeval.errors import CivevalError, combine
from civeval.workbench import atomic, exports, serve
from civeval.workbench.locks import StudyLock
from civeval.workbench.paths import (
    MAX_SLUG,
    STUDY_FILE,
    display_path,
    list_studies,
    project_root,
    reports_dir,
    studies_dir,
)

JUPYTEXT_DEFAULT_VIEWER = {
    "@jupyterlab/docmanager-extension:plugin": {"defaultViewers": {"python": "Jupytext Notebook"}}
}


def _studies(args) -> list[str]:
    if args.all and args.studies:
        raise CivevalError("give study names or --all, not both")
    if args.all:
        found = list_studies()
        if not found:
            raise CivevalError(f"no study in {display_path(studies_dir())}/")
        return found
    if not args.studies:
        raise CivevalError("name at least one study, or use --all")
    return args.studies


def cmd_new(args) -> int:
    slug = args.slug
    if not re.match(r"^[a-z0-9][a-z0-9-]*$", slug) or len(slug) > MAX_SLUG:
        raise CivevalError(f"study name {slug[:MAX_SLUG]!r}{'…' if len(slug) > MAX_SLUG else ''} "
                           f"must be lower-case letters, digits and dashes, at most {MAX_SLUG} "
                           "characters (for example ville-de-rennes-2026)")
    folder = studies_dir() / slug
    if folder.exists():
        raise CivevalError(f"{display_path(folder)} already exists")
    skeleton = resources.files("civeval.workbench").joinpath("study.yml.template")
    text = skeleton.read_text("utf-8").replace("{slug}", slug)
    (folder / "data").mkdir(parents=True)
    atomic.write_text(folder / STUDY_FILE, text)
    from civeval.workbench.study import load_study

    load_study(folder)  # the skeleton must itself be valid
    print(f"created {display_path(folder / STUDY_FILE)}: edit it, add data under "
          f"{display_path(folder / 'data')}/, then `civeval run {slug}`")
    return 0


def cmd_validate(args) -> int:
    from civeval.workbench.runner import plan

    blocked = False
    for item in plan(_studies(args)):
        _warn(item.warnings)
        for failure in item.failures:
            state = "blocks the client report" if failure in item.blocked else "acknowledged"
            print(f"civeval: check: study {item.study.slug!r}: {failure} ({state})",
                  file=sys.stderr)
        blocked |= bool(item.blocked)
        sections = ", ".join(component.id for _, component in item.steps)
        print(f"{'blocked' if item.blocked else 'ok'}  {item.study.slug}: "
              f"{len(item.study.datasets())} dataset(s), sections {sections}")
    # Data a client must not read a conclusion from: as bad as input that does not parse.
    return 2 if blocked else 0


def _warn(warnings: list[str]) -> None:
    for warning in warnings:
        print(f"civeval: warning: {warning}", file=sys.stderr)


def cmd_run(args) -> int:
    if (status := serve.hand_over(args.argv)) is not None:  # a warm `civeval serve` ran it
        return status
    # Until the runner forks its first section, what this process builds (the modules and the
    # rehearsal its children inherit, the plans) stays for its whole life: the collector would
    # only walk that growing heap again and again, a tenth of the start-up. The runner resumes
    # it then (runner._run_sections).
    gc.disable()
    try:
        return _run(args)
    finally:
        gc.enable()


def _run(args) -> int:
    from rich.console import Console

    from civeval.workbench import incremental
    from civeval.workbench.records import UP_TO_DATE, StudyResult, status_table

    console = Console()
    studies = _studies(args)
    # Studies whose last run still holds are settled without loading them (or papermill).
    fresh = {} if args.force else {
        reference: record for reference in studies
        if (record := incremental.unchanged_since_last_run(reference, reports_dir()))}
    if len(fresh) < len(studies):  # the others' new figures may change these benchmarks
        fresh = {reference: record for reference, record in fresh.items()
                 if not incremental.reads_portfolio(record)}
    results = {reference: StudyResult.up_to_date(record) for reference, record in fresh.items()}
    others = [reference for reference in studies if reference not in fresh]
    invalid = []
    with contextlib.ExitStack() as locks:
        if others:
            from civeval.workbench.runner import check_writable, plan_study, run

            # A batch runs the studies that are valid and reports the others.
            plans = []
            for reference in list(others):
                try:
                    plans.append(plan_study(reference, force=args.force))
                except CivevalError as error:
                    invalid.append(error)
                    others.remove(reference)
            if invalid and not plans and not fresh:
                raise combine(invalid)
            if plans:
                check_writable(reports_dir())
            # Every study planned, up to date or not: its benchmark may run again once its
            # peers have. On a cluster too, this process writes the reports.
            for plan, reference in list(zip(plans, others, strict=True)):
                try:
                    locks.enter_context(StudyLock(plan.study.slug))
                except CivevalError as error:
                    invalid.append(error)
                    plans.remove(plan)
                    others.remove(reference)
            for item in plans:
                _warn(item.warnings)
                for failure in item.blocked:
                    print(f"civeval: check: study {item.study.slug!r}: {failure} (the client "
                          "report is not produced until it is fixed or acknowledged)",
                          file=sys.stderr)
            ran = run(plans, timeout=args.timeout, show_progress=not args.no_progress,
                      jobs=args.jobs, scheduler=args.scheduler, force=args.force,
                      connect_timeout=args.connect_timeout, engine=args.engine)
            results.update(zip(others, ran, strict=True))
    results = [results[reference] for reference in studies if reference in results]
    console.print(status_table(results))
    failed = [r.slug for r in results if r.status not in ("success", UP_TO_DATE)]
    if failed:
        console.print(f"[bold red]{len(failed)} study(ies) failed:[/] {', '.join(failed)}")
    for problem in invalid:  # the others ran; these could not start
        print(f"civeval: error: {problem}", file=sys.stderr)
    serve.start_for_next_runs(whole_project=args.all)
    # Printed whole, never wrapped: users copy this path into their browser.
    print(f"reports: {reports_dir() / 'index.html'}")
    return 2 if invalid else 1 if failed else 0


def default_to_notebook_view() -> Path:
    """Make JupyterLab open the ``py:percent`` templates as notebooks, in this environment."""
    target = Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    settings = json.loads(target.read_text(encoding="utf-8")) if target.is_file() else {}
    for plugin, values in JUPYTEXT_DEFAULT_VIEWER.items():
        settings.setdefault(plugin, {}).setdefault("defaultViewers", {}).update(
            values["defaultViewers"])
    atomic.write_text(target, json.dumps(settings, indent=2))
    return target


def lab_command(port: int | None, open_browser: bool) -> list[str]:
    command = [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={project_root()}"]
    if port:
        command.append(f"--port={port}")
    if not open_browser:
        command.append("--no-browser")
    euid = getattr(os, "geteuid", None)  # POSIX only
    if euid is not None and euid() == 0:  # containers and CI run as root; Jupyter refuses
        command.append("--allow-root")
    return command


def cmd_demo(args) -> int:
    """What ``make demo`` does once the environment is installed, on any OS: every study of
    the project run, the path of ``reports/index.html`` printed last."""
    from civeval.workbench import browser

    if browser.find() is None:
        print(f"civeval: warning: {browser.MISSING}; the reports come without their PDF",
              file=sys.stderr)
    return cmd_run(args)


def cmd_instrument(args) -> int:
    from civeval.instruments.write import write_instruments
    from civeval.workbench.study import load_study

    study = load_study(args.study)
    with StudyLock(study.slug):
        written = write_instruments(study, pdf=not args.no_pdf)
    _warn(written.notes)
    print(f"wrote {len(written.files)} file(s) to {display_path(written.folder)}/: "
          f"{', '.join(written.files)}")
    return 0


def cmd_watch(args) -> int:
    from civeval.workbench.watch import watch

    watch(args.study, port=args.port, open_browser=not args.no_browser)
    return 0


def cmd_serve(args) -> int:
    return serve.stop() if args.stop else serve.serve(idle=args.idle)


def cmd_lab(args) -> int:
    default_to_notebook_view()
    command = lab_command(args.port, not args.no_browser)
    if args.dry_run:
        print(" ".join(command))
        return 0
    env = {**os.environ, "CIVEVAL_ROOT": str(project_root())}
    return subprocess.call(command, env=env)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _minutes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of minutes, not {text}") from None
    if not value > 0:  # not NaN either
        raise argparse.ArgumentTypeError(f"must be more than 0 minutes, not {text}")
    return value


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="civeval",
        description="Evaluate citizen-participation schemes: one French report per study.")
    main.add_argument("--version", action="version", version=f"civeval {__version__}")
    commands = main.add_subparsers(dest="command", required=True)

    new = commands.add_parser("new", help="scaffold studies/<slug>/ with a commented study.yml")
    new.add_argument("slug", help="folder name of the study, e.g. ville-de-rennes-2026")
    new.set_defaults(handler=cmd_new)

    for name, handler, text in (("validate", cmd_validate, "check studies without running them"),
                                ("run", cmd_run, "execute and render the studies' reports")):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("studies", nargs="*", help="study slugs or folders")
        sub.add_argument("--all", action="store_true", help="every study under studies/")
        sub.set_defaults(handler=handler)
        if name == "run":
            sub.add_argument("--timeout", type=_positive, default=None,
                             help="seconds a cell may run (default: the study's cell_timeout)")
            sub.add_argument("--no-progress", action="store_true", help="hide the progress bar")
            sub.add_argument("--jobs", "-j", type=_positive, default=None,
                             help="sections run at once (default: the number of cores)")
            sub.add_argument("--force", action="store_true",
                             help="re-run every section, even those up to date")
            sub.add_argument("--scheduler", metavar="ADDRESS", default=None,
                             help="run the sections on this Dask cluster (tcp://host:8786); "
                                  "its workers must see the project folder")
            sub.add_argument("--connect-timeout", type=_positive, default=10, metavar="SECONDS",
                             help="how long to wait for the scheduler and a first worker")
            _engine_options(sub)

    demo = commands.add_parser("demo", help="run every study of the project (the demo batch "
                                            "on a fresh clone), as `make demo` does")
    demo.add_argument("--jobs", "-j", type=_positive, default=None,
                      help="sections run at once (default: the number of cores)")
    demo.add_argument("--force", action="store_true",
                      help="re-run every section, even those up to date")
    demo.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    _engine_options(demo)
    demo.set_defaults(handler=cmd_demo, studies=[], all=True, timeout=None, scheduler=None,
                      connect_timeout=10)

    instrument = commands.add_parser(
        "instrument", help="write a study's questionnaire, interview guides, workshop protocol "
                           "and observation grid from the question bank")
    instrument.add_argument("study", help="study slug or folder")
    instrument.add_argument("--no-pdf", action="store_true", help="HTML and Word only")
    instrument.set_defaults(handler=cmd_instrument)

    watched = commands.add_parser("watch", help="rebuild a study's report on every save, "
                                                "shown live in the browser")
    watched.add_argument("study", help="study slug or folder")
    watched.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any)")
    watched.add_argument("--no-browser", action="store_true", help="do not open the report")
    watched.set_defaults(handler=cmd_watch)

    served = commands.add_parser("serve", help="keep a warm process that every `civeval run` "
                                               "of this project hands its work to (Linux)")
    served.add_argument("--idle", type=_minutes, default=serve.IDLE_MINUTES, metavar="MINUTES",
                        help="stop after this long without a run (default: %(default)g)")
    served.add_argument("--stop", action="store_true",
                        help="stop the server of this project (a run made at a terminal "
                             "starts one as it ends)")
    served.set_defaults(handler=cmd_serve)

    lab = commands.add_parser("lab", help="open JupyterLab on the project, templates ready")
    lab.add_argument("--port", type=int, default=None)
    lab.add_argument("--no-browser", action="store_true")
    lab.add_argument("--dry-run", action="store_true", help="print the command, do not start it")
    lab.set_defaults(handler=cmd_lab)
    return main


def _engine_options(command: argparse.ArgumentParser) -> None:
    # The names of civeval.workbench.pools.ENGINES, spelled out so that the command starts
    # without importing the pools.
    command.add_argument("--engine", choices=("fork", "spare"), default=None,
                         help="fork: children forked from a warm parent (Linux, the default "
                              "there); spare: fresh interpreters started ahead of need (every "
                              "OS, the default elsewhere)")


class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP (what ``timeout``, CI cancellation, service managers and a closed
    terminal send), raised where the command is so that it stops as on Ctrl-C: children
    killed, staging folders removed, the last good reports untouched."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


# Windows has no SIGHUP.
_STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP")
                      if hasattr(signal, name))


def _stop(signum, frame) -> None:
    # A second signal (timeout's, a cancelled CI job's) must not cut the cleanup short.
    for other in _STOP_SIGNALS:
        signal.signal(other, signal.SIG_IGN)
    raise Stopped(signum)


def main(argv: list[str] | None = None) -> int:
    exports.skip_iri_grammar()
    args = parser().parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    previous = {signum: signal.signal(signum, _stop) for signum in _STOP_SIGNALS}
    try:
        return args.handler(args)
    except CivevalError as error:
        print(f"civeval: error: {error}", file=sys.stderr)
        return error.exit_status
    except KeyboardInterrupt as stop:
        signum = getattr(stop, "signum", signal.SIGINT)
        print(f"civeval: stopped ({signal.Signals(signum).name}); reports of unfinished "
              "studies left as they were", file=sys.stderr)
        return 128 + signum
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def command() -> NoReturn:
    """The ``civeval`` command: :func:`main`, then an exit that leaves the heap to the OS.

    A run imports pandas, matplotlib and IPython: the interpreter then spends 0.4 s at exit
    freeing their objects one by one, which the operating system does at once (mypy exits
    so too). The exit handlers still run; a thread still working is waited for.
    """
    status = main()
    if threading.active_count() > 1:
        sys.exit(status)
    atexit._run_exitfuncs()
    with contextlib.suppress(OSError):  # a closed pipe: nothing more can be said anyway
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(status)


if __name__ == "__main__":
    command()
