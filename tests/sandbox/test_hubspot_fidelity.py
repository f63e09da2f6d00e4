"""Fidelity audit: every contacts/properties method of hubspot-api-client 12.x, with its models."""

import itertools
import json
from datetime import UTC, datetime, timedelta

import hubspot
import pytest
from hubspot.crm.contacts import (
    BatchInputSimplePublicObjectBatchInput,
    BatchInputSimplePublicObjectBatchInputForCreate,
    BatchInputSimplePublicObjectBatchInputUpsert,
    BatchInputSimplePublicObjectId,
    BatchReadInputSimplePublicObjectId,
    BatchResponseSimplePublicObject,
    BatchResponseSimplePublicObjectWithErrors,
    BatchResponseSimplePublicUpsertObject,
    CollectionResponseSimplePublicObjectWithAssociationsForwardPaging,
    CollectionResponseWithTotalSimplePublicObjectForwardPaging,
    Filter,
    FilterGroup,
    PublicGdprDeleteInput,
    PublicMergeInput,
    PublicObjectSearchRequest,
    SimplePublicObject,
    SimplePublicObjectBatchInput,
    SimplePublicObjectBatchInputForCreate,
    SimplePublicObjectBatchInputUpsert,
    SimplePublicObjectId,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
    SimplePublicObjectWithAssociations,
    ValueWithTimestamp,
)
from hubspot.crm.contacts.exceptions import ApiException, NotFoundException
from hubspot.crm.properties import (
    CollectionResponsePropertyNoPaging,
    ModelProperty,
    PropertyCreate,
    PropertyUpdate,
)
from hubspot.crm.properties.exceptions import ApiException as PropertiesApiException

from sandbox import Sandbox
from sandbox.context import SandboxContext
from sandbox.hubspot import batch
from sandbox.hubspot.search import SearchRequest
from sandbox.hubspot.store import HubSpotStore
from sandbox.storage import RecordStore

_seq = itertools.count()
ALWAYS = {"createdate", "hs_object_id", "lastmodifieddate"}


def email(tag: str = "f") -> str:
    return f"{tag}{next(_seq)}@fidelity.example.com"


def create(hs: hubspot.Client, **props: str) -> SimplePublicObject:
    body = SimplePublicObjectInputForCreate(properties={"email": email(), **props})
    created = hs.crm.contacts.basic_api.create(body)
    assert isinstance(created, SimplePublicObject)
    return created


def body_of(exc: ApiException | PropertiesApiException) -> dict[str, object]:
    body = json.loads(exc.body)
    assert isinstance(body, dict)
    return body


def assert_object(obj: object, cid: str | None = None) -> None:
    """What every contact HubSpot answers carries, deserialized."""
    assert obj.id and obj.id.isdigit()  # type: ignore[attr-defined]
    if cid is not None:
        assert obj.id == cid  # type: ignore[attr-defined]
    assert isinstance(obj.created_at, datetime)  # type: ignore[attr-defined]
    assert isinstance(obj.updated_at, datetime)  # type: ignore[attr-defined]
    assert obj.updated_at >= obj.created_at  # type: ignore[attr-defined]
    assert obj.archived is False  # type: ignore[attr-defined]
    assert obj.archived_at is None  # type: ignore[attr-defined]
    assert obj.properties["hs_object_id"] == obj.id  # type: ignore[attr-defined]
    assert set(obj.properties) >= ALWAYS  # type: ignore[attr-defined]


# -- basic_api --------------------------------------------------------------------------------
def test_create_answers_only_what_is_set(hs: hubspot.Client) -> None:
    created = create(hs, firstname="Ann")
    assert_object(created)
    assert created.properties_with_history is None
    # A write answers what it set and the values the contact has: no nulls for unset ones.
    assert None not in created.properties.values()
    assert "lastname" not in created.properties
    assert created.properties["firstname"] == "Ann"
    assert created.properties["createdate"] == created.properties["lastmodifieddate"]


