"""The SimPy model of one replication: leads flowing through the map, people doing the work.

A lead is a SimPy process that visits stages. In each stage it queues for every activity's pool,
is worked on (in working time, stretched by the person's capacity and focus penalty), waits for the
customer if the stage says so, and then moves to the outcome drawn for the stage: the next stage,
won or lost. Won leads become customers with onboarding, check-ins and churn (`sim.customers`).
Everything measured goes into constant-size tallies; the event log, when asked for, is streamed.
"""

from __future__ import annotations

import bisect
import gc
import math
from collections.abc import Callable, Generator
from typing import Any

import simpy

from sim.calendar import calendar_for
from sim.customers import CustomerBase
from sim.dispatch import Dispatcher, PersonState, Pool, share_free
from sim.driver import run, start
from sim.lead import LOST, NOT_YET, STAGE_ENTERED, STALLED, WON, EventRow, Lead, Process
from sim.metrics import Histogram, StageTally, Timeline
from sim.owners import Owners
from sim.schema import WEEKDAYS, Scenario
from sim.seasons import Season
from sim.stagerun import ActivityRun, Figures, SegmentRun, StageRun
from sim.streams import Streams, lead_keys
from sim.team import Team, seats
from sim.transitions import Transitions, has_transitions

__all__ = ["LOST", "WON", "ActivityRun", "EventRow", "Figures", "Lead", "Replication", "SegmentRun", "StageRun"]


