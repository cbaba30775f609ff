# Monkey-patch before anything imports pymongo, kafka or socket users (STACK-NOTES 1).
import eventlet

eventlet.monkey_patch()

import gc  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
import traceback  # noqa: E402

import greenlet  # noqa: E402


def _dump_greenlets(*_):
    """`kill -USR1 <pytest pid>` prints every greenlet's stack: a hung green test shows only the hub."""
    for obj in gc.get_objects():
        try:
            if isinstance(obj, greenlet.greenlet) and obj and obj.gr_frame is not None:
                print(f"=== {obj!r}", file=sys.stderr)
                traceback.print_stack(obj.gr_frame, file=sys.stderr)
        except ReferenceError:  # a weak proxy whose object is gone
            continue
    sys.stderr.flush()


signal.signal(signal.SIGUSR1, _dump_greenlets)


def pytest_collection_modifyitems(config, items):
    """Integration tests need the local servers: say so at once instead of timing out test by test."""
    if not any(item.get_closest_marker("integration") for item in items):
        return
    from ttp_common.observability import tcp_reachable
    from ttp_tools.processes import amqp_uri, host_port, kafka_bootstrap, mongo_uri

    missing = [name for name, (host, port) in {
        "Kafka": host_port(kafka_bootstrap(), 9092), "MongoDB": host_port(mongo_uri(), 27017),
        "RabbitMQ": host_port(amqp_uri(), 5672),
    }.items() if not tcp_reachable(host, port)]
    if missing:
        import pytest

        pytest.exit(f"{', '.join(missing)} not reachable: run `make test` (or `.venv/bin/ttp-stack infra-up`) "
                    f"first, or deselect with -m 'not integration'", returncode=3)
