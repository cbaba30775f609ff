"""Achievement registration (科技成果登记): drafts, bulk import, the lifecycle and the listings.

An institution records a draft for its organization (one at a time, or up to 200 rows at once through
the idempotent bulk import, which the CLI ``ttp-registry-import`` feeds) and edits it while draft or
returned; the lifecycle then runs submit (owner) → register or return (reviewer of the region) → publish
(reviewer) → withdraw (owner). An organization lists its own achievements (drafts included), a reviewer
the queue of their region, oldest first. The work is in ``registry.handlers.achievements``; the public
search is in ``search``.
"""
from typing import Literal

from prometheus_client import Counter

from ttp_common import auth, certificates, clock, paging, regions
from ttp_common.endpoints import created, endpoint
from ttp_common.refusals import NotFound
from ttp_common.regions import RegionScope

from .. import achievements, certificates as achievement_certificates, history, schemas
from ..achievements import AchievementIn, ImportIn, ReturnIn, WithdrawIn
from ..documents import Achievement
from ..handlers import achievements as handlers, bulk_import
from ..handlers import organizations as organization_handlers
from ..handlers.access import may_see
from .common import INSTITUTIONS, LIFECYCLE, REVIEWERS

ONE = "/api/v1/achievements/<string:achievement_id>"

CERTIFICATES_ISSUED = Counter("ttp_registry_certificates_issued_total",
                              "Achievement registration certificates (科技成果登记证书) downloaded")


class OwnAchievementsQuery(paging.OffsetParams):
    status: Literal[achievements.STATUSES] | None = None


class ReviewQueueQuery(paging.OffsetParams):
    status: Literal[achievements.REVIEW_STATUSES] = "submitted"
    region: RegionScope | None = None


def _lifecycle_action(name, work, body=None, given=None):
    """The endpoint ``POST …/{achievement_id}/<name>`` of a lifecycle action: ``work`` (a handler of
    ``registry.handlers.achievements``) takes the achievement id, the body's field ``given`` if any, the
    caller and the time. Its summary comes from the transition table."""
    t = achievements.TRANSITIONS[name]
    who = "the owning institution" if t.actor == achievements.OWNER else "the reviewer of its region"

    def take(self, ctx, achievement_id):
        values = (getattr(ctx.body, given),) if given else ()
        return self.store.transact(work, achievement_id, *values, ctx.principal, ctx.now, actor=ctx.actor).view()

    take.__name__ = take.__qualname__ = f"{name}_achievement"
    statuses = (409, 422) if name == "submit" else (409,)  # 422: one recorded as classified before they were refused
    return endpoint("POST", f"{ONE}/{name}", roles=LIFECYCLE, body=body, response="Achievement", errors=statuses,
                    summary=f"{name}: {', '.join(sorted(t.sources))} → {t.target} ({who} or an admin); "
                            f"publishes {t.event}")(take)


