"""Annual-report compliance (年度报告制度, 五(五)): who filed, late or missing, per year and department.

Plain Python over dicts: one document per report (``<organization_id>:<year>``) folded from
``registry.annual_report.*`` events, and a directory of universities and institutes from
``registry.organization.registered.v1`` and ``registry.organization.corrected.v1``.
"""
from ttp_common.refusals import Invalid

REPORTING_KINDS = ("university", "institute")
YEARS = (2000, 2100)  # the years one may ask about (the registry takes reports for 2016-2100)
UNKNOWN_DEPARTMENT = "未知主管部门"
STATUSES = ("on_time", "late", "missing", "pending")
STATUS_LABELS = {"on_time": "按期报送", "late": "逾期报送", "missing": "未报送", "pending": "待报送"}
REVIEWS = {"submitted": "submitted", "accepted": "accepted", "returned": "returned", "forwarded": "forwarded"}


def check_year(year):
    """A year one may ask about; anything else (e.g. a number too large for the database) is a 400."""
    low, high = YEARS
    if not low <= year <= high:
        raise Invalid(f"must be a year from {low} to {high}", field="year")
    return year


def organization(data):
    """The directory entry of a registered or corrected organization (both events state its name, kind, region
    and department as they are now), or None when it files no reports."""
    if data.get("kind") not in REPORTING_KINDS:
        return None
    return {"name": data["name"], "kind": data["kind"], "region_code": data["region_code"],
            "supervising_department": data.get("supervising_department")}


def apply_event(report, event, data):
    """The report document after ``registry.annual_report.<event>.v1``."""
    report = dict(report or {"organization_id": data["organization_id"], "year": data["year"],
                             "region_code": data["region_code"], "department": None, "filed": False,
                             "late": False, "flagged_missing": False, "review": None, "forwarded_late": None})
    if data.get("supervising_department"):
        report["department"] = data["supervising_department"]
    if event == "submitted":
        report["filed"], report["late"], report["review"] = True, bool(data["late"]), "submitted"
    elif event == "missing":
        report["flagged_missing"] = True
    elif event in ("accepted", "returned"):
        report["review"] = event
    elif event == "forwarded":
        report["review"], report["forwarded_late"] = "forwarded", bool(data["late"])
    return report


def status(report):
    if report is None:
        return "pending"
    if report["filed"]:
        return "late" if report["late"] else "on_time"
    return "missing" if report["flagged_missing"] else "pending"


def summarise(year, reports, organizations):
    """Per department: every known university/institute and its status for ``year``.

    ``reports``: report documents of the year; ``organizations``: {organization_id: directory entry}.
    An organization with no report event is ``pending`` (registry flags it missing after 28 February).
    """
    by_org = {r["organization_id"]: r for r in reports}
    rows = []
    for org_id in sorted(set(by_org) | set(organizations)):
        report, org = by_org.get(org_id), organizations.get(org_id) or {}
        department = ((report or {}).get("department") or org.get("supervising_department")
                      or UNKNOWN_DEPARTMENT)
        state = status(report)
        rows.append({"organization_id": org_id, "name": org.get("name"), "kind": org.get("kind"),
                     "region_code": (report or {}).get("region_code") or org.get("region_code"),
                     "department": department, "status": state, "status_label": STATUS_LABELS[state],
                     "review": (report or {}).get("review"),
                     "forwarded_late": (report or {}).get("forwarded_late")})
    departments = {}
    for row in rows:
        entry = departments.setdefault(row["department"], {"department": row["department"],
                                                          **{s: 0 for s in STATUSES}, "organizations": []})
        entry[row["status"]] += 1
        entry["organizations"].append(row)
    totals = {s: sum(1 for r in rows if r["status"] == s) for s in STATUSES}
    return {"year": year, "totals": totals, "departments": [departments[d] for d in sorted(departments)]}


def year_summaries(reports, organizations):
    """Every reported year, newest first, without the organization lists (``summarise`` per year)."""
    summaries = [summarise(year, [r for r in reports if r["year"] == year], organizations)
                 for year in sorted({r["year"] for r in reports}, reverse=True)]
    return [{"year": s["year"], "totals": s["totals"],
             "departments": [{k: v for k, v in d.items() if k != "organizations"} for d in s["departments"]]}
            for s in summaries]
