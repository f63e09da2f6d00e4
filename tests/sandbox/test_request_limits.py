"""The sandbox refuses what real servers refuse: long URLs, big headers, oversized searches."""

from __future__ import annotations

import json

import hubspot
import pytest
import requests
from hubspot.crm.contacts.exceptions import ApiException
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceError

from sandbox import Sandbox
from sandbox.middleware import MAX_TARGET_BYTES
from sandbox.salesforce.schema import BASE_PATH

SEARCH = "/crm/v3/objects/contacts/search"


def _search_body(**extra: object) -> dict[str, object]:
    body: dict[str, object] = {
        "filterGroups": [],
        "sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
        "properties": ["email"],
        "limit": 10,
    }
    body.update(extra)
    return body


def _search(sb: Sandbox, body: dict[str, object]) -> requests.Response:
    session = sb.requests_session()
    return session.post(
        sb.hubspot_url + SEARCH,
        data=json.dumps(body),
        headers={"Authorization": f"Bearer {sb.hubspot_token}", "Content-Type": "application/json"},
    )


def test_hubspot_answers_414_to_a_url_over_16_kb(sb: Sandbox, hs: hubspot.Client) -> None:
    names = [f"custom_property_number_{i}" for i in range(700)]  # ~25 KB of properties=
    with pytest.raises(ApiException) as caught:
        hs.crm.contacts.basic_api.get_page(limit=10, properties=names)
    assert caught.value.status == 414
    assert sb.longest_request_target()["hubspot"] > MAX_TARGET_BYTES


def test_salesforce_answers_414_to_a_url_over_16_kb(sb: Sandbox, sf: Salesforce) -> None:
    emails = [f"someone.{i}@example-company.com" for i in range(600)]
    soql = "SELECT Id FROM Lead WHERE Email IN ({})".format(",".join(f"'{e}'" for e in emails))
    with pytest.raises(SalesforceError) as caught:
        sf.query(soql)
    assert caught.value.status == 414
    assert max(sb.request_target_lengths("salesforce")) > MAX_TARGET_BYTES
    # Just under the limit is still answered.
    short = "SELECT Id FROM Lead WHERE Email IN ({})".format(
        ",".join(f"'{e}'" for e in emails[:200])
    )
    assert sf.query(short)["totalSize"] == 0


def test_salesforce_answers_431_to_oversized_headers(sb: Sandbox) -> None:
    answer = sb.requests_session().get(
        f"{sb.salesforce_url}{BASE_PATH}/sobjects/",
        headers={
            "Authorization": f"Bearer {sb.salesforce_session_id}",
            "X-Padding": "x" * 20_000,
        },
    )
    assert answer.status_code == 431


def test_search_refuses_two_sorts(sb: Sandbox, hs: hubspot.Client) -> None:
    sorts = [
        {"propertyName": "lastmodifieddate", "direction": "ASCENDING"},
        {"propertyName": "email", "direction": "ASCENDING"},
    ]
    answer = _search(sb, _search_body(sorts=sorts))
    assert answer.status_code == 400
    body = answer.json()
    assert body["status"] == "error"
    assert body["category"] == "VALIDATION_ERROR"
    assert body["correlationId"]
    assert "sort" in body["message"]
    assert _search(sb, _search_body()).status_code == 200


def test_search_refuses_a_body_over_3000_characters(sb: Sandbox, hs: hubspot.Client) -> None:
    names = [f"custom_property_{i}" for i in range(200)]
    with pytest.raises(ApiException) as caught:
        hs.crm.contacts.search_api.do_search(
            public_object_search_request=_search_body(properties=names)
        )
    assert caught.value.status == 400
    body = json.loads(caught.value.body)
    assert body["category"] == "VALIDATION_ERROR"
    assert "3000" in body["message"]


def test_search_compares_enumerations_case_sensitively(sb: Sandbox, hs: hubspot.Client) -> None:
    sb.hubspot.create({"email": "case@acme-widgets.com", "hs_lead_status": "OPEN"})

    def found(value: str) -> int:
        group = {
            "filters": [
                {"propertyName": "email", "operator": "EQ", "value": "case@acme-widgets.com"},
                {"propertyName": "hs_lead_status", "operator": "EQ", "value": value},
            ]
        }
        answer = _search(sb, _search_body(filterGroups=[group]))
        assert answer.status_code == 200, answer.text
        return int(answer.json()["total"])

    assert found("OPEN") == 1
    assert found("open") == 0
    # Text properties still compare case-blind.
    text = {
        "filters": [{"propertyName": "email", "operator": "EQ", "value": "CASE@acme-widgets.com"}]
    }
    assert _search(sb, _search_body(filterGroups=[text])).json()["total"] == 1


def test_wide_schema_describes_600_properties_and_500_fields() -> None:
    with Sandbox(seed=3, leads=0, wide_schema=True) as sb:
        properties = sb.hubspot_client().crm.properties.core_api.get_all("contacts").results
        sf = sb.salesforce_client()
        lead = sf.Lead.describe()["fields"]
        contact = sf.Contact.describe()["fields"]
        assert len(properties) == 600
        assert len(lead) == 500 and len(contact) == 500
        assert sum(1 for f in lead if f["custom"]) > 300
        assert any(p.type == "enumeration" and p.options for p in properties if "_" in p.name)
        names = [p.name for p in properties]
        assert len(set(names)) == 600
        # The default mapping's properties and fields are all still there.
        assert {"email", "lifecyclestage", "leadsync_stage"} <= set(names)
        assert {"Email", "Company", "Leadsync_HubSpot_Id__c"} <= {f["name"] for f in lead}
    with Sandbox(seed=3, leads=0, wide_schema=True) as again:
        same = again.hubspot_client().crm.properties.core_api.get_all("contacts").results
        assert [p.name for p in same] == names  # seeded: the same portal every time


def test_default_schema_stays_narrow(sb: Sandbox, sf: Salesforce) -> None:
    assert len(sf.Lead.describe()["fields"]) < 60
    assert len(sb.hubspot.properties()) < 100
