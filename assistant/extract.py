"""Pull numbers with their meaning out of text: per-arm results from passages, patient values
(with units) and calculation requests from questions. No number is ever invented here: every
value returned is a substring of the text it came from."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .route import arms_in

NUM = r"(\d+(?:\.\d+)?)"


# ---------------------------------------------------------------- per-arm results in a passage


@dataclass(frozen=True)
class ArmValue:
    """One arm's figure in a sentence, e.g. tacrolimus 83.0% (117/141) for "response rate"."""

    arm: str
    clause: str
    percent: float | None
    events: int | None
    total: int | None
    measure: str = "other"  # "overall" (complete or partial), "complete", "partial" or "other"


def measure_of(text: str) -> str | None:
    """Which response measure a clause or question is about, if it names one."""
    lowered = text.lower()
    if re.search(r"complete (?:or|and|\+|/) ?partial|overall|cr ?\+ ?pr|total response", lowered):
        return "overall"
    if re.search(r"\bcomplete\b|\bcr\b|\bcrr\b", lowered):
        return "complete"
    if re.search(r"\bpartial\b|\bpr\b", lowered):
        return "partial"
    return None


_CLAUSE_SPLIT = re.compile(r";|,\s+(?:while|whereas|and|but)\s+|,\s+|\s+and\s+(?=\D*\d)")
_PERCENT = re.compile(NUM + r"\s?%")
_FRACTION = re.compile(r"(?<![\d.])(\d+)\s?/\s?(\d+)(?![\d.])")
_VS_PAIR = re.compile(NUM + r"\s?%\s*(?:vs\.?|versus)\s*" + NUM + r"\s?%")


def arm_values(sentence: str) -> list[ArmValue]:
    """Arm-labelled figures in a sentence; a clause without an arm inherits the last arm named."""
    paired = _vs_pairs(sentence)
    if paired:
        return paired
    values: list[ArmValue] = []
    last_arm: str | None = None
    last_measure = "other"
    for clause in _CLAUSE_SPLIT.split(sentence):
        last_measure = measure_of(clause) or last_measure
        arms = arms_in(clause)
        if len(arms) == 1:
            last_arm = arms[0]
        elif len(arms) > 1:
            last_arm = None
            continue
        percent = _PERCENT.search(clause)
        fraction = _FRACTION.search(clause)
        if last_arm and (percent or fraction):
            values.append(
                ArmValue(
                    arm=last_arm,
                    clause=clause.strip(),
                    percent=float(percent.group(1)) if percent else None,
                    events=int(fraction.group(1)) if fraction else None,
                    total=int(fraction.group(2)) if fraction else None,
                    measure=last_measure,
                )
            )
    return values


def _vs_pairs(sentence: str) -> list[ArmValue]:
    """ "lower with tacrolimus than cyclophosphamide (8.9% vs 16.2%)": arms in order named."""
    match = _VS_PAIR.search(sentence)
    arms = arms_in_order(sentence[: match.start()]) if match else []
    if not match or len(arms) != 2:
        return []
    measure = measure_of(sentence) or "other"
    return [
        ArmValue(arms[0], sentence, float(match.group(1)), None, None, measure),
        ArmValue(arms[1], sentence, float(match.group(2)), None, None, measure),
    ]


def arms_in_order(text: str) -> list[str]:
    """Arms in the order they are first mentioned."""
    from .route import ARM_TERMS

    lowered = text.lower()
    positions = []
    for arm, words in ARM_TERMS.items():
        hits = [m.start() for w in words for m in re.finditer(rf"\b{re.escape(w)}\b", lowered)]
        if hits:
            positions.append((min(hits), arm))
    return [arm for _, arm in sorted(positions)]


# ---------------------------------------------------------------- values in a question


@dataclass(frozen=True)
class Measured:
    value: float
    unit: str | None
    baseline: float | None = None
    baseline_unit: str | None = None


_UNIT = {
    "proteinuria": r"(g\s?/\s?24\s?h(?:ours?)?|g\s?/\s?d(?:ay)?|g\s+per\s+(?:24\s?h(?:ours?)?|day)|"
    r"mg\s?/\s?24\s?h|mg\s?/\s?d(?:ay)?|g\s?/\s?g|mg\s?/\s?mg|mg\s?/\s?mmol)",
    "albumin": r"(g\s?/\s?dl|g\s?/\s?l)",
    "creatinine": r"([µμu]mol\s?/\s?l|mg\s?/\s?dl)",
}
_ANALYTE = {
    "proteinuria": r"(?:proteinuria|urine protein|urinary protein|protein\w*|upcr|uacr|pcr)",
    "albumin": r"(?:serum albumin|albumin)",
    "creatinine": r"(?:serum creatinine|creatinine|scr)",
}
_BASELINE_WORDS = r"(?:vs\.?|versus|from|baseline(?:\s+(?:of|was|value))?|at baseline|previously)"


