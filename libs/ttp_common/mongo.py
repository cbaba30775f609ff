"""MongoDB access for services: one client per process, and the unit of work.

A state change and the events it causes are written in one transaction
(transactional outbox). mongoengine 0.29 ``Document.save()`` ignores sessions, so
documents are validated with mongoengine and written through the collection with
``session=`` (STACK-NOTES 4). ``with_transaction`` may re-run the callback on
write conflicts, so the callback must have no side effects besides its writes.
"""
import datetime as dt
import logging
import re
import threading

import mongoengine
import pymongo
from eventlet.event import Event
from nameko.extensions import DependencyProvider
from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import (CollectionInvalid, ConnectionFailure, DuplicateKeyError, ExecutionTimeout,
                            WTimeoutError)
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

from . import events, logs, metrics, refusals
from .settings import setting

log = logging.getLogger(__name__)

_lock = threading.Lock()
_refcounts = {}

OUTBOX = "outbox"
PROCESSED = "processed_events"
DUPLICATE = object()  # returned by transact() when a consumed event was applied before
DEDUP_TTL_INDEX = "dedup_retention"
MARKS_INDEX = "dedup_marks"
SEQUENCES = "sequences"


def connect(uri, db_name, alias="default", operation_timeout=None):
    """Connect ``alias`` once per process (nameko sets providers up concurrently).

    ``operation_timeout`` (seconds) bounds the wait for each answer of the database, so one that
    stops answering (frozen, partitioned) gives an error (HTTP 503) instead of holding a worker
    forever. It is a socket timeout, not pymongo's client-wide ``timeoutMS``: that one also makes
    pymongo retry reads against a dead server until it expires, where now they fail after the
    3 s server selection."""
    with _lock:
        if _refcounts.get(alias, 0) == 0:
            timeouts = {"socketTimeoutMS": int(operation_timeout * 1000)} if operation_timeout else {}
            mongoengine.connect(
                db=db_name, host=uri, alias=alias, tz_aware=True, uuidRepresentation="standard",
                serverSelectionTimeoutMS=3000,  # fail fast (503) instead of hanging a worker for 30 s
                **timeouts,
            )
        _refcounts[alias] = _refcounts.get(alias, 0) + 1
    return mongoengine.get_db(alias)


def disconnect(alias="default"):
    with _lock:
        _refcounts[alias] = _refcounts.get(alias, 1) - 1
        if _refcounts[alias] == 0:
            mongoengine.disconnect(alias)


def now():
    return dt.datetime.now(dt.timezone.utc)


def _label(document_class):
    """``FinancingProject`` → ``financing project`` (for "no such ..." answers)."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", document_class.__name__).lower()


class Repository:
    """Reads and writes of mongoengine documents by document class, in the caller's session if any.

    The one place that knows how a document class maps to its collection and back (mongoengine's
    ``_get_collection_name`` and ``_from_son``): services use these methods, never that private API.
    Documents are validated by mongoengine and written through the collection (``Document.save()`` would
    ignore the session, STACK-NOTES 4).
    """

    session = None

    @property
    def db(self):
        raise NotImplementedError

    @staticmethod
    def of(db, session=None):
        """The repository of a plain database (and session), e.g. for a migration or a replay."""
        return _PlainRepository(db, session)

    def collection(self, document_class):
        """The raw collection (for paging helpers, aggregations and bulk updates)."""
        return self.db[document_class._get_collection_name()]

    @staticmethod
    def load(document_class, raw):
        """A raw document read from ``document_class``'s collection as a document (None stays None)."""
        return None if raw is None else document_class._from_son(raw)

    def find_one(self, document_class, query, sort=None):
        raw = self.collection(document_class).find_one(query, sort=sort, session=self.session)
        return self.load(document_class, raw)

    def get(self, document_class, doc_id, missing=None):
        """The document with ``doc_id``; ``refusals.NotFound`` ("no such <class>", or ``missing``) when absent."""
        found = self.find_one(document_class, {"_id": str(doc_id)})
        if found is None:
            raise refusals.NotFound(missing or f"no such {_label(document_class)}")
        return found

    def find(self, document_class, query=None, sort=None, limit=0, skip=0):
        """Documents matching ``query`` (a list), in ``sort`` order."""
        cursor = self.collection(document_class).find(query or {}, session=self.session)
        if sort:
            cursor = cursor.sort(sort)
        if skip:
            cursor = cursor.skip(skip)
        if limit:
            cursor = cursor.limit(limit)
        return [self.load(document_class, raw) for raw in cursor]

    def count(self, document_class, query=None):
        return self.collection(document_class).count_documents(query or {}, session=self.session)

    def insert(self, document):
        document.validate()
        self.collection(type(document)).insert_one(document.to_mongo().to_dict(), session=self.session)
        return document

    def replace(self, document, expected=None, upsert=False):
        """Replace ``document`` by id (``upsert``: or insert it); ``expected`` is an extra filter (e.g. the prior
        state) for guarded transitions. True when a document was replaced or inserted."""
        document.validate()
        query = {"_id": document.pk, **(expected or {})}
        result = self.collection(type(document)).replace_one(query, document.to_mongo().to_dict(), upsert=upsert,
                                                             session=self.session)
        return result.matched_count == 1 or result.upserted_id is not None

    def update(self, document_class, query, update, upsert=False, many=False):
        """An update with MongoDB operators (``$inc``, ``$set``); the number of documents it matched (or upserted)."""
        collection = self.collection(document_class)
        method = collection.update_many if many else collection.update_one
        result = method(query, update, upsert=upsert, session=self.session)
        return result.matched_count + (1 if result.upserted_id is not None else 0)

    def delete(self, document_class, query, many=False):
        collection = self.collection(document_class)
        method = collection.delete_many if many else collection.delete_one
        return method(query, session=self.session).deleted_count


