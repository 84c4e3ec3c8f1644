"""A lead: a prospect moving through the map (and, once won, a customer), and what it can become."""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy

if TYPE_CHECKING:
    from sim.dispatch import PersonState

__all__ = ["LOST", "NOT_YET", "STAGE_ENTERED", "STALLED", "WON", "EventRow", "Lead", "Process"]

WON = "won"
LOST = "lost"
STALLED = "stalled"
STAGE_ENTERED = "stage entered"
"""The event-log activity of a lead entering a stage (its stage history, as a CRM records it)."""
NOT_YET = -math.inf
"""`Lead.since` before the lead enters the stage its cycle time counts from (an open deal's entry time
is negative: it entered before the start)."""

EventRow = tuple[int, str, str, str, str, float, str, str]
"""(replication, case_id, activity, stage, lifecycle, time in hours, resource, role)."""

Process = Generator["simpy.Event | float | Lead", Any, Any]
"""A lead's or a source's life, driven by `sim.driver.start`: it yields SimPy events, hours to wait, or
the lead itself once put in a queue (parked until someone takes it: `Lead.driver`)."""


class Lead:
    """A prospect moving through the map (and, once won, a customer)."""

    __slots__ = ("_case", "arrival", "driver", "handoffs", "key", "open", "owners", "season", "segment", "since",
                 "source", "value", "visits", "workers")

    def __init__(self, case: str | int, arrival: float, value: float, key: int = 0) -> None:
        self._case = case
        """Its case id, or the number n of a lead from a source (case id `Ln`, spelled only when asked)."""
        self.arrival = arrival
        self.value = value
        self.key = key
        """Its random draws' key (`sim.streams.KeyedSampler`): its source and its place in that source's
        arrivals, so the same lead draws the same numbers in every scenario with that source."""
        self.visits: dict[str, int] = {}
        """Visits so far per stage id (the n of its draws there)."""
        self.handoffs = 0
        self.owners: dict[str, PersonState] | None = None
        """Role -> the person who owns this lead in that role (roles with `routing: owner`)."""
        self.season: Any = None
        """Its source's `sim.seasons.Season` when that moves the chances to advance (quarter-end wins)."""
        self.source = -1
        """Index of its source in the scenario (-1: a customer on the books at the start)."""
        self.segment: Any = None
        """Its `sim.engine.SegmentRun` when the scenario has segments."""
        self.open = True
        """Still in the pipeline (neither won nor lost)."""
        self.since = NOT_YET
        """When it first entered the stage the cycle time is counted from (kpis.cycle_time_from)."""
        self.workers: dict[PersonState, None] = {}
        self.driver: Any = None
        """What drives its life (`sim.driver`), set when it waits in a queue: `driver.succeed(person)`
        hands it the person who takes it."""
        """Everyone who has worked on this lead, oldest first (a dict: membership at once, in a team of any size)."""

    @property
    def case(self) -> str:
        """Its case id in the event log: `L12` for the 12th lead from the sources, a deal's id, `C3`."""
        c = self._case
        if not isinstance(c, str):
            c = self._case = f"L{c}"
        return c
