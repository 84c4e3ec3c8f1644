"""Owner routing as a decision: the share of a role's new deals each owner gets.

Under `routing: owner` a lead gets one owner per such role, chosen among the role's people in the first
pool where it needs the role, and the owner does the role's work on it wherever they are responsible;
where they are not, the stage's shared queue does. With `assign: weighted`, owner o gets a fraction
w_o of the role's new deals, so the hours of an item k of stage s (W_k a week) split as

    owner o responsible for s:      W_k · w_o
    every holder of s (equally):    W_k · (1 − Σ_{owners o holding s} w_o) / n_s

which is linear in w. Minimizing the busiest owner over w is therefore a linear programme whose
optimum is reachable exactly (shares are continuous: no integrality, the bound is tight), unlike the
responsibility plans of `optimize.assign`. Second, at that level, the shares stay as close to today's
as possible (fewest deals rerouted). Every such plan is simulated and gated like any other.

Roles are left as they are where this model would not describe the simulation (which roles qualify:
`optimize.workload.owner_shares_today`): owners chosen by territory (`assign: by_segment`), dated
changes or attrition (people joining later have no share decided), open deals owned at the start
(shares route new deals only), plans that take effect on a date, and people of the role who do not
all hold the role's first stage (a lead's owner would be chosen among a subset). Work whose holders
span two owner roles is treated as a shared queue.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import pulp

from optimize.assign import Objective, Plan, Settings, Status
from optimize.solvers import quiet, solver
from optimize.workload import Workload

__all__ = ["MIN_GAIN", "Routing", "owner_shares", "predict_routed", "route", "with_routing"]

MIN_GAIN = 0.01
"""Predicted drop of the busiest owner (utilization) below which rerouting is not worth proposing."""
_TOL = 1e-7

Shares = Mapping[str, Mapping[str, float]]
"""Role -> person -> share of the role's new deals (each role's shares sum to 1)."""


@dataclasses.dataclass(frozen=True)
class Routing:
    """Recommended shares for the owner roles it names, and what they predict."""

    shares: dict[str, dict[str, float]]
    utilization: dict[str, float]
    """Every person's predicted utilization with these shares."""
    depends: tuple[str, ...]
    """The people whose load depends on the shares (owners, and those sharing the queues they leave)."""

    @property
    def busiest(self) -> float:
        """The busiest of `depends`, predicted."""
        return max(self.utilization[n] for n in self.depends)


def _first_stage(wl: Workload, responsibilities: Mapping[str, tuple[str, ...]], role: str) -> set[str] | None:
    """The people of `role` responsible for the first stage (in process order) that any of them holds."""
    holders = {p.name for p in wl.people if p.role == role}
    for s in wl.stages:
        first = {n for n in holders if s in responsibilities.get(n, ())}
        if first:
            return first
    return None


def _linear_loads(wl: Workload, responsibilities: Mapping[str, tuple[str, ...]],
                  roles: Shares) -> dict[str, tuple[float, dict[tuple[str, str], float]]]:
    """Each person's weekly hours as (constant, {(role, owner): coefficient of that owner's share})."""
    const = {p.name: 0.0 for p in wl.people}
    terms: dict[str, dict[tuple[str, str], float]] = {p.name: {} for p in wl.people}
    for it in wl.items:
        holders = [p for p in wl.people if it.stage in responsibilities.get(p.name, ()) and wl.item_eligible(p, it)]
        if not holders:
            continue
        n = sum(p.count for p in holders)
        for p in holders:
            const[p.name] += it.hours_per_week / n
        routed = {p.role for p in holders if p.role in roles}
        if len(routed) != 1:  # no owner role here, or two (which one takes the lead is not modelled)
            continue
        (role,) = routed
        for o in (p.name for p in holders if p.role == role and p.name in roles[role]):
            terms[o][role, o] = terms[o].get((role, o), 0.0) + it.hours_per_week
            for p in holders:  # the leads whose owner is elsewhere are shared by every holder
                terms[p.name][role, o] = terms[p.name].get((role, o), 0.0) - it.hours_per_week / n
    return {n: (const[n], terms[n]) for n in const}


def predict_routed(wl: Workload, responsibilities: Mapping[str, tuple[str, ...]], shares: Shares) -> dict[str, float]:
    """Each person's utilization with these responsibilities and owner shares (roles not in `shares`:
    shared queues, as `Workload.predict` has them)."""
    loads = _linear_loads(wl, responsibilities, shares)
    out = {}
    for p in wl.people:
        const, terms = loads[p.name]
        hours = const + sum(v * shares[r][o] for (r, o), v in terms.items())
        out[p.name] = hours * wl.focus(len(responsibilities.get(p.name, ()))) / p.hours_per_week
    return out


