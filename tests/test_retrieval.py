"""Hybrid retrieval finds the right sentence for questions worded unlike the text."""

from __future__ import annotations

import pytest
from reading import before_evidence

from assistant import EvidenceAssistant
from assistant.intent import STUDY_BY_ARMS
from assistant.retrieve import PassageTraits
from assistant.types import Passage

TOP_K = 5

# (question as a clinician might ask it, a fragment of a sentence that answers it; "a|b" means
# either: the interview and the trial's abstract record may both state the fact)
ARTICLE_QUESTIONS = [
    ("When did the study close?", "ended on September 13, 2018"),
    ("When was the first participant recruited?", "enrolled on March 10, 2015"),
    ("How many people underwent randomisation?", "314"),
    ("How long were patients followed up?", "follow-up period was 24 weeks|followed for 24 weeks"),
    ("When were the data analysed?", "December 2019 to March 2020"),
    ("What tacrolimus blood level was targeted?", "4-10ng/ml"),
    ("What BMI range could patients have to enter the trial?", "18.5-27 kg/m2"),
    ("What was the upper limit of serum creatinine for inclusion?", "≤260 μmol/L"),
    ("Which age group was eligible?", "aged 18 to 60"),
    ("What was the primary outcome measure?", "Primary endpoint"),
    ("How many of those randomised actually got treated?", "299 patients (95.2%)|analysed in 299"),
    ("What share of tacrolimus patients achieved complete or partial response?", "117/141"),
    ("How did disease activity scores change by week 24?", "SLEDAI score was -8.6"),
    ("How many serious adverse events happened on each arm?", "29 patients (18.5%)"),
    ("What was the commonest serious drug-related adverse event?", "infection (8.9% vs 16.2%)"),
    ("How many stopped treatment because of side effects?", "withdrew due to AEs"),
    ("What steroid pulse did both arms receive at the start?", "methylprednisolone pulse"),
    ("What was the maximum daily prednisone dose?", "maximum dose 45mg/d"),
    ("How was complete remission defined?", "Complete remission is defined"),
    ("How was partial remission defined?", "Partial remission was defined"),
    ("How did patients with membranous (class V) nephritis respond?", "68.4%"),
    ("What did the Hong Kong study find in class V?", "Hong Kong"),
    ("What complete remission rate did tacrolimus reach?", "49.6%"),
    ("What are the toxicities of cyclophosphamide?", "ovarian toxicity"),
    ("Was the trial blinded?", "open-label"),
    ("Was the tacrolimus trial masked?", "open-label"),  # masking: CONSORT's other word
    ("Did the tacrolimus trial blind patients and doctors to treatment?", "open-label"),
    ("how many hospitals took part in the tacrolimus trial", "35 centres"),
    ("Why might the results not apply to Western patients?", "non-Asian"),
    ("How does tacrolimus protect podocytes?", "podocytes"),
    ("What did the Japanese placebo-controlled study show?", "Japan"),
    ("How long does maintenance therapy usually last?", "3 to 5 years"),
    ("Did creatinine rise during the study?", "did not exceed 15% of baseline"),
    ("Which histological classes were included?", "III, IV, V, III+V"),
]


@pytest.mark.parametrize(("question", "fragment"), ARTICLE_QUESTIONS)
def test_right_sentence_is_in_the_top_hits(
    bot: EvidenceAssistant, question: str, fragment: str
) -> None:
    hits = bot.search.search(question, TOP_K).passages
    alternatives = fragment.split("|")
    assert any(alt in p.text for p in hits for alt in alternatives), [p.text[:80] for p in hits]


def test_a_study_names_words_are_not_expanded_as_topic_words(bot: EvidenceAssistant) -> None:
    """The "LN" of "BLISS-LN" names the study: expanded to "lupus nephritis" it ranked a
    post-hoc sentence about kidney response in lupus nephritis above the result asked for."""
    hits = bot.search.search("complete renal response in BLISS-LN?", TOP_K).passages
    assert "complete renal response at week 104 was 30%" in hits[0].text, hits[0].text


def test_the_retriever_is_a_langchain_retriever(bot: EvidenceAssistant) -> None:
    from langchain_core.retrievers import BaseRetriever

    retriever = bot.retriever(k=3)
    assert isinstance(retriever, BaseRetriever)
    docs = retriever.invoke("When did the study close?")
    assert len(docs) == 3
    assert any("September 13, 2018" in d.page_content for d in docs)
    assert all(d.metadata["passage_id"].startswith(d.metadata["doc_id"]) for d in docs)


