"""How results read to a clinician: compact source badges and calculations in words.

Pure functions over passage metadata and `ToolCall.to_dict()`-shaped dicts, shared by the
answer text (`answer.render`) and the chat page (`ui`). Every number they write is a number of
the tool output or of the source's bibliographic data they are given, so the verifier's rule
(no number without a cited quote or a tool call behind it) holds for their text too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .ingest import in_ranges
from .tools._format import decimal_places
from .tools.stats import relative_words
from .types import Passage

MINUS = "\u2212"  # a real minus sign: "−1.8" reads as a number, "-1.8" as a hyphen
UNCHECKED = "unchecked upload"
INTERVIEWER = "interviewer's words, not a finding"

# A study design written out in a record or export, as clinicians abbreviate it.
_DESIGNS = (
    (re.compile(r"\binterview\b", re.I), "news interview"),
    (re.compile(r"\bmeta-?analys", re.I), "meta-analysis"),
    (re.compile(r"\bsystematic review", re.I), "systematic review"),
    (re.compile(r"\bguideline", re.I), "guideline"),
    (re.compile(r"\brandomi[sz]ed\b.*\btrial|\bRCT\b", re.I), "RCT"),
    (re.compile(r"\bcohort\b", re.I), "cohort study"),
    (re.compile(r"\bcase[- ]control", re.I), "case-control study"),
    (re.compile(r"\bcross-sectional", re.I), "cross-sectional study"),
    (re.compile(r"\bcase (?:report|series)", re.I), "case report"),
    (re.compile(r"\breview\b", re.I), "review"),
)


def short_design(design: str) -> str:
    """ "Randomised controlled trial (open-label, non-inferiority)" -> "RCT"."""
    for pattern, short in _DESIGNS:
        if pattern.search(design):
            return short
    words = design.split("(")[0].split()
    return " ".join(words[:3]).lower()


def is_unchecked(meta: Mapping[str, Any]) -> bool:
    """Uploaded or added from a file by a user (the same rule as `answer.unchecked`)."""
    return (
        meta.get("provenance") == "upload"
        or meta.get("origin") == "added"
        or meta.get("kind") == "upload"
    )


def speaker_role(meta: Mapping[str, Any]) -> str | None:
    """ "interviewer" when the passage is an interviewer's question or remark (`ingest` stores
    their sentence numbers in the document's `interviewer_sentences`), else None."""
    ranges = str(meta.get("interviewer_sentences") or "")
    position = meta.get("position")
    if ranges and isinstance(position, int) and in_ranges(ranges, position):
        return "interviewer"
    return None


def interviewer_turn(passage: Passage) -> bool:
    """An interviewer's question or remark: context, never a finding."""
    return speaker_role(passage.metadata) == "interviewer"


_ENGLISH = "en"


def language_name(meta: Mapping[str, Any]) -> str | None:
    """ "German" for a record its export lists as written in German only ("ger"); None when
    it is (also) in English or names no language. A code no table knows is shown as written."""
    codes = [c.strip() for c in str(meta.get("language") or "").split(";") if c.strip()]
    names = [_language(code) for code in codes]
    if not names or any(tag == _ENGLISH for tag, _ in names):
        return None
    return " and ".join(dict.fromkeys(name for _, name in names))


def _language(code: str) -> tuple[str | None, str]:
    import langcodes

    try:
        language = langcodes.Language.get(code)
    except ValueError:  # a name, not a code ("English")
        return (_ENGLISH if code.lower() == "english" else None), code
    name = language.display_name()
    return language.language, code if name.startswith("Unknown language") else name


def badge(meta: Mapping[str, Any]) -> str:
    """ "Smith interview 2021 · news interview", "Tester 2024 · RCT · unchecked upload"."""
    name = str(meta.get("short_name") or meta.get("doc_id") or meta.get("title") or "source")
    year = str(meta.get("year") or "")
    parts = [name]
    if year and year not in name:
        parts.append(year)
    design = short_design(str(meta.get("design") or ""))
    if design and design.lower() not in name.lower():
        parts.append(design)
    if meta.get("kind") == "abstract" and not is_unchecked(meta):
        parts.append("abstract record")
    if language := language_name(meta):
        parts.append(f"in {language}")
    if is_unchecked(meta):
        parts.append(UNCHECKED)
    if speaker_role(meta) == "interviewer":
        parts.append(INTERVIEWER)
    return " · ".join(p for p in parts if p)


