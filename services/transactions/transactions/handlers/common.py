"""What the areas of the service layer share: who the service is when it acts by itself, the organization a
caller acts for, and the refusal of a problem a rule found."""
from ttp_common import auth
from ttp_common.events import Actor
from ttp_common.refusals import Invalid

SYSTEM = Actor(sub="service:transactions", role="system")  # for changes the service makes by itself


def acting_org(principal):
    """The organization the caller acts for, as records and events name it: None for an admin."""
    return None if principal.role == auth.Roles.ADMIN else principal.org


def invalid_if(problem):
    """Refuse the input (400, naming the field) when a rule found a ``problem``, (field, message); else nothing."""
    if problem:
        field, message = problem
        raise Invalid(message, field=field)
