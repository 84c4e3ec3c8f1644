"""A team that changes during the run: joins with ramp-up, departures, attrition, changes on a date."""

from __future__ import annotations

import json
import math
from collections import Counter

import numpy as np
import pytest

from sim.engine import Replication
from sim.errors import ScenarioError
from sim.lead import EventRow
from sim.output import plain
from sim.results import collect
from sim.runner import simulate
from sim.schema import Scenario
from tests.conftest import Load

SATURATED = """
schema_version: 1
name: saturated
calendar: always
horizon: 20w
replications: 1
sources:
  - name: backlog
    rate: 0/week
    enters: call
    batches: [{{at: 0h, count: 20000}}]
roles:
  rep: {{}}
people:
  - {{name: Ana, role: rep}}
stages:
  - id: call
    role: rep
    work: {{dist: fixed, value: 1h}}
    outcomes: {{won: 1.0}}
changes:
  - at: 10w
    joins: {{name: Ben, role: rep, ramp: {{weeks: 4, curve: [0.25, 0.5, 0.75, 1.0]}}}}
{extra}
"""


def _run(sc: Scenario, r: int = 0) -> tuple[Replication, list[EventRow]]:
    rows: list[EventRow] = []
    rep = Replication(sc, r, log=rows.append)
    rep.run()
    return rep, rows


