"""The ``civeval`` command: new, validate, run, lab.

User errors (a bad ``study.yml``, a dataset that does not parse, an unknown parameter) print
one message and exit with status 2, without a traceback. ``run`` exits 1 when a study failed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from importlib import resources
from pathlib import Path

from rich.console import Console

from civeval import __version__
from civeval.errors import CivevalError
from civeval.workbench import atomic
from civeval.workbench.paths import (
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
    if not re.match(r"^[a-z0-9][a-z0-9-]*$", slug):
        raise CivevalError(f"study name {slug!r} must be lower-case letters, digits and dashes "
                           "(for example ville-de-rennes-2026)")
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

    for item in plan(_studies(args)):
        _warn(item.warnings)
        sections = ", ".join(component.id for _, component in item.steps)
        print(f"ok  {item.study.slug}: {len(item.study.datasets())} dataset(s), "
              f"sections {sections}")
    return 0


def _warn(warnings: list[str]) -> None:
    for warning in warnings:
        print(f"civeval: warning: {warning}", file=sys.stderr)


def cmd_run(args) -> int:
    from civeval.workbench import incremental
    from civeval.workbench.records import UP_TO_DATE, StudyResult, status_table

    console = Console()
    studies = _studies(args)
    # Studies whose last run still holds are settled without loading them (or papermill).
    fresh = {} if args.force else {
        reference: record for reference in studies
        if (record := incremental.unchanged_since_last_run(reference, reports_dir()))}
    results = {reference: StudyResult.up_to_date(record) for reference, record in fresh.items()}
    others = [reference for reference in studies if reference not in fresh]
    if others:
        from civeval.workbench.runner import plan, run

        plans = plan(others, force=args.force)
        for item in plans:
            _warn(item.warnings)
        ran = run(plans, timeout=args.timeout, show_progress=not args.no_progress,
                  jobs=args.jobs, scheduler=args.scheduler, force=args.force)
        results.update(zip(others, ran, strict=True))
    results = [results[reference] for reference in studies]
    console.print(status_table(results))
    failed = [r.slug for r in results if r.status not in ("success", UP_TO_DATE)]
    if failed:
        console.print(f"[bold red]{len(failed)} study(ies) failed:[/] {', '.join(failed)}")
    # Printed whole, never wrapped: users copy this path into their browser.
    print(f"reports: {reports_dir() / 'index.html'}")
    return 1 if failed else 0


def default_to_notebook_view() -> Path:
    """Make JupyterLab open the ``py:percent`` templates as notebooks, in this environment."""
    target = Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    settings = json.loads(target.read_text()) if target.is_file() else {}
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
    if os.geteuid() == 0:  # containers and CI run as root; Jupyter refuses without this
        command.append("--allow-root")
    return command


def cmd_lab(args) -> int:
    default_to_notebook_view()
    command = lab_command(args.port, not args.no_browser)
    if args.dry_run:
        print(" ".join(command))
        return 0
    env = {**os.environ, "CIVEVAL_ROOT": str(project_root())}
    return subprocess.call(command, env=env)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
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
            sub.add_argument("--timeout", type=int, default=None,
                             help="seconds a cell may run (default: the study's cell_timeout)")
            sub.add_argument("--no-progress", action="store_true", help="hide the progress bar")
            sub.add_argument("--jobs", "-j", type=_positive, default=None,
                             help="sections run at once (default: the number of cores)")
            sub.add_argument("--force", action="store_true",
                             help="re-run every section, even those up to date")
            sub.add_argument("--scheduler", metavar="ADDRESS", default=None,
                             help="run the studies on this Dask cluster (tcp://host:8786); "
                                  "its workers must see the project folder")

    lab = commands.add_parser("lab", help="open JupyterLab on the project, templates ready")
    lab.add_argument("--port", type=int, default=None)
    lab.add_argument("--no-browser", action="store_true")
    lab.add_argument("--dry-run", action="store_true", help="print the command, do not start it")
    lab.set_defaults(handler=cmd_lab)
    return main


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.handler(args)
    except CivevalError as error:
        print(f"civeval: error: {error}", file=sys.stderr)
        return error.exit_status
    except KeyboardInterrupt:
        print("civeval: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
