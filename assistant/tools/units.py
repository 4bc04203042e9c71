"""Laboratory unit conversions used by the clinical tools.

Conversion factors (exact decimals, so 1 mg/dL gives exactly 88.4 µmol/L):
- creatinine: 1 mg/dL = 88.4 µmol/L
- albumin: 1 g/dL = 10 g/L
- 24-h urine protein: 1 g/day = 1000 mg/day (g/24h, mg/24h are the same units)
- urine protein:creatinine ratio (UPCR): 1 g/g = 1 mg/mg = 1000 mg/g = 113.1 mg/mmol

A 24-h protein excretion (g/day) and a UPCR (g/g) are different quantities; `convert` refuses
to turn one into the other. The remission tool may use one in place of the other, but only
with an explicit approximation note.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from ..types import ToolCall
from . import _validate as v
from ._format import exact, round_half_up, tool_call, trimmed

CREATININE_MG_DL_TO_UMOL_L = Fraction("88.4")
UPCR_G_G_TO_MG_MMOL = Fraction("113.1")


@dataclass(frozen=True)
class Unit:
    key: str  # canonical spelling, accepted as input
    display: str  # how the text shows it
    quantity: str  # creatinine, albumin, proteinuria_24h, upcr
    to_base: Fraction  # multiply by this to get the quantity's base unit
    decimals: int  # display precision for a converted value


_UNITS = (
    Unit("umol/L", "µmol/L", "creatinine", Fraction(1), 1),
    Unit("mg/dL", "mg/dL", "creatinine", CREATININE_MG_DL_TO_UMOL_L, 2),
    Unit("g/L", "g/L", "albumin", Fraction(1), 1),
    Unit("g/dL", "g/dL", "albumin", Fraction(10), 2),
    Unit("g/day", "g/day", "proteinuria_24h", Fraction(1), 3),
    Unit("g/24h", "g/24h", "proteinuria_24h", Fraction(1), 3),
    Unit("mg/day", "mg/day", "proteinuria_24h", Fraction(1, 1000), 1),
    Unit("mg/24h", "mg/24h", "proteinuria_24h", Fraction(1, 1000), 1),
    Unit("g/g", "g/g", "upcr", Fraction(1), 3),
    Unit("mg/mg", "mg/mg", "upcr", Fraction(1), 3),
    Unit("mg/g", "mg/g", "upcr", Fraction(1, 1000), 1),
    Unit("mg/mmol", "mg/mmol", "upcr", 1 / UPCR_G_G_TO_MG_MMOL, 1),
    Unit("mL/min/1.73m2", "mL/min/1.73 m²", "egfr", Fraction(1), 1),
)
_ALIASES = {
    "µmol/l": "umol/L",
    "μmol/l": "umol/L",  # Greek mu as well as the micro sign
    "micromol/l": "umol/L",
    "g/d": "g/day",
    "g/24hr": "g/24h",
    "g/24hours": "g/24h",
    "mg/d": "mg/day",
    "mg/24hr": "mg/24h",
    "mg/24hours": "mg/24h",
    "ml/min/1.73m²": "mL/min/1.73m2",
    "ml/min": "mL/min/1.73m2",  # eGFR is reported per 1.73 m² of body surface
}
_BY_KEY = {u.key.lower(): u for u in _UNITS}
QUANTITY_NAMES = {
    "creatinine": "serum creatinine",
    "albumin": "serum albumin",
    "proteinuria_24h": "24-h urine protein",
    "upcr": "urine protein:creatinine ratio",
    "egfr": "estimated glomerular filtration rate",
}


def accepted(*quantities: str) -> list[str]:
    """Canonical unit spellings for the given quantities (all if none given)."""
    return [u.key for u in _UNITS if not quantities or u.quantity in quantities]


def parse_unit(name: str, unit: object, *quantities: str) -> Unit:
    """Look a unit up (case, spaces and µ/u spelling do not matter); restrict to quantities."""
    options = ", ".join(accepted(*quantities))
    if not isinstance(unit, str):
        raise v.ToolInputError(f"{name} must be a unit such as {options}; got {unit!r}.")
    key = unit.strip().lower().replace(" ", "")
    found = _BY_KEY.get(_ALIASES.get(key, key).lower())
    if found is None or (quantities and found.quantity not in quantities):
        raise v.ToolInputError(f"Unknown unit {unit!r} for {name}; accepted units: {options}.")
    return found


def to_base(value: float, unit: Unit) -> Fraction:
    """Exact value in the quantity's base unit (µmol/L, g/L, g/day or g/g)."""
    return exact(value) * unit.to_base


def convert(value: float, from_unit: str, to_unit: str) -> ToolCall:
    """Convert a creatinine, albumin or proteinuria value between units of the same quantity."""
    amount = v.non_negative("value", value)
    source = parse_unit("from_unit", from_unit)
    target = parse_unit("to_unit", to_unit)
    if source.quantity != target.quantity:
        raise v.ToolInputError(
            f"Cannot convert {source.display} ({QUANTITY_NAMES[source.quantity]}) to "
            f"{target.display} ({QUANTITY_NAMES[target.quantity]}); accepted units for "
            f"{QUANTITY_NAMES[source.quantity]}: {', '.join(accepted(source.quantity))}."
        )
    factor = source.to_base / target.to_base
    result = exact(amount) * factor
    shown = round_half_up(result, target.decimals)
    factor_shown = round_half_up(factor, 6)
    output = {
        "value": shown,
        "value_unrounded": float(result),
        "from_unit": source.key,
        "to_unit": target.key,
        "quantity": source.quantity,
        "factor": factor_shown,
    }
    if source.quantity == "proteinuria_24h":
        output["collection_period_hours"] = 24  # grounds the "24" of g/24h in the text
    text = (
        f"{QUANTITY_NAMES[source.quantity].capitalize()} {trimmed(amount)} {source.display} = "
        f"{trimmed(shown)} {target.display} (× {trimmed(factor_shown)})."
    )
    inputs = {"value": value, "from_unit": from_unit, "to_unit": to_unit}
    return tool_call("convert", inputs, output, text)
