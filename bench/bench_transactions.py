"""Transactions benchmarks (issue 4): bids/s on one auction and contract registrations/s through the
HTTP API, each beside a raw baseline doing the equivalent writes in the same run.

    make bench-transactions        (or: .venv/bin/python bench/bench_transactions.py [--bids N] [--contracts N])

1. bids: sequential bids from one client, then C concurrent clients racing on the same auction
   (each bids the current price plus the increment; most lose the race and get 409 bid_too_low),
   vs. raw pymongo transactions doing the same writes per bid (read the auction, compare-and-set
   update, insert the bid, insert the outbox row) and a bare batched KafkaProducer sending
   payloads of the same size.
2. contracts: submit then register N contracts over HTTP (validation, auth, one transaction each,
   outbox) vs. raw pymongo transactions doing the registration's writes (read, $inc of the
   per-region serial, replace, outbox row).
Figures are printed with the service/baseline ratio; nothing is asserted. The relay publishes
every event to Kafka before the run ends (its drain time is printed too).
"""
import eventlet

eventlet.monkey_patch()

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402
from decimal import Decimal  # noqa: E402

import pymongo  # noqa: E402
import requests  # noqa: E402
from kafka import KafkaProducer  # noqa: E402
from pymongo import ReturnDocument  # noqa: E402
from pymongo.read_concern import ReadConcern  # noqa: E402
from pymongo.write_concern import WriteConcern  # noqa: E402

from transactions.service import TransactionsService  # noqa: E402
from ttp_common import kafka  # noqa: E402
from ttp_testing import BOOTSTRAP, MONGO_URI, running_service, unique, wait_for  # noqa: E402

SELLER = "org-bench-seller"
BIDDERS = [f"org-bench-bidder-{i}" for i in range(16)]


UNAVAILABLE = {"count": 0}  # 503s from a loaded shared database; the request is retried and counted


def post(session, url, token, body=None, expect=201):
    for _ in range(10):
        response = session.post(url, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=60)
        if response.status_code != 503:
            assert response.status_code == expect, response.text
            return response
        UNAVAILABLE["count"] += 1
        time.sleep(0.5)
    raise RuntimeError(f"{url}: still unavailable after 10 tries")


def seed_listing(api, token):
    """A published achievement in the replica (as the registry's event would leave it) and a listing of it."""
    achievement_id = uuid.uuid4().hex
    api.db.achievements.insert_one({
        "_id": achievement_id, "status": "published", "registration_number": "510100202610001",
        "title": "石墨烯导热膜中试技术", "summary": "散热", "keywords": ["石墨烯"], "industry": "新材料", "programme": 3,
        "trl": 6, "region_code": "510100", "organization_ids": [SELLER], "patent_numbers": [],
        "published_at": dt.datetime.now(dt.timezone.utc)})
    response = requests.post(f"{api.url}/api/v1/listings", json={
        "achievement_id": achievement_id, "mode": "transfer", "asking_price": "1000000.00"},
        headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def new_auction(api, token, listing_id):
    response = requests.post(f"{api.url}/api/v1/auctions", json={
        "listing_id": listing_id, "start_price": "1000.00", "increment": "1.00", "extension_seconds": 0,
        "ends_at": (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=2)).isoformat()},
        headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def sequential_bids(api, tokens, auction_id, n):
    session = requests.Session()
    url = f"{api.url}/api/v1/auctions/{auction_id}/bids"
    start = time.perf_counter()
    for i in range(n):
        post(session, url, tokens[BIDDERS[i % 2]], {"amount": f"{1000 + i}.00"})
    return n / (time.perf_counter() - start)


def concurrent_bids(api, tokens, auction_id, clients, seconds):
    """`clients` threads race for `seconds`: each bids the last price it saw plus the increment."""
    url = f"{api.url}/api/v1/auctions/{auction_id}/bids"
    stop = time.perf_counter() + seconds
    counts = {"accepted": 0, "refused": 0, "unavailable": 0, "other": 0}
    lock = threading.Lock()

    def client(org):
        session = requests.Session()
        price = Decimal(session.get(f"{api.url}/api/v1/auctions/{auction_id}").json()["current_price"] or "999")
        while time.perf_counter() < stop:
            response = session.post(url, json={"amount": str(price + 1)},
                                    headers={"Authorization": f"Bearer {tokens[org]}"}, timeout=60)
            kind = {201: "accepted", 409: "refused", 503: "unavailable"}.get(response.status_code, "other")
            with lock:
                counts[kind] += 1
            if kind == "accepted":
                price = Decimal(response.json()["current_price"])
            elif kind == "refused":
                price = Decimal(session.get(f"{api.url}/api/v1/auctions/{auction_id}").json()["current_price"])

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(client, BIDDERS[:clients]))
    elapsed = time.perf_counter() - start
    return counts, elapsed


