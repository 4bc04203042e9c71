"""The tools stage: run the calculator the Route says the question needs (`Route.tasks`, read
once by `route`), with inputs from the Route (patient values) or from retrieved passages
(trial counts, cited). Nothing here reads the question's words again."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

from . import extract, measurements
from .exclusions import stated_exclusions
from .facts import Fact, derived_total, facts_of, group_pairs
from .intent import COURSE_TOTAL, INTERVAL, Task
from .lexical import bm25_tokens
from .measurements import UNIT_SPELLINGS, Measurement, PatientValues, unit_key
from .profile import ArmVocabulary, EligibilitySet, Profile, Protocol, subgroup_key
from .retrieve import Retrieval
from .route import Route, understood
from .tools import (
    RATIO_MEASURES,
    ToolInputError,
    TrialEligibility,
    compare_arms,
    convert,
    course_total,
    difference_of_percentages,
    non_inferiority,
    rate,
    reported_difference,
    reported_effect,
    tools_for,
    units,
    weight_dose,
)
from .tools._format import exact, round_half_up, trimmed
from .types import Passage, ToolCall
from .verify import numbers_in, value_key


@dataclass
class ToolPlan:
    """Tool calls made, passages their inputs were read from, and messages for the clinician."""

    calls: list[ToolCall] = field(default_factory=list)
    sources: list[Passage] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    lookup: Callable[[str, int], list[Passage]] | None = None
    # A document's passages in order (where an arm's size may be stated apart from its count).
    document: Callable[[str], list[Passage]] | None = None
    profile: Profile = field(default_factory=Profile.generic)
    tools: dict[str, Callable[..., ToolCall]] = field(default_factory=dict)
    not_covered: str | None = None  # the question needs a tool the evidence base has no data for
    # Why the calculation asked for was not run, said before the evidence quoted instead.
    not_run: str | None = None

    @property
    def rule_sources(self) -> list[str]:
        """Passages stating the thresholds the calls applied (cited with the answer)."""
        return list(dict.fromkeys(s for c in self.calls for s in c.output.get("sources", [])))

    @property
    def attempted(self) -> bool:
        return bool(self.calls or self.notes)


def plan_tools(
    routed: Route,
    retrieval: Retrieval,
    lookup: Callable[[str, int], list[Passage]] | None = None,
    profile: Profile | None = None,
    tools: dict[str, Callable[..., ToolCall]] | None = None,
    document: Callable[[str], list[Passage]] | None = None,
) -> ToolPlan:
    """Run the one calculator the question asks for; a bad input becomes a clear note.
    `lookup` (query, k) -> passages lets a question across studies search beyond the top hits;
    `document` (id) -> its passages lets a count find its arm's size stated elsewhere; the
    profile's criteria sets and protocols are the patient-level tools (`tools_for`)."""
    profile = profile or Profile.generic()
    plan = ToolPlan(
        lookup=lookup, document=document, profile=profile, tools=tools or tools_for(profile)
    )
    routed = understood(routed, profile)  # a hand-built Route is read here, once
    try:
        # The first calculation the question calls for whose evidence is there: the criteria
        # of another study, or too few studies to set side by side, pass to the next (after a
        # conversion, the next runs too: "convert her Cr ... and is she under the ceiling?").
        for task in routed.tasks:
            # a unit conversion of one value of a patient the question describes leaves the
            # check asked about that patient to run
            if _STEPS[task](routed, retrieval, plan) and not (
                task == "convert" and _describes_patient(routed)
            ):
                break
    except ToolInputError as exc:
        plan.calls.clear()
        plan.notes.append(f"The calculation could not be done: {exc}")
    return plan


# The value set against a limit: "is it under the trial's creatinine ceiling?"
# Two percentages of the same result written to different precision differ by at most the
# rounding of a whole percentage ("62%" and "62.4%").
SAME_PERCENT = 0.5
_AGAINST_LIMIT = re.compile(
    r"\b(?:under|below|over|above|within|exceed\w*|beyond|past)\b[^.?!]{0,40}?"
    r"\b(?:ceiling|limit|cut-?off|threshold|cap|maximum)\b",
    re.I,
)


def _describes_patient(routed: Route) -> bool:
    """The question gives a patient's features beside the value it converts ("29 y, class
    IV+V, ... creatinine 2.1 mg/dL"), or sets the value against a limit ("... and is it under
    the ceiling?"), not only a figure to convert ("a 260 µmol/L cut-off")."""
    features = (routed.age_years, routed.bmi, routed.disease_class)
    return (any(f is not None for f in features) or len(routed.patient.measurements) > 1
            or bool(_AGAINST_LIMIT.search(routed.question)))  # fmt: skip


def _conversion(routed: Route, retrieval: Retrieval, plan: ToolPlan) -> bool:
    """The exact conversion; and, when a retrieved source writes its own figures in both units
    at one rounded ratio ("0.5 g/g (50 mg/mmol)"), the value by that source's convention too,
    cited: that is the figure its readers compare with its thresholds."""
    assert routed.conversion is not None
    value = routed.conversion[0]
    call = convert(*routed.conversion)
    plan.calls.append(call)
    units = (call.output["from_unit"], call.output["to_unit"])
    convention = _stated_ratio(retrieval.passages[:TOOL_PREFERENCE], *units)
    if convention is None:
        return True
    ratio, passage, written = convention
    by_source = round_half_up(exact(value) * ratio, 2)
    if by_source == call.output["value"]:
        return True
    source = passage.study
    text = (
        f"{call.text} {source} writes “{written}”; by that convention "
        f"(× {trimmed(float(ratio))}), {trimmed(value)} {units[0]} is {trimmed(by_source)} "
        f"{units[1]}."
    )
    output = {**call.output, "source_ratio": float(ratio), "value_by_source_convention":
              by_source, "sources": [passage.id]}  # fmt: skip
    plan.calls[-1] = replace(call, text=text, output=output)
    return True


# "0.5 g/g (50 mg/mmol)": a figure followed by its equivalent in another unit, in brackets.
_STATED_PAIR = re.compile(
    r"(?<![\d.])(\d+(?:\.\d+)?)\s*([^\d()\s][^\d()]{0,11}?)\s*\((\d+(?:\.\d+)?)\s*([^()\d][^()]{0,14})\)"
)


def _stated_ratio(
    passages: list[Passage], from_unit: str, to_unit: str
) -> tuple[Fraction, Passage, str] | None:
    """(to-unit figure per from-unit figure, the passage, its words) when the first passage
    writing a figure in both units writes every such pair at the same ratio."""
    for passage in passages:
        ratios: dict[Fraction, str] = {}
        for match in _STATED_PAIR.finditer(passage.text):
            a, unit_a, b, unit_b = match.groups()
            keys = (unit_key(unit_a.strip()), unit_key(unit_b.strip()))
            if keys == (to_unit, from_unit):
                ratios.setdefault(Fraction(a) / Fraction(b), match.group(0))
            elif keys == (from_unit, to_unit):
                ratios.setdefault(Fraction(b) / Fraction(a), match.group(0))
        if len(ratios) == 1:
            ratio, written = next(iter(ratios.items()))
            return ratio, passage, written
        if ratios:
            return None  # the source's own pairs disagree: no single convention
    return None


# The unit each analyte's thresholds are written in, in a criteria set (entry rules say theirs).
CRITERIA_UNITS = {"proteinuria_24h": "g/day", "albumin": "g/dL", "upcr": "g/g"}
_ENTRY_INPUTS = {"creatinine": "creatinine", "proteinuria_g_per_24h": "proteinuria_24h"}


def _thresholds(routed: Route, retrieval: Retrieval, plan: ToolPlan) -> bool:
    """For each unit asked, `_thresholds_in` that unit."""
    done = [_thresholds_in(unit, routed, retrieval, plan) for unit in routed.threshold_units]
    return any(done)


