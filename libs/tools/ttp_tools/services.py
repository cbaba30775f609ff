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
}
SERVICE_CLASSES = {
    "registry": "registry.service:RegistryService",
    "transactions": "transactions.service:TransactionsService",
    "finance": "finance.service:FinanceService",
    "talent": "talent.service:TalentService",
    "metrics": "metrics.service:MetricsService",
    "identity": "identity.service:IdentityService",
    "innovation": "innovation.service:InnovationService",
}
