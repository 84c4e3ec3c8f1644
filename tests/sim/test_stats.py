"""Confidence intervals and paired differences."""

from __future__ import annotations

import pytest

from sim.stats import Delta, Stat, Verdict, paired_delta, stat


def test_stat_t_interval() -> None:
    s = stat([1.0, 2.0, 3.0, 4.0])
    assert s.mean == 2.5
    # t(0.975, 3) = 3.182446; s = 1.290994; half-width = 3.182446 * 1.290994 / 2
    assert s.ci95 == pytest.approx((2.5 - 2.054260, 2.5 + 2.054260), abs=1e-5)


def test_stat_with_nothing_measured_and_one_replication() -> None:
    assert stat([None, None]) == Stat(None, (None, None), 0)
    assert stat([3.0]).json() == {"mean": 3.0, "ci95": [None, None], "n": 1}


def test_bounds_clip_the_interval() -> None:
    s = stat([0.98, 1.0, 0.99, 1.0], bounds=(0, 1))
    assert s.high == 1.0


def test_paired_delta_of_identical_runs_is_exactly_zero() -> None:
    d = paired_delta([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    assert d.mean == 0
    assert d.ci95 == (0.0, 0.0)
    assert not d.significant
    assert d.pct == 0
    assert d.verdict is Verdict.SAME


def test_paired_delta_uses_pairs() -> None:
    # noisy levels, constant improvement: pairing sees it clearly
    d = paired_delta([10.0, 20.0, 30.0, 40.0], [9.0, 19.1, 28.9, 39.0])
    assert d.mean == pytest.approx(-1.0)
    assert d.significant
    assert d.pct == pytest.approx(-4.0)
    assert paired_delta([10.0, 20.0, 30.0, 40.0], [9.0, 19.1, 28.9, 39.0], better=-1).verdict is Verdict.BETTER
    assert paired_delta([10.0, 20.0, 30.0, 40.0], [9.0, 19.1, 28.9, 39.0], better=+1).verdict is Verdict.WORSE
    assert d.verdict is Verdict.CHANGED


def test_typed_results_serialise_to_the_documented_json() -> None:
    """The typed values write exactly the keys summary.json and comparison.json always had."""
    d = paired_delta([1.0, 2.0, 3.0], [2.0, 3.1, 3.9], better=+1)
    assert list(d.json()) == ["mean", "ci95", "n", "pct", "significant", "verdict"]
    assert d.json()["verdict"] == "better"
    assert isinstance(d, Delta)
    assert list(Stat(1.0, (0.5, 1.5), 3, p50=1.0, p90=2.0).json()) == ["mean", "ci95", "n", "p50", "p90"]