def _thresholds_in(unit_asked: str, routed: Route, retrieval: Retrieval, plan: ToolPlan) -> bool:
    """The profile's thresholds on the quantity of the unit asked for ("the albumin cut-offs
    in g/L"), each converted and cited where the evidence states it: the response criteria
    and entry rules of the studies the question names, else of every study that has some.
    A threshold already in that unit needs no conversion."""
    quantity = units.parse_unit("to_unit", unit_asked).quantity
    found: list[tuple[str, float, str, str]] = []  # (what, value, unit, source)
    for criteria in plan.profile.criteria_sets:
        for kind, entries in (("complete", criteria.complete), ("partial", criteria.partial)):
            found += [(f"{criteria.short_label}, {kind} response", c.value,
                       CRITERIA_UNITS[c.analyte], c.source)
                      for c in entries if c.analyte == quantity
                      and c.test in ("below", "at_most", "at_least")
                      and _about(criteria.applies_to, retrieval)]  # fmt: skip
    for entry in plan.profile.eligibility:
        for rule in entry.rules:
            if _ENTRY_INPUTS.get(rule.input) == quantity and _about(entry.applies_to, retrieval):
                found += [(f"{entry.short_label}, entry {rule.criterion}", bound,
                           rule.unit, rule.source)
                          for bound in (rule.min, rule.max) if bound is not None]  # fmt: skip
    found = [f for f in found if str(unit_key(f[2]) or f[2]) != unit_key(unit_asked)]
    own = _patient_value(routed, quantity)
    for what, value, unit, source in found:
        call = convert(value, str(unit_key(unit) or unit), unit_asked)
        text = f"{call.text} The threshold of: {what}."
        output = {**call.output, "sources": [source]}
        if own is not None:  # "and is she under it?": her value set against the threshold
            shown, own_unit = own
            side = _side(shown, own_unit, value, str(unit_key(unit) or unit))
            text += f" The patient's {trimmed(shown)} {own_unit} is {side} it."
            output |= {"patient_value": shown, "patient_unit": own_unit, "patient_is": side}
        stated = _stated_equivalent(plan, source, value, unit_asked)
        if stated is not None and stated != call.output["value"]:
            text += f" The source itself writes it as {stated:g} {call.output['to_unit']}."
            output["stated_equivalent"] = stated
        plan.calls.append(replace(call, text=text, output=output))
    return bool(found) or _stated_figure_converted(unit_asked, retrieval, plan, quantity)


def _patient_value(routed: Route, quantity: str) -> tuple[float, str] | None:
    """The question's own value of `quantity` ("Her Cr is 2.7 mg/dL"), with its unit."""
    for m in routed.patient.measurements:
        if m.value is None or m.unit is None:
            continue
        if units.parse_unit("unit", m.unit).quantity == quantity:
            return m.value, m.unit
    return None


def _side(value: float, unit: str, threshold: float, threshold_unit: str) -> str:
    """Where a value lies against a threshold, compared exactly in the quantity's base unit."""
    mine = units.to_base(value, units.parse_unit("unit", unit))
    bound = units.to_base(threshold, units.parse_unit("unit", threshold_unit))
    return "below" if mine < bound else "above" if mine > bound else "equal to"


# A figure with a unit of measurement ("3.0 mg/dL", "260 µmol/L").
_FIGURE_IN_UNIT = re.compile(
    r"(?<![\w.])(\d+(?:\.\d+)?)\s*(" + "|".join(UNIT_SPELLINGS.values()) + r")(?![a-z])", re.I
)


def _stated_figure_converted(
    unit_asked: str, retrieval: Retrieval, plan: ToolPlan, quantity: str
) -> bool:
    """No profile threshold of that quantity: the first figure of it a retrieved sentence
    (of the study named, if one is) states in another unit, converted and cited ("a guideline's
    creatinine ceiling in µmol/L" -> its "3.0 mg/dL")."""
    passages = retrieval.of_named_studies if retrieval.named_studies else retrieval.passages
    found = _first_stated_figure(passages[:TOOL_PREFERENCE], quantity, unit_asked)
    if found is None:
        return False
    passage, value, unit, _written = found
    call = convert(value, unit, unit_asked)
    text = f"{call.text} The figure as {passage.study} states it."
    plan.calls.append(replace(call, text=text, output={**call.output, "sources": [passage.id]}))
    return True


def _against_stated_figure(routed: Route, retrieval: Retrieval, plan: ToolPlan) -> bool:
    """A patient's value set against the first figure of its quantity that a retrieved
    sentence of the study named states in another unit: the value converted into that unit,
    and on which side of the figure it lies ("creatinine 150 µmol/L" against a record's
    "1.5 mg/dL": 1.7 mg/dL, above it)."""
    for m in routed.patient.measurements:
        own = unit_key(m.unit) if m.unit else None
        if m.value is None or own is None:
            continue
        quantity = units.parse_unit("unit", own).quantity
        found = _first_stated_figure(retrieval.of_named_studies[:TOOL_PREFERENCE], quantity, own)
        if found is None:
            continue
        passage, stated, unit, written = found
        call = convert(m.value, own, unit)
        side = _side(m.value, own, stated, unit)
        text = (f"{call.text} The patient's value is {side} the {trimmed(stated)} {written} "
                f"that {passage.study} states.")  # fmt: skip
        output = {**call.output, "stated_value": stated, "patient_is": side,
                  "sources": [passage.id]}  # fmt: skip
        plan.calls.append(replace(call, text=text, output=output))
        return True
    return False


def _first_stated_figure(
    passages: list[Passage], quantity: str, other_than: str
) -> tuple[Passage, float, str, str] | None:
    """The first figure of `quantity` the passages state in another unit than `other_than`:
    (its passage, value, unit key, unit as written)."""
    for passage in passages:
        for match in _FIGURE_IN_UNIT.finditer(passage.text):
            unit = unit_key(match.group(2))
            if unit is None or unit == unit_key(other_than):
                continue
            if units.parse_unit("from_unit", unit).quantity == quantity:
                return passage, float(match.group(1)), unit, match.group(2)
    return None


def _stated_equivalent(plan: ToolPlan, source: str, value: float, unit: str) -> float | None:
    """The figure the threshold's own passage gives for it in `unit`, if it gives one: a
    guideline's rounded equivalent (50 mg/mmol for 0.5 g/g) is the one its readers apply, and
    it differs from the exact conversion (56.6)."""
    document, _, _ = source.partition("#")
    passages = plan.document(document) if plan.document is not None else []
    text = next((p.text for p in passages if p.id == source), "")
    for match in _STATED_PAIR.finditer(text):
        figure, _unit, equivalent, in_unit = match.groups()
        if float(figure) == value and unit_key(in_unit.strip()) == unit:
            return float(equivalent)
    return None


def _dosing(routed: Route, retrieval: Retrieval, plan: ToolPlan) -> bool:
    """The profile's protocol when the question or the conversation names its drug, or names
    only its own study; else the per-kilogram regimen a sentence of the study named states for
    each drug asked about; else a plain "not covered"."""
    assert routed.weight_kg is not None
    protocols = plan.profile.protocols
    names_drug = bool(protocols) and routed.names_protocol_drug
    other_drug = bool(retrieval.foreign_terms) or bool(
        set(routed.arms) - {a for a in routed.arms if protocols and _covers(protocols[0], a)}
    )
    # a protocol tied to studies is another study's when the question names only others
    other_study = bool(protocols) and _of_other_studies(protocols[0], retrieval)
    weights = routed.weights_kg or (routed.weight_kg,)  # one schedule for each weight asked
    if (names_drug or (routed.names_own_study and not other_drug)) and not other_study:
        plan.calls += [plan.tools["dose_schedule"](weight) for weight in weights]
        return True
    drugs = _drug_words(routed, plan.profile)
    for passage, drug, low, high, unit, per in _per_kg_regimens(drugs, retrieval):
        plan.calls += [weight_dose(weight, low, high, unit, per, drug, passage.id)
                       for weight in weights]  # fmt: skip
        plan.sources.append(passage)
    if not plan.calls:
        plan.not_covered = _no_protocol_message(plan.profile)
    return True


