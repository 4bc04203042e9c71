"""Rates and two-arm comparisons from trial counts, with the interval methods named.

Display rounding (also the values stored in `output`): percentages and percentage points to
1 decimal, ratios to 2 decimals, NNT rounded up to a whole patient. Unrounded values are kept
under keys ending in `_unrounded`. All intervals are 95%.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import lru_cache
from typing import Any

import numpy as np
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from ..types import ToolCall
from . import _validate as v
from ._format import ceil_whole, fixed, round_half_up, separating, signed, tool_call, trimmed

ALPHA = 0.05
CONFIDENCE = 95
WILSON = "Wilson score"
NEWCOMBE = "Newcombe (Wilson score)"
NNT_CONVENTION = (
    "NNT rounded up to a whole patient; a CI that includes 0 is reported as "
    "'NNT (benefit) X to infinity to NNT (harm) Y' (Altman, BMJ 1998)"
)
NNT_FROM_PERCENTAGES = (
    "100 / difference in points, rounded up to a whole patient; no CI from percentages"
)


# --------------------------------------------------------------------------- one rate


def rate(events: int, total: int, reported_percent: float | str | None = None) -> ToolCall:
    """`events`/`total` as a percentage with a Wilson 95% CI; optionally check a reported figure.

    `reported_percent` may be a number (83, 83.0) or text ("83.0%"). A float cannot carry
    trailing zeros, so 83.0 is judged at whole-percent precision; pass "83.0" to insist on one
    decimal. The counts match the report if the exact percentage is within half a unit of the
    reported last digit, or within 0.05 points, whichever is wider.
    """
    k, n = v.counts("events", events, "total", total)
    exact_pct = Fraction(100 * k, n)
    low, high = _wilson(k, n)
    output: dict[str, Any] = {
        "events": k,
        "total": n,
        "percent": round_half_up(exact_pct, 1),
        "ci_low_percent": round_half_up(100 * low, 1),
        "ci_high_percent": round_half_up(100 * high, 1),
        "confidence_level_percent": CONFIDENCE,
        "ci_method": WILSON,
        "proportion_unrounded": float(Fraction(k, n)),
        "ci_low_unrounded": low,
        "ci_high_unrounded": high,
    }
    text = (
        f"{k}/{n} = {fixed(output['percent'], 1)}% ({CONFIDENCE}% CI "
        f"{fixed(output['ci_low_percent'], 1)}% to {fixed(output['ci_high_percent'], 1)}%, Wilson)"
    )
    if reported_percent is not None:
        check = _check_reported(exact_pct, reported_percent)
        output.update(check)
        text += "; " + _reported_phrase(check)
    inputs = {"events": events, "total": total, "reported_percent": reported_percent}
    return tool_call("rate", inputs, output, text + ".")


@lru_cache(maxsize=4096)
def _wilson(k: int, n: int) -> tuple[float, float]:
    """Wilson limits, clamped so float noise at 0/n or n/n never puts p outside [low, high].
    Memoised (as `_two_arm_interval`): a study's counts are compared question after question,
    and statsmodels' quantile lookups cost more than the rest of a calculation."""
    low, high = proportion_confint(k, n, alpha=ALPHA, method="wilson")
    return min(max(float(low), 0.0), k / n), max(min(float(high), 1.0), k / n)


def _parse_reported(value: float | str) -> tuple[Decimal, int, str]:
    """The reported percentage, its decimals (83.0 as float -> 0, "83.0" -> 1) and its display
    as the caller wrote it (83.0 stays "83.0", "83%" becomes "83")."""
    if isinstance(value, str):
        try:
            parsed = Decimal(value.strip().removesuffix("%").strip())
        except InvalidOperation:
            raise v.ToolInputError(
                f"reported_percent must be a percentage, got {value!r}."
            ) from None
        if not parsed.is_finite():
            raise v.ToolInputError(f"reported_percent must be a finite percentage, got {value!r}.")
        decimals = max(0, -int(parsed.as_tuple().exponent))
    else:
        parsed = Decimal(repr(v.number("reported_percent", value)))
        integral = parsed == parsed.to_integral_value()
        decimals = 0 if integral else max(0, -int(parsed.as_tuple().exponent))
    if not 0 <= parsed <= 100:
        raise v.ToolInputError(f"reported_percent must be between 0 and 100, got {value!r}.")
    shown = str(value) if isinstance(value, int) and not isinstance(value, bool) else f"{parsed:f}"
    return parsed, decimals, shown


