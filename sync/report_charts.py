"""Charts of the HTML report as inline SVG strings: no script, no network, text escaped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

# Words for the shipped exclusion codes (rules.yaml); other codes are shown with spaces.
EXCLUSION_WORDS = {
    "honeypot": "bot: hidden form field filled in",
    "invalid_email": "invalid email address",
    "disposable_email": "throwaway mailbox",
    "employee": "our own employee",
    "competitor": "competitor",
    "vendor": "vendor",
    "test": "test entry",
    "bot": "machine-made sign-up",
}
RAW, QUALIFIED = "#9fb7d4", "#1f5fa8"
STATUS_COLOURS = {"ok": "#2e8b57", "partial": "#e0a000", "failed": "#c0392b", "stopped": "#888"}


def exclusion_words(code: str) -> str:
    """An exclusion code in words."""
    return EXCLUSION_WORDS.get(code, code.replace("_", " "))


@dataclass(frozen=True)
class Bar:
    """One labelled value of a bar chart."""

    label: str
    value: float
    colour: str = QUALIFIED
    note: str = ""  # shown after the value


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    return (
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>' + "".join(body) + "</svg>"
    )


def _text(x: float, y: float, text: str, *, anchor: str = "start", size: int = 12) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'font-family="system-ui, sans-serif">{escape(text)}</text>'
    )


def horizontal_bars(title: str, bars: Sequence[Bar], *, width: int = 640) -> str:
    """Labelled horizontal bars (exclusions by reason, the stage funnel)."""
    label_w, row_h, top = 230, 24, 8
    height = top * 2 + row_h * max(len(bars), 1)
    body: list[str] = []
    if not bars:
        body.append(_text(10, 24, "nothing to show yet"))
    top_value = max((b.value for b in bars), default=0) or 1
    room = width - label_w - 90
    for i, b in enumerate(bars):
        y = top + i * row_h
        w = max(room * b.value / top_value, 1 if b.value else 0)
        body.append(_text(label_w - 8, y + 16, b.label, anchor="end"))
        body.append(
            f'<rect class="bar" x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" '
            f'fill="{b.colour}"><title>{escape(b.label)}: {b.value:g}</title></rect>'
        )
        body.append(_text(label_w + w + 6, y + 16, f"{b.value:g}{b.note}"))
    return _svg(width, height, title, body)


@dataclass(frozen=True)
class Series:
    """Raw and qualified people of one source, per period."""

    source: str
    periods: Sequence[str]
    raw: Sequence[int]
    qualified: Sequence[int]


def raw_vs_qualified(title: str, series: Sequence[Series], *, width: int = 640) -> str:
    """Small multiples: per source, raw (light) and qualified (dark) people per period."""
    panel_h, top, left = 110, 20, 40
    height = top + panel_h * max(len(series), 1) + 24
    body = [
        f'<rect x="{left}" y="4" width="10" height="10" fill="{RAW}"/>',
        _text(left + 14, 13, "all people (raw)", size=11),
        f'<rect x="{left + 130}" y="4" width="10" height="10" fill="{QUALIFIED}"/>',
        _text(left + 144, 13, "qualified (MQL or SQL, not excluded)", size=11),
    ]
    if not series:
        body.append(_text(10, 50, "nothing to show yet"))
    for n, s in enumerate(series):
        y0 = top + n * panel_h
        base = y0 + panel_h - 26
        plot_h = panel_h - 46
        top_value = max([*s.raw, 1])
        slots = max(len(s.periods), 1)
        slot = (width - left - 10) / slots
        bar_w = max(min(slot / 2 - 2, 24), 1)
        body.append(
            _text(
                left,
                y0 + 14,
                f"{s.source}: {sum(s.raw)} people, {sum(s.qualified)} qualified",
                size=12,
            )
        )
        body.append(f'<line x1="{left}" y1="{base}" x2="{width - 10}" y2="{base}" stroke="#bbb"/>')
        for i, period in enumerate(s.periods):
            x = left + i * slot + 2
            for j, (value, colour) in enumerate(((s.raw[i], RAW), (s.qualified[i], QUALIFIED))):
                h = plot_h * value / top_value
                body.append(
                    f'<rect class="bar" x="{x + j * bar_w:.1f}" y="{base - h:.1f}" '
                    f'width="{bar_w:.1f}" height="{h:.1f}" fill="{colour}">'
                    f"<title>{escape(s.source)} {escape(period)}: {value}</title></rect>"
                )
            if len(s.periods) <= 12 or i % max(len(s.periods) // 6, 1) == 0:
                body.append(_text(x, base + 14, period, size=10))
    return _svg(width, height, title, body)


@dataclass(frozen=True)
class RunPoint:
    """One run of the sync-health chart."""

    label: str
    status: str
    written: int
    dead_letters: int


def run_health(title: str, runs: Sequence[RunPoint], *, width: int = 640) -> str:
    """Records written per run (oldest left), coloured by the run's status, dead letters marked."""
    height, top, left, base = 170, 24, 40, 140
    body: list[str] = []
    x = left
    for status, colour in STATUS_COLOURS.items():
        body.append(f'<rect x="{x}" y="4" width="10" height="10" fill="{colour}"/>')
        body.append(_text(x + 14, 13, status, size=11))
        x += 80
    if not runs:
        body.append(_text(10, 60, "no runs yet"))
        return _svg(width, height, title, body)
    top_value = max([r.written for r in runs] + [1])
    slot = (width - left - 10) / len(runs)
    bar_w = max(min(slot - 4, 30), 2)
    body.append(f'<line x1="{left}" y1="{base}" x2="{width - 10}" y2="{base}" stroke="#bbb"/>')
    for i, r in enumerate(runs):
        h = max((base - top - 10) * r.written / top_value, 2)
        bx = left + i * slot + 2
        colour = STATUS_COLOURS.get(r.status, "#555")
        body.append(
            f'<rect class="bar" x="{bx:.1f}" y="{base - h:.1f}" width="{bar_w:.1f}" '
            f'height="{h:.1f}" fill="{colour}"><title>{escape(r.label)}: {escape(r.status)}, '
            f"{r.written} written, {r.dead_letters} dead letters</title></rect>"
        )
        if r.dead_letters:
            body.append(
                _text(bx + bar_w / 2, base - h - 4, f"✉{r.dead_letters}", anchor="middle", size=10)
            )
        if len(runs) <= 10 or i % max(len(runs) // 8, 1) == 0:
            body.append(_text(bx, base + 14, r.label, size=10))
    return _svg(width, height, title, body)
