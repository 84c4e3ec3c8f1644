"""The JSON Schema of the scenario format, for editors: whole scenarios and what-if files alike.

A what-if file (`extends: base.yaml` plus only what changes) has none of the required fields and may
set a key to null (remove it) or mark a stage or source `remove: true`; with the plain model schema an
editor marks every what-if file invalid. So the schema says: a file with `extends` is a patch (every
field optional, null allowed, `remove` allowed on stages and sources), any other file a scenario.
"""

from __future__ import annotations

import copy
from typing import Any

from sim.schema import Scenario

__all__ = ["scenario_json_schema"]

_KEYED = ("Stage", "Source", "Segment")


def scenario_json_schema() -> dict[str, Any]:
    """The schema `salesmap schema` prints: a Scenario, or a what-if patch when `extends` is present."""
    full = Scenario.model_json_schema()
    defs: dict[str, Any] = full.pop("$defs", {})
    title = full.get("title", "Scenario")
    patch_defs = {f"{name}Patch": _patch(schema) for name, schema in defs.items()}
    for name in _KEYED:
        if f"{name}Patch" in patch_defs:
            patch_defs[f"{name}Patch"].setdefault("properties", {})["remove"] = {
                "type": "boolean", "description": "drop this entry of the base scenario"}
    scenario_patch = _patch(full)
    scenario_patch["properties"]["extends"] = {
        "type": "string", "description": "the base scenario this what-if changes (a .yaml file in this folder "
        "or below it)"}
    scenario_patch["required"] = ["extends"]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"{title} or what-if file",
        "$defs": {**defs, **patch_defs, title: full, f"{title}Patch": scenario_patch},
        "if": {"type": "object", "required": ["extends"]},
        "then": {"$ref": f"#/$defs/{title}Patch"},
        "else": {"$ref": f"#/$defs/{title}"},
    }


def _patch(schema: dict[str, Any]) -> dict[str, Any]:
    """A copy of `schema` where nothing is required, every property may be null and references point
    at the patch forms of their definitions."""
    out = copy.deepcopy(schema)
    _relax(out)
    return out


def _relax(node: Any) -> None:
    if isinstance(node, dict):
        node.pop("required", None)
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            node["$ref"] = ref + "Patch"
        mapping = node.get("mapping")
        if isinstance(mapping, dict):
            node["mapping"] = {k: v + "Patch" for k, v in mapping.items()}
        props = node.get("properties")
        if isinstance(props, dict):
            for key, prop in list(props.items()):
                _relax(prop)
                props[key] = {"anyOf": [prop, {"type": "null"}]}
        extra = node.get("additionalProperties")
        if isinstance(extra, dict):  # a mapping such as outcomes: a key set to null removes it
            _relax(extra)
            node["additionalProperties"] = {"anyOf": [extra, {"type": "null"}]}
        for key, value in node.items():
            if key not in ("properties", "additionalProperties"):
                _relax(value)
    elif isinstance(node, list):
        for item in node:
            _relax(item)
