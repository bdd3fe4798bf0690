"""Charts drawn on the server as inline SVG: a zone's timeline of list versions, and outcome bars.

Plain markup, styled by ``site.css`` through classes (no inline styles, no scripts), each with a
``<title>`` and ``<desc>`` for screen readers; the pages put the same facts in a table beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from markupsafe import Markup, escape

from registry.web.formats import format_date, format_number


@dataclass
class TimelineEvent:
    """Something that happened to a version on a day: approval, filing, effect, revocation."""

    on: date
    kind: str  # approval | filing | effective | revoked
    text: str


@dataclass
class TimelineLane:
    """One version: the periods it was in force and the events of its life."""

    label: str
    status: str  # as shown: 已发布, 已废止 …
    url: str
    revoked: bool = False
    periods: list[tuple[date, date | None]] = field(default_factory=list)  # [start, end), None: still
    events: list[TimelineEvent] = field(default_factory=list)
    superseded_by: str | None = None


WIDTH = 1100
GUTTER = 140
RIGHT = 28
AXIS_HEIGHT = 58
LANE_HEIGHT = 70


def _attr(value: object) -> str:
    return str(escape(str(value)))


def _text_width(text: str, size: float) -> float:
    """A generous estimate of a label's width: a CJK character is one em wide, anything else 0.62 em."""
    return sum(size if ord(char) > 0x2E7F else size * 0.62 for char in text)


def _placed(x: float, text: str, size: float, right: float = WIDTH - 4) -> tuple[float, str]:
    """``x`` and ``text-anchor`` for a label that starts at ``x``, or ends at ``right`` if it would not fit."""
    if x + _text_width(text, size) <= right:
        return x, "start"
    return right, "end"


