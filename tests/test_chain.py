"""End to end through `ask`: tools are called for computations and patient checks, their inputs
traced, and every number grounded."""

from __future__ import annotations

import re

import pytest
from reading import before_evidence

from assistant import EvidenceAssistant
from assistant.extract import arm_values, conversion, measured


def _numbers_everywhere_grounded(answer) -> None:  # type: ignore[no-untyped-def]
    assert answer.ungrounded_numbers == []


def test_complete_remission_difference_is_computed_with_its_inputs(bot: EvidenceAssistant) -> None:
    answer = bot.ask("How much higher was complete remission with tacrolimus?")
    call = answer.tool_calls[0]
    assert call.inputs["pct_a"] == 49.6 and call.inputs["pct_b"] == 36.3
    assert call.output["difference_points"] == 13.3
    assert "13.3" in answer.answer
    assert any("49.6%" in c.quote for c in answer.citations)


def test_a_reported_rate_is_checked_against_its_counts(bot: EvidenceAssistant) -> None:
    answer = bot.ask("Does 93 of 124 give 75%?")
    assert answer.tool_calls[0].output["matches_reported"] is True
    assert any("93/124" in c.quote for c in answer.citations)


def test_a_patient_in_complete_remission(bot: EvidenceAssistant) -> None:
    answer = bot.ask(
        "Proteinuria 0.2 g/24 h, albumin 3.6 g/dL, creatinine 95 vs 90 µmol/L baseline: "
        "is this complete remission?"
    )
    output = answer.tool_calls[0].output
    assert output["trial"]["category"] == "complete"
    assert any("defined" in c.quote or "defines" in c.quote for c in answer.citations)


@pytest.mark.parametrize(
    ("question", "first"),
    [
        ("Wk 52 UPCR 0.42 mg/mg, eGFR 65 vs 90 at baseline, no rescue: AURORA 1 responder?", "Yes"),
        (
            "REGENCY pt wk 76: UPCR 0.42 mg/mg, eGFR 72 (baseline 90). Complete renal response?",
            "No",
        ),
        # eGFR given as a share of her baseline decides a rule set as a share of it
        (
            "REGENCY pt wk 76: UPCR 0.35 mg/mg, eGFR 80% of her baseline, no rescue or "
            "withdrawal. Complete renal response?",
            "No",
        ),
        # a set with complete and partial levels says which itself; no data, no yes or no
        (
            "24-h protein 0.3 g, albumin 3.8 g/dL, creatinine stable. Zheng complete remission?",
            None,
        ),
        ("UPCR 0.42 mg/mg at week 52: would that be an AURORA 1 complete renal response?", None),
        # not a yes/no question
        ("How would AURORA 1 classify wk 52 UPCR 0.42 mg/mg, eGFR 65 vs 90, no rescue?", None),
    ],
)
def test_a_yes_no_question_about_a_patients_response_is_answered_yes_or_no_first(
    bot: EvidenceAssistant, question: str, first: str | None
) -> None:
    answer = bot.ask(question)
    assert answer.tool_calls and answer.tool_calls[0].name == "remission_check", answer.answer
    head = answer.answer.removeprefix("**")
    if first is None:
        assert not head.startswith(("Yes", "No")), answer.answer
    else:
        assert head.startswith(f"{first}: "), answer.answer


def test_a_patients_value_is_set_against_a_figure_the_study_states_in_another_unit(
    bot: EvidenceAssistant,
) -> None:
    # The profile holds no entry rules for this study; its record states a creatinine limit
    # in mg/dL: the patient's µmol/L value is converted into it and placed against it.
    answer = bot.ask("Creat 150 umol/L - would that have excluded him from the Miyasaka trial?")
    call = answer.tool_calls[0]
    assert call.name == "convert" and call.output["to_unit"] == "mg/dL", answer.answer
    assert call.output["stated_value"] == 1.5 and call.output["patient_is"] == "above"
    assert "above the 1.5 mg/dL that Miyasaka 2009 states" in answer.answer
    # the sentence stating the figure is said, not only quoted
    said = before_evidence(answer)
    assert "serum creatinine of 1.5 mg/dL or more. [1]" in said
    _numbers_everywhere_grounded(answer)


@pytest.mark.parametrize(
    "question",
    [
        "Given that the Zheng tacrolimus trial was double-blind, how much weight should we give "
        "its safety findings?",
        "Since the Zheng tacrolimus vs cyclophosphamide trial was double-blind, how did they make "
        "the oral capsules and the IV infusions look identical?",
    ],
)
def test_the_claim_a_question_rests_on_is_checked_by_a_sentence_of_its_own(
    bot: EvidenceAssistant, question: str
) -> None:
    # the premise is wrong (the trial was open-label): the sentence saying so is cited and
    # said, whatever else the question asks about
    answer = bot.ask(question)
    said = before_evidence(answer)
    assert "open-label" in said, answer.answer


def test_counts_of_other_figures_do_not_stand_in_for_the_figures_found(
    bot: EvidenceAssistant,
) -> None:
    # Two studies named; the figures asked for are Liu 2015's (percentages only): another
    # study's counted result (83.0% = 117/141) is not their counts.
    answer = bot.ask(
        "How come the Liu 2015 multitarget trial could claim better efficacy than IV "
        "cyclophosphamide, whereas Zheng only claimed non-inferiority? What week-24 figures did "
        "Liu report?"
    )
    call = answer.tool_calls[0]
    assert "multitarget" in answer.answer.splitlines()[0], answer.answer
    assert "117/141" not in before_evidence(answer)
    assert call.name == "difference_of_percentages"


def test_a_follow_up_naming_a_group_in_the_sentences_own_words_gets_its_figures_alone(
    bot: EvidenceAssistant,
) -> None:
    # "the low-dose arm" and "the high-dose arm" are no arms of the profile: the groups the
    # sentence's facts name (at ingest) say which figure the follow-up asks for
    history = [{"role": "user", "content": "Euro-Lupus at 10 years: deaths in the low-dose arm?"}]
    answer = bot.ask("and in the high-dose arm?", history)
    first = answer.answer.splitlines()[0]
    assert first.startswith("For the high-dose arm: 4% (death at 10 years). [1]"), answer.answer
    assert "11%" not in before_evidence(answer)


def test_a_claim_of_which_arm_did_better_is_answered_yes_or_no_with_both_figures(
    bot: EvidenceAssistant,
) -> None:
    answer = bot.ask("I heard the low-dose Euro-Lupus arm had fewer deaths at 10 years than the "
                     "high-dose arm. Is that right?")  # fmt: skip
    first = answer.answer.splitlines()[0]
    assert (
        first
        == "**No: the low-dose arm's figure is higher (11% vs 4% for the high-dose arm).** [1]"
    )
    assert "death occurred in 11% of the low-dose arm" in answer.citations[0].quote
    _numbers_everywhere_grounded(answer)


@pytest.mark.parametrize("pointer", ["for that same drug", "in that arm", ", same drug"])
def test_a_follow_up_pointing_back_at_the_arm_gets_that_arms_figure_alone(
    bot: EvidenceAssistant, pointer: str
) -> None:
    history = [{"role": "user", "content": "Complete remission rate with tacrolimus, Zheng?"}]
    answer = bot.ask(f"What about partial remission {pointer}?", history)
    said = before_evidence(answer)
    assert said.startswith("For tacrolimus: the partial remission rate was 33.3%."), answer.answer
    assert "38.7" not in said  # the other arm's partial remission


def test_a_dose_asked_with_no_drug_after_a_question_on_the_protocol_drug_is_that_drugs(
    bot: EvidenceAssistant,
) -> None:
    history = [{"role": "user", "content": "What prednisone dose did Zheng's patients start on?"}]
    answer = bot.ask("She weighs 50 kg. What would her starting dose be?", history)
    assert answer.tool_calls and answer.tool_calls[0].output["starting_mg_per_day"] == 40
    # ... while the same question with no such conversation names no drug to dose
    alone = bot.ask("She weighs 50 kg. What would her starting dose be?")
    assert alone.status == "no_evidence" and not alone.tool_calls, alone.answer


def test_an_entry_check_naming_other_studies_quotes_whom_each_of_them_took(
    bot: EvidenceAssistant,
) -> None:
    # the profile holds entry rules for one of the three: the others' own sentences are said
    answer = bot.ask("A 63-year-old with class IV disease: which of Zheng 2022, ALMS and Liu "
                     "2015 would have allowed her in by age?")  # fmt: skip
    assert answer.tool_calls[0].name == "trial_eligibility"
    said = before_evidence(answer)
    assert "aged 18 to 65 years" in said and "aged 12 to 75 years" in said, answer.answer
    _numbers_everywhere_grounded(answer)
    # ... and none for a question naming only the study whose rules were applied
    own = bot.ask("A 63-year-old with class IV disease: would Zheng 2022 have allowed her in?")
    assert "aged 12 to 75" not in before_evidence(own)
    # an entry requirement other than age ("required a ratio of at least ...") is whom it took
    ratio = bot.ask("Pure class V on biopsy 3 months ago, UPCR 2.5 mg/mg: would REGENCY have "
                    "enrolled her, and would AURORA 1?")  # fmt: skip
    assert "at least 2 mg/mg for class V" in before_evidence(ratio), ratio.answer


def test_a_figure_claimed_with_no_study_named_is_checked_against_the_evidence_bases_own(
    bot: EvidenceAssistant,
) -> None:
    # the primary study is the question's subject: its result corrects the claimed 90%
    answer = bot.ask("I read tacrolimus worked in 90% of people in the Chinese lupus kidney "
                     "trial, so it almost always works, right?")  # fmt: skip
    lines = answer.answer.splitlines()
    assert lines[0] == "**The evidence base does not state the figure you give for Zheng 2022.**"
    assert "83.0%" in lines[1], answer.answer
    # ... and figures it does state are confirmed as its own
    stated = bot.ask("Tacrolimus 83% vs IVCY 75% at week 24, right?")
    assert stated.answer.startswith("**Yes: "), stated.answer


def test_the_starting_prednisone_dose_is_capped(bot: EvidenceAssistant) -> None:
    answer = bot.ask("Starting prednisone dose for a 70 kg patient?")
    assert answer.tool_calls[0].output["starting_mg_per_day"] == 45
    assert "45 mg/d" in answer.answer and "56" not in answer.answer


def test_a_rounded_dose_shows_the_arithmetic_behind_it(bot: EvidenceAssistant) -> None:
    answer = bot.ask("What starting prednisone dose for a 48 kg patient under the trial protocol?")
    first_line = answer.answer.splitlines()[0]
    assert "38 mg/d" in first_line and "0.8 mg/kg/day × 48 kg = 38.4 mg/d, rounded" in first_line
    _numbers_everywhere_grounded(answer)


def test_a_follow_up_reuses_the_previous_tool(bot: EvidenceAssistant) -> None:
    history = [
        {"role": "user", "content": "Starting prednisone dose for a 70 kg patient?"},
        {"role": "assistant", "content": "45 mg/d"},
    ]
    answer = bot.ask("and for a 50 kg patient?", history=history)
    assert answer.tool_calls[0].name == "dose_schedule"
    assert answer.tool_calls[0].output["starting_mg_per_day"] == 40


def _after(bot: EvidenceAssistant, earlier: str, reply: str, follow_up: str):  # type: ignore[no-untyped-def]
    """The answer to `follow_up` asked after `earlier` was answered with `reply`."""
    history = [{"role": "user", "content": earlier}, {"role": "assistant", "content": reply}]
    return bot.ask(follow_up, history=history)


def test_a_follow_up_answers_for_the_other_arm(bot: EvidenceAssistant) -> None:
    answer = _after(bot, "What was the complete remission rate with tacrolimus?", "49.6% [1]",
                    "and with cyclophosphamide?")  # fmt: skip
    first_line = answer.answer.split("\n")[0]
    assert "36.3%" in first_line and "49.6" not in first_line


def test_a_follow_up_for_one_arm_shows_its_counts_where_the_sentence_writes_them(
    bot: EvidenceAssistant,
) -> None:
    answer = _after(bot, "ALMS class V: week-24 response with mycophenolate?",
                    "16/29 (55.2%) [1]", "and with cyclophosphamide in that subgroup?")  # fmt: skip
    first_line = answer.answer.split("\n")[0]
    assert "48.4%, 15/31" in first_line and "55.2" not in first_line
    _numbers_everywhere_grounded(answer)


