"""A scenario's dated changes as a whole: are they consistent, and which of them are the file itself.

Each change is checked against the team as it stands on its date (people join, leave and take on
stages in date order), so "a person leaving twice" or "a change for someone who has not joined yet" is
caught before anything runs. Changes dated at the start that the file can say directly (a person on
the team, a role's hours, a source's rate, a stage's outcomes) are written into it (`fold`): a change
at time 0 and the same file written without it are one and the same scenario.
"""

from __future__ import annotations

from typing import Any

from sim.errors import Problem, human_hours, unknown
from sim.schema import STALLED, TERMINALS, Change, Scenario
from sim.team import build_team, default_stages

__all__ = ["change_problems", "dated", "fold", "human_when"]


def dated(sc: Scenario) -> list[tuple[float, int, Change]]:
    """(hours from the start, index in the file, change), in date order (file order on the same date)."""
    return sorted(((sc.hours_at(c), i, c) for i, c in enumerate(sc.changes or ())), key=lambda x: (x[0], x[1]))


def human_when(sc: Scenario, hours: float) -> str:
    """A change's moment as a manager reads it: the date and the week of the run."""
    import datetime as dt

    day = sc.start_date + dt.timedelta(hours=hours)
    return f"{day.isoformat()} (week {int(hours // 168) + 1})"


def _p(path: tuple[object, ...], message: str, value: object = None, has_value: bool = True) -> Problem:
    return Problem(path=path, message=message, value=value, has_value=has_value)


def change_problems(sc: Scenario) -> list[Problem]:
    """Every inconsistency of the dated changes with the file and with each other."""
    out: list[Problem] = []
    team = build_team(sc)
    present = {m.name: m.role for m in team.people}
    stages_of = {m.name: set(m.stages) for m in team.people}
    joins_at = {c.joins.name: sc.hours_at(c) for c in sc.changes or () if c.joins is not None}
    gone: set[str] = set()
    ids = [s.id for s in sc.stages]

    def person(i: int, field: tuple[object, ...], name: str, h: float) -> bool:
        if name in present:
            return True
        if name in gone:
            out.append(_p(("changes", i, *field), f"{name} has already left by then", name))
        elif name in joins_at and joins_at[name] > h:
            out.append(_p(("changes", i, *field), f"{name} has not joined yet on that date (joins "
                          f"{human_when(sc, joins_at[name])})", name))
        else:
            out.append(_p(("changes", i, *field), unknown("person", name, sorted({*present, *gone, *joins_at})),
                          name))
        return False

    def stage_list(i: int, field: tuple[object, ...], role: str, stages: list[str]) -> None:
        can_do = sc.roles[role].can_do
        for j, st in enumerate(stages):
            if st not in ids:
                out.append(_p(("changes", i, *field, j), unknown("stage", st, ids), st))
            elif can_do is not None and st not in can_do:
                out.append(_p(("changes", i, *field, j), f"role {role} may not do this stage; its can_do is: "
                              f"{', '.join(can_do)}", st))

    for h, i, c in dated(sc):
        if h < 0:
            out.append(_p(("changes", i, "at"), f"before the start date {sc.start_date}: a change happens during "
                          "the run", str(c.at)))
            continue
        if h >= sc.horizon:
            out.append(_p(("changes", i, "at"), f"after the end of the run ({human_hours(sc.horizon)} from the "
                          "start): it would never happen; lengthen the horizon or move the date", str(c.at)))
            continue
        if c.joins is not None:
            p = c.joins
            if p.role not in sc.roles:
                out.append(_p(("changes", i, "joins", "role"), unknown("role", p.role, list(sc.roles)), p.role))
                continue
            if p.name in present or p.name in gone:
                out.append(_p(("changes", i, "joins", "name"), "two people share this name (someone on the team, "
                              "or who was)", p.name))
                continue
            stage_list(i, ("joins", "stages"), p.role, p.stages or [])
            present[p.name] = p.role
            stages_of[p.name] = set(p.stages) if p.stages is not None else set(default_stages(sc, p.role))
        elif c.leaves is not None:
            if not person(i, ("leaves",), c.leaves, h):
                continue
            if c.to is not None:
                if c.to == c.leaves:
                    out.append(_p(("changes", i, "to"), "someone else takes over a leaver's work", c.to))
                elif person(i, ("to",), c.to, h) and present[c.to] != present[c.leaves]:
                    out.append(_p(("changes", i, "to"), f"{c.to} is a {present[c.to]}; the work of a "
                                  f"{present[c.leaves]} goes to someone of the same role", c.to))
            del present[c.leaves]
            gone.add(c.leaves)
        elif c.responsibilities is not None:
            r = c.responsibilities
            if not person(i, ("responsibilities", "person"), r.person, h):
                continue
            stage_list(i, ("responsibilities", "add"), present[r.person], r.add)
            # removing a stage they do not hold (or adding one they do) changes nothing: `optimize` may
            # already have moved it in today's plan
            out += [_p(("changes", i, "responsibilities", "remove", j), unknown("stage", st, ids), st)
                    for j, st in enumerate(r.remove) if st not in ids]
            stages_of[r.person] = (stages_of[r.person] | set(r.add)) - set(r.remove)
        elif c.calendar is not None and c.calendar.role not in sc.roles:
            out.append(_p(("changes", i, "calendar", "role"), unknown("role", c.calendar.role, list(sc.roles)),
                          c.calendar.role))
        elif c.source is not None and c.source.source not in [s.name for s in sc.sources]:
            out.append(_p(("changes", i, "source", "source"),
                          unknown("source", c.source.source, [s.name for s in sc.sources]), c.source.source))
        elif c.stage is not None:
            if c.stage.stage not in ids:
                out.append(_p(("changes", i, "stage", "stage"), unknown("stage", c.stage.stage, ids),
                              c.stage.stage))
                continue
            for t in c.stage.outcomes:
                if t not in ids and t not in TERMINALS and t != STALLED:
                    out.append(_p(("changes", i, "stage", "outcomes", t),
                                  unknown("outcome", t, ids, "won, lost, stalled, "), t))
    return out


