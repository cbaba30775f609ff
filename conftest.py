# Monkey-patch before anything imports pymongo, kafka or socket users (STACK-NOTES 1).
import eventlet

eventlet.monkey_patch()

import gc  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
import traceback  # noqa: E402

import greenlet  # noqa: E402


def _dump_greenlets(*_):
    """`kill -USR1 <pytest pid>` prints every greenlet's stack: a hung green test shows only the hub."""
    for obj in gc.get_objects():
        if isinstance(obj, greenlet.greenlet) and obj and obj.gr_frame is not None:
            print(f"=== {obj!r}", file=sys.stderr)
            traceback.print_stack(obj.gr_frame, file=sys.stderr)
    sys.stderr.flush()


signal.signal(signal.SIGUSR1, _dump_greenlets)
