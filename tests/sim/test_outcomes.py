"""Outcomes with their own timing, and deals that stall: simulated as the distributions say."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from sim.errors import ScenarioError
from sim.lead import EventRow
from sim.runner import simulate
from sim.scenario import load_scenario
from sim.schema import Scenario
from tests.conftest import Load, Write

TIMED = """
schema_version: 1
name: timed
calendar: always
horizon: 60w
warmup: 10w
seed: 5
sources:
  - {name: crm, rate: 20/week, enters: deal}
roles:
  agent: {headcount: 50}
stages:
  - id: deal
    role: agent
    work: {dist: fixed, value: 0.01h}
    outcomes:
      won: {p: 0.5, after: {dist: lognormal, mean: 57d, cv: 0.6}}
      lost: {p: 0.3, after: {dist: exponential, mean: 14d}}
      stalled: 0.2
"""


def _durations(sc: Scenario, reps: int = 4, until: float = math.inf) -> dict[str, list[float]]:
    """Days from arrival to the final event of each lead that arrived before `until` (hours), per outcome
    (from the event log)."""
    arrived: dict[tuple[int, str], float] = {}
    out: dict[str, list[float]] = {"won": [], "lost": [], "stalled": []}

    def log(row: EventRow) -> None:
        rep, case, activity, _, _, t, _, _ = row
        if activity == "lead arrived" and t < until:
            arrived[(rep, case)] = t
        elif activity in out and (rep, case) in arrived:
            out[activity].append((t - arrived[(rep, case)]) / 24)

    simulate(sc, replications=reps, workers=1, log=log)
    return out


def test_each_outcome_takes_its_own_time(load_yaml: Load) -> None:
    """Mean and p90 of the time to each outcome agree with its distribution (lost deals die early)."""
    sc = load_yaml(TIMED.replace("horizon: 60w", "horizon: 100w"))
    d = _durations(sc, until=sc.horizon - 40 * 168)  # deals still open at the end would bias the times down
    won, lost = np.array(d["won"]), np.array(d["lost"])
    assert len(won) > 1500
    sigma = math.sqrt(math.log(1 + 0.6 ** 2))
    mu = math.log(57) - sigma ** 2 / 2
    for x, mean, p90 in ((won, 57.0, sps.lognorm(sigma, scale=math.exp(mu)).ppf(0.9)),
                         (lost, 14.0, sps.expon(scale=14).ppf(0.9))):
        half = 1.96 * x.std(ddof=1) / math.sqrt(len(x))
        assert abs(x.mean() - mean) < half + 0.01 * mean, (x.mean(), mean)
        # p90 within its binomial 95% band
        lo, hi = np.quantile(x, [0.9 - 1.96 * math.sqrt(0.09 / len(x)), 0.9 + 1.96 * math.sqrt(0.09 / len(x))])
        assert lo <= p90 <= hi, (lo, p90, hi)
    assert d["stalled"]
    assert max(d["stalled"]) < 0.01  # a stalled deal stalls at once here: no `after`


def test_stalled_deals_stay_open_and_are_reported_apart(load_yaml: Load) -> None:
    sc = load_yaml(TIMED)
    s = simulate(sc, replications=4, workers=1).summary
    st = s.stages["deal"]
    entered, stalled, lost = st["entered"].mean, st["stalled"].mean, st["lost"].mean
    assert entered
    assert stalled
    assert lost
    assert stalled / entered == pytest.approx(0.2, abs=0.02)
    assert lost / entered == pytest.approx(0.3, abs=0.03)
    assert s.kpis["win_rate"].mean == pytest.approx(0.5 / 0.8, abs=0.03)  # won / (won + lost): stalled are open
    weeks = (sc.horizon - sc.warmup) / 168
    assert s.kpis["stalled_per_week"].mean == pytest.approx(stalled / weeks)
    # stalled deals never leave: the open pipeline grows by about 4 a week (20/week x 20%)
    assert (s.kpis["wip"].mean or 0) > 0.2 * 20 * (sc.warmup / 168)
    assert st["conversion_rate"].mean == pytest.approx(0.5, abs=0.03)  # advanced / every visit that ended or stalled


def test_a_stalled_deal_is_stuck_once_it_has_been_open_long_enough(load_yaml: Load) -> None:
    text = TIMED.replace("    work: {dist: fixed, value: 0.01h}", "    work: {dist: fixed, value: 0.01h}\n"
                         "    stuck_after: 20w")
    s = simulate(load_yaml(text), replications=2, workers=1).summary
    # a deal counts as stuck when it becomes stuck in the measured period (from week 10): every deal that
    # stalled in the first 40 of the 60 weeks, 4 a week (and a few won deals slower than 20 weeks)
    assert s.stages["deal"]["stuck"].mean == pytest.approx(40 * 4, rel=0.15)


def test_a_stalled_deal_can_be_revived(load_yaml: Load) -> None:
    text = TIMED.replace("      stalled: 0.2", "      stalled: {p: 0.2, after: {dist: fixed, value: 10w}, to: nurture}")
    text += """  - id: nurture
    role: agent
    work: {dist: fixed, value: 0.01h}
    outcomes: {deal: 0.5, lost: 0.5}
