"""The team as the data shows it: working hours, people, their roles and what sets them apart.

People come from owners (CRM exports) or from the resources of work items (event logs); automated
resources (the mapping's `automated`) are not people. Only people active in the last `ACTIVE_DAYS`
before the as-of date make the team: someone who left in spring is not on today's team. A person's
role is named after the stage where most of their work is; their responsibilities are the stages with
at least `MIN_SHARE` of it. Personal speed and win rates are shrunk towards the role's (a person with
few deals looks exceptional by chance): weight n / (n + `SHRINK`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from calibrate.deals import LOST, WON, Deal
from calibrate.figures import Figure

__all__ = ["ACTIVE_DAYS", "SHRINK", "SYSTEM", "PersonEstimate", "TeamEstimate", "estimate_calendar", "estimate_team",
           "override_roles", "person_name"]

ACTIVE_DAYS = 28
MIN_SHARE = 0.05
SHRINK = 20.0
SYSTEM = "system"
OWNER_ROLE = "owner"


@dataclass
class PersonEstimate:
    name: str
    role: str
    stages: list[str]
    share: Figure | None = None
    speed: Figure | None = None
    win_rate: Figure | None = None


@dataclass
class TeamEstimate:
    routing: str
    """`owner` (deals have owners) or `pooled` (work items go to whoever is free)."""
    members: list[PersonEstimate]
    stage_roles: dict[str, list[str]]
    left: list[str] = field(default_factory=list)
    """People in the data not active in the last ACTIVE_DAYS: left out."""
    note: str = ""


def estimate_calendar(deals: Sequence[Deal], busy: Sequence[dt.datetime] = ()
                      ) -> tuple[dict[str, float | int] | None, str]:
    """Working hours from when people did things (events with a person, else stage moves of deals
    with an owner): hours of the day, days of the week; None when the data has dates only."""
    times = list(busy) or [v.entered for d in deals for v in d.visits[1:] if v.owner is not None]
    if len(times) < 50:
        return None, "ASSUMED: the default working week (too few timed events)"
    midnight = sum(1 for t in times if t.time() == dt.time())
    if midnight > 0.8 * len(times):
        return None, "ASSUMED: the default working week (the export has dates, not times)"
    hours = np.array([t.hour + t.minute / 60 for t in times])
    lo, hi = np.percentile(hours, [2, 98])
    start, end = float(np.floor(lo)), float(min(24.0, np.ceil(hi)))
    per_day = np.bincount([t.weekday() for t in times], minlength=7)
    top = per_day.max()
    days = max(1, max(i + 1 for i in range(7) if per_day[i] >= 0.1 * top))
    what = "events by people" if busy else "stage moves of owned deals"
    note = (f"hours of {len(times):,} {what}: 96% between {start:g}h and {end:g}h, "
            f"{days} days a week (times in UTC)")
    return {"hours_per_day": end - start, "days_per_week": days, "day_starts": start}, note


def person_name(raw: str) -> str:
    """A name a scenario accepts: printable, no surrounding spaces, no leading character a spreadsheet
    reads as a formula."""
    import unicodedata

    text = "".join(c for c in unicodedata.normalize("NFC", raw) if unicodedata.category(c)[0] != "C")
    return text.strip().lstrip("=+-@ ") or "person"


def _shrunk(raw: float, n: int) -> float:
    w = n / (n + SHRINK)
    return 1.0 + (raw - 1.0) * w


def estimate_team(deals: Sequence[Deal], stages: Sequence[str], as_of: dt.datetime, has_work: bool,
                  routing: str, hours: Callable[[dt.datetime, dt.datetime], float]) -> TeamEstimate:
    """`hours(start, end)`: the working hours between two times (the estimated working week)."""
    since = as_of - dt.timedelta(days=ACTIVE_DAYS)
    if routing == "owner":
        return _owners(deals, stages, as_of, since)
    return _pooled(deals, stages, since, has_work, hours)


def _owners(deals: Sequence[Deal], stages: Sequence[str], as_of: dt.datetime, since: dt.datetime) -> TeamEstimate:
    owned = Counter(d.owner for d in deals if d.owner)
    active = {d.owner for d in deals if d.owner and (d.created >= since or any(v.entered >= since for v in d.visits)
                                                       or (d.closed is not None and d.closed >= since))}
    recent = Counter(d.owner for d in deals if d.owner in active and d.created >= as_of - dt.timedelta(days=91))
    closed = [d for d in deals if d.outcome in (WON, LOST) and d.owner]
    overall = sum(d.outcome == WON for d in closed) / len(closed) if closed else 0.0  # of owned deals
    k = max(1, len(stages))
    members = []
    total = sum(recent.values()) or 1
    for name in sorted(active, key=lambda p: (-owned[p], p)):
        mine = [d for d in closed if d.owner == name]
        n = len(mine)
        share = Figure(recent[name] / total, recent[name], None, None,
                       "share of the deals created in the last 13 weeks")
        win = None
        if n and overall > 0:
            raw = (sum(d.outcome == WON for d in mine) / n) / overall
            per_stage = max(0.5, min(1.5, _shrunk(raw, n) ** (1 / k)))
            win = Figure(round(per_stage, 3), n, None, None,
                         f"their win rate {raw:.2f}x the team's over {n} closed deals, shrunk to the team's by "
                         f"n/(n+{SHRINK:g}), per stage (the {k}th root)")
        members.append(PersonEstimate(person_name(name), OWNER_ROLE, list(stages), share, None, win))
    left = sorted(set(owned) - active)
    return TeamEstimate("owner", members, {s: [OWNER_ROLE] for s in stages}, left,
                f"owners active in the last {ACTIVE_DAYS} days")


def _pooled(deals: Sequence[Deal], stages: Sequence[str], since: dt.datetime, has_work: bool,
            working: Callable[[dt.datetime, dt.datetime], float]) -> TeamEstimate:
    work: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    items: dict[str, list[float]] = defaultdict(list)
    stage_items: dict[str, list[float]] = defaultdict(list)
    active: set[str] = set()
    for d in deals:
        for v in d.visits:
            if has_work and v.work:
                for person, start, end in v.work:
                    if person is None:
                        continue
                    hours = working(start, end)
                    work[person][v.stage] += hours
                    items[f"{person}\0{v.stage}"].append(hours)
                    stage_items[v.stage].append(hours)
                    if start >= since:
                        active.add(person)
            elif v.owner is not None:
                work[v.owner][v.stage] += 1
                if v.entered >= since:
                    active.add(v.owner)
    members = []
    for name in sorted(active):
        total = sum(work[name].values())
        if total <= 0:
            continue
        main = max(stages, key=lambda s: (work[name][s], -stages.index(s)))
        mine = [s for s in stages if work[name][s] >= MIN_SHARE * total]
        speed = None
        if has_work:
            ratios: list[tuple[float, int]] = []
            n = 0
            for s in mine:
                own = items.get(f"{name}\0{s}", [])
                if own and stage_items[s]:
                    ratios.append((float(np.mean(stage_items[s])) / max(float(np.mean(own)), 1e-9), len(own)))
                    n += len(own)
            if ratios and n:
                raw = float(np.exp(sum(np.log(r) * m for r, m in ratios) / n))
                sp = max(0.5, min(2.0, _shrunk(raw, n)))
                speed = Figure(round(sp, 3), n, None, None,
                               f"the team's mean time per work item over theirs ({raw:.2f}), {n} items, shrunk by "
                               f"n/(n+{SHRINK:g})")
        members.append(PersonEstimate(person_name(name), f"{main}_team", mine, None, speed, None))
    stage_roles: dict[str, list[str]] = {}
    for s in stages:
        roles = sorted({m.role for m in members if s in m.stages})
        stage_roles[s] = roles or [SYSTEM]
    left = sorted(set(work) - active)
    return TeamEstimate("pooled", members, stage_roles, left, f"people with work in the last {ACTIVE_DAYS} days")


def override_roles(team: TeamEstimate, roles: dict[str, str]) -> list[str]:
    """Give people the roles a team file names (`--team`); returns notes on names it does not know."""
    from calibrate.mapping import stage_id

    notes = []
    known = {m.name for m in team.members}
    roles = {person_name(k): stage_id(v) for k, v in roles.items()}
    for m in team.members:
        if m.name in roles:
            m.role = roles[m.name]
    unknown = sorted(set(roles) - known)
    if unknown:
        notes.append(f"the team file names people not on the team (not in the data, or no work in the last "
                     f"{ACTIVE_DAYS} days): {', '.join(unknown[:8])}")
    if team.routing == "pooled":
        for s in team.stage_roles:
            rs = sorted({m.role for m in team.members if s in m.stages})
            team.stage_roles[s] = rs or [SYSTEM]
    else:
        for s in team.stage_roles:
            team.stage_roles[s] = sorted({m.role for m in team.members}) or [OWNER_ROLE]
    return notes
