"""The holdout verdict: ACCEPT, REJECT or PARTIAL, with the reason.

- REJECT when there is nothing to judge by (no D9, no holdout, no P0
  holdout): nothing is accepted vacuously; and when any P0 holdout fails,
  errors or was not run.
- PARTIAL when every P0 passes but the rest fall short: a P1/P2 holdout that
  could not run (ERROR), or the D9 run protocol's threshold is not met.
- ACCEPT only when every holdout ran, every P0 passed and the threshold holds.

The threshold is read from the run protocol's "Threshold" / "Overall pass"
lines: "all P1 pass" or "P1 >= 80%" sets the P1 pass ratio, "overall >= 90%"
a ratio over all holdouts, "all scenarios" / "all N scenarios" makes every
holdout required. Without such a line every P1 must pass (P2 and unprioritised
holdouts then count only when the protocol says so).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from generator.holdout.outcome import ERROR_CODE, HoldoutOutcome

ACCEPT, REJECT, PARTIAL = "ACCEPT", "REJECT", "PARTIAL"


@dataclass
class Threshold:
    p1_ratio: float = 1.0
    p2_ratio: float | None = None
    overall_ratio: float | None = None
    all_required: bool = False
    text: str = ""


_PCT = r"(?:>=|≥|at least)?\s*(\d{1,3})\s*%"


def parse_threshold(run_protocol: dict[str, str]) -> Threshold:
    """The pass threshold a D9 run protocol states (see the module docstring)."""
    text = " ".join(v for k, v in sorted(run_protocol.items())
                    if "threshold" in k or "overall" in k or k in ("pass", "acceptance"))
    th = Threshold(text=text)
    low = text.lower()
    if re.search(r"\ball\s+(?:\d+\s+)?(?:holdout\s+)?scenarios\b|\bevery\s+(?:holdout|scenario)\b", low):
        th.all_required = True
    for level in ("p1", "p2"):
        ratio = None
        if re.search(rf"\ball\s+{level}\b", low):
            ratio = 1.0
        m = re.search(rf"\b{level}\b[^.;,]*?{_PCT}", low) or re.search(rf"{_PCT}\s*(?:of\s+)?(?:the\s+)?{level}\b", low)
        if m:
            ratio = min(int(m.group(1)), 100) / 100
        if ratio is not None:
            setattr(th, f"{level}_ratio", ratio)
    m = re.search(rf"\boverall\b[^.;,]*?{_PCT}", low)
    if m:
        th.overall_ratio = min(int(m.group(1)), 100) / 100
    return th


def _why(o: HoldoutOutcome) -> str:
    return (o.result.error_message or "").replace(f"{ERROR_CODE}: ", "")


def _ratio_short(outcomes: list[HoldoutOutcome], ratio: float | None) -> str:
    if ratio is None or not outcomes:
        return ""
    passed = sum(o.status == "PASS" for o in outcomes)
    if passed >= ratio * len(outcomes) - 1e-9:
        return ""
    return f"{passed}/{len(outcomes)} passed, {ratio:.0%} required"


def verdict(outcomes: list[HoldoutOutcome], threshold: Threshold, d9_present: bool = True) -> tuple[str, str]:
    """(verdict, reason) for a finished holdout run."""
    if not d9_present:
        return REJECT, "D9_HOLDOUT_SCENARIOS.md is missing: no holdout can judge the delivery"
    if not outcomes:
        return REJECT, "D9 holds no holdout scenario: nothing to accept the delivery by"
    if not any(o.ran for o in outcomes):
        return REJECT, f"no holdout could run ({len(outcomes)} in D9; {outcomes[0].holdout_id}: {_why(outcomes[0])})"
    p0 = [o for o in outcomes if o.priority == "P0"]
    if not p0:
        return REJECT, f"no P0 holdout among {len(outcomes)} scenarios: acceptance needs at least one P0"
    bad_p0 = [o for o in p0 if o.status != "PASS"]
    if bad_p0:
        first = bad_p0[0]
        what = "failed" if first.status == "FAIL" else f"could not run ({_why(first)})"
        more = f" ({len(bad_p0) - 1} more P0 did not pass)" if len(bad_p0) > 1 else ""
        return REJECT, f"P0 holdout {first.holdout_id} {what}{more}: component not accepted"
    errors = [o for o in outcomes if o.status == "ERROR"]
    if errors:
        ids = ", ".join(o.holdout_id for o in errors)
        return PARTIAL, f"all {len(p0)} P0 passed, but {ids} could not run"
    shortfalls = []
    rest = [o for o in outcomes if o.priority != "P0"]
    if threshold.all_required:
        short = _ratio_short(rest, 1.0)
        if short:
            shortfalls.append(f"every scenario must pass: {short}")
    for level, ratio in (("P1", threshold.p1_ratio), ("P2", threshold.p2_ratio)):
        short = _ratio_short([o for o in outcomes if o.priority == level], ratio)
        if short:
            shortfalls.append(f"{level}: {short}")
    short = _ratio_short(outcomes, threshold.overall_ratio)
    if short:
        shortfalls.append(f"overall: {short}")
    if shortfalls:
        return PARTIAL, f"all {len(p0)} P0 passed; threshold not met ({'; '.join(shortfalls)})"
    passed = sum(o.status == "PASS" for o in rest)
    return ACCEPT, f"all {len(p0)} P0 holdouts passed; {passed}/{len(rest)} others passed, threshold met"
