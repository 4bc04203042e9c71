"""Typed numeric findings (Facts) from one sentence of an abstract or a trial report.

`extract_facts(sentence)` returns what a sentence reports as findings, each as a `Fact`:

- ``proportion``: events/total and/or a percentage for one group ("46 of 100", "117/141",
  "83.0% (117/141)", "24 (45%) patients", "53% (n = 92)", "40.8% with X", a percentage
  in an "a vs b" comparison);
- ``effect``: an effect measure with its estimate, confidence interval and P value ("HR 0.74;
  95% CI 0.65 to 0.85", "odds ratio, 2.1 [95% CI, 1.2-3.4]", an unnamed estimate with a CI such
  as an area under the curve, or a P value that belongs to no other figure);
- ``percent``: a bare percentage not tied to a group;
- ``change``: how far a measurement moved, in percent ("fell by a mean of 32.9% with X"), which
  is no share of a group's patients, so it gives no rate to compare;
- ``share``: the groups' parts of one whole ("299 treated [157 (52.5%) in A; 142 (47.5%) in
  B]"): how a sample was divided, not a rate of each group.

Nothing here knows a field: groups come from general cues ("in the X group", "with X", "X arm",
"group A", "in X than in Y", "respectively" lists, a parenthesised label) and, when the caller
has them, from `known_groups` (arm names and aliases). Bare numbers (ages, years, doses, sample
sizes, reference numbers, thresholds such as "<33%", confidence levels) are not findings.

`group_pairs(facts)` pairs proportions (or, asked for, changes) of the same outcome for two
groups, in sentence order.
The sentence is normalised character for character (unicode minus and dashes, "·" as a decimal
point, odd spaces), so every `Fact.span` indexes the sentence exactly as given.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from itertools import pairwise
from typing import Any

from .numerals import TENS_WORDS, UNIT_WORDS

__all__ = ["MEASURES", "Fact", "extract_facts", "group_pairs"]

MEASURES = ("RD", "RR", "OR", "HR", "MD", "SMD", "ARR", "RRR", "IRR")


@dataclass(frozen=True)
class Fact:
    """One numeric finding of a sentence; `span` is the figure's text in the sentence."""

    kind: str  # "proportion" | "effect" | "percent" | "change" | "share"
    group: str | None = None
    outcome: str | None = None
    timepoint: str | None = None
    percent: float | None = None
    events: int | None = None
    total: int | None = None
    measure: str | None = None  # one of MEASURES or None
    estimate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    ci_level: float | None = None
    p_value: float | None = None
    p_relation: str | None = None  # "=", "<", ">", "<=", ">="
    span: tuple[int, int] = (0, 0)

    def to_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["span"] = list(self.span)
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Fact:
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in d.items() if k in names}
        if "span" in values:
            values["span"] = (int(values["span"][0]), int(values["span"][1]))
        return cls(**values)


def facts_of(metadata: Mapping[str, Any]) -> list[Fact]:
    """The facts extracted from a passage at ingest, as its metadata stores them."""
    return [Fact.from_dict(f) for f in metadata.get("facts") or []]


# ---------------------------------------------------------------- normalisation

_CHARS = str.maketrans(
    {
        "\u2212": "-", "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-",
        "\u2014": "-", "\ufe63": "-", "\uff0d": "-", "\u00a0": " ", "\u2002": " ",
        "\u2003": " ", "\u2009": " ", "\u200a": " ", "\u202f": " ", "\uff05": "%",
        "\u2264": "≤", "\u2265": "≥", "\u2a7d": "≤", "\u2a7e": "≥",
    }
)  # fmt: skip


def _normalise(sentence: str) -> str:
    """Same length as `sentence`, so offsets carry over unchanged."""
    text = sentence.translate(_CHARS)
    return re.sub(r"(?<=\d)[\u00b7\u2219\u22c5](?=\d)", ".", text)


# ---------------------------------------------------------------- number patterns

_NUM = r"(?:\d{1,3}(?:,\d{3})+(?!\d)(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
_INT = r"(?:\d{1,3}(?:,\d{3})+(?![\d.])|\d+(?![\d.]\d))"
_WORD_NUM = (
    r"(?i:\b(?:(?:" + "|".join(TENS_WORDS) + r")(?:[- ](?:" + "|".join(UNIT_WORDS[1:10]) + r"))?"
    r"|" + "|".join(sorted(UNIT_WORDS, key=len, reverse=True)) + r")\b)"
)
_COUNT = rf"(?:{_INT}|{_WORD_NUM}|(?i:\bnone\b))"
# People or events counted in words ("Seven patients in each group", "two deaths"): a sentence
# opening with a count spells it out, as style guides ask.
COUNTED_IN_WORDS = re.compile(
    rf"{_WORD_NUM}\s+(?:\w+\s+)?(?:patients?|participants?|people|persons?|subjects|adults|"
    r"children|women|men|deaths|events|cases)\b",
    re.I,
)


def _num(text: str) -> float:
    return float(text.replace(",", "").replace(" ", ""))


def _word_value(text: str) -> int | None:
    word = text.lower().replace(" ", "-")
    if word == "none":
        return 0
    parts = word.split("-")
    if parts[0] in TENS_WORDS:
        value = 20 + 10 * TENS_WORDS.index(parts[0])
        return value + (UNIT_WORDS.index(parts[1]) if len(parts) > 1 else 0)
    return UNIT_WORDS.index(parts[0]) if parts[0] in UNIT_WORDS else None


def _count_value(text: str) -> int | None:
    text = text.strip()
    if re.fullmatch(r"[\d, ]+", text):
        return int(text.replace(",", "").replace(" ", ""))
    return _word_value(text)


# Units and label words that make a number a measurement or a name, never a count.
_UNIT = (
    r"(?:mg|µg|μg|mcg|ng|g|kg|ml|mL|dl|dL|l|L|mmHg|mm|cm|m|km|min|mins|minutes?|s|sec|secs|h|hr|"
    r"hrs|hours?|days?|d|wk|wks|weeks?|mo|months?|y|yr|yrs|years?|IU|U|mmol|µmol|μmol|nmol|mol|"
    r"mEq|Gy|cGy|Hz|kHz|MHz|T|mSv|ms|msec|bpm|beats|breaths|doses?|tablets?|cycles?|sessions?|"
    r"person|persons|patient-years?|person-years?|PY|pt-yrs?|live|births|population|inhabitants|"
    r"cells|copies|x|×|°C|°|points?|cm2|m2|m²|kg/m2|kg/m²|µL|μL)"
)
_UNIT_AFTER = re.compile(rf"^\s*{_UNIT}(?![A-Za-z])")
_LABEL_BEFORE = re.compile(
    r"(?i:\b(?:group|groups|arm|grade|grades|stage|stages|type|types|phase|class|level|day|days|"
    r"week|weeks|month|months|year|years|visit|cycle|dose|score|scores|scale|ratio|version|"
    r"step|trial|study|figure|fig\.?|table|no\.?|number|aged?|ages|sample|n|nyha|asa|gcs|"
    r"titer|titre)\s*[:=]?\s*$)"
)


# ---------------------------------------------------------------- p values

_P_REL = r"(?:<\s*or\s*=|>\s*or\s*=|<\s*/\s*=|>\s*/\s*=|<=|>=|=<|=>|≤|≥|<|>|=|:|\bof\b|\bwas\b)"
_P = re.compile(
    r"(?<![A-Za-z0-9])[Pp](?:\s*-?\s*values?)?"
    r"(?:\s*(?:for\s+)?\(?(?:trend|interaction|heterogeneity)\)?)?"
    rf"\s*(?P<rel>{_P_REL})\s*(?P<val>{_NUM})(?!\s*%)"
    rf"(?P<more>(?:\s*,\s*(?:and\s+)?(?:{_P_REL}\s*)?{_NUM}(?!\s*%))*)"
)


_SIGNIFICANCE_LEVEL_BEFORE = re.compile(
    r"(?i:significan\w*\s+(?:level\s+(?:was\s+|is\s+|of\s+)?(?:set\s+)?(?:at\s+|as\s+)?"
    r"|(?:was\s+|is\s+)?(?:set|defined|considered|accepted|taken|assumed|established)\s+"
    r"(?:as\s+|at\s+|to\s+be\s+|when\s+|if\s+)?)(?:a\s+)?$"
    r"|(?:considered|regarded|deemed|defined\s+as|taken\s+as)\s+(?:statistically\s+)?"
    r"significan\w*\s+(?:at|if|when|for|with)\s+(?:a\s+)?$)"
)
_SIGNIFICANCE_LEVEL_AFTER = re.compile(
    r"\s*(?:was|were|is|are)\s+(?:considered|regarded|accepted|set|taken|defined|deemed|"
    r"chosen|used)\b"
)


