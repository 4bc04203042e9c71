"""Pull numbers with their meaning out of text: per-arm results from passages, patient values
(with units) and calculation requests from questions. No number is ever invented here: every
value returned is a substring of the text it came from."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .profile import ArmVocabulary

NUM = r"(\d+(?:\.\d+)?)"


# ---------------------------------------------------------------- per-arm results in a passage


@dataclass(frozen=True)
class ArmValue:
    """One arm's figure in a sentence, e.g. drug A 83.0% (117/141) for "response rate"."""

    arm: str
    clause: str
    percent: float | None
    events: int | None
    total: int | None
    measure: str = "other"  # "overall" (complete or partial), "complete", "partial" or "other"
    figure: str | None = None  # the figure as written, when the clause also holds other arms'


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


def arm_values(sentence: str, arms: ArmVocabulary) -> list[ArmValue]:
    """Arm-labelled figures in a sentence; a clause without an arm inherits the last arm named."""
    paired = _vs_pairs(sentence, arms) or _respectively(sentence, arms)
    if paired:
        return paired
    values: list[ArmValue] = []
    last_arm: str | None = None
    last_measure = "other"
    for clause in _CLAUSE_SPLIT.split(sentence):
        last_measure = measure_of(clause) or last_measure
        named = arms.in_text(clause)
        if len(named) == 1:
            last_arm = named[0]
        elif len(named) > 1:
            last_arm = None
            values += _positional(clause, last_measure, arms)
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


def _positional(clause: str, measure: str, arms: ArmVocabulary) -> list[ArmValue]:
    """ "40.8% with drug A versus 22.5% with placebo": as many figures as arms, paired in
    the order both are written."""
    named = arms.in_order(clause)
    percents = _PERCENT.findall(clause)
    if len(named) != 2 or len(percents) != 2:
        return []
    return [ArmValue(arm, clause.strip(), float(pct), None, None, measure, f"{pct}%")
            for arm, pct in zip(named, percents, strict=True)]  # fmt: skip


def _vs_pairs(sentence: str, vocabulary: ArmVocabulary) -> list[ArmValue]:
    """ "lower with drug A than drug B (8.9% vs 16.2%)": arms in order named."""
    match = _VS_PAIR.search(sentence)
    arms = vocabulary.in_order(sentence[: match.start()]) if match else []
    if not match or len(arms) != 2:
        return []
    measure = measure_of(sentence) or "other"
    return [
        ArmValue(arms[0], sentence, float(match.group(1)), None, None, measure, f"{match[1]}%"),
        ArmValue(arms[1], sentence, float(match.group(2)), None, None, measure, f"{match[2]}%"),
    ]


_SIGNED = re.compile(r"(?<![\w.])(?<!week )(?<!weeks )(-?\d+(?:\.\d+)?%?)")


def _respectively(sentence: str, vocabulary: ArmVocabulary) -> list[ArmValue]:
    """ "the score fell by -8.6 and -6.4 in the A and B groups, respectively"."""
    if "respectively" not in sentence.lower():
        return []
    arms = vocabulary.in_order(sentence)
    first_arm = min(sentence.lower().find(w) for a in arms for w in vocabulary.words(a)
                    if w in sentence.lower()) if arms else -1  # fmt: skip
    figures = _SIGNED.findall(sentence[: max(first_arm, 0)])[-len(arms) :] if arms else []
    if len(arms) < 2 or len(figures) != len(arms):
        return []
    measure = measure_of(sentence) or "other"
    return [ArmValue(arm, sentence, float(fig.rstrip("%")), None, None, measure, fig)
            for arm, fig in zip(arms, figures, strict=True)]  # fmt: skip


# ---------------------------------------------------------------- values in a question


@dataclass(frozen=True)
class Measured:
    value: float
    unit: str | None
    baseline: float | None = None
    baseline_unit: str | None = None