# A course as a sentence states it: "6 intravenous pulses of a fixed 500 mg", "500 mg every 2
# weeks for 6 doses", "0.5 to 1.0 g/m2 monthly for 6 doses"; a dose per m² alone ("starting
# at 0.75 g/m2") when the question gives the number of doses.
_COURSE_DOSE = (
    r"(?P<dose>\d+(?:\.\d+)?)(?:\s*(?:to|-|–)\s*(?P<high>\d+(?:\.\d+)?))?\s*(?P<unit>mg|g)\b"
    r"(?P<per_m2>\s*/\s*m(?:2|²))?"
)
_COURSES = (
    re.compile(r"\b(?P<count>\d{1,3})\s+(?:[\w-]+\s+){0,4}?(?:pulses|doses|infusions|cycles)\s+"
               r"of\s+(?:a\s+fixed\s+)?" + _COURSE_DOSE, re.I),
    re.compile(_COURSE_DOSE + r"[^.;()]{0,60}?\bfor\s+(?P<count>\d{1,3})\s+"
               r"(?:doses|pulses|infusions|cycles)\b", re.I),
    # a daily dose for a number of days: "0.5 g/d, 3 days", "500 mg daily for 3 days"
    re.compile(_COURSE_DOSE + r"\s*(?:/\s*d(?:ay)?\b|\s+daily\b|\s+(?:per|a)\s+day\b)"
               r"[\s,;]*(?:for\s+|×\s*|x\s*)?(?P<count>\d{1,3})\s+(?:consecutive\s+)?days\b",
               re.I),
    # a dose given at the times listed: "1000 mg ... on day 1 and at weeks 2, 24 and 52" (one
    # dose at each)
    re.compile(_COURSE_DOSE + r"[^.;()]{0,40}?\b(?:on|at)\s+(?P<times>"
               r"(?:days?|weeks?|months?)\s+\d{1,3}(?:(?:\s*,\s*(?:and\s+)?|\s+and\s+)"
               r"(?:(?:at|on)\s+)?(?:(?:days?|weeks?|months?)\s+)?\d{1,3}\b)*)", re.I),
)  # fmt: skip
_OPTIONAL_DOSE = re.compile(r"\b(?:an?\s+)?(?:extra|additional|optional)\s+dose\b", re.I)
_A_DOSE = re.compile(_COURSE_DOSE, re.I)
# A cap on a cumulative amount: "lifetime ... exposure below 36 g".
_CUMULATIVE_CAP = re.compile(
    r"\b(?:lifetime|cumulative|total)\b[^.;]{0,50}?\b(?:below|under|less than|not (?:to )?"
    r"exceed(?:ing)?|no more than|at most|maximum of|up to)\s+(?P<cap>\d+(?:\.\d+)?)\s*"
    r"(?P<unit>mg|g)\b",
    re.I,
)
Course = tuple[Passage, str, str, re.Match[str], int]  # passage, arm, drug as written, ...


def _course(routed: Route, retrieval: Retrieval, plan: ToolPlan) -> bool:
    """A course's total for the drug asked about, from the first regimen a sentence of the
    study named states for it (dose times doses; a dose per m² times the body-surface area
    given); with the share of a stated cumulative cap when one is asked about."""
    drugs = _drug_words(routed, plan.profile)
    # one dose per m² for the area given, when no course total is asked ("her first pulse")
    single = routed.bsa_m2 is not None and not COURSE_TOTAL.search(routed.question)
    count = routed.dose_count or (1 if single else None)
    found = _course_regimen(drugs, retrieval, count, plan.profile.arms, per_m2_only=single)
    if found is None:
        return False
    passage, arm, drug, match, count = found
    cap = _cumulative_cap(arm, retrieval, plan) if routed.asks_limit else None
    sources = [passage.id, *([cap[0].id] if cap else [])]
    # one more dose the sentence says may be given ("with or without an extra dose at week 50")
    optional = 1 if _OPTIONAL_DOSE.search(passage.text[match.end() :]) else None
    plan.calls.append(course_total(
        float(match["dose"]), match["unit"].lower(), count, drug, optional_doses=optional,
        dose_high=float(match["high"]) if match["high"] else None,
        per_m2=bool(match["per_m2"]), bsa_m2=routed.bsa_m2,
        cap=float(cap[1]["cap"]) if cap else None,
        cap_unit=cap[1]["unit"].lower() if cap else None, sources=sources,
    ))  # fmt: skip
    plan.sources += [passage, *([cap[0]] if cap else [])]
    return True


def _course_regimen(
    drugs: dict[str, str],
    retrieval: Retrieval,
    count_given: int | None,
    vocabulary: ArmVocabulary,
    per_m2_only: bool = False,
) -> Course | None:
    """(passage, arm, drug as written, the dose's match, number of doses) of the first course a
    sentence of the study named states for a drug asked about (`per_m2_only`: a dose per m²,
    for one dose asked for a body-surface area)."""
    for passage in (retrieval.of_named_studies or retrieval.passages)[:TOOL_PREFERENCE]:
        matches = [(m, _doses_in(m)) for pattern in _COURSES
                   for m in pattern.finditer(passage.text)]  # fmt: skip
        if count_given is not None:  # "six doses at the starting dose": the dose per m²
            matches += [(m, count_given) for m in _A_DOSE.finditer(passage.text)
                        if m["per_m2"]]  # fmt: skip
        for match, count in sorted(matches, key=lambda found: found[0].start()):
            if per_m2_only and not match["per_m2"]:
                continue
            named = _drug_near(passage.text, match, drugs, vocabulary)
            if named is not None:
                return passage, *named, match, count
    return None


def _doses_in(match: re.Match[str]) -> int:
    """The number of doses a course states: as a count, or one at each time listed."""
    if match.re.groupindex.get("times"):
        return len(re.findall(r"\d+", match["times"]))
    return int(match["count"])


def _drug_near(
    text: str, match: re.Match[str], drugs: dict[str, str], vocabulary: ArmVocabulary
) -> tuple[str, str] | None:
    """(arm, as the sentence writes it) of the drug asked about: the last arm the sentence
    names before the regimen ends ("drug A every 4 weeks ..., starting at 0.75 g/m2"), if that
    is one asked."""
    before = text[: match.end()]
    mentions = [
        (found.start(), arm, found.group())
        for arm in vocabulary.terms
        if (pattern := vocabulary.pattern(arm)) is not None
        for found in pattern.finditer(before)
    ]
    # a drug of the protocol asked about, which is no arm (its pulses before the arms began)
    mentions += [
        (found.start(), name, found.group())
        for word, name in drugs.items()
        if name not in vocabulary.terms
        for found in re.finditer(rf"\b{re.escape(word)}\b", before, re.I)
    ]
    if not mentions:
        return None
    _start, arm, written = max(mentions)
    return (arm, written) if arm in drugs.values() else None


def _cumulative_cap(
    arm: str, retrieval: Retrieval, plan: ToolPlan
) -> tuple[Passage, re.Match[str]] | None:
    """The first retrieved sentence naming `arm` and stating a cap on its cumulative amount."""
    names = plan.profile.arms.pattern(arm)
    if names is None:
        return None
    query = f"lifetime cumulative {plan.profile.arms.words(arm)[0]} exposure"
    looked_up = plan.lookup(query, TOOL_PREFERENCE) if plan.lookup else []
    for passage in [*retrieval.passages, *looked_up]:
        match = _CUMULATIVE_CAP.search(passage.text)
        if match and names.search(passage.text):
            return passage, match
    return None


def _of_other_studies(protocol: Protocol, retrieval: Retrieval) -> bool:
    """The protocol names the studies it belongs to, and the question names only others."""
    named = retrieval.named_studies
    return bool(protocol.studies and named) and not set(protocol.studies) & named


def _drug_words(routed: Route, profile: Profile) -> dict[str, str]:
    """Words naming the drugs the question asks a dose of (word -> the name to show): its
    arms', and the protocol's drugs when it names one of them ("pred")."""
    words = {w: arm for arm in routed.arms for w in profile.arms.words(arm)}
    for protocol in profile.protocols[:1]:
        if routed.names_protocol_drug:
            words |= {w.lower(): w for w in protocol.applies_to}
    return words


# "0.06 to 0.1 mg/kg/day", "10 mg/kg": a dose per kilogram of body weight.
_PER_KG = re.compile(
    r"(?<![\d.])(?P<low>\d+(?:\.\d+)?)(?:\s*(?:to|-|–)\s*(?P<high>\d+(?:\.\d+)?))?\s*"
    r"(?P<unit>mg|g|µg)\s*/\s*kg(?:\s*/\s*(?P<per>day|d|week)\b|\s+(?P<daily>daily|per day))?",
    re.IGNORECASE,
)
NAME_BEFORE_DOSE = 40  # characters: the drug is named just before its dose
Regimen = tuple[Passage, str, float, float | None, str, str]