def _p_relation(rel: str) -> str:
    rel = re.sub(r"\s+", "", rel)
    if rel in ("<or=", "</=", "<=", "=<", "≤"):
        return "<="
    if rel in (">or=", ">/=", ">=", "=>", "≥"):
        return ">="
    return rel if rel in ("<", ">") else "="


# ---------------------------------------------------------------- confidence intervals

_LEVEL = r"(?P<lvl>\d{2}(?:\.\d+)?)\s*(?:%|percent|per\s+cent)\s*"
_CI_WORD = (
    r"(?:CIs?\b|C\.I\.|(?i:confidence\s+(?:intervals?|limits?))|(?i:credible\s+intervals?)|CrI\b"
    r"|(?i:confidence\s+levels?)|(?i:uncertainty\s+intervals?)|UI\b)"
)
_RANGE = (
    rf"(?P<lo>[-+]?\s?{_NUM})\s*%?\s*(?:-|to|,|and|;)\s*(?P<hi>[-+]?\s?{_NUM})"
    r"\s*(?:%|percentage\s+points?)?"
)
_CI = re.compile(
    rf"(?:{_LEVEL})?{_CI_WORD}\s*(?:[\(\[]\s*(?:\d{{2}}\s*%\s*)?CIs?\s*[\)\]]\s*)?"
    r"(?:[,:=]|\bof\b|\bwas\b|\bwere\b|\bis\b|\bfrom\b|\branging\s+from\b)?\s*[\(\[]?\s*"
    rf"{_RANGE}"
)
_CI_LEVEL_ONLY = re.compile(rf"{_LEVEL}{_CI_WORD}")
_BARE_RANGE = re.compile(rf"\s*[,;]?\s*(?P<open>[\(\[])?\s*{_RANGE}\s*(?P<close>[\)\]])?")


def _signed(text: str) -> float:
    value = _num(text.replace(" ", "").lstrip("-+"))
    return -value if text.strip().startswith("-") else value


# ---------------------------------------------------------------- effect measures

_MEASURE_WORDS: list[tuple[str, str | None]] = [
    (r"(?i:standardi[sz]ed\s+mean\s+differences?)", "SMD"),
    (r"(?i:(?:weighted\s+)?mean\s+differences?)", "MD"),
    (r"(?i:incidence\s+rate\s+ratios?)", "IRR"),
    (r"(?i:rate\s+ratios?)", "IRR"),
    (r"(?i:(?:sub(?:distribution)?-?\s*)?hazards?\s+ratios?)", "HR"),
    (r"(?i:odds\s+ratios?)", "OR"),
    (r"(?i:relative\s+risk\s+reductions?)", "RRR"),
    (r"(?i:absolute\s+risk\s+reductions?)", "ARR"),
    (r"(?i:(?:absolute\s+)?risk\s+differences?)", "RD"),
    (r"(?i:absolute\s+differences?)", "RD"),
    (r"(?i:relative\s+risks?|risk\s+ratios?|prevalence\s+ratios?)", "RR"),
    (r"(?i:differences?)", None),
    (r"\b(?:SMD)\b", "SMD"),
    (r"\b(?:W?MD)\b", "MD"),
    (r"\b(?:a?IRR)\b", "IRR"),
    (r"\b(?:[as]?HRs?|AHR)\b", "HR"),
    (r"\b(?:a?ORs?|AOR)\b", "OR"),
    (r"\b(?:RRR)\b", "RRR"),
    (r"\b(?:ARR)\b", "ARR"),
    (r"\b(?:A?RD)\b", "RD"),
    (r"\b(?:a?RRs?)\b", "RR"),
]
_PLURAL_MEASURES = [
    (r"(?i:odds\s+ratios)\b|\ba?ORs\b", "OR"),
    (r"(?i:hazard\s+ratios)\b|\ba?HRs\b", "HR"),
    (r"(?i:relative\s+risks|risk\s+ratios)\b|\ba?RRs\b", "RR"),
    (r"(?i:rate\s+ratios)\b", "IRR"),
    (r"(?i:standardi[sz]ed\s+mean\s+differences)\b", "SMD"),
    (r"(?i:(?<!standardized )(?<!standardised )mean\s+differences)\b", "MD"),
]
_MEASURE_KW = "|".join(f"(?P<m{i}>{rx})" for i, (rx, _) in enumerate(_MEASURE_WORDS))
_EFFECT = re.compile(
    rf"(?:{_MEASURE_KW})"
    r"(?:\s*[\(\[](?:a|adj\.?\s*)?[A-Za-z]{1,4}s?[\)\]])?"
    r"(?:\s*[\(\[]\s*(?:\d{2}\s*%\s*)?CIs?\s*[\)\]])?"
    r"(?:\s+(?:for|of|in|between|comparing|with|among)\s+[^\d;:()=<>\[\]]{1,50}?)??"
    r"(?:\s*(?:[:=,]|\bof\b|\bwas\b|\bwere\b|\bis\b|\bwas\s+\w+\s+(?:at|as)\b))?\s*[\(\[]?\s*"
    rf"(?P<est>-?\s?{_NUM})(?P<pct>\s*(?:%|percentage\s+points?|percent\b))?"
)
_NOT_EFFECT_AFTER = re.compile(r"^\s*(?:/\s*min|breaths|bpm|beats|mm\s*Hg|mmHg|ms\b|msec|years?\b)")


# ---------------------------------------------------------------- percentages and counts

PERCENT = re.compile(
    rf"(?:(?<![\w.,])(?P<num>{_NUM})|(?P<word>{_WORD_NUM}))\s*(?:%|(?i:percent\b|per\s+cent\b))"
)
_CONCENTRATION_AFTER = re.compile(r"\s*(?:w/v|v/v|w/w|wt|vol\b|solution|gel\b|cream\b)")
_CONCENTRATION_BEFORE = re.compile(r"\d\s*(?:ml|mL|mg|µg|μg|mcg|g|l|L)\s+(?:of\s+)?$")
_THRESHOLD_BEFORE = re.compile(r"(?:[<>≤≥]\s*(?:or\s*=|/\s*=|=)?|=\s*[<>]|\bor\s*=)\s*-?$")
_FRAC = re.compile(rf"(?<![\w.,/:-])(?P<e>{_INT})\s*/\s*(?P<t>{_INT})(?![\w/]|\s*/|[.,]\d|\s*%)")
COUNT_OF = re.compile(
    rf"(?:(?<![\w.,/])[nN]\s*=\s*)?(?<![\w.,/])(?P<e>{_COUNT})\s+(?:out\s+)?of\s+"
    rf"(?:the\s+|all\s+|these\s+|those\s+)?(?P<t>{_COUNT})(?![\w.,]?\d)(?!\s*(?:%|percent))"
)
_N_EQ = re.compile(r"(?<![\w.])[nN]\s*=\s*(?P<e>\d{1,3}(?:[ ,]\d{3})+(?!\d)|\d+)(?![\d.])")
_INT_TOKEN = re.compile(rf"(?<![\w.,/:=<>≤≥-])(?P<e>{_INT})(?![\w/]|[.,]\d)|(?P<w>{_WORD_NUM})")


@dataclass
class _Fig:
    """A figure being assembled (mutable); becomes a Fact at the end."""

    kind: str  # "pct", "count", "n", "int", "effect"
    start: int
    end: int
    percent: float | None = None
    events: int | None = None
    total: int | None = None
    measure: str | None = None
    estimate: float | None = None
    ci: tuple[float, float, float | None] | None = None
    p: tuple[float, str] | None = None
    group: str | None = None
    compared: bool = False
    parts: list[str] = field(default_factory=list)

    @property
    def has_count(self) -> bool:
        return self.events is not None or self.total is not None


# ---------------------------------------------------------------- groups