def raw_bids(db, client, n):
    """The bid's writes without the service: read, compare-and-set, bid insert, outbox insert (one transaction)."""
    db.auctions.insert_one({"_id": "a", "version": 0, "current_price": None, "bids": 0})
    start = time.perf_counter()
    for i in range(n):
        def work(session, i=i):
            auction = db.auctions.find_one({"_id": "a"}, session=session)
            result = db.auctions.update_one({"_id": "a", "version": auction["version"]}, {"$set": {
                "version": auction["version"] + 1, "current_price": f"{1000 + i}.00", "bids": auction["bids"] + 1}},
                session=session)
            assert result.matched_count == 1
            db.bids.insert_one({"_id": uuid.uuid4().hex, "auction_id": "a", "sequence": i + 1,
                                "amount": f"{1000 + i}.00"}, session=session)
            db.outbox.insert_one({"value": b"x" * 400, "sent": False}, session=session)
        with client.start_session() as session:
            session.with_transaction(work, read_concern=ReadConcern("snapshot"), write_concern=WriteConcern("majority"))
    return n / (time.perf_counter() - start)


def raw_registrations(db, client, n):
    db.contracts.insert_many([{"_id": i, "status": "submitted", "region_code": "510100", "amount": "100.00"}
                              for i in range(n)])
    start = time.perf_counter()
    for i in range(n):
        def work(session, i=i):
            contract = db.contracts.find_one({"_id": i}, session=session)
            serial = db.sequences.find_one_and_update({"_id": "contract|510100|2026"}, {"$inc": {"value": 1}},
                                                      upsert=True, return_document=ReturnDocument.AFTER,
                                                      session=session)["value"]
            db.contracts.replace_one({"_id": i}, {**contract, "status": "registered",
                                                  "registration_number": f"5101002026{serial:06d}"}, session=session)
            db.outbox.insert_one({"value": b"x" * 500, "sent": False}, session=session)
        with client.start_session() as session:
            session.with_transaction(work, read_concern=ReadConcern("snapshot"), write_concern=WriteConcern("majority"))
    return n / (time.perf_counter() - start)


def raw_kafka(n, size):
    topic = f"{unique('bench')}.raw"
    kafka.ensure_topics(BOOTSTRAP, [topic], 3)
    producer = KafkaProducer(bootstrap_servers=BOOTSTRAP, api_version=kafka.API_VERSION, acks="all",
                             max_in_flight_requests_per_connection=1)
    start = time.perf_counter()
    futures = [producer.send(topic, key=b"a", value=b"x" * size) for _ in range(n)]
    producer.flush()
    for future in futures:
        future.get()
    rate = n / (time.perf_counter() - start)
    producer.close()
    return rate


