"""Test helpers of the platform (distribution ttp-testing; a pytest plugin, see ``plugin``). Not in any image.

    from ttp_testing import assert_error, publish_event, service_api_fixture, wait_for

    api = service_api_fixture("finance")                 # in a conftest.py: the module's running service

    def test_a_registered_contract_is_consumed(api):
        publish_event(api, "transactions.contract.registered.v1", contract, "c-77")   # as transactions would
        wait_for(lambda: api.get(url, token=api.institution("org-1")).json()["ip_pledge_eligible"])

Names are loaded from their module on first use (``servers``, ``checks``, ``tokens``, ``events``,
``services``, ``fixtures``), so that importing the package (as pytest does with the plugin, before the
root conftest monkey-patches eventlet) imports no socket user.
"""
import importlib

_EXPORTS = {
    "servers": ("AMQP_URI", "BOOTSTRAP", "MONGO_URI", "unique"),
    "checks": ("assert_error", "at_once", "events_deduplicated", "marks", "metric_sample", "wait_for"),
    "tokens": ("FORGERIES", "forged"),
    "issuer": ("local_issuer",),
    "events": ("codec", "decode", "event_message", "header", "produce_raw", "publish_event", "read_topic",
               "redeliver"),
    "services": ("RunningPlatform", "ServiceApi", "nameko_run", "running_service", "service_class",
                 "service_config"),
    "fixtures": ("service_api_fixture",),
    "fakes": ("FakeUnitOfWork",),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = sorted(_MODULE_OF)


def __getattr__(name):
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
