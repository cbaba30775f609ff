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


class AccreditationIn(StrictModel):
    """A reviewer's accreditation of a service institution (认定)."""

    basis: str | None = Field(default=None, max_length=200, description="认定依据, e.g. a notice number")


class RevocationIn(StrictModel):
    """Revoking an accreditation (撤销认定) needs a reason."""

    reason: str = Field(min_length=2, max_length=500, description="撤销原因")


def check_accreditable(kind, accredited):
    """Only a service institution can be accredited, and only once at a time."""
    if kind != "service_institution":
        raise TransitionRefused("only a service institution (科技成果转移转化服务机构) can be accredited")
    if accredited:
        raise TransitionRefused("the institution is already accredited")


def check_revocable(accredited):
    if not accredited:
        raise TransitionRefused("the institution is not accredited")
