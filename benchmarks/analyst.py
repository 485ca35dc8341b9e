"""The analyst's loop benchmark (issue 16): validate, run one study, save-to-refresh latency.

Targets, on a 2-core machine:

- ``civeval validate <study>`` under 1 s, for a demo study;
- ``civeval validate --all`` under 2 s, on 23 studies (the 3 demo studies and 20 synthetic
  copies, made as ``benchmarks/batch.py`` makes them);
- ``civeval run <study> --force`` under 5 s for the largest demo study, PDF included,
  measured twice: the command alone (a cold process), and handed to the warm server that
  the analyst's first run at a terminal leaves (Linux);
- under ``civeval watch <study>``, under 2 s from saving a data file that one section reads
  to that section's page showing the new report (the main report, which reads every
  section's figures, is rebuilt after it: that time is printed beside it).

Each figure is wall time, with the CPU time beside it (user and system, of the command and
every process it waited for, browser included: on a loaded machine the wall time says more
about the neighbours than about civeval). Run it from the repository root::

    python benchmarks/analyst.py                   # median of 5 for each
    python benchmarks/analyst.py --repeat 3 --synthetic 5

Everything runs in a temporary copy of the project. Each figure is the median of
``--repeat`` whole commands (process start included). The first validation of a study parses
its datasets and keeps what the checks found (``reports/.checked/``); it is printed apart,
untimed against the target, which is for the analyst's next validations. So is the first
run of the study: nothing the language model found is kept yet (``reports/.readings/``), and
no earlier PDF gives its table of contents the page numbers, so it prints twice; the runs
after it, on the same data, keep what was read and the PDF and Word file printed from the
same page (``printed_from`` in ``run.json``): an analyst who changes what the report says
pays one printing, in the first run after the change. The served runs hand the command to
the ``civeval serve`` that a first run left (that run and the warm-up untimed). The watch latency
is from the write of the file to the moment the preview server reports the section's new
page (then the whole new build); an open page notices it within its polling interval
(``preview.POLL_MS``), which is added. Its CPU time is the watching process's and its
children's during the rebuild.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from batch import make_project  # noqa: E402 (the benchmark folder is not a package)

from civeval.workbench import locks, serve  # noqa: E402
from civeval.workbench.preview import POLL_MS  # noqa: E402

STUDY = "demo-saint-aubin"  # the demo study with the most sections
EDITED = Path("studies") / STUDY / "data" / "atelier_bilan.csv"  # read by 20_entretiens
PAGE = f"/{STUDY}/20_entretiens.html"  # the page of the section that reads it
TARGETS = {"validate one study": 1.0, "validate --all": 2.0, "run one study --force": 5.0,
           "run one study --force (served)": 5.0, "save to refreshed page (watch)": 2.0}
CIVEVAL = [sys.executable, "-m", "civeval.cli"]


def children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def timed(root: Path, *args: str) -> tuple[float, float]:
    """Wall and CPU seconds of one ``civeval`` command."""
    env = {**os.environ, "CIVEVAL_ROOT": str(root), "CIVEVAL_SERVE": "0"}
    env.pop("CIVEVAL_REPORTS", None)
    start, cpu = time.perf_counter(), children_cpu()
    subprocess.run([*CIVEVAL, *args], cwd=root, env=env, check=True, capture_output=True)
    return time.perf_counter() - start, children_cpu() - cpu


def process_cpu(process: psutil.Process) -> float:
    """CPU seconds of ``process`` and of the children it waited for."""
    times = process.cpu_times()
    return times.user + times.system + times.children_user + times.children_system


def served_runs(root: Path, repeat: int) -> list[tuple[float, float]]:
    """Wall seconds of ``civeval run <study> --force`` handed to the warm server that a first
    run made at a terminal leaves (``CIVEVAL_SERVE=1`` stands for the terminal; that run and
    the server's warm-up untimed), with the CPU seconds of the served child (the server's,
    once it has reaped it); the server is stopped as the user would, ``civeval serve
    --stop``."""
    env = {**os.environ, "CIVEVAL_ROOT": str(root), "CIVEVAL_SERVE": "1"}
    env.pop("CIVEVAL_REPORTS", None)
    subprocess.run([*CIVEVAL, "run", STUDY, "--no-progress"], cwd=root, env=env, check=True,
                   capture_output=True)
    try:
        reports = root / "reports"
        deadline = time.monotonic() + 120
        while not serve.socket_path(reports).exists():
            assert time.monotonic() < deadline, "no server started"
            time.sleep(0.1)
        process = psutil.Process(locks.holder_details(serve.lock_path(reports))["pid"])
        runs = []
        for _ in range(repeat):
            cpu = process_cpu(process)
            wall, _ = timed(root, "run", STUDY, "--force", "--no-progress")
            time.sleep(1.5)  # the server reaps its child within a second
            runs.append((wall, process_cpu(process) - cpu))
        return runs
    finally:
        subprocess.run([*CIVEVAL, "serve", "--stop"], cwd=root, env=env, check=True,
                       capture_output=True)


def watch_latencies(root: Path, repeat: int) -> tuple[list[tuple[float, float]], list[float]]:
    """Wall seconds from each save of :data:`EDITED` to the new page of its section served,
    with the CPU seconds the watcher spent until the whole build was served, and the wall
    seconds to the whole build, ``repeat`` times."""
    env = {**os.environ, "CIVEVAL_ROOT": str(root)}
    env.pop("CIVEVAL_REPORTS", None)
    watcher = subprocess.Popen([*CIVEVAL, "watch", STUDY, "--no-browser"], cwd=root, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = re.search(r"http://127\.0\.0\.1:\d+/", watcher.stdout.readline()).group(0)
        watcher.stdout.readline()  # build 1 done

        def status() -> dict:
            with urllib.request.urlopen(url + "_civeval/status", timeout=10) as response:
                return json.loads(response.read())

        edited, process = root / EDITED, psutil.Process(watcher.pid)
        page_seconds, build_seconds = [], []
        original = edited.read_bytes()
        for number in range(repeat):
            before = status()
            cpu = process_cpu(process)
            edited.write_bytes(original + b"\n" * ((number + 1) % 2))
            start, page = time.perf_counter(), None
            while (now := status())["build"] == before["build"]:
                if page is None and now["pages"].get(PAGE) != before["pages"].get(PAGE):
                    page = time.perf_counter() - start
                time.sleep(0.02)
            build = time.perf_counter() - start
            page_seconds.append(((build if page is None else page) + POLL_MS / 1000,
                                 process_cpu(process) - cpu))
            build_seconds.append(build + POLL_MS / 1000)
            time.sleep(0.5)
        return page_seconds, build_seconds
    finally:
        watcher.terminate()
        watcher.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--synthetic", type=int, default=20)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="civeval-analyst-") as folder:
        root = Path(folder)
        slugs = make_project(root, args.synthetic)
        first = {"validate one study": timed(root, "validate", STUDY),
                 "validate --all": timed(root, "validate", "--all"),
                 "run": timed(root, "run", STUDY, "--force", "--no-progress")}
        figures = {
            "validate one study": [timed(root, "validate", STUDY) for _ in range(args.repeat)],
            "validate --all": [timed(root, "validate", "--all") for _ in range(args.repeat)],
            "run one study --force": [timed(root, "run", STUDY, "--force", "--no-progress")
                                      for _ in range(args.repeat)],
            "run one study --force (served)": served_runs(root, args.repeat),
        }
        figures["save to refreshed page (watch)"], whole = watch_latencies(root, args.repeat)
    print(f"{len(slugs)} studies; load average {load:.1f} at the start, "
          f"{os.getloadavg()[0]:.1f} at the end, on {os.cpu_count()} cores")
    print(f"first validation (datasets parsed): one study {first['validate one study'][0]:.2f} s, "
          f"all {first['validate --all'][0]:.2f} s (wall)")
    print(f"first run of the study (nothing read kept, no earlier PDF): {first['run'][0]:.2f} s, "
          f"CPU {first['run'][1]:.2f} s")
    met = True
    for name, runs in figures.items():
        seconds = [wall for wall, _ in runs]
        median, target = statistics.median(seconds), TARGETS[name]
        met &= median <= target
        print(f"{name:32} median {median:6.2f} s of {len(seconds)} "
              f"(min {min(seconds):.2f}), CPU {statistics.median(cpu for _, cpu in runs):5.2f} s "
              f"= {median / target:4.2f}x the {target:g} s target "
              f"{'ok' if median <= target else 'MISSED'}")
    print(f"{'':32} the section's page; the main report after it: median "
          f"{statistics.median(whole):.2f} s (min {min(whole):.2f})")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
