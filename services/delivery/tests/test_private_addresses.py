"""Server-side request forgery, with private addresses refused (the production setting): a webhook written as a
private address is a 400 naming ``url``; a host name that resolves to one (here this machine's own name, which
resolves to a loopback address) is accepted at registration but never called: every attempt is refused before a
connection is made, and says why."""
import ipaddress
import socket

import pytest

from ttp_testing import assert_error, service_api_fixture, wait_for

from ._subscribing import STAGE_ADVANCED, client, stage_advanced
from .conftest import FAST

pytestmark = pytest.mark.integration

api = service_api_fixture("delivery", DELIVERY_MAX_ATTEMPTS=1000, **{**FAST, "DELIVERY_ALLOW_PRIVATE_URLS": "false"})


def test_private_addresses_are_refused_at_registration_and_at_delivery(api, receivers):
    receiver = receivers()
    token = client(api)
    for url in (f"https://127.0.0.1:{receiver.port}/hook", "https://[::1]/hook", "https://169.254.169.254/latest",
                f"http://{socket.gethostname()}:{receiver.port}/hook"):
        refused = api.post("/api/v1/subscriptions", {"url": url, "event_types": [STAGE_ADVANCED]}, token=token)
        assert_error(refused, 400, "validation_failed")
        assert refused.json()["fields"][0]["path"] == "url"

    host = socket.gethostname()
    addresses = {info[4][0] for info in socket.getaddrinfo(host, 443)}
    assert addresses and not any(ipaddress.ip_address(a).is_global for a in addresses), \
        f"the test needs {host} to resolve to private addresses only: {addresses}"
    created = api.post("/api/v1/subscriptions", {"url": f"https://{host}:{receiver.port}/hook",
                                                 "event_types": [STAGE_ADVANCED]}, token=token)
    assert created.status_code == 201, created.text
    stage_advanced(api, "p-ssrf", 1)
    deliveries = f"/api/v1/subscriptions/{created.json()['id']}/deliveries"

    def refused_attempts():
        items = api.get(deliveries, token=token).json()["items"]
        return items and items[0]["attempts"] >= 2 and "non-public address" in (items[0]["last_error"] or "")
    wait_for(refused_attempts, timeout=40, message="attempts refused before connecting")
    assert receiver.accepted == [] and receiver.refused == []  # nothing reached the machine's own port
