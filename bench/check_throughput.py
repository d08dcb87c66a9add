"""How fast is `scimguard check` next to just parsing the file, and next to scim2-models?

    .venv/bin/python bench/check_throughput.py --n 1000000

1. Generates N synthetic users as JSON lines (realistic sizes: 350-700 bytes, about 10 % with
   non-ASCII names, addresses and phone numbers on some, and --defects (default 3 %) with the
   defects of real exports).
2. (a) times reading and parsing the file with orjson only, in this process;
3. (b) times `scimguard check FILE --format json` in a subprocess (interpreter start included),
   and reads its peak memory (max RSS of the child, from getrusage(RUSAGE_CHILDREN));
4. (c) times validating a sample of the same records with scim2-models' `User[EnterpriseUser]`
   (parse + model_validate), scaled to N.

Prints the ratio b/a (target <= 3), the peak memory (target < 500 MB at N = 1,000,000) and the
speed-up of (b) over (c) (target >= 20).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
SCHEMAS = ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE]
FIRST = [
    "Jane",
    "John",
    "Maria",
    "Ahmed",
    "Wei",
    "Olga",
    "Liam",
    "Emma",
    "Noah",
    "Ava",
    "Kwame",
    "Priya",
    "Hiroshi",
    "Fatima",
    "Lucas",
    "Sofia",
    "José",
    "Zoë",
    "Björn",
    "伟",
]
LAST = [
    "Doe",
    "Smith",
    "Garcia",
    "Khan",
    "Chen",
    "Ivanova",
    "Brown",
    "Wilson",
    "Okafor",
    "Patel",
    "Tanaka",
    "Haddad",
    "Silva",
    "Rossi",
    "Müller",
    "O'Brien",
    "Nguyen",
    "张",
    "Kim",
    "Cohen",
]
TITLES = [
    "Software Engineer",
    "Senior Software Engineer",
    "Account Executive",
    "Designer",
    "Financial Analyst",
    "Support Specialist",
    "Product Manager",
    "Site Reliability Engineer",
]
DEPARTMENTS = ["Engineering", "Sales", "Design", "Finance", "Customer Support", "Product"]
ADDRESS = {"streetAddress": "350 Fifth Avenue, Floor 21", "locality": "New York", "region": "NY",
           "postalCode": "10118", "country": "US", "type": "work"}  # fmt: skip


def synthetic_user(rng: random.Random, n: int) -> dict:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    login = f"user{n}.{rng.randrange(10**6)}@example.com"
    user: dict = {
        "schemas": SCHEMAS,
        "externalId": f"00u{n:014d}",
        "userName": login,
        "name": {"givenName": first, "familyName": last},
        "displayName": f"{first} {last}",
        "emails": [{"value": login, "type": "work", "primary": True}],
        "title": rng.choice(TITLES),
        "active": True,
        ENTERPRISE: {
            "department": rng.choice(DEPARTMENTS),
            "employeeNumber": str(100000 + n),
            "costCenter": f"CC-{rng.randrange(1000):04d}",
        },
    }
    if rng.random() < 0.5:
        user["phoneNumbers"] = [{"value": f"+1 212 555 {rng.randrange(10000):04d}", "type": "work"}]
    if rng.random() < 0.4:
        user["addresses"] = [dict(ADDRESS)]
    return user


def add_defect(rng: random.Random, user: dict, previous: str) -> None:
    kind = rng.randrange(8)
    if kind == 0:
        user["name"]["givenName"] += "\u200b"
    elif kind == 1:
        user["title"] = "Sales: EMEA"
    elif kind == 2:
        del user["name"]["familyName"]
    elif kind == 3:
        user["nickName"] = ""
    elif kind == 4:
        user["userName"] = previous.upper()  # a duplicate, differing in case
    elif kind == 5:
        user["emails"].append({"value": "alias." + user["userName"], "type": "home"})
    elif kind == 6:
        user["addresses"] = [{"locality": "Berlin", "country": "DE"}]
    else:
        user["displayName"] = user["displayName"].replace(" ", "\u00a0")


def generate(path: Path, n: int, defects: float, seed: int = 42) -> None:
    rng = random.Random(seed)
    previous = "user0@example.com"
    with open(path, "wb", buffering=1 << 20) as out:
        batch = []
        for i in range(1, n + 1):
            user = synthetic_user(rng, i)
            if rng.random() < defects:
                add_defect(rng, user, previous)
            previous = user["userName"]
            batch.append(orjson.dumps(user))
            if len(batch) == 10000:
                out.write(b"\n".join(batch) + b"\n")
                batch = []
        if batch:
            out.write(b"\n".join(batch) + b"\n")


def parse_only(path: Path) -> tuple[float, int]:
    start = time.perf_counter()
    count = 0
    loads = orjson.loads
    with open(path, "rb", buffering=1 << 20) as handle:
        for line in handle:
            loads(line)
            count += 1
    return time.perf_counter() - start, count


def check_subprocess(path: Path, out: Path) -> tuple[float, int, int]:
    """(seconds, exit code, max RSS in bytes) of `scimguard check --format json`."""
    command = [
        sys.executable, "-c", "from scimguard.cli import main; main()",
        "check", str(path), "--format", "json",
    ]  # fmt: skip
    start = time.perf_counter()
    with open(out, "wb") as handle:
        proc = subprocess.run(command, stdout=handle, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"check failed ({proc.returncode}): {proc.stderr.decode()[-2000:]}")
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # KiB on Linux
    return elapsed, proc.returncode, rss


def scim2_sample(path: Path, sample: int) -> tuple[float, int, int]:
    """(seconds, records, refused) for parse + User[EnterpriseUser].model_validate."""
    from pydantic import ValidationError
    from scim2_models import EnterpriseUser, User

    model = User[EnterpriseUser]
    loads = orjson.loads
    refused = count = 0
    start = time.perf_counter()
    with open(path, "rb") as handle:
        for line in handle:
            try:
                model.model_validate(loads(line))
            except ValidationError:
                refused += 1
            count += 1
            if count >= sample:
                break
    return time.perf_counter() - start, count, refused


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--defects", type=float, default=0.03)
    parser.add_argument("--scim2-sample", type=int, default=50_000)
    parser.add_argument("--dir", type=Path, help="keep the files here (default: a temp dir)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        work = args.dir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        data, report = work / "users.jsonl", work / "report.json"
        t0 = time.perf_counter()
        generate(data, args.n, args.defects)
        size = os.path.getsize(data)
        print(f"generated {args.n:,} users, {size / 1e6:,.1f} MB "
              f"({size / args.n:,.0f} bytes/user) in {time.perf_counter() - t0:.1f} s")  # fmt: skip
        parse_only(data)  # warm the page cache, so (a) and (b) both read from memory
        a, count = parse_only(data)
        b, code, rss = check_subprocess(data, report)
        doc = orjson.loads(report.read_bytes())
        summary = doc["summary"]
        assert summary["records"] == count == args.n, (summary, count)
        sample = min(args.scim2_sample, args.n)
        c_sample, c_count, c_refused = scim2_sample(data, sample)
        c = c_sample * args.n / c_count

    print(f"(a) orjson read+parse only      {a:8.2f} s  ({args.n / a:,.0f} records/s)")
    print(f"(b) scimguard check --format json {b:6.2f} s  ({args.n / b:,.0f} records/s), "
          f"exit {code}, {summary['records_with_errors']:,} records with errors, "
          f"{len(doc['findings']):,} findings")  # fmt: skip
    print(f"(c) scim2-models User validation {c:7.2f} s  (measured on {c_count:,} records, "
          f"scaled; it refused {c_refused:,})")  # fmt: skip
    print(f"ratio b/a            {b / a:6.2f}   (target <= 3)")
    print(f"peak memory of (b)   {rss / 2**20:6.0f} MB (target < 500 MB)")
    print(f"speed-up of b over c {c / b:6.1f}x  (target >= 20x)")


if __name__ == "__main__":
    main()
