"""Patient measurements in a question: one parser, one typed result.

"Proteinuria 0.4 g/g (baseline 3.0), alb 3.6, Cr stable" becomes a `PatientValues` holding one
`Measurement` per analyte named (current value, baseline, a change stated as such, a state such
as "stable") and the fragments that name an analyte but could not be read ("creatinine a bit
higher"). Nothing is invented: every value and baseline is a number written in the question
(`Measurement.text` is the fragment it came from); a unit that is not written stays `None`.

How a number is read:
- the analyte's part of the text runs from its name to the next name of another analyte or of
  another quantity (age, BMI, eGFR ...), or to the end of the sentence; a second mention of the
  same analyte ("creatinine 110, baseline creatinine 80") stays in the same part;
- times ("at week 24", "24-hour urine", "6 months"), years and a percentage are never values;
  a percentage with a direction ("up 10%", "a 15% rise") is a change, as are "doubled"/"halved";
- which number is the baseline is decided by the cue words next to it (`BASELINE_BEFORE`,
  `BASELINE_AFTER`, `CURRENT_BEFORE`, `CURRENT_AFTER`); two numbers without cues are read as
  "current vs baseline" only when joined by "vs"/"versus"/"against", or as earlier and later
  when an arrow or "then" leads from one to the other; otherwise not understood;
- values are told in the order they were taken: of three or more in one part the last is the
  current one (`_series`), and an analyte given again after a later time ("at week 24 ...")
  has its earlier current value replaced.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import Literal

from .lexical import drug_like
from .tools.units import parse_unit

# ---------------------------------------------------------------- vocabulary (data)


@dataclass(frozen=True)
class Analyte:
    """A measured analyte: the names it goes by and the units it is measured in.

    `names` are matched case-insensitively as whole words; `cased` are short forms matched
    only as written (upper-case "CR" is a complete response, "Cr" is creatinine). `units` are
    unit keys of `assistant/tools/units.py`, whose spellings are in `UNIT_SPELLINGS`."""

    names: tuple[str, ...]
    units: tuple[str, ...]
    cased: tuple[str, ...] = ()


ANALYTES: dict[str, Analyte] = {
    # 24-h urine protein or a spot urine protein:creatinine ratio (the unit says which).
    "proteinuria": Analyte(
        names=(  # a space also matches a hyphen or nothing: "24 h" is "24-h" and "24h"
            "proteinuria",
            "urine protein",
            "urinary protein",
            "protein excretion",
            "24 h urine protein",
            "24 hour urine protein",
            "24 hr urine protein",
            "24 h proteinuria",
            "24 hour proteinuria",
            "24 hr proteinuria",
            "24 h protein",
            "24 hour protein",
            "24 hr protein",
            "24 h urine prot",  # "prot", the chart's shorthand for protein
            "24 hour urine prot",
            "24 hr urine prot",
            "24 h prot",
            "24 hour prot",
            "24 hr prot",
            "urine prot",
            "24 h urine",
            "24 hour urine",
            "24 hr urine",
            "24 h up",  # "24hUP", "24h-UP": the period glued to the abbreviation
            "24 hr up",
            "24 h collection",  # "24h collection back: 1.3 g/d"
            "24 hour collection",
            "24 hr collection",
            "urine protein:creatinine ratio",
            "urine protein to creatinine ratio",
            "urine protein/creatinine ratio",
            "protein:creatinine ratio",
            "protein to creatinine ratio",
            "protein/creatinine ratio",
            "protein creatinine ratio",
            "upcr",
            "pcr",
            "protein",
            "prot",
        ),
        units=("g/24h", "g/day", "mg/24h", "mg/day", "g/g", "mg/mg", "mg/g", "mg/mmol"),
        cased=("uPCR", "UPr", "UP"),  # "24h UP 0.3 g": urine protein, not the word "up"
    ),
    "albumin": Analyte(
        names=("serum albumin", "plasma albumin", "albumin", "alb", "s alb"),  # "s-alb", "sAlb"
        units=("g/dL", "g/L"),
        cased=(),
    ),
    "creatinine": Analyte(
        names=("serum creatinine", "plasma creatinine", "creatinine", "creat", "scr"),
        units=("umol/L", "mg/dL"),
        cased=("Cr", "cr", "sCr", "SCr", "S-Cr", "s-Cr"),
    ),
    # Kidney function as a filtration rate: some response definitions judge it by eGFR.
    "egfr": Analyte(
        names=("egfr", "estimated gfr", "gfr", "estimated glomerular filtration rate"),
        units=("mL/min/1.73m2",),
    ),
}

# Other quantities: their names end an analyte's part of the text and are never read as one.
OTHER_QUANTITIES: tuple[str, ...] = (
    "age", "aged", "bmi", "weight", "height", "creatinine clearance", "crcl",
    "urine albumin", "urinary albumin", "albuminuria", "albumin:creatinine ratio",
    "albumin-to-creatinine ratio", "albumin/creatinine ratio", "uacr", "acr",
    "c-reactive protein", "crp", "hemoglobin", "haemoglobin", "hb", "blood pressure", "bp",
    "potassium", "sodium", "urea", "bun", "glucose", "hba1c", "platelets", "wbc",
    "complement", "c3", "c4", "dsdna", "anti-dsdna", "dose", "class", "protein intake",
    "dietary protein", "chronicity index", "chronicity", "activity index",
)  # fmt: skip

# Spellings of each unit of `assistant/tools/units.py` (its key -> a regex, case-insensitive).
# Units may be spoken in full ("milligrams per decilitre", "micromoles").
UNIT_SPELLINGS: dict[str, str] = {
    "umol/L": r"(?:[µμu]mol|micromol(?:es)?)\s*/\s*l(?:iter|itre)?|(?:[µμu]mol|micromol(?:es)?)\s+per\s+l(?:iter|itre)?|micromol(?:es)?\b",  # noqa: E501
    "mg/dL": r"mg\s*/\s*dl|(?:mg|milligrams?)\s+per\s+(?:dl|decilit(?:re|er))",
    "g/dL": r"g\s*/\s*dl|(?:g|grams?)\s+per\s+(?:dl|decilit(?:re|er))",
    "g/L": r"g\s*/\s*l|g\s+per\s+l(?:iter|itre)?",
    "mg/mmol": r"mg\s*/\s*mmol",
    "mg/mg": r"mg\s*/\s*mg",
    "mg/g": r"mg\s*/\s*g(?![a-z])",
    "g/g": r"g\s*/\s*g(?![a-z])",
    "g/24h": r"g\s*/\s*24\s*-?\s*h(?:ours?|rs?)?|g\s+(?:per|/|in|over)\s+24\s*-?\s*h(?:ours?|rs?)?",
    "mg/24h": r"mg\s*/\s*24\s*-?\s*h(?:ours?|rs?)?|mg\s+(?:per|/|in|over)\s+24\s*-?\s*h(?:ours?|rs?)?",  # noqa: E501
    "g/day": r"g\s*/\s*d(?:ay)?(?![a-z])|g\s+(?:per|a)\s+day|g\s+daily",
    "mg/day": r"mg\s*/\s*d(?:ay)?(?![a-z])|mg\s+(?:per|a)\s+day",
    "mL/min/1.73m2": r"ml\s*/\s*min(?:\s*(?:/|per)\s*1\.73\s*m(?:2|²|\^2)?)?",
}
# A bare gram amount of 24-h urine protein ("24h urine protein 1.8 g") is grams per 24 h.
BARE_GRAMS = "g/24h"

# Cue words next to a number that make it the baseline or the current value. "Strong" cues
# decide on their own; a weak one ("was", "is") gives way to a strong cue on the other number.
BASELINE_BEFORE = (
    r"from|initially|originally|previously|prior|earlier|before|baseline|pre-?treatment|pre-?tx|"
    r"at\s+(?:baseline|bx|biopsy|diagnosis|presentation|onset|start)|bx|started\s+at|"
    r"initial|previous|prev|pre|(?:at\s+)?(?:weeks?|months?|day|wk|mo|w|m|d)\s*0(?![.\d])"
)
# (a verb of movement before the first of two values: "creatinine went 1.0 to 1.25")
BASELINE_BEFORE_WEAK = (
    r"was|were|used\s+to\s+be|went|gone|moved|rose|risen|fell|fallen|dropped|climbed|"
    r"increased|decreased|changed"
)
CURRENT_BEFORE = (
    r"to|now|currently|today|latest|current|recent|"
    r"at\s+(?:weeks?|months?|wk|mo|w|m)\s*\d+|at\s+\d+\s*(?:weeks?|months?|wks?|mos?)|"
    r"after\s+\d+\s*(?:weeks?|months?|wks?|mos?)|(?:this|last)\s+(?:visit|week|month)|"
    r"\d+\s*(?:weeks?|months?|wks?|mos?)\s+later|"  # "8 mo later UPCR 0.42"
    r"(?:weeks?|wks?|months?|mos?)\s*-?\s*[1-9]\d*|"  # "week-104 eGFR 80" (week 0 is the start)
    r"at\s+follow-?up|on\s+follow-?up|on\s+treatment"
)
CURRENT_BEFORE_WEAK = r"is|are|of|has|at"
BASELINE_AFTER = (
    r"(?:at\s+|on\s+|pre-?\s*|the\s+)?baseline|(?:at|on|pre-?)\s*(?:bx|biopsy|diagnosis|"
    r"presentation|onset)|"
    r"initially|previously|before(?:\s+treatment)?|earlier|originally|pre-?treatment|pre-?tx|"
    r"prior|(?:at|on)\s+(?:weeks?|months?|day|wk|mo|w|m|d)\s*0(?![.\d])|"
    r"at\s+(?:the\s+)?(?:start|outset|entry|screening|enrol?ment|induction)|"
    # "when we started", "when MMF/steroids were started", "when induction began"
    r"when\s+(?:[\w/+-]+\s+){0,3}(?:(?:was|were)\s+)?(?:start(?:ed)?|began|initiated)|"
    r"(?:on|at|before)\s+starting"
)
CURRENT_AFTER = (
    r"now|currently|today|at\s+(?:weeks?|months?|wk|mo|w|m)\s*\d+|"
    r"at\s+\d+\s*(?:weeks?|months?|wks?|mos?)|after\s+\d+\s*(?:weeks?|months?|wks?|mos?)|"
    r"at\s+follow-?up|on\s+follow-?up|(?:this|last)\s+(?:visit|week|month)|on\s+treatment"
)
# Changes: directions, and changes stated in words.
RISE = r"up|rose|risen|rising|increased|increase|increasing|rise|higher|elevated|raised|above|grew|gone\s+up|went\s+up|climbed|\+"  # noqa: E501
FALL = r"down|fell|fallen|falling|decreased|decrease|decreasing|dropped|drop|fall|lower|reduced|reduction|below|declined|decline|gone\s+down|went\s+down|-|−|–"  # noqa: E501
WORD_CHANGES: dict[str, float] = {
    r"doubled|doubling|two-?fold\s+(?:rise|increase)": 100.0,
    r"tripled|tripling|three-?fold\s+(?:rise|increase)": 200.0,
    r"halved|(?:fell|fallen|dropped|decreased|reduced|down|declined|gone\s+down|went\s+down|"
    r"cut)\s+(?:by\s+)?(?:a\s+|one\s+)?half|by\s+half": -50.0,
}
STATES: dict[str, str] = {
    "stable": r"stable|unchanged|steady|no\s+change|not\s+changed|flat|(?:about\s+)?the\s+same|"
    # "hasn't moved", "did not change": an unchanged value in a verb's words
    r"(?:has|have|had|did|does)(?:\s+not|n['\u2019]?t)\s+(?:moved|changed|budged|move|change)|"
    r"same\s+as\s+(?:at\s+)?"
    r"baseline|unchanged\s+from\s+baseline",
    "normal": r"(?:within|in)\s+(?:the\s+)?normal\s+(?:range|limits)|normal\s+range|"
    r"\bwnl\b|normal",
}
# Words that say something about an analyte that this parser does not read as a value.
_VAGUE = (
    r"higher|lower|high|low|up|down|rising|rose|risen|increas\w*|decreas\w*|fell|fall\w*|"
    r"dropp\w*|improv\w*|wors\w*|better|elevated|raised|abnormal|deranged|changed|ok|okay|fine|"
    r"good|bad|worse|climb\w*|creep\w*|trend\w*|bit|slightly|mild\w*|marked\w*|significant\w*|"
    r"times|fold|twice|thrice"
)
_COMPARATOR = r"(?:(?<![-=])>=?|<=?|≥|≤|above|below|over|under|more\s+than|less\s+than|at\s+least|at\s+most|greater\s+than|up\s+to)"  # noqa: E501

# The unit a figure written without one is read in, by its size (low, high, unit key); a size
# outside every range stays without a unit. Names of a ratio ("UPCR") read as a ratio.
LIKELY_UNITS: dict[str, tuple[tuple[float, float, str], ...]] = {
    "creatinine": ((20, 3000, "umol/L"), (0.1, 15, "mg/dL")),
    "albumin": ((10, 60, "g/L"), (0.5, 6, "g/dL")),
    "proteinuria": ((0, 25, "g/24h"), (100, 30000, "mg/24h")),
    "ratio": ((0, 15, "g/g"),),
}
_RATIO_NAME = re.compile(r"ratio|pcr|upr", re.IGNORECASE)
# The words this parser reads a patient's values by (analyte names, states, changes): in a
# question they give the patient's data, not a topic the evidence must cover.
PATIENT_VALUE_WORDS = frozenset(
    re.findall(
        r"[a-z]{3,}",
        " ".join(
            [
                *(n.lower() for a in ANALYTES.values() for n in (*a.names, *a.cased)),
                *STATES.values(),
                *WORD_CHANGES,
                RISE,
                FALL,
            ]
        ).replace(r"\b", " "),
    )
)

# ---------------------------------------------------------------- result


@dataclass(frozen=True)
class Measurement:
    """One analyte as the question gives it. `unit`/`baseline_unit` are unit keys of
    `assistant/tools/units.py` ("umol/L", "g/day", ...) or None when not written;
    `change_percent` is a change stated as such (+10 for "up 10%", -50 for "halved");
    `state` is "stable" or "normal" when the question says so; `upper_normal` is a stated
    upper limit of the normal range (same unit as `unit`); `text` is the question's fragment
    (fragments joined by "; " when the analyte is given in two sentences)."""

    analyte: str
    value: float | None = None
    unit: str | None = None
    baseline: float | None = None
    baseline_unit: str | None = None
    change_percent: float | None = None
    state: Literal["stable", "normal"] | None = None
    text: str = ""
    upper_normal: float | None = None
    name: str = ""  # the name the question used ("UPCR", "Cr")

    @property
    def empty(self) -> bool:
        return (
            self.value is None
            and self.baseline is None
            and self.change_percent is None
            and self.state is None
        )


@dataclass(frozen=True)
class PatientValues:
    """The measurements a question gives (one per analyte) and the fragments naming a known
    analyte that could not be read."""

    measurements: tuple[Measurement, ...] = ()
    not_understood: tuple[str, ...] = ()

    def get(self, analyte: str) -> Measurement | None:
        return next((m for m in self.measurements if m.analyte == analyte), None)

    def __bool__(self) -> bool:
        return bool(self.measurements or self.not_understood)


def likely_unit(analyte: str, value: float, name: str = "") -> str | None:
    """The unit a figure of `analyte` written without one is most likely in (see
    `LIKELY_UNITS`), or None when its size does not say. The caller must say it assumed it."""
    kind = "ratio" if analyte == "proteinuria" and _RATIO_NAME.search(name) else analyte
    return next((u for low, high, u in LIKELY_UNITS.get(kind, ()) if low <= value <= high), None)


# ---------------------------------------------------------------- compiled patterns


def _alternation(names: tuple[str, ...]) -> str:
    ordered = sorted(names, key=len, reverse=True)
    return "|".join(re.escape(n).replace(r"\ ", r"[\s-]*") for n in ordered)


_NAME_CI = re.compile(
    r"(?<![\w-])(?:"
    + _alternation(tuple(n for a in ANALYTES.values() for n in a.names) + OTHER_QUANTITIES)
    + r")(?![\w])",
    re.IGNORECASE,
)
_CASED = tuple(n for a in ANALYTES.values() for n in a.cased)
_NAME_CASED = re.compile(r"(?<![\w-])(?:" + _alternation(_CASED) + r")(?!\w)")


def _key(name: str) -> str:
    return re.sub(r"[\s-]+", "", name.lower())


_BY_NAME = {_key(n): key for key, a in ANALYTES.items() for n in a.names} | {
    n: key for key, a in ANALYTES.items() for n in a.cased
}
_UNITS = sorted(UNIT_SPELLINGS.items(), key=lambda kv: -len(kv[1]))
_UNIT_RE = re.compile(
    r"\s*(?:" + "|".join(f"(?P<u{i}>{p})" for i, (_, p) in enumerate(_UNITS)) + r")(?![a-z/])",
    re.IGNORECASE,
)
UNIT_PATTERN = "(?:" + "|".join(p for _, p in _UNITS) + r")(?![a-z])"  # any unit, no groups


def unit_key(written: str) -> str | None:
    """The `assistant/tools/units.py` key of a unit as written ("umol/l", "g per day")."""
    if written.strip().lower() == "g":
        return BARE_GRAMS
    match = _UNIT_RE.fullmatch(written.strip())
    return _unit_key(match) if match else None


# Units only a urine protein measurement is written in (a timed collection, a protein ratio):
# a figure in one is a urine protein value whatever word precedes it ("wk24 1.8 g/24h"). A bare
# "g/day" or "mg/day" is not one of them: it is as often a drug's daily dose.
URINE_PROTEIN_UNITS = ("g/24h", "mg/24h", "g/g", "mg/mg")
_URINE_PROTEIN_FIGURE = re.compile(
    r"(?<![\w.])\d+(?:\.\d+)?\s*(?:"
    + "|".join(UNIT_SPELLINGS[u] for u in URINE_PROTEIN_UNITS)
    + r")(?![a-z])",
    re.IGNORECASE,
)
_FIGURE_AHEAD = re.compile(  # "2 g prot", "1.2 g/24h of proteinuria"
    r"(?<![\w.])\d+(?:\.\d+)?\s*(?P<unit>" + UNIT_PATTERN + r"|g)\s+(?:of\s+)?$", re.IGNORECASE
)
# The earlier value of a change written before the figure ("went from 3.0 to 1.8 g/day
# proteinuria", "4.2 -> 0.9 g/24h"): the analyte's part starts there.
_EARLIER_AHEAD = re.compile(
    r"(?<![\w.])(?:from\s+)?\d+(?:\.\d+)?\s*(?:to|->|→|=>)\s*$", re.IGNORECASE
)
_CHANGE_AHEAD = re.compile(
    r"(?<![\w.])(?:an?\s+)?\d+(?:\.\d+)?\s*(?:%|percent|per\s*cent)\s+(?:rise|increase|fall|drop|"
    r"reduction|decrease|decline)\s+(?:in|of)\s+(?:the\s+|her\s+|his\s+)?$",
    re.IGNORECASE,
)
_BARE_G = re.compile(r"\s*g(?![\w/])", re.IGNORECASE)
_BARE_MG = re.compile(r"\s*mg(?![\w/])", re.IGNORECASE)
# A timed urine collection named before a bare "mg" amount: milligrams per 24 h of protein
# (a bare "mg" elsewhere may be a drug dose: "on aspirin 75 mg").
_COLLECTION = re.compile(r"\b24(?:\b|\s*-?\s*h)|urin|collection", re.IGNORECASE)
_FOREIGN_UNIT = re.compile(
    r"\s*(?:mg|kg|mcg|[µμu]g|ml|mmhg|mmol|meq|iu|u/l|bpm|cm|mm|kg/m2|x\s*10|years?|yrs?|yo\b|"
    r"y\.o|y\b|-?\s*year)",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"(?<![\w.,/:-])([+\-−]?)(\d+(?:\.\d+)?)(?![\d])(?!\.\d)")
_RANGE_AFTER = re.compile(r"\s*[-–]\s*\d")
_PERCENT_AFTER = re.compile(r"\s*(?:%|percent\b|per\s*cent\b|pct\b)", re.IGNORECASE)
_TIME_AFTER = re.compile(
    r"\s*-?\s*(?:hours?|hrs?|h\b|weeks?|wks?|months?|mos?\b|days?\b|years?|yrs?|y\b|yo\b|"
    r"times\b|x\b|-?year)",
    re.IGNORECASE,
)
_TIME_BEFORE = re.compile(r"\b(?:weeks?|wks?|months?|mos?|days?|visit|years?|w|m|d)\s*$", re.I)
# A sentence opening with a label that dates every value in it to before treatment
# ("Baseline: ...", "At baseline, ...", "Before starting treatment: ...", "Pre-treatment - ...").
_BASELINE_WORDS = (
    r"(?:at\s+)?(?:baseline|pre-?treatment|pre-?tx|"
    r"at\s+(?:the\s+)?(?:diagnosis|biopsy|presentation|start|outset)|"
    r"before\s+(?:starting|treatment|therapy|induction)|initially)(?:[^:,\d]{0,60}?\s*[:,–-]|"
    r"\s+(?=\d|[a-z]))"  # "Baseline: ...", or opening a list: "baseline 24h UP 4.2 g, Cr 88"
)
_BASELINE_LABEL = re.compile(
    r"^\W*(?:" + _BASELINE_WORDS + "|"
    # a sentence telling how the patient began: "She started the drug A regimen with ...",
    # "presented with ..." (the values it gives are the values at the start)
    r"(?:[\w-]+\s+){0,2}(?:started|began|presented|presenting)\b[^.:,\d]{0,60}?\bwith\s+)",
    re.IGNORECASE,
)
_BASELINE_LABEL_INSIDE = re.compile(r"(?<![\w-])" + _BASELINE_WORDS, re.IGNORECASE)
# A time later than the start of treatment ("wk24 labs:", "at 6 months", "6 mo:", "now", "on
# follow-up"; not "3 months ago"): where a baseline sentence turns to later values, and (in
# `intent`) what makes an earlier turn's values the baseline of a question's.
LATER_TIME = re.compile(
    r"\b(?:wk|week|mo|month)s?\s*-?\s*\d+|"
    r"\b\d+\s*-?\s*(?:weeks?|months?|wks?|mos?)\b(?!\s+(?:ago|before|prior|earlier))|"
    r"\b(?:now|currently|today|latest|repeat)\b|follow-?up|\bf/u\b",
    re.I,
)
_SENTENCE = re.compile(r"[.?!]+(?=\s|$)|\n+")
_ABBREVIATION = re.compile(r"\b(?:vs|cf|approx|ca|e\.g|i\.e|pt|dr|mg|wk|mo)$", re.IGNORECASE)
_UNIT_ABBREVIATION = re.compile(r"\b(?:mg|wk|mo)$", re.IGNORECASE)
_CAPITALISED = re.compile(r"\s+[A-Z][a-z]")
# The collection period written between a label and the analyte ("baseline 24h UP").
_PERIOD = re.compile(r"24\s*-?\s*h(?:rs?|ours?)?\s+$", re.IGNORECASE)
_LEAD = re.compile(
    r"(?:\b(?:baseline|initial|pre-?treatment|prior|previous|current|latest|recent|today's|"
    r"her|his|the|a|an|and|with)\s+){1,3}(?:" + _PERIOD.pattern + r"|$)",
    re.IGNORECASE,
)
_WORD_CHANGE = [(re.compile(rf"\b(?:{p})\b", re.I), v) for p, v in WORD_CHANGES.items()]
_STATE = [(s, re.compile(rf"\b(?:{p})\b", re.I)) for s, p in STATES.items()]
_NEGATED_STATE = re.compile(r"\b(?:not|no\s+longer|isn'?t|never)\s+(?:\w+\s+)?$", re.I)
_ULN = re.compile(
    # "ULN 90", "upper limit of normal 90", "upper reference limit of 90" (the lab's term)
    r"\b(?:uln|upper\s+(?:reference\s+)?limit(?:\s+of\s+(?:normal|the\s+reference\s+range))?|"
    r"upper\s+normal(?:\s+limit)?)\b\W{0,4}(?:is\s+|of\s+)?"
    r"(?P<v>\d+(?:\.\d+)?)|\b(?:ref(?:erence)?(?:\s+range)?|normal(?:\s+range)?|nr)\W{0,4}"
    r"(?:\d+(?:\.\d+)?)\s*(?:-|–|to)\s*(?P<r>\d+(?:\.\d+)?)",
    re.IGNORECASE,
)
_VS = re.compile(r"^\W*(?:vs\.?|versus|against|compared\s+(?:with|to)|cf\.?)\W*$", re.I)
# What leads from one value to the next taken after it: an arrow, or "then" ("58 then 62").
_ARROW = re.compile(r"^\s*(?:→|->|-->|=>|⟶|,?\s*(?:and\s+)?then)\s*$", re.I)
_PRE_LABEL = re.compile(
    r"[\s,;(]*(?:(?:her|his|the|and|with|a|an)\s+){0,3}(?:baseline|pre-?treatment|initial(?:ly)?|"
    r"previous(?:ly)?|prior)(?:\s+(?:"
    + _alternation(tuple(n for a in ANALYTES.values() for n in a.names + a.cased))
    + r"))?\s*(?:value\s*|level\s*)?(?:of|was|is|=|:)?\s*",
    re.IGNORECASE,
)


# ---------------------------------------------------------------- parsing


@dataclass(frozen=True)
class _Num:
    value: float
    written: str
    start: int
    end: int  # after the unit, if any
    unit: str | None
    foreign_unit: bool = False


@functools.lru_cache(maxsize=1024)
def parse(text: str) -> PatientValues:
    """Every analyte's measurement in `text`, and the fragments that could not be read
    (memoised: a question and the turns before it are read more than once per answer; the
    result is frozen)."""
    found: dict[str, Measurement] = {}
    not_understood: list[str] = []
    sentences = [_without_name_numbers(s) for s in _sentences(text)]
    last_read: dict[str, tuple[int, int]] = {}  # each analyte's last reading: sentence, start
    for index, sentence in enumerate(sentences):
        parts = _parts(sentence)
        label = _baseline_label(sentence, parts)
        later = LATER_TIME.search(sentence, label.end()) if label else None
        baseline_until = (later.start() if later else len(sentence)) if label else 0
        for analyte, name, start, end in parts:
            part = sentence[start:end]
            measurement, unread = _read(analyte, name, part)
            not_understood += unread
            if measurement is None:
                continue
            if start < baseline_until and measurement.baseline is None:
                measurement = replace(  # "Baseline: proteinuria 4.8 g, creatinine 95"
                    measurement,
                    value=None,
                    unit=None,
                    baseline=measurement.value,
                    baseline_unit=measurement.unit,
                )
            previous = found.get(analyte)
            if previous and measurement.value is not None:
                between = _text_between(sentences, last_read[analyte], (index, start))
                if LATER_TIME.search(between):
                    # values are told in the order they were taken ("at start protein 4.2 g;
                    # at week 12 protein 1.1 g; at week 24 protein 0.4 g"): the latest is the
                    # current one (the start's stays the baseline)
                    previous = replace(previous, value=None)
            found[analyte] = _merge(previous, measurement) if previous else measurement
            last_read[analyte] = (index, start)
    ordered = tuple(found[a] for a in ANALYTES if a in found)
    return PatientValues(ordered, tuple(dict.fromkeys(not_understood)))


# A study's name in capitals with its number ("STAR 1", "ORBIT-LN 2"): the number is part of
# the name, not a value (an analyte's own name, "UPCR 3", is left alone).
_NAME_NUMBER = re.compile(r"\b([A-Z][A-Z-]{2,})(\s+)(\d)\b(?![.,]?\d)")


def _without_name_numbers(sentence: str) -> str:
    """`sentence` with the number of each study name blanked (same length: spans hold)."""
    return _NAME_NUMBER.sub(
        lambda m: (
            m.group()
            if _key(m.group(1)) in _BY_NAME or m.group(1) in _BY_NAME
            else f"{m.group(1)}{m.group(2)}_"
        ),
        sentence,
    )


def _baseline_label(sentence: str, parts: list[tuple[str, str, int, int]]) -> re.Match[str] | None:
    """A label dating the sentence's values to before treatment: at its opening ("Baseline:
    ..."), or after words that give no value of an analyte ("31F LN, baseline UP 2.6 g/d, alb
    2.9, Cr 1.0")."""
    first = parts[0][2] if parts else -1
    label = _BASELINE_LABEL.match(sentence) or _BASELINE_LABEL_INSIDE.search(sentence)
    return label if label and label.start() <= first else None


