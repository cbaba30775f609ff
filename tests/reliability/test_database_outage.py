"""The MongoDB-protocol server dies under a running service and comes back (issue 9).

While it is gone: /health says so (503, mongodb "down"), API calls answer 503 `unavailable`
within seconds instead of hanging, and nothing half-done is left behind. When it is back
(same data directory), the service serves again without a restart and every acknowledged
write is still there.

The private server runs as the launcher runs the development one, with ``--sync-on-commit``: without
it SecantusDB flushes its write-ahead log lazily and a SIGKILL loses acknowledged commits
(test_database_durability.py shows the flag closes that gap under concurrent writers).
"""
import signal
import time

import pymongo

import pytest

from ttp_testing import assert_error, running_service, wait_for

from registry.service import RegistryService

from .conftest import PrivateMongo, organization

pytestmark = pytest.mark.integration

@pytest.mark.parametrize("how", [
    pytest.param(signal.SIGTERM, id="restarted"),
    pytest.param(signal.SIGKILL, id="crashed"),
])
def test_a_dead_database_gives_quick_503s_and_the_service_recovers_by_itself(tmp_path, how):
    private_mongo = PrivateMongo(tmp_path / "mongo")
    private_mongo.start()
    try:
        outage(private_mongo, how)
    finally:
        private_mongo.stop(signal.SIGKILL)


def outage(private_mongo, how):
    with running_service(RegistryService, MONGO_URI=private_mongo.uri) as api:
        token = api.token("admin")
        acknowledged = []
        for _ in range(3):
            response = api.post("/api/v1/organizations", organization(), token=token)
            assert response.status_code == 201, response.text
            acknowledged.append(response.json()["id"])

        private_mongo.stop(how)

        [health] = wait_for(lambda: (r := api.get("/health")).status_code == 503 and [r], timeout=15,
                            message="/health to report the outage")  # (a 503 Response is falsy)
        assert health.json()["checks"]["mongodb"] == "down"
        assert health.json()["checks"]["kafka"] == "ok"

        for call in (lambda: api.post("/api/v1/organizations", organization(), token=token),
                     lambda: api.get(f"/api/v1/organizations/{acknowledged[0]}", token=token),
                     lambda: api.get("/api/v1/achievements", params={"q": "石墨烯"})):
            started = time.monotonic()
            response = call()
            assert time.monotonic() - started < 10, "a call hung on the dead database"
            assert_error(response, 503, "unavailable")
            assert "Traceback" not in response.text

        private_mongo.start()  # same data directory

        wait_for(lambda: api.get("/health").status_code == 200, timeout=30, message="/health to recover")
        for org_id in acknowledged:
            response = api.get(f"/api/v1/organizations/{org_id}", token=token)
            assert response.status_code == 200, response.text
        response = api.post("/api/v1/organizations", organization(), token=token)
        assert response.status_code == 201, response.text
        # every acknowledged write is stored once, and the outbox holds one event per organization
        db = pymongo.MongoClient(private_mongo.uri)[api.config["MONGO_DB"]]
        assert db.organizations.count_documents({}) == 4
        assert db.outbox.count_documents({}) == 4
