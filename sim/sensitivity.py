"""Which inputs move cycle time, wins per week and the busiest person's load the most.

Parameters are fields of the scenario (`sim.paths`) moved within ±range of their value. `auto` takes
every source rate, every outcome probability of a stage with a choice, every mean of a work, wait or
outcome-timing distribution and every role headcount. Three methods, designs and analysis from SALib:

- `oat`: each parameter at its low and its high end, the others at their values; the effect is the
  paired difference high − low over the replications (same random numbers), with its 95% interval;
- `morris`: elementary effects along random trajectories (screening: μ* ranks, σ says interactions);
- `sobol`: variance-based first-order and total indices (Saltelli's design), with bootstrap intervals.

The simulation's own noise is shown beside each effect, and an effect that does not stand out from it
is labelled "within noise": for `oat` when the paired interval holds 0; for `morris` when μ* is within
twice the noise of one elementary effect (√2 × the standard error of a point's mean, over the step);
for `sobol` when the total index, less its interval, is within the share of the output's variance that
replication noise alone explains.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.backend import Backend
from sim.batch import simulate_many
from sim.errors import SalesSimError
from sim.paths import get_path, leaf_paths, set_path
from sim.runner import RunResult, max_utilization
from sim.scenario import scenario_from_data
from sim.stats import paired_delta, stat

__all__ = ["KPIS", "METHODS", "Effect", "Param", "Sensitivity", "auto_params", "param", "run_sensitivity"]

KPIS = ("cycle_time_days", "won_per_week", "max_utilization")
METHODS = ("oat", "morris", "sobol")
_VALUE = re.compile(r"^\s*(-?\d+(?:\.\d*)?|\.\d+)\s*(\S*)\s*$")


@dataclass(frozen=True)
class Param:
    path: str
    base: float
    unit: str
    """As written after the number (`/week`, `m`, `h`, `%`, or empty)."""
    low: float
    high: float
    integer: bool = False

    def text(self, x: float) -> Any:
        """A value in the file's own form."""
        if self.integer:
            return round(x)
        if self.unit == "%":
            return f"{x:.6g}%"
        return f"{x:.6g}{self.unit}" if self.unit else float(x)


def _number(value: Any) -> tuple[float, str] | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value), ""
    m = _VALUE.match(str(value))
    return (float(m.group(1)), m.group(2)) if m else None


def param(data: Any, path: str, spread: float) -> Param:
    """A parameter at `path` moved ±spread (a share) around its value; headcounts move by whole people
    (at least one), probabilities stay inside (0, 1)."""
    value = get_path(data, path)
    parsed = _number(value)
    if parsed is None or parsed[0] == 0:
        raise SalesSimError(f"--params {path}: {value!r} is not a nonzero number to move around")
    x, unit = parsed
    integer = isinstance(value, int) and not isinstance(value, bool)
    low, high = x * (1 - spread), x * (1 + spread)
    if integer:
        lo_i, hi_i = math.floor(low), math.ceil(high)
        low, high = float(max(1, min(lo_i, int(x) - 1))), float(max(hi_i, int(x) + 1))
        low = max(low, 1.0) if x >= 1 else low
    if ".outcomes." in path:
        cap = 100.0 if unit == "%" else 1.0
        low, high = max(low, 0.001 * cap), min(high, 0.999 * cap)
    return Param(path, x, unit, min(low, high), max(low, high), integer)


def auto_params(data: Any, spread: float) -> list[Param]:
    """Every rate, outcome probability with a choice (of a stage with two outcomes, the first only: the
    second is its complement), distribution mean and headcount (of roles not listed by name)."""
    out = []
    for path in leaf_paths(data):
        parts = path.split(".")
        wanted = ((parts[0] == "sources" and parts[-1] == "rate")
                  or (parts[0] == "stages" and len(parts) == 4 and parts[2] == "outcomes")
                  or (parts[0] == "stages" and parts[-1] == "mean")
                  or (parts[0] == "roles" and parts[-1] == "headcount"))
        if not wanted:
            continue
        if parts[0] == "stages" and parts[2] == "outcomes" and len(parts) == 4:
            outcomes = list(get_path(data, ".".join(parts[:3])))
            if len(outcomes) < 2 or (len(outcomes) == 2 and parts[3] == outcomes[1]):
                continue  # no choice; or the complement of the other outcome (the same question)
        if parts[0] == "roles" and any(isinstance(p, dict) and p.get("role") == parts[1] for p in data.get("people")
                                       or ()):
            continue
        value = get_path(data, path)
        parsed = _number(value)
        if parsed is None or parsed[0] == 0:
            continue
        out.append(param(data, path, spread))
    return out


@dataclass(frozen=True)
class Effect:
    """One parameter's effect on one measure."""

    param: str
    kpi: str
    value: float
    """oat: high − low; morris: μ*; sobol: total index."""
    low: float | None
    high: float | None
    noise: float
    within_noise: bool
    extra: Mapping[str, float | None] = field(default_factory=dict)
    """oat: the measure at the low and the high end; morris: σ; sobol: S1 and its interval."""

    def json(self) -> dict[str, Any]:
        return {"param": self.param, "kpi": self.kpi, "value": self.value, "ci95": [self.low, self.high],
                "noise": self.noise, "within_noise": self.within_noise, **self.extra}


