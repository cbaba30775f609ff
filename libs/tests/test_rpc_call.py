"""ttp_common.rpc.call: another service's answer, or a 503 within the timeout (unit test: the proxy is a stand-in,
what is tested is the bound and the mapping; the real RPC is in services/innovation/tests/test_designations_api.py)."""
import time

import eventlet
import pytest
from nameko.exceptions import UnknownService

from ttp_common import rpc
from ttp_common.errors import Unavailable


class Reply:
    def __init__(self, value=None, delay=0.0):
        self.value, self.delay = value, delay

    def result(self):
        eventlet.sleep(self.delay)
        return self.value


class Proxy:
    service_name = "talent"

    def __init__(self, reply=None, missing=False):
        self.reply, self.missing, self.calls = reply, missing, []

    def __getattr__(self, method):
        proxy = self

        class Method:
            @staticmethod
            def call_async(*args, **kwargs):
                proxy.calls.append((method, args, kwargs))
                if proxy.missing:
                    raise UnknownService("talent")
                return proxy.reply
        return Method


def test_the_answer_comes_back_with_the_arguments_passed():
    proxy = Proxy(Reply([{"id": "p1"}]))
    assert rpc.call(proxy, "eligible_experts", "新材料", ["org-a"], timeout=1) == [{"id": "p1"}]
    assert proxy.calls == [("eligible_experts", ("新材料", ["org-a"]), {})]


def test_no_answer_within_the_timeout_is_503():
    started = time.monotonic()
    with pytest.raises(Unavailable) as raised:
        rpc.call(Proxy(Reply(delay=5)), "eligible_experts", "新材料", timeout=0.2)
    assert time.monotonic() - started < 1 and raised.value.status == 503 and "talent.eligible_experts" in str(
        raised.value.message)


def test_a_service_not_running_is_503():
    with pytest.raises(Unavailable, match="not running"):
        rpc.call(Proxy(missing=True), "eligible_experts", "新材料")
