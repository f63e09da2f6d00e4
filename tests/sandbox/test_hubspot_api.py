"""The real hubspot-api-client against the sandbox: every endpoint and error leadsync relies on."""

import itertools
import json

import hubspot
import pytest
from hubspot.crm.contacts import (
    BatchInputSimplePublicObjectBatchInput,
    BatchInputSimplePublicObjectBatchInputForCreate,
    BatchInputSimplePublicObjectBatchInputUpsert,
    BatchInputSimplePublicObjectId,
    BatchReadInputSimplePublicObjectId,
    PublicMergeInput,
    PublicObjectSearchRequest,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)
from hubspot.crm.contacts.exceptions import ApiException, NotFoundException, UnauthorizedException
from hubspot.crm.properties import PropertyCreate
from hubspot.crm.properties.exceptions import ApiException as PropertiesApiException

from sandbox import Sandbox

_seq = itertools.count()
ALWAYS = {"createdate", "hs_object_id", "lastmodifieddate"}


def email(tag: str = "p") -> str:
    return f"{tag}{next(_seq)}@api-test.example.com"


def create(hs: hubspot.Client, **props: str) -> str:
    body = SimplePublicObjectInputForCreate(properties={"email": email(), **props})
    return str(hs.crm.contacts.basic_api.create(body).id)


def error_body(exc: ApiException) -> dict[str, object]:
    body = json.loads(exc.body)
    assert isinstance(body, dict)
    return body


def test_create_answers_201_and_get_reads_by_id_and_email(hs: hubspot.Client) -> None:
    address = email()
    body = SimplePublicObjectInputForCreate(
        properties={"email": address, "firstname": "Ann", "leadsync_score": "42"}
    )
    created = hs.crm.contacts.basic_api.create(body)
    assert created is not None  # the client returns None unless the answer is 201
    assert created.id.isdigit()
    assert created.properties["email"] == address
    assert created.properties["leadsync_score"] == "42"
    by_id = hs.crm.contacts.basic_api.get_by_id(created.id, properties=["firstname", "email"])
    assert by_id.properties["firstname"] == "Ann"
    assert set(by_id.properties) == {"firstname", "email", *ALWAYS}
    by_email = hs.crm.contacts.basic_api.get_by_id(address, id_property="email")
    assert by_email.id == created.id
    assert set(by_email.properties) == {
        "createdate",
        "email",
        "firstname",
        "hs_object_id",
        "lastmodifieddate",
        "lastname",
    }
    assert by_email.updated_at == created.updated_at


def test_second_contact_with_same_email_is_refused_with_409(hs: hubspot.Client) -> None:
    address = email()
    first = hs.crm.contacts.basic_api.create(
        SimplePublicObjectInputForCreate(properties={"email": address})
    )
    with pytest.raises(ApiException) as err:
        hs.crm.contacts.basic_api.create(
            SimplePublicObjectInputForCreate(properties={"email": address.upper()})
        )
    assert err.value.status == 409
    body = error_body(err.value)
    assert body["category"] == "CONFLICT"
    assert body["message"] == f"Contact already exists. Existing ID: {first.id}"
    assert body["status"] == "error"
    assert body["correlationId"]


@pytest.mark.parametrize(
    ("props", "code"),
    [
        ({"lifecyclestage": "hot"}, "INVALID_OPTION"),
        ({"no_such_property": "x"}, "PROPERTY_DOESNT_EXIST"),
        ({"hs_analytics_source": "ORGANIC_SEARCH"}, "READ_ONLY_VALUE"),
    ],
)
def test_invalid_values_answer_400_validation_error(
    hs: hubspot.Client, props: dict[str, str], code: str
) -> None:
    with pytest.raises(ApiException) as err:
        hs.crm.contacts.basic_api.create(
            SimplePublicObjectInputForCreate(properties={"email": email(), **props})
        )
    assert err.value.status == 400
    body = error_body(err.value)
    assert body["category"] == "VALIDATION_ERROR"
    message = str(body["message"])
    assert message.startswith("Property values were not valid: ")
    detail = json.loads(message.removeprefix("Property values were not valid: "))
    assert detail[0]["error"] == code
    assert detail[0]["name"] == next(iter(props))
    assert detail[0]["isValid"] is False


