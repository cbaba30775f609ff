"""Achievement registration (科技成果登记) rules, without I/O: the form, the rows of a bulk import, the
lifecycle and the registration number.

Lifecycle: draft → submitted → registered (with a registration number) or returned (with
reasons; edited and submitted again) → published → withdrawn. Each transition names the
states it starts from and who may take it.
"""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from ttp_common import auth
from ttp_common.models import StrictModel
from ttp_common.reference import RegionCode
from ttp_common.refusals import TransitionRefused, Unprocessable

ACHIEVEMENT_TYPES = {"applied": "应用技术", "basic": "基础理论", "soft_science": "软科学"}
TYPE_DIGIT = {"applied": 1, "basic": 2, "soft_science": 3}  # the category digit of a registration number
PATENT_KINDS = {"invention": "发明专利", "utility_model": "实用新型", "design": "外观设计"}
PATENT_STATUSES = {"applied": "申请中", "granted": "已授权", "lapsed": "已失效"}
ORIGINS = {"original": "原始创新", "imported": "引进消化吸收", "redeveloped": "再创新"}
SECRECY = {"public": "公开", "internal": "内部"}  # what the platform takes
CLASSIFIED = {"secret": "秘密", "confidential": "机密", "top_secret": "绝密"}  # 涉密: refused (check_not_classified)
# What the events announcing an internal (内部) achievement leave out (``announced``): its text, and the free text
# written about it (return reasons, withdrawal reason) that may quote it. Such an achievement is never published.
WITHHELD = {"title": "", "reasons": [], "reason": ""}


class Contributor(StrictModel):
    name: str = Field(min_length=1, max_length=50, description="完成人")
    organization_id: str | None = Field(default=None, max_length=64)
    share: Decimal = Field(gt=0, le=100, max_digits=5, decimal_places=2, description="贡献份额 (%)")


class Patent(StrictModel):
    number: str = Field(min_length=5, max_length=30, description="专利号/申请号")
    kind: Literal[tuple(PATENT_KINDS)]
    status: Literal[tuple(PATENT_STATUSES)]


class SoftwareCopyright(StrictModel):
    number: str = Field(min_length=3, max_length=40, description="软件著作权登记号")
    title: str = Field(min_length=1, max_length=200)


class Funding(StrictModel):
    fiscal: bool = Field(description="财政资金资助")
    plan_project_id: str | None = Field(default=None, max_length=64, description="科技计划项目")
    amount_yuan: Decimal | None = Field(default=None, ge=0, max_digits=18, decimal_places=2)

    @model_validator(mode="after")
    def _fiscal_needs_project(self):
        if self.fiscal and not self.plan_project_id:
            raise ValueError("fiscally funded achievements name the plan project (plan_project_id)")
        return self


class AchievementIn(StrictModel):
    """What an institution records for a registration (科技成果登记表)."""

    title: str = Field(min_length=2, max_length=200, description="成果名称")
    type: Literal[tuple(ACHIEVEMENT_TYPES)] = Field(description="成果类型")
    summary: str = Field(min_length=10, max_length=5000, description="成果简介")
    keywords: list[str] = Field(min_length=1, max_length=3, description="关键词 (up to three)")
    industry: str = Field(min_length=2, max_length=100, description="所属行业")
    programme: int | None = Field(default=None, ge=1, le=15, description="the plan's special programme (1)-(15)")
    trl: int = Field(ge=1, le=9, description="技术成熟度 TRL 1-9")
    region_code: RegionCode
    organization_ids: list[str] = Field(min_length=1, max_length=20, description="完成单位, first = the owner")
    contributors: list[Contributor] = Field(min_length=1, max_length=50)
    funding: Funding
    patents: list[Patent] = Field(default_factory=list, max_length=100)
    software_copyrights: list[SoftwareCopyright] = Field(default_factory=list, max_length=100)
    dual_use: bool = Field(default=False, description="军民两用")
    origin: Literal[tuple(ORIGINS)] = "original"
    secrecy: Literal[tuple(SECRECY) + tuple(CLASSIFIED)] = Field("public", description=(
        "密级: public 公开, internal 内部 (registered, never published nor searchable; its events carry no text). "
        "Classified achievements (涉密: secret 秘密, confidential 机密, top_secret 绝密) are a 422: they go through "
        "the state's confidential channels, not this platform"))
    research_started: date | None = None
    research_ended: date | None = None

    @field_validator("keywords")
    @classmethod
    def _keywords(cls, value):
        value = [k.strip() for k in value]
        if any(not k or len(k) > 30 for k in value) or len(set(value)) != len(value):
            raise ValueError("keywords must be 1-30 characters each and distinct")
        return value

    @model_validator(mode="after")
    def _consistency(self):
        total = sum(c.share for c in self.contributors)
        if total != 100:
            raise ValueError(f"contributors' shares must add up to 100 (they add up to {total})")
        if self.research_started and self.research_ended and self.research_ended < self.research_started:
            raise ValueError("research_ended is before research_started")
        return self


