"""What the search tests share: an achievement form, publishing one through the API, a search page."""
ORG = "org-search-test"


def form(title, **overrides):
    return {"title": title, "type": "applied", "summary": "面向四川省产业需求的科技成果转化示范。",
            "keywords": ["示范"], "industry": "新材料", "programme": 8, "trl": 6, "region_code": "510100",
            "organization_ids": [ORG], "contributors": [{"name": "赵六", "share": "100"}],
            "funding": {"fiscal": False}, **overrides}


def published(api, title, **overrides):
    owner = api.token("institution", org=ORG)
    reviewer = api.token("reviewer", region="510000")
    response = api.post("/api/v1/achievements", form(title, **overrides), token=owner)
    assert response.status_code == 201, response.text
    achievement_id = response.json()["id"]
    for action, token in (("submit", owner), ("register", reviewer), ("publish", reviewer)):
        assert api.post(f"/api/v1/achievements/{achievement_id}/{action}", {}, token=token).status_code == 200
    return achievement_id


def search(api, **params):
    response = api.get("/api/v1/achievements", params=params)
    assert response.status_code == 200, response.text
    return response.json()
