"""The dispatch timeline stays readable at scale: bounded height, one bar per dispatch, lanes that never overlap."""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

from generator.site import timeline
from generator.site.env import make_env
from generator.site.rundata import Dispatch

T0 = datetime(2025, 3, 1, 10, 0, 0, tzinfo=timezone.utc)


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def dispatches(n_tasks: int, workers: int = 8, seed: int = 11) -> list[Dispatch]:
    """A run of `n_tasks` on `workers` slots: a gate and a build turn each, some retries, some tasks blocked at an instant."""
    rnd = random.Random(seed)
    free = [T0] * workers
    out: list[Dispatch] = []
    for i in range(1, n_tasks + 1):
        tid = f"T-{i:03d}"
        if i % 50 == 0:  # blocked: a record with no length in time
            at = min(free)
            out.append(Dispatch(f"D-{len(out):05d}", tid, status="BLOCKED", turn="none", start=_iso(at), end=_iso(at),
                                duration_ms=0, error="blocked by a failed dependency"))
            continue
        slot = free.index(min(free))
        at = free[slot]
        turns = [("gate", 1), ("build", 1)] + ([("build", 2)] if i % 7 == 0 else [])
        for turn, attempt in turns:
            ms = rnd.randint(2_000, 60_000)
            end = at + timedelta(milliseconds=ms)
            status = "FAILED" if (turn, attempt) == ("build", 1) and len(turns) == 3 else "COMPLETED"
            out.append(Dispatch(f"D-{len(out):05d}", tid, status=status, turn=turn, attempt=attempt,
                                start=_iso(at), end=_iso(end), duration_ms=ms))
            at = end
        free[slot] = at
    return out


def render(ds: list[Dispatch]) -> tuple[timeline.TimelineLayout, str]:
    tl = timeline.layout(ds, {d.task_id: f"#{d.task_id}" for d in ds})
    svg = make_env().get_template("_timeline.svg").render(timeline=tl, run=SimpleNamespace(run_id="run-x"))
    return tl, svg


def test_500_task_timeline_height_is_bounded() -> None:
    ds = dispatches(500)
    tl, svg = render(ds)
    height = int(re.search(r'viewBox="0 0 \d+ (\d+)"', svg).group(1))
    assert tl.packed and height == tl.height
    assert height < 600  # one lane per task would be over 11,000 px
    # lanes follow how many dispatches ran at once (8), not the task count; bars drawn at their
    # minimum width take a little more room than their time, so a few lanes more, never hundreds
    assert len(tl.lanes) <= 2 * 8
    bars = re.findall(r'<g class="bar ([^"]*)"><title>([^<]*)</title><rect x="(\d+)" y="(\d+)" width="(\d+)"', svg)
    assert svg.count('<g class="bar ') == len(bars) == len(ds)
    assert sum("turn-gate" in c for c, *_ in bars) == sum(d.turn == "gate" for d in ds)
    assert sum(" retry" in c for c, *_ in bars) == sum(d.attempt > 1 for d in ds) > 0
    titles = [t for _, t, *_ in bars]
    for d in ds:  # every bar still names its task, turn, attempt, status and times
        assert any(t.startswith(f"{d.task_id} {d.turn} turn, attempt {d.attempt}: {d.status},") and d.start in t
                   for t in titles)
    by_lane: dict[int, list[tuple[int, int]]] = {}
    for _, _, x, y, w in bars:
        by_lane.setdefault(int(y), []).append((int(x), int(x) + int(w)))
    assert len(by_lane) == len(tl.lanes)
    for spans in by_lane.values():  # bars sharing a lane never overlap
        spans.sort()
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))
    assert svg.count('class="mark bad"') == sum(d.status == "FAILED" for d in ds) + 1  # and the legend's
    assert render(ds)[1] == svg  # same inputs, same bytes


def test_tasks_sharing_a_lane_do_not_overlap_in_time() -> None:
    tl, _ = render(dispatches(120, workers=5, seed=3))
    lanes: dict[int, dict[str, tuple[int, int]]] = {}
    for b in tl.bars:
        if b.d.duration_ms == 0:
            continue
        lo, hi = lanes.setdefault(b.y, {}).get(b.d.task_id, (b.x, b.x + b.w))
        lanes[b.y][b.d.task_id] = (min(lo, b.x), max(hi, b.x + b.w))
    for tasks in lanes.values():
        spans = sorted(tasks.values())
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))
    assert len(lanes) <= 2 * 5


def test_small_runs_keep_one_lane_per_task() -> None:
    ds = dispatches(timeline.PACK_FROM - 1)
    tl, svg = render(ds)
    assert not tl.packed and 'class="timeline"' in svg
    assert [lane.task_id for lane in tl.lanes] == sorted({d.task_id for d in ds})
    assert svg.count('<g class="bar ') == len(ds)
    assert tl.height == timeline.TOP + len(tl.lanes) * timeline.LANE_H + timeline.BOTTOM


def test_pack_is_first_fit_by_start_with_ties_in_order() -> None:
    lanes = timeline.pack([("a", 0, 10), ("b", 0, 10), ("c", 12, 20), ("d", 11, 30), ("e", 40, 50), ("f", 10, 12)])
    assert lanes == {"a": 0, "b": 1, "f": 0, "d": 1, "c": 0, "e": 0}
    assert timeline.pack([("a", 0, 10), ("b", 11, 20)], gap=2) == {"a": 0, "b": 1}
