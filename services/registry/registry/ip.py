"""Intellectual property records (知识产权, plan 四(二)4 知识产权服务平台), without I/O: the kinds, their
numbers, the states and who may record or change one.

Kinds and their numbers (each checked, then written in one canonical form):

- Patents (发明专利, 实用新型, 外观设计): the CNIPA application number, which the patent number repeats after
  ``ZL`` once granted (专利号 = ZL + 申请号). Since 1 October 2003 (CNIPA standard ZC 0006-2003 《专利申请号标准》)
  it is 12 digits and a check character: the year of filing (4), the kind (1: 1 invention, 2 utility model,
  3 design, 8 an invention and 9 a utility model from a PCT application entering the national phase), a
  serial (7), then ``.`` and the check character. Before, 8 digits: the year (2), the kind (1), a serial (5),
  and the check character. The check character is the sum of the digits times the weights 2, 3, 4, 5, 6, 7,
  8, 9, 2, 3, 4, 5 (from the left; 2 … 9 for the old 8 digits), modulo 11; 10 is written ``X``. Worked
  examples in public secondary sources: 201710601862.3 (the sum 157, 157 mod 11 = 3) and ZL95115608.X (186,
  remainder 10 → X) (e.g. Baidu Baike 专利号; dfrtw.com/zhuanlichaxun/31487.html). Accepted with or without
  ``ZL``/``CN`` and the dot; stored as ``201710601862.3``; the view adds ``patent_number`` (ZL…) once in force.
- 计算机软件著作权: the registration number of the Copyright Protection Center of China (中国版权保护中心) on
  the certificate, the year of registration, ``SR`` and a serial: 5 to 7 digits (``2008SR12345``,
  ``2020SR0123456``; 计算机软件著作权登记办法). No check character exists.
- 植物新品种权: the grant number (品种权号) of the Ministry of Agriculture and Rural Affairs or of the National
  Forestry and Grassland Administration, ``CNA``, the year of application (4), a serial (4 to 7 digits) and
  an optional check character after a dot (``CNA20120342.9``; 植物新品种保护条例, in force since 1997; the
  register from 1999). Its check algorithm is not published in the sources consulted: not verified.
- 集成电路布图设计: the CNIPA registration number (布图设计登记号), ``BS.``, the year (2 digits, from 2001,
  集成电路布图设计保护条例 in force 1 October 2001, or 4), the kind digit and serial, and a check character
  after an optional dot (``BS.12500123.4``). Its check algorithm is not published either: not verified.

A secondary source is a secondary source: the patent check rule is confirmed by both worked examples above;
the others are format checks only.

States: 申请中 (``pending``: filed, not granted), 有效 (``in_force``: granted or registered), 失效 (``lapsed``:
expired, abandoned, invalidated, rejected). A pending right is granted or lapses; a right in force lapses;
a lapsed one stays lapsed (a restoration is a new record's business, not tried here). Each change has its
date, never before the filing date.

Terms (保护期), from which ``expires_on`` is computed when it is not given: an invention patent 20 years from the
filing date, a utility model 10, a design 15 when filed from 1 June 2021 (专利法 第四十二条 as amended in 2020;
10 before); an IC layout design at most 10 years from filing (集成电路布图设计保护条例 第十二条: from the earlier
of filing and first commercial use, so the record's date may be earlier and is then given). A term ends the day
before its anniversary. Software copyrights (50 years from first publication, 计算机软件保护条例 第十四条) and
plant variety rights (15 or 20 years from grant by species, 植物新品种保护条例 第三十四条) need facts the record
does not hold: their ``expires_on`` is given or left empty. A right in force past its ``expires_on`` lapses
(``is_expired``; the registry's expiry check, on a timer).

Who: the staff of one of the holder organizations (an institution whose ``org`` is a holder), a reviewer of
a region covering one holder's region, or an administrator, records a right, changes its state and links
it to achievements; the links name the registry's own achievements, registered or published, of one of the
holders (the achievement's owner or one of its organizations).
"""
import datetime as dt
import re
from typing import Literal

