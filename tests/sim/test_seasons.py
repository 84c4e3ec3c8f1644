"""Seasons: monthly weights, quarter-end pushes and over-dispersed weeks, as asked."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import numpy as np
import pytest

from sim.errors import ScenarioError
from sim.lead import EventRow
from sim.runner import simulate
from sim.scenario import load_scenario
from sim.schema import Scenario
from tests.conftest import Load, Write

SEASONAL = """
schema_version: 1
name: seasons
calendar: {{start_date: 2027-01-04}}
horizon: 104w
seed: 4
sources:
  - {{name: web, rate: 100/week, enters: deal{extra}}}
roles:
  agent: {{headcount: 200}}
stages:
  - id: deal
    role: agent
    work: {{dist: fixed, value: 1m}}
    outcomes: {{won: 0.5, lost: 0.5}}
"""
MONTHLY = ", monthly: {jan: 0.5, feb: 0.5, mar: 1, apr: 1, may: 1, jun: 1.5, jul: 1.5, aug: 1, sep: 1, oct: 1, " \
          "nov: 1, dec: 1}"


def _arrivals(sc: Scenario, reps: int = 2) -> list[tuple[int, float]]:
    rows: list[tuple[int, float]] = []

    def log(row: EventRow) -> None:
        if row[2] == "lead arrived":
            rows.append((row[0], row[5]))

    simulate(sc, replications=reps, workers=1, log=log)
    return rows


def test_monthly_weights_set_arrivals_per_month(load_yaml: Load) -> None:
    sc = load_yaml(SEASONAL.format(extra=MONTHLY))
    start = dt.date(2027, 1, 4)
    per_month: Counter[str] = Counter()
    days: Counter[str] = Counter()
    for _, t in _arrivals(sc):
        per_month[(start + dt.timedelta(hours=t)).strftime("%b").lower()] += 1
    for k in range(2 * 728):  # both replications' days
        days[(start + dt.timedelta(days=k % 728)).strftime("%b").lower()] += 1
    weights = {"jan": 0.5, "feb": 0.5, "jun": 1.5, "jul": 1.5, "mar": 1.0}
    mean_w = 12 / 12.0  # the weights above average 1 over the year
    for m, w in weights.items():
        expected = 100 / 7 * days[m] * w / mean_w
        assert per_month[m] == pytest.approx(expected, rel=4 / np.sqrt(expected) + 0.01), m
    assert sum(per_month.values()) == pytest.approx(2 * 104 * 100, rel=0.03)  # the mean stays `rate`


@pytest.mark.slow
def test_dispersion_makes_weekly_counts_vary_as_asked(load_yaml: Load) -> None:
    for fano in (1.0, 2.0, 4.0):
        sc = load_yaml(SEASONAL.format(extra=f", dispersion: {fano}").replace("horizon: 104w", "horizon: 400w"))
        counts = Counter((r, int(t // 168)) for r, t in _arrivals(sc, reps=3))
        x = np.array([counts[(r, w)] for r in range(3) for w in range(400)], dtype=float)
        assert x.mean() == pytest.approx(100, rel=0.03)
        assert x.var(ddof=1) / x.mean() == pytest.approx(fano, rel=0.2), fano


def test_quarter_end_brings_more_leads_and_more_wins(load_yaml: Load) -> None:
    sc = load_yaml(SEASONAL.format(extra=", quarter_end: {weeks: 2, arrivals: 1.5, wins: 1.6}"))
    start = dt.date(2027, 1, 4)
    wins: dict[bool, list[int]] = {True: [0, 0], False: [0, 0]}
    arrived: dict[tuple[int, str], bool] = {}

    def in_window(t: float) -> bool:
        d = start + dt.timedelta(days=int(t // 24))
        last = (d.month - 1) // 3 * 3 + 3
        nxt = dt.date(d.year + (last == 12), last % 12 + 1, 1)
        return (nxt - d).days <= 14

    def log(row: EventRow) -> None:
        rep, case, activity, _, _, t, _, _ = row
        if activity == "lead arrived":
            arrived[(rep, case)] = in_window(t)
        elif activity in ("won", "lost"):
            w = in_window(t)
            wins[w][0] += activity == "won"
            wins[w][1] += 1

    simulate(sc, replications=2, workers=1, log=log)
    share = sum(arrived.values()) / len(arrived)
    days_in = sum(in_window(24 * k + 1) for k in range(728)) / 728
    assert share == pytest.approx(1.5 * days_in / (1.5 * days_in + 1 - days_in), rel=0.05)
    assert wins[True][0] / wins[True][1] == pytest.approx(0.8, abs=0.03)  # 0.5 x 1.6
    assert wins[False][0] / wins[False][1] == pytest.approx(0.5, abs=0.02)


@pytest.mark.parametrize(("extra", "message"), [
    (", monthly: {jan: 2}", "give all twelve months (missing: feb, mar"),
    (", dispersion: 0.5", "sources[0].dispersion=0.5: Input should be greater than or equal to 1"),
    (", quarter_end: {weeks: 20}", "sources[0].quarter_end.weeks=20: Input should be less than or equal to 13"),
    (", monthly: {jann: 1}", "sources[0].monthly.jann"),
])
def test_bad_seasons_get_clear_errors(extra: str, message: str, write_yaml: Write) -> None:
    with pytest.raises(ScenarioError) as err:
        load_scenario(write_yaml(SEASONAL.format(extra=extra), "bad.yaml"))
    assert message in str(err.value), str(err.value)
