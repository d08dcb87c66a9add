"""The Entra ID source against a local tenant (fake_graph.py): paging, mapping, errors."""

from __future__ import annotations

import pytest
from entra_helpers import entra_spec, expected_user, fake_tenant, fill

from scimguard.sources import ReadContext, read_all
from scimguard.sync.backoff import RetryPolicy


@pytest.fixture
def tenant(tmp_path, monkeypatch):
    with fake_tenant(tmp_path, monkeypatch, page_size=7) as fake:
        fill(fake, 30, groups=3)
        yield fake


def test_reads_every_page_and_maps_as_aws_integration(tenant):
    lines: list[str] = []
    snap = read_all([entra_spec(tenant)], context=ReadContext(progress=lines.append))
    assert snap.complete, snap.problems
    assert len(snap.users) == 30
    assert len(tenant.graph_requests("/v1.0/users?")) == 5  # 7+7+7+7+2
    first = next(r for r in snap.users if r.external_id == "u-00004")
    assert {k: v for k, v in first.resource.items() if k != "schemas"} == expected_user(4)
    assert first.source["id"] == "u-00004" and first.source["tenant"] == tenant.tenant
    assert any("30 users read" in line for line in lines)


def test_groups_carry_transitive_users_through_the_odata_cast(tenant):
    snap = read_all([entra_spec(tenant)])
    by_name = {g.resource["displayName"]: g for g in snap.groups}
    outer = {m["value"] for m in by_name["Engineering"].resource["members"]}
    inner = {m["value"] for m in by_name["Sales"].resource["members"]}
    assert inner == {f"u-{i:05d}" for i in range(30) if i % 3 == 1}
    assert outer == inner | {f"u-{i:05d}" for i in range(30) if i % 3 == 0}
    assert by_name["Engineering"].external_id == "g-000"
    casts = tenant.graph_requests("/v1.0/groups/g-000/transitiveMembers/microsoft.graph.user")
    assert len(casts) == 3 and "$count=true" in casts[0]  # 20 users, 7 a page


def test_throttling_mid_read_is_waited_out(tenant):
    tenant.throttle_every = 4
    snap = read_all([entra_spec(tenant)])
    assert snap.complete, snap.problems
    assert tenant.throttled >= 2
    assert len(snap.users) == 30


def test_a_failing_page_is_a_problem_with_graphs_words(tenant):
    tenant.fail_users_page = 3
    snap = read_all([entra_spec(tenant)])
    assert not snap.complete
    assert "503" in snap.problems[0] and "serviceNotAvailable" in snap.problems[0]
    assert len(snap.users) == 14  # pages 1 and 2
    assert snap.groups == []  # never read: sending them empty would drop members


def test_a_sign_in_service_that_fails_for_a_moment_is_retried(tenant):
    tenant.token_outage = 2
    quick = ReadContext(retry=RetryPolicy(base=0.01))
    snap = read_all([entra_spec(tenant)], context=quick)
    assert snap.complete, snap.problems
    assert len(snap.users) == 30
    assert tenant.token_requests >= 3  # two 503s, then the token


def test_a_sign_in_service_that_stays_down_is_a_problem_naming_it(tenant):
    tenant.token_outage = 100
    quick = ReadContext(retry=RetryPolicy(base=0.01, max_attempts=3))
    snap = read_all([entra_spec(tenant)], context=quick)
    assert not snap.complete and snap.users == []
    assert "sign-in" in snap.problems[0] and "3 attempts" in snap.problems[0], snap.problems


def test_a_wrong_secret_is_a_problem_naming_the_credential(tenant, monkeypatch):
    monkeypatch.setenv("ENTRA_CLIENT_SECRET", "wrong")
    snap = read_all([entra_spec(tenant)])
    assert not snap.complete and snap.users == []
    assert "AADSTS7000215" in snap.problems[0] and "ENTRA_CLIENT_SECRET" in snap.problems[0]


def test_an_unknown_tenant_is_a_problem(tenant):
    snap = read_all([entra_spec(tenant, tenant="00000000-0000-0000-0000-000000000000")])
    assert not snap.complete
    assert "00000000-0000-0000-0000-000000000000" in snap.problems[0]
    assert "Unable to get authority configuration" in snap.problems[0]  # msal's words


def test_a_certificate_signs_in_instead_of_a_secret(tenant, monkeypatch, tmp_path):
    from fake_api import self_signed

    key, cert = self_signed(tmp_path, "app")
    tenant.certificate = cert.read_bytes()
    pem = tmp_path / "app.pem"
    pem.write_bytes(key.read_bytes() + cert.read_bytes())
    monkeypatch.delenv("ENTRA_CLIENT_SECRET")
    monkeypatch.setenv("ENTRA_CLIENT_CERTIFICATE", str(pem))
    snap = read_all([entra_spec(tenant)])
    assert snap.complete, snap.problems
    assert len(snap.users) == 30
    other_key, _ = self_signed(tmp_path, "other")  # a key the tenant does not know
    pem.write_bytes(other_key.read_bytes() + cert.read_bytes())
    assert "invalid_client" in read_all([entra_spec(tenant)]).problems[0]


def test_no_credential_at_all_says_which_variables(tenant, monkeypatch):
    monkeypatch.delenv("ENTRA_CLIENT_SECRET")
    snap = read_all([entra_spec(tenant)])
    assert "ENTRA_CLIENT_SECRET" in snap.problems[0]
    assert "ENTRA_CLIENT_CERTIFICATE" in snap.problems[0]


def test_a_mapping_overrides_targets_and_selects_their_properties(tenant, tmp_path):
    mapping = tmp_path / "map.toml"
    mapping.write_text(
        'userName = "mail"\ndisplayName = "{surname}, {givenName}"\ntitle = ""\n'
        '"name.middleName" = "officeLocation"\n'
    )
    tenant.users["u-00001"].update(mail="alias1@contoso.example", officeLocation="B2")
    snap = read_all([entra_spec(tenant, mapping=str(mapping))])
    assert snap.complete, snap.problems
    user = next(r for r in snap.users if r.external_id == "u-00001").resource
    assert user["userName"] == "alias1@contoso.example"
    assert user["displayName"] == "Family1, Given1"
    assert user["name"]["middleName"] == "B2"
    assert "title" not in user
    assert "officeLocation" in tenant.graph_requests("/v1.0/users?")[0]


def test_a_property_graph_does_not_know_is_its_error(tenant, tmp_path):
    mapping = tmp_path / "map.toml"
    mapping.write_text('title = "jobTitel"\n')
    snap = read_all([entra_spec(tenant, mapping=str(mapping))])
    assert not snap.complete
    assert "Request_BadRequest" in snap.problems[0] and "jobTitel" in snap.problems[0]


def test_a_missing_permission_names_the_permissions(tenant):
    tenant.forbidden = {"/v1.0/groups"}
    snap = read_all([entra_spec(tenant)])
    assert not snap.complete and len(snap.users) == 30
    assert snap.groups == []
    assert "403" in snap.problems[0] and "Authorization_RequestDenied" in snap.problems[0]
    assert "GroupMember.Read.All" in snap.problems[0]
