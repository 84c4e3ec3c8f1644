"""What one replication measures, in constant memory.

Counts and sums only cover the measured period (after warm-up). Percentiles come from a
log-binned histogram (1% relative resolution), so memory does not grow with the horizon.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterator, Mapping, MutableSequence, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Histogram", "ReplicationResult", "Rows", "StageTally", "Timeline"]


_LOW = 1e-4
_STEP = math.log(1.01)
_log = math.log


class Histogram:
    """Counts of positive values in geometric bins 1% wide, from 1e-4 up."""

    LOW = _LOW
    STEP = _STEP

    def __init__(self) -> None:
        self.counts: dict[int, int] = {}
        self.n = 0

    def add(self, x: float) -> None:
        i = int(_log(x / _LOW) / _STEP) if x > _LOW else 0
        counts = self.counts
        counts[i] = counts.get(i, 0) + 1
        self.n += 1

    def merge(self, other: Histogram) -> None:
        """Add another histogram's counts (pooling replications)."""
        counts = self.counts
        for i, c in other.counts.items():
            counts[i] = counts.get(i, 0) + c
        self.n += other.n

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


class Rows:
    """Equal-length rows of numbers in one flat array: `rows[i][j]`, `len(rows)`, `for row in rows`, as a list
    of lists reads, at 8 bytes a number and no object per row."""

    __slots__ = ("data", "width")

    def __init__(self, rows: Sequence[Sequence[float]]) -> None:
        self.width = len(rows[0]) if rows else 0
        if any(len(r) != self.width for r in rows):
            raise ValueError("rows of different lengths")
        self.data = array("d", [x for r in rows for x in r])  # from a list: allocated to size

    def __len__(self) -> int:
        return len(self.data) // self.width if self.width else 0

    def __getitem__(self, i: int) -> memoryview:
        n = len(self)
        if not -n <= i < n:
            raise IndexError(i)
        i %= n
        return memoryview(self.data)[i * self.width:(i + 1) * self.width]

    def __iter__(self) -> Iterator[memoryview]:
        return (self[i] for i in range(len(self)))


@dataclass(slots=True)
class Timeline:
    """Per-period series (a period is a calendar week, split at the end of warm-up)."""

    starts: MutableSequence[float] = field(default_factory=list)
    ends: MutableSequence[float] = field(default_factory=list)
    wip: list[MutableSequence[float]] = field(default_factory=list)
    """Time-average leads in each stage, per period."""
    busy: list[MutableSequence[float]] = field(default_factory=list)
    """Busy working hours of each person, per period."""
    available: list[MutableSequence[float]] = field(default_factory=list)
    """Working hours open to each person in each period (their role's calendar)."""
    customers: MutableSequence[float] = field(default_factory=list)
    pipeline: MutableSequence[float] = field(default_factory=list)
    """Time-average leads in the pipeline, per period."""
    won: MutableSequence[int] = field(default_factory=list)
    """Leads won in each period."""
    revenue: MutableSequence[float] = field(default_factory=list)
    """Revenue won in each period."""
    fte: list[MutableSequence[float]] = field(default_factory=list)
    """Capacity of each seat in full-time equivalents, per period (kept when the team changes during the run)."""
    departures: MutableSequence[int] = field(default_factory=list)
    """People who left by attrition, per period (kept when the team changes during the run)."""
    entry_cycle_sum: MutableSequence[float] = field(default_factory=list)
    entry_cycle_n: MutableSequence[int] = field(default_factory=list)
    """Cycle days summed, and count, of won leads by the calendar week they arrived in (week 0 first; kept
    when the team changes during the run)."""

    def compact(self) -> Timeline:
        """The same series in typed arrays (8 bytes a number instead of a Python float's 32): what a
        replication's result keeps, and what crosses from a worker process."""
        def rows(xs: list[MutableSequence[float]]) -> Any:
            return Rows(xs) if xs and all(len(r) == len(xs[0]) for r in xs) else [array("d", r) for r in xs]
        return Timeline(array("d", self.starts), array("d", self.ends), rows(self.wip), rows(self.busy),
                        rows(self.available), array("d", self.customers), array("d", self.pipeline),
                        array("q", self.won), array("d", self.revenue), rows(self.fte), array("q", self.departures),
                        array("d", self.entry_cycle_sum), array("q", self.entry_cycle_n))

    def entered(self, week: int, days: float) -> None:
        """A lead that arrived in `week` was won after `days`."""
        while len(self.entry_cycle_n) <= week:
            self.entry_cycle_sum.append(0.0)
            self.entry_cycle_n.append(0)
        self.entry_cycle_sum[week] += days
        self.entry_cycle_n[week] += 1


@dataclass(slots=True)
class ReplicationResult:
    """Everything one replication measured, as plain numbers (None: nothing to measure)."""

    replication: int
    kpis: Mapping[str, float | None]
    stages: Mapping[str, Mapping[str, float | None]]
    flows: Mapping[str, Mapping[str, float]]
    """Per stage, visits that went to each target (stage id, won, lost) in the measured period."""
    staff: Mapping[str, float]
    roles: Mapping[str, float]
    customers: Mapping[str, float | None]
    cycle_time: Histogram
    timeline: Timeline
    owners: Mapping[str, Mapping[str, float | None]] = field(default_factory=dict)
    sources: Mapping[str, Mapping[str, float | None]] = field(default_factory=dict)
    """Per source and per segment: GROUP_MEASURES in sim.results."""
    segments: Mapping[str, Mapping[str, float | None]] = field(default_factory=dict)
    """Per person of a role with `routing: owner`: their deals (OWNER_MEASURES in sim.results)."""
    steady: Any = None
    """Its `sim.stability.Steadiness`, once computed (a kept replication's weekly series are cut)."""
