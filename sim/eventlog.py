"""The event log, `events.csv`: one row per lead event, readable by process-mining tools (pm4py).

Rows are streamed to disk as the simulation runs, so memory does not grow with the horizon. When
replications run in parallel, each writes its rows to a part file beside the log; the log takes the
parts in replication order, so the file is byte for byte the one a sequential run writes.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import os
import secrets
import shutil
from pathlib import Path
from typing import IO

from sim.atomic import atomic_file
from sim.lead import EventRow

__all__ = ["EVENT_COLUMNS", "EventLog", "EventPart", "Stamps"]

EVENT_COLUMNS = ("case_id", "activity", "stage", "lifecycle", "timestamp", "resource", "role", "replication")


class Stamps:
    """ISO timestamps, to the second, of times in hours since the origin: what
    `(origin + timedelta(hours=t)).isoformat(timespec="seconds")` writes, with the date part made once
    per day instead of once per row (the log's formatting was most of its cost per row)."""

    def __init__(self, origin: dt.datetime) -> None:
        self.origin = origin
        self._days: dict[int, str] = {}

    def __call__(self, t: float) -> str:
        seconds = round(t * 3_600_000_000) // 1_000_000  # microseconds as timedelta rounds them, then truncated
        day, rest = divmod(seconds, 86_400)
        date = self._days.get(day)
        if date is None:
            date = self._days[day] = (self.origin + dt.timedelta(days=day)).isoformat(timespec="seconds")[:11]
        h, rest = divmod(rest, 3600)
        m, s = divmod(rest, 60)
        return f"{date}{h:02d}:{m:02d}:{s:02d}"


def _fields(row: EventRow, stamp: Stamps) -> tuple[object, ...]:
    rep, case, activity, stage, lifecycle, t, resource, role = row
    return (f"r{rep}-{case}", activity, stage, lifecycle, stamp(t), resource, role, rep)


class EventLog:
    """Streams event rows to `events.csv` (pm4py-readable: case_id, activity, timestamp, ...)."""

    def __init__(self, path: Path, start_date: dt.date) -> None:
        self.path = path.absolute()  # worker processes, kept between runs, may have another working folder
        self._cm = atomic_file(path)
        self._file = self._cm.__enter__()
        self._writer = csv.writer(self._file)
        self._writer.writerow(EVENT_COLUMNS)
        self.origin = dt.datetime.combine(start_date, dt.time())
        self._stamp = Stamps(self.origin)
        self.rows = 0
        self._token = secrets.token_hex(6)  # part names of this log alone, whoever else writes beside it

    def __call__(self, row: EventRow) -> None:
        self._writer.writerow(_fields(row, self._stamp))
        self.rows += 1

    def part(self, replication: int) -> EventPart:
        """A writer for one replication's rows, to run in another process (see `absorb`)."""
        return EventPart(self.path.with_name(f".{self.path.name}.{self._token}.r{replication}.part"), self.origin)

    def absorb(self, part: EventPart) -> None:
        """Append a finished part's rows and delete the part file."""
        self._file.flush()
        with open(part.path, encoding="utf-8", newline="") as f:
            shutil.copyfileobj(f, self._file)
        self.rows += part.rows
        os.unlink(part.path)

    def close(self, ok: bool = True) -> None:
        if ok:
            self._cm.__exit__(None, None, None)
        else:
            err = RuntimeError("run interrupted")
            with contextlib.suppress(RuntimeError):
                self._cm.__exit__(RuntimeError, err, None)


class EventPart:
    """One replication's rows in a part file; picklable until opened (it travels to a worker)."""

    def __init__(self, path: Path, origin: dt.datetime) -> None:
        self.path = path
        self.origin = origin
        self.rows = 0
        self._file: IO[str] | None = None

    def __call__(self, row: EventRow) -> None:
        self._writer.writerow(_fields(row, self._stamp))
        self.rows += 1

    def __enter__(self) -> EventPart:
        f = open(self.path, "w", encoding="utf-8", newline="")
        self._file = f
        self._writer = csv.writer(f)
        self._stamp = Stamps(self.origin)
        return self

    def __exit__(self, *exc: object) -> None:
        f = self._file
        self._file = None
        if f is not None:
            f.close()
        if exc[0] is not None:
            self.discard()

    def discard(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)

    def __getstate__(self) -> dict[str, object]:
        return {"path": self.path, "origin": self.origin, "rows": self.rows, "_file": None}
