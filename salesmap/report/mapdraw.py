"""Draw the sales-process map: swimlanes per role, stages in flow order, flows, waits, stuck leads.

Everything is placed from `layout()`; the numbers come from summary.json when the scenario was
simulated (without them, `salesmap map` draws the process with its probabilities only). The map is
drawn at a fixed, readable scale and never wider than a 1,400 px window: when the flow has more
columns than fit, it wraps into bands, like lines of text, and a flow into the next band is a
labelled stub at both ends. Labels are placed by `salesmap.report.labels` so that none hides another.
"""

from __future__ import annotations

import itertools
import math
import textwrap
from typing import Any

from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch, Rectangle
from matplotlib.path import Path

from salesmap.report.labels import Placer, Rect, Spot, around
from salesmap.report.layout import WON, Edge, MapLayout, layout
from salesmap.report.svg import figure_svg
from sim.schema import Scenario
from sim.team import build_team

__all__ = ["MAX_WIDTH_PX", "PX_PER_INCH", "draw_map", "map_figure"]

PANEL_W, COL_W, BOX_W = 2.5, 2.3, 1.5
PX_PER_INCH = 80  # shown at a fixed scale: text stays readable however large the map is
MAX_WIDTH_PX = 1340
"""A 1,400 px browser window less the page's margins: wider maps wrap into bands instead of scrolling."""
LANE_H, BOX_H, BAND_GAP, BOTTOM = 1.9, 1.45, 0.75, 0.45
WRAP_MARGIN = 1.3
"""Right margin of a wrapped map: the labelled stubs into the next band go there."""
LOOP_PEAK = 0.5
"""How far a loop arrow rises above the boxes it joins, at most (inches)."""
WAIT_CMAP = LinearSegmentedColormap.from_list("wait", ["#ffffff", "#fee6c2", "#fdb97d", "#f4845f"])
INK, MUTED, LOST, LOOP, GOOD, WARN = "#1f2933", "#52606d", "#c62828", "#6a3d9a", "#2e7d32", "#d7301f"
HANDOFF = "#b35806"
LANE_FILL = ("#f4f6f8", "#e9edf2")
LABEL_BG = {"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.9}
Point = tuple[float, float]


def _bezier(points: list[Point], n: int = 40) -> list[Point]:
    """Points along a quadratic or cubic Bézier curve (to keep labels off the arrow)."""
    out = []
    for i in range(n + 1):
        t = i / n
        if len(points) == 3:
            (x0, y0), (x1, y1), (x2, y2) = points
            out.append(((1 - t) ** 2 * x0 + 2 * (1 - t) * t * x1 + t * t * x2,
                        (1 - t) ** 2 * y0 + 2 * (1 - t) * t * y1 + t * t * y2))
        else:
            (x0, y0), (x1, y1), (x2, y2), (x3, y3) = points
            a, b, c, d = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t * t, t ** 3
            out.append((a * x0 + b * x1 + c * x2 + d * x3, a * y0 + b * y1 + c * y2 + d * y3))
    return out


def _legend_lines(text: str, width_in: float, fontsize: float) -> list[str]:
    """The legend wrapped to the map's width (DejaVu Sans is at most about 0.62 em per character)."""
    chars = max(20, int(width_in * 72 / (fontsize * 0.62)))
    return textwrap.wrap(text, chars)


class _Map:
    def __init__(self, sc: Scenario, summary: dict[str, Any] | None, max_wait: float | None = None) -> None:
        self.sc = sc
        self.s = summary
        self.lay: MapLayout = layout(sc)
        self.team = build_team(sc)
        self.weeks = ((summary["horizon_days"] - summary["warmup_days"]) / 7) if summary else 0.0
        waits = [self._stage(sid, "wait_hours") for sid in self.lay.column if sid != WON]
        self.max_wait = max_wait or max([w for w in waits if w is not None] or [1.0]) or 1.0
        fit = max(1, int((MAX_WIDTH_PX / PX_PER_INCH - PANEL_W - 0.3) // COL_W))
        self.bands = max(1, math.ceil(self.lay.columns / fit))
        if self.bands > 1:  # room on the right for the stubs into the next band
            fit = max(1, int((MAX_WIDTH_PX / PX_PER_INCH - PANEL_W - WRAP_MARGIN) // COL_W))
            self.bands = max(1, math.ceil(self.lay.columns / fit))
        self.per_band = max(1, math.ceil(self.lay.columns / self.bands))
        self.width = PANEL_W + self.per_band * COL_W + (WRAP_MARGIN if self.bands > 1 else 0.3)
        self.legend = _legend_lines(self._legend_text(), self.width - PANEL_W - 0.2, 7)
        loops = any(e.kind == "loop" and self.band(e.source) == 0 == self.band(e.target) for e in self.lay.edges)
        self.top = 0.55 + 0.14 * len(self.legend) + (LOOP_PEAK if loops else 0.0) + 0.3
        self.band_lanes = self._band_lanes()
        tops = [self.top]
        for first, last in self.band_lanes:
            tops.append(tops[-1] + (last - first + 1) * LANE_H + BAND_GAP)
        self.tops = tops[:-1]
        self.height = tops[-1] - BAND_GAP + BOTTOM

    def _band_lanes(self) -> list[tuple[int, int]]:
        """The lanes each band shows: all of them in the first (it lists the people), else only the
        lanes its stages use (a wrapped map does not repeat empty lanes)."""
        out = [(0, len(self.lay.lanes) - 1)]
        for b in range(1, self.bands):
            spans = [self.lay.lane_span[sid] for sid, c in self.lay.column.items() if c // self.per_band == b]
            out.append((min(a for a, _ in spans), max(z for _, z in spans)) if spans else (0, 0))
        return out

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
    def band(self, sid: str) -> int:
        return self.lay.column[sid] // self.per_band

    def lane_top(self, b: int, lane: int) -> float:
        return self.tops[b] + (lane - self.band_lanes[b][0]) * LANE_H

    def box(self, sid: str) -> tuple[float, float, float, float]:
        """(x, y, w, h) of a stage's box, y downward."""
        b, col = divmod(self.lay.column[sid], self.per_band)
        a, last = self.lay.lane_span[sid]
        x = PANEL_W + col * COL_W + (COL_W - BOX_W) / 2
        y = self.lane_top(b, a) + (LANE_H - BOX_H) / 2
        return x, y, BOX_W, (last - a) * LANE_H + BOX_H

    def _won_xy(self) -> Point:
        b, col = divmod(self.lay.column[WON], self.per_band)
        a, last = self.lay.lane_span[WON]
        return PANEL_W + col * COL_W + COL_W / 2, self.lane_top(b, a) + (last - a + 1) * LANE_H / 2

    def _anchor(self, sid: str, side: str) -> Point:
        if sid == WON:
            x, y = self._won_xy()
            return {"left": (x - 0.3, y), "right": (x + 0.3, y), "top": (x, y - 0.3), "bottom": (x, y + 0.3)}[side]
        x, y, w, h = self.box(sid)
        return {"left": (x, y + h / 2), "right": (x + w, y + h / 2), "top": (x + w / 2, y),
                "bottom": (x + w / 2, y + h)}[side]

    @property
    def bounds(self) -> Rect:
        return 0.0, 0.0, self.width, self.height

    # -- drawing --------------------------------------------------------------------------------
    def render(self) -> tuple[Figure, Placer]:
        """The figure, and the placer that knows where every text, box and arrow went."""
        fig = Figure(figsize=(self.width, self.height))
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, self.width)
        ax.set_ylim(self.height, 0)
        ax.axis("off")
        pl = Placer(fig, ax)
        self._lanes(pl)
        self._head(pl)
        self._shapes(pl)
        self._arrows(pl)
        for sid in self.lay.column:
            if sid != WON:
                self._stage_text(pl, sid)
        return fig, pl

    def draw(self) -> str:
        fig, _ = self.render()
        return figure_svg(fig, "map", px_per_inch=PX_PER_INCH, fixed=True)

    def _head(self, pl: Placer) -> None:
        pl.fixed("title", PANEL_W, 0.3, self.sc.name, fontsize=12, fontweight="bold", color=INK, va="center")
        legend = (PANEL_W, 0.5, self.width - 0.1, 0.6 + 0.14 * len(self.legend))
        pl.in_box("legend", legend, PANEL_W, 0.55, "\n".join(self.legend), fontsize=7, color=MUTED, va="top",
                  linespacing=1.35)
        pl.obstacles.append(("legend", legend))

    def _legend_text(self) -> str:
        if self.s is None:
            return "Arrows: outcome probabilities. Lanes: roles, with their people."
        return (f"Shading: hours a lead waits for the first touch (darkest = {self.max_wait:.0f} h).   "
                "Red badge: leads stuck per replication.   Purple: loops and recycling (→ stage).   "
                "Bars: utilization (tick = overload line).   /wk = leads per week.")

    def _lanes(self, pl: Placer) -> None:
        roles = self.s["roles"] if self.s else {}
        for b, (first, last) in enumerate(self.band_lanes):
            for i in range(first, last + 1):
                role = self.lay.lanes[i]
                y = self.lane_top(b, i)
                pl.ax.add_patch(Rectangle((0, y), self.width, LANE_H, color=LANE_FILL[i % 2], zorder=0, lw=0))
                head = f"{role}  ·  {len(self.team.of_role(role))} people"
                if role in roles and roles[role]["utilization"]["mean"] is not None:
                    head += f"  ·  {100 * roles[role]['utilization']['mean']:.0f}% busy"
                if b > 0:
                    head = f"{role} (continued)"
                pl.in_box(f"lane:{role}:{b}", (0.05, y + 0.08, PANEL_W - 0.1, y + 0.36), 0.12, y + 0.22, head,
                          fontsize=9.5, fontweight="bold", color=INK, va="center")
                pl.obstacles.append((f"lane:{role}:{b}", (0.05, y + 0.08, PANEL_W - 0.1, y + 0.36)))
                if b == 0:
                    self._people(pl, role, y + 0.45)

    def _people(self, pl: Placer, role: str, y: float) -> None:
        people = self.team.of_role(role)
        staff = self.s["staff"] if self.s else {}
        shown = people[:7] if len(people) > 8 else people
        threshold = self.s["overload_threshold"] if self.s else 0.85
        ax = pl.ax
        for k, m in enumerate(shown):
            yy = y + k * 0.185
            over = bool(staff.get(m.name, {}).get("overloaded"))
            pl.in_box(f"person:{m.name}", (0.1, yy - 0.09, 1.2, yy + 0.09), 0.16, yy,
                      textwrap.shorten(m.name, 16, placeholder="…"), fontsize=7.5, color=WARN if over else INK,
                      va="center", fontweight="bold" if over else "normal")
            u = staff.get(m.name, {}).get("utilization", {}).get("mean")
            if u is None:
                continue
            x0, w = 1.25, 0.8
            ax.add_patch(Rectangle((x0, yy - 0.055), w, 0.11, color="#d9dee4", lw=0))
            ax.add_patch(Rectangle((x0, yy - 0.055), w * min(u, 1.0), 0.11, color=WARN if over else "#4a90c2",
                                   lw=0))
            ax.plot([x0 + w * threshold] * 2, [yy - 0.08, yy + 0.08], color=INK, lw=0.6)
            pl.fixed(f"person:{m.name}:busy", x0 + w + 0.06, yy, f"{100 * u:.0f}%", fontsize=7,
                     color=WARN if over else MUTED, va="center")
        if len(shown) < len(people):
            pl.fixed(f"lane:{role}:more", 0.16, y + len(shown) * 0.185, f"+{len(people) - len(shown)} more",
                     fontsize=7, color=MUTED, va="center")

    def _shapes(self, pl: Placer) -> None:
        """Stage boxes, their stuck badges and the won marker: obstacles for every label."""
        for sid in self.lay.column:
            if sid == WON:
                x, y = self._won_xy()
                pl.ax.add_patch(Circle((x, y), 0.3, fc="#e8f5e9", ec=GOOD, lw=1.6, zorder=3))
                pl.obstacles.append(("won", (x - 0.3, y - 0.3, x + 0.3, y + 0.3)))
                pl.in_box("won:text", (x - 0.28, y - 0.2, x + 0.28, y + 0.06), x, y - 0.04, "Won", fontsize=9,
                          fontweight="bold", color=GOOD, ha="center", va="center", zorder=4)
                if self.s is not None:
                    won = self.s["kpis"]["won_per_week"]["mean"] or 0.0
                    pl.in_box("won:text", (x - 0.28, y + 0.06, x + 0.28, y + 0.22), x, y + 0.13, f"{won:.1f}/wk",
                              fontsize=6.5, color=GOOD, ha="center", va="center", zorder=4)
                continue
            x, y, w, h = self.box(sid)
            wait = self._stage(sid, "wait_hours")
            fill = WAIT_CMAP(min(wait / self.max_wait, 1.0)) if wait is not None else "#ffffff"
            neck = self._bottleneck(sid)
            pl.ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0,rounding_size=0.08", fc=fill,
                                           ec=WARN if neck else INK, lw=2.6 if neck else 0.9, zorder=3))
            pl.obstacles.append((f"box:{sid}", (x, y, x + w, y + h)))
            stuck = self._stage(sid, "stuck")
            if stuck:
                pl.ax.add_patch(Circle((x + w - 0.02, y + 0.02), 0.15, color=LOST, zorder=5))
                pl.text(x + w - 0.02, y + 0.02, f"{stuck:.0f}", fontsize=6.5 if stuck < 1000 else 5, color="white",
                        ha="center", va="center", fontweight="bold", zorder=6)
                pl.obstacles.append((f"badge:{sid}", (x + w - 0.17, y - 0.13, x + w + 0.13, y + 0.17)))

    def _bottleneck(self, sid: str) -> bool:
        return self.s is not None and self.s.get("bottleneck") == sid

    def _stage_text(self, pl: Placer, sid: str) -> None:
        st = self.sc.stage(sid)
        x, y, w, h = self.box(sid)
        badge = 0.2 if self._stage(sid, "stuck") else 0.0
        inner = (x + 0.05, y + 0.05, x + w - 0.05, y + h - 0.05)
        lines = textwrap.wrap(st.display_name, 20)[:2] or [st.id]
        name_box = (inner[0], inner[1], inner[2] - badge, inner[1] + 0.34)
        r = pl.in_box(f"box:{sid}:name", name_box, x + 0.08, y + 0.07, "\n".join(lines), fontsize=9,
                      fontweight="bold", color=INK, va="top", zorder=4, linespacing=1.0)
        acts = [a.name for a in st.work_items] if st.activities else []
        shown = [*acts[:3], f"+{len(acts) - 3} more"] if len(acts) > 3 else acts
        yy = r[3] + 0.04
        stats_h = 0.32
        for a in shown:
            if yy + 0.13 > y + h - 0.05 - stats_h:
                break
            pl.in_box(f"box:{sid}:activity", (inner[0], yy, inner[2], yy + 0.14), x + 0.1, yy,
                      "· " + textwrap.shorten(a, 30, placeholder="…") if not a.startswith("+") else a, fontsize=6.5,
                      color=MUTED, va="top", zorder=4)
            yy += 0.14
        pl.in_box(f"box:{sid}:stats", (inner[0], inner[3] - stats_h, inner[2], inner[3]), x + 0.08, y + h - 0.08,
                  self._stats(sid), fontsize=6.8, color=INK, va="bottom", zorder=4, linespacing=1.15)
        if self._bottleneck(sid):
            spots: list[Spot] = [(x + w / 2, y - 0.04, "center", "bottom"), (x, y - 0.04, "left", "bottom"),
                                 (x + w, y - 0.04, "right", "bottom"), (x + w / 2, y + h + 0.04, "center", "top"),
                                 (x + w, y + h + 0.04, "right", "top"), (x, y + h + 0.04, "left", "top"),
                                 *around(x + w / 2, y - 0.04, 0.1, 0.08, 4)]
            pl.floating(f"bottleneck:{sid}", spots, "BOTTLENECK", self.bounds, fontsize=7, fontweight="bold",
                        color=WARN, zorder=7, bbox=LABEL_BG)

    def _stats(self, sid: str) -> str:
        if self.s is None:
            return "; ".join(self.sc.stage(sid).roles)
        wait, days = self._stage(sid, "wait_hours"), self._stage(sid, "time_in_stage_days")
        entered, conv = self._stage(sid, "entered"), self._stage(sid, "conversion_rate")
        per_week = (entered or 0.0) / self.weeks if self.weeks else 0.0
        top = f"{per_week:.1f}/wk in · {100 * (conv or 0):.0f}% on"
        return f"{top}\nwait {wait or 0:.1f} h · {days or 0:.1f} d in stage"

    # -- arrows and their labels ------------------------------------------------------------------
    def _arrows(self, pl: Placer) -> None:
        """Every arrow first (so labels avoid all of them), then the labels, the busiest flows first."""
        fan_in = self._fan_in()
        labels: list[tuple[float, str, list[Spot], str, dict[str, Any]]] = []
        for e in self.lay.edges:
            if e.kind in ("forward", "loop") and (e.target in fan_in or self._crosses_bands(e)):
                labels += self._stub(pl, e, inbound=e.target not in fan_in)
            else:
                labels += self._edge(pl, e)
        for sid, p in self.lay.lost.items():
            labels += self._lost(pl, sid, p)
        for sid, (p, revived) in self.lay.stalled.items():
            labels += self._stalled(pl, sid, p, revived)
        for _, what, spots, text, kw in sorted(labels, key=lambda t: -t[0]):
            pl.floating(what, spots, text, self.bounds, own_line=what.split("|")[0], **kw)

    def _crosses_bands(self, e: Edge) -> bool:
        return self.band(e.source) != self.band(e.target)

    def _arrow(self, pl: Placer, what: str, points: list[Point], color: str, ls: Any = "-",
               scale: float = 10) -> list[Point]:
        codes = [Path.MOVETO] + [Path.CURVE3 if len(points) == 3 else Path.CURVE4 if len(points) == 4
                                 else Path.LINETO] * (len(points) - 1)
        pl.ax.add_patch(FancyArrowPatch(path=Path(points, codes), arrowstyle="-|>", mutation_scale=scale,
                                        color=color, lw=1.1, linestyle=ls, zorder=2))
        pts = _bezier(points) if len(points) in (3, 4) else [
            (a[0] + (b[0] - a[0]) * t / 10, a[1] + (b[1] - a[1]) * t / 10)
            for a, b in itertools.pairwise(points) for t in range(11)]
        pl.line(what, pts)
        return pts

    def _edge(self, pl: Placer, e: Edge) -> list[tuple[float, str, list[Spot], str, dict[str, Any]]]:
        flow = self._flow(e.source, e.target)
        what = f"edge:{e.source}->{e.target}"
        ls: Any = "-"
        if e.kind == "loop":
            (ax_, ay), (bx, by) = self._anchor(e.source, "top"), self._anchor(e.target, "top")
            peak = min(LOOP_PEAK, 0.12 * abs(ax_ - bx) + 0.15)
            ctrl = ((ax_ + bx) / 2, min(ay, by) - 2 * peak)
            pts = self._arrow(pl, what, [(ax_, ay), ctrl, (bx, by)], LOOP, (0, (4, 2)))
            color = LOOP
        else:
            (ax_, ay), (bx, by) = self._anchor(e.source, "right"), self._anchor(e.target, "left")
            d = 0.45 * abs(bx - ax_)
            color = GOOD if e.kind in ("won", "customer") else INK
            if e.kind == "customer":
                ls = (0, (3, 2))
            pts = self._arrow(pl, what, [(ax_, ay), (ax_ + d, ay), (bx - d, by), (bx, by)], color, ls)
        label = self._edge_label(e, flow)
        out: list[tuple[float, str, list[Spot], str, dict[str, Any]]] = []
        weight = flow[0] if flow else e.probability
        if label:
            spots = [s for t in (0.5, 0.35, 0.65, 0.2, 0.8) for s in around(*pts[int(t * (len(pts) - 1))], 0.05, 0.05)]
            out.append((weight, f"{what}|flow", spots, label,
                        {"fontsize": 6.5, "color": color, "zorder": 6, "bbox": LABEL_BG}))
        crosses = self.lay.lane_span.get(e.source) != self.lay.lane_span.get(e.target)
        wait = self._stage(e.target, "wait_hours") if e.kind == "forward" and crosses else None
        if wait is not None:
            spots = [s for t in (0.75, 0.6, 0.9, 0.45, 0.3) for s in around(*pts[int(t * (len(pts) - 1))], 0.05, 0.05)]
            tx, ty, _, th = self.box(e.target)
            spots += [(tx, ty - 0.04, "left", "bottom"), (tx, ty + th + 0.04, "left", "top")]
            out.append((weight - 1e-6, f"{what}|handoff", spots, f"handoff\nwaits {wait:.0f} h",
                        {"fontsize": 6.2, "color": HANDOFF, "style": "italic", "zorder": 6, "bbox": LABEL_BG}))
        return out

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

    def _stub(self, pl: Placer, e: Edge, inbound: bool) -> list[tuple[float, str, list[Spot], str, dict[str, Any]]]:
        """A short labelled arrow '→ Nurture 10%' out of the source; with `inbound`, a matching
        'from Demo' arrow into the target (a flow into the next band of a wrapped map)."""
        what = f"stub:{e.source}->{e.target}"
        x, y, w, h = self.box(e.source)
        color = LOOP if e.kind == "loop" or e.target in self._fan_in() else INK
        if e.kind == "loop" or not inbound:
            a, b = (x + w / 2, y), (x + w / 2 + 0.12, y - 0.2)
        else:
            a, b = (x + w, y + h / 2), (x + w + 0.22, y + h / 2)
        self._arrow(pl, what, [a, b], color, scale=8)
        flow = self._flow(e.source, e.target)
        name = textwrap.shorten(self.sc.stage(e.target).display_name, 18, placeholder="…")
        pct = f"{100 * e.probability:.0f}%" if flow is None else f"{flow[0]:.1f}/wk · {100 * flow[1]:.0f}%"
        weight = flow[0] if flow else e.probability
        out = [(weight, f"{what}|out", around(*b, 0.04, 0.05), f"→ {name} {pct}",
                {"fontsize": 6.3, "color": color, "zorder": 6, "bbox": LABEL_BG})]
        if inbound:
            tx, ty = self._anchor(e.target, "left" if e.kind != "loop" else "top")
            start = (tx - 0.22, ty) if e.kind != "loop" else (tx - 0.12, ty - 0.2)
            self._arrow(pl, f"{what}:in", [start, (tx, ty)], color, scale=8)
            src = textwrap.shorten(self.sc.stage(e.source).display_name, 18, placeholder="…")
            out.append((weight, f"{what}:in|label", around(*start, 0.04, 0.05), f"from {src}",
                        {"fontsize": 6.3, "color": color, "zorder": 6, "bbox": LABEL_BG}))
        return out

    def _lost(self, pl: Placer, sid: str, p: float) -> list[tuple[float, str, list[Spot], str, dict[str, Any]]]:
        x, y, _, h = self.box(sid)
        a, b = (x + 0.3, y + h), (x + 0.12, y + h + 0.2)
        what = f"lost:{sid}"
        self._arrow(pl, what, [a, b], LOST, scale=8)
        flow = self._flow(sid, "lost")
        label = f"lost {100 * p:.0f}%" if flow is None else f"lost {flow[0]:.1f}/wk · {100 * flow[1]:.0f}%"
        spots = around(b[0], b[1] + 0.02, 0.06, 0.05)
        return [(flow[0] if flow else p, f"{what}|label", spots, label,
                 {"fontsize": 6.3, "color": LOST, "zorder": 6, "bbox": LABEL_BG})]


    def _stalled(self, pl: Placer, sid: str, p: float, revived: str | None
                 ) -> list[tuple[float, str, list[Spot], str, dict[str, Any]]]:
        """Deals that stall here: a grey stub under the box's right side ('stalled 16%', '→ revived in X')."""
        x, y, w, h = self.box(sid)
        a, b = (x + w - 0.3, y + h), (x + w - 0.12, y + h + 0.2)
        what = f"stalled:{sid}"
        self._arrow(pl, what, [a, b], MUTED, scale=8)
        flow = self._flow(sid, "stalled")
        label = f"stalled {100 * p:.0f}%" if flow is None else f"stalled {flow[0]:.1f}/wk · {100 * flow[1]:.0f}%"
        if revived is not None:
            label += f" → {textwrap.shorten(self.sc.stage(revived).display_name, 16, placeholder='…')}"
        return [(flow[0] if flow else p, f"{what}|label", around(b[0], b[1] + 0.02, 0.06, 0.05), label,
                 {"fontsize": 6.3, "color": MUTED, "zorder": 6, "bbox": LABEL_BG})]


def map_figure(scenario: Scenario, summary: dict[str, Any] | None = None,
               max_wait: float | None = None) -> tuple[Figure, Placer]:
    """The map's figure and where everything on it went (for tests of its geometry)."""
    return _Map(scenario, summary, max_wait).render()


def draw_map(scenario: Scenario, summary: dict[str, Any] | None = None, max_wait: float | None = None) -> str:
    """The map as an SVG document (text stays text; every string escaped by the SVG writer).

    `max_wait` (hours) fixes the darkest shade, so several maps can share one scale.
    """
    return _Map(scenario, summary, max_wait).draw()
