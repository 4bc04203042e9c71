"""What `route` understands of a question, as a table: the intent (what kind of answer it
wants), the facet (which aspect of the evidence it is about) and what it gives for a
calculation. Later stages read the Route and never the question's words again.

Intents: fact, comparison, computation, patient_check, eligibility, dosing, definition,
out_of_scope. Facets: efficacy, safety, regimen, population, design, limitation, mechanism,
definition, or None.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from assistant import extract
from assistant.config import PROJECT_ROOT
from assistant.profile import Profile, load_profile
from assistant.route import Route, route, understood

BUNDLED = load_profile(PROJECT_ROOT / "corpus")
GENERIC = Profile.generic()


def turns(*pairs: tuple[str, str]) -> list[dict[str, Any]]:
    """A conversation in Gradio's messages format: (question, answer) pairs."""
    history: list[dict[str, Any]] = []
    for asked, answered in pairs:
        history += [{"role": "user", "content": asked}, {"role": "assistant", "content": answered}]
    return history


# ------------------------------------------------------------------ the table

# (question, history, intent, facet) — read with the bundled profile (its drugs and trials).
BUNDLED_TABLE: list[tuple[str, list[dict[str, Any]], str, str | None]] = [
    # facts about what a study found
    ("What was the complete remission rate with tacrolimus at 24 weeks?", [], "fact", "efficacy"),
    ("Did the trial meet its primary endpoint?", [], "fact", "design"),
    ("What did the study show about relapse after treatment?", [], "fact", "efficacy"),
    ("Does tacrolimus work in lupus nephritis?", [], "fact", "efficacy"),
    ("Was proteinuria reduced faster in either arm?", [], "fact", "efficacy"),
    # facts about harms
    ("What adverse events were reported with tacrolimus?", [], "fact", "safety"),
    ("How many patients had serious infections?", [], "fact", "safety"),
    ("Was tacrolimus well tolerated?", [], "fact", "safety"),
    ("Why did patients withdraw from the study?", [], "fact", "safety"),
    ("Is tacrolimus safe in lupus nephritis?", [], "fact", "safety"),
    # facts about the regimen
    ("What tacrolimus dose was used?", [], "fact", "regimen"),
    ("What trough level was targeted for tacrolimus?", [], "fact", "regimen"),
    ("How was IV cyclophosphamide administered?", [], "fact", "regimen"),
    ("How was the steroid taper scheduled?", [], "fact", "regimen"),
    # facts about who was studied
    ("What were the inclusion criteria?", [], "fact", "population"),
    ("Who was excluded from the trial?", [], "fact", "population"),
    ("What was the mean age of the participants?", [], "fact", "population"),
    ("How many women were enrolled?", [], "fact", "population"),
    # facts about how the study was run
    ("Was the study blinded?", [], "fact", "design"),
    ("How long was follow-up?", [], "fact", "design"),
    ("How many centres took part in the trial?", [], "fact", "design"),
    ("Was allocation randomised?", [], "fact", "design"),
    ("What was the primary outcome?", [], "fact", "design"),
    # what the evidence cannot say
    ("What are the limitations of this study?", [], "fact", "limitation"),
    ("What are the weaknesses of the open-label design?", [], "fact", "limitation"),
    ("Could selection bias explain the results?", [], "fact", "limitation"),
    # how a treatment acts
    ("How does tacrolimus work?", [], "fact", "mechanism"),
    ("What is the mechanism of action of tacrolimus?", [], "fact", "mechanism"),
    # what a term means
    ("What is lupus nephritis?", [], "definition", None),
    ("What does UPCR stand for?", [], "definition", "definition"),
    ("How was complete remission defined?", [], "fact", "definition"),
    ("What counts as a partial response?", [], "definition", "definition"),
    ("Define complete renal response.", [], "definition", "definition"),
    # arms or studies set against each other
    ("Was tacrolimus better than IVCY?", [], "comparison", "efficacy"),
    ("How did tacrolimus compare with IVCY for infections?", [], "comparison", "safety"),
    ("Tacrolimus versus MMF: which had fewer relapses?", [], "comparison", "efficacy"),
    ("How much higher was complete remission with tacrolimus?", [], "comparison", "efficacy"),
    ("What is the number needed to treat for one extra complete remission?", [], "comparison",
     "efficacy"),
    ("Is tacrolimus non-inferior to IVCY with a 10% margin?", [], "comparison", "efficacy"),
    ("What was the difference in adverse event rates between arms?", [], "comparison", "safety"),
    ("Compare complete response across trials", [], "comparison", "efficacy"),
    # a study named by its arms is a name, not a comparison asked for
    ("When did enrolment in the tacrolimus versus IVCY study start?", [], "fact", "population"),
    ("How did tacrolimus compare with IVCY in the tacrolimus vs IVCY trial?", [], "comparison",
     None),
    ("How do calcineurin inhibitors perform in each study?", [], "comparison", "efficacy"),
    # arithmetic on figures the question gives
    ("Does 93 of 124 give 75%?", [], "computation", None),
    ("Convert creatinine 1.2 mg/dL to umol/L", [], "computation", None),
    ("What is the 95% CI for the tacrolimus response rate?", [], "computation", "efficacy"),
    # one patient's result against a response definition
    ("Proteinuria 0.2 g/24 h, albumin 3.6 g/dL, creatinine 95 vs 90 umol/L baseline: "
     "is this complete remission?", [], "patient_check", "efficacy"),
    ("My patient's UPCR fell from 3.2 to 0.4 mg/mg; does she meet partial response?", [],
     "patient_check", "efficacy"),
    ("Is my patient in remission?", [], "patient_check", "efficacy"),
    # could one patient have entered the study
    ("Would a 17-year-old with class IV disease be eligible?", [], "eligibility", "population"),
    ("My patient is 45 with a BMI of 31; could she enrol?", [], "eligibility", "population"),
    ("Is my patient eligible for the trial?", [], "eligibility", "population"),
    # "criteria" asks about entry or response alike: age and BMI are entry features...
    ("58-year-old, BMI 24, class IV, proteinuria 2 g/day: does she fit the trial criteria?",
     [], "eligibility", "population"),
    # ... a time point and response values are not, and a class alone names a subgroup
    ("Proteinuria 0.3 g/day at week 24, albumin 3.8 g/dL: does she meet the criteria?", [],
     "patient_check", "efficacy"),
    # what dose for one patient
    ("Starting prednisone dose for a 70 kg patient?", [], "dosing", "regimen"),
    ("How should I taper steroids in a 60 kg woman?", [], "dosing", "regimen"),
    ("What dose of methylprednisolone for my patient?", [], "dosing", "regimen"),
    # another kind of task
    ("Write a poem about kidneys", [], "out_of_scope", None),
    ("Tell me a joke about nephrologists", [], "out_of_scope", None),
    # follow-ups: the earlier question says what is asked
    ("and with cyclophosphamide?",
     turns(("What was the complete remission rate with tacrolimus?", "49.6% [1]")),
     "fact", "efficacy"),
    ("and for a 50 kg patient?",
     turns(("Starting prednisone dose for a 70 kg patient?", "45 mg/d")), "dosing", "regimen"),
    ("what about serious infections?",
     turns(("What adverse events occurred with tacrolimus?", "…")), "fact", "safety"),
    ("and the difference between them?",
     turns(("What was the overall response rate with tacrolimus and IVCY?", "…")),
     "comparison", "efficacy"),
    ("IVCY?", turns(("How many patients withdrew on tacrolimus?", "…")), "fact", "safety"),
    ("and her albumin is 3.1 g/dL now?",
     turns(("Proteinuria 0.3 g/24 h: is this complete remission?", "…")),
     "patient_check", "efficacy"),
    ("and at 48 weeks?",
     turns(("What was the complete remission rate at 24 weeks?", "…")), "fact", "efficacy"),
    ("Side effects of cyclophosphamide?",
     turns(("What dose of tacrolimus was used?", "…")), "fact", "safety"),
]  # fmt: skip

# The same kinds of question with a profile that knows no drug, trial or protocol.
GENERIC_TABLE: list[tuple[str, list[dict[str, Any]], str, str | None]] = [
    ("What was the main result?", [], "fact", "efficacy"),
    ("What were the side effects of the intervention?", [], "fact", "safety"),
    ("How many participants were randomised?", [], "fact", "design"),
    ("What are the study's limitations?", [], "fact", "limitation"),
    ("Was drug A better than drug B?", [], "comparison", "efficacy"),
    ("Does 12 out of 40 give 30%?", [], "computation", None),
    ("Convert 90 umol/L to mg/dL", [], "computation", None),
    ("Weight-based dose for a 70 kg patient?", [], "dosing", "regimen"),
    ("What does intention-to-treat mean?", [], "definition", "definition"),
    ("Compose a haiku about statistics", [], "out_of_scope", None),
    ("and the relapse rate?", turns(("What was the response rate at one year?", "…")),
     "fact", "efficacy"),
]  # fmt: skip


def _ids(table: list[tuple[str, list[dict[str, Any]], str, str | None]]) -> list[str]:
    return [question[:60] for question, *_ in table]


@pytest.mark.parametrize(
    ("question", "history", "intent", "facet"), BUNDLED_TABLE, ids=_ids(BUNDLED_TABLE)
)
def test_what_a_question_asks_with_the_bundled_profile(
    question: str, history: list[dict[str, Any]], intent: str, facet: str | None
) -> None:
    routed = route(question, history, BUNDLED)
    assert (routed.intent, routed.facet) == (intent, facet)


@pytest.mark.parametrize(
    ("question", "history", "intent", "facet"), GENERIC_TABLE, ids=_ids(GENERIC_TABLE)
)
def test_what_a_question_asks_with_a_generic_profile(
    question: str, history: list[dict[str, Any]], intent: str, facet: str | None
) -> None:
    routed = route(question, history, GENERIC)
    assert (routed.intent, routed.facet) == (intent, facet)


