"""A lead: a prospect moving through the map (and, once won, a customer), and what it can become."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy

if TYPE_CHECKING:
    from sim.dispatch import Worker

__all__ = ["LOST", "WON", "EventRow", "Lead", "Process"]

WON = "won"
LOST = "lost"

EventRow = tuple[int, str, str, str, str, float, str, str]
"""(replication, case_id, activity, stage, lifecycle, time in hours, resource, role)."""

Process = Generator[simpy.Event, Any, Any]


class Lead:
    """A prospect moving through the map (and, once won, a customer)."""

    __slots__ = ("arrival", "case", "value", "workers")

    def __init__(self, case: str, arrival: float, value: float) -> None:
        self.case = case
        self.arrival = arrival
        self.value = value
        self.workers: list[Worker] = []
        """Everyone who has worked on this lead, oldest first."""
