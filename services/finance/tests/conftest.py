"""Fixtures for the finance service's tests: one real service container per module, talked to over HTTP."""
from ttp_testing import service_api_fixture

api = service_api_fixture("finance")
# RPC tests: on a RabbitMQ virtual host of its own, so that no other instance of the service answers.
rpc_api = service_api_fixture("finance", own_vhost=True)