def fold(sc: Scenario) -> Scenario:
    """The scenario with its changes at time 0 written into the file where the file can say them (a
    person leaving at the start stays a change: their deals and seat are still theirs)."""
    if not sc.changes:
        return sc
    people = list(sc.people) if sc.people is not None else None
    roles, sources, stages = dict(sc.roles), list(sc.sources), list(sc.stages)
    listed = {p.role for p in people or ()}
    kept: list[Change] = []
    for h, _, c in dated(sc):
        if h > 0:
            kept.append(c)
        elif c.joins is not None and people is not None and c.joins.role in listed:
            p = c.joins
            ramp = p.ramp if p.ramp is not None else roles[p.role].ramp
            last = max(i for i, q in enumerate(people) if q.role == p.role)
            people.insert(last + 1, p.model_copy(update={"ramp": ramp}))
            count = roles[p.role].headcount
            if count is not None:
                roles[p.role] = roles[p.role].model_copy(update={"headcount": count + 1})
        elif c.responsibilities is not None and people is not None and \
                any(q.name == c.responsibilities.person for q in people):
            r = c.responsibilities
            k = next(i for i, q in enumerate(people) if q.name == r.person)
            given = people[k].stages
            now = list(given) if given is not None else list(default_stages(sc, people[k].role))
            now = [s for s in now if s not in r.remove] + [s for s in r.add if s not in now]
            people[k] = people[k].model_copy(update={"stages": now})
        elif c.calendar is not None:
            roles[c.calendar.role] = roles[c.calendar.role].model_copy(update={"calendar": c.calendar.calendar})
        elif c.source is not None:
            k = next(i for i, s in enumerate(sources) if s.name == c.source.source)
            sources[k] = sources[k].model_copy(update={"rate": c.source.rate})
        elif c.stage is not None:
            k = next(i for i, s in enumerate(stages) if s.id == c.stage.stage)
            stages[k] = stages[k].model_copy(update={"outcomes": c.stage.outcomes})
        else:
            kept.append(c)
    update: dict[str, Any] = {"people": people, "roles": roles, "sources": sources, "stages": stages,
                              "changes": kept or None}
    return sc.model_copy(update=update)
