"""Deterministic clinical calculators: pure functions, each returning a logged `ToolCall`.

Every number a tool shows in `ToolCall.text` is also a value in its `inputs` or `output`
(rounded as shown), so the answer verifier can ground it. The statistics tools are general;
the patient-level tools (remission, eligibility, dosing) are engines over one evidence base's
profile and are bound to it by `tools_for`. The mapping it returns lets a follow-up re-run a
call with one input changed:

    tools = tools_for(profile)
    previous = tools["rate"](117, 141)
    tools[previous.name](**{**previous.inputs, "total": 150})
"""

from __future__ import annotations

from collections.abc import Callable

from ..profile import Profile
from ..types import ToolCall
from ._validate import ToolInputError
from .dosing import DoseSchedule, course_total, weight_dose
from .eligibility import TrialEligibility
from .remission import RemissionCheck
from .reported import RATIO_MEASURES, reported_difference, reported_effect
from .stats import compare_arms, difference_of_percentages, non_inferiority, rate
from .units import convert

GENERAL_TOOLS: dict[str, Callable[..., ToolCall]] = {
    "rate": rate,
    "compare_arms": compare_arms,
    "difference_of_percentages": difference_of_percentages,
    "non_inferiority": non_inferiority,
    "convert": convert,
    "reported_difference": reported_difference,
    "reported_effect": reported_effect,
    "weight_dose": weight_dose,
    "course_total": course_total,
}


def tools_for(profile: Profile) -> dict[str, Callable[..., ToolCall]]:
    """The general tools plus the profile's patient-level tools (first set of each kind)."""
    tools = dict(GENERAL_TOOLS)
    if profile.criteria_sets:
        tools["remission_check"] = RemissionCheck(profile.criteria_sets)
    if profile.eligibility:
        tools["trial_eligibility"] = TrialEligibility(profile.eligibility[0])
    if profile.protocols:
        tools["dose_schedule"] = DoseSchedule(profile.protocols[0])
    return tools


__all__ = [
    "GENERAL_TOOLS",
    "RATIO_MEASURES",
    "DoseSchedule",
    "RemissionCheck",
    "ToolCall",
    "ToolInputError",
    "TrialEligibility",
    "compare_arms",
    "convert",
    "course_total",
    "difference_of_percentages",
    "non_inferiority",
    "rate",
    "reported_difference",
    "reported_effect",
    "tools_for",
    "weight_dose",
]
