"""The identity service's costs (issue 15 "Measure"); prints figures, asserts nothing.

    make bench-identity   (or: .venv/bin/python bench/bench_identity.py [--duration 20] [--connections 10]
                                [--verifications 5000])

1. Token verification per request, in this process, as a service's request pays it: ttp_common.oidc's
   Verifier on an RFC 9068 ES256 token with the issuer's JWKS cached (signature, iss, aud, exp, claims
   mapped to a Principal) beside the retired shared-secret HS256 check (pyjwt, as the services did before issue 15) of a
   token with the same claims, in the same run; and the first verification, which fetches discovery + JWKS.
2. The client-credentials token endpoint (POST /oauth/token, HTTP Basic, grant_type=client_credentials)
   under wrk, beside a bare nameko endpoint (bench/bare_service.py POST /bare with the same body, and
   GET /bare, and POST /insert: one transactional insert, what the audit record of each token costs) run right
   after it on the same machine: first with the default client-secret cache (argon2id
   verified once a minute per client and secret), then on a restarted identity with the cache off
   (argon2id, m=19 MiB t=2, on every request). Each token request also writes its audit record.

Everything runs on a private copy of the servers (bench/private_stack.py: own SecantusDB, own Tansu, own
RabbitMQ vhost; identity and the bare service as `nameko run` processes); its seeded credentials and keys go
to the private stack's temporary directory.
"""
import argparse
import base64
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from private_stack import PrivateStack, machine  # noqa: E402

HERE = Path(__file__).resolve().parent
TOKEN_LUA = HERE / "wrk" / "token.lua"
REQUEST_LUA = HERE / "wrk" / "request.lua"
FORM = "grant_type=client_credentials&scope=registry:read"


def run_wrk(url, args, lua, env):
    argv = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", "--timeout", "30s",
            "-s", str(lua), url]
    out = subprocess.run(argv, capture_output=True, text=True, env={**os.environ, **env}, check=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("WRK_JSON "))
    figures = json.loads(line[len("WRK_JSON "):])
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    figures["errors"] = sum(figures[k] for k in ("connect_errors", "read_errors", "write_errors", "status_errors",
                                                 "timeouts"))
    return figures


def per_call_us(function, n):
    function()
    started = time.perf_counter()
    for _ in range(n):
        function()
    return (time.perf_counter() - started) / n * 1e6


def start(scratch, cache_seconds):
    return PrivateStack(services=["identity"], bare=True, extra_env={
        "IDENTITY_KEY_DIR": str(scratch / "keys"), "IDENTITY_CREDENTIALS_FILE": str(scratch / "credentials.json"),
        "IDENTITY_CLIENT_SECRET_CACHE_SECONDS": str(cache_seconds)})


def credentials(scratch):
    path = scratch / "credentials.json"
    deadline = time.time() + 60
    while time.time() < deadline:
        if path.exists():
            data = json.loads(path.read_text())
            if "dev-subscriber" in data.get("clients", {}):
                return data
        time.sleep(0.2)
    raise SystemExit("the identity service did not seed its development clients")


