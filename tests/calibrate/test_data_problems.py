"""Exports that look incomplete are reported, not silently calibrated."""

from __future__ import annotations

import datetime as dt

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