from pydantic import Field, field_validator

from ttp_common import regions
from ttp_common.auth import Roles
from ttp_common.models import StrictModel
from ttp_common.refusals import Invalid, NotAllowed, TransitionRefused, Unprocessable

PATENT_KINDS = {"invention_patent": "发明专利", "utility_model": "实用新型", "design_patent": "外观设计"}
KINDS = {**PATENT_KINDS, "software_copyright": "计算机软件著作权", "plant_variety": "植物新品种权",
         "ic_layout": "集成电路布图设计"}
STATUSES = {"pending": "申请中", "in_force": "有效", "lapsed": "失效"}
TRANSITIONS = {"pending": {"in_force", "lapsed"}, "in_force": {"lapsed"}, "lapsed": set()}
# The kind digit of a patent application number, by kind (8 and 9: PCT applications entering China).
PATENT_TYPE_DIGITS = {"invention_patent": "18", "utility_model": "29", "design_patent": "3"}
WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
LINKABLE_ACHIEVEMENT_STATUSES = frozenset({"registered", "published"})
HOLDERS_AT_MOST = 10
LINKS_AT_MOST = 50
FIRST_YEAR = {"software_copyright": 1992, "plant_variety": 1999, "ic_layout": 2001}

_PATENT = re.compile(r"^(?:ZL|CN)?(\d{12}|\d{8})\.?([0-9X])$")
_SOFTWARE = re.compile(r"^(\d{4})SR(\d{5,7})$")
_PLANT = re.compile(r"^CNA(\d{4})(\d{4,7})(?:\.([0-9X]))?$")
_LAYOUT = re.compile(r"^BS\.?(\d{8}|\d{12})\.?([0-9X])$")


def patent_check_character(digits):
    """The check character of a patent application number's 12 (or, before 2003, 8) digits."""
    remainder = sum(int(d) * w for d, w in zip(digits, WEIGHTS)) % 11
    return "X" if remainder == 10 else str(remainder)


def normalize_number(kind, number, today=None):
    """The canonical form of ``number`` for ``kind``; raises ``ValueError`` saying what is wrong."""
    today = today or dt.date.today()
    text = re.sub(r"\s+", "", number or "").upper()
    if kind in PATENT_KINDS:
        match = _PATENT.match(text)
        if not match:
            raise ValueError("a patent number is 12 digits (or 8 before October 2003) and a check character, "
                             "e.g. ZL201710601862.3")
        digits, check = match.groups()
        year, type_digit = (int(digits[:4]), digits[4]) if len(digits) == 12 else (1900 + int(digits[:2]), digits[2])
        if len(digits) == 12 and not 2003 <= year <= today.year:
            raise ValueError(f"the filing year {year} of a 12-digit application number lies outside 2003–{today.year}")
        if len(digits) == 8 and not 1985 <= year <= 2004:
            raise ValueError(f"the filing year {year} of an 8-digit application number lies outside 1985–2004")
        if type_digit not in PATENT_TYPE_DIGITS[kind]:
            raise ValueError(f"the kind digit {type_digit} is not that of a {PATENT_KINDS[kind]} "
                             f"({' or '.join(PATENT_TYPE_DIGITS[kind])})")
        expected = patent_check_character(digits)
        if check != expected:
            raise ValueError(f"the check character is {check}, but the digits give {expected}")
        return f"{digits}.{check}"
    if kind == "software_copyright":
        match = _SOFTWARE.match(text)
        if not match:
            raise ValueError("a software copyright registration number is the year, SR and a serial, "
                             "e.g. 2020SR0123456")
        _check_year(kind, int(match.group(1)), today)
        return text
    if kind == "plant_variety":
        match = _PLANT.match(text)
        if not match:
            raise ValueError("a plant variety right number is CNA, the year and a serial, e.g. CNA20120342.9")
        _check_year(kind, int(match.group(1)), today)
        year, serial, check = match.groups()
        return f"CNA{year}{serial}" + (f".{check}" if check else "")
    if kind == "ic_layout":
        match = _LAYOUT.match(text)
        if not match:
            raise ValueError("an IC layout design registration number is BS., 8 digits and a check character, "
                             "e.g. BS.12500123.4")
        digits, check = match.groups()
        year = int(digits[:4]) if len(digits) == 12 else 2000 + int(digits[:2])
        _check_year(kind, year, today)
        return f"BS.{digits}.{check}"
    raise ValueError(f"unknown kind {kind!r}")