_UNIT = {
    "proteinuria": r"(g\s?/\s?24\s?h(?:ours?)?|g\s?/\s?d(?:ay)?|g\s+per\s+(?:24\s?h(?:ours?)?|day)|"
    r"mg\s?/\s?24\s?h|mg\s?/\s?d(?:ay)?|g\s?/\s?g|mg\s?/\s?mg|mg\s?/\s?mmol|g(?![/\w]))",
    "albumin": r"(g\s?/\s?dl|g\s?/\s?l)",
    "creatinine": r"([µμu]mol\s?/\s?l|mg\s?/\s?dl)",
}
_ANALYTE = {
    "proteinuria": r"(?:proteinuria|urine protein|urinary protein|protein\w*|upcr|uacr|pcr)",
    "albumin": r"(?:serum albumin|albumin)",
    "creatinine": r"(?:serum creatinine|creatinine|scr)",
}


def measured(text: str, analyte: str) -> Measured | None:
    """The current (and, when given, baseline) value of one analyte, with units.

    The analyte's segment runs from its name to the next analyte named. Within it, a number
    is the baseline when "from / baseline / initially / was ... at baseline" sits next to it
    ("fell from 4.2 to 1.5 g/day", "95 µmol/L against 90 at baseline", "Baseline proteinuria
    was 3.0 g/day; now 0.4"); otherwise the first number is the current value and a second
    one ("95 vs 90") the baseline.
    """
    segment = _segment(text, analyte)
    if segment is None:
        return None
    numbers = list(re.finditer(NUM + r"\s*" + _UNIT[analyte] + "?", segment, re.IGNORECASE))
    # A percentage is a change ("creatinine up 10%"), never a measurement: see `change_percent`.
    numbers = [m for m in numbers if not _is_time(segment, m) and not _is_percent(segment, m)][:2]
    if not numbers:
        return None
    baseline_index = _baseline_index(segment, numbers)
    current = numbers[1 - baseline_index] if len(numbers) == 2 else numbers[0]
    base = numbers[baseline_index] if len(numbers) == 2 else None
    unit = _norm_unit(current.group(2)) or (_norm_unit(base.group(2)) if base else None)
    if base is None:
        same = re.search(r"same as (?:at )?baseline|unchanged from baseline", segment, re.I)
        baseline = float(current.group(1)) if same else None
        return Measured(float(current.group(1)), unit, baseline, unit if same else None)
    return Measured(float(current.group(1)), unit, float(base.group(1)),
                    _norm_unit(base.group(2)) or unit)  # fmt: skip


_ANY_ANALYTE = re.compile("|".join(f"(?:{a})" for a in _ANALYTE.values()), re.IGNORECASE)
_BEFORE_BASELINE = re.compile(r"(?:from|baseline|initially|previously|before|pre-?treatment)"
                              r"\W*(?:\w+\W+){0,3}$", re.IGNORECASE)  # fmt: skip
_AFTER_BASELINE = re.compile(r"^\W*(?:at|on)?\s*baseline", re.IGNORECASE)


def _segment(text: str, analyte: str) -> str | None:
    start = re.search(r"(?:baseline\s+)?(?:" + _ANALYTE[analyte] + ")", text, re.IGNORECASE)
    if not start:
        return None
    following = _ANY_ANALYTE.search(text, start.end())
    while following and re.fullmatch(_ANALYTE[analyte], following.group(), re.IGNORECASE):
        following = _ANY_ANALYTE.search(text, following.end())
    return text[start.start() : following.start() if following else len(text)]


def _is_time(segment: str, match: re.Match[str]) -> bool:
    """ "24-hour protein", "at week 24", "at 6 months" are not measurements."""
    if not match.group(2) and 1900 <= float(match.group(1)) <= 2100:
        return True  # a year ("the 2024 guideline")
    after = segment[match.end() : match.end() + 8].lower()
    before = segment[max(0, match.start() - 6) : match.start()].lower()
    return bool(re.match(r"\s*-?\s*(?:hours?|h\b|weeks?|months?|days?\b)", after)) or (
        "week" in before and not match.group(2)
    )


def _is_percent(segment: str, match: re.Match[str]) -> bool:
    return not match.group(2) and segment[match.end() : match.end() + 2].lstrip().startswith("%")


