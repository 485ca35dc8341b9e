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


def peak_memory_mb() -> float:
    """Peak resident memory of this process (kilobytes on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024**2 if sys.platform == "darwin" else peak / 1024
