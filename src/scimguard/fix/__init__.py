"""`scimguard fix`: apply the profile's suggested values to a copy of an export, safely.

    from scimguard.fix import run_fix
    result = run_fix("users.csv", Profile(), rules={"hidden-character"})
    result.output_bytes, result.changes, result.leftovers

Modules, one job each:
    run          `run_fix`: one input file read, located, fixed record by record, spliced
                 into a copy, and its leftovers found
    fixer        `Fixer`: one record's loop (select, review, try, re-check, keep or refuse),
                 `Proposal` and the `decide` hook a person answers through
    results      what a run hands back: `Change`, `Leftover`, `FixResult`, `shown`
    suggestion   `apply_suggestion`: a resource with one attribute set or left out
    review       cuts a suggested string down to the edits the selected findings ask for
    keys         the keys no two records may share, and the identifiers fix leaves alone by
                 default
    locate       finds each record the readers produced in the input's bytes, with its editor
    editors      `Editor`: how a change to the SCIM resource becomes a change to the input's
                 fields (SCIM JSON directly; flat fields through the readers' mapping)
    csv_editor   a CSV row edited and written back in the file's own dialect
    okta_editor  an Okta export object edited through its profile attributes
    json_style   JSON written in the style of the text it replaces
    undo         writes the change log and the undo file, and restores a fixed file
    diff         the dry run's unified diff, hidden characters of changed lines spelled out

Safe by default: errors only (`warnings=True` for warnings), no identifier changed
(`identifiers=True`), no character the profile accepts removed, NFC never applied where it
changes a glyph. Input fix cannot follow raises FixInputError (naming file and line).
"""

from __future__ import annotations

from scimguard.errors import FixInputError, UndoError
from scimguard.fix.editors import Unwritable
from scimguard.fix.fixer import Fixer, Proposal
from scimguard.fix.results import Change, FixResult, Leftover
from scimguard.fix.run import run_fix
from scimguard.fix.suggestion import apply_suggestion
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
