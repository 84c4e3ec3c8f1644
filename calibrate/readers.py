"""Reading exports into observed deals: a CRM's opportunities (one row per deal), its stage history
(one row per stage entry) and event logs (CSV or XES, one row per event).

CSV goes through pandas (robust quoting, encodings, date formats). Times are kept as UTC without a
zone, so a log written across a daylight-saving change stays in order. Every problem that makes a file
unusable names the file, the row (as a spreadsheet counts it: the header is row 1) and the column.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from calibrate.deals import LOST, OPEN, WON, Deal, Visit
from calibrate.errors import ExportError
from calibrate.mapping import KINDS, ExportMap, find_columns, stage_id

__all__ = ["Export", "guess_kind", "read_export"]


@dataclass
class Export:
    """The deals read from one or more files, the stages in process order, and what looked wrong."""

    deals: list[Deal]
    stages: list[str]
    names: dict[str, str]
    kind: str
    files: list[str]
    problems: list[str] = field(default_factory=list)
    """Data problems worth a look that did not stop the reading (out-of-order times, no owner, ...)."""
    first: dt.datetime | None = None
    last: dt.datetime | None = None
    """The earliest and latest time in the data."""
    has_work: bool = False
    """Start/complete events gave measured staff work."""
    busy: list[dt.datetime] = field(default_factory=list)
    """When people (not automated resources) did something: the working week is read from these."""
    automated: frozenset[str] = frozenset()


def guess_kind(path: Path, header: Sequence[str]) -> str:
    if path.name.lower().endswith((".xes", ".xes.gz")):
        return "eventlog"
    blind = {h.casefold().replace(" ", "").replace("_", "").replace(":", "") for h in header}
    if blind & {"activity", "conceptname"}:
        return "eventlog"
    if blind & {"entered", "enteredat", "changedat", "stagedate"} or (
            "stage" in blind and not blind & {"created", "createddate", "createdat"}):
        return "history"
    return "opportunities"


def _read_table(path: Path) -> tuple[Any, list[str]]:
    import pandas as pd

    file = str(path)
    if path.name.lower().endswith((".xes", ".xes.gz")):
        from calibrate.xes import read_xes
        try:
            rows = read_xes(path)
        except OSError as e:
            raise ExportError(file, f"cannot read: {e}") from None
        except Exception as e:  # xml.etree.ElementTree.ParseError and gzip errors
            raise ExportError(file, f"not a readable XES file: {e}") from None
        if not rows:
            raise ExportError(file, "the log has no events")
        table = pd.DataFrame(rows).fillna("")
        return table, list(table.columns)
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True,
                            encoding="utf-8-sig")
    except FileNotFoundError:
        raise ExportError(file, "no such file") from None
    except OSError as e:
        raise ExportError(file, f"cannot read: {e.strerror}") from None
    except pd.errors.EmptyDataError:
        raise ExportError(file, "the file is empty (not even a header row)") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as e:
        raise ExportError(file, f"not a readable CSV file: {e}") from None
    if table.empty:
        raise ExportError(file, "the file has a header but no rows")
    return table, [str(c) for c in table.columns]


def _times(file: str, table: Any, column: str, required: bool = True) -> list[dt.datetime | None]:
    """The column as UTC times without a zone (None where empty); an unparseable value stops with its row."""
    import pandas as pd

    raw = table[column].astype(str).str.strip()
    parsed = pd.to_datetime(raw, errors="coerce", utc=True, format="mixed")
    bad = parsed.isna() & (raw != "")
    if required:
        bad |= raw == ""
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        shown = raw.iloc[i]
        what = "is empty" if shown == "" else f"{shown!r} is not a date or time"
        raise ExportError(file, f"{what} (write e.g. 2027-01-04 or 2027-01-04T09:30:00)", row=i + 2, column=column)
    return list(parsed.dt.tz_convert(None).astype("datetime64[us]").to_numpy().astype(object))


def _required_times(file: str, table: Any, column: str) -> list[dt.datetime]:
    """A column every row must fill (checked by `_times`)."""
    return cast(list[dt.datetime], _times(file, table, column))


def _amounts(file: str, table: Any, column: str | None) -> list[float | None]:
    import pandas as pd

    if column is None:
        return [None] * len(table)
    raw = table[column].astype(str).str.strip().str.replace(",", "", regex=False).str.lstrip("$€£₪")
    num = pd.to_numeric(raw, errors="coerce")
    bad = num.isna() & (raw != "")
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise ExportError(file, f"{raw.iloc[i]!r} is not an amount", row=i + 2, column=column)
    if (num < 0).any():
        i = int((num < 0).to_numpy().nonzero()[0][0])
        raise ExportError(file, "a deal value cannot be negative", row=i + 2, column=column)
    return [None if v != v else float(v) for v in num.tolist()]


def _text(table: Any, column: str | None) -> list[str | None]:
    if column is None:
        return [None] * len(table)
    return [s.strip() or None for s in table[column].astype(str).tolist()]


def _outcome_of(name: str, m: ExportMap) -> str | None:
    if name in m.won:
        return WON
    if name in m.lost:
        return LOST
    if m.won or m.lost:
        return None
    blind = name.casefold()
    if "won" in blind.split() or blind in ("won", "closed won", "closedwon", "closed_won", "win"):
        return WON
    if "lost" in blind.split() or blind in ("lost", "closed lost", "closedlost", "closed_lost"):
        return LOST
    return None


class _Stages:
    """Export names -> stage ids, in process order (the mapping's, else order of first appearance)."""

    def __init__(self, m: ExportMap) -> None:
        self.order: list[str] = list(m.stages)
        self.names: dict[str, str] = dict(m.names)
        self.of: dict[str, str] = {n: sid for sid, names in m.stages.items() for n in names}
        self.mapped = bool(m.stages)
        self.ignored = set(m.ignore)
        self.unmapped: dict[str, int] = {}

    def stage(self, name: str) -> str | None:
        sid = self.of.get(name)
        if sid is not None:
            return sid
        if name in self.ignored:
            return None
        if self.mapped:
            self.unmapped[name] = self.unmapped.get(name, 0) + 1
            return None
        sid = self.of[name] = stage_id(name)
        if sid not in self.order:
            self.order.append(sid)
            self.names.setdefault(sid, name)
        return sid


def read_export(paths: Sequence[Path], m: ExportMap, kind: str | None = None) -> Export:
    """Read every file (all of one kind) into one Export."""
    if not paths:
        raise ExportError("(no file)", "give at least one export file")
    stages = _Stages(m)
    deals: list[Deal] = []
    problems: list[str] = []
    chosen = kind or m.kind
    has_work = False
    busy: list[dt.datetime] = []
    for path in paths:
        table, header = _read_table(path)
        k = chosen or guess_kind(path, header)
        if k not in KINDS:
            raise ExportError(str(path), f"--kind {k!r}: allowed {', '.join(KINDS)}")
        cols = find_columns(str(path), k, header, m.columns)
        if k == "opportunities":
            deals += _opportunities(str(path), table, header, cols.names, m, stages)
        elif k == "history":
            deals += _history(str(path), table, cols.names, m, stages, problems)
        else:
            got, work = _eventlog(str(path), table, cols.names, m, stages, problems, busy)
            deals += got
            has_work |= work
        chosen = k
    assert chosen is not None
    seen: set[str] = set()
    for d in deals:
        if d.id in seen:
            raise ExportError(", ".join(map(str, paths)), f"deal {d.id!r} appears in more than one file")
        seen.add(d.id)
    if stages.unmapped:
        top = sorted(stages.unmapped.items(), key=lambda kv: -kv[1])[:5]
        problems.append("names not in the mapping's stages, won, lost or ignore (their rows were left out): "
                        + ", ".join(f"{n!r} ({c} rows)" for n, c in top))
    used = [s for s in stages.order if any(v.stage == s for d in deals for v in d.visits)]
    if not deals:
        raise ExportError(", ".join(map(str, paths)), "no deal with a stage the mapping knows")
    if not used:
        raise ExportError(", ".join(map(str, paths)), "no deal entered any stage (check the mapping's stages)")
    times = [t for d in deals for t in (d.created, d.closed) if t is not None]
    no_owner = sum(1 for d in deals if d.owner is None and not any(v.owner for v in d.visits))
    if chosen != "eventlog" and 0 < no_owner < len(deals):
        problems.append(f"{no_owner} of {len(deals)} deals have no owner")
    return Export(deals, used, {s: stages.names.get(s, s) for s in used}, chosen, [str(p) for p in paths],
                  problems, min(times), max(times), has_work, busy, frozenset(m.automated))


def _opportunities(file: str, table: Any, header: Sequence[str], cols: Mapping[str, str], m: ExportMap,
                   stages: _Stages) -> list[Deal]:
    created = _required_times(file, table, cols["created"])
    closed = _times(file, table, cols["closed"], required=False) if "closed" in cols else None
    # Stage date columns: the mapping's (stage id -> one column), else every other column named like a date.
    date_cols: dict[str, str] = {}
    if m.stages:
        for sid, names in m.stages.items():
            for n in names:
                if n not in header:
                    raise ExportError(file, f"the mapping's stage column {n!r} is not in the file; "
                                            f"its columns: {', '.join(header)}", column=n)
                date_cols[n] = sid
        stages.order = list(m.stages)
    else:
        for h in header:
            if h in cols.values():
                continue
            low = h.casefold()
            if "date" in low or low.endswith(("_at", " at")) or low.startswith("entered"):
                label = " ".join(w for w in h.replace("_", " ").split() if w.casefold() not in
                                 ("date", "at", "entered", "stage"))
                sid = stage_id(label or h)
                date_cols[h] = sid
                if sid not in stages.order:
                    stages.order.append(sid)
                    stages.names.setdefault(sid, label or h)
    dates = {h: _times(file, table, h, required=False) for h in date_cols}
    ids, owners, segs, srcs = (_text(table, cols.get(r)) for r in ("id", "owner", "segment", "source"))
    statuses = _text(table, cols["status"])
    values = _amounts(file, table, cols.get("amount"))
    seen: dict[str, int] = {}
    out = []
    for i in range(len(table)):
        row = i + 2
        did = ids[i]
        if did is None:
            raise ExportError(file, "the deal id is empty", row=row, column=cols["id"])
        if did in seen:
            raise ExportError(file, f"deal id {did!r} repeats row {seen[did]}", row=row, column=cols["id"])
        seen[did] = row
        c0 = created[i]
        status = statuses[i] or ""
        outcome = _outcome_of(status, m) or OPEN
        end_t = closed[i] if closed is not None else None
        if outcome != OPEN and end_t is None:
            raise ExportError(file, f"a {outcome} deal needs its close date", row=row, column=cols.get("closed"))
        if end_t is not None and end_t < c0:
            raise ExportError(file, f"closed {end_t:%Y-%m-%d} before it was created ({c0:%Y-%m-%d})", row=row,
                              column=cols.get("closed"))
        vs = []
        for h, sid in date_cols.items():
            t = dates[h][i]
            if t is not None:
                vs.append((t, stages.order.index(sid), sid))
        vs.sort()
        if outcome == OPEN and status and not m.stages:
            now = stages.stage(status)
            if now is not None and (not vs or vs[-1][2] != now):
                vs.append((max(c0, vs[-1][0]) if vs else c0, stages.order.index(now), now))
        if not vs:
            first = stages.order[0] if stages.order else stages.stage("open")
            assert first is not None
            vs = [(c0, 0, first)]
        for t, _, sid in vs:
            if t < c0:
                raise ExportError(file, f"entered {sid} ({t:%Y-%m-%d}) before the deal was created", row=row)
            if end_t is not None and t > end_t:
                raise ExportError(file, f"entered {sid} ({t:%Y-%m-%d}) after it closed", row=row)
        visits = tuple(Visit(sid, t, owners[i]) for t, _, sid in vs)
        out.append(Deal(did, c0, visits, outcome, end_t if outcome != OPEN else None, owners[i], values[i],
                        segs[i], srcs[i] or m.source))
    return out


def _history(file: str, table: Any, cols: Mapping[str, str], m: ExportMap, stages: _Stages,
             problems: list[str]) -> list[Deal]:
    entered = _required_times(file, table, cols["entered"])
    ids, names, owners, segs, srcs = (_text(table, cols.get(r)) for r in ("id", "stage", "owner", "segment", "source"))
    values = _amounts(file, table, cols.get("amount"))
    rows: dict[str, list[int]] = {}
    for i, did in enumerate(ids):
        if did is None:
            raise ExportError(file, "the deal id is empty", row=i + 2, column=cols["id"])
        rows.setdefault(did, []).append(i)
    out = []
    backwards = 0
    for did, idx in rows.items():
        idx.sort(key=lambda i: (entered[i], i))
        visits: list[Visit] = []
        outcome, closed = OPEN, None
        value = seg = src = owner = None
        for i in idx:
            t = entered[i]
            name = names[i]
            if name is None:
                raise ExportError(file, "the stage is empty", row=i + 2, column=cols["stage"])
            value = values[i] if values[i] is not None else value
            seg, src = segs[i] or seg, srcs[i] or src
            owner = owners[i] or owner
            o = _outcome_of(name, m)
            if o is not None:
                outcome, closed = o, t
                break
            sid = stages.stage(name)
            if sid is None:
                continue
            if visits and visits[-1].stage == sid:
                continue
            if visits and stages.order.index(sid) < stages.order.index(visits[-1].stage):
                backwards += 1
                if m.moves == "forward":
                    continue
            visits.append(Visit(sid, t, owners[i]))
        if not visits:
            continue
        created = visits[0].entered
        out.append(Deal(did, created, tuple(visits), outcome, closed, owner, value, seg, src or m.source))
    if backwards:
        problems.append(f"{backwards} stage entries go back to an earlier stage"
                        + (" (left out: the mapping says moves: forward)" if m.moves == "forward" else ""))
    return out


def _eventlog(file: str, table: Any, cols: Mapping[str, str], m: ExportMap, stages: _Stages,
              problems: list[str], busy: list[dt.datetime]) -> tuple[list[Deal], bool]:
    ts = _required_times(file, table, cols["timestamp"])
    cases, acts = _text(table, cols["case"]), _text(table, cols["activity"])
    life = [s.casefold() if s else "complete" for s in _text(table, cols.get("lifecycle"))]
    res = _text(table, cols.get("resource"))
    stage_col = _text(table, cols.get("stage"))
    segs, srcs = _text(table, cols.get("segment")), _text(table, cols.get("source"))
    values = _amounts(file, table, cols.get("amount"))
    has_work = any(x == "start" for x in life)
    automated = set(m.automated)
    rows: dict[str, list[int]] = {}
    for i, c in enumerate(cases):
        if c is None:
            raise ExportError(file, "the case id is empty", row=i + 2, column=cols["case"])
        rows.setdefault(c, []).append(i)
    stamps = ts
    order = stages.order
    disorder = 0
    forward = m.moves != "any"
    out = []
    for cid, idx in rows.items():
        if any(stamps[a] > stamps[b] for a, b in itertools.pairwise(idx)):
            disorder += 1
        idx.sort(key=lambda i: (stamps[i], i))
        visits: list[dict[str, Any]] = []
        open_work: dict[tuple[str, str | None], dt.datetime] = {}
        outcome, closed = OPEN, None
        value = seg = src = None
        for i in idx:
            act = acts[i] or ""
            t = ts[i]
            value = values[i] if values[i] is not None else value
            seg, src = segs[i] or seg, srcs[i] or src
            o = _outcome_of(act, m)
            if o is not None:
                outcome, closed = o, t
                break
            named = stage_col[i]
            sid = stages.stage(named) if named and not m.stages else stages.stage(act)
            if sid is None:
                continue
            person = res[i] if res[i] and res[i] not in automated else None
            if person is not None:
                busy.append(t)
            cur = visits[-1] if visits else None
            if cur is None or (cur["stage"] != sid and (not forward or order.index(sid) > order.index(cur["stage"]))):
                cur = {"stage": sid, "entered": t, "work": [], "people": {}}
                visits.append(cur)
            # Forward moves: an earlier stage's event (work finishing late) belongs to that stage's stay.
            target = next((v for v in reversed(visits) if v["stage"] == sid), cur)
            if person is not None:
                target["people"][person] = target["people"].get(person, 0) + 1
            if life[i] == "start":
                open_work[(act, res[i])] = t
            elif life[i] == "complete" and (act, res[i]) in open_work:
                target["work"].append((person, open_work.pop((act, res[i])), t))
        if not visits:
            continue
        vs = []
        for v in visits:
            owner = max(v["people"], key=lambda p: (v["people"][p], p)) if v["people"] else None
            vs.append(Visit(v["stage"], v["entered"], owner, tuple(v["work"])))
        created = ts[idx[0]]
        out.append(Deal(cid, created, tuple(vs), outcome, closed, None, value, seg, src or m.source))
    if disorder:
        problems.append(f"{disorder} cases have events out of time order in the file (sorted by time)")
    return out, has_work

