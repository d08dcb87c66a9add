"""How long `fix` takes compared with `check` on the same export (a ratio, same run, same file).

The input is examples/okta-users.csv (about one row in six has a defect) repeated until it has
--rows rows, with each copy's logins and emails made unique so that the copies are not all
duplicates of each other. `check` is the baseline: fix reads the same records, checks them,
tries each suggestion, checks the output again and rewrites the changed rows.

    .venv/bin/python bench/bench_fix.py --rows 50000
"""

from __future__ import annotations

import argparse
import csv
import io
import tempfile
import time
from pathlib import Path

from scimguard.check import run_check
from scimguard.fix import run_fix
from scimguard.profile import Profile
from scimguard.records import read_records

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "okta-users.csv"


class _NullReport:
    def start(self) -> None: ...
    def finding(self, ref, finding) -> None: ...  # type: ignore[no-untyped-def]
    def finish(self, summary, problems) -> None: ...  # type: ignore[no-untyped-def]


def build(rows: int) -> bytes:
    text = EXAMPLE.read_text(encoding="utf-8")
    table = list(csv.reader(io.StringIO(text, newline="")))
    header, body = table[0], table[1:]
    unique = [i for i, name in enumerate(header) if name in ("login", "email")]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    copy = 0
    written = 0
    while written < rows:
        for row in body:
            if written == rows:
                break
            row = list(row)
            for i in unique:
                if copy and "@" in row[i]:
                    local, _, domain = row[i].partition("@")
                    row[i] = f"{local}.c{copy}@{domain}"
            writer.writerow(row)
            written += 1
        copy += 1
    return out.getvalue().encode()


def best(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "users.csv"
        path.write_bytes(build(args.rows))
        profile = Profile()
        check = best(
            lambda: run_check(read_records([str(path)]), profile, _NullReport()), args.repeat
        )
        result = None

        def fix() -> None:
            nonlocal result
            result = run_fix(str(path), profile)

        fixed = best(fix, args.repeat)
    assert result is not None
    fields = sum(len(c.edits) for c in result.changes)
    print(f"rows: {args.rows}  fields changed: {fields}  leftovers: {len(result.leftovers)}")
    print(f"check: {check:.3f} s   fix: {fixed:.3f} s   fix/check: {fixed / check:.2f}x")
    print(f"fix rows/s: {args.rows / fixed:,.0f}")


if __name__ == "__main__":
    main()
