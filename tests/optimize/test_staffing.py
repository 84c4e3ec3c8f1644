"""Erlang C, and `salesmap staff`: least cost that meets targets, or a reason why not."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import pytest

from optimize.erlang import chords, erlang_c, mean_wait
from optimize.gates import Gates
from salesmap.cli import main
from sim.scenario import load_scenario
from sim.stats import Delta, Stat, Verdict
from tests.conftest import SCENARIOS
from tests.sim.queueing import mmc_wait

Write = Callable[[str, str], Path]

DESK = """
schema_version: 1
name: desk
calendar: always
horizon: 60w
warmup: 4w
replications: 4
seed: 3
sources: [{name: calls, rate: 2.7/h, enters: service}]
roles:
  agent: {headcount: 3, cost_per_year: 50000}
stages:
  - {id: service, role: agent, work: {dist: exponential, mean: 1h}, outcomes: {won: 1.0}}
"""


@pytest.mark.parametrize(("c", "a"), [(1, 0.8), (3, 2.7), (5, 3.1), (12, 10.5)])
def test_erlang_c_matches_the_textbook_formula(c: int, a: float) -> None:
    assert mean_wait(c, a, 1.0) == pytest.approx(mmc_wait(c, a, 1.0), rel=1e-12)
    assert 0 < erlang_c(c, a) < 1
    assert math.isinf(mean_wait(c, c, 1.0))


def test_chords_are_exact_at_integers() -> None:
    a, s = 4.2, 1.5
    cs = chords(a, s, 12)
    for k in range(5, 13):
        assert max(i + b * k for i, b in cs) == pytest.approx(mean_wait(k, a, s), rel=1e-9)


@pytest.mark.slow
def test_a_utilization_target_on_a_pure_queue_hires_exactly_enough(write_yaml: Write, tmp_path: Path) -> None:
    f = write_yaml(DESK, "desk.yaml")
    out = tmp_path / "staffed.yaml"
    assert main(["staff", str(f), "--target", "max_utilization<=0.8", "--out", str(out)]) == 0
    rep = json.loads(out.with_name("staffing.json").read_text())
    assert rep["status"] == "met"
    assert rep["headcount_after"]["agent"] == 4  # 2.7 Erlangs at <= 80%: 3.375 -> 4
    assert rep["change"] == {"agent": 1}
    assert rep["cost_after"] - rep["cost_before"] == 50000
    assert rep["validation"]["met"] is True
    assert load_scenario(out).roles["agent"].headcount == 4


@pytest.mark.slow
def test_the_closers_that_proposals_need(tmp_path: Path) -> None:
    out = tmp_path / "staffed.yaml"
    code = main(["staff", str(SCENARIOS / "proposals-to-closers.yaml"), "--target", "cycle_time_days<=70",
                 "--target", "max_utilization<=0.9", "--roles", "closer", "--out", str(out)])
    assert code == 0
    rep = json.loads(out.with_name("staffing.json").read_text())
    assert rep["change"]["closer"] > 0
    assert rep["rounds"][-1]["met"]
    last = rep["rounds"][-1]["simulated"]
    assert last["cycle_time_days"]["ci95"][1] <= 70
    assert last["max_utilization"]["ci95"][1] <= 0.9
    assert rep["deltas"]["kpis"]["cycle_time_days"]["significant"]


@pytest.mark.slow
@pytest.mark.parametrize(("args", "expected"), [
    (["--target", "cycle_time_days<=0.01"], "even with unlimited"),
    (["--target", "max_utilization<=0.3", "--roles", "rep"], "is not among --roles"),
    (["--target", "speed>=3"], "write METRIC<=VALUE"),
    (["--target", "max_utilization<=0.8", "--roles", "wizard"], "--roles wizard: no such role"),
    # no cost_per_year in this file: each person counts 1, so the budget is a headcount (5 today)
    (["--target", "max_utilization<=0.5", "--budget", "5"], "within the budget of 5"),
])
def test_targets_that_cannot_be_met_say_why(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            args: list[str], expected: str) -> None:
    code = main(["staff", str(SCENARIOS / "three-stage-loop.yaml"), "--replications", "2",
                 "--out", str(tmp_path / "s.yaml"), *args])
    assert code == 2
    err = capsys.readouterr().err
    assert expected in err
    assert "Traceback" not in err
    assert not (tmp_path / "s.yaml").exists()


TODAY = {"won_per_week": Stat(10.0, (9.0, 11.0), 10), "revenue_per_week": Stat(100_000.0, (9e4, 11e4), 10),
         "cycle_time_days": Stat(20.0, (19.0, 21.0), 10)}


def _k(won: str = "same", rev: str = "same", rev_mean: float = 0.0) -> dict[str, Delta]:
    wins = (-0.3, -0.15) if won == "worse" else (-0.05, 0.05) if won == "same" else (-0.2, 0.05)  # "unsure"
    return {"won_per_week": Delta(sum(wins) / 2, wins, 10, significant=won == "worse",
                                  verdict=Verdict.WORSE if won == "worse" else Verdict.SAME),
            "revenue_per_week": Delta(rev_mean, (rev_mean - 100, rev_mean + 100), 10, significant=rev != "same",
                                      verdict=Verdict(rev))}


@pytest.mark.parametrize(("validated", "kpis", "cost_change", "status"), [
    (False, _k(), 0.0, "not_validated"),
    (True, _k(won="worse"), -50_000.0, "loses_wins"),  # -3% to -1.5% a week: beyond the 1% margin
    (True, _k(won="unsure"), -50_000.0, "cannot_tell"),  # -2% to +0.5%: these replications cannot tell
    (True, _k(rev="worse", rev_mean=-1_800.0), -50_000.0, "loses_revenue"),  # -93,924 a year > 50,000 saved
    (True, _k(rev="worse", rev_mean=-500.0), -50_000.0, "met"),  # -26,090 a year < 50,000 saved
    (True, _k(rev="worse", rev_mean=-500.0), +10_000.0, "loses_revenue"),  # a hire that also loses revenue
    (True, _k(), +380_000.0, "met"),
])
def test_a_staffing_is_recommended_only_if_it_holds_and_pays(validated: bool, kpis: dict[str, Delta],
                                                            cost_change: float, status: str) -> None:
    from optimize.staffing import _verdict, money_per_year

    money = money_per_year(cost_change, kpis["revenue_per_week"])
    assert _verdict(validated, kpis, money, TODAY, Gates())[0] == status
    assert money["net_per_year"]["mean"] == pytest.approx(52.18 * (kpis["revenue_per_week"].mean or 0) - cost_change)


@pytest.mark.slow
def test_a_cut_that_loses_wins_is_not_recommended(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """staff recommended 'reduce 2 rep' on the baseline for max_utilization<=0.75 although wins fell."""
    out = tmp_path / "s" / "staffed.yaml"
    code = main(["staff", str(SCENARIOS / "baseline.yaml"), "--target", "max_utilization<=0.75", "--out", str(out)])
    assert code in (3, 4)  # nothing worth changing, or cannot tell: never a recommendation
    captured = capsys.readouterr()
    assert "not recommended" in captured.err
    assert "Per year: cost" in captured.out
    assert not out.exists()  # nothing a manager could mistake for a recommendation
    rec = json.loads((out.parent / "staffing.json").read_text())
    assert rec["status"] in ("loses_wins", "loses_revenue", "not_validated", "cannot_tell")
    assert rec["money"]["cost_change_per_year"] < 0
    assert rec["gates"]["margin"] == pytest.approx(0.01)
    assert rec["scenario"] is None


def test_cost_per_won_deal_compares_a_hire_with_a_reassignment() -> None:
    """The same yardstick for both: a hire that adds 2% wins for 5% more cost makes a won deal dearer;
    a reassignment (no cost change) that adds 2% wins makes it cheaper."""
    from optimize.staffing import money_per_year

    revenue = Delta(0.0, (-1.0, 1.0), 10)
    hire = money_per_year(50_000.0, revenue, 1_000_000.0, 10.0, 10.2)
    move = money_per_year(0.0, revenue, 1_000_000.0, 10.0, 10.2)
    per = 1_000_000.0 / (52.18 * 10.0)
    assert hire["cost_per_won_deal"]["before"] == pytest.approx(per)
    assert hire["cost_per_won_deal"]["after"] == pytest.approx(1_050_000.0 / (52.18 * 10.2))
    assert hire["cost_per_won_deal"]["after"] > per > move["cost_per_won_deal"]["after"]
    assert "cost_per_won_deal" not in money_per_year(0.0, revenue)  # roles without costs: nothing to compare
