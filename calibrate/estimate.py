"""From observed deals to every number a scenario needs, each with where it came from.

Stage by stage: where deals go (competing risks, `calibrate.outcomes`), how long each outcome takes
(`calibrate.fit`, on stays that began long enough before the as-of date for slow outcomes to show), the
staff work (measured from start/complete events, taken from an efforts file, or ASSUMED), and who does
it (`calibrate.team`). Plus arrivals per source, deal values, the working week and today's open deals.

The engine adds, before an outcome's customer-side time, the wait for working hours and the work
itself; the time in stage the data shows already contains both. Each observed stay is therefore
shortened by exactly what the engine will add to it in an empty team — the wait until the calendar
opens from its entry time, plus the stage's mean work — so simulated stays match observed ones.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from calibrate.arrivals import Arrivals, estimate_arrivals
from calibrate.deals import LOST, OPEN, WON, Deal, cut
from calibrate.figures import Figure
from calibrate.fit import Fitted, fit_times
from calibrate.mapping import stage_id
from calibrate.outcomes import outcome_shares
from calibrate.quarters import QuarterEnd, estimate_quarter_end
from calibrate.readers import Export
from calibrate.team import SHRINK, SYSTEM, TeamEstimate, estimate_calendar, estimate_team

__all__ = ["ASSUMED_WORK_HOURS", "MIN_SHARE", "Estimates", "SegmentEstimate", "SourceEstimate", "StageEstimate",
           "estimate", "implied_utilization", "restage"]

ASSUMED_WORK_HOURS = 0.5
MIN_SHARE = 0.002
"""Outcomes rarer than this (0.2%) are folded into the others: noise, not a path worth drawing."""
STALLED_MIN = 0.005
MATURE_QUANTILE = 95
RECENT_DAYS = 91
"""The arrival rate comes from the last 13 weeks when the data is longer than 17: a forecast starts
from today's level of demand. Outcome shares and times use every stay (measured on BPI 2012, a recent
window made the holdout fit no better and the estimates noisier)."""


@dataclass
class StageEstimate:
    id: str
    name: str
    roles: list[str]
    entered: int
    outcomes: dict[str, Figure]
    after: dict[str, Fitted]
    work: Fitted | None
    work_note: str
    work_hours: float
    folded: list[str] = field(default_factory=list)


@dataclass
class SourceEstimate:
    name: str
    enters: str
    arrivals: Arrivals
    value: tuple[Figure, Figure] | None
    quarter_end: QuarterEnd | None = None
    """Deal value: mean and cv (lognormal), when the data has amounts."""


@dataclass
class SegmentEstimate:
    name: str
    shares: dict[str, Figure]
    """Source -> the segment's share of its deals."""
    value: tuple[Figure, Figure] | None
    win: dict[str, Figure]
    """Stage -> multiplier on the chance to advance, against all deals (shrunk to 1 for few deals)."""


@dataclass
class Estimates:
    export: Export
    as_of: dt.datetime
    first: dt.datetime
    calendar: dict[str, float | int] | None
    calendar_note: str
    sources: list[SourceEstimate]
    stages: list[StageEstimate]
    team: TeamEstimate
    open_deals: list[Deal]
    win_rate: Figure
    implied_utilization: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    segments: list[SegmentEstimate] = field(default_factory=list)


def _hours(a: dt.datetime, b: dt.datetime) -> float:
    return (b - a).total_seconds() / 3600


class _Clock:
    """The engine's calendar, from the estimated working week: hours until it next opens."""

    def __init__(self, calendar: Mapping[str, float | int] | None, origin: dt.datetime) -> None:
        from sim.calendar import OfficeHours
        from sim.schema import Calendar

        days = int((calendar or {}).get("days_per_week", 5))
        # Monday-aligned so "first N weekdays" means what it does in the scenario.
        midnight = dt.datetime.combine(origin.date(), dt.time())
        monday = self.origin = midnight - dt.timedelta(days=midnight.weekday())
        spec = Calendar(hours_per_day=float((calendar or {}).get("hours_per_day", 8.0)), days_per_week=days,
                        day_starts=f'{float((calendar or {}).get("day_starts", 9.0))}h', start_date=monday.date())
        self.office = OfficeHours(spec)

    def working(self, a: dt.datetime, b: dt.datetime) -> float:
        """Working hours between two times."""
        return self.office.working_hours(_hours(self.origin, a), _hours(self.origin, b))

    def delay(self, t: dt.datetime, work: float) -> float:
        h = _hours(self.origin, t)
        return self.office.advance(h, work) - h if work > 0 else self.office.next_open(h) - h