_GROUP_NOUN = r"(?:groups?|arms?|cohorts?)"
_GENERIC = {
    "patients", "participants", "subjects", "cases", "individuals", "people", "persons",
    "those", "these", "all", "both", "each", "total", "overall", "them", "us", "this",
    "which", "whom", "the", "a", "an", "it", "study", "studies", "sample", "population",
}  # fmt: skip
_STOP = {
    "vs", "vs.", "versus", "v", "v.", "and", "or", "but", "compared", "than", "respectively",
    "who", "that", "which", "were", "was", "had", "have", "has", "is", "are", "be", "been",
    "at", "after", "before", "during", "in", "with", "of", "for", "on", "to", "from", "by",
    "whereas", "while", "p", "among", "between", "within", "without", "as", "when", "where",
    "did", "not", "no", "also", "only", "significantly", "respectively.", "including",
    "showed", "developed", "achieved", "experienced", "reported", "received",
}  # fmt: skip
_WORD_RX = re.compile(r"[A-Za-z0-9][\w\-+/'’]*")
_AFTER_CUE = re.compile(
    r"\s*(?:\[[^\[\]]*\]\s*|\([^()]*\)\s*)?"
    r"(?:(?:of|among)\s+(?:the\s+|all\s+)?(?:patients|participants|subjects|cases|individuals|"
    r"those|women|men|children|infants|eyes)\s+)?"
    r"(?:(?:who\s+were\s+|who\s+)?(?P<cue>in|with|for|on|among|receiving|under|using|taking|"
    r"given|treated\s+with|assigned\s+to|randomi[sz]ed\s+to|allocated\s+to)\s+)"
)
_FILLER = re.compile(
    r"^\s*(?:\[[^\[\]]*\]\s*|\([^()]*\)\s*)?(?:(?:of|in|among|with|for|on|receiving|patients|"
    r"participants|subjects|who|were|was|treated|assigned|to|randomi[sz]ed|allocated|cases|those|"
    r"women|men|children|eyes|infants|all)\s+)*$"
)
_COMPARE_PAIR = re.compile(
    r"(?i:\b(?:in|among|for|with|of)\s+(?:the\s+)?)(?P<a>[A-Za-z][\w\-+/' ]{0,40}?)"
    r"(?i:\s+(?:than|compared\s+(?:with|to)|vs\.?|versus|and)\s+(?:(?:in|among|for|with|of)\s+)?"
    r"(?:the\s+|those\s+)?)(?P<b>[A-Za-z][\w\-+/' ]{0,40}?)(?=\s*[,;:(\[]|\s+(?:groups?|arms?)\b"
    r"|\s+(?:was|were|had|showed|patients)\b|$)"
)


_COMPARE_WORDS = r"(?i:\bvs\b\.?|\bversus\b|\bv\b\.?|compared\s+(?:with|to)|\bagainst\b|\bthan\b)"
_NOT_LABEL = {
    "range", "iqr", "sd", "se", "sem", "mean", "median", "ci", "total", "approximately",
    "approx", "overall", "all", "p", "ns", "respectively", "each", "both", "unadjusted",
    "adjusted", "crude", "estimated", "expected", "predicted", "observed",
}  # fmt: skip


_PEOPLE = (
    r"(?:patients|participants|subjects|cases|controls|individuals|people|persons|women|men|"
    r"children|infants|neonates|newborns|adolescents|adults|boys|girls|mothers|fathers|parents|"
    r"sisters|brothers|daughters|sons|residents|recruits|students|workers|physicians|doctors|"
    r"nurses|surgeons|smokers|nonsmokers|non-smokers|drinkers|users|survivors|recipients|donors|"
    r"volunteers|employees|athletes|pupils|veterans|members|respondents|caregivers|carers|"
    r"responders|non-responders|nonresponders|elderly|pregnancies|eyes|females|males)"
)
_DETERMINERS = {"the", "all", "these", "those", "our", "both", "each", "such", "their", "other"}
_PEOPLE_PHRASE = rf"(?P<g>(?:[A-Za-z][\w\-]*\s+){{0,3}}?{_PEOPLE})\b"
_PEOPLE_AFTER = re.compile(rf"\s*(?:\([^()]*\)\s*)?(?i:of)\s+(?:the\s+)?{_PEOPLE_PHRASE}")
_PEOPLE_BEFORE = re.compile(rf"(?i:\b(?:among|in|for)\s+)(?:the\s+)?{_PEOPLE_PHRASE}")


@dataclass
class _Mention:
    start: int
    end: int
    text: str
    items: list[str] | None = None  # a coordinated list ("the A and B groups")


def _known_mentions(text: str, known: Sequence[str]) -> list[_Mention]:
    out: list[_Mention] = []
    for name in sorted({k.strip() for k in known if k and k.strip()}, key=len, reverse=True):
        flags = 0 if (len(name) <= 3 or name.isupper()) else re.IGNORECASE
        for m in re.finditer(rf"(?<![\w]){re.escape(name)}(?![\w])", text, flags):
            if not any(o.start <= m.start() < o.end for o in out):
                out.append(_Mention(m.start(), m.end(), m.group()))
    return out


def _group_noun_mentions(text: str) -> list[_Mention]:
    out: list[_Mention] = []
    for m in re.finditer(rf"\b{_GROUP_NOUN}\b", text):
        plural = m.group().endswith("s")
        words = list(_WORD_RX.finditer(text[: m.start()]))
        taken: list[re.Match[str]] = []
        for w in reversed(words):
            gap = text[w.end() : (taken[-1].start() if taken else m.start())]
            if gap.strip() not in ("", ",") or (gap.strip() == "," and not plural):
                break
            low = w.group().lower()
            if low == "the":
                taken.append(w)
                break
            if low in ("and", "or") and plural and taken:
                taken.append(w)
                continue
            if low in _STOP or low in _GENERIC or low in ("two", "three", "four", "both", "all"):
                break
            if re.fullmatch(r"\d+(?:\.\d+)?", low):
                break
            taken.append(w)
            if len([t for t in taken if t.group().lower() not in ("and", "or")]) >= 4:
                break
        while taken and taken[-1].group().lower() in ("and", "or"):
            taken.pop()
        core = [t for t in taken if t.group().lower() != "the"]
        if not core:
            continue
        start = taken[-1].start()
        mention = _Mention(start, m.end(), text[start : m.end()])
        if plural:
            inner = text[core[-1].start() : core[0].end()]
            items = [s for s in re.split(r"\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+", inner) if s]
            if len(items) >= 2:
                mention.items = items
        out.append(mention)
    for label in (r"[IVX]{1,4}", r"[A-Z]\d?", r"\d{1,2}"):
        for m in re.finditer(
            rf"\b[Gg]roups?\s+(?P<a>{label})\b(?![\-.]\d)"
            rf"(?P<rest>(?:\s*(?:,\s*(?:and\s+)?|and|or|vs\.?|versus)\s*(?:{label})\b(?![\-.]\d))*)",
            text,
        ):
            if any(o.start <= m.start() < o.end for o in out):
                continue
            if m.group("rest") and m.group().lower().startswith("groups"):
                items = re.findall(rf"\b{label}\b", m.group()[m.start("a") - m.start() :])
                out.append(_Mention(m.start(), m.end(), m.group(), [f"group {i}" for i in items]))
            else:
                end = m.end("a")
                out.append(_Mention(m.start(), end, text[m.start() : end]))
    return out


def _phrase_at(text: str, pos: int) -> tuple[int, int] | None:
    """A short group phrase starting at `pos`: up to 5 words, ending at a group noun or a stop."""
    words: list[re.Match[str]] = []
    cursor = pos
    for w in _WORD_RX.finditer(text, pos):
        if text[cursor : w.start()].strip():
            break
        low = w.group().lower().rstrip(".")
        if (
            low in _STOP
            or re.fullmatch(r"[\d.,]+", low)
            or re.fullmatch(r"\d+-(?:year|month|week|day)s?", low)
        ):
            break
        words.append(w)
        cursor = w.end()
        if re.fullmatch(_GROUP_NOUN, low) or len(words) >= 5:
            break
    while words and words[0].group().lower() in ("the", "a", "an"):
        words.pop(0)
    if not words or all(w.group().lower() in _GENERIC for w in words):
        return None
    if len(words) == 1 and (
        words[0].group().lower() in _GENERIC or re.fullmatch(_GROUP_NOUN, words[0].group().lower())
    ):
        return None
    return words[0].start(), words[-1].end()


def _clause_bounds(text: str) -> list[int]:
    """Offsets of top-level ';' (outside brackets): clause boundaries."""
    depth, out = 0, []
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif ch == ";" and depth == 0:
            out.append(i)
    return out


def _split_items(text: str) -> list[str]:
    text = re.sub(r"\([^()]*\)|\[[^\[\]]*\]", " ", text)
    text = re.sub(
        r"^\s*,?\s*(?:had|have|were|was|received|underwent|developed|showed)\s+", "", text
    )
    lead = re.match(r"^[^,;]*?\b(?:in|for|with|among|of|on|by|between|receiving)\s+", text)
    if lead and len(lead.group().split()) <= 4:
        text = text[lead.end() :]
    text = re.sub(
        r"^\s*(?:,\s*)?(?:(?:in|for|with|among|of|on|between|receiving|by)\s+)?", "", text
    )
    text = re.sub(r"^(?:the|those)\s+", "", text)
    text = re.sub(rf"[\s,]*(?:{_GROUP_NOUN}|patients)?[\s,]*$", "", text)
    items = [
        s.strip() for s in re.split(r"\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or|vs\.?|versus)\s+", text)
    ]
    items = [re.sub(r"^(?:the|those|in|with|for)\s+", "", s) for s in items if s]
    if len(items) < 2 or any(re.search(r"\d", s) and not re.search(r"[A-Za-z]", s) for s in items):
        return []
    if any(len(s.split()) > 5 for s in items):
        return []
    return items


