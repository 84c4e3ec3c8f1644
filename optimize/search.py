"""Find the recommendation: walk the frontier, simulate every plan on today's random numbers, keep
the plans the simulation confirms, prefer the one with the fewest changes that is as good as the best
(the knee of the frontier: a manager should not move four responsibilities for what one buys), and
validate it on seeds the search never saw (the best of several plans judged on the same numbers is
flattered by them: the winner's curse)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from optimize.assign import TODAY_KEPT, Plan, Settings, Status
from optimize.frontier import frontier
from optimize.gates import Decision, Gates
from optimize.recommend import Verification, apply_plan, max_utilization, verify, with_busiest
from optimize.shares import with_routing
from optimize.workload import Workload
from sim.compare import compare
from sim.runner import RunResult, extend, simulate
from sim.schema import Scenario
from sim.stats import Verdict

__all__ = ["Candidate", "Search", "as_good", "knee_order", "search"]

HEADLINE = ("cycle_time_days", "won_per_week", "win_rate", "max_utilization")
KNEE_FIGURES = ("max_utilization", "cycle_time_days", "won_per_week", "revenue_per_week")
"""A plan is as good as the best when none of these is significantly worse than the best plan's."""


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
    "reason", "changes", "deltas"}; the first confirmed plan (knee order) that holds there is chosen."""
    knee: str = ""
    """Why the chosen plan has as few changes as it has (empty when it is also the best-scoring plan)."""


def as_good(c: Candidate, best: Candidate, overload: float = 1.0) -> bool:
    """`c` captures the best plan's gain: none of KNEE_FIGURES significantly worse than the best's (both
    were simulated on today's random numbers, so the difference is paired) — except that more relief
    for a busiest person already under the overload line in both plans is not a gain worth changes."""
    if c is best:
        return True
    a, b = best.verdict.after, c.verdict.after
    n = max(len(a.replications), len(b.replications))  # sequential checks may have run more for one
    a, b = extend(a, n), extend(b, n)
    d = with_busiest(compare(a, b), a, b)
    def busiest(run: RunResult) -> float:
        u = max_utilization(run)
        return sum(u) / len(u)

    calm = busiest(a) <= overload and busiest(b) <= overload  # as `overloaded` is judged: on the mean
    return all(d.kpis[m].verdict is not Verdict.WORSE or (m == "max_utilization" and calm) for m in KNEE_FIGURES)


def knee_order(confirmed: list[Candidate], overload: float = 1.0) -> list[Candidate]:
    """The order plans are validated in: those that capture the best-scoring plan's gain, fewest changes
    first; then the rest, best score first."""
    best = max(confirmed, key=lambda c: c.score)
    good = sorted((c for c in confirmed if as_good(c, best, overload)),
                  key=lambda c: (c.plan.changes, -c.score[0], -c.score[1]))
    chosen = {id(c) for c in good}
    rest = sorted((c for c in confirmed if id(c) not in chosen), key=lambda c: c.score, reverse=True)
    return good + rest


def search(sc: Scenario, data: dict[str, Any], before: RunResult, wl: Workload, st: Settings,
           progress: Callable[[str], None] | None = None, asked: bool = True, gates: Gates | None = None) -> Search:
    """The frontier of plans, each verified by simulation, and the best verified one. Unless `asked`
    (an objective given on purpose), a team where nobody is over the overload line is left alone."""
    plans = frontier(wl, st, limit=st.max_changes)
    if len(plans) == 1 and plans[0].status not in (Status.OPTIMAL, Status.FEASIBLE):
        return Search(plans[0].status, plans[0].message, plans)  # settings that cannot be met are named first
    if not asked and not any(p.overloaded for p in before.summary.staff.values()):
        busiest = max((p.utilization.mean or 0.0 for p in before.summary.staff.values()), default=0.0)
        return Search(Status.NO_IMPROVEMENT, f"nobody is over the overload line ({100 * st.overload_threshold:.0f}%; "
                      f"the busiest person is {100 * busiest:.0f}% busy): nothing worth changing. Ask for an "
                      "objective (--objective balanced, overload or cycle-time) to look for a better "
                      "arrangement anyway", [])
    candidates = []
    for plan in with_routing(wl, st, plans):
        if plan.changes == 0:
            continue
        if progress is not None:
            progress(f"simulating the plan with {plan.changes} change(s)")
        new_data, new_sc = apply_plan(sc, data, plan, "recommended.yaml", st.effective)
        v = verify(st.objective, before, new_sc, gates)
        if v.before is not None and len(v.before.replications) > len(before.replications):
            before = v.before  # more replications were needed: later plans start from them
        candidates.append(Candidate(plan, new_data, v, new_sc))
    confirmed = [c for c in candidates if c.verdict.verified]
    if not confirmed:
        if not candidates and any(p.message == TODAY_KEPT for p in plans):
            why = TODAY_KEPT + "; raise --time-limit or --node-limit, or try --solver highs"
        elif not candidates:
            why = "today's responsibilities are already the best the model finds under these settings"
        else:
            why = "; ".join(f"{c.plan.changes} change(s): {c.verdict.reason}" for c in candidates)
        unsure = any(c.verdict.decision is Decision.CANNOT_TELL for c in candidates)
        return Search(Status.CANNOT_TELL if unsure else Status.NO_IMPROVEMENT,
                      f"no better arrangement was confirmed by simulation ({why})", plans, candidates)
    seed = before.seed + 1
    if progress is not None:
        progress(f"validating on a fresh seed ({seed})")
    fresh = simulate(sc, replications=len(before.replications), seed=seed)
    failed = []
    unsure = False
    top = max(confirmed, key=lambda c: c.score)
    for c in knee_order(confirmed, st.overload_threshold):
        check = verify(st.objective, fresh, c.scenario, gates)
        if check.before is not None:
            fresh = check.before
        validation = {"seed": seed, "verified": check.verified, "reason": check.reason, "changes": c.plan.changes,
                      "decision": check.decision.value, "replications": check.replications,
                      "deltas": {m: check.deltas.kpis[m] for m in (*HEADLINE, "revenue_per_week")}}
        if check.verified:
            knee = "" if c is top or c.plan.changes >= top.plan.changes else (
                f"{c.plan.changes} change(s) chosen over the {top.plan.changes}-change plan that scored best: "
                "cycle time, wins and revenue are not significantly worse than its (paired, same random "
                "numbers), and the busiest person is not either, or is under the overload line in both")
            return Search(c.plan.status, c.verdict.reason, plans, candidates, c, validation, knee)
        failed.append(f"{c.plan.changes} change(s): {check.reason}")
        unsure |= check.decision is Decision.CANNOT_TELL
    return Search(Status.CANNOT_TELL if unsure else Status.NO_IMPROVEMENT,
                  f"plans confirmed on today's random numbers did not hold on fresh seed {seed} "
                  f"({'; '.join(failed)})", plans, candidates, None, validation)
