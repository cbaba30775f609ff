"""A delivery as an HTTP request: the CloudEvent in the HTTP binding (the ``cloudevents`` SDK), signed.

Binary mode (the default): the attributes as ``ce-*`` headers, ``Content-Type: application/json`` and the event's
data as the body. Structured mode: one ``application/cloudevents+json`` document. Either way the signature
(``signing``) covers the exact body bytes.
"""
import datetime as dt
import json

from cloudevents.core.bindings import http as ce_http
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

from . import signing

FORMAT = JSONFormat()
DELIVERY_HEADER = "TTP-Delivery-Id"


def attributes_of(event):
    """The CloudEvent attributes a delivery of ``event`` (an ``envelope.ReceivedEvent``) carries: its own, with
    the data now JSON; extensions (actor, correlation and causation ids) as on Kafka."""
    attributes = {"specversion": "1.0", "id": event.id, "source": event.source, "type": event.type,
                  "datacontenttype": "application/json", "dataschema": f"urn:ttp:schema:{event.event_name}"}
    if event.subject:
        attributes["subject"] = event.subject
    if event.time is not None:
        attributes["time"] = event.time.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")
    for name, value in event.extensions.items():
        if name not in attributes and name != "partitionkey":
            attributes[name] = str(value)
    return attributes


def request(attributes, data_json, mode, secrets, timestamp, delivery_id):
    """(headers, body) of the HTTP POST delivering one event, signed with ``secrets`` (``signing.headers``)."""
    attributes = dict(attributes)
    if "time" in attributes:
        attributes["time"] = dt.datetime.fromisoformat(attributes["time"].replace("Z", "+00:00"))
    event = CloudEvent(attributes, json.loads(data_json))
    message = ce_http.to_structured(event, FORMAT) if mode == "structured" else ce_http.to_binary(event, FORMAT)
    headers = {**message.headers, **signing.headers(secrets, timestamp, message.body), DELIVERY_HEADER: delivery_id,
               "User-Agent": "ttp-delivery/1"}
    return headers, message.body
