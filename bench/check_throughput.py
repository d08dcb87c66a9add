"""How fast is `scimguard check` next to just parsing the file, and next to scim2-models?

    .venv/bin/python bench/check_throughput.py --n 1000000

1. Generates N synthetic users as JSON lines (realistic sizes: 350-700 bytes, about 10 % with
   non-ASCII names, addresses and phone numbers on some, and --defects (default 3 %) with the
   defects of real exports).
2. (a) times reading and parsing the file with orjson only, in this process;
3. (b) times `scimguard check FILE --format json` in a subprocess (interpreter start included),
   twice in one process (`--workers 1`) and once with a worker per core (`--workers 0`), and
   reads wall time, CPU time of all its processes and peak memory (max RSS of the largest
   process, getrusage(RUSAGE_CHILDREN) in a wrapper process of its own);
4. (c) times validating a sample of the same records with scim2-models' `User[EnterpriseUser]`
   (parse + model_validate), scaled to N;
5. (d) times the one-process check of the same users written as one JSON array (an element a
   line), the other shape of SCIM input, and checks that it reports the same summary;
6. (e) the international data set (issue 21): the same number of users with names from 20
   locales (Faker, seeded: Japanese, Arabic, Persian with ZWNJ, Hindi, Thai, Vietnamese, Greek,
   Russian, ...), about 8 % with a legitimate warning (a trailing space, U+3000 or U+00A0 between
   names, decomposed accents) and the same share of defects; (a) and (b) again on it, and the
   share of users the screen sends back to the full walk and the share it passes with warned
   values (their findings asked value by value, issue 21).

The machine may be shared: wall times then depend on the load, so CPU times are printed too
(the ratio of CPU times does not depend on how many cores were free). Its speed also drifts
over minutes, so (a) and (c) are measured on both sides of (b) and every figure is the best of
its runs: no measurement is favoured over its baseline.

Prints the ratios b/a for both data sets (target <= 3), the peak memory (target < 500 MB at
N = 1,000,000) and the speed-up of (b) over (c) (target >= 20).
"""

from __future__ import annotations

import argparse
import compileall
import os
import random
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path

import orjson

import scimguard

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
    write_users(path, n, defects, rng, lambda i: synthetic_user(rng, i))


def write_users(
    path: Path, n: int, defects: float, rng: random.Random, make_user: Callable[[int], dict]
) -> None:
    """n users as JSON lines, a share of them given one defect (both data sets write this way)."""
    previous = "user0@example.com"
    with open(path, "wb", buffering=1 << 20) as out:
        batch = []
        for i in range(1, n + 1):
            user = make_user(i)
            if rng.random() < defects:
                add_defect(rng, user, previous)
            previous = user["userName"]
            batch.append(orjson.dumps(user))
            if len(batch) == 10000:
                out.write(b"\n".join(batch) + b"\n")
                batch = []
        if batch:
            out.write(b"\n".join(batch) + b"\n")


INTERNATIONAL_LOCALES = (
    "ja_JP", "zh_CN", "ko_KR", "ar_SA", "fa_IR", "he_IL", "hi_IN", "bn_BD", "th_TH", "vi_VN",
    "el_GR", "ru_RU", "uk_UA", "tr_TR", "pl_PL", "de_DE", "fr_FR", "es_ES", "pt_BR", "ta_IN",
)  # fmt: skip
FAMILY_FIRST = {"ja_JP", "zh_CN", "ko_KR"}


def _clean(value: str) -> str:
    return " ".join(value.translate(_NOT_NAMES).split()) or "X"


def name_pools(seed: int, per_locale: int = 400) -> dict[str, list[tuple[str, str, str]]]:
    """(given, family, job) drawn with Faker once per locale; users are sampled from them."""
    from faker import Faker

    pools = {}
    for index, locale in enumerate(INTERNATIONAL_LOCALES):
        fake = Faker(locale)
        fake.seed_instance(seed + index)
        pools[locale] = [
            (_clean(fake.first_name()), _clean(fake.last_name()), _clean(fake.job()[:60]))
            for _ in range(per_locale)
        ]
    return pools


_NOT_NAMES = str.maketrans("", "", "<>;:%")  # a profile switch refuses these: not names


def international_user(rng: random.Random, n: int, pools: dict) -> dict:
    """A user of an international directory; about 8 % carry a legitimate warning."""
    locale = INTERNATIONAL_LOCALES[n % len(INTERNATIONAL_LOCALES)]
    given, family, job = rng.choice(pools[locale])
    login = f"user{n}.{rng.randrange(10**6)}@example.com"
    display = f"{family} {given}" if locale in FAMILY_FIRST else f"{given} {family}"
    user: dict = {
        "schemas": SCHEMAS,
        "externalId": f"00u{n:014d}",
        "userName": login,
        "name": {"givenName": given, "familyName": family},
        "displayName": display,
        "emails": [{"value": login, "type": "work", "primary": True}],
        "title": job,
        "active": True,
        "preferredLanguage": locale.replace("_", "-"),
        ENTERPRISE: {
            "department": rng.choice(DEPARTMENTS),
            "employeeNumber": str(100000 + n),
        },
    }
    if rng.random() < 0.4:
        user["addresses"] = [dict(ADDRESS)]
    roll = rng.random()
    if roll < 0.03:
        user["title"] += " "
    elif roll < 0.06:
        user["displayName"] = display.replace(
            " ", "\u3000" if locale in FAMILY_FIRST else "\u00a0", 1
        )
    elif roll < 0.08:
        user["name"]["familyName"] = unicodedata.normalize("NFD", family)
    return user