def test_non_inferiority_needs_a_margin_and_shows_both_numbers(bot: EvidenceAssistant) -> None:
    answer = bot.ask("Is tacrolimus non-inferior to IVCY with a 10% margin?")
    call = answer.tool_calls[0]
    assert call.name == "non_inferiority"
    assert call.output["lower_bound_points"] == -1.8 and call.output["margin_points"] == 10


def test_a_test_needing_counts_takes_them_from_another_sentence_of_the_named_study(
    bot: EvidenceAssistant,
) -> None:
    """The best-ranked sentence gives the study's rates as percentages only; the counts the
    Newcombe interval needs are in another of its sentences, and are used."""
    answer = bot.ask("Taking a margin of -10 points, does the Zheng result clear it on a "
                     "Newcombe 95% CI?")  # fmt: skip
    call = answer.tool_calls[0]
    assert call.name == "non_inferiority"
    assert (call.inputs["events_a"], call.inputs["total_a"]) == (117, 141)
    _numbers_everywhere_grounded(answer)


def test_studies_are_compared_side_by_side_not_pooled(bot: EvidenceAssistant) -> None:
    answer = bot.ask("Compare complete response across trials")
    studies = {c.output.get("study") for c in answer.tool_calls}
    assert len(studies) >= 2 and "not pooled" in answer.answer
    assert len(answer.citations) >= len(answer.tool_calls)


def test_two_groups_counts_given_are_compared_with_their_intervals(bot: EvidenceAssistant) -> None:
    answer = bot.ask("88/156 with MMF vs 83/154 with cyclophosphamide: risk difference, 95% CI?")
    call = answer.tool_calls[0]
    assert call.name == "compare_arms"
    assert (call.inputs["events_a"], call.inputs["total_a"]) == (88, 156)
    assert (call.inputs["label_a"], call.inputs["label_b"]) == ("MMF", "IVCY")
    assert "−8.5 to +13.4" in answer.answer  # Newcombe, by the notes' formula
    _numbers_everywhere_grounded(answer)


def test_two_groups_counts_given_with_a_margin_are_tested_against_it(
    bot: EvidenceAssistant,
) -> None:
    answer = bot.ask("If the NI margin were -12 pts, does MMF clear it with 88/156 vs 83/154 cyc?")
    call = answer.tool_calls[0]
    assert call.name == "non_inferiority", answer.answer
    assert call.output["margin_points"] == 12 and call.output["lower_bound_points"] == -8.5
    _numbers_everywhere_grounded(answer)


def test_the_calculation_line_names_how_each_interval_was_made(bot: EvidenceAssistant) -> None:
    # A reader comparing with their own software needs the method, not only "95% CI".
    rate = bot.ask("Wilson CI for 117/141?").answer
    assert "95% CI: Wilson score" in rate.split("**Calculation**")[1], rate
    both = bot.ask("88/156 with MMF vs 83/154 with cyclophosphamide: risk difference?").answer
    assert "95% CIs: RD Newcombe (Wilson score), RR log (Katz), OR logit (Woolf)" in both, both


@pytest.mark.parametrize(
    "question",
    [
        "Does 130 of 124 give 75%?",
        "Does 5 of 0 give 75%?",
        "Convert -3 mg/dL to µmol/L",
        "Compare 30/20 with 5/40: risk difference?",
    ],
)
def test_impossible_inputs_get_a_clear_message(bot: EvidenceAssistant, question: str) -> None:
    answer = bot.ask(question)
    assert answer.status == "invalid_input"
    assert answer.answer.startswith("The calculation could not be done")
    assert answer.tool_calls == [] and answer.ungrounded_numbers == []


def test_a_unit_conversion_cites_nothing(bot: EvidenceAssistant) -> None:
    answer = bot.ask("What is a serum creatinine of 1.2 mg/dL in µmol/L?")
    assert answer.tool_calls[0].output["value"] == 106.1
    assert answer.citations == []


def test_patient_values_are_read_with_their_baselines() -> None:
    text = "Baseline proteinuria was 3.0 g/day; now it is 0.4 g/day; creatinine 70 (72 at baseline)"
    protein = measured(text, "proteinuria")
    assert (protein.value, protein.baseline, protein.unit) == (0.4, 3.0, "g/day")
    creatinine = measured(text, "creatinine")
    assert (creatinine.value, creatinine.baseline) == (70.0, 72.0)
    assert (
        measured("What proteinuria threshold does the KDIGO 2024 guideline use?", "proteinuria")
        is None
    )


def test_arm_figures_are_paired_as_written(bot: EvidenceAssistant) -> None:
    values = arm_values(
        "SLEDAI fell by -8.6 and -6.4 in the tacrolimus and IVCY groups, respectively.",
        bot.profile.arms,
    )
    assert [(v.arm, v.figure) for v in values] == [("tacrolimus", "-8.6"), ("IVCY", "-6.4")]
    # A later unlabelled pair qualifies the labelled figures; it does not replace them.
    qualified = arm_values(
        "Infections occurred in 16.9% with tacrolimus versus 7.6% with IVCY, and in 11.0% "
        "versus 7.6% when one cause was excluded.",
        bot.profile.arms,
    )
    assert [(v.arm, v.figure) for v in qualified][:2] == [("tacrolimus", "16.9%"), ("IVCY", "7.6%")]
    assert conversion("Convert 260 µmol/L into mg/dL") == (260.0, "umol/L", "mg/dL")
    # Several figures in one arm's clause: the arm takes the one written next to its name.
    nested = arm_values(
        "299 patients (95.2%) were treated [157 (52.5%) in the tacrolimus group; 142 (47.5%) "
        "in the IVCY group].",
        bot.profile.arms,
    )
    assert [(v.arm, v.percent) for v in nested] == [("tacrolimus", 52.5), ("IVCY", 47.5)]


def _compared_counts(call) -> tuple[tuple[int, int], tuple[int, int]]:  # type: ignore[no-untyped-def]
    """(events, total) of each arm a `compare_arms` call compared."""
    assert call.name == "compare_arms"
    inputs = call.inputs
    return (inputs["events_a"], inputs["total_a"]), (inputs["events_b"], inputs["total_b"])


def test_totals_worked_back_from_percentages_give_an_interval_and_say_so(
    bot: EvidenceAssistant,
) -> None:
    # The sentence gives "29 patients (18.5%)" and "35 patients (24.6%)" but no group sizes.
    answer = bot.ask("Difference in serious adverse events, tacrolimus vs IVCY, with a 95% CI?")
    call = answer.tool_calls[0]
    assert _compared_counts(call) == ((29, 157), (35, 142))
    assert call.inputs["totals_worked_back"] == [157, 142]
    assert "worked back from the count and its percentage" in answer.answer
    assert "95% CI" in answer.answer
    _numbers_everywhere_grounded(answer)


def test_counts_without_totals_take_the_arm_sizes_another_sentence_states(
    bot: EvidenceAssistant,
) -> None:
    # "21 in the mycophenolate arm versus 12 in the cyclophosphamide arm" withdrew for adverse
    # events; another sentence of the record says "185 in each arm".
    answer = bot.ask("ALMS: relative risk of withdrawing for adverse events, MMF vs IVCY?")
    call = answer.tool_calls[0]
    assert _compared_counts(call) == ((21, 185), (12, 185))
    assert call.inputs["totals_are_arm_sizes"] == [185, 185]
    assert "RR 1.75" in answer.answer and "stated in another sentence" in answer.answer
    assert any("185 in each arm" in c.quote for c in answer.citations)  # the totals' source
    _numbers_everywhere_grounded(answer)


def test_bare_counts_and_arm_sizes_are_read_only_as_written(bot: EvidenceAssistant) -> None:
    from assistant.extract import arm_sizes, bare_counts

    arms = bot.profile.arms
    counts = bare_counts("3 in the tacrolimus arm and 5 in the IVCY arm had zoster.", arms)
    assert [(c.arm, c.events, c.total) for c in counts] == [
        ("tacrolimus", 3, None),
        ("IVCY", 5, None),
    ]
    # Percentages or fractions are `arm_values`' to read; one arm's count is no pair.
    assert bare_counts("3 (2%) in the tacrolimus arm and 5 (4%) in the IVCY arm", arms) == []
    assert bare_counts("3 in the tacrolimus arm had zoster.", arms) == []
    assert arm_sizes("with 185 in each arm", arms) == {"*": 185}
    assert arm_sizes("157 were assigned to tacrolimus and 142 were assigned to IVCY", arms) == {
        "tacrolimus": 157,
        "IVCY": 142,
    }
    assert arm_sizes("the tacrolimus arm lost 15 kg", arms) == {}


def test_an_across_trials_answer_gets_a_forest_plot(bot: EvidenceAssistant) -> None:
    from assistant.plots import figure_for

    answer = bot.ask(
        "How does response with calcineurin inhibitors compare with IVCY across trials?"
    )
    assert {c.name for c in answer.tool_calls} >= {"compare_arms", "reported_difference"}
    figure = figure_for([c.to_dict() for c in answer.tool_calls])
    assert figure is not None and "not pooled" in figure.axes[0].get_title()


@pytest.mark.parametrize(
    ("text", "value", "baseline"),
    [
        ("creatinine 110 umol/L, baseline creatinine 80 umol/L", 110.0, 80.0),
        ("creatinine 95 µmol/L (baseline 90)", 95.0, 90.0),
        ("creatinine rose from 80 to 110 umol/L", 110.0, 80.0),
        ("creatinine up 10% from baseline", None, None),
    ],
)
def test_patient_values_keep_current_and_baseline_apart(
    text: str, value: float | None, baseline: float | None
) -> None:
    found = measured(text, "creatinine")
    assert (found.value, found.baseline) == (value, baseline) if found else value is None


def test_a_stated_change_and_a_stated_stability_are_read() -> None:
    from assistant.extract import change_percent, reported_stable

    assert change_percent("creatinine up 10% from baseline", "creatinine") == 10.0
    assert change_percent("serum creatinine fell by 5%", "creatinine") == -5.0
    assert reported_stable("proteinuria 0.3 g/day, creatinine stable", "creatinine")
    assert not reported_stable("proteinuria stable, creatinine 90 umol/L", "creatinine")


def test_a_short_question_with_its_own_subject_is_not_a_follow_up(bot: EvidenceAssistant) -> None:
    history = [{"role": "user", "content": "What was the complete remission rate with tacrolimus?"},
               {"role": "assistant", "content": "..."}]  # fmt: skip
    standalone = bot.route("Side effects of cyclophosphamide?", history)
    assert standalone.follow_up_of is None and standalone.query.startswith("Side effects")
    switched = bot.route("IVCY?", history)
    assert switched.follow_up_of is not None and "tacrolimus" not in switched.query


def test_a_follow_up_two_turns_after_its_subject_keeps_it(bot: EvidenceAssistant) -> None:
    history = [{"role": "user", "content": "What was the complete remission rate with tacrolimus?"},
               {"role": "assistant", "content": "..."},
               {"role": "user", "content": "and with IVCY?"},
               {"role": "assistant", "content": "..."}]  # fmt: skip
    routed = bot.route("what about partial response?", history)
    assert "IVCY" in routed.query and "remission" in routed.query


def test_a_follow_up_naming_another_study_is_answered_from_that_study(
    bot: EvidenceAssistant,
) -> None:
    history = [{"role": "user", "content": "Serious infections on voclosporin in AURORA 1?"},
               {"role": "assistant", "content": "10.1% versus 11.2% [1]"}]  # fmt: skip
    answer = bot.ask("ok and with obinutuzumab in REGENCY?", history)
    assert answer.citations[0].document == "furie2025", answer.answer
    assert "10.1" not in before_evidence(answer)


def test_how_a_value_was_read_is_shown_beside_the_check(bot: EvidenceAssistant) -> None:
    """A note on the patient's values (here: a unit the question left out) is shown with the
    calculation it belongs to, not only when no calculation could run."""
    answer = bot.ask(
        "At 24 weeks: proteinuria 0.4 g/24h, alb 3.6, creatinine stable. "
        "Complete remission by the trial's definition?"
    )
    assert [c.name for c in answer.tool_calls] == ["remission_check"], answer.answer
    calculation = answer.answer.split("**Calculation**")[1].split("**Evidence**")[0]
    assert "'alb 3.6': no unit given, read as g/dL" in calculation
    assert answer.ungrounded_numbers == []


