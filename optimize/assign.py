"""Who should be responsible for which stage: a mixed-integer model in PuLP.

Variables: y[i,s] = 1 if person i is responsible for stage s; f[i,k] = the share of work item k that
i carries; U = the highest utilization. Constraints: each item is fully carried, only by people
responsible for its stage and eligible for it; utilization_i = Σ_k W_k f[i,k] / H_i <= U; at most N
stages and at least one per person; at least M people per stage (cover for absence); at most K
changed responsibilities against today; kept people stay as they are.

Objectives are lexicographic: first the one asked for (highest utilization; total overload above the
threshold; or queueing delay, Σ ρ²/(1-ρ) by tangent cuts), then, holding it within 0.5%, fewer changes,
fewer stages per person and more continuity along the main flow (one person doing consecutive
stages saves a handoff). Constant terms stay out of every objective (they would distort the gap).
"""

from __future__ import annotations

import dataclasses
import enum
import itertools
import math
import time
from dataclasses import dataclass, field
from typing import Any

import pulp

from optimize.solvers import quiet, solver
from optimize.workload import Workload

__all__ = ["DEFAULT_NODE_LIMIT", "TODAY_KEPT", "Objective", "Plan", "Settings", "Status", "check_plan",
           "solve_assignment"]

TANGENTS = (0.1, 0.3, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.93, 0.95)
RHO_MAX = 0.95
SECONDARY_SLACK = 0.005
DEFAULT_NODE_LIMIT = 20_000
"""Nodes per solve by default: the shipped examples are proven optimal in far fewer."""
TIMED_OUT_SHARE = 0.95
PATTERN_LIMIT = 10
"""Items with at most this many possible holders are modelled by their holder sets (2^n of them)."""
TOL = 1e-6


class Objective(enum.Enum):
    BALANCED = "balanced"
    """Lowest highest utilization."""
    OVERLOAD = "overload"
    """Least total utilization above the overload threshold, then the lowest highest utilization."""
    CYCLE_TIME = "cycle-time"
    """Least queueing delay: Σ ρ²/(1-ρ) over people (M/M/1 queue length; Little's law: ∝ mean wait)."""


class Status(enum.Enum):
    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    """A solution that satisfies every constraint, not proven optimal (time limit)."""
    INFEASIBLE = "infeasible"
    NO_IMPROVEMENT = "no_improvement"
    NOT_SOLVED = "not_solved"
    """No solution at all within the time limit, or the solver's answer failed our check."""
    CANNOT_TELL = "cannot_tell"
    """Plans were found, but the simulation could not decide whether any is worth it (optimize.gates)."""


@dataclass(frozen=True)
class Settings:
    max_changes: int | None = None
    max_stages: int | None = None
    min_cover: int = 1
    keep: tuple[str, ...] = ()
    objective: Objective = Objective.BALANCED
    solver: str = "cbc"
    time_limit: float = 300.0
    """Seconds of wall clock per solve: a safety net behind node_limit (when it fires, the plan may
    depend on the machine's load, and the output says so)."""
    overload_threshold: float = 0.85
    node_limit: int | None = DEFAULT_NODE_LIMIT
    """Branch-and-bound nodes per solve: deterministic, so the same command gives the same plan
    whatever else the machine is doing."""
    effective: float | None = None
    """Hours from the start when the plan takes effect (dated changes, in-flight deals handed over);
    None: as if it had always been so."""


@dataclass(frozen=True)
class Plan:
    status: Status
    solver: str
    message: str
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    responsibilities: dict[str, tuple[str, ...]] = field(default_factory=dict)
    utilization: dict[str, float] = field(default_factory=dict)
    """Predicted by the model (work over available hours)."""
    changes: int = 0
    seconds: float = 0.0
    timed_out: bool = False
    """The wall-clock safety net stopped a solve: the plan may differ on a busier or quieter machine."""
    routing: dict[str, dict[str, float]] = field(default_factory=dict)
    """Owner roles whose routing changes -> person -> share of the role's new deals (`optimize.shares`);
    each such role counts as one of `changes`. Empty: owners are chosen as today."""

    @property
    def max_utilization(self) -> float:
        return max(self.utilization.values(), default=0.0)


