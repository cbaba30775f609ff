"""The token issuer of a test run: an ES256 key of its own, published the way the identity service publishes
its keys, so that services verify test tokens exactly as they verify real ones (discovery document, JWKS
over HTTP, signature, claims: ``ttp_common.oidc``).

The key is made at the first use in a test run and never written to the repository. Its discovery document
and JWKS are files served by a static HTTP server of the standard library in a process of its own (so
services that run as ``nameko run`` processes reach it however busy the test process is). The plugin
points ``OIDC_ISSUER`` at it in the environment at the start of the run, so every service a test starts,
in a container or as a process, trusts this issuer and nobody else.
"""
import atexit
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

_issuer = None


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalIssuer:
    """``url`` (the ``iss`` of its tokens), ``key`` (the private key; joserfc ``ECKey``), ``sign(claims)``."""

    def __init__(self):
        from joserfc.jwk import ECKey

        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.key = ECKey.generate_key("P-256", parameters={"kid": f"test-{uuid.uuid4().hex[:8]}", "use": "sig",
                                                           "alg": "ES256"})
        self.root = Path(tempfile.mkdtemp(prefix="ttp-test-issuer-"))
        (self.root / ".well-known").mkdir()
        (self.root / ".well-known" / "openid-configuration").write_text(json.dumps({
            "issuer": self.url, "jwks_uri": f"{self.url}/jwks.json",
            "id_token_signing_alg_values_supported": ["ES256"]}))
        (self.root / "jwks.json").write_text(json.dumps({"keys": [self.key.as_dict(private=False)]}))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "http.server", str(self.port), "--bind", "127.0.0.1", "--directory", str(self.root)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the test issuer's HTTP server did not start")

    @property
    def kid(self):
        return self.key.kid

    def sign(self, claims, key=None, header=None):
        """A compact JWS of ``claims`` (``typ`` at+jwt, ES256, this issuer's ``kid``) with ``key`` (default:
        the issuer's own); ``header`` replaces or adds header parameters."""
        from joserfc import jws

        protected = {"alg": "ES256", "typ": "at+jwt", "kid": self.kid, **(header or {})}
        return jws.serialize_compact(protected, json.dumps(claims).encode(), key or self.key,
                                     algorithms=[protected["alg"]])

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()


def local_issuer():
    """The test run's issuer, started at its first use (the plugin's ``pytest_configure``)."""
    global _issuer
    if _issuer is None:
        _issuer = LocalIssuer()
        atexit.register(_issuer.stop)
    return _issuer


def trust_in_environment():
    """Point the verifiers of every service the run starts at the test issuer (``OIDC_ISSUER``)."""
    os.environ["OIDC_ISSUER"] = local_issuer().url
    os.environ.pop("OIDC_JWKS_URI", None)
