"""How events move the plan's figures, and progress against the targets: no server needed."""
import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest
import yaml
from pydantic import ValidationError

from ttp_common.money import from_fen, to_fen

from metrics.handlers.projection import CONSUMED_EVENTS
from metrics.plan import PLANS_DIR, Plan, check_consumed, followed, load_plan, load_plans
from metrics.progress import effective_date, elapsed_fraction, increments, indicators, progress

from ttp_testing.plans import plan_file

from _plans import test_plan

PLAN = load_plan()
APPROVED = "finance.transformation_project.approved.v1"
LEGACY = "finance.project.approved.v1"
CONTRACT = "transactions.contract.registered.v1"
T2018 = dt.datetime(2018, 6, 1, 4, tzinfo=dt.timezone.utc)


def contract(amount, turnover, region="510100", contract_type="transfer", programme=None):
    return {"contract_id": "c", "registration_number": "5101002020000001", "contract_type": contract_type,
            "contract_amount": Decimal(amount), "technology_transaction_amount": Decimal(turnover),
            "seller_organization_id": "o", "region_code": region, "registered_at": T2018, "programme": programme}


def project(category, programme=1, region="510700", department="科技厅", approved_at=T2018):
    return {"project_id": "p", "title": "t", "category": category, "programme": programme, "region_code": region,
            "organization_id": "o", "responsible_department": department, "budget": Decimal("1.00"),
            "approved_at": approved_at}


def apply(events):
    """Counter values after the events, as the consumer's $inc would leave them."""
    counters = Counter()
    for name, data, *when in events:
        counters.update(increments(PLAN, name, data, when[0] if when else None))
    return dict(counters)


def row(rows, key):
    return next(r for r in rows if r["key"] == key)


def breakdown(target, dimension, field, bucket):
    return next(b["value"] for b in target["breakdowns"][dimension] if b[field] == bucket)


def test_the_plans_headline_targets_are_data():
    goals = {t.key: (t.goal, t.unit) for t in PLAN.targets}
    assert goals == {
        "transformation_projects": (Decimal(2000), "count"),
        "major_transformation_projects": (Decimal(500), "count"),
        "promoted_technologies": (Decimal(1500), "count"),
        "service_institutions": (Decimal(1000), "count"),
        "contract_turnover_yuan": (Decimal("200000000000"), "yuan"),
        "contract_amount_yuan": (Decimal("200000000000"), "yuan"),
    }
    assert (PLAN.period.start, PLAN.period.end) == (dt.date(2016, 1, 1), dt.date(2020, 12, 31))
    assert len(PLAN.programmes) == 15 and PLAN.programmes[14] == "军民融合科技成果转化专项"


LATER_PLAN = test_plan("test-2021-2025", "2021-01-01", "2025-12-31")


def test_a_successor_plan_is_a_data_file_that_counts_only_its_own_period():
    raw = plan_file("test-2021-2025", "2021-01-01", "2025-12-31")
    raw["targets"] = [{**raw["targets"][3], "goal": 1500}]
    successor = Plan.model_validate(raw)
    accredited = {"organization_id": "o", "region_code": "510100", "accredited_at": T2018}
    assert increments(successor, "registry.organization.accredited.v1", accredited) == {}
    inc = increments(successor, "registry.organization.accredited.v1",
                     {**accredited, "effective_date": dt.date(2023, 3, 1)})
    assert inc["service_institutions"] == 1 and inc["service_institutions|year=2023"] == 1
    rows = progress(successor, inc, dt.date(2023, 7, 2))
    assert [r["key"] for r in rows] == ["service_institutions"] and rows[0]["goal"] == 1500


