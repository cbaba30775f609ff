"""The OAuth 2.0 endpoints: token (RFC 6749 §3.2), revocation (RFC 7009), authorization with the sign-in
pages (§3.1, RFC 7636), sign-out (OpenID Connect RP-initiated logout, simplified) and userinfo.

The token and revocation endpoints take ``application/x-www-form-urlencoded`` bodies and answer OAuth's
JSON errors (``{"error", "error_description"}``, RFC 6749 §5.2), not the platform's error shape: they are
Authlib's (``identity.oauth``). The browser pages are ``identity.pages``; the steps ``identity.handlers.signin``.
"""
import hmac
import json
from urllib.parse import urlencode

from authlib.oauth2 import OAuth2Error
from werkzeug.datastructures import MultiDict
from werkzeug.utils import redirect

from ttp_common.auth import Roles
from ttp_common.endpoints import SIGNED_IN, endpoint

from .. import audit, metrics, tokens
from ..documents import Account, Client, aware
from ..handlers import signin
from ..oauth import SignedInUser, WerkzeugOAuth2Request
from .common import IdentityHelpers

FORM = "Form parameters (application/x-www-form-urlencoded)"
TOKEN_SCHEMA = {"type": "object", "required": ["access_token", "token_type", "expires_in"], "properties": {
    "access_token": {"type": "string", "description": "RFC 9068 JWT, ES256"}, "token_type": {"const": "Bearer"},
    "expires_in": {"type": "integer"}, "refresh_token": {"type": "string"}, "scope": {"type": "string"}}}
LOGOUT_CSRF_COOKIE = "ttp_id_logout"
STAGE_PAGES = {"password": ("sign_in.html", "登录"), "new_password": ("new_password.html", "设置新密码"),
               "enrol": ("enrol.html", "绑定身份验证器"), "totp": ("totp.html", "双因素验证"),
               "recovery_codes": ("recovery_codes.html", "保存恢复码")}
FAILURE_STATUS = {signin.THROTTLED: 429, signin.LOCKED: 403, signin.DISABLED: 403}


