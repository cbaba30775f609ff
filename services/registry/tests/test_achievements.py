"""Achievement registration over HTTP against the real local servers, with its events on Kafka."""
import pytest

from ttp_testing import assert_error, header, read_topic

pytestmark = pytest.mark.integration

TOPIC = "ttp.registry.achievement"
ORG = "org-chengdu-university"


def form(**overrides):
    return {
        "title": "高速列车转向架减振技术", "type": "applied", "summary": "面向高速列车转向架的主动减振控制技术。",
        "keywords": ["轨道交通", "减振"], "industry": "轨道交通装备", "programme": 3, "trl": 7,
        "region_code": "510100", "organization_ids": [ORG],
        "contributors": [{"name": "王五", "share": "100"}], "funding": {"fiscal": False},
        "patents": [{"number": "ZL202010000002.3", "kind": "invention", "status": "granted"}], **overrides,
    }


def owner(api):
    return api.token("institution", sub="cdu-clerk", org=ORG)


def reviewer(api, region="510100"):
    return api.token("reviewer", sub=f"reviewer-{region}", region=region)


def act(api, achievement_id, action, token, body=None):
    return api.post(f"/api/v1/achievements/{achievement_id}/{action}", body if body is not None else {}, token=token)


def events(api, achievement_id, expected):
    """The event kinds published for ``achievement_id`` (waits until ``expected`` have arrived)."""
    records = read_topic(api.config["KAFKA_TOPIC_PREFIX"] + TOPIC,
                         lambda r: header(r, "ce_subject") == achievement_id, count=expected)
    return [header(r, "ce_type").rsplit(".", 2)[-2] for r in records], records


def create(api, **overrides):
    response = api.post("/api/v1/achievements", form(**overrides), token=owner(api))
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_the_whole_lifecycle_with_an_event_per_transition(api):
    achievement_id = create(api)
    assert api.get(f"/api/v1/achievements/{achievement_id}").status_code == 404  # a draft is not public

    assert act(api, achievement_id, "submit", owner(api)).json()["status"] == "submitted"
    response = act(api, achievement_id, "return", reviewer(api), {"reasons": ["缺少知识产权证明"]})
    assert response.json()["status"] == "returned" and response.json()["return_reasons"] == ["缺少知识产权证明"]
    edited = api.request("PUT", f"/api/v1/achievements/{achievement_id}", json=form(trl=8), token=owner(api))
    assert edited.status_code == 200 and edited.json()["trl"] == 8
    assert act(api, achievement_id, "submit", owner(api)).status_code == 200
    registered = act(api, achievement_id, "register", reviewer(api)).json()
    assert registered["status"] == "registered"
    number = registered["registration_number"]
    assert len(number) == 12 and number.isdigit() and number.startswith("501")
    published = act(api, achievement_id, "publish", reviewer(api)).json()
    assert published["status"] == "published"

    public = api.get(f"/api/v1/achievements/{achievement_id}")
    assert public.status_code == 200 and public.json()["registration_number"] == number

    kinds, records = events(api, achievement_id, 5)
    assert kinds == ["submitted", "returned", "submitted", "registered", "published"]
    name, data = api.decode(records[-1])
    assert data["registration_number"] == number and data["trl"] == 8
    assert data["patent_numbers"] == ["ZL202010000002.3"] and data["programme"] == 3
    assert header(records[3], "ce_actor") == "reviewer-510100"
    # every completing organization is announced at submission, so reviewers' systems can exclude them
    assert api.decode(records[0])[1]["organization_ids"] == form()["organization_ids"]

    withdrawn = act(api, achievement_id, "withdraw", owner(api), {"reason": "成果已转让，停止公开"})
    assert withdrawn.json()["status"] == "withdrawn"
    assert api.get(f"/api/v1/achievements/{achievement_id}").status_code == 404
    assert events(api, achievement_id, 6)[0][-1] == "withdrawn"


def test_a_transition_from_the_wrong_state_is_409_and_changes_nothing(api):
    achievement_id = create(api)
    outbox_before = api.db["outbox"].count_documents({})
    response = act(api, achievement_id, "publish", reviewer(api))
    assert response.status_code == 409 and "draft" in response.json()["message"]
    assert act(api, achievement_id, "register", reviewer(api)).status_code == 409
    assert api.get(f"/api/v1/achievements/{achievement_id}", token=owner(api)).json()["status"] == "draft"
    assert api.db["outbox"].count_documents({}) == outbox_before  # no event for a refused transition