class _PlainRepository(Repository):
    def __init__(self, db, session=None):
        self._db, self.session = db, session

    @property
    def db(self):
        return self._db


class UnitOfWork(Repository):
    """What a transaction callback gets: writes go through the session, events into the outbox."""

    def __init__(self, store, session, actor, causation_id):
        self.store = store
        self.session = session
        self.actor = actor
        self.causation_id = causation_id
        self.correlation_id = logs.get_context().get("correlation_id")
        self._events = []

    @property
    def db(self):
        return self.store.db

    def emit(self, event_name, data, subject):
        """Encode (validating against the schema) and queue an event; it is written after the state."""
        message = events.build(
            self.store.codec, event_name, data,
            source=f"/ttp/{self.store.service}", subject=str(subject),
            actor=self.actor, causation_id=self.causation_id, correlation_id=self.correlation_id,
            topic_prefix=self.store.topic_prefix,
        )
        self._events.append(message)
        return message

    def each(self, events):
        """The consumed ``events`` of a batch one by one, each the cause of what is emitted while it is current."""
        for event in events:
            self.causation_id = event.id
            yield event

    def _write_outbox(self):
        if not self._events:
            return
        created = now()
        self.db[OUTBOX].insert_many(
            [events.outbox_document(m, created) for m in self._events], session=self.session, ordered=True
        )


class StoreHandle(Repository):
    """The worker's view of the service's database: reads outside any transaction (the ``Repository``
    methods) and ``transact`` for writes."""

    def __init__(self, store, worker_ctx):
        self._store = store
        self._worker_ctx = worker_ctx

    @property
    def db(self):
        return self._store.db

    def transact(self, work, *args, actor=None, dedup=None, **kwargs):
        """Run ``work(uow, *args, **kwargs)`` in one transaction with its outbox events; returns its result.

        ``dedup`` is a consumed event: its ``ce_id`` is recorded in the same
        transaction, so a redelivered event has no second effect; returns
        ``DUPLICATE`` when it had been applied before.
        """
        store = self._store
        store.ready.wait()
        client = store.client
        handler = self._worker_ctx.entrypoint.method_name
        causation_id = dedup.id if dedup is not None else None
        if actor is None and dedup is not None:
            actor = events.Actor(sub=f"service:{store.service}", role="system")

        def callback(session):
            uow = UnitOfWork(store, session, actor, causation_id)
            if dedup is not None:
                # Look before inserting: a duplicate-key error would abort the whole transaction.
                # Two concurrent deliveries conflict on the insert and the loser retries, sees the mark.
                marker = f"{handler}|{dedup.id}"
                if marked(store.db, session, [marker]):
                    return DUPLICATE, uow
                store.db[PROCESSED].insert_one(
                    {"_id": marker, "handler": handler, "type": dedup.type, "topic": dedup.topic, "at": now(),
                     "marks": [marker]},
                    session=session,
                )
            result = work(uow, *args, **kwargs)
            uow._write_outbox()
            return result, uow

        with pymongo.timeout(store.transaction_timeout), client.start_session() as session:
            result, uow = session.with_transaction(
                callback,
                read_concern=ReadConcern("snapshot"),
                write_concern=WriteConcern("majority"),
            )
        if result is DUPLICATE:
            metrics.EVENTS_DEDUPLICATED.labels(store.service, handler).inc()
        elif uow._events:
            store.on_commit()
        return result

    def transact_batch(self, work, consumed, *args, **kwargs):
        """Apply a batch of ``consumed`` events (of one ``@consume(..., batch=True)`` call) in one transaction:
        their dedup marks written together (``mark_processed``), then ``work(uow, fresh, *args, **kwargs)`` with
        the events not applied before, in order (``uow.each(fresh)`` makes each the cause of what it emits).
        Returns ``work``'s result, or ``DUPLICATE`` when every event had been applied before."""
        store = self._store
        store.ready.wait()
        handler = self._worker_ctx.entrypoint.method_name
        actor = events.Actor(sub=f"service:{store.service}", role="system")
        applied = [0]

        def callback(session):
            uow = UnitOfWork(store, session, actor, None)
            fresh = mark_processed(store.db, session, handler, consumed)
            applied[0] = len(fresh)
            if not fresh:
                return DUPLICATE, uow
            result = work(uow, fresh, *args, **kwargs)
            uow._write_outbox()
            return result, uow

        with pymongo.timeout(store.transaction_timeout), store.client.start_session() as session:
            result, uow = session.with_transaction(
                callback,
                read_concern=ReadConcern("snapshot"),
                write_concern=WriteConcern("majority"),
            )
        if len(consumed) > applied[0]:
            metrics.EVENTS_DEDUPLICATED.labels(store.service, handler).inc(len(consumed) - applied[0])
        if uow._events:
            store.on_commit()
        return result