def test_update_by_id_and_by_email_moves_lastmodifieddate(hs: hubspot.Client) -> None:
    address = email()
    created = hs.crm.contacts.basic_api.create(
        SimplePublicObjectInputForCreate(properties={"email": address})
    )
    updated = hs.crm.contacts.basic_api.update(
        created.id, SimplePublicObjectInput(properties={"lifecyclestage": "salesqualifiedlead"})
    )
    assert updated.properties["lifecyclestage"] == "salesqualifiedlead"
    assert updated.properties["lastmodifieddate"] >= created.properties["lastmodifieddate"]
    by_email = hs.crm.contacts.basic_api.update(
        address, SimplePublicObjectInput(properties={"jobtitle": "CFO"}), id_property="email"
    )
    assert by_email.id == created.id
    with pytest.raises(NotFoundException):
        hs.crm.contacts.basic_api.update("999999999", SimplePublicObjectInput(properties={}))


def test_archive_answers_204_then_404_and_listing_archived(hs: hubspot.Client) -> None:
    cid = create(hs)
    _, status, _ = hs.crm.contacts.basic_api.archive_with_http_info(cid)
    assert status == 204
    with pytest.raises(NotFoundException):
        hs.crm.contacts.basic_api.get_by_id(cid)
    archived = hs.crm.contacts.basic_api.get_by_id(cid, archived=True)
    assert archived.archived is True
    assert archived.archived_at is not None
    listed = hs.crm.contacts.basic_api.get_page(limit=100, archived=True)
    assert cid in [c.id for c in listed.results]


def test_get_page_walks_all_contacts_with_after(hs: hubspot.Client) -> None:
    mine = {create(hs) for _ in range(7)}
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        # Small pages first to exercise ``after``; then big ones, so the walk stays short however
        # many contacts the module's other tests (in any order) have created.
        limit = 3 if pages < 5 else 100
        page = hs.crm.contacts.basic_api.get_page(limit=limit, after=after, properties=["email"])
        pages += 1
        assert len(page.results) <= limit
        seen += [c.id for c in page.results]
        if page.paging is None:
            break
        after = page.paging.next.after
    assert mine <= set(seen)
    assert seen == sorted(seen, key=int)
    assert len(seen) == len(set(seen))
    with pytest.raises(ApiException) as err:
        hs.crm.contacts.basic_api.get_page(limit=101)
    assert err.value.status == 400


def test_batch_create_201_then_207_with_per_input_errors(hs: hubspot.Client) -> None:
    batch = hs.crm.contacts.batch_api
    good = [{"properties": {"email": email()}} for _ in range(100)]
    result = batch.create(BatchInputSimplePublicObjectBatchInputForCreate(inputs=good))
    assert result is not None  # 201
    assert len(result.results) == 100
    assert len({r.id for r in result.results}) == 100
    taken = good[0]["properties"]["email"]
    first_ids = {r.properties["email"]: r.id for r in result.results}
    # Multi-status (per-input errors) is what objectWriteTraceId on the inputs asks for.
    mixed = [
        {"properties": {"email": email()}, "objectWriteTraceId": "0"},
        {"properties": {"email": taken}, "objectWriteTraceId": "1"},
        {"properties": {"email": email(), "lifecyclestage": "hot"}, "objectWriteTraceId": "2"},
    ]
    result = batch.create(BatchInputSimplePublicObjectBatchInputForCreate(inputs=mixed))
    assert result.num_errors == 2
    assert len(result.results) == 1
    assert result.results[0].object_write_trace_id == "0"
    categories = sorted(e.category for e in result.errors)
    assert categories == ["CONFLICT", "VALIDATION_ERROR"]
    conflict = next(e for e in result.errors if e.category == "CONFLICT")
    assert conflict.context["objectWriteTraceId"] == ["1"]
    assert conflict.context["existingId"] == [first_ids[taken]]
    assert conflict.message.startswith("Contact already exists. Existing ID: ")


