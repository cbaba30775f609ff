"""The processes the local stack owns: addresses from the environment, pid files under .run/, starting,
stopping and waiting for them (used by ``ttp_tools.servers`` and ``ttp_tools.stack``)."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

from ttp_common.paths import REPO_ROOT, RUN_DIR

from .services import SERVICES


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


def start_process(name, argv, fresh_log=False, extra_env=None, quiet=False):
    """Start ``argv`` in a session of its own, its output in ``.run/logs/<name>.log`` (``quiet``: discarded);
    ``extra_env``: added variables."""
    (RUN_DIR / "pids").mkdir(parents=True, exist_ok=True)
    (RUN_DIR / "logs").mkdir(parents=True, exist_ok=True)
    log = subprocess.DEVNULL if quiet else open(RUN_DIR / "logs" / f"{name}.log", "wb" if fresh_log else "ab")
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True, cwd=REPO_ROOT, env={**os.environ, **(extra_env or {})})
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


def venv_tool(name):
    """A console script of this virtualenv (so the services run with the launcher's packages)."""
    path = Path(sys.executable).parent / name
    return str(path) if path.exists() else (shutil.which(name) or name)
