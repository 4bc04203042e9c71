"""Typed numeric findings from sentences (assistant/facts.py).

The unit tests use invented sentences. The sample test reads real abstracts from
../shared/pubmedqa at run time (never copied here) and checks precision and recall against the
hand-checked expectations in tests/fixtures/facts_sample.jsonl.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.facts import Fact, derived_total, extract_facts, group_pairs

PROJECT = Path(__file__).resolve().parent.parent


def one(sentence: str, kind: str | None = None) -> Fact:
    facts = [f for f in extract_facts(sentence) if kind is None or f.kind == kind]
    assert len(facts) == 1, facts
    return facts[0]


def figures(sentence: str, known_groups: tuple[str, ...] = ()) -> list[tuple[object, ...]]:
    return [
        (
            f.kind,
            f.percent,
            f.events,
            f.total,
            f.measure,
            f.estimate,
            f.ci_low,
            f.ci_high,
            f.p_value,
        )
        for f in extract_facts(sentence, known_groups)
    ]


# ---------------------------------------------------------------- counts and percentages


def test_events_of_total() -> None:
    fact = one("Nausea was reported by 46 of 100 participants.")
    assert (fact.kind, fact.events, fact.total, fact.percent) == ("proportion", 46, 100, None)


def test_slash_counts_with_percent_first() -> None:
    fact = one("The remission rate was 83.0% (117/141).")
    assert (fact.percent, fact.events, fact.total) == (83.0, 117, 141)
    sentence = "The remission rate was 83.0% (117/141)."
    assert sentence[fact.span[0] : fact.span[1]] == "83.0% (117/141)"


def test_slash_counts_with_percent_after() -> None:
    fact = one("Fever developed in 12/48 (25%) of the children.")
    assert (fact.percent, fact.events, fact.total) == (25.0, 12, 48)


def test_count_with_percent_and_n_equals() -> None:
    fact = one("Dizziness affected 23% (n = 46) of the cohort.")
    assert (fact.percent, fact.events, fact.total) == (23.0, 46, None)
    fact = one("Dizziness affected some (n = 46, 23%).")
    assert (fact.percent, fact.events) == (23.0, 46)


def test_count_then_percent_in_brackets() -> None:
    fact = one("A rash appeared in 46 (46%) volunteers.")
    assert (fact.percent, fact.events) == (46.0, 46)
    fact = one("Two volunteers (4%) stopped early.")
    assert (fact.percent, fact.events) == (4.0, 2)


def test_denominator_from_the_clause() -> None:
    fact = one("Of the 61 volunteers, 48 (78.7%) finished the course.")
    assert (fact.events, fact.total, fact.percent) == (48, 61, 78.7)
    fact = one("Headache was noted in 3 (37.5%) of 8 sessions.")
    assert (fact.events, fact.total) == (3, 8)
    # an inconsistent candidate denominator is not used
    fact = one("Of the 90 volunteers, 48 (78.7%) finished the course.")
    assert fact.total is None


def test_late_percentage_checked_against_the_count() -> None:
    fact = one("In older adults, 8 of 59 attempts were unsuccessful (13.6%).")
    assert (fact.events, fact.total, fact.percent) == (8, 59, 13.6)
    assert fact.group == "older adults"


def test_number_words() -> None:
    assert figures("Thirty-three percent (seven of 21) improved.") == [
        ("proportion", 33.0, 7, 21, None, None, None, None, None)
    ]
    fact = one("None of the 12 controls relapsed.")
    assert (fact.events, fact.total) == (0, 12)


def test_thousands_separators() -> None:
    fact = one("Events occurred in 2,205 of 10,412 people.")
    assert (fact.events, fact.total) == (2205, 10412)


def test_bare_percentages() -> None:
    fact = one("About 53.1% of visits ended with a prescription.")
    assert (fact.kind, fact.percent) == ("percent", 53.1)
    fact = one("Forty-one percent answered the survey.")
    assert (fact.kind, fact.percent) == ("percent", 41.0)


def test_shared_percent_sign() -> None:
    assert [f.percent for f in extract_facts("Uptake was 59.1 and 62.1 % in the two towns.")] == [
        59.1,
        62.1,
    ]


# ---------------------------------------------------------------- effects, intervals, P values


@pytest.mark.parametrize(
    ("sentence", "measure", "estimate", "low", "high", "level"),
    [
        ("Risk fell (HR 0.74; 95% CI 0.65 to 0.85).", "HR", 0.74, 0.65, 0.85, 95.0),
        ("Risk fell (hazard ratio, 0.74 [95% CI, 0.65-0.85]).", "HR", 0.74, 0.65, 0.85, 95.0),
        ("Odds rose (OR = 2.1, 95% CI: 1.2–3.4).", "OR", 2.1, 1.2, 3.4, 95.0),
        (
            "The relative risk was 1.9 (95% confidence interval 1.1 to 3.3).",
            "RR",
            1.9,
            1.1,
            3.3,
            95.0,
        ),
        ("The odds ratio was 2.1 (90% CI 1.5-2.9).", "OR", 2.1, 1.5, 2.9, 90.0),
        (
            "Scores improved (mean difference −2.1; 95% CI −3.0 to −1.2).",
            "MD",
            -2.1,
            -3.0,
            -1.2,
            95.0,
        ),
        ("Effect size SMD 0.45 (95% CI 0.20 to 0.70).", "SMD", 0.45, 0.20, 0.70, 95.0),
        (
            "Visits fell (rate ratio 0.80, 95 percent CI 0.70 to 0.91).",
            "IRR",
            0.80,
            0.70,
            0.91,
            95.0,
        ),
        ("The absolute risk reduction was 4.2% (95% CI, 1.1%-7.3%).", "ARR", 4.2, 1.1, 7.3, 95.0),
        (
            "The difference was 20.5 percentage points (95% CI, 10.3-30.6).",
            "RD",
            20.5,
            10.3,
            30.6,
            95.0,
        ),
        ("Deaths were fewer (HR 0·81; 95% CI 0·70–0·94).", "HR", 0.81, 0.70, 0.94, 95.0),
        # the difference as the clause's subject, its outcome and time point before the value
        (
            "The treatment difference in remission at month 6 was 3.0% (95% CI -12% to 18%).",
            "RD",
            3.0,
            -12.0,
            18.0,
            95.0,
        ),
        ("The difference between groups was 4.1% (95% CI 1.0 to 7.2).", "RD", 4.1, 1.0, 7.2, 95.0),
        ("Men were at higher risk (OR 1.53, 1.39-1.69).", "OR", 1.53, 1.39, 1.69, None),
    ],
)
def test_effect_styles(
    sentence: str, measure: str, estimate: float, low: float, high: float, level: float | None
) -> None:
    fact = one(sentence, "effect")
    assert (fact.measure, fact.estimate, fact.ci_low, fact.ci_high) == (
        measure,
        estimate,
        low,
        high,
    )
    assert fact.ci_level == level


def test_effect_without_interval() -> None:
    fact = one("Smoking was linked to the outcome (OR = 2.1, P = .03).")
    assert (fact.measure, fact.estimate, fact.ci_low, fact.p_value, fact.p_relation) == (
        "OR", 2.1, None, 0.03, "="
    )  # fmt: skip


def test_list_of_estimates_shares_the_measure() -> None:
    facts = extract_facts(
        "The adjusted odds ratios were 0.58 (95% CI, 0.35-0.97), 0.45 (95% CI, 0.27-0.74), "
        "and 0.44 (95% CI, 0.26-0.73)."
    )
    assert [(f.measure, f.estimate, f.ci_low, f.ci_high) for f in facts] == [
        ("OR", 0.58, 0.35, 0.97), ("OR", 0.45, 0.27, 0.74), ("OR", 0.44, 0.26, 0.73),
    ]  # fmt: skip


def test_interval_after_an_unnamed_estimate_and_a_percentage() -> None:
    fact = one("The area under the curve was 0.91 (95% CI 0.85-0.96).")
    assert (fact.kind, fact.measure, fact.estimate, fact.ci_low) == ("effect", None, 0.91, 0.85)
    fact = one("Sensitivity was 76.3% (95% CI, 65.4-87.1%).")
    assert (fact.kind, fact.percent, fact.ci_low, fact.ci_high) == ("percent", 76.3, 65.4, 87.1)


@pytest.mark.parametrize(
    ("text", "value", "relation"),
    [
        ("P = .03", 0.03, "="),
        ("P<0.001", 0.001, "<"),
        ("p < .05", 0.05, "<"),
        ("P =.04", 0.04, "="),
        ("p-value of 0.02", 0.02, "="),
        ("P ≤ 0.01", 0.01, "<="),
        ("p>0.05", 0.05, ">"),
        ("P = 0·01", 0.01, "="),
    ],
)
def test_p_value_styles(text: str, value: float, relation: str) -> None:
    fact = one(f"Recovery was faster in the first clinic ({text}).")
    assert (fact.kind, fact.p_value, fact.p_relation, fact.estimate) == (
        "effect", value, relation, None
    )  # fmt: skip


def test_p_value_belongs_to_the_figures_before_it() -> None:
    facts = extract_facts(
        "Relapse occurred in 10% vs 20% of patients (P = .01); fatigue in 5% vs 6% (P = .7)."
    )
    assert [(f.percent, f.p_value) for f in facts] == [(10, 0.01), (20, 0.01), (5, 0.7), (6, 0.7)]


def test_p_value_before_its_estimate_in_one_bracket() -> None:
    fact = one("The cues predicted the result (p = 0.0001, OR = 10.6 [3.3-34.0]).")
    assert (fact.measure, fact.estimate, fact.ci_low, fact.ci_high, fact.p_value) == (
        "OR", 10.6, 3.3, 34.0, 0.0001
    )  # fmt: skip


# ---------------------------------------------------------------- groups and pairs


def test_heart_failure_like_pair_of_counts() -> None:
    sentence = (
        "The composite outcome occurred in 412 of 2205 vs 498 of 2198 patients "
        "(hazard ratio, 0.74; 95% CI, 0.65 to 0.85; P<0.001)."
    )
    facts = extract_facts(sentence)
    props = [f for f in facts if f.kind == "proportion"]
    assert [(f.events, f.total) for f in props] == [(412, 2205), (498, 2198)]
    assert all(f.outcome == "composite outcome" for f in props)
    effect = next(f for f in facts if f.kind == "effect")
    assert (effect.measure, effect.estimate, effect.ci_low, effect.ci_high) == (
        "HR",
        0.74,
        0.65,
        0.85,
    )
    assert effect.p_value == 0.001 and effect.p_relation == "<"
    (pair,) = group_pairs(facts)
    assert (pair[0].events, pair[1].events) == (412, 498)


def test_named_arms_in_the_same_sentence() -> None:
    facts = extract_facts(
        "Worsening occurred in 386 of 2373 patients in the new-drug group and in 502 of 2371 "
        "patients in the placebo group."
    )
    assert [(f.group, f.events, f.total) for f in facts] == [
        ("the new-drug group", 386, 2373), ("the placebo group", 502, 2371),
    ]  # fmt: skip
    assert len(group_pairs(facts)) == 1


def test_respectively_with_known_groups() -> None:
    sentence = (
        "Complete response at 24 weeks was 83.0% (117/141) and 75.2% (103/137) in the A and B "
        "groups, respectively (P = .03)."
    )
    facts = extract_facts(sentence, known_groups=["A", "B"])
    assert [(f.group, f.percent, f.events, f.total, f.p_value) for f in facts] == [
        ("A", 83.0, 117, 141, 0.03), ("B", 75.2, 103, 137, 0.03),
    ]  # fmt: skip
    assert all(f.timepoint == "at 24 weeks" for f in facts)
    assert all(f.outcome == "Complete response" for f in facts)
    (pair,) = group_pairs(facts)
    assert (pair[0].group, pair[1].group) == ("A", "B")


def test_respectively_without_known_groups() -> None:
    facts = extract_facts(
        "Survival was 59% and 62% in the younger and the older group, respectively."
    )
    assert [(f.group, f.percent) for f in facts] == [("younger", 59.0), ("older", 62.0)]


def test_with_and_versus_cues() -> None:
    facts = extract_facts(
        "Remission was reached by 40.8% with the new regimen versus 22.5% with placebo."
    )
    assert [(f.kind, f.group, f.percent) for f in facts] == [
        ("proportion", "new regimen", 40.8), ("proportion", "placebo", 22.5),
    ]  # fmt: skip
    (pair,) = group_pairs(facts)
    assert pair[1].group == "placebo"


def test_unlabelled_pair_after_than_takes_the_comparison_order() -> None:
    """The group named just before "(a vs b)" is the comparison's second group, not a's."""
    facts = extract_facts(
        "Falls were less common in the exercise group than in the usual-care group (7.1% vs 12.4%)."
    )
    assert [(f.group, f.percent) for f in facts] == [("exercise group", 7.1), ("usual-care", 12.4)]
    (pair,) = group_pairs(facts)
    assert pair[0].percent == 7.1


def test_known_group_aliases_are_found_as_written() -> None:
    facts = extract_facts(
        "Relief was reported by 61% of those on LRX-7 compared with 44% on usual care.",
        known_groups=["LRX-7", "usual care"],
    )
    assert [(f.group, f.percent) for f in facts] == [("LRX-7", 61.0), ("usual care", 44.0)]


def test_group_labels_in_brackets_and_numbered_groups() -> None:
    facts = extract_facts(
        "Readmission rates were similar: 14.4% (home visits); 14.5% (phone calls)."
    )
    assert [(f.group, f.percent) for f in facts] == [("home visits", 14.4), ("phone calls", 14.5)]
    facts = extract_facts("Conversion occurred in 5 cases (group I, 1 [7%]; group II, 2 [20%]).")
    assert [(f.group, f.events, f.percent) for f in facts] == [
        ("group I", 1, 7.0),
        ("group II", 2, 20.0),
    ]


def test_comparison_without_named_groups_is_a_pair_of_proportions() -> None:
    facts = extract_facts("Isolates were more often positive (36% vs 12%).")
    assert [f.kind for f in facts] == ["proportion", "proportion"]
    assert len(group_pairs(facts)) == 1


def test_timepoints() -> None:
    fact = one("At 12 months, 30 of 90 volunteers had relapsed.")
    assert fact.timepoint == "At 12 months"
    fact = one("The 10-year survival was 82%.")
    assert fact.timepoint == "10-year"


def test_group_pairs_keeps_sentence_order_and_skips_same_group() -> None:
    facts = extract_facts("In the night-shift group, 20% slept badly and 35% felt tired.")
    assert group_pairs(facts) == []


# ---------------------------------------------------------------- what is not a finding


@pytest.mark.parametrize(
    "sentence",
    [
        "We enrolled 240 patients between 2005 and 2011.",
        "Participants were aged 18 to 65 years (mean age 47).",
        "The drug was given at 10 mg/kg twice daily for 12 weeks.",
        "Blood pressure was 120/80 mmHg at entry.",
        "Visits took place on 12/05/2003 and 14/06/2004.",
        "The trial randomly assigned 2205 and 2198 participants [12].",
        "Doses of 5/10 mg were compared in 3 cohorts.",
        "The scores were 8.3/19 and 15.4/25.",
        "Mean scores were 6.7 vs. 8.0 days, respectively.",
        "A total of 304 people with type 2 (n = 142) or type 3 (n = 162) were included.",
        "Strategies were mobility (n = 48) and strength (n = 44).",
        "The probability was 0.03 (range: 0.03-0.64).",
        "Differences were considered statistically significant at P<0.05.",
        "A P value <0.05 was considered significant.",
        "Statistical significance was set at p < .05.",
        "They received 10 ml of a 0.5% solution.",
        "Antibodies were tested with a type-1/2 assay.",
        "Children were randomised into one of four series.",
    ],
)
def test_design_numbers_are_not_findings(sentence: str) -> None:
    assert extract_facts(sentence) == []


def test_thresholds_confidence_levels_ranges_and_sds_are_not_percentages() -> None:
    assert figures("Patients with a score <33% had a 95% CI that was wide.") == []
    assert [f.percent for f in extract_facts("Agreement was 80% (range 75%-86%).")] == [80.0]
    assert [f.percent for f in extract_facts("They covered 29% ± 14% of the area.")] == [29.0]
    assert [f.percent for f in extract_facts("Only 26% had a ≥ 30% decrease.")] == [26.0]


def test_events_never_exceed_total() -> None:
    assert extract_facts("The ratio was 12/5 in the clinic.") == []
    for fact in extract_facts("Responses: 5 of 4, 3 of 9, and 10/20."):
        assert fact.events is not None and fact.total is not None
        assert fact.events <= fact.total


def test_significance_words_next_to_a_finding_keep_its_p_value() -> None:
    fact = one("Scores differed significantly p<0.05 between the clinics.")
    assert (fact.p_value, fact.p_relation) == (0.05, "<")
    fact = one("The rise was statistically significant (P = .02).")
    assert fact.p_value == 0.02


def test_label_numbers_are_not_counts() -> None:
    fact = one("Variant 9 (6.7%) was rare.")
    assert (fact.events, fact.percent) == (None, 6.7)


# ---------------------------------------------------------------- the contract


def test_round_trip_and_spans_on_the_original_text() -> None:
    sentence = "Risk fell (HR 0·74; 95% CI 0·65–0·85), and 412 of 2,205 relapsed (P = .03)."
    facts = extract_facts(sentence)
    assert [Fact.from_dict(f.to_dict()) for f in facts] == facts
    for fact in facts:
        start, end = fact.span
        assert 0 <= start < end <= len(sentence)
    assert sentence[facts[0].span[0] : facts[0].span[1]].startswith("HR 0·74")
    assert isinstance(facts[0].to_dict()["span"], list)


def test_no_figures_no_facts() -> None:
    assert extract_facts("") == []
    assert extract_facts("The outcome was better with early care.") == []


def test_facts_module_names_no_field() -> None:
    source = (PROJECT / "assistant" / "facts.py").read_text(encoding="utf-8").lower()
    for word in (
        "tacrolimus",
        "cyclophosphamide",
        "lupus",
        "nephritis",
        "dapagliflozin",
        "heart failure",
    ):
        assert word not in source


@settings(max_examples=150, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("0123456789 .,;:%/()[]-–−·<>=±Pp ofvsCIHROR n")), max_size=80
    )
)
def test_never_crashes_and_spans_stay_inside(text: str) -> None:
    for fact in extract_facts(text):
        assert 0 <= fact.span[0] <= fact.span[1] <= len(text)
        if fact.events is not None and fact.total is not None:
            assert fact.events <= fact.total


# ---------------------------------------------------------------- the hand-checked sample


def _benchmark() -> ModuleType:
    path = PROJECT / "benchmarks" / "facts_accuracy.py"
    spec = importlib.util.spec_from_file_location("facts_accuracy", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_hand_checked_sample_precision_and_recall() -> None:
    bench = _benchmark()
    if not bench.ABSTRACTS.exists():
        pytest.skip(f"{bench.ABSTRACTS} is absent: the hand-checked sample cannot be read")
    cases = bench.load_cases()
    assert len([c for c in cases if c.expected]) >= 60
    assert len([c for c in cases if not c.expected]) >= 10
    result = bench.score(cases)
    print(
        f"\nfacts sample: {result.sentences} sentences, {result.expected} expected facts, "
        f"{result.extracted} extracted, precision {result.precision:.3f}, "
        f"recall {result.recall:.3f}"
    )
    for split, part in sorted(bench.score_by_split(cases).items()):
        print(f"  {split}: precision {part.precision:.3f}, recall {part.recall:.3f}")
    assert result.precision >= 0.9
    assert result.recall >= 0.85
    holdout = bench.score_by_split(cases)["holdout"]
    assert holdout.precision >= 0.85 and holdout.recall >= 0.8


def test_sample_holds_no_abstract_text() -> None:
    text = (PROJECT / "tests" / "fixtures" / "facts_sample.jsonl").read_text(encoding="utf-8")
    for line in text.splitlines():
        assert set(re.findall(r'"(\w+)":', line)) <= {
            "pmid", "section", "label", "sentence", "sha1", "split", "facts", "known_groups",
            "kind", "percent", "events", "total", "measure", "estimate", "ci_low", "ci_high",
            "p_value", "group",
        }  # fmt: skip
        assert not re.search(r'"group": "[^"]{40,}"', line)


# ---------------------------------------------------------------- totals worked back


def test_a_total_is_worked_back_only_when_one_whole_number_fits() -> None:
    # 29 of 157 is 18.47%, the only group size that rounds to 18.5%.
    assert derived_total(29, 18.5, 1) == 157
    assert derived_total(35, 24.6, 1) == 142
    # "29 (18%)": every total from 157 to 165 rounds to 18%, so none is chosen.
    assert derived_total(29, 18.0, 0) is None
    # Small counts are pinned down even by whole percentages: 3 of 5 is the only 60%.
    assert derived_total(3, 60.0, 0) == 5
    # No events, or a percentage no count could give, leave the total unknown.
    assert derived_total(0, 12.5, 1) is None
    assert derived_total(5, 0.0, 1) is None
    assert derived_total(5, 140.0, 1) is None


@given(st.integers(1, 400), st.integers(1, 2000))
@settings(max_examples=300, deadline=None)
def test_a_worked_back_total_always_reproduces_the_percentage(events: int, extra: int) -> None:
    total = events + extra - 1
    percent = round(100 * events / total, 1)
    found = derived_total(events, percent, 1)
    if found is not None:
        assert abs(100 * events / found - percent) <= 0.05 + 1e-9


@pytest.mark.parametrize(
    "sentence",
    [
        "The activity index fell by a mean of 31% with drug A but rose by a mean of 4% with "
        "placebo.",
        "Mean HbA1c decreased by 12% in the intervention group and by 3% in controls.",
        "Body weight was reduced by 5.2% with drug A vs 2.4% with placebo.",
    ],
)
def test_a_measurements_change_is_no_share_of_patients(sentence: str) -> None:
    facts = extract_facts(sentence, ("drug A", "placebo"))
    assert [f.kind for f in facts] == ["change", "change"]
    assert group_pairs(facts) == []  # no two rates to compare


def test_a_rate_beside_a_change_in_another_clause_stays_a_rate() -> None:
    facts = extract_facts("HbA1c fell by 1.2% with drug A vs 0.5% with placebo, and 30% vs 20% "
                          "reached the target.", ("drug A", "placebo"))  # fmt: skip
    assert [f.kind for f in facts] == ["change", "change", "proportion", "proportion"]


def test_groups_dividing_a_stated_whole_are_shares_not_rates() -> None:
    """Counts adding up to a count the sentence states, percentages to 100: the sample split
    between the groups, which no comparison of rates may pair."""
    sentence = ("Of 410 patients randomised, 402 (98.0%) were treated: 203 (50.5%) with drug A "
                "and 199 (49.5%) with placebo.")  # fmt: skip
    facts = extract_facts(sentence, ("drug A", "placebo"))
    assert [f.kind for f in facts] == ["proportion", "share", "share"]
    assert group_pairs(facts) == []
    # two groups' rates that merely add up to 100 are rates ("60% vs 40%" of no stated whole)
    rates = extract_facts("Relief in 60 (60%) with drug A vs 40 (40%) with placebo.")
    assert [f.kind for f in rates] == ["proportion", "proportion"]
