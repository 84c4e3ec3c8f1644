"""Exports that look incomplete are reported, not silently calibrated."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from calibrate.calibration import data_problems, default_as_of
from calibrate.deals import LOST, OPEN, Deal, Visit
from calibrate.readers import Export

T0 = dt.datetime(2027, 1, 4)


def _deal(i: int, created: dt.datetime, closed_after: float | None) -> Deal:
    if closed_after is None:
        return Deal(str(i), created, (Visit("talk", created),))
    return Deal(str(i), created, (Visit("talk", created),), LOST, created + dt.timedelta(days=closed_after))


def _export(deals: list[Deal]) -> Export:
    times = [t for d in deals for t in (d.created, d.closed) if t is not None]
    return Export(deals, ["talk"], {"talk": "talk"}, "opportunities", ["x.csv"], first=min(times), last=max(times))


def test_young_open_deals_missing_are_flagged() -> None:
    """Older deals took 20 days to close; of the last two weeks' deals every one is closed already."""
    as_of = T0 + dt.timedelta(days=120)
    deals = [_deal(i, T0 + dt.timedelta(days=i), 20.0) for i in range(100)]
    deals += [_deal(1000 + i, as_of - dt.timedelta(days=1 + i % 13), 0.5) for i in range(40)]
    (problem,) = data_problems(deals, as_of)
    assert "missing young open deals" in problem


def test_a_complete_export_has_no_such_problem() -> None:
    as_of = T0 + dt.timedelta(days=120)
    deals = [_deal(i, T0 + dt.timedelta(days=i), 20.0) for i in range(100)]
    deals += [_deal(1000 + i, as_of - dt.timedelta(days=1 + i % 13), None) for i in range(40)]
    assert data_problems(deals, as_of) == []
    assert all(d.outcome == OPEN for d in deals[100:])


def test_an_export_cut_at_creation_ends_where_deals_stop_arriving() -> None:
    deals = [_deal(i, T0 + dt.timedelta(hours=12 * i), 30.0) for i in range(120)]  # created to day 60, closed to 90
    as_of, note = default_as_of(_export(deals))
    assert as_of == dt.datetime(2027, 3, 5)
    assert note is not None
    assert "cut at creation" in note
    steady = [_deal(i, T0 + dt.timedelta(hours=12 * i), 1.0) for i in range(120)]
    as_of, note = default_as_of(_export(steady))
    assert note is None
    assert as_of == dt.datetime(2027, 3, 6)


def test_a_stage_no_deal_has_left_yet_is_stalled_and_said_so(tmp_path: Path) -> None:
    """A new stage (Legal) where every deal is still open: the data cannot say where deals go from it.
    It is written as stalled, ASSUMED, reported, and the scenario loads; whole-day times (a date-only
    export, many equal) do not break the fits."""
    from calibrate.calibration import calibrate

    rows = ["deal_id,stage,entered_at,owner"]
    for i in range(120):
        c = T0 + dt.timedelta(days=i)
        rows.append(f"{i},Qualify,{c:%Y-%m-%d},Dana")
        if i % 3 == 0:
            rows.append(f"{i},Closed Lost,{c + dt.timedelta(days=2):%Y-%m-%d},Dana")
        elif i % 3 == 1:
            rows.append(f"{i},Proposal,{c + dt.timedelta(days=3):%Y-%m-%d},Dana")
            rows.append(f"{i},Closed Won,{c + dt.timedelta(days=8):%Y-%m-%d},Dana")
        elif c + dt.timedelta(days=3) < T0 + dt.timedelta(days=125):
            rows.append(f"{i},Legal,{c + dt.timedelta(days=3):%Y-%m-%d},Dana")
    path = tmp_path / "history.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    cal = calibrate([path], as_of=T0 + dt.timedelta(days=125), holdout=0, pipeline_file="open.csv")
    legal = next(s for s in cal.estimates.stages if s.id == "legal")
    assert set(legal.outcomes) == {"stalled"}
    assert legal.outcomes["stalled"].assumed
    assert any("no deal has left stage legal" in p for p in cal.problems)
