"""Talent service entrypoints (thin: the rules live in domain.py, training.py, certification.py,
performance.py, experts.py and rewards.py)."""
import datetime as dt
import json
import uuid
from decimal import Decimal

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from ttp_common import auth, paging, web
from ttp_common.consumer import consume
from ttp_common.errors import Conflict, Forbidden, NotFound, field_error
from ttp_common.rpc import rpc
from ttp_common.service_base import PlatformService
from ttp_common.web import http

from . import certification, domain, experts, performance, rewards, training
from .documents import (AchievementReplica, Assignment, Certificate, Enrolment, Person, Post, Programme, RewardPlan,
                        now_ms)
from .migrations import key_posts
from .openapi import SPEC

PERSON_REGISTERED = "talent.person.registered.v1"
POST_REGISTERED = "talent.person.post_registered.v1"
PROGRAMME_JOINED = "talent.person.programme_joined.v1"
PROGRAMME_REGISTERED = "talent.training.programme_registered.v1"
ENROLLED = "talent.training.enrolled.v1"
ATTENDED = "talent.training.attended.v1"
ASSESSED = "talent.training.assessed.v1"
COMPLETED = "talent.training.completed.v1"
CERTIFIED = "talent.broker.certified.v1"
CERTIFICATE_EVENTS = {"suspend": "talent.broker.certificate_suspended.v1",
                      "reinstate": "talent.broker.certificate_reinstated.v1"}
PERFORMANCE_UPDATED = "talent.broker.performance_updated.v1"
REWARD_RECORDED = "talent.reward.recorded.v1"
EXPERTS_ASSIGNED = "talent.expert.assigned.v1"
MENTOR_PAIRED = "talent.expert.mentor_paired.v1"
CONTRACT_REGISTERED = "transactions.contract.registered.v1"
ACHIEVEMENT_EVENTS = tuple(f"registry.achievement.{step}.v1"
                           for step in ("submitted", "registered", "returned", "published", "withdrawn"))
PERFORMANCE = "broker_performance"
# One document per person holding (or being given) a certificate: certifying and suspending or reinstating
# write it (_guard_certificates), so they conflict instead of both committing on what the other changed.
CERTIFICATE_GUARDS = "certificate_guards"

R = auth.Roles


def _json(data):
    """Plain JSON types for RPC replies (decimals and datetimes as strings)."""
    return json.loads(web.dumps(data))