def test_a_contract_dated_inside_2016_2020_counts_there_and_not_in_a_plan_that_starts_in_2021():
    registered_in_2020 = {**contract("10.00", "8.00"), "registered_at": dt.datetime(2026, 12, 2, tzinfo=dt.timezone.utc),
                          "effective_date": dt.date(2020, 12, 31)}
    assert increments(PLAN, CONTRACT, registered_in_2020)["contract_turnover_fen|year=2020"] == 800
    assert increments(LATER_PLAN, CONTRACT, registered_in_2020) == {}
    registered_in_2021 = {**registered_in_2020, "effective_date": dt.date(2021, 1, 1)}
    assert increments(PLAN, CONTRACT, registered_in_2021) == {}
    assert increments(LATER_PLAN, CONTRACT, registered_in_2021)["contract_turnover_fen"] == 800


def test_the_effective_date_wins_and_old_events_fall_back_to_their_timestamp_in_chinas_calendar():
    source = PLAN.targets[0].sources[0]
    late_evening = dt.datetime(2020, 12, 31, 16, 30, tzinfo=dt.timezone.utc)  # 1 January 2021 in Sichuan
    assert effective_date(source, {"approved_at": late_evening, "effective_date": dt.date(2019, 5, 1)}) == \
        dt.date(2019, 5, 1)
    assert effective_date(source, {"approved_at": late_evening}) == dt.date(2021, 1, 1)
    assert effective_date(source, {"approved_at": late_evening, "effective_date": None}) == dt.date(2021, 1, 1)
    assert effective_date(source, {"effective_date": 17532}) == dt.date(2018, 1, 1)  # Avro date: days since 1970
    assert effective_date(source, {"effective_date": late_evening}) == dt.date(2021, 1, 1)  # a timestamp: China's day
    assert effective_date(source, {}, T2018) == dt.date(2018, 6, 1)  # neither: the CloudEvents time
    assert effective_date(source, {}) is None
    assert increments(PLAN, APPROVED, project("major", approved_at=late_evening)) == {}  # after the period
    assert increments(PLAN, "talent.person.registered.v1", {"person_id": "p"}) == {}  # undated: counted nowhere


def test_the_period_includes_its_first_and_last_days():
    for day, counted in ((dt.date(2015, 12, 31), False), (dt.date(2016, 1, 1), True),
                         (dt.date(2020, 12, 31), True), (dt.date(2021, 1, 1), False)):
        inc = increments(PLAN, APPROVED, {**project("major"), "effective_date": day})
        assert ("transformation_projects" in inc) is counted, day


def test_a_plan_is_upcoming_in_force_or_ended():
    assert [PLAN.status(dt.date(*d)) for d in ((2015, 12, 31), (2016, 1, 1), (2020, 12, 31), (2021, 1, 1))] == \
        ["upcoming", "in_force", "in_force", "ended"]


def test_an_ended_plan_shows_its_final_figures_and_whether_each_goal_was_met_never_behind():
    events = [(APPROVED, project("major"))] * 600 + [(CONTRACT, contract("10.00", "8.00"))]
    rows = progress(PLAN, apply(events), dt.date(2026, 12, 2))
    for r in rows:
        assert r["behind"] is False and r["expected"] == r["goal"]
    major = row(rows, "major_transformation_projects")
    assert (major["value"], major["met"], major["pace"]) == (600, True, 1.2)
    assert (row(rows, "transformation_projects")["met"], row(rows, "contract_turnover_yuan")["met"]) == (False, False)
    during = row(progress(PLAN, apply(events), dt.date(2020, 6, 30)), "transformation_projects")
    assert during["behind"] is True and during["met"] is False


def test_the_followed_plan_is_the_configured_one_else_the_one_in_force(tmp_path):
    plans = (PLAN, LATER_PLAN)
    assert followed(plans, dt.date(2018, 1, 1)) is PLAN
    assert followed(plans, dt.date(2023, 1, 1)) is LATER_PLAN
    assert followed(plans, dt.date(2030, 1, 1)) is LATER_PLAN  # none in force: the latest that has begun
    assert followed(plans, dt.date(2010, 1, 1)) is PLAN  # none begun: the first to come
    assert followed(plans, dt.date(2023, 1, 1), "sichuan-2016-2020") is PLAN
    assert followed(plans, dt.date(2023, 1, 1), "sichuan-2016-2020.yaml") is PLAN
    with pytest.raises(ValueError, match="names none of the plans"):
        followed(plans, dt.date(2023, 1, 1), "sichuan-2031-2035")


