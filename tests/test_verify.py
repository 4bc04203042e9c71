"""The invariant: no number reaches a user unless a cited quote or a tool call carries it."""

from __future__ import annotations

from assistant.tools import rate
from assistant.verify import GroundingPool, enforce, numbers_in, ungrounded

QUOTE = "The complete or partial response rate was 83.0% (117/141) in the tacrolimus group."


def test_numbers_are_read_with_their_meaning() -> None:
    tokens = numbers_in("LSM change -8.6; range 4-10 ng/ml; 117/141; 1,000 patients; 83.0%")
    assert [t.value for t in tokens] == [-8.6, 4, 10, 117, 141, 1000, 83.0]
    assert tokens[-1].percent


def test_markers_list_numbers_and_identifiers_are_not_claims() -> None:
    text = "1. Rates differ [2] in NCT02457221 for C3 and COVID-19 patients"
    assert numbers_in(text) == []


def test_a_percentage_that_appears_nowhere_is_ungrounded() -> None:
    assert ungrounded("Response was 90% with tacrolimus.", GroundingPool([QUOTE])) == ["90%"]


def test_83_and_83_point_0_are_the_same_number() -> None:
    pool = GroundingPool([QUOTE])
    assert ungrounded("83% (117 of 141) responded", pool) == []


def test_a_rounded_figure_is_not_the_quoted_one() -> None:
    pool = GroundingPool(["Complete remission was 49.6% with tacrolimus."])
    assert ungrounded("Complete remission was 50% with tacrolimus.", pool) == ["50%"]


def test_a_number_only_in_an_uncited_passage_is_removed() -> None:
    cited = GroundingPool([QUOTE])
    answer = "Response was 83.0% [1]. Infections were 8.9% versus 16.2% [2]."
    kept, removed = enforce(answer, cited)
    assert kept == "Response was 83.0% [1]."
    assert removed == ["8.9%", "16.2%"]


def test_tool_outputs_ground_their_numbers() -> None:
    call = rate(117, 141)
    pool = GroundingPool(values=[call.inputs, call.output])
    assert ungrounded(call.text, pool) == []