# ---------------------------------------------------------------- outcome and time point

_TIMEPOINT = re.compile(
    r"(?i:\b(?:(?:at|after|by|within|during|through|up\s+to|in\s+the\s+first)\s+"
    r"(?:the\s+)?(?:end\s+of\s+)?(?:(?:week|month|day|year)\s+\d+|(?:\d+(?:\.\d+)?|one|two|three|"
    r"four|five|six|seven|eight|nine|ten|twelve|eighteen|twenty-four)[\s-](?:days?|weeks?|"
    r"months?|years?)(?:\s+(?:of\s+)?follow-up)?)|\d+(?:\.\d+)?-(?:day|week|month|year)\b"
    r"(?:\s+follow-up)?))"
)
_OUTCOME_RX = [
    re.compile(
        r"(?i:\b(?:rates?|incidence|prevalence|proportion|percentage|frequency|occurrence|risk)"
        r"\s+of\s+)(?P<o>[A-Za-z][\w\-' ]{2,50}?)(?=\s+(?:was|were|is|are|in|among|at|for|"
        r"decreased|increased|did|differed|reached|ranged|of|with|after)\b|\s*[,;(:]|$)"
    ),
    re.compile(
        r"(?P<o>\b[A-Za-z][\w\-']*(?:\s+[A-Za-z][\w\-']*){0,4}?)\s+(?i:rates?|incidence|"
        r"prevalence|risk)\s+(?i:was|were|is|are|of|in|at|decreased|increased|reached)\b"
    ),
    re.compile(
        r"(?P<o>\b[A-Za-z][\w\-']*(?:\s+[A-Za-z][\w\-']*){0,4}?)\s+(?i:occurred|was\s+observed|"
        r"were\s+observed|was\s+reported|were\s+reported|was\s+seen|were\s+seen|was\s+found|"
        r"was\s+present|developed|was\s+achieved|was\s+noted|were\s+noted)\s+(?i:in|among)\b"
    ),
    re.compile(
        r"(?i:\b(?:had|developed|experienced|achieved|reported|showed|required)\s+(?:an?\s+)?)"
        r"(?P<o>[a-z][\w\-' ]{2,50}?)(?=\s*[,;(.]|\s+(?:in|at|compared|vs|versus|than|and|"
        r"after|with|during|within)\b|$)"
    ),
]
_OUTCOME_DROP = re.compile(
    r"^(?i:(?:the|a|an|overall|total|mean|median|all|these|their|our|higher|lower|greater|"
    r"increased|decreased|reduced|significantly|significant|similar|estimated|cumulative)\s+)+|"
    r"(?i:\s+(?:rates?|incidence|prevalence|proportions?|percentages?))$"
)
_BAD_OUTCOME = {
    "patients", "participants", "subjects", "cases", "total", "the study", "this study", "we",
    "there", "it", "they", "these", "those", "results", "analysis", "data",
}  # fmt: skip


def _clean_outcome(text: str) -> str | None:
    text = text.strip(" ,;:")
    prev = None
    while prev != text:
        prev = text
        text = _OUTCOME_DROP.sub("", text).strip(" ,;:")
    if not text or len(text) < 3 or text.lower() in _BAD_OUTCOME or re.search(r"\d", text):
        return None
    if text.split()[0].lower() in ("this", "that", "these", "those", "the", "a", "an", "it"):
        return None
    if re.search(r"(?i:\b(?:odds|hazards?|risk|rate)\s+ratios?$|^(?:odds|hazard)\b)", text):
        return None
    if text.split()[0].lower() in _STOP or text.split()[-1].lower() in _STOP:
        return None
    return text


# ---------------------------------------------------------------- the extractor


def extract_facts(sentence: str, known_groups: Sequence[str] = ()) -> list[Fact]:
    """The numeric findings of one sentence, in sentence order."""
    text = _normalise(sentence)
    if not re.search(r"\d|%|(?i:percent)", text):
        return []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    # P values first: their numbers are never anything else.
    pvals: list[tuple[int, int, float, str]] = []
    for m in _P.finditer(text):
        if _SIGNIFICANCE_LEVEL_BEFORE.search(text[max(0, m.start() - 60) : m.start()]) or (
            _SIGNIFICANCE_LEVEL_AFTER.match(text, m.end())
        ):
            taken.append((m.start(), m.end()))
            continue  # "considered significant at P < 0.05": a design choice, not a finding
        pvals.append((m.start(), m.end("val"), _num(m.group("val")), _p_relation(m.group("rel"))))
        more = m.group("more")
        if more:
            offset = m.start("more")
            for extra in re.finditer(rf"(?P<rel>{_P_REL})?\s*(?P<val>{_NUM})", more):
                rel = _p_relation(extra.group("rel")) if extra.group("rel") else "="
                pvals.append(
                    (offset + extra.start(), offset + extra.end(), _num(extra["val"]), rel)
                )
        taken.append((m.start(), m.end()))

    levels = [float(m.group("lvl")) for m in _CI_LEVEL_ONLY.finditer(text)]
    default_level = levels[0] if levels else None

    # Confidence intervals (labelled), kept for attaching to an estimate.
    cis: list[tuple[int, int, float, float, float | None]] = []
    for m in _CI.finditer(text):
        level = float(m.group("lvl")) if m.group("lvl") else default_level
        cis.append((m.start(), m.end(), _signed(m["lo"]), _signed(m["hi"]), level))
    ci_used: set[int] = set()

    figs: list[_Fig] = []

    # Effect measures with their estimate (and the CI that follows it).
    for m in _EFFECT.finditer(text):
        if not free(m.start("est"), m.end("est")) or _in_ci(m.start("est"), cis):
            continue
        idx = next(i for i in range(len(_MEASURE_WORDS)) if m.group(f"m{i}") is not None)
        measure = _MEASURE_WORDS[idx][1]
        after = text[m.end() :]
        if _NOT_EFFECT_AFTER.match(after):
            continue
        if measure is None:
            between = text[m.end(f"m{idx}") : m.start("est")]
            if re.search(r"[A-Za-z]", re.sub(r"\b(?:of|was|is|were)\b", "", between)):
                continue
            if not (m.group("pct") or re.search(r"\bCI\b|confidence", after[:40])):
                continue
            measure = "RD" if m.group("pct") else None
        fig = _Fig("effect", m.start(), m.end(), measure=measure, estimate=_signed(m["est"]))
        _attach_ci(fig, text, cis, ci_used, pvals, default_level, bare_ok=True)
        figs.append(fig)
        taken.append((fig.start, fig.end))
    for i, (ci_start, ci_end, *_rest) in enumerate(cis):
        if i not in ci_used:
            taken.append((ci_start, ci_end))

    # Percentages (not confidence levels, not thresholds), fractions, "n of N", "n = k".
    tokens: list[_Fig] = []
    for m in PERCENT.finditer(text):
        if not free(m.start(), m.end()):
            continue
        if re.match(rf"\s*{_CI_WORD}", text[m.end() :]):
            continue
        if re.match(r"\s*(?i:percentage\s+points?)", text[m.end() - 1 :]):
            continue
        if _THRESHOLD_BEFORE.search(text[max(0, m.start() - 8) : m.start()]):
            continue
        if _in_descriptor(text, m.start()):
            continue
        if re.search(r"(?:±|\+\s*/\s*-|\bSD\s*[:=]?)\s*$", text[max(0, m.start() - 6) : m.start()]):
            continue  # "29% ± 14%": a standard deviation
        if _CONCENTRATION_AFTER.match(text, m.end()) or _CONCENTRATION_BEFORE.search(
            text[max(0, m.start() - 14) : m.start()]
        ):
            continue  # "0.5% solution", "10 ml 0.9% ...": a concentration
        if m.group("num") is not None:
            value = _num(m.group("num"))
            if (
                m.start() > 0
                and text[m.start() - 1] == "-"
                and (
                    m.start() == 1
                    or text[m.start() - 2] in "([=:"
                    or sentence[m.start() - 1] == "\u2212"
                )
            ):
                value = -value
        else:
            value = float(_word_value(m.group("word")) or 0)
        tokens.append(_Fig("pct", m.start(), m.end(), percent=value))
        _shared_unit(text, m.start(), tokens, free)
    for m in _FRAC.finditer(text):
        if not free(m.start(), m.end()) or _overlaps(m.start(), m.end(), tokens):
            continue
        ev, tot = _count_value(m["e"]), _count_value(m["t"])
        if ev is None or tot is None or not _plausible_count(text, m.start(), m.end(), ev, tot):
            continue
        tokens.append(_Fig("count", m.start(), m.end(), events=ev, total=tot))
    for m in COUNT_OF.finditer(text):
        if not free(m.start(), m.end()) or _overlaps(m.start(), m.end(), tokens):
            continue
        ev, tot = _count_value(m["e"]), _count_value(m["t"])
        if ev is None or tot is None or not _plausible_count(text, m.start(), m.end(), ev, tot):
            continue
        if _word_value(m["t"]) is not None and (
            tot < 3
            or re.search(
                r"(?i:\b(?:into|to|as|is|was)\s+)$", text[max(0, m.start() - 8) : m.start()]
            )
        ):
            continue  # "randomised into one of four arms"
        tokens.append(_Fig("count", m.start(), m.end(), events=ev, total=tot))
    for m in _N_EQ.finditer(text):
        if free(m.start(), m.end()) and not _overlaps(m.start(), m.end(), tokens):
            tokens.append(_Fig("n", m.start(), m.end(), events=_count_value(m["e"])))
    for m in _INT_TOKEN.finditer(text):
        if not free(m.start(), m.end()) or _overlaps(m.start(), m.end(), tokens):
            continue
        if _LABEL_BEFORE.search(text[max(0, m.start() - 12) : m.start()]):
            continue
        word_before = re.search(
            r"([A-Za-z][A-Za-z\-]*)\s+$", text[max(0, m.start() - 30) : m.start()]
        )
        if m.group("e") and word_before and not _counts_after(word_before.group(1)):
            continue  # "type 9 (6.7%)": a name with a number, not a count
        count = _count_value(m.group())
        if count is not None:
            tokens.append(_Fig("int", m.start(), m.end(), events=count))
    tokens.sort(key=lambda f: f.start)

    for fig in _merge(text, tokens):
        if fig.kind in ("n", "int"):
            continue  # a bare count is not a finding
        figs.append(fig)

    # Remaining labelled CIs: attach to the estimate just before them.
    for i, (s, e, lo, hi, level) in enumerate(cis):
        if i in ci_used:
            continue
        host = _host_before(text, s, figs, pvals)
        if host is not None and host.ci is None:
            host.ci = (lo, hi, level)
            host.end = max(host.end, e)
            continue
        est = _estimate_before(text, s, pvals)
        start = est[0] if est else s
        owner = next((f for f in figs if f.start <= start < f.end), None)
        if owner is not None:
            if owner.kind == "effect" and owner.ci is None:
                owner.ci = (lo, hi, level)
                owner.end = max(owner.end, e)
            continue
        measure = _measure_near(text, start, e) or _measure_of_list(text, start, figs)
        figs.append(
            _Fig("effect", start, e, measure=measure, estimate=est[1] if est else None,
                 ci=(lo, hi, level))
        )  # fmt: skip
    # Unlabelled "(a-b%)" after a percentage, when the sentence labels its intervals elsewhere.
    if levels or cis:
        for fig in figs:
            if fig.kind in ("pct", "count") and fig.percent is not None and fig.ci is None:
                bare = _BARE_RANGE.match(text, fig.end)
                if bare and bare.group("open") and "%" in bare.group():
                    lo, hi = _signed(bare["lo"]), _signed(bare["hi"])
                    if lo <= fig.percent <= hi:
                        fig.ci = (lo, hi, default_level)
                        fig.end = bare.end()
        figs = [f for f in figs if not any(o is not f and o.start < f.start and f.end <= o.end
                                           for o in figs)]  # fmt: skip

    figs.sort(key=lambda f: f.start)
    _attach_p(text, figs, pvals)
    _assign_groups(text, figs, known_groups)
    changes = _changes(text, figs)
    return _shares([_to_fact(text, fig, figs, i in changes) for i, fig in enumerate(figs)])


