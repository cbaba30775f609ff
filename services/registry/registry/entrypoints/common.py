"""What more than one area of the registry's entrypoints shares: who may call, and who the service is when
it acts by itself."""
import os

from ttp_common.auth import Roles
from ttp_common.events import Actor

SYSTEM = Actor(sub="service:registry", role="system")  # for changes the service makes by itself
OVERDUE_CHECK_SECONDS = float(os.environ.get("OVERDUE_CHECK_SECONDS", 3600))  # plan projects, annual reports

INSTITUTIONS = (Roles.INSTITUTION, Roles.ADMIN)  # an institution for its own organization, admins
REVIEWERS = (Roles.REVIEWER, Roles.ADMIN)        # a reviewer within their region, admins
# An achievement's lifecycle actions, at the role check: which side may take each is the transition table's
# (registry.achievements.TRANSITIONS), checked against the record.
LIFECYCLE = (Roles.INSTITUTION, Roles.REVIEWER, Roles.ADMIN)
