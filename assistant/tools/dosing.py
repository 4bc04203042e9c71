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
            "initial_days": oral.initial_weeks * 7,
            "initial_total_mg": _mg(start * oral.initial_weeks * 7),
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
        text += (
            f" for weeks 1-{out['initial_weeks']} ({basis}; {trimmed(out['initial_total_mg'])} mg "
            f"over those {out['initial_days']} days)"
        )
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


MAX_DOSES = 1000  # doses in one course
BSA_RANGE_M2 = (0.1, 4.0)  # body-surface areas a person can have
GRAMS = {"mg": Fraction(1, 1000), "g": Fraction(1), "µg": Fraction(1, 1_000_000)}


def course_total(
    dose: float,
    unit: str,
    doses: int,
    drug: str = "the drug",
    dose_high: float | None = None,
    per_m2: bool = False,
    bsa_m2: float | None = None,
    cap: float | None = None,
    cap_unit: str | None = None,
    sources: list[str] | None = None,
    optional_doses: int | None = None,
) -> ToolCall:
    """The total a course of equal doses gives: the dose (times the body-surface area, for a
    dose per m²) times the number of doses; with a stated cap on the cumulative dose, the share
    of the cap the course uses and what is left under it. `sources`: the passages stating the
    regimen and the cap (cited). What the source's regimen amounts to, not a prescription."""
    low = v.positive("dose", dose)
    high = low if dose_high is None else v.positive("dose_high", dose_high)
    if high < low:
        raise v.ToolInputError(f"dose_high ({high}) is below dose ({low}).")
    if unit not in GRAMS or (cap_unit is not None and cap_unit not in GRAMS):
        raise v.ToolInputError(f"units must be one of {', '.join(GRAMS)} (got {unit!r}).")
    count = int(v.in_range("doses", v.count("doses", doses), 1, MAX_DOSES))
    area = None
    if per_m2:
        if bsa_m2 is None:
            raise v.ToolInputError("a dose per m² needs the body-surface area (bsa_m2).")
        area = v.in_range("bsa_m2", bsa_m2, *BSA_RANGE_M2, "m²")
    each = [round_half_up(exact(x) * exact(area or 1), 3) for x in (low, high)]
    totals = [round_half_up(exact(x) * count, 3) for x in each]
    output: dict[str, Any] = {
        "drug": drug, "dose_low": low, "dose_high": high, "unit": unit, "doses": count,
        "bsa_m2": area, "per_dose_low": each[0], "per_dose_high": each[1],
        "total_low": totals[0], "total_high": totals[1], "sources": list(sources or []),
    }  # fmt: skip
    per = "/m²" if per_m2 else ""
    text = f"{drug[:1].upper()}{drug[1:]} {_span(low, high)} {unit}{per}"
    if area is not None:
        text += f" × {trimmed(area)} m² = {_span(*each)} {unit} a dose"
        if unit == "g":  # (as doses are written on a chart)
            milligrams = [round_half_up(exact(x) * 1000, 3) for x in each]
            output["per_dose_mg_low"], output["per_dose_mg_high"] = milligrams
            text += f" ({_span(*milligrams)} mg)"
        text += ";" if count > 1 else ""
    if count > 1 or area is None:
        text += f" × {count} doses = {_span(*totals)} {unit} for the course"
    if unit == "mg" and totals[1] >= 1000:
        grams = [round_half_up(exact(t) / 1000, 3) for t in totals]
        output["total_g_low"], output["total_g_high"] = grams
        text += f" ({_span(*grams)} g)"
    text += "."
    extra = 0
    if optional_doses is not None:
        extra = int(v.in_range("optional_doses", v.count("optional_doses", optional_doses), 0, 9))
    if extra:  # doses the source says may be added ("with or without an extra dose")
        more = [round_half_up(exact(x) * (count + extra), 3) for x in each]
        output["optional_doses"] = extra
        output["total_with_optional_low"], output["total_with_optional_high"] = more
        text += (f" With the optional dose{'s' if extra > 1 else ''} the source states: "
                 f"{count + extra} doses = {_span(*more)} {unit}.")  # fmt: skip
    if cap is not None:
        text += " " + _against_cap(output, totals, unit, v.positive("cap", cap), cap_unit or unit)
    text += " (The regimen as its source states it; not a prescription.)"
    inputs = {"dose": dose, "unit": unit, "doses": doses, "drug": drug, "dose_high": dose_high,
              "per_m2": per_m2, "bsa_m2": bsa_m2, "cap": cap, "cap_unit": cap_unit,
              "sources": sources, "optional_doses": optional_doses}  # fmt: skip
    return tool_call("course_total", inputs, output, text)


def _against_cap(
    output: dict[str, Any], totals: list[float], unit: str, cap: float, cap_unit: str
) -> str:
    """The share of a cumulative cap a course's total uses, what is left under it (in the
    cap's unit) and how many times the course the cap is; recorded in `output`."""
    in_cap_unit = [exact(t) * GRAMS[unit] / GRAMS[cap_unit] for t in totals]
    shares = [round_half_up(t / exact(cap) * 100, 1) for t in in_cap_unit]
    left = [round_half_up(exact(cap) - t, 3) for t in reversed(in_cap_unit)]
    times = [round_half_up(exact(cap) / t, 1) for t in reversed(in_cap_unit)]
    output |= {"cap": cap, "cap_unit": cap_unit, "share_low_percent": shares[0],
               "share_high_percent": shares[1], "left_low": left[0],
               "left_high": left[1], "courses_in_cap_low": times[0],
               "courses_in_cap_high": times[1]}  # fmt: skip
    return (
        f"That is {_span(*shares)}% of the {trimmed(cap)} {cap_unit} cumulative cap the source "
        f"states, leaving {_span(*left)} {cap_unit} under it; the cap is {_span(*times)} times "
        "the course."
    )


def _span(low: float, high: float) -> str:
    return trimmed(low) if low == high else f"{trimmed(low)} to {trimmed(high)}"