IMPORT_KEY_MAX = 100


class ImportRow(StrictModel):
    import_key: str = Field(description=f"the row's id in the source (登记编号), 1-{IMPORT_KEY_MAX} characters; "
                                        "checked row by row like the form")
    form: dict = Field(description="an AchievementIn, validated row by row")
    registration_number: str | None = Field(
        default=None, max_length=20,
        description="登记号 of an achievement registered in an earlier system (12 digits: registering body, year, "
                    "category, serial; years before this one): the row is loaded as registered under it, once per "
                    "number, by a reviewer of its region or an administrator. Null: a draft of an institution")
    registered_on: str | None = Field(default=None, max_length=30,
                                      description="登记日期 (YYYY-MM-DD, China's calendar), with registration_number")


def import_key_error(key):
    """Why an import row's key cannot identify it, or None."""
    if not key:
        return "empty: every row needs its id in the source"
    if len(key) > IMPORT_KEY_MAX:
        return f"longer than {IMPORT_KEY_MAX} characters"
    return None


def plan_project_error(project, organization_ids):
    """Why the plan project an achievement names (``project``: its stored document or None) does not fit, or None."""
    if project is None:
        return "no such plan project"
    if project["organization_id"] not in organization_ids:
        return "the plan project belongs to another organization (not one of organization_ids)"
    return None


MAX_IMPORT_ROWS = 1000  # rows of one import request (the CLI sends 500: one transaction, IMPORT_CHUNK_ROWS)


class ImportIn(StrictModel):
    rows: list[ImportRow] = Field(min_length=1, max_length=MAX_IMPORT_ROWS)


def read_import_row(row, principal):
    """``(form, [])`` for an import row ``principal`` may record (``form``: its ``AchievementIn``), else
    ``(None, errors)``: why the row is rejected, as ``{"path", "message"}`` items. Each row on its own."""
    key_error = import_key_error(row.import_key)
    if key_error:
        return None, [{"path": "import_key", "message": key_error}]
    try:
        form = AchievementIn.model_validate(row.form)
    except ValidationError as exc:
        return None, [{"path": ".".join(map(str, e["loc"])), "message": e["msg"]} for e in exc.errors()]
    try:
        check_not_classified(form.model_dump())
    except ClassifiedRefused as exc:
        return None, [{"path": "secrecy", "message": exc.message}]
    if row.registration_number is None and row.registered_on is None:
        if not auth.acts_for(principal, form.organization_ids[0]):
            return None, [{"path": "organization_ids.0", "message": "not the caller's organization"}]
    elif principal.role not in (auth.Roles.REVIEWER, auth.Roles.ADMIN):
        return None, [{"path": "registration_number",
                       "message": "registered achievements are loaded by reviewers of their region and admins"}]
    return form, []


class ReturnIn(StrictModel):
    reasons: list[str] = Field(min_length=1, max_length=20, description="退回原因")


class WithdrawIn(StrictModel):
    reason: str = Field(min_length=2, max_length=500, description="撤回原因")