def _per_kg_regimens(drugs: dict[str, str], retrieval: Retrieval) -> list[Regimen]:
    """For each drug asked about, the first dose per kilogram a retrieved sentence of the
    study named states for it: (passage, drug, low, high, unit, period)."""
    found: dict[str, Regimen] = {}
    # a regimen is a study's: the question must say which
    for passage in retrieval.of_named_studies[:TOOL_PREFERENCE]:
        for match in _PER_KG.finditer(passage.text):
            before = passage.text[max(0, match.start() - NAME_BEFORE_DOSE) : match.start()]
            drug = next((name for word, name in drugs.items()
                         if re.search(rf"\b{re.escape(word)}\b", before, re.I)), None)  # fmt: skip
            if drug is None or drug in found:
                continue
            high = float(match["high"]) if match["high"] else None
            per = _PERIODS.get((match["per"] or match["daily"] or "").lower(), "dose")
            found[drug] = (passage, drug, float(match["low"]), high, match["unit"].lower(), per)
    return list(found.values())


_PERIODS = {"day": "day", "d": "day", "daily": "day", "per day": "day", "week": "week"}


def _about(applies_to: tuple[str, ...], retrieval: Retrieval) -> bool:
    """The question names no study, or names one the criteria belong to."""
    named = retrieval.named_studies
    return not named or bool(named & set(applies_to))


def _covers(protocol: Protocol, arm: str) -> bool:
    return arm.lower() in (w.lower() for w in protocol.applies_to)


def _no_protocol_message(profile: Profile) -> str:
    if not profile.protocols:
        return "The evidence base holds no weight-based dosing protocol, so this is not covered."
    protocol = profile.protocols[0]
    drugs = ", ".join(dict.fromkeys(protocol.applies_to[:3]))
    return (
        "Not covered: the only weight-based dosing the evidence base holds is "
        f"{protocol.label} ({drugs}); it has no dosing for what this question names."
    )


def _unread(values: PatientValues) -> list[str]:
    return [f"not understood: '{fragment}'" for fragment in values.not_understood]


def _unit(m: Measurement, value: float, plan: ToolPlan) -> str | None:
    """The unit as written; else the one its size implies, said in a note; else None."""
    if m.unit is not None:
        return m.unit
    unit = measurements.likely_unit(m.analyte, value, m.name)
    if unit is None:
        plan.notes.append(f"not understood: '{m.text}' (no unit given; please add it)")
    else:
        plan.notes.append(f"'{m.text}': no unit given, read as {unit}")
    return unit


# A condition of absence ("no rescue therapy"): the word after "no" names what must be absent.
_ABSENCE_CONDITION = re.compile(r"^\s*no\s+([a-z-]+)", re.I)


def stated_absent(condition: str, question: str) -> bool:
    """The question states that what a condition of absence names was absent ("no rescue
    drugs", "without rescue", "did not need rescue therapy") for "no rescue therapy"."""
    absent = _ABSENCE_CONDITION.match(condition)
    if absent is None:
        return False
    word = re.escape(absent.group(1))
    negated = (
        rf"\b(?:no|without|never|nil)\s+(?:[\w-]+\s+){{0,1}}?{word}|"
        rf"\b(?:not|did\s+not|didn't)\s+(?:need|needed|require|required|get|got|given|"
        rf"receive|received|on)\s+(?:any\s+)?(?:[\w-]+\s+){{0,1}}?{word}|"
        rf"\b{word}\w*\s*(?::|-|=)?\s*(?:none|nil|no)\b"
    )
    return re.search(negated, question, re.I) is not None


def _remission(routed: Route, retrieval: Retrieval, plan: ToolPlan) -> bool:
    values = routed.patient
    if "remission_check" not in plan.tools:
        return False
    named = retrieval.named_studies
    # The sets of the studies the question names; with none named, the profile's default ones.
    sets = plan.profile.criteria_sets
    defaults = [c for c in sets if c.by_default]
    chosen = [c for c in sets if named & set(c.applies_to)] if named else defaults
    if chosen and all(c.by_default for c in chosen):  # the default sets side by side
        # (the one the question names first: "under B's rules" is answered by B's first)
        chosen = [*chosen, *(c for c in defaults if c not in chosen)]
    if not chosen:
        # Another study's definitions are not these: judging the patient by them would
        # answer a question that was not asked.
        short = {p.document_id: p.study for p in retrieval.passages}
        asked = ", ".join(sorted(short.get(d, d) for d in retrieval.named_studies))
        plan.not_run = (
            f"Not judged: this evidence base holds no response rules for {asked}; what the "
            "evidence says of its definitions is quoted instead."
        )
        return True
    plan.notes += _unread(values)
    protein, albumin, creatinine = (values.get(a) for a in ("proteinuria", "albumin", "creatinine"))
    current = protein.value if protein else None
    if protein and current is None and protein.baseline is not None:
        current = _after_change(protein, plan)  # "500 mg/mmol at start, now down 60%"
    protein_unit = _unit(protein, current, plan) if protein and current is not None else None
    if protein is None or current is None or protein_unit is None:
        plan.notes.append(
            "To check remission I need the current proteinuria with its unit "
            "(for example g/24 h or UPCR in mg/mg)."
        )
        return True
    inputs: dict[str, Any] = {"proteinuria": current, "proteinuria_unit": protein_unit}
    if protein.baseline is not None:
        inputs["baseline_proteinuria"] = protein.baseline
        inputs["baseline_unit"] = protein.baseline_unit or protein_unit
    elif protein.change_percent is not None and protein.change_percent > -100:
        # "down 60% to 1.4 g": the baseline the stated change implies (1.4 / 0.4 = 3.5 g)
        ratio = 1 + Fraction(str(protein.change_percent)) / 100
        baseline = float(Fraction(str(current)) / ratio)
        inputs["baseline_proteinuria"] = round(baseline, 6)
        inputs["baseline_unit"] = protein_unit
        plan.notes.append(f"'{protein.text}': baseline proteinuria worked back from the stated "
                          "change")  # fmt: skip
    if albumin and albumin.value is not None:
        unit = _unit(albumin, albumin.value, plan)
        if unit is not None:
            inputs |= {"albumin": albumin.value, "albumin_unit": unit}
    elif albumin:
        plan.notes.append(f"'{albumin.text}': the check needs the serum albumin value")
    if creatinine:
        inputs |= _creatinine_inputs(creatinine, plan)
    egfr = values.get("egfr")
    if egfr and egfr.value is not None:  # its one unit, mL/min/1.73 m²
        # "eGFR steady at 64": unchanged, so its baseline was the same
        steady = egfr.value if egfr.state == "stable" else None
        baseline_egfr = egfr.baseline if egfr.baseline is not None else steady
        inputs |= {"egfr_ml_min": egfr.value, "baseline_egfr_ml_min": baseline_egfr}
        if baseline_egfr is None and egfr.change_percent is not None:
            inputs["egfr_change_percent"] = egfr.change_percent  # "10% below baseline"
    elif egfr and egfr.change_percent is not None:  # "eGFR 80% of her baseline": no value
        inputs["egfr_change_percent"] = egfr.change_percent
    elif egfr and egfr.state == "stable":  # "eGFR steady", no value: unchanged from baseline
        inputs["egfr_change_percent"] = 0.0
        plan.notes.append(f"'{egfr.text}': taken as no change from baseline")
    if chosen != defaults:  # (else the tool's default choice)
        inputs["criteria_sets"] = [c.id for c in chosen]
    labels = [condition.label for c in chosen for condition in c.conditions]
    stated = [label for label in dict.fromkeys(labels) if stated_absent(label, routed.question)]
    if stated:
        inputs["conditions_stated"] = stated
    plan.calls.append(plan.tools["remission_check"](**inputs))
    return True


def _after_change(protein: Measurement, plan: ToolPlan) -> float | None:
    """The current proteinuria a baseline and a stated change imply (500 down 60% = 200),
    said in the notes; None without a change (or with a fall of 100% or more)."""
    change = protein.change_percent
    if protein.baseline is None or change is None or change <= -100:
        return None
    current = float(Fraction(str(protein.baseline)) * (1 + Fraction(str(change)) / 100))
    plan.notes.append(f"'{protein.text}': current proteinuria worked out from the stated change")
    return round(current, 6)


