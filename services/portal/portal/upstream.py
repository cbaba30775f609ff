"""Calls to the platform's services on behalf of a page: the person's access token (or none for public data), the
request's correlation id, a timeout. A service that does not answer, or answers 5xx, is ``Unavailable`` (its part
of the page says so and the rest renders); a 4xx is ``Refused`` with the service's code, message and fields."""
import logging
import time

import requests

from ttp_common.logs import get_context
from ttp_common.web import CORRELATION_HEADER

from . import metrics

log = logging.getLogger(__name__)


class Unavailable(Exception):
    def __init__(self, service, reason):
        super().__init__(f"{service} unavailable: {reason}")
        self.service = service


class Refused(Exception):
    """A service's 4xx: ``code``, ``message`` and ``fields`` ([{path, message}]) as it sent them."""

    def __init__(self, status, code, message, fields=None):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message, self.fields = status, code, message, fields or []

    def field_messages(self):
        return {f.get("path", ""): f.get("message", "") for f in self.fields if isinstance(f, dict)}


class Services:
    def __init__(self, urls, timeout):
        self.urls, self.timeout = urls, timeout
        self.http = requests.Session()

    def call(self, service, method, path, token=None, params=None, json=None, raw=False):
        """The service's JSON answer, or with ``raw`` the response itself (a file such as a certificate's PDF)."""
        headers = {"Accept": "*/*" if raw else "application/json"}
        correlation_id = get_context().get("correlation_id")
        if correlation_id:
            headers[CORRELATION_HEADER] = correlation_id
        if token:
            headers["Authorization"] = f"Bearer {token}"
        params = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        started = time.perf_counter()
        outcome = "ok"
        try:
            response = self.http.request(method, f"{self.urls[service]}{path}", params=params, json=json,
                                         headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            outcome = "unavailable"
            log.warning("%s %s %s: %s", service, method, path, type(exc).__name__)
            raise Unavailable(service, type(exc).__name__) from None
        finally:
            metrics.UPSTREAM_SECONDS.labels(service, outcome).observe(time.perf_counter() - started)
        if response.status_code >= 500:
            metrics.UPSTREAM_FAILURES.labels(service, str(response.status_code)).inc()
            raise Unavailable(service, f"HTTP {response.status_code}")
        if raw and response.status_code < 400:
            return response
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 400:
            body = body if isinstance(body, dict) else {}
            raise Refused(response.status_code, body.get("code", "http_error"), body.get("message", ""),
                          body.get("fields"))
        return body

    def get(self, service, path, **kwargs):
        return self.call(service, "GET", path, **kwargs)

    def post(self, service, path, json=None, **kwargs):
        return self.call(service, "POST", path, json=json, **kwargs)

    def put(self, service, path, json=None, **kwargs):
        return self.call(service, "PUT", path, json=json, **kwargs)
