"""``GET /services/oauth2/userinfo``: every sandbox session is the integration user."""

from __future__ import annotations

from simple_salesforce import Salesforce

from sandbox import Sandbox
from sandbox.org_people import user_id


def test_userinfo_names_the_integration_user_for_every_sign_in(sb: Sandbox, sf: Salesforce) -> None:
    integration = user_id(sb.salesforce, "integration@leadsync.example")
    # The built-in session id, through the real client's OAuth helper.
    info = sf.oauth2("userinfo")
    assert info["user_id"] == integration
    assert info["sub"].endswith(f"/id/{info['organization_id']}/{integration}")

    # A session from the token endpoint (password grant): the same user, as its identity URL says.
    http = sb.requests_session()
    token = http.post(
        f"{sb.salesforce_url}/services/oauth2/token",
        data={
            "grant_type": "password",
            "client_id": sb.salesforce_consumer_key,
            "client_secret": sb.salesforce_consumer_secret,
            "username": sb.salesforce_username,
            "password": sb.salesforce_password + sb.salesforce_security_token,
        },
    ).json()
    assert token["id"].endswith(f"/{integration}")
    answer = http.get(
        f"{sb.salesforce_url}/services/oauth2/userinfo",
        headers={"Authorization": f"Bearer {token['access_token']}"},
    )
    assert answer.status_code == 200
    assert answer.json()["user_id"] == integration


def test_userinfo_refuses_a_bad_token_and_an_app_without_openid(sb: Sandbox) -> None:
    http = sb.requests_session()
    url = f"{sb.salesforce_url}/services/oauth2/userinfo"
    bad = http.get(url, headers={"Authorization": "Bearer 00D000000000001!nope"})
    assert (bad.status_code, bad.text) == (403, "Bad_OAuth_Token")
    sb.set_faults(salesforce_userinfo_refused=True)
    try:
        good = {"Authorization": f"Bearer {sb.salesforce_session_id}"}
        assert http.get(url, headers=good).status_code == 403
    finally:
        sb.set_faults(salesforce_userinfo_refused=False)
