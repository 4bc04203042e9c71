"""The assistant says plainly when the evidence base does not cover a question.

These questions calibrated the two signals (best dense similarity, and specialist words the
corpus never uses); they stay here so a change that breaks the calibration is caught.
"""

from __future__ import annotations

import pytest

from assistant import Answer, EvidenceAssistant

IN_SCOPE = [
    "What was the tacrolimus response rate?", "When did the study close?",
    "How was partial remission defined?", "What did BLISS-LN show?",
    "What does KDIGO recommend for class V?", "How many patients were randomised in ALMS?",
    "Was the trial blinded?", "What are the side effects of cyclophosphamide?",
    "What was the dose of voclosporin in AURORA?", "Is tacrolimus safer than IVCY?",
    # who asks is not what is asked, even beside another word the corpus lacks
    "Pharmacist exercise: what oral prednisone dose does a 62 kg patient get on Zheng's schedule?",
    "What is the role of obinutuzumab?", "Did creatinine rise?", "What is lupus nephritis?",
    "Which patients were excluded from the trial?", "How long did Euro-Lupus follow patients?",
    "What was the infection rate?", "What were the limitations?",
    "Does tacrolimus protect podocytes?", "How many centres took part?",
    "What was the SLEDAI change?", "What did ALMS show?", "What did REGENCY find?",
    "How many centres took part in ALMS?",
    # "as regards X" compounds are about X: "infection-wise" asks about infection.
    "Which arm did better infection-wise in the tacrolimus trial?",
    # A clinical abbreviation (BMI = body mass index) makes the question a clinical one, so an
    # everyday word the corpus lacks ("weight") does not take it out.
    "Any weight limit to get in, like a BMI cut-off?",
    # Clinical shorthand for people and things: "docs" are doctors, not a disease.
    "Did the docs know which arm the pts were on in the tacrolimus trial?",
    # Capitalised abbreviations the corpus lacks but the question spells out (POF), that
    # shorten the corpus's own (MPA for MPAA), or that clinical research in general uses.
    "Zheng: tacrolimus spares ovaries - what premature ovarian failure (POF) rates per arm?",
    "Zheng says tac prevents premature ovarian failure - POF rates in the two arms?",
    "per KDIGO what tac trough goes with reduced-dose MPA?",
    "For a CONSORT diagram: how many were screened for Zheng 2022?",
    # a money word in what frames the question, not in what it asks
    "Budget line for REGENCY: how many mg of obinutuzumab does one patient get in total?",
    # a known word with a number is no name of something else
    "tac vs cyc complete response in arm1 and arm2?",
    # a benefit's cost counted in harms is no question of money
    "REGENCY's renal benefit - what did it cost in serious adverse events?",
]  # fmt: skip
OUT_OF_SCOPE = [
    "What is the capital of France?", "How do I bake sourdough bread?",
    "Which football team won the 1998 World Cup?",
    "What is the best treatment for rheumatoid arthritis?",
    "What is the dose of metformin in type 2 diabetes?", "How is psoriasis treated?",
    "What are the symptoms of COVID-19?", "Does aspirin prevent heart attacks?",
    "What is the weather tomorrow?", "Explain quantum computing",
    "What is the treatment of ANCA vasculitis?", "How do statins work?",
    "Recommend a good restaurant", "What is the prognosis of IgA nephropathy?",
    "How effective is rituximab in multiple sclerosis?",
    "What vaccine schedule do children need?", "Write a poem about kidneys",
    "What is the mortality of sepsis?", "How to treat hypertension in pregnancy?",
    "Is tacrolimus used after liver transplant?",
    "What will the weather be like in Zhengzhou tomorrow?",  # a city the interview names
    "Who won the World Cup in ALMS?", "What is the weather in AURORA 1?",  # a study named
    # an abbreviation in capitals that nothing the evidence base holds explains
    "58F MPO-ANCA GN, Cr 2.9 mg/dL: how to cut the IV cyclophosphamide pulse for age?",
    "DOAC or warfarin for APS nephropathy with TMA on biopsy?",
    # something to recommend that the corpus never names, near a place the interview names
    "Can you recommend a good hotpot restaurant near Zhengzhou University's hospital?",
    # a known drug for a condition named in two everyday words the corpus never uses
    "What's the cyclophosphamide dose in the AC regimen for early breast cancer?",
    # a drug class named by a code of letters and a digit that the corpus never uses
    "Should I add an SGLT2 inhibitor for a lupus nephritis patient with residual proteinuria?",
    # what a drug the evidence covers costs, when it says nothing of costs at all
    "Roughly what does a month of voclosporin cost in the US?",
    "What does a month of oral tacrolimus cost compared with a course of IV cyclophosphamide?",
]  # fmt: skip