def test_get_by_id_ignores_unknown_names_and_nulls_unset_ones(hs: hubspot.Client) -> None:
    cid = create(hs, firstname="Bo").id
    got = hs.crm.contacts.basic_api.get_by_id(cid, properties=["firstname", "phone", "no_such"])
    assert isinstance(got, SimplePublicObjectWithAssociations)
    assert_object(got, cid)
    assert got.associations is None
    assert got.properties == {
        "firstname": "Bo",
        "phone": None,
        **{k: got.properties[k] for k in ALWAYS},
    }
    default = hs.crm.contacts.basic_api.get_by_id(cid)
    assert set(default.properties) == {"email", "firstname", "lastname", *ALWAYS}


def test_properties_with_history_newest_first(hs: hubspot.Client) -> None:
    cid = create(hs, jobtitle="Intern").id
    hs.crm.contacts.basic_api.update(cid, SimplePublicObjectInput(properties={"jobtitle": "CEO"}))
    got = hs.crm.contacts.basic_api.get_by_id(
        cid, properties=["jobtitle"], properties_with_history=["jobtitle", "city", "bogus"]
    )
    history = got.properties_with_history
    assert set(history) == {"jobtitle", "city"}
    assert history["city"] == []
    values = history["jobtitle"]
    assert all(isinstance(v, ValueWithTimestamp) for v in values)
    assert [v.value for v in values] == ["CEO", "Intern"]
    assert values[0].timestamp >= values[1].timestamp
    assert values[0].source_type == "INTEGRATION"
    with pytest.raises(ApiException) as err:  # history lowers the page size to 50
        hs.crm.contacts.basic_api.get_page(limit=51, properties_with_history=["jobtitle"])
    assert err.value.status == 400
    page = hs.crm.contacts.basic_api.get_page(limit=50, properties_with_history=["jobtitle"])
    assert all(r.properties_with_history is not None for r in page.results)


def test_id_property_email_is_case_insensitive_and_others_are_refused(hs: hubspot.Client) -> None:
    address = email()
    cid = hs.crm.contacts.basic_api.create(
        SimplePublicObjectInputForCreate(properties={"email": address})
    ).id
    got = hs.crm.contacts.basic_api.get_by_id(address.upper(), id_property="email")
    assert got.id == cid
    with pytest.raises(ApiException) as err:
        hs.crm.contacts.basic_api.get_by_id("Ann", id_property="firstname")
    assert err.value.status == 400
    assert "non-unique 0-1 property firstname" in str(body_of(err.value)["message"])


def test_update_answers_what_it_wrote_and_a_cleared_value_is_blank(hs: hubspot.Client) -> None:
    cid = create(hs, firstname="Cy", city="Oslo").id
    updated = hs.crm.contacts.basic_api.update(
        cid, SimplePublicObjectInput(properties={"city": "", "jobtitle": "CTO"})
    )
    assert isinstance(updated, SimplePublicObject)
    assert_object(updated, cid)
    assert updated.properties["city"] == ""
    assert updated.properties["jobtitle"] == "CTO"
    got = hs.crm.contacts.basic_api.get_by_id(cid, properties=["city"])
    assert got.properties["city"] is None


def test_get_page_archived_and_get_all(hs: hubspot.Client) -> None:
    ids = {create(hs).id for _ in range(3)}
    gone = create(hs).id
    hs.crm.contacts.basic_api.archive(gone)
    archived = hs.crm.contacts.basic_api.get_page(limit=100, archived=True, properties=["email"])
    assert isinstance(archived, CollectionResponseSimplePublicObjectWithAssociationsForwardPaging)
    mine = next(r for r in archived.results if r.id == gone)
    assert mine.archived is True
    assert isinstance(mine.archived_at, datetime)
    everything = hs.crm.contacts.get_all(properties=["email"])
    seen = [c.id for c in everything]
    assert ids <= set(seen)
    assert gone not in seen
    assert len(seen) == len(set(seen))


