"""Which events a subscription receives: its event types, narrowed by region and organization.

A filter names regions (GB/T 2260, nesting: 510100 takes every district and county of Chengdu) and organizations
(ids). An event passes a region filter when its ``region_code`` lies in one of them, an organization filter when one
of the organizations it names (``organization_id``, any ``<role>_organization_id``, ``organization_ids``) is listed.
An event without such a field does not pass a filter on it. Both given: both must pass.
"""
from ttp_common import regions

NOT_PARTIES = ("previous_", "excluded_")  # fields naming an organization the event is not about


def organizations_named(data):
    named = set()
    for name, value in data.items():
        if name.startswith(NOT_PARTIES):
            continue
        if (name == "organization_id" or name.endswith("_organization_id")) and isinstance(value, str):
            named.add(value)
        elif name == "organization_ids" and isinstance(value, list):
            named.update(v for v in value if isinstance(v, str))
    return named


def matches(event_types, region_filter, organization_filter, event_name, data):
    """Whether an event ``event_name`` with ``data`` goes to a subscription with these types and filters."""
    if event_name not in event_types:
        return False
    if region_filter:
        code = data.get("region_code")
        if not isinstance(code, str) or not any(regions.covers(scope, code) for scope in region_filter):
            return False
    if organization_filter and not organizations_named(data) & set(organization_filter):
        return False
    return True
