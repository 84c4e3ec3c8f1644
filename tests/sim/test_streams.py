"""Random streams: distinct keys give distinct streams over the whole 64-bit range, and the reused,
re-keyed generator gives exactly what a fresh one gives."""

from __future__ import annotations

from typing import Any, cast

import numpy as np
import pytest
from pydantic import TypeAdapter

from sim.distributions import EffortDist
from sim.streams import CustomerSampler, KeyedSampler, Streams, _draw, _philox, lead_keys, philox_key

TOP = 2**64 - 1
# words where a float64 cannot tell neighbours apart (>= 2**53), around 2**63 where numpy's list
# conversion used to switch to float64, and at both ends of the range
WORDS = [0, 1, 2**32, 2**53 - 1, 2**53 + 7, 2**63 - 2, 2**63 - 1, 2**63, 2**63 + 12345, 2**64 - 2, TOP]


def _first(layer: int, block: int) -> tuple[float, ...]:
    rng = np.random.Generator(np.random.Philox(key=philox_key(layer, block)))
    return tuple(rng.random(4).tolist())


def test_neighbouring_keys_over_the_whole_range_give_distinct_streams() -> None:
    seen: dict[tuple[float, ...], tuple[int, int]] = {}
    for w in WORDS:
        for layer, block in [(w, 1), (min(w + 1, TOP), 1), (5, w), (5, min(w + 1, TOP)), (w, w)]:
            draws = _first(layer, block)
            assert seen.setdefault(draws, (layer, block)) == (layer, block), f"{(layer, block)} repeats {seen[draws]}"


def test_hashed_keys_give_distinct_streams() -> None:
    """Many hashed layers (half of them >= 2**63) with consecutive blocks: no two streams alike."""
    rng = np.random.default_rng(11)
    layers = rng.integers(0, 2**64, size=300, dtype=np.uint64, endpoint=False).tolist()
    assert sum(x >= 2**63 for x in layers) > 100
    firsts = {_first(layer, b) for layer in layers for b in range(4)}
    assert len(firsts) == 4 * len(layers)


def test_the_old_list_key_collided_and_the_uint64_key_does_not() -> None:
    """The defect this guards against: a Python list key >= 2**63 went through float64."""
    k = 2**63 + 12345
    old = [np.random.Generator(np.random.Philox(key=[x, 1])).random(3).tolist() for x in (k, k + 1)]
    assert old[0] == old[1]  # numpy's behaviour that made neighbouring leads share draws
    assert _first(k, 1) != _first(k + 1, 1)


SPECS = [
    {"dist": "exponential", "mean": "2h"},
    {"dist": "lognormal", "mean": "30m", "cv": 0.5},
    {"dist": "gamma", "mean": "1h", "cv": 0.8},
    {"dist": "triangular", "min": "10m", "mode": "20m", "max": "60m"},
    {"dist": "uniform", "min": "1h", "max": "3h"},
    {"dist": "empirical", "values": ["1h", "2h", "6h"]},
]


@pytest.mark.parametrize("spec", SPECS)
def test_rekeyed_generator_equals_a_fresh_one(spec: dict[str, object]) -> None:
    draw = _draw(TypeAdapter[Any](cast(Any, EffortDist)).validate_python(spec))
    rng, rekey = _philox()
    for layer, block in [(3, 0), (2**63 + 5, 2**40), (TOP, TOP), (3, 0)]:
        rekey(layer, block)
        reused = draw(rng, 256)
        fresh = draw(np.random.Generator(np.random.Philox(key=philox_key(layer, block))), 256)
        assert reused.tobytes() == fresh.tobytes()


def test_neighbouring_customers_and_leads_draw_differently() -> None:
    """The symptom in the baseline: groups of neighbouring customers drew identical outcomes."""
    streams = Streams(2027, 0)
    for purpose in ("outcome:onboarding", "work:check_in:Call", "wait:demo", "outcome:qualification"):
        cust = streams.by_customer_uniform(purpose)
        assert isinstance(cust, CustomerSampler)
        base = lead_keys("initial customers")
        firsts = [cust(base | k, 0) for k in range(64)]
        assert len(set(firsts)) == 64, purpose
        lead = streams.keyed_uniform(purpose)
        assert isinstance(lead, KeyedSampler)
        src = lead_keys("web")
        assert len({lead(src | k, n) for k in range(600) for n in range(3)}) == 1800, purpose