def test_the_table_is_large_enough_to_document_the_rules() -> None:
    assert len(BUNDLED_TABLE) + len(GENERIC_TABLE) >= 60


# ------------------------------------------------------------------ what a question gives


def test_a_follow_up_is_marked_and_keeps_its_subject() -> None:
    history = turns(("What was the complete remission rate with tacrolimus?", "49.6% [1]"))
    routed = route("and with cyclophosphamide?", history, BUNDLED)
    assert routed.follow_up_of == "What was the complete remission rate with tacrolimus?"
    assert routed.arms == ("IVCY",) and routed.measure == "complete"


def test_patient_values_come_from_the_question_first_then_the_earlier_one() -> None:
    history = turns(("Proteinuria 0.3 g/24 h, albumin 3.6 g/dL: complete remission?", "…"))
    routed = route("and if albumin is 2.9 g/dL?", history, BUNDLED)
    albumin, protein = routed.patient.get("albumin"), routed.patient.get("proteinuria")
    assert albumin is not None and albumin.value == 2.9  # the current question's
    assert protein is not None and protein.value == 0.3  # the earlier question's


def test_the_weight_counts_and_conversion_a_question_gives() -> None:
    assert route("Starting prednisone dose for a 70 kg patient?", None, BUNDLED).weight_kg == 70
    counted = route("Does 93 of 124 give 75%?", None, GENERIC)
    assert counted.counts == (93, 124) and counted.reported_percent == "75"
    # "out of" may follow the counted noun; a bare "of" after a noun is an amount
    assert route("tac 150 responders out of 141?", None, GENERIC).counts == (150, 141)
    assert route("6 doses of 500 mg?", None, GENERIC).counts is None
    # "95% CI" is the interval's level, not a figure the question reports
    assert route("A 95% CI on 117/141?", None, GENERIC).reported_percent is None
    assert route("Convert 1.2 mg/dL to umol/L", None, GENERIC).conversion == (
        1.2,
        "mg/dL",
        "umol/L",
    )


@pytest.mark.parametrize(
    ("note", "age", "height"),
    [
        ("29F, class III+V, BMI 19.2", 29, None),  # age then sex, as clinic notes write it
        ("45 M with proteinuria", 45, None),
        ("pt 34 y/o, 1.60 m", 34, 160),
        ("28F, 72 kg, 160 cm, class IV", 28, 160),
        ("6 m of follow-up, 5 mg tablets", None, None),  # months and milligrams are neither
        # A span of time is not an age.
        ("Deaths after 3 years of treatment", None, None),
        ("Euro-Lupus 10-year follow-up, death in each arm", None, None),
        ("a 45-year-old woman, over 2 years of disease", 45, None),
        # US notes: feet and inches (5'4" = 64 in = 162.6 cm), and "she's 44".
        ("33F, 5'4\", 140 lb", 33, 162.6),
        ("she's 44, 5 ft 10 in tall", 44, 177.8),
        ("age: 52, height 66 inches", 52, 167.6),
        ("she is 1.2 g down from 3 g", None, None),  # a figure after "is" is not an age
        # a relative's or a patient's bare age: "my sister is 63", "the patient is 45, ..."
        ("My sister is 63", 63, None),
        ("the patient is 45, class IV", 45, None),
        ("my patient is 3 weeks post-partum", None, None),
        # the person asking about herself, in full or in shorthand ("w/" is "with")
        ("I'm 62 with class III", 62, None),
        ("im 62 w class III LN, protein 2g a day", 62, None),
        ("I am 2 weeks post biopsy", None, None),
        # a person named or described, then her age set off by commas
        ("Mrs Chen, 34, pure class V", 34, None),
        ("My patient Leila Haddad, 26, has class IV", 26, None),
        ("a woman, 45, with class V", 45, None),
        ("34, F, class IV", 34, None),
        ("Would she have fit the criteria: 34, biopsy class IV+V, BMI 23", 34, None),
        # a study's name and its figures are no person
        ("ALMS, 370, class III", None, None),
    ],
)
def test_age_and_height_written_as_clinic_notes_write_them(
    note: str, age: float | None, height: float | None
) -> None:
    routed = route(f"{note}. Eligible?", None, BUNDLED)
    assert (routed.age_years, routed.height_cm) == (age, height)


@pytest.mark.parametrize(
    ("note", "kilograms"),
    [("140 lb", 63.5), ("weighs 154 lbs", 69.9), ("200 pounds", 90.7), ("72 kg", 72.0)],
)
def test_a_weight_in_pounds_is_read_in_kilograms(note: str, kilograms: float) -> None:
    assert route(f"{note}. Dose?", None, BUNDLED).weight_kg == kilograms


def test_every_weight_a_question_gives_is_asked_about() -> None:
    routed = route("Starting dose for a 62 kg patient, and for a 50 kg one?", None, BUNDLED)
    assert (routed.weight_kg, routed.weights_kg) == (62.0, (62.0, 50.0))


def test_a_weight_with_an_entry_question_is_not_a_dosing_question() -> None:
    routed = route("35F class V, wt 58kg ht 1.62m, 24h urine prot 1500 mg/24h, SCr 80 umol/L. "
                   "Does she meet Zheng entry criteria?", None, BUNDLED)  # fmt: skip
    assert routed.intent == "eligibility" and routed.tasks == ("eligibility",)
    # "mg/24h" is a urine collection, not a drug's milligrams
    assert route("24h UP 2300 mg/24h, BMI 22, 28F: fit the trial?", None, BUNDLED).intent == (
        "eligibility"
    )


def test_a_weight_and_height_give_the_bmi_an_entry_check_needs() -> None:
    routed = route("28F, 72 kg, 160 cm, class IV, proteinuria 2.5 g/d. Eligible?", None, BUNDLED)
    assert routed.intent == "eligibility" and routed.bmi is None  # computed by the tool


def test_a_response_category_named_alone_asks_for_a_patient_check() -> None:
    routed = route(
        "Proteinuria down from 2.9 to 1.1 g/day, albumin 3.1 g/dL. Partial?", None, BUNDLED
    )
    assert routed.tasks[:1] == ("remission",)


@pytest.mark.parametrize(
    ("question", "checked"),
    [
        ("UPCR went from 3.5 to 0.4 g/g, eGFR 62. By KDIGO 2024 terms, where is she now?", True),
        ("UPCR went from 3.5 to 0.4 g/g. In the trial's own terms, where does she stand?", True),
        ("UPCR went from 3.5 to 0.4 g/g. In plain terms, what does that mean?", False),
    ],
)
def test_a_sources_own_terms_ask_for_its_definitions(question: str, checked: bool) -> None:
    assert ("remission" in route(question, None, BUNDLED).tasks) is checked


@pytest.mark.parametrize(
    "question",
    ["BLISS-LN bottom line?", "Did the Liu trial win?", "What was the headline of REGENCY?",
     "ALMS proved A is equivalent to B, right?", "Did STAR demonstrate a benefit?"],
)  # fmt: skip
def test_words_asking_for_a_studys_result(question: str) -> None:
    assert route(question, None, BUNDLED).cues.asks_result


def test_equivalence_is_a_verdict_asked_about() -> None:
    from assistant.intent import VERDICT_ASKED

    assert VERDICT_ASKED.search("ALMS proved A is equivalent to B, right?")
    assert VERDICT_ASKED.search("Was equivalence shown?")
    # each form of "beat" ("Drug A beats drug B, says study")
    assert all(VERDICT_ASKED.search(f"A {verb} B?") for verb in ("beat", "beats", "beating"))


def test_the_calculations_a_question_calls_for_are_listed_in_the_order_they_are_tried() -> None:
    assert route("Compare complete response across trials", None, BUNDLED).tasks == (
        "across",
        "difference",
    )
    assert route("Was the trial superior?", None, BUNDLED).tasks == ()  # what was tested
    # a class of drugs asks for one difference per study of its members, unless a duration
    # or a dose is asked rather than a rate
    assert "across" in route("Complete response with calcineurin inhibitors?", None,
                             BUNDLED).tasks  # fmt: skip
    assert "across" not in route("How long can they stay on the calcineurin inhibitor?", None,
                                 BUNDLED).tasks  # fmt: skip
    assert route("What were the inclusion criteria?", None, BUNDLED).tasks == ()


def test_a_weight_alone_is_not_a_dosing_question() -> None:
    routed = route("What was the mean weight, about 60 kg?", None, GENERIC)
    assert routed.weight_kg == 60 and "dose" not in routed.tasks
    # A lab value in mg per decilitre is a concentration, not an amount of drug.
    lab = route("Creatinine 1.2 mg/dL, weight 60 kg: is that normal?", None, BUNDLED)
    assert lab.weight_kg == 60 and "dose" not in lab.tasks and lab.intent != "dosing"
    per_kg = route("A 60 kg patient: what prednisone dose in mg/kg?", None, BUNDLED)
    assert per_kg.tasks[:1] == ("dose",)


def test_asking_what_an_effect_measure_means_calls_no_calculation() -> None:
    routed = route("What does NNT mean?", None, BUNDLED)
    assert routed.tasks == () and routed.intent == "definition"
    assert route("What is the NNT for tacrolimus versus IVCY?", None, BUNDLED).tasks


def test_what_retrieval_reads_from_the_route() -> None:
    asked = route("How many patients had infections?", None, GENERIC)
    assert asked.asks_figure and not asked.asks_result
    found = route("What did the trial show?", None, GENERIC)
    assert found.asks_result
    doubt = route("Is it true that the results were confirmed?", None, GENERIC)
    assert doubt.cues.asks_about_sources
    assert route("What dose was given, in mg?", None, GENERIC).cues.figure_kinds == ("dose",)
    # "how many times a day" asks how often a dose is given, not for a count of people
    assert route("How many times per day was drug A taken?", None, GENERIC).cues.figure_kinds == (
        "dose",
    )
    assert not route("Does training improve outcomes?", None, GENERIC).cues.asks_about_sources


