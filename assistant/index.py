"""Chunking + embeddings + Chroma (embedded or server) + BM25: build, update and open the index.

Two Chroma collections hold the index:

- `<collection>`: one row per sentence passage, stored under the id `<passage id>@<content hash>`
  (e.g. `smith2020#s12@3f2a...`), holding only its embedding. Chroma writes a row with text and
  metadata at half the speed of a bare vector, so a passage's text is not stored twice.
- `<collection>-documents`: the manifest, one row per *committed* document: its cleaned text,
  content hash, passage count, sentence spans and bibliographic metadata. A passage is its
  document's text at its span.

Writes are atomic per document. A document's new passages are written under its new content
hash first; then its manifest row is flipped to that hash (a single-row write); only then are the
passages of the old hash deleted. Readers only see passages whose hash matches the manifest, so an
ingest killed at any point leaves an index that answers from complete documents only, and the
next ingest finishes the job and sweeps away whatever the killed one left behind.

BM25 is derived from the committed passages. Small indexes are held in memory whole; large ones
keep only BM25 in memory (cached on disk, keyed by a fingerprint of the manifest) and fetch
passages from Chroma when a search needs them, so opening a 100k-abstract index stays fast.

Every manifest write also gives the manifest collection a new random token (its metadata); a
reader keeps a snapshot of the manifest in the index folder under the token it read it with,
and reads the snapshot instead of every manifest row while the token is unchanged.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import (
    Callable,
    ItemsView,
    Iterable,
    Iterator,
    Mapping,
    ValuesView,
)
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from .config import Settings
from .embeddings import EMBED_BATCH as EMBED_BATCH  # the embedders live in embeddings.py,
from .embeddings import Embedder as Embedder  # re-exported for `from assistant.index import ...`
from .embeddings import OnnxEmbedder as OnnxEmbedder
from .embeddings import TextEmbedder, make_embedder
from .facts import extract_facts
from .ingest import content_hash, passages_at, passages_for, split_sentences, without_label
from .lexical import TOKENIZER_VERSION, bm25_tokens, encodable
from .storecheck import check_local_store
from .types import Document, Passage
from .vocabulary import abbreviation_pairs

log = logging.getLogger(__name__)

SCHEMA_VERSION = 3  # 3: text + spans in the manifest only; 2: text on every passage row
WRITE_BATCH = 1024  # passages embedded and written per step, across document boundaries
EAGER_PASSAGES = 20_000  # indexes up to this size are held in memory whole; larger: on demand
PAGE_SIZE = 5_000  # rows per Chroma read (its SQLite refuses to return very large pages at once)
PASSAGE_CACHE = 4_096  # passages kept in memory for a large index
BM25_CACHE_DIR = "bm25-cache"  # under settings.index_dir (also in server mode: a local cache)
# A copy of the manifest (every committed document's entry and metadata) in the index folder,
# valid while the manifest collection's token (its metadata, `MANIFEST_TOKEN`) is the one it
# was read under: reading 100k manifest rows back from Chroma takes most of a minute.
MANIFEST_SNAPSHOT = "manifest-snapshot.json"
MANIFEST_TOKEN = "manifest_token"
_SNAPSHOT_FORMAT = 2
_BM25_FORMAT = 3  # bump when lexical_text or the tokenizer settings change
_KEEP_CACHES = 2
REBUILD_HINT = "Rebuild it with `python -m assistant ingest --rebuild`."


class IndexError_(RuntimeError):
    """The index cannot be opened or used; the message says what to do."""


@dataclass
class SyncReport:
    """What an ingest did; `embedded` is 0 when the corpus was unchanged."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    embedded: int = 0
    seconds: float = 0.0
    recovered: int = 0  # leftover passages of an interrupted ingest that were swept away

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def summary(self) -> str:
        swept = (
            f" Cleaned up {self.recovered} passages left by an interrupted ingest."
            if self.recovered
            else ""
        )
        if not self.changed:
            return (
                f"Index up to date: {len(self.unchanged)} documents unchanged, "
                f"no embedding work done.{swept}"
            )
        return (
            f"Indexed {self.embedded} passages in {self.seconds:.1f} s: "
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.removed)} removed, "
            f"{len(self.unchanged)} unchanged.{swept}"
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
    return chromadb.PersistentClient(
        path=str(settings.index_dir / "chroma"), settings=chroma_settings
    )


@dataclass(frozen=True)
class _Entry:
    """A committed document as the manifest records it."""

    hash: str
    passages: int
    short_name: str
    spans: str  # "start:end start:end ...", one per passage, as the document was split


@dataclass
class _ReadState:
    """What the read side holds for one version of the manifest."""

    committed: dict[str, _Entry]
    fingerprint: str
    total: int  # committed passages
    order: list[str]  # BM25 row -> passage id
    bm25: Any
    passages: dict[str, Passage] | None  # whole index in memory (small indexes only)
    doc_meta: dict[str, dict[str, Any]] = field(default_factory=dict)
    vocabulary: frozenset[str] | None = None
    lazy: Mapping[str, Passage] | None = None
    rows: int | None = None  # rows in the passage collection, counted on first search
    documents: dict[str, dict[str, Any]] | None = None  # `EvidenceIndex.documents`, built once


