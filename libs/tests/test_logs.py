import io
import json
import logging
import logging.config
import threading

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from ttp_common.logs import (
    ContextFilter, clear_context, configure_logging, get_context, json_formatter, log_context, logging_config,
    set_context,
)
from ttp_common.web import api


@pytest.fixture
def capture():
    """A JSON handler like the one `configure_logging` installs, writing to a buffer."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(json_formatter())
    handler.addFilter(ContextFilter(service="registry"))
    logger = logging.getLogger("ttp.test")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    clear_context()
    yield logger, lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)
    clear_context()


def test_log_line_is_json_with_service_and_correlation_id(capture):
    logger, lines = capture
    set_context(correlation_id="cid-42", event_id="evt-1")
    logger.info("已发布 %s", "成果")
    [line] = lines()
    assert line["message"] == "已发布 成果"
    assert line["level"] == "INFO" and line["logger"] == "ttp.test"
    assert line["service"] == "registry"
    assert line["correlation_id"] == "cid-42" and line["event_id"] == "evt-1"
    assert line["timestamp"].endswith("+00:00")


def test_api_decorator_puts_correlation_id_in_logs(capture):
    logger, lines = capture

    class Service:
        @api
        def handler(self, request):
            logger.info("handling")
            return {}

    request = Request(EnvironBuilder(path="/x", headers={"X-Correlation-Id": "req-7"}).get_environ())
    Service().handler(request)
    [line] = lines()
    assert line["correlation_id"] == "req-7" and line["entrypoint"] == "handler"
    assert get_context() == {}  # restored after the request


def test_log_context_restores_and_explicit_extra_wins(capture):
    logger, lines = capture
    with log_context(event_id="outer"):
        with log_context(event_id="inner"):
            logger.info("a")
        logger.info("b", extra={"event_id": "explicit"})
    logger.info("c")
    a, b, c = lines()
    assert a["event_id"] == "inner" and b["event_id"] == "explicit" and "event_id" not in c


def test_context_is_per_thread(capture):
    logger, lines = capture
    set_context(correlation_id="main")
    seen = []
    thread = threading.Thread(target=lambda: seen.append(get_context()))
    thread.start()
    thread.join()
    assert seen == [{}]


def test_set_context_rejects_unknown_fields():
    with pytest.raises(ValueError):
        set_context(user="x")


def test_configure_logging_installs_json_on_root(capsys):
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    try:
        configure_logging("finance", level="DEBUG")
        with log_context(correlation_id="cid-9"):
            logging.getLogger("finance.deals").debug("放款 %d", 1)
        line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
        assert line["service"] == "finance" and line["correlation_id"] == "cid-9"
        assert line["message"] == "放款 1" and line["level"] == "DEBUG" and line["logger"] == "finance.deals"
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)


def test_logging_config_is_plain_data():
    config = logging_config("talent")
    assert json.loads(json.dumps(config)) == config
    assert config["filters"]["context"]["service"] == "talent"
