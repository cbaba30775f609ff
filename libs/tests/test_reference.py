"""The plan's calendar is China's: a date near midnight UTC belongs to China's day."""
import datetime as dt

from ttp_common.clock import china_date


def test_china_date_is_utc_plus_8_whatever_the_servers_zone():
    utc = dt.timezone.utc
    assert china_date(dt.datetime(2026, 12, 31, 15, 59, tzinfo=utc)) == dt.date(2026, 12, 31)
    assert china_date(dt.datetime(2026, 12, 31, 16, 0, tzinfo=utc)) == dt.date(2027, 1, 1)  # New Year in Chengdu
    assert china_date(dt.datetime(2027, 2, 28, 16, 30, tzinfo=utc)) == dt.date(2027, 3, 1)  # a filing is late
