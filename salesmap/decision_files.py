"""The files optimize and staff leave: the new scenario (it must run as it is), today's scenario as read,
and the decision's JSON; written into the claimed folder's staging area (sim.folder)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.output import summary_json, write_text
from sim.scenario import dump_data, load_scenario

__all__ = ["write_decision_files"]


def write_decision_files(work: Path, command: str, source: Path, new: tuple[str, Any] | None, today: Any,
                         json_name: str, report: dict[str, Any]) -> None:
    """`work` (the new scenario, with a header comment saying where it came from), today.yaml and
    `json_name` beside it. `new` is (the header's explanation, the scenario data), or None when the
    command recommends nothing."""
    if new is not None:
        why, data = new
        write_text(work, f"# {why}\n" + dump_data(data))
        load_scenario(work)  # it must run as it is
    write_text(work.with_name("today.yaml"), f"# Today's team, as salesmap {command} read it from {source}.\n"
               + dump_data(today))
    write_text(work.with_name(json_name), summary_json(report))
