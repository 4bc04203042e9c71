"""Shared fixtures: one real index (real model, real Chroma) built once per test session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import EvidenceAssistant, Settings
from assistant.embeddings import TextEmbedder, make_embedder

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def embedder() -> TextEmbedder:
    """The real embedding model the settings choose (by default the packaged MiniLM through
    ONNX Runtime, int8), loaded once."""
    return make_embedder(Settings.from_env())


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings pointing at the bundled corpus and a throw-away index directory."""
    return Settings.from_env(index_dir=tmp_path_factory.mktemp("index"), chroma_host=None)


@pytest.fixture(scope="session")
def bot(settings: Settings, embedder: TextEmbedder) -> Iterator[EvidenceAssistant]:
    """An assistant over the bundled corpus, index built from scratch for this session."""
    from assistant.index import EvidenceIndex

    yield EvidenceAssistant(settings, index=EvidenceIndex(settings, embedder=embedder))
