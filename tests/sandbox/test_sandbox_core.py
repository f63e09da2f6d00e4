"""The Sandbox's own contract: addresses, env, call counting, fault injection, serve CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
import requests

from sandbox import Sandbox
from sandbox.middleware import path_template


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox(seed=3, leads=0) as box:
        yield box


@pytest.fixture(autouse=True)
def _no_faults(sb: Sandbox) -> Iterator[None]:
    sb.clear_faults()
    yield
    sb.clear_faults()


@pytest.mark.parametrize(
    ("path", "template"),
    [
        (
            "/services/data/v59.0/sobjects/Lead/00Q8d0000000001EAA",
            "/services/data/v59.0/sobjects/Lead/{id}",
        ),
        ("/services/data/v59.0/composite/sobjects", "/services/data/v59.0/composite/sobjects"),
        ("/crm/v3/objects/contacts/1001", "/crm/v3/objects/contacts/{id}"),
        ("/crm/v3/objects/contacts/batch/upsert", "/crm/v3/objects/contacts/batch/upsert"),
        (
            "/services/data/v59.0/sobjects/Lead/Leadsync_HubSpot_Id__c/1001",
            "/services/data/v59.0/sobjects/Lead/Leadsync_HubSpot_Id__c/{id}",
        ),
        ("/services/data/v59.0/query/01gxx0000000001-2000", "/services/data/v59.0/query/{id}"),
    ],
)
def test_path_template_replaces_ids_only(path: str, template: str) -> None:
    assert path_template(path) == template


def test_env_points_leadsync_at_the_sandbox(sb: Sandbox) -> None:
    env = sb.env()
    assert env["LEADSYNC_SALESFORCE_URL"] == sb.salesforce_url
    assert env["LEADSYNC_HUBSPOT_URL"] == sb.hubspot_url
    assert env["LEADSYNC_CA_PATH"] == sb.ca_path
    assert env["LEADSYNC_HUBSPOT_TOKEN"] == sb.hubspot_token
    assert sb.salesforce_url.startswith("https://127.0.0.1:")
    assert sb.salesforce_url != sb.hubspot_url


def test_plain_https_without_the_sandbox_ca_is_refused(sb: Sandbox) -> None:
    session = requests.Session()
    session.trust_env = False
    with pytest.raises(requests.exceptions.SSLError):
        session.get(sb.salesforce_url + "/services/data/", timeout=5)


def test_api_calls_counts_every_answer_by_template(sb: Sandbox) -> None:
    sf = sb.salesforce_client()
    hs = sb.hubspot_client()
    sb.reset_api_calls()
    sf.query("SELECT Id FROM Lead")
    sf.query("SELECT Id FROM Lead")
    hs.crm.contacts.basic_api.get_page(limit=10)
    calls = sb.api_calls()
    assert calls["salesforce"] == {"GET /services/data/v59.0/query/": 2}
    assert calls["hubspot"] == {"GET /crm/v3/objects/contacts": 1}


def test_error_rate_answers_503_from_both_systems(sb: Sandbox) -> None:
    sb.set_faults(error_rate=1.0)
    session = sb.requests_session()
    sf = session.get(
        sb.salesforce_url + "/services/data/v59.0/limits/",
        headers={"Authorization": f"Bearer {sb.salesforce_session_id}"},
        timeout=5,
    )
    hs = session.get(
        sb.hubspot_url + "/crm/v3/objects/contacts",
        headers={"Authorization": f"Bearer {sb.hubspot_token}"},
        timeout=5,
    )
    assert sf.status_code == 503 and sf.json()[0]["errorCode"] == "SERVER_UNAVAILABLE"
    assert hs.status_code == 503 and hs.json()["status"] == "error"


def test_a_timed_out_write_was_still_applied(sb: Sandbox) -> None:
    sb.set_faults(timeout_rate=1.0, timeout_s=1.5)
    session = sb.requests_session()
    with pytest.raises(requests.exceptions.ReadTimeout):
        session.post(
            sb.hubspot_url + "/crm/v3/objects/contacts",
            headers={"Authorization": f"Bearer {sb.hubspot_token}"},
            json={"properties": {"email": "late@answer.example.com"}},
            timeout=0.5,
        )
    assert sb.hubspot.find_by_email("late@answer.example.com") is not None


def test_latency_is_added(sb: Sandbox) -> None:
    session = sb.requests_session()
    url = sb.hubspot_url + "/crm/v3/objects/contacts"
    headers = {"Authorization": f"Bearer {sb.hubspot_token}"}
    sb.set_faults(latency_ms=150)
    t = time.perf_counter()
    assert session.get(url, headers=headers, timeout=5).status_code == 200
    assert time.perf_counter() - t >= 0.15


def test_a_forced_storm_answers_429_then_ends(sb: Sandbox) -> None:
    session = sb.requests_session()
    url = sb.hubspot_url + "/crm/v3/objects/contacts"
    headers = {"Authorization": f"Bearer {sb.hubspot_token}"}
    sb.set_faults(storm_seconds=0.5)
    storm = session.get(url, headers=headers, timeout=5)
    assert storm.status_code == 429
    assert storm.json()["errorType"] == "RATE_LIMIT"
    sb.ctx.advance(0.6)  # the storm is over on the sandbox clock
    assert session.get(url, headers=headers, timeout=5).status_code == 200


def test_unknown_fault_names_are_refused(sb: Sandbox) -> None:
    with pytest.raises(TypeError, match="error_rat"):
        sb.set_faults(error_rat=0.5)


def test_faults_are_reproducible_for_a_seed() -> None:
    outcomes = []
    for _ in range(2):
        with Sandbox(seed=11, leads=0) as box:
            box.set_faults(error_rate=0.5, seed=11)
            session = box.requests_session()
            headers = {"Authorization": f"Bearer {box.hubspot_token}"}
            outcomes.append(
                [
                    session.get(
                        box.hubspot_url + "/crm/v3/objects/contacts", headers=headers
                    ).status_code
                    for _ in range(20)
                ]
            )
    assert outcomes[0] == outcomes[1]
    assert 503 in outcomes[0] and 200 in outcomes[0]


def test_sandbox_serve_prints_the_environment_and_serves(tmp_path: object) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sync",
            "sandbox",
            "serve",
            "--leads",
            "20",
            "--data",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    try:
        env: dict[str, str] = {}
        assert proc.stdout is not None
        deadline = time.monotonic() + 60
        while len(env) < 5 and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if line.startswith("export "):
                key, _, value = line.removeprefix("export ").strip().partition("=")
                env[key] = value
        assert set(env) >= {"LEADSYNC_SALESFORCE_URL", "LEADSYNC_HUBSPOT_URL", "LEADSYNC_CA_PATH"}
        session = requests.Session()
        session.trust_env = False
        session.verify = env["LEADSYNC_CA_PATH"]
        answer = session.get(
            env["LEADSYNC_HUBSPOT_URL"] + "/crm/v3/objects/contacts",
            headers={"Authorization": f"Bearer {env['LEADSYNC_HUBSPOT_TOKEN']}"},
            timeout=10,
        )
        assert answer.status_code == 200
        assert answer.json()["results"]
    finally:
        proc.terminate()
        proc.wait(timeout=20)