def _check_year(kind, year, today):
    if not FIRST_YEAR[kind] <= year <= today.year:
        raise ValueError(f"the year {year} lies outside {FIRST_YEAR[kind]}–{today.year}")


TERM_YEARS = {"invention_patent": 20, "utility_model": 10, "ic_layout": 10}
DESIGN_TERM_YEARS = ((dt.date(2021, 6, 1), 15), (dt.date.min, 10))


def default_expiry(kind, filed_on):
    """The last day of the term counted from the filing date, or None where it depends on other facts."""
    years = TERM_YEARS.get(kind)
    if kind == "design_patent":
        years = next(term for since, term in DESIGN_TERM_YEARS if filed_on >= since)
    if years is None:
        return None
    try:
        anniversary = filed_on.replace(year=filed_on.year + years)
    except ValueError:  # 29 February
        anniversary = dt.date(filed_on.year + years, 3, 1)
    return anniversary - dt.timedelta(days=1)


def is_expired(status, expires_on, today):
    """A right in force whose term has ended (``today``: China's date)."""
    return status == "in_force" and expires_on is not None and today > expires_on


def number_key(kind, number):
    """What makes two records the same right: patents share one numbering (the kind digit is in it)."""
    family = "patent" if kind in PATENT_KINDS else kind
    return f"{family}|{number}"


class IpRightIn(StrictModel):
    kind: Literal[tuple(KINDS)] = Field(description="; ".join(f"{k}: {v}" for k, v in KINDS.items()))
    number: str = Field(min_length=6, max_length=40, description="专利申请号/专利号, 软件著作权登记号, 品种权号 or "
                        "布图设计登记号, checked per kind (check character of patents included)")
    title: str = Field(min_length=2, max_length=200, description="名称")
    holder_organization_ids: list[str] = Field(min_length=1, max_length=HOLDERS_AT_MOST,
                                               description="权利人: registered organizations")
    status: Literal[tuple(STATUSES)] = Field(default="pending",
                                             description="; ".join(f"{k}: {v}" for k, v in STATUSES.items()))
    filed_on: dt.date = Field(description="申请日")
    granted_on: dt.date | None = Field(default=None, description="授权/登记日, required when in force")
    lapsed_on: dt.date | None = Field(default=None, description="失效日, required when lapsed")
    expires_on: dt.date | None = Field(default=None, description="保护期届满日, if known")
    achievement_ids: list[str] = Field(default_factory=list, max_length=LINKS_AT_MOST,
                                       description="the holders' registered or published achievements it protects")

    @field_validator("holder_organization_ids", "achievement_ids")
    @classmethod
    def _distinct(cls, value):
        return distinct_ids(value)

    @field_validator("number")
    @classmethod
    def _number(cls, value, info):
        if "kind" not in info.data:
            return value  # the kind is at fault, and said so
        return normalize_number(info.data["kind"], value)


class IpStatusIn(StrictModel):
    status: Literal[tuple(STATUSES)]
    effective_on: dt.date = Field(description="授权日 for in_force, 失效日 for lapsed")
    reason: str | None = Field(default=None, max_length=500, description="e.g. 未缴年费, 期限届满, 宣告无效")


class IpLinksIn(StrictModel):
    achievement_ids: list[str] = Field(min_length=1, max_length=LINKS_AT_MOST)

    @field_validator("achievement_ids")
    @classmethod
    def _distinct(cls, value):
        return distinct_ids(value)