@pytest.mark.parametrize(
    ("question", "fewer_is_better"),
    [
        ("How many serious infections were there in each arm?", True),
        ("Did low-dose treatment cut 10-year mortality?", True),
        ("How many died in each group?", True),
        ("Which arm had fewer relapses?", True),
        ("How many stayed free of flares at a year?", False),  # the absence of a harm
        ("Was relapse-free survival longer with the drug?", False),
        ("How many finished the year without infection?", False),
        ("What was the complete response rate in each arm?", False),
        ("How many reached remission?", False),
    ],
)
def test_which_outcomes_are_better_when_fewer(question: str, fewer_is_better: bool) -> None:
    # Read by the comparison tools: more deaths in the first arm is a number needed to harm.
    assert route(question, None, GENERIC).about_harms is fewer_is_better


@pytest.mark.parametrize(
    ("question", "polar"),
    [
        ("Does supervised walking improve distance?", True),
        ("Walking after knee replacement: is it worth it?", True),
        ("Routine splenectomy: a justified extra operation?", True),  # elliptic, like a title
        ("Knee replacement. Do patients walk further?", True),
        ("How many patients walked daily?", False),
        ("What did the trial show?", False),
        ("Is it known when the trial started?", False),  # a question word: not yes or no
        ("Tell me the response rates", False),  # no question mark, no auxiliary
    ],
)
def test_a_yes_no_question_is_told_from_an_open_one(question: str, polar: bool) -> None:
    assert route(question, None, GENERIC).cues.polar is polar


def test_a_treatment_asked_for_a_described_patient_is_searched_for_the_concern_stated() -> None:
    question = "Mrs Lee, 29, class IV, wants children. Just tell me which to put her on: A or B?"
    routed = understood(route(question, None, BUNDLED), BUNDLED)
    assert routed.asks_advice and "class IV" not in routed.query and "children" in routed.query
    # a question about the subgroup's results keeps it
    asked = understood(route("Response in class IV with tacrolimus?", None, BUNDLED), BUNDLED)
    assert "class IV" in asked.query


def test_advice_and_other_tasks_are_recognised() -> None:
    assert route("Should I switch my patient to drug B?", None, GENERIC).asks_advice
    assert route("Write a limerick about dialysis", None, GENERIC).asks_other_task
    # clerical writing for one patient, however short the document
    assert route("Could you draft a sick note for her employer?", None, GENERIC).asks_other_task
    # A choice of treatment for a patient described is advice, not a trial-entry check.
    choice = route("22F, class IV, BMI 21. tac or MMF? which one to start", None, BUNDLED)
    assert choice.asks_advice and "eligibility" not in choice.tasks
    assert "eligibility" in route("22F, class IV, BMI 21.", None, BUNDLED).tasks
    # ... and so is a choice handed over, however it is worded
    for handed_over in ("28F, wants kids later - just pick for her, drug A or drug B?",
                        "You decide please: drug A or drug B?",
                        "Just tell me which to start her on: drug A or drug B",
                        "34F, pure class V. Just tell me: drug A or drug B for her?",
                        "Ms Wang is 26. Just tell me: drug A or the B drip for her?"):  # fmt: skip
        assert route(handed_over, None, GENERIC).asks_advice, handed_over
    assert not route("Was drug A or drug B better for infections?", None, GENERIC).asks_advice
    # a named person's treatment chosen, in the words of a ward or a relative
    for chosen in ("Mrs Lee, 29, class IV. Just tell me which to put her on - drug A or drug B?",
                   "My patient Amira wants a baby. Should she go on drug A rather than drug B?",
                   "on drug A, now breastfeeding. keep it or switch? just tell me what to do",
                   "Should I start him on drug B?"):  # fmt: skip
        assert route(chosen, None, GENERIC).asks_advice, chosen
    # ... not what a study did, nor a question about a patient's eligibility
    for asked in ("What dose did they start him on in the trial?", "Should she be excluded?"):
        assert not route(asked, None, GENERIC).asks_advice, asked
    # Writing one person's treatment is not a question about evidence.
    assert route(
        "Can you write me a personal treatment plan with doses?", None, GENERIC
    ).asks_other_task
    assert not route("What was the treatment plan in the trial?", None, GENERIC).asks_other_task
    assert route(
        "can you draft a short leaving speech for our ward sister", None, GENERIC
    ).asks_other_task


def test_a_dictated_question_is_read_with_its_numbers_as_digits() -> None:
    said = ("sixty two year old lady class four protein two point three grams a day BMI twenty "
            "three would she have got into the zheng trial")  # fmt: skip
    routed = route(said, None, BUNDLED)
    assert "eligibility" in routed.tasks and (routed.age_years, routed.bmi) == (62, 23)
    assert routed.question == said  # the question itself is kept as asked


def test_a_percentage_written_per_cent_is_a_percentage() -> None:
    from assistant import extract

    assert extract.percent_in("responders at 88 per cent") == "88"
    assert extract.percent_in("88 percent of the group") == "88"


def test_values_given_beside_their_baseline_ask_for_a_response_not_entry() -> None:
    at_entry = "35-year-old woman, proteinuria 4.2 g/24 h, albumin 3.2 g/dL. Zheng's criteria?"
    assert "eligibility" in route(at_entry, None, BUNDLED).tasks
    followed = ("35-year-old woman, baseline proteinuria 4.2 g/24 h; at week 24 it is 1.8 g/24 h,"
                " albumin 3.2 g/dL. How would Zheng's criteria classify her?")  # fmt: skip
    assert "eligibility" not in route(followed, None, BUNDLED).tasks


def test_a_creatinine_alone_is_checked_against_entry_not_a_response_definition() -> None:
    """No response definition reads a creatinine without a proteinuria or an earlier value;
    an entry rule does."""
    alone = "Would a patient with serum creatinine 3.2 mg/dL meet the Zheng creatinine criterion?"
    assert route(alone, None, BUNDLED).tasks[:1] == ("eligibility",)
    with_protein = "Creatinine 1.0 mg/dL, UPCR 0.3 g/g: does she meet the KDIGO criteria?"
    assert "eligibility" not in route(with_protein, None, BUNDLED).tasks
    remission = "Creatinine 1.0 mg/dL: is she in remission by Zheng's criteria?"
    assert "eligibility" not in route(remission, None, BUNDLED).tasks


@pytest.mark.parametrize(
    ("question", "difference"),
    [
        ("Compare that with trial B: how long were patients followed there?", False),
        ("Compare the doses of drug A and drug B", False),
        ("Compare the response rates of drug A and drug B", True),
        ("Compare drug A with drug B", True),
        ("Was it set up to show drug A non-inferior, and how many patients were enrolled?", False),
        ("How many more patients responded with drug A than with drug B?", True),
        # "gap" and "how far ahead" name a difference in everyday English
        ("Drug A 88% vs drug B 75% = 13 point gap, confirm", True),
        ("Drug A responded in 60%; how far ahead of drug B was that?", True),
        ("Was there a gap in follow-up visits?", False),
        # the ratio of one arm's rate to another's is a relative measure of the difference
        ("What is the ratio of the response rate with drug A to that with drug B?", True),
        # arms named by their dose ask for no dose
        ("Difference in deaths between the high-dose and low-dose groups, with a CI?", True),
    ],
)
def test_a_difference_is_computed_only_for_rates(question: str, difference: bool) -> None:
    assert ("difference" in route(question, None, GENERIC).tasks) is difference


@pytest.mark.parametrize(
    "question",
    [
        "31F, class IV, Cr 1.1 mg/dL. Remind me what pulse both arms got and the daily cap?",
        "Consent chat with a 26F - how many pts per arm had a serious adverse event?",
        "40M, BMI 24, UP 3 g/day; what were the limitations of the trial?",
    ],
)
def test_a_ward_note_before_a_question_about_the_study_is_context(question: str) -> None:
    """Values that set the scene are not a request to check trial entry when the question's
    last clause asks about the study's doses, harms or limits."""
    assert "eligibility" not in route(question, None, BUNDLED).tasks


def test_a_ward_note_whose_question_points_at_the_patient_is_an_entry_check() -> None:
    assert (
        "eligibility"
        in route(
            "40M, BMI 24, UP 3 g/day - was he randomised or not, by the trial's design?",
            None,
            BUNDLED,
        ).tasks
    )


def test_a_route_built_by_hand_is_read_when_the_tools_stage_needs_it() -> None:
    from assistant.calculate import plan_tools
    from assistant.retrieve import Retrieval

    plan = plan_tools(
        Route("Does 93 of 124 give 75%?", "Does 93 of 124 give 75%?", (), False),
        Retrieval([], 0.0),
    )
    assert [c.name for c in plan.calls] == ["rate"]


def test_a_counterfactual_continues_the_conversation() -> None:
    history = turns(("Starting prednisone dose for a 50 kg patient?", "40 mg/d [1]"))
    routed = route("what if she weighed 65 kg instead?", history, BUNDLED)
    assert routed.follow_up_of == "Starting prednisone dose for a 50 kg patient?"
    assert routed.weight_kg == 65 and routed.tasks[:1] == ("dose",)


@pytest.mark.parametrize("abbreviation", ["CRR", "PRR", "ORR"])
def test_a_response_named_by_its_abbreviation_asks_for_the_check(abbreviation: str) -> None:
    routed = route(f"wk 76 UPCR 0.42 mg/mg, eGFR 72 (baseline 90). A {abbreviation}?", None,
                   BUNDLED)  # fmt: skip
    assert routed.tasks[:1] == ("remission",)


