from datetime import UTC, date, datetime, timedelta

import pytest

from sandbox.context import SandboxContext
from sandbox.hubspot.errors import HubSpotError
from sandbox.hubspot.ratelimit import RateLimiter
from sandbox.hubspot.search import SearchRequest
from sandbox.hubspot.store import HubSpotStore
from sandbox.storage import RecordStore


@pytest.fixture
def ctx() -> SandboxContext:
    ctx = SandboxContext.exact()
    ctx.faults.hubspot_index_delay_s = 0.0
    return ctx


@pytest.fixture
def store(ctx: SandboxContext) -> HubSpotStore:
    return HubSpotStore(RecordStore(), ctx)


def search(store: HubSpotStore, **body: object) -> list[str]:
    result = store.search(SearchRequest.parse({"limit": 200, **body}))
    return [c.id for c in result.contacts]


def test_create_normalizes_values_to_hubspot_strings(store: HubSpotStore) -> None:
    when = datetime(2024, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)
    cid = store.create(
        {
            "email": " Ann@Example.COM ",
            "num_conversion_events": 3,
            "leadsync_score": 12.5,
            "leadsync_converted": True,
            "leadsync_converted_date": date(2024, 2, 1),
            "recent_conversion_date": when,
        },
        when=when,
    )
    got = store.get(cid)
    assert got is not None
    props = got["properties"]
    assert isinstance(props, dict)
    assert cid.isdigit()
    assert props["email"] == "ann@example.com"
    assert props["num_conversion_events"] == "3"
    assert props["leadsync_score"] == "12.5"
    assert props["leadsync_converted"] == "true"
    assert props["leadsync_converted_date"] == "2024-02-01"
    assert props["recent_conversion_date"] == "2024-03-01T12:30:15.123Z"
    assert props["lastmodifieddate"] == "2024-03-01T12:30:15.123Z"
    assert props["createdate"] == "2024-03-01T12:30:15.123Z"
    assert props["hs_object_id"] == cid
    assert store.find_by_email("ANN@example.com") == cid


def test_update_moves_lastmodifieddate_and_clears_blank_values(
    store: HubSpotStore, ctx: SandboxContext
) -> None:
    cid = store.create({"email": "a@x.com", "firstname": "Ann"}, when=ctx.now() - timedelta(days=1))
    store.update(cid, {"firstname": "", "lastname": "Lee"})
    got = store.get(cid)
    assert got is not None
    props = got["properties"]
    assert isinstance(props, dict)
    assert "firstname" not in props
    assert props["lastname"] == "Lee"
    modified = datetime.fromisoformat(str(props["lastmodifieddate"]).replace("Z", "+00:00"))
    assert abs((modified - ctx.now()).total_seconds()) < 5


def test_unique_email_is_enforced_on_create_and_update(store: HubSpotStore) -> None:
    first = store.create({"email": "dup@x.com"})
    other = store.create({"email": "other@x.com"})
    with pytest.raises(HubSpotError) as err:
        store.create({"email": "DUP@x.com"})
    assert err.value.status == 409
    assert err.value.message == f"Contact already exists. Existing ID: {first}"
    with pytest.raises(HubSpotError) as err:
        store.update(other, {"email": "dup@x.com"})
    assert err.value.status == 409


@pytest.mark.parametrize(
    ("props", "code"),
    [
        ({"nope": "x"}, "PROPERTY_DOESNT_EXIST"),
        ({"lifecyclestage": "hot"}, "INVALID_OPTION"),
        ({"hs_analytics_source": "ORGANIC_SEARCH"}, "READ_ONLY_VALUE"),
        ({"num_conversion_events": 4}, "READ_ONLY_VALUE"),
        ({"leadsync_score": "high"}, "INVALID_DOUBLE"),
        ({"leadsync_converted": "maybe"}, "INVALID_BOOLEAN"),
        ({"leadsync_converted_date": "2024-02-01T10:00:00Z"}, "INVALID_DATE"),
        ({"email": "not-an-email"}, "INVALID_EMAIL"),
        ({"lastmodifieddate": "2024-01-01T00:00:00Z"}, "READ_ONLY_VALUE"),
    ],
)
def test_api_writes_are_validated_like_hubspot(
    store: HubSpotStore, props: dict[str, object], code: str
) -> None:
    with pytest.raises(HubSpotError) as err:
        store.create(props, system=False)  # type: ignore[arg-type]
    assert err.value.status == 400
    assert err.value.category == "VALIDATION_ERROR"
    assert err.value.message.startswith("Property values were not valid: [")
    assert f'"error":"{code}"' in err.value.message