def token_runs(stack, args, secret):
    identity, bare = stack.url("identity"), stack.url("bare")
    basic = base64.b64encode(f"dev-subscriber:{secret}".encode()).decode()
    check = requests.post(f"{identity}/oauth/token", data=FORM, auth=("dev-subscriber", secret), timeout=30,
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    check.raise_for_status()
    rows = [("identity POST /oauth/token (client credentials)",
             run_wrk(f"{identity}/oauth/token", args, TOKEN_LUA, {"WRK_FORM": FORM, "WRK_BASIC": basic}))]
    rows.append(("bare nameko POST /bare (same body, nothing)",
                 run_wrk(f"{bare}/bare", args, TOKEN_LUA, {"WRK_FORM": FORM, "WRK_BASIC": ""})))
    rows.append(("bare nameko GET /bare (constant)",
                 run_wrk(f"{bare}/bare", args, REQUEST_LUA, {"WRK_METHOD": "GET", "WRK_TOKEN": "", "WRK_BODY_FILE": ""})))
    body = Path(tempfile.mkstemp(prefix="wrk-body-", suffix=".json")[1])
    body.write_text(json.dumps({"action": "client.token", "outcome": "success", "detail": {"client_id": "x"}}))
    rows.append(("bare nameko POST /insert (1 txn insert, as the audit)",
                 run_wrk(f"{bare}/insert?c=audit", args, REQUEST_LUA,
                         {"WRK_METHOD": "POST", "WRK_TOKEN": "", "WRK_BODY_FILE": str(body)})))
    body.unlink()
    return rows


def print_rows(title, rows):
    print(f"\n {title}")
    print(f"  {'':52s} {'req/s':>8s} {'p50 ms':>8s} {'p95 ms':>8s} {'p99 ms':>8s} {'errors':>7s} {'requests':>9s}")
    for name, f in rows:
        print(f"  {name:52s} {f['rps']:8.1f} {f['p50_us'] / 1000:8.1f} {f['p95_us'] / 1000:8.1f} "
              f"{f['p99_us'] / 1000:8.1f} {f['errors']:7d} {f['requests']:9d}")
    service = rows[0][1]
    for name, f in rows[1:]:
        print(f"  ratio vs {name[12:]:43s} throughput {service['rps'] / f['rps']:6.3f}   "
              f"p99 {service['p99_us'] / max(f['p99_us'], 1):6.1f}x")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=20, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--verifications", type=int, default=5000)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: `make bench-deps` (Debian package wrk)")
    print(f"machine: {machine()}\nload tool: wrk, {args.threads} threads, {args.connections} connections, "
          f"{args.duration} s per run")

    import jwt

    from ttp_common import oidc

    scratch = Path(tempfile.mkdtemp(prefix="ttp-bench-identity-"))
    with start(scratch, 60) as stack:
        creds = credentials(scratch)
        secret = creds["clients"]["dev-subscriber"]["client_secret"]
        identity = stack.url("identity")
        token = requests.post(f"{identity}/oauth/token", data={"grant_type": "client_credentials",
                                                              "scope": "registry:read"},
                              auth=("dev-subscriber", secret), timeout=30).json()["access_token"]
        # 1. verification per request
        settings = oidc.OidcSettings(issuer=identity, audiences=("registry", "ttp"))
        cold = oidc.Verifier(settings)
        started = time.perf_counter()
        cold.verify(token)
        first_ms = (time.perf_counter() - started) * 1000
        hs256_claims = {"iss": "ttp", "sub": "bench-client", "role": "admin", "org": "org-1", "region": "510100",
                        "iat": int(time.time()), "exp": int(time.time()) + 3600}
        hs256 = jwt.encode(hs256_claims, "x" * 40, algorithm="HS256")
        es256_runs, hs256_runs = [], []
        for _ in range(5):  # interleaved rounds on a shared machine; the medians are printed
            es256_runs.append(per_call_us(lambda: cold.verify(token), args.verifications // 5))
            hs256_runs.append(per_call_us(lambda: jwt.decode(hs256, "x" * 40, algorithms=["HS256"], issuer="ttp",
                                                                  options={"require": ["exp", "iat", "sub"]}), args.verifications // 5))
        es256_us, hs256_us = statistics.median(es256_runs), statistics.median(hs256_runs)
        print(f"\n token verification per request ({args.verifications} each in 5 interleaved rounds, medians, "
              f"this process, one core)")
        print(f"  ES256 RFC 9068, ttp_common.oidc, JWKS cached      {es256_us:8.1f} µs   "
              f"({1e6 / es256_us:8.0f}/s per core)")
        print(f"  HS256, pyjwt (the retired shared-secret check) {hs256_us:8.1f} µs   "
              f"({1e6 / hs256_us:8.0f}/s per core)")
        print(f"  ratio ES256 / HS256                                 {es256_us / hs256_us:8.2f}x   (rounds: ES256 "
              + ", ".join(f"{v:.0f}" for v in es256_runs) + "; HS256 " + ", ".join(f"{v:.0f}" for v in hs256_runs)
              + " µs)")
        print(f"  first ES256 verification (discovery + JWKS fetch) {first_ms:8.1f} ms; JWKS fetches in "
              f"{args.verifications + 2} verifications: {cold.keys.fetches}")
        # 2. the token endpoint, secret cache on
        print_rows("client-credentials token endpoint, client-secret cache on (default, 60 s)",
                   token_runs(stack, args, secret))
        issued = stack.mongo()["ttp_identity"]["security_audit"].count_documents({"action": "client.token"})
        print(f"  audit records of issued client tokens: {issued}")
    scratch2 = Path(tempfile.mkdtemp(prefix="ttp-bench-identity-"))
    with start(scratch2, 0) as stack:
        secret = credentials(scratch2)["clients"]["dev-subscriber"]["client_secret"]
        print_rows("client-credentials token endpoint, cache off (argon2id m=19 MiB t=2 p=1 per request)",
                   token_runs(stack, args, secret))


if __name__ == "__main__":
    main()
