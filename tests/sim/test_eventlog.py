"""The event log writes its rows itself (chunks of lines, names quoted once): byte for byte what
csv.writer with a timedelta per row wrote, for names in any script and with commas, quotes and line
breaks."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from sim.eventlog import EVENT_COLUMNS, EventLog, EventPart

ORIGIN = dt.datetime(2027, 1, 4)
NAMES = st.one_of(st.text(alphabet=st.sampled_from(list('ab ,"\r\nשלום-é')), max_size=12), st.just("דנה כהן"))
ROWS = st.lists(st.tuples(st.integers(0, 40), NAMES, NAMES, NAMES, st.sampled_from(["start", "complete"]),
                          st.floats(-2000.0, 20000.0, allow_nan=False), NAMES, NAMES), max_size=40)


def _csv_writer(rows: list[tuple]) -> str:  # type: ignore[type-arg]
    out = io.StringIO(newline="")
    w = csv.writer(out)
    for rep, case, act, stage, life, t, res, role in rows:
        w.writerow((f"r{rep}-{case}", act, stage, life, (ORIGIN + dt.timedelta(hours=t)).isoformat(timespec="seconds"),
                    res, role, rep))
    return out.getvalue()


@settings(max_examples=300, deadline=None)
@given(ROWS)
def test_a_part_file_is_what_csv_writer_writes(tmp_path_factory: object, rows: list[tuple]) -> None:  # type: ignore[type-arg]
    path = Path(tmp_path_factory.mktemp("log")) / "part.csv"  # type: ignore[attr-defined]
    with EventPart(path, ORIGIN) as part:
        for row in rows:
            part(row)
    assert part.rows == len(rows)
    assert path.read_bytes() == _csv_writer(rows).encode("utf-8")


def test_the_log_flushes_its_chunks_before_a_part_and_at_the_end(tmp_path: Path) -> None:
    """More rows than one chunk, then a part absorbed, then more rows: all in order."""
    log = EventLog(tmp_path / "events.csv", ORIGIN.date())
    first = [(0, f"L{i}", "Call", "qualification", "start", i / 7, "Dana", "rep") for i in range(1300)]
    for row in first:
        log(row)
    part = log.part(1)
    later = [(1, f"L{i}", "Demo", "demo", "complete", i / 3, "Yossi, Jr.", "closer") for i in range(700)]
    with part:
        for row in later:
            part(row)
    log.absorb(part)
    last = [(0, "D-1", "won", "", "complete", 99.5, "", "")]
    log(last[0])
    log.close()
    assert log.rows == 2001
    header = ",".join(EVENT_COLUMNS) + "\r\n"
    assert (tmp_path / "events.csv").read_bytes().decode("utf-8") == \
        header + _csv_writer(first) + _csv_writer(later) + _csv_writer(last)
