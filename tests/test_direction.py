"""A yes/no question claiming which of two groups had the higher figure, checked against the
sentence giving both (`assistant.direction`)."""

from __future__ import annotations

import pytest

from assistant import EvidenceAssistant
from assistant.direction import direction_verdict
from assistant.facts import extract_facts
from assistant.profile import Profile
from assistant.retrieve import GENERAL_SYNONYMS
from assistant.types import Passage

ARMS = Profile.model_validate(
    {"title": "t", "coverage": "c", "interventions": [{"name": "zanolimab"}, {"name": "placebo"}]}
).arms
DOSES = "At 10 years, death occurred in 11% of the low-dose arm versus 4% of the high-dose arm."
ARMS_TEXT = (
    "Serious adverse events occurred in 32.4% of the zanolimab arm versus 18.2% of the placebo arm."
)


def sentence(text: str) -> Passage:
    facts = [f.to_dict() for f in extract_facts(text)]
    meta = {"facts": facts}
    return Passage(id="x#s0", document_id="x", text=text, start=0, end=len(text), position=0,
                   metadata=meta)  # fmt: skip


@pytest.mark.parametrize(
    ("question", "text", "verdict"),
    [
        ("The low-dose arm had fewer deaths than the high-dose arm, right?", DOSES,
         "**No: the low-dose arm's figure is higher (11% vs 4% for the high-dose arm).**"),
        ("Were deaths lower in the high-dose arm than in the low-dose arm?", DOSES,
         "**Yes: the high-dose arm's figure is lower (4% vs 11% for the low-dose arm).**"),
        # the group after "than" found by the arm it names
        ("Did zanolimab cause more serious adverse events than placebo?", ARMS_TEXT,
         "**Yes: the zanolimab arm's figure is higher (32.4% vs 18.2% for the placebo arm).**"),
        # one group's figure called lower with no "than": set against the other group
        ("Why did fewer people die on the low-dose arm at ten years?", DOSES,
         "**No: the low-dose arm's figure is higher (11% vs 4% for the high-dose arm).**"),
    ],
)  # fmt: skip
def test_a_claimed_direction_is_answered_with_both_figures(
    question: str, text: str, verdict: str
) -> None:
    # (the search's synonyms tell the claim's "die" is the sentence's "death")
    assert direction_verdict(question, sentence(text), ARMS, GENERAL_SYNONYMS) == verdict


@pytest.mark.parametrize(
    ("question", "text"),
    [
        ("How many died in each arm?", DOSES),  # no direction claimed
        ("Fewer deaths than the medium-dose arm?", DOSES),  # a group the sentence lacks
        # a sentence with one group's figure only decides nothing
        ("Fewer deaths in the low-dose arm than the high-dose arm?", "Death occurred in 11%."),
        # a sentence about another outcome than the one claimed
        ("The low-dose arm had fewer renal flares than the high-dose arm, right?", DOSES),
    ],
)
def test_nothing_is_said_when_the_sentence_cannot_decide(question: str, text: str) -> None:
    assert direction_verdict(question, sentence(text), ARMS, GENERAL_SYNONYMS) is None


def test_a_why_question_is_corrected_only_when_its_claim_is_wrong(bot: EvidenceAssistant) -> None:
    wrong = bot.ask("Why did fewer people die on the low-dose arm of Euro-Lupus at ten years?")
    assert wrong.answer.startswith("**No: the low-dose arm's figure is higher"), wrong.answer
    # a claim the figures bear out is not answered "Yes" to a "why"
    right = bot.ask("Why did fewer people die on the high-dose arm of Euro-Lupus at ten years?")
    assert not right.answer.startswith("**Yes"), right.answer
