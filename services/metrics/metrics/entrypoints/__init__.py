"""The metrics service's entrypoints, one mixin per area: progress against the plan's targets, the task
ledger, annual-report compliance, the pipeline's freshness and the projection (the consumer of every
service's events). ``metrics.service.MetricsService`` composes them."""
