"""Plans of the tests' own as validated models (the files: ``ttp_testing.plans``)."""
from ttp_testing.plans import plan_file

from metrics.plan import Plan


def test_plan(key, start, end, **change):
    """The packaged plan's targets and counting rules as plan ``key`` over ``start``–``end``."""
    return Plan.model_validate(plan_file(key, start, end, **change))


test_plan.__test__ = False  # not a test, though the modules that import it are collected