class EvidenceIndex:
    """Owns the Chroma collections and the BM25 index over the same sentence passages."""

    def __init__(self, settings: Settings, embedder: TextEmbedder | None = None) -> None:
        self.settings = settings
        self.embedder = embedder or make_embedder(settings)
        self._lock = threading.RLock()
        self._state_cache: _ReadState | None = None
        self._cache: OrderedDict[str, Passage] = OrderedDict()
        if not settings.server_mode:
            _refuse_damaged_vector_files(settings)
        with self._guard("open"):
            self.client = make_client(settings)
            self.collection = self.client.get_or_create_collection(
                name=settings.collection,
                metadata={
                    "hnsw:space": "cosine",
                    "schema": SCHEMA_VERSION,
                    "model": settings.embedding_model,
                },
                embedding_function=None,
            )
        self._check_compatible()
        with self._guard("open"):
            self.documents_collection = self.client.get_or_create_collection(
                name=f"{settings.collection}-documents",
                metadata={"hnsw:space": "l2", "schema": SCHEMA_VERSION},
                embedding_function=None,
            )
            self._probe()

    # ------------------------------------------------------------ build / update

    def indexed_hashes(self) -> dict[str, str]:
        """document id -> content hash, for every committed document."""
        return {doc_id: entry.hash for doc_id, entry in self._read_manifest().items()}

    def sync(
        self,
        documents: Iterable[Document],
        progress: Callable[[int, int], None] | None = None,
        remove_missing: bool = True,
        keep: Iterable[str] = (),
    ) -> SyncReport:
        """Make the index hold exactly `documents` (and the documents named in `keep`);
        unchanged ones cost nothing.

        Embeddings are computed and written in batches across documents; each document becomes
        visible only once all of its passages are stored (see the module docstring).
        """
        started = time.perf_counter()
        report = SyncReport()
        with self._lock, self._guard("update"):
            committed = self._read_manifest()
            wanted = {doc.id: doc for doc in documents}
            todo: list[tuple[Document, str]] = []
            for doc_id, doc in wanted.items():
                digest = content_hash(doc)
                entry = committed.get(doc_id)
                if entry is not None and entry.hash == digest:
                    report.unchanged.append(doc_id)
                    continue
                (report.updated if entry is not None else report.added).append(doc_id)
                todo.append((doc, digest))
            if remove_missing:
                report.removed = sorted(set(committed) - set(wanted) - set(keep))
                self._remove(report.removed, committed)
            total = sum(len(split_sentences(doc.text)) for doc, _ in todo)
            batch: list[tuple[Document, str, list[Passage]]] = []
            pending = 0
            for doc, digest in todo:
                passages = passages_for(doc)
                batch.append((doc, digest, passages))
                pending += len(passages)
                if pending >= WRITE_BATCH:
                    report.embedded += self._write_batch(batch, committed)
                    batch, pending = [], 0
                    if progress:
                        progress(report.embedded, total)
            if batch:
                report.embedded += self._write_batch(batch, committed)
                if progress:
                    progress(report.embedded, total)
            report.recovered = self._sweep(committed)
        report.seconds = time.perf_counter() - started
        if report.changed or report.recovered:
            self.refresh()
        return report

    def _write_batch(
        self, batch: list[tuple[Document, str, list[Passage]]], committed: dict[str, _Entry]
    ) -> int:
        """Store a batch of documents: passages, then the manifest flip, then old generations."""
        texts = [
            embedding_text(_short_name(doc), p.text) for doc, _, passages in batch for p in passages
        ]
        vectors = self.embedder.embed(texts) if texts else np.zeros((0, 1), dtype=np.float32)
        ids = [f"{p.id}@{digest}" for _doc, digest, passages in batch for p in passages]
        step = self._max_batch
        for start in range(0, len(ids), step):
            self.collection.upsert(
                ids=ids[start : start + step], embeddings=vectors[start : start + step]
            )
        # The flip: each manifest row is written only after all of its document's passages.
        entries = {
            doc.id: _Entry(digest, len(passages), _short_name(doc), _spans_text(passages))
            for doc, digest, passages in batch
        }
        full_texts = {doc.id: doc.text for doc, _digest, _passages in batch}
        doc_ids = list(entries)
        manifest_meta = [
            {**_document_metadata(doc, digest), "passages": len(passages),
             "spans": entries[doc.id].spans, "facts": _facts_json(passages)}
            for doc, digest, passages in batch
        ]  # fmt: skip
        for start in range(0, len(doc_ids), step):
            chunk = doc_ids[start : start + step]
            self.documents_collection.upsert(
                ids=chunk,
                embeddings=[[_coordinate(doc_id)] for doc_id in chunk],
                documents=[full_texts[d] for d in chunk],
                metadatas=manifest_meta[start : start + step],
            )
        stale = [
            f"{doc_id}#s{i}@{old.hash}"
            for doc_id, entry in entries.items()
            if (old := committed.get(doc_id)) is not None and old.hash != entry.hash
            for i in range(old.passages)
        ]
        committed.update(entries)
        self._new_manifest_token()  # before the old passages go: readers re-read the manifest
        self._delete_passages(stale)
        return len(ids)

    def _remove(self, doc_ids: list[str], committed: dict[str, _Entry]) -> None:
        """Unpublish documents (manifest first), then delete their passages."""
        if not doc_ids:
            return
        for start in range(0, len(doc_ids), self._max_batch):
            self.documents_collection.delete(ids=doc_ids[start : start + self._max_batch])
        self._new_manifest_token()
        ids = [
            f"{d}#s{i}@{committed[d].hash}" for d in doc_ids for i in range(committed[d].passages)
        ]
        for doc_id in doc_ids:
            committed.pop(doc_id, None)
        self._delete_passages(ids)

    def _delete_passages(self, ids: list[str]) -> None:
        for start in range(0, len(ids), self._max_batch):
            self.collection.delete(ids=ids[start : start + self._max_batch])

    def _sweep(self, committed: dict[str, _Entry]) -> int:
        """Delete passages no committed document owns (left by an interrupted ingest)."""
        expected = sum(e.passages for e in committed.values())
        if self.collection.count() == expected:
            return 0
        orphans = [
            cid
            for page in _pages(self.collection, include=[])
            for cid in page["ids"]
            if _owner(cid, committed) is None
        ]
        self._delete_passages(orphans)
        if orphans:
            log.info("swept %d passages left by an interrupted ingest", len(orphans))
        return len(orphans)

    @cached_property
    def _max_batch(self) -> int:
        try:
            return max(1, min(int(self.client.get_max_batch_size()), 5000))
        except Exception:
            return 1000

    # ------------------------------------------------------------ read side

    def refresh(self) -> None:
        """Forget what was read; the next search re-reads the manifest (e.g. after another
        process ingested into the same Chroma server)."""
        with self._lock:
            self._state_cache = None
            self._cache.clear()

    def passages(self) -> Mapping[str, Passage]:
        """All committed passages by id, with neighbour context attached.

        A small index is loaded whole (a plain dict); a large one returns a mapping that fetches
        passages from Chroma on access, so opening it does not read every passage.
        """
        state = self._state()
        if state.passages is not None:
            return state.passages
        if state.lazy is None:  # one object per state, so callers can tell when it changed
            state.lazy = _LazyPassages(self, state)
        return state.lazy

    def passages_by_id(self, pids: Iterable[str]) -> dict[str, Passage]:
        """The committed passages among `pids`, in one read of the store for a large index."""
        state = self._state()
        if state.passages is not None:
            return {pid: state.passages[pid] for pid in pids if pid in state.passages}
        return self._fetch(pids)

    def count(self) -> int:
        """Rows in the passage collection (equals the committed passages after a sync)."""
        with self._guard("read"):
            return int(self.collection.count())

    def dense_search(self, query_vector: np.ndarray, n: int) -> list[tuple[str, float]]:
        """(passage id, cosine similarity), best first; committed passages only."""
        state = self._state()
        n = min(n, state.total)
        if n <= 0:
            return []
        hits = self._dense_hits(state, query_vector, n, recount=False)
        if len(hits) < n:  # another process may have added rows since we counted
            hits = self._dense_hits(state, query_vector, n, recount=True)
        self._prefetch(state, [pid for pid, _ in hits[:n]])
        return hits[:n]

    def _dense_hits(
        self, state: _ReadState, query_vector: np.ndarray, n: int, recount: bool
    ) -> list[tuple[str, float]]:
        with self._guard("search"):
            if state.rows is None or recount:
                state.rows = int(self.collection.count())  # a full count: not on every query
            # Rows no committed document owns (an interrupted or concurrent ingest) may take
            # places in the ranking; ask for that many more and drop them.
            k = min(state.rows, n + max(0, state.rows - state.total))
            result = self.collection.query(
                query_embeddings=[np.asarray(query_vector, dtype=np.float32)],
                n_results=k,
                include=["distances"],
            )
        hits: list[tuple[str, float]] = []
        for cid, distance in zip(result["ids"][0], result["distances"][0], strict=True):
            pid = _owner(cid, state.committed)
            if pid is not None:
                hits.append((pid, 1.0 - float(distance)))
        return hits

    def _prefetch(self, state: _ReadState, pids: list[str]) -> None:
        """Large index: read a search's candidates in one go (callers then look them up)."""
        if state.passages is None and pids:
            self._fetch(pids)

    def bm25_search(self, query: str, n: int) -> list[tuple[str, float]]:
        """(passage id, BM25 score), best first; only passages sharing a query term."""
        state = self._state()
        if state.bm25 is None:
            return []
        vocab = state.bm25.vocab_dict
        tokens = [t for t in bm25_tokens(encodable(query)) if t in vocab]
        if not tokens:
            return []
        n = min(n, len(state.order))
        if len(set(tokens)) == 1:
            docs, values = self._postings(state, vocab[tokens[0]])
        else:
            # bm25s sums the terms' precomputed scores (time grows with their postings); the
            # n best are then chosen among the passages that score at all, not by a top-k
            # pass over the whole corpus (about 0.1 s at 1.3 M passages, per search).
            scores = state.bm25.get_scores_from_ids([vocab[t] for t in tokens])
            docs = np.flatnonzero(scores)
            values = scores[docs]
        hits = self._best(state, docs, values, n)
        self._prefetch(state, [pid for pid, _ in hits])
        return hits

    @staticmethod
    def _postings(state: Any, column: int) -> tuple[Any, Any]:
        """One term's passages and their precomputed BM25 scores (its posting list): a
        one-term search (the scope and figure checks look up single words) reads only these."""
        scores = state.bm25.scores
        start, end = int(scores["indptr"][column]), int(scores["indptr"][column + 1])
        return scores["indices"][start:end], scores["data"][start:end]

    @staticmethod
    def _best(state: Any, docs: Any, values: Any, n: int) -> list[tuple[str, float]]:
        """The `n` best-scoring of `docs`, best first (ties by position), positive scores only."""
        if len(docs) > n:  # the n best first, in numpy (a common term has many postings)
            best = np.argpartition(-values, n - 1)[:n]
            docs, values = docs[best], values[best]
        order = sorted(range(len(docs)), key=lambda i: (-float(values[i]), int(docs[i])))
        return [(state.order[int(docs[i])], float(values[i])) for i in order if values[i] > 0]

    def vocabulary(self) -> frozenset[str]:
        """Every BM25 term of the committed passages (as `lexical.bm25_tokens` writes them)."""
        state = self._state()
        if state.vocabulary is None:
            vocab = state.bm25.vocab_dict if state.bm25 is not None else {}
            state.vocabulary = frozenset(t for t in vocab if t)
        return state.vocabulary

    def passage_frequency(self, token: str) -> int:
        """In how many committed passages a BM25 term occurs (0 for a term the index lacks)."""
        state = self._state()
        column = state.bm25.vocab_dict.get(token) if state.bm25 is not None else None
        if column is None:
            return 0
        indptr = state.bm25.scores["indptr"]
        return int(indptr[column + 1] - indptr[column])

    def passage_total(self) -> int:
        return self._state().total

    def passage_count(self, document_id: str) -> int:
        """How many passages a committed document has (0 for one the index lacks)."""
        entry = self._state().committed.get(document_id)
        return entry.passages if entry is not None else 0

    def documents(self) -> dict[str, dict[str, Any]]:
        """document id -> its metadata and passage count (for the evidence-base panel). One
        dict per index state, shared by every caller (read it, never change it)."""
        state = self._state()
        with self._lock:
            if state.documents is None:
                state.documents = {
                    doc_id: {**state.doc_meta.get(doc_id, {}), "passages": entry.passages}
                    for doc_id, entry in sorted(state.committed.items())
                }
            return state.documents

    # ------------------------------------------------------------ loading

    def _state(self) -> _ReadState:
        cached = self._state_cache  # read many times a question: no lock once loaded
        if cached is not None:
            return cached
        with self._lock:
            if self._state_cache is None:
                with self._guard("read"):
                    self._state_cache = self._load()
            return self._state_cache

    def _load(self) -> _ReadState:
        committed, doc_meta = self._read_manifest_rows()
        total = sum(e.passages for e in committed.values())
        fingerprint = _fingerprint(committed, self.settings.embedding_model)
        if total <= EAGER_PASSAGES:
            found: dict[str, list[Passage]] = {}
            for page in _pages(self.documents_collection, include=["documents", "metadatas"]):
                for doc_id, text, row in _rows(page):
                    if doc_id in committed:
                        found[doc_id] = _document_passages(doc_id, text, committed, doc_meta, row)
            passages = {p.id: p for doc_id in sorted(found) for p in found[doc_id]}
            order = list(passages)
            texts = [_bm25_text(p) for p in passages.values()]
            bm25 = _build_bm25(texts) if texts else None
            return _ReadState(committed, fingerprint, total, order, bm25, passages, doc_meta)
        cached = self._load_bm25_cache(fingerprint)
        if cached is not None:
            order, bm25 = cached
        else:
            order, texts = [], []
            for page in _pages(self.documents_collection, include=["documents"]):
                for doc_id, text in zip(page["ids"], page["documents"] or [], strict=True):
                    if doc_id in committed:
                        for p in _document_passages(doc_id, text, committed, doc_meta, None):
                            order.append(p.id)
                            texts.append(lexical_text(p.metadata, p.text))
            bm25 = _build_bm25(texts) if texts else None
            self._save_bm25_cache(fingerprint, order, bm25)
        return _ReadState(committed, fingerprint, total, order, bm25, None, doc_meta)

    def _read_manifest(self) -> dict[str, _Entry]:
        return self._read_manifest_rows()[0]

    def _read_manifest_rows(self) -> tuple[dict[str, _Entry], dict[str, dict[str, Any]]]:
        """The committed documents and their public metadata: the snapshot when it was taken
        under the manifest's current token, else one scan of the manifest (then snapshotted,
        if no write changed the token meanwhile)."""
        token = self._manifest_token() or self._new_manifest_token()
        snapshot = self._load_snapshot(token) if token else None
        if snapshot is not None:
            return snapshot
        committed, doc_meta = self._scan_manifest()
        if token and self._manifest_token() == token:
            self._save_snapshot(token, committed, doc_meta)
        return committed, doc_meta

    def _scan_manifest(self) -> tuple[dict[str, _Entry], dict[str, dict[str, Any]]]:
        """The committed documents and their public metadata, from one scan of the manifest."""
        committed: dict[str, _Entry] = {}
        doc_meta: dict[str, dict[str, Any]] = {}
        for page in _pages(self.documents_collection, include=["metadatas"]):
            for doc_id, meta in zip(page["ids"], page["metadatas"] or [], strict=True):
                try:
                    committed[doc_id] = _Entry(
                        str(meta["doc_hash"]),
                        int(meta["passages"]),
                        str(meta["short_name"]),
                        str(meta["spans"]),
                    )
                except (ValueError, KeyError, TypeError) as exc:
                    raise _damaged_manifest(doc_id) from exc
                doc_meta[doc_id] = _public_meta(meta)
        return committed, doc_meta

    def _fetch(self, pids: Iterable[str]) -> dict[str, Passage]:
        """Passages of a large index, from the in-memory cache or one read of their documents."""
        pids = list(pids)
        state = self._state()
        with self._lock:
            wanted = {
                pid: doc
                for pid in dict.fromkeys(pids)
                if pid not in self._cache and (doc := _locate(pid, state.committed)[0]) is not None
            }
            if wanted:
                with self._guard("read"):
                    got = self.documents_collection.get(
                        ids=sorted(set(wanted.values())), include=["documents", "metadatas"]
                    )
                for doc_id, text, row in _rows(got):
                    for p in _document_passages(doc_id, text, state.committed, state.doc_meta, row):
                        if p.id in wanted:
                            self._cache[p.id] = p
                while len(self._cache) > PASSAGE_CACHE:
                    self._cache.popitem(last=False)
            for pid in pids:
                if pid in self._cache:
                    self._cache.move_to_end(pid)
            return {pid: self._cache[pid] for pid in pids if pid in self._cache}

    # ------------------------------------------------------------ manifest snapshot

    def _manifest_meta(self) -> dict[str, Any]:
        """The manifest collection's metadata, read afresh (another process may write)."""
        name = self.documents_collection.name
        return dict(self.client.get_collection(name, embedding_function=None).metadata or {})

    def _manifest_token(self) -> str | None:
        """The manifest collection's current token."""
        token = self._manifest_meta().get(MANIFEST_TOKEN)
        return str(token) if token else None

    def _new_manifest_token(self) -> str | None:
        """Mark the manifest as changed: a new random token in its collection's metadata (the
        distance settings live in the collection's configuration, which this leaves alone).
        None when the store refuses: then no snapshot is trusted."""
        try:
            kept = {k: v for k, v in self._manifest_meta().items() if not k.startswith("hnsw:")}
            token = uuid.uuid4().hex
            self.documents_collection.modify(metadata={**kept, MANIFEST_TOKEN: token})
            return token
        except Exception as exc:  # no token: every read scans the manifest, as before
            log.warning("could not mark the manifest as changed: %s", exc)
            with contextlib.suppress(OSError):
                (self.settings.index_dir / MANIFEST_SNAPSHOT).unlink()
            return None

    def _load_snapshot(
        self, token: str
    ) -> tuple[dict[str, _Entry], dict[str, dict[str, Any]]] | None:
        path = self.settings.index_dir / MANIFEST_SNAPSHOT
        if not path.exists():
            return None
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            if raw.get("format") != _SNAPSHOT_FORMAT or raw.get("token") != token:
                return None
            committed = {d: _Entry(str(h), int(n), str(name), str(spans))
                         for d, (h, n, name, spans) in raw["committed"].items()}  # fmt: skip
            doc_meta = raw["doc_meta"]
            if not isinstance(doc_meta, dict) or set(doc_meta) != set(committed):
                raise ValueError("its metadata does not match its documents")
            return committed, doc_meta
        except Exception as exc:  # a damaged snapshot is read past (and rewritten), never fatal
            log.warning("ignoring damaged manifest snapshot %s: %s", path, exc)
            return None

    def _save_snapshot(
        self, token: str, committed: dict[str, _Entry], doc_meta: dict[str, dict[str, Any]]
    ) -> None:
        path = self.settings.index_dir / MANIFEST_SNAPSHOT
        tmp = path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}")
        data = {
            "format": _SNAPSHOT_FORMAT,
            "token": token,
            "committed": {
                d: [e.hash, e.passages, e.short_name, e.spans] for d, e in committed.items()
            },
            "doc_meta": doc_meta,
        }
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, path)  # complete or absent
        except (OSError, TypeError, ValueError) as exc:  # read-only disk etc.: no snapshot
            log.warning("could not write the manifest snapshot %s: %s", path, exc)
            with contextlib.suppress(OSError):
                tmp.unlink()

    # ------------------------------------------------------------ BM25 cache

    def _cache_root(self) -> Path:
        return self.settings.index_dir / BM25_CACHE_DIR

    def _load_bm25_cache(self, fingerprint: str) -> tuple[list[str], Any] | None:
        folder = self._cache_root() / fingerprint
        if not (folder / "order.json").exists():
            return None
        try:
            import bm25s

            order = json.loads((folder / "order.json").read_text())
            bm25 = bm25s.BM25.load(str(folder), mmap=True, show_progress=False, verbosity=0)
            if not isinstance(order, list) or int(bm25.scores["num_docs"]) != len(order):
                raise ValueError("BM25 cache does not match its passage order")
            return order, bm25
        except Exception as exc:  # a damaged cache is dropped and rebuilt, never fatal
            log.warning("rebuilding damaged BM25 cache %s: %s", folder, exc)
            shutil.rmtree(folder, ignore_errors=True)
            return None

    def _save_bm25_cache(self, fingerprint: str, order: list[str], bm25: Any) -> None:
        if bm25 is None:
            return
        root = self._cache_root()
        tmp = root / f".tmp-{fingerprint}-{os.getpid()}-{threading.get_ident()}"
        try:
            root.mkdir(parents=True, exist_ok=True)
            shutil.rmtree(tmp, ignore_errors=True)
            bm25.save(str(tmp), show_progress=False)
            (tmp / "order.json").write_text(json.dumps(order))
            final = root / fingerprint
            if final.exists():
                shutil.rmtree(tmp, ignore_errors=True)
            else:
                os.replace(tmp, final)  # the cache appears complete or not at all
            caches = sorted(
                (p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")),
                key=lambda p: p.stat().st_mtime,
                reverse=True,
            )
            for old in caches[_KEEP_CACHES:]:
                shutil.rmtree(old, ignore_errors=True)
        except OSError as exc:  # read-only disk etc.: work without a cache
            log.warning("could not write the BM25 cache in %s: %s", root, exc)
            shutil.rmtree(tmp, ignore_errors=True)

    # ------------------------------------------------------------ health

    def _check_compatible(self) -> None:
        meta = self.collection.metadata or {}
        where = self._where()
        if meta.get("schema") != SCHEMA_VERSION:
            built = meta.get("schema")
            raise IndexError_(
                f"The index in {where} was built by "
                + (f"index schema version {built}" if built else "an unknown program")
                + f"; this program uses schema version {SCHEMA_VERSION}. "
                + REBUILD_HINT
            )
        if meta.get("model") not in (None, self.settings.embedding_model):
            raise IndexError_(
                f"The index in {where} was built with the embedding model {meta.get('model')!r}, "
                f"but the settings use {self.settings.embedding_model!r}. " + REBUILD_HINT
            )

    def _probe(self) -> None:
        """Touch the stored vectors once, so a damaged store fails now with a clear message."""
        sample = self.collection.get(limit=1, include=["embeddings"])
        vectors = sample.get("embeddings")
        if sample["ids"] and vectors is not None and len(vectors):
            self.collection.query(query_embeddings=[vectors[0]], n_results=1, include=[])
        self.documents_collection.get(limit=1, include=["documents"])

    def _where(self) -> str:
        if self.settings.server_mode:
            return (
                f"the Chroma server at {self.settings.chroma_host}:{self.settings.chroma_port} "
                f"(collection {self.settings.collection!r})"
            )
        return f"the index directory {self.settings.index_dir}"

    @contextlib.contextmanager
    def _guard(self, action: str) -> Iterator[None]:
        """Turn a failing store into an IndexError_ that says what to do.

        While opening, any failure counts; later, only errors raised by the store itself
        (Chroma, its Rust core, SQLite, the HTTP client, the disk), so that a bug elsewhere,
        e.g. in a progress callback, is not reported as a damaged index.
        """
        try:
            yield
        except (IndexError_, KeyboardInterrupt, SystemExit, GeneratorExit):
            raise
        except BaseException as exc:  # chroma raises many types (even Rust panics) when damaged
            if action == "open" and not self.settings.server_mode:
                _forget_local_client(self.settings)  # so a rebuild in this process starts clean
            if action == "open" or _from_store(exc):
                raise IndexError_(_open_error(self.settings, exc, action)) from exc
            raise


class _LazyPassages(Mapping[str, Passage]):
    """The passages of a large index: ids come from the manifest, text from Chroma on access.

    Iterating over values or items reads the store in batches (a full scan: avoid it on a
    large index; `documents()` has one row per document).
    """

    def __init__(self, index: EvidenceIndex, state: _ReadState) -> None:
        self._index = index
        self._state = state

    def __getitem__(self, pid: str) -> Passage:
        found = self._index._fetch([pid])
        if pid not in found:
            raise KeyError(pid)
        return found[pid]

    def __contains__(self, pid: object) -> bool:
        return isinstance(pid, str) and _locate(pid, self._state.committed)[0] is not None

    def __iter__(self) -> Iterator[str]:
        for doc_id, entry in sorted(self._state.committed.items()):
            for position in range(entry.passages):
                yield f"{doc_id}#s{position}"

    def __len__(self) -> int:
        return self._state.total

    def values(self) -> ValuesView[Passage]:
        return _LazyValues(self)

    def items(self) -> ItemsView[str, Passage]:
        return _LazyItems(self)

    def get_many(self, pids: Iterable[str]) -> dict[str, Passage]:
        """Several passages in one read of the store."""
        return self._index._fetch(pids)

    def batches(self, size: int = PAGE_SIZE) -> Iterator[dict[str, Passage]]:
        batch: list[str] = []
        for pid in self:
            batch.append(pid)
            if len(batch) >= size:
                yield self._index._fetch(batch)
                batch = []
        if batch:
            yield self._index._fetch(batch)


class _LazyValues(ValuesView[Passage]):
    _mapping: _LazyPassages

    def __iter__(self) -> Iterator[Passage]:
        for batch in self._mapping.batches():
            yield from batch.values()


class _LazyItems(ItemsView[str, Passage]):
    _mapping: _LazyPassages

    def __iter__(self) -> Iterator[tuple[str, Passage]]:
        for batch in self._mapping.batches():
            yield from batch.items()


# ---------------------------------------------------------------- helpers


def _pages(collection: Any, include: list[str]) -> Iterator[dict[str, Any]]:
    offset = 0
    while True:
        got = collection.get(include=include, limit=PAGE_SIZE, offset=offset)
        if not got["ids"]:
            return
        yield got
        if len(got["ids"]) < PAGE_SIZE:
            return
        offset += len(got["ids"])


def _locate(pid: str, committed: dict[str, _Entry]) -> tuple[str | None, int]:
    """(document id, position) of a committed passage id, else (None, -1)."""
    doc_id, sep, position = pid.rpartition("#s")
    entry = committed.get(doc_id) if sep else None
    if entry is None or not position.isdigit() or int(position) >= entry.passages:
        return None, -1
    return doc_id, int(position)


def _owner(cid: str, committed: dict[str, _Entry]) -> str | None:
    """The passage id of a stored row if a committed document owns it, else None."""
    pid, sep, digest = cid.rpartition("@")
    if not sep:
        return None
    doc_id, _pos = _locate(pid, committed)
    return pid if doc_id is not None and committed[doc_id].hash == digest else None


def _rows(got: Mapping[str, Any]) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """(id, text, metadata) of each document a Chroma read returned with both."""
    return zip(got["ids"], got["documents"] or [], got["metadatas"] or [], strict=True)


def _document_passages(
    doc_id: str,
    text: str,
    committed: dict[str, _Entry],
    doc_meta: dict[str, dict[str, Any]],
    row: Mapping[str, Any] | None,
) -> list[Passage]:
    """A committed document's passages: its stored text cut at its stored sentence spans, each
    with the facts its manifest `row` holds (None: without facts, for the BM25 text alone).
    Facts are read with the text, never held for every document: at 100k abstracts they would
    be most of the memory and of the snapshot's reading time."""
    entry = committed[doc_id]
    spans = _parse_spans(entry.spans)
    if len(spans) != entry.passages or any(end > len(text or "") for _, end in spans):
        raise _damaged_manifest(doc_id)
    meta = {k: v for k, v in doc_meta.get(doc_id, {}).items() if k not in _DOCUMENT_ONLY}
    facts = _parse_facts((row or {}).get("facts"))

    def passage_meta(position: int, start: int, end: int) -> dict[str, Any]:
        found = facts.get(str(position), [])
        return {**meta, "start": start, "end": end, "position": position, "facts": found}

    return passages_at(doc_id, text, spans, passage_meta)


_DOCUMENT_ONLY = ("abbreviations",)  # a document's vocabulary, not a passage's


def _facts_json(passages: list[Passage]) -> str:
    """Each passage's numeric findings (`facts.extract_facts`), by sentence position."""
    found = {str(p.position): [f.to_dict() for f in facts] for p in passages
             if (facts := extract_facts(p.text))}  # fmt: skip
    return json.dumps(found, ensure_ascii=False)


def _parse_facts(raw: Any) -> dict[str, list[dict[str, Any]]]:
    """The stored facts of a document; an index built before facts existed has none."""
    if not raw:
        return {}
    try:
        parsed = json.loads(str(raw))
    except json.JSONDecodeError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _spans_text(passages: list[Passage]) -> str:
    return " ".join(f"{p.start}:{p.end}" for p in passages)


def _parse_spans(raw: str) -> list[tuple[int, int]]:
    try:
        pairs = [part.split(":") for part in raw.split()]
        return [(int(start), int(end)) for start, end in pairs]
    except ValueError:
        return []


def _damaged_manifest(doc_id: str) -> IndexError_:
    return IndexError_(
        f"The index's document manifest is damaged (record {doc_id!r}). " + REBUILD_HINT
    )


def _public_meta(meta: Any) -> dict[str, Any]:
    """A manifest row's metadata as callers see it (without the index's own bookkeeping)."""
    out = dict(meta or {})
    for bookkeeping in ("passages", "spans", "facts"):
        out.pop(bookkeeping, None)
    return out


def _fingerprint(committed: dict[str, _Entry], model: str) -> str:
    digest = hashlib.sha256(
        f"{SCHEMA_VERSION}|{_BM25_FORMAT}|{TOKENIZER_VERSION}|{model}\n".encode()
    )
    for doc_id in sorted(committed):
        entry = committed[doc_id]
        digest.update(f"{doc_id}|{entry.hash}|{entry.passages}|{entry.short_name}\n".encode())
    return digest.hexdigest()[:32]


def _coordinate(doc_id: str) -> float:
    """A 1-d vector for a manifest row (Chroma needs one); spread out so HNSW stays cheap."""
    return int(hashlib.sha256(doc_id.encode()).hexdigest()[:8], 16) / 2**32


_STORE_MODULES = ("chromadb", "pyo3_runtime", "sqlite3", "httpx", "httpcore", "bm25s")


def _from_store(exc: BaseException) -> bool:
    module = type(exc).__module__ or ""
    return isinstance(exc, OSError) or module.split(".")[0] in _STORE_MODULES


def _open_error(settings: Settings, exc: BaseException, action: str = "open") -> str:
    detail = f"{type(exc).__name__}: {str(exc)[:300]}"
    if settings.server_mode:
        return (
            f"Could not {action} the index on the Chroma server at "
            f"{settings.chroma_host}:{settings.chroma_port} ({detail}). Check that the server is "
            f"running (`chroma run --path <dir> --host {settings.chroma_host} --port "
            f"{settings.chroma_port}`); if its data is damaged, rebuild the index with "
            "`python -m assistant ingest --rebuild`."
        )
    return (
        f"Could not {action} the index directory {settings.index_dir} ({detail}). "
        "If the index is damaged, rebuild it with `python -m assistant ingest --rebuild`."
    )


def _short_name(doc: Document) -> str:
    return str(doc.extra.get("short_name") or doc.short_label)


_META_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


def _document_metadata(doc: Document, digest: str) -> dict[str, Any]:
    """Flat, Chroma-safe metadata describing a document (stored once, in the manifest)."""
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
        "short_name": _short_name(doc),
        "abbreviations": json.dumps(abbreviation_pairs(doc.text), ensure_ascii=False),
    }
    for key, value in doc.extra.items():  # e.g. aliases, primary, publication_types
        if key not in meta and _META_KEY.match(key) and isinstance(value, str | int | float):
            meta[key] = value
    return meta


