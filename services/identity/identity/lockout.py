"""Failed sign-ins: the per-account and per-address limits, and the lockout (issue 15 item 6).

Every attempt is recorded *before* its password (or second factor) is checked, and then counted with the
attempts of the last minute that did not succeed, itself included. So with the default limit of 5 per
account, the 6th attempt within a minute after five failures is refused without the hash being checked,
and concurrent guesses cannot slip past the count (each sees at least its own record and those written
before it). Per address the limit is higher (offices share an address behind NAT).

Consecutive failures since the last success are counted on the account; when they reach
``lockout_after`` the account is locked until an administrator lifts the lock.
"""
import datetime as dt

WINDOW = dt.timedelta(minutes=1)
NOT_SUCCEEDED = ("pending", "failed", "throttled")


def window_start(now):
    """The start of the window that the limits count in."""
    return now - WINDOW


def over_limit(attempts_in_window, limit):
    """Whether this attempt (counted in ``attempts_in_window``, with those of the window that did not
    succeed) is one too many: with ``limit`` 5, the 6th is."""
    return attempts_in_window > limit


def throttled(account_attempts, address_attempts, settings):
    """``"account"`` or ``"address"`` when that limit refuses the attempt, else None."""
    if over_limit(account_attempts, settings.account_failures_per_minute):
        return "account"
    if over_limit(address_attempts, settings.address_failures_per_minute):
        return "address"
    return None


def lock_due(consecutive_failures, lockout_after):
    """Whether the failure that brought the count to ``consecutive_failures`` locks the account."""
    return lockout_after > 0 and consecutive_failures >= lockout_after