def _creatinine_inputs(creatinine: Measurement, plan: ToolPlan) -> dict[str, Any]:
    """Creatinine figures, a stated change ("up 10%") or a stated state ("stable") as the
    remission check takes them; "within normal range" needs its value and the upper limit."""
    inputs: dict[str, Any] = {}
    figure = creatinine.value if creatinine.value is not None else creatinine.baseline
    unit = _unit(creatinine, figure, plan) if figure is not None else None
    if creatinine.value is not None and unit is not None:
        inputs |= {"creatinine": creatinine.value, "creatinine_unit": unit}
        if creatinine.upper_normal is not None:
            inputs["creatinine_upper_limit_normal"] = creatinine.upper_normal
    if creatinine.baseline is not None and unit is not None:
        inputs["baseline_creatinine"] = creatinine.baseline
        inputs["baseline_creatinine_unit"] = creatinine.baseline_unit or unit
    if creatinine.change_percent is not None:
        inputs["creatinine_change_percent"] = creatinine.change_percent
    if creatinine.state == "stable":
        inputs["creatinine_stable"] = True
    elif creatinine.state == "normal" and "creatinine_upper_limit_normal" not in inputs:
        plan.notes.append(
            f"not understood: '{creatinine.text}' (to judge the normal range the check needs "
            "the creatinine value and the laboratory's upper limit of normal)"
        )
    return inputs


def _eligibility(routed: Route, retrieval: Retrieval, plan: ToolPlan) -> bool:
    spec = _entry_criteria(plan.profile, retrieval)
    if spec is None:  # no study's entry criteria in the profile: answered from the text,
        return _against_stated_figure(routed, retrieval, plan)  # in the text's own units
    patient = routed.patient
    protein, creatinine = patient.get("proteinuria"), patient.get("creatinine")
    values: dict[str, Any] = {
        "age_years": routed.age_years,
        "bmi": routed.bmi,
        "isn_class": routed.disease_class if spec.classes else None,
        "proteinuria_g_per_24h": protein.value if protein else None,
        "creatinine": creatinine.value if creatinine else None,
    }
    if routed.bmi is None and routed.weight_kg is not None and routed.height_cm is not None:
        values |= {"weight_kg": routed.weight_kg, "height_cm": routed.height_cm}  # BMI from them
    ruled = {rule.input for rule in spec.rules}
    if "upcr" in ruled and protein is not None and protein.unit in units.accepted("upcr"):
        values |= {"upcr": protein.value, "upcr_unit": protein.unit}  # a protein:creatinine ratio
    for key in ("creatinine", "proteinuria_g_per_24h"):
        if key not in ruled:
            values[key] = None  # no entry criterion on it: nothing to check
    if all(v is None for v in values.values()):
        return False  # a question about the criteria themselves, answered from the text
    plan.notes += _unread(patient)
    for m, key in ((creatinine, "creatinine"), (protein, "proteinuria_g_per_24h")):
        if key in ruled and m is not None and m.value is not None:
            unit = _unit(m, m.value, plan)
            if unit is not None and unit not in units.accepted(_ENTRY_INPUTS[key]):
                # a protein:creatinine ratio for a 24-h urine protein criterion: another
                # measure, so the check says which one it needs
                wanted = units.QUANTITY_NAMES[_ENTRY_INPUTS[key]]
                plan.notes.append(f"{m.name}: not the {wanted} the entry criterion is set on")
                unit = None
            if unit is None:
                values[key] = None  # the check will say it needs this value (with its unit)
            else:
                values[f"{m.analyte}_unit"] = unit
    stated = stated_exclusions(routed.question, spec.exclusions)
    if stated:
        values["exclusions_stated"] = stated
    first = spec is plan.profile.eligibility[0]
    check = plan.tools["trial_eligibility"] if first else TrialEligibility(spec)
    plan.calls.append(check(**values))
    return True


def _entry_criteria(profile: Profile, retrieval: Retrieval) -> EligibilitySet | None:
    """The entry criteria of the study the question names, when the profile has them; for a
    question naming no study, the first set (the evidence base's own trial)."""
    named = retrieval.named_studies
    if not named:
        return profile.eligibility[0] if profile.eligibility else None
    return next((s for s in profile.eligibility if named & set(s.applies_to)), None)


def _compare_given(routed: Route, _r: Retrieval, plan: ToolPlan) -> bool:
    """Two groups' counts the question gives, compared: the user's own numbers, no evidence
    read. Labels are the arms in the order the question names them, if it names two."""
    (events_a, total_a), (events_b, total_b) = routed.group_counts
    named = plan.profile.arms.in_order(routed.question)
    label_a, label_b = named[:2] if len(named) >= 2 else ("first group", "second group")
    # with a margin ("does A clear -10 points with 117/141 vs 93/124?"), tested against it
    plan.calls.append(
        _comparison(routed, (events_a, total_a, label_a), (events_b, total_b, label_b))
    )
    return True


def _rate_check(routed: Route, _r: Retrieval, plan: ToolPlan) -> bool:
    assert routed.counts is not None
    plan.calls.append(rate(*routed.counts, reported_percent=routed.reported_percent))
    return True


def _pair_search(routed: Route, plan: ToolPlan) -> _PairSearch:
    return _PairSearch(
        plan.profile,
        routed.needs_counts,
        routed.subgroups,
        frozenset(routed.figures) | routed.pointed_at,
        plan.document,
        frozenset(bm25_tokens(routed.question)),
        bool(INTERVAL.search(routed.question)),
    )


def _pair_passages(retrieval: Retrieval) -> list[Passage]:
    """A question naming a study takes its figures from that study's sentences; otherwise from
    the documents the best passages come from (a figure pair far down the ranking belongs to
    another study than the one asked about)."""
    leading = {p.document_id for p in retrieval.passages[:LEADING_PASSAGES]}
    return retrieval.of_named_studies or [p for p in retrieval.passages if p.document_id in leading]


def _arm_shares(routed: Route, retrieval: Retrieval, plan: ToolPlan) -> bool:
    """Each arm's percentage, asked for, where the sentence gives only counts ("21 in the A
    arm versus 12 in the B arm") and the study states the arms' sizes: each count over its
    arm's size, with its interval, the two side by side."""
    if "difference" in routed.tasks:
        return False  # (that calculation gives each arm's rate too)
    pair, passages = _pair_search(routed, plan), _pair_passages(retrieval)
    found = pair.find(passages, routed.measure or _default_measure(routed))
    found = found or pair.find(passages, None)
    if found is None:
        return False
    passage, a, b = found
    stated = a.percent is not None and not a.total_stated_in
    if stated or not (_counted(a) and _counted(b)):
        return False  # the sentence states the percentages, or the counts lack a size
    plan.sources += [passage, *_size_passages(plan, passage, a, b)]
    # (side by side, each arm named, then each arm's own rate with its interval)
    plan.calls += [_counts_comparison(routed, a, b), _arm_rate(a), _arm_rate(b)]
    return True


def _default_measure(routed: Route) -> str:
    """The measure a comparison naming none is about: a harm's rate, else overall response."""
    return "other" if routed.about_harms else "overall"


