"""The portal's own Prometheus metrics (beside the platform's RED metrics per entrypoint)."""
from prometheus_client import Counter, Histogram

_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
PAGE_SECONDS = Histogram("ttp_portal_page_seconds", "Server time of a page, by route (its API calls included)",
                         ["route"], buckets=_BUCKETS)
UPSTREAM_SECONDS = Histogram("ttp_portal_upstream_seconds", "Time of the portal's calls to a service",
                             ["service", "outcome"], buckets=_BUCKETS)
UPSTREAM_FAILURES = Counter("ttp_portal_upstream_failures_total", "Calls a service answered with a 5xx",
                            ["service", "status"])
PARTS_UNAVAILABLE = Counter("ttp_portal_parts_unavailable_total",
                            "Parts of pages shown as unavailable because their service did not answer",
                            ["route", "service"])
SIGN_INS = Counter("ttp_portal_sign_ins_total", "Sign-ins through the identity service, by outcome", ["outcome"])
CSRF_REFUSALS = Counter("ttp_portal_csrf_refusals_total", "Form posts refused for a missing or wrong CSRF token")
TOKEN_REFRESHES = Counter("ttp_portal_token_refreshes_total", "Access-token refreshes, by outcome", ["outcome"])
REVIEW_ACTIONS = Counter("ttp_portal_review_actions_total",
                         "Reviewers' and registrars' actions posted from a queue, by queue, action and outcome "
                         "(done, or refused by the service)", ["queue", "action", "outcome"])
EXPORTS = Counter("ttp_portal_exports_total", "Queues and administrators' lists downloaded as Excel files, by queue",
                  ["queue"])
ADMIN_ACTIONS = Counter("ttp_portal_admin_actions_total",
                        "Administration forms posted (accounts, organizations, tasks), by what, action and outcome "
                        "(done, or refused by the service)", ["what", "action", "outcome"])

for _outcome in ("success", "state_mismatch", "refused", "unavailable"):
    SIGN_INS.labels(_outcome)
for _outcome in ("success", "refused", "unavailable"):
    TOKEN_REFRESHES.labels(_outcome)

# the notification centre (站内消息) and its email
NOTIFICATIONS_CREATED = Counter("ttp_portal_notifications_created_total",
                                "Messages of the notification centre made from the platform's events, by kind", ["kind"])
EMAILS_SENT = Counter("ttp_portal_emails_sent_total", "Notification emails accepted by the SMTP server")
EMAILS_FAILED = Counter("ttp_portal_emails_failed_total",
                        "Notification email attempts that failed, by what failed (smtp, recipients); "
                        "outcome retried or given_up", ["stage", "outcome"])
for _stage in ("smtp", "recipients"):
    for _outcome in ("retried", "given_up"):
        EMAILS_FAILED.labels(_stage, _outcome)

# the market: bids posted from an auction's page, by outcome (accepted, or the API's refusal code)
BIDS = Counter("ttp_portal_bids_total", "Bids posted from an auction's page, by outcome (accepted or the "
                                        "transactions API's refusal code)", ["outcome"])
CONTRACT_FILINGS = Counter("ttp_portal_contract_filings_total",
                           "Technology contracts filed, resubmitted and certificates downloaded from the portal, by "
                           "action and outcome (done, or refused by the transactions API)", ["action", "outcome"])
# the institution staff pages: what was done from them (import, listing, demand, withdraw_listing, withdraw_demand,
# annual_report, reward), done or refused by the service's API
INSTITUTION_ACTIONS = Counter("ttp_portal_institution_actions_total",
                              "Actions of the institution staff pages (import, listing, demand, withdraw_listing, "
                              "withdraw_demand, annual_report, reward), by outcome (done, or refused by the API)",
                              ["action", "outcome"])
