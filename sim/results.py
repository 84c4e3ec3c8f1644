"""Read a finished replication into plain numbers, and many replications into the summary.

The summary's shape is the output contract (README, "summary.json"): other tools and later
features read it, so keys only get added, never renamed.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

from sim.engine import Replication
from sim.forecast import forecast
from sim.metrics import ReplicationResult
from sim.schema import Scenario
from sim.stability import stability
from sim.stats import Stat, stat
from sim.summary import PersonFigures, RoleFigures, Summary
from sim.team import Team, focus_limit, seats
from sim.weekly import weekly

__all__ = ["GROUP_MEASURES", "KPIS", "OWNER_MEASURES", "STAGE_MEASURES", "collect", "summarize"]

KPIS = ("cycle_time_days", "win_rate", "won_per_week", "revenue_per_week", "leads_per_week",
        "time_in_pipeline_days", "wip", "stalled_per_week")
GROUP_MEASURES = ("leads_per_week", "won_per_week", "revenue_per_week", "win_rate", "cycle_time_days")
"""Per source and per segment: leads arriving, won and revenue a week, win rate and cycle time of their deals."""
OWNER_MEASURES = ("owned", "won", "won_per_week", "revenue_per_week", "win_rate", "cycle_time_days", "open_deals")
"""Per owner (routing: owner): deals assigned in the measured period, won, won and revenue a week, win
rate of their closed deals, cycle time of their won deals, deals open at the end."""
STAGE_MEASURES = ("entered", "advanced", "lost", "conversion_rate", "wait_hours", "work_hours",
                  "time_in_stage_days", "stuck", "waiting", "wip", "handoffs", "lost_cooled",
                  "lost_handoff", "stuck_at_end", "stalled")


def _ratio(a: float, b: float) -> float | None:
    return a / b if b else None


def collect(rep: Replication) -> ReplicationResult:
    """The measured-period numbers of a replication that has run to its horizon."""
    tl = rep.timeline
    w = rep.warmup
    measured = [i for i, s in enumerate(tl.starts) if s >= w]
    hours = sum(tl.ends[i] - tl.starts[i] for i in measured)
    weeks = hours / 168

    def avg(series: Sequence[float]) -> float:
        return sum(series[i] * (tl.ends[i] - tl.starts[i]) for i in measured) / hours

    ended = rep.won + rep.lost
    kpis: dict[str, float | None] = {
        "cycle_time_days": _ratio(rep.cycle_sum, rep.cycle_n),
        "cycle_time_p50": rep.cycle.quantile(0.5),
        "cycle_time_p90": rep.cycle.quantile(0.9),
        "win_rate": _ratio(rep.won, ended),
        "won_per_week": rep.won / weeks,
        "revenue_per_week": rep.revenue / weeks,
        "leads_per_week": rep.arrived / weeks,
        "time_in_pipeline_days": _ratio(rep.pipeline_time_sum / 24, ended),
        "wip": avg(tl.pipeline),
        "stalled_per_week": rep.stalled / weeks,
    }
    stages: dict[str, dict[str, float | None]] = {}
    watched = {s.id for s in rep.scenario.stages if s.stuck_after is not None}
    for k, st in enumerate(rep.stages):
        t = st.tally
        measured_stuck = st.id in watched  # no stuck_after: stuck is not measured ("–"), not zero
        stages[st.id] = {
            "entered": float(t.entered), "advanced": float(t.advanced), "lost": float(t.lost),
            "conversion_rate": _ratio(t.advanced, t.advanced + t.lost + t.stalled),
            "wait_hours": _ratio(t.wait_sum, t.wait_n),
            "work_hours": _ratio(t.work_sum, t.time_n),
            "time_in_stage_days": _ratio(t.time_sum / 24, t.time_n),
            "stuck": float(t.stuck) if measured_stuck else None,
            "waiting": t.wait_sum / hours,
            "wip": avg([row[k] for row in tl.wip]),
            "handoffs": float(t.handoffs), "lost_cooled": float(t.lost_cooled),
            "lost_handoff": float(t.lost_handoff),
            "stuck_at_end": float(st.stuck_at_end) if measured_stuck else None,
            "stalled": float(t.stalled),
        }
    available = [sum(tl.available[i][j] for i in measured) for j in range(len(rep.workers))]
    busy = [sum(tl.busy[i][j] for i in measured) for j in range(len(rep.workers))]
    staff = {wk.name: (busy[j] / available[j] if available[j] else 0.0) for j, wk in enumerate(rep.workers)}
    roles: dict[str, float] = {}
    for role in rep.scenario.roles:
        idx = [j for j, wk in enumerate(rep.workers) if wk.role == role]
        open_hours = sum(available[j] for j in idx)
        roles[role] = sum(busy[j] for j in idx) / open_hours if open_hours else 0.0
    cb = rep.customers
    customers: dict[str, float | None] = {
        "new": float(cb.new), "churned": float(cb.churned),
        "active": avg(tl.customers), "active_at_end": float(cb.count.count),
        "late_checkin_share": _ratio(cb.late_checkins, cb.checkins),
    }
    flows = {st.id: {k: float(v) for k, v in st.tally.flows.items()} for st in rep.stages}
    occupants = rep.transitions.seats if rep.transitions is not None else [[wk] for wk in rep.workers]
    owners = {seat[0].name: _owner_figures(seat, weeks) for seat in occupants if seat[0].role in rep.routing}

    def group(f: Any) -> dict[str, float | None]:
        return {"leads_per_week": f.arrived / weeks, "won_per_week": f.won / weeks,
                "revenue_per_week": f.revenue / weeks, "win_rate": _ratio(f.won, f.won + f.lost),
                "cycle_time_days": _ratio(f.cycle_sum, f.cycle_n)}

    sources = {src.name: group(rep.by_source[i]) for i, src in enumerate(rep.scenario.sources)}
    segments = {g.name: group(g.figures) for g in rep.segments}
    return ReplicationResult(rep.replication, kpis, stages, flows, staff, roles, customers, rep.cycle, tl.compact(),
                             owners, sources, segments)


def _owner_figures(seat: Sequence[Any], weeks: float) -> dict[str, float | None]:
    """An owner's figures; a seat's replacements (attrition) are added to it."""
    def total(attr: str) -> float:
        return float(sum(getattr(w, attr) for w in seat))
    won, lost = total("won"), total("lost")
    return {"owned": total("owned"), "won": won, "won_per_week": won / weeks,
            "revenue_per_week": total("revenue") / weeks, "win_rate": _ratio(won, won + lost),
            "cycle_time_days": _ratio(total("cycle_sum"), total("cycle_n")), "open_deals": total("open_deals")}


def summarize(scenario: Scenario, results: Sequence[ReplicationResult], seed: int) -> Summary:
    """Every measure as a mean with its 95% CI over the replications."""
    def over(get: Any) -> list[float | None]:
        return [get(r) for r in results]

    kpis = {k: stat(over(lambda r, k=k: r.kpis[k]), _bounds(k)) for k in KPIS}
    p50, p90 = (stat(over(lambda r, q=q: r.kpis[f"cycle_time_{q}"])).mean for q in ("p50", "p90"))
    kpis["cycle_time_days"] = dataclasses.replace(kpis["cycle_time_days"], p50=p50, p90=p90)
    stages = {s.id: {m: stat(over(lambda r, s=s, m=m: r.stages[s.id][m]), _bounds(m)) for m in STAGE_MEASURES}
              for s in scenario.stages}
    team = Team(seats(scenario))
    threshold = scenario.overload_threshold
    staff = {}
    for m in team.people:
        u = stat(over(lambda r, m=m: r.staff[m.name]), UNIT)
        owner = ({k: stat(over(lambda r, m=m, k=k: r.owners[m.name][k]), _bounds(k)) for k in OWNER_MEASURES}
                 if m.name in results[0].owners else None)
        staff[m.name] = PersonFigures(m.role, m.stages, m.capacity, u, bool(u.mean is not None and u.mean > threshold),
                                      owner)
    roles = {r: RoleFigures(len(team.of_role(r)), stat(over(lambda x, r=r: x.roles[r]), UNIT)) for r in scenario.roles}
    customers = {k: stat(over(lambda r, k=k: r.customers[k]), _bounds(k)) for k in results[0].customers}

    def groups(get: Any) -> dict[str, dict[str, Stat]]:
        return {name: {k: stat(over(lambda r, n=name, k=k: get(r)[n][k]), _bounds(k)) for k in GROUP_MEASURES}
                for name in get(results[0])}
    return Summary(
        scenario=scenario.name, replications=len(results), seed=seed, horizon_days=scenario.horizon / 24,
        warmup_days=scenario.warmup / 24, kpis=kpis, stages=stages, staff=staff, roles=roles,
        bottleneck=_bottleneck(stages), flows=_flows(scenario, results),
        customers=customers if scenario.customers else None, overload_threshold=threshold,
        stage_names={st.id: st.display_name for st in scenario.stages}, focus_limit=focus_limit(scenario),
        stability=stability(scenario, results),
        cycle_time_from=scenario.kpis.cycle_time_from if scenario.kpis else None,
        sources=groups(lambda r: r.sources), segments=groups(lambda r: r.segments) if scenario.segments else None,
        forecast=forecast(scenario, results, [(m.name, m.role) for m in team.people]),
        weekly=weekly(scenario, results, [(m.name, m.role) for m in team.people]))



UNIT = (0.0, 1.0)
_SHARES = {"win_rate", "conversion_rate", "late_checkin_share"}


def _bounds(measure: str) -> tuple[float, float]:
    """What a measure can possibly be: shares lie in [0, 1], everything else is >= 0."""
    return UNIT if measure in _SHARES else (0.0, math.inf)


def _flows(scenario: Scenario, results: Sequence[ReplicationResult]) -> dict[str, dict[str, Stat]]:
    """Per stage and target: visits per replication that went there (the map's arrows)."""
    out: dict[str, dict[str, Stat]] = {}
    for s in scenario.stages:
        targets = list(s.outcomes)
        if s.decay is not None and s.decay.cooled not in targets:
            targets.append(s.decay.cooled)
        if "lost" not in targets and any(r.flows[s.id].get("lost") for r in results):
            targets.append("lost")
        out[s.id] = {t: stat([r.flows[s.id].get(t, 0.0) for r in results], (0.0, math.inf)) for t in targets}
    return out


def _bottleneck(stages: dict[str, dict[str, Stat]]) -> str:
    """The stage where the most leads wait for a first touch, on average (Little's law)."""
    def waiting(sid: str) -> float:
        m = stages[sid]["waiting"].mean
        return -math.inf if m is None else float(m)
    return max(stages, key=waiting)
