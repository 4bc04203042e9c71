"""The trial's glucocorticoid protocol for one body weight (a reproduction, not a prescription).

As reported in the interview: methylprednisolone 0.5 g/day IV for 3 days, then prednisone
0.8 mg/kg/day (maximum 45 mg/day) for 4 weeks, then down by 5 mg/day every 2 weeks to
20 mg/day, then by 2.5 mg/day every 2 weeks to a 10 mg/day maintenance dose.

Assumptions the trial text does not settle (each is stated in the output):
- the weight-based dose is rounded to the nearest whole mg;
- a dose that is not on the step grid (a multiple of 5 above 20 mg, of 2.5 at or below 20 mg)
  first steps down to the next grid value below, then follows the grid;
- weeks are counted from the first day of oral prednisone (after the 3 pulse days).
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction
from typing import Any

from ..types import ToolCall
from . import _validate as v
from ._format import exact, round_half_up, tool_call, trimmed

MP_G_PER_DAY = 0.5
MP_DAYS = 3
MG_PER_KG = Fraction("0.8")
MAX_MG = Fraction(45)
INITIAL_WEEKS = 4
INTERVAL_WEEKS = 2
FIRST_STEP = Fraction(5)
SWITCH_MG = Fraction(20)
SECOND_STEP = Fraction("2.5")
MAINTENANCE_MG = Fraction(10)
MAX_WEIGHT_KG = 400
ASSUMPTIONS = [
    "Weight-based prednisone dose rounded to the nearest whole mg.",
    "A dose not on the step grid (multiples of 5 mg above 20 mg/day, of 2.5 mg at or below) "
    "first steps down to the next grid value below; the trial text does not say.",
    "Weeks are counted from the first day of oral prednisone, after the 3 pulse days.",
]
DISCLAIMER = "Reproduces the trial protocol as reported in the interview; not a prescription."


def steroid_schedule(weight_kg: float) -> ToolCall:
    """Starting prednisone dose (with the 45 mg/day cap) and the week-by-week taper."""
    weight = v.number("weight_kg", weight_kg)
    if not 0 < weight <= MAX_WEIGHT_KG:
        raise v.ToolInputError(
            f"weight_kg must be above 0 and at most {MAX_WEIGHT_KG} kg (got {weight_kg!r})."
        )
    computed = MG_PER_KG * exact(weight)
    capped = computed > MAX_MG
    start = MAX_MG if capped else Fraction(round_half_up(computed, 0))
    start = max(start, Fraction(1))  # below 1.25 kg the rounding would give 0 mg
    schedule = _schedule(start)
    output: dict[str, Any] = {
        "weight_kg": weight,
        "methylprednisolone_g_per_day": MP_G_PER_DAY,
        "methylprednisolone_days": MP_DAYS,
        "mg_per_kg_per_day": float(MG_PER_KG),
        "computed_dose_mg_per_day": round_half_up(computed, 1),
        "max_mg_per_day": _mg(MAX_MG),
        "cap_applied": capped,
        "starting_prednisone_mg_per_day": _mg(start),
        "initial_weeks": INITIAL_WEEKS,
        "taper_interval_weeks": INTERVAL_WEEKS,
        "first_taper_step_mg": _mg(FIRST_STEP),
        "switch_mg_per_day": _mg(SWITCH_MG),
        "second_taper_step_mg": _mg(SECOND_STEP),
        "protocol_maintenance_mg_per_day": _mg(MAINTENANCE_MG),
        "maintenance_mg_per_day": _mg(min(MAINTENANCE_MG, start)),
        "schedule": schedule,
        "off_grid_start": _off_grid(start),
        "assumptions": ASSUMPTIONS,
        "disclaimer": DISCLAIMER,
    }
    return tool_call("steroid_schedule", {"weight_kg": weight_kg}, output, _text(output))


def _schedule(start: Fraction) -> list[dict[str, Any]]:
    """Weeks 1-4 at the starting dose, then one 2-week block per step, then maintenance."""
    doses = [start]
    while doses[-1] > MAINTENANCE_MG:
        dose = doses[-1]
        step = FIRST_STEP if dose > SWITCH_MG else SECOND_STEP
        floor = SWITCH_MG if dose > SWITCH_MG else MAINTENANCE_MG
        doses.append(max(floor, step * math.ceil(dose / step) - step))
    blocks = [_block(1, INITIAL_WEEKS, start, "initial")]
    week = INITIAL_WEEKS + 1
    for previous, dose in itertools.pairwise(doses):
        phase = "taper by 5 mg" if previous > SWITCH_MG else "taper by 2.5 mg"
        blocks.append(_block(week, week + INTERVAL_WEEKS - 1, dose, phase))
        week += INTERVAL_WEEKS
    last = blocks[-1]
    blocks[-1] = _block(
        last["week_start"], None, Fraction(last["prednisone_mg_per_day"]), "maintenance"
    )
    return blocks


def _block(first: int, last: int | None, dose: Fraction, phase: str) -> dict[str, Any]:
    weeks = f"{first}+" if last is None else f"{first}-{last}"
    return {
        "weeks": weeks,
        "week_start": first,
        "week_end": last,
        "prednisone_mg_per_day": _mg(dose),
        "phase": phase,
    }


def _off_grid(start: Fraction) -> bool:
    step = FIRST_STEP if start > SWITCH_MG else SECOND_STEP
    return start > MAINTENANCE_MG and start % step != 0


def _mg(dose: Fraction) -> int | float:
    return int(dose) if dose.denominator == 1 else float(dose)


def _text(out: dict[str, Any]) -> str:
    start = out["starting_prednisone_mg_per_day"]
    final = out["schedule"][-1]
    if out["cap_applied"]:
        basis = "0.8 mg/kg/day exceeds the 45 mg/d maximum, so the cap applied"
    else:
        basis = "0.8 mg/kg/day, under the 45 mg/d maximum"
    text = (
        f"Weight {trimmed(out['weight_kg'])} kg: methylprednisolone 0.5 g/day IV for 3 days, "
        f"then prednisone {trimmed(start)} mg/d"
    )
    if start <= MAINTENANCE_MG:
        text += (
            f" from week 1 ({basis}); already at or below the 10 mg/d maintenance dose, so no taper"
        )
        return f"{text}. {DISCLAIMER}"
    text += f" for weeks 1-4 ({basis})"
    if start > SWITCH_MG:
        text += ", then down by 5 mg/d every 2 weeks to 20 mg/d"
    text += (
        f", then by 2.5 mg/d every 2 weeks to {trimmed(final['prednisone_mg_per_day'])} mg/d "
        f"maintenance from week {final['week_start']}"
    )
    if out["off_grid_start"]:
        text += (
            f"; assumption: the first step goes down to "
            f"{trimmed(out['schedule'][1]['prednisone_mg_per_day'])} mg/d, the next step value "
            f"below {trimmed(start)} (the trial text does not say)"
        )
    return f"{text}. {DISCLAIMER}"
