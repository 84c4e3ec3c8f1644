"""Write the golden results: every shipped scenario, 2 replications over a short horizon.

The golden files pin today's numbers so that new features, switched off, change nothing
(tests/sim/test_golden.py). Regenerate only when a change of the numbers is intended, and say so in
the commit: python -m tests.golden.make
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sim.output import plain
from sim.runner import simulate
from sim.scenario import load_scenario
from sim.schema import Scenario

HERE = Path(__file__).resolve().parent
SCENARIOS = HERE.parents[1] / "scenarios"
WEEKS = 26
"""Horizon of the golden runs (the scenario's warm-up kept when it fits, else halved)."""


def short(sc: Scenario) -> Scenario:
    horizon = min(sc.horizon, WEEKS * 168.0)
    warmup = sc.warmup if sc.warmup < horizon / 2 else horizon / 4
    return sc.model_copy(update={"horizon": horizon, "warmup": warmup})


def figures(sc: Scenario) -> dict[str, Any]:
    """The numbers the golden files keep: every KPI, stage, person and flow figure."""
    s = plain(simulate(short(sc), replications=2, seed=11, workers=1).summary)
    return {k: s[k] for k in ("kpis", "stages", "staff", "roles", "flows", "customers", "bottleneck")}


def main() -> None:
    for path in sorted(SCENARIOS.glob("*.yaml")):
        out = HERE / f"{path.stem}.json"
        out.write_text(json.dumps(figures(load_scenario(path)), indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print("wrote", out)


if __name__ == "__main__":
    main()