class _Model:
    """The variables and constraints shared by every objective.

    Work of an item is shared equally among the people responsible for it (a shared queue does not
    let anyone choose their share), so a person's hours are Σ_k W_k y[i,k] / n_k with n_k the number
    of holders: exact at every integer n_k through tangent cuts of the convex 1/n (no extra binaries);
    the focus penalty multiplies a person's hours by 1 + p·(stages beyond the free number), linear
    with one binary per possible stage count.
    """

    def __init__(self, wl: Workload, st: Settings, relax: frozenset[str] = frozenset()) -> None:
        self.wl, self.st = wl, st
        self.prob = pulp.LpProblem("assignment", pulp.LpMinimize)
        people = wl.people
        self.y = {(i, s): self.prob.add_variable(f"y_{i}_{s}", cat=pulp.LpBinary)
                  for i in range(len(people)) for s in people[i].eligible}
        self.U = self.prob.add_variable("U", 0)
        self.today = {(i, s): 1 if s in people[i].stages else 0 for (i, s) in self.y}
        self.weight = {(i, s): people[i].count for (i, s) in self.y}
        self.work: dict[int, Any] = {}
        self.timed_out = False
        hours = self._shares()
        for i in range(len(people)):
            self._person(i, hours[i], relax)
        self._coverage(relax)

    def _holders(self, item: Any) -> list[int]:
        return [i for i, p in enumerate(self.wl.people) if self.wl.item_eligible(p, item)]

    def _shares(self) -> dict[int, list[Any]]:
        """Each person's hours of each work item, as expressions: holder sets for items with few holders,
        tangent cuts of W/n for the others."""
        wl, prob, people = self.wl, self.prob, self.wl.people
        hours: dict[int, list[Any]] = {i: [] for i in range(len(people))}
        for k, it in enumerate(wl.items):
            holders = self._holders(it)
            n = pulp.lpSum(people[i].count * self.y[i, it.stage] for i in holders)
            w = it.hours_per_week
            if len(holders) <= PATTERN_LIMIT:
                self._patterns(k, it.stage, w, holders, hours)
                continue
            counts = _subset_sums([people[i].count for i in holders])
            for i in holders:
                # a holder's share W/n: 1/n is convex, so its tangents at the possible counts c are exact
                # there; with y folded in, x >= W (2y/c - n/c^2) gives W/n when y = 1 and <= 0 when y = 0
                x = prob.add_variable(f"x_{i}_{k}", 0)
                for c in counts:
                    prob += x - (2 * w / c) * self.y[i, it.stage] + (w / c**2) * n >= 0
                hours[i].append(x)
        return hours

    def _person(self, i: int, hours: list[Any], relax: frozenset[str]) -> None:
        """Person i's work (stretched by the focus penalty), utilization bound and stage-count limits."""
        wl, prob, st = self.wl, self.prob, self.st
        p = wl.people[i]
        ys = [self.y[i, s] for s in p.eligible]
        base = pulp.lpSum(hours)
        w = prob.add_variable(f"w_{i}", 0)
        prob += w - base >= 0, f"work_{i}"
        if wl.per_extra_stage > 0 and len(ys) > wl.free_stages:
            top = sum(it.hours_per_week for it in wl.items if wl.item_eligible(p, it)) * wl.focus(len(ys))
            eta = {m: prob.add_variable(f"m_{i}_{m}", cat=pulp.LpBinary) for m in range(len(ys) + 1)}
            prob += pulp.lpSum(eta.values()) == 1
            prob += pulp.lpSum(m * eta[m] for m in eta) - pulp.lpSum(ys) == 0
            for m in eta:
                if wl.focus(m) > 1:
                    prob += w - wl.focus(m) * base - top * eta[m] >= -top
        self.work[i] = w
        prob += w - p.hours_per_week * self.U <= 0, f"util_{i}"
        if ys:
            prob += pulp.lpSum(ys) >= 1, f"some_stage_{i}"
        if st.max_stages is not None and "max_stages" not in relax:
            prob += pulp.lpSum(ys) <= st.max_stages, f"max_stages_{i}"

    def _coverage(self, relax: frozenset[str]) -> None:
        """Every item carried, every stage covered by min_cover people, at most max_changes changes, kept
        people kept (each unless relaxed while diagnosing infeasibility)."""
        wl, prob, st, people = self.wl, self.prob, self.st, self.wl.people
        for k, it in enumerate(wl.items):
            prob += pulp.lpSum(self.y[i, it.stage] for i in self._holders(it)) >= 1, f"carried_{k}"
        if "min_cover" not in relax:
            for s in wl.stages:
                prob += pulp.lpSum(people[i].count * self.y[i, t] for (i, t) in self.y if t == s) >= st.min_cover, \
                    f"cover_{s}"
        if st.max_changes is not None and "max_changes" not in relax:
            prob += self.changes_expr() <= st.max_changes - self.today_total(), "max_changes"
        if "keep" not in relax:
            kept = set(st.keep)
            for (i, s), v in self.y.items():
                if people[i].name in kept:
                    prob += v == self.today[i, s], f"keep_{i}_{s}"

    def _patterns(self, k: int, stage: str, w: float, holders: list[int], hours: dict[int, list[Any]]) -> None:
        """Which holders carry item k, as a choice among its possible holder sets H (few holders only).

        z[H] >= 0 with Σ z = 1 and, for every holder i, Σ_{H ∋ i} z[H] = y[i]: with y binary this
        leaves exactly the set of holders; each member's hours W / n(H) are then constants, so the
        loads are linear and exact, and the relaxation mixes real patterns (much tighter than cuts).
        """
        people, prob = self.wl.people, self.prob
        sets = [h for r in range(1, len(holders) + 1) for h in itertools.combinations(holders, r)]
        z = {h: prob.add_variable(f"z_{k}_{'_'.join(map(str, h))}", 0, 1) for h in sets}
        prob += pulp.lpSum(z.values()) == 1, f"one_set_{k}"
        for i in holders:
            prob += pulp.lpSum(z[h] for h in sets if i in h) - self.y[i, stage] == 0, f"set_{k}_{i}"
            share = pulp.lpSum((w / sum(people[j].count for j in h)) * z[h] for h in sets if i in h)
            hours[i].append(share)

    def rho(self, i: int) -> Any:
        return (1 / self.wl.people[i].hours_per_week) * self.work[i]

    def changes_expr(self) -> Any:
        """Changed responsibilities (of every person a group stands for) minus the constant today_total()."""
        return pulp.lpSum(self.weight[key] * (1 - 2 * self.today[key]) * v for key, v in self.y.items())

    def today_total(self) -> int:
        return sum(self.weight[key] * t for key, t in self.today.items())

    def continuity_expr(self) -> Any:
        z = []
        for (i, s), v in self.y.items():
            nxt = self.wl.main_flow.get(s)
            if nxt is not None and (i, nxt) in self.y:
                zv = self.prob.add_variable(f"z_{i}_{s}", 0, 1)
                self.prob += zv - v <= 0
                self.prob += zv - self.y[i, nxt] <= 0
                z.append(zv)
        return pulp.lpSum(z)

    def primary(self) -> Any:
        obj = self.st.objective
        if obj is Objective.BALANCED:
            return self.U
        if obj is Objective.OVERLOAD:
            excess = []
            for i in range(len(self.wl.people)):
                e = self.prob.add_variable(f"e_{i}", 0)
                self.prob += self.rho(i) - e <= self.st.overload_threshold
                excess.append(e)
            return pulp.lpSum(excess) + 1e-3 * self.U
        delays = []
        for i in range(len(self.wl.people)):
            t = self.prob.add_variable(f"t_{i}", 0)
            r = self.rho(i)
            self.prob += r <= RHO_MAX, f"stable_{i}"
            for p in TANGENTS:
                g, dg = p * p / (1 - p), (2 * p - p * p) / (1 - p) ** 2
                self.prob += t - dg * r >= g - dg * p
            delays.append(t)
        return pulp.lpSum(delays)


