"""The assignment model against brute force, its constraints, its statuses and its checks."""

from __future__ import annotations

import dataclasses
import itertools
import random

import pulp
import pytest

from optimize.assign import TODAY_KEPT, Objective, Plan, Settings, Status, check_plan, solve_assignment
from optimize.workload import PersonCapacity, WorkItem, Workload

SOLVERS = ["cbc", "highs"]


def _instance(seed: int, people: int = 3, stages: int = 3, focus: float = 0.0) -> Workload:
    rng = random.Random(seed)
    ids = [f"s{j}" for j in range(stages)]
    items = tuple(WorkItem(s, None, rng.uniform(5, 30), (None, None)) for s in ids)
    staff = []
    for i in range(people):
        eligible = tuple(s for s in ids if rng.random() < 0.75) or (ids[i % stages],)
        today = (rng.choice(eligible),)
        staff.append(PersonCapacity(f"p{i}", "rep", rng.choice([20.0, 40.0]), today, eligible, None))
    # every stage needs someone eligible
    for s in ids:
        if not any(s in p.eligible for p in staff):
            staff[0] = dataclasses.replace(staff[0], eligible=(*staff[0].eligible, s))
    return Workload(items, tuple(staff), tuple(ids), {ids[j]: ids[j + 1] for j in range(stages - 1)},
                    free_stages=1, per_extra_stage=focus)


def _brute_force(wl: Workload, st: Settings) -> float | None:
    """The lowest highest utilization over every assignment that meets the settings."""
    options = [[c for r in range(1, len(p.eligible) + 1) for c in itertools.combinations(p.eligible, r)]
               for p in wl.people]
    best = None
    for combo in itertools.product(*options):
        resp = {p.name: c for p, c in zip(wl.people, combo, strict=True)}
        plan = Plan(Status.OPTIMAL, "brute", "", responsibilities=resp, utilization=wl.predict(resp),
                    changes=sum(len(set(resp[p.name]) ^ set(p.stages)) for p in wl.people))
        if check_plan(wl, st, plan):
            continue
        u = plan.max_utilization
        best = u if best is None else min(best, u)
    return best


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("seed", range(6))
def test_the_model_finds_the_brute_force_optimum(seed: int, solver: str) -> None:
    wl = _instance(seed, focus=0.2 if seed % 2 else 0.0)
    for st in (Settings(solver=solver), Settings(solver=solver, max_changes=1),
               Settings(solver=solver, min_cover=2), Settings(solver=solver, max_stages=1),
               Settings(solver=solver, keep=("p0",))):
        exact = _brute_force(wl, st)
        plan = solve_assignment(wl, st)
        if exact is None:
            assert plan.status is Status.INFEASIBLE, (st, plan)
            assert plan.message
            continue
        assert plan.status is Status.OPTIMAL, (st, plan.message)
        assert plan.max_utilization == pytest.approx(exact, abs=exact * 0.006 + 1e-9), st
        assert check_plan(wl, st, plan) == []


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(8))
def test_every_plan_respects_every_constraint(seed: int) -> None:
    wl = _instance(100 + seed, people=5, stages=4, focus=0.1)
    rng = random.Random(seed)
    st = Settings(solver=rng.choice(SOLVERS), max_changes=rng.choice([None, 2, 4]), max_stages=rng.choice([None, 2, 3]),
                  min_cover=rng.choice([1, 2]), keep=tuple(rng.sample([p.name for p in wl.people], rng.randint(0, 2))),
                  objective=rng.choice(list(Objective)))
    plan = solve_assignment(wl, st)
    if plan.status in (Status.OPTIMAL, Status.FEASIBLE):
        assert check_plan(wl, st, plan) == []
        for p in wl.people:
            assert set(plan.responsibilities[p.name]) <= set(p.eligible)
            if p.name in st.keep:
                assert set(plan.responsibilities[p.name]) == set(p.stages)
        if st.max_changes is not None:
            assert plan.changes <= st.max_changes
    else:
        assert plan.status is Status.INFEASIBLE
        assert plan.message


def test_a_stage_nobody_may_take_is_named() -> None:
    wl = _instance(1)
    wl = dataclasses.replace(wl, items=(*wl.items, WorkItem("s1", "closer", 5.0, (None, None))))
    plan = solve_assignment(wl, Settings())
    assert plan.status is Status.INFEASIBLE
    assert "stage s1: no person of role closer may take it" in plan.message


def test_a_budget_too_small_says_how_many_changes_are_needed() -> None:
    ids = ("s0", "s1", "s2")
    people = tuple(PersonCapacity(f"p{i}", "rep", 40.0, (ids[i % 3],), ids, None) for i in range(4))
    wl = Workload(tuple(WorkItem(s, None, 10.0, (None, None)) for s in ids), people, ids, {})
    # cover 2 on 3 stages needs 6 responsibilities; today there are 4: at least 2 changes
    plan = solve_assignment(wl, Settings(min_cover=2, max_changes=0))
    assert plan.status is Status.INFEASIBLE
    assert plan.message == ("--max-changes 0 is too small: the other constraints need at least 2 changed "
                            "responsibilities")
    assert solve_assignment(wl, Settings(min_cover=2, max_changes=2)).status is Status.OPTIMAL
    assert solve_assignment(wl, Settings(min_cover=2, max_changes=1)).status is Status.INFEASIBLE


