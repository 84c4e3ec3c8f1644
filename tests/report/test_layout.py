"""The map's layout is computed from the scenario: flow order, loops, lanes."""

from __future__ import annotations

from salesmap.report.layout import WON, layout
from sim.scenario import load_scenario
from tests.conftest import SCENARIOS


def test_baseline_columns_follow_the_flow_and_loops_are_loops() -> None:
    sc = load_scenario(SCENARIOS / "baseline.yaml")
    lay = layout(sc)
    order = ["prospecting", "qualification", "discovery", "demo", "proposal", "negotiation", "close"]
    cols = [lay.column[s] for s in order]
    assert cols == sorted(cols)
    assert len(set(cols)) == len(cols)
    kinds = {(e.source, e.target): e.kind for e in lay.edges}
    assert kinds[("nurture", "qualification")] == "loop"
    assert kinds[("close", "won")] == "won"
    assert kinds[(WON, "onboarding")] == "customer"
    assert lay.column["onboarding"] > lay.column[WON] > lay.column["close"]
    assert lay.lane_span["demo"] == (1, 2)  # reps prepare, closers present: the box spans both lanes
    assert set(lay.lost) >= {"prospecting", "qualification", "close"}


def test_every_shipped_scenario_lays_out_without_overlaps() -> None:
    for path in SCENARIOS.glob("*.yaml"):
        sc = load_scenario(path)
        lay = layout(sc)
        for e in lay.edges:
            if e.kind == "forward":
                assert lay.column[e.target] > lay.column[e.source], (path.name, e)
        seen: dict[int, list[tuple[int, int]]] = {}
        for sid, col in lay.column.items():
            a, b = lay.lane_span[sid]
            for c, d in seen.get(col, []):
                assert b < c or d < a, (path.name, sid)
            seen.setdefault(col, []).append((a, b))


def test_the_loop_of_the_jackson_file() -> None:
    lay = layout(load_scenario(SCENARIOS / "three-stage-loop.yaml"))
    assert {(e.source, e.target) for e in lay.edges if e.kind == "loop"} == {("discover", "qualify")}
    assert lay.column["qualify"] < lay.column["discover"] < lay.column["close"]


def test_lanes_come_from_who_is_actually_responsible() -> None:
    lay = layout(load_scenario(SCENARIOS / "one-rep-five-stages.yaml"))
    # Dana (rep) covers discovery, a closer stage: its box spans the rep and closer lanes
    assert lay.lane_span["discovery"] == (1, 2)