def mark_processed(db, session, handler, events):
    """Record the dedup marks ``<handler>|<ce_id>`` of consumed ``events`` in the caller's transaction, together:
    one document holding the batch's marks (``marks``), after two reads (``marked``); returns the events not applied
    before, in order, a ``ce_id`` repeated inside the batch (an at-least-once relay) kept once.

    One document per batch, not one per event: on SecantusDB inserting 500 marks as one document took 14–15 ms
    against 65–68 ms as 500 documents (in a transaction, measured on this machine kind). A mark stays unique across
    documents (``MARKS_INDEX``): two deliveries of overlapping batches, or of one event alone and in a batch,
    conflict at the insert and the loser's transaction fails (its events are then handled again and seen)."""
    first = {}
    for event in events:
        first.setdefault(f"{handler}|{event.id}", event)
    seen = marked(db, session, list(first))
    fresh = [(marker, event) for marker, event in first.items() if marker not in seen]
    if fresh:
        db[PROCESSED].insert_one({"handler": handler, "marks": [marker for marker, _ in fresh], "at": now(),
                                  "topics": sorted({event.topic for _, event in fresh})}, session=session)
    return [event for _, event in fresh]


def marked(db, session, markers):
    """Which of ``markers`` (``<handler>|<ce_id>``) are recorded: as a document's ``_id`` (one event's mark, and
    every mark written before marks were kept per batch) or in a document's ``marks`` (a batch's)."""
    seen = {doc["_id"] for doc in db[PROCESSED].find({"_id": {"$in": markers}}, {"_id": 1}, session=session)}
    wanted = set(markers) - seen
    if wanted:
        for doc in db[PROCESSED].find({"marks": {"$in": list(wanted)}}, {"marks": 1}, session=session):
            seen.update(wanted.intersection(doc["marks"]))
    return seen


def ensure_marks_index(db):
    """The unique index on the marks of ``processed_events`` (sparse: marks written before it have none)."""
    db[PROCESSED].create_index([("marks", ASCENDING)], name=MARKS_INDEX, unique=True, sparse=True)


def save_whole(collection, documents, session=None):
    """Write each of ``documents`` whole under its ``_id`` (of a repeated ``_id`` the last wins), as a bulk of
    ``ReplaceOne(upsert=True)`` would, in at most three round trips: the ids already stored are read, the others
    inserted together and the stored ones replaced. Returns how many were written.

    Why not the upserts: SecantusDB runs each upsert as a query and then a write, several times the cost of an
    insert (measured on this machine kind: 86–94 ms against 49–54 ms for 333 trace entries in a transaction),
    while what a projection writes under a ``ce_id`` is nearly always new."""
    latest = {doc["_id"]: doc for doc in documents}
    if not latest:
        return 0
    stored = {doc["_id"] for doc in collection.find({"_id": {"$in": list(latest)}}, {"_id": 1}, session=session)}
    new = [doc for _id, doc in latest.items() if _id not in stored]
    if new:
        collection.insert_many(new, ordered=True, session=session)
    if stored:
        collection.bulk_write([pymongo.ReplaceOne({"_id": _id}, latest[_id]) for _id in stored],
                              ordered=True, session=session)
    return len(latest)


