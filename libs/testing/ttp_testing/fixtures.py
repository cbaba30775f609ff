"""The one way a test module gets a running service: ``service_api_fixture`` makes the pytest fixture.

Light on purpose (pytest is all it imports): the plugin imports it before the root conftest has
monkey-patched eventlet, so everything that touches sockets is imported inside the fixture.
"""
import pytest


def service_api_fixture(service, *, scope="module", own_vhost=False, name=None, **config):
    """A pytest fixture that runs ``service`` in a nameko container against the real local servers for its
    ``scope`` (the test module by default) and yields its ``ServiceApi``; the container is stopped and its
    test database dropped afterwards.

    ``service``: a platform service's name (``"registry"``), a ``"module:Class"`` path or a class (e.g. a
    subclass without its timer); a list or tuple of names makes the fixture parametrised over them (one
    service at a time, ids are the names). ``config``: overrides of the test configuration
    (``LOG_LEVEL="ERROR"``, ``OUTBOX_POLL_SECONDS=0.2``, ...). ``own_vhost``: on a RabbitMQ virtual host of
    its own (nameko's ``rabbit_config``; then function-scoped), so that no other instance of the service
    answers its RPC (``with api.rpc() as cluster``). ``name``: the fixture's name, when it is not the name the
    fixture is assigned to.

        # services/registry/tests/conftest.py
        api = service_api_fixture("registry")
        # services/transactions/tests/test_withdrawal.py
        api = service_api_fixture(TransactionsWithoutClock)
    """
    params = list(service) if isinstance(service, (list, tuple)) else None

    def fixture(request):
        from .services import running_service

        overrides = dict(config)
        if own_vhost:
            overrides["AMQP_URI"] = request.getfixturevalue("rabbit_config")["AMQP_URI"]
        with running_service(request.param if params else service, **overrides) as api:
            yield api

    what = ", ".join(params) + " (one at a time)" if params else getattr(service, "__name__", service)
    fixture.__doc__ = f"ServiceApi of {what} running in a test container" + (" on its own vhost" if own_vhost else "")
    return pytest.fixture(scope="function" if own_vhost else scope, params=params,
                          ids=params and [str(p) for p in params], name=name)(fixture)
