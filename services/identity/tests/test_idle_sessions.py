"""Sessions end after the configured idle time (GB/T 22239-2019 level 3), on their own instance of the
service (a 3-second idle time; one service container per process at a time shares nothing)."""
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _identity import Browser, credentials, refresh, running_identity  # noqa: E402

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def api():
    with running_identity(IDENTITY_SESSION_IDLE_MINUTES=0.05) as running:  # 3 seconds
        yield running


def test_sessions_end_after_the_idle_time(api):
    creds = credentials(api)
    secret = creds["clients"]["portal"]["client_secret"]
    browser = Browser(api, client_secret=secret)
    token = browser.sign_in("dev-institution", creds["accounts"]["dev-institution"]["password"])
    rotated = refresh(api, token["refresh_token"], client_secret=secret)
    assert rotated.status_code == 200  # a use keeps the session alive ...
    time.sleep(3.5)
    stale = refresh(api, rotated.json()["refresh_token"], client_secret=secret)  # ... idle longer ends it
    assert stale.status_code == 400 and stale.json()["error"] == "invalid_grant"
    later = browser.start(state="later")
    assert later.status_code == 200 and 'name="password"' in later.text  # the session cookie no longer counts
