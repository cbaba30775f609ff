"""The innovation service layer: the work of each write, as plain functions over a unit of work.

Entrypoints (``innovation.entrypoints``) call these inside ``store.transact``; the rules they apply live in
``innovation.facilities`` and ``innovation.incubation``. Handler unit tests run them against
``ttp_testing.fakes.FakeUnitOfWork``.
"""
from ttp_common.refusals import TransitionRefused


def replace_unchanged(uow, document, expected, refusal):
    """Replace ``document`` if it still has the prior state ``expected``, else refuse (409) with ``refusal``: a
    safety net under the snapshot transaction, in which a concurrent writer makes the loser's work re-run."""
    if not uow.replace(document, expected=expected):
        raise TransitionRefused(refusal)
