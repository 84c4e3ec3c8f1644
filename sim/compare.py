"""Compare scenarios run with the same seed and replications: paired differences, replication by
replication (common random numbers make them sharp), with a verdict per measure.

A measure whose 95% interval of the paired difference excludes zero is a significant change; with
many measures, expect about one in twenty to be flagged by chance, so read the headline KPIs first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sim.results import KPIS, STAGE_MEASURES
from sim.runner import RunResult
from sim.stats import paired_delta

__all__ = ["BETTER", "Change", "compare", "comparison", "material_changes", "rank", "rank_reason", "verdict"]

BETTER: dict[str, int] = {
    # +1: higher is better, -1: lower is better, 0: neither (an input or a description)
    "cycle_time_days": -1, "win_rate": +1, "won_per_week": +1, "revenue_per_week": +1, "leads_per_week": 0,
    "time_in_pipeline_days": -1, "wip": -1,
    "entered": 0, "advanced": +1, "lost": -1, "conversion_rate": +1, "wait_hours": -1, "work_hours": -1,
    "time_in_stage_days": -1, "stuck": -1, "waiting": -1, "handoffs": -1, "lost_cooled": -1,
    "lost_handoff": -1, "stuck_at_end": -1, "utilization": 0,
}


def verdict(measure: str, delta: dict[str, Any]) -> str:
    """'better', 'worse', 'changed' (significant, no preferred direction) or 'same'."""
    if not delta["significant"]:
        return "same"
    direction = BETTER.get(measure, 0)
    if direction == 0:
        return "changed"
    return "better" if direction * delta["mean"] > 0 else "worse"


def _delta(measure: str, base: Sequence[float | None], other: Sequence[float | None]) -> dict[str, Any]:
    d = paired_delta(base, other)
    d["verdict"] = verdict(measure, d)
    return d


def compare(base: RunResult, other: RunResult) -> dict[str, Any]:
    """Every KPI, stage measure and role utilization of `other` minus `base`, paired."""
    if len(base.replications) != len(other.replications) or base.seed != other.seed:
        raise ValueError("scenarios must be run with the same seed and number of replications to pair them")
    b, o = base.replications, other.replications
    kpis = {k: _delta(k, [r.kpis[k] for r in b], [r.kpis[k] for r in o]) for k in KPIS}
    stages: dict[str, Any] = {}
    base_ids = [s.id for s in base.scenario.stages]
    other_ids = [s.id for s in other.scenario.stages]
    for sid in base_ids + [s for s in other_ids if s not in base_ids]:
        if sid not in other_ids:
            stages[sid] = {"only_in": "base"}
        elif sid not in base_ids:
            stages[sid] = {"only_in": "other"}
        else:
            stages[sid] = {m: _delta(m, [r.stages[sid][m] for r in b], [r.stages[sid][m] for r in o])
                           for m in STAGE_MEASURES}
    roles: dict[str, Any] = {}
    for role in list(base.scenario.roles) + [r for r in other.scenario.roles if r not in base.scenario.roles]:
        if role not in other.scenario.roles:
            roles[role] = {"only_in": "base"}
        elif role not in base.scenario.roles:
            roles[role] = {"only_in": "other"}
        else:
            roles[role] = {"utilization": _delta("utilization", [r.roles[role] for r in b],
                                                 [r.roles[role] for r in o])}
    return {"kpis": kpis, "stages": stages, "roles": roles}


def rank(deltas: dict[str, dict[str, Any]]) -> list[str]:
    """What-ifs from best to worst: by the change in wins per week first, then by cycle time.

    A significant gain in wins ranks above no change, and a larger gain above a smaller one (+5.6%
    wins with a slower cycle ranks above +1.9% wins); a significant loss of wins ranks below every
    what-if that keeps them. Cycle time decides among equal win verdicts, so dropping slow leads (no
    nurture: faster, but fewer wins) is never rewarded. Changes that are not significant count as none.
    """
    order = {"better": 0, "same": 1, "changed": 1, "worse": 2}

    def key(name: str) -> tuple[int, float, float]:
        k = deltas[name]["kpis"]
        won, ct = k["won_per_week"], k["cycle_time_days"]
        ct_change = (ct["mean"] or 0.0) if ct["significant"] else 0.0
        won_change = (won["mean"] or 0.0) if won["significant"] else 0.0
        return (order[won["verdict"]], -won_change, ct_change)
    return sorted(deltas, key=key)


def rank_reason(delta: dict[str, Any]) -> str:
    """Why a what-if is where it is in the ranking, in a manager's words."""
    k = delta["kpis"]
    won, ct = k["won_per_week"], k["cycle_time_days"]
    if won["significant"] and won["mean"] is not None:
        lo, hi = won["ci95"]
        pct = f" ({won['pct']:+.1f}%)" if won.get("pct") is not None else ""
        first = (f"{'more' if won['mean'] > 0 else 'fewer'} wins: {won['mean']:+.2f} a week{pct} "
                 f"[{lo:+.2f}, {hi:+.2f}]")
    else:
        first = "wins not significantly different"
    if ct["significant"] and ct["mean"] is not None:
        lo, hi = ct["ci95"]
        second = f"cycle time {ct['mean']:+.1f} days [{lo:+.1f}, {hi:+.1f}]"
    else:
        second = "cycle time not significantly different"
    return f"{first}; {second}"