def _trial_stats(routed: Route, retrieval: Retrieval, plan: ToolPlan) -> bool:
    default = _default_measure(routed)
    named = routed.measure
    pair = _pair_search(routed, plan)
    passages = _pair_passages(retrieval)
    # a verdict asked ("by how much was A non-inferior?"): the figures it was reached on
    verdict = [retrieval.verdict] if retrieval.verdict is not None and named is None else []
    found = (pair.find(verdict, None) if verdict else None) or pair.find(passages, named or default)
    if found is None and named is None:
        # No measure named and none of the default kind: the best-ranked pair, whatever it
        # measures (a subgroup's rates, a study's primary complete response); a question on
        # harms is not answered by response rates.
        found = pair.find(passages, None)
        found = None if found and routed.about_harms and found[1].measure != default else found
    if found is None:  # arms the profile does not name: the groups the facts found
        found = pair.from_facts(passages)
    if found is None or _figures_asked_elsewhere(routed, found[0], passages):
        return False
    if routed.needs_counts and not (_counted(found[1]) and _counted(found[2])):
        elsewhere = _counted_elsewhere(pair, retrieval, plan, named or default)
        # (counts of other figures are another outcome's: "SAEs 29/157" for "infection 8.9%")
        found = elsewhere if elsewhere and _same_figures(found, elsewhere) else found
    passage, a, b = found
    plan.sources.append(passage)
    plan.sources += _size_passages(plan, passage, a, b)
    single_arm = _single_arm_ci(routed, a, b)
    if single_arm is not None:
        plan.calls.append(rate(single_arm.events, single_arm.total, _shown(single_arm.percent)))
    elif _counted(a) and _counted(b):
        plan.calls.append(_counts_comparison(routed, a, b))
        # Each arm's own rate and Wilson CI too: the chat draws them as bars with error bars.
        plan.calls += [_arm_rate(a), _arm_rate(b)]
    elif a.percent is not None and b.percent is not None:
        computed = difference_of_percentages(
            a.percent, b.percent, a.arm, b.arm, higher_is_better=_higher_is_better(routed, a)
        )
        # what the two figures measure, and when if the question asks when
        outcome = ", ".join(
            part
            for part in (
                _outcome_label(passage, a.measure, with_time=routed.asks_time),
                _subgroup_label(routed, passage, plan.profile),
            )
            if part
        )
        plan.calls.append(replace(computed, output={**computed.output, "outcome": outcome}))
        # The difference the study itself reports beside the two figures (often adjusted,
        # with its CI), transcribed: the computed one has no interval without counts.
        difference = plan.calls[-1].output.get("difference_points")
        reported = (
            _reported_risk_difference(passage, a, b)
            or _reported_elsewhere(plan, passage, a, b, difference)
            or _reported_effect(passage, a, b)
        )
        if reported is not None:
            computed = plan.calls[-1]
            flag = "effect_reported" if reported.name == "reported_effect" else "ci_reported"
            plan.calls[-1] = replace(computed, output={**computed.output, flag: True})
            plan.calls.append(reported)
    else:
        return False
    return True


def _outcome_label(passage: Passage, compared: str, with_time: bool) -> str:
    """The response measure of the `compared` figures (else the one the sentence names), and
    (`with_time`) the time point of its figures ("complete response, at week 76"): two
    percentages set side by side say what they are. A time point is not given unasked: its
    figure would make every sentence at that time point look like support for the answer."""
    named = compared if compared in extract.MEASURE_WORDS else extract.measure_of(passage.text)
    measure = extract.MEASURE_WORDS.get(named or "", "")
    times = [f.timepoint for f in facts_of(passage.metadata) if f.timepoint] if with_time else []
    return ", ".join(part for part in (measure, times[0] if times else "") if part)


def _same_figures(found: ArmPair, counted: ArmPair) -> bool:
    """The counted pair gives the found pair's percentages (to their written precision), or
    the found pair gives none to compare."""
    for shown, other in ((found[1], counted[1]), (found[2], counted[2])):
        if shown.percent is None:
            continue
        percent = other.percent
        if percent is None and other.events is not None and other.total:
            percent = 100 * other.events / other.total
        if percent is None or abs(shown.percent - percent) > SAME_PERCENT:
            return False
    return True


def _counted_elsewhere(
    pair: _PairSearch, retrieval: Retrieval, plan: ToolPlan, measure: str
) -> ArmPair | None:
    """For a question needing counts whose best sentences give the named study's figures as
    percentages only: the pair with counts another sentence of that study gives."""
    if plan.document is None or not retrieval.named_studies:
        return None
    # Only sentences whose facts (extracted at ingest) hold counts are read again.
    every = [p for doc in sorted(retrieval.named_studies) for p in plan.document(doc)]
    counted = [p for p in every if any(f.events is not None for f in facts_of(p.metadata))]
    found = pair.find(counted, measure)
    return found if found and _counted(found[1]) and _counted(found[2]) else None


def _reported_elsewhere(
    plan: ToolPlan,
    passage: Passage,
    a: extract.ArmValue,
    b: extract.ArmValue,
    difference: float | None,
) -> ToolCall | None:
    """The risk difference another sentence of the same study reports, with its CI, when its
    estimate is the difference of the two figures ("62% vs 59%" in one sentence, "the
    difference ... was 3.0% (95% CI -12% to 18%)" in the next)."""
    if plan.document is None or difference is None:
        return None
    for other in plan.document(passage.document_id):
        rd = _one_risk_difference(other)
        same = (
            rd is not None
            and rd.estimate is not None
            and (abs(abs(rd.estimate) - abs(difference)) < DIFFERENCE_TOLERANCE)
        )
        if same and (reported := _reported_risk_difference(other, a, b)) is not None:
            plan.sources.append(other)
            return reported
    return None


def _one_risk_difference(passage: Passage) -> Fact | None:
    """The sentence's risk difference, when it reports exactly one, with its CI."""
    facts = facts_of(passage.metadata)
    differences = [f for f in facts if f.kind == "effect" and f.measure == "RD"]
    if len(differences) != 1:
        return None
    rd = differences[0]
    return None if rd.estimate is None or rd.ci_low is None or rd.ci_high is None else rd


def _reported_risk_difference(
    passage: Passage, a: extract.ArmValue, b: extract.ArmValue
) -> ToolCall | None:
    """The sentence's one reported risk difference with its CI, as a `reported_difference`."""
    rd = _one_risk_difference(passage)
    if rd is None or rd.estimate is None or rd.ci_low is None or rd.ci_high is None:
        return None
    study = passage.study
    try:
        return reported_difference(study, rd.estimate, rd.ci_low, rd.ci_high, a.arm, b.arm,
                                   p_value=rd.p_value, p_relation=rd.p_relation or "=")  # fmt: skip
    except ToolInputError:
        return None  # an estimate outside its own interval: not transcribed


def _reported_effect(passage: Passage, a: extract.ArmValue, b: extract.ArmValue) -> ToolCall | None:
    """The sentence's one reported effect ratio (with its CI and P value when given), or
    else the one P value its two figures share, as a `reported_effect`: the study's own
    measure beside a difference computed from its percentages."""
    facts = facts_of(passage.metadata)
    ratios = [f for f in facts if f.kind == "effect" and f.measure in RATIO_MEASURES]
    if len(ratios) > 1 or any(f.kind == "effect" and f not in ratios for f in facts):
        return None
    figures = [f for f in facts if f.kind != "effect"]
    shared_p = {(f.p_value, f.p_relation) for f in figures}
    found = ratios[0] if ratios else None
    if found is None and (len(figures) != 2 or len(shared_p) != 1):
        return None  # no ratio, and no single P value for exactly these two figures
    p_value, relation = (found.p_value, found.p_relation) if found else shared_p.pop()
    if found is None and p_value is None:
        return None
    try:
        return reported_effect(passage.study, a.arm, b.arm,
                               found.measure if found else None,
                               found.estimate if found else None,
                               found.ci_low if found else None,
                               found.ci_high if found else None,
                               p_value, relation or "=")  # fmt: skip
    except ToolInputError:
        return None  # an estimate outside its own interval: not transcribed


DIFFERENCE_TOLERANCE = 0.05  # points: a reported difference is the computed one, rounded
LEADING_PASSAGES = 3  # the documents of these best passages are what a question is about
TOOL_PREFERENCE = 8  # a sentence with counts this high in the ranking beats one without
ACROSS_CANDIDATES = 60  # passages searched for per-study differences
_REPORTED_DIFF = re.compile(
    r"difference (?:of |was )?(-?\d+(?:\.\d+)?)\s*(?:%|percentage points|points)?[ ,;(]*"
    r"95% CI (-?\d+(?:\.\d+)?)%? to (-?\d+(?:\.\d+)?)",
    re.I,
)


def _across_studies(routed: Route, retrieval: Retrieval, plan: ToolPlan) -> bool:
    """One between-arm difference per study, for a forest plot (never pooled): recomputed
    from counts where a sentence gives them, else transcribed as the study reported it."""
    wanted = routed.measure
    if wanted is None and routed.names_response:
        wanted = "overall"
    rows: dict[str, tuple[Passage, ToolCall]] = {}
    candidates = list(retrieval.passages)
    if plan.lookup is not None:
        candidates += plan.lookup(f"{routed.query} difference versus 95% CI", ACROSS_CANDIDATES)
    for passage in candidates:
        if passage.document_id not in rows:
            call = _study_difference(passage, wanted, plan.profile)
            if call is not None:
                rows[passage.document_id] = (passage, call)
    if len(rows) < 2:
        return False
    for passage, call in rows.values():
        plan.sources.append(passage)
        plan.calls.append(call)
    return True