def solve_assignment(wl: Workload, st: Settings) -> Plan:
    """The best responsibilities under the settings, checked against every constraint."""
    started = time.perf_counter()
    problem = _precheck(wl, st)
    if problem:
        return Plan(Status.INFEASIBLE, st.solver, problem, seconds=time.perf_counter() - started)
    m = _Model(wl, st)
    primary = m.primary()
    m.prob.setObjective(primary)
    # no warm start here: from today's responsibilities CBC found a better plan within 30 s on the
    # 300 x 20 benchmark but a worse one within 60 s (0.3304 against 0.3298): no reliable gain
    status1, value1, bound = _solve(m, st, st.time_limit)
    timed_out = m.timed_out
    if status1 is Status.NOT_SOLVED:
        kept = _today_if_allowed(wl, st, time.perf_counter() - started)
        if kept is not None:
            return kept
    if status1 in (Status.INFEASIBLE, Status.NOT_SOLVED):
        msg = _diagnose(wl, st) if status1 is Status.INFEASIBLE else "no solution within the time limit"
        return Plan(status1, st.solver, msg, seconds=time.perf_counter() - started)
    assert value1 is not None
    # secondary: hold the primary within a small slack, then fewer changes, fewer stages, continuity
    m.prob += primary <= value1 * (1 + SECONDARY_SLACK) + 1e-6, "hold_primary"
    secondary = m.changes_expr() + 0.1 * pulp.lpSum(m.y.values()) - 0.1 * m.continuity_expr()
    m.prob.setObjective(secondary)
    left = max(st.time_limit - (time.perf_counter() - started), 1.0)
    status2, _, _ = _solve(m, st, left, warm=True)  # from the primary's solution
    status = status1 if status2 in (Status.OPTIMAL, Status.FEASIBLE) else Status.FEASIBLE
    if status2 not in (Status.OPTIMAL, Status.FEASIBLE):
        # the primary solution is still in the variables only if phase 2 kept it; re-solve phase 1
        m2 = _Model(wl, st)
        m2.prob.setObjective(m2.primary())
        _solve(m2, st, st.time_limit)
        m = m2
    elif status2 is Status.FEASIBLE:
        status = Status.FEASIBLE
    plan = _read(m, wl, status, st, value1, bound, time.perf_counter() - started)
    plan = dataclasses.replace(plan, timed_out=timed_out or m.timed_out)
    problems = check_plan(wl, st, plan)
    if problems:
        return Plan(Status.NOT_SOLVED, st.solver, "the solver's answer fails the constraints: " + "; ".join(problems),
                    seconds=plan.seconds)
    return plan