def test_batch_read_update_and_missing_ids(hs: hubspot.Client) -> None:
    batch = hs.crm.contacts.batch_api
    ids = [create(hs) for _ in range(3)]
    read = batch.read(
        BatchReadInputSimplePublicObjectId(
            inputs=[{"id": i} for i in ids], properties=["email"], properties_with_history=[]
        )
    )
    assert sorted(r.id for r in read.results) == sorted(ids)
    assert not hasattr(read, "num_errors") or not read.num_errors
    partial = batch.read(
        BatchReadInputSimplePublicObjectId(
            inputs=[{"id": ids[0]}, {"id": "88888888"}], properties=[], properties_with_history=[]
        )
    )
    assert partial.num_errors == 1
    assert partial.errors[0].category == "OBJECT_NOT_FOUND"
    assert partial.errors[0].context["ids"] == ["88888888"]
    updates = [{"id": i, "properties": {"hs_lead_status": "OPEN"}} for i in ids]
    updated = batch.update(BatchInputSimplePublicObjectBatchInput(inputs=updates))
    assert updated is not None  # 200
    assert {r.properties["hs_lead_status"] for r in updated.results} == {"OPEN"}
    updates.append({"id": "77777777", "properties": {"hs_lead_status": "OPEN"}})
    result = batch.update(BatchInputSimplePublicObjectBatchInput(inputs=updates))
    assert result.num_errors == 1
    assert result.errors[0].context["ids"] == ["77777777"]
    assert len(result.results) == 3


def test_batch_upsert_by_email_creates_and_updates(hs: hubspot.Client) -> None:
    existing = email()
    cid = create(hs, firstname="Old")
    hs.crm.contacts.basic_api.update(cid, SimplePublicObjectInput(properties={"email": existing}))
    fresh = email()
    inputs = [
        {"id": existing, "idProperty": "email", "properties": {"firstname": "New"}},
        {"id": fresh, "idProperty": "email", "properties": {"firstname": "Fresh"}},
    ]
    result = hs.crm.contacts.batch_api.upsert(
        BatchInputSimplePublicObjectBatchInputUpsert(inputs=inputs)
    )
    assert result is not None  # 200
    by_email = {r.properties["email"]: r for r in result.results}
    assert by_email[existing].id == cid
    assert by_email[existing].new is False
    assert by_email[existing].properties["firstname"] == "New"
    assert by_email[fresh].new is True
    bad = [{"id": email(), "idProperty": "email", "properties": {"hs_lead_status": "HOT"}}]
    with pytest.raises(ApiException) as err:  # one bad value refuses the whole batch
        hs.crm.contacts.batch_api.upsert(BatchInputSimplePublicObjectBatchInputUpsert(inputs=bad))
    assert err.value.status == 400
    assert error_body(err.value)["category"] == "VALIDATION_ERROR"


def test_batch_archive_and_the_100_input_limit(hs: hubspot.Client) -> None:
    ids = [create(hs) for _ in range(2)]
    _, status, _ = hs.crm.contacts.batch_api.archive_with_http_info(
        BatchInputSimplePublicObjectId(inputs=[{"id": i} for i in ids])
    )
    assert status == 204
    for cid in ids:
        with pytest.raises(NotFoundException):
            hs.crm.contacts.basic_api.get_by_id(cid)
    too_many = [{"properties": {"email": email()}} for _ in range(101)]
    with pytest.raises(ApiException) as err:
        hs.crm.contacts.batch_api.create(
            BatchInputSimplePublicObjectBatchInputForCreate(inputs=too_many)
        )
    assert err.value.status == 400
    assert error_body(err.value)["category"] == "VALIDATION_ERROR"


