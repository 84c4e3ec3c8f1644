"""Who picks up which waiting lead: people as servers, one queue per stage activity.

A lead that needs work joins the queue of the activity's pool (the people responsible for it). A
free person in the pool takes it at once: preferably one who worked on this lead before (no
handoff), otherwise the one who has been idle longest. A person who finishes work looks at every
queue they serve and takes the waiting lead of the highest stage priority, then the one waiting
longest: first come, first served.
"""

from __future__ import annotations

import heapq
import itertools
from typing import Any

from sim.calendar import WorkCalendar

__all__ = ["Dispatcher", "PersonState", "Pool", "Request"]


class PersonState:
    """One person at run time, as a server: free or busy, with the pools they serve."""

    __slots__ = ("busy_hours", "busy_since", "calendar", "capacity", "focus", "free", "index", "name", "pools",
                 "role")

    def __init__(self, index: int, name: str, role: str, capacity: float, focus: float,
                 calendar: WorkCalendar) -> None:
        self.index = index
        self.name = name
        self.role = role
        self.capacity = capacity
        self.focus = focus
        """Work multiplier from the focus penalty (1.0 when none)."""
        self.calendar = calendar
        """When this person works (their role's calendar)."""
        self.free = True
        self.busy_since = 0.0
        self.busy_hours = 0.0
        """Busy working hours since the last tally (see Team.tally)."""
        self.pools: list[Pool] = []


Request = tuple[float, int, Any, Any]
"""(time the lead started waiting, tie-break counter, event to succeed, lead)."""


class Pool:
    """The people who may do one activity of one stage, and the leads waiting for them."""

    __slots__ = ("free", "key", "people", "people_set", "priority", "queue")

    def __init__(self, key: str, priority: int, people: list[PersonState]) -> None:
        self.key = key
        self.priority = priority
        self.people = people
        self.people_set = frozenset(people)
        self.free: dict[PersonState, None] = dict.fromkeys(people)
        """Free people, longest idle first (dicts keep insertion order)."""
        self.queue: list[Request] = []


class Dispatcher:
    """Assigns people to waiting leads and keeps busy-time books."""

    def __init__(self, workers: list[PersonState]) -> None:
        self.workers = workers
        self.tally_start = 0.0
        self._seq = itertools.count()

    def pick_free(self, pool: Pool, previous: list[PersonState], now: float) -> PersonState | None:
        """A free member for a lead that needs work now, or None if all are busy."""
        if not pool.free:
            return None
        for w in reversed(previous):
            if w.free and w in pool.people_set:
                self.take(w, now)
                return w
        w = next(iter(pool.free))
        self.take(w, now)
        return w

    def enqueue(self, pool: Pool, since: float, event: Any, lead: Any) -> None:
        heapq.heappush(pool.queue, (since, next(self._seq), event, lead))

    def take(self, w: PersonState, now: float) -> None:
        w.free = False
        w.busy_since = now
        for p in w.pools:
            del p.free[w]

    def release(self, w: PersonState, now: float) -> None:
        """The person finished: hand them the next waiting lead, or mark them free."""
        best: Pool | None = None
        for p in w.pools:  # sorted by priority, highest first
            if best is not None and p.priority < best.priority:
                break
            if p.queue and (best is None or p.queue[0] < best.queue[0]):
                best = p
        if best is not None:
            _, _, event, _ = heapq.heappop(best.queue)
            event.succeed(w)  # stays busy: no books to keep
            return
        w.free = True
        w.busy_hours += w.calendar.working_hours(max(w.busy_since, self.tally_start), now)
        for p in w.pools:
            p.free[w] = None

    def tally(self, now: float) -> list[float]:
        """Busy working hours of each person since the previous tally; starts a new period."""
        out = []
        for w in self.workers:
            if not w.free:
                w.busy_hours += w.calendar.working_hours(max(w.busy_since, self.tally_start), now)
            out.append(w.busy_hours)
            w.busy_hours = 0.0
        self.tally_start = now
        return out