def measured(text: str, analyte: str) -> Measured | None:
    """The current (and, when given, baseline) value of one analyte, with units."""
    unit = _UNIT[analyte]
    pattern = re.compile(
        _ANALYTE[analyte] + r"[^0-9;]{0,40}?" + NUM + r"\s*" + unit + r"?"
        r"(?:[^0-9;]{0,25}?" + _BASELINE_WORDS + r"[^0-9;]{0,12}?" + NUM + r"\s*" + unit + "?)?",
        re.IGNORECASE,
    )
    fell = re.search(
        _ANALYTE[analyte] + r"[^0-9;]{0,40}?from\s+" + NUM + r"\s*" + unit + r"?\s*to\s+" + NUM
        + r"\s*" + unit + "?",
        text,
        re.IGNORECASE,
    )  # fmt: skip
    if fell:  # "proteinuria fell from 4.2 to 1.5 g/day": the first number is the baseline
        base, unit2, value, unit1 = fell.groups()
        unit1 = unit1 or unit2
        return Measured(float(value), _norm_unit(unit1), float(base), _norm_unit(unit2 or unit1))
    match = pattern.search(text)
    if not match:
        return None
    value, unit1, base, unit2 = match.groups()
    unit1 = unit1 or unit2
    return Measured(float(value), _norm_unit(unit1), float(base) if base else None,
                    _norm_unit(unit2 or unit1))  # fmt: skip


def _norm_unit(unit: str | None) -> str | None:
    if not unit:
        return None
    unit = re.sub(r"\s+", "", unit.lower()).replace("μ", "u").replace("µ", "u")
    unit = unit.replace("per24hours", "/24h").replace("per24h", "/24h").replace("perday", "/day")
    unit = re.sub(r"/24hours?$", "/24h", unit)
    return {"g/d": "g/day", "mg/d": "mg/day", "g/dl": "g/dL", "mg/dl": "mg/dL",
            "umol/l": "umol/L", "g/l": "g/L"}.get(unit, unit)  # fmt: skip


def weight_kg(text: str) -> float | None:
    match = re.search(NUM + r"\s*(?:kg|kilo(?:gram)?s?)\b", text, re.IGNORECASE)
    return float(match.group(1)) if match else None


def age_years(text: str) -> float | None:
    match = re.search(
        NUM + r"\s*(?:-?\s*(?:years?|yrs?|y)(?:[\s-]*old)?\b|yo\b)|aged?\s+" + NUM, text, re.I
    )
    if not match:
        return None
    return float(match.group(1) or match.group(2))


def bmi(text: str) -> float | None:
    match = re.search(r"\bbmi\b[^0-9]{0,15}" + NUM + r"|" + NUM + r"\s*kg\s?/\s?m2", text, re.I)
    if not match:
        return None
    return float(match.group(1) or match.group(2))


def isn_class(text: str) -> str | None:
    match = re.search(
        r"\bclass(?:es)?\s+((?:III|IV|V|II|VI|I|[1-6])(?:\s*(?:\+|/|and|with)\s*(?:III|IV|V|[3-5]))?)\b",
        text,
        re.IGNORECASE,
    )
    return match.group(1).upper().replace(" ", "") if match else None


def counts_in(text: str) -> tuple[int, int] | None:
    """ "93 of 124", "93/124", "93 out of 124" -> (93, 124)."""
    match = re.search(r"(?<![\d.])(\d+)\s*(?:/|of|out of)\s*(\d+)(?![\d.%])", text, re.I)
    return (int(match.group(1)), int(match.group(2))) if match else None


def percent_in(text: str) -> str | None:
    """A stated percentage as written ("75%" -> "75", "83.0 %" -> "83.0")."""
    match = _PERCENT.search(text)
    return match.group(1) if match else None


def margin_in(text: str) -> float | None:
    match = re.search(
        r"margin[^0-9]{0,20}" + NUM + r"|" + NUM + r"\s*%?\s*(?:percentage[- ]points?\s*)?margin",
        text,
        re.IGNORECASE,
    )
    if not match:
        return None
    return float(match.group(1) or match.group(2))


_CONVERSION = re.compile(
    NUM + r"\s*(" + "|".join(_UNIT.values()) + r")\s*(?:to|in|into|as)\s*("
    + "|".join(_UNIT.values()) + ")",
    re.IGNORECASE,
)  # fmt: skip


def conversion(text: str) -> tuple[float, str, str] | None:
    """ "convert 1.2 mg/dL to µmol/L" -> (1.2, "mg/dL", "umol/L")."""
    match = _CONVERSION.search(text)
    if not match:
        return None
    groups = [g for g in match.groups() if g]
    return float(groups[0]), str(_norm_unit(groups[1])), str(_norm_unit(groups[-1]))
