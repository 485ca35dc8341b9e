"""What every benchmark script measures the same way: step times and peak memory."""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager


class Timer:
    """Wall-clock time of named steps, in the order they ran."""

    def __init__(self) -> None:
        self.steps: list[tuple[str, str, float]] = []

    @contextmanager
    def step(self, group: str, name: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.steps.append((group, name, time.perf_counter() - start))

    def total(self, group: str | None = None) -> float:
        return sum(seconds for g, _, seconds in self.steps if group in (None, g))


def print_steps(timer: Timer, budget: float) -> float:
    """Print each step's time, then their total against the ``budget``; return the total."""
    width = max(len(name) for _, name, _ in timer.steps) + 2
    for _, name, seconds in timer.steps:
        print(f"  {name:<{width}}{seconds:>7.2f} s")
    total = timer.total()
    print(f"  {'total':<{width}}{total:>7.2f} s   {total / budget:.2f}x the {budget:.0f} s budget")
    return total


def peak_memory_mb() -> float:
    """Peak resident memory of this process (kilobytes on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024**2 if sys.platform == "darwin" else peak / 1024


def print_peak_memory(generation_peak: float) -> None:
    print(f"peak memory (ru_maxrss): {peak_memory_mb():,.0f} MB, generator included "
          f"({generation_peak:,.0f} MB at the end of the generation)")


def within_budget(total: float, budget: float, label: str = "") -> bool:
    """Print whether ``total`` seconds meet the ``budget``; ``label`` names the part timed."""
    name = f"{label} " if label else ""
    if total <= budget:
        print(f"OK: {name}{total:.1f} s is within the {budget:.0f} s budget")
        return True
    print(f"FAILED: {name}{total:.1f} s exceeds the {budget:.0f} s budget by "
          f"{total - budget:.1f} s")
    return False