def test_scores_are_cosine_similarities(bot: EvidenceAssistant) -> None:
    result = bot.search.search("tacrolimus response rate at week 24", TOP_K)
    assert 0.3 < result.best_similarity <= 1.0
    assert len(result.passages) == TOP_K


def test_kidney_failure_finds_end_stage_renal_disease(bot: EvidenceAssistant) -> None:
    """ "Kidney failure" is end-stage kidney disease, a phrase of the general synonyms (the
    single word "failure" is not: heart failure is another disease)."""
    question = "What proportion of lupus nephritis patients progress to kidney failure?"
    hits = bot.search.search(question, TOP_K).passages
    assert any("70%" in p.text for p in hits), [p.text[:80] for p in hits]


def test_a_verb_of_responding_finds_the_response_rate(bot: EvidenceAssistant) -> None:
    history = [{"role": "user", "content": "What share of patients on tacrolimus responded at "
                "24 weeks in the Chinese lupus kidney trial?"}]  # fmt: skip
    answer = bot.ask("And for the people on cyclophosphamide?", history=history)
    assert "75.0%" in before_evidence(answer), answer.answer


def test_per_index_state_values_are_forgotten_with_the_state_and_at_the_limit() -> None:
    from assistant.retrieve import PerIndexState

    computed: list[str] = []

    def value(key: str) -> str:
        computed.append(key)
        return key.upper()

    cache: PerIndexState[str] = PerIndexState(limit=2)
    first, second = object(), object()
    assert [cache.get(first, k, lambda k=k: value(k)) for k in ("a", "a", "b")] == ["A", "A", "B"]
    assert computed == ["a", "b"]  # a value is computed once per state
    cache.get(second, "a", lambda: value("a"))  # a new index state: computed again
    cache.get(second, "b", lambda: value("b"))
    cache.get(second, "c", lambda: value("c"))  # over the limit: emptied, then filled again
    cache.get(second, "a", lambda: value("a"))
    assert computed == ["a", "b", "a", "b", "c", "a"]


@pytest.mark.parametrize(
    ("text", "short_name", "dates"),
    [
        ("In the Zheng 2022 trial, 83% of the tacrolimus group responded.", "Zheng 2022", False),
        ("In ALMS (Appel 2009), 56.2% responded to mycophenolate.", "ALMS (Appel 2009)", False),
        ("The Zheng 2022 trial enrolled its first patient in March 2015.", "Zheng 2022", True),
    ],
)
def test_a_studys_own_author_year_is_not_a_date_it_gives(
    text: str, short_name: str, dates: bool
) -> None:
    passage = Passage(
        id="d#s0", document_id="d", text=text, start=0, end=len(text), position=0,
        metadata={"short_name": short_name},
    )  # fmt: skip
    assert ("date" in PassageTraits.of(passage).looks) is dates


@pytest.mark.parametrize(
    ("question", "left"),
    [
        ("When did the tacrolimus versus IVCY study start?", "When did   start?"),
        (
            "Which classes did the trial comparing tacrolimus with cyclophosphamide allow?",
            "Which classes did the   allow?",
        ),
        ("Was tacrolimus better than IVCY?", "Was tacrolimus better than IVCY?"),
        # arms joined by hyphens, and a third word before "trial"
        ("How many sites ran the drug-vs-IV comparator LN trial?", "How many sites ran  ?"),
        # ... or the arm named in two words and the disease in two more
        (
            "What dose was given in the drug-A vs IV drug-B kidney disease study?",
            "What dose was given in  ?",
        ),
    ],
)
def test_a_study_named_by_its_arms_is_taken_out_of_the_lexical_query(
    question: str, left: str
) -> None:
    assert STUDY_BY_ARMS.sub(" ", question) == left


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("JAMA Netw Open.", True),  # a journal's name
        ("2022 Mar 1;5(3):e224492.", True),  # a date line
        ("Results", True),  # a heading
        ("References: [1] Smith J, Jones K, Lee M, Park S, Chen X, Brown A.", True),  # authors
        ("No deaths occurred.", False),  # short, but a sentence
        ("Tacrolimus 4 mg.", False),
    ],
)
def test_a_heading_or_bibliographic_line_is_never_a_passage_found(
    text: str, fragment: bool
) -> None:
    passage = Passage(id="x#s0", document_id="x", text=text, position=0, start=0, end=len(text))
    assert PassageTraits.of(passage).fragment is fragment


