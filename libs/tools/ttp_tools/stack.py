"""The embedded local stack: start, check, stop (the Makefile's front door calls this).

    ttp-stack infra-up      start Kafka (Tansu), MongoDB (SecantusDB) and make sure RabbitMQ answers
    ttp-stack infra-down    stop what infra-up started
    ttp-stack run           infra-up, then every service in the foreground (honcho); Ctrl-C stops all
    ttp-stack up | down     the same in the background; `up` returns when every /health answers 200
    ttp-stack health        check every service's /health once
    ttp-stack replay        mark every service's outbox for republishing (after the broker lost its log);
                            --since 7d | 2026-11-27T00:00:00Z republishes only the events created since then

Ports and addresses come from the environment (see README); state lives in .run/.
"""
import argparse
import os
import signal
import subprocess
import threading
import time

import requests

from .processes import (
    REPO_ROOT, RUN_DIR, StackError, alive, amqp_uri, kafka_bootstrap, mongo_uri, pid_file, say, service_port,
    start_process, stop_process, venv_tool,
)
from .servers import infra_down, infra_up, parse_since, replay, service_environment
from .services import SERVICE_CLASSES, SERVICES


# -- services --------------------------------------------------------------
def procfile():
    nameko = venv_tool("nameko")
    lines = []
    for name, cls in SERVICE_CLASSES.items():
        config = REPO_ROOT / "services" / name / "config.yaml"
        # EVENTLET_TESTS only silences eventlet's deprecation banner, which would open every log
        lines.append(f"{name}: cd services/{name} && EVENTLET_TESTS=1 "
                     f"exec {nameko} run --config {config} {cls}")
    path = RUN_DIR / "Procfile"
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def honcho_argv():
    return [venv_tool("honcho"), "--no-colour", "-f", str(procfile()), "-d", str(REPO_ROOT), "start"]


def health_of(name):
    try:
        r = requests.get(f"http://127.0.0.1:{service_port(name)}/health", timeout=3)
        return r.status_code, r.text
    except requests.RequestException as exc:
        return None, str(exc)


def crashed_service_report(lines=12):
    """From honcho's log: which service exited with an error first, and its last output lines."""
    path = RUN_DIR / "logs" / "services.log"
    log = path.read_text(errors="replace").splitlines() if path.exists() else []
    crashed = next((line.split("|", 1)[1].split()[0] for line in log
                    if "| " in line and " stopped (rc=" in line and "(rc=0)" not in line), None)
    if crashed is None:
        return "\n".join(log[-lines:])
    own = [line for line in log if line[9:].startswith(crashed)]
    return f"{crashed.split('.')[0]} exited with an error:\n" + "\n".join(own[-lines:])


def wait_for_services(timeout, runner_alive=lambda: True):
    deadline = time.time() + timeout
    pending = set(SERVICES)
    while pending and time.time() < deadline:
        if not runner_alive():
            raise StackError(f"the services exited before answering /health ({', '.join(sorted(pending))} "
                             f"not up; full log {RUN_DIR / 'logs' / 'services.log'}). "
                             f"{crashed_service_report()}")
        for name in sorted(pending):
            status, _ = health_of(name)
            if status == 200:
                pending.discard(name)
                say(f"{name}: healthy on http://127.0.0.1:{service_port(name)}")
        time.sleep(0.5)
    if pending:
        details = "; ".join(f"{n}: {health_of(n)[1][:200]}" for n in sorted(pending))
        raise StackError(f"service(s) did not answer GET /health with 200 within {timeout} s: "
                         f"{', '.join(sorted(pending))} ({details}); logs: {RUN_DIR / 'logs' / 'services.log'}; "
                         "the rest is left running for inspection, `make down` stops it")


def print_endpoints():
    say("listening:")
    for name in SERVICES:
        port = service_port(name)
        say(f"  {name:<13} http://127.0.0.1:{port}  (/health, /metrics, /api/v1/openapi.json)")
    say(f"  Kafka         {kafka_bootstrap()}")
    say(f"  MongoDB       {mongo_uri()}")
    say(f"  RabbitMQ      {amqp_uri()}")


def run_foreground():
    started = infra_up()
    print_endpoints()
    say("starting services; Ctrl-C stops everything")
    proc = subprocess.Popen(honcho_argv(), cwd=REPO_ROOT, env={**os.environ, **service_environment()})
    threading.Thread(target=report_health, args=(proc, 120), daemon=True).start()
    try:
        proc.wait()
    except KeyboardInterrupt:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
    finally:
        infra_down(started)  # leave alone the servers that were already running


def report_health(proc, timeout):
    """In the foreground run: say once whether every service came up (and which did not)."""
    try:
        wait_for_services(timeout, runner_alive=lambda: proc.poll() is None)
        say("all services healthy")
    except StackError as exc:
        if proc.poll() is None:
            say(str(exc.code))


def up(timeout):
    infra_up()
    if pid_file("services").exists() and alive(int(pid_file("services").read_text())):
        say("services already started (make down first to restart)")
    else:
        start_process("services", honcho_argv(), fresh_log=True, extra_env=service_environment())
    pid = int(pid_file("services").read_text())
    wait_for_services(timeout, runner_alive=lambda: alive(pid))
    print_endpoints()


def down():
    if stop_process("services", timeout=90):
        say("stopped services")
    infra_down()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="ttp-stack", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["infra-up", "infra-down", "run", "up", "down", "health", "replay"])
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--service", action="append", help="replay only these services")
    parser.add_argument("--since", help="replay only events created since: 7d, 12h or an ISO 8601 time "
                                        "(keep it inside DEDUP_RETENTION_DAYS; operations.md 2.1)")
    args = parser.parse_args(argv)
    if args.command in ("run", "up"):
        os.environ.setdefault("KAFKA_STORAGE", "s3")  # the platform keeps its Kafka log (servers.kafka_storage)
    if args.command == "infra-up":
        infra_up()
    elif args.command == "infra-down":
        infra_down()
    elif args.command == "run":
        run_foreground()
    elif args.command == "up":
        up(args.timeout)
    elif args.command == "down":
        down()
    elif args.command == "health":
        bad = [n for n in SERVICES if health_of(n)[0] != 200]
        for n in SERVICES:
            say(f"{n}: {health_of(n)}")
        if bad:
            raise StackError(f"unhealthy: {', '.join(bad)}")
    elif args.command == "replay":
        count = replay(args.service, parse_since(args.since))
        say(f"{count} events queued for republishing; running relays publish them now")


if __name__ == "__main__":
    main()
