"""Outcome shares with censoring: the Aalen–Johansen estimator against the truth and the naive ratio."""

from __future__ import annotations

import numpy as np
import pytest

from calibrate.outcomes import cumulative_incidence, outcome_shares


def test_without_censoring_it_is_the_plain_share() -> None:
    times = np.array([1.0, 2, 3, 4, 5, 6])
    kinds = np.array([0, 1, 0, 0, 1, 0])
    f = cumulative_incidence(times, kinds, 2)
    assert f[:2] == pytest.approx([4 / 6, 2 / 6])
    assert f[2] == pytest.approx(0.0)


def test_censoring_does_not_bias_the_shares_where_the_naive_ratio_does() -> None:
    """40% won after 1 to 3 weeks, 60% lost within days; each deal observed for 0 to 3 weeks. Counting
    closed deals only over-weights the quick outcome."""
    rng = np.random.default_rng(7)
    n = 20_000
    won = rng.uniform(size=n) < 0.4
    t = np.where(won, rng.uniform(1, 3, n), rng.exponential(0.2, n))
    seen = rng.uniform(0, 3, n)
    censored = seen < t
    times = np.where(censored, seen, t)
    kinds = np.where(censored, -1, np.where(won, 0, 1))
    est, low, high = outcome_shares(times, kinds, 2, seed=1)
    assert low[0] <= 0.4 <= high[0]
    assert est[0] == pytest.approx(0.4, abs=0.02)
    closed = kinds >= 0
    naive = float(np.mean(kinds[closed] == 0))
    assert naive < 0.3  # the bias the estimator removes


def test_deals_that_never_leave_are_the_residual() -> None:
    """30% never close (observed a long time, still open): the residual after the last exit."""
    rng = np.random.default_rng(3)
    n = 5000
    never = rng.uniform(size=n) < 0.3
    t = rng.exponential(1.0, n)
    kinds = np.where(never, -1, rng.integers(0, 2, n))
    times = np.where(never, 50.0, t)
    est, low, high = outcome_shares(times, kinds, 2, seed=1)
    assert est[2] == pytest.approx(0.3, abs=0.02)
    assert low[2] <= 0.3 <= high[2]
    assert est.sum() == pytest.approx(1.0)


def test_the_interval_is_reproducible() -> None:
    times = np.arange(100.0)
    kinds = np.arange(100) % 3 - 1
    a = outcome_shares(times, kinds, 2, seed=5)
    b = outcome_shares(times, kinds, 2, seed=5)
    for x, y in zip(a, b, strict=True):
        assert np.array_equal(x, y)
