"""The IP services (知识产权服务平台, plan 四(二)4) as the metrics service measures them, without I/O: what each
registry IP event adds to its figures, and the figures Prometheus shows.

Figures are kept per kind of right in documents of one collection (``IP``): each right's state as a rank
(申请中 1, 有效 2, 失效 3; a right only ever moves up, so ``$max`` folds the events in any order and a replay
changes nothing), and per conclusion the IP analysis and review opinions recorded. Label sets stay bounded
(6 kinds x 3 states, 3 conclusions).
"""
IP = "ip_figures"
RECORDED = "registry.ip_right.recorded.v1"
STATUS_CHANGED = "registry.ip_right.status_changed.v1"
REVIEW_CONCLUDED = "registry.ip_review.concluded.v1"
EVENTS = (RECORDED, STATUS_CHANGED, REVIEW_CONCLUDED)
RANKS = {"pending": 1, "in_force": 2, "lapsed": 3}
STATUS_OF = {rank: status for status, rank in RANKS.items()}


def updates(event_name, data):
    """[(document id, MongoDB update)] that one event applies to the figures (upserted)."""
    if event_name in (RECORDED, STATUS_CHANGED) and data["status"] in RANKS:
        return [(f"ip_right|{data['kind']}", {"$max": {f"state_of.{data['ip_right_id']}": RANKS[data["status"]]}})]
    if event_name == REVIEW_CONCLUDED:
        return [(f"ip_review|{data['conclusion']}", {"$addToSet": {"reviews": data["ip_review_id"]}})]
    return []


def right_figures(doc):
    """(kind, {status: count}) of a kind's document."""
    counts = dict.fromkeys(RANKS, 0)
    for rank in (doc.get("state_of") or {}).values():
        counts[STATUS_OF[rank]] += 1
    return doc["_id"].split("|", 1)[1], counts


def review_figures(doc):
    """(conclusion, reviews concluded so) of a conclusion's document."""
    return doc["_id"].split("|", 1)[1], len(doc.get("reviews") or [])
