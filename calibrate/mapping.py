"""How an export's columns and activity names map onto a scenario's stages (`--map mapping.yaml`).

Every key is optional: columns with common names are found on their own (`Opportunity ID`, `case_id`,
`Created Date`, `Owner`, `Amount`, ...); a column that cannot be found gets an error listing the
columns the file has. Stage names default to the export's own (made into ids).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from calibrate.errors import ExportError

__all__ = ["KINDS", "ColumnMap", "ExportMap", "find_columns", "load_mapping", "stage_id"]

KINDS = ("opportunities", "history", "eventlog")

# Column roles and the names exports commonly give them (compared case-, space- and punctuation-blind).
COMMON_NAMES: dict[str, tuple[str, ...]] = {
    "id": ("id", "opportunityid", "opportunity", "dealid", "deal", "caseid", "case", "caseconceptname",
           "recordid"),
    "case": ("caseid", "case", "caseconceptname", "dealid", "opportunityid", "id"),
    "activity": ("activity", "conceptname", "event", "activityname", "eventname"),
    "timestamp": ("timestamp", "timetimestamp", "time", "eventtime", "datetime", "date"),
    "lifecycle": ("lifecycle", "lifecycletransition", "transition", "eventtype"),
    "resource": ("resource", "orgresource", "user", "performer", "owner", "agent"),
    "stage": ("stage", "stagename", "dealstage", "status", "toStage".lower()),
    "entered": ("entered", "enteredat", "enteredstage", "date", "changedat", "createddate", "timestamp",
                "stagedate", "modifieddate"),
    "created": ("created", "createddate", "createdat", "createdon", "opendate", "opened", "creationdate"),
    "closed": ("closed", "closedate", "closeddate", "closedat", "closedon", "dateclosed"),
    "status": ("status", "stage", "finalstage", "dealstage", "stagename", "outcome", "result"),
    "owner": ("owner", "opportunityowner", "dealowner", "ownername", "assignedto", "rep", "salesrep",
              "accountexecutive", "resource", "orgresource"),
    "amount": ("amount", "value", "dealvalue", "revenue", "amountreq", "caseamountreq", "expectedrevenue",
               "dealamount", "arr", "acv"),
    "segment": ("segment", "product", "type", "opportunitytype", "dealtype", "productline", "region", "tier"),
    "source": ("source", "leadsource", "channel", "origin", "dealsource"),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "opportunities": ("id", "created", "status"),
    "history": ("id", "stage", "entered"),
    "eventlog": ("case", "activity", "timestamp"),
}
OPTIONAL: dict[str, tuple[str, ...]] = {
    "opportunities": ("closed", "owner", "amount", "segment", "source"),
    "history": ("owner", "amount", "segment", "source", "created", "closed"),
    "eventlog": ("lifecycle", "resource", "amount", "segment", "source", "stage"),
}


def _blind(name: str) -> str:
    return re.sub(r"[\W_]+", "", name.casefold())


def stage_id(name: str) -> str:
    """A stage id from an export's stage name, keeping letters of any script: 'Proposal/Price Quote'
    -> 'proposal_price_quote', 'הצעת מחיר' -> 'הצעת_מחיר'."""
    text = unicodedata.normalize("NFC", name).strip().casefold()
    text = re.sub(r"[^\w-]+", "_", text).strip("_-")
    if not text or not text[0].isalpha():
        text = "s_" + text
    return text[:60]


@dataclass(frozen=True)
class ColumnMap:
    """Column role -> the column's name in the file (only the roles the file has)."""

    names: Mapping[str, str]

    def get(self, role: str) -> str | None:
        return self.names.get(role)


@dataclass(frozen=True)
class ExportMap:
    """A mapping file's content (see the module docstring); everything optional."""

    kind: str | None = None
    columns: Mapping[str, str] = field(default_factory=dict)
    stages: Mapping[str, Any] = field(default_factory=dict)
    """Stage id -> export names (eventlog activities, history stage values) or a date column
    (opportunities); the order is the process's order."""
    won: tuple[str, ...] = ()
    lost: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    automated: tuple[str, ...] = ()
    """Resources that are systems, not people (their events count, their work does not)."""
    moves: str | None = None
    """`forward` (a deal only moves on in the stages' order) or `any` (it may go back)."""
    names: Mapping[str, str] = field(default_factory=dict)
    source: str | None = None
    """The source name when the export has no source column."""


