"""Pull numbers with their meaning out of text: per-arm results from passages, patient values
(with units) and calculation requests from questions. No number is ever invented here: every
value returned is a substring of the text it came from."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache

from .facts import extract_facts
from .measurements import AGE_SEX, UNIT_PATTERN, Measurement, unit_key
from .measurements import parse as parse_measurements
from .numerals import UNIT_WORDS
from .profile import ArmVocabulary
from .types import Passage

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
    total_derived: bool = False  # `total` worked back from the count and its percentage
    total_stated_in: str | None = None  # the passage stating `total` as the arm's size


_MEASURES = (
    (
        "overall",
        re.compile(
            r"complete[\s-]?(?:or|and|plus|\+|/)[\s-]?partial|overall|"
            r"\bcr ?(?:\+|/|or|and|plus) ?pr\b|"
            r"total response"
        ),
    ),
    # ("full remission" is complete remission in plain words)
    (
        "complete",
        re.compile(r"\bcomplete\b|\bcr\b|\bcrr\b|\bfull\s+(?:renal\s+)?(?:remission|response)"),
    ),
    ("partial", re.compile(r"\bpartials?\b|\bpr\b")),
)


def without_measures(text: str) -> str:
    """`text` with the words naming a response measure taken out ("complete remission rate"
    -> "remission rate")."""
    for _measure, words in _MEASURES:
        text = re.sub(words.pattern, " ", text, flags=re.I)
    return text


# A term set aside in contrast ("the complete rate (not CR+PR)", "complete, not the overall"):
# the measure named before it is the one meant.
SET_ASIDE = re.compile(r"[(,;\u2013\u2014]\s*(?:but\s+)?not\s+(?:the\s+)?[^,;()]{1,25}")


# How an answer names each response measure `measure_of` reads.
MEASURE_WORDS = {"overall": "complete or partial response", "complete": "complete response",
                 "partial": "partial response"}  # fmt: skip


def measure_of(text: str) -> str | None:
    """Which response measure a clause or question is about, if it names one."""
    lowered = SET_ASIDE.sub(" ", text.lower())
    return next((measure for measure, words in _MEASURES if words.search(lowered)), None)


def measures_named(text: str) -> frozenset[str]:
    """Every response measure a sentence names ("the complete remission rate ... and the
    overall remission rate": complete and overall); "complete or partial" names overall only."""
    lowered, named = SET_ASIDE.sub(" ", text.lower()), set()
    for measure, words in _MEASURES:
        if words.search(lowered):
            named.add(measure)
            lowered = words.sub(" ", lowered)
    return frozenset(named)


_CLAUSE_SPLIT = re.compile(r";|,\s+(?:while|whereas|and|but)\s+|,\s+|\s+and\s+(?=\D*\d)")
# A percentage stated as a figure, not the level of an interval ("95% CI", "90% confidence";
# a method's name may stand between: "95% Wilson interval").
PERCENT = re.compile(
    r"(?<![\d.])" + NUM + r"(?:\s?%|\s?per\s?cent\b)(?!\s*(?:[a-z-]+\s+)?"
    r"(?:cis?\b|c\.i\.|confidence|credible|interval|cri\b))",
    re.I,
)
_FRACTION = re.compile(r"(?<![\d.])(\d+)\s?/\s?(\d+)(?![\d.])")
# A measurement's change by a percentage ("fell by a mean of 32.9%"), told apart from a share of
# the arm's patients by the facts extractor (kind "change"): no rate to compare, no NNT.
CHANGE = "change"
# ... and the groups' parts of one whole ("157 (52.5%) in A; 142 (47.5%) in B" of 299 treated),
# kind "share": how a sample was divided, no rate either
SHARE = "share"
NOT_RATES = frozenset({CHANGE, SHARE})
# How a study allocated its patients to arms ("randomised 1:1 to A or B", "assigned to").
ALLOCATION = re.compile(r"\brandomi[sz]ed\b[^.]{0,40}\bto\b|\bassigned\b[^.]{0,20}\bto\b", re.I)
_VS_PAIR = re.compile(NUM + r"\s?%\s*(?:vs\.?|versus)\s*" + NUM + r"\s?%")


def design_sentence(passages: Iterable[Passage], arms: ArmVocabulary) -> Passage | None:
    """A document's design sentence: the first saying how patients were randomised or
    assigned that names two or more arms ("randomised 1:1 to A or B")."""
    return next(
        (p for p in passages if len(arms.in_text(p.text)) >= 2 and ALLOCATION.search(p.text)),
        None,
    )


def arm_values(sentence: str, arms: ArmVocabulary) -> list[ArmValue]:
    """Arm-labelled figures in a sentence; a clause without an arm inherits the last arm named."""
    return list(_arm_values(sentence, arms))


@lru_cache(maxsize=20_000)
def _arm_values(sentence: str, arms: ArmVocabulary) -> tuple[ArmValue, ...]:
    """`arm_values`, memoised: the tools stage reads the same retrieved sentences question
    after question (it is given passages' sentences only, never a question)."""
    not_rates = {f.percent: f.kind for f in extract_facts(sentence) if f.kind in NOT_RATES}
    return tuple(
        replace(v, measure=not_rates[v.percent]) if v.percent in not_rates else v
        for v in _arm_figures(sentence, arms)
    )


def _arm_figures(sentence: str, arms: ArmVocabulary) -> list[ArmValue]:
    """Each arm's figures as the sentence writes them ("A vs B" pairs, "respectively" lists,
    or clause by clause), before any is told to be a change rather than a rate."""
    paired = _vs_pairs(sentence, arms) or _respectively(sentence, arms)
    if paired:
        return list(paired)
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
        percent = _nearest(PERCENT, clause, arms.pattern(last_arm) if last_arm else None)
        fraction = _nearest(_FRACTION, clause, arms.pattern(last_arm) if last_arm else None)
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


# "21 in the drug A arm", "12 patients on drug B", "3 of those given drug C": a count of one
# arm written without its total or a percentage (the arm's size is stated elsewhere).
_COUNT_BEFORE_ARM = re.compile(
    r"(?<![\w.,/])(\d+)\s+(?:(?:patients|participants|people|subjects)\s+)?"
    r"(?:in|on|with|receiving|given|of\s+those\s+(?:given|on|receiving))\s+(?:the\s+)?$",
    re.I,
)
_GROUP_AFTER = re.compile(r"^\s*(?:arm|group)\b", re.I)


def bare_counts(sentence: str, arms: ArmVocabulary) -> list[ArmValue]:
    """Two arms' counts written without totals or percentages ("21 in the drug A arm versus
    12 in the drug B arm withdrew"): the first count before each arm's name, in order; none
    when the sentence gives percentages or fractions (those are read by `arm_values`)."""
    if PERCENT.search(sentence) or _FRACTION.search(sentence):
        return []
    found: dict[str, ArmValue] = {}
    for arm in arms.in_order(sentence):
        pattern = arms.pattern(arm)
        for named in pattern.finditer(sentence) if pattern else ():
            count = _COUNT_BEFORE_ARM.search(sentence[: named.start()])
            if count and _GROUP_AFTER.match(sentence[named.end() :]):
                measure = measure_of(sentence) or "other"
                found[arm] = ArmValue(arm, sentence, None, int(count.group(1)), None, measure)
                break
    return list(found.values()) if len(found) == 2 else []


# "185 in each arm", "with 150 per group": every arm's size; "157 were assigned to drug A".
_EACH_ARM_SIZE = re.compile(
    r"(?<![\w.,/])(\d+)\s+(?:(?:patients|participants)\s+)?(?:in\s+each|per|to\s+each)\s+"
    r"(?:arm|group)\b",
    re.I,
)
_ASSIGNED_TO = re.compile(
    r"(?<![\w.,/])(\d+)\s+(?:(?:patients|participants)\s+)?(?:were\s+)?"
    r"(?:randomi[sz]ed|assigned|allocated)\s+to\s+(?:receive\s+|the\s+)?$",
    re.I,
)


def arm_sizes(sentence: str, arms: ArmVocabulary) -> dict[str, int]:
    """The sizes of arms a sentence states: {"*": n} for "n in each arm", else by arm, each
    from its own "n were assigned to <arm>" clause."""
    each = _EACH_ARM_SIZE.search(sentence)
    if each:
        return {"*": int(each.group(1))}
    sizes: dict[str, int] = {}
    for arm in arms.in_order(sentence):
        pattern = arms.pattern(arm)
        named = pattern.search(sentence) if pattern else None
        assigned = _ASSIGNED_TO.search(sentence[: named.start()]) if named else None
        if assigned:
            sizes[arm] = int(assigned.group(1))
    return sizes


def _nearest(
    figure: re.Pattern[str], clause: str, arm: re.Pattern[str] | None
) -> re.Match[str] | None:
    """The figure written nearest the arm's name in the clause ("299 (95.2%) were treated
    [157 (52.5%) in the drug A group": drug A's is 52.5%); the first when the clause does
    not name the arm (it inherits the last one named)."""
    found = list(figure.finditer(clause))
    named = arm.search(clause) if arm is not None and len(found) > 1 else None
    if named is None:
        return found[0] if found else None
    return min(found, key=lambda m: max(m.start() - named.end(), named.start() - m.end()))


def _positional(clause: str, measure: str, arms: ArmVocabulary) -> list[ArmValue]:
    """ "40.8% with drug A versus 22.5% with placebo": as many figures as arms, paired in
    the order both are written."""
    named = arms.in_order(clause)
    percents = PERCENT.findall(clause)
    if len(named) != 2 or len(percents) != 2:
        return []
    return [ArmValue(arm, clause.strip(), float(pct), None, None, measure, f"{pct}%")
            for arm, pct in zip(named, percents, strict=True)]  # fmt: skip


def _vs_pairs(sentence: str, vocabulary: ArmVocabulary) -> list[ArmValue]:
    """ "lower with drug A than drug B (8.9% vs 16.2%)": arms in order named. Not when
    figures already stand beside the arms before the pair ("16.9% with A versus 7.6% with B,
    and 11.0% versus 7.6% when ...": the later pair qualifies them)."""
    match = _VS_PAIR.search(sentence)
    arms = vocabulary.in_order(sentence[: match.start()]) if match else []
    if not match or len(arms) != 2 or PERCENT.search(sentence[: match.start()]):
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


# Patient measurements are read by `assistant/measurements.py`; these three keep the old
# per-analyte calls working on top of it.


def measured(text: str, analyte: str) -> Measurement | None:
    """The analyte's current (and baseline) value, if the text gives a figure for it."""
    found = parse_measurements(text).get(analyte)
    return found if found and (found.value is not None or found.baseline is not None) else None


def change_percent(text: str, analyte: str) -> float | None:
    """A change stated as such: "creatinine up 10% from baseline" -> +10."""
    found = parse_measurements(text).get(analyte)
    return found.change_percent if found else None


def reported_stable(text: str, analyte: str) -> bool:
    """ "creatinine stable", "creatinine unchanged": stated without numbers."""
    found = parse_measurements(text).get(analyte)
    return bool(found and found.state == "stable")


POUND_KG = 0.45359237  # the international avoirdupois pound
INCH_CM = 2.54


_KILOGRAMS = re.compile(NUM + r"\s*(?:kg|kilo(?:gram)?s?)\b", re.IGNORECASE)
_POUNDS = re.compile(NUM + r"\s*(?:lbs?|pounds?)\b", re.IGNORECASE)


# "BSA 1.6 m2", "body-surface area of 1.72 m²", "1.8 m2 BSA": a body-surface area.
_BSA = re.compile(
    r"\b(?:bsa|body[- ]surface[- ]area)\s*(?:of|is|=|:)?\s*" + NUM + r"\s*(?:m2|m²|m\^2)?"
    r"|" + NUM.replace("(", "(?P<after>", 1) + r"\s*(?:m2|m²|m\^2)\s*(?:bsa|body[- ]surface)",
    re.IGNORECASE,
)
# "six doses", "6 pulses" (after `with_digits`), "a six-dose course" (a number word joined
# to its noun, which `with_digits` leaves): how many doses of a course the text gives.
_DOSE_COUNT = re.compile(
    rf"\b(\d{{1,3}}|{'|'.join(UNIT_WORDS[1:])})(?:\s+(?:[\w-]+\s+)?(?:doses|pulses|infusions|"
    r"cycles)\b|-(?:doses?|pulses?|infusions?|cycles?)\s+(?:course|regimen|schedule)\b)",
    re.I,
)


def bsa_m2(text: str) -> float | None:
    """A body-surface area in square metres ("BSA 1.6 m2")."""
    match = _BSA.search(text)
    return float(match.group(1) or match.group("after")) if match else None


def dose_count(text: str) -> int | None:
    """The number of doses of a course the text gives ("6 doses", "six pulses" as digits)."""
    match = _DOSE_COUNT.search(text)
    if match is None:
        return None
    count = match.group(1).lower()
    return int(count) if count.isdigit() else UNIT_WORDS.index(count)


def weight_kg(text: str) -> float | None:
    """A body weight in kilograms, or in pounds ("140 lb") converted to kilograms (to 0.1 kg,
    as a clinic scale reads)."""
    weights = weights_kg(text)
    return weights[0] if weights else None


def weights_kg(text: str) -> tuple[float, ...]:
    """Every body weight the text gives ("a 62 kg patient, and a 50 kg one"), in kilograms
    when it gives any in kilograms, else in pounds converted."""
    kilograms = tuple(dict.fromkeys(float(m.group(1)) for m in _KILOGRAMS.finditer(text)))
    if kilograms:
        return kilograms
    return tuple(dict.fromkeys(round(float(m.group(1)) * POUND_KG, 1)
                               for m in _POUNDS.finditer(text)))  # fmt: skip


_AGE = re.compile(
    NUM + r"\s*(?:-?\s*(?:years?|yrs?|y)(?P<old>[\s-]*old)?\b|y/o\b|yo\b)"
    r"|aged?\s*:?\s*(?P<aged>\d+(?:\.\d+)?)"
    # "she's 44", "he is 61 and ...", "my sister is 63.", "I'm 62 w/ class III": a person's
    # bare number with nothing after it ("w"/"w/" is the clinical shorthand for "with")
    r"|(?:\b(?:i'?m|i\s+am)|\b(?:she|he|(?:my|our|the|this|her|his)\s+(?:sister|brother|mother|"
    r"mum|mom|father|dad|wife|husband|partner|son|daughter|friend|aunt|uncle|niece|nephew|"
    r"cousin|grandmother|grandfather|patient|pt))(?:'s|\s+is))\s+(?P<is>\d{1,3})(?!\.\d)"
    r"(?=\s*(?:[,.;:!?)]|$|and\b|with\b|w/|w\b))"
    # a person named or described, then her age set off by commas ("Mrs Chen, 34, class V";
    # "a woman, 45, with ..."; "34, F, class IV")
    r"|(?:\b(?:mrs|mr|ms|miss|dr|patient|pt)\.?\s+[a-z][\w'-]+(?:\s+[a-z][\w'-]+)?|"
    r"\b(?:woman|man|lady|girl|boy|female|male)|^|:)\s*,?\s*(?P<listed>\d{1,3})\s*,"
    r"(?=\s*(?:f|m|female|male|with|has|class|biopsy|pure|new|known)\b|\s*[a-z]+\s+class\b)",
    re.I,
)


def age_years(text: str) -> float | None:
    """A person's age ("45 years old", "aged 45", "45yo", "29F"), not a time span: "after 3
    years", "a 10-year follow-up" and "3 years of treatment" are durations."""
    for match in _AGE.finditer(text):
        if match.group(1) and not match.group("old") and _duration(text, match):
            continue
        return float(match.group(1) or match.group("aged") or match.group("is") or match["listed"])
    # Clinic-note shorthand: age then sex, "29F", "45 M".
    shorthand = re.search(AGE_SEX, text)
    return float(shorthand.group(1)) if shorthand else None


# A span of time rather than an age: "after / for / over / about 3 years".
_BEFORE_DURATION = re.compile(
    r"\b(?:after|for|over|at|within|by|in|past|last|first|next|to|until|from|than|about|around|"
    r"approximately|roughly|nearly|almost)\s+$|~\s*$",
    re.I,
)


# What follows a bare age ("35 y, BMI 24", "45 years F", "29 yrs with class IV"); any other
# word, or a question mark, makes it a time ("10 yr ESRD", "3 years later", "and 10 years?").
_AFTER_AGE = re.compile(
    r"^\s*(?:[,;:.)/]|$|(?:f|m|female|male|woman|man|lady|gentleman|girl|boy|pt|patient|"
    r"with|and|who|has|had|presenting|old)\b)",
    re.I,
)


def _duration(text: str, match: re.Match[str]) -> bool:
    written = match.group(0)
    if re.search(r"y/?o$", written, re.I):
        return False  # "38yo", "40 y/o": always an age
    return (
        "-" in written  # "10-year": a compound modifier ("10-year follow-up"), not "-old"
        or bool(_BEFORE_DURATION.search(text[: match.start()]))
        or not _AFTER_AGE.match(text[match.end() :])
    )


# Feet and inches: 5'4", 5′4″, 5 ft 4 in, 5 feet 4 inches, 5'4 (inches optional).
_FEET_INCHES = re.compile(
    r"\b([3-7])\s*(?:'|′|ft\.?|feet|foot)\s*(?:(\d{1,2}(?:\.\d+)?)\s*(?:\"|″|''|in\.?\b|inch(?:es)?\b)?)?",
    re.I,
)


def height_cm(text: str) -> float | None:
    """A height in centimetres ("160 cm"), metres ("1.60 m"), or feet and inches ("5'4\"",
    "5 ft 4 in") or inches ("64 in") converted to centimetres."""
    match = re.search(NUM + r"\s*cm\b", text, re.I)
    if match:
        return float(match.group(1))
    metres = re.search(r"\b([12]\.\d{1,2})\s*m\b(?!\s*/)", text)
    if metres:
        return float(metres.group(1)) * 100
    feet = _FEET_INCHES.search(text)
    if feet:
        return round((int(feet.group(1)) * 12 + float(feet.group(2) or 0)) * INCH_CM, 1)
    inches = re.search(r"\b(\d{2}(?:\.\d+)?)\s*(?:inches|inch|in\.)(?!\w)", text, re.I)
    return round(float(inches.group(1)) * INCH_CM, 1) if inches else None


def bmi(text: str) -> float | None:
    match = re.search(r"\bbmi\b[^0-9]{0,15}" + NUM + r"|" + NUM + r"\s*kg\s?/\s?m2", text, re.I)
    if not match:
        return None
    return float(match.group(1) or match.group(2))


def isn_class(text: str, classification: tuple[str, ...] = ()) -> str | None:
    """A biopsy-style class ("class IV", "class III + V", or the classification's own
    acronym before the numeral: "ISN/RPS IV+V"). A class that belongs to another
    named classification ("NYHA class III": an acronym before "class" that is not one of
    `classification`'s words) is not one."""
    match = (
        re.search(
            r"(?:(\b[A-Z][A-Z/]{1,}[A-Z])\s+)?\bclass(?:es)?\s+"
            r"((?:III|IV|V|II|VI|I|[1-6])(?:\s*(?:\+|/|and|with)\s*(?:III|IV|V|[3-5]))?)\b",
            text,
            re.IGNORECASE,
        )
        or re.search(  # without the word: "biopsy III+V", "bx: IV", "ISN/RPS IV+V" (numerals)
            r"()\b(?:biopsy|bx" + "".join(f"|{w}" for w in classification if w != w.lower()) + r")"
            r"(?![\w/])[:\s]+((?-i:III|IV|V|II|VI)(?:\s*(?:\+|/)\s*(?-i:III|IV|V))?)\b",
            text,
            re.IGNORECASE,
        )
        # a mixed class is written with a plus and upper-case numerals wherever it stands
        # ("biopsy 2 months ago IV+V"): no other reading of "IV+V" is likely
        or re.search(r"()(?<![\w+/])((?:III|IV)\s*\+\s*V)(?![\w+/])", text)
    )
    if not match:
        return None
    named = match.group(1)
    if named and named.isupper() and not any(re.fullmatch(w, named, re.I) for w in classification):
        return None
    return match.group(2).upper().replace(" ", "")


# "out of" may follow the counted noun ("150 responders out of 141"); a bare "of" may not,
# since "<n> <noun> of <m>" is as often an amount ("6 doses of 500").
_COUNT = re.compile(r"(?<![\d.])(\d+)\s*(?:/|of|(?:[a-z]+\s+)?out of)\s*(\d+)(?![\d.%])", re.I)


def counts_in(text: str) -> tuple[int, int] | None:
    """ "93 of 124", "93/124", "93 out of 124", "93 patients out of 124" -> (93, 124)."""
    match = _COUNT.search(text)
    return (int(match.group(1)), int(match.group(2))) if match else None


def all_counts(text: str) -> tuple[tuple[int, int], ...]:
    """Every count the text gives ("88/156 vs 83/154" -> ((88, 156), (83, 154)))."""
    return tuple((int(m.group(1)), int(m.group(2))) for m in _COUNT.finditer(text))


def percent_in(text: str) -> str | None:
    """A stated percentage as written ("75%" -> "75", "83.0 %" -> "83.0")."""
    match = PERCENT.search(text)
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


_ANY_UNIT = UNIT_PATTERN
_CONVERSION = re.compile(
    r"(?<![\w.])(-?\d+(?:\.\d+)?)\s*("
    + _ANY_UNIT
    + r")[^0-9]{0,30}?\b(?:to|in|into|as)\s+("
    + _ANY_UNIT
    + ")",
    re.IGNORECASE,
)


_UNIT_ASKED = re.compile(
    r"\b(?:in|into|to|as)\s+(?:those\s+units\s*\(?\s*)?(" + _ANY_UNIT + r")", re.IGNORECASE
)


def units_asked(text: str) -> tuple[str, ...]:
    """The units a question asks its answers in, as `tools.units` keys: the last one named
    ("the ceiling it gives in mg/dL: what is that in µmol/L?" asks µmol/L), and before it each
    one a figure is turned "into" ("A into mg/dL, and B into µmol/L" asks both)."""
    matches = [m for m in _UNIT_ASKED.finditer(text) if unit_key(m.group(1))]
    if not matches:
        return ()
    turned = [m for m in matches[:-1] if m.group(0).lower().startswith("into")]
    return tuple(dict.fromkeys(str(unit_key(m.group(1))) for m in [*turned, matches[-1]]))


def conversion(text: str) -> tuple[float, str, str] | None:
    """ "convert 1.2 mg/dL to µmol/L" -> (1.2, "mg/dL", "umol/L")."""
    match = _CONVERSION.search(text)
    if not match:
        return None
    groups = [g for g in match.groups() if g]
    return float(groups[0]), str(unit_key(groups[1])), str(unit_key(groups[-1]))
