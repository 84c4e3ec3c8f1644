"""How far to trust a calibrated scenario: fit before a split date, simulate what came after.

The data before the split (as an export taken that day would show it) is calibrated into a scenario
that starts from the deals open on the split date; the scenario is simulated over the holdout period
and each measure of `calibrate.measures` is compared with what really happened then. A real value is
one draw of what could have happened, so it is judged against the simulated *range* (a 95% prediction
interval for one period, from the replications' mean and spread), not the interval of the mean.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import math
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from calibrate.deals import LOST, OPEN, WON, Deal, Visit, cut
from calibrate.estimate import Estimates, estimate, restage
from calibrate.measures import PeriodMeasures, period_measures
from calibrate.readers import Export
from calibrate.team import override_roles, person_name
from calibrate.write import pipeline_csv, scenario_text

__all__ = ["TARGETS", "Fitness", "FitnessRow", "holdout_split", "measure_fitness"]

TARGETS: dict[str, tuple[str, float]] = {
    "win_rate": ("points", 0.02),
    "cycle_p50_days": ("relative", 0.10),
    "cycle_p90_days": ("relative", 0.10),
    "won_per_week": ("relative", 0.10),
    "conversion": ("points", 0.03),
}
"""Measure (or prefix) -> how its error is judged and the target (#11): win rate within 2 points,
cycle time p50/p90 and wins a week within 10%, each stage's conversion within 3 points."""


@dataclass(frozen=True)
class FitnessRow:
    measure: str
    real: float | None
    mean: float | None
    ci: tuple[float, float] | None
    """95% interval of the simulated mean."""
    band: tuple[float, float] | None
    """The 95% prediction interval of one period: where one real period is likely to fall."""
    error: float | None
    """Simulated mean minus real, relative (share of real) or in points, per `kind`."""
    kind: str
    target: float | None

    @property
    def inside(self) -> bool | None:
        if self.real is None or self.band is None:
            return None
        return self.band[0] - 1e-12 <= self.real <= self.band[1] + 1e-12

    @property
    def on_target(self) -> bool | None:
        if self.target is None or self.error is None:
            return None
        return abs(self.error) <= self.target

    def json(self) -> dict[str, Any]:
        return {"measure": self.measure, "real": self.real, "simulated_mean": self.mean,
                "simulated_ci95": list(self.ci) if self.ci else None,
                "simulated_range95": list(self.band) if self.band else None,
                "error": self.error, "error_kind": self.kind, "target": self.target,
                "real_inside_range": self.inside, "on_target": self.on_target}


@dataclass
class Fitness:
    split: dt.datetime
    end: dt.datetime
    replications: int
    rows: list[FitnessRow]
    ks: float | None
    wasserstein_days: float | None
    real_weekly_wins: list[int] = field(default_factory=list)
    sim_weekly_wins: list[list[int]] = field(default_factory=list)
    real_cycle: list[float] = field(default_factory=list)
    sim_cycle: list[float] = field(default_factory=list)
    estimates: Estimates | None = None

    def json(self) -> dict[str, Any]:
        return {"split": self.split.isoformat(), "end": self.end.isoformat(), "replications": self.replications,
                "cycle_time_distance": {"kolmogorov_smirnov": self.ks, "wasserstein_days": self.wasserstein_days},
                "measures": [r.json() for r in self.rows],
                "weekly_wins": {"real": self.real_weekly_wins, "simulated": self.sim_weekly_wins},
                "cycle_time_percentiles_days": {"real": _percentiles(self.real_cycle),
                                                "simulated": _percentiles(self.sim_cycle)}}


def _percentiles(x: list[float]) -> list[float] | None:
    """The 1st to 99th percentiles (for drawing a distribution without keeping every deal)."""
    return [float(v) for v in np.percentile(x, np.arange(1, 100))] if x else None


def holdout_split(first: dt.datetime, as_of: dt.datetime, holdout: float) -> dt.datetime:
    """The split date: the last `holdout` share of the data's span, at a midnight."""
    t = first + (as_of - first) * (1 - holdout)
    return dt.datetime.combine(t.date(), dt.time())


def _target(measure: str) -> tuple[str, float | None]:
    key = measure.split(":", 1)[0]
    if key in TARGETS:
        return TARGETS[key]
    if key.startswith(("time_in_stage", "owner_won", "cycle")) or key.endswith("per_week") or key == "open_at_end":
        return "relative", None
    return "points", None


def _row(measure: str, real: float | None, sims: list[float | None]) -> FitnessRow:
    from sim.stats import t_halfwidth

    kind, target = _target(measure)
    vals = [x for x in sims if x is not None]
    if not vals:
        return FitnessRow(measure, real, None, None, None, None, kind, target)
    mean = float(np.mean(vals))
    half = t_halfwidth(vals) if len(vals) > 1 else math.nan
    ci = (mean - half, mean + half) if not math.isnan(half) else None
    band = None
    if len(vals) > 1:
        # A 95% prediction interval for one more period (normal theory, exact for few replications, where
        # the 2.5th and 97.5th percentiles of the replications would be too narrow).
        wide = half * math.sqrt(len(vals) + 1)
        band = (mean - wide, mean + wide)
    error = None
    if real is not None:
        error = (mean - real) / real if kind == "relative" and real else mean - real if kind == "points" else None
    return FitnessRow(measure, real, mean, ci, band, error, kind, target)


def _owner(d: Deal, team: set[str]) -> str | None:
    """The open deal's owner as the pipeline file gives it: only someone on the team."""
    raw = d.owner or d.visits[-1].owner
    o = person_name(raw) if raw else None
    return o if o in team else None


def _sim_deals(rows: list[tuple[Any, ...]], origin: dt.datetime,
               known: Mapping[str, tuple[dt.datetime, str | None]]) -> list[Deal]:
    """Deals from one replication's event rows (`sim.lead.EventRow`); `known` gives the open deals'
    creation time and owner (the rows start when the run does)."""
    from sim.lead import STAGE_ENTERED

    cases: dict[str, dict[str, Any]] = {}
    for _, case, activity, stage, lifecycle, t, resource, _role in rows:
        when = origin + dt.timedelta(hours=t)
        c = cases.get(case)
        if c is None:
            created, owner = known.get(case, (when, None))
            c = cases[case] = {"created": created, "visits": [], "owner": owner, "outcome": OPEN, "closed": None}
        if activity in (STAGE_ENTERED, "deal open"):
            c["visits"].append([stage, when, None])
        elif activity in (WON, LOST):
            c["outcome"], c["closed"] = activity, when
        elif resource and c["visits"] and lifecycle == "start":
            c["visits"][-1][2] = resource
    out = []
    for case, c in cases.items():
        if not c["visits"]:
            continue
        visits = tuple(Visit(s, t, o) for s, t, o in c["visits"])
        owner = c["owner"] or next((v.owner for v in reversed(visits) if v.owner), None)
        out.append(Deal(str(case), c["created"], visits, c["outcome"], c["closed"], owner))
    return out


def _replicate(scenario: Any, r: int, seed: int, period: tuple[Any, ...]) -> PeriodMeasures:
    """One replication of the holdout, measured like the real data (runs in a worker process)."""
    from sim.engine import Replication
    from sim.results import collect

    split, end, stages, owners, known = period
    rows: list[tuple[Any, ...]] = []
    rep = Replication(scenario, r, seed, rows.append)
    rep.run()
    m = period_measures(_sim_deals(rows, split, known), split, end, stages, owners)
    # Deal values are not in the event log: revenue is the replication's own (its period is the holdout).
    m.values["revenue_per_week"] = collect(rep).kpis.get("revenue_per_week")
    return m


def _simulate(scenario: Any, n: int, seed: int, period: tuple[Any, ...],
              progress: Callable[[int], None] | None) -> list[PeriodMeasures]:
    """Every replication, in worker processes when there are cores to spare; in replication order."""
    from sim.workers import default_workers, pool

    workers = min(n, default_workers())
    if workers <= 1:
        out = []
        for r in range(n):
            out.append(_replicate(scenario, r, seed, period))
            if progress is not None:
                progress(r + 1)
        return out
    ex = pool(workers)
    futures = [ex.submit(_replicate, scenario, r, seed, period) for r in range(n)]
    for done, _ in enumerate(cf.as_completed(futures), 1):
        if progress is not None:
            progress(done)
    return [f.result() for f in futures]


def measure_fitness(export: Export, as_of: dt.datetime, holdout: float, *, efforts: Mapping[str, float] | None = None,
                    replications: int = 20, seed: int = 1, progress: Callable[[int], None] | None = None,
                    roles: dict[str, str] | None = None) -> Fitness:
    """Calibrate on the data before the split, simulate the holdout, compare (see the module docstring)."""
    from sim.scenario import load_scenario

    split = holdout_split(min(d.created for d in export.deals), as_of, holdout)
    if (as_of - split).days < 7:
        raise ValueError(f"the holdout ({split:%Y-%m-%d} to {as_of:%Y-%m-%d}) is shorter than a week; "
                         "give a larger --holdout or more data")
    train = Export(cut(export.deals, split), export.stages, export.names, export.kind, export.files, [],
                   export.first, split, export.has_work, [t for t in export.busy if t < split], export.automated)
    est = estimate(train, split, efforts, seed)
    if roles:
        override_roles(est.team, roles)
        restage(est)
    owners = est.team.routing == "owner"
    team_names = {m.name for m in est.team.members}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "open.csv").write_text(pipeline_csv(est.open_deals, split, team_names if owners else None),
                                         encoding="utf-8")
        hours = (as_of - split).total_seconds() / 3600
        text = scenario_text(est, "holdout", "open.csv", horizon=f"{hours:.6g}h")
        (folder / "holdout.yaml").write_text(text, encoding="utf-8")
        scenario = load_scenario(folder / "holdout.yaml")
    known = {d.id: (d.created, _owner(d, team_names) if owners else None) for d in est.open_deals}
    real = period_measures(cut(export.deals, as_of), split, as_of, export.stages, owners)
    sims = _simulate(scenario, replications, seed, (split, as_of, tuple(export.stages), owners, known), progress)
    keys = list(real.values)
    for s in sims:
        keys += [k for k in s.values if k not in keys]
    out = []
    for k in keys:
        missing = 0.0 if k.startswith("owner_won:") else None
        out.append(_row(k, real.values.get(k, missing), [s.values.get(k, missing) for s in sims]))
    pooled = np.concatenate([s.cycle_days for s in sims]) if sims else np.zeros(0)
    ks = w1 = None
    if len(real.cycle_days) and len(pooled):
        from scipy import stats
        ks = float(stats.ks_2samp(real.cycle_days, pooled).statistic)
        w1 = float(stats.wasserstein_distance(real.cycle_days, pooled))
    return Fitness(split, as_of, replications, out, ks, w1, real.weekly_wins, [s.weekly_wins for s in sims],
                   [float(x) for x in real.cycle_days], [float(x) for x in pooled], est)

