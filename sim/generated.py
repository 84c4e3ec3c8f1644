"""A generated team of any size: six roles, most people interchangeable, a few part-timers and
specialists per role, and a pipeline of any number of stages (the optimizer's and the engine's
benchmarks, and tests that need a large team)."""

from __future__ import annotations

from typing import Any

__all__ = ["ROLES", "generated_team"]

ROLES = {"bdr": 0.20, "rep": 0.27, "se": 0.10, "closer": 0.13, "csm": 0.17, "ops": 0.13}


def generated_team(people: int = 300, stages: int = 20, mixed: bool = True) -> dict[str, Any]:
    """Scenario data: a pipeline of `stages` stages owned round-robin by six roles, `people` staff; with
    `mixed`, two part-timers and a specialist per role, else everyone full-time on all their role's stages
    (the same load per person at every size)."""
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
        if mixed:
            named += [{"name": f"{r} part-time {j}", "role": r, "capacity": 0.5} for j in (1, 2)]
            named += [{"name": f"{r} specialist", "role": r, "stages": mine[:1]}]
        named += [{"name": f"{r}-{j}", "role": r} for j in range(1, heads[r] + 1 - 3 * mixed)]
    return {
        "schema_version": 1, "name": f"generated-{people}x{stages}", "calendar": "always",
        "horizon": "26w", "warmup": "4w", "replications": 1, "seed": 5,
        "sources": [{"name": "leads", "rate": f"{people * 0.45:.1f}/day", "enters": ids[0]}],
        "roles": {r: {"cost_per_year": 100000, "can_do": can_do[r]} for r in roles},
        "people": named, "stages": stage_list,
    }