class Replication:
    """One independent run of the horizon with its own random streams."""

    def __init__(self, scenario: Scenario, replication: int, seed: int | None = None,
                 log: Callable[[EventRow], None] | None = None) -> None:
        self.scenario = scenario
        self.replication = replication
        self.streams = Streams(scenario.seed if seed is None else seed, replication)
        self.env = simpy.Environment()
        self.calendar = calendar_for(scenario)
        self.warmup = scenario.warmup
        self.horizon = scenario.horizon
        self.log = log
        self.departures: list[tuple[float, int]] = []
        """(time, seat) of each departure by attrition."""
        self._build_team()
        self._build_stages()
        self.handoff = scenario.handoff
        self.handoff_u = self.streams.keyed_uniform("handoff:loss")
        self.handoff_delay = (self.streams.keyed(scenario.handoff.delay, "handoff:delay")
                              if scenario.handoff and scenario.handoff.delay else None)
        # pipeline tallies (measured period only, except the live counters)
        self.arrived = self.won = self.lost = self.handoff_count = self.stalled = 0
        self.revenue = self.cycle_sum = self.pipeline_time_sum = 0.0
        self.cycle_n = 0
        self._period_won, self._period_revenue = 0, 0.0
        """Won leads whose cycle time was measured (all of them, unless counted from a stage they skipped)."""
        self.cycle = Histogram()
        self.in_pipeline = StageTally()
        self.timeline = Timeline()
        self.period_start = 0.0
        self._next_case = 0
        self.customers = CustomerBase(self)
        self.by_source = [Figures() for _ in scenario.sources]
        self.source_index = {s.name: i for i, s in enumerate(scenario.sources)}
        self._segments()
        self.transitions = Transitions(self) if has_transitions(scenario) else None

    # -- set-up ---------------------------------------------------------------------------------
    def _build_team(self) -> None:
        sc = self.scenario
        self.team_seats = seats(sc)
        """Everyone ever on the team, one seat each (people who join later are not present at first)."""
        self.team = Team(self.team_seats)
        fp = sc.focus_penalty
        calendars = {r: calendar_for(sc, r) if sc.roles[r].calendar is not None else self.calendar for r in sc.roles}
        self.calendars = calendars
        self.workers = [
            PersonState(i, m.name, m.role, m.capacity,
                        1.0 + (fp.per_extra_stage * max(0, len(m.stages) - fp.free_stages) if fp else 0.0),
                        calendars[m.role], m.speed, m.win_rate)
            for i, m in enumerate(self.team.people)
        ]
        for w, m in zip(self.workers, self.team_seats, strict=True):
            w.ramp = m.ramp
            w.joined = m.joins
            w.present = m.joins <= 0
        self.dispatch = Dispatcher([w for w in self.workers if w.present])
        self.owners = Owners(sc, self.team, self.streams)
        self.routing = self.owners.routing

    def _build_stages(self) -> None:
        by_name = {w.name: w for w in self.workers}
        cust = self.scenario.customers
        # customers' stages draw by customer over visits: check-ins run for years
        customer_stages = {cust.onboarding, cust.check_in.stage if cust.check_in else None} if cust else set()
        self.stages: list[StageRun] = []
        self.pool_specs: list[tuple[Pool, str, str | None]] = []
        """(pool, its stage, its activity's own role or None): who may join which pool during the run."""
        for spec in self.scenario.stages:
            pools = []
            for a in spec.work_items:
                people = [by_name[m.name] for m in self.team.responsible(spec, a if a.role else None)
                          if by_name[m.name].present]
                pool = Pool(f"{spec.id}:{a.name}", spec.priority, people)
                roles = (a.role,) if a.role else spec.roles
                pool.roles = roles
                pool.route(self.routing)
                self.pool_specs.append((pool, spec.id, a.role))
                for w in people:
                    w.pools.append(pool)
                pools.append(pool)
            self.stages.append(StageRun(spec, self.streams, pools, keyed=spec.id not in customer_stages))
        self.by_id = {s.id: s for s in self.stages}
        for s in self.stages:
            s.link(self.by_id)
        self.cycle_from = self.scenario.kpis.cycle_time_from if self.scenario.kpis else None
        sc = self.scenario
        self.stalls = any(s.stalls for s in self.stages)
        self.adjusts = (any(w.win_rate != 1.0 for w in self.workers) or bool(sc.segments)
                        or any(r.win_rate for r in self._ramps())
                        or any(src.quarter_end is not None and src.quarter_end.wins != 1.0 for src in sc.sources))
        """Some chance to advance is multiplied (a person's win rate, a segment, a quarter-end push)."""
        if self.cycle_from is not None:
            self.by_id[self.cycle_from].starts_cycle = True
        for w in self.workers:
            w.pools.sort(key=lambda p: -p.priority)
        share_free([pool for pool, _, _ in self.pool_specs])

    def _ramps(self) -> list[Any]:
        sc = self.scenario
        out = [m.ramp for m in self.team_seats if m.ramp is not None]
        for role in sc.roles.values():
            out += [r for r in (role.ramp, role.attrition.ramp if role.attrition else None) if r is not None]
        return out

    def new_outcomes(self, stage_id: str, outcomes: dict[str, Any]) -> None:
        """A stage's outcomes change from now on (a dated change): visits deciding from now on use them."""
        st = self.by_id[stage_id]
        st.new_outcomes(st.spec.model_copy(update={"outcomes": outcomes}), self.streams, self.by_id)
        self.stalls = any(s.stalls for s in self.stages)

    def _segments(self) -> None:
        """Segments' multipliers, value samplers and the draw that puts each lead in one."""
        sc = self.scenario
        self.segments: list[SegmentRun] = []
        for g in sc.segments or ():
            values = {i: self.streams.sampler(g.value, f"value:{src.name}:{g.name}")
                      for i, src in enumerate(sc.sources) if g.value is not None}
            self.segments.append(SegmentRun(g.name, {s: m.work for s, m in g.stages.items() if m.work != 1.0},
                                            {s: m.win for s, m in g.stages.items() if m.win != 1.0}, values))
        self._segment_cum = [[sum(g.share_of(src.name) for g in (sc.segments or ())[: j + 1])
                              for j in range(len(self.segments))] for src in sc.sources]
        self._segment_u = [self.streams.keyed_uniform(f"segment:{src.name}") for src in sc.sources]

    def new_case(self, prefix: str = "L") -> str:
        self._next_case += 1
        return f"{prefix}{self._next_case}"

    # -- the flow -------------------------------------------------------------------------------
    def run(self) -> None:
        """Simulate to the horizon; results are read with `sim.results.collect`.

        Python's cycle collector is off while it runs: a run makes no garbage cycles (tested; refcounts
        free every finished lead), so the collector would only scan the live leads over and over, at a
        cost that grows with the team (about a sixth of a baseline replication's time)."""
        enabled = gc.isenabled()
        gc.disable()
        try:
            self._run()
        finally:
            if enabled:
                gc.enable()

    def _run(self) -> None:
        env = self.env
        if self.transitions is not None:
            self.transitions.start()
        self._open_deals()
        for src in self.scenario.sources:
            start(self.env, self._arrivals(src))
            for b in src.batches:
                start(self.env, self._batch(src, b.at, b.count))
        self.customers.start()
        start(self.env, self._ticker())
        run(env, self.horizon)
        self._close_period(self.horizon)
        self._sweep_stuck()

    def _open_deals(self) -> None:
        """Today's open pipeline in place at time 0, each deal with the time it has spent in its stage."""
        sc = self.scenario
        deals = sc.open_deals()
        if not deals:
            return
        base = lead_keys("pipeline")
        people = {w.name: w for w in self.workers}
        segments = {g.name: g for g in self.segments}
        values = {g.name: self.streams.sampler(g.value, f"value:pipeline:{g.name}")
                  for g in sc.segments or () if g.value is not None}
        for i, d in enumerate(deals):
            age = sc.age_of(d)
            lead = Lead(d.id, -sc.deal_age_of(d), d.value or 0.0, base | i)
            if d.segment is not None:
                lead.segment = segments[d.segment]
                if d.value is None and d.segment in values:
                    lead.value = values[d.segment]()
            if d.owner is not None:
                o = people[d.owner]
                lead.owners = {o.role: o}
                o.open_deals += 1
                if self.warmup <= 0:
                    o.owned += 1
            self.in_pipeline.move(0.0, 1)
            if self.log is not None:
                self.log((self.replication, lead.case, "deal open", d.stage, "complete", -age, "", ""))
            start(self.env, self.visit(lead, self.by_id[d.stage], age, True))

    def _arrivals(self, src: Any) -> Process:
        if src.seasonal:
            yield from self._seasonal_arrivals(src)
            return
        env = self.env
        src_index = self.source_index[src.name]
        gap = self.streams.exponential(f"arrivals:{src.name}")
        value = self.streams.sampler(src.value, f"value:{src.name}") if src.value else None
        entry = self.by_id[src.enters]
        rate = src.rate
        tr = self.transitions
        changing = tr is not None and tr.top_rate[src_index] != rate
        """The rate changes during the run: arrivals at the highest rate, thinned to the rate of the moment."""
        if changing:
            assert tr is not None
            rate = tr.top_rate[src_index]
            now_u = self.streams.uniform(f"arrivals-rate:{src.name}")
        if rate <= 0:
            return
        weekly = self._weekly_weights(src.weekly) if src.weekly else None
        thin = self.streams.uniform(f"arrivals-thin:{src.name}") if weekly else None
        top = max(weekly) if weekly else 1.0
        base, k = lead_keys(f"source:{src.name}"), 0
        while True:
            yield gap() / (rate * top)
            if weekly is not None and thin is not None:
                day = int(env._now // 24) % 7
                if thin() * top > weekly[(self.calendar.start_date.weekday() + day) % 7]:
                    continue
            if changing and now_u() * rate >= tr.rate[src_index]:  # type: ignore[union-attr]
                continue
            self._new_lead(entry, value() if value else 0.0, base | k, src_index)
            k += 1

    def _seasonal_arrivals(self, src: Any) -> Process:
        """Arrivals whose rate varies by month, quarter-end and week (`sim.seasons`): a Poisson stream
        thinned week by week under that week's peak rate."""
        env = self.env
        src_index = self.source_index[src.name]
        season = Season(src, self.calendar.start_date, self.streams)
        gap = self.streams.exponential(f"arrivals:{src.name}")
        thin = self.streams.uniform(f"arrivals-thin:{src.name}")
        value = self.streams.sampler(src.value, f"value:{src.name}") if src.value else None
        entry = self.by_id[src.enters]
        weekly = self._weekly_weights(src.weekly) if src.weekly else None
        top = (max(weekly) if weekly else 1.0) * season.peak
        first_day = self.calendar.start_date.weekday()
        base, k, week = lead_keys(f"source:{src.name}"), 0, 0
        moves_wins = season.moves_wins
        tr = self.transitions
        while (tr.top_rate[src_index] if tr is not None else src.rate) > 0:
            end = 168.0 * (week + 1)
            rate = (tr.rate[src_index] if tr is not None else src.rate) * season.week(week)  # changes: from next week
            peak = rate * top
            while peak > 0:
                t = env._now + gap() / peak
                if t >= end:
                    break
                yield t - env._now
                f = season.factor(t) * (weekly[(first_day + int(t // 24)) % 7] if weekly else 1.0)
                if thin() * top > f:
                    continue
                lead = self._new_lead(entry, value() if value else 0.0, base | k, src_index)
                if moves_wins:
                    lead.season = season
                k += 1
            yield end - env._now
            week += 1

    @staticmethod
    def _weekly_weights(w: dict[str, float]) -> list[float]:
        raw = [w.get(d, 0.0) for d in WEEKDAYS]
        mean = sum(raw) / 7
        return [x / mean for x in raw]

    def _batch(self, src: Any, at: float, count: int) -> Process:
        src_index = self.source_index[src.name]
        yield at
        value = self.streams.sampler(src.value, f"value:{src.name}:batch@{at:g}") if src.value else None
        entry = self.by_id[src.enters]
        base = lead_keys(f"batch:{src.name}@{at:g}")
        for k in range(count):
            self._new_lead(entry, value() if value else 0.0, base | k, src_index)

    def _new_lead(self, entry: StageRun, value: float, key: int, source: int) -> Lead:
        now = self.env._now
        self._next_case += 1
        lead = Lead(self._next_case, now, value, key)
        lead.source = source
        measured = now >= self.warmup
        if self.segments:
            cum = self._segment_cum[source]
            u = self._segment_u[source](key, 0) * cum[-1]
            seg = lead.segment = self.segments[min(bisect.bisect_right(cum, u), len(cum) - 1)]
            sampler = seg.values.get(source)
            if sampler is not None:
                lead.value = sampler()
            if measured:
                seg.figures.arrived += 1
        if measured:
            self.arrived += 1
            self.by_source[source].arrived += 1
        tally = self.in_pipeline  # tally.move(now, 1), inlined on the hot path
        tally.area += tally.count * (now - tally.last)
        tally.last = now
        tally.count += 1
        if self.log is not None:
            self.log((self.replication, lead.case, "lead arrived", entry.id, "complete", now, "", ""))
        start(self.env, self.visit(lead, entry, 0.0, True))
        return lead

    def visit(self, lead: Lead, st: StageRun, age: float = 0.0, through: bool = False) -> Process:
        """One stay of a lead in a stage (an open deal's stay goes on after `age` hours already spent).

        Returns (where it goes next: a StageRun, 'won' or 'lost'; time of the first touch or -1). With
        `through`, the lead goes on from stage to stage until its journey ends (`_close`): a lead's whole
        life in the pipeline is one generator, one frame to resume per event and to keep in memory.
        """
        env, dispatch, log = self.env, self.dispatch, self.log
        while True:
            now = env._now
            entered = now - age
            tally = st.tally
            measured_entry = entered >= self.warmup
            tally.area += tally.count * (now - tally.last)  # tally.move(now, 1), inlined on the hot path
            tally.last = now
            tally.count += 1
            if measured_entry:
                tally.entered += 1
            if log is not None and age == 0.0:
                log((self.replication, lead.case, STAGE_ENTERED, st.id, "complete", entered, "", ""))
            if st.active is not None:
                st.active[lead] = entered
            if st.starts_cycle and lead.since == NOT_YET:
                lead.since = entered
            worker: PersonState | None = None
            first = -1.0
            effort_total = 0.0
            dropped = False
            key, n = lead.key, lead.visits.get(st.id, 0)
            lead.visits[st.id] = n + 1
            resume = age > 0.0 and st.customer_side  # an open deal past the staff work, waiting on the customer
            segment = lead.segment
            for act in st.acts if not resume else ():
                if worker is None or worker not in act.pool.people_set:
                    if worker is not None:
                        dispatch.release(worker, now)
                    pool = act.pool
                    w = None if pool.owner_roles else dispatch.pick_free(pool, lead.workers, now)
                    if w is not None and (not lead.workers or w in lead.workers):
                        worker = w  # free at once, and no handoff: nothing to wait for
                    else:
                        worker = yield from self._acquire(lead, pool, st, w)
                        if worker is None:
                            dropped = True
                            break
                        now = env._now
                cal = worker.calendar
                start = now if cal.always else cal.next_open(now)
                if first < 0:
                    first = start
                    if start >= self.warmup:
                        tally.wait_sum += start - entered
                        tally.wait_n += 1
                effort = act.work(key, n) * worker.focus
                if segment is not None:
                    effort *= segment.work.get(st.id, 1.0)
                effort_total += effort / worker.speed
                ramp = worker.ramp
                rate = worker.rate if ramp is None else worker.rate * ramp.factor(now - worker.joined)
                end = now + effort / rate if cal.always else cal.advance(now, effort / rate)
                if log is not None:
                    log((self.replication, lead.case, act.name, st.id, "start", start, worker.name, worker.role))
                yield end - now
                now = env._now
                if log is not None:
                    log((self.replication, lead.case, act.name, st.id, "complete", end, worker.name, worker.role))
                if worker not in lead.workers:
                    lead.workers[worker] = None
            if worker is not None:
                dispatch.release(worker, env._now)
            cooled = False
            if dropped:
                target: Any = LOST
            elif resume:
                target, remaining = st.resume(age, key, self.streams)
                if remaining > 0:
                    yield remaining
            else:
                if st.wait is not None:
                    yield st.wait(key, n)
                if self.adjusts:  # people's win rates, quarter-end pushes or segments in this scenario
                    m = worker.win_rate if worker is not None else 1.0
                    if worker is not None and worker.ramp is not None and worker.ramp.win_rate:
                        m *= worker.ramp.factor(env._now - worker.joined)
                    if lead.season is not None:
                        m *= lead.season.wins(env._now)
                    if lead.segment is not None:
                        m *= lead.segment.win.get(st.id, 1.0)
                    target, cooled = st.choose(first - entered, key, n, m)
                else:
                    target, cooled = st.choose(first - entered, key, n)
                if st.after:
                    after = st.after.get(target.id if isinstance(target, StageRun) else target)
                    if after is not None:
                        yield after(key, n)
            if st.stalls and target == STALLED:
                if st.revive_to is None:
                    self._stall(lead, st, entered, effort_total)
                    if through:
                        self._close(lead, target)
                    return target, first
                self._leave(lead, st, entered, effort_total, st.revive_to, False, False, STALLED)
                target = st.revive_to
            else:
                self._leave(lead, st, entered, effort_total, target, cooled, dropped)
            if not through:
                return target, first
            if not isinstance(target, StageRun):
                self._close(lead, target)
                return target, first
            st, age = target, 0.0

    def _close(self, lead: Lead, target: Any) -> None:
        """The lead's journey ends: won, lost, or stalled for good (it stays in the pipeline)."""
        now = self.env._now
        if self.stalls and target == STALLED:
            if self.log is not None:
                self.log((self.replication, lead.case, STALLED, "", "complete", now, "", ""))
            return
        lead.open = False
        won = target == WON
        start = lead.arrival if self.cycle_from is None else lead.since  # NOT_YET: it skipped that stage
        measured = now >= self.warmup
        if lead.owners:
            Owners.close(lead, won, now, measured, start)
        tally = self.in_pipeline  # tally.move(now, -1), inlined on the hot path
        tally.area += tally.count * (now - tally.last)
        tally.last = now
        tally.count -= 1
        if measured:
            self.pipeline_time_sum += now - lead.arrival
            days = (now - start) / 24 if start != NOT_YET else None
            figures = self.by_source[lead.source] if lead.source >= 0 else None
            if won:
                self.won += 1
                self.revenue += lead.value
                if days is not None:
                    self.cycle_sum += days
                    self.cycle_n += 1
                    self.cycle.add(days)
                    if self.transitions is not None and lead.arrival >= 0:  # read by the weekly figures only
                        self.timeline.entered(int(lead.arrival // 168), days)
            else:
                self.lost += 1
            if figures is not None:
                figures.close(won, lead.value, days)
            if lead.segment is not None:
                lead.segment.figures.close(won, lead.value, days)
        if won:
            self._period_won += 1
            self._period_revenue += lead.value
            if self.customers.spec is not None:
                self.customers.welcome(lead)
        if self.log is not None:
            self.log((self.replication, lead.case, str(target), "", "complete", now, "", ""))

    def _stall(self, lead: Lead, st: StageRun, entered: float, effort: float) -> None:
        """A deal that stalls for good: it stays in the stage and the pipeline, with no further work."""
        now = self.env._now
        if st.active is not None:
            del st.active[lead]
            st.stalled_since.append(entered)
        if now < self.warmup:
            return
        tally = st.tally
        tally.stalled += 1
        tally.work_sum += effort
        tally.flows[STALLED] = tally.flows.get(STALLED, 0) + 1
        self.stalled += 1

    def _leave(self, lead: Lead, st: StageRun, entered: float, effort: float, target: Any,
               cooled: bool, dropped: bool, outcome: str | None = None) -> None:
        """`outcome` names the flow when it is not the target (a stalled deal revived into a stage)."""
        now = self.env._now
        tally = st.tally
        tally.area += tally.count * (now - tally.last)  # tally.move(now, -1), inlined on the hot path
        tally.last = now
        tally.count -= 1
        if st.active is not None:
            del st.active[lead]
            if now - entered > st.stuck_after and max(entered + st.stuck_after, 0.0) >= self.warmup:  # type: ignore[operator]
                tally.stuck += 1
        if now < self.warmup:
            return
        tally.time_sum += now - entered
        tally.time_n += 1
        tally.work_sum += effort
        key = outcome or (target.id if isinstance(target, StageRun) else target)
        tally.flows[key] = tally.flows.get(key, 0) + 1
        if target == LOST:
            tally.lost += 1
            tally.lost_cooled += cooled
            tally.lost_handoff += dropped
        else:
            tally.advanced += 1

    def _acquire(self, lead: Lead, pool: Pool, st: StageRun,
                 taken: PersonState | None = None) -> Generator[simpy.Event | float | Lead, Any, PersonState | None]:
        """Wait for a person of `pool` (the lead's owner, if it has one there); None if the lead was
        dropped in a handoff. `taken`: the free person already picked for it (a handoff to decide)."""
        env, dispatch = self.env, self.dispatch
        since = env._now
        owner = self.owners.owner(lead, pool, since, self.warmup) if pool.owner_roles else None
        w: PersonState
        if taken is not None:
            w = taken
        elif owner is None:
            picked = dispatch.pick_free(pool, lead.workers, since)
            if picked is None:
                dispatch.enqueue(pool, since, lead)
                w = yield lead  # parked until someone takes it
            else:
                w = picked
        elif owner.free:
            dispatch.take(owner, since)
            w = owner
        else:
            dispatch.enqueue_own(owner, pool.priority, since, lead, pool)
            w = yield lead
        if not lead.workers or w in lead.workers:
            return w
        # a handoff: work passes to someone who has not worked on this lead before
        if env._now >= self.warmup:
            st.tally.handoffs += 1
        ho = self.handoff
        if ho is None:
            return w
        h = lead.handoffs
        lead.handoffs += 1
        if ho.loss > 0 and self.handoff_u(lead.key, h) < ho.loss:
            dispatch.release(w, env._now)
            return None
        if self.handoff_delay is None:
            return w
        dispatch.release(w, env._now)
        yield self.handoff_delay(lead.key, h)
        if owner is not None:  # the owner may have left meanwhile: ask again
            owner = self.owners.owner(lead, pool, env._now, self.warmup) if pool.owner_roles else None
        if owner is not None:
            if owner.free:
                dispatch.take(owner, env._now)
                return owner
            dispatch.enqueue_own(owner, pool.priority, since, lead, pool)  # keeps its place in the queue
            w2: PersonState = yield lead
            return w2
        w3 = dispatch.pick_free(pool, lead.workers, env._now)
        if w3 is None:
            dispatch.enqueue(pool, since, lead)  # keeps its place in the queue
            w3 = yield lead
        return w3

    # -- bookkeeping ----------------------------------------------------------------------------
    def _ticker(self) -> Process:
        marks = sorted({t for t in (self.warmup, *(168.0 * k for k in range(1, math.ceil(self.horizon / 168))))
                        if 0 < t < self.horizon})
        for t in marks:
            yield t - self.env._now
            self._close_period(t)

    def _close_period(self, now: float) -> None:
        start = self.period_start
        if now <= start:
            return
        length = now - start
        tl = self.timeline
        tl.starts.append(start)
        tl.ends.append(now)
        wip = []
        for s in self.stages:
            s.tally.move(now, 0)
            wip.append(s.tally.area / length)
            s.tally.area = 0.0
        tl.wip.append(wip)
        self.in_pipeline.move(now, 0)
        tl.pipeline.append(self.in_pipeline.area / length)
        self.in_pipeline.area = 0.0
        tl.customers.append(self.customers.close_period(now, length))
        tl.won.append(self._period_won)
        tl.revenue.append(self._period_revenue)
        self._period_won, self._period_revenue = 0, 0.0
        if self.transitions is None:
            tl.busy.append(self.dispatch.tally(now))
            tl.available.append([w.calendar.working_hours(start, now) for w in self.workers])
        else:
            tl.busy.append(self.dispatch.tally(now, len(self.workers)))
            open_hours, fte = self.transitions.period(start, now)
            tl.available.append(open_hours)
            tl.fte.append(fte)
            tl.departures.append(sum(1 for t, _ in self.departures if start <= t < now))
        self.period_start = now

    def _sweep_stuck(self) -> None:
        """Count visits still in progress at the horizon, and deals stalled for good, that had become stuck."""
        for st in self.stages:
            if st.active is None:
                continue
            limit = st.stuck_after
            for entered in (*st.active.values(), *st.stalled_since):
                if self.horizon - entered > limit:  # type: ignore[operator]
                    st.stuck_at_end += 1
                    if max(entered + limit, 0.0) >= self.warmup:  # type: ignore[operator]
                        st.tally.stuck += 1
