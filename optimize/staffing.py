"""How many people each role needs: least cost that meets the targets, checked by simulation.

Each role is sized as one pool (its people share its stages): offered load a_r in Erlangs, mean
effort per touch S_r, Erlang C wait per touch W_r(h) (convex in h: exact chords at integers). The
cycle time is modelled as a level plus the queue waits a won lead meets along the main flow
(n_r touches per role, waits converted from working to calendar hours); the level is calibrated on
the simulation. Loop (Atlason et al. 2004; notes in docs/optimizer-notes.md): solve, simulate with
the same random numbers, and where the upper end of a simulated 95% interval misses a target,
re-calibrate at the simulated point and tighten the target by the interval's half-width; finally
validate on fresh seeds.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pulp

from optimize import solvers
from optimize.erlang import chords, mean_wait
from optimize.gates import Decision, Gates, decide
from optimize.recommend import max_utilization
from optimize.workload import Workload
from sim.compare import compare
from sim.runner import RunResult, extend, simulate
from sim.scenario import scenario_from_data
from sim.schema import Scenario
from sim.stats import Delta, Stat, Verdict, stat
from sim.team import build_team, default_stages

__all__ = ["METRICS", "WEEKS_PER_YEAR", "Round", "Staffing", "Target", "money_per_year", "parse_target", "staff",
           "staffed_data", "team_cost"]

METRICS = {"cycle_time_days": "<=", "max_utilization": "<="}
MAX_ROUNDS = 6


@dataclass(frozen=True)
class Target:
    metric: str
    limit: float

    def met_by(self, s: Stat) -> bool:
        """Met when the whole 95% interval is within the limit."""
        hi = s.high if s.high is not None else s.mean
        return hi is not None and hi <= self.limit

    def __str__(self) -> str:
        return f"{self.metric}<={self.limit:g}"


def parse_target(text: str) -> Target:
    """'cycle_time_days<=30' -> Target. Raise ValueError naming what is allowed."""
    m = re.fullmatch(r"\s*([a-z_]+)\s*<=\s*([0-9.]+)\s*", text)
    if m is None or m.group(1) not in METRICS:
        raise ValueError(f"--target {text!r}: write METRIC<=VALUE with METRIC one of {', '.join(METRICS)}")
    return Target(m.group(1), float(m.group(2)))


@dataclass
class Round:
    headcount: dict[str, int]
    cost: float
    predicted_cycle: float
    simulated: dict[str, Stat]
    """cycle_time_days and max_utilization, as simulated."""
    met: bool


@dataclass
class Staffing:
    status: str
    message: str
    headcount_before: dict[str, int]
    headcount_after: dict[str, int] = field(default_factory=dict)
    cost_before: float = 0.0
    cost_after: float = 0.0
    rounds: list[Round] = field(default_factory=list)
    data: dict[str, Any] | None = None
    """The staffed scenario: set only when it is recommended (targets met, validated, nothing lost)."""
    after: RunResult | None = None
    validation: dict[str, Any] | None = None
    money: dict[str, Any] | None = None
    """Per year: the cost change, the revenue change with its 95% CI, and the net (revenue minus cost)."""
    before: RunResult | None = None
    """Today's run at the replications the gates needed (paired with `after`)."""
    replications: int = 0


@dataclass(frozen=True)
class _Pool:
    role: str
    load: float  # Erlangs (busy people on average)
    service: float  # working hours per touch
    touches: float  # queue waits per won lead along the main flow
    hours: float  # working hours per person per week
    cost: float


def _pools(sc: Scenario, wl: Workload) -> dict[str, _Pool]:
    today = {p.name: p.stages for p in wl.people}
    util = wl.predict(today)
    chain, seen = [], set()
    s = max(sc.sources, key=lambda x: x.rate).enters
    while s in wl.main_flow and s not in seen:
        chain.append(s)
        seen.add(s)
        s = wl.main_flow[s]
    chain.append(s)
    pools = {}
    for role, spec in sc.roles.items():
        members = [p for p in wl.people if p.role == role]
        if not members:
            continue
        work = sum(util[p.name] * p.hours_per_week for p in members)
        hours = sum(p.hours_per_week for p in members) / len(members)
        visits = touches = 0.0
        for it in wl.items:
            holders = [p for p in wl.people if it.stage in p.stages and wl.item_eligible(p, it)]
            share = sum(1 for p in holders if p.role == role) / len(holders) if holders else 0.0
            visits += share * it.visits_per_week
            if it.stage in chain:
                touches += share
        service = work / visits if visits else 1.0
        pools[role] = _Pool(role, work / hours, service, touches, hours, spec.cost_per_year or 1.0)
    return pools