def test_date_and_bool_values_take_hubspot_forms(hs: hubspot.Client) -> None:
    midnight = int(datetime(2024, 2, 1, tzinfo=UTC).timestamp() * 1000)
    cid = create(
        hs, leadsync_converted_date=str(midnight), leadsync_converted="true", leadsync_score="7.50"
    ).id
    got = hs.crm.contacts.basic_api.get_by_id(
        cid, properties=["leadsync_converted_date", "leadsync_converted", "leadsync_score"]
    )
    assert got.properties["leadsync_converted_date"] == "2024-02-01"
    assert got.properties["leadsync_converted"] == "true"
    assert got.properties["leadsync_score"] == "7.5"
    late = midnight + ((18 * 60 + 31) * 60 + 29) * 1000 + 103
    with pytest.raises(ApiException) as err:
        create(hs, leadsync_converted_date=str(late))
    body = body_of(err.value)
    assert f"{late} is at 18:31:29.103 UTC, not midnight!" in str(body["message"])
    assert body["errors"] == [
        {
            "message": f"{late} is at 18:31:29.103 UTC, not midnight!",
            "code": "INVALID_DATE",
            "context": {"propertyName": ["leadsync_converted_date"]},
        }
    ]


def test_merge_answers_the_survivor(hs: hubspot.Client) -> None:
    primary, secondary = create(hs).id, create(hs, jobtitle="VP").id
    merged = hs.crm.contacts.basic_api.merge(
        PublicMergeInput(primary_object_id=primary, object_id_to_merge=secondary)
    )
    assert isinstance(merged, SimplePublicObject)
    assert_object(merged, primary)
    assert merged.properties["hs_merged_object_ids"] == secondary


def test_gdpr_purge_deletes_for_good(hs: hubspot.Client) -> None:
    address = email()
    cid = hs.crm.contacts.basic_api.create(
        SimplePublicObjectInputForCreate(properties={"email": address})
    ).id
    _, status, _ = hs.crm.contacts.basic_api.purge_with_http_info(
        PublicGdprDeleteInput(object_id=address, id_property="email")
    )
    assert status == 204
    with pytest.raises(NotFoundException):
        hs.crm.contacts.basic_api.get_by_id(cid, archived=True)
    assert create(hs, email=address).id != cid  # the address is free again
    with pytest.raises(NotFoundException):
        hs.crm.contacts.basic_api.purge(PublicGdprDeleteInput(object_id="987654321"))


# -- batch_api --------------------------------------------------------------------------------
def test_batch_create_without_trace_ids_is_all_or_nothing(hs: hubspot.Client, sb: Sandbox) -> None:
    taken = create(hs)
    fresh = email()
    inputs = [
        SimplePublicObjectBatchInputForCreate(properties={"email": fresh}),
        SimplePublicObjectBatchInputForCreate(properties={"email": taken.properties["email"]}),
    ]
    with pytest.raises(ApiException) as err:
        hs.crm.contacts.batch_api.create(
            BatchInputSimplePublicObjectBatchInputForCreate(inputs=inputs)
        )
    assert err.value.status == 409
    body = body_of(err.value)
    assert body["message"] == f"Contact already exists. Existing ID: {taken.id}"
    assert sb.hubspot.find_by_email(fresh) is None  # nothing was written
    invalid = [
        SimplePublicObjectBatchInputForCreate(properties={"email": email(), "nope_a": "1"}),
        SimplePublicObjectBatchInputForCreate(properties={"email": fresh, "lifecyclestage": "x"}),
    ]
    with pytest.raises(ApiException) as err:
        hs.crm.contacts.batch_api.create(
            BatchInputSimplePublicObjectBatchInputForCreate(inputs=invalid)
        )
    assert err.value.status == 400
    body = body_of(err.value)
    assert [e["code"] for e in body["errors"]] == ["PROPERTY_DOESNT_EXIST", "INVALID_OPTION"]
    assert sb.hubspot.find_by_email(fresh) is None
    ok = hs.crm.contacts.batch_api.create(
        BatchInputSimplePublicObjectBatchInputForCreate(
            inputs=[SimplePublicObjectBatchInputForCreate(properties={"email": fresh})]
        )
    )
    assert isinstance(ok, BatchResponseSimplePublicObject)
    assert ok.status == "COMPLETE"
    assert isinstance(ok.started_at, datetime)
    assert isinstance(ok.completed_at, datetime)
    assert_object(ok.results[0])


