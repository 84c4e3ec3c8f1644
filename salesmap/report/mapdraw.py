"""Draw the sales-process map: swimlanes per role, stages in flow order, flows, waits, stuck leads.

Everything is placed from `layout()`; the numbers come from summary.json when the scenario was
simulated (without them, `salesmap map` draws the process with its probabilities only).
"""

from __future__ import annotations

import textwrap
from typing import Any

from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch, Rectangle

from salesmap.report.layout import WON, Edge, MapLayout, layout
from salesmap.report.svg import figure_svg
from sim.schema import Scenario
from sim.team import build_team

__all__ = ["draw_map"]

PANEL_W, COL_W, BOX_W = 2.5, 2.05, 1.45
PX_PER_INCH = 80  # shown at a fixed scale: text stays readable however wide the map is
LANE_H, BOX_H, TOP, BOTTOM = 1.9, 1.45, 0.95, 0.35
WAIT_CMAP = LinearSegmentedColormap.from_list("wait", ["#ffffff", "#fee6c2", "#fdb97d", "#f4845f"])
INK, MUTED, LOST, LOOP, GOOD, WARN = "#1f2933", "#52606d", "#c62828", "#6a3d9a", "#2e7d32", "#d7301f"
LANE_FILL = ("#f4f6f8", "#e9edf2")


def _text(ax: Axes, x: float, y: float, s: str, **kw: Any) -> None:
    """Text that is never parsed as math: a '$' in a stage name stays a '$'."""
    ax.text(x, y, s, parse_math=False, **kw)


