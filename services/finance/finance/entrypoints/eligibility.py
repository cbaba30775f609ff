"""What the replica of other services' events knows of an organization: IP pledge eligibility and its
grounds (the replica itself is kept by ``finance.entrypoints.replica``)."""
from ttp_common.endpoints import SIGNED_IN, endpoint

from ..documents import OrganizationFacts


class EligibilityEntrypoints:
    """IP pledge eligibility."""

    @endpoint("GET", "/api/v1/organizations/<string:organization_id>/eligibility", roles=SIGNED_IN,
              response="Eligibility",
              summary="IP pledge eligibility from the replica of registry and transactions events")
    def eligibility(self, ctx, organization_id):
        facts = self.store.find_one(OrganizationFacts, {"_id": str(organization_id)})
        if facts is None:
            facts = OrganizationFacts(id=str(organization_id))
        return {"organization_id": facts.id, "ip_pledge_eligible": facts.ip_pledge_eligible,
                "registered_contract_ids": list(facts.registered_contract_ids),
                "published_achievement_ids": list(facts.published_achievement_ids)}
