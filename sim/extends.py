"""What-if files: `extends: baseline.yaml` plus only what changes.

Merge rules, applied to the base file's data:
- mappings merge key by key, recursively; a key set to null removes it from the base;
- `stages` merge by `id` and `sources` by `name`: an entry with a known id patches that entry
  (recursively), `{id: x, remove: true}` drops it, a new id is appended;
- any other list (people, activities, holidays, ...) replaces the base's list whole.
The base is itself loaded and checked first (its errors name the base file); a path in `extends` is
read relative to the folder of the file that names it, as every path in a scenario is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.errors import Problem, ScenarioError

__all__ = ["MAX_DEPTH", "merge", "resolve_extends"]

MAX_DEPTH = 8
_KEYED = {"stages": "id", "sources": "name"}


def merge(base: Any, patch: Any, key: str | None = None) -> Any:
    """The base data with the patch applied (neither argument is changed)."""
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for k, v in patch.items():
            if v is None:
                out.pop(k, None)
            elif k in out:
                out[k] = merge(out[k], v, k)
            else:
                out[k] = v
        return out
    if key in _KEYED and isinstance(base, list) and isinstance(patch, list):
        return _merge_keyed(base, patch, _KEYED[key])
    return patch


def _merge_keyed(base: list[Any], patch: list[Any], field: str) -> list[Any]:
    out = list(base)
    index = {e.get(field): i for i, e in enumerate(out) if isinstance(e, dict)}
    removed: set[int] = set()
    for entry in patch:
        ident = entry.get(field) if isinstance(entry, dict) else None
        if ident in index:
            i = index[ident]
            if entry.get("remove") is True:
                removed.add(i)
            else:
                out[i] = merge(out[i], {k: v for k, v in entry.items() if k != "remove"})
        else:
            out.append(entry)
    return [e for i, e in enumerate(out) if i not in removed]


def resolve_extends(data: Any, path: Path | None, source: str, depth: int = 0) -> Any:
    """Apply `extends` (if any) and return plain scenario data."""
    if not isinstance(data, dict) or "extends" not in data:
        return data
    from sim.scenario import read_data  # the YAML reader lives in sim.scenario

    ref = data["extends"]
    if not isinstance(ref, str) or not ref.strip():
        raise ScenarioError(source, [Problem(("extends",), "must be the path of a scenario file", ref, True)])
    if depth >= MAX_DEPTH:
        raise ScenarioError(source, [Problem(("extends",), f"more than {MAX_DEPTH} levels of extends "
                                             "(a file extends itself?)", ref, True)])
    base_path = (path.parent if path is not None else Path.cwd()) / ref
    if not base_path.is_file():
        raise ScenarioError(source, [Problem(("extends",), f"no such file: {base_path}", ref, True)])
    base_data = resolve_extends(read_data(base_path), base_path, str(base_path), depth + 1)
    from sim.scenario import scenario_from_data

    scenario_from_data(base_data, str(base_path))  # the base must be a valid scenario in its own right
    patch = {k: v for k, v in data.items() if k != "extends"}
    return merge(base_data, patch)
