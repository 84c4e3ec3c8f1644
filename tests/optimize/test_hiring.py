"""When hires must start, and what a seat gives once people leave, seats wait and replacements ramp."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest

from optimize.hiring import hiring_plan, productive_share
from salesmap.cli import main
from sim.runner import simulate
from sim.schema import Role
from tests.conftest import Load, Write
from tests.optimize.test_staffing import DESK

RAMPED = """
schema_version: 1
name: ramped
calendar: always
horizon: 260w
replications: 20
seed: 8
sources: [{name: web, rate: 1/week, enters: call}]
roles:
  rep:
    headcount: 30
    attrition: {per_year: 0.5, backfill_after: 12w, ramp: {weeks: 16, curve: [0.25, 0.5, 0.75, 1.0]}}
stages:
  - {id: call, role: rep, work: {dist: fixed, value: 1h}, outcomes: {won: 1.0}}
"""


def test_the_renewal_formula_agrees_with_the_simulated_team(load_yaml: Load) -> None:
    """30 seats, half a departure per person-year, 12 weeks empty, 16 weeks of ramp: in the last two years of
    five the simulated output per seat (FTE) agrees with the formula (the start, everyone ramped, has faded)."""
    sc = load_yaml(RAMPED)
    share = productive_share(sc.roles["rep"])
    res = simulate(sc, workers=2)
    late = np.array([[sum(r.timeline.fte[w]) / 30 for w in range(156, 260)] for r in res.replications])
    per_rep = late.mean(axis=1)
    half = 2.1 * per_rep.std(ddof=1) / np.sqrt(len(per_rep))
    assert abs(per_rep.mean() - share) < half + 0.01, (per_rep.mean(), share, half)
    # by hand: no ramp -> tenure share 2 / (2 + 12/52.18)
    plain = Role(headcount=1, attrition={"per_year": 0.5, "backfill_after": "12w"})
    assert productive_share(plain) == pytest.approx(2 / (2 + 12 * 168 / 8766), rel=1e-9)
    assert share < productive_share(plain)
    assert productive_share(Role(headcount=1)) == 1.0


def test_hires_start_their_ramp_before_the_date() -> None:
    roles = {"rep": Role(headcount=2, ramp={"weeks": 13, "start": 0.3}),
             "closer": Role(headcount=1)}
    by = dt.date(2027, 9, 1)
    plans = {p.role: p for p in hiring_plan(roles, {"rep": 2, "closer": 1}, {"rep": 4, "closer": 2}, by)}
    assert plans["rep"].hires == 2
    assert plans["rep"].start_by == by - dt.timedelta(weeks=13)
    assert plans["closer"].start_by == by  # no ramp given: productive on their first day
    assert "start by 2027-06-02" in plans["rep"].text(by)
    assert hiring_plan(roles, {"rep": 2, "closer": 1}, {"rep": 2, "closer": 1}, by) == []
    churning = {"closer": Role(headcount=1, attrition={"per_year": 0.3, "backfill_after": "8w",
                                                       "ramp": {"weeks": 20, "start": 0.5}})}
    (plan,) = hiring_plan(churning, {"closer": 1}, {"closer": 2}, by)
    assert plan.start_by == by - dt.timedelta(weeks=20)  # a hire ramps as the role's replacements do
    assert plan.productive_share < 1


@pytest.mark.slow
def test_staff_says_when_to_hire(write_yaml: Write, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ramped = DESK.replace("agent: {headcount: 3, cost_per_year: 50000}",
                          "agent: {headcount: 3, cost_per_year: 50000, ramp: {weeks: 8, start: 0.5}}")
    f = write_yaml(ramped, "desk.yaml")
    out = tmp_path / "staffed.yaml"
    assert main(["staff", str(f), "--target", "max_utilization<=0.8", "--by", "2027-06-01", "--out", str(out)]) == 0
    rep = json.loads(out.with_name("staffing.json").read_text())
    assert rep["hiring"] == [{"role": "agent", "hires": 1, "ramp_weeks": 8.0, "start_by": "2027-04-06",
                              "productive_share": 1.0, "seats": 4, "productive_fte": 4.0}]
    assert "start by 2027-04-06" in capsys.readouterr().out


def test_staff_refuses_a_bad_date(write_yaml: Write, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = write_yaml(DESK, "desk.yaml")
    assert main(["staff", str(f), "--target", "max_utilization<=0.8", "--by", "soon", "--out",
                 str(tmp_path / "s.yaml")]) == 2
    assert "--by soon" in capsys.readouterr().err
