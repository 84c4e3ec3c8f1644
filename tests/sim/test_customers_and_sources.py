"""Life after won (onboarding, check-ins, churn) and how leads arrive (weekly pattern, batches)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable

import pytest

from sim.engine import EventRow, Replication
from sim.results import collect
from sim.runner import simulate
from sim.schema import Scenario

Load = Callable[[str], Scenario]

PIPE = """
schema_version: 1
name: customers
calendar: always
replications: 1
seed: 4
sources: [{name: s, rate: 1/week, enters: sell}]
stages:
  - {id: sell, role: rep, work: {dist: fixed, value: 1h}, outcomes: {won: 1}}
  - {id: onboard, role: csm, work: {dist: fixed, value: 2h}, outcomes: {won: 1}}
  - {id: check, role: csm, work: {dist: fixed, value: CHECK}, outcomes: {won: 1}}
"""


def _customers(load: Load, csms: int, check: str, extra: str, horizon: str = "52w") -> Scenario:
    return load(PIPE.replace("CHECK", check) + f"horizon: {horizon}\n"
                f"roles: {{rep: {{headcount: 1}}, csm: {{headcount: {csms}}}}}\n" + extra)


def test_churn_per_year_without_check_ins(load_yaml: Load) -> None:
    sc = load_yaml("""
schema_version: 1
name: churn
calendar: always
horizon: 365.25d
replications: 1
seed: 4
sources: [{name: s, rate: 1/week, enters: sell}]
roles: {rep: {headcount: 1}}
stages:
  - {id: sell, role: rep, work: {dist: fixed, value: 1h}, outcomes: {won: 1}}
customers: {initial: 4000, churn: {per_year: 0.3}}
""")
    events: list[EventRow] = []
    Replication(sc, 0, log=events.append).run()
    churned_initial = sum(1 for e in events if e[2] == "churned" and e[1].startswith("C"))
    # 30% of 4000 churn within the year: binomial sd = 29; allow 5 sd
    assert abs(churned_initial - 1200) <= 5 * math.sqrt(4000 * 0.3 * 0.7)


def test_late_check_ins_raise_churn(load_yaml: Load) -> None:
    extra = """
customers:
  initial: 60
  onboarding: onboard
  check_in: {stage: check, every: 1w}
  churn: {per_year: 0.2, late_after: 1d, late_multiplier: 10}
"""
    busy = simulate(_customers(load_yaml, 1, "4h", extra), replications=3).summary.json()["customers"]
    calm = simulate(_customers(load_yaml, 12, "4h", extra), replications=3).summary.json()["customers"]
    # 60 check-ins of 4h a week for one person (240h > 168h): many start late, until the churn they
    # cause shrinks the base enough for one person (measured: 49% late)
    assert busy["late_checkin_share"]["mean"] > 0.25
    assert calm["late_checkin_share"]["mean"] == 0
    assert busy["churned"]["mean"] > 3 * calm["churned"]["mean"]


def test_won_leads_are_onboarded_then_checked_in(load_yaml: Load) -> None:
    sc = _customers(load_yaml, 1, "1h", """
customers:
  onboarding: onboard
  check_in: {stage: check, every: 2w}
""", horizon="12w")
    events: list[EventRow] = []
    Replication(sc, 0, log=events.append).run()
    first = next(e[1] for e in events if e[2] == "won")
    trail = [e[2] for e in events if e[1] == first and e[4] == "complete" and e[2] != "stage entered"]
    assert trail[:5] == ["lead arrived", "sell", "won", "onboard", "check"]


def test_weekly_pattern_keeps_the_mean_and_skips_closed_days(load_yaml: Load) -> None:
    sc = load_yaml("""
schema_version: 1
name: weekdays
calendar: always
horizon: 40w
replications: 2
seed: 9
sources: [{name: s, rate: 100/week, enters: a, weekly: {mon: 2, tue: 1, wed: 1, thu: 1, fri: 1}}]
roles: {rep: {headcount: 3}}
stages:
  - {id: a, role: rep, work: {dist: fixed, value: 1m}, outcomes: {won: 1}}
""")
    events: list[EventRow] = []
    rep = Replication(sc, 0, log=events.append)
    rep.run()
    origin = dt.datetime(2027, 1, 4)
    days = [(origin + dt.timedelta(hours=e[5])).weekday() for e in events if e[2] == "lead arrived"]
    assert set(days) == {0, 1, 2, 3, 4}
    assert days.count(0) == pytest.approx(2 * days.count(2), rel=0.15)
    assert collect(rep).kpis["leads_per_week"] == pytest.approx(100, rel=0.05)


def test_hours_per_week_below_the_calendar_slow_the_role(load_yaml: Load) -> None:
    sc = load_yaml("""
schema_version: 1
name: part-time
calendar: always
horizon: 2w
replications: 1
sources: [{name: s, rate: 0/h, enters: a, batches: [{at: 0h, count: 1}]}]
roles: {rep: {headcount: 1, hours_per_week: 84}}
stages:
  - {id: a, role: rep, work: {dist: fixed, value: 1h}, outcomes: {won: 1}}
""")
    events: list[EventRow] = []
    Replication(sc, 0, log=events.append).run()
    assert [e[5] for e in events if e[2] == "a" and e[4] == "complete"] == [2.0]
