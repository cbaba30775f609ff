"""Plan files of the tests' own for the metrics service (``METRICS_PLANS_DIR``).

Only the 2016-2020 plan has been published (the seed holds 川办发〔2016〕71号 alone), so no successor ships in
services/metrics/metrics/plans/. A test that needs another plan, or a plan in force today (events registered
now count only in a plan whose period holds today), makes one here: the packaged plan's targets and counting
rules over another period.
"""
import datetime as dt
import tempfile
from pathlib import Path

import yaml

from ttp_common import clock
from ttp_common.paths import REPO_ROOT

PACKAGED = REPO_ROOT / "services" / "metrics" / "metrics" / "plans" / "sichuan-2016-2020.yaml"
IN_FORCE = "test-in-force"


def plan_file(key, start, end, **change):
    """The packaged plan's YAML as a dict, as plan ``key`` over ``start``–``end`` (dates or ISO strings)."""
    raw = yaml.safe_load(PACKAGED.read_text("utf-8"))
    raw.update(key=key, period={"start": str(start), "end": str(end)}, **change)
    return raw


def in_force_period(today=None):
    """A period of two years around ``today`` (China's calendar): the test plan ``test-in-force`` covers it."""
    today = today or clock.china_date()
    return today - dt.timedelta(days=365), today + dt.timedelta(days=365)


def plans_dir(*periods, in_force=False):
    """A new directory with the packaged plan and, per (key, start, end), a test plan over that period; with
    ``in_force``, also ``test-in-force`` around today (the one the service then follows by default)."""
    directory = Path(tempfile.mkdtemp(prefix="ttp-metrics-plans-"))
    (directory / PACKAGED.name).write_text(PACKAGED.read_text("utf-8"), encoding="utf-8")
    periods = [*periods, *([(IN_FORCE, *in_force_period())] if in_force else [])]
    for key, start, end in periods:
        (directory / f"{key}.yaml").write_text(yaml.safe_dump(plan_file(key, start, end), allow_unicode=True),
                                               encoding="utf-8")
    return directory
