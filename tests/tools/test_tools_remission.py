"""One patient's renal response under the trial's criteria and under KDIGO 2024."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tools_helpers import assert_contract, remission_check

from assistant.tools import ToolInputError
from assistant.tools.remission import CATEGORY_RANK

FULL: dict[str, Any] = {
    "albumin": 3.6,
    "albumin_unit": "g/dL",
    "creatinine": 95,
    "creatinine_unit": "umol/L",
    "baseline_creatinine": 90,
    "baseline_creatinine_unit": "umol/L",
}


def statuses(result: dict[str, Any], which: str) -> dict[str, str]:
    return {c["criterion"]: c["status"] for c in result[f"{which}_criteria"]}


def test_worked_example_is_a_complete_response() -> None:
    # 0.2 g/24 h, albumin 3.6 g/dL, creatinine 95 vs 90 µmol/L (+5.6%, within 15%).
    call = remission_check(0.2, "g/24h", **FULL)
    assert call.output["trial"]["category"] == "complete"
    assert call.output["kdigo"]["category"] == "complete"
    assert call.output["measurements"]["creatinine_change_percent"] == 5.6
    assert "Trial criteria (Zheng, as stated in the interview): complete response" in call.text
    assert "(+5.6%)" in call.text
    assert_contract(call)


def test_partial_response_needs_a_halving_from_baseline() -> None:
    call = remission_check(1.2, "g/day", baseline_proteinuria=4, baseline_unit="g/day", **FULL)
    assert call.output["trial"]["category"] == "partial"
    assert call.output["kdigo"]["category"] == "partial"
    assert call.output["measurements"]["proteinuria_reduction_percent"] == 70.0


def test_exactly_50_percent_reduction_is_partial_for_kdigo_but_not_for_the_trial() -> None:
    # Trial: "decrease of more than 50%"; KDIGO: "reduction >= 50%".
    call = remission_check(1, "g/day", baseline_proteinuria=2, baseline_unit="g/day", **FULL)
    assert call.output["trial"]["category"] == "no response"
    assert call.output["kdigo"]["category"] == "partial"


def test_albumin_separates_the_criteria_sets() -> None:
    # Albumin 3.2 g/dL: not complete by the trial (needs >= 3.5), complete by KDIGO (no albumin).
    low_albumin = FULL | {"albumin": 32, "albumin_unit": "g/L"}
    call = remission_check(
        0.3, "g/day", baseline_proteinuria=3, baseline_unit="g/day", **low_albumin
    )
    assert call.output["trial"]["category"] == "partial"
    assert call.output["kdigo"]["category"] == "complete"
    assert "albumin 32 g/L" in call.text


def test_creatinine_exactly_15_percent_above_baseline_still_counts_as_stable() -> None:
    call = remission_check(0.2, "g/day", **(FULL | {"creatinine": 103.5}))
    assert call.output["measurements"]["creatinine_change_percent"] == 15.0
    assert call.output["trial"]["category"] == "complete"


def test_a_rise_just_over_15_percent_is_not_shown_as_15_0() -> None:
    call = remission_check(0.2, "g/day", **(FULL | {"creatinine": 103.54}))
    assert call.output["measurements"]["creatinine_change_percent"] == 15.04
    assert call.output["kdigo"]["category"] == "no response"
    # The trial also accepts a creatinine within the normal range, which was not given.
    assert call.output["trial"]["category"] == "insufficient data"
    assert call.output["trial"]["needed_inputs"] == ["creatinine_upper_limit_normal"]


def test_normal_range_branch_of_the_trial_creatinine_criterion() -> None:
    risen = FULL | {"creatinine": 120, "baseline_creatinine": 100}
    within = remission_check(0.2, "g/day", **risen, creatinine_upper_limit_normal=125)
    above = remission_check(0.2, "g/day", **risen, creatinine_upper_limit_normal=110)
    assert within.output["trial"]["category"] == "complete"
    assert above.output["trial"]["category"] == "no response"
    assert within.output["kdigo"]["category"] == "no response"  # KDIGO: stability only


def test_missing_inputs_are_listed_not_guessed() -> None:
    call = remission_check(0.2, "g/24h")
    trial, kdigo = call.output["trial"], call.output["kdigo"]
    assert trial["category"] == kdigo["category"] == "insufficient data"
    assert trial["needed_for_complete"] == ["albumin", "creatinine", "baseline_creatinine"]
    assert kdigo["needed_for_complete"] == ["creatinine", "baseline_creatinine"]
    assert kdigo["needed_for_partial"] == [
        "baseline_proteinuria",
        "creatinine",
        "baseline_creatinine",
    ]
    assert "needs serum albumin" in call.text
    assert "for complete: albumin >= 3.5 g/dL" in call.text  # what the value must reach


def test_partial_response_asks_for_baseline_proteinuria() -> None:
    call = remission_check(2.0, "g/day", **FULL)  # complete ruled out, partial needs baseline
    assert call.output["trial"]["needed_inputs"] == ["baseline_proteinuria"]
    assert call.output["kdigo"]["needed_inputs"] == ["baseline_proteinuria"]
    assert "needs baseline proteinuria" in call.text


def test_upcr_in_mg_per_mmol_is_converted_at_113_1() -> None:
    call = remission_check(50, "mg/mmol", baseline_proteinuria=400, baseline_unit="mg/mmol", **FULL)
    assert call.output["measurements"]["proteinuria"] == 0.442  # 50 / 113.1
    assert call.output["conversion_factors"]["upcr_mg_per_mmol_per_g_per_g"] == 113.1
    assert call.output["kdigo"]["category"] == "complete"
    assert "UPCR (g/g) was used as 24-h proteinuria" in call.text


def test_the_approximation_is_always_stated() -> None:
    call = remission_check(0.2, "mg/24h", **FULL)
    assert "24-h proteinuria was used as UPCR (g/g) for criteria stated in UPCR" in call.text
    assert "approximation" in call.output["approximation_note"]
    assert any("proxy" in note for note in call.output["notes"])  # KDIGO 10-15% stability


def test_creatinine_in_mg_dl_and_mixed_units() -> None:
    mixed = FULL | {"creatinine": 1.1, "creatinine_unit": "mg/dL"}
    call = remission_check(0.2, "g/day", **mixed)  # 1.1 mg/dL = 97.24 µmol/L vs 90
    assert call.output["measurements"]["creatinine_umol_per_l"] == 97.2
    assert call.output["measurements"]["creatinine_change_percent"] == 8.0
    # the value entered in the other unit is shown in the one the change is computed in
    assert "creatinine 1.1 mg/dL (97.2 µmol/L) vs baseline 90 µmol/L (+8.0%)" in call.text
    same = remission_check(0.2, "g/day", **FULL)
    assert "µmol/L (" not in same.text.split("vs baseline")[0]


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"proteinuria": -0.1, "proteinuria_unit": "g/day"}, "cannot be negative"),
        ({"proteinuria": 0.2, "proteinuria_unit": "mg/dL"}, "accepted units: g/day"),
        ({"proteinuria": 0.2, "proteinuria_unit": None}, "proteinuria_unit"),
        ({"proteinuria": None, "proteinuria_unit": "g/day"}, "proteinuria is required"),
        ({"proteinuria": float("nan"), "proteinuria_unit": "g/day"}, "finite"),
        ({"proteinuria": 2000, "proteinuria_unit": "g/day"}, "check the unit"),
        ({"albumin": 3.5}, "albumin_unit is required"),
        ({"albumin": 35, "albumin_unit": "g/dL"}, "implausible"),
        ({"albumin": 3.5, "albumin_unit": "mg/dL"}, "accepted units: g/L, g/dL"),
        ({"creatinine": 0, "creatinine_unit": "umol/L"}, "greater than 0"),
        ({"creatinine": 95, "creatinine_unit": "mmol/L"}, "Unknown unit"),
        ({"creatinine": 95, "creatinine_unit": "mg/dL"}, "implausible"),
        ({"baseline_proteinuria": 0, "baseline_unit": "g/day"}, "greater than 0"),
        ({"creatinine_upper_limit_normal": 110}, "needs creatinine"),
    ],
)
def test_invalid_inputs_raise_a_clear_error(kwargs: dict[str, Any], fragment: str) -> None:
    args: dict[str, Any] = {"proteinuria": 0.2, "proteinuria_unit": "g/day"} | kwargs
    with pytest.raises(ToolInputError, match=fragment):
        remission_check(**args)


# ----------------------------------------------------------------------------- properties

amount = st.integers(0, 1200).map(lambda x: x / 100)  # 0 to 12 g, typed to 2 decimals
optional_amount = st.none() | st.integers(1, 1500).map(lambda x: x / 100)
creat = st.integers(300, 3000).map(lambda x: x / 10)
patients = st.fixed_dictionaries(
    {
        "baseline_proteinuria": optional_amount,
        "baseline_unit": st.sampled_from(["g/day", "g/g", "mg/24h"]),
        "albumin": st.none() | st.integers(10, 55).map(lambda x: x / 10),
        "albumin_unit": st.just("g/dL"),
        "creatinine": st.none() | creat,
        "creatinine_unit": st.sampled_from(["umol/L", "µmol/L"]),
        "baseline_creatinine": st.none() | creat,
        "baseline_creatinine_unit": st.just("umol/L"),
        "creatinine_upper_limit_normal": st.none() | st.sampled_from([90, 110]),
    }
)


def fix_units(p: dict[str, Any]) -> dict[str, Any]:
    """mg/24h baselines in mg; ULN only with a creatinine."""
    p = dict(p)
    if p["baseline_unit"] == "mg/24h" and p["baseline_proteinuria"] is not None:
        p["baseline_proteinuria"] = p["baseline_proteinuria"] * 1000
    if p["creatinine"] is None:
        p["creatinine_upper_limit_normal"] = None
    return p


@settings(max_examples=300)
@given(amount, amount, patients, st.sampled_from(["g/day", "g/g"]))
def test_lowering_proteinuria_never_worsens_the_category(
    first: float, second: float, patient: dict[str, Any], unit: str
) -> None:
    patient = fix_units(patient)
    low, high = sorted((first, second))
    better = remission_check(low, unit, **patient).output
    worse = remission_check(high, unit, **patient).output
    for criteria in ("trial", "kdigo"):
        a, b = better[criteria]["category"], worse[criteria]["category"]
        if a in CATEGORY_RANK and b in CATEGORY_RANK:
            assert CATEGORY_RANK[a] >= CATEGORY_RANK[b], (criteria, low, high, patient)


@settings(max_examples=200)
@given(amount, patients, st.sampled_from(["g/day", "g/24h", "g/g", "mg/mmol"]))
def test_complete_data_always_gives_a_category(
    proteinuria: float, patient: dict[str, Any], unit: str
) -> None:
    patient = fix_units(patient)
    call = remission_check(proteinuria, unit, **patient)
    complete_data = all(
        patient[k] is not None
        for k in ("baseline_proteinuria", "albumin", "creatinine", "baseline_creatinine")
    )
    for criteria in ("trial", "kdigo"):
        result = call.output[criteria]
        undecided = result["category"] == "insufficient data"
        assert undecided == bool(result["needed_inputs"])
        if complete_data and criteria == "kdigo":
            assert not undecided
    assert_contract(call)


def test_a_change_stated_as_a_percentage_is_a_change_not_a_value() -> None:
    call = remission_check(0.4, "g/24h", albumin=3.6, albumin_unit="g/dL",
                           creatinine_change_percent=10)  # fmt: skip
    assert call.output["trial"]["category"] == "complete"
    assert call.output["measurements"]["creatinine_change_percent"] == 10.0
    risen = remission_check(0.4, "g/24h", albumin=3.6, albumin_unit="g/dL",
                            creatinine_change_percent=20)  # fmt: skip
    assert risen.output["kdigo"]["category"] == "no response"
    assert_contract(call)


def test_creatinine_stated_as_stable_meets_the_stability_criterion() -> None:
    call = remission_check(0.3, "g/day", albumin=3.7, albumin_unit="g/dL", creatinine_stable=True)
    assert call.output["trial"]["category"] == "complete"
    assert "stated as stable" in call.text
    assert_contract(call)


def test_each_verdict_says_which_criteria_decided_it() -> None:
    # 1.6 g/day from 3.0 (a 46.7% fall): not complete (not below 0.5), not partial (not > 50%).
    call = remission_check(1.6, "g/day", baseline_proteinuria=3, baseline_unit="g/day", **FULL)
    assert "no response (not complete: 1.6 g/day is not below 0.5" in call.text
    assert "not partial: proteinuria fell 46.7% from baseline, not more than the 50%" in call.text
    complete = remission_check(0.2, "g/24h", **FULL)
    assert "complete response (0.2 g/day is below 0.5; 3.6 g/dL is at or above 3.5" in complete.text
    assert "approximation" not in complete.text.split(". ")[0]


def test_kidney_function_as_egfr_counts_where_the_criteria_set_allows_it() -> None:
    # KDIGO speaks of kidney function (eGFR may judge it); the trial of creatinine only.
    call = remission_check(0.4, "g/g", egfr_ml_min=81, baseline_egfr_ml_min=88)
    assert call.output["kdigo"]["category"] == "complete"  # eGFR -8.0%: within 15%
    assert call.output["trial"]["category"] == "insufficient data"
    assert call.output["measurements"]["egfr_change_percent"] == -8.0
    assert "eGFR 81 vs baseline 88 (-8.0%)" in call.text
    fallen = remission_check(0.4, "g/g", egfr_ml_min=70, baseline_egfr_ml_min=88)  # -20.5%
    assert fallen.output["kdigo"]["category"] == "no response"
    # creatinine, when given, decides; eGFR does not override it
    both = remission_check(0.4, "g/g", **FULL, egfr_ml_min=50, baseline_egfr_ml_min=88)
    assert both.output["kdigo"]["category"] == "complete"
    assert_contract(call)


def test_an_impossible_egfr_is_refused() -> None:
    with pytest.raises(ToolInputError, match="egfr_ml_min must be between 1 and 200"):
        remission_check(0.4, "g/g", egfr_ml_min=900, baseline_egfr_ml_min=88)


# ----------------------------------------------------- another trial's definition, by name


def test_a_trial_named_is_judged_by_its_own_rules_alone() -> None:
    call = remission_check(0.45, "mg/mg", egfr_ml_min=70, baseline_egfr_ml_min=90,
                           criteria_sets=["regency"])  # fmt: skip
    result = call.output["regency"]
    assert set(call.output) >= {"regency"} and "trial" not in call.output
    assert result["category"] == "no response"  # 70/90 = 77.8% of baseline, below 85%
    assert "criteria not met" in call.text and "77.8% of baseline, below 85%" in call.text
    assert call.output["sources"] == ["furie2025#s8", "furie2025#s9"]


def test_an_egfr_rule_is_met_either_way_and_its_conditions_are_named_not_judged() -> None:
    # AURORA 1: eGFR at least 60, or no fall of more than 20% from baseline
    by_level = remission_check(0.5, "mg/mg", egfr_ml_min=61, baseline_egfr_ml_min=90,
                               criteria_sets=["aurora1"])  # fmt: skip
    assert by_level.output["aurora1"]["category"] == "complete"  # 0.5 is "0.5 or less"
    assert "rescue medication" in by_level.text and "not judged" in by_level.text
    by_fall = remission_check(0.3, "mg/mg", egfr_ml_min=50, baseline_egfr_ml_min=62,
                              criteria_sets=["aurora1"])  # fmt: skip
    assert by_fall.output["aurora1"]["category"] == "complete"  # -19.4%, within 20%
    neither = remission_check(0.3, "mg/mg", egfr_ml_min=50, baseline_egfr_ml_min=65,
                              criteria_sets=["aurora1"])  # fmt: skip
    assert neither.output["aurora1"]["category"] == "no response"  # below 60 and -23.1%
    unsure = remission_check(0.3, "mg/mg", egfr_ml_min=50, criteria_sets=["aurora1"])
    assert unsure.output["aurora1"]["needed_inputs"] == ["baseline_egfr"]


@pytest.mark.parametrize(("change", "category"), [(-10, "complete"), (-25, "no response")])
def test_an_egfr_change_stated_as_such_stands_for_the_baseline(
    change: float, category: str
) -> None:
    call = remission_check(0.3, "mg/mg", egfr_ml_min=50, egfr_change_percent=change,
                           criteria_sets=["aurora1"])  # fmt: skip
    assert call.output["aurora1"]["category"] == category
    assert f"{change:.1f}% vs baseline, as stated" in call.text


def test_a_condition_stated_as_met_is_named_as_the_clinicians_word() -> None:
    call = remission_check(0.3, "mg/mg", egfr_ml_min=70, criteria_sets=["aurora1"],
                           conditions_stated=["no rescue medication"])  # fmt: skip
    result = call.output["aurora1"]
    assert result["stated_met"] == ["no rescue medication"]
    assert "no rescue medication" not in result["not_judged"]
    assert "with no rescue medication as you state" in call.text


def test_the_default_sets_apply_unless_others_are_named() -> None:
    call = remission_check(0.3, "g/24h", **FULL)
    assert {"trial", "kdigo"} <= set(call.output) and "aurora1" not in call.output
    with pytest.raises(ToolInputError, match="criteria_sets must name"):
        remission_check(0.3, "g/24h", criteria_sets=["no-such-set"])
