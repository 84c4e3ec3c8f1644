"""Who picks up which waiting lead: people as servers, one queue per stage activity.

A lead that needs work joins the queue of the activity's pool (the people responsible for it). A
free person in the pool takes it at once: preferably one who worked on this lead before (no
handoff), otherwise the one who has been idle longest. A person who finishes work looks at every
queue they serve and takes the waiting lead of the highest stage priority, then the one waiting
longest: first come, first served.

Under owner routing (`Role.routing: owner`) a lead that has an owner in the pool waits for that
person alone, in the owner's own queue, which they serve by the same rule as their pools' queues.

People may join and leave during a run (`sim.transitions`): a person who is not `present` is in no
pool, takes no work, and finishes what is in hand when they leave.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Mapping
from typing import Any

from sim.calendar import WorkCalendar

__all__ = ["Dispatcher", "OwnRequest", "PersonState", "Pool", "Request", "share_free"]


class PersonState:
    """One person at run time, as a server: free or busy, with the pools they serve."""

    __slots__ = ("busy_hours", "busy_since", "calendar", "capacity", "cycle_n", "cycle_sum", "focus", "free",
                 "frees", "index", "joined", "left", "lost", "name", "open_deals", "own", "owned", "pools", "present",
                 "ramp", "rate", "revenue", "role", "speed", "successor", "win_rate", "won")

    def __init__(self, index: int, name: str, role: str, capacity: float, focus: float,
                 calendar: WorkCalendar, speed: float = 1.0, win_rate: float = 1.0) -> None:
        self.index = index
        self.name = name
        self.role = role
        self.capacity = capacity
        self.speed = speed
        self.rate = capacity * speed
        """Working hours of work done per working hour (capacity × speed)."""
        self.win_rate = win_rate
        self.own: list[OwnRequest] = []
        """Leads they own waiting for them (`OwnRequest`), a heap."""
        self.open_deals = self.owned = self.won = self.lost = self.cycle_n = 0
        self.revenue = self.cycle_sum = 0.0
        """As an owner: open deals now; deals owned, won, lost, revenue and cycle time in the measured period."""
        self.focus = focus
        """Work multiplier from the focus penalty (1.0 when none)."""
        self.calendar = calendar
        """When this person works (their role's calendar)."""
        self.free = True
        self.busy_since = 0.0
        self.busy_hours = 0.0
        """Busy working hours since the last tally (see Team.tally)."""
        self.pools: list[Pool] = []
        self.frees: list[dict[PersonState, None]] = []
        """The free lists of their pools, each once (pools with the same people share one: `share_free`)."""
        self.present = True
        """On the team now (False before joining and after leaving)."""
        self.joined = 0.0
        self.left = float("inf")
        self.ramp: Any = None
        """Their `sim.schema.Ramp` from `joined` on (None: fully productive)."""
        self.successor: PersonState | None = None
        """Who takes over their owned deals after they leave (None: the role's routing)."""


Request = tuple[float, int, Any]
"""(time the lead started waiting, tie-break counter, lead): the person who takes it wakes it with
`lead.driver.succeed(person)`."""
OwnRequest = tuple[int, float, int, Any, "Pool"]
"""(-stage priority, time the lead started waiting, tie-break counter, lead, the pool it waits in)."""


class Pool:
    """The people who may do one activity of one stage, and the leads waiting for them."""

    __slots__ = ("free", "key", "owner_roles", "people", "people_set", "priority", "queue", "roles")

    def __init__(self, key: str, priority: int, people: list[PersonState]) -> None:
        self.key = key
        self.priority = priority
        self.people = people
        self.people_set = frozenset(people)
        self.free: dict[PersonState, None] = dict.fromkeys(people)
        """Free people, longest idle first (dicts keep insertion order); one dict for all the pools with
        the same people (`share_free`)."""
        self.queue: list[Request] = []
        self.owner_roles: tuple[str, ...] = ()
        """Roles of its people that route by owner: a lead owned by one of them waits for its owner."""
        self.roles: tuple[str, ...] = ()
        """Roles whose people may do this activity."""

    def route(self, routing: Mapping[str, str]) -> None:
        """Set `owner_roles` from the people now in the pool (`routing`: the roles that route by owner)."""
        self.owner_roles = tuple(r for r in self.roles if r in routing and any(w.role == r for w in self.people))

    def add(self, w: PersonState) -> None:
        """A person becomes responsible for this activity (they are not free yet: see Dispatcher.release)."""
        self.free = dict(self.free)  # its own free list from now on: its people differ from the others'
        self.people.append(w)
        self.people_set = frozenset(self.people)
        w.pools.append(self)
        _refresh_frees(self.people)

    def remove(self, w: PersonState) -> None:
        """A person stops being responsible for this activity (work in hand is finished)."""
        self.free = dict(self.free)
        self.people.remove(w)
        self.people_set = frozenset(self.people)
        self.free.pop(w, None)
        w.pools.remove(self)
        _refresh_frees([*self.people, w])


def share_free(pools: list[Pool]) -> None:
    """Pools with the same people, in the same order, share one free list: whoever starts or finishes
    work is then taken off or put on one list per group of pools, not one per pool (a role's people
    usually do several stages). The lists would be equal anyway: a person enters and leaves all their
    pools' lists at the same moments."""
    shared: dict[tuple[int, ...], dict[PersonState, None]] = {}
    for p in pools:
        p.free = shared.setdefault(tuple(id(w) for w in p.people), p.free)
    _refresh_frees([w for p in pools for w in p.people])


def _refresh_frees(people: list[PersonState]) -> None:
    for w in people:
        w.frees = list({id(p.free): p.free for p in w.pools}.values())


class Dispatcher:
    """Assigns people to waiting leads and keeps busy-time books."""

    def __init__(self, workers: list[PersonState]) -> None:
        self.workers = workers
        self.tally_start = 0.0
        self._seq = itertools.count()

    def pick_free(self, pool: Pool, previous: dict[PersonState, None], now: float) -> PersonState | None:
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

    def enqueue(self, pool: Pool, since: float, lead: Any) -> None:
        """The lead waits in the pool's queue (first come, first served); it then yields itself to park."""
        heapq.heappush(pool.queue, (since, next(self._seq), lead))

    def enqueue_own(self, owner: PersonState, priority: int, since: float, lead: Any, pool: Pool) -> None:
        """An owned lead waits for its owner."""
        heapq.heappush(owner.own, (-priority, since, next(self._seq), lead, pool))

    def take(self, w: PersonState, now: float) -> None:
        w.free = False
        w.busy_since = now
        for free in w.frees:
            del free[w]

    def release(self, w: PersonState, now: float) -> None:
        """The person finished: hand them the next waiting lead, or mark them free."""
        if not w.present:  # they left while busy: the work in hand was their last
            self._book(w, now)
            return
        best: Pool | None = None
        for p in w.pools:  # sorted by priority, highest first
            if best is not None and p.priority < best.priority:
                break
            if p.queue and (best is None or p.queue[0] < best.queue[0]):
                best = p
        own = w.own
        if own and (best is None or -own[0][0] > best.priority or
                    (-own[0][0] == best.priority and own[0][1:3] < best.queue[0][:2])):
            heapq.heappop(own)[3].driver.succeed(w)
            return
        if best is not None:
            heapq.heappop(best.queue)[2].driver.succeed(w)  # stays busy: no books to keep
            return
        self._book(w, now)
        for free in w.frees:
            free[w] = None

    def _busy_to(self, w: PersonState, now: float) -> float:
        """Working hours a busy person has been busy since they started or the last tally."""
        return w.calendar.working_hours(max(w.busy_since, self.tally_start), now)

    def _book(self, w: PersonState, now: float) -> None:
        w.free = True
        w.busy_hours += self._busy_to(w, now)

    def book_until(self, w: PersonState, now: float) -> None:
        """Count a busy person's working hours up to now (before their calendar changes)."""
        if not w.free:
            w.busy_hours += self._busy_to(w, now)
            w.busy_since = now

    def join(self, w: PersonState, now: float) -> None:
        """A person who has just been added to their pools starts: on waiting work, or free."""
        if w not in self.workers:
            self.workers.append(w)
        w.free = False
        w.busy_since = now
        self.release(w, now)

    def tally(self, now: float, seats: int | None = None) -> list[float]:
        """Busy working hours of each person since the previous tally; starts a new period. With `seats`,
        per seat (`PersonState.index`): a seat's successive occupants are summed, and people who have
        left are dropped once counted."""
        out = [] if seats is None else [0.0] * seats
        for w in self.workers:
            if not w.free:
                w.busy_hours += self._busy_to(w, now)
            if seats is None:
                out.append(w.busy_hours)
            else:
                out[w.index] += w.busy_hours
            w.busy_hours = 0.0
        if seats is not None:
            self.workers[:] = [w for w in self.workers if w.present or not w.free]
        self.tally_start = now
        return out