def _solve(m: _Model, st: Settings, time_limit: float, warm: bool = False) -> tuple[Status, float | None, float | None]:
    """Solve; map PuLP's codes honestly. 'Optimal' after a time limit has sol_status 2: feasible only.

    With `warm`, the variables' current values are offered as a starting solution: the secondary phase
    starts from the primary's solution (on the 300 x 20 benchmark CBC then needs ~1 s instead of its 60).
    """
    chosen = solver(st.solver, time_limit, warm, st.node_limit)
    started = time.perf_counter()
    try:
        with quiet():
            m.prob.solve(chosen)
    except pulp.PulpSolverError:
        # CBC 2.10 can crash (SIGSEGV) reading a warm start on a model it solves cold without trouble
        # (seen on a 47-person calibrated team, #11): solve cold in the time left, else report unsolved.
        left = time_limit - (time.perf_counter() - started)
        if not warm or left <= 0:
            return Status.NOT_SOLVED, None, None
        return _solve(m, st, left, warm=False)
    # solvers stop within a moment of their limit; a solve that ran this long was stopped by the clock
    m.timed_out = m.timed_out or time.perf_counter() - started >= TIMED_OUT_SHARE * time_limit
    if m.prob.status == pulp.LpStatusInfeasible or m.prob.sol_status == pulp.LpSolutionInfeasible:
        return Status.INFEASIBLE, None, None
    if m.prob.sol_status not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        return Status.NOT_SOLVED, None, None
    value = pulp.value(m.prob.objective)
    bound = None
    if st.solver == "highs":
        try:
            bound = float(m.prob.solverModel.getInfo().mip_dual_bound)
        except (AttributeError, TypeError, ValueError):
            bound = None
    proven = m.prob.status == pulp.LpStatusOptimal and m.prob.sol_status == pulp.LpSolutionOptimal
    return (Status.OPTIMAL if proven else Status.FEASIBLE), float(value), bound


