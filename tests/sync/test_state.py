from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from connectors.base import Cursor, Value
from sync.state import StateStore
from sync.state_models import (
    AuditEntry,
    BatchCommit,
    CursorUpdate,
    DeadLetterFailure,
    DeadLetterPolicy,
    Decision,
    Link,
    NewDeadLetter,
    Reason,
    RecordRef,
    new_id,
)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(state_url: str):
    with StateStore(state_url, pair="p1") as s:
        yield s


def link(n: int, **kw: object) -> Link:
    values: dict[str, object] = {
        "id": f"link-{n}",
        "hubspot_id": str(1000 + n),
        "salesforce_id": f"00Q{n:015d}",
        "salesforce_type": "Lead",
        "email": f"lead{n}@example.com",
    }
    values.update(kw)
    return Link(**values)  # type: ignore[arg-type]


def dead(ref: str, code: str = "FIELD_CUSTOM_VALIDATION_EXCEPTION") -> NewDeadLetter:
    return NewDeadLetter(
        system="salesforce",
        object_type="Lead",
        record_ref=ref,
        payload={"Company": "Acme", "AnnualRevenue": 12.5, "ConvertedDate": date(2026, 1, 2)},
        code=code,
        message="Company is required",
        field="Company",
        link_id="link-1",
    )


EVERY_VALUE: dict[str, Value] = {
    "text": 'o\'brien "quoted" ünïcode',
    "empty": "",
    "looks_tagged": '{"$date": "2024-01-01"}',
    "int": 42,
    "big": 2**53 + 1,
    "negative": -7,
    "float": 0.1,
    "whole_float": 3.0,
    "true": True,
    "false": False,
    "none": None,
    "date": date(2024, 2, 29),
    "utc": datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC),
    "offset": datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone(timedelta(hours=-5))),
    "naive": datetime(2024, 5, 6, 7, 8, 9),
}


def test_every_value_type_round_trips(store: StateStore) -> None:
    store.commit_batch(BatchCommit(at=T0, links=[link(1)], bases={"link-1": EVERY_VALUE}))
    base = store.load_bases(["link-1", "unknown"])
    assert set(base) == {"link-1"}
    got = base["link-1"]
    assert got == EVERY_VALUE
    # == would accept 3 for 3.0 and 1 for True: the types must survive too.
    assert {k: type(v) for k, v in got.items()} == {k: type(v) for k, v in EVERY_VALUE.items()}
    assert got["offset"].utcoffset() == timedelta(hours=-5)  # type: ignore[union-attr]


def test_audit_values_round_trip(store: StateStore) -> None:
    run = store.start_run(dry_run=False)
    entries = [
        AuditEntry(f, None, v, "to_salesforce", "two_way", link_id="link-1", hubspot_id="1001")
        for f, v in EVERY_VALUE.items()
    ]
    store.commit_batch(BatchCommit(at=T0, run_id=run, audit=entries))
    rows = store.audit_for(link_id="link-1")
    assert [r.entry for r in rows] == entries
    assert [type(r.entry.new) for r in rows] == [type(e.new) for e in entries]
    assert all(r.run_id == run and r.at == T0 for r in rows)
    assert len(store.audit_for(record_id="1001", field="date")) == 1
    assert store.audit_for(run_id="other") == []


def test_non_finite_float_is_refused(store: StateStore) -> None:
    with pytest.raises(ValueError, match="non-finite"):
        store.commit_batch(BatchCommit(at=T0, bases={"x": {"score": float("nan")}}))


def test_links_upsert_retire_and_keep_created(store: StateStore) -> None:
    store.commit_batch(BatchCommit(at=T0, links=[link(1), link(2)]))
    later = T0 + timedelta(hours=1)
    converted = link(1, salesforce_id="003000000000000001", salesforce_type="Contact")
    retired = link(2, status="retired", reason="archived in HubSpot")
    store.commit_batch(BatchCommit(at=later, links=[converted, retired]))
    by_id = {x.id: x for x in store.load_links()}
    assert by_id["link-1"].salesforce_type == "Contact"
    assert by_id["link-1"].salesforce_id == "003000000000000001"
    assert by_id["link-1"].created_at == T0
    assert by_id["link-1"].updated_at == later
    assert (by_id["link-2"].status, by_id["link-2"].reason) == ("retired", "archived in HubSpot")
    assert [x.id for x in store.load_links(active_only=True)] == ["link-1"]


def test_hubspot_id_unique_among_active_links(store: StateStore) -> None:
    store.commit_batch(BatchCommit(at=T0, links=[link(1, hubspot_id="77")]))
    with pytest.raises(sa.exc.IntegrityError):
        store.commit_batch(BatchCommit(at=T0, links=[link(2, hubspot_id="77")]))
    # A HubSpot merge: the absorbed contact's link is retired and another takes its id,
    # in one batch, whatever order the engine lists them in.
    store.commit_batch(
        BatchCommit(
            at=T0,
            links=[link(2, hubspot_id="77"), link(1, hubspot_id="77", status="retired")],
        )
    )
    active = store.load_links(active_only=True)
    assert [(x.id, x.hubspot_id) for x in active] == [("link-2", "77")]


def test_pairs_are_isolated(state_url: str) -> None:
    with StateStore(state_url, pair="a") as a, StateStore(state_url, pair="b") as b:
        a.commit_batch(
            BatchCommit(
                at=T0,
                links=[link(1)],
                bases={"link-1": {"x": 1}},
                cursors=[CursorUpdate("hubspot", "contact", Cursor(T0))],
            )
        )
        a.start_run(dry_run=True)
        assert b.load_links() == []
        assert b.load_bases(["link-1"]) == {}
        assert b.get_cursor("hubspot", "contact") == Cursor()
        assert b.runs() == []
        assert len(a.load_links()) == 1
        # The same link id in another pair is another link.
        b.commit_batch(
            BatchCommit(at=T0, links=[link(1, email="b@x.com")], bases={"link-1": {"x": 2}})
        )
        assert [x.email for x in a.load_links()] == ["lead1@example.com"]
        assert a.load_bases(["link-1"]) == {"link-1": {"x": 1}}
        assert b.load_bases(["link-1"]) == {"link-1": {"x": 2}}


def test_cursors(store: StateStore) -> None:
    assert store.get_cursor("salesforce", "Lead") == Cursor()
    first = Cursor(T0, frozenset({"00Q1", "00Q2"}))
    store.commit_batch(BatchCommit(at=T0, cursors=[CursorUpdate("salesforce", "Lead", first)]))
    assert store.get_cursor("salesforce", "Lead") == first
    assert store.get_cursor("salesforce", "Contact") == Cursor()
    second = Cursor(T0 + timedelta(minutes=5))
    store.commit_batch(BatchCommit(at=T0, cursors=[CursorUpdate("salesforce", "Lead", second)]))
    assert store.get_cursor("salesforce", "Lead") == second


def test_bases_replace_whole_snapshot(store: StateStore) -> None:
    store.commit_batch(BatchCommit(at=T0, bases={"link-1": {"a": 1, "b": 2}}))
    store.commit_batch(BatchCommit(at=T0, bases={"link-1": {"a": 3}}))
    assert store.load_bases(["link-1"]) == {"link-1": {"a": 3}}


def test_load_bases_many_ids(store: StateStore) -> None:
    bases: dict[str, dict[str, Value]] = {f"l{i}": {"i": i} for i in range(1200)}
    store.commit_batch(BatchCommit(at=T0, bases=bases))
    got = store.load_bases([*bases, *bases])  # duplicates and > one IN-chunk of ids
    assert got == bases


def test_commit_is_atomic_when_it_fails_midway(store: StateStore) -> None:
    run = store.start_run(dry_run=False)
    batch = BatchCommit(
        at=T0,
        run_id=run,
        links=[link(1)],
        bases={"link-1": {"email": "a@b.c"}},
        cursors=[CursorUpdate("hubspot", "contact", Cursor(T0))],
        audit=[AuditEntry("email", None, "a@b.c", "to_salesforce", "two_way", link_id="link-1")],
        decisions=[Decision("link-1", "a@b.c", None, 50.0, "mql", (Reason("t", 5, "title"),))],
        dead_letters=[dead("00Q1")],
        # Written last: an unknown id makes the commit fail after everything else was sent.
        dead_letter_failures=[DeadLetterFailure("no-such-letter", "X", "y")],
    )
    with pytest.raises(KeyError, match="no-such-letter"):
        store.commit_batch(batch)
    assert store.load_links() == []
    assert store.load_bases(["link-1"]) == {}
    assert store.get_cursor("hubspot", "contact") == Cursor()
    assert store.audit_for() == []
    assert store.decisions_for() == []
    assert store.dead_letters(status=None) == []
    # The same batch without the bad part goes through whole.
    store.commit_batch(replace(batch, dead_letter_failures=()))
    assert len(store.load_links()) == 1
    assert store.get_cursor("hubspot", "contact") == Cursor(T0)
    assert len(store.audit_for()) == 1
    assert len(store.dead_letters()) == 1


def test_crash_inside_commit_leaves_nothing(
    store: StateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*_a: object, **_k: object) -> None:
        raise RuntimeError("killed mid-commit")

    monkeypatch.setattr("sync.state.add_dead_letters", boom)  # the last step
    with pytest.raises(RuntimeError):
        store.commit_batch(
            BatchCommit(
                at=T0,
                links=[link(1)],
                bases={"link-1": {"a": 1}},
                cursors=[CursorUpdate("hubspot", "contact", Cursor(T0))],
            )
        )
    assert store.load_links() == []
    assert store.load_bases(["link-1"]) == {}
    assert store.get_cursor("hubspot", "contact") == Cursor()


def test_runs(store: StateStore) -> None:
    first = store.start_run(dry_run=False, at=T0)
    second = store.start_run(dry_run=True, at=T0 + timedelta(minutes=1))
    stats = {"pulled": {"hubspot": 3, "salesforce": 4}, "conflicts": 1}
    store.finish_run(first, "partial", stats, at=T0 + timedelta(seconds=30))
    rows = store.runs()
    assert [r.id for r in rows] == [second, first]
    assert rows[0].status == "running" and rows[0].dry_run and rows[0].finished_at is None
    assert rows[1].status == "partial" and rows[1].stats == stats
    assert rows[1].finished_at == T0 + timedelta(seconds=30)
    assert store.runs(limit=1)[0].id == second
    with pytest.raises(KeyError):
        store.finish_run("nope", "ok", {})


def test_decisions(store: StateStore) -> None:
    run = store.start_run(dry_run=False)
    kept = Decision(
        "link-1",
        "a@x.com",
        None,
        72.5,
        "sql",
        (Reason("vp_title", 30, "title is VP of Sales"), Reason("visits", 12.5, "5 visits")),
        fit=60,
        engagement=12.5,
    )
    bot = Decision(None, "bot@mailinator.com", "disposable", None, "excluded", ())
    store.commit_batch(BatchCommit(at=T0, run_id=run, decisions=[kept, bot]))
    assert [d.decision for d in store.decisions_for(link_id="link-1")] == [kept]
    rows = store.decisions_for(email="bot@mailinator.com")
    assert [d.decision for d in rows] == [bot]
    assert rows[0].run_id == run


def test_dead_letter_backoff_and_discard(state_url: str) -> None:
    policy = DeadLetterPolicy(base_delay_s=60, max_attempts=4)
    with StateStore(state_url, pair="p1", dead_letter_policy=policy) as store:
        store.commit_batch(BatchCommit(at=T0, dead_letters=[dead("00Q1"), dead("00Q2")]))
        assert store.due_dead_letters(T0 + timedelta(seconds=59), 10) == []
        due = store.due_dead_letters(T0 + timedelta(seconds=60), 10)
        assert sorted(d.record_ref for d in due) == ["00Q1", "00Q2"]
        letter = next(d for d in due if d.record_ref == "00Q1")
        assert letter.attempts == 1 and letter.status == "pending"
        assert letter.payload == dead("00Q1").payload
        assert (letter.code, letter.field, letter.link_id) == (
            "FIELD_CUSTOM_VALIDATION_EXCEPTION",
            "Company",
            "link-1",
        )

        now = T0 + timedelta(seconds=60)
        after = store.dead_letter_attempt_failed(letter.id, now, "UNABLE_TO_LOCK_ROW", "busy")
        assert after.attempts == 2 and after.next_attempt_at == now + timedelta(seconds=120)
        assert after.code == "UNABLE_TO_LOCK_ROW"
        after = store.dead_letter_attempt_failed(letter.id, now, "E", "m")
        assert after.next_attempt_at == now + timedelta(seconds=240)
        after = store.dead_letter_attempt_failed(letter.id, now, "E", "last")
        assert after.attempts == 4 and after.status == "discarded"
        assert after.next_attempt_at is None
        far = T0 + timedelta(days=30)
        assert [d.record_ref for d in store.due_dead_letters(far, 10)] == ["00Q2"]
        assert [d.id for d in store.dead_letters(status="discarded")] == [letter.id]
        assert store.counts().dead_letters_discarded == 1

        # The other one goes through on retry, in the batch that wrote it.
        other = store.due_dead_letters(far, 10)[0]
        store.commit_batch(BatchCommit(at=far, resolved_dead_letters=[other.id]))
        assert store.due_dead_letters(far, 10) == []
        assert store.dead_letters(status="resolved")[0].id == other.id


def test_backoff_is_capped_and_overridable(store: StateStore) -> None:
    store.commit_batch(BatchCommit(at=T0, dead_letters=[dead("00Q1")]))
    dl = store.dead_letters()[0]
    for _ in range(5):
        dl = store.dead_letter_attempt_failed(dl.id, T0, "E", "m", base_delay_s=50_000)
    assert dl.status == "pending" and dl.attempts == 6
    assert dl.next_attempt_at == T0 + timedelta(days=1)
    dl = store.dead_letter_attempt_failed(dl.id, T0, "E", "m", max_attempts=7)
    assert dl.status == "discarded"


def test_same_record_failing_again_is_one_letter(store: StateStore) -> None:
    store.commit_batch(BatchCommit(at=T0, dead_letters=[dead("00Q1")]))
    later = T0 + timedelta(hours=1)
    newer = NewDeadLetter(
        "salesforce", "Lead", "00Q1", {"Company": "Acme 2"}, "INVALID_EMAIL", "bad email", "Email"
    )
    store.commit_batch(BatchCommit(at=later, dead_letters=[newer, dead("00Q9")]))
    letters = {d.record_ref: d for d in store.dead_letters()}
    assert set(letters) == {"00Q1", "00Q9"}
    again = letters["00Q1"]
    assert again.attempts == 2
    assert (again.code, again.field, again.payload) == ("INVALID_EMAIL", "Email", newer.payload)
    assert again.next_attempt_at == later + timedelta(seconds=120)
    # Same id in HubSpot is a different record.
    other_system = NewDeadLetter("hubspot", "contact", "00Q1", {}, "E", "m")
    store.commit_batch(BatchCommit(at=later, dead_letters=[other_system]))
    assert len(store.dead_letters()) == 3


def test_dead_letter_failures_in_a_batch(store: StateStore) -> None:
    store.commit_batch(BatchCommit(at=T0, dead_letters=[dead("00Q1")]))
    dl = store.dead_letters()[0]
    store.commit_batch(
        BatchCommit(at=T0, dead_letter_failures=[DeadLetterFailure(dl.id, "E2", "again")])
    )
    assert store.dead_letters()[0].attempts == 2
    store.set_dead_letter_status(dl.id, "discarded", T0)
    assert store.dead_letters() == []
    store.set_dead_letter_status(dl.id, "pending", T0)
    assert [d.id for d in store.due_dead_letters(T0, 5)] == [dl.id]


