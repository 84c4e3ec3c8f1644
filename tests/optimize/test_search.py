"""The search keeps a plan only if it also holds on a fresh seed (the winner's curse)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

import optimize.search
from optimize.assign import Plan, Settings, Status
from optimize.frontier import frontier
from optimize.gates import Decision
from optimize.recommend import Verification
from optimize.search import Candidate, knee_order, search
from optimize.workload import measure_workload
from sim.compare import Deltas
from sim.runner import RunResult, simulate
from sim.scenario import load_scenario, resolved_data
from sim.schema import Scenario
from sim.stats import Delta, Verdict
from tests.conftest import SCENARIOS, Write

FILE = SCENARIOS / "one-rep-five-stages.yaml"


def _fake(fresh_passes_from: int) -> Any:
    """A verdict without simulating: every plan is confirmed on today's seed; on the fresh seed the
    k-th plan asked about (best first) holds when k >= `fresh_passes_from`."""
    asked: list[int] = []

    def verify(objective: object, before: RunResult, scenario: Scenario, gates: object = None) -> Verification:
        ok = True
        if before.seed != SEED:
            asked.append(1)
            ok = len(asked) > fresh_passes_from
        kpis = {m: Delta(-0.1, (-0.2, -0.0), 2, verdict=Verdict.BETTER if m == "max_utilization" else Verdict.SAME)
                for m in ("cycle_time_days", "won_per_week", "win_rate", "max_utilization", "revenue_per_week")}
        return Verification(ok, "holds" if ok else "fails on the fresh seed", before, Deltas(kpis, {}, {}),
                            Decision.VERIFIED if ok else Decision.WORSE)
    return verify


SEED = 2027


@pytest.fixture(scope="module")
def setting() -> tuple[Scenario, dict[str, Any], RunResult, Any, list[Plan]]:
    sc = load_scenario(FILE)
    before = simulate(sc, replications=2)
    wl = measure_workload(sc, before)
    return sc, resolved_data(FILE), before, wl, frontier(wl, Settings(time_limit=20))


@pytest.fixture
def solved(setting: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The frontier solved once for the module (the solves are what takes time)."""
    plans = setting[4]
    monkeypatch.setattr(optimize.search, "frontier", lambda wl, st, limit=None: plans)
    return setting[:4]


