"""The summary of a run: what summary.json holds, as typed values.

Computations (compare, optimize, staff) read these fields; `Summary.json()` is the output contract
(docs/reference/outputs.md): keys only get added, never renamed. Views that also show folders read
from disk (the report) work on that JSON form, checked by `salesmap.report.files`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sim.forecast import Forecast
from sim.stability import Stability
from sim.stats import Stat
from sim.weekly import Weekly

__all__ = ["PersonFigures", "RoleFigures", "Summary"]


@dataclass(frozen=True)
class PersonFigures:
    role: str
    stages: tuple[str, ...]
    capacity: float
    utilization: Stat
    overloaded: bool
    """Mean utilization above the scenario's overload threshold."""
    owner: Mapping[str, Stat] | None = None
    """Their deals as an owner (roles with `routing: owner`): `sim.results.OWNER_MEASURES`."""

    def json(self) -> dict[str, Any]:
        out = {"role": self.role, "stages": list(self.stages), "capacity": self.capacity,
               "utilization": self.utilization.json(), "overloaded": self.overloaded}
        if self.owner is not None:
            out["owner"] = _stats(self.owner)
        return out


@dataclass(frozen=True)
class RoleFigures:
    headcount: int
    utilization: Stat

    def json(self) -> dict[str, Any]:
        return {"headcount": self.headcount, "utilization": self.utilization.json()}


def _stats(d: Mapping[str, Stat]) -> dict[str, Any]:
    return {k: v.json() for k, v in d.items()}


@dataclass(frozen=True)
class Summary:
    """Every measure of a run as a mean with its 95% CI over the replications."""

    scenario: str
    replications: int
    seed: int
    horizon_days: float
    warmup_days: float
    kpis: Mapping[str, Stat]
    """`sim.results.KPIS`; cycle_time_days also has p50 and p90."""
    stages: Mapping[str, Mapping[str, Stat]]
    """Stage id -> `sim.results.STAGE_MEASURES`."""
    staff: Mapping[str, PersonFigures]
    roles: Mapping[str, RoleFigures]
    bottleneck: str
    """The stage where most leads wait for a first touch."""
    flows: Mapping[str, Mapping[str, Stat]]
    """Stage id -> target (a stage, `won`, `lost`) -> visits per replication that went there."""
    customers: Mapping[str, Stat] | None
    overload_threshold: float
    stage_names: Mapping[str, str]
    focus_limit: int
    stability: Stability
    cycle_time_from: str | None = None
    """The stage cycle time is counted from (kpis.cycle_time_from); None: from the lead's arrival."""
    sources: Mapping[str, Mapping[str, Stat]] = field(default_factory=dict)
    """Source -> `sim.results.GROUP_MEASURES` of its leads."""
    segments: Mapping[str, Mapping[str, Stat]] | None = None
    """Segment -> `sim.results.GROUP_MEASURES` of its leads (scenarios with segments)."""
    forecast: Forecast | None = None
    """Week by week from today's open pipeline (scenarios with `pipeline`)."""
    weekly: Weekly | None = None
    """Week by week while the team changes (scenarios with changes, ramping people or attrition)."""

    def kpi(self, name: str) -> float | None:
        """A headline figure's mean."""
        return self.kpis[name].mean

    def json(self) -> dict[str, Any]:
        """summary.json, in the order its keys have always had."""
        return {
            "scenario": self.scenario,
            "replications": self.replications,
            "seed": self.seed,
            "horizon_days": self.horizon_days,
            "warmup_days": self.warmup_days,
            "kpis": _stats(self.kpis),
            "stages": {sid: _stats(ms) for sid, ms in self.stages.items()},
            "staff": {n: p.json() for n, p in self.staff.items()},
            "roles": {r: v.json() for r, v in self.roles.items()},
            "bottleneck": self.bottleneck,
            "flows": {sid: _stats(ts) for sid, ts in self.flows.items()},
            "customers": _stats(self.customers) if self.customers is not None else None,
            "overload_threshold": self.overload_threshold,
            "stage_names": dict(self.stage_names),
            "focus_limit": self.focus_limit,
            "stability": self.stability.json(),
            "cycle_time_from": self.cycle_time_from,
            "sources": {n: _stats(g) for n, g in self.sources.items()},
            "segments": {n: _stats(g) for n, g in self.segments.items()} if self.segments is not None else None,
            "forecast": self.forecast.json() if self.forecast is not None else None,
            "weekly": self.weekly.json() if self.weekly is not None else None,
        }