@pytest.mark.parametrize(
    "question", ["What are the limitations?", "What were the weaknesses of the tacrolimus trial?"]
)
def test_the_direct_answer_states_findings_not_an_interviewers_turn(
    bot: EvidenceAssistant, question: str
) -> None:
    from assistant.present import speaker_role

    answer = bot.ask(question)
    assert answer.status == "answered", answer.answer
    statements = [line for line in answer.answer.split("\n\n")[0].splitlines() if "[" in line]
    assert statements, answer.answer
    for line in statements:
        marker = int(line.split("[", 1)[1].split("]", 1)[0])
        pid = answer.citations[marker - 1].id
        assert speaker_role(bot.index.passages_by_id([pid])[pid].metadata) != "interviewer", line


def test_an_interviewers_figure_is_shown_when_the_question_quotes_it(
    bot: EvidenceAssistant,
) -> None:
    answer = bot.ask(
        "The interview says roughly 70% of patients progress to end-stage renal disease. "
        "Was that a trial result?"
    )
    assert "About 70% of patients" in before_evidence(answer), answer.answer


def test_a_comparison_takes_its_figures_from_the_document_the_question_is_about() -> None:
    from assistant.calculate import _PairSearch
    from assistant.extract import ArmValue
    from assistant.profile import Profile
    from assistant.types import Passage

    def sentence(pid: str) -> Passage:
        return Passage(id=pid, document_id=pid.split("#")[0], text=pid, start=0, end=1,
                       position=int(pid[-1]))  # fmt: skip

    def arms(events: int) -> tuple[ArmValue, ArmValue]:
        return (ArmValue("A", "", 50.0, events, 2 * events),
                ArmValue("B", "", 25.0, events // 2, 2 * events))  # fmt: skip

    lead, other, lead_later = sentence("a#s0"), sentence("b#s0"), sentence("a#s1")
    pairs = [(other, *arms(10)), (lead_later, *arms(20))]  # the other abstract's ranks higher
    search = _PairSearch(Profile.generic(), needs_counts=False, subgroups=frozenset())
    assert search._prefer_counts(pairs, [lead, other, lead_later])[0] is lead_later


def test_a_converted_value_is_cited_where_the_evidence_states_it_in_that_unit(
    bot: EvidenceAssistant,
) -> None:
    answer = bot.ask("The creatinine cut-off for entry was 260 umol/L - what is that in mg/dL?")
    assert answer.tool_calls[0].name == "convert"
    assert [c.document for c in answer.citations] == ["zheng2022-interview"]
    assert "260 μmol/L" in answer.citations[0].quote
    # A value of the user's own is stated nowhere in the evidence: nothing to cite.
    own = bot.ask("Convert creatinine 1.37 mg/dL to umol/L")
    assert own.tool_calls[0].name == "convert" and own.citations == []


def test_a_difference_the_study_reports_is_transcribed_beside_the_computed_one(
    bot: EvidenceAssistant,
) -> None:
    # The sentence gives two percentages (no counts) and its own adjusted difference with a CI.
    answer = bot.ask("REGENCY: complete renal response in each arm and the adjusted difference?")
    names = [call.name for call in answer.tool_calls]
    assert names == ["difference_of_percentages", "reported_difference"]
    computed, reported = answer.tool_calls
    assert computed.output["difference_points"] == 13.3  # 46.4 - 33.1, unadjusted
    assert computed.output["ci_reported"] is True
    assert (reported.output["risk_difference_points"], reported.output["rd_ci_low_points"],
            reported.output["rd_ci_high_points"]) == (13.4, 2.0, 24.8)  # fmt: skip
    assert (
        "the study's own is below" in answer.answer
        and "(95% CI +2.0 to +24.8; P=0.02)" in answer.answer
    )
    _numbers_everywhere_grounded(answer)


def test_a_difference_with_no_measure_named_takes_the_best_ranked_pair(
    bot: EvidenceAssistant,
) -> None:
    # REGENCY's primary result is a complete response, not the default overall response: the
    # best-ranked pair is used, not a later pair of another kind (its serious infections).
    answer = bot.ask("Did obinutuzumab hit its primary in REGENCY, and what absolute gain?")
    call = answer.tool_calls[0]
    assert (call.inputs["pct_a"], call.inputs["pct_b"]) == (46.4, 33.1)


def test_the_sentence_stating_the_figures_the_question_quotes_is_the_one_computed(
    bot: EvidenceAssistant,
) -> None:
    # "8.9% vs 16.2%" is quoted: that sentence is used, not a better-counted one about
    # serious adverse events (whose totals could be worked back for an NNT interval).
    answer = bot.ask("serious infection 8.9% tac vs 16.2% IVCY - relative reduction and NNT?")
    call = answer.tool_calls[0]
    assert (call.inputs["pct_a"], call.inputs["pct_b"]) == (8.9, 16.2)


def test_the_outcome_asked_outweighs_counts_of_another_outcome(bot: EvidenceAssistant) -> None:
    # Only the serious adverse events have counts; the sentence naming serious infection
    # gives percentages alone. The outcome asked is computed (no interval is asked for).
    answer = bot.ask(
        "What is the relative risk of serious infection on tacrolimus compared with IV "
        "cyclophosphamide in the Zheng trial?"
    )
    call = answer.tool_calls[0]
    assert (call.inputs["pct_a"], call.inputs["pct_b"]) == (8.9, 16.2), answer.answer
    assert "0.55" in before_evidence(answer)
    # Asked for an interval, the counted pair of the outcome named is still taken.
    wilson = bot.ask("Wilson 95% interval of the IVCY arm's overall response in the Zheng trial?")
    assert "93/124" in wilson.answer, wilson.answer


def test_number_needed_to_harm_asks_for_a_difference(bot: EvidenceAssistant) -> None:
    answer = bot.ask("REGENCY: serious AEs obinutuzumab vs placebo - NNH?")
    call = answer.tool_calls[0]
    assert (call.inputs["pct_a"], call.inputs["pct_b"]) == (32.4, 18.2)
    assert "NNH 8" in answer.answer


def test_a_follow_up_about_the_other_arm_gives_that_arm_alone(bot: EvidenceAssistant) -> None:
    history = [
        {"role": "user", "content": "Complete remission rate on tacrolimus at 24 weeks in Zheng?"},
        {"role": "assistant", "content": "49.6% [1]"},
    ]
    answer = bot.ask("and the other arm?", history)
    assert answer.answer.startswith("For IVCY: ") and "36.3%" in answer.answer.split("[1]")[0]


def test_a_follow_up_for_each_arm_keeps_the_comparator(bot: EvidenceAssistant) -> None:
    history = [
        {"role": "user", "content": "Serious adverse event rate in each arm of Zheng?"},
        {"role": "assistant", "content": "18.5% vs 24.6% [1]"},
    ]
    answer = bot.ask("same question for the obinutuzumab trial", history)
    lead = answer.answer.split("[1]")[0]
    assert "32.4%" in lead and "18.2%" in lead and not lead.startswith("For ")


def test_each_part_of_a_question_asking_several_gets_a_sentence(bot: EvidenceAssistant) -> None:
    answer = bot.ask(
        "What voclosporin dose was used in AURORA 1, and what background therapy did both "
        "arms receive?"
    )
    direct = before_evidence(answer)
    assert "23.7 mg" in direct  # the first part
    assert "mycophenolate mofetil" in direct  # the second part's own sentence
    _numbers_everywhere_grounded(answer)


@pytest.mark.parametrize(
    ("question", "figures"),
    [
        ("ALMS induction (Appel 2009): the MMF target dose, the IV cyclophosphamide regimen, "
         "and the highest starting prednisone dose?", ["3 g/day", "0.5 to 1.0 g/m2", "60 mg"]),
        ("in the Zheng trial how many were screened, randomized, and actually treated?",
         ["505", "314", "299"]),
    ],
)  # fmt: skip
def test_each_item_of_a_list_of_asks_gets_its_sentence(
    bot: EvidenceAssistant, question: str, figures: list[str]
) -> None:
    answer = bot.ask(question)
    direct = before_evidence(answer)
    assert all(figure in direct for figure in figures), direct
    _numbers_everywhere_grounded(answer)


def test_two_reported_percentages_say_what_they_measure_and_the_studys_p_value(
    bot: EvidenceAssistant,
) -> None:
    answer = bot.ask("Mok 2016 tac vs MMF: month-6 complete renal response by arm, and the "
                     "treatment difference with its CI and p value?")  # fmt: skip
    head = before_evidence(answer)
    assert "(complete response)" in head and "P=0.71" in head, head
    assert "month 6" not in head.split("\n")[0]  # no time point unless asked when
    timed = bot.ask("REGENCY: rates per arm at the primary time point, and the difference?")
    assert "(complete response, at week 76)" in timed.answer, timed.answer
    _numbers_everywhere_grounded(answer)
    _numbers_everywhere_grounded(timed)


def test_each_weight_asked_about_gets_its_own_schedule(bot: EvidenceAssistant) -> None:
    answer = bot.ask("Under the Zheng steroid protocol, what prednisone starting dose would a "
                     "62 kg patient get, and a 50 kg patient?")  # fmt: skip
    doses = [(c.inputs["weight_kg"], c.output["starting_mg_per_day"])
             for c in answer.tool_calls if c.name == "dose_schedule"]  # fmt: skip
    assert doses == [(62, 45), (50, 40)], doses
    _numbers_everywhere_grounded(answer)


def test_a_claimed_equivalence_is_answered_with_the_studys_main_result(
    bot: EvidenceAssistant,
) -> None:
    answer = bot.ask("The ALMS trial proved MMF is equivalent to IV cyclophosphamide, no?")
    assert "56.2%" in before_evidence(answer), answer.answer


def test_a_named_studys_own_entry_criteria_are_checked(bot: EvidenceAssistant) -> None:
    # The profile's second eligibility set (REGENCY): its class rule decides; a criterion
    # with no value given keeps a pass from being called eligible.
    pure_v = bot.ask("Would a 70-year-old with pure class V LN have qualified for REGENCY?")
    check = next(c for c in pure_v.tool_calls if c.name == "trial_eligibility")
    assert check.output["status"] == "not eligible" and "REGENCY" in check.output["trial"]
    mixed = bot.ask("72 y, class IV+V lupus nephritis: could he have entered REGENCY?")
    check = next(c for c in mixed.tool_calls if c.name == "trial_eligibility")
    assert check.output["status"] == "insufficient data", check.text
    assert check.output["needed_inputs"] == ["upcr"] and "urine protein:creatinine" in mixed.answer
    _numbers_everywhere_grounded(mixed)
    # with the ratio and a biopsy date (a window the record gives in months), all is decided
    full = bot.ask("70-year-old, class IV on a biopsy 4 months ago, UPCR 1.4 mg/mg: REGENCY?")
    check = next(c for c in full.tool_calls if c.name == "trial_eligibility")
    assert check.output["status"] == "eligible", check.text


def test_a_response_check_reads_a_stated_egfr_change_and_a_stated_absence(
    bot: EvidenceAssistant,
) -> None:
    answer = bot.ask("AURORA 1 check at week 52: UPCR 0.45 mg/mg, eGFR 55 (10% below "
                     "baseline), no rescue meds. Complete renal response?")  # fmt: skip
    check = next(c for c in answer.tool_calls if c.name == "remission_check")
    assert check.output["aurora1"]["category"] == "complete", check.text
    assert check.output["aurora1"]["stated_met"] == ["no rescue medication"]
    assert not answer.ungrounded_numbers


def test_entry_asked_of_a_study_without_entry_rules_is_not_called_a_response_check(
    bot: EvidenceAssistant,
) -> None:
    answer = bot.ask("creat 140 micromol/L - would the criteria of the Japanese "
                     "placebo-controlled tacrolimus trial have let her in?")  # fmt: skip
    assert "response rules" not in answer.answer, answer.answer
    assert not any(c.name == "remission_check" for c in answer.tool_calls)


@pytest.mark.parametrize(("biopsy_class", "status"), [("pure class V", "not eligible"),
                                                       ("class IV", "eligible")])  # fmt: skip
def test_an_entry_limit_that_depends_on_the_biopsy_class(
    bot: EvidenceAssistant, biopsy_class: str, status: str
) -> None:
    answer = bot.ask(f"{biopsy_class}, UPCR 1.8 mg/mg. Would she have qualified for AURORA 1?")
    check = next(c for c in answer.tool_calls if c.name == "trial_eligibility")
    assert check.output["status"] == status, check.text
    assert "rovin2021#s4" in check.output["sources"]
    _numbers_everywhere_grounded(answer)


def test_the_evidences_thresholds_converted_to_the_unit_asked(bot: EvidenceAssistant) -> None:
    # No value in the question: the criteria's own albumin thresholds are converted, and each
    # conversion cites the sentence stating its threshold.
    answer = bot.ask("Our lab reports albumin in g/L - what are the trial's CR and PR cut-offs?")
    assert [c.name for c in answer.tool_calls] == ["convert", "convert"]
    assert [c.output["value"] for c in answer.tool_calls] == [35, 30]
    assert all(c.output["sources"] for c in answer.tool_calls)
    quotes = " ".join(c.quote for c in answer.citations)
    assert "3.5 g/dl" in quotes and "3.0g/dl" in quotes
    _numbers_everywhere_grounded(answer)


def test_each_threshold_is_turned_into_the_unit_asked_for_it(bot: EvidenceAssistant) -> None:
    # Two conversions in one question, each into its own unit; none into the unit it has.
    answer = bot.ask(
        "Convert Zheng's serum creatinine entry cap from umol/L into mg/dL, and KDIGO's "
        "creatinine limit for the tacrolimus + reduced MPAA option into umol/L."
    )
    converted = {(c.output["from_unit"], c.output["to_unit"]): c.output["value"]
                 for c in answer.tool_calls if c.name == "convert"}  # fmt: skip
    assert converted == {("umol/L", "mg/dL"): 2.94, ("mg/dL", "umol/L"): 265.2}, converted
    _numbers_everywhere_grounded(answer)


def test_a_plural_abbreviation_is_known_and_a_confidence_level_is_no_claimed_figure(
    bot: EvidenceAssistant,
) -> None:
    answer = bot.ask("Wilson 95% CIs for the response proportion in each arm of Zheng 2022?")
    assert answer.status == "answered", answer.answer
    assert "figure you give" not in answer.answer


def test_a_claimed_percentage_is_not_found_in_another_studys_count(bot: EvidenceAssistant) -> None:
    # 88.0% is no study's percentage; ALMS's "88/156" is a count, not the figure claimed.
    answer = bot.ask("Zheng's tacrolimus arm reached 88.0% response at 24 weeks; how far above "
                     "IVCY is that?")  # fmt: skip
    head = before_evidence(answer)
    assert "ALMS" not in head and "Appel" not in head, head


def test_a_thresholds_own_equivalent_in_the_unit_asked_is_given_beside_the_conversion(
    bot: EvidenceAssistant,
) -> None:
    # The guideline writes "0.5 g/g (50 mg/mmol)": exact conversion gives 56.6, its readers
    # apply 50; the answer gives both. The trial's albumin cut-offs state no equivalent.
    answer = bot.ask("KDIGO complete and partial response UPCR cut-offs in mg/mmol?")
    stated = {c.output["value"]: c.output.get("stated_equivalent") for c in answer.tool_calls}
    assert stated == {56.6: 50, 339.3: 300}
    assert "writes it as 50 mg/mmol" in answer.answer
    albumin = bot.ask("Our lab reports albumin in g/L - what are the trial's CR and PR cut-offs?")
    assert not any("stated_equivalent" in c.output for c in albumin.tool_calls)
    _numbers_everywhere_grounded(answer)


@pytest.mark.parametrize(
    ("question", "arm"),
    [
        ("How did the placebo arm do on CR+PR at week 24 in the tacrolimus lupus nephritis trial?",
         "placebo"),
        ("What was the response rate in the mycophenolate arm of the Zheng 2022 trial?", "MMF"),
        ("AURORA 1 showed tacrolimus hit 40.8% CRR vs placebo, yes?", "tacrolimus"),
    ],
)  # fmt: skip
def test_an_arm_the_study_did_not_have_is_said_plainly(
    bot: EvidenceAssistant, question: str, arm: str
) -> None:
    answer = bot.ask(question)
    first = answer.answer.splitlines()[0]
    assert f"had no {arm} arm" in first
    assert "randomi" in answer.citations[0].quote  # the study's design sentence, cited first
    _numbers_everywhere_grounded(answer)


@pytest.mark.parametrize(
    "question",
    [
        "voclosporin on top of MMF: CRR at 1 yr vs MMF alone?",  # MMF given in both arms
        "In the interview, how long does he say maintenance with MMF usually lasts?",
    ],
)
def test_a_drug_the_study_names_but_did_not_compare_raises_no_premise(
    bot: EvidenceAssistant, question: str
) -> None:
    assert "had no" not in bot.ask(question).answer


def test_figures_given_to_the_wrong_study_are_said_to_be_another_studys(
    bot: EvidenceAssistant,
) -> None:
    answer = bot.ask("BLISS-LN got CRR 46.4% vs 33.1% with belimumab — NNT?")
    first = answer.answer.splitlines()[0]
    assert "not from BLISS-LN" in first and "REGENCY" in first and "46.4" not in first
    marker = int(first.rsplit("[", 1)[1].rstrip("]"))
    assert "46.4% with obinutuzumab" in answer.citations[marker - 1].quote
    assert "30%" in answer.answer  # BLISS-LN's own figures still answer the question
    _numbers_everywhere_grounded(answer)


@pytest.mark.parametrize(
    ("question", "premise"),
    [
        ("REGENCY: 46.4% vs 33.1% complete renal response, what NNT?", False),  # its own figures
        ("Did REGENCY report 51% complete renal response with obinutuzumab?", True),  # nobody's
        ("REGENCY complete renal response with obinutuzumab, with a 95% CI?", False),  # a level
    ],
)
def test_a_figure_the_named_study_states_raises_no_premise(
    bot: EvidenceAssistant, question: str, premise: bool
) -> None:
    answer = bot.ask(question).answer
    assert ("does not state the figure you give for REGENCY" in answer) is premise
    assert "not from REGENCY" not in answer


@pytest.mark.parametrize(
    ("question", "corrected"),
    [
        ("How did tacrolimus compare with placebo in the Zheng 2022 trial?", True),
        ("how much better than placebo did tac do in the zheng 2022 trial", True),
        # the background both arms took, "alone", is not an arm of its own
        ("AURORA 1: voclosporin on top of MMF vs MMF alone, CRR at 1 yr?", False),
    ],
)
def test_a_drug_set_against_another_in_a_named_study_is_read_as_its_arm(
    bot: EvidenceAssistant, question: str, corrected: bool
) -> None:
    first = bot.ask(question).answer.splitlines()[0]
    assert ("had no placebo arm" in first or "had no MMF arm" in first) is corrected, first


def test_figures_a_study_never_states_are_corrected_by_its_own_primary_result(
    bot: EvidenceAssistant,
) -> None:
    # Lee 2020's main result is 62% vs 59%; the asker gives it another study's 83% vs 75%.
    answer = bot.ask("In Hong Kong, Mok had 83% with tacro vs 75% with cyclophosphamide - right?")
    assert "not from Mok 2016" in answer.answer.splitlines()[0], answer.answer
    assert "62% with tacrolimus" in answer.citations[0].quote, answer.answer
    # STAR-2 reports an activity index, not responders: its change is the correction
    other = bot.ask("Miyasaka's tac trial got about 83% responders, right?")
    assert "LNDAI" in other.citations[0].quote, other.answer


def test_figures_stated_under_two_labels_are_shown_under_both(bot: EvidenceAssistant) -> None:
    # One interview sentence calls 8.9% vs 16.2% the serious adverse event rates, another the
    # infection rates: an answer checking the claim shows both, and never a sentence twice.
    answer = bot.ask("Interview: serious AEs 8.9% on tac vs 16.2% on IVCY. So SAEs on tac 8.9%?")
    stated = before_evidence(answer)
    assert "infection (8.9% vs 16.2%)" in stated, answer.answer
    assert len({c.quote for c in answer.citations}) == len(answer.citations), answer.answer


def test_a_question_about_non_inferiority_gets_the_comparison_and_the_verdict(
    bot: EvidenceAssistant,
) -> None:
    answer = bot.ask("Is tacrolimus non-inferior to IV cyclophosphamide?")
    lines = answer.answer.split("**Calculation**")[0].strip().splitlines()
    assert "RD +8.0 points" in lines[0]  # the primary comparison, computed
    assert "non-inferior" in lines[-1]  # then the study's own verdict, cited
    marker = int(lines[-1].split("[", 1)[1].split("]", 1)[0])
    assert "non-inferior" in answer.citations[marker - 1].quote
    _numbers_everywhere_grounded(answer)


def test_a_claim_of_superiority_is_answered_by_the_studys_verdict(
    bot: EvidenceAssistant,
) -> None:
    first = bot.ask("Mok 2016 proved tac superior to MMF for CR at 6 months, correct?").answer
    assert "non-inferior" in first.splitlines()[0]
    # a question asking no verdict keeps its own lead
    plain = bot.ask("Mok 2016: complete renal response at 6 months?").answer
    assert "non-inferior" not in plain.splitlines()[0]


def test_a_patient_check_is_not_refused_for_an_unfamiliar_word(bot: EvidenceAssistant) -> None:
    answer = bot.ask(
        "55F, BMI 25, bx class VI (>90% globally sclerosed glomeruli), 24h UP 2.2 g, "
        "Cr 3.5 mg/dL. Eligible for the Zheng trial?"
    )
    assert answer.status == "answered" and answer.tool_calls[0].name == "trial_eligibility"
    assert "Not eligible" in answer.answer


def test_a_difference_the_study_reports_in_its_next_sentence_gives_the_missing_interval(
    bot: EvidenceAssistant,
) -> None:
    # "62% vs 59%" in one sentence (no counts: no interval can be computed), "the difference
    # ... was 3.0% (95% CI -12% to 18%)" in the next: the study's own interval is shown.
    answer = bot.ask("Mok tac vs MMF: CR at 6 months in each arm, and the CI of the difference?")
    reported = [c for c in answer.tool_calls if c.name == "reported_difference"]
    assert reported and reported[0].output["rd_ci_low_points"] == -12.0, answer.answer
    assert any("(95% CI -12% to 18%" in c.quote for c in answer.citations), answer.answer
    _numbers_everywhere_grounded(answer)


def test_an_age_beside_a_condition_the_evidence_never_names_asks_no_entry_check(
    bot: EvidenceAssistant,
) -> None:
    # No word asks about entry: the age is context, and the question (a skin condition) is
    # outside the evidence base.
    answer = bot.ask("tacrolimus 0.1% ointment ok for facial eczema in a 6yo?")
    assert answer.status == "no_evidence" and not answer.tool_calls, answer.answer
    # a ward note whose words the evidence knows still gets the check without asking for it
    note = bot.ask("32F, class IV, BMI 24, proteinuria 2 g/day, creatinine 90 umol/L - Zheng?")
    assert note.tool_calls and note.tool_calls[0].name == "trial_eligibility", note.answer


def test_a_protein_creatinine_ratio_is_not_taken_for_the_24h_entry_criterion(
    bot: EvidenceAssistant,
) -> None:
    # The entry rule is on 24-h urine protein: a UPCR leaves that criterion not assessed,
    # saying why, instead of failing the whole check on its unit.
    answer = bot.ask("68-year-old, class IV, UPCR 1.4 mg/mg: could she have entered Zheng?")
    assert answer.status == "answered" and answer.tool_calls, answer.answer
    assert answer.tool_calls[0].name == "trial_eligibility", answer.answer
    assert "UPCR: not the 24-h urine protein" in answer.answer, answer.answer
    assert "not eligible" in answer.answer.lower(), answer.answer  # the age decides it


def test_a_subgroup_figure_comes_from_a_sentence_about_that_subgroup(
    bot: EvidenceAssistant,
) -> None:
    # ALMS reports class III/IV and class V rates in separate sentences: a question about
    # class V takes its counts from the class V sentence, not the other subgroup's.
    answer = bot.ask(
        "ALMS class V patients: the 95% CI of the week-24 response with mycophenolate?"
    )
    assert answer.tool_calls[0].name == "rate"
    assert (answer.tool_calls[0].inputs["events"], answer.tool_calls[0].inputs["total"]) == (
        16,
        29,
    )


def test_a_conversion_also_follows_the_convention_a_source_writes(
    bot: EvidenceAssistant,
) -> None:
    # The guideline pairs 0.5 g/g with 50 mg/mmol (x 0.01, not the exact x 0.008842): a
    # value converted for comparison with its thresholds is also given by that convention.
    answer = bot.ask("UPCR 240 mg/mmol - what is that in g/g, to compare with the KDIGO cut-offs?")
    output = answer.tool_calls[0].output
    assert output["value"] == 2.122 and output["value_by_source_convention"] == 2.4
    assert any(c.document == "kdigo2024" and "50 mg/mmol" in c.quote for c in answer.citations)


def test_a_source_convention_needs_every_pair_it_writes_to_agree() -> None:
    from assistant.calculate import _stated_ratio
    from assistant.types import Passage

    def sentence(text: str) -> Passage:  # a stand-in passage: only its text is read
        return Passage(id="g#s0", document_id="g", text=text, start=0, end=1, position=0)

    agreeing = sentence("below 0.5 g/g (50 mg/mmol) or below 3 g/g (300 mg/mmol)")
    found = _stated_ratio([agreeing], "mg/mmol", "g/g")
    assert found is not None and float(found[0]) == 0.01 and found[2] == "0.5 g/g (50 mg/mmol)"
    disagreeing = sentence("below 0.5 g/g (50 mg/mmol) or below 3 g/g (340 mg/mmol)")
    assert _stated_ratio([disagreeing], "mg/mmol", "g/g") is None
    assert _stated_ratio([sentence("no pair in 0.5 g/g here")], "mg/mmol", "g/g") is None


def test_a_patient_is_not_judged_by_another_studys_criteria(bot: EvidenceAssistant) -> None:
    # The profile holds no rules for Liu 2015 (its definitions could not be confirmed): a
    # check asked by its definition quotes the evidence instead of applying other rules.
    answer = bot.ask("Liu 2015 rules: proteinuria 3.1 -> 0.35 g/24h, albumin 3.7 g/dL. Complete?")
    assert answer.status == "answered" and not answer.tool_calls
    assert answer.answer.startswith("Not judged") and "Liu 2015" in answer.answer.splitlines()[0]
    assert any(c.document == "liu2015" for c in answer.citations)
    # ... while the profile's own criteria still judge a question about their study
    own = bot.ask("Zheng criteria: 24-h protein 0.3 g, albumin 3.8 g/dL, creatinine stable. CR?")
    assert own.tool_calls and own.tool_calls[0].name == "remission_check"


def test_a_trial_named_brings_its_own_response_rules(bot: EvidenceAssistant) -> None:
    # AURORA 1's rules (UPCR <= 0.5 mg/mg; eGFR >= 60 or no fall of more than 20%) judge a
    # question naming it, alone; what no value decides (rescue medication) is named, not judged.
    answer = bot.ask("By AURORA 1 rules: UPCR 0.3 mg/mg, eGFR 55 (baseline 75), responder?")
    call = answer.tool_calls[0]
    assert call.name == "remission_check" and call.inputs["criteria_sets"] == ["aurora1"]
    assert call.output["aurora1"]["category"] == "no response"  # eGFR < 60 and 26.7% lower
    assert "complete renal response criteria not met" in call.text
    passing = bot.ask("By AURORA 1 rules: UPCR 0.3 mg/mg, eGFR 65 (baseline 75), responder?")
    verdict = passing.tool_calls[0].text
    assert verdict.startswith("AURORA 1 rules: complete renal response criteria met")
    assert "rescue" in verdict
    assert {c.document for c in passing.citations} == {"rovin2021"}


def test_a_named_studys_dose_per_kilogram_is_computed_for_the_weight_given(
    bot: EvidenceAssistant,
) -> None:
    # Mok 2016 states tacrolimus 0.06 to 0.1 mg/kg/day: for 60 kg, 3.6 to 6 mg/day, cited;
    # the profile's steroid protocol is the Zheng trial's, so it is not Mok's prednisolone.
    answer = bot.ask("Mok 2016 regimen for a 60 kg patient: daily tacrolimus and prednisolone?")
    by_drug = {c.output["drug"]: c for c in answer.tool_calls}
    assert set(by_drug) == {"tacrolimus", "prednisolone"}
    assert (
        by_drug["tacrolimus"].output["dose_low"],
        by_drug["tacrolimus"].output["dose_high"],
    ) == (
        3.6,
        6,
    )
    assert by_drug["prednisolone"].output["dose_high"] == 36  # 0.6 mg/kg/day
    assert {c.document for c in answer.citations} == {"mok2016"}
    # ... and without a study named, no other study's regimen is borrowed
    unnamed = bot.ask("What tacrolimus dose should a 60 kg patient get?")
    assert unnamed.status == "no_evidence" and unnamed.tool_calls == []


def test_a_figure_the_named_source_states_is_converted_when_no_rule_holds_it(
    bot: EvidenceAssistant,
) -> None:
    # KDIGO's tacrolimus option applies below creatinine 3.0 mg/dL; no profile rule holds
    # that figure, so the sentence stating it is converted and cited.
    answer = bot.ask("KDIGO's creatinine limit for tacrolimus with reduced-dose MPAA, in µmol/L?")
    call = answer.tool_calls[0]
    assert call.name == "convert" and call.output["value"] == 265.2
    assert call.output["sources"] == ["kdigo2024#s16"]
    assert "kdigo2024#s16" in {c.id for c in answer.citations}


def test_a_drug_the_evidence_never_names_is_not_excused_by_a_close_match() -> None:
    from assistant.answer import CONFIDENT_MATCH, excused_by_closeness

    assert excused_by_closeness(CONFIDENT_MATCH + 0.01, ("ballpark",))
    assert not excused_by_closeness(CONFIDENT_MATCH + 0.01, ("ballpark", "anifrolumab"))
    assert not excused_by_closeness(CONFIDENT_MATCH - 0.01, ("ballpark",))


def test_a_follow_up_does_not_lead_with_what_the_previous_answer_said() -> None:
    from assistant.answer import select_evidence
    from assistant.config import Settings
    from assistant.retrieve import Retrieval
    from assistant.route import route
    from assistant.types import Passage

    def sentence(pid: str, text: str) -> Passage:
        return Passage(id=pid, document_id="lee", text=text, start=0, end=1, position=0,
                       score=0.9)  # fmt: skip

    repeat = sentence("lee#s1", "At week 24, complete response was 45.9% vs 25.6%.")
    news = sentence("lee#s2", "Overall response was 83.5% vs 63.0%.")
    design = sentence("lee#s3", "Response was judged by a blinded panel.")
    history = [
        {"role": "user", "content": "Complete response with drug A vs drug B?"},
        {"role": "assistant", "content": "It was 45.9% with drug A versus 25.6% with drug B."},
    ]
    retrieval = Retrieval(passages=[repeat, news, design], best_similarity=0.9)
    chosen = select_evidence(retrieval, Settings(), route("and overall?", history))
    assert chosen[0] is news and repeat not in chosen and design in chosen
    # Asked on its own, the best-ranked sentence leads.
    alone = select_evidence(retrieval, Settings(), route("Complete response in Lee?"))
    assert alone[0] is repeat


def test_no_arm_is_put_in_the_place_of_an_arm_the_study_did_not_have(
    bot: EvidenceAssistant,
) -> None:
    # Asked against a placebo group, the trial's own two arms are not compared instead.
    answer = bot.ask("What was the risk difference between tacrolimus and the placebo group in "
                     "Zheng 2022?")  # fmt: skip
    assert answer.tool_calls == []
    assert answer.answer.startswith("**Zheng 2022 had no placebo arm"), answer.answer
    # "placebo-controlled" calls placebo an arm as well.
    described = bot.ask("Given the Zheng trial was placebo-controlled, what did placebo reach?")
    assert described.answer.startswith("**Zheng 2022 had no placebo arm"), described.answer


def test_a_yes_no_input_left_unset_is_not_written_as_its_negation() -> None:
    from assistant.present import inputs_words

    def call(stable: bool) -> dict[str, object]:
        inputs = {"proteinuria": 0.44, "proteinuria_unit": "g/g", "creatinine_stable": stable}
        return {"name": "remission_check", "inputs": inputs, "output": {}}

    # Nobody said the creatinine was unstable: the flag was simply not given.
    assert inputs_words(call(False)) == "proteinuria 0.44 g/g"
    assert inputs_words(call(True)) == "proteinuria 0.44 g/g, creatinine stable"


@pytest.mark.parametrize(
    ("counts", "said"),
    [
        ((16, 29, 15, 31), "the interval includes zero (no significant difference)"),
        ((23, 135, 10, 136), "the interval excludes zero"),
    ],
)
def test_a_computed_difference_says_whether_its_interval_includes_zero(
    counts: tuple[int, int, int, int], said: str
) -> None:
    from assistant.present import calculation_words
    from assistant.tools import compare_arms

    head, _rest = calculation_words(compare_arms(*counts).to_dict())
    assert head.endswith(said), head


def test_a_threshold_asked_in_another_unit_is_set_against_the_patients_value(
    bot: EvidenceAssistant,
) -> None:
    # 260 µmol/L = 2.94 mg/dL; her 2.7 mg/dL (238.7 µmol/L) is below it, compared exactly
    answer = bot.ask("Her Cr is 2.7 mg/dL. What is the Zheng creatinine limit in mg/dL, and is "
                     "she under it?")  # fmt: skip
    call = next(c for c in answer.tool_calls if c.name == "convert")
    assert call.output["patient_is"] == "below", answer.answer
    assert "The patient's 2.7 mg/dL is below it." in answer.answer, answer.answer
    _numbers_everywhere_grounded(answer)


def test_a_conversion_of_the_patients_value_leaves_the_entry_check_to_run(
    bot: EvidenceAssistant,
) -> None:
    # 2.1 mg/dL × 88.4 = 185.64 µmol/L, converted, then checked against the 260 µmol/L ceiling
    answer = bot.ask(
        "29 y, class IV+V, 24-h protein 3.8 g, BMI 24, creatinine 2.1 mg/dL. Convert the "
        "creatinine to µmol/L and tell me if she is under the Zheng ceiling."
    )
    assert [c.name for c in answer.tool_calls] == ["convert", "trial_eligibility"], answer.answer
    assert answer.tool_calls[1].output["eligible"] is True, answer.answer


def test_a_value_converted_and_set_against_a_limit_is_checked_against_it(
    bot: EvidenceAssistant,
) -> None:
    # one value, no other patient feature: the question sets it against the trial's ceiling
    answer = bot.ask("creat 2.8 mg/dL - in micromol/L, and is it under the Zheng creatinine "
                     "ceiling?")  # fmt: skip
    assert [c.name for c in answer.tool_calls] == ["convert", "trial_eligibility"], answer.answer
    check = answer.tool_calls[1]
    creatinine = next(c for c in check.output["criteria"] if c["input"] == "creatinine")
    assert creatinine["status"] == "pass"  # 247.5 µmol/L, at most 260
    # the line names each criterion once: what is not assessed, then what passed
    line = next(x for x in answer.answer.splitlines() if "Insufficient data for" in x)
    assert line.count("not assessed") == 1 and "247.52 µmol/L (<= 260 µmol/L) pass" in line
    only = bot.ask("Convert 2.8 mg/dL creatinine to micromol/L.")
    assert [c.name for c in only.tool_calls] == ["convert"]


def test_a_courses_total_and_its_share_of_a_stated_lifetime_cap(bot: EvidenceAssistant) -> None:
    # 6 doses of 500 mg (the low-dose regimen's sentence) = 3 g; 3/36 of the guideline's
    # lifetime cap = 8.3%, 33 g left; each figure's sentence is cited.
    answer = bot.ask(
        "How much cyclophosphamide does one Euro-Lupus course add up to, and what share of "
        "the KDIGO lifetime ceiling is that?"
    )
    (call,) = answer.tool_calls
    assert call.name == "course_total" and call.output["total_g_low"] == 3
    assert call.output["share_low_percent"] == 8.3 and call.output["left_low"] == 33
    cited = {c.id for c in answer.citations}
    assert set(call.output["sources"]) <= cited and not answer.ungrounded_numbers


def test_a_weight_and_height_alone_are_checked_against_the_bmi_criterion(
    bot: EvidenceAssistant,
) -> None:
    # 82 / 1.65² = 30.12, above the BMI window: no stated BMI, age or lab value is needed
    answer = bot.ask("BMI window of the trial: my patient weighs 82 kg and is 1.65 m tall. OK?")
    (call,) = answer.tool_calls
    assert call.name == "trial_eligibility" and call.output["status"] == "not eligible"
    assert "30.12" in answer.answer and not answer.ungrounded_numbers


def test_a_course_dosed_per_m2_uses_the_bsa_given_and_the_doses_asked(
    bot: EvidenceAssistant,
) -> None:
    # The sentence names the arm well before its dose ("IVCY every 4 weeks ..., starting at
    # 0.75 g/m2"): 0.75 × 1.6 = 1.2 g a dose, × 6 = 7.2 g.
    answer = bot.ask(
        "Liu 2015 IVCY arm, body surface area 1.6 m2: what would six pulses at the starting "
        "dose add up to?"
    )
    (call,) = answer.tool_calls
    assert call.name == "course_total" and call.output["per_dose_low"] == 1.2
    assert call.output["total_low"] == 7.2 and not answer.ungrounded_numbers


def test_one_dose_per_m2_for_the_bsa_given_is_computed_alone(bot: EvidenceAssistant) -> None:
    answer = bot.ask("Liu 2015 IVCY arm: what is the first pulse in mg for a BSA of 1.6 m2?")
    (call,) = answer.tool_calls
    assert call.name == "course_total" and call.output["doses"] == 1, answer.answer
    head = answer.answer.splitlines()[0]
    assert "1.2 g a dose (1200 mg)" in head and "course" not in head
    assert not answer.ungrounded_numbers


def test_a_dose_asked_for_a_bsa_comes_only_from_a_dose_per_m2(bot: EvidenceAssistant) -> None:
    worded = bot.ask(
        "Body surface area 1.8 m2. Under the Liu 2015 control-arm protocol, what would her "
        "first IV cyclophosphamide dose be?"
    )
    assert "0.75 g/m² × 1.8 m² = 1.35 g a dose" in worded.answer.splitlines()[0], worded.answer
    # a steroid dosed by weight or fixed has no dose per m²: no course is computed for it
    steroid = bot.ask("BSA 1.7 m2, what prednisone dose under the Zheng protocol?")
    assert not [c for c in steroid.tool_calls if c.name == "course_total"], steroid.answer


def test_a_dose_given_at_listed_times_is_one_dose_at_each(bot: EvidenceAssistant) -> None:
    # "1000 mg ... on day 1 and at weeks 2, 24, 26 and 52, with or without an extra dose":
    # five doses, and the optional sixth totalled beside them.
    answer = bot.ask("REGENCY: total obinutuzumab over the whole schedule, in mg?")
    (call,) = answer.tool_calls
    assert call.name == "course_total", answer.answer
    assert (call.output["doses"], call.output["total_low"]) == (5, 5000)
    assert call.output["total_with_optional_low"] == 6000
    assert not answer.ungrounded_numbers


def test_a_studys_own_ratio_and_p_value_stand_beside_a_computed_difference(
    bot: EvidenceAssistant,
) -> None:
    # 43% vs 32% gives a difference of 11 points with no interval; the sentence's own odds
    # ratio, CI and P value are transcribed as the study reported them.
    answer = bot.ask("BLISS-LN: primary efficacy renal response in each arm, with the odds ratio, "
                     "its 95% CI and the p value?")  # fmt: skip
    computed, reported = answer.tool_calls
    assert computed.output["difference_points"] == 11.0 and reported.name == "reported_effect"
    assert "odds ratio 1.6 (95% CI 1.0 to 2.3; P=0.03), as reported" in answer.answer
    flares = bot.ask("Mok 2016 proteinuric flares in each arm, and was the difference significant?")
    assert "tacrolimus vs MMF: P=0.12, as reported" in flares.answer, flares.answer
    assert not answer.ungrounded_numbers and not flares.ungrounded_numbers


def test_a_daily_dose_for_some_days_adds_up_for_a_drug_of_the_protocol(
    bot: EvidenceAssistant,
) -> None:
    # "0.5 g/d, 3 days" of the protocol's pulse drug (no arm of the trial): 0.5 g x 3 = 1.5 g.
    answer = bot.ask("For the zheng trial's methylpred pulse, how many grams is it in total?")
    (call,) = answer.tool_calls
    assert call.name == "course_total" and call.output["total_low"] == 1.5, answer.answer
    assert call.inputs["drug"].lower() == "methylprednisolone" and not answer.ungrounded_numbers


def test_another_part_of_the_question_is_answered_beside_a_computed_comparison(
    bot: EvidenceAssistant,
) -> None:
    answer = bot.ask("REGENCY: complete renal response at week 76, obinutuzumab vs placebo, "
                     "and how did serious adverse events compare?")  # fmt: skip
    assert answer.tool_calls[0].output["difference_points"] == 13.3
    lead = answer.answer.split("**Calculation**")[0]
    assert "32.4%" in lead and "18.2%" in lead, lead  # the other part's own sentence
    # a response rate is better higher, though the question also asks about harms
    assert "NNT 8" in lead and "NNH" not in lead
    # a part asking for what the calculation gives has no sentence of its own
    plain = bot.ask("absolute difference in serious AEs, tac minus cyc, with a 95% CI?")
    assert plain.answer.split("**Calculation**")[0].count("[") == 1, plain.answer


def test_a_dose_the_named_study_never_states_is_said_to_be_not_its_own(
    bot: EvidenceAssistant,
) -> None:
    answer = bot.ask("The low-dose Euro-Lupus arm got 750 mg of IV cyclophosphamide a pulse, yes?")
    assert answer.answer.startswith("**The evidence base does not state the figure you give")
    assert "500 mg" in answer.answer  # the study's own dose follows
    # a patient's amounts in a check are not claims about the study
    check = bot.ask(
        "Screening for the Zheng trial: 29 y, class IV, 24-h protein 3.8 g, BMI 24, "
        "creatinine 2.1 mg/dL. Convert the creatinine and say if she qualifies."
    )
    assert "does not state the figure" not in check.answer, check.answer


@pytest.mark.parametrize(
    ("question", "same"),
    [
        ("Our protocol caps lifetime cyclophosphamide at 36 g. Is that KDIGO 2024's ceiling?",
         "figure"),
        ("We aim tacrolimus at 4 to 10 ng/mL. Is that the target the Zheng trial used?",
         "figures"),  # both ends of the range
        ("So Zheng tacrolimus reached 83% and IVCY 75% at week 24, right?", "figures"),
    ],
)  # fmt: skip
def test_figures_a_question_checks_that_its_study_states_are_said_to_be_the_same(
    bot: EvidenceAssistant, question: str, same: str
) -> None:
    answer = bot.ask(question)
    line = answer.answer.splitlines()[0]
    found = re.fullmatch(rf"\*\*.+ states the same {same} you give\.\*\* \[(\d)\]", line)
    assert found, answer.answer
    # the sentence cited for it states them
    stating = answer.citations[int(found.group(1)) - 1].quote
    assert any(f in stating for f in ("36 g", "4-10", "83.0%")), stating
    assert not answer.ungrounded_numbers


@pytest.mark.parametrize(
    "question",
    [
        # the figures are the study's, but each is the other arm's
        "In Zheng serious infections were 16.2% on tacrolimus vs 8.9% on IVCY, right?",
        # a figure of the study, said of another subject
        "Cyc got about 80% CR/PR in Zheng, right?",
        # two studies named: the figure may be one's and the claim about the other
        "In BLISS-LN the add-on was voclosporin 23.7 mg twice daily, yes?",
    ],
)
def test_figures_are_not_said_to_be_the_same_unless_for_the_same_arm_and_study(
    bot: EvidenceAssistant, question: str
) -> None:
    assert "states the same figure" not in bot.ask(question).answer


def test_figures_a_study_states_for_another_measure_are_not_confirmed_as_the_one_named(
    bot: EvidenceAssistant,
) -> None:
    # 43% vs 32% are BLISS-LN's primary efficacy renal response, not its complete response
    question = (
        "A summary says belimumab gave complete renal response in 43% versus 32% on placebo in "
        "BLISS-LN. Is that right?"
    )
    line = bot.ask(question).answer.splitlines()[0]
    assert line.startswith("**No: BLISS-LN (Furie 2020) states the same figures, but not as the "
                           "complete response you name.**"), line  # fmt: skip
    # the measure the sentence names is confirmed as before
    right = bot.ask(
        "A summary says belimumab gave complete renal response in 30% versus 20% on placebo in "
        "BLISS-LN. Is that right?"
    )
    assert right.answer.startswith("**Yes: "), right.answer


def test_a_profile_alias_the_corpus_never_writes_still_names_its_arm(
    bot: EvidenceAssistant,
) -> None:
    # "chemo" is an alias of the cyclophosphamide arm in the bundled profile
    answer = bot.ask("Did tacrolimus beat chemo in the Zheng trial?")
    assert answer.status == "answered", answer.answer
    assert "chemo" not in before_evidence(answer).lower()  # nothing said missing


def test_a_place_of_care_the_question_comes_from_is_no_topic(bot: EvidenceAssistant) -> None:
    context = bot.ask("ICU, 34F with LN: complete remission rates in each arm of the Zheng trial?")
    assert context.status == "answered" and "49.6%" in context.answer, context.answer
    asked = bot.ask("ICU admission rate in each arm of the Zheng trial?")
    assert asked.status == "no_evidence" and "“ICU”" in asked.answer, asked.answer


@pytest.mark.parametrize(
    ("question", "yes"),
    [
        ("So Zheng tacrolimus reached 83% and IVCY 75% at week 24, right?", True),
        ("Mok 2016 reported 62% vs 59% complete renal response at month 6 on tacrolimus vs "
         "MMF. Is that accurate?", True),
        # the study called by another of its names ("Mok" is its label's)
        ("The Hong Kong study got 62% vs 59% complete response with tacrolimus vs "
         "mycophenolate, right?", True),
        # asking whether the evidence supports or backs it
        ("Our slide says Zheng tacrolimus reached 83% vs 75% on IV cyclophosphamide at week 24. "
         "Is that claim backed by the evidence?", True),
        # not asking whether the claim holds
        ("Our protocol caps lifetime cyclophosphamide at 36 g. Is that KDIGO 2024's ceiling?",
         False),
        # also claiming a verdict the figures alone do not bear
        ("So the Hong Kong study proved tacrolimus is better than mycophenolate - 62% vs 59% "
         "complete response. Fair to say?", False),
    ],
)  # fmt: skip
def test_a_claim_checked_and_stated_by_its_study_is_answered_yes_first(
    bot: EvidenceAssistant, question: str, yes: bool
) -> None:
    line = bot.ask(question).answer.splitlines()[0]
    assert line.startswith("**Yes: ") is yes, line
    assert "states the same" in line


@pytest.mark.parametrize(
    ("question", "when"),
    [
        ("Mok 2016: complete renal response at month 12 was 62% with tacrolimus and 59% with "
         "MMF, correct?", "month 6"),
        # no arm named: the rates in the sentence's order; any form of question
        ("BLISS-LN's 52-week primary endpoint showed 43% vs 32% - what odds ratio did that "
         "give?", "week 104"),
    ],
)  # fmt: skip
def test_figures_a_study_states_at_another_time_point_are_said_to_be_so(
    bot: EvidenceAssistant, question: str, when: str
) -> None:
    answer = bot.ask(question)
    line = answer.answer.splitlines()[0]
    assert (
        line.startswith("**")
        and f"states the same figures at {when}, not at the time point" in line
    ), line
    assert "figures you give" not in line and not answer.ungrounded_numbers


def test_a_patients_own_amounts_are_no_claim_about_the_study(bot: EvidenceAssistant) -> None:
    answer = bot.ask("One of our patients went from 4.0 g to 1.6 g of protein a day, albumin "
                     "3.2 g/dL, kidney function steady. How would the Zheng study have classed "
                     "that?")  # fmt: skip
    assert "does not state the figure" not in answer.answer, answer.answer
    assert any(c.name == "remission_check" for c in answer.tool_calls), answer.answer


def test_a_statement_put_as_true_or_false_is_checked_like_a_yes_no_question(
    bot: EvidenceAssistant,
) -> None:
    # "0.8 mg/kg/day" is the sentence's "0.8mg/kg/d": one unit written two ways
    answer = bot.ask("True or false: in the Zheng trial oral prednisone started at 0.8 "
                     "mg/kg/day, capped at 45 mg/day.")  # fmt: skip
    line = answer.answer.splitlines()[0]
    assert line.startswith("**True: ") and "states the same figures" in line, line


def test_an_interval_the_study_never_states_is_said_to_be_not_its_own(
    bot: EvidenceAssistant,
) -> None:
    answer = bot.ask("AURORA 1 complete renal response 40.8% vs 22.5%, odds ratio 2.65 "
                     "(95% CI 1.6 to 4.3): can all of it be sourced?")  # fmt: skip
    line = answer.answer.splitlines()[0]
    assert line.startswith("**The evidence base does not state the confidence interval"), line
    assert "states the same" not in answer.answer
    assert not answer.ungrounded_numbers


def test_figures_a_record_gives_for_a_study_it_names_otherwise_are_not_the_named_ones(
    bot: EvidenceAssistant,
) -> None:
    # the REGENCY record also reports its phase 2 predecessor, by that study's name
    answer = bot.ask("Obinutuzumab in REGENCY: complete renal response 40% vs 18% with placebo?")
    line = answer.answer.splitlines()[0]
    assert line.startswith("**The figures you give are not from REGENCY"), line
    assert "gives them for NOBILITY" in line
    assert "46.4%" in answer.answer  # REGENCY's own result


def test_a_claim_of_significance_is_answered_with_the_study_saying_whether_it_was(
    bot: EvidenceAssistant,
) -> None:
    answer = bot.ask("Euro-Lupus: by 10 years the low-dose arm had significantly more deaths "
                     "than the high-dose arm?")  # fmt: skip
    lead = before_evidence(answer)
    assert "None of the 10-year differences" in lead, answer.answer


def test_a_treatment_choice_handed_over_gets_evidence_and_no_advice(bot: EvidenceAssistant) -> None:
    from assistant.answer import ADVICE_NOTE

    answer = bot.ask("34F, pure class V, nephrotic. Just tell me: tacrolimus or MMF for her?")
    assert answer.status == "answered" and answer.citations, answer.answer
    assert answer.answer.rstrip().endswith(ADVICE_NOTE), answer.answer


def test_a_figure_the_sentence_gives_for_another_measure_of_that_arm_is_not_confirmed(
    bot: EvidenceAssistant,
) -> None:
    # the interview's 38.7% is the cyclophosphamide arm's partial response; its complete
    # response is 36.3% (both figures in one sentence with the tacrolimus arm's)
    answer = bot.ask(
        "My table has Zheng week-24 complete remission 49.6% tacrolimus vs 38.7% "
        "cyclophosphamide. Is that right?"
    ).answer
    line = answer.splitlines()[0]
    assert line.startswith("**No: "), line
    assert "38.7% as the partial response" in line and "36.3% for IVCY" in line, line
    right = bot.ask(
        "My table has Zheng week-24 complete remission 49.6% tacrolimus vs 36.3% "
        "cyclophosphamide. Is that right?"
    )
    assert right.answer.startswith("**Yes: "), right.answer


def test_a_patient_judged_under_the_rules_named_gets_those_rules_first(
    bot: EvidenceAssistant,
) -> None:
    question = (
        "6 months on: UPCR 0.4 g/g (baseline 4 g/g), eGFR 66 (baseline 70). Complete "
        "response by {}?"
    )
    named = bot.ask(question.format("KDIGO 2024")).answer.splitlines()[0]
    assert named.startswith("**KDIGO criteria: complete response"), named
    other = bot.ask(question.format("the Zheng trial's definitions")).answer.splitlines()[0]
    assert other.startswith("**Trial criteria (Zheng"), other


def test_a_claim_two_sentences_state_between_them_is_confirmed_citing_both(
    bot: EvidenceAssistant,
) -> None:
    # the doses are in one Liu 2015 sentence, the week-24 rates in another
    claim = (
        "Draft: 'In Liu 2015 the multitarget arm took tacrolimus 4 mg/day plus mycophenolate "
        "1.0 g/day, and week-24 complete remission was {} versus {} with IVCY.' Right?"
    )
    answer = bot.ask(claim.format("45.9%", "25.6%"))
    line = answer.answer.splitlines()[0]
    assert line == "**Yes: Liu 2015 states the same figures you give.** [1] [2]", line
    assert {"liu2015#s4", "liu2015#s10"} <= {c.id for c in answer.citations}
    # the rates given to the wrong arms are not confirmed
    swapped = bot.ask(claim.format("25.6%", "45.9%")).answer
    assert "states the same figures you give" not in swapped, swapped
    # "does that match?" checks a claim like "is that right?"
    matched = bot.ask(
        "Slide: 'Mok 2016: complete renal response at month 6, tacrolimus 62% vs MMF 59%, "
        "difference 3.0% (95% CI -12% to 18%).' Does that match?"
    ).answer
    assert matched.startswith("**Yes: Mok 2016 states the same figures you give.**"), matched


def test_every_ask_of_a_question_asking_several_keeps_its_sentence(
    bot: EvidenceAssistant,
) -> None:
    # the response (two sentences), the dose and the number randomised: four sentences, each
    # said, not cut to the usual three
    answer = bot.ask(
        "BLISS-LN - belimumab IV dose, week-104 primary efficacy renal response in each arm, "
        "and how many patients randomised?"
    )
    said = before_evidence(answer)
    assert "43%" in said and "10 mg/kg" in said and "448" in said, answer.answer
    assert not answer.ungrounded_numbers


def test_a_later_ask_for_how_many_gets_a_sentence_giving_a_figure(bot: EvidenceAssistant) -> None:
    answer = bot.ask(
        "zheng tac vs IVCY RCT - how many pts randomized, and how many were in the analysis of "
        "the primary endpoint?"
    )
    said = before_evidence(answer)
    assert "314" in said and "299" in said, answer.answer


def test_each_arms_share_from_counts_and_the_arm_sizes_the_study_states(
    bot: EvidenceAssistant,
) -> None:
    # ALMS gives the withdrawals for adverse events as counts (21 vs 12) and the arm sizes
    # (185 each) in another sentence: the shares are computed, both sentences cited
    question = "In ALMS, how many patients per arm withdrew because of adverse events?"
    history = [{"role": "user", "content": question}]
    answer = bot.ask("Can you turn those into percentages of each arm?", history)
    assert [c.name for c in answer.tool_calls][:1] == ["compare_arms"], answer.answer
    head = answer.answer.splitlines()[0]
    assert "11.4% (21/185)" in head and "6.5% (12/185)" in head, head
    assert {"appel2009#s21", "appel2009#s3"} <= {c.id for c in answer.citations}
    # a sentence stating the percentages answers in its own words, with nothing computed
    stated = bot.ask("What percentage of each arm responded in the Zheng trial?")
    assert not stated.tool_calls, stated.answer


def test_an_egfr_said_to_be_steady_is_stable_kidney_function(bot: EvidenceAssistant) -> None:
    # no eGFR value, but "steady": unchanged from baseline, which the KDIGO rules read
    answer = bot.ask(
        "UPCR has come down from 400 to 180 mg/mmol after 6 months, eGFR steady. How would "
        "KDIGO 2024 classify that response?"
    )
    head = answer.answer.splitlines()[0]
    assert head.startswith("**KDIGO criteria: partial response"), head
    assert "taken as no change from baseline" in answer.answer


def test_a_follow_up_narrowed_by_a_condition_gets_the_clause_naming_it(
    bot: EvidenceAssistant,
) -> None:
    # REGENCY's sentence joins two findings: all serious infections, then those without
    # COVID-19; the follow-up asks the second alone
    history = [
        {"role": "user", "content": "Serious infections in REGENCY, obinutuzumab vs placebo?"}
    ]
    answer = bot.ask("And if you leave the COVID-19 cases out?", history)
    first = before_evidence(answer).splitlines()[0]
    assert first.startswith(
        "In REGENCY (Furie 2025), serious infections occurred in 11.0% versus 7.6% when "
        "COVID-19 events were excluded."
    ), first
    assert "16.9" not in first


def test_a_comparison_naming_no_subgroup_takes_the_figures_on_all_patients(
    bot: EvidenceAssistant,
) -> None:
    # ALMS states its primary response for all patients (56.2% vs 53.0%, no counts) and, with
    # counts, for its class III or IV patients (88/156 vs 83/154): the question names no class
    answer = bot.ask(
        "What week-24 response rates and odds ratio did ALMS report for mycophenolate versus "
        "IV cyclophosphamide?"
    )
    head = answer.answer.splitlines()[0]
    assert "56.2%" in head and "56.4%" not in head, head
    # ... while a question naming the class takes that subgroup's
    sub = bot.ask("ALMS class III or IV patients: week-24 response, mycophenolate vs IVCY?")
    assert "56.4%" in sub.answer.splitlines()[0], sub.answer


def test_two_percentages_are_labelled_with_the_measure_they_give(bot: EvidenceAssistant) -> None:
    # The interview's sentence names the overall rate too; the figures compared are the
    # complete-remission ones, and the label says so.
    answer = bot.ask("By how many points did partial remission differ between tacrolimus and IVCY?")
    head = before_evidence(answer).splitlines()[0]
    assert "33.3%" in head and "38.7%" in head, answer.answer
    assert "(partial response)" in head


def test_a_group_the_profile_does_not_name_is_compared_with_the_arm_beside_it(
    bot: EvidenceAssistant,
) -> None:
    # "10.1% of the voclosporin arm versus 11.2% of the control arm": the control arm is no
    # arm of the profile, but the facts extracted at ingest pair it with the arm named.
    answer = bot.ask(
        "How did the serious infection rate compare between voclosporin and control in AURORA 1?"
    )
    head = before_evidence(answer).splitlines()[0]
    assert "voclosporin 10.1% vs control 11.2%" in head, answer.answer
    assert "difference −1.1 points" in head


def test_proven_better_or_no_worse_asks_for_the_studys_verdict(bot: EvidenceAssistant) -> None:
    # "proven better" and "not worse" are superiority and non-inferiority in plain words: the
    # sentence giving the trial's verdict leads, not its favourable trends.
    history = [
        {"role": "user", "content": "What were the week-24 response rates in the Zheng trial?"},
        {"role": "assistant", "content": "83.0% with tacrolimus versus 75.0% with IVCY."},
    ]
    answer = bot.ask("So was tacrolimus proven better, or just shown to be no worse?", history)
    assert "non-inferior" in answer.citations[0].quote, answer.answer


def test_a_subgroups_figures_are_labelled_with_the_subgroup(bot: EvidenceAssistant) -> None:
    # The interview calls it "type V"; the question "class V": the compared figures are a
    # subgroup's, and the head says whose. A subgroup a sentence sets aside is no label.
    answer = bot.ask("In the tacrolimus vs IVCY trial, how did response compare in class V?")
    head = before_evidence(answer).splitlines()[0]
    assert "68.4%" in head and "(class V)" in head, answer.answer
    from assistant.calculate import _SET_ASIDE_AFTER

    text = "among patients with a ratio of at least 3 mg/mg (pure class V excluded), ..."
    assert _SET_ASIDE_AFTER.match(text, text.index("class V") + len("class V"))


def test_a_verdict_asked_is_compared_on_the_figures_it_was_reached_on(
    bot: EvidenceAssistant,
) -> None:
    # "By how much was A non-inferior?": the primary result the verdict sentence gives, not
    # the better-counted withdrawals of the same study.
    answer = bot.ask(
        "By how much did ALMS show mycophenolate to be non-inferior to IV cyclophosphamide?"
    )
    head = before_evidence(answer).splitlines()[0]
    assert "56.2%" in head and "53%" in head, answer.answer
    assert "18.9%" not in before_evidence(answer)


def test_a_follow_up_pointing_back_at_those_numbers_works_on_the_previous_answers_figures(
    bot: EvidenceAssistant,
) -> None:
    # The interview states two pairs for the trial's serious events; "those numbers" are the
    # pair the previous answer gave, not the pair ranked first for the words.
    answer = _after(bot, "how many had serious adverse events in each arm of the tacrolimus trial",
                    "29 patients (18.5%) on tacrolimus and 35 patients (24.6%) on IVCY.",
                    "ok so whats the relative risk of a serious AE on tacro vs cyclophosphamide "
                    "from those numbers")  # fmt: skip
    head = before_evidence(answer).splitlines()[0]
    assert "18.5%" in head and "24.6%" in head, answer.answer
    _numbers_everywhere_grounded(answer)


def test_a_figure_of_another_measure_the_question_states_keeps_the_response_pair_out(
    bot: EvidenceAssistant,
) -> None:
    # The SLEDAI change is no percentage: no pair of rates answers it, and the trial's
    # response rates, compared instead, answered something not asked.
    answer = bot.ask("In the Zheng trial SLEDAI fell by 8.6 points in the cyclophosphamide arm, "
                     "which was more than tacrolimus, correct?")  # fmt: skip
    assert not [c for c in answer.tool_calls if c.name == "difference_of_percentages"]
    assert "-8.6 and -6.4" in answer.citations[0].quote, answer.answer
    # ... while figures the pair's own sentence states are still compared
    slide = bot.ask("Slide: 'Mok 2016: complete renal response at month 6, tacrolimus 62% vs "
                    "MMF 59%, difference 3.0%.' Does that match?")  # fmt: skip
    assert [c for c in slide.tool_calls if c.name == "difference_of_percentages"], slide.answer


def test_a_statement_put_to_be_confirmed_is_answered_yes_or_no(bot: EvidenceAssistant) -> None:
    answer = bot.ask("Just confirm that the low-dose Euro-Lupus arm had fewer deaths than the "
                     "high-dose arm at ten years.")  # fmt: skip
    assert answer.answer.startswith("**No: the low-dose arm's figure is higher"), answer.answer
    from assistant.intent import is_polar

    assert not is_polar("Check the dose of the second arm.")


def test_a_numbered_trial_written_in_lower_case_is_told_from_its_siblings(
    bot: EvidenceAssistant,
) -> None:
    # One record holds the trial, its continuation ("AURORA 2") and its predecessor: "aurora
    # 1" typed in lower case is the trial, not the continuation ranked first for the words.
    answer = bot.ask("based on aurora 1 complete renal response how many pts need voclosporin "
                     "to get one extra responder")  # fmt: skip
    head = before_evidence(answer).splitlines()[0]
    assert "40.8%" in head and "22.5%" in head, answer.answer
    # ... and a follow-up turning to the continuation asks about it, not the trial
    extension = _after(bot, "aurora 1 crr wk52", "40.8% vs 22.5% at week 52 [1]",
                       "and over 3 yrs in the extension")  # fmt: skip
    assert "50.9%" in before_evidence(extension), extension.answer


def test_an_interval_the_record_says_could_not_be_confirmed_is_not_stated(
    bot: EvidenceAssistant,
) -> None:
    # The rates' difference, computable, has no interval without counts: what was asked,
    # the reported odds ratio's interval, is what the record says it could not confirm.
    answer = bot.ask("Can you give me the 95% confidence interval around the AURORA 1 odds "
                     "ratio for complete renal response?")  # fmt: skip
    assert answer.status == "no_evidence", answer.answer
    assert "could not be confirmed" in answer.citations[0].quote
    # ... while an interval a calculation gives is answered
    counted = bot.ask("What is the 95% CI for the difference in response, 117/141 vs 93/124?")
    assert counted.status == "answered", counted.answer


def test_two_outcomes_asked_under_a_lead_naming_both_without_rates_get_both_rates(
    bot: EvidenceAssistant,
) -> None:
    # The lead says neither difference was significant, naming both outcomes; each outcome's
    # rates are in a sentence of its own.
    answer = bot.ask("What were the 10-year death and end-stage kidney disease rates in the "
                     "low-dose and high-dose arms of Euro-Lupus?")  # fmt: skip
    said = before_evidence(answer)
    assert "11%" in said and "5%" in said, answer.answer
    _numbers_everywhere_grounded(answer)


def test_a_safety_comparison_is_made_on_harms_not_on_response(bot: EvidenceAssistant) -> None:
    answer = bot.ask("Because the Zheng trial was double-blinded, I assume we can take its "
                     "safety comparison at face value?")  # fmt: skip
    head = before_evidence(answer).splitlines()[0]
    assert "response" not in head and "83" not in head, answer.answer
    from assistant.intent import fewer_is_better

    assert fewer_is_better("Was tacrolimus safer than IVCY?")


def test_a_claim_on_one_outcome_is_not_decided_by_another_outcomes_figures(
    bot: EvidenceAssistant,
) -> None:
    # The lead sentence gives response rates; the claim is about flares.
    answer = bot.ask("Mok 2016 showed tacrolimus had fewer renal flares than mycophenolate over "
                     "about five years, so it's the safer long-term choice - agree?")  # fmt: skip
    assert not answer.answer.startswith("**No: tacrolimus's figure is higher"), answer.answer
    # ... while a verb for the outcome still decides a claim on its noun ("die": deaths)
    deaths = bot.ask("Why did fewer patients die with the low-dose regimen after ten years?")
    assert deaths.answer.startswith("**No: the low-dose arm's figure is higher"), deaths.answer


@pytest.mark.parametrize(
    ("earlier", "reply", "follow_up", "figure"),
    [("Voclosporin's pivotal trial - complete renal response numbers?", "40.8% vs 22.5% [1]",
      "and in the extension study that carried on afterwards?", "50.9%")],
)  # fmt: skip
def test_an_extension_study_is_the_trials_continuation(
    bot: EvidenceAssistant, earlier: str, reply: str, follow_up: str, figure: str
) -> None:
    answer = _after(bot, earlier, reply, follow_up)
    assert figure in before_evidence(answer).splitlines()[0], answer.answer


def test_a_scores_mean_change_in_percent_is_no_rate_to_compare(bot: EvidenceAssistant) -> None:
    # "fell by a mean of 32.9%" is a change of an activity index, not a share of patients:
    # no difference of rates, no NNT
    answer = bot.ask("The Japanese tacrolimus trial had a 32.9% response rate - that's much "
                     "lower than the Chinese trial, isn't it?")  # fmt: skip
    assert not [c for c in answer.tool_calls if c.name == "difference_of_percentages"]
    # ... while a follow-up on one arm still gets that arm's figure
    placebo = _after(bot, "Miyasaka trial, LNDAI change on tac?", "It fell by a mean of 32.9% [1]",
                     "what about the placebo arm?")  # fmt: skip
    assert "2.3%" in before_evidence(placebo), placebo.answer


def test_an_unlabelled_pair_takes_the_arms_in_the_order_the_design_names_them(
    bot: EvidenceAssistant,
) -> None:
    # "infection (8.9% vs 16.2%)" names no arm; the interview randomised "to tacrolimus or
    # IVCY", so 8.9% is tacrolimus's (not the serious adverse events' 18.5% vs 24.6%)
    answer = bot.ask("Relative risk of serious drug-related infection on tacrolimus vs IVCY in "
                     "the Zheng trial, using the reported percentages?")  # fmt: skip
    head = before_evidence(answer).splitlines()[0]
    assert "tacrolimus 8.9%" in head and "16.2%" in head, answer.answer


def test_how_the_treated_were_divided_between_arms_is_no_rate_to_compare(
    bot: EvidenceAssistant,
) -> None:
    # "299 treated [157 (52.5%) tacrolimus; 142 (47.5%) IVCY]" divides the sample: no risk
    # difference or NNH of "52.5% vs 47.5%"
    answer = _after(bot, "Did infections differ between arms in the Zheng trial?",
                    "Serious drug-related infection 8.9% vs 16.2% [1]",
                    "What's the absolute reduction there, and how many need treating with "
                    "tacrolimus to spare one such infection?")  # fmt: skip
    head = before_evidence(answer).splitlines()[0]
    assert "52.5" not in head and "47.5" not in head, answer.answer
    assert all("52.5" not in str(call.inputs) for call in answer.tool_calls), answer.answer


def test_a_follow_up_asking_only_for_a_calculation_works_on_the_previous_answers_figures(
    bot: EvidenceAssistant,
) -> None:
    answer = _after(bot, "How often did serious adverse events happen in each arm of the Zheng "
                    "trial?", "29 tacrolimus patients (18.5%) and 35 IVCY patients (24.6%) [1]",
                    "So what's the gap in percentage points?")  # fmt: skip
    head = before_evidence(answer).splitlines()[0]
    assert "18.5%" in head and "24.6%" in head, answer.answer
    from assistant.route import _only_a_calculation

    assert not _only_a_calculation("What about infections specifically?")


def test_own_is_no_content_word(bot: EvidenceAssistant) -> None:
    # "their own trial", "own up to": the only record sentence with "own" (a registration
    # number "not seen") is no reason to say the limitations asked about are not stated
    answer = bot.ask("What shortcomings of their own trial did the Zheng investigators own up to?")
    assert answer.status == "answered", answer.answer
    assert "open-label" in before_evidence(answer), answer.answer


@pytest.mark.parametrize(
    "question",
    [
        "What margin did the tacrolimus trial use to declare non-inferiority against "
        "cyclophosphamide?",
        "What non-inferiority margin did Mok and colleagues prespecify for tacrolimus versus "
        "mycophenolate?",
    ],
)
def test_the_thing_asked_that_a_record_could_not_confirm_is_said_to_be_not_stated(
    bot: EvidenceAssistant, question: str
) -> None:
    # the caveat ranks below sentences on the trial's other words ("non-inferior"); "margin",
    # the noun asked for, is named nowhere else in the study's documents
    answer = bot.ask(question)
    assert answer.status == "no_evidence", answer.answer
    assert "non-inferiority margin" in answer.citations[0].quote, answer.citations


def test_a_follow_up_pointing_at_the_figures_just_given_is_answered_by_their_sentence(
    bot: EvidenceAssistant,
) -> None:
    # the counts stand beside the percentages the last answer gave: that sentence is no repeat
    answer = _after(bot, "What share of patients had serious adverse events in the tacrolimus "
                    "vs IVCY trial?", "18.5% in the tacrolimus group and 24.6% in the IVCY group "
                    "[1]", "How many patients does that translate to in each arm?")  # fmt: skip
    head = before_evidence(answer).splitlines()[0]
    assert "29 patients" in head and "35 patients" in head, answer.answer


def test_a_second_outcome_named_in_one_ask_gets_its_own_sentence_beside_the_calculation(
    bot: EvidenceAssistant,
) -> None:
    answer = bot.ask("Obinutuzumab in REGENCY: how did serious adverse events and serious "
                     "infections compare with placebo?")  # fmt: skip
    body = before_evidence(answer)
    assert "32.4%" in body and "16.9%" in body and "7.6%" in body, answer.answer
    _numbers_everywhere_grounded(answer)


def test_a_follow_up_asking_only_for_a_calculation_in_request_words_keeps_the_subject(
    bot: EvidenceAssistant,
) -> None:
    # "put that in ... for me" names nothing: the previous answer's study is worked on, not
    # another study's pair ranked first for "risk"
    answer = _after(bot, "BLISS-LN primary result?", "43% with belimumab versus 32% with "
                    "placebo (odds ratio 1.6) [1]", "Put that in absolute terms for me - risk "
                    "difference and number needed to treat.")  # fmt: skip
    head = before_evidence(answer).splitlines()[0]
    assert "43%" in head and "32%" in head, answer.answer


def test_a_turn_to_the_other_arm_keeps_every_response_measure_asked(bot: EvidenceAssistant) -> None:
    answer = _after(bot, "In the Zheng trial, how much of the tacrolimus response was complete "
                    "versus partial?", "49.6% complete and 33.3% partial remission [1]",
                    "And how did that split look on the cyclophosphamide side?")  # fmt: skip
    focused = [line for line in before_evidence(answer).splitlines() if "For IVCY" in line]
    assert focused and "36.3%" in focused[0] and "38.7%" in focused[0], answer.answer


def test_the_first_ask_of_several_is_answered_from_either_document_of_one_study(
    bot: EvidenceAssistant,
) -> None:
    # the interview leads, the record states the screening: both are the one trial's
    answer = bot.ask("For an audit comparison: how many people were screened for the Zheng "
                     "lupus nephritis trial, how many were randomised, and how many actually "
                     "went on to receive study treatment?")  # fmt: skip
    body = before_evidence(answer)
    assert all(n in body for n in ("505", "314", "299")), answer.answer
