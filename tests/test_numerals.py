"""Numbers a question writes as words, as voice typing gives them, are read as digits; the
answer says how it read them, and a count written alone as a word stays a word."""

from __future__ import annotations

import pytest

from assistant import EvidenceAssistant
from assistant.numerals import read_numbers, with_digits
from assistant.spelling import Correction


@pytest.mark.parametrize(
    ("said", "read"),
    [
        ("at ninety three percent", "at 93 percent"),
        ("two point three grams", "2.3 grams"),
        ("creatinine one eighty micromol", "creatinine 180 micromol"),  # read aloud in hundreds
        ("bmi twenty four twenty four hour protein", "bmi 24, 24 hour protein"),  # two numbers
        ("one hundred and ten", "110"),
        ("the two trials, six doses, ten years", "the two trials, six doses, ten years"),
        ("a third of patients", "a third of patients"),  # a fraction, not an ordinal
        ("one of the trials", "one of the trials"),
    ],
)
def test_numbers_said_in_words_are_read_as_digits(said: str, read: str) -> None:
    assert read_numbers(said)[0] == read


def test_each_reading_is_kept_as_typed_and_as_read() -> None:
    _, readings = read_numbers("what happened at week fifty two?")
    assert readings == (Correction("fifty two", "52"),)
    assert read_numbers("no number here") == ("no number here", ())


def test_a_patients_values_read_small_counts_as_digits_too() -> None:
    assert with_digits("protein four grams, ten days ago") == "protein 4 grams, 10 days ago"
    assert with_digits("one of the limits") == "one of the limits"


def test_a_dictated_week_finds_that_weeks_result(bot: EvidenceAssistant) -> None:
    answer = bot.ask(
        "in aurora one they gave voclosporin thirty nine point five milligrams twice a day "
        "right what did that dose achieve at week fifty two"
    )
    assert "40.8%" in answer.answer and "22.5%" in answer.answer, answer.answer
    note = "_Read numbers written in words (“thirty nine point five”, “fifty two”) as digits._"
    assert note in answer.answer  # named, not restated: 39.5 is the question's wrong dose
    assert not answer.ungrounded_numbers


def test_a_dictated_note_is_checked_with_its_values(bot: EvidenceAssistant) -> None:
    answer = bot.ask(
        "forty five year old woman class four lupus nephritis biopsy last month bmi twenty four "
        "twenty four hour protein two point three grams creatinine one eighty micromol would she "
        "have got into the zheng tacrolimus trial"
    )
    check = next(call for call in answer.tool_calls if "elig" in call.name)
    assert check.output["eligible"] is True, answer.answer
    assert "creatinine 180 µmol/L" in answer.answer


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("88 out of 100 people responded", "88% people responded"),
        ("5 in every 100 had an infection", "5% had an infection"),
        ("about 7 per hundred withdrew", "about 7% withdrew"),
        # a real group's count, a rate asked per 100, and an amount stay as written
        ("30 of 100 responded", "30 of 100 responded"),
        ("per 100 patients, how many fewer?", "per 100 patients, how many fewer?"),
        ("2 out of 100 mg", "2 out of 100 mg"),
    ],
)
def test_a_natural_frequency_is_read_as_the_percentage_it_is(typed: str, read: str) -> None:
    assert read_numbers(typed)[0] == read


def test_a_rate_told_to_a_patient_is_checked_against_the_study(bot: EvidenceAssistant) -> None:
    answer = bot.ask(
        "I told a patient that 88 out of 100 people on tacrolimus responded in the Zheng trial."
        " Is that the right figure to give her?"
    )
    lines = answer.answer.splitlines()
    assert lines[0] == "**The evidence base does not state the figure you give for Zheng 2022.**"
    assert "83.0%" in lines[1]  # the study's own result on its primary outcome, next
    assert answer.answer.rstrip().endswith("_Read a count out of a hundred as a percentage._")
    assert not answer.ungrounded_numbers


def test_a_rate_the_study_never_states_is_corrected_by_its_main_result_after_its_verdict(
    bot: EvidenceAssistant,
) -> None:
    answer = bot.ask(
        "So the Zheng trial showed tacrolimus is superior to IVCY, 83% vs 65% - correct?"
    )
    lines = answer.answer.splitlines()
    assert lines[0] == "**The evidence base does not state the figure you give for Zheng 2022.**"
    assert "non-inferior" in lines[1]  # the study's verdict on what the question claims
    assert "83.0%" in lines[2] and "75.0%" in lines[2]  # then its main result