def test_counts(store: StateStore) -> None:
    assert store.counts().last_run is None
    run = store.start_run(dry_run=False)
    store.commit_batch(
        BatchCommit(
            at=T0,
            links=[link(1), link(2), link(3, status="retired")],
            dead_letters=[dead("00Q1")],
        )
    )
    counts = store.counts()
    assert (counts.links_active, counts.links_retired) == (2, 1)
    assert (counts.dead_letters_pending, counts.dead_letters_discarded) == (1, 0)
    assert counts.runs == 1 and counts.last_run is not None and counts.last_run.id == run


def test_naive_timestamps_are_refused(store: StateStore) -> None:
    with pytest.raises(sa.exc.StatementError, match="naive datetime"):
        store.commit_batch(BatchCommit(at=datetime(2026, 1, 1), links=[link(1)]))


def test_new_ids_are_unique() -> None:
    assert len({new_id() for _ in range(1000)}) == 1000


def test_sqlite_directory_is_created(tmp_path) -> None:
    path = tmp_path / "a" / "b" / "state.db"
    with StateStore(f"sqlite:///{path}") as s:
        assert s.schema_version >= 2
    assert path.is_file()


def test_in_memory_sqlite_works() -> None:
    with StateStore("sqlite://") as s, s.lock():
        s.commit_batch(BatchCommit(at=T0, links=[link(1)]))
        assert len(s.load_links()) == 1


def test_decision_from_rules(store: StateStore) -> None:
    from mappings.rules import Decision as RulesDecision
    from mappings.rules import FiredRule

    decided = RulesDecision(
        excluded=False,
        exclusion=None,
        fit=40.0,
        engagement=20.0,
        score=60.0,
        stage="mql",
        fired=(FiredRule("title_vp", 40.0, "title VP Sales"), FiredRule("visits", 20.0, "7")),
    )
    decision = Decision.from_rules("link-1", "a@x.com", decided)
    store.commit_batch(BatchCommit(at=T0, decisions=[decision]))
    [row] = store.decisions_for(link_id="link-1")
    assert row.decision == decision
    assert row.decision.reasons[0] == Reason("title_vp", 40.0, "title VP Sales")
    assert (row.decision.fit, row.decision.engagement, row.decision.score) == (40.0, 20.0, 60.0)


def test_from_settings(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sync.settings import load_settings

    monkeypatch.chdir(tmp_path)  # no .env or leadsync.toml of the developer
    settings = load_settings(
        state_url=sqlite_url, pair="eu", dead_letter_base_delay_s=5, dead_letter_max_attempts=2
    )
    with StateStore.from_settings(settings) as store:
        assert store.pair == "eu"
        store.commit_batch(BatchCommit(at=T0, dead_letters=[dead("00Q1")]))
        [dl] = store.dead_letters()
        assert dl.next_attempt_at == T0 + timedelta(seconds=5)
        assert store.dead_letter_attempt_failed(dl.id, T0, "E", "m").status == "discarded"


def test_records_written_resolve_their_dead_letters(store: StateStore) -> None:
    store.commit_batch(
        BatchCommit(
            at=T0,
            dead_letters=[
                dead("00Q1"),
                dead("00Q2"),
                NewDeadLetter("hubspot", "contact", "00Q1", {}, "E", "m"),
            ],
        )
    )
    store.commit_batch(
        BatchCommit(
            at=T0,
            resolved_records=[
                RecordRef("salesforce", "Lead", "00Q1"),
                RecordRef("salesforce", "Contact", "00Q2"),  # another object: not this letter
            ],
        )
    )
    pending = {(d.system, d.record_ref) for d in store.dead_letters()}
    assert pending == {("salesforce", "00Q2"), ("hubspot", "00Q1")}
    [resolved] = store.dead_letters(status="resolved")
    assert (resolved.system, resolved.record_ref) == ("salesforce", "00Q1")
