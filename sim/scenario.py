"""Read a scenario file: the one place YAML is parsed.

YAML is read with the safe loader (no tag ever builds an object or runs code); duplicate keys are an
error rather than silently keeping the last one. Every problem is reported with the file, the line,
the field path, the bad value and what is allowed, all at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from sim.changes import fold
from sim.checks import check_scenario
from sim.errors import Problem, ScenarioError
from sim.extends import resolve_extends
from sim.schema import Scenario
from sim.textfile import read_text

__all__ = ["dump_data", "load_scenario", "load_scenario_with_data", "parse_scenario", "read_data", "resolved_data",
           "scenario_from_data"]

Lines = dict[tuple[Any, ...], int]


def load_scenario(path: str | Path) -> Scenario:
    """Load and fully check a scenario file. Raise ScenarioError describing every problem."""
    return load_scenario_with_data(path)[0]


def load_scenario_with_data(path: str | Path) -> tuple[Scenario, Any]:
    """The checked scenario and its plain data (extends applied) from one read of the file: what is
    saved beside the results is exactly what was simulated, even if the file changes meanwhile."""
    p = Path(path)
    source = str(path)
    data, lines = _read_file(p, source)
    data = resolve_extends(data, p, source, read_data, scenario_from_data)
    if isinstance(data, dict) and isinstance(data.get("pipeline"), str):
        return _with_pipeline_file(data, p, source, lines)
    return scenario_from_data(data, source, lines), data


def _deal_data(deal: BaseModel) -> dict[str, Any]:
    """A deal as a scenario file writes it (an age with its unit)."""
    out: dict[str, Any] = deal.model_dump(mode="json", exclude_none=True)
    if "age" in out:
        out["age"] = f"{out['age']:g}h"
    return out


def _with_pipeline_file(data: dict[str, Any], path: Path | None, source: str, lines: Lines) -> tuple[Scenario, Any]:
    """Read `pipeline: open_deals.csv` into deals: the data saved beside the results then holds the deals
    themselves, so the copy runs on its own."""
    from sim.pipeline import pipeline_path, read_pipeline

    csv_path = pipeline_path(data["pipeline"], path, source)
    scenario = scenario_from_data({**data, "pipeline": []}, source, lines)
    deals = read_pipeline(csv_path, scenario)
    data = {**data, "pipeline": [_deal_data(d) for d in deals]}
    return scenario.model_copy(update={"pipeline": list(deals)}), data


def resolved_data(path: str | Path) -> Any:
    """The plain data of a scenario file with `extends` applied: what `dump_data` writes back, so a
    copy saved with results runs on its own."""
    p = Path(path)
    return resolve_extends(_read_file(p, str(path))[0], p, str(path), read_data, scenario_from_data)


def dump_data(data: Any) -> str:
    """Scenario data as YAML text (safe dumper, keys in their original order)."""
    return str(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110))


def read_data(path: Path) -> Any:
    """The plain data of a YAML file (no checks beyond YAML itself)."""
    return _read_file(path, str(path))[0]


def _read_file(p: Path, source: str) -> tuple[Any, Lines]:
    if len(str(p)) > 4096:
        raise ScenarioError(source[:80] + "...", [Problem((), "not a usable path (longer than 4,096 characters)")])
    try:
        if not p.exists():
            raise ScenarioError(source, [Problem((), "file not found")])
        if not p.is_file():
            raise ScenarioError(source, [Problem((), "not a file (a scenario is a .yaml file)")])
    except OSError as e:
        raise ScenarioError(source, [Problem((), f"cannot read: {e.strerror}")]) from None
    return _read_yaml(read_text(p, source, MAX_BYTES, "; a scenario is far smaller"), source)


def parse_scenario(text: str, source: str = "<scenario>") -> Scenario:
    """Parse and check scenario text; `source` names it in messages (`extends` is read from the cwd)."""
    data, lines = _read_yaml(text, source)
    data = resolve_extends(data, None, source, read_data, scenario_from_data)
    if isinstance(data, dict) and isinstance(data.get("pipeline"), str):
        return _with_pipeline_file(data, None, source, lines)[0]
    return scenario_from_data(data, source, lines)


def scenario_from_data(data: Any, source: str = "<scenario>", lines: Lines | None = None) -> Scenario:
    """Check already-parsed data (e.g. a what-if built in code) as if it came from a file."""
    lines = lines or {}
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        raise ScenarioError(source, [Problem((), f"the file is {kind}; a scenario is a mapping of keys "
                                             "(schema_version, name, horizon, sources, roles, stages, ...)")])
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as e:
        errors = _without_other_union_members(e.errors(), data)
        raise ScenarioError(source, [_problem_from_pydantic(err, data, lines) for err in errors]) from None
    problems = check_scenario(scenario)
    if problems:
        raise ScenarioError(source, [_with_line(p, lines) for p in problems])
    return fold(scenario)


class _StrictLoader(yaml.SafeLoader):
    """The safe loader; only plain data types can come out of it."""


MAX_BYTES = 5_000_000
MAX_NODES = 200_000
MAX_DEPTH = 64
"""Bounds on a scenario file: 5 MB of text, 200,000 values once aliases are expanded, 64 levels of nesting.
A 506-byte file of nested aliases otherwise expands to billions of values."""


class _TooLargeError(Exception):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


def _read_yaml(text: str, source: str) -> tuple[Any, Lines]:
    if len(text) > MAX_BYTES:
        raise ScenarioError(source, [Problem((), f"the file is {len(text):,} characters long; a scenario is at "
                                             f"most {MAX_BYTES:,}")])
    loader: _StrictLoader | None = None
    try:
        loader = _StrictLoader(text)
        node = loader.get_single_node()
        if node is None:
            return None, {}
        lines: Lines = {}
        dupes: list[Problem] = []
        _walk(node, (), lines, dupes, [0])
        if dupes:
            raise ScenarioError(source, dupes)
        return loader.construct_document(node), lines
    except _TooLargeError as e:
        raise ScenarioError(source, [Problem((), str(e), line=e.line)]) from None
    except RecursionError:
        raise ScenarioError(source, [Problem((), f"nested too deeply (more than {MAX_DEPTH} levels)")]) from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark is not None else None
        what = " ".join(x for x in (e.context, e.problem) if x)
        raise ScenarioError(source, [Problem((), f"YAML syntax error: {what}", line=line)]) from None
    except yaml.YAMLError as e:  # e.g. a control character the YAML reader refuses
        raise ScenarioError(source, [Problem((), f"YAML error: {_first_line(e)}")]) from None
    finally:
        if loader is not None:
            loader.dispose()


def _first_line(e: Exception) -> str:
    text = str(e).strip().splitlines()
    return (text[0] if text else type(e).__name__)[:200]


def _walk(node: yaml.Node, path: tuple[Any, ...], lines: Lines, dupes: list[Problem], count: list[int]) -> None:
    """Record the line of every field path; collect duplicate keys; refuse files too large or too deep
    (aliases are counted every time they are used, as constructing the data would expand them)."""
    count[0] += 1
    line = node.start_mark.line + 1
    if count[0] > MAX_NODES:
        raise _TooLargeError(f"more than {MAX_NODES:,} values once aliases (*name) are expanded; a scenario is "
                        "far smaller", line)
    if len(path) > MAX_DEPTH:
        raise _TooLargeError(f"nested more than {MAX_DEPTH} levels deep", line)
    lines.setdefault(path, line)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                dupes.append(Problem(path, "a key must be a plain name, not a list or a mapping",
                                     line=key_node.start_mark.line + 1))
                continue
            key = key_node.value
            if key in seen:
                dupes.append(Problem((*path, key), "duplicate key (YAML would silently keep the last one)",
                                     line=key_node.start_mark.line + 1))
            seen.add(key)
            _walk(value_node, (*path, key), lines, dupes, count)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*path, i), lines, dupes, count)


def _data_path(loc: tuple[Any, ...], data: Any) -> tuple[Any, ...]:
    """Drop pydantic's union tags from an error location, keeping the path as written in the file."""
    out: list[Any] = []
    cur = data
    for k, part in enumerate(loc):
        last = k == len(loc) - 1
        if isinstance(cur, dict):
            if part in cur:
                out.append(part)
                cur = cur[part]
            elif isinstance(part, str) and part == cur.get("dist"):
                continue  # the distribution's tag, not a key of the file
            elif _is_tag(part):
                continue  # a tag pydantic inserted ('Calendar', 'function-after[...]', '[key]'): not the file's
            elif last:
                out.append(part)
        elif isinstance(cur, list) and isinstance(part, int) and part < len(cur):
            out.append(part)
            cur = cur[part]
        elif _is_tag(part):
            continue
        elif last or not isinstance(part, str):
            out.append(part)
    return tuple(out)


