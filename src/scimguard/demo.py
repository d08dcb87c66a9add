"""`python -m scimguard.demo` (`make demo`): scimguard on the example directory, step by step.

Each step is a function in `STEPS`; later steps (serve, sync, the console) are appended to the
list. A step prints what it does and returns normally, or raises `SystemExit` to stop the demo.
"""

from __future__ import annotations

import collections
import io
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import orjson
from rich.console import Console
from rich.rule import Rule
from rich.table import Table

from scimguard.check import JsonReport, run_check
from scimguard.check_text import TextReport
from scimguard.profile import Profile
from scimguard.records import read_records

if TYPE_CHECKING:  # rich is imported by main(), which makes the console
    from rich.console import Console

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


@dataclass(frozen=True)
class Step:
    title: str
    run: Callable[[Console], None]


def _examples() -> Path:
    """The example directory, relative to the working directory when inside it (shorter)."""
    if not EXAMPLES.is_dir():
        raise SystemExit(f"the example directory {EXAMPLES} is missing (run from a clone)")
    try:
        return EXAMPLES.relative_to(Path.cwd())
    except ValueError:
        return EXAMPLES


def check_examples(console: Console) -> None:
    """The full text report, as `scimguard check examples/` prints it."""
    stream = read_records([str(_examples())])
    run_check(stream, Profile(), TextReport(console))


def rule_tally(console: Console) -> None:
    """Which rules fired, from the JSON report (what a CI job would script against)."""
    buffer = io.BytesIO()
    run_check(read_records([str(_examples())]), Profile(), JsonReport(buffer))
    doc = orjson.loads(buffer.getvalue())
    counts = collections.Counter((f["severity"], f["rule"]) for f in doc["findings"])
    table = Table(title="findings by rule", header_style="bold")
    table.add_column("rule")
    table.add_column("severity")
    table.add_column("count", justify="right")
    for (severity, rule), count in sorted(counts.items(), key=lambda kv: (kv[0][0], -kv[1])):
        table.add_row(rule, severity, str(count))
    console.print(table)
    console.print(
        "Try: [bold]scimguard check examples/ --format json[/], "
        "[bold]scimguard rules hidden-character[/], "
        "[bold]scimguard inspect 'Jane\u200b'[/]"
    )


STEPS: list[Step] = [
    Step("1. Check the example directory (examples/): what would AWS refuse?", check_examples),
    Step("2. The same findings as data (--format json), counted by rule", rule_tally),
]


def _console_step(console: Console) -> None:
    """`--no-serve` prepares everything but does not start the console (for tests)."""
    # why: steps 1 and 2 never load the console, the emulator and their web stack
    from scimguard.console.demo import console_step

    console_step(console, serve="--no-serve" not in sys.argv[1:])


STEPS.append(Step("3. Sync the examples into an emulator, then the console", _console_step))


def main(steps: list[Step] | None = None) -> None:
    console = Console(highlight=False)
    for step in steps or STEPS:
        console.print()
        console.print(Rule(step.title, style="bold blue"))
        step.run(console)


if __name__ == "__main__":
    main()
