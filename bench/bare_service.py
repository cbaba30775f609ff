"""The baseline of the load benchmarks: a bare nameko HTTP service (not a benchmark itself).

    cd bench && nameko run --config bare_service.yaml bare_service:BareService     (bench/private_stack.py does this)

Plain `nameko.web.handlers.http` entrypoints, no auth, no validation, no transaction, no outbox, no
logging context, no metrics:
  GET  /health          200 (for the launcher)
  GET  /bare            a small JSON body, nothing else            (floor of a read)
  POST /bare            reads the body, answers 201                (floor of a write)
  POST /insert?c=name   one pymongo insert_one of the posted JSON into collection `name`, in a transaction
                                                                   (the write of the same document)
  GET  /find?q=…        the registry's public-search query (one term by equality, the others checked here,
                        newest first, 21 documents) on the
                        registry's database via pymongo           (the read of the same data)
"""
import json
import os

import pymongo
from nameko.web.handlers import http

from ttp_common.search_terms import terms as search_terms

_client = None


def db(name):
    global _client
    if _client is None:
        _client = pymongo.MongoClient(os.environ["MONGO_URI"])
    return _client[name]


class BareService:
    name = "bench_bare"

    @http("GET", "/health")
    def health(self, request):
        return 200, "ok"

    @http("GET", "/bare")
    def get_bare(self, request):
        return 200, {"Content-Type": "application/json"}, '{"items": [], "next_cursor": null}'

    @http("POST", "/bare")
    def post_bare(self, request):
        request.get_data()
        return 201, {"Content-Type": "application/json"}, '{"id": "x"}'

    @http("POST", "/insert")
    def insert(self, request):
        document = json.loads(request.get_data())
        collection = db(os.environ["BARE_MONGO_DB"])[request.args.get("c", "documents")]  # one per benchmark
        # In a transaction, as every service write is: SecantusDB's plain (non-transactional) inserts slow
        # down as a collection grows (about 1,200/s when empty, 45/s at 11,000 documents on python-svc),
        # its transactional inserts do not, so a plain insert is no stable baseline.
        with _client.start_session() as session:
            result = session.with_transaction(lambda s: collection.insert_one(document, session=s))
        return 201, {"Content-Type": "application/json"}, json.dumps({"id": str(result.inserted_id)})

    @http("GET", "/find")
    def find(self, request):
        terms = search_terms(request.args.get("q", ""))  # the registry's tokeniser and query plan: one term by
        query = {"terms": terms[0]} if terms else {}       # equality, the others checked as documents arrive
        found = db(os.environ["BARE_SEARCH_DB"]).public_achievements.find(query).sort("newest_key", -1)
        docs = []
        for doc in found.batch_size(21):
            if set(terms[1:]) <= set(doc["terms"]):
                docs.append(doc)
                if len(docs) == 21:
                    break
        found.close()
        return 200, {"Content-Type": "application/json"}, json.dumps({"items": docs[:20]}, default=str)
