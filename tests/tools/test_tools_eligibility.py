"""Zheng 2022 inclusion criteria (as reported in the interview), one criterion at a time."""

from __future__ import annotations

from typing import Any

import pytest
from tools_helpers import (
    BUNDLED_PROFILE,
    assert_contract,
    numbers_in,
    numeric_values,
    trial_eligibility,
)

from assistant.tools import ToolInputError
from assistant.tools.eligibility import parse_class

ELIGIBLE: dict[str, Any] = {
    "age_years": 35,
    "bmi": 22.5,
    "proteinuria_g_per_24h": 2.4,
    "creatinine": 88,
    "isn_class": "IV",
}


def by_criterion(call: Any) -> dict[str, str]:
    return {c["criterion"]: c["status"] for c in call.output["criteria"]}


def test_an_eligible_patient() -> None:
    call = trial_eligibility(**ELIGIBLE)
    assert call.output["status"] == "eligible" and call.output["eligible"] is True
    assert set(by_criterion(call).values()) == {"pass"}
    assert call.text.startswith(
        "Eligible for the Zheng trial (criteria as reported in the interview)"
    )
    assert "registry" in call.output["registry_note"]
    assert_contract(call)


@pytest.mark.parametrize(
    ("change", "criterion"),
    [
        ({"age_years": 17}, "age"),
        ({"age_years": 61}, "age"),
        ({"bmi": 18.4}, "BMI"),
        ({"bmi": 27.1}, "BMI"),
        ({"proteinuria_g_per_24h": 1.49}, "24-h proteinuria"),
        ({"creatinine": 261}, "serum creatinine"),
        ({"creatinine": 3.0, "creatinine_unit": "mg/dL"}, "serum creatinine"),  # 265.2 µmol/L
        ({"isn_class": "II"}, "ISN/RPS class"),
        ({"isn_class": "VI"}, "ISN/RPS class"),
        ({"isn_class": "II+V"}, "ISN/RPS class"),
    ],
)
def test_each_criterion_can_make_a_patient_ineligible(
    change: dict[str, Any], criterion: str
) -> None:
    call = trial_eligibility(**(ELIGIBLE | change))
    assert call.output["status"] == "not eligible" and call.output["eligible"] is False
    assert call.output["failed_criteria"] == [criterion]
    assert f"{criterion} " in call.text and " fail" in call.text
    assert_contract(call)


@pytest.mark.parametrize(
    "change",
    [
        {"age_years": 18}, {"age_years": 60}, {"bmi": 18.5}, {"bmi": 27},
        {"proteinuria_g_per_24h": 1.5}, {"creatinine": 260},
        {"proteinuria_g_per_24h": 1500, "proteinuria_unit": "mg/day"},
    ],
)  # fmt: skip
def test_limits_are_inclusive_as_in_the_interview(change: dict[str, Any]) -> None:
    assert trial_eligibility(**(ELIGIBLE | change)).output["status"] == "eligible"


def test_patients_on_a_strict_registry_limit_are_flagged() -> None:
    call = trial_eligibility(**(ELIGIBLE | {"bmi": 27, "creatinine": 260}))
    assert len(call.output["borderline_with_registry"]) == 2
    assert "registry record gives BMI < 27 and creatinine < 260" in call.text
    assert_contract(call)


def test_missing_values_are_named() -> None:
    call = trial_eligibility(age_years=40, isn_class="III/V")
    assert call.output["status"] == "insufficient data" and call.output["eligible"] is None
    assert call.output["needed_inputs"] == ["bmi", "proteinuria_g_per_24h", "creatinine"]
    # each with the rule it would have to meet
    assert (
        "needs: BMI (18.5 to 27 kg/m²), 24-h proteinuria (>= 1.5 g/day), "
        "serum creatinine (<= 260 µmol/L)" in call.text
    )


def test_a_failure_wins_over_missing_data() -> None:
    call = trial_eligibility(age_years=70)
    assert call.output["status"] == "not eligible"
    assert "not assessed" in call.text


@pytest.mark.parametrize(
    ("written", "parsed"),
    [
        ("IV", "IV"), ("4", "IV"), ("class IV", "IV"), ("Class IV-G (A/C)", "IV"),
        ("class IV+V", "IV+V"), ("III/V", "III+V"), ("3 + 5", "III+V"), ("V+III", "III+V"),
        ("ISN/RPS class III and V", "III+V"), ("iv-s (a)", "IV"), ("LN class V", "V"),
    ],
)  # fmt: skip
def test_class_spellings(written: str, parsed: str) -> None:
    assert parse_class(written, BUNDLED_PROFILE.eligibility[0].classes) == parsed


@pytest.mark.parametrize("written", ["VII", "III+IV", "IV+V+III", "", "lupus", "7"])
def test_unrecognised_classes_are_refused(written: str) -> None:
    with pytest.raises(ToolInputError, match=r"isn_class|ISN/RPS class"):
        trial_eligibility(**(ELIGIBLE | {"isn_class": written}))


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"age_years": -1}, "age_years"),
        ({"age_years": float("nan")}, "finite"),
        ({"bmi": 0}, "bmi"),
        ({"proteinuria_g_per_24h": -2}, "negative"),
        ({"creatinine": -5}, "greater than 0"),
        ({"creatinine_unit": "mmol/L"}, "accepted units: umol/L, mg/dL"),
        ({"proteinuria_unit": "g/g"}, "accepted units: g/day"),
        ({"isn_class": 4}, "isn_class"),
    ],
)
def test_invalid_inputs_raise_a_clear_error(change: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ToolInputError, match=fragment):
        trial_eligibility(**(ELIGIBLE | change))


