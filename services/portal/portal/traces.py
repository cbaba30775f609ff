"""What a page shows of a trace (成果转化全链条, the metrics service's ``/api/v1/trace``): each entry the service
gave the caller as a row of its time, its service and what happened in Chinese, and the details the label catalogue
names (amounts in yuan, codes by their labels). The service decides what the caller may see; this only words it."""
from ttp_common import labels

from .pages import yuan


def rows(trace):
    """The rows of a trace answer (None, an unavailable or refused one, gives none)."""
    found = []
    for entry in (trace or {}).get("entries") or []:
        details = entry.get("details") or {}
        facts = []
        for name, (label, how) in labels.TRACE_DETAILS.items():
            value = details.get(name)
            if value is None or value == "" or value == []:
                continue
            facts.append((label, yuan(value) if how == "yuan" else labels.label(how, value) if how else str(value)))
        found.append({"at": entry.get("at"), "service": labels.label("services", entry.get("service")),
                      "event": labels.label("trace_events", entry.get("event_type")), "facts": facts,
                      "kind": (entry.get("record") or {}).get("kind"), "id": (entry.get("record") or {}).get("id")})
    return found