_STEPS: dict[Task, Callable[[Route, Retrieval, ToolPlan], bool]] = {
    "convert": _conversion,
    "thresholds": _thresholds,
    "dose": _dosing,
    "course": _course,
    "eligibility": _eligibility,
    "remission": _remission,
    "compare": _compare_given,
    "rate": _rate_check,
    "across": _across_studies,
    "difference": _trial_stats,
    "shares": _arm_shares,
}


def _study_difference(passage: Passage, wanted: str | None, profile: Profile) -> ToolCall | None:
    measure = extract.measure_of(passage.text) or "other"
    if wanted is not None and measure != wanted:
        return None
    study = passage.study
    outcome = extract.MEASURE_WORDS.get(measure, "")
    arms = profile.arms.in_order(passage.text)
    reported = _REPORTED_DIFF.search(passage.text)
    if reported and len(arms) >= 2:
        diff, low, high = (float(g) for g in reported.groups())
        call = reported_difference(study, diff, low, high, arms[0], arms[1], outcome)
        return replace(call, text=f"{study}: {call.text}")
    counted = [v for v in extract.arm_values(passage.text, profile.arms) if v.events is not None]
    if len(counted) >= 2 and counted[0].arm != counted[1].arm:
        call = _counts_comparison_plain(counted[0], counted[1])
        return replace(call, output={**call.output, "study": study, "outcome": outcome},
                       text=f"{study}: {call.text}")  # fmt: skip
    return None


def _counts_comparison_plain(a: extract.ArmValue, b: extract.ArmValue) -> ToolCall:
    assert a.events is not None and a.total is not None
    assert b.events is not None and b.total is not None
    return compare_arms(a.events, a.total, b.events, b.total, a.arm, b.arm)


def _counts_comparison(routed: Route, a: extract.ArmValue, b: extract.ArmValue) -> ToolCall:
    assert a.events is not None and a.total is not None
    assert b.events is not None and b.total is not None
    call = _comparison(routed, (a.events, a.total, a.arm), (b.events, b.total, b.arm),
                       _higher_is_better(routed, a))  # fmt: skip
    return _noting_derived(call, a, b)


def _higher_is_better(routed: Route, compared: extract.ArmValue) -> bool:
    """A response rate is better higher, whatever harms the question also asks about ("CRR,
    and how did serious adverse events compare?"); another figure, as the question reads."""
    return compared.measure in extract.MEASURE_WORDS or not routed.about_harms


def _comparison(
    routed: Route,
    a: tuple[int, int, str],
    b: tuple[int, int, str],
    higher_is_better: bool | None = None,
) -> ToolCall:
    """Two groups' (events, total, label) compared: against the margin the question gives,
    if it gives one, else by risk difference, ratios and NNT (`higher_is_better`: as the
    question reads, unless said)."""
    (events_a, total_a, label_a), (events_b, total_b, label_b) = a, b
    if routed.margin is not None:
        return non_inferiority(events_a, total_a, events_b, total_b, routed.margin, label_a,
                               label_b)  # fmt: skip
    better = not routed.about_harms if higher_is_better is None else higher_is_better
    return compare_arms(events_a, total_a, events_b, total_b, label_a, label_b,
                        higher_is_better=better)  # fmt: skip


def _arm_rate(arm: extract.ArmValue) -> ToolCall:
    assert arm.events is not None and arm.total is not None
    # A total worked back from the percentage matches it by construction: no check to show.
    reported = None if arm.total_derived else _shown(arm.percent)
    return _noting_derived(rate(arm.events, arm.total, reported), arm)


def _noting_derived(call: ToolCall, *arms: extract.ArmValue) -> ToolCall:
    """The call, recording which totals were worked back from a count and its percentage, and
    which are arm sizes another sentence states (the sentence gave none): the reader sees
    where each denominator came from."""
    derived = [arm.total for arm in arms if arm.total_derived]
    sized = [arm.total for arm in arms if arm.total_stated_in]
    noted = {"totals_worked_back": derived, "totals_are_arm_sizes": sized}
    if not derived and not sized:
        return call
    return replace(call, inputs={**call.inputs, **{k: v for k, v in noted.items() if v}})


def _single_arm_ci(routed: Route, a: extract.ArmValue, b: extract.ArmValue) -> Any:
    """ "95% CI for the drug A response rate" -> that arm's counts, if the text has them."""
    if not routed.asks_interval or len(routed.arms) != 1:
        return None
    arm = a if a.arm == routed.arms[0] else b if b.arm == routed.arms[0] else None
    return arm if arm is not None and _counted(arm) else None


ArmPair = tuple[Passage, extract.ArmValue, extract.ArmValue]  # a sentence and two arms' figures


@dataclass(frozen=True)
class _PairSearch:
    """Finds the best-ranked passage giving the same measure for two different arms (with
    counts, when the calculation needs them and some passage has them). A question about a
    subgroup the profile names ("class V") only takes figures from a sentence about one: about
    the same subgroup when some sentence is, else about another ("class III or IV")."""

    profile: Profile
    needs_counts: bool
    subgroups: frozenset[str]  # the profile's subgroups the question names
    # the figures the question states, or points back at ("from those numbers")
    quoted: frozenset[float] = frozenset()
    document: Callable[[str], list[Passage]] | None = None  # see `ToolPlan.document`
    asked: frozenset[str] = frozenset()  # the question's words (tokens), for its outcome
    interval: bool = False  # the question asks for a confidence interval (counts needed)

    def find(self, passages: list[Passage], measure: str | None) -> ArmPair | None:
        """`measure` None: any measure, the first two arms' figures of the same measure. A
        question naming no subgroup and asking no interval takes a sentence about all patients
        first (a subgroup's counted figures are not the study's result; an interval needs
        counts, which a subgroup's sentence may have alone)."""
        if not self.subgroups:
            if not self.interval:
                whole = [p for p in passages if not self.profile.subgroups_in(p.text)]
                found = self._find(whole, measure)
                if found is not None:
                    return found
            return self._find(passages, measure)
        about_one = [p for p in passages if self.profile.subgroups_in(p.text)]
        same = [p for p in about_one if self.subgroups & self.profile.subgroups_in(p.text)]
        return (self._find(same, measure) if same else None) or self._find(about_one, measure)

    def _find(self, passages: list[Passage], measure: str | None) -> ArmPair | None:
        pairs = []
        for passage in passages:
            by_arm: dict[str, extract.ArmValue] = {}
            values = extract.arm_values(passage.text, self.profile.arms)
            found = _with_counts(passage, values) or self._sized(passage)
            for value in found or self._in_design_order(passage):
                if value.measure in extract.NOT_RATES:
                    continue  # a score's mean change, a sample's division: no rate of patients
                if measure is None or value.measure == measure:
                    by_arm.setdefault(value.arm, value)
            if measure is None:  # the figures of the measure its first arm's figure gives
                first = next(iter(by_arm.values()), None)
                by_arm = {a: v for a, v in by_arm.items() if first and v.measure == first.measure}
            if len(by_arm) == 1:  # "10.1% of the A arm versus 11.2% of the control arm"
                other = _other_group(passage, next(iter(by_arm.values())))
                by_arm |= {other.arm: other} if other else {}
            if len(by_arm) >= 2:
                first, second = list(by_arm.values())[:2]
                pairs.append((passage, first, second))
        return self._prefer_counts(pairs, passages)

    def _in_design_order(self, passage: Passage) -> list[extract.ArmValue]:
        """An "a% vs b%" pair in a sentence naming no arm or group ("The most common serious
        event was infection (8.9% vs 16.2%)"), as its document's two arms in the order its
        design sentence names them ("randomised to A or B"): a report gives a comparison's
        figures in the order it introduced the arms."""
        if self.document is None or self.profile.arms.in_text(passage.text):
            return []
        pairs = [(a, b) for a, b in group_pairs(facts_of(passage.metadata))
                 if a.group is None and b.group is None]  # fmt: skip
        if len(pairs) != 1:
            return []
        design = extract.design_sentence(self.document(passage.document_id), self.profile.arms)
        arms = self.profile.arms.in_order(design.text) if design is not None else []
        if len(arms) != 2:
            return []
        measure = extract.measure_of(passage.text) or "other"
        return [
            extract.ArmValue(arm=arm, clause=passage.text, percent=fact.percent,
                             events=fact.events, total=fact.total, measure=measure)
            for arm, fact in zip(arms, pairs[0], strict=True)
        ]  # fmt: skip

    def _sized(self, passage: Passage) -> list[extract.ArmValue]:
        """Two arms' bare counts ("21 in the drug A arm versus 12 in the drug B arm"), each
        with its arm's size as the total, from the first sentence of the same document
        stating both sizes ("185 in each arm"); none when no sentence does."""
        counts = extract.bare_counts(passage.text, self.profile.arms)
        if not counts or self.document is None:
            return []
        for stated in self.document(passage.document_id):
            sizes = extract.arm_sizes(stated.text, self.profile.arms)
            totals = [sizes.get(c.arm, sizes.get("*")) for c in counts]
            if all(totals):
                return [replace(c, total=t, total_stated_in=stated.id)
                        for c, t in zip(counts, totals, strict=True)]  # fmt: skip
        return []

    def from_facts(self, passages: list[Passage]) -> ArmPair | None:
        """Two groups' proportions of one outcome, from the facts extracted at ingest."""
        pairs = []
        for passage in passages[:TOOL_PREFERENCE]:
            facts = facts_of(passage.metadata)
            for a, b in group_pairs(facts):
                first, second = _arm_value(a, 1), _arm_value(b, 2)
                if first.arm != second.arm:
                    pairs.append((passage, first, second))
                    break
        return self._prefer_counts(pairs, passages)

    def _named(self, pair: ArmPair) -> int:
        """How many of the question's words the pair's sentence uses."""
        return len(self.asked & set(bm25_tokens(pair[0].text)))

    def _quotes(self, pair: ArmPair) -> bool:
        """The question states both arms' figures of the pair."""
        return {pair[1].percent, pair[2].percent} <= self.quoted

    def _prefer_counts(
        self,
        pairs: list[ArmPair],
        passages: list[Passage],
    ) -> ArmPair | None:
        # The document the question is about (the best passage's) gives the figures when it
        # has a pair; another document's only when it has none.
        if passages:
            pairs = sorted(pairs, key=lambda pair: pair[0].document_id != passages[0].document_id)
        # The sentence stating both figures the question quotes ("8.9% vs 16.2%: NNT?") is
        # the one asked about.
        pairs = sorted(pairs, key=lambda pair: not self._quotes(pair))
        # Counts are preferred for their confidence interval, but, unless one is asked for,
        # not over the outcome asked: a counted pair's sentence names as many of the
        # question's words as the best one ("serious infection": not the serious adverse
        # events' counts)
        named = 0 if self.interval else max(map(self._named, pairs), default=0)
        with_counts = [pair for pair in pairs if _counted(pair[1]) and _counted(pair[2])
                       and self._named(pair) >= named]  # fmt: skip
        if pairs and self._quotes(pairs[0]):
            with_counts = with_counts[:1] if with_counts[:1] == pairs[:1] else []
        elif not self.needs_counts:  # totals worked back only serve a question needing counts
            with_counts = [pair for pair in with_counts if _written_counts(pair)]
        if with_counts and (self.needs_counts or with_counts[0][0] in passages[:TOOL_PREFERENCE]):
            return with_counts[0]  # counts give a confidence interval; percentages alone do not
        if not pairs:
            return None
        passage, a, b = pairs[0]
        return (passage, a, b) if self.needs_counts else (passage, _as_written(a), _as_written(b))


