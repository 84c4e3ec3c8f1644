"""A team that changes during the run: dated changes, ramp-up and attrition, as one replication applies them.

People are seats: everyone who is ever on the team has one (`sim.team.seats`), and a seat's
replacements after attrition are its later occupants, so results stay one row per seat. A person who
joins is added to the pools of their stages and starts on waiting work; one who leaves is taken out of
their pools, finishes the work in hand, and the leads waiting for them as owner get a new owner (the
named successor, else the role's routing), with the handoff rules applying as always; owned deals that
are elsewhere at that moment get their new owner when they next need the role. Departures by attrition
draw each seat's tenure from a stream keyed by the seat's name and occupant number, so two scenarios
with the same people lose them on the same dates.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

import simpy

from sim.calendar import AlwaysOpen, OfficeHours, WorkCalendar
from sim.changes import dated
from sim.dispatch import PersonState, Pool
from sim.schema import Change, Scenario
from sim.streams import lead_keys
from sim.units import HOURS_PER_YEAR

__all__ = ["Transitions", "has_transitions"]


def has_transitions(sc: Scenario) -> bool:
    """The team or the flow changes during the run (dated changes, ramping people, attrition)."""
    return bool(sc.changes) or any(r.attrition is not None and r.attrition.per_year > 0 for r in sc.roles.values()) \
        or any(p.ramp is not None for p in sc.people or ())


class Transitions:
    """Applies one replication's dated changes and attrition to its people, pools, sources and stages."""

    def __init__(self, rep: Any) -> None:
        self.rep = rep
        """The `sim.engine.Replication` it belongs to (not imported: the engine imports this module)."""
        sc = rep.scenario
        self.seats: list[list[PersonState]] = [[w] for w in rep.workers]
        """Each seat's occupants so far, the current one last."""
        self.stages: list[list[str]] = [list(m.stages) for m in rep.team_seats]
        self.seat_of = {m.name: k for k, m in enumerate(rep.team_seats)}
        """Person's name -> their seat."""
        self.role_calendar: dict[str, WorkCalendar] = {}
        self.open_booked: dict[PersonState, float] = {}
        """Open hours of the current period counted before a calendar change."""
        self.cal_since: dict[PersonState, float] = {}
        self.pools: list[tuple[Pool, str, str | None]] = rep.pool_specs
        self.rate = [s.rate for s in sc.sources]
        """Each source's arrival rate now (per hour)."""
        self.top_rate = list(self.rate)
        for c in sc.changes or ():
            if c.source is not None:
                k = rep.source_index[c.source.source]
                self.top_rate[k] = max(self.top_rate[k], c.source.rate)

    # -- start ----------------------------------------------------------------------------------
    def start(self) -> None:
        env = self.rep.env
        for h, _, c in dated(self.rep.scenario):
            env.process(self._at(h, c))
        for role, spec in self.rep.scenario.roles.items():
            a = spec.attrition
            if a is None or a.per_year <= 0:
                continue
            for k, seat in enumerate(self.seats):
                if seat[0].role == role:
                    env.process(self._attrition(k, a))

    def _at(self, h: float, c: Change) -> Generator[simpy.Event, Any, None]:
        if h > 0:
            yield self.rep.env.timeout(h)
        self.apply(c)

    # -- the changes ----------------------------------------------------------------------------
    def apply(self, c: Change) -> None:
        now = self.rep.env.now
        if c.joins is not None:
            k = self.seat_of[c.joins.name]
            self.join(self.seats[k][-1], now)
        elif c.leaves is not None:
            w = self._current(c.leaves)
            if w is not None:
                self.leave(w, now, self._current(c.to) if c.to else None)
        elif c.responsibilities is not None:
            r = c.responsibilities
            k = self.seat_of[r.person]
            self.stages[k] = [s for s in self.stages[k] if s not in r.remove] + \
                [s for s in r.add if s not in self.stages[k]]
            w = self.seats[k][-1]
            if w.present:
                self._set_pools(w)
        elif c.calendar is not None:
            self._calendar(c.calendar.role, c.calendar.calendar, now)
        elif c.source is not None:
            self.rate[self.rep.source_index[c.source.source]] = c.source.rate
        elif c.stage is not None:
            self.rep.new_outcomes(c.stage.stage, c.stage.outcomes)

    def _current(self, name: str) -> PersonState | None:
        """The person now in the named seat (None: vacant)."""
        k = self.seat_of[name]
        w = self.seats[k][-1]
        return w if w.present else None

    def join(self, w: PersonState, now: float) -> None:
        w.present = True
        w.joined = now
        w.left = math.inf
        w.free = False  # not offered to any pool until dispatch.join looks at their queues
        self._set_pools(w)
        self.rep.dispatch.join(w, now)

    def _set_pools(self, w: PersonState) -> None:
        """Make the person's pools those of their seat's stages (their role's activities)."""
        stages = self.stages[w.index]
        want = [p for p, stage, role in self.pools if stage in stages and (role is None or role == w.role)]
        for p in [p for p in w.pools if p not in want]:
            p.remove(w)
            p.route(self.rep.routing)
            own = [r for r in w.own if r[4] is p]
            if own:
                w.own = [r for r in w.own if r[4] is not p]
                self._hand_over(w, own)
        for p in want:
            if p not in w.pools:
                p.add(w)
                p.route(self.rep.routing)
        w.pools.sort(key=lambda p: -p.priority)
        fp = self.rep.scenario.focus_penalty
        w.focus = 1.0 + (fp.per_extra_stage * max(0, len(stages) - fp.free_stages) if fp else 0.0)
        if w.free and w.present:  # new queues may hold waiting work
            w.free = False
            for free in w.frees:
                free.pop(w, None)
            self.rep.dispatch.join(w, self.rep.env.now)

    def leave(self, w: PersonState, now: float, successor: PersonState | None = None) -> None:
        """They leave now: out of every pool, their waiting owned leads handed over."""
        self._book_open(w, now)
        w.present = False
        w.left = now
        w.successor = successor
        for p in list(w.pools):
            p.remove(w)
            p.route(self.rep.routing)
        own, w.own = sorted(w.own), []
        self._hand_over(w, own)

    def _hand_over(self, leaver: PersonState, requests: list[Any]) -> None:
        """Leads waiting for `leaver` as owner go to their new owner's queue (or straight to work), keeping
        their place (the time they started waiting)."""
        dispatch, owners, now = self.rep.dispatch, self.rep.owners, self.rep.env.now
        for neg_priority, since, _, lead, pool in sorted(requests):
            o = owners.hand_over(lead, leaver.role, pool, leaver)
            if o is None:
                dispatch.enqueue(pool, since, lead)
            elif o.free:
                dispatch.take(o, now)
                lead.driver.succeed(o)
            else:
                dispatch.enqueue_own(o, -neg_priority, since, lead, pool)
        for p in {id(r[4]): r[4] for r in requests}.values():  # someone free in a pool that now has work
            while p.queue and p.free:
                w = next(iter(p.free))
                dispatch.take(w, now)
                dispatch.release(w, now)

    def _calendar(self, role: str, spec: Any, now: float) -> None:
        cal: WorkCalendar = AlwaysOpen(self.rep.scenario.start_date) if spec == "always" else \
            OfficeHours(spec.model_copy(update={"start_date": self.rep.scenario.start_date}))
        self.role_calendar[role] = cal
        for seat in self.seats:
            for w in seat:
                if w.role == role and (w.present or w.joined > now):
                    self._book_open(w, now)
                    self.rep.dispatch.book_until(w, now)
                    w.calendar = cal

    def calendar_of(self, role: str, default: WorkCalendar) -> WorkCalendar:
        return self.role_calendar.get(role, default)

    # -- attrition ------------------------------------------------------------------------------
    def _attrition(self, k: int, a: Any) -> Generator[simpy.Event, Any, None]:
        rep = self.rep
        env = rep.env
        seat = self.seats[k]
        name = rep.team_seats[k].name
        draw = rep.streams.keyed_uniform(f"attrition:{seat[0].role}")
        key = lead_keys(f"seat:{name}")
        hazard = a.per_year / HOURS_PER_YEAR
        first = rep.team_seats[k].joins
        if first > 0:
            yield env.timeout(first)
        g = 0
        while True:
            w = seat[-1]
            tenure = -math.log(1.0 - draw(key, g)) / hazard
            if env.now + tenure >= rep.horizon:
                return
            yield env.timeout(tenure)
            if not w.present:  # left by a dated change: no automatic replacement
                return
            self.leave(w, env.now)
            rep.departures.append((env.now, k))
            if a.backfill_after is None:
                return
            yield env.timeout(a.backfill_after)
            g += 1
            spec = rep.scenario.roles[w.role]
            new = PersonState(k, f"{name} (hire {g})", w.role, rep.team_seats[k].capacity, w.focus,
                              self.calendar_of(w.role, rep.calendars[w.role]))
            new.ramp = a.ramp if a.ramp is not None else spec.ramp
            seat.append(new)
            self.join(new, env.now)

    # -- measures -------------------------------------------------------------------------------
    def _book_open(self, w: PersonState, now: float) -> None:
        """Open hours up to now on their current calendar (before it changes, or they leave)."""
        rep = self.rep
        a = max(rep.period_start, w.joined, self.cal_since.get(w, -math.inf))
        if now > a:
            self.open_booked[w] = self.open_booked.get(w, 0.0) + w.calendar.working_hours(a, now)
        self.cal_since[w] = now

    def period(self, start: float, end: float) -> tuple[list[float], list[float]]:
        """Per seat over [start, end): open working hours of its occupants while on the team, and their
        capacity in full-time equivalents (present share of the period's full-time hours × capacity ×
        ramp productivity at mid-period)."""
        n = len(self.seats)
        open_hours, fte = [0.0] * n, [0.0] * n
        mid = (start + end) / 2
        for k, seat in enumerate(self.seats):
            full = seat[-1].calendar.working_hours(start, end)
            for w in seat:
                a = max(start, w.joined, self.cal_since.get(w, -math.inf))
                b = min(end, w.left)
                hours = self.open_booked.pop(w, 0.0) + (w.calendar.working_hours(a, b) if b > a else 0.0)
                self.cal_since.pop(w, None)
                open_hours[k] += hours
                if full > 0 and hours > 0:
                    f = w.ramp.factor(mid - w.joined) if w.ramp is not None else 1.0
                    fte[k] += w.capacity * f * hours / full
        return open_hours, fte