def _sentences(text: str) -> list[str]:
    """The text's sentences; "vs." and "approx." do not end one."""
    out, start = [], 0
    for match in _SENTENCE.finditer(text):
        before, after = text[: match.start()], text[match.end() :]
        # a unit's abbreviation ends the sentence when a capitalised word follows ("1.8
        # mg/mg. Would she ...")
        ends = _UNIT_ABBREVIATION.search(before) and _CAPITALISED.match(after)
        if _ABBREVIATION.search(before) and not ends:
            continue
        out.append(text[start : match.start()])
        start = match.end()
    out.append(text[start:])
    return [t for t in out if t.strip()]


def _mentions(sentence: str) -> list[tuple[int, int, str | None, str]]:
    """(start, end, analyte or None for another quantity, name as written), in order."""
    spans: list[tuple[int, int, str | None, str]] = []
    for match in _NAME_CI.finditer(sentence):
        spans.append((match.start(), match.end(), _BY_NAME.get(_key(match.group())), match.group()))
    for match in _NAME_CASED.finditer(sentence):
        if not any(s <= match.start() < e for s, e, _, _ in spans):
            spans.append((match.start(), match.end(), _BY_NAME[match.group()], match.group()))
    for match in _URINE_PROTEIN_FIGURE.finditer(sentence):
        if not any(s <= match.start() < e for s, e, _, _ in spans):  # a figure without a name
            spans.append((match.start(), match.start(), "proteinuria", ""))
    for match in _DOSE_FIGURE.finditer(sentence):  # "pred 5 mg/d": a drug's dose, no analyte's
        if not any(s <= match.start() < e for s, e, _, _ in spans):
            # after a drug's name ("drugolone 5 mg/day"), even a unit of the analyte's is
            # the drug's dose: the analyte's part ends before the name
            drug = _WORD_BEFORE.search(sentence[: match.start()])
            if drug and drug_like(drug.group(1)):
                spans.append((drug.start(1), drug.start(1), None, f"{drug.group(1)} dose"))
            else:
                spans.append((match.start(), match.start(), None, match.group("unit")))
    for match in _AGE_SEX.finditer(sentence):  # "40F", "62 M", "35yo": the patient, no analyte
        if not any(s <= match.start() < e for s, e, _, _ in spans):
            spans.append((match.start(), match.start(), None, match.group()))
    spans.sort()
    return spans


