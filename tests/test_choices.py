"""Multiple-choice questions: the stem is asked, and the one option a cited quote states is
named (never a guess: with none or several stated, no option is named)."""

from __future__ import annotations

import pytest

from assistant import EvidenceAssistant
from assistant.choices import Choice, split_choices, stated_choice
from assistant.types import Citation


def test_the_stem_and_lettered_options_are_split() -> None:
    stem, options = split_choices("STAR used which dose? A) 3 mg/day  B) 23.7 mg twice daily  "
                                  "C) 4 mg/day")  # fmt: skip
    assert stem == "STAR used which dose?"
    assert options == (Choice("A", "3 mg/day"), Choice("B", "23.7 mg twice daily"),
                       Choice("C", "4 mg/day"))  # fmt: skip


@pytest.mark.parametrize(
    "question",
    ["What was the CR rate in class A. and B?",  # letters, not options
     "Dose? A) 3 mg B) 4 mg",  # two options only
     "Dose? A) 3 mg C) 4 mg D) 5 mg"],  # the letters do not run in order
)  # fmt: skip
def test_anything_else_is_no_multiple_choice_question(question: str) -> None:
    assert split_choices(question) == (question, ())


def _cited(*quotes: str) -> list[Citation]:
    return [Citation(id=f"d#s{n}", document="d", title="t", quote=q) for n, q in enumerate(quotes)]


def test_the_one_option_a_quote_states_is_named_with_that_quote() -> None:
    options = (Choice("A", "3 mg/day"), Choice("B", "23.7 mg twice daily"), Choice("C", "4 mg/day"))
    cited = _cited("STAR randomised 357 patients.", "The arm took 23.7 mg twice daily.")
    assert stated_choice(options, cited) == (Choice("B", "23.7 mg twice daily"), 2)
    # a figure alone is not enough: its words must be the quote's too
    assert stated_choice(options, _cited("After 3 years, 4 patients died.")) is None
    # two options stated: none is named
    both = _cited("Doses were 3 mg/day or 4 mg/day.")
    assert stated_choice(options, both) is None


def test_a_multiple_choice_question_names_the_option_the_evidence_states(
    bot: EvidenceAssistant,
) -> None:
    answer = bot.ask("Which dose of voclosporin was used in AURORA 1? A) 3 mg/day  "
                     "B) 23.7 mg twice daily  C) 4 mg/day  D) 0.06-0.1 mg/kg/day")  # fmt: skip
    line = answer.answer.splitlines()[0]
    assert line.startswith("**B) 23.7 mg twice daily** is the option the evidence states."), line
    n = int(line.rsplit("[", 1)[1].rstrip("]"))
    assert "23.7 mg twice daily" in answer.citations[n - 1].quote
    # the options' figures are candidates, not claims about the study
    assert "does not state the figure" not in answer.answer
    assert answer.question.endswith("0.06-0.1 mg/kg/day") and not answer.ungrounded_numbers