def test_merge_lists_absorbed_ids_and_old_id_reads_the_survivor(hs: hubspot.Client) -> None:
    primary, secondary = create(hs, firstname="Keep"), create(hs, jobtitle="CTO")
    merged = hs.crm.contacts.basic_api.merge(
        PublicMergeInput(primary_object_id=primary, object_id_to_merge=secondary)
    )
    assert merged.id == primary
    assert merged.properties["hs_merged_object_ids"] == secondary
    via_old = hs.crm.contacts.basic_api.get_by_id(secondary, properties=["jobtitle", "firstname"])
    assert via_old.id == primary
    assert via_old.properties["jobtitle"] == "CTO"
    assert via_old.properties["firstname"] == "Keep"
    with pytest.raises(NotFoundException):
        hs.crm.contacts.basic_api.merge(
            PublicMergeInput(primary_object_id=primary, object_id_to_merge="123456789")
        )


def search_ids(hs: hubspot.Client, **kwargs: object) -> tuple[int, list[str]]:
    result = hs.crm.contacts.search_api.do_search(PublicObjectSearchRequest(**kwargs))
    return result.total, [r.id for r in result.results]


def test_search_filters_sorts_and_pages(hs: hubspot.Client) -> None:
    token = f"srch{next(_seq)}"
    ids = [create(hs, company=f"{token} Inc", leadsync_score=str(n)) for n in (30, 10, 20)]
    mine = {"filters": [{"propertyName": "company", "operator": "CONTAINS_TOKEN", "value": token}]}
    total, found = search_ids(hs, filter_groups=[mine], limit=10)
    assert (total, found) == (3, ids)  # default order: id ascending
    by_score = [{"propertyName": "leadsync_score", "direction": "DESCENDING"}]
    _, found = search_ids(hs, filter_groups=[mine], sorts=by_score)
    assert found == [ids[0], ids[2], ids[1]]
    _, found = search_ids(hs, filter_groups=[mine], sorts=["leadsync_score"])
    assert found == [ids[1], ids[2], ids[0]]
    first = hs.crm.contacts.search_api.do_search(
        PublicObjectSearchRequest(filter_groups=[mine], limit=2, properties=["leadsync_score"])
    )
    assert first.total == 3
    assert first.results[0].properties["leadsync_score"] == "30"
    assert set(first.results[0].properties) == {"leadsync_score", *ALWAYS}
    rest = hs.crm.contacts.search_api.do_search(
        PublicObjectSearchRequest(filter_groups=[mine], limit=2, after=first.paging.next.after)
    )
    assert [r.id for r in rest.results] == [ids[2]]
    assert rest.paging is None
    created_ms = int(first.results[0].created_at.timestamp() * 1000)
    window = {
        "filters": [
            {"propertyName": "lastmodifieddate", "operator": "GTE", "value": str(created_ms)},
            {"propertyName": "company", "operator": "CONTAINS_TOKEN", "value": token},
        ]
    }
    total, _ = search_ids(hs, filter_groups=[window])
    assert total == 3
    with pytest.raises(ApiException) as err:
        search_ids(hs, filter_groups=[mine], limit=201)
    assert err.value.status == 400


def test_search_past_10000_results_is_refused(hs: hubspot.Client, sb: Sandbox) -> None:
    with sb.hubspot.bulk():
        for i in range(10_001):
            sb.hubspot.create({"email": f"bulk{i}@ten-k.example.com", "company": "TenK"})
    tenk = {"filters": [{"propertyName": "company", "operator": "EQ", "value": "TenK"}]}
    page = hs.crm.contacts.search_api.do_search(
        PublicObjectSearchRequest(filter_groups=[tenk], limit=200, after="9800")
    )
    assert page.total == 10_001
    assert len(page.results) == 200
    assert page.paging.next.after == "10000"
    with pytest.raises(ApiException) as err:
        hs.crm.contacts.search_api.do_search(
            PublicObjectSearchRequest(filter_groups=[tenk], limit=200, after="10000")
        )
    assert err.value.status == 400
    assert error_body(err.value)["category"] == "VALIDATION_ERROR"