def test_a_journal_named_in_the_question_does_not_bring_its_bibliographic_line(
    bot: EvidenceAssistant,
) -> None:
    hits = bot.search.search("Primary outcome of the Zheng JAMA Netw Open trial?", 20).passages
    assert hits and not any(PassageTraits.of(p).fragment for p in hits)


@pytest.mark.parametrize("word", ["fall", "fell", "rise", "rose", "move", "moved"])
def test_a_value_that_fell_rose_or_moved_is_searched_as_a_change(word: str) -> None:
    from assistant.retrieve import expand_query

    expanded = expand_query(f"How much did the score {word} in each arm?")
    assert expanded.split()[-1] == "change"


@pytest.mark.parametrize(
    "question",
    ["Who quit because of side effects?", "Dropouts per arm?", "Did many come off treatment?"],
)
def test_leaving_a_trial_in_lay_words_is_searched_as_withdrawal(question: str) -> None:
    from assistant.retrieve import expand_query

    assert "withdrew" in expand_query(question).split()


@pytest.mark.parametrize("word", ["watched", "tracked"])
def test_how_long_patients_were_watched_is_searched_as_follow_up(word: str) -> None:
    from assistant.retrieve import expand_query

    assert "follow-up" in expand_query(f"How long were people {word} for?").split()


@pytest.mark.parametrize("wish", ["hoping to have a baby", "is having a baby next year"])
def test_a_wish_for_a_baby_is_searched_as_fertility(wish: str) -> None:
    from assistant.retrieve import expand_query

    assert "ovarian" in expand_query(f"She is 29 and {wish}: which drug?").split()


def test_a_treatment_asked_for_a_patient_leads_with_the_concern_she_states(
    bot: EvidenceAssistant,
) -> None:
    # "wants children" is what the choice turns on: the sentence on ovarian failure is cited
    # before the trial's design sentences, and no drug is picked for her.
    answer = bot.ask(
        "My patient Mrs Wang, 27 years, class IV lupus nephritis, she wants children later. "
        "You decide please: tacrolimus or cyclophosphamide?"
    )
    assert answer.status == "answered"
    assert any("ovarian" in c.quote for c in answer.citations[:2]), answer.answer
    assert "does not give treatment advice" in answer.answer


def test_the_first_ask_of_several_gets_a_sentence_with_its_kind_of_figure(
    bot: EvidenceAssistant,
) -> None:
    # The whole question leads with the response sentences (the later ask); the first ask
    # wants a dose, which neither of the two best gives, so the one giving it is stated too.
    answer = bot.ask(
        "What dose of belimumab was given in BLISS-LN and what was the primary efficacy renal "
        "response in each arm?"
    )
    assert "10 mg/kg" in before_evidence(answer), answer.answer
    assert "43%" in before_evidence(answer)


def test_a_first_ask_for_a_study_size_gets_the_sentence_with_its_verb(
    bot: EvidenceAssistant,
) -> None:
    # "how many were randomised" asks for a count of randomised patients: the sentence saying
    # how many the study randomised is stated beside the two the later asks chose.
    answer = bot.ask(
        "AURORA 1 voclosporin: how many were randomised, was it blinded, and what was the "
        "week-52 complete renal response in each arm?"
    )
    stated = before_evidence(answer)
    assert "357" in stated, answer.answer
    assert "40.8%" in stated and "double-blind" in stated


def test_a_later_part_pointing_back_is_searched_with_what_it_points_at(
    bot: EvidenceAssistant,
) -> None:
    from assistant.retrieve import _resolved_parts

    question = "Explain the STAR schedule and what followed it."
    assert _resolved_parts(question, ("what followed it",)) == (
        "what followed it Explain the STAR schedule and ",
    )
    # a possessive or a subject pronoun is not what the part asks about
    possessive = ("what was its primary endpoint",)
    assert _resolved_parts("X, and what was its primary endpoint?", possessive) == possessive
    answer = bot.ask("Explain the Euro-Lupus low-dose cyclophosphamide schedule and what "
                     "followed it.")  # fmt: skip
    assert "azathioprine" in before_evidence(answer), answer.answer