def _solve(pools: dict[str, _Pool], free: list[str], fixed: dict[str, int], grow_only: set[str],
           level: float, cycle_limit: float | None, util_limit: float | None, budget: float | None,
           solver: str, time_limit: float) -> dict[str, int] | None:
    """Least-cost headcounts for the free roles; roles in `grow_only` (named teams) may not shrink."""
    prob = pulp.LpProblem("staffing", pulp.LpMinimize)
    top = {r: max(fixed[r] * 3, math.ceil(pools[r].load * 3) + 3) for r in free}
    h = {r: prob.add_variable(f"h_{r}", max(fixed[r] if r in grow_only else 1, math.floor(pools[r].load) + 1),
                              top[r], cat=pulp.LpInteger) for r in free}
    w = {r: prob.add_variable(f"w_{r}", 0) for r in free}
    for r in free:
        for a, b in chords(pools[r].load, pools[r].service, top[r]):
            prob += w[r] - b * h[r] >= a
        if util_limit is not None:
            prob += h[r] * util_limit >= pools[r].load
    if cycle_limit is not None:
        fixed_days = _queue_days({r: p for r, p in pools.items() if r not in free}, fixed)
        prob += pulp.lpSum(pools[r].touches * _calendar(pools[r]) / 24 * w[r] for r in free) <= \
            cycle_limit - level - fixed_days
    cost = pulp.lpSum(pools[r].cost * h[r] for r in free)
    if budget is not None:
        prob += cost <= budget - sum(pools[r].cost * fixed[r] for r in pools if r not in free)
    prob.setObjective(cost + 1e-6 * pulp.lpSum(w.values()))
    with solvers.quiet():
        prob.solve(solvers.solver(solver, time_limit))
    if prob.status != pulp.LpStatusOptimal or prob.sol_status != pulp.LpSolutionOptimal:
        return None
    return {r: round(h[r].value()) for r in free}


def _calendar(p: _Pool) -> float:
    """Calendar hours per working hour of waiting (a queue of work waits through nights too)."""
    return 168.0 / p.hours if p.hours else 1.0


SATURATED = 0.95


def _queue_days(pools: dict[str, _Pool], heads: dict[str, int]) -> float:
    """Queue waits a won lead meets, in days. Pools at or past saturation (load >= 95% of their people)
    count 0: the steady-state wait there is huge or infinite, while a finite run never gets near it, so
    it is no basis for calibration (the simulation measures what happens; the loop corrects the rest)."""
    return sum(p.touches * _calendar(p) * mean_wait(heads[r], p.load, p.service)
               for r, p in pools.items() if p.load < SATURATED * heads[r]) / 24


def _predicted_cycle(pools: dict[str, _Pool], heads: dict[str, int], level: float) -> float:
    return level + _queue_days(pools, heads)


def staffed_data(sc: Scenario, data: dict[str, Any], heads: dict[str, int]) -> dict[str, Any]:
    """The scenario's data with the new headcounts (named teams grow by 'new <role> k'; where owners
    are chosen by share, a hire gets the role's average share)."""
    new = copy.deepcopy(data)
    listed = {p.role for p in sc.people or ()}
    for role, n in heads.items():
        if role in listed:
            have = [p for p in new["people"] if p["role"] == role]
            hire: dict[str, Any] = {"role": role, "stages": list(default_stages(sc, role))}
            if sc.roles[role].assign == "weighted" and have:  # an average share of new deals, not 1 of 100
                hire["share"] = sum(p.get("share", 1.0) for p in have) / len(have)
            for k in range(n - len(have)):
                new["people"].append({"name": f"new {role} {k + 1}", **hire})
            if "headcount" in new["roles"][role]:
                new["roles"][role]["headcount"] = max(n, len(have))
        else:
            new["roles"][role] = {**new["roles"][role], "headcount": n}
    return new