def test_system_writes_may_set_read_only_properties(store: HubSpotStore) -> None:
    cid = store.create({"email": "s@x.com", "hs_analytics_source": "ORGANIC_SEARCH"})
    got = store.get(cid)
    assert got is not None
    assert got["properties"]["hs_analytics_source"] == "ORGANIC_SEARCH"  # type: ignore[index]


def test_merge_keeps_primary_lists_absorbed_ids_and_redirects(store: HubSpotStore) -> None:
    primary = store.create({"email": "p@x.com", "firstname": "Pat"})
    secondary = store.create({"email": "p2@x.com", "firstname": "P", "jobtitle": "CTO"})
    third = store.create({"email": "p3@x.com"})
    assert store.merge(primary, secondary) == primary
    assert store.merge(primary, third) == primary
    got = store.get(primary)
    assert got is not None
    props = got["properties"]
    assert isinstance(props, dict)
    assert props["hs_merged_object_ids"] == f"{secondary};{third}"
    assert props["firstname"] == "Pat"  # the primary's value wins
    assert props["jobtitle"] == "CTO"  # blanks are filled from the absorbed contact
    absorbed = store.get(secondary)
    assert absorbed is not None and absorbed["id"] == primary
    assert store.find_by_email("p2@x.com") == primary
    assert len(store.all()) == 1
    with pytest.raises(HubSpotError) as err:
        store.merge(primary, primary)
    assert err.value.status == 400


def test_archive_hides_contact_and_frees_email(store: HubSpotStore) -> None:
    cid = store.create({"email": "gone@x.com"})
    store.archive(cid)
    assert store.all() == []
    assert [c["id"] for c in store.all(archived=True)] == [cid]
    assert store.find_by_email("gone@x.com") is None
    assert store.contact(cid) is None
    assert store.contact(cid, archived=True) is not None


def test_persisted_store_survives_restart_including_bulk_merges(tmp_path, ctx) -> None:
    records = RecordStore(tmp_path / "db.sqlite")
    store = HubSpotStore(records, ctx, leadsync_properties=False)
    with store.bulk():
        primary = store.create({"email": "a@x.com"})
        secondary = store.create({"email": "b@x.com"})
        store.merge(primary, secondary)
    store.create_property(
        {
            "name": "leadsync_stage",
            "label": "Stage",
            "type": "string",
            "fieldType": "text",
            "groupName": "leadsync",
        }
    )
    store.update(primary, {"leadsync_stage": "SQL"})
    records.close()

    again = HubSpotStore(RecordStore(tmp_path / "db.sqlite"), ctx, leadsync_properties=False)
    assert [c["id"] for c in again.all()] == [primary]
    assert again.get(secondary)["id"] == primary  # type: ignore[index]
    assert again.get(primary)["properties"]["leadsync_stage"] == "SQL"  # type: ignore[index]
    assert again.property("leadsync_stage") is not None
    assert int(again.create({"email": "c@x.com"})) > int(secondary)
    assert again.search(SearchRequest.parse({})).total == 2


def test_create_property_refuses_existing_and_malformed(store: HubSpotStore) -> None:
    with pytest.raises(HubSpotError) as err:
        store.create_property(
            {"name": "email", "label": "E", "type": "string", "fieldType": "text", "groupName": "x"}
        )
    assert err.value.status == 409
    with pytest.raises(HubSpotError) as err:
        store.create_property(
            {
                "name": "tier",
                "label": "Tier",
                "type": "enumeration",
                "fieldType": "select",
                "groupName": "leadsync",
            }
        )
    assert err.value.status == 400


def test_search_lags_writes_by_the_index_delay(store: HubSpotStore, ctx: SandboxContext) -> None:
    ctx.faults.hubspot_index_delay_s = 5.0
    old = store.create(
        {"email": "old@x.com", "firstname": "Before"}, when=ctx.now() - timedelta(hours=1)
    )
    new = store.create({"email": "new@x.com", "firstname": "Fresh"})
    store.update(old, {"firstname": "After"})
    body = {"properties": ["firstname"]}
    result = store.search(SearchRequest.parse(body))
    assert [c.id for c in result.contacts] == [old]  # the new contact is not indexed yet
    assert result.contacts[0].properties["firstname"] == "Before"  # the previous version
    ctx.clock_offset_s += 6
    result = store.search(SearchRequest.parse(body))
    assert [c.id for c in result.contacts] == [old, new]
    assert result.contacts[0].properties["firstname"] == "After"
    store.archive(new)
    assert len(search(store)) == 2  # archiving reaches search after the delay too
    ctx.clock_offset_s += 6
    assert search(store) == [old]


