"""Where everything goes on the sales-process map: lanes (roles) × columns (flow order).

Computed from the scenario, never placed by hand: loops (nurture, a step back to qualification)
are found as back edges of a depth-first walk from the lead sources; every other edge points to a
later column. A stage's column is its longest distance from a source along forward edges; stages in
different lanes may share a column, stages whose lanes overlap may not.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from sim.schema import STALLED, TERMINALS, Scenario
from sim.team import build_team

__all__ = ["WON", "Edge", "MapLayout", "layout"]

WON = "won"
"""The won marker's node id (customers' stages follow it)."""


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    probability: float
    kind: str
    """'forward', 'loop' (back to an earlier column), 'won' or 'customer' (won -> onboarding, ...)."""
    cooled: bool = False
    """A decay edge: where leads that cooled off go."""


@dataclass
class MapLayout:
    lanes: list[str]
    """Roles, top to bottom."""
    column: dict[str, int] = field(default_factory=dict)
    """Stage id (and WON) -> column."""
    lane_span: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Stage id (and WON) -> (first lane, last lane) it spans."""
    edges: list[Edge] = field(default_factory=list)
    lost: dict[str, float] = field(default_factory=dict)
    """Stage id -> probability of the `lost` outcome (drawn as a stub, not an edge)."""
    stalled: dict[str, tuple[float, str | None]] = field(default_factory=dict)
    """Stage id -> (probability of `stalled`, the stage a stalled deal is revived into or None): a stub."""
    customer_stages: list[str] = field(default_factory=list)

    @property
    def columns(self) -> int:
        return max(self.column.values(), default=-1) + 1


def _successors(sc: Scenario) -> dict[str, list[tuple[str, float, bool]]]:
    out: dict[str, list[tuple[str, float, bool]]] = {}
    for s in sc.stages:
        nxt = [(t, p, False) for t, p in s.probabilities.items() if t not in ("lost", STALLED) and p > 0]
        if s.decay is not None and s.decay.cooled != "lost" and s.decay.cooled not in s.outcomes:
            nxt.append((s.decay.cooled, 0.0, True))
        out[s.id] = nxt
    return out


def _customer_chain(sc: Scenario) -> list[str]:
    cu = sc.customers
    if cu is None:
        return []
    chain = [x for x in (cu.onboarding, cu.check_in.stage if cu.check_in else None) if x]
    return list(dict.fromkeys(chain))


def layout(sc: Scenario) -> MapLayout:
    """The map's layout for a scenario (pure: same scenario, same layout)."""
    lanes = list(sc.roles)
    out = MapLayout(lanes=lanes)
    succ = _successors(sc)
    customer = _customer_chain(sc)
    out.customer_stages = customer
    order = [s.id for s in sc.stages]
    starts = list(dict.fromkeys(src.enters for src in sc.sources))
    back = _back_edges(succ, [s for s in starts + order if s not in customer])
    preds = _forward_preds(succ, order, back)
    team = build_team(sc)
    span = {s.id: _span(lanes, tuple(dict.fromkeys(m.role for m in team.responsible(s))) or s.roles)
            for s in sc.stages}
    pipeline = [s for s in order if s not in customer]
    _place_pipeline(out, pipeline, order, preds, span)
    _place_won_and_customers(out, succ, pipeline, customer, span, len(lanes))
    _edges(out, sc, succ, back, customer)
    return out


def _forward_preds(succ: dict[str, list[tuple[str, float, bool]]], order: list[str],
                   back: set[tuple[str, str]]) -> dict[str, list[str]]:
    """Each stage's predecessors along forward edges (loops left out), in file order."""
    preds: dict[str, list[str]] = {n: [] for n in order}
    for a in order:
        for t in dict.fromkeys(t for t, _, _ in succ[a]):
            if t in preds and (a, t) not in back:
                preds[t].append(a)
    return {n: sorted(ps, key=order.index) for n, ps in preds.items()}


