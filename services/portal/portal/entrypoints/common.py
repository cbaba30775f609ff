"""What every page handler shares: the ``page`` decorator (timing by route, the correlation id, a clear page
instead of a stack trace), the browser's session (read, kept alive, its access token refreshed), the CSRF check of
form posts, and ``part`` for the parts of a page that come from one service."""
import functools
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

from werkzeug.utils import redirect

from ttp_common.logs import get_context
from ttp_common.web import CORRELATION_HEADER, correlation_id

from .. import inbox, metrics, sessions
from ..documents import BrowserSession
from ..notifications import ORGANIZATION_ROLES  # the roles that act for an organization
from ..oauth import IdentityUnavailable, TokenRefused
from ..upstream import Refused, Unavailable

log = logging.getLogger(__name__)
TOUCH_SECONDS = 60  # a session's last use is written at most this often


def now():
    return datetime.now(timezone.utc)


def aware(value):
    return value if value is None or value.tzinfo else value.replace(tzinfo=timezone.utc)


@dataclass
class Part:
    """What one service gave a part of a page: ``data``, or ``unavailable`` (the part shows 暂不可用)."""
    data: object = None
    unavailable: bool = False
    error: Refused | None = None


def page(route):
    """Decorate an ``@http`` handler ``(self, request, ...)`` returning a Response."""

    def decorate(handler):
        @functools.wraps(handler)
        def wrapper(self, request, *args, **kwargs):
            started = time.perf_counter()
            cid = get_context().get("correlation_id") or correlation_id(request)
            request.route = route
            try:
                response = handler(self, request, *args, **kwargs)
            except Unavailable as exc:
                metrics.PARTS_UNAVAILABLE.labels(route, exc.service).inc()
                response = self.runtime.pages.message("暂不可用", "所需的服务暂时无法访问，请稍后再试。", status=503,
                                                      user=None)
            except Exception:
                log.exception("page %s failed", route)
                response = self.runtime.pages.message("出错了", f"页面暂时无法显示（编号 {cid}）。", status=500, user=None)
            metrics.PAGE_SECONDS.labels(route).observe(time.perf_counter() - started)
            response.headers[CORRELATION_HEADER] = cid
            return response

        return wrapper

    return decorate


def page_offset(request):
    """(the ``offset`` parameter as typed, as a number): the text goes to the service, which refuses a bad one;
    the number makes the next page's link."""
    text = request.args.get("offset", "0")
    return text, int(text) if text.isdigit() else 0