def test_asking_which_margin_was_used_is_a_fact_not_a_calculation() -> None:
    asked = route("What non-inferiority margin did the tacrolimus trial use?", None, BUNDLED)
    assert "difference" not in asked.tasks
    given = route("Is tacrolimus non-inferior to IVCY with a 10% margin?", None, BUNDLED)
    assert "difference" in given.tasks


@pytest.mark.parametrize(
    "question",
    ["Just confirm the trial used a 10% non-inferiority margin?",
     "The NI margin in the tacrolimus trial was 10%, right?",
     "Please confirm that Zheng 2022 used a non-inferiority margin of 10 percentage points.",
     "So the tacrolimus trial set a margin of 10 points?",
     "Our dossier states a 10% non-inferiority margin for the tacrolimus trial. Can you confirm "
     "the margin they used?"],
)  # fmt: skip
def test_a_margin_asserted_as_the_studys_is_a_fact_to_check_not_a_test_to_run(
    question: str,
) -> None:
    routed = route(question, None, BUNDLED)
    assert "difference" not in routed.tasks and routed.margin is None


@pytest.mark.parametrize(
    "question",
    ["Taking a margin of -10 points, is tacrolimus non-inferior to IVCY?",
     "If my NI margin were -10 points, would tacrolimus vs IVCY clear it?",
     "Tacrolimus vs IVCY response: does it clear a -10% NI margin?",
     "Tacrolimus vs IVCY, margin -10 points: 95% CI of the risk difference?",
     "We used a margin of 10 points: is tacrolimus vs IVCY non-inferior?"],
)  # fmt: skip
def test_a_margin_the_asker_supplies_asks_for_the_test(question: str) -> None:
    assert "difference" in route(question, None, BUNDLED).tasks


@pytest.mark.parametrize("written", ["CR/PR", "CR or PR", "CR+PR", "complete or partial"])
def test_complete_or_partial_response_is_the_overall_response(written: str) -> None:
    assert route(f"{written} rate with tacrolimus?", None, BUNDLED).measure == "overall"


@pytest.mark.parametrize("written", ["full remission", "full renal response", "full response"])
def test_full_remission_is_the_complete_response(written: str) -> None:
    assert route(f"What {written} rate did tacrolimus reach?", None, BUNDLED).measure == "complete"


def test_a_baseline_given_in_an_earlier_turn_holds_for_the_same_patient() -> None:
    history = turns(("Baseline: proteinuria 4.8 g/day, creatinine 95 µmol/L.", "Noted."))
    routed = route("Now proteinuria 1.9 g/day, creatinine 98 µmol/L: partial?", history, BUNDLED)
    protein, creatinine = routed.patient.get("proteinuria"), routed.patient.get("creatinine")
    assert protein is not None and (protein.value, protein.baseline) == (1.9, 4.8)
    assert creatinine is not None and (creatinine.value, creatinine.baseline) == (98, 95)
    other = route("Another patient: proteinuria 1.9 g/day. Partial?", history, BUNDLED)
    assert other.patient.get("proteinuria").baseline is None  # type: ignore[union-attr]


def test_two_groups_counts_set_against_each_other_are_compared() -> None:
    question = "Trial X: 88/156 with drug A vs 83/154 with drug B, risk difference?"
    routed = route(question, None, GENERIC)
    assert routed.tasks[:1] == ("compare",) and routed.intent == "computation"
    assert routed.group_counts == ((88, 156), (83, 154))
    one = route("Does 93 of 124 give 75%?", None, GENERIC)
    assert "compare" not in one.tasks and one.tasks[:1] == ("rate",)


def test_a_follow_up_replaces_the_time_point_it_names() -> None:
    history = turns(("Complete response with voclosporin at week 52?", "40.8% [1]"))
    routed = route("What about after 3 years?", history, BUNDLED)
    assert "week 52" not in routed.query and "3 years" in routed.query
    # ... written in words too, or said as "the longer term"
    in_words = turns(("Complete response with voclosporin at one year?", "40.8% [1]"))
    for later in ("what had happened by three years?", "and in the longer term?"):
        assert "one year" not in route(later, in_words, BUNDLED).query, later


def test_the_same_question_for_another_pair_of_arms_restates_them() -> None:
    history = turns(("Overall response at 24 weeks, multitarget vs IVCY?", "83.5% vs 63.0% [1]"))
    routed = route("Same question for tacrolimus vs IVCY.", history, BUNDLED)
    assert routed.follow_up_of is not None
    assert "multitarget" not in routed.query.lower() and set(routed.arms) == {"tacrolimus", "IVCY"}


def test_a_duration_does_not_make_a_question_about_a_patient() -> None:
    routed = route("Complete renal response after 3 years of treatment?", None, BUNDLED)
    assert routed.intent == "fact" and routed.age_years is None


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("10 yr ESRD low vs high dose", None),  # a time point: an outcome follows the years
        ("flares over ~5 years?", None),  # an age is not approximate
        ("and 10 years?", None),
        ("35 y, BMI 24, class IV", 35),  # a bare age ends its item
        ("45 years F, class IV", 45),
        ("38yo class IV", 38),  # "yo" is always an age
    ],
)
def test_bare_years_are_an_age_only_where_a_patient_is_described(
    text: str, age: float | None
) -> None:
    assert extract.age_years(text) == age


@pytest.mark.parametrize(
    ("earlier", "follow_up", "gone", "kept"),
    [
        ("Serious infections on drug A in AURORA 1?", "and in REGENCY?", "AURORA", "REGENCY"),
        ("Overall response in Liu 2015?", "Same for the tacrolimus vs IVCY trial.", "Liu 2015",
         "tacrolimus vs IVCY trial"),
        ("Relapse in Mok et al. 2016?", "and in BLISS-LN?", "Mok", "BLISS-LN"),
        # a study called by its author alone; the follow-up after an acknowledgement and a dash
        ("Withdrawals in the Smith trial?", "ok - and in ALMS?", "Smith", "ALMS"),
        ("Randomised in the Smith trial?", "and Lee's phase 3 trial?", "Smith", "Lee"),
        # a place of two words names the study ("the New Haven trial")
        ("Dose in the New Haven trial?", "Same question for the Lee study.", "New Haven",
         "Lee"),
        # typed in lower case: a word English rarely uses before "trial" names it
        ("withdrawals in the okafor trial", "and in ALMS?", "okafor", "ALMS"),
    ],
)  # fmt: skip
def test_a_follow_up_naming_another_study_replaces_the_earlier_one(
    earlier: str, follow_up: str, gone: str, kept: str
) -> None:
    routed = route(follow_up, turns((earlier, "…")), BUNDLED)
    assert routed.follow_up_of is not None
    assert gone not in routed.query and kept in routed.query


def test_a_common_word_before_trial_describes_the_study_and_is_kept() -> None:
    routed = route("and in ALMS?", turns(("withdrawals in the same trial?", "…")), BUNDLED)
    assert "same" in routed.query


def test_a_follow_up_naming_no_study_keeps_the_earlier_one() -> None:
    routed = route("and with placebo?", turns(("Serious infections in AURORA 1?", "…")), BUNDLED)
    assert "AURORA 1" in routed.query


def test_its_points_back_to_the_earlier_subject() -> None:
    history = turns(("Tell me about the Miyasaka trial of tacrolimus.", "…"))
    assert route("what were its adverse event rates?", history, BUNDLED).follow_up_of


@pytest.mark.parametrize(
    ("note", "written"),
    [
        ("biopsy III+V", "III+V"),  # a biopsy's class without the word "class"
        ("bx: IV", "IV"),
        ("biopsy in 2020 showed class V", "V"),
        ("bx 6 wks ago ISN/RPS IV+V", "IV+V"),  # the classification's name before the numeral
        ("biopsy 2 months ago IV+V", "IV+V"),  # a mixed class is read wherever it stands
        ("on IVCY+V", None),  # ... but not inside another word
        ("NYHA III", None),
        ("NYHA class III", None),  # another classification's class
    ],
)
def test_a_biopsy_class_as_notes_write_it(note: str, written: str | None) -> None:
    routed = route(f"34F, {note}, proteinuria 2 g/day. Eligible?", None, BUNDLED)
    assert routed.disease_class == written


@pytest.mark.parametrize(
    ("question", "names"),
    [
        ("Starting pred dose for a 70 kg patient?", True),  # "pred": prednisone, clipped
        ("Starting prednisone dose for a 70 kg patient?", True),
        ("Starting dose of rituximab for a 70 kg patient?", False),
        ("Is the predicted dose right for 70 kg?", False),  # longer than the drug's beginning
    ],
)
def test_the_protocol_drug_named_in_full_or_clipped(question: str, names: bool) -> None:
    assert route(question, None, BUNDLED).names_protocol_drug is names


@pytest.mark.parametrize(
    "question",
    [
        "Absolute increase in serious adverse events with tacrolimus, in percentage points?",
        "What was the absolute risk reduction with tacrolimus versus IVCY?",
    ],
)
def test_absolute_and_relative_risk_terms_ask_for_a_difference(question: str) -> None:
    assert "difference" in route(question, None, BUNDLED).tasks


@pytest.mark.parametrize(
    ("question", "arms"),
    [
        ("risk difference from their counts (MMF vs IV cyclo)?", {"MMF", "IVCY"}),
        ("what blood level were they shooting for with tacro?", {"tacrolimus"}),
        ("did the trial take place in China?", set()),  # "place" is English, not placebo
    ],
)
def test_drug_names_clipped_as_clinicians_clip_them(question: str, arms: set[str]) -> None:
    assert set(route(question, None, BUNDLED).arms) == arms


def test_complete_or_partial_hyphenated_is_the_overall_response() -> None:
    routed = route("NNT for one extra complete-or-partial responder with tac?", None, BUNDLED)
    assert routed.measure == "overall"