_FUNCTION_WORDS = {
    "in", "of", "and", "or", "with", "were", "was", "to", "for", "by", "among", "from", "than",
    "vs", "versus", "v", "including", "had", "have", "has", "only", "all", "remaining", "another",
    "additional", "total", "whom", "which", "these", "those", "them", "that", "are", "is", "be",
    "at", "on", "but", "while", "whereas", "where", "when", "further", "other", "some", "just",
    "nearly", "almost", "about", "approximately", "around", "over", "under",
    "least", "most", "more", "less", "fewer", "still", "also", "then", "both", "each", "every",
    "respectively", "compared", "between", "within", "into", "as", "via", "per", "showed",
    "reached", "comprised", "included", "got", "gave", "made", "did", "do", "does", "became",
    "achieve", "achieving", "need", "needing", "requiring", "having", "showing", "being",
}  # fmt: skip


def _counts_after(word: str) -> bool:
    """Can a count follow this word ("in 24 (45%)", "developed 24 (45%)")? Not "type 9 (...)"."""
    low = word.lower()
    return low in _FUNCTION_WORDS or low.endswith("ed") or low.endswith("ing")


def _in_descriptor(text: str, pos: int) -> bool:
    """Inside "(range 75%-86%)", "(IQR ...)": a description of spread, not a finding."""
    opened = text.rfind("(", 0, pos)
    if opened < 0 or text.find(")", opened, pos) >= 0:
        return False
    return bool(
        re.match(r"\(\s*(?i:range|iqr|interquartile|min(?:imum)?\s*[-–]|sd\b)", text[opened:])
    )


def _shared_unit(text: str, pos: int, tokens: list[_Fig], free: Any) -> None:
    """ "59.1 and 62.1 %", "10, 12 and 15%": the earlier numbers share the "%"."""
    first = True
    while True:
        joiner = r"\s+(?:and|or|vs\.?|versus)\s+" if first else r"\s*,\s*|\s+(?:and|or)\s+"
        m = re.search(rf"(?<![\w.,])(?P<num>{_NUM})(?:{joiner})$", text[:pos])
        if not m or not free(m.start(), m.end("num")) or _overlaps(m.start(), m.end(), tokens):
            return
        if _THRESHOLD_BEFORE.search(text[max(0, m.start() - 8) : m.start()]):
            return
        if re.search(r"(?:=|\b[nN]|±|/)\s*$", text[max(0, m.start() - 6) : m.start()]):
            return
        first = False
        tokens.append(_Fig("pct", m.start(), m.end("num"), percent=_num(m["num"])))
        pos = m.start()


def _measure_of_list(text: str, start: int, figs: list[_Fig]) -> str | None:
    """An estimate in a list after "odds ratios were 0.58 (...), 0.45 (...)" shares its measure."""
    before = [f for f in figs if f.kind == "effect" and f.end <= start and f.measure]
    if before and re.fullmatch(r"[\s,;)\]]*(?:and|or)?\s*", text[before[-1].end : start]):
        return before[-1].measure
    clause = text[max([b for b in _clause_bounds(text) if b < start], default=-1) + 1 : start]
    found = [(m.start(), code) for rx, code in _PLURAL_MEASURES for m in re.finditer(rx, clause)]
    return max(found)[1] if found else None


def _in_ci(pos: int, cis: list[tuple[int, int, float, float, float | None]]) -> bool:
    return any(s <= pos < e for s, e, *_ in cis)


def _overlaps(a: int, b: int, figs: Sequence[_Fig]) -> bool:
    return any(not (b <= f.start or a >= f.end) for f in figs)


def _plausible_count(text: str, start: int, end: int, events: int, total: int) -> bool:
    if events > total or total < 2:
        return False
    if 1900 <= events <= 2100 and 1900 <= total <= 2100:
        return False  # years
    if _UNIT_AFTER.match(text[end:]):
        return False
    before = text[max(0, start - 14) : start]
    if re.search(
        r"(?i:ratio|score|scale|grade|stage|class|dose|doses|dosage|titer|titre)\s*(?:of|was|=|:)?\s*$",
        before,
    ):
        return False
    return not re.search(r"\d\s*[/:]\s*$|[/:]$", before)