def assert_covered(answer: Answer) -> None:
    """Answered, with citations and no number the evidence does not hold."""
    assert answer.status == "answered", answer.answer
    assert answer.citations
    assert answer.to_dict()["ungrounded_numbers"] == []


def assert_not_covered(answer: Answer) -> None:
    """The assistant says the evidence base does not cover it, and cites and computes nothing."""
    assert answer.status == "no_evidence", answer.answer
    assert answer.citations == [] and answer.tool_calls == []
    assert "does not cover" in answer.answer


@pytest.mark.parametrize("question", IN_SCOPE)
def test_questions_the_evidence_covers_are_answered(bot: EvidenceAssistant, question: str) -> None:
    assert_covered(bot.ask(question))


@pytest.mark.parametrize("question", OUT_OF_SCOPE)
def test_questions_outside_the_evidence_get_no_evidence(
    bot: EvidenceAssistant, question: str
) -> None:
    assert_not_covered(bot.ask(question))


def test_the_message_names_the_unfamiliar_term(bot: EvidenceAssistant) -> None:
    assert "“psoriasis”" in bot.ask("How is psoriasis treated?").answer


@pytest.mark.parametrize(
    ("question", "rest"),
    [
        ("For a pharmacology lecture on X: what blood level?", "what blood level?"),
        ("For my journal club slides, what did ALMS find?", "what did ALMS find?"),
        # a patient, a course of treatment or "how long" are no purpose
        ("For a patient with class V, what dose?", "For a patient with class V, what dose?"),
        ("For a full course, how many grams?", "For a full course, how many grams?"),
        ("For how long was it given?", "For how long was it given?"),
        # who asks, introduced first, and how the figures are to be written
        ("Rheum reg here. What pulse dose?", "What pulse dose?"),
        ("Pharmacist here: what dose?", "what dose?"),
        ("The relative risk (two decimals) for it?", "The relative risk for it?"),
        ("Risk ratio to 1 decimal place?", "Risk ratio?"),
        ("Is there a margin here?", "Is there a margin here?"),
    ],
)
def test_what_a_question_is_for_is_set_off_from_what_it_asks(question: str, rest: str) -> None:
    from assistant.lexical import without_purpose

    assert without_purpose(question) == rest


def test_the_field_a_question_is_for_takes_nothing_out_of_scope(bot: EvidenceAssistant) -> None:
    answer = bot.ask("For a pharmacology lecture on calcineurin inhibitors: what blood level "
                     "of tacrolimus were patients kept at in the Chinese trial?")  # fmt: skip
    assert answer.status == "answered" and "4-10" in answer.answer, answer.answer


def test_an_everyday_superlative_takes_nothing_out_of_scope(bot: EvidenceAssistant) -> None:
    from assistant.lexical import everyday_superlative

    assert everyday_superlative("commonest") and everyday_superlative("likeliest")
    assert not everyday_superlative("arrest") and not everyday_superlative("manifest")
    history = [{"role": "user", "content": "Serious adverse events in the Zheng trial?"}]
    answer = bot.ask("Which serious drug-related event was the commonest one, and how often "
                     "did it occur in each arm?", history)  # fmt: skip
    assert answer.status == "answered" and "8.9%" in answer.answer, answer.answer


def test_what_the_evidence_base_lacks_is_named_as_the_question_wrote_it(
    bot: EvidenceAssistant,
) -> None:
    answer = bot.ask("Should I add an SGLT2 inhibitor for a lupus nephritis patient?")
    assert answer.status == "no_evidence"
    assert answer.answer.startswith("Nothing in the evidence base mentions “SGLT2”.")


def test_a_care_setting_abbreviation_is_who_asks_not_what_is_asked(bot: EvidenceAssistant) -> None:
    # "MDT" (a multidisciplinary team meeting) names where the answer is going, not a topic
    # the evidence base would have to cover.
    answer = bot.ask("Zheng tacrolimus response was 88% at week 24 - OK for the MDT slide?")
    assert answer.status == "answered", answer.answer
    assert "83" in answer.answer


def test_an_inhibitor_class_in_pharmacology_shorthand_is_a_topic_the_evidence_lacks(
    bot: EvidenceAssistant,
) -> None:
    # "SGLT2i" (SGLT2 inhibitors): a code of letters and a digit with an inhibitor's "i"
    # names a drug class; the evidence base never mentions it.
    answer = bot.ask("SGLT2i in lupus nephritis - any trial figures?")
    assert answer.status == "no_evidence", answer.answer
    assert "SGLT2i" in answer.answer