def test_the_other_arm_is_the_one_the_earlier_question_did_not_name() -> None:
    history = turns(("Complete remission rate on tacrolimus at 24 weeks in Zheng?", "49.6% [1]"))
    routed = route("and the other arm?", history, BUNDLED)
    assert routed.follow_up_of is not None
    assert routed.other_than == ("tacrolimus",) and routed.arms == ()


@pytest.mark.parametrize(
    ("follow_up", "measure", "gone"),
    [("and partials only?", "partial", "overall"), ("and for complete remission alone?",
                                                      "complete", "overall")],
)  # fmt: skip
def test_a_follow_up_naming_another_response_measure_replaces_the_earlier_one(
    follow_up: str, measure: str, gone: str
) -> None:
    history = turns(("Liu 2015 overall response, multitarget vs IVCY?", "83.5% vs 63.0% [1]"))
    routed = route(follow_up, history, BUNDLED)
    assert routed.measure == measure and gone not in routed.query.lower()


@pytest.mark.parametrize(
    "earlier", ["BLISS-LN primary endpoint result?", "Did belimumab improve the primary renal "
                "response in BLISS-LN?", "What was the main result of BLISS-LN?"],
)  # fmt: skip
def test_a_follow_up_naming_a_measure_replaces_the_outcome_named_by_its_role(
    earlier: str,
) -> None:
    """ "The primary endpoint" names an outcome by its role; "and complete renal response?"
    asks for another one, so the earlier question's role words do not stay in the query."""
    routed = route("ok and complete renal response?", turns((earlier, "43% vs 32% [1]")), BUNDLED)
    assert routed.measure == "complete" and "BLISS-LN" in routed.query
    assert not re.search(r"primary|main", routed.query, re.I)


def test_a_follow_up_turning_to_harms_drops_the_outcome_named_by_its_role() -> None:
    history = turns(("What was the main result of BLISS-LN?", "43% vs 32% [1]"))
    routed = route("ok and serious infections?", history, BUNDLED)
    assert "BLISS-LN" in routed.query and not re.search(r"\bmain\b", routed.query, re.I)


@pytest.mark.parametrize(
    "question",
    ["How many people were put in each group?", "What happened to kidney function in each arm?"],
)
def test_a_question_on_each_arm_carries_only_the_earlier_study(question: str) -> None:
    """ "Each group" presupposes a study already known: the conversation's, not the earlier
    question's topic or arm."""
    history = turns(("What was the voclosporin AURORA 1 trial testing?", "It compared... [1]"))
    routed = route(question, history, BUNDLED)
    assert routed.follow_up_of is not None
    assert "AURORA 1" in routed.query and "testing" not in routed.query
    assert routed.arms == ()
    # a question naming its own study stands alone
    own = route("How many people were put in each group in ALMS?", history, BUNDLED)
    assert own.follow_up_of is None and "AURORA" not in own.query


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        ("What dose was used in STAR, and what background therapy did both arms receive?",
         ("what background therapy did both arms receive",)),
        ("remind me what the schedule is, and what they switched to afterwards",
         ("what they switched to afterwards",)),
        ("What was the CR rate with drug A and with drug B?", ()),  # one question, two arms
        ("Drug B got about 80% response, right?", ()),
        ("What was the response rate? Is that right?", ()),  # no words of its own
        # three or more asks in a row: each item is one, however short
        ("STAR trial - dose, duration, primary endpoint", ("duration", "primary endpoint")),
        ("STAR: how many countries, how many patients, and at which week was it read out?",
         ("how many patients", "at which week was it read out")),
        ("drug A target dose, the drug B regimen, and the highest starting steroid dose?",
         ("the drug B regimen", "the highest starting steroid dose")),
        # a preposition may lead a later question
        ("What dose was used in STAR, and for how long did treatment last?",
         ("for how long did treatment last",)),
        # a question word needs only one word of its own after it
        ("Explain the STAR low-dose schedule and what followed it.", ("what followed it",)),
        ("What was the response rate, and what about it?", ()),
        # an acknowledgement of the last answer asks nothing
        ("ok and what was the drug B group's CR?", ()),
        ("Fine - and how many patients died in each group by the end of the study?", ()),
        ("Thanks - what was the dose, and how long was it given?", ("how long was it given",)),
        # a remark on the form of the reply asks nothing
        ("Just give me a number for the STAR margin, a rough figure is fine, no caveats please.",
         ()),
        ("What was the STAR margin? keep it short", ()),
    ],
)  # fmt: skip
def test_the_later_parts_of_a_question_asking_several(question: str, parts: tuple[str]) -> None:
    assert route(question, None, GENERIC).parts == parts


def test_thresholds_asked_in_another_unit() -> None:
    routed = route("What are the CR and PR albumin cut-offs in g/L?", None, BUNDLED)
    assert routed.threshold_units == ("g/L",) and routed.tasks[0] == "thresholds"
    # A value given is a plain conversion; a unit without thresholds asks for nothing to convert.
    assert route("Convert 3.5 g/dL to g/L", None, BUNDLED).threshold_units == ()
    assert route("Our lab reports albumin in g/L.", None, BUNDLED).threshold_units == ()
    # written open, as often typed or dictated
    spoken = route("the creatinine cut off for the trial, what is that in milligrams per deciliter",
                   None, BUNDLED)  # fmt: skip
    assert spoken.threshold_units == ("mg/dL",)


@pytest.mark.parametrize(
    ("earlier", "later", "creatinine", "not_later"),
    [
        ("New pt: 24h UP 6.0 g, alb 2.1 g/dL, Cr 88 umol/L.",
         "wk24 labs: 24h UP 2.4 g, alb 3.0 g/dL, Cr 97. remission?", (97.0, 88.0),
         # without a later time point a value is not taken for a baseline
         "Cr 97, alb 3.0 g/dL, 24h UP 2.4 g: remission?"),
        ("Pt 35F, UPCR 2.4 mg/mg at start of induction, Cr 1.00 mg/dL.",
         "6 mo: UPCR 1.2, Cr 1.05. KDIGO response?", (1.05, 1.0),
         "3 months ago: UPCR 1.2, Cr 1.05. KDIGO response?"),  # earlier, not later
    ],
)  # fmt: skip
def test_an_earlier_turns_values_are_the_baseline_of_later_ones(
    earlier: str, later: str, creatinine: tuple[float, float], not_later: str
) -> None:
    history = turns((earlier, "Noted."))
    read = route(later, history, BUNDLED).patient.get("creatinine")
    assert read is not None and (read.value, read.baseline) == creatinine
    kept = route(not_later, history, BUNDLED).patient.get("creatinine")
    assert kept is not None and kept.baseline is None


def test_values_an_earlier_turn_labels_baseline_stay_the_baseline() -> None:
    """The label may follow words that give no value ("New pt:", "31F LN,")."""
    history = turns(("New pt: Baseline 24h UP 6.0 g, alb 2.1 g/dL, Cr 88 umol/L.", "Noted."))
    read = route("Cr 97, alb 3.0 g/dL, 24h UP 2.4 g: remission?", history, BUNDLED)
    creatinine = read.patient.get("creatinine")
    assert creatinine is not None and (creatinine.value, creatinine.baseline) == (97.0, 88.0)


def test_a_definition_asked_after_a_result_carries_the_study_not_the_arm_or_result() -> None:
    history = turns(("What was the complete remission rate with tacrolimus in STAR 2?", "..."))
    routed = route("How was remission defined?", history, BUNDLED)
    assert routed.facet == "definition" and routed.arms == ()
    assert routed.query == "How was remission defined? STAR 2"


def test_a_question_about_the_same_patient_takes_the_values_an_earlier_turn_gave() -> None:
    history = turns(("New LN pt: 24h UP 1200 mg/24h, Cr 68 µmol/L, age 39.", "Noted."))
    routed = route("She's 44, BMI 22, class IV. Eligible for the trial?", history, BUNDLED)
    protein = routed.patient.get("proteinuria")
    assert routed.intent == "eligibility" and routed.age_years == 44  # the question's own age
    assert protein is not None and protein.value == 1200
    assert routed.patient.get("creatinine").value == 68  # type: ignore[union-attr]
    # Another patient, or a question about no patient, takes nothing from that turn.
    other = route("Another patient, 44, BMI 22, class IV. Eligible?", history, BUNDLED)
    assert other.patient.get("proteinuria") is None
    general = route("What was the complete remission rate at 24 weeks?", history, BUNDLED)
    assert general.patient.measurements == () and general.age_years is None


@pytest.mark.parametrize(
    ("note", "intent"),
    [("27F, LN III+V. 24h UP 0.41 g, alb 35 g/L, Cr 77 vs 70 at baseline. CR per the trial?",
      "patient_check"),
     ("45M, 80 kg, 178 cm, Cr 1.3 mg/dL, UP 2.1 g: eligible for the trial?", "eligibility")],
)  # fmt: skip
def test_cr_and_pr_in_capitals_name_a_response_not_creatinine(note: str, intent: str) -> None:
    assert route(note, None, BUNDLED).intent == intent


def test_an_arm_swap_takes_the_place_of_the_last_arm_asked_about() -> None:
    """ "and the cyc number?" two turns after "partial remission on tac?", with a definition
    asked between: the partial remission rate, now for the other arm ("number" stands for the
    earlier figure, it is no new topic)."""
    history = turns(
        ("Partial remission rate on tacrolimus in STAR 2?", "33.3%."),
        ("How did they define partial remission?", "..."),
    )
    routed = route("and the IVCY number?", history, BUNDLED)
    assert routed.arms == ("IVCY",)
    assert routed.query == "Partial remission rate on IVCY in STAR 2?"