def _attach_ci(
    fig: _Fig,
    text: str,
    cis: list[tuple[int, int, float, float, float | None]],
    used: set[int],
    pvals: list[tuple[int, int, float, str]],
    default_level: float | None,
    bare_ok: bool,
) -> None:
    for i, (s, e, lo, hi, level) in enumerate(cis):
        if i in used or s < fig.end:
            continue
        gap = _strip_p(text, fig.end, s, pvals)
        if re.fullmatch(r"[\s,;:(\[]*(?:(?i:adjusted|unadjusted))?[\s,;:(\[]*", gap):
            fig.ci = (lo, hi, level)
            fig.end = e
            used.add(i)
            return
        break
    if bare_ok and fig.estimate is not None:
        bare = _BARE_RANGE.match(text, fig.end)
        if bare:
            lo, hi = _signed(bare["lo"]), _signed(bare["hi"])
            sep_ok = bare.group("open") or re.search(r"\bto\b|-", bare.group()[1:])
            if sep_ok and lo <= fig.estimate <= hi and lo < hi:
                fig.ci = (lo, hi, default_level)
                fig.end = bare.end()


def _strip_p(text: str, a: int, b: int, pvals: list[tuple[int, int, float, str]]) -> str:
    chars = list(text[a:b])
    for s, e, *_ in pvals:
        for k in range(max(s, a), min(e, b)):
            chars[k - a] = " "
    return "".join(chars)


def _host_before(
    text: str, ci_start: int, figs: list[_Fig], pvals: list[tuple[int, int, float, str]]
) -> _Fig | None:
    """A percentage or proportion ending right before a CI ("76.3% (95% CI, 65.4-87.1%)")."""
    best = None
    for fig in figs:
        if fig.end <= ci_start and fig.percent is not None and fig.kind != "effect":
            gap = _strip_p(text, fig.end, ci_start, pvals)
            if re.fullmatch(r"[\s,;:(\[]*", gap):
                best = fig
    return best


def _estimate_before(
    text: str, ci_start: int, pvals: list[tuple[int, int, float, str]]
) -> tuple[int, float] | None:
    """The number right before an interval, with at most a unit word between them."""
    head = _strip_p(text, max(0, ci_start - 60), ci_start, pvals)
    m = re.search(
        rf"(?P<num>-?{_NUM})\s*(?:%|percentage\s+points?|[A-Za-zµμ/²]{{1,12}}(?:/[A-Za-z0-9²]+)?)?"
        r"[\s,;:(\[]*$",
        head,
    )
    if not m:
        return None
    num = m.group("num")
    prefix = head[: m.start()]
    if num.startswith("-") and prefix[-1:].isalnum():
        num = num[1:]
    return max(0, ci_start - 60) + m.start("num") + (len(m.group("num")) - len(num)), _signed(num)


def _measure_near(text: str, start: int, end: int) -> str | None:
    window = text[max(0, start - 40) : end]
    if re.search(r"(?i:standardi[sz]ed\s+mean\s+difference)", window):
        return "SMD"
    if re.search(r"(?i:mean\s+difference)", window):
        return "MD"
    if re.search(r"(?i:difference)", window) and re.search(r"%|(?i:percentage\s+point)", window):
        return "RD"
    return None


def _merge(text: str, tokens: list[_Fig]) -> list[_Fig]:
    """Join a count and a percentage written as one figure ("117/141 (83%)", "24 (45%)")."""
    out: list[_Fig] = []
    i = 0
    while i < len(tokens):
        a = tokens[i]
        b = tokens[i + 1] if i + 1 < len(tokens) else None
        if b is not None and _joins(text, a, b):
            pct, cnt = (a, b) if a.kind == "pct" else (b, a)
            merged = _Fig(
                "count", a.start, b.end, percent=pct.percent, events=cnt.events, total=cnt.total
            )
            if text[b.end : b.end + 1] in ")]" and text[a.end : b.start].strip().endswith(
                ("(", "[")
            ):
                merged.end = b.end + 1
            out.append(merged)
            i += 2
            continue
        if a.kind == "pct":
            tail = re.match(rf"\s+of\s+(?:the\s+|all\s+)?(?P<t>{_INT})(?![\w.,]?\d)", text[a.end :])
            if tail and not _UNIT_AFTER.match(text[a.end + tail.end() :]):
                a = _Fig(
                    "count",
                    a.start,
                    a.end + tail.end(),
                    percent=a.percent,
                    total=_count_value(tail["t"]),
                )
        out.append(a)
        i += 1
    for fig in out:
        _complete_total(text, fig)
    return _late_percent(text, out)


def _joins(text: str, a: _Fig, b: _Fig) -> bool:
    kinds = {a.kind, b.kind}
    if "pct" not in kinds or len(kinds) != 2 or "effect" in kinds:
        return False
    gap = text[a.end : b.start]
    other = b if a.kind == "pct" else a
    if other.kind == "count":
        if re.fullmatch(r"\s*[;,]\s*", gap) and _depth(text, a.end) > 0:
            return True  # "(9.3%; 22 of 235)", "(n = 8 of 152, 5%)"
        if a.kind == "pct":
            return bool(re.fullmatch(r"\s*(?:of\s+(?:the\s+)?\w+\s*)?[\(\[]\s*", gap))
        return bool(re.fullmatch(r"\s*[\(\[]\s*", gap))
    if other.kind == "n":
        return bool(re.fullmatch(r"\s*[\(\[]\s*" if a.kind == "pct" else r"\s*[\(\[,]\s*", gap))
    # a bare integer: "24 (45%)", "Two patients (4%)", "45% (24)"
    if a.kind == "int":
        m = re.fullmatch(r"\s*(?P<w>(?:[A-Za-z][A-Za-z-]*\s+){0,2}?)[\(\[]\s*", gap)
        if not m:
            return False
        words = m.group("w").split()
        if any(w.lower() in _STOP or _UNIT_AFTER.match(w) for w in words):
            return False
        return bool(re.match(r"\s*[\)\],;]", text[b.end :]))
    return (
        bool(re.fullmatch(r"\s*[\(\[]\s*", gap))
        and bool(re.match(r"\s*(?:[a-z]{3,}\s*)?[\)\]]", text[b.end :]))
        and not _UNIT_AFTER.match(text[b.end :])
    )


def _depth(text: str, pos: int) -> int:
    depth = 0
    for ch in text[:pos]:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
    return depth


_NO_LATE_MERGE = r"\d|\b(?:and|vs|versus|compared|whereas|while)\b"


def _late_percent(text: str, figs: list[_Fig]) -> list[_Fig]:
    """ "8 of 59 insertions were unsuccessful (13.6%)": a count and, later in its clause, the
    percentage it gives (checked against events/total) are one figure."""
    out: list[_Fig] = []
    bounds = _clause_bounds(text)
    i = 0
    while i < len(figs):
        a = figs[i]
        b = figs[i + 1] if i + 1 < len(figs) else None
        if (
            b is not None
            and a.kind == "count" and a.percent is None and a.events is not None and a.total
            and b.kind == "pct"
            and not any(a.end <= x < b.start for x in bounds)
            and len(text[a.end : b.start]) <= 80
            and not re.search(_NO_LATE_MERGE, text[a.end : b.start])
            and re.search(r"[A-Za-z]\s*[\(\[]\s*$", text[a.end : b.start])
            and b.percent is not None
            and _consistent(a.events, a.total, b.percent, text, b)
        ):  # fmt: skip
            end = b.end + (1 if text[b.end : b.end + 1] == ")" else 0)
            out.append(
                _Fig("count", a.start, end, percent=b.percent, events=a.events, total=a.total)
            )
            i += 2
            continue
        out.append(a)
        i += 1
    return out


def _complete_total(text: str, fig: _Fig) -> None:
    """Find the denominator of "24 (45%)" in "Of 53 patients, 24 (45%) ..." or "... of 8"."""
    if fig.kind != "count" or fig.events is None or fig.total is not None or fig.percent is None:
        return
    tail = re.match(
        rf"\s*(?:\w+\s+)?of\s+(?:the\s+|all\s+|these\s+)?(?P<t>{_INT})(?![\w.,]?\d)",
        text[fig.end :],
    )
    candidates: list[int] = []
    if tail:
        candidates.append(int(tail["t"].replace(",", "")))
    head = text[: fig.start]
    for m in re.finditer(
        rf"(?i:\b(?:of|among|in)\s+(?:the\s+|these\s+|all\s+)?)(?P<t>{_INT})\b", head
    ):
        candidates.append(int(m["t"].replace(",", "")))
    for m in re.finditer(
        rf"(?<![\w.,])(?P<t>{_INT})(?:\s+[\w\-]+){{0,8}}?,?\s+(?i:of\s+(?:whom|which|these|those|them))\b",
        head,
    ):
        candidates.append(int(m["t"].replace(",", "")))
    for total in candidates:
        if total >= max(fig.events, 1) and _consistent(fig.events, total, fig.percent, text, fig):
            fig.total = total
            if tail and total == int(tail["t"].replace(",", "")):
                fig.end += tail.end()
            return


