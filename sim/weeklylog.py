"""weekly.csv: every replication's weekly series, written as replications arrive.

Rows go to the file in replication order whatever order replications finish in (a few finished out of
order wait, as text, for the ones before them), so the file is byte for byte the one a sequential run
writes, and a run need not keep any replication's weekly series once it is written (`sim.digest`).
"""

from __future__ import annotations

import contextlib
import csv
import io
from pathlib import Path
from typing import Any

from sim.atomic import atomic_file
from sim.metrics import ReplicationResult
from sim.rounding import rounded
from sim.schema import Scenario

__all__ = ["WEEKLY_COLUMNS", "WeeklyLog", "weekly_rows"]

WEEKLY_COLUMNS = ("replication", "start_day", "end_day", "kind", "name", "value")


def weekly_rows(sc: Scenario, r: ReplicationResult) -> list[list[Any]]:
    """One replication's rows: per week, the pipeline, each stage's WIP, each person's utilization and
    the customers on the books."""
    rows: list[list[Any]] = []
    stage_ids = [st.id for st in sc.stages]
    tl = r.timeline
    names = list(r.staff)
    for i, (a, b) in enumerate(zip(tl.starts, tl.ends, strict=True)):
        head = [r.replication, a / 24, b / 24]
        rows.append([*head, "pipeline", "", tl.pipeline[i]])
        rows.extend([*head, "wip", sid, tl.wip[i][k]] for k, sid in enumerate(stage_ids))
        rows.extend([*head, "utilization", n, tl.busy[i][j] / tl.available[i][j] if tl.available[i][j] else 0.0]
                    for j, n in enumerate(names))
        if sc.customers is not None:
            rows.append([*head, "customers", "", tl.customers[i]])
    return rows


class WeeklyLog:
    """Streams weekly.csv (atomically: complete or absent) from replications numbered from `first`."""

    def __init__(self, path: Path, scenario: Scenario, first: int = 0) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.scenario = scenario
        self._cm = atomic_file(path)
        self._file = self._cm.__enter__()
        self._next = first
        self._waiting: dict[int, str] = {}
        self._file.write(self._text([list(WEEKLY_COLUMNS)]))

    @staticmethod
    def _text(rows: list[list[Any]]) -> str:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rounded(rows))
        return buf.getvalue()

    def add(self, r: ReplicationResult) -> None:
        """A replication has arrived (with its weekly series); one written already is not written again
        (a run that fell back from broken worker processes simulates them anew, identically)."""
        if r.replication < self._next:
            return
        self._waiting[r.replication] = self._text(weekly_rows(self.scenario, r))
        while self._next in self._waiting:
            self._file.write(self._waiting.pop(self._next))
            self._next += 1

    def close(self, ok: bool = True) -> None:
        if ok and not self._waiting:
            self._cm.__exit__(None, None, None)
            return
        err = RuntimeError("run interrupted" if not ok else f"replications missing before {min(self._waiting)}")
        with contextlib.suppress(RuntimeError):
            self._cm.__exit__(RuntimeError, err, None)
        if ok:
            raise err
