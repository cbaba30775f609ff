"""Registry service entrypoints (thin: the rules live in domain.py, achievements.py, plan_projects.py,
annual_reports.py and search.py)."""
import datetime as dt
import json
import os
import uuid

from nameko.timer import timer
from pydantic import ValidationError as PydanticValidationError
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from ttp_common import auth, web
from ttp_common.errors import Conflict, NotFound, ValidationFailed, field_error
from ttp_common.events import Actor
from ttp_common.rpc import rpc
from ttp_common.service_base import PlatformService
from ttp_common.web import http

from . import achievements, annual_reports, domain, plan_projects, search
from .achievements import AchievementIn, ReturnIn, WithdrawIn
from .documents import Achievement, AnnualReport, CatalogueEntry, Organization, PlanProject, PublicAchievement, now_ms
from .domain import AccreditationIn, OrganizationIn, RevocationIn
from .openapi import SPEC

ORGANIZATION_REGISTERED = "registry.organization.registered.v1"
ORGANIZATION_ACCREDITED = "registry.organization.accredited.v1"
ACCREDITATION_REVOKED = "registry.organization.accreditation_revoked.v1"
PLAN_PROJECT_REGISTERED = "registry.plan_project.registered.v1"
TECH_REPORT_SUBMITTED = "registry.plan_project.tech_report_submitted.v1"
PLAN_PROJECT_OVERDUE = "registry.plan_project.overdue.v1"
CATALOGUE_ENTRY_ADDED = "registry.catalogue.entry_added.v1"
CATALOGUE_ENTRY_REMOVED = "registry.catalogue.entry_removed.v1"
ANNUAL_REPORT_SUBMITTED = "registry.annual_report.submitted.v1"
REPORT_REVIEW_EVENTS = {"accept": "registry.annual_report.accepted.v1", "return": "registry.annual_report.returned.v1",
                        "forward": "registry.annual_report.forwarded.v1"}
DEALS = ("transfers", "licences", "equity_investments", "cooperation_contracts")
IMPORT_NAMESPACE = uuid.UUID("6f1c2d4e-9a5b-4c3d-8e7f-0a1b2c3d4e5f")  # ids of imported rows
SYSTEM = Actor(sub="service:registry", role="system")  # for changes the service makes by itself
OVERDUE_CHECK_SECONDS = float(os.environ.get("OVERDUE_CHECK_SECONDS", 3600))


