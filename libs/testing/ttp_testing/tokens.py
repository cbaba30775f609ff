"""Bearer tokens for tests, signed with the secret the test services are configured with.

    token("admin")                        an administrator (sub test-admin)
    institution("org-1")                  a clerk of organization org-1 (sub clerk-org-1)
    reviewer("510100")                    the reviewer of Chengdu (sub reviewer-510100)
    token("admin", secret="another-…")    forged; ``ttl_seconds=-120``: expired

``ServiceApi.token/admin/institution/reviewer`` are the same with the service's secret.
"""
TEST_JWT_SECRET = "test-secret-of-at-least-32-bytes-long"


def token(role, sub=None, *, secret=TEST_JWT_SECRET, **claims):
    """A token of ``role`` for ``sub`` (default ``test-<role>``); ``claims``: ``org``, ``region``, ``ttl_seconds``."""
    from ttp_common.auth import mint_token

    return mint_token(sub or f"test-{role}", role, secret=secret, **claims)


def admin(sub=None, **claims):
    return token("admin", sub, **claims)


def institution(org, sub=None, **claims):
    """A clerk of ``org`` (an institution token scoped to that organization)."""
    return token("institution", sub or f"clerk-{org}", org=org, **claims)


def reviewer(region, sub=None, **claims):
    """The reviewer of ``region`` (a GB/T 2260 code: a city's queue, or the province's)."""
    return token("reviewer", sub or f"reviewer-{region}", region=region, **claims)