def test_new_values_alone_run_the_earlier_turns_patient_check_again() -> None:
    entry = turns(("35M LN III, BMI 25, SCr 1.1 mg/dL, uPCR 180 mg/mmol. Eligible?", "..."))
    routed = route("24h collection back: 1.3 g/d", entry, BUNDLED)
    assert routed.tasks == ("eligibility",)
    assert routed.patient.get("creatinine").value == 1.1  # type: ignore[union-attr]
    response = turns(("UPCR 4.0 g/g at start, 2.6 g/g at 6 mo, eGFR 85 -> 83. Response?", "."))
    again = route("12 mo now: UPCR 1.6, eGFR 82. now?", response, BUNDLED)
    assert again.tasks == ("remission",)
    # Values with a question of their own, or another patient, are not a repeat of the check.
    assert route("Another pt: 24h UP 1.3 g/d", entry, BUNDLED).tasks != ("eligibility",)
    assert "convert" in route("Cr 1.1 mg/dL in umol/L?", entry, BUNDLED).tasks


def test_a_follow_up_naming_another_study_is_a_first_question_about_it() -> None:
    history = turns(("Serious infections on tacrolimus in STAR 2?", "10.1% vs 11.2%."))
    assert route("ok and with IVCY in ORBIT?", history, BUNDLED).new_study
    assert not route("and with IVCY?", history, BUNDLED).new_study  # same study, other arm


def test_a_bare_phrase_for_another_patient_leans_on_the_earlier_question() -> None:
    # "for a 50 kg pt?" has no verb of its own: it asks the earlier question again for
    # another patient, as "for the other arm?" does for another arm.
    history = turns(("What oral prednisone did the tacrolimus trial use?", "0.8 mg/kg/d [1]"))
    routed = route("for a 50 kg pt?", history, BUNDLED)
    assert routed.follow_up_of is not None and routed.weight_kg == 50
    assert routed.tasks[:1] == ("dose",)


def test_extra_responders_ask_for_the_difference_from_the_comparator() -> None:
    # "how many extra responders per 100" counts those beyond the comparator's: a difference
    routed = route(
        "Per 100 treated, how many extra responders with drug A vs placebo?", None, GENERIC
    )
    assert "difference" in routed.tasks
    assert "difference" not in route("How many responders with drug A?", None, GENERIC).tasks


def test_an_interval_of_an_effect_between_groups_is_not_one_arms() -> None:
    assert route("95% CI of the tacrolimus response rate?", None, BUNDLED).asks_interval
    between = route("Tacrolimus, margin -10 points: 95% CI of the risk difference?", None, BUNDLED)
    assert not between.asks_interval  # a difference exists only between two groups


def test_an_arm_describing_the_study_is_not_the_arm_asked_about() -> None:
    assert route("Overall response in the Liu multitarget trial?", None, BUNDLED).arms == ()
    assert route("Overall response with multitarget in Liu 2015?", None, BUNDLED).arms == (
        "multitarget",
    )
    # ... and a follow-up about that trial keeps both arms
    history = turns(("Liu multitarget trial - complete remission at 24 wk?", "45.9% vs 25.6%"))
    assert route("overall response?", history, BUNDLED).arms == ()


def test_that_standing_for_the_last_answer_and_a_restriction_are_follow_ups() -> None:
    history = turns(("Serious adverse events in each arm of the A vs B trial?", "18.5% vs 24.6%"))
    assert route("What relative risk does that work out to?", history, GENERIC).follow_up_of
    assert route("only for the class V patients?", history, GENERIC).follow_up_of
    for acknowledged in ("OK — and with drug B?", "Thanks, what about drug B?", "right: and B?"):
        assert route(acknowledged, history, GENERIC).follow_up_of
    # set against the last question, or at its time point
    for pointing in ("overall response though, complete plus partial", "deaths at the same week"):
        assert route(pointing, history, GENERIC).follow_up_of
    # "the same endpoint", "same outcome": what the last question asked, for another arm
    asked = turns(("complete or partial response at week 24, tacrolimus arm?", "83.0%"))
    for same in ("same endpoint, cyclophosphamide side?", "Same outcome in the IVCY group?"):
        assert route(same, asked, BUNDLED).follow_up_of, same
    # a later phase of the study discussed: "the continuation study", "the 10-year follow-up"
    for phase in ("what did it look like by 3 yrs in the continuation study?",
                  "How many flares were there in the ten-year follow-up then?"):  # fmt: skip
        assert route(phase, history, GENERIC).follow_up_of, phase
    # "they" with no study or arm named: the study the conversation is on
    assert route("I don't suppose they broke that down for class V patients on their own?",
                 history, GENERIC).follow_up_of  # fmt: skip
    assert not route("Did they report class V results separately in ORBIT 2?", history,
                     GENERIC).follow_up_of  # fmt: skip
    # "that" as what amounts to something: the last answer's figure
    assert route("So what daily range would that come to for a 55 kg woman?", history,
                 GENERIC).follow_up_of  # fmt: skip
    # "it" after a preposition stands for what was just discussed
    assert route("who seemed to benefit most from it?", history, GENERIC).follow_up_of
    # "that" introducing a clause is no reference back
    assert not route("Is it true that drug A halves flares?", history, GENERIC).follow_up_of


def test_arms_naming_the_study_as_a_pair_are_not_the_arms_asked_about() -> None:
    asked = "How often were serious adverse events seen in the tacrolimus vs IVCY trial?"
    assert route(asked, None, BUNDLED).arms == ()
    assert route("Serious adverse events with tacrolimus vs IVCY?", None, BUNDLED).arms == (
        "tacrolimus",
        "IVCY",
    )


def test_an_interval_named_by_its_method_is_an_interval_not_a_stated_figure() -> None:
    asked = "Give me the 95% Wilson interval around the drug B arm's response."
    assert route(asked, None, GENERIC).asks_interval
    assert route("Newcombe CI for the difference?", None, GENERIC).tasks == ("difference",)
    assert not route("How long was the interval between biopsy and enrolment?", None,
                     GENERIC).asks_interval  # fmt: skip
    from assistant.extract import PERCENT

    assert [m.group(1) for m in PERCENT.finditer(asked + " It was 75%.")] == ["75"]
    assert not list(PERCENT.finditer("Wilson 95% CIs for each arm?"))  # a plural is the same


def test_the_unit_asked_is_the_last_one_named_so_and_each_one_turned_into() -> None:
    from assistant.extract import units_asked

    assert units_asked("The ceiling it gives in mg/dL: what is that in µmol/L?") == ("umol/L",)
    assert units_asked("albumin cut-offs in g/L?") == ("g/L",)
    two = "Turn A's cap from umol/L into mg/dL, and B's creatinine limit into umol/L."
    assert units_asked(two) == ("mg/dL", "umol/L")


def test_a_demonstrative_naming_the_last_findings_makes_a_follow_up_of_any_length() -> None:
    history = turns(("Complete response at week 52 with drug A and with drug B?", "40% vs 20%"))
    long = "From those two rates, what is the absolute difference and the NNT (rounded up)?"
    assert route(long, history, GENERIC).follow_up_of
    assert route("same figure for the drug B group, please?", history, GENERIC).follow_up_of
    # a long question describing a group with "those" stands on its own
    own = "What was the week-52 response in those patients with class V disease on drug A?"
    assert not route(own, history, GENERIC).follow_up_of


def test_a_demonstrative_naming_the_last_comparison_makes_a_follow_up_of_any_length() -> None:
    history = turns(("STAR-2 complete response at week 104?", "30% vs 20%"))
    long = "Was that difference statistically significant? Give the OR, CI and p."
    followed = route(long, history, GENERIC)
    assert followed.follow_up_of and "STAR-2" in followed.query
    # "that" opening a description does not point back
    own = "Is that drug A effect on proteinuria seen in the STAR-2 extension study at week 52?"
    assert not route(own, history, GENERIC).follow_up_of


def test_that_result_with_a_word_saying_which_points_back() -> None:
    history = turns(("What was the primary end point of STAR-2?", "…"))
    long = "Give me the absolute difference and the relative risk for that primary result."
    followed = route(long, history, GENERIC)
    assert followed.follow_up_of and "STAR-2" in followed.query
    # "that" as a conjunction before "the result" points back at nothing
    own = "Is it true that the result of the ABC trial in lupus was significant at week 52?"
    assert not route(own, history, GENERIC).follow_up_of


@pytest.mark.parametrize(
    "follow_up",
    [
        "Give me the 95% CI around that odds ratio.",
        "Over what period was that hazard ratio measured in the longer analysis of patients?",
        "How was that p-value worked out by the authors, and was it one-sided or two-sided?",
    ],
)
def test_that_effect_measure_points_back(follow_up: str) -> None:
    """An effect measure with "that" is one the last answer gave, whatever its length."""
    history = turns(("What was the primary result of STAR-2?", "…"))
    followed = route(follow_up, history, GENERIC)
    assert followed.follow_up_of and "STAR-2" in followed.query


def test_a_question_of_its_own_about_that_trial_carries_the_study_not_the_topic() -> None:
    history = turns(("Which arm did better on complete remission in STAR-2?", "…"))
    followed = route("How many patients did that trial randomise?", history, GENERIC)
    assert "STAR-2" in followed.query and "remission" not in followed.query
    # a turn pointing at the last answer's figures keeps its topic
    compared = route("How does that compare with the same trial's week-52 rate?", history, GENERIC)
    assert "remission" in compared.query


def test_an_effect_size_asked_next_works_on_the_figures_just_given() -> None:
    history = turns(("STAR-2 complete response?", "40.8% with drug A vs 22.5% with placebo [1]"))
    nnt = route("so how many people have to take it for one extra to get better", history, GENERIC)
    assert {40.8, 22.5} <= nnt.pointed_at
    # a design fact of the study ("what margin?") points at no figure
    margin = route("And what non-inferiority margin did they use?", history, GENERIC)
    assert not margin.pointed_at