def test_who_may_act_is_checked(api):
    achievement_id = create(api)
    assert act(api, achievement_id, "submit", None).status_code == 401
    other = api.token("institution", org="another-org")
    assert act(api, achievement_id, "submit", other).status_code == 403
    assert act(api, achievement_id, "submit", reviewer(api)).status_code == 403  # owners submit
    assert act(api, achievement_id, "submit", owner(api)).status_code == 200
    assert act(api, achievement_id, "register", owner(api)).status_code == 403  # reviewers register
    assert act(api, achievement_id, "register", reviewer(api, "510700")).status_code == 403  # another city
    assert act(api, achievement_id, "register", reviewer(api, "510000")).status_code == 200  # the province
    assert api.get(f"/api/v1/achievements/{achievement_id}", token=other).status_code == 404


def test_an_institution_records_only_for_its_own_organization(api):
    response = api.post("/api/v1/achievements", form(organization_ids=["someone-else"]), token=owner(api))
    assert response.status_code == 403


def test_bad_input_names_the_field_and_stores_nothing(api):
    before = api.counts("achievements")
    response = api.post("/api/v1/achievements", form(trl=12), token=owner(api))
    assert response.status_code == 400 and response.json()["fields"][0]["path"] == "trl"
    response = api.post("/api/v1/achievements", form(region_code={"$ne": ""}), token=owner(api))
    assert response.status_code == 400
    assert api.counts("achievements") == before
    achievement_id = create(api)
    assert act(api, achievement_id, "submit", owner(api)).status_code == 200
    response = act(api, achievement_id, "return", reviewer(api), {"reasons": []})
    assert response.status_code == 400 and response.json()["fields"][0]["path"] == "reasons"
    assert act(api, achievement_id, "approve", reviewer(api)).status_code == 404


# -- secrecy (密级) ---------------------------------------------------------------------------

@pytest.mark.parametrize("level", ["secret", "confidential", "top_secret"])
def test_a_classified_achievement_is_a_422_for_the_states_confidential_channels_and_stores_nothing(api, level):
    before = api.counts("achievements")
    body = assert_error(api.post("/api/v1/achievements", form(secrecy=level), token=owner(api)), 422, "classified")
    assert "confidential channels" in body["message"] and [f["path"] for f in body["fields"]] == ["secrecy"]
    achievement_id = create(api)
    edited = api.request("PUT", f"/api/v1/achievements/{achievement_id}", json=form(secrecy=level), token=owner(api))
    assert_error(edited, 422, "classified")
    rows = api.post("/api/v1/achievements/import", {"rows": [{"import_key": f"SEC-{level}", "form": form(secrecy=level)}]},
                    token=owner(api))
    assert rows.status_code == 200, rows.text
    [row] = rows.json()["results"]
    assert row["status"] == "rejected" and [e["path"] for e in row["errors"]] == ["secrecy"]
    assert api.counts("achievements")[0] == before[0] + 1  # only the public draft
    assert api.get(f"/api/v1/achievements/{achievement_id}", token=owner(api)).json()["secrecy"] == "public"


def test_an_internal_achievement_is_registered_but_no_event_on_the_topic_carries_its_text(api):
    """Read the raw Kafka records: none has the title, summary, keywords or contributors, in any field or header."""
    text = {"title": "内部成果甲型涡轮叶片冷却", "summary": "内部成果：一种涡轮叶片气膜冷却孔的加工方法与参数。",
            "keywords": ["涡轮叶片内部", "气膜冷却内部"], "contributor": "赵内部"}
    achievement_id = create(api, title=text["title"], summary=text["summary"], keywords=text["keywords"],
                            contributors=[{"name": text["contributor"], "share": "100"}], secrecy="internal")
    assert act(api, achievement_id, "submit", owner(api)).status_code == 200
    assert act(api, achievement_id, "return", reviewer(api), {"reasons": [f"{text['title']}缺少测试报告"]}).status_code == 200
    assert act(api, achievement_id, "submit", owner(api)).status_code == 200
    assert act(api, achievement_id, "register", reviewer(api)).json()["status"] == "registered"
    assert_error(act(api, achievement_id, "publish", reviewer(api)), 409, "conflict")
    seen = api.get(f"/api/v1/achievements/{achievement_id}", token=owner(api)).json()
    assert seen["title"] == text["title"] and seen["secrecy"] == "internal"  # its owner reads it all
    assert api.get(f"/api/v1/achievements/{achievement_id}").status_code == 404  # never public
    assert api.get("/api/v1/achievements", params={"q": "涡轮叶片"}).json()["items"] == []  # never searchable
    assert act(api, achievement_id, "withdraw", owner(api), {"reason": f"{text['title']}已转让"}).status_code == 200

    kinds, records = events(api, achievement_id, 5)
    assert kinds == ["submitted", "returned", "submitted", "registered", "withdrawn"]
    words = [text["title"], text["summary"], text["contributor"], *text["keywords"], "涡轮叶片", "内部成果"]
    for record in records:
        raw = record.value + b"".join(value or b"" for _, value in record.headers)
        assert not [w for w in words if w.encode() in raw], header(record, "ce_type")
    submitted = api.decode(records[0])[1]
    assert submitted["title"] == "" and submitted["secrecy"] == "internal" and submitted["organization_ids"] == [ORG]
    assert api.decode(records[1])[1]["reasons"] == [] and api.decode(records[4])[1]["reason"] == ""
    public = create(api)  # a public one is still announced in full
    assert act(api, public, "submit", owner(api)).status_code == 200
    [record] = events(api, public, 1)[1]
    assert api.decode(record)[1]["title"] == form()["title"] and api.decode(record)[1]["secrecy"] == "public"


