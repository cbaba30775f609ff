"""Transformation projects (科技成果转化项目) under the plan's 15 special programmes, without I/O.

Lifecycle: proposed → approved → in_progress → completed, or terminated from any of the
first three. Approval is what the plan's target counts (2,000: 500 major + 1,500 promoted).
While in progress a project moves forward through its stages: pilot (中试) → scale-up
(工程化) → industrialisation (产业化).
"""
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from pydantic import Field, field_validator

from ttp_common.fields import Integer
from ttp_common.models import StrictModel
from ttp_common.refusals import TransitionRefused

from .fields import Region, check_ids, ids_field

CATEGORIES = {"major": "重大科技成果转化项目", "promoted": "推广应用先进成熟适用技术成果"}
STAGES = {"pilot": "中试", "scale_up": "工程化", "industrialisation": "产业化"}  # in order
PROGRAMMES = {  # 四(一)1 (1)-(15)
    1: "新一代信息技术与产业成果转化专项", 2: "智能制造装备产业科技成果转化专项", 3: "轨道交通装备产业科技成果转化专项",
    4: "节能环保产业科技成果转化专项", 5: "生物医药产业科技成果转化专项", 6: "新能源产业科技成果转化专项",
    7: "新能源汽车产业科技成果转化专项", 8: "新材料产业科技成果转化专项", 9: "航空航天产业科技成果转化专项",
    10: "先进电力装备产业科技成果转化专项", 11: "现代中药产业科技成果转化专项", 12: "特色现代农业产业科技成果转化专项",
    13: "传统优势特色产业改造提升科技成果转化专项", 14: "军民融合科技成果转化专项", 15: "国际科技合作科技成果转化专项",
}
PUBLIC_STATUSES = ("approved", "in_progress", "completed")  # what anyone may read
STATUSES = ("proposed", *PUBLIC_STATUSES, "terminated")


class ProjectFields(StrictModel):
    """What a transformation project is, proposed on the platform or approved in an earlier system (``history``)."""

    title: str = Field(min_length=2, max_length=200, description="项目名称")
    category: Literal[tuple(CATEGORIES)] = Field(description="项目类别: major 重大 / promoted 推广应用先进成熟适用技术")
    programme: Integer = Field(ge=1, le=15, description="the plan's special programme, 四(一)1 (1)-(15)")
    region_code: Region
    organization_id: str = Field(min_length=1, max_length=64, description="承担单位")
    responsible_department: str = Field(min_length=2, max_length=100, description="责任部门")
    budget: Decimal = Field(gt=0, max_digits=18, decimal_places=2, description="项目预算 (元)")


class TransformationProjectIn(ProjectFields):
    """A project proposal (项目申报) by its undertaking organization."""

    stage: Literal[tuple(STAGES)] = Field(default="pilot", description="实施阶段")
    achievement_ids: list[str] = ids_field("科技成果")

    @field_validator("achievement_ids")
    @classmethod
    def _ids(cls, value):
        return check_ids(value)


class StageIn(StrictModel):
    stage: Literal[tuple(STAGES)]


class CompleteIn(StrictModel):
    summary: str | None = Field(default=None, max_length=2000, description="验收意见")


OWNER, DEPARTMENT = "owner", "department"  # the undertaking institution; a reviewer of its region (or admin)


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset
    target: str
    actor: str
    event: str


TRANSITIONS = {t.name: t for t in (
    Transition("approve", frozenset({"proposed"}), "approved", DEPARTMENT,
               "finance.transformation_project.approved.v1"),
    Transition("start", frozenset({"approved"}), "in_progress", OWNER, "finance.transformation_project.started.v1"),
    Transition("advance", frozenset({"in_progress"}), "in_progress", OWNER,
               "finance.transformation_project.stage_advanced.v1"),
    Transition("complete", frozenset({"in_progress"}), "completed", DEPARTMENT,
               "finance.transformation_project.completed.v1"),
    Transition("terminate", frozenset({"proposed", "approved", "in_progress"}), "terminated", DEPARTMENT,
               "finance.transformation_project.terminated.v1"),
)}


def transition(name, status):
    """The transition ``name`` from ``status``, or ``TransitionRefused``."""
    t = TRANSITIONS[name]
    if status not in t.sources:
        raise TransitionRefused(f"cannot {name} a project that is {status} (only from: {', '.join(sorted(t.sources))})")
    return t


def check_advance(current, new):
    """Stages only move forward."""
    order = list(STAGES)
    if order.index(new) <= order.index(current):
        raise TransitionRefused(f"a project in stage {current} cannot move to {new} (stages only move forward)")
