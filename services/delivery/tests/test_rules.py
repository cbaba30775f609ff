"""The delivery rules without a broker or database: signing and its verification, back-off and parking, order per
aggregate, filters, webhook addresses and who manages which subscription."""
import dataclasses
import datetime as dt
import json

import pytest

from delivery import filters, messages, ordering, retries, sealing, signing, subscriptions
from ttp_common import refusals
from ttp_common.auth import Roles
from ttp_common.oidc import VerifiedPrincipal

NOW = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.timezone.utc)
SECRET = "whsec_test-secret"
BODY = b'{"organization_id": "org-1"}'


# -- signing ------------------------------------------------------------------------------------------
def test_a_signed_body_verifies_with_the_secret_at_its_time():
    headers = signing.headers(SECRET, 1_700_000_000, BODY)
    assert headers[signing.SIGNATURE_HEADER].startswith("v1=")
    signing.verify(SECRET, headers[signing.TIMESTAMP_HEADER], headers[signing.SIGNATURE_HEADER], BODY,
                   now=1_700_000_010)


@pytest.mark.parametrize("change", ["body", "secret", "timestamp", "signature"])
def test_any_change_to_what_was_signed_is_detected(change):
    ts, body, secret = 1_700_000_000, BODY, SECRET
    sig = signing.signature(secret, ts, body)
    if change == "body":
        body = body.replace(b"org-1", b"org-2")
    elif change == "secret":
        secret = "whsec_another"
    elif change == "timestamp":
        ts += 1  # the same signature with a fresh timestamp: a replay
    else:
        sig = "v1=" + "0" * 64
    with pytest.raises(signing.BadSignature):
        signing.verify(secret, str(ts), sig, body, now=1_700_000_000)


def test_an_old_timestamp_is_refused_even_with_its_right_signature():
    ts = 1_700_000_000
    sig = signing.signature(SECRET, ts, BODY)
    signing.verify(SECRET, str(ts), sig, BODY, now=ts + signing.TOLERANCE_SECONDS)
    with pytest.raises(signing.BadSignature, match="tolerance"):
        signing.verify(SECRET, str(ts), sig, BODY, now=ts + signing.TOLERANCE_SECONDS + 1)
    with pytest.raises(signing.BadSignature, match="timestamp"):
        signing.verify(SECRET, "yesterday", sig, BODY, now=ts)


def test_during_a_rotation_both_the_new_and_the_previous_secret_verify():
    ts = 1_700_000_000
    headers = signing.headers(["whsec_new", "whsec_old"], ts, BODY)
    for secret in ("whsec_new", "whsec_old"):
        signing.verify(secret, headers[signing.TIMESTAMP_HEADER], headers[signing.SIGNATURE_HEADER], BODY, now=ts)
    with pytest.raises(signing.BadSignature):
        signing.verify("whsec_other", headers[signing.TIMESTAMP_HEADER], headers[signing.SIGNATURE_HEADER], BODY,
                       now=ts)


def test_one_of_several_signatures_matching_is_enough():
    ts = 1_700_000_000
    both = f"v1={'a' * 64} {signing.signature(SECRET, ts, BODY)}"
    signing.verify(SECRET, str(ts), both, BODY, now=ts)


def test_the_request_signs_the_exact_body_it_sends_in_both_modes():
    attributes = {"specversion": "1.0", "id": "e-1", "source": "/ttp/registry", "type": "cn.gov.sc.ttp.x.y.z.v1",
                  "subject": "org-1", "time": "2026-12-03T12:00:00Z", "datacontenttype": "application/json",
                  "actor": "u-1"}
    for mode in ("binary", "structured"):
        headers, body = messages.request(attributes, json.dumps({"name": "四川大学"}), mode, SECRET, 1_700_000_000, "d-1")
        signing.verify(SECRET, headers[signing.TIMESTAMP_HEADER], headers[signing.SIGNATURE_HEADER], body,
                       now=1_700_000_000)
        if mode == "binary":
            assert headers["ce-id"] == "e-1" and headers["ce-actor"] == "u-1"
            assert json.loads(body) == {"name": "四川大学"}
        else:
            assert headers["content-type"] == "application/cloudevents+json"
            assert json.loads(body)["data"] == {"name": "四川大学"} and json.loads(body)["id"] == "e-1"


# -- secrets at rest ------------------------------------------------------------------------------------
def test_a_sealed_secret_opens_with_its_key_only_and_keys_rotate(tmp_path):
    from cryptography.fernet import Fernet

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    sealed = sealing.Box([old]).seal(SECRET)
    assert SECRET not in sealed
    assert sealing.Box([new, old]).open(sealed) == SECRET  # rotation: the new key first, the old one still opens
    with pytest.raises(ValueError):
        sealing.Box([new]).open(sealed)
    key_file = tmp_path / "secrets.key"
    box = sealing.Box.from_setting("", key_file)
    assert sealing.Box.from_setting("", key_file).open(box.seal(SECRET)) == SECRET
    assert key_file.stat().st_mode & 0o077 == 0


# -- back-off and parking ---------------------------------------------------------------------------------
def test_back_off_doubles_up_to_its_cap_and_parks_after_the_last_attempt():
    policy = retries.Policy(base_seconds=1, cap_seconds=10, max_attempts=6)
    assert [retries.delay(policy, n) for n in range(1, 7)] == [1, 2, 4, 8, 10, 10]
    state = retries.after_failure(policy, 0, NOW)
    assert (state.attempts, state.parked, state.next_attempt_at) == (1, False, NOW + dt.timedelta(seconds=1))
    assert retries.after_failure(policy, 4, NOW).next_attempt_at == NOW + dt.timedelta(seconds=10)
    last = retries.after_failure(policy, 5, NOW)
    assert last.parked and last.attempts == 6 and last.next_attempt_at is None


