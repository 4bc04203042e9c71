"""Does a patient meet the Zheng 2022 trial's inclusion criteria (as reported in the interview)?

Interview wording: age 18 to 60 years, BMI 18.5-27 kg/m2, 24-hour urine protein >= 1.5 g,
serum creatinine <= 260 µmol/L, ISN/RPS class III, IV, V, III+V or IV+V. The registry record
states BMI < 27 and creatinine < 260 (strict), so a patient exactly on either limit is flagged.
Bounds are inclusive, as in the interview. Exclusion criteria are not assessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ..types import ToolCall
from . import _validate as v
from ._format import exact, round_half_up, tool_call, trimmed
from .units import parse_unit, to_base

SOURCE = "criteria as reported in the interview"
TRIAL = "Zheng 2022 trial of tacrolimus vs IVCY (JAMA Netw Open)"
REGISTRY_NOTE = "The registry record gives BMI < 27 and creatinine < 260 µmol/L (strict limits)."
ELIGIBLE_CLASSES = ("III", "IV", "V", "III+V", "IV+V")
_ROMAN = {"1": "I", "2": "II", "3": "III", "4": "IV", "5": "V", "6": "VI"}
_ORDER = ("I", "II", "III", "IV", "V", "VI")
_NOISE = re.compile(r"\b(?:ISN\s*/\s*RPS|ISN|RPS|LUPUS|NEPHRITIS|LN|CLASS(?:ES)?|TYPE)\b")
_SPLIT = re.compile(r"\s*(?:\+|/|&|,|\bAND\b|\bPLUS\b|\bWITH\b)\s*")
NEEDS = {
    "age_years": "age",
    "bmi": "BMI",
    "proteinuria_g_per_24h": "24-h proteinuria",
    "creatinine": "serum creatinine",
    "isn_class": "ISN/RPS biopsy class",
}


@dataclass(frozen=True)
class Rule:
    criterion: str
    input: str
    unit: str
    low: Fraction | None  # inclusive
    high: Fraction | None  # inclusive

    def describe(self) -> str:
        if self.low is not None and self.high is not None:
            return f"{trimmed(float(self.low))} to {trimmed(float(self.high))} {self.unit}"
        if self.low is not None:
            return f">= {trimmed(float(self.low))} {self.unit}"
        return f"<= {trimmed(float(self.high))} {self.unit}" if self.high is not None else ""


RULES = (
    Rule("age", "age_years", "years", Fraction(18), Fraction(60)),
    Rule("BMI", "bmi", "kg/m²", Fraction("18.5"), Fraction(27)),
    Rule("24-h proteinuria", "proteinuria_g_per_24h", "g/day", Fraction("1.5"), None),
    Rule("serum creatinine", "creatinine", "µmol/L", None, Fraction(260)),
)


def trial_eligibility(
    age_years: float | None = None,
    bmi: float | None = None,
    proteinuria_g_per_24h: float | None = None,
    creatinine: float | None = None,
    creatinine_unit: str = "umol/L",
    isn_class: str | None = None,
    proteinuria_unit: str = "g/24h",
) -> ToolCall:
    """Each inclusion criterion with value, rule and pass/fail/missing; overall verdict."""
    inputs = dict(locals())
    values = _values(inputs)
    checks = [_numeric(rule, values[rule.input]) for rule in RULES]
    checks.append(_class_check(values["isn_class"]))
    failed = [c["criterion"] for c in checks if c["status"] == "fail"]
    missing = [c["input"] for c in checks if c["status"] == "missing"]
    status = "not eligible" if failed else "insufficient data" if missing else "eligible"
    borderline = _borderline(values)
    output = {
        "status": status,
        "eligible": {"eligible": True, "not eligible": False}.get(status),
        "criteria": checks,
        "failed_criteria": failed,
        "needed_inputs": missing,
        "source": SOURCE,
        "trial": TRIAL,
        "registry_note": REGISTRY_NOTE,
        "registry_limits": {"bmi_below": 27, "creatinine_umol_per_l_below": 260},
        "borderline_with_registry": borderline,
        "collection_period_hours": 24,
        "creatinine_umol_per_l_per_mg_per_dl": 88.4,
    }
    return tool_call(
        "trial_eligibility", inputs, output, _text(status, checks, missing, borderline)
    )


def _values(raw: dict[str, Any]) -> dict[str, Any]:
    """Validated values in the rules' units (creatinine in µmol/L, proteinuria in g/day)."""
    out: dict[str, Any] = {"isn_class": None}
    if raw["age_years"] is not None:
        out["age_years"] = exact(v.in_range("age_years", raw["age_years"], 0, 130, "years"))
    if raw["bmi"] is not None:
        out["bmi"] = exact(v.in_range("bmi", raw["bmi"], 5, 100, "kg/m²"))
    if raw["proteinuria_g_per_24h"] is not None:
        amount = v.non_negative("proteinuria_g_per_24h", raw["proteinuria_g_per_24h"])
        unit = parse_unit("proteinuria_unit", raw["proteinuria_unit"], "proteinuria_24h")
        out["proteinuria_g_per_24h"] = to_base(amount, unit)
    if raw["creatinine"] is not None:
        amount = v.positive("creatinine", raw["creatinine"])
        unit = parse_unit("creatinine_unit", raw["creatinine_unit"], "creatinine")
        out["creatinine"] = to_base(amount, unit)
    if raw["isn_class"] is not None:
        out["isn_class"] = parse_isn_class(raw["isn_class"])
    return {rule.input: out.get(rule.input) for rule in RULES} | {"isn_class": out["isn_class"]}


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


