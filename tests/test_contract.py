"""The public contract of DESIGN.md: `ask()`, `Answer.to_dict()` and the CLI's JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant import EvidenceAssistant, Settings

PROJECT = Path(__file__).resolve().parent.parent
TOP_LEVEL_KEYS = {"question", "answer", "status", "citations", "tool_calls",
                  "ungrounded_numbers", "timings_ms"}  # fmt: skip


def assert_contract(data: dict) -> None:
    assert set(data) == TOP_LEVEL_KEYS
    assert isinstance(data["question"], str) and isinstance(data["answer"], str)
    assert data["status"] in {"answered", "no_evidence", "invalid_input"}
    for cite in data["citations"]:
        assert set(cite) == {"id", "document", "title", "quote"}
        assert all(isinstance(v, str) and v for v in cite.values())
    for call in data["tool_calls"]:
        assert set(call) == {"name", "inputs", "output", "text"}
        assert isinstance(call["inputs"], dict) and isinstance(call["output"], dict)
    assert data["ungrounded_numbers"] == []
    assert set(data["timings_ms"]) == {"retrieve", "tools", "compose", "total"}
    assert all(isinstance(v, float) for v in data["timings_ms"].values())
    json.dumps(data)  # serialisable as is


def test_an_answer_matches_the_contract_and_quotes_its_sources(bot: EvidenceAssistant) -> None:
    answer = bot.ask("What was the complete or partial response rate with tacrolimus?")
    data = answer.to_dict()
    assert_contract(data)
    assert data["status"] == "answered"
    assert "[1]" in data["answer"]
    passages = bot.index.passages()
    for cite in data["citations"]:
        assert cite["quote"] == passages[cite["id"]].text  # an exact sentence of the source
        assert cite["id"].startswith(cite["document"] + "#s")
    assert any("117/141" in c["quote"] for c in data["citations"])


def test_history_in_gradio_messages_format_is_accepted(bot: EvidenceAssistant) -> None:
    history = [
        {"role": "user", "content": "What was the complete remission rate with tacrolimus?"},
        {"role": "assistant", "content": "49.6% [1]"},
    ]
    data = bot.ask("and with cyclophosphamide?", history=history).to_dict()
    assert_contract(data)
    assert data["status"] == "answered"


@pytest.mark.parametrize(
    "question",
    [
        "What is the capital of France?",
        "How do I bake sourdough bread?",
        "Which football team won the 1998 World Cup?",
    ],
)
def test_out_of_scope_questions_get_no_evidence(bot: EvidenceAssistant, question: str) -> None:
    data = bot.ask(question).to_dict()
    assert_contract(data)
    assert data["status"] == "no_evidence"
    assert data["citations"] == []
    assert "does not cover" in data["answer"]


@pytest.mark.parametrize("question", ["", "   \n\t ", "x" * 2001, None, 42, "1234 5678"])
def test_invalid_input_gets_a_clear_message(bot: EvidenceAssistant, question: object) -> None:
    data = bot.ask(question).to_dict()
    assert_contract(data)
    assert data["status"] == "invalid_input"
    assert data["answer"].startswith("Please") or "limit" in data["answer"]


def test_a_question_of_exactly_the_limit_is_accepted(bot: EvidenceAssistant) -> None:
    question = ("What was the tacrolimus response rate? " * 60)[:2000]
    assert bot.ask(question).status != "invalid_input"


@pytest.mark.slow
def test_cli_json_prints_the_same_contract(settings: Settings, bot: EvidenceAssistant) -> None:
    env = {**os.environ, "EA_INDEX_DIR": str(settings.index_dir)}
    env.pop("CHROMA_HOST", None)
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "ask", "--json", "When did the study close?"],
        capture_output=True, text=True, cwd=PROJECT, env=env, timeout=180, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert_contract(data)
    assert any("September 13, 2018" in c["quote"] for c in data["citations"])


@pytest.mark.slow
def test_cli_readable_output_and_ingest(settings: Settings, bot: EvidenceAssistant) -> None:
    env = {**os.environ, "EA_INDEX_DIR": str(settings.index_dir)}
    env.pop("CHROMA_HOST", None)
    ingest = subprocess.run(
        [sys.executable, "-m", "assistant", "ingest"],
        capture_output=True, text=True, cwd=PROJECT, env=env, timeout=180, check=False,
    )  # fmt: skip
    assert ingest.returncode == 0, ingest.stderr
    assert "no embedding work done" in ingest.stdout
    ask = subprocess.run(
        [sys.executable, "-m", "assistant", "ask", "What was the maximum prednisone dose?"],
        capture_output=True, text=True, cwd=PROJECT, env=env, timeout=180, check=False,
    )  # fmt: skip
    assert ask.returncode == 0
    assert "45mg/d" in ask.stdout and "Sources:" in ask.stdout


def test_settings_take_a_path_as_text_and_name_a_bad_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert Settings.from_env(index_dir="/tmp/some-index").index_dir == Path("/tmp/some-index")
    monkeypatch.setenv("EA_TOP_K", "six")
    with pytest.raises(ValueError, match=r"EA_TOP_K='six': expected a whole number"):
        Settings.from_env()
