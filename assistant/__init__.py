"""Clinical evidence assistant: cited, number-grounded answers from a curated evidence base."""

from .answer import EvidenceAssistant
from .config import Settings
from .types import Answer, Citation, Document, Passage, ToolCall

__all__ = ["Answer", "Citation", "Document", "EvidenceAssistant", "Passage", "Settings", "ToolCall"]
