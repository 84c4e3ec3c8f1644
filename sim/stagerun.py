"""A stage as the engine runs it: its activities' pools and samplers, its outcome table (with the
people's, seasons' and segments' multipliers), the remaining time of an open deal, and its tallies;
and the figures kept per source and per segment.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from typing import Any

import numpy as np

from sim.dispatch import Pool
from sim.lead import LOST, STALLED, Lead
from sim.metrics import StageTally
from sim.schema import Stage
from sim.streams import DealDraws, Streams

__all__ = ["RESUME_TRIES", "ActivityRun", "Draw", "Figures", "SegmentRun", "StageRun"]


Draw = Callable[[int, int], float]
"""A draw for (lead key, visit number): the same in every scenario (`sim.streams`)."""


class ActivityRun:
    __slots__ = ("name", "pool", "role", "work")

    def __init__(self, name: str, pool: Pool, work: Draw, role: str) -> None:
        self.name = name
        self.pool = pool
        self.work = work
        self.role = role


RESUME_TRIES = 2_000
"""Draws an open deal's remaining time may take. A deal older than all of them (its stage's timing
makes a stay that long rarer than 1 in 2,000) is overdue: it ends at once, its outcome drawn as for a
new deal (a stage with a stalled outcome takes a stalled draw first: old deals there stay stalled)."""


class StageRun:
    """A stage compiled for the engine: pools, samplers, outcome table and tallies."""

    def __init__(self, spec: Stage, streams: Streams, pools: list[Pool], keyed: bool) -> None:
        self.spec = spec
        self.id = spec.id
        self.keyed = keyed
        self.tally = StageTally()
        dist: Callable[[object, str], Draw] = streams.keyed if keyed else streams.by_customer
        uniform: Callable[[str], Draw] = streams.keyed_uniform if keyed else streams.by_customer_uniform
        self.acts = [ActivityRun(a.name, p, dist(a.work, f"work:{spec.id}:{a.name}"), a.role or "/".join(spec.roles))
                     for a, p in zip(spec.work_items, pools, strict=True)]
        self.wait: Draw | None = dist(spec.wait, f"wait:{spec.id}") if spec.wait else None
        probabilities = spec.probabilities
        self.targets: list[Any] = list(probabilities)  # ids for now; resolved to StageRun in link()
        probs = list(probabilities.values())
        self.cum = [sum(probs[: i + 1]) for i in range(len(probs))]
        self.pick = uniform(f"outcome:{spec.id}")
        self._cum_for: dict[float, list[float]] = {}
        """Cumulative chances per win multiplier met so far (people, segments, quarter-ends: a handful)."""
        self.decay = spec.decay
        self.decay_u = uniform(f"decay:{spec.id}") if spec.decay else None
        self.cooled: Any = spec.decay.cooled if spec.decay else None
        self.stuck_after = spec.stuck_after
        self.active: dict[Lead, float] | None = {} if spec.stuck_after else None
        self.stuck_at_end = 0
        self.after: dict[str, Draw] = {t: dist(d, f"after:{spec.id}:{t}") for t, d in spec.timed.items()}
        """Outcome id -> its own time until the lead leaves (empty for most stages)."""
        self.revive_to: Any = spec.revival[0] if spec.revival else None
        self.stalled_since: list[float] = []
        self.stalls = STALLED in probabilities
        self.customer_side = spec.wait is not None or bool(self.after)
        """The stage has customer-side time: an open deal that old is past its staff work."""
        self._open: tuple[DealDraws | None, DealDraws, dict[str, DealDraws]] | None = None
        self.starts_cycle = False
        """The cycle time is counted from a lead's first entry here (kpis.cycle_time_from)."""
        """When each deal that stalled here for good entered the stage (for stuck figures at the end)."""

    def link(self, by_id: dict[str, StageRun]) -> None:
        self.targets = [by_id.get(t, t) for t in self.targets]
        if self.cooled is not None:
            self.cooled = by_id.get(self.cooled, self.cooled)
        if self.revive_to is not None:
            self.revive_to = by_id[self.revive_to]

    def new_outcomes(self, spec: Stage, streams: Streams, by_id: dict[str, StageRun]) -> None:
        """Decide by `spec`'s outcomes from now on (a dated change); the same random streams."""
        fresh = StageRun(spec, streams, [a.pool for a in self.acts], self.keyed)
        fresh.link(by_id)
        self.spec = spec
        self.targets, self.cum, self._cum_for = fresh.targets, fresh.cum, {}
        self.after, self.revive_to, self.stalls = fresh.after, fresh.revive_to, fresh.stalls
        self.customer_side = spec.wait is not None or bool(self.after)
        self._open = None

    def choose(self, waited: float, key: int, n: int, win_rate: float = 1.0) -> tuple[Any, bool]:
        """The outcome of lead `key`'s n-th visit, whose first touch came `waited` hours after arrival;
        (target, cooled). `win_rate` multiplies the advancing outcomes' chances (the finisher's)."""
        if self.decay_u is not None and self.decay_u(key, n) > self.decay.multiplier(waited):  # type: ignore[union-attr]
            return self.cooled, True
        if len(self.targets) == 1:
            return self.targets[0], False
        cum = self.cum if win_rate == 1.0 else (self._cum_for.get(win_rate) or self._scaled(win_rate))
        return self.targets[bisect.bisect_right(cum, self.pick(key, n) * cum[-1])], False

    def resume(self, age: float, key: int, streams: Streams) -> tuple[Any, float]:
        """(outcome, remaining time) of an open deal `age` hours into the customer-side part of this stage,
        drawn given that it has lasted that long: outcomes and times are drawn as for a new visit until
        their time exceeds the age (a deal that old is more likely one of the slow outcomes; stalled deals
        never end, so old deals are more likely stalled). Separate streams, in blocks over the tries of one
        deal: a new visit's draws are untouched."""
        if self._open is None:
            spec = self.spec
            self._open = (streams.deal(spec.wait, f"open:wait:{self.id}") if spec.wait else None,
                          streams.deal(None, f"open:outcome:{self.id}"),
                          {t: streams.deal(d, f"open:after:{self.id}:{t}") for t, d in spec.timed.items()})
        wait, pick, after = self._open
        n = RESUME_TRIES
        which = np.searchsorted(np.asarray(self.cum), pick(key, n) * self.cum[-1], side="right")
        which = np.minimum(which, len(self.targets) - 1)
        total = wait(key, n) if wait is not None else np.zeros(n)
        ids = [t.id if isinstance(t, StageRun) else t for t in self.targets]
        for i, tid in enumerate(ids):
            if tid in after:
                total = total + np.where(which == i, after[tid](key, n), 0.0)
        ok = total > age
        if STALLED in ids and self.revive_to is None:
            ok |= which == ids.index(STALLED)
        if not ok.any():
            return self.targets[int(which[0])], 0.0
        j = int(np.argmax(ok))
        target = self.targets[int(which[j])]
        return target, (0.0 if target == STALLED and self.revive_to is None else float(total[j]) - age)

    def _scaled(self, m: float) -> list[float]:
        out = self._cum_for[m] = self._scale(m)
        return out

    def _scale(self, m: float) -> list[float]:
        """Cumulative chances with the advancing outcomes (next stages, won) times m, the others
        (lost, stalled) scaled so that the total stays the same."""
        total = self.cum[-1]
        probs = [b - a for a, b in zip([0.0, *self.cum[:-1]], self.cum, strict=True)]
        adv = sum(p for p, t in zip(probs, self.targets, strict=True) if t not in (LOST, STALLED))
        new = min(total, adv * m)
        up = new / adv if adv else 0.0
        down = (total - new) / (total - adv) if total > adv else 0.0
        out, acc = [], 0.0
        for p, t in zip(probs, self.targets, strict=True):
            acc += p * (down if t in (LOST, STALLED) else up)
            out.append(acc)
        return out


class Figures:
    """Deals of one source or segment in the measured period: the per-source and per-segment figures."""

    __slots__ = ("arrived", "cycle_n", "cycle_sum", "lost", "revenue", "won")

    def __init__(self) -> None:
        self.arrived = self.won = self.lost = self.cycle_n = 0
        self.revenue = self.cycle_sum = 0.0

    def close(self, won: bool, value: float, days: float | None) -> None:
        if won:
            self.won += 1
            self.revenue += value
            if days is not None:
                self.cycle_sum += days
                self.cycle_n += 1
        else:
            self.lost += 1


class SegmentRun:
    """A segment compiled for the engine: its work and win multipliers by stage id, its figures."""

    __slots__ = ("figures", "name", "values", "win", "work")

    def __init__(self, name: str, work: dict[str, float], win: dict[str, float], values: dict[int, Any]) -> None:
        self.name = name
        self.work = work
        self.win = win
        self.values = values
        """Source index -> its deal-value sampler for this segment (absent: the source's value)."""
        self.figures = Figures()