def staff(sc: Scenario, data: dict[str, Any], before: RunResult, wl: Workload, targets: list[Target],
          roles: list[str], budget: float | None, solver: str = "cbc", time_limit: float = 60.0,
          progress: Callable[[str], None] | None = None, gates: Gates | None = None) -> Staffing:
    """The least-cost headcounts for `roles` meeting every target in simulation (or why not).

    The loop (Atlason et al. 2004): solve the queueing model, simulate the staffing on the same random
    numbers, and where a target is missed, recalibrate the model at the simulated point and tighten the
    target by the interval's half-width; solve again. A staffing that meets every target is validated on
    fresh seeds."""
    team = build_team(sc)
    heads0 = {r: len(team.of_role(r)) for r in sc.roles}
    grow_only = {r for r in roles if r in {p.role for p in sc.people or ()}}
    pools = _pools(sc, wl)
    result = Staffing("infeasible", "", heads0, cost_before=sum(pools[r].cost * heads0[r] for r in pools))
    cyc = next((t for t in targets if t.metric == "cycle_time_days"), None)
    util = next((t for t in targets if t.metric == "max_utilization"), None)
    level = _calibrated_level(sc, data, before, pools, roles, heads0, progress)
    limits = (cyc.limit if cyc else None, util.limit if util else None)
    outside = _busy_outside(wl, pools, roles, util)
    if outside:
        result.message = outside
        return result
    seen: set[tuple[tuple[str, int], ...]] = set()
    for rnd in range(MAX_ROUNDS):
        heads = _solve(pools, roles, heads0, grow_only, level, limits[0], limits[1], budget, solver, time_limit)
        if heads is None:
            result.message = _no_solution(pools, roles, heads0, level, limits[0], cyc, targets, budget, rnd)
            return result
        key = tuple(sorted(heads.items()))
        if key in seen:
            result.message = _stalled(heads, targets)
            return result
        seen.add(key)
        if progress is not None:
            progress(f"round {rnd + 1}: simulating {', '.join(f'{r} {n}' for r, n in heads.items())}")
        new_data = staffed_data(sc, data, heads)
        after = simulate(scenario_from_data(new_data, "staffed.yaml"), replications=len(before.replications),
                         seed=before.seed)
        full = {**heads0, **heads}
        rnd_result = _round(pools, heads, full, level, after, targets)
        result.rounds.append(rnd_result)
        if rnd_result.met:
            return _met(result, sc, new_data, before, after, full, targets, gates or Gates())
        level, limits = _tighten(pools, full, level, rnd_result, cyc, util, limits)
    result.message = f"targets not met after {MAX_ROUNDS} rounds"
    return result


def _calibrated_level(sc: Scenario, data: dict[str, Any], before: RunResult, pools: dict[str, _Pool],
                      roles: list[str], heads0: dict[str, int], progress: Callable[[str], None] | None) -> float:
    """The part of the cycle time queueing for staff does not explain (customer waits, the work itself).

    Today's simulated cycle less the model's queue days; when a role is saturated today its queues have
    no steady state, so the level is measured on a probe staffed at 80% instead."""
    saturated = [r for r in roles if pools[r].load >= SATURATED * heads0[r]]
    if not saturated:
        return float(before.summary.kpi("cycle_time_days") or 0.0) - _queue_days(pools, heads0)
    probe = {**heads0, **{r: max(heads0[r], math.ceil(pools[r].load / 0.8)) for r in saturated}}
    if progress is not None:
        progress(f"probe: simulating {', '.join(f'{r} {probe[r]}' for r in saturated)} to calibrate")
    run = simulate(scenario_from_data(staffed_data(sc, data, {r: probe[r] for r in saturated}), "probe.yaml"),
                   replications=len(before.replications), seed=before.seed)
    return float(run.summary.kpi("cycle_time_days") or 0.0) - _queue_days(pools, probe)


