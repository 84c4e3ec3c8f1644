"""A plan at least as good as today's, fast, for a team of any size: local search from today's plan.

Moves one responsibility at a time — hand a stage to someone else, share it with one more person, or
drop it where others hold it — taking at each step the move that most improves the objective asked
for (the highest utilization, total overload, or queueing delay, all on the model's predicted
utilization), then the spread of the load (sum of squares), under every setting of the MILP (eligible
stages, kept people, stages per person, cover, changes against today). It stops when no move helps.

It is no proof of optimality: the MILP (`optimize.assign`) gives that. It gives the MILP's answer a
floor. When the solver finds nothing within its limits, or only something worse, the local search's
plan is the answer, so a team whose plan meets the settings always gets a plan at least as good as
today's, in seconds (`python -m optimize.bench` measures how long).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from optimize.assign import RHO_MAX, Objective, Plan, Settings, Status, check_plan
from optimize.workload import Workload

__all__ = ["LOCAL_SEARCH", "improve", "score_plan"]

LOCAL_SEARCH = "local search"
"""How the message of a plan the local search found begins."""
MAX_STEPS = 500


def score_plan(st: Settings, plan: Plan) -> float:
    """The objective asked for, on a plan's predicted utilization (the same measure for every plan)."""
    return _score(st.objective, st.overload_threshold)(list(plan.utilization.values()))


def _max_score(us: list[float]) -> float:
    return max(us, default=0.0)


def _score(objective: Objective, threshold: float) -> Callable[[list[float]], float]:
    if objective is Objective.OVERLOAD:
        return lambda us: math.fsum(max(0.0, u - threshold) for u in us) + 1e-3 * max(us, default=0.0)
    if objective is Objective.CYCLE_TIME:
        return lambda us: math.fsum(u * u / (1 - u) if u < RHO_MAX else math.inf for u in us)
    return _max_score


class _Search:
    """Responsibilities and the load they put on each person, updated move by move; a move is evaluated
    from the counts it changes (one stage's holders), not by recomputing the team."""

    def __init__(self, wl: Workload, st: Settings, start: dict[str, tuple[str, ...]]) -> None:
        self.wl, self.st = wl, st
        self.people = wl.people
        self.today = [frozenset(p.stages) for p in wl.people]
        self.resp = [set(start[p.name]) for p in wl.people]
        self.holders = {x: {i for i in range(len(wl.people)) if x in self.resp[i]} for x in wl.stages}
        self.items_of = {x: [k for k, it in enumerate(wl.items) if it.stage == x] for x in wl.stages}
        self.can = [[wl.item_eligible(p, it) for it in wl.items] for p in wl.people]
        self.cnt = [sum(p.count for i, p in enumerate(wl.people) if it.stage in self.resp[i] and self.can[i][k])
                    for k, it in enumerate(wl.items)]
        self.base = [self._base(i) for i in range(len(wl.people))]
        self.changes = sum(p.count * len(self.resp[i] ^ self.today[i]) for i, p in enumerate(wl.people))

    def _base(self, i: int) -> float:
        items = self.wl.items
        return math.fsum(items[k].hours_per_week / self.cnt[k] for x in self.resp[i] for k in self.items_of[x]
                         if self.can[i][k] and self.cnt[k])

    def util(self, i: int, base: float, stages: int) -> float:
        return base * self.wl.focus(stages) / self.people[i].hours_per_week

    def evaluate(self, stage: str, giver: int | None, taker: int | None) -> tuple[dict[int, float], int] | None:
        """Utilization of the people a move touches, and the changes against today after it; None when
        the move breaks a setting."""
        st, people, items = self.st, self.people, self.wl.items
        changes = self.changes
        for who, gains in ((giver, False), (taker, True)):
            if who is None:
                continue
            p = people[who]
            if p.name in st.keep or (gains and stage not in p.eligible):
                return None
            size = len(self.resp[who]) + (1 if gains else -1)
            if size < 1 or (st.max_stages is not None and size > st.max_stages):
                return None
            changes += p.count * (-1 if (stage in self.today[who]) == gains else 1)
        if st.max_changes is not None and changes > st.max_changes:
            return None
        after = set(self.holders[stage])
        if giver is not None:
            after.discard(giver)
        if taker is not None:
            after.add(taker)
        if sum(people[h].count for h in after) < st.min_cover:
            return None
        cnt = {}
        for k in self.items_of[stage]:
            c = self.cnt[k] - (people[giver].count if giver is not None and self.can[giver][k] else 0) \
                + (people[taker].count if taker is not None and self.can[taker][k] else 0)
            if c <= 0:
                return None  # nobody would carry this work
            cnt[k] = c
        out = {}
        for h in after | self.holders[stage]:
            base = self.base[h]
            if h in self.holders[stage]:
                base -= math.fsum(items[k].hours_per_week / self.cnt[k] for k in self.items_of[stage] if self.can[h][k])
            if h in after:
                base += math.fsum(items[k].hours_per_week / cnt[k] for k in self.items_of[stage] if self.can[h][k])
            size = len(self.resp[h]) + (1 if h == taker else -1 if h == giver else 0)
            out[h] = self.util(h, max(base, 0.0), size)
        return out, changes

    def apply(self, stage: str, giver: int | None, taker: int | None, changes: int) -> None:
        if giver is not None:
            self.resp[giver].discard(stage)
            self.holders[stage].discard(giver)
        if taker is not None:
            self.resp[taker].add(stage)
            self.holders[stage].add(taker)
        for k in self.items_of[stage]:
            self.cnt[k] = sum(self.people[h].count for h in self.holders[stage] if self.can[h][k])
        for h in range(len(self.people)):  # exact again after each applied move (no drift)
            self.base[h] = self._base(h)
        self.changes = changes