def derived_total(events: int, percent: float, decimals: int) -> int | None:
    """The denominator of "29 patients (18.5%)" when the sentence gives none: the one whole
    number of people for which `events` rounds to `percent` as written (with `decimals` places),
    as reviewers work a total back from a count and its percentage. None when several totals
    fit (an integer percentage of a large group rarely pins one down) or none does."""
    half = 0.5 * 10**-decimals
    if events <= 0 or not half < percent <= 100:
        return None
    low = math.ceil(100 * events / (percent + half))
    high = math.floor(100 * events / (percent - half))
    fits = [n for n in range(max(low, events), high + 1)
            if abs(100 * events / n - percent) <= half + 1e-9]  # fmt: skip
    return fits[0] if len(fits) == 1 else None


def _consistent(events: int, total: int, percent: float, text: str, fig: _Fig) -> bool:
    written = text[fig.start : fig.end]
    m = re.search(r"(\d+(?:\.(\d+))?)\s*%", written)
    decimals = len(m.group(2) or "") if m else 0
    return abs(100.0 * events / total - percent) <= 0.5 * 10**-decimals + 1e-9


def _attach_p(text: str, figs: list[_Fig], pvals: list[tuple[int, int, float, str]]) -> None:
    bounds = _clause_bounds(text)
    previous = 0
    new: list[_Fig] = []
    for s, e, value, rel in sorted(pvals):
        clause = max([b for b in bounds if b < s], default=-1) + 1
        lower = max(previous, clause)
        hosts = [f for f in figs if f.p is None and f.start >= lower and f.end <= s]
        hosts += [
            f for f in figs if f.p is None and f.start < s and f.end >= e
        ]  # P inside an effect
        ahead = [f for f in figs if f.p is None and f.start >= e]
        if not hosts and ahead and re.fullmatch(r"\s*[,;]\s*", text[e : ahead[0].start]):
            hosts = [ahead[0]]  # "(p = 0.0001, OR = 10.6 [3.3-34.0])"
        if hosts:
            for f in hosts:
                f.p = (value, rel)
        else:
            new.append(_Fig("effect", s, e, p=(value, rel)))
        previous = e
    figs.extend(new)
    figs.sort(key=lambda f: f.start)


# ---------------------------------------------------------------- group attribution


def _assign_groups(text: str, figs: list[_Fig], known: Sequence[str]) -> None:
    props = [f for f in figs if f.kind in ("pct", "count")]
    if not props:
        return
    mentions = _known_mentions(text, known)
    for m in _group_noun_mentions(text):
        if not any(o.start <= m.start < o.end or m.start <= o.start < m.end for o in mentions):
            mentions.append(m)
        elif m.items and known:
            mentions = [o for o in mentions if not (m.start <= o.start < m.end)] + [m]
    mentions = [
        m for m in mentions
        if not any(f.start < m.end and m.start < f.end and not f.start < m.start < m.end < f.end
                   for f in figs)
    ]  # fmt: skip
    mentions.sort(key=lambda m: m.start)
    bounds = _clause_bounds(text)
    done: set[int] = set()

    # Coordinated lists: "83.0% (117/141) and 75.2% (103/137) in the A and B groups, respectively".
    for resp in re.finditer(r"(?i:\brespectively\b)", text):
        clause = max([b for b in bounds if b < resp.start()], default=-1) + 1
        run = [
            f for f in props if f.start >= clause and f.end <= resp.start() and id(f) not in done
        ]
        if len(run) < 2:
            continue
        items = _split_items(text[run[-1].end : resp.start()])
        if not items:
            listed = [
                m for m in mentions if m.items and m.start >= run[-1].end and m.end <= resp.start()
            ]
            items = (listed[0].items or []) if listed else []
        if not items:
            before = [m for m in mentions if clause <= m.start and m.end <= run[0].start]
            lists = [m for m in before if m.items]
            if lists:
                items = lists[-1].items or []
            elif len({m.text.lower() for m in before}) >= 2:
                items = [m.text for m in before]
            else:
                pair = list(_COMPARE_PAIR.finditer(text[clause : run[0].start]))
                items = [pair[-1]["a"], pair[-1]["b"]] if pair else []
        if items and len(run) % len(items) == 0:
            for k, f in enumerate(run):
                f.group = items[k % len(items)]
                done.add(id(f))

    # Lists without "respectively": "5% and 9% in the A and B groups".
    for m in mentions:
        if not m.items:
            continue
        clause = max([b for b in bounds if b < m.start], default=-1) + 1
        run = [f for f in props if clause <= f.start and f.end <= m.start]
        run = [f for f in run if id(f) not in done][-len(m.items) :]
        if len(run) == len(m.items) and _FILLER.match(text[run[-1].end : m.start]) is not None:
            for f, item in zip(run, m.items, strict=True):
                f.group = item
                done.add(id(f))

    # Comparisons: "a vs b" marks both as belonging to a group (named or not).
    for a, b in pairwise(props):
        gap = text[a.end : b.start]
        if len(gap) < 90 and re.search(_COMPARE_WORDS, gap):
            a.compared = b.compared = True

    for f in props:
        if id(f) in done:
            continue
        f.group = _nearest_group(text, f, props, mentions, bounds)

    # An unattributed "a vs b" pair after "in X than in Y" / two group mentions. The nearest
    # group before `a` is the comparison's second group ("lower in X than in Y (a vs b)"),
    # not a's own: it does not keep the pair from being read in the comparison's order.
    for a, b in pairwise(props):
        if not (a.compared and b.compared) or b.group:
            continue
        clause = max([x for x in bounds if x < a.start], default=-1) + 1
        before = [m for m in mentions if clause <= m.start and m.end <= a.start and not m.items]
        if a.group and not (before and a.group == before[-1].text):
            continue
        pairs = list(_COMPARE_PAIR.finditer(text, clause, a.start))
        if pairs:
            a.group, b.group = pairs[-1]["a"].strip(), pairs[-1]["b"].strip()
        elif len(before) >= 2 and before[-2].text.lower() != before[-1].text.lower():
            a.group, b.group = before[-2].text, before[-1].text


def _nearest_group(
    text: str, fig: _Fig, props: list[_Fig], mentions: list[_Mention], bounds: list[int]
) -> str | None:
    idx = props.index(fig)
    nxt = props[idx + 1].start if idx + 1 < len(props) else len(text)
    prv = props[idx - 1].end if idx > 0 else 0
    clause_start = max([b for b in bounds if b < fig.start], default=-1) + 1
    clause_end = min([b for b in bounds if b >= fig.end], default=len(text))
    after_end = min(nxt, clause_end)
    inside = [m for m in mentions if fig.start < m.start and m.end < fig.end and not m.items]
    if inside:  # "17 of the 58 patients in the X group (29.3%)"
        return inside[0].text
    after = [m for m in mentions if fig.end <= m.start < after_end]
    # 1. a mention right after the figure ("... 40% in the X group", "(EBP)")
    for m in after:
        if _FILLER.match(text[fig.end : m.start]) is not None:
            return m.text
    # 2. a cue phrase right after the figure ("40.8% with X", "22% for Y")
    label = re.match(r"\s*\((?P<g>[A-Za-z][A-Za-z0-9\-+/ .']{0,25})\)", text[fig.end :])
    if (
        label
        and not re.search(r"\d", label["g"])
        and label["g"].split()[0].lower() not in _STOP | _NOT_LABEL
    ):
        return label["g"].strip()
    cue = _AFTER_CUE.match(text, fig.end)
    if cue and cue.end() < after_end:
        span = _phrase_at(text, cue.end())
        if span:
            return text[span[0] : span[1]]
    people = _PEOPLE_AFTER.match(text, fig.end)
    if people and people.end() <= after_end and _people_phrase(people["g"]):
        return people["g"]
    # 3. the nearest mention or people phrase before the figure in its clause
    lo = max(prv, clause_start, fig.start - 100)
    before = [
        (m.start, m.text) for m in mentions if lo <= m.start and m.end <= fig.start and not m.items
    ]
    before += [
        (m.start("g"), m["g"]) for m in _PEOPLE_BEFORE.finditer(text, lo, fig.start)
        if _people_phrase(m["g"])
    ]  # fmt: skip
    if before:
        return max(before)[1]
    # 4. a clause that opens with its population ("Among X, ...", "In the X group, ...")
    head = text[clause_start : fig.start]
    opener = re.match(rf"\s*(?i:among|in|for)\s+(?:the\s+)?{_PEOPLE_PHRASE}\s*,", head)
    if opener and _people_phrase(opener["g"]):
        return opener["g"]
    first = [m for m in mentions if clause_start <= m.start and m.end <= fig.start and not m.items]
    if (
        first
        and re.fullmatch(r"\s*(?i:among|in|for|within)\s+", text[clause_start : first[0].start])
        and re.match(r"\s*,", text[first[0].end :])
    ):
        return first[0].text
    return None


