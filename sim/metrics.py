"""What one replication measures, in constant memory.

Counts and sums only cover the measured period (after warm-up). Percentiles come from a
log-binned histogram (1% relative resolution), so memory does not grow with the horizon.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

__all__ = ["Histogram", "ReplicationResult", "StageTally", "Timeline"]


class Histogram:
    """Counts of positive values in geometric bins 1% wide, from 1e-4 up."""

    LOW = 1e-4
    STEP = math.log(1.01)

    def __init__(self) -> None:
        self.counts: dict[int, int] = {}
        self.n = 0

    def add(self, x: float) -> None:
        i = int(math.log(x / self.LOW) / self.STEP) if x > self.LOW else 0
        self.counts[i] = self.counts.get(i, 0) + 1
        self.n += 1

    def quantile(self, q: float) -> float | None:
        """The q-quantile, to within 1%; None when empty."""
        if self.n == 0:
            return None
        target = q * self.n
        seen = 0
        for i in sorted(self.counts):
            seen += self.counts[i]
            if seen >= target:
                return self.LOW * math.exp((i + 0.5) * self.STEP)
        return None  # pragma: no cover - unreachable: seen ends at n

    def bins(self) -> list[tuple[float, float, int]]:
        """(low, high, count) for every non-empty bin, in order."""
        return [(self.LOW * math.exp(i * self.STEP), self.LOW * math.exp((i + 1) * self.STEP), c)
                for i, c in sorted(self.counts.items())]


class StageTally:
    """One stage's counts in one replication (measured period only), plus its live WIP."""

    __slots__ = ("advanced", "area", "count", "entered", "flows", "handoffs", "last", "lost", "lost_cooled",
                 "lost_handoff", "stalled", "stuck", "time_n", "time_sum", "wait_n", "wait_sum", "work_sum")

    def __init__(self) -> None:
        self.entered = self.advanced = self.lost = self.stuck = self.handoffs = self.stalled = 0
        self.lost_cooled = self.lost_handoff = 0
        self.wait_sum = self.work_sum = self.time_sum = 0.0
        self.wait_n = self.time_n = 0
        self.flows: dict[str, int] = {}
        """Visits that ended going to each target (a stage id, won or lost)."""
        self.count = 0
        """Leads in the stage right now."""
        self.area = 0.0
        """Integral of `count` over time since `last` was reset."""
        self.last = 0.0

    def move(self, now: float, delta: int) -> None:
        self.area += self.count * (now - self.last)
        self.last = now
        self.count += delta


@dataclass
class Timeline:
    """Per-period series (a period is a calendar week, split at the end of warm-up)."""

    starts: list[float] = field(default_factory=list)
    ends: list[float] = field(default_factory=list)
    wip: list[list[float]] = field(default_factory=list)
    """Time-average leads in each stage, per period."""
    busy: list[list[float]] = field(default_factory=list)
    """Busy working hours of each person, per period."""
    available: list[list[float]] = field(default_factory=list)
    """Working hours open to each person in each period (their role's calendar)."""
    customers: list[float] = field(default_factory=list)
    pipeline: list[float] = field(default_factory=list)
    """Time-average leads in the pipeline, per period."""
    won: list[int] = field(default_factory=list)
    """Leads won in each period."""
    revenue: list[float] = field(default_factory=list)
    """Revenue won in each period."""
    fte: list[list[float]] = field(default_factory=list)
    """Capacity of each seat in full-time equivalents, per period (kept when the team changes during the run)."""
    departures: list[int] = field(default_factory=list)
    """People who left by attrition, per period (kept when the team changes during the run)."""
    entry_cycle_sum: list[float] = field(default_factory=list)
    entry_cycle_n: list[int] = field(default_factory=list)
    """Cycle days summed, and count, of won leads by the calendar week they arrived in (week 0 first)."""

    def entered(self, week: int, days: float) -> None:
        """A lead that arrived in `week` was won after `days`."""
        while len(self.entry_cycle_n) <= week:
            self.entry_cycle_sum.append(0.0)
            self.entry_cycle_n.append(0)
        self.entry_cycle_sum[week] += days
        self.entry_cycle_n[week] += 1


@dataclass
class ReplicationResult:
    """Everything one replication measured, as plain numbers (None: nothing to measure)."""

    replication: int
    kpis: dict[str, float | None]
    stages: dict[str, dict[str, float | None]]
    flows: dict[str, dict[str, float]]
    """Per stage, visits that went to each target (stage id, won, lost) in the measured period."""
    staff: dict[str, float]
    roles: dict[str, float]
    customers: dict[str, float | None]
    cycle_time: Histogram
    timeline: Timeline
    owners: dict[str, dict[str, float | None]] = field(default_factory=dict)
    sources: dict[str, dict[str, float | None]] = field(default_factory=dict)
    """Per source and per segment: GROUP_MEASURES in sim.results."""
    segments: dict[str, dict[str, float | None]] = field(default_factory=dict)
    """Per person of a role with `routing: owner`: their deals (OWNER_MEASURES in sim.results)."""
