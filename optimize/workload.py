"""The work each stage needs and the people who could do it: the optimizer's input.

Work comes in items: a stage's activities grouped by the role they require (None: anyone responsible
for the stage). Weekly hours = visits per week (simulated, with its CI) × mean effort per visit (exact,
from the scenario's distributions, so it does not depend on who does the work today).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.distributions import mean_of
from sim.runner import RunResult
from sim.schema import STALLED, Scenario
from sim.stats import stat
from sim.team import build_team

__all__ = ["PersonCapacity", "WorkItem", "Workload", "measure_workload", "owner_shares_today", "role_stages"]


@dataclass(frozen=True)
class WorkItem:
    stage: str
    role: str | None
    """Only people of this role may carry it (None: anyone responsible for the stage)."""
    hours_per_week: float
    ci95: tuple[float | None, float | None]
    visits_per_week: float = 0.0


@dataclass(frozen=True)
class PersonCapacity:
    """One person as the optimizer sees them: the hours they give and the stages they may take."""

    name: str
    role: str
    hours_per_week: float
    """Hours of work this person gets through per week: capacity × the role's calendar × speed (one
    who works at 0.8 of the usual speed needs 1.25 hours for an hour's work, as the simulation has it)."""
    stages: tuple[str, ...]
    """Responsible for today."""
    eligible: tuple[str, ...]
    """May be made responsible for: their role's stages (`can_do`, else the stages that name the role)
    and what they do today; every stage with --allow-role-changes."""
    utilization: float | None
    """Simulated today."""
    count: int = 1
    """People this entry stands for (a group of interchangeable people, see `optimize.groups`)."""
    role_stages: tuple[str, ...] | None = None
    """Their role's stages; a stage outside them is a role change (None: not known, no such check)."""

    def role_change(self, stage: str) -> bool:
        """Taking on `stage` changes this person's role (pay, quota, title), not just their work."""
        return self.role_stages is not None and stage not in self.role_stages and stage not in self.stages


@dataclass(frozen=True)
class Workload:
    items: tuple[WorkItem, ...]
    people: tuple[PersonCapacity, ...]
    stages: tuple[str, ...]
    main_flow: dict[str, str]
    """Stage -> its most likely next stage (for continuity: one person doing both saves a handoff)."""
    free_stages: int = 0
    per_extra_stage: float = 0.0
    """The scenario's focus penalty: work × (1 + per_extra_stage × stages beyond free_stages)."""
    owners: dict[str, dict[str, float]] = field(default_factory=dict)
    """Owner roles whose shares may be decided (`optimize.shares`) -> person -> today's share of the
    role's new deals."""

    def focus(self, stages: int) -> float:
        return 1.0 + self.per_extra_stage * max(0, stages - self.free_stages)

    def predict(self, responsibilities: dict[str, tuple[str, ...]]) -> dict[str, float]:
        """Utilization of each person if every item's work is shared equally among the people
        responsible for it (what a shared queue does on average), stretched by the focus penalty."""
        holders = {k: [p for p in self.people if it.stage in responsibilities.get(p.name, ())
                       and self.item_eligible(p, it)] for k, it in enumerate(self.items)}
        out = {}
        for p in self.people:
            mine = responsibilities.get(p.name, ())
            base = sum(it.hours_per_week / sum(h.count for h in holders[k]) for k, it in enumerate(self.items)
                       if p in holders[k])
            out[p.name] = base * self.focus(len(mine)) / p.hours_per_week
        return out

    def item_eligible(self, person: PersonCapacity, item: WorkItem) -> bool:
        return item.stage in person.eligible and (item.role is None or item.role == person.role)


def owner_shares_today(sc: Scenario, run: RunResult | None = None) -> dict[str, dict[str, float]]:
    """Each owner role whose shares can be decided -> today's share of its new deals per person (in
    turn: equal; weighted: by `share`; fewest open deals: as simulated in `run`, else equal, since
    the rule adapts to how fast each owner closes). Left out: roles whose owners come by
    territory, whose team changes during the run (dated changes, attrition), or whose people own open
    deals at the start (shares route new deals only; the pipeline's owned work would not follow them)."""
    if sc.changes:
        return {}
    team = build_team(sc)
    role_of = {m.name: m.role for m in team.people}
    owned = {role_of.get(d.owner) for d in sc.open_deals() if d.owner is not None}
    out: dict[str, dict[str, float]] = {}
    for name, role in sc.roles.items():
        if role.routing != "owner" or role.assign == "by_segment" or role.attrition is not None or name in owned:
            continue
        members = [m for m in team.people if m.role == name]
        weights = [m.share if role.assign == "weighted" else 1.0 for m in members]
        if role.assign == "least_loaded" and run is not None:
            counts = [(run.summary.staff[m.name].owner or {}).get("owned") for m in members]
            weights = [float(c.mean or 0.0) if c is not None else 0.0 for c in counts]
        total = sum(weights)
        if members and total > 0:
            out[name] = {m.name: w / total for m, w in zip(members, weights, strict=True)}
    return out


def role_stages(sc: Scenario) -> dict[str, set[str]]:
    """Each role's stages: its `can_do`, else the stages that name it. Not what its people happen to
    do today: a rep covering a closer stage as a stopgap does not make every rep a closer."""
    return {role: set(spec.can_do) if spec.can_do is not None else {s.id for s in sc.stages if role in s.roles}
            for role, spec in sc.roles.items()}


def measure_workload(sc: Scenario, run: RunResult, allow_role_changes: bool = False) -> Workload:
    """Items, people and the main flow of a scenario, from one simulated run of it. A person may take
    their role's stages and keep their own; other stages only with `allow_role_changes`."""
    weeks = (sc.horizon - sc.warmup) / 168
    items = []
    for st in sc.stages:
        visits = [r.stages[st.id]["entered"] / weeks for r in run.replications]  # type: ignore[operator]
        groups: dict[str | None, float] = {}
        for a in st.work_items:
            groups[a.role] = groups.get(a.role, 0.0) + mean_of(a.work)
        for role, effort in groups.items():
            s = stat([v * effort for v in visits])
            items.append(WorkItem(st.id, role, float(s.mean or 0.0), s.ci95, sum(visits) / len(visits)))
    team = build_team(sc)
    can_do = role_stages(sc)
    people = []
    for m in team.people:
        eligible = [s.id for s in sc.stages if s.id in m.stages or s.id in can_do[m.role] or allow_role_changes]
        # a stage is only worth taking on if one of its items may be carried by this role
        eligible = [s for s in eligible if any(i.stage == s and i.role in (None, m.role) for i in items)]
        util = run.summary.staff[m.name].utilization.mean
        people.append(PersonCapacity(m.name, m.role, m.capacity * m.speed * sc.role_hours_per_week(m.role), m.stages,
                                     tuple(eligible), util, role_stages=tuple(sorted(can_do[m.role]))))
    main_flow = {}
    for st in sc.stages:
        nxt = [(p, t) for t, p in st.probabilities.items() if t not in ("won", "lost", STALLED)]
        if nxt:
            main_flow[st.id] = max(nxt)[1]
    fp = sc.focus_penalty
    return Workload(tuple(items), tuple(people), tuple(s.id for s in sc.stages), main_flow,
                    fp.free_stages if fp else 0, fp.per_extra_stage if fp else 0.0, owner_shares_today(sc, run))
