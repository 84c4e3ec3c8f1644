"""The contenders our engine is timed against (`python -m sim.bench`): the textbook SimPy models and
Ciw's, of the same queues as a scenario, with the same arrival rate, service times and horizon.

`Network` reads a pure queueing scenario (always-open calendar, one source, one exponential work item
per stage done by one role, outcomes that route to stages, won or lost): an open Jackson network.
Each model returns (customers that arrived, SimPy events scheduled or None).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import simpy

from sim.distributions import mean_of
from sim.schema import Scenario

__all__ = ["Network", "bare_jackson", "bare_mmc", "ciw_network"]


@dataclass(frozen=True)
class Network:
    """An open Jackson network: arrival rate into `entry`, per station servers, mean service hours and
    routing (station -> [(next station or None for leaving, probability)])."""

    rate: float
    entry: int
    servers: list[int]
    means: list[float]
    routes: list[list[tuple[int | None, float]]]
    horizon: float

    @classmethod
    def of(cls, sc: Scenario) -> Network:
        ids = [s.id for s in sc.stages]
        if len(sc.sources) != 1 or sc.calendar != "always":
            raise ValueError("a Jackson network has one source and an always-open calendar")
        routes = [[(ids.index(t) if t in ids else None, p) for t, p in s.probabilities.items()] for s in sc.stages]
        return cls(sc.sources[0].rate, ids.index(sc.sources[0].enters),
                   [sc.roles[s.roles[0]].headcount or 0 for s in sc.stages],
                   [mean_of(s.work_items[0].work) for s in sc.stages], routes, sc.horizon)


def bare_mmc(lam: float, mean_service: float, servers: int, horizon: float, seed: int) -> tuple[int, int]:
    """The textbook SimPy M/M/c: a Resource, a source process, one process per customer."""
    env = simpy.Environment()
    desk = simpy.Resource(env, servers)
    rng = random.Random(seed)
    arrived = 0

    def customer() -> Any:
        with desk.request() as req:
            yield req
            yield env.timeout(rng.expovariate(1 / mean_service))

    def source() -> Any:
        nonlocal arrived
        while True:
            yield env.timeout(rng.expovariate(lam))
            arrived += 1
            env.process(customer())

    env.process(source())
    env.run(until=horizon)
    return arrived, next(env._eid)


def bare_jackson(net: Network, seed: int) -> tuple[int, int]:
    """The textbook SimPy model of a Jackson network: a Resource per station, one process per customer
    that queues, is served and picks its next station by the routing probabilities."""
    env = simpy.Environment()
    desks = [simpy.Resource(env, c) for c in net.servers]
    rng = random.Random(seed)
    arrived = 0
    choices = [([t for t, _ in r], [p for _, p in r]) for r in net.routes]

    def customer() -> Any:
        station: int | None = net.entry
        while station is not None:
            with desks[station].request() as req:
                yield req
                yield env.timeout(rng.expovariate(1 / net.means[station]))
            targets, weights = choices[station]
            station = rng.choices(targets, weights)[0]

    def source() -> Any:
        nonlocal arrived
        while True:
            yield env.timeout(rng.expovariate(net.rate))
            arrived += 1
            env.process(customer())

    env.process(source())
    env.run(until=net.horizon)
    return arrived, next(env._eid)


def ciw_network(net: Network, seed: int) -> tuple[int, None]:
    """The same network in Ciw (a queueing-network library): None when Ciw is not installed."""
    import ciw  # a benchmark-only dependency: pip install -e '.[bench]'

    n = len(net.servers)
    routing = [[float(sum(p for t, p in net.routes[i] if t == j)) for j in range(n)] for i in range(n)]
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=net.rate) if i == net.entry else None for i in range(n)],
        service_distributions=[ciw.dists.Exponential(rate=1 / m) for m in net.means],
        number_of_servers=net.servers, routing=routing)
    ciw.seed(seed)
    q = ciw.Simulation(network)
    q.simulate_until_max_time(net.horizon)
    return int(q.nodes[0].number_of_individuals), None
