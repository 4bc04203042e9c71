"""A between-arm difference as a study reported it, checked for consistency, never recomputed.

Abstracts often give a difference and its 95% CI without the counts behind them; a forest plot
across studies needs those rows. This tool only transcribes and validates (the estimate must
lie inside its interval), so every number it returns is one the cited sentence states.
"""

from __future__ import annotations

from ..types import ToolCall
from . import _validate as v
from ._format import tool_call, trimmed

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
