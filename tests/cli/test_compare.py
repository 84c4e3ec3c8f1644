"""`salesmap compare`: paired differences, self-comparison, differing stages, clashing names."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from salesmap.cli import main
from sim.compare import Deltas, rank
from sim.stats import Delta, paired_delta
from tests.cli.test_run import SMALL

Write = Callable[[str, str], Path]


def _run_compare(files: list[Path], out: Path, *extra: str) -> dict:  # type: ignore[type-arg]
    assert main(["compare", *map(str, files), "--out", str(out), *extra]) == 0
    return json.loads((out / "comparison.json").read_text())  # type: ignore[no-any-return]


def test_a_file_compared_with_itself_differs_by_exactly_zero(write_yaml: Write, tmp_path: Path) -> None:
    f = write_yaml(SMALL, "small.yaml")
    comp = _run_compare([f, f], tmp_path / "c")
    assert comp["baseline"] == "small"
    assert list(comp["scenarios"]) == ["small", "small#2"]
    d = comp["deltas"]["small#2"]
    for k in d["kpis"].values():
        assert k["mean"] in (0, None)
        assert not k["significant"]
    for stage in d["stages"].values():
        for m in stage.values():
            assert m["mean"] in (0, None)
    assert (tmp_path / "c" / "small" / "summary.json").exists()
    assert (tmp_path / "c" / "small-2" / "summary.json").exists()


def test_more_staff_is_a_paired_significant_improvement(write_yaml: Write, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    base = write_yaml(SMALL.replace("rep: {headcount: 2}", "rep: {headcount: 1}").replace("20/week", "60/week"),
                      "base.yaml")
    more = write_yaml(SMALL.replace("name: small", "name: more").replace("20/week", "60/week"), "more.yaml")
    comp = _run_compare([base, more], tmp_path / "c", "--replications", "5")
    d = comp["deltas"]["more"]
    wait = d["stages"]["qualify"]["wait_hours"]
    assert wait["significant"]
    assert wait["verdict"] == "better"
    assert wait["ci95"][1] < 0
    assert d["kpis"]["leads_per_week"]["mean"] == 0  # same arrivals: common random numbers
    assert d["roles"]["rep"]["utilization"]["verdict"] == "changed"
    assert comp["replications"] == 5
    assert set(wait) >= {"mean", "ci95", "pct", "significant"}
    out = capsys.readouterr().out
    assert "headline KPIs" in out
    assert "stage qualify: wait for the first touch" in out


def test_stages_in_one_scenario_only_are_reported(write_yaml: Write, tmp_path: Path) -> None:
    base = write_yaml(SMALL, "base.yaml")
    extra = write_yaml("extends: base.yaml\nname: extra\n" + """
stages:
  - id: qualify
    outcomes: {close: 0.5, review: 0.2, lost: 0.3}
  - {id: review, role: rep, work: {dist: fixed, value: 15m}, outcomes: {close: 1}}
""", "extra.yaml")
    comp = _run_compare([base, extra], tmp_path / "c", "--replications", "2")
    assert comp["deltas"]["extra"]["stages"]["review"] == {"only_in": "other"}
    assert "review" in comp["scenarios"]["extra"]["stages"]


def test_two_files_with_the_same_name_are_refused(write_yaml: Write, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    a = write_yaml(SMALL, "a.yaml")
    b = write_yaml(SMALL.replace("seed: 5", "seed: 6"), "b.yaml")
    assert main(["compare", str(a), str(b), "--out", str(tmp_path / "c")]) == 2
    assert "are both named 'small'" in capsys.readouterr().err
    assert not (tmp_path / "c").exists()


def test_bad_files_and_existing_results(write_yaml: Write, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    a = write_yaml(SMALL, "a.yaml")
    bad = write_yaml("just text", "bad.yaml")
    assert main(["compare", str(a), str(bad)]) == 2
    assert "bad.yaml" in capsys.readouterr().err
    assert main(["compare", str(a)]) == 2
    out = tmp_path / "c"
    _run_compare([a, a], out, "--replications", "1")
    before = (out / "comparison.json").read_bytes()
    assert main(["compare", str(a), str(a), "--out", str(out), "--seed", "3"]) == 2
    assert (out / "comparison.json").read_bytes() == before


def _d(measure: str, mean: float, significant: bool, half: float = 0.01) -> Delta:
    """A paired difference of four replications with this mean, significant or not (common noise)."""
    base = [10.0, 11.0, 12.0, 13.0]
    noise = [-half, half, -half, half] if significant else [-50 * abs(mean) - 1, 50 * abs(mean) + 1, 0.0, 0.0]
    d = paired_delta(base, [b + mean + e for b, e in zip(base, noise, strict=True)],
                     {"cycle_time_days": -1, "won_per_week": +1}[measure])
    assert d.significant is significant
    return d


def test_ranking_never_rewards_losing_wins() -> None:
    def d(ct: float, ct_sig: bool, won: float, won_sig: bool) -> Deltas:
        return Deltas({"cycle_time_days": _d("cycle_time_days", ct, ct_sig),
                       "won_per_week": _d("won_per_week", won, won_sig)}, {}, {})
    deltas = {"faster-fewer": d(-9, True, -0.5, True), "faster": d(-2, True, 0.01, False),
              "noise": d(-5, False, 0.0, False), "more-wins": d(1, False, 0.3, True)}
    assert rank(deltas) == ["more-wins", "faster", "noise", "faster-fewer"]


def test_a_larger_win_gain_ranks_first_and_each_place_says_why() -> None:
    """+1.9% wins ranked above +5.6% wins with a slower cycle; the gain now comes first."""
    from sim.compare import rank_reason

    def d(ct: float, ct_sig: bool, won: float, won_sig: bool) -> Deltas:
        c = dataclasses.replace(_d("cycle_time_days", ct, ct_sig), ci95=(ct - 1, ct + 1))
        w = dataclasses.replace(_d("won_per_week", won, won_sig), ci95=(won - 0.01, won + 0.01), pct=won * 100)
        return Deltas({"cycle_time_days": c, "won_per_week": w}, {}, {})
    deltas = {"small-gain-faster": d(-3, True, 0.019, True), "big-gain-slower": d(4, True, 0.056, True)}
    assert rank(deltas) == ["big-gain-slower", "small-gain-faster"]
    why = rank_reason(deltas["big-gain-slower"])
    assert why.startswith("more wins: +0.06 a week (+5.6%) [+0.05, +0.07]")
    assert "cycle time +4.0 days [+3.0, +5.0]" in why
    assert rank_reason(d(0, False, 0, False)).startswith("wins not significantly different")


def test_fewer_losses_from_fewer_arrivals_are_not_an_improvement(write_yaml: Write, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """Counts at a stage whose volume changed are compared per lead entering it; measures have names."""
    base = write_yaml(SMALL.replace("20/week", "60/week"), "base.yaml")
    fewer = write_yaml(SMALL.replace("name: small", "name: fewer").replace("20/week", "30/week"), "fewer.yaml")
    comp = _run_compare([base, fewer], tmp_path / "c", "--replications", "5")
    from sim.compare import material_changes

    changes = material_changes(comp, "fewer")
    lost = [c for c in changes if c.measure == "lost"]
    assert all(c.per_lead for c in lost)  # never "lost −50%, better" for half the leads
    out = capsys.readouterr().out
    assert "Ranking" in out
    assert "difference [95% CI]" in out
    assert "wait_hours" not in out
    assert "stuck_at_end" not in out
