"""Fitting times: the right family and its parameters back, or the data's quantiles when none fits."""

from __future__ import annotations

import numpy as np
import pytest

from calibrate.fit import QUANTILES, fit_times, hours_text
from sim.units import parse_duration, parse_effort


@pytest.mark.parametrize(("dist", "draw", "mean", "cv"), [
    ("gamma", lambda r: r.gamma(4.0, 6.0, 4000), 24.0, 0.5),
    ("lognormal", lambda r: r.lognormal(np.log(100) - 0.5 * np.log(1 + 0.8**2), np.sqrt(np.log(1 + 0.8**2)), 4000),
     100.0, 0.8),
    ("exponential", lambda r: r.exponential(10.0, 4000), 10.0, 1.0),
])
def test_a_family_is_recognised_with_its_parameters(dist: str, draw: object, mean: float, cv: float) -> None:
    x = draw(np.random.default_rng(11))  # type: ignore[operator]
    f = fit_times(x)
    assert f.dist == dist
    assert f.mean == pytest.approx(mean, rel=0.05)
    if dist != "exponential":
        assert f.cv == pytest.approx(cv, rel=0.08)
    assert f.ks is not None
    assert f.ks <= 0.05


def test_two_humps_keep_the_data_quantiles() -> None:
    """Declined within minutes or after a week: no single family fits, the quantiles do."""
    r = np.random.default_rng(2)
    x = np.concatenate([r.exponential(0.1, 2000), r.normal(168, 10, 2000).clip(1)])
    f = fit_times(x)
    assert f.dist == "empirical"
    assert len(f.values) == QUANTILES
    assert f.values[10] < 1 < 100 < f.values[40]
    assert "KS distance" in f.note


def test_few_values_are_kept_as_they_are() -> None:
    f = fit_times(np.array([1.0, 2.0, 3.0]))
    assert f.dist == "empirical"
    assert f.n == 3


@pytest.mark.parametrize("h", [0.001, 0.5, 3.0, 47.9, 300.0, 5000.0])
def test_durations_are_written_in_units_the_scenario_reads(h: float) -> None:
    assert parse_duration(hours_text(h)) == pytest.approx(h, rel=1e-3)
    if h < 2000:
        assert parse_effort(hours_text(h, "h")) == pytest.approx(h, rel=1e-3)


def test_identical_and_few_distinct_times_do_not_break_the_fit() -> None:
    """A date-only export gives whole days, many equal: the gamma fit has no root to find there."""
    same = fit_times(np.full(200, 48.0))
    assert same.dist == "empirical"
    assert same.values == (48.0,)
    lumpy = fit_times(np.array([48.0, 72.0, 120.0] * 100))
    assert lumpy.n == 300
    assert lumpy.mean == pytest.approx(80.0, rel=0.05)
