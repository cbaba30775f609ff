"""The one rule of the market's state machines (listings, demands, matches, contracts): an action is allowed
from some states and leads to one. Each subject's module holds its table, ``{action: (allowed from, to)}``."""
from ttp_common.refusals import TransitionRefused


def transition(table, action, status):
    """The state ``action`` leads to from ``status``; ``TransitionRefused`` (409) naming both when not allowed."""
    allowed, target = table[action]
    if status not in allowed:
        raise TransitionRefused(f"cannot {action} when {status}")
    return target
