"""JSON logs on stderr, one object per line, carrying the request/event context.

Context lives in a `threading.local()`. Services run eventlet monkey-patched (nameko
patches before our modules are imported), which makes it local to each green thread,
so concurrent workers never see each other's correlation id.
"""
import logging
import logging.config
import threading
from contextlib import contextmanager

from pythonjsonlogger.json import JsonFormatter

CONTEXT_FIELDS = ("service", "correlation_id", "event_id", "entrypoint")

_context = threading.local()


def get_context():
    return dict(getattr(_context, "values", {}))


def set_context(**values):
    """Set context fields for the current (green) thread; a value of None removes the field."""
    unknown = set(values) - set(CONTEXT_FIELDS)
    if unknown:
        raise ValueError(f"unknown log context fields: {sorted(unknown)}")
    merged = {**get_context(), **values}
    _context.values = {k: v for k, v in merged.items() if v is not None}


def clear_context():
    _context.values = {}


@contextmanager
def log_context(**values):
    """Set context fields for a block, then restore what was there before."""
    saved = get_context()
    set_context(**values)
    try:
        yield
    finally:
        _context.values = saved


class ContextFilter(logging.Filter):
    """Adds the context fields to every record; `service` falls back to the configured name.

    Attributes given explicitly (`logger.info(..., extra={"event_id": ...})`) win.
    """

    def __init__(self, service=None):
        super().__init__()
        self.service = service

    def filter(self, record):
        values = {"service": self.service, **get_context()}
        for name in CONTEXT_FIELDS:
            if values.get(name) is not None and getattr(record, name, None) is None:
                setattr(record, name, values[name])
        return True


def json_formatter():
    """Fields: timestamp (ISO 8601 UTC), level, logger, message, then context and extras."""
    return JsonFormatter(
        "%(levelname)s %(name)s %(message)s",
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp=True,
        json_ensure_ascii=False,
    )


def logging_config(service, level="INFO"):
    """A `logging.config.dictConfig` dict (usable as nameko's `LOGGING`)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "ttp_common.logs.ContextFilter", "service": service}},
        "formatters": {"json": {"()": "ttp_common.logs.json_formatter"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "json",
                "filters": ["context"],
            }
        },
        "root": {"level": level, "handlers": ["stderr"]},
    }


def configure_logging(service, level="INFO"):
    """Replace the root logger's handlers with one JSON handler on stderr."""
    logging.config.dictConfig(logging_config(service, level))
