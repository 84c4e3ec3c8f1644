"""The work a simulation asks for, estimated before it starts.

A six-line file can ask for a billion leads (`rate: 1000000/h`, a 400-week horizon) and hang a machine
for days; a results folder must not wait for that to be found out. The estimate counts the stage
visits a run will make — arrivals times the expected visits per lead (the traffic equations of the
stage graph, so loops count), plus the customers' recurring visits — and the customers the model
must hold. The command line refuses, with the estimate, a run above the limits unless the user asks
for it (`--allow-long-run`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.errors import SalesSimError
from sim.schema import TERMINALS, Scenario

__all__ = ["LIMIT_MEMORY", "LIMIT_SECONDS", "LIMIT_VISITS_IN_MEMORY", "Estimate", "WorkTooLargeError", "check_work",
           "estimate", "visits_per_lead"]

SECONDS_PER_VISIT = 25e-6
"""CPU time per estimated stage visit, about twice the worst measured: one replication, CPU time over
this module's estimate, 3.1 µs on scenarios/baseline.yaml and 12.6 µs on scenarios/mm3.yaml (2026-12-01)."""
LIMIT_SECONDS = 4 * 3600.0
"""Refuse runs estimated to take more CPU time than this (4 hours), unless asked for."""
LIMIT_VISITS_IN_MEMORY = 5_000_000
"""Refuse runs that must hold more customers (or batch leads at once) than this in memory."""
LIMIT_MEMORY = 4e9
"""Refuse runs whose per-replication results (kept until the summary is made) would pass 4 GB."""
BYTES_PER_SERIES_VALUE = 300.0
"""Memory a replication keeps per weekly value (Python floats in lists, measured: 0.78 MB for a 60-week
baseline replication with 10 stages and 15 people), plus the fixed part below."""
BYTES_PER_REPLICATION = 50_000.0


class WorkTooLargeError(SalesSimError):
    """The run would take hours or exhaust memory; the message carries the estimate."""


@dataclass(frozen=True)
class Estimate:
    """What one run will do: stage visits over all replications, CPU seconds, customers held at once."""

    visits: float
    cpu_seconds: float
    held: float
    memory_bytes: float = 0.0

    def describe(self) -> str:
        hours = self.cpu_seconds / 3600
        return (f"about {self.visits:.3g} stage visits, {hours:.3g} CPU hours, up to {self.held:.3g} "
                f"leads and customers held at once, {self.memory_bytes / 1e9:.3g} GB of results")


def visits_per_lead(sc: Scenario) -> dict[str, float]:
    """Expected visits of every stage for one lead entering each stage (the traffic equations)."""
    ids = [s.id for s in sc.stages]
    index = {sid: i for i, sid in enumerate(ids)}
    p = np.zeros((len(ids), len(ids)))
    for s in sc.stages:
        for target, prob in s.probabilities.items():
            if target not in TERMINALS and target in index:
                p[index[s.id], index[target]] += prob
    try:
        n = np.linalg.inv(np.eye(len(ids)) - p)  # N[i, j]: expected visits of j from entering i
        totals = n.sum(axis=1)
    except np.linalg.LinAlgError:  # a loop with no way out is refused by the checks; be safe anyway
        totals = np.full(len(ids), float(len(ids)) * 100)
    return {sid: float(t) if np.isfinite(t) and t > 0 else float(len(ids)) * 100 for sid, t in zip(ids, totals,
                                                                                                  strict=True)}


def estimate(sc: Scenario, replications: int) -> Estimate:
    """The work of `replications` replications of `sc` (see the module's docstring)."""
    per_lead = visits_per_lead(sc)
    leads = 0.0
    visits = 0.0
    for src in sc.sources:
        n = src.rate * sc.horizon + sum(b.count for b in src.batches)
        leads += n
        visits += n * per_lead.get(src.enters, 1.0)
    held = float(max((b.count for src in sc.sources for b in src.batches), default=0))
    cust = sc.customers
    if cust is not None:
        customers = cust.initial + leads  # at most every lead becomes a customer
        if cust.check_in is not None:
            visits += customers * sc.horizon / cust.check_in.every
        visits += customers
        held += customers
    total = visits * replications
    weeks = sc.horizon / 168
    series = len(sc.stages) + 2 * sum(max(r.headcount or 0, 1) for r in sc.roles.values()) + len(sc.people or ()) + 3
    memory = replications * (weeks * series * BYTES_PER_SERIES_VALUE + BYTES_PER_REPLICATION)
    return Estimate(visits=total, cpu_seconds=total * SECONDS_PER_VISIT, held=float(held), memory_bytes=memory)


def check_work(sc: Scenario, replications: int, allow_long: bool = False) -> Estimate:
    """The estimate; raise WorkTooLargeError above the limits unless `allow_long`."""
    est = estimate(sc, replications)
    if allow_long:
        return est
    if est.cpu_seconds > LIMIT_SECONDS or est.held > LIMIT_VISITS_IN_MEMORY or est.memory_bytes > LIMIT_MEMORY:
        raise WorkTooLargeError(f"{sc.name}: this run would be too large ({est.describe()}; the limits are "
                                f"{LIMIT_SECONDS / 3600:g} CPU hours, {LIMIT_VISITS_IN_MEMORY:,} held at once and "
                                f"{LIMIT_MEMORY / 1e9:g} GB of results). Check rates, horizon, batches and "
                                "replications, or pass --allow-long-run")
    return est