_KEYS = {"kind", "columns", "stages", "won", "lost", "ignore", "automated", "moves", "names", "source"}


def _strings(file: str, key: str, v: Any) -> tuple[str, ...]:
    if v is None:
        return ()
    if isinstance(v, str | int):
        return (str(v),)
    if isinstance(v, list) and all(isinstance(x, str | int) for x in v):
        return tuple(str(x) for x in v)
    raise ExportError(file, f"{key}: give a name or a list of names, not {v!r}")


def load_mapping(path: Path | None) -> ExportMap:
    if path is None:
        return ExportMap()
    file = str(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ExportError(file, f"cannot read: {e.strerror}") from None
    except yaml.YAMLError as e:
        raise ExportError(file, f"not valid YAML: {e}") from None
    if not isinstance(data, dict):
        raise ExportError(file, "a mapping file is a YAML mapping (columns:, stages:, won:, lost:, ...)")
    unknown = sorted(set(map(str, data)) - _KEYS)
    if unknown:
        raise ExportError(file, f"unknown key {unknown[0]!r}; allowed: {', '.join(sorted(_KEYS))}")
    kind = data.get("kind")
    if kind is not None and kind not in KINDS:
        raise ExportError(file, f"kind: {kind!r} is not one of {', '.join(KINDS)}")
    moves = data.get("moves")
    if moves is not None and moves not in ("forward", "any"):
        raise ExportError(file, f"moves: {moves!r}; allowed: forward, any")
    for key in ("columns", "stages", "names"):
        if not isinstance(data.get(key, {}), dict):
            raise ExportError(file, f"{key}: must be a mapping")
    columns = {str(k): str(v) for k, v in (data.get("columns") or {}).items()}
    roles = set(COMMON_NAMES)
    bad = sorted(set(columns) - roles)
    if bad:
        raise ExportError(file, f"columns: unknown role {bad[0]!r}; allowed: {', '.join(sorted(roles))}")
    stages: dict[str, Any] = {}
    for sid, names in (data.get("stages") or {}).items():
        stages[str(sid)] = _strings(file, f"stages.{sid}", names)
    return ExportMap(kind=kind, columns=columns, stages=stages,
                    won=_strings(file, "won", data.get("won")), lost=_strings(file, "lost", data.get("lost")),
                    ignore=_strings(file, "ignore", data.get("ignore")),
                    automated=_strings(file, "automated", data.get("automated")), moves=moves,
                    names={str(k): str(v) for k, v in (data.get("names") or {}).items()},
                    source=None if data.get("source") is None else str(data["source"]))


def find_columns(file: str, kind: str, header: Sequence[str], given: Mapping[str, str]) -> ColumnMap:
    """Each column role's column: as the mapping gives it, else by a common name; an error lists
    the columns the file has when a required one is missing."""
    by_blind: dict[str, str] = {}
    for h in header:
        by_blind.setdefault(_blind(h), h)
    found: dict[str, str] = {}
    used: set[str] = set()
    for role in REQUIRED[kind] + OPTIONAL[kind]:
        if role in given:
            if given[role] not in header:
                raise ExportError(file, f"the mapping's column {given[role]!r} (for {role}) is not in the file; "
                                        f"its columns: {', '.join(header)}", column=given[role])
            found[role] = given[role]
            used.add(given[role])
            continue
        for name in COMMON_NAMES[role]:
            col = by_blind.get(name)
            if col is not None and col not in used:
                found[role] = col
                used.add(col)
                break
        else:
            if role in REQUIRED[kind]:
                raise ExportError(file, f"no column for {role} (looked for {', '.join(COMMON_NAMES[role][:6])}, "
                                        f"...); its columns: {', '.join(header)}. Name it in --map: "
                                        f"columns: {{{role}: COLUMN}}")
    return ColumnMap(found)
