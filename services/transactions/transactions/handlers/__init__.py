"""The transactions service's service layer: the work of each write, as plain functions over a unit of work.

Entrypoints (``transactions.entrypoints``) call these inside ``store.transact``; the rules they apply live in
the pure modules named after their subject (``transactions.listings``, ``demands``, ``matches``, ``auctions``,
``contracts``, ``valuation``, ``consultations``). A few functions run several transactions and so take the
store instead of a unit of work (``auctions.bid``, ``auctions.close``, ``clock.close_due``). Handler unit
tests run them against ``ttp_testing.FakeUnitOfWork``.
"""
