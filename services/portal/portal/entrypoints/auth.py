"""Signing in and out through the identity service (authorization code + PKCE), and the signed-in person's page.

Sign-in opens a pending session (state, verifier) and sends the browser to the identity service's sign-in page;
the callback checks the state, redeems the code and replaces the pending session by a new one (a new key: a key
known before sign-in is worth nothing after it). Sign-out is a form post (CSRF-checked): the session is deleted,
its refresh token revoked, and the browser sent to the identity service's sign-out page."""
from datetime import timedelta

from nameko.timer import timer
from werkzeug.utils import redirect

from ttp_common.web import http

from .. import metrics, sessions
from ..documents import BrowserSession
from ..oauth import IdentityUnavailable, TokenRefused
from .common import now, page


class AuthEntrypoints:
    @http("GET", "/auth/login")
    @page("auth_login")
    def login(self, request):
        pages = self.runtime.pages
        try:
            url, state, verifier = self.runtime.identity.authorization_url()
        except IdentityUnavailable:
            metrics.SIGN_INS.labels("unavailable").inc()
            return pages.message("暂不可用", "统一身份认证服务暂时无法访问，请稍后再试。", status=503, user=None)
        key, session = self.open_session(state=state, code_verifier=verifier,
                                         next_path=sessions.safe_next(request.args.get("next")))
        response = redirect(url, code=303)
        return pages.set_session_cookie(response, sessions.COOKIE, key, sessions.SIGN_IN_MINUTES * 60)

    @http("GET", "/auth/callback")
    @page("auth_callback")
    def callback(self, request):
        pages = self.runtime.pages
        pending = self.browser_session(request)
        state = request.args.get("state")
        if pending is None or not pending.state or not sessions.csrf_ok(pending.state, state):
            metrics.SIGN_INS.labels("state_mismatch").inc()
            return pages.message("登录未完成", "登录请求已失效，请重新登录。", status=400, user=None)
        self.store.delete(BrowserSession, {"_id": pending.id})
        if request.args.get("error") or not request.args.get("code"):
            metrics.SIGN_INS.labels("refused").inc()
            return pages.message("登录未完成", "统一身份认证服务未完成登录，请重新登录。", status=400, user=None)
        try:
            token = self.runtime.identity.redeem(request.args["code"], pending.code_verifier)
            info = self.runtime.identity.userinfo(token["access_token"])
        except TokenRefused:
            metrics.SIGN_INS.labels("refused").inc()
            return pages.message("登录未完成", "登录凭证无效或已过期，请重新登录。", status=400, user=None)
        except IdentityUnavailable:
            metrics.SIGN_INS.labels("unavailable").inc()
            return pages.message("暂不可用", "统一身份认证服务暂时无法访问，请稍后再试。", status=503, user=None)
        key, _ = self.open_session(user=sessions.user_of(info, info), access_token=token["access_token"],
                                   refresh_token=token.get("refresh_token"),
                                   access_expires_at=now() + timedelta(seconds=int(token.get("expires_in") or 300)))
        metrics.SIGN_INS.labels("success").inc()
        response = redirect(sessions.safe_next(pending.next_path), code=303)
        return pages.set_session_cookie(response, sessions.COOKIE, key, self.runtime.settings.session_max_hours * 3600)

    @http("POST", "/auth/logout")
    @page("auth_logout")
    def logout(self, request):
        pages = self.runtime.pages
        session = self.browser_session(request)
        refused = self.csrf_refused(request, session)
        if refused is not None:
            return refused
        self.store.delete(BrowserSession, {"_id": session.id})
        if session.refresh_token:
            self.runtime.identity.revoke(session.refresh_token)
        target = self.runtime.identity.end_session_url()
        response = redirect(target, code=303) if target else pages.message("已退出", "您已退出门户。", status=200, user=None)
        return pages.clear_session_cookie(response, sessions.COOKIE)

    @timer(interval=60)
    def purge_sessions(self):
        """Drop ended sessions (the TTL index does it too where the database honours one). The timer also lets the
        service stop in a second or two on SIGTERM (an idle HTTP-only service takes ~60 s: STACK-NOTES 7)."""
        self.store.delete(BrowserSession, {"expires_at": {"$lt": now()}}, many=True)

    @http("GET", "/me")
    @page("me")
    def me(self, request):
        if self.signed_in(request) is None:
            return redirect("/auth/login?next=/me", code=303)
        return self.render(request, "me.html", title="我的账户")
