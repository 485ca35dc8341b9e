"""Scale benchmark of votes of several editions and districts (issue 13).

Target: a study of 3 editions × 21 Pabulib files (one city-wide vote and 20 district votes
per edition), each of 5,000 voters × 200 projects, is validated and its participation
section run in under 15 s.

Run it from the repository root::

    python benchmarks/votes.py                   # 3 × 21 files of 5,000 voters × 200 projects
    python benchmarks/votes.py --voters 1000     # a quicker run
    python benchmarks/votes.py --keep /tmp/bench # keep the generated project

A deterministic generator (NumPy, fixed seed) first writes, in a temporary project (with
the repository's templates and reference data), the study ``bench``: a city of 2.1 million
inhabitants in 20 districts; for each edition (2022, 2023, 2024) a city-wide approval vote
(``rule`` greedy, budget 8 M€, ``selected`` from the greedy rule, voters' ``age``, ``sex``
and ``voting_method``) and one vote per district (400,000 € each, their ``subunit`` « 7 -
Quartier 07 »), each file of 5,000 voters approving 1 to 5 of its 200 projects, the
popular ones more often; the population per district, population margins by age band and
sex, and the districts' polygons (a 5 × 4 grid). Its component ``30_participation`` names
the 63 files, the population, the margins and the geometry.

Then, timed with ``time.perf_counter`` (the generation is not), what ``civeval run``
does, in this process: the validation (``runner.plan``: the schema, every file read and
checked, the template's checks of editions and districts, the plausibility checks, among
them the winners recomputed with pabutools), and the run (``runner.run``: the section
executed in a child forked from a parent that imports the libraries first, its HTML page
rendered). For information, the same as one command from a fresh interpreter
(``civeval run bench --force``), which reads every file again.

It prints each step's time, the total against the 15 s budget and the peak memory
(``ru_maxrss``: this process, generator included). The exit status is 1 when the total
exceeds the budget, so the benchmark can serve as a check.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from timing import Timer, peak_memory_mb, print_peak_memory, print_steps, within_budget

REPO = Path(__file__).resolve().parents[1]
BUDGET_SECONDS = 15.0
SEED = 20250613
EDITIONS = ("2022", "2023", "2024")
DISTRICTS = 20
POPULATION = 2_100_000
CITY_BUDGET = 8_000_000
DISTRICT_BUDGET = CITY_BUDGET // DISTRICTS  # the district envelopes share the city's
BALLOT_LENGTHS = (1, 2, 3, 4, 5)
BALLOT_SHARES = (0.14, 0.16, 0.20, 0.20, 0.30)
AGE_BANDS = (("18-29", 18, 30), ("30-44", 30, 45), ("45-59", 45, 60), ("60-74", 60, 75),
             ("75+", 75, 96))
AGE_SAMPLE = (0.15, 0.30, 0.27, 0.19, 0.09)
AGE_POPULATION = (0.22, 0.26, 0.24, 0.18, 0.10)
ADULTS = 1_700_000


def _district_name(number: int) -> str:
    return f"Quartier {number:02d}"


def _greedy(votes: np.ndarray, costs: np.ndarray, budget: float) -> np.ndarray:
    """The greedy rule: by votes, each project that still fits (to write ``selected``)."""
    chosen = np.zeros(len(votes), dtype=int)
    left = budget
    for position in np.argsort(-votes, kind="stable"):
        if costs[position] <= left:
            chosen[position] = 1
            left -= costs[position]
    return chosen


def write_vote(path: Path, rng: np.random.Generator, edition: str, voters: int, projects: int,
               budget: int, district: int | None) -> None:
    """One Pabulib approval vote of ``voters`` × ``projects``; a city-wide one carries the
    voters' age, sex and voting method."""
    prefix = f"{district or 0:02d}-"
    costs = np.clip(np.round(rng.lognormal(np.log(budget / 12), 0.7, projects), -2), 1_000,
                    budget * 0.6)
    popularity = rng.lognormal(0.0, 0.9, projects)
    lengths = rng.choice(BALLOT_LENGTHS, size=voters, p=BALLOT_SHARES)
    # Weighted draws without replacement (Gumbel top-k), one row of keys per voter.
    keys = np.log(popularity) + rng.gumbel(size=(voters, projects))
    top = np.argsort(-keys, axis=1)[:, : max(BALLOT_LENGTHS)]
    ids = np.array([f"{prefix}{number}" for number in range(1, projects + 1)])
    ballots = [",".join(ids[row[:length]]) for row, length in zip(top, lengths, strict=True)]
    counts = np.zeros(projects, dtype=int)
    for row, length in zip(top, lengths, strict=True):
        counts[row[:length]] += 1
    selected = _greedy(counts, costs, budget)
    meta = ["META", "key;value", "description;Budget participatif synthétique (benchmark)",
            "country;France", "unit;Ville de Synthèse"]
    if district is not None:
        meta.append(f"subunit;{district} - {_district_name(district)}")
    meta += [f"instance;{edition}", f"num_projects;{projects}", f"num_votes;{voters}",
             f"budget;{budget}", "vote_type;approval", "rule;greedy",
             f"date_begin;01.10.{edition}", f"date_end;21.10.{edition}", "currency;EUR"]
    lines = [*meta, "PROJECTS", "project_id;cost;votes;name;selected"]
    lines += [f"{ids[i]};{int(costs[i])};{counts[i]};Projet {ids[i]};{selected[i]}"
              for i in range(projects)]
    if district is None:
        band = rng.choice(len(AGE_BANDS), size=voters, p=AGE_SAMPLE)
        age = rng.integers([AGE_BANDS[b][1] for b in band], [AGE_BANDS[b][2] for b in band])
        sex = rng.choice(["F", "M"], size=voters, p=[0.56, 0.44])
        method = rng.choice(["internet", "paper"], size=voters, p=[0.8, 0.2])
        lines += ["VOTES", "voter_id;vote;age;sex;voting_method"]
        lines += [f"v{number};{ballot};{a};{s};{m}" for number, (ballot, a, s, m)
                  in enumerate(zip(ballots, age, sex, method, strict=True))]
    else:
        lines += ["VOTES", "voter_id;vote"]
        lines += [f"{prefix}v{number};{ballot}" for number, ballot in enumerate(ballots)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _geometry(path: Path) -> None:
    """The districts as the cells of a 5 × 4 grid, in longitude and latitude."""
    features = []
    for number in range(1, DISTRICTS + 1):
        x, y = (number - 1) % 5 * 0.02 + 2.3, (number - 1) // 5 * 0.02 + 48.8
        ring = [[x, y], [x + 0.02, y], [x + 0.02, y + 0.02], [x, y + 0.02], [x, y]]
        features.append({"type": "Feature",
                         "properties": {"nom": _district_name(number), "code": str(number)},
                         "geometry": {"type": "Polygon", "coordinates": [ring]}})
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}),
                    encoding="utf-8")


