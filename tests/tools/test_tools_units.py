"""Unit conversions: exact factors, round trips, and clear refusals."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tools_helpers import assert_contract

from assistant.tools import ToolInputError, convert


def test_creatinine_1_mg_dl_is_88_4_umol_l() -> None:
    call = convert(1, "mg/dL", "umol/L")
    assert call.output["value"] == 88.4
    assert call.text == "Serum creatinine 1 mg/dL = 88.4 µmol/L (× 88.4)."


@pytest.mark.parametrize(
    ("value", "source", "target", "expected"),
    [
        (95, "µmol/L", "mg/dL", 1.07),
        (176.8, "μmol/L", "mg/dl", 2.0),  # Greek mu and lower-case dl are accepted
        (36, "g/L", "g/dL", 3.6),
        (3.5, "g/dL", "g/L", 35.0),
        (1500, "mg/day", "g/day", 1.5),
        (2.1, "g/24h", "mg/24h", 2100.0),
        (1, "g/24 h", "g/day", 1.0),
        (0.5, "g/g", "mg/mmol", 56.6),  # 0.5 x 113.1 = 56.55 -> 56.6
        (113.1, "mg/mmol", "g/g", 1.0),
        (500, "mg/g", "mg/mg", 0.5),
    ],
)
def test_conversions(value: float, source: str, target: str, expected: float) -> None:
    call = convert(value, source, target)
    assert call.output["value"] == expected
    assert_contract(call)


def test_unknown_unit_names_the_accepted_units() -> None:
    with pytest.raises(ToolInputError, match=r"accepted units: umol/L, mg/dL, g/L"):
        convert(1, "mmol/L", "umol/L")


def test_incompatible_units_are_refused_even_24h_protein_to_upcr() -> None:
    with pytest.raises(ToolInputError, match="Cannot convert"):
        convert(1, "mg/dL", "g/L")
    with pytest.raises(ToolInputError, match="urine protein:creatinine ratio"):
        convert(1, "g/day", "g/g")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [((-1, "g/L", "g/dL"), "negative"), ((float("inf"), "g/L", "g/dL"), "finite"),
     ((1, None, "g/dL"), "from_unit"), (("1", "g/L", "g/dL"), "number")],
)  # fmt: skip
def test_convert_rejects_invalid_input(args: tuple, fragment: str) -> None:
    with pytest.raises(ToolInputError, match=fragment):
        convert(*args)


@given(st.integers(1, 200_000).map(lambda x: x / 100))
def test_creatinine_round_trip_within_display_precision(value: float) -> None:
    there = convert(value, "umol/L", "mg/dL").output["value_unrounded"]
    back = convert(there, "mg/dL", "umol/L").output["value_unrounded"]
    assert back == pytest.approx(value, rel=1e-9)
