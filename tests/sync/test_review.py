from collections import Counter
from datetime import UTC, datetime, timedelta

from sync.html_report import ReportData, render
from sync.review import held_records
from sync.state_models import Decision, DecisionRow, Reason

T0 = datetime(2026, 6, 1, tzinfo=UTC)


def _row(i: int, email: str, stage: str, exclusion: str | None = None) -> DecisionRow:
    reasons = (
        Reason("bot_signals", -15, f'mailbox "{email.split("@")[0]}" scores 0.91; free mail'),
        Reason("phone_given", 5, "gave a phone number"),
    )
    decision = Decision(f"link-{i}", email, exclusion, 12.0, stage, reasons)
    return DecisionRow(i, "run", T0 + timedelta(minutes=i), decision)


def test_only_hold_stages_are_listed_newest_first_with_their_evidence() -> None:
    rows = {
        "a": _row(1, "kq7@gmail.com", "review"),
        "b": _row(2, "maria@acme.com", "sql"),
        "c": _row(3, "zz9@gmail.com", "review"),
        "d": _row(4, "bot@x.xyz", "excluded", "bot"),
    }
    held = held_records(rows, {"review"})
    assert [h.email for h in held] == ["zz9@gmail.com", "kq7@gmail.com"]
    assert held[0].evidence == 'mailbox "zz9" scores 0.91; free mail'  # negative reasons only


def test_report_lists_the_review_lane_escaped() -> None:
    held = held_records({"a": _row(1, "<script>@gmail.com", "review")}, {"review"})
    data = ReportData("default", T0, [], [], 0, 0, Counter(), 0, 0, held=held)
    html = render(data)
    assert "Held for review" in html and "1 record not created in Salesforce" in html
    assert "&lt;script&gt;@gmail.com" in html
