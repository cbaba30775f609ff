"""Achievement registration (科技成果登记): drafts, bulk import and the lifecycle.

An institution records a draft for its organization (one at a time, or up to 200 rows at once through
the idempotent bulk import) and edits it while draft or returned; the lifecycle then runs submit (owner)
→ register with a 12-digit number, or return with reasons (reviewer of the region) → publish to the
public query service (reviewer) → withdraw (owner). A withdrawal also takes the achievement out of the
dual-use catalogues (``_leave_catalogues``, from ``catalogues``). The plan project an achievement names
must exist and belong to one of its organizations (checked on every draft and at submit); registering
fulfils that project's reporting duty. An organization lists its own achievements (drafts included), a
reviewer the queue of their region, oldest first. The rules are in ``registry.achievements``; the public
search is in ``search``.
"""
import uuid

from pydantic import ValidationError as PydanticValidationError

from ttp_common import auth, web
from ttp_common.errors import NotFound, ValidationFailed
from ttp_common.mongo import next_serial
from ttp_common.web import http

from .. import achievements
from ..achievements import AchievementIn, ReturnIn, WithdrawIn
from ..documents import Achievement, PlanProject, PublicAchievement, now_ms
from .common import RegistryHelpers

IMPORT_NAMESPACE = uuid.UUID("6f1c2d4e-9a5b-4c3d-8e7f-0a1b2c3d4e5f")  # ids of imported rows


class AchievementEntrypoints(RegistryHelpers):
    """Achievement drafts, import and transitions."""

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

        def work(uow):
            self._check_plan_project(uow, achievement.record)
            uow.insert(achievement)

        self.store.transact(work, actor=self.actor(request, principal))
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
            key_error = achievements.import_key_error(row.import_key)
            if key_error:
                results.append({"row": number, "status": "rejected", "errors": [
                    {"path": "import_key", "message": key_error}]})
                continue
            try:
                form = AchievementIn.model_validate(row.form)
            except PydanticValidationError as exc:
                results.append({"row": number, "status": "rejected", "errors": [
                    {"path": ".".join(map(str, e["loc"])), "message": e["msg"]} for e in exc.errors()]})
                continue
            owner = form.organization_ids[0]
            if not auth.acts_for(principal, owner):
                results.append({"row": number, "status": "rejected", "errors": [
                    {"path": "organization_ids.0", "message": "not the caller's organization"}]})
                continue
            achievement = Achievement(
                id=uuid.uuid5(IMPORT_NAMESPACE, f"{owner}|{row.import_key}").hex, owner_organization_id=owner,
                region_code=form.region_code, status="draft", record=form.model_dump(mode="json"),
                created_by=principal.sub)

            def work(uow, achievement=achievement):
                if uow.db[Achievement._get_collection_name()].find_one({"_id": achievement.id}, session=uow.session):
                    return {"status": "exists", "id": achievement.id}
                project_error = self._plan_project_error(uow, achievement.record)
                if project_error:
                    return {"status": "rejected", "errors": [
                        {"path": "funding.plan_project_id", "message": project_error}]}
                uow.insert(achievement)
                return {"status": "created", "id": achievement.id}

            results.append({"row": number, **self.store.transact(work, actor=self.actor(request, principal))})
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
            self._check_plan_project(uow, achievement.record)
            achievement.owner_organization_id, achievement.region_code = body.organization_ids[0], body.region_code
            uow.replace(achievement)
            return achievement

        return web.json_response(self._act(work, request, principal).view())

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
                self._check_plan_project(uow, record)
                data.update(title=record["title"], organization_ids=record["organization_ids"])
                achievement.return_reasons = []
            elif action == "register":
                serial = next_serial(uow.db, f"achievement|{achievements.registration_body(achievement.region_code)}"
                                             f"|{now.year}|{record['type']}")
                achievement.registration_number = achievements.registration_number(
                    achievement.region_code, now.year, record["type"], serial)
                achievement.registered_at = now
                project_id = record["funding"].get("plan_project_id")
                if project_id:  # a registered achievement fulfils its own organizations' project's reporting duty
                    uow.db[PlanProject._get_collection_name()].update_one(
                        {"_id": project_id, "organization_id": {"$in": record["organization_ids"]}},
                        {"$set": {"satisfied": True}}, session=uow.session)
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
                uow.insert(PublicAchievement.of(achievement, now))
            elif action == "withdraw":
                public.delete_one({"_id": achievement.id}, session=uow.session)
                self._leave_catalogues(uow, achievement.id, "withdrawn")
            uow.emit(t.event, data, subject=achievement.id)
            return achievement

        return web.json_response(self._act(work, request, principal).view())

    @http("GET", "/api/v1/organizations/<string:organization_id>/achievements")
    @web.api
    def list_organization_achievements(self, request, organization_id):
        """An organization's own achievements, drafts included, newest change first: its institution, admins."""
        principal = self.principal(request)
        auth.require(principal, auth.Roles.INSTITUTION, auth.Roles.ADMIN)
        auth.require_org(principal, organization_id)
        query = {"owner_organization_id": str(organization_id)}
        status = web.query_param(request, "status", choices=achievements.STATUSES)
        if status:
            query["status"] = status
        return web.json_response(self._page(request, Achievement, query, [("updated_at", -1), ("_id", -1)],
                                            Achievement.view))

    @http("GET", "/api/v1/review/achievements")
    @web.api
    def review_queue(self, request):
        """A reviewer's queue: achievements of their region in one status (default submitted), oldest first."""
        principal = self.principal(request)
        auth.require(principal, auth.Roles.REVIEWER, auth.Roles.ADMIN)
        status = web.query_param(request, "status", default="submitted", choices=achievements.REVIEW_STATUSES)
        query = {"status": status, **self._region_filter(request, principal)}
        return web.json_response(self._page(request, Achievement, query, [("updated_at", 1), ("_id", 1)],
                                            Achievement.view))

    def _plan_project_error(self, uow, record):
        """Why the plan project ``record`` names does not fit it, or None (also when it names none)."""
        project_id = record["funding"].get("plan_project_id")
        if not project_id:
            return None
        project = uow.db[PlanProject._get_collection_name()].find_one({"_id": project_id}, session=uow.session)
        return achievements.plan_project_error(project, record["organization_ids"])

    def _check_plan_project(self, uow, record):
        error = self._plan_project_error(uow, record)
        if error:
            raise ValidationFailed.at("funding.plan_project_id", error)

    @staticmethod
    def _may_see(principal, achievement):
        if principal.role == auth.Roles.ADMIN:
            return True
        if principal.role == auth.Roles.INSTITUTION:
            return principal.org == achievement.owner_organization_id
        if principal.role == auth.Roles.REVIEWER:
            return auth.region_covers(principal.region, achievement.region_code)
        return False
