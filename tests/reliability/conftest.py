"""Fixtures for fault tests: servers of the test's own, which a test may kill without
disturbing anything else that runs against the shared local stack."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pymongo
from nameko.testing.utils import find_free_port

SECANTUSD = str(Path(sys.executable).with_name("secantusd-py"))


class PrivateMongo:
    """A SecantusDB (MongoDB protocol) process on a free port with its own data directory."""

    def __init__(self, data_dir, *extra_args):
        self.extra_args = list(extra_args)
        self.port = find_free_port()
        self.data_dir = data_dir
        self.uri = f"mongodb://127.0.0.1:{self.port}/?directConnection=true"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [SECANTUSD, "--host", "127.0.0.1", "--port", str(self.port), "--storage-path", str(self.data_dir),
             "--log-level", "WARNING", *self.extra_args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = pymongo.MongoClient(self.uri, serverSelectionTimeoutMS=500)
        deadline = time.time() + 60
        while True:
            try:
                client.admin.command("ping")
                break
            except pymongo.errors.PyMongoError:
                if time.time() > deadline or self.process.poll() is not None:
                    raise RuntimeError("private SecantusDB did not start")
                time.sleep(0.2)
        client.close()

    def stop(self, sig=signal.SIGTERM):
        """SIGTERM is a restart by an operator; SIGKILL is a crash of the process."""
        if self.process and self.process.poll() is None:
            os.kill(self.process.pid, sig)
            self.process.wait(30)
