"""Who is on the team and who may pick up which work.

A role's staff are the people listed under `people` with that role; a role without listed people
gets `headcount` anonymous people (``rep-1``, ``rep-2``, ...). A person without an explicit
`stages` list is responsible for every stage that names their role (as the stage's role or as an
activity's role).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sim.schema import Activity, Person, Scenario, Stage

__all__ = ["DEFAULT_FOCUS_LIMIT", "Team", "TeamPerson", "build_team", "default_stages", "focus_limit", "seats"]


@dataclass(frozen=True)
class TeamPerson:
    """One person with the file's defaults resolved (stages, capacity): what the engine and the
    optimizer start from. The file's entry is `sim.schema.Person`; at run time, `sim.dispatch.PersonState`."""

    name: str
    role: str
    stages: tuple[str, ...]
    capacity: float
    """Share of their calendar's working time this person gives the team (capacity × contracted hours)."""
    named: bool
    share: float = 1.0
    """Weight when owners are assigned at random by share."""
    speed: float = 1.0
    win_rate: float = 1.0
    segments: tuple[str, ...] | None = None
    """Their territory under `assign: by_segment` (None: every segment)."""
    ramp: Any = None
    """Their `sim.schema.Ramp` (None: fully productive from the start)."""
    joins: float = 0.0
    """Hours from the start until they join (0: on the team from the start)."""


@dataclass(frozen=True)
class Team:
    people: tuple[TeamPerson, ...]

    def responsible(self, stage: Stage, activity: Activity | None = None) -> tuple[TeamPerson, ...]:
        """The people who may pick up this stage's (or this activity's) work."""
        role = activity.role if activity is not None else None
        return tuple(m for m in self.people
                     if stage.id in m.stages and (role is None or m.role == role))

    def of_role(self, role: str) -> tuple[TeamPerson, ...]:
        return tuple(m for m in self.people if m.role == role)


def _person(scenario: Scenario, p: Person, share: float, joins: float = 0.0, ramp: Any = None) -> TeamPerson:
    stages = tuple(p.stages) if p.stages is not None else default_stages(scenario, p.role)
    return TeamPerson(p.name, p.role, stages, p.capacity * share, named=True,
                      share=p.share if p.share is not None else 1.0, speed=p.speed, win_rate=p.win_rate,
                      segments=tuple(p.segments) if p.segments is not None else None,
                      ramp=p.ramp if p.ramp is not None else ramp, joins=joins)


def seats(scenario: Scenario) -> tuple[TeamPerson, ...]:
    """Everyone who is ever on the team: the people at the start, then those who join in `changes` (with
    the role's ramp unless they have their own). Results list people in this order, one per seat: a
    seat's replacements after attrition are counted under it."""
    out = list(build_team(scenario).people)
    for c in scenario.changes or ():
        p = c.joins
        if p is not None:
            role = scenario.roles[p.role]
            share = (role.hours_per_week / scenario.role_hours_per_week(p.role)) if role.hours_per_week else 1.0
            out.append(_person(scenario, p, share, scenario.hours_at(c), role.ramp))
    return tuple(out)


def default_stages(scenario: Scenario, role: str) -> tuple[str, ...]:
    """Stages that name `role`, in file order: what its people do unless told otherwise."""
    return tuple(
        s.id for s in scenario.stages
        if role in s.roles or any(a.role == role for a in s.work_items)
    )


def build_team(scenario: Scenario) -> Team:
    """Resolve roles and people into the team. Assumes `sim.checks` passed."""
    people: list[TeamPerson] = []
    listed = {p.role for p in scenario.people or ()}
    for role_name, role in scenario.roles.items():
        share = (role.hours_per_week / scenario.role_hours_per_week(role_name)) if role.hours_per_week else 1.0
        if role_name in listed:
            for p in scenario.people or ():
                if p.role == role_name:
                    people.append(_person(scenario, p, share))
        else:
            stages = default_stages(scenario, role_name)
            people.extend(TeamPerson(f"{role_name}-{i + 1}", role_name, stages, share, named=False)
                           for i in range(role.headcount or 0))
    return Team(tuple(people))

DEFAULT_FOCUS_LIMIT = 3
"""Stages one person can own before tasks fall through the cracks, when the scenario sets no focus penalty."""


def focus_limit(scenario: Scenario) -> int:
    """How many stages one person may be responsible for before the map flags them."""
    fp = scenario.focus_penalty
    return fp.free_stages if fp is not None else DEFAULT_FOCUS_LIMIT
