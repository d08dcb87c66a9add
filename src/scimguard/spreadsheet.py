"""CSV that people open in a spreadsheet: cells that cannot run, and the BOM Excel needs.

A spreadsheet reads a cell starting with `=`, `+`, `-`, `@`, TAB or CR as a formula (or strips
the character): OWASP's "CSV Injection" advice is to prefix such a cell with a single quote.
Used by every CSV written for people (`check --format csv`, the console's download, `fix`'s
change log); the JSON outputs keep the raw values.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EXCEL_BOM = "\ufeff"  # Excel reads a CSV as UTF-8 only when it starts with a byte order mark


def spreadsheet_safe(cell: str) -> str:
    """`=HYPERLINK("http://evil")` -> `'=HYPERLINK("http://evil")`; other cells as they are."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell
