"""The optional LLM only words the answer; the verifier decides whether its words are used.

These tests are about the verifier and the fallback, so a fake chat model (LangChain's own)
stands in for a real one."""

from __future__ import annotations

from langchain_core.language_models.fake_chat_models import FakeListChatModel

from assistant import EvidenceAssistant
from assistant.llm import Phraser

QUESTION = "What was the complete or partial response rate with tacrolimus?"


def _ask_with(bot: EvidenceAssistant, reply: str) -> str:
    original = bot.phraser
    bot.phraser = Phraser(FakeListChatModel(responses=[reply]))
    try:
        return bot.ask(QUESTION).answer
    finally:
        bot.phraser = original


def test_a_grounded_cited_rephrasing_is_used(bot: EvidenceAssistant) -> None:
    reply = "In the interview, 83.0% of tacrolimus patients had a complete or partial response [1]."
    assert _ask_with(bot, reply) == reply


def test_an_invented_number_falls_back_to_the_deterministic_answer(bot: EvidenceAssistant) -> None:
    deterministic = bot.ask(QUESTION).answer
    assert _ask_with(bot, "Tacrolimus achieved a 97% response rate [1].") == deterministic


def test_a_citation_marker_to_nowhere_falls_back(bot: EvidenceAssistant) -> None:
    deterministic = bot.ask(QUESTION).answer
    assert _ask_with(bot, "The response rate was 83.0% [9].") == deterministic


def test_an_uncited_rephrasing_falls_back(bot: EvidenceAssistant) -> None:
    deterministic = bot.ask(QUESTION).answer
    assert _ask_with(bot, "The response rate was 83.0%.") == deterministic


def test_the_default_is_offline_and_deterministic(bot: EvidenceAssistant) -> None:
    assert bot.phraser is None