def test_a_wish_for_children_finds_what_the_evidence_says_of_ovarian_toxicity(
    bot: EvidenceAssistant,
) -> None:
    answer = bot.ask(
        "Could the drip chemo affect a young woman's chances of having children later, and "
        "what did the Zheng interview say about tacrolimus on that?"
    )
    assert "ovarian" in before_evidence(answer), answer.answer


def test_a_funding_question_finds_who_sponsored_the_study(bot: EvidenceAssistant) -> None:
    hits = bot.search.search("Funding source: ALMS induction trial (Appel 2009)", 2).passages
    assert any("sponsored by" in p.text for p in hits), [p.text[:80] for p in hits]


@pytest.mark.parametrize(
    "asked", ["did the doctors know which drug each patient got?", "was the drug kept hidden?"]
)
def test_who_knew_which_treatment_is_searched_as_blinding(asked: str) -> None:
    from assistant.retrieve import expand_query

    assert "open-label" in expand_query(asked).split()


def test_a_lay_question_on_blinding_finds_the_design(bot: EvidenceAssistant) -> None:
    answer = bot.ask("In the Zheng trial, did patients and doctors know which drug they were "
                     "getting, or was it kept hidden?")  # fmt: skip
    assert "open-label" in before_evidence(answer), answer.answer


@pytest.mark.parametrize("asked", ["and what followed it?", "and what came after?"])
def test_what_came_next_is_searched_as_a_sequence_of_treatments(asked: str) -> None:
    from assistant.retrieve import expand_query

    assert expand_query(f"Drug A schedule {asked}").endswith("followed by maintenance")
    # a phrase is matched whole: "came" alone, or the words apart, add nothing
    assert expand_query("when it came to doses, after which week?") == (
        "when it came to doses, after which week?"
    )


def test_a_fall_asked_for_finds_the_sentence_reporting_the_change(bot: EvidenceAssistant) -> None:
    answer = bot.ask("By how much did SLEDAI fall in each arm of the Zheng trial?")
    assert "-8.6" in before_evidence(answer), answer.answer


@pytest.mark.parametrize(
    "question",
    [
        "Zheng 2022 PP set: what minimum follow-up and pill compliance did a pt need?",
        "On the histology subgroups of Zheng 2022: where did tacro not come out ahead?",
    ],
)
def test_a_lay_or_clinical_word_for_what_the_evidence_names_is_not_foreign(
    bot: EvidenceAssistant, question: str
) -> None:
    # "pill" is a tablet and "histology" the pathology the evidence names: in scope.
    assert bot.ask(question).status == "answered"


def test_a_response_abbreviation_of_the_profile_finds_the_spelled_out_result(
    bot: EvidenceAssistant,
) -> None:
    # The records write "complete renal response"; the profile says CRR stands for it.
    answer = bot.ask("CRR in the Mok tacrolimus vs MMF induction trial?")
    assert "62%" in answer.answer.split("\n")[0], answer.answer


def test_a_studys_main_result_answers_only_a_comparison_of_its_own_arms(
    bot: EvidenceAssistant,
) -> None:
    # Lee 2020 compared drug A with placebo on an activity index: its main result does not
    # answer "did A do better than B?", and does not push out the sentence that does.
    answer = bot.ask("Did proteinuria come down quicker on tac than on cyc?")
    stated = before_evidence(answer)
    assert "decreased more rapidly in the tacrolimus group" in stated, answer.answer
    assert "LNDAI" not in stated, answer.answer


@pytest.mark.parametrize(
    ("text", "weeks"),
    [
        ("flares over the ~5 yr follow up?", (260.9,)),
        ("after a mean follow-up of 60.8 ± 26 months", (264.4,)),
        ("at week 24", (24.0,)),
        ("CRR at 6 mo", (26.1,)),
        ("a 10-year follow-up", (521.8,)),
        ("wk24", (24.0,)),
        # numbers in words
        ("over the roughly five-year follow-up", (260.9,)),
        ("after twenty-four weeks", (24.0,)),
        ("after three years", (156.5,)),
        # ages are not times
        ("a thirty-year-old woman", ()),
        ("patients aged 18 to 60 years", ()),
        ("a 40 years old woman", ()),
    ],
)
def test_times_are_read_in_any_unit_as_weeks(text: str, weeks: tuple[float, ...]) -> None:
    from assistant.retrieve import durations_in

    assert tuple(round(w, 1) for w in durations_in(text)) == weeks


