"""When a simulated plan counts as confirmed: the target better, nothing a manager is paid for worse."""

from __future__ import annotations

import pytest

from optimize.assign import Objective
from optimize.recommend import judge
from sim.stats import Delta, Verdict


def _d(verdict: str, mean: float = 0.0) -> Delta:
    return Delta(mean, (mean - 1, mean + 1), 10, significant=verdict != "same", verdict=Verdict(verdict))


def _kpis(**verdicts: str) -> dict[str, Delta]:
    base = {"won_per_week": "same", "revenue_per_week": "same", "cycle_time_days": "same",
            "max_utilization": "better"}
    return {k: _d(v) for k, v in {**base, **verdicts}.items()}


def test_relief_with_nothing_worse_is_confirmed() -> None:
    ok, reason = judge(Objective.BALANCED, _kpis())
    assert ok
    assert "busiest person" in reason


@pytest.mark.parametrize(("kpi", "words"), [("won_per_week", "fewer wins"), ("revenue_per_week", "less revenue"),
                                             ("cycle_time_days", "cycle time gets worse")])
def test_relief_that_costs_wins_revenue_or_time_is_refused(kpi: str, words: str) -> None:
    ok, reason = judge(Objective.BALANCED, _kpis(**{kpi: "worse"}))
    assert not ok
    assert words in reason


def test_the_target_must_improve() -> None:
    assert not judge(Objective.BALANCED, _kpis(max_utilization="same"))[0]
    assert not judge(Objective.CYCLE_TIME, _kpis(max_utilization="better"))[0]  # cycle time is the target
    assert judge(Objective.CYCLE_TIME, _kpis(cycle_time_days="better", max_utilization="same"))[0]
