"""Compare scenarios run with the same seed and replications: paired differences, replication by
replication (common random numbers make them sharp), with a verdict per measure.

A measure whose 95% interval of the paired difference excludes zero is a significant change; with
many measures, expect about one in twenty to be flagged by chance, so read the headline KPIs first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sim.results import KPIS, STAGE_MEASURES
from sim.runner import RunResult
from sim.stats import Delta, Verdict, paired_delta
from sim.transition import SERIES, transition_cost
from sim.transitions import has_transitions

__all__ = ["BETTER", "Change", "Deltas", "compare", "comparison", "delta", "material_changes", "rank", "rank_reason"]

BETTER: dict[str, int] = {
    # +1: higher is better, -1: lower is better, 0: neither (an input or a description)
    "cycle_time_days": -1, "win_rate": +1, "won_per_week": +1, "revenue_per_week": +1, "leads_per_week": 0,
    "time_in_pipeline_days": -1, "wip": -1,
    "entered": 0, "advanced": +1, "lost": -1, "conversion_rate": +1, "wait_hours": -1, "work_hours": -1,
    "time_in_stage_days": -1, "stuck": -1, "waiting": -1, "handoffs": -1, "lost_cooled": -1,
    "lost_handoff": -1, "stuck_at_end": -1, "utilization": 0, "stalled_per_week": -1, "stalled": -1,
}


def delta(measure: str, base: Sequence[float | None], other: Sequence[float | None]) -> Delta:
    """The paired difference of one measure, with its verdict from the measure's better direction."""
    return paired_delta(base, other, BETTER.get(measure, 0))


@dataclass(frozen=True)
class Deltas:
    """A what-if minus its base, every measure paired replication by replication."""

    kpis: Mapping[str, Delta]
    stages: Mapping[str, Mapping[str, Delta]]
    """Stage id -> measure -> delta; empty for a stage in one scenario only (see `stages_only_in`)."""
    roles: Mapping[str, Delta | None]
    """Role -> utilization delta; None for a role in one scenario only."""
    stages_only_in: Mapping[str, str] = field(default_factory=dict)
    """Stage id -> "base" or "other": in one scenario only, so not compared."""
    roles_only_in: Mapping[str, str] = field(default_factory=dict)

    def json(self) -> dict[str, Any]:
        """As in comparison.json: a stage or role in one scenario only is {"only_in": "base"|"other"}."""
        stages = {sid: {"only_in": self.stages_only_in[sid]} if sid in self.stages_only_in
                  else {m: d.json() for m, d in ms.items()} for sid, ms in self.stages.items()}
        roles = {r: {"only_in": self.roles_only_in[r]} if d is None else {"utilization": d.json()}
                 for r, d in self.roles.items()}
        return {"kpis": {k: d.json() for k, d in self.kpis.items()}, "stages": stages, "roles": roles}


def compare(base: RunResult, other: RunResult) -> Deltas:
    """Every KPI, stage measure and role utilization of `other` minus `base`, paired."""
    if len(base.replications) != len(other.replications) or base.seed != other.seed:
        raise ValueError("scenarios must be run with the same seed and number of replications to pair them")
    b, o = base.replications, other.replications
    kpis = {k: delta(k, [r.kpis[k] for r in b], [r.kpis[k] for r in o]) for k in KPIS}
    stages: dict[str, dict[str, Delta]] = {}
    stages_only: dict[str, str] = {}
    base_ids = [s.id for s in base.scenario.stages]
    other_ids = [s.id for s in other.scenario.stages]
    for sid in base_ids + [s for s in other_ids if s not in base_ids]:
        stages[sid] = {}
        if sid not in other_ids or sid not in base_ids:
            stages_only[sid] = "base" if sid in base_ids else "other"
        else:
            stages[sid] = {m: delta(m, [r.stages[sid][m] for r in b], [r.stages[sid][m] for r in o])
                           for m in STAGE_MEASURES}
    roles: dict[str, Delta | None] = {}
    roles_only: dict[str, str] = {}
    for role in list(base.scenario.roles) + [r for r in other.scenario.roles if r not in base.scenario.roles]:
        roles[role] = None
        if role not in other.scenario.roles or role not in base.scenario.roles:
            roles_only[role] = "base" if role in base.scenario.roles else "other"
        else:
            roles[role] = delta("utilization", [r.roles[role] for r in b], [r.roles[role] for r in o])
    return Deltas(kpis, stages, roles, stages_only, roles_only)