def test_search_observes_the_index_delay(hs: hubspot.Client, sb: Sandbox) -> None:
    sb.set_faults(hubspot_index_delay_s=30.0)
    token = f"lag{next(_seq)}"
    mine = {"filters": [{"propertyName": "company", "operator": "EQ", "value": token}]}
    cid = create(hs, company=token)
    try:
        assert search_ids(hs, filter_groups=[mine]) == (0, [])
        sb.ctx.clock_offset_s += 31
        assert search_ids(hs, filter_groups=[mine]) == (1, [cid])
        hs.crm.contacts.basic_api.update(cid, SimplePublicObjectInput(properties={"company": "x"}))
        assert search_ids(hs, filter_groups=[mine]) == (1, [cid])  # still the indexed version
        sb.ctx.clock_offset_s += 31
        assert search_ids(hs, filter_groups=[mine]) == (0, [])
    finally:
        sb.ctx.clock_offset_s = 0.0


def test_properties_list_get_and_create(hs: hubspot.Client) -> None:
    core = hs.crm.properties.core_api
    names = {p.name: p for p in core.get_all("contacts").results}
    assert {"email", "lifecyclestage", "hs_lead_status", "leadsync_score"} <= set(names)
    stage = core.get_by_name("contacts", "lifecyclestage")
    assert stage.type == "enumeration"
    assert [o.value for o in stage.options][:3] == ["subscriber", "lead", "marketingqualifiedlead"]
    source = names["hs_analytics_source"]
    assert source.modification_metadata.read_only_value is True
    assert names["leadsync_converted"].type == "bool"
    name = f"leadsync_extra_{next(_seq)}"
    body = PropertyCreate(
        name=name,
        label="Extra",
        type="enumeration",
        field_type="select",
        group_name="leadsync",
        options=[{"label": "A", "value": "a", "hidden": False}],
    )
    created = core.create("contacts", body)
    assert created is not None  # 201
    assert created.name == name
    with pytest.raises(PropertiesApiException) as err:
        core.create("contacts", body)
    assert err.value.status == 409
    cid = create(hs, **{name: "a"})
    with pytest.raises(ApiException):
        create(hs, **{name: "b"})
    assert hs.crm.contacts.basic_api.get_by_id(cid, properties=[name]).properties[name] == "a"
    with pytest.raises(PropertiesApiException) as err:
        core.get_by_name("contacts", "no_such_thing")
    assert err.value.status == 404


def test_wrong_token_is_refused_with_401(sb: Sandbox) -> None:
    client = hubspot.Client.create(
        access_token="pat-na1-wrong", host=sb.hubspot_url, ssl_ca_cert=sb.ca_path
    )
    with pytest.raises(UnauthorizedException) as err:
        client.crm.contacts.basic_api.get_page()
    body = error_body(err.value)
    assert body["category"] == "INVALID_AUTHENTICATION"
    assert str(body["message"]).startswith("Authentication credentials not found")


def test_rate_limit_headers_on_every_answer(hs: hubspot.Client, sb: Sandbox) -> None:
    sb.set_faults(hubspot_rate="190/10s")
    _, status, headers = hs.crm.contacts.basic_api.get_page_with_http_info()
    assert status == 200
    for name in (
        "Daily",
        "Daily-Remaining",
        "Interval-Milliseconds",
        "Max",
        "Remaining",
        "Secondly",
        "Secondly-Remaining",
    ):
        assert f"X-HubSpot-RateLimit-{name}" in headers
    assert headers["X-HubSpot-RateLimit-Max"] == "190"
    assert headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"


def test_unknown_routes_answer_hubspot_shaped_404(sb: Sandbox) -> None:
    session = sb.requests_session()
    answer = session.get(
        f"{sb.hubspot_url}/crm/v3/objects/widgets",
        headers={"Authorization": f"Bearer {sb.hubspot_token}"},
    )
    assert answer.status_code == 404
    assert answer.json()["status"] == "error"
    assert answer.json()["category"] == "OBJECT_NOT_FOUND"


def test_persisted_sandbox_keeps_contacts_across_restart(tmp_path) -> None:
    with Sandbox(leads=0, data_dir=tmp_path) as first:
        hs = first.hubspot_client()
        cid = create(hs, firstname="Durable")
    with Sandbox(leads=0, data_dir=tmp_path) as second:
        hs = second.hubspot_client()
        got = hs.crm.contacts.basic_api.get_by_id(cid, properties=["firstname"])
        assert got.properties["firstname"] == "Durable"
        assert int(create(hs)) > int(cid)