def test_batch_create_with_trace_ids_answers_207(hs: hubspot.Client) -> None:
    taken = create(hs)
    inputs = [
        SimplePublicObjectBatchInputForCreate(
            properties={"email": email()}, object_write_trace_id="a"
        ),
        SimplePublicObjectBatchInputForCreate(
            properties={"email": taken.properties["email"]}, object_write_trace_id="b"
        ),
    ]
    result = hs.crm.contacts.batch_api.create(
        BatchInputSimplePublicObjectBatchInputForCreate(inputs=inputs)
    )
    assert isinstance(result, BatchResponseSimplePublicObjectWithErrors)
    assert [r.object_write_trace_id for r in result.results] == ["a"]
    assert result.num_errors == 1
    error = result.errors[0]
    assert error.category == "CONFLICT"
    assert error.context == {"existingId": [taken.id], "objectWriteTraceId": ["b"]}


def test_batch_read_by_email_with_history_and_missing_ids(hs: hubspot.Client) -> None:
    first, second = create(hs, city="Rome"), create(hs)
    request = BatchReadInputSimplePublicObjectId(
        inputs=[
            SimplePublicObjectId(id=first.properties["email"].upper()),
            SimplePublicObjectId(id=second.properties["email"]),
            SimplePublicObjectId(id="nobody@fidelity.example.com"),
        ],
        properties=["city", "unknown_prop"],
        properties_with_history=["city"],
        id_property="email",
    )
    result = hs.crm.contacts.batch_api.read(request)
    assert isinstance(result, BatchResponseSimplePublicObjectWithErrors)
    by_id = {r.id: r for r in result.results}
    assert set(by_id) == {first.id, second.id}
    assert by_id[first.id].properties == {
        "city": "Rome",
        **{k: by_id[first.id].properties[k] for k in ALWAYS},
    }
    assert [v.value for v in by_id[first.id].properties_with_history["city"]] == ["Rome"]
    assert result.errors[0].category == "OBJECT_NOT_FOUND"
    assert result.errors[0].context == {"ids": ["nobody@fidelity.example.com"]}
    assert result.errors[0].message.startswith("Could not get some CONTACT objects")


def test_batch_update_207_for_unknown_ids_400_for_bad_values(
    hs: hubspot.Client, sb: Sandbox
) -> None:
    one, two = create(hs).id, create(hs).id
    inputs = [
        SimplePublicObjectBatchInput(
            id=one, properties={"city": "Lima"}, object_write_trace_id="0"
        ),
        SimplePublicObjectBatchInput(
            id="99999999", properties={"city": "Lima"}, object_write_trace_id="1"
        ),
    ]
    result = hs.crm.contacts.batch_api.update(BatchInputSimplePublicObjectBatchInput(inputs=inputs))
    assert isinstance(result, BatchResponseSimplePublicObjectWithErrors)
    assert [(r.id, r.object_write_trace_id) for r in result.results] == [(one, "0")]
    assert result.errors[0].context == {"ids": ["99999999"], "objectWriteTraceId": ["1"]}
    bad = [
        SimplePublicObjectBatchInput(id=one, properties={"city": "Quito"}),
        SimplePublicObjectBatchInput(id=two, properties={"hs_lead_status": "HOT"}),
    ]
    with pytest.raises(ApiException) as err:
        hs.crm.contacts.batch_api.update(BatchInputSimplePublicObjectBatchInput(inputs=bad))
    assert err.value.status == 400
    got = sb.hubspot.get(one)
    assert got is not None and got["properties"]["city"] == "Lima"  # type: ignore[index]
    twice = [SimplePublicObjectBatchInput(id=one, properties={}) for _ in range(2)]
    with pytest.raises(ApiException) as err:
        hs.crm.contacts.batch_api.update(BatchInputSimplePublicObjectBatchInput(inputs=twice))
    assert body_of(err.value)["message"] == (
        f"Duplicate IDs found in batch input: [{one}]. IDs must be unique"
    )
    by_record_id = [
        SimplePublicObjectBatchInput(id=one, id_property="hs_object_id", properties={"city": "X"})
    ]
    with pytest.raises(ApiException) as err:
        hs.crm.contacts.batch_api.update(
            BatchInputSimplePublicObjectBatchInput(inputs=by_record_id)
        )
    assert "non-unique 0-1 property hs_object_id" in str(body_of(err.value)["message"])


