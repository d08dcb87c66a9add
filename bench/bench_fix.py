"""How long `scimguard fix` takes next to `scimguard check` on the same export (same run).

    .venv/bin/python bench/bench_fix.py --mb 50

Generates users as bench/check_throughput.py does (seeded: the same file every run; about
3 % with the defects of real exports), about --mb megabytes of them, as JSON lines and as one
JSON array of the same users (an element a line). For each shape it times, in subprocesses
(interpreter start included), `scimguard check FILE --format json` and `scimguard fix FILE -o
OUT` (which also writes the change log and the undo file), and prints wall and CPU seconds,
the best of --repeat runs each, alternating, and the ratio fix/check (target <= 3). The data
is written to a temporary directory and removed.
"""

from __future__ import annotations

import argparse
import compileall
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import scimguard
from check_throughput import as_json_array, generate

BYTES_PER_USER = 623  # what generate() writes on average (bench/RESULTS.md)

_MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE).returncode
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "code": code,
                  "rss": usage.ru_maxrss * 1024}))
"""


def measure(*args: str) -> dict:
    """Wall and CPU seconds, exit code and peak RSS of one `scimguard` command."""
    command = [sys.executable, "-c", "from scimguard.cli import main; main()", *args]
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURE, *command], capture_output=True, check=False
    )
    result = json.loads(proc.stdout)
    if result["code"] not in (0, 1):
        raise SystemExit(f"{' '.join(args)} failed ({result['code']}): {proc.stderr[-2000:]!r}")
    return result


def best(runs: list[dict], key: str) -> float:
    return min(run[key] for run in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, default=50.0, help="size of each input (MB)")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    users = int(args.mb * 1e6 / BYTES_PER_USER)
    compileall.compile_dir(Path(scimguard.__file__).parent, quiet=1)  # as pip install does
    with tempfile.TemporaryDirectory() as tmp:
        lines, array = Path(tmp) / "users.jsonl", Path(tmp) / "users.json"
        generate(lines, users, 0.03)
        as_json_array(lines, array)
        print(f"{users:,} users: {lines.stat().st_size / 1e6:.1f} MB as JSON lines, "
              f"{array.stat().st_size / 1e6:.1f} MB as a JSON array")  # fmt: skip
        worst = 0.0
        for path in (array, lines):
            check: list[dict] = []
            fix: list[dict] = []
            out = Path(tmp) / f"fixed{path.suffix}"
            for _ in range(args.repeat):
                check.append(measure("check", str(path), "--format", "json", "--workers", "1"))
                fix.append(measure("fix", str(path), "-o", str(out)))
            with open(f"{out}.changes.csv", encoding="utf-8") as log:
                changed = sum(1 for _ in log) - 1
            ratio = best(fix, "wall") / best(check, "wall")
            worst = max(worst, ratio)
            print(
                f"{path.name:12} check wall {best(check, 'wall'):6.2f} s cpu "
                f"{best(check, 'cpu'):6.2f} s | fix wall {best(fix, 'wall'):6.2f} s cpu "
                f"{best(fix, 'cpu'):6.2f} s peak {best(fix, 'rss') / 1e6:.0f} MB "
                f"({changed:,} log rows) | fix/check wall {ratio:.2f}, cpu "
                f"{best(fix, 'cpu') / best(check, 'cpu'):.2f}"
            )
    print(f"worst fix/check {worst:.2f} (target <= 3): {'OK' if worst <= 3 else 'MISSED'}")


if __name__ == "__main__":
    main()
