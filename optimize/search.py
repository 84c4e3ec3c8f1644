"""Find the recommendation: walk the frontier, simulate every plan on today's random numbers, keep
the one the simulation confirms best, and validate it on seeds the search never saw (the best of
several plans judged on the same numbers is flattered by them: the winner's curse)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from optimize.assign import Plan, Settings, Status
from optimize.frontier import frontier
from optimize.recommend import Verification, apply_plan, verify
from optimize.workload import Workload
from sim.runner import RunResult, simulate
from sim.schema import Scenario
from sim.stats import Verdict

__all__ = ["Candidate", "Search", "search"]

HEADLINE = ("cycle_time_days", "won_per_week", "win_rate", "max_utilization")


@dataclass(frozen=True)
class Candidate:
    plan: Plan
    data: dict[str, Any]
    verdict: Verification
    scenario: Scenario

    @property
    def score(self) -> tuple[int, float]:
        """More headline KPIs significantly better first, then more relief of the busiest person."""
        k = self.verdict.deltas.kpis
        better = sum(1 for m in HEADLINE if k[m].verdict is Verdict.BETTER)
        return (better, -(k["max_utilization"].mean or 0.0))


@dataclass(frozen=True)
class Search:
    status: Status
    message: str
    plans: list[Plan]
    candidates: list[Candidate] = field(default_factory=list)
    best: Candidate | None = None
    validation: dict[str, Any] | None = None
    """The best plan simulated again against today's team on a fresh seed: {"seed", "verified",
    "reason", "changes", "deltas"}; the first confirmed plan (best first) that holds there is chosen."""


def search(sc: Scenario, data: dict[str, Any], before: RunResult, wl: Workload, st: Settings,
           progress: Callable[[str], None] | None = None) -> Search:
    """The frontier of plans, each verified by simulation, and the best verified one."""
    plans = frontier(wl, st, limit=st.max_changes)
    if len(plans) == 1 and plans[0].status not in (Status.OPTIMAL, Status.FEASIBLE):
        return Search(plans[0].status, plans[0].message, plans)
    candidates = []
    for plan in plans:
        if plan.changes == 0:
            continue
        if progress is not None:
            progress(f"simulating the plan with {plan.changes} change(s)")
        new_data, new_sc = apply_plan(sc, data, plan, "recommended.yaml")
        candidates.append(Candidate(plan, new_data, verify(st.objective, before, new_sc), new_sc))
    confirmed = [c for c in candidates if c.verdict.verified]
    if not confirmed:
        if not candidates:
            why = "today's responsibilities are already the best the model finds under these settings"
        else:
            why = "; ".join(f"{c.plan.changes} change(s): {c.verdict.reason}" for c in candidates)
        return Search(Status.NO_IMPROVEMENT, f"no better arrangement was confirmed by simulation ({why})",
                      plans, candidates)
    seed = before.seed + 1
    if progress is not None:
        progress(f"validating on a fresh seed ({seed})")
    fresh = simulate(sc, replications=len(before.replications), seed=seed)
    failed = []
    for c in sorted(confirmed, key=lambda c: c.score, reverse=True):
        check = verify(st.objective, fresh, c.scenario)
        validation = {"seed": seed, "verified": check.verified, "reason": check.reason, "changes": c.plan.changes,
                      "deltas": {m: check.deltas.kpis[m] for m in (*HEADLINE, "revenue_per_week")}}
        if check.verified:
            return Search(c.plan.status, c.verdict.reason, plans, candidates, c, validation)
        failed.append(f"{c.plan.changes} change(s): {check.reason}")
    return Search(Status.NO_IMPROVEMENT, f"plans confirmed on today's random numbers did not hold on fresh seed "
                  f"{seed} ({'; '.join(failed)})", plans, candidates, None, validation)
