"""Is the team stable? Demand against capacity per person and role, and queues growing over the run.

A team whose demand exceeds its hours has no steady state: its busiest people show 100% and its cycle
time grows with the horizon (a run twice as long reports a longer cycle). Those figures are not
answers, and a manager must be told so. Two signs, both measured:

- offered work: the leads that entered each stage per week × the mean effort of each activity (stretched
  by the person's focus penalty and capacity), shared equally among the people responsible for it, as
  the dispatcher shares a queue — against each person's open working hours. Above 100%: unstable.
- queue growth: the leads in each stage, week by week over the measured period, fitted by a line per
  replication; a slope whose 95% interval excludes zero, that adds at least a quarter of the stage's
  average (and 5 leads) over the run, behind people who are 95% busy or more, is a queue that grows
  without bound (a pipeline still filling after a short warm-up grows too, but its people are free).

A team that changes during the run (`sim.transitions`) is judged by its queues only, from its last dated
change on: equal shares of a team whose members come and go say nothing about any one person.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sim.distributions import mean_of
from sim.metrics import ReplicationResult
from sim.schema import Scenario
from sim.stats import Stat, stat
from sim.team import Team, seats
from sim.transitions import has_transitions

__all__ = ["GROWTH_SHARE", "LOAD_LIMIT", "GrowingQueue", "Stability", "Steadiness", "stability", "steadiness"]

LOAD_LIMIT = 1.0
"""Offered work above the hours open: no steady state."""
GROWTH_SHARE = 0.25
MIN_GROWTH = 5.0
"""A queue that grows over the measured period by a quarter of its average, and by at least 5 leads, is
growing; it makes the team unstable when the people it waits for are saturated (95% busy or more)."""
SATURATED = 0.95


@dataclass(frozen=True)
class GrowingQueue:
    growth_per_week: Stat
    """Leads added to the stage per week over the measured period (slope of a line per replication)."""
    average: float
    """Leads in the stage on average."""


@dataclass(frozen=True)
class Stability:
    """summary.json's `stability`: whether the run has a steady state, and if not, who and where."""

    stable: bool
    people: Mapping[str, Stat]
    """Person -> offered work as a share of their open hours, for those above LOAD_LIMIT."""
    growing_queues: Mapping[str, GrowingQueue]
    message: str

    def json(self) -> dict[str, Any]:
        return {"stable": self.stable, "people": {n: {"load": v.json()} for n, v in self.people.items()},
                "growing_queues": {sid: {"growth_per_week": q.growth_per_week.json(), "average": q.average}
                                   for sid, q in self.growing_queues.items()},
                "message": self.message}


def _offered(sc: Scenario, team: Team, r: ReplicationResult, weeks: float) -> dict[str, float]:
    """Working hours a week of work offered to each person (equal shares of each pool's work)."""
    fp = sc.focus_penalty
    out = {m.name: 0.0 for m in team.people}
    for st in sc.stages:
        entered = r.stages[st.id]["entered"] or 0.0
        for act in st.work_items:
            pool = team.responsible(st, act if act.role is not None else None)
            if not pool:
                continue
            hours = entered / weeks * mean_of(act.work) / len(pool)
            for m in pool:
                focus = 1.0 + (fp.per_extra_stage * max(0, len(m.stages) - fp.free_stages) if fp else 0.0)
                out[m.name] += hours * focus / m.capacity
    return out


def _slope(ys: Sequence[float], xs: Sequence[float]) -> float:
    n = len(xs)
    if n < 3:
        return 0.0
    mx, my = math.fsum(xs) / n, math.fsum(ys) / n
    sxx = math.fsum((x - mx) ** 2 for x in xs)
    return math.fsum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx if sxx else 0.0


@dataclass(frozen=True, slots=True)
class Steadiness:
    """One replication's part of the verdict: offered work per person, and per stage the slope and level
    of its queue over the measured weeks."""

    weeks: float
    loads: Mapping[str, float]
    growth: Mapping[str, float]
    level: Mapping[str, float]