def test_a_time_asked_in_years_finds_the_sentence_stating_it_in_months(
    bot: EvidenceAssistant,
) -> None:
    # "~5 years" is Lee 2020's "mean follow-up of 60.8 months", not its 10-year follow-up
    answer = bot.ask(
        "ok and flares over the ~5 yr follow up?",
        history=[
            {"role": "user", "content": "Mok 2016 tac vs MMF - CRR at 6 mo?"},
            {"role": "assistant", "content": "Complete renal response was 62% vs 59%."},
        ],
    )
    assert "60.8" in answer.citations[0].quote, answer.answer


def test_a_sentence_naming_the_aspect_asked_about_leads(bot: EvidenceAssistant) -> None:
    # "shortcomings": the sentence saying "the limitations of this study are ...", from
    # either document about the trial (its record or the interview), not a screening count
    answer = bot.ask("What shortcomings of the trial did the first author acknowledge?")
    assert "limitations of this study" in answer.citations[0].quote, answer.answer


def test_a_sentence_announcing_a_list_brings_its_items(bot: EvidenceAssistant) -> None:
    # "... reflected in the following aspects: ..." is followed by the items, one a sentence
    answer = bot.ask("What were the limitations of the Zheng trial?")
    quotes = [c.quote for c in answer.citations]
    assert any("following aspects" in q for q in quotes), answer.answer
    assert any("only 24 weeks" in q for q in quotes), answer.answer


@pytest.mark.parametrize(
    ("word", "expanded"),
    [("pbo", "placebo"), ("endpt", "endpoint"), ("f/u", "follow-up"), ("d/t", "due to"),
     ("infx", "infection")],
)  # fmt: skip
def test_chart_shorthand_is_searched_in_the_words_papers_use(word: str, expanded: str) -> None:
    from assistant.retrieve import expand_query

    assert expanded in expand_query(f"primary {word} in the trial?").split(" ", 4)[-1]


def test_a_sentence_giving_the_measure_asked_about_ranks_among_the_first(
    bot: EvidenceAssistant,
) -> None:
    # "and partial?" after the complete response: the sentence giving the partial response
    # rate (beside other measures) is stated, not only the combined "complete or partial" one
    answer = bot.ask(
        "and partial?",
        history=[
            {"role": "user", "content": "CR rate on tac in zheng at 24 wks?"},
            {"role": "assistant", "content": "The complete remission rate was 49.6%."},
        ],
    )
    assert "33.3%" in before_evidence(answer), answer.answer


@pytest.mark.parametrize(
    ("text", "counts"),
    [
        ("Seven patients in each group withdrew due to AEs.", True),  # spelled out, first word
        ("Two deaths occurred in the control arm.", True),
        ("The two groups were treated alike.", False),  # a number word counting no people
    ],
)
def test_people_counted_in_words_are_a_figure(text: str, counts: bool) -> None:
    passage = Passage(id="d#s0", document_id="d", text=text, start=0, end=len(text), position=0)
    traits = PassageTraits.of(passage)
    assert traits.figures is counts and ("count" in traits.looks) is counts


@pytest.mark.parametrize(
    ("question", "searched"),
    [
        ("withdrawals for adverse events?", "aes"),  # the abbreviation papers define once
        # "what they switched to afterwards": papers write "A was followed by B"
        ("and what they switched to afterwards?", "followed"),
    ],
)
def test_a_question_is_also_searched_in_the_words_papers_use(question: str, searched: str) -> None:
    from assistant.retrieve import expand_query

    assert searched in expand_query(question).split()


def test_a_studys_own_report_states_its_verdict_before_an_interview(
    bot: EvidenceAssistant,
) -> None:
    # "proved superior?": the trial record's verdict leads, not the interview's retelling
    answer = bot.ask("So the Zheng trial proved tacrolimus superior to IVCY, correct?")
    first = answer.citations[0]
    assert first.document == "zheng2022", answer.answer
    assert "non-inferior" in first.quote, answer.answer