_SCALAR_ERRORS = {"literal_error", "float_type", "float_parsing", "int_type", "int_parsing", "string_type",
                  "bool_type"}
_MAPPING_ERRORS = {"model_type", "model_attributes_type", "dict_type"}


def _without_other_union_members(errors: list[Any], data: Any) -> list[Any]:
    """`calendar: {...}` that fails as a Calendar also fails as the literal 'always', and `won: 1.5`
    that fails as a probability also fails as an {p, after} outcome: only the errors of the member
    the value was written as (a mapping or a plain value) help the user."""
    paths = [_data_path(tuple(err["loc"]), data) for err in errors]
    wrong = []
    for err, path in zip(errors, paths, strict=True):
        found, value = _lookup(data, path)
        mapping = isinstance(value, (dict, list))
        wrong.append(found and ((err["type"] in _SCALAR_ERRORS and mapping) or
                                (err["type"] in _MAPPING_ERRORS and not mapping)))
    kept = []
    for err, path, w in zip(errors, paths, wrong, strict=True):
        if w and any(p[:len(path)] == path and (not w2 or len(p) > len(path))
                     for p, w2, o in zip(paths, wrong, errors, strict=True) if o is not err):
            continue  # another member explains the value: an error at its path that fits it, or inside it
        kept.append(err)
    return kept