def _busy_outside(wl: Workload, pools: dict[str, _Pool], roles: list[str], util: Target | None) -> str | None:
    """Why a utilization target cannot be met by the roles that may change, if a role outside is too busy."""
    if util is None:
        return None
    busy = {r: max((p.utilization or 0.0) for p in wl.people if p.role == r) for r in pools if r not in roles}
    stuck = {r: u for r, u in busy.items() if u > util.limit}
    if not stuck:
        return None
    return (f"{util} cannot be met by changing {', '.join(roles)}: " +
            ", ".join(f"{r} is {100 * u:.0f}% busy" for r, u in stuck.items()) + " and is not among --roles")


def _no_solution(pools: dict[str, _Pool], roles: list[str], heads0: dict[str, int], level: float,
                 cycle_limit: float | None, cyc: Target | None, targets: list[Target], budget: float | None,
                 rnd: int) -> str:
    floor = level + _queue_days({r: p for r, p in pools.items() if r not in roles}, heads0)
    why = (f"; even with unlimited {', '.join(roles)} the model's cycle time is {floor:.1f} days "
           "(customer-side waits and the work itself do not shrink with headcount)"
           if cyc is not None and cycle_limit is not None and floor > cycle_limit else "")
    budget_note = f" within the budget of {budget:,.0f}" if budget is not None else ""
    return (f"no headcount{budget_note} meets {', '.join(map(str, targets))}" +
            (f" after {rnd} round(s) of tightening" if rnd else "") + why)


def _stalled(heads: dict[str, int], targets: list[Target]) -> str:
    staffing = ", ".join(f"{r} {n}" for r, n in heads.items())
    return (f"tightening the model no longer changes the staffing ({staffing}) and the simulation "
            f"still misses {', '.join(map(str, targets))}: what limits it is not queueing for staff "
            "(e.g. handoffs, customer waits)")


def _round(pools: dict[str, _Pool], heads: dict[str, int], full: dict[str, int], level: float, after: RunResult,
           targets: list[Target]) -> Round:
    sim = {"cycle_time_days": after.summary.kpis["cycle_time_days"], "max_utilization": stat(max_utilization(after))}
    met = all(t.met_by(sim[t.metric]) for t in targets)
    return Round(heads, sum(pools[r].cost * full[r] for r in pools), _predicted_cycle(pools, full, level), sim, met)


def _met(result: Staffing, sc: Scenario, new_data: dict[str, Any], before: RunResult, after: RunResult,
         full: dict[str, int], targets: list[Target], gates: Gates) -> Staffing:
    """The targets are met in simulation: recommend the staffing only if it also holds on fresh seeds,
    keeps the wins, and loses no more revenue than it saves."""
    kpis = compare(before, after).kpis
    n = len(before.replications)
    while decide("", kpis, before.summary.kpis, gates)[0] is Decision.CANNOT_TELL and n < gates.max_replications:
        n = min(2 * n, gates.max_replications)  # paired: both runs get the same added replications
        before, after = extend(before, n), extend(after, n)
        kpis = compare(before, after).kpis
    result.replications, result.before = n, before
    result.headcount_after, result.after = full, after
    result.cost_after = result.rounds[-1].cost
    result.validation = _validate(sc, new_data, before, targets)
    result.money = money_per_year(result.cost_after - result.cost_before, kpis["revenue_per_week"], team_cost(sc),
                                  before.summary.kpis["won_per_week"].mean, after.summary.kpis["won_per_week"].mean)
    result.status, result.message = _verdict(result.validation["met"], kpis, result.money, before.summary.kpis,
                                             gates)
    if result.status == "met":
        result.data = new_data
    return result


WEEKS_PER_YEAR = 52.18


def team_cost(sc: Scenario) -> float | None:
    """The team's yearly cost from its roles' `cost_per_year` (None when no role has one)."""
    from sim.team import build_team

    if not any(spec.cost_per_year for spec in sc.roles.values()):
        return None
    return sum(sc.roles[p.role].cost_per_year or 0.0 for p in build_team(sc).people)


