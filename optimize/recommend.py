"""Turn a plan into a scenario that runs as it is, changes a manager can read, and a verdict from
simulating it with the same random numbers as today."""

from __future__ import annotations

import copy
import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from optimize.assign import Objective, Plan
from optimize.workload import Workload
from sim.compare import Deltas, compare
from sim.runner import RunResult, simulate
from sim.scenario import scenario_from_data
from sim.schema import Scenario
from sim.stats import Delta, Verdict, paired_delta
from sim.team import build_team

__all__ = ["Verification", "apply_plan", "describe_changes", "judge", "max_utilization", "verify", "with_busiest"]


def apply_plan(sc: Scenario, data: dict[str, Any], plan: Plan, source: str) -> tuple[dict[str, Any], Scenario]:
    """The scenario's data with every person listed and responsible for the plan's stages."""
    team = build_team(sc)
    new = copy.deepcopy(data)
    people = []
    for m in team.people:
        entry: dict[str, Any] = {"name": m.name, "role": m.role, "stages": list(plan.responsibilities[m.name])}
        original = next((p for p in sc.people or () if p.name == m.name), None)
        if original is not None and original.capacity != 1.0:
            entry["capacity"] = original.capacity
        people.append(entry)
    new["people"] = people
    for role in new.get("roles", {}).values():
        if isinstance(role, dict):
            role.pop("headcount", None)
    return new, scenario_from_data(new, source)


def max_utilization(run: RunResult) -> list[float]:
    """The busiest person's utilization in each replication."""
    return [max(r.staff.values()) for r in run.replications]


@dataclass(frozen=True)
class Verification:
    """A plan simulated on the same random numbers as today, and whether it holds."""

    verified: bool
    reason: str
    after: RunResult
    deltas: Deltas
    """After minus today; kpis also has max_utilization (the busiest person, lower is better)."""


def with_busiest(deltas: Deltas, before: RunResult, after: RunResult) -> Deltas:
    """`deltas` with the busiest person's utilization among the KPIs (lower is better)."""
    top = paired_delta(max_utilization(before), max_utilization(after), better=-1)
    return dataclasses.replace(deltas, kpis={**deltas.kpis, "max_utilization": top})


def verify(objective: Objective, before: RunResult, scenario: Scenario) -> Verification:
    """Simulate the recommendation on the same seed and replications and judge it, paired."""
    after = simulate(scenario, replications=len(before.replications), seed=before.seed)
    deltas = with_busiest(compare(before, after), before, after)
    ok, reason = judge(objective, deltas.kpis)
    return Verification(ok, reason, after, deltas)


def judge(objective: Objective, k: Mapping[str, Delta]) -> tuple[bool, str]:
    """Confirmed when the target improves significantly and nothing a manager is paid for gets
    significantly worse: wins per week, revenue per week, and (unless it is the target) cycle time."""
    if k["won_per_week"].verdict is Verdict.WORSE:
        return False, f"fewer wins per week (significant: {_pm(k['won_per_week'], 'a week')})"
    if k["revenue_per_week"].verdict is Verdict.WORSE:
        return False, f"less revenue per week (significant: {_pm(k['revenue_per_week'], 'a week')})"
    if objective is Objective.CYCLE_TIME:
        target, name, unit = k["cycle_time_days"], "cycle time", "days"
    else:
        target, name, unit = k["max_utilization"], "the busiest person's utilization", "pp"
    if target.verdict is not Verdict.BETTER:
        return False, f"{name} does not improve significantly in simulation ({_pm(target, unit)})"
    if k["cycle_time_days"].verdict is Verdict.WORSE and objective is not Objective.CYCLE_TIME:
        return False, f"cycle time gets worse ({_pm(k['cycle_time_days'], 'days')})"
    return True, f"{name} improves: {_pm(target, unit)}"


def _pm(d: Delta, unit: str = "") -> str:
    """A paired difference with its interval, in the unit a manager reads: utilization and rates in
    percentage points (pp), days in days, counts as they are."""
    lo, hi = d.ci95
    if lo is None or hi is None or d.mean is None:
        return "not measurable"
    if unit == "pp":
        return f"{100 * d.mean:+.1f} pp [{100 * lo:+.1f}, {100 * hi:+.1f}]"
    suffix = f" {unit}" if unit else ""
    return f"{d.mean:+.3g}{suffix} [{lo:+.3g}, {hi:+.3g}]"


def describe_changes(wl: Workload, plan: Plan, simulated: dict[str, float | None]) -> list[dict[str, Any]]:
    """Per person who changes: what they add and drop, and a sentence a manager can act on."""
    before = {p.name: set(p.stages) for p in wl.people}
    role = {p.name: p.role for p in wl.people}
    after = {n: set(v) for n, v in plan.responsibilities.items()}
    gains: dict[str, list[str]] = {}
    for n, stages in after.items():
        for s in sorted(stages - before[n]):
            gains.setdefault(s, []).append(n)
    changes = []
    for p in wl.people:
        add = [s for s in wl.stages if s in after[p.name] - before[p.name]]
        drop = [s for s in wl.stages if s in before[p.name] - after[p.name]]
        if not add and not drop:
            continue
        u = simulated.get(p.name)
        busy = f"{100 * u:.0f}% busy" if u is not None and math.isfinite(u) else "busy"
        parts = [f"{p.name} ({p.role}), {busy} over {len(before[p.name])} stage(s)"]
        if drop:
            takers = sorted({t for s in drop for t in gains.get(s, [])} - {p.name})
            to = f" to {', '.join(f'{t} ({role[t]}, {_pct(simulated.get(t))})' for t in takers)}" if takers else ""
            parts.append(f"hand {', '.join(drop)}{to}")
        if add:
            parts.append(f"take on {', '.join(add)}")
        after_u = plan.utilization[p.name]
        parts.append(f"predicted {100 * after_u:.0f}% busy after")
        changes.append({"person": p.name, "add": add, "remove": drop, "text": ": ".join(parts[:1]) + ": " +
                      "; ".join(parts[1:])})
    return changes


def _pct(u: float | None) -> str:
    return f"{100 * u:.0f}%" if u is not None else "?"