@dataclass(frozen=True)
class Sensitivity:
    method: str
    spread: float
    params: tuple[Param, ...]
    effects: dict[str, list[Effect]]
    """KPI -> effects, largest first."""
    base: Mapping[str, float | None]
    simulations: int
    points: int
    replications: int
    seed: int

    def json(self) -> dict[str, Any]:
        return {"method": self.method, "range": self.spread, "replications": self.replications, "seed": self.seed,
                "points": self.points, "simulations": self.simulations,
                "base": {k: (None if v is None or v != v else v) for k, v in self.base.items()},
                "params": [{"path": p.path, "base": p.text(p.base), "low": p.text(p.low), "high": p.text(p.high)}
                           for p in self.params],
                "effects": {k: [e.json() for e in v] for k, v in self.effects.items()}}


def _per_rep(run: RunResult, kpi: str) -> list[float | None]:
    if kpi == "max_utilization":
        return list(max_utilization(run))
    return [r.kpis[kpi] for r in run.replications]


def _mean(run: RunResult, kpi: str) -> float:
    xs = [x for x in _per_rep(run, kpi) if x is not None]
    return float(np.mean(xs)) if xs else math.nan


def run_sensitivity(data: dict[str, Any], source: str, params: Sequence[Param], method: str = "oat",
                    replications: int | None = None, seed: int | None = None, trajectories: int = 10,
                    samples: int = 64, progress: Callable[[int, int], None] | None = None,
                    backend: Backend | None = None, spread: float = 0.2) -> Sensitivity:
    """Simulate the method's design (every point on one seed) and analyse each measure."""
    if method not in METHODS:
        raise SalesSimError(f"--method {method}: one of {', '.join(METHODS)}")
    if not params:
        raise SalesSimError("no parameters to move (none found, or none given)")
    problem = {"num_vars": len(params), "names": [p.path for p in params],
               "bounds": [[p.low, p.high] for p in params]}
    base_values = [p.base for p in params]
    if method == "oat":
        rows = [base_values]
        for k, p in enumerate(params):
            for end in (p.low, p.high):
                rows.append([end if j == k else b for j, b in enumerate(base_values)])
        design = np.array(rows, dtype=float)
    elif method == "morris":
        from SALib.sample import morris as morris_sample

        design = np.vstack([[base_values], morris_sample.sample(problem, trajectories, num_levels=4, seed=seed or 0)])
    else:
        from SALib.sample import sobol as sobol_sample

        design = np.vstack([[base_values], sobol_sample.sample(problem, samples, calc_second_order=False,
                                                                seed=seed or 0)])
    scenarios = []
    for k, row in enumerate(design):
        d = data
        for p, x in zip(params, row, strict=True):
            d = set_path(d, p.path, p.text(x))
        scenarios.append(scenario_from_data(d, f"{source} at design point {k + 1}"))
    reps = replications or scenarios[0].replications
    s = scenarios[0].seed if seed is None else seed
    runs = simulate_many(scenarios, reps, s, progress, backend)
    base_run = runs[0]
    base = {kpi: _mean(base_run, kpi) for kpi in KPIS}
    effects = {kpi: _analyse(method, kpi, params, design, runs, problem, seed or 0) for kpi in KPIS}
    return Sensitivity(method, spread, tuple(params), effects, base, len(runs) * reps, len(runs), reps, s)


def _se(run: RunResult, kpi: str) -> float:
    """Standard error of a point's mean of the measure (replication noise)."""
    xs = [x for x in _per_rep(run, kpi) if x is not None]
    return float(np.std(xs, ddof=1) / math.sqrt(len(xs))) if len(xs) > 1 else 0.0


def _analyse(method: str, kpi: str, params: Sequence[Param], design: np.ndarray, runs: Sequence[RunResult],
             problem: dict[str, Any], seed: int) -> list[Effect]:
    out: list[Effect] = []
    if method == "oat":
        for k, p in enumerate(params):
            lo_run, hi_run = runs[1 + 2 * k], runs[2 + 2 * k]
            d = paired_delta(_per_rep(lo_run, kpi), _per_rep(hi_run, kpi))
            mean = d.mean if d.mean is not None else 0.0
            half = (d.high - mean) if d.high is not None else math.nan
            within = d.low is None or d.high is None or d.low <= 0 <= d.high
            ends = {"at_low": stat(_per_rep(lo_run, kpi)).mean, "at_high": stat(_per_rep(hi_run, kpi)).mean}
            out.append(Effect(p.path, kpi, mean, d.low, d.high, half, within, ends))
        out.sort(key=lambda e: -abs(e.value))
        return out
    y = np.array([_mean(r, kpi) for r in runs[1:]])
    y = np.where(np.isnan(y), np.nanmean(y) if np.isfinite(np.nanmean(y)) else 0.0, y)
    se = float(np.mean([_se(r, kpi) for r in runs]))
    if method == "morris":
        from SALib.analyze import morris as morris_analyze

        res = morris_analyze.analyze(problem, design[1:], y, num_levels=4, seed=seed)
        step = 4 / (2 * (4 - 1))  # the elementary step in the unit cube (num_levels 4)
        noise = math.sqrt(2) * se / step
        for k, p in enumerate(params):
            mu, conf = float(res["mu_star"][k]), float(res["mu_star_conf"][k])
            out.append(Effect(p.path, kpi, mu, mu - conf, mu + conf, noise, mu <= 2 * noise,
                              {"sigma": float(res["sigma"][k])}))
    else:
        from SALib.analyze import sobol as sobol_analyze

        res = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=seed)
        total_var = float(np.var(y))
        noise = min(1.0, se ** 2 / total_var) if total_var > 0 else 1.0
        for k, p in enumerate(params):
            st, conf = float(res["ST"][k]), float(res["ST_conf"][k])
            out.append(Effect(p.path, kpi, st, st - conf, st + conf, noise, st - conf <= noise,
                              {"S1": float(res["S1"][k]), "S1_conf": float(res["S1_conf"][k])}))
    out.sort(key=lambda e: -abs(e.value))
    return out
