"""Compare scenarios run with the same seed and replications: paired differences, replication by
replication (common random numbers make them sharp), with a verdict per measure.

A measure whose 95% interval of the paired difference excludes zero is a significant change; with
many measures, expect about one in twenty to be flagged by chance, so read the headline KPIs first.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from sim.results import KPIS, STAGE_MEASURES
from sim.runner import RunResult
from sim.stats import paired_delta

__all__ = ["BETTER", "biggest_changes", "compare", "rank", "verdict"]

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
    """What-ifs from best to worst: first by wins per week (worse, same or better), then by cycle time.

    Cycle time alone would reward dropping slow leads (no nurture: faster, but fewer wins), so a
    what-if that significantly loses wins ranks below every one that does not. Changes that are not
    significant count as none.
    """
    order = {"better": 0, "same": 1, "changed": 1, "worse": 2}

    def key(name: str) -> tuple[int, float, float]:
        k = deltas[name]["kpis"]
        won, ct = k["won_per_week"], k["cycle_time_days"]
        ct_change = (ct["mean"] or 0.0) if ct["significant"] else 0.0
        won_change = (won["mean"] or 0.0) if won["significant"] else 0.0
        return (order[won["verdict"]], ct_change, -won_change)
    return sorted(deltas, key=key)


def biggest_changes(delta: dict[str, Any], limit: int = 8) -> dict[str, list[tuple[str, str, dict[str, Any]]]]:
    """The significant changes as {'better': [...], 'worse': [...], 'changed': [...]}, each a list of
    (where, measure, delta) with the largest relative change first."""
    rows: list[tuple[str, str, dict[str, Any]]] = [("KPI", k, d) for k, d in delta["kpis"].items()]
    for sid, ms in delta["stages"].items():
        rows.extend((f"stage {sid}", m, d) for m, d in ms.items() if m != "only_in")
    for role, ms in delta["roles"].items():
        rows.extend((f"role {role}", m, d) for m, d in ms.items() if m != "only_in")
    out: dict[str, list[tuple[str, str, dict[str, Any]]]] = {"better": [], "worse": [], "changed": []}
    for row in rows:
        if row[2]["verdict"] in out:
            out[row[2]["verdict"]].append(row)
    for group in out.values():
        group.sort(key=lambda r: -abs(r[2]["pct"]) if r[2]["pct"] is not None else -math.inf)
        del group[limit:]
    return out
