"""The platform's services: HTTP port variable and default port, and the nameko class each runs.

Imports nothing (the test plugin reads it before the root conftest monkey-patches eventlet).
When adding a service, add it here, to SERVICES in the Makefile, and to deploy/ (see README).
"""
SERVICES = {  # name -> (HTTP port env var, default port)
    "registry": ("REGISTRY_PORT", 8101),
    "transactions": ("TRANSACTIONS_PORT", 8102),
    "finance": ("FINANCE_PORT", 8103),
    "talent": ("TALENT_PORT", 8104),
    "metrics": ("METRICS_PORT", 8105),
    "identity": ("IDENTITY_PORT", 8106),
    "innovation": ("INNOVATION_PORT", 8107),
    "delivery": ("DELIVERY_PORT", 8108),
    "portal": ("PORTAL_PORT", 8100),
}
SERVICE_CLASSES = {
    "registry": "registry.service:RegistryService",
    "transactions": "transactions.service:TransactionsService",
    "finance": "finance.service:FinanceService",
    "talent": "talent.service:TalentService",
    "metrics": "metrics.service:MetricsService",
    "identity": "identity.service:IdentityService",
    "innovation": "innovation.service:InnovationService",
    "delivery": "delivery.service:DeliveryService",
    "portal": "portal.service:PortalService",
}
# Services that serve pages to people rather than a JSON API of their own: launched with the others, but not
# among the services the platform's API contract tests go through (ttp_testing's ``platform_service``).
PAGE_SERVICES = frozenset({"portal"})
