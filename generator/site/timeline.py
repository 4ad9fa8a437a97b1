"""Layout of the dispatch timeline: one lane per task, one bar per turn attempt.

Time runs left to right from the run's first dispatch. Bars come from the
recorded timestamps; when a dispatch has only a duration it is placed after
the previous bar of its lane, and when it has neither it gets a token width
and says so in its tooltip, rather than vanishing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from generator.site.rundata import Dispatch, parse_time

LABEL_W, PLOT_W = 96, 880
LANE_H, BAR_H, TOP, BOTTOM = 22, 16, 34, 30
MIN_BAR = 3


@dataclass
class Bar:
    d: Dispatch
    x: int
    y: int
    w: int
    estimated: bool = False


@dataclass
class Lane:
    task_id: str
    y: int
    href: str


@dataclass
class TimelineLayout:
    width: int
    height: int
    bars: list[Bar] = field(default_factory=list)
    lanes: list[Lane] = field(default_factory=list)
    ticks: list[tuple[int, str]] = field(default_factory=list)
    plot_x: int = LABEL_W
    plot_w: int = PLOT_W
    axis_y: int = 0
    span_ms: int = 0


def _nice_step(span_ms: int) -> int:
    """A round tick step giving at most about eight ticks."""
    for step in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000,
                 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 21_600_000):
        if span_ms / step <= 8:
            return step
    return 43_200_000


def fmt_ms(ms: int | None) -> str:
    """A duration for people: 850 ms, 12.5 s, 3 min 20 s, 2 h 05 min."""
    if ms is None:
        return "not recorded"
    if ms < 1000:
        return f"{ms} ms"
    s = ms / 1000
    if s < 60:
        return f"{s:.1f} s"
    m, sec = divmod(int(round(s)), 60)
    if m < 60:
        return f"{m} min {sec:02d} s"
    h, m = divmod(m, 60)
    return f"{h} h {m:02d} min"


def layout(dispatches: list[Dispatch], hrefs: dict[str, str]) -> TimelineLayout:
    """Place every dispatch; `hrefs` maps task ids to their row on the page."""
    lane_of: dict[str, int] = {}
    for d in dispatches:
        lane_of.setdefault(d.task_id, len(lane_of))
    lanes_order = list(lane_of)
    times = [t for d in dispatches for t in (parse_time(d.start), parse_time(d.end)) if t]
    origin = min(times) if times else None

    spans: list[tuple[Dispatch, float, float, bool]] = []
    lane_end: dict[str, float] = {}
    for d in sorted(dispatches, key=lambda d: (lane_of[d.task_id], d.start, d.turn != "gate", d.attempt)):
        start = parse_time(d.start)
        s = (start - origin).total_seconds() * 1000 if start and origin else lane_end.get(d.task_id, 0.0)
        dur = d.duration_ms
        estimated = start is None or dur is None
        e = s + (dur if dur is not None else 0.0)
        spans.append((d, s, e, estimated))
        lane_end[d.task_id] = e
    span = max([e for _, _, e, _ in spans] + [1.0])
    step = _nice_step(int(span))
    span = max(span, step)
    scale = PLOT_W / span

    lanes = [Lane(t, TOP + i * LANE_H, hrefs.get(t, "")) for i, t in enumerate(lanes_order)]
    lane_y = {lane.task_id: lane.y for lane in lanes}
    bars = []
    for d, s, e, est in spans:
        x = LABEL_W + int(s * scale)
        w = max(MIN_BAR, int((e - s) * scale))
        bars.append(Bar(d, x, lane_y[d.task_id] + (LANE_H - BAR_H) // 2, w, est))
    bars.sort(key=lambda b: (b.y, b.x, b.d.turn != "gate", b.d.attempt, b.d.dispatch_id))
    axis_y = TOP + len(lanes) * LANE_H
    ticks = [(LABEL_W + int(t * scale), fmt_ms(t)) for t in range(0, int(span) + 1, step)]
    width = LABEL_W + PLOT_W + 40
    return TimelineLayout(width, axis_y + BOTTOM, bars, lanes, ticks, axis_y=axis_y, span_ms=int(span))
