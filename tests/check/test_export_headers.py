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
    assert resource["externalId"] == "0b1c2d3e-aaaa-bbbb-cccc-000000000001"
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
