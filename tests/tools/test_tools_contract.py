"""The contract every tool keeps with the answer chain, checked on many random valid inputs:

- every number in `text` is a numeric value in the call's inputs or output (grounding);
- `text` is one line; inputs and output are JSON without NaN;
- `TOOLS[call.name](**call.inputs)` reproduces the call exactly (follow-ups re-run tools).
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tools_helpers import (
    TOOLS,
    assert_contract,
    numbers_in,
    remission_check,
    steroid_schedule,
    trial_eligibility,
    ungrounded,
)

from assistant.tools import (
    ToolInputError,
    compare_arms,
    convert,
    course_total,
    difference_of_percentages,
    non_inferiority,
    rate,
    reported_difference,
    reported_effect,
    weight_dose,
)
from assistant.types import ToolCall

counts = st.integers(1, 3000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n)))
percent = st.integers(0, 1000).map(lambda x: x / 10)
typed = st.integers(0, 100_000).map(lambda x: x / 100)  # a value as a clinician types it


def test_number_extraction_helper() -> None:
    text = "117/141 = 83.0% (95% CI -1.8 to +17.8); weeks 1-4; C3 low; BMI 18.5-27 kg/m²"
    assert numbers_in(text) == [117, 141, 83.0, 95, 1.8, 17.8, 1, 4, 18.5, 27]
    fake = ToolCall("rate", {"events": 1}, {"percent": 83.0}, "1 of 2 = 83.0%")
    assert ungrounded(fake) == [2.0]


def test_registry_keys_are_the_tool_call_names() -> None:
    examples = [
        rate(117, 141),
        compare_arms(117, 141, 93, 124),
        difference_of_percentages(49.6, 36.3),
        non_inferiority(117, 141, 93, 124, margin_pct=10),
        remission_check(0.2, "g/day"),
        trial_eligibility(age_years=30),
        steroid_schedule(60),
        convert(1, "mg/dL", "umol/L"),
        reported_difference("Liu 2015", 20.4, 10.3, 30.6, "multitarget", "IVCY"),
        reported_effect("Trial B", "drug A", "placebo", "HR", 0.74, 0.65, 0.85, 0.001, "<"),
        weight_dose(55, 0.06, 0.1, drug="drug A"),
        course_total(500, "mg", 6, "drug A", cap=36, cap_unit="g"),
    ]
    assert sorted(call.name for call in examples) == sorted(TOOLS)
    for call in examples:
        assert set(call.inputs) == set(inspect.signature(TOOLS[call.name]).parameters)
        assert_contract(call)


def test_a_follow_up_can_rerun_the_previous_call_with_one_input_changed() -> None:
    previous = steroid_schedule(70)
    again = TOOLS[previous.name](**{**previous.inputs, "weight_kg": 50})
    assert again.output["starting_mg_per_day"] == 40


def test_tool_input_error_is_a_value_error() -> None:
    assert issubclass(ToolInputError, ValueError)


@given(counts, st.none() | percent | percent.map(lambda p: f"{p:.1f}%"))
def test_rate_contract(k_n: tuple[int, int], reported: float | str | None) -> None:
    assert_contract(rate(*k_n, reported))


@given(counts, counts, st.booleans())
def test_compare_arms_contract(a: tuple[int, int], b: tuple[int, int], higher: bool) -> None:
    assert_contract(compare_arms(*a, *b, "arm A", "arm B", higher_is_better=higher))


@given(percent, percent)
def test_difference_of_percentages_contract(a: float, b: float) -> None:
    assert_contract(difference_of_percentages(a, b, "tacrolimus", "IVCY"))


@given(counts, counts, st.integers(1, 999).map(lambda x: x / 10))
def test_non_inferiority_contract(a: tuple[int, int], b: tuple[int, int], margin: float) -> None:
    assert_contract(non_inferiority(*a, *b, margin_pct=margin))


@given(
    typed,
    st.sampled_from(
        ["umol/L", "µmol/L", "mg/dL", "g/L", "g/dL", "g/day", "mg/24h", "g/g", "mg/mmol"]
    ),
)
def test_convert_contract(value: float, unit: str) -> None:
    quantity = {"umol/L": "creat", "µmol/L": "creat", "mg/dL": "creat", "g/L": "alb",
                "g/dL": "alb", "g/day": "prot", "mg/24h": "prot", "g/g": "upcr",
                "mg/mmol": "upcr"}  # fmt: skip
    for target, kind in quantity.items():
        if kind == quantity[unit]:
            assert_contract(convert(value, unit, target))


@given(st.integers(1, 4000).map(lambda x: x / 10))
def test_steroid_schedule_contract(weight: float) -> None:
    assert_contract(steroid_schedule(weight))


@settings(max_examples=150)
@given(
    st.none() | st.integers(10, 80),
    st.none() | st.integers(150, 350).map(lambda x: x / 10),
    st.none() | st.integers(0, 600).map(lambda x: x / 100),
    st.none() | st.integers(30, 500),
    st.none() | st.sampled_from(["II", "III", "IV", "V", "III+V", "IV+V", "4", "class IV-G"]),
)
def test_trial_eligibility_contract(
    age: int | None, bmi: float | None, protein: float | None, creat: int | None, cls: str | None
) -> None:
    assert_contract(trial_eligibility(age, bmi, protein, creat, isn_class=cls))


@settings(max_examples=150)
@given(
    st.integers(0, 1500).map(lambda x: x / 100),
    st.sampled_from(["g/day", "g/24h", "mg/day", "g/g", "mg/mmol", "mg/mg"]),
    st.none() | st.integers(1, 1500).map(lambda x: x / 100),
    st.none() | st.integers(10, 55).map(lambda x: x / 10),
    st.none() | st.integers(300, 3000).map(lambda x: x / 10),
    st.none() | st.integers(300, 3000).map(lambda x: x / 10),
)
def test_remission_check_contract(
    protein: float,
    unit: str,
    baseline: float | None,
    albumin: float | None,
    creat: float | None,
    base_creat: float | None,
) -> None:
    call = remission_check(
        protein,
        unit,
        baseline_proteinuria=baseline,
        baseline_unit="g/g",
        albumin=albumin,
        albumin_unit="g/dL",
        creatinine=creat,
        creatinine_unit="umol/L",
        baseline_creatinine=base_creat,
        baseline_creatinine_unit="umol/L",
    )
    assert_contract(call)


@pytest.mark.parametrize(
    "call",
    [
        lambda: rate(0, 0),
        lambda: compare_arms(3, 2, 1, 2),
        lambda: difference_of_percentages(float("inf"), 2, "a", "b"),
        lambda: non_inferiority(1, 2, 1, 2, margin_pct=-1),
        lambda: remission_check(-1, "g/day"),
        lambda: trial_eligibility(age_years=-3),
        lambda: steroid_schedule(0),
        lambda: convert(1, "stones", "kg"),
    ],
)
def test_every_tool_rejects_invalid_input_with_a_message(call: Callable[[], object]) -> None:
    with pytest.raises(ToolInputError) as error:
        call()
    assert len(str(error.value)) > 15
    json.dumps(str(error.value))


def test_a_reported_difference_is_transcribed_not_recomputed() -> None:
    call = reported_difference("Mok 2016", 3.0, -12, 18, "tacrolimus", "MMF", "complete response")
    assert call.output["risk_difference_points"] == 3.0
    assert call.output["rd_method"].startswith("as reported")
    assert_contract(call)
    with pytest.raises(ToolInputError, match="outside its 95% CI"):
        reported_difference("Mok 2016", 30.0, -12, 18, "tacrolimus", "MMF")


def test_a_reported_p_value_is_transcribed_with_its_relation() -> None:
    call = reported_difference("A", 13.4, 2.0, 24.8, "drug", "placebo", p_value=0.001,
                               p_relation="<")  # fmt: skip
    assert (call.output["p_value"], call.output["p_relation"]) == (0.001, "<")
    assert "P<0.001" in call.text
    assert_contract(call)
    assert reported_difference("A", 3.0, -12, 18, "a", "b").output["p_value"] is None
    with pytest.raises(ToolInputError, match="p_value"):
        reported_difference("A", 3.0, -12, 18, "a", "b", p_value=1.5)
    with pytest.raises(ToolInputError, match="p_relation"):
        reported_difference("A", 3.0, -12, 18, "a", "b", p_value=0.5, p_relation="~")


def test_a_reported_ratio_is_transcribed_with_the_papers_decimals() -> None:
    call = reported_effect("Trial B", "drug A", "placebo", "OR", 1.6, 1.0, 2.3, 0.03)
    assert (
        call.text == "drug A vs placebo: odds ratio 1.6 (95% CI 1.0 to 2.3; P=0.03), as reported."
    )
    assert call.output["method"].startswith("as reported")
    assert_contract(call)
    alone = reported_effect(
        "Trial B", "drug A", "placebo", "OR", 2.65, p_value=0.001, p_relation="<"
    )
    assert alone.text == "drug A vs placebo: odds ratio 2.65 (P<0.001), as reported."


def test_a_reported_p_value_alone_is_transcribed() -> None:
    call = reported_effect("Trial B", "drug A", "drug C", p_value=0.12)
    assert call.text == "drug A vs drug C: P=0.12, as reported."
    assert call.output["estimate"] is None and call.output["measure"] is None
    assert_contract(call)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({}, "estimate, a reported P value"),  # nothing reported
        ({"measure": "RD", "estimate": 3.0}, "measure must be one of"),  # a difference
        ({"measure": "HR", "estimate": 0.74, "ci_low": 0.8, "ci_high": 0.9}, "outside its 95%"),
        ({"measure": "HR", "estimate": 0.74, "ci_low": 0.65}, "both limits"),
        ({"measure": "OR", "estimate": -1.0}, "greater than 0"),
    ],
)
def test_an_impossible_reported_effect_is_refused(bad: dict[str, Any], message: str) -> None:
    with pytest.raises(ToolInputError, match=message):
        reported_effect("Trial B", "drug A", "placebo", **bad)