def generate_international(path: Path, n: int, defects: float, seed: int = 43) -> None:
    rng = random.Random(seed)
    pools = name_pools(seed)
    write_users(path, n, defects, rng, lambda i: international_user(rng, i, pools))


def screened_share(path: Path) -> tuple[float, float]:
    """The shares of users the screen of `check` sends back to the full walk (look closer) and
    passes with warned values (whose findings are asked value by value)."""
    from scimguard.profile.screen import make_block_screen

    screen = make_block_screen(pass_warned=True)
    closer = warned = lines = 0
    with open(path, "rb") as handle:
        rest = b""
        while block := handle.read(1 << 20):
            block = rest + block
            cut = block.rfind(b"\n") + 1
            found = screen(block[:cut])
            rest = block[cut:]
            closer += len(found.look_closer)
            warned += len(found.warned)
            lines += found.lines
    return closer / lines, warned / lines


def as_json_array(lines: Path, array: Path) -> None:
    """The users of the JSON-lines file as one JSON array, an element a line."""
    with (
        open(lines, "rb", buffering=1 << 20) as source,
        open(array, "wb", buffering=1 << 20) as out,
    ):
        out.write(b"[\n")
        separator = b""
        for line in source:
            out.write(separator + line.rstrip(b"\n"))
            separator = b",\n"
        out.write(b"\n]\n")


def parse_only(path: Path) -> tuple[float, float, int]:
    """(wall, CPU seconds, records) of reading and parsing every line with orjson."""
    start, cpu = time.perf_counter(), time.process_time()
    count = 0
    loads = orjson.loads
    with open(path, "rb", buffering=1 << 20) as handle:
        for line in handle:
            loads(line)
            count += 1
    return time.perf_counter() - start, time.process_time() - cpu, count


_MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
with open(sys.argv[1], "wb") as out:
    code = subprocess.run(sys.argv[2:], stdout=out, stderr=subprocess.PIPE).returncode
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
                  "rss": usage.ru_maxrss * 1024, "code": code}))