def test_min_cover_beyond_the_eligible_people_is_named() -> None:
    wl = _instance(3)
    plan = solve_assignment(wl, Settings(min_cover=9))
    assert plan.status is Status.INFEASIBLE
    assert plan.message.startswith("--min-cover 9: stage")


def test_a_time_limited_answer_is_never_called_optimal(monkeypatch: pytest.MonkeyPatch) -> None:
    """PuLP 3.3 says status 1 'Optimal' after a time limit with an incumbent; sol_status 2 tells."""
    real = pulp.LpProblem.solve

    def stopped_early(self: pulp.LpProblem, solver: object = None, **kw: object) -> int:
        real(self, solver, **kw)
        self.sol_status = pulp.LpSolutionIntegerFeasible
        return int(self.status)

    monkeypatch.setattr(pulp.LpProblem, "solve", stopped_early)
    plan = solve_assignment(_instance(4), Settings())
    assert plan.status is Status.FEASIBLE


def test_a_wrong_answer_from_a_solver_is_caught() -> None:
    wl = _instance(5)
    st = Settings()
    plan = solve_assignment(wl, st)
    bad = dataclasses.replace(plan, responsibilities=dict.fromkeys(plan.responsibilities, ()))
    problems = check_plan(wl, st, bad)
    assert any("holds no stage" in p for p in problems)
    assert any("nobody carries" in p for p in problems)
    wrong_util = dataclasses.replace(plan, utilization=dict.fromkeys(plan.utilization, 0.0))
    assert check_plan(wl, st, wrong_util)


def test_no_solver_output_reaches_stdout(capfd: pytest.CaptureFixture[str]) -> None:
    solve_assignment(_instance(6), Settings(solver="highs"))
    assert capfd.readouterr().out == ""


def test_large_teams_are_solved_in_groups_and_checked_per_person() -> None:
    from optimize.groups import GROUP_ABOVE, solve

    ids = ("s0", "s1", "s2")
    people = tuple(PersonCapacity(f"p{i}", "rep", 40.0, (ids[i % 3],), ids, None) for i in range(GROUP_ABOVE + 6))
    wl = Workload(tuple(WorkItem(s, None, 400.0 + 200 * j, (None, None)) for j, s in enumerate(ids)), people, ids, {})
    plan = solve(wl, Settings())
    assert plan.status is Status.OPTIMAL
    assert "groups of interchangeable people" in plan.message
    assert set(plan.responsibilities) == {p.name for p in people}  # expanded back to every person
    assert check_plan(wl, Settings(), plan) == []


def test_a_solver_that_crashes_on_the_warm_start_is_solved_cold(monkeypatch: pytest.MonkeyPatch) -> None:
    """CBC 2.10 crashed (SIGSEGV) on one warm start of a 47-person calibrated team (#11): the second phase
    is then solved from scratch, with the same answer; a solver that always crashes leaves today's plan
    (it meets the settings), never a traceback."""
    wl = _instance(4, people=4, stages=3)
    expected = solve_assignment(wl, Settings())
    real = pulp.LpProblem.solve
    crashes = []

    def warm_crashes(self: pulp.LpProblem, solver: object = None, **kw: object) -> object:
        if getattr(solver, "optionsDict", {}).get("warmStart"):
            crashes.append(1)
            raise pulp.PulpSolverError("Pulp: Error while trying to execute")
        return real(self, solver, **kw)

    monkeypatch.setattr(pulp.LpProblem, "solve", warm_crashes)
    plan = solve_assignment(wl, Settings())
    assert crashes
    assert plan.status is expected.status
    assert plan.responsibilities == expected.responsibilities

    def always_crashes(self: pulp.LpProblem, solver: object = None, **kw: object) -> object:
        raise pulp.PulpSolverError("Pulp: Error while trying to execute")

    monkeypatch.setattr(pulp.LpProblem, "solve", always_crashes)
    kept = solve_assignment(wl, Settings())
    assert kept.status is Status.FEASIBLE
    assert kept.changes == 0
    assert kept.message == TODAY_KEPT


def test_no_solution_in_time_keeps_todays_plan_when_it_meets_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """#14: a 19-person team got 'not solved' with --time-limit 5 although today's plan was feasible.
    Without a solution in time, today's plan is the answer (feasible, 0 changes, flagged as timed out);
    when today breaks a setting, it is still 'not solved'."""
    import optimize.assign as assign

    wl = _instance(6, people=4, stages=3)
    monkeypatch.setattr(assign, "_solve", lambda *a, **k: (Status.NOT_SOLVED, None, None))
    plan = solve_assignment(wl, Settings())
    assert plan.status is Status.FEASIBLE
    assert plan.changes == 0
    assert plan.timed_out
    assert plan.responsibilities == {p.name: tuple(p.stages) for p in wl.people}
    assert plan.message == assign.TODAY_KEPT
    assert not check_plan(wl, Settings(), plan)
    assert solve_assignment(wl, Settings(min_cover=2)).status is Status.NOT_SOLVED  # today covers less
