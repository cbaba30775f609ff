"""IP analysis and review (知识产权分析评议, plan 四(二)4) of a major project or a plan decision, without I/O.

An organization (its staff, a reviewer of its region or an administrator) asks for a review of a major project
(重大项目) or a plan decision (重大规划决策), naming the IP rights of the registry it concerns; a reviewer of the
requesting organization's region draws an expert panel from the talent pool in the request's field, never an
expert of the requesting organization nor of a holder of the rights named (回避: ``ttp_common.panels``); the
panel's opinion is recorded with its conclusion and the experts who sign it.

    requested ──panel──▶ panel_drawn ──opinion──▶ concluded
"""
from typing import Literal

from pydantic import Field, field_validator

from ttp_common.fields import Integer
from ttp_common.models import StrictModel
from ttp_common.refusals import Invalid, TransitionRefused

SUBJECT_KINDS = {"major_project": "重大项目", "plan_decision": "重大规划决策"}
CONCLUSIONS = {"supported": "同意", "supported_with_conditions": "有条件同意", "not_supported": "不同意"}
STATUSES = {"requested": "已申请", "panel_drawn": "已抽取专家", "concluded": "已出具意见"}
STEPS = {"panel": "requested", "opinion": "panel_drawn"}  # the status each step starts from
RIGHTS_AT_MOST = 50


def _distinct(value):
    if len(set(value)) != len(value):
        raise ValueError("names an id twice")
    if any(not item or len(item) > 64 for item in value):
        raise ValueError("ids are 1 to 64 characters")
    return value


class IpReviewIn(StrictModel):
    subject_kind: Literal[tuple(SUBJECT_KINDS)] = Field(
        description="; ".join(f"{k}: {v}" for k, v in SUBJECT_KINDS.items()))
    subject: str = Field(min_length=2, max_length=200, description="项目或决策名称")
    reference: str | None = Field(default=None, max_length=60, description="项目编号/文号")
    requesting_organization_id: str = Field(min_length=1, max_length=64, description="a registered organization")
    ip_right_ids: list[str] = Field(default_factory=list, max_length=RIGHTS_AT_MOST,
                                    description="the registry's IP rights the review concerns")
    expert_field: str = Field(min_length=1, max_length=60, description="the experts' field (专业领域) in talent")
    panel_size: Integer = Field(default=5, ge=3, le=9, description="评议专家人数")

    @field_validator("ip_right_ids")
    @classmethod
    def _ids(cls, value):
        return _distinct(value)


class OpinionIn(StrictModel):
    conclusion: Literal[tuple(CONCLUSIONS)] = Field(description="; ".join(f"{k}: {v}" for k, v in CONCLUSIONS.items()))
    opinion: str = Field(min_length=10, max_length=5000, description="评议意见")
    signed_by: list[str] = Field(min_length=1, max_length=9, description="the panel experts who sign it (person ids)")

    @field_validator("signed_by")
    @classmethod
    def _ids(cls, value):
        return _distinct(value)


def check_step(step, status):
    """The step starts from its status only (409 otherwise)."""
    if status != STEPS[step]:
        raise TransitionRefused(f"the review is {status}; {step} needs it {STEPS[step]}")


def excluded_organizations(requesting_organization_id, holder_ids):
    """Whose experts may not sit: the requesting organization's and every holder's of the rights named."""
    return sorted({requesting_organization_id, *holder_ids})


def check_signatures(signed_by, panel_ids, panel_size):
    """Only panel experts sign, and a majority of the panel does."""
    for i, person_id in enumerate(signed_by):
        if person_id not in panel_ids:
            raise Invalid("not an expert of this review's panel", field=f"signed_by.{i}")
    if len(signed_by) * 2 <= panel_size:
        raise Invalid(f"a majority of the panel ({panel_size // 2 + 1} of {panel_size}) signs the opinion",
                      field="signed_by")