def embedding_text(short_name: str, sentence: str) -> str:
    """What is embedded for a passage: the sentence, prefixed by its source's short name, so
    that study names in a question match."""
    return f"{short_name}: {sentence}"


LEXICAL_FIELDS = ("mesh", "keywords")  # document subject terms, searchable from every sentence


def _bm25_text(passage: Passage) -> str:
    return lexical_text(passage.metadata, passage.text)


def lexical_text(meta: dict[str, Any], sentence: str) -> str:
    """What BM25 indexes for a sentence: its source's short name, the sentence, and the
    document's subject terms (MeSH headings and keywords of a PubMed record), so that a
    question in the indexers' words finds the document's sentences. A section label the
    sentence opens with is left out: "results" in a question is no reason to rank the first
    sentence of RESULTS above the others."""
    subjects = " ".join(str(meta.get(key) or "") for key in LEXICAL_FIELDS)
    return f"{meta.get('short_name', '')} {without_label(sentence)} {subjects}".strip()


def _build_bm25(texts: list[str]) -> Any:
    import bm25s

    retriever = bm25s.BM25()
    retriever.index([bm25_tokens(t) for t in texts], show_progress=False)
    return retriever


def _refuse_damaged_vector_files(settings: Settings) -> None:
    """Stop before Chroma's native loader reads damaged vector files (it would crash the process):
    a child process loads and queries the store first (see storecheck.py)."""
    collections = [settings.collection, f"{settings.collection}-documents"]
    problem = check_local_store(settings.index_dir, collections)
    if problem:
        _forget_local_client(settings)
        raise IndexError_(
            f"The index directory {settings.index_dir} is damaged ({problem}). " + REBUILD_HINT
        )


