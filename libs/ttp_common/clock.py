"""The platform's clock: instants in UTC to MongoDB's millisecond precision, dates by China's calendar.

Every service takes "now" from here: ``now_ms()`` for what is stored and published (a 201 body then equals
what a later GET returns, since MongoDB keeps milliseconds), ``china_date()`` for deadlines, fiscal years and
"today" (28 February, 31 March, a certificate's expiry), whatever the servers' time zone.
"""
import datetime as dt
from zoneinfo import ZoneInfo

CHINA_TIME = ZoneInfo("Asia/Shanghai")  # China Standard Time, UTC+8


def to_ms(moment):
    """An aware datetime in UTC, truncated to milliseconds.

    Call it only on a datetime already checked to lie near now: converting, say, 9999-12-31T23:00-01:00 to
    UTC overflows (an OverflowError, not a ValueError)."""
    moment = moment.astimezone(dt.timezone.utc)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def now_ms():
    """Now, in UTC, to the millisecond."""
    return to_ms(dt.datetime.now(dt.timezone.utc))


def china_date(moment=None):
    """The date in China of an aware ``moment`` (default: now)."""
    return (moment or dt.datetime.now(dt.timezone.utc)).astimezone(CHINA_TIME).date()