# ------------------------------------------------------------------ numbers in words


def num(value: Any, decimals: int | None = None) -> str:
    """A number as written in the tool output (or to `decimals`), with a real minus sign."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    text = f"{value:.{decimals}f}" if decimals is not None else _trim(value)
    return text.replace("-", MINUS)


def signed(value: Any, decimals: int = 1) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    text = f"{value:+.{decimals}f}"
    return text.replace("-", MINUS)


def _trim(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def nnt_phrase(out: Mapping[str, Any]) -> str:
    """ "NNT 13 (95% CI: NNT 6 benefit to NNT 56 harm)", as clinicians write it (Altman)."""
    nnt, kind = out.get("nnt"), str(out.get("nnt_kind") or "")
    level = out.get("confidence_level_percent", 95)
    if nnt is None:
        return "no difference, NNT not defined"
    head = f"NNT {nnt}" if kind == "benefit" else f"NNH {nnt}"
    if out.get("nnt_ci_excludes_no_difference"):
        low, high = out.get("nnt_ci_low"), out.get("nnt_ci_high")
        if low is not None and high is not None:
            return f"{head} ({level}% CI {low} to {high})"
        return head
    benefit, harm = out.get("nnt_ci_benefit_limit"), out.get("nnt_ci_harm_limit")
    ends = [f"NNT {benefit} benefit" if benefit else "", f"NNT {harm} harm" if harm else ""]
    ends = [e for e in ends if e]
    if not ends:
        return head
    if len(ends) == 1:
        ends.append("no difference")
    return f"{head} ({level}% CI: {ends[0]} to {ends[1]})"


def _ci(out: Mapping[str, Any], low_key: str, high_key: str, fmt: Any = num) -> str:
    low, high = out.get(low_key), out.get(high_key)
    level = out.get("confidence_level_percent", 95)
    if _number(low) is None or _number(high) is None:
        return ""
    return f" ({level}% CI {fmt(low)} to {fmt(high)})"


def _arm(out: Mapping[str, Any], inputs: Mapping[str, Any], side: str) -> str:
    label = str(out.get(f"label_{side}") or inputs.get(f"label_{side}") or side)
    percent = out.get(f"percent_{side}")
    events, total = inputs.get(f"events_{side}"), inputs.get(f"total_{side}")
    counts = f" ({events}/{total})" if events is not None and total is not None else ""
    shown = f"{num(percent, 1)}%" if _number(percent) is not None else ""
    return f"{label} {shown}{counts}".strip()


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _comparison(call: Mapping[str, Any]) -> tuple[str, str]:
    out, inputs = _parts(call)
    rd = out.get("risk_difference_points")
    if _number(rd) is None:
        return "", ""
    ci = _ci(out, "rd_ci_low_points", "rd_ci_high_points", lambda v: signed(v, 1))
    head = f"{_arm(out, inputs, 'a')} vs {_arm(out, inputs, 'b')}: "
    head += f"RD {signed(rd, 1)} points{ci}"
    if "nnt_ci_excludes_no_difference" in out and "non_inferior" not in out:
        # the RD's interval, which the NNT's is read from, either side of no difference
        head += ("; the interval excludes zero" if out["nnt_ci_excludes_no_difference"]
                 else "; the interval includes zero (no significant difference)")  # fmt: skip
    rest: list[str] = []
    if "non_inferior" in out:
        margin = out.get("margin_points")
        lower = out.get("lower_bound_points")
        verdict = "non-inferior" if out.get("non_inferior") else "non-inferiority not shown"
        relation = "above" if out.get("non_inferior") else "not above"
        head += f"; {verdict}"
        rest.append(
            f"Lower limit {signed(lower, 1)} is {relation} the margin of {MINUS}{num(margin)} "
            "points you supplied (the trial's own margin is not confirmed in the sources)."
        )
    for key, short in (("risk_ratio", "RR"), ("odds_ratio", "OR")):
        prefix = "rr" if short == "RR" else "or"
        if _number(out.get(key)) is not None:
            ratio_ci = _ci(out, f"{prefix}_ci_low", f"{prefix}_ci_high", lambda v: num(v, 2))
            rest.append(f"{short} {num(out[key], 2)}{ratio_ci}")
    if "nnt_kind" in out:
        rest.append(nnt_phrase(out))
    return head, " · ".join(rest)


def _rate(call: Mapping[str, Any]) -> tuple[str, str]:
    out, _ = _parts(call)
    if _number(out.get("percent")) is None:
        return "", ""
    ci = _ci(out, "ci_low_percent", "ci_high_percent", lambda v: f"{num(v, 1)}%")
    head = f"{out.get('events')}/{out.get('total')} = {num(out['percent'], 1)}%{ci}"
    rest = ""
    if "matches_reported" in out:
        reported = out.get("reported_as") or num(out.get("reported_percent"))
        verdict = "matches" if out["matches_reported"] else "does not match"
        head += f"; the reported {reported}% {verdict} the counts"
    return head, rest  # the CI method is on the calculation's "Method" line


def _percentages(call: Mapping[str, Any]) -> tuple[str, str]:
    out, _ = _parts(call)
    diff = out.get("difference_points")
    if _number(diff) is None:
        return "", ""
    a = f"{out.get('label_a')} {num(out.get('percent_a'))}%"
    b = f"{out.get('label_b')} {num(out.get('percent_b'))}%"
    outcome = f" ({out['outcome']})" if out.get("outcome") else ""
    head = f"{a} vs {b}{outcome}: difference {signed(diff, _decimals(diff))} points"
    rest = []
    if _number(out.get("ratio")) is not None:
        relative = _number(out.get("relative_change_percent"))
        change = f" ({relative_words(relative)})" if relative else ""
        rest.append(f"ratio {num(out['ratio'], 2)}{change}")
    if out.get("nnt"):
        rest.append(nnt_phrase(out))
    if out.get("ci_reported"):  # the study's own difference and CI follow as a calculation
        rest.append("no interval computable without the counts; the study's own is below")
    elif out.get("effect_reported"):  # its own ratio or P value follows
        rest.append("no confidence interval without the counts; the study's own measure is below")
    else:
        rest.append("no confidence interval without the counts")
    text = "; ".join(rest)
    return head, text[0].upper() + text[1:] + "."


def _decimals(value: Any) -> int:
    return max(1, decimal_places(float(value)))


def _reported(call: Mapping[str, Any]) -> tuple[str, str]:
    """ "A vs B (outcome): difference +20.4 points (95% CI +10.3 to +30.6), as reported"."""
    out, _ = _parts(call)
    diff = out.get("risk_difference_points")
    if _number(diff) is None:
        return "", ""
    ci = _ci(out, "rd_ci_low_points", "rd_ci_high_points", lambda v: signed(v, _decimals(v)))
    if ci and _number(out.get("p_value")) is not None:  # "(95% CI ... ; P=0.02)"
        ci = f"{ci[:-1]}; P{out.get('p_relation') or '='}{num(out['p_value'])})"
    outcome = f" ({out['outcome']})" if out.get("outcome") else ""
    arms = f"{out.get('label_a')} vs {out.get('label_b')}{outcome}"
    return f"{arms}: difference {signed(diff, _decimals(diff))} points{ci}, as reported", ""


def _as_reported(call: Mapping[str, Any]) -> tuple[str, str]:
    """ "A vs B: odds ratio 1.6 (95% CI 1.0 to 2.3; P=0.03), as reported": the tool's own."""
    return str(call.get("text") or "").strip().removesuffix("."), ""