_WORD_BEFORE = re.compile(r"\b([A-Za-z][A-Za-z-]+)\s*$")
# A drug's amount: per day, per kilogram or with a frequency. It ends an analyte's part
# unless its unit is one of that analyte's ("proteinuria 500 mg/day").
_DOSE_FIGURE = re.compile(
    r"(?<![\w.])\d+(?:\.\d+)?\s*(?P<unit>(?:mg|g|mcg|µg)\s*/\s*(?:kg|d|day)\b|"
    r"(?:mg|g|mcg|µg)\s+(?:daily|a day|per day|bid|tid|od)\b)",
    re.IGNORECASE,
)

# A patient's age and sex as clinical notes write them ("29F", "45 M"; upper case only: "5 m"
# is a length); the age is group 1.
AGE_SEX = r"(?<![\w.])(\d{1,3})\s?[FM]\b(?![/\w])"
# ... or the age alone in shorthand ("35yo", "35 y/o"): either ends an analyte's part.
_AGE_SEX = re.compile(AGE_SEX + r"|(?<![\w.])\d{1,3}\s?(?:yo|y/o|y\.o\.)(?![\w/])")


def _parts(sentence: str) -> list[tuple[str, str, int, int]]:
    """Each run of one analyte's mentions: (analyte, first name, start, end) in the sentence.
    A part starts at its lead words ("baseline proteinuria") and ends where the next other
    analyte's or other quantity's lead begins."""
    mentions = _mentions(sentence)
    parts: list[tuple[str, str, int, int]] = []
    current: tuple[str, str, int] | None = None
    for start, _end, analyte, name in mentions:
        if current and analyte == current[0]:
            continue  # a second mention of the same analyte: same part
        if current and analyte is None and unit_key(name) in ANALYTES[current[0]].units:
            continue  # "proteinuria 500 mg/day": the analyte's own unit, not a dose
        lead = _LEAD.search(sentence[:start])
        numbered = lead is not None and _NUMBER.search(_PERIOD.sub("", lead.group()))
        lead_start = lead.start() if lead and not numbered else start
        ahead = _FIGURE_AHEAD.search(sentence[:start]) if analyte else None
        if ahead and unit_key(ahead.group("unit")) in ANALYTES[str(analyte)].units:
            lead_start = ahead.start()  # "2 g prot", "0.4 g/g UPCR": the figure before the name
        earlier = _EARLIER_AHEAD.search(sentence[:lead_start]) if analyte else None
        lead_start = earlier.start() if earlier else lead_start
        change = _CHANGE_AHEAD.search(sentence[:start]) if analyte else None
        lead_start = change.start() if change else lead_start  # "a 15% rise in creatinine"
        if current:
            parts.append((current[0], current[1], current[2], max(lead_start, current[2])))
        current = (analyte, name, lead_start) if analyte else None
    if current:
        parts.append((current[0], current[1], current[2], len(sentence)))
    return parts


