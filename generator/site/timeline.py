"""Layout of the dispatch timeline: one bar per turn attempt, in lanes.

Time runs left to right from the run's first dispatch. Bars come from the
recorded timestamps; when a dispatch has only a duration it is placed after
the previous bar of its task, and when it has neither it gets a token width
and says so in its tooltip, rather than vanishing.

Up to PACK_FROM tasks each task has its own lane, labelled with its id. From
PACK_FROM tasks on, one lane per task would make a chart thousands of pixels
tall, so tasks are packed: a task's bars share a lane with other tasks whose
drawn extents do not overlap (greedy first fit in order of start, ties broken
by end, then first appearance); packed bars lose PACK_TRIM px at their end so
tasks back to back in a lane stay visibly apart. The lane count is then the run's peak
concurrency, not its task count; past PACK_LANES lanes the lanes get thinner
down to MIN_LANE_H so the chart stays bounded. Every bar keeps its own
<title> and links to its task's row, so a packed bar is still identified.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from generator.site.rundata import Dispatch, parse_time

LABEL_W, PLOT_W = 96, 880
LANE_H, BAR_H, TOP, BOTTOM = 22, 16, 34, 30
MIN_BAR = 3
PACK_FROM = 40      # tasks: from here on, tasks share lanes
PACK_LANES = 40     # packed lanes drawn at full height; beyond, lanes get thinner
MIN_LANE_H = 12
PACK_TRIM = 2       # px trimmed off the end of a packed bar, so tasks back to back in a lane stay apart

OK_STATUSES = {"COMPLETED", "PASS", "ACCEPT"}
BAD_STATUSES = {"FAILED", "FAIL", "REJECT", "DISPATCH_FAILED", "ERROR"}


@dataclass
class Bar:
    d: Dispatch
    x: int
    y: int
    w: int
    estimated: bool = False
    href: str = ""
    label: str = ""
    mark: str = ""  # "" finished well, "bad" failed (solid rule under the bar), "open" anything else (dotted rule)


@dataclass
class Lane:
    task_id: str  # the task in a lane of its own; "" in a packed lane
    y: int
    href: str
    label: str = ""
    tasks: list[str] = field(default_factory=list)


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
    packed: bool = False
    tasks: int = 0
    lane_h: int = LANE_H
    bar_h: int = BAR_H


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


def _mark(status: str) -> str:
    return "" if status in OK_STATUSES else "bad" if status in BAD_STATUSES else "open"


def pack(extents: list[tuple[str, int, int]], gap: int = 0) -> dict[str, int]:
    """Lane index per task from (task, x0, x1) extents listed in first-appearance order.

    Greedy first fit by start: a task goes into the lowest lane whose last
    extent ends at least `gap` before it starts (extents are half-open, so
    back to back is not overlapping). Taken in order of start, with gap 0 this
    uses as many lanes as the most extents overlapping at one point.
    """
    order = sorted(range(len(extents)), key=lambda i: (extents[i][1], extents[i][2], i))
    lane_end: list[int] = []
    lane_of: dict[str, int] = {}
    for i in order:
        task, x0, x1 = extents[i]
        for k, end in enumerate(lane_end):
            if end + gap <= x0:
                lane_end[k] = x1
                lane_of[task] = k
                break
        else:
            lane_of[task] = len(lane_end)
            lane_end.append(x1)
    return lane_of


def layout(dispatches: list[Dispatch], hrefs: dict[str, str]) -> TimelineLayout:
    """Place every dispatch; `hrefs` maps task ids to their row on the page."""
    first: dict[str, int] = {}
    for d in dispatches:
        first.setdefault(d.task_id, len(first))
    tasks = list(first)
    times = [t for d in dispatches for t in (parse_time(d.start), parse_time(d.end)) if t]
    origin = min(times) if times else None

    spans: list[tuple[Dispatch, float, float, bool]] = []
    task_end: dict[str, float] = {}
    for d in sorted(dispatches, key=lambda d: (first[d.task_id], d.start, d.turn != "gate", d.attempt)):
        start = parse_time(d.start)
        s = (start - origin).total_seconds() * 1000 if start and origin else task_end.get(d.task_id, 0.0)
        dur = d.duration_ms
        estimated = start is None or dur is None
        e = s + (dur if dur is not None else 0.0)
        spans.append((d, s, e, estimated))
        task_end[d.task_id] = e
    span = max([e for _, _, e, _ in spans] + [1.0])
    step = _nice_step(int(span))
    span = max(span, step)
    scale = PLOT_W / span

    placed = []
    drawn_end: dict[str, int] = {}
    time_end: dict[str, float] = {}
    for d, s, e, est in spans:
        x = LABEL_W + int(s * scale)
        if d.task_id in time_end and s >= time_end[d.task_id] - 1:  # (1 ms: float rounding)
            x = max(x, drawn_end[d.task_id])  # a bar widened to MIN_BAR must not hide the next turn of its task
        w = max(MIN_BAR, int((e - s) * scale))
        placed.append((d, x, w, est))
        drawn_end[d.task_id], time_end[d.task_id] = x + w, e
    zero = [e <= s for _, s, e, _ in spans]

    packed = len(tasks) >= PACK_FROM
    instant_rows: dict[int, int] = {}  # index in `placed` -> row among the instant lanes
    if packed:
        # Records with no extent in time (a task blocked at an instant, a time never recorded)
        # would each need a lane of their own at one point; they get lanes of their own after
        # the packed ones instead, drawn side by side from their time, wrapping at the right edge.
        instants = sorted((i for i in range(len(placed)) if zero[i]),
                          key=lambda i: (placed[i][1], first[placed[i][0].task_id], placed[i][0].dispatch_id, i))
        step_x = MIN_BAR + 1
        per_row = PLOT_W // step_x
        shifted: dict[int, int] = {}
        for r0 in range(0, len(instants), per_row):
            row = instants[r0:r0 + per_row]
            at = [placed[i][1] for i in row]
            for j in range(1, len(at)):  # side by side, from their time on
                at[j] = max(at[j], at[j - 1] + step_x)
            limit = LABEL_W + PLOT_W - MIN_BAR
            for j in range(len(at) - 1, -1, -1):  # pushed back left where they would run off the plot
                limit = min(at[j], limit)
                at[j] = limit
                limit -= step_x
            for i, x in zip(row, at):
                instant_rows[i] = r0 // per_row
                shifted[i] = x
        placed = [(d, shifted.get(i, x), w, est) for i, (d, x, w, est) in enumerate(placed)]
        lo: dict[str, int] = {}
        hi: dict[str, int] = {}
        for i, (d, x, w, _) in enumerate(placed):
            if i in instant_rows:
                continue
            lo[d.task_id] = min(lo.get(d.task_id, x), x)
            hi[d.task_id] = max(hi.get(d.task_id, x + w), x + w)
        lane_of = pack([(t, lo[t], hi[t]) for t in tasks if t in lo])
        n_timed = max(lane_of.values(), default=-1) + 1
        n_lanes = n_timed + (max(instant_rows.values()) + 1 if instant_rows else 0)
        lane_h = LANE_H if n_lanes <= PACK_LANES else max(MIN_LANE_H, PACK_LANES * LANE_H // n_lanes)
    else:
        lane_of = dict(first)
        n_timed = n_lanes = len(tasks)
        lane_h = LANE_H
    bar_h = BAR_H if lane_h == LANE_H else lane_h - 5

    def lane_index(i: int) -> int:
        row = instant_rows.get(i)
        return lane_of[placed[i][0].task_id] if row is None else n_timed + row

    members: list[list[str]] = [[] for _ in range(n_lanes)]
    statuses: list[set[str]] = [set() for _ in range(n_lanes)]
    for i in sorted(range(len(placed)), key=lambda i: (lane_index(i), placed[i][1], first[placed[i][0].task_id], i)):
        d, k = placed[i][0], lane_index(i)
        if d.task_id not in members[k]:
            members[k].append(d.task_id)
        statuses[k].add(d.status)
    lanes = []
    for k in range(n_lanes):
        y = TOP + k * lane_h
        n = len(members[k])
        if not packed:
            lanes.append(Lane(members[k][0], y, hrefs.get(members[k][0], ""), members[k][0], members[k]))
        elif k < n_timed:
            lanes.append(Lane("", y, "", f"lane {k + 1} · {n}", members[k]))
        else:
            what = next(iter(statuses[k])).lower().replace("_", " ") if len(statuses[k]) == 1 else "instant"
            lanes.append(Lane("", y, "", f"{what or 'instant'} · {n}", members[k]))

    bars = []
    for i, (d, x, w, est) in enumerate(placed):
        tag = {"gate": "G", "build": "B"}.get(d.turn, "")
        tag += f"×{d.attempt}" if tag and d.attempt > 1 else ""
        label = "" if bar_h < BAR_H else f"{d.task_id} {tag}" if packed and w >= 64 else tag if w >= 22 else ""
        if packed and w > MIN_BAR:
            w = max(MIN_BAR, w - PACK_TRIM)
        y = TOP + lane_index(i) * lane_h + (lane_h - bar_h) // 2 - (1 if bar_h < BAR_H else 0)
        bars.append(Bar(d, x, y, w, est, hrefs.get(d.task_id, ""), label, _mark(d.status)))
    if packed:  # chronological, so the table below reads as the run went
        bars.sort(key=lambda b: (b.x, b.y, b.d.turn != "gate", b.d.attempt, b.d.dispatch_id))
    else:
        bars.sort(key=lambda b: (b.y, b.x, b.d.turn != "gate", b.d.attempt, b.d.dispatch_id))
    axis_y = TOP + n_lanes * lane_h
    ticks = [(LABEL_W + int(t * scale), fmt_ms(t)) for t in range(0, int(span) + 1, step)]
    width = LABEL_W + PLOT_W + 40
    return TimelineLayout(width, axis_y + BOTTOM, bars, lanes, ticks, axis_y=axis_y, span_ms=int(span),
                          packed=packed, tasks=len(tasks), lane_h=lane_h, bar_h=bar_h)
