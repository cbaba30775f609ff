"""The finance service layer: the work of each write, as plain functions over a unit of work.

Entrypoints (``finance.entrypoints``) call these inside ``store.transact``; the rules they apply live in the
pure modules named after their subject (``finance.projects``, ``finance.pool``, ``finance.subsidies``).
Handler unit tests run them against ``ttp_testing.fakes.FakeUnitOfWork``. ``replace_unchanged`` is the guarded
replace the finance writes share.
"""
from ttp_common.refusals import TransitionRefused


def replace_unchanged(uow, document, expected, refusal):
    """Replace ``document`` if it still has the prior state ``expected``, else refuse (409) with ``refusal``.

    A cheap safety net, not what settles races: the work runs in a snapshot transaction, so a concurrent writer
    makes the loser's write a WriteConflict and its whole work re-runs on fresh reads (and is refused by the rule
    it then breaks); within the snapshot this filter always matches. It costs one filter and still holds should a
    read ever be made outside the session (stale). The races themselves: test_pool_api's concurrent tests."""
    if not uow.replace(document, expected=expected):
        raise TransitionRefused(refusal)
