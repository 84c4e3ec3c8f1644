"""Exact timelines with fixed durations: the engine's arithmetic, event by event."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sim.engine import EventRow, Replication
from sim.results import collect
from sim.schema import Scenario

Load = Callable[[str], Scenario]

HEAD = """
schema_version: 1
name: timeline
horizon: 3w
replications: 1
seed: 1
"""
OFFICE = "calendar: {hours_per_day: 8, days_per_week: 5, day_starts: 9h, start_date: 2027-01-04}\n"


def run(sc: Scenario) -> tuple[list[EventRow], Replication]:
    events: list[EventRow] = []
    rep = Replication(sc, 0, log=events.append)
    rep.run()
    return events, rep


def times(events: list[EventRow], activity: str, lifecycle: str) -> list[float]:
    return [e[5] for e in events if e[2] == activity and e[4] == lifecycle]


def test_work_spanning_a_night_and_a_weekend(load_yaml: Load) -> None:
    sc = load_yaml(HEAD + OFFICE + """
sources:
  - {name: s, rate: 0/h, enters: a, batches: [{at: 15h, count: 1}, {at: 4d 16h, count: 1}]}
roles: {rep: {headcount: 1}}
stages:
  - {id: a, role: rep, work: {dist: fixed, value: 4h}, outcomes: {won: 1}}
""".replace("4d 16h", "112h"))
    events, rep = run(sc)
    # Monday 15:00 + 4h of work: 2h on Monday (to 17:00), 2h on Tuesday from 9:00 -> Tuesday 11:00
    # Friday 16:00 (112h) + 4h: 1h Friday, 3h on Monday from 9:00 -> Monday 12:00 (7 * 24 + 12 = 180h)
    assert times(events, "a", "start") == [15.0, 112.0]
    assert times(events, "a", "complete") == [35.0, 180.0]
    # utilization counts working hours only: 8 busy hours out of 3 weeks x 40 hours
    assert collect(rep).staff["rep-1"] == pytest.approx(8 / 120)


def test_a_lead_arriving_at_night_waits_for_opening_time(load_yaml: Load) -> None:
    sc = load_yaml(HEAD + OFFICE + """
sources: [{name: s, rate: 0/h, enters: a, batches: [{at: 20h, count: 1}]}]
roles: {rep: {headcount: 1}}
stages:
  - {id: a, role: rep, work: {dist: fixed, value: 1h}, outcomes: {won: 1}}
""")
    events, rep = run(sc)
    assert times(events, "a", "start") == [33.0]  # Tuesday 9:00
    assert collect(rep).stages["a"]["wait_hours"] == 13.0


def test_holidays_are_closed(load_yaml: Load) -> None:
    sc = load_yaml(HEAD + """
calendar: {hours_per_day: 8, days_per_week: 5, day_starts: 9h, start_date: 2027-01-04, holidays: [2027-01-05]}
sources: [{name: s, rate: 0/h, enters: a, batches: [{at: 16h, count: 1}]}]
roles: {rep: {headcount: 1}}
stages:
  - {id: a, role: rep, work: {dist: fixed, value: 2h}, outcomes: {won: 1}}
""")
    events, _ = run(sc)
    assert times(events, "a", "complete") == [2 * 24 + 10.0]  # Tuesday closed: Wednesday 10:00


def test_queue_is_first_come_first_served_and_waits_add_calendar_time(load_yaml: Load) -> None:
    sc = load_yaml(HEAD + """
calendar: always
sources: [{name: s, rate: 0/h, enters: a, batches: [{at: 1h, count: 3}]}]
roles: {rep: {headcount: 1}}
stages:
  - id: a
    role: rep
    work: {dist: fixed, value: 2h}
    wait: {dist: fixed, value: 1d}
    outcomes: {won: 1}
""")
    events, rep = run(sc)
    assert times(events, "a", "start") == [1.0, 3.0, 5.0]
    assert times(events, "won", "complete") == [27.0, 29.0, 31.0]
    r = collect(rep)
    assert r.stages["a"]["wait_hours"] == pytest.approx((0 + 2 + 4) / 3)
    assert r.kpis["cycle_time_days"] == pytest.approx((26 + 28 + 30) / 3 / 24)


def test_decay_cools_the_lead_that_waited(load_yaml: Load) -> None:
    sc = load_yaml(HEAD + """
calendar: always
sources: [{name: s, rate: 0/h, enters: a, batches: [{at: 1h, count: 2}]}]
roles: {rep: {headcount: 1}}
stages:
  - id: a
    role: rep
    work: {dist: fixed, value: 1h}
    outcomes: {won: 1}
    decay: {theta: 1m, alpha: 10, floor: 0}
