"""Input validation shared by every tool: one place, one wording, one exception type.

Every check raises `ToolInputError` with a sentence a clinician can act on; the tools never
guess a value or silently coerce one that does not make sense.
"""

from __future__ import annotations

import math
import numbers
from typing import Any


class ToolInputError(ValueError):
    """A tool was called with an input it cannot use (the message says which and why)."""


def number(name: str, value: Any) -> float:
    """A finite real number (int or float, not bool); returned as a plain Python float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ToolInputError(f"{name} must be a number, got {value!r}.")
    result = float(value)
    if not math.isfinite(result):
        raise ToolInputError(f"{name} must be a finite number, got {value!r}.")
    return result


def non_negative(name: str, value: Any) -> float:
    result = number(name, value)
    if result < 0:
        raise ToolInputError(f"{name} cannot be negative (got {_show(result)}).")
    return result


def positive(name: str, value: Any) -> float:
    result = number(name, value)
    if result <= 0:
        raise ToolInputError(f"{name} must be greater than 0 (got {_show(result)}).")
    return result


def in_range(name: str, value: Any, low: float, high: float, unit: str = "") -> float:
    """A number in [low, high] inclusive."""
    result = number(name, value)
    if not low <= result <= high:
        suffix = f" {unit}" if unit else ""
        raise ToolInputError(
            f"{name} must be between {_show(low)} and {_show(high)}{suffix} (got {_show(result)})."
        )
    return result


def optional(name: str, value: Any, check: Any = non_negative) -> float | None:
    """None stays None (a missing measurement); anything else goes through `check`."""
    return None if value is None else check(name, value)


def count(name: str, value: Any) -> int:
    """A whole, non-negative number of patients or events (117 or 117.0, never 117.5)."""
    result = non_negative(name, value)
    if not result.is_integer():
        raise ToolInputError(f"{name} must be a whole number of patients (got {_show(result)}).")
    return int(result)


def counts(events_name: str, events: Any, total_name: str, total: Any) -> tuple[int, int]:
    """Events and denominator of one group: total > 0 and 0 <= events <= total."""
    n_events, n_total = count(events_name, events), count(total_name, total)
    if n_total == 0:
        raise ToolInputError(f"{total_name} is 0: a rate needs at least one patient.")
    if n_events > n_total:
        raise ToolInputError(f"{events_name} ({n_events}) cannot exceed {total_name} ({n_total}).")
    return n_events, n_total


def label(name: str, value: Any, max_chars: int = 60) -> str:
    """A short, non-empty, single-line name for a trial arm."""
    if not isinstance(value, str) or not value.strip():
        raise ToolInputError(f"{name} must be a non-empty text label, got {value!r}.")
    text = " ".join(value.split())
    if len(text) > max_chars:
        raise ToolInputError(f"{name} must be at most {max_chars} characters.")
    return text


def text(name: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ToolInputError(f"{name} must be a non-empty text value, got {value!r}.")
    return value.strip()


def _show(value: float) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)
