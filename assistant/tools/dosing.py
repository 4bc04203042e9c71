"""A weight-based dosing protocol of the domain profile for one body weight (a reproduction of
the protocol as its source states it, not a prescription).

A protocol (`corpus/profile.yaml`, `protocols`) has an optional IV pulse, an oral start in
mg/kg/day with a daily cap held for some weeks, then taper steps ("down by 5 mg/d every 2
weeks to 20 mg/d"); the last step's floor is the maintenance dose. Every figure cites the
passage stating it (output `sources`).

Assumptions the protocol text does not settle (each is stated in the output):
- the weight-based dose is rounded to the nearest whole mg;
- a dose that is not on a step's grid (a multiple of its step) first steps down to the next
  grid value below, then follows the grid;
- weeks are counted from the first day of the oral dose (after any pulse days).
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction
from typing import Any

from ..profile import Protocol, TaperStep, sources_of
from ..types import ToolCall
from . import _validate as v
from ._format import exact, round_half_up, tool_call, trimmed

MAX_WEIGHT_KG = 400
ASSUMPTIONS = [
    "Weight-based dose rounded to the nearest whole mg.",
    "A dose not on a taper step's grid (multiples of that step) first steps down to the next "
    "grid value below; the protocol text does not say.",
    "Weeks are counted from the first day of the oral dose, after any pulse days.",
]


class DoseSchedule:
    """`dose_schedule` bound to one protocol (callable like a function of the weight)."""

    name = "dose_schedule"

    def __init__(self, protocol: Protocol) -> None:
        self.protocol = protocol
        self.steps = sorted(protocol.taper, key=lambda s: -s.down_to_mg)

    def __call__(self, weight_kg: float) -> ToolCall:
        """Starting dose (with its cap) and the week-by-week taper."""
        weight = _weight(weight_kg)
        oral = self.protocol.oral
        computed = _exact(oral.mg_per_kg_per_day) * exact(weight)
        cap = _exact(oral.max_mg_per_day)
        capped = computed > cap
        start = cap if capped else Fraction(round_half_up(computed, 0))
        start = max(start, Fraction(1))  # below ~1 kg the rounding would give 0 mg
        maintenance = _exact(self.steps[-1].down_to_mg)
        pulse = self.protocol.pulse
        output: dict[str, Any] = {
            "protocol": self.protocol.label,
            "weight_kg": weight,
            "pulse_drug": pulse.drug if pulse else None,
            "pulse_g_per_day": pulse.g_per_day if pulse else None,
            "pulse_days": pulse.days if pulse else None,
            "pulse_total_g": float(_exact(pulse.g_per_day) * pulse.days) if pulse else None,
            "drug": oral.drug,
            "mg_per_kg_per_day": oral.mg_per_kg_per_day,
            "computed_dose_mg_per_day": round_half_up(computed, 1),
            "max_mg_per_day": _mg(cap),
            "cap_applied": capped,
            "starting_mg_per_day": _mg(start),
            "initial_weeks": oral.initial_weeks,
            "taper": [
                {
                    "step_mg": _mg(_exact(s.step_mg)),
                    "every_weeks": s.every_weeks,
                    "down_to_mg": _mg(_exact(s.down_to_mg)),
                }
                for s in self.steps
            ],
            "protocol_maintenance_mg_per_day": _mg(maintenance),
            "maintenance_mg_per_day": _mg(min(maintenance, start)),
            "schedule": self._schedule(start),
            "off_grid_start": self._off_grid(start),
            "assumptions": ASSUMPTIONS,
            "disclaimer": self.protocol.disclaimer,
            "sources": sources_of(self.protocol.sourced()),
        }
        return tool_call(self.name, {"weight_kg": weight_kg}, output, self._text(output))

    def _step_for(self, dose: Fraction) -> TaperStep:
        """The step that applies above its floor (the first whose floor is below the dose)."""
        return next((s for s in self.steps if dose > _exact(s.down_to_mg)), self.steps[-1])

    def _schedule(self, start: Fraction) -> list[dict[str, Any]]:
        """The initial weeks at the starting dose, one block per step, then maintenance."""
        maintenance = _exact(self.steps[-1].down_to_mg)
        doses = [start]
        while doses[-1] > maintenance:
            step = self._step_for(doses[-1])
            size, floor = _exact(step.step_mg), _exact(step.down_to_mg)
            doses.append(max(floor, size * math.ceil(doses[-1] / size) - size))
        initial = self.protocol.oral.initial_weeks
        blocks = [_block(1, initial, start, "initial")]
        week = initial + 1
        for previous, dose in itertools.pairwise(doses):
            step = self._step_for(previous)
            phase = f"taper by {trimmed(step.step_mg)} mg"
            blocks.append(_block(week, week + step.every_weeks - 1, dose, phase))
            week += step.every_weeks
        last = blocks[-1]
        blocks[-1] = _block(
            last["week_start"], None, Fraction(str(last["mg_per_day"])), "maintenance"
        )
        return blocks

    def _off_grid(self, start: Fraction) -> bool:
        step = self._step_for(start)
        return start > _exact(self.steps[-1].down_to_mg) and start % _exact(step.step_mg) != 0

    def _text(self, out: dict[str, Any]) -> str:
        start = out["starting_mg_per_day"]
        final = out["schedule"][-1]
        drug, rate = out["drug"], f"{trimmed(out['mg_per_kg_per_day'])} mg/kg/day"
        cap = f"{trimmed(out['max_mg_per_day'])} mg/d maximum"
        basis = (
            f"{rate} exceeds the {cap}, so the cap applied"
            if out["cap_applied"]
            else (f"{rate}, under the {cap}")
        )
        text = f"Weight {trimmed(out['weight_kg'])} kg: "
        if out["pulse_drug"]:
            text += (
                f"{out['pulse_drug']} {trimmed(out['pulse_g_per_day'])} g/day IV for "
                f"{out['pulse_days']} days ({trimmed(out['pulse_total_g'])} g in total), then "
            )
        text += f"{drug} {trimmed(start)} mg/d"
        maintenance = out["protocol_maintenance_mg_per_day"]
        if start <= maintenance:
            text += (
                f" from week 1 ({basis}); already at or below the {trimmed(maintenance)} mg/d "
                "maintenance dose, so no taper"
            )
            return f"{text}. {out['disclaimer']}"
        text += f" for weeks 1-{out['initial_weeks']} ({basis})"
        steps = [s for s in out["taper"] if start > s["down_to_mg"]]
        for n, s in enumerate(steps):
            lead = ", then down by" if s is out["taper"][0] else ", then by"
            text += f"{lead} {trimmed(s['step_mg'])} mg/d every {s['every_weeks']} weeks to "
            text += (
                f"{trimmed(s['down_to_mg'])} mg/d"
                if n < len(steps) - 1
                else f"{trimmed(final['mg_per_day'])} mg/d maintenance from week "
                f"{final['week_start']}"
            )
        if out["off_grid_start"]:
            text += (
                f"; assumption: the first step goes down to "
                f"{trimmed(out['schedule'][1]['mg_per_day'])} mg/d, the next step value "
                f"below {trimmed(start)} (the protocol text does not say)"
            )
        return f"{text}. {out['disclaimer']}"


def _block(first: int, last: int | None, dose: Fraction, phase: str) -> dict[str, Any]:
    weeks = f"{first}+" if last is None else f"{first}-{last}"
    return {
        "weeks": weeks,
        "week_start": first,
        "week_end": last,
        "mg_per_day": _mg(dose),
        "phase": phase,
    }


def _weight(weight_kg: Any) -> float:
    weight = v.number("weight_kg", weight_kg)
    if not 0 < weight <= MAX_WEIGHT_KG:
        raise v.ToolInputError(
            f"weight_kg must be above 0 and at most {MAX_WEIGHT_KG} kg (got {weight_kg!r})."
        )
    return weight


def _exact(value: float) -> Fraction:
    return Fraction(str(value))


def _mg(dose: Fraction) -> int | float:
    return int(dose) if dose.denominator == 1 else float(dose)


# --------------------------------------------------------------------------- per kilogram

DOSE_UNITS = ("mg", "g", "µg")
DOSE_PERIODS = ("day", "dose", "week")


def weight_dose(
    weight_kg: float,
    low_per_kg: float,
    high_per_kg: float | None = None,
    unit: str = "mg",
    per: str = "day",
    drug: str = "the drug",
    source: str | None = None,
) -> ToolCall:
    """The amount a regimen stated per kilogram of body weight ("0.06 to 0.1 mg/kg/day")
    gives for one weight: what the source's regimen amounts to, not a prescription. `source`
    is the passage stating the regimen (cited)."""
    weight = _weight(weight_kg)
    low = v.positive("low_per_kg", low_per_kg)
    high = low if high_per_kg is None else v.positive("high_per_kg", high_per_kg)
    if high < low:
        raise v.ToolInputError(f"high_per_kg ({high}) is below low_per_kg ({low}).")
    if unit not in DOSE_UNITS or per not in DOSE_PERIODS:
        raise v.ToolInputError(
            f"unit must be one of {', '.join(DOSE_UNITS)} and per one of "
            f"{', '.join(DOSE_PERIODS)} (got {unit!r}, {per!r})."
        )
    dose_low = round_half_up(exact(low) * exact(weight), 2)
    dose_high = round_half_up(exact(high) * exact(weight), 2)
    output: dict[str, Any] = {
        "drug": drug, "weight_kg": weight, "per_kg_low": low, "per_kg_high": high,
        "unit": unit, "per": per, "dose_low": dose_low, "dose_high": dose_high,
        "sources": [source] if source else [],
    }  # fmt: skip
    rate = f"{trimmed(low)}" + (f" to {trimmed(high)}" if high != low else "")
    amount = f"{trimmed(dose_low)}" + (f" to {trimmed(dose_high)}" if high != low else "")
    text = (
        f"{drug.capitalize()} {rate} {unit}/kg/{per} × {trimmed(weight)} kg = {amount} "
        f"{unit}/{per} (the regimen as its source states it; not a prescription)."
    )
    inputs = {"weight_kg": weight_kg, "low_per_kg": low_per_kg, "high_per_kg": high_per_kg,
              "unit": unit, "per": per, "drug": drug, "source": source}  # fmt: skip
    return tool_call("weight_dose", inputs, output, text)
