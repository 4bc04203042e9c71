"""Helpers for the tool tests: the grounding contract, checked independently of the verifier.

The contract: every number shown in `ToolCall.text` is a *numeric* value somewhere in the
call's inputs or output (at the precision shown). This is stricter than the answer verifier,
which also accepts numbers written inside strings.
"""

from __future__ import annotations

import json
import re
from typing import Any

from assistant.config import PROJECT_ROOT
from assistant.profile import load_profile
from assistant.tools import tools_for
from assistant.types import ToolCall

# The patient-level tools bound to the bundled evidence base's profile (corpus/profile.yaml).
BUNDLED_PROFILE = load_profile(PROJECT_ROOT / "corpus")
TOOLS = tools_for(BUNDLED_PROFILE)
remission_check = TOOLS["remission_check"]
trial_eligibility = TOOLS["trial_eligibility"]
steroid_schedule = TOOLS["dose_schedule"]

# A number not glued to a word (C3, NCT02…), optionally signed, with optional decimals.
NUMBER = re.compile(r"(?<![\w.])(?<![A-Za-z][-‐])[-−–]?(\d+(?:\.\d+)?)")


def numbers_in(text: str) -> list[float]:
    """Absolute values of the numbers in `text` ("-1.8" -> 1.8, "1-4" -> 1 and 4)."""
    return [float(m.group(1)) for m in NUMBER.finditer(text)]


def numeric_values(value: Any) -> set[float]:
    """Every int/float (not bool) inside nested dicts and lists, as absolute values."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return set()
    if isinstance(value, int | float):
        return {round(abs(float(value)), 6)}
    if isinstance(value, dict):
        return set().union(*(numeric_values(v) for v in value.values()))
    if isinstance(value, list | tuple):
        return set().union(*(numeric_values(v) for v in value))
    raise TypeError(type(value))


def ungrounded(call: ToolCall) -> list[float]:
    pool = numeric_values(call.inputs) | numeric_values(call.output)
    return [n for n in numbers_in(call.text) if round(n, 6) not in pool]


def assert_contract(call: ToolCall) -> None:
    """Grounded, one line, JSON-serialisable without NaN, and reproducible from its inputs."""
    assert ungrounded(call) == [], f"ungrounded numbers in: {call.text}"
    assert "\n" not in call.text and call.text.strip() == call.text
    json.dumps(call.to_dict(), allow_nan=False)
    assert TOOLS[call.name](**call.inputs) == call
