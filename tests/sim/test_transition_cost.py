"""The cost of a transition, week by week against the base, and the weekly figures of a changing team;
as `compare`, the terminal and the report show them."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from salesmap.cli import main
from sim.compare import comparison
from sim.runner import simulate
from sim.transition import transition_cost, transition_words
from tests.cli.test_run import SMALL
from tests.conftest import Load, Write
from tests.sim.test_transitions import OWNED, SATURATED


def _reps(series: list[list[float]]) -> list[Any]:
    """Stand-ins for replication results: weekly wins only."""
    return [SimpleNamespace(timeline=SimpleNamespace(starts=[168.0 * i for i in range(len(s))], won=s,
                                                     revenue=[1000 * x for x in s])) for s in series]


def test_the_dip_and_the_break_even_of_a_known_running_total() -> None:
    """Differences 0,-2,-2,-1,+1,+2,+2,0.. run to 0,-2,-4,-5,-4,-2,0: the cost is -5 in week 4, the team is as
    good from week 5, and breaks even in week 7; two replications differ by ±0.5 from week 2 to week 8, so every
    replication is surely back at 0 only in week 9."""
    base = _reps([[2.0] * 10] * 3)
    diffs = [0, -2, -2, -1, 1, 2, 2, 0, 0, 0]
    noise = {(0, 1): 0.5, (1, 1): -0.5, (0, 8): -0.5, (1, 8): 0.5}
    other = _reps([[2.0 + d + noise.get((r, i), 0.0) for i, d in enumerate(diffs)] for r in range(3)])
    t = transition_cost(base, other, warmup=0.0)
    assert t.cost is not None
    assert t.cost.mean == pytest.approx(-5.0)
    assert t.cost.high is not None
    assert t.cost.high < 0
    assert t.dip_day == 21.0
    assert t.recovers_day == 28.0
    assert t.break_even_day == 42.0
    assert t.break_even_range == (42.0, 56.0)
    words = transition_words(t.json(), "wins")
    assert "-5.0 wins" in words
    assert "week 4" in words
    assert "breaks even in week 7" in words
    revenue = transition_cost(base, other, warmup=0.0, measure="revenue")
    assert revenue.cost is not None
    assert revenue.cost.mean == pytest.approx(-5000.0)


def test_no_cost_when_the_what_if_is_never_behind() -> None:
    t = transition_cost(_reps([[1.0, 1.0, 1.0]] * 2), _reps([[1.0, 2.0, 1.0]] * 2), warmup=0.0)
    assert t.cost is None
    assert "never behind" in transition_words(t.json(), "wins")


def test_the_weeks_must_pair() -> None:
    with pytest.raises(ValueError, match="cannot be paired"):
        transition_cost(_reps([[1.0] * 3] * 2), _reps([[1.0] * 4] * 2), warmup=0.0)


def test_a_departure_costs_wins_and_nothing_before_it(load_yaml: Load) -> None:
    """An owner leaving in week 10 of 30 (nobody replaces them): before week 10 the running total is exactly 0
    in every replication; after it the what-if falls behind, significantly."""
    base = load_yaml(OWNED.replace("changes:\n  - {at: 10w, leaves: p2, TO}\n", "").replace("replications: 1",
                                                                                             "replications: 6"))
    leaves = load_yaml(OWNED.replace(", TO", "").replace("replications: 1", "replications: 6"))
    comp = comparison({"base": simulate(base, workers=2), "leaves": simulate(leaves, workers=2)}, "base")
    won = comp["transitions"]["leaves"]["won"]
    weeks = won["start_day"]
    before = [k for k, d in enumerate(weeks) if d < 70]
    assert all(won["cumulative"]["mean"][k] == 0 and won["cumulative"]["high"][k] == 0 for k in before)
    assert won["cost"]["ci95"][1] < 0
    assert won["dip_day"] >= 70


def test_the_weekly_capacity_follows_joins_and_ramps(load_yaml: Load) -> None:
    """Ana all along, Ben from week 10 ramping 0.25..1: the rep role's FTE week by week, exactly."""
    sc = load_yaml(SATURATED.format(extra=""))
    weekly = simulate(sc, workers=1).summary.weekly
    assert weekly is not None
    assert list(weekly.fte["rep"].mean) == pytest.approx([1.0] * 10 + [1.25, 1.5, 1.75] + [2.0] * 7)
    assert weekly.changes == ((70.0, "Ben joins"),)
    assert json.dumps(weekly.json())  # no NaN in the JSON form


def test_compare_prints_and_reports_the_transition(write_yaml: Write, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """The terminal says the cost and the break-even; the report draws the running total with the change
    marked, and the run report a timeline; a note from the file is escaped."""
    base = write_yaml(SMALL.replace("horizon: 6w", "horizon: 16w"), "base.yaml")
    leaves = write_yaml("extends: base.yaml\nname: rep-leaves\nchanges:\n  - {at: 6w, leaves: rep-1, "
                        "note: '<script>x</script> leaves'}\n", "leaves.yaml")
    out = tmp_path / "cmp"
    assert main(["compare", str(base), str(leaves), "--out", str(out), "--replications", "4", "--report"]) == 0
    text = capsys.readouterr().out
    assert "The transition" in text
    assert "Wins:" in text
    page = (out / "report.html").read_text(encoding="utf-8")
    assert 'data-chart="transition"' in page
    assert "<script" not in page
    run = tmp_path / "run"
    assert main(["run", str(leaves), "--out", str(run), "--replications", "3", "--report", "--no-events"]) == 0
    page = (run / "report.html").read_text(encoding="utf-8")
    assert 'data-chart="timeline"' in page
    assert "<script" not in page
    assert "&lt;script&gt;x&lt;/script&gt; leaves" in page
