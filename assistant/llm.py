"""Optional generative phrasing behind one small interface (none by default).

A LangChain chat model may rephrase the deterministic answer from the same cited passages and
tool results. Its text is only used if it passes the same checks as ours: every number is
grounded in a cited quote or a tool call, every [n] marker points at a real citation, and at
least one is present. Otherwise the deterministic answer stands. The default stays offline.
"""

from __future__ import annotations

import re
from typing import Any

from .config import Settings
from .types import Citation, ToolCall
from .verify import GroundingPool, ungrounded

PROMPT = """You rephrase an evidence summary for a clinician. Rules:
- Use only the numbered quotes and calculations below; add no number of your own.
- Cite every statement with its [n] marker. Say who said it (interview or study record).
- Two to four sentences. No treatment advice.

Question: {question}

Quotes:
{quotes}

Calculations:
{calculations}

Current answer (correct, but you may phrase it better):
{draft}
"""

_MARKER = re.compile(r"\[(\d+)\]")


class Phraser:
    """Wraps a LangChain chat model; `phrase` returns checked text or None (use the draft)."""

    def __init__(self, model: Any) -> None:
        self.model = model

    def phrase(
        self,
        question: str,
        draft: str,
        citations: list[Citation],
        calls: list[ToolCall],
        pool: GroundingPool,
    ) -> str | None:
        prompt = PROMPT.format(
            question=question,
            quotes="\n".join(f"[{n}] {c.quote}" for n, c in enumerate(citations, 1)) or "-",
            calculations="\n".join(f"- {c.text}" for c in calls) or "-",
            draft=draft,
        )
        try:
            reply = self.model.invoke(prompt)
        except Exception:  # a backend that is down must not break the answer
            return None
        text = str(getattr(reply, "content", reply)).strip()
        return text if acceptable(text, len(citations), pool) else None


def acceptable(text: str, citation_count: int, pool: GroundingPool) -> bool:
    """Grounded numbers only, and markers that point at real citations."""
    markers = [int(m) for m in _MARKER.findall(text)]
    if not text or (citation_count and not markers):
        return False
    if any(not 1 <= m <= citation_count for m in markers):
        return False
    return not ungrounded(text, pool)


def phraser_from_settings(settings: Settings) -> Phraser | None:
    """`EA_LLM_BACKEND=ollama|openai` (with EA_LLM_MODEL, EA_LLM_BASE_URL); default none."""
    backend = settings.llm_backend.lower()
    if backend in ("", "none"):
        return None
    if backend == "ollama":
        from langchain_ollama import ChatOllama

        return Phraser(ChatOllama(model=settings.llm_model, base_url=settings.llm_base_url or None))
    if backend == "openai":
        from langchain_openai import ChatOpenAI

        return Phraser(ChatOpenAI(model=settings.llm_model, base_url=settings.llm_base_url or None))
    raise ValueError(
        f"Unknown EA_LLM_BACKEND '{settings.llm_backend}': use none, ollama or openai."
    )