def _numbers(part: str, analyte: str) -> tuple[list[_Num], list[tuple[float, int, int]]]:
    """Values (with units) and percentages in an analyte's part; times and years dropped."""
    values: list[_Num] = []
    percents: list[tuple[float, int, int]] = []
    for match in _NUMBER.finditer(part):
        if _inside_name(part, match.start()):
            continue
        sign, written = match.group(1), match.group(2)
        after = part[match.end() :]
        percent = _PERCENT_AFTER.match(after)
        if percent:
            value = float(written) * (-1 if sign in ("-", "−") else 1)
            percents.append((value, match.start(), match.end() + percent.end()))
            continue
        # "24hUP -2.3 g": a negative amount, which the tools refuse as impossible
        negative = sign in ("-", "−") and bool(_UNIT_RE.match(after) or _BARE_G.match(after))
        if sign and not negative:
            continue  # a signed figure that is not a percentage ("-2"): not a measurement
        written = f"-{written}" if negative else written
        if _RANGE_AFTER.match(after):
            values.append(_Num(float(written), written, match.start(), match.end(), None, True))
            continue  # "0.5-1.0 g/day": a range is not one value (read as not understood)
        unit_match = _UNIT_RE.match(after)
        unit = _unit_key(unit_match) if unit_match else None
        end = match.end() + (unit_match.end() if unit_match else 0)
        if unit is None and analyte == "proteinuria" and _BARE_G.match(after):
            unit, end = BARE_GRAMS, match.end() + _BARE_G.match(after).end()  # type: ignore[union-attr]
        bare_mg = _BARE_MG.match(after) if unit is None and analyte == "proteinuria" else None
        if bare_mg and _COLLECTION.search(part[: match.start()]):
            unit, end = "mg/24h", match.end() + bare_mg.end()  # "24 h urine protein 420 mg"
        if unit is None and _is_time(part, match):
            continue
        foreign = unit is None and bool(_FOREIGN_UNIT.match(after))
        if foreign and _TIME_AFTER.match(after):
            continue
        values.append(_Num(float(written), written, match.start(), end, unit, foreign))
    return values, percents


