"""A sweep: one scenario run at many points of its fields (a grid, or a Latin hypercube), every point on
the same random numbers, answered as a tidy table (one row per point and measure).

"How many reps between 4 and 10?" is `roles.rep.headcount=4..10`; "what if inbound is 20% lower?" is
`sources.inbound.rate=24/week..30/week:3`. Every point's scenario is checked as a file would be, so a
value the format refuses names the point and the field before anything runs.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import qmc

from sim.backend import Backend
from sim.batch import simulate_many
from sim.paths import get_path, set_path
from sim.ranges import Vary
from sim.runner import RunResult, max_utilization
from sim.scenario import scenario_from_data
from sim.stats import Stat, stat

__all__ = ["MEASURES", "Point", "Sweep", "design", "point_data", "run_sweep", "tidy_rows"]

MEASURES = ("cycle_time_days", "won_per_week", "revenue_per_week", "win_rate", "wip", "max_utilization")
"""The headline measures of every point (plus each role's utilization)."""


@dataclass(frozen=True)
class Point:
    values: dict[str, Any]
    """Path -> the value at this point, as written."""
    run: RunResult

    def measure(self, name: str) -> Stat:
        if name == "max_utilization":  # the busiest person, replication by replication
            return stat(max_utilization(self.run), (0.0, 1.0))
        if name.startswith("utilization:"):
            return self.run.summary.roles[name.split(":", 1)[1]].utilization
        return self.run.summary.kpis[name]

    def overloaded_roles(self) -> list[str]:
        t = self.run.summary.overload_threshold
        return [r for r, f in self.run.summary.roles.items() if (f.utilization.mean or 0.0) > t]


@dataclass(frozen=True)
class Sweep:
    paths: tuple[str, ...]
    design: str
    points: tuple[Point, ...]
    replications: int
    seed: int

    @property
    def measures(self) -> tuple[str, ...]:
        roles = self.points[0].run.summary.roles if self.points else {}
        return (*MEASURES, *(f"utilization:{r}" for r in roles))


def design(varies: Sequence[Vary], kind: str = "grid", n: int | None = None, seed: int = 0) -> list[dict[str, Any]]:
    """The points: every combination (grid), or `n` points of a Latin hypercube over the values' indices
    (numeric ranges are sampled between their ends; lists by position)."""
    if kind == "grid":
        return [dict(zip([v.path for v in varies], combo, strict=True))
                for combo in itertools.product(*(v.values for v in varies))]
    if kind != "lhs" or not n or n < 1:
        raise ValueError("design: grid, or lhs with a number of points >= 1")
    u = qmc.LatinHypercube(d=len(varies), seed=np.random.default_rng(seed)).random(n)
    points = []
    for row in u:
        points.append({v.path: v.values[min(int(x * len(v.values)), len(v.values) - 1)] for v, x in zip(varies, row,
                                                                                                       strict=True)})
    return points


def point_data(data: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    out = data
    for path, value in values.items():
        out = set_path(out, path, value)
    return out


def run_sweep(data: dict[str, Any], source: str, varies: Sequence[Vary], kind: str = "grid", n: int | None = None,
              replications: int | None = None, seed: int | None = None,
              progress: Callable[[int, int], None] | None = None, backend: Backend | None = None) -> Sweep:
    """Check every point's scenario, then simulate them all on one seed."""
    for v in varies:
        get_path(data, v.path)  # an unknown path stops here, with near matches
    points = design(varies, kind, n, seed or 0)
    scenarios = []
    for k, values in enumerate(points):
        where = ", ".join(f"{p}={x}" for p, x in values.items())
        scenarios.append(scenario_from_data(point_data(data, values), f"{source} at point {k + 1} ({where})"))
    base = scenarios[0]
    reps = replications or base.replications
    s = base.seed if seed is None else seed
    runs = simulate_many(scenarios, reps, s, progress, backend)
    return Sweep(tuple(v.path for v in varies), kind if kind == "grid" else f"lhs {n}",
                 tuple(Point(values, run) for values, run in zip(points, runs, strict=True)), reps, s)


def tidy_rows(sw: Sweep) -> list[dict[str, Any]]:
    """One row per point and measure: the point's values, the measure, its mean and 95% CI, replications."""
    rows = []
    for k, p in enumerate(sw.points, 1):
        over = p.overloaded_roles()
        for m in sw.measures:
            s = p.measure(m)
            rows.append({"point": k, **{path: p.values[path] for path in sw.paths}, "measure": m,
                         "mean": _num(s.mean), "low": _num(s.low), "high": _num(s.high), "n": s.n,
                         "overloaded_roles": ";".join(over)})
    return rows


def _num(x: float | None) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)