def rank(deltas: Mapping[str, Deltas]) -> list[str]:
    """What-ifs from best to worst: by the change in wins per week first, then by cycle time.

    A significant gain in wins ranks above no change, and a larger gain above a smaller one (+5.6%
    wins with a slower cycle ranks above +1.9% wins); a significant loss of wins ranks below every
    what-if that keeps them. Cycle time decides among equal win verdicts, so dropping slow leads (no
    nurture: faster, but fewer wins) is never rewarded. Changes that are not significant count as none.
    """
    order = {Verdict.BETTER: 0, Verdict.SAME: 1, Verdict.CHANGED: 1, Verdict.WORSE: 2}

    def key(name: str) -> tuple[int, float, float]:
        k = deltas[name].kpis
        won, ct = k["won_per_week"], k["cycle_time_days"]
        ct_change = (ct.mean or 0.0) if ct.significant else 0.0
        won_change = (won.mean or 0.0) if won.significant else 0.0
        return (order[won.verdict], -won_change, ct_change)
    return sorted(deltas, key=key)


def rank_reason(deltas: Deltas) -> str:
    """Why a what-if is where it is in the ranking, in a manager's words."""
    k = deltas.kpis
    won, ct = k["won_per_week"], k["cycle_time_days"]
    if won.significant and won.mean is not None and won.low is not None and won.high is not None:
        pct = f" ({won.pct:+.1f}%)" if won.pct is not None else ""
        first = (f"{'more' if won.mean > 0 else 'fewer'} wins: {won.mean:+.2f} a week{pct} "
                 f"[{won.low:+.2f}, {won.high:+.2f}]")
    else:
        first = "wins not significantly different"
    if ct.significant and ct.mean is not None and ct.low is not None and ct.high is not None:
        second = f"cycle time {ct.mean:+.1f} days [{ct.low:+.1f}, {ct.high:+.1f}]"
    else:
        second = "cycle time not significantly different"
    return f"{first}; {second}"


def comparison(results: dict[str, RunResult], base: str) -> dict[str, Any]:
    """comparison.json: every scenario's summary, each what-if's paired deltas against the base, the
    ranking and why each what-if is where it is."""
    first = results[base]
    deltas = {name: compare(first, r) for name, r in results.items() if name != base}
    ranking = rank(deltas)
    out = {"baseline": base, "replications": len(first.replications), "seed": first.seed,
           "scenarios": {name: r.summary.json() for name, r in results.items()},
           "deltas": {n: d.json() for n, d in deltas.items()}, "ranking": ranking,
           "ranking_reasons": {n: rank_reason(deltas[n]) for n in ranking}}
    transitions = {n: {m: transition_cost(first.replications, r.replications, r.scenario.warmup, m).json()
                       for m in SERIES}
                   for n, r in results.items() if n != base and _pairable(first, r)
                   and (has_transitions(r.scenario) or has_transitions(first.scenario))}
    if transitions:
        out["transitions"] = transitions
    return out


def _pairable(a: RunResult, b: RunResult) -> bool:
    return a.replications[0].timeline.starts == b.replications[0].timeline.starts


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
    verdict: Verdict
    size: float
    base: float
    other: float
    per_lead: bool


def material_changes(comp: dict[str, Any], name: str, limit: int = 6) -> list[Change]:
    """The largest material, significant changes of what-if `name` per stage and role, largest first.

    Reads comparison.json's form (`comparison()`), so a report of a folder on disk says the same.

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
            v = Verdict.CHANGED if direction == 0 else Verdict.BETTER if direction * (om - bm) > 0 else Verdict.WORSE
            out.append(Change(sid, m, v, change, bm, om, per_lead))
    for role, ms in delta["roles"].items():
        d = ms.get("utilization")
        if not isinstance(d, dict) or not d["significant"]:
            continue
        bm, om = base_s["roles"][role]["utilization"]["mean"], other_s["roles"][role]["utilization"]["mean"]
        change = None if bm is None or om is None else _material("utilization", bm, om)
        if change is not None:
            out.append(Change(f"role {role}", "utilization", Verdict.CHANGED, change, bm, om, False))
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