def _read(m: _Model, wl: Workload, status: Status, st: Settings, value: float, bound: float | None,
          seconds: float) -> Plan:
    resp: dict[str, list[str]] = {p.name: [] for p in wl.people}
    for (i, s), v in m.y.items():
        if (v.value() or 0) > 0.5:
            resp[wl.people[i].name].append(s)
    order = {s: n for n, s in enumerate(wl.stages)}
    final = {n: tuple(sorted(v, key=order.__getitem__)) for n, v in resp.items()}
    util = wl.predict(final)
    changes = sum(p.count * len(set(resp[p.name]) ^ set(p.stages)) for p in wl.people)
    gap: float | None
    if status is Status.OPTIMAL and bound is None:
        bound, gap = value, 0.0  # proven by the solver (CBC reports no bound: it is the value itself)
    else:
        if bound is None:  # not proven: the LP relaxation is a bound that is always available
            bound = _lp_bound(wl, st)
        gap = max(0.0, (value - bound) / max(abs(value), 1e-9)) if bound is not None and math.isfinite(bound) \
            else None
    return Plan(status, st.solver, "", value, bound, gap, final, util, changes, seconds)


TODAY_KEPT = "no better plan found within the time limit; today's responsibilities kept (they meet the settings)"


def _today_if_allowed(wl: Workload, st: Settings, seconds: float) -> Plan | None:
    """Today's responsibilities as a feasible answer when the solver found none in time: a team whose
    plan meets the settings always gets a plan at least as good as today's (#14: a 19-person team got
    'not solved' with a perfectly good plan in hand). None when today breaks a setting."""
    today = {p.name: tuple(p.stages) for p in wl.people}
    util = wl.predict(today)
    plan = Plan(Status.FEASIBLE, st.solver, TODAY_KEPT, max(util.values(), default=0.0), None, None, today, util, 0,
                seconds, timed_out=True)
    return plan if not check_plan(wl, st, plan) else None


def _lp_bound(wl: Workload, st: Settings) -> float | None:
    """The LP relaxation's value of the primary objective: a bound that is always available."""
    m = _Model(wl, st)
    m.prob.setObjective(m.primary())
    for v in m.prob.variables():
        if v.cat == pulp.LpInteger:
            v.cat = pulp.LpContinuous
    with quiet():
        m.prob.solve(solver(st.solver, st.time_limit))
    if m.prob.status != pulp.LpStatusOptimal:
        return None
    return float(pulp.value(m.prob.objective))


def _precheck(wl: Workload, st: Settings) -> str:
    """Constraints that cannot be met, named, before any solving."""
    names = {p.name for p in wl.people}
    unknown = [k for k in st.keep if k not in names]
    if unknown:
        return f"--keep {', '.join(unknown)}: no such person (people: {', '.join(sorted(names))})"
    for it in wl.items:
        if not any(wl.item_eligible(p, it) for p in wl.people):
            who = f"of role {it.role} " if it.role else ""
            return (f"stage {it.stage}: no person {who}may take it (check the roles' can_do); the constraint "
                    "'every stage's work is carried' cannot be met")
    for s in wl.stages:
        n = sum(p.count for p in wl.people if s in p.eligible)
        if n < st.min_cover:
            return f"--min-cover {st.min_cover}: stage {s} has only {n} eligible people"
    if st.max_stages is not None and st.max_stages < 1:
        return f"--max-stages-per-person {st.max_stages}: must be >= 1"
    headcount = sum(p.count for p in wl.people)
    if st.max_stages is not None and headcount * st.max_stages < len(wl.stages) * st.min_cover:
        return (f"--max-stages-per-person {st.max_stages}: {headcount} people can hold at most "
                f"{headcount * st.max_stages} responsibilities; the stages need {len(wl.stages) * st.min_cover}")
    return ""