def _inside_name(part: str, position: int) -> bool:
    """A digit that belongs to a name: "24-h urine protein", "C3", "HbA1c"."""
    return any(m.start() <= position < m.end() for m in _NAME_CI.finditer(part))


def _unit_key(match: re.Match[str]) -> str | None:
    for i, (key, _) in enumerate(_UNITS):
        if match.group(f"u{i}"):
            return parse_unit("unit", key).key
    return None


def _is_time(part: str, match: re.Match[str]) -> bool:
    """ "at week 24", "6 months", "24-hour", "the 2024 guideline" are not measurements."""
    value = float(match.group(2))
    if re.fullmatch(r"\d{4}", match.group(2)) and 1900 <= value <= 2100:
        return True
    if _TIME_AFTER.match(part[match.end() :]):
        return True
    return bool(_TIME_BEFORE.search(part[: match.start()]))


def _read(analyte: str, name: str, part: str) -> tuple[Measurement | None, list[str]]:
    """One analyte's part of a sentence as a measurement, plus what could not be read."""
    part = _without_question(part, name)
    fragment = _FRAGMENT_LEAD.sub("", part.strip(" ,;:").rstrip("(").strip())
    fragment = re.split(r"\s+[—–]\s+(?=\D*$)", fragment)[0]
    upper_normal = None
    reading = part
    uln = _ULN.search(part)
    if uln:
        upper_normal = float(uln.group("v") or uln.group("r"))
        reading = part[: uln.start()] + " " * (uln.end() - uln.start()) + part[uln.end() :]
    values, percents = _numbers(reading, analyte)
    change, unread = _change(reading, values, percents)
    state, negated = _state(reading)
    if negated:
        unread.append(fragment)  # "creatinine not stable": says what it is not
    wrong_unit = any(n.unit and n.unit not in ANALYTES[analyte].units for n in values)
    compared = any(
        _COMPARED.search(reading[: n.start]) and not _MOVED_UP_TO.search(reading[: n.start])
        for n in values
    )
    if wrong_unit or compared:
        return None, [fragment]
    if values and values[0].foreign_unit:
        return None, [fragment]  # "creatinine 0.11 mmol/L", "0.5-1 g/day": not one value
    values = [n for n in values if not n.foreign_unit]  # "..., on a 60 mg dose": not this
    roles = _roles(reading, values)
    if roles is None:
        return None, [fragment]
    current, baseline = roles
    unit = (current.unit if current else None) or (baseline.unit if baseline else None)
    if state == "stable" and baseline is None and current is not None and _SAME.search(reading):
        baseline = current  # "creatinine 90, unchanged from baseline"
    measurement = Measurement(
        analyte=analyte,
        value=current.value if current else None,
        unit=unit,
        baseline=baseline.value if baseline else None,
        baseline_unit=(baseline.unit or unit) if baseline else None,
        change_percent=change,
        state=state,
        text=fragment,
        upper_normal=upper_normal,
        name=name,
    )
    if measurement.empty:
        after_name = reading[reading.lower().find(name.lower()) + len(name) :]
        if values or unread or _VAGUE_RE.search(after_name):
            return None, unread or [fragment]
        return None, []
    return measurement, unread


