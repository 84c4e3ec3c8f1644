"""Generators driven by `sim.driver` see the same events in the same order as SimPy Processes that
yield `env.timeout`, and `driver.run` stops where `env.run(until=...)` stops."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
import simpy

from sim.driver import run, start


def _model(env: simpy.Environment, wait: Callable[[float], Any], launch: Callable[[Any], None],
           trace: list[tuple[float, str]]) -> None:
    """Customers queue for two desks (SimPy events), wait hours (floats or timeouts), spawn others."""
    desk = simpy.Resource(env, 2)
    rng = random.Random(5)

    def customer(k: int) -> Any:
        trace.append((env.now, f"arrive {k}"))
        with desk.request() as req:
            yield req
            trace.append((env.now, f"served {k}"))
            yield wait(round(rng.expovariate(1.0), 1))  # rounded: many ties, decided by the sequence number
        yield wait(0.0)
        trace.append((env.now, f"leave {k}"))

    def source() -> Any:
        for k in range(400):
            yield wait(round(rng.expovariate(1.6), 1))
            launch(customer(k))

    launch(source())


def _trace(wait: str, loop: str) -> tuple[list[tuple[float, str]], float]:
    env = simpy.Environment()
    trace: list[tuple[float, str]] = []
    _model(env, env.timeout if wait == "timeout" else (lambda h: h), lambda g: start(env, g), trace)
    if loop == "simpy":
        env.run(until=150.0)
    else:
        run(env, 150.0)
    return trace, env.now


def test_hours_yielded_are_timeouts_in_the_same_order() -> None:
    """One shared random stream: any change in the order of events changes every later draw."""
    timeouts, floats = _trace("timeout", "simpy"), _trace("hours", "simpy")
    assert len(timeouts[0]) > 500
    assert floats == timeouts


def test_the_loop_stops_where_simpy_stops() -> None:
    assert _trace("hours", "driver") == _trace("hours", "simpy")
    assert _trace("hours", "driver")[1] == 150.0


def test_a_negative_wait_is_refused() -> None:
    env = simpy.Environment()

    def bad() -> Any:
        yield 1.0
        yield -0.5

    start(env, bad())
    with pytest.raises(ValueError, match="negative"):
        run(env, 10.0)


def test_an_event_already_processed_goes_on_at_once() -> None:
    env = simpy.Environment()
    done = env.event()
    done.succeed("ready")
    seen = []

    def later() -> Any:
        yield 2.0
        seen.append((env.now, (yield done)))  # processed at time 0: its value comes back without waiting

    start(env, later())
    run(env, 5.0)
    assert seen == [(2.0, "ready")]


@pytest.mark.parametrize("name", ["closer-leaves", "crm-forecast", "mm3", "baseline"])
def test_a_replication_makes_no_garbage_cycles(name: str) -> None:
    """The engine runs with the cycle collector off: whatever a run makes, refcounts must free, or memory
    would grow with the horizon. Garbage found while the replication is still alive must be a handful of
    one-time objects (lazy imports), not a number that grows with the leads."""
    import gc
    from pathlib import Path

    from sim.engine import Replication
    from sim.scenario import load_scenario

    base = load_scenario(Path(__file__).resolve().parents[2] / "scenarios" / f"{name}.yaml")
    sc = base.model_copy(update={"horizon": 80 * 168.0, "warmup": min(base.warmup, 10 * 168.0)})
    Replication(sc, 0).run()  # imports made once
    gc.collect()
    rep = Replication(sc, 1)
    rep.run()
    assert gc.isenabled()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        found = len(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert rep._next_case > 1000
    assert found < 50, found


def _desks(park: bool) -> list[tuple[float, str]]:
    """Customers queue first come, first served for two desks handed over by whoever finishes: woken
    through a SimPy event each, or parked (the lead yields itself) and woken through its driver."""
    from sim.lead import Lead

    env = simpy.Environment()
    rng = random.Random(11)
    free = ["desk 1", "desk 2"]
    queue: list[tuple[Lead, Any]] = []
    trace: list[tuple[float, str]] = []

    def customer(k: int) -> Any:
        lead = Lead(k, env.now, 0.0)
        if free:
            desk = free.pop()
        else:
            ev = None if park else env.event()
            queue.append((lead, ev))
            desk = yield (lead if park else ev)
        trace.append((env.now, f"{k} at {desk}"))
        yield round(rng.expovariate(1.0), 1)  # ties decided by the sequence number
        if queue:
            nxt, ev = queue.pop(0)
            if park:
                nxt.driver.succeed(desk)
            else:
                ev.succeed(desk)
        else:
            free.append(desk)

    def source() -> Any:
        for k in range(300):
            yield round(rng.expovariate(1.8), 1)
            start(env, customer(k))

    start(env, source())
    run(env, 200.0)
    return trace


def test_a_parked_lead_wakes_when_a_simpy_event_would() -> None:
    """`driver.succeed` puts the driver on the queue as `event.succeed` puts the event: the same order."""
    events = _desks(park=False)
    assert len(events) > 250
    assert _desks(park=True) == events
