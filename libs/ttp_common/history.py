"""Loading an earlier system's records (历史数据): the same loop for every owning service's history endpoint."""


def load_rows(store, rows, read, handler, *args, actor):
    """``{"results": [...]}``, one per row in order: ``{"row", "status": "rejected", "errors"}`` when ``read(raw)``
    finds errors, otherwise what ``handler(uow, row, *args)`` answers in a transaction of the row's own (so one bad
    or conflicting row never holds back the others, and a re-run finds each loaded row as it left it)."""
    results = []
    for number, raw in enumerate(rows):
        row, errors = read(raw)
        outcome = {"status": "rejected", "errors": errors} if errors else store.transact(handler, row, *args,
                                                                                         actor=actor)
        results.append({"row": number, **outcome})
    return {"results": results}
