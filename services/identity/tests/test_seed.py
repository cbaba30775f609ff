"""The development seeding against the real servers: the fixture's accounts and clients are created once,
their random passwords written to a credentials file only its owner reads, and the fixture holds none."""
import json
import os
import stat
from pathlib import Path

import pytest

from identity.settings import PACKAGE_DIR

pytestmark = pytest.mark.integration


def test_seeded_once_with_credentials_readable_by_the_owner_only(api, creds):
    path = Path(api.config["IDENTITY_CREDENTIALS_FILE"])
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert set(creds["accounts"]) == {"dev-admin", "dev-institution", "dev-reviewer-chengdu", "dev-registrar-chengdu"}
    assert set(creds["clients"]) == {"dev-subscriber", "portal", "portal-notifier"}
    usernames = {doc["username"]: doc for doc in api.db["accounts"].find()}
    assert usernames["dev-reviewer-chengdu"]["region_code"] == "510100" and usernames["dev-reviewer-chengdu"]["totp_enabled"]
    assert not usernames["dev-institution"]["must_change_password"]
    portal = api.db["clients"].find_one({"_id": "portal"})
    assert portal["redirect_uris"] == ["http://127.0.0.1:8100/auth/callback"]
    assert api.db["outbox"].count_documents({"type": "cn.gov.sc.ttp.identity.account.created.v1"}) >= 4


def test_the_fixture_holds_no_password_or_secret():
    fixture = (PACKAGE_DIR / "fixtures" / "dev-accounts.yaml").read_text(encoding="utf-8")
    keys = {line.split(":", 1)[0].strip(" -") for line in fixture.splitlines()
            if ":" in line and not line.lstrip().startswith("#")}
    assert not {key for key in keys if "password" in key or "secret" in key or "totp" in key}


def test_a_second_start_on_the_same_database_creates_nothing(api, creds):
    """(Last in this module: the second container's teardown drops the module's database.)"""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _identity import running_identity

    before = api.db["accounts"].count_documents({}), api.db["clients"].count_documents({})
    written = Path(api.config["IDENTITY_CREDENTIALS_FILE"]).read_text()
    with running_identity(MONGO_DB=api.config["MONGO_DB"], IDENTITY_KEY_DIR=api.config["IDENTITY_KEY_DIR"],
                          IDENTITY_CREDENTIALS_FILE=api.config["IDENTITY_CREDENTIALS_FILE"]) as again:
        assert again.get("/health").status_code == 200
        import time

        time.sleep(1.0)  # its seeding ran at start
        assert (api.db["accounts"].count_documents({}), api.db["clients"].count_documents({})) == before
    assert Path(api.config["IDENTITY_CREDENTIALS_FILE"]).read_text() == written


def test_credentials_of_another_database_go_to_a_file_of_their_own(tmp_path):
    from identity.seed import credentials_target

    configured = tmp_path / "dev-credentials.json"
    path, content = credentials_target(configured, "127.0.0.1:27017/ttp_identity")
    assert path == configured and content["accounts"] == {}
    configured.write_text(json.dumps({"database": "127.0.0.1:27017/ttp_identity", "accounts": {"a": {}}, "clients": {}}))
    assert credentials_target(configured, "127.0.0.1:27017/ttp_identity") == (configured, json.loads(configured.read_text()))
    other, fresh = credentials_target(configured, "127.0.0.1:41234/ttp_identity")  # a benchmark's private server
    assert other != configured and other.parent == tmp_path and fresh["accounts"] == {}
    (tmp_path / "empty").mkdir()
    test_run, _ = credentials_target(tmp_path / "empty" / "dev-credentials.json", "127.0.0.1:27017/test_identity_1")
    assert test_run.name.startswith("dev-credentials-")  # a test database never takes the developer's file
