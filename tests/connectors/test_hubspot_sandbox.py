import time
from datetime import UTC, datetime, timedelta

from connector_helpers import calls, hubspot_for

from connectors.base import Cursor, WriteOp


def drain(pages):
    records, cursor = [], None
    for page in pages:
        records.extend(page.records)
        cursor = page.cursor
    return records, cursor


def seed(sb, n, start, spread_s):
    ids = []
    with sb.hubspot.bulk():
        for i in range(n):
            when = start + timedelta(seconds=spread_s * i / n)
            ids.append(
                sb.hubspot.create({"email": f"p{i}@seed.example", "firstname": f"P{i}"}, when=when)
            )
    return ids


def test_25000_contacts_changed_in_one_minute_read_exactly_once(sandbox):
    sandbox.set_faults(hubspot_index_delay_s=0.0, hubspot_search_per_second=1000)
    start = sandbox.ctx.now() - timedelta(minutes=10)
    ids = seed(sandbox, 25_000, start, 59.0)
    hs = hubspot_for(sandbox, search_per_second=500.0)
    since = Cursor(value=start - timedelta(minutes=1))
    records, cursor = drain(hs.changes("contact", since))
    assert len(records) == 25_000
    assert {r.id for r in records} == set(ids)
    assert cursor.value == max(r.modified_at for r in records)
    # No search ever paged past the 10,000-result cap (the sandbox answers 400 if one does).
    assert calls(sandbox, "hubspot", "search") <= 25_000 / 200 + 3
    again, _ = drain(hs.changes("contact", cursor))
    assert again == []


def test_incremental_reads_after_writes_and_during_a_read(sandbox):
    sandbox.set_faults(hubspot_index_delay_s=0.3)
    ids = seed(sandbox, 300, sandbox.ctx.now() - timedelta(hours=1), 600.0)
    hs = hubspot_for(sandbox, index_delay_s=1.0)
    sandbox.ctx.advance(0.4)  # the search index catches up
    full, cursor0 = drain(hs.changes("contact", Cursor(), full=True))
    assert {r.id for r in full} == set(ids)
    changed = ids[:250]
    results = hs.write([WriteOp("contact", {"jobtitle": "CTO"}, id=i, ref=i) for i in changed])
    assert all(r.ok for r in results)
    sandbox.ctx.advance(0.4)  # the search index catches up
    first_read = []
    pages = hs.changes("contact", cursor0)
    page = next(pages)
    first_read.extend(page.records)
    during = [first_read[0].id, ids[299]]  # one already read, one never touched before
    for cid in during:
        sandbox.hubspot.update(cid, {"jobtitle": "CEO"})
    rest, cursor1 = drain(pages)
    first_read.extend(rest)
    ids1 = [r.id for r in first_read]
    assert len(ids1) == len(set(ids1))
    assert set(changed) <= set(ids1) <= set(changed) | {ids[299]}
    assert all(r.fields["jobtitle"] in ("CTO", "CEO") for r in first_read)
    sandbox.ctx.advance(0.4)  # the search index catches up
    second, cursor2 = drain(hs.changes("contact", cursor1))
    assert sorted(r.id for r in second) == sorted(during)
    assert all(r.fields["jobtitle"] == "CEO" for r in second)
    third, _ = drain(hs.changes("contact", cursor2))
    assert third == []


def test_archived_and_merged_contacts(sandbox):
    sandbox.set_faults(hubspot_index_delay_s=0.0)
    ids = seed(sandbox, 10, sandbox.ctx.now() - timedelta(hours=1), 60.0)
    hs = hubspot_for(sandbox, index_delay_s=0.5)
    _, cursor = drain(hs.changes("contact", Cursor(), full=True))
    sandbox.ctx.advance(0.01)
    sandbox.hubspot.archive(ids[0])
    survivor = sandbox.hubspot.merge(ids[1], ids[2])
    records, _ = drain(hs.changes("contact", cursor))
    by_id = {r.id: r for r in records}
    assert by_id[ids[0]].deleted
    assert ids[2] in by_id[survivor].merged_ids and not by_id[survivor].deleted
    assert ids[3] not in by_id


def test_values_are_parsed_and_serialized_by_type(sandbox):
    hs = hubspot_for(sandbox)
    when = datetime(2026, 5, 4, 3, 2, 1, 123000, tzinfo=UTC)
    [res] = hs.write(
        [
            WriteOp(
                "contact",
                {
                    "firstname": "Zoë",
                    "leadsync_score": 42.5,
                    "leadsync_converted": True,
                    "leadsync_converted_date": when.date(),
                    "city": None,
                },
                external_id="Zoe@Example.com",
                ref="z",
            )
        ]
    )
    assert res.ok and res.created
    sandbox.hubspot.update(
        res.id, {"recent_conversion_date": "2026-05-04T03:02:01.123Z"}, system=True
    )
    [rec] = hs.read("contact", [res.id])
    assert rec.fields["email"] == "zoe@example.com"
    assert rec.fields["leadsync_score"] == 42.5
    assert rec.fields["leadsync_converted"] is True
    assert rec.fields["leadsync_converted_date"] == when.date()
    assert rec.fields["recent_conversion_date"] == when
    assert rec.fields["city"] is None
    assert isinstance(rec.modified_at, datetime) and rec.modified_at.tzinfo is not None


