"""Free lists shared by pools with the same people (`sim.dispatch.share_free`) stay what one list per
pool would hold, through joins, departures and changes of responsibilities."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.engine import Replication
from sim.scenario import load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def _check(rep: Replication) -> None:
    pools = [p for p, _, _ in rep.pool_specs]
    for p in pools:
        assert set(p.free) == {w for w in p.people if w.free}  # free people of the pool, and only them
        assert set(p.free) <= p.people_set
    for w in rep.workers:
        assert sorted(map(id, w.frees)) == sorted({id(p.free) for p in w.pools})  # each list once


def test_a_roles_stages_share_one_list() -> None:
    rep = Replication(load_scenario(SCENARIOS / "baseline.yaml"), 0)
    pools = [p for p, _, _ in rep.pool_specs]
    assert len({id(p.free) for p in pools}) < len(pools)
    _check(rep)


@pytest.mark.parametrize("name", ["baseline", "closer-leaves", "hire-two-reps", "baseline-attrition", "owned-deals"])
def test_lists_stay_right_through_a_run(name: str) -> None:
    sc = load_scenario(SCENARIOS / f"{name}.yaml")
    rep = Replication(sc.model_copy(update={"horizon": min(sc.horizon, 40 * 168.0)}), 0)
    rep.run()
    assert rep.env.now > 0
    _check(rep)
