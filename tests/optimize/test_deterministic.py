"""The same command gives the same plan on a quiet and on a busy machine: work limits, not wall clock.

On a loaded machine CBC got 3.3 s of CPU in its 60 s and optimize reported "feasible" where a quiet
machine reported "optimal" for the same plan. Node limits make the answer depend on the work done only;
the wall-clock limit is a safety net whose firing the plan records.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator

import pytest

from optimize.assign import Settings, Status
from optimize.groups import solve_grouped
from optimize.workload import Workload, measure_workload
from sim.generated import generated_team
from sim.runner import simulate
from sim.scenario import scenario_from_data

pytestmark = pytest.mark.slow  # three solves of a 120-person team


@pytest.fixture(scope="module")
def workload() -> Workload:
    sc = scenario_from_data(generated_team(120, 12), "generated")
    sc = sc.model_copy(update={"horizon": sc.warmup + 8 * 168.0})
    return measure_workload(sc, simulate(sc, replications=1, workers=1))


@contextlib.contextmanager
def busy_machine() -> Iterator[None]:
    """Two processes spinning on the CPU (this machine has two cores) while the block runs."""
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    try:
        yield
    finally:
        for h in hogs:
            h.kill()
            h.wait()


def _plan_key(plan: object) -> tuple[object, ...]:
    return (plan.status, plan.objective, sorted(plan.responsibilities.items()), plan.changes)  # type: ignore[attr-defined]


def test_a_node_limited_plan_is_the_same_under_load(workload: Workload) -> None:
    st = Settings(node_limit=20, time_limit=300)
    quiet = solve_grouped(workload, st)
    with busy_machine():
        loaded = solve_grouped(workload, st)
    assert quiet.status is Status.FEASIBLE  # the node limit bound: not proven, so the limit decided the plan
    assert not quiet.timed_out
    assert not loaded.timed_out
    assert loaded.seconds > 0
    assert _plan_key(loaded) == _plan_key(quiet)


def test_a_solve_stopped_by_the_clock_says_so(workload: Workload) -> None:
    plan = solve_grouped(workload, Settings(node_limit=None, time_limit=0.3))
    assert plan.timed_out