def distinct_ids(value):
    """A list of ids, each 1 to 64 characters, none twice (a pydantic validator's ``ValueError`` otherwise)."""
    if len(set(value)) != len(value):
        raise ValueError("names an id twice")
    if any(not item or len(item) > 64 for item in value):
        raise ValueError("ids are 1 to 64 characters")
    return value


def check_dates(status, filed_on, granted_on, lapsed_on, expires_on=None):
    """Each state's dates: a right in force was granted, a lapsed one lapsed; none before the filing date."""
    if status == "in_force" and granted_on is None:
        raise Invalid("a right in force has its grant date", field="granted_on")
    if status == "pending" and granted_on is not None:
        raise Invalid("a pending right has no grant date yet", field="granted_on")
    if status == "lapsed" and lapsed_on is None:
        raise Invalid("a lapsed right has the date it lapsed", field="lapsed_on")
    if status != "lapsed" and lapsed_on is not None:
        raise Invalid("only a lapsed right has a lapse date", field="lapsed_on")
    for name, day in (("granted_on", granted_on), ("lapsed_on", lapsed_on), ("expires_on", expires_on)):
        if day is not None and day < filed_on:
            raise Invalid("lies before the filing date", field=name)
    if granted_on and lapsed_on and lapsed_on < granted_on:
        raise Invalid("lies before the grant date", field="lapsed_on")


def check_transition(current, new, filed_on, granted_on, effective_on):
    """Refuse a state change the table does not allow, or dated before the filing (or grant) date."""
    if new not in TRANSITIONS[current]:
        raise TransitionRefused(f"a right {STATUSES[current]} cannot become {STATUSES[new]}")
    if effective_on < filed_on:
        raise Invalid("lies before the filing date", field="effective_on")
    if granted_on and effective_on < granted_on:
        raise Invalid("lies before the grant date", field="effective_on")


def require_actor(principal, holder_ids, holder_regions):
    """The staff of a holder, a reviewer of a holder's region, or an admin (the role is checked before)."""
    if principal.role == Roles.ADMIN:
        return
    if principal.role == Roles.INSTITUTION and principal.org in holder_ids:
        return
    if principal.role == Roles.REVIEWER and principal.region and any(
            regions.covers(principal.region, code) for code in holder_regions):
        return
    raise NotAllowed("only a holder's staff, a reviewer of a holder's region or an administrator may do this")


def check_holders(holder_ids, known_ids):
    """Every holder is a registered organization: 422 ``unknown_organization`` naming each one otherwise."""
    fields = [(f"holder_organization_ids.{i}", f"organization {org} is not registered")
              for i, org in enumerate(holder_ids) if org not in known_ids]
    if fields:
        raise Unprocessable("; ".join(f"{p}: {m}" for p, m in fields), fields=fields, code="unknown_organization")


def check_links(achievement_ids, achievements, holder_ids, field="achievement_ids"):
    """Each achievement is the registry's, registered or published, and one of the holders'.

    ``achievements``: ``{id: (status, owner id, organization ids)}`` of those found. 422 ``unknown_link``."""
    fields = []
    for i, achievement_id in enumerate(achievement_ids):
        found = achievements.get(achievement_id)
        if found is None:
            fields.append((f"{field}.{i}", f"achievement {achievement_id} is not registered here"))
            continue
        status, owner, organizations = found
        if status not in LINKABLE_ACHIEVEMENT_STATUSES:
            fields.append((f"{field}.{i}", f"achievement {achievement_id} is {status}: only a registered or "
                                           "published achievement is linked"))
        elif not ({owner, *organizations} & set(holder_ids)):
            fields.append((f"{field}.{i}", f"achievement {achievement_id} is not one of the holders'"))
    if fields:
        raise Unprocessable("; ".join(f"{p}: {m}" for p, m in fields), fields=fields, code="unknown_link")
