"""A simulated team's CRM, exported: event rows of a known scenario written as the files calibrate reads.

The round trip (simulate, export, calibrate, compare with what was simulated) is the test that the
estimators recover what they should, with their stated uncertainty.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sim.engine import Replication
from sim.lead import STAGE_ENTERED
from sim.schema import Scenario

__all__ = ["simulated_cases", "write_eventlog", "write_history", "write_opportunities"]

Case = dict[str, Any]


def simulated_cases(sc: Scenario, replication: int = 0, seed: int = 1) -> tuple[list[Case], dt.datetime]:
    """One replication's leads as CRM records: created, stage entries, owner, outcome, closed."""
    rows: list[tuple[Any, ...]] = []
    Replication(sc, replication, seed, rows.append).run()
    origin = dt.datetime.combine(sc.start_date, dt.time())
    cases: dict[str, Case] = {}
    for _, case, activity, stage, lifecycle, t, resource, role in rows:
        when = origin + dt.timedelta(hours=t)
        c = cases.setdefault(str(case), {"id": f"D-{case}", "created": when, "stages": [], "owner": None,
                                         "outcome": None, "closed": None, "work": []})
        if activity == STAGE_ENTERED:
            c["stages"].append((stage, when))
        elif activity in ("won", "lost"):
            c["outcome"], c["closed"] = activity, when
        elif lifecycle in ("start", "complete") and resource:
            c["work"].append((activity, stage, lifecycle, when, resource))
            if role == "ae":
                c["owner"] = resource
    end = origin + dt.timedelta(hours=sc.horizon)
    return list(cases.values()), end


def _stamp(t: dt.datetime) -> str:
    return t.isoformat(timespec="seconds")


def write_opportunities(cases: Sequence[Case], path: Path, stage_names: dict[str, str],
                        segment: Callable[[int], tuple[str, float]] | None = None) -> None:
    """One row per deal: created, closed, status, owner, amount and a date column per stage; with
    `segment` (deal number -> segment, amount), a Segment column."""
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Opportunity ID", "Created Date", "Close Date", "Stage", "Opportunity Owner", "Amount",
                    *(f"{n} Date" for n in stage_names.values()), *(["Segment"] if segment else [])])
        for i, c in enumerate(cases):
            seg, amount = segment(i) if segment else ("", 1000.0)
            first: dict[str, dt.datetime] = {}
            for s, t in c["stages"]:
                first.setdefault(s, t)
            status = {"won": "Closed Won", "lost": "Closed Lost"}.get(c["outcome"] or "",
                                                                     stage_names[c["stages"][-1][0]])
            w.writerow([c["id"], _stamp(c["created"]), _stamp(c["closed"]) if c["closed"] else "", status,
                        c["owner"] or "", amount, *(_stamp(first[s]) if s in first else "" for s in stage_names),
                        *([seg] if segment else [])])


def write_history(cases: Sequence[Case], path: Path, stage_names: dict[str, str]) -> None:
    """One row per stage entry, closes as 'Closed Won' / 'Closed Lost' rows."""
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Deal ID", "Stage", "Entered At", "Owner", "Amount"])
        for c in cases:
            for s, t in c["stages"]:
                w.writerow([c["id"], stage_names[s], _stamp(t), c["owner"] or "", 1000])
            if c["outcome"]:
                w.writerow([c["id"], f"Closed {c['outcome'].title()}", _stamp(c["closed"]), c["owner"] or "", 1000])


def write_eventlog(cases: Sequence[Case], path: Path) -> None:
    """Work items with start and complete, stage entries and closes: an event log with lifecycles."""
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["case_id", "activity", "lifecycle", "timestamp", "resource", "stage"])
        for c in cases:
            events = [(t, 0, "stage entered", "complete", "", s) for s, t in c["stages"]]
            events += [(t, 1, a, life, r, s) for a, s, life, t, r in c["work"]]
            if c["outcome"]:
                events.append((c["closed"], 2, c["outcome"], "complete", "", ""))
            for t, _, a, life, r, s in sorted(events, key=lambda e: (e[0], e[1])):
                w.writerow([c["id"], a, life, _stamp(t), r, s])
