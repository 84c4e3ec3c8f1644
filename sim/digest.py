"""What a run keeps of each replication once it has arrived: memory flat in the number of replications.

A replication's result, as it comes from the engine, holds its weekly series (about 24 KB for the
baseline), a histogram of its cycle times and dictionaries of figures (about 47 KB in all). The run
needs, per replication, only the figures that confidence intervals and paired comparisons are made of.
`Keeper.keep` reduces each arriving result to those: every figure in one array of doubles (8 bytes a
figure) read through views whose keys every replication shares, the cycle-time histogram merged into the
run's pooled one, the steady-state figures computed at once (`sim.stability.steadiness`), and the weekly
series cut to the weeks' bounds (shared), wins and revenue (paired transition costs). About 4 KB a
baseline replication. Runs whose summary has weekly bands (a team that changes, a pipeline forecast)
keep every weekly series: the bands are percentiles over replications. weekly.csv is written as
replications arrive (`sim.weeklylog`), before they are reduced.
"""

from __future__ import annotations

import dataclasses
import math
from array import array
from collections.abc import Iterator, Mapping
from typing import Any

from sim.metrics import Histogram, ReplicationResult, Timeline
from sim.schema import Scenario
from sim.stability import Steadiness, steadiness
from sim.team import Team, seats
from sim.transitions import has_transitions

__all__ = ["Figures", "Keeper", "Table"]

_EMPTY = Histogram()
Index = dict[str, int]
Layout = dict[str, tuple[Index, int]]
"""Name -> (its figures' index, their place from a table's start)."""


class Figures(Mapping[str, float | None]):
    """Name -> figure, read-only: a view of a replication's array of figures (None kept as NaN), whose
    names and places every replication of a run shares."""

    __slots__ = ("_at", "_index", "_values")

    def __init__(self, index: Index, values: array[float], at: int = 0) -> None:
        self._index = index
        self._values = values
        self._at = at

    def __getitem__(self, key: str) -> float | None:
        x = self._values[self._at + self._index[key]]
        return None if math.isnan(x) else x

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def __repr__(self) -> str:
        return f"Figures({dict(self)!r})"


class Table(Mapping[str, Figures]):
    """Name -> Figures (per stage, per owner, per source): views made when read."""

    __slots__ = ("_at", "_layout", "_values")

    def __init__(self, layout: Layout, values: array[float], at: int = 0) -> None:
        self._layout = layout
        """Name -> (its figures' index, their place from `at`): shared by every replication of a run."""
        self._values = values
        self._at = at

    def __getitem__(self, key: str) -> Figures:
        index, off = self._layout[key]
        return Figures(index, self._values, self._at + off)

    def __iter__(self) -> Iterator[str]:
        return iter(self._layout)

    def __len__(self) -> int:
        return len(self._layout)

    def __repr__(self) -> str:
        return f"Table({ {k: dict(v) for k, v in self.items()}!r})"


_FLAT = ("kpis", "staff", "roles", "customers")
_NO_FIGURES = Figures({}, array("d"))
_NO_TABLE = Table({}, array("d"))
_NESTED = ("stages", "flows", "owners", "sources", "segments")


class Keeper:
    """Reduces a run's replications as they arrive (see the module's docstring)."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.cycle_time = Histogram()
        """Every kept replication's cycle times, pooled (cycle_times.csv)."""
        self._team = Team(seats(scenario))
        self._whole = has_transitions(scenario) or scenario.pipeline is not None
        self._indexes: dict[tuple[str, ...], Index] = {}
        self._layouts: dict[tuple[Any, ...], Layout] = {}
        self._weeks: tuple[Any, Any] | None = None

    def keep(self, r: ReplicationResult) -> ReplicationResult:
        self.cycle_time.merge(r.cycle_time)
        steady = r.steady if r.steady is not None else steadiness(self.scenario, self._team, r)
        numbers: list[float] = []
        places = [self._place(getattr(r, name), numbers) for name in _FLAT]
        places += [self._place(m, numbers) for m in (steady.loads, steady.growth, steady.level)]
        tables = [self._table(getattr(r, name), numbers) for name in _NESTED]
        values = array("d", numbers)  # allocated to size
        flat: list[Any] = [Figures(index, values, at) if index else _NO_FIGURES for index, at in places]
        nested: list[Any] = [Table(layout, values, at) if layout else _NO_TABLE for layout, at in tables]
        own, steady_views = flat[:len(_FLAT)], flat[len(_FLAT):]
        return dataclasses.replace(r, **dict(zip(_FLAT, own, strict=True)),
                                   **dict(zip(_NESTED, nested, strict=True)), cycle_time=_EMPTY,
                                   timeline=self._timeline(r.timeline),
                                   steady=Steadiness(steady.weeks, *steady_views))

    def _index(self, keys: tuple[str, ...]) -> Index:
        index = self._indexes.get(keys)
        if index is None:
            index = self._indexes[keys] = {k: i for i, k in enumerate(keys)}
        return index

    def _place(self, d: Mapping[str, Any], numbers: list[float]) -> tuple[Index, int]:
        at = len(numbers)
        numbers.extend(math.nan if v is None else float(v) for v in d.values())
        return self._index(tuple(d)), at

    def _table(self, d: Mapping[str, Mapping[str, Any]], numbers: list[float]) -> tuple[Layout, int]:
        shape = tuple((k, tuple(v)) for k, v in d.items())
        layout = self._layouts.get(shape)
        if layout is None:
            off, layout = 0, {}
            for k, keys in shape:
                layout[k] = (self._index(keys), off)
                off += len(keys)
            self._layouts[shape] = layout
        at = len(numbers)
        for v in d.values():
            numbers.extend(math.nan if x is None else float(x) for x in v.values())
        return layout, at

    def _timeline(self, tl: Timeline) -> Timeline:
        if self._whole:
            return tl
        if self._weeks is None or self._weeks[0] != tl.starts or self._weeks[1] != tl.ends:
            self._weeks = (tl.starts, tl.ends)  # every replication has the same weeks: one copy
        none: Any = ()  # the series it does not keep: one empty tuple for all
        return Timeline(self._weeks[0], self._weeks[1], none, none, none, none, none, tl.won, tl.revenue, none, none,
                        none, none)
