"""Rates, two-arm comparisons, NNT and non-inferiority: hand-checked values from the Zheng
trial (117/141 tacrolimus vs 93/124 IVCY), cross-checks against statsmodels and scipy, and
properties that must hold for any valid counts."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps
from scipy.stats.contingency import odds_ratio, relative_risk
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint
from tools_helpers import assert_contract, ungrounded

from assistant.tools import (
    ToolInputError,
    compare_arms,
    difference_of_percentages,
    non_inferiority,
    rate,
)
from assistant.tools._format import round_half_up, separating

# ----------------------------------------------------------------------------- rate


def test_rate_117_of_141_is_83_percent_with_wilson_ci() -> None:
    call = rate(117, 141)
    low, high = proportion_confint(117, 141, method="wilson")
    assert call.output["percent"] == 83.0
    assert call.output["ci_low_percent"] == round(100 * low, 1) == 75.9
    assert call.output["ci_high_percent"] == round(100 * high, 1) == 88.3
    assert call.output["ci_method"] == "Wilson score"
    assert call.text == "117/141 = 83.0% (95% CI 75.9% to 88.3%, Wilson)."


def test_wilson_ci_agrees_with_scipy() -> None:
    ci = sps.binomtest(93, 124).proportion_ci(method="wilson")
    call = rate(93, 124)
    assert call.output["ci_low_unrounded"] == pytest.approx(ci.low, abs=1e-12)
    assert call.output["ci_high_unrounded"] == pytest.approx(ci.high, abs=1e-12)


@pytest.mark.parametrize("reported", [83.0, 83, "83.0", "83%", "83.0 %", 82.98])
def test_reported_83_percent_matches_117_of_141(reported: float | str) -> None:
    call = rate(117, 141, reported)
    assert call.output["matches_reported"] is True
    assert "matches the counts" in call.text


def test_93_of_124_gives_75_percent() -> None:
    call = rate(93, 124, 75)
    assert call.output["percent"] == 75.0
    assert call.output["matches_reported"] is True
    assert "reported 75% matches" in call.text


def test_93_of_124_reported_as_80_percent_is_flagged() -> None:
    call = rate(93, 124, 80)
    assert call.output["matches_reported"] is False
    assert call.output["computed_at_reported_precision"] == 75.0
    assert "MISMATCH: reported 80%" in call.text


def test_reported_precision_decides_the_tolerance() -> None:
    # 1/8 = 12.5% exactly: "13" and "12" are both honest roundings, "12.4" is not.
    assert rate(1, 8, "13").output["matches_reported"] is True
    assert rate(1, 8, "12").output["matches_reported"] is True
    assert rate(1, 8, "12.5").output["matches_reported"] is True
    assert rate(1, 8, "12.4").output["matches_reported"] is False
    # 117/141 = 82.98%: "83.0" matches, but "82.9" at 1 decimal does not.
    assert rate(117, 141, "82.9").output["matches_reported"] is False


def test_rate_is_half_up_not_bankers_rounding() -> None:
    # 1/16 = 6.25% -> 6.3 (half up), where round(6.25, 1) would give 6.2.
    assert rate(1, 16).output["percent"] == 6.3


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ((5, 0), "total is 0"),
        ((6, 5), "cannot exceed"),
        ((-1, 5), "cannot be negative"),
        ((1, -5), "cannot be negative"),
        ((1.5, 5), "whole number"),
        ((float("nan"), 5), "finite"),
        ((1, float("inf")), "finite"),
        ((True, 5), "must be a number"),
        (("1", 5), "must be a number"),
        ((1, 5, 120), "between 0 and 100"),
        ((1, 5, "abc"), "must be a percentage"),
        ((1, 5, "nan"), "finite"),
    ],
)
def test_rate_rejects_invalid_input(args: tuple, fragment: str) -> None:
    with pytest.raises(ToolInputError, match=fragment):
        rate(*args)


@given(st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_ci_contains_the_point_estimate(counts: tuple[int, int]) -> None:
    k, n = counts
    out = rate(k, n).output
    assert 0 <= out["ci_low_unrounded"] <= k / n <= out["ci_high_unrounded"] <= 1
    assert out["ci_low_percent"] <= out["percent"] <= out["ci_high_percent"]


# ----------------------------------------------------------------------------- two arms


def test_compare_arms_zheng_primary_endpoint() -> None:
    out = compare_arms(117, 141, 93, 124).output
    assert (out["percent_a"], out["percent_b"]) == (83.0, 75.0)
    assert out["risk_difference_points"] == 8.0
    assert out["rd_method"] == "Newcombe (Wilson score)"
    low, high = confint_proportions_2indep(117, 141, 93, 124, compare="diff", method="newcomb")
    assert out["rd_ci_low_points"] == round_half_up(100 * low, 1) == -1.8
    assert out["rd_ci_high_points"] == round_half_up(100 * high, 1) == 17.8
    # 1 / 0.0798 = 12.5 -> 13; CI crosses 0, so Altman's benefit/harm form.
    assert out["nnt"] == 13 and out["nnt_kind"] == "benefit"
    assert out["nnt_ci_excludes_no_difference"] is False
    assert out["nnt_ci_benefit_limit"] == math.ceil(1 / high)
    assert out["nnt_ci_harm_limit"] == math.ceil(1 / -low)
    assert out["nnt_ci_text"] == "NNT (benefit) 6 to infinity to NNT (harm) 56"


def test_risk_ratio_and_odds_ratio_agree_with_scipy() -> None:
    out = compare_arms(117, 141, 93, 124).output
    rr = relative_risk(117, 141, 93, 124)
    rr_ci = rr.confidence_interval()
    assert out["risk_ratio_unrounded"] == pytest.approx(rr.relative_risk)
    assert (out["rr_ci_low"], out["rr_ci_high"]) == (
        round_half_up(rr_ci.low, 2),
        round_half_up(rr_ci.high, 2),
    )
    table = [[117, 141 - 117], [93, 124 - 93]]
    sample_or = odds_ratio(table, kind="sample")
    or_ci = sample_or.confidence_interval()
    assert out["odds_ratio_unrounded"] == pytest.approx(sample_or.statistic)
    assert (out["or_ci_low"], out["or_ci_high"]) == (
        round_half_up(or_ci.low, 2),
        round_half_up(or_ci.high, 2),
    )
    assert out["rr_method"] == "log (Katz)" and out["or_method"] == "logit (Woolf)"


def test_nnt_when_the_ci_excludes_no_difference() -> None:
    out = compare_arms(10, 10, 3, 10).output
    assert out["risk_difference_points"] == 70.0
    assert out["nnt"] == 2 and out["nnt_kind"] == "benefit"
    assert out["nnt_ci_excludes_no_difference"] is True
    assert out["nnt_ci_text"] == f"NNT (benefit) {out['nnt_ci_low']} to {out['nnt_ci_high']}"


def test_adverse_events_give_an_nnt_for_harm_avoided_or_caused() -> None:
    # Serious adverse events: 29/157 tacrolimus vs 35/142 IVCY; fewer events is better.
    fewer = compare_arms(29, 157, 35, 142, higher_is_better=False).output
    assert fewer["nnt_kind"] == "benefit"
    more = compare_arms(35, 142, 29, 157, "IVCY", "tacrolimus", higher_is_better=False).output
    assert more["nnt_kind"] == "harm"
    assert more["nnt"] == fewer["nnt"]


def test_no_difference_means_infinite_nnt() -> None:
    out = compare_arms(5, 10, 5, 10).output
    assert out["nnt"] is None and out["nnt_kind"] == "none"


@pytest.mark.parametrize("counts", [(0, 10, 0, 12), (0, 10, 4, 12), (10, 10, 3, 10), (7, 7, 9, 9)])
def test_zero_cells_use_a_named_continuity_correction(counts: tuple[int, int, int, int]) -> None:
    call = compare_arms(*counts)
    assert "zero cell" in call.output["or_method"]
    assert call.output["odds_ratio"] is not None
    assert_contract(call)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ((1, 0, 1, 5), "total_a is 0"),
        ((1, 5, 6, 5), "events_b"),
        ((1, 5, 1, 5, ""), "label_a"),
        ((1, 5, 1, 5, "a", 3), "label_b"),
        ((1, 5, 1, 5, "a", "b", "yes"), "higher_is_better"),
    ],
)
def test_compare_arms_rejects_invalid_input(args: tuple, fragment: str) -> None:
    with pytest.raises(ToolInputError, match=fragment):
        compare_arms(*args)


arm = st.integers(1, 800).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n)))


@given(arm, arm)
def test_risk_difference_and_its_ci(a: tuple[int, int], b: tuple[int, int]) -> None:
    out = compare_arms(*a, *b).output
    rd = a[0] / a[1] - b[0] / b[1]
    assert out["risk_difference_unrounded"] == pytest.approx(rd, abs=1e-12)
    assert out["rd_ci_low_unrounded"] - 1e-12 <= rd <= out["rd_ci_high_unrounded"] + 1e-12
    assert out["rd_ci_low_points"] <= out["risk_difference_points"] <= out["rd_ci_high_points"]
    low, high = confint_proportions_2indep(*a, *b, compare="diff", method="newcomb")
    assert out["rd_ci_low_unrounded"] == pytest.approx(float(low))
    assert out["rd_ci_high_unrounded"] == pytest.approx(float(high))


@given(arm, arm)
def test_nnt_is_one_over_rd_rounded_up(a: tuple[int, int], b: tuple[int, int]) -> None:
    out = compare_arms(*a, *b).output
    rd = abs(Fraction(*a) - Fraction(*b))  # exact: 273/361 vs 363/480 gives NNT 57760, not 57761
    if rd == 0:
        assert out["nnt"] is None
    else:
        assert out["nnt"] == math.ceil(1 / rd)
        assert out["nnt"] >= 1


# ----------------------------------------------------------------------------- percentages only


def test_difference_of_complete_remission_percentages() -> None:
    call = difference_of_percentages(49.6, 36.3, "tacrolimus", "IVCY")
    assert call.output["difference_points"] == 13.3
    assert call.output["ratio"] == 1.37
    assert call.output["confidence_interval"] is None
    assert "no confidence interval" in call.text
    assert "13.3 percentage points" in call.text


def test_the_relative_change_is_given_beside_the_ratio() -> None:
    fewer = difference_of_percentages(8.9, 16.2, "a", "b", higher_is_better=False)
    assert fewer.output["relative_change_percent"] == -45.1  # (8.9 / 16.2 - 1) x 100
    assert "ratio 0.55 (relative reduction 45.1%)" in fewer.text
    more = difference_of_percentages(49.6, 36.3, "a", "b")
    assert more.output["relative_change_percent"] == 36.6
    assert "relative increase 36.6%" in more.text


def test_difference_of_percentages_with_zero_reference() -> None:
    call = difference_of_percentages(10, 0, "a", "b")
    assert call.output["ratio"] is None
    assert_contract(call)


@pytest.mark.parametrize(
    "args", [(101, 5, "a", "b"), (-1, 5, "a", "b"), (5, float("nan"), "a", "b")]
)
def test_difference_of_percentages_rejects_invalid_input(args: tuple) -> None:
    with pytest.raises(ToolInputError, match="pct_"):
        difference_of_percentages(*args)


# ----------------------------------------------------------------------------- non-inferiority


def test_margin_has_no_default() -> None:
    with pytest.raises(TypeError):
        non_inferiority(117, 141, 93, 124)  # type: ignore[call-arg]


def test_non_inferior_with_a_10_point_margin() -> None:
    call = non_inferiority(117, 141, 93, 124, margin_pct=10)
    assert call.output["non_inferior"] is True
    assert call.output["lower_bound_points"] == -1.8
    assert call.output["margin_points"] == 10
    assert "-1.8 > -10" in call.text and "unconfirmed" in call.text


def test_not_shown_when_the_lower_bound_crosses_the_margin() -> None:
    call = non_inferiority(117, 141, 93, 124, margin_pct=1.5)
    assert call.output["non_inferior"] is False
    assert "NOT shown" in call.text


def test_lower_bound_and_margin_never_look_equal_when_they_are_not() -> None:
    # A lower bound of -1.816 vs a margin of 1.8 must not be shown as "-1.8 <= -1.8".
    assert separating(-1.8162, -1.8, 1) == -1.82
    call = non_inferiority(117, 141, 93, 124, margin_pct=1.8)
    assert call.output["lower_bound_points"] == -1.82
    assert "-1.82 <= -1.8" in call.text


@pytest.mark.parametrize("margin", [0, -5, 100, float("nan"), "10"])
def test_non_inferiority_rejects_invalid_margin(margin: object) -> None:
    with pytest.raises(ToolInputError, match="margin_pct"):
        non_inferiority(117, 141, 93, 124, margin)  # type: ignore[arg-type]


@settings(max_examples=60)
@given(arm, arm, st.integers(1, 300).map(lambda x: x / 10))
def test_non_inferiority_follows_the_lower_bound(
    a: tuple[int, int], b: tuple[int, int], margin: float
) -> None:
    call = non_inferiority(*a, *b, margin_pct=margin)
    assert call.output["non_inferior"] == (100 * call.output["rd_ci_low_unrounded"] > -margin)
    assert ungrounded(call) == []


def test_two_reported_percentages_give_an_nnt_without_an_interval() -> None:
    # 40.8% vs 22.5%: 18.3 points, 100 / 18.3 = 5.46, rounded up to 6 patients
    call = difference_of_percentages(40.8, 22.5, "drug", "placebo")
    assert (call.output["nnt"], call.output["nnt_kind"]) == (6, "benefit")
    assert "NNT (benefit) 6" in call.text and "no confidence interval" in call.text
    assert "nnt_ci_low" not in call.output  # no interval from percentages alone


def test_more_deaths_in_the_first_arm_is_a_number_needed_to_harm() -> None:
    # 11% vs 4% died: 7 points more in the first arm, 100 / 7 = 14.3 -> 15
    call = difference_of_percentages(11, 4, "low dose", "high dose", higher_is_better=False)
    assert (call.output["nnt"], call.output["nnt_kind"]) == (15, "harm")
    assert difference_of_percentages(30, 30, "a", "b").output["nnt"] is None


def test_the_direction_of_an_nnt_must_be_a_yes_or_no() -> None:
    with pytest.raises(ToolInputError, match="higher_is_better"):
        difference_of_percentages(40, 20, "a", "b", higher_is_better="yes")  # type: ignore[arg-type]
