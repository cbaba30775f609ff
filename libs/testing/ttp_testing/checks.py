"""Waiting for an effect, racing calls, the platform's error shape, and a sample of a /metrics page."""
import time


def wait_for(check, timeout=20, interval=0.1, message="condition"):
    """Poll ``check`` until it returns a truthy value; returns that value or fails the test."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {message}")


def at_once(*calls):
    """The results of ``calls`` run concurrently in threads, released together (for race tests)."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    start = Barrier(len(calls))

    def run(call):
        start.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def assert_error(response, status, code):
    """The response is the platform's JSON error with this status and stable code; returns its body."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code and body["message"]
    return body


def metric_sample(text, name, **labels):
    """The value of sample ``name`` whose labels are exactly ``labels`` (in any order) in a Prometheus text
    exposition, or None when there is none (prometheus_client's parser, not a regex over label order). Only the
    lines of samples named ``name`` are parsed: a service's whole exposition is ~100 KB, and parsing all of it
    took as long as the service took to answer (a freshness benchmark polling /metrics counted it as delay)."""
    from prometheus_client.parser import text_string_to_metric_families

    lines = "".join(line + "\n" for line in text.splitlines()
                    if line.startswith(name) and line[len(name):len(name) + 1] in ("{", " "))
    for family in text_string_to_metric_families(lines):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return sample.value
    return None


def marks(db, handler, ce_id=None):
    """How many dedup marks of ``handler`` the service's ``db`` holds (``processed_events``), or whether it holds the
    one of ``ce_id`` (0 or 1): one per event the handler applied, kept one document per event or per batch
    (``ttp_common.mongo.mark_processed``)."""
    collection = db["processed_events"]
    if ce_id is not None:
        marker = f"{handler}|{ce_id}"
        return len({doc["_id"] for query in ({"_id": marker}, {"marks": marker}) for doc in collection.find(query)})
    return sum(len(doc.get("marks") or [doc["_id"]]) for doc in collection.find({"handler": handler}))


def events_deduplicated(text, service, handler):
    """How many redelivered events ``handler`` of ``service`` has skipped, from a /metrics ``text``
    (``ttp_events_deduplicated_total``; 0 before the first). The counter is the process's: compare before and after."""
    return metric_sample(text, "ttp_events_deduplicated_total", service=service, handler=handler) or 0.0