def test_batch_upsert_flags_new_and_echoes_trace_ids(hs: hubspot.Client) -> None:
    existing = create(hs)
    fresh = email()
    inputs = [
        SimplePublicObjectBatchInputUpsert(
            id=existing.properties["email"].upper(),
            id_property="email",
            properties={"city": "Bern"},
            object_write_trace_id="0",
        ),
        SimplePublicObjectBatchInputUpsert(
            id=fresh, id_property="email", properties={"city": "Graz"}, object_write_trace_id="1"
        ),
    ]
    result = hs.crm.contacts.batch_api.upsert(
        BatchInputSimplePublicObjectBatchInputUpsert(inputs=inputs)
    )
    assert isinstance(result, BatchResponseSimplePublicUpsertObject)
    by_trace = {r.object_write_trace_id: r for r in result.results}
    assert by_trace["0"].id == existing.id and by_trace["0"].new is False
    assert by_trace["1"].new is True
    assert by_trace["1"].properties["email"] == fresh
    assert by_trace["1"].properties["hs_object_id"] == by_trace["1"].id
    bad_email = [SimplePublicObjectBatchInputUpsert(id="not-an-email", id_property="email")]
    with pytest.raises(ApiException) as err:
        hs.crm.contacts.batch_api.upsert(
            BatchInputSimplePublicObjectBatchInputUpsert(inputs=bad_email)
        )
    assert body_of(err.value)["errors"][0]["code"] == "INVALID_EMAIL"


def test_batch_archive_answers_204(hs: hubspot.Client) -> None:
    cid = create(hs).id
    _, status, _ = hs.crm.contacts.batch_api.archive_with_http_info(
        BatchInputSimplePublicObjectId(inputs=[SimplePublicObjectId(id=cid)])
    )
    assert status == 204
    assert hs.crm.contacts.basic_api.get_by_id(cid, archived=True).archived is True


# -- search_api -------------------------------------------------------------------------------
def test_search_with_client_models(hs: hubspot.Client) -> None:
    token = f"fid{next(_seq)}"
    ids = [create(hs, company=token, leadsync_score=str(n)).id for n in (3, 1, 2)]
    group = FilterGroup(filters=[Filter(property_name="company", operator="EQ", value=token)])
    request = PublicObjectSearchRequest(
        filter_groups=[group],
        sorts=[{"propertyName": "leadsync_score", "direction": "DESCENDING"}],
        properties=["leadsync_score", "not_a_property"],
        limit=2,
        after="0",
    )
    page = hs.crm.contacts.search_api.do_search(request)
    assert isinstance(page, CollectionResponseWithTotalSimplePublicObjectForwardPaging)
    assert page.total == 3
    assert [r.id for r in page.results] == [ids[0], ids[2]]
    for result in page.results:
        assert_object(result)
        assert set(result.properties) == {"leadsync_score", *ALWAYS}
    assert page.paging.next.after == "2"
    assert page.paging.next.link is None
    request.after = page.paging.next.after
    rest = hs.crm.contacts.search_api.do_search(request)
    assert [r.id for r in rest.results] == [ids[1]]
    assert rest.paging is None
    with pytest.raises(ApiException) as err:
        hs.crm.contacts.search_api.do_search(PublicObjectSearchRequest(limit=201))
    assert err.value.status == 400