def timeline_svg(lanes: list[TimelineLane], today: date, title: str) -> Markup:
    """Draw the lanes on one time axis, with year ticks and today's line."""
    days = [today]
    for lane in lanes:
        for start, end in lane.periods:
            days.append(start)
            if end:
                days.append(end)
        days.extend(event.on for event in lane.events)
    first = min(days) - timedelta(days=60)
    last = max(days) + timedelta(days=120)
    span = max((last - first).days, 1)
    inner = WIDTH - GUTTER - RIGHT

    def x(day: date) -> float:
        return round(GUTTER + inner * (day - first).days / span, 1)

    height = AXIS_HEIGHT + LANE_HEIGHT * max(len(lanes), 1) + 12
    parts: list[str] = [
        f'<svg class="timeline" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="tl-title tl-desc" '
        f'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMinYMin meet">',
        f'<title id="tl-title">{_attr(title)}</title>',
        f'<desc id="tl-desc">{_attr(_timeline_description(lanes))}</desc>',
        f'<rect class="tl-bg" x="{GUTTER}" y="{AXIS_HEIGHT - 8}" width="{inner}" height="{height - AXIS_HEIGHT - 4}"/>',
    ]
    # Year ticks (and half-year ticks when the axis is short).
    for year in range(first.year, last.year + 1):
        for month in (1, 7) if span < 2000 else (1,):
            tick = date(year, month, 1)
            if not first <= tick <= last:
                continue
            tx = x(tick)
            major = month == 1
            parts.append(
                f'<line class="tl-grid{" tl-grid--major" if major else ""}" x1="{tx}" y1="{AXIS_HEIGHT - 8}" '
                f'x2="{tx}" y2="{height - 4}"/>'
            )
            label = _("%(year)s年", year=year) if major else _("%(year)s年7月", year=year)
            if tx + 4 + _text_width(label, 12) > WIDTH - 4:
                continue  # a tick at the very end: its label would be cut off, and the line says enough
            parts.append(
                f'<text class="tl-axis{" tl-axis--major" if major else ""}" x="{tx + 4}" y="{AXIS_HEIGHT - 14}">'
                f"{_attr(label)}</text>"
            )
    # Lanes.
    for index, lane in enumerate(lanes):
        top = AXIS_HEIGHT + index * LANE_HEIGHT
        mid = top + LANE_HEIGHT / 2 + 2
        if index:
            parts.append(f'<line class="tl-sep" x1="8" y1="{top}" x2="{WIDTH - 8}" y2="{top}"/>')
        # No link here: inside role="img" a link is neither announced nor reachable by keyboard; the
        # table of versions beside the chart links each version.
        parts.append(f'<text class="tl-label" x="12" y="{mid - 2}">{_attr(lane.label)}</text>')
        parts.append(f'<text class="tl-sublabel" x="12" y="{mid + 15}">{_attr(lane.status)}</text>')
        for number, (start, end) in enumerate(lane.periods, start=1):
            x1 = x(start)
            period = _period_short(start, end)
            px, anchor = _placed(x1 + 14, period, 12)
            parts.append(
                f'<text class="tl-period" x="{px}" y="{mid - 14}" text-anchor="{anchor}">{_attr(period)}</text>'
            )
            open_ended = end is None
            x2 = x(end) if end else WIDTH - RIGHT
            if start <= today and (end is None or today < end):
                state = "current" if start <= today else "future"
            elif start > today:
                state = "future"
            elif lane.revoked and number == len(lane.periods) and not lane.superseded_by:
                state = "revoked"
            else:
                state = "past"
            parts.append(
                f'<rect class="tl-bar tl-bar--{state}" x="{x1}" y="{mid - 9}" width="{max(x2 - x1, 3)}" '
                f'height="18" rx="3"><title>{_attr(_period_text(start, end))}</title></rect>'
            )
            if open_ended:
                points = f"{x2},{mid - 13} {x2 + 14},{mid} {x2},{mid + 13}"
                parts.append(f'<polygon class="tl-arrow tl-bar--{state}" points="{points}"/>')
        # Approval and filings often fall days apart: nudge markers that would cover each other.
        last_x = None
        for event in sorted(lane.events, key=lambda e: e.on):
            cx = x(event.on)
            if event.kind in ("approval", "filing"):
                if last_x is not None and cx - last_x < 12:
                    cx = last_x + 12
                last_x = cx
            parts.append(_marker(event, cx, mid))
        if lane.superseded_by and lane.periods and lane.periods[-1][1]:
            end_x = x(lane.periods[-1][1])
            note = _("被%(version)s取代", version=lane.superseded_by)
            parts.append(f'<text class="tl-note" x="{end_x - 4}" y="{mid + 25}" text-anchor="end">{_attr(note)}</text>')
    # Today.
    tx = x(today)
    parts.append(f'<line class="tl-today" x1="{tx}" y1="22" x2="{tx}" y2="{height - 4}"/>')
    near_end = tx > WIDTH - 220
    today_text = _("今天 %(date)s", date=format_date(today))
    parts.append(
        f'<text class="tl-today-label" x="{tx - 6 if near_end else tx + 6}" y="17" '
        f'text-anchor="{"end" if near_end else "start"}">{_attr(today_text)}</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))


def _period_text(start: date, end: date | None) -> str:
    if end is None:
        return _("%(start)s起施行", start=format_date(start))
    return _("%(start)s至%(end)s施行", start=format_date(start), end=format_date(end - timedelta(days=1)))


def _period_short(start: date, end: date | None) -> str:
    if end is None:
        return _("%(start)s起", start=format_date(start))
    return _("%(start)s至%(end)s", start=format_date(start), end=format_date(end - timedelta(days=1)))


def _marker(event: TimelineEvent, cx: float, mid: float) -> str:
    tip = f"<title>{_attr(format_date(event.on))} {_attr(event.text)}</title>"
    if event.kind == "approval":
        return (
            f'<polygon class="tl-mark tl-mark--approval" points="{cx},{mid - 8} {cx + 7},{mid} {cx},{mid + 8} '
            f'{cx - 7},{mid}">{tip}</polygon>'
        )
    if event.kind == "filing":
        return f'<circle class="tl-mark tl-mark--filing" cx="{cx}" cy="{mid}" r="5.5">{tip}</circle>'
    if event.kind == "revoked":
        return (
            f'<g class="tl-mark tl-mark--revoked">{tip}<line x1="{cx - 7}" y1="{mid - 7}" x2="{cx + 7}" '
            f'y2="{mid + 7}"/><line x1="{cx - 7}" y1="{mid + 7}" x2="{cx + 7}" y2="{mid - 7}"/></g>'
        )
    # effective: a flag at the start of the bar
    return (
        f'<g class="tl-mark tl-mark--effective">{tip}<line x1="{cx}" y1="{mid - 16}" x2="{cx}" y2="{mid + 9}"/>'
        f'<polygon points="{cx},{mid - 16} {cx + 11},{mid - 12} {cx},{mid - 8}"/></g>'
    )


def _timeline_description(lanes: list[TimelineLane]) -> str:
    sentences = []
    for lane in lanes:
        periods = "; ".join(_period_text(start, end) for start, end in lane.periods) or _("从未施行")
        sentences.append(f"{lane.label}: {periods}")
    return " / ".join(sentences)


def bar_chart_svg(rows: list[tuple[str, str, int]], title: str) -> Markup:
    """Horizontal bars ``(css_key, label, count)``, scaled to the largest count."""
    label_width, bar_left, bar_height, gap = 250, 262, 26, 14
    width = 760
    inner = width - bar_left - 120  # room after the longest bar for "12,345 · 100%"
    largest = max((count for _key, _label, count in rows), default=0) or 1
    total = sum(count for _key, _label, count in rows)
    height = len(rows) * (bar_height + gap) + gap
    parts = [
        f'<svg class="bars" viewBox="0 0 {width} {height}" role="img" aria-labelledby="bars-title bars-desc" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="bars-title">{_attr(title)}</title>',
        '<desc id="bars-desc">'
        + _attr("; ".join(f"{label}: {format_number(count)}" for _key, label, count in rows))
        + "</desc>",
    ]
    for index, (key, label, count) in enumerate(rows):
        top = gap + index * (bar_height + gap)
        length = round(inner * count / largest, 1) if count else 0
        share = f"{100 * count / total:.0f}%" if total else "0%"
        parts.append(
            f'<text class="bars-label" x="{label_width}" y="{top + bar_height / 2 + 5}" text-anchor="end">'
            f"{_attr(label)}</text>"
        )
        parts.append(
            f'<rect class="bars-track" x="{bar_left}" y="{top}" width="{inner}" height="{bar_height}" rx="3"/>'
        )
        if length:
            parts.append(
                f'<rect class="bars-bar bars-bar--{_attr(key)}" x="{bar_left}" y="{top}" width="{length}" '
                f'height="{bar_height}" rx="3"/>'
            )
        parts.append(
            f'<text class="bars-value" x="{bar_left + length + 8}" y="{top + bar_height / 2 + 5}">'
            f"{_attr(format_number(count))} · {share}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
