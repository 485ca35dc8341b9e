"""Engine benchmark (issue 22): the spare interpreters against the fork pool, on Linux.

Target: the portable engine (``--engine spare``: a fresh interpreter per section, started
ahead of need) within 1.5x the fork pool's time on the same batch.

Run it from the repository root::

    python benchmarks/engines.py               # the 3 demo studies + 5 synthetic ones
    python benchmarks/engines.py --synthetic 0 # the demo studies only

The project is copied into a temporary folder as ``benchmarks/batch.py`` does (the demo
studies, plus synthetic copies of them). A first, untimed run fills the reports folder that
both timed runs start from (the benchmark section reads the other studies' figures); then
``civeval run --all --force`` runs once with each engine, ``--jobs`` sections at a time.

Both the wall-clock time and the CPU time of each run (every process it started, Chromium
included) are printed: on a machine that other work shares, the CPU ratio is the steadier
measure of what the spare engine costs.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
from pathlib import Path

from batch import civeval, make_project

TARGET_RATIO = 1.5


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--synthetic", type=int, default=5, help="synthetic studies added")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="sections at a time (default: the number of cores)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="civeval-engines-") as folder:
        work = Path(folder)
        root = work / "project"
        slugs = make_project(root, args.synthetic)
        seed = work / "seed-reports"
        civeval(root, seed, "--all", "--no-progress")  # untimed: the shared portfolio
        times, cpu = {}, {}
        for engine in ("fork", "spare"):
            reports = work / f"reports-{engine}"
            shutil.copytree(seed, reports)
            before = _children_cpu()
            times[engine] = civeval(root, reports, "--all", "--force", "--no-progress",
                                    "--jobs", str(args.jobs), "--engine", engine)
            cpu[engine] = _children_cpu() - before
            sections = sum(1 for _ in reports.glob("*/*.ipynb"))
            print(f"{engine:5}: {times[engine]:6.1f} s wall, {cpu[engine]:6.1f} s CPU for "
                  f"{len(slugs)} studies, {sections} sections, {args.jobs} at a time "
                  f"(load average {os.getloadavg()[0]:.1f})")
    ratio = times["spare"] / times["fork"]
    print(f"spare / fork: {ratio:.2f}x wall, {cpu['spare'] / cpu['fork']:.2f}x CPU "
          f"(target at most {TARGET_RATIO}x)")
    ok = ratio <= TARGET_RATIO
    print("OK: target met" if ok else "FAILED: the target is missed")
    return 0 if ok else 1


def _children_cpu() -> float:
    """CPU seconds of every finished process this one started, and of theirs."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    sys.exit(main())
