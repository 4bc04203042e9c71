"""Rounding and display, so the number in `text` is exactly the number stored in `output`.

Why not `round()`: Python rounds half to even on the binary value (round(2.675, 2) == 2.67),
while papers round half up on the decimal value. Here every value is rounded half up on its
decimal representation, then formatted from that rounded value, so text and output agree.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from typing import Any

from ..types import ToolCall

Real = float | int | Fraction


def exact(value: float | int) -> Fraction:
    """The decimal the user typed (0.1 -> 1/10), so thresholds compare without float noise."""
    return Fraction(Decimal(repr(float(value)))) if isinstance(value, float) else Fraction(value)


def round_half_up(value: Real, decimals: int) -> float:
    """`value` rounded half up to `decimals` places, as a plain float."""
    with localcontext() as ctx:
        ctx.prec = 60
        if isinstance(value, Fraction):
            dec = Decimal(value.numerator) / Decimal(value.denominator)
        else:
            dec = Decimal(repr(float(value)))
        quantum = Decimal(1).scaleb(-decimals)
        result = float(dec.quantize(quantum, rounding=ROUND_HALF_UP))
    return result + 0.0  # turns -0.0 into 0.0


def fixed(value: float, decimals: int) -> str:
    """An already-rounded value with a fixed number of decimals: 83.0, 1.50."""
    return f"{value:.{decimals}f}"


def trimmed(value: float) -> str:
    """A value as typed or as rounded, without trailing zeros or exponent: 88.4, 45, 0.0001."""
    value = float(value)
    if value.is_integer():
        return str(int(value))
    shown = repr(value)
    return f"{value:.20f}".rstrip("0") if "e" in shown else shown


def decimal_places(value: float) -> int:
    """The decimals `value` shows as `trimmed` writes it: 2 for 1.74, 0 for 45."""
    shown = trimmed(value)
    return len(shown.split(".")[1]) if "." in shown else 0


def signed(value: float, decimals: int) -> str:
    """Fixed decimals with an explicit sign for differences: +8.0, -1.9, 0.0."""
    return f"{value:+.{decimals}f}" if value != 0 else fixed(0.0, decimals)


def separating(value: Real, threshold: Real, decimals: int, max_decimals: int = 4) -> float:
    """Round `value` for display, adding decimals if rounding would make it look equal to a
    threshold it is not equal to (so the text never says "0.50 < 0.5" or "-10.0 > -10.0")."""
    shown = round_half_up(value, decimals)
    while decimals < max_decimals and shown == float(threshold) and value != threshold:
        decimals += 1
        shown = round_half_up(value, decimals)
    return shown


def ceil_whole(value: float) -> int:
    """Round up to a whole patient, ignoring float noise (1/0.1 = 10.000000000000002 -> 10)."""
    return math.ceil(round(value, 9))


def plain(value: Any) -> Any:
    """JSON-ready copy: numpy scalars to int/float, tuples to lists, non-finite floats to None."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, Fraction):
        return float(value)
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, int):
        return value
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


def tool_call(name: str, inputs: dict[str, Any], output: dict[str, Any], text: str) -> ToolCall:
    """The one way tools build their result: JSON-ready dicts and a single line of text."""
    return ToolCall(
        name=name, inputs=plain(inputs), output=plain(output), text=" ".join(text.split())
    )