def _without_question(part: str, name: str) -> str:
    """The part up to a question that follows it ("creatinine 95 vs 90: is this complete
    remission?"); a colon right after the name ("creatinine: 110") is kept."""
    part = part.split("?")[0]
    after_name = part.lower().find(name.lower()) + len(name)
    for colon in re.finditer(r":\s+", part):
        said = part[after_name : colon.start()].strip()
        if colon.start() > after_name and said and not re.search(r"\d", part[colon.end() :]):
            return part[: colon.start()]
    return part


_FRAGMENT_LEAD = re.compile(r"^(?:(?:and|with|a|an|her|his)\s+)+", re.IGNORECASE)
_COMPARED = re.compile(_COMPARATOR + r"\s*$", re.IGNORECASE)
# "up to" after a verb of movement, or after the value it moved from, is where a value got to
# ("creatinine has crept up to 95", "went from 88 up to 106"), not a bound ("up to 15%").
_MOVED_UP_TO = re.compile(
    r"(?:\b(?:crept|creeping|gone|going|went|come|came|moved|shot|climbed|risen|rose|jumped|"
    r"drifted|edged|ticked|crawled)|\bfrom\s+\d+(?:\.\d+)?(?:\s*[^\s\d]+)?)"
    r"\s+(?:back\s+)?up\s+to\s*$",
    re.IGNORECASE,
)
_SAME = re.compile(r"same\s+as\s+(?:at\s+)?baseline|unchanged\s+from\s+baseline", re.I)
_VAGUE_RE = re.compile(rf"\b(?:{_VAGUE})\b", re.IGNORECASE)
_FALL_RE = re.compile(rf"(?<![\w])(?:{FALL})(?![\w])", re.IGNORECASE)
_RISE_RE = re.compile(rf"(?<![\w])(?:{RISE})(?![\w])", re.IGNORECASE)