@pytest.mark.parametrize(
    ("question", "verdict_first"),
    [
        # a superiority claim in plain words asks for the study's verdict
        ("Zheng's trial proved tacrolimus is more effective than IVCY, didn't it?", True),
        # ... but not for a subgroup: the verdict is on all the trial's patients
        ("was tac better than IVCY in class V pts in Zheng? any subgroup numbers?", False),
    ],
)
def test_a_verdict_asked_in_plain_words_leads_unless_a_subgroup_is_asked(
    bot: EvidenceAssistant, question: str, verdict_first: bool
) -> None:
    answer = bot.ask(question)
    assert ("statistically non-inferior" in answer.citations[0].quote) is verdict_first, (
        answer.answer
    )


@pytest.mark.parametrize(
    ("text", "dose"),
    [
        ("The active arm took oral drug A 23.7 mg twice daily.", True),
        ("Drug B was given at 10 mg/kg.", True),
        ("Time to a protein:creatinine ratio of 0.5 mg/mg or less was shorter.", False),  # ratio
        ("Albumin rose to 3.5 g/dL.", False),  # a concentration
    ],
)
def test_a_dose_looks_like_an_amount_of_drug_not_a_ratio(text: str, dose: bool) -> None:
    passage = Passage(id="d#s0", document_id="d", text=text, start=0, end=len(text), position=0)
    assert ("dose" in PassageTraits.of(passage).looks) is dose


def test_an_arm_written_with_a_hyphen_is_called_an_arm(bot: EvidenceAssistant) -> None:
    # "the placebo-arm response rate": a trial with no placebo arm is corrected
    answer = bot.ask("What was the placebo-arm response rate in the Zheng tacrolimus trial?")
    assert answer.answer.startswith("**Zheng 2022 had no placebo arm"), answer.answer


def test_a_sentence_naming_another_study_ranks_below_the_study_asked_about(
    bot: EvidenceAssistant,
) -> None:
    # "The Liu 2015 authors named the follow-up of only 24 weeks as a limitation" is about
    # another trial than the one the question names
    answer = bot.ask(
        "For the critical-appraisal slide: what weaknesses of the Zheng tacrolimus trial did "
        "the first author himself acknowledge?"
    )
    assert all(c.document.startswith("zheng2022") for c in answer.citations), answer.answer


def test_a_follow_up_is_answered_by_the_sentence_using_the_rare_word_it_adds(
    bot: EvidenceAssistant,
) -> None:
    # "continuation" is what the second turn adds to the first: its sentence is cited
    history = [{"role": "user", "content": "AURORA 1 complete renal response at one year?"}]
    answer = bot.ask("what had happened by three years in the continuation study", history)
    assert any("AURORA 2 continuation" in c.quote for c in answer.citations), answer.answer


@pytest.mark.parametrize(
    ("text", "named", "not_named"),
    [
        ("Caveats for the X trial: the non-inferiority margin could not be confirmed from the "
         "sources available to us.", {"margin"}, {"sourc"}),
        ("A summary grades the options as 1B, but this grade could not be confirmed from the "
         "guideline text.", {"grade"}, {"summari", "guidelin"}),
    ],
)  # fmt: skip
def test_a_caveat_names_what_it_says_could_not_be_confirmed(
    text: str, named: set[str], not_named: set[str]
) -> None:
    passage = Passage(id="x#s0", document_id="x", text=text, start=0, end=len(text), position=0)
    traits = PassageTraits.of(passage)
    assert named <= traits.unconfirmed
    assert not not_named & traits.unconfirmed


def test_a_caveat_answers_a_question_about_what_only_it_names(bot: EvidenceAssistant) -> None:
    # No sentence gives the trial's non-inferiority margin: the evidence base does not state
    # it (no_evidence), and the sentence saying it could not be confirmed is the reason given.
    answer = bot.ask("What non-inferiority margin did the tac vs cyc trial use?")
    assert answer.status == "no_evidence", answer.answer
    assert answer.answer.startswith("**The evidence base does not state this for Zheng 2022.**")
    assert [c.quote for c in answer.citations] == [
        "Caveats for the Zheng 2022 trial: the non-inferiority margin could not be confirmed "
        "from the sources available to us, and this record states none."
    ]
    assert answer.ungrounded_numbers == []