def test_that_trial_points_at_the_conversations_study_at_any_length() -> None:
    history = turns(("What did STAR-2 compare?", "Drug A vs placebo."))
    long = ("She has pure class V on a biopsy 14 months ago and UPCR 1.8 mg/mg. Would she have "
            "met that trial's proteinuria requirement?")  # fmt: skip
    followed = route(long, history, GENERIC)
    assert followed.follow_up_of and "STAR" in followed.query


def test_an_organisation_and_a_year_name_a_publication_a_follow_up_carries() -> None:
    # "WHO" is a general acronym (an organisation), not a study name; with a year it names
    # that year's guideline, which a definition asked next is about.
    history = turns(("How does WHO 2024 define complete response?", "…"))
    followed = route("And how does it define partial response?", history, GENERIC)
    assert "WHO 2024" in followed.query


@pytest.mark.parametrize(
    ("question", "follows"),
    [
        (
            "What mycophenolate dose did they target there, and how was IV cyclophosphamide given?",
            True,
        ),
        ("How many patients were randomised there in the end, overall and by arm, please?", True),
        # "there" saying something exists does not point back
        ("Is there any evidence on drug A dosing for patients older than 70 years?", False),
        ("What adverse events of drug A were there in patients with class V disease?", False),
    ],
)
def test_there_standing_for_the_study_discussed_makes_a_follow_up(
    question: str, follows: bool
) -> None:
    routed = route(question, turns(("I'm collating regimens from the STAR-2 trial.", "…")), BUNDLED)
    assert (routed.follow_up_of is not None) is follows


def test_the_claim_a_question_rests_on_is_one_of_its_parts() -> None:
    routed = route("Given that STAR-2 was double-blind, how were the pills matched?", [], GENERIC)
    assert routed.premises == ("STAR-2 was double-blind",)
    assert routed.parts[-1] == "STAR-2 was double-blind"
    assert route("Was STAR-2 double-blind?", [], GENERIC).premises == ()


def test_the_trial_or_an_arm_named_definitely_is_the_conversations_study() -> None:
    history = turns(("How many patients were in the STAR-2 study?", "448"))
    long = "Which dose of drug A did they give, and how long was the trial duration overall?"
    followed = route(long, history, GENERIC)
    assert followed.follow_up_of and "STAR-2" in followed.query
    arm = "right now just the overall response, complete plus partial, for the drug B arm only"
    assert route(arm, history, GENERIC).follow_up_of
    # a study described or named stands on its own, however it says "the trial"
    described = "What did the trial of drug A against drug B find on complete response at week 52?"
    assert not route(described, history, GENERIC).follow_up_of
    named = "How long was the trial duration in ORBIT, and which dose of drug A did it give?"
    assert not route(named, history, GENERIC).follow_up_of


def test_a_follow_up_knows_the_figures_the_previous_answer_stated_in_its_own_voice() -> None:
    history = [
        {"role": "user", "content": "Complete response with drug A vs drug B?"},
        {"role": "assistant",
         "content": "Complete response was 45.9% with drug A versus 25.6% with drug B. [1] "
                    "_(Lee 2015 · RCT)_\n\n**Evidence**\n- [1] “Overall 83.5% vs 63.0%.”"},
    ]  # fmt: skip
    routed = route("and overall?", history, GENERIC)
    assert routed.follow_up_of is not None
    # Not the evidence list's quote, nor the year of the attribution.
    assert routed.stated_before == frozenset({45.9, 25.6})
    # A turn to another arm reads the sentence the last answer read: nothing is held back.
    arm_history = [
        {"role": "user", "content": "Complete remission with tacrolimus?"},
        {"role": "assistant", "content": "Tacrolimus 49.6% versus IVCY 36.3%."},
    ]
    assert route("and with IVCY?", arm_history, BUNDLED).stated_before == frozenset()
    assert route("and the other arm?", arm_history, BUNDLED).stated_before == frozenset()
    # A question that stands on its own carries nothing over.
    assert route("What was the overall response in Lee 2015?", history, GENERIC).stated_before == (
        frozenset()
    )


@pytest.mark.parametrize(
    "question",
    [
        # "against" holds the letters of "gain" but asks for no difference
        "How many were randomised in the study of drug A against drug B, and how many treated?",
        # a study described as a comparison is named, not asked to compare
        "What blood level did they aim for with drug A in the drug B comparison trial?",
        "How long was the head-to-head study of drug A and drug B?",
        # "by comparison" is "in contrast", not a request for a computed difference
        "How much did the activity score change in STAR-2 by comparison?",
    ],
)
def test_words_naming_a_study_do_not_ask_for_a_difference(question: str) -> None:
    assert "difference" not in route(question, None, GENERIC).tasks


def test_a_difference_asked_beside_a_study_named_by_its_arms_is_still_computed() -> None:
    routed = route("In the comparison trial, how much higher was drug A's response?", None, GENERIC)
    assert "difference" in routed.tasks


def test_a_follow_up_asking_for_results_drops_the_definition_asked_before() -> None:
    history = [
        {"role": "user", "content": "STAR-2 complete response definition?"},
        {"role": "assistant", "content": "Complete response was defined as ..."},
    ]
    routed = route("and what were the results at 3 years?", history, GENERIC)
    assert "definition" not in routed.query and "STAR-2" in routed.query
    assert routed.facet != "definition"


def test_a_comparison_with_something_named_is_still_a_comparison() -> None:
    question = "How much higher was the response in comparison with drug B?"
    assert "difference" in route(question, None, GENERIC).tasks


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("How much drug A does one course add up to?", True),
        ("total drug A in g for the whole course, and how much headroom under the cap?", True),
        ("how many grams of drug A in total over six doses?", True),
        # the amount of one whole course is its total
        ("how many grams of drug A does one standard course deliver?", True),
        ("How many mg per pulse in a course of drug A?", False),
        # a stated cap asked about, not a course's amount
        ("What cumulative drug A dose should not be exceeded over a lifetime?", False),
        ("How long does the course last in total?", False),
        ("BSA 1.6 m2: what is the starting dose, and the total if all six doses stay there?", True),
        ("BSA 1.6 m2: what would one pulse be, and what would six pulses total?", True),
        # one dose per m² for the area given, no total asked
        ("Drug A starting pulse for a patient with BSA 1.6 m2, in mg?", True),
        # a dose asked for the body-surface area given, however worded
        ("Body surface area 1.8 m2. What would her first drug A dose be?", True),
        # one infusion at each time a schedule lists
        ("Every scheduled infusion of drug A, how many grams is that altogether?", True),
    ],
)
def test_a_courses_total_is_asked_with_a_total_an_amount_and_a_course(
    question: str, asked: bool
) -> None:
    routed = route(question, None, BUNDLED)
    assert ("course" in routed.tasks) is asked, routed.tasks


@pytest.mark.parametrize(
    ("follow_up", "points_back"),
    [("For how long was it given?", True), ("Did it work in class V?", True),
     ("Is it true that STAR 3 was open-label?", False)],
)  # fmt: skip
def test_it_as_the_subject_points_back_unless_it_is_a_dummy(
    follow_up: str, points_back: bool
) -> None:
    history = turns(("How was drug A dosed in STAR 2?", "4 mg/day [1]"))
    assert (route(follow_up, history, BUNDLED).follow_up_of is not None) is points_back


@pytest.mark.parametrize(
    ("follow_up", "points_back"),
    [("Give me the absolute difference and the number needed to treat for that one.", True),
     ("What share of patients stopped early because of side effects in the latter?", True),
     # a determiner, not a pronoun: the question says what it is about
     ("What did STAR 3 report for that one patient subgroup with class V disease?", False)],
)  # fmt: skip
def test_that_one_or_the_latter_points_back_at_any_length(
    follow_up: str, points_back: bool
) -> None:
    history = turns(("What was the main result of STAR 2?", "4 mg/day [1]"))
    assert (route(follow_up, history, BUNDLED).follow_up_of is not None) is points_back


def test_a_study_described_by_a_relative_clause_asks_for_no_comparison() -> None:
    question = ("About the study that compared tacrolimus tablets with cyclophosphamide drips: "
                "did the patients know which treatment each person was getting?")  # fmt: skip
    assert "difference" not in route(question, None, BUNDLED).tasks


@pytest.mark.parametrize(
    "question",
    ["STAR 2 response per arm, with numerators and denominators please",
     "And the drug B arm? Give the counts too."],
)  # fmt: skip
def test_numerators_denominators_and_counts_ask_for_counted_figures(question: str) -> None:
    from assistant.intent import retrieval_cues

    assert "count" in retrieval_cues(question).figure_kinds


def test_a_question_going_on_with_so_works_on_the_last_one() -> None:
    history = turns(("What IV regimen did the control arm of STAR 2 receive?", "0.75 g/m2 [1]"))
    routed = route("So for a patient with a BSA of 1.6 m2, what is the starting dose per "
                   "infusion, and the total over six doses?", history, BUNDLED)  # fmt: skip
    assert routed.follow_up_of is not None and "STAR 2" in routed.query
    # without "so", the same question stands alone
    alone = route("What is the starting dose per infusion of a patient with a BSA of 1.6 m2, "
                  "and the total over six doses?", history, BUNDLED)  # fmt: skip
    assert alone.follow_up_of is None


def test_a_course_reads_its_number_of_doses_and_the_body_surface_area() -> None:
    routed = route("BSA 1.6 m2: how much drug A in total would six doses give?", None, BUNDLED)
    assert (routed.dose_count, routed.bsa_m2) == (6, 1.6)
    # a number word joined to its noun: "a six-dose course" is six doses
    joined = route("BSA 1.6 m2: what would the six-dose course of drug A total?", None, BUNDLED)
    assert joined.dose_count == 6
    # a "3-day course" counts days, not doses
    assert route("drug A total over the 3-day course?", None, BUNDLED).dose_count is None


