"""A question's misspelt or shortened words are read as the evidence base's own words, and
the answer says so; words with a meaning of their own are left as typed."""

from __future__ import annotations

import pytest

from assistant import EvidenceAssistant
from assistant.spelling import Correction, Speller, apply

WORDS = Speller.of_texts([
    "Complete remission was reached with tacrolimus; methylprednisolone pulses came first.",
    "Responders and non-responders; nephrology and nephrotic syndrome; the response rate.",
    "Prednisone and prednisolone were tapered.",
])  # fmt: skip


def never_claimed(word: str) -> bool:
    return False


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("remision", "remission"),  # a letter dropped
        ("tacrolimas", "tacrolimus"),  # a letter changed
        ("respnose", "response"),  # two letters swapped
        ("methylpred", "methylprednisolone"),  # shortened: the one word it begins
        ("tacro", "tacrolimus"),
        ("nefrotic", "nephrotic"),  # spelt by ear: "f" for "ph" ...
        ("tacrolimous", "tacrolimus"),  # ... a sound's letter added
        ("methilprednisolon", "methylprednisolone"),  # ... "i" for "y", and a letter dropped
    ],
)
def test_a_misspelt_or_shortened_word_is_read_as_the_evidence_bases_word(
    typed: str, read: str
) -> None:
    assert WORDS.corrections(f"the {typed} rate?", never_claimed) == (Correction(typed, read),)


@pytest.mark.parametrize(
    "typed",
    [
        "nephro",  # begins two words (nephrology, nephrotic): which is meant is not known
        "prednisolne",  # one edit from prednisolone and from prednisone alike
        "remissions",  # ... a word English knows is never read as another
        "ivcy",  # short words are abbreviations more often than typos
        "rituximab",  # a drug the evidence base never names stays foreign
    ],
)
def test_a_word_is_left_alone_when_the_reading_is_not_one_word_or_not_needed(typed: str) -> None:
    assert WORDS.corrections(f"the {typed} rate?", never_claimed) == ()


def test_a_real_word_two_edits_from_another_is_not_read_as_it() -> None:
    # a field's own word that English word lists lack: inter- is not intra-
    speller = Speller({"intrafractional": 3, "cystoscopic": 2})
    assert speller.corrections("interfractional or cystoscopist?", never_claimed) == ()


def test_a_word_claimed_by_the_profile_or_a_study_name_is_not_read_again() -> None:
    assert WORDS.corrections("remision", lambda word: word == "remision") == ()


def test_the_corrections_replace_whole_words_only() -> None:
    text = apply("Remision or remisions, remision?", [Correction("Remision", "remission")])
    assert text == "remission or remisions, remission?"


def test_a_misspelt_question_is_answered_and_says_how_it_was_read(bot: EvidenceAssistant) -> None:
    typed = "complete remision only, tac vs cyc, numbers"
    answer = bot.ask(typed)
    assert answer.question == typed  # the question as typed, not as read
    assert "49.6%" in answer.citations[0].quote, answer.answer
    assert "_Read “remision” as “remission”._" in answer.answer


def test_an_earlier_turn_is_read_the_same_way(bot: EvidenceAssistant) -> None:
    history = [{"role": "user", "content": "oral pred regimen in the tacrolimas trial?"},
               {"role": "assistant", "content": "..."}]  # fmt: skip
    routed = bot.route("and the iv methylpred before that?", history)
    assert "tacrolimus" in routed.query and "methylprednisolone" in routed.query, routed.query
    assert routed.corrections == (Correction("methylpred", "methylprednisolone"),)


def test_turns_that_are_not_messages_are_read_past_not_crashed_on(bot: EvidenceAssistant) -> None:
    history = [
        ("a pair", "not a message"),
        "text",
        {"role": "user", "content": "complete remision?"},
    ]
    answer = bot.ask("and the tacrolimas arm?", history)  # type: ignore[arg-type]
    assert answer.status == "answered" and "49.6%" in answer.answer


def test_a_study_cited_as_author_and_year_run_together_is_read_as_its_name() -> None:
    from assistant.retrieve import StudyNames

    names = StudyNames({
        "smith2016": {"short_name": "Smith 2016", "year": 2016},
        "lee2009": {"short_name": "Lee 2009"},
        "lee2019": {"short_name": "Lee 2019"},
    })  # fmt: skip
    read, made = names.read_author_year("smith16 vs smith'16 vs Smith2016 dose?")
    assert read == "smith 2016 vs smith 2016 vs Smith 2016 dose?"  # the name as typed
    assert [c.typed for c in made] == ["smith16", "smith'16", "Smith2016"]
    # no such study, no such year, or two years it could be: left as typed
    assert names.read_author_year("covid19, smith17, lee09 or lee9")[1] == (
        Correction("lee09", "lee 2009"),
    )


def test_an_author_year_question_is_answered_and_says_how_it_was_read(
    bot: EvidenceAssistant,
) -> None:
    answer = bot.ask("mok16 tac dosing for a 70kg pt - mg/day range?")
    assert answer.status == "answered", answer.answer
    assert "4.2 to 7 mg/day" in answer.answer
    assert "_Read “mok16” as “mok 2016”._" in answer.answer
