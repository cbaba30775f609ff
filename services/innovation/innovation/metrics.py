"""The innovation service's domain counters on /metrics (counted after the commit, never inside a
transaction that may re-run). The plan-wide figures (utilization, SMEs served, conversion-incubation rates)
are projected from the events by the metrics service."""
from prometheus_client import Counter

BOOKINGS = Counter("ttp_innovation_bookings_total", "Steps of requests for facility time (requested, accepted, "
                   "declined, used), by facility kind", ["step", "kind"])
HOURS_USED = Counter("ttp_innovation_facility_hours_used_total", "Facility hours recorded as used, by kind", ["kind"])
INCUBATIONS = Counter("ttp_innovation_incubations_total", "Enterprises entering and graduating from carriers, by step "
                      "and whether built on a registered achievement",
                      ["step", "built_on_achievement"])
DESIGNATION_STEPS = Counter("ttp_innovation_designation_steps_total", "Steps of demonstration designations "
                            "(submitted, eligible, ineligible, under_review, scored, designated, not_designated, kept, "
                            "revoked), by kind", ["step", "kind"])