def _value_fit(values: Sequence[float], what: str) -> tuple[Figure, Figure] | None:
    v = np.asarray([x for x in values if x and x > 0], dtype=float)
    if len(v) < 5:
        return None
    mean = float(v.mean())
    cv = float(v.std(ddof=1) / mean) if len(v) > 1 else 0.5
    half = 1.96 * float(v.std(ddof=1)) / np.sqrt(len(v))
    return (Figure(mean, len(v), mean - half, mean + half, f"mean {what}"),
            Figure(round(min(max(cv, 0.01), 20.0), 3), len(v), None, None, f"spread of {what} (sd/mean)"))


def estimate(export: Export, as_of: dt.datetime, efforts: Mapping[str, float] | None = None,
             seed: int = 0) -> Estimates:
    deals = cut(export.deals, as_of)
    first = min(d.created for d in deals)
    calendar, cal_note = estimate_calendar(deals, [t for t in export.busy if t < as_of])
    routing = "owner" if export.kind != "eventlog" and any(d.owner for d in deals) else "pooled"
    clock = _Clock(calendar, first)
    team = estimate_team(deals, export.stages, as_of, export.has_work, routing, clock.working)
    system_clock = _Clock({"hours_per_day": 24, "days_per_week": 7, "day_starts": 0}, first)
    notes = list(export.problems)
    # Stays per stage: (visit index, deal).
    stays: dict[str, list[tuple[Deal, int]]] = defaultdict(list)
    for d in deals:
        for i, v in enumerate(d.visits):
            stays[v.stage].append((d, i))
    stages = []
    for sid in export.stages:
        roles = team.stage_roles.get(sid, [SYSTEM])
        mine = stays.get(sid, [])
        stages.append(_stage(sid, export.names.get(sid, sid), roles, mine, as_of, efforts, export.has_work,
                             clock if roles != [SYSTEM] else system_clock, seed))
    # Sources: the source column, else one source.
    by_source: dict[str, list[Deal]] = defaultdict(list)
    for d in deals:
        by_source[stage_id(d.source) if d.source else "leads"].append(d)
    sources = []
    for name, ds in sorted(by_source.items(), key=lambda kv: -len(kv[1])):
        enters = Counter(d.visits[0].stage for d in ds if d.visits).most_common(1)[0][0]
        won_values = [d.value for d in ds if d.outcome == WON and d.value]
        values = won_values if len(won_values) >= 30 else [d.value for d in ds if d.value]
        what = "value of won deals" if len(won_values) >= 30 else "value of all deals (too few won have one)"
        arrivals = estimate_arrivals([d.created for d in ds], first, as_of, RECENT_DAYS)
        value = _value_fit([v for v in values if v is not None], what)
        qe = estimate_quarter_end(ds, first, as_of)
        if qe.arrivals is not None:
            # The engine multiplies the rate in quarter-end weeks: the rate written is the other weeks'.
            f = 1 + qe.share * (qe.arrivals.value - 1)
            r = arrivals.rate_per_week
            arrivals = replace(arrivals, rate_per_week=Figure(
                r.value / f, r.n, None if r.low is None else r.low / f, None if r.high is None else r.high / f,
                r.source + f"; outside quarter-end weeks (x{qe.arrivals.value:g} in them)"))
        sources.append(SourceEstimate(name, enters, arrivals, value, qe))
    segments = _segments(deals, by_source, export.stages)
    if segments:
        for src in sources:
            src.value = None  # each segment has its value
    closed = [d for d in deals if d.outcome in (WON, LOST)]
    won = sum(d.outcome == WON for d in closed)
    p = won / len(closed) if closed else 0.0
    half = 1.96 * np.sqrt(p * (1 - p) / max(len(closed), 1))
    win_rate = Figure(p, len(closed), p - half, p + half, "won / (won + lost), deals closed before the as-of date")
    open_deals = [d for d in deals if d.outcome == OPEN and d.visits]
    est = Estimates(export, as_of, first, calendar, cal_note, sources, stages, team, open_deals, win_rate,
                    notes=notes, segments=segments)
    est.implied_utilization = implied_utilization(est)
    for st in stages:
        if st.outcomes.get("stalled") is not None and st.outcomes["stalled"].assumed:
            notes.append(f"no deal has left stage {st.id} yet ({st.entered} stays): written as stalled, ASSUMED")
    if team.left:
        notes.append(f"{len(team.left)} people in the data did no work in the last 28 days and are left out of "
                     f"the team: {', '.join(team.left[:8])}{' ...' if len(team.left) > 8 else ''}")
    return est


