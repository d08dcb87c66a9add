"""`scimguard fix`: apply the profile's suggested values to a copy of an export, safely.

    from scimguard.fix import run_fix
    result = run_fix("users.csv", Profile(), rules={"hidden-character"})
    result.output_bytes, result.changes, result.leftovers

The engine (engine.py) decides which suggestions are safe: review.py cuts a suggested string
down to the edits the selected findings ask for, keys.py holds the keys no two records may
share and the identifiers fix leaves alone by default. locate.py finds each record the readers
produced in the input's bytes; editors.py edits it and writes it back in the input's own
format; undo.py writes the change log and the undo file and restores a fixed file; diff.py
prints the dry run's unified diff with the hidden characters of changed lines spelled out.

Safe by default: errors only (`warnings=True` for warnings), no identifier changed
(`identifiers=True`), no character the profile accepts removed, NFC never applied where it
changes a glyph. Input fix cannot follow raises FixInputError (naming file and line).
"""

from __future__ import annotations

from scimguard.errors import FixInputError, UndoError
from scimguard.fix.editors import Unwritable
from scimguard.fix.engine import (
    Change,
    Fixer,
    FixResult,
    Leftover,
    Proposal,
    apply_suggestion,
    run_fix,
)
from scimguard.fix.undo import change_log, undo, undo_document

__all__ = [
    "Change",
    "FixInputError",
    "FixResult",
    "Fixer",
    "Leftover",
    "Proposal",
    "UndoError",
    "Unwritable",
    "apply_suggestion",
    "change_log",
    "run_fix",
    "undo",
    "undo_document",
]
