"""Optimizer benchmark (not a test): `python -m optimize.bench [--people 300] [--stages 20]`.

A generated team (six roles, most people interchangeable, a few part-timers and specialists per
role) and a 20-stage process. Measured in one run: one simulated replication of the scenario; then
for each solver, building and solving the assignment (grouped, as `salesmap optimize` does above
60 people), its status and gap, and the ratio to the replication. Target: proven optimal (gap <= 0.1%)
in less time than the replication.
"""

from __future__ import annotations

import argparse
import time

from optimize.assign import Settings, Status
from optimize.groups import group, solve_grouped
from optimize.workload import measure_workload
from sim.generated import generated_team
from sim.runner import simulate
from sim.scenario import scenario_from_data

__all__ = ["main"]

def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m optimize.bench", description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=300)
    ap.add_argument("--stages", type=int, default=20)
    ap.add_argument("--time-limit", type=float, default=120.0)
    ap.add_argument("--solver", choices=["cbc", "highs", "both"], default="both")
    args = ap.parse_args(argv)
    sc = scenario_from_data(generated_team(args.people, args.stages), "generated")
    t = time.perf_counter()
    run = simulate(sc, replications=1)
    t_sim = time.perf_counter() - t
    wl = measure_workload(sc, run)
    grouped, _ = group(wl)
    busiest = max(p.utilization or 0.0 for p in wl.people)
    print(f"{len(wl.people)} people in {len(grouped.people)} groups x {len(wl.stages)} stages, "
          f"{len(wl.items)} work items; busiest person today {busiest:.1%} (simulated)")
    floor = sum(it.hours_per_week for it in wl.items) / sum(p.count * p.hours_per_week for p in wl.people)
    print(f"one simulated replication: {t_sim:.2f} s; no plan can go below {floor:.5f} (all work over all "
          "hours: the LP relaxation's value)")
    for solver in ("cbc", "highs") if args.solver == "both" else (args.solver,):
        st = Settings(solver=solver, time_limit=args.time_limit, node_limit=None)  # the benchmark measures time
        t = time.perf_counter()
        plan = solve_grouped(wl, st)
        secs = time.perf_counter() - t
        gap = "n/a" if plan.gap is None else f"{plan.gap:.4%}"
        proven = plan.status is Status.OPTIMAL and (plan.gap is None or plan.gap <= 1e-3)
        print(f"{solver}: {plan.status.value}, highest utilization {plan.max_utilization:.4f}, gap {gap}, "
              f"{plan.changes} changes, build+solve {secs:.2f} s = {secs / t_sim:.2f} x the replication"
              f"{' (proven optimal)' if proven else ''}; {plan.message}")


if __name__ == "__main__":
    main()
