"""The achievement registration certificate (科技成果登记证书): who may download it, when there is one, and what it
states. A registered or published achievement has one; its completing organizations' institutions, the
reviewers of its region and admins download it; anyone else is told there is no such achievement (404).
The PDF itself is drawn by ``ttp_common.certificates``."""
from ttp_common import certificates, clock, regions
from ttp_common.auth import Roles
from ttp_common.labels import label
from ttp_common.reference import SICHUAN_DIVISIONS, prefecture_of
from ttp_common.refusals import TransitionRefused

from .achievements import SECRECY, registration_body

CERTIFIED = frozenset({"registered", "published"})  # withdrawn: the registration no longer stands


def may_download(principal, achievement):
    """Its completing organizations' institutions (all of ``organization_ids``), its region's reviewers, admins."""
    if principal.role == Roles.ADMIN:
        return True
    if principal.role == Roles.INSTITUTION:
        return principal.org is not None and principal.org in achievement.record["organization_ids"]
    if principal.role == Roles.REVIEWER:
        return regions.covers(principal.region, achievement.region_code)
    return False


def check_certified(status):
    if status not in CERTIFIED:
        raise TransitionRefused(f"an achievement that is {status} has no registration certificate "
                                f"(only once {' or '.join(sorted(CERTIFIED))})", code="not_registered")


def issuer(region_code):
    """The registering body, named after the prefecture of ``region_code`` (its code as in the number)."""
    prefecture = prefecture_of(region_code) or region_code
    return f"{label('regions', prefecture)}科技成果登记机构（登记机构代码 {registration_body(region_code)}）"


def certificate(achievement, organization_names):
    """The certificate's PDF (``organization_names``: id → registered name; an unknown one prints its id)."""
    record = achievement.record
    registered_on = clock.china_date(achievement.registered_at)
    rows = [
        ("成果名称", record["title"]),
        ("成果类型", label("achievement_types", record["type"])),
        ("完成单位", [organization_names.get(org, org) for org in record["organization_ids"]]),
        ("完成人", "、".join(c["name"] for c in record["contributors"])),
        ("所属行业", record["industry"]),
        ("技术成熟度", f"TRL {record['trl']}"),
        ("所在地区", SICHUAN_DIVISIONS.get(achievement.region_code, achievement.region_code)),
        ("密级", SECRECY.get(record.get("secrecy", "public"), record.get("secrecy"))),
        ("知识产权", [f"{p['number']}" for p in record.get("patents", [])]),
        ("登记日期", certificates.chinese_date(registered_on)),
    ]
    return certificates.render("科技成果登记证书", "登记号", achievement.registration_number, rows,
                               issuer(achievement.region_code), registered_on)
