"""Talent pool rules (人才): who a person is, what they consented to show, and their personal data.

Contact details and identity numbers are personal data: they are stored for the person's
organization and administrators only, never put in events and never in public responses.
"""
import datetime as dt
import json
import re
import unicodedata
from typing import Literal

from pydantic import Field, field_validator

from ttp_common.fields import Integer
from ttp_common.models import StrictModel
from ttp_common.refusals import Invalid

PERSON_KINDS = {"researcher": "科研人员", "broker": "技术经纪人", "mentor": "创业导师", "expert": "专家"}

# What a person may consent to show publicly (公开信息授权); anything else is never public.
PUBLIC_FIELDS = {"name": "姓名", "kinds": "人员类型", "organization_id": "所在单位", "fields": "专业领域",
                 "title": "职称"}


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")


def is_valid_id_number(value):
    """An 18-character resident identity number (GB 11643-1999) with its ISO 7064 MOD 11-2 check character."""
    if not _ID_SHAPE.fullmatch(value):  # ASCII digits only: str.isdigit() also takes ٣ or ²
        return False
    return _ID_CHECK[sum(int(c) * w for c, w in zip(value[:17], _ID_WEIGHTS)) % 11] == value[17]


class ContactIn(StrictModel):
    """Contact details (联系方式): personal data, never public, never in events."""

    phone: str | None = Field(default=None, pattern=r"^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$",
                              description="手机或固定电话")
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                              description="电子邮箱")


class PersonIn(StrictModel):
    """A person registered in the talent pool."""

    name: str = Field(min_length=1, max_length=100, description="姓名 (personal data: not in events)")
    kinds: list[Literal[tuple(PERSON_KINDS)]] = Field(min_length=1, max_length=4)
    organization_id: str | None = Field(default=None, max_length=64)
    fields: list[str] = Field(default_factory=list, max_length=10,
                              description="专业领域, e.g. 新材料, 生物医药 (experts are found by field)")
    title: str | None = Field(default=None, max_length=50, description="职称, e.g. 研究员")
    contact: ContactIn | None = Field(default=None, description="联系方式 (never public, never in events)")
    id_number: str | None = Field(default=None, description="居民身份证号码 (never public, never in events)")
    public_fields: list[Literal[tuple(PUBLIC_FIELDS)]] = Field(
        default_factory=list, max_length=len(PUBLIC_FIELDS),
        description="What the person consented to show publicly (公开信息授权); nothing by default")

    @field_validator("fields")
    @classmethod
    def _fields(cls, value):
        return _clean_fields(value)

    @field_validator("id_number")
    @classmethod
    def _id_number(cls, value):
        if value is None:
            return value
        value = value.upper()
        if not is_valid_id_number(value):
            raise ValueError("not a valid 18-character resident identity number (check character)")
        return value

    @field_validator("public_fields")
    @classmethod
    def _unique(cls, value):
        return list(dict.fromkeys(value))


def _clean_fields(value):
    cleaned = [f.strip() for f in value]
    if any(not f or len(f) > 30 for f in cleaned):
        raise ValueError("each field is 1 to 30 characters")
    return list(dict.fromkeys(cleaned))


class PersonUpdateIn(StrictModel):
    """A change to a person's contact details, fields or consent: only the keys given change.

    ``contact`` replaces the contact details (``null`` removes them); ``public_fields`` replaces the
    consent (``[]`` withdraws it). Name, kinds, organization and ID number are not changed here.
    """

    contact: ContactIn | None = Field(default=None, description="联系方式 (never public, never in events)")
    fields: list[str] | None = Field(default=None, max_length=10, description="专业领域")
    public_fields: list[Literal[tuple(PUBLIC_FIELDS)]] | None = Field(
        default=None, max_length=len(PUBLIC_FIELDS), description="公开信息授权: what may be shown; [] withdraws it")

    @field_validator("fields")
    @classmethod
    def _fields(cls, value):
        if value is None:
            raise ValueError("a list (possibly empty), not null")
        return _clean_fields(value)

    @field_validator("public_fields")
    @classmethod
    def _consent(cls, value):
        if value is None:
            raise ValueError("a list (possibly empty), not null")
        return list(dict.fromkeys(value))


def person_changes(body):
    """The stored fields a ``PersonUpdateIn`` sets; ``Invalid`` when it sets none."""
    data = body.model_dump(mode="json", include=body.model_fields_set)
    if not data:
        raise Invalid("nothing to change: give contact, fields or public_fields")
    if "contact" in data:
        data["contact"] = {k: v for k, v in (data["contact"] or {}).items() if v is not None}
    return data


def changed_fields(current, changes):
    """The names of the fields ``changes`` (``person_changes``) gives a new value, in a fixed order; ``current``:
    the record (``Person.as_dict()``). An absent contact and an empty one are the same (``person_changes`` gives
    ``{}`` for a removed one)."""
    before = {"contact": current.get("contact") or {}, "fields": current.get("fields") or [],
              "public_fields": current.get("public_fields") or []}
    return [name for name in ("contact", "fields", "public_fields")
            if name in changes and changes[name] != before[name]]


def public_view(person):
    """A person as the public sees them: the id and only the fields they consented to show."""
    view = {"id": person["id"]}
    for name in person.get("public_fields") or ():
        if name in PUBLIC_FIELDS:
            view[name] = person.get(name)
    return view


def private_view(person):
    """The full record, for the person's organization and administrators."""
    keys = ("id", "name", "kinds", "organization_id", "fields", "title", "contact", "id_number", "public_fields",
            "created_at", "created_by", "updated_at", "updated_by")
    return {k: person.get(k) for k in keys}


POST_KINDS = {"transfer_post": "科技成果转移转化岗", "tech_manager": "技术转移管理岗"}
TALENT_PROGRAMMES = {"thousand_talents": "千人计划", "provincial_talents": "省级人才计划",
                     "tianfu_talents": "天府人才计划", "other": "其他"}


class PostIn(StrictModel):
    """A technology transfer post (科技成果转移转化岗) an organization set up and gave to the person."""

    organization_id: str = Field(min_length=1, max_length=64, description="设岗单位")
    post_kind: Literal[tuple(POST_KINDS)] = Field(default="transfer_post")
    starts_on: dt.date = Field(description="到岗日期")


class TalentProgrammeIn(StrictModel):
    """The person's selection into a talent programme (千人计划 and similar)."""

    programme: Literal[tuple(TALENT_PROGRAMMES)]
    programme_name: str = Field(min_length=2, max_length=100, description="计划名称, e.g. 四川省千人计划")
    year: Integer = Field(ge=1990, le=2100, description="入选年份")


def post_key(person_id, post):
    """The natural key of a transfer post: a person holds one post of a kind in an organization."""
    return json.dumps(["post", str(person_id), post.organization_id, post.post_kind], ensure_ascii=False)


def participation_key(person_id, participation):
    """The natural key of a talent programme participation: a person is selected once per programme and year.

    The programme is ``programme``: ``programme_name`` is free text that only names it, so writing the name
    differently does not count one selection twice. Under ``other`` (not a programme but a list of them) the
    name is the programme, compared after Unicode (NFKC) normalisation, without case or spacing differences."""
    programme = participation.programme
    if programme == "other":
        name = unicodedata.normalize("NFKC", participation.programme_name)
        programme = "other:" + " ".join(name.split()).casefold()
    return json.dumps(["programme", str(person_id), programme, participation.year], ensure_ascii=False)
