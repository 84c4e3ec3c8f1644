"""What happened in a period, measured the same way on real deals and on simulated ones.

Both sides go through `period_measures`, so a difference in the fitness table is a difference in
what happened, never in how it was counted. Deals won in the period give the cycle time (creation
to close), stays that ended in the period the conversion and time in each stage.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from calibrate.deals import LOST, WON, Deal

__all__ = ["PeriodMeasures", "period_measures"]


@dataclass
class PeriodMeasures:
    values: dict[str, float | None]
    """Measure name -> value (None: nothing to measure, e.g. no won deal)."""
    cycle_days: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """Cycle times of the deals won in the period (for the distance between distributions)."""
    weekly_wins: list[int] = field(default_factory=list)


def _days(a: dt.datetime, b: dt.datetime) -> float:
    return (b - a).total_seconds() / 86400


def period_measures(deals: Sequence[Deal], start: dt.datetime, end: dt.datetime, stages: Sequence[str],
                    owners: bool) -> PeriodMeasures:
    weeks = _days(start, end) / 7
    v: dict[str, float | None] = {}
    arrived = sum(1 for d in deals if start <= d.created < end)
    closed = [d for d in deals if d.closed is not None and start <= d.closed < end]
    won = [d for d in closed if d.outcome == WON]
    lost = [d for d in closed if d.outcome == LOST]
    v["arrivals_per_week"] = arrived / weeks
    v["won_per_week"] = len(won) / weeks
    v["revenue_per_week"] = sum(d.value or 0.0 for d in won) / weeks
    v["win_rate"] = len(won) / (len(won) + len(lost)) if won or lost else None
    cycle = np.array([_days(d.created, d.closed) for d in won if d.closed is not None])
    v["cycle_p50_days"] = float(np.percentile(cycle, 50)) if len(cycle) else None
    v["cycle_p90_days"] = float(np.percentile(cycle, 90)) if len(cycle) else None
    v["open_at_end"] = float(sum(1 for d in deals if d.created < end and (d.closed is None or d.closed >= end)))
    ended: Counter[str] = Counter()
    lost_at: Counter[str] = Counter()
    spent: dict[str, float] = dict.fromkeys(stages, 0.0)
    for d in deals:
        for i, visit in enumerate(d.visits):
            left, where = d.left(i)
            if left is None or not start <= left < end or visit.stage not in spent:
                continue
            ended[visit.stage] += 1
            lost_at[visit.stage] += where == LOST
            spent[visit.stage] += _days(visit.entered, left)
    for s in stages:
        n = ended[s]
        v[f"conversion:{s}"] = (n - lost_at[s]) / n if n else None
        v[f"time_in_stage_days:{s}"] = spent[s] / n if n else None
    if owners:
        by_owner = Counter(d.owner or (d.visits[-1].owner if d.visits else None) for d in won)
        for name, n in sorted((k, c) for k, c in by_owner.items() if k):
            v[f"owner_won:{name}"] = float(n)
    weekly = [0] * max(1, round(weeks))
    for d in won:
        assert d.closed is not None
        weekly[min(len(weekly) - 1, int(_days(start, d.closed) // 7))] += 1
    return PeriodMeasures(v, cycle, weekly)

