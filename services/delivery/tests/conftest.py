"""Fixtures of the delivery service's tests: the service against the real local servers (short back-off and
polling), and real webhook receivers: small HTTP servers in the test process that check each request's signature
as a subscriber would (``delivery.signing.verify``) and keep what they accepted."""
import http.server
import json
import threading
import time

import pytest
from cryptography.fernet import Fernet
from nameko.testing.utils import find_free_port

from ttp_testing import service_api_fixture

FAST = dict(DELIVERY_ALLOW_PRIVATE_URLS="true", DELIVERY_BACKOFF_BASE_SECONDS=0.1, DELIVERY_BACKOFF_MAX_SECONDS=0.4,
            DELIVERY_POLL_SECONDS=0.2, DELIVERY_TIMEOUT_SECONDS=5, DELIVERY_SECRETS_KEY=Fernet.generate_key().decode(),
            LOG_LEVEL="WARNING")

api = service_api_fixture("delivery", DELIVERY_MAX_ATTEMPTS=1000, **FAST)


class Receiver:
    """A webhook receiver on 127.0.0.1:``port``: answers 204 to a request whose signature verifies with
    ``secret`` (401 otherwise, or ``status`` when set), after ``delay`` seconds; ``accepted`` keeps (headers, body)
    of every request it took, ``refused`` what it turned away."""

    def __init__(self, port=None):
        self.port = port or find_free_port()
        self.secret = None
        self.delay = 0.0
        self.status = None
        self.refuse_subjects = set()  # answered 503 (a receiver failing for some aggregates)
        self.accepted, self.refused = [], []
        self._server = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self):
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                from delivery import signing

                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                if receiver.delay:
                    time.sleep(receiver.delay)
                try:
                    signing.verify(receiver.secret or "", headers.get(signing.TIMESTAMP_HEADER.lower()),
                                   headers.get(signing.SIGNATURE_HEADER.lower()), body, now=time.time())
                    status = receiver.status or (503 if headers.get("ce-subject") in receiver.refuse_subjects else 204)
                except signing.BadSignature:
                    status = 401
                (receiver.accepted if status < 300 else receiver.refused).append((headers, body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def data(self):
        return [json.loads(body) for _, body in self.accepted]

    def ids(self):
        return [headers["ce-id"] for headers, _ in self.accepted]


@pytest.fixture
def receivers():
    """Make receivers (started unless ``started=False``); all stopped after the test."""
    made = []

    def make(started=True, port=None):
        receiver = Receiver(port)
        made.append(receiver)
        return receiver.start() if started else receiver

    yield make
    for receiver in made:
        receiver.stop()
