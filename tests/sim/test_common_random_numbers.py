"""Common random numbers by lead: the same lead draws the same numbers in every scenario."""

from __future__ import annotations

from collections.abc import Callable

from sim.engine import Replication
from sim.lead import EventRow
from sim.schema import Scenario
from sim.streams import Streams

PIPELINE = """
schema_version: 1
name: crn
horizon: 20w
warmup: 2w
seed: 11
calendar: always
sources:
  - {name: web, rate: 30/week, enters: qualify}
roles:
  rep: {headcount: HEADS}
  closer: {headcount: 1}
stages:
  - id: qualify
    role: rep
    work: {dist: gamma, mean: 3h, cv: 0.7}
    outcomes: {close: 0.4, nurture: 0.2, lost: 0.4}
  - id: nurture
    role: rep
    work: {dist: exponential, mean: 30m}
    wait: {dist: exponential, mean: 1w}
    outcomes: {qualify: 0.5, lost: 0.5}
  - id: close
    role: closer
    work: {dist: lognormal, mean: 2h, cv: 0.5}
    outcomes: {won: 0.5, lost: 0.5}
"""


def test_a_keyed_draw_does_not_depend_on_who_asks_first() -> None:
    a = Streams(3, 1).keyed_uniform("outcome:x")
    b = Streams(3, 1).keyed_uniform("outcome:x")
    forward = [a(k, n) for n in range(3) for k in range(0, 5000, 7)]
    backward = [b(k, n) for n in reversed(range(3)) for k in reversed(range(0, 5000, 7))]
    assert forward == list(reversed(backward))
    assert len(set(forward)) == len(forward)
    assert Streams(3, 2).keyed_uniform("outcome:x")(0, 0) != a(0, 0)  # another replication, other numbers
    assert Streams(3, 1).keyed_uniform("outcome:y")(0, 0) != a(0, 0)  # another purpose, other numbers


def _paths(load_yaml: Callable[[str], Scenario], heads: int) -> dict[str, list[str]]:
    rows: list[EventRow] = []
    Replication(load_yaml(PIPELINE.replace("HEADS", str(heads))), 0, log=rows.append).run()
    paths: dict[str, list[str]] = {}
    for _, case, activity, stage, lifecycle, *_ in rows:
        if lifecycle == "complete" and (stage or activity in ("won", "lost")):
            paths.setdefault(case, []).append(stage or activity)
    return paths


def test_each_lead_takes_the_same_path_whatever_the_team(load_yaml: Callable[[str], Scenario]) -> None:
    """One rep or four: queues differ completely, but a lead's outcomes are its own draws, so every lead
    that finished in both runs went the same way (with draws by order of asking, about half would not)."""
    slow, fast = _paths(load_yaml, 1), _paths(load_yaml, 4)
    both = [c for c in slow if c in fast and slow[c][-1] in ("won", "lost") and fast[c][-1] in ("won", "lost")]
    assert len(both) > 300
    assert all(slow[c] == fast[c] for c in both)


def test_a_customers_draws_do_not_depend_on_who_asks_first() -> None:
    """Check-ins: one block holds 16 visits of one customer; asked in any order, the same numbers."""
    a = Streams(3, 1).by_customer_uniform("outcome:check_in")
    b = Streams(3, 1).by_customer_uniform("outcome:check_in")
    keys = [7, 1 << 33, (5 << 32) | 12]
    forward = [a(k, n) for k in keys for n in range(40)]
    backward = [b(k, n) for k in reversed(keys) for n in reversed(range(40))]
    assert forward == list(reversed(backward))
    assert len(set(forward)) == len(forward)