def test_a_common_outcome_a_study_names_only_in_caveats_is_not_stated(
    bot: EvidenceAssistant,
) -> None:
    # "Treatment failure" is common across the evidence base, but Euro-Lupus names it only
    # where it says its rates could not be confirmed: that is the answer, not its deaths.
    answer = bot.ask("What were the treatment failure rates in each arm of the Euro-Lupus trial?")
    assert answer.status == "no_evidence", answer.answer
    assert answer.answer.startswith("**The evidence base does not state this for Euro-Lupus")
    assert "could not be confirmed" in answer.citations[0].quote
    # A question on what it does state is answered from it.
    deaths = bot.ask("What were the death rates at 10 years in Euro-Lupus?")
    assert deaths.status == "answered"
    assert "11%" in before_evidence(deaths)
    # An interviewer's turn ("a common cause of death in ...") reports nothing of the study:
    # the Zheng trial names deaths only where it says they could not be confirmed.
    zheng = bot.ask("What were the death rates in each arm of the Zheng trial?")
    assert zheng.status == "no_evidence", zheng.answer
    assert (
        "deaths" in zheng.citations[0].quote
        and "could not be confirmed" in zheng.citations[0].quote
    )


def test_figures_claimed_for_an_outcome_named_only_in_caveats_are_not_stated(
    bot: EvidenceAssistant,
) -> None:
    # The words beside the claimed figures name the outcome; the study says only that its
    # rates could not be confirmed, so that sentence answers, with no figure of another outcome.
    answer = bot.ask(
        "I think the Euro-Lupus low-dose arm had a 71% renal remission rate versus 54% with "
        "high dose, could you confirm the per-arm figures?"
    )
    assert answer.status == "no_evidence", answer.answer
    assert answer.answer.startswith("**The evidence base does not state the figure you give")
    assert [c.id for c in answer.citations] == ["houssiau2002#s8"]
    assert not any(figure in answer.answer for figure in ("71%", "54%", "11%"))
    # A wrong figure for an outcome it states is corrected from its sentence, as before.
    deaths = bot.ask("Euro-Lupus: death at 10 years was 12% low-dose vs 4% high-dose, correct?")
    assert deaths.status == "answered"
    assert "11%" in before_evidence(deaths)


@pytest.mark.parametrize(
    "text",
    [
        "The quoted rates are left out because they could not be checked against the paper.",
        "The rates have not been checked against the paper.",
    ],
)
def test_could_not_be_checked_is_a_caveat(text: str) -> None:
    passage = Passage(id="x#s0", document_id="x", text=text, start=0, end=len(text), position=0)
    traits = PassageTraits.of(passage)
    assert traits.caveat
    assert "rate" in traits.unconfirmed


def test_a_caveat_is_not_the_whole_answer_to_a_question_asking_more(
    bot: EvidenceAssistant,
) -> None:
    # Asked beside something the record does state (the confidence interval), the caveat is
    # one of the sentences of an answer.
    answer = bot.ask(
        "what non inferiority margin did the zheng investigators prespecify and what was the "
        "confidence interval of the difference?"
    )
    assert answer.status == "answered", answer.answer


def test_a_caveat_does_not_answer_what_another_sentence_states(bot: EvidenceAssistant) -> None:
    # The record cannot confirm the SLEDAI change; the interview states it, and leads.
    answer = bot.ask("How much did the SLEDAI score fall by week 24 in each arm of the trial?")
    assert "-8.6" in answer.citations[0].quote, answer.answer


def test_a_sentence_of_another_studys_report_does_not_answer_for_the_study_named(
    bot: EvidenceAssistant,
) -> None:
    # "Seven patients in each group withdrew due to AEs" is the interview's trial, not ALMS:
    # it names no study, but its document reports another one.
    answer = bot.ask("how many pts withdrew b/c of AEs in ALMS?")
    assert answer.citations and all(c.document == "appel2009" for c in answer.citations), (
        answer.answer
    )


def test_a_verb_of_dying_finds_the_deaths_its_noun_reports(bot: EvidenceAssistant) -> None:
    # No stemmer joins "die" and "death": the question's verb is searched with the noun the
    # records report, and the false premise (fewer deaths on the low dose) is answered No.
    answer = bot.ask("Why did fewer patients die with the low-dose regimen after ten years?")
    assert before_evidence(answer).startswith("**No"), answer.answer
    assert "death occurred in 11%" in answer.citations[0].quote