@pytest.mark.parametrize(
    "follow_up",
    [
        "Same field for drug B please.",
        "And drug B patients with that same class?",
        # the earlier answer carried to another drug
        "Does the same hold for drug B?",
        "Is the same true of drug B in that guideline?",
    ],
)
def test_the_same_field_or_class_points_back(follow_up: str) -> None:
    history = turns(("STAR 2: class V partial response with drug A?", "40% [1]"))
    assert route(follow_up, history, BUNDLED).follow_up_of is not None


@pytest.mark.parametrize(
    ("question", "absent"),
    [
        ("UPCR 0.4, eGFR 70, needed no rescue drugs", True),
        ("UPCR 0.4 without rescue therapy", True),
        ("UPCR 0.4; didn't need any rescue", True),
        ("rescue: none. UPCR 0.4", True),
        ("UPCR 0.4, rescue therapy given at week 30", False),
        ("no idea about rescue, UPCR 0.4", False),
    ],
)
def test_a_condition_of_absence_is_read_as_stated_only_when_the_question_negates_it(
    question: str, absent: bool
) -> None:
    from assistant.calculate import stated_absent

    assert stated_absent("no rescue therapy", question) is absent
    assert not stated_absent("prednisone not above 10 mg/day", question)  # no absence


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("Creatinine 3.0 mg/dL - would he have got in?", True),
        ("Was there a creatinine limit for getting into the trial?", True),
        ("What steroids did they get in the trial?", False),  # received, not entered
        ("UPCR 2.1 g/g, 19F: would she qualify?", True),
        ("UPCR 1.8 mg/mg. Would the trial's proteinuria threshold have admitted her?", True),
        ("UPCR 1.8 mg/mg, admitted her to the ward last week: in remission?", False),
        # qualifying as a response named is a response check, not entry
        ("For the complete renal response, would she qualify with UPCR 0.4 mg/mg?", False),
        ("creat 140 umol/L - would the trial's criteria have let her in?", True),
        ("Class IV, protein 1.2 g/day - could she go into the STAR-2 trial?", True),
        ("UPCR 2 g/g, 30F: would she have made it into the study?", True),
        ("UPCR 0.4 g/g at week 52: did she go into remission?", False),  # not a study
        ("creatinine 3.2 mg/dL, 40, class IV - would he have been allowed in?", True),
        ("What doses were allowed in the trial?", False),  # no person allowed in
        ("Class V, UPCR 1.8 mg/mg: is she enough proteinuria for entering?", True),
        ("Class V, UPCR 1.8 mg/mg. Would she meet the registry proteinuria requirement?", True),
        ("UPCR 0.4 mg/mg: does she meet the complete response requirements?", False),
        # taking part in anything: not trial entry by its words alone
        ("Are patients with arthritis physically able to participate in the programme?", False),
    ],
)
def test_getting_in_or_into_a_trial_asks_about_entry(question: str, entry: bool) -> None:
    from assistant.intent import asks_entry

    assert asks_entry(question) is entry


@pytest.mark.parametrize(
    ("question", "follows"),
    [
        ("so how many grams of drug A would a patient get, and how much is that in total?", True),
        ("what is that in mg per kilogram for a small adult patient on the ward?", True),
        # "that" as a conjunction stands for nothing said before
        ("Is it true that patients were blinded, and how many centres took part overall?", False),
    ],
)
def test_that_standing_for_the_last_answer_makes_a_follow_up(question: str, follows: bool) -> None:
    routed = route(question, turns(("Drug A schedule in the Lee trial?", "…")), BUNDLED)
    assert (routed.follow_up_of is not None) is follows


def test_a_follow_up_about_harms_does_not_carry_the_earlier_response_measure() -> None:
    history = turns(("Trial X, drug A versus drug B: complete renal response at 6 months?", "62%"))
    harms = route("how did the two arms compare for major infections there?", history, GENERIC)
    assert harms.follow_up_of and harms.measure is None
    # a follow-up about the same kind of result keeps it
    assert route("and at 12 months?", history, GENERIC).measure == "complete"


@pytest.mark.parametrize(
    ("question", "premise"),
    [
        ("Given that trial X was double-blind, is its safety result robust?",
         "trial X was double-blind"),
        ("Since drug A beat drug B 62% to 45% there, can I call it superior?",
         "drug A beat drug B 62% to 45% there"),
        # a claim asked about itself is the question, not a premise of another
        ("I read that 90% responded on drug A. Is that right?", None),
    ],
)  # fmt: skip
def test_a_premise_stated_before_the_question_is_checked_as_a_part(
    question: str, premise: str | None
) -> None:
    parts = route(question, None, GENERIC).parts
    assert (premise in parts) if premise else not parts, parts


@pytest.mark.parametrize(
    ("correction", "asked"),
    [
        ("No, I meant complete response, not the primary endpoint.", "complete response"),
        ("No - I need the 10-year figures, not the 5-year ones.", "the 10-year figures"),
        ("Sorry, I should have said the week-52 rate?", "the week-52 rate?"),
        ("Sorry, I meant the other arm", "the other arm"),
    ],
)
def test_a_turn_correcting_the_last_question_asks_what_it_names_instead(
    correction: str, asked: str
) -> None:
    history = turns(("STAR 2: what was the main result?", "answer [1]"))
    routed = route(correction, history, BUNDLED)
    assert routed.question == asked and routed.as_asked == correction
    assert routed.follow_up_of is not None and "STAR 2" in routed.query
    assert "not the" not in routed.query and not routed.parts


@pytest.mark.parametrize(
    "question",
    [
        "No rescue therapy needed, UPCR 0.3 mg/mg: remission?",
        # an interjection alone, with no "I meant" and nothing set aside, asks anew
        "Sorry, quick one: what was the drug A dose in STAR 3?",
    ],
)
def test_a_question_opening_with_no_or_sorry_is_no_correction(question: str) -> None:
    history = turns(("STAR 2: what was the main result?", "answer [1]"))
    routed = route(question, history, BUNDLED)
    assert routed.as_asked == routed.question == question


def test_a_disease_written_like_a_study_name_is_no_new_study() -> None:
    # "COVID-19" has a study name's shape (letters, a dash, a number); COVID is no study
    history = turns(("Serious infections in STAR 2?", "answer [1]"))
    routed = route("What if you leave the COVID-19 cases out?", history, BUNDLED)
    assert routed.follow_up_of is not None and not routed.new_study


@pytest.mark.parametrize(
    "follow_up",
    ["Back to the tacrolimus study - can you split its figure into complete and partial?",
     "Going back to STAR 2: how long was its follow-up?"],
)  # fmt: skip
def test_back_to_a_subject_returns_to_the_turn_that_named_it(follow_up: str) -> None:
    history = turns(
        ("What share responded in STAR 2, tacrolimus versus IVCY?", "83.0% vs 75.0% [1]"),
        ("And ALMS, mycophenolate versus IVCY?", "56.2% vs 53.0% [1]"),
    )
    routed = route(follow_up, history, BUNDLED)
    assert routed.follow_up_of is not None
    assert "STAR 2" in routed.follow_up_of and "ALMS" not in routed.follow_up_of


@pytest.mark.parametrize(
    ("follow_up", "to_first"),
    [("For the first trial we discussed, how many started treatment?", True),
     ("Going back to that first study - what was its follow-up?", True),
     # a description, not a reference to the conversation
     ("Was STAR 1 the first trial of tacrolimus in this disease?", False)],
)  # fmt: skip
def test_the_first_trial_discussed_is_the_first_turns_subject(
    follow_up: str, to_first: bool
) -> None:
    history = turns(
        ("What share responded in STAR 2, tacrolimus versus IVCY?", "83.0% vs 75.0% [1]"),
        ("And ALMS, mycophenolate versus IVCY?", "56.2% vs 53.0% [1]"),
    )
    earlier = route(follow_up, history, BUNDLED).follow_up_of or ""
    assert ("STAR 2" in earlier) is to_first and "ALMS" not in earlier


def test_a_patients_values_set_against_a_studys_definitions_ask_for_a_response_check() -> None:
    question = (
        "Proteinuria 3.8 g/day at the start, 0.4 g/day at week 24, albumin 3.7 g/dL, "
        "creatinine stable. Using the STAR 2 definitions, where does she stand?"
    )
    assert "remission" in route(question, None, BUNDLED).tasks


@pytest.mark.parametrize(
    "question",
    ["What are the weak points of the STAR 2 trial?", "Any flaws in how STAR 2 was run?",
     "what were the weak spots of that study"],
)  # fmt: skip
def test_weak_points_and_flaws_ask_for_the_limitations(question: str) -> None:
    assert route(question, None, BUNDLED).facet == "limitation"


@pytest.mark.parametrize(
    ("follow_up", "returns_to"),
    [("Right, back to the phase 3 trial itself - what did it report at week 76?", "STAR 2"),
     ("ok going back to the trial steroid regimen from before - 60 kg pt, starting dose?",
      "steroids")],
)  # fmt: skip
def test_a_return_to_a_subject_it_describes_goes_back_past_the_last_turn(
    follow_up: str, returns_to: str
) -> None:
    history = turns(
        ("What steroids did both arms of STAR 2 get?", "IV pulses, then oral prednisone [1]"),
        ("And what did its phase 2 predecessor STAR 1 show?", "40% vs 18% [1]"),
        ("How was STAR 1 dosed?", "1000 mg on day 1 [1]"),
    )
    earlier = route(follow_up, history[:4] if "phase" in follow_up else history, BUNDLED)
    assert returns_to in (earlier.follow_up_of or ""), earlier.follow_up_of
