"""Types of the compiled comparison (_exact.c): mypy cannot read a C extension."""

from typing import Any

def same_attributes(a: dict[str, Any], b: dict[str, Any], names: frozenset[str], /) -> bool: ...
