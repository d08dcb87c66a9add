"""A SCIM resource with one attribute set to a suggested value, or left out.

The fixer tries each suggestion on such a copy (fixer.py), and the console applies the value an
admin chose the same way (console/fix_file.py).
"""

from __future__ import annotations

import copy
from typing import Any

from scimguard.records.paths import parse_path


def apply_suggestion(resource: dict[str, Any], attribute: str, value: Any) -> dict[str, Any]:
    """A copy of `resource` with `attribute` set to `value` (None: the attribute left out).

    Only the dicts and lists on the attribute's path are copied; the rest is shared with
    `resource` (nothing here or in the profile changes a resource in place)."""
    out = dict(resource)
    segments = parse_path(attribute)
    node: Any = out
    for depth, (name, index) in enumerate(segments):
        last = depth == len(segments) - 1
        if not isinstance(node, dict):
            return out
        if index is None:
            if last:
                if value is not None:
                    node[name] = copy.deepcopy(value)
                else:
                    node.pop(name, None)
                return out
            child = node.get(name)
            if not isinstance(child, dict):
                if value is None:
                    return out
                child = {}
            node[name] = node = dict(child)
            continue
        items = node.get(name)
        if not isinstance(items, list):
            if value is None:
                return out
            items = []
        items = node[name] = list(items)
        if value is None and index >= len(items):
            return out
        while len(items) <= index:
            items.append({})
        if last:
            if value is not None:
                items[index] = copy.deepcopy(value)
            else:
                del items[index]
                if not items:
                    del node[name]
            return out
        child = items[index]
        items[index] = node = dict(child) if isinstance(child, dict) else {}
    return out