def next_serial(db, key):
    """The next number (1, 2, ...) of the counter ``key``, drawn atomically and outside any transaction.

    Inside the caller's transaction the counter would be the one document every concurrent
    registration of a region and year writes: the transactions abort each other (WriteConflict)
    and retry until the transaction timeout (measured by `make bench-e2e`: 503s with 10-20
    concurrent contract registrations). Drawn outside, numbers stay unique and increasing, but
    one is skipped when the transaction that drew it does not commit (a refused or retried one).

    Concurrent first draws of a new counter race to insert it: the losers get a duplicate-key error from
    MongoDB, and from SecantusDB sometimes no document at all (measured: 12 concurrent first draws, 29 of 40
    rounds had such answers, after counting the draw: that number is skipped). Either way the counter exists
    then, and the draw is made again.
    """
    for attempt in range(3):
        try:
            drawn = db[SEQUENCES].find_one_and_update({"_id": key}, {"$inc": {"value": 1}}, upsert=True,
                                                       return_document=ReturnDocument.AFTER)
        except DuplicateKeyError:
            if attempt == 2:
                raise
            continue
        if drawn is not None:
            return drawn["value"]
    raise RuntimeError(f"the counter {key} gave no number in three draws")


def dedup_retention_seconds(days):
    """``DEDUP_RETENTION_DAYS`` as the TTL index's ``expireAfterSeconds``; ``None`` (keep forever) for 0."""
    days = float(days)
    if days < 0:
        raise ValueError(f"DEDUP_RETENTION_DAYS must be 0 (keep forever) or positive, not {days:g}")
    if days == 0:
        return None
    return max(1, round(days * 86400))


def dedup_retention_plan(indexes, seconds):
    """What ``ensure_dedup_retention`` must do, given ``index_information()`` of ``processed_events``:
    ``("create", s)``, ``("retune", s)`` (collMod), ``("drop", None)`` or ``(None, None)``."""
    current = indexes.get(DEDUP_TTL_INDEX)
    if seconds is None:
        return ("drop", None) if current is not None else (None, None)
    if current is None:
        return "create", seconds
    if current.get("expireAfterSeconds") != seconds:
        return "retune", seconds
    return None, None


def ensure_dedup_retention(db, days):
    """Expire deduplication markers ``days`` after they were written (a TTL index on ``at``).

    A marker (``processed_events``, written in the handler's transaction) only matters while the
    same ``ce_id`` can reach the same handler again. After the handler applied an event, that happens
    when:

    - the consumer crashed or its group rebalanced before committing the offset: the records of one
      poll batch come again within seconds or minutes;
    - an operator re-drives a dead letter (``ttp-dlq``): the other groups of the topic had applied
      the original when it was dead-lettered; ``ttp-dlq redrive`` refuses dead letters older than
      the retention;
    - an operator republishes an outbox (``ttp-stack replay``) or resets a group's offsets: they
      must stay inside the window (``ttp-stack replay --since``; operations.md 2.1–2.2);
    - a group's committed offsets expired (Kafka's ``offsets.retention.minutes``, 7 days by default,
      counted once the group is empty) and it starts again from the earliest record. Kafka's topic
      retention does not bound this: the platform's topics are kept forever (``retention.ms: -1``),
      so such a group reads everything again, like a new consumer: rebuild its read models.

    Operator actions can be kept inside a window; the last case cannot, unless the brokers'
    ``offsets.retention.minutes`` outlasts any outage. That is why the default is 0 (keep markers
    forever): opt in to a window only where that holds. A consumer lag does not matter (the marker's
    clock starts when the event is applied). The outbox is not pruned: it is the service's event log that ``replay``
    and read-model rebuilds need.

    The TTL index is honoured by MongoDB and by SecantusDB (measured: its sweeper, like mongod's
    TTL monitor, runs every 60 s), so markers go within about a minute of expiring. SecantusDB's
    sweep scans the whole collection under its storage lock (2.4 s per 100,000 markers measured). ``days=0``
    removes the index (markers kept forever). Changing ``days`` retunes the index with collMod.
    """
    seconds = dedup_retention_seconds(days)
    collection = db[PROCESSED]
    action, value = dedup_retention_plan(collection.index_information(), seconds)
    if action == "create":
        collection.create_index([("at", ASCENDING)], name=DEDUP_TTL_INDEX, expireAfterSeconds=value)
    elif action == "retune":
        db.command("collMod", PROCESSED, index={"name": DEDUP_TTL_INDEX, "expireAfterSeconds": value})
    elif action == "drop":
        collection.drop_index(DEDUP_TTL_INDEX)
    return action