def _with_counts(passage: Passage, values: list[extract.ArmValue]) -> list[extract.ArmValue]:
    """Counts the sentence's extracted facts give for a figure ("412 of 2205 (18.7%)"), where
    the arm's own clause only yielded the percentage."""
    facts = facts_of(passage.metadata)
    counted = {f.percent: f for f in facts if f.events is not None and f.percent is not None}
    filled = []
    for value in values:
        fact = counted.get(value.percent) if value.percent is not None else None
        if fact is None or (value.events is not None and value.total):
            filled.append(value)
        elif fact.total:
            filled.append(replace(value, events=fact.events, total=fact.total))
        elif (total := _worked_back_total(passage.text, fact)) is not None:
            filled.append(replace(value, events=fact.events, total=total, total_derived=True))
        else:
            filled.append(value)
    return filled


def _worked_back_total(sentence: str, fact: Fact) -> int | None:
    """The total behind "29 patients (18.5%)", from the count and the percentage as written."""
    assert fact.events is not None and fact.percent is not None
    written = re.search(r"(\d+(?:\.(\d+))?)\s*%", sentence[fact.span[0] : fact.span[1]])
    if written is None or float(written.group(1)) != fact.percent:
        return None
    return derived_total(fact.events, fact.percent, len(written.group(2) or ""))


def _size_passages(plan: ToolPlan, passage: Passage, *arms: extract.ArmValue) -> list[Passage]:
    """The passages stating the arm sizes used as totals (cited: the totals are theirs)."""
    stated = {arm.total_stated_in for arm in arms if arm.total_stated_in}
    if not stated or plan.document is None:
        return []
    return [p for p in plan.document(passage.document_id) if p.id in stated]


def _written_counts(pair: ArmPair) -> bool:
    """Both arms have counts, and the sentence writes them (none worked back)."""
    return all(_counted(arm) and not arm.total_derived for arm in (pair[1], pair[2]))


def _as_written(value: extract.ArmValue) -> extract.ArmValue:
    """The figure without a total worked back from its percentage."""
    return replace(value, total=None, total_derived=False) if value.total_derived else value


def _counted(value: extract.ArmValue) -> bool:
    return value.events is not None and bool(value.total)


def _arm_value(fact: Fact, order: int) -> extract.ArmValue:
    """A fact as one arm's figure; a group the sentence does not name is called by its place."""
    name = fact.group or ("the first group" if order == 1 else "the second group")
    return extract.ArmValue(
        arm=name,
        clause=name,
        percent=fact.percent,
        events=fact.events,
        total=fact.total,
        measure="other",
    )


def _shown(percent: float | None) -> str | None:
    return None if percent is None else f"{percent:.1f}"


def _other_group(passage: Passage, arm: extract.ArmValue) -> extract.ArmValue | None:
    """The group a sentence sets against an arm's figure when the profile names no arm of it
    ("the control arm", "the comparator group"): from the facts extracted at ingest, the
    pair whose other group's figure stands beside the arm's own."""
    for a, b in group_pairs(facts_of(passage.metadata)):
        for own, other in ((a, b), (b, a)):
            if (own.percent == arm.percent and own.group and arm.arm.lower() in own.group.lower()
                    and other.group and other.percent is not None):  # fmt: skip
                name = re.sub(r"^the\s+|\s+(?:arm|group)$", "", other.group, flags=re.I)
                return replace(arm, arm=name, percent=other.percent, events=other.events,
                               total=other.total, figure=None)  # fmt: skip
    return None


def _subgroup_label(routed: Route, passage: Passage, profile: Profile) -> str:
    """The subgroup the question asks about, as it wrote it ("class V"), when the compared
    figures' sentence names the same one (however it calls the kind: "type V") and does not
    set it aside ("pure class V excluded"): a subgroup's figures are not the study's result."""
    if profile.subgroup is None:
        return ""
    asked = profile.subgroup.search(routed.question)
    said = {subgroup_key(m.group()) for m in profile.subgroup.finditer(passage.text)
            if not _SET_ASIDE_AFTER.match(passage.text, m.end())}  # fmt: skip
    return asked.group() if asked and subgroup_key(asked.group()) in said else ""


# "(pure class V excluded)", "class V aside": a subgroup named to leave it out
_SET_ASIDE_AFTER = re.compile(r"\W{0,3}(?:\w+\s+){0,2}(?:excluded|aside|apart)\b", re.I)


def _figures_asked_elsewhere(
    routed: Route, pair_sentence: Passage, passages: list[Passage]
) -> bool:
    """The question states a measured figure ("SLEDAI fell by 8.6 points"), one with decimals
    (not a week or a dose), that a sentence among the best states, while the pair's sentence
    states none of the question's figures: the pair is another measure's than the one asked."""
    stated = {value_key(abs(t.value)): t for t in numbers_in(routed.question)}
    measured = {value for value, token in stated.items() if token.decimals}
    if not measured:
        return False

    def figures(passage: Passage) -> set[float]:
        return {value_key(abs(t.value)) for t in numbers_in(passage.text)}

    if set(stated) & figures(pair_sentence):
        return False
    return any(measured & figures(p) for p in passages[:TOOL_PREFERENCE])