@pytest.mark.slow
def test_a_plan_that_fails_on_a_fresh_seed_is_not_recommended(solved: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    sc, data, before, wl = solved
    monkeypatch.setattr(optimize.search, "verify", _fake(fresh_passes_from=99))
    result = search(sc, data, before, wl, Settings(time_limit=20))
    assert result.candidates  # plans were found and confirmed on today's numbers
    assert result.best is None
    assert result.status is Status.NO_IMPROVEMENT
    assert f"did not hold on fresh seed {SEED + 1}" in result.message
    assert result.validation is not None
    assert result.validation["verified"] is False


@pytest.mark.slow
def test_the_first_confirmed_plan_that_holds_on_the_fresh_seed_wins(solved: Any,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    sc, data, before, wl = solved
    monkeypatch.setattr(optimize.search, "verify", _fake(fresh_passes_from=1))  # the best fails, the next holds
    result = search(sc, data, before, wl, Settings(time_limit=20))
    ranked = knee_order(result.candidates)  # every fake plan is as good as the best: fewest changes first
    assert len(ranked) >= 2
    assert [c.plan.changes for c in ranked] == sorted(c.plan.changes for c in ranked)
    assert result.best is ranked[1]
    assert result.validation is not None
    assert result.validation["verified"] is True
    assert result.validation["changes"] == ranked[1].plan.changes
    assert result.validation["seed"] == SEED + 1


def test_the_fewest_changes_as_good_as_the_best_are_tried_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """The knee: a 1-change plan as good as the best-scoring 4-change plan is validated first; plans
    worse than the best come after, best score first."""
    def cand(changes: int, relief: float) -> Candidate:
        k = {m: Delta(-relief if m == "max_utilization" else 0.0, (-1.0, 1.0), 10,
                      verdict=Verdict.BETTER if m == "max_utilization" else Verdict.SAME)
             for m in ("cycle_time_days", "won_per_week", "win_rate", "max_utilization", "revenue_per_week")}
        plan = Plan(Status.OPTIMAL, "cbc", "", 0.0, 0.0, 0.0, {}, {}, changes, 0.0)
        return Candidate(plan, {}, Verification(True, "", None, Deltas(k, {}, {})), None)  # type: ignore[arg-type]

    plans = [cand(1, 0.10), cand(2, 0.11), cand(3, 0.05), cand(4, 0.12)]
    as_good = {1: True, 2: False, 3: False, 4: True}
    monkeypatch.setattr(optimize.search, "as_good", lambda c, best, overload=1.0: as_good[c.plan.changes])
    assert [c.plan.changes for c in knee_order(plans)] == [1, 4, 2, 3]


def test_a_team_nobody_overloads_is_left_alone_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    sc = load_scenario(FILE)
    before = simulate(sc, replications=2, workers=1)
    calm = dataclasses.replace(before, summary=dataclasses.replace(before.summary, staff={
        n: dataclasses.replace(p, overloaded=False) for n, p in before.summary.staff.items()}))
    plan = Plan(Status.OPTIMAL, "cbc", "", 0.0, 0.0, 0.0, {}, {}, 1, 0.0)
    monkeypatch.setattr(optimize.search, "frontier", lambda wl, st, limit=None: [plan])
    result = search(sc, resolved_data(FILE), calm, measure_workload(sc, before), Settings(), asked=False)
    assert result.status is Status.NO_IMPROVEMENT
    assert "nothing worth changing" in result.message
    assert result.candidates == []  # nothing simulated


STOPGAP = """
schema_version: 1
name: stopgap
calendar: always
horizon: 3w
warmup: 1w
sources: [{name: web, rate: 30/week, enters: qualify}]
roles:
  rep: {}
  closer: {}
people:
  - {name: Ana, role: rep, stages: [qualify, discovery]}
  - {name: Ben, role: rep}
  - {name: Cleo, role: closer}
stages:
  - {id: qualify, role: rep, work: {dist: exponential, mean: 30m}, outcomes: {discovery: 0.5, lost: 0.5}}
  - {id: discovery, role: closer, work: {dist: exponential, mean: 2h}, outcomes: {won: 0.4, lost: 0.6}}
"""


def test_roles_are_explicit_and_a_move_across_them_needs_the_flag(write_yaml: Write) -> None:
    """#14: a rep covering a closer stage as a stopgap made every rep eligible for closer work. Now a
    person may take their role's stages (can_do, else the stages that name the role) and keep their
    own; a stage outside the role only with --allow-role-changes, and then it is flagged."""
    from optimize.recommend import describe_changes

    sc = load_scenario(write_yaml(STOPGAP, "stopgap.yaml"))
    run = simulate(sc, replications=1, workers=1)
    people = {p.name: p for p in measure_workload(sc, run).people}
    assert people["Ben"].eligible == ("qualify",)  # Ana's stopgap does not widen the rep role
    assert people["Ana"].eligible == ("qualify", "discovery")  # she keeps her own
    assert not people["Ana"].role_change("discovery")
    wide = {p.name: p for p in measure_workload(sc, run, allow_role_changes=True).people}
    assert wide["Ben"].eligible == ("qualify", "discovery")
    assert wide["Ben"].role_change("discovery")
    plan = Plan(Status.OPTIMAL, "cbc", "", responsibilities={"Ana": ("qualify", "discovery"),
                                                              "Ben": ("qualify", "discovery"),
                                                              "Cleo": ("discovery",)},
                utilization={"Ana": 0.5, "Ben": 0.5, "Cleo": 0.5}, changes=1)
    wl = measure_workload(sc, run, allow_role_changes=True)
    (change,) = describe_changes(wl, plan, {p.name: p.utilization for p in wl.people})
    assert change["person"] == "Ben"
    assert change["role_change"] == ["discovery"]
    assert "a role change: discovery is not rep work" in change["text"]
