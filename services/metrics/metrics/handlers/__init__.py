"""The metrics service's service layer: the work of each write, as plain functions over a unit of work.

``tasks``: an administrator's update of a ledger task; ``projection``: what one consumed event changes
in the read models. Entrypoints (``metrics.entrypoints``) run them inside ``store.transact``, the rebuild
CLI runs the projection in its own transactions; the rules they apply are in the pure modules
(``metrics.progress``, ``metrics.ledger``, ``metrics.compliance``). Handler unit tests run them against
``ttp_testing.FakeUnitOfWork``.
"""
