"""Shared facilities and the incubation ladder (plan 四(七)) as the metrics service measures them, without I/O:
what each innovation event adds to its figures, and the figures Prometheus shows.

Figures are kept per group in documents of one collection (``INNOVATION``): facilities per kind and region
(each facility's open hours a year, each recorded use with its enterprise, hours and year), incubation per
region and per carrier kind (the distinct enterprises incubated, those built on a registered achievement).
Utilization and SMEs served are of one year (China's calendar, by when the use was recorded), as open hours
are. Demonstration designations per kind and prefecture: each designation's state (1 in force, 2 revoked; a
revocation wins whatever order the events are folded in). Values keyed by record id make a redelivered or
replayed event change nothing; label sets stay bounded (3 kinds x 21 regions, 5 carrier kinds, 21 regions,
6 designation kinds x 21 regions).
"""
from decimal import Decimal

from ttp_common import clock

INNOVATION = "innovation_figures"
FACILITY_LISTED = "innovation.facility.listed.v1"
USE_RECORDED = "innovation.booking.use_recorded.v1"
ENTERED = "innovation.incubation.entered.v1"
DESIGNATION_GRANTED = "innovation.designation.granted.v1"
DESIGNATION_ASSESSED = "innovation.designation.assessed.v1"
EVENTS = (FACILITY_LISTED, USE_RECORDED, ENTERED, DESIGNATION_GRANTED, DESIGNATION_ASSESSED)
IN_FORCE, REVOKED = 1, 2


def updates(event_name, data):
    """[(document id, MongoDB update)] that one event applies to the figures (upserted)."""
    if event_name == FACILITY_LISTED:
        return [(facility_group(data["kind"], data["region_code"]),
                 {"$set": {f"open_hours_of.{data['facility_id']}": data["open_hours_per_year"]}})]
    if event_name == USE_RECORDED:
        use = {"enterprise": data["enterprise_organization_id"], "hours": data["hours_used"],
               "year": clock.china_date(data["recorded_at"]).year}
        return [(facility_group(data["facility_kind"], data["region_code"]),
                 {"$set": {f"uses.{data['booking_id']}": use}})]
    if event_name == ENTERED:
        enterprise = data["enterprise_organization_id"]
        added = {"enterprises": enterprise}
        if data["built_on_achievement"]:
            added["built_on_achievement"] = enterprise
        return [(f"incubation|region|{data['region_code']}", {"$addToSet": added}),
                (f"incubation|carrier_kind|{data['carrier_kind']}", {"$addToSet": added})]
    if event_name == DESIGNATION_GRANTED or (event_name == DESIGNATION_ASSESSED and data["outcome"] == "revoked"):
        state = IN_FORCE if event_name == DESIGNATION_GRANTED else REVOKED
        return [(f"designation|{data['kind']}|{data['prefecture_code']}",
                 {"$max": {f"state_of.{data['designation_id']}": state}})]
    return []


def facility_group(kind, region):
    return f"facility|{kind}|{region}"


def facility_figures(doc, year):
    """(kind, region, open hours, hours used, utilization, SMEs served) of a facility group's document in
    ``year``."""
    _, kind, region = doc["_id"].split("|")
    open_hours = sum((doc.get("open_hours_of") or {}).values())
    uses = [u for u in (doc.get("uses") or {}).values() if u["year"] == year]
    used = sum(Decimal(str(u["hours"])) for u in uses)
    utilization = float(used / open_hours) if open_hours else 0.0
    return kind, region, open_hours, float(used), utilization, len({u["enterprise"] for u in uses})


def designation_figures(doc):
    """(kind, prefecture, designations in force, revoked) of a designation group's document."""
    _, kind, region = doc["_id"].split("|")
    states = list((doc.get("state_of") or {}).values())
    return kind, region, states.count(IN_FORCE), states.count(REVOKED)


def incubation_figures(doc):
    """(scope, key, enterprises, built on an achievement, conversion-incubation rate or None) of a group."""
    _, scope, key = doc["_id"].split("|")
    enterprises, built = len(doc.get("enterprises") or []), len(doc.get("built_on_achievement") or [])
    return scope, key, enterprises, built, (built / enterprises if enterprises else None)
