"""Erlang C: the mean wait in an M/M/c queue, and its chords for linear models."""

from __future__ import annotations

import math

__all__ = ["chords", "erlang_c", "mean_wait"]


def erlang_c(c: int, a: float) -> float:
    """Probability of waiting in M/M/c with offered load a (Erlangs); 1 when c <= a (unstable)."""
    if c <= a:
        return 1.0
    term, total = 1.0, 1.0  # a^k / k!, summed for k < c
    for k in range(1, c):
        term *= a / k
        total += term
    top = term * a / c * c / (c - a)
    return top / (total + top)


def mean_wait(c: int, a: float, service: float) -> float:
    """Mean wait before service (same unit as `service`); inf when unstable."""
    if c <= a:
        return math.inf
    return erlang_c(c, a) * service / (c - a)


def chords(a: float, service: float, top: int) -> list[tuple[float, float]]:
    """(intercept, slope) of the chords between consecutive stable integer server counts up to `top`.

    The wait is convex and decreasing in c, so max over chords equals it exactly at integers.
    """
    lo = math.floor(a) + 1
    out = []
    for k in range(lo, max(top, lo + 1)):
        w0, w1 = mean_wait(k, a, service), mean_wait(k + 1, a, service)
        slope = w1 - w0
        out.append((w0 - slope * k, slope))
    return out