def _judged_from(sc: Scenario) -> float:
    """The time from which the team is judged: the warm-up's end, or its last dated change."""
    warmup = sc.warmup
    if sc.changes:
        warmup = max(warmup, max(sc.hours_at(c) for c in sc.changes))
    return warmup


def steadiness(sc: Scenario, team: Team, r: ReplicationResult) -> Steadiness:
    """One replication's steady-state figures, read from its weekly series (kept when it arrives, so a
    run need not keep the series: `sim.digest`)."""
    warmup = _judged_from(sc)
    tl = r.timeline
    measured = [i for i, s in enumerate(tl.starts) if s >= warmup] or [len(tl.starts) - 1]
    hours = sum(tl.ends[i] - tl.starts[i] for i in measured)
    weeks = hours / 168 or 1.0
    loads = {}
    if not has_transitions(sc):  # equal shares of a team that changes: no
        offered = _offered(sc, team, r, weeks)
        for j, name in enumerate(r.staff):
            open_hours = sum(tl.available[i][j] for i in measured) / weeks
            loads[name] = offered[name] / open_hours if open_hours else math.inf
    mids = [(tl.starts[i] + tl.ends[i]) / 2 / 168 for i in measured]
    growth, level = {}, {}
    for k, st in enumerate(sc.stages):
        ys = [tl.wip[i][k] for i in measured]
        growth[st.id] = _slope(ys, mids)
        level[st.id] = math.fsum(ys) / len(ys) if ys else 0.0
    return Steadiness(weeks, loads, growth, level)


def stability(sc: Scenario, results: Sequence[ReplicationResult]) -> Stability:
    """Whether the run has a steady state, and if not, who and where."""
    team = Team(seats(sc))
    loads: dict[str, list[float]] = {}
    growth: dict[str, list[float]] = {st.id: [] for st in sc.stages}
    level: dict[str, list[float]] = {st.id: [] for st in sc.stages}
    span = 0.0
    for r in results:
        f = r.steady if r.steady is not None else steadiness(sc, team, r)
        span = f.weeks
        for name, load in f.loads.items():
            loads.setdefault(name, []).append(load)
        for st in sc.stages:
            growth[st.id].append(f.growth[st.id])
            level[st.id].append(f.level[st.id])
    people = {n: stat(v) for n, v in loads.items()
              if all(math.isfinite(x) for x in v) and (stat(v).mean or 0.0) > LOAD_LIMIT}
    busy = {n: math.fsum(r.staff[n] for r in results) / len(results) for n in results[0].staff}
    queues = {}
    for st in sc.stages:
        s = stat(growth[st.id])
        avg = math.fsum(level[st.id]) / len(level[st.id]) if level[st.id] else 0.0
        lo = s.low
        saturated = max((busy[m.name] for m in team.responsible(st)), default=0.0) >= SATURATED
        grows = s.mean is not None and lo is not None and lo > 0 and \
            s.mean * span >= max(GROWTH_SHARE * avg, MIN_GROWTH)
        if grows and saturated:  # a queue filling behind people who are never free, not a warm-up transient
            queues[st.id] = GrowingQueue(s, avg)
    stable = not people and not queues
    return Stability(stable, people, queues, _message(people, queues))


def _message(people: Mapping[str, Stat], queues: Mapping[str, GrowingQueue]) -> str:
    if not people and not queues:
        return "steady: every person's offered work fits their hours and no queue grows over the run"
    parts = [f"{n} is offered {100 * (d.mean or 0):.0f}% of their hours" for n, d in people.items()]
    parts += [f"the queue at {sid} grows by {q.growth_per_week.mean or 0:.1f} leads a week"
              for sid, q in queues.items()]
    return ("UNSTABLE — demand exceeds capacity: " + "; ".join(parts) + ". There is no steady state: cycle time "
            "and waits grow with the horizon, so these figures depend on how long the run is.")
