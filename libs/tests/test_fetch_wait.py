"""The consumer's fetch wait: short while records flow, backing off to its bound when idle."""
import pytest

from ttp_common.fetch_wait import FetchWait


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_the_wait_stays_short_while_records_flow_and_through_a_short_pause():
    clock = Clock()
    wait = FetchWait(10, 250, idle_after=0.5, clock=clock)
    assert wait.after_poll(True) == 10
    clock.now += 0.4
    assert wait.after_poll(False) == 10  # a gap between records at 3 events/s is not idleness


def test_an_idle_consumer_doubles_its_wait_up_to_the_bound_and_a_record_resets_it():
    clock = Clock()
    wait = FetchWait(10, 250, idle_after=0.5, clock=clock)
    wait.after_poll(True)
    seen = []
    for _ in range(8):
        clock.now += 0.2
        seen.append(wait.after_poll(False))
    assert seen == [10, 10, 20, 40, 80, 160, 250, 250]
    assert wait.after_poll(True) == 10


def test_equal_bounds_give_a_fixed_wait_as_for_apache_kafka():
    clock = Clock()
    wait = FetchWait(500, 500, clock=clock)
    clock.now += 10
    assert wait.after_poll(False) == 500
    assert wait.after_poll(True) == 500


@pytest.mark.parametrize("shortest, longest", [(0, 250), (300, 250), (-5, 10)])
def test_bounds_that_cannot_work_are_refused(shortest, longest):
    with pytest.raises(ValueError):
        FetchWait(shortest, longest)
