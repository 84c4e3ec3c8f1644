"""Optimizer benchmark (not a test): `python -m optimize.bench [--people 20,40,60,120,300] [--stages 20]`.

Generated teams (`sim.generated`: six roles, most people interchangeable, a few part-timers and
specialists per role) on a process of 20 stages. Per size, in one run: one simulated replication; the
local search from today's plan (`optimize.local`: its time and whether it is at least as good as
today); the MILP (`optimize.assign`, grouped above 60 people as `salesmap optimize` does) with a time
limit and no node limit, its status and proven gap; and the answer `salesmap optimize` gives (the
better of the two). Targets (#14): every team gets a plan at least as good as today's within 10 s and a
proven gap <= 1% within 60 s; teams of 20-60 people proven optimal (gap <= 0.1%) within 30 s.
"""

from __future__ import annotations

import argparse
import os
import time

from optimize.assign import Settings, solve_assignment
from optimize.groups import GROUP_ABOVE, expand, floor, group, in_groups
from optimize.local import improve
from optimize.workload import measure_workload
from sim.generated import generated_team
from sim.runner import simulate
from sim.scenario import scenario_from_data

__all__ = ["main"]

def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m optimize.bench", description=__doc__.splitlines()[0])
    ap.add_argument("--people", default="20,40,60,120,300", help="team sizes, comma-separated")
    ap.add_argument("--stages", type=int, default=20)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--solver", choices=["cbc", "highs"], default="cbc")
    args = ap.parse_args(argv)
    print(f"{os.cpu_count()} cores, load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"{args.solver}, time limit {args.time_limit:g} s, no node limit")
    for people in (int(x) for x in args.people.split(",")):
        _size(people, args.stages, args.solver, args.time_limit)


def _size(people: int, stages: int, solver: str, time_limit: float) -> None:
    sc = scenario_from_data(generated_team(people, stages), "generated")
    t = time.perf_counter()
    run = simulate(sc, replications=1, workers=1)
    t_sim = time.perf_counter() - t
    wl = measure_workload(sc, run)
    grouped, _ = group(wl)
    st = Settings(solver=solver, time_limit=time_limit, node_limit=None)  # the benchmark measures time
    today = max(wl.predict({p.name: tuple(p.stages) for p in wl.people}).values())
    lowest = sum(it.hours_per_week for it in wl.items) / sum(p.count * p.hours_per_week for p in wl.people)
    t = time.perf_counter()
    local = improve(grouped if len(wl.people) > GROUP_ABOVE else wl, st)
    t_local = time.perf_counter() - t
    t = time.perf_counter()
    groups = None
    if len(wl.people) > GROUP_ABOVE:
        grouped, members = group(wl, st.keep)
        found = solve_assignment(grouped, st)
        milp, groups = expand(wl, st, found, grouped, members), (found, grouped, members)
    else:
        milp = solve_assignment(wl, st)
    t_milp = time.perf_counter() - t
    t = time.perf_counter()
    answer = floor(wl, st, milp, groups, extra=in_groups(wl, st, milp) if groups is None else None)
    t_floor = time.perf_counter() - t
    gap = "n/a" if milp.gap is None else f"{milp.gap:.2%}"
    print(f"{len(wl.people)} people ({len(grouped.people)} groups) x {len(wl.stages)} stages: busiest today "
          f"{today:.4f}, no plan below {lowest:.4f} (all work over all hours); replication {t_sim:.2f} s")
    if local is not None:
        print(f"  local search: {local.max_utilization:.4f} in {t_local:.2f} s "
              f"({'at least as good as today' if local.max_utilization <= today + 1e-9 else 'WORSE than today'}, "
              f"{local.changes} changes)")
    print(f"  MILP: {milp.status.value}, {milp.max_utilization:.4f}, proven gap {gap}, {t_milp:.1f} s")
    print(f"  answer: {answer.max_utilization:.4f} ({answer.message or milp.status.value}; {t_floor:.2f} s after "
          f"the MILP); {(answer.max_utilization - lowest) / answer.max_utilization:.2%} above the floor")


if __name__ == "__main__":
    main()
