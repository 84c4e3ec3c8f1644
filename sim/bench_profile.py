"""Where a replication's time goes, by phase (`python -m sim.bench` prints it).

cProfile's own time per function, summed by the part of the engine it belongs to. Profiling adds a
cost per call, so the shares lean towards code that makes many small calls; they show where to look,
not exact fractions.
"""

from __future__ import annotations

import cProfile
import pstats
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["PHASES", "phase_of", "phases"]

PHASES = ("sampling", "SimPy loop", "engine", "tallies", "calendar", "dispatch", "event log", "other")

_FILES = {
    "streams.py": "sampling", "distributions.py": "sampling",
    "driver.py": "SimPy loop",
    "engine.py": "engine", "stagerun.py": "engine", "lead.py": "engine", "owners.py": "engine",
    "customers.py": "engine", "transitions.py": "engine", "seasons.py": "engine",
    "metrics.py": "tallies",
    "calendar.py": "calendar",
    "dispatch.py": "dispatch",
    "eventlog.py": "event log", "csv.py": "event log",
}


def phase_of(filename: str, function: str) -> str:
    """The phase of one profiled function (a file of ours, SimPy, or a built-in by what it does)."""
    name = Path(filename).name
    if "simpy" in Path(filename).parts:
        return "SimPy loop"
    if name in _FILES:
        return _FILES[name]
    if filename == "~":  # a built-in: numpy's generators, heapq, csv, datetime
        if "numpy" in function or "Generator" in function or "Philox" in function or "array" in function:
            return "sampling"
        if "heap" in function or "method 'send'" in function:
            return "SimPy loop"
        if "writerow" in function or "datetime" in function or "isoformat" in function or "write" in function:
            return "event log"
    return "other"


def phases(run: Callable[[], Any]) -> dict[str, float]:
    """Share of profiled time per phase while `run()` runs."""
    prof = cProfile.Profile()
    prof.runcall(run)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "profile"
        prof.dump_stats(str(path))
        stats: dict[Any, Any] = pstats.Stats(str(path)).stats  # type: ignore[attr-defined]
    out = dict.fromkeys(PHASES, 0.0)
    for (filename, _, function), (_, _, tottime, _, _) in stats.items():
        out[phase_of(filename, function)] += tottime
    total = sum(out.values()) or 1.0
    return {k: v / total for k, v in out.items()}