# -- the lifecycle ---------------------------------------------------------------------

OWNER, REVIEWER = "owner", "reviewer"  # who may act: the owning institution, or the region's reviewer


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset
    target: str
    actor: str
    event: str


TRANSITIONS = {t.name: t for t in (
    Transition("submit", frozenset({"draft", "returned"}), "submitted", OWNER, "registry.achievement.submitted.v1"),
    Transition("register", frozenset({"submitted"}), "registered", REVIEWER, "registry.achievement.registered.v1"),
    Transition("return", frozenset({"submitted"}), "returned", REVIEWER, "registry.achievement.returned.v1"),
    Transition("publish", frozenset({"registered"}), "published", REVIEWER, "registry.achievement.published.v1"),
    Transition("withdraw", frozenset({"registered", "published"}), "withdrawn", OWNER,
               "registry.achievement.withdrawn.v1"),
)}

EDITABLE = frozenset({"draft", "returned"})
STATUSES = ("draft", "submitted", "returned", "registered", "published", "withdrawn")
REVIEW_STATUSES = STATUSES[1:]  # a reviewer's queue never shows drafts


def transition(name, status):
    """The transition ``name`` from ``status``, or ``TransitionRefused``."""
    t = TRANSITIONS[name]
    if status not in t.sources:
        raise TransitionRefused(f"cannot {name} an achievement that is {status} "
                                f"(only from: {', '.join(sorted(t.sources))})")
    return t


class ClassifiedRefused(Unprocessable):
    """A classified (涉密) achievement: answered with a 422 naming ``secrecy``."""

    code = "classified"


def check_not_classified(record):
    """Classified achievements (秘密, 机密, 绝密) are registered through the state's confidential channels
    (科学技术保密规定), never on an open platform: refused before anything is stored."""
    level = record.get("secrecy", "public")
    if level in CLASSIFIED:
        raise ClassifiedRefused(
            f"a classified achievement ({CLASSIFIED[level]}) is not registered on this platform: register it "
            f"through the state's confidential channels (国家保密渠道); only public (公开) and internal (内部) "
            f"achievements are accepted", field="secrecy", detail=f"{level} ({CLASSIFIED[level]}) is classified")


def announced(record, data):
    """The event ``data`` about the achievement ``record`` as it may be announced: for an internal one, the
    ``WITHHELD`` fields are emptied; every event says the secrecy level."""
    secrecy = record.get("secrecy", "public")
    if secrecy != "public":
        data = {**data, **{k: v for k, v in WITHHELD.items() if k in data}}
    return {**data, "secrecy": secrecy}


def check_publishable(record):
    """Only achievements registered as public (公开) may be published to the public query service."""
    if record.get("secrecy", "public") != "public":
        raise TransitionRefused(f"an achievement with secrecy '{record['secrecy']}' cannot be published")


def check_editable(status):
    if status not in EDITABLE:
        raise TransitionRefused(f"an achievement that is {status} cannot be edited (only draft or returned)")


def registration_body(region_code):
    """3-digit code of the registering body: ``5`` + the division's 2-digit city code (510700 → 507).

    Our convention for the province's 21 divisions; the national numbering's body codes are
    assigned by the ministry and can replace this table without changing the number format."""
    return "5" + region_code[2:4]


class RegistrationNumbersExhausted(TransitionRefused):
    """The 4-digit serial of a registering body, year and category is used up (answered with a 409)."""

    code = "registration_numbers_exhausted"


def registration_number(region_code, year, achievement_type, serial):
    """12 digits: registering body (3) + year (4) + category (1) + serial (4).

    The format is fixed (the events' public contract): serial 10,000 and beyond is refused."""
    if serial > 9999:
        raise RegistrationNumbersExhausted(
            f"registering body {registration_body(region_code)} has used all 9,999 registration numbers for "
            f"{achievement_type} achievements in {year}")
    if serial < 1:
        raise ValueError("registration serials start at 1")
    return f"{registration_body(region_code)}{year:04d}{TYPE_DIGIT[achievement_type]}{serial:04d}"
