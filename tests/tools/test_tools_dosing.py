"""The trial's steroid protocol for a given weight: cap, taper grid, stated assumptions."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tools_helpers import assert_contract, numbers_in, steroid_schedule

from assistant.tools import ToolInputError


def doses(weight: float) -> list[float]:
    return [b["mg_per_day"] for b in steroid_schedule(weight).output["schedule"]]


def test_70_kg_is_capped_at_45_mg_and_56_never_appears_in_the_text() -> None:
    call = steroid_schedule(70)
    assert call.output["computed_dose_mg_per_day"] == 56.0
    assert call.output["starting_mg_per_day"] == 45
    assert call.output["cap_applied"] is True
    assert "45 mg/d" in call.text and "cap applied" in call.text
    assert 56 not in numbers_in(call.text)
    assert "not a prescription" in call.text


def test_the_starting_dose_is_totalled_over_its_weeks() -> None:
    # 40 mg/d (0.8 mg/kg/day for 50 kg) for weeks 1-4: 40 x 28 = 1120 mg; capped: 45 x 28
    assert "1120 mg over those 28 days" in steroid_schedule(50).text
    assert steroid_schedule(70).output["initial_total_mg"] == 1260


def test_70_kg_week_by_week() -> None:
    schedule = steroid_schedule(70).output["schedule"]
    assert [(b["weeks"], b["mg_per_day"]) for b in schedule] == [
        ("1-4", 45), ("5-6", 40), ("7-8", 35), ("9-10", 30), ("11-12", 25), ("13-14", 20),
        ("15-16", 17.5), ("17-18", 15), ("19-20", 12.5), ("21+", 10),
    ]  # fmt: skip
    assert schedule[-1]["phase"] == "maintenance" and schedule[-1]["week_end"] is None


def test_50_kg_starts_at_40_mg_without_the_cap() -> None:
    call = steroid_schedule(50)
    assert call.output["starting_mg_per_day"] == 40
    assert call.output["cap_applied"] is False
    assert "prednisone 40 mg/d" in call.text
    assert doses(50)[:3] == [40, 35, 30]


def test_dose_off_the_5_mg_grid_first_steps_to_the_next_multiple_below() -> None:
    call = steroid_schedule(53)  # 0.8 x 53 = 42.4 -> 42 mg
    assert call.output["starting_mg_per_day"] == 42
    assert doses(53)[:3] == [42, 40, 35]
    assert call.output["off_grid_start"] is True
    assert "assumption" in call.text and "does not say" in call.text
    assert any("nearest whole mg" in a for a in call.output["assumptions"])


def test_methylprednisolone_pulse_is_reported() -> None:
    call = steroid_schedule(60)
    out = call.output
    assert (out["pulse_g_per_day"], out["pulse_days"]) == (0.5, 3)
    assert out["pulse_total_g"] == 1.5  # the course's total, 0.5 g on each of 3 days
    assert "1.5 g in total" in call.text


@pytest.mark.parametrize("weight", [0, -70, 400.5, float("nan"), float("inf"), "70", None, True])
def test_invalid_weights_are_refused(weight: object) -> None:
    with pytest.raises(ToolInputError, match="weight_kg"):
        steroid_schedule(weight)  # type: ignore[arg-type]


@given(st.integers(1, 4000).map(lambda x: x / 10))
def test_schedule_is_contiguous_tapering_and_grounded(weight: float) -> None:
    call = steroid_schedule(weight)
    blocks = call.output["schedule"]
    assert blocks[0]["week_start"] == 1
    for before, after in itertools.pairwise(blocks):
        assert after["week_start"] == before["week_end"] + 1
        step = before["mg_per_day"] - after["mg_per_day"]
        assert 0 < step <= (5 if before["mg_per_day"] > 20 else 2.5)
    assert blocks[0]["mg_per_day"] <= 45
    assert blocks[-1]["mg_per_day"] == min(10, blocks[0]["mg_per_day"])
    assert_contract(call)


def test_a_dose_per_kilogram_is_multiplied_exactly_and_refuses_the_impossible() -> None:
    from assistant.tools import weight_dose

    call = weight_dose(55, 0.06, 0.1, drug="drug A", source="s#s4")
    assert (call.output["dose_low"], call.output["dose_high"]) == (
        3.3,
        5.5,
    )  # not 3.3000000000000003
    assert call.output["sources"] == ["s#s4"] and "not a prescription" in call.text
    assert weight_dose(70, 0.6).output["dose_high"] == 42  # a single figure: low = high
    for bad in ({"weight_kg": 0, "low_per_kg": 1}, {"weight_kg": 70, "low_per_kg": -1},
                {"weight_kg": 70, "low_per_kg": 1, "unit": "tablets"}):  # fmt: skip
        with pytest.raises(ToolInputError):
            weight_dose(**bad)  # type: ignore[arg-type]


def test_a_course_total_is_dose_times_doses_and_its_share_of_a_stated_cap() -> None:
    from assistant.tools import course_total

    call = course_total(500, "mg", 6, "drug A", cap=36, cap_unit="g", sources=["a#s1", "b#s2"])
    out = call.output
    assert (out["total_low"], out["total_g_low"]) == (3000, 3)
    assert (out["share_low_percent"], out["left_low"]) == (8.3, 33)  # 3/36 = 8.33%; 36 - 3
    assert out["sources"] == ["a#s1", "b#s2"] and "not a prescription" in call.text
    assert "3000 mg" in call.text and "8.3%" in call.text and "33 g" in call.text
    assert out["courses_in_cap_low"] == 12 and "the cap is 12 times the course" in call.text


def test_a_course_dosed_per_m2_needs_the_body_surface_area() -> None:
    from assistant.tools import course_total

    call = course_total(0.5, "g", 6, "drug A", dose_high=1.0, per_m2=True, bsa_m2=1.6)
    assert (call.output["per_dose_low"], call.output["per_dose_high"]) == (0.8, 1.6)
    assert (call.output["total_low"], call.output["total_high"]) == (4.8, 9.6)
    # a dose in grams is also given in milligrams, as charts write it; one dose is no course
    one = course_total(0.75, "g", 1, "drug A", per_m2=True, bsa_m2=1.6)
    assert one.output["per_dose_mg_low"] == 1200
    assert "1.2 g a dose (1200 mg)" in one.text and "course" not in one.text.split("(The")[0]
    # a dose the source says may be added is totalled beside the course, not in it
    extra = course_total(1000, "mg", 5, "drug A", optional_doses=1)
    assert (extra.output["total_low"], extra.output["total_with_optional_low"]) == (5000, 6000)
    assert call.inputs["optional_doses"] is None
    for bad in ({"per_m2": True}, {"per_m2": True, "bsa_m2": 9}, {"doses": 0},
                {"doses": 2.5}, {"unit": "tablets"}, {"dose_high": 0.1}):  # fmt: skip
        with pytest.raises(ToolInputError):
            course_total(**{"dose": 0.5, "unit": "g", "doses": 6, **bad})  # type: ignore[arg-type]
