"""Independent random streams, one per source of randomness, for common random numbers.

Every stream is a numpy Generator seeded from the scenario seed, the replication number and a
stable hash of the stream's purpose ("arrivals:web", "work:demo:Present"). Adding a stage or a
person therefore never shifts another stream: two scenarios run with the same seed see the same
arrivals, so their differences can be paired replication by replication.

Samplers draw in blocks (vectorised numpy) and hand values out one at a time; the sequence a
sampler returns depends only on its own stream.

Keyed samplers go further: the n-th draw for lead k (`draw(k, n)`) depends only on the seed, the
replication, the purpose, k and n, never on the order in which leads ask. Under a changed team the
same lead gets the same work, wait and outcome draws for its n-th visit of a stage, so paired
differences between scenarios measure the change, not a reshuffle of which lead drew what. Values
come in blocks of 256 leads from a Philox generator keyed by (purpose, n, block); a bounded cache of
blocks keeps memory flat. Customer stages (check-ins for years) use blocks of 16 visits of one
customer instead.
"""

from __future__ import annotations

import hashlib
import math
from array import array
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from sim.distributions import Empirical, Exponential, Fixed, Gamma, Lognormal, Triangular, Uniform

__all__ = ["CustomerSampler", "DealDraws", "KeyedSampler", "Sampler", "Streams", "lead_keys", "philox_key"]

BLOCK = 512
KEYED_BLOCK = 256
KEYED_SHIFT = 8
KEYED_CACHE = 24
"""Blocks kept per keyed sampler (256 leads each): leads far apart in arrival order regenerate theirs."""

CUSTOMER_BLOCK = 16
CUSTOMER_SHIFT = 4
CUSTOMER_CACHE = 2048
"""Customers' blocks kept per sampler (128 bytes of values each): about the active customer base."""

Sampler = Callable[[], float]
_MASK64 = 0xFFFFFFFFFFFFFFFF
Draw = Callable[[np.random.Generator, int], np.ndarray]


def _purpose_key(purpose: str) -> int:
    return int.from_bytes(hashlib.blake2b(purpose.encode(), digest_size=8).digest(), "little")


def lead_keys(origin: str) -> int:
    """The high bits of the keys of the leads from one origin (a source, a batch, the initial customers):
    lead k of it has key `lead_keys(origin) | k`, whatever else the scenario holds."""
    return (_purpose_key(origin) & 0xFFFFFF) << 32


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
        draw = _draw(dist)
        return _blocked(lambda: draw(rng, BLOCK))

    def keyed(self, dist: object, purpose: str) -> KeyedSampler:
        """Draws from a scenario distribution by (lead key, visit number): see the module's docstring."""
        return KeyedSampler(_draw(dist), self.seed, self.replication, purpose)

    def keyed_uniform(self, purpose: str) -> KeyedSampler:
        return KeyedSampler(lambda rng, n: rng.random(n), self.seed, self.replication, purpose)

    def keyed_exponential(self, purpose: str) -> KeyedSampler:
        """Exponential draws with mean 1, keyed (scale them)."""
        return KeyedSampler(lambda rng, n: rng.standard_exponential(n), self.seed, self.replication, purpose)

    def deal(self, dist: object | None, purpose: str) -> DealDraws:
        """Many draws at once for one key (None: uniform(0, 1) draws)."""
        draw: Draw = (lambda rng, n: rng.random(n)) if dist is None else _draw(dist)
        return DealDraws(draw, self.seed, self.replication, purpose)

    def by_customer(self, dist: object, purpose: str) -> CustomerSampler:
        """Like `keyed`, for stages a customer visits for years (check-ins): blocks run over visits."""
        return CustomerSampler(_draw(dist), self.seed, self.replication, purpose)

    def by_customer_uniform(self, purpose: str) -> CustomerSampler:
        return CustomerSampler(lambda rng, n: rng.random(n), self.seed, self.replication, purpose)


class _Blocks:
    """Values from Philox generators keyed by (purpose, layer, block id), made in blocks and kept in a
    bounded cache (oldest out): a block can be made again, with the same values, whenever it is needed."""

    __slots__ = ("_blocks", "_draw", "_layers", "_rekey", "_rng", "_spawn")
    SIZE = 0
    CACHE = 0

    def __init__(self, draw: Draw, seed: int, replication: int, purpose: str) -> None:
        self._draw = draw
        self._spawn = (seed, replication, _purpose_key(purpose))
        self._layers: dict[int, int] = {}
        self._blocks: dict[tuple[int, int], array[float]] = {}
        self._rng, self._rekey = _philox()

    def _fill(self, layer_id: int, block_id: int) -> array[float]:
        layer = self._layers.get(layer_id)
        if layer is None:
            seed, rep, purpose = self._spawn
            seq = np.random.SeedSequence(seed, spawn_key=(rep, purpose, layer_id))
            layer = self._layers[layer_id] = int(seq.generate_state(1, np.uint64)[0])
        self._rekey(layer, block_id)
        values = array("d", self._draw(self._rng, self.SIZE).tobytes())  # 8 bytes a value
        if len(self._blocks) >= self.CACHE:
            del self._blocks[next(iter(self._blocks))]  # the oldest
        self._blocks[layer_id, block_id] = values
        return values


