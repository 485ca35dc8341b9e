"""Batch benchmark (issue 7): ``civeval run --all`` against the naive papermill loop.

Targets, on a 2-core machine, with the demo templates and 20 synthetic studies:

- ``civeval run --all`` at least 20x the throughput of the naive loop (issue 16; issue 7
  asked for 10x), with identical report content; the naive loop runs, for each study and
  template, the ``papermill`` command, then ``jupyter nbconvert --to html --no-input``;
- a re-run with nothing changed under 2 s in total;
- peak memory per worker under 1 GB.

Run it from the repository root::

    python benchmarks/batch.py               # the 3 demo studies + 20 synthetic ones
    python benchmarks/batch.py --synthetic 5 # a quicker run

The script copies ``notebooks/``, ``studies/`` and ``data/reference/`` into a temporary
project and adds the synthetic studies: copies of the demo studies under another slug,
client name and population, so that each is its own client with its own figures. A first,
untimed ``civeval run`` fills the reports folder that both timed runs start from: the
benchmark section (``40_parangonnage``) reads the other studies' figures, and both runs
must see the same ones for their content to be comparable. Its time is printed too: the
timed run after it finds what the language model read and the PDF printed from the same
page kept, as a consultant's next run of an unchanged study does.

Then, timed:

1. the naive loop, one command after the other (each study's sections writing into a fresh
   folder, the seeded reports serving as the portfolio): the template
   prepared for the study's language as a notebook (``Template.prepared``, written before
   timing), ``papermill <notebook> <out> -p study … -p output_dir … -y <parameters>`` with
   ``CIVEVAL_SECTION`` set to the template's name (the runner's convention: recorded figures
   name their section), then ``jupyter nbconvert --to html --no-input <out>``;
2. ``civeval run --all --force`` (jobs = the number of cores), three times: once before the
   naive loop and twice after it. The ratio takes the median of the three: the naive loop
   lasts twenty minutes, which averages this machine's speed over that time, while one
   forced run lasts one minute, which a slow minute would make a third longer (a 2-core
   virtual machine's speed moves by as much from one hour to the next). Each time is
   printed;
3. ``civeval run --all`` again, nothing changed.

Content is compared section by section: the outputs of every code cell of the naive
notebook and of civeval's (stream text, HTML, plain text, and the PNG bytes of images),
execution counts and metadata aside. Peak memory per worker is the largest ``max_rss_mb``
that ``run.json`` records for a section (each section runs in its own forked child).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import yaml

REPO = Path(__file__).resolve().parents[1]
DEMOS = ("demo-saint-aubin", "demo-val-de-brenne", "demo-villeneuve-ardre")
TARGET_RATIO, TARGET_RERUN, TARGET_MEMORY = 20.0, 2.0, 1024.0


def make_project(root: Path, synthetic: int) -> list[str]:
    """Copy the demo project into ``root`` and add ``synthetic`` studies; return the slugs."""
    for folder in ("notebooks", "studies", "data/reference"):
        shutil.copytree(REPO / folder, root / folder)
    for number in range(1, synthetic + 1):
        demo = DEMOS[(number - 1) % len(DEMOS)]
        slug = f"synthetique-{number:02d}"
        shutil.copytree(root / "studies" / demo, root / "studies" / slug)
        study_file = root / "studies" / slug / "study.yml"
        text = study_file.read_text(encoding="utf-8")
        # The client's name and population are the first of their keys in the file.
        text = re.sub(r'(\n  name: )"[^"]*"', rf'\1"Collectivité synthétique {number}"',
                      text, count=1)
        population = int(re.search(r"\n  population: (\d+)", text).group(1))
        text = re.sub(r"(\n  population: )\d+", rf"\g<1>{population + 1000 * number}", text,
                      count=1)
        study_file.write_text(text, encoding="utf-8")
    return sorted(p.name for p in (root / "studies").iterdir() if (p / "study.yml").is_file())


def civeval(root: Path, reports: Path, *args: str) -> float:
    """Run the civeval command in the project; return its wall-clock time."""
    env = {**os.environ, "CIVEVAL_ROOT": str(root), "CIVEVAL_REPORTS": str(reports)}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "civeval.cli", "run", *args], cwd=root,
                          env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"civeval run {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return elapsed


def naive_steps(root: Path, slugs: list[str], work: Path) -> list[tuple[str, str, Path, dict]]:
    """Each (study, template, prepared notebook, parameters) in the order civeval runs them;
    the notebooks are written now, outside the timed loop."""
    os.environ["CIVEVAL_ROOT"] = str(root)
    from civeval.workbench.runner import plan_study

    steps = []
    for slug in slugs:
        plan = plan_study(slug)
        for template, component in plan.steps:
            notebook = work / "prepared" / f"{template.name}.{plan.study.language}.ipynb"
            if not notebook.exists():
                notebook.parent.mkdir(parents=True, exist_ok=True)
                nbformat.write(template.prepared(plan.study.language), notebook)
            steps.append((slug, template.name, notebook, dict(component.parameters)))
    return steps


def naive_loop(root: Path, reports: Path, steps, work: Path) -> float:
    """The papermill command then the nbconvert command, for every step, one at a time."""
    env = {**os.environ, "CIVEVAL_ROOT": str(root), "CIVEVAL_REPORTS": str(reports)}
    bin_dir = Path(sys.executable).parent
    started = time.perf_counter()
    for slug, name, notebook, parameters in steps:
        # As civeval's runner does: figures say which section recorded them, which the
        # main report reads to show each part's key figures.
        env["CIVEVAL_SECTION"] = name
        # Each study's sections write into a folder of their own, fresh as civeval's staging
        # folder is; the seeded reports stay as they are, the portfolio both runs compare with.
        executed = work / "naive" / slug / f"{name}.ipynb"
        executed.parent.mkdir(parents=True, exist_ok=True)
        output_dir = executed.parent
        subprocess.run([str(bin_dir / "papermill"), str(notebook), str(executed),
                        "-p", "study", f"studies/{slug}", "-p", "output_dir", str(output_dir),
                        "-y", yaml.safe_dump(parameters), "--cwd", str(root),
                        "--no-progress-bar", "--log-level", "ERROR"],
                       env=env, check=True, capture_output=True)
        subprocess.run([str(bin_dir / "jupyter"), "nbconvert", "--to", "html", "--no-input",
                        str(executed)], env=env, check=True, capture_output=True)
        print(f"  naive: {slug} · {name}", end="\r", flush=True)
    print(" " * 70, end="\r")
    return time.perf_counter() - started


def content(notebook_path: Path) -> list:
    """What a reader sees of a notebook: the outputs of each code cell, in order."""
    notebook = nbformat.read(notebook_path, as_version=4)
    cells = []
    for cell in notebook.cells:
        if cell.cell_type != "code" or "injected-parameters" in cell.metadata.get("tags", []):
            continue
        outputs = []
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                outputs.append(("stream", output.name, output.text))
            elif output.output_type in ("display_data", "execute_result"):
                data = output.get("data", {})
                png = data.get("image/png")
                outputs.append((output.output_type, data.get("text/html"),
                                data.get("text/plain"),
                                hashlib.sha256(png.encode()).hexdigest() if png else None))
            else:
                outputs.append((output.output_type, output.get("ename"), output.get("evalue")))
        cells.append(outputs)
    return cells


def first_difference(naive: list, ours: list) -> str:
    """Where two notebooks' contents part, for the reader of the benchmark to look."""
    for number, (left, right) in enumerate(zip(naive, ours, strict=False)):
        if left != right:
            a, b = str(left), str(right)
            at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y),
                      min(len(a), len(b)))
            return (f"cell {number}: naive …{a[max(0, at - 80):at + 80]!r}… / "
                    f"civeval …{b[max(0, at - 80):at + 80]!r}…")
    return f"{len(naive)} cells against {len(ours)}"