# -- properties -------------------------------------------------------------------------------
def test_properties_core_api_round_trip(hs: hubspot.Client) -> None:
    core = hs.crm.properties.core_api
    listing = core.get_all("contacts")
    assert isinstance(listing, CollectionResponsePropertyNoPaging)
    email_prop = core.get_by_name("contacts", "email")
    assert isinstance(email_prop, ModelProperty)
    assert email_prop.group_name == "contactinformation"
    name = f"leadsync_fid_{next(_seq)}"
    created = core.create(
        "contacts",
        PropertyCreate(
            name=name, label="Fid", type="string", field_type="text", group_name="leadsync"
        ),
    )
    assert isinstance(created, ModelProperty)
    updated = core.update("contacts", name, PropertyUpdate(label="Fidelity"))
    assert isinstance(updated, ModelProperty)
    assert updated.label == "Fidelity"
    assert core.get_by_name("contacts", name).label == "Fidelity"
    _, status, _ = core.archive_with_http_info("contacts", name)
    assert status == 204
    with pytest.raises(PropertiesApiException) as err:
        core.get_by_name("contacts", name)
    assert err.value.status == 404
    with pytest.raises(PropertiesApiException) as err:
        core.archive("contacts", "email")
    assert err.value.status == 400


# -- limits and speed -------------------------------------------------------------------------
def test_429_carries_the_rate_limit_headers(hs: hubspot.Client, sb: Sandbox) -> None:
    sb.ctx.clock_offset_s += 11
    sb.set_faults(hubspot_rate="2/10s")
    try:
        hs.crm.contacts.basic_api.get_page()
        hs.crm.contacts.basic_api.get_page()
        with pytest.raises(ApiException) as err:
            hs.crm.contacts.basic_api.get_page()
        assert err.value.status == 429
        assert err.value.headers["X-HubSpot-RateLimit-Remaining"] == "0"
        assert err.value.headers["X-HubSpot-RateLimit-Max"] == "2"
        assert body_of(err.value)["policyName"] == "TEN_SECONDLY_ROLLING"
    finally:
        sb.ctx.clock_offset_s += 11


def test_batches_and_windowed_search_at_25000_contacts() -> None:
    ctx = SandboxContext.exact()
    ctx.faults.hubspot_index_delay_s = 0.0
    store = HubSpotStore(RecordStore(), ctx)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    with store.bulk():
        for i in range(25_000):
            store.create({"email": f"s{i}@speed.example.com"}, when=start + timedelta(minutes=i))
    now = ctx.now()
    inputs = [{"id": str(1001 + i), "properties": {"city": "Oslo"}} for i in range(100)]
    status, _ = batch.update(store, {"inputs": inputs}, now=now)
    assert status == 200
    low = int(start.timestamp() * 1000)
    for window in range(5):
        lo, hi = low + window * 3_600_000 * 24, low + (window + 1) * 3_600_000 * 24
        filters = [
            {"propertyName": "lastmodifieddate", "operator": "GTE", "value": str(lo)},
            {"propertyName": "lastmodifieddate", "operator": "LT", "value": str(hi)},
        ]
        body = {
            "filterGroups": [{"filters": filters}],
            "sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
            "limit": 200,
        }
        result = store.search(SearchRequest.parse(body))
        assert len(result.contacts) == 200


# -- error bodies and headers -----------------------------------------------------------------
def test_not_found_bodies_depend_on_the_id(hs: hubspot.Client) -> None:
    with pytest.raises(NotFoundException) as err:
        hs.crm.contacts.basic_api.get_by_id("987654321")
    body = body_of(err.value)
    assert list(body) == ["status", "message", "correlationId"]  # no category
    assert body["message"] == "resource not found"
    assert err.value.headers["x-hubspot-correlation-id"] == body["correlationId"]
    with pytest.raises(NotFoundException) as err:
        hs.crm.contacts.basic_api.update("abc", SimplePublicObjectInput(properties={}))
    body = body_of(err.value)
    assert body["message"] == "Object not found.  objectId are usually numeric."
    assert body["context"] == {"id": ["abc"]}
    assert body["category"] == "OBJECT_NOT_FOUND"
    with pytest.raises(NotFoundException) as err:
        hs.crm.contacts.basic_api.get_by_id("nobody@fidelity.example.com", id_property="email")
    assert body_of(err.value)["message"] == "resource not found"


