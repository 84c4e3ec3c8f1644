"""A forecast from today's open pipeline: wins, revenue, open deals and workload week by week.

A run that starts from the open pipeline (`Scenario.pipeline`) answers the first question a sales
leader asks: what will the next weeks bring? Each week's figure is given as the mean over the
replications and a 95% band (the 2.5th and 97.5th percentiles of the replications: where that week's
actual figure is likely to fall, not the uncertainty of the mean).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.metrics import ReplicationResult
from sim.schema import Scenario

__all__ = ["Band", "Forecast", "forecast", "role_utilization"]


@dataclass(frozen=True)
class Band:
    """One figure per week: the mean and the 95% band over the replications."""

    mean: tuple[float, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]

    @staticmethod
    def of(rows: np.ndarray) -> Band:
        """From a replications x weeks array."""
        return Band(tuple(float(x) for x in rows.mean(axis=0)),
                    tuple(float(x) for x in np.percentile(rows, 2.5, axis=0)),
                    tuple(float(x) for x in np.percentile(rows, 97.5, axis=0)))

    def json(self) -> dict[str, Any]:
        return {"mean": list(self.mean), "low": list(self.low), "high": list(self.high)}


@dataclass(frozen=True)
class Forecast:
    start_day: tuple[float, ...]
    """Each week's first day (days from the start date)."""
    won: Band
    revenue: Band
    open_pipeline: Band
    """Deals open, on average over the week."""
    utilization: Mapping[str, Band]
    """Role -> busy share of its open hours."""
    total_won: Band
    total_revenue: Band
    """Over the whole forecast (one value each)."""

    def json(self) -> dict[str, Any]:
        return {"start_day": list(self.start_day), "won": self.won.json(), "revenue": self.revenue.json(),
                "open_pipeline": self.open_pipeline.json(),
                "utilization": {r: b.json() for r, b in self.utilization.items()},
                "total_won": self.total_won.json(), "total_revenue": self.total_revenue.json()}


def role_utilization(tl: Any, i: int, idx: Sequence[int]) -> float | None:
    """Busy share of the open hours of the people `idx` (a role) in period i; None when they had none."""
    open_hours = sum(tl.available[i][j] for j in idx)
    return sum(tl.busy[i][j] for j in idx) / open_hours if open_hours else None


def forecast(sc: Scenario, results: Sequence[ReplicationResult], people: Sequence[tuple[str, str]]) -> Forecast | None:
    """The weekly forecast of a run that started from an open pipeline (None otherwise). `people` are
    (name, role) in the order the timelines list them."""
    if sc.pipeline is None or not results:
        return None
    weeks = [i for i, s in enumerate(results[0].timeline.starts) if s >= sc.warmup]
    if not weeks:
        return None

    def rows(get: Any) -> np.ndarray:
        return np.array([[get(r.timeline, i) for i in weeks] for r in results], dtype=float)

    won = rows(lambda tl, i: tl.won[i])
    revenue = rows(lambda tl, i: tl.revenue[i])
    utilization = {}
    for role in sc.roles:
        idx = [j for j, (_, r) in enumerate(people) if r == role]

        def busy(tl: Any, i: int, idx: list[int] = idx) -> float:
            u = role_utilization(tl, i, idx)
            return 0.0 if u is None else u
        utilization[role] = Band.of(rows(busy))
    return Forecast(tuple(results[0].timeline.starts[i] / 24 for i in weeks), Band.of(won), Band.of(revenue),
                    Band.of(rows(lambda tl, i: tl.pipeline[i])), utilization,
                    Band.of(won.sum(axis=1, keepdims=True)), Band.of(revenue.sum(axis=1, keepdims=True)))
