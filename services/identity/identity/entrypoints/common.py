"""What every area of the identity service shares: who is calling (the service verifies its own tokens
with its own keys, and a person's token only while its browser session lives), the OAuth server of a
request, and running an audited change.

``IdentityHelpers`` is the base of every area mixin; the final class (``IdentityService``, a
``PlatformService``) brings ``self.store`` and ``self.runtime``.
"""
import datetime as dt
import functools

from ttp_common import oidc
from ttp_common.auth import Principal
from ttp_common.errors import ApiError, Unauthenticated
from ttp_common.refusals import Refusal

from .. import audit, oauth
from ..documents import BrowserSession, aware
from ..handlers import Caller
from ..handlers.signin import Visitor

AUDIENCES = ("identity", "ttp")


@functools.lru_cache(maxsize=8)
def _verifier(issuer, ring):
    def public_key(kid):
        found = ring.public_key(kid)
        return found.key if found is not None else None

    return oidc.Verifier(oidc.OidcSettings(issuer=issuer, audiences=AUDIENCES), oidc.StaticKeys(public_key))


class IdentityHelpers:
    """Helpers of the identity entrypoints (no entrypoints here)."""

    def principal(self, request):
        header = request.headers.get("Authorization", "").strip()
        if header and not header.lower().startswith("bearer ") and request.path.startswith("/oauth/"):
            return Principal.anonymous()  # client authentication (Basic) is the OAuth endpoints' business
        principal = oidc.authenticate(request, _verifier(self.runtime.settings.issuer, self.runtime.keys))
        sid = getattr(principal, "claims", {}).get("sid")
        if sid is not None:
            session = self.store.find_one(BrowserSession, {"_id": str(sid)})
            now = dt.datetime.now(dt.timezone.utc)
            if session is None or session.ended_at is not None or aware(session.expires_at) <= now:
                raise Unauthenticated("The session of this token has ended")
        return principal

    def visitor(self, request):
        return Visitor(request.remote_addr or "unknown", request.headers.get("User-Agent"))

    def oauth_server(self, now):
        return oauth.build(self.store, self.runtime.keys, self.runtime.settings, self.runtime.secrets, now)

    def audited(self, ctx, action, target_type, target_id, work, *args):
        """Run ``work(uow, *args)`` in a transaction (it writes its own success record); a refusal is
        recorded (outcome ``refused``) and raised again; the success is logged once committed."""
        caller = Caller.of(ctx)
        written = []

        def run(uow, *args):
            uow.written_audit = []  # a retried transaction starts again
            result = work(uow, *args)
            written[:] = uow.written_audit
            return result

        try:
            result = self.store.transact(run, *args, actor=ctx.actor)
        except (Refusal, ApiError) as exc:
            record = audit.entry(action, "refused", at=ctx.now, actor=ctx.actor, user_agent=caller.user_agent,
                                 target_type=target_type, target_id=target_id,
                                 detail={"reason": getattr(exc, "message", str(exc))[:300]})
            audit.write_and_announce(self.store, record)
            raise
        for record in written:
            audit.announce(record)
        return result

