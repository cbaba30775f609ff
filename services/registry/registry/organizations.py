"""Organizations (主体) and the accreditation (认定) of service institutions: what may be registered and
when an institution may be accredited or lose its accreditation. Free of brokers and databases."""
from typing import Literal

from pydantic import Field, field_validator, model_validator

from ttp_common.models import StrictModel
from ttp_common.reference import DivisionCode, is_valid_credit_code
from ttp_common.refusals import Invalid, TransitionRefused

ORGANIZATION_KINDS = {
    "university": "高等院校",
    "institute": "科研院所",
    "enterprise": "企业",
    "service_institution": "科技成果转移转化服务机构",
    "investor": "投资机构",
    "government": "政府部门",
}
# 国家设立的研究开发机构、高等院校 (促进科技成果转化法 第四十五条第二款): only these kinds can be state-established.
STATE_ESTABLISHABLE = ("university", "institute")


class OrganizationIn(StrictModel):
    """A request to register an organization (主体)."""

    name: str = Field(min_length=2, max_length=200, description="名称")
    credit_code: str = Field(description="统一社会信用代码 (GB 32100-2015, 18 characters with check character)")
    kind: Literal[tuple(ORGANIZATION_KINDS)] = Field(description="主体类型")
    region_code: DivisionCode  # a prefecture or a county-level division inside it
    supervising_department: str | None = Field(default=None, max_length=100, description="主管部门")
    state_established: bool | None = Field(default=None, description=(
        "国家设立: a research institute or university established by the state (促进科技成果转化法 第四十五条第二款: "
        "its own reward rules must meet the statutory standards); null: not stated. Only for university and "
        "institute"))

    @field_validator("credit_code")
    @classmethod
    def _credit_code(cls, value):
        value = value.upper()
        if not is_valid_credit_code(value):
            raise ValueError("not a valid unified social credit code (length, characters or check character)")
        return value

    @model_validator(mode="after")
    def _state_established(self):
        if self.state_established and self.kind not in STATE_ESTABLISHABLE:
            raise Invalid(f"only a university or an institute can be state-established "
                          f"(国家设立的研究开发机构、高等院校), not {self.kind}", field="state_established")
        return self


# 高校院所 (四(三)2): the kinds whose transfer institutions (技术转移机构) are units inside them, accredited by name.
UNIT_HOSTS = ("university", "institute")
UnitName = Field(default=None, min_length=2, max_length=100, description=(
    "技术转移机构: a unit inside a university or institute (e.g. 四川大学技术转移中心), accredited in its own right; "
    "null: the organization itself, a service institution"))


CORRECTABLE = ("name", "supervising_department", "contact")


class CorrectionIn(StrictModel):
    """A correction of an organization's record (主体信息变更): any of its name, supervising department and contact;
    a field left out stays as it is, ``null`` clears the department or the contact."""

    name: str | None = Field(default=None, min_length=2, max_length=200, description="名称")
    supervising_department: str | None = Field(default=None, max_length=100, description="主管部门")
    contact: str | None = Field(default=None, max_length=200, description=(
        "联系方式: the organization's office contact (a department's telephone or address), public with the record"))

    @model_validator(mode="after")
    def _something(self):
        if not self.model_fields_set:
            raise Invalid("a correction names at least one of " + ", ".join(CORRECTABLE), field="name")
        if "name" in self.model_fields_set and self.name is None:
            raise Invalid("an organization keeps a name", field="name")
        return self


def changes(current, correction):
    """The fields a correction changes, ``[{"field", "old", "new"}]`` in ``CORRECTABLE`` order; values equal to the
    current ones are no change. ``current``: the record's values by field."""
    given = correction.model_dump(include=correction.model_fields_set)
    return [{"field": field, "old": current.get(field), "new": given[field]}
            for field in CORRECTABLE if field in given and given[field] != current.get(field)]


class AccreditationIn(StrictModel):
    """A reviewer's accreditation of a service institution, or of a transfer unit inside a university or an
    institute (认定)."""

    basis: str | None = Field(default=None, max_length=200, description="认定依据, e.g. a notice number")
    unit: str | None = UnitName

    @field_validator("unit")
    @classmethod
    def _unit(cls, value):
        return unit_key(value)


class RevocationIn(StrictModel):
    """Revoking an accreditation (撤销认定) needs a reason; ``unit`` names the unit whose accreditation goes."""

    reason: str = Field(min_length=2, max_length=500, description="撤销原因")
    unit: str | None = UnitName

    @field_validator("unit")
    @classmethod
    def _unit(cls, value):
        return unit_key(value)


def unit_key(name):
    """A unit's name as it is compared and stored: inner whitespace collapsed, so "四川大学 技术转移中心" typed
    twice with different spacing is one unit."""
    if name is None:
        return None
    name = " ".join(name.split())
    if len(name) < 2:
        raise ValueError("a unit's name has at least 2 characters")
    return name


def check_accreditable(kind, accredited, unit=None, units=()):
    """A service institution is accredited itself; a university or an institute through its transfer units, each
    named, each once at a time (``units``: the names accredited now). Every accreditation counts one toward the
    1,000-institution target."""
    if unit is None:
        if kind != "service_institution":
            raise TransitionRefused("only a service institution (科技成果转移转化服务机构) can be accredited; a "
                                    "university or an institute names its transfer unit (技术转移机构)")
        if accredited:
            raise TransitionRefused("the institution is already accredited")
        return
    if kind not in UNIT_HOSTS:
        raise TransitionRefused("only a university or an institute (高校院所) accredits a unit within it",
                                field="unit")
    if unit in units:
        raise TransitionRefused(f"the unit {unit} is already accredited", field="unit")


def check_revocable(accredited, unit=None, units=()):
    if unit is None and not accredited:
        raise TransitionRefused("the institution is not accredited")
    if unit is not None and unit not in units:
        raise TransitionRefused(f"the unit {unit} is not accredited", field="unit")
