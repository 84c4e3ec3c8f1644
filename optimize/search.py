"""Find the recommendation: walk the frontier, simulate every plan on today's random numbers, and
keep the one the simulation confirms best."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from optimize.assign import Plan, Settings, Status
from optimize.frontier import frontier
from optimize.recommend import Verdict, apply_plan, verify
from optimize.workload import Workload
from sim.runner import RunResult
from sim.schema import Scenario

__all__ = ["Candidate", "Search", "search"]

HEADLINE = ("cycle_time_days", "won_per_week", "win_rate", "max_utilization")


@dataclass(frozen=True)
class Candidate:
    plan: Plan
    data: dict[str, Any]
    verdict: Verdict

    @property
    def score(self) -> tuple[int, float]:
        """More headline KPIs significantly better first, then more relief of the busiest person."""
        k = self.verdict.deltas["kpis"]
        better = sum(1 for m in HEADLINE if k[m]["verdict"] == "better")
        return (better, -(k["max_utilization"]["mean"] or 0.0))


@dataclass(frozen=True)
class Search:
    status: Status
    message: str
    plans: list[Plan]
    candidates: list[Candidate] = field(default_factory=list)
    best: Candidate | None = None


def search(sc: Scenario, data: dict[str, Any], before: RunResult, wl: Workload, st: Settings,
           progress: Callable[[str], None] | None = None) -> Search:
    """The frontier of plans, each verified by simulation, and the best verified one."""
    plans = frontier(wl, st, limit=st.max_moves)
    if len(plans) == 1 and plans[0].status not in (Status.OPTIMAL, Status.FEASIBLE):
        return Search(plans[0].status, plans[0].message, plans)
    candidates = []
    for plan in plans:
        if plan.changes == 0:
            continue
        if progress is not None:
            progress(f"simulating the plan with {plan.changes} change(s)")
        new_data, new_sc = apply_plan(sc, data, plan, "recommended.yaml")
        candidates.append(Candidate(plan, new_data, verify(st.objective, before, new_sc)))
    confirmed = [c for c in candidates if c.verdict.verified]
    if not confirmed:
        if not candidates:
            why = "today's responsibilities are already the best the model finds under these settings"
        else:
            why = "; ".join(f"{c.plan.changes} change(s): {c.verdict.reason}" for c in candidates)
        return Search(Status.NO_IMPROVEMENT, f"no better arrangement was confirmed by simulation ({why})",
                      plans, candidates)
    best = max(confirmed, key=lambda c: c.score)
    return Search(best.plan.status, best.verdict.reason, plans, candidates, best)
