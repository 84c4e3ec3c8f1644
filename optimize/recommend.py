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
from optimize.gates import Decision, Gate, Gates, decide
from optimize.workload import Workload
from sim.compare import Deltas, compare
from sim.runner import RunResult, extend, max_utilization, simulate
from sim.scenario import scenario_from_data
from sim.schema import Scenario
from sim.stats import Delta, Stat, paired_delta
from sim.team import build_team

__all__ = ["Verification", "apply_plan", "describe_changes", "describe_routing", "judge", "max_utilization",
           "target_of", "verify", "with_busiest"]


def apply_plan(sc: Scenario, data: dict[str, Any], plan: Plan, source: str,
               effective: float | None = None) -> tuple[dict[str, Any], Scenario]:
    """The scenario's data with every person listed and responsible for the plan's stages, and owners of
    a rerouted role chosen by the plan's shares (in percent of the role's new deals); open deals at a stage
    their owner gives up are handed over (the role's routing chooses their owner); with `effective`
    (hours from the start), the same as dated changes of responsibilities then, leads in flight included."""
    team = build_team(sc)
    new = copy.deepcopy(data)
    if effective is not None:
        moves = []
        for m in team.people:
            now, then = set(m.stages), set(plan.responsibilities[m.name])
            if now != then:
                moves.append({"at": f"{effective:g}h", "responsibilities": {
                    "person": m.name, "add": [s for s in plan.responsibilities[m.name] if s not in now],
                    "remove": [s for s in m.stages if s not in then]}})
        new["changes"] = [*(new.get("changes") or []), *moves]
        return new, scenario_from_data(new, source)
    listed = {p.get("name"): p for p in new.get("people") or () if isinstance(p, dict)}
    people = []
    for m in team.people:
        # a listed person keeps everything else about them (capacity, speed, win rate, ramp, territory)
        entry: dict[str, Any] = {**listed.get(m.name, {"name": m.name, "role": m.role}),
                                 "stages": list(plan.responsibilities[m.name])}
        if m.role in plan.routing:
            entry["share"] = round(100 * plan.routing[m.role].get(m.name, 0.0), 2)
        people.append(entry)
    new["people"] = people
    for deal in new.get("pipeline") or ():  # an open deal at a stage its owner gives up is handed over
        if isinstance(deal, dict) and deal.get("owner") in plan.responsibilities and \
                deal.get("stage") not in plan.responsibilities[deal["owner"]]:
            del deal["owner"]
    for name, role in new.get("roles", {}).items():
        if isinstance(role, dict):
            role.pop("headcount", None)
            if name in plan.routing:
                role["assign"] = "weighted"
    return new, scenario_from_data(new, source)


@dataclass(frozen=True)
class Verification:
    """A plan simulated on the same random numbers as today, and whether it holds (`optimize.gates`)."""

    verified: bool
    reason: str
    after: RunResult
    deltas: Deltas
    """After minus today; kpis also has max_utilization (the busiest person, lower is better)."""
    decision: Decision = Decision.VERIFIED
    gates: tuple[Gate, ...] = ()
    replications: int = 0
    """Replications the decision took (more than asked when the first ones could not decide)."""
    before: RunResult | None = None
    """Today's run at those replications (extended when more were needed)."""


def with_busiest(deltas: Deltas, before: RunResult, after: RunResult) -> Deltas:
    """`deltas` with the busiest person's utilization among the KPIs (lower is better)."""
    top = paired_delta(max_utilization(before), max_utilization(after), better=-1)
    return dataclasses.replace(deltas, kpis={**deltas.kpis, "max_utilization": top})


def target_of(objective: Objective) -> str:
    return "cycle_time_days" if objective is Objective.CYCLE_TIME else "max_utilization"


def verify(objective: Objective, before: RunResult, scenario: Scenario, gates: Gates | None = None) -> Verification:
    """Simulate the plan on today's seed and replications and judge it, paired; where the gates cannot
    decide, double the replications of both (same random numbers) up to the cap."""
    g = gates or Gates()
    n = len(before.replications)
    after = simulate(scenario, replications=n, seed=before.seed)
    while True:
        deltas = with_busiest(compare(before, after), before, after)
        decision, checks, reason = judge(objective, deltas.kpis, before.summary.kpis, g)
        if decision is not Decision.CANNOT_TELL or n >= g.max_replications:
            break
        n = min(2 * n, g.max_replications)
        before, after = extend(before, n), extend(after, n)
    return Verification(decision is Decision.VERIFIED, reason, after, deltas, decision, tuple(checks), n, before)