def _check_reported(exact_pct: Fraction, reported: float | str) -> dict[str, Any]:
    value, decimals, shown = _parse_reported(reported)
    tolerance = max(Fraction(1, 2 * 10**decimals), Fraction(1, 20))
    difference = exact_pct - Fraction(value)
    return {
        "reported_percent": float(value),
        "reported_as": shown,
        "reported_decimals": decimals,
        "computed_at_reported_precision": round_half_up(exact_pct, decimals),
        "difference_points": round_half_up(difference, 2),
        "matches_reported": abs(difference) <= tolerance,
    }


def _reported_phrase(check: dict[str, Any]) -> str:
    shown = check["reported_as"]
    if check["matches_reported"]:
        return f"reported {shown}% matches the counts"
    return f"MISMATCH: reported {shown}% does not match the counts"


# --------------------------------------------------------------------------- two arms


def compare_arms(
    events_a: int,
    total_a: int,
    events_b: int,
    total_b: int,
    label_a: str = "group A",
    label_b: str = "group B",
    higher_is_better: bool = True,
) -> ToolCall:
    """Rates, risk difference (a - b), risk ratio, odds ratio and NNT for two arms.

    `higher_is_better` says whether the event is good (remission: True) or bad (adverse
    event: False); it decides whether an NNT is for benefit or for harm.
    """
    arms = _arms(events_a, total_a, events_b, total_b, label_a, label_b)
    if not isinstance(higher_is_better, bool):
        raise v.ToolInputError("higher_is_better must be True or False.")
    output = {**arms.rates(), **arms.difference(), **arms.ratios()}
    output.update(_nnt(arms, higher_is_better))
    output["confidence_level_percent"] = CONFIDENCE
    text = (
        f"{arms.describe(output)}: RD {_rd_phrase(output)}; "
        f"RR {_ratio_phrase(output, 'risk_ratio', 'rr')}; "
        f"OR {_ratio_phrase(output, 'odds_ratio', 'or')}; {output['nnt_text']}."
    )
    inputs = {
        "events_a": events_a,
        "total_a": total_a,
        "events_b": events_b,
        "total_b": total_b,
        "label_a": label_a,
        "label_b": label_b,
        "higher_is_better": higher_is_better,
    }
    return tool_call("compare_arms", inputs, output, text)


