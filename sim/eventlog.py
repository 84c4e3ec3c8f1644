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
import re
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import IO

from sim.atomic import atomic_file
from sim.lead import EventRow

__all__ = ["EVENT_COLUMNS", "EventLog", "EventPart", "Stamps"]

EVENT_COLUMNS = ("case_id", "activity", "stage", "lifecycle", "timestamp", "resource", "role", "replication")


_HM = [f"{h:02d}:{m:02d}:" for h in range(24) for m in range(60)]
_SS = [f"{s:02d}" for s in range(60)]
_NEEDS_QUOTES = re.compile(r'[,"\r\n]').search
_CHUNK = 512
"""Rows gathered before one write to the file."""


class Stamps:
    """ISO timestamps, to the second, of times in hours since the origin: what
    `(origin + timedelta(hours=t)).isoformat(timespec="seconds")` writes, with the date part made once
    per day and the time of day from tables instead of once per row (formatting was most of the log's
    cost per row)."""

    def __init__(self, origin: dt.datetime) -> None:
        self.origin = origin
        self._days: dict[int, str] = {}

    def __call__(self, t: float) -> str:
        seconds = round(t * 3_600_000_000) // 1_000_000  # microseconds as timedelta rounds them, then truncated
        day, rest = divmod(seconds, 86_400)
        date = self._days.get(day)
        if date is None:
            date = self._days[day] = (self.origin + dt.timedelta(days=day)).isoformat(timespec="seconds")[:11]
        return date + _HM[rest // 60] + _SS[rest % 60]


def _quoted(field: str) -> str:
    """A field as csv.writer's default (excel) dialect writes it: quoted when it holds a comma, a quote
    or a line break, quotes doubled."""
    return '"' + field.replace('"', '""') + '"' if _NEEDS_QUOTES(field) else field


class _Rows:
    """Event rows as CSV lines, byte for byte what csv.writer writes (tested), written in chunks.

    Names (activities, stages, people, roles, lifecycles) are a scenario's few strings: each is checked
    for quoting once. Case ids are checked per row (an open deal's id comes from the user's CRM)."""

    def __init__(self, write: Callable[[str], object], origin: dt.datetime) -> None:
        self._write = write
        self._stamp = Stamps(origin)
        self._names: dict[str, str] = {}
        self._pending: list[str] = []
        self.rows = 0

    def _name(self, s: str) -> str:
        q = self._names.get(s)
        if q is None:
            q = self._names[s] = _quoted(s)
        return q

    def __call__(self, row: EventRow) -> None:
        rep, case, activity, stage, lifecycle, t, resource, role = row
        names = self._names
        cid = f"r{rep}-{case}"
        if _NEEDS_QUOTES(cid):
            cid = _quoted(cid)
        a = names.get(activity) or self._name(activity)
        st = names.get(stage) or self._name(stage)
        life = names.get(lifecycle) or self._name(lifecycle)
        res = names.get(resource) or self._name(resource)
        ro = names.get(role) or self._name(role)
        pending = self._pending
        pending.append(f"{cid},{a},{st},{life},{self._stamp(t)},{res},{ro},{rep}\r\n")
        self.rows += 1
        if len(pending) >= _CHUNK:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            self._write("".join(self._pending))
            self._pending.clear()


class EventLog(_Rows):
    """Streams event rows to `events.csv` (pm4py-readable: case_id, activity, timestamp, ...)."""

    def __init__(self, path: Path, start_date: dt.date) -> None:
        self.path = path.absolute()  # worker processes, kept between runs, may have another working folder
        self._cm = atomic_file(path)
        self._file = self._cm.__enter__()
        csv.writer(self._file).writerow(EVENT_COLUMNS)
        self.origin = dt.datetime.combine(start_date, dt.time())
        super().__init__(self._file.write, self.origin)
        self._token = secrets.token_hex(6)  # part names of this log alone, whoever else writes beside it

    def part(self, replication: int) -> EventPart:
        """A writer for one replication's rows, to run in another process (see `absorb`)."""
        return EventPart(self.path.with_name(f".{self.path.name}.{self._token}.r{replication}.part"), self.origin)

    def absorb(self, part: EventPart) -> None:
        """Append a finished part's rows and delete the part file."""
        self.flush()
        self._file.flush()
        with open(part.path, encoding="utf-8", newline="") as f:
            shutil.copyfileobj(f, self._file)
        self.rows += part.rows
        os.unlink(part.path)

    def close(self, ok: bool = True) -> None:
        if ok:
            self.flush()
            self._cm.__exit__(None, None, None)
        else:
            err = RuntimeError("run interrupted")
            with contextlib.suppress(RuntimeError):
                self._cm.__exit__(RuntimeError, err, None)


class EventPart(_Rows):
    """One replication's rows in a part file; picklable until opened (it travels to a worker)."""

    def __init__(self, path: Path, origin: dt.datetime) -> None:
        self.path = path
        self.origin = origin
        self.rows = 0
        self._file: IO[str] | None = None

    def __enter__(self) -> EventPart:
        f = open(self.path, "w", encoding="utf-8", newline="")
        self._file = f
        super().__init__(f.write, self.origin)
        return self

    def __exit__(self, *exc: object) -> None:
        f = self._file
        self._file = None
        if f is not None:
            if exc[0] is None:
                self.flush()
            f.close()
        if exc[0] is not None:
            self.discard()

    def discard(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)

    def __getstate__(self) -> dict[str, object]:
        return {"path": self.path, "origin": self.origin, "rows": self.rows, "_file": None}