def _advance_shares(deals: Sequence[Deal]) -> dict[str, tuple[int, int]]:
    """Stage -> (stays that advanced or won, stays that ended), over closed stays."""
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for d in deals:
        for i, v in enumerate(d.visits):
            left, where = d.left(i)
            if left is None:
                continue
            out[v.stage][1] += 1
            out[v.stage][0] += where != LOST
    return {k: (a, n) for k, (a, n) in out.items()}


def _segments(deals: Sequence[Deal], by_source: Mapping[str, Sequence[Deal]],
              stages: Sequence[str]) -> list[SegmentEstimate]:
    names = sorted({d.segment for d in deals if d.segment})
    if not names:
        return []
    overall = _advance_shares(deals)
    out = []
    for raw in names:
        mine = [d for d in deals if d.segment == raw]
        shares = {}
        for src, ds in by_source.items():
            tagged = [d for d in ds if d.segment]
            if tagged:
                k = sum(1 for d in tagged if d.segment == raw)
                shares[src] = Figure(k / len(tagged), len(tagged), None, None, "share of the source's deals")
        won_values = [d.value for d in mine if d.outcome == WON and d.value]
        values = won_values if len(won_values) >= 30 else [d.value for d in mine if d.value]
        what = "value of its won deals" if len(won_values) >= 30 else "value of its deals"
        win = {}
        seg = _advance_shares(mine)
        for st in stages:
            if st not in seg or st not in overall or not overall[st][1] or not seg[st][1]:
                continue
            a, n = seg[st]
            base = overall[st][0] / overall[st][1]
            if base <= 0:
                continue
            raw_m = (a / n) / base
            m = 1.0 + (raw_m - 1.0) * n / (n + SHRINK)
            if abs(m - 1) >= 0.02:
                win[st] = Figure(round(m, 3), n, None, None,
                                 f"its advance rate {a / n:.2f} over all deals' {base:.2f}, shrunk by n/(n+{SHRINK:g})")
        out.append(SegmentEstimate(stage_id(raw), shares,
                                   _value_fit([v for v in values if v is not None], what), win))
    return out