""")
    events, rep = run(sc)
    # the first lead is touched at once (multiplier 1): won; the second waited 1h: (1 + 60)^-10 ~ 0
    assert [e[2] for e in events if e[2] in ("won", "lost")] == ["won", "lost"]
    r = collect(rep)
    assert r.stages["a"]["lost_cooled"] == 1
    assert r.stages["a"]["conversion_rate"] == 0.5


def test_decay_can_send_cooled_leads_to_nurture(load_yaml: Load) -> None:
    sc = load_yaml(HEAD + """
calendar: always
sources: [{name: s, rate: 0/h, enters: a, batches: [{at: 1h, count: 2}]}]
roles: {rep: {headcount: 1}}
stages:
  - id: a
    role: rep
    work: {dist: fixed, value: 1h}
    outcomes: {won: 1}
    decay: {theta: 1m, alpha: 10, floor: 0, cooled: nurture}
  - {id: nurture, role: rep, work: {dist: fixed, value: 30m}, outcomes: {lost: 1}}
""")
    events, _ = run(sc)
    assert times(events, "nurture", "start") == [3.0]


HANDOFF = HEAD + """
calendar: always
sources: [{name: s, rate: 0/h, enters: a, batches: [{at: 0h, count: 1}]}]
roles: {bdr: {headcount: 1}, rep: {headcount: 1}}
stages:
  - {id: a, role: bdr, work: {dist: fixed, value: 1h}, outcomes: {b: 1}}
  - {id: b, role: rep, work: {dist: fixed, value: 1h}, outcomes: {won: 1}}
"""


def test_handoff_adds_its_delay_before_the_new_person_starts(load_yaml: Load) -> None:
    sc = load_yaml(HANDOFF + "handoff: {delay: {dist: fixed, value: 2h}}\n")
    events, rep = run(sc)
    assert times(events, "b", "start") == [3.0]  # a ends at 1h, plus 2h of handoff
    r = collect(rep)
    assert r.stages["b"]["handoffs"] == 1
    assert r.stages["b"]["wait_hours"] == 2.0
    assert r.staff["rep-1"] == pytest.approx(1 / (3 * 168))  # not busy during the handoff delay


def test_handoff_loss_drops_the_lead(load_yaml: Load) -> None:
    sc = load_yaml(HANDOFF + "handoff: {loss: 1.0}\n")
    events, rep = run(sc)
    assert times(events, "b", "start") == []
    assert times(events, "lost", "complete") == [1.0]
    assert collect(rep).stages["b"]["lost_handoff"] == 1


def test_no_handoff_when_the_same_person_continues(load_yaml: Load) -> None:
    sc = load_yaml(HANDOFF.replace("role: rep", "role: bdr") + "handoff: {delay: {dist: fixed, value: 2h}}\n")
    events, rep = run(sc)
    assert times(events, "b", "start") == [1.0]
    assert collect(rep).stages["b"]["handoffs"] == 0


def test_stuck_leads_are_counted_once_they_pass_stuck_after(load_yaml: Load) -> None:
    sc = load_yaml(HEAD + """
calendar: always
sources: [{name: s, rate: 0/h, enters: a, batches: [{at: 0h, count: 1}, {at: 10d, count: 1}]}]
roles: {rep: {headcount: 1}}
stages:
  - id: a
    role: rep
    work: {dist: fixed, value: 1h}
    wait: {dist: fixed, value: 5d}
    outcomes: {b: 1}
    stuck_after: 3d
  - id: b
    role: rep
    work: {dist: fixed, value: 1h}
    wait: {dist: fixed, value: 1d}
    outcomes: {won: 1}
    stuck_after: 3d
""".replace("enters: a, batches: [{at: 0h, count: 1}, {at: 10d, count: 1}]",
            "enters: a, batches: [{at: 0h, count: 1}, {at: 20d, count: 1}]"))
    _, rep = run(sc)
    r = collect(rep)
    # lead 1 stayed 5d 1h (stuck); lead 2 entered on day 20 and is still there at day 21: not yet stuck
    assert r.stages["a"]["stuck"] == 1
    assert r.stages["a"]["stuck_at_end"] == 0
    assert r.stages["b"]["stuck"] == 0


def test_a_lead_still_stuck_at_the_horizon_is_counted(load_yaml: Load) -> None:
    sc = load_yaml(HEAD + """
calendar: always
sources: [{name: s, rate: 0/h, enters: a, batches: [{at: 1w, count: 1}]}]
roles: {rep: {headcount: 1}}
stages:
  - {id: a, role: rep, work: {dist: fixed, value: 1h}, wait: {dist: fixed, value: 4w}, outcomes: {won: 1},
     stuck_after: 3d}