def _forget_local_client(settings: Settings) -> None:
    """Drop chromadb's per-process cache of the client for this index directory.

    Chroma keeps one client "system" per path for the life of the process. After the store was
    found damaged, or deleted by `drop_index`, that cached system would keep serving the old
    state; forgetting it lets the next EvidenceIndex open the directory afresh. (This reaches
    into chromadb's SharedSystemClient; if that ever changes, the worst case is a restart.)
    """
    try:
        from chromadb.api.shared_system_client import SharedSystemClient
    except ImportError:
        return
    key = str(settings.index_dir / "chroma")
    with contextlib.suppress(Exception):
        system = SharedSystemClient._identifier_to_system.pop(key, None)
        SharedSystemClient._identifier_to_refcount.pop(key, None)
        if system is not None:
            system.stop()


def drop_index(settings: Settings) -> None:
    """Delete the whole index (works on a damaged local store too: it is removed from disk)."""
    shutil.rmtree(settings.index_dir / BM25_CACHE_DIR, ignore_errors=True)
    if settings.server_mode:
        client = make_client(settings)
        names = {getattr(c, "name", c) for c in client.list_collections()}
        for name in (settings.collection, f"{settings.collection}-documents"):
            if name in names:
                client.delete_collection(name)
        return
    _forget_local_client(settings)
    shutil.rmtree(settings.index_dir / "chroma", ignore_errors=True)
