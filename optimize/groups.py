"""Large teams: people who are interchangeable (same role, eligibility, hours and stages today) are
solved for as one group whose members all get the same stages.

That is a restriction of the per-person problem (it cannot give one member of a group a stage the
others do not get), so it is used only above GROUP_ABOVE people, where the per-person model would
be too large to prove optimal, and the output says so. The plan is expanded back to people and
checked per person.
"""

from __future__ import annotations

import dataclasses

from optimize.assign import Plan, Settings, check_plan, solve_assignment
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
    plan = solve_assignment(grouped, st)
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
    """Per person for teams up to GROUP_ABOVE people, in groups above (and the message says so)."""
    if len(wl.people) > GROUP_ABOVE:
        return solve_grouped(wl, st)
    return solve_assignment(wl, st)
