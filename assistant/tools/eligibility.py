"""Does a patient meet a trial's entry criteria (an eligibility set of the domain profile)?

Numeric rules are inclusive bounds as their cited passage states them; a categorical rule
(such as a biopsy class) lists the allowed values. Limits that another source states as
strict (`strict_limits`) flag a patient exactly on them. Exclusion criteria are assessed only
as far as the note states them (`exclusions.stated_exclusions`); the rest are listed as not
assessed, never assumed met.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ..profile import ClassRule, EligibilitySet, Exclusion, sources_of
from ..types import ToolCall
from . import _validate as v
from ._format import exact, round_half_up, tool_call, trimmed
from .units import parse_unit, to_base

_ROMAN = {"1": "I", "2": "II", "3": "III", "4": "IV", "5": "V", "6": "VI"}
_ORDER = ("I", "II", "III", "IV", "V", "VI")
_SPLIT = re.compile(r"\s*(?:\+|/|&|,|\bAND\b|\bPLUS\b|\bWITH\b)\s*")
NEEDS = {
    "age_years": "age",
    "bmi": "BMI",
    "proteinuria_g_per_24h": "24-h proteinuria",
    "creatinine": "serum creatinine",
    "upcr": "urine protein:creatinine ratio",
    "isn_class": "biopsy class",
}


@dataclass(frozen=True)
class Rule:
    criterion: str
    input: str
    unit: str
    low: Fraction | None  # inclusive
    high: Fraction | None  # inclusive
    for_classes: tuple[str, ...] = ()  # only for these biopsy classes (all when empty)

    def describe(self) -> str:
        if self.low is not None and self.high is not None:
            return f"{trimmed(float(self.low))} to {trimmed(float(self.high))} {self.unit}"
        if self.low is not None:
            return f">= {trimmed(float(self.low))} {self.unit}"
        return f"<= {trimmed(float(self.high))} {self.unit}" if self.high is not None else ""


class TrialEligibility:
    """`trial_eligibility` bound to one eligibility set (callable like a function whose
    signature is the patient's values, so a logged call can be re-run from its inputs)."""

    name = "trial_eligibility"

    def __init__(self, spec: EligibilitySet) -> None:
        self.spec = spec
        self.rules = tuple(
            Rule(r.criterion, r.input, r.unit, _exact(r.min), _exact(r.max), r.for_classes)
            for r in spec.rules
        )

    def __call__(
        self,
        age_years: float | None = None,
        bmi: float | None = None,
        proteinuria_g_per_24h: float | None = None,
        creatinine: float | None = None,
        creatinine_unit: str = "umol/L",
        isn_class: str | None = None,
        proteinuria_unit: str = "g/24h",
        upcr: float | None = None,
        upcr_unit: str | None = None,  # mg/mg when not given
        weight_kg: float | None = None,
        height_cm: float | None = None,
        exclusions_stated: dict[str, dict[str, Any]] | None = None,
    ) -> ToolCall:
        """Each inclusion criterion with value, rule and pass/fail/missing, each exclusion the
        note states (`exclusions.stated_exclusions`); overall verdict."""
        inputs = {k: v for k, v in locals().items() if k != "self"}
        values = _values(inputs, self.rules, self.spec.classes)
        applying = _applying(self.rules, values)
        checks = [_numeric(rule, values[rule.input]) for rule in applying]
        if self.spec.classes is not None:
            checks.append(_class_check(values["isn_class"], self.spec.classes))
        stated = exclusions_stated or {}
        checks += [_exclusion_check(e, stated[e.criterion])
                   for e in self.spec.exclusions if e.criterion in stated]  # fmt: skip
        unassessed = [e.criterion for e in self.spec.exclusions if e.criterion not in stated]
        failed = [c["criterion"] for c in checks if c["status"] == "fail"]
        missing = [c["input"] for c in checks if c["status"] == "missing"]
        unchecked = [u.criterion for u in self.spec.unchecked]
        status = ("not eligible" if failed else "insufficient data" if missing or unchecked
                  else "eligible")  # fmt: skip
        borderline = _borderline(values, self.spec)
        output = {
            "status": status,
            "eligible": {"eligible": True, "not eligible": False}.get(status),
            "criteria": checks,
            "failed_criteria": failed,
            "needed_inputs": missing,
            "source": self.spec.basis,
            "trial": self.spec.label,
            "registry_note": self.spec.strict_note,
            "strict_limits": {f"{s.input}_below": s.below for s in self.spec.strict_limits},
            "borderline_with_registry": borderline,
            "exclusions_not_stated": unassessed,
            "exclusion_limits": [t for e in self.spec.exclusions for t in e.thresholds()],
            "collection_period_hours": 24,
            "creatinine_umol_per_l_per_mg_per_dl": 88.4,
            # the exclusions' passages only for those the note states (the rest are not used)
            "sources": sources_of(
                e
                for e in self.spec.sourced()
                if not isinstance(e, Exclusion) or e.criterion in stated
            ),
        }
        text = _text(status, checks, missing, borderline, self.spec, inputs)
        # the class-bound limits the patient's class did not select, once the class is known
        others = [r for r in self.rules if r.for_classes and r not in applying]
        if others and values["isn_class"] is not None:
            text += (
                " For other classes: "
                + "; ".join(
                    f"{r.criterion} {r.describe()} for class {_listing(r.for_classes)}"
                    for r in others
                )
                + "."
            )
            output["other_class_limits"] = [
                {"criterion": r.criterion, "min": _shown(r.low), "max": _shown(r.high),
                 "unit": r.unit, "classes": list(r.for_classes)}
                for r in others
            ]  # fmt: skip
        if unchecked and not failed:  # stated by the source, not read from a note
            text = f"{text[:-1]}; not assessed, not read by this check: {' and '.join(unchecked)}."
        if unassessed and status == "eligible":
            text += f" Exclusions the note does not state, not assessed: {'; '.join(unassessed)}."
        return tool_call(self.name, inputs, output, text)


def _applying(rules: tuple[Rule, ...], values: dict[str, Any]) -> list[Rule]:
    """The rules for the patient's biopsy class (a class-bound rule waits for the class,
    which the class check then asks for)."""
    patient_class = values.get("isn_class")
    return [r for r in rules if not r.for_classes or patient_class in r.for_classes]


def _shown(limit: Fraction | None) -> float | None:
    return None if limit is None else float(limit)


def _derived(check: dict[str, Any], inputs: dict[str, Any]) -> str:
    """How a value not given directly was computed (a BMI from weight and height)."""
    if check["input"] != "bmi" or inputs.get("bmi") is not None:
        return ""
    return f" (from {trimmed(inputs['weight_kg'])} kg and {trimmed(inputs['height_cm'])} cm)"


def _exact(value: float | None) -> Fraction | None:
    return None if value is None else Fraction(str(value))


def _values(
    raw: dict[str, Any], rules: tuple[Rule, ...], classes: ClassRule | None
) -> dict[str, Any]:
    """Validated values in the rules' units (creatinine in µmol/L, proteinuria in g/day)."""
    out: dict[str, Any] = {"isn_class": None}
    if raw["age_years"] is not None:
        out["age_years"] = exact(v.in_range("age_years", raw["age_years"], 0, 130, "years"))
    if raw["bmi"] is not None:
        out["bmi"] = exact(v.in_range("bmi", raw["bmi"], 5, 100, "kg/m²"))
    elif raw.get("weight_kg") is not None and raw.get("height_cm") is not None:
        # BMI = weight (kg) / height (m)²: given the two, the BMI is not missing.
        weight = exact(v.in_range("weight_kg", raw["weight_kg"], 1, 500, "kg"))
        height = exact(v.in_range("height_cm", raw["height_cm"], 30, 260, "cm")) / 100
        out["bmi"] = exact(v.in_range("bmi", float(weight / height**2), 5, 100, "kg/m²"))
    if raw["proteinuria_g_per_24h"] is not None:
        amount = v.non_negative("proteinuria_g_per_24h", raw["proteinuria_g_per_24h"])
        unit = parse_unit("proteinuria_unit", raw["proteinuria_unit"], "proteinuria_24h")
        out["proteinuria_g_per_24h"] = to_base(amount, unit)
    if raw["creatinine"] is not None:
        amount = v.positive("creatinine", raw["creatinine"])
        unit = parse_unit("creatinine_unit", raw["creatinine_unit"], "creatinine")
        out["creatinine"] = to_base(amount, unit)
    if raw["upcr"] is not None:
        amount = v.non_negative("upcr", raw["upcr"])
        unit = parse_unit("upcr_unit", raw["upcr_unit"] or "mg/mg", "upcr")
        out["upcr"] = to_base(amount, unit)
    if raw["isn_class"] is not None and classes is not None:
        out["isn_class"] = parse_class(raw["isn_class"], classes)
    return {rule.input: out.get(rule.input) for rule in rules} | {"isn_class": out["isn_class"]}


def _numeric(rule: Rule, value: Fraction | None) -> dict[str, Any]:
    record: dict[str, Any] = {
        "criterion": rule.criterion,
        "input": rule.input,
        "rule": rule.describe(),
        "min": None if rule.low is None else float(rule.low),
        "max": None if rule.high is None else float(rule.high),
        "unit": rule.unit,
        "value": None if value is None else round_half_up(value, 2),
    }
    if value is None:
        return record | {"status": "missing", "reason": f"{NEEDS[rule.input]} not given"}
    passed = (rule.low is None or value >= rule.low) and (rule.high is None or value <= rule.high)
    shown = f"{trimmed(record['value'])} {rule.unit}"
    verb = "meets" if passed else "does not meet"
    return record | {
        "status": "pass" if passed else "fail",
        "reason": f"{shown} {verb} {rule.describe()}",
    }


def _exclusion_check(exclusion: Exclusion, stated: dict[str, Any]) -> dict[str, Any]:
    """An exclusion the note states: "fail" when it applies, "pass" when the note rules it
    out (absent, a figure within the limit, a time outside the window)."""
    record: dict[str, Any] = {"criterion": exclusion.criterion, "input": "exclusion",
                              "rule": "exclusion", "unit": None}  # fmt: skip
    if stated.get("absent"):
        return record | {"value": "not present", "status": "pass",
                         "reason": "the note states it absent"}  # fmt: skip
    if "value" in stated and exclusion.above is not None:
        value = v.non_negative(exclusion.criterion, stated["value"])
        applies = value > exclusion.above
        shown = f"{trimmed(value)}"
    elif "days_ago" in stated:
        days = v.non_negative(exclusion.criterion, stated["days_ago"])
        within = exclusion.within_days is not None and days <= exclusion.within_days
        beyond = exclusion.beyond_days is not None and days > exclusion.beyond_days
        applies = within or beyond
        shown = f"{trimmed(days)} days ago"
    else:  # named as present, or as a treatment the patient is on
        applies, shown = True, "current" if stated.get("current") else "present"
    verb = "applies" if applies else "does not apply"
    return record | {"value": shown, "status": "fail" if applies else "pass",
                     "reason": f"{shown}: the exclusion {verb}"}  # fmt: skip


def _class_check(value: str | None, classes: ClassRule) -> dict[str, Any]:
    allowed = _listing(classes.allowed)
    record: dict[str, Any] = {
        "criterion": classes.label,
        "input": "isn_class",
        "rule": allowed,
        "unit": None,
        "value": value,
    }
    if value is None:
        return record | {"status": "missing", "reason": "biopsy class not given"}
    passed = value in classes.allowed
    verb = "is" if passed else "is not"
    reason = f"class {value} {verb} one of {allowed}"
    return record | {"status": "pass" if passed else "fail", "reason": reason}


def _listing(values: tuple[str, ...]) -> str:
    return ", ".join(values[:-1]) + f" or {values[-1]}" if len(values) > 1 else values[0]


def parse_class(raw: Any, classes: ClassRule) -> str:
    """Normalise a class written in Roman or Arabic numerals: "IV", "4", "class IV-G (A)",
    "IV+V", "III/V", "3 + 5" (the profile's `words`, such as the classification's name, are
    ignored)."""
    if not isinstance(raw, str) or not raw.strip():
        raise v.ToolInputError(f"isn_class must be text such as 'IV' or 'III+V', got {raw!r}.")
    noise = re.compile(r"\b(?:" + "|".join(classes.words or ("CLASS",)) + r")\b", re.I)
    text = noise.sub(" ", re.sub(r"\([^)]*\)", " ", raw.upper()))
    parts = set()
    for token in _SPLIT.split(text.strip()):
        token = re.sub(r"[-\s]*[SG]$", "", token.strip())  # segmental/global suffix of class IV
        if not token:
            continue
        roman = _ROMAN.get(token, token)
        if roman not in _ORDER:
            raise v.ToolInputError(
                f"Unrecognised {classes.label} {raw!r}; write it like {_listing(classes.allowed)}."
            )
        parts.add(roman)
    found = sorted(parts, key=_ORDER.index)
    if not found or len(found) > 2 or (len(found) == 2 and found[1] != "V"):
        raise v.ToolInputError(
            f"Unrecognised {classes.label} {raw!r}; a mixed class is written like III+V or IV+V."
        )
    return "+".join(found)


def _borderline(values: dict[str, Any], spec: EligibilitySet) -> list[str]:
    """Patients exactly on a limit that another source states as strict."""
    flags = []
    rules = {r.input: r for r in spec.rules}
    for limit in spec.strict_limits:
        value = values.get(limit.input)
        if value is not None and value == Fraction(str(limit.below)) and limit.input in rules:
            rule = rules[limit.input]
            shown = f"{rule.criterion} {trimmed(limit.below)} {rule.unit}"
            flags.append(
                f"{shown} meets the cited limit but not the stricter < {trimmed(limit.below)}"
            )
    return flags


def _text(
    status: str,
    checks: list[dict[str, Any]],
    missing: list[str],
    flags: list[str],
    spec: EligibilitySet,
    inputs: dict[str, Any],
) -> str:
    verdict = {"eligible": "Eligible", "not eligible": "Not eligible"}.get(
        status, "Insufficient data"
    )
    parts = []
    for c in checks:
        if c["status"] == "missing":
            continue
        if c["input"] == "exclusion":
            parts.append(f"exclusion {c['criterion']}: {c['value']} {c['status']}")
            continue
        if c["input"] == "isn_class":
            shown = f"{c['criterion']} {c['value']}"
        else:
            shown = f"{c['criterion']} {trimmed(c['value'])} {c['unit']}{_derived(c, inputs)}"
        parts.append(f"{shown} ({c['rule']}) {c['status']}")
    head = f"{verdict} for {spec.short_label} ({spec.basis})"
    text = f"{head}: " + "; ".join(parts) if parts else head
    if missing:  # each with its rule: what the value would have to be
        rules = {c["input"]: c["rule"] for c in checks if c["status"] == "missing"}
        needs = (f"{NEEDS[m]} ({rules[m]})" if rules.get(m) else NEEDS[m] for m in missing)
        text += f"; not assessed, needs: {', '.join(needs)}"
    if flags:
        text += ". Borderline: " + "; ".join(flags) + f". {spec.strict_note or ''}".rstrip()
    return text if text.endswith(".") else text + "."