def improve(wl: Workload, st: Settings, start: dict[str, tuple[str, ...]] | None = None,
            origin: str = "the solver's best plan") -> Plan | None:
    """The local search's plan from `start` (default: today's responsibilities; `origin` names another
    start in the plan's message); None when the start breaks a setting (no place to start from). Changes
    are always counted against today."""
    started = time.perf_counter()
    begin = start if start is not None else {p.name: tuple(p.stages) for p in wl.people}
    changes = sum(p.count * len(set(begin[p.name]) ^ set(p.stages)) for p in wl.people)
    first = Plan(Status.FEASIBLE, st.solver, "", None, None, None, begin, wl.predict(begin), changes)
    if check_plan(wl, st, first):
        return None
    s = _Search(wl, st, begin)
    score = _score(st.objective, st.overload_threshold)
    n = len(wl.people)
    utils = [s.util(i, s.base[i], len(s.resp[i])) for i in range(n)]
    current = (score(utils), math.fsum(u * u for u in utils))
    for _ in range(MAX_STEPS):
        order = sorted(range(n), key=lambda i: -utils[i])
        best: tuple[tuple[float, float], str, int | None, int | None, int] | None = None
        for i in order[:3]:
            for stage in sorted(s.resp[i]):
                moves: list[tuple[int | None, int | None]] = [(i, None)]  # drop it: the others carry it
                moves += [(g, j) for j in range(n) if j not in s.holders[stage] and stage in wl.people[j].eligible
                          for g in (i, None)]  # hand it over, or share it with one more person
                for giver, taker in moves:
                    ev = s.evaluate(stage, giver, taker)
                    if ev is None:
                        continue
                    new, changes = ev
                    value = (_with(score, utils, new, order), math.fsum(u * u for u in utils)
                             - math.fsum(utils[h] ** 2 for h in new) + math.fsum(u * u for u in new.values()))
                    better = value[0] < current[0] - 1e-9 or (value[0] <= current[0] + 1e-12
                                                              and value[1] < current[1] - 1e-9)
                    if better and (best is None or value < best[0]):
                        best = (value, stage, giver, taker, changes)
        if best is None:
            pair = _split(s, score, current, order[0])
            if pair is None:
                break
            current = pair
        else:
            current, stage, giver, taker, changes = best
            s.apply(stage, giver, taker, changes)
        utils = [s.util(h, s.base[h], len(s.resp[h])) for h in range(n)]
    order_of = {x: k for k, x in enumerate(wl.stages)}
    resp = {p.name: tuple(sorted(s.resp[i], key=order_of.__getitem__)) for i, p in enumerate(wl.people)}
    util = wl.predict(resp)
    if start is None:
        origin = "today's responsibilities"
    plan = Plan(Status.FEASIBLE, st.solver, f"{LOCAL_SEARCH} from {origin}", score(list(util.values())), None, None,
                resp, util, s.changes, time.perf_counter() - started)
    return plan if not check_plan(wl, st, plan) else None


def _split(s: _Search, score: Callable[[list[float]], float], current: tuple[float, float],
           i: int) -> tuple[float, float] | None:
    """Two people who share two stages each keep one of them (i drops one, the other drops the other):
    the move a tie at the top needs, since either drop alone makes the other busier. Applied when it
    improves the objective; returns the new value, or None."""
    n = len(s.people)
    for stage in sorted(s.resp[i]):
        for j in sorted(s.holders[stage] - {i}):
            for other in sorted((s.resp[i] & s.resp[j]) - {stage}):
                first = s.evaluate(stage, i, None)
                if first is None:
                    continue
                s.apply(stage, i, None, first[1])
                second = s.evaluate(other, j, None)
                if second is not None:
                    s.apply(other, j, None, second[1])
                    us = [s.util(h, s.base[h], len(s.resp[h])) for h in range(n)]
                    value = (score(us), math.fsum(u * u for u in us))
                    if value[0] < current[0] - 1e-9:
                        return value
                    s.apply(other, None, j, s.changes + _change(s, j, other, True))  # undo
                s.apply(stage, None, i, s.changes + _change(s, i, stage, True))  # undo
    return None


def _change(s: _Search, who: int, stage: str, gains: bool) -> int:
    """How the count of changes against today moves when `who` gains (or loses) `stage`."""
    return s.people[who].count * (-1 if (stage in s.today[who]) == gains else 1)


def _with(score: Callable[[list[float]], float], utils: list[float], new: dict[int, float], order: list[int]) -> float:
    """The objective with the touched people's new utilization (the rest as they are)."""
    if score is _max_score:
        top = next((utils[i] for i in order if i not in new), 0.0)
        return max(top, max(new.values(), default=0.0))
    us = list(utils)
    for h, u in new.items():
        us[h] = u
    return score(us)
