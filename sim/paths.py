"""Addressing one field of a scenario by a path a manager can type: `roles.rep.headcount`,
`sources.outbound.rate`, `stages.demo.outcomes.proposal`, `stages.demo.work.mean`,
`stages.discovery.activities.Discovery meeting.work.mean`, `people.Dana.stages`.

Lists are addressed by their entries' `id` (stages) or `name` (sources, people, segments, activities),
never by position, so a path keeps its meaning when the file is reordered. Setting a stage's outcome
probability rescales the stage's other outcomes so that they still sum to 1 (their proportions kept):
"what if 30% go on to proposal" then means the rest is shared as before. Paths work on the plain data
of a scenario file (`extends` applied); the result is checked as any file is.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Iterator
from typing import Any

from sim.errors import SalesSimError

__all__ = ["PathError", "get_path", "leaf_paths", "set_path", "split_path"]

_KEYS = ("id", "name")
"""The field that names a list's entries (stages by id; sources, people, segments, activities by name)."""


class PathError(SalesSimError):
    """A path that does not address a field of the scenario."""


def split_path(path: str) -> list[str]:
    parts = [p.strip() for p in path.split(".")]
    if not path.strip() or any(not p for p in parts):
        raise PathError(f"{path!r}: a path is dot-separated names, e.g. roles.rep.headcount")
    return parts


def _entry(items: list[Any], name: str) -> tuple[int, Any] | None:
    for i, e in enumerate(items):
        if isinstance(e, dict) and any(e.get(k) == name for k in _KEYS):
            return i, e
    return None


def _children(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [str(k) for k in node]
    if isinstance(node, list):
        return [str(next(e[k] for k in _KEYS if k in e)) for e in node if isinstance(e, dict)
                and any(k in e for k in _KEYS)]
    return []


def leaf_paths(data: Any, prefix: str = "") -> Iterator[str]:
    """Every path to a value in the data (lists of plain values are leaves: `people.Dana.stages`)."""
    if isinstance(data, dict):
        for k, v in data.items():
            yield from leaf_paths(v, f"{prefix}{k}.")
    elif isinstance(data, list) and data and all(isinstance(e, dict) and any(k in e for k in _KEYS) for e in data):
        for e in data:
            name = next(e[k] for k in _KEYS if k in e)
            yield from leaf_paths(e, f"{prefix}{name}.")
    else:
        yield prefix[:-1]


def _unknown(path: str, data: Any) -> PathError:
    known = list(leaf_paths(data))
    close = difflib.get_close_matches(path, known, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return PathError(f"{path!r}: no such field in the scenario{hint}")


def _walk(data: Any, parts: list[str], path: str) -> tuple[Any, str | int]:
    """The container holding the path's last part, and that part as its key or index."""
    node = data
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        if isinstance(node, dict):
            if part not in node:
                if last and _fillable(parts):
                    return node, part
                raise _unknown(path, data)
            if last:
                return node, part
            node = node[part]
        elif isinstance(node, list):
            found = _entry(node, part)
            if found is None:
                raise _unknown(path, data)
            if last:
                return node, found[0]
            node = found[1]
        else:
            raise _unknown(path, data)
    raise _unknown(path, data)


def _fillable(parts: list[str]) -> bool:
    """A field the file may leave out but a sweep may set: a role's headcount, a person's capacity."""
    return (len(parts) == 3 and parts[0] == "roles" and parts[2] in ("headcount", "hours_per_week")) or \
        (len(parts) == 3 and parts[0] == "people" and parts[2] in ("capacity", "speed", "win_rate", "stages"))


def get_path(data: Any, path: str) -> Any:
    """The value at `path` (None for a field the file leaves out but may set)."""
    container, key = _walk(data, split_path(path), path)
    if isinstance(container, dict):
        return container.get(key)
    return container[key]


def set_path(data: Any, path: str, value: Any) -> Any:
    """A copy of `data` with `value` at `path` (a stage's other outcomes rescaled to keep the sum 1)."""
    parts = split_path(path)
    new = copy.deepcopy(data)
    if len(parts) == 4 and parts[0] == "stages" and parts[2] == "outcomes":
        return _set_outcome(new, parts, value, path)
    container, key = _walk(new, parts, path)
    if parts[0] == "roles" and parts[-1] == "headcount":
        listed = [p for p in new.get("people") or () if isinstance(p, dict) and p.get("role") == parts[1]]
        if listed:
            raise PathError(f"{path!r}: role {parts[1]} lists its people by name; vary a person's capacity "
                            f"(people.{listed[0].get('name')}.capacity) or list the people in the file")
    container[key] = value
    return new


def _set_outcome(data: Any, parts: list[str], value: Any, path: str) -> Any:
    container, key = _walk(data, parts, path)
    assert isinstance(container, dict)
    assert isinstance(key, str)
    p = _probability(value, path)
    others = {t: _p(v) for t, v in container.items() if t != key}
    rest = sum(others.values())
    if rest <= 0 and p < 1:
        raise PathError(f"{path!r}: the stage's other outcomes have probability 0; nothing to share the rest with")
    scale = (1 - p) / rest if rest > 0 else 0.0
    for t, v in list(container.items()):
        if t != key:
            container[t] = _with_p(v, others[t] * scale)
    container[key] = _with_p(container[key], p)
    return data


def _p(v: Any) -> float:
    if isinstance(v, dict):
        return _probability(v.get("p"), "p")
    return _probability(v, "p")


def _with_p(v: Any, p: float) -> Any:
    return {**v, "p": p} if isinstance(v, dict) else p


def _probability(value: Any, path: str) -> float:
    if isinstance(value, str) and value.strip().endswith("%"):
        value = float(value.strip()[:-1]) / 100
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise PathError(f"{path!r}: a probability is a number from 0 to 1 (or a percentage), not {value!r}")
    return float(value)
