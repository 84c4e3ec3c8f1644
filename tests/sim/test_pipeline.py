"""Today's open pipeline: deals in place at the start with their ages, and the forecast from there."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate
from scipy import stats as sps

from sim.errors import ScenarioError
from sim.lead import EventRow
from sim.runner import simulate
from sim.scenario import load_scenario
from tests.conftest import Write

FORECAST = """
schema_version: 1
name: forecast
calendar: always
horizon: 26w
warmup: 0h
seed: 3
sources:
  - {name: crm, rate: 0/week, enters: deal}
roles:
  ae: {routing: owner}
people:
  - {name: Dana, role: ae}
  - {name: Ravi, role: ae}
stages:
  - id: deal
    role: ae
    work: {dist: fixed, value: 1h}
    wait: {dist: lognormal, mean: 30d, cv: 0.8}
    stuck_after: 60d
    outcomes: {won: 0.5, lost: 0.3, stalled: 0.2}
pipeline: deals.csv
"""


def _csv(write_yaml: Write, rows: list[str], header: str = "id,stage,entered,owner,value") -> Path:
    return write_yaml(header + "\n" + "\n".join(rows) + "\n", "deals.csv")


def _deals(n: int, age: str = "20d") -> list[str]:
    return [f"D{i},deal,{age},{'Dana' if i % 2 else 'Ravi'},1000" for i in range(n)]


def test_a_pipeline_with_no_arrivals_drains(write_yaml: Write) -> None:
    """Every open deal ends won, lost or stalled, or is still open: none lost or counted twice."""
    _csv(write_yaml, _deals(400))
    sc = load_scenario(write_yaml(FORECAST, "f.yaml"))
    ends: dict[str, list[str]] = {}

    def log(row: EventRow) -> None:
        if row[2] in ("won", "lost", "stalled"):
            ends.setdefault(row[1], []).append(row[2])

    res = simulate(sc, replications=1, workers=1, log=log)
    assert all(len(v) == 1 for v in ends.values())
    r = res.replications[0]
    won, lost, stalled = r.flows["deal"].get("won", 0), r.flows["deal"].get("lost", 0), r.flows["deal"].get(
        "stalled", 0)
    open_at_end = r.timeline.pipeline[-1]  # time-average over the last week: still open then (stalled too)
    assert won + lost + stalled == len(ends)
    assert won + lost + round(open_at_end) == pytest.approx(400, abs=3)
    assert won / (won + lost) == pytest.approx(0.5 / 0.8, abs=0.07)
    s = res.summary
    assert s.forecast is not None
    assert sum(s.forecast.won.mean) == pytest.approx(won)
    assert s.forecast.total_revenue.mean[0] == pytest.approx(1000 * won)
    assert s.staff["Dana"].owner is not None
    assert s.staff["Dana"].owner["owned"].mean == 200


def test_a_deal_older_than_stuck_after_is_stuck_at_once(write_yaml: Write) -> None:
    _csv(write_yaml, ["OLD,deal,90d,Dana,1", "NEW,deal,1d,Ravi,1"])
    s = simulate(load_scenario(write_yaml(FORECAST, "f.yaml")), replications=1, workers=1).summary
    assert (s.stages["deal"]["stuck"].mean or 0) >= 1


def test_the_remaining_wait_is_drawn_given_the_age(write_yaml: Write) -> None:
    """A deal 40 days into a lognormal wait (mean 30d, cv 0.8) has E[X - 40d | X > 40d] left, computed
    numerically; the outcomes are drawn as for a new deal (their times do not differ here)."""
    text = FORECAST.replace("    outcomes: {won: 0.5, lost: 0.3, stalled: 0.2}", "    outcomes: {won: 0.6, lost: 0.4}")
    text = text.replace("horizon: 26w", "horizon: 400w")
    _csv(write_yaml, [f"D{i},deal,40d,,0" for i in range(3000)])
    sc = load_scenario(write_yaml(text, "f.yaml"))
    left: list[float] = []

    def log(row: EventRow) -> None:
        if row[2] in ("won", "lost"):
            left.append(row[5] / 24)

    simulate(sc, replications=1, workers=1, log=log)
    sigma = math.sqrt(math.log(1 + 0.8 ** 2))
    dist = sps.lognorm(sigma, scale=30 / math.sqrt(1 + 0.8 ** 2))
    a = 40.0
    expected = integrate.quad(dist.sf, a, np.inf)[0] / dist.sf(a)
    x = np.array(left)
    assert len(x) == 3000
    assert x.mean() == pytest.approx(expected, abs=1.96 * x.std(ddof=1) / math.sqrt(len(x)) * 1.5)
    # and the p90 of the conditional distribution: P(X - a <= q | X > a) = 0.9
    q = dist.isf(0.1 * dist.sf(a)) - a
    assert np.quantile(x, 0.9) == pytest.approx(q, rel=0.08)


def test_old_deals_are_more_likely_the_slow_outcome(write_yaml: Write) -> None:
    """Lost deals die early (14d), won ones take 57d: among deals already 45 days old most will be won."""
    text = FORECAST.replace("    wait: {dist: lognormal, mean: 30d, cv: 0.8}\n", "").replace(
        "    outcomes: {won: 0.5, lost: 0.3, stalled: 0.2}",
        "    outcomes: {won: {p: 0.5, after: {dist: lognormal, mean: 57d, cv: 0.3}}, "
        "lost: {p: 0.5, after: {dist: lognormal, mean: 14d, cv: 0.3}}}").replace("horizon: 26w", "horizon: 52w")
    _csv(write_yaml, [f"D{i},deal,45d,,0" for i in range(1000)])
    s = simulate(load_scenario(write_yaml(text, "f.yaml")), replications=1, workers=1).summary
    assert (s.kpis["win_rate"].mean or 0) > 0.95


def test_dates_or_ages_and_the_copy_beside_the_results_runs_alone(write_yaml: Write, tmp_path: Path) -> None:
    from salesmap.cli import main

    _csv(write_yaml, ["A,deal,2026-12-01,Dana,500", "B,deal,3w,Ravi,"])
    f = write_yaml(FORECAST.replace("calendar: always", "calendar: {start_date: 2027-01-04}"), "f.yaml")
    sc = load_scenario(f)
    assert [sc.age_of(d) for d in sc.open_deals()] == [24.0 * 34, 24.0 * 21]
    assert main(["run", str(f), "--replications", "2", "--out", str(tmp_path / "o"), "--report"]) == 0
    copy = load_scenario(tmp_path / "o" / "scenario.yaml")  # the deals are in the copy, no CSV needed
    assert [d.id for d in copy.open_deals()] == ["A", "B"]
    html = (tmp_path / "o" / "report.html").read_text(encoding="utf-8")
    assert 'data-chart="forecast"' in html


@pytest.mark.parametrize(("rows", "message"), [
    (["A,dael,3d,Dana,1"], "deals.csv:2: pipeline[0].stage='dael': unknown stage; did you mean deal?"),
    (["A,deal,3d,Dina,1"], "deals.csv:2: pipeline[0].owner='Dina': unknown person; did you mean Dana?"),
    (["A,deal,yesterday,Dana,1"], "deals.csv:2: pipeline[0].entered='yesterday': a date (2026-11-02) or an age"),
    (["A,deal,3d,Dana,-5"], "deals.csv:2: pipeline[0].value='-5': Input should be greater than or equal to 0"),
    (["A,deal,3d,Dana,1", "A,deal,4d,Ravi,1"], "deals.csv:3: pipeline[1].id='A': the same deal id twice"),
    (["A,deal,2099-01-01,Dana,1"], "pipeline[0].entered='2099-01-01': after the start date"),
])
def test_bad_rows_are_named(rows: list[str], message: str, write_yaml: Write) -> None:
    _csv(write_yaml, rows)
    with pytest.raises(ScenarioError) as err:
        load_scenario(write_yaml(FORECAST, "f.yaml"))
    assert message in str(err.value), str(err.value)


def test_an_owner_must_be_responsible_for_the_stage_and_segments_known(write_yaml: Write) -> None:
    text = FORECAST.replace("  - {name: Ravi, role: ae}", "  - {name: Ravi, role: ae, stages: [other]}") + """
  - id: other
    role: ae
    work: {dist: fixed, value: 1h}
    outcomes: {deal: 1.0}
