"""CSV exports of admin consoles (Okta People, Google Workspace, Entra ID) read as they come,
and the one message when a header maps to too little."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from scimguard.profile.schema import ENTERPRISE_URN
from scimguard.records import read_records

OKTA_PEOPLE = (
    "Username,First name,Last name,Display name,Primary email,Secondary email,Title,"
    "Department,Mobile phone,Primary phone,City,State,Zip code,Country code,Street address,"
    "Status,Created,Last login\n"
    "jane@example.com,Jane,Doe,Jane Doe,jane@example.com,,Engineer,R&D,+1 555 0100,"
    "+1 555 0101,Madrid,MD,28013,ES,Calle Mayor 5,ACTIVE,2024-01-01,2024-02-01\n"
)
GOOGLE = (
    "First Name [Required],Last Name [Required],Email Address [Required],Password [Required],"
    "Password Hash Function [UPLOAD ONLY],Org Unit Path [Required],"
    "New Primary Email [UPLOAD ONLY],Recovery Email,Home Secondary Email,Work Secondary Email,"
    "Recovery Phone [MUST BE IN THE E.164 FORMAT],Work Phone,Home Phone,Mobile Phone,"
    "Work Address,Home Address,Employee ID,Employee Type,Employee Title,Manager Email,"
    "Department,Cost Center,Building ID,Floor Name,Floor Section,"
    "Change Password at Next Sign-In,New Status [UPLOAD ONLY],Status [READ ONLY],"
    "Last Sign In [READ ONLY]\n"
    "Jane,Doe,jane@example.com,****,,/,,,,,,+1 555 0101,,+1 555 0100,,,E1,Staff,Engineer,"
    ",R&D,CC9,,,,False,,Active,2024-02-01\n"
)
ENTRA = (
    "userPrincipalName,displayName,surname,mail,givenName,objectId,userType,jobTitle,"
    "department,accountEnabled,usageLocation,streetAddress,state,country,"
    "physicalDeliveryOfficeName,city,postalCode,telephoneNumber,mobile,"
    "authenticationAlternativePhoneNumber,authenticationEmail,alternateEmailAddress,ageGroup,"
    "consentProvidedForMinor,legalAgeGroupClassification\n"
    "jane@contoso.com,Jane Doe,Doe,jane@contoso.com,Jane,0b1c2d3e-aaaa-bbbb-cccc-000000000001,"
    "Member,Engineer,R&D,True,ES,Calle Mayor 5,MD,ES,Madrid HQ,Madrid,28013,+1 555 0101,"
    "+1 555 0100,,,,,,\n"
)


def read_one(tmp_path, text):
    path = tmp_path / "users.csv"
    path.write_text(text, encoding="utf-8")
    stream = read_records([str(path)])
    records = list(stream)
    assert len(records) == 1
    return records[0].resource, stream.problems


def test_okta_people_export(tmp_path):
    resource, problems = read_one(tmp_path, OKTA_PEOPLE)
    assert resource["userName"] == "jane@example.com"
    assert resource["name"] == {"givenName": "Jane", "familyName": "Doe"}
    assert resource["displayName"] == "Jane Doe"
    assert resource["emails"] == [{"value": "jane@example.com", "type": "work", "primary": True}]
    assert resource["phoneNumbers"] == [{"value": "+1 555 0101", "type": "work"}]
    assert resource["addresses"][0]["locality"] == "Madrid"
    assert resource["addresses"][0]["region"] == "MD"
    assert resource[ENTERPRISE_URN] == {"department": "R&D"}
    # the columns the app does not send are named once, not sent
    [notice] = [p for p in problems if "not sent" in p.message]
    assert "Status, Created, Last login" in notice.message and not notice.skipped
    assert "Status" not in resource and "Secondary email" not in resource


def test_google_workspace_export(tmp_path):
    resource, _ = read_one(tmp_path, GOOGLE)
    assert resource["userName"] == "jane@example.com"
    assert resource["emails"] == [{"value": "jane@example.com", "type": "work", "primary": True}]
    assert resource["name"] == {"givenName": "Jane", "familyName": "Doe"}
    assert resource["displayName"] == "Jane Doe"  # AWS's Google provisioning: first + last
    assert resource["phoneNumbers"] == [{"value": "+1 555 0101", "type": "work"}]
    assert resource["title"] == "Engineer" and resource["userType"] == "Staff"
    assert resource[ENTERPRISE_URN] == {
        "employeeNumber": "E1",
        "department": "R&D",
        "costCenter": "CC9",
    }
    assert not any("Password" in key for key in resource)


def test_entra_download_users(tmp_path):
    resource, _ = read_one(tmp_path, ENTRA)
    assert resource["userName"] == "jane@contoso.com"
    assert resource["displayName"] == "Jane Doe"
    assert resource["name"] == {"givenName": "Jane", "familyName": "Doe"}
    assert resource["emails"][0]["value"] == "jane@contoso.com"
    assert "externalId" not in resource  # the app sends mailNickname, not in the download
    assert resource["active"] == "True"
    assert resource["title"] == "Engineer"
    assert resource["addresses"] == [
        {
            "streetAddress": "Calle Mayor 5",
            "locality": "Madrid",
            "region": "MD",
            "postalCode": "28013",
            "country": "ES",
            "type": "work",
        }
    ]
    assert resource["phoneNumbers"] == [{"value": "+1 555 0101", "type": "work"}]


def test_each_export_checks_clean(tmp_path):
    """A valid person in each export has no finding (the mapping builds what AWS accepts)."""
    for name, text in (("okta", OKTA_PEOPLE), ("google", GOOGLE), ("entra", ENTRA)):
        path = tmp_path / f"{name}.csv"
        path.write_text(text, encoding="utf-8")
        result = subprocess.run(
            [sys.executable, "-c", "from scimguard.cli import main; main()", "check", str(path)],
            capture_output=True,
            text=True,
        )
        report = json.loads(result.stdout)
        assert report["findings"] == [], (name, report["findings"])
        assert result.returncode == 0, (name, result.stderr)


def test_unmapped_headers_one_message_exit_2_fast(tmp_path):
    path = tmp_path / "people.csv"
    rows = "".join(f"u{i}@example.com,Given{i},Family{i}\n" for i in range(50_000))
    path.write_text("Login ID,Given,Family\n" + rows, encoding="utf-8")
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", "from scimguard.cli import main; main()", "check", str(path)],
        capture_output=True,
        text=True,
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    message = lines[0]
    assert "'Login ID', 'Given', 'Family'" in message  # the headers that map to nothing
    assert "userName, name.givenName, name.familyName, displayName" in message
    assert 'userName = "Login ID"' in message and 'displayName = "{Given} {Family}"' in message
    assert "--mapping" in message
    # the interpreter's own start-up is in this time too
    assert elapsed < 1.0 + _startup(), elapsed


def _startup() -> float:
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", "import scimguard.cli"], check=True)
    return time.monotonic() - started


def test_a_header_that_lets_display_name_be_derived_is_not_refused(tmp_path):
    """login,firstName,lastName: displayName follows from the names (a suggestion per record)."""
    path = tmp_path / "u.csv"
    path.write_text("login,firstName,lastName\na@x.org,A,B\n", encoding="utf-8")
    [record] = list(read_records([str(path)]))
    assert record.resource["userName"] == "a@x.org"


def run_check_cli(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-c", "from scimguard.cli import main; main()", "check", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
    )


def test_findings_name_the_file_row_and_column(tmp_path):
    """Item 2: `users.csv:3 (lastName)` in the JSON, CSV and text reports, SCIM path beside."""
    path = tmp_path / "users.csv"
    path.write_text(
        "login,firstName,lastName,displayName\n"
        "ann@x.org,Ann,Lee,Ann Lee\n"
        "jane@x.org,Jane,Doe\u200b,Jane Doe\n",
        encoding="utf-8",
    )
    report = json.loads(run_check_cli(str(path), "--format", "json").stdout)
    [finding] = report["findings"]
    assert finding["attribute"] == "name.familyName"
    assert finding["column"] == "lastName"
    assert finding["location"] == f"{path}:3 (lastName)"
    assert finding["source"] == f"{path}:3"
    import csv as csv_module
    import io

    rows = list(
        csv_module.DictReader(io.StringIO(run_check_cli(str(path), "--format", "csv").stdout))
    )
    assert rows[0]["location"] == f"{path}:3 (lastName)" and rows[0]["column"] == "lastName"
    text = run_check_cli("users.csv", "--format", "text", cwd=tmp_path).stdout
    assert "name.familyName" in text and "users.csv:3 (lastName)" in text


def test_export_header_columns_and_okta_ids_in_locations(tmp_path):
    """The admin's own column name (`Last name`); an Okta export names the Okta user id."""
    path = tmp_path / "okta.csv"
    path.write_text(OKTA_PEOPLE.replace("Jane,Doe,", "Jane,Doe\u200b,"), encoding="utf-8")
    report = json.loads(run_check_cli(str(path), "--format", "json").stdout)
    [finding] = report["findings"]
    assert finding["location"] == f"{path}:2 (Last name)"
    okta = tmp_path / "okta.json"
    okta.write_text(
        json.dumps(
            [
                {
                    "id": "00uABC",
                    "status": "ACTIVE",
                    "profile": {
                        "login": "jane@x.org",
                        "firstName": "Jane",
                        "lastName": "Doe",
                        "displayName": "Jane Doe",
                        "email": "jane@x.org",
                        "primaryPhone": "+1 555 0100\u200b",
                    },
                }
            ],
            indent=1,
        ),
        encoding="utf-8",
    )
    report = json.loads(run_check_cli(str(okta), "--format", "json").stdout)
    [finding] = report["findings"]
    assert finding["attribute"].startswith("phoneNumbers")
    assert finding["location"] == f"{okta}:2 (primaryPhone, mobilePhone), Okta user 00uABC"
    # a group of the same export is named as a group, not as a user
    groups = tmp_path / "okta-groups.json"
    groups.write_text(
        json.dumps([{"id": "00gXYZ", "type": "OKTA_GROUP", "profile": {"name": "Ops\u200b"}}]),
        encoding="utf-8",
    )
    report = json.loads(run_check_cli(str(groups), "--format", "json").stdout)
    [finding] = report["findings"]
    assert finding["location"].endswith(", Okta group 00gXYZ"), finding["location"]


