"""Week by week while the team changes: capacity, load, wins, cycle time and the open pipeline.

A reorganization is judged over time: a hire adds capacity slowly (ramp-up), a departure leaves a gap
until the replacement is productive. For scenarios whose team or flow changes during the run
(`sim.transitions`), each measured week gets the mean over the replications and a 95% band (2.5th to
97.5th percentile: where that week's figure is likely to fall), with the dated changes marked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.forecast import Band, role_utilization
from sim.metrics import ReplicationResult
from sim.schema import Scenario

__all__ = ["Weekly", "weekly"]


@dataclass(frozen=True)
class Weekly:
    start_day: tuple[float, ...]
    """Each measured week's first day (days from the start date)."""
    fte: Mapping[str, Band]
    """Role -> capacity in full-time equivalents (people on the team × capacity × ramp productivity)."""
    utilization: Mapping[str, Band]
    """Role -> busy share of its people's open hours."""
    won: Band
    revenue: Band
    cycle_time: Band
    """Cycle days of the won leads that arrived that week (weeks too close to the end, where most leads have
    not closed yet, are left out: NaN)."""
    open_pipeline: Band
    departures: Band
    """People who left by attrition that week."""
    changes: tuple[tuple[float, str], ...]
    """(day, what) of each dated change."""

    def json(self) -> dict[str, Any]:
        return {"start_day": list(self.start_day), "fte": {r: b.json() for r, b in self.fte.items()},
                "utilization": {r: b.json() for r, b in self.utilization.items()}, "won": self.won.json(),
                "revenue": self.revenue.json(), "cycle_time": _nan_free(self.cycle_time.json()),
                "open_pipeline": self.open_pipeline.json(), "departures": self.departures.json(),
                "changes": [{"day": d, "what": w} for d, w in self.changes]}


def _nan_free(band: dict[str, list[float]]) -> dict[str, list[float | None]]:
    """JSON has no NaN: a week without a figure is null."""
    return {k: [None if x != x else x for x in v] for k, v in band.items()}


def _band(rows: np.ndarray) -> Band:
    """Like `Band.of`, ignoring replications without a figure for a week (NaN)."""
    with np.errstate(all="ignore"):
        ok = ~np.isnan(rows).all(axis=0)
        mean = np.full(rows.shape[1], np.nan)
        low, high = mean.copy(), mean.copy()
        if ok.any():
            mean[ok] = np.nanmean(rows[:, ok], axis=0)
            low[ok] = np.nanpercentile(rows[:, ok], 2.5, axis=0)
            high[ok] = np.nanpercentile(rows[:, ok], 97.5, axis=0)
    return Band(tuple(float(x) for x in mean), tuple(float(x) for x in low), tuple(float(x) for x in high))


def weekly(sc: Scenario, results: Sequence[ReplicationResult], people: Sequence[tuple[str, str]]) -> Weekly | None:
    """The weekly figures of a run whose team changes (None for a run without `fte` series). `people` are
    (name, role) per seat, in the order the timelines list them."""
    if not results or not results[0].timeline.fte:
        return None
    tl0 = results[0].timeline
    weeks = [i for i, s in enumerate(tl0.starts) if s >= sc.warmup]
    if not weeks:
        return None

    def rows(get: Any) -> np.ndarray:
        return np.array([[get(r.timeline, i) for i in weeks] for r in results], dtype=float)

    fte, utilization = {}, {}
    for role in sc.roles:
        idx = [j for j, (_, r) in enumerate(people) if r == role]
        fte[role] = Band.of(rows(lambda tl, i, idx=idx: sum(tl.fte[i][j] for j in idx)))

        def busy(tl: Any, i: int, idx: list[int] = idx) -> float:
            u = role_utilization(tl, i, idx)
            return np.nan if u is None else u
        utilization[role] = _band(rows(busy))
    p90 = np.nanmean([r.kpis.get("cycle_time_p90") or np.nan for r in results]) if results else np.nan
    last_entry = sc.horizon - (24 * p90 if p90 == p90 else 0.0)

    def cycle(tl: Any, i: int) -> float:
        w = int(tl.starts[i] // 168)
        if tl.ends[i] > last_entry or w >= len(tl.entry_cycle_n) or not tl.entry_cycle_n[w]:
            return np.nan
        return float(tl.entry_cycle_sum[w] / tl.entry_cycle_n[w])
    marks = tuple(sorted((sc.hours_at(c) / 24, c.label) for c in sc.changes or ()))
    return Weekly(tuple(tl0.starts[i] / 24 for i in weeks), fte, utilization, Band.of(rows(lambda tl, i: tl.won[i])),
                  Band.of(rows(lambda tl, i: tl.revenue[i])), _band(rows(cycle)),
                  Band.of(rows(lambda tl, i: tl.pipeline[i])), Band.of(rows(lambda tl, i: tl.departures[i])), marks)
