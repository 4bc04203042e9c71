"""Figures for the chat, drawn only from logged tool calls (never from the answer text).

One comparison of two arms -> bars with per-arm 95% CIs (from the comparison's output, or
from `rate` calls on the same counts); several comparisons (one per study) -> a forest plot
of risk differences with their CIs; several `rate` calls -> bars. Any key that is missing
means that element is not drawn; when nothing can be drawn faithfully, there is no figure.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from matplotlib.figure import Figure

COMPARISON_TOOLS = ("compare_arms", "non_inferiority", "reported_difference")
RATE_TOOLS = ("rate",)
# Where a per-arm CI may sit in a comparison's output (first match wins).
ARM_CI_KEYS = (
    ("ci_low_percent_{arm}", "ci_high_percent_{arm}"),
    ("percent_{arm}_ci_low", "percent_{arm}_ci_high"),
    ("ci_{arm}_low_percent", "ci_{arm}_high_percent"),
)
STUDY_KEYS = ("study", "study_label", "source_label", "short_name", "trial")
OUTCOME_KEYS = ("outcome", "outcome_label", "endpoint")
BAR_COLOURS = ("#2f6f9f", "#c9732c", "#5a8f3c", "#8a5aa8", "#a63d40", "#5f6b73")
# Figures are drawn for the chat column (about 700 px at 1280 px, scaled down on a phone):
# titles and labels are wrapped to the figure's width, never cut at its edge.
FIGURE_WIDTH_IN = 6.4
TITLE_CHARS = 62
TICK_CHARS = 24
MINUS = "\u2212"


def wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width=width, break_long_words=False)) or text


def signed(value: float) -> str:
    return f"{value:+.1f}".replace("-", MINUS)


@dataclass(frozen=True)
class ArmRate:
    """One bar: a percentage and its 95% CI (both from a tool output)."""

    label: str
    percent: float
    low: float
    high: float
    counts: str = ""  # "117/141" when the tool recorded the counts


@dataclass(frozen=True)
class Difference:
    """One forest-plot row: a risk difference (points) and its 95% CI."""

    label: str
    rd: float
    low: float
    high: float
    method: str = ""
    margin: float | None = None  # non-inferiority margin (points), when one was tested
    arms: tuple[str, str] = ("first arm", "second arm")


# ------------------------------------------------------------------ reading tool calls


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _numbers(mapping: Mapping[str, Any], *keys: str) -> tuple[float, ...] | None:
    values = [_number(mapping.get(key)) for key in keys]
    if any(v is None for v in values):
        return None
    return tuple(v for v in values if v is not None)


def _first_text(mappings: Iterable[Mapping[str, Any]], keys: Sequence[str]) -> str:
    for mapping in mappings:
        for key in keys:
            value = mapping.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
    return ""


def _parts(call: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    inputs, output = call.get("inputs"), call.get("output")
    return (inputs if isinstance(inputs, dict) else {}, output if isinstance(output, dict) else {})


def calls_named(tool_calls: Iterable[Any], names: Sequence[str]) -> list[dict[str, Any]]:
    """Tool calls (dicts or ToolCall objects) with one of `names`, as dicts."""
    found = []
    for call in tool_calls:
        as_dict = call.to_dict() if hasattr(call, "to_dict") else call
        if isinstance(as_dict, dict) and as_dict.get("name") in names:
            found.append(as_dict)
    return found


def rate_bar(call: Mapping[str, Any]) -> ArmRate | None:
    """A `rate` call as a bar (label from its inputs/output, else its counts)."""
    inputs, output = _parts(call)
    values = _numbers(output, "percent", "ci_low_percent", "ci_high_percent")
    if values is None:
        return None
    percent, low, high = values
    counts = _counts(output.get("events"), output.get("total"))
    label = _first_text((inputs, output), ("label", "arm", "group")) or counts or "rate"
    return ArmRate(label, percent, low, high, counts=counts)


def _counts(events: Any, total: Any) -> str:
    if _number(events) is None or _number(total) is None:
        return ""
    return f"{int(events)}/{int(total)}"


def _matching_rate(
    rates: Sequence[Mapping[str, Any]], events: Any, total: Any
) -> tuple[float, float] | None:
    for call in rates:
        _, output = _parts(call)
        if output.get("events") == events and output.get("total") == total:
            ci = _numbers(output, "ci_low_percent", "ci_high_percent")
            if ci is not None:
                return ci[0], ci[1]
    return None


def comparison_bars(
    call: Mapping[str, Any], rates: Sequence[Mapping[str, Any]] = ()
) -> list[ArmRate] | None:
    """The two arms of a comparison as bars, or None if either arm lacks a CI."""
    inputs, output = _parts(call)
    bars = []
    for arm in ("a", "b"):
        percent = _number(output.get(f"percent_{arm}"))
        events, total = inputs.get(f"events_{arm}"), inputs.get(f"total_{arm}")
        ci = _arm_ci(output, arm) or _matching_rate(rates, events, total)
        if percent is None or ci is None:
            return None
        label = str(output.get(f"label_{arm}") or inputs.get(f"label_{arm}") or arm)
        bars.append(ArmRate(label, percent, ci[0], ci[1], counts=_counts(events, total)))
    return bars


def _arm_ci(output: Mapping[str, Any], arm: str) -> tuple[float, float] | None:
    for low_key, high_key in ARM_CI_KEYS:
        ci = _numbers(output, low_key.format(arm=arm), high_key.format(arm=arm))
        if ci is not None:
            return ci[0], ci[1]
    return None


def difference_row(call: Mapping[str, Any]) -> Difference | None:
    """A comparison call as a forest-plot row (None without RD and both CI limits)."""
    inputs, output = _parts(call)
    values = _numbers(output, "risk_difference_points", "rd_ci_low_points", "rd_ci_high_points")
    if values is None:
        return None
    pair = (str(output.get("label_a") or inputs.get("label_a") or "first arm"),
            str(output.get("label_b") or inputs.get("label_b") or "second arm"))  # fmt: skip
    arms = f"{pair[0]} vs {pair[1]}"
    study = _first_text((inputs, output), STUDY_KEYS)
    margin = _number(output.get("margin_points"))
    method = str(output.get("rd_method") or "")
    rd, low, high = values
    label = f"{study}: {arms}" if study else arms
    return Difference(label, rd, low, high, method, margin, pair)


def outcome_label(calls: Iterable[Mapping[str, Any]], default: str) -> str:
    return _first_text((part for call in calls for part in _parts(call)), OUTCOME_KEYS) or default


# ------------------------------------------------------------------ choosing and drawing


def figure_for(tool_calls: Iterable[Any]) -> Figure | None:
    """The figure an answer deserves, from its tool calls; None when nothing fits."""
    calls = list(tool_calls)
    comparisons = calls_named(calls, COMPARISON_TOOLS)
    rates = calls_named(calls, RATE_TOOLS)
    rows = [row for row in map(difference_row, comparisons) if row is not None]
    if len(rows) >= 2:
        return forest_plot(rows, outcome_label(comparisons, "Risk difference"))
    if comparisons:
        bars = comparison_bars(comparisons[0], rates)
        if bars:
            return bar_chart(bars, outcome_label(comparisons, "Rate"), rows[0] if rows else None)
        return forest_plot(rows, outcome_label(comparisons, "Risk difference")) if rows else None
    rate_bars = [bar for bar in map(rate_bar, rates) if bar is not None]
    if len(rate_bars) >= 2:
        return bar_chart(rate_bars, outcome_label(rates, "Rate"), None)
    return None


def bar_chart(bars: Sequence[ArmRate], outcome: str, difference: Difference | None) -> Figure:
    """Per-arm percentages with asymmetric 95% CI whiskers, each bar labelled with its value."""
    fig = Figure(figsize=(FIGURE_WIDTH_IN, 3.8), dpi=110, layout="constrained")
    ax = fig.add_subplot()
    xs = range(len(bars))
    errors = [[b.percent - b.low for b in bars], [b.high - b.percent for b in bars]]
    colours = [BAR_COLOURS[i % len(BAR_COLOURS)] for i in xs]
    ax.bar(xs, [b.percent for b in bars], color=colours, width=0.55, alpha=0.9)
    ax.errorbar(xs, [b.percent for b in bars], yerr=errors, fmt="none", ecolor="#222", capsize=6)
    for x, bar in zip(xs, bars, strict=True):
        label = f"{bar.percent:.1f}%\n({bar.low:.1f}–{bar.high:.1f})"
        ax.text(x, bar.high + 2, label, ha="center", va="bottom", fontsize=8)
    ax.set_xticks(list(xs), [_tick(b) for b in bars], fontsize=8)
    ax.set_ylim(0, 119)
    ax.set_yticks(range(0, 101, 20))
    ax.set_ylabel(f"{outcome} (%), 95% CI")
    title = wrap(_bar_title(outcome, difference), TITLE_CHARS)
    ax.set_title(title + "\n(numbers from the calculations)", fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def _tick(bar: ArmRate) -> str:
    label = wrap(bar.label, TICK_CHARS)
    return f"{label}\n{bar.counts}" if bar.counts else label


def _bar_title(outcome: str, difference: Difference | None) -> str:
    if difference is None:
        return outcome
    return (
        f"{outcome}: RD {signed(difference.rd)} points "
        f"(95% CI {signed(difference.low)} to {signed(difference.high)})"
    )


def forest_plot(rows: Sequence[Difference], outcome: str) -> Figure:
    """Risk differences (points) with 95% CIs, one row per comparison; never pooled."""
    fig = Figure(figsize=(FIGURE_WIDTH_IN, 1.7 + 0.7 * len(rows)), dpi=110, layout="constrained")
    ax = fig.add_subplot()
    ys = list(range(len(rows)))[::-1]
    for y, row in zip(ys, rows, strict=True):
        ax.plot([row.low, row.high], [y, y], color="#222", linewidth=1.6)
        ax.plot([row.rd], [y], marker="s", color=BAR_COLOURS[0], markersize=8)
        text = f"{signed(row.rd)}\n({signed(row.low)} to {signed(row.high)})"
        ax.annotate(text, (1.02, y), xycoords=("axes fraction", "data"), va="center", fontsize=8)
    ax.axvline(0, color="#777", linestyle="--", linewidth=1)
    for margin in sorted({-r.margin for r in rows if r.margin}):
        ax.axvline(margin, color="#a63d40", linestyle=":", linewidth=1)
    ax.set_yticks(ys, [wrap(row.label, TICK_CHARS) for row in rows], fontsize=8)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    pairs = {row.arms for row in rows}
    a, b = pairs.pop() if len(pairs) == 1 else ("each row's first arm", "its second")
    xlabel = f"Risk difference ({a} minus {b}), percentage points, 95% CI"
    ax.set_xlabel(wrap(xlabel, 70), fontsize=8)
    title = f"{outcome} by study (not pooled)" if len(rows) > 1 else f"{outcome} with 95% CI"
    ax.set_title(wrap(f"{title}; numbers from the calculations", TITLE_CHARS), fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    return fig