class KeyedSampler(_Blocks):
    """The n-th draw for lead `key`, the same whoever asks first: blocks of 256 leads per visit number."""

    __slots__ = ()
    SIZE, CACHE = KEYED_BLOCK, KEYED_CACHE

    def __call__(self, key: int, n: int) -> float:
        block = self._blocks.get((n, key >> KEYED_SHIFT)) or self._fill(n, key >> KEYED_SHIFT)
        return block[key & (KEYED_BLOCK - 1)]


class DealDraws:
    """`n` draws at once for one key: the tries of an open deal's remaining time (`sim.engine.StageRun.resume`),
    the same whoever asks first and apart from every other stream."""

    __slots__ = ("_draw", "_layer", "_rekey", "_rng")

    def __init__(self, draw: Draw, seed: int, replication: int, purpose: str) -> None:
        seq = np.random.SeedSequence(seed, spawn_key=(replication, _purpose_key(f"deal:{purpose}"), 0))
        self._layer = int(seq.generate_state(1, np.uint64)[0])
        self._draw = draw
        self._rng, self._rekey = _philox()

    def __call__(self, key: int, n: int) -> np.ndarray:
        self._rekey(self._layer, key)
        return np.asarray(self._draw(self._rng, n), dtype=float)


class CustomerSampler(_Blocks):
    """The n-th draw for customer `key`, the same whoever asks first; one block holds 16 visits of one
    customer (check-ins of one customer come months apart, so blocks over leads would not be reused)."""

    __slots__ = ()
    SIZE, CACHE = CUSTOMER_BLOCK, CUSTOMER_CACHE

    def __init__(self, draw: Draw, seed: int, replication: int, purpose: str) -> None:
        super().__init__(draw, seed, replication, f"by customer:{purpose}")

    def __call__(self, key: int, n: int) -> float:
        block = self._blocks.get((n >> CUSTOMER_SHIFT, key)) or self._fill(n >> CUSTOMER_SHIFT, key)
        return block[n & (CUSTOMER_BLOCK - 1)]


def philox_key(layer: int, block_id: int) -> np.ndarray:
    """The 128-bit Philox key (layer, block id) as two uint64 words.

    Built as a uint64 array on purpose: from a Python list, numpy turns a word >= 2**63 into float64,
    and neighbouring keys then round to the same key (identical streams for different leads)."""
    return np.array([layer & _MASK64, block_id & _MASK64], dtype=np.uint64)


def _philox() -> tuple[np.random.Generator, Callable[[int, int], None]]:
    """One Philox generator and a function that re-keys it in place, as if made anew with that key.

    Making a new Philox for every block cost about two thirds of a block's time; setting the key,
    a zero counter and an empty buffer gives the same values, byte for byte (tested)."""
    bits = np.random.Philox(key=philox_key(0, 0))
    rng = np.random.Generator(bits)
    state: dict[str, Any] = dict(bits.state)
    inner = state["state"]
    key = inner["key"] = philox_key(0, 0)
    inner["counter"] = state["buffer"] = np.zeros(4, dtype=np.uint64)  # the setter copies the values

    def rekey(layer: int, block_id: int) -> None:
        key[0] = layer & _MASK64  # element by element: a Python int goes into a uint64 word exactly
        key[1] = block_id & _MASK64
        state["buffer_pos"], state["has_uint32"], state["uinteger"] = 4, 0, 0
        bits.state = state  # type: ignore[assignment]

    return rng, rekey


def _draw(dist: object) -> Draw:
    """The vectorised numpy draw of a scenario distribution: (generator, count) -> values."""
    if isinstance(dist, Fixed):
        value = float(dist.value)
        return lambda rng, n: np.full(n, value)
    if isinstance(dist, Exponential):
        mean = float(dist.mean)
        return lambda rng, n: rng.standard_exponential(n) * mean
    if isinstance(dist, Lognormal):
        sigma = math.sqrt(math.log1p(dist.cv**2))
        mu = math.log(float(dist.mean)) - sigma**2 / 2
        return lambda rng, n: rng.lognormal(mu, sigma, n)
    if isinstance(dist, Gamma):
        shape = 1 / dist.cv**2
        scale = float(dist.mean) / shape
        return lambda rng, n: rng.gamma(shape, scale, n)
    if isinstance(dist, Triangular):
        lo, mode, hi = float(dist.min), float(dist.mode), float(dist.max)
        return lambda rng, n: rng.triangular(lo, mode, hi, n)
    if isinstance(dist, Uniform):
        lo2, hi2 = float(dist.min), float(dist.max)
        return lambda rng, n: rng.uniform(lo2, hi2, n)
    if isinstance(dist, Empirical):
        values = np.array([float(v) for v in dist.values])
        return lambda rng, n: rng.choice(values, n)
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
