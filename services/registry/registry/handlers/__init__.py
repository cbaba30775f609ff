"""The registry's service layer: the work of each write, as plain functions over a unit of work.

Entrypoints (``registry.entrypoints``) call these inside ``store.transact``; the rules they apply live in
the pure modules named after their subject (``registry.organizations``, ...). Handler unit tests run them
against ``ttp_testing.FakeUnitOfWork``. ``access`` says who may act on, or see, a record of an organization
and a region.
"""