def money_per_year(cost_change: float, revenue_per_week: Stat, cost_before: float | None = None,
                   won_before: float | None = None, won_after: float | None = None) -> dict[str, Any]:
    """Yearly cost change, yearly revenue change with its 95% CI (from the paired weekly difference),
    and the net: revenue change minus cost change. With the team's cost and wins a week before and
    after, the cost per won deal both ways: the yardstick on which a hire and a reassignment compare."""
    def yearly(x: float | None, minus: float = 0.0) -> float | None:
        return None if x is None else WEEKS_PER_YEAR * x - minus

    lo, hi = revenue_per_week.ci95
    mean = revenue_per_week.mean
    rev = {"mean": yearly(mean), "ci95": [yearly(lo), yearly(hi)]}
    net = {"mean": yearly(mean, cost_change), "ci95": [yearly(lo, cost_change), yearly(hi, cost_change)]}
    out: dict[str, Any] = {"cost_change_per_year": cost_change, "revenue_change_per_year": rev, "net_per_year": net}
    if cost_before is not None and won_before and won_after:
        out["cost_per_won_deal"] = {"before": cost_before / (WEEKS_PER_YEAR * won_before),
                                    "after": (cost_before + cost_change) / (WEEKS_PER_YEAR * won_after)}
    return out


def _verdict(validated: bool, kpis: Mapping[str, Delta], money: dict[str, Any], today: Mapping[str, Stat],
             gates: Gates) -> tuple[str, str]:
    """met, or why the staffing is not recommended although the loop met the targets: not on fresh
    seeds, wins or revenue worse beyond the margin (optimize.gates, non-inferiority), more revenue lost
    than saved, or an interval that cannot tell."""
    if not validated:
        return "not_validated", ("the targets are met on the loop's random numbers but not on fresh seeds with 95% "
                                 "confidence: not recommended (try --replications 30)")
    rev, saving = money["revenue_change_per_year"], -money["cost_change_per_year"]
    falls = rev["mean"] is not None and -rev["mean"] > max(saving, 0.0)
    if falls and kpis["revenue_per_week"].verdict is Verdict.WORSE:
        return "loses_revenue", (f"the targets are met but revenue falls by {-rev['mean']:,.0f} a year, more than "
                                 f"the {max(saving, 0.0):,.0f} a year it saves: not recommended")
    decision, checks = decide("", kpis, today, gates)
    if decision is Decision.WORSE:
        failed = next(c for c in checks if c.decision is Decision.WORSE)
        status = "loses_wins" if failed.name == "won_per_week" else "loses_revenue"
        return status, f"the targets are met but {failed.text}: not recommended"
    if decision is Decision.CANNOT_TELL:
        open_ = "; ".join(c.text for c in checks if c.decision is Decision.CANNOT_TELL)
        return "cannot_tell", (f"the targets are met, but even at the replication cap, whether {open_} cannot be "
                               "told: not recommended (raise --max-replications)")
    return "met", "every target met in simulation, on fresh seeds too; wins and revenue within the margin"


def _tighten(pools: dict[str, _Pool], full: dict[str, int], level: float, rnd: Round, cyc: Target | None,
             util: Target | None, limits: tuple[float | None, float | None]) -> tuple[float, tuple[float | None,
                                                                                                  float | None]]:
    """Recalibrate the model at the simulated point and tighten each target by the interval's half-width."""
    cycle_limit, util_limit = limits
    sim = rnd.simulated
    c = sim["cycle_time_days"]
    if cyc is not None and c.mean is not None:
        level += c.mean - rnd.predicted_cycle
        cycle_limit = cyc.limit - (c.high - c.mean if c.high is not None else 0.0)
    u = sim["max_utilization"]
    if util is not None and u.mean is not None:
        model_max = max(pools[r].load / full[r] for r in pools)
        gap = (u.high or u.mean) - model_max
        util_limit = util.limit - max(gap, 0.0) - 0.005
    return level, (cycle_limit, util_limit)


def _validate(sc: Scenario, data: dict[str, Any], before: RunResult, targets: list[Target]) -> dict[str, Any]:
    """Run the staffed scenario on seeds the loop never saw."""
    run = simulate(scenario_from_data(data, "staffed.yaml"), replications=len(before.replications),
                   seed=before.seed + 1)
    sim = {"cycle_time_days": run.summary.kpis["cycle_time_days"], "max_utilization": stat(max_utilization(run))}
    return {"seed": before.seed + 1, "measures": sim, "met": all(t.met_by(sim[t.metric]) for t in targets)}