"""
    sc = load_yaml(text)
    s = simulate(sc, replications=2, workers=1).summary
    assert s.stages["deal"]["stalled"].mean == 0
    assert (s.flows["deal"]["stalled"].mean or 0) > 0
    entered = s.stages["nurture"]["entered"].mean or 0
    assert entered == pytest.approx(s.flows["deal"]["stalled"].mean or 0, rel=0.1)


def test_paired_draws_hold_for_outcome_timing(load_yaml: Load) -> None:
    """Doubling the won delay changes nothing else: lost timings are identical lead by lead."""
    a = _durations(load_yaml(TIMED), reps=1)
    b = _durations(load_yaml(TIMED.replace("mean: 57d", "mean: 114d")), reps=1)
    assert sorted(a["lost"])[:50] == sorted(b["lost"])[:50]


@pytest.mark.parametrize(("edit", "message"), [
    (("stalled: 0.2", "stalled: {p: 0.2, to: deal}"), "`to` revives a stalled deal and needs `after`"),
    (("lost: {p: 0.3,", "lost: {p: 0.3, to: deal,"), "`to` is for `stalled` only"),
    (("stalled: 0.2", "stalled: {p: 0.2, after: {dist: fixed, value: 1w}, to: nowhere}"),
     "stages[0].outcomes.stalled.to='nowhere': unknown stage"),
    (("stalled: 0.2", "stalled: {p: 0.2, after: 1w}"), "stages[0].outcomes.stalled.after='1w': expected a mapping"),
    (("won: {p: 0.5,", "won: {p: 1.5,"), "stages[0].outcomes.won.p=1.5: Input should be less than or equal to 1"),
    (("stalled: 0.2", "stalled: 0.3"), "probabilities sum to 1.1"),
    (("after: {dist: exponential, mean: 14d}", "after: {dist: exponential, mean: 14 days}"), "outcomes.lost.after"),
])
def test_bad_outcomes_get_clear_errors(edit: tuple[str, str], message: str, write_yaml: Write) -> None:
    f = write_yaml(TIMED.replace(*edit), "bad.yaml")
    with pytest.raises(ScenarioError) as err:
        load_scenario(f)
    assert message in str(err.value), str(err.value)
    assert "function-after" not in str(err.value)
    assert "valid number" not in str(err.value)  # the probability member of the union: not what was written
    if "mapping" not in message:
        assert "valid dictionary" not in str(err.value)


def test_cycle_time_counted_from_a_chosen_stage(load_yaml: Load) -> None:
    """Engagement after a fixed 10-day prospecting step: counted from engagement, cycle time is 10 days
    shorter, lead by lead; every other figure is the same (paired draws)."""
    text = TIMED.replace("enters: deal", "enters: prospect").replace("stages:\n", """stages:
  - id: prospect
    role: agent
    work: {dist: fixed, value: 0.01h}
    wait: {dist: fixed, value: 10d}
    outcomes: {deal: 1.0}
""")
    a = simulate(load_yaml(text), replications=2, workers=1).summary
    b = simulate(load_yaml(text + "kpis: {cycle_time_from: deal}\n"), replications=2, workers=1).summary
    ca, cb = a.kpis["cycle_time_days"].mean or 0, b.kpis["cycle_time_days"].mean or 0
    assert ca - cb == pytest.approx(10.0 + 0.01 / 24, abs=1e-6)
    assert a.kpis["won_per_week"] == b.kpis["won_per_week"]
    assert b.cycle_time_from == "deal"
    assert b.json()["cycle_time_from"] == "deal"


def test_cycle_time_from_an_unknown_stage_is_refused(write_yaml: Write) -> None:
    with pytest.raises(ScenarioError, match=r"kpis\.cycle_time_from='dael': unknown stage; did you mean deal"):
        load_scenario(write_yaml(TIMED + "kpis: {cycle_time_from: dael}\n", "s.yaml"))