def _remission(call: Mapping[str, Any]) -> tuple[str, str]:
    """A patient check: every criteria set's verdict with its reasons (up to the first
    sentence end outside brackets), then how the values were read."""
    text = str(call.get("text") or "").strip()
    depth = 0
    for at, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and text.startswith(". ", at):
            return text[: at + 1], text[at + 2 :].strip()
    return text, ""


def response_yes_no(call: Mapping[str, Any]) -> str:
    """ "Yes" when every criteria set of a patient check names one response and the values meet
    it, "No" when they meet none; "" otherwise (a set with complete and partial levels, whose
    verdict says which, or data missing)."""
    out, _ = _parts(call)
    sets = [v for v in out.values() if isinstance(v, dict) and "category" in v]
    if call.get("name") != "remission_check" or not sets:
        return ""
    if any(s.get("partial_criteria") or s.get("needed_for_partial") for s in sets):
        return ""
    categories = {str(s.get("category")) for s in sets}
    return (
        {"complete": "Yes", "no response": "No"}.get(categories.pop(), "")
        if len(categories) == 1
        else ""
    )


def _split_text(call: Mapping[str, Any]) -> tuple[str, str]:
    """A tool's own sentence: its verdict (up to the first ": " or sentence end) first."""
    text = str(call.get("text") or "").strip()
    for sep in (". ", ": "):
        head, found, rest = text.partition(sep)
        if found and len(head) < 160:
            return head + ("." if sep == ". " else ""), rest.strip()
    return text, ""