def _stage(sid: str, name: str, roles: list[str], stays: list[tuple[Deal, int]], as_of: dt.datetime,
           efforts: Mapping[str, float] | None, has_work: bool, clock: _Clock, seed: int) -> StageEstimate:
    targets: list[str] = []
    times: list[float] = []
    kinds: list[int] = []
    durations: dict[str, list[tuple[dt.datetime, float]]] = defaultdict(list)
    work = [sum(clock.working(a, b) for _, a, b in d.visits[i].work) for d, i in stays] if has_work else []
    for d, i in stays:
        entered = d.visits[i].entered
        left, where = d.left(i)
        counts = True
        if left is None or left >= as_of:
            if counts:
                times.append(_hours(entered, as_of))
                kinds.append(-1)
            continue
        if where not in targets:
            targets.append(where)
        if counts:
            times.append(_hours(entered, left))
            kinds.append(targets.index(where))
        durations[where].append((entered, _hours(entered, left)))
    # Staff work: the efforts file, else measured start/complete work, else ASSUMED.
    if roles == [SYSTEM]:
        work_fit, note, work_mean = None, "automated (no person's work in the data): 1 second", 1 / 3600
    elif efforts and sid in efforts:
        work_mean = efforts[sid]
        work_fit, note = None, "from the efforts file"
    elif has_work and work:
        w = np.asarray(work, dtype=float)
        work_mean = float(w.mean())
        pos = w[w > 0]
        cv = float(pos.std() / pos.mean()) if len(pos) > 1 else 1.0
        work_fit = Fitted("gamma", max(work_mean, 1 / 60), round(min(max(cv, 0.1), 3.0), 3), len(w), None, (),
                          f"measured: start to complete of the stage's work items, {len(w):,} stays")
        note = work_fit.note
    else:
        work_mean = ASSUMED_WORK_HOURS
        work_fit, note = None, ("ASSUMED: stage dates do not show staff work; give it with --efforts "
                                "(see the implied utilization)")
    k = len(targets)
    shares: dict[str, Figure] = {}
    folded: list[str] = []
    if k:
        est, low, high = outcome_shares(times, kinds, k, seed)
        residual = float(est[k])
        keep = [j for j in range(k) if est[j] >= MIN_SHARE]
        folded = [targets[j] for j in range(k) if j not in keep]
        stalled = residual >= STALLED_MIN
        total = float(sum(est[j] for j in keep)) + (residual if stalled else 0.0)
        n_closed = sum(1 for x in kinds if x >= 0)
        censored = len(kinds) - n_closed
        how = (f"Aalen–Johansen over {len(kinds):,} stays ({censored:,} still open, censored)"
               if censored else f"share of {len(kinds):,} stays")
        for j in keep:
            shares[targets[j]] = Figure(float(est[j]) / total, n_closed, float(low[j]), float(high[j]), how)
        if stalled:
            shares["stalled"] = Figure(residual / total, len(kinds), float(low[k]), float(high[k]),
                                       "never left: the share still open after the last observed exit")
    if not shares:
        # No stay has left this stage by the as-of date: the data cannot say where deals go from it.
        shares["stalled"] = Figure(1.0, len(stays), None, None, "ASSUMED: no stay has left this stage by the as-of "
                                   "date, so its deals stay open (stalled) until the data shows an exit")
    after: dict[str, Fitted] = {}
    for target in shares:
        if target == "stalled":
            continue
        obs = durations[target]
        if not obs:
            continue
        spans = np.array([h for _, h in obs])
        cutoff = as_of - dt.timedelta(hours=float(np.percentile(spans, MATURE_QUANTILE)))
        mature = [(e, h) for e, h in obs if e <= cutoff]
        use = mature if len(mature) >= 50 else obs
        residual_hours = np.array([h - clock.delay(e, work_mean) for e, h in use])
        fitted = fit_times(np.maximum(residual_hours, 0.0), floor=1 / 3600)
        cohort = ("stays entered before " + cutoff.strftime("%Y-%m-%d") if use is mature
                  else "all closed stays (too few old ones)")
        after[target] = Fitted(fitted.dist, fitted.mean, fitted.cv, fitted.n, fitted.ks, fitted.values,
                               f"{fitted.note}; {cohort}, less the wait for working hours and the work")
    return StageEstimate(sid, name, roles, len(stays), shares, after, work_fit, note, work_mean, folded)


def implied_utilization(est: Estimates) -> dict[str, float]:
    """Each role's share of its working time that the stages' work takes, at the measured stage entries."""
    weeks = max(_hours(est.first, est.as_of) / 168, 1e-9)
    hours_per_week = float((est.calendar or {}).get("hours_per_day", 8)) * int(
        (est.calendar or {}).get("days_per_week", 5))
    load: dict[str, float] = defaultdict(float)
    for st in est.stages:
        if st.roles == [SYSTEM]:
            continue
        per_week = st.entered / weeks * st.work_hours
        for r in st.roles:
            load[r] += per_week / len(st.roles)
    people = Counter(m.role for m in est.team.members)
    return {r: load[r] / (people[r] * hours_per_week) for r in load if people[r]}


def restage(est: Estimates) -> None:
    """After a team file moved people between roles: each stage's roles, the implied utilization."""
    for st in est.stages:
        st.roles = est.team.stage_roles.get(st.id, st.roles)
    est.implied_utilization = implied_utilization(est)