def test_validation_texts_follow_hubspot(hs: hubspot.Client) -> None:
    with pytest.raises(ApiException) as err:
        create(
            hs,
            hs_analytics_source="OFFLINE",
            lifecyclestage="hot",
            leadsync_converted_date="soon",
        )
    body = body_of(err.value)
    assert list(body) == ["status", "message", "correlationId", "errors", "context", "category"]
    message = str(body["message"])
    detail = json.loads(message.removeprefix("Property values were not valid: "))
    by_name = {d["name"]: d for d in detail}
    assert by_name["hs_analytics_source"]["message"] == (
        '"hs_analytics_source" is a calculated property; its value cannot be set.'
    )
    assert by_name["hs_analytics_source"]["propertyValue"] == "OFFLINE"
    assert by_name["lifecyclestage"]["message"].startswith(
        'hot was not one of the allowed options: [label: "Subscriber"\nvalue: "subscriber"\n'
        "display_order: 0\nhidden: false\nread_only: false\n, "
    )
    assert by_name["leadsync_converted_date"]["error"] == "INVALID_LONG"
    assert by_name["leadsync_converted_date"]["message"] == "soon was not a valid long."
    assert all(d["portalId"] == detail[0]["portalId"] for d in detail)


def test_create_answers_location_and_instant_timestamps(hs: hubspot.Client, sb: Sandbox) -> None:
    _, status, headers = hs.crm.contacts.basic_api.create_with_http_info(
        SimplePublicObjectInputForCreate(properties={"email": email()})
    )
    assert status == 201
    assert headers["Location"].startswith(f"{sb.hubspot_url}/crm/v3/objects/contacts/")
    when = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
    cid = sb.hubspot.create({"email": email()}, when=when)
    got = hs.crm.contacts.basic_api.get_by_id(cid, _preload_content=False)
    raw = json.loads(got.data)
    assert raw["createdAt"] == "2024-03-01T09:30:00Z"  # Java Instant: no ".000"
    assert raw["properties"]["createdate"] == "2024-03-01T09:30:00Z"
    assert hs.crm.contacts.basic_api.get_by_id(cid).created_at == when


def test_query_finds_absorbed_addresses(hs: hubspot.Client) -> None:
    primary, secondary = create(hs), create(hs)
    hs.crm.contacts.basic_api.merge(
        PublicMergeInput(primary_object_id=primary.id, object_id_to_merge=secondary.id)
    )
    found = hs.crm.contacts.search_api.do_search(
        PublicObjectSearchRequest(query=secondary.properties["email"])
    )
    assert [r.id for r in found.results] == [primary.id]


def test_windowed_search_stays_right_after_writes() -> None:
    ctx = SandboxContext.exact()
    ctx.faults.hubspot_index_delay_s = 0.0
    store = HubSpotStore(RecordStore(), ctx)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    with store.bulk():
        ids = [
            store.create({"email": f"w{i}@window.example.com"}, when=start + timedelta(minutes=i))
            for i in range(20_000)
        ]
    low = int(start.timestamp() * 1000)

    def window(lo: int, hi: int) -> list[str]:
        filters = [
            {"propertyName": "lastmodifieddate", "operator": "GTE", "value": str(lo)},
            {"propertyName": "lastmodifieddate", "operator": "LTE", "value": str(hi)},
        ]
        body = {"filterGroups": [{"filters": filters}], "limit": 200}
        found = store.search(SearchRequest.parse({**body, "limit": 200}))
        everything = [*found.contacts]
        after = found.next_after
        while after:
            more = store.search(SearchRequest.parse({**body, "after": after}))
            everything += more.contacts
            after = more.next_after
        return sorted((c.id for c in everything), key=int)

    first_hour = low + 59 * 60_000
    assert window(low, first_hour) == ids[:60]
    # Move ten of the first hour out (into 2025) and archive five more; search sees it at once.
    moved = ids[:10]
    later = datetime(2025, 6, 1, tzinfo=UTC)
    for cid in moved:
        store.update(cid, {"city": "Moved"}, when=later)
    for cid in ids[10:15]:
        store.archive(cid)
    assert window(low, first_hour) == ids[15:60]
    stamp = int(later.timestamp() * 1000)
    assert window(stamp, stamp) == moved
