"""Owner routing against queueing theory: each owner is a single server fed by their share of leads.

Weighted random assignment splits a Poisson stream into Poisson streams (each owner is M/M/1 with
rate lambda * w_i); round-robin to c owners gives each the sum of c exponential gaps (E_c/M/1, a GI/M/1
queue solved exactly by its root sigma = A*(mu (1 - sigma)))."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from scipy.optimize import brentq

from sim.errors import ScenarioError
from sim.runner import simulate
from sim.scenario import load_scenario
from sim.schema import Scenario
from tests.conftest import Load, Write
from tests.sim.queueing import agrees

OWNED = """
schema_version: 1
name: owned
calendar: always
horizon: 200w
warmup: 10w
replications: 10
seed: 9
sources:
  - {{name: crm, rate: {rate}/h, enters: deal}}
roles:
  agent: {{routing: owner, assign: {assign}}}
people:
{people}
stages:
  - id: deal
    role: agent
    work: {{dist: exponential, mean: 1h}}
    outcomes: {{won: 1.0}}
"""


def _file(rate: float, assign: str, shares: list[float] | None = None, n: int = 3, weeks: int = 200) -> str:
    people = "\n".join(f"  - {{name: p{i}, role: agent" + (f", share: {s}}}" if shares else "}")
                       for i, s in enumerate(shares or [1.0] * n))
    return OWNED.format(rate=rate, assign=assign, people=people).replace("horizon: 200w", f"horizon: {weeks}w")


def _owner_hours(sc: Scenario) -> dict[str, list[float]]:
    """Per owner, hours from arrival to won in each replication."""
    res = simulate(sc, workers=2)
    return {n: [24 * (r.owners[n]["cycle_time_days"] or math.nan) for r in res.replications]
            for n in res.replications[0].owners}


@pytest.mark.slow
@pytest.mark.parametrize("shares", [[0.5, 0.3, 0.2], [0.45, 0.45, 0.1]])
def test_weighted_owners_are_mm1_queues(shares: list[float], load_yaml: Load) -> None:
    """Owner i sees lambda * w_i (rho up to 0.9): time from arrival to won is 1 / (mu - lambda w_i)."""
    lam = 1.8
    hours = _owner_hours(load_yaml(_file(lam, "weighted", shares, weeks=500)))
    for i, w in enumerate(shares):
        exact = 1 / (1 - lam * w)
        ok, why = agrees(hours[f"p{i}"], exact, 0.1)
        assert ok, f"p{i} (rho {lam * w:.2f}): {why}"


def _ec_m1_sojourn(c: int, lam: float, mu: float) -> float:
    """E_c/M/1 with phase rate lam (mean gap c/lam): sojourn 1 / (mu (1 - sigma)), sigma the root in (0, 1)
    of sigma = (lam / (lam + mu (1 - sigma)))^c."""
    sigma = brentq(lambda s: (lam / (lam + mu * (1 - s))) ** c - s, 1e-12, 1 - 1e-12)
    return float(1 / (mu * (1 - sigma)))


@pytest.mark.slow
@pytest.mark.parametrize(("c", "lam", "weeks"), [(3, 2.4, 200), (2, 1.8, 500)])
def test_round_robin_owners_are_erlang_c_queues(c: int, lam: float, weeks: int, load_yaml: Load) -> None:
    """Every c-th lead goes to the same owner: Erlang-c gaps, exactly the E_c/M/1 sojourn time."""
    hours = _owner_hours(load_yaml(_file(lam, "round_robin", n=c, weeks=weeks)))
    exact = _ec_m1_sojourn(c, lam, 1.0)
    assert exact < 1 / (1 - lam / c)  # smoother arrivals wait less than Poisson ones
    for i in range(c):
        ok, why = agrees(hours[f"p{i}"], exact, 0.08)
        assert ok, f"p{i}: {why}"


def test_least_loaded_balances_open_deals(load_yaml: Load) -> None:
    sc = load_yaml(_file(2.4, "least_loaded").replace("horizon: 200w", "horizon: 20w").replace("warmup: 10w",
                                                                                                "warmup: 2w"))
    s = simulate(sc, replications=2, workers=1).summary
    owned = [s.staff[f"p{i}"].owner["owned"].mean or 0 for i in range(3)]  # type: ignore[index]
    assert max(owned) - min(owned) < 0.05 * max(owned)


def test_an_owner_does_their_role_work_at_every_later_stage(load_yaml: Load) -> None:
    """Two stages by the same role: with owners nobody else ever touches a lead (no handoffs); pooled,
    work passes between people."""
    two = _file(1.0, "round_robin").replace("horizon: 200w", "horizon: 20w").replace(
        "    outcomes: {won: 1.0}\n", "    outcomes: {close: 1.0}\n  - id: close\n    role: agent\n"
        "    work: {dist: exponential, mean: 1h}\n    outcomes: {won: 0.5, lost: 0.5}\n")
    owned = simulate(load_yaml(two), replications=2, workers=1).summary
    pooled = simulate(load_yaml(two.replace("{routing: owner, assign: round_robin}", "{}")),
                      replications=2, workers=1).summary
    assert owned.stages["close"]["handoffs"].mean == 0
    assert (pooled.stages["close"]["handoffs"].mean or 0) > 100
    figures = owned.staff["p0"].owner
    assert figures is not None
    assert figures["win_rate"].mean == pytest.approx(0.5, abs=0.05)
    assert "owner" in owned.json()["staff"]["p0"]
    assert "owner" not in pooled.json()["staff"]["p0"]


def test_speed_and_win_rate_per_person(load_yaml: Load) -> None:
    """A person twice as fast is half as busy; one with win_rate 1.5 turns 40% into 60% wins."""
    text = _file(0.5, "round_robin").replace("horizon: 200w", "horizon: 30w").replace(
        "  - {name: p0, role: agent}", "  - {name: p0, role: agent, speed: 2, win_rate: 1.5}").replace(
        "outcomes: {won: 1.0}", "outcomes: {won: 0.4, lost: 0.6}")
    s = simulate(load_yaml(text), replications=3, workers=1).summary
    fast, normal = s.staff["p0"], s.staff["p1"]
    assert (fast.utilization.mean or 0) == pytest.approx((normal.utilization.mean or 0) / 2, rel=0.1)
    assert fast.owner is not None
    assert normal.owner is not None
    assert fast.owner["win_rate"].mean == pytest.approx(0.6, abs=0.04)
    assert normal.owner["win_rate"].mean == pytest.approx(0.4, abs=0.04)


@pytest.mark.parametrize(("edit", "message"), [
    (("{routing: owner, assign: weighted}", "{assign: weighted}"),
     "`assign` chooses owners: it needs `routing: owner`"),
    (("share: 0.5", "share: 0"), "roles.agent.assign='weighted': every person of role agent has share 0"),
    (("share: 0.5", "share: -1"), "people[0].share=-1: Input should be greater than or equal to 0"),
    (("assign: weighted", "assign: by_region"), "roles.agent.assign='by_region'"),
    (("{routing: owner,", "{routing: owners,"), "roles.agent.routing='owners'"),
])
def test_bad_routing_gets_a_clear_error(edit: tuple[str, str], message: str, write_yaml: Write) -> None:
    f = write_yaml(_file(1.0, "weighted", [0.5, 0.5]).replace(*edit), "bad.yaml")
    with pytest.raises(ScenarioError) as err:
        load_scenario(f)
    assert message in str(err.value), str(err.value)


def test_share_without_weighted_assignment_is_refused(write_yaml: Write) -> None:
    f = write_yaml(_file(1.0, "round_robin", [0.5, 0.5]), "bad.yaml")
    with pytest.raises(ScenarioError, match=r"people\[0\]\.share=0\.5: share weighs owner assignment"):
        load_scenario(f)


def test_owner_figures_reach_the_terminal_and_the_report(tmp_path: Path, write_yaml: Write,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    from salesmap.cli import main

    f = write_yaml(_file(1.0, "weighted", [3, 1], weeks=20).replace("name: p0", "name: דנה"), "owners.yaml")
    assert main(["run", str(f), "--replications", "2", "--out", str(tmp_path / "o"), "--report"]) == 0
    out = capsys.readouterr().out
    assert "Deal owners" in out
    assert "דנה" in out
    html = (tmp_path / "o" / "report.html").read_text(encoding="utf-8")
    assert 'data-table="owners"' in html
    assert "דנה" in html