class RegistryService(PlatformService):
    name = "registry"
    openapi_spec = SPEC
    documents = [Organization, Achievement, PublicAchievement, PlanProject, CatalogueEntry, AnnualReport]

    @http("POST", "/api/v1/organizations")
    @web.api
    def register_organization(self, request):
        principal = self.principal(request)
        auth.require(principal, auth.Roles.REVIEWER, auth.Roles.ADMIN)
        body = web.parse_body(request, OrganizationIn)
        if principal.role == auth.Roles.REVIEWER:
            auth.require_region(principal, body.region_code)
        org = Organization(id=uuid.uuid4().hex, created_by=principal.sub, **body.model_dump())

        def work(uow):
            uow.insert(org)
            uow.emit(ORGANIZATION_REGISTERED, {
                "organization_id": org.id, "name": org.name, "credit_code": org.credit_code,
                "kind": org.kind, "region_code": org.region_code,
                "supervising_department": org.supervising_department,
            }, subject=org.id)

        try:
            self.store.transact(work, actor=self.actor(request, principal))
        except DuplicateKeyError:
            raise Conflict("an organization with this credit code is already registered",
                           [field_error("credit_code", "already registered")])
        return web.json_response(org.public(), status=201, headers={"Location": f"/api/v1/organizations/{org.id}"})

    @http("GET", "/api/v1/organizations/<string:organization_id>")
    @web.api
    def get_organization(self, request, organization_id):
        doc = self.store.db[Organization._get_collection_name()].find_one({"_id": str(organization_id)})
        if doc is None:
            raise NotFound("no such organization")
        return web.json_response(Organization._from_son(doc).public())

    @http("POST", "/api/v1/organizations/<string:organization_id>/accreditation")
    @web.api
    def accredit(self, request, organization_id):
        """A reviewer of the institution's region (or an admin) accredits a service institution."""
        principal = self.principal(request)
        auth.require(principal, auth.Roles.REVIEWER, auth.Roles.ADMIN)
        body = web.parse_body(request, AccreditationIn)
        at = now_ms()

        def work(uow):
            org = self._organization_for_review(uow, principal, organization_id)
            domain.check_accreditable(org.kind, org.accredited)
            org.accredited, org.accredited_at, org.accreditation_basis = True, at, body.basis
            uow.replace(org)
            uow.emit(ORGANIZATION_ACCREDITED, {"organization_id": org.id, "region_code": org.region_code,
                                               "accredited_at": at, "basis": body.basis}, subject=org.id)
            return org

        return web.json_response(self._act(work, request, principal).public())

    @http("POST", "/api/v1/organizations/<string:organization_id>/accreditation/revocation")
    @web.api
    def revoke_accreditation(self, request, organization_id):
        principal = self.principal(request)
        auth.require(principal, auth.Roles.REVIEWER, auth.Roles.ADMIN)
        body = web.parse_body(request, RevocationIn)
        at = now_ms()

        def work(uow):
            org = self._organization_for_review(uow, principal, organization_id)
            domain.check_revocable(org.accredited)
            org.accredited, org.accredited_at, org.accreditation_basis = False, None, None
            uow.replace(org)
            uow.emit(ACCREDITATION_REVOKED, {"organization_id": org.id, "region_code": org.region_code,
                                             "revoked_at": at, "reason": body.reason}, subject=org.id)
            return org

        return web.json_response(self._act(work, request, principal).public())

    # -- helpers -------------------------------------------------------------
    def _organization_for_review(self, uow, principal, organization_id):
        """The organization, read in the transaction; its region must be the reviewer's."""
        doc = uow.db[Organization._get_collection_name()].find_one({"_id": str(organization_id)}, session=uow.session)
        if doc is None:
            raise NotFound("no such organization")
        org = Organization._from_son(doc)
        if principal.role == auth.Roles.REVIEWER:
            auth.require_region(principal, org.region_code)
        return org

    def _act(self, work, request, principal):
        try:
            return self.store.transact(work, actor=self.actor(request, principal))
        except domain.TransitionRefused as exc:
            raise Conflict(str(exc))

    # -- achievements (科技成果登记) -------------------------------------------------
    @http("POST", "/api/v1/achievements")
    @web.api
    def create_achievement(self, request):
        """An institution records a draft for its own organization (the first completing one)."""
        principal = self.principal(request)
        auth.require(principal, auth.Roles.INSTITUTION, auth.Roles.ADMIN)
        body = web.parse_body(request, AchievementIn)
        auth.require_org(principal, body.organization_ids[0])
        achievement = Achievement(
            id=uuid.uuid4().hex, owner_organization_id=body.organization_ids[0], region_code=body.region_code,
            status="draft", record=body.model_dump(mode="json"), created_by=principal.sub)
        self.store.transact(lambda uow: uow.insert(achievement), actor=self.actor(request, principal))
        return web.json_response(achievement.view(), status=201,
                                 headers={"Location": f"/api/v1/achievements/{achievement.id}"})

    @http("POST", "/api/v1/achievements/import")
    @web.api
    def import_achievements(self, request):
        """Bulk import (批量导入) of up to 200 rows; each row is validated on its own and created as a
        draft once: its id derives from the owner and the row's import_key."""
        principal = self.principal(request)
        auth.require(principal, auth.Roles.INSTITUTION, auth.Roles.ADMIN)
        body = web.parse_body(request, achievements.ImportIn, max_bytes=5_000_000)
        results = []
        for number, row in enumerate(body.rows):
            try:
                form = AchievementIn.model_validate(row.form)
            except PydanticValidationError as exc:
                results.append({"row": number, "status": "rejected", "errors": [
                    {"path": ".".join(map(str, e["loc"])), "message": e["msg"]} for e in exc.errors()]})
                continue
            owner = form.organization_ids[0]
            if principal.role != auth.Roles.ADMIN and principal.org != owner:
                results.append({"row": number, "status": "rejected", "errors": [
                    {"path": "organization_ids.0", "message": "not the caller's organization"}]})
                continue
            achievement = Achievement(
                id=uuid.uuid5(IMPORT_NAMESPACE, f"{owner}|{row.import_key}").hex, owner_organization_id=owner,
                region_code=form.region_code, status="draft", record=form.model_dump(mode="json"),
                created_by=principal.sub)

            def work(uow, achievement=achievement):
                if uow.db[Achievement._get_collection_name()].find_one({"_id": achievement.id}, session=uow.session):
                    return "exists"
                uow.insert(achievement)
                return "created"

            status = self.store.transact(work, actor=self.actor(request, principal))
            results.append({"row": number, "status": status, "id": achievement.id})
        return web.json_response({"results": results})

    @http("PUT", "/api/v1/achievements/<string:achievement_id>")
    @web.api
    def edit_achievement(self, request, achievement_id):
        principal = self.principal(request)
        auth.require(principal, auth.Roles.INSTITUTION, auth.Roles.ADMIN)
        body = web.parse_body(request, AchievementIn)

        def work(uow):
            achievement = self._achievement(uow, achievement_id, principal, achievements.OWNER)
            achievements.check_editable(achievement.status)
            auth.require_org(principal, body.organization_ids[0])  # the owner stays an organization of the caller
            achievement.record, achievement.updated_at = body.model_dump(mode="json"), now_ms()
            achievement.owner_organization_id, achievement.region_code = body.organization_ids[0], body.region_code
            uow.replace(achievement)
            return achievement

        return web.json_response(self._act(work, request, principal).view())

    @http("GET", "/api/v1/achievements")
    @web.api
    def search_achievements(self, request):
        """The public query service (公益查询): published achievements only, newest first."""
        q = web.query_param(request, "q", default="")
        query = {}
        wanted = search.terms(q)
        if wanted:
            query["terms"] = {"$all": wanted}
        for name, field, kind in (("region", "region_code", str), ("programme", "programme", int),
                                  ("type", "type", str), ("dual_use", "dual_use", bool),
                                  ("organization", "organization_ids", str)):
            value = web.query_param(request, name, type=kind)
            if value is not None:
                query[field] = value
        trl_min = web.query_param(request, "trl_min", type=int, default=1)
        trl_max = web.query_param(request, "trl_max", type=int, default=9)
        if (trl_min, trl_max) != (1, 9):
            query["trl"] = {"$gte": trl_min, "$lte": trl_max}
        limit = web.query_param(request, "limit", type=int, default=20)
        if not 1 <= limit <= 100:
            raise ValidationFailed.at("limit", "must be between 1 and 100")
        cursor = web.query_param(request, "cursor")
        if cursor:
            published_at, last_id = search.decode_cursor(cursor)
            query["$or"] = [{"published_at": {"$lt": published_at}},
                            {"published_at": published_at, "_id": {"$lt": last_id}}]
        docs = list(self.store.db[PublicAchievement._get_collection_name()].find(query)
                    .sort([("published_at", -1), ("_id", -1)]).limit(limit + 1))
        items = [PublicAchievement._from_son(doc) for doc in docs[:limit]]
        next_cursor = search.encode_cursor(items[-1].published_at, items[-1].id) if len(docs) > limit else None
        return web.json_response({"items": [item.public() for item in items], "next_cursor": next_cursor})

    @rpc
    def get_published_achievement(self, achievement_id):
        """For other services: the public summary of a published achievement, or None."""
        doc = self.store.db[PublicAchievement._get_collection_name()].find_one({"_id": str(achievement_id)})
        return None if doc is None else json.loads(web.dumps(PublicAchievement._from_son(doc).public()))

    @http("GET", "/api/v1/achievements/<string:achievement_id>")
    @web.api
    def get_achievement(self, request, achievement_id):
        """Published achievements are public; others only to their owner, the region's reviewer, admins."""
        principal = self.principal(request)
        doc = self.store.db[Achievement._get_collection_name()].find_one({"_id": str(achievement_id)})
        if doc is None:
            raise NotFound("no such achievement")
        achievement = Achievement._from_son(doc)
        if achievement.status != "published" and not self._may_see(principal, achievement):
            raise NotFound("no such achievement")  # unpublished data does not exist for the public
        return web.json_response(achievement.view())

    @http("POST", "/api/v1/achievements/<string:achievement_id>/<string:action>")
    @web.api
    def achievement_transition(self, request, achievement_id, action):
        """submit (owner) · register, return, publish (reviewer of its region, admin) · withdraw (owner)."""
        if action not in achievements.TRANSITIONS:
            raise NotFound(f"no action {action!r}; one of: {', '.join(achievements.TRANSITIONS)}")
        principal = self.principal(request)
        auth.require(principal, auth.Roles.INSTITUTION, auth.Roles.REVIEWER, auth.Roles.ADMIN)
        body = {"return": ReturnIn, "withdraw": WithdrawIn}.get(action)
        body = web.parse_body(request, body) if body else None
        now = now_ms()

        def work(uow):
            t = achievements.TRANSITIONS[action]
            achievement = self._achievement(uow, achievement_id, principal, t.actor)
            achievements.transition(action, achievement.status)
            achievement.status, achievement.updated_at = t.target, now
            data = {"achievement_id": achievement.id, "organization_id": achievement.owner_organization_id,
                    "region_code": achievement.region_code}
            record = achievement.record
            if action == "submit":
                data["title"] = record["title"]
                achievement.return_reasons = []
            elif action == "register":
                serial = uow.db["sequences"].find_one_and_update(
                    {"_id": f"achievement|{achievements.registration_body(achievement.region_code)}|{now.year}"
                            f"|{record['type']}"},
                    {"$inc": {"value": 1}}, upsert=True, return_document=ReturnDocument.AFTER,
                    session=uow.session)["value"]
                achievement.registration_number = achievements.registration_number(
                    achievement.region_code, now.year, record["type"], serial)
                achievement.registered_at = now
                project_id = record["funding"].get("plan_project_id")
                if project_id:  # a registered achievement fulfils the project's reporting duty
                    uow.db[PlanProject._get_collection_name()].update_one(
                        {"_id": project_id}, {"$set": {"satisfied": True}}, session=uow.session)
                data.update(registration_number=achievement.registration_number, type=record["type"],
                            registered_at=now)
            elif action == "return":
                achievement.return_reasons = body.reasons
                data["reasons"] = body.reasons
            elif action == "publish":
                achievements.check_publishable(record)
                achievement.published_at = now
                data = {"achievement_id": achievement.id, "registration_number": achievement.registration_number,
                        **{k: record[k] for k in ("title", "type", "summary", "keywords", "industry", "programme",
                                                  "trl", "region_code", "organization_ids", "dual_use")},
                        "patent_numbers": [p["number"] for p in record["patents"]], "published_at": now}
            elif action == "withdraw":
                achievement.withdraw_reason = body.reason
                data["reason"] = body.reason
            uow.replace(achievement)
            public = uow.db[PublicAchievement._get_collection_name()]
            if action == "publish":
                uow.insert(PublicAchievement(
                    id=achievement.id, published_at=now, registration_number=achievement.registration_number,
                    owner_organization_id=achievement.owner_organization_id, region_code=achievement.region_code,
                    programme=record["programme"], type=record["type"], trl=record["trl"],
                    dual_use=record["dual_use"], organization_ids=record["organization_ids"], record=record,
                    terms=search.document_terms(record)))
            elif action == "withdraw":
                public.delete_one({"_id": achievement.id}, session=uow.session)
                self._leave_catalogues(uow, achievement.id, "withdrawn")
            uow.emit(t.event, data, subject=achievement.id)
            return achievement

        return web.json_response(self._act(work, request, principal).view())

    def _achievement(self, uow, achievement_id, principal, actor):
        """The achievement, read in the transaction, if ``principal`` may act on it as ``actor``."""
        doc = uow.db[Achievement._get_collection_name()].find_one({"_id": str(achievement_id)}, session=uow.session)
        if doc is None:
            raise NotFound("no such achievement")
        achievement = Achievement._from_son(doc)
        if actor == achievements.OWNER:
            auth.require(principal, auth.Roles.INSTITUTION, auth.Roles.ADMIN)
            auth.require_org(principal, achievement.owner_organization_id)
        else:
            auth.require(principal, auth.Roles.REVIEWER, auth.Roles.ADMIN)
            if principal.role == auth.Roles.REVIEWER:
                auth.require_region(principal, achievement.region_code)
        return achievement

    @staticmethod
    def _may_see(principal, achievement):
        if principal.role == auth.Roles.ADMIN:
            return True
        if principal.role == auth.Roles.INSTITUTION:
            return principal.org == achievement.owner_organization_id
        if principal.role == auth.Roles.REVIEWER:
            return auth.region_covers(principal.region, achievement.region_code)
        return False

    # -- plan projects (科技计划项目) and their compliance --------------------------------
    @http("POST", "/api/v1/plan-projects")
    @web.api
    def register_plan_project(self, request):
        principal = self.principal(request)
        auth.require(principal, auth.Roles.REVIEWER, auth.Roles.ADMIN)
        body = web.parse_body(request, plan_projects.PlanProjectIn)
        if principal.role == auth.Roles.REVIEWER:
            auth.require_region(principal, body.region_code)
        due = plan_projects.due_date(body.end_date, body.allowed_days)
        project = PlanProject(
            id=uuid.uuid4().hex, created_by=principal.sub, due_date=due.isoformat(),
            end_date=body.end_date.isoformat(),
            **body.model_dump(exclude={"end_date", "allowed_days"}))

        def work(uow):
            uow.insert(project)
            uow.emit(PLAN_PROJECT_REGISTERED, {
                "plan_project_id": project.id, "code": body.code, "title": body.title,
                "organization_id": body.organization_id, "region_code": body.region_code, "fiscal": body.fiscal,
                "fiscal_funding_yuan": body.fiscal_funding_yuan, "end_date": body.end_date, "due_date": due,
            }, subject=project.id)

        try:
            self.store.transact(work, actor=self.actor(request, principal))
        except DuplicateKeyError:
            raise Conflict("a plan project with this code is already registered", [field_error("code", "taken")])
        return web.json_response(project.view(), status=201)

    @http("POST", "/api/v1/plan-projects/<string:project_id>/tech-reports")
    @web.api
    def submit_tech_report(self, request, project_id):
        principal = self.principal(request)
        auth.require(principal, auth.Roles.INSTITUTION, auth.Roles.ADMIN)
        body = web.parse_body(request, plan_projects.TechReportIn)

        def work(uow):
            doc = uow.db[PlanProject._get_collection_name()].find_one({"_id": str(project_id)}, session=uow.session)
            if doc is None:
                raise NotFound("no such plan project")
            project = PlanProject._from_son(doc)
            auth.require_org(principal, project.organization_id)
            project.tech_reports = list(project.tech_reports or []) + [
                {**body.model_dump(), "submitted_at": now_ms().isoformat(), "submitted_by": principal.sub}]
            project.satisfied = True
            uow.replace(project)
            uow.emit(TECH_REPORT_SUBMITTED, {"plan_project_id": project.id, "organization_id": project.organization_id,
                                             "region_code": project.region_code, **body.model_dump()},
                     subject=project.id)
            return project

        return web.json_response(self.store.transact(work, actor=self.actor(request, principal)).view(), status=201)

    @http("GET", "/api/v1/plan-projects")
    @web.api
    def list_plan_projects(self, request):
        """Reviewers see their region's projects, admins all; ``overdue=true`` lists the compliance findings."""
        principal = self.principal(request)
        auth.require(principal, auth.Roles.REVIEWER, auth.Roles.ADMIN)
        query = {}
        if web.query_param(request, "overdue", type=bool):
            query["overdue"] = True
        region = web.query_param(request, "region")
        if principal.role == auth.Roles.REVIEWER:
            region = region or principal.region
            auth.require_region(principal, region)
        if region and region != "510000":  # the province's code means every division
            query["region_code"] = region
        docs = self.store.db[PlanProject._get_collection_name()].find(query).sort("due_date", 1).limit(500)
        return web.json_response({"items": [PlanProject._from_son(d).view() for d in docs]})

    @timer(interval=OVERDUE_CHECK_SECONDS)
    def check_overdue_projects(self):
        self._flag_overdue(dt.date.today())

    @http("POST", "/api/v1/plan-projects/overdue-check")
    @web.api
    def run_overdue_check(self, request):
        """Run the compliance check now (it also runs every OVERDUE_CHECK_SECONDS); admins."""
        auth.require(self.principal(request), auth.Roles.ADMIN)
        return web.json_response({"flagged": self._flag_overdue(dt.date.today())})

    def _flag_overdue(self, today):
        """Flag every fiscal project past its due date without achievement or report, once, with an event."""
        projects = self.store.db[PlanProject._get_collection_name()]
        candidates = projects.find({"fiscal": True, "satisfied": False, "overdue": False,
                                    "due_date": {"$lt": today.isoformat()}}, {"_id": 1})
        flagged = []
        for candidate in candidates:
            def work(uow, project_id=candidate["_id"]):
                doc = uow.db[PlanProject._get_collection_name()].find_one({"_id": project_id}, session=uow.session)
                project = PlanProject._from_son(doc)
                if not plan_projects.is_overdue(project.fiscal, dt.date.fromisoformat(project.end_date),
                                                (dt.date.fromisoformat(project.due_date)
                                                 - dt.date.fromisoformat(project.end_date)).days,
                                                project.satisfied or project.overdue, today):
                    return None
                project.overdue = True
                uow.replace(project)
                uow.emit(PLAN_PROJECT_OVERDUE, {"plan_project_id": project.id, "code": project.code,
                                                "organization_id": project.organization_id,
                                                "region_code": project.region_code,
                                                "due_date": dt.date.fromisoformat(project.due_date)},
                         subject=project.id)
                return project.id

            project_id = self.store.transact(work, actor=SYSTEM)
            if project_id:
                flagged.append(project_id)
        return flagged

    # -- dual-use catalogues (军民两用目录) ---------------------------------------------------
    @http("GET", "/api/v1/catalogues/<string:catalogue>")
    @web.api
    def get_catalogue(self, request, catalogue):
        """Public: the catalogue's entries with each achievement's public summary."""
        self._check_catalogue(catalogue)
        entries = list(self.store.db[CatalogueEntry._get_collection_name()].find({"catalogue": catalogue})
                       .sort("added_at", 1))
        public = {d["_id"]: PublicAchievement._from_son(d).public() for d in
                  self.store.db[PublicAchievement._get_collection_name()].find(
                      {"_id": {"$in": [e["achievement_id"] for e in entries]}})}
        return web.json_response({"catalogue": catalogue, "label": achievements.CATALOGUES[catalogue], "entries": [
            {"achievement": public[e["achievement_id"]], "note": e.get("note"), "added_at": e["added_at"]}
            for e in entries if e["achievement_id"] in public]})

    @http("POST", "/api/v1/catalogues/<string:catalogue>/entries")
    @web.api
    def add_catalogue_entry(self, request, catalogue):
        self._check_catalogue(catalogue)
        principal = self.principal(request)
        auth.require(principal, auth.Roles.REVIEWER, auth.Roles.ADMIN)
        body = web.parse_body(request, achievements.CatalogueEntryIn)

        def work(uow):
            achievement = self._achievement(uow, body.achievement_id, principal, achievements.REVIEWER)
            achievements.check_catalogue_candidate(achievement.status, achievement.record["dual_use"])
            entries = uow.db[CatalogueEntry._get_collection_name()]
            entry_id = f"{catalogue}|{achievement.id}"
            if entries.find_one({"_id": entry_id}, session=uow.session):
                raise domain.TransitionRefused("the achievement is already in this catalogue")
            uow.insert(CatalogueEntry(id=entry_id, catalogue=catalogue, achievement_id=achievement.id,
                                      note=body.note, added_by=principal.sub))
            uow.emit(CATALOGUE_ENTRY_ADDED, {
                "catalogue": catalogue, "achievement_id": achievement.id, "title": achievement.record["title"],
                "registration_number": achievement.registration_number, "region_code": achievement.region_code,
                "note": body.note}, subject=catalogue)

        self._act(work, request, principal)
        return web.json_response({"catalogue": catalogue, "achievement_id": body.achievement_id}, status=201)

    @http("DELETE", "/api/v1/catalogues/<string:catalogue>/entries/<string:achievement_id>")
    @web.api
    def remove_catalogue_entry(self, request, catalogue, achievement_id):
        self._check_catalogue(catalogue)
        principal = self.principal(request)
        auth.require(principal, auth.Roles.REVIEWER, auth.Roles.ADMIN)

        def work(uow):
            self._achievement(uow, achievement_id, principal, achievements.REVIEWER)  # scope check
            if not self._leave_catalogues(uow, achievement_id, "removed", only=catalogue):
                raise NotFound("the achievement is not in this catalogue")

        self._act(work, request, principal)
        return web.json_response({"catalogue": catalogue, "achievement_id": achievement_id, "removed": True})

    @staticmethod
    def _check_catalogue(catalogue):
        if catalogue not in achievements.CATALOGUES:
            raise NotFound(f"no catalogue {catalogue!r}; one of: {', '.join(achievements.CATALOGUES)}")

    @staticmethod
    def _leave_catalogues(uow, achievement_id, reason, only=None):
        """Remove the achievement from ``only`` (or every) catalogue, with an event each; returns how many."""
        entries = uow.db[CatalogueEntry._get_collection_name()]
        query = {"achievement_id": achievement_id, **({"catalogue": only} if only else {})}
        found = list(entries.find(query, session=uow.session))
        for entry in found:
            entries.delete_one({"_id": entry["_id"]}, session=uow.session)
            uow.emit(CATALOGUE_ENTRY_REMOVED, {"catalogue": entry["catalogue"], "achievement_id": achievement_id,
                                               "reason": reason}, subject=entry["catalogue"])
        return len(found)

    # -- annual transformation reports (年度报告) ----------------------------------------
    @http("POST", "/api/v1/annual-reports")
    @web.api
    def submit_annual_report(self, request):
        """A university or institute files (or, after a return, files again) its report for a past year."""
        principal = self.principal(request)
        auth.require(principal, auth.Roles.INSTITUTION, auth.Roles.ADMIN)
        body = web.parse_body(request, annual_reports.AnnualReportIn)
        auth.require_org(principal, body.organization_id)
        now = now_ms()
        report_id = f"{body.organization_id}:{body.year}"

        def work(uow):
            org_doc = uow.db[Organization._get_collection_name()].find_one({"_id": body.organization_id},
                                                                           session=uow.session)
            if org_doc is None:
                raise NotFound("no such organization")
            org = Organization._from_son(org_doc)
            annual_reports.check_filer(org.kind)
            annual_reports.check_year(body.year, now.date())
            existing = uow.db[AnnualReport._get_collection_name()].find_one({"_id": report_id}, session=uow.session)
            status = annual_reports.transition("submit", existing["status"] if existing else None)
            report = AnnualReport(id=report_id, organization_id=org.id, region_code=org.region_code, year=body.year,
                                  status=status, record=body.model_dump(mode="json", exclude={"year", "organization_id"}),
                                  late=annual_reports.is_late(body.year, now.date()), submitted_at=now)
            (uow.replace if existing else uow.insert)(report)
            uow.emit(ANNUAL_REPORT_SUBMITTED, {
                "report_id": report_id, "organization_id": org.id, "region_code": org.region_code,
                "supervising_department": org.supervising_department, "year": body.year, "late": report.late,
                **{f"{k}_count": getattr(body, k).count for k in DEALS},
                **{f"{k}_yuan": getattr(body, k).amount_yuan for k in DEALS},
                "rewards_paid_yuan": body.rewards_paid_yuan, "rewarded_people": body.rewarded_people,
            }, subject=report_id)
            return report

        return web.json_response(self._act(work, request, principal).view(), status=201)

    @http("GET", "/api/v1/annual-reports/<string:report_id>")
    @web.api
    def get_annual_report(self, request, report_id):
        principal = self.principal(request)
        auth.require(principal, auth.Roles.INSTITUTION, auth.Roles.REVIEWER, auth.Roles.ADMIN)
        doc = self.store.db[AnnualReport._get_collection_name()].find_one({"_id": str(report_id)})
        if doc is None:
            raise NotFound("no such report")
        report = AnnualReport._from_son(doc)
        allowed = (principal.role == auth.Roles.ADMIN
                   or (principal.role == auth.Roles.INSTITUTION and principal.org == report.organization_id)
                   or (principal.role == auth.Roles.REVIEWER and auth.region_covers(principal.region, report.region_code)))
        if not allowed:  # not theirs: as if it did not exist
            raise NotFound("no such report")
        return web.json_response(report.view())

    @http("POST", "/api/v1/annual-reports/<string:report_id>/<string:action>")
    @web.api
    def review_annual_report(self, request, report_id, action):
        """accept, return (with reasons) or forward: the supervising department's reviewer of the region, admins."""
        if action not in ("accept", "return", "forward"):
            raise NotFound(f"no action {action!r}; one of: accept, return, forward")
        principal = self.principal(request)
        auth.require(principal, auth.Roles.REVIEWER, auth.Roles.ADMIN)
        body = web.parse_body(request, annual_reports.ReturnReportIn) if action == "return" else None
        now = now_ms()

        def work(uow):
            doc = uow.db[AnnualReport._get_collection_name()].find_one({"_id": str(report_id)}, session=uow.session)
            if doc is None:
                raise NotFound("no such report")
            report = AnnualReport._from_son(doc)
            if principal.role == auth.Roles.REVIEWER:
                auth.require_region(principal, report.region_code)
            report.status = annual_reports.transition(action, report.status)
            data = {"report_id": report.id, "organization_id": report.organization_id,
                    "region_code": report.region_code, "year": report.year}
            if action == "return":
                report.return_reasons = body.reasons
                data["reasons"] = body.reasons
            elif action == "forward":
                report.forwarded_at = now
                data["late"] = now.date() > annual_reports.forwarding_deadline(report.year)
            uow.replace(report)
            uow.emit(REPORT_REVIEW_EVENTS[action], data, subject=report.id)
            return report

        return web.json_response(self._act(work, request, principal).view())

    @timer(interval=OVERDUE_CHECK_SECONDS)
    def check_missing_annual_reports(self):
        today = dt.date.today()
        self._flag_missing_reports(today.year - 1, today)

    @http("POST", "/api/v1/annual-reports/missing-check")
    @web.api
    def run_missing_report_check(self, request):
        """Flag now the filers without a report for ``year`` (default: last year) once its deadline passed; admins."""
        auth.require(self.principal(request), auth.Roles.ADMIN)
        today = dt.date.today()
        year = web.query_param(request, "year", type=int, default=today.year - 1)
        if not 2000 <= year <= today.year:
            raise ValidationFailed.at("year", f"must be a year from 2000 to {today.year}")
        return web.json_response({"year": year, "flagged": self._flag_missing_reports(year, today)})

    def _flag_missing_reports(self, year, today):
        if today <= annual_reports.filing_deadline(year):
            return []
        filed = {d["organization_id"] for d in self.store.db[AnnualReport._get_collection_name()].find(
            {"year": year}, {"organization_id": 1})}
        flagged = []
        for org_doc in self.store.db[Organization._get_collection_name()].find(
                {"kind": {"$in": list(annual_reports.FILERS)}}):
            if org_doc["_id"] in filed:
                continue
            report_id = f"{org_doc['_id']}:{year}"

            def work(uow, org_doc=org_doc, report_id=report_id):
                findings = uow.db["annual_report_findings"]
                if findings.find_one({"_id": f"missing|{report_id}"}, session=uow.session):
                    return None  # flagged before
                findings.insert_one({"_id": f"missing|{report_id}", "at": now_ms()}, session=uow.session)
                uow.emit("registry.annual_report.missing.v1", {
                    "report_id": report_id, "organization_id": org_doc["_id"], "region_code": org_doc["region_code"],
                    "supervising_department": org_doc.get("supervising_department"), "year": year}, subject=report_id)
                return report_id

            if self.store.transact(work, actor=SYSTEM):
                flagged.append(report_id)
        return flagged