@pytest.fixture
def people(store: HubSpotStore, ctx: SandboxContext) -> dict[str, str]:
    base = datetime(2024, 1, 1, tzinfo=UTC)
    rows = {
        "ann": {
            "email": "ann@acme.com",
            "firstname": "Ann",
            "lifecyclestage": "lead",
            "num_conversion_events": 1,
            "company": "Acme Corp",
        },
        "bob": {
            "email": "bob@beta.io",
            "firstname": "Bob",
            "lifecyclestage": "customer",
            "num_conversion_events": 5,
        },
        "cy": {
            "email": "cy@acme.com",
            "firstname": "Cy",
            "num_conversion_events": 10,
            "company": "Acme Labs",
        },
    }
    ids = {}
    for i, (key, props) in enumerate(rows.items()):
        ids[key] = store.create(props, when=base + timedelta(days=i))  # type: ignore[arg-type]
    return ids


DAY = 86_400_000
JAN1 = 1_704_067_200_000


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ([{"propertyName": "email", "operator": "EQ", "value": "ANN@acme.com"}], ["ann"]),
        ([{"propertyName": "lifecyclestage", "operator": "NEQ", "value": "lead"}], ["bob", "cy"]),
        (
            [{"propertyName": "num_conversion_events", "operator": "GT", "value": "1"}],
            ["bob", "cy"],
        ),
        (
            [{"propertyName": "num_conversion_events", "operator": "GTE", "value": "5"}],
            ["bob", "cy"],
        ),
        ([{"propertyName": "num_conversion_events", "operator": "LT", "value": "5"}], ["ann"]),
        (
            [{"propertyName": "num_conversion_events", "operator": "LTE", "value": "5"}],
            ["ann", "bob"],
        ),
        (
            [
                {
                    "propertyName": "num_conversion_events",
                    "operator": "BETWEEN",
                    "value": "2",
                    "highValue": "10",
                }
            ],
            ["bob", "cy"],
        ),
        (
            [{"propertyName": "lifecyclestage", "operator": "IN", "values": ["lead", "customer"]}],
            ["ann", "bob"],
        ),
        (
            [{"propertyName": "lifecyclestage", "operator": "NOT_IN", "values": ["lead"]}],
            ["bob", "cy"],
        ),
        ([{"propertyName": "company", "operator": "HAS_PROPERTY"}], ["ann", "cy"]),
        ([{"propertyName": "company", "operator": "NOT_HAS_PROPERTY"}], ["bob"]),
        (
            [{"propertyName": "company", "operator": "CONTAINS_TOKEN", "value": "acme"}],
            ["ann", "cy"],
        ),
        (
            [{"propertyName": "email", "operator": "CONTAINS_TOKEN", "value": "*@acme.com"}],
            ["ann", "cy"],
        ),
        (
            [{"propertyName": "email", "operator": "CONTAINS_TOKEN", "value": "acme.com"}],
            ["ann", "cy"],
        ),
        (
            [{"propertyName": "company", "operator": "NOT_CONTAINS_TOKEN", "value": "labs"}],
            ["ann", "bob"],
        ),
        (
            [
                {"propertyName": "lastmodifieddate", "operator": "GTE", "value": str(JAN1 + DAY)},
                {
                    "propertyName": "lastmodifieddate",
                    "operator": "LT",
                    "value": str(JAN1 + 2 * DAY),
                },
            ],
            ["bob"],
        ),
        (
            [
                {
                    "propertyName": "createdate",
                    "operator": "BETWEEN",
                    "value": str(JAN1),
                    "highValue": str(JAN1 + DAY),
                }
            ],
            ["ann", "bob"],
        ),
    ],
)
def test_search_operators(
    store: HubSpotStore,
    people: dict[str, str],
    filters: list[dict[str, object]],
    expected: list[str],
) -> None:
    found = search(store, filterGroups=[{"filters": filters}])
    assert found == [people[k] for k in expected]