class AchievementEntrypoints:
    """Achievement drafts, import, transitions and listings."""

    @endpoint("POST", "/api/v1/achievements", roles=INSTITUTIONS, body=AchievementIn, status=201,
              response="Achievement", described="Draft recorded", errors=(404, 409, 422),
              summary="Record an achievement as a draft (科技成果登记); institutions for their own organization. "
                      "Classified ones (涉密) are a 422 `classified`: they go through the state's confidential "
                      "channels; internal (内部) ones are registered but never published")
    def create_achievement(self, ctx):
        achievement = self.store.transact(handlers.create_draft, ctx.body, ctx.principal, ctx.now, actor=ctx.actor)
        return created(achievement.view(), f"/api/v1/achievements/{achievement.id}")

    @endpoint("POST", "/api/v1/achievements/import", roles=LIFECYCLE, body=ImportIn, max_body_bytes=25_000_000,
              response=schemas.IMPORT_RESULTS, described="One result per row, in order",
              summary="Bulk import (批量导入) of up to 1,000 rows as drafts; each row is validated on its own and "
                      "created once (its id derives from the owner and the row's import_key); institutions for "
                      "their own organization, administrators. The CLI `ttp-registry-import` sends files here.",
              description="A row with registration_number and registered_on is an achievement registered in an "
                          "earlier system (已登记科技成果, years before this one): loaded as registered under its "
                          "original 12-digit number (its registering body, year and category checked), once per "
                          "number (its id derives from it), by a reviewer of its region or an administrator; its "
                          "registry.achievement.registered.v1 says imported and carries the registration date as "
                          "effective_date. An institution's rows are drafts. The rows that pass their checks are written "
                          "`IMPORT_CHUNK_ROWS` (500) at a time, one transaction each; a row's outcome is its own.")
    def import_achievements(self, ctx):
        """Each row checked on its own, then the checked ones written a chunk at a time (``handlers.bulk_import``)."""
        outcomes, checked, today = {}, [], clock.china_date()
        for number, row in enumerate(ctx.body.rows):
            form, errors = achievements.read_import_row(row, ctx.principal)
            if errors:
                outcomes[number] = {"status": "rejected", "errors": errors}
            elif row.registration_number is None and row.registered_on is None:
                checked.append(bulk_import.draft_row(number, row.import_key, form, ctx.principal, ctx.now))
            else:
                registered_on, errors = history.registration_date(row.registered_on)
                errors = errors or history.registration_errors(row.registration_number, registered_on,
                                                               form.region_code, form.type, today)
                item = {"status": "rejected", "errors": errors} if errors else bulk_import.registered_row(
                    number, form, row.registration_number, registered_on, ctx.principal, ctx.now)
                if isinstance(item, dict):
                    outcomes[number] = item
                else:
                    checked.append(item)
        outcomes.update(bulk_import.write(self.store, checked, self._import_chunk_rows(), ctx.actor))
        return {"results": [{"row": number, **outcomes[number]} for number in range(len(ctx.body.rows))]}

    def _import_chunk_rows(self):
        return bulk_import.chunk_rows(self.config.get("IMPORT_CHUNK_ROWS", bulk_import.DEFAULT_CHUNK_ROWS))

    @endpoint("PUT", ONE, roles=INSTITUTIONS, body=AchievementIn, response="Achievement", errors=(409, 422),
              summary="Edit a draft or returned achievement (owner)")
    def edit_achievement(self, ctx, achievement_id):
        return self.store.transact(handlers.edit, achievement_id, ctx.body, ctx.principal, ctx.now,
                                   actor=ctx.actor).view()

    @endpoint("GET", ONE, response="Achievement",
              summary="One achievement: public once published, else only to its owner, reviewer and admins")
    def get_achievement(self, ctx, achievement_id):
        achievement = self.store.get(Achievement, achievement_id)
        if achievement.status != "published" and not may_see(ctx.principal, achievement.owner_organization_id,
                                                             achievement.region_code):
            raise NotFound("no such achievement")  # unpublished data does not exist for the public
        return achievement.view()

    @endpoint("GET", f"{ONE}/certificate", roles=LIFECYCLE, media_type=certificates.MEDIA_TYPE,
              response=schemas.PDF, described="The certificate (PDF)", errors=(409,),
              summary="The registration certificate (科技成果登记证书) of a registered or published achievement, as PDF: "
                      "its completing organizations' institutions, the reviewers of its region, admins (anyone "
                      "else: 404); 409 `not_registered` before registration or after a withdrawal")
    def achievement_certificate(self, ctx, achievement_id):
        achievement = self.store.get(Achievement, achievement_id)
        if not achievement_certificates.may_download(ctx.principal, achievement):
            raise NotFound("no such achievement")
        achievement_certificates.check_certified(achievement.status)
        names = organization_handlers.names(self.store, achievement.record["organization_ids"])
        pdf = achievement_certificates.certificate(achievement, names)
        CERTIFICATES_ISSUED.inc()
        return certificates.response(pdf, f"achievement-certificate-{achievement.registration_number}.pdf")

    # -- the lifecycle (who may take each action: registry.achievements.TRANSITIONS) --------------

    submit_achievement = _lifecycle_action("submit", handlers.submit)
    register_achievement = _lifecycle_action("register", handlers.register)
    return_achievement = _lifecycle_action("return", handlers.return_, body=ReturnIn, given="reasons")
    publish_achievement = _lifecycle_action("publish", handlers.publish)
    withdraw_achievement = _lifecycle_action("withdraw", handlers.withdraw, body=WithdrawIn, given="reason")

    # -- listings ---------------------------------------------------------------------------

    @endpoint("GET", "/api/v1/organizations/<string:organization_id>/achievements", roles=INSTITUTIONS,
              client_scope="registry:achievements:read", query=OwnAchievementsQuery,
              response=paging.offset_page_schema("Achievement"), described="A page",
              summary="The organization's own achievements, drafts included, latest change first; "
                      "its institution and administrators")
    def list_organization_achievements(self, ctx, organization_id):
        auth.require_org(ctx.principal, organization_id)
        query = {"owner_organization_id": str(organization_id)}
        if ctx.query.status:
            query["status"] = ctx.query.status
        return self._achievement_page(query, [("updated_at", -1), ("_id", -1)], ctx.query)

    @endpoint("GET", "/api/v1/review/achievements", roles=REVIEWERS, client_scope="registry:achievements:read",
              query=ReviewQueueQuery,
              response=paging.offset_page_schema("Achievement"), described="A page",
              summary="A reviewer's queue: achievements of their region (or `region` within it; administrators: "
                      "all) in one status, oldest first")
    def review_queue(self, ctx):
        scope = auth.review_scope(ctx.principal, ctx.query.region)
        query = {"status": ctx.query.status, **regions.query(scope)}
        return self._achievement_page(query, [("updated_at", 1), ("_id", 1)], ctx.query)

    def _achievement_page(self, query, sort, params):
        return paging.by_offset(self.store.collection(Achievement), query, sort, params,
                                lambda raw: self.store.load(Achievement, raw).view())
