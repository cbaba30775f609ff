"""Cursors of ttp_common.paging: exact to the millisecond, and a foreign one is a 400 naming its parameter."""
import datetime as dt

import pytest

from ttp_common.errors import ValidationFailed
from ttp_common.paging import decode_time_cursor, encode_time_cursor


def test_a_time_cursor_round_trips_to_the_millisecond_naive_times_being_utc():
    at = dt.datetime(2026, 11, 27, 4, 0, 0, 123000, tzinfo=dt.timezone.utc)
    assert decode_time_cursor(encode_time_cursor(at, "abc")) == (at, "abc")
    assert decode_time_cursor(encode_time_cursor(at.replace(tzinfo=None), "abc")) == (at, "abc")


@pytest.mark.parametrize("bad", ["", "not-base64!", "WzEsMl0", "WyJ4IiwieSJd"])  # [1,2] and ["x","y"]: wrong types
def test_a_cursor_this_service_did_not_give_is_a_400_naming_its_parameter(bad):
    with pytest.raises(ValidationFailed) as refused:
        decode_time_cursor(bad, param="before")
    assert refused.value.fields[0]["path"] == "before"
