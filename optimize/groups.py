"""Large teams: people who are interchangeable (same role, eligibility, hours and stages today) are
solved for as one group whose members all get the same stages.

That is a restriction of the per-person problem (it cannot give one member of a group a stage the
others do not get), so it is used only above GROUP_ABOVE people, where the per-person model would
be too large to prove optimal, and the output says so. The plan is expanded back to people and
checked per person.
"""

from __future__ import annotations

import dataclasses

from optimize.assign import Objective, Plan, Settings, Status, check_plan, solve_assignment
from optimize.local import improve, score_plan
from optimize.workload import PersonCapacity, Workload

__all__ = ["GROUP_ABOVE", "QUICK_SHARE", "expand", "floor", "group", "in_groups", "solve", "solve_grouped"]

GROUP_ABOVE = 60


def group(wl: Workload, keep: tuple[str, ...] = ()) -> tuple[Workload, dict[str, list[str]]]:
    """The workload with interchangeable people merged; and each group's members."""
    classes: dict[tuple[object, ...], list[PersonCapacity]] = {}
    for p in wl.people:
        key = (p.role, p.eligible, p.hours_per_week, p.stages, p.name if p.name in keep else None)
        classes.setdefault(key, []).append(p)
    merged, members = [], {}
    for people in classes.values():
        first = people[0]
        name = first.name if len(people) == 1 else f"{first.role} group of {len(people)} ({first.name}, ...)"
        utils = [p.utilization for p in people if p.utilization is not None]
        merged.append(dataclasses.replace(first, name=name, count=len(people),
                                          utilization=max(utils) if utils else None))
        members[name] = [p.name for p in people]
    return dataclasses.replace(wl, people=tuple(merged)), members


def solve_grouped(wl: Workload, st: Settings) -> Plan:
    """Solve on groups, expand to people, and check the expanded plan against every constraint."""
    grouped, members = group(wl, st.keep)
    return expand(wl, st, solve_assignment(grouped, st), grouped, members)


def expand(wl: Workload, st: Settings, plan: Plan, grouped: Workload, members: dict[str, list[str]]) -> Plan:
    """A plan for groups as a plan for their members, checked per person."""
    if not plan.responsibilities:
        return plan
    resp = {m: plan.responsibilities[g] for g, ms in members.items() for m in ms}
    expanded = dataclasses.replace(plan, responsibilities=resp, utilization=wl.predict(resp))
    problems = check_plan(wl, st, expanded)
    if problems:
        return dataclasses.replace(expanded, message="expanded group plan fails: " + "; ".join(problems))
    return dataclasses.replace(expanded, message=f"{len(grouped.people)} groups of interchangeable people "
                               "(each group's members get the same stages)")


def solve(wl: Workload, st: Settings) -> Plan:
    """Per person for teams up to GROUP_ABOVE people, in groups above (and the message says so), floored
    by the local search (`floor`)."""
    if len(wl.people) > GROUP_ABOVE:
        grouped, members = group(wl, st.keep)
        found = solve_assignment(grouped, st)
        return floor(wl, st, expand(wl, st, found, grouped, members), (found, grouped, members))
    plan = solve_assignment(wl, st)
    return floor(wl, st, plan, extra=in_groups(wl, st, plan))


QUICK_SHARE = 10
"""The grouped candidate of a per-person solve gets a tenth of its node (or time) limit."""


def in_groups(wl: Workload, st: Settings, plan: Plan) -> list[Plan]:
    """When the per-person solve proved nothing, the same team solved in groups of interchangeable people
    with a tenth of the work limit, as one more candidate (measured: on 40- and 60-person teams, 2,000
    nodes in groups gave 0.383 and 0.363 busiest where 60 s per person gave 0.664 and today's 1.055)."""
    if plan.status in (Status.OPTIMAL, Status.INFEASIBLE):
        return []
    grouped, members = group(wl, st.keep)
    if len(grouped.people) == len(wl.people):
        return []
    quick = dataclasses.replace(st, node_limit=max(st.node_limit // QUICK_SHARE, 1) if st.node_limit else None,
                                time_limit=st.time_limit / QUICK_SHARE)
    found = expand(wl, st, solve_assignment(grouped, quick), grouped, members)
    if not found.responsibilities or check_plan(wl, st, found):
        return []
    return [dataclasses.replace(found, message="the team solved in groups of interchangeable people")]


def floor(wl: Workload, st: Settings, plan: Plan,
          groups: tuple[Plan, Workload, dict[str, list[str]]] | None = None, extra: list[Plan] | None = None) -> Plan:
    """The solver's plan, or, when it is not proven optimal, the local search's (`optimize.local`, from
    today's responsibilities and from the solver's plan) if that is better: within the solver's limits a
    team always gets a plan at least as good as today's when today's meets the settings. `groups`: the
    solver's plan for the groups, the grouped workload and each group's members, when it solved groups."""
    if plan.status in (Status.OPTIMAL, Status.INFEASIBLE):
        return plan
    if groups is not None:
        found, grouped, members = groups
        tries = [improve(grouped, st), improve(grouped, st, found.responsibilities) if found.responsibilities else None]
        options = [expand(wl, st, t, grouped, members) for t in tries if t is not None]
    else:
        tries = [improve(wl, st), improve(wl, st, plan.responsibilities) if plan.responsibilities else None]
        for e in extra or ():
            tries += [e, improve(wl, st, e.responsibilities, "the team's plan in groups")]
        options = [t for t in tries if t is not None]
    options = [o for o in options if not check_plan(wl, st, o)]
    if not options:
        return plan
    local = min(options, key=lambda o: (score_plan(st, o), o.changes))
    if plan.responsibilities and not check_plan(wl, st, plan) and \
            score_plan(st, plan) <= score_plan(st, local) + 1e-9:
        return plan
    why = "no solution within the solver's limits" if not plan.responsibilities else \
        "the solver's best within its limits was not as good"
    value = score_plan(st, local)
    gap = max(0.0, (value - plan.bound) / value) if st.objective is Objective.BALANCED and plan.bound is not None \
        and value > 0 else None
    return dataclasses.replace(local, message=f"{local.message} ({why})", objective=value, bound=plan.bound, gap=gap,
                               timed_out=plan.timed_out)