def _parts(call: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    out, inputs = call.get("output"), call.get("inputs")
    return (out if isinstance(out, dict) else {}, inputs if isinstance(inputs, dict) else {})


def _eligibility(call: Mapping[str, Any]) -> tuple[str, str]:
    """ "Not eligible for the X trial (…): age 65 years (18 to 60 years) fail"."""
    text = str(call.get("text") or "").strip().rstrip(".")
    verdict, found, rest = text.partition(": ")
    if not found:
        return "", ""
    parts = [p.strip() for p in rest.split("; ")]
    failing = [p for p in parts if p.endswith(" fail") or p.startswith("not assessed")]
    if not failing:
        return f"{verdict}: every criterion met", rest + "."
    met = [p for p in parts if p not in failing]  # (the head names the others)
    return f"{verdict}: {'; '.join(failing)}", "; ".join(met) + "." if met else ""


def _dose(call: Mapping[str, Any]) -> tuple[str, str]:
    out, _ = _parts(call)
    start, weeks = out.get("starting_mg_per_day"), out.get("initial_weeks")
    if _number(start) is None or _number(weeks) is None:
        return "", ""
    weight = f"Weight {num(out.get('weight_kg'))} kg: " if out.get("weight_kg") else ""
    drug = str(out.get("drug") or "oral dose")
    cap = ""
    product = _dose_product(out)
    if out.get("cap_applied") and out.get("max_mg_per_day") is not None:
        cap = f" (the {num(out['max_mg_per_day'])} mg/d maximum applied)"
    elif product and _number(out.get("computed_dose_mg_per_day")) != _number(start):
        cap = f" ({product}, rounded)"
    head = f"{weight}{drug} {num(start)} mg/d for the first {num(weeks)} weeks{cap}"
    return head, str(call.get("text") or "")


def _dose_product(out: Mapping[str, Any]) -> str:
    """ "0.8 mg/kg/day × 52 kg = 41.6 mg/d": the arithmetic behind a weight-based dose."""
    per_kg, weight = out.get("mg_per_kg_per_day"), out.get("weight_kg")
    computed = out.get("computed_dose_mg_per_day")
    if None in (_number(per_kg), _number(weight), _number(computed)):
        return ""
    return f"{num(per_kg)} mg/kg/day × {num(weight)} kg = {num(computed)} mg/d"


_WORDED = {
    "remission_check": _remission,
    "trial_eligibility": _eligibility,
    "dose_schedule": _dose,
    "compare_arms": _comparison,
    "non_inferiority": _comparison,
    "rate": _rate,
    "difference_of_percentages": _percentages,
    "reported_difference": _reported,
    "reported_effect": _as_reported,
}


def calculation_words(call: Mapping[str, Any]) -> tuple[str, str]:
    """(first line, the rest) of a tool call in a clinician's words; the tool's own sentence
    split at its verdict when no wording is defined for it."""
    worded = _WORDED.get(str(call.get("name")))
    head, rest = worded(call) if worded else ("", "")
    return (head, rest) if head else _split_text(call)


# How `nnt_phrase` writes an NNT, for a calculation's "Method" line (the tool's own convention
# spells the interval the older way, "NNT (benefit) X to infinity to NNT (harm) Y").
NNT_METHOD = (
    "NNT rounded up to a whole patient; a CI that crosses no difference runs from an NNT for "
    "benefit to an NNT for harm (Altman, BMJ 1998)"
)


def method_words(key: str, value: Any) -> str:
    """A tool's method or convention note as the Calculations panel writes it."""
    return NNT_METHOD if key == "nnt_convention" else str(value)


TOOL_TITLES = {
    "compare_arms": "Comparison of two arms (risk difference, RR, OR, NNT)",
    "non_inferiority": "Non-inferiority against a margin",
    "rate": "Rate with its 95% CI",
    "difference_of_percentages": "Difference of two reported percentages",
    "reported_difference": "Difference as the study reported it",
    "reported_effect": "Effect as the study reported it",
    "remission_check": "Patient response check",
    "trial_eligibility": "Trial eligibility check",
    "dose_schedule": "Steroid schedule for a weight",
    "weight_dose": "A stated dose per kilogram, for a weight",
    "course_total": "A course's total dose",
    "convert": "Unit conversion",
}


# The confidence intervals a tool computed, by the output key naming each one's method.
INTERVAL_METHODS = (("ci_method", ""), ("rd_method", "RD "), ("rr_method", "RR "),
                    ("or_method", "OR "))  # fmt: skip


def interval_methods(output: Mapping[str, Any]) -> str:
    """ "; 95% CIs: RD Newcombe (Wilson score), RR log (Katz)" for the intervals the tool
    computed (not those a study reported), so the reader knows how each was made."""
    named = [
        f"{label}{output[key]}" for key, label in INTERVAL_METHODS
        if key in output and "reported" not in str(output[key])
    ]  # fmt: skip
    if not named:
        return ""
    return f"; 95% CI{'s' if len(named) > 1 else ''}: {', '.join(named)}"


def tool_title(name: str) -> str:
    return TOOL_TITLES.get(name) or name.replace("_", " ").capitalize()


def inputs_words(call: Mapping[str, Any]) -> str:
    """What a calculation started from, in words ("117/141 drug A vs 93/124 drug B")."""
    _, inputs = _parts(call)
    shown = {k: v for k, v in inputs.items() if v is not None}
    if {"events_a", "total_a", "events_b", "total_b"} <= set(shown):
        a = f"{shown['events_a']}/{shown['total_a']} {shown.get('label_a', 'a')}"
        b = f"{shown['events_b']}/{shown['total_b']} {shown.get('label_b', 'b')}"
        extra = f", margin {num(shown['margin_pct'])} points" if "margin_pct" in shown else ""
        return f"{a} vs {b}{extra}{_worked_back(shown)}"
    if {"pct_a", "pct_b"} <= set(shown):
        a = f"{num(shown['pct_a'])}% {shown.get('label_a', 'a')}"
        return f"{a} vs {num(shown['pct_b'])}% {shown.get('label_b', 'b')}"
    if {"events", "total"} <= set(shown):
        reported = shown.get("reported_percent")
        return (
            f"{shown['events']}/{shown['total']}"
            + (f", reported {reported}%" if reported is not None else "")
            + _worked_back(shown)
        )
    if {"value", "from_unit", "to_unit"} <= set(shown):  # a unit conversion
        units = (_unit_words(str(shown["from_unit"])), _unit_words(str(shown["to_unit"])))
        return f"{_value_words(shown['value'])} {units[0]} to {units[1]}"
    if {"weight_kg", "low_per_kg"} <= set(shown):  # a regimen per kilogram, for one weight
        high = shown.get("high_per_kg")
        rate = num(shown["low_per_kg"]) + (f" to {num(high)}" if high is not None else "")
        regimen = f"{rate} {shown.get('unit', 'mg')}/kg/{shown.get('per', 'day')}"
        return f"weight {num(shown['weight_kg'])} kg, {shown.get('drug', '')} {regimen}"
    if {"study", "label_a"} <= set(shown):  # a study's own reported figures
        return f"{shown['study']}'s reported figures"
    return ", ".join(_measured_words(shown))


def _worked_back(inputs: Mapping[str, Any]) -> str:
    """Where totals the sentence does not give came from."""
    if totals := inputs.get("totals_worked_back"):
        listed = " and ".join(str(total) for total in totals)
        return f" (total {listed} worked back from the count and its percentage: none is given)"
    if totals := inputs.get("totals_are_arm_sizes"):
        listed = " and ".join(str(total) for total in totals)
        what = "totals {}: the arms' sizes" if len(totals) > 1 else "total {}: the arm's size"
        return f" ({what.format(listed)}, stated in another sentence of the study)"
    return ""


# A unit written into an input's name ("age_years", "proteinuria_g_per_24h").
_KEY_UNITS = (("_years", "years"), ("_g_per_24h", "g/24 h"), ("_mg_per_day", "mg/day"),
              ("_kg", "kg"), ("_percent", "%"), ("_ml_min", "mL/min/1.73 m²"))  # fmt: skip
_ABBREVIATIONS = {"bmi": "BMI", "isn": "ISN", "egfr": "eGFR", "upcr": "UPCR", "uacr": "UACR"}


def _measured_words(shown: Mapping[str, Any]) -> list[str]:
    """ "proteinuria 0.4 g/day, baseline proteinuria 3.5 g/day, creatinine stable": each value
    beside its unit (given in `<name>_unit`, `baseline_unit` for `baseline_<name>`, or in the
    name itself), a yes/no input as its name alone when it holds (a flag left unset was not
    given: "not creatinine stable" would claim what nobody said)."""
    measured: list[tuple[str, Any, str]] = []  # (name, value, unit)
    paired: set[str] = set()
    for key, value in shown.items():
        if key.endswith("_unit"):
            continue
        stem, unit = key, ""
        for suffix, written in _KEY_UNITS:
            if key.endswith(suffix):
                stem, unit = key[: -len(suffix)], written
        unit_key = f"{stem}_unit"
        if unit_key not in shown and stem.startswith("baseline_") and not unit:
            unit_key = "baseline_unit"
        if unit_key in shown and not isinstance(value, bool):
            paired.add(unit_key)
            unit = _unit_words(str(shown[unit_key]))
        measured.append((stem, value, unit))
    words = []
    for key, value in shown.items():  # in the tool's order; a unit nobody took stays a value
        if key.endswith("_unit") and key not in paired:
            measured.append((key, _unit_words(str(value)), ""))
    for stem, value, unit in measured:
        if isinstance(value, bool):
            if value:
                words.append(_key_words(stem))
        else:
            words.append(" ".join(p for p in (_key_words(stem), _value_words(value), unit) if p))
    return words


def _unit_words(unit: str) -> str:
    return re.sub(r"\bu(?=(?:mol|g)\b)", "µ", unit)


def _key_words(key: str) -> str:
    return " ".join(_ABBREVIATIONS.get(w, w) for w in key.split("_"))


def _value_words(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list | tuple):  # "criteria sets trial-b" rather than a list's repr
        return ", ".join(_value_words(item) for item in value)
    return str(value)


# A discourse lead-in before the finding itself ("It can also be seen from the study results
# that at 24 weeks, …"): general English, dropped from the answer's own voice (the quote keeps it).
_LEAD_IN = re.compile(
    r"^(?:in (?:the|this|our) (?:study|trial), )?it (?:can (?:also )?be seen|is (?:reported|seen)|"
    r"was (?:found|shown|reported))(?: from [^,]{0,60}?)? that ",
    re.IGNORECASE,
)


def plain_statement(sentence: str) -> str:
    """A quoted sentence as the answer states it: without a discourse lead-in."""
    trimmed = _LEAD_IN.sub("", sentence.strip(), count=1)
    return _capital(trimmed) if trimmed != sentence.strip() else sentence.strip()
