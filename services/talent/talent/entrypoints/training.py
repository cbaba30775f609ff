"""Training (培训体系): programmes (public), enrolment, and the provider's record of attendance, assessment
and completion. The work is in ``talent.handlers.training``.
"""
from typing import Literal

from pydantic import Field

from ttp_common import paging
from ttp_common.auth import Roles
from ttp_common.endpoints import endpoint

from ..documents import Programme
from ..handlers import training as handlers
from ..training import (BROKER_LEVELS, PROGRAMME_KINDS, AssessmentIn, AttendanceIn, EnrolmentIn, ProgrammeIn)
from .common import RECORD

INSTITUTIONS = (Roles.INSTITUTION, Roles.ADMIN)
ENROLMENT = "/api/v1/training/enrolments/<string:enrolment_id>"


class ProgrammeQuery(paging.CursorParams):
    kind: Literal[tuple(PROGRAMME_KINDS)] | None = Field(None, description=" · ".join(PROGRAMME_KINDS))
    level: Literal[tuple(BROKER_LEVELS)] | None = Field(None, description="broker courses: "
                                                                          + " · ".join(BROKER_LEVELS))


class TrainingEntrypoints:
    """Programmes and enrolments."""

    @endpoint("POST", "/api/v1/training/programmes", roles=INSTITUTIONS, body=ProgrammeIn, status=201,
              response=RECORD, errors=(404, 409),
              summary="Register a training programme (学历/职业/继续教育, broker course by level) with its sessions; "
                      "the provider institution or an admin")
    def register_programme(self, ctx):
        """A provider (an institution, e.g. an accredited training base) registers its programme; admins too."""
        return self.store.transact(handlers.register_programme, ctx.body, ctx.principal, actor=ctx.actor).as_dict()

    @endpoint("GET", "/api/v1/training/programmes", query=ProgrammeQuery, response=RECORD,
              summary="Training programmes (public), newest first: {items, next_cursor}")
    def list_programmes(self, ctx):
        """Public: programmes, newest first, by ``kind`` and ``level``; cursor-paged (``limit``, ``cursor``)."""
        q = ctx.query
        query = {name: value for name, value in (("kind", q.kind), ("level", q.level)) if value is not None}
        docs, next_cursor = paging.by_time(self.store.collection(Programme), query, q.limit, q.cursor)
        return {"items": [self.store.load(Programme, d).as_dict() for d in docs], "next_cursor": next_cursor}

    @endpoint("GET", "/api/v1/training/programmes/<string:programme_id>", response=RECORD,
              summary="A programme (public)")
    def get_programme(self, ctx, programme_id):
        """Public: programmes are advertised."""
        return self.store.get(Programme, programme_id).as_dict()

    @endpoint("POST", "/api/v1/training/programmes/<string:programme_id>/enrolments", roles=INSTITUTIONS,
              body=EnrolmentIn, status=201, response=RECORD, errors=(409,),
              summary="Enrol a person (the provider, the person's organization or an admin)")
    def enrol(self, ctx, programme_id):
        """The provider, the person's organization or an admin enrols a person."""
        return self.store.transact(handlers.enrol, programme_id, ctx.body.person_id, ctx.principal,
                                   actor=ctx.actor).as_dict()

    @endpoint("GET", ENROLMENT, roles=INSTITUTIONS, response=RECORD, errors=(400,),
              summary="An enrolment (the provider, the person's organization, admins)")
    def get_enrolment(self, ctx, enrolment_id):
        return handlers.visible_enrolment(self.store, enrolment_id, ctx.principal).as_dict()

    @endpoint("POST", ENROLMENT + "/attendance", roles=INSTITUTIONS, body=AttendanceIn, response=RECORD,
              errors=(409, 422), summary="Record attendance at one session (provider, admin)")
    def record_attendance(self, ctx, enrolment_id):
        return self.store.transact(handlers.record_attendance, enrolment_id, ctx.body.session, ctx.principal,
                                   actor=ctx.actor).as_dict()

    @endpoint("POST", ENROLMENT + "/assessment", roles=INSTITUTIONS, body=AssessmentIn, response=RECORD,
              errors=(409,), summary="Record an assessment score; a retake replaces it (provider, admin)")
    def record_assessment(self, ctx, enrolment_id):
        return self.store.transact(handlers.record_assessment, enrolment_id, ctx.body.score, ctx.principal,
                                   actor=ctx.actor).as_dict()

    @endpoint("POST", ENROLMENT + "/completion", roles=INSTITUTIONS, response=RECORD, errors=(409, 422),
              summary="Complete the enrolment once the required hours and a passed assessment are recorded "
                      "(provider, admin); no body")
    def complete(self, ctx, enrolment_id):
        return self.store.transact(handlers.complete, enrolment_id, ctx.principal, ctx.now, actor=ctx.actor).as_dict()
