"""Life after won: onboarding, recurring check-ins and churn.

Every won lead (and every customer on the books at time 0) becomes a customer. Onboarding and
check-ins are ordinary stage visits done by whoever is responsible (usually the retention role), so
the retention team's load grows with the customer base. Churn is a hazard: `per_year` when check-ins
are on time, multiplied by `late_multiplier` after a check-in that started more than `late_after`
after it was due, until the next on-time check-in.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import simpy

from sim.driver import start
from sim.lead import LOST, EventRow, Lead, Process
from sim.metrics import StageTally
from sim.schema import Scenario
from sim.streams import Streams, lead_keys
from sim.units import HOURS_PER_YEAR


class Model(Protocol):
    """What the customer base needs of the replication it lives in (sim.engine.Replication): declared
    here so that customers do not import the engine that imports them."""

    @property
    def scenario(self) -> Scenario: ...
    @property
    def by_id(self) -> Mapping[str, Any]: ...
    @property
    def streams(self) -> Streams: ...
    @property
    def env(self) -> simpy.Environment: ...
    @property
    def warmup(self) -> float: ...
    @property
    def replication(self) -> int: ...
    @property
    def log(self) -> Callable[[EventRow], None] | None: ...
    def new_case(self, prefix: str = ...) -> str: ...
    def visit(self, lead: Lead, st: Any) -> Process: ...


__all__ = ["CustomerBase", "Model"]



class CustomerBase:
    """The customers of one replication."""

    def __init__(self, rep: Model) -> None:
        self.rep = rep
        self.spec = rep.scenario.customers
        self.count = StageTally()
        """Live customer count and its time integral."""
        self.new = self.churned = self.checkins = self.late_checkins = 0
        spec = self.spec
        self.onboarding: Any = None  # the engine's StageRun of each customer stage
        self.check_in: Any = None
        self.hazard = 0.0
        self.late_after = math.inf
        self.late_multiplier = 1.0
        if spec is None:
            return
        if spec.onboarding:
            self.onboarding = rep.by_id[spec.onboarding]
        if spec.check_in:
            self.check_in = rep.by_id[spec.check_in.stage]
        if spec.churn:
            self.hazard = -math.log1p(-min(spec.churn.per_year, 1 - 1e-12)) / HOURS_PER_YEAR
            self.late_after = spec.churn.late_after if spec.churn.late_after is not None else math.inf
            self.late_multiplier = spec.churn.late_multiplier
        self.budget = rep.streams.keyed_exponential("churn")
        self.phase = rep.streams.keyed_uniform("customers:initial-phase")

    def start(self) -> None:
        if self.spec is None:
            return
        base = lead_keys("initial customers")
        for k in range(self.spec.initial):
            lead = Lead(self.rep.new_case("C"), 0.0, 0.0, base | k)
            self.count.move(0.0, 1)
            start(self.rep.env, self._life(lead, onboard=False, first_due=self.phase(lead.key, 0)))

    def welcome(self, lead: Lead) -> None:
        """A lead was won: it becomes a customer."""
        if self.spec is None:
            return
        now = self.rep.env._now
        if now >= self.rep.warmup:
            self.new += 1
        self.count.move(now, 1)
        start(self.rep.env, self._life(lead, onboard=True, first_due=1.0))

    def close_period(self, now: float, length: float) -> float:
        """Time-average customers over the period just ended."""
        self.count.move(now, 0)
        avg = self.count.area / length
        self.count.area = 0.0
        return avg

    def _life(self, lead: Lead, onboard: bool, first_due: float) -> Process:
        rep, env = self.rep, self.rep.env
        if onboard and self.onboarding is not None:
            target, _ = yield from rep.visit(lead, self.onboarding)
            if target == LOST:
                return self._churn(lead)
        budget = self.budget(lead.key, 0)  # churns when the accumulated hazard reaches this
        late = False
        every = self.spec.check_in.every if self.spec and self.spec.check_in else math.inf
        gap = every * first_due
        while True:
            rate = self.hazard * (self.late_multiplier if late else 1.0)
            if rate > 0 and rate * gap >= budget:
                yield budget / rate
                return self._churn(lead)
            if self.check_in is None:
                return None  # no check-ins and no churn: a customer for good
            budget -= rate * gap
            yield gap
            gap = every
            due = env._now
            target, first_touch = yield from rep.visit(lead, self.check_in)
            if target == LOST:
                return self._churn(lead)
            budget -= rate * (env._now - due)
            if budget <= 0:
                return self._churn(lead)
            late = first_touch - due > self.late_after
            if env._now >= rep.warmup:
                self.checkins += 1
                self.late_checkins += late

    def _churn(self, lead: Lead) -> None:
        now = self.rep.env._now
        self.count.move(now, -1)
        if now >= self.rep.warmup:
            self.churned += 1
        if self.rep.log is not None:
            self.rep.log((self.rep.replication, lead.case, "churned", "", "complete", now, "", ""))