class OAuthEntrypoints(IdentityHelpers):
    """The OAuth 2.0 / OIDC endpoints. They take ``extra_query=True``: RFC 6749 §3.1 asks an authorization server to
    ignore request parameters it does not recognize (elsewhere an unknown parameter is a 400)."""

    # -- token and revocation ---------------------------------------------------------------
    @endpoint("POST", "/oauth/token", extra_query=True,
              response=TOKEN_SCHEMA, described="An access token (and for people a rotated "
              "refresh token)", errors=(400, 401),
              summary="Token endpoint (RFC 6749 §3.2): grant_type=client_credentials | authorization_code (with "
                      "code_verifier, PKCE S256) | refresh_token; client authentication by HTTP Basic or form",
              description=f"{FORM}: grant_type, scope, code, redirect_uri, code_verifier, refresh_token, "
                          "client_id, client_secret. Errors are OAuth's: {\"error\", \"error_description\"}.")
    def token(self, ctx):
        server = self.oauth_server(ctx.now)
        response = server.create_token_response(ctx.request)
        self._audit_token(ctx, server, response)
        return response

    @endpoint("POST", "/oauth/revoke", extra_query=True,
              errors=(400, 401),
              summary="Revoke a refresh token (RFC 7009): the whole chain of its rotations; the client authenticates",
              description=f"{FORM}: token, token_type_hint. Access tokens are JWTs that expire within 15 minutes.")
    def revoke(self, ctx):
        server = self.oauth_server(ctx.now)
        response = server.create_endpoint_response("revocation", ctx.request)
        revoked = getattr(server.env, "revoked", None)
        record = audit.entry("token.revoke", "success" if response.status_code == 200 else "failure", at=ctx.now,
                             actor=ctx.actor, user_agent=ctx.request.headers.get("User-Agent"),
                             target_type="refresh_token_family", target_id=revoked[0][:16] if revoked else None,
                             detail={"client_id": _client_of(ctx.request), "found": bool(revoked)})
        audit.write_and_announce(self.store, record)
        return response

    def _audit_token(self, ctx, server, response):
        form = ctx.request.form
        grant_type = form.get("grant_type")
        try:
            body = json.loads(response.get_data())
        except ValueError:
            body = {}
        claims = getattr(server, "issued_claims", None)
        if response.status_code == 200 and claims:
            metrics.TOKENS_ISSUED.labels(grant_type).inc()
            action = "client.token" if grant_type == "client_credentials" else "token.issue"
            record = audit.entry(action, "success", at=ctx.now, actor=ctx.actor,
                                 user_agent=ctx.request.headers.get("User-Agent"), target_type="token",
                                 target_id=claims["jti"], detail={"grant_type": grant_type, "client_id": claims["client_id"],
                                                                  "sub": claims["sub"], "scope": claims.get("scope")})
        else:
            error = str(body.get("error", "unknown"))[:40]
            metrics.TOKEN_REFUSALS.labels(error).inc()
            replay = getattr(server.env, "revoked", None)
            record = audit.entry("client.token" if grant_type == "client_credentials" else "token.issue", "failure",
                                 at=ctx.now, actor=ctx.actor, user_agent=ctx.request.headers.get("User-Agent"),
                                 detail={"grant_type": str(grant_type)[:40], "client_id": _client_of(ctx.request),
                                         "error": error, "revoked_family": replay[1] if replay else None})
        audit.write_and_announce(self.store, record)

    # -- the authorization endpoint and its sign-in pages -----------------------------------
    @endpoint("GET", "/oauth/authorize", extra_query=True,
              described="The sign-in page (text/html), or a redirect to the client "
              "with a code (signed in already) or an error",
              summary="Authorization endpoint (RFC 6749 §3.1, PKCE S256 required): response_type=code, client_id, "
                      "redirect_uri, scope, state, code_challenge, code_challenge_method=S256, prompt=login|none")
    def authorize(self, ctx):
        request, settings, pages = ctx.request, self.runtime.settings, self.runtime.pages
        server = self.oauth_server(ctx.now)
        try:
            grant = server.get_consent_grant(request)
        except OAuth2Error as error:
            return self._authorization_error(server, request, error)
        prompt = request.args.get("prompt")
        signed_in = signin.session_of(self.store, settings, request.cookies.get(signin.SESSION_COOKIE), ctx.now)
        if signed_in and prompt != "login":
            session, account = signed_in
            user = SignedInUser(account, session.id, int(aware(session.created_at).timestamp()), session.amr)
            return server.create_authorization_response(request, grant_user=user, grant=grant)
        if prompt == "none":
            error = OAuth2Error(redirect_uri=grant.redirect_uri)
            error.error, error.state = "login_required", request.args.get("state")
            return server.handle_error_response(request, error)
        cookie, flow = signin.start(self.store, settings, list(request.args.items(multi=True)), ctx.now)
        response = self._stage_page(flow)
        return pages.set_cookie(response, signin.FLOW_COOKIE, cookie, max_age=settings.sign_in_flow_minutes * 60,
                                path="/oauth", same_site="Strict")

    @endpoint("POST", "/oauth/authorize", extra_query=True,
              described="The next sign-in page, or a redirect to the client with a code",
              summary="The sign-in pages' forms (password, new password, TOTP enrolment, TOTP or recovery code)",
              description="Form parameters: csrf_token and the step's fields. The step is the server's: the flow "
                          "cookie names it.")
    def authorize_step(self, ctx):
        request, pages, store = ctx.request, self.runtime.pages, self.store
        flow = signin.flow_of(store, request.cookies.get(signin.FLOW_COOKIE), ctx.now)
        if flow is None:
            return pages.message("登录已超时", "登录已超时或无效，请返回应用重新登录。", status=400)
        if not signin.csrf_ok(flow, request.form.get("csrf_token")):
            return pages.message("请求无效", "页面已失效，请返回应用重新登录。", status=403)
        visitor, form, stage = self.visitor(request), request.form, flow.stage
        error, codes = None, None
        if stage == "password":
            error = signin.password(store, self.runtime, flow, form.get("username"), form.get("password"), ctx.now,
                                    visitor)
        elif stage == "new_password":
            error = signin.new_password(store, self.runtime, flow, form.get("new_password"),
                                        form.get("confirm_password"), ctx.now, visitor)
        elif stage == "enrol":
            error, codes = signin.confirm_enrolment(store, self.runtime, flow, form.get("code"), ctx.now, visitor)
        elif stage == "totp":
            error = signin.second_factor(store, self.runtime, flow, form.get("code"), ctx.now, visitor)
        elif stage == "recovery_codes":
            flow.stage = "done"
        if error is not None:
            status = FAILURE_STATUS.get(error, 401 if stage in ("password", "totp", "enrol") else 400)
            return self._stage_page(flow, error=error, status=status, username=form.get("username"))
        if codes is not None:
            return self._stage_page(flow, codes=codes)
        if flow.stage != "done":
            return self._stage_page(flow)
        return self._finish(ctx, flow, visitor)

    def _stage_page(self, flow, error=None, status=200, username=None, codes=None):
        template, title = STAGE_PAGES[flow.stage]
        values = {"title": title, "csrf": flow.csrf, "action": "/oauth/authorize", "error": error}
        if flow.stage == "password":
            values["username"] = username
        elif flow.stage == "enrol":
            values["secret"], values["uri"], values["qr"] = signin.enrolment(self.store, flow)
        elif flow.stage == "recovery_codes":
            values["codes"] = codes or []
        return self.runtime.pages.render(template, status=status, **values)

    def _finish(self, ctx, flow, visitor):
        settings, pages = self.runtime.settings, self.runtime.pages
        done = signin.finish(self.store, settings, flow, ctx.now, visitor)
        if done is None:
            return pages.message("无法登录", signin.DISABLED, status=403)
        cookie, session, account = done
        pairs = [tuple(pair) for pair in flow.params]
        params = MultiDict(pairs)
        request = WerkzeugOAuth2Request("GET", f"{settings.issuer}/oauth/authorize?{urlencode(pairs)}",
                                        ctx.request.headers, params, MultiDict())
        server = self.oauth_server(ctx.now)
        try:
            grant = server.get_consent_grant(request)
        except OAuth2Error as error:
            response = self._authorization_error(server, request, error)
        else:
            user = SignedInUser(account, session.id, int(ctx.now.timestamp()), session.amr)
            response = server.create_authorization_response(request, grant_user=user, grant=grant)
        pages.set_cookie(response, signin.SESSION_COOKIE, cookie, max_age=settings.session_max_hours * 3600)
        return pages.clear_cookie(response, signin.FLOW_COOKIE, path="/oauth", same_site="Strict")

    def _authorization_error(self, server, request, error):
        if getattr(error, "redirect_uri", None):
            return server.handle_error_response(request, error)  # back to the client (RFC 6749 §4.1.2.1)
        return self.runtime.pages.message("无法登录", f"请求无效：{error.description or error.error}", status=400)

    # -- sign-out ---------------------------------------------------------------------------
    @endpoint("GET", "/oauth/logout", extra_query=True,
              described="A confirmation page (text/html)",
              summary="Sign-out (end session): client_id, post_logout_redirect_uri (registered), state")
    def logout(self, ctx):
        params = [(k, v) for k, v in ctx.request.args.items() if k in ("client_id", "post_logout_redirect_uri", "state")]
        if self._logout_target(dict(params)) is False:
            return self.runtime.pages.message("无法退出", "退出后的跳转地址未登记。", status=400)
        csrf = tokens.new_secret(24)
        response = self.runtime.pages.render("logout.html", title="退出", csrf=csrf, action="/oauth/logout",
                                             params=params)
        return self.runtime.pages.set_cookie(response, LOGOUT_CSRF_COOKIE, csrf, max_age=600, path="/oauth",
                                             same_site="Strict")

    @endpoint("POST", "/oauth/logout", extra_query=True,
              described="A redirect to the registered address, or a page",
              summary="Sign out: ends the browser session and revokes the refresh tokens issued through it")
    def logout_confirmed(self, ctx):
        request, pages, settings = ctx.request, self.runtime.pages, self.runtime.settings
        expected, given = request.cookies.get(LOGOUT_CSRF_COOKIE, ""), request.form.get("csrf_token", "")
        if not expected or not hmac.compare_digest(expected.encode(), given.encode()):
            return pages.message("请求无效", "页面已失效，请重新退出。", status=403)
        signed_in = signin.session_of(self.store, settings, request.cookies.get(signin.SESSION_COOKIE), ctx.now)
        if signed_in:
            session, account = signed_in
            signin.sign_out(self.store, session, ctx.now, self.visitor(request), account)
        target = self._logout_target(request.form)
        if target:
            state = request.form.get("state")
            response = redirect(target + (("&" if "?" in target else "?") + urlencode({"state": state}) if state else ""))
        else:
            response = pages.message("已退出", "您已安全退出。", status=200)
        pages.clear_cookie(response, LOGOUT_CSRF_COOKIE, path="/oauth", same_site="Strict")
        return pages.clear_cookie(response, signin.SESSION_COOKIE)

    def _logout_target(self, params):
        """The registered post-logout URI asked for; None when none was asked; False when it is not registered."""
        uri = params.get("post_logout_redirect_uri")
        if not uri:
            return None
        client = self.store.find_one(Client, {"_id": str(params.get("client_id") or ""), "status": "active"})
        return uri if client is not None and uri in client.post_logout_redirect_uris else False

    # -- userinfo ---------------------------------------------------------------------------
    @endpoint("GET", "/oauth/userinfo", roles=SIGNED_IN, response={"type": "object"},
              summary="Who the bearer token's person is (OpenID Connect Core §5.3)")
    def userinfo(self, ctx):
        principal = ctx.principal
        info = {"sub": principal.sub, "role": principal.role.value, "org": principal.org, "region": principal.region}
        if principal.role != Roles.CLIENT:
            account = self.store.find_one(Account, {"_id": principal.sub})
            if account is not None:
                info.update(preferred_username=account.username, name=account.display_name)
        return {key: value for key, value in info.items() if value is not None}


def _client_of(request):
    from authlib.oauth2.rfc6749.util import extract_basic_authorization

    client_id, _ = extract_basic_authorization(request.headers)
    return str(client_id or request.form.get("client_id") or "")[:64] or None

