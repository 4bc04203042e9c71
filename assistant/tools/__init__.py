"""Deterministic clinical calculators: pure functions, each returning a logged `ToolCall`.

Every number a tool shows in `ToolCall.text` is also a value in its `inputs` or `output`
(rounded as shown), so the answer verifier can ground it. `TOOLS` maps each `ToolCall.name`
to its function, so a follow-up can re-run a call with one input changed:

    previous = TOOLS["rate"](117, 141)
    TOOLS[previous.name](**{**previous.inputs, "total": 150})
"""

from __future__ import annotations

from collections.abc import Callable

from ..types import ToolCall
from ._validate import ToolInputError
from .dosing import steroid_schedule
from .eligibility import trial_eligibility
from .remission import remission_check
from .reported import reported_difference
from .stats import compare_arms, difference_of_percentages, non_inferiority, rate
from .units import convert

TOOLS: dict[str, Callable[..., ToolCall]] = {
    "rate": rate,
    "compare_arms": compare_arms,
    "difference_of_percentages": difference_of_percentages,
    "non_inferiority": non_inferiority,
    "remission_check": remission_check,
    "trial_eligibility": trial_eligibility,
    "steroid_schedule": steroid_schedule,
    "convert": convert,
    "reported_difference": reported_difference,
}

__all__ = [
    "TOOLS",
    "ToolCall",
    "ToolInputError",
    "compare_arms",
    "convert",
    "difference_of_percentages",
    "non_inferiority",
    "rate",
    "remission_check",
    "reported_difference",
    "steroid_schedule",
    "trial_eligibility",
]
