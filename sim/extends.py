"""What-if files: `extends: baseline.yaml` plus only what changes.

Merge rules, applied to the base file's data:
- mappings merge key by key, recursively; a key set to null removes it from the base;
- `stages` merge by `id` and `sources` by `name`: an entry with a known id patches that entry
  (recursively), `{id: x, remove: true}` drops it, a new id is appended;
- `changes` (dated changes) are added after the base's: a what-if adds events to its baseline;
- any other list (people, activities, holidays, ...) replaces the base's list whole.
The base is itself loaded and checked first (its errors name the base file); a path in `extends` is
read relative to the folder of the file that names it, as every path in a scenario is, and must stay
inside the first file's folder tree (or a folder in $SALESMAP_EXTENDS_ROOTS): a scenario from
someone else cannot make salesmap read, and print, any file of the machine.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sim.errors import Problem, SalesSimError, ScenarioError

__all__ = ["MAX_DEPTH", "ROOTS_ENV", "extends_roots", "merge", "resolve_extends"]

MAX_DEPTH = 32
ROOTS_ENV = "SALESMAP_EXTENDS_ROOTS"
_KEYED = {"stages": "id", "sources": "name", "segments": "name"}


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
    if key == "changes" and isinstance(base, list) and isinstance(patch, list):
        return [*base, *patch]
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


def extends_roots(path: Path | None) -> tuple[Path, ...]:
    """The folders a scenario may extend files from: its own folder tree, and any folder listed in
    $SALESMAP_EXTENDS_ROOTS (separated like PATH) to share bases across projects."""
    own = (path.parent if path is not None else Path.cwd()).resolve()
    extra = []
    for entry in os.environ.get(ROOTS_ENV, "").split(os.pathsep):
        if not entry.strip():
            continue
        try:
            extra.append(Path(entry).expanduser().resolve())
        except (OSError, ValueError, RuntimeError):
            raise SalesSimError(f"${ROOTS_ENV}: {entry[:60]!r} is not a usable folder") from None
    return (own, *extra)


Reader = Callable[[Path], Any]
"""Reads a YAML file's plain data (sim.scenario passes its reader: YAML is read in one place only)."""
Checker = Callable[[Any, str], object]
"""Checks plain data as a whole scenario, raising ScenarioError (sim.scenario.scenario_from_data)."""


def resolve_extends(data: Any, path: Path | None, source: str, read: Reader, check: Checker, depth: int = 0,
                    roots: tuple[Path, ...] | None = None, chain: tuple[Path, ...] = ()) -> Any:
    """Apply `extends` (if any) and return plain scenario data.

    A base must be a .yaml/.yml file inside `roots` (default: the first file's folder tree and
    $SALESMAP_EXTENDS_ROOTS), symbolic links resolved first: a scenario cannot read an arbitrary file.
    """
    if not isinstance(data, dict) or "extends" not in data:
        return data
    roots = extends_roots(path) if roots is None else roots
    ref = data["extends"]
    base_path = _base_path(ref, path, source, roots)
    here = (path.resolve(),) if path is not None else ()
    if base_path in chain + here:
        raise ScenarioError(source, [Problem(("extends",), "extends a file that extends it back (a loop)", ref,
                                             True)])
    if depth >= MAX_DEPTH:
        raise ScenarioError(source, [Problem(("extends",), f"more than {MAX_DEPTH} levels of extends", ref, True)])
    base_data = resolve_extends(read(base_path), base_path, str(base_path), read, check, depth + 1, roots,
                                chain + here)
    check(base_data, str(base_path))  # the base must be a valid scenario in its own right
    patch = {k: v for k, v in data.items() if k != "extends"}
    return merge(base_data, patch)


def _base_path(ref: Any, path: Path | None, source: str, roots: tuple[Path, ...]) -> Path:
    """The resolved file `extends: ref` names, or a ScenarioError that never echoes a file's content."""
    def bad(message: str) -> ScenarioError:
        return ScenarioError(source, [Problem(("extends",), message, ref, isinstance(ref, str))])

    if not isinstance(ref, str) or not ref.strip():
        return_type = type(ref).__name__
        raise ScenarioError(source, [Problem(("extends",), f"must be the path of a scenario file (got a "
                                             f"{return_type})")])
    if len(ref) > 1024 or "\0" in ref:
        raise bad("not a usable path (too long, or a NUL character)")
    if Path(ref).suffix.lower() not in (".yaml", ".yml"):
        raise bad("a scenario extends another scenario file: a .yaml or .yml file")
    try:
        target = ((path.parent if path is not None else Path.cwd()) / ref).resolve()
    except (OSError, RuntimeError) as e:  # a symlink loop, a name too long
        raise bad(f"cannot resolve the path ({e.__class__.__name__})") from None
    if not any(target.is_relative_to(r) for r in roots):
        raise bad(f"outside the scenario's folder ({roots[0]}); a base must live in that folder or below it "
                  f"(or in a folder listed in ${ROOTS_ENV})")
    try:
        if target.is_dir():
            raise bad("is a folder, not a scenario file")
        if not target.is_file():
            raise bad(f"no such file: {target}")
    except OSError as e:
        raise bad(f"cannot read ({e.strerror})") from None
    return target