class _Arms:
    """Validated counts of two arms and the computations shared by the two-arm tools."""

    def __init__(self, ka: int, na: int, kb: int, nb: int, label_a: str, label_b: str) -> None:
        self.ka, self.na, self.kb, self.nb = ka, na, kb, nb
        self.label_a, self.label_b = label_a, label_b
        self.rd = Fraction(ka, na) - Fraction(kb, nb)

    def rates(self) -> dict[str, Any]:
        return {
            "label_a": self.label_a,
            "label_b": self.label_b,
            "percent_a": round_half_up(Fraction(100 * self.ka, self.na), 1),
            "percent_b": round_half_up(Fraction(100 * self.kb, self.nb), 1),
        }

    def describe(self, output: dict[str, Any]) -> str:
        return (
            f"{self.label_a} {self.ka}/{self.na} ({fixed(output['percent_a'], 1)}%) vs "
            f"{self.label_b} {self.kb}/{self.nb} ({fixed(output['percent_b'], 1)}%)"
        )

    def rd_ci(self) -> tuple[float, float]:
        return self._ci("diff", "newcomb")

    def difference(self) -> dict[str, Any]:
        low, high = self.rd_ci()
        return {
            "risk_difference_points": round_half_up(100 * self.rd, 1),
            "rd_ci_low_points": round_half_up(100 * low, 1),
            "rd_ci_high_points": round_half_up(100 * high, 1),
            "rd_method": NEWCOMBE,
            "risk_difference_unrounded": float(self.rd),
            "rd_ci_low_unrounded": low,
            "rd_ci_high_unrounded": high,
        }

    def ratios(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        rr_zero = 0 in (self.ka, self.kb)
        or_zero = 0 in (self.ka, self.na - self.ka, self.kb, self.nb - self.kb)
        specs = (
            ("risk_ratio", "rr", "ratio", "log", rr_zero, "log (Katz)", self._rr),
            ("odds_ratio", "or", "odds-ratio", "logit", or_zero, "logit (Woolf)", self._or),
        )
        for key, short, compare, method, zero_cell, name, point in specs:
            low, high = self._ci(compare, f"{method}-adjusted" if zero_cell else method)
            estimate = point(0.5 if zero_cell else 0.0)
            out[key] = _round_ratio(estimate)
            out[f"{short}_ci_low"] = _round_ratio(low)
            out[f"{short}_ci_high"] = _round_ratio(high)
            out[f"{short}_method"] = name + (
                ", 0.5 added to counts because of a zero cell" if zero_cell else ""
            )
            out[f"{key}_unrounded"] = estimate
            if zero_cell:
                out["zero_cell_correction"] = 0.5
        return out

    def _rr(self, add: float) -> float:
        # Same correction as statsmodels "log-adjusted": 0.5 added to events and totals.
        return ((self.ka + add) / (self.na + add)) / ((self.kb + add) / (self.nb + add))

    def _or(self, add: float) -> float:
        # Haldane-Anscombe: 0.5 added to every cell, as statsmodels "logit-adjusted".
        a, b = self.ka + add, self.na - self.ka + add
        c, d = self.kb + add, self.nb - self.kb + add
        return (a * d) / (b * c)

    def _ci(self, compare: str, method: str) -> tuple[float, float]:
        return _two_arm_interval(self.ka, self.na, self.kb, self.nb, compare, method)


@lru_cache(maxsize=4096)
def _two_arm_interval(
    ka: int, na: int, kb: int, nb: int, compare: str, method: str
) -> tuple[float, float]:
    with np.errstate(all="ignore"):
        low, high = confint_proportions_2indep(
            ka, na, kb, nb, compare=compare, method=method, alpha=ALPHA
        )
    return float(low), float(high)


def _arms(ka: Any, na: Any, kb: Any, nb: Any, label_a: Any, label_b: Any) -> _Arms:
    ka_, na_ = v.counts("events_a", ka, "total_a", na)
    kb_, nb_ = v.counts("events_b", kb, "total_b", nb)
    return _Arms(ka_, na_, kb_, nb_, v.label("label_a", label_a), v.label("label_b", label_b))


def _round_ratio(value: float) -> float | None:
    return round_half_up(value, 2) if math.isfinite(value) else None


def _rd_phrase(out: dict[str, Any]) -> str:
    return (
        f"{signed(out['risk_difference_points'], 1)} percentage points ({CONFIDENCE}% CI "
        f"{signed(out['rd_ci_low_points'], 1)} to {signed(out['rd_ci_high_points'], 1)}, Newcombe)"
    )


def _ratio_phrase(out: dict[str, Any], key: str, short: str) -> str:
    def show(value: float | None) -> str:
        return "undefined" if value is None else fixed(value, 2)

    extra = ", 0.5 zero-cell correction" if "zero cell" in out[f"{short}_method"] else ""
    return (
        f"{show(out[key])} ({CONFIDENCE}% CI {show(out[f'{short}_ci_low'])} to "
        f"{show(out[f'{short}_ci_high'])}{extra})"
    )


# --------------------------------------------------------------------------- NNT


def _nnt(arms: _Arms, higher_is_better: bool) -> dict[str, Any]:
    """NNT from the exact RD, and its CI by the Altman convention (benefit/harm sides)."""
    sign = 1 if higher_is_better else -1
    benefit = arms.rd * sign  # > 0: arm a is better
    low, high = sorted(x * sign for x in arms.rd_ci())
    who = f"{arms.label_a} vs {arms.label_b}"
    out: dict[str, Any] = {"nnt_convention": NNT_CONVENTION}
    if benefit == 0:
        out.update(nnt=None, nnt_kind="none")
        point = f"no difference between {arms.label_a} and {arms.label_b}, NNT infinite"
    else:
        out.update(nnt=ceil_whole(float(1 / abs(benefit))))
        out["nnt_kind"] = "benefit" if benefit > 0 else "harm"
        point = f"NNT ({out['nnt_kind']}) {out['nnt']} for {who}"
    out["nnt_ci_excludes_no_difference"] = low > 0 or high < 0
    if low > 0 or high < 0:
        kind = "benefit" if low > 0 else "harm"
        limits = sorted(ceil_whole(1 / abs(x)) for x in (low, high))
        out.update(nnt_ci_low=limits[0], nnt_ci_high=limits[1])
        ci = f"NNT ({kind}) {limits[0]} to {limits[1]}"
    else:
        out["nnt_ci_benefit_limit"] = ceil_whole(1 / high) if high > 0 else None
        out["nnt_ci_harm_limit"] = ceil_whole(1 / -low) if low < 0 else None
        ci = _altman(out["nnt_ci_benefit_limit"], out["nnt_ci_harm_limit"])
    out["nnt_ci_text"] = ci
    out["nnt_text"] = f"{point} ({CONFIDENCE}% CI {ci})"
    return out


def _altman(benefit: int | None, harm: int | None) -> str:
    parts = [f"NNT (benefit) {benefit}" if benefit else "", "infinity"]
    parts.append(f"NNT (harm) {harm}" if harm else "")
    return " to ".join(p for p in parts if p)


# --------------------------------------------------------------------------- percentages only


def relative_words(relative: float) -> str:
    """ "relative reduction 45.1%" / "relative increase 10.7%" / "no relative change"."""
    if relative == 0:
        return "no relative change"
    kind = "reduction" if relative < 0 else "increase"
    return f"relative {kind} {trimmed(abs(relative))}%"


def difference_of_percentages(
    pct_a: float,
    pct_b: float,
    label_a: str = "group A",
    label_b: str = "group B",
    higher_is_better: bool = True,
) -> ToolCall:
    """Absolute difference (points) and ratio of two reported percentages, without counts,
    and the NNT (or NNH) the difference implies (1 / risk difference, rounded up).

    No confidence interval is possible without the denominators, and the text says so.
    `higher_is_better` as for `compare_arms`.
    """
    a = v.in_range("pct_a", pct_a, 0, 100, "%")
    b = v.in_range("pct_b", pct_b, 0, 100, "%")
    name_a, name_b = v.label("label_a", label_a), v.label("label_b", label_b)
    if not isinstance(higher_is_better, bool):
        raise v.ToolInputError("higher_is_better must be True or False.")
    exact_a, exact_b = Decimal(repr(a)), Decimal(repr(b))
    decimals = max(1, *(-int(x.normalize().as_tuple().exponent) for x in (exact_a, exact_b)))
    diff = round_half_up(float(exact_a - exact_b), decimals)
    ratio = round_half_up(float(exact_a / exact_b), 2) if b > 0 else None
    # The relative change of a against b: (a / b - 1) x 100, a relative reduction when negative.
    relative = round_half_up(float((exact_a / exact_b - 1) * 100), 1) if b > 0 else None
    output = {
        "label_a": name_a,
        "label_b": name_b,
        "percent_a": a,
        "percent_b": b,
        "difference_points": diff,
        "ratio": ratio,
        "ratio_unrounded": float(exact_a / exact_b) if b > 0 else None,
        "relative_change_percent": relative,
        "confidence_interval": None,
        "note": "No confidence interval can be computed from percentages alone; counts needed.",
        **_nnt_of_points(exact_a - exact_b, higher_is_better),
    }
    ratio_text = (
        f"ratio {fixed(ratio, 2)} ({relative_words(relative)})"
        if ratio is not None and relative is not None
        else "ratio undefined (0% in b)"
    )
    nnt_text = f", NNT ({output['nnt_kind']}) {output['nnt']}" if output["nnt"] else ""
    text = (
        f"{name_a} {trimmed(a)}% vs {name_b} {trimmed(b)}%: difference "
        f"{signed(diff, decimals)} percentage points, {ratio_text}{nnt_text}; no confidence "
        f"interval can be computed without the counts."
    )
    inputs = {"pct_a": pct_a, "pct_b": pct_b, "label_a": label_a, "label_b": label_b,
              "higher_is_better": higher_is_better}  # fmt: skip
    return tool_call("difference_of_percentages", inputs, output, text)


def _nnt_of_points(points: Decimal, higher_is_better: bool) -> dict[str, Any]:
    """The NNT a difference of `points` percentage points implies, with no interval."""
    benefit = points if higher_is_better else -points
    if benefit == 0:
        return {"nnt": None, "nnt_kind": "none", "nnt_convention": NNT_FROM_PERCENTAGES}
    return {
        "nnt": ceil_whole(float(100 / abs(benefit))),
        "nnt_kind": "benefit" if benefit > 0 else "harm",
        "nnt_convention": NNT_FROM_PERCENTAGES,
    }


# --------------------------------------------------------------------------- non-inferiority


def non_inferiority(
    events_a: int,
    total_a: int,
    events_b: int,
    total_b: int,
    margin_pct: float,
    label_a: str = "group A",
    label_b: str = "group B",
) -> ToolCall:
    """Is arm a non-inferior to arm b? Yes if the RD (a - b) 95% CI lower bound > -margin.

    The margin (percentage points) must always be supplied: the trial's own margin is not
    confirmed in our sources, so no default is assumed.
    """
    arms = _arms(events_a, total_a, events_b, total_b, label_a, label_b)
    margin = v.number("margin_pct", margin_pct)
    if not 0 < margin < 100:
        raise v.ToolInputError(f"margin_pct must be between 0 and 100 points (got {margin_pct!r}).")
    output = {**arms.rates(), **arms.difference()}
    lower = output["rd_ci_low_unrounded"]
    exact_margin = -Fraction(Decimal(repr(margin)))
    shown_lower = separating(100 * Fraction(lower), exact_margin, 1)
    non_inferior = 100 * Fraction(lower) > exact_margin
    output.update(
        margin_points=margin,
        minus_margin_points=-margin,
        lower_bound_points=shown_lower,
        non_inferior=non_inferior,
        margin_source="supplied by the caller; the trial's own margin is not confirmed",
        confidence_level_percent=CONFIDENCE,
    )
    verdict = "non-inferior" if non_inferior else "non-inferiority NOT shown"
    relation = ">" if non_inferior else "<="
    text = (
        f"{arms.describe(output)}: RD {_rd_phrase(output)}; lower bound "
        f"{signed(shown_lower, _decimals(shown_lower))} {relation} -{trimmed(margin)} (margin "
        f"{trimmed(margin)} points, supplied; the trial's own margin is unconfirmed) -> "
        f"{arms.label_a} {verdict} vs {arms.label_b}."
    )
    inputs = {
        "events_a": events_a,
        "total_a": total_a,
        "events_b": events_b,
        "total_b": total_b,
        "margin_pct": margin_pct,
        "label_a": label_a,
        "label_b": label_b,
    }
    return tool_call("non_inferiority", inputs, output, text)


def _decimals(value: float) -> int:
    shown = trimmed(value)
    return max(1, len(shown.split(".")[1]) if "." in shown else 0)
