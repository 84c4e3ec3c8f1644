"""Benchmark of where replications run (not a test): `python -m sim.scale_bench [--replications 200]`.

Measured in one run on this machine, the baseline scenario:
1. N replications in this process, on the local worker processes, and on a Dask LocalCluster with as many
   workers (its start-up timed apart): the speed-ups;
2. a sweep of 50 points x 10 replications on the local workers: the time, and the scheduling overhead per
   task against the in-process time of one replication;
3. `sensitivity --method morris` on the baseline's automatic inputs (optional, --morris): time and
   simulations;
4. the parent's peak memory after each step (the client keeps per-replication results only).
"""

from __future__ import annotations

import argparse
import os
import resource
import time

from sim.backend import InProcess, LocalProcesses, close_chosen, use
from sim.batch import simulate_many
from sim.ranges import parse_vary
from sim.scenario import load_scenario, resolved_data
from sim.sensitivity import auto_params, run_sensitivity
from sim.sweep import run_sweep
from sim.workers import default_workers

__all__ = ["main"]

BASELINE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scenarios", "baseline.yaml")


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _load() -> str:
    return f"load {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m sim.scale_bench", description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=200)
    ap.add_argument("--points", type=int, default=50)
    ap.add_argument("--morris", action="store_true", help="also time sensitivity --method morris (minutes)")
    ap.add_argument("--morris-replications", type=int, default=2)
    args = ap.parse_args(argv)
    sc = load_scenario(BASELINE)
    n, w = args.replications, default_workers()
    print(f"baseline, {n} replications; {w} workers; {_load()}")
    t = time.perf_counter()
    simulate_many([sc], n, sc.seed, backend=InProcess())
    one = time.perf_counter() - t
    print(f"one process: {one:.1f} s ({one / n:.3f} s a replication); peak memory {_rss_mb():.0f} MB")
    t = time.perf_counter()
    simulate_many([sc], n, sc.seed, backend=LocalProcesses(w))
    local = time.perf_counter() - t
    print(f"local processes: {local:.1f} s, {one / local:.2f}x one process; {_load()}")
    from sim.dask_backend import DaskBackend

    t = time.perf_counter()
    dask = DaskBackend("local", workers=w)
    start = time.perf_counter() - t
    use(dask)
    try:
        t = time.perf_counter()
        simulate_many([sc], n, sc.seed, backend=dask)
        on_dask = time.perf_counter() - t
    finally:
        close_chosen()
    print(f"Dask LocalCluster ({w} workers): {on_dask:.1f} s, {on_dask / local:.2f}x local processes "
          f"(start-up {start:.1f} s apart); {_load()}")
    data = resolved_data(BASELINE)
    rates = f"sources.outbound.rate=50/week..99/week:{args.points}"
    t = time.perf_counter()
    sw = run_sweep(data, "baseline", [parse_vary(rates)], replications=10, backend=LocalProcesses(w))
    secs = time.perf_counter() - t
    tasks = len(sw.points) * 10
    per_task = secs * w / tasks
    print(f"sweep {len(sw.points)} points x 10 replications on {w} workers: {secs:.1f} s; {per_task:.3f} s of a "
          f"worker per task against {one / n:.3f} s in one process: overhead {100 * (per_task / (one / n) - 1):+.1f}%;"
          f" peak memory {_rss_mb():.0f} MB")
    if args.morris:
        params = auto_params(data, 0.2)
        t = time.perf_counter()
        res = run_sensitivity(data, "baseline", params, "morris", replications=args.morris_replications,
                              trajectories=10, backend=LocalProcesses(w))
        secs = time.perf_counter() - t
        print(f"sensitivity morris: {len(params)} inputs, {res.points} points x {res.replications} replications = "
              f"{res.simulations} simulations in {secs:.0f} s; peak memory {_rss_mb():.0f} MB")
        for kpi, effects in res.effects.items():
            top = ", ".join(f"{e.param} ({e.value:.3g}{', noise' if e.within_noise else ''})" for e in effects[:5])
            print(f"  {kpi}: {top}")


if __name__ == "__main__":
    main()
