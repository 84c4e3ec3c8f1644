"""matplotlib figures as SVG that can sit inline in one HTML page next to each other."""

from __future__ import annotations

import io
import re

import matplotlib as mpl
from matplotlib.figure import Figure

__all__ = ["figure_svg"]

mpl.rcParams["svg.fonttype"] = "none"  # keep text as <text>: selectable, searchable, small
mpl.rcParams["font.family"] = "DejaVu Sans"


def figure_svg(fig: Figure, prefix: str, px_per_inch: float = 96, fixed: bool = False) -> str:
    """The figure as an <svg> element whose ids are prefixed, so several can share one page.

    The element gets its natural pixel size (`px_per_inch`); a page may shrink it to fit, except a
    `fixed` one (the map: its text must stay readable, the page scrolls instead).
    """
    mpl.rcParams["svg.hashsalt"] = prefix
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.DOTALL)
    text = re.sub(r'id="([^"]+)"', rf'id="{prefix}-\1"', text)
    text = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", text)
    text = re.sub(r'href="#([^"]+)"', rf'href="#{prefix}-\1"', text)
    w, h = fig.get_size_inches()
    cls = ' class="fixed"' if fixed else ""
    return re.sub(r'width="[^"]+" height="[^"]+"', f'width="{w * px_per_inch:.0f}" height="{h * px_per_inch:.0f}"{cls}',
                  text, count=1)
