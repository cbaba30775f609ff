"""The finance service's own dependency providers."""
from nameko.extensions import DependencyProvider

from . import subsidies


class SubsidyRules(DependencyProvider):
    """The per-year subsidy rules (``rules/<year>.yaml`` or ``SUBSIDY_RULES_DIR``), validated at start-up."""

    def setup(self):
        self.rules = subsidies.load_rules(self.container.config.get("SUBSIDY_RULES_DIR") or subsidies.RULES_DIR)

    def get_dependency(self, worker_ctx):
        return self.rules