def _baseline_index(segment: str, numbers: list[re.Match[str]]) -> int:
    """Which of two numbers is the baseline (default: the second, as in "95 vs 90")."""
    first, *rest = numbers
    if not rest:
        return 1
    between = segment[first.end() : rest[0].start()]
    label = r"baseline\W*(?:" + "|".join(_ANALYTE.values()) + r")?\W*(?:of|was|value|is)?\W*$"
    if re.search(label, between, re.IGNORECASE):
        return 1  # "95 µmol/L (baseline 90)", "110 µmol/L, baseline creatinine 80 µmol/L"
    if _AFTER_BASELINE.search(between):
        return 0  # "3.6 g/day at baseline and is 2.8 now"
    if _BEFORE_BASELINE.search(segment[: first.start()]):
        return 0  # "from 4.2 to 1.5", "Baseline proteinuria was 3.0; now 0.4"
    return 1


def _norm_unit(unit: str | None) -> str | None:
    if not unit:
        return None
    unit = re.sub(r"\s+", "", unit.lower()).replace("μ", "u").replace("µ", "u")
    unit = unit.replace("per24hours", "/24h").replace("per24h", "/24h").replace("perday", "/day")
    unit = re.sub(r"/24hours?$", "/24h", unit)
    return {"g": "g/24h", "g/d": "g/day", "mg/d": "mg/day", "g/dl": "g/dL", "mg/dl": "mg/dL",
            "umol/l": "umol/L", "g/l": "g/L"}.get(unit, unit)  # fmt: skip


_RISE = r"up|rose|risen|increased|increase|higher|elevated|\+"
_FALL = r"down|fell|fallen|decreased|decrease|dropped|lower|reduced|-|−"
_CHANGE = re.compile(
    rf"(?P<dir>{_RISE}|{_FALL})\s*(?:by\s+)?(?P<num>\d+(?:\.\d+)?)\s?%", re.IGNORECASE
)
_STABLE = re.compile(r"\b(?:stable|unchanged|steady|no change|not changed)\b", re.IGNORECASE)


def change_percent(text: str, analyte: str) -> float | None:
    """A change stated as a percentage in the analyte's part of the text: "creatinine up 10%
    from baseline" -> +10, "creatinine fell by 5%" -> -5."""
    segment = _segment(text, analyte)
    match = _CHANGE.search(segment) if segment else None
    if match is None:
        return None
    value = float(match.group("num"))
    return -value if re.fullmatch(_FALL, match.group("dir"), re.IGNORECASE) else value


def reported_stable(text: str, analyte: str) -> bool:
    """ "creatinine stable", "creatinine unchanged": stated without numbers."""
    segment = _segment(text, analyte)
    return bool(segment and _STABLE.search(segment[:40]))


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


def isn_class(text: str, classification: tuple[str, ...] = ()) -> str | None:
    """A biopsy-style class ("class IV", "class III + V"). A class that belongs to another
    named classification ("NYHA class III": an acronym before "class" that is not one of
    `classification`'s words) is not one."""
    match = re.search(
        r"(?:(\b[A-Z][A-Z/]{1,}[A-Z])\s+)?\bclass(?:es)?\s+"
        r"((?:III|IV|V|II|VI|I|[1-6])(?:\s*(?:\+|/|and|with)\s*(?:III|IV|V|[3-5]))?)\b",
        text,
        re.IGNORECASE,
    )
    if not match:
        return None
    named = match.group(1)
    if named and named.isupper() and not any(re.fullmatch(w, named, re.I) for w in classification):
        return None
    return match.group(2).upper().replace(" ", "")


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


_ANY_UNIT = "(?:" + "|".join(_UNIT.values()) + r")(?![a-z])"
_CONVERSION = re.compile(
    r"(?<![\w.])(-?\d+(?:\.\d+)?)\s*("
    + _ANY_UNIT
    + r")[^0-9]{0,30}?\b(?:to|in|into|as)\s+("
    + _ANY_UNIT
    + ")",
    re.IGNORECASE,
)


def conversion(text: str) -> tuple[float, str, str] | None:
    """ "convert 1.2 mg/dL to µmol/L" -> (1.2, "mg/dL", "umol/L")."""
    match = _CONVERSION.search(text)
    if not match:
        return None
    groups = [g for g in match.groups() if g]
    return float(groups[0]), str(_norm_unit(groups[1])), str(_norm_unit(groups[-1]))