def test_json_input_location_is_file_and_line(tmp_path):
    path = tmp_path / "users.jsonl"
    user = {"userName": "a@x.org", "name": {"givenName": "A", "familyName": "B"}}
    path.write_text(json.dumps(user) + "\n", encoding="utf-8")
    report = json.loads(run_check_cli(str(path), "--format", "json").stdout)
    assert {f["location"] for f in report["findings"]} == {f"{path}:1"}
    assert {f["column"] for f in report["findings"]} == {None}


def test_csv_report_is_spreadsheet_safe_and_json_keeps_raw_values(tmp_path):
    """Item 4: a cell starting = + - @ TAB CR gets OWASP's leading quote in the CSV report."""
    import csv as csv_module
    import io

    values = ['=HYPERLINK("http://evil")', "+SUM(1)", "-2+3", "@cmd", "\tTab", "\rCr"]
    buffer = io.StringIO()
    writer = csv_module.writer(buffer, lineterminator="\r\n")  # quotes the CR value
    writer.writerow(["login", "firstName", "lastName", "displayName", "email"])
    for i, value in enumerate(values):
        writer.writerow([f"u{i}@x.org", f"A{i}", f"B{i}", value + "\u200b", f"u{i}@x.org"])
    path = tmp_path / "users.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="")

    command = [sys.executable, "-c", "from scimguard.cli import main; main()", "check"]
    csv_run = subprocess.run([*command, str(path), "--format", "csv"], capture_output=True)
    out = csv_run.stdout.decode()  # bytes: text mode would turn the CR in a value into LF
    assert not out.startswith("\ufeff")  # no BOM unless --excel: scripts read stdout too
    found = list(csv_module.DictReader(io.StringIO(out, newline="")))
    shown = {r["value"] for r in found if r["attribute"] == "displayName"}
    assert shown == {"'" + v + "\u200b" for v in values}
    assert all(not r["value"].startswith(("=", "+", "-", "@", "\t", "\r")) for r in found)
    report = json.loads(run_check_cli(str(path), "--format", "json").stdout)
    raw = {f["value"] for f in report["findings"] if f["attribute"] == "displayName"}
    assert raw == {v + "\u200b" for v in values}
    excel = subprocess.run(
        [*command, str(path), "--format", "csv", "--excel"], capture_output=True
    ).stdout
    assert excel.startswith(b"\xef\xbb\xbfrecord,") and excel[3:].decode() == out


def test_unmapped_headers_on_standard_input_leave_no_half_report():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from scimguard.cli import main; main()",
            "check",
            "-",
            "--format",
            "json",
        ],
        input="Login ID,Given,Family\nx@y.org,A,B\n",
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("error: -: no column maps to userName")