"""


def check_subprocess(path: Path, out: Path, workers: int) -> dict:
    """Wall and CPU seconds (all processes), exit code and peak RSS (largest process) of
    `scimguard check --format json`, measured by a wrapper process of its own."""
    command = [
        sys.executable, "-c", "from scimguard.cli import main; main()",
        "check", str(path), "--format", "json", "--workers", str(workers),
    ]  # fmt: skip
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(out), *command],
        capture_output=True,
        check=False,
    )
    result = orjson.loads(proc.stdout)
    if result["code"] not in (0, 1):
        raise SystemExit(f"check failed ({result['code']}): {proc.stderr.decode()[-2000:]}")
    return result


def scim2_sample(path: Path, sample: int) -> tuple[float, int, int]:
    """(CPU seconds, records, refused) for parse + User[EnterpriseUser].model_validate."""
    from pydantic import ValidationError
    from scim2_models import EnterpriseUser, User

    model = User[EnterpriseUser]
    loads = orjson.loads
    refused = count = 0
    start = time.process_time()
    with open(path, "rb") as handle:
        for line in handle:
            try:
                model.model_validate(loads(line))
            except ValidationError:
                refused += 1
            count += 1
            if count >= sample:
                break
    return time.process_time() - start, count, refused


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
        # Byte-compile the package as `pip install` does: this machine sets
        # PYTHONDONTWRITEBYTECODE, which would make every start of (b) compile it again.
        compileall.compile_dir(Path(scimguard.__file__).parent, quiet=1)
        sample = min(args.scim2_sample, args.n)
        # The machine's speed drifts over minutes (shared cores): (c) is measured before and
        # after (b), (a) before each (b), and each figure is the best (lowest) of its runs.
        c_runs = [scim2_sample(data, sample)]
        a_runs = [parse_only(data)]
        serial = check_subprocess(data, report, workers=1)
        doc = orjson.loads(report.read_bytes())
        summary = doc["summary"]
        count = a_runs[0][2]
        assert summary["records"] == count == args.n, (summary, count)
        parallel = check_subprocess(data, work / "report-parallel.json", workers=0)
        same = (work / "report-parallel.json").read_bytes() == report.read_bytes()
        a_runs.append(parse_only(data))
        serial_again = check_subprocess(data, work / "report-again.json", workers=1)
        c_runs.append(scim2_sample(data, sample))
        array = work / "users.json"
        as_json_array(data, array)
        with open(array, "rb") as handle:  # into the page cache, as (a) and (b) read theirs
            while handle.read(1 << 24):
                pass
        array_run = check_subprocess(array, work / "report-array.json", workers=1)
        array_summary = orjson.loads((work / "report-array.json").read_bytes())["summary"]
        assert array_summary == summary, (array_summary, summary)
        c_sample, c_count, c_refused = min(c_runs)
        c = c_sample * args.n / c_count
        a_wall, a_cpu = min(r[0] for r in a_runs), min(r[1] for r in a_runs)
        serial_cpu = min(serial["cpu"], serial_again["cpu"])
        serial_wall = min(serial["wall"], serial_again["wall"])

        # (e) the international data set, (a) and (b) again, in the same run
        intl = work / "international.jsonl"
        t0 = time.perf_counter()
        generate_international(intl, args.n, args.defects)
        intl_size = os.path.getsize(intl)
        print(f"generated {args.n:,} international users, {intl_size / 1e6:,.1f} MB "
              f"in {time.perf_counter() - t0:.1f} s")  # fmt: skip
        parse_only(intl)
        ia_runs = [parse_only(intl)]
        intl_runs = [check_subprocess(intl, work / "report-intl.json", workers=1)]
        ia_runs.append(parse_only(intl))
        intl_runs.append(check_subprocess(intl, work / "report-intl.json", workers=1))
        intl_doc = orjson.loads((work / "report-intl.json").read_bytes())
        ia_wall, ia_cpu = min(r[0] for r in ia_runs), min(r[1] for r in ia_runs)
        intl_wall = min(r["wall"] for r in intl_runs)
        intl_cpu = min(r["cpu"] for r in intl_runs)
        intl_share = screened_share(intl)
        ascii_share = screened_share(data)
        intl_warned = len({f["record"] for f in intl_doc["findings"] if f["severity"] == "warning"})

    n = args.n
    print(f"(a) orjson read+parse only        wall {a_wall:7.2f} s  cpu {a_cpu:7.2f} s "
          f"({n / a_wall:,.0f} records/s; best of 2)")  # fmt: skip
    print(f"(b) check --format json, 1 process wall {serial_wall:7.2f} s  "
          f"cpu {serial_cpu:7.2f} s ({n / serial_wall:,.0f} records/s; best of 2), "
          f"peak {serial['rss'] / 2**20:,.0f} MB")  # fmt: skip
    print(f"(b) check --format json, parallel  wall {parallel['wall']:7.2f} s  "
          f"cpu {parallel['cpu']:7.2f} s ({n / parallel['wall']:,.0f} records/s), "
          f"peak {parallel['rss'] / 2**20:,.0f} MB")  # fmt: skip
    print(f"    exit {serial['code']}, {summary['records_with_errors']:,} records with errors, "
          f"{len(doc['findings']):,} findings; parallel report identical: {same}")  # fmt: skip
    print(f"(c) scim2-models User validation  {c:7.2f} s (cpu; measured on {c_count:,} records "
          f"and scaled, best of 2; it refused {c_refused:,})")  # fmt: skip
    print(f"(d) check, the same as a JSON array wall {array_run['wall']:7.2f} s  "
          f"cpu {array_run['cpu']:7.2f} s ({n / array_run['wall']:,.0f} records/s), "
          f"peak {array_run['rss'] / 2**20:,.0f} MB; same summary as (b)")  # fmt: skip
    best = min(serial_wall, parallel["wall"])
    print(f"ratio b/a, wall (best of b)  {best / a_wall:6.2f}   (target <= 3)")
    print(f"ratio b/a, cpu (1 process)   {serial_cpu / a_cpu:6.2f}")
    print(f"peak memory of (b)           {serial['rss'] / 2**20:6.0f} MB (target < 500 MB)")
    print(f"speed-up b over c (cpu)      {c / serial_cpu:6.1f}x  (target >= 20x)")
    print(f"ratio d/a, cpu (JSON array)  {array_run['cpu'] / a_cpu:6.2f}")
    print(f"(e) international: orjson wall {ia_wall:7.2f} s  cpu {ia_cpu:7.2f} s; check wall "
          f"{intl_wall:7.2f} s  cpu {intl_cpu:7.2f} s, peak "
          f"{max(r['rss'] for r in intl_runs) / 2**20:,.0f} MB; "
          f"{intl_doc['summary']['records_with_errors']:,} records with errors, "
          f"{intl_warned / n:.1%} with warnings")  # fmt: skip
    print(f"    the screen sends back {intl_share[0]:.1%} of the international users "
          f"({ascii_share[0]:.1%} of the first set) and passes {intl_share[1]:.1%} with "
          f"warned values ({ascii_share[1]:.1%})")  # fmt: skip
    print(f"ratio b/a, wall, ASCII set   {serial_wall / a_wall:6.2f}   (1 process)")
    print(f"ratio b/a, wall, intl set    {intl_wall / ia_wall:6.2f}   (1 process; target <= 3)")
    print(f"ratio b/a, cpu,  intl set    {intl_cpu / ia_cpu:6.2f}")


if __name__ == "__main__":
    main()