def test_a_policy_without_attempts_or_with_a_cap_below_its_base_is_refused():
    with pytest.raises(ValueError):
        retries.Policy(base_seconds=5, cap_seconds=1)
    with pytest.raises(ValueError):
        retries.Policy(max_attempts=0)


# -- order per aggregate ------------------------------------------------------------------------------------
@dataclasses.dataclass
class D:
    seq: int
    aggregate: str
    next_attempt_at: dt.datetime | None = None


def test_only_the_oldest_delivery_of_each_aggregate_is_due():
    pending = [D(3, "a"), D(1, "a"), D(2, "b"), D(4, "b")]
    assert [(d.seq, d.aggregate) for d in ordering.due(pending, [], NOW)] == [(1, "a"), (2, "b")]


def test_a_delivery_waiting_for_its_retry_holds_its_aggregate_not_the_others():
    later = NOW + dt.timedelta(seconds=5)
    pending = [D(1, "a", later), D(2, "a"), D(3, "b")]
    assert [d.seq for d in ordering.due(pending, [], NOW)] == [3]
    assert [d.seq for d in ordering.due(pending, [], later)] == [1, 3]


def test_a_parked_delivery_holds_the_rest_of_its_aggregate():
    assert [d.seq for d in ordering.due([D(5, "a"), D(6, "b")], ["a"], NOW)] == [6]


# -- filters ------------------------------------------------------------------------------------------
def test_filters_by_type_region_and_organization():
    data = {"organization_id": "org-1", "buyer_organization_id": "org-2", "region_code": "510104"}
    name = "registry.organization.registered.v1"
    assert filters.matches([name], [], [], name, data)
    assert not filters.matches(["registry.achievement.published.v1"], [], [], name, data)
    assert filters.matches([name], ["510100"], [], name, data)  # Chengdu takes its districts
    assert not filters.matches([name], ["510300"], [], name, data)
    assert filters.matches([name], [], ["org-2"], name, data)  # any party the event names
    assert not filters.matches([name], ["510100"], ["org-9"], name, data)  # both filters must pass
    assert not filters.matches([name], ["510100"], [], name, {"organization_id": "org-1"})  # no region: no match
    assert not filters.matches([name], [], ["org-0"], name, {"previous_organization_id": "org-0"})


# -- addresses and owners -----------------------------------------------------------------------------------
@pytest.mark.parametrize("url", ["http://example.org/hook", "ftp://example.org/", "https://localhost/hook",
                                 "https://127.0.0.1/hook", "https://10.1.2.3/hook", "https://169.254.169.254/latest",
                                 "https://[::1]/hook", "https://user:pw@example.org/hook", "https://0.0.0.0/"])
def test_webhook_addresses_the_platform_must_not_call_are_refused_naming_url(url):
    with pytest.raises(refusals.Invalid) as refused:
        subscriptions.check_url(url, allow_private=False)
    assert refused.value.field == "url"


def test_public_https_addresses_pass_and_local_ones_only_where_allowed():
    assert subscriptions.check_url("https://hooks.example.org/ttp?x=1", allow_private=False)
    assert subscriptions.check_url("https://1.1.1.1/hook", allow_private=False)
    with pytest.raises(refusals.Invalid):
        subscriptions.check_url("https://203.0.113.9/hook", allow_private=False)  # documentation range: not global
    assert subscriptions.check_url("http://127.0.0.1:9999/hook", allow_private=True)


def test_a_name_resolving_to_a_private_address_is_refused_at_delivery():
    url = "https://hooks.example.org/ttp"
    assert subscriptions.resolved_refusal(url, {"93.184.216.34"}, allow_private=False) is None
    for addresses in ({"10.0.0.7"}, {"93.184.216.34", "127.0.0.1"}, {"::1"}, {"169.254.169.254"}, set()):
        assert subscriptions.resolved_refusal(url, addresses, allow_private=False)
    assert subscriptions.resolved_refusal(url, {"127.0.0.1"}, allow_private=True) is None


def principal(role, scopes=(), client_id=None, sub="caller"):
    return VerifiedPrincipal(sub=sub, role=Roles(role), scopes=frozenset(scopes), client_id=client_id)


def test_a_client_manages_its_own_subscriptions_by_scope_and_an_admin_all():
    assert subscriptions.owner_scope(principal("admin"), "write") is None
    client = principal("client", ["delivery:subscriptions:write"], client_id="city-system")
    assert subscriptions.owner_scope(client, "write") == "city-system"
    assert subscriptions.owner_scope(client, "read") == "city-system"  # a write scope reads
    reader = principal("client", ["delivery:subscriptions:read"], client_id="reader")
    assert subscriptions.owner_scope(reader, "read") == "reader"
    for refused, access in ((reader, "write"), (principal("client", ["registry:write"], client_id="x"), "read"),
                            (principal("institution"), "read"),
                            (principal("client", ["delivery:elsewhere:write"], client_id="y"), "write")):
        with pytest.raises(refusals.NotAllowed):
            subscriptions.owner_scope(refused, access)


def test_a_subscription_names_known_events_only():
    from pydantic import ValidationError

    body = subscriptions.SubscriptionIn(url="https://example.org/h", event_types=["registry.organization.registered.v1"])
    assert body.mode == "binary" and body.regions == []
    with pytest.raises(ValidationError) as refused:
        subscriptions.SubscriptionIn(url="https://example.org/h", event_types=["registry.nothing.v1"])
    assert refused.value.errors()[0]["loc"][0] == "event_types"
