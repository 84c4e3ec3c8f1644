"""Whole-file checks of a scenario: references, responsibilities and the shape of the flow.

Every problem found is returned (not just the first), each with the field path it concerns, so the
user fixes a file in one pass.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

from sim.changes import change_problems
from sim.errors import Problem, human_hours, unknown
from sim.schema import STALLED, TERMINALS, OpenDeal, Scenario
from sim.team import build_team

__all__ = ["check_scenario", "deal_problems", "human_hours"]


def check_scenario(sc: Scenario) -> list[Problem]:
    """All problems that the field-by-field schema cannot see; empty when the scenario can run.

    References are all checked together, so a file is fixed in one pass; the checks that need a
    resolved team (headcounts, responsibility, flow) follow once they hold."""
    problems = _times(sc) + _references(sc) + _people_references(sc)
    if problems:  # the checks below assume references resolve
        return problems
    problems += _people(sc)
    if problems:
        return problems
    problems += change_problems(sc)
    if problems:
        return problems
    problems += _responsibility(sc)
    problems += _flow(sc)
    return problems


def _p(path: tuple[object, ...], message: str, value: object = None, has_value: bool = True) -> Problem:
    return Problem(path=path, message=message, value=value, has_value=has_value)


def _times(sc: Scenario) -> list[Problem]:
    if sc.warmup >= sc.horizon:
        return [_p(("warmup",), f"must be shorter than the horizon ({human_hours(sc.horizon)})",
                   human_hours(sc.warmup))]
    return []


def _references(sc: Scenario) -> list[Problem]:
    """Every id a stage, source, role or the customers section names must exist."""
    return (_stage_references(sc) + _source_references(sc) + _role_and_customer_references(sc)
            + _segment_references(sc) + _pipeline_references(sc))


def _stage_references(sc: Scenario) -> list[Problem]:
    out: list[Problem] = []
    ids = [s.id for s in sc.stages]
    known = set(ids)
    role_list = list(sc.roles)
    seen: set[str] = set()
    for i, s in enumerate(sc.stages):
        if s.id in (*TERMINALS, STALLED):
            out.append(_p(("stages", i, "id"), "won, lost and stalled are outcomes, not stage ids", s.id))
        if s.id in seen:
            out.append(_p(("stages", i, "id"), "duplicate stage id", s.id))
        seen.add(s.id)
        out += [_p(("stages", i, "role"), unknown("role", r, role_list), r) for r in s.roles if r not in sc.roles]
        out += [_p(("stages", i, "activities", j, "role"), unknown("role", a.role, role_list), a.role)
                for j, a in enumerate(s.activities or ()) if a.role is not None and a.role not in sc.roles]
        out += [_p(("stages", i, "outcomes", t), unknown("outcome", t, ids, "won, lost, stalled, "), t)
                for t in s.outcomes if t not in known and t not in (*TERMINALS, STALLED)]
        revival = s.revival
        if revival is not None and revival[0] not in known:
            out.append(_p(("stages", i, "outcomes", STALLED, "to"), unknown("stage", revival[0], ids), revival[0]))
        if s.decay is not None and s.decay.cooled != "lost" and s.decay.cooled not in known:
            out.append(_p(("stages", i, "decay", "cooled"),
                          unknown("stage", s.decay.cooled, ids, "lost, "), s.decay.cooled))
    return out


def _source_references(sc: Scenario) -> list[Problem]:
    out: list[Problem] = []
    ids = [s.id for s in sc.stages]
    for i, src in enumerate(sc.sources):
        if src.enters not in ids:
            out.append(_p(("sources", i, "enters"), unknown("stage", src.enters, ids), src.enters))
        if src.rate == 0 and not src.batches and sc.pipeline is None:
            out.append(_p(("sources", i), "brings no leads: rate is 0 and there are no batches",
                          has_value=False))
        out += [_p(("sources", i, "batches", j, "at"), f"arrives after the horizon ({sc.horizon:g}h)", f"{b.at:g}h")
                for j, b in enumerate(src.batches) if b.at >= sc.horizon]
    names = [src.name for src in sc.sources]
    out += [_p(("sources", i, "name"), "duplicate source name", n) for i, n in enumerate(names) if names.index(n) != i]
    return out


def _pipeline_references(sc: Scenario) -> list[Problem]:
    return deal_problems(sc, sc.open_deals()) if isinstance(sc.pipeline, list) else []


def _segment_references(sc: Scenario) -> list[Problem]:
    out: list[Problem] = []
    if not sc.segments:
        return out
    ids = [s.id for s in sc.stages]
    sources = [src.name for src in sc.sources]
    names = [g.name for g in sc.segments]
    out += [_p(("segments", i, "name"), "duplicate segment name", n)
            for i, n in enumerate(names) if names.index(n) != i]
    for i, g in enumerate(sc.segments):
        out += [_p(("segments", i, "stages", sid), unknown("stage", sid, ids), sid)
                for sid in g.stages if sid not in ids]
        if isinstance(g.share, dict):
            out += [_p(("segments", i, "share", s), unknown("source", s, sources), s)
                    for s in g.share if s not in sources]
    for src in sc.sources:
        total = sum(g.share_of(src.name) for g in sc.segments)
        if abs(total - 1) > 1e-9:
            out.append(_p(("segments",), f"the shares of source {src.name}'s leads sum to {total:.6g}; they must sum "
                          "to 1 (give each segment its share of every source)", has_value=False))
    return out


def _role_and_customer_references(sc: Scenario) -> list[Problem]:
    out: list[Problem] = []
    ids = [s.id for s in sc.stages]
    start = sc.kpis.cycle_time_from if sc.kpis is not None else None
    if start is not None and start not in ids:
        out.append(_p(("kpis", "cycle_time_from"), unknown("stage", start, ids), start))
    for r, role in sc.roles.items():
        out += [_p(("roles", r, "can_do", j), unknown("stage", st, ids), st)
                for j, st in enumerate(role.can_do or ()) if st not in ids]
    cu = sc.customers
    if cu is None:
        return out
    refs: list[tuple[tuple[str, ...], str | None]] = [(("customers", "onboarding"), cu.onboarding)]
    if cu.check_in is not None:
        refs.append((("customers", "check_in", "stage"), cu.check_in.stage))
    for path, ref in refs:
        if ref is None:
            continue
        if ref not in ids:
            out.append(_p(path, unknown("stage", ref, ids), ref))
            continue
        i = ids.index(ref)
        out += [_p(("stages", i, "outcomes", t), "a customer stage ends in won (customer kept) or lost (churned)", t)
                for t in sc.stages[i].outcomes if t not in TERMINALS]
    for i, s in enumerate(sc.stages):
        if STALLED in s.outcomes and s.id in {cu.onboarding, cu.check_in.stage if cu.check_in else None}:
            out.append(_p(("stages", i, "outcomes", STALLED), "a customer stage cannot stall: its outcomes are "
                          "won (customer kept) or lost (churned)", STALLED))
    return out


def _people_references(sc: Scenario) -> list[Problem]:
    out: list[Problem] = []
    ids = [s.id for s in sc.stages]
    for i, p in enumerate(sc.people or ()):
        if p.role not in sc.roles:
            out.append(_p(("people", i, "role"), unknown("role", p.role, list(sc.roles)), p.role))
            continue
        segments = [g.name for g in sc.segments or ()]
        out += [_p(("people", i, "segments", j), unknown("segment", g, segments), g)
                for j, g in enumerate(p.segments or ()) if g not in segments]
        if p.segments is not None and sc.roles[p.role].assign != "by_segment":
            out.append(_p(("people", i, "segments"), f"a territory decides owners: it needs role {p.role} to have "
                          "`routing: owner` and `assign: by_segment`", has_value=False))
        if p.share is not None and sc.roles[p.role].assign != "weighted":
            out.append(_p(("people", i, "share"), f"share weighs owner assignment: it needs role {p.role} to have "
                          "`routing: owner` and `assign: weighted`", p.share))
        can_do = sc.roles[p.role].can_do
        for j, st in enumerate(p.stages or ()):
            if st not in ids:
                out.append(_p(("people", i, "stages", j), unknown("stage", st, ids), st))
            elif can_do is not None and st not in can_do:
                out.append(_p(("people", i, "stages", j),
                              f"role {p.role} may not do this stage; its can_do is: {', '.join(can_do)}", st))
    return out + _weights(sc)


def _weights(sc: Scenario) -> list[Problem]:
    """A role whose owners are chosen by share needs someone with a share above 0."""
    out = []
    for name, role in sc.roles.items():
        people = [p for p in sc.people or () if p.role == name]
        if role.assign == "weighted" and people and not any(p.share is None or p.share > 0 for p in people):
            out.append(_p(("roles", name, "assign"), f"every person of role {name} has share 0: nobody would "
                          "get its new deals", "weighted"))
    return out


def _people(sc: Scenario) -> list[Problem]:
    out: list[Problem] = []
    listed: dict[str, int] = {}
    for p in sc.people or ():
        listed[p.role] = listed.get(p.role, 0) + 1
    for r, role in sc.roles.items():
        if r in listed and role.headcount is not None and role.headcount != listed[r]:
            out.append(_p(("roles", r, "headcount"),
                          f"people lists {listed[r]} {r}(s); headcount must equal that or be left out",
                          role.headcount))
        if r not in listed and role.headcount is None:
            out.append(_p(("roles", r), "give a headcount or list this role's people under people",
                          has_value=False))
        open_hours = sc.role_hours_per_week(r)
        if role.hours_per_week is not None and role.hours_per_week > open_hours + 1e-9:
            out.append(_p(("roles", r, "hours_per_week"),
                          f"must be <= the {open_hours:g} working hours per week of the role's calendar",
                          role.hours_per_week))
        cal = role.calendar
        if cal is not None and cal != "always" and "start_date" in cal.model_fields_set and \
                sc.calendar != "always" and cal.start_date != sc.calendar.start_date:
            out.append(_p(("roles", r, "calendar", "start_date"),
                          f"a role's calendar starts with the scenario's ({sc.calendar.start_date}); leave it out",
                          str(cal.start_date)))
    team = build_team(sc)
    names = [m.name for m in team.people]
    for i, p in enumerate(sc.people or ()):
        if names.count(p.name) > 1:
            out.append(_p(("people", i, "name"), "two people share this name", p.name))
    return out


def _responsibility(sc: Scenario) -> list[Problem]:
    out: list[Problem] = []
    team = build_team(sc)
    for i, s in enumerate(sc.stages):
        if not team.responsible(s):
            out.append(_p(("stages", i), f"stage {s.id!r}: nobody is responsible for it (no person of "
                          f"role {', '.join(s.roles)} has it among their stages)", has_value=False))
            continue
        for j, a in enumerate(s.activities or ()):
            if a.role is not None and not team.responsible(s, a):
                out.append(_p(("stages", i, "activities", j, "role"),
                              f"activity {a.name!r} of stage {s.id!r}: no person of role {a.role} is "
                              "responsible for the stage", a.role))
    return out


def _successors(sc: Scenario) -> dict[str, set[str]]:
    succ: dict[str, set[str]] = {}
    for s in sc.stages:
        nxt = {t for t, p in s.probabilities.items() if p > 0}
        if s.revival is not None:
            nxt.add(s.revival[0])
        if s.decay is not None:
            nxt.add(s.decay.cooled)
        if sc.handoff is not None and sc.handoff.loss > 0:
            nxt.add("lost")
        succ[s.id] = nxt
    for c in sc.changes or ():  # a new step in the flow from some date on
        if c.stage is not None:
            succ[c.stage.stage] |= {t for t, p in c.stage.probabilities.items() if p > 0}
    return succ


def _reach(start: set[str], succ: dict[str, set[str]]) -> set[str]:
    seen, todo = set(start), deque(start)
    while todo:
        for n in succ.get(todo.popleft(), ()):
            if n not in seen:
                seen.add(n)
                todo.append(n)
    return seen


def _flow(sc: Scenario) -> list[Problem]:
    out: list[Problem] = []
    succ = _successors(sc)
    entries = {src.enters for src in sc.sources}
    if sc.customers is not None:
        entries |= {x for x in (sc.customers.onboarding,
                                sc.customers.check_in.stage if sc.customers.check_in else None) if x}
    reached = _reach(entries, succ)
    pred: dict[str, set[str]] = {}
    for a, bs in succ.items():
        for b in bs:
            pred.setdefault(b, set()).add(a)
    can_end = _reach({*TERMINALS, STALLED}, pred)
    for i, s in enumerate(sc.stages):
        if s.id not in reached:
            out.append(_p(("stages", i, "id"), "no lead can reach this stage: no source enters it and no "
                          "outcome with probability > 0 leads to it", s.id))
        elif s.id not in can_end:
            out.append(_p(("stages", i, "outcomes"), f"leads in stage {s.id!r} loop forever: no path from "
                          "it reaches won, lost or stalled", s.probabilities))
    return out


def deal_problems(sc: Scenario, deals: Sequence[OpenDeal]) -> list[Problem]:
    """Deals that name an unknown stage, owner or segment, an owner not responsible for the stage or in a
    pooled role, a date after the start, or an id twice."""
    ids = [s.id for s in sc.stages]
    team = {m.name: m for m in build_team(sc).people}
    segments = [g.name for g in sc.segments or ()]
    out: list[Problem] = []
    seen: set[str] = set()
    for i, d in enumerate(deals):
        if d.id in seen:
            out.append(Problem(("pipeline", i, "id"), "the same deal id twice", d.id, True))
        seen.add(d.id)
        if d.stage not in ids:
            out.append(Problem(("pipeline", i, "stage"), unknown("stage", d.stage, ids), d.stage, True))
        if d.entered is not None and d.entered > sc.start_date:
            out.append(Problem(("pipeline", i, "entered"), f"after the start date {sc.start_date}: an open deal "
                               "entered its stage before the simulation starts", str(d.entered), True))
        if d.created is not None and d.created > sc.start_date:
            out.append(Problem(("pipeline", i, "created"), f"after the start date {sc.start_date}: an open deal "
                               "was created before the simulation starts", str(d.created), True))
        if d.created is not None and d.entered is not None and d.created > d.entered:
            out.append(Problem(("pipeline", i, "created"), f"after the deal entered its stage ({d.entered})",
                               str(d.created), True))
        if d.segment is not None and d.segment not in segments:
            out.append(Problem(("pipeline", i, "segment"), unknown("segment", d.segment, segments), d.segment, True))
        if d.owner is None:
            continue
        person = team.get(d.owner)
        if person is None:
            out.append(Problem(("pipeline", i, "owner"), unknown("person", d.owner, list(team)), d.owner, True))
        elif sc.roles[person.role].routing != "owner":
            out.append(Problem(("pipeline", i, "owner"), f"{d.owner}'s role {person.role} routes leads pooled; give "
                               "it `routing: owner` to keep deal owners", d.owner, True))
        elif d.stage in ids and d.stage not in person.stages:
            out.append(Problem(("pipeline", i, "owner"), f"{d.owner} is not responsible for stage {d.stage}",
                               d.owner, True))
    return out