class TalentService(PlatformService):
    name = "talent"
    openapi_spec = SPEC
    documents = [Person, Programme, Enrolment, Certificate, RewardPlan, Post, Assignment, AchievementReplica]
    migrations = [key_posts]

    # -- people (人才) ----------------------------------------------------------------
    @http("POST", "/api/v1/people")
    @web.api
    def register_person(self, request):
        principal = self.principal(request)
        auth.require(principal, R.INSTITUTION, R.ADMIN)
        body = web.parse_body(request, domain.PersonIn)
        if principal.role == R.INSTITUTION:
            auth.require_org(principal, body.organization_id)
        data = body.model_dump(mode="json")
        person = Person(id=uuid.uuid4().hex, created_by=principal.sub, **{**data, "contact": data["contact"] or {}})

        def work(uow):
            uow.insert(person)
            uow.emit(PERSON_REGISTERED, {"person_id": person.id, "kinds": list(person.kinds),
                                         "organization_id": person.organization_id}, subject=person.id)

        self.store.transact(work, actor=self.actor(request, principal))
        return web.json_response(domain.private_view(person.as_dict()), status=201,
                                 headers={"Location": f"/api/v1/people/{person.id}"})

    @http("GET", "/api/v1/people")
    @web.api
    def search_people(self, request):
        """Public: people by ``kind``, ``field`` and ``organization``, by id, cursor-paged; each as the public
        view. A filter only finds people who consented to show what it filters on, and nobody who consented
        to show nothing is listed. Not newest first, and the cursor holds only the last id shown: no one
        consented to show when they were registered (``paging.id_page``)."""
        filters = {"kinds": web.query_param(request, "kind", choices=tuple(domain.PERSON_KINDS)),
                   "fields": web.query_param(request, "field"),
                   "organization_id": web.query_param(request, "organization")}
        query = {name: value for name, value in filters.items() if value is not None}
        # the stored names filtered on are also the consent's names (domain.PUBLIC_FIELDS)
        query["public_fields"] = {"$all": list(query)} if query else {"$in": list(domain.PUBLIC_FIELDS)}
        docs, next_cursor = paging.id_page(self.store.db[Person._get_collection_name()], query, request)
        return web.json_response({"items": [domain.public_view(Person._from_son(d).as_dict()) for d in docs],
                                  "next_cursor": next_cursor})

    @http("GET", "/api/v1/people/<string:person_id>")
    @web.api
    def get_person(self, request, person_id):
        """The full record for the person's organization and admins; for anyone else, what they consented to show."""
        principal = self.principal(request)
        person = self._person(self.store.db, person_id)
        if self._may_see_person(principal, person):
            view = domain.private_view(person)
            view["broker"] = self._broker(person["id"])
            view["posts"] = [Post._from_son(d).as_dict() for d in self.store.db[Post._get_collection_name()]
                             .find({"person_id": person["id"]}).sort("created_at", 1)]
            return web.json_response(view)
        return web.json_response(domain.public_view(person))

    @http("PATCH", "/api/v1/people/<string:person_id>")
    @web.api
    def update_person(self, request, person_id):
        """The person's organization (or an admin) changes their contact details, fields or consent
        (public_fields); only the keys given change. No event: the only person event that fits a person
        as such is ``talent.person.registered.v1``, and an update is not a registration (nor may contact
        details ever go into an event); the record keeps who changed it last (updated_at, updated_by)."""
        principal = self.principal(request)
        auth.require(principal, R.INSTITUTION, R.ADMIN)
        changes = domain.person_changes(web.parse_body(request, domain.PersonUpdateIn))

        def work(uow):
            person = self._person(uow.db, person_id, uow.session)
            auth.require_org(principal, person["organization_id"])
            uow.db[Person._get_collection_name()].update_one(
                {"_id": person["id"]}, {"$set": {**changes, "updated_at": now_ms(), "updated_by": principal.sub}},
                session=uow.session)
            return self._person(uow.db, person_id, uow.session)

        person = self.store.transact(work, actor=self.actor(request, principal))
        return web.json_response(domain.private_view(person))

    @http("POST", "/api/v1/people/<string:person_id>/posts")
    @web.api
    def register_post(self, request, person_id):
        """An institution registers a transfer post (科技成果转移转化岗) it gave one of its own people; admins
        too. Once per person, organization and post kind (409)."""
        principal = self.principal(request)
        auth.require(principal, R.INSTITUTION, R.ADMIN)
        body = web.parse_body(request, domain.PostIn)
        auth.require_org(principal, body.organization_id)
        post = Post(id=uuid.uuid4().hex, person_id=str(person_id), category="post", created_by=principal.sub,
                    key=domain.post_key(person_id, body), record=body.model_dump(mode="json"))

        def work(uow):
            person = self._person(uow.db, person_id, uow.session)
            auth.require_org(principal, person["organization_id"])
            uow.insert(post)
            uow.emit(POST_REGISTERED, {"person_id": post.person_id, "post_id": post.id, **body.model_dump()},
                     subject=post.person_id)

        try:
            self.store.transact(work, actor=self.actor(request, principal))
        except DuplicateKeyError:
            raise Conflict("this post is already registered for the person",
                           [field_error("post_kind", "already registered at this organization")])
        return web.json_response(post.as_dict(), status=201)

    @http("POST", "/api/v1/people/<string:person_id>/talent-programmes")
    @web.api
    def join_talent_programme(self, request, person_id):
        """The person's organization (or an admin) registers their selection into a talent programme (千人计划…);
        once per programme and year, whatever the programme_name (409; ``domain.participation_key``)."""
        principal = self.principal(request)
        auth.require(principal, R.INSTITUTION, R.ADMIN)
        body = web.parse_body(request, domain.TalentProgrammeIn)
        post = Post(id=uuid.uuid4().hex, person_id=str(person_id), category="programme", created_by=principal.sub,
                    key=domain.participation_key(person_id, body), record=body.model_dump(mode="json"))

        def work(uow):
            person = self._person(uow.db, person_id, uow.session)
            auth.require_org(principal, person["organization_id"])
            uow.insert(post)
            uow.emit(PROGRAMME_JOINED, {"person_id": post.person_id, "participation_id": post.id,
                                        "organization_id": person["organization_id"], **body.model_dump()},
                     subject=post.person_id)

        try:
            self.store.transact(work, actor=self.actor(request, principal))
        except DuplicateKeyError:
            raise Conflict("this participation is already registered for the person",
                           [field_error("year", "already registered for this programme and year")])
        return web.json_response(post.as_dict(), status=201)

    @rpc
    def get_public_person(self, person_id):
        """For other services: what the person consented to show, or None."""
        doc = self.store.db[Person._get_collection_name()].find_one({"_id": str(person_id)})
        return None if doc is None else _json(domain.public_view(Person._from_son(doc).as_dict()))

    # -- training (培训体系) ---------------------------------------------------------------
    @http("POST", "/api/v1/training/programmes")
    @web.api
    def register_programme(self, request):
        """A provider (an institution, e.g. an accredited training base) registers its programme; admins too."""
        principal = self.principal(request)
        auth.require(principal, R.INSTITUTION, R.ADMIN)
        body = web.parse_body(request, training.ProgrammeIn)
        training.check_programme(body)
        auth.require_org(principal, body.provider_organization_id)
        programme = Programme(
            id=uuid.uuid4().hex, created_by=principal.sub, total_hours=body.total_hours,
            required_hours=body.required_hours or body.total_hours,
            **body.model_dump(mode="json", exclude={"required_hours"}))

        def work(uow):
            uow.insert(programme)
            uow.emit(PROGRAMME_REGISTERED, {
                "programme_id": programme.id, "title": programme.title, "kind": programme.kind,
                "level": programme.level, "provider_organization_id": programme.provider_organization_id,
                "total_hours": programme.total_hours, "required_hours": programme.required_hours,
                "session_count": len(programme.sessions)}, subject=programme.id)

        self.store.transact(work, actor=self.actor(request, principal))
        return web.json_response(programme.as_dict(), status=201)

    @http("GET", "/api/v1/training/programmes")
    @web.api
    def list_programmes(self, request):
        """Public: programmes, newest first, by ``kind`` and ``level``; cursor-paged (``limit``, ``cursor``)."""
        query = {}
        for name, choices in (("kind", training.PROGRAMME_KINDS), ("level", training.BROKER_LEVELS)):
            value = web.query_param(request, name, choices=tuple(choices))
            if value is not None:
                query[name] = value
        docs, next_cursor = paging.time_page(self.store.db[Programme._get_collection_name()], query, request)
        return web.json_response({"items": [Programme._from_son(d).as_dict() for d in docs],
                                  "next_cursor": next_cursor})

    @http("GET", "/api/v1/training/programmes/<string:programme_id>")
    @web.api
    def get_programme(self, request, programme_id):
        """Public: programmes are advertised."""
        return web.json_response(self._programme(self.store.db, programme_id))

    @http("POST", "/api/v1/training/programmes/<string:programme_id>/enrolments")
    @web.api
    def enrol(self, request, programme_id):
        """The provider, the person's organization or an admin enrols a person."""
        principal = self.principal(request)
        auth.require(principal, R.INSTITUTION, R.ADMIN)
        body = web.parse_body(request, training.EnrolmentIn)

        def work(uow):
            programme = self._programme(uow.db, programme_id, uow.session)
            person = self._person(uow.db, body.person_id, uow.session, field="person_id")
            if principal.role != R.ADMIN and principal.org not in (programme["provider_organization_id"],
                                                                   person["organization_id"]):
                raise Forbidden("only the provider or the person's organization may enrol")
            enrolment = Enrolment(
                id=uuid.uuid4().hex, programme_id=programme["id"], person_id=person["id"],
                provider_organization_id=programme["provider_organization_id"],
                person_organization_id=person["organization_id"], kind=programme["kind"], level=programme["level"],
                status="enrolled")
            uow.insert(enrolment)
            uow.emit(ENROLLED, {"enrolment_id": enrolment.id, "programme_id": programme["id"],
                                "person_id": person["id"], "kind": programme["kind"], "level": programme["level"]},
                     subject=enrolment.id)
            return enrolment

        try:
            enrolment = self.store.transact(work, actor=self.actor(request, principal))
        except DuplicateKeyError:
            raise Conflict("the person is already enrolled in this programme",
                           [field_error("person_id", "already enrolled")])
        return web.json_response(enrolment.as_dict(), status=201)

    @http("GET", "/api/v1/training/enrolments/<string:enrolment_id>")
    @web.api
    def get_enrolment(self, request, enrolment_id):
        principal = self.principal(request)
        auth.require(principal, R.INSTITUTION, R.ADMIN)
        enrolment = self._enrolment(self.store.db, enrolment_id)
        if principal.role != R.ADMIN and principal.org not in (enrolment.provider_organization_id,
                                                               enrolment.person_organization_id):
            raise NotFound("no such enrolment")
        return web.json_response(enrolment.as_dict())

    @http("POST", "/api/v1/training/enrolments/<string:enrolment_id>/<string:step>")
    @web.api
    def training_step(self, request, enrolment_id, step):
        """attendance {session} · assessment {score} · completion: the provider or an admin records them."""
        models = {"attendance": training.AttendanceIn, "assessment": training.AssessmentIn, "completion": None}
        if step not in models:
            raise NotFound(f"no step {step!r}; one of: {', '.join(models)}")
        principal = self.principal(request)
        auth.require(principal, R.INSTITUTION, R.ADMIN)
        body = web.parse_body(request, models[step]) if models[step] else None

        def work(uow):
            enrolment = self._enrolment(uow.db, enrolment_id, uow.session)
            auth.require_org(principal, enrolment.provider_organization_id)
            programme = self._programme(uow.db, enrolment.programme_id, uow.session)
            current = enrolment.as_dict()
            data = {"enrolment_id": enrolment.id, "programme_id": enrolment.programme_id,
                    "person_id": enrolment.person_id}
            if step == "attendance":
                hours = training.attend(current, programme, body.session)
                enrolment.attended = list(enrolment.attended) + [body.session]
                enrolment.attended_hours += hours
                event = ATTENDED
                data.update(session=body.session, hours=hours, attended_hours=enrolment.attended_hours)
            elif step == "assessment":
                enrolment.passed = training.assess(current, programme, body.score)
                enrolment.score = body.score
                event = ASSESSED
                data.update(score=body.score, passed=enrolment.passed)
            else:
                training.check_completable(current, programme)
                enrolment.status, enrolment.completed_at = "completed", now_ms()
                event = COMPLETED
                data.update(kind=enrolment.kind, level=enrolment.level, hours=enrolment.attended_hours,
                            passed=bool(enrolment.passed), completed_at=enrolment.completed_at)
            uow.replace(enrolment)
            uow.emit(event, data, subject=enrolment.id)
            return enrolment

        return web.json_response(self.store.transact(work, actor=self.actor(request, principal)).as_dict())

    # -- brokers (技术经纪人): certification and performance -------------------------------
    @http("POST", "/api/v1/brokers/<string:person_id>/certificates")
    @web.api
    def certify(self, request, person_id):
        """An admin certifies a broker at a level once the level's rules are met (422 lists what is missing;
        409 while a certificate of the level is suspended)."""
        principal = self.principal(request)
        auth.require(principal, R.ADMIN)
        body = web.parse_body(request, certification.CertificationIn)
        today = dt.date.today()

        def work(uow):
            person = self._person(uow.db, person_id, uow.session)
            completions = list(uow.db[Enrolment._get_collection_name()].find(
                {"person_id": person["id"], "status": "completed"}, session=uow.session))
            programmes = {p["_id"]: p for p in uow.db[Programme._get_collection_name()].find(
                {"_id": {"$in": [c["programme_id"] for c in completions]}}, session=uow.session)}
            courses = [{"kind": c["kind"], "level": c.get("level"), "passed": bool(c.get("passed")),
                        "hours": programmes[c["programme_id"]]["required_hours"]} for c in completions]
            held = [Certificate._from_son(c).as_dict() for c in uow.db[Certificate._get_collection_name()].find(
                {"person_id": person["id"]}, session=uow.session)]
            certification.check_not_suspended(body.level, held, today)
            unmet = certification.unmet_requirements(body.level, courses, held, today)
            if unmet:
                raise training.Unprocessable("the rules for this level are not met: " + "; ".join(unmet),
                                             [field_error("level", u) for u in unmet])
            self._guard_certificates(uow, person["id"])  # what was checked above may not change before commit
            serial = uow.db["sequences"].find_one_and_update(
                {"_id": f"certificate|{body.level}|{today.year}"}, {"$inc": {"value": 1}}, upsert=True,
                return_document=ReturnDocument.AFTER, session=uow.session)["value"]
            until = certification.valid_until(body.level, today)
            certificate = Certificate(
                id=certification.certificate_number(body.level, today.year, serial), person_id=person["id"],
                level=body.level, status="active", valid_from=today.isoformat(), valid_until=until.isoformat(),
                history=[{"action": "certify", "at": now_ms().isoformat(), "by": principal.sub}])
            uow.insert(certificate)
            uow.emit(CERTIFIED, {"person_id": person["id"], "certificate_number": certificate.id,
                                 "level": body.level, "valid_from": today, "valid_until": until},
                     subject=person["id"])
            return certificate

        certificate = self.store.transact(work, actor=self.actor(request, principal))
        return web.json_response(self._certificate_view(certificate), status=201)

    @http("GET", "/api/v1/certificates/<string:number>")
    @web.api
    def verify_certificate(self, request, number):
        """Public verification of a certificate: number, level, validity and status (no personal data)."""
        doc = self.store.db[Certificate._get_collection_name()].find_one({"_id": str(number)})
        if doc is None:
            raise NotFound("no such certificate")
        view = self._certificate_view(Certificate._from_son(doc))
        return web.json_response({k: view[k] for k in ("number", "level", "level_label", "status", "valid_from",
                                                       "valid_until")})

    @http("POST", "/api/v1/certificates/<string:number>/<string:action>")
    @web.api
    def certificate_transition(self, request, number, action):
        """suspend (暂停) or reinstate (恢复) a certificate, with a reason; admins."""
        actions = {"suspension": "suspend", "reinstatement": "reinstate"}
        if action not in actions:
            raise NotFound(f"no action {action!r}; one of: {', '.join(actions)}")
        action = actions[action]
        principal = self.principal(request)
        auth.require(principal, R.ADMIN)
        body = web.parse_body(request, certification.SuspensionIn)
        today = dt.date.today()

        def work(uow):
            doc = uow.db[Certificate._get_collection_name()].find_one({"_id": str(number)}, session=uow.session)
            if doc is None:
                raise NotFound("no such certificate")
            certificate = Certificate._from_son(doc)
            status = certification.check_transition(action, certificate.as_dict(), today)
            if status is None:
                raise Conflict(f"cannot {action} a certificate that is "
                               f"{certification.certificate_status(certificate.as_dict(), today)}")
            self._guard_certificates(uow, certificate.person_id)
            certificate.status = status
            certificate.history = list(certificate.history) + [
                {"action": action, "reason": body.reason, "at": now_ms().isoformat(), "by": principal.sub}]
            uow.replace(certificate)
            uow.emit(CERTIFICATE_EVENTS[action], {"person_id": certificate.person_id, "certificate_number":
                                                  certificate.id, "level": certificate.level, "reason": body.reason},
                     subject=certificate.person_id)
            return certificate

        return web.json_response(self._certificate_view(self.store.transact(work, actor=self.actor(request,
                                                                                                     principal))))

    @http("GET", "/api/v1/brokers/<string:person_id>")
    @web.api
    def get_broker(self, request, person_id):
        """Certificates and performance: the person's organization, reviewers and admins."""
        principal = self.principal(request)
        auth.require(principal, R.INSTITUTION, R.REVIEWER, R.ADMIN)
        person = self._person(self.store.db, person_id)
        if principal.role == R.INSTITUTION:
            auth.require_org(principal, person["organization_id"])
        return web.json_response({"person_id": person["id"], **self._broker(person["id"])})

    @rpc
    def get_broker_performance(self, person_id):
        """For other services: the broker's certificates and figures computed from registered contracts."""
        return _json({"person_id": str(person_id), **self._broker(str(person_id))})

    @consume(CONTRACT_REGISTERED)
    def on_contract_registered(self, event):
        """Count a registered contract for every broker who took part (once per event, once per contract)."""
        contract = event.data
        brokers = performance.brokers_of(contract)
        if not brokers:
            return

        def work(uow):
            table = uow.db[PERFORMANCE]
            for person_id in brokers:
                record = table.find_one({"_id": person_id}, session=uow.session) or performance.empty(person_id)
                updated = performance.apply_contract(record, contract)
                if updated is record:
                    continue
                table.replace_one({"_id": person_id}, updated, upsert=True, session=uow.session)
                uow.emit(PERFORMANCE_UPDATED, {
                    "person_id": person_id, "contract_id": contract["contract_id"], "contracts": updated["contracts"],
                    "contract_amount": Decimal(updated["contract_amount"]),
                    "technology_transaction_amount": Decimal(updated["technology_transaction_amount"])},
                    subject=person_id)

        self.store.transact(work, dedup=event)

    @consume(*ACHIEVEMENT_EVENTS)
    def on_achievement(self, event):
        """The replica of the registry's achievements: add every organization the event names, the owner
        (``organization_id``) and the completing organizations (``organization_ids``), from whichever
        event carries them: published, and submitted since its revision 2, so that experts are excluded
        during the review, before publication. A submitted event of revision 1 decodes with ``[]``."""
        data = event.data
        organization_ids = experts.announced_organizations(data)
        self.store.transact(lambda uow: uow.db[AchievementReplica._get_collection_name()].update_one(
            {"_id": data["achievement_id"]},
            {"$addToSet": {"organization_ids": {"$each": organization_ids}},
             "$set": {"status": event.event_name.split(".")[2], "updated_at": now_ms()}},
            upsert=True, session=uow.session), dedup=event)

    # -- experts (专家库) and mentors (创业导师) ---------------------------------------------
    @http("GET", "/api/v1/experts")
    @web.api
    def list_experts(self, request):
        """Reviewers and admins: experts of a field, minus those of ``exclude_organization`` and, given
        ``achievement_id``, of the achievement's organizations (回避; 409 if the registry has not announced it)."""
        principal = self.principal(request)
        auth.require(principal, R.REVIEWER, R.ADMIN)
        field = web.query_param(request, "field")
        excluded = web.query_param(request, "exclude_organization")
        excluded = [excluded] if excluded else []
        achievement_id = web.query_param(request, "achievement_id")
        if achievement_id is not None:
            excluded = experts.excluded_organizations(self._achievement_organizations(self.store.db, achievement_id),
                                                      excluded)
        experts_ = self._experts(field, excluded)
        return web.json_response({"items": [self._expert_view(p) for p in experts_]})

    @http("POST", "/api/v1/expert-assignments")
    @web.api
    def assign_experts(self, request):
        """Reviewers and admins draw (or name) experts for an achievement's appraisal, never from its organizations
        (as the registry announced them, plus any the body gives; 409 for an achievement it has not announced)."""
        principal = self.principal(request)
        auth.require(principal, R.REVIEWER, R.ADMIN)
        body = web.parse_body(request, experts.AssignmentIn)

        def work(uow):
            excluded = experts.excluded_organizations(
                self._achievement_organizations(uow.db, body.achievement_id, uow.session), body.organization_ids)
            collection = uow.db[Person._get_collection_name()]
            if body.person_ids:
                docs = {d["_id"]: Person._from_son(d).as_dict() for d in collection.find(
                    {"_id": {"$in": body.person_ids}}, session=uow.session)}
                chosen = [docs.get(p) for p in body.person_ids]
                experts.check_named(chosen, excluded, body.field)
            else:
                candidates = [Person._from_son(d).as_dict() for d in collection.find(
                    {"kinds": "expert", "fields": body.field}, session=uow.session)]
                chosen = experts.select(candidates, excluded, body.count)
            ids = [p["id"] for p in chosen]
            collection.update_many({"_id": {"$in": ids}}, {"$inc": {"assignments": 1}}, session=uow.session)
            record = {"achievement_id": body.achievement_id, "field": body.field, "person_ids": ids,
                      "excluded_organization_ids": excluded}
            assignment = Assignment(id=uuid.uuid4().hex, kind="review", record=record, created_by=principal.sub)
            uow.insert(assignment)
            uow.emit(EXPERTS_ASSIGNED, {"assignment_id": assignment.id, **record}, subject=assignment.id)
            return assignment, chosen

        assignment, chosen = self.store.transact(work, actor=self.actor(request, principal))
        return web.json_response({**assignment.as_dict(), "experts": [self._expert_view(p) for p in chosen]},
                                 status=201)

    @http("GET", "/api/v1/expert-assignments/<string:assignment_id>")
    @web.api
    def get_assignment(self, request, assignment_id):
        """Reviewers and admins (who make assignments)."""
        auth.require(self.principal(request), R.REVIEWER, R.ADMIN)
        return web.json_response(self._assignment(assignment_id, "review").as_dict())

    @rpc
    def eligible_experts(self, field, organization_ids=(), achievement_id=None):
        """For other services: experts of ``field`` with no conflict with ``organization_ids`` nor, given
        ``achievement_id``, with the achievement's organizations (ids and public data); None for an achievement
        the registry has not announced."""
        excluded = [str(o) for o in organization_ids or ()]
        if achievement_id is not None:
            known = self._achievement_organizations(self.store.db, str(achievement_id))
            if known is None:
                return None
            excluded = experts.excluded_organizations(known, excluded)
        return _json([{"id": p["id"], "organization_id": p["organization_id"], "fields": p["fields"]}
                      for p in self._experts(str(field), excluded)])

    @http("POST", "/api/v1/mentorships")
    @web.api
    def pair_mentor(self, request):
        """The team's organization (e.g. its incubator) or an admin pairs a mentor with a start-up team."""
        principal = self.principal(request)
        auth.require(principal, R.INSTITUTION, R.ADMIN)
        body = web.parse_body(request, experts.MentorshipIn)
        auth.require_org(principal, body.team_organization_id)
        record = body.model_dump(mode="json")
        mentorship = Assignment(id=uuid.uuid4().hex, kind="mentorship", record=record, created_by=principal.sub)

        def work(uow):
            mentor = self._person(uow.db, body.mentor_person_id, uow.session, field="mentor_person_id")
            if "mentor" not in mentor["kinds"]:
                raise Conflict("the person is not a mentor", [field_error("mentor_person_id", "not a mentor")])
            uow.insert(mentorship)
            uow.emit(MENTOR_PAIRED, {"mentorship_id": mentorship.id, **body.model_dump()}, subject=mentorship.id)

        self.store.transact(work, actor=self.actor(request, principal))
        return web.json_response(mentorship.as_dict(), status=201)

    @http("GET", "/api/v1/mentorships/<string:mentorship_id>")
    @web.api
    def get_mentorship(self, request, mentorship_id):
        """The team's organization and admins (who pair mentors); 404 for other organizations."""
        principal = self.principal(request)
        auth.require(principal, R.INSTITUTION, R.ADMIN)
        mentorship = self._assignment(mentorship_id, "mentorship")
        if principal.role != R.ADMIN and principal.org != mentorship.record.get("team_organization_id"):
            raise NotFound("no such mentorship")
        return web.json_response(mentorship.as_dict())

    # -- rewards to contributors (奖励与报酬) ------------------------------------------------
    @http("POST", "/api/v1/rewards")
    @web.api
    def record_reward(self, request):
        """An organization records its reward plan; it is checked against article 45 (or its own rules) and
        stored either way, flagged with its findings when it falls short."""
        principal = self.principal(request)
        auth.require(principal, R.INSTITUTION, R.ADMIN)
        body = web.parse_body(request, rewards.RewardPlanIn)
        rewards.check_plan_fields(body)
        auth.require_org(principal, body.organization_id)
        check = rewards.check_plan(body)
        plan = RewardPlan(id=uuid.uuid4().hex, organization_id=body.organization_id, compliant=check["compliant"],
                          record=body.model_dump(mode="json"), check=_json(check), created_by=principal.sub)
        obtained, total = rewards.basis_and_total(body)
        investment = body.mode == "investment"

        def work(uow):
            uow.insert(plan)
            uow.emit(REWARD_RECORDED, {
                "reward_id": plan.id, "organization_id": body.organization_id, "achievement_id": body.achievement_id,
                "mode": body.mode, "occurred_on": body.occurred_on,
                "total_cash_yuan": None if investment else total, "total_share_percent": total if investment else None,
                "contributor_person_ids": [a.person_id for a in body.allocations],
                "compliant": check["compliant"], "basis": check["basis"], "source": check["source"],
                "required_percent": check["required_percent"], "actual_percent": check["actual_percent"],
                "findings": [f["message"] for f in check["findings"]]}, subject=plan.id)

        self.store.transact(work, actor=self.actor(request, principal))
        return web.json_response(plan.as_dict(), status=201)

    @http("GET", "/api/v1/rewards")
    @web.api
    def list_rewards(self, request):
        """Reviewers and admins see every plan (``flagged=true``: the non-compliant ones); institutions their own.
        Newest first, cursor-paged (``limit``, ``cursor``)."""
        principal = self.principal(request)
        auth.require(principal, R.INSTITUTION, R.REVIEWER, R.ADMIN)
        query = {}
        if web.query_param(request, "flagged", type=bool):
            query["compliant"] = False
        if principal.role == R.INSTITUTION:
            query["organization_id"] = principal.org
        docs, next_cursor = paging.time_page(self.store.db[RewardPlan._get_collection_name()], query, request)
        return web.json_response({"items": [RewardPlan._from_son(d).as_dict() for d in docs],
                                  "next_cursor": next_cursor})

    # -- helpers ----------------------------------------------------------------------
    @staticmethod
    def _person(db, person_id, session=None, field=None):
        doc = db[Person._get_collection_name()].find_one({"_id": str(person_id)}, session=session)
        if doc is None:
            raise NotFound("no such person", [field_error(field, "no such person")] if field else None)
        return Person._from_son(doc).as_dict()

    @staticmethod
    def _programme(db, programme_id, session=None):
        doc = db[Programme._get_collection_name()].find_one({"_id": str(programme_id)}, session=session)
        if doc is None:
            raise NotFound("no such programme")
        return Programme._from_son(doc).as_dict()

    @staticmethod
    def _enrolment(db, enrolment_id, session=None):
        doc = db[Enrolment._get_collection_name()].find_one({"_id": str(enrolment_id)}, session=session)
        if doc is None:
            raise NotFound("no such enrolment")
        return Enrolment._from_son(doc)

    def _assignment(self, assignment_id, kind):
        doc = self.store.db[Assignment._get_collection_name()].find_one({"_id": str(assignment_id), "kind": kind})
        if doc is None:
            raise NotFound(f"no such {'expert assignment' if kind == 'review' else kind}")
        return Assignment._from_son(doc)

    @staticmethod
    def _achievement_organizations(db, achievement_id, session=None):
        """The organizations of an achievement as the registry announced them, or None if it has not."""
        doc = db[AchievementReplica._get_collection_name()].find_one({"_id": str(achievement_id)}, session=session)
        return None if doc is None else list(doc.get("organization_ids") or [])

    @staticmethod
    def _guard_certificates(uow, person_id):
        """Write the person's certificate guard in the transaction. Certifying reads the person's certificates
        (is one of the level suspended, is the prerequisite valid?) and writes none of them, a suspension
        writes only the one it suspends: without a document both write, both could commit, e.g. a new
        intermediate certificate on a junior one suspended meanwhile. Both writing the guard, one of them
        aborts (WriteConflict) and retries on what the other committed."""
        uow.db[CERTIFICATE_GUARDS].update_one({"_id": person_id}, {"$inc": {"version": 1}, "$set": {"at": now_ms()}},
                                              upsert=True, session=uow.session)

    @staticmethod
    def _may_see_person(principal, person):
        if principal.role == R.ADMIN:
            return True
        return (principal.role == R.INSTITUTION and person["organization_id"] is not None
                and principal.org == person["organization_id"])

    def _broker(self, person_id):
        record = self.store.db[PERFORMANCE].find_one({"_id": person_id}) or performance.empty(person_id)
        certificates = [self._certificate_view(Certificate._from_son(d)) for d in
                        self.store.db[Certificate._get_collection_name()].find({"person_id": person_id})
                        .sort("issued_at", 1)]
        return {"certificates": certificates, "performance": performance.view(record)}

    @staticmethod
    def _certificate_view(certificate):
        view = certificate.as_dict()
        view["status"] = certification.certificate_status(view, dt.date.today())
        view["level_label"] = certification.LEVELS[view["level"]].label
        return view

    def _experts(self, field, excluded_organization_ids):
        query = {"kinds": "expert"}
        if field:
            query["fields"] = field
        people = [Person._from_son(d).as_dict() for d in
                  self.store.db[Person._get_collection_name()].find(query).sort("_id", 1).limit(1000)]
        return [p for p in people if not experts.conflicted(p, excluded_organization_ids)]

    @staticmethod
    def _expert_view(person):
        """What reviewers see of an expert: no contact details or identity number."""
        return {k: person[k] for k in ("id", "name", "organization_id", "fields", "title", "assignments")}
