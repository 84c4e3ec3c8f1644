"""`python -m sim.bench` measures; it asserts no speed (machines are noisy). These check that its
measures run and report what they say, on small sizes."""

from __future__ import annotations

from pathlib import Path

from sim.bench import against, event_log_row, start_up, team_sizes

ROOT = Path(__file__).resolve().parents[2]


def test_start_up_times_both_commands() -> None:
    out = start_up(1)
    assert set(out) == {"salesmap --help", "salesmap validate scenarios/baseline.yaml"}
    assert all(0 < v < 60 for v in out.values())


def test_team_sizes_are_per_stage_visit() -> None:
    out = team_sizes(1, sizes=(15, 30), visits=3_000)
    assert set(out) == {15, 30}
    assert all(0.5 < v < 500 for v in out.values())  # microseconds per visit


def test_the_same_code_against_itself() -> None:
    """A checkout against itself: both sides run the same replication, and the ratio is about one."""
    out = against(ROOT, 1)
    assert out["ours_s"] > 0
    assert out["theirs_s"] > 0
    assert 0.2 < out["ratio"] < 5


def test_event_log_rows() -> None:
    out = event_log_row(1, rows=2_000)
    assert out["us_per_row"] > 0
    assert out["us_per_row_then"] > 0
