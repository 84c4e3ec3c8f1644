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
from typing import Any

from optimize.assign import Settings, Status
from optimize.groups import group, solve_grouped
from optimize.workload import measure_workload
from sim.runner import simulate
from sim.scenario import scenario_from_data

__all__ = ["generated_team", "main"]

ROLES = {"bdr": 0.20, "rep": 0.27, "se": 0.10, "closer": 0.13, "csm": 0.17, "ops": 0.13}


def generated_team(people: int = 300, stages: int = 20) -> dict[str, Any]:
    """Scenario data: a pipeline of `stages` stages owned round-robin by six roles, `people` staff."""
    roles = list(ROLES)
    ids = [f"stage_{k + 1:02d}" for k in range(stages)]
    owner = {s: roles[k % len(roles)] for k, s in enumerate(ids)}
    heads = {r: max(2, round(people * share)) for r, share in ROLES.items()}
    heads[roles[0]] += people - sum(heads.values())
    stage_list = []
    for k, s in enumerate(ids):
        nxt = ids[k + 1] if k + 1 < stages else "won"
        outcomes = {nxt: 0.92, "lost": 0.08} if k % 5 != 4 else {nxt: 0.85, ids[max(k - 3, 0)]: 0.07, "lost": 0.08}
        work = 1.5 if owner[s] != "ops" else 2.6  # ops stages are heavy: the imbalance to fix
        stage_list.append({"id": s, "role": owner[s], "work": {"dist": "gamma", "mean": f"{work}h", "cv": 0.6},
                           "outcomes": outcomes})
    can_do = {r: [s for k, s in enumerate(ids) if owner[s] == r or owner[ids[(k + 1) % stages]] == r]
              for r in roles}
    named = []
    for r in roles:
        mine = [s for s in ids if owner[s] == r]
        named += [{"name": f"{r} part-time {j}", "role": r, "capacity": 0.5} for j in (1, 2)]
        named += [{"name": f"{r} specialist", "role": r, "stages": mine[:1]}]
        named += [{"name": f"{r}-{j}", "role": r} for j in range(1, heads[r] - 2)]
    return {
        "schema_version": 1, "name": f"generated-{people}x{stages}", "calendar": "always",
        "horizon": "26w", "warmup": "4w", "replications": 1, "seed": 5,
        "sources": [{"name": "leads", "rate": f"{people * 0.45:.1f}/day", "enters": ids[0]}],
        "roles": {r: {"cost_per_year": 100000, "can_do": can_do[r]} for r in roles},
        "people": named, "stages": stage_list,
    }


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