def drained(api):
    return api.db.outbox.count_documents({"sent": False}) == 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bids", type=int, default=500)
    parser.add_argument("--contracts", type=int, default=300)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--race-seconds", type=float, default=10)
    args = parser.parse_args()
    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores; servers: SecantusDB, Tansu, "
          f"RabbitMQ on loopback; {args.bids} bids, {args.contracts} contracts, {args.clients} racing clients")

    with running_service(TransactionsService, LOG_LEVEL="WARNING", OUTBOX_POLL_SECONDS=0.2) as api:
        seller = api.token("institution", sub="bench-seller", org=SELLER)
        tokens = {org: api.token("institution", sub=f"bench-{org}", org=org) for org in BIDDERS}
        listing_id = seed_listing(api, seller)

        # 1. bids
        auction_id = new_auction(api, seller, listing_id)
        seq_rate = sequential_bids(api, tokens, auction_id, args.bids)
        counts, race_elapsed = concurrent_bids(api, tokens, auction_id, args.clients, args.race_seconds)
        stored = api.db.bids.count_documents({"auction_id": auction_id})
        state = api.db.auctions.find_one({"_id": auction_id})
        amounts = [Decimal(b["amount"]) for b in api.db.bids.find({"auction_id": auction_id}).sort("sequence", 1)]
        invariants = (stored == args.bids + counts["accepted"] == state["bids"] == state["version"]
                      and all(b > a for a, b in zip(amounts, amounts[1:])))
        start = time.perf_counter()
        wait_for(lambda: drained(api), timeout=120, message="the outbox to drain")
        bid_drain = time.perf_counter() - start

        # 2. contracts
        session = requests.Session()
        ids = []
        start = time.perf_counter()
        for i in range(args.contracts):
            response = post(session, f"{api.url}/api/v1/contracts", seller, {
                "contract_type": "licence", "contract_amount": "1200000.50", "technology_transaction_amount": "1000000.25",
                "seller_organization_id": SELLER, "buyer_organization_id": BIDDERS[0], "region_code": "510100",
                "broker_person_ids": ["p-1"]})
            ids.append(response.json()["id"])
        submit_rate = args.contracts / (time.perf_counter() - start)
        registrar = api.token("registrar", sub="bench-registrar", region="510100")
        start = time.perf_counter()
        for contract_id in ids:
            post(session, f"{api.url}/api/v1/contracts/{contract_id}/register", registrar, expect=200)
        register_rate = args.contracts / (time.perf_counter() - start)
        start = time.perf_counter()
        wait_for(lambda: drained(api), timeout=120, message="the outbox to drain")
        contract_drain = time.perf_counter() - start
        turnover = session.get(f"{api.url}/api/v1/turnover?region=510100").json()

    # baselines, same run, same servers
    client = pymongo.MongoClient(MONGO_URI)
    db = client[unique("bench_raw_tx_")]
    try:
        raw_bid_rate = raw_bids(db, client, args.bids)
        raw_register_rate = raw_registrations(db, client, args.contracts)
    finally:
        client.drop_database(db.name)
        client.close()
    raw_kafka_rate = raw_kafka(max(args.bids, args.contracts), 500)

    race_accepted = counts["accepted"] / race_elapsed
    print(f"\nbids on one auction ({stored} accepted and stored; invariants "
          f"{'hold' if invariants else 'VIOLATED'}: sequence 1..n, strictly rising, no lost bid)")
    print(f"  service   sequential HTTP bids (auth, validation, CAS transaction, outbox) : {seq_rate:8.0f} bids/s")
    print(f"  service   {args.clients} racing clients: accepted {race_accepted:6.0f} bids/s, "
          f"{(counts['accepted'] + counts['refused']) / race_elapsed:6.0f} attempts/s "
          f"({counts['refused']} refused as too low, {counts['unavailable']} 503, {counts['other']} other)")
    print(f"  baseline  raw pymongo transaction, same writes per bid                   : {raw_bid_rate:8.0f} bids/s")
    print(f"  ratio     sequential service / raw transaction                           : "
          f"{seq_rate / raw_bid_rate:8.2f}")
    print(f"  relay     outbox drained to Kafka {bid_drain:.1f} s after the last bid")
    print(f"contract registrations ({args.contracts}; turnover now {turnover['technology_transaction_amount']} 元 "
          f"technology amount)")
    print(f"  service   submit over HTTP                                               : {submit_rate:8.0f} /s")
    print(f"  service   register over HTTP (numbering, transaction, outbox)            : {register_rate:8.0f} /s")
    print(f"  baseline  raw pymongo transaction, same writes per registration          : {raw_register_rate:8.0f} /s")
    print(f"  ratio     service / raw transaction                                      : "
          f"{register_rate / raw_register_rate:8.2f}")
    print(f"  relay     outbox drained to Kafka {contract_drain:.1f} s after the last registration")
    print(f"  baseline  bare KafkaProducer, batched, acks=all, 500-byte records         : {raw_kafka_rate:8.0f} msg/s")
    print(f"503 'database unavailable' answers retried during the sequential runs: {UNAVAILABLE['count']}")


if __name__ == "__main__":
    main()