def test_a_person_who_joins_works_from_then_at_the_pace_of_their_ramp(load_yaml: Load) -> None:
    """Saturated and deterministic: Ben does nothing before week 10, then 42, 84, 126 and 168 one-hour calls a
    week (a quarter, half, three quarters, all of his 168 hours' worth, counted when started), and is busy every
    hour from joining."""
    sc = load_yaml(SATURATED.format(extra=""))
    rep, rows = _run(sc)
    done = Counter(int(t // 168) for (_, _, _, _, kind, t, who, _) in rows if who == "Ben" and kind == "start")
    assert [done.get(w, 0) for w in range(20)] == [0] * 10 + [42, 84, 126] + [168] * 7
    assert not any(who == "Ben" and t < 10 * 168 for (*_, t, who, _) in rows)
    tl = rep.timeline
    ben = 1
    assert [tl.busy[w][ben] for w in range(20)] == pytest.approx([0.0] * 10 + [168.0] * 10)
    assert [tl.available[w][ben] for w in range(20)] == pytest.approx([0.0] * 10 + [168.0] * 10)
    assert [tl.fte[w][ben] for w in range(20)] == pytest.approx([0.0] * 10 + [0.25, 0.5, 0.75] + [1.0] * 7)
    assert [tl.fte[w][0] for w in range(20)] == pytest.approx([1.0] * 20)


def test_linear_ramp_and_win_rate(load_yaml: Load) -> None:
    """The linear form grows evenly; `win_rate: true` scales the chance to advance by the same share."""
    text = SATURATED.format(extra="").replace("ramp: {weeks: 4, curve: [0.25, 0.5, 0.75, 1.0]}",
                                              "ramp: {weeks: 10, start: 0.5, win_rate: true}")
    text = text.replace("outcomes: {won: 1.0}", "outcomes: {won: 0.5, lost: 0.5}")
    sc = load_yaml(text)
    ramp = sc.changes[0].joins.ramp  # type: ignore[index, union-attr]
    assert ramp is not None
    assert ramp.factor(0) == 0.5
    assert ramp.factor(5 * 168) == pytest.approx(0.75)
    assert ramp.factor(10 * 168) == 1.0
    _, rows = _run(sc)
    cases = {c: who for (_, c, _, _, kind, _, who, _) in rows if kind == "complete" and who}
    outcome = {c: a for (_, c, a, _, kind, _, _, _) in rows if a in ("won", "lost")}
    ben = [outcome[c] == "won" for c, who in cases.items() if who == "Ben" and c in outcome]
    ana = [outcome[c] == "won" for c, who in cases.items() if who == "Ana" and c in outcome]
    # Ben's calls in his ramp weeks: chance 0.5 x (0.5..1) -> below Ana's 0.5
    assert np.mean(ana) == pytest.approx(0.5, abs=0.02)
    assert np.mean(ben) < np.mean(ana) - 0.03


def _presence(lam: float, d: float, t: np.ndarray) -> np.ndarray:
    """P(a seat is filled at t): filled for Exp(lam) from 0, then vacant for d, filled again..., i.e. the
    renewal equation p(t) = exp(-lam t) + int_0^(t-d) lam exp(-lam s) p(t - s - d) ds, on a grid."""
    h = t[1] - t[0]
    p = np.zeros_like(t)
    k = round(float(d / h))
    for i, ti in enumerate(t):
        acc = math.exp(-lam * ti)
        n = i - k
        if n > 0:
            s = np.arange(n) * h
            acc += float(np.sum(lam * np.exp(-lam * s) * p[n - np.arange(n)]) * h)
        p[i] = acc
    return p


ATTRITION = """
schema_version: 1
name: attrition
calendar: always
horizon: 156w
replications: 40
seed: 5
sources: [{name: web, rate: 1/week, enters: call}]
roles:
  rep: {headcount: 30, attrition: {per_year: 0.5, backfill_after: 12w, ramp: {weeks: 1, start: 1.0}}}
stages:
  - {id: call, role: rep, work: {dist: fixed, value: 1h}, outcomes: {won: 1.0}}
"""


def test_attrition_agrees_with_the_departure_and_backfill_process(load_yaml: Load) -> None:
    """30 seats over three years at 0.5 departures a person-year, refilled 12 weeks after each departure:
    departures per person-year present agree with the rate, and the share of seats filled, week by week,
    with the renewal calculation."""
    sc = load_yaml(ATTRITION)
    res = simulate(sc, workers=2)
    weeks = 156
    filled = np.array([[sum(r.timeline.fte[w]) / 30 for w in range(weeks)] for r in res.replications])
    t = np.arange(0, weeks * 168 + 1, 4.0)
    p = _presence(0.5 / 8766, 12 * 168, t)
    theory = np.array([p[int((w * 168 + 84) / 4)] for w in range(weeks)])
    per_rep = filled.mean(axis=1)
    m, s = per_rep.mean(), per_rep.std(ddof=1) / math.sqrt(len(per_rep))
    assert abs(m - theory.mean()) < 3 * s + 0.002, (m, theory.mean(), s)
    # late weeks near the steady state (1/lam) / (1/lam + d)
    steady = (1 / 0.5) / (1 / 0.5 + 12 / 52.18)
    assert theory[-1] == pytest.approx(steady, abs=0.01)
    assert filled[:, -26:].mean() == pytest.approx(steady, abs=0.02)
    # departures per person-year on the team
    departures = sum(sum(r.timeline.departures) for r in res.replications)
    years = filled.sum() * 30 / 52.18
    rate = departures / years
    assert abs(rate - 0.5) < 3 * math.sqrt(departures) / years, (rate, departures)


def test_a_change_at_the_start_is_the_file_without_it(load_yaml: Load) -> None:
    """Joins, responsibilities, hours, a source's rate and a stage's outcomes dated 0 give byte-identical
    results to the same file written without them."""
    base = """
schema_version: 1
name: same
calendar: always
horizon: 12w
warmup: 2w
replications: 3
seed: 3
sources: [{name: web, rate: 30/week, enters: qualify}]
roles:
  rep: {}
  closer: {}
people:
  - {name: Ana, role: rep}
  - {name: Dov, role: closer, stages: [close]}
PLUS
stages:
  - {id: qualify, role: rep, work: {dist: exponential, mean: 1h}, outcomes: OUT}
  - {id: close, role: closer, work: {dist: exponential, mean: 2h}, outcomes: {won: 0.5, lost: 0.5}}
"""
    changed = load_yaml(base.replace("OUT", "{close: 0.5, lost: 0.5}").replace("PLUS", """changes:
  - {at: 0w, joins: {name: Eli, role: rep, ramp: {weeks: 4, start: 0.5}}}
  - {at: 2027-01-04, responsibilities: {person: Dov, add: [qualify]}}
  - {at: 0h, source: {source: web, rate: 40/week}}
  - {at: 0d, stage: {stage: qualify, outcomes: {close: 0.6, lost: 0.4}}}
  - {at: 0w, calendar: {role: closer, calendar: {hours_per_day: 10, days_per_week: 6}}}"""))
    plain_file = load_yaml(base.replace("OUT", "{close: 0.6, lost: 0.4}").replace("PLUS", "").replace(
        "  - {name: Dov, role: closer, stages: [close]}",
        "  - {name: Eli, role: rep, ramp: {weeks: 4, start: 0.5}}\n  - {name: Dov, role: closer, stages: [close, "
        "qualify]}").replace("rate: 30/week", "rate: 40/week").replace(
        "  closer: {}", "  closer: {calendar: {hours_per_day: 10, days_per_week: 6}}"))
    assert changed.changes is None
    a = json.dumps(plain(simulate(changed, workers=1).summary.json()), sort_keys=True)
    b = json.dumps(plain(simulate(plain_file, workers=1).summary.json()), sort_keys=True)
    assert a == b


OWNED = """
schema_version: 1
name: owned
calendar: always
horizon: 30w
replications: 1
seed: 11
sources: [{name: crm, rate: 2.4/h, enters: deal}]
handoff: {delay: {dist: fixed, value: 30m}}
roles:
  agent: {routing: owner}
people:
  - {name: p0, role: agent}
  - {name: p1, role: agent}
  - {name: p2, role: agent}
stages:
  - {id: deal, role: agent, work: {dist: exponential, mean: 1h}, wait: {dist: exponential, mean: 10h},
     outcomes: {follow_up: 0.5, won: 0.3, lost: 0.2}}
  - {id: follow_up, role: agent, work: {dist: exponential, mean: 30m}, outcomes: {won: 0.5, lost: 0.5}}
changes:
  - {at: 10w, leaves: p2, TO}
"""


@pytest.mark.parametrize("to", [None, "p1"])
def test_no_lead_is_lost_or_duplicated_when_its_owner_leaves(to: str | None, load_yaml: Load) -> None:
    """Every lead arrives once and ends once (or is open at the end); nobody works for p2 after they leave;
    with `to: p1`, every lead p2 owned that needs work afterwards goes to p1."""
    sc = load_yaml(OWNED.replace(", TO", f", to: {to}" if to else ""))
    rep, rows = _run(sc)
    leave = 10 * 168
    arrived = Counter(c for (_, c, a, *_) in rows if a == "lead arrived")
    ended = Counter(c for (_, c, a, *_) in rows if a in ("won", "lost"))
    assert max(arrived.values()) == 1
    assert max(ended.values()) == 1
    assert set(ended) <= set(arrived)
    assert len(arrived) - len(ended) == rep.in_pipeline.count
    assert not any(who == "p2" and kind == "start" and t >= leave for (_, _, _, _, kind, t, who, _) in rows)
    starts = [(c, t, who) for (_, c, _, _, kind, t, who, _) in rows if kind == "start"]
    p2_leads = {c for c, t, who in starts if who == "p2"}
    after = [who for c, t, who in starts if c in p2_leads and t >= leave]
    assert after, "some of p2's leads needed work after they left"
    if to:
        assert set(after) == {"p1"}
    else:
        assert set(after) == {"p0", "p1"}
    res = collect(rep)
    assert res.owners["p2"]["open_deals"] == 0


def test_before_the_change_two_paired_runs_are_identical(load_yaml: Load) -> None:
    """With and without a departure in week 10: every event before it is the same, and so is every week's
    figures before it."""
    with_change = load_yaml(OWNED.replace(", TO", ""))
    without = load_yaml(OWNED.replace("changes:\n  - {at: 10w, leaves: p2, TO}\n", ""))
    t = 10 * 168
    a_rep, a = _run(with_change)
    b_rep, b = _run(without)
    assert [r for r in a if r[5] < t] == [r for r in b if r[5] < t]
    assert a_rep.timeline.busy[:10] == b_rep.timeline.busy[:10]
    assert a_rep.timeline.won[:10] == b_rep.timeline.won[:10]
    assert [r for r in a if r[5] >= t] != [r for r in b if r[5] >= t]


@pytest.mark.parametrize(("change", "path", "words"), [
    ("{at: 2w, leaves: Zed}", "changes[0].leaves", "unknown person"),
    ("{at: 2026-12-01, leaves: Ana}", "changes[0].at", "before the start date"),
    ("{at: 30w, leaves: Ana}", "changes[0].at", "after the end of the run"),
    ("{at: 2w, joins: {name: Cy, role: rep, ramp: {weeks: 4, curve: [0.5, 0.25]}}}", "changes[0].joins.ramp",
     "decreases"),
    ("{at: 2w, joins: {name: Cy, role: rep, ramp: {weeks: 4, curve: [0.5, 1.5]}}}", "changes[0].joins.ramp",
     "in (0, 1]"),
    ("{at: 2w, leaves: Ana}\n  - {at: 3w, leaves: Ana}", "changes[1].leaves", "already left"),
    ("{at: 2w, responsibilities: {person: Cy, add: [call]}}\n  - {at: 3w, joins: {name: Cy, role: rep}}",
     "changes[0].responsibilities.person", "has not joined yet"),
    ("{at: 2w, leaves: Ana, to: Ana}", "changes[0].to", "someone else"),
    ("{at: 2w, source: {source: web, rate: 3/week}, leaves: Ana}", "changes[0]", "exactly one"),
    ("{at: 2w, joins: {name: Ana, role: rep}}", "changes[0].joins.name", "share this name"),
    ("{at: 2w, responsibilities: {person: Ana, remove: [cal]}}", "changes[0].responsibilities.remove[0]",
     "did you mean call"),
    ("{at: 2w, calendar: {role: closer, calendar: always}}", "changes[0].calendar.role", "unknown role"),
    ("{at: 2w, stage: {stage: call, outcomes: {won: 0.5, demo: 0.5}}}", "changes[0].stage.outcomes.demo",
     "unknown outcome"),
])
def test_bad_changes_get_a_clear_error(change: str, path: str, words: str, load_yaml: Load) -> None:
    text = SATURATED.format(extra="").split("changes:")[0] + "changes:\n  - " + change + "\n"
    with pytest.raises(ScenarioError) as e:
        load_yaml(text)
    message = str(e.value)
    assert path in message, message
    assert words in message, message
