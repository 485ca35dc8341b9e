"""Cluster benchmark (issue 18): the batch on a Dask cluster against the local fork pool.

Target, on a 2-core machine, with the demo templates and 20 synthetic studies (the project
of ``benchmarks/batch.py``): ``civeval run --all --force --scheduler <address>`` on a
``LocalCluster`` of 2 single-thread workers within **1.2×** the time of ``civeval run --all
--force --jobs 2``, with identical report content. With ``--scale``, a batch of 200 studies
on 4 workers, checked for every section accounted for.

Run it from the repository root::

    python benchmarks/cluster.py                 # 23 studies, both ways, and the ratio
    python benchmarks/cluster.py --synthetic 5   # quicker
    python benchmarks/cluster.py --scale         # 200 studies on 4 workers

The cluster is started, and its workers' warm parents have imported what they need, before
the clock starts: a cluster that serves batches is running already.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from batch import civeval, compare, make_project, naive_steps  # noqa: E402

TARGET_RATIO = 1.2


def cluster(workers: int):
    """A local cluster whose workers start their warm parents as they start."""
    from distributed import LocalCluster

    return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                        dashboard_address=None, silence_logs=40,
                        preload=["civeval.workbench.cluster"])


def warm_up(address: str) -> None:
    """Wait until every worker's warm parents have done their imports."""
    from distributed import Client

    from civeval.workbench.cluster import PLUGIN

    with Client(address) as client:
        client.run(lambda dask_worker: dask_worker.plugins[PLUGIN].wait_ready())


def accounted(reports: Path, slugs: list[str]) -> tuple[int, list[str]]:
    """Sections recorded as a success, and the studies with any other outcome."""
    done, missing = 0, []
    for slug in slugs:
        record = reports / slug / "run.json"
        sections = json.loads(record.read_text(encoding="utf-8"))["sections"] \
            if record.is_file() else []
        done += sum(section["status"] == "success" for section in sections)
        if not sections or any(section["status"] != "success" for section in sections):
            missing.append(slug)
    return done, missing


def compare_runs(synthetic: int) -> bool:
    with tempfile.TemporaryDirectory(prefix="civeval-cluster-") as folder:
        work = Path(folder)
        root = work / "project"
        slugs = make_project(root, synthetic)
        steps = naive_steps(root, slugs, work)
        print(f"{len(slugs)} studies, {len(steps)} sections, {os.cpu_count()} cores")
        seed = work / "seed-reports"
        civeval(root, seed, "--all", "--no-progress")  # untimed: the shared portfolio
        local_reports, cluster_reports = work / "reports", work / "cluster-reports"
        shutil.copytree(seed, local_reports)
        shutil.copytree(seed, cluster_reports)

        local_time = civeval(root, local_reports, "--all", "--force", "--jobs", "2",
                             "--no-progress")
        with cluster(2) as running:
            warm_up(running.scheduler_address)
            cluster_time = civeval(root, cluster_reports, "--all", "--force", "--no-progress",
                                   "--scheduler", running.scheduler_address)
        differences = compare(steps, local_reports, cluster_reports)

    ratio = cluster_time / local_time
    print(f"local fork pool (--jobs 2):                 {local_time:7.1f} s")
    print(f"LocalCluster, 2 single-thread workers:      {cluster_time:7.1f} s")
    print(f"cluster / local:                            {ratio:7.2f}x "
          f"(target at most {TARGET_RATIO}x)")
    print(f"report content: {'identical' if not differences else 'DIFFERENT'} "
          f"in {len(steps) - len(differences)} of {len(steps)} sections")
    for difference in differences:
        print(f"  differs: {difference}")
    return ratio <= TARGET_RATIO and not differences


def scale() -> bool:
    with tempfile.TemporaryDirectory(prefix="civeval-cluster-") as folder:
        work = Path(folder)
        root = work / "project"
        slugs = make_project(root, 197)
        with cluster(4) as running:
            warm_up(running.scheduler_address)
            started = time.perf_counter()
            civeval(root, work / "reports", "--all", "--no-progress", "--scheduler",
                    running.scheduler_address)
            elapsed = time.perf_counter() - started
        done, missing = accounted(work / "reports", slugs)
    print(f"{len(slugs)} studies on 4 workers: {elapsed:.0f} s, {done} sections succeeded, "
          f"{len(missing)} studies with a section missing or failed {missing[:5]}")
    return not missing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--synthetic", type=int, default=20, help="synthetic studies added")
    parser.add_argument("--scale", action="store_true", help="200 studies on 4 workers")
    args = parser.parse_args()
    ok = scale() if args.scale else compare_runs(args.synthetic)
    print("OK: every target met" if ok else "FAILED: a target is missed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