class PortalHelpers:
    """Mixed into the service: ``self.runtime`` and ``self.store`` are its dependencies."""

    # -- sessions ---------------------------------------------------------------------------------
    def _limits(self):
        settings = self.runtime.settings
        return timedelta(minutes=settings.session_idle_minutes), timedelta(hours=settings.session_max_hours)

    def browser_session(self, request):
        """The live session the request's cookie names, kept alive; None without one."""
        key = request.cookies.get(sessions.COOKIE)
        if not key:
            return None
        session = self.store.find_one(BrowserSession, {"_id": sessions.key_id(key)})
        if session is None:
            return None
        idle, max_age = self._limits()
        at = now()
        started, seen = aware(session.started_at), aware(session.last_seen_at)
        if not sessions.is_live({"started_at": started, "last_seen_at": seen}, at, idle, max_age):
            self.store.delete(BrowserSession, {"_id": session.id})
            return None
        if (at - seen).total_seconds() > TOUCH_SECONDS:
            expires = sessions.ends_at(started, at, idle, max_age)
            self.store.update(BrowserSession, {"_id": session.id}, {"$set": {"last_seen_at": at, "expires_at": expires}})
        return session

    def open_session(self, **fields):
        """A new session (returns its cookie key and the document)."""
        key, session_id = sessions.new_key()
        idle, max_age = self._limits()
        at = now()
        session = BrowserSession(id=session_id, started_at=at, last_seen_at=at,
                                 expires_at=sessions.ends_at(at, at, idle, max_age),
                                 csrf_token=sessions.new_csrf_token(), **fields)
        self.store.insert(session)
        return key, session

    def signed_in(self, request):
        """(session, access token) of the signed-in person, the token refreshed when near its end; None otherwise
        (no session, a sign-in still pending, or a refresh the identity service refused)."""
        session = getattr(request, "_portal_session", None) or self.browser_session(request)
        request._portal_session = session
        if session is None or not session.access_token:
            return None
        if not sessions.needs_refresh(aware(session.access_expires_at), now()):
            return session, session.access_token
        return self._refresh(session)

    def _refresh(self, session):
        try:
            token = self.runtime.identity.refresh(session.refresh_token)
        except TokenRefused:
            metrics.TOKEN_REFRESHES.labels("refused").inc()
            # a concurrent request of the same browser may have rotated the refresh token first
            fresh = self.store.find_one(BrowserSession, {"_id": session.id})
            if fresh is not None and fresh.refresh_token != session.refresh_token and fresh.access_token:
                return fresh, fresh.access_token
            self.store.delete(BrowserSession, {"_id": session.id})
            return None
        except IdentityUnavailable:
            metrics.TOKEN_REFRESHES.labels("unavailable").inc()
            return None
        metrics.TOKEN_REFRESHES.labels("success").inc()
        expires = now() + timedelta(seconds=int(token.get("expires_in") or 300))
        changes = {"access_token": token["access_token"], "access_expires_at": expires,
                   "refresh_token": token.get("refresh_token") or session.refresh_token}
        self.store.update(BrowserSession, {"_id": session.id, "refresh_token": session.refresh_token},
                          {"$set": changes})
        for name, value in changes.items():
            setattr(session, name, value)
        return session, session.access_token

    def user_of(self, request):
        signed = self.signed_in(request)
        return signed[0].user if signed else None

    # -- who may post what ---------------------------------------------------------------------
    def signed_or_login(self, request, path):
        """(session, token) of the signed-in person, else (None, a redirect to sign in and back to ``path``)."""
        signed = self.signed_in(request)
        if signed is None:
            return None, redirect(f"/auth/login?next={quote(path, safe='/')}", code=303)  # its query kept whole
        return signed, None

    def staff(self, request, path):
        """(session, token) of a signed-in person acting for an organization, else (None, a redirect or a 403
        page)."""
        signed, refused = self.signed_or_login(request, path)
        if refused:
            return None, refused
        session, _ = signed
        if session.user.get("role") not in ORGANIZATION_ROLES or not session.user.get("org"):
            return None, self.render(request, "message.html", status=403, title="无权访问",
                                     text="此页面供机构经办人使用。")
        return signed, None

    def form_post(self, request, path, guard=None):
        """A form post's guard: ``guard`` (``self.staff``, or default ``self.signed_or_login``; any method taking
        (request, path) and answering ((session, token), None) or (None, page)), then the CSRF check. Answers
        ((session, token), None) or (None, the page to send: sign-in redirect, 403 of the guard or of the CSRF
        check)."""
        signed, refused = (guard or self.signed_or_login)(request, path)
        if refused:
            return None, refused
        bad = self.csrf_refused(request, signed[0])
        if bad is not None:
            return None, bad
        return signed, None

    def csrf_refused(self, request, session):
        """A 403 page when the form's CSRF token is not the session's, else None."""
        if session is not None and sessions.csrf_ok(session.csrf_token, request.form.get("csrf_token")):
            return None
        metrics.CSRF_REFUSALS.inc()
        return self.runtime.pages.message("请求无效", "表单已失效或来源不明，请返回页面后重新提交。", status=403,
                                          user=session.user if session is not None else None)

    # -- pages ------------------------------------------------------------------------------------
    def render(self, request, template, status=200, **values):
        signed = self.signed_in(request)
        session = signed[0] if signed else None
        if session is not None:
            values.setdefault("unread", self.unread_of(session.user))
        return self.runtime.pages.render(template, status=status, user=session.user if session else None,
                                         csrf_token=session.csrf_token if session else None, **values)

    def unread_of(self, user):
        """The header's count of unread messages (None, shown as nothing, when the database does not answer)."""
        try:
            return inbox.unread_count(self.store, user)
        except Exception:
            log.warning("unread count unavailable", exc_info=True)
            return None

    def part(self, request, service, path, params=None, token=None):
        """One service's data for a part of a page (``Part``): unavailable when it does not answer, its refusal
        when it says no."""
        try:
            return Part(data=self.runtime.services.get(service, path, params=params, token=token))
        except Unavailable:
            metrics.PARTS_UNAVAILABLE.labels(getattr(request, "route", "?"), service).inc()
            return Part(unavailable=True)
        except Refused as exc:
            return Part(error=exc)
