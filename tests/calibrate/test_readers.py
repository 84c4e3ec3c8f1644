"""Reading exports: common column names found, every unusable file named with its row and column."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from calibrate.deals import LOST, OPEN, WON
from calibrate.errors import ExportError
from calibrate.mapping import ExportMap, load_mapping, stage_id
from calibrate.readers import guess_kind, read_export

OPPS = """Opportunity ID,Created Date,Close Date,Stage,Opportunity Owner,Amount,Discovery Date,Proposal Date
A-1,2027-01-04,2027-02-01,Closed Won,Dana,"12,000",2027-01-05,2027-01-20
A-2,2027-01-05,2027-01-09,Closed Lost,Ravi,5000,2027-01-06,
A-3,2027-01-06,,Proposal,Dana,,2027-01-07,2027-01-15
"""


def _write(tmp_path: Path, text: str, name: str = "export.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_an_opportunities_export_is_read_with_its_usual_column_names(tmp_path: Path) -> None:
    ex = read_export([_write(tmp_path, OPPS)], ExportMap())
    assert ex.kind == "opportunities"
    assert ex.stages == ["discovery", "proposal"]
    d = {x.id: x for x in ex.deals}
    assert d["A-1"].outcome == WON
    assert d["A-1"].value == 12000
    assert [v.stage for v in d["A-1"].visits] == ["discovery", "proposal"]
    assert d["A-2"].outcome == LOST
    assert d["A-3"].outcome == OPEN
    assert d["A-3"].stage == "proposal"
    assert d["A-3"].owner == "Dana"


def test_a_stage_history_in_hebrew_keeps_its_names(tmp_path: Path) -> None:
    text = ("deal_id,stage,entered_at,owner\n"
            "1,גילוי צרכים,2027-01-04T10:00:00,דנה\n1,הצעת מחיר,2027-01-08T11:00:00,דנה\n"
            "1,Closed Won,2027-01-20T09:00:00,דנה\n2,גילוי צרכים,2027-01-05T10:00:00,רון\n")
    ex = read_export([_write(tmp_path, text)], ExportMap())
    assert ex.kind == "history"
    assert ex.stages == ["גילוי_צרכים", "הצעת_מחיר"]
    assert ex.names["הצעת_מחיר"] == "הצעת מחיר"
    d = {x.id: x for x in ex.deals}
    assert d["1"].outcome == WON
    assert d["2"].outcome == OPEN
    assert d["1"].owner == "דנה"


def test_stage_ids_keep_any_script() -> None:
    assert stage_id("Proposal/Price Quote") == "proposal_price_quote"
    assert stage_id("  הצעת מחיר ") == "הצעת_מחיר"
    assert stage_id("1st call") == "s_1st_call"


def test_an_xes_log_is_read_with_trace_attributes(tmp_path: Path) -> None:
    xes = """<?xml version="1.0" encoding="UTF-8"?>
<log xmlns="http://www.xes-standard.org/">
 <trace><string key="concept:name" value="c1"/><string key="AMOUNT" value="900"/>
  <event><string key="concept:name" value="submit"/><date key="time:timestamp" value="2027-01-04T09:00:00.000+01:00"/>
   <string key="lifecycle:transition" value="complete"/><string key="org:resource" value="Ann"/></event>
  <event><string key="concept:name" value="call"/><date key="time:timestamp" value="2027-01-04T10:00:00.000+01:00"/>
   <string key="lifecycle:transition" value="start"/><string key="org:resource" value="Ann"/></event>
  <event><string key="concept:name" value="call"/><date key="time:timestamp" value="2027-01-04T10:30:00.000+01:00"/>
   <string key="lifecycle:transition" value="complete"/><string key="org:resource" value="Ann"/></event>
  <event><string key="concept:name" value="approve"/><date key="time:timestamp" value="2027-01-06T10:30:00.000+01:00"/>
   <string key="lifecycle:transition" value="complete"/></event>
 </trace>
