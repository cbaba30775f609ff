"""Browser sessions: listing one's own, ending one (its refresh tokens with it), ending all of an account's
(disable, role change, password reset, lock)."""
from ttp_common.refusals import NotFound, TransitionRefused

from .. import audit
from ..documents import BrowserSession, RefreshToken


def end_session(repo, session_id, at, reason):
    """End one session and revoke every refresh token issued through it; False when it had ended."""
    ended = repo.update(BrowserSession, {"_id": session_id, "ended_at": None},
                        {"$set": {"ended_at": at, "end_reason": reason}})
    repo.update(RefreshToken, {"session_id": session_id, "revoked_at": None}, {"$set": {"revoked_at": at}}, many=True)
    return bool(ended)


def end_all_sessions(repo, account_id, at, reason, keep=None):
    query = {"account_id": account_id, "ended_at": None} | ({"_id": {"$ne": keep}} if keep else {})
    repo.update(BrowserSession, query, {"$set": {"ended_at": at, "end_reason": reason}}, many=True)
    tokens = {"account_id": account_id, "revoked_at": None} | ({"session_id": {"$ne": keep}} if keep else {})
    repo.update(RefreshToken, tokens, {"$set": {"revoked_at": at}}, many=True)


def revoke_own(uow, session_id, caller, at):
    """The caller ends one of their own sessions."""
    session = uow.find_one(BrowserSession, {"_id": str(session_id), "account_id": caller.principal.sub})
    if session is None:
        raise NotFound("no such session")
    if session.ended_at is not None:
        raise TransitionRefused("the session has ended already")
    end_session(uow, session.id, at, "revoked by its owner")
    audit.write(uow, audit.entry("session.revoke", "success", at=at, actor=caller.actor, user_agent=caller.user_agent,
                                 target_type="session", target_id=session.id))
    return uow.get(BrowserSession, session.id)