def judge(objective: Objective, k: Mapping[str, Delta], today: Mapping[str, Stat],
          gates: Gates | None = None) -> tuple[Decision, list[Gate], str]:
    """The gates of `optimize.gates` for a plan: wins and revenue not worse beyond the margin, the
    target improved by a material amount, cycle time (unless the target) not worse beyond its margin."""
    g = gates or Gates()
    decision, checks = decide(target_of(objective), k, today, g)
    if decision is Decision.WORSE:
        failed = next(c for c in checks if c.decision is Decision.WORSE)
        return decision, checks, _refusal(failed)
    if decision is Decision.CANNOT_TELL:
        open_ = [c.text for c in checks if c.decision is Decision.CANNOT_TELL]
        return decision, checks, "cannot tell: " + "; ".join(open_)
    name, unit = (("cycle time", "days") if objective is Objective.CYCLE_TIME
                  else ("the busiest person's utilization", "pp"))
    return decision, checks, f"{name} improves: {_pm(k[target_of(objective)], unit)}"


def _refusal(gate: Gate) -> str:
    return {"won_per_week": "fewer wins per week", "revenue_per_week": "less revenue per week",
            "cycle_time_days": "cycle time gets worse"}.get(gate.name, "the gain is not material") + \
        f" ({gate.text})"


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


def describe_changes(wl: Workload, plan: Plan, simulated: dict[str, float | None],
                     simulated_after: Mapping[str, float | None] | None = None) -> list[dict[str, Any]]:
    """Per person who changes: what they add and drop, and a sentence a manager can act on;
    `simulated_after`, each person's simulated utilization under the plan, when it has been simulated."""
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
        crossing = [s for s in add if p.role_change(s)]
        if add:
            parts.append(f"take on {', '.join(add)}")
        if crossing:
            parts.append(f"a role change: {', '.join(crossing)} {'is' if len(crossing) == 1 else 'are'} not "
                         f"{p.role} work (pay, quota and title follow)")
        after_u = plan.utilization[p.name]
        sim_after = (simulated_after or {}).get(p.name)
        parts.append(f"predicted {100 * after_u:.0f}% busy after" + (
            f", simulated {100 * sim_after:.0f}%" if sim_after is not None and math.isfinite(sim_after) else ""))
        changes.append({"person": p.name, "add": add, "remove": drop, "role_change": crossing,
                        "text": ": ".join(parts[:1]) + ": " + "; ".join(parts[1:])})
    return changes + describe_routing(wl, plan, simulated_after)


def describe_routing(wl: Workload, plan: Plan,
                     simulated_after: Mapping[str, float | None] | None = None) -> list[dict[str, Any]]:
    """Per owner role whose routing changes: each owner's share of the role's new deals, today's and the
    plan's (`person` is None in these entries; `shares` has both)."""
    after = simulated_after or {}

    def one(name: str, share: float, today: float) -> str:
        sim = after.get(name)
        busy = f", simulated {100 * sim:.0f}% busy" if sim is not None and math.isfinite(sim) else ""
        return f"{name} {100 * share:.1f}% (today {100 * today:.1f}%; predicted " \
            f"{100 * plan.utilization[name]:.0f}% busy{busy})"

    out: list[dict[str, Any]] = []
    for role, shares in plan.routing.items():
        today = wl.owners.get(role, {})
        text = (f"new {role} deals go to owners by share (assign: weighted): "
                + ", ".join(one(n, v, today.get(n, 0.0)) for n, v in shares.items()))
        out.append({"person": None, "role": role, "add": [], "remove": [], "role_change": [],
                    "shares": {n: {"today": today.get(n, 0.0), "after": v} for n, v in shares.items()},
                    "text": text})
    return out


def _pct(u: float | None) -> str:
    return f"{100 * u:.0f}%" if u is not None else "?"