def comparison(results: dict[str, RunResult], base: str) -> dict[str, Any]:
    """comparison.json: every scenario's summary, each what-if's paired deltas against the base, the
    ranking and why each what-if is where it is."""
    first = results[base]
    deltas = {name: compare(first, r) for name, r in results.items() if name != base}
    ranking = rank(deltas)
    return {"baseline": base, "replications": len(first.replications), "seed": first.seed,
            "scenarios": {name: r.summary for name, r in results.items()},
            "deltas": deltas, "ranking": ranking, "ranking_reasons": {n: rank_reason(deltas[n]) for n in ranking}}


COUNTS = ("advanced", "lost", "stuck", "handoffs", "lost_cooled", "lost_handoff")
"""Stage measures that grow with the number of leads entering: compared per lead when volume changed."""
RATES = ("conversion_rate", "utilization", "win_rate")
MATERIAL_SHARE = 0.05
"""A change smaller than 5% of the base (or 1 percentage point for a rate) is not worth a manager's time."""
NOT_SHOWN = ("stuck_at_end", "waiting", "wip")
"""Snapshots and restatements of other measures (waiting = entries x wait): left out of the headlines."""


@dataclass(frozen=True)
class Change:
    """One material change of a what-if against the base, in a manager's words."""

    where: str
    measure: str
    verdict: str
    size: float
    base: float
    other: float
    per_lead: bool


def material_changes(comp: dict[str, Any], name: str, limit: int = 6) -> list[Change]:
    """The largest material, significant changes of what-if `name` per stage and role, largest first.

    Counts at a stage whose volume changed significantly are compared per lead entering the stage:
    fewer losses because fewer leads arrived are not an improvement."""
    base_s, other_s = comp["scenarios"][comp["baseline"]], comp["scenarios"][name]
    delta = comp["deltas"][name]
    out: list[Change] = []
    for sid, ms in delta["stages"].items():
        if "only_in" in ms:
            continue
        b, o = base_s["stages"][sid], other_s["stages"][sid]
        volume = ms["entered"]["significant"]
        for m, d in ms.items():
            if m in NOT_SHOWN or not d["significant"]:
                continue
            bm, om = b[m]["mean"], o[m]["mean"]
            if bm is None or om is None:
                continue
            per_lead = volume and m in COUNTS
            if per_lead:
                be, oe = b["entered"]["mean"] or 0.0, o["entered"]["mean"] or 0.0
                if be < 1 or oe < 1:
                    continue
                bm, om = bm / be, om / oe
            change = _material(m, bm, om)
            if change is None:
                continue
            direction = BETTER.get(m, 0)
            v = "changed" if direction == 0 else ("better" if direction * (om - bm) > 0 else "worse")
            out.append(Change(sid, m, v, change, bm, om, per_lead))
    for role, ms in delta["roles"].items():
        d = ms.get("utilization")
        if not isinstance(d, dict) or not d["significant"]:
            continue
        bm, om = base_s["roles"][role]["utilization"]["mean"], other_s["roles"][role]["utilization"]["mean"]
        change = None if bm is None or om is None else _material("utilization", bm, om)
        if change is not None:
            out.append(Change(f"role {role}", "utilization", "changed", change, bm, om, False))
    out.sort(key=lambda c: -c.size)
    return out[:limit]


def _material(measure: str, base: float, other: float) -> float | None:
    """How big a change is (relative, or in points for a rate), or None when it is not material."""
    if measure in RATES:
        return abs(other - base) * 10 if abs(other - base) >= 0.01 else None  # 1 pp weighs like 10%
    if abs(base) < 1e-9:
        return None if abs(other) < 1 else 1.0
    rel = abs(other - base) / abs(base)
    return rel if rel >= MATERIAL_SHARE else None
