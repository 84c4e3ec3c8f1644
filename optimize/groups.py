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
from optimize.local import LOCAL_SEARCH, improve, score_plan
from optimize.workload import PersonCapacity, Workload

__all__ = ["GROUP_ABOVE", "group", "solve", "solve_grouped"]

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
    return _expand(wl, st, solve_assignment(grouped, st), grouped, members)


def _expand(wl: Workload, st: Settings, plan: Plan, grouped: Workload, members: dict[str, list[str]]) -> Plan:
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
    """Per person for teams up to GROUP_ABOVE people, in groups above (and the message says so). A plan
    the solver has not proven optimal is compared with the local search's (`optimize.local`), and the
    better is the answer: within the solver's limits a team always gets a plan at least as good as
    today's when today's meets the settings."""
    if len(wl.people) > GROUP_ABOVE:
        grouped, members = group(wl, st.keep)
        plan = _expand(wl, st, solve_assignment(grouped, st), grouped, members)
        if plan.status in (Status.OPTIMAL, Status.INFEASIBLE):
            return plan
        found = improve(grouped, st)
        local = _expand(wl, st, found, grouped, members) if found is not None else None
    else:
        plan = solve_assignment(wl, st)
        if plan.status in (Status.OPTIMAL, Status.INFEASIBLE):
            return plan
        local = improve(wl, st)
    if local is None or check_plan(wl, st, local):
        return plan
    if plan.responsibilities and not check_plan(wl, st, plan) and \
            score_plan(st, plan) <= score_plan(st, local) + 1e-9:
        return plan
    why = "no solution within the solver's limits" if not plan.responsibilities else \
        "the solver's best within its limits was not as good"
    value = score_plan(st, local)
    gap = max(0.0, (value - plan.bound) / value) if st.objective is Objective.BALANCED and plan.bound is not None \
        and value > 0 else None
    return dataclasses.replace(local, message=f"{LOCAL_SEARCH} ({why})", objective=value, bound=plan.bound, gap=gap,
                               timed_out=plan.timed_out)
