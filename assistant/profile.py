"""The domain profile: what one evidence base knows that the code must not.

`corpus/profile.yaml` (beside the evidence) names the evidence base, its treatment arms and
their aliases, and the criteria sets and protocols the patient-level tools apply. It is
validated with pydantic on load; an error names the file and the field. Every threshold
carries the id of the passage that states it, and `check_sources` verifies, against the
indexed text, that the value is written in that passage, so a tool's threshold is grounded by
the evidence rather than by code.

A corpus without a profile gets `Profile.generic()`: no arms, no criteria, no protocols; the
chain then answers from the text and computes statistics from the figures it finds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from .verify import numbers_in, value_key

PROFILE_NAME = "profile.yaml"
_PASSAGE_ID = re.compile(r"^[^#\s]+#s\d+$")


class ProfileError(ValueError):
    """The profile cannot be used; the message names the file, the field and the fix."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Sourced(_Model):
    """Anything holding thresholds: `source` is the passage id that states them."""

    source: str
    # Other passages stating the same thresholds (another source on the same study): cited
    # beside `source`, and checked the same way.
    also: tuple[str, ...] = ()

    @field_validator("source")
    @classmethod
    def _passage_id(cls, value: str) -> str:
        if not _PASSAGE_ID.match(value):
            raise ValueError(f"{value!r} is not a passage id such as 'study2020#s12'")
        return value

    @field_validator("also")
    @classmethod
    def _passage_ids(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(cls._passage_id(value) for value in values)

    @property
    def passages(self) -> tuple[str, ...]:
        """Every passage stating the thresholds: `source` first."""
        return (self.source, *self.also)

    def thresholds(self) -> list[float]:
        """The numbers the cited passage must state."""
        return [
            float(value)
            for name, value in self.__dict__.items()
            if isinstance(value, int | float) and not isinstance(value, bool)
        ]


class Named(_Model):
    name: str
    aliases: tuple[str, ...] = ()

    @property
    def words(self) -> tuple[str, ...]:
        return (self.name.lower(), *(a.lower() for a in self.aliases))


class DrugClass(Named):
    members: tuple[str, ...]


class Criterion(Sourced):
    analyte: Literal["proteinuria_24h", "upcr", "albumin", "creatinine", "egfr"]
    test: Literal[
        "below", "at_most", "at_least", "fall_more_than", "fall_at_least", "rise_at_most",
        "fall_at_most", "percent_of_baseline_at_least",
    ]  # fmt: skip
    value: float
    label: str | None = None
    or_within_normal: bool = False
    # Kidney function may also be judged by eGFR (a fall of at most `value`% from baseline)
    # when the creatinine values are not given: for definitions that speak of "kidney
    # function", not of creatinine alone.
    or_egfr: bool = False
    # An eGFR rule met either way: its fall limit, or this value reached ("eGFR of at least
    # 60 or no confirmed fall of more than 20%").
    or_at_least: float | None = None

    @model_validator(mode="after")
    def _test_fits_analyte(self) -> Criterion:
        egfr_tests = ("fall_at_most", "percent_of_baseline_at_least")
        if (self.analyte == "egfr") != (self.test in egfr_tests):
            raise ValueError(
                f"test {self.test!r} does not apply to {self.analyte!r}: eGFR takes "
                f"{' or '.join(egfr_tests)}, and only eGFR does"
            )
        if self.or_at_least is not None and self.analyte != "egfr":
            raise ValueError("or_at_least applies to an eGFR criterion only")
        return self


class Condition(Sourced):
    """A requirement of a response definition that no laboratory value decides ("no rescue
    therapy"): named beside the verdict, never judged from the values given."""

    label: str


class CriteriaSet(_Model):
    """Response definitions of one trial or guideline: complete (under `response_name`, when
    the study names its response otherwise) and, if it defines one, partial."""

    id: str
    label: str
    short_label: str
    applies_to: tuple[str, ...] = ()
    # Applied to a question naming no study (else only to one naming a study it applies to).
    by_default: bool = True
    response_name: str = "complete response"
    complete: tuple[Criterion, ...] = Field(min_length=1)
    partial: tuple[Criterion, ...] = ()
    conditions: tuple[Condition, ...] = ()
    notes: tuple[str, ...] = ()

    def sourced(self) -> list[Sourced]:
        return [*self.complete, *self.partial, *self.conditions]

    def criteria(self) -> list[Criterion]:
        return [*self.complete, *self.partial]


class EligibilityRule(Sourced):
    """An inclusive bound on one of the patient's values; with `for_classes`, a bound only
    for a patient whose biopsy class is one of them ("at least 2 mg/mg for class V")."""

    criterion: str
    input: Literal["age_years", "bmi", "proteinuria_g_per_24h", "creatinine", "upcr"]
    unit: str
    min: float | None = None
    max: float | None = None
    for_classes: tuple[str, ...] = ()


class ClassRule(Sourced):
    """A categorical entry criterion such as a biopsy class."""

    label: str
    words: tuple[str, ...] = ()
    allowed: tuple[str, ...] = Field(min_length=1)


class StrictLimit(Sourced):
    input: str
    below: float


DAYS_PER_MONTH = 365.25 / 12


class Exclusion(Sourced):
    """An exclusion criterion a clinic note can state, named by `words`. It excludes when
    the note states it (not negated); with `above`, when the figure written after the words
    is above it ("chronicity index 5"); with `within_days`, when the note dates it within
    that many days or says the patient is on it; with `beyond_weeks`, `beyond_months` or
    `beyond_years` (as its source counts the time), when it dates it longer ago ("biopsy 8
    months ago"). A `treatment` is also ruled out by a note calling the patient
    treatment-naive."""

    criterion: str
    words: tuple[str, ...] = Field(min_length=1)
    above: float | None = None
    within_days: float | None = None
    beyond_weeks: float | None = None
    beyond_months: float | None = None
    beyond_years: float | None = None
    treatment: bool = False

    @property
    def beyond_days(self) -> float | None:
        """The time after which the exclusion applies, in days (a month 365.25 / 12 days)."""
        for value, days in ((self.beyond_weeks, 7), (self.beyond_months, DAYS_PER_MONTH),
                            (self.beyond_years, 365.25)):  # fmt: skip
            if value is not None:
                return value * days
        return None


class Unchecked(Sourced):
    """An entry criterion the source states that the check cannot assess from a clinic note
    (a measure or a date it does not read): named in every verdict, so that meeting the
    rest is never reported as eligible."""

    criterion: str


class EligibilitySet(_Model):
    id: str
    label: str
    short_label: str
    basis: str
    applies_to: tuple[str, ...] = ()
    rules: tuple[EligibilityRule, ...] = Field(min_length=1)
    classes: ClassRule | None = None
    strict_limits: tuple[StrictLimit, ...] = ()
    strict_note: str | None = None
    exclusions: tuple[Exclusion, ...] = ()
    unchecked: tuple[Unchecked, ...] = ()

    def sourced(self) -> list[Sourced]:
        classes = [self.classes] if self.classes else []
        return [*self.rules, *classes, *self.strict_limits, *self.exclusions, *self.unchecked]


class Pulse(Sourced):
    drug: str
    g_per_day: float
    days: int


class OralDose(Sourced):
    drug: str
    mg_per_kg_per_day: float
    max_mg_per_day: float
    initial_weeks: int


class TaperStep(Sourced):
    step_mg: float
    every_weeks: int
    down_to_mg: float


class Protocol(_Model):
    """A weight-based dosing schedule: optional IV pulse, oral start with a cap, taper steps."""

    id: str
    label: str
    applies_to: tuple[str, ...] = Field(min_length=1)  # the drugs it doses
    studies: tuple[str, ...] = ()  # the documents whose protocol it is, if it is tied to some
    pulse: Pulse | None = None
    oral: OralDose
    taper: tuple[TaperStep, ...] = Field(min_length=1)
    disclaimer: str

    def sourced(self) -> list[Sourced]:
        return [*([self.pulse] if self.pulse else []), self.oral, *self.taper]


@dataclass(frozen=True)
class StatedKnowledge:
    """Passages stating one entry of the profile, and what the entry applies to (lower-cased
    document ids, arms or drug names)."""

    applies_to: frozenset[str]
    passages: tuple[str, ...]


class Profile(_Model):
    title: str
    coverage: str
    suggestions: str = "its studies' results, populations and methods"
    placeholder: str = "e.g. What was the main result?"
    examples: tuple[str, ...] = ()
    condition: Named | None = None
    primary_study: str | None = None
    interventions: tuple[Named, ...] = ()
    drug_classes: tuple[DrugClass, ...] = ()
    subgroup_terms: tuple[str, ...] = ()
    synonyms: dict[str, str] = Field(default_factory=dict)
    acronyms: tuple[str, ...] = ()  # abbreviations of the field that are not study names
    shared_words: tuple[str, ...] = ()  # words nearly every answer here shares (not support)
    criteria_sets: tuple[CriteriaSet, ...] = ()
    eligibility: tuple[EligibilitySet, ...] = ()
    protocols: tuple[Protocol, ...] = ()

    @field_validator("subgroup_terms")
    @classmethod
    def _patterns(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"{pattern!r} is not a valid pattern: {exc}") from exc
        return value

    @classmethod
    def generic(cls) -> Profile:
        return cls(title="Evidence assistant", coverage="the documents in its evidence base")

    # ------------------------------------------------------------ derived vocabulary

    @property
    def shared(self) -> frozenset[str]:
        return frozenset(w.lower() for w in self.shared_words)

    @property
    def not_study_names(self) -> frozenset[str]:
        words = {*self.acronyms, *(w for i in self.interventions for w in i.words)}
        if self.condition:
            words.update(self.condition.words)
        return frozenset(w.upper() for w in words)

    @cached_property
    def arms(self) -> ArmVocabulary:
        return ArmVocabulary({i.name: i.words for i in self.interventions})

    @cached_property
    def subgroup(self) -> re.Pattern[str] | None:
        if not self.subgroup_terms:
            return None
        return re.compile(r"\b(?:" + "|".join(self.subgroup_terms) + r")\b", re.I)

    def subgroups_in(self, text: str) -> frozenset[str]:
        """The subgroups `text` names, each as one spelling however its kind is called
        ("Class  IV + V", "type IV+V" -> "iv+v")."""
        if self.subgroup is None:
            return frozenset()
        return frozenset(subgroup_key(m) for m in self.subgroup.findall(text))

    def class_members(self, text: str) -> tuple[str, ...]:
        """Arms of the drug classes `text` names ("beta blockers" -> their member drugs)."""
        lowered = text.lower()
        return tuple(
            member
            for group in self.drug_classes
            if any(_has_word(lowered, w) for w in group.words)
            for member in group.members
        )

    def no_evidence_message(self) -> str:
        return (
            "The evidence base does not cover this question, so there is nothing to cite. "
            f"It holds {self.coverage}. Try asking about {self.suggestions}."
        )

    def stated_knowledge(self) -> dict[str, tuple[StatedKnowledge, ...]]:
        """Where the evidence states what the profile knows, by the facet of a question it
        answers: entry criteria (population), response definitions (definition), dosing
        protocols (regimen); each with the studies, arms or drugs it applies to."""

        def stated(
            items: Iterable[CriteriaSet | EligibilitySet | Protocol],
        ) -> tuple[StatedKnowledge, ...]:
            return tuple(
                StatedKnowledge(
                    frozenset(a.lower() for a in item.applies_to),
                    # exclusions state who was kept out: they answer only when asked about
                    tuple(sources_of(e for e in item.sourced() if not isinstance(e, Exclusion))),
                )
                for item in items
            )

        return {
            "population": stated(self.eligibility),
            "definition": stated(self.criteria_sets),
            "regimen": stated(self.protocols),
        }

    def all_sourced(self) -> list[tuple[str, Sourced]]:
        """(where in the profile, entry) for every entry holding thresholds."""
        found: list[tuple[str, Sourced]] = []
        for group, items in (
            ("criteria_sets", self.criteria_sets),
            ("eligibility", self.eligibility),
            ("protocols", self.protocols),
        ):
            for item in items:
                found += [(f"{group}[{item.id}]", entry) for entry in item.sourced()]
        return found

    def names(self) -> set[str]:
        """Drug, study and condition names of this profile (kept out of the code)."""
        words: set[str] = set()
        for named in (*self.interventions, *self.drug_classes, self.condition):
            if named is not None:
                words.update(named.words)
        for protocol in self.protocols:
            words.update(w.lower() for w in protocol.applies_to)
            words.update(d.lower() for d in (protocol.oral.drug,))
            if protocol.pulse:
                words.add(protocol.pulse.drug.lower())
        return words


MIN_CLIPPED = 4  # letters of a clipped drug name ("myco", "cyclo")
RARE_IN_ENGLISH = 3.0  # wordfreq Zipf: about one use per million words (drug names are rarer)


class ArmVocabulary:
    """Canonical arm names and the words that name them in text."""

    def __init__(self, terms: Mapping[str, tuple[str, ...]]) -> None:
        self.terms = dict(terms)
        self._patterns = {
            arm: re.compile(r"\b(?:" + "|".join(map(re.escape, words)) + r")\b", re.I)
            for arm, words in self.terms.items()
            if words
        }
        # Where each arm is first named in a text, memoised per vocabulary: the same
        # passages are read for their arms by ranking, tools and presentation, question
        # after question.
        self._first_mentions = lru_cache(maxsize=20_000)(self._find_first_mentions)
        # The one-word names of the arms (canonical and aliases), lower-cased: names the
        # evidence base covers whether or not its text writes them ("a brand name").
        self.one_word_names = frozenset(
            name.lower() for names in self.terms.values() for name in names if " " not in name
        )

    def words(self, arm: str) -> tuple[str, ...]:
        return self.terms.get(arm, ())

    def in_text(self, text: str) -> tuple[str, ...]:
        """Arms named in `text`, in profile order."""
        return tuple(arm for arm, _start in self._first_mentions(text))

    def in_question(self, text: str) -> tuple[str, ...]:
        """Arms a question names, also clipped as clinicians clip drug names ("cyclo",
        "tacro"): a word of `MIN_CLIPPED` letters or more, rare in English (so "place" never
        names placebo), that begins the names of exactly one arm. Passages are read with
        `in_text` only: formal text writes names in full."""
        from wordfreq import zipf_frequency

        named = set(self.in_text(text))
        for word in set(re.findall(r"[a-z]+", text.lower())):
            if len(word) < MIN_CLIPPED or zipf_frequency(word, "en") >= RARE_IN_ENGLISH:
                continue
            owners = {arm for arm, words in self.terms.items()
                      if any(w.startswith(word) and w != word for w in words)}  # fmt: skip
            if len(owners) == 1:
                named |= owners
        return tuple(arm for arm in self._patterns if arm in named)

    def in_order(self, text: str) -> list[str]:
        """Arms in the order they are first mentioned."""
        first = self._first_mentions(text)
        return [arm for arm, _start in sorted(first, key=lambda mention: mention[1])]

    def _find_first_mentions(self, text: str) -> tuple[tuple[str, int], ...]:
        """(arm, offset of its first mention) for each arm named in `text`, in profile order."""
        found = ((arm, pattern.search(text)) for arm, pattern in self._patterns.items())
        return tuple((arm, match.start()) for arm, match in found if match)

    def pattern(self, arm: str) -> re.Pattern[str] | None:
        return self._patterns.get(arm)


def _has_word(lowered: str, word: str) -> bool:
    return re.search(rf"\b{re.escape(word)}\b", lowered) is not None


# --------------------------------------------------------------------------- loading


def load_profile(corpus_dir: Path) -> Profile:
    """The corpus's profile, or the generic one when it has none."""
    path = corpus_dir / PROFILE_NAME
    if not path.is_file():
        return Profile.generic()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ProfileError(f"{path}: cannot be read as YAML ({exc})") from exc
    if not isinstance(raw, dict):
        raise ProfileError(f"{path}: expected a mapping of fields, got {type(raw).__name__}")
    try:
        return Profile.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}" for error in exc.errors()
        )
        raise ProfileError(f"{path}: {problems}") from exc


def check_sources(profile: Profile, passage_text: Mapping[str, str] | Any) -> None:
    """Every threshold must be written in the passage it cites (by value: "0.5g/d" states
    0.5, "10-15%" states 15). `passage_text` maps passage id -> sentence."""
    problems = []
    for where, entry in profile.all_sourced():
        for source in entry.passages:
            text = passage_text.get(source)
            if text is None:
                problems.append(f"{where}: passage {source} is not in the evidence base")
                continue
            stated = {value_key(t.value) for t in numbers_in(text)}
            missing = [v for v in entry.thresholds() if value_key(v) not in stated]
            if missing:
                values = ", ".join(f"{v:g}" for v in missing)
                problems.append(f"{where}: {values} not stated in {source} ({text[:80]}…)")
    if problems:
        raise ProfileError("profile thresholds not grounded: " + "; ".join(problems))


def sources_of(entries: Iterable[Sourced]) -> list[str]:
    return list(dict.fromkeys(p for e in entries for p in e.passages))


def subgroup_key(written: str) -> str:
    """One spelling for a subgroup however its kind is called ("class V", "type V": "v")."""
    words = written.lower().split()
    return "".join(words[1:] if len(words) > 1 else words)
