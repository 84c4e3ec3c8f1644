"""Sampled mean and spread against the exact values, for every distribution (as Ciw does)."""

from __future__ import annotations

import math
from typing import Any, cast

import numpy as np
import pytest
from pydantic import TypeAdapter

from sim.distributions import EffortDist, mean_of
from sim.streams import Streams

SPECS = [
    ({"dist": "exponential", "mean": "2h"}, 2.0, 2.0),
    ({"dist": "lognormal", "mean": "30m", "cv": 0.5}, 0.5, 0.25),
    ({"dist": "gamma", "mean": "1h", "cv": 0.8}, 1.0, 0.8),
    ({"dist": "triangular", "min": "10m", "mode": "20m", "max": "60m"}, 0.5, None),
    ({"dist": "uniform", "min": "1h", "max": "3h"}, 2.0, 2 / math.sqrt(12)),
    ({"dist": "fixed", "value": "90m"}, 1.5, 0.0),
    ({"dist": "empirical", "values": ["1h", "2h", "6h"]}, 3.0, math.sqrt(14 / 3)),
]


@pytest.mark.parametrize(("spec", "mean", "sd"), SPECS)
def test_sampled_mean_and_sd(spec: dict[str, object], mean: float, sd: float | None) -> None:
    dist = TypeAdapter[Any](cast(Any, EffortDist)).validate_python(spec)
    assert mean_of(dist) == pytest.approx(mean)
    draw = Streams(1, 0).sampler(dist, "x")
    xs = np.array([draw() for _ in range(100_000)])
    assert xs.min() >= 0
    # 5 standard errors: a correct sampler fails this about once in 3 million seeds
    se = xs.std() / math.sqrt(len(xs))
    assert abs(xs.mean() - mean) <= 5 * se + 1e-12
    if sd is not None:
        assert xs.std() == pytest.approx(sd, rel=0.02, abs=1e-12)


def test_streams_are_independent_and_reproducible() -> None:
    a = Streams(7, 0).uniform("work:a")
    b = Streams(7, 0).uniform("work:a")
    c = Streams(7, 0).uniform("work:b")
    d = Streams(7, 1).uniform("work:a")
    xa = [a() for _ in range(1000)]
    assert xa == [b() for _ in range(1000)]
    assert xa != [c() for _ in range(1000)]
    assert xa != [d() for _ in range(1000)]