def create_collections(db, names):
    """Create those of ``names`` that do not exist yet, outside any transaction."""
    existing = set(db.list_collection_names())
    for name in dict.fromkeys(names):
        if name not in existing:
            try:
                db.create_collection(name)
            except CollectionInvalid:  # another instance of the service created it meanwhile
                pass


# The database is unreachable or too slow to finish in time: nothing is wrong with the request
# or the event, so HTTP answers 503 and a consumer retries the record later (no dead letter).
UNAVAILABLE_ERRORS = (ConnectionFailure, ExecutionTimeout, WTimeoutError)


class Store(DependencyProvider):
    """The service's MongoDB database (``MONGO_URI``, ``MONGO_DB``) and its outbox.

    At start it creates the collections the service writes in transactions (its ``documents``', the
    outbox's, the dedup markers' and the names in its ``collections``), then their indexes, and runs its
    ``migrations`` (functions of the database that must be idempotent: every start runs them again).
    No transaction begins before that is done (``ready``): nameko starts entrypoints together with
    dependencies, and a transaction that creates a collection implicitly while an index build creates
    the same one is refused by MongoDB before 4.4 and deadlocks SecantusDB (docs/reliability-and-security.md,
    ``test_store_start.py``).
    """

    def __init__(self, alias="default"):
        self.alias = alias
        self.db = None
        self.client = None
        self._commit_listeners = []
        self._before_stop = []
        self.ready = Event()

    def setup(self):
        config = self.container.config
        self.service = self.container.service_name
        db_name = config.get("MONGO_DB") or f"ttp_{self.service}"
        self.db = connect(setting(config, "MONGO_URI"), db_name, self.alias,
                          operation_timeout=setting(config, "MONGO_OPERATION_TIMEOUT_SECONDS"))
        self.client = mongoengine.get_connection(self.alias)
        self.topic_prefix = setting(config, "KAFKA_TOPIC_PREFIX")
        self.transaction_timeout = setting(config, "TRANSACTION_TIMEOUT_SECONDS")
        self.dedup_retention_days = setting(config, "DEDUP_RETENTION_DAYS")
        dedup_retention_seconds(self.dedup_retention_days)  # a bad value stops the service at start-up
        self.codec = events.codec(setting(config, "SCHEMA_REGISTRY_URL") or None)

    def start(self):
        """Collections, indexes, migrations and the dedup retention, each step on its own (an index an older one
        blocks must not stop the migration that drops it); an unreachable database stops them all at
        once, since each would wait out server selection, and /health reports it."""
        try:
            self._prepare(self.container.service_cls)
        finally:
            self.ready.send()

    def _prepare(self, service):
        documents = getattr(service, "documents", ())
        collections = [OUTBOX, PROCESSED, SEQUENCES, *getattr(service, "collections", ())]
        collections += [document._get_collection_name() for document in documents]
        outbox_index = [("sent", ASCENDING), ("_id", ASCENDING)]
        steps = [("the collections", lambda: create_collections(self.db, collections)),
                 ("the outbox index", lambda: self.db[OUTBOX].create_index(outbox_index)),
                 (f"the index of the marks in {PROCESSED}", lambda: ensure_marks_index(self.db))]
        steps += [(f"the indexes of {document.__name__}", document.ensure_indexes)
                  for document in documents]
        steps += [(f"migration {migrate.__name__}", lambda migrate=migrate: migrate(self.db))
                  for migrate in getattr(service, "migrations", ())]
        steps += [(f"the retention of {PROCESSED}", lambda: ensure_dedup_retention(self.db, self.dedup_retention_days))]
        for name, step in steps:
            try:
                step()
            except ConnectionFailure:
                log.warning("database unreachable at start-up: indexes and migrations wait for the next start")
                break
            except Exception:
                log.error("%s failed; it runs again at the next start", name, exc_info=True)

    def stop(self):
        # Dependencies stop concurrently: let the relay drain before the client closes.
        for hook in self._before_stop:
            hook()
        disconnect(self.alias)

    def kill(self):
        disconnect(self.alias)

    def add_before_stop(self, hook):
        self._before_stop.append(hook)

    def add_commit_listener(self, listener):
        self._commit_listeners.append(listener)

    def on_commit(self):
        for listener in self._commit_listeners:
            listener()

    def ping(self):
        self.client.admin.command("ping")

    def get_dependency(self, worker_ctx):
        return StoreHandle(self, worker_ctx)
