"""Benchmarks (not tests): `python -m sim.bench [--rounds N]`.

1. Our engine on scenarios/mm3.yaml against a minimal hand-written SimPy M/M/3 of the same arrival
   rate, service time and horizon (so the same number of customers), timed in alternating rounds in
   one process; medians and their ratio. Target: ratio <= 1.3.
2. Leads per second on scenarios/baseline.yaml (one replication, no event log).
3. Peak traced memory of one replication at a 1-year and a 4-year horizon, without the event log:
   the engine's own state should not grow with the horizon.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import simpy

from sim.distributions import mean_of
from sim.engine import Replication
from sim.results import collect
from sim.scenario import load_scenario
from sim.schema import Scenario

__all__ = ["bare_mmc", "engine_vs_bare", "event_log_row", "leads_per_second", "main", "peak_memory"]

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def bare_mmc(lam: float, mean_service: float, servers: int, horizon: float, seed: int) -> int:
    """The textbook SimPy M/M/c: a Resource, a source process, one process per customer."""
    env = simpy.Environment()
    desk = simpy.Resource(env, servers)
    rng = random.Random(seed)
    served = 0

    def customer() -> Any:
        nonlocal served
        with desk.request() as req:
            yield req
            yield env.timeout(rng.expovariate(1 / mean_service))
            served += 1

    def source() -> Any:
        while True:
            yield env.timeout(rng.expovariate(lam))
            env.process(customer())

    env.process(source())
    env.run(until=horizon)
    return served


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def _engine_once(sc: Scenario) -> float:
    rep = Replication(sc, 0)
    rep.run()
    return float(rep.arrived)


def engine_vs_bare(rounds: int) -> dict[str, float]:
    sc = load_scenario(SCENARIOS / "mm3.yaml")
    src, stage = sc.sources[0], sc.stages[0]
    mean = mean_of(stage.work_items[0].work)
    ours, bare = [], []
    customers = 0.0
    for r in range(rounds):
        t1, customers = _timed(lambda: _engine_once(sc))
        t2, _ = _timed(lambda r=r: bare_mmc(src.rate, mean, 3, sc.horizon, r))  # type: ignore[misc]
        ours.append(t1)
        bare.append(t2)
    return {"customers_per_replication": sc.horizon * src.rate, "engine_s": statistics.median(ours),
            "bare_simpy_s": statistics.median(bare),
            "ratio": statistics.median(ours) / statistics.median(bare),
            "ratio_per_round_median": statistics.median(a / b for a, b in zip(ours, bare, strict=True)),
            "measured_arrivals_last_round": customers}


def leads_per_second(rounds: int) -> dict[str, float]:
    sc = load_scenario(SCENARIOS / "baseline.yaml")
    rates = []
    for _ in range(rounds):
        rep = Replication(sc, 0)
        t, _ = _timed(rep.run)
        rates.append(rep._next_case / t)
    return {"leads_per_second": statistics.median(rates)}


def peak_memory(name: str, years: float) -> float:
    sc = load_scenario(SCENARIOS / name)
    sc = sc.model_copy(update={"horizon": years * 52 * 168.0, "warmup": min(sc.warmup, 4 * 168.0)})
    gc.collect()
    tracemalloc.start()
    rep = Replication(sc, 0)
    rep.run()
    collect(rep)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def event_log_row(rounds: int, rows: int = 100_000) -> dict[str, float]:
    """Microseconds per event-log row (formatting and the CSV writer), the log's way against the
    timedelta-per-row way it replaced, alternated, medians."""
    import csv
    import datetime as dt
    import io
    import random

    from sim.eventlog import Stamps

    origin = dt.datetime(2027, 1, 4)
    rng = random.Random(1)
    sample = [(3, f"L{i}", "Discovery call", "discovery", "start", rng.uniform(0, 24 * 420), "rep-1", "rep")
              for i in range(rows)]

    def write(stamp: Callable[[float], str]) -> None:
        w = csv.writer(io.StringIO())
        for rep, case, act, st, life, t, res, role in sample:
            w.writerow((f"r{rep}-{case}", act, st, life, stamp(t), res, role, rep))

    def per_row() -> None:
        write(lambda t: (origin + dt.timedelta(hours=t)).isoformat(timespec="seconds"))

    ours, theirs = [], []
    for _ in range(rounds):
        ours.append(_timed(lambda: write(Stamps(origin)))[0] / rows * 1e6)
        theirs.append(_timed(per_row)[0] / rows * 1e6)
    return {"us_per_row": statistics.median(ours), "us_per_row_timedelta": statistics.median(theirs),
            "ratio": statistics.median(o / t for o, t in zip(ours, theirs, strict=True))}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m sim.bench", description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args(argv)
    print(f"engine vs bare SimPy M/M/3 ({args.rounds} alternating rounds, medians):")
    for k, v in engine_vs_bare(args.rounds).items():
        print(f"  {k}: {v:,.3f}")
    print("baseline.yaml:")
    for k, v in leads_per_second(max(1, args.rounds // 2)).items():
        print(f"  {k}: {v:,.0f}")
    print("event log, per row (formatting and CSV writing; against a timedelta per row):")
    for k, v in event_log_row(args.rounds).items():
        print(f"  {k}: {v:,.3f}")
    print("peak traced memory of one replication, no event log (MiB):")
    for name in ("mm3.yaml", "baseline.yaml"):
        one, four = peak_memory(name, 1), peak_memory(name, 4)
        print(f"  {name}: 1 year {one:.2f}, 4 years {four:.2f} (x{four / one:.2f})")


if __name__ == "__main__":
    main()
