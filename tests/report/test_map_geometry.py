"""The map's text hides nothing: no label over another, over a box or over an arrow it does not
describe; text in a box stays in the box; and the map fits a 1,400 px window."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from salesmap.report.labels import Placer, inside, overlaps
from salesmap.report.mapdraw import MAX_WIDTH_PX, PX_PER_INCH, map_figure
from sim.runner import simulate
from sim.scenario import load_scenario
from sim.schema import Scenario
from tests.conftest import SCENARIOS

SHIPPED = sorted(SCENARIOS.glob("*.yaml"))


def _problems(pl: Placer, width: float, height: float) -> list[str]:
    out = []
    page = (0.0, 0.0, width, height)
    labels = pl.labels
    for i, (a, ra) in enumerate(labels):
        if not inside(ra, page):
            out.append(f"{a} leaves the map")
        out += [f"{a} over {b}" for b, rb in labels[i + 1:] if overlaps(ra, rb)]
        out += [f"{a} over {b}" for b, rb in pl.obstacles if overlaps(ra, rb)]
        own = a.split("|")[0]
        out += [f"{a} over the arrow {b}" for b, pts in pl.lines
                if b != own and any(ra[0] <= x <= ra[2] and ra[1] <= y <= ra[3] for x, y in pts)]
    for what, r, box in pl.boxed:
        if not inside(r, box):
            out.append(f"{what} outside its box")
        host = what.rsplit(":", 1)[0]
        out += [f"{what} over {b}" for b, rb in pl.obstacles
                if b != host and not b.startswith(host) and not host.startswith(b) and overlaps(r, rb)]
    return out


def _summary(sc: Scenario) -> dict[str, Any]:
    summary: dict[str, Any] = json.loads(json.dumps(simulate(sc, replications=2, seed=3).summary.json()))
    return summary


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_no_text_hides_another_on_the_process_map(path: Path) -> None:
    sc = load_scenario(path)
    fig, pl = map_figure(sc)
    w, h = fig.get_size_inches()
    assert w * PX_PER_INCH <= MAX_WIDTH_PX
    assert _problems(pl, w, h) == []


@pytest.mark.slow
@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_no_text_hides_another_on_the_simulated_map(path: Path) -> None:
    sc = load_scenario(path)
    fig, pl = map_figure(sc, _summary(sc))
    w, h = fig.get_size_inches()
    assert w * PX_PER_INCH <= MAX_WIDTH_PX
    assert _problems(pl, w, h) == []


LONG = "Qualification call with the prospect's finance and procurement team"
HEBREW = "שיחת היכרות עם מקבלי ההחלטות בצוות הרכש"


@pytest.mark.parametrize("name", [LONG, HEBREW, "$x$ <b>&amp;</b>"])
def test_long_and_right_to_left_names_stay_in_their_boxes(name: str) -> None:
    """Every stage and activity renamed: text is shrunk, then shortened, never drawn past a box edge."""
    sc = load_scenario(SCENARIOS / "baseline.yaml")
    stages = [s.model_copy(update={"name": f"{name} {k}", "activities": [
        a.model_copy(update={"name": f"{name} {k}.{j}"}) for j, a in enumerate(s.activities or [])] or None})
              for k, s in enumerate(sc.stages)]
    fig, pl = map_figure(sc.model_copy(update={"stages": stages, "name": name}))
    w, h = fig.get_size_inches()
    assert _problems(pl, w, h) == []
    assert len(pl.boxed) > 3 * len(stages)


def test_stalled_deals_have_their_own_stub(load_yaml: Any) -> None:
    from tests.sim.test_outcomes import TIMED

    sc = load_yaml(TIMED)
    fig, pl = map_figure(sc, _summary(sc))
    w, h = fig.get_size_inches()
    assert _problems(pl, w, h) == []
    assert any(what.startswith("stalled:deal") for what, _ in pl.labels)
    assert "stalled" in "".join(t.get_text() for t in fig.axes[0].texts)
