"""The portal's own database holds only browser sessions (it owns no domain data)."""
from mongoengine import DateTimeField, DictField, Document, StringField


class BrowserSession(Document):
    """A browser's session: ``id`` is the SHA-256 of the cookie's key (``portal.sessions``)."""

    meta = {"collection": "sessions", "indexes": [{"fields": ["expires_at"], "expireAfterSeconds": 0}]}

    id = StringField(primary_key=True)
    started_at = DateTimeField(required=True)
    last_seen_at = DateTimeField(required=True)
    expires_at = DateTimeField(required=True)  # the database drops it then (sessions.ends_at, checked on read too)
    csrf_token = StringField(required=True)
    # during a sign-in: the OAuth state, the PKCE verifier and where to go afterwards
    state = StringField()
    code_verifier = StringField()
    next_path = StringField()
    # once signed in
    user = DictField()
    access_token = StringField()
    refresh_token = StringField()
    access_expires_at = DateTimeField()


DOCUMENTS = (BrowserSession,)
