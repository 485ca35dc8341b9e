"""Scale benchmark of theme discovery in open answers (issue 21).

Target: 50,000 answers of 1 to 200 words themed in under 60 s on 2 cores, peak memory
under 2 GB, and the same themes whatever the seed.

Run it from the repository root::

    python benchmarks/themes.py                  # 50,000 answers, seeds 0, 1 and 2
    python benchmarks/themes.py --answers 10000  # a quicker run
    python benchmarks/themes.py --seeds 0        # time only, no stability across seeds

The answers come from the demo's recipe of contributions (``scripts/demo/open_answers.py``:
eight known mobility themes, shared sentence frames, polite words, asides of another
theme), each cut or extended to a length drawn uniformly between 1 and 200 words, in
communes and age bands drawn like the demo's (NumPy, fixed seed).

Then, timed with ``time.perf_counter`` (the generation is not), for each seed:
:func:`civeval.qual.themes.discover_themes` from the texts to the suggested themes (terms
counted, candidates measured, the chosen one fitted on every answer), split into its
steps for the first seed. It prints each time against the 60 s budget with the CPU time
beside it (``time.process_time``: what the step costs whatever else runs), the peak memory
(``ru_maxrss``: this process, generator included) against 2 GB, the machine's load average
at the start and the end, and the stability of the themes across seeds: the adjusted Rand
index between the groupings of the answers found with each pair of seeds (1: the same
answers together), and against the themes the answers were drawn from. The exit status
is 1 when a run exceeds the time or the memory budget.

BLAS threads follow the machine (``OMP_NUM_THREADS`` to set them): on a shared machine the
times depend on what else runs.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from pathlib import Path

import numpy as np
from timing import Timer, peak_memory_mb, within_budget

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts" / "demo"))

import open_answers  # noqa: E402
import recipe  # noqa: E402

BUDGET_SECONDS = 60.0
BUDGET_MB = 2048.0
SEED = 20250621
WORDS = (1, 200)


def generate(count: int) -> tuple[list[str], list[str]]:
    """``count`` answers of 1 to 200 words, and the theme each was drawn from."""
    rng = np.random.default_rng(SEED)
    communes = list(recipe.BRENNE_COMMUNES)
    weights = np.array(list(recipe.BRENNE_COMMUNES.values()), dtype=float)
    keys = list(open_answers.THEMES)
    texts, truth = [], []
    for _ in range(count):
        theme = keys[rng.integers(0, len(keys))]
        commune = communes[rng.choice(len(communes), p=weights / weights.sum())]
        texts.append(open_answers.answer(rng, theme, commune, words=WORDS))
        truth.append(theme)
    return texts, truth


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=50_000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    arguments = parser.parse_args(argv)

    from sklearn.metrics import adjusted_rand_score

    from civeval.qual import themes
    from civeval.qual.corpus import count_terms
    from civeval.qual.lemmas import french_pipeline

    load = os.getloadavg()[0]
    started = time.perf_counter()
    texts, truth = generate(arguments.answers)
    words = sum(len(text.split()) for text in texts)
    french_pipeline()  # loaded once, as the warm parent of a batch does
    print(f"generated {len(texts):,} answers, {words:,} words "
          f"({words / len(texts):.0f} a answer on average) in "
          f"{time.perf_counter() - started:.1f} s; peak so far {peak_memory_mb():,.0f} MB")

    timer = Timer()
    cpu = [time.process_time()]
    with timer.step("steps", "terms counted (lemmas and pairs)"):
        counts = count_terms(texts)
    cpu.append(time.process_time())
    with timer.step("steps", "candidates measured (coherence, stability)"):
        candidates = themes.measure_candidates(counts, seed=arguments.seeds[0])
    cpu.append(time.process_time())
    for (_, name, seconds), used in zip(timer.steps, np.diff(cpu), strict=True):
        print(f"  {name:<45} {seconds:6.1f} s ({used:.1f} s of CPU)")
    chosen = candidates[candidates["chosen"]].iloc[0]
    print(f"  chosen: {chosen['method']} with {chosen['themes']} themes (coherence "
          f"{chosen['coherence']:.3f}, stability {chosen['stability']:.3f})")

    ok = True
    assignments = {}
    for seed in arguments.seeds:
        cpu = time.process_time()
        with timer.step("runs", f"seed {seed}"):
            model = themes.discover_themes(texts, seed=seed)
        seconds = timer.steps[-1][2]
        assignments[seed] = model.assignment
        # CPU time says what the run costs when other processes share the cores
        print(f"discover_themes, seed {seed}: {seconds:.1f} s ({time.process_time() - cpu:.1f} s "
              f"of CPU), {len(model)} themes, "
              f"adjusted Rand index against the drawn themes "
              f"{adjusted_rand_score(truth, model.assignment):.3f}; time ÷ budget "
              f"{seconds / BUDGET_SECONDS:.2f}")
        ok &= within_budget(seconds, BUDGET_SECONDS, f"seed {seed}:")
    for first, second in itertools.combinations(arguments.seeds, 2):
        print(f"stability, seeds {first} and {second}: adjusted Rand index "
              f"{adjusted_rand_score(assignments[first], assignments[second]):.3f}")
    print(f"load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end, on "
          f"{os.cpu_count()} cores")
    peak = peak_memory_mb()
    print(f"peak memory (ru_maxrss): {peak:,.0f} MB, generator included; ÷ budget "
          f"{peak / BUDGET_MB:.2f}")
    if peak > BUDGET_MB:
        print(f"FAILED: peak memory exceeds {BUDGET_MB:,.0f} MB")
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
