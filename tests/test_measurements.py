"""One parser of patient measurements (`assistant/measurements.py`).

Two kinds of cases:
- GENERATED: analytes x unit spellings x orderings of current and baseline, change forms and
  stated states, each with the expected parse computed from the template's own parameters
  (never by calling the parser);
- CLINIC_NOTES: hand-written phrasings in the style of real notes, each with its expected parse
  as a literal (including the three reported bugs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest

from assistant.measurements import PatientValues, likely_unit, parse, unit_key
from assistant.numerals import with_digits

# Expected reading of one analyte: (value, unit, baseline, baseline_unit, change_percent, state)
Reading = tuple[Any, Any, Any, Any, Any, Any]


def reading(values: PatientValues, analyte: str) -> Reading | None:
    m = values.get(analyte)
    if m is None:
        return None
    return (m.value, m.unit, m.baseline, m.baseline_unit, m.change_percent, m.state)


# ---------------------------------------------------------------- generated from templates


@dataclass(frozen=True)
class Spelling:
    written: str  # the unit as the question writes it
    key: str  # the unit key of assistant/tools/units.py it stands for
    current: str  # a current and a baseline figure plausible in that unit, as written
    baseline: str


NAMES = {
    "creatinine": ("creatinine", "serum creatinine", "SCr", "Cr", "sCr", "plasma creatinine"),
    "albumin": ("albumin", "serum albumin", "alb", "Alb"),
    "proteinuria": (
        "proteinuria",
        "urine protein",
        "24-h urine protein",
        "urinary protein",
        "24h urine protein",
        "24-hour urine",
    ),
    "ratio": ("UPCR", "PCR", "protein:creatinine ratio", "urine protein/creatinine ratio"),
}
SPELLINGS = {
    "creatinine": (
        Spelling("µmol/L", "umol/L", "110", "80"),
        Spelling("umol/l", "umol/L", "132", "97"),
        Spelling("μmol/L", "umol/L", "95", "90"),  # Greek mu
        Spelling("micromol/L", "umol/L", "150", "120"),
        Spelling("mg/dL", "mg/dL", "1.3", "0.9"),
        Spelling("mg/dl", "mg/dL", "2.1", "1.4"),
    ),
    "albumin": (
        Spelling("g/dL", "g/dL", "3.6", "2.8"),
        Spelling("g/dl", "g/dL", "3.1", "2.4"),
        Spelling("g/L", "g/L", "36", "28"),
        Spelling("g/l", "g/L", "41", "25"),
    ),
    "proteinuria": (
        Spelling("g/day", "g/day", "0.4", "3.0"),
        Spelling("g/d", "g/day", "1.2", "4.5"),
        Spelling("g per day", "g/day", "0.8", "2.6"),
        Spelling("g/24h", "g/24h", "0.35", "5.1"),
        Spelling("g/24 hours", "g/24h", "1.8", "5.0"),
        Spelling("g/24 h", "g/24h", "0.2", "3.3"),
        Spelling("mg/24h", "mg/24h", "400", "3000"),
        Spelling("mg/day", "mg/day", "650", "2400"),
    ),
    "ratio": (
        Spelling("g/g", "g/g", "0.4", "3.2"),
        Spelling("mg/mg", "mg/mg", "0.6", "2.9"),
        Spelling("mg/mmol", "mg/mmol", "45", "340"),
        Spelling("mg/g", "mg/g", "450", "3100"),
    ),
}
# (template, whether the baseline figure carries its own unit). Placeholders: {n} name,
# {c} current, {b} baseline, {u} unit.
ORDERINGS = (
    ("{n} {c} {u} (baseline {b} {u})", True),
    ("{n} {c} {u} (baseline {b})", False),
    ("{n} went from {b} {u} to {c} {u}", True),
    ("{n} from {b} to {c} {u}", False),
    ("baseline {n} {b} {u}, now {c} {u}", True),
    ("{n} baseline {b}, now {c} {u}", False),
    ("{n} {c} vs {b} {u} at baseline", False),
    ("{n} {c} {u} vs {b} {u}", True),
    ("{n} was {b} {u} at baseline and is {c} {u} now", True),
    ("{n} {c} {u}, baseline {n} {b} {u}", True),
    ("Baseline {n} was {b} {u}; now {c} {u}", True),
    ("{n} {b} → {c} {u}", False),
    ("{n} {c} {u} ({b} at baseline)", False),
    ("{n} {c} {u} now, {b} {u} before treatment", True),
    ("{n} is {c} {u} at week 24, was {b} {u} at baseline", True),
    ("{n} {c} {u} today; pre-treatment {b} {u}", True),
    ("{n} {c} {u} against {b} at baseline", False),
    ("{n} {c} {u} at 6 months (initially {b} {u})", True),
    ("{n}: {c} {u} (was {b} {u})", True),
    ("{n} {c} {u} compared with {b} {u} before treatment", True),
    ("{n} currently {c} {u}, initially {b} {u}", True),
    ("{n} {b} {u} at baseline, {c} {u} at week 24", True),
    ("{n} changed from {b} {u} to {c} {u} at 6 months", True),
    ("{n} moved to {c} {u} from {b} {u}", True),
    ("{n} {c} {u} (previously {b} {u})", True),
    ("prior {n} {b} {u}; latest {c} {u}", True),
    ("{n} {c} {u}; {b} {u} at diagnosis", True),
    ("{n} at baseline {b} {u}, today {c} {u}", True),
    ("{n} {c} {u}; baseline value was {b} {u}", True),
    ("{n} {c} {u} vs. {b} {u}", True),
    ("{n} is now {c} {u} and was {b} {u}", True),
    ("{n} {c} {u} at week 24 versus {b} {u} at baseline", True),
    ("{n} {c} {u} now compared to {b} {u} pre-treatment", True),
)
SINGLE = (
    "{n} {c} {u}",
    "current {n} {c} {u}",
    "{n} is {c} {u} at 24 weeks",
    "{n} of {c} {u} at 6 months",
    "per the 2024 guideline, {n} {c} {u}",
)
# (template, change in percent). The figure for the change is never a measurement.
CHANGES = (
    ("{n} up 10% from baseline", 10.0),
    ("{n} fell by half", -50.0),
    ("{n} halved", -50.0),
    ("{n} down 60%", -60.0),
    ("{n} doubled", 100.0),
    ("{n} increased by 20 percent", 20.0),
    ("{n} showed a 15% rise", 15.0),
    ("{n} 5% lower than baseline", -5.0),
    ("{n} +8% vs baseline", 8.0),
    ("{n} has decreased by 30% since baseline", -30.0),
    ("{n} fell 70%", -70.0),
    ("{n} has fallen by 60 per cent", -60.0),
    ("{n} up by about 10%", 10.0),
    ("{n} rose 25 percent", 25.0),
    ("{n} 10% above baseline", 10.0),
    ("{n} reduced by 55%", -55.0),
    ("a 15% rise in {n}", 15.0),
    ("a 40% reduction in {n}", -40.0),
)
STATE_FORMS = (
    ("{n} stable", "stable"),
    ("{n} unchanged", "stable"),
    ("{n} steady since baseline", "stable"),
    # an unchanged value in a verb's words
    ("{n} hasn't moved", "stable"),
    ("{n} did not change", "stable"),
    ("{n} within normal range", "normal"),
    ("{n} normal", "normal"),
    ("{n} is in the normal range", "normal"),
)


def _analyte(kind: str) -> str:
    return "proteinuria" if kind == "ratio" else kind


def _generated() -> list[tuple[str, str, Reading]]:
    cases: list[tuple[str, str, Reading]] = []
    for kind, spellings in SPELLINGS.items():
        names = NAMES[kind]
        for i, s in enumerate(spellings):
            for j, (template, _own_unit) in enumerate(ORDERINGS):
                name = names[(i + j) % len(names)]
                text = template.format(n=name, c=s.current, b=s.baseline, u=s.written)
                expected = (float(s.current), s.key, float(s.baseline), s.key, None, None)
                cases.append((text, _analyte(kind), expected))
            for j, template in enumerate(SINGLE):
                name = names[(i + j) % len(names)]
                text = template.format(n=name, c=s.current, u=s.written)
                cases.append(
                    (text, _analyte(kind), (float(s.current), s.key, None, None, None, None))
                )
        for j, (template, change) in enumerate(CHANGES):
            for name in names[:2] if kind != "ratio" else names[:1]:
                text = template.format(n=name)
                cases.append((text, _analyte(kind), (None, None, None, None, change, None)))
            s = spellings[j % len(spellings)]
            if template.startswith("{n}") and re.search("%|per ?cent", template):  # and a value
                text = f"{names[0]} {s.current} {s.written}, " + template.format(n="").strip()
                expected = (float(s.current), s.key, None, None, change, None)
                cases.append((text, _analyte(kind), expected))
        for j, (template, state) in enumerate(STATE_FORMS):
            text = template.format(n=names[j % len(names)])
            cases.append((text, _analyte(kind), (None, None, None, None, None, state)))
    return cases


GENERATED = _generated()


def test_enough_generated_phrasings() -> None:
    assert len(GENERATED) >= 200
    assert len(CLINIC_NOTES) >= 40


@pytest.mark.parametrize(("text", "analyte", "expected"), GENERATED, ids=[c[0] for c in GENERATED])
def test_generated_phrasing(text: str, analyte: str, expected: Reading) -> None:
    found = parse(text)
    assert reading(found, analyte) == expected
    assert found.not_understood == ()
    assert [m.analyte for m in found.measurements] == [analyte]
    _values_are_written(text, found)


def _values_are_written(text: str, found: PatientValues) -> None:
    """Every value and baseline is a number written in the text (never invented)."""
    written = {float(x) for x in re.findall(r"-?\d+(?:\.\d+)?", text)}
    for m in found.measurements:
        for figure in (m.value, m.baseline, m.upper_normal):
            assert figure is None or figure in written, (m, text)
        assert m.text and all(fragment in text for fragment in m.text.split("; "))


# ---------------------------------------------------------------- clinic-note phrasings

U, MG, GD, GL, G24, GDAY, GG = "umol/L", "mg/dL", "g/dL", "g/L", "g/24h", "g/day", "g/g"
# text -> {analyte: (value, unit, baseline, baseline_unit, change, state)}, not understood
CLINIC_NOTES: list[tuple[str, dict[str, Reading], tuple[str, ...]]] = [
    # the three reported bugs
    ("creatinine up 10% from baseline", {"creatinine": (None, None, None, None, 10.0, None)}, ()),
    ("creatinine 110 umol/L, baseline creatinine 80 umol/L",
     {"creatinine": (110.0, U, 80.0, U, None, None)}, ()),
    ("proteinuria 0.3 g/day, creatinine stable",
     {"proteinuria": (0.3, GDAY, None, None, None, None),
      "creatinine": (None, None, None, None, None, "stable")}, ()),
    # clinic notes
    ("Cr 110 (80 at bx)", {"creatinine": (110.0, None, 80.0, None, None, None)}, ()),
    ("UPCR 0.4 g/g, alb 3.6, Cr stable",
     {"proteinuria": (0.4, GG, None, None, None, None),
      "albumin": (3.6, None, None, None, None, None),
      "creatinine": (None, None, None, None, None, "stable")}, ()),
    ("24h urine protein down from 5 g to 1.8 g",
     {"proteinuria": (1.8, G24, 5.0, G24, None, None)}, ()),
    ("sCr 1.3 mg/dl up from 0.9", {"creatinine": (1.3, MG, 0.9, MG, None, None)}, ()),
    ("creatinine a bit higher", {}, ("creatinine a bit higher",)),
    ("Baseline proteinuria was 3.0 g/day; now 0.4",
     {"proteinuria": (0.4, GDAY, 3.0, GDAY, None, None)}, ()),
    ("creatinine was 80 at baseline and is 110 now",
     {"creatinine": (110.0, None, 80.0, None, None, None)}, ()),
    ("Cr 95 μmol/L vs 90 at baseline", {"creatinine": (95.0, U, 90.0, U, None, None)}, ()),
    ("prot 5.0 → 1.8 g/24h, alb 3.2, creatinine stable",
     {"proteinuria": (1.8, G24, 5.0, G24, None, None),
      "albumin": (3.2, None, None, None, None, None),
      "creatinine": (None, None, None, None, None, "stable")}, ()),
    ("58F, BMI 26, class IV, 2 g prot, cr 240",
     {"proteinuria": (2.0, G24, None, None, None, None),
      "creatinine": (240.0, None, None, None, None, None)}, ()),
    ("wk 24: UPCR 0.45 mg/mg, eGFR 70, alb 3.8 g/dL",
     {"proteinuria": (0.45, "mg/mg", None, None, None, None),
      "albumin": (3.8, GD, None, None, None, None),
      "egfr": (70.0, None, None, None, None, None)}, ()),
    ("Alb 28 g/L -> 35 g/L", {"albumin": (35.0, GL, 28.0, GL, None, None)}, ()),
    ("SCr 1.1 mg/dL (1.08 pre-tx)", {"creatinine": (1.1, MG, 1.08, MG, None, None)}, ()),
    ("serum creatinine 76 µmol/L (74 at baseline), 24-h urine protein 0.35 g",
     {"proteinuria": (0.35, G24, None, None, None, None),
      "creatinine": (76.0, U, 74.0, U, None, None)}, ()),
    ("Protein was 3.6 g/day at baseline and is 2.8 g/day now; albumin 3.1 g/dL",
     {"proteinuria": (2.8, GDAY, 3.6, GDAY, None, None),
      "albumin": (3.1, GD, None, None, None, None)}, ()),
    ("creatinine 100 µmol/L, the same as at baseline",
     {"creatinine": (100.0, U, 100.0, U, None, "stable")}, ()),
    ("creatinine 80 µmol/L with a baseline of 78",
     {"creatinine": (80.0, U, 78.0, U, None, None)}, ()),
    ("34F, BMI 22, proteinuria 2.1 g/day, creatinine 110 µmol/L, biopsy class IV",
     {"proteinuria": (2.1, GDAY, None, None, None, None),
      "creatinine": (110.0, U, None, None, None, None)}, ()),
    ("urine protein 1400 mg over 24 hours, creatinine 90 µmol/L",
     {"proteinuria": (1400.0, "mg/24h", None, None, None, None),
      "creatinine": (90.0, U, None, None, None, None)}, ()),
    ("a protein:creatinine ratio of 0.35 g/g with creatinine unchanged at 0.9 mg/dL",
     {"proteinuria": (0.35, GG, None, None, None, None),
      "creatinine": (0.9, MG, None, None, None, "stable")}, ()),
    ("Her proteinuria is down to 0.3 g a day", {"proteinuria": (0.3, GDAY, None, None, None, None)},
     ()),
    ("PCR 45 mg/mmol (340 at presentation)",
     {"proteinuria": (45.0, "mg/mmol", 340.0, "mg/mmol", None, None)}, ()),
    ("Cr 1.4 mg/dL, doubled since baseline",
     {"creatinine": (1.4, MG, None, None, 100.0, None)}, ()),
    ("UPCR halved, Cr up 12%",
     {"proteinuria": (None, None, None, None, -50.0, None),
      "creatinine": (None, None, None, None, 12.0, None)}, ()),
    ("albumin 36 g/L, creatinine steady at 88 umol/L",
     {"albumin": (36.0, GL, None, None, None, None),
      "creatinine": (88.0, U, None, None, None, "stable")}, ()),
    ("creatinine within normal limits, UPCR 0.3 g/g",
     {"proteinuria": (0.3, GG, None, None, None, None),
      "creatinine": (None, None, None, None, None, "normal")}, ()),
    ("Cr 110 umol/L (ULN 100)", {"creatinine": (110.0, U, None, None, None, None)}, ()),
    ("Cr 84 µmol/L versus 80 at bx, alb 3.4 g/dL, 24h protein 2.4 g at baseline, now 0.6 g",
     {"creatinine": (84.0, U, 80.0, U, None, None),
      "albumin": (3.4, GD, None, None, None, None),
      "proteinuria": (0.6, G24, 2.4, G24, None, None)}, ()),
    ("creatinine 1.10 mg/dL, was 1.08 mg/dL before treatment",
     {"creatinine": (1.1, MG, 1.08, MG, None, None)}, ()),
    ("proteinuria dropped from 6.0 to 2.9 g/day, albumin 2.8 g/dL",
     {"proteinuria": (2.9, GDAY, 6.0, GDAY, None, None),
      "albumin": (2.8, GD, None, None, None, None)}, ()),
    ("At week 24 proteinuria is 0.3 g/24h, albumin 3.7 g/dL, creatinine 95 vs 90 umol/L at "
     "baseline", {"proteinuria": (0.3, G24, None, None, None, None),
                  "albumin": (3.7, GD, None, None, None, None),
                  "creatinine": (95.0, U, 90.0, U, None, None)}, ()),
    ("creatinine 70 (72 at baseline)", {"creatinine": (70.0, None, 72.0, None, None, None)}, ()),
    ("scr 1.3, prev 0.9", {"creatinine": (1.3, None, 0.9, None, None, None)}, ()),
    ("Creatinine is 130 µmol/L; previously 100 µmol/L",
     {"creatinine": (130.0, U, 100.0, U, None, None)}, ()),
    ("proteinuria 3 g/day, on prednisone 60 mg daily",
     {"proteinuria": (3.0, GDAY, None, None, None, None)}, ()),
    # a drug's dose in a unit proteinuria also uses is the drug's, not the proteinuria's
    ("UPCR 0.45 mg/mg, prednisone 5 mg/day throughout, eGFR 55",
     {"proteinuria": (0.45, "mg/mg", None, None, None, None),
      "egfr": (55.0, None, None, None, None, None)}, ()),
    ("What proteinuria threshold does the 2024 guideline use?", {}, ()),
    ("creatinine > 1.5 mg/dL", {}, ("creatinine > 1.5 mg/dL",)),
    ("albumin improving, proteinuria 1.1 g/day",
     {"proteinuria": (1.1, GDAY, None, None, None, None)}, ("albumin improving",)),
    ("creatinine 110 80", {}, ("creatinine 110 80",)),
    ("creatinine not stable, UPCR 0.5 g/g",
     {"proteinuria": (0.5, GG, None, None, None, None)}, ("creatinine not stable",)),
    ("creatinine changed 10%", {}, ("creatinine changed 10%",)),
    ("albumin 3.6 mg/dL", {}, ("albumin 3.6 mg/dL",)),
    ("Albumin 3.6 g/dL and creatinine steady",
     {"albumin": (3.6, GD, None, None, None, None),
      "creatinine": (None, None, None, None, None, "stable")}, ()),
    ("Albumin 38 g/L, proteinuria 0.3 g/day, creatinine 80 µmol/L with a baseline of 78",
     {"albumin": (38.0, GL, None, None, None, None),
      "proteinuria": (0.3, GDAY, None, None, None, None),
      "creatinine": (80.0, U, 78.0, U, None, None)}, ()),
    ("Cr 120 umol/l, down 20% since starting treatment",
     {"creatinine": (120.0, U, None, None, -20.0, None)}, ()),
    ("Creatinine 110 µmol/L. Baseline creatinine was 80.",
     {"creatinine": (110.0, U, 80.0, U, None, None)}, ()),
    ("proteinuria 0.5-1.0 g/day", {}, ("proteinuria 0.5-1.0 g/day",)),
    ("C-reactive protein 12 mg/L, protein intake 80 g/day", {}, ()),
    ("creatinine 110 µmol/L at month 6 vs 90 µmol/L at month 0",
     {"creatinine": (110.0, U, 90.0, U, None, None)}, ()),
    ("creatinine 110 µmol/L baseline creatinine 80 µmol/L",
     {"creatinine": (110.0, U, 80.0, U, None, None)}, ()),
    ("her creatinine, 80 µmol/L before treatment, is now 110 µmol/L",
     {"creatinine": (110.0, U, 80.0, U, None, None)}, ()),
    ("At 6 months: Cr 98, UPCR 0.3, Alb 39",
     {"proteinuria": (0.3, None, None, None, None, None),
      "albumin": (39.0, None, None, None, None, None),
      "creatinine": (98.0, None, None, None, None, None)}, ()),
    ("creatinine 3 times the baseline", {}, ("creatinine 3 times the baseline",)),
    ("creatinine 0.11 mmol/L", {}, ("creatinine 0.11 mmol/L",)),
    ("Cr 1.5 (1.2)", {}, ("Cr 1.5 (1.2)",)),
    ("UPCR 0.6, eGFR 72 mL/min/1.73 m2, no rescue therapy",
     {"proteinuria": (0.6, None, None, None, None, None),
      "egfr": (72.0, "mL/min/1.73m2", None, None, None, None)}, ()),
    # kidney function as eGFR, with its baseline
    ("UPCR 310 -> 45 mg/mmol, eGFR 88 -> 81",
     {"proteinuria": (45.0, "mg/mmol", 310.0, "mg/mmol", None, None),
      "egfr": (81.0, None, 88.0, None, None, None)}, ()),
    ("creatinine 62 µmol/L (60 at start)", {"creatinine": (62.0, U, 60.0, U, None, None)}, ()),
    ("Cr 95 now, 88 at entry", {"creatinine": (95.0, None, 88.0, None, None, None)}, ()),
    # a label opening the sentence dates every value in it
    ("Baseline before starting treatment: 24h proteinuria 4.8 g, creatinine 95 µmol/L.",
     {"proteinuria": (None, None, 4.8, G24, None, None),
      "creatinine": (None, None, 95.0, U, None, None)}, ()),
    ("At baseline, creatinine 80; now 110", {"creatinine": (110.0, None, 80.0, None, None, None)},
     ()),
    ("24 h urine protein 420 mg, creat the same",
     {"proteinuria": (420.0, "mg/24h", None, None, None, None),
      "creatinine": (None, None, None, None, None, "stable")}, ()),
    ("24h UP 0.3 g (was 4.2)", {"proteinuria": (0.3, G24, 4.2, G24, None, None)}, ()),
    ("proteinuria 3 g/day, on prednisone 60 mg",
     {"proteinuria": (3.0, GDAY, None, None, None, None)}, ()),
    ("only 1.2 g/24h of proteinuria", {"proteinuria": (1.2, G24, None, None, None, None)}, ()),
    # a change written before the name: "from" the baseline "to" the current value
    ("pt went from 3.0 to 1.8 g/day proteinuria, alb 3.4",
     {"proteinuria": (1.8, GDAY, 3.0, GDAY, None, None),
      "albumin": (3.4, None, None, None, None, None)}, ()),
    ("4.2 -> 0.9 g/24h of proteinuria", {"proteinuria": (0.9, G24, 4.2, G24, None, None)}, ()),
    # "now" stands before the value it labels: 4.0 was, 1.1 is.
    ("24h UP was 4.0 g now 1.1 g", {"proteinuria": (1.1, G24, 4.0, G24, None, None)}, ()),
    # A collection period between the label and the name; each value keeps its own unit.
    ("baseline 24h UP 2.5 g. wk24: 24h UP 500 mg/24h",
     {"proteinuria": (500.0, "mg/24h", 2.5, G24, None, None)}, ()),
    # A sentence opening with "baseline" dates every value in it, up to a later time word.
    ("baseline 24h UP 4.2 g, Cr 88 umol/L. wk24: UP 380 mg/24h, alb 36 g/L, Cr 95 umol/L.",
     {"proteinuria": (380.0, "mg/24h", 4.2, G24, None, None),
      "albumin": (36.0, GL, None, None, None, None),
      "creatinine": (95.0, U, 88.0, U, None, None)}, ()),
    ("Baseline UPCR 3 g/g, alb 2.5; today UPCR 0.4, alb 3.6",
     {"proteinuria": (0.4, GG, 3.0, GG, None, None),
      "albumin": (3.6, None, 2.5, None, None, None)}, ()),
    # "sAlb" is serum albumin, so it ends the proteinuria part before it.
    ("24h UP 6.8 -> 2.1 g, sAlb 27 g/L, SCr stable 70 umol/L",
     {"proteinuria": (2.1, G24, 6.8, G24, None, None),
      "albumin": (27.0, GL, None, None, None, None),
      "creatinine": (70.0, U, None, None, None, "stable")}, ()),
    # A figure in a unit only urine protein is written in needs no name.
    ("baseline 3.0 g/24h, wk24 1.8 g/24h, albumin 3.3",
     {"proteinuria": (1.8, G24, 3.0, G24, None, None),
      "albumin": (3.3, None, None, None, None, None)}, ()),
    # The baseline label may follow words giving no value ("31F LN,"), not an analyte's value.
    ("31F LN, baseline UP 2.6 g/d, alb 2.9. wk 24 UP 0.3 g, alb 3.8",
     {"proteinuria": (0.3, G24, 2.6, GDAY, None, None),
      "albumin": (3.8, None, 2.9, None, None, None)}, ()),
    ("Cr 110, baseline UPCR 2 g/g", {"creatinine": (110.0, None, None, None, None, None),
                                     "proteinuria": (None, GG, 2.0, GG, None, None)}, ()),
    # The collection period glued to the abbreviation, a collection named as such, a start
    # of treatment as the baseline, and a negative amount (kept, for the tools to refuse).
    ("24hUP 4000 mg -> 2000 mg at wk 24", {"proteinuria": (2000.0, "mg/24h", 4000.0,
                                                           "mg/24h", None, None)}, ()),
    ("24h collection back: 1.3 g/d", {"proteinuria": (1.3, GDAY, None, None, None, None)}, ()),
    ("uPCR 500 mg/mmol when we started, now down 60%",
     {"proteinuria": (None, "mg/mmol", 500.0, "mg/mmol", -60.0, None)}, ()),
    ("24hUP -2.3 g", {"proteinuria": (-2.3, G24, None, None, None, None)}, ()),
    # The start named by what was started, and a later time counted from it.
    ("UPCR 2.1 g/g when MMF/steroids started; 8 mo later UPCR 0.42 g/g",
     {"proteinuria": (0.42, GG, 2.1, GG, None, None)}, ()),
    ("24h UP 3 g/day when induction was started, 6 months later 0.4 g/day",
     {"proteinuria": (0.4, GDAY, 3.0, GDAY, None, None)}, ()),
    # A biopsy's chronicity index is another quantity, not a second creatinine.
    ("SCr 98 umol/L, chronicity 2", {"creatinine": (98.0, U, None, None, None, None)}, ()),
    # A label inside the value's brackets is its own; a time after them dates the statement.
    ("eGFR 70 (baseline 90) at week 76", {"egfr": (70.0, None, 90.0, None, None, None)}, ()),
    ("creat 1.4 (was 1.1) at 6 months", {"creatinine": (1.4, None, 1.1, None, None, None)}, ()),
    # A drug's dose ends the analyte before it; an analyte's own unit does not.
    ("eGFR 58 (baseline 66), pred 5 mg/d since wk 30",
     {"egfr": (58.0, None, 66.0, None, None, None)}, ()),
    ("24h protein 800 mg/d, albumin 3.1", {"proteinuria": (800.0, "mg/day", None, None, None,
                                                            None),
                                           "albumin": (3.1, None, None, None, None, None)}, ()),
    # "prot" after a named collection, and a patient's age and sex ending the value's part.
    ("24h urine prot 1200 mg, 40F, bmi 21", {"proteinuria": (1200.0, "mg/24h", None, None, None,
                                                             None)}, ()),
    ("proteinuria 2.1 g/day, 62 M", {"proteinuria": (2.1, GDAY, None, None, None, None)}, ()),
    ("UPCR 3.5 g/g, 35yo", {"proteinuria": (3.5, GG, None, None, None, None)}, ()),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected", "unread"), CLINIC_NOTES, ids=[c[0] for c in CLINIC_NOTES]
)
def test_clinic_note(text: str, expected: dict[str, Reading], unread: tuple[str, ...]) -> None:
    found = parse(text)
    assert {m.analyte: reading(found, m.analyte) for m in found.measurements} == expected
    assert found.not_understood == unread
    _values_are_written(text, found)


# ---------------------------------------------------------------- smaller contracts


def test_a_stated_upper_limit_of_normal_is_kept_with_the_value() -> None:
    creatinine = parse("Cr 110 umol/L (ULN 100)").get("creatinine")
    assert creatinine is not None and creatinine.upper_normal == 100.0
    reference = parse("creatinine 95 µmol/L (ref 45-90)").get("creatinine")
    assert reference is not None and (reference.value, reference.upper_normal) == (95.0, 90.0)
    # the laboratory's own term, after a change written as "went from A to B"
    lab = parse("creatinine went from 80 to 96 µmol/L, above the upper reference limit of 90")
    assert lab.not_understood == ()
    assert (lab.get("creatinine").baseline, lab.get("creatinine").upper_normal) == (80.0, 90.0)


def test_a_value_given_as_a_share_of_baseline_is_a_change() -> None:
    egfr = parse("UPCR 0.35 mg/mg, eGFR 80% of her baseline, no rescue").get("egfr")
    assert egfr is not None and (egfr.value, egfr.change_percent) == (None, -20.0)
    # "within 5% of baseline" is a margin, not a value at 5% of it
    assert parse("eGFR within 5% of baseline").get("egfr") is None


def test_units_are_the_unit_keys_of_the_tools() -> None:
    assert unit_key("µmol/l") == unit_key("umol/L") == unit_key("μmol/L") == "umol/L"
    assert unit_key("g per day") == unit_key("g/d") == "g/day"
    assert unit_key("g/24 hours") == "g/24h"
    assert unit_key("mg/dl") == "mg/dL"
    assert unit_key("furlongs") is None
    # spoken in full, as a dictated note gives them
    assert unit_key("micromoles") == "umol/L"
    assert unit_key("milligrams per decilitre") == "mg/dL"


def test_a_dictated_note_is_read_with_its_numbers_as_digits() -> None:
    said = ("baseline protein four point two grams a day, now nought point three eight; "
            "creatinine from seventy to seventy eight micromoles")  # fmt: skip
    values = parse(with_digits(said))
    protein, creatinine = values.get("proteinuria"), values.get("creatinine")
    assert protein is not None and (protein.value, protein.baseline) == (0.38, 4.2)
    assert creatinine is not None and (creatinine.value, creatinine.baseline) == (78.0, 70.0)
    assert creatinine.unit == "umol/L"
    assert with_digits("one of the limitations") == "one of the limitations"


def test_a_unit_left_out_is_only_suggested_by_size() -> None:
    assert likely_unit("creatinine", 110) == "umol/L"
    assert likely_unit("creatinine", 1.3) == "mg/dL"
    assert likely_unit("creatinine", 17) is None  # neither: the unit must be asked for
    assert likely_unit("albumin", 3.6) == "g/dL" and likely_unit("albumin", 36) == "g/L"
    assert likely_unit("proteinuria", 0.4, "UPCR") == "g/g"
    assert likely_unit("proteinuria", 45, "UPCR") is None


def test_the_result_is_frozen() -> None:
    found = parse("creatinine 110 umol/L")
    with pytest.raises(AttributeError):
        found.measurements[0].value = 1.0  # type: ignore[misc]


# ---------------------------------------------------------------- through the tools stage


def _plan(question: str) -> Any:
    from assistant.calculate import plan_tools
    from assistant.config import PROJECT_ROOT
    from assistant.profile import load_profile
    from assistant.retrieve import Retrieval
    from assistant.route import Route

    profile = load_profile(PROJECT_ROOT / "corpus")
    return plan_tools(Route(question, question, (), False), Retrieval([], 0.0), profile=profile)


def test_a_stated_creatinine_change_reaches_the_remission_check() -> None:
    plan = _plan("Proteinuria 0.3 g/day, albumin 3.6 g/dL, creatinine up 10% from baseline: "
                 "complete remission?")  # fmt: skip
    inputs = plan.calls[0].inputs
    assert inputs["creatinine_change_percent"] == 10.0 and inputs["creatinine"] is None


def test_current_and_baseline_creatinine_reach_the_check_unswapped() -> None:
    plan = _plan("Proteinuria 0.3 g/day, creatinine 110 umol/L, baseline creatinine 80 umol/L. "
                 "Remission?")  # fmt: skip
    inputs = plan.calls[0].inputs
    assert (inputs["creatinine"], inputs["baseline_creatinine"]) == (110.0, 80.0)


def test_stable_creatinine_reaches_the_check() -> None:
    plan = _plan("proteinuria 0.3 g/day, albumin 3.6 g/dL, creatinine stable: complete remission?")
    assert plan.calls[0].inputs["creatinine_stable"] is True


def test_what_could_not_be_read_is_said_and_the_check_names_its_needs() -> None:
    plan = _plan("Proteinuria 0.3 g/day, albumin 3.6 g/dL, creatinine a bit higher: remission?")
    assert "not understood: 'creatinine a bit higher'" in plan.notes
    assert plan.calls[0].inputs["creatinine"] is None
    assert "serum creatinine" in plan.calls[0].text  # "insufficient data (needs ...)"


def test_normal_creatinine_without_its_limit_is_not_invented() -> None:
    plan = _plan("Proteinuria 0.3 g/day, albumin 3.6 g/dL, creatinine normal: remission?")
    assert any(n.startswith("not understood: 'creatinine normal'") for n in plan.notes)
    assert plan.calls[0].inputs["creatinine_upper_limit_normal"] is None


def test_a_unit_left_out_is_said_not_silently_assumed() -> None:
    plan = _plan("UPCR 0.4 g/g, alb 3.6, Cr 110 (80 at bx): complete remission?")
    inputs = plan.calls[0].inputs
    assert (inputs["albumin_unit"], inputs["creatinine_unit"]) == ("g/dL", "umol/L")
    assert "'alb 3.6': no unit given, read as g/dL" in plan.notes


def test_a_stated_fall_gives_the_baseline_the_check_needs() -> None:
    plan = _plan("24h UP down 60% to 1.4 g/day, alb 31 g/L, creat stable. Partial remission?")
    inputs = plan.calls[0].inputs
    assert (inputs["proteinuria"], inputs["baseline_proteinuria"]) == (1.4, 3.5)
    assert any("worked back from the stated change" in note for note in plan.notes)


def test_a_baseline_and_a_stated_change_give_the_current_value() -> None:
    plan = _plan("uPCR 500 mg/mmol when we started, now down 60%, eGFR steady at 64. Response?")
    inputs = plan.calls[0].inputs
    assert (inputs["proteinuria"], inputs["baseline_proteinuria"]) == (200, 500)
    assert inputs["baseline_egfr_ml_min"] == 64  # "steady": unchanged from its baseline
    assert any("worked out from the stated change" in note for note in plan.notes)


@pytest.mark.parametrize(
    ("note", "value"),
    [
        # a study's number is part of its name, not a second value
        ("UPCR 1.8 mg/mg. Would she qualify for AURORA 1?", 1.8),
        ("what proteinuria did you need to get into AURORA 1?", None),
        # a unit's abbreviation before a capitalised word ends the sentence
        ("UPCR 1.8 mg/mg. Would she qualify for trial 1?", 1.8),
        # an analyte's own name with a figure is a value
        ("UPCR 3 mg/mg", 3.0),
    ],
)
def test_a_study_names_number_is_no_value(note: str, value: float | None) -> None:
    found = [m.value for m in parse(note).measurements if m.analyte == "proteinuria"]
    assert found == ([] if value is None else [value])


@pytest.mark.parametrize(
    "note",
    ["She started the drug A regimen with 3.8 g/day of urine protein and creatinine of 80. "
     "At 24 weeks protein is 0.4 g/day and creatinine 88.",
     "He presented with proteinuria 3.8 g/day, creatinine 80. Now proteinuria 0.4 g/day, "
     "creatinine 88."],
)  # fmt: skip
def test_the_values_a_patient_started_or_presented_with_are_the_baseline(note: str) -> None:
    by_analyte = {m.analyte: m for m in parse(note).measurements}
    assert (by_analyte["proteinuria"].baseline, by_analyte["proteinuria"].value) == (3.8, 0.4)
    assert (by_analyte["creatinine"].baseline, by_analyte["creatinine"].value) == (80, 88)


def test_values_taken_at_three_times_read_the_start_as_baseline_the_latest_as_current() -> None:
    note = (
        "At start 24-h protein 4.2 g, albumin 2.4 g/dL, creatinine 80 umol/L; at week 12 "
        "protein 1.1 g, albumin 3.1; at week 24 protein 0.4 g, albumin 3.6, creatinine 88."
    )
    found = parse(note)
    assert reading(found, "proteinuria")[:4] == (0.4, "g/24h", 4.2, "g/24h")  # type: ignore[index]
    assert reading(found, "albumin")[::2] == (3.6, 2.4, None)  # type: ignore[index]
    assert reading(found, "creatinine")[::2] == (88, 80, None)  # type: ignore[index]


@pytest.mark.parametrize(
    ("note", "value", "baseline"),
    [
        ("UPCR went from 350 mg/mmol at diagnosis to 120 at month 3 and 40 at month 6", 40, 350),
        ("creatinine 80 then 95", 95, 80),
        # a verb of movement before the first value (the third repeats the latest)
        ("creatinine went 1.0 to 1.25 mg/dl and the lab flags 1.25 as high", 1.25, 1.0),
        ("protein dropped 4.2 to 1.1 g/day and then 0.3 g/day", 0.3, 4.2),
        ("protein dropped 0.3 g/day", 0.3, None),  # one value: what it is now
        ("pre-flare eGFR 95, week-104 eGFR 80", 80, 95),  # a later week names the current
        ("creatinine 80 µmol/L at baseline; creatinine has crept up to 95 since", 95, 80),
        ("her creatinine went from 88 up to 106", 106, 88),  # "from A up to B": a movement
        ("creatinine 80 → 110 → 130", 130, 80),
        ("eGFR 58 then 60 then 62", 62, 58),
        ("UPCR 2.0 at month 3, 1.1 at month 6 and 0.4 at month 9", 0.4, None),  # no start given
    ],
)
def test_values_told_in_the_order_they_were_taken(note: str, value: float, baseline: Any) -> None:
    (measurement,) = parse(note).measurements
    assert (measurement.value, measurement.baseline) == (value, baseline)


def test_values_set_against_each_other_are_no_series() -> None:
    assert parse("UPCR 2.0 vs 1.0 vs 0.5").measurements == ()


@pytest.mark.parametrize("period", ["24 h", "24-hour", "24-hr", "24hr"])
@pytest.mark.parametrize("name", ["protein", "proteinuria", "urine protein", "prot"])
def test_a_timed_collection_is_named_with_any_spelling_of_its_period(
    period: str, name: str
) -> None:
    (measurement,) = parse(f"{period} {name} 1200 mg").measurements
    assert (measurement.analyte, measurement.value, measurement.unit) == (
        "proteinuria",
        1200,
        "mg/24h",
    )