def compare(steps, reference: Path, reports: Path) -> list[str]:
    """The sections whose notebooks in ``reports`` differ from those in ``reference``."""
    differences = []
    for slug, name, _, _ in steps:
        naive = content(reference / slug / f"{name}.ipynb")
        ours = content(reports / slug / f"{name}.ipynb")
        if naive != ours:
            differences.append(f"{slug} · {name}: {first_difference(naive, ours)}")
    return differences


def peak_worker_memory(reports: Path, slugs: list[str]) -> float:
    peaks = [section.get("max_rss_mb") or 0.0 for slug in slugs
             for section in json.loads((reports / slug / "run.json").read_text())["sections"]]
    return max(peaks)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--synthetic", type=int, default=20, help="synthetic studies added")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="civeval-batch-") as folder:
        work = Path(folder)
        root = work / "project"
        slugs = make_project(root, args.synthetic)
        steps = naive_steps(root, slugs, work)
        print(f"{len(slugs)} studies, {len(steps)} sections, {os.cpu_count()} cores")
        seed = work / "seed-reports"
        # Untimed against the target: the shared portfolio, and the first run of each study
        # (nothing the language model read kept yet, each PDF printed twice).
        seed_time = civeval(root, seed, "--all", "--no-progress")
        naive_reports, ours = work / "naive-reports", work / "reports"
        shutil.copytree(seed, naive_reports)
        shutil.copytree(seed, ours)

        forced = [civeval(root, ours, "--all", "--force", "--no-progress")]
        naive_time = naive_loop(root, naive_reports, steps, work)
        forced += [civeval(root, ours, "--all", "--force", "--no-progress") for _ in range(2)]
        civeval_time = statistics.median(forced)
        rerun_time = civeval(root, ours, "--all", "--no-progress")
        differences = compare(steps, work / "naive", ours)
        memory = peak_worker_memory(ours, slugs)

    ratio = naive_time / civeval_time
    print(f"civeval run --all, first run (untimed):          {seed_time:7.1f} s")
    print(f"naive loop (papermill + nbconvert per section): {naive_time:7.1f} s")
    print(f"civeval run --all --force (median of 3):        {civeval_time:7.1f} s "
          f"({', '.join(f'{t:.1f}' for t in forced)} s: before the naive loop, then after)")
    print(f"throughput ratio:                               {ratio:7.1f}x "
          f"(target {TARGET_RATIO:.0f}x)")
    print(f"re-run, nothing changed:                        {rerun_time:7.2f} s "
          f"(target {TARGET_RERUN:.0f} s)")
    print(f"peak memory per worker:                         {memory:7.0f} MB "
          f"(target {TARGET_MEMORY:.0f} MB)")
    print(f"report content: {'identical' if not differences else 'DIFFERENT'} "
          f"in {len(steps) - len(differences)} of {len(steps)} sections")
    for difference in differences:
        print(f"  differs: {difference}")
    ok = (ratio >= TARGET_RATIO and rerun_time < TARGET_RERUN and memory < TARGET_MEMORY
          and not differences)
    print("OK: every target met" if ok else "FAILED: a target is missed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
