"""A between-arm difference as a study reported it, checked for consistency, never recomputed.

Abstracts often give a difference and its 95% CI without the counts behind them; a forest plot
across studies needs those rows. This tool only transcribes and validates (the estimate must
lie inside its interval), so every number it returns is one the cited sentence states.
"""

from __future__ import annotations

from ..types import ToolCall
from . import _validate as v
from ._format import decimal_places, fixed, tool_call, trimmed

P_RELATIONS = ("=", "<", ">", "<=", ">=")


def reported_difference(
    study: str,
    difference_points: float,
    ci_low_points: float,
    ci_high_points: float,
    label_a: str,
    label_b: str,
    outcome: str = "",
    p_value: float | None = None,
    p_relation: str = "=",
) -> ToolCall:
    """One study's reported difference (percentage points) with its reported 95% CI, and its
    reported P value when given ("P<0.001": `p_relation` "<").

    The study name is kept in `output["study"]` (not in `text`, whose every number must be a
    numeric input or output); the chain names the study beside the line."""
    diff = v.number("difference_points", difference_points)
    low = v.number("ci_low_points", ci_low_points)
    high = v.number("ci_high_points", ci_high_points)
    if not low <= diff <= high:
        raise v.ToolInputError(
            f"The reported difference {trimmed(diff)} lies outside its 95% CI "
            f"{trimmed(low)} to {trimmed(high)}: check the source."
        )
    p = None if p_value is None else v.in_range("p_value", p_value, 0, 1, "")
    if p_relation not in P_RELATIONS:
        raise v.ToolInputError(f"p_relation must be one of {', '.join(P_RELATIONS)}.")
    name = v.label("study", study)
    arms = (v.label("label_a", label_a), v.label("label_b", label_b))
    output = {
        "study": name,
        "label_a": arms[0],
        "label_b": arms[1],
        "outcome": outcome,
        "risk_difference_points": diff,
        "rd_ci_low_points": low,
        "rd_ci_high_points": high,
        "confidence_level_percent": 95,
        "rd_method": "as reported by the study (not recomputed)",
        "p_value": p,
        "p_relation": p_relation if p is not None else None,
    }
    reported_p = f"; P{p_relation}{trimmed(p)}" if p is not None else ""
    text = (
        f"{arms[0]} vs {arms[1]}{f' ({outcome})' if outcome else ''}: difference "
        f"{trimmed(diff)} percentage points (95% CI {trimmed(low)} to {trimmed(high)}"
        f"{reported_p}), as reported."
    )
    inputs = {"study": study, "difference_points": difference_points,
              "ci_low_points": ci_low_points, "ci_high_points": ci_high_points,
              "label_a": label_a, "label_b": label_b, "outcome": outcome,
              "p_value": p_value, "p_relation": p_relation}  # fmt: skip
    return tool_call("reported_difference", inputs, output, text)


RATIO_MEASURES = ("OR", "RR", "HR", "IRR")  # a ratio: above 0, and 1 means no difference
MEASURE_NAMES = {"OR": "odds ratio", "RR": "risk ratio", "HR": "hazard ratio",
                 "IRR": "incidence rate ratio"}  # fmt: skip


def reported_effect(
    study: str,
    label_a: str,
    label_b: str,
    measure: str | None = None,
    estimate: float | None = None,
    ci_low: float | None = None,
    ci_high: float | None = None,
    p_value: float | None = None,
    p_relation: str = "=",
    outcome: str = "",
) -> ToolCall:
    """One study's reported effect ratio (odds, risk, hazard or rate ratio) with its 95% CI
    when given, and its P value, transcribed beside two arms' figures: a difference computed
    from percentages has no interval and is not the study's own measure. Either may be given
    alone ("odds ratio 2.65, P<0.001"; "35% vs 24% (p=0.12)"); the estimate must lie inside its
    interval."""
    if estimate is None and p_value is None:
        raise v.ToolInputError("Give a reported estimate, a reported P value, or both.")
    if estimate is not None and measure not in RATIO_MEASURES:
        raise v.ToolInputError(f"measure must be one of {', '.join(RATIO_MEASURES)}.")
    ratio = None if estimate is None else v.positive("estimate", estimate)
    interval = _interval(ratio, ci_low, ci_high)
    p = None if p_value is None else v.in_range("p_value", p_value, 0, 1, "")
    if p_relation not in P_RELATIONS:
        raise v.ToolInputError(f"p_relation must be one of {', '.join(P_RELATIONS)}.")
    arms = (v.label("label_a", label_a), v.label("label_b", label_b))
    output = {
        "study": v.label("study", study),
        "label_a": arms[0],
        "label_b": arms[1],
        "outcome": outcome,
        "measure": measure if ratio is not None else None,
        "estimate": ratio,
        "ci_low": interval[0] if interval else None,
        "ci_high": interval[1] if interval else None,
        "confidence_level_percent": 95 if interval else None,
        "p_value": p,
        "p_relation": p_relation if p is not None else None,
        "method": "as reported by the study (not recomputed)",
    }
    inputs = {"study": study, "label_a": label_a, "label_b": label_b, "measure": measure,
              "estimate": estimate, "ci_low": ci_low, "ci_high": ci_high, "p_value": p_value,
              "p_relation": p_relation, "outcome": outcome}  # fmt: skip
    text = _effect_text(arms, measure, ratio, interval, p, p_relation)
    return tool_call("reported_effect", inputs, output, text)


def _interval(
    estimate: float | None, low: float | None, high: float | None
) -> tuple[float, float] | None:
    if low is None and high is None:
        return None
    if low is None or high is None or estimate is None:
        raise v.ToolInputError("A 95% CI needs both limits and the estimate it belongs to.")
    bounds = (v.positive("ci_low", low), v.positive("ci_high", high))
    if not bounds[0] <= estimate <= bounds[1]:
        raise v.ToolInputError(
            f"The reported estimate {trimmed(estimate)} lies outside its 95% CI "
            f"{trimmed(bounds[0])} to {trimmed(bounds[1])}: check the source."
        )
    return bounds


def _effect_text(
    arms: tuple[str, str],
    measure: str | None,
    estimate: float | None,
    interval: tuple[float, float] | None,
    p_value: float | None,
    p_relation: str,
) -> str:
    """ "A vs B: odds ratio 1.6 (95% CI 1 to 2.3; P=0.03), as reported"."""
    p = f"P{p_relation}{trimmed(p_value)}" if p_value is not None else ""
    if estimate is None:
        return f"{arms[0]} vs {arms[1]}: {p}, as reported."
    # the limits with the estimate's decimals, as papers print them ("1.6, 95% CI 1.0 to 2.3")
    places = max(decimal_places(x) for x in (estimate, *(interval or ())))
    ci = f"95% CI {fixed(interval[0], places)} to {fixed(interval[1], places)}" if interval else ""
    within = "; ".join(part for part in (ci, p) if part)
    named = f"{MEASURE_NAMES[measure or '']} {fixed(estimate, places)}"
    return f"{arms[0]} vs {arms[1]}: {named}{f' ({within})' if within else ''}, as reported."