</log>"""
    path = tmp_path / "log.xes.gz"
    path.write_bytes(gzip.compress(xes.encode()))
    m = ExportMap(columns={"amount": "case:AMOUNT"}, stages={"intake": ("submit",), "qualify": ("call",)},
                  won=("approve",))
    ex = read_export([path], m)
    assert ex.kind == "eventlog"
    assert ex.has_work
    (d,) = ex.deals
    assert d.outcome == WON
    assert d.value == 900
    assert [v.stage for v in d.visits] == ["intake", "qualify"]
    (work,) = d.visits[1].work
    assert work[0] == "Ann"
    assert (work[2] - work[1]).total_seconds() == 1800
    assert d.created.hour == 8  # kept in UTC


@pytest.mark.parametrize(("text", "expected"), [
    ("", "the file is empty"),
    ("Opportunity ID,Created Date,Stage\n", "has a header but no rows"),
    ("Name,Value\nx,1\n", "no column for id"),
    ("Opportunity ID,Created Date,Stage\nA-1,yesterday,Proposal\n", "row 2, column 'Created Date': 'yesterday' is not"),
    ("Opportunity ID,Created Date,Close Date,Stage\nA-1,2027-02-01,2027-01-01,Closed Won\n",
     "row 2, column 'Close Date': closed 2027-01-01 before it was created"),
    ("Opportunity ID,Created Date,Stage\nA-1,2027-01-01,Proposal\nA-1,2027-01-02,Proposal\n",
     "row 3, column 'Opportunity ID': deal id 'A-1' repeats row 2"),
    ("Opportunity ID,Created Date,Stage,Amount\nA-1,2027-01-01,Proposal,lots\n", "row 2, column 'Amount': 'lots'"),
    ("Opportunity ID,Created Date,Stage\nA-1,2027-01-01,Closed Won\n", "a won deal needs its close date"),
])
def test_a_bad_export_is_named_with_its_row_and_column(tmp_path: Path, text: str, expected: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ExportError) as e:
        read_export([path], ExportMap(), "opportunities")
    assert str(e.value).startswith(str(path))
    assert expected in str(e.value)


def test_the_missing_column_error_lists_the_columns_found(tmp_path: Path) -> None:
    path = _write(tmp_path, "deal,when,who\n1,2027-01-01,Dana\n")
    with pytest.raises(ExportError, match=r"no column for stage .*its columns: deal, when, who"):
        read_export([path], ExportMap(), "history")


def test_a_mapping_names_columns_and_refuses_unknown_keys(tmp_path: Path) -> None:
    good = _write(tmp_path, "columns: {id: Ref}\nstages: {talk: [Call]}\nwon: Signed\n", "map.yaml")
    m = load_mapping(good)
    assert m.columns == {"id": "Ref"}
    assert m.stages == {"talk": ("Call",)}
    assert m.won == ("Signed",)
    bad = _write(tmp_path, "colums: {id: Ref}\n", "bad.yaml")
    with pytest.raises(ExportError, match="unknown key 'colums'"):
        load_mapping(bad)
    missing = _write(tmp_path, "Opportunity ID,Created Date,Stage\nA,2027-01-01,X\n")
    with pytest.raises(ExportError, match=r"the mapping's column 'Ref' .* is not in the file"):
        read_export([missing], m, "opportunities")


def test_the_kind_is_guessed_from_the_columns() -> None:
    assert guess_kind(Path("x.csv"), ["case_id", "activity", "timestamp"]) == "eventlog"
    assert guess_kind(Path("x.csv"), ["Deal ID", "Stage", "Entered At"]) == "history"
    assert guess_kind(Path("x.csv"), ["Opportunity ID", "Created Date", "Stage"]) == "opportunities"
    assert guess_kind(Path("x.xes.gz"), []) == "eventlog"


def test_events_out_of_order_and_unmapped_names_are_reported(tmp_path: Path) -> None:
    text = ("case_id,activity,timestamp\n1,call,2027-01-05T10:00:00\n1,intake,2027-01-04T10:00:00\n"
            "1,fax,2027-01-05T11:00:00\n1,won,2027-01-06T10:00:00\n")
    m = ExportMap(stages={"intake": ("intake",), "call": ("call",)}, won=("won",))
    ex = read_export([_write(tmp_path, text)], m)
    assert any("out of time order" in p for p in ex.problems)
    assert any("'fax' (1 rows)" in p for p in ex.problems)
    assert [v.stage for v in ex.deals[0].visits] == ["intake", "call"]