def _diagnose(wl: Workload, st: Settings) -> str:
    """Which constraint makes the problem infeasible: drop one group at a time and see."""
    groups = [("max_changes", f"--max-changes {st.max_changes}"),
              ("max_stages", f"--max-stages-per-person {st.max_stages}"),
              ("min_cover", f"--min-cover {st.min_cover}"), ("keep", f"--keep {' '.join(st.keep)}")]
    for key, label in groups:
        m = _Model(wl, st, relax=frozenset({key}))
        if key == "max_changes" and st.max_changes is not None:
            m.prob.setObjective(m.changes_expr())
            status, value, _ = _solve(m, st, st.time_limit)
            if status in (Status.OPTIMAL, Status.FEASIBLE) and value is not None:
                need = round(value + m.today_total())
                return f"{label} is too small: the other constraints need at least {need} changed responsibilities"
            continue
        m.prob.setObjective(m.U)
        status, _, _ = _solve(m, st, st.time_limit)
        if status in (Status.OPTIMAL, Status.FEASIBLE):
            return f"{label} cannot be met together with the other constraints (without it there is a solution)"
    if st.objective is Objective.CYCLE_TIME:
        return f"someone would have to be more than {RHO_MAX:.0%} busy: the team is too small for this workload"
    return "the constraints cannot all be met together"


def _subset_sums(sizes: list[int]) -> list[int]:
    """Every positive total of a sub-collection of group sizes: the possible numbers of holders."""
    sums = {0}
    for n in sizes:
        sums |= {s + n for s in sums}
    return sorted(s for s in sums if s > 0)


def check_plan(wl: Workload, st: Settings, plan: Plan) -> list[str]:
    """Every constraint, recomputed from the plan itself; empty when it holds."""
    out: list[str] = []
    resp = {n: set(v) for n, v in plan.responsibilities.items()}
    people = {p.name: p for p in wl.people}
    for name, stages in resp.items():
        p = people[name]
        bad = stages - set(p.eligible)
        if bad:
            out.append(f"{name} is not eligible for {', '.join(sorted(bad))}")
        if st.max_stages is not None and len(stages) > st.max_stages:
            out.append(f"{name} holds {len(stages)} stages (max {st.max_stages})")
        if p.eligible and not stages:
            out.append(f"{name} holds no stage")
        if name in st.keep and stages != set(p.stages):
            out.append(f"{name} was to be kept as is")
    for it in wl.items:
        if not any(it.stage in resp[p.name] and wl.item_eligible(p, it) for p in wl.people):
            out.append(f"nobody carries the {it.role or ''} work of stage {it.stage}")
    for s in wl.stages:
        n = sum(people[name].count for name, v in resp.items() if s in v)
        if n < st.min_cover:
            out.append(f"stage {s} has {n} responsible people (min {st.min_cover})")
    changes = sum(p.count * len(resp[p.name] ^ set(p.stages)) for p in wl.people) + len(plan.routing)
    if changes != plan.changes:
        out.append(f"the plan counts {plan.changes} changes, there are {changes}")
    if st.max_changes is not None and changes > st.max_changes:
        out.append(f"{changes} changes (max {st.max_changes})")
    # a rerouted plan's utilization comes from its shares too: `optimize.shares.route` computes it from
    # both (predict_routed), so only a plan of responsibilities alone is checked against them here
    predicted = wl.predict(plan.responsibilities) if not plan.routing else plan.utilization
    if any(abs(predicted[n] - u) > 1e-6 for n, u in plan.utilization.items()):
        out.append("the plan's utilization does not follow from its responsibilities")
    if st.objective is Objective.CYCLE_TIME and plan.max_utilization > RHO_MAX + TOL:
        out.append(f"someone is {plan.max_utilization:.1%} busy (max {RHO_MAX:.0%})")
    return out
