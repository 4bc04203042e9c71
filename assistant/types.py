"""Data types passed between the stages of the chain. Nothing else lives here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

DocumentKind = Literal["article", "abstract", "guideline", "upload"]
Status = Literal["answered", "no_evidence", "invalid_input"]


@dataclass(frozen=True)
class Document:
    """One source in the evidence base, cleaned and ready to be split into passages."""

    id: str
    title: str
    kind: str
    citation: str
    text: str
    year: int | None = None
    pmid: str | None = None
    doi: str | None = None
    authors: tuple[str, ...] = ()
    journal: str | None = None
    design: str | None = None
    source_path: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def short_label(self) -> str:
        """E.g. "Smith 2020" - used where a compact source name is needed (a record without
        authors is named by its PMID, not by the first word of its title)."""
        if self.authors:
            first = self.authors[0].split()[0]
        else:
            first = f"PMID {self.pmid}" if self.pmid else self.title.split()[0]
        return f"{first} {self.year}" if self.year else first


@dataclass(frozen=True)
class Passage:
    """One sentence of a document, with its neighbours kept for context."""

    id: str  # stable: "<document id>#s<sentence number>"
    document_id: str
    text: str
    start: int  # character span of `text` inside the document's cleaned text
    end: int
    position: int  # sentence number within the document
    context_before: str = ""
    context_after: str = ""
    score: float = 0.0
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def study(self) -> str:
        """The study's short name as answers write it ("Lee 2015"), else its document id."""
        return str(self.metadata.get("short_name") or self.document_id)

    def with_score(self, score: float) -> Passage:
        return Passage(
            id=self.id,
            document_id=self.document_id,
            text=self.text,
            start=self.start,
            end=self.end,
            position=self.position,
            context_before=self.context_before,
            context_after=self.context_after,
            score=score,
            metadata=self.metadata,
        )


@dataclass(frozen=True)
class Citation:
    """A passage the answer relies on, with the exact sentence(s) quoted."""

    id: str  # passage id
    document: str  # document id
    title: str
    quote: str

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "document": self.document, "title": self.title, "quote": self.quote}


@dataclass(frozen=True)
class ToolCall:
    """One deterministic computation: pure, reproducible, every input recorded."""

    name: str
    inputs: dict[str, Any]
    output: dict[str, Any]
    text: str  # one line a clinician can read

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "inputs": dict(self.inputs),
            "output": dict(self.output),
            "text": self.text,
        }


@dataclass
class Answer:
    """What `EvidenceAssistant.ask` returns; `to_dict()` is the public contract."""

    question: str
    answer: str
    status: Status
    citations: list[Citation] = field(default_factory=list)
    tool_calls: list[ToolCall] = field(default_factory=list)
    ungrounded_numbers: list[str] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        timings = {key: round(self.timings_ms.get(key, 0.0), 3) for key in TIMING_KEYS}
        return {
            "question": self.question,
            "answer": self.answer,
            "status": self.status,
            "citations": [c.to_dict() for c in self.citations],
            "tool_calls": [t.to_dict() for t in self.tool_calls],
            "ungrounded_numbers": list(self.ungrounded_numbers),
            "timings_ms": timings,
        }


TIMING_KEYS = ("retrieve", "tools", "compose", "total")
