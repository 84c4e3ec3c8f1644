"""Text on the map without overlaps: every label measured, then put where it hides nothing.

Boxes, the won marker, the people panel and arrows are obstacles. A floating label (a flow's
percentage, a lost stub, a handoff wait) has a few candidate spots near what it describes and takes
the first where it overlaps no obstacle and no label placed before it; text inside a stage box is
shrunk, then shortened, until it fits the box. Sizes are measured by matplotlib's own text engine
(DejaVu Sans, shipped with it), so the same scenario gives the same map on every machine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

__all__ = ["Placer", "Rect", "Spot", "around", "inside", "overlaps"]

Rect = tuple[float, float, float, float]
"""(x0, y0, x1, y1) in the map's inches, y downward."""

HAlign = Literal["left", "center", "right"]
VAlign = Literal["bottom", "baseline", "center", "center_baseline", "top"]
Spot = tuple[float, float, HAlign, VAlign]
"""(x, y, horizontal alignment, vertical alignment) a label may take."""

PAD = 0.02
"""Clearance kept around every label, inches."""


def overlaps(a: Rect, b: Rect, pad: float = 0.0) -> bool:
    return a[0] < b[2] + pad and b[0] < a[2] + pad and a[1] < b[3] + pad and b[1] < a[3] + pad


def inside(a: Rect, b: Rect) -> bool:
    """`a` lies within `b`."""
    return a[0] >= b[0] - 1e-9 and a[1] >= b[1] - 1e-9 and a[2] <= b[2] + 1e-9 and a[3] <= b[3] + 1e-9


@dataclass
class Placer:
    """Measures and places the map's text; remembers every obstacle and label for the tests."""

    fig: Figure
    ax: Axes
    obstacles: list[tuple[str, Rect]] = field(default_factory=list)
    """(what, rect): boxes, the won marker, fixed text."""
    lines: list[tuple[str, list[tuple[float, float]]]] = field(default_factory=list)
    """(what, points along it): arrows, sampled finely enough that a label cannot sit between points."""
    labels: list[tuple[str, Rect]] = field(default_factory=list)
    """(what, rect) of every floating label placed."""
    boxed: list[tuple[str, Rect, Rect]] = field(default_factory=list)
    """(what, text rect, box rect) of every text that must stay inside its box."""

    def __post_init__(self) -> None:
        self._renderer = FigureCanvasAgg(self.fig).get_renderer()  # type: ignore[no-untyped-call]

    def extent(self, t: Text) -> Rect:
        """A drawn text's rectangle in map inches."""
        bb = t.get_window_extent(self._renderer)
        inv = self.ax.transData.inverted()
        (x0, y0), (x1, y1) = inv.transform([(bb.x0, bb.y0), (bb.x1, bb.y1)])
        return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)

    def text(self, x: float, y: float, s: str, **kw: Any) -> Text:
        """Text that is never parsed as math: a '$' in a stage name stays a '$'."""
        return self.ax.text(x, y, s, parse_math=False, **kw)

    def fixed(self, what: str, x: float, y: float, s: str, **kw: Any) -> Rect:
        """Text that does not move (titles, lane heads, the people panel): an obstacle for the rest."""
        r = self.extent(self.text(x, y, s, **kw))
        self.obstacles.append((what, r))
        return r

    def in_box(self, what: str, box: Rect, x: float, y: float, s: str, fontsize: float, min_size: float = 5.5,
               **kw: Any) -> Rect:
        """Text inside a box: smaller type first, then fewer characters, until it fits."""
        t = self.text(x, y, s, fontsize=fontsize, **kw)
        lines = s.split("\n")
        size = fontsize
        while not inside(r := self.extent(t), box):
            if size > min_size:
                size = max(min_size, size - 0.4)
                t.set_fontsize(size)
                continue
            longest = max(range(len(lines)), key=lambda i: len(lines[i]))
            if len(lines[longest]) <= 2:
                break
            lines[longest] = lines[longest].rstrip("…")[:-1].rstrip() + "…"
            t.set_text("\n".join(lines))
        self.boxed.append((what, r, box))
        return r

    def line(self, what: str, points: Sequence[tuple[float, float]]) -> None:
        self.lines.append((what, list(points)))

    def _free(self, r: Rect, own: str, bounds: Rect) -> bool:
        if not inside(r, bounds):
            return False
        if any(overlaps(r, o, PAD) for _, o in self.obstacles):
            return False
        if any(overlaps(r, o, PAD) for _, o in self.labels):
            return False
        return not any(what != own and any(r[0] - PAD <= x <= r[2] + PAD and r[1] - PAD <= y <= r[3] + PAD
                                           for x, y in pts) for what, pts in self.lines)

    def floating(self, what: str, spots: Sequence[Spot], s: str, bounds: Rect, own_line: str = "",
                 **kw: Any) -> Rect:
        """A label at the first spot where it hides nothing (the first spot when every one would)."""
        t = self.text(spots[0][0], spots[0][1], s, ha=spots[0][2], va=spots[0][3], **kw)
        best: Rect | None = None
        for x, y, ha, va in spots:
            t.set_position((x, y))
            t.set_horizontalalignment(ha)
            t.set_verticalalignment(va)
            r = self.extent(t)
            if self._free(r, own_line, bounds):
                best = r
                break
        if best is None:
            x, y, ha, va = spots[0]
            t.set_position((x, y))
            t.set_horizontalalignment(ha)
            t.set_verticalalignment(va)
            best = self.extent(t)
        self.labels.append((what, best))
        return best


def around(x: float, y: float, dx: float = 0.06, dy: float = 0.06, steps: int = 3) -> list[Spot]:
    """Spots near a point: right, above, below, left, each a little further out in turn."""
    out: list[Spot] = []
    for k in range(1, steps + 1):
        out += [(x + k * dx, y, "left", "center"), (x, y - k * dy, "center", "bottom"),
                (x, y + k * dy, "center", "top"), (x - k * dx, y, "right", "center"),
                (x + k * dx, y - k * dy, "left", "bottom"), (x + k * dx, y + k * dy, "left", "top"),
                (x - k * dx, y - k * dy, "right", "bottom"), (x - k * dx, y + k * dy, "right", "top")]
    return out
