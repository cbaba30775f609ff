"""The per-address limit over HTTP: failures spread over many account names still count for the address
they come from (its own instance: 4 per minute; 20 by default)."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _identity import attempt, metric, running_identity  # noqa: E402

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def api():
    with running_identity(IDENTITY_ADDRESS_FAILURES_PER_MINUTE=4) as running:
        yield running


def test_failures_from_one_address_over_many_names_are_throttled(api, portal_secret):
    pages = [attempt(api, portal_secret, f"guess.{n}", "some-password-guess") for n in range(5)]
    assert [page.status_code for page in pages] == [401, 401, 401, 401, 429]
    assert "一分钟后再试" in pages[-1].text
    assert metric(api, "ttp_identity_sign_ins_total", outcome="throttled") >= 1
    refused = api.db["security_audit"].find_one({"action": "sign_in.password", "outcome": "refused"})
    assert refused["detail"]["reason"] == "throttled by address" and refused["address"] == "127.0.0.1"