def _change(
    part: str, values: list[_Num], percents: list[tuple[float, int, int]]
) -> tuple[float | None, list[str]]:
    """A stated change: the first percentage with a direction next to it ("up 10%", "a 15%
    rise", "-20%"), else a change in words ("doubled", "fell by half")."""
    edges = sorted([n.end for n in values] + [e for _, _, e in percents])
    for value, start, end in percents:
        if part[start] in "+-−":
            return value, []
        left = max([e for e in edges if e <= start], default=0)
        right = min([n.start for n in values if n.start >= end] + [len(part)])
        before = " ".join(part[left:start].split()[-4:])
        after = " ".join(part[end:right].split()[:3])
        # "80% of her baseline": 20% below it ("within 10% of baseline" is a margin)
        if _OF_BASELINE.match(part[end:right]) and not _MARGIN_BEFORE.search(part[left:start]):
            return value - 100, []
        direction = _direction(before, last=True) or _direction(after, last=False)
        if direction is None:
            return None, [part[left:end].strip(" ,;:(")]
        return direction * value, []
    for pattern, change in _WORD_CHANGE:
        if pattern.search(part):
            return change, []
    return None, []


# A value given as a share of the patient's own baseline ("eGFR 80% of her baseline")
_OF_BASELINE = re.compile(
    r"\s*of\s+(?:(?:her|his|their|the|its|a)\s+)?(?:baseline|base-line|starting|initial)\b", re.I
)


_MARGIN_BEFORE = re.compile(r"(?:\bwithin|\bby|\bto|\bthan|±|\+/-)\s*$", re.I)


def _direction(words: str, last: bool) -> int | None:
    """+1 for a rise, -1 for a fall: the word nearest the percentage decides."""
    found = [(m.start(), 1) for m in _RISE_RE.finditer(words)]
    found += [(m.start(), -1) for m in _FALL_RE.finditer(words)]
    if not found:
        return None
    found.sort()
    return found[-1][1] if last else found[0][1]


def _state(part: str) -> tuple[Literal["stable", "normal"] | None, bool]:
    """The state the text gives, and whether one was negated ("not stable")."""
    negated = False
    for state, pattern in _STATE:
        for match in pattern.finditer(part):
            if not _NEGATED_STATE.search(part[: match.start()]):
                return state, False  # type: ignore[return-value]
            negated = True
    return None, negated


Role = tuple[str, bool] | None  # ("baseline" | "current", strong)


def _roles(part: str, values: list[_Num]) -> tuple[_Num | None, _Num | None] | None:
    """(current, baseline) among the values; None when the text does not say which is which."""
    if not values:
        return None, None
    roles = [_role(part, values, i) for i in range(len(values))]
    if len(values) == 1:
        strong_baseline = roles[0] is not None and roles[0] == ("baseline", True)
        return (None, values[0]) if strong_baseline else (values[0], None)
    if len(values) > 2:
        return _series(part, values, roles)
    (first, second), (r1, r2) = values, roles
    between = part[first.end : second.start]
    if r1 is None and r2 is None:
        if _ARROW.match(between):
            return second, first
        return (first, second) if _VS.match(between) else None
    if r1 is None or r2 is None:
        known, role = (first, r1) if r1 is not None else (second, r2)
        other = second if known is first else first
        assert role is not None
        return (known, other) if role[0] == "current" else (other, known)
    if r1[0] != r2[0]:
        return (first, second) if r1[0] == "current" else (second, first)
    if r1[1] == r2[1]:
        return None  # both said to be the baseline (or both current): cannot tell
    strong_first = r1[1]
    keeps = first if strong_first else second
    flips = second if strong_first else first
    return (keeps, flips) if r1[0] == "current" else (flips, keeps)