def owner_shares(wl: Workload, responsibilities: Mapping[str, tuple[str, ...]], today: Shares,
                 st: Settings) -> Routing | None:
    """The shares that make the busiest owner (or anyone whose load depends on them) least busy, then
    are closest to today's; None when no role qualifies (see the module's note)."""
    roles = {r: s for r, s in today.items() if _first_stage(wl, responsibilities, r) == set(s)}
    if not roles:
        return None
    loads = _linear_loads(wl, responsibilities, roles)
    hours = {p.name: p.hours_per_week / wl.focus(len(responsibilities.get(p.name, ()))) for p in wl.people}
    depends = [n for n, (_, terms) in loads.items() if terms]
    if not depends:
        return None
    kept = set(st.keep)
    keys = [(r, o) for r, people in roles.items() for o in people]

    def solve(level: float | None) -> tuple[float, dict[tuple[str, str], float]] | None:
        """Minimize the busiest (level None), or the shares moved from today's with the busiest at `level`."""
        prob = pulp.LpProblem("owner_shares", pulp.LpMinimize)
        w = {key: prob.add_variable(f"w_{i}", 0, 1) for i, key in enumerate(keys)}
        u = prob.add_variable("busiest", 0)
        if level is None:
            prob += u
        else:
            dev = {key: prob.add_variable(f"d_{i}", 0) for i, key in enumerate(keys)}
            prob += pulp.lpSum(dev.values())
            prob += u <= level * (1 + 1e-6) + _TOL
            for key in keys:
                prob += dev[key] >= w[key] - roles[key[0]][key[1]]
                prob += dev[key] >= roles[key[0]][key[1]] - w[key]
        for r, people in roles.items():
            prob += pulp.lpSum(w[r, o] for o in people) == 1
            for o in people:
                if o in kept:
                    prob += w[r, o] == people[o]
        for n in depends:
            const, terms = loads[n]
            prob += const + pulp.lpSum(v * w[key] for key, v in terms.items()) <= hours[n] * u
        with quiet():
            prob.solve(solver(st.solver, st.time_limit))
        if pulp.LpStatus[prob.status] != "Optimal":
            return None
        return float(u.value() or 0.0), {key: max(0.0, float(v.value() or 0.0)) for key, v in w.items()}

    first = solve(None)
    if first is None:
        return None
    closest = (solve(first[0]) or first)[1]
    shares: dict[str, dict[str, float]] = {r: {} for r in roles}
    for (r, o), v in closest.items():
        shares[r][o] = v
    for r, people in shares.items():  # exact sums after the solver's rounding
        total = sum(people.values())
        shares[r] = {o: v / total for o, v in people.items()}
    return Routing(shares, predict_routed(wl, responsibilities, shares), tuple(depends))


def route(wl: Workload, st: Settings, plan: Plan, today: Shares) -> Plan | None:
    """`plan` with the owner shares that suit its responsibilities, when they relieve the busiest owner
    by at least MIN_GAIN against today's shares and the change budget allows; else None. Each role whose
    shares change counts as one change (one setting in the CRM's routing)."""
    r = owner_shares(wl, plan.responsibilities, today, st)
    if r is None:
        return None
    before = predict_routed(wl, plan.responsibilities, {k: today[k] for k in r.shares})
    changed = {k: v for k, v in r.shares.items() if any(abs(v[o] - today[k][o]) > 1e-4 for o in v)}
    if not changed or max(before[n] for n in r.depends) - r.busiest < MIN_GAIN:
        return None
    changes = plan.changes + len(changed)
    if st.max_changes is not None and changes > st.max_changes:
        return None
    util = predict_routed(wl, plan.responsibilities, changed)
    top = max(util.values())
    return dataclasses.replace(plan, routing=changed, utilization=util, changes=changes,
                               objective=top if st.objective is Objective.BALANCED else plan.objective,
                               message=(plan.message + "; " if plan.message else "") + "owner shares by a linear "
                               "programme (optimal)")


def with_routing(wl: Workload, st: Settings, plans: list[Plan]) -> list[Plan]:
    """The candidates once owner shares are decisions too: rerouting alone (today's responsibilities),
    and each plan with the shares that suit it where they help (else the plan as it was), fewest
    changes first."""
    today = wl.owners
    if not today or st.effective is not None:  # dated changes of shares are not modelled
        return plans
    current = {p.name: tuple(p.stages) for p in wl.people}
    as_today = Plan(Status.OPTIMAL, st.solver, "", responsibilities=current,
                    utilization=wl.predict(current))
    out: list[Plan] = []
    for plan in [as_today, *plans]:
        routed = route(wl, st, plan, today) if plan.responsibilities else None
        if routed is None and plan is as_today:
            continue
        new = routed or plan
        if not any(p.responsibilities == new.responsibilities and p.routing == new.routing for p in out):
            out.append(new)
    return sorted(out, key=lambda p: p.changes)