def _people_phrase(phrase: str) -> bool:
    words = phrase.split()
    if any(w.lower() in _STOP for w in words):
        return False
    modifiers = [w for w in words[:-1] if w.lower() not in _DETERMINERS]
    return words[-1].lower() not in _GENERIC or bool(modifiers)


# ---------------------------------------------------------------- output


def _outcome_for(text: str, fig: _Fig) -> str | None:
    bounds = _clause_bounds(text)
    clause_start = max([b for b in bounds if b < fig.start], default=-1) + 1
    clause_end = min([b for b in bounds if b >= fig.end], default=len(text))
    best: tuple[int, str] | None = None
    for rx in _OUTCOME_RX:
        for m in rx.finditer(text, clause_start, clause_end):
            if m.start("o") >= fig.start and rx is not _OUTCOME_RX[3]:
                continue
            cleaned = _clean_outcome(m.group("o"))
            if cleaned is None:
                continue
            dist = abs(fig.start - m.start("o"))
            if best is None or dist < best[0]:
                best = (dist, cleaned)
    if best is None:
        subject = re.match(
            r"\s*(?P<o>[A-Za-z][\w\-']*(?:\s+[A-Za-z][\w\-']*){0,5}?)"
            rf"(?:\s+{_TIMEPOINT.pattern})?\s+(?:was|were|is|are)\b",
            text[clause_start:clause_end],
        )
        if subject:
            cleaned = _clean_outcome(subject.group("o"))
            return cleaned
        return None
    return best[1]


# A difference as the subject of the clause giving its value, the outcome and time point
# between them: "The treatment difference in complete response at month 6 was 3.0%".
_DIFFERENCE_SUBJECT = re.compile(
    r"(?i:\bdifference)(?:\s+(?:in|of|for|on|at|between)\b[^%;.:()]{0,80}?)?\s+(?:was|is|of)\s*$"
)


def _timepoint_for(text: str, fig: _Fig) -> str | None:
    bounds = _clause_bounds(text)
    clause_start = max([b for b in bounds if b < fig.start], default=-1) + 1
    clause_end = min([b for b in bounds if b >= fig.end], default=len(text))
    best: tuple[int, str] | None = None
    for m in _TIMEPOINT.finditer(text, clause_start, clause_end):
        if fig.start <= m.start() < fig.end:
            continue
        before = text[max(0, m.start() - 12) : m.start()]
        if re.search(r"(?i:aged?|older|younger|over|under)\s*$", before) or re.match(
            r"\s*(?i:old|of\s+age)\b", text[m.end() :]
        ):
            continue
        dist = fig.start - m.end() if m.end() <= fig.start else 2 * (m.start() - fig.end)
        if best is None or dist < best[0]:
            best = (dist, m.group())
    return best[1] if best else None


def _to_fact(text: str, fig: _Fig, figs: list[_Fig], change: bool) -> Fact:
    p_value, p_rel = fig.p if fig.p else (None, None)
    ci_low, ci_high, level = fig.ci if fig.ci else (None, None, None)
    if fig.kind == "effect":
        kind = "effect"
    elif change:
        kind = "change"
    elif fig.has_count or fig.group or fig.compared:
        kind = "proportion"
    elif fig.ci is not None and _DIFFERENCE_SUBJECT.search(text[: fig.start]):
        # "The difference in response at month 6 was 3.0% (95% CI -12% to 18%)"
        fig = _Fig("effect", fig.start, fig.end, measure="RD", estimate=fig.percent,
                   ci=fig.ci, p=fig.p)  # fmt: skip
        kind = "effect"
    else:
        kind = "percent"
    group = fig.group.strip() if fig.group else None
    outcome = _outcome_for(text, fig) if kind != "effect" or fig.estimate is not None else None
    return Fact(
        kind=kind, group=group, outcome=outcome, timepoint=_timepoint_for(text, fig),
        percent=fig.percent, events=fig.events, total=fig.total, measure=fig.measure,
        estimate=fig.estimate, ci_low=ci_low, ci_high=ci_high, ci_level=level,
        p_value=p_value, p_relation=p_rel, span=(fig.start, fig.end),
    )  # fmt: skip


def group_pairs(facts: Sequence[Fact], kind: str = "proportion") -> list[tuple[Fact, Fact]]:
    """Adjacent figures of one kind (proportions, or a measurement's changes) and one outcome
    (and time point) for two different groups."""
    props = sorted((f for f in facts if f.kind == kind), key=lambda f: f.span)
    pairs: list[tuple[Fact, Fact]] = []
    i = 0
    while i + 1 < len(props):
        a, b = props[i], props[i + 1]
        same_outcome = _same(a.outcome, b.outcome)
        same_time = _same(a.timepoint, b.timepoint)
        distinct = (a.group is None and b.group is None) or (
            _norm_group(a.group) != _norm_group(b.group)
        )
        if same_outcome and same_time and distinct:
            pairs.append((a, b))
            i += 2
        else:
            i += 1
    return pairs


WHOLE_PERCENT_SLACK = 0.2  # two rounded shares of one whole add up to 100 within this


def _shares(facts: list[Fact]) -> list[Fact]:
    """`facts` with each pair of groups' proportions that divide a whole between them made
    kind "share" (see `_splits_a_whole`)."""
    shared: set[int] = set()
    props = [i for i, f in enumerate(facts) if f.kind == "proportion"]
    for i, j in pairwise(props):
        if i not in shared and _splits_a_whole(facts[i], facts[j], facts):
            shared |= {i, j}
    return [replace(f, kind="share") if i in shared else f for i, f in enumerate(facts)]


def _splits_a_whole(a: Fact, b: Fact, facts: Sequence[Fact]) -> bool:
    """Two groups' counts that add up to a count the sentence states, their percentages to
    100: how a sample was divided between the groups ("299 treated [157 (52.5%) in A; 142
    (47.5%) in B]"), not a rate of each group."""
    if a.events is None or b.events is None or a.percent is None or b.percent is None:
        return False
    if abs(a.percent + b.percent - 100) > WHOLE_PERCENT_SLACK:
        return False
    whole = a.events + b.events
    return any(whole in (f.events, f.total) for f in facts if f is not a and f is not b)


def _same(a: str | None, b: str | None) -> bool:
    return a is None or b is None or a.lower() == b.lower()


def _norm_group(g: str | None) -> str | None:
    if g is None:
        return None
    return re.sub(rf"^(?:the\s+)|\s+{_GROUP_NOUN}$", "", g.lower()).strip()


# A percentage that is how far a measurement moved, not a share of patients: "fell by a mean of
# 32.9%", "HbA1c decreased by 12%"; and a figure set beside one in the same clause ("... by 12%
# in A and by 3% in B", "reduced by 5.2% with A vs 2.4% with B"). A change has no events, so it
# gives no rate to compare, no risk difference and no NNT.
_CHANGE_BY = re.compile(
    r"\b(?:fell|rose|fallen|risen|increased|decreased|declined|dropped|changed|improved|"
    r"reduced|worsened|lowered|raised|grew)\s+by\s+(?:a\s+)?"
    r"(?:(?:mean|median|average)\s+(?:of\s+)?)?$",
    re.I,
)
_CHANGE_BESIDE = re.compile(
    r"^[^.;%]{0,80}?(?:\b(?:and|but|or)\s+by|\bvs\.?|\bversus|\bcompared\s+(?:with|to))\s+"
    r"(?:a\s+)?(?:(?:mean|median|average)\s+(?:of\s+)?)?$",
    re.I,
)


def _changes(text: str, figs: list[_Fig]) -> set[int]:
    """The positions in `figs` of the percentages that are changes of a measurement."""
    found: set[int] = set()
    last_end, last_was_change = 0, False
    for i, fig in enumerate(figs):
        if fig.kind != "pct" or fig.has_count:
            last_end, last_was_change = fig.end, False
            continue
        before = text[last_end : fig.start]
        if _CHANGE_BY.search(before) or (last_was_change and _CHANGE_BESIDE.search(before)):
            found.add(i)
        last_end, last_was_change = fig.end, i in found
    return found
