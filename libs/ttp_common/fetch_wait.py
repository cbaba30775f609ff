"""How long a consumer's next fetch may wait at the broker for records (Kafka's ``max_wait_ms``).

Tansu, the development broker, answers a waiting fetch only when its wait runs out, even if records
arrive meanwhile (STACK-NOTES 12), so the wait is also the worst delay a new record sees. A fixed
10 ms kept that delay small but made a hundred fetches a second per consumer, answered by the broker,
with nothing to do. So the wait adapts: the shortest while records flow, doubling once none came for
``idle_after`` seconds, up to the longest. On Apache Kafka, which answers a waiting fetch as soon as
data arrives, set both bounds to the same long wait (``CONSUMER_FETCH_WAIT_MIN_MS`` = ``…_MAX_MS``).
"""
import time


class FetchWait:
    def __init__(self, shortest_ms, longest_ms, idle_after=0.5, clock=time.monotonic):
        if not 0 < shortest_ms <= longest_ms:
            raise ValueError(f"fetch wait bounds must satisfy 0 < shortest <= longest, got {shortest_ms}, {longest_ms}")
        self.shortest_ms, self.longest_ms, self.idle_after = shortest_ms, longest_ms, idle_after
        self.clock = clock
        self.ms = shortest_ms
        self._last_record = clock()

    def after_poll(self, got_records):
        """The wait for the next fetch, given whether the last poll returned records."""
        now = self.clock()
        if got_records:
            self._last_record = now
            self.ms = self.shortest_ms
        elif now - self._last_record >= self.idle_after:
            self.ms = min(self.longest_ms, self.ms * 2)
        return self.ms