"""
    text = text.replace("pipeline: deals.csv\n", "").replace("enters: deal", "enters: other") + "pipeline: deals.csv\n"
    _csv(write_yaml, ["A,deal,3d,Ravi,1,big"], "id,stage,entered,owner,value,segment")
    with pytest.raises(ScenarioError) as err:
        load_scenario(write_yaml(text, "f.yaml"))
    assert "pipeline[0].owner='Ravi': Ravi is not responsible for stage deal" in str(err.value)
    assert "pipeline[0].segment='big': unknown segment" in str(err.value)


def test_missing_columns_and_files_outside_the_folder(write_yaml: Write, tmp_path: Path) -> None:
    _csv(write_yaml, ["A,deal"], "id,stage")
    with pytest.raises(ScenarioError, match="missing column\\(s\\) entered; the header has id, stage"):
        load_scenario(write_yaml(FORECAST, "f.yaml"))
    with pytest.raises(ScenarioError, match="outside the scenario's folder"):
        load_scenario(write_yaml(FORECAST.replace("pipeline: deals.csv", "pipeline: ../../x.csv"), "f.yaml"))


def test_open_deals_that_win_count_in_the_cycle_time(write_yaml: Write) -> None:
    """An open deal entered its stage before the start (a negative time): its cycle time counts from there.
    The first version read that negative time as "never entered" and left every open deal out."""
    _csv(write_yaml, [f"D{i},deal,20d,,0" for i in range(300)])
    text = FORECAST.replace("  ae: {routing: owner}", "  ae: {headcount: 2}").replace(
        "people:\n  - {name: Dana, role: ae}\n  - {name: Ravi, role: ae}\n", "")
    s = simulate(load_scenario(write_yaml(text, "f.yaml")), replications=1, workers=1).summary
    assert (s.kpis["won_per_week"].mean or 0) > 0
    assert (s.kpis["cycle_time_days"].mean or 0) > 20  # at least the 20 days already spent
    from_deal = simulate(load_scenario(write_yaml(text + "kpis: {cycle_time_from: deal}\n", "g.yaml")),
                         replications=1, workers=1).summary
    assert from_deal.kpis["cycle_time_days"].mean == s.kpis["cycle_time_days"].mean


def test_a_deals_creation_date_starts_its_cycle_time(write_yaml: Write) -> None:
    """`created` (a date or the deal's age) moves the start of an open deal's cycle time back by exactly
    the time between creation and stage entry; the same random numbers decide everything else."""
    text = FORECAST.replace("  ae: {routing: owner}", "  ae: {headcount: 2}").replace(
        "people:\n  - {name: Dana, role: ae}\n  - {name: Ravi, role: ae}\n", "")
    _csv(write_yaml, [f"D{i},deal,20d,,0" for i in range(200)], "id,stage,entered,owner,value")
    plain = simulate(load_scenario(write_yaml(text, "f.yaml")), replications=1, workers=1).summary
    _csv(write_yaml, [f"D{i},deal,20d,,0,50d" for i in range(200)], "id,stage,entered,owner,value,created")
    created = simulate(load_scenario(write_yaml(text, "f.yaml")), replications=1, workers=1).summary
    assert created.kpis["won_per_week"].mean == plain.kpis["won_per_week"].mean
    assert created.kpis["cycle_time_days"].mean == pytest.approx((plain.kpis["cycle_time_days"].mean or 0) + 30)


@pytest.mark.parametrize(("created", "message"), [
    ("2099-01-01", "pipeline[0].created='2099-01-01': after the start date"),
    ("soon", "pipeline[0].created='soon': a date (2026-09-14) or the deal's age"),
])
def test_a_bad_creation_date_is_named(write_yaml: Write, created: str, message: str) -> None:
    _csv(write_yaml, [f"A,deal,3d,Dana,1,{created}"], "id,stage,entered,owner,value,created")
    with pytest.raises(ScenarioError) as err:
        load_scenario(write_yaml(FORECAST, "f.yaml"))
    assert message in str(err.value), str(err.value)


def test_the_event_log_records_every_stage_entry(write_yaml: Write) -> None:
    """One 'stage entered' row per visit, at the visit's start (before any wait for a person): the stage
    history a CRM keeps, which calibrate reads back."""
    from sim.engine import Replication
    from sim.lead import STAGE_ENTERED

    _csv(write_yaml, ["A,deal,3d,Dana,1"])
    text = FORECAST.replace("rate: 0/week", "rate: 30/week")
    sc = load_scenario(write_yaml(text, "f.yaml"))
    rows: list[EventRow] = []
    rep = Replication(sc, 0, 1, rows.append)
    rep.run()
    entered = [r for r in rows if r[2] == STAGE_ENTERED]
    arrived = [r for r in rows if r[2] == "lead arrived"]
    assert len(entered) == len(arrived) == rep.stages[0].tally.entered
    first_touch = {r[1]: r[5] for r in reversed(rows) if r[4] == "start"}
    assert all(r[5] <= first_touch.get(r[1], math.inf) for r in entered)
    assert not [r for r in rows if r[1] == "A" and r[2] == STAGE_ENTERED]  # the open deal: its 'deal open' row
