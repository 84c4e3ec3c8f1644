"""Relief against disruption: the best plan with at most k changed responsibilities, k = 0, 1, 2, ...

Managers pick from a menu ("5 changes buy 80% of the relief"), and the search for a recommendation
that simulation confirms walks the same menu from the most relief down.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from optimize.assign import Plan, Settings, Status
from optimize.groups import solve
from optimize.workload import Workload

__all__ = ["frontier"]


def frontier(wl: Workload, st: Settings, limit: int | None = None,
             progress: Callable[[int, Plan], None] | None = None) -> list[Plan]:
    """Plans for k = 0, 1, ... changes, until more changes buy nothing (or `limit` is reached).

    Each plan has the lowest primary objective reachable with at most k changes; plans that do not
    improve on the previous k are left out, so every row buys something.
    """
    unlimited = solve(wl, st)
    if unlimited.status not in (Status.OPTIMAL, Status.FEASIBLE):
        return [unlimited]
    top = unlimited.changes if limit is None else min(limit, unlimited.changes)
    plans: list[Plan] = []
    best = None
    for k in range(top + 1):
        plan = solve(wl, dataclasses.replace(st, max_changes=k))
        if plan.status not in (Status.OPTIMAL, Status.FEASIBLE) or plan.objective is None:
            continue
        if best is None or plan.objective < best - 1e-6:
            plans.append(plan)
            best = plan.objective
            if progress is not None:
                progress(k, plan)
    if not plans or (plans[-1].responsibilities != unlimited.responsibilities and \
            unlimited.objective is not None and best is not None and unlimited.objective < best - 1e-6):
        plans.append(unlimited)
    return plans
