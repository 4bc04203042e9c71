"""Renal response of one patient under the response criteria sets of the domain profile.

Each criteria set (`corpus/profile.yaml`, `criteria_sets`) defines complete and partial
response as a list of tests on proteinuria (24-h or UPCR), serum albumin and creatinine change
from baseline; each test cites the passage stating its threshold, and the tool output lists
those passages under `sources`. A creatinine test may also accept a value within the
laboratory's normal range (`or_within_normal`), judged only when that limit is given.

Decisions use exact decimal arithmetic on the values as typed (a rise exactly at the limit
passes); the displayed values are rounded. Nothing missing is guessed: a criterion without its
input is "missing" and the result names the inputs needed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ..profile import CriteriaSet, Criterion, sources_of
from ..types import ToolCall
from . import _validate as v
from ._format import exact, round_half_up, separating, signed, tool_call, trimmed
from .units import (
    CREATININE_MG_DL_TO_UMOL_L,
    UPCR_G_G_TO_MG_MMOL,
    Unit,
    parse_unit,
    to_base,
)

PROTEIN = ("proteinuria_24h", "upcr")
MAX_PROTEIN = 100  # g/day or g/g: anything above is almost certainly a unit slip
MAX_ALBUMIN_G_DL = 10
MAX_CREATININE_UMOL = 3000
CATEGORY_RANK = {"no response": 0, "partial": 1, "complete": 2}
NEEDS = {
    "baseline_proteinuria": "baseline proteinuria",
    "albumin": "serum albumin",
    "creatinine": "serum creatinine",
    "baseline_creatinine": "baseline serum creatinine",
    "creatinine_upper_limit_normal": "the laboratory's upper limit of normal for creatinine",
    "egfr": "eGFR",
    "baseline_egfr": "baseline eGFR",
}
MAX_EGFR = 200  # mL/min/1.73 m²
EGFR_UNIT = "mL/min/1.73 m²"
APPROX_NOTE = (
    "24-h proteinuria (g/day) and UPCR (g/g) are treated as numerically interchangeable, "
    "which is an approximation; UPCR in mg/mmol is converted at 113.1 mg/mmol per g/g."
)


@dataclass(frozen=True)
class Check:
    """One criterion: pass, fail or missing, with the reason in words."""

    criterion: str
    status: str  # "pass" | "fail" | "missing"
    reason: str
    needs: tuple[str, ...] = ()
    value: float | None = None
    threshold: float | None = None
    unit: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "criterion": self.criterion,
            "status": self.status,
            "reason": self.reason,
            "value": self.value,
            "threshold": self.threshold,
            "unit": self.unit,
            "needs": list(self.needs),
        }


@dataclass(frozen=True)
class Patient:
    """Validated measurements in base units: g/day or g/g, g/dL, µmol/L."""

    protein: Fraction
    protein_kind: str
    baseline_protein: Fraction | None
    baseline_kind: str | None
    albumin: Fraction | None
    creatinine: Fraction | None
    baseline_creatinine: Fraction | None
    upper_normal: Fraction | None
    reported_change: Fraction | None = None  # "creatinine up 10%": a change given as such
    reported_stable: bool = False  # "creatinine stable", with no figure
    egfr: Fraction | None = None  # mL/min/1.73 m²
    baseline_egfr: Fraction | None = None
    reported_egfr_change: Fraction | None = None  # "eGFR 55 (10% below baseline)"

    @property
    def reduction(self) -> Fraction | None:
        """Percent fall in proteinuria from baseline (negative if it rose)."""
        if self.baseline_protein is None:
            return None
        return (self.baseline_protein - self.protein) / self.baseline_protein * 100

    @property
    def egfr_change(self) -> Fraction | None:
        """Percent change in eGFR from baseline (negative if it fell): from the two values,
        else as the clinician states it."""
        if self.egfr is None or self.baseline_egfr is None:
            return self.reported_egfr_change
        return (self.egfr - self.baseline_egfr) / self.baseline_egfr * 100

    @property
    def creatinine_change(self) -> Fraction | None:
        if self.creatinine is None or self.baseline_creatinine is None:
            return self.reported_change
        return (self.creatinine - self.baseline_creatinine) / self.baseline_creatinine * 100


# --------------------------------------------------------------------------- public tool


class RemissionCheck:
    """`remission_check` bound to the criteria sets of one profile (callable like a function:
    its signature is the patient's values, so a logged call can be re-run from its inputs)."""

    name = "remission_check"

    def __init__(self, criteria_sets: Sequence[CriteriaSet]) -> None:
        if not criteria_sets:
            raise ValueError("remission_check needs at least one criteria set")
        self.criteria_sets = tuple(criteria_sets)

    def __call__(
        self,
        proteinuria: float,
        proteinuria_unit: str,
        baseline_proteinuria: float | None = None,
        baseline_unit: str | None = None,
        albumin: float | None = None,
        albumin_unit: str | None = None,
        creatinine: float | None = None,
        creatinine_unit: str | None = None,
        baseline_creatinine: float | None = None,
        baseline_creatinine_unit: str | None = None,
        creatinine_upper_limit_normal: float | None = None,
        creatinine_change_percent: float | None = None,
        creatinine_stable: bool = False,
        egfr_ml_min: float | None = None,
        baseline_egfr_ml_min: float | None = None,
        egfr_change_percent: float | None = None,
        conditions_stated: Sequence[str] | None = None,
        criteria_sets: Sequence[str] | None = None,
    ) -> ToolCall:
        """Complete / partial / no response (or insufficient data) under each criteria set.

        `creatinine_upper_limit_normal` (same unit as `creatinine`) is optional: it lets a
        "creatinine within the normal range" branch be judged; without it only the baseline
        comparison is used, because the normal range depends on the laboratory and on sex.
        `creatinine_change_percent` is a change the clinician states as such ("up 10%"), used
        when the two values are not given; `creatinine_stable` is "stable" without figures.
        `egfr_ml_min` and `baseline_egfr_ml_min` (eGFR, mL/min/1.73 m²) judge kidney function
        where a criteria set allows it (`or_egfr`) and the creatinine values are not given;
        `egfr_change_percent` is an eGFR change stated as such ("10% below baseline"), used
        when the baseline eGFR is not given. `conditions_stated` are the labels of a set's
        conditions no value judges ("no rescue therapy") that the clinician states as met.
        `criteria_sets` (ids) chooses the sets to apply; by default, those marked `by_default`.
        """
        inputs = {k: v for k, v in locals().items() if k != "self"}
        applied = self._chosen(criteria_sets)
        patient, units = _patient(inputs)
        results = {}
        notes = _notes(patient, applied)
        for spec in applied:
            results[spec.id] = _classify(_checks(patient, spec.complete),
                                         _checks(patient, spec.partial))  # fmt: skip
            results[spec.id]["criteria_set"] = spec.label
            results[spec.id]["response_name"] = spec.response_name
            stated = set(conditions_stated or ())
            results[spec.id]["not_judged"] = [c.label for c in spec.conditions
                                              if c.label not in stated]  # fmt: skip
            results[spec.id]["stated_met"] = [c.label for c in spec.conditions if c.label in stated]
            if _judged_change(patient):
                notes += list(spec.notes)
        measurements = _measurements(patient, applied)
        output = {
            **results,
            "measurements": measurements,
            "notes": notes,
            "approximation_note": APPROX_NOTE,
            "collection_period_hours": 24,
            "conversion_factors": {
                "creatinine_umol_per_l_per_mg_per_dl": float(CREATININE_MG_DL_TO_UMOL_L),
                "upcr_mg_per_mmol_per_g_per_g": float(UPCR_G_G_TO_MG_MMOL),
                "albumin_g_per_l_per_g_per_dl": 10,
            },
            "sources": sources_of(c for s in applied for c in s.sourced()),
        }
        verdicts = "; ".join(f"{spec.short_label}: {_verdict(results[spec.id])}"
                             for spec in applied)  # fmt: skip
        text = f"{verdicts}. {_describe(inputs, units, measurements)}. " + " ".join(notes)
        return tool_call(self.name, inputs, output, text.strip())

    def _chosen(self, ids: Sequence[str] | None) -> tuple[CriteriaSet, ...]:
        if ids is None:
            return tuple(spec for spec in self.criteria_sets if spec.by_default)
        known = {spec.id: spec for spec in self.criteria_sets}
        unknown = [i for i in ids if i not in known]
        if unknown or not ids:
            raise v.ToolInputError(
                f"criteria_sets must name one or more of {', '.join(known)}; got {list(ids)!r}."
            )
        return tuple(known[i] for i in dict.fromkeys(ids))


# --------------------------------------------------------------------------- inputs


def _patient(raw: dict[str, Any]) -> tuple[Patient, dict[str, Unit]]:
    units: dict[str, Unit] = {}

    def measured(name: str, unit_name: str, quantities: tuple[str, ...]) -> Fraction | None:
        value = raw[name]
        if value is None:
            return None
        amount = v.non_negative(name, value)
        if raw[unit_name] is None:
            raise v.ToolInputError(f"{unit_name} is required when {name} is given.")
        units[name] = parse_unit(unit_name, raw[unit_name], *quantities)
        if name in ("baseline_proteinuria", "creatinine", "baseline_creatinine"):
            v.positive(name, amount)
        return to_base(amount, units[name])

    protein = measured("proteinuria", "proteinuria_unit", PROTEIN)
    if protein is None:
        raise v.ToolInputError("proteinuria is required (with proteinuria_unit).")
    baseline = measured("baseline_proteinuria", "baseline_unit", PROTEIN)
    albumin = measured("albumin", "albumin_unit", ("albumin",))
    creatinine = measured("creatinine", "creatinine_unit", ("creatinine",))
    base_creat = measured("baseline_creatinine", "baseline_creatinine_unit", ("creatinine",))
    upper = raw["creatinine_upper_limit_normal"]
    upper_normal = None
    if upper is not None:
        if "creatinine" not in units:
            raise v.ToolInputError("creatinine_upper_limit_normal needs creatinine and its unit.")
        upper_normal = to_base(
            v.positive("creatinine_upper_limit_normal", upper), units["creatinine"]
        )
    patient = Patient(
        protein=protein,
        protein_kind=units["proteinuria"].quantity,
        baseline_protein=baseline,
        baseline_kind=units["baseline_proteinuria"].quantity if baseline is not None else None,
        albumin=None if albumin is None else albumin / 10,  # g/L -> g/dL
        creatinine=creatinine,
        baseline_creatinine=base_creat,
        upper_normal=upper_normal,
        reported_change=None
        if raw["creatinine_change_percent"] is None
        else exact(v.number("creatinine_change_percent", raw["creatinine_change_percent"])),
        reported_stable=bool(raw["creatinine_stable"]),
        egfr=_egfr(raw, "egfr_ml_min"),
        baseline_egfr=_egfr(raw, "baseline_egfr_ml_min"),
        reported_egfr_change=None
        if raw["egfr_change_percent"] is None
        else exact(v.number("egfr_change_percent", raw["egfr_change_percent"])),
    )
    _plausible(patient)
    return patient, units


def _egfr(raw: dict[str, Any], name: str) -> Fraction | None:
    """An eGFR in mL/min/1.73 m² (its only unit), validated."""
    if raw[name] is None:
        return None
    value = v.in_range(name, raw[name], 1, MAX_EGFR, EGFR_UNIT)
    return exact(value)


def _plausible(p: Patient) -> None:
    """Reject values that only make sense with the wrong unit (e.g. albumin 35 'g/dL')."""
    for name, value in (("proteinuria", p.protein), ("baseline_proteinuria", p.baseline_protein)):
        if value is not None and value > MAX_PROTEIN:
            raise v.ToolInputError(f"{name} above {MAX_PROTEIN} g/day (or g/g): check the unit.")
    if p.albumin is not None and p.albumin > MAX_ALBUMIN_G_DL:
        raise v.ToolInputError(
            f"albumin above {MAX_ALBUMIN_G_DL} g/dL is implausible: check the unit (g/L?)."
        )
    for name, value in (
        ("creatinine", p.creatinine),
        ("baseline_creatinine", p.baseline_creatinine),
    ):
        if value is not None and value > MAX_CREATININE_UMOL:
            raise v.ToolInputError(
                f"{name} above {MAX_CREATININE_UMOL} µmol/L is implausible: check the unit."
            )


# --------------------------------------------------------------------------- criteria


def _protein_below(p: Patient, limit: int | Fraction, kind: str, inclusive: bool = False) -> Check:
    unit = "g/day" if kind == "proteinuria_24h" else "g/g"
    shown = separating(p.protein, limit, 3)
    passed = p.protein <= limit if inclusive else p.protein < limit
    approx = " (approximation: other proteinuria measure used)" if p.protein_kind != kind else ""
    relation = ("at or below", "above") if inclusive else ("below", "not below")
    return Check(
        criterion=f"proteinuria {'<=' if inclusive else '<'} {trimmed(float(limit))} {unit}",
        status="pass" if passed else "fail",
        reason=f"{trimmed(shown)} {unit} is {relation[0] if passed else relation[1]} "
        f"{trimmed(float(limit))}{approx}",
        value=shown,
        threshold=float(limit),
        unit=unit,
    )


def _reduction(p: Patient, strict: bool, percent: Fraction) -> Check:
    sign = ">" if strict else ">="
    name = f"proteinuria reduction {sign} {trimmed(float(percent))}% from baseline"
    reduction = p.reduction
    if reduction is None:
        return Check(
            name,
            "missing",
            "baseline proteinuria not given",
            ("baseline_proteinuria",),
            threshold=float(percent),
            unit="%",
        )
    passed = reduction > percent if strict else reduction >= percent
    shown = separating(reduction, percent, 1)
    mixed = (
        " (baseline measured differently: approximation)"
        if p.baseline_kind != p.protein_kind
        else ""
    )
    verb = "fell" if reduction >= 0 else "rose"
    # the criterion's own figure beside the patient's, as the other checks show it
    relation = ("more than", "not more than") if strict else ("at least", "less than")
    bound = f"{relation[0] if passed else relation[1]} the {trimmed(float(percent))}% required"
    reason = f"proteinuria {verb} {trimmed(abs(shown))}% from baseline, {bound}{mixed}"
    return Check(
        name, "pass" if passed else "fail", reason, value=shown, threshold=float(percent), unit="%"
    )


def _albumin_at_least(p: Patient, limit: Fraction) -> Check:
    name = f"albumin >= {trimmed(float(limit))} g/dL"
    if p.albumin is None:
        return Check(
            name,
            "missing",
            "serum albumin not given",
            ("albumin",),
            threshold=float(limit),
            unit="g/dL",
        )
    shown = separating(p.albumin, limit, 2)
    passed = p.albumin >= limit
    reason = (
        f"{trimmed(shown)} g/dL is {'at or above' if passed else 'below'} {trimmed(float(limit))}"
    )
    return Check(
        name, "pass" if passed else "fail", reason, value=shown, threshold=float(limit), unit="g/dL"
    )


def _stable_creatinine(p: Patient, name: str, limit: Fraction) -> Check:
    needs = tuple(k for k in ("creatinine", "baseline_creatinine") if getattr(p, k) is None)
    criterion = f"{name} (creatinine <= {trimmed(float(limit))}% above baseline)"
    change = p.creatinine_change
    if change is None and p.reported_stable:
        return Check(criterion, "pass", "creatinine reported stable", threshold=float(limit),
                     unit="%")  # fmt: skip
    if change is None:
        return Check(
            criterion,
            "missing",
            f"{' and '.join(NEEDS[k] for k in needs)} not given",
            needs,
            threshold=float(limit),
            unit="%",
        )
    passed = change <= limit
    shown = separating(change, limit, 1)
    reason = f"creatinine {_change(shown)}% vs baseline"
    return Check(
        criterion,
        "pass" if passed else "fail",
        reason,
        value=shown,
        threshold=float(limit),
        unit="%",
    )


def _creatinine_or_normal(p: Patient, name: str, limit: Fraction) -> Check:
    """Creatinine within the normal range OR <= 15% above baseline: either branch is enough.

    The baseline comparison is the primary route; the normal-range branch is judged only
    when the laboratory's upper limit of normal is given.
    """
    stable = _stable_creatinine(p, name, limit)
    normal = _within_normal(p, stable.criterion)
    if stable.status == "pass" or (normal.status != "pass" and stable.status == "missing"):
        return stable
    if normal.status == "pass":
        return normal
    if normal.status == "missing":  # stable failed; the normal range might still rescue it
        return Check(
            stable.criterion,
            "missing",
            f"{stable.reason}; {normal.reason}",
            normal.needs,
            stable.value,
            stable.threshold,
            stable.unit,
        )
    return Check(
        stable.criterion,
        "fail",
        f"{stable.reason}; {normal.reason}",
        value=stable.value,
        threshold=stable.threshold,
        unit=stable.unit,
    )


def _within_normal(p: Patient, name: str) -> Check:
    if p.creatinine is None or p.upper_normal is None:
        return Check(
            name,
            "missing",
            "normal range not assessed (no upper limit of normal given)",
            ("creatinine_upper_limit_normal",),
        )
    value = round_half_up(p.creatinine, 1)
    upper = round_half_up(p.upper_normal, 1)
    within = p.creatinine <= p.upper_normal
    where = "within" if within else "above"
    return Check(
        name,
        "pass" if within else "fail",
        f"{trimmed(value)} µmol/L {where} the normal range (upper limit {trimmed(upper)})",
        value=value,
        threshold=upper,
        unit="µmol/L",
    )


def _check(p: Patient, c: Criterion) -> Check:
    """One profile criterion as a check on the patient's values."""
    limit = Fraction(str(c.value))
    if c.analyte == "egfr":
        return _egfr_kept(p, c, limit)
    if c.test in ("below", "at_most"):
        return _protein_below(p, limit, c.analyte, inclusive=c.test == "at_most")
    if c.test == "at_least":
        return _albumin_at_least(p, limit)
    if c.test in ("fall_more_than", "fall_at_least"):
        return _reduction(p, strict=c.test == "fall_more_than", percent=limit)
    name = c.label or "stable kidney function"
    if c.or_within_normal:
        return _creatinine_or_normal(p, name, limit)
    judged_by_egfr = p.creatinine_change is None and not p.reported_stable
    if c.or_egfr and judged_by_egfr and p.egfr_change is not None:
        return _stable_egfr(p.egfr_change, name, limit)
    return _stable_creatinine(p, name, limit)


def _stable_egfr(change: Fraction, name: str, limit: Fraction) -> Check:
    """Kidney function judged by eGFR (`change`, percent from baseline): no more than `limit`
    percent below baseline."""
    shown = separating(change, -limit, 1)
    return Check(
        f"{name} (eGFR no more than {trimmed(float(limit))}% below baseline)",
        "pass" if change >= -limit else "fail",
        f"eGFR {_change(shown)}% vs baseline",
        value=shown,
        threshold=float(-limit),
        unit="%",
    )


def _egfr_kept(p: Patient, c: Criterion, limit: Fraction) -> Check:
    """An eGFR rule: no more than `limit`% below baseline (`fall_at_most`), or at least
    `limit`% of it (`percent_of_baseline_at_least`); or, with `or_at_least`, that eGFR
    reached whatever its baseline."""
    by_fall = c.test == "fall_at_most"
    fall = limit if by_fall else 100 - limit
    rule = (f"eGFR no more than {trimmed(float(limit))}% below baseline" if by_fall
            else f"eGFR at least {trimmed(float(limit))}% of baseline")  # fmt: skip
    floor = None if c.or_at_least is None else Fraction(str(c.or_at_least))
    if floor is not None:
        rule = f"eGFR >= {trimmed(float(floor))} or {rule}"
    name = f"{c.label} ({rule})" if c.label else rule
    if p.egfr is None and (floor is not None or p.egfr_change is None):
        # (a change stated alone, "eGFR 80% of baseline", decides a rule without a floor)
        return Check(name, "missing", "eGFR not given", ("egfr",), threshold=float(limit))
    under_floor = ""
    if floor is not None and p.egfr is not None:
        if p.egfr >= floor:
            shown = separating(p.egfr, floor, 1)
            reason = f"eGFR {trimmed(shown)} is at or above {trimmed(float(floor))}"
            return Check(name, "pass", reason, value=shown, threshold=float(floor), unit=EGFR_UNIT)
        under_floor = (
            f"eGFR {trimmed(separating(p.egfr, floor, 1))} is below {trimmed(float(floor))}; "
        )
    change = p.egfr_change
    if change is None:
        reason = f"{under_floor}baseline eGFR not given"
        return Check(name, "missing", reason, ("baseline_egfr",), threshold=float(limit))
    passed = change >= -fall
    if by_fall:
        shown, threshold = separating(change, -fall, 1), float(-fall)
        within = "within" if passed else "beyond"
        reason = (
            f"{under_floor}eGFR {_change(shown)}% vs baseline, {within} {trimmed(float(limit))}%"
        )
    else:
        shown, threshold = separating(100 + change, limit, 1), float(limit)
        side = "at least" if passed else "below"
        reason = f"{under_floor}eGFR {trimmed(shown)}% of baseline, {side} {trimmed(float(limit))}%"
    status = "pass" if passed else "fail"
    return Check(name, status, reason, value=shown, threshold=threshold, unit="%")


def _checks(p: Patient, criteria: Sequence[Criterion]) -> list[Check]:
    return [_check(p, c) for c in criteria]


def _judged_change(p: Patient) -> bool:
    return p.creatinine_change is not None or p.egfr_change is not None


# --------------------------------------------------------------------------- classification


def _classify(complete: list[Check], partial: list[Check]) -> dict[str, Any]:
    """Complete if every complete criterion passes; partial if complete is ruled out and every
    partial criterion passes; no response if both are ruled out; otherwise insufficient data."""
    complete_out = _fails(complete)
    partial_out = _fails(partial) or not partial  # a set defining no partial response
    if all(c.status == "pass" for c in complete):
        category = "complete"
    elif complete_out and partial and all(c.status == "pass" for c in partial):
        category = "partial"
    elif complete_out and partial_out:
        category = "no response"
    else:
        category = "insufficient data"
    undecided = category == "insufficient data"
    for_complete = _needs(complete) if undecided and not complete_out else []
    for_partial = _needs(partial) if undecided and not partial_out else []
    return {
        "category": category,
        "complete_criteria": [c.as_dict() for c in complete],
        "partial_criteria": [c.as_dict() for c in partial],
        "needed_inputs": list(dict.fromkeys(for_complete + for_partial)),
        "needed_for_complete": for_complete,
        "needed_for_partial": for_partial,
    }


def _bare(reason: str) -> str:
    """A reason without its approximation remark (the check's notes say it once)."""
    return re.sub(r" \((?:approximation|baseline measured differently)[^)]*\)", "", reason)


def _needs(checks: list[Check]) -> list[str]:
    return list(dict.fromkeys(name for c in checks for name in c.needs))


def _fails(checks: list[Check]) -> bool:
    return any(c.status == "fail" for c in checks)


def _verdict(result: dict[str, Any]) -> str:
    """The category with the criteria that decided it, in words ("partial response (not
    complete: 1.6 g/day is not below 0.5; proteinuria fell 62% from baseline ...)")."""
    category = result["category"]
    complete = [c | {"reason": _bare(c["reason"])} for c in result["complete_criteria"]]
    partial = [c | {"reason": _bare(c["reason"])} for c in result["partial_criteria"]]
    ruled_out = [c["reason"] for c in complete if c["status"] == "fail"]
    not_complete = [f"not complete: {', '.join(ruled_out)}"] if ruled_out else []
    if category == "insufficient data":
        needs = ", ".join(NEEDS.get(n, n.replace("_", " ")) for n in result["needed_inputs"])
        # the criteria those values would be judged by ("complete: albumin >= 3.5 g/dL")
        rules = [f"{kind}: {c['criterion']}" for kind, checks in (("complete", complete),
                 ("partial", partial)) for c in checks if c["status"] == "missing"]  # fmt: skip
        wanted = f"needs {needs}" + (f", for {'; '.join(rules)}" if rules else "")
        return f"insufficient data ({'; '.join([*not_complete, wanted])})"
    if category == "complete":
        why = [c["reason"] for c in complete]
    elif category == "partial":
        why = [*not_complete, *(c["reason"] for c in partial)]
    else:
        failed = [c["reason"] for c in partial if c["status"] == "fail"]
        why = [*not_complete, f"not partial: {', '.join(failed)}"]
    if not partial:  # a definition of one response: its criteria are met or not
        name = result.get("response_name", "complete response")
        met = category == "complete"
        why = why if met else [c["reason"] for c in complete if c["status"] == "fail"]
        verdict = f"{name} criteria {'met' if met else 'not met'} ({'; '.join(why)})"
        if met and result.get("stated_met"):
            verdict += f", with {'; '.join(result['stated_met'])} as you state"
        if met and result.get("not_judged"):
            verdict += f", if also: {'; '.join(result['not_judged'])} (not judged from values)"
        return verdict
    label = "no response" if category == "no response" else f"{category} response"
    return f"{label} ({'; '.join(why)})"


# --------------------------------------------------------------------------- display


def _measurements(p: Patient, sets: Sequence[CriteriaSet]) -> dict[str, Any]:
    def shown(value: Fraction | None, decimals: int) -> float | None:
        return None if value is None else round_half_up(value, decimals)

    return {
        "proteinuria": shown(p.protein, 3),
        "proteinuria_unit": "g/day" if p.protein_kind == "proteinuria_24h" else "g/g",
        "baseline_proteinuria": shown(p.baseline_protein, 3),
        "baseline_proteinuria_unit": None
        if p.baseline_kind is None
        else ("g/day" if p.baseline_kind == "proteinuria_24h" else "g/g"),
        "proteinuria_reduction_percent": _near(p.reduction, _limits(sets, "fall")),
        "albumin_g_per_dl": shown(p.albumin, 2),
        "creatinine_umol_per_l": shown(p.creatinine, 1),
        "baseline_creatinine_umol_per_l": shown(p.baseline_creatinine, 1),
        "creatinine_change_percent": _near(p.creatinine_change, _limits(sets, "rise")),
        "creatinine_upper_limit_normal_umol_per_l": shown(p.upper_normal, 1),
        "egfr_change_percent": None if p.egfr_change is None else round_half_up(p.egfr_change, 1),
        "egfr_unit": None if p.egfr is None else EGFR_UNIT,
    }


def _limits(sets: Sequence[CriteriaSet], test: str) -> list[Fraction]:
    return [Fraction(str(c.value)) for s in sets for c in s.criteria()
            if c.test.startswith(test) and c.analyte != "egfr"]  # fmt: skip


def _near(value: Fraction | None, thresholds: list[Fraction]) -> float | None:
    """1 decimal, or more if needed to show on which side of every threshold the value lies."""
    if value is None:
        return None
    return max(
        (separating(value, t, 1) for t in thresholds),
        key=_decimals,
        default=round_half_up(value, 1),
    )


def _decimals(shown: float) -> int:
    text = trimmed(shown)
    return len(text.split(".")[1]) if "." in text else 0


def _describe(raw: dict[str, Any], units: dict[str, Unit], m: dict[str, Any]) -> str:
    """Measurements as entered, plus derived changes (each number is in inputs or output)."""
    parts = [f"Proteinuria {_as_entered(raw, units, 'proteinuria')}"]
    if m["proteinuria_reduction_percent"] is not None:
        parts[0] += (
            f" vs baseline {_as_entered(raw, units, 'baseline_proteinuria')} "
            f"({_change(-m['proteinuria_reduction_percent'])}%)"
        )
    if "albumin" in units:
        albumin = f"albumin {_as_entered(raw, units, 'albumin')}"
        if units["albumin"].display != "g/dL":  # the criteria are in g/dL: show the conversion
            albumin += f" ({trimmed(m['albumin_g_per_dl'])} g/dL)"
        parts.append(albumin)
    if "creatinine" in units:
        creat = f"creatinine {_as_entered(raw, units, 'creatinine')}"
        if "baseline_creatinine" in units and m["creatinine_change_percent"] is not None:
            # two units: each value not in µmol/L shown in it, as the change is computed
            mixed = units["creatinine"].display != units["baseline_creatinine"].display
            creat += _in_umol(m, "creatinine", units) if mixed else ""
            creat += (
                f" vs baseline {_as_entered(raw, units, 'baseline_creatinine')}"
                + (_in_umol(m, "baseline_creatinine", units) if mixed else "")
                + f" ({_change(m['creatinine_change_percent'])}%)"
            )
        parts.append(creat)
    elif raw["creatinine_change_percent"] is not None:
        parts.append(
            f"creatinine {_change(m['creatinine_change_percent'])}% vs baseline (as stated)"
        )
    elif raw["creatinine_stable"]:
        parts.append("creatinine stated as stable")
    if raw["egfr_ml_min"] is not None:
        egfr = f"eGFR {trimmed(raw['egfr_ml_min'])}"  # its unit: output's `egfr_unit`
        if raw["baseline_egfr_ml_min"] is not None:
            change = _change(m["egfr_change_percent"])
            egfr += f" vs baseline {trimmed(raw['baseline_egfr_ml_min'])} ({change}%)"
        elif m["egfr_change_percent"] is not None:
            egfr += f" ({_change(m['egfr_change_percent'])}% vs baseline, as stated)"
        parts.append(egfr)
    return ", ".join(parts)


def _in_umol(m: dict[str, Any], name: str, units: dict[str, Unit]) -> str:
    """ " (114.9 µmol/L)" for a creatinine entered in another unit, else nothing."""
    if units[name].display == "µmol/L":
        return ""
    return f" ({trimmed(m[f'{name}_umol_per_l'])} µmol/L)"


def _as_entered(raw: dict[str, Any], units: dict[str, Unit], name: str) -> str:
    return f"{trimmed(raw[name])} {units[name].display}"


def _notes(p: Patient, sets: Sequence[CriteriaSet]) -> list[str]:
    """Say where one proteinuria measure stands in for another."""
    kinds = {c.analyte for s in sets for c in s.criteria() if c.analyte in PROTEIN}
    notes = []
    if p.protein_kind == "proteinuria_24h" and "upcr" in kinds:
        notes.append(
            "The 24-h proteinuria was used as UPCR (g/g) for criteria stated in UPCR: "
            "an approximation."
        )
    elif p.protein_kind == "upcr" and "proteinuria_24h" in kinds:
        notes.append(
            "The UPCR (g/g) was used as 24-h proteinuria (g/day) for criteria stated per 24 h: "
            "an approximation."
        )
    if p.baseline_kind is not None and p.baseline_kind != p.protein_kind:
        notes.append(
            "Baseline and current proteinuria were measured differently, so the "
            "reduction is approximate."
        )
    return notes


def _change(value: float) -> str:
    """A signed change with at least 1 decimal and as many as the rounding kept: +5.6, +15.04."""
    text = trimmed(value)
    return signed(value, max(1, len(text.split(".")[1]) if "." in text else 0))
