"""The talent service layer: the work of each write, as plain functions over a unit of work, and the reads
more than one entrypoint needs, as functions over a repository (the unit of work or ``self.store``).

Entrypoints (``talent.entrypoints``) call the writes inside ``store.transact``; the rules they apply live in
the pure modules named after their subject (``talent.people``, ``talent.training``, ``talent.certification``,
``talent.performance``, ``talent.experts``, ``talent.rewards``). Handler unit tests run them against
``ttp_testing.fakes.FakeUnitOfWork``.
"""
