"""Consultations (咨询辅导): an institution asks another organization, which answers once. Free of brokers and
databases."""
from pydantic import Field

from ttp_common.models import StrictModel
from ttp_common.refusals import Invalid, NotAllowed, TransitionRefused

from .fields import Id


class ConsultationIn(StrictModel):
    institution_organization_id: Id = Field(description="the service institution asked")
    topic: str = Field(min_length=1, max_length=200)
    question: str = Field(min_length=1, max_length=4000)


class AnswerIn(StrictModel):
    answer: str = Field(min_length=1, max_length=8000)


def check_asked(requester_org, institution_org):
    if institution_org == requester_org:
        raise Invalid("ask another organization", field="institution_organization_id")


def check_answerable(status, answerer_org, institution_org):
    """Only the institution asked answers, once."""
    if answerer_org != institution_org:
        raise NotAllowed("only the institution asked may answer")
    if status != "open":
        raise TransitionRefused("already answered")