def _is_tag(part: Any) -> bool:
    """Parts of pydantic's error locations that name a union member or validator, not a key of the file
    (the file's keys are snake_case: any key it has is found before this is asked)."""
    return isinstance(part, str) and (not part[:1].islower() or any(c in part for c in "[](), "))


def _lookup(data: Any, path: tuple[Any, ...]) -> tuple[bool, Any]:
    cur = data
    for part in path:
        in_dict = isinstance(cur, dict) and part in cur
        if in_dict or (isinstance(cur, list) and isinstance(part, int) and part < len(cur)):
            cur = cur[part]
        else:
            return False, None
    return True, cur


def _problem_from_pydantic(err: Any, data: Any, lines: Lines) -> Problem:
    path = _data_path(tuple(err["loc"]), data)
    found, value = _lookup(data, path)
    msg = str(err["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    kind = err["type"]
    if kind == "missing":
        msg = "required field is missing"
    elif kind == "extra_forbidden":
        msg = f"unknown key; allowed here: {_allowed_keys(path)}"
    elif kind == "union_tag_invalid":
        tags = err.get("ctx", {}).get("expected_tags", "")
        msg = f"unknown distribution {err['ctx'].get('tag')!r}; allowed: {tags}".replace("'", "") \
            if "ctx" in err else msg
        path, found, value = (*path, "dist"), True, err.get("ctx", {}).get("tag")
    elif kind == "union_tag_not_found":
        msg = "say which distribution with `dist:` (exponential, lognormal, gamma, triangular, uniform, " \
              "fixed, empirical)"
    elif kind == "literal_error" and path == ("schema_version",):
        msg = "unsupported schema_version; this salesmap reads schema_version: 1"
    elif kind in ("model_type", "model_attributes_type") and isinstance(value, (str, int, float)):
        msg = f"expected a mapping of keys here ({msg})"
    if isinstance(value, (dict, list)):
        found = False  # whole sections are not worth echoing back
    problem = Problem(path=path, message=msg, value=value, has_value=found and kind != "missing")
    return _with_line(problem, lines)


def _allowed_keys(path: tuple[Any, ...]) -> str:
    """The keys allowed at the parent of `path`, from the schema itself."""
    from sim import schema as s

    parent = [p for p in path[:-1] if not isinstance(p, int)]
    sections: dict[tuple[str, ...], type[BaseModel]] = {
        (): s.Scenario, ("calendar",): s.Calendar, ("sources",): s.Source, ("sources", "batches"): s.Batch,
        ("people",): s.Person, ("stages",): s.Stage, ("stages", "activities"): s.Activity,
        ("stages", "decay"): s.Decay, ("handoff",): s.Handoff, ("focus_penalty",): s.FocusPenalty,
        ("customers",): s.Customers, ("customers", "check_in"): s.CheckIn, ("customers", "churn"): s.Churn,
    }
    if len(parent) == 2 and parent[0] == "roles":
        return ", ".join(s.Role.model_fields)
    model = sections.get(tuple(parent))
    if model is None:
        return "see `salesmap schema`"
    return ", ".join(model.model_fields)


def _with_line(p: Problem, lines: Lines) -> Problem:
    path = p.path
    while path and path not in lines:
        path = path[:-1]
    if not path and p.path:
        return p  # the field is not in this file (an extended base's): no line to point at
    line = lines.get(path)
    if line is None or p.line is not None:
        return p
    return Problem(p.path, p.message, p.value, p.has_value, line)
