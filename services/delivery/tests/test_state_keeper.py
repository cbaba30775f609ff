"""The state keeper's order of work (``delivery.state_keeper.keep_state``) without a broker or database: states are
produced before they are stored, in offset order, so that whatever batches, crashes and redeliveries happen, any
beginning of a state partition holds every event up to the highest offset in it (what a late subscriber relies
on: docs/subscribers 7)."""
import random

from delivery import state_keeper, states
from ttp_common.envelope import ReceivedEvent

TOPIC = "ttp.registry.achievement"


class Collection:
    def __init__(self):
        self.docs = {}

    def find(self, query):
        return [dict(self.docs[i]) for i in query["_id"]["$in"] if i in self.docs]

    def find_one(self, query, projection=None, session=None):
        doc = self.docs.get(query["_id"])
        return dict(doc) if doc else None

    def replace_one(self, query, doc, upsert=False, session=None):
        self.docs[query["_id"]] = dict(doc)


class Crash(Exception):
    pass


class Store:
    def __init__(self):
        self.db = {state_keeper.COLLECTION: Collection()}
        self.crash_before_save = False

    def transact(self, work, *args):
        if self.crash_before_save:
            raise Crash()
        return work(type("Uow", (), {"db": self.db, "session": None})(), *args)


class Publisher:
    def __init__(self):
        self.produced = []  # (partition, state) in the order the broker appended them

    def publish(self, records, first, last):
        self.produced += [(r["source"]["partition"], {**r, "through": last if i == len(records) - 1 else first - 1})
                          for i, r in enumerate(records)]


class Keeper:
    keep_state = state_keeper.StateKeeperEntrypoints.keep_state

    def __init__(self):
        self.store, self.state_publisher = Store(), Publisher()


def received(offset, key, partition=0):
    return ReceivedEvent(id=f"e-{partition}-{offset}", type="cn.gov.sc.ttp.registry.achievement.submitted.v1",
                         source="/ttp/registry", subject=key, time=None,
                         event_name="registry.achievement.submitted.v1", data={"step": offset}, extensions={},
                         topic=TOPIC, partition=partition, offset=offset, key=key.encode(),
                         headers=[("ce_time", b"2026-12-03T08:00:00Z")])


def assert_every_prefix_is_consistent(produced, events):
    """At each point of the state partition: every event at or before the highest ``through`` seen is in a state
    seen."""
    last_of = {}
    held, highest = {}, -1
    for _, state in produced:
        if state["source"]["offset"] >= held.get(state["id"], -1):
            held[state["id"]] = state["source"]["offset"]
        highest = max(highest, state["through"])
        for event in events:
            if event.offset <= highest:
                last_of[event.subject] = max(last_of.get(event.subject, -1), event.offset)
        for key, offset in last_of.items():
            assert held.get(key, -1) >= offset, (key, offset, held, highest)
        last_of.clear()


def test_states_are_produced_in_offset_order_and_each_once_per_batch():
    keeper = Keeper()
    batch = [received(0, "a"), received(1, "b"), received(2, "a"), received(3, "c"), received(4, "b")]
    keeper.keep_state(batch)
    produced = [(s["id"], s["source"]["offset"], s["through"]) for _, s in keeper.state_publisher.produced]
    assert produced == [("a", 2, -1), ("c", 3, -1), ("b", 4, 4)]  # the last record holds the batch
    stored = keeper.store.db[state_keeper.COLLECTION].docs
    assert stored[f"{TOPIC}|a"]["events"] == 2 and stored[f"{TOPIC}|b"]["data"] == {"step": 4}


def test_crashes_and_redeliveries_in_any_batches_never_leave_a_gap_in_a_state_partition():
    rng = random.Random(4)
    for _ in range(100):
        events = [received(offset, rng.choice("abcdef")) for offset in range(rng.randrange(5, 40))]
        keeper = Keeper()
        committed = 0
        while committed < len(events):
            # the next poll from the committed offset, cut anywhere; sometimes the keeper dies before storing
            size = rng.randrange(1, 8)
            batch = events[committed:committed + size]
            keeper.store.crash_before_save = rng.random() < 0.3
            try:
                keeper.keep_state(batch)
            except Crash:
                continue  # nothing committed: the same records come again, perhaps cut otherwise
            committed += len(batch)
        assert_every_prefix_is_consistent(keeper.state_publisher.produced, events)
        final = {}
        for _, state in keeper.state_publisher.produced:
            if state["source"]["offset"] >= final.get(state["id"], {"source": {"offset": -1}})["source"]["offset"]:
                final[state["id"]] = {k: v for k, v in state.items() if k != "through"}
        expected = {}
        for event in events:
            expected[event.subject] = states.fold(expected.get(event.subject), state_keeper.received(event))
        assert final == expected  # the latest per key: each aggregate's events folded once, in order