def _class_check(value: str | None) -> dict[str, Any]:
    record: dict[str, Any] = {
        "criterion": "ISN/RPS class",
        "input": "isn_class",
        "rule": "III, IV, V, III+V or IV+V",
        "unit": None,
        "value": value,
    }
    if value is None:
        return record | {"status": "missing", "reason": "biopsy class not given"}
    passed = value in ELIGIBLE_CLASSES
    verb = "is" if passed else "is not"
    reason = f"class {value} {verb} one of III, IV, V, III+V or IV+V"
    return record | {"status": "pass" if passed else "fail", "reason": reason}


def parse_isn_class(raw: Any) -> str:
    """Normalise a biopsy class: "IV", "4", "class IV-G (A)", "IV+V", "III/V", "3 + 5"."""
    if not isinstance(raw, str) or not raw.strip():
        raise v.ToolInputError(f"isn_class must be text such as 'IV' or 'III+V', got {raw!r}.")
    text = _NOISE.sub(" ", re.sub(r"\([^)]*\)", " ", raw.upper()))
    parts = set()
    for token in _SPLIT.split(text.strip()):
        token = re.sub(r"[-\s]*[SG]$", "", token.strip())  # segmental/global suffix of class IV
        if not token:
            continue
        roman = _ROMAN.get(token, token)
        if roman not in _ORDER:
            raise v.ToolInputError(
                f"Unrecognised ISN/RPS class {raw!r}; write it like III, IV, V, III+V or IV+V."
            )
        parts.add(roman)
    classes = sorted(parts, key=_ORDER.index)
    if not classes or len(classes) > 2 or (len(classes) == 2 and classes[1] != "V"):
        raise v.ToolInputError(
            f"Unrecognised ISN/RPS class {raw!r}; a mixed class is written like III+V or IV+V."
        )
    return "+".join(classes)


def _borderline(values: dict[str, Any]) -> list[str]:
    """Patients exactly on a limit that the registry record states as strict."""
    flags = []
    if values["bmi"] == 27:
        flags.append("BMI 27 meets the interview's limit but not the registry's < 27")
    if values["creatinine"] == 260:
        flags.append(
            "creatinine 260 µmol/L meets the interview's limit but not the registry's < 260"
        )
    return flags


def _text(status: str, checks: list[dict[str, Any]], missing: list[str], flags: list[str]) -> str:
    verdict = {"eligible": "Eligible", "not eligible": "Not eligible"}.get(
        status, "Insufficient data"
    )
    parts = []
    for c in checks:
        if c["status"] == "missing":
            continue
        if c["input"] == "isn_class":
            shown = f"ISN/RPS class {c['value']}"
        else:
            shown = f"{c['criterion']} {trimmed(c['value'])} {c['unit']}"
        parts.append(f"{shown} ({c['rule']}) {c['status']}")
    head = f"{verdict} for the Zheng trial ({SOURCE})"
    text = f"{head}: " + "; ".join(parts) if parts else head
    if missing:
        text += f"; not assessed, needs: {', '.join(NEEDS[m] for m in missing)}"
    if flags:
        text += ". Borderline: " + "; ".join(flags) + f". {REGISTRY_NOTE}"
    return text if text.endswith(".") else text + "."