def test_a_plan_counting_an_event_the_projection_does_not_consume_is_refused():
    check_consumed((PLAN, LATER_PLAN), CONSUMED_EVENTS)
    raw = plan_file("test-2021-2025", "2021-01-01", "2025-12-31")
    raw["targets"][0]["sources"][0]["event"] = "innovation.facility.shared.v1"
    with pytest.raises(ValueError, match=r"does not consume: \['innovation.facility.shared.v1'\]"):
        check_consumed((PLAN, Plan.model_validate(raw)), CONSUMED_EVENTS)


def test_every_file_of_the_plans_directory_is_a_plan_named_by_its_key(tmp_path):
    for raw in (plan_file("b-2021-2025", "2021-01-01", "2025-12-31"), plan_file("a-2026-2030", "2026-01-01",
                                                                                 "2030-12-31")):
        (tmp_path / f"{raw['key']}.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    assert [p.key for p in load_plans(tmp_path)] == ["b-2021-2025", "a-2026-2030"]  # by their periods
    assert [p.key for p in load_plans()] == ["sichuan-2016-2020"]
    (tmp_path / "misnamed.yaml").write_text(yaml.safe_dump(plan_file("c", "2031-01-01", "2035-12-31"),
                                                           allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match="must be named c.yaml"):
        load_plans(tmp_path)
    with pytest.raises(ValueError, match="no plan files"):
        load_plans(tmp_path / "empty")


@pytest.mark.parametrize("change, message", [
    ({"period": {"start": "2020-01-01", "end": "2016-01-01"}}, "end after it starts"),
    ({"targets": [{"key": "x", "label": "x", "unit": "yuan", "goal": 1, "sources": [{"event": CONTRACT}]}]},
     "sums an amount"),
    ({"targets": [{"key": "x", "label": "x", "unit": "count", "goal": 0, "sources": [{"event": CONTRACT}]}]},
     "greater than 0"),
    ({"targets": [{"key": "x", "label": "x", "unit": "count", "goal": 1, "sources": [{"event": "nope"}]}]},
     "v<N>"),
    ({"surprise": 1}, "Extra inputs"),
])
def test_a_broken_plan_file_is_refused_at_start(change, message):
    raw = yaml.safe_load((PLANS_DIR / "sichuan-2016-2020.yaml").read_text("utf-8"))
    with pytest.raises(ValidationError, match=message):
        Plan.model_validate({**raw, **change})


def test_fen_conversion_is_exact_and_refuses_fractions_of_a_fen():
    assert to_fen(Decimal("0.01")) == 1
    assert to_fen(Decimal("199999999999.99")) == 19_999_999_999_999
    assert from_fen(3) == Decimal("0.03") and str(from_fen(3)) == "0.03"
    for amount in ("0.001", "0.005", "12.345"):  # never silently rounded
        with pytest.raises(ValueError):
            to_fen(Decimal(amount))
        with pytest.raises(ValueError):  # nor when an event carries it
            increments(PLAN, CONTRACT, contract(amount, "1.00"))


def test_registration_alone_does_not_count_as_a_service_institution():
    inc = increments(PLAN, "registry.organization.registered.v1",
                     {"organization_id": "o", "kind": "service_institution", "region_code": "510700"}, T2018)
    assert inc == {"organizations_registered": 1, "organizations_registered|region=510700": 1,
                   "organizations_registered|year=2018": 1}


def test_an_accreditation_counts_towards_the_target_and_a_revocation_takes_it_back():
    accredited = increments(PLAN, "registry.organization.accredited.v1",
                            {"organization_id": "o", "region_code": "510700", "accredited_at": T2018})
    revoked = increments(PLAN, "registry.organization.accreditation_revoked.v1",
                         {"organization_id": "o", "region_code": "510700", "reason": "x",
                          "revoked_at": dt.datetime(2019, 1, 1, tzinfo=dt.timezone.utc)})
    assert accredited == {"service_institutions": 1, "service_institutions|year=2018": 1,
                          "service_institutions|region=510700": 1}
    assert revoked == {"service_institutions": -1, "service_institutions|year=2019": -1,
                       "service_institutions|region=510700": -1}


def test_each_accredited_unit_of_a_university_counts_as_an_institution_and_old_events_as_before():
    """四(三)2: a university's transfer units (技术转移机构) count one each; events without ``unit`` (published before
    the field existed, or a service institution's own) count one, as they always did."""
    university = {"organization_id": "u", "region_code": "510100", "accredited_at": T2018}
    totals = {}
    for data in ({**university, "unit": "四川大学技术转移中心"}, {**university, "unit": "华西医学转化中心"},
                 {"organization_id": "o", "region_code": "510700", "accredited_at": T2018}):
        for counter, amount in increments(PLAN, "registry.organization.accredited.v1", data).items():
            totals[counter] = totals.get(counter, 0) + amount
    revoked = increments(PLAN, "registry.organization.accreditation_revoked.v1",
                         {"organization_id": "u", "region_code": "510100", "reason": "撤并", "unit": "华西医学转化中心",
                          "revoked_at": dt.datetime(2019, 1, 1, tzinfo=dt.timezone.utc)})
    assert totals["service_institutions"] == 3 and totals["service_institutions|region=510100"] == 2
    assert revoked["service_institutions"] == -1 and revoked["service_institutions|region=510100"] == -1


def test_a_contract_counts_both_amounts_by_region_type_programme_and_year():
    inc = increments(PLAN, CONTRACT, contract("1000.50", "800.25", region="511300", programme=3))
    assert inc["contract_turnover_fen"] == 80025 and inc["contract_amount_fen"] == 100050
    assert inc["contract_turnover_fen|region=511300"] == 80025
    assert inc["contract_turnover_fen|contract_type=transfer"] == 80025
    assert inc["contract_turnover_fen|programme=3"] == 80025
    assert inc["contract_turnover_fen|year=2018"] == 80025
    assert inc["contracts_registered"] == 1


def test_unknown_labels_fall_into_other_so_label_sets_stay_bounded():
    inc = increments(PLAN, CONTRACT, contract("1.00", "1.00", region="110000", contract_type="barter"))
    assert inc["contract_turnover_fen|region=other"] == 100
    assert inc["contract_turnover_fen|contract_type=other"] == 100
    assert not any("programme" in key for key in inc)  # no programme: not in that breakdown


@pytest.mark.parametrize("name", [APPROVED, LEGACY])
@pytest.mark.parametrize("category, counter", [("major", "major_transformation_projects"),
                                               ("promoted", "promoted_technologies")])
def test_an_approved_project_counts_in_total_category_programme_region_and_department(name, category, counter):
    data = project(category, programme=15)
    if name == LEGACY:
        del data["approved_at"], data["budget"]
    inc = increments(PLAN, name, data, dt.datetime(2017, 3, 1, tzinfo=dt.timezone.utc))
    year = "2018" if name == APPROVED else "2017"  # the deprecated event has no approved_at: its event time
    for key in ("transformation_projects", counter):
        assert inc[key] == 1 and inc[f"{key}|programme=15"] == 1 and inc[f"{key}|region=510700"] == 1
        assert inc[f"{key}|department=科技厅"] == 1 and inc[f"{key}|year={year}"] == 1
    other = ({"major_transformation_projects", "promoted_technologies"} - {counter}).pop()
    assert other not in inc


def test_the_year_is_beijing_time():
    new_year_in_beijing = dt.datetime(2017, 12, 31, 16, 30, tzinfo=dt.timezone.utc)
    inc = increments(PLAN, APPROVED, project("major", approved_at=new_year_in_beijing))
    assert inc["transformation_projects|year=2018"] == 1


def test_people_are_counted_and_unrelated_events_change_nothing():
    assert increments(PLAN, "talent.person.registered.v1", {"person_id": "p", "kinds": ["broker"]}, T2018) == \
        {"people_registered": 1, "people_registered|year=2018": 1}
    assert increments(PLAN, "metrics.task.updated.v1", {"task_id": "t"}) == {}


def test_point_one_plus_point_two_yuan_is_exactly_point_three():
    counters = apply([(CONTRACT, contract("0.10", "0.10")), (CONTRACT, contract("0.20", "0.20"))])
    turnover = row(progress(PLAN, counters, dt.date(2018, 1, 1)), "contract_turnover_yuan")
    assert turnover["value"] == Decimal("0.30") and str(turnover["value"]) == "0.30"


def test_many_small_amounts_sum_exactly():
    counters = apply([(CONTRACT, contract("0.01", "0.01"))] * 10_000)
    assert row(progress(PLAN, counters, dt.date(2018, 1, 1)), "contract_turnover_yuan")["value"] == Decimal("100.00")


def test_the_linear_path_runs_from_the_first_to_the_last_day_of_the_period():
    assert elapsed_fraction(PLAN.period, dt.date(2015, 12, 31)) == 0
    assert elapsed_fraction(PLAN.period, dt.date(2020, 12, 31)) == 1
    assert elapsed_fraction(PLAN.period, dt.date(2030, 1, 1)) == 1
    halfway = elapsed_fraction(PLAN.period, dt.date(2018, 7, 2))  # day 914 of 1827
    assert halfway == Decimal(914) / Decimal(1827)


def test_progress_has_goal_value_ratio_expected_and_breakdowns():
    events = ([(APPROVED, project("major", programme=1, region="510100"))] * 3
              + [(APPROVED, project("promoted", programme=2, department="农业厅"))]
              + [(CONTRACT, contract("150000000000.00", "100000000000.00"))])
    rows = progress(PLAN, apply(events), dt.date(2018, 7, 2))
    assert [r["key"] for r in rows] == [t.key for t in PLAN.targets]
    projects = row(rows, "transformation_projects")
    assert projects["value"] == 4 and projects["ratio"] == 4 / 2000
    assert projects["expected"] == 1001 and projects["behind"] is True  # 2000 x 914/1827, rounded
    assert [b["code"] for b in projects["breakdowns"]["region"]][:2] == ["510100", "510300"]
    assert len(projects["breakdowns"]["region"]) == 21 and len(projects["breakdowns"]["programme"]) == 15
    assert breakdown(projects, "region", "code", "510100") == 3
    assert breakdown(projects, "region", "code", "510700") == 1
    assert breakdown(projects, "programme", "programme", 2) == 1
    assert projects["breakdowns"]["department"] == [{"department": "农业厅", "value": 1},
                                                    {"department": "科技厅", "value": 3}]
    assert projects["breakdowns"]["year"] == [{"year": 2018, "value": 4}]
    assert "contract_type" not in projects["breakdowns"]
    turnover = row(rows, "contract_turnover_yuan")  # 技术交易额, not the contract amount
    assert turnover["value"] == Decimal("100000000000.00") and turnover["ratio"] == 0.5
    assert turnover["expected"] == Decimal("100054734537.49") and turnover["behind"] is True
    assert breakdown(turnover, "contract_type", "contract_type", "transfer") == Decimal("100000000000.00")
    assert row(rows, "contract_amount_yuan")["value"] == Decimal("150000000000.00")
    assert row(rows, "contract_amount_yuan")["behind"] is False


def test_progress_of_nothing_is_zero_everywhere_and_indicators_have_no_goal():
    for r in progress(PLAN, {}, dt.date(2015, 1, 1)):
        assert r["value"] == 0 and r["ratio"] == 0 and r["expected"] == 0 and r["pace"] is None
        assert r["behind"] is False
    assert [(i["key"], i["value"]) for i in indicators(PLAN, {})] == [
        ("organizations_registered", 0), ("contracts_registered", 0), ("verified_technical_income_yuan", 0),
        ("people_registered", 0), ("achievements_published", 0), ("achievements_registered", 0),
        ("certified_brokers", 0), ("transfer_posts", 0),
        ("talent_programme_participants", 0)]
