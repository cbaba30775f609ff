"""Institution staff pages: my organization's achievements, a draft's form for a new or a saved draft (the registry's
field errors beside the fields, what was typed kept), submit and withdraw. Every call carries the person's token, so the registry decides
who may see and do what: another organization's draft is the registry's 404 here too."""
from urllib.parse import quote

from werkzeug.utils import redirect

from ttp_common.web import http

from .. import drafts
from ..upstream import Refused
from .common import page
from .public import Filters


class StaffEntrypoints:
    @http("GET", "/my/achievements")
    @page("my_achievements")
    def my_achievements(self, request):
        signed, refused = self.staff(request, "/my/achievements")
        if refused:
            return refused
        session, token = signed
        org = quote(session.user["org"], safe="")
        found = self.part(request, "registry", f"/api/v1/organizations/{org}/achievements", params={"limit": 50},
                          token=token)
        return self.render(request, "my_achievements.html", title="本单位科技成果", found=found)

    @http("GET", "/my/achievements/new")
    @page("my_achievement_new")
    def new_achievement(self, request):
        signed, refused = self.staff(request, "/my/achievements/new")
        if refused:
            return refused
        return self.render(request, "achievement_form.html", title="登记科技成果", values=Filters(), errors=Filters(),
                           action="/my/achievements")

    @http("POST", "/my/achievements")
    @page("my_achievement_create")
    def create_achievement(self, request):
        signed, refused = self.form_post(request, "/my/achievements/new", self.staff)
        if refused:
            return refused
        session, token = signed
        values = dict(request.form)
        try:
            made = self.runtime.services.post("registry", "/api/v1/achievements",
                                              json=drafts.body_of(values, session.user["org"]), token=token)
        except Refused as exc:
            return self.render(request, "achievement_form.html", status=exc.status if exc.status < 500 else 400,
                               title="登记科技成果", values=Filters(values), errors=Filters(drafts.field_errors(exc)),
                               action="/my/achievements")
        return redirect(f"/my/achievements/{made['id']}", code=303)

    @http("GET", "/my/achievements/<string:achievement_id>/edit")
    @page("my_achievement_edit")
    def edit_form(self, request, achievement_id):
        signed, refused = self.staff(request, f"/my/achievements/{achievement_id}/edit")
        if refused:
            return refused
        _, token = signed
        stored, missing = self._stored(request, achievement_id, token)
        if missing:
            return missing
        return self._edit_page(request, achievement_id, stored, Filters(drafts.form_of(stored)), Filters())

    @http("POST", "/my/achievements/<string:achievement_id>/edit")
    @page("my_achievement_save")
    def save_achievement(self, request, achievement_id):
        """The edited draft, sent whole (PUT): the registry says whether it may still be edited and what is wrong."""
        signed, refused = self.form_post(request, f"/my/achievements/{achievement_id}/edit", self.staff)
        if refused:
            return refused
        session, token = signed
        stored, missing = self._stored(request, achievement_id, token)
        if missing:
            return missing
        values = dict(request.form)
        try:
            self.runtime.services.call("registry", "PUT", f"/api/v1/achievements/{quote(achievement_id, safe='')}",
                                       token=token, json=drafts.edited(stored, values, session.user["org"]))
        except Refused as exc:
            return self._edit_page(request, achievement_id, stored, Filters(values), Filters(drafts.field_errors(exc)),
                                   status=exc.status if exc.status < 500 else 400)
        return redirect(f"/my/achievements/{achievement_id}", code=303)

    def _stored(self, request, achievement_id, token):
        """(the organization's stored achievement, None), or (None, the page saying it is not there or not now)."""
        found = self.part(request, "registry", f"/api/v1/achievements/{quote(achievement_id, safe='')}", token=token)
        if found.error is not None:
            return None, self.render(request, "message.html", status=404, title="未找到", text="本单位没有这项成果。")
        if found.unavailable:
            return None, self.render(request, "message.html", status=503, title="暂不可用",
                                     text="成果信息暂不可用，请稍后再试。")
        return found.data, None

    def _edit_page(self, request, achievement_id, stored, values, errors, status=200):
        return self.render(request, "achievement_form.html", status=status, title="修改科技成果", values=values,
                           errors=errors, action=f"/my/achievements/{achievement_id}/edit",
                           reasons=stored.get("return_reasons") or [])

    @http("GET", "/my/achievements/<string:achievement_id>")
    @page("my_achievement")
    def my_achievement(self, request, achievement_id):
        signed, refused = self.staff(request, f"/my/achievements/{achievement_id}")
        if refused:
            return refused
        _, token = signed
        found = self.part(request, "registry", f"/api/v1/achievements/{quote(achievement_id, safe='')}", token=token)
        if found.error is not None:
            return self.render(request, "message.html", status=404, title="未找到", text="本单位没有这项成果。")
        return self.render(request, "my_achievement.html", title="本单位科技成果", found=found,
                           achievement_id=achievement_id)

    @http("POST", "/my/achievements/<string:achievement_id>/<string:action>")
    @page("my_achievement_action")
    def achievement_action(self, request, achievement_id, action):
        signed, refused = self.form_post(request, f"/my/achievements/{achievement_id}", self.staff)
        if refused:
            return refused
        session, token = signed
        if action not in ("submit", "withdraw"):
            return self.render(request, "message.html", status=404, title="未找到", text="没有这项操作。")
        body = {"reason": request.form.get("reason", "").strip()} if action == "withdraw" else {}
        try:
            self.runtime.services.post("registry", f"/api/v1/achievements/{quote(achievement_id, safe='')}/{action}",
                                       json=body, token=token)
        except Refused as exc:
            return self.render(request, "message.html", status=exc.status, title="操作未完成",
                               text=drafts.chinese(exc.message) or "登记系统拒绝了这项操作。")
        return redirect(f"/my/achievements/{achievement_id}", code=303)
