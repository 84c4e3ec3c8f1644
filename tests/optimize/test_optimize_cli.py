"""`salesmap optimize` on the shipped scenarios, as a user runs it."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest

from salesmap.cli import main
from sim.runner import simulate
from sim.scenario import load_scenario
from tests.conftest import SCENARIOS

pytestmark = pytest.mark.slow  # one optimize run of the shipped what-if feeds every test (about 40 s)


@pytest.fixture(scope="module")
def one_rep(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:  # type: ignore[type-arg]
    out = tmp_path_factory.mktemp("opt") / "recommended.yaml"
    # A 2% margin on wins and revenue: at the default 1% the first plans' wins intervals straddle the
    # margin even at 40 replications (-1.35% to +0.54%), and the honest answer is "cannot tell".
    assert main(["optimize", str(SCENARIOS / "one-rep-five-stages.yaml"), "--solver", "highs", "--out", str(out),
                 "--report", "--margin", "2"]) == 0
    return out, json.loads(out.with_name("recommendation.json").read_text())


def test_one_rep_on_five_stages_gets_relief_confirmed_by_simulation(one_rep: tuple[Path, dict]) -> None:  # type: ignore[type-arg]
    _, rec = one_rep
    assert rec["verified"] is True
    assert rec["status"] in ("optimal", "feasible")
    d = rec["deltas"]["kpis"]
    assert d["max_utilization"]["verdict"] == "better"
    assert d["max_utilization"]["ci95"][1] < 0
    assert d["cycle_time_days"]["verdict"] == "better"
    assert d["cycle_time_days"]["ci95"][1] < 0
    assert d["won_per_week"]["verdict"] != "worse"
    assert rec["changes"]
    assert any(m["person"] == "Sam" and "discovery" in m["remove"] for m in rec["changes"])
    # validated on numbers the search never saw
    assert rec["validation"]["seed"] == rec["before"]["seed"] + 1
    assert rec["validation"]["verified"] is True
    assert rec["validation"]["deltas"]["max_utilization"]["ci95"][1] < 0
    assert set(rec) >= {"status", "solver", "objective", "gap", "changes", "before", "after", "deltas", "verified",
                        "scenario", "knee", "handoffs", "money", "gates", "gate_checks", "replications"}
    assert rec["gates"]["margin"] == pytest.approx(0.02)
    assert {g["gate"] for g in rec["gate_checks"]} == {"won_per_week", "revenue_per_week", "target", "cycle_time_days"}
    assert all(g["decision"] == "verified" for g in rec["gate_checks"])
    assert all("simulated" in m["text"] for m in rec["changes"])  # each person's utilization after, simulated
    assert rec["validation"]["decision"] == "verified"
    # money: the same people (no cost change), the yearly revenue change from the paired weekly one
    money = rec["money"]
    assert money["cost_change_per_year"] == 0
    assert money["revenue_change_per_year"]["mean"] == pytest.approx(52.18 * d["revenue_per_week"]["mean"])
    assert money["net_per_year"]["mean"] == pytest.approx(money["revenue_change_per_year"]["mean"])
    assert rec["handoffs"]["after"]["per_lead"] > 0


def test_the_recommended_scenario_runs_as_it_is(one_rep: tuple[Path, dict]) -> None:  # type: ignore[type-arg]
    out, rec = one_rep
    sc = load_scenario(out)
    assert rec["scenario"] == str(out)
    people = {p.name: p for p in sc.people or ()}
    assert sorted(people) == sorted(rec["before"]["staff"])  # nobody lost, nobody added
    for name, after in rec["after"]["staff"].items():
        assert list(people[name].stages or ()) == after["stages"]
    res = simulate(sc.model_copy(update={"horizon": sc.warmup + 4 * 168.0}), replications=2)
    assert (res.summary.kpi("leads_per_week") or 0) > 0


def test_json_output_is_clean(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.yaml"
    code = main(["optimize", str(SCENARIOS / "mm3.yaml"), "--replications", "3", "--out", str(out), "--json",
                 "--solver", "highs"])
    assert code == 3  # nothing worth changing
    rec = json.loads(capsys.readouterr().out)  # nothing but JSON on stdout (no solver banner)
    assert rec["status"] == "no_improvement"
    assert rec["verified"] is False
    assert not out.exists()  # nothing to recommend: no scenario written


@pytest.mark.parametrize(("extra", "expected"), [
    (["--min-cover", "9"], "--min-cover 9: stage"),
    (["--keep", "Nobody"], "--keep Nobody: no such person"),
    (["--max-stages-per-person", "0"], "--max-stages-per-person 0: must be >= 1"),
])
def test_settings_that_cannot_be_met_are_named(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               extra: list[str], expected: str) -> None:
    code = main(["optimize", str(SCENARIOS / "three-stage-loop.yaml"), "--replications", "2",
                 "--out", str(tmp_path / "r.yaml"), *extra])
    assert code == 2
    err = capsys.readouterr().err
    assert expected in err
    assert "Traceback" not in err


def test_the_report_shows_moves_trade_off_and_both_maps(one_rep: tuple[Path, dict]) -> None:  # type: ignore[type-arg]
    out, rec = one_rep
    page = (out.parent / "report.html").read_text()
    assert page.count('data-chart="map"') == 2  # today and recommended
    assert 'data-chart="frontier"' in page
    assert '<table data-table="frontier">' in page
    assert '<table data-table="before-after">' in page
    text = page.replace("<bdi>", "").replace("</bdi>", "")  # names are isolated for right-to-left scripts
    for m in rec["changes"]:
        assert html.escape(m["text"]) in text
        if m["person"] is not None:
            assert f"<bdi>{html.escape(m['person'])}</bdi>" in page
    assert 'data-note="money"' in page
    assert 'data-note="handoffs"' in page
    assert '<table data-table="gates">' in page
    assert page.count("<tr>", page.index('data-table="gates"')) >= len(rec["gate_checks"]) + 1
    assert page.count("<tr>", page.index('data-table="frontier"')) >= len(rec["frontier"]) + 1
    # the folder alone is enough to make the report again
    (out.parent / "report.html").unlink()
    assert main(["report", str(out.parent)]) == 0
    assert (out.parent / "report.html").read_text().count('data-chart="map"') == 2


def test_an_existing_recommendation_is_not_overwritten_without_force(one_rep: tuple[Path, dict],  # type: ignore[type-arg]
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    out, _ = one_rep
    assert main(["optimize", str(SCENARIOS / "one-rep-five-stages.yaml"), "--out", str(out)]) == 2
    assert "exists; pass --force" in capsys.readouterr().err


def test_nothing_worth_changing_when_nobody_is_overloaded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """On a calm team the optimizer recommended moves for a fraction of a day; now it says so and stops,
    unless an objective is asked for."""
    from tests.cli.test_run import SMALL

    f = tmp_path / "small.yaml"
    f.write_text(SMALL)
    out = tmp_path / "opt" / "recommended.yaml"
    assert main(["optimize", str(f), "--out", str(out), "--replications", "2"]) == 3
    text = capsys.readouterr()
    assert "nothing worth changing" in text.out + text.err
    rec = json.loads(out.with_name("recommendation.json").read_text())
    assert rec["verified"] is False
    assert rec["changes"] == []
    assert not out.exists()


def test_cannot_tell_and_nothing_have_their_own_exit_codes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """0 recommended, 3 nothing worth changing, 4 cannot tell (recommendation.json says which)."""
    import salesmap.optimize_cmd as cmd
    from optimize.assign import Status
    from optimize.search import Search

    for status, code in ((Status.CANNOT_TELL, 4), (Status.NO_IMPROVEMENT, 3)):
        monkeypatch.setattr(cmd, "search", lambda *a, status=status, **k: Search(status, "because", []))
        out = tmp_path / status.value / "recommended.yaml"
        assert main(["optimize", str(SCENARIOS / "mm3.yaml"), "--replications", "2", "--out", str(out)]) == code
        rec = json.loads(out.with_name("recommendation.json").read_text())
        assert rec["status"] == status.value
        assert rec["verified"] is False
        assert not out.exists()
    capsys.readouterr()


def test_a_plan_that_takes_effect_on_a_date(tmp_path: Path) -> None:
    """--effective: the plan becomes dated changes of responsibilities (deals in flight handed over), both
    runs are measured from that date, and the recommendation carries the transition's cost."""
    out = tmp_path / "recommended.yaml"
    assert main(["optimize", str(SCENARIOS / "one-rep-five-stages.yaml"), "--solver", "highs", "--out", str(out),
                 "--margin", "2", "--effective", "2027-07-05", "--report"]) == 0
    rec = json.loads(out.with_name("recommendation.json").read_text())
    assert rec["effective_day"] == 182.0
    assert rec["before"]["warmup_days"] == 182.0  # measured from the move
    won = rec["transition"]["won"]
    assert won["start_day"][0] == 182.0
    assert len(won["cumulative"]["mean"]) == len(won["start_day"])
    sc = load_scenario(out)
    moves = [c for c in sc.changes or () if c.responsibilities is not None]
    assert moves
    assert all(sc.hours_at(c) == 182 * 24 for c in moves)
    assert {c.responsibilities.person for c in moves} == {m["person"] for m in rec["changes"]}  # type: ignore[union-attr]
    assert 'data-chart="transition"' in out.with_name("report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("when", ["2020-01-01", "5000w", "soon"])
def test_an_effective_date_outside_the_run_is_refused(when: str, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["optimize", str(SCENARIOS / "mm3.yaml"), "--effective", when, "--out",
                 str(tmp_path / "r.yaml")]) == 2
    assert "--effective" in capsys.readouterr().err
    assert not (tmp_path / "r.yaml").exists()