def _place_pipeline(out: MapLayout, pipeline: list[str], order: list[str], preds: dict[str, list[str]],
                    span: dict[str, tuple[int, int]]) -> None:
    """Columns by the longest forward chain into each stage, bumped right where lanes would overlap."""
    depth: dict[str, int] = {}
    for s in pipeline:
        _longest(s, preds, depth)
    placed: dict[int, list[tuple[int, int]]] = {}
    for s in sorted(pipeline, key=lambda x: (depth[x], order.index(x))):
        col = depth[s]
        while any(_overlap(span[s], o) for o in placed.get(col, [])):
            col += 1
        # keep forward edges forward after a bump
        col = max([col, *(out.column[a] + 1 for a in preds[s] if a in out.column)])
        while any(_overlap(span[s], o) for o in placed.get(col, [])):
            col += 1
        out.column[s] = col
        out.lane_span[s] = span[s]
        placed.setdefault(col, []).append(span[s])


def _place_won_and_customers(out: MapLayout, succ: dict[str, list[tuple[str, float, bool]]], pipeline: list[str],
                             customer: list[str], span: dict[str, tuple[int, int]], lanes: int) -> None:
    """The won marker after the last stage that wins, then the customer chain after it."""
    won_col = 1 + max((out.column[s] for s in pipeline if any(t == "won" for t, _, _ in succ[s])), default=-1)
    out.column[WON] = max(won_col, 0)
    out.lane_span[WON] = span[customer[0]] if customer else (lanes - 1, lanes - 1)
    for i, s in enumerate(customer):
        out.column[s] = out.column[WON] + 1 + i
        out.lane_span[s] = span[s]


def _edges(out: MapLayout, sc: Scenario, succ: dict[str, list[tuple[str, float, bool]]],
           back: set[tuple[str, str]], customer: list[str]) -> None:
    """Every arrow of the map with its kind (forward, loop, won, customer) and the lost flows."""
    for st in sc.stages:
        for t, p, cooled in succ[st.id]:
            if t == "won":
                if st.id in customer:
                    continue  # a kept customer: no arrow back to the won marker
                kind = "won"
            elif (st.id, t) in back or out.column.get(t, 0) <= out.column[st.id]:
                kind = "loop"
            else:
                kind = "forward"
            out.edges.append(Edge(st.id, t, p, kind, cooled))
        lost = st.probabilities.get("lost", 0.0)
        if lost > 0 or (st.decay is not None and st.decay.cooled == "lost"):
            out.lost[st.id] = lost
        if st.probabilities.get(STALLED, 0.0) > 0:
            out.stalled[st.id] = (st.probabilities[STALLED], st.revival[0] if st.revival else None)
    if customer:
        out.edges.append(Edge(WON, customer[0], 1.0, "customer"))
        for a, b in itertools.pairwise(customer):
            out.edges.append(Edge(a, b, 1.0, "customer"))


def _back_edges(succ: dict[str, list[tuple[str, float, bool]]], roots: list[str]) -> set[tuple[str, str]]:
    """Edges that close a loop, found depth-first from the sources in file order. Iterative: a chain of
    a thousand stages is a fine map, not a RecursionError."""
    back: set[tuple[str, str]] = set()
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    for root in roots:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(succ.get(root, ())))]
        while stack:
            n, it = stack[-1]
            for t, _, _ in it:
                if t in TERMINALS:
                    continue
                if state.get(t) == 1:
                    back.add((n, t))
                elif t not in state:
                    state[t] = 1
                    stack.append((t, iter(succ.get(t, ()))))
                    break
            else:
                state[n] = 2
                stack.pop()
    return back


def _longest(root: str, preds: dict[str, list[str]], depth: dict[str, int]) -> None:
    """Fill depth[n] = the longest chain of forward edges into n, for root and what leads to it."""
    if root in depth:
        return
    best = {root: 0}
    on_path = {root}
    stack = [(root, iter(preds[root]))]
    while stack:
        n, it = stack[-1]
        for a in it:
            if a in on_path:
                continue
            if a in depth:
                best[n] = max(best[n], depth[a] + 1)
                continue
            best[a] = 0
            on_path.add(a)
            stack.append((a, iter(preds[a])))
            break
        else:
            stack.pop()
            on_path.discard(n)
            depth[n] = best[n]
            if stack:
                parent = stack[-1][0]
                best[parent] = max(best[parent], depth[n] + 1)


def _span(lanes: list[str], roles: tuple[str, ...]) -> tuple[int, int]:
    idx = [lanes.index(r) for r in roles if r in lanes] or [0]
    return (min(idx), max(idx))


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]