# -- listings: an organization's own achievements, a reviewer's queue ------------------------

def test_an_institution_lists_its_own_achievements_drafts_included(api):
    org = "org-list-owner"
    token = api.token("institution", org=org)
    ids = [api.post("/api/v1/achievements", form(organization_ids=[org]), token=token).json()["id"] for _ in range(3)]
    assert act(api, ids[0], "submit", token).status_code == 200
    path = f"/api/v1/organizations/{org}/achievements"

    listed = api.get(path, token=token)

    assert listed.status_code == 200, listed.text
    assert [a["id"] for a in listed.json()["items"]] == [ids[0], ids[2], ids[1]]  # latest change first
    assert [a["id"] for a in api.get(path, params={"status": "draft"}, token=token).json()["items"]] == [ids[2], ids[1]]
    page = api.get(path, params={"limit": "1", "offset": "1"}, token=api.token("admin")).json()
    assert [a["id"] for a in page["items"]] == [ids[2]] and (page["limit"], page["offset"]) == (1, 1)
    assert api.get(path).status_code == 401
    assert api.get(path, token=api.token("institution", org="another-org")).status_code == 403
    assert api.get(path, token=reviewer(api)).status_code == 403
    response = api.get(path, params={"status": "lost"}, token=token)
    assert response.status_code == 400 and response.json()["fields"][0]["path"] == "status"


def test_a_reviewer_sees_the_submitted_achievements_of_their_region_oldest_first(api):
    ids = [create(api, region_code="511800") for _ in range(3)]
    for achievement_id in (ids[1], ids[0]):  # submitted in this order
        assert act(api, achievement_id, "submit", owner(api)).status_code == 200

    def queue(token, **params):
        response = api.get("/api/v1/review/achievements", params={"limit": "100", **params}, token=token)
        assert response.status_code == 200, response.text
        return [a["id"] for a in response.json()["items"] if a["id"] in ids]

    assert queue(reviewer(api, "511800")) == [ids[1], ids[0]]  # the draft is not in the queue
    assert queue(reviewer(api, "510000")) == [ids[1], ids[0]]  # the province covers every city
    assert queue(api.token("admin"), status="submitted") == [ids[1], ids[0]]
    assert queue(reviewer(api, "510700")) == []  # another city's queue
    assert queue(reviewer(api, "511800"), status="registered") == []
    assert api.get("/api/v1/review/achievements", token=owner(api)).status_code == 403
    assert api.get("/api/v1/review/achievements", params={"region": "510100"},
                   token=reviewer(api, "511800")).status_code == 403
    response = api.get("/api/v1/review/achievements", params={"status": "draft"}, token=reviewer(api, "511800"))
    assert response.status_code == 400 and response.json()["fields"][0]["path"] == "status"


def test_registering_beyond_the_9999th_number_of_a_year_is_a_409_and_changes_nothing(api):
    achievement_id = create(api, region_code="513300", type="soft_science")
    assert act(api, achievement_id, "submit", owner(api)).status_code == 200
    year = api.get(f"/api/v1/achievements/{achievement_id}", token=owner(api)).json()["updated_at"][:4]
    api.db["sequences"].update_one({"_id": f"achievement|533|{year}|soft_science"}, {"$set": {"value": 9999}},
                                   upsert=True)
    outbox_before = api.db["outbox"].count_documents({})

    response = act(api, achievement_id, "register", reviewer(api, "513300"))

    assert response.status_code == 409, response.text
    assert response.json()["code"] == "registration_numbers_exhausted" and "9,999" in response.json()["message"]
    assert api.get(f"/api/v1/achievements/{achievement_id}", token=owner(api)).json()["status"] == "submitted"
    assert api.db["outbox"].count_documents({}) == outbox_before