""")
    _, rep = run(sc)
    r = collect(rep)
    assert r.stages["a"]["stuck"] == 1
    assert r.stages["a"]["stuck_at_end"] == 1


def test_focus_penalty_and_capacity_stretch_the_work(load_yaml: Load) -> None:
    sc = load_yaml(HEAD + """
calendar: always
sources: [{name: s, rate: 0/h, enters: a, batches: [{at: 0h, count: 1}]}]
roles: {rep: {headcount: 0}}
people:
  - {name: Dana, role: rep, stages: [a, b, c, d], capacity: 0.5}
stages:
  - {id: a, role: rep, work: {dist: fixed, value: 1h}, outcomes: {b: 1}}
  - {id: b, role: rep, work: {dist: fixed, value: 1h}, outcomes: {c: 1}}
  - {id: c, role: rep, work: {dist: fixed, value: 1h}, outcomes: {d: 1}}
  - {id: d, role: rep, work: {dist: fixed, value: 1h}, outcomes: {won: 1}}
focus_penalty: {free_stages: 2, per_extra_stage: 0.25}
""".replace("rep: {headcount: 0}", "rep: {}"))
    events, rep = run(sc)
    # four stages, two free: work x 1.5; half capacity: 1h of work takes 3h of her time
    assert times(events, "a", "complete") == [3.0]
    assert collect(rep).stages["a"]["work_hours"] == 1.5


def test_priority_picks_the_urgent_stage_first(load_yaml: Load) -> None:
    sc = load_yaml(HEAD + """
calendar: always
sources:
  - {name: slow, rate: 0/h, enters: low, batches: [{at: 1h, count: 1}]}
  - {name: fast, rate: 0/h, enters: high, batches: [{at: 2h, count: 1}]}
  - {name: first, rate: 0/h, enters: low, batches: [{at: 0h, count: 1}]}
roles: {rep: {headcount: 1}}
stages:
  - {id: low, role: rep, work: {dist: fixed, value: 3h}, outcomes: {won: 1}}
  - {id: high, role: rep, priority: 5, work: {dist: fixed, value: 1h}, outcomes: {won: 1}}
""")
    events, _ = run(sc)
    # busy 0-3h with the first lead; at 3h the high-priority lead (waiting since 2h) goes first
    assert times(events, "high", "start") == [3.0]
    assert times(events, "low", "start") == [0.0, 4.0]


def test_a_free_person_who_knows_the_lead_takes_it(load_yaml: Load) -> None:
    sc = load_yaml(HEAD + """
calendar: always
sources: [{name: s, rate: 0/h, enters: a, batches: [{at: 0h, count: 2}]}]
roles: {rep: {headcount: 2}}
stages:
  - {id: a, role: rep, work: {dist: fixed, value: 1h}, outcomes: {b: 1}}
  - {id: b, role: rep, work: {dist: fixed, value: 1h}, outcomes: {won: 1}}
""")
    events, _ = run(sc)
    owner = {e[1]: e[6] for e in events if e[3] == "a" and e[4] == "start"}
    for e in events:
        if e[3] == "b" and e[4] == "start":
            assert e[6] == owner[e[1]]


def test_a_role_with_its_own_hours_works_when_the_office_is_closed(load_yaml: Load) -> None:
    sc = load_yaml(HEAD + OFFICE + """
sources: [{name: s, rate: 0/h, enters: a, batches: [{at: 130h, count: 1}]}]
roles:
  desk: {headcount: 1, calendar: {hours_per_day: 12, days_per_week: 7, day_starts: 8h}}
  rep: {headcount: 1}
stages:
  - {id: a, role: desk, work: {dist: fixed, value: 1h}, outcomes: {b: 1}}
  - {id: b, role: rep, work: {dist: fixed, value: 1h}, outcomes: {won: 1}}
""")
    events, rep = run(sc)
    # Saturday 10:00 (130h): the desk works weekends; the rep starts Monday 9:00 (177h)
    assert times(events, "a", "start") == [130.0]
    assert times(events, "b", "start") == [177.0]
    r = collect(rep)
    assert r.staff["desk-1"] == pytest.approx(1 / (3 * 84))  # 1 busy hour of 3 weeks x 84 open hours
    assert r.staff["rep-1"] == pytest.approx(1 / (3 * 40))


def test_a_role_calendar_cannot_move_time_zero(load_yaml: Load) -> None:
    from sim.errors import ScenarioError

    with pytest.raises(ScenarioError, match=r"roles\.desk\.calendar\.start_date='2027-02-01': a role's calendar"):
        load_yaml(HEAD + OFFICE + """
sources: [{name: s, rate: 1/h, enters: a}]
roles:
  desk: {headcount: 1, calendar: {start_date: 2027-02-01}}
stages:
  - {id: a, role: desk, work: {dist: fixed, value: 1h}, outcomes: {won: 1}}
""")
