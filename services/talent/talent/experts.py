"""Expert pool (专家库) and mentors (创业导师): selection by field with conflict-of-interest exclusion."""
import datetime as dt

from pydantic import Field, field_validator

from ttp_common.fields import Integer
from ttp_common.models import StrictModel
from ttp_common.refusals import Conflict



class AssignmentIn(StrictModel):
    """A request for experts to appraise or review an achievement (评价评审)."""

    achievement_id: str = Field(min_length=1, max_length=64, description="科技成果 under review")
    organization_ids: list[str] = Field(
        default_factory=list, max_length=20,
        description="further organizations to exclude (回避单位); the achievement's organizations (完成单位) the "
                    "registry has announced so far are excluded as well: all of them once an event carrying them "
                    "(submitted, revision 2, or published) has arrived, only the owner before")
    field: str = Field(min_length=1, max_length=30, description="专业领域")
    count: Integer = Field(default=3, ge=1, le=15, description="how many experts")
    person_ids: list[str] | None = Field(default=None, max_length=15,
                                         description="named experts instead of a draw from the pool, each once")

    @field_validator("person_ids")
    @classmethod
    def _distinct(cls, value):
        """One expert fills one reviewer place."""
        if value is not None and len(set(value)) != len(value):
            raise ValueError("each expert once")
        return value


class MentorshipIn(StrictModel):
    """A mentor (创业导师) paired with a start-up team."""

    mentor_person_id: str = Field(min_length=1, max_length=64)
    team_name: str = Field(min_length=2, max_length=200, description="创业团队名称")
    team_organization_id: str = Field(min_length=1, max_length=64, description="the incubator or start-up's organization")
    starts_on: dt.date = Field(description="开始日期")


def announced_organizations(data):
    """The organizations a registry achievement event names: its owner (``organization_id``, on all but
    published) and its completing organizations (``organization_ids``: on published, and on submitted
    since revision 2; absent or empty otherwise); each once, in order."""
    owner = [data["organization_id"]] if data.get("organization_id") else []
    return list(dict.fromkeys([*owner, *(data.get("organization_ids") or [])]))


def excluded_organizations(known, given):
    """The organizations whose experts are excluded: the achievement's ``known`` ones (None: the registry has
    not announced the achievement: ``Conflict``) and any ``given`` by the caller, never fewer; each once, in order."""
    if known is None:
        raise Conflict("the registry has not announced this achievement yet (submitted or published); "
                       "its organizations are unknown, so no expert can be checked for a conflict of interest",
                       field="achievement_id", detail="unknown achievement: not yet announced by the registry")
    return list(dict.fromkeys([*known, *given]))


def conflicted(person, organization_ids):
    """An expert never reviews an achievement of their own organization."""
    return person.get("organization_id") is not None and person["organization_id"] in set(organization_ids)


def select(candidates, organization_ids, count):
    """``count`` experts from ``candidates`` (already of the field), excluding conflicts; the ones
    with the fewest assignments first, then by id, so the load spreads and the choice is reproducible."""
    eligible = [p for p in candidates if not conflicted(p, organization_ids)]
    eligible.sort(key=lambda p: (p.get("assignments", 0), p["id"]))
    if len(eligible) < count:
        raise Conflict(f"only {len(eligible)} eligible experts in this field, {count} requested",
                       field="count", detail=f"at most {len(eligible)} available")
    return eligible[:count]


def check_named(people, organization_ids, field):
    """Named experts must exist, be experts of the field, and have no conflict of interest (``Conflict``
    naming each that fails)."""
    errors = []
    for i, person in enumerate(people):
        where = f"person_ids.{i}"
        if person is None:
            errors.append((where, "no such person"))
        elif "expert" not in person["kinds"]:
            errors.append((where, "not an expert"))
        elif field not in (person.get("fields") or ()):
            errors.append((where, f"not an expert in {field}"))
        elif conflicted(person, organization_ids):
            errors.append((where, "conflict of interest: the expert's own organization's achievement"))
    if errors:
        raise Conflict("some named experts may not review this achievement", fields=errors)


def check_mentor(person):
    """Only a mentor (kinds include ``mentor``) is paired with a team."""
    if "mentor" not in person["kinds"]:
        raise Conflict("the person is not a mentor", field="mentor_person_id", detail="not a mentor")
