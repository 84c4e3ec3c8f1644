"""Independent random streams, one per source of randomness, for common random numbers.

Every stream is a numpy Generator seeded from the scenario seed, the replication number and a
stable hash of the stream's purpose ("arrivals:web", "work:demo:Present"). Adding a stage or a
person therefore never shifts another stream: two scenarios run with the same seed see the same
arrivals, so their differences can be paired replication by replication.

Samplers draw in blocks (vectorised numpy) and hand values out one at a time; the sequence a
sampler returns depends only on its own stream.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterator

import numpy as np

from sim.distributions import Empirical, Exponential, Fixed, Gamma, Lognormal, Triangular, Uniform

__all__ = ["Sampler", "Streams"]

BLOCK = 512

Sampler = Callable[[], float]


def _purpose_key(purpose: str) -> int:
    return int.from_bytes(hashlib.blake2b(purpose.encode(), digest_size=8).digest(), "little")


class Streams:
    """The random streams of one replication."""

    def __init__(self, seed: int, replication: int) -> None:
        self.seed = seed
        self.replication = replication

    def generator(self, purpose: str) -> np.random.Generator:
        seq = np.random.SeedSequence(self.seed, spawn_key=(self.replication, _purpose_key(purpose)))
        return np.random.Generator(np.random.PCG64(seq))

    def uniform(self, purpose: str) -> Sampler:
        """Uniform(0, 1) draws."""
        rng = self.generator(purpose)
        return _blocked(lambda: rng.random(BLOCK))

    def exponential(self, purpose: str) -> Sampler:
        """Exponential draws with mean 1 (scale them)."""
        rng = self.generator(purpose)
        return _blocked(lambda: rng.standard_exponential(BLOCK))

    def sampler(self, dist: object, purpose: str) -> Sampler:
        """Draws from a scenario distribution (values in its quantity's unit: hours for times)."""
        if isinstance(dist, Fixed):
            value = float(dist.value)
            return lambda: value
        rng = self.generator(purpose)
        if isinstance(dist, Exponential):
            mean = float(dist.mean)
            return _blocked(lambda: rng.standard_exponential(BLOCK) * mean)
        if isinstance(dist, Lognormal):
            sigma = math.sqrt(math.log1p(dist.cv**2))
            mu = math.log(float(dist.mean)) - sigma**2 / 2
            return _blocked(lambda: rng.lognormal(mu, sigma, BLOCK))
        if isinstance(dist, Gamma):
            shape = 1 / dist.cv**2
            scale = float(dist.mean) / shape
            return _blocked(lambda: rng.gamma(shape, scale, BLOCK))
        if isinstance(dist, Triangular):
            lo, mode, hi = float(dist.min), float(dist.mode), float(dist.max)
            return _blocked(lambda: rng.triangular(lo, mode, hi, BLOCK))
        if isinstance(dist, Uniform):
            lo, hi = float(dist.min), float(dist.max)
            return _blocked(lambda: rng.uniform(lo, hi, BLOCK))
        if isinstance(dist, Empirical):
            values = np.array([float(v) for v in dist.values])
            return _blocked(lambda: rng.choice(values, BLOCK))
        raise TypeError(f"not a distribution: {dist!r}")


def _blocked(draw_block: Callable[[], np.ndarray]) -> Sampler:
    """Serve one float at a time from blocks of vectorised draws."""
    it: Iterator[float] = iter(())

    def next_value() -> float:
        nonlocal it
        try:
            return next(it)
        except StopIteration:
            it = iter(draw_block().tolist())
            return next(it)

    return next_value
