"""Deal owners: under `routing: owner` a lead gets one owner per such role, chosen when it first needs
that role's work (`sim.schema.Role.assign`), who then does the role's work on it wherever they are
responsible. Kept apart from the engine's hot path: only pools with owner roles ask for an owner.
"""

from __future__ import annotations

from typing import Any

from sim.dispatch import PersonState, Pool
from sim.lead import NOT_YET, Lead
from sim.schema import Scenario
from sim.streams import Streams
from sim.team import Team

__all__ = ["Owners"]


class Owners:
    """Who owns which lead in one replication, and each owner's deals."""

    def __init__(self, sc: Scenario, team: Team, streams: Streams) -> None:
        self.routing = {r: role.assign or "round_robin" for r, role in sc.roles.items() if role.routing == "owner"}
        """Roles whose leads get an owner -> how owners are chosen."""
        self.share = [m.share for m in team.people]
        self.territory = [m.segments for m in team.people]
        self._turn: dict[tuple[str, str], int] = {}
        self._u = {r: streams.keyed_uniform(f"assign:{r}") for r in self.routing}

    def owner(self, lead: Lead, pool: Pool, now: float, warmup: float) -> PersonState | None:
        """The lead's owner among the pool's people, chosen now if the lead has none in that role yet."""
        owners = lead.owners
        if owners is None:
            owners = lead.owners = {}
        for role in pool.owner_roles:
            o = owners.get(role)
            if o is None or not o.present:
                if o is not None and lead.open:  # its owner left: the deal passes on
                    o.open_deals -= 1
                heir = o.successor if o is not None else None
                o = owners[role] = (heir if heir is not None and heir.present and heir in pool.people_set
                                    else self._assign(lead, role, [w for w in pool.people if w.role == role], pool.key))
                if lead.open:
                    o.open_deals += 1
                    if now >= warmup:
                        o.owned += 1
            if o in pool.people_set:
                return o
        return None

    def hand_over(self, lead: Lead, role: str, pool: Pool, leaver: PersonState) -> PersonState | None:
        """A waiting lead whose owner left: its new owner in `pool` (the leaver's successor if they work
        there, else by the role's routing), or None when nobody of the role is left there (it waits in the
        pool's queue for whoever comes)."""
        owners: Any = lead.owners
        if lead.open:
            leaver.open_deals -= 1
        del owners[role]
        if role not in pool.owner_roles:
            return None
        heir = leaver.successor
        o = owners[role] = (heir if heir is not None and heir.present and heir in pool.people_set
                            else self._assign(lead, role, [w for w in pool.people if w.role == role], pool.key))
        if lead.open:
            o.open_deals += 1
        return o

    def _assign(self, lead: Lead, role: str, people: list[PersonState], key: str) -> PersonState:
        how = self.routing[role]
        if how == "weighted":
            total = sum(self.share[w.index] for w in people)
            u = self._u[role](lead.key, 0) * total
            for w in people:
                u -= self.share[w.index]
                if u < 0:
                    return w
            return people[-1]
        if how == "by_segment" and lead.segment is not None:
            territory = [w for w in people if self.territory[w.index] is None
                         or lead.segment.name in self.territory[w.index]]  # type: ignore[operator]
            people = territory or people
            key = f"{key}:{lead.segment.name}"
        turn = self._turn.get((key, role), 0)
        self._turn[(key, role)] = turn + 1
        k = turn % len(people)
        if how == "least_loaded":  # the fewest open deals; ties in turn
            return min(people[k:] + people[:k], key=lambda w: w.open_deals)
        return people[k]

    @staticmethod
    def close(lead: Lead, won: bool, now: float, measured: bool, start: float) -> None:
        """A deal with owners left the pipeline: their open deals, wins, revenue and cycle time (counted
        from `start`; NOT_YET: the deal skipped the stage cycle time counts from)."""
        owners: Any = lead.owners
        for o in owners.values():
            o.open_deals -= 1
            if not measured:
                continue
            if won:
                o.won += 1
                o.revenue += lead.value
                if start != NOT_YET:
                    o.cycle_sum += (now - start) / 24
                    o.cycle_n += 1
            else:
                o.lost += 1
