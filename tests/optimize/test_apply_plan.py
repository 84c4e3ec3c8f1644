"""A plan becomes a scenario that runs as it is: only what the plan decides changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimize.assign import Plan, Status
from optimize.recommend import apply_plan
from optimize.workload import measure_workload, owner_shares_today
from sim.runner import simulate
from sim.scenario import load_scenario_with_data
from sim.team import build_team
from tests.conftest import SCENARIOS
from tests.optimize.test_shares import OWNED


def test_applying_a_plan_keeps_everything_else_about_a_person(tmp_path: Path) -> None:
    """A recommended scenario used to drop speed, win rate, ramp and territory: only stages and shares
    change."""
    path = tmp_path / "owned.yaml"
    path.write_text(OWNED, encoding="utf-8")
    sc, data = load_scenario_with_data(path)
    resp = {p.name: tuple(p.stages) for p in build_team(sc).people}
    plan = Plan(Status.OPTIMAL, "cbc", "", responsibilities=resp, routing={"rep": {"Ana": 0.0, "Ben": 0.5, "Cy": 0.5}})
    new_data, new_sc = apply_plan(sc, data, plan, "x.yaml")
    ana = next(p for p in new_sc.people or () if p.name == "Ana")
    assert (ana.capacity, ana.speed, ana.share) == (0.5, 1.1, 0.0)  # a share of 0: no new deals
    assert new_data["roles"]["rep"]["assign"] == "weighted"
    assert "assign" not in new_data["roles"]["closer"]


def test_open_deals_at_a_stage_their_owner_gives_up_are_handed_over() -> None:
    """crm-forecast starts from open deals with owners: a plan taking negotiation from Mia used to give
    a scenario that does not load (her deals there had an owner not responsible for their stage)."""
    sc, data = load_scenario_with_data(SCENARIOS / "crm-forecast.yaml")
    resp = {p.name: tuple(p.stages) for p in build_team(sc).people}
    resp["Mia"] = tuple(s for s in resp["Mia"] if s != "negotiation")
    mine = [d["id"] for d in data["pipeline"] if d.get("owner") == "Mia" and d["stage"] == "negotiation"]
    assert mine  # the case at hand
    new_data, new_sc = apply_plan(sc, data, Plan(Status.OPTIMAL, "cbc", "", responsibilities=resp), "x.yaml")
    handed = [d for d in new_data["pipeline"] if d["id"] in mine]
    assert all("owner" not in d for d in handed)  # the role's routing chooses their owner
    assert sum(1 for d in new_data["pipeline"] if d.get("owner") == "Mia") > 0  # her other deals stay hers
    assert data["pipeline"][0] is not new_data["pipeline"][0]  # today's data untouched
    assert simulate(new_sc, replications=2).summary.kpis["won_per_week"].mean


def test_a_slower_person_gets_through_less_work_an_hour() -> None:
    """The optimizer's hours are the simulation's: a person at speed 0.8 does 0.8 of an hour's work an
    hour, so the same work keeps them 1.25 times as busy. crm-forecast's owners own open deals, so their
    shares are not decided (shares route new deals only)."""
    sc, _ = load_scenario_with_data(SCENARIOS / "crm-forecast.yaml")
    wl = measure_workload(sc, simulate(sc, replications=2))
    hours = {p.name: p.hours_per_week for p in wl.people}
    assert hours["Mia"] == pytest.approx(0.8 * hours["Ravi"])
    assert owner_shares_today(sc) == {}


def test_a_hire_in_a_role_routed_by_share_gets_the_average_share(tmp_path: Path) -> None:
    """After `optimize` has set shares in percent (20, 40, 40), a hire with the default share of 1 would
    get 1% of the new deals."""
    from optimize.staffing import staffed_data

    text = OWNED.replace("rep: {routing: owner}", "rep: {routing: owner, assign: weighted}")
    for name, share in (("Ana", 20), ("Ben", 40), ("Cy", 40)):
        text = text.replace(f"{{name: {name}, role: rep", f"{{name: {name}, role: rep, share: {share}")
    path = tmp_path / "weighted.yaml"
    path.write_text(text, encoding="utf-8")
    sc, data = load_scenario_with_data(path)
    new = staffed_data(sc, data, {"rep": 4, "closer": 2})
    hire = next(p for p in new["people"] if p["name"] == "new rep 1")
    assert hire["share"] == pytest.approx(100 / 3)
    assert "share" not in next(p for p in new["people"] if p["role"] == "closer")
