"""Segments: each source's leads split by share, each segment with its value, work and win multipliers;
figures per source and per segment."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.errors import ScenarioError
from sim.runner import simulate
from sim.scenario import load_scenario
from tests.conftest import Load, Write

SEGMENTED = """
schema_version: 1
name: segments
calendar: always
horizon: 60w
warmup: 4w
seed: 8
sources:
  - {name: inbound, rate: 30/week, enters: deal, value: {dist: fixed, value: 1000}}
  - {name: outbound, rate: 10/week, enters: deal, value: {dist: fixed, value: 1000}}
roles:
  agent: {headcount: 20}
stages:
  - id: deal
    role: agent
    work: {dist: fixed, value: 1h}
    outcomes: {won: 0.4, lost: 0.6}
segments:
  - name: smb
    share: {inbound: 0.75, outbound: 0.2}
  - name: enterprise
    share: {inbound: 0.25, outbound: 0.8}
    value: {dist: fixed, value: 50000}
    stages: {deal: {work: 3, win: 0.5}}
"""


def test_segments_split_each_source_and_differ_as_written(load_yaml: Load) -> None:
    s = simulate(load_yaml(SEGMENTED), replications=3, workers=1).summary
    assert s.segments is not None
    smb, ent = s.segments["smb"], s.segments["enterprise"]
    assert smb["leads_per_week"].mean == pytest.approx(30 * 0.75 + 10 * 0.2, rel=0.05)
    assert ent["leads_per_week"].mean == pytest.approx(30 * 0.25 + 10 * 0.8, rel=0.06)
    assert smb["win_rate"].mean == pytest.approx(0.4, abs=0.03)
    assert ent["win_rate"].mean == pytest.approx(0.2, abs=0.03)  # 0.4 x 0.5, lost scaled up
    won = ent["won_per_week"].mean or 0
    assert ent["revenue_per_week"].mean == pytest.approx(50000 * won)
    assert smb["revenue_per_week"].mean == pytest.approx(1000 * (smb["won_per_week"].mean or 0))
    assert ent["cycle_time_days"].mean == pytest.approx(3 / 24, rel=0.01)  # three times the work, no waiting
    assert smb["cycle_time_days"].mean == pytest.approx(1 / 24, rel=0.01)
    assert s.sources["inbound"]["leads_per_week"].mean == pytest.approx(30, rel=0.05)
    assert s.sources["outbound"]["leads_per_week"].mean == pytest.approx(10, rel=0.08)
    total = sum(g["won_per_week"].mean or 0 for g in s.segments.values())
    assert total == pytest.approx(s.kpis["won_per_week"].mean or 0)
    assert s.json()["segments"]["enterprise"]["win_rate"]["mean"] == ent["win_rate"].mean


def test_without_segments_every_lead_counts_for_its_source(load_yaml: Load) -> None:
    text = SEGMENTED[:SEGMENTED.index("segments:")]
    s = simulate(load_yaml(text), replications=2, workers=1).summary
    assert s.segments is None
    assert s.json()["segments"] is None
    total = sum(g["won_per_week"].mean or 0 for g in s.sources.values())
    assert total == pytest.approx(s.kpis["won_per_week"].mean or 0)


@pytest.mark.parametrize(("edit", "message"), [
    (("share: {inbound: 0.75, outbound: 0.2}", "share: {inbound: 0.7, outbound: 0.2}"),
     "the shares of source inbound's leads sum to 0.95"),
    (("share: {inbound: 0.75, outbound: 0.2}", "share: {inbund: 0.75, outbound: 0.2}"),
     "segments[0].share.inbund='inbund': unknown source; did you mean inbound?"),
    (("stages: {deal: {work: 3", "stages: {dael: {work: 3"), "segments[1].stages.dael='dael': unknown stage"),
    (("  - name: enterprise", "  - name: smb"), "duplicate segment name"),
    (("win: 0.5", "win: 0"), "segments[1].stages.deal.win=0: Input should be greater than 0"),
])
def test_bad_segments_get_clear_errors(edit: tuple[str, str], message: str, write_yaml: Write) -> None:
    with pytest.raises(ScenarioError) as err:
        load_scenario(write_yaml(SEGMENTED.replace(*edit), "bad.yaml"))
    assert message in str(err.value), str(err.value)


def test_segment_figures_reach_the_terminal(write_yaml: Write, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    from salesmap.cli import main

    f = write_yaml(SEGMENTED, "seg.yaml")
    assert main(["run", str(f), "--replications", "2", "--out", str(tmp_path / "o"), "--report"]) == 0
    out = capsys.readouterr().out
    assert "By source and segment" in out
    assert "enterprise" in out
    assert 'data-table="groups"' in (tmp_path / "o" / "report.html").read_text(encoding="utf-8")


def test_owners_by_territory(load_yaml: Load) -> None:
    """assign: by_segment: each segment's leads go to the people whose territory holds it, in turn."""
    text = SEGMENTED.replace("  agent: {headcount: 20}", "  agent: {routing: owner, assign: by_segment}") + """people:
  - {name: Ana, role: agent, segments: [smb]}
  - {name: Ben, role: agent, segments: [smb]}
  - {name: Eli, role: agent, segments: [enterprise]}
"""
    s = simulate(load_yaml(text), replications=2, workers=1).summary
    owned = {n: (s.staff[n].owner or {})["owned"].mean or 0 for n in ("Ana", "Ben", "Eli")}
    seg = s.segments or {}
    weeks = 56
    assert owned["Ana"] + owned["Ben"] == pytest.approx((seg["smb"]["leads_per_week"].mean or 0) * weeks, rel=0.01)
    assert owned["Eli"] == pytest.approx((seg["enterprise"]["leads_per_week"].mean or 0) * weeks, rel=0.01)
    assert abs(owned["Ana"] - owned["Ben"]) <= 2  # in turn


def test_a_territory_needs_by_segment_and_known_segments(load_yaml: Load, write_yaml: Write) -> None:
    text = SEGMENTED.replace("  agent: {headcount: 20}", "  agent: {routing: owner}") + """people:
  - {name: Ana, role: agent, segments: [smbb]}
"""
    with pytest.raises(ScenarioError) as err:
        load_scenario(write_yaml(text, "bad.yaml"))
    assert "people[0].segments[0]='smbb': unknown segment; did you mean smb?" in str(err.value)
    assert "a territory decides owners: it needs role agent to have `routing: owner` and `assign: by_segment`" in \
        str(err.value)


def test_a_what_if_changes_one_segment_by_name(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(SEGMENTED, encoding="utf-8")
    (tmp_path / "w.yaml").write_text("extends: base.yaml\nname: pricier\nsegments:\n"
                                     "  - {name: enterprise, value: {dist: fixed, value: 80000}}\n", encoding="utf-8")
    sc = load_scenario(tmp_path / "w.yaml")
    assert [g.name for g in sc.segments or ()] == ["smb", "enterprise"]
    ent = (sc.segments or [])[1]
    assert ent.stages["deal"].work == 3