def test_search_groups_are_ored_and_sorts_apply(
    store: HubSpotStore, people: dict[str, str]
) -> None:
    groups = [
        {"filters": [{"propertyName": "firstname", "operator": "EQ", "value": "cy"}]},
        {"filters": [{"propertyName": "lifecyclestage", "operator": "EQ", "value": "lead"}]},
    ]
    assert search(store, filterGroups=groups) == [people["ann"], people["cy"]]
    by_events = [{"propertyName": "num_conversion_events", "direction": "DESCENDING"}]
    assert search(store, sorts=by_events) == [people["cy"], people["bob"], people["ann"]]
    assert search(store, sorts=["-createdate"]) == [people["cy"], people["bob"], people["ann"]]
    assert search(store, query="acme") == [people["ann"], people["cy"]]


@pytest.mark.parametrize(
    "body",
    [
        {"filterGroups": [{"filters": [{"propertyName": "nope", "operator": "EQ", "value": "1"}]}]},
        {
            "filterGroups": [
                {"filters": [{"propertyName": "email", "operator": "LIKE", "value": "1"}]}
            ]
        },
        {"filterGroups": [{"filters": []}] * 6},
        {
            "filterGroups": [
                {"filters": [{"propertyName": "email", "operator": "HAS_PROPERTY"}] * 7}
            ]
        },
        {"limit": 201},
        {"after": "abc"},
    ],
)
def test_search_refuses_malformed_requests(store: HubSpotStore, body: dict[str, object]) -> None:
    with pytest.raises(HubSpotError) as err:
        store.search(SearchRequest.parse(body))
    assert err.value.status == 400


def test_search_pages_up_to_ten_thousand_results(store: HubSpotStore, ctx: SandboxContext) -> None:
    base = ctx.now() - timedelta(hours=1)
    with store.bulk():
        for i in range(10_050):
            store.create({"email": f"p{i}@x.com"}, when=base + timedelta(milliseconds=i))
    last = store.search(SearchRequest.parse({"limit": 200, "after": "9900"}))
    assert last.total == 10_050
    assert len(last.contacts) == 100
    assert last.next_after == "10000"
    with pytest.raises(HubSpotError) as err:
        store.search(SearchRequest.parse({"limit": 100, "after": "10000"}))
    assert err.value.status == 400
    window = {
        "filterGroups": [
            {
                "filters": [
                    {
                        "propertyName": "hs_object_id",
                        "operator": "GT",
                        "value": last.contacts[-1].id,
                    }
                ]
            }
        ],
        "limit": 200,
    }
    assert store.search(SearchRequest.parse(window)).total == 50


def test_rate_limiter_bucket_search_daily_and_storm(ctx: SandboxContext) -> None:
    ctx.faults.hubspot_rate = "3/10s"
    limiter = RateLimiter(ctx)
    verdicts = [limiter.check() for _ in range(4)]
    assert [v.policy for v in verdicts] == [None, None, None, "TEN_SECONDLY_ROLLING"]
    assert verdicts[2].headers["X-HubSpot-RateLimit-Remaining"] == "0"
    assert verdicts[0].headers["X-HubSpot-RateLimit-Max"] == "3"
    assert verdicts[0].headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
    ctx.clock_offset_s += 10.5
    assert limiter.check().allowed
    ctx.faults.hubspot_rate = "100/10s"
    ctx.faults.hubspot_search_per_second = 2
    assert [limiter.check(search=True).policy for _ in range(3)] == [None, None, "SECONDLY"]
    ctx.faults.hubspot_daily_limit = 6  # 3 + 1 + 2 requests accepted so far
    daily = limiter.check()
    assert daily.policy == "DAILY"
    assert daily.headers["X-HubSpot-RateLimit-Daily-Remaining"] == "0"
    ctx.faults.hubspot_daily_limit = 1_000_000
    ctx.faults.storm_until = ctx.monotonic() + 60
    storm = limiter.check()
    assert storm.policy == "TEN_SECONDLY_ROLLING"
    assert storm.body("c")["errorType"] == "RATE_LIMIT"


def test_merge_can_be_backdated_for_seeding(store: HubSpotStore, ctx: SandboxContext) -> None:
    when = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    primary = store.create({"email": "a@m.com"}, when=when - timedelta(days=2))
    secondary = store.create({"email": "b@m.com"}, when=when - timedelta(days=3))
    store.merge(primary, secondary, when=when)
    got = store.get(primary)
    assert got is not None
    props = got["properties"]
    assert isinstance(props, dict)
    # Java Instant form: no fraction when the milliseconds are zero.
    assert props["lastmodifieddate"] == "2024-05-01T08:00:00Z"
    assert props["createdate"] == "2024-04-28T08:00:00Z"  # the older of the two
    assert props["hs_additional_emails"] == "b@m.com"
