"""Reading XES event logs (the IEEE process-mining standard) into a table, plain or gzipped.

Written on the standard library's streaming XML parser rather than pm4py: pm4py is AGPL-licensed and
salesmap is proprietary, and a reader needs only a few of its features. Memory stays at the size of
the table: each trace's XML is dropped once read. Python's expat refuses entity expansion attacks.
"""

from __future__ import annotations

import gzip
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

__all__ = ["read_xes"]

_VALUE_TAGS = {"string", "date", "int", "float", "boolean", "id"}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attributes(el: ET.Element) -> dict[str, str]:
    return {a.get("key", ""): a.get("value", "") for a in el if _local(a.tag) in _VALUE_TAGS}


def read_xes(path: Path) -> list[dict[str, Any]]:
    """One dict per event: the event's attributes, with the trace's attributes under `case:KEY`
    (the names pm4py uses, e.g. `case:concept:name`, `concept:name`, `time:timestamp`)."""
    opener: Any = gzip.open if path.name.lower().endswith(".gz") else open
    rows: list[dict[str, Any]] = []
    trace: dict[str, str] = {}
    pending: list[dict[str, str]] = []
    with opener(path, "rb") as f:
        for _, el in ET.iterparse(f, events=("end",)):
            tag = el.tag
            if tag.endswith("}event") or tag == "event":
                pending.append({a.get("key", ""): a.get("value", "") for a in el})
                el.clear()
            elif tag.endswith("}trace") or tag == "trace":
                trace = {f"case:{k}": v for k, v in _attributes(el).items()}
                for ev in pending:
                    ev.update(trace)
                rows.extend(pending)
                pending = []
                el.clear()
    rows.extend(pending)  # events outside any trace (rare): no case attributes
    return rows
