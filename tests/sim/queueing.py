"""Exact results of queueing theory, and the check that compares a simulation with them."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from sim.distributions import mean_of
from sim.schema import Scenario
from sim.stats import t_halfwidth


def erlang_c(c: int, a: float) -> float:
    """Probability that an arriving customer waits in M/M/c with offered load a = lambda/mu < c."""
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


def mmc_wait(c: int, lam: float, mean_service: float) -> float:
    """Mean wait in queue of M/M/c (hours)."""
    mu = 1 / mean_service
    return erlang_c(c, lam / mu) / (c * mu - lam)


def jackson_waits(sc: Scenario, servers: dict[str, int]) -> dict[str, tuple[float, float]]:
    """Per stage (arrival rate, mean wait) of an open Jackson network built from a scenario.

    Solves the traffic equations lambda = lambda0 + P^T lambda from the scenario's sources and
    outcome probabilities; every stage is an M/M/c with c = servers[stage].
    """
    ids = [s.id for s in sc.stages]
    n = len(ids)
    p = np.zeros((n, n))
    for i, s in enumerate(sc.stages):
        for target, prob in s.probabilities.items():
            if target in ids:
                p[i, ids.index(target)] += prob
    ext = np.zeros(n)
    for src in sc.sources:
        ext[ids.index(src.enters)] += src.rate
    lam = np.linalg.solve(np.eye(n) - p.T, ext)
    works = [st.work for st in sc.stages]
    assert all(w is not None for w in works), "one `work` per stage in a Jackson network"
    return {sid: (float(lam[i]), mmc_wait(servers[sid], float(lam[i]), mean_of(works[i])))  # type: ignore[arg-type]
            for i, sid in enumerate(ids)}


def agrees(values: Sequence[float], exact: float, max_rel_halfwidth: float) -> tuple[bool, str]:
    """Does the simulation agree with an exact value, and is it precise enough to tell?

    Agreement: the exact value lies in the 99.9% t confidence interval of the replication means
    (a correct engine fails this one time in a thousand seeds; the seeds are fixed, so the test is
    deterministic). Precision: the 95% half-width is at most `max_rel_halfwidth` of the exact
    value, so that a wrong engine cannot hide behind a wide interval.
    """
    mean = float(np.mean(values))
    h999 = t_halfwidth(values, 0.999)
    h95 = t_halfwidth(values, 0.95)
    inside = abs(mean - exact) <= h999
    precise = h95 <= max_rel_halfwidth * abs(exact)
    msg = (f"simulated {mean:.4f} ±{h95:.4f} (95%), ±{h999:.4f} (99.9%); exact {exact:.4f}; "
           f"relative half-width {h95 / abs(exact):.3%} (allowed {max_rel_halfwidth:.1%})")
    return inside and precise, msg