def test_per_input_errors_and_bad_batches(sandbox):
    hs = hubspot_for(sandbox)
    ops = [
        WriteOp("contact", {"firstname": "Ok"}, external_id="ok@x.example", ref="ok"),
        WriteOp(
            "contact", {"lifecyclestage": "not-a-stage"}, external_id="bad@x.example", ref="bad"
        ),
        WriteOp("contact", {"firstname": "Ok2"}, external_id="ok2@x.example", ref="ok2"),
    ]
    results = hs.write(ops)
    assert [r.ref for r in results] == ["ok", "bad", "ok2"]
    assert [r.ok for r in results] == [True, False, True]
    assert results[1].errors[0].fields == ("lifecyclestage",)
    assert results[1].errors[0].code == "INVALID_OPTION"
    assert sandbox.hubspot.find_by_email("ok2@x.example")


def test_10000_writes_at_minimum_calls_without_429(sandbox):
    hs = hubspot_for(sandbox)
    sandbox.reset_api_calls()
    ops = [
        WriteOp("contact", {"firstname": f"W{i}"}, external_id=f"w{i}@bulk.example", ref=str(i))
        for i in range(10_000)
    ]
    results = hs.write(ops)
    assert all(r.ok for r in results) and sum(r.created for r in results) == 10_000
    # 100 a call is the minimum; any 429 would have cost a repeated call.
    assert calls(sandbox, "hubspot") <= 110
    assert calls(sandbox, "hubspot", "batch/upsert") == 100
    assert len(sandbox.hubspot.all()) == 10_000


def test_daily_limit_stops_cleanly_and_secrets_stay_out(sandbox):
    import pytest

    from connectors.errors import AuthConfigError, QuotaExhaustedError

    hs = hubspot_for(sandbox)
    hs.describe("contact")
    sandbox.set_faults(hubspot_daily_limit=1)
    with pytest.raises(QuotaExhaustedError):
        hs.read("contact", ["1"])
    with pytest.raises(QuotaExhaustedError):
        hs.write([WriteOp("contact", {"firstname": "x"}, id="1")])
    from connectors.hubspot import HubSpotConnector

    wrong = HubSpotConnector(sandbox.hubspot_url, "pat-secret-token", ca_path=sandbox.ca_path)
    with pytest.raises(AuthConfigError) as info:
        wrong.describe("contact")
    assert "pat-secret-token" not in str(info.value) and "pat-secret-token" not in repr(wrong)


def test_wrong_ca_is_a_config_error_not_retried(sandbox, tmp_path):
    import pytest
    import trustme

    from connectors.errors import AuthConfigError
    from connectors.hubspot import HubSpotConnector
    from connectors.salesforce import SalesforceConnector

    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    hs = HubSpotConnector(sandbox.hubspot_url, sandbox.hubspot_token, ca_path=str(other))
    with pytest.raises(AuthConfigError):
        hs.describe("contact")
    sf = SalesforceConnector(
        sandbox.salesforce_url, sandbox.salesforce_session_id, ca_path=str(other)
    )
    with pytest.raises(AuthConfigError):
        sf.describe("Lead")
    assert hs.usage().retries == 0 and sf.usage().retries == 0


def test_limiter_paces_to_the_bucket_and_avoids_429(sandbox):
    sandbox.set_faults(hubspot_rate="10/1s")
    ops = [
        WriteOp("contact", {"firstname": "R"}, external_id=f"r{i}@rate.example", ref=str(i))
        for i in range(1_500)
    ]
    paced = hubspot_for(sandbox, rate="10/1s")
    paced.describe("contact")
    started = time.monotonic()
    assert all(r.ok for r in paced.write(ops))
    assert time.monotonic() - started >= 1.0  # 16 calls cannot fit in one 1-second window
    assert paced.usage().retries == 0 and paced.limiter.waited_s > 0
    # The same writes without pacing run into the bucket: the sandbox answers 429.
    unpaced = hubspot_for(sandbox, rate="1000/1s")
    unpaced.describe("contact")
    assert all(r.ok for r in unpaced.write(ops))
    assert unpaced.usage().retries > 0


def test_more_ties_than_a_page_at_one_millisecond(sandbox):
    sandbox.set_faults(hubspot_index_delay_s=0.0)
    instant = sandbox.ctx.now().replace(microsecond=0) - timedelta(minutes=5)
    ids = seed(sandbox, 450, instant, 0.0)  # every contact at the same millisecond
    seed_one = sandbox.hubspot.create(
        {"email": "late@seed.example"}, when=instant + timedelta(seconds=1)
    )
    hs = hubspot_for(sandbox, search_per_second=50.0)
    records, cursor = drain(hs.changes("contact", Cursor(value=instant - timedelta(seconds=1))))
    assert sorted(r.id for r in records) == sorted([*ids, seed_one])
    assert cursor.value == instant + timedelta(seconds=1)