def test_the_bmi_is_computed_from_weight_and_height_when_not_given() -> None:
    patient = {k: v for k, v in ELIGIBLE.items() if k != "bmi"}
    call = trial_eligibility(**patient, weight_kg=72, height_cm=160)  # 72 / 1.6² = 28.125
    assert call.output["failed_criteria"] == ["BMI"]
    assert "BMI 28.13 kg/m² (from 72 kg and 160 cm)" in call.text
    assert_contract(call)


def test_an_impossible_height_is_refused() -> None:
    patient = {k: v for k, v in ELIGIBLE.items() if k != "bmi"}
    with pytest.raises(ToolInputError, match="height_cm"):
        trial_eligibility(**patient, weight_kg=72, height_cm=0)


CHRONICITY, BIOPSY, TMA, RECENT_IS, WITHIN_30 = (
    e.criterion for e in BUNDLED_PROFILE.eligibility[0].exclusions
)


@pytest.mark.parametrize(
    ("stated", "status"),
    [
        ({CHRONICITY: {"value": 5}}, "fail"),  # above 3
        ({CHRONICITY: {"value": 3}}, "pass"),  # "above 3": 3 is not above it
        ({BIOPSY: {"days_ago": 240}}, "fail"),  # 34 weeks > 24
        ({BIOPSY: {"days_ago": 42}}, "pass"),
        ({TMA: {"present": True}}, "fail"),
        ({TMA: {"absent": True}}, "pass"),
        ({RECENT_IS: {"current": True}}, "fail"),
        ({WITHIN_30: {"days_ago": 21}}, "fail"),
        ({WITHIN_30: {"days_ago": 45}}, "pass"),
    ],
)
def test_an_exclusion_the_note_states_is_judged_by_its_limit(
    stated: dict[str, Any], status: str
) -> None:
    call = trial_eligibility(**ELIGIBLE, exclusions_stated=stated)
    (criterion,) = stated
    assert by_criterion(call)[criterion] == status
    assert call.output["status"] == ("not eligible" if status == "fail" else "eligible")
    assert criterion not in call.output["exclusions_not_stated"]
    assert_contract(call)


def test_exclusions_the_note_does_not_state_are_named_not_assumed() -> None:
    call = trial_eligibility(**ELIGIBLE)
    assert call.output["status"] == "eligible"
    assert call.output["exclusions_not_stated"] == [CHRONICITY, BIOPSY, TMA, RECENT_IS, WITHIN_30]
    assert "not assessed: a chronicity index above 3" in call.text


def test_an_exclusions_passage_is_cited_only_when_the_note_states_it() -> None:
    plain = trial_eligibility(**ELIGIBLE).output["sources"]
    stated = trial_eligibility(**ELIGIBLE, exclusions_stated={CHRONICITY: {"value": 2}})
    assert "zheng2022#s10" not in plain
    assert "zheng2022#s10" in stated.output["sources"]


def _check_of(study: str) -> Any:
    from assistant.tools.eligibility import TrialEligibility

    return TrialEligibility(next(s for s in BUNDLED_PROFILE.eligibility if s.id == study))


@pytest.mark.parametrize(
    ("isn_class", "upcr", "status"),
    [
        ("V", 1.8, "not eligible"),  # pure class V needs at least 2 mg/mg
        ("IV", 1.8, "eligible"),  # class III or IV at least 1.5 mg/mg
        ("IV+V", 1.5, "eligible"),  # inclusive
        ("V", 2.0, "eligible"),
    ],
)
def test_a_limit_set_for_some_biopsy_classes_applies_to_those_classes(
    isn_class: str, upcr: float, status: str
) -> None:
    call = _check_of("rovin2021")(isn_class=isn_class, upcr=upcr, upcr_unit="mg/mg")
    assert call.output["status"] == status, call.text
    assert "For other classes" in call.text  # the limit the class did not select, named
    # every figure shown is the call's own (the study's name, "AURORA 1", aside)
    pool = numeric_values(call.inputs) | numeric_values(call.output)
    shown = numbers_in(call.text.replace(call.output["trial"].split(" (")[0], ""))
    assert [n for n in shown if round(n, 6) not in pool] == [], call.text


def test_a_class_bound_limit_waits_for_the_class() -> None:
    call = _check_of("rovin2021")(upcr=1.8)
    assert call.output["status"] == "insufficient data"
    assert call.output["needed_inputs"] == ["isn_class"]


@pytest.mark.parametrize(("days_ago", "status"), [(120, "pass"), (240, "fail")])
def test_a_window_in_months_is_read_in_days(days_ago: int, status: str) -> None:
    biopsy = "a kidney biopsy more than 6 months before screening"
    call = _check_of("furie2025")(age_years=70, isn_class="IV", upcr=0.14, upcr_unit="g/g",
                                  exclusions_stated={biopsy: {"days_ago": days_ago}})  # fmt: skip
    assert by_criterion(call)[biopsy] == status
    assert by_criterion(call)["urine protein:creatinine ratio"] == "fail"  # 0.14 g/g < 1 mg/mg


def test_a_criterion_the_check_cannot_read_keeps_a_pass_from_being_eligible() -> None:
    from assistant.profile import EligibilitySet
    from assistant.tools.eligibility import TrialEligibility

    spec = EligibilitySet.model_validate({
        "id": "x", "label": "Trial X", "short_label": "X", "basis": "its record",
        "rules": [{"criterion": "age", "input": "age_years", "unit": "years", "min": 18,
                   "source": "x#s1"}],
        "unchecked": [{"criterion": "a prior biopsy", "source": "x#s2"}],
    })  # fmt: skip
    call = TrialEligibility(spec)(age_years=40)
    assert call.output["status"] == "insufficient data"
    assert "not read by this check: a prior biopsy" in call.text