def generate_study(root: Path, voters: int, projects: int, seed: int = SEED) -> int:
    """A project under ``root`` with the study ``bench``; the number of vote files."""
    rng = np.random.default_rng(seed)
    shutil.copytree(REPO / "notebooks", root / "notebooks", dirs_exist_ok=True)
    shutil.copytree(REPO / "data" / "reference", root / "data" / "reference",
                    dirs_exist_ok=True)
    folder = root / "studies" / "bench"
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    names, entries = [], []
    for edition in EDITIONS:
        for district in (None, *range(1, DISTRICTS + 1)):
            name = f"vote_{edition}_{district or 'ville'}"
            write_vote(data / f"{name}.pb", rng, edition, voters, projects,
                       CITY_BUDGET if district is None else DISTRICT_BUDGET, district)
            names.append(name)
            entries.append(f"  {name}: {{file: data/{name}.pb}}")
    inhabitants = rng.multinomial(POPULATION, np.full(DISTRICTS, 1 / DISTRICTS))
    pd.DataFrame({"quartier": [_district_name(n) for n in range(1, DISTRICTS + 1)],
                  "population": inhabitants}).to_csv(data / "population.csv", sep=";",
                                                     index=False)
    ages = np.round(np.asarray(AGE_POPULATION) * ADULTS).astype(int)
    margins = [("tranche_age", band, count) for (band, _, _), count
               in zip(AGE_BANDS, ages, strict=True)]
    margins += [("sexe", "F", ages.sum() * 52 // 100), ("sexe", "H",
                                                         ages.sum() - ages.sum() * 52 // 100)]
    pd.DataFrame(margins, columns=["variable", "categorie", "population"]).to_csv(
        data / "marges.csv", sep=";", index=False)
    _geometry(data / "quartiers.geojson")
    editions = "\n".join(f'      - {{label: "{edition}"}}' for edition in EDITIONS)
    (folder / "study.yml").write_text(f"""\
title: "Benchmark des votes de plusieurs éditions et quartiers"
client: {{name: "Ville de Synthèse", kind: commune, insee_code: "75056", population: {POPULATION}}}
schemes:
  - name: "Budget participatif"
    type: budget participatif
    editions:
{editions}
data:
{chr(10).join(entries)}
  population: {{file: data/population.csv, kind: population}}
  marges: {{file: data/marges.csv, format: margins}}
  quartiers: {{file: data/quartiers.geojson}}
components:
  - template: 30_participation
    parameters:
      ballots: [{", ".join(names)}]
      population: population
      margins: marges
      geometry: quartiers
""", encoding="utf-8")
    return len(names)


def run(timer: Timer) -> dict:
    """Validate and run the study as ``civeval run`` does, timing each part."""
    from rich.console import Console

    from civeval.workbench import runner

    with timer.step("section", "validate: schema, 63 files read and checked, template "
                               "checks, plausibility checks (plan)"):
        plans = runner.plan(["bench"])
    with timer.step("section", "run 30_participation: forked child, notebook, HTML page"):
        results = runner.run(plans, console=Console(file=open(os.devnull, "w")),  # noqa: SIM115
                             show_progress=False, force=True)
    sections = results[0].sections
    if results[0].status != "success":
        raise AssertionError(f"the study failed: {[(s.status, s.error) for s in sections]}")
    return {"failures": [str(f) for f in plans[0].failures],
            "html_kb": sum((Path(os.environ["CIVEVAL_REPORTS"]) / "bench" / s.html)
                           .stat().st_size for s in sections if s.html) / 1024}


def command(root: Path) -> float:
    """Seconds of ``civeval run bench --force`` as one command, in a fresh interpreter."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "civeval.cli", "run", "bench", "--force",
                           "--no-progress"], capture_output=True, text=True, cwd=root,
                          env={**os.environ, "CIVEVAL_ROOT": str(root)})
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise AssertionError(done.stdout + done.stderr)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voters", type=int, default=5_000,
                        help="voters in each file (default: %(default)s)")
    parser.add_argument("--projects", type=int, default=200,
                        help="projects in each file (default: %(default)s)")
    parser.add_argument("--keep", type=Path, help="generate the project here and keep it")
    args = parser.parse_args(argv)
    if args.projects < max(BALLOT_LENGTHS):
        parser.error(f"--projects must be at least {max(BALLOT_LENGTHS)}")

    with tempfile.TemporaryDirectory(prefix="civeval-votes-bench-") as temporary:
        root = args.keep or Path(temporary)
        root.mkdir(parents=True, exist_ok=True)
        # The study lives in its own project; its report goes to its own reports folder.
        os.environ["CIVEVAL_ROOT"] = str(root)
        os.environ["CIVEVAL_REPORTS"] = str(root / "reports")
        started = time.perf_counter()
        files = generate_study(root, args.voters, args.projects)
        size = sum(p.stat().st_size for p in (root / "studies/bench/data").glob("*.pb"))
        generation_seconds, generation_peak = time.perf_counter() - started, peak_memory_mb()
        timer = Timer()
        results = run(timer)
        fresh = command(root)
    print(f"civeval votes benchmark - {len(EDITIONS)} editions x {files // len(EDITIONS)} "
          f"Pabulib files ({files} files, {size / 1024**2:.0f} MB) of {args.voters:,} voters x "
          f"{args.projects} projects, {os.cpu_count()} CPUs")
    print(f"generated in {generation_seconds:.1f} s (not timed)"
          + (f"; project kept in {args.keep}" if args.keep else ""))
    print(f"plausibility failures: {len(results['failures'])}; report page "
          f"{results['html_kb']:,.0f} kB")
    total = print_steps(timer, BUDGET_SECONDS)
    print(f"  for information, `civeval run bench --force` as one command from a fresh "
          f"interpreter: {fresh:.2f} s ({fresh / BUDGET_SECONDS:.2f}x)")
    print_peak_memory(generation_peak)
    return 0 if within_budget(total, BUDGET_SECONDS, "validation and run") else 1


if __name__ == "__main__":
    sys.exit(main())
