"""The finance service's entrypoints, one mixin per area: transformation projects, the financing pool,
investors and funds, deals, subsidies, roadshows, eligibility, the consumers of other services' events and
RPC. Thin: they declare the operation and call the service layer (``finance.handlers``)."""