class _Map:
    def __init__(self, sc: Scenario, summary: dict[str, Any] | None, max_wait: float | None = None) -> None:
        self.sc = sc
        self.s = summary
        self.lay: MapLayout = layout(sc)
        self.team = build_team(sc)
        self.weeks = ((summary["horizon_days"] - summary["warmup_days"]) / 7) if summary else 0.0
        waits = [self._stage(sid, "wait_hours") for sid in self.lay.column if sid != WON]
        self.max_wait = max_wait or max([w for w in waits if w is not None] or [1.0]) or 1.0
        self.width = PANEL_W + self.lay.columns * COL_W + 0.3
        self.height = TOP + len(self.lay.lanes) * LANE_H + BOTTOM

    # -- numbers --------------------------------------------------------------------------------
    def _stage(self, sid: str, measure: str) -> float | None:
        if self.s is None or sid not in self.s["stages"]:
            return None
        v = self.s["stages"][sid][measure]["mean"]
        return None if v is None else float(v)

    def _flow(self, src: str, dst: str) -> tuple[float, float] | None:
        """(leads per week, share of the stage's visits) along an edge, from the simulation."""
        if self.s is None or src not in self.s.get("flows", {}):
            return None
        flows = self.s["flows"][src]
        total = sum(v["mean"] or 0.0 for v in flows.values())
        n = (flows.get(dst) or {}).get("mean") or 0.0
        return (n / self.weeks if self.weeks else 0.0, n / total if total else 0.0)

    # -- geometry -------------------------------------------------------------------------------
    def box(self, sid: str) -> tuple[float, float, float, float]:
        """(x, y, w, h) of a stage's box, y downward."""
        col = self.lay.column[sid]
        a, b = self.lay.lane_span[sid]
        x = PANEL_W + col * COL_W + (COL_W - BOX_W) / 2
        y = TOP + a * LANE_H + (LANE_H - BOX_H) / 2
        return x, y, BOX_W, (b - a) * LANE_H + BOX_H

    # -- drawing --------------------------------------------------------------------------------
    def draw(self) -> str:
        fig = Figure(figsize=(self.width, self.height))
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, self.width)
        ax.set_ylim(self.height, 0)
        ax.axis("off")
        self._lanes(ax)
        self._columns(ax)
        fan_in = self._fan_in()
        for e in self.lay.edges:
            if e.target in fan_in and e.kind in ("forward", "loop"):
                self._stub(ax, e)
            else:
                self._edge(ax, e)
        for sid in self.lay.column:
            if sid == WON:
                self._won(ax)
            else:
                self._stage_box(ax, sid)
        for sid, p in self.lay.lost.items():
            self._lost(ax, sid, p)
        self._legend(ax)
        return figure_svg(fig, "map", px_per_inch=PX_PER_INCH, fixed=True)

    def _lanes(self, ax: Axes) -> None:
        roles = self.s["roles"] if self.s else {}
        for i, role in enumerate(self.lay.lanes):
            y = TOP + i * LANE_H
            ax.add_patch(Rectangle((0, y), self.width, LANE_H, color=LANE_FILL[i % 2], zorder=0, lw=0))
            head = f"{role}  ·  {len(self.team.of_role(role))} people"
            if role in roles and roles[role]["utilization"]["mean"] is not None:
                head += f"  ·  {100 * roles[role]['utilization']['mean']:.0f}% busy"
            _text(ax, 0.12, y + 0.22, head, fontsize=9.5, fontweight="bold", color=INK, va="center")
            self._people(ax, role, y + 0.45)

    def _people(self, ax: Axes, role: str, y: float) -> None:
        members = self.team.of_role(role)
        staff = self.s["staff"] if self.s else {}
        shown = members[:7] if len(members) > 8 else members
        threshold = self.s["overload_threshold"] if self.s else 0.85
        for k, m in enumerate(shown):
            yy = y + k * 0.185
            over = bool(staff.get(m.name, {}).get("overloaded"))
            _text(ax, 0.16, yy, textwrap.shorten(m.name, 16, placeholder="…"), fontsize=7.5,
                  color=WARN if over else INK, va="center", fontweight="bold" if over else "normal")
            u = staff.get(m.name, {}).get("utilization", {}).get("mean")
            if u is None:
                continue
            x0, w = 1.25, 0.8
            ax.add_patch(Rectangle((x0, yy - 0.055), w, 0.11, color="#d9dee4", lw=0))
            ax.add_patch(Rectangle((x0, yy - 0.055), w * min(u, 1.0), 0.11, color=WARN if over else "#4a90c2",
                                   lw=0))
            ax.plot([x0 + w * threshold] * 2, [yy - 0.08, yy + 0.08], color=INK, lw=0.6)
            _text(ax, x0 + w + 0.06, yy, f"{100 * u:.0f}%", fontsize=7, color=WARN if over else MUTED,
                  va="center")
        if len(shown) < len(members):
            _text(ax, 0.16, y + len(shown) * 0.185, f"+{len(members) - len(shown)} more", fontsize=7,
                  color=MUTED, va="center")

    def _columns(self, ax: Axes) -> None:
        _text(ax, PANEL_W, 0.3, self.sc.name, fontsize=12, fontweight="bold", color=INK, va="center")

    def _stage_box(self, ax: Axes, sid: str) -> None:
        st = self.sc.stage(sid)
        x, y, w, h = self.box(sid)
        wait = self._stage(sid, "wait_hours")
        fill = WAIT_CMAP(min(wait / self.max_wait, 1.0)) if wait is not None else "#ffffff"
        bottleneck = self.s is not None and self.s.get("bottleneck") == sid
        ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0,rounding_size=0.08", fc=fill,
                                    ec=WARN if bottleneck else INK, lw=2.6 if bottleneck else 0.9, zorder=3))
        if bottleneck:
            _text(ax, x + w / 2, y - 0.09, "BOTTLENECK", fontsize=7, fontweight="bold", color=WARN,
                  ha="center", va="bottom", zorder=4)
        lines = textwrap.wrap(st.display_name, 20)[:2]
        _text(ax, x + 0.08, y + 0.2, "\n".join(lines), fontsize=9, fontweight="bold", color=INK, va="center",
              zorder=4, linespacing=1.0)
        acts = [a.name for a in st.work_items] if st.activities else []
        yy = y + 0.2 + 0.16 * len(lines)
        for a in acts[:3]:
            _text(ax, x + 0.1, yy, "· " + textwrap.shorten(a, 24, placeholder="…"), fontsize=6.5, color=MUTED,
                  va="center", zorder=4)
            yy += 0.14
        if len(acts) > 3:
            _text(ax, x + 0.1, yy, f"+{len(acts) - 3} more", fontsize=6.5, color=MUTED, va="center", zorder=4)
        stats = self._stats(sid)
        _text(ax, x + 0.08, y + h - 0.12, stats, fontsize=6.8, color=INK, va="bottom", zorder=4, linespacing=1.15)
        stuck = self._stage(sid, "stuck")
        if stuck:
            ax.add_patch(Circle((x + w - 0.02, y + 0.02), 0.15, color=LOST, zorder=5))
            _text(ax, x + w - 0.02, y + 0.02, f"{stuck:.0f}", fontsize=6.5, color="white", ha="center",
                  va="center", fontweight="bold", zorder=6)

    def _stats(self, sid: str) -> str:
        if self.s is None:
            return "; ".join(self.sc.stage(sid).roles)
        wait, days = self._stage(sid, "wait_hours"), self._stage(sid, "time_in_stage_days")
        entered, conv = self._stage(sid, "entered"), self._stage(sid, "conversion_rate")
        per_week = (entered or 0.0) / self.weeks if self.weeks else 0.0
        top = f"{per_week:.1f}/wk in · {100 * (conv or 0):.0f}% on"
        return f"{top}\nwait {wait or 0:.1f} h · {days or 0:.1f} d in stage"

    def _anchor(self, sid: str, side: str) -> tuple[float, float]:
        if sid == WON:
            x, y = self._won_xy()
            return {"left": (x - 0.3, y), "right": (x + 0.3, y), "top": (x, y - 0.3), "bottom": (x, y + 0.3)}[side]
        x, y, w, h = self.box(sid)
        return {"left": (x, y + h / 2), "right": (x + w, y + h / 2), "top": (x + w / 2, y),
                "bottom": (x + w / 2, y + h)}[side]

    def _edge(self, ax: Axes, e: Edge) -> None:
        flow = self._flow(e.source, e.target)
        ls: Any
        if e.kind == "loop":
            a, b = self._anchor(e.source, "top"), self._anchor(e.target, "top")
            style, color, rad = "-|>", LOOP, 0.35 if a[0] > b[0] else -0.35
            ls = (0, (4, 2))
        else:
            a, b = self._anchor(e.source, "right"), self._anchor(e.target, "left")
            style, color, ls = "-|>", GOOD if e.kind in ("won", "customer") else INK, "-"
            rad = 0.0 if abs(a[1] - b[1]) < 0.01 else (0.12 if b[1] > a[1] else -0.12)
            if e.kind == "customer":
                ls = (0, (3, 2))
        ax.add_patch(FancyArrowPatch(a, b, arrowstyle=style, mutation_scale=10, color=color, lw=1.1,
                                     linestyle=ls, connectionstyle=f"arc3,rad={rad}", zorder=2,
                                     shrinkA=2, shrinkB=2))
        label = self._edge_label(e, flow)
        if not label:
            return
        mx, my = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2
        if e.kind == "loop":
            my -= abs(a[0] - b[0]) * abs(rad) / 2 + 0.05
        _text(ax, mx, my - 0.06, label, fontsize=6.5, color=color, ha="center", va="bottom", zorder=6,
              bbox={"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none", "alpha": 0.85})
        crosses = self.lay.lane_span.get(e.source) != self.lay.lane_span.get(e.target)
        wait = self._stage(e.target, "wait_hours") if e.kind == "forward" and crosses else None
        if wait is not None:
            _text(ax, mx, my + 0.06, f"handoff · waits {wait:.0f} h", fontsize=6.2, color="#b35806",
                  ha="center", va="top", zorder=6, style="italic",
                  bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.85})

    def _edge_label(self, e: Edge, flow: tuple[float, float] | None) -> str:
        if e.kind == "customer":
            return ""
        cooled = " (cooled)" if e.cooled else ""
        if flow is None:
            return f"{100 * e.probability:.0f}%{cooled}" if e.probability else f"cooled{cooled and ''}"
        per_week, share = flow
        return f"{per_week:.1f}/wk · {100 * share:.0f}%{cooled}"

    def _fan_in(self) -> set[str]:
        """Stages fed by three or more others (nurture, typically): drawn with stubs, not long arrows."""
        sources: dict[str, set[str]] = {}
        for e in self.lay.edges:
            if e.kind in ("forward", "loop"):
                sources.setdefault(e.target, set()).add(e.source)
        return {t for t, s in sources.items() if len(s) >= 3}

    def _stub(self, ax: Axes, e: Edge) -> None:
        """A short labelled arrow '→ Nurture 10%' from the top right of the source box."""
        x, y, w, _ = self.box(e.source)
        a, b = (x + w / 2, y), (x + w / 2 + 0.12, y - 0.2)
        ax.add_patch(FancyArrowPatch(a, b, arrowstyle="-|>", mutation_scale=8, color=LOOP, lw=1.0, zorder=2))
        flow = self._flow(e.source, e.target)
        name = textwrap.shorten(self.sc.stage(e.target).display_name, 14, placeholder="…")
        pct = f"{100 * e.probability:.0f}%" if flow is None else f"{flow[0]:.1f}/wk · {100 * flow[1]:.0f}%"
        _text(ax, b[0] + 0.03, b[1] - 0.02, f"→ {name} {pct}", fontsize=6.3, color=LOOP, va="center", zorder=6,
              bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.85})

    def _lost(self, ax: Axes, sid: str, p: float) -> None:
        x, y, _, h = self.box(sid)
        a = (x + 0.3, y + h)
        b = (x + 0.12, y + h + 0.2)
        ax.add_patch(FancyArrowPatch(a, b, arrowstyle="-|>", mutation_scale=8, color=LOST, lw=1.0, zorder=2))
        flow = self._flow(sid, "lost")
        label = f"lost {100 * p:.0f}%" if flow is None else f"lost {flow[0]:.1f}/wk · {100 * flow[1]:.0f}%"
        _text(ax, b[0] + 0.03, b[1] - 0.02, label, fontsize=6.3, color=LOST, va="center", zorder=6)

    def _won_xy(self) -> tuple[float, float]:
        col = self.lay.column[WON]
        a, b = self.lay.lane_span[WON]
        return PANEL_W + col * COL_W + COL_W / 2, TOP + (a + b + 1) * LANE_H / 2

    def _won(self, ax: Axes) -> None:
        x, y = self._won_xy()
        ax.add_patch(Circle((x, y), 0.3, fc="#e8f5e9", ec=GOOD, lw=1.6, zorder=3))
        _text(ax, x, y - 0.04, "Won", fontsize=9, fontweight="bold", color=GOOD, ha="center", va="center", zorder=4)
        if self.s is not None:
            won = self.s["kpis"]["won_per_week"]["mean"] or 0.0
            _text(ax, x, y + 0.13, f"{won:.1f}/wk", fontsize=6.5, color=GOOD, ha="center", va="center", zorder=4)

    def _legend(self, ax: Axes) -> None:
        if self.s is None:
            text = "Arrows: outcome probabilities. Lanes: roles, with their people."
        else:
            text = (f"Shading: hours a lead waits for the first touch (darkest = {self.max_wait:.0f} h).   "
                    "Red badge: leads stuck per replication.   Purple: loops and recycling (→ stage).   "
                    "Bars: utilization (tick = overload line).   /wk = leads per week.")
        _text(ax, PANEL_W, 0.62, text, fontsize=7, color=MUTED, va="center")


def draw_map(scenario: Scenario, summary: dict[str, Any] | None = None, max_wait: float | None = None) -> str:
    """The map as an SVG document (text stays text; every string escaped by the SVG writer).

    `max_wait` (hours) fixes the darkest shade, so several maps can share one scale.
    """
    return _Map(scenario, summary, max_wait).draw()