# Words that stand before the value they label ("now 1.1", "currently 1.1").
_LEADING_CURRENT = re.compile(r"\s*(?:now|currently|today)\s*", re.IGNORECASE)
_AFTER_BASELINE_RE = re.compile(rf"^[\s),]*\(?\s*(?:{BASELINE_AFTER})\b", re.IGNORECASE)
_AFTER_CURRENT_RE = re.compile(rf"^[\s),]*\(?\s*(?:{CURRENT_AFTER})\b", re.IGNORECASE)
_CUES = (
    (re.compile(rf"(?<![\w-])(?:{BASELINE_BEFORE})(?![\w])", re.I), ("baseline", True)),
    (re.compile(rf"(?<![\w-])(?:{BASELINE_BEFORE_WEAK})(?![\w])", re.I), ("baseline", False)),
    (re.compile(rf"(?<![\w-])(?:{CURRENT_BEFORE})(?![\w])", re.I), ("current", True)),
    (re.compile(rf"(?<![\w-])(?:{CURRENT_BEFORE_WEAK})(?![\w])", re.I), ("current", False)),
    (re.compile(r"->|→|=>"), ("current", True)),  # "4.2 -> 0.9": what it became
)


def _role(part: str, values: list[_Num], i: int) -> Role:
    """What the words right after value i, else right before it, say it is."""
    number = values[i]
    left = values[i - 1].end if i else 0
    right = values[i + 1].start if i + 1 < len(values) else len(part)
    before, after = part[left : number.start], part[number.end : right]
    inside = _bracket_cue(before, after)
    if inside is not None:
        return inside  # "70 (baseline 90) at week 76": the bracket labels its own value
    if _cue_after_is_own(after, has_next=i + 1 < len(values)):
        if _AFTER_BASELINE_RE.match(after):
            return ("baseline", True)
        if _AFTER_CURRENT_RE.match(after):
            return ("current", True)
    own = _AFTER_BASELINE_RE.match(before) or _AFTER_CURRENT_RE.match(before)
    if i and own and _cue_after_is_own(before, has_next=True):
        before = before[own.end() :]  # the previous number's own cue ("80 at baseline, 110")
    window = before[-40:]
    best: tuple[bool, int, int, Role] | None = None  # a strong cue beats a weak one after it
    for pattern, role in _CUES:
        assert role is not None
        for match in pattern.finditer(window):
            if len(window[match.end() :].split()) > 3:
                continue
            key = (role[1], match.end(), match.end() - match.start())
            if best is None or key > best[:3]:
                best = (*key, role)
    return best[3] if best else None


def _bracket_cue(before: str, after: str) -> Role:
    """The role a cue inside the same brackets as the value gives it ("(baseline 90)"), which
    words after the closing bracket do not override: they date the whole statement."""
    if not re.match(r"\s*\)", after) or "(" not in before:
        return None
    inner = before[before.rindex("(") + 1 :]
    for pattern, role in _CUES:
        if role is not None and pattern.search(inner):
            return role
    return None


def _cue_after_is_own(gap: str, has_next: bool) -> bool:
    """Does a cue at the start of the gap after a number belong to that number? "80 at
    baseline, 110" and "80 (at baseline), 110": yes; "80, now 110" and "110 (baseline 80)": no,
    it labels the next number."""
    cue = _AFTER_BASELINE_RE.match(gap) or _AFTER_CURRENT_RE.match(gap)
    if cue is None or (has_next and _PRE_LABEL.fullmatch(gap)):
        return False  # "110 baseline creatinine 80": the whole gap labels the next number
    if has_next and _LEADING_CURRENT.fullmatch(gap):
        return False  # "was 4.0 now 1.1": a word written before its value labels the next
    if not has_next or not re.match(r"\s*[,;(]", gap):
        return True
    return bool(re.match(r"\s*\)", gap[cue.end() :]))


def _merge(a: Measurement, b: Measurement) -> Measurement:
    """Two readings of one analyte (in two sentences): keep the first's figures, fill gaps."""

    def pick(x: object, y: object) -> object:
        return x if x is not None else y

    # A value keeps the unit written with it ("baseline 2.5 g. Now 500 mg"): the reading that
    # gives the value gives its unit.
    valued = a if a.value is not None or b.value is None else b
    based = a if a.baseline is not None or b.baseline is None else b
    return Measurement(
        a.analyte,
        valued.value,
        pick(valued.unit, b.unit if valued is a else a.unit),  # type: ignore[arg-type]
        based.baseline,
        pick(based.baseline_unit, based.unit if based.baseline is not None else None)  # type: ignore[arg-type]
        or (pick(a.unit, b.unit) if based.baseline is not None else None),
        pick(a.change_percent, b.change_percent),  # type: ignore[arg-type]
        pick(a.state, b.state),  # type: ignore[arg-type]
        f"{a.text}; {b.text}",
        pick(a.upper_normal, b.upper_normal),  # type: ignore[arg-type]
        a.name,
    )


def _text_between(sentences: list[str], first: tuple[int, int], second: tuple[int, int]) -> str:
    """The text from one position (sentence, offset) to a later one."""
    (i, a), (j, b) = first, second
    if i == j:
        return sentences[i][a:b]
    return " ".join([sentences[i][a:], *sentences[i + 1 : j], sentences[j][:b]])


def _series(part: str, values: list[_Num], roles: list[Role]) -> tuple[_Num, _Num | None] | None:
    """Three or more values told in the order they were taken ("from 350 at diagnosis to 120
    at month 3 and 40 at month 6", "80 → 110 → 130"): the last is the current value, the
    first the baseline when a cue says so or arrows lead from it (as for two values). None
    when two are set against each other ("vs") or a later one is called the baseline."""
    if any(_VS.match(part[a.end : b.start]) for a, b in pairwise(values)):
        return None
    if any(role is not None and role[0] == "baseline" for role in roles[1:]):
        return None
    first = roles[0]
    chained = all(_ARROW.match(part[a.end : b.start]) for a, b in pairwise(values))
    starts = chained or (first is not None and first[0] == "baseline")  # as "80 → 110" does
    return values[-1], (values[0] if starts else None)
