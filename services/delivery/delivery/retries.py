"""When a failed delivery is tried again, and when it is parked instead.

The n-th failure of a delivery waits ``base * 2**(n-1)`` seconds, at most ``cap``; after ``max_attempts`` failures
the delivery is parked: it waits for a redelivery (the subscription's API) and, since deliveries of one aggregate
keep their order, so do the later events of its aggregate for that subscription.
"""
import dataclasses
import datetime as dt


@dataclasses.dataclass(frozen=True)
class Policy:
    base_seconds: float = 1.0
    cap_seconds: float = 600.0
    max_attempts: int = 15

    def __post_init__(self):
        if self.base_seconds <= 0 or self.cap_seconds < self.base_seconds or self.max_attempts < 1:
            raise ValueError(f"a retry policy needs 0 < base <= cap and at least one attempt: {self}")


def delay(policy, failures):
    """Seconds to wait after the ``failures``-th failure (1, 2, ...)."""
    if failures < 1:
        return 0.0
    return min(policy.cap_seconds, policy.base_seconds * 2 ** min(failures - 1, 62))


@dataclasses.dataclass(frozen=True)
class AfterFailure:
    attempts: int
    parked: bool
    next_attempt_at: dt.datetime | None


def after_failure(policy, attempts_before, now):
    """The delivery's state after one more failed attempt at ``now``."""
    attempts = attempts_before + 1
    if attempts >= policy.max_attempts:
        return AfterFailure(attempts, True, None)
    return AfterFailure(attempts, False, now + dt.timedelta(seconds=delay(policy, attempts)))
